/* Sorting and selection: sort, argsort, partition, argpartition and
 * searchsorted as primitives; topk and median built from them. Contracts in
 * include/ax/sort.h. */
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"
#include "ops/reduce_params.h"
#include "ops/scan_sort_params.h"

/* Flatten for AX_AXIS_NONE, then normalize the axis. Returns the array to
 * work on (NULL on error). */
static ax_array *prepare_axis(ax_ctx *ctx, const char *name, ax_array *a, int *axis) {
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for complex64 input of shape %s",
                         name, AX_SHAPE(a));
    if (*axis == AX_AXIS_NONE) {
        int64_t n = a->size;
        a = ax_reshape(ctx, a, &n, 1);
        *axis = 0;
        return a;
    }
    if (!ax__norm_axis(ctx, name, *axis, a->ndim, axis)) return NULL;
    return a;
}

static ax_array *sort_common(ax_ctx *ctx, const char *name, ax_op op, ax_array *a, int axis) {
    a = prepare_axis(ctx, name, a, &axis);
    if (!a) return NULL;
    ax_sort_params p = {.axis = axis};
    return ax__make_op(ctx, op, &a, 1, &p, sizeof p, op == AX_OP_SORT ? a->dtype : AX_INT64,
                       a->shape, a->ndim);
}

ax_array *ax_sort(ax_ctx *ctx, ax_array *a, int axis) {
    AX_CHECK_IN(ctx, a);
    return sort_common(ctx, "sort", AX_OP_SORT, a, axis);
}
ax_array *ax_argsort(ax_ctx *ctx, ax_array *a, int axis) {
    AX_CHECK_IN(ctx, a);
    return sort_common(ctx, "argsort", AX_OP_ARGSORT, a, axis);
}

static ax_array *partition_common(ax_ctx *ctx, const char *name, ax_op op, ax_array *a,
                                  int64_t kth, int axis) {
    a = prepare_axis(ctx, name, a, &axis);
    if (!a) return NULL;
    int64_t n = a->shape[axis];
    if (kth < -n || kth >= n)
        return ax__error(ctx, AX_ERR_INDEX,
                         "%s: kth %lld is out of bounds for axis %d of length %lld (input shape %s)",
                         name, (long long)kth, axis, (long long)n, AX_SHAPE(a));
    ax_sort_params p = {.axis = axis, .kth = kth < 0 ? kth + n : kth};
    return ax__make_op(ctx, op, &a, 1, &p, sizeof p,
                       op == AX_OP_PARTITION ? a->dtype : AX_INT64, a->shape, a->ndim);
}

ax_array *ax_partition(ax_ctx *ctx, ax_array *a, int64_t kth, int axis) {
    AX_CHECK_IN(ctx, a);
    return partition_common(ctx, "partition", AX_OP_PARTITION, a, kth, axis);
}
ax_array *ax_argpartition(ax_ctx *ctx, ax_array *a, int64_t kth, int axis) {
    AX_CHECK_IN(ctx, a);
    return partition_common(ctx, "argpartition", AX_OP_ARGPARTITION, a, kth, axis);
}

ax_array *ax_topk(ax_ctx *ctx, ax_array *a, int64_t k, int axis) {
    AX_CHECK_IN(ctx, a);
    a = prepare_axis(ctx, "topk", a, &axis);
    if (!a) return NULL;
    int64_t n = a->shape[axis];
    if (k < 0 || k > n)
        return ax__error(ctx, AX_ERR_VALUE,
                         "topk: k = %lld is out of range for axis %d of length %lld (input shape "
                         "%s); need 0 <= k <= %lld", (long long)k, axis, (long long)n,
                         AX_SHAPE(a), (long long)n);
    if (k == 0) return ax_copy(ctx, ax_slice_axis(ctx, a, axis, n, n, 1));
    ax_array *p = k < n ? ax_partition(ctx, a, n - k, axis) : a;
    ax_array *top = ax_sort(ctx, ax_slice_axis(ctx, p, axis, n - k, n, 1), axis);
    return ax_copy(ctx, ax_flip(ctx, top, &axis, 1));
}

ax_array *ax_median(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims) {
    AX_CHECK_IN(ctx, a);
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "median: not supported for complex64 input of shape %s",
                         AX_SHAPE(a));
    int nd = a->ndim;
    bool mask[AX_MAX_NDIM];
    if (axes && naxes < 0)
        return ax__error(ctx, AX_ERR_AXIS, "median: negative number of axes %d", naxes);
    if (!ax__norm_axes(ctx, "median", axes, naxes, nd, mask)) return NULL;
    ax_dtype ft = ax__reduce_float_dtype(a->dtype);
    /* Reduced axes to the end, merged into one of length m. */
    int perm[AX_MAX_NDIM], np_ = 0;
    int64_t shape[AX_MAX_NDIM + 1], oshape[AX_MAX_NDIM], m = 1;
    int on = 0;
    for (int d = 0; d < nd; d++) {
        if (!mask[d]) {
            perm[np_++] = d;
            shape[np_ - 1] = a->shape[d];
            oshape[on++] = a->shape[d];
        } else if (keepdims) {
            oshape[on++] = 1;
        }
    }
    int nkept = np_;
    for (int d = 0; d < nd; d++)
        if (mask[d]) {
            perm[np_++] = d;
            m *= a->shape[d];
        }
    shape[nkept] = m;
    if (m == 0) return ax_full(ctx, oshape, on, NAN, ft);
    ax_array *x = ax_reshape(ctx, ax_transpose(ctx, a, perm, nd), shape, nkept + 1);
    int64_t kth = m / 2;
    ax_array *p = ax_partition(ctx, x, kth, -1);
    ax_array *hi = ax_astype(ctx, ax_slice_axis(ctx, p, -1, kth, kth + 1, 1), AX_FLOAT64);
    ax_array *med = hi;
    if (m % 2 == 0) {
        int last = -1;
        ax_array *lo = ax_astype(ctx, ax_max(ctx, ax_slice_axis(ctx, p, -1, 0, kth, 1), &last, 1, true),
                                 AX_FLOAT64);
        med = ax_multiply(ctx, ax_add(ctx, lo, hi), ax_scalar(ctx, 0.5, AX_FLOAT64));
    }
    med = ax_astype(ctx, med, ft);
    if (ax_dtype_is_floating(a->dtype)) {
        /* NaN sorts last: the group holds a NaN iff its maximum is NaN. */
        int last = -1;
        ax_array *has_nan = ax_isnan(ctx, ax_max(ctx, p, &last, 1, true));
        med = ax_where(ctx, has_nan, ax_scalar(ctx, NAN, ft), med);
    }
    return ax_reshape(ctx, med, oshape, on);
}

ax_array *ax_searchsorted(ax_ctx *ctx, ax_array *a, ax_array *v, ax_search_side side,
                          ax_array *sorter) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, v);
    if (a->ndim != 1)
        return ax__error(ctx, AX_ERR_SHAPE, "searchsorted: the sorted array must be 1-D, got shape %s",
                         AX_SHAPE(a));
    if (a->dtype != v->dtype)
        return ax__error(ctx, AX_ERR_DTYPE,
                         "searchsorted: the sorted array (%s) and the values (%s) must have the same "
                         "dtype; cast one with ax_astype", ax_dtype_name(a->dtype),
                         ax_dtype_name(v->dtype));
    if (a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE, "searchsorted: not supported for complex64 input");
    if (side != AX_SEARCH_LEFT && side != AX_SEARCH_RIGHT)
        return ax__error(ctx, AX_ERR_VALUE, "searchsorted: side must be AX_SEARCH_LEFT or "
                         "AX_SEARCH_RIGHT, got %d", (int)side);
    if (sorter) {
        if (sorter->dtype != AX_INT64)
            return ax__error(ctx, AX_ERR_DTYPE, "searchsorted: sorter must be int64, got %s",
                             ax_dtype_name(sorter->dtype));
        if (sorter->ndim != 1 || sorter->shape[0] != a->shape[0])
            return ax__error(ctx, AX_ERR_SHAPE,
                             "searchsorted: sorter of shape %s does not match the array of shape %s",
                             AX_SHAPE(sorter), AX_SHAPE(a));
        a = ax_take(ctx, a, sorter, 0);
        if (!a) return NULL;
    }
    ax_searchsorted_params p = {.right = side == AX_SEARCH_RIGHT};
    ax_array *in[2] = {a, v};
    return ax__make_op(ctx, AX_OP_SEARCHSORTED, in, 2, &p, sizeof p, AX_INT64, v->shape, v->ndim);
}
