/* Launchers of the fp8 family's CUDA kernels (kernels/fp8.cu): TO_FP8,
 * FROM_FP8, and the transpose and row-wise scaling FP8_MATMUL may need; called from
 * src/backend/cuda/fp8.c. Plain C. The codec is backend/fp8_codec.h, the
 * CPU's. */
#ifndef AX_CU_FP8_H
#define AX_CU_FP8_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* codes (operand 0, uint8) = the fp8 codes in format fmt of operand 1 (any
 * real dtype, read as double), over an ew layout. */
cudaError_t ax_cu_fp8_encode(const ax_cu_ew *l, int fmt, cudaStream_t stream);
/* out (operand 0, a float dtype) = the values of the codes in operand 1. */
cudaError_t ax_cu_fp8_decode(const ax_cu_ew *l, int fmt, cudaStream_t stream);
/* dst (cols x rows, row-major) = the transpose of bytes src (rows x cols,
 * row stride src_ld). */
cudaError_t ax_cu_transpose_u8(uint8_t *dst, const uint8_t *src, int64_t rows, int64_t cols, int64_t src_ld,
                               cudaStream_t stream);

/* out (M x N row-major, out_dtype float32 / float16 / bfloat16, an
 * AX_CU_* code) = (float)(sa[i] * sb[j]) * p[i, j], p float32 row-major:
 * row-wise scales applied after a unit-scale product. */
cudaError_t ax_cu_fp8_scale_outer(void *out, int out_dtype, const float *p, const float *sa, const float *sb,
                                  int64_t M, int64_t N, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
