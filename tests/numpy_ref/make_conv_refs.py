#!/usr/bin/env python3
"""Reference data for ax's convolution and pooling ops (tests/test_conv.c,
tests/test_pool.c): writes tests/numpy_ref/conv_refs.h.

The outputs come from PyTorch (torch.nn.functional conv1d/2d/3d,
conv_transpose1d/2d/3d, max_pool*, avg_pool*) when torch is importable, else
from NumPy direct loops written from the same definitions (the header says
which made it). PyTorch works channels-first (NCHW, weights OIHW and, for
transposed convolutions, (C_in, C_out / groups, K...)); every array is
converted to ax's channels-last layout before it is written:
  input  (N, C, *S)          -> (N, *S, C)
  weight (C_out, C_in/g, *K) -> (C_out, *K, C_in/g)
  transposed weight (C_in, C_out/g, *K) -> (C_out, *K, C_in/g), i.e.
      ax_w[g*Cog + o, k, i] = torch_w[g*Cig + i, o, k]
  output (N, C_out, *S)      -> (N, *S, C_out)
Inputs are seeded multiples of 1/64 in [-1, 1], exact in float16, bfloat16,
float32 and float64, so the C tests feed the same values in every dtype.

Usage: python3 tests/numpy_ref/make_conv_refs.py   (from the repository root)
"""
import os
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
    HAVE_TORCH = True
except Exception:  # pragma: no cover - CI has only numpy
    HAVE_TORCH = False

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_refs.h")
KIND = {"conv": 0, "conv_transpose": 1, "max_pool": 2, "avg_pool": 3, "conv_general": 4}


def cl(a):
    """channels-first (N, C, *S) -> channels-last (N, *S, C)"""
    return np.moveaxis(a, 1, -1)


def cf(a):
    return np.moveaxis(a, -1, 1)


# ------------------------------------------------------------------ NumPy fallback
def np_conv(x, w, stride, lo, hi, dil, groups):
    """x (N, *S, C) channels-last, w (O, *K, C/g); cross-correlation."""
    nsp = x.ndim - 2
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    pad = [(0, 0)] + [(lo[d], hi[d]) for d in range(nsp)] + [(0, 0)]
    xp = np.pad(x, pad)
    K = w.shape[1:-1]
    O = [(xp.shape[d + 1] - ((K[d] - 1) * dil[d] + 1)) // stride[d] + 1 for d in range(nsp)]
    N, C, Co = x.shape[0], x.shape[-1], w.shape[0]
    cg, og = C // groups, Co // groups
    out = np.zeros([N] + O + [Co])
    for k in np.ndindex(*K):
        sl = tuple(slice(k[d] * dil[d], k[d] * dil[d] + (O[d] - 1) * stride[d] + 1, stride[d])
                   for d in range(nsp))
        patch = xp[(slice(None),) + sl]  # (N, *O, C)
        for g in range(groups):
            wk = w[(slice(g * og, (g + 1) * og),) + k]  # (og, cg)
            out[..., g * og:(g + 1) * og] += patch[..., g * cg:(g + 1) * cg] @ wk.T
    return out


def np_conv_transpose(x, w, stride, pad, dil, opad, groups):
    """x (N, *S, C_in), w (C_out, *K, C_in/g); scatter definition."""
    nsp = x.ndim - 2
    N, C, Co = x.shape[0], x.shape[-1], w.shape[0]
    K = w.shape[1:-1]
    I = x.shape[1:-1]
    O = [(I[d] - 1) * stride[d] - 2 * pad[d] + dil[d] * (K[d] - 1) + opad[d] + 1 for d in range(nsp)]
    cg, og = C // groups, Co // groups
    out = np.zeros([N] + O + [Co])
    for j in np.ndindex(*I):
        for k in np.ndindex(*K):
            y = [j[d] * stride[d] - pad[d] + k[d] * dil[d] for d in range(nsp)]
            if any(y[d] < 0 or y[d] >= O[d] for d in range(nsp)):
                continue
            for g in range(groups):
                xv = x[(slice(None),) + j][:, g * cg:(g + 1) * cg].astype(np.float64)  # (N, cg)
                wk = w[(slice(g * og, (g + 1) * og),) + k].astype(np.float64)  # (og, cg)
                out[(slice(None),) + tuple(y)][:, g * og:(g + 1) * og] += xv @ wk.T
    return out


def np_pool(x, kind, kernel, stride, pad, include_pad):
    nsp = x.ndim - 2
    I = x.shape[1:-1]
    O = [(I[d] + 2 * pad[d] - kernel[d]) // stride[d] + 1 for d in range(nsp)]
    out = np.zeros([x.shape[0]] + O + [x.shape[-1]])
    for o in np.ndindex(*O):
        vals, cnt = [], 0
        for k in np.ndindex(*kernel):
            q = [o[d] * stride[d] + k[d] - pad[d] for d in range(nsp)]
            if any(q[d] < 0 or q[d] >= I[d] for d in range(nsp)):
                continue
            vals.append(x[(slice(None),) + tuple(q)].astype(np.float64))
            cnt += 1
        v = np.stack(vals)
        if kind == "max_pool":
            out[(slice(None),) + o] = v.max(axis=0)
        else:
            div = np.prod(kernel) if include_pad else cnt
            out[(slice(None),) + o] = v.sum(axis=0) / div
    return out


# ------------------------------------------------------------------ torch
def torch_run(case, x, w):
    nsp, kind = case["nsp"], case["kind"]
    tx = torch.from_numpy(cf(x).astype(np.float64).copy())
    if kind in ("conv", "conv_general"):
        tw = torch.from_numpy(np.moveaxis(w, -1, 1).astype(np.float64).copy())
        conv = (F.conv1d, F.conv2d, F.conv3d)[nsp - 1]
        pad = case["padding"]
        if kind == "conv_general":  # asymmetric: F.pad takes (last lo, last hi, ...)
            lo, hi = case["padding"], case["pad_hi"]
            flat = []
            for d in reversed(range(nsp)):
                flat += [lo[d], hi[d]]
            tx = F.pad(tx, flat)
            pad = [0] * nsp
        y = conv(tx, tw, stride=case["stride"], padding=pad, dilation=case["dilation"],
                 groups=case["groups"])
    elif kind == "conv_transpose":
        g = case["groups"]
        Co = w.shape[0]
        cg = w.shape[-1]
        og = Co // g
        # ax (C_out, *K, C_in/g) -> torch (C_in, C_out/g, *K)
        tw = np.zeros((cg * g, og) + w.shape[1:-1])
        for gi in range(g):
            blk = w[gi * og:(gi + 1) * og]  # (og, *K, cg)
            tw[gi * cg:(gi + 1) * cg] = np.moveaxis(blk, -1, 0)  # (cg, og, *K)
        convt = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nsp - 1]
        y = convt(tx, torch.from_numpy(tw), stride=case["stride"], padding=case["padding"],
                  output_padding=case["output_padding"], groups=g, dilation=case["dilation"])
    elif kind == "max_pool":
        pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[nsp - 1]
        y = pool(tx, case["kernel"], stride=case["stride"], padding=case["padding"])
    else:
        pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[nsp - 1]
        y = pool(tx, case["kernel"], stride=case["stride"], padding=case["padding"],
                 count_include_pad=case["include_pad"])
    return cl(y.numpy())


def numpy_run(case, x, w):
    kind = case["kind"]
    if kind in ("conv", "conv_general"):
        hi = case["pad_hi"] if kind == "conv_general" else case["padding"]
        return np_conv(x, w, case["stride"], case["padding"], hi, case["dilation"], case["groups"])
    if kind == "conv_transpose":
        return np_conv_transpose(x, w, case["stride"], case["padding"], case["dilation"],
                                 case["output_padding"], case["groups"])
    return np_pool(x, kind, case["kernel"], case["stride"], case["padding"], case["include_pad"])


def C(name, kind, nsp, x_shape, w_shape=None, stride=None, padding=None, pad_hi=None,
      dilation=None, output_padding=None, groups=1, kernel=None, include_pad=True):
    one, zero = [1] * nsp, [0] * nsp
    return dict(name=name, kind=kind, nsp=nsp, x_shape=x_shape, w_shape=w_shape,
                stride=stride or one, padding=padding or zero, pad_hi=pad_hi or zero,
                dilation=dilation or one, output_padding=output_padding or zero, groups=groups,
                kernel=kernel or zero, include_pad=include_pad)


# x shapes are channels-last (N, *S, C); w shapes (C_out, *K, C_in/groups)
CASES = [
    C("conv1d_basic", "conv", 1, (2, 10, 3), (4, 3, 3), padding=[1]),
    C("conv1d_stride_dil_groups", "conv", 1, (1, 15, 4), (6, 3, 2), stride=[2], padding=[2],
      dilation=[2], groups=2),
    C("conv2d_3x3", "conv", 2, (2, 6, 5, 3), (4, 3, 3, 3), padding=[1, 1]),
    C("conv2d_stride_groups", "conv", 2, (1, 9, 8, 4), (6, 3, 2, 2), stride=[2, 3],
      padding=[1, 0], dilation=[1, 2], groups=2),
    C("conv2d_1x1", "conv", 2, (2, 4, 3, 5), (3, 1, 1, 5)),
    C("conv2d_depthwise", "conv", 2, (1, 7, 7, 4), (4, 3, 3, 1), stride=[2, 2], padding=[1, 1],
      groups=4),
    C("conv2d_asym_pad", "conv_general", 2, (1, 6, 7, 2), (3, 3, 3, 2), stride=[1, 2],
      padding=[0, 2], pad_hi=[2, 1]),
    C("conv3d_basic", "conv", 3, (1, 4, 5, 4, 2), (3, 2, 3, 2, 2), stride=[1, 2, 1],
      padding=[1, 1, 0]),
    C("conv_transpose1d", "conv_transpose", 1, (2, 6, 3), (4, 3, 3), stride=[2], padding=[1],
      output_padding=[1]),
    C("conv_transpose2d_groups", "conv_transpose", 2, (1, 4, 5, 4), (6, 3, 2, 2), stride=[2, 3],
      padding=[1, 0], dilation=[1, 2], output_padding=[1, 1], groups=2),
    C("conv_transpose2d_crop", "conv_transpose", 2, (1, 5, 5, 2), (2, 3, 3, 2), stride=[2, 2],
      padding=[3, 3]),
    C("conv_transpose3d", "conv_transpose", 3, (1, 3, 2, 3, 2), (3, 2, 3, 2, 2),
      stride=[2, 1, 2], padding=[0, 1, 0], output_padding=[1, 0, 0]),
    C("max_pool1d", "max_pool", 1, (2, 11, 3), kernel=[3], stride=[2], padding=[1]),
    C("max_pool2d", "max_pool", 2, (1, 7, 8, 3), kernel=[3, 2], stride=[2, 2], padding=[1, 1]),
    C("max_pool3d", "max_pool", 3, (1, 5, 4, 6, 2), kernel=[2, 2, 3], stride=[2, 1, 2],
      padding=[1, 0, 1]),
    C("avg_pool1d_include", "avg_pool", 1, (2, 9, 3), kernel=[4], stride=[2], padding=[2]),
    C("avg_pool2d_exclude", "avg_pool", 2, (1, 7, 8, 3), kernel=[3, 3], stride=[2, 2],
      padding=[1, 1], include_pad=False),
    C("avg_pool2d_include", "avg_pool", 2, (1, 7, 8, 3), kernel=[3, 3], stride=[2, 2],
      padding=[1, 1], include_pad=True),
    C("avg_pool3d_exclude", "avg_pool", 3, (1, 4, 5, 4, 2), kernel=[2, 3, 2], stride=[2, 2, 2],
      padding=[1, 1, 1], include_pad=False),
]


def arr(v):
    return "{" + ", ".join(repr(float(x)) for x in np.asarray(v).ravel()) + "}"


def ints(v, n=5):
    v = list(v) + [0] * (n - len(v))
    return "{" + ", ".join(str(int(x)) for x in v) + "}"


def main():
    rng = np.random.default_rng(20261127)
    src = f"PyTorch {torch.__version__}" if HAVE_TORCH else f"NumPy {np.__version__} direct loops"
    lines = [
        f"/* Generated by tests/numpy_ref/make_conv_refs.py with {src}; do not edit.",
        " * Channels-last data (docs/conv.md); inputs are multiples of 1/64 (exact in every float dtype). */",
        "#ifndef AX_CONV_REFS_H",
        "#define AX_CONV_REFS_H",
        "#include <stdint.h>",
        "",
        "enum { REF_CONV, REF_CONV_TRANSPOSE, REF_MAX_POOL, REF_AVG_POOL, REF_CONV_GENERAL };",
        "",
        "typedef struct conv_ref {",
        "    const char *name;",
        "    int kind, nsp;",
        "    int64_t stride[3], padding[3], pad_hi[3], dilation[3], output_padding[3], kernel[3];",
        "    int64_t groups;",
        "    int include_pad;",
        "    int64_t x_shape[5], w_shape[5], out_shape[5];",
        "    const double *x, *w, *out;",
        "} conv_ref;",
        "",
    ]
    entries = []
    for c in CASES:
        x = (rng.integers(-64, 65, size=c["x_shape"]) / 64.0).astype(np.float32)
        w = (rng.integers(-64, 65, size=c["w_shape"]) / 64.0).astype(np.float32) if c["w_shape"] else None
        y = torch_run(c, x, w) if HAVE_TORCH else numpy_run(c, x, w)
        if HAVE_TORCH:  # the two definitions agree
            alt = numpy_run(c, x, w)
            assert alt.shape == y.shape and np.allclose(alt, y, atol=1e-12), c["name"]
        n = c["name"]
        lines.append(f"static const double ref_{n}_x[] = {arr(x)};")
        if w is not None:
            lines.append(f"static const double ref_{n}_w[] = {arr(w)};")
        lines.append(f"static const double ref_{n}_out[] = {arr(y)};")
        entries.append(
            "    {\"%s\", %d, %d, %s, %s, %s, %s, %s, %s, %d, %d, %s, %s, %s, ref_%s_x, %s, ref_%s_out},"
            % (n, KIND[c["kind"]], c["nsp"], ints(c["stride"], 3), ints(c["padding"], 3),
               ints(c["pad_hi"], 3), ints(c["dilation"], 3), ints(c["output_padding"], 3),
               ints(c["kernel"], 3), c["groups"], int(c["include_pad"]), ints(x.shape),
               ints(w.shape if w is not None else []), ints(y.shape), n,
               f"ref_{n}_w" if w is not None else "0", n))
    lines.append("")
    lines.append("static const conv_ref conv_refs[] = {")
    lines += entries
    lines.append("};")
    lines.append("#define CONV_REFS_COUNT ((int)(sizeof conv_refs / sizeof conv_refs[0]))")
    lines.append("")
    lines.append("#endif")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(CASES)} cases, {src})")


if __name__ == "__main__":
    sys.exit(main())
