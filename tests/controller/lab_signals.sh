#!/usr/bin/env bash
# lab_signals: the signals beyond BFD, with wg-failoverd in two sites a (AS 65001: zebra, staticd and
# bgpd with the shipped tag-mode config) and b (AS 65002, a plain eBGP peer over tunnel 0's underlay),
# tunnels wg0 (primary) and wg1 (backup), and 10.20.0.0/16 protected in a with a degraded BGP signal:
#   1. endpoint rotation: both ends of wg0 start pointed at a dead endpoint (right host, wrong port);
#      the pool [dead, live] in both daemons brings the tunnel UP by rotating to the live one
#   2. quality: with wg1 cut (wg0 is the last usable path), 20 % random loss on wg0's underlay makes
#      primary DEGRADED through the UDP probes; the route stays on wg0 (never withdrawn for a soft
#      reason) and b receives the prefix with the degraded community. BFD runs 50 ms x 10 here, so
#      the loss alone never takes the session down (0.2^10 per 500 ms).
#   3. the link monitor: deleting wg0 makes primary DOWN ("interface wg0 removed") sooner than BFD
#      could have detected it, and the route moves to wg1.
#   4. the L7 check through the tunnel: a reload adds a TCP check of a service in b, reached over wg1
#      only (bound to wg1 and a's wg1 address); stopping the service makes backup DOWN with the
#      check's reason while BFD stays Up; starting it again brings backup back.
# Needs root; run by ctest with WGFO_BUILD_DIR set.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/frr_bgp.sh
source tests/lab/frr_bgp.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
P=10.20.0.0/16

say() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }

conf() {   # conf NODE SITE PEER_SITE [EXTRA...]: both tunnels, wg0 with an endpoint pool; EXTRA lines appended
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051${BGPD:+, bgpd: 127.0.0.1:50052}, route_tag: 4242}
policy: {fail_back_hold_down: 0s}
tunnels:
  - name: primary
    interface: wg0
    local_address: $(lab_addr "$2" 0)
    peer_address: $(lab_addr "$3" 0)
    bfd: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 10}
    quality: {degraded_loss: 10%, recover_loss: 2%, interval: 50ms}
    wireguard:
      peer_public_key: "$(lab_pubkey "$3" 0)"
      endpoints: ["$(lab_addr "$3" 0 underlay):$(($(lab_port 0) + 79))", "$(lab_endpoint "$3" 0)"]
  - {name: backup, interface: wg1, local_address: $(lab_addr "$2" 1), peer_address: $(lab_addr "$3" 1)${BACKUP_L7:+, l7_check: $BACKUP_L7}}
EOF
  shift 3
  printf '%s\n' "$@"
}

LAB_FRR_DAEMONS=(zebra staticd bgpd)
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
A=$(lab_addr a 0 underlay) B=$(lab_addr b 0 underlay)
lab_bgp_conf a 65001 "$B" 65002 tag >"$LAB_DIR/a.conf"
lab_bgp_conf b 65002 "$A" 65001 plain >"$LAB_DIR/b.conf"
lab_frr a "$LAB_DIR/a.conf" b "$LAB_DIR/b.conf"
lab_bgp_wait_established b "$A"
say "FRR up, BGP a-b Established"

# ---- 1. endpoint rotation --------------------------------------------------------------------------------
dead_port=$(($(lab_port 0) + 79))
lab_exec a wg set wg0 peer "$(lab_pubkey b 0)" endpoint "$B:$dead_port"
lab_exec b wg set wg0 peer "$(lab_pubkey a 0)" endpoint "$A:$dead_port"
BGPD=1
wgfo_start a <(conf site-a a b "routes:" \
  "  - {prefix: $P, via: [primary, backup], kill_switch: true, bgp: {degraded: {community: \"65001:200\"}}}")
BGPD=
wgfo_start b <(conf site-b b a)
wgfo_expect a backup .state up 5
t0=$(wgfo_now_ms)
wgfo_expect a primary .state up 20
say "primary up $(($(wgfo_now_ms) - t0)) ms after the backup"
grep -q "endpoint rotation: trying $(lab_endpoint b 0) (2 of 2)" "$(lab_log a wgfo)" ||
  grep -q "endpoint rotation: trying $(lab_endpoint a 0) (2 of 2)" "$(lab_log b wgfo)" ||
  lab_fail "primary came up without an endpoint rotation in either daemon's log"
say "endpoint rotation: $(grep -h 'endpoint rotation' "$(lab_log a wgfo)" "$(lab_log b wgfo)" | head -n 2 | sed 's/.*rotation/rotation/' | paste -sd ';')"
lab_wait 5 lab_bgp_route_is b "$P" '(.paths | length > 0) and .paths[0].community == null' ||
  lab_fail "b does not have $P without community: $(lab_bgp_route b "$P" | jq -c .)"

# ---- 2. quality: degraded on the last usable path -------------------------------------------------------
lab_cut a b 1
wgfo_expect a backup .state down 3
lab_loss a b 0 20
log_lines=$(wc -l <"$(lab_log a wgfo)")
t0=$(wgfo_now_ms)
wgfo_expect a primary .state degraded 20
say "primary degraded $(($(wgfo_now_ms) - t0)) ms after 20 % loss began: $(grep -h 'primary: up -> degraded' "$(lab_log a wgfo)" | tail -n 1 | sed 's/.*(//; s/)$//')"
[[ $(lab_route_dev a "$P") == wg0 ]] || lab_fail "the last usable path was withdrawn: $P is '$(lab_route_dev a "$P")'"
lab_wait 10 lab_bgp_route_is b "$P" '.paths[0].community.string | test("65001:200")' ||
  lab_fail "b has no degraded community on $P: $(lab_bgp_route b "$P" | jq -c '[.paths[]? | .community]')"
! tail -n +"$log_lines" "$(lab_log a wgfo)" | grep -Eq "primary: (up|degraded) -> down" ||
  lab_fail "20 % loss took primary down: BFD should ride it out"
say "route still on wg0; b has $P with community $(lab_bgp_route b "$P" | jq -r '.paths[0].community.string')"
lab_restore a b 0
lab_restore a b 1
wgfo_expect a backup .state up 5
t0=$(wgfo_now_ms)
wgfo_expect a primary .state up 20
lab_wait 2 eval '[[ $(lab_route_dev a "$P") == wg0 ]]' || lab_fail "$P did not return to wg0: '$(lab_route_dev a "$P")'"
lab_wait 10 lab_bgp_route_is b "$P" '(.paths | length > 0) and .paths[0].community == null' ||
  lab_fail "the degraded community stayed at b: $(lab_bgp_route b "$P" | jq -c '[.paths[]? | .community]')"
say "loss removed: primary up again $(($(wgfo_now_ms) - t0)) ms later ($(grep -h 'primary: degraded -> up' "$(lab_log a wgfo)" | tail -n 1 | sed 's/.*(//; s/)$//')); community withdrawn at b"

# ---- 3. interface removed: down before BFD could know ---------------------------------------------------
detect=$(wgfo_field a primary .bfd.detection_time_ms)
t_del=$(wgfo_now_ms)
lab_exec a ip link del wg0
wgfo_expect a primary .state down 3
t_down=$(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)")
# The kernel reports the link down just before it removes it; either is the link monitor's doing.
grep -Eq "primary: up -> down \(interface wg0 (down|removed)\)" "$(lab_log a wgfo)" ||
  lab_fail "primary went down for another reason: $(grep 'primary: .* -> down' "$(lab_log a wgfo)" | tail -n 1)"
((t_down - t_del < detect)) || lab_fail "down $((t_down - t_del)) ms after the deletion, BFD detects in $detect ms"
lab_wait 2 eval '[[ $(lab_route_dev a "$P") == wg1 ]]' || lab_fail "$P did not move to wg1: '$(lab_route_dev a "$P")'"
say "wg0 deleted: primary down after $((t_down - t_del)) ms (BFD detection time $detect ms); $P on wg1"

# ---- 4. L7 check through the tunnel ---------------------------------------------------------------------
L7_ADDR=$(lab_addr b 1) L7_PORT=8471
service() { lab_bg b l7 /usr/bin/python3 -u -m http.server --bind "$L7_ADDR" "$L7_PORT"; }
service
lab_wait 5 grep -q "Serving HTTP" "$(lab_log b l7)" || lab_fail "the L7 service in b did not start"
BGPD=1 BACKUP_L7="{target: $L7_ADDR:$L7_PORT, interval: 200ms, timeout: 150ms, fall: 2, rise: 2}"
wgfo_reload a <(conf site-a a b "routes:" \
  "  - {prefix: $P, via: [primary, backup], kill_switch: true, bgp: {degraded: {community: \"65001:200\"}}}")
BGPD='' BACKUP_L7=''
sleep 1.5
[[ $(wgfo_field a backup .state) == up ]] || lab_fail "backup is $(wgfo_field a backup .state) with the L7 service up"
lab_stop b l7
t0=$(wgfo_now_ms)
wgfo_expect a backup .state down 3
cause=$(wgfo_cli a show events --tunnel backup --json | jq -r '.[-1].cause')
[[ $cause == "l7 check $L7_ADDR:$L7_PORT failed 2 times in a row: "* ]] || lab_fail "backup went down for: $cause"
[[ $(wgfo_field a backup .bfd.state) == up ]] || lab_fail "BFD on wg1 is not Up: the L7 check was not alone"
say "L7 service stopped: backup down after $(($(wgfo_now_ms) - t0)) ms ($cause); BFD still up"
service
t0=$(wgfo_now_ms)
wgfo_expect a backup .state up 5
say "L7 service back: backup up after $(($(wgfo_now_ms) - t0)) ms"
