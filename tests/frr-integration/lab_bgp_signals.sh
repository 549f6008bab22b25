#!/usr/bin/env bash
# BGP signals through bgpd's northbound, both mechanisms, against a real eBGP peer. Site a (AS 65001:
# zebra, staticd -M grpc, bgpd -M grpc, configured with deploy/frr/bgpd-*.conf as shipped) peers with
# site b (AS 65002) over tunnel 0's underlay. frr_apply (the daemon's Programmer) writes the state:
#   tag mode        entry `match tag 4243 -> set community 65001:200 additive, local-preference 50,
#                   as-path prepend 65001` written once; flipping the static route's tag 4242 -> 4243
#                   brings the community and prepend to b; local-preference is not carried to an eBGP
#                   peer (RFC 4271 §5.1.5), so site c, an iBGP peer of a (tunnel 1's underlay), shows it;
#   route-map mode  prefix-list WGFO-S1-4 + entry matching it (community 65001:300 additive,
#                   local-preference 50) on the out map; community at b;
#   invalid community -> frr_apply refuses with a clear error and bgpd's config is unchanged.
# Prints how long each mechanism took from the apply to the community at b (and back): ROUNDS toggles
# each (environment BGP_SIGNAL_ROUNDS, default 1; tests/bench/bgp_signal.sh runs more and reports
# medians).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/../lab/lab.sh"
# shellcheck source=tests/lab/frr_bgp.sh
source "$HERE/../lab/frr_bgp.sh"
: "${WGFO_BUILD_DIR:?}"
APPLY=$WGFO_BUILD_DIR/tests/frr-integration/frr_apply
P=203.0.113.128/28

say() { printf '[bgp %6ss] %s\n' "$(lab_elapsed)" "$*"; }
apply() { lab_exec a "$APPLY" --bgpd 127.0.0.1:50052 --timeout 10 /dev/stdin; }
expect_b() {   # expect_b JQ WHAT: wait up to 10 s for b's path of P to satisfy JQ
  lab_wait 10 lab_bgp_route_is b "$P" "$1" ||
    lab_fail "$2: b has $(lab_bgp_route b "$P" | jq -c '[.paths[]? | {aspath: .aspath.string, community: .community.string}]')"
}
since_ms() { echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000)); }
ROUNDS=${BGP_SIGNAL_ROUNDS:-1}
median() { tr ' ' '\n' <<<"$*" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# toggle NAME ON_STATE OFF_STATE ON_JQ: ROUNDS times apply ON_STATE until b's path satisfies ON_JQ, then
# OFF_STATE until the community is gone; sets ON_MS / OFF_MS to the lists of times.
toggle() {
  local i t0
  ON_MS='' OFF_MS=''
  for ((i = 0; i < ROUNDS; i++)); do
    t0=$EPOCHREALTIME
    apply <<<"$2" >/dev/null
    expect_b "$4" "$1: the signal did not reach b"
    ON_MS+=" $(since_ms "$t0")"
    t0=$EPOCHREALTIME
    apply <<<"$3" >/dev/null
    expect_b '(.paths | length > 0) and .paths[0].community == null' "$1: clearing the signal did not reach b"
    OFF_MS+=" $(since_ms "$t0")"
  done
  say "$1: signal at b after$ON_MS ms (median $(median $ON_MS)); cleared after$OFF_MS ms (median $(median $OFF_MS))"
}

LAB_FRR_DAEMONS=(zebra staticd bgpd)
lab_init
lab_site a
lab_site b
lab_site c
lab_tunnel a b 0
lab_tunnel a c 1
A=$(lab_addr a 0 underlay) B=$(lab_addr b 0 underlay) A1=$(lab_addr a 1 underlay) C=$(lab_addr c 1 underlay)
IBGP="router bgp 65001
 neighbor $C remote-as 65001
exit"
lab_bgp_conf a 65001 "$B" 65002 tag "$IBGP" >"$LAB_DIR/a-tag.conf"
lab_bgp_conf b 65002 "$A" 65001 plain >"$LAB_DIR/b.conf"
# c is in a's AS: it needs its own router-id (iBGP refuses a peer with ours), and allowas-in because
# the signal's prepend puts 65001 in the path, which c would otherwise drop as a loop.
lab_bgp_conf c 65001 "$A1" 65001 plain "router bgp 65001
 address-family ipv4 unicast
  neighbor $A1 allowas-in 1
 exit-address-family
exit" | sed 's/^ bgp router-id .*/ bgp router-id 10.255.0.3/' >"$LAB_DIR/c.conf"
lab_frr a "$LAB_DIR/a-tag.conf" b "$LAB_DIR/b.conf" c "$LAB_DIR/c.conf"
lab_bgp_wait_established b "$A"
lab_bgp_wait_established c "$A1"
say "a (tag mode), b (eBGP) and c (iBGP) Established"

route() {   # route TAG: the state's static route for P
  printf '{"prefix": "%s", "distance": 10, "tag": %s, "nexthops": ["wg0"]}' "$P" "$1"
}
TAG_ENTRY='{"map": "WG-FAILOVER", "sequence": 10, "match_tag": 4243, "community": "65001:200",
            "local_preference": 50, "as_path_prepend": [65001]}'
apply <<<"{\"routes\": [$(route 4242)], \"route_map_entries\": [$TAG_ENTRY]}" >/dev/null
expect_b '(.paths | length > 0) and .paths[0].community == null' "tag mode: plain route not at b"
TAG_ON="{\"routes\": [$(route 4243)], \"route_map_entries\": [$TAG_ENTRY]}"
TAG_OFF="{\"routes\": [$(route 4242)], \"route_map_entries\": [$TAG_ENTRY]}"
toggle "tag mode" "$TAG_ON" "$TAG_OFF" '.paths[0].community.string == "65001:200" and .paths[0].aspath.string == "65001 65001"'
tag_ms=$(median $ON_MS)
apply <<<"$TAG_ON" >/dev/null
expect_b '.paths[0].community.string == "65001:200"' "tag mode: the signal did not reach b"
lab_wait 10 lab_bgp_route_is c "$P" '.paths[0].locPrf == 50 and .paths[0].community.string == "65001:200"' ||
  lab_fail "tag mode: iBGP peer c lacks local-preference 50: $(lab_bgp_route c "$P" | jq -c '[.paths[]? | {locPrf, community: .community.string}]')"
say "tag mode: local-preference 50 and the community at the iBGP peer c (eBGP peer b: not carried)"
apply <<<"$TAG_OFF" >/dev/null
expect_b '(.paths | length > 0) and .paths[0].community == null' "tag mode: clearing the signal did not reach b"

# Bad input: FRR would store the value and only log an APPLY-time error (frr-grpc.md §3.5).
before=$(lab_vtysh a -c "show running-config bgpd")
BAD='{"map": "WG-FAILOVER", "sequence": 10, "match_tag": 4243, "community": "foo:bar"}'
if out=$(apply 2>&1 <<<"{\"routes\": [$(route 4243)], \"route_map_entries\": [$BAD]}"); then
  lab_fail "an invalid community was accepted: $out"
fi
grep -q 'community' <<<"$out" || lab_fail "the refusal does not name the community: $out"
[[ $(lab_vtysh a -c "show running-config bgpd") == "$before" ]] || lab_fail "bgpd's config changed after a refused apply"
expect_b '(.paths | length > 0) and .paths[0].community == null' "invalid community: b's route changed"
say "invalid community refused: $(head -n1 <<<"$out")"

# Route-map mode: bgpd restarted on the other example (a config change an operator makes once).
lab_bgp_conf a 65001 "$B" 65002 route-map >"$LAB_DIR/a-rm.conf"
apply <<<"{\"routes\": [$(route 4242)]}" >/dev/null
lab_bgp_restart a "$LAB_DIR/a-rm.conf"
lab_bgp_wait_established b "$A"
expect_b '(.paths | length > 0) and .paths[0].community == null' "route-map mode: plain route not at b"
RM_STATE="{\"routes\": [$(route 4242)],
 \"prefix_lists\": [{\"name\": \"WGFO-S1-4\", \"family\": 4, \"prefixes\": [\"$P\"]}],
 \"route_map_entries\": [{\"map\": \"WG-FAILOVER\", \"sequence\": 10, \"match_prefix_list\": \"WGFO-S1-4\",
                          \"family\": 4, \"community\": \"65001:300\", \"local_preference\": 50}]}"
RM_OFF="{\"routes\": [$(route 4242)]}"
toggle "route-map mode" "$RM_STATE" "$RM_OFF" '.paths[0].community.string == "65001:300"'
rm_ms=$(median $ON_MS)
running=$(lab_vtysh a -c "show running-config bgpd")
! grep -q 'WGFO-S1-4' <<<"$running" || lab_fail "route-map mode: prefix-list left behind: $running"
grep -q '^route-map WG-FAILOVER permit 65535' <<<"$running" ||
  lab_fail "route-map mode: the operator's catch-all is gone: $running"
say "route-map mode: no prefix-list left behind; catch-all intact"
say "FIGURES rounds=$ROUNDS median-on tag=${tag_ms}ms route-map=${rm_ms}ms"
say "PASS"
