/* More products, creation and shape ops: kron, vecdot, diag, unflatten,
 * unstack, atleast_1d/2d/3d (composites over existing primitives), the
 * window functions (one WINDOW primitive), i0 and i1 (the I0, I1 primitives).
 * einsum lives in einsum.c. */
#include <math.h>

#include "core/internal.h"
#include "ops/extra_params.h"

/* ---------------------------------------------------------------- windows */

static ax_array *window(ax_ctx *ctx, const char *name, int kind, int64_t m, double beta,
                        ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!ax_dtype_is_valid(dtype) || !ax_dtype_is_floating(dtype))
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: dtype must be float16, bfloat16, float32 or float64 (got %s)", name,
                         ax_dtype_name(dtype));
    if (m > (INT64_C(1) << 48))
        return ax__error(ctx, AX_ERR_VALUE, "%s: window length %lld is too large", name,
                         (long long)m);
    if (kind == AX__WINDOW_KAISER && !isfinite(beta))
        return ax__error(ctx, AX_ERR_VALUE, "%s: beta must be finite (got %g)", name, beta);
    int64_t n = m < 1 ? 0 : m; /* NumPy: M < 1 gives an empty window */
    ax_window_params p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.beta = kind == AX__WINDOW_KAISER ? beta : 0.0;
    return ax__make_op(ctx, AX_OP_WINDOW, NULL, 0, &p, sizeof p, dtype, &n, 1);
}

ax_array *ax_window(ax_ctx *ctx, ax_window_kind kind, int64_t m, double beta, ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    switch (kind) {
    case AX_WINDOW_HANNING: return window(ctx, "hanning", AX__WINDOW_HANNING, m, 0, dtype);
    case AX_WINDOW_HAMMING: return window(ctx, "hamming", AX__WINDOW_HAMMING, m, 0, dtype);
    case AX_WINDOW_BLACKMAN: return window(ctx, "blackman", AX__WINDOW_BLACKMAN, m, 0, dtype);
    case AX_WINDOW_BARTLETT: return window(ctx, "bartlett", AX__WINDOW_BARTLETT, m, 0, dtype);
    case AX_WINDOW_KAISER: return window(ctx, "kaiser", AX__WINDOW_KAISER, m, beta, dtype);
    }
    return ax__error(ctx, AX_ERR_VALUE, "window: unknown window kind %d", (int)kind);
}

ax_array *ax_hanning(ax_ctx *ctx, int64_t m, ax_dtype dtype) {
    return window(ctx, "hanning", AX__WINDOW_HANNING, m, 0, dtype);
}
ax_array *ax_hamming(ax_ctx *ctx, int64_t m, ax_dtype dtype) {
    return window(ctx, "hamming", AX__WINDOW_HAMMING, m, 0, dtype);
}
ax_array *ax_blackman(ax_ctx *ctx, int64_t m, ax_dtype dtype) {
    return window(ctx, "blackman", AX__WINDOW_BLACKMAN, m, 0, dtype);
}
ax_array *ax_bartlett(ax_ctx *ctx, int64_t m, ax_dtype dtype) {
    return window(ctx, "bartlett", AX__WINDOW_BARTLETT, m, 0, dtype);
}
ax_array *ax_kaiser(ax_ctx *ctx, int64_t m, double beta, ax_dtype dtype) {
    return window(ctx, "kaiser", AX__WINDOW_KAISER, m, beta, dtype);
}

/* ---------------------------------------------------------------- i0 */

ax_array *ax_i0(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    if (ax_dtype_is_complex(a->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "i0: complex input (%s) is not supported",
                         ax_dtype_name(a->dtype));
    ax_dtype dt = ax_dtype_is_floating(a->dtype) ? a->dtype : AX_FLOAT32;
    ax_array *x = a->dtype == dt ? a : ax_astype(ctx, a, dt);
    if (!x) return NULL;
    return ax__make_op(ctx, AX_OP_I0, &x, 1, NULL, 0, dt, a->shape, a->ndim);
}

/* ---------------------------------------------------------------- i1 */

ax_array *ax_i1(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    if (ax_dtype_is_complex(a->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "i1: complex input (%s) is not supported",
                         ax_dtype_name(a->dtype));
    ax_dtype dt = ax_dtype_is_floating(a->dtype) ? a->dtype : AX_FLOAT32;
    ax_array *x = a->dtype == dt ? a : ax_astype(ctx, a, dt);
    if (!x) return NULL;
    return ax__make_op(ctx, AX_OP_I1, &x, 1, NULL, 0, dt, a->shape, a->ndim);
}

/* ---------------------------------------------------------------- kron */

/* NumPy kron: the operands get the same rank (ones prepended), then
 * out[i * nb + j] = a[i] * b[j] along every axis: a as (a0, 1, a1, 1, ...)
 * times b as (1, b0, 1, b1, ...), reshaped to (a0 b0, a1 b1, ...). */
ax_array *ax_kron(ax_ctx *ctx, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    if (2 * nd > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "kron: operands of shapes %s and %s need %d interleaved axes (at most %d)",
                         AX_SHAPE(a), AX_SHAPE(b), 2 * nd, AX_MAX_NDIM);
    int64_t sa[AX_MAX_NDIM], sb[AX_MAX_NDIM], so[AX_MAX_NDIM];
    for (int i = 0; i < nd; i++) {
        int64_t da = i < nd - a->ndim ? 1 : a->shape[i - (nd - a->ndim)];
        int64_t db = i < nd - b->ndim ? 1 : b->shape[i - (nd - b->ndim)];
        sa[2 * i] = da;
        sa[2 * i + 1] = 1;
        sb[2 * i] = 1;
        sb[2 * i + 1] = db;
        if (da && db > INT64_MAX / da)
            return ax__error(ctx, AX_ERR_SHAPE, "kron: result of shapes %s and %s is too large",
                             AX_SHAPE(a), AX_SHAPE(b));
        so[i] = da * db;
    }
    int64_t total;
    if (!ax__shape_size(so, nd, &total))
        return ax__error(ctx, AX_ERR_SHAPE, "kron: result of shapes %s and %s is too large",
                         AX_SHAPE(a), AX_SHAPE(b));
    ax_array *p = ax_multiply(ctx, ax_reshape(ctx, a, sa, 2 * nd), ax_reshape(ctx, b, sb, 2 * nd));
    return ax_reshape(ctx, p, so, nd);
}

/* ---------------------------------------------------------------- vecdot */

/* Sum over the last axis of x, in x's dtype for the result (NumPy keeps the
 * operands' promoted dtype: integers wrap, bool is "any"). */
static ax_array *sum_last_keep_dtype(ax_ctx *ctx, ax_array *x, ax_dtype dt) {
    if (!x) return NULL;
    int last = -1;
    if (dt == AX_BOOL) return ax_any(ctx, x, &last, 1, false);
    ax_array *s = ax_sum(ctx, x, &last, 1, false);
    if (!s) return NULL;
    return s->dtype == dt ? s : ax_astype(ctx, s, dt);
}

ax_array *ax_vecdot(ax_ctx *ctx, ax_array *a, ax_array *b, int axis) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (a->ndim == 0 || b->ndim == 0)
        return ax__error(ctx, AX_ERR_SHAPE, "vecdot: operands must have at least 1 dimension "
                                            "(shapes %s and %s)",
                         AX_SHAPE(a), AX_SHAPE(b));
    /* The axis counts in the broadcast shape; as a negative axis it names
     * the same axis of both operands, which must hold it. */
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim, ax;
    if (!ax__norm_axis(ctx, "vecdot", axis, nd, &ax)) return NULL;
    int neg = ax - nd; /* in [-nd, -1] */
    if (-neg > a->ndim || -neg > b->ndim)
        return ax__error(ctx, AX_ERR_AXIS,
                         "vecdot: axis %d is not an axis of both operands (shapes %s and %s)", axis,
                         AX_SHAPE(a), AX_SHAPE(b));
    int xa = a->ndim + neg, xb = b->ndim + neg;
    if (a->shape[xa] != b->shape[xb])
        return ax__error(ctx, AX_ERR_SHAPE,
                         "vecdot: the vectors along axis %d have different lengths (%lld and %lld; "
                         "shapes %s and %s)",
                         axis, (long long)a->shape[xa], (long long)b->shape[xb], AX_SHAPE(a),
                         AX_SHAPE(b));
    ax_array *ins[2] = {a, b};
    ax_dtype dt = ax__result_type(ins, 2, NULL);
    /* the other axes must broadcast (checked here for a clear message) */
    int64_t bs[AX_MAX_NDIM];
    int nbs;
    if (!ax__broadcast_shapes(ctx, "vecdot", a->shape, a->ndim, b->shape, b->ndim, bs, &nbs))
        return NULL;
    ax_array *x = ax_moveaxis(ctx, a, xa, -1), *y = ax_moveaxis(ctx, b, xb, -1);
    if (ax_dtype_is_complex(dt)) x = ax_conjugate(ctx, x->dtype == dt ? x : ax_astype(ctx, x, dt));
    if (!x || !y) return NULL;
    /* half floats multiply and sum in float32, rounded once at the end */
    ax_dtype ct = dt == AX_FLOAT16 || dt == AX_BFLOAT16 ? AX_FLOAT32 : dt;
    if (x->dtype != ct) x = ax_astype(ctx, x, ct);
    if (y->dtype != ct) y = ax_astype(ctx, y, ct);
    return sum_last_keep_dtype(ctx, ax_multiply(ctx, x, y), dt);
}

/* ---------------------------------------------------------------- diag */

ax_array *ax_diag(ax_ctx *ctx, ax_array *a, int64_t k) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim == 2) return ax_diagonal(ctx, a, k, 0, 1);
    if (a->ndim != 1)
        return ax__error(ctx, AX_ERR_SHAPE, "diag: input must be 1-D or 2-D (got shape %s)",
                         AX_SHAPE(a));
    if (k > (INT64_C(1) << 40) || k < -(INT64_C(1) << 40))
        return ax__error(ctx, AX_ERR_VALUE, "diag: offset %lld is too large", (long long)k);
    int64_t ak = k < 0 ? -k : k, n = a->shape[0] + ak;
    /* out[i, i + k] = a[i]: for k >= 0 row i holds a[i], else column j holds
     * a[j]; a padded to length n broadcasts along the other axis and `where`
     * keeps it on the diagonal only (no multiplication, so NaN and Inf stay
     * on the diagonal). */
    ax_array *v = ak ? ax_pad(ctx, a, (int64_t[]){0, ak}, AX_PAD_CONSTANT, 0) : a;
    ax_array *vb = ax_reshape(ctx, v, k >= 0 ? (int64_t[]){n, 1} : (int64_t[]){1, n}, 2);
    ax_array *mask = ax_eye(ctx, n, n, k, AX_BOOL);
    ax_array *zero = ax_zeros(ctx, NULL, 0, a->dtype);
    return ax_where(ctx, mask, vb, zero);
}

/* ---------------------------------------------------------------- unflatten */

ax_array *ax_unflatten(ax_ctx *ctx, ax_array *a, int axis, const int64_t *shape, int ndim) {
    AX_CHECK_IN(ctx, a);
    int ax;
    if (a->ndim == 0)
        return ax__error(ctx, AX_ERR_SHAPE, "unflatten: a 0-d array has no axis to unflatten");
    if (!ax__norm_axis(ctx, "unflatten", axis, a->ndim, &ax)) return NULL;
    if (ndim < 1 || !shape)
        return ax__error(ctx, ndim < 1 ? AX_ERR_VALUE : AX_ERR_NULL,
                         "unflatten: the new sizes must be a non-empty list (got %d sizes%s)", ndim,
                         shape ? "" : ", NULL");
    if (a->ndim - 1 + ndim > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_SHAPE, "unflatten: the result would have %d axes (at most %d)",
                         a->ndim - 1 + ndim, AX_MAX_NDIM);
    int64_t sizes[AX_MAX_NDIM], known = 1, n = a->shape[ax];
    int infer = -1;
    const char *sstr = ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP);
    for (int i = 0; i < ndim; i++) {
        sizes[i] = shape[i];
        if (shape[i] == -1) {
            if (infer >= 0)
                return ax__error(ctx, AX_ERR_VALUE, "unflatten: sizes %s have more than one -1",
                                 sstr);
            infer = i;
        } else if (shape[i] < 0) {
            return ax__error(ctx, AX_ERR_SHAPE, "unflatten: negative size %lld in sizes %s",
                             (long long)shape[i], sstr);
        } else if (shape[i] && known > INT64_MAX / shape[i]) {
            return ax__error(ctx, AX_ERR_SHAPE, "unflatten: sizes %s are too large", sstr);
        } else {
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || n % known)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "unflatten: cannot infer the -1 in sizes %s for axis %d of size %lld "
                             "(shape %s)",
                             sstr, axis, (long long)n, AX_SHAPE(a));
        sizes[infer] = n / known;
    } else if (known != n) {
        return ax__error(ctx, AX_ERR_SHAPE,
                         "unflatten: sizes %s multiply to %lld, not to %lld, the size of axis %d "
                         "of shape %s",
                         sstr, (long long)known, (long long)n, axis, AX_SHAPE(a));
    }
    int64_t out[AX_MAX_NDIM];
    int no = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (i == ax)
            for (int j = 0; j < ndim; j++) out[no++] = sizes[j];
        else
            out[no++] = a->shape[i];
    }
    return ax_reshape(ctx, a, out, no);
}

/* ---------------------------------------------------------------- unstack */

ax_status ax_unstack(ax_ctx *ctx, ax_array *a, int axis, ax_array **out) {
    if (!ctx) return AX_ERR_NULL;
    if (!a) {
        ax__null_input(ctx, "unstack");
        return ctx->status;
    }
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "unstack: NULL output list");
    if (a->ndim == 0)
        return ax__fail(ctx, AX_ERR_SHAPE, "unstack: a 0-d array has no axis to unstack");
    int ax;
    if (!ax__norm_axis(ctx, "unstack", axis, a->ndim, &ax)) return ctx->status;
    int64_t n = a->shape[ax];
    for (int64_t i = 0; i < n; i++) out[i] = NULL;
    for (int64_t i = 0; i < n; i++) {
        out[i] = ax_squeeze(ctx, ax_slice_axis(ctx, a, ax, i, i + 1, 1), &ax, 1);
        if (!out[i]) {
            for (int64_t j = 0; j < n; j++) out[j] = NULL;
            return ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
        }
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- atleast */

static ax_array *atleast(ax_ctx *ctx, ax_array *a, int n) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim >= n) return ax__own(ctx, ax_retain(a));
    int64_t s[3];
    switch (a->ndim * 4 + n) {
    case 1: s[0] = 1; break;                                          /* () -> (1,) */
    case 2: s[0] = s[1] = 1; break;                                   /* () -> (1, 1) */
    case 3: s[0] = s[1] = s[2] = 1; break;                            /* () -> (1, 1, 1) */
    case 6: s[0] = 1, s[1] = a->shape[0]; break;                      /* (n,) -> (1, n) */
    case 7: s[0] = 1, s[1] = a->shape[0], s[2] = 1; break;            /* (n,) -> (1, n, 1) */
    default: s[0] = a->shape[0], s[1] = a->shape[1], s[2] = 1; break; /* (m, n) -> (m, n, 1) */
    }
    return ax_reshape(ctx, a, s, n);
}

ax_array *ax_atleast_1d(ax_ctx *ctx, ax_array *a) { return atleast(ctx, a, 1); }
ax_array *ax_atleast_2d(ax_ctx *ctx, ax_array *a) { return atleast(ctx, a, 2); }
ax_array *ax_atleast_3d(ax_ctx *ctx, ax_array *a) { return atleast(ctx, a, 3); }
