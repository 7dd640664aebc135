#!/usr/bin/env python3
"""The torch (CPU) side of bench/bench_vmap.c: per-example gradient norms of
the same one-hidden-layer MLP through torch.func.vmap(torch.func.grad(loss)),
timed like bench_time() (median after warm-up).

Usage: peer_vmap.py BATCH D H   prints one JSON object:
  {"peer": "torch", "version": ..., "seconds": ...}
or {"peer": "torch", "error": ...} when torch is not importable.
"""
import json
import os
import sys

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 100, 1.0, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main():
    batch, d, h = (int(v) for v in sys.argv[1:4])
    try:
        import torch
        from torch.func import grad, vmap
    except Exception as e:  # noqa: BLE001 - any import failure means no peer
        print(json.dumps({"peer": "torch", "error": str(e)}))
        return
    g = torch.Generator().manual_seed(0)
    w1 = (torch.rand(d, h, generator=g) * 0.4 - 0.2)
    b1 = (torch.rand(h, generator=g) * 0.2 - 0.1)
    w2 = (torch.rand(h, generator=g) * 0.4 - 0.2)
    x = torch.rand(batch, d, generator=g) * 2 - 1
    y = torch.rand(batch, generator=g) * 2 - 1

    def loss(w1, b1, w2, x, y):
        return (torch.tanh(x @ w1 + b1) @ w2 - y) ** 2

    def norm(w1, b1, w2, x, y):
        return torch.sqrt(torch.sum(grad(loss)(w1, b1, w2, x, y) ** 2))

    f = vmap(norm, in_dims=(None, None, None, 0, 0))
    # the better of 1 thread and all cores: torch's thread pool dominates
    # this small workload (much slower with 2 threads on a loaded machine)
    best, best_threads = None, 0
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        secs = bench(lambda: f(w1, b1, w2, x, y))
        if best is None or secs < best:
            best, best_threads = secs, threads
    print(json.dumps({"peer": "torch", "version": torch.__version__, "seconds": best,
                      "threads": best_threads}))


if __name__ == "__main__":
    main()
