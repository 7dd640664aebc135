#!/usr/bin/env python3
"""The torch (CPU) side of bench/bench_grad.c: forward and forward+backward of
the same 2-layer MLP, timed like bench_time() (median after warm-up).

Usage: peer_grad.py BATCH IN HIDDEN OUT THREADS   prints one JSON object:
  {"peer": "torch", "version": ..., "forward_seconds": ..., "grad_seconds": ...}
or {"peer": "torch", "error": ...} when torch is not importable.
"""
import json
import sys

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 200, 1.0, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main():
    batch, n_in, hidden, n_out, threads = (int(v) for v in sys.argv[1:6])
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means no peer
        print(json.dumps({"peer": "torch", "error": str(e)}))
        return
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(batch, n_in, generator=g) * 2 - 1
    w1 = ((torch.rand(n_in, hidden, generator=g) * 2 - 1) / n_in ** 0.5).requires_grad_()
    b1 = torch.zeros(hidden).requires_grad_()
    w2 = ((torch.rand(hidden, n_out, generator=g) * 2 - 1) / hidden ** 0.5).requires_grad_()
    b2 = torch.zeros(n_out).requires_grad_()

    def loss():
        return ((torch.tanh(x @ w1 + b1) @ w2 + b2) ** 2).mean()

    def fwd():
        with torch.no_grad():
            loss()

    def grad():
        torch.autograd.grad(loss(), (w1, b1, w2, b2))

    print(json.dumps({"peer": "torch", "version": torch.__version__,
                      "forward_seconds": bench(fwd), "grad_seconds": bench(grad)}))


if __name__ == "__main__":
    main()
