#!/usr/bin/env bash
# ThreadSanitizer over the daemon's threads (issue 6): the BFD I/O thread, the core thread and gRPC's
# threads, which meet in BfdService's posting, Daemon::with_core, the event hub and the metrics.
#   tests/tsan/run.sh [BUILD_DIR]   (default build-tsan; root for the lab part)
# Builds the daemon, the CLI and the threaded unit tests with -fsanitize=thread (WGFO_TSAN), then runs
#   - event_hub_test and api_server_test (the API's threads against the core, no network), and
#   - the lab test bfd_interop.sh ours: two TSan daemons, BFD over wireguard-go, cut, restore, reload,
#     AdminDown, with the CLI calling in through gRPC all along.
# Debian's gRPC and Abseil are not built with TSan, so TSan cannot see their internal synchronisation
# and reports races between gRPC's own threads on gRPC's own memory. tsan_classify.py therefore fails
# the run only for a report whose racing access (frame #0 of either side) is in our code; the others
# are counted and printed as a figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-tsan}
say() { printf '[tsan %ss] %s\n' "$SECONDS" "$*"; }

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWGFO_TSAN=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target wg-failoverd wg-failover event_hub_test api_server_test
say "built"

logs=$(mktemp -d /tmp/wgfo-tsan.XXXXXX)
trap 'rm -rf "$logs"' EXIT
# exitcode=0: the classification below decides; log_path: one file per process (daemons, CLI calls).
export TSAN_OPTIONS="exitcode=0 log_path=$logs/tsan second_deadlock_stack=1"
"$BUILD/tests/controller/event_hub_test" >"$logs/event_hub.out"
"$BUILD/tests/controller/api_server_test" >"$logs/api_server.out"
say "unit tests passed"
WGFO_BUILD_DIR=$BUILD bash tests/lab/bfd_interop.sh ours 4 >"$logs/lab.out" 2>&1 || {
  cat "$logs/lab.out"
  echo "FAIL: bfd_interop.sh ours under TSan" >&2
  exit 1
}
say "lab run passed: $(grep -c . "$logs/lab.out") lines of lab output"
python3 tests/tsan/tsan_classify.py "$logs"/tsan.*
