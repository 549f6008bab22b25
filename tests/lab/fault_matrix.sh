#!/usr/bin/env bash
# fault_matrix.sh SCENARIO: one row of the fault matrix (issue 6), on real parts. Two sites a and b
# joined by wg0 (primary) and wg1 (backup), FRR (zebra + staticd with gRPC) and wg-failoverd in both
# (BFD 3 x 50 ms, fail-back hold-down 3 s, kill switch on), host ha behind a and hb behind b.
# Site a also has an internet uplink: a default route out of wg0's underlay. nftables on a counts every
# packet to hb's LAN (10.20/16, protected) that leaves by an underlay: that is a leak.
# During the scenario ha streams to hb every ms. Each scenario injects its fault, checks the state it
# must reach under the fault, then recovers and waits for the steady state. The pass criteria, for every
# scenario:
#   - leaked packets = 0
#   - after settling, site a's owned static routes in FRR are exactly the steady set (wg0 at distance
#     10, wg1 at 20, the kill switch's blackhole at 250): 0 stale, 0 missing; the kernel uses wg0
#   - the scenario's own criterion (e.g. no packet lost on the healthy path)
# Figures printed: time to settle after the recovery, the stream's loss and longest gap, leaks.
# Scenarios: primary_cut bfd_only_drop loss_5 loss_20 loss_50 both_cut flap_storm wg_delete
#   wireguard_go_restart daemon_sigkill daemon_restart_tunnel_down staticd_restart zebra_restart
#   grpc_unreachable staticd_stall invalid_reload cpu_starvation bfd_flood, and in fault_frr_clock.sh
#   bgpd_restart commit_rejected clock_step
set -euo pipefail
SCENARIO=${1:?usage: fault_matrix.sh SCENARIO}
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
# shellcheck source=tests/lab/frr_bgp.sh
source tests/lab/frr_bgp.sh
# shellcheck source=tests/lab/fault_frr_clock.sh
source tests/lab/fault_frr_clock.sh

say() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }
FIG=()
figure() { FIG+=("$1=$2"); }

# A scenario may add keys to the primary tunnel (PRIMARY_EXTRA, e.g. quality thresholds) and the policy
# (POLICY_EXTRA, e.g. dampening), and in site a only to the frr block (A_FRR_EXTRA) and the route
# (A_ROUTE_EXTRA), in flow style with a leading comma. A_ENV: environment of site a's daemon (WGFO_ENV).
PRIMARY_EXTRA='' POLICY_EXTRA='' A_FRR_EXTRA='' A_ROUTE_EXTRA='' A_ENV=()
conf() {   # conf NODE SITE PEER_SITE PREFIX
  local frr_extra='' route_extra=''
  [[ $2 != a ]] || frr_extra=$A_FRR_EXTRA route_extra=$A_ROUTE_EXTRA
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242$frr_extra}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 3s$POLICY_EXTRA}
tunnels:
  - {name: primary, interface: wg0, local_address: $(lab_addr "$2" 0), peer_address: $(lab_addr "$3" 0)$PRIMARY_EXTRA}
  - {name: backup, interface: wg1, local_address: $(lab_addr "$2" 1), peer_address: $(lab_addr "$3" 1)}
routes:
  - {prefix: $4, via: [primary, backup], kill_switch: true$route_extra}
EOF
}
route_of() { lab_route_dev a 10.20.0.0/16; }
route_is() { [[ $(route_of) == "$1" ]]; }
# Site a's static routes for 10.20/16 as staticd holds them, one "NEXTHOP DISTANCE" per line, sorted.
owned_routes() { lab_static_routes a | awk '$1 == "10.20.0.0/16" { print $2, $3 }'; }
STEADY=$'Null0 250\nwg0 10\nwg1 20'
steady() { [[ $(owned_routes) == "$STEADY" ]] && route_is wg0 && [[ $(wgfo_field a primary .state) == up ]]; }
leaked() { lab_leaked a; }
start_daemon_a() {
  WGFO_ENV=(${A_ENV[@]+"${A_ENV[@]}"})
  wgfo_start a <(conf site-a a b 10.20.0.0/16)
  WGFO_ENV=()
}
# route_history SECONDS: sample site a's kernel route to 10.20/16 every 50 ms for SECONDS; ROUTES is the
# sequence of distinct routes seen ("wg0 wg1 ..."), CHANGES the number of changes.
route_history() {
  local end=$(($(wgfo_now_ms) + $1 * 1000)) r last=
  ROUTES=() CHANGES=0
  while (($(wgfo_now_ms) < end)); do
    r=$(route_of) || r=error
    [[ $r == "$last" ]] || { ROUTES+=("${r:-none}"); last=$r; }
    sleep 0.05
  done
  CHANGES=$((${#ROUTES[@]} - 1))
}
down_transitions() { wgfo_field a primary .bfd.down_transitions; }
# metric SERIES: the value of one series (name and labels as exposed) of site a's metrics.
metric() { lab_exec a curl -sf http://127.0.0.1:9470/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
case $SCENARIO in
  loss_*) PRIMARY_EXTRA=", quality: {degraded_loss: 10%, recover_loss: 2%, interval: 50ms}" ;;
esac
# Dampening as DESIGN.md's example but with a 5 s half-life and at most 20 s suppressed, so that a
# suppressed primary comes back within the test (the default half-life is 15 s).
POLICY_EXTRA=", dampening: {penalty: 1000, suppress: 2000, reuse: 750, half_life: 5s, max_suppress: 20s}"

# ---- set-up --------------------------------------------------------------------------------------------
lab_init
lab_two_sites_with_hosts
LAB_FRR_DAEMONS=(zebra staticd)
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
fault_more_setup
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
start_daemon_a
wgfo_start b <(conf site-b b a 10.10.0.0/16)
lab_exec a ip route add default via "$(lab_addr b 0 underlay)" dev "$(lab_ul 0)"
lab_leak_watch a 10.20.0.0/16
lab_wait 8 steady || lab_fail "no steady state: routes '$(owned_routes | tr '\n' ,)', kernel '$(route_of)'"
lab_wait 5 lab_ping ha 10.20.0.2 || lab_fail "ha cannot reach hb"
say "steady: 10.20/16 on wg0; staticd holds $(owned_routes | tr '\n' ',' | sed 's/,$//')"
# The kill switch's kernel floor (controller/floor): a lookup rule and a blackhole rule for 10.20/16.
floor=$(lab_exec a ip rule show protocol 244)
if ! grep -q '^32760:.*to 10.20.0.0/16 lookup main suppress_prefixlength 15' <<<"$floor" ||
  ! grep -q '^32761:.*to 10.20.0.0/16 blackhole' <<<"$floor"; then
  lab_fail "no kernel floor for 10.20/16: '$floor'"
fi

# ---- the scenario --------------------------------------------------------------------------------------
# stream MS: ha streams to hb every ms for MS ms (judged after settling, STREAM_MS); the fault comes 0.5 s in.
stream() {
  wgfo_stream_start s ha hb 10.20.0.2 "$1"
  STREAM_MS=$1
  sleep 0.5
}
# Each sets RECOVERED (ms) when it starts the recovery, and may set LOSS_OK=1 when its healthy path
# must not lose a packet.
RECOVERED=0 LOSS_OK=0 STREAM_MS=0
case $SCENARIO in
  primary_cut)
    stream 3000
    lab_cut a b 0
    lab_wait 2 route_is wg1 || lab_fail "the route did not move to wg1: '$(route_of)'"
    say "wg0 cut: traffic on wg1"
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    ;;
  bfd_only_drop)
    # Only BFD (UDP 3784 inside the tunnel) is dropped; WireGuard and data still pass. BFD is the
    # signal of record, so the route moves: a path that cannot carry BFD is not trusted to carry data.
    stream 3000
    for s in a b; do
      lab_exec "$s" nft -f - <<EOF
add table inet wgfo_bfddrop
add chain inet wgfo_bfddrop in { type filter hook input priority -5; policy accept; }
add rule inet wgfo_bfddrop in iifname "wg0" udp dport 3784 drop
EOF
    done
    wgfo_expect a primary .bfd.state down 2
    lab_wait 2 route_is wg1 || lab_fail "the route did not move to wg1: '$(route_of)'"
    lab_ping ha 10.20.0.2 || lab_fail "data stopped"
    say "BFD dropped on wg0 (data still flows): primary $(wgfo_field a primary .state), traffic on wg1"
    RECOVERED=$(wgfo_now_ms)
    for s in a b; do lab_exec "$s" nft delete table inet wgfo_bfddrop; done
    ;;
  daemon_sigkill)
    # The daemon dies hard and comes back: FRR keeps its routes, the restarted daemon adopts them
    # (same routes, no withdraw while its sessions come up), and the healthy path never loses a packet.
    LOSS_OK=1
    stream 6000
    kill -KILL "$(lab_pid a wgfo)"
    say "wg-failoverd on a killed (SIGKILL); routes left in FRR: $(owned_routes | tr '\n' ',')"
    sleep 0.5
    RECOVERED=$(wgfo_now_ms)
    start_daemon_a
    ;;
  daemon_restart_tunnel_down)
    # Restarted while the primary is down: it must not put traffic back on wg0 while adopting.
    LOSS_OK=1
    lab_cut a b 0
    lab_wait 2 route_is wg1 || lab_fail "the route did not move to wg1: '$(route_of)'"
    stream 5000
    kill -KILL "$(lab_pid a wgfo)"
    sleep 0.5
    start_daemon_a
    for _ in $(seq 30); do route_is wg1 || lab_fail "the restarted daemon moved the route to '$(route_of)' while wg0 is cut"; sleep 0.1; done
    wgfo_expect a primary .state down 1
    say "restarted while wg0 is cut: traffic stayed on wg1"
    wgfo_stream_result s hb
    jq -e '.lost == 0' <<<"$WGFO_STREAM" >/dev/null || lab_fail "packets lost across the restart: $WGFO_STREAM"
    figure restart_lost 0
    STREAM_MS=0
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    ;;
  staticd_restart)
    stream 6000
    kill -KILL "$(lab_pid a staticd)"
    say "staticd on a killed (SIGKILL); kernel route now '$(route_of)'"
    sleep 1
    RECOVERED=$(wgfo_now_ms)
    lab_frr_start a staticd
    ;;
  both_cut)
    # No tunnel left: the kill switch's blackhole takes the prefix, nothing leaks by the uplink.
    stream 3000
    lab_cut a b 0
    lab_cut a b 1
    lab_wait 2 route_is blackhole || lab_fail "no blackhole with both tunnels cut: '$(route_of)'"
    say "both cut: 10.20/16 blackholed"
    sleep 1
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    lab_restore a b 1
    ;;
  loss_*)
    # Random loss on wg0's underlay, both directions, for 8 s. The primary has quality thresholds
    # (degraded above 10 % probe loss, back below 2 %). At 20 and 50 % the traffic must end on wg1 and
    # stay there (no flip-flop while the loss lasts); at 5 % BFD may lose three in a row now and then, so
    # at most one excursion is allowed.
    pct=${SCENARIO#loss_}
    [[ $pct =~ ^(5|20|50)$ ]] || lab_fail "loss scenarios: loss_5, loss_20, loss_50"
    stream 9000
    lab_loss a b 0 "$pct"
    route_history 8
    say "$pct % loss on wg0 for 8 s: routes ${ROUTES[*]} ($CHANGES changes), primary $(wgfo_field a primary .state)"
    figure route_changes "$CHANGES"
    if ((pct >= 20)); then
      [[ ${ROUTES[-1]} == wg1 ]] || lab_fail "$pct % loss: traffic did not end on wg1: ${ROUTES[*]}"
      ((CHANGES <= 1)) || lab_fail "$pct % loss: the route flip-flopped: ${ROUTES[*]}"
    else
      ((CHANGES <= 2)) || lab_fail "5 % loss: the route flip-flopped: ${ROUTES[*]}"
    fi
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    ;;
  wg_delete | wireguard_go_restart)
    # wg0 disappears in site a: deleted by an operator (wireguard-go exits with it), or wireguard-go
    # killed. The primary is down at once (no need to wait for BFD), traffic moves to wg1; a new
    # wireguard-go brings wg0 back with a new ifindex, and the daemon picks it up again.
    stream 3000
    if [[ $SCENARIO == wg_delete ]]; then lab_exec a ip link del wg0; else kill -KILL "$(lab_pid a wg0)"; fi
    lab_wait 2 route_is wg1 || lab_fail "the route did not move to wg1: '$(route_of)'"
    wgfo_expect a primary .state down 1
    say "wg0 gone in a ($SCENARIO): primary $(wgfo_field a primary .state), traffic on wg1"
    sleep 0.5
    RECOVERED=$(wgfo_now_ms)
    lab_wg_restart a 0
    ;;
  invalid_reload)
    # A broken config file is rejected by SIGHUP and by `wg-failover reload`; the old config keeps
    # running: same sessions, same routes, no packet lost.
    LOSS_OK=1
    good=$LAB_DIR/sites/a/wgfo.good.yaml
    cp "$LAB_DIR/sites/a/wgfo.yaml" "$good"
    before=$(down_transitions)
    stream 3000
    wgfo_reload a <(printf 'node: site-a\ntunnels: [{name: primary, interface: wg0\n')
    lab_wait 3 grep -q "rejected" "$(lab_log a wgfo)" || lab_fail "SIGHUP with a broken file: no rejection logged"
    if out=$(wgfo_cli a reload 2>&1); then lab_fail "wg-failover reload accepted a broken file: $out"; fi
    say "broken config: SIGHUP and 'wg-failover reload' rejected it ($(head -n 1 <<<"$out"))"
    kill -0 "$(lab_pid a wgfo)" || lab_fail "the daemon died on a broken config"
    [[ $(down_transitions) == "$before" ]] || lab_fail "a session went down on the rejected reload"
    route_is wg0 || lab_fail "the route moved on a rejected reload: '$(route_of)'"
    cp "$good" "$LAB_DIR/sites/a/wgfo.yaml"
    RECOVERED=$(wgfo_now_ms)
    ;;
  zebra_restart)
    # zebra dies: the kernel keeps its routes (nothing removes them), staticd loses its zebra. zebra
    # restarted sweeps what the old one installed and staticd reinstalls; the floor covers the gap.
    stream 6000
    kill -KILL "$(lab_pid a zebra)"
    say "zebra on a killed (SIGKILL); kernel route now '$(route_of)'"
    sleep 1
    RECOVERED=$(wgfo_now_ms)
    lab_frr_start a zebra
    ;;
  grpc_unreachable)
    # staticd's gRPC port drops every packet for 30 s (a firewall mistake, a hung listener) and the
    # primary is cut meanwhile. The daemon cannot program FRR: the kernel keeps the stale wg0 route
    # (traffic lost inside the tunnel, none leaked); once the port answers again it must move the
    # route within its retry backoff (at most 2 s) plus a commit.
    lab_exec a nft -f - <<EOF
add table inet wgfo_grpcdrop
add chain inet wgfo_grpcdrop in { type filter hook input priority -20; policy accept; }
add rule inet wgfo_grpcdrop in tcp dport 50051 drop
add rule inet wgfo_grpcdrop in tcp sport 50051 drop
EOF
    t0=$(wgfo_now_ms)
    sleep 1
    lab_cut a b 0
    wgfo_expect a primary .state down 2
    say "gRPC port dropped, wg0 cut: primary down, kernel route '$(route_of)'"
    sleep $(((30000 - ($(wgfo_now_ms) - t0)) / 1000))
    route_is wg0 || route_is wg1 || lab_fail "during the outage the route became '$(route_of)'"
    lab_exec a nft delete table inet wgfo_grpcdrop
    back=$(wgfo_now_ms)
    lab_wait 10 route_is wg1 || lab_fail "10 s after gRPC came back the route is still '$(route_of)'"
    figure reprogram_ms $(($(wgfo_now_ms) - back))
    say "gRPC back after $(((back - t0) / 1000)) s: route on wg1 $(($(wgfo_now_ms) - back)) ms later"
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    ;;
  staticd_stall)
    # staticd stops answering (SIGSTOP, 5 s) while the primary is cut: the daemon's commit hits its
    # deadline, its API stays responsive, and after SIGCONT the route moves.
    stream 8000
    kill -STOP "$(lab_pid a staticd)"
    lab_cut a b 0
    wgfo_expect a primary .state down 2
    t=$(wgfo_now_ms)
    wgfo_cli a show status --json >/dev/null || lab_fail "the API did not answer while staticd stalls"
    figure api_ms_during_stall $(($(wgfo_now_ms) - t))
    sleep 4
    kill -CONT "$(lab_pid a staticd)"
    cont=$(wgfo_now_ms)
    lab_wait 10 route_is wg1 || lab_fail "10 s after SIGCONT the route is still '$(route_of)'"
    figure reprogram_ms $(($(wgfo_now_ms) - cont))
    say "staticd stalled 4.5 s with wg0 cut: route on wg1 $(($(wgfo_now_ms) - cont)) ms after it resumed"
    RECOVERED=$(wgfo_now_ms)
    lab_restore a b 0
    ;;
  bfd_flood)
    # 10 k hostile BFD packets/s for 5 s toward site a (tests/lab/bfd_flood.py says what they are).
    # The session must not notice: no down transition, no packet of the stream lost.
    LOSS_OK=1
    before=$(down_transitions)
    stream 6000
    flood=$(lab_exec b python3 tests/lab/bfd_flood.py --to "$(lab_addr a 0)" --peer "$(lab_addr b 0)" \
      --spoof-net 203.0.113.0/24 --underlay-to "$(lab_addr a 0 underlay)" \
      --underlay-peer "$(lab_addr b 0 underlay)" --rate 10000 --seconds 5)
    say "flood: $flood"
    figure flood_pps "$(jq .rate <<<"$flood")"
    [[ $(down_transitions) == "$before" ]] || lab_fail "the flood took the session down"
    [[ $(wgfo_field a primary .bfd.state) == up ]] || lab_fail "BFD on wg0 is not up after the flood"
    RECOVERED=$(wgfo_now_ms)
    ;;
  cpu_starvation)
    # One busy loop per core for 10 s, at normal priority, with BFD at 3 x 50 ms on both sites: no
    # session may go down.
    before=$(down_transitions)
    stream 11000
    for ((c = 0; c < $(nproc); c++)); do
      lab_bg a "hog$c" timeout 10 sh -c 'while :; do :; done'
    done
    sleep 10.2
    figure bfd_down_transitions $(($(down_transitions) - before))
    [[ $(down_transitions) == "$before" ]] || lab_fail "BFD went down under CPU starvation"
    say "$(nproc) busy loops for 10 s: BFD stayed up"
    RECOVERED=$(wgfo_now_ms)
    ;;
  flap_storm)
    # 100 cuts of wg0 in 60 s (300 ms cut, 300 ms restored). Dampening (penalty 1000 per flap,
    # suppress at 2000, half-life 5 s) must suppress the primary after a few flaps: the route moves to
    # wg1 and stays there for the rest of the storm instead of following every flap.
    before=$(down_transitions)
    moves=0 last=$(route_of)
    for ((k = 0; k < 100; k++)); do
      lab_cut a b 0
      sleep 0.3
      r=$(route_of); [[ $r == "$last" ]] || { moves=$((moves + 1)); last=$r; }
      lab_restore a b 0
      sleep 0.3
      r=$(route_of); [[ $r == "$last" ]] || { moves=$((moves + 1)); last=$r; }
    done
    flaps=$(($(down_transitions) - before))
    figure bfd_flaps "$flaps"
    figure route_moves "$moves"
    say "100 cuts in 60 s: $flaps BFD down transitions, $moves route moves seen, primary $(wgfo_field a primary .state) suppressed=$(wgfo_field a primary .suppressed)"
    ((moves <= 6)) || lab_fail "the route followed the flaps: $moves moves"
    RECOVERED=$(wgfo_now_ms)
    ;;
  bgpd_restart | commit_rejected | clock_step) "fault_$SCENARIO" ;;
  *) lab_fail "unknown scenario '$SCENARIO'" ;;
esac

# ---- settle and judge ----------------------------------------------------------------------------------
SETTLE_S=15
# After many flaps the primary stays suppressed up to max_suppress (20 s), then the 3 s hold-down.
[[ $SCENARIO != flap_storm && $SCENARIO != loss_* ]] || SETTLE_S=40
lab_wait "$SETTLE_S" steady || lab_fail "not settled $SETTLE_S s after the recovery: routes '$(owned_routes | tr '\n' ,)', kernel '$(route_of)', primary $(wgfo_field a primary .state)"
settle=$(($(wgfo_now_ms) - RECOVERED))
figure settle_ms "$settle"
if ((STREAM_MS)); then
  wgfo_stream_result s hb
  figure lost "$(jq .lost <<<"$WGFO_STREAM")"
  figure max_gap_ms "$(jq .max_gap_ms <<<"$WGFO_STREAM")"
  ((!LOSS_OK)) || jq -e '.lost == 0' <<<"$WGFO_STREAM" >/dev/null ||
    lab_fail "the healthy path lost packets: $WGFO_STREAM"
fi
n=$(leaked)
figure leaked "$n"
figure stale_or_missing "$(diff <(owned_routes) <(echo "$STEADY") | grep -c '^[<>]' || true)"
say "settled $settle ms after the recovery; $(printf '%s ' "${FIG[@]}")"
[[ $n == 0 ]] || lab_fail "$n packets to 10.20/16 leaked by the underlay"
if [[ $SCENARIO == bfd_flood ]]; then
  # The flood must show up in the BFD drop counters (metrics, refreshed every second), by reason.
  sleep 1.5
  for reason in ttl parse demux; do
    n=$(metric "wgfailover_bfd_rx_dropped_total{reason=\"$reason\"}")
    figure "${reason}_dropped" "${n:-none}"
    if ! [[ ${n:-0} =~ ^[0-9.e+]+$ ]] || ! awk -v n="$n" 'BEGIN { exit !(n > 0) }'; then
      lab_fail "the flood is not in wgfailover_bfd_rx_dropped_total{reason=\"$reason\"}: '${n:-none}'"
    fi
  done
fi
echo "FIGURES $SCENARIO ${FIG[*]}"
echo PASS
