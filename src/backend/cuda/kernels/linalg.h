/* Launchers for the linear-algebra helpers around cuSOLVER (linalg.cu):
 * packing strided matrices into the layouts cuSOLVER wants, unpacking its
 * column-major results into ax's row-major outputs, and the small per-item
 * passes the CPU kernels do on the host (finiteness checks, info fix-ups,
 * determinants, permutation matrices, eig's complex expansion).
 *
 * Matrices: `fp64` selects double (else float). Batch items are `nbatch`;
 * every buffer below is dense per item unless a stride is given. */
#ifndef AX_CU_LINALG_H
#define AX_CU_LINALG_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Triangle masks for unpack (row-major (i, c) of the destination). */
enum {
    AX_CU_TRI_FULL = 0,
    AX_CU_TRI_UPPER = 1,      /* c >= i kept, else 0 */
    AX_CU_TRI_LOWER = 2,      /* c <= i kept, else 0 */
    AX_CU_TRI_UNIT_LOWER = 3, /* c < i kept, c == i 1, else 0 */
    AX_CU_TRI_SYM_UPPER = 4,  /* c >= i kept, else the mirrored (c, i) */
    AX_CU_TRI_SYM_LOWER = 5   /* c <= i kept, else the mirrored (c, i) */
};

/* dst item b, element (i, j) of the r x c matrices of src (src's last two
 * dims, or its last dim as an r x 1 column when c == 1 and src is a vector
 * batch: src->size must be nbatch * r * c): dst[b * dstride + (colmajor ?
 * i + j * ld : i * ld + j)] = src (any strides). */
cudaError_t ax_cu_linalg_pack(const ax_cu_array *src, void *dst, int fp64, int64_t nbatch, int r,
                              int c, int colmajor, int64_t ld, int64_t dstride, cudaStream_t s);

/* dst (row-major r x c per item, dense) = src[b * sb + i * si + j * sj] under
 * the triangle mask. */
cudaError_t ax_cu_linalg_unpack(const void *src, int64_t sb, int64_t si, int64_t sj, void *dst,
                                int fp64, int64_t nbatch, int r, int c, int mode, cudaStream_t s);

/* dst item b (r x c, dense, item stride dstride) = identity pattern (1 where
 * i == j). */
cudaError_t ax_cu_linalg_identity(void *dst, int fp64, int64_t nbatch, int r, int c,
                                  int64_t dstride, cudaStream_t s);

/* flags[b] = 1 when the n x n row-major item b (dense, stride n * n) holds a
 * NaN or Inf in the part read (tri: AX_CU_TRI_FULL, _UPPER or _LOWER), else 0;
 * flagged items are then zeroed whole (so solvers see a harmless matrix).
 * r x c matrices with tri = FULL. */
cudaError_t ax_cu_linalg_nonfinite(void *a, int fp64, int64_t nbatch, int r, int c, int tri,
                                   int *flags, cudaStream_t s);

/* Items b with flags[b] set: count elements of dst (item stride count) set to
 * NaN; `cplx` counts complex64 elements (two floats each, fp64 ignored). */
cudaError_t ax_cu_linalg_nan_fill(void *dst, int fp64, int cplx, int64_t nbatch, int64_t count,
                                  const int *flags, cudaStream_t s);

/* Cholesky: where info[b] == 0, set info[b] = 1 + the first i with a NaN on
 * the diagonal of the factor (column-major n x n, dense), as LAPACK's potrf
 * reports a NaN pivot. */
cudaError_t ax_cu_linalg_chol_nan_info(const void *a, int fp64, int64_t nbatch, int n, int *info,
                                       cudaStream_t s);

/* info[b] = 1 + the first i with a[i, i] == 0 (n x n dense items), else 0. */
cudaError_t ax_cu_linalg_zero_diag(const void *a, int fp64, int64_t nbatch, int n, int *info,
                                   cudaStream_t s);

/* piv[b * k + i] = ipiv[b * k + i] - 1 (LAPACK 1-based to SciPy 0-based). */
cudaError_t ax_cu_linalg_piv0(const int *ipiv, int32_t *piv, int64_t nbatch, int k,
                              cudaStream_t s);

/* P (m x m per item, dense) of A = P L U from getrf's 1-based ipiv (k per
 * item); perm is scratch of nbatch * m ints. */
cudaError_t ax_cu_linalg_perm_matrix(const int *ipiv, int *perm, void *P, int fp64,
                                     int64_t nbatch, int m, int k, cudaStream_t s);

/* det (slog 0: out0 = det) or slogdet (out0 = sign, out1 = log|det|) from
 * getrf's factor (n x n dense, column-major) and 1-based ipiv, with the CPU's
 * arithmetic (double accumulators). */
cudaError_t ax_cu_linalg_det(const void *lu, const int *ipiv, int fp64, int64_t nbatch, int n,
                             int slog, void *out0, void *out1, cudaStream_t s);

/* eig: complex64 w (n per item) from real wr (w[0..n)) and wi (w[n..2n)) per
 * item (2n dense), and when vr != NULL complex64 row-major eigenvectors
 * (n x n) from LAPACK's real packing of vr (column-major n x n dense). */
cudaError_t ax_cu_linalg_eig_expand(const void *w, const void *vr, int fp64, int64_t nbatch,
                                    int n, void *wo, void *vo, cudaStream_t s);

/* ptrs[b] = base + b * stride_bytes (pointer arrays of the batched APIs). */
cudaError_t ax_cu_linalg_ptrs(void **ptrs, void *base, int64_t stride_bytes, int64_t nbatch,
                              cudaStream_t s);

#ifdef __cplusplus
}
#endif
#endif
