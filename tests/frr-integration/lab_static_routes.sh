#!/usr/bin/env bash
# Static routes through FRR's northbound, end to end: wg-failoverd in site a (real FRR 8.4 zebra +
# staticd with the gRPC module) over two wireguard-go tunnels to site b (a second wg-failoverd as BFD
# peer). Asserts, reading vtysh and the kernel:
#   - 10.20.0.0/16 via wg0 at distance 10 and via wg1 at 20 in staticd, wg0 in the kernel; ECMP
#     10.30.0.0/16 over both; IPv6 2001:db8:20::/48 via wg0; `show routes` says installed;
#   - wg0 cut -> the kernel route moves to wg1 and ECMP shrinks to wg1; both cut -> the blackhole
#     kill switch (distance 250) takes over; restore -> back to wg0;
#   - staticd killed (by PID) and restarted -> our routes are back within 2 s, no daemon restart;
#   - wg-failoverd restarted -> no duplicate or stale route; operator routes without our tag (one of
#     them in the same route-list as ours), added in vtysh in between, survive all of it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
source "$HERE/../lab/lab.sh"
# shellcheck source=tests/lab/wgfo.sh
source "$HERE/../lab/wgfo.sh"

say() { printf '[static %6ss] %s\n' "$(lab_elapsed)" "$*"; }

conf() {   # conf NODE LOCAL0 PEER0 LOCAL1 PEER1 [routes]
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 0s}   # this test is about FRR; the hold-down has its own tests
tunnels:
  - {name: primary, interface: wg0, local_address: $2, peer_address: $3}
  - {name: backup, interface: wg1, local_address: $4, peer_address: $5}
EOF
  [[ -z ${6:-} ]] || cat <<'EOF'
routes:
  - {prefix: 10.20.0.0/16, mode: active-passive, via: [primary, backup], kill_switch: true}
  - {prefix: 10.30.0.0/16, mode: ecmp, via: [primary, backup]}
  - {prefix: "2001:db8:20::/48", via: [primary, backup]}
EOF
}

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
lab_exec a sysctl -qw net.ipv6.conf.wg0.disable_ipv6=0 net.ipv6.conf.wg1.disable_ipv6=0
LAB_FRR_DAEMONS=(zebra staticd)
lab_frr a - <<'EOF'
frr defaults traditional
hostname site-a
ip route 192.0.2.200/32 blackhole
!
EOF
say "FRR up in a"

wgfo_start b <(conf site-b 203.0.113.2 203.0.113.1 203.0.113.6 203.0.113.5)
wgfo_start a <(conf site-a 203.0.113.1 203.0.113.2 203.0.113.5 203.0.113.6 routes)
wgfo_expect a primary .state up 5
wgfo_expect a backup .state up 5
say "tunnels up"

expect_kernel() {   # expect_kernel PREFIX WANT SECONDS: wait until site a's kernel routes PREFIX as WANT
  lab_wait "$3" _kernel_is "$1" "$2" ||
    lab_fail "kernel route $1 is '$(lab_route_dev a "$1")', expected '$2' within $3 s"
}
_kernel_is() { [[ $(lab_route_dev a "$1") == "$2" ]]; }

# owned_count: how many path-lists with one of our tags staticd holds (running config lines).
owned_lines() { lab_vtysh a -c "show running-config" | grep -E '^ip(v6)? route .* tag 42(4[2-9]|5[0-7])( |$)' || true; }

expect_kernel 10.20.0.0/16 wg0 5
expect_kernel 10.30.0.0/16 "wg0 wg1" 2
expect_kernel 2001:db8:20::/48 wg0 2
route_json=$(lab_vtysh a -c "show ip route 10.20.0.0/16 json")
jq -e '.["10.20.0.0/16"] | length == 3' <<<"$route_json" >/dev/null ||
  lab_fail "staticd should hold 3 path-lists for 10.20.0.0/16 (10, 20, 250): $route_json"
jq -e '.["10.20.0.0/16"][] | select(.distance == 10 and .selected == true and .tag == 4242)
       | .nexthops[0].interfaceName == "wg0"' <<<"$route_json" >/dev/null ||
  lab_fail "10.20.0.0/16 distance 10 via wg0 with tag 4242 is not selected: $route_json"
jq -e '.["10.20.0.0/16"][] | select(.distance == 20) | .nexthops[0].interfaceName == "wg1"' \
  <<<"$route_json" >/dev/null || lab_fail "no distance-20 path via wg1: $route_json"
jq -e '.["10.20.0.0/16"][] | select(.distance == 250) | .nexthops[0].blackhole == true' \
  <<<"$route_json" >/dev/null || lab_fail "no distance-250 blackhole: $route_json"
all_installed() { wgfo_cli a show routes --json | jq -e 'length == 3 and all(.[]; .installed)' >/dev/null; }
lab_wait 3 all_installed || lab_fail "show routes does not say installed: $(wgfo_cli a show routes --json)"
say "installed: 10.20/16 wg0 (10) + wg1 (20) + blackhole (250), ECMP, IPv6; show routes agrees"

# An operator route in the same route-list as ours, without our tag: never ours to touch. (Its gateway
# does not resolve, so it never wins. A blackhole here would not do: the CLI treats the nexthop as the
# key and moves our blackhole path-list to the operator's distance, an operator's decision to respect.)
lab_vtysh a -c "conf t" -c "ip route 10.20.0.0/16 192.0.2.99 200"
lab_cut a b 0
t0=$(wgfo_now_ms)
expect_kernel 10.20.0.0/16 wg1 2
say "wg0 cut: 10.20/16 on wg1 after $(($(wgfo_now_ms) - t0)) ms"
expect_kernel 10.30.0.0/16 wg1 2
expect_kernel 2001:db8:20::/48 wg1 2
lab_cut a b 1
expect_kernel 10.20.0.0/16 blackhole 2
[[ $(wgfo_cli a show routes --json | jq -r '.[0].kill_switch') == true ]] ||
  lab_fail "show routes does not report the kill switch: $(wgfo_cli a show routes --json)"
expect_kernel 10.30.0.0/16 "" 2
say "both cut: kill switch blackhole for 10.20/16"
lab_restore a b 0
lab_restore a b 1
wgfo_expect a primary .state up 5
expect_kernel 10.20.0.0/16 wg0 3
expect_kernel 10.30.0.0/16 "wg0 wg1" 3
say "restored: back on wg0"

# staticd restart: gRPC-made routes are gone with it; the daemon notices and re-pushes.
grep -qxF "ip route 10.20.0.0/16 192.0.2.99 200" <<<"$(lab_vtysh a -c "show running-config")" ||
  lab_fail "the operator's path-list in our route-list did not survive failover and kill switch"
expected_owned=$(owned_lines | sort)
[[ $(wc -l <<<"$expected_owned") == 7 ]] || lab_fail "expected 7 owned path-lists, have: $expected_owned"
kill "$(lab_pid a staticd)"
lab_wait 5 sh -c "! kill -0 $(lab_pid a staticd) 2>/dev/null" || lab_fail "staticd did not stop"
lab_frr_start a staticd
t0=$(wgfo_now_ms)
lab_vtysh a -b >>"$(lab_log a vtysh)" 2>&1   # frr.conf re-applied, as watchfrr does after a restart
restarted_owned_ok() { [[ $(owned_lines | sort) == "$expected_owned" ]]; }
lab_wait 2 restarted_owned_ok || lab_fail "routes not back within 2 s of the staticd restart: $(owned_lines)"
say "staticd restarted: our routes back in staticd $(($(wgfo_now_ms) - t0)) ms after it started"
expect_kernel 10.20.0.0/16 wg0 1
expect_kernel 2001:db8:20::/48 wg0 1
say "... and in the kernel after $(($(wgfo_now_ms) - t0)) ms"

# Operator changes while the daemon is away, to routes without our tag, must survive its return.
lab_stop a wgfo
lab_vtysh a -c "conf t" -c "ip route 198.51.100.0/24 blackhole" -c "ip route 10.20.0.0/16 192.0.2.99 200"
wgfo_start a <(conf site-a 203.0.113.1 203.0.113.2 203.0.113.5 203.0.113.6 routes)
wgfo_expect a primary .state up 5
wgfo_expect a backup .state up 5
lab_wait 5 all_installed || lab_fail "after the daemon restart show routes does not say installed"
[[ $(owned_lines | sort) == "$expected_owned" ]] ||
  lab_fail "after the daemon restart staticd holds: $(owned_lines) (expected: $expected_owned)"
running=$(lab_vtysh a -c "show running-config")
for line in "ip route 192.0.2.200/32 blackhole" "ip route 198.51.100.0/24 blackhole" "ip route 10.20.0.0/16 192.0.2.99 200"; do
  grep -qxF "$line" <<<"$running" || lab_fail "operator route '$line' is gone: $running"
done
expect_kernel 10.20.0.0/16 wg0 1
say "daemon restarted: no duplicate or stale route; operator routes intact"
say "PASS"
