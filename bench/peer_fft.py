#!/usr/bin/env python3
"""The Python peers of bench/bench_fft.c: numpy.fft (pocketfft C++) and
scipy.fft (pocketfft C++ with workers=THREADS), on complex64/float32 data.

Usage: peer_fft.py WORKLOAD THREADS ARGS...   prints one JSON object:
  {"workload": ..., "numpy": seconds, "scipy": seconds, "numpy_c128": seconds,
   "scipy_c128": seconds, "numpy_version": ..., "scipy_version": ...}
A peer that cannot be imported is left out. Timing matches bench_time() in
bench_util.c: warm-up calls, then calls until MIN_REPS calls and MIN_SECONDS
passed; the median.

Workloads (uniform [-1, 1) data; complex inputs have random real and
imaginary parts):
  fft N        1-D complex transform of length N
  rfft N       1-D real transform of length N
  fft2 R C     2-D complex transform of an (R, C) array
  batch R C    R complex transforms of length C (the last axis)
The *_c128 fields time the same workload in complex128 (float64 input), for
reference: ax has no complex128 dtype.
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 100, 1.0, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def make(rng, shape, cplx, dtype):
    x = rng.uniform(-1.0, 1.0, size=shape)
    if cplx:
        x = x + 1j * rng.uniform(-1.0, 1.0, size=shape)
    return x.astype(dtype)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    w, threads, args = argv[1], int(argv[2]), [int(a) for a in argv[3:]]
    rng = np.random.default_rng(0)
    res = {"workload": w, "args": args, "threads": threads, "numpy_version": np.__version__}
    try:
        import scipy
        import scipy.fft as sfft
        res["scipy_version"] = scipy.__version__
    except Exception:  # scipy is optional
        sfft = None
    shape = tuple(args)
    cplx = w != "rfft"
    for suffix, dtype in (("", np.complex64 if cplx else np.float32),
                          ("_c128", np.complex128 if cplx else np.float64)):
        x = make(rng, shape, cplx, dtype)
        if w in ("fft", "batch"):
            np_fn = lambda: np.fft.fft(x, axis=-1)
            sp_fn = lambda: sfft.fft(x, axis=-1, workers=threads)
        elif w == "rfft":
            np_fn = lambda: np.fft.rfft(x)
            sp_fn = lambda: sfft.rfft(x, workers=threads)
        elif w == "fft2":
            np_fn = lambda: np.fft.fft2(x)
            sp_fn = lambda: sfft.fft2(x, workers=threads)
        else:
            print("unknown workload " + w, file=sys.stderr)
            return 2
        if suffix == "":
            # NumPy 2 keeps complex64/float32 in single precision
            res["numpy_dtype"] = str(np_fn().dtype)
        res["numpy" + suffix] = bench(np_fn)
        if sfft is not None:
            res["scipy" + suffix] = bench(sp_fn)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
