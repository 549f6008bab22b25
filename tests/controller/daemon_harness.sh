# shellcheck shell=bash
# Shared by the tests that run one real wg-failoverd outside the lab (source it after setting tmp, the
# test's temp dir): the daemon's PID in `pid`, extra PIDs to stop in `extra_pids`, a cleanup on exit
# that stops only those and removes $tmp, and fail(), which shows the daemon's log tail.
: "${tmp:?set tmp before sourcing daemon_harness.sh}"
pid=
extra_pids=()
cleanup() {
  local p
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $tmp/daemon.log ]] && { echo "--- wg-failoverd log:" >&2; tail -n 20 "$tmp/daemon.log" >&2; }
  exit 1
}
