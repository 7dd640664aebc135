#!/usr/bin/env python3
"""Peers of bench/bench_random.c: NumPy's default_rng (PCG64) and, if
importable, JAX on CPU (threefry, jit-compiled, block_until_ready).

Usage: peer_random.py WORKLOAD N      prints one JSON object:
  {"workload": ..., "numpy_seconds": s, "numpy_out_seconds": s,
   "jax_seconds": s or null, "numpy": version, "jax": version or null}
Workloads (float32 unless named): uniform, normal, bits (uint32).
numpy_seconds allocates its result (rng.random(n, dtype=np.float32)), as ax
does; numpy_out_seconds writes into a preallocated array (out=). Timing as
bench_time(): warm-up calls, then calls until MIN_REPS calls and MIN_SECONDS
passed; the median.
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 100, 1.0, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main():
    workload, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    out = np.empty(n, np.float32)
    res = {"workload": workload, "n": n, "numpy": np.__version__, "jax": None, "jax_seconds": None}
    if workload == "uniform":
        res["numpy_seconds"] = bench(lambda: rng.random(n, dtype=np.float32))
        res["numpy_out_seconds"] = bench(lambda: rng.random(dtype=np.float32, out=out))
    elif workload == "normal":
        res["numpy_seconds"] = bench(lambda: rng.standard_normal(n, dtype=np.float32))
        res["numpy_out_seconds"] = bench(lambda: rng.standard_normal(dtype=np.float32, out=out))
    elif workload == "bits":
        res["numpy_seconds"] = bench(lambda: rng.integers(0, 2**32, n, dtype=np.uint32, endpoint=False))
        res["numpy_out_seconds"] = res["numpy_seconds"]
    else:
        raise SystemExit(f"unknown workload {workload}")
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_platforms", "cpu")
        key = jax.random.PRNGKey(0)
        if workload == "uniform":
            f = jax.jit(lambda k: jax.random.uniform(k, (n,), jnp.float32))
        elif workload == "normal":
            f = jax.jit(lambda k: jax.random.normal(k, (n,), jnp.float32))
        else:
            f = jax.jit(lambda k: jax.random.bits(k, (n,), jnp.uint32))
        res["jax_seconds"] = bench(lambda: f(key).block_until_ready())
        res["jax"] = jax.__version__
    except ImportError:
        pass
    print(json.dumps(res))


if __name__ == "__main__":
    main()
