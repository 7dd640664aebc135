/* mean, var, std: composites of sum with the elementwise ops (kept apart from
 * reduce.c so that the primitives link without the elementwise family). */
#include "core/internal.h"
#include "ops/reduce_params.h"

ax_array *ax_mean(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    int64_t n;
    if (!ax__reduce_count(ctx, "mean", a, axes, naxes, &n)) return NULL;
    ax_array *x = a->dtype == ax__reduce_float_dtype(a->dtype) ? a : ax_astype(ctx, a, AX_FLOAT32);
    /* n == 0 gives 0 / 0 = NaN, as NumPy. */
    return ax_divide(ctx, ax_sum(ctx, x, axes, naxes, keepdims), ax_weak_float(ctx, (double)n));
}

/* sum(|x - mean|^2) / max(n - ddof, 0), NumPy's definition. */
ax_array *ax_var(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims, int ddof) {
    AX_CHECK_IN(ctx, a);
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "var: not supported for complex64 input of shape %s",
                         AX_SHAPE(a));
    int64_t n;
    if (!ax__reduce_count(ctx, "var", a, axes, naxes, &n)) return NULL;
    ax_array *x = a->dtype == ax__reduce_float_dtype(a->dtype) ? a : ax_astype(ctx, a, AX_FLOAT32);
    ax_array *m = ax_mean(ctx, x, axes, naxes, true);
    ax_array *d = ax_subtract(ctx, x, m);
    ax_array *ss = ax_sum(ctx, ax_multiply(ctx, d, d), axes, naxes, keepdims);
    double div = (double)n - (double)ddof;
    return ax_divide(ctx, ss, ax_weak_float(ctx, div > 0 ? div : 0.0));
}

ax_array *ax_std(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims, int ddof) {
    AX_CHECK_IN(ctx, a);
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "std: not supported for complex64 input of shape %s",
                         AX_SHAPE(a));
    return ax_sqrt(ctx, ax_var(ctx, a, axes, naxes, keepdims, ddof));
}
