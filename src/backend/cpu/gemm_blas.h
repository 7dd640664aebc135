/* Thin dtype-dispatching wrappers over CBLAS gemm/gemv (row-major), for the
 * matmul kernels. ct is the compute dtype: float32, float64 or complex64;
 * alpha and beta are real. A trans flag means the stored matrix is the
 * transpose of the operand (CblasTrans, never a conjugate). */
#ifndef AX_CPU_GEMM_BLAS_H
#define AX_CPU_GEMM_BLAS_H

#include <stdbool.h>
#include <stdint.h>

#include "ax/core.h"

/* C (m x n, leading dim ldc) = alpha * op(A) op(B) + beta * C. */
void ax__blas_gemm(ax_dtype ct, bool ta, bool tb, int m, int n, int k, double alpha,
                   const void *a, int lda, const void *b, int ldb, double beta, void *c, int ldc);
/* y = alpha * op(A) x + beta * y with A stored rows x cols (leading dim lda). */
void ax__blas_gemv(ax_dtype ct, bool trans, int rows, int cols, double alpha, const void *a,
                   int lda, const void *x, int incx, double beta, void *y, int incy);
/* Make OpenBLAS use as many threads as ax's pool (called before BLAS work;
 * cheap when nothing changed). */
void ax__blas_sync_threads(void);
/* Problems below this many multiply-adds run single-threaded inside OpenBLAS
 * (its own thresholds: 65536 * 4 for gemm, 2304 * 4 for gemv), so batches
 * of them may be spread over ax's pool. */
#define AX_BLAS_SMALL_MNK (int64_t)262144
#define AX_BLAS_SMALL_MN_GEMV (int64_t)9216

#endif
