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

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_codec();
    test_ops(ctx);
    test_matmul(ctx);
    test_grad(ctx);
    test_vmap(ctx);
    test_errors(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_fp8");
}
