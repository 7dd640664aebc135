/* Conformance cases written for the derivative rules of the linalg, random
 * and extra families (src/transforms/rules_{linalg,random,extra}.c): float64
 * cases small enough for tests/conformance/grad_check.c's finite differences,
 * covering what the families' own tables do not:
 *  - distributions with array parameters built as composites (the
 *    reparameterization trick): normal * scale + loc, uniform * (hi - lo) +
 *    lo, multivariate_normal(mean, cov) (through cholesky), and a permuted
 *    array (the permutation has zero derivative, the gather does not);
 *  - linalg ops on inputs whose every element is perturbed: cholesky,
 *    cholesky_inv, eigh read one triangle (the other must get zero
 *    derivative), solve_triangular with a vector b, 2-D (unbatched) operands;
 *  - sign-invariant functions of singular/eigen vectors (U o U, Vh o Vh,
 *    V o V: LAPACK's sign choice is locally constant, so finite differences
 *    see the vectors' true derivative), complete QR of a square matrix, QR
 *    of wide matrices,
 *    lu / lu_factor of square, tall and wide matrices.
 * The conformance test also runs them (fast against reference kernels).
 * ip[0] selects the variant of a build; ip[1] the triangle (upper). */
#include <math.h>

#include "harness.h"

#define F64 CONF_DT(AX_FLOAT64)
#define C CONF_CONTIG
#define S1(a) .ndim = {1}, .shape = {{a}}
#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define IP(...) .ip = {__VA_ARGS__}

/* a + n I (n = last dim): well conditioned, and its one-triangle symmetric
 * matrix is diagonally dominant (so positive definite) for entries in [-1, 1] */
static ax_array *shifted(ax_ctx *ctx, ax_array *a) {
    int64_t n = ax_shape(a)[ax_ndim(a) - 1];
    ax_dtype t = ax_dtype_of(a);
    ax_array *e = ax_multiply(ctx, ax_eye(ctx, n, n, 0, t), ax_scalar(ctx, (double)n, t));
    return ax_add(ctx, a, e);
}

/* ---------------------------------------------------------------- random */

/* ip[0]: 0 normal * scale + loc, 1 uniform * (hi - lo) + lo */
static ax_array *b_dist(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *key = ax_random_key(ctx, 20261127);
    ax_dtype t = ax_dtype_of(in[0]);
    if (c->ip[0] == 0) {
        ax_array *z = ax_random_normal(ctx, ax_shape(in[0]), ax_ndim(in[0]), t, 0, 1, key);
        return ax_add(ctx, ax_multiply(ctx, z, in[1]), in[0]);
    }
    ax_array *u = ax_random_uniform(ctx, 0, 1, ax_shape(in[0]), ax_ndim(in[0]), t, key);
    return ax_add(ctx, ax_multiply(ctx, u, ax_subtract(ctx, in[1], in[0])), in[0]);
}

/* mean in[0] (n,), cov = s s^T + n I with s = in[1] + n I; 3 samples */
static ax_array *b_mvn(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    ax_array *s = shifted(ctx, in[1]);
    ax_array *cov = shifted(ctx, ax_matmul(ctx, s, ax_swapaxes(ctx, s, -1, -2)));
    int64_t shape[1] = {3};
    return ax_random_multivariate_normal(ctx, in[0], cov, shape, 1, ax_dtype_of(in[0]),
                                         ax_random_key(ctx, 5));
}

static ax_array *b_perm(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_multiply(ctx, ax_random_permutation_array(ctx, in[0], 0, ax_random_key(ctx, 9)), in[0]);
}

/* ---------------------------------------------------------------- linalg */

/* ip[0]: 0 cholesky(a + nI), 1 cholesky_inv(a + nI) (the kernels read one
 * triangle of the full random matrix) */
static ax_array *b_chol(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *a = shifted(ctx, in[0]);
    return c->ip[0] ? ax_linalg_cholesky_inv(ctx, a, c->ip[1]) : ax_linalg_cholesky(ctx, a, c->ip[1]);
}

/* ip[0]: 0 eigenvalues, 1 V o V of eigh(a) (one triangle of a read) */
static ax_array *b_eigh(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *w, *v;
    if (ax_linalg_eigh(ctx, in[0], c->ip[1], &w, &v) != AX_OK) return NULL;
    return c->ip[0] ? ax_multiply(ctx, v, v) : w;
}

/* ip[0]: 0 U o U, 1 Vh o Vh, 2 S * (U o U) summed (all outputs), reduced */
static ax_array *b_svd(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *u, *s, *vh;
    if (ax_linalg_svd(ctx, in[0], false, true, &u, &s, &vh) != AX_OK) return NULL;
    if (c->ip[0] == 0) return ax_multiply(ctx, u, u);
    if (c->ip[0] == 1) return ax_multiply(ctx, vh, vh);
    /* all three outputs, sign-invariant: (U o U) diag(s) (Vh o Vh) */
    int m2 = -2;
    ax_array *uu = ax_multiply(ctx, u, u), *vv = ax_multiply(ctx, vh, vh);
    return ax_matmul(ctx, ax_multiply(ctx, uu, ax_expand_dims(ctx, s, &m2, 1)), vv);
}

/* ip[0]: 0 Q, 1 R, 2 (Q o Q) R (both outputs); ip[1] complete */
static ax_array *b_qr(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *q, *r;
    if (ax_linalg_qr(ctx, in[0], c->ip[1], &q, &r) != AX_OK) return NULL;
    if (c->ip[0] == 2) return ax_matmul(ctx, ax_multiply(ctx, q, q), r);
    return c->ip[0] ? r : q;
}

/* ip[0]: 0 L, 1 U (lu), 2 packed LU (lu_factor), 3 L @ U (lu) */
static ax_array *b_lu(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *p, *l, *u, *piv;
    if (c->ip[0] == 2) {
        if (ax_linalg_lu_factor(ctx, in[0], &l, &piv) != AX_OK) return NULL;
        return l;
    }
    if (ax_linalg_lu(ctx, in[0], &p, &l, &u) != AX_OK) return NULL;
    if (c->ip[0] == 3) return ax_matmul(ctx, p, ax_matmul(ctx, l, u));
    return c->ip[0] ? u : l;
}

/* 2-D operands: ip[0] 0 inv, 1 solve (vector b), 2 solve_triangular (vector
 * b, transposed; ip[1] upper), 3 det, 4 slogdet's logabsdet */
static ax_array *b_2d(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *a = shifted(ctx, in[0]), *sg, *lg;
    switch (c->ip[0]) {
    case 0: return ax_linalg_inv(ctx, a);
    case 1: return ax_linalg_solve(ctx, a, in[1]);
    case 2: return ax_linalg_solve_triangular(ctx, a, in[1], c->ip[1], false, true);
    case 3: return ax_linalg_det(ctx, in[0]);
    default:
        if (ax_linalg_slogdet(ctx, in[0], &sg, &lg) != AX_OK) return NULL;
        return lg;
    }
}

const conf_case conf_cases_rules[] = {
    /* random: reparameterized distributions */
    {.name = "rules/normal_loc_scale", .covers = "random_bits multiply add", .dtypes = F64,
     .variants = C, .n_in = 2, .ndim = {2, 2}, .shape = {{3, 4}, {3, 4}}, .lo = 0.5, .hi = 2,
     .build = b_dist, IP(0)},
    {.name = "rules/uniform_lo_hi", .covers = "random_bits multiply add subtract", .dtypes = F64,
     .variants = C, .n_in = 2, .ndim = {2, 2}, .shape = {{2, 5}, {2, 5}}, .lo = -2, .hi = 2,
     .build = b_dist, IP(1)},
    {.name = "rules/multivariate_normal", .covers = "random_bits cholesky matmul add", .dtypes = F64,
     .variants = C, .n_in = 2, .ndim = {1, 2}, .shape = {{4}, {4, 4}}, .lo = -1, .hi = 1,
     .tol = 100, .build = b_mvn},
    {.name = "rules/permutation_array", .covers = "random_permutation multiply", .dtypes = F64,
     .variants = C, .n_in = 1, S2(5, 3), .lo = -1, .hi = 1, .build = b_perm},
    /* one-triangle readers, every element perturbed */
    {.name = "rules/cholesky_lower_triangle", .covers = "cholesky", .dtypes = F64, .variants = C,
     .n_in = 1, S3(2, 4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_chol, IP(0, 0)},
    {.name = "rules/cholesky_upper_triangle", .covers = "cholesky", .dtypes = F64, .variants = C,
     .n_in = 1, S2(4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_chol, IP(0, 1)},
    {.name = "rules/cholesky_inv_lower_triangle", .covers = "cholesky_inv", .dtypes = F64,
     .variants = C, .n_in = 1, S3(2, 4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_chol, IP(1, 0)},
    {.name = "rules/cholesky_inv_upper_triangle", .covers = "cholesky_inv", .dtypes = F64,
     .variants = C, .n_in = 1, S2(4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_chol, IP(1, 1)},
    {.name = "rules/eigh_values_lower_triangle", .covers = "eigh", .dtypes = F64, .variants = C,
     .n_in = 1, S3(2, 4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_eigh, IP(0, 0)},
    {.name = "rules/eigh_vector_squares_upper", .covers = "eigh multiply", .dtypes = F64,
     .variants = C, .n_in = 1, S2(5, 5), .lo = -1, .hi = 1, .tol = 100, .build = b_eigh, IP(1, 1)},
    /* singular vectors, sign-invariant */
    {.name = "rules/svd_u_squares_tall", .covers = "svd multiply", .dtypes = F64, .variants = C,
     .n_in = 1, S3(2, 5, 3), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(0)},
    {.name = "rules/svd_vh_squares_wide", .covers = "svd multiply", .dtypes = F64, .variants = C,
     .n_in = 1, S2(3, 5), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(1)},
    {.name = "rules/svd_all_outputs_square", .covers = "svd multiply matmul", .dtypes = F64,
     .variants = C, .n_in = 1, S2(4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(2)},
    {.name = "rules/svd_all_outputs_wide", .covers = "svd multiply matmul", .dtypes = F64,
     .variants = C, .n_in = 1, S3(2, 3, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_svd, IP(2)},
    /* QR, LU */
    {.name = "rules/qr_complete_square_q", .covers = "qr", .dtypes = F64, .variants = C, .n_in = 1,
     S2(4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(0, 1)},
    {.name = "rules/qr_complete_square_r", .covers = "qr", .dtypes = F64, .variants = C, .n_in = 1,
     S3(2, 4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(1, 1)},
    {.name = "rules/qr_wide_q", .covers = "qr", .dtypes = F64, .variants = C, .n_in = 1, S2(3, 5),
     .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(0, 0)},
    {.name = "rules/qr_wide_both_complete", .covers = "qr matmul multiply", .dtypes = F64,
     .variants = C, .n_in = 1, S3(2, 3, 5), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(2, 1)},
    {.name = "rules/qr_tall_both", .covers = "qr matmul multiply", .dtypes = F64, .variants = C,
     .n_in = 1, S2(5, 3), .lo = -1, .hi = 1, .tol = 100, .build = b_qr, IP(2, 0)},
    {.name = "rules/lu_l_square", .covers = "lu", .dtypes = F64, .variants = C, .n_in = 1,
     S3(2, 4, 4), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(0)},
    {.name = "rules/lu_u_tall", .covers = "lu", .dtypes = F64, .variants = C, .n_in = 1, S2(5, 3),
     .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(1)},
    {.name = "rules/lu_plu_wide", .covers = "lu matmul", .dtypes = F64, .variants = C, .n_in = 1,
     S2(3, 5), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(3)},
    {.name = "rules/lu_factor_tall", .covers = "lu_factor", .dtypes = F64, .variants = C, .n_in = 1,
     S3(2, 5, 3), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(2)},
    {.name = "rules/lu_factor_wide", .covers = "lu_factor", .dtypes = F64, .variants = C, .n_in = 1,
     S2(3, 5), .lo = -1, .hi = 1, .tol = 100, .build = b_lu, IP(2)},
    /* 2-D operands, vector right-hand sides */
    {.name = "rules/inv_2d", .covers = "inv", .dtypes = F64, .variants = C, .n_in = 1, S2(4, 4),
     .lo = -1, .hi = 1, .tol = 100, .build = b_2d, IP(0)},
    {.name = "rules/solve_vector_b", .covers = "solve", .dtypes = F64, .variants = C, .n_in = 2,
     .ndim = {2, 1}, .shape = {{4, 4}, {4}}, .lo = -1, .hi = 1, .tol = 100, .build = b_2d, IP(1)},
    {.name = "rules/solve_triangular_vector_upper_trans", .covers = "solve_triangular", .dtypes = F64,
     .variants = C, .n_in = 2, .ndim = {2, 1}, .shape = {{4, 4}, {4}}, .lo = -1, .hi = 1, .tol = 100,
     .build = b_2d, IP(2, 1)},
    {.name = "rules/solve_triangular_vector_lower_trans", .covers = "solve_triangular", .dtypes = F64,
     .variants = C, .n_in = 2, .ndim = {2, 1}, .shape = {{4, 4}, {4}}, .lo = -1, .hi = 1, .tol = 100,
     .build = b_2d, IP(2, 0)},
    {.name = "rules/det_2d", .covers = "det", .dtypes = F64, .variants = C, .n_in = 1, S2(3, 3),
     .lo = -2, .hi = 2, .tol = 100, .build = b_2d, IP(3)},
    {.name = "rules/slogdet_logabsdet_2d", .covers = "det", .dtypes = F64, .variants = C, .n_in = 1,
     S2(4, 4), .lo = -2, .hi = 2, .tol = 100, .build = b_2d, IP(4)},
    {.name = NULL},
};
