/* Launchers of the reduction family (reduce.cu): reductions, logsumexp,
 * softmax, and the strided gather/scatter copies the C side uses to make an
 * input dense (or to put a permuted result back). C-compatible. */
#ifndef AX_CU_REDUCE_H
#define AX_CU_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AX_CU_R_SUM = 0,
    AX_CU_R_PROD,
    AX_CU_R_MAX,
    AX_CU_R_MIN,
    AX_CU_R_ALL,
    AX_CU_R_ANY,
    AX_CU_R_ARGMAX,
    AX_CU_R_ARGMIN,
    AX_CU_R_LSE,
    AX_CU_R_SOFTMAX
};

/* A reduction of a dense row-major input seen as (outer, R, inner) over the
 * middle axis. Output: dense (outer, inner) for reductions (argmax gives the
 * index in [0, R) as int64), dense (outer, R, inner) for softmax. */
typedef struct ax_cu_reduce {
    int op;        /* AX_CU_R_* */
    int in_dtype;  /* AX_CU_* */
    int out_dtype; /* the op's output dtype (see ax_cu_reduce_supported) */
    const void *x;
    void *y;
    int64_t outer, R, inner;
} ax_cu_reduce;

/* Whether the launchers handle (op, in_dtype): complex64 only for sum,
 * prod, all, any; logsumexp and softmax only for floating inputs. */
bool ax_cu_reduce_supported(int op, int in_dtype);
/* Device workspace (bytes) a run of d needs (0: none). */
size_t ax_cu_reduce_workspace(const ax_cu_reduce *d);
/* Queue the reduction on stream; ws holds ax_cu_reduce_workspace(d) bytes. */
cudaError_t ax_cu_reduce_run(const ax_cu_reduce *d, void *ws, cudaStream_t stream);

/* dst (dense, row-major over src->shape) = the elements of the strided
 * array src; elem_size 1, 2, 4 or 8. */
cudaError_t ax_cu_red_gather(void *dst, const ax_cu_array *src, int elem_size, cudaStream_t stream);
/* The reverse: the strided array dst = dense src (row-major over dst->shape). */
cudaError_t ax_cu_red_scatter(const ax_cu_array *dst, const void *src, int elem_size,
                          cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
