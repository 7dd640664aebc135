/* Conformance cases for the products family (MATMUL, ADDMM).
 *
 * Variants matter here: PERMUTED inputs are transposed views, which the fast
 * kernel hands to BLAS as CblasTrans; STRIDED inputs (every other element of
 * the last axis) fit no BLAS layout and take the copy path; EMPTY is enabled
 * where a zero first axis still gives a valid product (batch = 0, or K = 0
 * for a vector a, which must give zeros); LARGE sizes reach OpenBLAS's own
 * threading, the batch-folding path and the pool-parallel small batches.
 * expect() is an independent float64 evaluation of NumPy's matmul (1-D
 * promotion, broadcast batch) and of beta * c + alpha * (a @ b).
 *
 * Tolerances: a sum of K products in float32 has a typical relative error
 * of order sqrt(K) * 2^-24 (worst case K * 2^-24); cases with K up to ~1000
 * stay under float32's 1e-5 bound, the long dot product gets a multiplier
 * for its sqrt(K) growth. */
#include <string.h>

#include "harness.h"

#define MM_TYPES (CONF_FLOATS | CONF_COMPLEX)
#define MM_MAXD CONF_MAX_DIM

static ax_array *b_matmul(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_matmul(ctx, in[0], in[1]);
}

/* addmm(c = in[0], a = in[1], b = in[2], alpha = fp[0], beta = fp[1]) */
static ax_array *b_addmm(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_addmm(ctx, in[0], in[1], in[2], c->fp[0], c->fp[1]);
}

/* tensordot_n(a, b, ip[0]): reshapes around one MATMUL. */
static ax_array *b_tensordot(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_tensordot_n(ctx, in[0], in[1], (int)c->ip[0]);
}

/* Row-major offset in an array of shape (s, n) of the out coordinates co
 * (ndim no), x aligned to the right of out, broadcast where x has 1. */
static int64_t bcast_offset(const int64_t *s, int n, const int64_t *co, int no) {
    int64_t off = 0, stride = 1;
    for (int d = n - 1; d >= 0; d--) {
        int od = d - (n - no);
        if (s[d] != 1) off += co[od] * stride;
        stride *= s[d];
    }
    return off;
}

/* NumPy matmul in float64 with optional beta * c; false if the shapes do not
 * give n outputs. */
static bool matmul_f64(const double *a, const int64_t *as, int an, const double *b,
                       const int64_t *bs, int bn, const double *c, const int64_t *cs, int cn,
                       double alpha, double beta, double *out, int64_t n) {
    int64_t K = as[an - 1], M = an >= 2 ? as[an - 2] : 1, N = bn >= 2 ? bs[bn - 1] : 1;
    if ((bn >= 2 ? bs[bn - 2] : bs[0]) != K) return false;
    int na = an > 2 ? an - 2 : 0, nbb = bn > 2 ? bn - 2 : 0, nb = na > nbb ? na : nbb;
    int64_t oshape[MM_MAXD + 2];
    int no = 0;
    for (int i = 0; i < nb; i++) {
        int64_t da = i - (nb - na) >= 0 ? as[i - (nb - na)] : 1;
        int64_t db = i - (nb - nbb) >= 0 ? bs[i - (nb - nbb)] : 1;
        oshape[no++] = da == 1 ? db : da;
    }
    int64_t nbatch = 1;
    for (int i = 0; i < nb; i++) nbatch *= oshape[i];
    if (an >= 2) oshape[no++] = M;
    if (bn >= 2) oshape[no++] = N;
    if (nbatch * M * N != n) return false;
    int64_t co[MM_MAXD + 2];
    for (int64_t t = 0; t < nbatch; t++) {
        int64_t r = t;
        for (int d = nb - 1; d >= 0; d--) {
            co[d] = r % oshape[d];
            r /= oshape[d];
        }
        /* batch offsets (in matrices) of a and b, broadcast */
        int64_t oa = na ? bcast_offset(as, na, co, nb) * M * K : 0;
        int64_t ob = nbb ? bcast_offset(bs, nbb, co, nb) * K * N : 0;
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double s = 0;
                for (int64_t k = 0; k < K; k++) s += a[oa + i * K + k] * b[ob + k * N + j];
                int64_t oi = (t * M + i) * N + j;
                double v = alpha * s;
                if (c && beta != 0) {
                    int64_t full[MM_MAXD + 2];
                    int64_t rem = oi;
                    for (int d = no - 1; d >= 0; d--) {
                        full[d] = rem % oshape[d];
                        rem /= oshape[d];
                    }
                    v += beta * c[bcast_offset(cs, cn, full, no)];
                }
                out[oi] = v;
            }
    }
    return true;
}

static bool e_matmul(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    (void)c;
    return matmul_f64(in[0], shapes[0], ndims[0], in[1], shapes[1], ndims[1], NULL, NULL, 0, 1, 0,
                      out, n);
}

static bool e_addmm(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                    const int *ndims, double *out, int64_t n) {
    return matmul_f64(in[1], shapes[1], ndims[1], in[2], shapes[2], ndims[2], in[0], shapes[0],
                      ndims[0], c->fp[0], c->fp[1], out, n);
}

#define ALLV (CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_LARGE)

const conf_case conf_cases_matmul[] = {
    {.name = "matmul/2d", .covers = "matmul", .dtypes = MM_TYPES, .variants = ALLV, .n_in = 2,
     .ndim = {2, 2}, .shape = {{33, 47}, {47, 29}}, .large = {{257, 300}, {300, 190}},
     .lo = -1, .hi = 1, .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/square_large", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_LARGE, .n_in = 2, .ndim = {2, 2},
     .shape = {{64, 64}, {64, 64}}, .large = {{512, 512}, {512, 512}}, .lo = -1, .hi = 1,
     .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/batched", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 2, .ndim = {3, 3}, .shape = {{4, 13, 21}, {4, 21, 9}},
     .large = {{8, 64, 128}, {8, 128, 96}}, .lo = -1, .hi = 1, .build = b_matmul,
     .expect = e_matmul},
    {.name = "matmul/broadcast_batch", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 2, .ndim = {4, 3},
     .shape = {{2, 1, 3, 4}, {5, 4, 2}}, .large = {{4, 1, 64, 96}, {6, 96, 80}}, .lo = -1,
     .hi = 1, .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/shared_b", .covers = "matmul", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 2, .ndim = {3, 2}, .shape = {{3, 5, 16}, {16, 7}},
     .large = {{16, 128, 256}, {256, 200}}, .lo = -1, .hi = 1, .build = b_matmul,
     .expect = e_matmul},
    {.name = "matmul/many_small", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 2, .ndim = {3, 3}, .shape = {{64, 6, 7}, {64, 7, 5}},
     .large = {{640, 24, 24}, {640, 24, 24}}, .lo = -1, .hi = 1, .build = b_matmul,
     .expect = e_matmul},
    {.name = "matmul/vector_matrix", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 2, .ndim = {1, 2}, .shape = {{20}, {20, 9}},
     .large = {{1000}, {1000, 700}}, .lo = -1, .hi = 1, .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/matrix_vector", .covers = "matmul", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 2, .ndim = {2, 1}, .shape = {{9, 20}, {20}}, .large = {{700, 1000}, {1000}},
     .lo = -1, .hi = 1, .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/batched_vector", .covers = "matmul", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 2, .ndim = {3, 1}, .shape = {{3, 4, 25}, {25}}, .large = {{6, 200, 300}, {300}},
     .lo = -1, .hi = 1, .build = b_matmul, .expect = e_matmul},
    {.name = "matmul/vector_batched", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV, .n_in = 2, .ndim = {1, 3}, .shape = {{6}, {2, 6, 5}},
     .large = {{300}, {6, 300, 200}}, .lo = -1, .hi = 1, .build = b_matmul, .expect = e_matmul},
    /* a single output with positive terms, so no cancellation hides errors;
     * tol covers sqrt(K) growth for K = 20000 in float32 */
    {.name = "matmul/dot", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 2, .ndim = {1, 1}, .shape = {{31}, {31}},
     .large = {{20000}, {20000}}, .lo = 0.25, .hi = 1, .tol = 4, .build = b_matmul,
     .expect = e_matmul},
    {.name = "matmul/k_zero", .covers = "matmul", .dtypes = MM_TYPES, .variants = CONF_CONTIG,
     .n_in = 2, .ndim = {2, 2}, .shape = {{5, 0}, {0, 4}}, .lo = -1, .hi = 1, .build = b_matmul,
     .expect = e_matmul},
    {.name = "matmul/tensordot", .covers = "matmul", .dtypes = MM_TYPES,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED, .n_in = 2, .ndim = {4, 3},
     .shape = {{2, 3, 4, 5}, {4, 5, 6}}, .lo = -1, .hi = 1, .build = b_tensordot,
     .ip = {2}},
    /* addmm: in[0] = c (broadcast), alpha fp[0], beta fp[1] */
    {.name = "addmm/row_bias", .covers = "addmm", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 3, .ndim = {1, 2, 2}, .shape = {{29}, {33, 47}, {47, 29}},
     .large = {{190}, {257, 300}, {300, 190}}, .lo = -1, .hi = 1, .build = b_addmm,
     .expect = e_addmm, .fp = {0.5, -2}},
    {.name = "addmm/full_c", .covers = "addmm", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 3, .ndim = {2, 2, 2}, .shape = {{12, 10}, {12, 30}, {30, 10}},
     .large = {{300, 200}, {300, 256}, {256, 200}}, .lo = -1, .hi = 1, .build = b_addmm,
     .expect = e_addmm, .fp = {1, 1}},
    {.name = "addmm/column_c_batched", .covers = "addmm", .dtypes = MM_TYPES,
     .variants = ALLV | CONF_EMPTY, .n_in = 3, .ndim = {3, 3, 3},
     .shape = {{3, 6, 1}, {3, 6, 11}, {3, 11, 4}}, .large = {{8, 64, 1}, {8, 64, 128}, {8, 128, 96}},
     .lo = -1, .hi = 1, .build = b_addmm, .expect = e_addmm, .fp = {-1.5, 0.25}},
    {.name = "addmm/gemv", .covers = "addmm", .dtypes = MM_TYPES, .variants = ALLV, .n_in = 3,
     .ndim = {1, 2, 1}, .shape = {{9}, {9, 20}, {20}}, .large = {{700}, {700, 1000}, {1000}},
     .lo = -1, .hi = 1, .build = b_addmm, .expect = e_addmm, .fp = {2, 3}},
    {.name = "addmm/beta_zero", .covers = "addmm", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 3, .ndim = {2, 2, 2}, .shape = {{7, 5}, {7, 13}, {13, 5}},
     .large = {{200, 150}, {200, 300}, {300, 150}}, .lo = -1, .hi = 1, .build = b_addmm,
     .expect = e_addmm, .fp = {0.75, 0}},
    {.name = "addmm/alpha_zero", .covers = "addmm", .dtypes = MM_TYPES, .variants = ALLV,
     .n_in = 3, .ndim = {2, 2, 2}, .shape = {{1, 5}, {7, 13}, {13, 5}},
     .large = {{1, 150}, {200, 300}, {300, 150}}, .lo = -1, .hi = 1, .build = b_addmm,
     .expect = e_addmm, .fp = {0, -0.5}},
    {.name = NULL},
};
