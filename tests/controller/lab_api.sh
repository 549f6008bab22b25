#!/usr/bin/env bash
# lab_api: the operator surface against the real daemon, over its real unix socket, with the kernel
# route read back. Two sites a and b, tunnels wg0 (primary) and wg1 (backup), FRR (zebra + staticd)
# and wg-failoverd in both; 10.20.0.0/16 via [primary, backup] in a. Everything goes through the CLI:
#   1. show status / show tunnels / watch (started first, to see the decisions below as they happen)
#   2. drain --dry-run reports primary -> backup and changes nothing; drain moves the route to wg1;
#      draining again changes nothing; undrain brings it back at once (no hold-down after a drain)
#   3. override backup --prefer 1 (dry run, then real): route on wg1; --clear: back on wg0; clearing
#      again and other bad requests (unknown tunnel, preference out of range) fail with a clear
#      message and change nothing
#   4. reload: a dry run of a timer change changes nothing; the real one changes backup's BFD timer
#      without bouncing primary's session; an invalid file is rejected and the old config keeps running
#   5. show events and the watch log hold the decisions in order
# Needs root; run by ctest with WGFO_BUILD_DIR set.
set -euo pipefail
# A check that fails without lab_fail (set -e) still says where.
trap 'echo "ERR line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh
# shellcheck source=tests/lab/wgfo.sh
source tests/lab/wgfo.sh
P=10.20.0.0/16

say() { printf '  [%7ss] %s\n' "$(lab_elapsed)" "$*"; }

conf() {   # conf NODE SITE PEER_SITE BACKUP_TX [ROUTE]
  cat <<EOF
node: $1
frr: {staticd: 127.0.0.1:50051, route_tag: 4242}
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
policy: {fail_back_hold_down: 3s}
tunnels:
  - {name: primary, interface: wg0, local_address: $(lab_addr "$2" 0), peer_address: $(lab_addr "$3" 0)}
  - name: backup
    interface: wg1
    local_address: $(lab_addr "$2" 1)
    peer_address: $(lab_addr "$3" 1)
    bfd: {tx_interval: $4}
EOF
  [[ -z ${5:-} ]] || printf 'routes:\n  - %s\n' "$5"
}
ROUTE="{prefix: $P, via: [primary, backup]}"

route_is() { [[ $(lab_route_dev a "$P" 2>/dev/null) == "$1" ]]; }
expect_route() {
  lab_wait "${2:-5}" route_is "$1" || lab_fail "$3: 10.20/16 is on '$(lab_route_dev a "$P")', expected $1"
}
# cli_ok ARGS...: run the CLI in a, fail the test on a non-zero exit; output in OUT.
cli_ok() { OUT=$(wgfo_cli a "$@" 2>&1) || lab_fail "wg-failover $* failed: $OUT"; }
# cli_fails RC PATTERN ARGS...: the CLI must exit with RC and say PATTERN on stderr.
cli_fails() {
  local rc=0 want=$1 pattern=$2; shift 2
  OUT=$(wgfo_cli a "$@" 2>&1) || rc=$?
  [[ $rc == "$want" ]] || lab_fail "wg-failover $*: exit $rc (want $want): $OUT"
  grep -q -- "$pattern" <<<"$OUT" || lab_fail "wg-failover $*: said '$OUT', expected '$pattern'"
}
field() { wgfo_field a "$1" "$2"; }
events_count() { wgfo_cli a show events --json | jq length; }

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
LAB_FRR_DAEMONS=(zebra staticd)
printf 'frr defaults traditional\nhostname site-a\n' >"$LAB_DIR/frr-a.conf"
printf 'frr defaults traditional\nhostname site-b\n' >"$LAB_DIR/frr-b.conf"
lab_frr a "$LAB_DIR/frr-a.conf" b "$LAB_DIR/frr-b.conf"
conf site-a a b 50ms "$ROUTE" >"$LAB_DIR/a.yaml"
wgfo_start a "$LAB_DIR/a.yaml"
wgfo_start b <(conf site-b b a 50ms)
for t in primary backup; do wgfo_expect a "$t" .state up 5; done
expect_route wg0 5 "steady state"
say "two sites up, 10.20/16 on wg0"

# ---- 1. status, tunnels, watch ---------------------------------------------------------------------------
cli_ok show status --json
[[ $(jq -r .node <<<"$OUT") == site-a && $(jq .tunnels.up <<<"$OUT") == 2 ]] || lab_fail "status: $OUT"
converged() { wgfo_cli a show status --json | jq -e '.frr.staticd.reachable and .converged' >/dev/null; }
lab_wait 5 converged ||
  lab_fail "status never showed staticd reachable and converged: $(wgfo_cli a show status --json)"
cli_ok show status
grep -q '^Tunnels  2 up, 0 degraded, 0 down, 0 admin-down$' <<<"$OUT" || lab_fail "status text: $OUT"
lab_bg a watch "$WGFO_CLI" watch --json
WATCH=$(lab_log a watch)
watch_has_state() { [[ $(grep -c '"state"' "$WATCH") -ge 2 ]]; }
lab_wait 5 watch_has_state || lab_fail "watch: no initial state: $(cat "$WATCH")"
say "status, tunnels and watch answer"

# ---- 2. drain / undrain ---------------------------------------------------------------------------------
before=$(events_count)
cli_ok drain primary --dry-run --json
[[ $(jq -c '.route_changes | map([.prefix, .active_before, .active_after])' <<<"$OUT") == \
   '[["10.20.0.0/16",["primary"],["backup"]]]' ]] || lab_fail "drain dry run: $OUT"
[[ $(jq -r .tunnel.state <<<"$OUT") == admin-down && $(jq .dry_run <<<"$OUT") == true ]] || lab_fail "dry run: $OUT"
sleep 0.5
route_is wg0 || lab_fail "the dry run moved the route"
[[ $(field primary .state) == up && $(field primary .drained) == false ]] || lab_fail "the dry run drained primary"
[[ $(events_count) == "$before" ]] || lab_fail "the dry run recorded an event"

t0=$(wgfo_now_ms)
cli_ok drain primary
if ! grep -q '^primary: admin-down$' <<<"$OUT" || ! grep -q "10.20.0.0/16  primary  backup" <<<"$OUT"; then
  lab_fail "drain said: $OUT"
fi
expect_route wg1 5 "after drain"
say "drain: route on wg1 after $(($(wgfo_now_ms) - t0)) ms (kernel read back)"
[[ $(field primary .state) == admin-down && $(field primary .drained) == true ]] || lab_fail "primary not drained"
cli_ok drain primary
grep -q "no route changed" <<<"$OUT" || lab_fail "a second drain said: $OUT"

cli_ok undrain primary --dry-run
grep -q "10.20.0.0/16  backup  primary" <<<"$OUT" || lab_fail "undrain dry run: $OUT"
route_is wg1 || lab_fail "the undrain dry run moved the route"
cli_ok undrain primary
expect_route wg0 2 "after undrain (no hold-down after a drain)"
[[ $(field primary .state) == up ]] || lab_fail "primary is $(field primary .state) after undrain"
say "undrain: back on wg0 at once"

# ---- 3. override -----------------------------------------------------------------------------------------
cli_ok override backup --prefer 1 --for 10m --dry-run
grep -q "10.20.0.0/16  primary  backup" <<<"$OUT" || lab_fail "override dry run: $OUT"
[[ $(field backup .override) == null ]] || lab_fail "the override dry run set an override"
cli_ok override backup --prefer 1 --for 10m
expect_route wg1 5 "after override"
[[ $(field backup .override.prefer) == 1 ]] || lab_fail "no override shown: $(field backup .override)"
until_ms=$(wgfo_rfc3339_ms "$(field backup .override.until)")
remaining=$((until_ms - $(wgfo_now_ms)))
((remaining > 590000 && remaining <= 600000)) || lab_fail "override ends in $remaining ms, expected ~10 min"
cli_ok override backup --clear
expect_route wg0 5 "after clearing the override"
say "override: backup preferred for 10 min, then cleared"

before=$(events_count)
cli_fails 1 'has no override' override backup --clear
cli_fails 1 'no tunnel named "nope"' drain nope
cli_fails 1 'no tunnel named "nope"' override nope --prefer 1 --for 1m
cli_fails 1 'preference 25 is out of range' override backup --prefer 25 --for 1m
cli_fails 2 'not a duration' override backup --prefer 1 --for 10
cli_fails 1 'no tunnel named "nope"' show events --tunnel nope
[[ $(events_count) == "$before" ]] || lab_fail "a refused request recorded an event"
if ! route_is wg0 || [[ $(field backup .override) != null || $(field primary .state) != up ]]; then
  lab_fail "a refused request changed something"
fi
say "bad requests refused with their reason; nothing changed"

# ---- 4. reload -------------------------------------------------------------------------------------------
disc=$(field primary .bfd.local_discriminator)
ups=$(field primary .bfd.up_transitions)
LAB_SITE_CONF=$LAB_DIR/sites/a/wgfo.yaml  # the file the daemon was started with (wgfo_start)
conf site-a a b 100ms "$ROUTE" >"$LAB_SITE_CONF"
cli_ok reload --dry-run
grep -q "no route would change" <<<"$OUT" || lab_fail "reload dry run: $OUT"
sleep 0.3
[[ $(field backup .bfd.tx_interval_ms) == 50 ]] || lab_fail "the reload dry run applied the file"
cli_ok reload
wgfo_expect a backup .bfd.tx_interval_ms 100 5
[[ $(field primary .bfd.local_discriminator) == "$disc" && $(field primary .bfd.up_transitions) == "$ups" &&
   $(field primary .state) == up ]] || lab_fail "the reload bounced primary's session"
route_is wg0 || lab_fail "the reload moved the route"
say "reload: backup's BFD timer 50 -> 100 ms, primary's session untouched"

printf 'node: site-a\ntunnels:\n  - {name: primary, interface: wg0}\n' >"$LAB_SITE_CONF"
cli_fails 1 'does not validate; the running configuration stays' reload
grep -q 'tunnels\[0\].local_address' <<<"$OUT" || lab_fail "the rejected reload did not name the key: $OUT"
sleep 0.3
[[ $(field backup .bfd.tx_interval_ms) == 100 && $(field primary .state) == up ]] ||
  lab_fail "the rejected reload changed the running config"
route_is wg0 || lab_fail "the rejected reload moved the route"
conf site-a a b 100ms "$ROUTE" >"$LAB_SITE_CONF"
say "an invalid file is refused with its errors; the old config keeps running"

# ---- 5. events and the watch stream ----------------------------------------------------------------------
cli_ok show events --tunnel primary --json
causes=$(jq -r '.[] | "\(.from)>\(.to):\(.cause)"' <<<"$OUT")
if ! grep -q '^up>admin-down:drained$' <<<"$causes" || ! grep -q '^admin-down>up:undrained$' <<<"$causes"; then
  lab_fail "show events lacks the drain: $causes"
fi
cli_ok show events --limit 2
[[ $(wc -l <<<"$OUT") == 3 ]] || lab_fail "show events --limit 2: $OUT"
lab_wait 5 grep -q '"cause":"override cleared"' "$WATCH" || lab_fail "watch missed events: $(cat "$WATCH")"
order=$(jq -r 'select(.event) | .event | "\(.tunnel):\(.cause)"' "$WATCH" | grep -E 'drained|override' | tr '\n' ' ')
[[ $order == "primary:drained primary:undrained backup:override: preference 1 for 10m backup:override cleared " ]] ||
  lab_fail "watch order: $order"
lab_stop a watch
say "show events and watch saw every decision in order"
echo PASS
