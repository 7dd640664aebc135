/* CBLAS wrappers for the matmul kernels (see gemm_blas.h). */
#include <cblas.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/gemm_blas.h"

/* OpenBLAS extensions (declared here too in case the cblas.h found is not
 * OpenBLAS's own; the library linked is OpenBLAS). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

static enum CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

void ax__blas_gemm(ax_dtype ct, bool ta, bool tb, int m, int n, int k, double alpha, const void *a,
                   int lda, const void *b, int ldb, double beta, void *c, int ldc) {
    switch (ct) {
    case AX_FLOAT32:
        cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, (float)alpha, a, lda, b, ldb,
                    (float)beta, c, ldc);
        break;
    case AX_FLOAT64:
        cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
    case AX_COMPLEX64: {
        float al[2] = {(float)alpha, 0}, be[2] = {(float)beta, 0};
        cblas_cgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, al, a, lda, b, ldb, be, c, ldc);
        break;
    }
    default: break;
    }
}

void ax__blas_gemv(ax_dtype ct, bool trans, int rows, int cols, double alpha, const void *a,
                   int lda, const void *x, int incx, double beta, void *y, int incy) {
    switch (ct) {
    case AX_FLOAT32:
        cblas_sgemv(CblasRowMajor, tr(trans), rows, cols, (float)alpha, a, lda, x, incx,
                    (float)beta, y, incy);
        break;
    case AX_FLOAT64:
        cblas_dgemv(CblasRowMajor, tr(trans), rows, cols, alpha, a, lda, x, incx, beta, y, incy);
        break;
    case AX_COMPLEX64: {
        float al[2] = {(float)alpha, 0}, be[2] = {(float)beta, 0};
        cblas_cgemv(CblasRowMajor, tr(trans), rows, cols, al, a, lda, x, incx, be, y, incy);
        break;
    }
    default: break;
    }
}

void ax__blas_sync_threads(void) { ax__blas_set_threads(ax__num_threads()); }

void ax__blas_set_threads(int n) {
    if (openblas_get_num_threads() != n) openblas_set_num_threads(n);
}
