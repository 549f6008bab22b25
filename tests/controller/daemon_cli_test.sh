#!/usr/bin/env bash
# The command-line contracts of DESIGN.md that need no network: `wg-failoverd --check` (exit 0 on a
# good file; non-zero with one "FILE:LINE: KEY: what" line per error on a bad one) and the CLI's
# errors when the daemon is not there.
set -euo pipefail
BUILD=${1:?usage: daemon_cli_test.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: daemon_cli_test.sh BUILD_DIR SOURCE_DIR}
D=$BUILD/controller/wg-failoverd
CLI=$BUILD/controller/wg-failover
tmp=$(mktemp -d /tmp/wgfo-cli-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A good file.
out=$("$D" --config "$SRC/deploy/examples/wg-failover.yaml" --check) || fail "--check rejected the example config"
[[ $out == *"configuration OK"* ]] || fail "--check said: $out"

# A bad file: three errors, three lines, each naming file, line and key; exit status non-zero.
cat >"$tmp/bad.yaml" <<'YAML'
node: site-a
tunnels:
  - name: primary
    interface: wg0
    local_address: 203.0.113.1
    peer_address: 203.0.113.300
    bfd: {tx_interval: 5ms}
  - name: primary
    interface: wg1
    local_address: 203.0.113.5
    peer_address: 203.0.113.6
YAML
if err=$("$D" --config "$tmp/bad.yaml" --check 2>&1); then fail "--check accepted a bad file: $err"; fi
[[ $(wc -l <<<"$err") == 3 ]] || fail "expected 3 error lines, got: $err"
grep -q "^$tmp/bad.yaml:6: tunnels\[0\].peer_address: " <<<"$err" || fail "no peer_address error: $err"
grep -q "^$tmp/bad.yaml:7: tunnels\[0\].bfd.tx_interval: " <<<"$err" || fail "no tx_interval error: $err"
grep -q "^$tmp/bad.yaml:8: tunnels\[1\].name: duplicate tunnel name" <<<"$err" || fail "no duplicate error: $err"
# Starting the daemon with it fails the same way and starts nothing.
if "$D" --config "$tmp/bad.yaml" >/dev/null 2>&1; then fail "the daemon started with a bad file"; fi
if "$D" --config "$tmp/missing.yaml" --check 2>"$tmp/err"; then fail "--check accepted a missing file"; fi
grep -q "missing.yaml" "$tmp/err" || fail "missing file not named: $(cat "$tmp/err")"

# The CLI without a daemon: a clear reason and exit status 2.
rc=0
"$CLI" --socket "$tmp/none.sock" show tunnels 2>"$tmp/err" || rc=$?
[[ $rc == 2 ]] || fail "CLI exit status $rc without a daemon"
grep -q "no daemon socket at $tmp/none.sock (is wg-failoverd running" "$tmp/err" || fail "CLI said: $(cat "$tmp/err")"
: >"$tmp/plain"
rc=0
"$CLI" --socket "$tmp/plain" show tunnels 2>"$tmp/err" || rc=$?
[[ $rc == 2 ]] && grep -q "is not a socket" "$tmp/err" || fail "CLI on a plain file: $rc $(cat "$tmp/err")"
echo PASS
