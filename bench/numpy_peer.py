#!/usr/bin/env python3
"""The NumPy side of the ax benchmarks, run by the C programs in bench/ so both
sides run in the same session on the same data sizes.

Usage: numpy_peer.py WORKLOAD ARGS...   prints one JSON object:
  {"workload": ..., "seconds": median seconds per call, ...}
Timing matches bench_time() in bench_util.c: warm-up calls, then repeated
calls until at least MIN_REPS calls and MIN_SECONDS passed; the median.

Workloads (float32 data, uniform in [-1, 1)):
  add|mul|exp N          elementwise; "seconds" is the natural expression
                         (a + b allocates its result), "seconds_out" the
                         out= form writing into a preallocated array
  sum_all|max_all N      reduction over all elements of a 1-D array
  sum_axis0|sum_axis1|max_axis1 R C   reduction of an (R, C) array over an axis
  softmax R C            softmax over the last axis (max-subtracted exp / sum)
  matmul N               (N, N) @ (N, N)
  scalar_add REPS        a + b of two 0-d float32 arrays, seconds per op
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 200, 1.0, 2


def bench(fn, min_reps=MIN_REPS, min_seconds=MIN_SECONDS, warmup=WARMUP):
    return median_seconds(fn, min_reps, MAX_REPS, min_seconds, warmup)


def uniform(rng, shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    w, args = argv[1], [int(a) for a in argv[2:]]
    rng = np.random.default_rng(0)
    res = {"workload": w, "args": args, "numpy": np.__version__}
    if w in ("add", "mul", "exp"):
        (n,) = args
        a, b = uniform(rng, n), uniform(rng, n)
        out = np.empty_like(a)
        if w == "add":
            res["seconds"] = bench(lambda: a + b)
            res["seconds_out"] = bench(lambda: np.add(a, b, out=out))
        elif w == "mul":
            res["seconds"] = bench(lambda: a * b)
            res["seconds_out"] = bench(lambda: np.multiply(a, b, out=out))
        else:
            res["seconds"] = bench(lambda: np.exp(a))
            res["seconds_out"] = bench(lambda: np.exp(a, out=out))
    elif w in ("sum_all", "max_all"):
        (n,) = args
        a = uniform(rng, n)
        f = np.sum if w == "sum_all" else np.max
        res["seconds"] = bench(lambda: f(a))
    elif w in ("sum_axis0", "sum_axis1", "max_axis1"):
        r, c = args
        a = uniform(rng, (r, c))
        if w == "sum_axis0":
            res["seconds"] = bench(lambda: a.sum(axis=0))
        elif w == "sum_axis1":
            res["seconds"] = bench(lambda: a.sum(axis=1))
        else:
            res["seconds"] = bench(lambda: a.max(axis=1))
    elif w == "softmax":
        r, c = args
        a = uniform(rng, (r, c))

        def softmax():
            e = np.exp(a - a.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        res["seconds"] = bench(softmax)
    elif w == "matmul":
        (n,) = args
        a, b = uniform(rng, (n, n)), uniform(rng, (n, n))
        res["seconds"] = bench(lambda: a @ b, min_reps=3)
    elif w == "scalar_add":
        (reps,) = args
        a, b = np.array(1.5, dtype=np.float32), np.array(2.5, dtype=np.float32)

        def loop():
            for _ in range(reps):
                a + b

        res["seconds"] = bench(loop, min_reps=3) / reps
    else:
        print(f"unknown workload {w}", file=sys.stderr)
        return 2
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
