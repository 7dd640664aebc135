/* Conformance cases for the extra family: the WINDOW, I0 and I1 primitives, and
 * the composite ops einsum, kron, vecdot and diag through the primitives
 * they lower to (matmul, transpose/reshape views, as_strided diagonals,
 * multiply, sum, where, eye, pad).
 *
 * expect() answers are independent of ax's kernels: windows use the
 * textbook forms (hanning 0.5 - 0.5 cos(2 pi i / (M - 1)), ...) rather than
 * NumPy's n = 1 - M .. M - 1 form the kernel uses, and i0 (also inside
 * kaiser) is the power series sum ((x/2)^k / k!)^2 instead of Cephes'
 * Chebyshev tables; einsum is a brute-force sum over every label
 * assignment. WINDOW has no inputs, so as in cases_creation.c each case is
 * instantiated per dtype with the dtype in ip[5]. */
#include <math.h>
#include <string.h>

#include "harness.h"

#define P_DTYPE 5

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---------------------------------------------------------------- i0 */

static double series_i0(double x) {
    double term = 1, sum = 1;
    for (int k = 1; k < 500; k++) {
        term *= (x / 2) / k;
        double t2 = term * term;
        sum += t2;
        if (t2 < 1e-18 * sum) break;
    }
    return sum;
}

static ax_array *b_i0(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_i0(ctx, in[0]);
}

static bool e_i0(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                 const int *ndims, double *out, int64_t n) {
    (void)c, (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = series_i0(in[0][i]);
    return true;
}

/* power series of I1: sum (x/2)^(2k+1) / (k! (k+1)!) */
static double series_i1(double x) {
    double term = x / 2, sum = term;
    for (int k = 1; k < 500; k++) {
        term *= (x / 2) * (x / 2) / ((double)k * (k + 1));
        sum += term;
        if (fabs(term) < 1e-18 * fabs(sum)) break;
    }
    return sum;
}

static ax_array *b_i1(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_i1(ctx, in[0]);
}

static bool e_i1(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                 const int *ndims, double *out, int64_t n) {
    (void)c, (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = series_i1(in[0][i]);
    return true;
}

/* ---------------------------------------------------------------- windows */

/* ip[0] = kind (ax_window_kind), ip[1] = M, fp[0] = beta */
static ax_array *b_window(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_window(ctx, (ax_window_kind)c->ip[0], c->ip[1], c->fp[0], (ax_dtype)c->ip[P_DTYPE]);
}

static bool e_window(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    (void)in, (void)shapes, (void)ndims;
    int64_t m = c->ip[1] < 0 ? 0 : c->ip[1];
    if (n != m) return false;
    for (int64_t i = 0; i < n; i++) {
        if (m == 1) {
            out[i] = 1;
            continue;
        }
        double t = 2 * M_PI * (double)i / (double)(m - 1);
        switch (c->ip[0]) {
        case AX_WINDOW_HANNING: out[i] = 0.5 - 0.5 * cos(t); break;
        case AX_WINDOW_HAMMING: out[i] = 0.54 - 0.46 * cos(t); break;
        case AX_WINDOW_BLACKMAN: out[i] = 0.42 - 0.5 * cos(t) + 0.08 * cos(2 * t); break;
        case AX_WINDOW_BARTLETT: out[i] = 1 - fabs(2.0 * (double)i / (double)(m - 1) - 1); break;
        default: {
            double r = 2.0 * (double)i / (double)(m - 1) - 1;
            out[i] = series_i0(c->fp[0] * sqrt(fmax(0, 1 - r * r))) / series_i0(c->fp[0]);
        }
        }
    }
    return true;
}

/* ---------------------------------------------------------------- einsum */

/* Subscripts by ip[0]; all explicit, letters only (the brute force reads them). */
static const char *const EINSUM[] = {
    "bhqd,bhkd->bhqk", /* 0: attention scores */
    "bhqk,bhkd->bhqd", /* 1: attention output */
    "ij,jk,kl->il",    /* 2: chain */
    "iij->j",          /* 3: diagonal then sum */
    "ij,jk->ik",       /* 4: plain product (integer path for integer dtypes) */
    "i,j->ij",         /* 5: outer product */
    "abc,cb->a",       /* 6: contraction over two labels at once */
};

static ax_array *b_einsum(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_einsum(ctx, EINSUM[c->ip[0]], in, c->n_in);
}

static bool e_einsum(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    const char *s = EINSUM[c->ip[0]];
    char terms[CONF_MAX_IN][8], outl[8];
    int nt = 0, len = 0;
    for (; *s != '-'; s++) {
        if (*s == ',') {
            terms[nt++][len] = 0;
            len = 0;
        } else {
            terms[nt][len++] = *s;
        }
    }
    terms[nt][len] = 0;
    strcpy(outl, s + 2);
    int64_t size[128] = {0}, val[128] = {0};
    char labs[16] = {0};
    int nl = 0;
    for (int k = 0; k < c->n_in; k++) {
        if ((int)strlen(terms[k]) != ndims[k]) return false;
        for (int j = 0; j < ndims[k]; j++) {
            int l = terms[k][j];
            if (!size[l] && !strchr(labs, l)) labs[nl++] = (char)l;
            labs[nl] = 0;
            size[l] = shapes[k][j];
        }
    }
    int64_t total = 1;
    for (int j = 0; outl[j]; j++) total *= size[(int)outl[j]];
    if (total != n) return false;
    for (int64_t i = 0; i < n; i++) out[i] = 0;
    double work = 1;
    for (int i = 0; i < nl; i++) {
        if (size[(int)labs[i]] == 0) return true;
        work *= (double)size[(int)labs[i]];
    }
    if (work > 4e6) return false; /* too many assignments: fast vs reference only */
    for (;;) {
        double p = 1;
        for (int k = 0; k < c->n_in; k++) {
            int64_t off = 0;
            for (int j = 0; j < ndims[k]; j++) off = off * shapes[k][j] + val[(int)terms[k][j]];
            p *= in[k][off];
        }
        int64_t o = 0;
        for (int j = 0; outl[j]; j++) o = o * size[(int)outl[j]] + val[(int)outl[j]];
        out[o] += p;
        int d = nl - 1;
        for (; d >= 0; d--) {
            if (++val[(int)labs[d]] < size[(int)labs[d]]) break;
            val[(int)labs[d]] = 0;
        }
        if (d < 0) return true;
    }
}

/* ---------------------------------------------------------------- kron, vecdot, diag */

static ax_array *b_kron(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_kron(ctx, in[0], in[1]);
}

/* 2-D operands only. */
static bool e_kron(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    (void)c;
    if (ndims[0] != 2 || ndims[1] != 2) return false;
    int64_t a0 = shapes[0][0], a1 = shapes[0][1], b0 = shapes[1][0], b1 = shapes[1][1];
    if (n != a0 * b0 * a1 * b1) return false;
    for (int64_t i = 0; i < a0 * b0; i++)
        for (int64_t j = 0; j < a1 * b1; j++)
            out[i * a1 * b1 + j] = in[0][(i / b0) * a1 + j / b1] * in[1][(i % b0) * b1 + j % b1];
    return true;
}

static ax_array *b_vecdot(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_vecdot(ctx, in[0], in[1], (int)c->ip[0]);
}

/* a (P, 1, K) . b (Q, K) over the last axis -> (P, Q). */
static bool e_vecdot(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    (void)c;
    if (ndims[0] != 3 || ndims[1] != 2) return false;
    int64_t P = shapes[0][0], K = shapes[0][2], Q = shapes[1][0];
    if (n != P * Q) return false;
    for (int64_t p = 0; p < P; p++)
        for (int64_t q = 0; q < Q; q++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += in[0][p * K + k] * in[1][q * K + k];
            out[p * Q + q] = s;
        }
    return true;
}

static ax_array *b_diag(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_diag(ctx, in[0], c->ip[0]);
}

static bool e_diag(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    int64_t k = c->ip[0];
    if (ndims[0] != 1) return false;
    int64_t len = shapes[0][0], m = len + (k < 0 ? -k : k);
    if (n != m * m) return false;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < m; j++)
            out[i * m + j] = j - i == k ? in[0][k >= 0 ? i : j] : 0;
    return true;
}

/* ---------------------------------------------------------------- table */

#define WIN(nm, kind, m, beta, T, ab)                                                            \
    {.name = "window/" nm "/" ab, .covers = "window", .dtypes = CONF_DT(T),                      \
     .variants = CONF_CONTIG, .n_in = 0, .build = b_window, .expect = e_window,                  \
     .ip = {kind, m, 0, 0, 0, T}, .fp = {beta, 0}}
#define WIN_TYPES(nm, kind, m, beta)                                                             \
    WIN(nm, kind, m, beta, AX_FLOAT16, "f16"), WIN(nm, kind, m, beta, AX_BFLOAT16, "bf16"),      \
        WIN(nm, kind, m, beta, AX_FLOAT32, "f32"), WIN(nm, kind, m, beta, AX_FLOAT64, "f64")
#define WIN_BIG(nm, kind, m, beta)                                                               \
    WIN(nm, kind, m, beta, AX_FLOAT32, "f32"), WIN(nm, kind, m, beta, AX_FLOAT64, "f64")

#define INEXACT (CONF_FLOATS | CONF_COMPLEX)
#define ALLV (CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_EMPTY | CONF_LARGE)

const conf_case conf_cases_extra[] = {
    /* windows: every kind, short and long, the degenerate lengths */
    WIN_TYPES("hanning/33", AX_WINDOW_HANNING, 33, 0),
    WIN_TYPES("hamming/20", AX_WINDOW_HAMMING, 20, 0),
    WIN_TYPES("blackman/17", AX_WINDOW_BLACKMAN, 17, 0),
    WIN_TYPES("bartlett/12", AX_WINDOW_BARTLETT, 12, 0),
    WIN_TYPES("kaiser/25", AX_WINDOW_KAISER, 25, 8.6),
    WIN_TYPES("kaiser/beta0", AX_WINDOW_KAISER, 9, 0),
    WIN_TYPES("hanning/one", AX_WINDOW_HANNING, 1, 0),
    WIN_TYPES("kaiser/two", AX_WINDOW_KAISER, 2, 3),
    WIN_TYPES("bartlett/empty", AX_WINDOW_BARTLETT, 0, 0),
    WIN_BIG("hanning/large", AX_WINDOW_HANNING, 1 << 17, 0),
    WIN_BIG("kaiser/large", AX_WINDOW_KAISER, 1 << 17, 12),
    /* i0: both Chebyshev ranges (|x| <= 8 and beyond), every layout */
    {.name = "i0/range", .covers = "i0", .dtypes = CONF_FLOATS, .variants = ALLV, .n_in = 1,
     .ndim = {2}, .shape = {{7, 9}}, .large = {{512, 300}}, .lo = -12, .hi = 12, .build = b_i0,
     .expect = e_i0},
    {.name = "i0/integers", .covers = "i0", .dtypes = CONF_INTS | CONF_BOOL, .variants = CONF_CONTIG,
     .n_in = 1, .ndim = {1}, .shape = {{11}}, .lo = -9, .hi = 9, .build = b_i0, .expect = e_i0},
    /* i1: both Chebyshev ranges, odd in x, every layout */
    {.name = "i1/range", .covers = "i1", .dtypes = CONF_FLOATS, .variants = ALLV, .n_in = 1,
     .ndim = {2}, .shape = {{7, 9}}, .large = {{512, 300}}, .lo = -12, .hi = 12, .build = b_i1,
     .expect = e_i1},
    {.name = "i1/integers", .covers = "i1", .dtypes = CONF_INTS | CONF_BOOL, .variants = CONF_CONTIG,
     .n_in = 1, .ndim = {1}, .shape = {{11}}, .lo = -9, .hi = 9, .build = b_i1, .expect = e_i1},
    /* einsum through batched matmul: transposed-view operands go to BLAS
     * as they are; PERMUTED/STRIDED inputs exercise the copy paths */
    {.name = "einsum/attention_scores", .covers = "matmul transpose", .dtypes = INEXACT,
     .variants = ALLV, .n_in = 2, .ndim = {4, 4}, .shape = {{2, 3, 5, 8}, {2, 3, 7, 8}},
     .large = {{4, 8, 128, 32}, {4, 8, 128, 32}}, .lo = -1, .hi = 1, .build = b_einsum,
     .expect = e_einsum, .ip = {0}},
    {.name = "einsum/attention_output", .covers = "matmul", .dtypes = INEXACT, .variants = ALLV,
     .n_in = 2, .ndim = {4, 4}, .shape = {{2, 3, 5, 7}, {2, 3, 7, 8}},
     .large = {{4, 8, 128, 128}, {4, 8, 128, 32}}, .lo = -1, .hi = 1, .build = b_einsum,
     .expect = e_einsum, .ip = {1}},
    {.name = "einsum/chain", .covers = "matmul", .dtypes = INEXACT,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_LARGE, .n_in = 3,
     .ndim = {2, 2, 2}, .shape = {{6, 9}, {9, 4}, {4, 7}}, .large = {{512, 256}, {256, 64}, {64, 512}},
     .lo = -1, .hi = 1, .build = b_einsum, .expect = e_einsum, .ip = {2}},
    {.name = "einsum/diagonal_sum", .covers = "as_strided sum", .dtypes = CONF_NUMERIC | CONF_COMPLEX,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_LARGE, .n_in = 1, .ndim = {3}, .shape = {{6, 6, 5}}, .large = {{400, 400, 3}},
     .lo = -4, .hi = 4, .build = b_einsum, .expect = e_einsum, .ip = {3}},
    {.name = "einsum/integer_product", .covers = "multiply sum", .dtypes = CONF_INTS,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED, .n_in = 2,
     .ndim = {2, 2}, .shape = {{5, 4}, {4, 6}}, .lo = -3, .hi = 3, .build = b_einsum,
     .expect = e_einsum, .ip = {4}},
    {.name = "einsum/outer", .covers = "multiply", .dtypes = CONF_ALL_DTYPES, .variants = ALLV,
     .n_in = 2, .ndim = {1, 1}, .shape = {{9}, {7}}, .large = {{512}, {512}}, .lo = -5, .hi = 5,
     .build = b_einsum, .expect = e_einsum, .ip = {5}},
    {.name = "einsum/two_labels", .covers = "matmul reshape", .dtypes = INEXACT,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED, .n_in = 2,
     .ndim = {3, 2}, .shape = {{4, 5, 6}, {6, 5}}, .lo = -1, .hi = 1, .build = b_einsum,
     .expect = e_einsum, .ip = {6}},
    /* kron, vecdot, diag */
    {.name = "kron/2d", .covers = "multiply reshape", .dtypes = CONF_ALL_DTYPES, .variants = ALLV,
     .n_in = 2, .ndim = {2, 2}, .shape = {{3, 4}, {5, 2}}, .large = {{64, 64}, {8, 8}}, .lo = -5,
     .hi = 5, .build = b_kron, .expect = e_kron},
    {.name = "vecdot/broadcast", .covers = "multiply sum", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_EMPTY | CONF_LARGE, .n_in = 2,
     .ndim = {3, 2}, .shape = {{4, 1, 6}, {3, 6}}, .large = {{64, 1, 64}, {64, 64}}, .lo = -3,
     .hi = 3, .build = b_vecdot, .expect = e_vecdot, .ip = {-1}},
    {.name = "diag/above", .covers = "where eye pad", .dtypes = CONF_ALL_DTYPES, .variants = ALLV,
     .n_in = 1, .ndim = {1}, .shape = {{7}}, .large = {{400}}, .lo = -9, .hi = 9, .build = b_diag,
     .expect = e_diag, .ip = {2}},
    {.name = "diag/below", .covers = "where eye pad", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_CONTIG | CONF_STRIDED | CONF_EMPTY, .n_in = 1, .ndim = {1}, .shape = {{5}},
     .lo = -9, .hi = 9, .build = b_diag, .expect = e_diag, .ip = {-3}},
    {.name = NULL},
};
