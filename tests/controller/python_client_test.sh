#!/usr/bin/env bash
# deploy/examples/wg_failover_client.py against a real wg-failoverd: every subcommand, the status-code
# contract of failover.proto as an automation client sees it (NOT_FOUND, INVALID_ARGUMENT, exit status
# 1 and 2), dry runs that change nothing, and the event stream.
#
# No network is needed: the tunnels' interfaces do not exist (both tunnels are DOWN, which is all the
# API calls need) and FRR is an address nothing listens on, so the daemon runs without staticd.
# The Python stubs are generated here at run time into the temp dir, from the checked-in .proto with
# Debian's protoc and grpc_python_plugin: nothing generated lands in the tree or the build dir, the
# stubs always match the .proto under test, and the C++ build does not grow a Python dependency.
# Runs as root under ctest (like the daemon in production); see the end of the file for non-root.
set -euo pipefail
BUILD=${1:?usage: python_client_test.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: python_client_test.sh BUILD_DIR SOURCE_DIR}
D=$BUILD/controller/wg-failoverd
CLIENT=$SRC/deploy/examples/wg_failover_client.py
PY=/usr/bin/python3  # Debian's python3-grpcio/python3-protobuf live here, not in a pyenv python3
tmp=$(mktemp -d /tmp/wgfo-pyclient-test.XXXXXX)
sock=$tmp/api.sock
# shellcheck source=tests/controller/daemon_harness.sh
source "$(dirname "$0")/daemon_harness.sh"
# The client on the test's socket; stdout to $tmp/out, stderr to $tmp/err, exit status in $rc.
client() {
  rc=0
  PYTHONPATH=$tmp/stubs "$PY" "$CLIENT" --socket "$sock" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}
# Waits up to $1 tenths of a second for the command in $2.. to succeed.
wait_for() {
  local n=$1
  shift
  for ((i = 0; i < n; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}
lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

[[ -x $D ]] || fail "no daemon at $D (build the wg-failoverd target)"
"$PY" -c 'import grpc, google.protobuf' || fail "$PY lacks python3-grpcio / python3-protobuf"
mkdir "$tmp/stubs"
protoc -I "$SRC/proto" -I /usr/include --python_out="$tmp/stubs" --grpc_python_out="$tmp/stubs" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin wgfailover/v1/failover.proto ||
  fail "protoc could not generate the Python stubs"

# socket_group root: chown works as root and is only a warning otherwise (never frrvty, which a test
# box may lack). probe.respond false: no UDP port 9471 shared with a lab test running beside us.
cat >"$tmp/config.yaml" <<YAML
node: pyclient-test
api: {socket: $sock, socket_group: root}
frr: {staticd: 127.0.0.1:1}
probe: {respond: false}
tunnels:
  - name: primary
    interface: wgfopyc0
    local_address: 203.0.113.1
    peer_address: 203.0.113.2
  - name: backup
    interface: wgfopyc1
    local_address: 203.0.113.5
    peer_address: 203.0.113.6
routes:
  - prefix: 10.20.0.0/16
    via: [primary, backup]
YAML
"$D" --config "$tmp/config.yaml" >"$tmp/daemon.log" 2>&1 &
pid=$!
alive() { kill -0 "$pid" 2>/dev/null; }
api_up() {
  alive || fail "wg-failoverd exited during start-up"
  [[ -S $sock ]] && client tunnels && [[ $rc == 0 ]]
}
wait_for 100 api_up || fail "the API did not answer within 10 s: $(cat "$tmp/err" 2>/dev/null)"

# tunnels: both, one line each, with their state (interfaces absent: down) and no override.
client tunnels
[[ $rc == 0 ]] || fail "tunnels: exit $rc: $(cat "$tmp/err")"
grep -Eq '^primary +down +wgfopyc0 +override=none$' "$tmp/out" || fail "tunnels, primary: $(cat "$tmp/out")"
grep -Eq '^backup +down +wgfopyc1 +override=none$' "$tmp/out" || fail "tunnels, backup: $(cat "$tmp/out")"
[[ $(lines "$tmp/out") == 2 ]] || fail "tunnels printed more than the two tunnels: $(cat "$tmp/out")"

# A watch on primary, started before any change. Its first line (the initial state) is written after
# the daemon subscribed it, so once it is there every later event of primary reaches it.
PYTHONPATH=$tmp/stubs "$PY" "$CLIENT" --socket "$sock" watch --initial-state --tunnel primary --count 3 \
  >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
extra_pids=("$watch_pid")
watch_started() { [[ $(lines "$tmp/watch.out") -ge 1 ]]; }
wait_for 100 watch_started || fail "the background watch printed nothing: $(cat "$tmp/watch.err")"
grep -Eq '^tunnel primary +down ' "$tmp/watch.out" || fail "watch initial state: $(cat "$tmp/watch.out")"

# drain --dry-run: answers what would happen (admin-down) and changes nothing (and emits no event:
# the watch's next line must be the real drain below).
client drain primary --dry-run
[[ $rc == 0 ]] || fail "drain --dry-run: exit $rc: $(cat "$tmp/err")"
grep -q '^dry run: nothing was changed' "$tmp/out" || fail "drain --dry-run output: $(cat "$tmp/out")"
grep -Eq '^primary +admin-down ' "$tmp/out" || fail "drain --dry-run would not drain: $(cat "$tmp/out")"
client tunnels
grep -Eq '^primary +down ' "$tmp/out" || fail "drain --dry-run changed primary: $(cat "$tmp/out")"

# drain, then undrain.
client drain primary
[[ $rc == 0 ]] || fail "drain: exit $rc: $(cat "$tmp/err")"
grep -q 'dry run' "$tmp/out" && fail "a real drain reported a dry run: $(cat "$tmp/out")"
client tunnels
grep -Eq '^primary +admin-down ' "$tmp/out" || fail "drain did not make primary admin-down: $(cat "$tmp/out")"
grep -Eq '^backup +down ' "$tmp/out" || fail "drain of primary changed backup: $(cat "$tmp/out")"
client undrain primary
[[ $rc == 0 ]] || fail "undrain: exit $rc: $(cat "$tmp/err")"
client tunnels
grep -Eq '^primary +down ' "$tmp/out" || fail "undrain left primary: $(cat "$tmp/out")"

# The background watch saw exactly the drain and the undrain, in order, and then stopped by itself.
watch_done() { ! kill -0 "$watch_pid" 2>/dev/null; }
wait_for 100 watch_done || fail "the watch did not end after 3 messages: $(cat "$tmp/watch.out")"
wrc=0
wait "$watch_pid" || wrc=$?
extra_pids=()
[[ $wrc == 0 ]] || fail "watch --count 3: exit $wrc: $(cat "$tmp/watch.err")"
[[ $(lines "$tmp/watch.out") == 3 ]] || fail "watch --count 3 printed: $(cat "$tmp/watch.out")"
sed -n 2p "$tmp/watch.out" | grep -Eq '^event [0-9T:.+-]+ primary down -> admin-down: ' ||
  fail "the watch did not show the drain (a dry run must not emit one): $(cat "$tmp/watch.out")"
sed -n 3p "$tmp/watch.out" | grep -Eq '^event [0-9T:.+-]+ primary admin-down -> down: ' ||
  fail "the watch did not show the undrain: $(cat "$tmp/watch.out")"

# Errors: an unknown tunnel is NOT_FOUND, a negative TTL is INVALID_ARGUMENT; both exit 1, change nothing.
client override nope --prefer 1 --ttl-ms 60000
[[ $rc == 1 ]] || fail "override of an unknown tunnel: exit $rc, want 1"
grep -q '^wg_failover_client: NOT_FOUND: no tunnel named "nope"' "$tmp/err" || fail "unknown tunnel: $(cat "$tmp/err")"
client override primary --prefer 1 --ttl-ms -5
[[ $rc == 1 ]] || fail "override with a negative TTL: exit $rc, want 1 ($(cat "$tmp/out"))"
grep -q '^wg_failover_client: INVALID_ARGUMENT: .*duration must be more than 0s' "$tmp/err" ||
  fail "negative TTL: $(cat "$tmp/err")"
# A TTL far beyond 7 days (its conversion to microseconds would overflow) is refused the same way.
client override primary --prefer 1 --ttl-ms 18446744073709552
[[ $rc == 1 ]] || fail "override with a huge TTL: exit $rc, want 1 ($(cat "$tmp/out"))"
grep -q '^wg_failover_client: INVALID_ARGUMENT: .*at most 168h' "$tmp/err" || fail "huge TTL: $(cat "$tmp/err")"
alive || fail "wg-failoverd died on a huge TTL"
client tunnels
grep -Eq '^primary +down +wgfopyc0 +override=none$' "$tmp/out" || fail "a refused override left: $(cat "$tmp/out")"
# ... and a good one is shown with its position and end.
client override primary --prefer 2 --ttl-ms 600000
[[ $rc == 0 ]] || fail "override: exit $rc: $(cat "$tmp/err")"
client tunnels
grep -Eq '^primary +down +wgfopyc0 +override=2 until 20[0-9-]+T[0-9:.]+\+00:00$' "$tmp/out" ||
  fail "override not shown: $(cat "$tmp/out")"

# watch --initial-state --count 2: the current state of both tunnels, then it stops by itself.
client watch --initial-state --count 2
[[ $rc == 0 ]] || fail "watch --initial-state --count 2: exit $rc: $(cat "$tmp/err")"
[[ $(lines "$tmp/out") == 2 ]] || fail "watch --count 2 printed: $(cat "$tmp/out")"
grep -Eq '^tunnel primary +down +wgfopyc0 +override=2 ' "$tmp/out" || fail "watch, primary: $(cat "$tmp/out")"
grep -Eq '^tunnel backup +down +wgfopyc1 +override=none$' "$tmp/out" || fail "watch, backup: $(cat "$tmp/out")"

# The daemon survived every call; once it is stopped the client says so with exit status 2.
alive || fail "wg-failoverd died during the test"
kill "$pid"
stopped() { ! alive; }
wait_for 100 stopped || fail "wg-failoverd did not stop within 10 s of SIGTERM"
wait "$pid" || true
pid=
client tunnels
[[ $rc == 2 ]] || fail "client without a daemon: exit $rc, want 2"
grep -q "no daemon socket at $sock (is wg-failoverd running" "$tmp/err" || fail "no daemon: $(cat "$tmp/err")"
echo PASS
# Not as root (checked as nobody): the daemon starts and serves the API all the same, since these
# tunnels' addresses do not exist and no BFD socket gets bound; socket_group root only logs
# "chown failed", and the socket stays usable by the user that runs both daemon and client.
