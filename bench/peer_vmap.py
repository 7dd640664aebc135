#!/usr/bin/env python3
"""The torch (CPU) side of bench/bench_vmap.c: per-example gradient norms of
the same one-hidden-layer MLP through torch.func.vmap(torch.func.grad(loss)),
timed like bench_time() (median after warm-up).

Usage: peer_vmap.py BATCH D H   prints one JSON object:
  {"peer": "torch", "version": ..., "seconds": ...}
or {"peer": "torch", "error": ...} when torch is not importable.
"""
import json
import statistics
import sys
import time

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 100, 1.0, 2


def bench(fn):
    for _ in range(WARMUP):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < MAX_REPS and (len(times) < MIN_REPS or time.perf_counter() - start < MIN_SECONDS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    batch, d, h = (int(v) for v in sys.argv[1:4])
    try:
        import torch
        from torch.func import grad, vmap
    except Exception as e:  # noqa: BLE001 - any import failure means no peer
        print(json.dumps({"peer": "torch", "error": str(e)}))
        return
    import os
    torch.set_num_threads(os.cpu_count() or 1)
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
    secs = bench(lambda: f(w1, b1, w2, x, y))
    print(json.dumps({"peer": "torch", "version": torch.__version__, "seconds": secs}))


if __name__ == "__main__":
    main()
