#!/usr/bin/env python3
"""PyTorch side of the GPU benchmark (bench/gpu/bench_gpu.c has the ax side).

    peer_torch.py [--quick] [--cpu] [row ...]

(--cpu runs the rows on the CPU: a check of this script on a machine without
a GPU, not a benchmark.)

Prints one JSON line per row, with the same row names, sizes, byte and FLOP
counts as bench_gpu, timed the same way: perf_counter around a batch of calls
(8; 2 for the eager chain and the GEMMs; 1 for the latency row) and
torch.cuda.synchronize(), the median time per call over the repetitions after
warm-up; inputs under 256 MiB rotate among copies so a repetition does not
find them in L2.
The GELU-sigmoid chain is y = gelu_tanh(x) * sigmoid(x) with
gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), written with
the same elementwise ops as ax's (eager), and through torch.compile.
"""
import json
import math
import statistics
import sys
import time

ROWS = ["copy", "add", "sum", "softmax", "gemm_bf16", "gemm_tf32", "gemm_fp8", "gemm_fp8_rowwise", "chain",
        "chain_compiled", "latency"]


def sync(torch):
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def median_sync(torch, fn, sets, warmup=3, min_reps=10, max_reps=500, min_seconds=1.0, batch=1):
    """Median seconds per call of `batch` calls (rotating over sets) and one synchronize."""
    times = []
    r = 0
    start = None
    while len(times) < max_reps:
        if r == warmup:
            start = time.perf_counter()
        if r >= warmup and len(times) >= min_reps and time.perf_counter() - start >= min_seconds:
            break
        sync(torch)
        t0 = time.perf_counter()
        ys = [fn(*sets[(r * batch + j) % len(sets)]) for j in range(batch)]
        sync(torch)
        t1 = time.perf_counter()
        del ys
        if r >= warmup:
            times.append((t1 - t0) / batch)
        r += 1
    return statistics.median(times)


def n_sets_for(nbytes):
    k = 1
    while k < 8 and k * nbytes < (256 << 20):
        k += 1
    return k


def chain(torch, x):
    inner = 0.7978845608028654 * (x + 0.044715 * (x * x * x))
    g = 0.5 * x * (1.0 + torch.tanh(inner))
    return g * torch.sigmoid(x)


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    on_cpu = "--cpu" in args
    rows = [a for a in args if not a.startswith("--")] or ROWS
    try:
        import torch
    except ImportError:
        print(json.dumps({"impl": "torch", "meta": True, "skipped": "torch is not importable"}))
        return 0
    if not on_cpu and not torch.cuda.is_available():
        print(json.dumps({"impl": "torch", "meta": True, "skipped": "no CUDA device"}))
        return 0
    dev = torch.device("cpu" if on_cpu else "cuda:0")
    name = "cpu" if on_cpu else torch.cuda.get_device_name(0)
    print(json.dumps({"impl": "torch", "meta": True, "device": name, "torch_version": torch.__version__,
                      "cuda": torch.version.cuda, "quick": quick,
                      "timing": "perf_counter around a batch of calls + torch.cuda.synchronize(), median per call"}), flush=True)
    n_ew = 1 << (20 if quick else 28)
    min_s = 0.2 if quick else 1.0
    gen = torch.Generator(device=dev)
    gen.manual_seed(0)

    def uniform(shape, dtype, lo, hi):
        return (torch.rand(shape, generator=gen, device=dev, dtype=torch.float32) * (hi - lo) + lo).to(dtype)

    def emit(row, desc, size, sec, metric, value, work, check="ok"):
        key = "flops" if metric == "TFLOP/s" else "bytes"
        print(json.dumps({"impl": "torch", "row": row, "desc": desc, "size": size, "seconds": sec,
                          "metric": metric, "value": value, key: work, "device": name, "check": check}),
              flush=True)

    for row in rows:
        try:
            if row in ("copy", "add", "sum", "chain", "chain_compiled"):
                n_in = 2 if row == "add" else 1
                nb = n_ew * 4
                sets = [tuple(uniform((n_ew,), torch.float32, -3, 3) for _ in range(n_in))
                        for _ in range(n_sets_for(nb * n_in))]
                if row == "copy":
                    fn = lambda x: x.clone()  # noqa: E731
                    bytes_ = 2 * nb
                elif row == "add":
                    fn = lambda a, b: a + b  # noqa: E731
                    bytes_ = 3 * nb
                elif row == "sum":
                    fn = lambda x: x.sum()  # noqa: E731
                    bytes_ = nb
                elif row == "chain":
                    fn = lambda x: chain(torch, x)  # noqa: E731
                    bytes_ = 2 * nb
                else:
                    fn = torch.compile(lambda x: chain(torch, x))
                    bytes_ = 2 * nb
                check = "ok"
                if row == "chain_compiled":
                    x = sets[0][0]
                    ref = chain(torch, x.double())
                    err = ((fn(x).double() - ref).abs() / ref.abs().clamp_min(1.0)).max().item()
                    check = "ok" if err <= 1e-5 else f"max error {err:.3g}"
                sec = median_sync(torch, fn, sets, min_seconds=min_s, batch=2 if row == "chain" else 8)
                desc = {"copy": "device copy", "add": "fp32 add", "sum": "fp32 sum",
                        "chain": "gelu_tanh(x)*sigmoid(x) eager",
                        "chain_compiled": "gelu_tanh(x)*sigmoid(x) compiled"}[row]
                emit(row, desc, f"2^{int(math.log2(n_ew))} float32", sec, "GB/s", bytes_ / sec / 1e9, bytes_, check)
                del sets
            elif row == "softmax":
                shape = (256, 2048) if quick else (4096, 32768)
                nb = shape[0] * shape[1] * 2
                sets = [(uniform(shape, torch.bfloat16, -4, 4),) for _ in range(n_sets_for(nb))]
                sec = median_sync(torch, lambda x: torch.softmax(x, dim=-1), sets, min_seconds=min_s, batch=8)
                emit(row, "bf16 softmax (last axis)", f"{shape[0]}x{shape[1]} bfloat16", sec, "GB/s",
                     2 * nb / sec / 1e9, 2 * nb)
                del sets
            elif row in ("gemm_bf16", "gemm_tf32"):
                n = 1024 if quick else 8192
                bf16 = row == "gemm_bf16"
                dt = torch.bfloat16 if bf16 else torch.float32
                torch.backends.cuda.matmul.allow_tf32 = not bf16
                a, b = uniform((n, n), dt, -1, 1), uniform((n, n), dt, -1, 1)
                sec = median_sync(torch, torch.matmul, [(a, b)], max_reps=200, min_seconds=min_s, batch=2)
                torch.backends.cuda.matmul.allow_tf32 = False
                flops = 2.0 * n ** 3
                emit(row, "bf16 GEMM" if bf16 else "tf32 GEMM",
                     f"{n}^3 {'bfloat16' if bf16 else 'float32 (tf32)'}", sec, "TFLOP/s", flops / sec / 1e12, flops)
                del a, b
            elif row in ("gemm_fp8", "gemm_fp8_rowwise"):
                n = 1024 if quick else 8192
                fp8 = getattr(torch, "float8_e4m3fn", None)
                if fp8 is None or not hasattr(torch, "_scaled_mm"):
                    raise RuntimeError("this PyTorch has no float8_e4m3fn / _scaled_mm")
                a = uniform((n, n), torch.float32, -1, 1).to(fp8)
                b = uniform((n, n), torch.float32, -1, 1).to(fp8).t()  # column-major, as ax's K-contiguous b
                if row == "gemm_fp8":
                    sa = torch.tensor(0.5, device=dev)
                    sb = torch.tensor(4.0, device=dev)
                else:  # ax's row-wise scales (bench_gpu.c, rowwise_scale)
                    k = torch.arange(n, device=dev)
                    sa = (0.5 + (k % 11).float() / 10).reshape(n, 1).contiguous()
                    sb = (2.0 + (k % 9).float() / 2).reshape(1, n).contiguous()
                fn = lambda x, y: torch._scaled_mm(x, y, scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16)  # noqa: E731
                sec = median_sync(torch, fn, [(a, b)], max_reps=200, min_seconds=min_s, batch=2)
                flops = 2.0 * n ** 3
                emit(row, "fp8 GEMM (scaled)" if row == "gemm_fp8" else "fp8 GEMM (row-wise scales)",
                     f"{n}^3 float8_e4m3 -> bfloat16", sec, "TFLOP/s", flops / sec / 1e12, flops)
                del a, b
            elif row == "latency":
                sets = [(uniform((1,), torch.float32, 0, 1), uniform((1,), torch.float32, 0, 1)) for _ in range(8)]
                sec = median_sync(torch, lambda a, b: a + b, sets, warmup=200, min_reps=2000,
                                  max_reps=2000 if quick else 20000, min_seconds=min_s)
                emit(row, "one-element add: op + synchronize", "1 float32", sec, "us", sec * 1e6, 0)
            else:
                print(f"peer_torch.py: unknown row {row}", file=sys.stderr)
                return 2
        except Exception as e:  # a failing row is reported, the others still run
            print(json.dumps({"impl": "torch", "row": row, "error": f"{type(e).__name__}: {e}"}), flush=True)
        if not on_cpu:
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
