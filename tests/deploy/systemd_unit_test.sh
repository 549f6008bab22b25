#!/usr/bin/env bash
# deploy/systemd/wg-failoverd.service: the directives issue 5 requires (Type=notify with a watchdog,
# After/Wants frr.service, NoNewPrivileges, ProtectSystem=strict, exactly CAP_NET_ADMIN and CAP_NET_RAW,
# address families unix/inet/inet6/netlink) and `systemd-analyze security` at "OK" or better
# (exposure <= 4.9), scored offline from the file (no running systemd needed). Prints the score.
set -euo pipefail
UNIT=${1:?usage: systemd_unit_test.sh UNIT_FILE}
fail() { echo "FAIL: $*" >&2; exit 1; }
want() { grep -qx -- "$1" "$UNIT" || fail "$UNIT lacks the line: $1"; }

want "Type=notify"
want "WatchdogSec=10s"
want "After=network-online.target frr.service"
want "Wants=network-online.target frr.service"
want "NoNewPrivileges=yes"
want "ProtectSystem=strict"
want "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW"
want "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW"
want "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"
want "ExecReload=/bin/kill -HUP \$MAINPID"
[[ $(grep -c '^CapabilityBoundingSet=' "$UNIT") == 1 ]] || fail "more than one CapabilityBoundingSet line"

out=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>&1) || fail "systemd-analyze failed: $out"
line=$(grep 'Overall exposure level' <<<"$out") || fail "no overall score in: $out"
score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
echo "systemd-analyze security: $score ($(sed -E 's/.*: [0-9.]+ ([A-Z]+).*/\1/' <<<"$line"))"
awk -v s="$score" 'BEGIN { exit !(s <= 4.9) }' || fail "exposure $score is worse than OK (4.9)"
echo PASS
