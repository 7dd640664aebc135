#!/usr/bin/env python3
"""PyTorch (CPU) and NumPy side of bench/bench_conv.c: 2-D convolution forward
on the same shapes, threads and timing rule as the C program.

Usage: peer_conv.py THREADS N H W C_IN C_OUT K STRIDE PAD   prints one JSON object:
  {"torch": version or null, "torch_seconds": best of NCHW and channels_last,
   "torch_nchw_seconds", "torch_cl_seconds", "numpy": version,
   "numpy_seconds": im2col (sliding_window_view) + matmul, or -1 when skipped}
Data: float32 uniform in [-1, 1). torch.set_num_threads(THREADS) matches
ax's thread count; torch runs under torch.inference_mode (no autograd
bookkeeping), the fairest forward-only comparison. PyTorch's CPU convolution
uses oneDNN (mkldnn) when built with it; channels_last is its native layout
for ax's (N, H, W, C) data, NCHW its default, and the faster one is the peer.
NumPy has no convolution: the peer is the usual im2col with
sliding_window_view + one matmul (OpenBLAS), skipped for shapes whose
column matrix exceeds 1 GiB.
Timing matches bench_time() in bench/bench_util.c: warm-up calls, then calls
until MIN_REPS were made and MIN_SECONDS passed; the median.
"""
import json
import sys

import numpy as np

from peer_timing import median_seconds

MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP = 5, 200, 0.5, 2


def bench(fn):
    return median_seconds(fn, MIN_REPS, MAX_REPS, MIN_SECONDS, WARMUP)


def main(argv):
    if len(argv) != 10:
        print(__doc__, file=sys.stderr)
        return 2
    threads, n, h, w, cin, cout, k, s, p = (int(a) for a in argv[1:])
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(n, h, w, cin)).astype(np.float32)  # channels-last
    wt = rng.uniform(-1, 1, size=(cout, k, k, cin)).astype(np.float32)
    res = {"numpy": np.__version__, "torch": None}
    try:
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(threads)
        res["torch"] = torch.__version__
        res["torch_threads"] = torch.get_num_threads()
        res["mkldnn"] = bool(torch.backends.mkldnn.is_available())
        tx = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()  # NCHW
        tw = torch.from_numpy(wt).permute(0, 3, 1, 2).contiguous()  # OIHW
        with torch.inference_mode():
            res["torch_nchw_seconds"] = bench(lambda: F.conv2d(tx, tw, stride=s, padding=p))
            txc = tx.contiguous(memory_format=torch.channels_last)
            twc = tw.contiguous(memory_format=torch.channels_last)
            res["torch_cl_seconds"] = bench(lambda: F.conv2d(txc, twc, stride=s, padding=p))
        res["torch_seconds"] = min(res["torch_nchw_seconds"], res["torch_cl_seconds"])
    except ImportError:
        pass
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    if n * ho * wo * k * k * cin * 4 <= (1 << 30):
        from numpy.lib.stride_tricks import sliding_window_view

        wm = wt.reshape(cout, -1).T.copy()  # (k*k*cin, cout)

        def np_conv():
            xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))) if p else x
            win = sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::s, ::s]  # (n, ho, wo, cin, k, k)
            cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, k * k * cin)
            return (cols @ wm).reshape(n, ho, wo, cout)

        res["numpy_seconds"] = bench(np_conv)
    else:
        res["numpy_seconds"] = -1
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
