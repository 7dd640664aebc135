/* FFT family: NumPy-made references (tests/numpy_ref/fft_refs.h) with the
 * fast and the reference kernels; fast kernels against a direct DFT in
 * double for many lengths (1, primes, products of primes, powers of two,
 * Bluestein lengths) under the error bound C * log2(n) * eps32 * ||X||;
 * round trips ifft(fft(x)) and irfft(rfft(x)); strided and permuted inputs;
 * thread-count independence (bitwise); dtypes; and bad input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "numpy_ref/fft_refs.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define EPS32 5.960464477539063e-08
/* The bound's constant: ||got - want||_2 <= C * log2(n + 1) * eps * ||want||_2. */
#define ERR_C 2.0

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double urand(void) { /* uniform [-1, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* A complex64 (cplx) or float32 array of random values; the float values
 * (as stored) are also written to host[] (interleaved for complex). */
static ax_array *rand_array(ax_ctx *ctx, const int64_t *shape, int nd, bool cplx, float *host) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    int64_t cnt = n * (cplx ? 2 : 1);
    for (int64_t i = 0; i < cnt; i++) host[i] = (float)urand();
    return ax_array_from_data(ctx, host, cplx ? AX_COMPLEX64 : AX_FLOAT32, shape, nd);
}

/* Relative L2 error of got (float) against want (double), count values. */
static double rel_l2(const float *got, const double *want, int64_t count) {
    double e = 0, w = 0;
    for (int64_t i = 0; i < count; i++) {
        double d = got[i] - want[i];
        e += d * d;
        w += want[i] * want[i];
    }
    return w > 0 ? sqrt(e / w) : sqrt(e);
}

/* ---------------------------------------------------------------- NumPy refs */

static ax_array *run_ref(ax_ctx *ctx, const fft_ref *r, ax_array *x) {
    int64_t n = r->n < 0 ? AX_FFT_N_DEFAULT : r->n;
    const int64_t *s = r->ns < 0 ? NULL : r->s;
    const int *axes = r->naxes < 0 ? NULL : r->axes;
    int axis = r->naxes < 0 ? -1 : r->axes[0];
    ax_fft_norm norm = (ax_fft_norm)r->norm;
    const char *f = r->func;
    if (!strcmp(f, "fft")) return ax_fft(ctx, x, n, axis, norm);
    if (!strcmp(f, "ifft")) return ax_ifft(ctx, x, n, axis, norm);
    if (!strcmp(f, "rfft")) return ax_rfft(ctx, x, n, axis, norm);
    if (!strcmp(f, "irfft")) return ax_irfft(ctx, x, n, axis, norm);
    if (!strcmp(f, "fft2")) return ax_fft2(ctx, x, s, axes, norm);
    if (!strcmp(f, "ifft2")) return ax_ifft2(ctx, x, s, axes, norm);
    if (!strcmp(f, "rfft2")) return ax_rfft2(ctx, x, s, axes, norm);
    if (!strcmp(f, "irfft2")) return ax_irfft2(ctx, x, s, axes, norm);
    if (!strcmp(f, "fftn")) return ax_fftn(ctx, x, s, r->ns, axes, r->naxes, norm);
    if (!strcmp(f, "ifftn")) return ax_ifftn(ctx, x, s, r->ns, axes, r->naxes, norm);
    if (!strcmp(f, "rfftn")) return ax_rfftn(ctx, x, s, r->ns, axes, r->naxes, norm);
    if (!strcmp(f, "irfftn")) return ax_irfftn(ctx, x, s, r->ns, axes, r->naxes, norm);
    if (!strcmp(f, "fftshift")) return ax_fftshift(ctx, x, axes, r->naxes);
    if (!strcmp(f, "ifftshift")) return ax_ifftshift(ctx, x, axes, r->naxes);
    if (!strcmp(f, "fftfreq")) return ax_fftfreq(ctx, r->n, r->d, AX_FLOAT64);
    if (!strcmp(f, "rfftfreq")) return ax_rfftfreq(ctx, r->n, r->d, AX_FLOAT64);
    return NULL;
}

static void test_numpy_refs(ax_ctx *ctx, bool reference) {
    ax__cpu_force_reference(reference);
    for (size_t c = 0; c < sizeof fft_refs / sizeof *fft_refs; c++) {
        const fft_ref *r = &fft_refs[c];
        ax_scope_begin(ctx);
        ax_array *x = NULL;
        if (r->in) {
            int64_t cnt = 1;
            for (int d = 0; d < r->ndim; d++) cnt *= r->shape[d];
            cnt *= r->cplx_in ? 2 : 1;
            float *h = malloc(sizeof(float) * (size_t)cnt);
            for (int64_t i = 0; i < cnt; i++) h[i] = (float)r->in[i];
            x = ax_array_from_data(ctx, h, r->cplx_in ? AX_COMPLEX64 : AX_FLOAT32, r->shape,
                                   r->ndim);
            free(h);
        }
        ax_array *y = run_ref(ctx, r, x);
        CHECK_MSG(y && ax_eval1(ctx, y) == AX_OK, "%s: %s", r->name, ax_error_message(ctx));
        if (!y || ax_error_code(ctx)) {
            ax_error_clear(ctx);
            ax_scope_end(ctx);
            continue;
        }
        bool shape_ok = ax_ndim(y) == r->ondim;
        int64_t cnt = 1, in_cnt = 1;
        for (int d = 0; d < r->ndim; d++) in_cnt *= r->shape[d];
        for (int d = 0; d < r->ondim && shape_ok; d++) {
            shape_ok = ax_dim(y, d) == r->oshape[d];
            cnt *= r->oshape[d];
        }
        CHECK_MSG(shape_ok, "%s: output shape", r->name);
        bool is_freq = !strncmp(r->func, "fftfreq", 7) || !strncmp(r->func, "rfftfreq", 8);
        bool is_shift = strstr(r->func, "shift") != NULL;
        ax_dtype want_t = is_freq ? AX_FLOAT64 : is_shift ? AX_FLOAT32
                                 : r->cplx_out ? AX_COMPLEX64 : AX_FLOAT32;
        CHECK_MSG(ax_dtype_of(y) == want_t, "%s: dtype %s", r->name,
                  ax_dtype_name(ax_dtype_of(y)));
        if (shape_ok && ax_dtype_of(y) == want_t) {
            int64_t vals = cnt * (r->cplx_out ? 2 : 1);
            if (is_freq) {
                const double *g = ax_data(ctx, y);
                bool same = true;
                for (int64_t i = 0; i < vals; i++) same = same && g[i] == r->out[i];
                CHECK_MSG(same, "%s: frequencies differ from NumPy's", r->name);
            } else if (is_shift) {
                const float *g = ax_data(ctx, y);
                bool same = true;
                for (int64_t i = 0; i < vals; i++) same = same && g[i] == (float)r->out[i];
                CHECK_MSG(same, "%s: shifted values differ from NumPy's", r->name);
            } else {
                int64_t nlog = cnt > in_cnt ? cnt : in_cnt;
                double err = rel_l2(ax_data(ctx, y), r->out, vals);
                double bound = ERR_C * log2((double)nlog + 1) * EPS32;
                CHECK_MSG(err <= bound, "%s (%s kernels): relative error %.3g > bound %.3g",
                          r->name, reference ? "reference" : "fast", err, bound);
            }
        }
        ax_scope_end(ctx);
    }
    ax__cpu_force_reference(false);
}

/* ---------------------------------------------------------------- direct DFT */

/* kind: 0 fft, 1 ifft (unnormalized: norm forward), 2 rfft, 3 irfft (norm forward). */
static void direct(int kind, int64_t n, const float *x, double *out) {
    int64_t out_len = kind == 2 ? n / 2 + 1 : n;
    double sign = kind == 0 || kind == 2 ? -1 : 1;
    double *cs = malloc(sizeof(double) * 2 * (size_t)n);
    for (int64_t q = 0; q < n; q++) {
        cs[2 * q] = cos(2 * M_PI * (double)q / (double)n);
        cs[2 * q + 1] = sign * sin(2 * M_PI * (double)q / (double)n);
    }
    for (int64_t k = 0; k < out_len; k++) {
        double re = 0, im = 0;
        if (kind == 3) {
            re = x[0];
            for (int64_t j = 1, t = k % n; j < (n + 1) / 2; j++) {
                re += 2 * (x[2 * j] * cs[2 * t] - x[2 * j + 1] * cs[2 * t + 1]);
                t += k;
                if (t >= n) t -= n;
            }
            if (n % 2 == 0) re += (k % 2 ? -1 : 1) * x[n];
            out[k] = re;
            continue;
        }
        for (int64_t j = 0, t = 0; j < n; j++) {
            double xr = kind == 2 ? x[j] : x[2 * j], xi = kind == 2 ? 0 : x[2 * j + 1];
            re += xr * cs[2 * t] - xi * cs[2 * t + 1];
            im += xr * cs[2 * t + 1] + xi * cs[2 * t];
            t += k;
            if (t >= n) t -= n;
        }
        out[2 * k] = re;
        out[2 * k + 1] = im;
    }
    free(cs);
}

static double worst_ratio = 0;

static void check_direct(ax_ctx *ctx, int kind, int64_t n) {
    ax_scope_begin(ctx);
    int64_t in_len = kind == 3 ? n / 2 + 1 : n, out_len = kind == 2 ? n / 2 + 1 : n;
    bool cplx = kind != 2;
    float *h = malloc(sizeof(float) * 2 * (size_t)in_len);
    ax_array *x = rand_array(ctx, &in_len, 1, cplx, h);
    ax_array *y = kind == 0   ? ax_fft(ctx, x, n, 0, AX_FFT_NORM_BACKWARD)
                  : kind == 1 ? ax_ifft(ctx, x, n, 0, AX_FFT_NORM_FORWARD)
                  : kind == 2 ? ax_rfft(ctx, x, n, 0, AX_FFT_NORM_BACKWARD)
                              : ax_irfft(ctx, x, n, 0, AX_FFT_NORM_FORWARD);
    int64_t vals = out_len * (kind == 3 ? 1 : 2);
    double *want = malloc(sizeof(double) * (size_t)vals);
    direct(kind, n, h, want);
    const float *got = y ? ax_data(ctx, y) : NULL;
    CHECK_MSG(got != NULL, "kind %d n %lld: %s", kind, (long long)n, ax_error_message(ctx));
    if (got) {
        double err = rel_l2(got, want, vals), bound = ERR_C * log2((double)n + 1) * EPS32;
        if (err / bound > worst_ratio) worst_ratio = err / bound;
        CHECK_MSG(err <= bound, "kind %d n %lld: relative error %.3g > bound %.3g", kind,
                  (long long)n, err, bound);
    }
    ax_error_clear(ctx);
    free(h);
    free(want);
    ax_scope_end(ctx);
}

static void test_direct(ax_ctx *ctx) {
    static const int64_t lens[] = {1,    2,    3,    4,    5,    6,    7,    8,    9,    10,
                                   11,   12,   13,   14,   15,   16,   17,   25,   27,   32,
                                   49,   53,   60,   64,   97,   100,  121,  128,  143,  210,
                                   243,  256,  343,  360,  625,  840,  1000, 1009, 1024, 1155,
                                   2048, 2310, 2431, 4096, 4099, 7 * 1009, 8192};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (int kind = 0; kind < 4; kind++) check_direct(ctx, kind, lens[i]);
    printf("fft: worst error / bound over %zu lengths x 4 kinds: %.3f\n",
           sizeof lens / sizeof *lens, worst_ratio);
}

/* ifft(fft(x)) == x and irfft(rfft(x), n) == x */
static void test_round_trips(ax_ctx *ctx) {
    static const int64_t lens[] = {1, 2, 7, 97, 1009, 2 * 3 * 5 * 7 * 11, 101 * 103, 65536, 65537};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        int64_t n = lens[i];
        ax_scope_begin(ctx);
        float *h = malloc(sizeof(float) * 2 * (size_t)n);
        ax_array *x = rand_array(ctx, &n, 1, true, h);
        ax_array *y = ax_ifft(ctx, ax_fft(ctx, x, AX_FFT_N_DEFAULT, 0, AX_FFT_NORM_BACKWARD),
                              AX_FFT_N_DEFAULT, 0, AX_FFT_NORM_BACKWARD);
        double *want = malloc(sizeof(double) * 2 * (size_t)n);
        for (int64_t j = 0; j < 2 * n; j++) want[j] = h[j];
        const float *g = y ? ax_data(ctx, y) : NULL;
        CHECK_MSG(g != NULL, "round trip %lld: %s", (long long)n, ax_error_message(ctx));
        double bound = 2 * ERR_C * log2((double)n + 1) * EPS32;
        if (g) {
            double err = rel_l2(g, want, 2 * n);
            CHECK_MSG(err <= bound, "ifft(fft(x)) n=%lld: error %.3g > %.3g", (long long)n, err,
                      bound);
        }
        /* real round trip with an explicit n (odd n needs it) */
        ax_array *xr = rand_array(ctx, &n, 1, false, h);
        ax_array *yr = ax_irfft(ctx, ax_rfft(ctx, xr, AX_FFT_N_DEFAULT, 0, AX_FFT_NORM_ORTHO), n,
                                0, AX_FFT_NORM_ORTHO);
        for (int64_t j = 0; j < n; j++) want[j] = h[j];
        g = yr ? ax_data(ctx, yr) : NULL;
        CHECK_MSG(g != NULL, "real round trip %lld: %s", (long long)n, ax_error_message(ctx));
        if (g) {
            double err = rel_l2(g, want, n);
            CHECK_MSG(err <= bound, "irfft(rfft(x)) n=%lld: error %.3g > %.3g", (long long)n, err,
                      bound);
        }
        ax_error_clear(ctx);
        free(h);
        free(want);
        ax_scope_end(ctx);
    }
}

/* ---------------------------------------------------------------- layouts, threads */

static bool same_data(ax_ctx *ctx, ax_array *a, ax_array *b) {
    if (!a || !b || ax_size(a) != ax_size(b) || ax_dtype_of(a) != ax_dtype_of(b)) return false;
    const void *pa = ax_data(ctx, a), *pb = ax_data(ctx, b);
    return pa && pb && !memcmp(pa, pb, ax_nbytes(a));
}

static void test_layouts_and_threads(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    /* a transposed view transforms like its contiguous copy */
    int64_t sh[2] = {24, 36};
    float *h = malloc(sizeof(float) * 2 * 24 * 36);
    ax_array *x = rand_array(ctx, sh, 2, true, h);
    ax_array *xt = ax_transpose(ctx, x, (const int[]){1, 0}, 2);
    ax_array *xc = ax_copy(ctx, xt);
    for (int axis = 0; axis < 2; axis++) {
        ax_array *a = ax_fft(ctx, xt, 30, axis, AX_FFT_NORM_ORTHO);
        ax_array *b = ax_fft(ctx, xc, 30, axis, AX_FFT_NORM_ORTHO);
        CHECK_MSG(same_data(ctx, a, b), "fft of a transposed view along axis %d", axis);
        a = ax_irfft(ctx, xt, 17, axis, AX_FFT_NORM_BACKWARD);
        b = ax_irfft(ctx, xc, 17, axis, AX_FFT_NORM_BACKWARD);
        CHECK_MSG(same_data(ctx, a, b), "irfft of a transposed view along axis %d", axis);
    }
    /* step-2 slices */
    ax_array *xs = ax_slice(ctx, x, (const int64_t[]){1, 0}, (const int64_t[]){24, 36},
                            (const int64_t[]){2, 3}, 2);
    ax_array *xsc = ax_copy(ctx, xs);
    CHECK(same_data(ctx, ax_fft2(ctx, xs, NULL, NULL, 0), ax_fft2(ctx, xsc, NULL, NULL, 0)));
    CHECK_OK(ctx);
    free(h);

    /* thread counts give identical bits: batched lines, a non-last axis, and
     * one long line whose passes split over the pool */
    int nt = ax_get_num_threads();
    int64_t shapes[3][2] = {{64, 1000}, {2000, 48}, {1, 1 << 16}};
    int axes[3] = {1, 0, 1};
    for (int c = 0; c < 3; c++) {
        float *hh = malloc(sizeof(float) * 2 * (size_t)(shapes[c][0] * shapes[c][1]));
        ax_array *in = rand_array(ctx, shapes[c], 2, true, hh);
        ax_eval1(ctx, in);
        ax_set_num_threads(1);
        ax_array *a = ax_fft(ctx, in, AX_FFT_N_DEFAULT, axes[c], AX_FFT_NORM_BACKWARD);
        ax_eval1(ctx, a);
        ax_set_num_threads(nt > 1 ? nt : 2);
        ax_array *b = ax_fft(ctx, in, AX_FFT_N_DEFAULT, axes[c], AX_FFT_NORM_BACKWARD);
        ax_eval1(ctx, b);
        CHECK_MSG(same_data(ctx, a, b), "threads change the result of case %d", c);
        free(hh);
    }
    ax_set_num_threads(nt);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- dtypes */

static void test_dtypes(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t n = 6;
    double v[6] = {1, 2, 3, 4, 5, 6};
    ax_dtype ins[] = {AX_BOOL, AX_INT8, AX_INT32, AX_UINT8, AX_INT64, AX_FLOAT16, AX_BFLOAT16,
                      AX_FLOAT32, AX_FLOAT64};
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
        ax_array *x = test_from_f64(ctx, v, ins[i], &n, 1);
        ax_array *f = ax_fft(ctx, x, AX_FFT_N_DEFAULT, 0, 0);
        ax_array *r = ax_rfft(ctx, x, AX_FFT_N_DEFAULT, 0, 0);
        ax_array *ir = ax_irfft(ctx, x, AX_FFT_N_DEFAULT, 0, 0);
        CHECK_MSG(f && ax_dtype_of(f) == AX_COMPLEX64, "fft of %s", ax_dtype_name(ins[i]));
        CHECK_MSG(r && ax_dtype_of(r) == AX_COMPLEX64 && ax_dim(r, 0) == 4, "rfft of %s",
                  ax_dtype_name(ins[i]));
        CHECK_MSG(ir && ax_dtype_of(ir) == AX_FLOAT32 && ax_dim(ir, 0) == 10, "irfft of %s",
                  ax_dtype_name(ins[i]));
        /* X[0] is the sum of the inputs as the dtype holds them */
        if (f) {
            const float *d = ax_data(ctx, f);
            double sum = 0;
            double *xv = test_to_f64(ctx, x);
            for (int j = 0; j < 6; j++) sum += xv[j];
            free(xv);
            CHECK_MSG(d && d[0] == (float)sum && d[1] == 0, "fft of %s: X[0] = %g", ax_dtype_name(ins[i]),
                      d ? d[0] : NAN);
        }
    }
    CHECK_OK(ctx);
    /* complex input to rfft is a dtype error (NumPy: TypeError) */
    ax_array *c = ax_astype(ctx, test_from_f64(ctx, v, AX_FLOAT32, &n, 1), AX_COMPLEX64);
    CHECK(ax_rfft(ctx, c, AX_FFT_N_DEFAULT, 0, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* irfft ignores the imaginary parts of frequencies 0 and n/2 */
    float hx[8] = {1, 5, 2, 1, 3, -1, 4, 7}; /* 4 frequencies, n = 6 */
    int64_t m = 4;
    ax_array *X = ax_array_from_data(ctx, hx, AX_COMPLEX64, &m, 1);
    float hz[8] = {1, 0, 2, 1, 3, -1, 4, 0};
    ax_array *Z = ax_array_from_data(ctx, hz, AX_COMPLEX64, &m, 1);
    CHECK(same_data(ctx, ax_irfft(ctx, X, 6, 0, 0), ax_irfft(ctx, Z, 6, 0, 0)));
    /* fftshift keeps the dtype; fftfreq in float32 */
    ax_array *iv = test_from_f64(ctx, v, AX_INT32, &n, 1);
    ax_array *sh = ax_fftshift(ctx, iv, NULL, 0);
    CHECK(sh && ax_dtype_of(sh) == AX_INT32);
    double *shv = sh ? test_to_f64(ctx, sh) : NULL;
    CHECK(shv && shv[0] == 4 && shv[3] == 1 && shv[5] == 3);
    free(shv);
    ax_array *fq = ax_fftfreq(ctx, 5, 1.0, AX_FLOAT32);
    CHECK(fq && ax_dtype_of(fq) == AX_FLOAT32);
    const float *fqd = fq ? ax_data(ctx, fq) : NULL;
    CHECK(fqd && fqd[2] == 0.4f && fqd[3] == -0.4f);
    /* empty batch, padded empty axis */
    int64_t e2[2] = {0, 5};
    ax_array *empty = ax_zeros(ctx, e2, 2, AX_COMPLEX64);
    ax_array *fe = ax_fft(ctx, empty, AX_FFT_N_DEFAULT, 1, 0);
    CHECK(fe && ax_eval1(ctx, fe) == AX_OK && ax_dim(fe, 0) == 0 && ax_dim(fe, 1) == 5);
    ax_array *fp = ax_fft(ctx, empty, 4, 0, 0);
    CHECK(fp && ax_dim(fp, 0) == 4);
    const float *fpd = fp ? ax_data(ctx, fp) : NULL;
    CHECK(fpd != NULL);
    /* fftn over no axes: a complex copy */
    ax_array *cp = ax_fftn(ctx, iv, NULL, 0, (const int[]){0}, 0, 0);
    CHECK(cp && ax_dtype_of(cp) == AX_COMPLEX64 && ax_dim(cp, 0) == 6);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t sh[2] = {3, 4};
    ax_array *x = ax_zeros(ctx, sh, 2, AX_COMPLEX64);
    int64_t one = 1;
    ax_array *x1 = ax_zeros(ctx, &one, 1, AX_COMPLEX64);
    int64_t zsh[2] = {3, 0};
    ax_array *z = ax_zeros(ctx, zsh, 2, AX_FLOAT32);
    CHECK(!ax_fft(ctx, x, 0, -1, 0));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_ifft(ctx, x, -3, -1, 0));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_fft(ctx, z, AX_FFT_N_DEFAULT, 1, 0)); /* empty axis, default n */
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_irfft(ctx, x1, AX_FFT_N_DEFAULT, 0, 0)); /* m = 1 -> n = 0 */
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_irfft(ctx, x1, 1, 0, 0) != NULL); /* explicit n works */
    CHECK(!ax_fft(ctx, x, AX_FFT_N_DEFAULT, 2, 0));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_rfft(ctx, z, AX_FFT_N_DEFAULT, -3, 0));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_fft(ctx, x, AX_FFT_N_DEFAULT, -1, (ax_fft_norm)7));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_fftn(ctx, x, NULL, 0, (const int[]){1, -1}, 2, 0)); /* repeated */
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_fftn(ctx, x, NULL, 0, (const int[]){0, 5}, 2, 0));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_fftn(ctx, x, (const int64_t[]){4, 4}, 2, (const int[]){0}, 1, 0));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_fftn(ctx, x, (const int64_t[]){2, 2, 2}, 3, NULL, 0, 0));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(!ax_fft2(ctx, x, (const int64_t[]){0, 4}, NULL, 0));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_fft2(ctx, x1, NULL, NULL, 0)); /* 1-d input has no axis -2 */
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_rfftn(ctx, z, NULL, 0, (const int[]){0}, 0, 0)); /* no axes */
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_irfftn(ctx, x, (const int64_t[]){3, -2}, 2, NULL, 0, 0));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_fftshift(ctx, x, (const int[]){0, 0}, 2));
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(!ax_fftfreq(ctx, 0, 1.0, AX_FLOAT64));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(!ax_rfftfreq(ctx, 4, 1.0, AX_INT32));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* NULL input propagates without a new error */
    CHECK(!ax_fft(ctx, NULL, 4, 0, 0));
    CHECK_ERR(ctx, AX_ERR_NULL);
    /* messages name the function and the problem */
    ax_fft(ctx, x, 0, -1, 0);
    CHECK_MSG(strstr(ax_error_message(ctx), "fft: invalid number of data points (0)") != NULL,
              "%s", ax_error_message(ctx));
    ax_error_clear(ctx);
    /* d == 0 gives NumPy's inf/nan */
    ax_array *fz = ax_fftfreq(ctx, 4, 0.0, AX_FLOAT64);
    const double *fzd = fz ? ax_data(ctx, fz) : NULL;
    CHECK(fzd && isnan(fzd[0]) && isinf(fzd[1]) && fzd[1] > 0 && isinf(fzd[2]) && fzd[2] < 0);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_numpy_refs(ctx, false);
    test_numpy_refs(ctx, true);
    test_direct(ctx);
    test_round_trips(ctx);
    test_layouts_and_threads(ctx);
    test_dtypes(ctx);
    test_errors(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_fft");
}
