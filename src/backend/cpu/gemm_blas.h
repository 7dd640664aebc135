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
/* Set OpenBLAS's thread count (process-wide; the next ax__blas_sync_threads
 * goes back to ax's). 1 around a batch split over ax's pool, so each pool
 * thread runs whole products alone. */
void ax__blas_set_threads(int n);
/* Problems below this many multiply-adds run single-threaded inside OpenBLAS
 * (its own thresholds: 65536 * 4 for gemm, 2304 * 4 for gemv), so batches
 * of them may be spread over ax's pool. */
/* float32 C (M x N, leading dim ldc) = A B for row-major A (M x K, lda) and
 * B (K x N, ldb) with a narrow B, without BLAS's packing (gemm_skinny.c);
 * single-threaded. ax__gemm_skinny_ok says whether it has a fast kernel for
 * the shape: AVX-512 builds, N in [MIN_N, MAX_N], K >= MIN_K, and more
 * than MIN_MNK multiply-adds (below that OpenBLAS's own small-matrix kernel,
 * which does not pack either, is as fast or up to 8% faster on data in
 * cache). Measured one thread against OpenBLAS 0.3.21 (sgemm, same layout):
 * 1.3-1.8x faster from N = 24 up, 0.94-1.2x at N = 16-17 with M, K <= 96;
 * N < 16 wastes lanes and can lose (0.75x at N = 5). */
bool ax__gemm_skinny_ok(int64_t M, int64_t N, int64_t K);
void ax__gemm_skinny_f32(int64_t M, int64_t N, int64_t K, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float *c, int64_t ldc);
#define AX_GEMM_SKINNY_MIN_N 16
#define AX_GEMM_SKINNY_MAX_N 64
#define AX_GEMM_SKINNY_MIN_K 32
#define AX_GEMM_SKINNY_MIN_MNK 1e6
#define AX_BLAS_SMALL_MNK (int64_t)262144
#define AX_BLAS_SMALL_MN_GEMV (int64_t)9216

#endif
