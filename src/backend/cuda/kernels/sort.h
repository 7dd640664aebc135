/* Launchers of the sort family (sort.cu): stable sort / argsort along an
 * axis through CUB radix sorts on ordered integer keys (the CPU's canonical
 * keys, src/backend/cpu/sort_keys.h), and searchsorted by binary search on
 * the same keys. */
#ifndef AX_CU_SORT_H
#define AX_CU_SORT_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One sort / argsort. `in` describes the input with the sort axis moved
 * last (other dims in their order, then the axis; dims may be coalesced but
 * the last dim is the axis, of length n). Lines are numbered row-major over
 * the other dims: line r = o * inner + i, where inner is the product of the
 * original dims after the axis. The output (row-major, the original shape)
 * gets element j of line r at o * n * inner + j * inner + i: the values'
 * bytes (arg == 0) or the int64 index j' of the element in its line. */
typedef struct ax_cu_sort {
    ax_cu_array in;
    void *out;
    int arg;       /* 0: sorted values, 1: int64 indices */
    int64_t rows;  /* number of lines (> 0) */
    int64_t n;     /* line length (> 0, at most INT32_MAX) */
    int64_t inner; /* see above */
} ax_cu_sort;

/* Workspace bytes ax_cu_sort_run needs for s. */
cudaError_t ax_cu_sort_workspace(const ax_cu_sort *s, size_t *bytes);
/* Runs the sort on stream with ws (ws_bytes from ax_cu_sort_workspace). */
cudaError_t ax_cu_sort_run(const ax_cu_sort *s, void *ws, size_t ws_bytes, cudaStream_t stream);

/* out[e] (int64, row-major over v's shape) = the number of elements of the
 * sorted 1-D array a (length a->shape[0], stride a->strides[0]) that sort
 * before v[e] (right == 0: strictly less; right != 0: less or equal), by
 * binary search in the sort order (NaN last, -0.0 == 0.0). a and v have the
 * same real dtype. */
cudaError_t ax_cu_searchsorted(const ax_cu_array *a, const ax_cu_array *v, int right, int64_t *out,
                               cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
