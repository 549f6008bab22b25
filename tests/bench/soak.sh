#!/usr/bin/env bash
# soak.sh: SOAK_SECONDS (default 1800) of random cuts, loss and restores on 4 tunnels between two sites,
# each protecting 100 prefixes of the other (issue 6, "Soak"). Real parts: wireguard-go, FRR zebra and
# staticd with gRPC in both sites, wg-failoverd in both (from WGFO_BUILD_DIR, default build).
#   sudo tests/bench/soak.sh            # SOAK_SECONDS=300 for a short run; LAB_KEEP=1 keeps the logs
#                                       # (SOAK_DEBUG=1: FRR's route debugs at site a, see below)
# Prefix K (0..99) of site b is 10.20.K.0/24, of site a 10.10.K.0/24; both are routed over the four
# tunnels in the order K, K+1, K+2, K+3 (mod 4), kill switch on, so every tunnel is first for 25 of them.
# A host behind each site sends UDP round-robin to every prefix of the other side (500 packets/s).
# Every 2..6 s one tunnel gets a random fault: cut, 5/20/50 % loss, or restore. At the end everything is
# restored and the run must show:
#   - leaked packets (nftables counters on both sites' underlays for the other side's prefixes) = 0
#   - after settling, staticd in both sites holds exactly the owned routes (4 tunnels at distances
#     10..40 and the blackhole at 250 for every prefix): 0 stale, 0 missing; the kernel uses tunnel K
#   - the daemons' RSS at the end within 25 % (+ 8 MB) of their RSS after the first minute
#   - site a's audit log agrees with the route history read back from FRR: every route FRR selected
#     (sampled every second with `show ip route json`) is a state the audit log had in force while
#     the read ran or within the LAG_MS before it (a commit takes FRR some time), or the read ran around
#     an audited drift repair of that prefix (withdrawn and re-added: any of its paths may show), and
#     the last audited state is FRR's final one.
# Prints a FIGURES line. Bounded: it stops by itself; every namespace, process and file is the lab's.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
SOAK_SECONDS=${SOAK_SECONDS:-1800}
if ! [[ $SOAK_SECONDS =~ ^[0-9]+$ ]] || ((SOAK_SECONDS < 60 || SOAK_SECONDS > 14400)); then
  lab_fail "SOAK_SECONDS must be 60..14400"
fi
say() { printf '[soak %7ss] %s\n' "$(lab_elapsed)" "$*"; }
PREFIXES=100 TUNNELS=4

# conf NODE SITE PEER_SITE NET: the site's daemon, protecting NET.K.0/24 for K < PREFIXES.
conf() {
  local k i via
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 3s, dampening: {half_life: 5s, max_suppress: 20s}}
audit: {file: $LAB_DIR/audit-$2.log}
tunnels:
EOF
  for ((i = 0; i < TUNNELS; i++)); do
    echo "  - {name: t$i, interface: wg$i, local_address: $(lab_addr "$2" "$i"), peer_address: $(lab_addr "$3" "$i")}"
  done
  echo "routes:"
  for ((k = 0; k < PREFIXES; k++)); do
    via="t$((k % 4)), t$(((k + 1) % 4)), t$(((k + 2) % 4)), t$(((k + 3) % 4))"
    echo "  - {prefix: $4.$k.0/24, via: [$via], kill_switch: true}"
  done
}

# owned SITE NET: "PREFIX NEXTHOP DISTANCE" for every static route staticd holds for NET.*, sorted.
owned() { lab_static_routes "$1" | awk -v net="$2." 'index($1, net) == 1'; }
# expected NET: the steady set of owned routes for NET.
expected() {
  local k i
  for ((k = 0; k < PREFIXES; k++)); do
    for ((i = 0; i < TUNNELS; i++)); do echo "$1.$k.0/24 wg$(((k + i) % 4)) $((10 * (i + 1)))"; done
    echo "$1.$k.0/24 Null0 250"
  done | sort
}
# kernel_ok SITE NET: the kernel routes every prefix K over wg(K mod 4).
kernel_ok() {
  lab_exec "$1" ip -j -4 route show | jq -e --arg net "$2." --argjson n "$PREFIXES" '
    [.[] | select(.dst | startswith($net)) | {k: (.dst | split(".")[2] | tonumber), dev}]
    | length == $n and all(.dev == "wg\(.k % 4)")' >/dev/null
}
steady() { [[ $(owned a 10.20) == "$EXP_A" && $(owned b 10.10) == "$EXP_B" ]] && kernel_ok a 10.20 && kernel_ok b 10.10; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(lab_pid "$1" wgfo)/status"; }

# ---- set-up ---------------------------------------------------------------------------------------------
lab_init
for s in a b ha hb; do lab_site "$s"; done
for ((i = 0; i < TUNNELS; i++)); do lab_tunnel a b "$i"; done
lab_lan a ha 10.10.0.1/24 10.10.0.2
lab_lan b hb 10.20.0.1/24 10.20.0.2
LAB_FRR_DAEMONS=(zebra staticd)
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
# SOAK_DEBUG=1: zebra's and staticd's route decisions at site a, in ms, in $(lab_log a frr) (with
# WGFO_LOG_LEVEL=debug the daemon logs every commit it sends, for lining the two up).
if [[ ${SOAK_DEBUG:-0} == 1 ]]; then
  printf 'log file %s\nlog timestamp precision 3\ndebug zebra rib\ndebug static events\ndebug static route\n' \
    "$(lab_log a frr)" >>"$LAB_DIR/frr-a.conf"
fi
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
# ASan's quarantine would otherwise grow the RSS by up to 256 MB and hide a real leak's trend.
WGFO_ENV=(ASAN_OPTIONS=quarantine_size_mb=16)
wgfo_start a <(conf site-a a b 10.20)
wgfo_start b <(conf site-b b a 10.10)
WGFO_ENV=()
# A default route out of the underlay in both sites, so that a missing route would leak; the counters.
# Each site drops traffic to its own side's /16 beyond its LAN (the other 99 prefixes exist only as
# routes), which would otherwise go back out of the default route and loop between the sites.
for s in a:b:10.20:10.10 b:a:10.10:10.20; do
  IFS=: read -r site peer net own <<<"$s"
  lab_exec "$site" ip route add default via "$(lab_addr "$peer" 0 underlay)" dev "$(lab_ul 0)"
  lab_exec "$site" ip route add blackhole "$own.0.0/16"
  lab_leak_watch "$site" "$net.0.0/16"
done
EXP_A=$(expected 10.20) EXP_B=$(expected 10.10)
lab_wait 30 steady || lab_fail "no steady start: site a holds $(owned a 10.20 | wc -l) of $(wc -l <<<"$EXP_A") routes"
say "steady: $PREFIXES prefixes per site over $TUNNELS tunnels; running ${SOAK_SECONDS}s"

# Traffic: each host sends to every prefix of the other side, round-robin, until the end.
cat >"$LAB_DIR/sender.py" <<'EOF'
import socket, sys, time
net, seconds, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic(); i = 0
while time.monotonic() - start < seconds:
    try:
        s.sendto(b"soak", (f"{net}.{i % n}.2", 9))
    except OSError:
        pass  # no route for a moment (a kill-switch blackhole refuses the send): expected
    i += 1
    time.sleep(0.002)
EOF
sender() { lab_bg "$1" sender python3 "$LAB_DIR/sender.py" "$2" "$3" "$PREFIXES"; }   # sender HOST NET SECONDS
sender ha 10.20 "$((SOAK_SECONDS + 30))"
sender hb 10.10 "$((SOAK_SECONDS + 30))"

# FRR's route history at site a: every second, the selected route of every prefix; a line per change,
# "START END PREFIX DEV". The state was read at some moment between the command's start and end, and a
# zebra that is short of CPU takes seconds to answer, so a sample is only known to fall in that window.
history() {
  local end=$1 prev='' now t0
  while (($(wgfo_now_ms) < end)); do
    t0=$(wgfo_now_ms)
    now=$(lab_vtysh a -c 'show ip route json' 2>/dev/null | jq -r '
      to_entries[] | select(.key | startswith("10.20.")) | .key as $p | .value[] | select(.selected)
      | "\($p) \(if .nexthops[0].interfaceName then .nexthops[0].interfaceName else "blackhole" end)"' | sort) || true
    if [[ -n $now && $now != "$prev" ]]; then
      { diff <(echo "$prev") <(echo "$now") || true; } | awk -v t0="$t0" -v t="$(wgfo_now_ms)" '$1 == ">" { print t0, t, $2, $3 }'
      prev=$now
    fi
    sleep 1
  done
}
end_ms=$(($(wgfo_now_ms) + SOAK_SECONDS * 1000))
history "$end_ms" >"$LAB_DIR/frr-history-a.txt" &
hist_pid=$!

# ---- the soak -------------------------------------------------------------------------------------------
RANDOM=$$
events=0 cuts=0 losses=0 restores=0 rss_a0='' rss_b0=''
t_start=$(wgfo_now_ms)
while (($(wgfo_now_ms) < end_ms)); do
  if [[ -z $rss_a0 ]] && (($(wgfo_now_ms) - t_start > 60000)); then rss_a0=$(rss_kb a) rss_b0=$(rss_kb b); fi
  i=$((RANDOM % TUNNELS))
  case $((RANDOM % 10)) in
    0 | 1 | 2 | 3) lab_cut a b "$i"; cuts=$((cuts + 1)) ;;
    4 | 5 | 6) lab_loss a b "$i" "$(printf '%s\n' 5 20 50 | shuf -n1)"; losses=$((losses + 1)) ;;
    *) lab_restore a b "$i"; restores=$((restores + 1)) ;;
  esac
  events=$((events + 1))
  ((events % 50)) || say "$events faults so far; site a $(wgfo_cli a show tunnels --json | jq -r 'map("\(.name)=\(.state)") | join(" ")'); RSS kB a $(rss_kb a) b $(rss_kb b)"
  sleep "$((2 + RANDOM % 5))"
done
wait "$hist_pid" || true
for ((i = 0; i < TUNNELS; i++)); do lab_restore a b "$i"; done
t_restored=$(wgfo_now_ms)
say "$events faults ($cuts cuts, $losses loss, $restores restores); all restored"

# ---- the verdict ----------------------------------------------------------------------------------------
# The differences go to the lab dir (kept on failure): "<" held but not expected, ">" missing.
differences() {
  { diff <(owned a 10.20) <(echo "$EXP_A") || true; } >"$LAB_DIR/stale-a.txt"
  { diff <(owned b 10.10) <(echo "$EXP_B") || true; } >"$LAB_DIR/stale-b.txt"
}
if ! lab_wait 90 steady; then
  differences
  lab_fail "not steady 90 s after the restore: site a $(grep -c '^[<>]' "$LAB_DIR/stale-a.txt") differences, site b $(grep -c '^[<>]' "$LAB_DIR/stale-b.txt") (stale-a.txt, stale-b.txt)"
fi
settle=$(($(wgfo_now_ms) - t_restored))
differences
stale=$(($(grep -c '^[<>]' "$LAB_DIR/stale-a.txt" || true) + $(grep -c '^[<>]' "$LAB_DIR/stale-b.txt" || true)))
leak_a=$(lab_leaked a) leak_b=$(lab_leaked b)
rss_a1=$(rss_kb a) rss_b1=$(rss_kb b)
rss_a0=${rss_a0:-$rss_a1} rss_b0=${rss_b0:-$rss_b1}

# Audit log vs FRR: per prefix, FRR's sampled changes must appear in the audit log's sequence of
# states in the same order, and the final audited state must be FRR's final one.
lab_vtysh a -c 'show ip route json' >"$LAB_DIR/frr-final-a.json"
audit_check=$(python3 - "$LAB_DIR/audit-a.log" "$LAB_DIR/frr-history-a.txt" "$LAB_DIR/frr-final-a.json" <<'EOF'
import json, sys
audit, frr_hist, final_path = sys.argv[1], sys.argv[2], sys.argv[3]
def state(after):
    if not after or not after["active"]:
        return "blackhole"
    return "wg" + after["active"][0][1:]   # tunnel tK runs over wgK
from datetime import datetime
LAG_MS = 2000
def ms(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
seq = {f"10.20.{k}.0/24": [(0, f"wg{k % 4}")] for k in range(100)}   # the steady start (tunnel K mod 4)
repairs = {}   # prefix -> times of its drift repairs: FRR may show any of its paths around one
for line in open(audit):
    r = json.loads(line)
    if not r["prefix"].startswith("10.20."):
        continue
    if r.get("repair"):
        repairs.setdefault(r["prefix"], []).append(ms(r["time"]))
    else:
        seq[r["prefix"]].append((ms(r["time"]), state(r["after"])))
bad = []
changes = during_repair = 0
for line in open(frr_hist):
    t0, t, p, dev = line.split()
    t0, t = int(t0), int(t)
    changes += 1
    # The states in force from LAG_MS before the read started up to its end.
    hist = seq.get(p, [])
    in_force = [s for (at, s) in hist if t0 - LAG_MS <= at <= t]
    before = [s for (at, s) in hist if at < t0 - LAG_MS]
    if before:
        in_force.append(before[-1])
    if dev in in_force:
        continue
    if any(t0 - LAG_MS <= rt <= t for rt in repairs.get(p, [])):
        during_repair += 1
    else:
        bad.append(f"{p} at {t}: FRR {dev}, audit in force {in_force}")
final = json.load(open(final_path))
for p, routes in final.items():
    if not p.startswith("10.20.") or p not in seq:
        continue
    sel = [r for r in routes if r.get("selected")]
    dev = sel[0]["nexthops"][0].get("interfaceName", "blackhole") if sel else "none"
    if seq[p][-1][1] != dev:
        bad.append(f"{p}: last audited {seq[p][-1][1]}, FRR now {dev}")
print(json.dumps({"audit_records": sum(map(len, seq.values())) - len(seq), "frr_changes": changes,
                  "repairs": sum(map(len, repairs.values())), "during_repair": during_repair,
                  "mismatches": len(bad), "first": bad[:3]}))
EOF
)
say "audit vs FRR: $audit_check"
echo "FIGURES soak seconds=$SOAK_SECONDS faults=$events settle_ms=$settle leaked=$((leak_a + leak_b))" \
  "stale_or_missing=$stale rss_a_kb=$rss_a0/$rss_a1 rss_b_kb=$rss_b0/$rss_b1" \
  "audit_records=$(jq .audit_records <<<"$audit_check") frr_changes=$(jq .frr_changes <<<"$audit_check")" \
  "drift_repairs=$(jq .repairs <<<"$audit_check") audit_mismatches=$(jq .mismatches <<<"$audit_check")"
((leak_a + leak_b == 0)) || lab_fail "$((leak_a + leak_b)) packets leaked by the underlays"
((stale == 0)) || lab_fail "$stale stale or missing routes"
for s in a b; do
  r0=rss_${s}0 r1=rss_${s}1
  ((${!r1} <= ${!r0} * 125 / 100 + 8192)) || lab_fail "site $s RSS grew from ${!r0} to ${!r1} kB"
done
[[ $(jq .mismatches <<<"$audit_check") == 0 ]] || lab_fail "the audit log disagrees with FRR: $audit_check"
echo PASS
