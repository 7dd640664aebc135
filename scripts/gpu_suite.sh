#!/usr/bin/env bash
# The GPU suite in one command (docs/cuda.md): the op support matrix, the
# GPU tests and the GPU benchmark side by side with PyTorch, every output
# under OUT_DIR.
#
#   scripts/gpu_suite.sh [options] OUT_DIR [BUILD_DIR]
#
# BUILD_DIR (default: $AX_BUILD_DIR, else build-gpu) is a CMake build of ax
# with -DAX_CUDA=ON and tests on. If it already holds the GPU programs it is
# used as it is, never rebuilt: the build may come from another machine, with
# the shared libraries it needs (OpenBLAS, cJSON, ...) found through the
# caller's LD_LIBRARY_PATH. Otherwise it is configured and built here with
# -DAX_CUDA=ON -DAX_CUDA_ARCHITECTURES=$AX_CUDA_ARCHITECTURES (default
# 90a-real), unless --no-build.
#
# The tests run as programs from the repository root, not through ctest: a
# carried build directory's CTest files hold the paths of the machine that
# made them. (Where paths do match, `ctest -L gpu` runs the same ones.)
#   test_device           device model (tests/gpu/test_device.c)
#   test_gpu_graph        CUDA graphs over closures (tests/gpu/test_gpu_graph.c)
#   test_gpu_shapes       kernels at their dispatch boundaries vs the CPU
#   test_stream_wait      the stream wait behind eval (a fault included)
#   conformance_gpu       every conformance cell on gpu:0 vs the CPU reference
#   conformance_grad_gpu  vjp/jvp on gpu:0 vs finite differences on the CPU
# Exit status 77 of a test means "skipped: no CUDA device".
#
# Options:
#   --tests-only, --bench-only   run one half
#   --quick                      small benchmark sizes (a smoke test)
#   --no-build                   fail instead of building when BUILD_DIR lacks the programs
# Environment: AX_GPU_TESTS (names, default all six), AX_GPU_BENCH_ROWS
# (bench_gpu row names, default all), AX_GPU_TEST_TIMEOUT (seconds per test,
# default 3600), AX_CONF_FILTER / AX_CONF_VARIANTS / AX_CONF_GPU_FALLBACK
# (passed to the conformance runners), AX_CMAKE_ARGS (more configure options for
# a build made here, e.g. -DAX_WERROR=OFF), PYTHON (default python3).
#
# Outputs in OUT_DIR: env.txt (GPU, driver, toolkit, commit, libraries),
# support.txt / support.json (ax_support), <test>.log and tests.txt (one line
# per test: passed / FAILED / skipped), bench_ax.jsonl, bench_torch.jsonl,
# gpu-<card>.json / .md (the ratio table, also printed), summary.txt.
# Exit status: 0 when nothing failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run_tests=1 run_bench=1 quick="" build_ok=1
pos=()
for a in "$@"; do
    case "$a" in
        --tests-only) run_bench=0 ;;
        --bench-only) run_tests=0 ;;
        --quick) quick="--quick" ;;
        --no-build) build_ok=0 ;;
        -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu_suite.sh: unknown option $a" >&2; exit 2 ;;
        *) pos+=("$a") ;;
    esac
done
if [ ${#pos[@]} -lt 1 ] || [ ${#pos[@]} -gt 2 ]; then
    echo "usage: scripts/gpu_suite.sh [--tests-only|--bench-only] [--quick] [--no-build] OUT_DIR [BUILD_DIR]" >&2
    exit 2
fi
mkdir -p "${pos[0]}" || exit 2
out=$(cd "${pos[0]}" && pwd)
build=${pos[1]:-${AX_BUILD_DIR:-$root/build-gpu}}
case "$build" in /*) ;; *) build="$(pwd)/$build" ;; esac
py=${PYTHON:-python3}
status=0
summary=()
note() { echo "$*"; summary+=("$*"); }

# ---------------------------------------------------------------- build
progs=(tests/gpu/test_device tests/gpu/test_gpu_graph tests/gpu/test_gpu_shapes tests/gpu/test_stream_wait tests/conformance/conformance_gpu tests/conformance/conformance_grad_gpu
       tests/gpu/ax_support tests/gpu/bench_gpu)
missing=0
for p in "${progs[@]}"; do [ -x "$build/$p" ] || missing=1; done
if [ $missing = 1 ]; then
    if [ $build_ok = 0 ]; then
        echo "gpu_suite.sh: $build lacks the GPU programs (${progs[*]}) and --no-build was given" >&2
        exit 2
    fi
    echo "== building $build (AX_CUDA=ON, architectures ${AX_CUDA_ARCHITECTURES:-90a-real})"
    # shellcheck disable=SC2086
    if ! { cmake -S "$root" -B "$build" ${AX_CMAKE_ARGS:-} -DAX_CUDA=ON -DAX_CUDA_ARCHITECTURES="${AX_CUDA_ARCHITECTURES:-90a-real}" \
            -DCMAKE_BUILD_TYPE=Release -DAX_BUILD_TESTS=ON -DAX_BUILD_BENCH=OFF -DAX_BUILD_EXAMPLES=OFF \
            >"$out/build.log" 2>&1 &&
            cmake --build "$build" -j"${AX_JOBS:-$(nproc)}" --target test_device test_gpu_graph test_gpu_shapes test_stream_wait conformance_gpu \
                conformance_grad_gpu ax_support bench_gpu >>"$out/build.log" 2>&1; }; then
        tail -40 "$out/build.log" >&2
        echo "gpu_suite.sh: build failed (log: $out/build.log)" >&2
        exit 1
    fi
fi

# ---------------------------------------------------------------- environment
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(hostname)"
    # a tree exported without .git (git archive) names its commit in COMMIT
    [ -f "$root/COMMIT" ] && echo "commit: $(cat "$root/COMMIT") (exported tree)" ||
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (working tree differs)')"
    echo "build: $build"
    echo "LD_LIBRARY_PATH: ${LD_LIBRARY_PATH:-}"
    echo "--- nvidia-smi"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit \
        --format=csv 2>&1 || echo "nvidia-smi unavailable"
    echo "--- nvcc"
    nvcc --version 2>&1 | tail -2 || echo "nvcc unavailable"
    echo "--- torch"
    "$py" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1
    echo "--- libraries of test_device"
    ldd "$build/tests/gpu/test_device" 2>&1
} >"$out/env.txt"
if ldd "$build/tests/gpu/test_device" 2>/dev/null | grep -q "not found"; then
    echo "gpu_suite.sh: shared libraries not found; set LD_LIBRARY_PATH:" >&2
    ldd "$build/tests/gpu/test_device" | grep "not found" >&2
    exit 1
fi
"$build/tests/gpu/ax_support" >"$out/support.txt" 2>&1
"$build/tests/gpu/ax_support" --json >"$out/support.json" 2>/dev/null
note "support: $(tail -1 "$out/support.txt")"

# ---------------------------------------------------------------- tests
if [ $run_tests = 1 ]; then
    : >"$out/tests.txt"
    tmo=${AX_GPU_TEST_TIMEOUT:-3600}
    for t in ${AX_GPU_TESTS:-test_device test_gpu_graph test_gpu_shapes test_stream_wait conformance_gpu conformance_grad_gpu}; do
        case "$t" in
            test_device | test_gpu_graph | test_gpu_shapes | test_stream_wait) exe="$build/tests/gpu/$t" ;;
            conformance_gpu | conformance_grad_gpu) exe="$build/tests/conformance/$t" ;;
            *) echo "gpu_suite.sh: unknown test $t" >&2; status=1; continue ;;
        esac
        echo "== $t"
        t0=$(date +%s)
        (cd "$root" && timeout "$tmo" "$exe") >"$out/$t.log" 2>&1
        rc=$?
        dt=$(($(date +%s) - t0))
        case $rc in
            0) res="passed" ;;
            77) res="skipped ($(grep -m1 '^skipped' "$out/$t.log"))" ;;
            124) res="FAILED (timeout after ${tmo} s)"; status=1 ;;
            *) res="FAILED (exit $rc)"; status=1 ;;
        esac
        line=$(printf '%-22s %s, %d s' "$t" "$res" "$dt")
        echo "$line" >>"$out/tests.txt"
        note "$line"
        # the last lines say what passed; failures are listed in the log
        tail -3 "$out/$t.log" | sed 's/^/    /'
        grep -m20 -E '^(FAIL|UNCOVERED)|CHECK failed' "$out/$t.log" | cut -c1-400 | sed 's/^/    /'
    done
fi

# ---------------------------------------------------------------- benchmark
if [ $run_bench = 1 ]; then
    echo "== bench_gpu (ax)"
    # shellcheck disable=SC2086
    (cd "$root" && "$build/tests/gpu/bench_gpu" $quick ${AX_GPU_BENCH_ROWS:-}) \
        >"$out/bench_ax.jsonl" 2>"$out/bench_ax.err"
    rc=$?
    if [ $rc = 77 ]; then
        note "bench: skipped (no CUDA device)"
    else
        [ $rc = 0 ] || { note "bench_gpu FAILED (exit $rc): $(tail -2 "$out/bench_ax.err")"; status=1; }
        echo "== peer_torch.py"
        # shellcheck disable=SC2086
        "$py" "$root/bench/gpu/peer_torch.py" $quick ${AX_GPU_BENCH_ROWS:-} \
            >"$out/bench_torch.jsonl" 2>"$out/bench_torch.err" ||
            { note "peer_torch.py FAILED: $(tail -2 "$out/bench_torch.err")"; status=1; }
        "$py" "$root/bench/gpu/summarize_gpu.py" "$out/bench_ax.jsonl" "$out/bench_torch.jsonl" \
            --out-dir "$out" | tee "$out/bench_summary.txt" ||
            { note "summarize_gpu.py FAILED"; status=1; }
        note "bench: $(grep -m1 'rows meet their target' "$out/bench_summary.txt" || echo 'no summary')"
    fi
fi

printf '%s\n' "${summary[@]}" >"$out/summary.txt"
echo
echo "== summary (also $out/summary.txt)"
cat "$out/summary.txt"
exit $status
