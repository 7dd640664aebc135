/* Creation ops: arange, linspace, full (zeros, ones, *_like), eye, identity,
 * tri, meshgrid. Each primitive is a node without inputs whose params hold
 * the values; the kernels (src/backend/cpu/creation.c) fill any dtype. */
#include <math.h>

#include "core/internal.h"
#include "ops/creation.h"

static bool check_dtype(ax_ctx *ctx, const char *op, ax_dtype dtype) {
    if (ax_dtype_is_valid(dtype)) return true;
    ax__error(ctx, AX_ERR_DTYPE, "%s: invalid dtype %d", op, (int)dtype);
    return false;
}

/* A shape given by the caller: ndim >= 0, no negative dims, no overflow. */
static bool check_shape(ax_ctx *ctx, const char *op, const int64_t *shape, int ndim) {
    if (ndim < 0) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: negative number of dimensions %d", op, ndim);
        return false;
    }
    if (ndim > 0 && !shape) {
        ax__error(ctx, AX_ERR_NULL, "%s: shape is NULL but ndim is %d", op, ndim);
        return false;
    }
    int64_t size;
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0) {
            ax__error(ctx, AX_ERR_SHAPE, "%s: negative dimension %lld at axis %d of shape %s", op,
                      (long long)shape[i], i,
                      ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
            return false;
        }
    if (!ax__shape_size(shape, ndim, &size)) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: shape %s is too large", op,
                  ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        return false;
    }
    return true;
}

/* Lengths beyond this are refused up front (no buffer could hold them). */
#define MAX_LENGTH ((double)(INT64_C(1) << 56))

ax_array *ax_arange(ax_ctx *ctx, double start, double stop, double step, ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!check_dtype(ctx, "arange", dtype)) return NULL;
    if (step == 0) return ax__error(ctx, AX_ERR_VALUE, "arange: step must not be zero");
    if (!isfinite(start) || !isfinite(stop) || !isfinite(step))
        return ax__error(ctx, AX_ERR_VALUE,
                         "arange: start, stop and step must be finite (got %g, %g, %g)", start,
                         stop, step);
    /* NumPy: length = ceil((stop - start) / step), at least 0. */
    double len = ceil((stop - start) / step);
    if (!(len < MAX_LENGTH))
        return ax__error(ctx, AX_ERR_VALUE,
                         "arange: length for start %g, stop %g, step %g is too large", start, stop,
                         step);
    int64_t n = len > 0 ? (int64_t)len : 0;
    ax_arange_params p;
    memset(&p, 0, sizeof p);
    p.start = start;
    p.step = step;
    return ax__make_op(ctx, AX_OP_ARANGE, NULL, 0, &p, sizeof p, dtype, &n, 1);
}

ax_array *ax_linspace(ax_ctx *ctx, double start, double stop, int64_t num, bool endpoint,
                      ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!check_dtype(ctx, "linspace", dtype)) return NULL;
    if (num < 0 || (double)num >= MAX_LENGTH)
        return ax__error(ctx, AX_ERR_VALUE, "linspace: number of samples %lld is %s",
                         (long long)num, num < 0 ? "negative" : "too large");
    ax_linspace_params p;
    memset(&p, 0, sizeof p);
    p.start = start;
    p.stop = stop;
    p.endpoint = endpoint;
    return ax__make_op(ctx, AX_OP_LINSPACE, NULL, 0, &p, sizeof p, dtype, &num, 1);
}

static ax_array *full_named(ax_ctx *ctx, const char *op, const int64_t *shape, int ndim,
                            double value, ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!check_dtype(ctx, op, dtype) || !check_shape(ctx, op, shape, ndim)) return NULL;
    ax_full_params p;
    memset(&p, 0, sizeof p);
    p.value = value;
    return ax__make_op(ctx, AX_OP_FULL, NULL, 0, &p, sizeof p, dtype, shape, ndim);
}

ax_array *ax_full(ax_ctx *ctx, const int64_t *shape, int ndim, double value, ax_dtype dtype) {
    return full_named(ctx, "full", shape, ndim, value, dtype);
}

ax_array *ax_zeros(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype) {
    return full_named(ctx, "zeros", shape, ndim, 0.0, dtype);
}

ax_array *ax_ones(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype) {
    return full_named(ctx, "ones", shape, ndim, 1.0, dtype);
}

ax_array *ax_full_like(ax_ctx *ctx, ax_array *a, double value) {
    AX_CHECK_IN(ctx, a);
    return full_named(ctx, "full_like", a->shape, a->ndim, value, a->dtype);
}

ax_array *ax_zeros_like(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    return full_named(ctx, "zeros_like", a->shape, a->ndim, 0.0, a->dtype);
}

ax_array *ax_ones_like(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    return full_named(ctx, "ones_like", a->shape, a->ndim, 1.0, a->dtype);
}

static ax_array *diag_op(ax_ctx *ctx, const char *name, ax_op op, int64_t n, int64_t m, int64_t k,
                         ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!check_dtype(ctx, name, dtype)) return NULL;
    if (n < 0 || m < 0)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: negative dimension (n = %lld, m = %lld)", name,
                         (long long)n, (long long)m);
    int64_t shape[2] = {n, m};
    if (!check_shape(ctx, name, shape, 2)) return NULL;
    ax_diag_params p;
    memset(&p, 0, sizeof p);
    p.k = k;
    return ax__make_op(ctx, op, NULL, 0, &p, sizeof p, dtype, shape, 2);
}

ax_array *ax_eye(ax_ctx *ctx, int64_t n, int64_t m, int64_t k, ax_dtype dtype) {
    return diag_op(ctx, "eye", AX_OP_EYE, n, m, k, dtype);
}

ax_array *ax_identity(ax_ctx *ctx, int64_t n, ax_dtype dtype) {
    return diag_op(ctx, "identity", AX_OP_EYE, n, n, 0, dtype);
}

ax_array *ax_tri(ax_ctx *ctx, int64_t n, int64_t m, int64_t k, ax_dtype dtype) {
    return diag_op(ctx, "tri", AX_OP_TRI, n, m, k, dtype);
}

/* NumPy's meshgrid (copy=False, sparse=False): input i (flattened) becomes
 * an n-d array varying along axis i (axes 0 and 1 swapped for "xy"), a
 * broadcast view of shape (len_0, len_1, ...) (xy: len_1 and len_0 first). */
ax_status ax_meshgrid(ax_ctx *ctx, ax_array *const *xs, int n, bool ij, ax_array **out) {
    if (!ctx) return AX_ERR_NULL;
    if (n < 0 || n > 64)
        return ax__fail(ctx, AX_ERR_VALUE, "meshgrid: number of arrays %d is not in [0, 64]", n);
    if (n > 0 && (!xs || !out))
        return ax__fail(ctx, AX_ERR_NULL, "meshgrid: NULL %s", xs ? "output list" : "input list");
    for (int i = 0; i < n; i++) out[i] = NULL;
    int64_t shape[64];
    for (int i = 0; i < n; i++) {
        if (!xs[i]) {
            ax__null_input(ctx, "meshgrid");
            return ctx->status;
        }
        shape[i] = xs[i]->size;
    }
    bool swap = !ij && n >= 2;
    if (swap) {
        int64_t t = shape[0];
        shape[0] = shape[1];
        shape[1] = t;
    }
    for (int i = 0; i < n; i++) {
        int axis = swap && i < 2 ? 1 - i : i;
        int64_t r[64];
        for (int d = 0; d < n; d++) r[d] = d == axis ? xs[i]->size : 1;
        out[i] = ax_broadcast_to(ctx, ax_reshape(ctx, xs[i], r, n), shape, n);
        if (!out[i]) {
            for (int j = 0; j < n; j++) out[j] = NULL;
            return ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
        }
    }
    return AX_OK;
}
