/* Reductions: sum, prod, max, min, all, any, logsumexp, argmax, argmin and
 * softmax as primitives; mean, var and std built from them with public ops.
 * Dtype rules are documented in include/ax/ops.h. */
#include <stdlib.h>

#include "core/internal.h"
#include "ops/reduce_params.h"

/* Normalize the axes into mask[ndim]. NULL = all axes, an empty list none.
 * Errors name the op, the axis and the rank. */
static bool reduce_mask(ax_ctx *ctx, const char *op, const int *axes, int naxes, int ndim,
                        uint8_t *mask) {
    for (int d = 0; d < ndim; d++) mask[d] = axes == NULL;
    if (!axes) return true;
    if (naxes < 0) {
        ax__error(ctx, AX_ERR_AXIS, "%s: negative number of axes %d", op, naxes);
        return false;
    }
    for (int i = 0; i < naxes; i++) {
        int a = axes[i] < 0 ? axes[i] + ndim : axes[i];
        if (a < 0 || a >= ndim) {
            ax__error(ctx, AX_ERR_AXIS, "%s: axis %d is out of bounds for an array of %d dimensions",
                      op, axes[i], ndim);
            return false;
        }
        if (mask[a]) {
            ax__error(ctx, AX_ERR_AXIS, "%s: axis %d is repeated (array of %d dimensions)", op,
                      axes[i], ndim);
            return false;
        }
        mask[a] = 1;
    }
    return true;
}

/* Build a reduction node: output shape from the mask (reduced axes dropped or
 * kept as 1), params carry the mask. `op` names the public function. */
static ax_array *make_reduce(ax_ctx *ctx, const char *name, ax_op op, ax_array *a,
                             const uint8_t *mask, bool keepdims, ax_dtype out_dtype, bool same_shape) {
    int nd = a->ndim;
    size_t psize = sizeof(ax_reduce_params) + (size_t)nd;
    ax_reduce_params *p = calloc(1, psize);
    int64_t *shape = malloc(sizeof(int64_t) * (size_t)(nd ? nd : 1));
    if (!p || !shape) {
        free(p);
        free(shape);
        return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    }
    p->ndim = nd;
    p->keepdims = same_shape ? 1 : keepdims;
    int on = 0;
    for (int d = 0; d < nd; d++) {
        p->mask[d] = mask[d];
        if (same_shape || !mask[d]) shape[on++] = a->shape[d];
        else if (keepdims) shape[on++] = 1;
    }
    ax_array *out = ax__make_op(ctx, op, &a, 1, p, psize, out_dtype, shape, on);
    free(p);
    free(shape);
    return out;
}

/* Number of elements reduced (product of the masked dims). */
static int64_t reduced_count(const ax_array *a, const uint8_t *mask) {
    int64_t n = 1;
    for (int d = 0; d < a->ndim; d++)
        if (mask[d]) n *= a->shape[d];
    return n;
}

/* MLX's accumulation dtype for sum/prod: small signed ints and bool give
 * int32, small unsigned ints uint32; 64-bit ints, floats, complex keep. */
static ax_dtype sum_dtype(ax_dtype t) {
    switch (t) {
    case AX_BOOL: case AX_INT8: case AX_INT16: case AX_INT32: return AX_INT32;
    case AX_UINT8: case AX_UINT16: case AX_UINT32: return AX_UINT32;
    default: return t;
    }
}

static ax_dtype float_dtype(ax_dtype t) { return ax__reduce_float_dtype(t); }

#define MASK_BUF(a) uint8_t mask_local[64], *mask = (a)->ndim <= 64 ? mask_local : malloc((size_t)(a)->ndim)

typedef enum { R_SUM, R_PROD, R_MAX, R_MIN, R_ALL, R_ANY, R_LSE } reduce_kind;

static ax_array *reduce_common(ax_ctx *ctx, reduce_kind kind, ax_array *a, const int *axes,
                               int naxes, bool keepdims) {
    static const struct {
        const char *name;
        ax_op op;
    } info[] = {{"sum", AX_OP_SUM}, {"prod", AX_OP_PROD},   {"max", AX_OP_MAX},
                {"min", AX_OP_MIN}, {"all", AX_OP_ALL},     {"any", AX_OP_ANY},
                {"logsumexp", AX_OP_LOGSUMEXP}};
    const char *name = info[kind].name;
    ax_dtype t = a->dtype, ot = t;
    switch (kind) {
    case R_SUM: case R_PROD: ot = sum_dtype(t); break;
    case R_MAX: case R_MIN: ot = t; break;
    case R_ALL: case R_ANY: ot = AX_BOOL; break;
    case R_LSE: ot = float_dtype(t); break;
    }
    if (t == AX_COMPLEX64 && (kind == R_MAX || kind == R_MIN || kind == R_LSE))
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for complex64 input of shape %s",
                         name, AX_SHAPE(a));
    MASK_BUF(a);
    if (!mask) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    ax_array *out = NULL;
    if (reduce_mask(ctx, name, axes, naxes, a->ndim, mask)) {
        if ((kind == R_MAX || kind == R_MIN) && reduced_count(a, mask) == 0)
            ax__error(ctx, AX_ERR_VALUE,
                      "%s: zero-size array to reduction operation %s which has no identity "
                      "(input shape %s)", name, name, AX_SHAPE(a));
        else
            out = make_reduce(ctx, name, info[kind].op, a, mask, keepdims, ot, false);
    }
    if (mask != mask_local) free(mask);
    return out;
}

ax_array *ax_sum(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_SUM, a, axes, naxes, keepdims);
}
ax_array *ax_prod(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_PROD, a, axes, naxes, keepdims);
}
ax_array *ax_max(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_MAX, a, axes, naxes, keepdims);
}
ax_array *ax_min(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_MIN, a, axes, naxes, keepdims);
}
ax_array *ax_all(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_ALL, a, axes, naxes, keepdims);
}
ax_array *ax_any(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_ANY, a, axes, naxes, keepdims);
}
ax_array *ax_logsumexp(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return reduce_common(ctx, R_LSE, a, axes, naxes, keepdims);
}

static ax_array *arg_common(ax_ctx *ctx, const char *name, ax_op op, ax_array *a, int axis,
                            bool keepdims) {
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for complex64 input of shape %s",
                         name, AX_SHAPE(a));
    MASK_BUF(a);
    if (!mask) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    ax_array *out = NULL;
    bool ok = axis == AX_AXIS_NONE ? reduce_mask(ctx, name, NULL, 0, a->ndim, mask)
                                   : reduce_mask(ctx, name, &axis, 1, a->ndim, mask);
    if (ok) {
        if (reduced_count(a, mask) == 0)
            ax__error(ctx, AX_ERR_VALUE, "%s: attempt to get %s of an empty sequence (input shape %s)",
                      name, name, AX_SHAPE(a));
        else
            out = make_reduce(ctx, name, op, a, mask, keepdims, AX_INT64, false);
    }
    if (mask != mask_local) free(mask);
    return out;
}

ax_array *ax_argmax(ax_ctx *ctx, ax_array *a, int axis, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return arg_common(ctx, "argmax", AX_OP_ARGMAX, a, axis, keepdims);
}
ax_array *ax_argmin(ax_ctx *ctx, ax_array *a, int axis, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    return arg_common(ctx, "argmin", AX_OP_ARGMIN, a, axis, keepdims);
}

ax_array *ax_softmax(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "softmax: not supported for complex64 input of shape %s",
                         AX_SHAPE(a));
    MASK_BUF(a);
    if (!mask) return ax__error(ctx, AX_ERR_OOM, "softmax: out of host memory");
    ax_array *out = NULL;
    if (reduce_mask(ctx, "softmax", axes, naxes, a->ndim, mask))
        out = make_reduce(ctx, "softmax", AX_OP_SOFTMAX, a, mask, true, float_dtype(a->dtype), true);
    if (mask != mask_local) free(mask);
    return out;
}

bool ax__reduce_count(ax_ctx *ctx, const char *name, ax_array *a, const int *axes, int naxes,
                      int64_t *n) {
    MASK_BUF(a);
    if (!mask) {
        ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
        return false;
    }
    bool ok = reduce_mask(ctx, name, axes, naxes, a->ndim, mask);
    if (ok) *n = reduced_count(a, mask);
    if (mask != mask_local) free(mask);
    return ok;
}
