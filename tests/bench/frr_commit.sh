#!/usr/bin/env bash
# frr_commit: route changes into the kernel through FRR 8.4 staticd's northbound gRPC, batched vs one
# commit per prefix vs vtysh, plus single-route commit latency (tests/bench/frr_commit.cpp says what
# is measured). Builds a lab site with zebra + staticd (-M grpc) and two wireguard-go tunnels wg0/wg1.
# A figure-printing benchmark, not a pass/fail test.
#
#   sudo tests/bench/frr_commit.sh [-n PREFIXES] [-r RUNS] [-s SINGLE_COMMITS]
#   WGFO_BUILD_DIR=DIR  use that (Release) build instead of building build-bench
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

N=1000 RUNS=5 SINGLE=200
while getopts n:r:s: o; do
  case $o in n) N=$OPTARG ;; r) RUNS=$OPTARG ;; s) SINGLE=$OPTARG ;; *) exit 2 ;; esac
done

if [[ -z ${WGFO_BUILD_DIR:-} ]]; then
  WGFO_BUILD_DIR=$ROOT/build-bench
  cmake -S . -B "$WGFO_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WGFO_BUILD_DIR" -j"$(nproc)" --target frr_commit >/dev/null
fi
export WGFO_BUILD_DIR
# shellcheck source=tests/lab/lab.sh
source tests/lab/lab.sh

lab_init
lab_site a
lab_site b
lab_tunnel a b 0
lab_tunnel a b 1
LAB_FRR_DAEMONS=(zebra staticd)
lab_frr a - <<'CONF'
frr defaults traditional
hostname bench
CONF
echo "FRR $(lab_vtysh a -c 'show version' | awk 'NR == 1 { print $2 }'), $(nproc) cores, $(date -u +%FT%TZ)"
lab_exec a "$WGFO_BUILD_DIR/tests/bench/frr_commit" --n "$N" --runs "$RUNS" --single "$SINGLE"
