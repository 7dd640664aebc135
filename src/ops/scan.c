/* Scans: cumsum, cumprod, cummax, cummin, logcumsumexp, one primitive (SCAN)
 * with the kind in its params. Contracts in include/ax/scan.h. */
#include "core/internal.h"
#include "ops/scan_sort_params.h"

static const char *const scan_names[] = {"cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"};

static ax_array *scan_common(ax_ctx *ctx, ax_scan_kind kind, ax_array *a, int axis, bool reverse,
                             bool inclusive) {
    const char *name = scan_names[kind];
    if (a->dtype == AX_COMPLEX64 && kind != AX_SCAN_SUM && kind != AX_SCAN_PROD)
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for complex64 input of shape %s",
                         name, AX_SHAPE(a));
    if (axis == AX_AXIS_NONE) {
        int64_t n = a->size;
        a = ax_reshape(ctx, a, &n, 1);
        if (!a) return NULL;
        axis = 0;
    } else if (a->ndim == 0) {
        /* NumPy scans a 0-d array as if it were 1-D only with axis=None. */
        return ax__error(ctx, AX_ERR_AXIS,
                         "%s: axis %d is out of bounds for an array of 0 dimensions (use "
                         "AX_AXIS_NONE to scan the flattened array)", name, axis);
    }
    int ax;
    if (!ax__norm_axis(ctx, name, axis, a->ndim, &ax)) return NULL;
    ax_scan_params p = {.kind = kind, .axis = ax, .reverse = reverse, .inclusive = inclusive};
    return ax__make_op(ctx, AX_OP_SCAN, &a, 1, &p, sizeof p, ax__scan_dtype(kind, a->dtype),
                       a->shape, a->ndim);
}

ax_array *ax_cumsum(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive) {
    AX_CHECK_IN(ctx, a);
    return scan_common(ctx, AX_SCAN_SUM, a, axis, reverse, inclusive);
}
ax_array *ax_cumprod(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive) {
    AX_CHECK_IN(ctx, a);
    return scan_common(ctx, AX_SCAN_PROD, a, axis, reverse, inclusive);
}
ax_array *ax_cummax(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive) {
    AX_CHECK_IN(ctx, a);
    return scan_common(ctx, AX_SCAN_MAX, a, axis, reverse, inclusive);
}
ax_array *ax_cummin(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive) {
    AX_CHECK_IN(ctx, a);
    return scan_common(ctx, AX_SCAN_MIN, a, axis, reverse, inclusive);
}
ax_array *ax_logcumsumexp(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive) {
    AX_CHECK_IN(ctx, a);
    return scan_common(ctx, AX_SCAN_LOGSUMEXP, a, axis, reverse, inclusive);
}
