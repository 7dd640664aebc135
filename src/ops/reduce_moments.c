/* mean, var, std: composites of sum with the elementwise ops (kept apart from
 * reduce.c so that the primitives link without the elementwise family).
 * Integers, bool and half floats are computed in float32 (so that n and the
 * sums of squares do not overflow a half float), then the result is cast to
 * the documented dtype (float32 for integers, the input's for floats). */
#include "core/internal.h"
#include "ops/reduce_params.h"

static ax_dtype work_dtype(ax_dtype t) {
    return t == AX_FLOAT32 || t == AX_FLOAT64 || t == AX_COMPLEX64 ? t : AX_FLOAT32;
}

static ax_array *to_dtype(ax_ctx *ctx, ax_array *a, ax_dtype t) {
    return !a || a->dtype == t ? a : ax_astype(ctx, a, t);
}

/* sum / n in the work dtype (n == 0 gives 0 / 0 = NaN, as NumPy). */
static ax_array *mean_work(ax_ctx *ctx, ax_array *x, const int *axes, int naxes, bool keepdims,
                           int64_t n) {
    return ax_divide(ctx, ax_sum(ctx, x, axes, naxes, keepdims), ax_weak_float(ctx, (double)n));
}

ax_array *ax_mean(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    int64_t n;
    if (!ax__reduce_count(ctx, "mean", a, axes, naxes, &n)) return NULL;
    ax_array *x = to_dtype(ctx, a, work_dtype(a->dtype));
    return to_dtype(ctx, mean_work(ctx, x, axes, naxes, keepdims, n),
                    ax__reduce_float_dtype(a->dtype));
}

/* sum(|x - mean|^2) / max(n - ddof, 0), NumPy's definition, in the work dtype. */
static ax_array *var_work(ax_ctx *ctx, const char *name, ax_array *a, const int *axes, int naxes,
                          bool keepdims, int ddof) {
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for complex64 input of shape %s",
                         name, AX_SHAPE(a));
    int64_t n;
    if (!ax__reduce_count(ctx, name, a, axes, naxes, &n)) return NULL;
    ax_array *x = to_dtype(ctx, a, work_dtype(a->dtype));
    ax_array *d = ax_subtract(ctx, x, mean_work(ctx, x, axes, naxes, true, n));
    ax_array *ss = ax_sum(ctx, ax_multiply(ctx, d, d), axes, naxes, keepdims);
    double div = (double)n - (double)ddof;
    return ax_divide(ctx, ss, ax_weak_float(ctx, div > 0 ? div : 0.0));
}

ax_array *ax_var(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims, int ddof) {
    AX_CHECK_IN(ctx, a);
    return to_dtype(ctx, var_work(ctx, "var", a, axes, naxes, keepdims, ddof),
                    ax__reduce_float_dtype(a->dtype));
}

ax_array *ax_std(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims, int ddof) {
    AX_CHECK_IN(ctx, a);
    return to_dtype(ctx, ax_sqrt(ctx, var_work(ctx, "std", a, axes, naxes, keepdims, ddof)),
                    ax__reduce_float_dtype(a->dtype));
}
