#!/usr/bin/env python3
"""Generate tests/numpy_ref/linalg_refs.h: NumPy's (and, where importable,
SciPy's) answers for tests/test_linalg.c.

Inputs are drawn here from a seeded generator and emitted with the results,
so the C tests need no random-number agreement. Factorizations that are
unique (Cholesky, LU with partial pivoting, QR with LAPACK's Householder
sign convention, eigenvalues, singular values) are emitted as is; for the
others (SVD vectors, eigenvectors) the C tests check properties instead.
Results that need SciPy (lu, lu_factor, solve_triangular) are skipped with
a note when SciPy is missing; CI only compiles the committed header.

Run from the repository root:  python3 tests/numpy_ref/make_linalg_refs.py
"""
import os
import warnings

import numpy as np

warnings.simplefilter("ignore", DeprecationWarning)  # np.cross of 2-vectors
np.seterr(divide="ignore")  # norm order -1 of a vector with zeros

try:
    import scipy
    import scipy.linalg as sla
except ImportError:  # pragma: no cover
    scipy = None
    sla = None

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linalg_refs.h")
rng = np.random.default_rng(20261127)
lines = []


def f64(v):
    v = float(v)
    if np.isnan(v):
        return "NAN"
    if np.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def emit(name, arr):
    arr = np.asarray(arr, dtype=np.float64)
    vals = ", ".join(f64(v) for v in arr.ravel()) if arr.size else "0"
    shape = ", ".join(str(s) for s in arr.shape) if arr.ndim else "0"
    lines.append(f"static const double lref_{name}_v[] = {{{vals}}};")
    lines.append(f"static const lref lref_{name} = {{{arr.ndim}, {{{shape}}}, {arr.size}, lref_{name}_v}};")
    return arr


# ---------------------------------------------------------------- inputs
A4 = emit("A4", rng.standard_normal((4, 4)))
B42 = emit("B42", rng.standard_normal((4, 2)))
b4 = emit("b4", rng.standard_normal(4))
Ab = emit("Ab", rng.standard_normal((2, 3, 3)))
Bb = emit("Bb", rng.standard_normal((3, 2)))
A53 = emit("A53", rng.standard_normal((5, 3)))
A35 = emit("A35", rng.standard_normal((3, 5)))
M = rng.standard_normal((4, 4))
SPD4 = emit("SPD4", M @ M.T + 4 * np.eye(4))
SING = emit("SING", np.array([[1.0, 2.0], [2.0, 4.0]]))
R53 = emit("R53", rng.standard_normal((5, 2)) @ rng.standard_normal((2, 3)))  # rank 2
x7 = emit("x7", np.array([1.5, -2.0, 0.0, 3.25, -0.5, 0.0, 4.0]))
T234 = emit("T234", rng.standard_normal((2, 3, 4)))
c43a = emit("c43a", rng.standard_normal((4, 3)))
c43b = emit("c43b", rng.standard_normal((4, 3)))
c2a = emit("c2a", rng.standard_normal((3, 2)))
c3b = emit("c3b", rng.standard_normal((3, 3)))
c2b = emit("c2b", c3b[:, :2].copy())
c34a = emit("c34a", rng.standard_normal((3, 4)))
c34b = emit("c34b", rng.standard_normal((3, 4)))

# ---------------------------------------------------------------- results
emit("det_A4", np.linalg.det(A4))
emit("det_Ab", np.linalg.det(Ab))
emit("det_SING", np.linalg.det(SING))
s, l = np.linalg.slogdet(A4)
emit("slogdet_A4_sign", s)
emit("slogdet_A4_log", l)
s, l = np.linalg.slogdet(Ab)
emit("slogdet_Ab_sign", s)
emit("slogdet_Ab_log", l)
s, l = np.linalg.slogdet(SING)
emit("slogdet_SING_sign", s)
emit("slogdet_SING_log", l)
emit("inv_A4", np.linalg.inv(A4))
emit("inv_Ab", np.linalg.inv(Ab))
emit("solve_A4_b4", np.linalg.solve(A4, b4))
emit("solve_A4_B42", np.linalg.solve(A4, B42))
emit("solve_Ab_Bb", np.linalg.solve(Ab, Bb))  # (2,3,3) with (3,2): b broadcast
emit("cholesky_SPD4", np.linalg.cholesky(SPD4))
emit("cholesky_SPD4_upper", np.linalg.cholesky(SPD4, upper=True))
emit("cholesky_inv_SPD4", np.linalg.inv(SPD4))
q, r = np.linalg.qr(A53)
emit("qr_A53_q", q)
emit("qr_A53_r", r)
q, r = np.linalg.qr(A53, mode="complete")
emit("qr_A53_qc", q)
emit("qr_A53_rc", r)
q, r = np.linalg.qr(A35)
emit("qr_A35_q", q)
emit("qr_A35_r", r)
emit("svdvals_A53", np.linalg.svd(A53, compute_uv=False))
emit("svdvals_A35", np.linalg.svd(A35, compute_uv=False))
emit("svdvals_R53", np.linalg.svd(R53, compute_uv=False))
emit("eigvalsh_SPD4", np.linalg.eigvalsh(SPD4))
emit("eigvalsh_A4_U", np.linalg.eigvalsh(A4, UPLO="U"))
emit("eigvalsh_A4_L", np.linalg.eigvalsh(A4, UPLO="L"))
w = np.linalg.eigvals(A4)
w = w[np.lexsort((w.imag, w.real))]
emit("eigvals_A4_re", w.real)
emit("eigvals_A4_im", w.imag)
emit("pinv_A53", np.linalg.pinv(A53))
emit("pinv_R53", np.linalg.pinv(R53))
emit("pinv_A35", np.linalg.pinv(A35))

# norms: vector orders of x7 (axes NULL, 1-D input)
for tag, o in [("none", None), ("2", 2), ("1", 1), ("inf", np.inf), ("ninf", -np.inf), ("0", 0),
               ("3", 3), ("half", 0.5), ("m1", -1)]:
    emit(f"norm_x7_{tag}", np.linalg.norm(x7, o))
for tag, o in [("none", None), ("fro", "fro"), ("nuc", "nuc"), ("1", 1), ("m1", -1), ("2", 2),
               ("m2", -2), ("inf", np.inf), ("ninf", -np.inf)]:
    emit(f"norm_A4_{tag}", np.linalg.norm(A4, o))
emit("norm_T234_none", np.linalg.norm(T234))
emit("norm_T234_ax02_fro", np.linalg.norm(T234, "fro", axis=(0, 2)))
emit("norm_T234_ax20_1_keep", np.linalg.norm(T234, 1, axis=(2, 0), keepdims=True))
emit("norm_T234_ax12_nuc", np.linalg.norm(T234, "nuc", axis=(1, 2)))
emit("norm_T234_ax1_3", np.linalg.norm(T234, 3, axis=1))
emit("norm_T234_axm1_inf_keep", np.linalg.norm(T234, np.inf, axis=-1, keepdims=True))
emit("norm_T234_ax01_m2", np.linalg.norm(T234, -2, axis=(0, 1)))

emit("cross_43", np.cross(c43a, c43b))
emit("cross_2_3", np.cross(c2a, c3b))
emit("cross_3_2", np.cross(c3b, c2a))
emit("cross_34_ax0", np.cross(c34a, c34b, axis=0))
# 2-vectors: NumPy 2 deprecates them but still answers the z component
emit("cross_22", c2a[:, 0] * c2b[:, 1] - c2a[:, 1] * c2b[:, 0])

have_scipy = 0
if sla is not None:
    have_scipy = 1
    for nm, X in [("A4", A4), ("A53", A53), ("A35", A35), ("SING", SING)]:
        p, l_, u = sla.lu(X)
        emit(f"lu_{nm}_p", p)
        emit(f"lu_{nm}_l", l_)
        emit(f"lu_{nm}_u", u)
    lu, piv = sla.lu_factor(A4)
    emit("lu_factor_A4_lu", lu)
    emit("lu_factor_A4_piv", piv)
    for lower in (0, 1):
        for unit in (0, 1):
            for tr in (0, 1):
                r_ = sla.solve_triangular(A4 + 4 * np.eye(4), B42, trans=tr, lower=bool(lower),
                                          unit_diagonal=bool(unit))
                emit(f"trsv_{lower}{unit}{tr}", r_)
else:
    print("scipy not importable: lu, lu_factor and solve_triangular references skipped")

hdr = [
    f"/* Generated by tests/numpy_ref/make_linalg_refs.py with NumPy {np.__version__}"
    + (f" and SciPy {scipy.__version__}" if scipy is not None else "") + "; do not edit. */",
    "#ifndef AX_LINALG_REFS_H",
    "#define AX_LINALG_REFS_H",
    "#include <math.h>",
    "#include <stdint.h>",
    "",
    "typedef struct lref {",
    "    int ndim;",
    "    int64_t shape[4];",
    "    int64_t size;",
    "    const double *v;",
    "} lref;",
    f"#define LREF_HAVE_SCIPY {have_scipy}",
    "",
]
with open(OUT, "w") as f:
    f.write("\n".join(hdr + lines + ["", "#endif", ""]))
print("wrote", OUT, os.path.getsize(OUT), "bytes")
