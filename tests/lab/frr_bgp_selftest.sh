#!/usr/bin/env bash
# frr_bgp_selftest.sh: proves the BGP steering examples in deploy/frr/ on real FRR 8.4. Sites a (AS 65001,
# 192.0.2.1) and b (AS 65002, 192.0.2.2, the examples' neighbor address) peer over tunnel 0's underlay.
# vtysh at a stands in for wg-failoverd (which writes the same objects over gRPC):
#   tag mode        a runs bgpd-tag.conf; a static route tagged 4243 and an entry `match tag 4243 ->
#                   set community` reach b with the community; flipping the tag to 4242 removes it.
#   route-map mode  a's bgpd restarts with bgpd-route-map.conf; a WGFO- prefix-list + entry sets the
#                   community and prepend seen at b; without the catch-all an unmarked route is denied.
# In both, unmarked routes pass through the catch-all, and what local-preference does over eBGP is shown.
# Root only; about 20 s. One "ok" line per check; the first failure is one "FAIL: ..." line, exit 1.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
# shellcheck source=frr_bgp.sh
source "$(dirname "${BASH_SOURCE[0]}")/frr_bgp.sh"

LAB_FRR_DAEMONS=(zebra staticd bgpd)
WAIT_S=10                  # a route change reaches b in ~1-2 s (delay-timer 1 + update); generous
P_SIG=203.0.113.128/28     # the daemon's route that gets signalled
P_PLAIN=203.0.113.144/28   # the daemon's route without a signal (tag 4242)
P_OWN=203.0.113.160/28     # the operator's own static route (no tag)

ok() { printf 'ok   %s\n' "$*"; }
for cmd in jq vtysh; do command -v "$cmd" >/dev/null || lab_fail "'$cmd' is not installed"; done

# expect SITE PREFIX JQ WHAT: wait up to WAIT_S for lab_bgp_route_is, else fail showing what SITE has.
expect() {
  lab_wait "$WAIT_S" lab_bgp_route_is "$1" "$2" "$3" ||
    lab_fail "$4: at $1, $2 is $(lab_bgp_route "$1" "$2" | jq -c '[.paths[]? | {aspath: .aspath.string, community: .community.string, locPrf}]')"
}
HAS_PATH='((.paths // []) | length > 0)'
NO_PATH='((.paths // []) | length == 0)'
community_is() { printf '.paths[0].community.string == "%s"' "$1"; }
NO_COMMUNITY="$HAS_PATH and (.paths[0].community == null)"
vty_a() {   # vty_a LINE...: configure a with these lines (as wg-failoverd would over gRPC)
  local args=(-c 'configure terminal') l
  for l; do args+=(-c "$l"); done
  lab_vtysh a "${args[@]}" >/dev/null || lab_fail "vtysh at a rejected: $*"
}
local_pref_at() { lab_bgp_route "$1" "$2" | jq -c '.paths[0].locPrf // "none"'; }

# ----------------------------------------------------------------------------------------- bring-up --
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
A=$(lab_addr a 0 underlay) B=$(lab_addr b 0 underlay)
[[ $B == 192.0.2.2 ]] || lab_fail "b's underlay address is $B, the examples' neighbor is 192.0.2.2"
lab_bgp_conf a 65001 "$B" 65002 tag >"$LAB_DIR/a.conf"
lab_bgp_conf b 65002 "$A" 65001 plain >"$LAB_DIR/b.conf"
# Only hostname and router-id differ from the shipped example.
changed=$(diff "$LAB_BGP_EXAMPLES/bgpd-tag.conf" "$LAB_DIR/a.conf" | grep -c '^>' || :)
((changed == 2)) || lab_fail "lab_bgp_conf changed $changed lines of bgpd-tag.conf, expected 2"
lab_frr a "$LAB_DIR/a.conf" b "$LAB_DIR/b.conf"
lab_bgp_wait_established b "$A"
ok "a (bgpd-tag.conf, AS 65001) and b (AS 65002) Established at $(lab_elapsed) s (run $LAB_ID)"

# ------------------------------------------------------------------------------------------ tag mode --
vty_a "ip route $P_SIG blackhole tag 4243" "ip route $P_PLAIN blackhole tag 4242" "ip route $P_OWN blackhole" \
  'route-map WG-FAILOVER permit 10' 'match tag 4243' 'set community 65001:200 additive' 'set local-preference 50' \
  'set as-path prepend 65001'
expect b "$P_SIG" "$(community_is 65001:200) and .paths[0].aspath.string == \"65001 65001\"" \
  "tag mode: tag 4243 did not bring community 65001:200 and the prepend"
ok "tag mode: static route tagged 4243 reaches b with community 65001:200 and prepend (as-path 65001 65001)"
expect b "$P_PLAIN" "$NO_COMMUNITY" "tag mode: tag-4242 route not passed unmarked by the catch-all"
expect b "$P_OWN" "$NO_COMMUNITY" "tag mode: the operator's untagged route not passed by the catch-all"
ok "tag mode: tag 4242 and untagged static routes pass the catch-all unmarked"
lp_a=$(local_pref_at a "$P_SIG") lp_b=$(local_pref_at b "$P_SIG")
[[ $lp_a == 50 ]] || lab_fail "tag mode: local-preference at a is $lp_a, expected 50"
[[ $lp_b != 50 ]] || lab_fail "tag mode: local-preference 50 crossed eBGP (RFC 4271 says it must not)"
ok "tag mode: local-preference 50 set at a (locPrf $lp_a), not sent over eBGP (b: locPrf $lp_b)"
t0=$EPOCHREALTIME
vty_a "ip route $P_SIG blackhole tag 4242"
expect b "$P_SIG" "$NO_COMMUNITY and .paths[0].aspath.string == \"65001\"" \
  "tag mode: flipping the tag to 4242 did not clear the community and the prepend"
ok "tag mode: flipping the tag 4243 -> 4242 clears community and prepend at b in $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms"

# ------------------------------------------------------------------------------------ route-map mode --
# Restart a's bgpd on the route-map example (staticd and its routes stay, as in a real config change).
lab_bgp_conf a 65001 "$B" 65002 route-map >"$LAB_DIR/a-rm.conf"
changed=$(diff "$LAB_BGP_EXAMPLES/bgpd-route-map.conf" "$LAB_DIR/a-rm.conf" | grep -c '^>' || :)
((changed == 2)) || lab_fail "lab_bgp_conf changed $changed lines of bgpd-route-map.conf, expected 2"
lab_bgp_restart a "$LAB_DIR/a-rm.conf"
lab_bgp_wait_established b "$A"
expect b "$P_PLAIN" "$NO_COMMUNITY" "route-map mode: unmarked route not passed by the catch-all"
ok "route-map mode: a (bgpd-route-map.conf) re-Established, unmarked routes pass the catch-all"
t0=$EPOCHREALTIME
vty_a "ip prefix-list WGFO-T1 seq 5 permit $P_SIG" \
  'route-map WG-FAILOVER permit 10' 'match ip address prefix-list WGFO-T1' 'set community 65001:300 additive' \
  'set as-path prepend 65001 65001' 'set local-preference 50'
expect b "$P_SIG" "$(community_is 65001:300) and .paths[0].aspath.string == \"65001 65001 65001\"" \
  "route-map mode: WGFO-T1 entry did not set community 65001:300 and the prepend"
ok "route-map mode: WGFO- prefix-list entry sets community 65001:300 and prepend 65001 65001 at b" \
  "in $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms"
expect b "$P_PLAIN" "$NO_COMMUNITY" "route-map mode: route outside WGFO-T1 got marked"
lp_b=$(local_pref_at b "$P_SIG")
[[ $lp_b != 50 ]] || lab_fail "route-map mode: local-preference 50 crossed eBGP"
ok "route-map mode: set local-preference in the out map does not reach the eBGP peer (b: locPrf $lp_b)"
vty_a 'no route-map WG-FAILOVER permit 65535'
expect b "$P_PLAIN" "$NO_PATH" "route-map mode: without the catch-all the unmarked route should be denied"
expect b "$P_SIG" "$(community_is 65001:300)" "route-map mode: the marked route vanished without the catch-all"
vty_a 'route-map WG-FAILOVER permit 65535'
expect b "$P_PLAIN" "$NO_COMMUNITY" "route-map mode: restoring the catch-all did not bring the route back"
ok "route-map mode: without the catch-all the unmarked route is withdrawn at b; restoring it brings it back"
ok "done in $(lab_elapsed) s"
