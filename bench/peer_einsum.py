#!/usr/bin/env python3
"""Peers of bench/bench_einsum.c: numpy.einsum(optimize=True) and, when
importable, torch.einsum (CPU), on the same shapes, float32 data uniform in
[-1, 1). Timing matches bench_time() in bench_util.c (warm-up calls, then
calls until MIN_REPS were made and MIN_SECONDS passed; the median).

Usage: peer_einsum.py SUBSCRIPTS SHAPE [SHAPE ...]
  SHAPE is comma-separated, e.g.  peer_einsum.py bhqd,bhkd->bhqk 8,16,512,64 8,16,512,64
Prints one JSON object: {"numpy_seconds": .., "torch_seconds": .. or null,
"numpy": version, "torch": version or null, "torch_threads": n}.
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 200, 1.0, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    subs = argv[1]
    shapes = [tuple(int(x) for x in s.split(",")) for s in argv[2:]]
    rng = np.random.default_rng(0)
    ops = [rng.uniform(-1.0, 1.0, size=s).astype(np.float32) for s in shapes]
    res = {"subscripts": subs, "numpy": np.__version__, "torch": None, "torch_seconds": None}
    res["numpy_seconds"] = bench(lambda: np.einsum(subs, *ops, optimize=True))
    try:
        import torch
    except Exception:  # torch is optional
        torch = None
    if torch is not None:
        tops = [torch.from_numpy(o) for o in ops]
        with torch.no_grad():
            res["torch_seconds"] = bench(lambda: torch.einsum(subs, *tops))
        res["torch"] = torch.__version__
        res["torch_threads"] = torch.get_num_threads()
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
