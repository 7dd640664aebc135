#!/usr/bin/env python3
"""Generate tests/numpy_ref/extra_refs.h: NumPy's answers for the einsum and
extra-ops tests (tests/test_einsum.c, tests/test_extra_ops.c).

Inputs are rebuilt exactly on the C side: operand k of a case has element i
(row-major) equal to gen(k, i) = ((7 i + 13 k) mod 19 - 9) / 8, a multiple
of 1/8, so every product and sum below is exact in float64 and the C test
can demand agreement to a few ulps. Integer cases use gen * 8 (int32).

Emitted:
  - einsum cases: subscripts, operand shapes, NumPy's result (einsum with
    optimize=False, a different code path from the one whose path is
    recorded) and numpy.einsum_path(optimize='greedy') (path, naive and
    optimized FLOP counts, optimized scaling, largest intermediate); a few
    cases also carry the 'optimal' path;
  - windows (hanning, hamming, blackman, bartlett, kaiser) for several M;
  - i0 at a few points (and i1: scipy.special.i1 when importable, else a
    high-precision power series), kron of two small arrays.

Run from the repository root:  python3 tests/numpy_ref/make_extra_refs.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra_refs.h")


def gen(k, shape, dtype=np.float64):
    n = int(np.prod(shape))
    i = np.arange(n)
    v = ((7 * i + 13 * k) % 19 - 9) / 8.0
    if dtype == np.int32:
        v = v * 8
    return v.astype(dtype).reshape(shape)


# (subscripts, shapes, dtype, also record the optimal path)
CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)], "f64", False),
    ("ij,jk", [(3, 4), (4, 5)], "f64", False),
    ("ij->ji", [(3, 4)], "f64", False),
    ("ij", [(3, 4)], "f64", False),
    ("ji", [(3, 4)], "f64", False),
    ("ii->i", [(4, 4)], "f64", False),
    ("ii", [(4, 4)], "f64", False),
    ("iji->j", [(3, 2, 3)], "f64", False),
    ("iii->i", [(3, 3, 3)], "f64", False),
    ("ij->", [(3, 4)], "f64", False),
    ("ij->i", [(3, 4)], "f64", False),
    ("ij->j", [(3, 4)], "f64", False),
    ("i,i->", [(5,), (5,)], "f64", False),
    ("i,i", [(5,), (5,)], "f64", False),
    ("i,j->ij", [(3,), (4,)], "f64", False),
    ("i,j", [(3,), (4,)], "f64", False),
    ("ij,ij->ij", [(3, 4), (3, 4)], "f64", False),
    ("ij,ij->", [(3, 4), (3, 4)], "f64", False),
    ("ij,ji->", [(3, 4), (4, 3)], "f64", False),
    ("ij,i->j", [(3, 4), (3,)], "f64", False),
    ("ij,j->i", [(3, 4), (4,)], "f64", False),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], "f64", False),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)], "f64", False),
    ("bhqk,bhkd->bhqd", [(2, 3, 4, 6), (2, 3, 6, 5)], "f64", False),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)], "f64", False),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)], "f64", False),
    ("i...->...", [(3, 2, 4)], "f64", False),
    ("...i->...", [(2, 3, 4)], "f64", False),
    ("...,...", [(2, 3), (3,)], "f64", False),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)], "f64", False),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 1)], "f64", False),
    ("i,i", [(1,), (4,)], "f64", False),
    ("ij,jk", [(2, 1), (3, 4)], "f64", False),
    ("ijk,jil->kl", [(3, 4, 5), (4, 3, 2)], "f64", False),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 6)], "f64", True),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 6)], "f64", True),
    ("ij,jk,kl->il", [(10, 2), (2, 10), (10, 3)], "f64", True),
    ("ea,fb,abcd,gc,hd->efgh", [(5, 3), (5, 3), (3, 3, 3, 3), (5, 3), (5, 3)], "f64", True),
    ("ab,bc,cd,de,ef->af", [(4, 8), (8, 2), (2, 9), (9, 3), (3, 5)], "f64", True),
    ("i,j,k->ijk", [(2,), (3,), (4,)], "f64", False),
    ("ij,jk,ki->", [(3, 4), (4, 5), (5, 3)], "f64", True),
    ("Ab,bC->AC", [(3, 4), (4, 2)], "f64", False),
    ("aB,Bc", [(3, 4), (4, 2)], "f64", False),
    ("ii,ij->j", [(3, 3), (3, 4)], "f64", False),
    (",ij->ij", [(), (2, 3)], "f64", False),
    ("->", [()], "f64", False),
    ("ij,jk->ik", [(3, 4), (4, 5)], "i32", False),
    ("i,i->", [(6,), (6,)], "i32", False),
    ("ii->", [(4, 4)], "i32", False),
    ("a,b,c,abc->", [(3,), (4,), (5,), (3, 4, 5)], "f64", True),
    ("ab,cd,ac,bd->", [(2, 3), (4, 5), (2, 4), (3, 5)], "f64", True),
    ("...a,...a->...", [(2, 1, 3), (4, 3)], "f64", False),
    ("i...j,j...k", [(2, 3, 4), (4, 3, 5)], "f64", False),
    ("aab,bc", [(3, 3, 4), (4, 2)], "f64", False),
    ("ijk,ikl,ilm->jm", [(2, 3, 4), (2, 4, 5), (2, 5, 3)], "f64", True),
    ("abcd,dcba->", [(2, 3, 4, 5), (5, 4, 3, 2)], "f64", False),
    ("Zz,zZ->", [(2, 3), (3, 2)], "f64", False),
    ("ijk,ikl->ijl", [(2, 0, 3), (2, 3, 4)], "f64", False),
    ("ij,jk->ik", [(3, 0), (0, 4)], "f64", False),
]

lines = []
outs = []
cases = []
for subs, shapes, dt, opt in CASES:
    dtype = np.int32 if dt == "i32" else np.float64
    ops = [gen(k, s, dtype) for k, s in enumerate(shapes)]
    res = np.asarray(np.einsum(subs, *ops, optimize=False))
    assert res.dtype == dtype, (subs, res.dtype)
    path, _ = np.einsum_path(subs, *ops, optimize="greedy")
    _, rep = np.einsum_path(subs, *ops, optimize="greedy")
    vals = {}
    for line in rep.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            vals[k.strip()] = v.strip()
    naive = float(vals["Naive FLOP count"])
    optf = float(vals["Optimized FLOP count"])
    scal = int(vals["Optimized scaling"])
    largest = float(vals["Largest intermediate"].split()[0])
    steps = path[1:]
    opt_steps = np.einsum_path(subs, *ops, optimize="optimal")[0][1:] if opt else None
    cases.append((subs, shapes, dt, res, steps, naive, optf, scal, largest, opt_steps))


def shape_c(s):
    return "{" + ", ".join(str(x) for x in s) + "}" if len(s) else "{0}"


def steps_c(steps):
    if steps is None:
        return "0, {{0}}, {0}"
    lens = ", ".join(str(len(s)) for s in steps)
    pos = ", ".join("{" + ", ".join(str(x) for x in s) + "}" for s in steps)
    return f"{len(steps)}, {{{pos}}}, {{{lens}}}"


lines.append("/* Generated by tests/numpy_ref/make_extra_refs.py with NumPy %s; do not edit. */" % np.__version__)
lines.append("#ifndef AX_EXTRA_REFS_H")
lines.append("#define AX_EXTRA_REFS_H")
lines.append("#include <stdint.h>")
lines.append("")
lines.append("typedef struct einsum_ref {")
lines.append("    const char *subs;")
lines.append("    int n, is_int;")
lines.append("    int ndim[5];")
lines.append("    int64_t shape[5][4];")
lines.append("    int out_ndim;")
lines.append("    int64_t out_shape[4];")
lines.append("    int64_t out_off, out_size; /* into einsum_ref_values */")
lines.append("    int nsteps; int steps[4][5]; int step_len[4]; /* greedy path */")
lines.append("    double naive_flops, opt_flops; int opt_scaling; double largest;")
lines.append("    int opt_nsteps; int opt_steps[4][5]; int opt_step_len[4]; /* optimal path (0 steps: not recorded) */")
lines.append("} einsum_ref;")
lines.append("")
values = []
entries = []
for subs, shapes, dt, res, steps, naive, optf, scal, largest, opt_steps in cases:
    off = len(values)
    values.extend(res.ravel().tolist())
    nd = ", ".join(str(len(s)) for s in shapes)
    sh = ", ".join(shape_c(s) for s in shapes)
    entries.append(
        f'    {{"{subs}", {len(shapes)}, {1 if dt == "i32" else 0}, {{{nd}}}, {{{sh}}}, {res.ndim}, '
        f"{shape_c(res.shape)}, {off}, {res.size}, {steps_c(steps)}, {naive!r}, {optf!r}, {scal}, "
        f"{largest!r}, {steps_c(opt_steps)}}},"
    )
lines.append("static const double einsum_ref_values[] = {")
for i in range(0, len(values), 6):
    lines.append("    " + ", ".join(repr(float(v)) for v in values[i:i + 6]) + ",")
lines.append("    0};")
lines.append("static const einsum_ref einsum_refs[] = {")
lines.extend(entries)
lines.append("};")
lines.append("#define N_EINSUM_REFS %d" % len(entries))
lines.append("")

# windows
WM = [0, 1, 2, 5, 12, 51]
lines.append("/* windows: kind (0 hanning, 1 hamming, 2 blackman, 3 bartlett, 4 kaiser), M, beta, offset */")
lines.append("typedef struct window_ref { int kind; int64_t m; double beta; int64_t off; } window_ref;")
wvals = []
wents = []
for kind, fn in enumerate([np.hanning, np.hamming, np.blackman, np.bartlett]):
    for m in WM:
        w = fn(m)
        wents.append(f"    {{{kind}, {m}, 0.0, {len(wvals)}}},")
        wvals.extend(w.tolist())
for m, beta in [(0, 5.0), (1, 5.0), (2, 3.0), (7, 0.0), (12, 14.0), (51, 8.6), (16, 30.0)]:
    w = np.kaiser(m, beta)
    wents.append(f"    {{4, {m}, {beta!r}, {len(wvals)}}},")
    wvals.extend(w.tolist())
lines.append("static const double window_ref_values[] = {")
for i in range(0, len(wvals), 4):
    lines.append("    " + ", ".join(repr(float(v)) for v in wvals[i:i + 4]) + ",")
lines.append("    0};")
lines.append("static const window_ref window_refs[] = {")
lines.extend(wents)
lines.append("};")
lines.append("#define N_WINDOW_REFS %d" % len(wents))
lines.append("")

# i0
xs = [0.0, 1e-3, 0.5, -1.0, 2.5, 7.99, 8.0, 8.01, -12.5, 30.0, 100.0, 700.0]
lines.append("static const double i0_ref_x[] = {" + ", ".join(repr(x) for x in xs) + "};")
lines.append("static const double i0_ref_y[] = {" + ", ".join(repr(float(np.i0(x))) for x in xs) + "};")
lines.append("#define N_I0_REFS %d" % len(xs))
lines.append("")

# i1: scipy.special.i1 when importable; otherwise (and as a cross-check when
# scipy is there) the power series sum (x/2)^(2k+1) / (k! (k+1)!) summed in
# 60-digit decimal arithmetic.
def i1_series(x):
    from decimal import Decimal, getcontext
    getcontext().prec = 60
    h = Decimal(repr(x)) / 2
    term = h
    total = term
    k = 0
    while True:
        k += 1
        term = term * h * h / (k * (k + 1))
        total += term
        if term == 0 or abs(term) < abs(total) * Decimal("1e-40"):
            break
    return float(total)


x1 = [0.0, 1e-3, -0.5, 1.0, 2.5, -7.99, 8.0, 8.01, 12.5, -30.0, 100.0, 700.0]
try:
    from scipy.special import i1 as sp_i1

    y1 = [float(sp_i1(x)) for x in x1]
    for x, y in zip(x1, y1):
        s = i1_series(x)
        assert abs(y - s) <= 4e-15 * abs(s), (x, y, s)
    i1_source = "scipy.special.i1"
except ImportError:
    y1 = [i1_series(x) for x in x1]
    i1_source = "a 60-digit power series"
lines.append("/* i1 references from %s */" % i1_source)
lines.append("static const double i1_ref_x[] = {" + ", ".join(repr(x) for x in x1) + "};")
lines.append("static const double i1_ref_y[] = {" + ", ".join(repr(y) for y in y1) + "};")
lines.append("#define N_I1_REFS %d" % len(x1))
lines.append("")

# kron: a = gen(0, (2, 3)), b = gen(1, (3, 2)); and a 1-D with a 2-D
ka, kb = gen(0, (2, 3)), gen(1, (3, 2))
k1 = np.kron(ka, kb)
kc, kd = gen(0, (3,)), gen(1, (2, 2))
k2 = np.kron(kc, kd)
lines.append("/* kron(gen(0, (2, 3)), gen(1, (3, 2))) and kron(gen(0, (3,)), gen(1, (2, 2))) */")
lines.append("static const double kron_ref1[] = {" + ", ".join(repr(float(v)) for v in k1.ravel()) + "};")
lines.append("static const int64_t kron_ref1_shape[] = {%d, %d};" % k1.shape)
lines.append("static const double kron_ref2[] = {" + ", ".join(repr(float(v)) for v in k2.ravel()) + "};")
lines.append("static const int64_t kron_ref2_shape[] = {%d, %d};" % k2.shape)
lines.append("")
lines.append("#endif")

with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote", OUT, os.path.getsize(OUT), "bytes")
