/* Conformance cases for the linear-algebra primitives (src/ops/ops_linalg.def)
 * and the composites built on them (norm, pinv, cross).
 *
 * The fast kernels call LAPACK in the input's precision; the reference
 * kernels (src/backend/cpu/linalg_ref.c) are unblocked algorithms in double.
 * Where a factorization is unique the cases compare it directly (Cholesky,
 * LU with partial pivoting, QR with LAPACK's Householder signs, eigenvalues,
 * singular values, inverses, solutions, determinants). Where it is unique
 * only up to signs or order (SVD vectors, eigenvectors, eig's eigenvalue
 * order) a case compares a convention-free quantity built with public ops:
 * U diag(S) Vh, V diag(w) V^T, U^T U, or the power sums sum(w^k) = trace(A^k).
 * Matrices are made well conditioned in the build (A + n I, or M M^T + n I
 * for the positive-definite ops) so float32 LAPACK and the double reference
 * agree to a few float32 ulps times n. Inputs are 3-D (a batch axis first),
 * so the EMPTY variant gives an empty batch. ip[0..2]: op flags (see each
 * build). The 2-norm case leaves out CONF_EMPTY: an empty matrix has no
 * largest singular value (NumPy raises too). */
#include <math.h>
#include <stdlib.h>

#include "harness.h"

#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define L3(a, b, c) .large = {{a, b, c}}
#define S3x2(a, b, c, d, e, f) .ndim = {3, 3}, .shape = {{a, b, c}, {d, e, f}}
#define L3x2(a, b, c, d, e, f) .large = {{a, b, c}, {d, e, f}}
#define IP(...) .ip = {__VA_ARGS__}
#define FL (CONF_DT(AX_FLOAT32) | CONF_DT(AX_FLOAT64))
#define FLH (FL | CONF_DT(AX_FLOAT16))
#define ALLV CONF_ALL_VARIANTS

/* a + n I (n = last dim) */
static ax_array *shifted(ax_ctx *ctx, ax_array *a) {
    int64_t n = ax_shape(a)[ax_ndim(a) - 1];
    ax_dtype t = ax_dtype_of(a) == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32;
    ax_array *e = ax_multiply(ctx, ax_eye(ctx, n, n, 0, t), ax_scalar(ctx, (double)n, t));
    return ax_add(ctx, ax_astype(ctx, a, t), e);
}
/* a a^T + n I */
static ax_array *spd(ax_ctx *ctx, ax_array *a) {
    ax_array *s = shifted(ctx, a);
    if (!s) return NULL;
    ax_array *m = ax_matmul(ctx, s, ax_swapaxes(ctx, s, -1, -2));
    return shifted(ctx, m);
}

static ax_array *b_cholesky(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_cholesky(ctx, spd(ctx, in[0]), c->ip[0]);
}
static ax_array *b_cholesky_inv(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_cholesky_inv(ctx, ax_linalg_cholesky(ctx, spd(ctx, in[0]), c->ip[0]), c->ip[0]);
}
static ax_array *b_inv(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_inv(ctx, shifted(ctx, in[0]));
}
/* ip[0] = 1: b is the vector in[1][0, 0, :] */
static ax_array *rhs(ax_ctx *ctx, ax_array *b, const conf_case *c) {
    if (!c->ip[0]) return b;
    int64_t st[3] = {0, 0, 0}, sp[3] = {1, 1, ax_shape(b)[2]};
    int ax[2] = {0, 1};
    if (ax_shape(b)[0] == 0) return ax_reshape(ctx, ax_slice(ctx, b, st, (int64_t[]){0, 1, sp[2]}, NULL, 3), (int64_t[]){0}, 1);
    return ax_squeeze(ctx, ax_slice(ctx, b, st, sp, NULL, 3), ax, 2);
}
static ax_array *b_solve(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_solve(ctx, shifted(ctx, in[0]), rhs(ctx, in[1], c));
}
/* ip[0] vector b, ip[1] upper, ip[2] unit, ip[3] trans */
static ax_array *b_solve_tri(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_solve_triangular(ctx, shifted(ctx, in[0]), rhs(ctx, in[1], c), c->ip[1], c->ip[2],
                                      c->ip[3]);
}
/* ip[0] complete, ip[1] 0: Q, 1: R */
static ax_array *b_qr(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *q, *r;
    if (ax_linalg_qr(ctx, in[0], c->ip[0], &q, &r) != AX_OK) return NULL;
    return c->ip[1] ? r : q;
}
/* ip[0]: 0 singular values, 1 U diag(S) Vh (reduced), 2 U^T U (full),
 * 3 Vh Vh^T (full) */
static ax_array *b_svd(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *u, *s, *vh;
    if (c->ip[0] == 0) return ax_linalg_svdvals(ctx, in[0]);
    if (ax_linalg_svd(ctx, in[0], c->ip[0] >= 2, true, &u, &s, &vh) != AX_OK) return NULL;
    int m2 = -2;
    if (c->ip[0] == 1) return ax_matmul(ctx, ax_multiply(ctx, u, ax_expand_dims(ctx, s, &m2, 1)), vh);
    if (c->ip[0] == 2) return ax_matmul(ctx, ax_swapaxes(ctx, u, -1, -2), u);
    return ax_matmul(ctx, vh, ax_swapaxes(ctx, vh, -1, -2));
}
/* ip[0]: 0 eigenvalues, 1 V diag(w) V^T; ip[1] upper; ip[2] eigvalsh */
static ax_array *b_eigh(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *a = ax_astype(ctx, in[0], ax_dtype_of(in[0]) == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32);
    ax_array *sym = ax_add(ctx, a, ax_swapaxes(ctx, a, -1, -2)), *w, *v;
    if (c->ip[2]) return ax_linalg_eigvalsh(ctx, sym, c->ip[1]);
    if (ax_linalg_eigh(ctx, sym, c->ip[1], &w, &v) != AX_OK) return NULL;
    if (c->ip[0] == 0) return w;
    int m2 = -2;
    return ax_matmul(ctx, ax_multiply(ctx, v, ax_expand_dims(ctx, w, &m2, 1)), ax_swapaxes(ctx, v, -1, -2));
}
/* power sums of the eigenvalues, real parts: sum w, sum w^2, sum w^3 (= trace
 * A^k), and with ip[0] the same from eig's eigenvalues */
static ax_array *b_eig(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *w, *v;
    if (c->ip[0]) {
        if (ax_linalg_eig(ctx, in[0], &w, &v) != AX_OK) return NULL;
    } else {
        w = ax_linalg_eigvals(ctx, in[0]);
    }
    int last = -1;
    ax_array *w2 = ax_multiply(ctx, w, w), *w3 = ax_multiply(ctx, w2, w);
    ax_array *ps[3] = {ax_sum(ctx, w, &last, 1, false), ax_sum(ctx, w2, &last, 1, false),
                       ax_sum(ctx, w3, &last, 1, false)};
    return ax_real(ctx, ax_stack(ctx, ps, 3, -1));
}
/* ip[0]: 0 P, 1 L, 2 U (lu); 3 LU, 4 piv (lu_factor) */
static ax_array *b_lu(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *o[3];
    if (c->ip[0] >= 3) {
        if (ax_linalg_lu_factor(ctx, in[0], &o[0], &o[1]) != AX_OK) return NULL;
        return o[c->ip[0] - 3];
    }
    if (ax_linalg_lu(ctx, in[0], &o[0], &o[1], &o[2]) != AX_OK) return NULL;
    return o[c->ip[0]];
}
/* ip[0]: 0 det, 1 slogdet sign, 2 slogdet log */
static ax_array *b_det(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *a = in[0], *sg, *lg;
    if (c->ip[1]) a = shifted(ctx, a);
    if (c->ip[0] == 0) return ax_linalg_det(ctx, a);
    if (ax_linalg_slogdet(ctx, a, &sg, &lg) != AX_OK) return NULL;
    return c->ip[0] == 1 ? sg : lg;
}
static ax_array *b_pinv(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_pinv(ctx, in[0], -1);
}
/* ip[0] kind, fp[0] order, ip[1] naxes, ip[2..3] axes, ip[4] keepdims */
static ax_array *b_norm(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    int axes[2] = {(int)c->ip[2], (int)c->ip[3]};
    return ax_linalg_norm(ctx, in[0], (ax_norm_kind)c->ip[0], c->fp[0], c->ip[1] ? axes : NULL,
                          (int)c->ip[1], c->ip[4]);
}
static ax_array *b_cross(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_linalg_cross(ctx, in[0], in[1], (int)c->ip[0]);
}

/* Independent answers in float64 for the composites (norms, cross). */
static bool e_cross(const conf_case *c, const double *const *in, const int64_t *const *sh,
                    const int *nd, double *out, int64_t n) {
    int64_t rows = sh[0][0] * sh[0][1];
    if (c->ip[0] != -1 || sh[0][2] != 3 || n != rows * 3) return false;
    for (int64_t r = 0; r < rows; r++) {
        const double *a = in[0] + 3 * r, *b = in[1] + 3 * r;
        out[3 * r] = a[1] * b[2] - a[2] * b[1];
        out[3 * r + 1] = a[2] * b[0] - a[0] * b[2];
        out[3 * r + 2] = a[0] * b[1] - a[1] * b[0];
    }
    return true;
}
/* Frobenius norm over the last two axes (ip: fro, 2 axes 1, 2, no keepdims) */
static bool e_fro(const conf_case *c, const double *const *in, const int64_t *const *sh,
                  const int *nd, double *out, int64_t n) {
    int64_t mm = sh[0][1] * sh[0][2];
    if (n != sh[0][0]) return false;
    for (int64_t b = 0; b < n; b++) {
        double s = 0;
        for (int64_t i = 0; i < mm; i++) s += in[0][b * mm + i] * in[0][b * mm + i];
        out[b] = sqrt(s);
    }
    return true;
}
/* determinant by cofactor expansion (n <= 4) */
static double cof_det(const double *a, int n, int ld) {
    if (n == 1) return a[0];
    double s = 0, sub[16];
    for (int c = 0; c < n; c++) {
        int k = 0;
        for (int i = 1; i < n; i++)
            for (int j = 0; j < n; j++)
                if (j != c) sub[k++] = a[i * ld + j];
        s += (c % 2 ? -1 : 1) * a[c] * cof_det(sub, n - 1, n - 1);
    }
    return s;
}
static bool e_det(const conf_case *c, const double *const *in, const int64_t *const *sh,
                  const int *nd, double *out, int64_t n) {
    int m = (int)sh[0][1];
    if (c->ip[0] != 0 || c->ip[1] || m > 4 || n != sh[0][0]) return false;
    for (int64_t b = 0; b < n; b++) out[b] = cof_det(in[0] + b * m * m, m, m);
    return true;
}

const conf_case conf_cases_linalg[] = {
    {.name = "cholesky/lower", .covers = "cholesky", .dtypes = FLH, .variants = ALLV, .n_in = 1,
     S3(3, 6, 6), L3(4, 72, 72), .lo = -1, .hi = 1, .tol = 20, .build = b_cholesky, IP(0)},
    {.name = "cholesky/upper", .covers = "cholesky", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(2, 5, 5), L3(2, 64, 64), .lo = -1, .hi = 1, .tol = 20, .build = b_cholesky, IP(1)},
    {.name = "cholesky_inv/lower", .covers = "cholesky_inv cholesky", .dtypes = FL, .variants = ALLV,
     .n_in = 1, S3(3, 5, 5), L3(2, 48, 48), .lo = -1, .hi = 1, .tol = 50, .build = b_cholesky_inv, IP(0)},
    {.name = "cholesky_inv/upper", .covers = "cholesky_inv cholesky", .dtypes = FL,
     .variants = CONF_CONTIG, .n_in = 1, S3(2, 4, 4), L3(2, 4, 4), .lo = -1, .hi = 1, .tol = 50,
     .build = b_cholesky_inv, IP(1)},
    {.name = "inv/shifted", .covers = "inv", .dtypes = FLH, .variants = ALLV, .n_in = 1, S3(4, 5, 5),
     L3(3, 80, 80), .lo = -1, .hi = 1, .tol = 50, .build = b_inv},
    {.name = "solve/matrix_b", .covers = "solve", .dtypes = FL, .variants = ALLV, .n_in = 2,
     S3x2(3, 5, 5, 3, 5, 2), L3x2(2, 70, 70, 2, 70, 9), .lo = -1, .hi = 1, .tol = 50, .build = b_solve, IP(0)},
    {.name = "solve/broadcast_b", .covers = "solve", .dtypes = FL, .variants = CONF_CONTIG | CONF_PERMUTED,
     .n_in = 2, S3x2(3, 4, 4, 1, 4, 3), L3x2(3, 4, 4, 1, 4, 3), .lo = -1, .hi = 1, .tol = 50,
     .build = b_solve, IP(0)},
    {.name = "solve/vector_b", .covers = "solve", .dtypes = FL, .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED,
     .n_in = 2, S3x2(3, 6, 6, 1, 1, 6), L3x2(3, 6, 6, 1, 1, 6), .lo = -1, .hi = 1, .tol = 50,
     .build = b_solve, IP(1)},
    {.name = "solve_triangular/lower", .covers = "solve_triangular", .dtypes = FL, .variants = ALLV,
     .n_in = 2, S3x2(3, 5, 5, 3, 5, 2), L3x2(2, 64, 64, 2, 64, 5), .lo = -1, .hi = 1, .tol = 20,
     .build = b_solve_tri, IP(0, 0, 0, 0)},
    {.name = "solve_triangular/upper_trans", .covers = "solve_triangular", .dtypes = FL,
     .variants = ALLV, .n_in = 2, S3x2(3, 5, 5, 3, 5, 2), L3x2(2, 64, 64, 2, 64, 5), .lo = -1, .hi = 1,
     .tol = 20, .build = b_solve_tri, IP(0, 1, 0, 1)},
    {.name = "solve_triangular/lower_unit_trans", .covers = "solve_triangular", .dtypes = FL,
     .variants = CONF_CONTIG | CONF_PERMUTED, .n_in = 2, S3x2(2, 4, 4, 2, 4, 3), L3x2(2, 4, 4, 2, 4, 3),
     .lo = -0.2, .hi = 0.2, .tol = 20, .build = b_solve_tri, IP(0, 0, 1, 1)},
    {.name = "solve_triangular/upper_unit_vector", .covers = "solve_triangular", .dtypes = FL,
     .variants = CONF_CONTIG, .n_in = 2, S3x2(2, 4, 4, 1, 1, 4), L3x2(2, 4, 4, 1, 1, 4), .lo = -0.2,
     .hi = 0.2, .tol = 20, .build = b_solve_tri, IP(1, 1, 1, 0)},
    {.name = "qr/reduced_q_tall", .covers = "qr", .dtypes = FLH, .variants = ALLV, .n_in = 1,
     S3(3, 7, 4), L3(2, 90, 60), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(0, 0)},
    {.name = "qr/reduced_r_wide", .covers = "qr", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(3, 4, 7), L3(2, 60, 90), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(0, 1)},
    {.name = "qr/complete_q", .covers = "qr", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(2, 6, 3),
     L3(2, 70, 20), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(1, 0)},
    {.name = "qr/complete_r", .covers = "qr", .dtypes = FL, .variants = CONF_CONTIG | CONF_EMPTY, .n_in = 1,
     S3(2, 6, 3), L3(2, 6, 3), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(1, 1)},
    {.name = "svd/values_tall", .covers = "svd", .dtypes = FLH, .variants = ALLV, .n_in = 1, S3(3, 7, 4),
     L3(2, 80, 50), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(0)},
    {.name = "svd/values_wide", .covers = "svd", .dtypes = FL, .variants = CONF_CONTIG | CONF_EMPTY,
     .n_in = 1, S3(2, 3, 8), L3(2, 3, 8), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(0)},
    {.name = "svd/usvh", .covers = "svd", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 6, 4),
     L3(2, 50, 64), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(1)},
    {.name = "svd/full_u_orthogonal", .covers = "svd", .dtypes = FL, .variants = CONF_CONTIG | CONF_EMPTY,
     .n_in = 1, S3(2, 7, 3), L3(2, 7, 3), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(2)},
    {.name = "svd/full_vh_orthogonal", .covers = "svd", .dtypes = FL, .variants = CONF_CONTIG,
     .n_in = 1, S3(2, 3, 6), L3(2, 3, 6), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(3)},
    {.name = "eigh/values_lower", .covers = "eigh", .dtypes = FLH, .variants = ALLV, .n_in = 1,
     S3(3, 6, 6), L3(2, 64, 64), .lo = -1, .hi = 1, .tol = 100, .build = b_eigh, IP(0, 0, 0)},
    {.name = "eigh/vdvt_upper", .covers = "eigh", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(3, 5, 5), L3(2, 48, 48), .lo = -1, .hi = 1, .tol = 100, .build = b_eigh, IP(1, 1, 0)},
    {.name = "eigh/eigvalsh_upper", .covers = "eigh", .dtypes = FL, .variants = CONF_CONTIG | CONF_EMPTY,
     .n_in = 1, S3(2, 7, 7), L3(2, 7, 7), .lo = -1, .hi = 1, .tol = 100, .build = b_eigh, IP(0, 1, 1)},
    {.name = "eig/eigvals_power_sums", .covers = "eig", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(3, 5, 5), L3(2, 40, 40), .lo = -1, .hi = 1, .tol = 200, .build = b_eig, IP(0)},
    {.name = "eig/with_vectors", .covers = "eig", .dtypes = FL, .variants = CONF_CONTIG | CONF_EMPTY,
     .n_in = 1, S3(2, 6, 6), L3(2, 6, 6), .lo = -1, .hi = 1, .tol = 200, .build = b_eig, IP(1)},
    {.name = "lu/p", .covers = "lu", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 6, 4),
     L3(2, 64, 64), .lo = -1, .hi = 1, .build = b_lu, IP(0)},
    {.name = "lu/l", .covers = "lu", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 6, 4),
     L3(2, 64, 50), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(1)},
    {.name = "lu/u_wide", .covers = "lu", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 4, 6),
     L3(2, 50, 64), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(2)},
    {.name = "lu_factor/lu", .covers = "lu_factor", .dtypes = FLH, .variants = ALLV, .n_in = 1,
     S3(3, 5, 5), L3(2, 64, 64), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(3)},
    {.name = "lu_factor/piv", .covers = "lu_factor", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(3, 7, 5), L3(2, 64, 64), .lo = -1, .hi = 1, .build = b_lu, IP(4)},
    {.name = "det/small", .covers = "det", .dtypes = FLH, .variants = ALLV, .n_in = 1, S3(4, 4, 4),
     L3(2, 4, 4), .lo = -2, .hi = 2, .tol = 50, .build = b_det, .expect = e_det, IP(0, 0)},
    {.name = "det/shifted", .covers = "det", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 9, 9),
     L3(2, 60, 60), .lo = -1, .hi = 1, .tol = 100, .build = b_det, IP(0, 1)},
    {.name = "slogdet/sign", .covers = "det", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(5, 6, 6),
     L3(2, 60, 60), .lo = -1, .hi = 1, .build = b_det, IP(1, 0)},
    {.name = "slogdet/logabsdet", .covers = "det", .dtypes = FL, .variants = ALLV, .n_in = 1,
     S3(5, 6, 6), L3(2, 60, 60), .lo = -1, .hi = 1, .tol = 100, .build = b_det, IP(2, 0)},
    {.name = "pinv/tall", .covers = "svd", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(2, 6, 4),
     L3(2, 40, 30), .lo = -1, .hi = 1, .tol = 200, .build = b_pinv},
    {.name = "norm/fro", .covers = "sqrt sum multiply", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 4, 5),
     L3(8, 100, 100), .lo = -1, .hi = 1, .build = b_norm, .expect = e_fro, IP(AX_NORM_FRO, 2, 1, 2, 0)},
    {.name = "norm/nuc", .covers = "svd", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 4, 5),
     L3(2, 40, 50), .lo = -1, .hi = 1, .tol = 100, .build = b_norm, IP(AX_NORM_NUC, 2, 1, 2, 0)},
    {.name = "norm/2_axes_01_keep", .covers = "svd", .dtypes = FL, .variants = ALLV & ~CONF_EMPTY, .n_in = 1,
     S3(3, 4, 5), L3(30, 4, 30), .lo = -1, .hi = 1, .tol = 100, .build = b_norm,
     IP(AX_NORM_P, 2, 2, 0, 1), .fp = {2, 0}},
    {.name = "norm/vector_p3", .covers = "power sum abs", .dtypes = FL, .variants = ALLV, .n_in = 1, S3(3, 4, 5),
     L3(30, 40, 50), .lo = -1, .hi = 1, .tol = 10, .build = b_norm, IP(AX_NORM_P, 1, 1, 0, 0), .fp = {3, 0}},
    {.name = "cross/last", .covers = "multiply subtract", .dtypes = FL | CONF_DT(AX_INT32), .variants = ALLV, .n_in = 2,
     S3x2(2, 5, 3, 2, 5, 3), L3x2(8, 1000, 3, 8, 1000, 3), .lo = -3, .hi = 3, .build = b_cross,
     .expect = e_cross, IP(-1)},
    {.name = NULL},
};
