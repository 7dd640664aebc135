/* ax/linalg.h — linear algebra through LAPACK, batched over leading axes.
 *
 * Every function works on the last two axes of its input ("matrices") and
 * repeats over the leading axes ("batch"). Inputs are float32 or float64 and
 * results keep that dtype; float16, bfloat16, integer and bool inputs are
 * computed in float32 and give float32 (ax's at-least-float rule, as the
 * reductions); complex64 input is rejected with AX_ERR_DTYPE (see
 * docs/linalg.md). Shape errors are recorded when the op is built; numerical
 * failures (singular matrix, not positive definite, no convergence) when it
 * is evaluated, as AX_ERR_VALUE with a message naming the op and the batch
 * item. Input with NaN or Inf gives NaN outputs for svd, eig and eigh (LAPACK
 * may not converge on them) and propagates through the others as LAPACK does
 * (cholesky reports "not positive definite"). Multi-output functions return
 * AX_OK or the error code and set their outputs (NULL on error); any output
 * may be released before evaluation. */
#ifndef AX_LINALG_H
#define AX_LINALG_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- norms */
/* Which norm ax_linalg_norm computes (numpy.linalg.norm's `ord`). */
typedef enum ax_norm_kind {
    AX_NORM_DEFAULT, /* ord=None: 2-norm of vectors, Frobenius of matrices, 2-norm of
                        the flattened array when axes == NULL */
    AX_NORM_P,       /* the numeric order `p`: vectors any p (INFINITY, -INFINITY, 0 =
                        count of nonzeros, negative p as NumPy); matrices 1, -1, 2, -2,
                        INFINITY, -INFINITY */
    AX_NORM_FRO,     /* 'fro' (matrices) */
    AX_NORM_NUC      /* 'nuc': sum of singular values (matrices) */
} ax_norm_kind;
/* numpy.linalg.norm: naxes 1 gives vector norms, naxes 2 matrix norms over
 * those two axes; axes == NULL takes a 1-D input as a vector and a 2-D input
 * as a matrix (other ranks: AX_NORM_DEFAULT only, over the flattened array).
 * Real inputs only; integers and halves give float32. */
AX_API ax_array *ax_linalg_norm(ax_ctx *ctx, ax_array *a, ax_norm_kind kind, double p,
                                const int *axes, int naxes, bool keepdims);

/* ---------------------------------------------------------------- factorizations */
/* Cholesky factor of symmetric positive-definite matrices: lower L with
 * A = L L^T (reads the lower triangle), or with upper, U with A = U^T U (reads
 * the upper triangle). AX_ERR_VALUE at eval if a matrix is not positive
 * definite. */
AX_API ax_array *ax_linalg_cholesky(ax_ctx *ctx, ax_array *a, bool upper);
/* inv(A) from its Cholesky factor (lower L, or upper U with `upper`), as
 * MLX's cholesky_inv; only the factor's triangle is read. */
AX_API ax_array *ax_linalg_cholesky_inv(ax_ctx *ctx, ax_array *factor, bool upper);
/* numpy.linalg.qr: complete false gives Q (..., m, k) and R (..., k, n) with
 * k = min(m, n) ('reduced'); true gives Q (..., m, m), R (..., m, n). LAPACK's
 * sign convention (R's diagonal may be negative), as NumPy. */
AX_API ax_status ax_linalg_qr(ax_ctx *ctx, ax_array *a, bool complete, ax_array **q,
                              ax_array **r);
/* numpy.linalg.svd: A = U diag(S) Vh with S descending. full_matrices: U is
 * (..., m, m) and Vh (..., n, n), else (..., m, k) and (..., k, n). With
 * compute_uv false only *s is set (u and vh may be NULL). */
AX_API ax_status ax_linalg_svd(ax_ctx *ctx, ax_array *a, bool full_matrices, bool compute_uv,
                               ax_array **u, ax_array **s, ax_array **vh);
/* Singular values only (..., min(m, n)), descending. */
AX_API ax_array *ax_linalg_svdvals(ax_ctx *ctx, ax_array *a);
/* numpy.linalg.eig of general square matrices: eigenvalues w (..., n) and
 * right eigenvectors as columns of v (..., n, n), A v = v diag(w), each of
 * unit 2-norm. Results are complex64 (ax has no complex128: float64 input is
 * computed in double and rounded). Order as LAPACK's geev. */
AX_API ax_status ax_linalg_eig(ax_ctx *ctx, ax_array *a, ax_array **w, ax_array **v);
AX_API ax_array *ax_linalg_eigvals(ax_ctx *ctx, ax_array *a);
/* numpy.linalg.eigh of symmetric matrices: eigenvalues ascending (..., n) and
 * orthonormal eigenvectors as columns of v. upper reads the upper triangle
 * (UPLO='U'), else the lower one (NumPy's default 'L'). */
AX_API ax_status ax_linalg_eigh(ax_ctx *ctx, ax_array *a, bool upper, ax_array **w, ax_array **v);
AX_API ax_array *ax_linalg_eigvalsh(ax_ctx *ctx, ax_array *a, bool upper);
/* scipy.linalg.lu: A = P L U with P (..., m, m) a permutation matrix (a's
 * dtype), L (..., m, k) unit lower, U (..., k, n) upper, k = min(m, n).
 * Partial pivoting (LAPACK getrf). Singular matrices are fine. */
AX_API ax_status ax_linalg_lu(ax_ctx *ctx, ax_array *a, ax_array **p, ax_array **l,
                              ax_array **u);
/* scipy.linalg.lu_factor: L and U packed in one (..., m, n) array (L's unit
 * diagonal not stored) and int32 pivots (..., k), 0-based: row i was swapped
 * with row piv[i], in order. */
AX_API ax_status ax_linalg_lu_factor(ax_ctx *ctx, ax_array *a, ax_array **lu, ax_array **piv);

/* ---------------------------------------------------------------- inverses and solves */
/* numpy.linalg.inv. AX_ERR_VALUE "inv: singular matrix" at eval. */
AX_API ax_array *ax_linalg_inv(ax_ctx *ctx, ax_array *a);
/* numpy.linalg.pinv through the SVD: singular values at or below
 * rtol * max(S) are dropped. rtol < 0 selects NumPy 2's default,
 * max(m, n) * eps of the dtype. */
AX_API ax_array *ax_linalg_pinv(ax_ctx *ctx, ax_array *a, double rtol);
/* numpy.linalg.solve (NumPy 2 rules): a (..., n, n); b is a vector (n,) when
 * it is 1-D, else (..., n, k) with the batch axes broadcast against a's.
 * AX_ERR_VALUE "solve: singular matrix" at eval. */
AX_API ax_array *ax_linalg_solve(ax_ctx *ctx, ax_array *a, ax_array *b);
/* scipy.linalg.solve_triangular, batched as solve: solves A x = b (A^T x = b
 * with trans) reading only A's upper (upper) or lower triangle; with
 * unit_diagonal the diagonal is taken as ones and not read. A zero on the
 * diagonal is AX_ERR_VALUE "solve_triangular: singular matrix" at eval. */
AX_API ax_array *ax_linalg_solve_triangular(ax_ctx *ctx, ax_array *a, ax_array *b, bool upper,
                                            bool unit_diagonal, bool trans);

/* ---------------------------------------------------------------- determinants */
/* numpy.linalg.det (..., n, n) -> (...): 0 for singular matrices. */
AX_API ax_array *ax_linalg_det(ax_ctx *ctx, ax_array *a);
/* numpy.linalg.slogdet: sign (-1, 0 or 1; NaN for NaN input) and log|det|
 * (-inf for singular matrices), both of a's dtype. */
AX_API ax_status ax_linalg_slogdet(ax_ctx *ctx, ax_array *a, ax_array **sign,
                                   ax_array **logabsdet);

/* ---------------------------------------------------------------- products */
/* numpy.cross along `axis` (of both inputs; the other axes broadcast): two
 * 3-vectors give a 3-vector; a 2-vector is taken with z = 0 against a
 * 3-vector; two 2-vectors give the scalar z component (that axis removed).
 * Any numeric dtype (promoted as multiply). */
AX_API ax_array *ax_linalg_cross(ax_ctx *ctx, ax_array *a, ax_array *b, int axis);

#ifdef __cplusplus
}
#endif
#endif
