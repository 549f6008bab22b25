#!/usr/bin/env bash
# lab_nobfd: a tunnel whose peer runs no BFD (tunnels[].bfd.enabled: false), protected by the quality
# probes alone. Sites a and b (zebra + staticd each) joined by wg0 (primary, no BFD; UDP probes every
# 50 ms, which b's wg-failoverd answers) and wg1 (backup, BFD as usual); 10.20.0.0/16 active-passive in a
# via [primary, backup], fail-back hold-down 0 s:
#   1. steady: primary up without a BFD session, the route on wg0 (CLI and kernel agree)
#   2. cut wg0's underlay: the probes get no reply at all, primary goes DOWN with a "probes:" cause and
#      the route moves to wg1; the time from cut to DOWN is printed (the quality summary runs once a
#      second over a window spanning 2 s at 50 ms, so about 2-3 s)
#   3. restore: the first reply brings primary UP again (judged while DOWN), the route returns to wg0
# Needs root; run by ctest with WGFO_BUILD_DIR set.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
P=10.20.0.0/16

say() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }

conf() {   # conf NODE SITE PEER_SITE [EXTRA...]: EXTRA lines appended
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 0s}
tunnels:
  - name: primary
    interface: wg0
    local_address: $(lab_addr "$2" 0)
    peer_address: $(lab_addr "$3" 0)
    bfd: {enabled: false}
    quality: {degraded_loss: 50%, interval: 50ms}
  - {name: backup, interface: wg1, local_address: $(lab_addr "$2" 1), peer_address: $(lab_addr "$3" 1)}
EOF
  shift 3
  printf '%s\n' "$@"
}

# The CLI's view of P in a: "ACTIVE_TUNNELS INSTALLED", e.g. "primary true".
route_view() {
  wgfo_cli a show routes --json |
    jq -er --arg p "$P" '.[] | select(.prefix == $p) | "\(.active | join(",")) \(.installed)"'
}
route_is() { [[ $(route_view 2>/dev/null) == "$1 true" && $(lab_route_dev a "$P") == "$2" ]]; }
expect_route() {   # expect_route TUNNEL DEV SECONDS
  lab_wait "$3" route_is "$1" "$2" ||
    lab_fail "$P: CLI says '$(route_view 2>&1)', kernel '$(lab_route_dev a "$P")'; expected $1 on $2"
}

LAB_FRR_DAEMONS=(zebra staticd)
lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
say "FRR up"

wgfo_start b <(conf site-b b a)
wgfo_start a <(conf site-a a b "routes:" "  - {prefix: $P, mode: active-passive, via: [primary, backup]}")

# ---- 1. steady: up without a BFD session ----------------------------------------------------------------
wgfo_expect a backup .state up 10
wgfo_expect a primary .state up 10
expect_route primary wg0 5
grep -q "primary: down -> up (probes: first reply)" "$(lab_log a wgfo)" ||
  lab_fail "primary came up for another reason: $(grep 'primary: .* -> up' "$(lab_log a wgfo)" | head -n 1)"
say "primary up without BFD (bfd.state '$(wgfo_field a primary .bfd.state 2>&1)'), backup bfd" \
  "'$(wgfo_field a backup .bfd.state)'; $P on wg0"

# ---- 2. cut: the probes notice ---------------------------------------------------------------------------
t_cut=$(wgfo_now_ms)
lab_cut a b 0
wgfo_expect a primary .state down 8
t_down=$(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)")
cause=$(grep -h "primary: up -> down" "$(lab_log a wgfo)" | tail -n 1 | sed 's/.*(//; s/)$//')
[[ $cause == "probes: no reply to "*" probes" ]] || lab_fail "primary went down for another reason: '$cause'"
expect_route backup wg1 3
[[ $(wgfo_field a backup .state) == up ]] || lab_fail "backup is not up after the cut"
say "wg0 cut: primary down after $((t_down - t_cut)) ms ($cause); $P on wg1"
((t_down - t_cut <= 5000)) || lab_fail "down only $((t_down - t_cut)) ms after the cut (expected about 2-3 s)"

# ---- 3. restore: a reply brings it back -----------------------------------------------------------------
t_restore=$(wgfo_now_ms)
lab_restore a b 0
wgfo_expect a primary .state up 8
t_up=$(wgfo_rfc3339_ms "$(wgfo_field a primary .last_change)")
grep -q "primary: down -> up (probes: replies again)" "$(lab_log a wgfo)" ||
  lab_fail "primary came back for another reason: $(grep 'primary: down -> up' "$(lab_log a wgfo)" | tail -n 1)"
expect_route primary wg0 3
say "wg0 restored: primary up after $((t_up - t_restore)) ms (probes: replies again); $P on wg0"
