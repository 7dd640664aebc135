#!/usr/bin/env bash
# Build the benchmarks (Release, -march=native) and run them all: each prints
# its table with NumPy side by side and writes bench/results/<name>-<host>.json;
# bench/summarize.py then checks the results against the project's targets
# and writes bench/results/summary-<host>.md.
#   bench/run.sh [--quick] [name...]     (names: the bench_<name>.c files; default all)
# --quick: tiny sizes, no NumPy, no result files (a smoke test).
# Environment: AX_BUILD_DIR (default build/bench), AX_JOBS, AX_BENCH_HOST
# (name used in result files; default: hostname), AX_BENCH_RESULTS (directory).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
names=()
for a in "$@"; do
    case "$a" in
        --quick) quick="--quick" ;;
        *) names+=("$a") ;;
    esac
done
if [ ${#names[@]} -eq 0 ]; then
    names=(floor) # first: the others report against its copy bandwidth
    for f in bench/bench_*.c; do
        n=$(basename "$f" .c); n=${n#bench_}
        case "$n" in util | floor) ;; *) names+=("$n") ;; esac
    done
fi
bdir="${AX_BUILD_DIR:-build/bench}"
cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DAX_BUILD_BENCH=ON -DAX_BUILD_TESTS=OFF \
    -DAX_BUILD_EXAMPLES=OFF >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("bench_$n"); done
cmake --build "$bdir" -j"${AX_JOBS:-$(nproc)}" --target "${targets[@]}" >/dev/null
if [ -z "$quick" ] && ! python3 -c "import numpy" 2>/dev/null; then
    echo "bench/run.sh: numpy is not importable by python3; the NumPy columns will be empty" >&2
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for n in "${names[@]}"; do
    "$bdir/bench/bench_$n" $quick || status=1
done
if [ -z "$quick" ]; then python3 bench/summarize.py || status=1; fi
exit $status
