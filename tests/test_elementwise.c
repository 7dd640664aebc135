/* Elementwise ops: special values, promotion, broadcasting, errors, donation,
 * and every fast kernel against the reference kernel on several dtypes and
 * layouts. Expected values come from C's libm in float64 or from hand
 * arithmetic, never from ax itself. */
#include <complex.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double urand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * 0x1p-53;
}

static ax_array *vec(ax_ctx *ctx, ax_dtype t, const double *v, int64_t n) {
    return test_from_f64(ctx, v, t, &n, 1);
}

/* Random array of `shape` in [lo, hi] (integers rounded). */
static ax_array *rand_array(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, double lo,
                            double hi) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    size_t is = ax_dtype_size(t);
    char *buf = malloc(is * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        double x = lo + (hi - lo) * urand();
        if (!ax_dtype_is_inexact(t)) x = nearbyint(x);
        if (t == AX_COMPLEX64) ax__store_c(buf + i * (int64_t)is, t, x, lo + (hi - lo) * urand());
        else ax__store_f64(buf + i * (int64_t)is, t, x);
    }
    ax_array *a = ax_array_from_data(ctx, buf, t, shape, nd);
    free(buf);
    free(v);
    return a;
}

/* A view of every second element along the last axis of `base`. */
static ax_array *every_other(ax_ctx *ctx, ax_array *base) {
    int nd = base->ndim;
    int64_t shape[8], strides[8];
    for (int i = 0; i < nd; i++) {
        shape[i] = base->shape[i];
        strides[i] = base->strides[i];
    }
    shape[nd - 1] = (shape[nd - 1] + 1) / 2;
    strides[nd - 1] *= 2;
    ax_array *v = ax__array_new_strided(ctx, base->dtype, shape, strides, nd, base->offset);
    v->buf = base->buf;
    ax__buffer_retain(base->buf);
    return ax__own(ctx, v);
}

/* The transposed view of a 2-d array. */
static ax_array *transposed(ax_ctx *ctx, ax_array *base) {
    int64_t shape[2] = {base->shape[1], base->shape[0]};
    int64_t strides[2] = {base->strides[1], base->strides[0]};
    ax_array *v = ax__array_new_strided(ctx, base->dtype, shape, strides, 2, base->offset);
    v->buf = base->buf;
    ax__buffer_retain(base->buf);
    return ax__own(ctx, v);
}

static double ulp_of(ax_dtype t, double v) {
    v = fabs(v);
    int e = v > 0 && isfinite(v) ? ilogb(v) : -1000;
    switch (t) {
    case AX_FLOAT16: return ldexp(1, (e < -14 ? -14 : e) - 10);
    case AX_BFLOAT16: return ldexp(1, (e < -126 ? -126 : e) - 7);
    case AX_FLOAT32: case AX_COMPLEX64: return ldexp(1, (e < -126 ? -126 : e) - 23);
    case AX_FLOAT64: return ldexp(1, (e < -1022 ? -1022 : e) - 52);
    default: return 0;
    }
}

/* Element i of an evaluated row-major array as (re, im). */
static void elem(ax_ctx *ctx, ax_array *a, int64_t i, double *re, double *im) {
    const char *p = ax_data(ctx, a);
    ax__load_c(p + i * (int64_t)ax_dtype_size(a->dtype), a->dtype, re, im);
}

static bool close_ulps(ax_dtype t, double a, double b, double ulps) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return true;
    if (isinf(a) || isinf(b)) return false;
    return fabs(a - b) <= ulps * ulp_of(t, fmax(fabs(a), fabs(b)));
}

/* Compare two results elementwise; returns the number of mismatches. */
static int compare(ax_ctx *ctx, ax_array *x, ax_array *y, double ulps, const char *what) {
    if (!x || !y) {
        CHECK_MSG(x && y, "%s: %s", what, ax_error_message(ctx));
        ax_error_clear(ctx);
        return 1;
    }
    CHECK_MSG(x->dtype == y->dtype && x->size == y->size, "%s: %s vs %s", what,
              ax_dtype_name(x->dtype), ax_dtype_name(y->dtype));
    if (x->dtype != y->dtype || x->size != y->size) return 1;
    int bad = 0;
    const char *px = ax_data(ctx, x), *py = ax_data(ctx, y);
    int64_t is = (int64_t)ax_dtype_size(x->dtype);
    for (int64_t i = 0; px && py && i < x->size; i++) {
        double ar, ai, br, bi;
        ax__load_c(px + i * is, x->dtype, &ar, &ai);
        ax__load_c(py + i * is, y->dtype, &br, &bi);
        if (!close_ulps(x->dtype, ar, br, ulps) || !close_ulps(x->dtype, ai, bi, ulps)) {
            if (bad++ < 3)
                fprintf(stderr, "%s [%s] elem %lld: %.17g%+.17gi vs %.17g%+.17gi\n", what,
                        ax_dtype_name(x->dtype), (long long)i, ar, ai, br, bi);
        }
    }
    CHECK_MSG(bad == 0, "%s: %d mismatches", what, bad);
    return bad;
}

/* Values of a 1-d result against expected doubles (NaN matches NaN; signed
 * zeros must match when check_sign). */
static void expect_vals(ax_ctx *ctx, ax_array *r, ax_dtype t, const double *want, int64_t n,
                        double ulps, const char *what) {
    CHECK_MSG(r != NULL, "%s: %s", what, ax_error_message(ctx));
    if (!r) {
        ax_error_clear(ctx);
        return;
    }
    CHECK_MSG(r->dtype == t, "%s: dtype %s, want %s", what, ax_dtype_name(r->dtype),
              ax_dtype_name(t));
    CHECK_MSG(r->size == n, "%s: size %lld", what, (long long)r->size);
    double *got = test_to_f64(ctx, r);
    for (int64_t i = 0; got && i < n && i < r->size; i++)
        CHECK_MSG(close_ulps(t, got[i], want[i], ulps) &&
                      (want[i] != 0 || signbit(got[i]) == signbit(want[i]) || ulps > 0.5),
                  "%s[%lld]: got %.17g want %.17g", what, (long long)i, got[i], want[i]);
    free(got);
}

/* ---------------------------------------------------------------- fast vs reference */

typedef ax_array *(*un_fn)(ax_ctx *, ax_array *);
typedef ax_array *(*bin_fn)(ax_ctx *, ax_array *, ax_array *);

enum { DT_F = 1, DT_I = 2, DT_B = 4, DT_C = 8 };

static const ax_dtype float_types[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16};
static const ax_dtype int_types[] = {AX_INT8, AX_INT16, AX_INT32, AX_INT64,
                                     AX_UINT8, AX_UINT16, AX_UINT32, AX_UINT64};

static void types_of(unsigned mask, ax_dtype *out, int *n) {
    *n = 0;
    if (mask & DT_F)
        for (int i = 0; i < 4; i++) out[(*n)++] = float_types[i];
    if (mask & DT_I)
        for (int i = 0; i < 8; i++) out[(*n)++] = int_types[i];
    if (mask & DT_B) out[(*n)++] = AX_BOOL;
    if (mask & DT_C) out[(*n)++] = AX_COMPLEX64;
}

/* Tolerance (in ulps of the result dtype) between fast and reference. */
static double fast_tol(ax_dtype t) {
    return t == AX_FLOAT32 || t == AX_COMPLEX64 ? 4 : ax_dtype_is_inexact(t) ? 1 : 0;
}

static const struct {
    const char *name;
    un_fn f;
    unsigned dtypes;
    double lo, hi;
} unary_cases[] = {
    {"abs", ax_abs, DT_F | DT_I | DT_B | DT_C, -5, 5},
    {"negative", ax_negative, DT_F | DT_I | DT_C, -5, 5},
    {"sign", ax_sign, DT_F | DT_I | DT_B | DT_C, -3, 3},
    {"square", ax_square, DT_F | DT_I | DT_B | DT_C, -9, 9},
    {"sqrt", ax_sqrt, DT_F | DT_I | DT_C, 0, 50},
    {"rsqrt", ax_rsqrt, DT_F | DT_C, 0.01, 50},
    {"reciprocal", ax_reciprocal, DT_F | DT_C, 0.1, 5},
    {"exp", ax_exp, DT_F | DT_I | DT_C, -87, 88},
    {"exp2", ax_exp2, DT_F | DT_C, -120, 120},
    {"expm1", ax_expm1, DT_F | DT_C, -3, 3},
    {"log", ax_log, DT_F | DT_I | DT_C, 1e-6, 1e6},
    {"log2", ax_log2, DT_F | DT_C, 1e-3, 1e4},
    {"log10", ax_log10, DT_F | DT_C, 1e-3, 1e4},
    {"log1p", ax_log1p, DT_F | DT_C, -0.9, 5},
    {"sin", ax_sin, DT_F | DT_C, -6, 6},
    {"cos", ax_cos, DT_F | DT_C, -6, 6},
    {"tan", ax_tan, DT_F | DT_C, -1.5, 1.5},
    {"arcsin", ax_arcsin, DT_F | DT_C, -1, 1},
    {"arccos", ax_arccos, DT_F | DT_C, -1, 1},
    {"arctan", ax_arctan, DT_F | DT_C, -10, 10},
    {"sinh", ax_sinh, DT_F | DT_C, -5, 5},
    {"cosh", ax_cosh, DT_F | DT_C, -5, 5},
    {"tanh", ax_tanh, DT_F | DT_C, -10, 10},
    {"arcsinh", ax_arcsinh, DT_F | DT_C, -10, 10},
    {"arccosh", ax_arccosh, DT_F | DT_C, 1, 10},
    {"arctanh", ax_arctanh, DT_F | DT_C, -0.99, 0.99},
    {"floor", ax_floor, DT_F | DT_I | DT_B, -10, 10},
    {"ceil", ax_ceil, DT_F | DT_I | DT_B, -10, 10},
    {"round", ax_round, DT_F | DT_I | DT_B, -10, 10},
    {"trunc", ax_trunc, DT_F | DT_I | DT_B, -10, 10},
    {"erf", ax_erf, DT_F | DT_I, -3, 3},
    {"erfinv", ax_erfinv, DT_F, -0.999, 0.999},
    {"sigmoid", ax_sigmoid, DT_F | DT_I, -20, 20},
    {"degrees", ax_degrees, DT_F, -7, 7},
    {"radians", ax_radians, DT_F, -400, 400},
    {"logical_not", ax_logical_not, DT_F | DT_I | DT_B | DT_C, -2, 2},
    {"bitwise_invert", ax_bitwise_invert, DT_I | DT_B, 0, 100},
    {"isnan", ax_isnan, DT_F | DT_I | DT_B | DT_C, -2, 2},
    {"isinf", ax_isinf, DT_F | DT_I | DT_B | DT_C, -2, 2},
    {"isfinite", ax_isfinite, DT_F | DT_I | DT_B | DT_C, -2, 2},
    {"isposinf", ax_isposinf, DT_F | DT_I | DT_B, -2, 2},
    {"isneginf", ax_isneginf, DT_F | DT_I | DT_B, -2, 2},
    {"conjugate", ax_conjugate, DT_F | DT_I | DT_B | DT_C, -5, 5},
    {"real", ax_real, DT_F | DT_I | DT_C, -5, 5},
    {"imag", ax_imag, DT_F | DT_I | DT_C, -5, 5},
};

/* Inputs with special values mixed in for float dtypes. */
static ax_array *test_input(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, double lo,
                            double hi) {
    ax_array *a = rand_array(ctx, t, shape, nd, lo, hi);
    if (ax_dtype_is_floating(t) && a->size >= 8) {
        double sp[6] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, lo};
        char *p = a->buf->data;
        for (int i = 0; i < 6; i++) ax__store_f64(p + (i * 7 % a->size) * ax_dtype_size(t), t, sp[i]);
    }
    return a;
}

/* Evaluate `f` on the inputs with the fast kernels, then with the reference
 * kernels, and compare. */
static void check_fast_ref_un(ax_ctx *ctx, un_fn f, ax_array *x, const char *what) {
    ax__cpu_force_reference(false);
    ax_array *r1 = f(ctx, x);
    ax_eval1(ctx, r1);
    ax__cpu_force_reference(true);
    ax_array *r2 = f(ctx, x);
    ax_eval1(ctx, r2);
    ax__cpu_force_reference(false);
    if (r1 && r2) compare(ctx, r1, r2, fast_tol(r1->dtype), what);
    else {
        CHECK_MSG(false, "%s: %s", what, ax_error_message(ctx));
        ax_error_clear(ctx);
    }
}

static void test_unary_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    char what[128];
    for (size_t c = 0; c < sizeof unary_cases / sizeof *unary_cases; c++) {
        ax_dtype ts[16];
        int nt;
        types_of(unary_cases[c].dtypes, ts, &nt);
        for (int k = 0; k < nt; k++) {
            ax_scope_begin(ctx);
            ax_dtype t = ts[k];
            double lo = unary_cases[c].lo, hi = unary_cases[c].hi;
            if (ax_dtype_is_unsigned(t) && lo < 0) lo = 0;
            if (t == AX_INT8 && hi > 120) hi = 120;
            if (t == AX_UINT8 && hi > 250) hi = 250;
            if (t == AX_BOOL) lo = 0, hi = 1;
            int64_t shape[2] = {33, 70};
            ax_array *x = test_input(ctx, t, shape, 2, lo, hi);
            snprintf(what, sizeof what, "%s contiguous", unary_cases[c].name);
            check_fast_ref_un(ctx, unary_cases[c].f, x, what);
            snprintf(what, sizeof what, "%s strided", unary_cases[c].name);
            check_fast_ref_un(ctx, unary_cases[c].f, every_other(ctx, x), what);
            snprintf(what, sizeof what, "%s transposed", unary_cases[c].name);
            check_fast_ref_un(ctx, unary_cases[c].f, transposed(ctx, x), what);
            int64_t big = 70000; /* > 2^16: threaded */
            snprintf(what, sizeof what, "%s large", unary_cases[c].name);
            check_fast_ref_un(ctx, unary_cases[c].f, rand_array(ctx, t, &big, 1, lo, hi), what);
            ax_scope_end(ctx);
        }
    }
    ax_ctx_free(ctx);
}

static const struct {
    const char *name;
    bin_fn f;
    unsigned dtypes;
    double lo, hi, blo, bhi;
} binary_cases[] = {
    {"add", ax_add, DT_F | DT_I | DT_B | DT_C, -50, 50, -50, 50},
    {"subtract", ax_subtract, DT_F | DT_I | DT_C, -50, 50, -50, 50},
    {"multiply", ax_multiply, DT_F | DT_I | DT_B | DT_C, -20, 20, -20, 20},
    {"divide", ax_divide, DT_F | DT_I | DT_C, -20, 20, 0.5, 20},
    {"floor_divide", ax_floor_divide, DT_F | DT_I, -50, 50, -9, 9},
    {"remainder", ax_remainder, DT_F | DT_I, -50, 50, -9, 9},
    {"power", ax_power, DT_F | DT_I | DT_C, 0, 4, -3, 5},
    {"maximum", ax_maximum, DT_F | DT_I | DT_B, -50, 50, -50, 50},
    {"minimum", ax_minimum, DT_F | DT_I | DT_B, -50, 50, -50, 50},
    {"equal", ax_equal, DT_F | DT_I | DT_B | DT_C, -3, 3, -3, 3},
    {"not_equal", ax_not_equal, DT_F | DT_I | DT_B | DT_C, -3, 3, -3, 3},
    {"less", ax_less, DT_F | DT_I | DT_B, -3, 3, -3, 3},
    {"less_equal", ax_less_equal, DT_F | DT_I | DT_B, -3, 3, -3, 3},
    {"greater", ax_greater, DT_F | DT_I | DT_B, -3, 3, -3, 3},
    {"greater_equal", ax_greater_equal, DT_F | DT_I | DT_B, -3, 3, -3, 3},
    {"logical_and", ax_logical_and, DT_F | DT_I | DT_B | DT_C, -1, 1, -1, 1},
    {"logical_or", ax_logical_or, DT_F | DT_I | DT_B | DT_C, -1, 1, -1, 1},
    {"logical_xor", ax_logical_xor, DT_F | DT_I | DT_B | DT_C, -1, 1, -1, 1},
    {"logaddexp", ax_logaddexp, DT_F | DT_I, -30, 30, -30, 30},
    {"arctan2", ax_arctan2, DT_F | DT_I, -5, 5, -5, 5},
    {"hypot", ax_hypot, DT_F | DT_I, -5, 5, -5, 5},
    {"copysign", ax_copysign, DT_F | DT_I, -5, 5, -5, 5},
    {"nextafter", ax_nextafter, DT_F, -5, 5, -5, 5},
    {"bitwise_and", ax_bitwise_and, DT_I | DT_B, 0, 100, 0, 100},
    {"bitwise_or", ax_bitwise_or, DT_I | DT_B, 0, 100, 0, 100},
    {"bitwise_xor", ax_bitwise_xor, DT_I | DT_B, 0, 100, 0, 100},
    {"left_shift", ax_left_shift, DT_I, -20, 100, -2, 70},
    {"right_shift", ax_right_shift, DT_I, -100, 100, -2, 70},
};

static void check_fast_ref_bin(ax_ctx *ctx, bin_fn f, ax_array *a, ax_array *b, const char *what) {
    ax__cpu_force_reference(false);
    ax_array *r1 = f(ctx, a, b);
    ax_eval1(ctx, r1);
    ax__cpu_force_reference(true);
    ax_array *r2 = f(ctx, a, b);
    ax_eval1(ctx, r2);
    ax__cpu_force_reference(false);
    if (r1 && r2) compare(ctx, r1, r2, fast_tol(r1->dtype), what);
    else {
        CHECK_MSG(false, "%s: %s", what, ax_error_message(ctx));
        ax_error_clear(ctx);
    }
}

static void test_binary_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    char what[160];
    for (size_t c = 0; c < sizeof binary_cases / sizeof *binary_cases; c++) {
        ax_dtype ts[16];
        int nt;
        types_of(binary_cases[c].dtypes, ts, &nt);
        for (int k = 0; k < nt; k++) {
            ax_scope_begin(ctx);
            ax_dtype t = ts[k];
            double lo = binary_cases[c].lo, hi = binary_cases[c].hi;
            double blo = binary_cases[c].blo, bhi = binary_cases[c].bhi;
            if (ax_dtype_is_unsigned(t) || t == AX_BOOL) {
                lo = lo < 0 ? 0 : lo;
                blo = blo < 0 ? 0 : blo;
            }
            if (t == AX_BOOL) hi = bhi = 1;
            const char *n = binary_cases[c].name;
            bin_fn f = binary_cases[c].f;
            int64_t s2[2] = {21, 40}, s3[3] = {3, 1, 4}, s54[2] = {5, 4}, big = 70000;
            ax_array *a = test_input(ctx, t, s2, 2, lo, hi);
            ax_array *b = test_input(ctx, t, s2, 2, blo, bhi);
            snprintf(what, sizeof what, "%s same shape", n);
            check_fast_ref_bin(ctx, f, a, b, what);
            snprintf(what, sizeof what, "%s strided/transposed", n);
            check_fast_ref_bin(ctx, f, every_other(ctx, a), every_other(ctx, b), what);
            int64_t s40[2] = {40, 21};
            ax_array *bt = test_input(ctx, t, s40, 2, blo, bhi);
            check_fast_ref_bin(ctx, f, a, transposed(ctx, bt), what);
            snprintf(what, sizeof what, "%s (3,1,4) with (5,4)", n);
            check_fast_ref_bin(ctx, f, test_input(ctx, t, s3, 3, lo, hi),
                               test_input(ctx, t, s54, 2, blo, bhi), what);
            snprintf(what, sizeof what, "%s array with scalar", n);
            ax_array *sc = rand_array(ctx, t, NULL, 0, blo, bhi);
            check_fast_ref_bin(ctx, f, a, sc, what);
            check_fast_ref_bin(ctx, f, sc, b, what);
            snprintf(what, sizeof what, "%s column with row", n);
            int64_t col[2] = {21, 1}, row[1] = {40};
            check_fast_ref_bin(ctx, f, test_input(ctx, t, col, 2, lo, hi),
                               test_input(ctx, t, row, 1, blo, bhi), what);
            snprintf(what, sizeof what, "%s large", n);
            check_fast_ref_bin(ctx, f, rand_array(ctx, t, &big, 1, lo, hi),
                               rand_array(ctx, t, &big, 1, blo, bhi), what);
            ax_scope_end(ctx);
        }
    }
    ax_ctx_free(ctx);
}

/* Outputs of EW_STREAM_BYTES (8 MiB) and more are written with streaming
 * stores from a block in cache (backend/cpu/ew_stream.h): odd lengths, so
 * the threads' pieces start mid-line and end in a tail, in float32 and
 * float64, against the reference kernels. */
static void test_streamed_outputs(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype ts[2] = {AX_FLOAT32, AX_FLOAT64};
    const int64_t lens[2] = {((int64_t)1 << 21) + 37, ((int64_t)1 << 20) + 5};
    for (int k = 0; k < 2; k++) {
        ax_scope_begin(ctx);
        ax_array *a = rand_array(ctx, ts[k], &lens[k], 1, -4, 4);
        ax_array *b = rand_array(ctx, ts[k], &lens[k], 1, -4, 4);
        ax_array *sc = rand_array(ctx, ts[k], NULL, 0, -2, 2);
        check_fast_ref_bin(ctx, ax_add, a, b, "add, streamed output");
        check_fast_ref_bin(ctx, ax_multiply, a, sc, "multiply by a scalar, streamed output");
        check_fast_ref_bin(ctx, ax_subtract, sc, b, "scalar minus array, streamed output");
        check_fast_ref_un(ctx, ax_exp, a, "exp, streamed output");
        check_fast_ref_un(ctx, ax_tanh, a, "tanh, streamed output");
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_where_astype_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_dtype all[AX_DTYPE_COUNT];
    for (int t = 0; t < AX_DTYPE_COUNT; t++) all[t] = (ax_dtype)t;
    for (int i = 0; i < AX_DTYPE_COUNT; i++) {
        ax_scope_begin(ctx);
        int64_t s2[2] = {17, 30}, row[1] = {30};
        ax_array *x = test_input(ctx, all[i], s2, 2, -100, 100);
        /* values past the integer ranges (saturation, wraparound) */
        double far[] = {3e9, -3e9, 1e20, -1e20, 70000, -40000, 300, -300, 255.5, -0.7};
        for (int k = 0; k < 10; k++)
            ax__store_f64((char *)x->buf->data + (40 + 3 * k) * ax_dtype_size(all[i]), all[i], far[k]);
        for (int j = 0; j < AX_DTYPE_COUNT; j++) {
            char what[96];
            snprintf(what, sizeof what, "astype %s -> %s", ax_dtype_name(all[i]),
                     ax_dtype_name(all[j]));
            for (int v = 0; v < 2; v++) {
                ax_array *in = v ? every_other(ctx, x) : x;
                ax__cpu_force_reference(false);
                ax_array *r1 = ax_astype(ctx, in, all[j]);
                ax_eval1(ctx, r1);
                ax__cpu_force_reference(true);
                ax_array *r2 = ax_astype(ctx, in, all[j]);
                ax_eval1(ctx, r2);
                ax__cpu_force_reference(false);
                compare(ctx, r1, r2, 0, what);
            }
        }
        /* where: cond with a broadcast row, x strided, y scalar */
        ax_array *cond = test_input(ctx, AX_INT32, row, 1, -1, 1);
        ax_array *y = rand_array(ctx, all[i], NULL, 0, -5, 5);
        ax__cpu_force_reference(false);
        ax_array *w1 = ax_where(ctx, cond, x, y);
        ax_array *cond2 = every_other(ctx, cond);
        ax_array *w3 = ax_where(ctx, cond2, every_other(ctx, x), y);
        ax_eval1(ctx, w1);
        ax_eval1(ctx, w3);
        ax__cpu_force_reference(true);
        ax_array *w2 = ax_where(ctx, cond, x, y);
        ax_array *w4 = ax_where(ctx, cond2, every_other(ctx, x), y);
        ax_eval1(ctx, w2);
        ax_eval1(ctx, w4);
        ax__cpu_force_reference(false);
        compare(ctx, w1, w2, 0, "where");
        compare(ctx, w3, w4, 0, "where strided");
        /* where against the definition */
        if (w1) {
            double *cv = test_to_f64(ctx, cond), yv;
            ax_item_f64(ctx, y, &yv);
            for (int64_t r = 0; r < 17; r++)
                for (int64_t c = 0; c < 30; c++) {
                    double wr, wi, xr, xi;
                    elem(ctx, w1, r * 30 + c, &wr, &wi);
                    elem(ctx, x, r * 30 + c, &xr, &xi);
                    double want = cv[c] != 0 ? xr : yv;
                    CHECK(close_ulps(all[i], wr, want, 0));
                }
            free(cv);
        }
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- accuracy of the float32 paths */

static void test_float32_accuracy(void) {
    ax_ctx *ctx = ax_ctx_new();
    static const struct {
        const char *name;
        un_fn f;
        double (*ref)(double);
        double lo, hi;
    } cases[] = {
        {"exp", ax_exp, exp, -103, 88.7},  {"exp2", ax_exp2, exp2, -149, 127.9},
        {"expm1", ax_expm1, expm1, -20, 88}, {"log", ax_log, log, 1e-38, 3e38},
        {"log", ax_log, log, 0.5, 2},      {"log2", ax_log2, log2, 1e-30, 1e30},
        {"log10", ax_log10, log10, 1e-30, 1e30}, {"tanh", ax_tanh, tanh, -10, 10},
        {"tanh", ax_tanh, tanh, -0.01, 0.01}, {"erf", ax_erf, erf, -5, 5},
        {"erf", ax_erf, erf, -1e-3, 1e-3},
    };
    int64_t n = 100000;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ax_scope_begin(ctx);
        double *v = malloc(sizeof(double) * (size_t)n);
        bool logscale = cases[c].lo > 0 && cases[c].hi / cases[c].lo > 1e6;
        for (int64_t i = 0; i < n; i++) {
            double u = (double)i / (double)(n - 1);
            v[i] = logscale ? cases[c].lo * pow(cases[c].hi / cases[c].lo, u)
                            : cases[c].lo + (cases[c].hi - cases[c].lo) * u;
            v[i] = (float)v[i];
        }
        ax_array *x = vec(ctx, AX_FLOAT32, v, n);
        double *got = test_to_f64(ctx, cases[c].f(ctx, x));
        double worst = 0;
        for (int64_t i = 0; got && i < n; i++) {
            double want = cases[c].ref(v[i]);
            double err = fabs(got[i] - want) / ulp_of(AX_FLOAT32, want);
            if (!(err <= worst)) worst = err;
        }
        CHECK_MSG(got && worst <= 3.0, "float32 %s on [%g, %g]: max error %.2f ulp", cases[c].name,
                  cases[c].lo, cases[c].hi, worst);
        free(got);
        free(v);
        ax_scope_end(ctx);
    }
    /* sigmoid against 1 / (1 + e^-x) in float64 */
    {
        ax_scope_begin(ctx);
        double v[2001];
        for (int i = 0; i <= 2000; i++) v[i] = (float)(-100 + 0.1 * i);
        double *got = test_to_f64(ctx, ax_sigmoid(ctx, vec(ctx, AX_FLOAT32, v, 2001)));
        double worst = 0;
        for (int i = 0; got && i <= 2000; i++) {
            double want = 1 / (1 + exp(-v[i]));
            double err = fabs(got[i] - want) / ulp_of(AX_FLOAT32, want);
            if (err > worst) worst = err;
        }
        CHECK_MSG(got && worst <= 3.0, "float32 sigmoid: max error %.2f ulp", worst);
        free(got);
        ax_scope_end(ctx);
    }
    /* exp on every length 1..40 (vector tails), in and out of place */
    for (int len = 1; len <= 40; len++) {
        ax_scope_begin(ctx);
        double v[40];
        for (int i = 0; i < len; i++) v[i] = (float)(-3 + 0.37 * i);
        ax_array *x = vec(ctx, AX_FLOAT32, v, len);
        double *got = test_to_f64(ctx, ax_exp(ctx, x));
        double worst = 0;
        for (int i = 0; got && i < len; i++) {
            double err = fabs(got[i] - exp(v[i])) / ulp_of(AX_FLOAT32, exp(v[i]));
            if (!(err <= worst)) worst = err;
        }
        CHECK_MSG(got && worst <= 3.0, "float32 exp of %d elements: max error %.2f ulp", len, worst);
        free(got);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- special values */

#define N_(a) (int64_t)(sizeof(a) / sizeof *(a))

static void test_special_values(void) {
    ax_ctx *ctx = ax_ctx_new();
    const double inf = INFINITY, nan = NAN;
    for (int fast = 0; fast < 2; fast++) {
        ax__cpu_force_reference(!fast);
        for (int k = 0; k < 2; k++) {
            ax_dtype t = k ? AX_FLOAT64 : AX_FLOAT32;
            double a[] = {1, -1, 0, -0.0, inf, nan}, z[] = {0, 0, 0, 0, 0, 0};
            double want[] = {inf, -inf, nan, nan, inf, nan};
            expect_vals(ctx, ax_divide(ctx, vec(ctx, t, a, 6), vec(ctx, t, z, 6)), t, want, 6, 0,
                        "divide by zero");
            double fa[] = {7.5, -7.5, 7.5, -7.5, 1, -1, 0};
            double fb[] = {2, 2, -2, -2, 0, 0, 3};
            double fq[] = {3, -4, -4, 3, inf, -inf, 0};
            double fr[] = {1.5, 0.5, -0.5, -1.5, nan, nan, 0};
            expect_vals(ctx, ax_floor_divide(ctx, vec(ctx, t, fa, 7), vec(ctx, t, fb, 7)), t, fq,
                        7, 0, "float floor_divide");
            expect_vals(ctx, ax_remainder(ctx, vec(ctx, t, fa, 7), vec(ctx, t, fb, 7)), t, fr, 7, 0,
                        "float remainder");
            double r[] = {0.5, 1.5, 2.5, -0.5, -2.5, 2.4999, -3.5, 1e300};
            double rw[] = {0, 2, 2, -0.0, -2, 2, -4, k ? 1e300 : inf};
            expect_vals(ctx, ax_round(ctx, vec(ctx, t, r, 8)), t, rw, 8, 0, "round half even");
            double e[] = {-1, 1, 0, 1.5, -2, 0.5, nan};
            double ew[] = {-inf, inf, 0, nan, nan, 0.47693627620446987, nan};
            expect_vals(ctx, ax_erfinv(ctx, vec(ctx, t, e, 7)), t, ew, 7, 1, "erfinv");
            double la[] = {-inf, -inf, 0, inf, 1, nan, 1000};
            double lb[] = {-inf, 0, -inf, inf, 2, 0, 1000};
            double lw[] = {-inf, 0, 0, inf, log(exp(1) + exp(2)), nan, 1000 + 0.69314718055994530942};
            expect_vals(ctx, ax_logaddexp(ctx, vec(ctx, t, la, 7), vec(ctx, t, lb, 7)), t, lw, 7, 1,
                        "logaddexp");
            double ya[] = {1, 1, -1, -1, 0, -0.0, 0, -0.0};
            double xa[] = {1, -1, -1, 1, -1, -1, 1, 1};
            double aw[8];
            for (int i = 0; i < 8; i++) aw[i] = atan2(ya[i], xa[i]);
            expect_vals(ctx, ax_arctan2(ctx, vec(ctx, t, ya, 8), vec(ctx, t, xa, 8)), t, aw, 8, 1,
                        "arctan2 quadrants");
            double ma[] = {nan, 1, 2, -inf}, mb[] = {1, nan, 3, 5};
            double mx[] = {nan, nan, 3, 5}, mn[] = {nan, nan, 2, -inf};
            expect_vals(ctx, ax_maximum(ctx, vec(ctx, t, ma, 4), vec(ctx, t, mb, 4)), t, mx, 4, 0,
                        "maximum NaN");
            expect_vals(ctx, ax_minimum(ctx, vec(ctx, t, ma, 4), vec(ctx, t, mb, 4)), t, mn, 4, 0,
                        "minimum NaN");
            double sa[] = {-2, -0.0, 0, 3, nan, -inf}, sw[] = {-1, 0, 0, 1, nan, -1};
            expect_vals(ctx, ax_sign(ctx, vec(ctx, t, sa, 6)), t, sw, 6, 0, "sign");
            double pa[] = {nan, inf, -inf, 0, 1};
            double isn[] = {1, 0, 0, 0, 0}, isi[] = {0, 1, 1, 0, 0}, isf[] = {0, 0, 0, 1, 1};
            double ipi[] = {0, 1, 0, 0, 0}, ini[] = {0, 0, 1, 0, 0}, lno[] = {0, 0, 0, 1, 0};
            ax_array *p = vec(ctx, t, pa, 5);
            expect_vals(ctx, ax_isnan(ctx, p), AX_BOOL, isn, 5, 0, "isnan");
            expect_vals(ctx, ax_isinf(ctx, p), AX_BOOL, isi, 5, 0, "isinf");
            expect_vals(ctx, ax_isfinite(ctx, p), AX_BOOL, isf, 5, 0, "isfinite");
            expect_vals(ctx, ax_isposinf(ctx, p), AX_BOOL, ipi, 5, 0, "isposinf");
            expect_vals(ctx, ax_isneginf(ctx, p), AX_BOOL, ini, 5, 0, "isneginf");
            expect_vals(ctx, ax_logical_not(ctx, p), AX_BOOL, lno, 5, 0, "logical_not");
            double xa2[] = {0, -0.0, -1, inf, -inf, nan, 100, -100};
            double ew2[8], lw2[8], tw2[8], sg2[8];
            for (int i = 0; i < 8; i++) {
                ew2[i] = k ? exp(xa2[i]) : (double)(float)exp(xa2[i]);
                lw2[i] = log(xa2[i]);
                tw2[i] = tanh(xa2[i]);
                sg2[i] = 1 / (1 + exp(-xa2[i]));
            }
            ax_array *xs = vec(ctx, t, xa2, 8);
            expect_vals(ctx, ax_exp(ctx, xs), t, ew2, 8, 1, "exp specials");
            expect_vals(ctx, ax_log(ctx, xs), t, lw2, 8, 1, "log specials");
            expect_vals(ctx, ax_tanh(ctx, xs), t, tw2, 8, 1, "tanh specials");
            expect_vals(ctx, ax_sigmoid(ctx, xs), t, sg2, 8, 1, "sigmoid specials");
        }
        /* integer division and remainder by zero, INT_MIN / -1 */
        double ia[] = {7, -7, 7, -7, 5, -2147483648.0, -2147483648.0, 0};
        double ib[] = {2, 2, -2, -2, 0, -1, 1, 0};
        double iq[] = {3, -4, -4, 3, 0, -2147483648.0, -2147483648.0, 0};
        double ir[] = {1, 1, -1, -1, 0, 0, 0, 0};
        ax_array *A = vec(ctx, AX_INT32, ia, 8), *B = vec(ctx, AX_INT32, ib, 8);
        expect_vals(ctx, ax_floor_divide(ctx, A, B), AX_INT32, iq, 8, 0, "int floor_divide");
        expect_vals(ctx, ax_remainder(ctx, A, B), AX_INT32, ir, 8, 0, "int remainder");
        double dw[] = {3.5, -3.5, -3.5, 3.5, INFINITY, 2147483648.0, -2147483648.0, NAN};
        expect_vals(ctx, ax_divide(ctx, A, B), AX_FLOAT32, dw, 8, 0, "int true divide");
        double ua[] = {7, 255, 0}, ub[] = {0, 2, 0}, uq[] = {0, 127, 0}, ur[] = {0, 1, 0};
        expect_vals(ctx, ax_floor_divide(ctx, vec(ctx, AX_UINT8, ua, 3), vec(ctx, AX_UINT8, ub, 3)),
                    AX_UINT8, uq, 3, 0, "uint floor_divide");
        expect_vals(ctx, ax_remainder(ctx, vec(ctx, AX_UINT8, ua, 3), vec(ctx, AX_UINT8, ub, 3)),
                    AX_UINT8, ur, 3, 0, "uint remainder");
        double m8[] = {-128, 127, -1}, m8a[] = {-128, 127, 1}, m8n[] = {-128, -127, 1};
        expect_vals(ctx, ax_abs(ctx, vec(ctx, AX_INT8, m8, 3)), AX_INT8, m8a, 3, 0, "abs int8 min");
        expect_vals(ctx, ax_negative(ctx, vec(ctx, AX_INT8, m8, 3)), AX_INT8, m8n, 3, 0,
                    "negative int8 min");
        /* shifts */
        double sa8[] = {1, 1, 1, 1, -8, -8, -8, 8, 3};
        double sb8[] = {7, 8, -1, 100, 1, 8, -1, 9, 2};
        double sl8[] = {-128, 0, 0, 0, -16, 0, 0, 0, 12};
        double sr8[] = {0, 0, 0, 0, -4, -1, -1, 0, 0};
        ax_array *S = vec(ctx, AX_INT8, sa8, 9), *T = vec(ctx, AX_INT8, sb8, 9);
        expect_vals(ctx, ax_left_shift(ctx, S, T), AX_INT8, sl8, 9, 0, "left_shift int8");
        expect_vals(ctx, ax_right_shift(ctx, S, T), AX_INT8, sr8, 9, 0, "right_shift int8");
        double us[] = {255, 255, 255}, ut[] = {7, 8, 200}, ur8[] = {1, 0, 0}, ul8[] = {128, 0, 0};
        expect_vals(ctx, ax_right_shift(ctx, vec(ctx, AX_UINT8, us, 3), vec(ctx, AX_UINT8, ut, 3)),
                    AX_UINT8, ur8, 3, 0, "right_shift uint8");
        expect_vals(ctx, ax_left_shift(ctx, vec(ctx, AX_UINT8, us, 3), vec(ctx, AX_UINT8, ut, 3)),
                    AX_UINT8, ul8, 3, 0, "left_shift uint8");
        double l64a[] = {1, -1}, l64b[] = {63, 64}, l64w[] = {-9223372036854775808.0, 0};
        expect_vals(ctx, ax_left_shift(ctx, vec(ctx, AX_INT64, l64a, 2), vec(ctx, AX_INT64, l64b, 2)),
                    AX_INT64, l64w, 2, 0, "left_shift int64");
        /* integer power, negative exponents */
        double pa[] = {2, 2, -2, 1, -1, -1, 0, 3, 0};
        double pb[] = {10, -1, 3, -5, -5, -4, -1, 0, 0};
        double pw[] = {1024, 0, -8, 1, -1, 1, 0, 1, 1};
        expect_vals(ctx, ax_power(ctx, vec(ctx, AX_INT32, pa, 9), vec(ctx, AX_INT32, pb, 9)),
                    AX_INT32, pw, 9, 0, "int power");
        double p8a[] = {2, 3}, p8b[] = {7, 5}, p8w[] = {-128, -13};
        expect_vals(ctx, ax_power(ctx, vec(ctx, AX_INT8, p8a, 2), vec(ctx, AX_INT8, p8b, 2)),
                    AX_INT8, p8w, 2, 0, "int8 power wraps");
        /* integer wraparound */
        double wa[] = {2147483647.0, -2147483648.0}, wb[] = {1, 1};
        double wadd[] = {-2147483648.0, -2147483647.0}, wmul[] = {2147483647.0, -2147483648.0};
        expect_vals(ctx, ax_add(ctx, vec(ctx, AX_INT32, wa, 2), vec(ctx, AX_INT32, wb, 2)),
                    AX_INT32, wadd, 2, 0, "int32 add wraps");
        expect_vals(ctx, ax_multiply(ctx, vec(ctx, AX_INT32, wa, 2), vec(ctx, AX_INT32, wb, 2)),
                    AX_INT32, wmul, 2, 0, "int32 multiply");
        double ma16[] = {300, -300}, mw16[] = {24464, 24464};
        expect_vals(ctx, ax_square(ctx, vec(ctx, AX_INT16, ma16, 2)), AX_INT16, mw16, 2, 0,
                    "int16 square wraps");
        /* nextafter in each float format */
        double na[] = {1, 1, 0, 0}, nb[] = {2, 0, -1, 1};
        double nw32[] = {1 + 0x1p-23, 1 - 0x1p-24, -0x1p-149, 0x1p-149};
        double nw16[] = {1 + 0x1p-10, 1 - 0x1p-11, -0x1p-24, 0x1p-24};
        double nwb[] = {1 + 0x1p-7, 1 - 0x1p-8, -0x1p-133, 0x1p-133};
        double nw64[] = {1 + 0x1p-52, 1 - 0x1p-53, -0x1p-1074, 0x1p-1074};
        const ax_dtype nts[] = {AX_FLOAT32, AX_FLOAT16, AX_BFLOAT16, AX_FLOAT64};
        const double *nws[] = {nw32, nw16, nwb, nw64};
        for (int i = 0; i < 4; i++) {
            ax_array *x = vec(ctx, nts[i], na, 4), *y = vec(ctx, nts[i], nb, 4);
            double *got = test_to_f64(ctx, ax_nextafter(ctx, x, y));
            for (int j = 0; got && j < 4; j++)
                CHECK_MSG(got[j] == nws[i][j], "nextafter %s[%d]: %.17g vs %.17g",
                          ax_dtype_name(nts[i]), j, got[j], nws[i][j]);
            free(got);
        }
        /* complex */
        float cz[] = {3, 4, 0, 0, -1, 0};
        int64_t three = 3;
        ax_array *C = ax_array_from_data(ctx, cz, AX_COMPLEX64, &three, 1);
        ax_array *sg = ax_sign(ctx, C), *ab = ax_abs(ctx, C);
        double re, im;
        CHECK(sg && ab && ab->dtype == AX_FLOAT32);
        if (sg && ab) {
            elem(ctx, sg, 0, &re, &im);
            CHECK_NEAR(re, 0.6, 1e-7);
            CHECK_NEAR(im, 0.8, 1e-7);
            elem(ctx, sg, 1, &re, &im);
            CHECK(re == 0 && im == 0);
            double abw[] = {5, 0, 1};
            expect_vals(ctx, ab, AX_FLOAT32, abw, 3, 0, "complex abs");
        }
        ax_array *cs = ax_sqrt(ctx, C);
        if (cs) {
            elem(ctx, cs, 2, &re, &im); /* sqrt(-1) = i */
            CHECK_NEAR(re, 0, 1e-7);
            CHECK_NEAR(im, 1, 1e-7);
            elem(ctx, cs, 0, &re, &im); /* sqrt(3+4i) = 2+i */
            CHECK_NEAR(re, 2, 1e-6);
            CHECK_NEAR(im, 1, 1e-6);
        }
        double rw[] = {3, 0, -1}, iw[] = {4, 0, 0};
        expect_vals(ctx, ax_real(ctx, C), AX_FLOAT32, rw, 3, 0, "real");
        expect_vals(ctx, ax_imag(ctx, C), AX_FLOAT32, iw, 3, 0, "imag");
        ax_array *cj = ax_conjugate(ctx, C);
        if (cj) {
            elem(ctx, cj, 0, &re, &im);
            CHECK(re == 3 && im == -4);
        }
        double eqw[] = {1, 0, 0};
        float cz2[] = {3, 4, 0, 1, 1, 0};
        ax_array *C2 = ax_array_from_data(ctx, cz2, AX_COMPLEX64, &three, 1);
        expect_vals(ctx, ax_equal(ctx, C, C2), AX_BOOL, eqw, 3, 0, "complex equal");
        ax_array *cm = ax_multiply(ctx, C, C2);
        if (cm) {
            elem(ctx, cm, 0, &re, &im); /* (3+4i)^2 = -7+24i */
            CHECK(re == -7 && im == 24);
        }
        double fr[] = {1.5, -2}, fi[] = {0, 0};
        expect_vals(ctx, ax_imag(ctx, vec(ctx, AX_FLOAT64, fr, 2)), AX_FLOAT64, fi, 2, 0,
                    "imag of real");
        ax_array *fra = vec(ctx, AX_FLOAT64, fr, 2);
        CHECK(ax_real(ctx, fra) == fra);
    }
    ax__cpu_force_reference(false);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- promotion */

static void test_promotion(void) {
    ax_ctx *ctx = ax_ctx_new();
    double v[] = {1, 2, 3};
    ax_array *i8 = vec(ctx, AX_INT8, v, 3), *i32 = vec(ctx, AX_INT32, v, 3);
    ax_array *u8 = vec(ctx, AX_UINT8, v, 3), *f16 = vec(ctx, AX_FLOAT16, v, 3);
    ax_array *bf = vec(ctx, AX_BFLOAT16, v, 3), *b = vec(ctx, AX_BOOL, v, 3);
    ax_array *f64 = vec(ctx, AX_FLOAT64, v, 3), *u64 = vec(ctx, AX_UINT64, v, 3);
    CHECK(ax_dtype_of(ax_add(ctx, i8, ax_weak_int(ctx, 3))) == AX_INT8);
    CHECK(ax_dtype_of(ax_add(ctx, ax_weak_int(ctx, 300), i8)) == AX_INT8);
    CHECK(ax_dtype_of(ax_add(ctx, i32, ax_weak_float(ctx, 0.5))) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_multiply(ctx, f16, ax_weak_float(ctx, 0.5))) == AX_FLOAT16);
    CHECK(ax_dtype_of(ax_add(ctx, u8, i8)) == AX_INT16);
    CHECK(ax_dtype_of(ax_add(ctx, f16, bf)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_add(ctx, u64, i8)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_add(ctx, b, ax_weak_int(ctx, 1))) == AX_INT32);
    CHECK(ax_dtype_of(ax_add(ctx, f64, ax_weak_float(ctx, 0.5))) == AX_FLOAT64);
    CHECK(ax_dtype_of(ax_divide(ctx, i32, i32)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_divide(ctx, f16, ax_weak_int(ctx, 2))) == AX_FLOAT16);
    CHECK(ax_dtype_of(ax_exp(ctx, i32)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_exp(ctx, b)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_sqrt(ctx, bf)) == AX_BFLOAT16);
    CHECK(ax_dtype_of(ax_arctan2(ctx, i8, i8)) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_less(ctx, f16, ax_weak_float(ctx, 2))) == AX_BOOL);
    CHECK(ax_dtype_of(ax_logical_and(ctx, f64, i8)) == AX_BOOL);
    CHECK(ax_dtype_of(ax_floor(ctx, i32)) == AX_INT32);
    CHECK(ax_dtype_of(ax_abs(ctx, b)) == AX_BOOL);
    ax_array *ww = ax_add(ctx, ax_weak_int(ctx, 2), ax_weak_int(ctx, 3));
    CHECK(ax_is_weak(ww) && ax_dtype_of(ww) == AX_INT32);
    int64_t iv;
    CHECK(ax_item_i64(ctx, ww, &iv) == AX_OK && iv == 5);
    CHECK(!ax_is_weak(ax_add(ctx, i8, ax_weak_int(ctx, 1))));
    /* unary ops of weak scalars stay weak: they then meet f16 as f16 */
    ax_array *we = ax_exp(ctx, ax_weak_int(ctx, 1));
    CHECK(ax_is_weak(we) && ax_dtype_of(we) == AX_FLOAT32);
    CHECK(ax_dtype_of(ax_multiply(ctx, f16, we)) == AX_FLOAT16);
    CHECK(!ax_is_weak(ax_isnan(ctx, ax_weak_float(ctx, 1))));
    /* values: int8 + weak 300 wraps like the int8 conversion of 300 (44) */
    double w8[] = {45, 46, 47};
    expect_vals(ctx, ax_add(ctx, i8, ax_weak_int(ctx, 300)), AX_INT8, w8, 3, 0, "int8 + weak 300");
    double hf[] = {0.5, 1, 1.5};
    expect_vals(ctx, ax_multiply(ctx, i32, ax_weak_float(ctx, 0.5)), AX_FLOAT32, hf, 3, 0,
                "int32 * weak 0.5");
    /* bool arithmetic: add = or, multiply = and */
    double ba[] = {0, 1, 0, 1}, bb[] = {0, 0, 1, 1}, bor[] = {0, 1, 1, 1}, band[] = {0, 0, 0, 1};
    ax_array *B1 = vec(ctx, AX_BOOL, ba, 4), *B2 = vec(ctx, AX_BOOL, bb, 4);
    expect_vals(ctx, ax_add(ctx, B1, B2), AX_BOOL, bor, 4, 0, "bool add");
    expect_vals(ctx, ax_multiply(ctx, B1, B2), AX_BOOL, band, 4, 0, "bool multiply");
    double bxor[] = {0, 1, 1, 0}, binv[] = {1, 0, 1, 0};
    expect_vals(ctx, ax_bitwise_xor(ctx, B1, B2), AX_BOOL, bxor, 4, 0, "bool xor");
    expect_vals(ctx, ax_bitwise_invert(ctx, B1), AX_BOOL, binv, 4, 0, "bool invert");
    /* astype */
    ax_array *same = ax_astype(ctx, i32, AX_INT32);
    CHECK(same == i32);
    ax_array *cp = ax_copy(ctx, i32);
    CHECK(cp != i32 && ax_data(ctx, cp) != ax_data(ctx, i32));
    double cv[] = {1.7, -1.7, NAN, -0.5}, cw[] = {1, -1, 0, 0};
    expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_FLOAT64, cv, 4), AX_INT32), AX_INT32, cw, 4, 0.5,
                "astype f64 -> int32");
    /* 16 values: the vector (F16C) path and the scalar tail both round */
    double hv[] = {65520,        1 + 0x1p-11,      1 + 3 * 0x1p-11,  65504,
                   0x1p-25,      0x1.8p-25,        0x1.8p-24,        0x1.4p-23,
                   -65520,       0.1,              -0.0,             65519.99,
                   0x1p-14 * (1 + 0x1p-11), 1e-8,  6e-8,             0x1p-24 * 1023.5};
    double hw[] = {INFINITY,     1,                1 + 0x1p-9,       65504,
                   0,            0x1p-24,          0x1p-23,          0x1p-23,
                   -INFINITY,    0.0999755859375,  -0.0,             65504,
                   0x1p-14,      0,                0x1p-24,          0x1p-14};
    for (int k = 0; k < 2; k++) {
        int64_t n16 = k ? 16 : 6; /* 6: scalar conversions only */
        expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_FLOAT32, hv, n16), AX_FLOAT16), AX_FLOAT16, hw,
                    n16, 0, "astype f32 -> f16");
        expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_FLOAT64, hv, n16), AX_FLOAT16), AX_FLOAT16, hw,
                    n16, 0, "astype f64 -> f16");
    }
    double bv[] = {1 + 0x1p-8, 1 + 3 * 0x1p-8, 0x1.ffp127}, bw[] = {1, 1 + 0x1p-6, INFINITY};
    expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_FLOAT32, bv, 3), AX_BFLOAT16), AX_BFLOAT16, bw, 3,
                0, "astype f32 -> bf16");
    double lv[] = {16777217, -16777219}, lw[] = {16777216, -16777220};
    expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_INT64, lv, 2), AX_FLOAT32), AX_FLOAT32, lw, 2, 0,
                "astype int64 -> f32");
    double u8v[] = {200, 255}, u8w[] = {-56, -1};
    expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_UINT8, u8v, 2), AX_INT8), AX_INT8, u8w, 2, 0,
                "astype uint8 -> int8");
    double bl[] = {0.5, 0, NAN}, blw[] = {1, 0, 1};
    expect_vals(ctx, ax_astype(ctx, vec(ctx, AX_FLOAT32, bl, 3), AX_BOOL), AX_BOOL, blw, 3, 0,
                "astype f32 -> bool");
    ax_array *ws = ax_astype(ctx, ax_weak_float(ctx, 2.5), AX_FLOAT64);
    CHECK(ws && !ax_is_weak(ws));
    CHECK(ax_astype(ctx, i32, (ax_dtype)77) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- broadcasting */

static void test_broadcasting(void) {
    ax_ctx *ctx = ax_ctx_new();
    double av[12], bv[20];
    for (int i = 0; i < 12; i++) av[i] = i;
    for (int i = 0; i < 20; i++) bv[i] = 100 * i;
    int64_t sa[3] = {3, 1, 4}, sb[2] = {5, 4};
    ax_array *a = test_from_f64(ctx, av, AX_FLOAT32, sa, 3);
    ax_array *b = test_from_f64(ctx, bv, AX_FLOAT32, sb, 2);
    ax_array *r = ax_subtract(ctx, a, b);
    CHECK(r && ax_ndim(r) == 3 && ax_dim(r, 0) == 3 && ax_dim(r, 1) == 5 && ax_dim(r, 2) == 4);
    double *got = test_to_f64(ctx, r);
    for (int i = 0; got && i < 3; i++)
        for (int j = 0; j < 5; j++)
            for (int k = 0; k < 4; k++)
                CHECK(got[(i * 5 + j) * 4 + k] == av[i * 4 + k] - bv[j * 4 + k]);
    free(got);
    /* zero-size */
    int64_t z[2] = {0, 4}, one[2] = {1, 4};
    ax_array *e = ax_add(ctx, ax_zeros(ctx, z, 2, AX_FLOAT32), test_from_f64(ctx, av, AX_FLOAT32, one, 2));
    CHECK(e && ax_size(e) == 0 && ax_dim(e, 0) == 0 && ax_dim(e, 1) == 4);
    CHECK(ax_eval1(ctx, e) == AX_OK);
    ax_array *e2 = ax_exp(ctx, ax_multiply(ctx, ax_zeros(ctx, z, 2, AX_FLOAT32), ax_weak_float(ctx, 2)));
    CHECK(e2 && ax_size(e2) == 0 && ax_eval1(ctx, e2) == AX_OK);
    /* where broadcasts all three */
    int64_t s1[1] = {4}, s2[2] = {3, 1};
    double cv[] = {1, 0, 1, 0}, xv[] = {1, 2, 3};
    ax_array *w = ax_where(ctx, test_from_f64(ctx, cv, AX_BOOL, s1, 1),
                           test_from_f64(ctx, xv, AX_INT8, s2, 2), ax_weak_int(ctx, -1));
    CHECK(w && ax_dtype_of(w) == AX_INT8 && ax_dim(w, 0) == 3 && ax_dim(w, 1) == 4);
    got = test_to_f64(ctx, w);
    for (int i = 0; got && i < 3; i++)
        for (int j = 0; j < 4; j++) CHECK(got[i * 4 + j] == (cv[j] != 0 ? xv[i] : -1));
    free(got);
    /* clip */
    double cl[] = {-5, 0, 5, 10, -2};
    double clw[] = {-1, 0, 5, 7, -1};
    expect_vals(ctx, ax_clip_scalar(ctx, vec(ctx, AX_INT32, cl, 5), -1.5, 7.5), AX_INT32, clw, 5, 0,
                "clip_scalar int32");
    double clf[] = {-1.5, 0, 5, 7.5, -1.5};
    expect_vals(ctx, ax_clip_scalar(ctx, vec(ctx, AX_FLOAT32, cl, 5), -1.5, 7.5), AX_FLOAT32, clf, 5,
                0, "clip_scalar float32");
    expect_vals(ctx, ax_clip_scalar(ctx, vec(ctx, AX_FLOAT32, cl, 5), -INFINITY, INFINITY),
                AX_FLOAT32, cl, 5, 0, "clip_scalar no bounds");
    double lo[] = {0, 1, 2, 3, 4}, ca[] = {0, 1, 5, 6, 4};
    expect_vals(ctx, ax_clip(ctx, vec(ctx, AX_FLOAT64, cl, 5), vec(ctx, AX_FLOAT64, lo, 5),
                             ax_weak_float(ctx, 6)),
                AX_FLOAT64, ca, 5, 0, "clip arrays");
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- isclose */

static void test_isclose(void) {
    ax_ctx *ctx = ax_ctx_new();
    double a[] = {1, 1 + 1e-9, NAN, INFINITY, 1, -INFINITY, 0};
    double b[] = {1, 1, NAN, INFINITY, 1.1, INFINITY, 1e-9};
    double w[] = {1, 1, 0, 1, 0, 0, 1}, wn[] = {1, 1, 1, 1, 0, 0, 1};
    ax_array *A = vec(ctx, AX_FLOAT64, a, 7), *B = vec(ctx, AX_FLOAT64, b, 7);
    expect_vals(ctx, ax_isclose(ctx, A, B, 1e-5, 1e-8, false), AX_BOOL, w, 7, 0, "isclose");
    expect_vals(ctx, ax_isclose(ctx, A, B, 1e-5, 1e-8, true), AX_BOOL, wn, 7, 0, "isclose nan");
    bool all = true;
    CHECK(ax_allclose(ctx, A, B, 1e-5, 1e-8, true, &all) == AX_OK && !all);
    CHECK(ax_allclose(ctx, A, A, 0, 0, true, &all) == AX_OK && all);
    double ia[] = {100, 200}, ib[] = {101, 200};
    CHECK(ax_allclose(ctx, vec(ctx, AX_INT32, ia, 2), vec(ctx, AX_INT32, ib, 2), 0.01, 0, false,
                      &all) == AX_OK && all);
    CHECK(ax_allclose(ctx, vec(ctx, AX_INT32, ia, 2), vec(ctx, AX_INT32, ib, 2), 0.001, 0, false,
                      &all) == AX_OK && !all);
    CHECK(ax_allclose(ctx, A, vec(ctx, AX_FLOAT64, a, 3), 0, 0, false, &all) == AX_ERR_SHAPE);
    ax_error_clear(ctx);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    int64_t s23[2] = {2, 3}, s4[1] = {4};
    ax_array *a = ax_zeros(ctx, s23, 2, AX_FLOAT32), *b = ax_zeros(ctx, s4, 1, AX_FLOAT32);
    CHECK(ax_add(ctx, a, b) == NULL);
    CHECK(strstr(ax_error_message(ctx), "add") && strstr(ax_error_message(ctx), "(2, 3)") &&
          strstr(ax_error_message(ctx), "(4"));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_where(ctx, b, a, a) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_bitwise_and(ctx, a, a) == NULL);
    CHECK(strstr(ax_error_message(ctx), "bitwise_and") && strstr(ax_error_message(ctx), "float32"));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_left_shift(ctx, ax_zeros(ctx, s4, 1, AX_BOOL), ax_zeros(ctx, s4, 1, AX_BOOL)) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_bitwise_invert(ctx, a) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *c = ax_zeros(ctx, s4, 1, AX_COMPLEX64);
    CHECK(ax_less(ctx, c, c) == NULL);
    CHECK(strstr(ax_error_message(ctx), "less") && strstr(ax_error_message(ctx), "complex64"));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_maximum(ctx, c, c) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_floor(ctx, c) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_clip_scalar(ctx, c, 0, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *bo = ax_zeros(ctx, s4, 1, AX_BOOL);
    CHECK(ax_negative(ctx, bo) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_subtract(ctx, bo, bo) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_isclose(ctx, a, a, -1, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* NULL in, NULL out, the first error kept */
    CHECK(ax_add(ctx, a, b) == NULL);
    CHECK(ax_exp(ctx, ax_add(ctx, NULL, a)) == NULL);
    CHECK(ax_where(ctx, NULL, a, a) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_exp(ctx, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- donation */

static void test_donation(void) {
    ax_ctx *ctx = ax_ctx_new();
    int64_t n = 1 << 20;
    double *v = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = (double)(i % 1000) / 1000.0;
    ax_array *x = vec(ctx, AX_FLOAT32, v, n);
    size_t nbytes = (size_t)n * 4;
    ax_scope_begin(ctx);
    /* built in a scope that ends before eval: intermediates are held by the
     * graph alone, so each op may write over its input */
    ax_array *y = ax_exp(ctx, ax_negative(ctx, ax_exp(ctx, ax_sqrt(ctx, x))));
    y = ax_add(ctx, ax_multiply(ctx, y, ax_weak_float(ctx, 2)), ax_tanh(ctx, x));
    ax_keep(ctx, y);
    ax_scope_end(ctx);
    ax_memory_reset_peak();
    size_t before = ax_memory_active();
    CHECK(ax_eval1(ctx, y) == AX_OK);
    size_t peak = ax_memory_peak() - before;
    CHECK_MSG(peak <= 2 * nbytes + 4096, "peak %zu bytes for %zu-byte arrays", peak, nbytes);
    double *got = test_to_f64(ctx, y);
    int bad = 0;
    for (int64_t i = 0; got && i < n; i++) {
        double want = exp(-exp(sqrt(v[i]))) * 2 + tanh(v[i]);
        bad += !(fabs(got[i] - want) <= 1e-6 * fabs(want) + 1e-7);
    }
    CHECK_MSG(got && bad == 0, "%d wrong values after donation", bad);
    free(got);
    /* x itself (held by the caller) was not overwritten */
    double *xv = test_to_f64(ctx, x);
    bad = 0;
    for (int64_t i = 0; xv && i < n; i++) bad += xv[i] != (double)(float)v[i];
    CHECK(xv && bad == 0);
    free(xv);
    free(v);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_special_values();
    test_promotion();
    test_broadcasting();
    test_isclose();
    test_errors();
    test_donation();
    test_float32_accuracy();
    test_unary_fast_vs_reference();
    test_binary_fast_vs_reference();
    test_streamed_outputs();
    test_where_astype_fast_vs_reference();
    return test_summary("test_elementwise");
}
