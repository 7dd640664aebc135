/* ax/sort.h — sorting and selection (sort, argsort, partition, topk, median, searchsorted). */
#ifndef AX_SORT_H
#define AX_SORT_H

#include "core.h"
#include "ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- sorting */
/* Order used by every function here (NumPy's): ascending; NaN sorts after
 * +inf (all NaNs compare equal to each other); -0.0 and 0.0 compare equal;
 * bool is false < true. Sorting is stable: equal elements keep their input
 * order, so the result equals np.sort(a, kind="stable") element for element
 * (NaN payloads and the signs of zeros included). complex64 is not
 * supported (AX_ERR_DTYPE). `axis` may be negative; AX_AXIS_NONE sorts the
 * flattened array (1-D result). Bad axes are AX_ERR_AXIS. */

/* Sorted copy of a along axis; same shape and dtype. */
AX_API ax_array *ax_sort(ax_ctx *ctx, ax_array *a, int axis);
/* int64 indices that sort a along axis (stable: np.argsort(kind="stable")). */
AX_API ax_array *ax_argsort(ax_ctx *ctx, ax_array *a, int axis);
/* np.partition with one kth: a copy of a where, along axis, the element at
 * kth is the one a sorted copy would hold there, no element before it is
 * greater and none after it is smaller (in the order above). The order
 * within the two sides is unspecified (it may differ from NumPy's).
 * -n <= kth < n (negative counts from the end), else AX_ERR_INDEX; an axis
 * of length 0 is AX_ERR_INDEX too (NumPy raises). */
AX_API ax_array *ax_partition(ax_ctx *ctx, ax_array *a, int64_t kth, int axis);
/* int64 indices that partition a along axis as ax_partition does
 * (take_along_axis(a, argpartition(a, kth, axis), axis) is such a
 * partition). Same errors. */
AX_API ax_array *ax_argpartition(ax_ctx *ctx, ax_array *a, int64_t kth, int axis);
/* The k largest elements along axis, in descending order (largest first;
 * NaN counts as the largest, as in the sort order above), like
 * torch.topk(sorted=True); the axis has length k in the result. MLX's topk
 * leaves the order unspecified; here it is fixed. 0 <= k <= n, else
 * AX_ERR_VALUE. AX_AXIS_NONE works on the flattened array. Built from
 * ax_partition (O(n) selection) and ax_sort of the k selected elements. */
AX_API ax_array *ax_topk(ax_ctx *ctx, ax_array *a, int64_t k, int axis);
/* np.median over the given axes (NULL: all axes; naxes 0 with non-NULL
 * axes: no reduction), with keepdims. The result is floating: integer and
 * bool inputs give float32 (as ax_mean), floating inputs keep their dtype;
 * an even count averages the two middle elements (computed in the input's
 * floating dtype, as NumPy's mean of the two). Any NaN in a reduced group
 * gives NaN for that group (NumPy). An empty group gives NaN (NumPy warns
 * and returns nan). Built from ax_partition, ax_max and ax_where. complex64
 * is AX_ERR_DTYPE. */
AX_API ax_array *ax_median(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);

/* Which index np.searchsorted returns for values equal to elements of a. */
typedef enum ax_search_side {
    AX_SEARCH_LEFT = 0, /* first i with a[i] >= v (in the sort order above) */
    AX_SEARCH_RIGHT = 1 /* first i with a[i] > v */
} ax_search_side;

/* np.searchsorted: for each element of v, the insertion index into the 1-D
 * array a that keeps it sorted; int64 with v's shape (a 0-d v gives a 0-d
 * result). a must be sorted in the order above (NaN last) or, when `sorter`
 * is not NULL, sorter must be int64 indices that sort it (a[sorter] is then
 * searched; the indices are checked at evaluation, AX_ERR_INDEX).
 * Errors: a not 1-D (AX_ERR_SHAPE); a and v of different dtypes, or a
 * complex64 (AX_ERR_DTYPE: cast one explicitly; NumPy would promote);
 * sorter not int64 or not of a's shape (AX_ERR_DTYPE / AX_ERR_SHAPE). If a
 * is not sorted the result is unspecified (NumPy's too) but in [0, n]. */
AX_API ax_array *ax_searchsorted(ax_ctx *ctx, ax_array *a, ax_array *v, ax_search_side side,
                                 ax_array *sorter);

#ifdef __cplusplus
}
#endif
#endif
