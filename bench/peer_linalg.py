#!/usr/bin/env python3
"""The Python peers of bench/bench_linalg.c (NumPy, and SciPy with each
LAPACK driver it offers when importable), run through popen so both sides
run in the same session.

Usage: peer_linalg.py WORKLOAD N DTYPE   prints one JSON object with median
seconds per call: {"workload": ..., "numpy": s, "scipy": s (best driver),
"scipy_driver": name, "scipy_<driver>": s for each driver, versions}.
Workloads (N x N, DTYPE float32 or float64, uniform in [-1, 1) like
bench_fill_uniform, made symmetric or positive definite as the C side does):
  svd N DTYPE       np.linalg.svd(a) (U, S, Vh);  scipy.linalg.svd gesdd / gesvd
  eigh N DTYPE      np.linalg.eigh(s);            scipy.linalg.eigh evd / evr / ev / evx
  solve N DTYPE     np.linalg.solve(a + N I, b) with b (N,);  scipy.linalg.solve
  inv N DTYPE       np.linalg.inv(a + N I);       scipy.linalg.inv
  cholesky N DTYPE  np.linalg.cholesky(p), p = a a^T / N + I;  scipy.linalg.cholesky(lower=True)
SciPy runs with check_finite=False (its fastest documented setting; ax checks
finiteness only where LAPACK needs it: svd, eig, eigh). Timing as
bench_time(): warm-up, then calls until MIN_REPS and MIN_SECONDS; the median.
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

try:
    import scipy
    import scipy.linalg as sla
except ImportError:
    scipy = None
    sla = None

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 3, 50, 1.0, 1


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    w, n, dt = argv[1], int(argv[2]), np.dtype(argv[3])
    rng = np.random.default_rng(7)
    a = rng.uniform(-1.0, 1.0, (n, n)).astype(dt)
    res = {"workload": w, "n": n, "dtype": str(dt), "numpy_version": np.__version__}
    drivers = {}
    if w == "svd":
        res["numpy"] = bench(lambda: np.linalg.svd(a))
        if sla:
            for d in ("gesdd", "gesvd"):
                drivers[d] = bench(lambda: sla.svd(a, lapack_driver=d, check_finite=False))
    elif w == "eigh":
        s = ((a + a.T) / 2).astype(dt)
        res["numpy"] = bench(lambda: np.linalg.eigh(s))
        if sla:
            for d in ("evd", "evr", "ev", "evx"):
                drivers[d] = bench(lambda: sla.eigh(s, driver=d, check_finite=False))
    elif w in ("solve", "inv"):
        m = (a + n * np.eye(n, dtype=dt)).astype(dt)
        b = rng.uniform(-1.0, 1.0, n).astype(dt)
        if w == "solve":
            res["numpy"] = bench(lambda: np.linalg.solve(m, b))
            if sla:
                drivers["gesv"] = bench(lambda: sla.solve(m, b, check_finite=False))
        else:
            res["numpy"] = bench(lambda: np.linalg.inv(m))
            if sla:
                drivers["getri"] = bench(lambda: sla.inv(m, check_finite=False))
    elif w == "cholesky":
        p = (a @ a.T / n + np.eye(n, dtype=dt)).astype(dt)
        res["numpy"] = bench(lambda: np.linalg.cholesky(p))
        if sla:
            drivers["potrf"] = bench(lambda: sla.cholesky(p, lower=True, check_finite=False))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if drivers:
        best = min(drivers, key=drivers.get)
        res["scipy"] = drivers[best]
        res["scipy_driver"] = best
        for d, t in drivers.items():
            res["scipy_" + d] = t
        res["scipy_version"] = scipy.__version__
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
