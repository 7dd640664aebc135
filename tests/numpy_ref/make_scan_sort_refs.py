#!/usr/bin/env python3
"""Generate tests/numpy_ref/scan_sort_refs.h: NumPy's answers for the scan and
sort tests (tests/test_scan.c, tests/test_sort.c).

Each case is an input (values as float64, exactly representable in the
case's dtype, NaN / -0.0 / inf included), its dtype and shape, an op with
its parameters, and NumPy's result (values and shape) plus the dtype ax
documents (include/ax/scan.h, include/ax/sort.h). Where ax's convention
differs from NumPy's the script says so next to the case (logcumsumexp and
median of integers: float32 in ax, float64 in NumPy, so the values are
compared after rounding to float32). NumPy has no exclusive or reverse
scans; those references are built from NumPy's inclusive scan with np.flip
and a shifted-in identity. Partition references are NumPy's own partition
(the C test checks the partition property and NumPy's kth element, since
the order within each side is unspecified).

Run from the repository root: python3 tests/numpy_ref/make_scan_sort_refs.py
Needs NumPy 2.x only; seeded, so the output is reproducible.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_sort_refs.h")
AX = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
      "float16", "bfloat16", "float32", "float64", "complex64"]
np.seterr(invalid="ignore")
rng = np.random.default_rng(20261127)
lines = []
cases = []


def f64(v):
    v = float(v)
    if np.isnan(v):
        return "NAN"
    if np.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    if v == 0 and np.signbit(v):
        return "-0.0"
    return repr(v)


def arr(name, a):
    a = np.asarray(a, dtype=np.float64).ravel()
    body = ", ".join(f64(v) for v in a) if a.size else "0"
    lines.append(f"static const double {name}[] = {{{body}}};")


def shape_c(s):
    s = list(s)
    return "{" + ", ".join(str(int(d)) for d in (s or [0])) + "}"


def add(name, op, x, dtype, out, out_dtype, axis=0, p1=0, p2=0, v=None, sorter=None):
    """op: cumsum cumprod cummax cummin logcumsumexp sort argsort partition
    argpartition topk median searchsorted. axis: int or None (flattened /
    all axes). p1, p2: reverse/inclusive, kth, k, keepdims, side."""
    i = len(cases)
    x = np.asarray(x)
    out = np.asarray(out)
    arr(f"ssr_in_{i}", x)
    arr(f"ssr_out_{i}", out)
    vname, vshape, vnd = "NULL", [0], 0
    if v is not None:
        v = np.asarray(v)
        arr(f"ssr_v_{i}", v)
        vname, vshape, vnd = f"ssr_v_{i}", list(v.shape), v.ndim
    sname = "NULL"
    if sorter is not None:
        lines.append(f"static const int64_t ssr_sorter_{i}[] = {{{', '.join(str(int(s)) for s in sorter)}}};")
        sname = f"ssr_sorter_{i}"
    ax = "AX_AXIS_NONE" if axis is None else str(axis)
    cases.append(
        f'    {{"{name}", "{op}", AX_{dtype.upper()}, {ax}, {p1}, {p2}, {x.ndim}, {shape_c(x.shape)}, '
        f"ssr_in_{i}, {x.size}, {vname}, {vnd}, {shape_c(vshape)}, {sname}, "
        f"AX_{out_dtype.upper()}, {out.ndim}, {shape_c(out.shape)}, ssr_out_{i}, {out.size}}},")


def np_dtype(d):
    return np.dtype(d)


def scan_ref(fn, x, axis, reverse, inclusive, ident):
    xa = x if axis is not None else x.ravel()
    ax = 0 if axis is None else axis
    if reverse:
        xa = np.flip(xa, ax)
    r = fn(xa, ax)
    if not inclusive:
        r = np.concatenate([np.full_like(np.take(r, [0], ax), ident), np.delete(r, -1, ax)], ax) \
            if r.shape[ax] else r
    if reverse:
        r = np.flip(r, ax)
    return r


SCANS = {
    "cumsum": (lambda a, ax: np.cumsum(a, ax), 0),
    "cumprod": (lambda a, ax: np.cumprod(a, ax), 1),
    "cummax": (lambda a, ax: np.maximum.accumulate(a, ax), None),
    "cummin": (lambda a, ax: np.minimum.accumulate(a, ax), None),
    "logcumsumexp": (lambda a, ax: np.logaddexp.accumulate(a.astype(np.float64) if a.dtype.kind in "biu" else a, ax), -np.inf),
}


def ax_scan_dtype(op, d):
    if op in ("cumsum", "cumprod"):
        if d in ("bool", "int8", "int16", "int32"):
            return "int64"
        if d in ("uint8", "uint16", "uint32"):
            return "uint64"
        return d
    if op == "logcumsumexp":
        return d if d.startswith("float") else "float32"
    return d


def scan_case(name, op, x, d, axis, reverse=0, inclusive=1):
    fn, ident = SCANS[op]
    xd = np.asarray(x).astype(np_dtype(d))
    if ident is None:  # cummax/cummin identity: dtype's lowest/highest or -inf/+inf
        if xd.dtype.kind == "f":
            ident = -np.inf if op == "cummax" else np.inf
        elif xd.dtype.kind == "b":
            ident = op == "cummin"
        else:
            info = np.iinfo(xd.dtype)
            ident = info.min if op == "cummax" else info.max
    r = scan_ref(fn, xd, axis, reverse, inclusive, ident)
    od = ax_scan_dtype(op, d)
    if op in ("cumsum", "cumprod"):
        assert r.dtype == np_dtype(od), (name, r.dtype, od)  # NumPy's dtype rule is ax's
    add(name, op, xd, d, r, od, axis, reverse, inclusive)


# ---------------------------------------------------------------- scans
x23 = rng.integers(-5, 6, (2, 3)).astype(np.float64)
x345 = np.round(rng.standard_normal((3, 4, 5)) * 4, 1)
for op in SCANS:
    for d in ("float32", "float64"):
        for axis in (0, 1, -1, None):
            for rev in (0, 1):
                for inc in (1, 0):
                    if op == "cumprod":
                        src = np.round(rng.uniform(-2, 2, (3, 4)), 2)
                    else:
                        src = x345[:, :, 0].copy()
                    scan_case(f"{op}_{d}_ax{axis}_r{rev}_i{inc}", op, src, d, axis, rev, inc)
    scan_case(f"{op}_3d_axis1", op, x345, "float64", 1)
# dtype rules (NumPy's accumulation dtypes) and integer wrapping
for d in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
    src = rng.integers(0, 2, 12) if d == "bool" else rng.integers(0 if d[0] == "u" else -100, 100, 12)
    scan_case(f"cumsum_{d}", "cumsum", src.reshape(3, 4), d, 1)
    scan_case(f"cumprod_{d}", "cumprod", (src % 5 + (0 if d == "bool" else 1)).reshape(3, 4), d, 0)
    scan_case(f"cummax_{d}", "cummax", src.reshape(3, 4), d, 1, 0, 0)
    scan_case(f"cummin_{d}", "cummin", src.reshape(3, 4), d, 0, 1, 1)
scan_case("cumsum_int8_no_wrap", "cumsum", np.full(40, 100), "int8", 0)     # int64 accumulates: 4000
scan_case("cumsum_uint8_no_wrap", "cumsum", np.full(40, 250), "uint8", 0)   # uint64: 10000
scan_case("cumprod_int64_wraps", "cumprod", np.full(70, 3), "int64", 0)     # modulo 2^64
scan_case("cumsum_float16", "cumsum", np.linspace(-2, 2, 9), "float16", 0)
scan_case("logcumsumexp_int32", "logcumsumexp", np.arange(-3, 5), "int32", 0)  # float32 in ax
# NaN / inf propagation (np.maximum.accumulate propagates NaN)
special = np.array([1.0, np.nan, 3.0, -np.inf, np.inf, -2.0, 0.0, -0.0])
for op in SCANS:
    scan_case(f"{op}_special", op, special, "float64", 0)
    scan_case(f"{op}_special_reverse", op, special, "float32", 0, 1, 1)
scan_case("cummax_nan_first", "cummax", [np.nan, 1, 2], "float32", 0)
scan_case("cummin_nan_last", "cummin", [3, 1, np.nan], "float64", 0)
scan_case("logcumsumexp_all_neg_inf", "logcumsumexp", [-np.inf, -np.inf, 0, -np.inf], "float64", 0)
scan_case("logcumsumexp_big", "logcumsumexp", [1000, 1000, -1000, 999], "float64", 0)
scan_case("cumsum_empty_axis", "cumsum", np.zeros((2, 0)), "float32", 1)
scan_case("cumsum_scalar_flat", "cumsum", np.array(5.0), "float64", None)

# ---------------------------------------------------------------- sorting
sort_inputs = {
    "special": np.array([3.0, np.nan, -0.0, 1.0, -np.inf, 0.0, np.nan, 2.0, -0.0, np.inf, 1.0, 0.0]),
    "ties": rng.integers(-3, 4, 30).astype(np.float64),
    "normal": np.round(rng.standard_normal(64) * 100, 2),
}
for iname, x in sort_inputs.items():
    for d in ("float32", "float64", "float16"):
        xd = x.astype(d)
        add(f"sort_{iname}_{d}", "sort", xd, d, np.sort(xd, kind="stable"), d)
        add(f"argsort_{iname}_{d}", "argsort", xd, d, np.argsort(xd, kind="stable"), "int64")
for d in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"):
    info = np.iinfo(d) if d != "bool" else None
    if d == "bool":
        x = rng.integers(0, 2, 40).astype(bool)
    else:
        lo, hi = max(info.min, -2**52), min(info.max, 2**52)
        x = np.concatenate([rng.integers(lo, hi, 30, dtype=np.int64 if d != "uint64" else np.uint64),
                            [lo, hi, 0 if d[0] == "u" else -1, 1, 1]]).astype(d)
    add(f"sort_{d}", "sort", x, d, np.sort(x, kind="stable"), d)
    add(f"argsort_{d}", "argsort", x, d, np.argsort(x, kind="stable"), "int64")
m = rng.integers(-4, 5, (4, 5, 6)).astype(np.float32)
for axis in (0, 1, 2, -1, None):
    add(f"sort_3d_axis{axis}", "sort", m, "float32", np.sort(m, axis=axis, kind="stable"), "float32", axis)
    add(f"argsort_3d_axis{axis}", "argsort", m, "float32", np.argsort(m, axis=axis, kind="stable"),
        "int64", axis)
big = rng.integers(-50, 50, 3000).astype(np.float32)  # radix path (> insertion-sort cutoff)
big[::97] = np.nan
big[5::89] = -0.0
add("argsort_long_special", "argsort", big, "float32", np.argsort(big, kind="stable"), "int64")
add("sort_long_special", "sort", big, "float32", np.sort(big, kind="stable"), "float32")

# partition: NumPy's result; the test checks the property and the kth value
px = np.array([5.0, np.nan, 1.0, 3.0, -0.0, 3.0, 7.0, -2.0, np.nan, 0.0, 4.0, 3.0])
for kth in (0, 3, 5, 9, 11, -1, -4):
    for d in ("float32", "float64"):
        add(f"partition_k{kth}_{d}", "partition", px.astype(d), d, np.partition(px.astype(d), kth), d, 0, kth)
        add(f"argpartition_k{kth}_{d}", "argpartition", px.astype(d), d,
            np.argpartition(px.astype(d), kth), "int64", 0, kth)
pm = rng.integers(-20, 20, (5, 40)).astype(np.int32)
for axis, kth in ((1, 7), (0, 2), (-1, -1), (None, 100)):
    add(f"partition_2d_ax{axis}_k{kth}", "partition", pm, "int32", np.partition(pm, kth, axis=axis),
        "int32", axis, kth)
    add(f"argpartition_2d_ax{axis}_k{kth}", "argpartition", pm, "int32",
        np.argpartition(pm, kth, axis=axis), "int64", axis, kth)

# topk: k largest, descending (NaN largest)
tx = np.array([[4.0, np.nan, 1.0, 9.0, -3.0, 9.0], [0.5, 2.0, -np.inf, 7.0, 3.0, 1.0]])
for k in (0, 1, 3, 6):
    add(f"topk_k{k}", "topk", tx, "float64", np.flip(np.sort(tx, axis=1), axis=1)[:, :k], "float64", 1, k)
add("topk_axis0", "topk", tx, "float32", np.flip(np.sort(tx.astype(np.float32), axis=0), axis=0)[:1],
    "float32", 0, 1)
ti = rng.integers(-100, 100, (3, 50)).astype(np.int16)
add("topk_int16_flat", "topk", ti, "int16", np.flip(np.sort(ti.ravel()))[:7], "int16", None, 7)

# median
mx = np.round(rng.standard_normal((4, 5, 6)) * 10, 1)
for axis in (0, 1, 2, None, (0, 2)):
    for keep in (0, 1):
        r = np.median(mx, axis=axis, keepdims=bool(keep))
        aname = "none" if axis is None else ("_".join(map(str, axis)) if isinstance(axis, tuple) else str(axis))
        add(f"median_ax{aname}_k{keep}", "median", mx, "float64", r, "float64",
            axis if not isinstance(axis, tuple) else 100 + axis[0] * 10 + axis[1], keep)
mn = mx.copy()
mn[1, 2, 3] = np.nan
add("median_nan", "median", mn, "float32", np.median(mn.astype(np.float32), axis=2), "float32", 2, 0)
add("median_nan_all", "median", mn, "float64", np.median(mn), "float64", None, 0)
mi = rng.integers(-9, 10, (3, 8)).astype(np.int32)
add("median_int32_even", "median", mi, "int32", np.median(mi, axis=1), "float32", 1, 0)  # ax: float32
add("median_int32_odd", "median", mi, "int32", np.median(mi, axis=0), "float32", 0, 0)
add("median_float16", "median", mx[0].astype(np.float16), "float16",
    np.median(mx[0].astype(np.float16), axis=1), "float16", 1, 0)

# searchsorted
sa = np.array([-np.inf, -1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.5, np.inf, np.nan, np.nan])
sv = np.array([[-5.0, -1.0, -0.0, 0.5], [1.0, 3.0, np.inf, np.nan]])
for side in (0, 1):
    sname = "right" if side else "left"
    for d in ("float32", "float64"):
        add(f"searchsorted_{sname}_{d}", "searchsorted", sa.astype(d), d,
            np.searchsorted(sa.astype(d), sv.astype(d), side=sname), "int64", 0, side, v=sv.astype(d))
    ia = np.array([-7, -7, 0, 3, 3, 3, 9, 12], np.int64)
    iv = np.array([-8, -7, 0, 2, 3, 12, 13], np.int64)
    add(f"searchsorted_{sname}_int64", "searchsorted", ia, "int64",
        np.searchsorted(ia, iv, side=sname), "int64", 0, side, v=iv)
    ua = rng.permutation(np.array([1, 5, 5, 9, 200, 3, 0], np.uint8))
    srt = np.argsort(ua, kind="stable")
    uv = np.array([0, 4, 5, 10, 255], np.uint8)
    add(f"searchsorted_{sname}_sorter_uint8", "searchsorted", ua, "uint8",
        np.searchsorted(ua, uv, side=sname, sorter=srt), "int64", 0, side, v=uv, sorter=srt)
add("searchsorted_scalar_value", "searchsorted", ia, "int64", np.searchsorted(ia, np.int64(3)),
    "int64", 0, 0, v=np.array(3, np.int64))
add("searchsorted_empty_a", "searchsorted", np.zeros(0), "float32",
    np.searchsorted(np.zeros(0, np.float32), np.array([1.0, -1.0], np.float32)), "int64", 0, 0,
    v=np.array([1.0, -1.0]))

header = f"""/* GENERATED by tests/numpy_ref/make_scan_sort_refs.py with NumPy {np.__version__} -- do not edit.
 * Regenerate: python3 tests/numpy_ref/make_scan_sort_refs.py */
#ifndef AX_SCAN_SORT_REFS_H
#define AX_SCAN_SORT_REFS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* axis: an axis, AX_AXIS_NONE, or (median) 100 + 10 * a + b for the pair (a, b).
 * p1, p2: scans: reverse, inclusive; partition: kth; topk: k; median:
 * keepdims; searchsorted: side (1 = right). */
typedef struct ssr_case {{
    const char *name, *op;
    int dtype, axis, p1, p2;
    int ndim;
    int64_t shape[4];
    const double *in;
    int64_t in_size;
    const double *v; /* searchsorted values */
    int v_ndim;
    int64_t v_shape[4];
    const int64_t *sorter;
    int out_dtype, out_ndim;
    int64_t out_shape[4];
    const double *out;
    int64_t out_size;
}} ssr_case;
"""
with open(OUT, "w") as f:
    f.write(header)
    f.write("\n".join(lines) + "\n\n")
    f.write("static const ssr_case ssr_cases[] = {\n" + "\n".join(cases) + "\n};\n")
    f.write(f"#define SSR_NCASES {len(cases)}\n#endif\n")
print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")
