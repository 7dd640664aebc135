/* Linear algebra: constructors of the LAPACK-backed primitives
 * (src/ops/ops_linalg.def) and the composites built from them and public ops
 * (norm, pinv, cross, svdvals, eigvals, eigvalsh). Semantics in
 * include/ax/linalg.h and docs/linalg.md. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"
#include "ops/linalg_params.h"

/* The dtype a linalg op computes in: float32/float64 keep, complex is
 * rejected, everything else becomes float32. Returns a (converted) input or
 * NULL with the error recorded. */
static ax_array *lk_input(ax_ctx *ctx, const char *name, ax_array *a, bool square) {
    if (a->ndim < 2)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: expected an array of at least 2 dimensions, got shape %s", name,
                         AX_SHAPE(a));
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    if (square && m != n)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: last 2 dimensions must be square, got shape %s",
                         name, AX_SHAPE(a));
    if (m > INT_MAX / 2 || n > INT_MAX / 2 || (double)m * (double)n > (double)INT_MAX)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: matrices of shape %s are too large for LAPACK",
                         name, AX_SHAPE(a));
    if (ax_dtype_is_complex(a->dtype))
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: complex64 input is not supported (float32 and float64 only)", name);
    if (a->dtype == AX_FLOAT32 || a->dtype == AX_FLOAT64) return a;
    return ax_astype(ctx, a, AX_FLOAT32);
}

static ax_dtype lk_dtype2(ax_dtype a, ax_dtype b) {
    return a == AX_FLOAT64 || b == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32;
}

/* Shape = batch of a (ndim - 2 dims) followed by the given tail. */
static int tail_shape(const ax_array *a, int64_t *out, int ntail, const int64_t *tail) {
    int nb = a->ndim - 2;
    for (int d = 0; d < nb; d++) out[d] = a->shape[d];
    for (int i = 0; i < ntail; i++) out[nb + i] = tail[i];
    return nb + ntail;
}

static ax_array *single(ax_ctx *ctx, ax_op op, ax_array *a, const ax_linalg_params *p, int ntail,
                        const int64_t *tail, ax_dtype dt) {
    int64_t shape[AX_MAX_NDIM];
    int nd = tail_shape(a, shape, ntail, tail);
    return ax__make_op(ctx, op, &a, 1, p, sizeof *p, dt, shape, nd);
}

ax_array *ax_linalg_cholesky(ax_ctx *ctx, ax_array *a, bool upper) {
    AX_CHECK_IN(ctx, a);
    if (!(a = lk_input(ctx, "cholesky", a, true))) return NULL;
    ax_linalg_params p = {.upper = upper};
    return single(ctx, AX_OP_LINALG_CHOLESKY, a, &p, 2, a->shape + a->ndim - 2, a->dtype);
}

ax_array *ax_linalg_cholesky_inv(ax_ctx *ctx, ax_array *factor, bool upper) {
    AX_CHECK_IN(ctx, factor);
    ax_array *a = lk_input(ctx, "cholesky_inv", factor, true);
    if (!a) return NULL;
    ax_linalg_params p = {.upper = upper};
    return single(ctx, AX_OP_LINALG_CHOLESKY_INV, a, &p, 2, a->shape + a->ndim - 2, a->dtype);
}

ax_array *ax_linalg_inv(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    if (!(a = lk_input(ctx, "inv", a, true))) return NULL;
    ax_linalg_params p = {0};
    return single(ctx, AX_OP_LINALG_INV, a, &p, 2, a->shape + a->ndim - 2, a->dtype);
}

/* solve and solve_triangular: NumPy 2 broadcasting (b is a vector only when
 * 1-D). */
static ax_array *solve_common(ax_ctx *ctx, const char *name, ax_op op, ax_array *a, ax_array *b,
                              ax_linalg_params p) {
    if (!(a = lk_input(ctx, name, a, true))) return NULL;
    if (b->ndim < 1)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: b must have at least 1 dimension, got shape %s",
                         name, AX_SHAPE(b));
    if (ax_dtype_is_complex(b->dtype))
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: complex64 input is not supported (float32 and float64 only)", name);
    int64_t n = a->shape[a->ndim - 1];
    bool vec = b->ndim == 1;
    if (b->shape[b->ndim - (vec ? 1 : 2)] != n)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: a of shape %s and b of shape %s do not match (b must be (n,) or "
                         "(..., n, k) with n = %lld)", name, AX_SHAPE(a), AX_SHAPE(b), (long long)n);
    ax_dtype dt = lk_dtype2(a->dtype, b->dtype);
    if (a->dtype != dt && !(a = ax_astype(ctx, a, dt))) return NULL;
    if (b->dtype != dt && !(b = ax_astype(ctx, b, dt))) return NULL;
    int64_t batch[AX_MAX_NDIM], shape_a[AX_MAX_NDIM], shape_b[AX_MAX_NDIM];
    int nb = 0;
    if (vec) {
        nb = a->ndim - 2;
        for (int d = 0; d < nb; d++) batch[d] = a->shape[d];
    } else if (!ax__broadcast_shapes(ctx, name, a->shape, a->ndim - 2, b->shape, b->ndim - 2, batch,
                                     &nb)) {
        return NULL;
    }
    int64_t k = vec ? 1 : b->shape[b->ndim - 1];
    if (k > INT_MAX / 2 || (double)n * (double)k > (double)INT_MAX)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: b of shape %s is too large for LAPACK", name,
                         AX_SHAPE(b));
    for (int d = 0; d < nb; d++) shape_a[d] = shape_b[d] = batch[d];
    shape_a[nb] = shape_a[nb + 1] = n;
    shape_b[nb] = n;
    shape_b[nb + 1] = k;
    int ndb = nb + (vec ? 1 : 2);
    ax_array *ab = ax_broadcast_to(ctx, a, shape_a, nb + 2);
    ax_array *bb = ab ? ax_broadcast_to(ctx, b, shape_b, ndb) : NULL;
    if (!bb) return NULL;
    p.bvec = vec;
    ax_array *in[2] = {ab, bb};
    return ax__make_op(ctx, op, in, 2, &p, sizeof p, dt, shape_b, ndb);
}

ax_array *ax_linalg_solve(ax_ctx *ctx, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    return solve_common(ctx, "solve", AX_OP_LINALG_SOLVE, a, b, (ax_linalg_params){0});
}

ax_array *ax_linalg_solve_triangular(ax_ctx *ctx, ax_array *a, ax_array *b, bool upper,
                                     bool unit_diagonal, bool trans) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    ax_linalg_params p = {.upper = upper, .unit = unit_diagonal, .trans = trans};
    return solve_common(ctx, "solve_triangular", AX_OP_LINALG_SOLVE_TRI, a, b, p);
}

/* Build a multi-output primitive whose outputs are batch + tails[i]. */
static ax_status multi(ax_ctx *ctx, ax_op op, ax_array *a, const ax_linalg_params *p, int n_out,
                       const ax_dtype *dts, const int64_t tails[][2], const int *ntails,
                       ax_array **out) {
    int64_t shapes[3][AX_MAX_NDIM];
    const int64_t *sp[3];
    int nds[3];
    for (int i = 0; i < n_out; i++) {
        nds[i] = tail_shape(a, shapes[i], ntails[i], tails[i]);
        sp[i] = shapes[i];
    }
    return ax__make_op_multi(ctx, op, &a, 1, p, sizeof *p, n_out, dts, sp, nds, out);
}

static void clear_outs(ax_array **a, ax_array **b, ax_array **c) {
    if (a) *a = NULL;
    if (b) *b = NULL;
    if (c) *c = NULL;
}

#define LK_FAIL_STATUS(ctx) ((ctx)->status != AX_OK ? (ctx)->status : AX_ERR_INTERNAL)

ax_status ax_linalg_qr(ax_ctx *ctx, ax_array *a, bool complete, ax_array **q, ax_array **r) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(q, r, NULL);
    if (!q || !r) return ax__fail(ctx, AX_ERR_NULL, "qr: q and r must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_qr"), LK_FAIL_STATUS(ctx);
    if (!(a = lk_input(ctx, "qr", a, false))) return LK_FAIL_STATUS(ctx);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
    int64_t qc = complete ? m : k;
    ax_linalg_params p = {.full = complete};
    const int64_t tails[2][2] = {{m, qc}, {qc, n}};
    const int nt[2] = {2, 2};
    const ax_dtype dts[2] = {a->dtype, a->dtype};
    ax_array *out[2];
    ax_status st = multi(ctx, AX_OP_LINALG_QR, a, &p, 2, dts, tails, nt, out);
    if (st == AX_OK) *q = out[0], *r = out[1];
    return st;
}

ax_status ax_linalg_svd(ax_ctx *ctx, ax_array *a, bool full_matrices, bool compute_uv,
                        ax_array **u, ax_array **s, ax_array **vh) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(u, s, vh);
    if (!s || (compute_uv && (!u || !vh)))
        return ax__fail(ctx, AX_ERR_NULL, "svd: output pointers must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_svd"), LK_FAIL_STATUS(ctx);
    if (!(a = lk_input(ctx, "svd", a, false))) return LK_FAIL_STATUS(ctx);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
    ax_linalg_params p = {.full = compute_uv && full_matrices, .vectors = compute_uv};
    if (!compute_uv) {
        *s = single(ctx, AX_OP_LINALG_SVD, a, &p, 1, &k, a->dtype);
        return *s ? AX_OK : LK_FAIL_STATUS(ctx);
    }
    int64_t ur = full_matrices ? m : k, vr = full_matrices ? n : k;
    const int64_t tails[3][2] = {{m, ur}, {k, 0}, {vr, n}};
    const int nt[3] = {2, 1, 2};
    const ax_dtype dts[3] = {a->dtype, a->dtype, a->dtype};
    ax_array *out[3];
    ax_status st = multi(ctx, AX_OP_LINALG_SVD, a, &p, 3, dts, tails, nt, out);
    if (st == AX_OK) *u = out[0], *s = out[1], *vh = out[2];
    return st;
}

ax_array *ax_linalg_svdvals(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    ax_array *s = NULL;
    ax_linalg_svd(ctx, a, false, false, NULL, &s, NULL);
    return s;
}

static ax_status eig_common(ax_ctx *ctx, const char *name, ax_op op, ax_array *a, bool upper,
                            bool vectors, ax_array **w, ax_array **v) {
    if (!(a = lk_input(ctx, name, a, true))) return LK_FAIL_STATUS(ctx);
    int64_t n = a->shape[a->ndim - 1];
    ax_dtype dt = op == AX_OP_LINALG_EIG ? AX_COMPLEX64 : a->dtype;
    ax_linalg_params p = {.upper = upper, .vectors = vectors};
    if (!vectors) {
        *w = single(ctx, op, a, &p, 1, &n, dt);
        return *w ? AX_OK : LK_FAIL_STATUS(ctx);
    }
    const int64_t tails[2][2] = {{n, 0}, {n, n}};
    const int nt[2] = {1, 2};
    const ax_dtype dts[2] = {dt, dt};
    ax_array *out[2];
    ax_status st = multi(ctx, op, a, &p, 2, dts, tails, nt, out);
    if (st == AX_OK) *w = out[0], *v = out[1];
    return st;
}

ax_status ax_linalg_eig(ax_ctx *ctx, ax_array *a, ax_array **w, ax_array **v) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(w, v, NULL);
    if (!w || !v) return ax__fail(ctx, AX_ERR_NULL, "eig: w and v must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_eig"), LK_FAIL_STATUS(ctx);
    return eig_common(ctx, "eig", AX_OP_LINALG_EIG, a, false, true, w, v);
}

ax_array *ax_linalg_eigvals(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    ax_array *w = NULL;
    eig_common(ctx, "eigvals", AX_OP_LINALG_EIG, a, false, false, &w, NULL);
    return w;
}

ax_status ax_linalg_eigh(ax_ctx *ctx, ax_array *a, bool upper, ax_array **w, ax_array **v) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(w, v, NULL);
    if (!w || !v) return ax__fail(ctx, AX_ERR_NULL, "eigh: w and v must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_eigh"), LK_FAIL_STATUS(ctx);
    return eig_common(ctx, "eigh", AX_OP_LINALG_EIGH, a, upper, true, w, v);
}

ax_array *ax_linalg_eigvalsh(ax_ctx *ctx, ax_array *a, bool upper) {
    AX_CHECK_IN(ctx, a);
    ax_array *w = NULL;
    eig_common(ctx, "eigvalsh", AX_OP_LINALG_EIGH, a, upper, false, &w, NULL);
    return w;
}

ax_status ax_linalg_lu(ax_ctx *ctx, ax_array *a, ax_array **pm, ax_array **l, ax_array **u) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(pm, l, u);
    if (!pm || !l || !u) return ax__fail(ctx, AX_ERR_NULL, "lu: p, l and u must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_lu"), LK_FAIL_STATUS(ctx);
    if (!(a = lk_input(ctx, "lu", a, false))) return LK_FAIL_STATUS(ctx);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
    ax_linalg_params p = {0};
    const int64_t tails[3][2] = {{m, m}, {m, k}, {k, n}};
    const int nt[3] = {2, 2, 2};
    const ax_dtype dts[3] = {a->dtype, a->dtype, a->dtype};
    ax_array *out[3];
    ax_status st = multi(ctx, AX_OP_LINALG_LU, a, &p, 3, dts, tails, nt, out);
    if (st == AX_OK) *pm = out[0], *l = out[1], *u = out[2];
    return st;
}

ax_status ax_linalg_lu_factor(ax_ctx *ctx, ax_array *a, ax_array **lu, ax_array **piv) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(lu, piv, NULL);
    if (!lu || !piv) return ax__fail(ctx, AX_ERR_NULL, "lu_factor: lu and piv must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_lu_factor"), LK_FAIL_STATUS(ctx);
    if (!(a = lk_input(ctx, "lu_factor", a, false))) return LK_FAIL_STATUS(ctx);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
    ax_linalg_params p = {0};
    const int64_t tails[2][2] = {{m, n}, {k, 0}};
    const int nt[2] = {2, 1};
    const ax_dtype dts[2] = {a->dtype, AX_INT32};
    ax_array *out[2];
    ax_status st = multi(ctx, AX_OP_LINALG_LU_FACTOR, a, &p, 2, dts, tails, nt, out);
    if (st == AX_OK) *lu = out[0], *piv = out[1];
    return st;
}

ax_array *ax_linalg_det(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    if (!(a = lk_input(ctx, "det", a, true))) return NULL;
    ax_linalg_params p = {0};
    return single(ctx, AX_OP_LINALG_DET, a, &p, 0, NULL, a->dtype);
}

ax_status ax_linalg_slogdet(ax_ctx *ctx, ax_array *a, ax_array **sign, ax_array **logabsdet) {
    if (!ctx) return AX_ERR_NULL;
    clear_outs(sign, logabsdet, NULL);
    if (!sign || !logabsdet)
        return ax__fail(ctx, AX_ERR_NULL, "slogdet: sign and logabsdet must not be NULL");
    if (!a) return ax__null_input(ctx, "ax_linalg_slogdet"), LK_FAIL_STATUS(ctx);
    if (!(a = lk_input(ctx, "slogdet", a, true))) return LK_FAIL_STATUS(ctx);
    ax_linalg_params p = {.vectors = 1};
    const int64_t tails[2][2] = {{0, 0}, {0, 0}};
    const int nt[2] = {0, 0};
    const ax_dtype dts[2] = {a->dtype, a->dtype};
    ax_array *out[2];
    ax_status st = multi(ctx, AX_OP_LINALG_DET, a, &p, 2, dts, tails, nt, out);
    if (st == AX_OK) *sign = out[0], *logabsdet = out[1];
    return st;
}

/* ---------------------------------------------------------------- composites */

ax_array *ax_linalg_pinv(ax_ctx *ctx, ax_array *a, double rtol) {
    AX_CHECK_IN(ctx, a);
    if (!(a = lk_input(ctx, "pinv", a, false))) return NULL;
    int nd = a->ndim;
    int64_t m = a->shape[nd - 2], n = a->shape[nd - 1], k = m < n ? m : n;
    if (k == 0) { /* (..., n, m) zeros */
        int64_t shape[AX_MAX_NDIM];
        for (int d = 0; d < nd - 2; d++) shape[d] = a->shape[d];
        shape[nd - 2] = n, shape[nd - 1] = m;
        return ax_zeros(ctx, shape, nd, a->dtype);
    }
    if (rtol < 0) rtol = (double)(m > n ? m : n) * (a->dtype == AX_FLOAT32 ? FLT_EPSILON : DBL_EPSILON);
    ax_array *u, *s, *vh;
    if (ax_linalg_svd(ctx, a, false, true, &u, &s, &vh) != AX_OK) return NULL;
    int last = -1, before = -2;
    ax_array *smax = ax_max(ctx, s, &last, 1, true);
    ax_array *cut = ax_multiply(ctx, smax, ax_scalar(ctx, rtol, a->dtype));
    ax_array *keep = ax_greater(ctx, s, cut);
    ax_array *sinv = ax_where(ctx, keep, ax_reciprocal(ctx, s), ax_zeros_like(ctx, s));
    ax_array *v = ax_swapaxes(ctx, vh, -1, -2);                  /* (..., n, k) */
    ax_array *vs = ax_multiply(ctx, v, ax_expand_dims(ctx, sinv, &before, 1));
    return ax_matmul(ctx, vs, ax_swapaxes(ctx, u, -1, -2));      /* (..., n, m) */
}

/* One component (i) of the vectors along the last axis, or NULL for the z of
 * a 2-vector (zero). */
static ax_array *comp(ax_ctx *ctx, ax_array *x, int i) {
    int nd = x->ndim, last = nd - 1;
    if (i >= x->shape[last]) return NULL;
    ax_array *s = ax_slice_axis(ctx, x, last, i, i + 1, 1);
    return s ? ax_squeeze(ctx, s, &last, 1) : NULL;
}
/* x*y - z*w where a NULL factor is zero (at least one product exists). */
static ax_array *xmul_sub(ax_ctx *ctx, ax_array *x, ax_array *y, ax_array *z, ax_array *w) {
    ax_array *p = x && y ? ax_multiply(ctx, x, y) : NULL;
    ax_array *q = z && w ? ax_multiply(ctx, z, w) : NULL;
    if (p && q) return ax_subtract(ctx, p, q);
    if (p) return p;
    return q ? ax_negative(ctx, q) : NULL;
}

ax_array *ax_linalg_cross(ax_ctx *ctx, ax_array *a, ax_array *b, int axis) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    int axa, axb;
    if (!ax__norm_axis(ctx, "cross", axis, a->ndim, &axa) ||
        !ax__norm_axis(ctx, "cross", axis, b->ndim, &axb))
        return NULL;
    int64_t da = a->shape[axa], db = b->shape[axb];
    if ((da != 2 && da != 3) || (db != 2 && db != 3))
        return ax__error(ctx, AX_ERR_SHAPE,
                         "cross: incompatible dimensions for cross product (dimension must be 2 or "
                         "3), got shapes %s and %s along axis %d", AX_SHAPE(a), AX_SHAPE(b), axis);
    if (a->dtype == AX_BOOL || b->dtype == AX_BOOL)
        return ax__error(ctx, AX_ERR_DTYPE, "cross: bool inputs are not supported");
    ax_array *am = ax_moveaxis(ctx, a, axa, -1), *bm = am ? ax_moveaxis(ctx, b, axb, -1) : NULL;
    if (!bm) return NULL;
    ax_array *a0 = comp(ctx, am, 0), *a1 = comp(ctx, am, 1), *a2 = comp(ctx, am, 2);
    ax_array *b0 = comp(ctx, bm, 0), *b1 = comp(ctx, bm, 1), *b2 = comp(ctx, bm, 2);
    if (ctx->status != AX_OK) return NULL;
    ax_array *c2 = xmul_sub(ctx, a0, b1, a1, b0);
    if (da == 2 && db == 2) return c2;
    ax_array *c0 = xmul_sub(ctx, a1, b2, a2, b1), *c1 = xmul_sub(ctx, a2, b0, a0, b2);
    if (!c0 || !c1 || !c2) return NULL;
    ax_array *cs[3] = {c0, c1, c2};
    /* c0..c2 share one broadcast shape; promote-equal dtypes already */
    ax_array *st = ax_stack(ctx, cs, 3, -1);
    if (!st) return NULL;
    int axc;
    if (!ax__norm_axis(ctx, "cross", axis, st->ndim, &axc)) return NULL;
    return ax_moveaxis(ctx, st, -1, axc);
}

/* Vector norm of x (real float) over the axes in mask. */
static ax_array *vec_norm(ax_ctx *ctx, ax_array *x, double ord, const int *axes, int naxes,
                          bool keepdims) {
    ax_array *ab = ax_abs(ctx, x);
    if (isinf(ord))
        return ord > 0 ? ax_max(ctx, ab, axes, naxes, keepdims) : ax_min(ctx, ab, axes, naxes, keepdims);
    if (ord == 0) {
        ax_array *nz = ax_astype(ctx, ax_not_equal(ctx, x, ax_scalar(ctx, 0, x->dtype)), x->dtype);
        return ax_sum(ctx, nz, axes, naxes, keepdims);
    }
    if (ord == 1) return ax_sum(ctx, ab, axes, naxes, keepdims);
    if (ord == 2) return ax_sqrt(ctx, ax_sum(ctx, ax_multiply(ctx, x, x), axes, naxes, keepdims));
    ax_array *pw = ax_power(ctx, ab, ax_scalar(ctx, ord, x->dtype));
    return ax_power(ctx, ax_sum(ctx, pw, axes, naxes, keepdims), ax_scalar(ctx, 1.0 / ord, x->dtype));
}

/* Matrix norm over axes (r, c) of x. */
static ax_array *mat_norm(ax_ctx *ctx, ax_array *x, ax_norm_kind kind, double ord, int r, int c,
                          bool keepdims) {
    int both[2] = {r, c};
    if (kind == AX_NORM_DEFAULT || kind == AX_NORM_FRO)
        return ax_sqrt(ctx, ax_sum(ctx, ax_multiply(ctx, x, x), both, 2, keepdims));
    if (kind == AX_NORM_P && (ord == 1 || ord == -1 || isinf(ord))) {
        /* 1: max over columns of the column sums; inf: max over rows of row sums */
        bool cols = !isinf(ord);
        int sum_ax = cols ? r : c, red_ax = cols ? c : r;
        ax_array *sums = ax_sum(ctx, ax_abs(ctx, x), &sum_ax, 1, true);
        ax_array *red = ord > 0 ? ax_max(ctx, sums, &red_ax, 1, true) : ax_min(ctx, sums, &red_ax, 1, true);
        if (keepdims || !red) return red;
        return ax_squeeze(ctx, red, both, 2);
    }
    if (kind == AX_NORM_NUC || (kind == AX_NORM_P && (ord == 2 || ord == -2))) {
        /* singular values of the matrices moved to the last two axes */
        int nd = x->ndim, perm[AX_MAX_NDIM], np = 0;
        for (int d = 0; d < nd; d++)
            if (d != r && d != c) perm[np++] = d;
        perm[np++] = r;
        perm[np++] = c;
        ax_array *s = ax_linalg_svdvals(ctx, ax_transpose(ctx, x, perm, nd));
        if (!s) return NULL;
        int last = -1;
        ax_array *v = kind == AX_NORM_NUC ? ax_sum(ctx, s, &last, 1, false)
                      : ord > 0           ? ax_max(ctx, s, &last, 1, false)
                                          : ax_min(ctx, s, &last, 1, false);
        if (!keepdims || !v) return v;
        int lo = r < c ? r : c, hi = r < c ? c : r, ins[2] = {lo, hi};
        return ax_expand_dims(ctx, v, ins, 2);
    }
    return ax__error(ctx, AX_ERR_VALUE, "norm: invalid norm order %g for matrices", ord);
}

ax_array *ax_linalg_norm(ax_ctx *ctx, ax_array *a, ax_norm_kind kind, double p, const int *axes,
                         int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    if (ax_dtype_is_complex(a->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "norm: complex64 input is not supported");
    if (kind < AX_NORM_DEFAULT || kind > AX_NORM_NUC)
        return ax__error(ctx, AX_ERR_VALUE, "norm: invalid norm kind %d", (int)kind);
    if (kind == AX_NORM_P && isnan(p)) return ax__error(ctx, AX_ERR_VALUE, "norm: order is NaN");
    ax_array *x = a->dtype == AX_FLOAT32 || a->dtype == AX_FLOAT64 ? a : ax_astype(ctx, a, AX_FLOAT32);
    if (!x) return NULL;
    int nd = x->ndim, ax2[2];
    if (!axes) {
        if (kind == AX_NORM_DEFAULT) { /* 2-norm of the flattened array */
            ax_array *r = ax_sqrt(ctx, ax_sum(ctx, ax_multiply(ctx, x, x), NULL, 0, keepdims));
            return r;
        }
        if (nd == 1) naxes = 1, ax2[0] = 0;
        else if (nd == 2) naxes = 2, ax2[0] = 0, ax2[1] = 1;
        else
            return ax__error(ctx, AX_ERR_VALUE,
                             "norm: improper number of dimensions to norm (shape %s; give axes)",
                             AX_SHAPE(a));
    } else {
        if (naxes != 1 && naxes != 2)
            return ax__error(ctx, AX_ERR_VALUE, "norm: improper number of axes %d (1 or 2)", naxes);
        for (int i = 0; i < naxes; i++)
            if (!ax__norm_axis(ctx, "norm", axes[i], nd, &ax2[i])) return NULL;
        if (naxes == 2 && ax2[0] == ax2[1])
            return ax__error(ctx, AX_ERR_AXIS, "norm: duplicate axes given (%d, %d)", axes[0], axes[1]);
    }
    if (naxes == 1) {
        if (kind == AX_NORM_FRO || kind == AX_NORM_NUC)
            return ax__error(ctx, AX_ERR_VALUE, "norm: invalid norm order '%s' for vectors",
                             kind == AX_NORM_FRO ? "fro" : "nuc");
        return vec_norm(ctx, x, kind == AX_NORM_DEFAULT ? 2 : p, ax2, 1, keepdims);
    }
    if (kind == AX_NORM_NUC || (kind == AX_NORM_P && (p == 2 || p == -2)))
        if (x->shape[ax2[0]] == 0 || x->shape[ax2[1]] == 0)
            return ax__error(ctx, AX_ERR_VALUE, "norm: %s norm of an empty matrix (shape %s)",
                             kind == AX_NORM_NUC ? "nuclear" : "2", AX_SHAPE(a));
    return mat_norm(ctx, x, kind, p, ax2[0], ax2[1], keepdims);
}

/* ---------------------------------------------------------------- kernel errors */

ax_status ax__linalg_item_error(ax_ctx *ctx, ax_op op, int64_t item, int info, const char *lib) {
    long long b = (long long)item;
    if (info < 0)
        return ax__fail(ctx, AX_ERR_INTERNAL, "%s: %s rejected argument %d (batch item %lld)",
                        ax__op_info[op].name, lib, -info, b);
    switch (op) {
    case AX_OP_LINALG_CHOLESKY:
        return ax__fail(ctx, AX_ERR_VALUE,
                        "cholesky: matrix is not positive definite (leading minor of order %d, "
                        "batch item %lld)", info, b);
    case AX_OP_LINALG_CHOLESKY_INV:
        return ax__fail(ctx, AX_ERR_VALUE,
                        "cholesky_inv: singular factor (diagonal element %d is zero, batch item %lld)",
                        info, b);
    case AX_OP_LINALG_INV:
    case AX_OP_LINALG_SOLVE:
        return ax__fail(ctx, AX_ERR_VALUE,
                        "%s: singular matrix (U[%d,%d] is exactly zero in the LU factorization, "
                        "batch item %lld)", ax__op_info[op].name, info - 1, info - 1, b);
    case AX_OP_LINALG_SOLVE_TRI:
        return ax__fail(ctx, AX_ERR_VALUE,
                        "solve_triangular: singular matrix (diagonal element %d is zero, batch item %lld)",
                        info - 1, b);
    case AX_OP_LINALG_SVD:
        return ax__fail(ctx, AX_ERR_VALUE, "svd: did not converge (batch item %lld, info %d)", b, info);
    case AX_OP_LINALG_EIGH:
        return ax__fail(ctx, AX_ERR_VALUE, "eigh: did not converge (batch item %lld, info %d)", b, info);
    case AX_OP_LINALG_EIG:
        return ax__fail(ctx, AX_ERR_VALUE,
                        "eig: QR algorithm did not converge (batch item %lld, info %d)", b, info);
    default:
        return ax__fail(ctx, AX_ERR_INTERNAL, "%s: %s failed with info %d (batch item %lld)",
                        ax__op_info[op].name, lib, info, b);
    }
}

