#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#   1. Release build (library, tests, examples, benches) + ctest
#   2. Debug build with AddressSanitizer + UBSan, whole suite, LeakSanitizer on
#   3. install test: install to a temp prefix, build downstream CMake and
#      pkg-config programs against it (tests/install/run.sh)
#   4. bounded fuzzing of the file parsers (scripts/fuzz.sh), when present
#   5. docs check: docs/api.md matches the public headers
# Environment: AX_BUILD_DIR (default build/ci), AX_JOBS (default nproc),
# AX_FUZZ_SECONDS (per fuzz target, default 30; 0 skips fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
bdir="${AX_BUILD_DIR:-build/ci}"
jobs="${AX_JOBS:-$(nproc)}"
fuzz_seconds="${AX_FUZZ_SECONDS:-30}"
t_start=$(date +%s)
summary=()

step() { # step NAME COMMAND...
    local name="$1"; shift
    local t0; t0=$(date +%s)
    echo
    echo "==== $name"
    "$@"
    local dt=$(( $(date +%s) - t0 ))
    summary+=("$(printf '%-34s %4d s' "$name" "$dt")")
    echo "==== $name: ok (${dt} s)"
}

# nvcc may be installed outside PATH (/usr/local/cuda/bin); without one the
# release build says so and builds without CUDA.
if ! command -v nvcc >/dev/null 2>&1; then
    for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
        if [ -x "$d/nvcc" ]; then export PATH="$PATH:$d"; break; fi
    done
fi
if [ -z "${AX_CUDA:-}" ]; then
    if command -v nvcc >/dev/null 2>&1; then AX_CUDA=ON; else
        AX_CUDA=OFF; echo "warning: nvcc not found: the CUDA backend is not built" >&2; fi
fi

# The release build compiles the CUDA backend (sm_90a only, to keep CI short;
# without a GPU its tests report "skipped: no CUDA device"); the sanitized
# build checks that ax builds and passes with CUDA switched off.
release() {
    cmake -S . -B "$bdir/release" -DCMAKE_BUILD_TYPE=Release -DAX_BUILD_TESTS=ON -DAX_WERROR=ON \
        -DAX_CUDA="$AX_CUDA" -DAX_CUDA_ARCHITECTURES=90a-real \
        -DAX_BUILD_EXAMPLES=ON -DAX_BUILD_BENCH=ON >/dev/null
    cmake --build "$bdir/release" -j"$jobs"
    ctest --test-dir "$bdir/release" -j"$jobs" --output-on-failure --timeout 600
}

sanitized() {
    cmake -S . -B "$bdir/asan" -DCMAKE_BUILD_TYPE=Debug -DAX_SANITIZE=ON -DAX_BUILD_TESTS=ON -DAX_CUDA=OFF -DAX_WERROR=ON \
        -DAX_BUILD_EXAMPLES=ON -DAX_BUILD_BENCH=ON >/dev/null
    cmake --build "$bdir/asan" -j"$jobs"
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        ctest --test-dir "$bdir/asan" -j"$jobs" --output-on-failure --timeout 1200
}

install_test() { bash tests/install/run.sh "$bdir/release"; }

fuzz() {
    if [ ! -f scripts/fuzz.sh ]; then echo "scripts/fuzz.sh not present: skipped"; return; fi
    if [ "$fuzz_seconds" = 0 ]; then echo "AX_FUZZ_SECONDS=0: skipped"; return; fi
    # libFuzzer is chatty: keep its log, show the summary (or the tail on failure).
    local log="$root/$bdir/fuzz.log"
    mkdir -p "$root/$bdir"
    if AX_FUZZ_BUILD="$root/$bdir/fuzz" bash scripts/fuzz.sh "$fuzz_seconds" >"$log" 2>&1; then
        grep -E "^== |^Done [0-9]+ runs|stat::peak_rss_mb" "$log" || true
    else
        tail -n 80 "$log"
        echo "fuzzing failed: full log in $log" >&2
        return 1
    fi
}

docs() { python3 scripts/gen_api_docs.py --check --run-examples "$bdir/release"; }

step "release build + ctest" release
step "asan/ubsan/lsan build + ctest" sanitized
step "install test" install_test
step "fuzz (${fuzz_seconds} s per target)" fuzz
step "docs check" docs

echo
echo "==== summary ($root)"
printf '%s\n' "${summary[@]}"
echo "total: $(( $(date +%s) - t_start )) s -- all passed"
