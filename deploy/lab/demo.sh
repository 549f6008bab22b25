#!/usr/bin/env bash
# The two-site lab demo (README's first command). On a fresh Debian 12 machine it installs what it
# needs and builds wg-failover, then runs a narrated failover on real parts: two sites in network
# namespaces joined by two wireguard-go tunnels (wg0 "primary", wg1 "backup"), FRR (zebra + staticd
# with the gRPC module) and wg-failoverd in both, and a host behind each site sending a 1 ms
# sequence-numbered UDP stream across (what an application sees). The story:
#   1-2. steady state: BFD Up over both tunnels, the route in staticd and the kernel
#   3.   cut wg0: detection on both sides, the route moves to wg1, the stream's longest gap
#   4.   restore wg0: BFD comes back, the fail-back hold-down keeps traffic on wg1, then fail-back
#        without a lost packet
#   5.   cut both: the kill switch blackholes the site's prefix, so nothing leaks to the internet
#        uplink (counted with nftables); restore both: traffic returns at once over a held-down
#        tunnel, since nothing better is up
#   6.   what the operator sees: `wg-failover show events`, a `watch` that followed it all, the
#        Prometheus metrics and the audit log
# It ends with a timeline and the figures, and tears everything down (also on failure or Ctrl-C).
# tests/lab runs it too (ctest lab_demo), so this command stays true.
#   WGFO_BUILD_DIR  use an existing build (with tests) instead of building build-demo
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  deploy/install-deps.sh
  WGFO_BUILD_DIR=$ROOT/build-demo
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target wg-failoverd wg-failover wgfo_stream
fi
export WGFO_BUILD_DIR
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh

HOLD_DOWN=3
banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
TIMELINE=()
at() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }
mark() { TIMELINE+=("$(printf '%7ss  %s' "$(lab_elapsed)" "$*")"); at "$*"; }
FIGURES=()
figure() { FIGURES+=("$(printf '%-52s %s' "$1" "$2")"); }
show() { local s=$1; shift; wgfo_cli "$s" "$@" | sed "s/^/  site-$s\$ /"; }

site_conf() {   # site_conf NODE ME OTHER LAN: both tunnels, 50 ms x 3, a route to the other site's LAN
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: ${HOLD_DOWN}s}   # 30s by default; short here so the demo shows it
audit: {file: $LAB_DIR/sites/$2/audit.log}
tunnels:
  - {name: primary, interface: wg0, local_address: $(lab_addr "$2" 0), peer_address: $(lab_addr "$3" 0)}
  - {name: backup, interface: wg1, local_address: $(lab_addr "$2" 1), peer_address: $(lab_addr "$3" 1)}
routes:
  - {prefix: $4, via: [primary, backup], kill_switch: true}
EOF
}
route_of() { lab_route_dev a 10.20.0.0/16; }   # site a's kernel route to site b's LAN: wg0, wg1, blackhole
route_is() { [[ $(route_of) == "$1" ]]; }
metric() { lab_exec a curl -sf http://127.0.0.1:9470/metrics | awk -v k="$1" '$1 == k { print $2 }'; }

banner "1. Two sites, two wireguard-go tunnels, a host behind each"
lab_init
lab_two_sites_with_hosts
at "site-a (netns $(lab_ns a)) with host ha 10.10.0.2; site-b (netns $(lab_ns b)) with host hb 10.20.0.2"
at "wg0: $(lab_addr a 0) <-> $(lab_addr b 0)   underlay $(lab_endpoint a 0) <-> $(lab_endpoint b 0)"
at "wg1: $(lab_addr a 1) <-> $(lab_addr b 1)   underlay $(lab_endpoint a 1) <-> $(lab_endpoint b 1)"

banner "2. FRR (zebra, staticd -M grpc:50051) and wg-failoverd on both sites: BFD at 50 ms x 3"
LAB_FRR_DAEMONS=(zebra staticd)
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
t0=$(wgfo_now_ms)
wgfo_start a <(site_conf site-a a b 10.20.0.0/16)
wgfo_start b <(site_conf site-b b a 10.10.0.0/16)
for s in a b; do for t in primary backup; do wgfo_expect "$s" "$t" .state up 5; done; done
mark "all four BFD sessions Up, $(($(wgfo_now_ms) - t0)) ms after the daemons started"
lab_wait 5 route_is wg0 || lab_fail "site-a's route to 10.20/16 is '$(route_of)', expected wg0"
lab_wait 5 lab_ping ha 10.20.0.2 || lab_fail "ha cannot reach hb through the sites"
# An operator following along: `wg-failover watch` streams every decision as it happens.
lab_bg a watch "$WGFO_CLI" watch
echo
show a show tunnels
echo
show a show routes
lab_vtysh a -c "show ip route static" | grep -E '^S' | sed 's/^/  site-a# /'
at "site-a kernel: 10.20.0.0/16 dev $(route_of) (distance 10 via wg0 selected, distance 20 via wg1 standing by)"

banner "3. Cut wg0 (nftables drops its underlay UDP on both sites) while ha streams to hb"
# Start from a settled primary: on a loaded host a stall can flap BFD at 3 x 50 ms (the daemon logs
# "timers ran N ms late"), and the hold-down then keeps wg0 out for 3 s.
wgfo_expect a primary .state up $((HOLD_DOWN + 2))
lab_wait 5 route_is wg0 || lab_fail "site-a's route to 10.20/16 is '$(route_of)', expected wg0"
wgfo_stream_start cut ha hb 10.20.0.2 4000
sleep 1.5
t_cut=$(wgfo_now_ms)
lab_cut a b 0
mark "wg0 cut"
lab_wait 2 route_is wg1 || lab_fail "site-a's route did not move to wg1: '$(route_of)'"
t_route=$(wgfo_now_ms)
for s in a b; do wgfo_expect "$s" primary .state down 2; done
for s in a b; do
  t_down=$(wgfo_rfc3339_ms "$(wgfo_field "$s" primary .last_change)")
  t_rx=$(wgfo_rfc3339_ms "$(wgfo_field "$s" primary .bfd.last_rx)")
  detect=$(wgfo_field "$s" primary .bfd.detection_time_ms)
  mark "site-$s: primary Down ($(wgfo_field "$s" primary .bfd.last_diag)), $((t_down - t_rx)) ms after its last BFD packet"
  figure "site-$s detection after the last BFD packet" "$((t_down - t_rx)) ms (detection time $detect ms)"
done
at "site-a kernel: 10.20.0.0/16 dev $(route_of), seen $((t_route - t_cut)) ms after the cut (polled every 50 ms)"
wgfo_stream_result cut hb
r=$WGFO_STREAM
jq -e '.last_seq == 3999' <<<"$r" >/dev/null || lab_fail "the stream did not continue after the cut: $r"
mark "ha -> hb: $(jq .lost <<<"$r") of 4000 packets lost, longest gap $(jq .max_gap_ms <<<"$r") ms, then on over wg1"
figure "failover: longest gap in a 1 ms stream" "$(jq .max_gap_ms <<<"$r") ms ($(jq .lost <<<"$r") packets)"
echo
show a show routes

banner "4. Restore wg0: BFD Up again, traffic stays on wg1 for the ${HOLD_DOWN} s hold-down, then fails back"
wgfo_stream_start back ha hb 10.20.0.2 8000
t_restore=$(wgfo_now_ms)
lab_restore a b 0
mark "wg0 restored"
bfd_up() { [[ $(wgfo_field a primary .bfd.state) == up ]]; }
lab_wait 5 bfd_up || lab_fail "site-a's BFD session on wg0 did not come back"
t_bfd=$(wgfo_now_ms)
route_is wg1 || lab_fail "site-a's route left wg1 during the hold-down: '$(route_of)'"
mark "site-a: BFD on wg0 Up $((t_bfd - t_restore)) ms after the restore (a Down session sends at 1 s, RFC 5880 §6.8.3); tunnel '$(wgfo_field a primary .state)', route via $(route_of)"
lab_wait $((HOLD_DOWN + 3)) route_is wg0 || lab_fail "site-a's route did not come back to wg0: '$(route_of)'"
mark "site-a kernel: 10.20.0.0/16 dev $(route_of) again, $(($(wgfo_now_ms) - t_bfd)) ms after BFD Up"
wgfo_stream_result back hb
r=$WGFO_STREAM
jq -e '.lost == 0 and .last_seq == 7999' <<<"$r" >/dev/null || lab_fail "packets lost across the fail-back: $r"
at "ha -> hb during restore, hold-down and fail-back: 0 of 8000 packets lost"
figure "fail-back: packets lost in a 1 ms stream" "0 of 8000 (hold-down ${HOLD_DOWN} s)"

banner "5. Cut both tunnels: the kill switch keeps site-b's LAN off the internet uplink"
ul=$(lab_ul 0)
lab_exec a ip route add default via "$(lab_addr b 0 underlay)" dev "$ul"
lab_exec a nft -f - <<EOF
table inet wgfo_leak {
  chain post { type filter hook postrouting priority 0; policy accept; }
}
add rule inet wgfo_leak post oifname "ul*" ip daddr 10.20.0.0/16 counter
EOF
at "site-a now has a default route out of its underlay (an internet uplink); nftables counts 10.20/16 leaving there"
lab_cut a b 0
lab_cut a b 1
mark "wg0 and wg1 cut"
for t in primary backup; do wgfo_expect a "$t" .state down 2; done
lab_wait 2 route_is blackhole || lab_fail "site-a: 10.20/16 is '$(route_of)', expected the kill switch's blackhole"
mark "site-a: both tunnels Down; 10.20.0.0/16 is a blackhole (kill switch), not the default route"
lab_exec ha "$WGFO_STREAM_BIN" send --to 10.20.0.2 --port "$WGFO_STREAM_PORT" --count 500 --interval-us 1000 >/dev/null
leaked=$(lab_exec a nft -j list table inet wgfo_leak | jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add')
[[ $leaked == 0 ]] || lab_fail "$leaked packets to 10.20/16 leaked by the underlay"
at "ha sent 500 packets to hb: $leaked left site-a by the underlay"
figure "both down: packets leaked to the uplink" "$leaked of 500"
echo
show a show routes
lab_restore a b 0
lab_restore a b 1
mark "wg0 and wg1 restored"
t_restore=$(wgfo_now_ms)
lab_wait 5 route_is wg0 || lab_fail "site-a's route did not come back to wg0: '$(route_of)'"
mark "site-a: back on wg0 $(($(wgfo_now_ms) - t_restore)) ms after the restore, while primary is still '$(wgfo_field a primary .state)' (held down)"
at "the hold-down keeps traffic off a recovering tunnel only while another one works: with nothing else up," \
  "a held-down tunnel beats the blackhole"
wgfo_expect a primary .state up $((HOLD_DOWN + 3))
mark "site-a: primary and backup up again, hold-down passed"

banner "6. What the operator sees"
echo "  site-a\$ wg-failover show events --limit 8"
wgfo_cli a show events --limit 8 | sed 's/^/    /'
echo
echo "  site-a\$ wg-failover watch   (running since step 2)"
sed 's/^/    /' "$(lab_log a watch)" | tail -n 8
lab_stop a watch
echo
echo "  site-a\$ curl -s 127.0.0.1:9470/metrics | grep ..."
lab_exec a curl -sf http://127.0.0.1:9470/metrics |
  grep -E '^wgfailover_(tunnel_transitions_total\{from="up",to="down"|detection_to_fib_seconds_(count|sum)|frr_commit_duration_seconds_count|frr_commits_total)' |
  sed 's/^/    /'
fib_n=$(metric wgfailover_detection_to_fib_seconds_count)
fib_s=$(metric wgfailover_detection_to_fib_seconds_sum)
figure "detection to kernel FIB (metrics), mean of $fib_n" "$(awk -v s="$fib_s" -v n="$fib_n" 'BEGIN { printf "%.1f ms", n ? 1000 * s / n : 0 }')"
echo
audit=$LAB_DIR/sites/a/audit.log
echo "  site-a audit log ($(wc -l <"$audit") lines; one per route change, once FRR holds it), the failover:"
jq -c 'select(.after.active == ["backup"]) | {time, prefix, before: .before.active, after: .after.active, cause, staticd_txn: .frr.staticd.transaction_id}' "$audit" |
  head -n 1 | sed 's/^/    /'

banner "Timeline (site-a's view)"
printf '  %s\n' "${TIMELINE[@]}"
banner "Figures"
printf '  %s\n' "${FIGURES[@]}"

banner "7. Teardown"
id=$LAB_ID
lab_teardown
ns_left=$(ip netns list | grep -c "^wgfo-$id-" || true)
[[ $ns_left == 0 ]] || { echo "FAIL: $ns_left namespaces of run $id left" >&2; exit 1; }
at "namespaces, tunnels, FRR and the daemons removed; nothing of run $id left"
