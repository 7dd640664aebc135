#!/usr/bin/env python3
"""The Python peers of bench/bench_sort.c (NumPy, and PyTorch's CPU build when
importable), run through popen so both sides run in the same session.

Usage: peer_sort.py WORKLOAD N   prints one JSON object with median seconds:
  {"workload": ..., "numpy": median s, "numpy_stable": median s (kind="stable"),
   "torch": median s or absent, "numpy_version": ..., "torch_version": ...}
Workloads (float32, uniform in [-1, 1), generated like bench_fill_uniform in
bench/bench_util.c: 24-bit uniform, so both sides sort the same kind of data):
  sort N        np.sort(a)            (NumPy 2.x: x86-simd-sort AVX-512 quicksort)
  argsort N     np.argsort(a)
  cumsum N      np.cumsum(a)
  searchsorted N   np.searchsorted(sorted a, N values)
Timing as bench_time(): warm-up, then calls until MIN_REPS and MIN_SECONDS;
the median (secondary peers on inputs of 4M elements or more: 3 calls).
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 100, 1.0, 1


def bench(fn, slow=False):
    """slow: a secondary peer (stable sorts, torch) on a large input: one
    warm-up and three timed calls, so the run stays short on a busy machine."""
    min_reps, min_seconds = (3, 0.0) if slow else (MIN_REPS, MIN_SECONDS)
    return median_seconds(fn, min_reps, MAX_REPS, min_seconds, WARMUP)


def uniform(n, seed=3):
    """24-bit uniform values in [-1, 1), the distribution bench_fill_uniform makes."""
    k = np.random.default_rng(seed).integers(0, 1 << 24, n, dtype=np.int64)
    return (np.float32(-1.0) + np.float32(2.0) * k.astype(np.float32) * np.float32(1.0 / 16777216.0)).astype(np.float32)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    w, n = argv[1], int(argv[2])
    a = uniform(n)
    slow = n >= (1 << 22)
    res = {"workload": w, "n": n, "numpy_version": np.__version__}
    try:
        import torch
        torch.set_num_threads(2)
        t = torch.from_numpy(a)
        res["torch_version"] = torch.__version__
    except Exception:  # torch is optional
        t = None
    if w == "sort":
        res["numpy"] = bench(lambda: np.sort(a))
        res["numpy_stable"] = bench(lambda: np.sort(a, kind="stable"), slow)
        if t is not None:
            res["torch"] = bench(lambda: torch.sort(t), slow)
    elif w == "argsort":
        res["numpy"] = bench(lambda: np.argsort(a))
        res["numpy_stable"] = bench(lambda: np.argsort(a, kind="stable"), slow)
        if t is not None:
            res["torch"] = bench(lambda: torch.argsort(t, stable=True), slow)
    elif w == "cumsum":
        res["numpy"] = bench(lambda: np.cumsum(a))
        if t is not None:
            res["torch"] = bench(lambda: torch.cumsum(t, 0), slow)
    elif w == "searchsorted":
        s = np.sort(a)
        v = uniform(n, seed=5)
        res["numpy"] = bench(lambda: np.searchsorted(s, v))
        if t is not None:
            ts, tv = torch.from_numpy(s), torch.from_numpy(v)
            res["torch"] = bench(lambda: torch.searchsorted(ts, tv), slow)
    else:
        print("unknown workload " + w, file=sys.stderr)
        return 2
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
