#!/bin/sh
# Build the libFuzzer targets (fuzz/) with clang and run each for a bounded
# time: scripts/fuzz.sh [seconds per target, default 60] [target ...]
# New inputs go to build-fuzz/corpus/<target>/ (the committed seeds in
# fuzz/corpus/<target>/ are only read); crashes to build-fuzz/artifacts/.
# Exits non-zero if any target finds a crash, leak, timeout or OOM.
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"fuzz_npy fuzz_npz fuzz_safetensors fuzz_einsum"}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${AX_FUZZ_BUILD:-$root/build-fuzz}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAX_FUZZ=ON -DAX_CUDA=OFF -DAX_BUILD_TESTS=OFF -DAX_BUILD_BENCH=OFF -DAX_BUILD_EXAMPLES=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j"$jobs" --target $targets

status=0
for t in $targets; do
  mkdir -p "$build/corpus/$t" "$build/artifacts"
  echo "== $t: ${secs}s"
  if ! "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
      -max_len=16384 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
      "$build/corpus/$t" "$root/fuzz/corpus/$t"; then
    echo "!! $t failed; reproduce with: $build/fuzz/$t <artifact>" >&2
    status=1
  fi
done
exit $status
