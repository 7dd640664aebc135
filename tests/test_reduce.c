/* Reductions: semantics (axes, keepdims, empty, NaN, overflow, dtypes,
 * ddof, errors), fast kernels against the reference kernels, thread-count
 * independence, and the accuracy of large float32 sums. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/reduce_impl.h"
#include "core/internal.h"
#include "testutil.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double urand(void) { /* uniform [0, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static ax_array *from_f64(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, const double *v) {
    return test_from_f64(ctx, v, t, shape, nd);
}

/* 0, 1, 2, ... of the given shape. */
static ax_array *iota(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = (double)i;
    ax_array *a = from_f64(ctx, t, shape, nd, v);
    free(v);
    return a;
}

/* Result equals want (n values), with shape (nd dims) and dtype. */
static void expect_vals(ax_ctx *ctx, ax_array *r, ax_dtype t, const int64_t *shape, int nd,
                        const double *want, int64_t n, double tol, int line) {
    CHECK_MSG(r != NULL, "line %d: %s", line, ax_error_message(ctx));
    if (!r) {
        ax_error_clear(ctx);
        return;
    }
    CHECK_MSG(ax_dtype_of(r) == t, "line %d: dtype %s, want %s", line, ax_dtype_name(ax_dtype_of(r)),
              ax_dtype_name(t));
    CHECK_MSG(ax_ndim(r) == nd, "line %d: ndim %d, want %d", line, ax_ndim(r), nd);
    for (int i = 0; i < nd && i < ax_ndim(r); i++)
        CHECK_MSG(ax_shape(r)[i] == shape[i], "line %d: dim %d is %lld, want %lld", line, i,
                  (long long)ax_shape(r)[i], (long long)shape[i]);
    CHECK_MSG(ax_size(r) == n, "line %d: size %lld, want %lld", line, (long long)ax_size(r), (long long)n);
    double *got = test_to_f64(ctx, r);
    CHECK_OK(ctx);
    if (!got) return;
    for (int64_t i = 0; i < n && i < ax_size(r); i++) {
        bool ok = isnan(want[i]) ? isnan(got[i])
                                 : (got[i] == want[i] || fabs(got[i] - want[i]) <= tol * fabs(want[i]));
        CHECK_MSG(ok, "line %d: element %lld is %.17g, want %.17g", line, (long long)i, got[i], want[i]);
    }
    free(got);
}
#define EXPECT(r, t, shape, nd, ...)                                                   \
    do {                                                                               \
        const double want_[] = {__VA_ARGS__};                                          \
        expect_vals(ctx, (r), (t), (shape), (nd), want_, (int64_t)(sizeof want_ / sizeof *want_), 1e-6, __LINE__); \
    } while (0)
#define SH(...) ((const int64_t[]){__VA_ARGS__})
#define AXES(...) ((const int[]){__VA_ARGS__}), (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static void test_axes_and_keepdims(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = iota(ctx, AX_FLOAT32, SH(2, 3, 4), 3); /* a[i,j,k] = 12i + 4j + k */
    EXPECT(ax_sum(ctx, a, NULL, 0, false), AX_FLOAT32, NULL, 0, 276);
    EXPECT(ax_sum(ctx, a, NULL, 0, true), AX_FLOAT32, SH(1, 1, 1), 3, 276);
    EXPECT(ax_sum(ctx, a, AXES(0), false), AX_FLOAT32, SH(3, 4), 2, 12, 14, 16, 18, 20, 22, 24, 26,
           28, 30, 32, 34);
    EXPECT(ax_sum(ctx, a, AXES(1), true), AX_FLOAT32, SH(2, 1, 4), 3, 12, 15, 18, 21, 48, 51, 54, 57);
    EXPECT(ax_sum(ctx, a, AXES(-1), false), AX_FLOAT32, SH(2, 3), 2, 6, 22, 38, 54, 70, 86);
    EXPECT(ax_sum(ctx, a, AXES(0, 2), false), AX_FLOAT32, SH(3), 1, 60, 92, 124);
    EXPECT(ax_sum(ctx, a, AXES(2, -3), true), AX_FLOAT32, SH(1, 3, 1), 3, 60, 92, 124);
    /* the empty list reduces nothing (but still applies the dtype rule) */
    ax_array *s = ax_sum(ctx, a, (const int[]){0}, 0, false);
    CHECK(s && ax_ndim(s) == 3 && ax_size(s) == 24);
    ax_array *i8 = iota(ctx, AX_INT8, SH(2, 2), 2);
    EXPECT(ax_sum(ctx, i8, (const int[]){0}, 0, false), AX_INT32, SH(2, 2), 2, 0, 1, 2, 3);
    EXPECT(ax_prod(ctx, a, AXES(1), false), AX_FLOAT32, SH(2, 4), 2, 0, 45, 120, 231, 12 * 16 * 20,
           13 * 17 * 21, 14 * 18 * 22, 15 * 19 * 23);
    EXPECT(ax_max(ctx, a, AXES(0, 1), false), AX_FLOAT32, SH(4), 1, 20, 21, 22, 23);
    EXPECT(ax_min(ctx, a, AXES(2), true), AX_FLOAT32, SH(2, 3, 1), 3, 0, 4, 8, 12, 16, 20);
    EXPECT(ax_argmax(ctx, a, 1, false), AX_INT64, SH(2, 4), 2, 2, 2, 2, 2, 2, 2, 2, 2);
    EXPECT(ax_argmin(ctx, a, -1, true), AX_INT64, SH(2, 3, 1), 3, 0, 0, 0, 0, 0, 0);
    EXPECT(ax_argmax(ctx, a, AX_AXIS_NONE, false), AX_INT64, NULL, 0, 23);
    EXPECT(ax_argmax(ctx, a, AX_AXIS_NONE, true), AX_INT64, SH(1, 1, 1), 3, 23);
    EXPECT(ax_all(ctx, a, AXES(2), false), AX_BOOL, SH(2, 3), 2, 0, 1, 1, 1, 1, 1);
    EXPECT(ax_any(ctx, a, AXES(0, 1), false), AX_BOOL, SH(4), 1, 1, 1, 1, 1);
    /* a scalar: every axis list is empty */
    ax_array *sc = ax_scalar(ctx, 3, AX_INT16);
    EXPECT(ax_sum(ctx, sc, NULL, 0, false), AX_INT32, NULL, 0, 3);
    EXPECT(ax_argmax(ctx, sc, AX_AXIS_NONE, false), AX_INT64, NULL, 0, 0);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = iota(ctx, AX_FLOAT32, SH(2, 3), 2);
    CHECK(ax_sum(ctx, a, AXES(2), false) == NULL);
    CHECK(strstr(ax_error_message(ctx), "sum") && strstr(ax_error_message(ctx), "axis 2") &&
          strstr(ax_error_message(ctx), "2 dimensions"));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_max(ctx, a, AXES(-3), false) == NULL);
    CHECK(strstr(ax_error_message(ctx), "max: axis -3"));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_prod(ctx, a, AXES(1, -1), false) == NULL);
    CHECK(strstr(ax_error_message(ctx), "prod: axis -1 is repeated") &&
          strstr(ax_error_message(ctx), "2 dimensions"));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_argmax(ctx, a, 5, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_softmax(ctx, a, AXES(0, 0)) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_sum(ctx, a, (const int[]){0}, -1, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    /* max/min/argmax of an empty reduction */
    ax_array *e = ax_array_from_data(ctx, NULL, AX_FLOAT32, SH(0, 3), 2);
    CHECK(ax_max(ctx, e, AXES(0), false) == NULL);
    CHECK(strstr(ax_error_message(ctx), "zero-size array to reduction operation max which has no identity"));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_min(ctx, e, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_argmin(ctx, e, AX_AXIS_NONE, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    EXPECT(ax_max(ctx, e, AXES(1), false), AX_FLOAT32, SH(0), 1); /* nothing to reduce per output */
    /* complex: sum/prod fine, ordering ops rejected */
    float cv[4] = {1, 2, 3, -1};
    ax_array *c = ax_array_from_data(ctx, cv, AX_COMPLEX64, SH(2), 1);
    CHECK(ax_max(ctx, c, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_argmax(ctx, c, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_logsumexp(ctx, c, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_var(ctx, c, NULL, 0, false, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    float want_s[2], want_p[2];
    ax_array *cs = ax_sum(ctx, c, NULL, 0, false), *cp = ax_prod(ctx, c, NULL, 0, false);
    CHECK(ax_copy_to(ctx, cs, want_s, sizeof want_s) == AX_OK && want_s[0] == 4 && want_s[1] == 1);
    CHECK(ax_copy_to(ctx, cp, want_p, sizeof want_p) == AX_OK && want_p[0] == 5 && want_p[1] == 5);
    /* NULL in, NULL out, first error kept */
    ax__error(ctx, AX_ERR_SHAPE, "first");
    CHECK(ax_sum(ctx, NULL, NULL, 0, false) == NULL);
    CHECK(ax_softmax(ctx, NULL, NULL, 0) == NULL);
    CHECK(strcmp(ax_error_message(ctx), "first") == 0);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_ctx_free(ctx);
}

static void test_empty(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *e = ax_array_from_data(ctx, NULL, AX_FLOAT32, SH(0, 3), 2);
    EXPECT(ax_sum(ctx, e, AXES(0), false), AX_FLOAT32, SH(3), 1, 0, 0, 0);
    EXPECT(ax_prod(ctx, e, AXES(0), true), AX_FLOAT32, SH(1, 3), 2, 1, 1, 1);
    EXPECT(ax_sum(ctx, e, NULL, 0, false), AX_FLOAT32, NULL, 0, 0);
    EXPECT(ax_all(ctx, e, NULL, 0, false), AX_BOOL, NULL, 0, 1);
    EXPECT(ax_any(ctx, e, NULL, 0, false), AX_BOOL, NULL, 0, 0);
    EXPECT(ax_logsumexp(ctx, e, AXES(0), false), AX_FLOAT32, SH(3), 1, -INFINITY, -INFINITY, -INFINITY);
    EXPECT(ax_sum(ctx, e, AXES(1), false), AX_FLOAT32, SH(0), 1);
    ax_array *ei = ax_array_from_data(ctx, NULL, AX_INT8, SH(2, 0), 2);
    EXPECT(ax_sum(ctx, ei, AXES(1), false), AX_INT32, SH(2), 1, 0, 0);
    EXPECT(ax_prod(ctx, ei, AXES(1), false), AX_INT32, SH(2), 1, 1, 1);
    ax_array *sm = ax_softmax(ctx, e, AXES(0));
    CHECK(sm && ax_size(sm) == 0 && ax_eval1(ctx, sm) == AX_OK);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_nan(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        double v[8] = {1, NAN, 5, NAN, -2, 7, 3, -9};
        ax_array *a = from_f64(ctx, AX_FLOAT32, SH(2, 4), 2, v);
        EXPECT(ax_max(ctx, a, AXES(1), false), AX_FLOAT32, SH(2), 1, NAN, 7);
        EXPECT(ax_min(ctx, a, AXES(1), false), AX_FLOAT32, SH(2), 1, NAN, -9);
        EXPECT(ax_max(ctx, a, AXES(0), false), AX_FLOAT32, SH(4), 1, 1, NAN, 5, NAN);
        EXPECT(ax_argmax(ctx, a, 1, false), AX_INT64, SH(2), 1, 1, 1);
        EXPECT(ax_argmin(ctx, a, 1, false), AX_INT64, SH(2), 1, 1, 3);
        EXPECT(ax_argmax(ctx, a, AX_AXIS_NONE, false), AX_INT64, NULL, 0, 1);
        EXPECT(ax_argmin(ctx, a, 0, false), AX_INT64, SH(4), 1, 1, 0, 1, 0);
        EXPECT(ax_sum(ctx, a, AXES(1), false), AX_FLOAT32, SH(2), 1, NAN, -1);
        EXPECT(ax_logsumexp(ctx, a, AXES(1), false), AX_FLOAT32, SH(2), 1, NAN, 7 + log1p(exp(-4) + exp(-9) + exp(-16)));
        EXPECT(ax_any(ctx, a, AXES(0), false), AX_BOOL, SH(4), 1, 1, 1, 1, 1); /* NaN is true */
        /* half floats: inf - inf is NaN, inf + finite is inf */
        for (int h = 0; h < 2; h++) {
            double hv[40] = {INFINITY, -INFINITY};
            ax_dtype ht = h ? AX_BFLOAT16 : AX_FLOAT16;
            ax_array *hi = from_f64(ctx, ht, SH(2, 20), 2, hv);
            EXPECT(ax_sum(ctx, hi, AXES(1), false), ht, SH(2), 1, NAN, 0);
            EXPECT(ax_sum(ctx, hi, NULL, 0, false), ht, NULL, 0, NAN);
            EXPECT(ax_max(ctx, hi, NULL, 0, false), ht, NULL, 0, INFINITY);
            EXPECT(ax_argmin(ctx, hi, AX_AXIS_NONE, false), AX_INT64, NULL, 0, 1);
            hv[1] = 3;
            ax_array *hj = from_f64(ctx, ht, SH(40), 1, hv);
            EXPECT(ax_sum(ctx, hj, NULL, 0, false), ht, NULL, 0, INFINITY);
        }
        /* inf and -inf in one long row (no NaN, though inf - inf is NaN) */
        double iv[100] = {0};
        iv[5] = INFINITY;
        iv[50] = -INFINITY;
        iv[70] = INFINITY;
        ax_array *inf2 = from_f64(ctx, AX_FLOAT32, SH(100), 1, iv);
        EXPECT(ax_max(ctx, inf2, NULL, 0, false), AX_FLOAT32, NULL, 0, INFINITY);
        EXPECT(ax_min(ctx, inf2, NULL, 0, false), AX_FLOAT32, NULL, 0, -INFINITY);
        EXPECT(ax_argmax(ctx, inf2, 0, false), AX_INT64, NULL, 0, 5);
        EXPECT(ax_argmin(ctx, inf2, 0, false), AX_INT64, NULL, 0, 50);
        /* a NaN after a long run, inside a later chunk */
        int64_t n = 20000;
        double *w = malloc(sizeof(double) * (size_t)n);
        for (int64_t i = 0; i < n; i++) w[i] = (double)(i % 97);
        w[15000] = NAN;
        w[17000] = NAN;
        ax_array *b = from_f64(ctx, AX_FLOAT64, SH(n), 1, w);
        EXPECT(ax_argmax(ctx, b, 0, false), AX_INT64, NULL, 0, 15000);
        EXPECT(ax_max(ctx, b, NULL, 0, false), AX_FLOAT64, NULL, 0, NAN);
        w[15000] = w[17000] = 0;
        w[12345] = 1000;
        w[19999] = 1000;
        ax_array *c = from_f64(ctx, AX_FLOAT64, SH(n), 1, w);
        EXPECT(ax_argmax(ctx, c, 0, false), AX_INT64, NULL, 0, 12345);
        free(w);
    }
    ax__cpu_force_reference(false);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_dtypes_and_overflow(void) {
    ax_ctx *ctx = ax_ctx_new();
    static const struct {
        ax_dtype in, sum, mean;
    } rules[] = {
        {AX_BOOL, AX_INT32, AX_FLOAT32},        {AX_INT8, AX_INT32, AX_FLOAT32},
        {AX_INT16, AX_INT32, AX_FLOAT32},       {AX_INT32, AX_INT32, AX_FLOAT32},
        {AX_INT64, AX_INT64, AX_FLOAT32},       {AX_UINT8, AX_UINT32, AX_FLOAT32},
        {AX_UINT16, AX_UINT32, AX_FLOAT32},     {AX_UINT32, AX_UINT32, AX_FLOAT32},
        {AX_UINT64, AX_UINT64, AX_FLOAT32},     {AX_FLOAT16, AX_FLOAT16, AX_FLOAT16},
        {AX_BFLOAT16, AX_BFLOAT16, AX_BFLOAT16}, {AX_FLOAT32, AX_FLOAT32, AX_FLOAT32},
        {AX_FLOAT64, AX_FLOAT64, AX_FLOAT64},   {AX_COMPLEX64, AX_COMPLEX64, AX_COMPLEX64},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        ax_array *a = iota(ctx, rules[i].in, SH(2, 3), 2);
        ax_array *s = ax_sum(ctx, a, AXES(1), false);
        CHECK_MSG(s && ax_dtype_of(s) == rules[i].sum, "sum of %s", ax_dtype_name(rules[i].in));
        ax_array *p = ax_prod(ctx, a, AXES(1), false);
        CHECK_MSG(p && ax_dtype_of(p) == rules[i].sum, "prod of %s", ax_dtype_name(rules[i].in));
        double sv[2];
        double *got = s ? test_to_f64(ctx, s) : NULL;
        bool is_bool = rules[i].in == AX_BOOL;
        sv[0] = is_bool ? 2 : 3;
        sv[1] = is_bool ? 3 : 12;
        CHECK_MSG(got && got[0] == sv[0] && got[1] == sv[1], "sum values of %s", ax_dtype_name(rules[i].in));
        free(got);
        ax_array *bo = ax_any(ctx, a, NULL, 0, false);
        CHECK(bo && ax_dtype_of(bo) == AX_BOOL);
        if (rules[i].in != AX_COMPLEX64) {
            ax_array *mx = ax_max(ctx, a, NULL, 0, false);
            CHECK(mx && ax_dtype_of(mx) == rules[i].in);
            ax_array *am = ax_argmax(ctx, a, 0, false);
            CHECK(am && ax_dtype_of(am) == AX_INT64);
            ax_array *l = ax_logsumexp(ctx, a, NULL, 0, false);
            CHECK(l && ax_dtype_of(l) == rules[i].mean);
            ax_array *sm = ax_softmax(ctx, a, NULL, 0);
            CHECK(sm && ax_dtype_of(sm) == rules[i].mean);
        }
        CHECK_OK(ctx);
        ax_error_clear(ctx);
    }
    /* Every float16 / bfloat16 bit pattern survives a reduction over nothing
     * (the fast kernels' own half-float loads are exact). */
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        uint16_t *bits = malloc(sizeof(uint16_t) * 65536), got[65536];
        for (int i = 0; i < 65536; i++) bits[i] = (uint16_t)i;
        for (int h = 0; h < 2; h++) {
            ax_dtype t = h ? AX_BFLOAT16 : AX_FLOAT16;
            ax_array *a = ax_array_from_data(ctx, bits, t, SH(65536), 1);
            int bad = 0;
            if (ax_copy_to(ctx, ax_max(ctx, a, (const int[]){0}, 0, false), got, sizeof got) == AX_OK)
                for (int i = 0; i < 65536; i++) {
                    float x = h ? ax_bf16_to_f32(bits[i]) : ax_f16_to_f32(bits[i]);
                    bad += isnan(x) ? !isnan(h ? ax_bf16_to_f32(got[i]) : ax_f16_to_f32(got[i]))
                                    : got[i] != bits[i];
                }
            CHECK_MSG(bad == 0, "%s: %d patterns changed (reference %d)", ax_dtype_name(t), bad, ref);
        }
        free(bits);
    }
    ax__cpu_force_reference(false);
    /* Integer sums wrap modulo 2^bits of the result dtype (documented in ops.h). */
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        int32_t i32[3] = {INT32_MAX, 1, 5};
        ax_array *a = ax_array_from_data(ctx, i32, AX_INT32, SH(3), 1);
        EXPECT(ax_sum(ctx, a, NULL, 0, false), AX_INT32, NULL, 0, (double)INT32_MIN + 5);
        uint8_t u8[3] = {255, 255, 7};
        ax_array *b = ax_array_from_data(ctx, u8, AX_UINT8, SH(3), 1);
        EXPECT(ax_sum(ctx, b, NULL, 0, false), AX_UINT32, NULL, 0, 517); /* no uint8 overflow */
        int8_t i8[2] = {-128, -128};
        ax_array *c = ax_array_from_data(ctx, i8, AX_INT8, SH(2), 1);
        EXPECT(ax_sum(ctx, c, NULL, 0, false), AX_INT32, NULL, 0, -256);
        int64_t i64[2] = {INT64_MAX, 2};
        ax_array *d = ax_array_from_data(ctx, i64, AX_INT64, SH(2), 1);
        int64_t r = 0;
        CHECK(ax_item_i64(ctx, ax_sum(ctx, d, NULL, 0, false), &r) == AX_OK && r == INT64_MIN + 1);
        int32_t big[2] = {65536, 65536};
        ax_array *e = ax_array_from_data(ctx, big, AX_INT32, SH(2), 1);
        EXPECT(ax_prod(ctx, e, NULL, 0, false), AX_INT32, NULL, 0, 0); /* 2^32 wraps to 0 */
        uint64_t u64[2] = {UINT64_MAX, 3};
        ax_array *f = ax_array_from_data(ctx, u64, AX_UINT64, SH(2), 1);
        uint64_t got = 0;
        ax_array *fm = ax_max(ctx, f, NULL, 0, false);
        CHECK(ax_copy_to(ctx, fm, &got, sizeof got) == AX_OK && got == UINT64_MAX);
        ax_array *fa = ax_argmin(ctx, f, 0, false);
        CHECK(ax_item_i64(ctx, fa, &r) == AX_OK && r == 1);
    }
    ax__cpu_force_reference(false);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_logsumexp_softmax(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        double v[8] = {0, 0, 1000, 1000, -INFINITY, -INFINITY, 1, INFINITY};
        ax_array *a = from_f64(ctx, AX_FLOAT32, SH(4, 2), 2, v);
        EXPECT(ax_logsumexp(ctx, a, AXES(1), false), AX_FLOAT32, SH(4), 1, log(2), 1000 + log(2),
               -INFINITY, INFINITY);
        ax_array *b = from_f64(ctx, AX_FLOAT64, SH(4, 2), 2, v);
        EXPECT(ax_logsumexp(ctx, b, AXES(1), true), AX_FLOAT64, SH(4, 1), 2, log(2), 1000 + log(2),
               -INFINITY, INFINITY);
        double w[6] = {1, 2, 3, 1000, 1001, 1002};
        ax_array *c = from_f64(ctx, AX_FLOAT32, SH(2, 3), 2, w);
        double e1 = 1 / (1 + exp(1) + exp(2)), e2 = exp(1) * e1, e3 = exp(2) * e1;
        EXPECT(ax_softmax(ctx, c, AXES(-1)), AX_FLOAT32, SH(2, 3), 2, e1, e2, e3, e1, e2, e3);
        double f = 1 / (1 + exp(999));
        EXPECT(ax_softmax(ctx, c, AXES(0)), AX_FLOAT32, SH(2, 3), 2, f, f, f, 1 - f, 1 - f, 1 - f);
        ax_array *d = from_f64(ctx, AX_FLOAT64, SH(2, 3), 2, w);
        EXPECT(ax_softmax(ctx, d, AXES(1)), AX_FLOAT64, SH(2, 3), 2, e1, e2, e3, e1, e2, e3);
        ax_array *sm = ax_softmax(ctx, d, NULL, 0);
        double *g = test_to_f64(ctx, sm), tot = 0;
        for (int i = 0; g && i < 6; i++) tot += g[i];
        CHECK_NEAR(tot, 1.0, 1e-12);
        CHECK(g && g[0] == 0 && fabs(g[5] - e3) < 1e-12);
        free(g);
        ax_array *i = iota(ctx, AX_INT32, SH(3), 1);
        EXPECT(ax_softmax(ctx, i, NULL, 0), AX_FLOAT32, SH(3), 1, e1, e2, e3);
        EXPECT(ax_logsumexp(ctx, i, NULL, 0, false), AX_FLOAT32, NULL, 0, log(1 + exp(1) + exp(2)));
    }
    ax__cpu_force_reference(false);
    /* the vector exp against libm's double exp */
    float x[2003], y[2003];
    for (int i = 0; i < 2000; i++) x[i] = (float)(-104 + 193.0 * i / 2000);
    x[2000] = NAN;
    x[2001] = INFINITY;
    x[2002] = -INFINITY;
    ax__exp_f32_n(x, y, 2003);
    double worst = 0;
    for (int i = 0; i < 2000; i++) {
        double want = exp((double)x[i]);
        if (want < FLT_MIN || want > FLT_MAX) continue;
        double e = fabs(y[i] - want) / want;
        worst = e > worst ? e : worst;
    }
    CHECK_MSG(worst < 2.5e-7, "exp: worst relative error %g", worst);
    CHECK(isnan(y[2000]) && y[2001] == INFINITY && y[2002] == 0);
    CHECK(y[0] == 0); /* exp(-104) is below the smallest float */
    for (int len = 1; len <= 40; len++) { /* in place, every vector tail */
        float z[40];
        for (int i = 0; i < len; i++) z[i] = (float)(-3 + 0.37 * i);
        ax__exp_f32_n(z, z, len);
        for (int i = 0; i < len; i++) {
            double want = exp((double)(float)(-3 + 0.37 * i));
            CHECK_MSG(fabs(z[i] - want) / want < 2.5e-7, "exp in place, %d of %d: %.9g vs %.9g", i,
                      len, z[i], want);
        }
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Fast kernels (rows, columns, strided copies, threads) against the reference. */
static void compare_fast_ref(ax_ctx *ctx, ax_array *a, const char *what, int opi, const int *axes,
                             int naxes, int line) {
    ax_array *r[2];
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        switch (opi) {
        case 0: r[ref] = ax_sum(ctx, a, axes, naxes, false); break;
        case 1: r[ref] = ax_prod(ctx, a, axes, naxes, false); break;
        case 2: r[ref] = ax_max(ctx, a, axes, naxes, false); break;
        case 3: r[ref] = ax_min(ctx, a, axes, naxes, true); break;
        case 4: r[ref] = ax_all(ctx, a, axes, naxes, false); break;
        case 5: r[ref] = ax_any(ctx, a, axes, naxes, false); break;
        case 6: r[ref] = ax_argmax(ctx, a, naxes ? axes[0] : AX_AXIS_NONE, false); break;
        case 7: r[ref] = ax_argmin(ctx, a, naxes ? axes[0] : AX_AXIS_NONE, false); break;
        case 8: r[ref] = ax_logsumexp(ctx, a, axes, naxes, false); break;
        default: r[ref] = ax_softmax(ctx, a, axes, naxes); break;
        }
        if (r[ref]) ax_eval1(ctx, r[ref]);
    }
    ax__cpu_force_reference(false);
    if (ax_error_code(ctx) == AX_ERR_DTYPE) { /* e.g. max of complex */
        ax_error_clear(ctx);
        return;
    }
    CHECK_MSG(r[0] && r[1], "line %d %s op %d: %s", line, what, opi, ax_error_message(ctx));
    if (!r[0] || !r[1]) {
        ax_error_clear(ctx);
        return;
    }
    ax_dtype t = ax_dtype_of(r[0]);
    double *f = test_to_f64(ctx, r[0]), *g = test_to_f64(ctx, r[1]);
    int64_t n = ax_size(r[0]);
    /* The float64 reference sums in sequence: its own error grows with the
     * number of elements each output accumulates (n_acc * eps at worst). */
    double n_acc = opi == 9 ? (double)ax_size(a) : (double)ax_size(a) / (double)(n ? n : 1);
    double tol = t == AX_FLOAT32 ? 2e-6 : t == AX_FLOAT64 ? fmax(1e-13, n_acc * 0x1p-52)
               : t == AX_FLOAT16 ? 1e-3 : t == AX_BFLOAT16 ? 8e-3 : 0;
    double scale = 0;
    for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(g[i]));
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 3; i++) {
        /* float16 results may also differ by one step of its subnormal spacing */
        bool ok = isnan(g[i]) ? isnan(f[i])
                              : f[i] == g[i] ||
                                    fabs(f[i] - g[i]) <= tol * scale + (t == AX_FLOAT16 ? 0x1p-24 : 0);
        if (!ok) bad++;
        CHECK_MSG(ok, "line %d %s op %d dtype %s: element %lld fast %.17g ref %.17g", line, what,
                  opi, ax_dtype_name(ax_dtype_of(a)), (long long)i, f[i], g[i]);
    }
    free(f);
    free(g);
}

static ax_array *random_array(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)n);
    bool fl = ax_dtype_is_inexact(t);
    for (int64_t i = 0; i < n; i++) {
        double u = urand();
        v[i] = t == AX_BOOL ? (u < 0.9) : fl ? 4 * u - 2 : floor(u * 7) - (ax_dtype_is_unsigned(t) ? 0 : 3);
    }
    ax_array *a = from_f64(ctx, t, shape, nd, v);
    free(v);
    return a;
}

/* A transposed view (last two axes swapped) sharing a's buffer. */
static ax_array *swap_last(ax_ctx *ctx, ax_array *a) {
    int nd = ax_ndim(a);
    int64_t sh[8], st[8];
    memcpy(sh, ax_shape(a), sizeof(int64_t) * (size_t)nd);
    memcpy(st, ax_strides(a), sizeof(int64_t) * (size_t)nd);
    int64_t t = sh[nd - 1];
    sh[nd - 1] = sh[nd - 2];
    sh[nd - 2] = t;
    t = st[nd - 1];
    st[nd - 1] = st[nd - 2];
    st[nd - 2] = t;
    return ax__make_view(ctx, AX_OP_TRANSPOSE, a, NULL, 0, sh, st, nd, a->offset);
}

/* The last axis reversed (negative stride), sharing a's buffer. */
static ax_array *flip_last(ax_ctx *ctx, ax_array *a) {
    int nd = ax_ndim(a);
    int64_t st[8];
    memcpy(st, ax_strides(a), sizeof(int64_t) * (size_t)nd);
    int64_t off = a->offset + (ax_shape(a)[nd - 1] - 1) * st[nd - 1];
    st[nd - 1] = -st[nd - 1];
    return ax__make_view(ctx, AX_OP_SLICE, a, NULL, 0, ax_shape(a), st, nd, off);
}

/* Row 0 of a repeated along axis 0 (stride 0), sharing a's buffer. */
static ax_array *bcast_row0(ax_ctx *ctx, ax_array *a) {
    int nd = ax_ndim(a);
    int64_t st[8];
    memcpy(st, ax_strides(a), sizeof(int64_t) * (size_t)nd);
    st[0] = 0;
    return ax__make_view(ctx, AX_OP_BROADCAST_TO, a, NULL, 0, ax_shape(a), st, nd, a->offset);
}

static void test_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    static const ax_dtype dts[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16, AX_INT32,
                                   AX_INT8,    AX_UINT16,  AX_INT64,   AX_UINT64,   AX_BOOL,
                                   AX_COMPLEX64};
    static const struct {
        int nd;
        int64_t shape[4];
        int naxes;
        int axes[3];
    } cases[] = {
        {1, {100003}, -1, {0}},          /* full reduction over many chunks */
        {2, {300, 70}, 1, {1}},          /* rows */
        {2, {300, 70}, 1, {0}},          /* columns */
        {2, {5, 9000}, 1, {1}},          /* few long rows: chunk partials, threads */
        {2, {9000, 3}, 1, {1}},          /* short rows beside columns */
        {3, {7, 600, 11}, 1, {1}},       /* middle axis: columns under an outer axis */
        {3, {6, 50, 40}, 2, {0, 2}},     /* mixed */
        {3, {4, 5, 6}, 0, {0}},          /* nothing reduced */
        {4, {3, 4, 5, 6}, 3, {0, 1, 3}},
        {2, {40000, 2}, 1, {0}},         /* very short columns */
        {2, {200000, 3}, 1, {0}},        /* few columns, rows cut into pieces */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
            ax_scope_begin(ctx);
            ax_array *a = random_array(ctx, dts[d], cases[c].shape, cases[c].nd);
            const int *axes = cases[c].naxes < 0 ? NULL : cases[c].axes;
            int naxes = cases[c].naxes < 0 ? 0 : cases[c].naxes;
            for (int op = 0; op < 10; op++) {
                if ((op == 6 || op == 7) && naxes > 1) continue;
                if (op == 1 && ax_size(a) > 1000 && ax_dtype_is_inexact(dts[d])) continue; /* overflow */
                compare_fast_ref(ctx, a, "contig", op, axes, naxes, __LINE__);
                if (cases[c].nd > 1) compare_fast_ref(ctx, swap_last(ctx, a), "transposed", op, axes, naxes, __LINE__);
                if (cases[c].nd > 1 && c % 2 == 0) {
                    compare_fast_ref(ctx, flip_last(ctx, a), "reversed", op, axes, naxes, __LINE__);
                    compare_fast_ref(ctx, bcast_row0(ctx, a), "broadcast", op, axes, naxes, __LINE__);
                }
            }
            ax_scope_end(ctx);
        }
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* The result does not depend on the number of threads. */
static void test_thread_independence(void) {
    ax_ctx *ctx = ax_ctx_new();
    int nt = ax_get_num_threads();
    ax_array *a = random_array(ctx, AX_FLOAT32, SH(3, 400000), 2);
    ax_array *b = random_array(ctx, AX_FLOAT32, SH(1 << 21), 1);
    ax_array *c = random_array(ctx, AX_FLOAT32, SH(100000, 7), 2);
    float r1[3], r2[3], s1, s2, c1[7], c2[7];
    ax_set_num_threads(1);
    ax_copy_to(ctx, ax_sum(ctx, a, AXES(1), false), r1, sizeof r1);
    ax_copy_to(ctx, ax_sum(ctx, b, NULL, 0, false), &s1, sizeof s1);
    ax_copy_to(ctx, ax_sum(ctx, c, AXES(0), false), c1, sizeof c1);
    ax_set_num_threads(nt > 1 ? nt : 4);
    ax_copy_to(ctx, ax_sum(ctx, a, AXES(1), false), r2, sizeof r2);
    ax_copy_to(ctx, ax_sum(ctx, b, NULL, 0, false), &s2, sizeof s2);
    ax_copy_to(ctx, ax_sum(ctx, c, AXES(0), false), c2, sizeof c2);
    ax_set_num_threads(nt);
    CHECK(memcmp(r1, r2, sizeof r1) == 0);
    CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
    CHECK(memcmp(c1, c2, sizeof c1) == 0);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Sum of 1e7 float32 values against a float64 sum of the same values. */
static void test_sum_accuracy(void) {
    ax_ctx *ctx = ax_ctx_new();
    const int64_t n = 10000000;
    float *v = malloc(sizeof(float) * (size_t)n);
    double want = 0;
    for (int64_t i = 0; i < n; i++) {
        v[i] = (float)urand();
        want += v[i];
    }
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){n}, 1);
    double got = 0;
    CHECK(ax_item_f64(ctx, ax_sum(ctx, a, NULL, 0, false), &got) == AX_OK);
    CHECK_MSG(fabs(got - want) / want < 1e-6, "sum %.9g vs %.9g (rel %.3g)", got, want,
              fabs(got - want) / want);
    /* columns: 1e6 rows of 10 */
    ax_array *b = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){n / 10, 10}, 2);
    float col[10];
    CHECK(ax_copy_to(ctx, ax_sum(ctx, b, AXES(0), false), col, sizeof col) == AX_OK);
    for (int k = 0; k < 10; k++) {
        double w = 0;
        for (int64_t i = k; i < n; i += 10) w += v[i];
        CHECK_MSG(fabs(col[k] - w) / w < 1e-6, "column %d: %.9g vs %.9g", k, col[k], w);
    }
    /* columns in blocks of rows: (2003, 3, 5, 131) over axes 0 and 2 (rows
     * not evenly spaced, 131 = 2 vectors of 64 + a tail) */
    ax_array *c = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){2003, 3, 5, 131}, 4);
    static float cs[3 * 131];
    CHECK(ax_copy_to(ctx, ax_sum(ctx, c, AXES(0, 2), false), cs, sizeof cs) == AX_OK);
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 131; k++) {
            double w = 0;
            for (int64_t i = 0; i < 2003; i++)
                for (int l = 0; l < 5; l++) w += v[((i * 3 + j) * 5 + l) * 131 + k];
            CHECK_MSG(fabs(cs[j * 131 + k] - w) / w < 1e-6, "cols (%d, %d): %.9g vs %.9g", j, k,
                      cs[j * 131 + k], w);
        }
    free(v);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* mean / var / std: composites over the elementwise ops. */
static void test_moments(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = iota(ctx, AX_FLOAT32, SH(2, 4), 2); /* rows 0..3, 4..7 */
    EXPECT(ax_mean(ctx, a, NULL, 0, false), AX_FLOAT32, NULL, 0, 3.5);
    EXPECT(ax_mean(ctx, a, AXES(1), true), AX_FLOAT32, SH(2, 1), 2, 1.5, 5.5);
    EXPECT(ax_var(ctx, a, AXES(1), false, 0), AX_FLOAT32, SH(2), 1, 1.25, 1.25);
    EXPECT(ax_var(ctx, a, AXES(1), false, 1), AX_FLOAT32, SH(2), 1, 5.0 / 3, 5.0 / 3);
    EXPECT(ax_std(ctx, a, AXES(0), false, 0), AX_FLOAT32, SH(4), 1, 2, 2, 2, 2);
    EXPECT(ax_std(ctx, a, NULL, 0, false, 1), AX_FLOAT32, NULL, 0, sqrt(42.0 / 7));
    EXPECT(ax_var(ctx, a, AXES(0), false, 2), AX_FLOAT32, SH(4), 1, INFINITY, INFINITY, INFINITY,
           INFINITY); /* n - ddof = 0, NumPy's divide-by-zero */
    ax_array *i = iota(ctx, AX_INT32, SH(4), 1);
    EXPECT(ax_mean(ctx, i, NULL, 0, false), AX_FLOAT32, NULL, 0, 1.5);
    EXPECT(ax_var(ctx, i, NULL, 0, false, 0), AX_FLOAT32, NULL, 0, 1.25);
    ax_array *h = iota(ctx, AX_FLOAT16, SH(4), 1);
    EXPECT(ax_mean(ctx, h, NULL, 0, false), AX_FLOAT16, NULL, 0, 1.5);
    ax_array *e = ax_array_from_data(ctx, NULL, AX_FLOAT32, SH(0), 1);
    EXPECT(ax_mean(ctx, e, NULL, 0, false), AX_FLOAT32, NULL, 0, NAN);
    /* half floats: n and the sum of squares beyond float16's range */
    int64_t big = 100000;
    double *hv = malloc(sizeof(double) * (size_t)big);
    for (int64_t k = 0; k < big; k++) hv[k] = k % 2 ? 3 : 1;
    ax_array *hb = from_f64(ctx, AX_FLOAT16, SH(big), 1, hv);
    EXPECT(ax_mean(ctx, hb, NULL, 0, false), AX_FLOAT16, NULL, 0, 2);
    EXPECT(ax_var(ctx, hb, NULL, 0, false, 0), AX_FLOAT16, NULL, 0, 1);
    EXPECT(ax_std(ctx, hb, NULL, 0, false, 0), AX_FLOAT16, NULL, 0, 1);
    ax_array *bb = from_f64(ctx, AX_BFLOAT16, SH(big), 1, hv);
    EXPECT(ax_std(ctx, bb, NULL, 0, true, 0), AX_BFLOAT16, SH(1), 1, 1);
    free(hv);
    CHECK(ax_mean(ctx, a, AXES(3), false) == NULL);
    CHECK(strstr(ax_error_message(ctx), "mean: axis 3"));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_std(ctx, a, AXES(0, 0), false, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_axes_and_keepdims();
    test_errors();
    test_empty();
    test_nan();
    test_dtypes_and_overflow();
    test_logsumexp_softmax();
    test_fast_vs_reference();
    test_thread_independence();
    test_sum_accuracy();
    test_moments();
    return test_summary("test_reduce");
}
