/* Launchers of the matmul family's helper kernels (matmul.cu): the GEMMs
 * themselves are cuBLASLt calls made from matmul.c. */
#ifndef AX_CU_MATMUL_H
#define AX_CU_MATMUL_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst (row-major, src->shape, src->dtype) = src read through its strides
 * (0 on broadcast dims): a dense copy or a broadcast. */
cudaError_t ax_cu_mm_copy(const ax_cu_array *src, void *dst, cudaStream_t stream);

/* dst (row-major, n elements of dtype: float16, bfloat16, float32, float64,
 * complex64) = beta * c where c (may be NULL: zeros) is read through its
 * strides with c->shape the output's shape. Computed in double (each complex
 * part alone) and rounded once. */
cudaError_t ax_cu_mm_scale(const ax_cu_array *c, double beta, void *dst, int dtype, int64_t n,
                           cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
