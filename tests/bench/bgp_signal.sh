#!/usr/bin/env bash
# bgp_signal: how long a BGP signal takes from the daemon's apply to the eBGP peer, tag mechanism vs
# route-map mechanism, side by side in one lab (tests/frr-integration/lab_bgp_signals.sh with several
# toggles per mechanism; it prints every time and the medians). A figure-printing benchmark.
#
#   sudo tests/bench/bgp_signal.sh [ROUNDS]      default 7 toggles per mechanism
#   WGFO_BUILD_DIR=DIR  use that (Release) build instead of building build-bench
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi
if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  WGFO_BUILD_DIR=$ROOT/build-bench
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target frr_apply >/dev/null
fi
WGFO_BUILD_DIR=$WGFO_BUILD_DIR BGP_SIGNAL_ROUNDS=${1:-7} bash tests/frr-integration/lab_bgp_signals.sh |
  grep -E 'signal at b|FIGURES'
