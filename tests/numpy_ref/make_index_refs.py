#!/usr/bin/env python3
"""Generate tests/numpy_ref/index_refs.h: NumPy's answers for the shape and
indexing tests (tests/test_shape.c, tests/test_index.c).

Every input is A(shape) = arange(prod(shape)).reshape(shape) (float64), or a
view of one, so the C tests rebuild them exactly. Index arrays and update
values are emitted too, so the C side never retypes them. For results that
NumPy returns as views, the strides (in elements) are emitted and the tests
check that ax gives a view with the same strides.

Run from the repository root:  python3 tests/numpy_ref/make_index_refs.py
"""
import os
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "index_refs.h")


def A(*shape):
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


lines = []


def c_list(vals, fmt):
    vals = list(vals)
    if not vals:
        return "{0}"
    return "{" + ", ".join(fmt(v) for v in vals) + "}"


def f64(v):
    return repr(float(v)) if np.isfinite(v) else ("NAN" if np.isnan(v) else ("INFINITY" if v > 0 else "-INFINITY"))


def emit(name, arr, base=None):
    """A result: shape, values (row-major doubles), strides if it is a view."""
    arr = np.asarray(arr)
    view = base is not None and np.shares_memory(arr, base)
    st = [s // arr.itemsize for s in arr.strides] if view else [0] * arr.ndim
    lines.append(f"static const double ref_{name}_v[] = {c_list(arr.ravel(), f64)};")
    lines.append(
        f"static const ref_result ref_{name} = {{{arr.ndim}, {c_list(arr.shape, str)}, "
        f"{int(view)}, {c_list(st, str)}, {arr.size}, ref_{name}_v}};")


def emit_in(name, arr):
    """An input array that is not a plain arange (float64 values)."""
    arr = np.asarray(arr, dtype=np.float64)
    lines.append(f"static const double ref_in_{name}_v[] = {c_list(arr.ravel(), f64)};")
    lines.append(f"static const int64_t ref_in_{name}_shape[] = {c_list(arr.shape, str)};")
    lines.append(f"enum {{ ref_in_{name}_ndim = {arr.ndim} }};")
    return arr


def emit_idx(name, idx):
    idx = np.asarray(idx, dtype=np.int64)
    lines.append(f"static const int64_t ref_{name}_i[] = {c_list(idx.ravel(), str)};")
    lines.append(f"static const int64_t ref_{name}_ishape[] = {c_list(idx.shape, str)};")
    lines.append(f"enum {{ ref_{name}_indim = {idx.ndim} }};")


# ---------------------------------------------------------------- views
b = A(4, 6)
a = b[:, ::2]                             # strides (6, 2): reshape without a copy
emit("reshape_nocopy", a.reshape(2, 2, 3), b)
emit("reshape_copy", A(3, 4).T.reshape(2, 6))
emit("reshape_infer", A(2, 3, 4).reshape(-1, 4)[::-1].reshape(3, -1))
# reshapes of strided layouts: view or copy as NumPy decides
b = A(6, 4)
emit("reshape_cols", b[:, 1:3].reshape(3, 2, 2), b)
b = A(2, 1, 3, 4)
emit("reshape_negstep", b[:, :, :, ::-1].reshape(2, 3, 2, 2), b)
b = A(4, 6)
emit("reshape_flat_strided", b[:, ::2].reshape(12), b)
b = A(3, 4, 5)
emit("reshape_T_split", b.transpose(2, 0, 1).reshape(5, 3, 2, 2), b)
emit("reshape_T_merge", b.transpose(1, 2, 0).reshape(20, 3), b)
b = A(3, 4)
emit("reshape_bcast", np.broadcast_to(b[:, None, :], (3, 5, 4)).reshape(3, 5, 2, 2), b)
x = A(2, 3, 4)
emit("transpose_201", x.transpose(2, 0, 1), x)
emit("moveaxis_0_last", np.moveaxis(x, 0, -1), x)
emit("swapaxes_0_2", np.swapaxes(x, 0, 2), x)
emit("transpose_rev", x.T, x)
y = A(3, 1)
emit("broadcast_3x1", np.broadcast_to(y, (2, 3, 4)), y)
x = A(5, 6)
emit("slice_neg", x[4:0:-2, ::-3], x)
emit("slice_clamp", x[-100:100:3, 1:-1], x)
emit("slice_empty", A(7)[5:2])
emit("slice_rev", A(7)[::-1], A(7))
s1 = x[::-1, 1::2]
emit("slice_of_slice", s1[1:, ::-1], x)   # a view of a view
x = A(3, 4)
emit("flip_1", np.flip(x, axis=1), x)
emit("flip_all", np.flip(x), x)
x = A(3, 4, 5)
emit("diag_p1_20", np.diagonal(x, 1, 2, 0), x)
emit("diag_m1_01", np.diagonal(x, -1, 0, 1), x)
emit("diag_big", np.diagonal(x, 7, 0, 1))
emit("squeeze", np.squeeze(A(1, 3, 1, 2), axis=(0, 2)), None)
emit("expand", np.expand_dims(A(3, 2), (0, 3)), None)
emit("as_strided_win", np.lib.stride_tricks.as_strided(A(10), (4, 3), (16, 8)), None)
emit("flatten_12", A(2, 3, 4, 5).reshape(2, 60, 1)[:, ::2].reshape(2, 30), None)

# ---------------------------------------------------------------- data movement
emit("trace_p1", np.trace(A(4, 4), 1))
emit("trace_m2_3d", np.trace(A(3, 4, 5), -2, 2, 1))
x = A(3, 4, 5)
emit("tril_k1", np.tril(x, 1))
emit("triu_km2", np.triu(x, -2))
emit("tril_T", np.tril(A(4, 3).T, 0))
x = A(2, 3)
emit("pad_const", np.pad(x, ((1, 2), (0, 3)), mode="constant", constant_values=7))
emit("pad_edge", np.pad(x, ((2, 1), (1, 1)), mode="edge"))
emit("pad_reflect_big", np.pad(x, ((5, 4), (7, 6)), mode="reflect"))
emit("pad_reflect_strided", np.pad(A(3, 4)[:, ::-2], ((2, 2), (1, 3)), mode="reflect"))
emit("pad_reflect_one", np.pad(A(1, 3), ((2, 1), (0, 0)), mode="reflect"))
emit("concat_1", np.concatenate([A(2, 3), emit_in("c100", A(2, 1) + 100), A(2, 0)], axis=1))
emit("concat_T", np.concatenate([A(3, 2).T, A(4, 3)[::2]], axis=0))
p10 = emit_in("p10", A(2, 3) + 10)
p20 = emit_in("p20", A(2, 3) + 20)
emit("stack_1", np.stack([A(2, 3), p10], axis=1))
emit("stack_last", np.stack([A(2, 3), p10, p20], axis=-1))
for i, piece in enumerate(np.split(A(7), [2, 5])):
    emit(f"split_at_{i}", piece)
for i, piece in enumerate(np.split(A(7, 2), [5, 2, 9])):
    emit(f"split_odd_{i}", piece)
for i, piece in enumerate(np.split(A(2, 6), 3, axis=1)):
    emit(f"split3_{i}", piece)
emit("tile_212", np.tile(A(2, 3), (2, 1, 2)))
emit("tile_short", np.tile(A(2, 3), (3,)))
emit("tile_T", np.tile(A(3, 2).T, (2, 2)))
emit("repeat_ax1", np.repeat(A(2, 3), 2, axis=1))
emit("repeat_none", np.repeat(A(2, 3), 3))
emit("repeat_T", np.repeat(A(3, 2).T, 2, axis=0))
emit("roll_2ax", np.roll(A(3, 4), (1, -5), axis=(0, 1)))
emit("roll_flat", np.roll(A(3, 4), 5))
emit("roll_rep", np.roll(A(3, 4), (2, 3), axis=(1, 1)))
emit("roll_T", np.roll(A(4, 3).T, -1, axis=1))

# ---------------------------------------------------------------- indexing
x = A(4, 3)
emit_idx("take0", [[3, -1], [0, 1]])
emit("take0", np.take(x, np.array([[3, -1], [0, 1]]), axis=0))
emit_idx("take1", [2, -3, 0, 2])
emit("take1", np.take(x, [2, -3, 0, 2], axis=1))
emit_idx("take_none", [11, -12, 5])
emit("take_none", np.take(x, [11, -12, 5]))
emit("take_T", np.take(A(3, 4).T[::-1], np.array([[3, -1], [0, 1]]), axis=0))
x = A(3, 4)
ti = np.array([[3, 0], [-1, 1], [2, 2]])
emit_idx("tal1", ti)
emit("tal1", np.take_along_axis(x, ti, axis=1))
ti0 = np.array([[2], [-3]])
emit_idx("tal0b", ti0)
emit("tal0b", np.take_along_axis(x, ti0, axis=0))
pi = np.array([[0, 0], [3, -1], [1, 2]])
emit_idx("pal1", pi)
pv = emit_in("pv", 100 + A(3, 2))
r = x.copy()
np.put_along_axis(r, pi, pv, axis=1)     # row 0 writes index 0 twice: the last wins
emit("pal1", r)
r = x.copy()
np.put_along_axis(r, np.array([[1, 2, 0, -1]]), -5.0, axis=0)
emit_idx("pal0", [[1, 2, 0, -1]])
emit("pal0", r)

x = A(5, 3)
si = np.array([0, 2, 0, 4, -1])
emit_idx("sc0", si)
su = emit_in("su", 10 + A(5, 1, 3))
for mode, fn in (("add", np.add), ("prod", np.multiply), ("max", np.maximum),
                 ("min", np.minimum)):
    r = x.copy()
    fn.at(r, si, su.reshape(5, 3))
    emit(f"sc0_{mode}", r)
r = x.copy()
for k in range(len(si)):                  # assign: the last write wins
    r[si[k]] = su[k, 0]
emit("sc0_assign", r)
x = A(4, 5)
i0 = np.array([1, 1, 3, -4])
i1 = np.array([2, 2, -1, 0])
emit_idx("sc2_i0", i0)
emit_idx("sc2_i1", i1)
r = x.copy()
np.add.at(r, (i0, i1), emit_in("u1234", [1.0, 2.0, 3.0, 4.0]))
emit("sc2_add", r)
# scatter of 2-wide slices along axis 1 at (i0, i1'): updates (4, 1, 2)
j1 = np.array([0, 3, 1, 3])
emit_idx("sc2s_i1", j1)
r = x.copy()
u = emit_in("u2", 100 + A(4, 1, 2))
for k in range(4):
    r[i0[k], j1[k]:j1[k] + 2] += u[k, 0]
emit("sc2s_add", r)

x = A(4, 5, 6)
g0 = np.array([[1], [3]])
g2 = np.array([0, 5, -1])
emit_idx("g_i0", g0)
emit_idx("g_i2", g2)
B = np.broadcast_shapes(g0.shape, g2.shape)
G0, G2 = np.broadcast_to(g0, B), np.broadcast_to(g2, B)
res = np.empty(B + (1, 2, 1))
for bi in np.ndindex(*B):
    res[bi] = x[G0[bi]:G0[bi] + 1, 1 - 1:2, G2[bi] % 6:G2[bi] % 6 + 1]
emit("gather_02", res)
res = np.empty((3,) + (1, 5, 6))
for k, v in enumerate([2, -1, 0]):
    res[k] = x[v:v + 1] if v != -1 else x[3:4]
emit_idx("g_take", [2, -1, 0])
emit("gather_take", res)

x = A(4, 5)
r = x.copy()
r[1:4:2, ::-2] = emit_in("sun", -(1 + A(2, 3)))
emit("su_neg", r)
r = x.copy()
r[-2:, 1:3] = emit_in("su78", [7.0, 8.0])
emit("su_bcast", r)
r = x.copy()
r[3:1, :] = 5
emit("su_empty", r)

with open(OUT, "w") as f:
    f.write("/* Generated by tests/numpy_ref/make_index_refs.py with NumPy "
            f"{np.__version__}; do not edit. */\n")
    f.write("#ifndef AX_INDEX_REFS_H\n#define AX_INDEX_REFS_H\n#include <math.h>\n#include <stdint.h>\n\n")
    f.write("typedef struct ref_result {\n    int ndim;\n    int64_t shape[8];\n"
            "    int is_view; /* NumPy returns a view: strides (elements) below */\n"
            "    int64_t strides[8];\n    int64_t size;\n    const double *v;\n} ref_result;\n\n")
    f.write("\n".join(lines))
    f.write("\n\n#endif\n")
print("wrote", OUT)
