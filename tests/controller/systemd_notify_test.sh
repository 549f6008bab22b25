#!/usr/bin/env bash
# wg-failoverd under a (simulated) systemd: with NOTIFY_SOCKET and WATCHDOG_USEC set, as systemd sets
# them for Type=notify and WatchdogSec, the daemon sends READY=1 once it serves, WATCHDOG=1 at half the
# interval, RELOADING=1 then READY=1 on SIGHUP, and STOPPING=1 on SIGTERM. socat plays systemd's
# notification socket. No network: the tunnels' interfaces do not exist and nothing listens for FRR.
set -euo pipefail
BUILD=${1:?usage: systemd_notify_test.sh BUILD_DIR}
D=$BUILD/controller/wg-failoverd
tmp=$(mktemp -d /tmp/wgfo-notify-test.XXXXXX)
pid='' socat_pid=''
cleanup() {
  for p in $pid $socat_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- notifications:" >&2; cat "$tmp/notify" >&2 || :; exit 1; }
wait_for() {   # wait_for TENTHS CMD...
  local n=$1 i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}
# Datagrams land in the file back to back (no separator), so match and count substrings.
has() { grep -q -- "$1" "$tmp/notify" 2>/dev/null; }
count() { grep -o -- "$1" "$tmp/notify" 2>/dev/null | wc -l; }

cat >"$tmp/config.yaml" <<YAML
node: notify-test
api: {socket: $tmp/api.sock, socket_group: root}
frr: {staticd: 127.0.0.1:1}
probe: {respond: false}
tunnels:
  - {name: primary, interface: wgfontf0, local_address: 203.0.113.1, peer_address: 203.0.113.2}
YAML
# One datagram per notification; -u: unidirectional, so socat only reads.
socat -u UNIX-RECVFROM:"$tmp/notify.sock",fork OPEN:"$tmp/notify",creat,append &
socat_pid=$!
wait_for 30 test -S "$tmp/notify.sock" || fail "socat did not create the notification socket"
# WATCHDOG_PID must be the daemon's own PID: exec keeps the PID of the shell that sets it.
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=1000000 bash -c 'export WATCHDOG_PID=$$; exec "$0" --config "$1"' \
  "$D" "$tmp/config.yaml" >"$tmp/daemon.log" 2>&1 &
pid=$!
wait_for 100 has READY=1 || fail "no READY=1 within 10 s"
[[ -S $tmp/api.sock ]] || fail "READY=1 came before the API socket existed"
has "STATUS=node notify-test, 1 tunnels" || fail "no STATUS with READY"
w0=$(count WATCHDOG=1)
sleep 2.2
w1=$(count WATCHDOG=1)
# 1 s watchdog: pings every 0.5 s, so about 4 in 2.2 s; fewer than 3 would let systemd kill it.
((w1 - w0 >= 3 && w1 - w0 <= 6)) || fail "$((w1 - w0)) watchdog pings in 2.2 s with WATCHDOG_USEC=1s"
kill -HUP "$pid"
wait_for 50 has RELOADING=1 || fail "no RELOADING=1 after SIGHUP"
wait_for 50 has "STATUS=configuration reloaded" || fail "no READY after the reload"
kill -TERM "$pid"
wait_for 100 has STOPPING=1 || fail "no STOPPING=1 after SIGTERM"
wait "$pid" || fail "wg-failoverd exited with status $? after SIGTERM"
pid=
# Run by hand (no NOTIFY_SOCKET) the same daemon must not care.
"$D" --config "$tmp/config.yaml" >"$tmp/plain.log" 2>&1 &
pid=$!
wait_for 100 test -S "$tmp/api.sock" || fail "without NOTIFY_SOCKET the daemon did not start: $(cat "$tmp/plain.log")"
grep -q watchdog "$tmp/plain.log" && fail "a watchdog without systemd asking for one"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? without systemd"
pid=
echo PASS
