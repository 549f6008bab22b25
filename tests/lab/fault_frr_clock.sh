# shellcheck shell=bash
# fault_frr_clock.sh: three rows of the fault matrix, sourced by fault_matrix.sh, whose lab, helpers and
# pass criteria they use: FRR refusing or losing what the daemon wrote, and a wall clock that jumps.
#   bgpd_restart     bgpd killed (SIGKILL) and restarted while the daemon runs; the lab gets bgpd
#                    (site a: deploy/frr/bgpd-tag.conf) and 10.20/16 a BGP signal
#   commit_rejected  another northbound client holds staticd in a transaction: every commit of the
#                    daemon is refused while wg0 is cut
#   clock_step       site a's daemon sees its wall clock jump 1 h forward and 2 h back, healthy and
#                    during a failover
# fault_more_setup: the scenario's additions to the set-up (before FRR starts); fault_SCENARIO: the
# scenario itself (run from fault_matrix.sh's scenario step).
# shellcheck disable=SC2034 # LAB_FRR_DAEMONS, *_EXTRA, A_ENV, LOSS_OK, STREAM_MS: fault_matrix.sh's

# status_is JQ: jq -e JQ holds on site a's `show status --json`; status_field JQ prints it.
status_is() { wgfo_cli a show status --json | jq -e "$1" >/dev/null; }
status_field() { wgfo_cli a show status --json | jq -r "$1"; }

# bgp_intent: the route-map entries the daemon owns in site a's bgpd (WG-FAILOVER seq 1..65000), as
# bgpd's running config shows them.
bgp_intent() {
  lab_vtysh a -c 'show running-config bgpd' |
    awk '$1 == "route-map" && $2 == "WG-FAILOVER" { on = ($4 <= 65000) } on { print } $1 == "exit" { on = 0 }'
}

# intent_written: BGP_INTENT is bgp_intent and holds the daemon's signal (tag 4243 -> community,
# local-preference).
intent_written() {
  BGP_INTENT=$(bgp_intent)
  grep -qx ' match tag 4243' <<<"$BGP_INTENT" && grep -qx ' set community 65001:200.*' <<<"$BGP_INTENT" &&
    grep -qx ' set local-preference 50' <<<"$BGP_INTENT"
}
# bgp_back RESTARTS: bgpd holds BGP_INTENT again, and the daemon's status is in sync with FRR, having
# seen more than RESTARTS bgpd restarts.
bgp_back() {
  [[ $(bgp_intent) == "$BGP_INTENT" ]] && status_is ".converged and .frr.bgpd.reachable and
    .frr.bgpd.last_error == \"\" and .frr.bgpd.restarts > $1 and (.conflicts | length == 0)"
}

# primary_left_down: site a's primary is no longer down (its fail-back hold-down is over).
primary_left_down() { [[ $(wgfo_field a primary .state) != down ]]; }

# clock_to OFFSET: site a's daemon's wall clock becomes real time + OFFSET seconds (clock_step).
clock_to() {
  echo "$1" >"$WALLCLOCK_FILE.new"
  mv -f "$WALLCLOCK_FILE.new" "$WALLCLOCK_FILE"
}

fault_more_setup() {
  case $SCENARIO in
    bgpd_restart)
      # bgpd in both sites (lab_frr runs one set); only a's has a config: the shipped tag-mode example
      # (its neighbor, b's underlay address, never comes up: only bgpd's own config is judged).
      LAB_FRR_DAEMONS=(zebra staticd bgpd)
      lab_bgp_conf a 65001 "$(lab_addr b 0 underlay)" 65002 tag >"$LAB_DIR/frr-a.conf"
      A_FRR_EXTRA=", bgpd: 127.0.0.1:50052"
      A_ROUTE_EXTRA=', bgp: {degraded: {community: "65001:200", local_preference: 50}}'
      ;;
    clock_step)
      # The quality probes read the wall clock on purpose (kernel receive timestamps): with an RTT
      # threshold, a step that leaked into an RTT would make the primary degraded.
      PRIMARY_EXTRA=", quality: {degraded_rtt: 100ms, degraded_loss: 10%, recover_loss: 2%, interval: 50ms}"
      # Site a's daemon runs with a preloaded shim: CLOCK_REALTIME (and gettimeofday, time) is real
      # time plus the seconds in WALLCLOCK_FILE, read on every call; CLOCK_MONOTONIC and every timer
      # are left alone. Not libfaketime: 0.9.10 (Debian 12) also moves absolute timers on
      # CLOCK_MONOTONIC by the offset (a timerfd armed TFD_TIMER_ABSTIME fails with EINVAL or fires
      # an hour late), which stalls any asio reactor, ours included, whatever the daemon does. The
      # shim comes before ASan's runtime, which must be told to accept that.
      command -v cc >/dev/null || lab_fail "clock_step builds its wall-clock shim with cc (build-essential)"
      WALLCLOCK_FILE=$LAB_DIR/wallclock-offset
      echo 0 >"$WALLCLOCK_FILE"
      cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$LAB_DIR/wallclock.so" -x c - -ldl <<'EOF' ||
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int clock_fn(clockid_t, struct timespec *);
static clock_fn *real_clock_gettime;
static const char *offset_file;

__attribute__((constructor)) static void init(void) {
  offset_file = getenv("WALLCLOCK_OFFSET_FILE");
  __atomic_store_n(&real_clock_gettime, (clock_fn *)dlsym(RTLD_NEXT, "clock_gettime"), __ATOMIC_RELEASE);
}

static long offset(void) {
  char buf[32];
  ssize_t n = -1;
  int fd = offset_file ? open(offset_file, O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
  }
  if (n <= 0) return 0;
  buf[n] = '\0';
  return strtol(buf, NULL, 10);
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
  clock_fn *real = __atomic_load_n(&real_clock_gettime, __ATOMIC_ACQUIRE);
  if (!real) {
    real = (clock_fn *)dlsym(RTLD_NEXT, "clock_gettime");
    __atomic_store_n(&real_clock_gettime, real, __ATOMIC_RELEASE);
  }
  int r = real(clock, ts);
  if (r == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) ts->tv_sec += offset();
  return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  struct timespec ts;
  int r = clock_gettime(CLOCK_REALTIME, &ts);
  (void)tz;
  if (r == 0) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return r;
}

time_t time(time_t *t) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}
EOF
        lab_fail "cannot build the wall-clock shim"
      # The shim itself: a step shows in `date` under it, the monotonic clock does not move.
      local real fake
      real=$(date +%s)
      clock_to 3600
      fake=$(env LD_PRELOAD="$LAB_DIR/wallclock.so" WALLCLOCK_OFFSET_FILE="$WALLCLOCK_FILE" date +%s)
      ((fake - real >= 3599 && fake - real <= 3602)) || lab_fail "the wall-clock shim does not step: $real -> $fake"
      clock_to 0
      A_ENV=(LD_PRELOAD="$LAB_DIR/wallclock.so" WALLCLOCK_OFFSET_FILE="$WALLCLOCK_FILE"
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
      ;;
  esac
}

fault_bgpd_restart() {
  # bgpd dies (SIGKILL) and is started again, frr.conf re-applied as watchfrr does. bgpd carries only
  # the BGP signal: staticd's routes and the traffic must not notice (no packet lost), and the daemon
  # must notice the restart and write its route-map entries again (FRR keeps what gRPC wrote in memory
  # only): the same entries as before in bgpd, and its status in sync with FRR.
  local restarts t
  LOSS_OK=1
  lab_wait 5 intent_written || lab_fail "a's bgpd lacks the daemon's entries: '$BGP_INTENT'"
  restarts=$(status_field .frr.bgpd.restarts)
  stream 12000
  kill -KILL "$(lab_pid a bgpd)"
  lab_wait 3 status_is '.frr.bgpd.reachable == false' || lab_fail "3 s after bgpd died the daemon still sees it"
  t=$(($(wgfo_now_ms) + 2000))
  while (($(wgfo_now_ms) < t)); do
    steady || lab_fail "with bgpd down: routes '$(owned_routes | tr '\n' ,)', kernel '$(route_of)'"
  done
  say "bgpd on a killed (SIGKILL): the daemon sees it unreachable; staticd's routes unchanged for 2 s"
  RECOVERED=$(wgfo_now_ms)
  lab_frr_start a bgpd
  lab_wait 5 lab_vtysh a -c 'show bgp summary' >/dev/null 2>&1 || lab_fail "the restarted bgpd does not answer"
  lab_vtysh a -b >>"$(lab_log a vtysh)" 2>&1 || lab_fail "vtysh -b rejected frr.conf after the bgpd restart"
  lab_wait 15 bgp_back "$restarts" || lab_fail "15 s after bgpd restarted: entries '$(bgp_intent | tr '\n' ' ')'," \
    "status $(wgfo_cli a show status --json | jq -c '{converged, bgpd: .frr.bgpd, conflicts}')"
  t=$(($(wgfo_now_ms) - RECOVERED))
  figure bgp_resync_ms "$t"
  say "bgpd back: the daemon's entries are in bgpd again $t ms after the restart; in sync," \
    "$(status_field .frr.bgpd.restarts) bgpd restart(s) seen"
}

fault_commit_rejected() {
  # Another northbound client holds staticd in the middle of a two-phase commit (an orchestrator's
  # PREPARE, then nothing): FRR refuses every other commit meanwhile, with UNAVAILABLE "there's
  # already another transaction in progress". (gRPC LockConfig would not do: FRR 8.4 ties that lock to
  # gRPC as a whole, so every gRPC client still commits; `configure exclusive` exists only with the
  # transactional CLI, --tcli.) The holder (the repo's proto, Python gRPC) ends its transaction with
  # DeleteCandidate on SIGTERM: PREPARE -> DeleteCandidate is the one two-phase path that does not
  # crash 8.4 (frr-grpc.md §1.3). The primary is cut meanwhile: the daemon must report the refusals and
  # keep retrying; the kernel keeps the stale wg0 route (traffic lost in the tunnel, none leaked); once
  # the transaction ends the route must reach wg1 within the retry backoff (at most 2 s) plus a commit.
  local nb holder xpath series failed failures n released converge
  nb=$LAB_DIR/nb
  mkdir "$nb"
  protoc -I proto/frr --python_out="$nb" --grpc_python_out="$nb" \
    --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" northbound.proto ||
    lab_fail "cannot generate the Python gRPC stubs (protobuf-compiler, protobuf-compiler-grpc)"
  holder=$(
    cat <<'EOF'
import signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # before gRPC starts its threads
sys.path.insert(0, sys.argv[1])
import grpc, northbound_pb2 as pb, northbound_pb2_grpc as rpc
nb = rpc.NorthboundStub(grpc.insecure_channel("127.0.0.1:50051"))
cid = nb.CreateCandidate(pb.CreateCandidateRequest(), timeout=5).candidate_id
try:
    nb.EditCandidate(pb.EditCandidateRequest(candidate_id=cid, update=[pb.PathValue(path=sys.argv[2], value="null")]), timeout=5)
    nb.Commit(pb.CommitRequest(candidate_id=cid, phase=pb.CommitRequest.PREPARE, comment="held"), timeout=5)
    print("prepared", flush=True)
    signal.sigwait({signal.SIGTERM})
finally:
    nb.DeleteCandidate(pb.DeleteCandidateRequest(candidate_id=cid), timeout=5)
EOF
  )
  # The held change: a blackhole route in the lab's free range (never applied).
  xpath="/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd'][name='staticd']"
  xpath+="[vrf='default']/frr-staticd:staticd/route-list[prefix='192.0.2.250/32'][afi-safi='frr-routing:ipv4-unicast']"
  xpath+="/path-list[table-id='0'][distance='1']/frr-nexthops/nexthop[nh-type='blackhole'][vrf='default'][gateway='']"
  xpath+="[interface='(null)']/bh-type"
  series='wgfailover_frr_commits_total{daemon="staticd",result="failed"}'
  failed=$(metric "$series") failures=$(status_field .frr.staticd.failures)
  lab_bg a holder /usr/bin/python3 -c "$holder" "$nb" "$xpath"
  lab_wait 5 grep -qx prepared "$(lab_log a holder)" || lab_fail "no transaction held in staticd: $(cat "$(lab_log a holder)")"
  stream 8000
  lab_cut a b 0
  wgfo_expect a primary .state down 2
  lab_wait 3 status_is ".frr.staticd.failures > $failures and (.frr.staticd.last_error |
    test(\"another transaction in progress\")) and (.converged | not)" ||
    lab_fail "the refused commit is not in the status: $(status_field .frr.staticd)"
  sleep 3
  route_is wg0 || lab_fail "a commit got through the held transaction: the route is '$(route_of)'"
  n=$(metric "$series")
  awk -v n="$n" -v f="$failed" 'BEGIN { exit !(n > f) }' || lab_fail "$series is '$n', was '$failed'"
  figure refused_commits "$((${n%.*} - ${failed%.*}))"
  say "staticd held by another client, wg0 cut: $((${n%.*} - ${failed%.*})) commits refused" \
    "($(status_field .frr.staticd.last_error)); kernel route still wg0"
  lab_stop a holder
  released=$(wgfo_now_ms)
  lab_wait 10 route_is wg1 || lab_fail "10 s after the transaction ended the route is still '$(route_of)'"
  converge=$(($(wgfo_now_ms) - released))
  figure converge_ms "$converge"
  kill -0 "$(lab_pid a staticd)" || lab_fail "staticd died"
  lab_wait 3 status_is '.converged and .frr.staticd.last_error == ""' ||
    lab_fail "not in sync after the release: $(wgfo_cli a show status --json | jq -c '{converged, staticd: .frr.staticd}')"
  say "transaction ended: route on wg1 $converge ms later, status in sync"
  RECOVERED=$(wgfo_now_ms)
  lab_restore a b 0
}

fault_clock_step() {
  # Site a's daemon sees a wall clock that jumps (fault_more_setup); its monotonic clock is real. It
  # must time everything on the monotonic clock. Healthy: 1 h forward, then 2 h back, while ha
  # streams: no route change, no BFD down, not degraded, not dampened, no packet lost. Then a cut fails
  # over in the usual time, and steps during the fail-back hold-down (primary stays down for 3 s from
  # BFD up) neither end it early (forward) nor stretch it (back). The route returns later than that:
  # the quality probes lost during the cut keep primary degraded for a while, steps or not.
  local before offset state t failover skew up events hold back
  before=$(down_transitions)
  stream 5000
  for offset in 3600 -3600; do
    clock_to "$offset"
    route_history 2
    [[ ${ROUTES[*]} == wg0 ]] || lab_fail "the route moved on a step of the clock to $offset s: ${ROUTES[*]}"
  done
  wgfo_stream_result s hb
  jq -e '.lost == 0' <<<"$WGFO_STREAM" >/dev/null || lab_fail "packets lost across the clock steps: $WGFO_STREAM"
  figure healthy_lost 0
  STREAM_MS=0
  [[ $(down_transitions) == "$before" ]] || lab_fail "BFD went down on a step of the clock"
  state=$(wgfo_field a primary '"\(.state) standby=\(.standby) suppressed=\(.suppressed)"')
  [[ $state == "up standby=false suppressed=false" ]] || lab_fail "after the clock steps primary is $state"
  say "healthy, wall clock +1 h then -2 h: no route change, no BFD down, 0 lost; primary $state"
  t=$(wgfo_now_ms)
  lab_cut a b 0
  lab_wait 2 route_is wg1 || lab_fail "the route did not move to wg1: '$(route_of)'"
  failover=$(($(wgfo_now_ms) - t))
  figure failover_ms "$failover"
  # The daemon dates the event with its wall clock: the proof that the steps reached it.
  skew=$(($(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)") - t))
  ((skew > -3602000 && skew < -3598000)) ||
    lab_fail "the daemon's wall clock is not the stepped one: its down event is $skew ms from the cut, not about -1 h"
  say "wg0 cut: on wg1 in $failover ms; the daemon dated the event $((skew / 1000)) s from the cut"
  clock_to 0
  sleep 1
  route_is wg1 || lab_fail "the route moved on a step of the clock during the failover: '$(route_of)'"
  RECOVERED=$(wgfo_now_ms)
  lab_restore a b 0
  wgfo_expect a primary .bfd.state up 5
  up=$(wgfo_now_ms)
  clock_to 3600
  sleep 1
  clock_to -3600
  lab_wait 6 primary_left_down || lab_fail "7 s after BFD came up (hold-down 3 s) primary is still down"
  # The hold-down as the daemon's own events date it (to the ms): BFD up at offset 0, primary leaving
  # down at offset -1 h (had it left before the step back, at +1 h, this would be 2 h too long).
  events=$(wgfo_cli a show events --tunnel primary --json)
  t=$(jq -r '[.[] | select(.from == "down" and .to == "down" and (.cause | startswith("bfd up")))][-1].time' <<<"$events")
  hold=$(jq -r '[.[] | select(.from == "down" and .to != "down")][-1].time' <<<"$events")
  hold=$(($(wgfo_rfc3339_ms "$hold") + 3600000 - $(wgfo_rfc3339_ms "$t")))
  figure hold_down_ms "$hold"
  ((hold >= 2990 && hold <= 3500)) || lab_fail "the 3 s hold-down lasted $hold ms across the clock steps: $events"
  lab_wait 20 route_is wg0 || lab_fail "20 s after BFD came up the route is '$(route_of)'"
  back=$(($(wgfo_now_ms) - up))
  figure failback_after_bfd_up_ms "$back"
  state=$(wgfo_field a primary '"\(.state) suppressed=\(.suppressed) penalty=\(.penalty)"')
  if ! [[ $state =~ ^up\ suppressed=false\ penalty=([0-9]+)$ ]] || ((BASH_REMATCH[1] > 1000)); then
    lab_fail "after one flap and the clock steps primary is $state"
  fi
  figure bfd_down_transitions $(($(down_transitions) - before))
  (($(down_transitions) - before == 1)) || lab_fail "$(($(down_transitions) - before)) BFD down transitions for one cut"
  say "hold-down with +1 h and -2 h steps: primary down for $hold ms after BFD up, route on wg0 after $back ms;" \
    "primary $state"
}
