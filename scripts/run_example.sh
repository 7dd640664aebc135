#!/usr/bin/env bash
# Build ax (Release) and run the tour in examples/basics.c.
# Environment: AX_BUILD_DIR (default build/example), AX_JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
bdir="${AX_BUILD_DIR:-build/example}"
cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DAX_BUILD_TESTS=OFF -DAX_BUILD_BENCH=OFF \
    -DAX_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$bdir" -j"${AX_JOBS:-$(nproc)}" --target basics >/dev/null
exec "$bdir/examples/basics" "$@"
