/* Random numbers: Threefry known answers, keys / split / bits bit-exact with
 * JAX (tests/numpy_ref/random_refs.h, made by make_random_refs.py), every
 * distribution against JAX's values (exact where the formula has no
 * transcendental, a few ulp otherwise) with the fast and the reference
 * kernels, thread-count and shape independence of the bits, the default key
 * (seeding, advancing, thread safety), statistical tests with fixed keys
 * (Kolmogorov-Smirnov against the CDFs, chi-square for the discrete ones,
 * independence of split keys; p-value thresholds of 1e-6, and checks that
 * the same tests reject a wrong distribution), and the errors. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "numpy_ref/random_refs.h"
#include "ops/random_params.h"
#include "testutil.h"

#define P_MIN 1e-6 /* a statistical test fails below this p-value */

/* ---------------------------------------------------------------- statistics */

/* Regularized upper incomplete gamma Q(a, x) (series / continued fraction). */
static double gamma_q(double a, double x) {
    if (x <= 0) return 1;
    double gln = lgamma(a);
    if (x < a + 1) {
        double ap = a, sum = 1 / a, del = sum;
        for (int n = 0; n < 100000; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-15) break;
        }
        return 1 - sum * exp(-x + a * log(x) - gln);
    }
    double b = x + 1 - a, c = 1 / 1e-300, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < 1e-300) d = 1e-300;
        c = b + an / c;
        if (fabs(c) < 1e-300) c = 1e-300;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15) break;
    }
    return exp(-x + a * log(x) - gln) * h;
}

/* P(chi2_df > x). */
static double chi2_sf(double x, int df) { return gamma_q(df / 2.0, x / 2.0); }

/* Chi-square p-value of counts against expected counts (k cells). */
static double chi2_p(const double *obs, const double *expct, int k, int df) {
    double x = 0;
    for (int i = 0; i < k; i++) x += (obs[i] - expct[i]) * (obs[i] - expct[i]) / expct[i];
    return chi2_sf(x, df);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Kolmogorov-Smirnov p-value of x[n] (sorted in place) against cdf. */
static double ks_p(double *x, int64_t n, double (*cdf)(double, const double *), const double *prm) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = cdf(x[i], prm);
        d = fmax(d, fmax(f - (double)i / (double)n, (double)(i + 1) / (double)n - f));
    }
    double sn = sqrt((double)n), lam = (sn + 0.12 + 0.11 / sn) * d, p = 0;
    for (int k = 1; k <= 100; k++) p += 2 * ((k & 1) ? 1 : -1) * exp(-2.0 * k * k * lam * lam);
    return fmin(1, fmax(0, p));
}

static double cdf_uniform(double x, const double *p) { return fmin(1, fmax(0, (x - p[0]) / (p[1] - p[0]))); }
static double cdf_normal(double x, const double *p) { return 0.5 * erfc(-(x - p[0]) / (p[1] * sqrt(2.0))); }
static double cdf_truncnorm(double x, const double *p) {
    double a = cdf_normal(p[0], (double[]){0, 1}), b = cdf_normal(p[1], (double[]){0, 1});
    return fmin(1, fmax(0, (cdf_normal(x, (double[]){0, 1}) - a) / (b - a)));
}
static double cdf_gumbel(double x, const double *p) { (void)p; return exp(-exp(-x)); }
static double cdf_laplace(double x, const double *p) {
    double z = (x - p[0]) / p[1];
    return z < 0 ? 0.5 * exp(z) : 1 - 0.5 * exp(-z);
}

/* ---------------------------------------------------------------- helpers */

static ax_array *key_of(ax_ctx *ctx, uint64_t seed) { return ax_random_key(ctx, seed); }

/* got (an array) equals want[n] exactly. */
static void expect_exact(ax_ctx *ctx, ax_array *a, const double *want, int64_t n, const char *what) {
    CHECK_MSG(a && ax_size(a) == n, "%s: %s", what, ax_error_message(ctx));
    if (!a || ax_size(a) != n) {
        ax_error_clear(ctx);
        return;
    }
    double *g = test_to_f64(ctx, a);
    CHECK_OK(ctx);
    int bad = 0;
    for (int64_t i = 0; g && i < n && bad < 3; i++)
        if (!(g[i] == want[i])) {
            bad++;
            CHECK_MSG(false, "%s: element %lld is %.17g, want %.17g", what, (long long)i, g[i], want[i]);
        }
    if (!bad) CHECK(true);
    free(g);
}

static void expect_exact_i64(ax_ctx *ctx, ax_array *a, const int64_t *want, int64_t n, const char *what) {
    double *w = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) w[i] = (double)want[i];
    expect_exact(ctx, a, w, n, what);
    free(w);
}

/* |got - want| <= ulps * eps * max(|want|, floor) with eps the dtype's
 * machine epsilon: ulps near the value, or of `floor` where the function's
 * value is near zero and its error is absolute (gumbel near 0 is
 * -log(-log u) with -log u near 1). */
static void expect_ulps_floor(ax_ctx *ctx, ax_array *a, const double *want, int64_t n, double ulps,
                              double floor_, const char *what) {
    CHECK_MSG(a && ax_size(a) == n, "%s: %s", what, ax_error_message(ctx));
    if (!a || ax_size(a) != n) {
        ax_error_clear(ctx);
        return;
    }
    ax_dtype t = ax_dtype_of(a);
    double eps = t == AX_FLOAT64 ? 0x1p-52 : t == AX_FLOAT32 ? 0x1p-23 : t == AX_FLOAT16 ? 0x1p-10 : 0x1p-7;
    double *g = test_to_f64(ctx, a);
    CHECK_OK(ctx);
    double worst = 0;
    int64_t wi = 0;
    for (int64_t i = 0; g && i < n; i++) {
        double e = fabs(g[i] - want[i]) / (eps * fmax(fabs(want[i]), floor_));
        if (!(e <= worst)) worst = e, wi = i;
    }
    CHECK_MSG(g && worst <= ulps, "%s: element %lld is %.17g, want %.17g (%.2f ulp > %.1f)", what,
              (long long)wi, g ? g[wi] : 0, want[wi], worst, ulps);
    free(g);
}

static void expect_ulps(ax_ctx *ctx, ax_array *a, const double *want, int64_t n, double ulps,
                        const char *what) {
    expect_ulps_floor(ctx, a, want, n, ulps, 0x1p-3, what);
}

/* Runs body twice: fast kernels, then reference kernels. */
#define BOTH_KERNELS(...)                                                                  \
    for (int ref_ = 0; ref_ < 2; ref_++) {                                                 \
        ax__cpu_force_reference(ref_ != 0);                                                \
        __VA_ARGS__;                                                                       \
    }                                                                                      \
    ax__cpu_force_reference(false)

/* ---------------------------------------------------------------- bit-exactness */

static void test_threefry_kat(void) {
    /* Random123 kat_vectors for threefry2x32_20 */
    static const uint32_t kat[3][6] = {
        {0, 0, 0, 0, 0x6b200159u, 0x99ba4efeu},
        {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x1cb996fcu, 0xbb002be7u},
        {0x13198a2eu, 0x03707344u, 0x243f6a88u, 0x85a308d3u, 0xc4923a9cu, 0x483df7a0u}};
    for (int i = 0; i < 3; i++) {
        uint32_t y0, y1;
        ax__threefry2x32(kat[i][0], kat[i][1], kat[i][2], kat[i][3], &y0, &y1);
        CHECK_MSG(y0 == kat[i][4] && y1 == kat[i][5], "kat %d: %08x %08x", i, y0, y1);
    }
}

static void test_keys_split_bits(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    for (int i = 0; i < RR_KEY_SEEDS_N; i++) {
        const uint32_t *k = ax_data(ctx, key_of(ctx, rr_key_seeds[i]));
        CHECK(k && k[0] == rr_keys[2 * i] && k[1] == rr_keys[2 * i + 1]);
    }
    ax_array *K = key_of(ctx, 42);
    BOTH_KERNELS({
        ax_array *s = ax_random_split(ctx, K, 5);
        CHECK(s && ax_ndim(s) == 2 && ax_shape(s)[0] == 5 && ax_shape(s)[1] == 2 &&
              ax_dtype_of(s) == AX_UINT32);
        const uint32_t *sd = ax_data(ctx, s);
        CHECK(sd && memcmp(sd, rr_split5, sizeof rr_split5) == 0);
        const uint32_t *k3 = ax_data(ctx, ax_random_key_at(ctx, s, 3));
        CHECK(k3 && k3[0] == rr_split5[6] && k3[1] == rr_split5[7]);
        const uint32_t *k4 = ax_data(ctx, ax_random_key_at(ctx, s, -1));
        CHECK(k4 && k4[0] == rr_split5[8] && k4[1] == rr_split5[9]);

        const uint32_t *b = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){3, 5}, 2, AX_UINT32, K));
        CHECK(b && memcmp(b, rr_bits32, sizeof rr_bits32) == 0);
        const uint8_t *b8 = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){11}, 1, AX_UINT8, K));
        const uint16_t *b16 = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){11}, 1, AX_UINT16, K));
        for (int i = 0; b8 && b16 && i < 11; i++) {
            CHECK_MSG(b8[i] == rr_bits8[i], "bits8[%d]", i);
            CHECK_MSG(b16[i] == rr_bits16[i], "bits16[%d]", i);
        }
        const uint64_t *b64 = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){7}, 1, AX_UINT64, K));
        CHECK(b64 && memcmp(b64, rr_bits64, sizeof rr_bits64) == 0);
        /* a key that is a strided view (a column of a split) */
        ax_array *T = ax_transpose(ctx, ax_random_split(ctx, K, 2), NULL, 0);
        ax_array *kcol = ax_reshape(ctx, ax_slice_axis(ctx, T, 1, 1, 2, 1), (int64_t[]){2}, 1);
        ax_array *k1 = ax_random_key_at(ctx, ax_random_split(ctx, K, 2), 1);
        const uint32_t *x1 = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){5}, 1, AX_UINT32, kcol));
        const uint32_t *x2 = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){5}, 1, AX_UINT32, k1));
        CHECK(x1 && x2 && memcmp(x1, x2, 20) == 0);
    });
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* The bits of element i depend only on (key, i): a longer draw starts with a
 * shorter one, any shape, any thread count; blocks crossing 2^32 counters are
 * the scalar hash. */
static void test_bits_independence(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 1234);
    int64_t n = 300001;
    int nt = ax_get_num_threads();
    ax_set_num_threads(1);
    uint32_t *one = malloc(4 * (size_t)n);
    ax_copy_to(ctx, ax_random_bits(ctx, &n, 1, AX_UINT32, K), one, 4 * (size_t)n);
    ax_set_num_threads(nt > 1 ? nt : 2);
    const uint32_t *two = ax_data(ctx, ax_random_bits(ctx, (int64_t[]){3, 100000}, 2, AX_UINT32, K));
    CHECK(two && memcmp(one, two, 4 * 300000) == 0);
    const float *u1 = ax_data(ctx, ax_random_uniform(ctx, 0, 1, &n, 1, AX_FLOAT32, K));
    ax_set_num_threads(1);
    const float *u2 = ax_data(ctx, ax_random_uniform(ctx, 0, 1, (int64_t[]){77}, 1, AX_FLOAT32, K));
    ax_set_num_threads(nt);
    CHECK(u1 && u2 && memcmp(u1, u2, 77 * 4) == 0);
    uint32_t key[2] = {0, 1234};
    int bad = 0;
    for (int64_t i = 0; one && i < n; i += 997) {
        uint32_t y0, y1;
        ax__threefry_at(key, (uint64_t)i, &y0, &y1);
        bad += one[i] != (y0 ^ y1);
    }
    CHECK(bad == 0);
    free(one);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_distributions_vs_jax(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K7 = key_of(ctx, 7), *K9 = key_of(ctx, 9), *K11 = key_of(ctx, 11);
    BOTH_KERNELS({
        expect_exact(ctx, ax_random_uniform(ctx, -2, 3, (int64_t[]){RR_UNIFORM_F32_N}, 1, AX_FLOAT32, K7),
                     rr_uniform_f32, RR_UNIFORM_F32_N, "uniform f32");
        expect_exact(ctx, ax_random_uniform(ctx, -2, 3, (int64_t[]){RR_UNIFORM_F64_N}, 1, AX_FLOAT64, K7),
                     rr_uniform_f64, RR_UNIFORM_F64_N, "uniform f64");
        expect_exact(ctx, ax_random_uniform(ctx, -2, 3, (int64_t[]){RR_UNIFORM_F16_N}, 1, AX_FLOAT16, K7),
                     rr_uniform_f16, RR_UNIFORM_F16_N, "uniform f16");
        expect_exact(ctx, ax_random_uniform(ctx, -2, 3, (int64_t[]){RR_UNIFORM_BF16_N}, 1, AX_BFLOAT16, K7),
                     rr_uniform_bf16, RR_UNIFORM_BF16_N, "uniform bf16");
        expect_ulps(ctx, ax_random_normal(ctx, (int64_t[]){RR_NORMAL_F32_N}, 1, AX_FLOAT32, 0, 1, K7),
                    rr_normal_f32, RR_NORMAL_F32_N, 4, "normal f32");
        expect_ulps(ctx, ax_random_normal(ctx, (int64_t[]){RR_NORMAL_F64_N}, 1, AX_FLOAT64, 0, 1, K7),
                    rr_normal_f64, RR_NORMAL_F64_N, 64, "normal f64");
        expect_ulps(ctx, ax_random_normal(ctx, (int64_t[]){RR_NORMAL_F16_N}, 1, AX_FLOAT16, 0, 1, K7),
                    rr_normal_f16, RR_NORMAL_F16_N, 1, "normal f16");
        expect_ulps(ctx, ax_random_normal(ctx, (int64_t[]){RR_NORMAL_BF16_N}, 1, AX_BFLOAT16, 0, 1, K7),
                    rr_normal_bf16, RR_NORMAL_BF16_N, 1, "normal bf16");
        expect_ulps(ctx, ax_random_truncated_normal(ctx, -1.5, 2, (int64_t[]){RR_TRUNCNORM_F32_N}, 1, AX_FLOAT32, K7),
                    rr_truncnorm_f32, RR_TRUNCNORM_F32_N, 8, "truncated_normal f32");
        expect_ulps(ctx, ax_random_truncated_normal(ctx, -1.5, 2, (int64_t[]){RR_TRUNCNORM_F64_N}, 1, AX_FLOAT64, K7),
                    rr_truncnorm_f64, RR_TRUNCNORM_F64_N, 64, "truncated_normal f64");
        expect_ulps_floor(ctx, ax_random_gumbel(ctx, (int64_t[]){RR_GUMBEL_F32_N}, 1, AX_FLOAT32, K7),
                          rr_gumbel_f32, RR_GUMBEL_F32_N, 4, 1.0, "gumbel f32");
        expect_ulps(ctx, ax_random_gumbel(ctx, (int64_t[]){RR_GUMBEL_F64_N}, 1, AX_FLOAT64, K7),
                    rr_gumbel_f64, RR_GUMBEL_F64_N, 4, "gumbel f64");
        expect_ulps(ctx, ax_random_laplace(ctx, (int64_t[]){RR_LAPLACE_F32_N}, 1, AX_FLOAT32, 0, 1, K7),
                    rr_laplace_f32, RR_LAPLACE_F32_N, 4, "laplace f32");
        expect_ulps(ctx, ax_random_laplace(ctx, (int64_t[]){RR_LAPLACE_F64_N}, 1, AX_FLOAT64, 0, 1, K7),
                    rr_laplace_f64, RR_LAPLACE_F64_N, 4, "laplace f64");

        expect_exact_i64(ctx, ax_random_randint(ctx, -5, 17, (int64_t[]){70}, 1, AX_INT32, K9),
                         rr_randint_i32, 70, "randint int32");
        expect_exact_i64(ctx, ax_random_randint(ctx, 0, 256, (int64_t[]){70}, 1, AX_UINT8, K9),
                         rr_randint_u8, 70, "randint uint8 [0, 256)");
        expect_exact_i64(ctx, ax_random_randint(ctx, -100, 27, (int64_t[]){70}, 1, AX_INT8, K9),
                         rr_randint_i8, 70, "randint int8");
        expect_exact_i64(ctx, ax_random_randint(ctx, INT32_MIN, INT32_MAX, (int64_t[]){70}, 1, AX_INT32, K9),
                         rr_randint_i32_wide, 70, "randint int32 wide");
        ax_array *r64 = ax_random_randint(ctx, -1000000000000000ll, 300000000000000000ll, (int64_t[]){70}, 1,
                                          AX_INT64, K9);
        const int64_t *r64d = ax_data(ctx, r64);
        CHECK(r64d && memcmp(r64d, rr_randint_i64, sizeof rr_randint_i64) == 0);

        expect_exact_i64(ctx, ax_random_bernoulli(ctx, 0.3, (int64_t[]){70}, 1, K9), rr_bernoulli, 70,
                         "bernoulli 0.3");
        ax_array *P = test_from_f64(ctx, rr_bernoulli_p, AX_FLOAT32, (int64_t[]){3, 4}, 2);
        expect_exact_i64(ctx, ax_random_bernoulli_p(ctx, P, (int64_t[]){5, 3, 4}, 3, K9), rr_bernoulli_parr,
                         60, "bernoulli p array");

        ax_array *L = test_from_f64(ctx, rr_cat_logits, AX_FLOAT32, (int64_t[]){3, 5}, 2);
        expect_exact_i64(ctx, ax_random_categorical(ctx, L, -1, 0, K11), rr_cat, 3, "categorical");
        expect_exact_i64(ctx, ax_random_categorical(ctx, L, 0, 0, K11), rr_cat_axis0, 5, "categorical axis 0");
        ax_array *c6 = ax_random_categorical(ctx, L, 1, 6, K11);
        CHECK(c6 && ax_ndim(c6) == 2 && ax_shape(c6)[0] == 3 && ax_shape(c6)[1] == 6);
        expect_exact_i64(ctx, c6, rr_cat_s6, 18, "categorical 6 samples");
        expect_exact_i64(ctx, ax_random_permutation(ctx, 10, K11), rr_perm10, 10, "permutation 10");
        expect_exact_i64(ctx, ax_random_permutation(ctx, 2000, K11), rr_perm2000, 2000, "permutation 2000");
        double a[12];
        for (int i = 0; i < 12; i++) a[i] = i;
        ax_array *A = test_from_f64(ctx, a, AX_FLOAT32, (int64_t[]){3, 4}, 2);
        expect_exact(ctx, ax_random_permutation_array(ctx, A, 1, K11), rr_perm_arr_ax1, 12,
                     "permutation of an array, axis 1");
    });
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- default key */

typedef struct draw_ud {
    uint32_t keys[400][2];
} draw_ud;

static void *draw_thread(void *p) {
    draw_ud *u = p;
    ax_ctx *c = ax_ctx_new();
    for (int i = 0; i < 400; i++) {
        ax_scope_begin(c);
        const uint32_t *k = ax_data(c, ax_random_next_key(c));
        u->keys[i][0] = k ? k[0] : 0, u->keys[i][1] = k ? k[1] : 0;
        ax_scope_end(c);
    }
    ax_ctx_free(c);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_default_key(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_random_seed(5);
    ax_array *a = ax_random_uniform(ctx, 0, 1, (int64_t[]){8}, 1, AX_FLOAT32, NULL);
    ax_array *b = ax_random_uniform(ctx, 0, 1, (int64_t[]){8}, 1, AX_FLOAT32, NULL);
    ax_random_seed(5);
    ax_array *a2 = ax_random_uniform(ctx, 0, 1, (int64_t[]){8}, 1, AX_FLOAT32, NULL);
    /* MLX's sequence: split(key) -> (new default, key used) */
    ax_array *s = ax_random_split(ctx, key_of(ctx, 5), 2);
    ax_array *want = ax_random_uniform(ctx, 0, 1, (int64_t[]){8}, 1, AX_FLOAT32, ax_random_key_at(ctx, s, 1));
    const float *pa = ax_data(ctx, a), *pb = ax_data(ctx, b), *pa2 = ax_data(ctx, a2), *pw = ax_data(ctx, want);
    CHECK(pa && pa2 && pw && memcmp(pa, pa2, 32) == 0 && memcmp(pa, pw, 32) == 0);
    CHECK(pb && pa && memcmp(pa, pb, 32) != 0);
    ax_array *s2 = ax_random_split(ctx, ax_random_key_at(ctx, s, 0), 2);
    ax_array *wb = ax_random_uniform(ctx, 0, 1, (int64_t[]){8}, 1, AX_FLOAT32, ax_random_key_at(ctx, s2, 1));
    const float *pwb = ax_data(ctx, wb);
    CHECK(pwb && pb && memcmp(pb, pwb, 32) == 0);

    /* 4 threads x 400 draws: 1600 distinct keys, the same set as 1600 sequential draws */
    ax_random_seed(99);
    enum { T = 4 };
    draw_ud *ud = calloc(T, sizeof *ud);
    pthread_t th[T];
    for (int i = 0; i < T; i++) pthread_create(&th[i], NULL, draw_thread, &ud[i]);
    for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
    uint64_t *got = malloc(sizeof(uint64_t) * T * 400), *seq = malloc(sizeof(uint64_t) * T * 400);
    for (int i = 0; i < T * 400; i++) got[i] = ((uint64_t)ud[i / 400].keys[i % 400][0] << 32) | ud[i / 400].keys[i % 400][1];
    uint32_t k[2] = {0, 99};
    for (int i = 0; i < T * 400; i++) {
        uint32_t nk[2], sub[2];
        ax__threefry_at(k, 0, &nk[0], &nk[1]);
        ax__threefry_at(k, 1, &sub[0], &sub[1]);
        k[0] = nk[0], k[1] = nk[1];
        seq[i] = ((uint64_t)sub[0] << 32) | sub[1];
    }
    qsort(got, T * 400, 8, cmp_u64);
    qsort(seq, T * 400, 8, cmp_u64);
    CHECK(memcmp(got, seq, 8 * T * 400) == 0);
    int dup = 0;
    for (int i = 1; i < T * 400; i++) dup += got[i] == got[i - 1];
    CHECK(dup == 0);
    free(got), free(seq), free(ud);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- statistics */

static double *draw(ax_ctx *ctx, ax_array *a) {
    CHECK_MSG(a != NULL, "%s", ax_error_message(ctx));
    return a ? test_to_f64(ctx, a) : NULL;
}

static void ks_case(ax_ctx *ctx, ax_array *a, double (*cdf)(double, const double *), const double *prm,
                    const char *what) {
    int64_t n = a ? ax_size(a) : 0;
    double *x = draw(ctx, a);
    if (!x) return;
    double p = ks_p(x, n, cdf, prm);
    CHECK_MSG(p > P_MIN, "%s: Kolmogorov-Smirnov p = %.3g", what, p);
    free(x);
}

static void test_ks(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    const int64_t n = 100000;
    const int64_t sh[1] = {n};
    ax_array *K = key_of(ctx, 2024);
    for (int f64 = 0; f64 < 2; f64++) {
        ax_dtype t = f64 ? AX_FLOAT64 : AX_FLOAT32;
        BOTH_KERNELS({
            ks_case(ctx, ax_random_uniform(ctx, -1, 4, sh, 1, t, K), cdf_uniform, (double[]){-1, 4}, "uniform");
            ks_case(ctx, ax_random_normal(ctx, sh, 1, t, 0.5, 2, K), cdf_normal, (double[]){0.5, 2}, "normal");
            ks_case(ctx, ax_random_truncated_normal(ctx, -0.5, 1.5, sh, 1, t, K), cdf_truncnorm,
                    (double[]){-0.5, 1.5}, "truncated_normal");
            ks_case(ctx, ax_random_truncated_normal(ctx, 1, INFINITY, sh, 1, t, K), cdf_truncnorm,
                    (double[]){1, INFINITY}, "truncated_normal (1, inf)");
            ks_case(ctx, ax_random_gumbel(ctx, sh, 1, t, K), cdf_gumbel, NULL, "gumbel");
            ks_case(ctx, ax_random_laplace(ctx, sh, 1, t, -1, 0.5, K), cdf_laplace, (double[]){-1, 0.5},
                    "laplace");
        });
    }
    /* power: the same test rejects a slightly wrong distribution */
    double *x = draw(ctx, ax_random_normal(ctx, sh, 1, AX_FLOAT32, 0, 1, K));
    CHECK(x && ks_p(x, n, cdf_normal, (double[]){0.05, 1}) < P_MIN);
    free(x);
    x = draw(ctx, ax_random_uniform(ctx, 0, 1, sh, 1, AX_FLOAT32, K));
    CHECK(x && ks_p(x, n, cdf_uniform, (double[]){0, 1.02}) < P_MIN);
    free(x);
    /* the tails reach where they should (truncated bounds respected) */
    double *tn = draw(ctx, ax_random_truncated_normal(ctx, -0.5, 1.5, sh, 1, AX_FLOAT32, K));
    double lo = 1, hi = 0;
    for (int64_t i = 0; tn && i < n; i++) lo = fmin(lo, tn[i]), hi = fmax(hi, tn[i]);
    CHECK(tn && lo > -0.5 && hi < 1.5 && lo < -0.49 && hi > 1.49);
    free(tn);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_chi2(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 77);
    const int64_t n = 200000;
    BOTH_KERNELS({
        /* randint: 13 values, int32 and int64; int8 */
        ax_dtype ts[3] = {AX_INT32, AX_INT64, AX_INT16};
        for (int k = 0; k < 3; k++) {
            double *x = draw(ctx, ax_random_randint(ctx, -3, 10, &n, 1, ts[k], K));
            double obs[13] = {0}, ex[13];
            int out = 0;
            for (int64_t i = 0; x && i < n; i++) {
                if (x[i] < -3 || x[i] >= 10 || x[i] != floor(x[i])) out++;
                else obs[(int)x[i] + 3]++;
            }
            for (int i = 0; i < 13; i++) ex[i] = (double)n / 13;
            double p = chi2_p(obs, ex, 13, 12);
            CHECK_MSG(x && out == 0 && p > P_MIN, "randint %s: p = %.3g, %d out of range",
                      ax_dtype_name(ts[k]), p, out);
            free(x);
        }
        /* bernoulli */
        double *x = draw(ctx, ax_random_bernoulli(ctx, 0.37, &n, 1, K));
        double obs[2] = {0}, ex[2] = {n * 0.63, n * 0.37};
        for (int64_t i = 0; x && i < n; i++) obs[x[i] != 0]++;
        double p = chi2_p(obs, ex, 2, 1);
        CHECK_MSG(p > P_MIN, "bernoulli: p = %.3g", p);
        free(x);
        /* categorical: 6 classes, 40000 samples of one distribution */
        double pr[6] = {0.05, 0.1, 0.15, 0.2, 0.25, 0.25}, lg[6];
        for (int i = 0; i < 6; i++) lg[i] = log(pr[i]) + 3; /* unnormalized is fine */
        ax_array *L = test_from_f64(ctx, lg, AX_FLOAT32, (int64_t[]){6}, 1);
        double *c = draw(ctx, ax_random_categorical(ctx, L, 0, 40000, K));
        double co[6] = {0}, ce[6];
        for (int64_t i = 0; c && i < 40000; i++) co[(int)c[i]]++;
        for (int i = 0; i < 6; i++) ce[i] = 40000 * pr[i];
        p = chi2_p(co, ce, 6, 5);
        CHECK_MSG(p > P_MIN, "categorical: p = %.3g", p);
        /* and it rejects the wrong probabilities */
        double cw[6] = {40000 * 0.06, 40000 * 0.1, 40000 * 0.14, 40000 * 0.2, 40000 * 0.25, 40000 * 0.25};
        CHECK(chi2_p(co, cw, 6, 5) < P_MIN);
        free(c);
    });
    /* permutation positions: value v at position j over 3000 permutations of 6 */
    double pos[36] = {0}, pe[36];
    ax_array *keys = ax_random_split(ctx, K, 3000);
    for (int r = 0; r < 3000; r++) {
        ax_scope_begin(ctx);
        const int64_t *pm = ax_data(ctx, ax_random_permutation(ctx, 6, ax_random_key_at(ctx, keys, r)));
        for (int j = 0; pm && j < 6; j++) pos[pm[j] * 6 + j]++;
        ax_scope_end(ctx);
    }
    for (int i = 0; i < 36; i++) pe[i] = 3000.0 / 6;
    double p = chi2_p(pos, pe, 36, 25);
    CHECK_MSG(p > P_MIN, "permutation positions: p = %.3g", p);
    /* a permutation of 100000 is a permutation */
    int64_t big = 100000;
    const int64_t *pm = ax_data(ctx, ax_random_permutation(ctx, big, K));
    char *seen = calloc((size_t)big, 1);
    int ok = pm != NULL;
    for (int64_t i = 0; pm && i < big; i++) {
        if (pm[i] < 0 || pm[i] >= big || seen[pm[i]]) ok = 0;
        else seen[pm[i]] = 1;
    }
    CHECK(ok);
    free(seen);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* Keys from a split give independent streams: no correlation between the
 * streams of sibling keys or of parent and child, and pairs fill the unit
 * square evenly (chi-square over 10 x 10 cells). */
static void test_split_independence(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 3);
    ax_array *S = ax_random_split(ctx, K, 4);
    const int64_t n = 100000;
    ax_array *streams[5] = {ax_random_uniform(ctx, 0, 1, &n, 1, AX_FLOAT64, K)};
    for (int i = 0; i < 4; i++)
        streams[i + 1] = ax_random_uniform(ctx, 0, 1, &n, 1, AX_FLOAT64, ax_random_key_at(ctx, S, i));
    double *x[5];
    for (int i = 0; i < 5; i++) x[i] = draw(ctx, streams[i]);
    for (int a = 0; a < 5; a++)
        for (int b = a + 1; b < 5; b++) {
            if (!x[a] || !x[b]) continue;
            double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
            double cells[100] = {0}, ex[100];
            for (int64_t i = 0; i < n; i++) {
                double u = x[a][i], v = x[b][i];
                sa += u, sb += v, sab += u * v, saa += u * u, sbb += v * v;
                cells[(int)(u * 10) * 10 + (int)(v * 10)]++;
            }
            double cov = sab / n - (sa / n) * (sb / n);
            double r = cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
            /* r * sqrt(n) ~ N(0, 1): |z| > 5 has p < 1e-6 */
            CHECK_MSG(fabs(r) * sqrt((double)n) < 5, "streams %d, %d: correlation %.4g", a, b, r);
            for (int i = 0; i < 100; i++) ex[i] = n / 100.0;
            double p = chi2_p(cells, ex, 100, 99);
            CHECK_MSG(p > P_MIN, "streams %d, %d: pair chi-square p = %.3g", a, b, p);
        }
    /* lag-1 pairs within one stream */
    if (x[0]) {
        double cells[100] = {0}, ex[100];
        for (int64_t i = 0; i + 1 < n; i++) cells[(int)(x[0][i] * 10) * 10 + (int)(x[0][i + 1] * 10)]++;
        for (int i = 0; i < 100; i++) ex[i] = (n - 1) / 100.0;
        CHECK(chi2_p(cells, ex, 100, 99) > P_MIN);
    }
    for (int i = 0; i < 5; i++) free(x[i]);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- misc semantics */

static void test_shapes_dtypes(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 1);
    ax_array *s = ax_random_normal(ctx, NULL, 0, AX_FLOAT32, 0, 1, K); /* scalar */
    CHECK(s && ax_ndim(s) == 0 && ax_size(s) == 1);
    ax_array *e = ax_random_uniform(ctx, 0, 1, (int64_t[]){3, 0}, 2, AX_FLOAT32, K);
    CHECK(e && ax_size(e) == 0 && ax_eval1(ctx, e) == AX_OK);
    ax_array *sp = ax_random_split(ctx, K, 0);
    CHECK(sp && ax_shape(sp)[0] == 0 && ax_eval1(ctx, sp) == AX_OK);
    CHECK(ax_random_permutation(ctx, 0, K) && ax_random_permutation(ctx, 1, K));
    /* uniform stays in [low, high) for every float dtype, also on narrow ranges */
    ax_dtype fts[4] = {AX_FLOAT16, AX_BFLOAT16, AX_FLOAT32, AX_FLOAT64};
    for (int k = 0; k < 4; k++) {
        double *x = draw(ctx, ax_random_uniform(ctx, 10, 10.5, (int64_t[]){5000}, 1, fts[k], K));
        int bad = 0;
        for (int i = 0; x && i < 5000; i++) bad += !(x[i] >= 10 && x[i] < 10.5);
        CHECK_MSG(x && bad == 0, "uniform %s: %d outside [10, 10.5)", ax_dtype_name(fts[k]), bad);
        free(x);
        double *g = draw(ctx, ax_random_normal(ctx, (int64_t[]){5000}, 1, fts[k], 0, 1, K));
        int nf = 0;
        for (int i = 0; g && i < 5000; i++) nf += !isfinite(g[i]);
        CHECK(g && nf == 0);
        free(g);
    }
    /* bounds that round to one float16 value give that value */
    double *one = draw(ctx, ax_random_uniform(ctx, 1, 1.0001, (int64_t[]){100}, 1, AX_FLOAT16, K));
    int not1 = 0;
    for (int i = 0; one && i < 100; i++) not1 += one[i] != 1;
    CHECK(one && not1 == 0);
    free(one);
    /* randint over full ranges of narrow types and uint64 */
    double *b = draw(ctx, ax_random_randint(ctx, -128, 128, (int64_t[]){4000}, 1, AX_INT8, K));
    int lo = 0, hi = 0;
    for (int i = 0; b && i < 4000; i++) lo += b[i] == -128, hi += b[i] == 127;
    CHECK(b && lo > 0 && hi > 0);
    free(b);
    const uint64_t *u = ax_data(ctx, ax_random_randint(ctx, 5, INT64_MAX, (int64_t[]){1000}, 1, AX_UINT64, K));
    int big = 0, ok = u != NULL;
    for (int i = 0; u && i < 1000; i++) ok &= u[i] >= 5 && u[i] < (uint64_t)INT64_MAX, big += u[i] > (1ull << 62);
    CHECK(ok && big > 400);
    /* bernoulli extremes */
    double *b0 = draw(ctx, ax_random_bernoulli(ctx, 0, (int64_t[]){1000}, 1, K));
    double *b1 = draw(ctx, ax_random_bernoulli(ctx, 1, (int64_t[]){1000}, 1, K));
    double s0 = 0, s1 = 0;
    for (int i = 0; b0 && b1 && i < 1000; i++) s0 += b0[i], s1 += b1[i];
    CHECK(b0 && b1 && s0 == 0 && s1 == 1000);
    free(b0), free(b1);
    /* categorical with a -inf logit never picks it */
    double lg[3] = {0, -INFINITY, 0};
    double *c = draw(ctx, ax_random_categorical(ctx, test_from_f64(ctx, lg, AX_FLOAT32, (int64_t[]){3}, 1), 0, 2000, K));
    int picked = 0;
    for (int i = 0; c && i < 2000; i++) picked += c[i] == 1;
    CHECK(c && picked == 0);
    free(c);
    /* integer logits are taken as float32 */
    CHECK(ax_random_categorical(ctx, ax_arange(ctx, 0, 4, 1, AX_INT32), 0, 3, K));
    /* permutation of an array along axis 0 moves whole rows */
    double a[12];
    for (int i = 0; i < 12; i++) a[i] = i;
    double *pa = draw(ctx, ax_random_permutation_array(ctx, test_from_f64(ctx, a, AX_INT32, (int64_t[]){4, 3}, 2), 0, K));
    int rows = 1;
    for (int r = 0; pa && r < 4; r++) rows &= pa[r * 3 + 1] == pa[r * 3] + 1 && pa[r * 3 + 2] == pa[r * 3] + 2;
    CHECK(pa && rows);
    free(pa);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_errors(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 1);
    const int64_t sh[1] = {4};
    ax_array *ik = ax_astype(ctx, K, AX_INT32);
    CHECK(!ax_random_uniform(ctx, 0, 1, sh, 1, AX_FLOAT32, ik));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(!ax_random_normal(ctx, sh, 1, AX_FLOAT32, 0, 1, ax_random_split(ctx, K, 3)));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_bits(ctx, sh, 1, AX_UINT32, ax_zeros(ctx, (int64_t[]){3}, 1, AX_UINT32)));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_uniform(ctx, 1, 1, sh, 1, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_uniform(ctx, 0, INFINITY, sh, 1, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_uniform(ctx, 0, 1, sh, 1, AX_INT32, K));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(!ax_random_uniform(ctx, 0, 1, (int64_t[]){2, -1}, 2, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_uniform(ctx, 0, 1, NULL, 2, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(!ax_random_normal(ctx, sh, 1, AX_FLOAT32, 0, -1, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_truncated_normal(ctx, 2, 1, sh, 1, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_randint(ctx, 5, 5, sh, 1, AX_INT32, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_randint(ctx, 0, 257, sh, 1, AX_UINT8, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_randint(ctx, -1, 10, sh, 1, AX_UINT16, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_randint(ctx, 0, 10, sh, 1, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(!ax_random_bits(ctx, sh, 1, AX_INT32, K));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(!ax_random_bernoulli(ctx, 1.5, sh, 1, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_bernoulli(ctx, NAN, sh, 1, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* p array: a value outside [0, 1] is found at eval, by both kernels */
    BOTH_KERNELS({
        double pv[3] = {0.5, 1.5, 0.2};
        ax_array *b = ax_random_bernoulli_p(ctx, test_from_f64(ctx, pv, AX_FLOAT32, (int64_t[]){3}, 1), NULL, 0, K);
        CHECK(b != NULL);
        CHECK(ax_eval1(ctx, b) != AX_OK);
        CHECK_MSG(strstr(ax_error_message(ctx), "bernoulli") != NULL, "%s", ax_error_message(ctx));
        CHECK_ERR(ctx, AX_ERR_VALUE);
    });
    double pv2[2] = {0.5, 0.5};
    CHECK(!ax_random_bernoulli_p(ctx, test_from_f64(ctx, pv2, AX_FLOAT32, (int64_t[]){2}, 1), (int64_t[]){3}, 1, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_split(ctx, K, -1));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_key_at(ctx, ax_random_split(ctx, K, 2), 2));
    CHECK_ERR(ctx, AX_ERR_INDEX);
    CHECK(!ax_random_permutation(ctx, -1, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_random_permutation_array(ctx, ax_scalar(ctx, 1, AX_FLOAT32), 0, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_permutation_array(ctx, ax_zeros(ctx, (int64_t[]){3}, 1, AX_FLOAT32), 1, K));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    ax_array *L = ax_zeros(ctx, (int64_t[]){2, 0}, 2, AX_FLOAT32);
    CHECK(!ax_random_categorical(ctx, L, 1, 0, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_categorical(ctx, ax_zeros(ctx, (int64_t[]){2, 3}, 2, AX_FLOAT32), 2, 0, K));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_random_categorical(ctx, ax_zeros(ctx, (int64_t[]){3}, 1, AX_FLOAT32), 0, -2, K));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* NULL inputs propagate without a new error */
    CHECK(!ax_random_categorical(ctx, NULL, 0, 0, K));
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_scope_end(ctx);
}

/* multivariate_normal: JAX's values (mean + L z, L from LAPACK here and from
 * XLA there, so a tolerance of a few float ulps of the largest value), the
 * sample covariance within 5 standard errors (normal theory: var(S_ij) =
 * (C_ii C_jj + C_ij^2) / N), Mahalanobis distances chi-square(3) by KS, and
 * errors. */
static double cdf_chi2_3(double x, const double *p) { (void)p; return 1 - chi2_sf(x, 3); }

static void test_multivariate_normal(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *K = key_of(ctx, 13);
    ax_array *M = test_from_f64(ctx, rr_mvn_mean, AX_FLOAT32, (int64_t[]){3}, 1);
    ax_array *C = test_from_f64(ctx, rr_mvn_cov, AX_FLOAT32, (int64_t[]){3, 3}, 2);
    BOTH_KERNELS({
        ax_array *x = ax_random_multivariate_normal(ctx, M, C, (int64_t[]){4, 5}, 2, AX_FLOAT32, K);
        CHECK_MSG(x && ax_ndim(x) == 3 && ax_shape(x)[2] == 3, "%s", ax_error_message(ctx));
        expect_ulps_floor(ctx, x, rr_mvn_f32, RR_MVN_F32_N, 4, 4.0, "multivariate_normal f32");
        ax_array *x64 = ax_random_multivariate_normal(ctx, M, C, (int64_t[]){4, 5}, 2, AX_FLOAT64, K);
        expect_ulps_floor(ctx, x64, rr_mvn_f64, RR_MVN_F64_N, 64, 4.0, "multivariate_normal f64");
    });
    const int64_t N = 40000;
    double *x = draw(ctx, ax_random_multivariate_normal(ctx, M, C, &N, 1, AX_FLOAT64, key_of(ctx, 14)));
    if (x) {
        double mu[3] = {0}, S[9] = {0};
        for (int64_t i = 0; i < N; i++)
            for (int a = 0; a < 3; a++) mu[a] += x[i * 3 + a] / N;
        for (int64_t i = 0; i < N; i++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) S[a * 3 + b] += (x[i * 3 + a] - mu[a]) * (x[i * 3 + b] - mu[b]) / N;
        for (int a = 0; a < 3; a++) {
            double se = sqrt(rr_mvn_cov[a * 4] / N);
            CHECK_MSG(fabs(mu[a] - rr_mvn_mean[a]) < 5 * se, "mean[%d] = %g", a, mu[a]);
            for (int b = 0; b < 3; b++) {
                double c = rr_mvn_cov[a * 3 + b];
                double sc = sqrt((rr_mvn_cov[a * 4] * rr_mvn_cov[b * 4] + c * c) / N);
                CHECK_MSG(fabs(S[a * 3 + b] - c) < 5 * sc, "cov[%d][%d] = %g, want %g", a, b, S[a * 3 + b], c);
            }
        }
        /* Mahalanobis d^2 = |L^-1 (x - mean)|^2 ~ chi2(3) */
        double L[9] = {0};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j <= i; j++) {
                double v = rr_mvn_cov[i * 3 + j];
                for (int k = 0; k < j; k++) v -= L[i * 3 + k] * L[j * 3 + k];
                L[i * 3 + j] = i == j ? sqrt(v) : v / L[j * 3 + j];
            }
        double *d2 = malloc(sizeof(double) * (size_t)N);
        for (int64_t i = 0; i < N; i++) {
            double y[3];
            for (int a = 0; a < 3; a++) {
                double v = x[i * 3 + a] - rr_mvn_mean[a];
                for (int k = 0; k < a; k++) v -= L[a * 3 + k] * y[k];
                y[a] = v / L[a * 4];
            }
            d2[i] = y[0] * y[0] + y[1] * y[1] + y[2] * y[2];
        }
        double p = ks_p(d2, N, cdf_chi2_3, NULL);
        CHECK_MSG(p > P_MIN, "multivariate_normal Mahalanobis KS p = %.3g", p);
        free(d2);
        free(x);
    }
    /* batch shapes broadcast: mean (2, 3) with one cov gives (2, 3) */
    double m2[6] = {0, 0, 0, 10, 10, 10};
    ax_array *M2 = test_from_f64(ctx, m2, AX_FLOAT32, (int64_t[]){2, 3}, 2);
    ax_array *y = ax_random_multivariate_normal(ctx, M2, C, NULL, 0, AX_FLOAT32, K);
    CHECK(y && ax_ndim(y) == 2 && ax_shape(y)[0] == 2 && ax_shape(y)[1] == 3);
    CHECK_OK(ctx);
    /* errors */
    CHECK(!ax_random_multivariate_normal(ctx, M, ax_zeros(ctx, (int64_t[]){2, 2}, 2, AX_FLOAT32), NULL, 0,
                                         AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_random_multivariate_normal(ctx, M, C, NULL, 0, AX_INT32, K));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(!ax_random_multivariate_normal(ctx, M2, C, (int64_t[]){3}, 1, AX_FLOAT32, K));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    /* not positive definite: the Cholesky factorization reports it at eval */
    double bad[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1};
    ax_array *z = ax_random_multivariate_normal(ctx, M, test_from_f64(ctx, bad, AX_FLOAT32, (int64_t[]){3, 3}, 2),
                                                NULL, 0, AX_FLOAT32, K);
    CHECK(!z || ax_eval1(ctx, z) != AX_OK);
    CHECK(ax_error_code(ctx) != AX_OK);
    ax_error_clear(ctx);
    ax_scope_end(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_threefry_kat();
    test_keys_split_bits(ctx);
    test_bits_independence(ctx);
    test_distributions_vs_jax(ctx);
    test_default_key(ctx);
    test_ks(ctx);
    test_chi2(ctx);
    test_split_independence(ctx);
    test_shapes_dtypes(ctx);
    test_errors(ctx);
    test_multivariate_normal(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_random");
}
