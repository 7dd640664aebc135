#!/usr/bin/env python3
"""The NumPy side of bench/bench_compile.c: the same elementwise chains on the
same sizes, written as one would in NumPy (each operation a full pass),
timed like bench_time() (median after warm-up).

Usage: peer_compile.py gelu N | layernorm R C   prints one JSON object:
  {"peer": "numpy", "version": ..., "seconds": ...}
or {"peer": "numpy", "error": ...} when NumPy is not importable.

gelu:      0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))     x: (N,)
layernorm: (x - mean) * (1 / sqrt(var + 1e-5)) * g + b    x: (R, C); mean, var: (R, 1); g, b: (C,)
"""
import json
import sys

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 3, 100, 1.0, 1


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main():
    try:
        import numpy as np
    except Exception as e:  # noqa: BLE001 - any import failure means no peer
        print(json.dumps({"peer": "numpy", "error": str(e)}))
        return
    w, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    rng = np.random.default_rng(0)
    res = {"peer": "numpy", "version": np.__version__, "workload": w, "args": args}
    if w == "gelu":
        (n,) = args
        x = rng.uniform(-4, 4, size=n).astype(np.float32)
        c = np.float32(0.7978845608028654)
        k = np.float32(0.044715)

        def gelu():
            return np.float32(0.5) * x * (np.float32(1) + np.tanh(c * (x + k * (x * x * x))))
        res["seconds"] = bench(gelu)
    elif w == "layernorm":
        r, c = args
        x = rng.uniform(-4, 4, size=(r, c)).astype(np.float32)
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        g = rng.uniform(0.5, 1.5, size=c).astype(np.float32)
        b = rng.uniform(-1, 1, size=c).astype(np.float32)

        def ln():
            return (x - mean) * (np.float32(1) / np.sqrt(var + np.float32(1e-5))) * g + b
        res["seconds"] = bench(ln)
    else:
        res["error"] = "unknown workload " + w
    print(json.dumps(res))


if __name__ == "__main__":
    main()
