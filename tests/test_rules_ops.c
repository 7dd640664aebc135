/* Derivative rules of the op library (src/transforms/rules_{linalg,fft,
 * random,extra}.c) beyond what tests/conformance/grad_check.c checks with
 * finite differences: exact answers known in closed form, zero derivatives
 * (pivots, random bits), higher order at the removable singularity of i1's
 * derivative, and the AX_ERR_UNSUPPORTED messages of what has no rule
 * (complex FFT/eig, non-unique factor columns). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ax/ax.h"
#include "testutil.h"

typedef enum {
    F_RFFT_ROUNDTRIP, /* irfft(rfft(x)) */
    F_EIGVALS_REAL,   /* real(eigvals(x)) */
    F_SVD_FULL_U,     /* U of svd(x, full_matrices) */
    F_QR_COMPLETE_Q,  /* Q of complete qr(x) */
    F_NORMAL,         /* normal(key) * in[1] + in[0] */
    F_I0,
    F_I1,
    F_LOGDET,         /* slogdet(x).logabsdet */
    F_LU_P,           /* P of lu(x) */
    F_RANDOM_DEP,     /* uniform(key, shape of x) * x, key fixed */
} fn_kind;

static ax_status fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *payload) {
    (void)n_in, (void)n_out;
    fn_kind k = *(const fn_kind *)payload;
    ax_array *x = in[0], *a = NULL, *b = NULL, *c = NULL;
    switch (k) {
    case F_RFFT_ROUNDTRIP:
        a = ax_rfft(ctx, x, AX_FFT_N_DEFAULT, -1, AX_FFT_NORM_BACKWARD);
        out[0] = ax_irfft(ctx, a, AX_FFT_N_DEFAULT, -1, AX_FFT_NORM_BACKWARD);
        break;
    case F_EIGVALS_REAL: out[0] = ax_real(ctx, ax_linalg_eigvals(ctx, x)); break;
    case F_SVD_FULL_U:
        if (ax_linalg_svd(ctx, x, true, true, &a, &b, &c) == AX_OK) out[0] = a;
        break;
    case F_QR_COMPLETE_Q:
        if (ax_linalg_qr(ctx, x, true, &a, &b) == AX_OK) out[0] = a;
        break;
    case F_NORMAL: {
        ax_array *z = ax_random_normal(ctx, ax_shape(x), ax_ndim(x), AX_FLOAT64, 0, 1, ax_random_key(ctx, 3));
        out[0] = ax_add(ctx, ax_multiply(ctx, z, in[1]), x);
        break;
    }
    case F_I0: out[0] = ax_i0(ctx, x); break;
    case F_I1: out[0] = ax_i1(ctx, x); break;
    case F_LOGDET:
        if (ax_linalg_slogdet(ctx, x, &a, &b) == AX_OK) out[0] = b;
        break;
    case F_LU_P:
        if (ax_linalg_lu(ctx, x, &a, &b, &c) == AX_OK) out[0] = a;
        break;
    case F_RANDOM_DEP:
        out[0] = ax_multiply(ctx, ax_random_uniform(ctx, 0, 1, ax_shape(x), ax_ndim(x), AX_FLOAT64,
                                                     ax_random_key(ctx, 11)), x);
        break;
    }
    return out[0] ? AX_OK : ax_error_code(ctx);
}

static ax_array *vec(ax_ctx *ctx, const double *v, int64_t n, ax_dtype t) {
    return ax_astype(ctx, ax_array_from_data(ctx, v, AX_FLOAT64, &n, 1), t);
}
static ax_array *mat(ax_ctx *ctx, const double *v, int64_t r, int64_t c) {
    int64_t s[2] = {r, c};
    return ax_array_from_data(ctx, v, AX_FLOAT64, s, 2);
}

/* vjp and jvp of f at x both fail with AX_ERR_UNSUPPORTED whose message
 * contains `what` */
static void expect_unsupported(ax_ctx *ctx, fn_kind k, ax_array *x, const char *what) {
    ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &k, NULL);
    ax_array *y = NULL, *g = NULL, *ct = NULL;
    CHECK(ax_closure_call(ctx, f, &x, &y) == AX_OK);
    if (y) ct = ax_ones_like(ctx, y);
    CHECK(ax_vjp(ctx, f, &x, &ct, &y, &g) == AX_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(ax_error_message(ctx), what) != NULL, "vjp message '%s' lacks '%s'",
              ax_error_message(ctx), what);
    ax_error_clear(ctx);
    ax_array *t = ax_ones_like(ctx, x), *yt = NULL;
    CHECK(ax_jvp(ctx, f, &x, &t, &y, &yt) == AX_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(ax_error_message(ctx), what) != NULL, "jvp message '%s' lacks '%s'",
              ax_error_message(ctx), what);
    ax_error_clear(ctx);
    ax_closure_release(f);
}

static void test_unsupported(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    double v[8] = {0.5, -1, 2, 0.25, 1.5, -0.75, 3, 1};
    expect_unsupported(ctx, F_RFFT_ROUNDTRIP, vec(ctx, v, 8, AX_FLOAT32), "complex64");
    double m[9] = {2, 1, 0, -1, 3, 0.5, 0.25, 0, 1};
    expect_unsupported(ctx, F_EIGVALS_REAL, mat(ctx, m, 3, 3), "complex64");
    double r[6] = {1, 2, 3, 4, 5, 7};
    expect_unsupported(ctx, F_SVD_FULL_U, mat(ctx, r, 3, 2), "full_matrices");
    expect_unsupported(ctx, F_QR_COMPLETE_Q, mat(ctx, r, 3, 2), "complete QR of a tall");
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* grad of sum(normal * scale + loc): ones for loc, the samples for scale */
static void test_reparameterized(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    fn_kind k = F_NORMAL;
    ax_closure *f = ax_closure_new(ctx, fn, 2, 1, &k, NULL);
    int64_t s[2] = {3, 4};
    ax_array *in[2] = {ax_full(ctx, s, 2, 0.5, AX_FLOAT64), ax_full(ctx, s, 2, 2.0, AX_FLOAT64)};
    ax_array *y, *g[2], *ct = ax_ones(ctx, s, 2, AX_FLOAT64);
    CHECK(ax_vjp(ctx, f, in, &ct, &y, g) == AX_OK);
    ax_array *z = ax_random_normal(ctx, s, 2, AX_FLOAT64, 0, 1, ax_random_key(ctx, 3));
    double *gl = test_to_f64(ctx, g[0]), *gs = test_to_f64(ctx, g[1]), *zz = test_to_f64(ctx, z);
    for (int i = 0; gl && gs && zz && i < 12; i++) {
        CHECK(gl[i] == 1.0);
        CHECK_MSG(gs[i] == zz[i], "d/dscale[%d] = %g, sample %g", i, gs[i], zz[i]);
    }
    free(gl), free(gs), free(zz);
    /* random values with a dependent factor: the random primitive itself is a
     * constant (AX_RULE_ZERO): d(u * x)/dx = u */
    fn_kind k2 = F_RANDOM_DEP;
    ax_closure *f2 = ax_closure_new(ctx, fn, 1, 1, &k2, NULL);
    ax_array *x = ax_full(ctx, s, 2, 3.0, AX_FLOAT64), *gx, *t = ax_ones(ctx, s, 2, AX_FLOAT64), *yt;
    CHECK(ax_vjp(ctx, f2, &x, &ct, &y, &gx) == AX_OK);
    CHECK(ax_jvp(ctx, f2, &x, &t, &y, &yt) == AX_OK);
    ax_array *u = ax_random_uniform(ctx, 0, 1, s, 2, AX_FLOAT64, ax_random_key(ctx, 11));
    double *a1 = test_to_f64(ctx, gx), *a2 = test_to_f64(ctx, yt), *uu = test_to_f64(ctx, u);
    for (int i = 0; a1 && a2 && uu && i < 12; i++) CHECK(a1[i] == uu[i] && a2[i] == uu[i]);
    free(a1), free(a2), free(uu);
    ax_closure_release(f);
    ax_closure_release(f2);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* i0' = i1 exactly; i1'(0) = 1/2; i1''(0) = 0, finite through the double where */
static void test_bessel(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    double v[5] = {0, 0.5, -2, 9, -12};
    ax_array *x = vec(ctx, v, 5, AX_FLOAT64), *ct = ax_ones_like(ctx, x), *y, *g;
    fn_kind k0 = F_I0, k1 = F_I1;
    ax_closure *f0 = ax_closure_new(ctx, fn, 1, 1, &k0, NULL), *f1 = ax_closure_new(ctx, fn, 1, 1, &k1, NULL);
    CHECK(ax_vjp(ctx, f0, &x, &ct, &y, &g) == AX_OK);
    double *gi = test_to_f64(ctx, g), *i1 = test_to_f64(ctx, ax_i1(ctx, x));
    for (int i = 0; gi && i1 && i < 5; i++) CHECK_MSG(gi[i] == i1[i], "i0'(%g) = %.17g, i1 %.17g", v[i], gi[i], i1[i]);
    free(gi), free(i1);
    CHECK(ax_vjp(ctx, f1, &x, &ct, &y, &g) == AX_OK);
    double *g1 = test_to_f64(ctx, g);
    CHECK(g1 && g1[0] == 0.5);
    /* I1' = (I0 + I2) / 2 with I2 = I0 - 2 I1 / x: compare at x != 0 */
    for (int i = 1; g1 && i < 5; i++) {
        double want, a0, a1;
        ax_item_f64(ctx, ax_i0(ctx, ax_scalar(ctx, v[i], AX_FLOAT64)), &a0);
        ax_item_f64(ctx, ax_i1(ctx, ax_scalar(ctx, v[i], AX_FLOAT64)), &a1);
        want = a0 - a1 / v[i];
        CHECK_MSG(fabs(g1[i] - want) <= 1e-15 * fabs(want), "i1'(%g) = %.17g, want %.17g", v[i], g1[i], want);
    }
    free(g1);
    /* second order at 0 through the vjp closure: tangent of the gradient */
    ax_closure *vf = ax_vjp_fn(ctx, f1);
    ax_array *pin[2] = {x, ct}, *tin[2] = {ax_ones_like(ctx, x), ax_zeros_like(ctx, ct)}, *po[2], *to[2];
    CHECK(ax_jvp(ctx, vf, pin, tin, po, to) == AX_OK);
    double *h = test_to_f64(ctx, to[1]);
    CHECK_MSG(h && h[0] == 0.0, "i1''(0) = %g", h ? h[0] : NAN);
    for (int i = 0; h && i < 5; i++) CHECK(isfinite(h[i]));
    free(h);
    ax_closure_release(vf);
    ax_closure_release(f0);
    ax_closure_release(f1);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* d logabsdet / dA = A^-T; the permutation of lu has zero derivative */
static void test_linalg_closed_forms(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    double m[4] = {2, 1, 0.5, 3}; /* det 5.5; A^-T = [[3, -0.5], [-1, 2]] / 5.5 */
    ax_array *a = mat(ctx, m, 2, 2), *y, *g, *ct = ax_scalar(ctx, 1.0, AX_FLOAT64);
    fn_kind k = F_LOGDET;
    ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &k, NULL);
    CHECK(ax_vjp(ctx, f, &a, &ct, &y, &g) == AX_OK);
    double *gg = test_to_f64(ctx, g), want[4] = {3 / 5.5, -0.5 / 5.5, -1 / 5.5, 2 / 5.5};
    for (int i = 0; gg && i < 4; i++) CHECK_MSG(fabs(gg[i] - want[i]) <= 1e-15, "dlogdet[%d] = %.17g", i, gg[i]);
    free(gg);
    fn_kind kp = F_LU_P;
    ax_closure *fp = ax_closure_new(ctx, fn, 1, 1, &kp, NULL);
    double r[9] = {1, 2, 3, 4, 5, 6, 7, 8, 10};
    ax_array *b = mat(ctx, r, 3, 3), *t = ax_ones_like(ctx, b), *yt = NULL, *ctp = ax_ones_like(ctx, b);
    CHECK(ax_jvp(ctx, fp, &b, &t, &y, &yt) == AX_OK);
    double *tp = test_to_f64(ctx, yt);
    for (int i = 0; tp && i < 9; i++) CHECK(tp[i] == 0);
    free(tp);
    CHECK(ax_vjp(ctx, fp, &b, &ctp, &y, &g) == AX_OK);
    double *cp = test_to_f64(ctx, g);
    for (int i = 0; cp && i < 9; i++) CHECK(cp[i] == 0);
    free(cp);
    ax_closure_release(f);
    ax_closure_release(fp);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_unsupported(ctx);
    test_reparameterized(ctx);
    test_bessel(ctx);
    test_linalg_closed_forms(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_rules_ops");
}
