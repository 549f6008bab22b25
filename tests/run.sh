#!/usr/bin/env bash
# The project's test command (README): installs what is needed, configures, builds with ASan+UBSan,
# runs every ctest test (unit and lab), then each libFuzzer target for WGFO_FUZZ_SECONDS (default 60),
# then the daemon's threads under ThreadSanitizer (tests/tsan/run.sh).
# Needs root: the lab tests build network namespaces.
#   WGFO_BUILD_DIR  build directory (default build)       WGFO_CTEST_ARGS  extra ctest arguments
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then exec sudo -E "$0" "$@"; fi

BUILD=${WGFO_BUILD_DIR:-build}
FUZZ_SECONDS=${WGFO_FUZZ_SECONDS:-60}
step() { printf '\n==== %s (%ss)\n' "$*" "$SECONDS"; }

step "dependencies"
deploy/install-deps.sh

# ccache: paths relative to the checkout, so fresh clones in other directories hit the same cache.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

step "configure and build ($BUILD, ASan+UBSan)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWGFO_SANITIZE=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

step "ctest: unit and lab tests"
# shellcheck disable=SC2086 # WGFO_CTEST_ARGS is a list of arguments
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" ${WGFO_CTEST_ARGS:-}

step "fuzzing (${FUZZ_SECONDS}s per target)"
cmake -S . -B "$BUILD-fuzz" -G Ninja -DWGFO_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$BUILD-fuzz" -j"$(nproc)"
# fuzz_one FUZZER: run it against its corpus; new inputs go to a scratch dir so the checked-in corpus
# stays as reviewed; a crash keeps the dir (artifacts) and fails.
fuzz_one() {
  local fuzzer=$1 name work
  name=$(basename "$fuzzer")
  work=$(mktemp -d /tmp/wgfo-fuzz.XXXXXX)
  if ! "$fuzzer" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix="$work/" \
      "$work" "tests/fuzz/corpus/${name%_fuzz}" 2>"$work/log"; then
    tail -n 40 "$work/log"
    echo "FAIL: $name found a crash; artifacts in $work" >&2
    return 1
  fi
  grep -E 'stat::number_of_executed_units|stat::new_units_added' "$work/log" | sed "s/^/$name: /"
  rm -rf "$work"
}
# One target per core at a time (each libFuzzer process is single-threaded).
running=0 fuzz_failed=0
for fuzzer in "$BUILD-fuzz"/tests/fuzz/*_fuzz; do
  if ((running >= $(nproc))); then
    wait -n || fuzz_failed=1
    running=$((running - 1))
  fi
  fuzz_one "$fuzzer" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || fuzz_failed=1
  running=$((running - 1))
done
((fuzz_failed == 0)) || exit 1

step "ThreadSanitizer: the daemon's threads (tests/tsan/run.sh)"
tests/tsan/run.sh "$BUILD-tsan"

step "all tests passed"
