/* Private to the CUDA matmul family: matmul.c (cuBLASLt products), conv.c
 * (convolution and pooling, whose GEMMs go through ax__cuda_gemm) and fp8.c
 * (fp8 products on cuBLASLt). */
#ifndef AX_CUDA_CONV_H
#define AX_CUDA_CONV_H

#include <cublasLt.h>

#include "backend/cuda/cuda.h"

/* Workspace of every cuBLASLt call (from the caching allocator). */
#define AX_CUDA_LT_WORKSPACE ((size_t)32 << 20)

/* Registers CONV, MAX_POOL and AVG_POOL (called by ax__cuda_register_matmul). */
void ax__cuda_register_conv(ax_kernel *table);

/* One (strided-batched) row-major product on the current stream:
 *   D[t] = alpha * A[t] @ B[t] + beta * D[t]   for t < batch,
 * A[t] = a + t * a_bs (M x K, element (i, k) at i * a_rs + k * a_cs),
 * B[t] = b + t * b_bs (K x N), D[t] = d + t * d_bs (M x N, row stride d_ld,
 * columns dense). Strides in elements; a_bs / b_bs may be 0 (shared
 * operand). Each of A and B must be row-major (column stride 1) or
 * transposed (row stride 1) with a leading dimension covering the matrix;
 * otherwise AX__DECLINE is returned before anything is queued. AX__DECLINE
 * also when cuBLASLt has no algorithm for the problem (nothing queued by
 * that call; earlier calls of a loop may have written). dtype: float16,
 * bfloat16 (float32 accumulation, rounded once), float32 (full float32, or
 * TF32 when AX_CUDA_TF32=1), float64, complex64. beta == 0: D is not read. */
typedef struct ax_cuda_gemm {
    ax_dtype dtype;
    int64_t M, N, K, batch;
    const void *a;
    int64_t a_rs, a_cs, a_bs;
    const void *b;
    int64_t b_rs, b_cs, b_bs;
    void *d;
    int64_t d_ld, d_bs;
    double alpha, beta;
} ax_cuda_gemm;

ax_status ax__cuda_gemm(ax_ctx *ctx, const ax_cuda_gemm *g, const char *op);

/* Whether ax__cuda_gemm can read an R x C operand with row / column strides
 * rs / cs as it is (see above): its transpose flag and leading dimension. */
bool ax__cuda_gemm_layout(int64_t R, int64_t C, int64_t rs, int64_t cs, bool *trans, int64_t *ld);

/* Dense row-major copy of an evaluated array (any strides, rank merged to at
 * most AX_CU_MAX_DIMS) into device memory from ax__cuda_malloc (release with
 * ax__cuda_free). *dst NULL with AX__DECLINE (nothing recorded) when the
 * layout has too many dims, or with the error status. */
ax_status ax__cuda_dense_copy(ax_ctx *ctx, const ax_array *x, void **dst, const char *op);

/* The current device's cuBLASLt handle (a cublasLtHandle_t), made on first
 * use; AX__DECLINE for a device index beyond the handle table. */
ax_status ax__cuda_lt_handle(ax_ctx *ctx, void **h, const char *op);

/* The algorithm cuBLASLt's heuristic picks for a problem (workspace up to
 * AX_CUDA_LT_WORKSPACE; align: the least alignment of A, B and D in bytes,
 * or NULL), cached (a query costs tens of microseconds) under `key`: n_key
 * (<= AX_CUDA_LT_KEY) words that identify the problem for the caller,
 * `family` telling callers' keys apart. CUBLAS_STATUS_SUCCESS with *found
 * false when there is none (the caller declines). */
#define AX_CUDA_LT_KEY 23
enum { AX_CUDA_LT_GEMM, AX_CUDA_LT_FP8 };
cublasStatus_t ax__cuda_lt_algo(cublasLtHandle_t h, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t lA,
                                cublasLtMatrixLayout_t lB, cublasLtMatrixLayout_t lD, const uint32_t *align,
                                int family, const int64_t *key, int n_key, cublasLtMatmulAlgo_t *algo,
                                bool *found);

#endif
