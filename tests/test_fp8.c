/* fp8 codes (include/ax/fp8.h): the codec against the formats' definitions
 * and a brute-force nearest-code encoder, the ops on every input dtype and
 * layout, fp8_matmul against a float64 product, its derivatives in the
 * scales against finite differences, vmap, and the errors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax/fp8.h"
#include "backend/fp8_codec.h"
#include "fp8_ref.h"
#include "testutil.h"

static const char *const NAMES[2] = {"e4m3", "e5m2"};

static void test_codec(void) {
    for (int fmt = 0; fmt < 2; fmt++) {
        int nans = 0;
        for (int c = 0; c < 256; c++) {
            double want = def_value(c, fmt);
            float got = ax__fp8_decode((uint8_t)c, fmt);
            if (isnan(want)) {
                nans++;
                CHECK_MSG(isnan(got), "%s decode 0x%02x: %g, want NaN", NAMES[fmt], c, got);
                continue;
            }
            CHECK_MSG(got == want && !!signbit(got) == !!signbit(want), "%s decode 0x%02x: %.9g, want %.9g",
                      NAMES[fmt], c, got, want);
            /* every finite code (and infinity's, which saturates) comes back */
            uint8_t back = ax__fp8_encode(want, fmt), wantc = isinf(want) ? (uint8_t)((c & 0x80) | (fmt ? 0x7b : 0x7e))
                                                                          : (uint8_t)c;
            CHECK_MSG(back == wantc, "%s encode(%g) = 0x%02x, want 0x%02x", NAMES[fmt], want, back, wantc);
        }
        CHECK_MSG(nans == (fmt ? 6 : 2), "%s: %d NaN codes", NAMES[fmt], nans);
        /* midpoints of neighbours tie to the even code; just off them, the nearer one */
        const int maxc = fmt ? 0x7b : 0x7e;
        for (int c = 0; c < maxc; c++) {
            double lo = def_value(c, fmt), hi = def_value(c + 1, fmt), mid = 0.5 * (lo + hi);
            uint8_t even = (uint8_t)((c & 1) ? c + 1 : c);
            CHECK_MSG(ax__fp8_encode(mid, fmt) == even, "%s: midpoint %.9g of 0x%02x", NAMES[fmt], mid, c);
            CHECK(ax__fp8_encode(nextafter(mid, 0), fmt) == c);
            CHECK(ax__fp8_encode(nextafter(mid, INFINITY), fmt) == c + 1);
            CHECK(ax__fp8_encode(-mid, fmt) == (0x80 | even));
        }
        /* saturation, infinities, NaN, signed zeros */
        double mx = def_value(maxc, fmt);
        CHECK(ax__fp8_encode(mx * 1.01, fmt) == maxc);
        CHECK(ax__fp8_encode(1e300, fmt) == maxc);
        CHECK(ax__fp8_encode(INFINITY, fmt) == maxc);
        CHECK(ax__fp8_encode(-INFINITY, fmt) == (0x80 | maxc));
        CHECK(ax__fp8_encode(NAN, fmt) == (fmt ? 0x7e : 0x7f));
        CHECK(ax__fp8_encode(0.0, fmt) == 0x00);
        CHECK(ax__fp8_encode(-0.0, fmt) == 0x80);
        CHECK(ax__fp8_encode(-1e-300, fmt) == 0x80);
        /* a million values over the whole range against the brute-force encoder */
        uint64_t s = 88172645463325252ull;
        int bad = 0;
        for (int i = 0; i < 1000000; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            double x = ldexp((double)(s >> 11) * 0x1p-53 + 0.5, (int)(s % 48) - 30) * ((s >> 8) & 1 ? -1 : 1);
            if (i % 7 == 0) x = (float)x; /* float32 inputs too */
            if (ax__fp8_encode(x, fmt) != brute_encode(x, fmt) && bad++ < 5)
                CHECK_MSG(0, "%s encode(%.17g) = 0x%02x, brute force 0x%02x", NAMES[fmt], x, ax__fp8_encode(x, fmt),
                          brute_encode(x, fmt));
        }
        CHECK_MSG(bad == 0, "%s: %d of a million encodings differ from brute force", NAMES[fmt], bad);
        /* the float32 fast path against the double one: every exponent, random
         * mantissas, and every float32 near each code's value and midpoint */
        bad = 0;
        for (uint32_t hi = 0; hi < 512; hi++)
            for (int k = 0; k < 4096; k++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                uint32_t u = (hi << 23) | (uint32_t)(s & 0x7fffff);
                if (k < 4) u = (hi << 23) | (uint32_t)k; /* exact powers of two and neighbours */
                float f;
                memcpy(&f, &u, 4);
                if (ax__fp8_encode_f32(f, fmt) != ax__fp8_encode(f, fmt) && bad++ < 5)
                    CHECK_MSG(0, "%s encode_f32(%a) = 0x%02x, double path 0x%02x", NAMES[fmt], (double)f,
                              ax__fp8_encode_f32(f, fmt), ax__fp8_encode(f, fmt));
            }
        for (int c = 0; c < 0x7f; c++) {
            double v = def_value(c, fmt), w = def_value(c + 1, fmt);
            if (isnan(v) || isinf(v)) continue;
            float pts[3] = {(float)v, isnan(w) || isinf(w) ? (float)v : (float)(0.5 * (v + w)), 0};
            for (int p = 0; p < 2; p++)
                for (int d = -2; d <= 2; d++) {
                    float f = pts[p];
                    for (int j = 0; j < (d < 0 ? -d : d); j++) f = nextafterf(f, d < 0 ? -INFINITY : INFINITY);
                    if (ax__fp8_encode_f32(f, fmt) != ax__fp8_encode(f, fmt) && bad++ < 5)
                        CHECK_MSG(0, "%s encode_f32(%a) near code 0x%02x", NAMES[fmt], (double)f, c);
                    if (ax__fp8_encode_f32(-f, fmt) != ax__fp8_encode(-f, fmt) && bad++ < 5)
                        CHECK_MSG(0, "%s encode_f32(%a) near code 0x%02x", NAMES[fmt], (double)-f, c);
                }
        }
        CHECK_MSG(bad == 0, "%s: %d float32 encodings differ between the two paths", NAMES[fmt], bad);
    }
}

/* to_fp8 over each input dtype and a transposed view; from_fp8 of every code into each float dtype. */
static void test_ops(ax_ctx *ctx) {
    const ax_dtype in_types[] = {AX_FLOAT32, AX_FLOAT64, AX_BFLOAT16, AX_FLOAT16, AX_INT32, AX_BOOL, AX_UINT8};
    double vals[24];
    for (int i = 0; i < 24; i++) vals[i] = (i - 11) * 7.3 + (i % 3) * 0.01;
    vals[0] = 1e6, vals[1] = -1e6, vals[2] = 0.0009, vals[3] = 0;
    for (int fmt = 0; fmt < 2; fmt++)
        for (size_t ti = 0; ti < sizeof in_types / sizeof *in_types; ti++) {
            ax_scope_begin(ctx);
            ax_dtype t = in_types[ti];
            ax_array *x = test_from_f64(ctx, vals, t, (int64_t[]){4, 6}, 2);
            ax_array *xt = ax_transpose(ctx, x, NULL, 0); /* (6, 4), strided */
            ax_array *q = ax_to_fp8(ctx, xt, (ax_fp8_format)fmt);
            CHECK(q && ax_dtype_of(q) == AX_UINT8 && ax_ndim(q) == 2 && ax_shape(q)[0] == 6);
            const uint8_t *qc = ax_data(ctx, q);
            double *xv = test_to_f64(ctx, xt);
            CHECK_OK(ctx);
            for (int i = 0; qc && xv && i < 24; i++)
                CHECK_MSG(qc[i] == brute_encode(xv[i], fmt), "to_fp8 %s %s [%d]: 0x%02x for %g", NAMES[fmt],
                          ax_dtype_name(t), i, qc[i], xv[i]);
            free(xv);
            ax_scope_end(ctx);
        }
    uint8_t all[256];
    for (int c = 0; c < 256; c++) all[c] = (uint8_t)c;
    const ax_dtype out_types[] = {AX_FLOAT32, AX_FLOAT64, AX_BFLOAT16, AX_FLOAT16};
    for (int fmt = 0; fmt < 2; fmt++)
        for (int ti = 0; ti < 4; ti++) {
            ax_scope_begin(ctx);
            ax_array *c = ax_array_from_data(ctx, all, AX_UINT8, (int64_t[]){16, 16}, 2);
            ax_array *v = ax_from_fp8(ctx, ax_transpose(ctx, c, NULL, 0), (ax_fp8_format)fmt, out_types[ti]);
            double *got = test_to_f64(ctx, v);
            CHECK_OK(ctx);
            for (int i = 0; got && i < 256; i++) {
                int code = (i % 16) * 16 + i / 16; /* transposed */
                double want = def_value(code, fmt);
                CHECK_MSG(isnan(want) ? isnan(got[i]) : got[i] == want, "from_fp8 %s -> %s 0x%02x: %g, want %g",
                          NAMES[fmt], ax_dtype_name(out_types[ti]), code, got[i], want);
            }
            free(got);
            /* round trip: decode then encode gives the codes back (NaNs canonical, -0 kept) */
            ax_array *back = ax_to_fp8(ctx, ax_from_fp8(ctx, c, (ax_fp8_format)fmt, out_types[ti]), (ax_fp8_format)fmt);
            const uint8_t *b = ax_data(ctx, back);
            for (int i = 0; b && i < 256; i++) {
                double want = def_value(i, fmt);
                uint8_t wc = isnan(want) ? (fmt ? 0x7e : 0x7f) : isinf(want) ? (uint8_t)((i & 0x80) | 0x7b) : (uint8_t)i;
                CHECK_MSG(b[i] == wc, "round trip %s via %s: 0x%02x -> 0x%02x", NAMES[fmt],
                          ax_dtype_name(out_types[ti]), i, b[i]);
            }
            ax_scope_end(ctx);
        }
}

/* Random finite codes of a format (NaN codes replaced). */
static void random_codes(uint8_t *c, int64_t n, int fmt, uint32_t seed) {
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        uint8_t v = (uint8_t)(seed >> 24);
        if (isnan(def_value(v, fmt)) || isinf(def_value(v, fmt))) v &= 0xbf; /* a finite code */
        c[i] = v;
    }
}

static void test_matmul(ax_ctx *ctx) {
    const int64_t dims[][3] = {{5, 7, 3}, {33, 64, 17}, {1, 1, 1}, {4, 0, 2}};
    const ax_dtype outs[] = {AX_FLOAT32, AX_BFLOAT16, AX_FLOAT64};
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
        for (int fa = 0; fa < 2; fa++)
            for (int fb = 0; fb < 2; fb++)
                for (int oi = 0; oi < 3; oi++) {
                    const int64_t M = dims[di][0], K = dims[di][1], N = dims[di][2];
                    ax_scope_begin(ctx);
                    uint8_t *a = malloc((size_t)(M * K) + 1), *bt = malloc((size_t)(K * N) + 1);
                    random_codes(a, M * K, fa, (uint32_t)(di * 131 + fa * 7 + 1));
                    random_codes(bt, K * N, fb, (uint32_t)(di * 71 + fb * 3 + 2));
                    ax_array *A = ax_array_from_data(ctx, a, AX_UINT8, (int64_t[]){M, K}, 2);
                    /* b as the transpose of an (N, K) weight: K-contiguous */
                    ax_array *B = ax_transpose(ctx, ax_array_from_data(ctx, bt, AX_UINT8, (int64_t[]){N, K}, 2), NULL, 0);
                    float sa = 0.37f, sb = 2.5f;
                    ax_array *SA = ax_array_from_data(ctx, &sa, AX_FLOAT32, NULL, 0);
                    ax_array *SB = ax_array_from_data(ctx, &sb, AX_FLOAT32, (int64_t[]){1}, 1);
                    ax_array *y = ax_fp8_matmul(ctx, A, B, (ax_fp8_format)fa, (ax_fp8_format)fb, SA, SB, outs[oi]);
                    CHECK(y && ax_dtype_of(y) == outs[oi] && ax_shape(y)[0] == M && ax_shape(y)[1] == N);
                    double *got = test_to_f64(ctx, y);
                    CHECK_OK(ctx);
                    /* float32 accumulation: within 1e-6 of sum |terms|, plus the output's rounding */
                    double ulp = outs[oi] == AX_BFLOAT16 ? 0x1p-8 : outs[oi] == AX_FLOAT32 ? 0x1p-24 : 0x1p-53;
                    for (int64_t i = 0; got && i < M; i++)
                        for (int64_t j = 0; j < N; j++) {
                            double s = 0, mag = 0;
                            for (int64_t k = 0; k < K; k++) {
                                double t = def_value(a[i * K + k], fa) * def_value(bt[j * K + k], fb);
                                s += t, mag += fabs(t);
                            }
                            s *= (double)sa * sb, mag *= (double)sa * sb;
                            double tol = (outs[oi] == AX_FLOAT64 ? 1e-14 : 1e-6) * mag + ulp * fabs(s);
                            CHECK_MSG(fabs(got[i * N + j] - s) <= tol, "fp8_matmul %s x %s (%lld,%lld,%lld) -> %s [%lld,%lld]: %.9g, want %.9g",
                                      NAMES[fa], NAMES[fb], (long long)M, (long long)K, (long long)N,
                                      ax_dtype_name(outs[oi]), (long long)i, (long long)j, got[i * N + j], s);
                        }
                    free(got), free(a), free(bt);
                    ax_scope_end(ctx);
                }
}

/* Derivatives in the scales: grad of sum(fp8_matmul(a, b, sa, sb)) and jvp, against central differences. */
static uint8_t g_a[12], g_b[20];
static ax_status sum_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *a = ax_array_from_data(ctx, g_a, AX_UINT8, (int64_t[]){3, 4}, 2);
    ax_array *b = ax_array_from_data(ctx, g_b, AX_UINT8, (int64_t[]){4, 5}, 2);
    out[0] = ax_sum(ctx, ax_fp8_matmul(ctx, a, b, AX_FP8_E4M3, AX_FP8_E5M2, in[0], in[1], AX_FLOAT32), NULL, 0, false);
    return ax_error_code(ctx);
}

static double eval_sum(ax_ctx *ctx, ax_closure *f, float sa, float sb) {
    ax_array *in[2] = {ax_array_from_data(ctx, &sa, AX_FLOAT32, NULL, 0), ax_array_from_data(ctx, &sb, AX_FLOAT32, NULL, 0)};
    ax_array *o = NULL;
    double v = NAN;
    if (ax_closure_call(ctx, f, in, &o) == AX_OK) ax_item_f64(ctx, o, &v);
    return v;
}

static void test_grad(ax_ctx *ctx) {
    random_codes(g_a, 12, 0, 5);
    random_codes(g_b, 20, 1, 6);
    for (int i = 0; i < 12; i++) g_a[i] &= 0xb7; /* modest values: finite differences stay exact enough */
    for (int i = 0; i < 20; i++) g_b[i] &= 0xbb;
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, sum_fn, 2, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, f, (int[]){0, 1}, 2, false);
    float sa = 0.75f, sb = -1.25f;
    ax_array *in[2] = {ax_array_from_data(ctx, &sa, AX_FLOAT32, NULL, 0), ax_array_from_data(ctx, &sb, AX_FLOAT32, NULL, 0)};
    ax_array *gr[2] = {NULL, NULL};
    CHECK(ax_closure_call(ctx, g, in, gr) == AX_OK);
    double ga = NAN, gb = NAN;
    ax_item_f64(ctx, gr[0], &ga);
    ax_item_f64(ctx, gr[1], &gb);
    const float h = 0.0625f; /* the sum is linear in each scale: the difference quotient is exact up to rounding */
    double fa = (eval_sum(ctx, f, sa + h, sb) - eval_sum(ctx, f, sa - h, sb)) / (2 * h);
    double fb = (eval_sum(ctx, f, sa, sb + h) - eval_sum(ctx, f, sa, sb - h)) / (2 * h);
    CHECK_OK(ctx);
    CHECK_MSG(fabs(ga - fa) <= 1e-4 * fabs(fa) + 1e-6, "d/dsa %g, finite differences %g", ga, fa);
    CHECK_MSG(fabs(gb - fb) <= 1e-4 * fabs(fb) + 1e-6, "d/dsb %g, finite differences %g", gb, fb);
    CHECK(fa != 0 && fb != 0);
    /* jvp along (1, 2) */
    float one = 1, two = 2;
    ax_array *tan[2] = {ax_array_from_data(ctx, &one, AX_FLOAT32, NULL, 0), ax_array_from_data(ctx, &two, AX_FLOAT32, NULL, 0)};
    ax_array *o = NULL, *ot = NULL;
    CHECK(ax_jvp(ctx, f, in, tan, &o, &ot) == AX_OK);
    double jt = NAN;
    ax_item_f64(ctx, ot, &jt);
    CHECK_MSG(fabs(jt - (fa + 2 * fb)) <= 1e-4 * (fabs(fa) + 2 * fabs(fb)), "jvp %g, want %g", jt, fa + 2 * fb);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static ax_status encode_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_from_fp8(ctx, ax_to_fp8(ctx, in[0], AX_FP8_E4M3), AX_FP8_E4M3, AX_FLOAT32);
    return ax_error_code(ctx);
}

static void test_vmap(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    double v[12];
    for (int i = 0; i < 12; i++) v[i] = 0.3 * i * i - 5;
    ax_array *x = test_from_f64(ctx, v, AX_FLOAT32, (int64_t[]){3, 4}, 2);
    ax_closure *f = ax_closure_new(ctx, encode_fn, 1, 1, NULL, NULL);
    ax_closure *vf = ax_vmap(ctx, f, (int[]){1}, (int[]){0});
    ax_array *y = NULL;
    CHECK(ax_closure_call(ctx, vf, &x, &y) == AX_OK);
    double *got = test_to_f64(ctx, y), *want = NULL;
    ax_array *w = NULL;
    CHECK(ax_closure_call(ctx, f, (ax_array *[]){ax_transpose(ctx, x, NULL, 0)}, &w) == AX_OK);
    want = test_to_f64(ctx, w);
    CHECK(ax_ndim(y) == 2 && ax_shape(y)[0] == 4 && ax_shape(y)[1] == 3);
    for (int i = 0; got && want && i < 12; i++) CHECK(got[i] == want[i]);
    free(got), free(want);
    ax_closure_release(vf);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void test_errors(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *f = ax_zeros(ctx, (int64_t[]){2, 2}, 2, AX_FLOAT32);
    ax_array *u = ax_zeros(ctx, (int64_t[]){2, 2}, 2, AX_UINT8);
    CHECK(ax_to_fp8(ctx, ax_zeros(ctx, (int64_t[]){2}, 1, AX_COMPLEX64), AX_FP8_E4M3) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_to_fp8(ctx, f, (ax_fp8_format)7) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_from_fp8(ctx, f, AX_FP8_E4M3, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_from_fp8(ctx, u, AX_FP8_E5M2, AX_INT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_fp8_matmul(ctx, u, f, AX_FP8_E4M3, AX_FP8_E4M3, NULL, NULL, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_fp8_matmul(ctx, u, ax_zeros(ctx, (int64_t[]){3, 2}, 2, AX_UINT8), AX_FP8_E4M3, AX_FP8_E4M3, NULL,
                        NULL, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_fp8_matmul(ctx, ax_zeros(ctx, (int64_t[]){2}, 1, AX_UINT8), u, AX_FP8_E4M3, AX_FP8_E4M3, NULL, NULL,
                        AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_fp8_matmul(ctx, u, u, AX_FP8_E4M3, AX_FP8_E4M3, ax_zeros(ctx, NULL, 0, AX_FLOAT16), NULL,
                        AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_fp8_matmul(ctx, u, u, AX_FP8_E4M3, AX_FP8_E4M3, NULL, ax_zeros(ctx, (int64_t[]){3}, 1, AX_FLOAT32),
                        AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_fp8_matmul(ctx, u, u, AX_FP8_E4M3, AX_FP8_E4M3, NULL, NULL, AX_UINT8) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_to_fp8(ctx, NULL, AX_FP8_E4M3) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    /* the context still works */
    ax_array *ok = ax_fp8_matmul(ctx, u, u, AX_FP8_E4M3, AX_FP8_E5M2, NULL, NULL, AX_FLOAT32);
    const float *z = ax_data(ctx, ok);
    CHECK(z && z[0] == 0 && z[3] == 0);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- row-wise scales
 *
 * fp8_matmul with scale_a one per row of a and scale_b one per column of b,
 * every accepted shape and layout of the scales, against a float64 product
 * from the formats' definitions; equality with the per-tensor path; the
 * derivatives in vector scales against the product rule and central
 * differences; vmap over batches of scales; the shape and dtype errors. */

/* How a test passes a scale of n (M for a, N for b): NULL (1); per-tensor as
 * 0-d, (1) or (1, 1); a vector (n), (n, 1) for a / (1, n) for b; (n) as
 * column 1 of an (n, 3) matrix (stride 3, ax_as_strided); (n, 1) / (1, n)
 * strided (that column by ax_slice_axis, for b its transpose: strides (1, 3));
 * (n) reversed (ax_flip: stride -1). The unused elements of the larger
 * buffers are NaN: a kernel that reads one shows. */
typedef enum { SK_NULL, SK_T0, SK_T1, SK_T11, SK_V, SK_V2, SK_VCOL, SK_V2COL, SK_FLIP } scale_kind;
static const char *const SK_NAMES[] = {"NULL",        "()",    "(1)",           "(1,1)",  "(n)",
                                       "(n,1)|(1,n)", "(n)/3", "(n,1)|(1,n)/3", "(n)flip"};

static bool sk_vec(scale_kind k) { return k >= SK_V; }

/* The shape of a scale of kind k (not SK_NULL); its rank. */
static int sk_shape(scale_kind k, int64_t n, bool rows, int64_t *shape) {
    switch (k) {
    case SK_T1: shape[0] = 1; return 1;
    case SK_T11: shape[0] = shape[1] = 1; return 2;
    case SK_V: case SK_VCOL: case SK_FLIP: shape[0] = n; return 1;
    case SK_V2: case SK_V2COL: shape[0] = rows ? n : 1, shape[1] = rows ? 1 : n; return 2;
    default: return 0;
    }
}

/* The values of a scale: n for a vector kind, else 1 (SK_NULL: 1.0), in
 * [0.25, 3.25) with about a third negative, as dtype t holds them. */
static void scale_values(double *v, int64_t n, scale_kind k, ax_dtype t, uint32_t seed) {
    const int64_t cnt = sk_vec(k) ? n : 1;
    for (int64_t i = 0; i < cnt; i++) {
        seed = seed * 1664525u + 1013904223u;
        double x = 0.25 + 3.0 * (double)(seed >> 8) * 0x1p-24;
        if ((seed >> 4) % 3 == 0) x = -x;
        v[i] = k == SK_NULL ? 1.0 : t == AX_FLOAT32 ? (double)(float)x : x;
    }
}

/* The scale array of kind k holding v (n values for a vector kind). */
static ax_array *make_scale(ax_ctx *ctx, const double *v, int64_t n, scale_kind k, ax_dtype t, bool rows) {
    int64_t shape[2];
    const int nd = sk_shape(k, n, rows, shape);
    switch (k) {
    case SK_NULL: return NULL;
    case SK_VCOL:
    case SK_V2COL: {
        double *m = malloc(sizeof(double) * (size_t)(3 * n + 1));
        for (int64_t i = 0; i < 3 * n; i++) m[i] = NAN;
        for (int64_t i = 0; i < n; i++) m[i * 3 + 1] = v[i];
        ax_array *base = test_from_f64(ctx, m, t, (int64_t[]){n, 3}, 2);
        free(m);
        if (k == SK_VCOL) return ax_as_strided(ctx, base, shape, (int64_t[]){3}, 1, 1);
        ax_array *col = ax_slice_axis(ctx, base, 1, 1, 2, 1); /* (n, 1), strides (3, 1) */
        return rows ? col : ax_transpose(ctx, col, NULL, 0);  /* (1, n), strides (1, 3) */
    }
    case SK_FLIP: {
        double *r = malloc(sizeof(double) * (size_t)(n + 1));
        for (int64_t i = 0; i < n; i++) r[i] = v[n - 1 - i];
        ax_array *base = test_from_f64(ctx, r, t, shape, 1);
        free(r);
        return ax_flip(ctx, base, NULL, 0);
    }
    default: return test_from_f64(ctx, v, t, shape, nd);
    }
}

/* An (r, c) code matrix holding codes[i * c + j] in layout L: 0 row-major;
 * 1 the transpose of a (c, r) row-major buffer; 2 the odd columns of an
 * (r, 2c) buffer whose even columns hold NaN codes (0x7f in either format). */
static ax_array *code_matrix(ax_ctx *ctx, const uint8_t *codes, int64_t r, int64_t c, int layout) {
    uint8_t *buf = malloc((size_t)(2 * r * c) + 1);
    ax_array *m;
    if (layout == 0) {
        m = ax_array_from_data(ctx, codes, AX_UINT8, (int64_t[]){r, c}, 2);
    } else if (layout == 1) {
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++) buf[j * r + i] = codes[i * c + j];
        m = ax_transpose(ctx, ax_array_from_data(ctx, buf, AX_UINT8, (int64_t[]){c, r}, 2), NULL, 0);
    } else {
        memset(buf, 0x7f, (size_t)(2 * r * c) + 1);
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++) buf[i * 2 * c + 2 * j + 1] = codes[i * c + j];
        m = ax_slice_axis(ctx, ax_array_from_data(ctx, buf, AX_UINT8, (int64_t[]){r, 2 * c}, 2), 1, 1, 2 * c, 2);
    }
    free(buf);
    return m;
}

/* The unit-scale product P = decode(a) @ decode(b) (a (M, K), b (K, N), both
 * row-major codes) from the formats' definitions, in float64, and the sums
 * of |terms| (pm; may be NULL). */
static void ref_product(const uint8_t *a, const uint8_t *b, int fa, int fb, int64_t M, int64_t K, int64_t N,
                        double *p, double *pm) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0, m = 0;
            for (int64_t k = 0; k < K; k++) {
                double t = def_value(a[i * K + k], fa) * def_value(b[k * N + j], fb);
                s += t, m += fabs(t);
            }
            p[i * N + j] = s;
            if (pm) pm[i * N + j] = m;
        }
}

/* The unit roundoff of a float dtype. */
static double unit_roundoff(ax_dtype t) {
    return t == AX_FLOAT64 ? 0x1p-53 : t == AX_FLOAT32 ? 0x1p-24 : t == AX_FLOAT16 ? 0x1p-11 : 0x1p-8;
}

typedef struct rw_cfg {
    int64_t M, K, N;
    int fa, fb; /* formats */
    int la, lb; /* code_matrix layouts */
    scale_kind ka, kb;
    ax_dtype ta, tb; /* the scales' dtypes */
} rw_cfg;

#define E4 AX_FP8_E4M3
#define E5 AX_FP8_E5M2
#define F32 AX_FLOAT32
#define F64 AX_FLOAT64

static void test_rowwise(ax_ctx *ctx) {
    static const rw_cfg cfgs[] = {
        /* both vectors, each shape and layout */
        {5, 7, 3, E4, E4, 0, 0, SK_V, SK_V, F32, F32},
        {5, 7, 3, E4, E5, 1, 1, SK_V2, SK_V2, F32, F64},
        {6, 16, 4, E5, E4, 2, 2, SK_VCOL, SK_VCOL, F64, F32},
        {7, 9, 5, E5, E5, 0, 1, SK_V2COL, SK_V2COL, F64, F64},
        {4, 12, 6, E4, E5, 1, 0, SK_FLIP, SK_FLIP, F32, F32},
        {4, 12, 6, E5, E4, 2, 1, SK_V, SK_V2COL, F32, F32},
        {9, 5, 8, E4, E4, 1, 2, SK_V2COL, SK_FLIP, F64, F32},
        {17, 64, 33, E4, E4, 0, 1, SK_V, SK_V, F32, F32},
        {33, 64, 17, E4, E5, 1, 2, SK_V2, SK_V2COL, F64, F32},
        {16, 32, 48, E5, E4, 0, 1, SK_V, SK_V2, F32, F32},
        /* M = 1, N = 1 (a one-element "vector" is per-tensor), K = 0, 1x1x1 */
        {1, 9, 6, E4, E4, 0, 1, SK_V, SK_V, F32, F32},
        {1, 9, 6, E5, E4, 1, 0, SK_V2, SK_FLIP, F64, F32},
        {6, 9, 1, E5, E4, 1, 0, SK_V, SK_V2, F64, F32},
        {6, 9, 1, E4, E5, 2, 2, SK_VCOL, SK_V, F32, F64},
        {1, 1, 1, E4, E5, 0, 0, SK_V, SK_V, F32, F32},
        {4, 0, 3, E4, E4, 0, 1, SK_V, SK_V, F32, F32},
        {3, 0, 5, E5, E4, 2, 2, SK_V2, SK_VCOL, F32, F64},
        /* per-tensor (each form, and NULL) beside a vector, both ways */
        {5, 7, 3, E4, E5, 0, 1, SK_T0, SK_V, F32, F32},
        {5, 7, 3, E5, E4, 1, 0, SK_V, SK_T1, F32, F32},
        {8, 10, 6, E4, E4, 0, 2, SK_NULL, SK_V2, F32, F64},
        {8, 10, 6, E5, E5, 2, 0, SK_V2, SK_NULL, F64, F32},
        {6, 5, 9, E4, E5, 1, 1, SK_T11, SK_VCOL, F64, F32},
        {6, 5, 9, E5, E4, 0, 1, SK_FLIP, SK_T0, F32, F64},
        {7, 11, 4, E4, E4, 2, 0, SK_V2COL, SK_T1, F32, F32},
        {16, 32, 16, E4, E4, 0, 1, SK_V, SK_T0, F32, F32},
        {16, 32, 16, E4, E5, 0, 1, SK_T0, SK_V2, F32, F32},
        {1, 8, 5, E4, E4, 1, 1, SK_T0, SK_V, F64, F64},
        {5, 8, 1, E5, E4, 0, 0, SK_V2, SK_T11, F32, F32},
        {4, 0, 3, E4, E4, 0, 0, SK_T0, SK_V, F32, F32},
    };
    const ax_dtype outs[] = {AX_FLOAT32, AX_FLOAT64, AX_BFLOAT16, AX_FLOAT16};
    for (size_t ci = 0; ci < sizeof cfgs / sizeof *cfgs; ci++)
        for (int oi = 0; oi < 4; oi++) {
            const rw_cfg *g = &cfgs[ci];
            const int64_t M = g->M, K = g->K, N = g->N;
            const ax_dtype ot = outs[oi];
            ax_scope_begin(ctx);
            uint8_t *a = malloc((size_t)(M * K) + 1), *b = malloc((size_t)(K * N) + 1);
            random_codes(a, M * K, g->fa, (uint32_t)(ci * 97 + 11));
            random_codes(b, K * N, g->fb, (uint32_t)(ci * 53 + 7));
            if (ot == AX_FLOAT16) /* keep the products in float16's range (|values| < 1) */
                for (int64_t e = 0; e < M * K || e < K * N; e++) {
                    if (e < M * K) a[e] &= 0xb7;
                    if (e < K * N) b[e] &= 0xb7;
                }
            double *sa = malloc(sizeof(double) * (size_t)(M + 1)), *sb = malloc(sizeof(double) * (size_t)(N + 1));
            scale_values(sa, M, g->ka, g->ta, (uint32_t)(ci * 7 + 3));
            scale_values(sb, N, g->kb, g->tb, (uint32_t)(ci * 5 + 1000));
            ax_array *A = code_matrix(ctx, a, M, K, g->la), *B = code_matrix(ctx, b, K, N, g->lb);
            ax_array *SA = make_scale(ctx, sa, M, g->ka, g->ta, true);
            ax_array *SB = make_scale(ctx, sb, N, g->kb, g->tb, false);
            ax_array *y = ax_fp8_matmul(ctx, A, B, (ax_fp8_format)g->fa, (ax_fp8_format)g->fb, SA, SB, ot);
            char what[160];
            snprintf(what, sizeof what, "rowwise #%zu %s x %s (%lld,%lld,%lld) layouts %d,%d scales %s %s, %s %s -> %s",
                     ci, NAMES[g->fa], NAMES[g->fb], (long long)M, (long long)K, (long long)N, g->la, g->lb,
                     SK_NAMES[g->ka], ax_dtype_name(g->ta), SK_NAMES[g->kb], ax_dtype_name(g->tb), ax_dtype_name(ot));
            CHECK_MSG(y && ax_dtype_of(y) == ot, "%s: %s", what, ax_error_message(ctx));
            double *got = test_result_f64(ctx, y, (int64_t[]){M, N}, 2, what);
            double *p = malloc(sizeof(double) * (size_t)(M * N + 1));
            double *pm = malloc(sizeof(double) * (size_t)(M * N + 1));
            ref_product(a, b, g->fa, g->fb, M, K, N, p, pm);
            /* float32 accumulation: within 1e-6 of sum |terms| (float64: 1e-14),
             * then the output's rounding: its unit roundoff, and for float16
             * half its smallest subnormal */
            const double u = unit_roundoff(ot), acc = ot == AX_FLOAT64 ? 1e-14 : 1e-6;
            int bad = 0;
            int64_t first = -1;
            double fg = 0, fw = 0, ftol = 0;
            for (int64_t i = 0; got && i < M; i++)
                for (int64_t j = 0; j < N; j++) {
                    const double s = sa[sk_vec(g->ka) ? i : 0] * sb[sk_vec(g->kb) ? j : 0];
                    const double want = s * p[i * N + j], mag = fabs(s) * pm[i * N + j];
                    const double tol = acc * mag * (1 + u) + u * fabs(want) + (ot == AX_FLOAT16 ? 0x1p-25 : 0);
                    if (!(fabs(got[i * N + j] - want) <= tol) && bad++ == 0)
                        first = i * N + j, fg = got[i * N + j], fw = want, ftol = tol;
                }
            CHECK_MSG(got && bad == 0, "%s: %d of %lld elements off; [%lld, %lld] %.9g, want %.9g (tol %.3g)", what,
                      bad, (long long)(M * N), (long long)(first < 0 ? 0 : first / N),
                      (long long)(first < 0 ? 0 : first % N), fg, fw, ftol);
            CHECK_OK(ctx);
            free(got), free(p), free(pm), free(a), free(b), free(sa), free(sb);
            ax_scope_end(ctx);
        }
}

/* Row-wise scales all equal give the per-tensor result bit for bit: the
 * kernel forms each element's scale product the same way (in double, rounded
 * to the accumulation type) from the same two values. Every per-tensor and
 * vector form of each side, each output dtype, float32/float64 scales. */
static void test_rowwise_uniform(ax_ctx *ctx) {
    const int64_t dims[][3] = {{5, 7, 3}, {17, 64, 33}, {1, 8, 4}, {6, 9, 1}, {16, 32, 16}};
    const ax_dtype outs[] = {AX_FLOAT32, AX_FLOAT64, AX_BFLOAT16, AX_FLOAT16};
    const ax_dtype sts[][2] = {{F32, F32}, {F64, F64}, {F32, F64}};
    /* (kind a, kind b) against (SK_T0, SK_T0) */
    const scale_kind forms[][2] = {{SK_V, SK_V},       {SK_T0, SK_V},    {SK_V, SK_T0},  {SK_V2, SK_V2},
                                   {SK_V2COL, SK_VCOL}, {SK_FLIP, SK_T1}, {SK_T11, SK_V2COL}};
    const double ca = 0.37, cb = -1.3; /* their product is not a float32 */
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
        for (int oi = 0; oi < 4; oi++)
            for (int si = 0; si < 3; si++) {
                const int64_t M = dims[di][0], K = dims[di][1], N = dims[di][2];
                const ax_dtype ot = outs[oi];
                ax_scope_begin(ctx);
                uint8_t *a = malloc((size_t)(M * K)), *b = malloc((size_t)(K * N));
                random_codes(a, M * K, 0, (uint32_t)(di * 17 + 1));
                random_codes(b, K * N, 1, (uint32_t)(di * 19 + 2));
                if (ot == AX_FLOAT16)
                    for (int64_t e = 0; e < M * K || e < K * N; e++) {
                        if (e < M * K) a[e] &= 0xb7;
                        if (e < K * N) b[e] &= 0xb7;
                    }
                ax_array *A = code_matrix(ctx, a, M, K, 0), *B = code_matrix(ctx, b, K, N, 1);
                double *va = malloc(sizeof(double) * (size_t)M), *vb = malloc(sizeof(double) * (size_t)N);
                for (int64_t i = 0; i < M; i++) va[i] = ca;
                for (int64_t j = 0; j < N; j++) vb[j] = cb;
                ax_array *y0 = ax_fp8_matmul(ctx, A, B, E4, E5, make_scale(ctx, va, M, SK_T0, sts[si][0], true),
                                             make_scale(ctx, vb, N, SK_T0, sts[si][1], false), ot);
                const char *want = ax_data(ctx, y0);
                CHECK_OK(ctx);
                const size_t bytes = (size_t)(M * N) * ax_dtype_size(ot);
                for (size_t fi = 0; want && fi < sizeof forms / sizeof *forms; fi++) {
                    ax_array *y = ax_fp8_matmul(ctx, A, B, E4, E5,
                                                make_scale(ctx, va, M, forms[fi][0], sts[si][0], true),
                                                make_scale(ctx, vb, N, forms[fi][1], sts[si][1], false), ot);
                    const char *got = ax_data(ctx, y);
                    CHECK_MSG(got && memcmp(got, want, bytes) == 0,
                              "uniform row-wise scales %s %s, %s %s (%lld,%lld,%lld) -> %s differ from per-tensor: %s",
                              SK_NAMES[forms[fi][0]], ax_dtype_name(sts[si][0]), SK_NAMES[forms[fi][1]],
                              ax_dtype_name(sts[si][1]), (long long)M, (long long)K, (long long)N,
                              ax_dtype_name(ot), got ? "values" : ax_error_message(ctx));
                    ax_error_clear(ctx);
                }
                free(a), free(b), free(va), free(vb);
                ax_scope_end(ctx);
            }
}

/* Derivatives in vector scales. f(sa, sb) = fp8_matmul(A, B, sa, sb) (and
 * the loss sum(f * W)): out = sa_i sb_j P_ij, so
 *   d <C, f> / d sa_i = sum_j C_ij P_ij sb_j  (per-tensor sa: also summed over i),
 *   jvp = (ta_i sb_j + sa_i tb_j) P_ij,
 * with P from the formats' definitions; checked against both the product
 * rule and central differences of the op itself (it is linear in each
 * scale: the difference quotient is exact up to rounding). */
typedef struct rw_fn_state {
    ax_array *A, *B, *W;
    ax_dtype out;
} rw_fn_state;

static ax_status rw_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in, (void)n_out;
    const rw_fn_state *s = p;
    out[0] = ax_fp8_matmul(ctx, s->A, s->B, E4, E5, in[0], in[1], s->out);
    return ax_error_code(ctx);
}

static ax_status rw_loss_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in, (void)n_out;
    const rw_fn_state *s = p;
    out[0] = ax_sum(ctx, ax_multiply(ctx, ax_fp8_matmul(ctx, s->A, s->B, E4, E5, in[0], in[1], s->out), s->W), NULL,
                    0, false);
    return ax_error_code(ctx);
}

/* f(sa, sb) at the given values (contiguous arrays of the scales' shapes), host float64. */
static double *rw_eval(ax_ctx *ctx, ax_closure *f, const double *sa, const double *sb, const int64_t *sha, int nda,
                       const int64_t *shb, int ndb, ax_dtype t) {
    ax_array *in[2] = {test_from_f64(ctx, sa, t, sha, nda), test_from_f64(ctx, sb, t, shb, ndb)}, *o = NULL;
    if (ax_closure_call(ctx, f, in, &o) != AX_OK) return NULL;
    return test_to_f64(ctx, o);
}

static double dotp(const double *x, const double *y, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

static void test_rowwise_grad(ax_ctx *ctx) {
    const struct {
        int64_t M, K, N;
        scale_kind ka, kb;
        ax_dtype t;
    } cfgs[] = {
        {4, 6, 5, SK_V, SK_V, F64},       {4, 6, 5, SK_V2, SK_V2, F64},     {4, 6, 5, SK_T0, SK_V, F64},
        {4, 6, 5, SK_V, SK_T0, F64},      {7, 16, 3, SK_T1, SK_V2, F64},    {7, 16, 3, SK_VCOL, SK_FLIP, F64},
        {5, 9, 6, SK_V2COL, SK_V2COL, F64}, {5, 9, 6, SK_V, SK_T11, F64},   {1, 8, 4, SK_V, SK_V, F64},
        {3, 8, 1, SK_V2, SK_V, F64},      {4, 6, 5, SK_V, SK_V2, F32},      {4, 6, 5, SK_T0, SK_V2COL, F32},
    };
    for (size_t ci = 0; ci < sizeof cfgs / sizeof *cfgs; ci++) {
        const int64_t M = cfgs[ci].M, K = cfgs[ci].K, N = cfgs[ci].N, MN = M * N;
        const scale_kind ka = cfgs[ci].ka, kb = cfgs[ci].kb;
        const ax_dtype t = cfgs[ci].t;
        const bool f64 = t == F64;
        const int64_t na = sk_vec(ka) ? M : 1, nb = sk_vec(kb) ? N : 1;
        ax_scope_begin(ctx);
        uint8_t *a = malloc((size_t)(M * K)), *b = malloc((size_t)(K * N));
        random_codes(a, M * K, 0, (uint32_t)(ci * 3 + 5));
        random_codes(b, K * N, 1, (uint32_t)(ci * 3 + 6));
        for (int64_t e = 0; e < M * K; e++) a[e] &= 0xb7; /* modest values */
        for (int64_t e = 0; e < K * N; e++) b[e] &= 0xbb;
        double *p = malloc(sizeof(double) * (size_t)MN), *pm = malloc(sizeof(double) * (size_t)MN);
        ref_product(a, b, 0, 1, M, K, N, p, pm);
        double sa[64], sb[64], ta[64], tb[64], C[4096], W[4096];
        scale_values(sa, M, ka, t, (uint32_t)(ci * 11 + 1));
        scale_values(sb, N, kb, t, (uint32_t)(ci * 13 + 2));
        scale_values(ta, M, ka, t, (uint32_t)(ci * 17 + 3));
        scale_values(tb, N, kb, t, (uint32_t)(ci * 19 + 4));
        for (int64_t e = 0; e < MN; e++) C[e] = ((e * 7) % 13 - 6) * 0.125, W[e] = ((e * 5) % 11 - 5) * 0.25 + 0.0625;
        int64_t sha[2], shb[2];
        const int nda = sk_shape(ka, M, true, sha), ndb = sk_shape(kb, N, false, shb);
        rw_fn_state st = {code_matrix(ctx, a, M, K, 0), code_matrix(ctx, b, K, N, 1),
                          test_from_f64(ctx, W, t, (int64_t[]){M, N}, 2), t};
        ax_closure *f = ax_closure_new(ctx, rw_fn, 2, 1, &st, NULL);
        ax_closure *loss = ax_closure_new(ctx, rw_loss_fn, 2, 1, &st, NULL);
        ax_closure *gl = ax_grad(ctx, loss, (int[]){0, 1}, 2, false);
        ax_array *x[2] = {make_scale(ctx, sa, M, ka, t, true), make_scale(ctx, sb, N, kb, t, false)};
        ax_array *cot = test_from_f64(ctx, C, t, (int64_t[]){M, N}, 2);
        ax_array *tan[2] = {test_from_f64(ctx, ta, t, sha, nda), test_from_f64(ctx, tb, t, shb, ndb)};
        ax_array *y = NULL, *g[2] = {NULL, NULL}, *yt = NULL, *jt = NULL, *lg[2] = {NULL, NULL};
        char what[128];
        snprintf(what, sizeof what, "rowwise grad #%zu (%lld,%lld,%lld) sa %s sb %s %s", ci, (long long)M,
                 (long long)K, (long long)N, SK_NAMES[ka], SK_NAMES[kb], ax_dtype_name(t));
        CHECK_MSG(ax_vjp(ctx, f, x, &cot, &y, g) == AX_OK, "%s vjp: %s", what, ax_error_message(ctx));
        CHECK_MSG(ax_jvp(ctx, f, x, tan, &yt, &jt) == AX_OK, "%s jvp: %s", what, ax_error_message(ctx));
        CHECK_MSG(ax_closure_call(ctx, gl, x, lg) == AX_OK, "%s grad: %s", what, ax_error_message(ctx));
        ax_error_clear(ctx);
        double *gh[2] = {NULL, NULL}, *lgh[2] = {NULL, NULL};
        for (int s = 0; s < 2; s++) {
            gh[s] = test_result_f64(ctx, g[s], s ? shb : sha, s ? ndb : nda, what);
            lgh[s] = test_result_f64(ctx, lg[s], s ? shb : sha, s ? ndb : nda, what);
            CHECK_MSG(g[s] && lg[s] && ax_dtype_of(g[s]) == t && ax_dtype_of(lg[s]) == t, "%s: gradient dtypes", what);
        }
        double *jth = test_result_f64(ctx, jt, (int64_t[]){M, N}, 2, what);
        /* the product rule: rule-level error is rounding in the accumulation type */
        const double rt = f64 ? 1e-12 : 1e-5, h = 0.5;
        /* the outputs at the primal, for the finite differences' rounding */
        double tot = 0, totw = 0;
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double v = fabs(sa[sk_vec(ka) ? i : 0] * sb[sk_vec(kb) ? j : 0]) * pm[i * N + j];
                tot += fabs(C[i * N + j]) * v, totw += fabs(W[i * N + j]) * v;
            }
        int bad = 0;
        for (int s = 0; s < 2; s++) {
            const int64_t n = s ? nb : na;
            const bool vec = sk_vec(s ? kb : ka);
            for (int64_t e = 0; e < n; e++)
                for (int w = 0; w < 2; w++) { /* w 0: the vjp with C; 1: the loss gradient with W */
                    const double *cw = w ? W : C, *got = w ? lgh[s] : gh[s];
                    double want = 0, mag = 0;
                    for (int64_t i = 0; i < M; i++)
                        for (int64_t j = 0; j < N; j++) {
                            if (vec && (s ? j : i) != e) continue;
                            const double other = s ? sa[sk_vec(ka) ? i : 0] : sb[sk_vec(kb) ? j : 0];
                            want += cw[i * N + j] * p[i * N + j] * other;
                            mag += fabs(cw[i * N + j] * other) * pm[i * N + j];
                        }
                    if (got && !(fabs(got[e] - want) <= rt * mag + 1e-300) && bad++ < 4)
                        CHECK_MSG(0, "%s: %s d/d%s[%lld] %.12g, product rule %.12g", what, w ? "grad" : "vjp",
                                  s ? "sb" : "sa", (long long)e, got[e], want);
                    /* central differences of <cw, f> along element e (float64 only) */
                    if (!f64 || !got) continue;
                    double xp[2][64], xm[2][64];
                    memcpy(xp[0], sa, sizeof(double) * (size_t)na), memcpy(xp[1], sb, sizeof(double) * (size_t)nb);
                    memcpy(xm[0], sa, sizeof(double) * (size_t)na), memcpy(xm[1], sb, sizeof(double) * (size_t)nb);
                    xp[s][e] += h, xm[s][e] -= h;
                    double *fp = rw_eval(ctx, f, xp[0], xp[1], sha, nda, shb, ndb, t);
                    double *fm = rw_eval(ctx, f, xm[0], xm[1], sha, nda, shb, ndb, t);
                    if (fp && fm) {
                        const double fd = (dotp(cw, fp, MN) - dotp(cw, fm, MN)) / (2 * h);
                        const double tol = 1e-12 * (mag + (w ? totw : tot) / h);
                        if (!(fabs(got[e] - fd) <= tol) && bad++ < 4)
                            CHECK_MSG(0, "%s: %s d/d%s[%lld] %.12g, central difference %.12g", what,
                                      w ? "grad" : "vjp", s ? "sb" : "sa", (long long)e, got[e], fd);
                    } else {
                        bad++;
                    }
                    free(fp), free(fm);
                }
        }
        CHECK_MSG(bad == 0, "%s: %d gradient elements off", what, bad);
        /* jvp: against the product rule and central differences of f along (ta, tb) */
        double tp[2][64], tm[2][64];
        for (int64_t e = 0; e < na; e++) tp[0][e] = sa[e] + h * ta[e], tm[0][e] = sa[e] - h * ta[e];
        for (int64_t e = 0; e < nb; e++) tp[1][e] = sb[e] + h * tb[e], tm[1][e] = sb[e] - h * tb[e];
        double *fp = f64 ? rw_eval(ctx, f, tp[0], tp[1], sha, nda, shb, ndb, t) : NULL;
        double *fm = f64 ? rw_eval(ctx, f, tm[0], tm[1], sha, nda, shb, ndb, t) : NULL;
        bad = 0;
        for (int64_t i = 0; jth && i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                const int64_t ia = sk_vec(ka) ? i : 0, jb = sk_vec(kb) ? j : 0, e = i * N + j;
                const double want = (ta[ia] * sb[jb] + sa[ia] * tb[jb]) * p[e];
                const double mag = (fabs(ta[ia] * sb[jb]) + fabs(sa[ia] * tb[jb])) * pm[e];
                if (!(fabs(jth[e] - want) <= rt * mag + 1e-300) && bad++ < 4)
                    CHECK_MSG(0, "%s: jvp [%lld,%lld] %.12g, product rule %.12g", what, (long long)i, (long long)j,
                              jth[e], want);
                if (fp && fm) {
                    const double fd = (fp[e] - fm[e]) / (2 * h);
                    const double tol = 1e-12 * (mag + (fabs(fp[e]) + fabs(fm[e])) / h);
                    if (!(fabs(jth[e] - fd) <= tol) && bad++ < 4)
                        CHECK_MSG(0, "%s: jvp [%lld,%lld] %.12g, central difference %.12g", what, (long long)i,
                                  (long long)j, jth[e], fd);
                }
            }
        CHECK_MSG(jth && (!f64 || (fp && fm)) && bad == 0, "%s: %d jvp elements off", what, bad);
        CHECK_OK(ctx);
        free(fp), free(fm), free(jth), free(p), free(pm), free(a), free(b);
        for (int s = 0; s < 2; s++) free(gh[s]), free(lgh[s]);
        ax_closure_release(gl);
        ax_closure_release(loss);
        ax_closure_release(f);
        ax_scope_end(ctx);
    }
}

/* vmap over batches of scales (fp8_matmul takes the per-element fallback):
 * each batch element of the result equals the op called on that element. */
static void test_rowwise_vmap(ax_ctx *ctx) {
    enum { BT = 3, M = 5, K = 7, N = 4 };
    uint8_t a[M * K], b[K * N];
    random_codes(a, M * K, 0, 41);
    random_codes(b, K * N, 1, 42);
    /* per run: the batched shapes of (sa, sb), in_axes, out axis, and each
     * element's shapes (rank 0: per-tensor) */
    const struct {
        int nda, ndb;
        int64_t sha[3], shb[3];
        int in_axes[2], out_axis;
        int eda, edb;
        int64_t esa[2], esb[2];
    } runs[] = {
        {2, 1, {BT, M}, {N}, {0, -1}, 0, 1, 1, {M}, {N}},
        {2, 2, {M, 1}, {N, BT}, {-1, 1}, 2, 2, 1, {M, 1}, {N}},
        {3, 1, {BT, M, 1}, {BT}, {0, 0}, 0, 2, 0, {M, 1}, {0}},
        {2, 3, {M, BT}, {BT, 1, N}, {1, 0}, 1, 1, 2, {M}, {1, N}},
        {1, 2, {BT}, {BT, N}, {0, 0}, 0, 0, 1, {0}, {N}},
    };
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        ax_scope_begin(ctx);
        rw_fn_state st = {ax_array_from_data(ctx, a, AX_UINT8, (int64_t[]){M, K}, 2),
                          ax_array_from_data(ctx, b, AX_UINT8, (int64_t[]){K, N}, 2), NULL, AX_FLOAT32};
        ax_closure *f = ax_closure_new(ctx, rw_fn, 2, 1, &st, NULL);
        ax_closure *vf = ax_vmap(ctx, f, runs[r].in_axes, (int[]){runs[r].out_axis});
        int64_t na = 1, nb = 1;
        for (int d = 0; d < runs[r].nda; d++) na *= runs[r].sha[d];
        for (int d = 0; d < runs[r].ndb; d++) nb *= runs[r].shb[d];
        double va[64], vb[64];
        scale_values(va, na, SK_V, AX_FLOAT32, (uint32_t)(r * 2 + 1));
        scale_values(vb, nb, SK_V, AX_FLOAT32, (uint32_t)(r * 2 + 2));
        ax_array *in[2] = {test_from_f64(ctx, va, AX_FLOAT32, runs[r].sha, runs[r].nda),
                           test_from_f64(ctx, vb, AX_FLOAT32, runs[r].shb, runs[r].ndb)};
        ax_array *y = NULL;
        CHECK_MSG(ax_closure_call(ctx, vf, in, &y) == AX_OK, "rowwise vmap #%zu: %s", r, ax_error_message(ctx));
        int64_t oshape[3] = {M, N, 0};
        /* the batch axis inserted at out_axis */
        for (int d = 2; d > runs[r].out_axis; d--) oshape[d] = oshape[d - 1];
        oshape[runs[r].out_axis] = BT;
        double *got = test_result_f64(ctx, y, oshape, 3, "rowwise vmap");
        int bad = 0;
        for (int e = 0; got && e < BT; e++) {
            /* element e of each batched input (or the input itself) */
            ax_array *el[2];
            for (int s = 0; s < 2; s++) {
                const int ax = runs[r].in_axes[s];
                ax_array *x = in[s];
                el[s] = ax < 0 ? x : ax_squeeze(ctx, ax_slice_axis(ctx, x, ax, e, e + 1, 1), (int[]){ax}, 1);
            }
            ax_array *w = NULL;
            CHECK(ax_closure_call(ctx, f, el, &w) == AX_OK);
            CHECK(ax_ndim(el[0]) == runs[r].eda && ax_ndim(el[1]) == runs[r].edb);
            double *want = test_result_f64(ctx, w, (int64_t[]){M, N}, 2, "rowwise vmap element");
            for (int64_t i = 0; want && i < M; i++)
                for (int64_t j = 0; j < N; j++) {
                    const int64_t idx[3][3] = {{e, i, j}, {i, e, j}, {i, j, e}};
                    const int64_t *q = idx[runs[r].out_axis];
                    const double gv = got[(q[0] * oshape[1] + q[1]) * oshape[2] + q[2]];
                    if (gv != want[i * N + j] && bad++ < 3)
                        CHECK_MSG(0, "rowwise vmap #%zu element %d [%lld,%lld]: %.9g, direct call %.9g", r, e,
                                  (long long)i, (long long)j, gv, want[i * N + j]);
                }
            CHECK(want != NULL);
            free(want);
        }
        CHECK_MSG(got && bad == 0, "rowwise vmap #%zu: %d elements differ from direct calls", r, bad);
        CHECK_OK(ctx);
        free(got);
        ax_closure_release(vf);
        ax_closure_release(f);
        ax_scope_end(ctx);
    }
}

/* The context works after an error: a row-wise product of known values
 * (every code 1.0, K = 4: out[i, j] = 4 sa_i sb_j). */
static void rowwise_still_works(ax_ctx *ctx) {
    uint8_t ones[12];
    memset(ones, 0x38, sizeof ones); /* 1.0 in E4M3 */
    const float sa[3] = {1, -2, 0.5f}, sb[2] = {3, 0.25f};
    ax_array *y = ax_fp8_matmul(ctx, ax_array_from_data(ctx, ones, AX_UINT8, (int64_t[]){3, 4}, 2),
                                ax_array_from_data(ctx, ones, AX_UINT8, (int64_t[]){4, 2}, 2), E4, E4,
                                ax_array_from_data(ctx, sa, AX_FLOAT32, (int64_t[]){3}, 1),
                                ax_array_from_data(ctx, sb, AX_FLOAT32, (int64_t[]){1, 2}, 2), AX_FLOAT32);
    const float *z = ax_data(ctx, y);
    bool ok = z != NULL;
    for (int i = 0; ok && i < 3; i++)
        for (int j = 0; j < 2; j++) ok &= z[i * 2 + j] == 4 * sa[i] * sb[j];
    CHECK_MSG(ok, "row-wise product after an error: %s", ax_error_message(ctx));
    CHECK_OK(ctx);
}

static void test_rowwise_errors(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    /* M = 3, K = 4, N = 2; and a square one, M = N = 3 (where (1, M) and (N, 1) have the right sizes) */
    ax_array *a = ax_zeros(ctx, (int64_t[]){3, 4}, 2, AX_UINT8), *b = ax_zeros(ctx, (int64_t[]){4, 2}, 2, AX_UINT8);
    ax_array *bs = ax_zeros(ctx, (int64_t[]){4, 3}, 2, AX_UINT8);
    ax_array *va = ax_ones(ctx, (int64_t[]){3}, 1, AX_FLOAT32), *vb = ax_ones(ctx, (int64_t[]){2}, 1, AX_FLOAT32);
    const struct {
        int64_t shape[3];
        int nd;
        ax_dtype t;
        bool side_b, square;
        ax_status want;
    } cases[] = {
        {{4}, 1, F32, false, false, AX_ERR_SHAPE},        /* (M + 1) */
        {{2}, 1, F32, false, false, AX_ERR_SHAPE},        /* (M - 1) */
        {{0}, 1, F32, false, false, AX_ERR_SHAPE},        /* empty */
        {{1, 3}, 2, F32, false, false, AX_ERR_SHAPE},     /* (1, M) */
        {{1, 3}, 2, F64, false, true, AX_ERR_SHAPE},      /* (1, M), M = N */
        {{3, 2}, 2, F32, false, false, AX_ERR_SHAPE},     /* (M, 2) */
        {{3, 1, 1}, 3, F32, false, false, AX_ERR_SHAPE},  /* 3-D */
        {{1, 1, 3}, 3, F64, false, false, AX_ERR_SHAPE},  /* 3-D */
        {{2, 1}, 2, F32, true, false, AX_ERR_SHAPE},      /* (N, 1) */
        {{3, 1}, 2, F32, true, true, AX_ERR_SHAPE},       /* (N, 1), M = N */
        {{3}, 1, F32, true, false, AX_ERR_SHAPE},         /* (N + 1) */
        {{2, 2}, 2, F64, true, false, AX_ERR_SHAPE},      /* (N, 2) */
        {{1, 2, 1}, 3, F32, true, false, AX_ERR_SHAPE},   /* 3-D */
        {{3}, 1, AX_INT32, false, false, AX_ERR_DTYPE},   /* integer vectors */
        {{3, 1}, 2, AX_UINT8, false, false, AX_ERR_DTYPE},
        {{2}, 1, AX_INT64, true, false, AX_ERR_DTYPE},
        {{1, 2}, 2, AX_INT8, true, false, AX_ERR_DTYPE},
        {{3}, 1, AX_FLOAT16, false, false, AX_ERR_DTYPE}, /* other floats */
        {{2}, 1, AX_BFLOAT16, true, false, AX_ERR_DTYPE},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ax_array *s = ax_ones(ctx, cases[k].shape, cases[k].nd, cases[k].t);
        const bool sq = cases[k].square, sbd = cases[k].side_b;
        ax_array *vbb = sq ? va : vb;
        ax_array *y = ax_fp8_matmul(ctx, a, sq ? bs : b, E4, E5, sbd ? va : s, sbd ? s : vbb, AX_FLOAT32);
        const char *name = sbd ? "scale_b" : "scale_a", *msg = ax_error_message(ctx);
        CHECK_MSG(y == NULL && msg && strstr(msg, name), "error case %zu (%s %s, %dd%s): message \"%s\"", k, name,
                  ax_dtype_name(cases[k].t), cases[k].nd, sq ? ", M = N" : "", msg ? msg : "");
        CHECK_ERR(ctx, cases[k].want);
        rowwise_still_works(ctx);
    }
    ax_scope_end(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_codec();
    test_ops(ctx);
    test_matmul(ctx);
    test_grad(ctx);
    test_vmap(ctx);
    test_errors(ctx);
    test_rowwise(ctx);
    test_rowwise_uniform(ctx);
    test_rowwise_grad(ctx);
    test_rowwise_vmap(ctx);
    test_rowwise_errors(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_fp8");
}
