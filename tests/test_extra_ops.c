/* kron, vecdot, diag, unflatten, unstack, atleast_1d/2d/3d, the window
 * functions and i0: NumPy-made references (tests/numpy_ref/extra_refs.h),
 * explicit loops here, special values, views, and errors. */
#include <stdlib.h>
#include <string.h>

#include "numpy_ref/extra_refs.h"
#include "testutil.h"

static double gen(int k, int64_t i) { return (double)((7 * i + 13 * k) % 19 - 9) / 8.0; }

static ax_array *gen_array(ax_ctx *ctx, int k, const int64_t *shape, int nd, ax_dtype t) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = gen(k, i);
    ax_array *a = test_from_f64(ctx, v, t, shape, nd);
    free(v);
    return a;
}

static bool shape_is(ax_array *a, const int64_t *s, int nd) {
    if (!a || ax_ndim(a) != nd) return false;
    for (int i = 0; i < nd; i++)
        if (ax_dim(a, i) != s[i]) return false;
    return true;
}

/* ---------------------------------------------------------------- windows */

static void test_windows(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    for (int r = 0; r < N_WINDOW_REFS; r++) {
        const window_ref *w = &window_refs[r];
        ax_array *a = ax_window(ctx, (ax_window_kind)w->kind, w->m, w->beta, AX_FLOAT64);
        ax_array *f = ax_window(ctx, (ax_window_kind)w->kind, w->m, w->beta, AX_FLOAT32);
        CHECK_MSG(a && ax_ndim(a) == 1 && ax_dim(a, 0) == w->m, "window %d m %lld", w->kind,
                  (long long)w->m);
        const double *d = ax_data(ctx, a);
        const float *df = ax_data(ctx, f);
        CHECK_OK(ctx);
        for (int64_t i = 0; d && df && i < w->m; i++) {
            double want = window_ref_values[w->off + i];
            /* same formula in float64: a few ulps (kaiser: two i0 calls) */
            CHECK_MSG(fabs(d[i] - want) <= 4e-16 * fmax(1, fabs(want)) + 1e-300,
                      "window %d m %lld [%lld]: %.17g vs NumPy %.17g", w->kind, (long long)w->m,
                      (long long)i, d[i], want);
            /* float32 is the float64 value rounded once */
            CHECK_MSG(df[i] == (float)d[i], "float32 window %d [%lld]", w->kind, (long long)i);
        }
    }
    /* the named functions are the same windows */
    ax_array *h = ax_hanning(ctx, 9, AX_FLOAT64), *h2 = ax_window(ctx, AX_WINDOW_HANNING, 9, 0, AX_FLOAT64);
    ax_array *k = ax_kaiser(ctx, 9, 6.0, AX_FLOAT64), *k2 = ax_window(ctx, AX_WINDOW_KAISER, 9, 6.0, AX_FLOAT64);
    bool eq = false;
    CHECK(ax_allclose(ctx, h, h2, 0, 0, false, &eq) == AX_OK && eq);
    CHECK(ax_allclose(ctx, k, k2, 0, 0, false, &eq) == AX_OK && eq);
    CHECK(ax_allclose(ctx, ax_hamming(ctx, 7, AX_FLOAT64), ax_window(ctx, AX_WINDOW_HAMMING, 7, 0, AX_FLOAT64), 0, 0, false, &eq) == AX_OK && eq);
    CHECK(ax_allclose(ctx, ax_blackman(ctx, 7, AX_FLOAT64), ax_window(ctx, AX_WINDOW_BLACKMAN, 7, 0, AX_FLOAT64), 0, 0, false, &eq) == AX_OK && eq);
    CHECK(ax_allclose(ctx, ax_bartlett(ctx, 7, AX_FLOAT64), ax_window(ctx, AX_WINDOW_BARTLETT, 7, 0, AX_FLOAT64), 0, 0, false, &eq) == AX_OK && eq);
    /* symmetric, peak 1 at the centre for odd lengths */
    const double *hd = ax_data(ctx, h);
    for (int i = 0; hd && i < 9; i++) CHECK(hd[i] == hd[8 - i]);
    CHECK(hd && hd[4] == 1.0 && hd[0] == 0.0);
    /* bfloat16 and float16 windows round the float64 values */
    ax_array *hb = ax_hanning(ctx, 9, AX_BFLOAT16);
    double *hbv = test_to_f64(ctx, hb);
    for (int i = 0; hbv && hd && i < 9; i++) CHECK(hbv[i] == ax_bf16_to_f32(ax_f64_to_bf16(hd[i])));
    free(hbv);
    /* negative length: empty */
    ax_array *e = ax_blackman(ctx, -3, AX_FLOAT32);
    CHECK(e && ax_ndim(e) == 1 && ax_dim(e, 0) == 0);
    CHECK_OK(ctx);
    /* errors */
    CHECK(ax_hanning(ctx, 5, AX_INT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_hamming(ctx, 5, AX_COMPLEX64) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_kaiser(ctx, 5, INFINITY, AX_FLOAT64) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_kaiser(ctx, 5, NAN, AX_FLOAT64) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_window(ctx, (ax_window_kind)99, 5, 0, AX_FLOAT64) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- i0 */

static void test_i0(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t n = N_I0_REFS;
    ax_array *x = ax_array_from_data(ctx, i0_ref_x, AX_FLOAT64, &n, 1);
    ax_array *y = ax_i0(ctx, x);
    const double *d = ax_data(ctx, y);
    CHECK_OK(ctx);
    for (int i = 0; d && i < N_I0_REFS; i++)
        CHECK_MSG(fabs(d[i] - i0_ref_y[i]) <= 2e-16 * fabs(i0_ref_y[i]), "i0(%g) = %.17g, NumPy %.17g",
                  i0_ref_x[i], d[i], i0_ref_y[i]);
    /* even, special values */
    double sv[5] = {-2.5, 2.5, INFINITY, -INFINITY, NAN};
    int64_t n5 = 5;
    const double *s = ax_data(ctx, ax_i0(ctx, ax_array_from_data(ctx, sv, AX_FLOAT64, &n5, 1)));
    CHECK(s && s[0] == s[1] && isinf(s[2]) && s[2] > 0 && isinf(s[3]) && isnan(s[4]));
    /* series check independent of the Chebyshev tables: sum ((x/2)^k / k!)^2 */
    for (double v = -6; v <= 20; v += 1.75) {
        double term = 1, sum = 1;
        for (int k = 1; k < 200; k++) {
            term *= (v / 2) / k;
            sum += term * term;
        }
        double got;
        CHECK(ax_item_f64(ctx, ax_i0(ctx, ax_scalar(ctx, v, AX_FLOAT64)), &got) == AX_OK);
        CHECK_MSG(fabs(got - sum) <= 1e-14 * sum, "i0(%g) = %.17g, series %.17g", v, got, sum);
    }
    /* dtypes: integers -> float32, floats kept, complex refused */
    int32_t iv[3] = {0, 1, -3};
    int64_t n3 = 3;
    ax_array *yi = ax_i0(ctx, ax_array_from_data(ctx, iv, AX_INT32, &n3, 1));
    CHECK(yi && ax_dtype_of(yi) == AX_FLOAT32);
    const float *fi = ax_data(ctx, yi);
    CHECK(fi && fi[0] == 1.0f && fabs(fi[2] - 4.880792585865024) < 1e-6);
    CHECK(fi && fabs(fi[1] - 1.2660658777520082) < 1e-7);
    ax_array *yh = ax_i0(ctx, ax_astype(ctx, x, AX_FLOAT16));
    CHECK(yh && ax_dtype_of(yh) == AX_FLOAT16);
    CHECK(ax_i0(ctx, ax_astype(ctx, x, AX_COMPLEX64)) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* strided input: every other element of a row, transposed */
    int64_t s34[2] = {3, 4};
    ax_array *m = gen_array(ctx, 0, s34, 2, AX_FLOAT64);
    ax_array *mt = ax_transpose(ctx, m, NULL, 0);
    double *got = test_to_f64(ctx, ax_i0(ctx, mt)), *src = test_to_f64(ctx, mt);
    for (int i = 0; got && src && i < 12; i++) {
        double want;
        ax_item_f64(ctx, ax_i0(ctx, ax_scalar(ctx, src[i], AX_FLOAT64)), &want);
        CHECK(got[i] == want);
    }
    free(got);
    free(src);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- i1 */

static void test_i1(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t n = N_I1_REFS;
    ax_array *x = ax_array_from_data(ctx, i1_ref_x, AX_FLOAT64, &n, 1);
    const double *d = ax_data(ctx, ax_i1(ctx, x));
    CHECK_OK(ctx);
    /* Cephes' i1 (the same algorithm as SciPy's), different exp: a few ulps */
    for (int i = 0; d && i < N_I1_REFS; i++)
        CHECK_MSG(fabs(d[i] - i1_ref_y[i]) <= 4e-16 * fabs(i1_ref_y[i]), "i1(%g) = %.17g, reference %.17g",
                  i1_ref_x[i], d[i], i1_ref_y[i]);
    /* odd, special values */
    double sv[6] = {-2.5, 2.5, INFINITY, -INFINITY, NAN, 0.0};
    int64_t n6 = 6;
    const double *s = ax_data(ctx, ax_i1(ctx, ax_array_from_data(ctx, sv, AX_FLOAT64, &n6, 1)));
    CHECK(s && s[0] == -s[1] && s[1] > 0 && isinf(s[2]) && s[2] > 0 && isinf(s[3]) && s[3] < 0 &&
          isnan(s[4]) && s[5] == 0);
    /* series check independent of the Chebyshev tables (Cephes' peak error
     * is 1.9e-15 relative) */
    for (double v = -6; v <= 20; v += 1.75) {
        double term = v / 2, sum = term;
        for (int k = 1; k < 200; k++) {
            term *= (v / 2) * (v / 2) / ((double)k * (k + 1));
            sum += term;
        }
        double got;
        CHECK(ax_item_f64(ctx, ax_i1(ctx, ax_scalar(ctx, v, AX_FLOAT64)), &got) == AX_OK);
        CHECK_MSG(fabs(got - sum) <= 2e-15 * fabs(sum), "i1(%g) = %.17g, series %.17g", v, got, sum);
    }
    /* I0' = I1: central differences of ax_i0 */
    for (double v = -9; v <= 9; v += 1.5) {
        double h = 1e-5, p, m, g;
        CHECK(ax_item_f64(ctx, ax_i0(ctx, ax_scalar(ctx, v + h, AX_FLOAT64)), &p) == AX_OK);
        CHECK(ax_item_f64(ctx, ax_i0(ctx, ax_scalar(ctx, v - h, AX_FLOAT64)), &m) == AX_OK);
        CHECK(ax_item_f64(ctx, ax_i1(ctx, ax_scalar(ctx, v, AX_FLOAT64)), &g) == AX_OK);
        CHECK_MSG(fabs((p - m) / (2 * h) - g) <= 1e-8 * fmax(1, fabs(g)), "i0'(%g) = %.17g, i1 %.17g", v,
                  (p - m) / (2 * h), g);
    }
    /* dtypes: integers -> float32, floats kept, complex refused */
    int32_t iv[3] = {0, 1, -3};
    int64_t n3 = 3;
    ax_array *yi = ax_i1(ctx, ax_array_from_data(ctx, iv, AX_INT32, &n3, 1));
    CHECK(yi && ax_dtype_of(yi) == AX_FLOAT32);
    const float *fi = ax_data(ctx, yi);
    CHECK(fi && fi[0] == 0.0f && fabs(fi[1] - 0.5651591039924851) < 1e-7 &&
          fabs(fi[2] + 3.953370217402609) < 1e-6);
    ax_array *yh = ax_i1(ctx, ax_astype(ctx, x, AX_FLOAT16));
    CHECK(yh && ax_dtype_of(yh) == AX_FLOAT16);
    CHECK(ax_i1(ctx, ax_astype(ctx, x, AX_COMPLEX64)) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- kron */

static void test_kron(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t s23[2] = {2, 3}, s32[2] = {3, 2}, s3[1] = {3}, s22[2] = {2, 2};
    ax_array *k1 = ax_kron(ctx, gen_array(ctx, 0, s23, 2, AX_FLOAT64), gen_array(ctx, 1, s32, 2, AX_FLOAT64));
    ax_array *k2 = ax_kron(ctx, gen_array(ctx, 0, s3, 1, AX_FLOAT64), gen_array(ctx, 1, s22, 2, AX_FLOAT64));
    CHECK(shape_is(k1, kron_ref1_shape, 2) && shape_is(k2, kron_ref2_shape, 2));
    double *v1 = test_to_f64(ctx, k1), *v2 = test_to_f64(ctx, k2);
    for (int i = 0; v1 && i < 36; i++) CHECK(v1[i] == kron_ref1[i]);
    for (int i = 0; v2 && i < 12; i++) CHECK(v2[i] == kron_ref2[i]);
    free(v1);
    free(v2);
    /* integer dtype kept; 0-d operand scales */
    int32_t ia[2] = {1, 2}, ib[3] = {3, 4, 5};
    int64_t n2 = 2, n3 = 3;
    ax_array *ki = ax_kron(ctx, ax_array_from_data(ctx, ia, AX_INT32, &n2, 1),
                           ax_array_from_data(ctx, ib, AX_INT32, &n3, 1));
    const int32_t *kd = ax_data(ctx, ki);
    CHECK(ki && ax_dtype_of(ki) == AX_INT32 && ax_dim(ki, 0) == 6);
    static const int32_t want[6] = {3, 4, 5, 6, 8, 10};
    for (int i = 0; kd && i < 6; i++) CHECK(kd[i] == want[i]);
    ax_array *ks = ax_kron(ctx, ax_scalar(ctx, 2, AX_INT32), ax_array_from_data(ctx, ib, AX_INT32, &n3, 1));
    const int32_t *ksd = ax_data(ctx, ks);
    CHECK(ks && ax_ndim(ks) == 1 && ksd && ksd[0] == 6 && ksd[2] == 10);
    /* zero-size */
    int64_t s02[2] = {0, 2};
    ax_array *kz = ax_kron(ctx, ax_zeros(ctx, s02, 2, AX_FLOAT32), gen_array(ctx, 0, s23, 2, AX_FLOAT32));
    CHECK(kz && ax_dim(kz, 0) == 0 && ax_dim(kz, 1) == 6);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- vecdot */

static void test_vecdot(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t s[3] = {2, 3, 5}, sb[2] = {3, 5};
    ax_array *a = gen_array(ctx, 0, s, 3, AX_FLOAT64), *b = gen_array(ctx, 1, sb, 2, AX_FLOAT64);
    ax_array *v = ax_vecdot(ctx, a, b, -1);
    CHECK(v && ax_ndim(v) == 2 && ax_dim(v, 0) == 2 && ax_dim(v, 1) == 3);
    const double *vd = ax_data(ctx, v);
    for (int i = 0; vd && i < 6; i++) {
        double want = 0;
        for (int k = 0; k < 5; k++) want += gen(0, i * 5 + k) * gen(1, (i % 3) * 5 + k);
        CHECK_NEAR(vd[i], want, 1e-14);
    }
    /* axis 1 of (2, 3, 5) with (3, 1): vectors of length 3, the rest broadcast */
    int64_t s31[2] = {3, 1};
    ax_array *c = gen_array(ctx, 2, s31, 2, AX_FLOAT64);
    ax_array *w = ax_vecdot(ctx, a, c, 1);
    CHECK(w && ax_ndim(w) == 2 && ax_dim(w, 0) == 2 && ax_dim(w, 1) == 5);
    const double *wd = ax_data(ctx, w);
    for (int i = 0; wd && i < 2; i++)
        for (int j = 0; j < 5; j++) {
            double want = 0;
            for (int k = 0; k < 3; k++) want += gen(0, (i * 3 + k) * 5 + j) * gen(2, k);
            CHECK_NEAR(wd[i * 5 + j], want, 1e-14);
        }
    /* the same axis as -2 */
    ax_array *w2 = ax_vecdot(ctx, a, c, -2);
    bool eq = false;
    CHECK(ax_allclose(ctx, w, w2, 0, 0, false, &eq) == AX_OK && eq);
    /* complex: the first operand is conjugated */
    float za[4] = {1, 2, 3, -1}, zb[4] = {2, 1, 0, 1}; /* (1+2i, 3-i) . (2+i, i) */
    int64_t n2 = 2;
    ax_array *z = ax_vecdot(ctx, ax_array_from_data(ctx, za, AX_COMPLEX64, &n2, 1),
                            ax_array_from_data(ctx, zb, AX_COMPLEX64, &n2, 1), -1);
    const float *zd = ax_data(ctx, z);
    /* conj(1+2i)(2+i) + conj(3-i)(i) = (1-2i)(2+i) + (3+i)i = (4-3i) + (-1+3i) = 3 + 0i */
    CHECK(z && ax_dtype_of(z) == AX_COMPLEX64 && zd && zd[0] == 3.0f && zd[1] == 0.0f);
    /* integers wrap in their dtype; bool is any(a and b) */
    int8_t ia[3] = {100, 100, 100}, ib[3] = {1, 1, 1};
    int64_t n3 = 3, iv = 0;
    ax_array *vi = ax_vecdot(ctx, ax_array_from_data(ctx, ia, AX_INT8, &n3, 1),
                             ax_array_from_data(ctx, ib, AX_INT8, &n3, 1), 0);
    CHECK(vi && ax_dtype_of(vi) == AX_INT8 && ax_item_i64(ctx, vi, &iv) == AX_OK && iv == 44);
    uint8_t ba[3] = {1, 0, 0}, bb[3] = {0, 1, 1};
    ax_array *vb = ax_vecdot(ctx, ax_array_from_data(ctx, ba, AX_BOOL, &n3, 1),
                             ax_array_from_data(ctx, bb, AX_BOOL, &n3, 1), -1);
    CHECK(vb && ax_dtype_of(vb) == AX_BOOL && ax_item_i64(ctx, vb, &iv) == AX_OK && iv == 0);
    /* float16 sums in float32: 2048 + 1 + 1 would stick at 2048 in float16 */
    double hv[3] = {2048, 1, 1}, ones[3] = {1, 1, 1};
    ax_array *vh = ax_vecdot(ctx, test_from_f64(ctx, hv, AX_FLOAT16, &n3, 1),
                             test_from_f64(ctx, ones, AX_FLOAT16, &n3, 1), -1);
    double hval = 0;
    CHECK(vh && ax_dtype_of(vh) == AX_FLOAT16 && ax_item_f64(ctx, vh, &hval) == AX_OK && hval == 2050);
    /* empty vectors give 0 */
    int64_t s40[2] = {4, 0};
    ax_array *ve = ax_vecdot(ctx, ax_zeros(ctx, s40, 2, AX_FLOAT32), ax_zeros(ctx, s40, 2, AX_FLOAT32), -1);
    const float *ved = ax_data(ctx, ve);
    CHECK(ve && ax_dim(ve, 0) == 4 && ved && ved[3] == 0.0f);
    CHECK_OK(ctx);
    /* errors */
    int64_t s4[1] = {4};
    CHECK(ax_vecdot(ctx, a, gen_array(ctx, 0, s4, 1, AX_FLOAT64), -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_vecdot(ctx, a, b, 2 - 5) == NULL); /* -3 is not an axis of b */
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_vecdot(ctx, a, b, 3) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    int64_t s45[2] = {4, 5};
    CHECK(ax_vecdot(ctx, a, gen_array(ctx, 0, s45, 2, AX_FLOAT64), -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_vecdot(ctx, ax_scalar(ctx, 1, AX_FLOAT32), b, -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- diag */

static void test_diag(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    double v[3] = {1.5, NAN, -INFINITY};
    int64_t n3 = 3;
    ax_array *a = test_from_f64(ctx, v, AX_FLOAT32, &n3, 1);
    for (int64_t k = -2; k <= 2; k++) {
        ax_array *d = ax_diag(ctx, a, k);
        int64_t n = 3 + (k < 0 ? -k : k);
        CHECK(d && ax_ndim(d) == 2 && ax_dim(d, 0) == n && ax_dim(d, 1) == n &&
              ax_dtype_of(d) == AX_FLOAT32);
        double *dv = test_to_f64(ctx, d);
        for (int64_t i = 0; dv && i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                double x = dv[i * n + j];
                int64_t idx = k >= 0 ? i : j;
                if (j - i == k) CHECK((isnan(v[idx]) && isnan(x)) || x == (float)v[idx]);
                else CHECK(x == 0.0);
            }
        free(dv);
        /* and back: diag of the matrix at k is the vector, as a view */
        ax_array *back = ax_diag(ctx, d, k);
        CHECK(back && ax_ndim(back) == 1 && ax_dim(back, 0) == 3);
        double *bv = test_to_f64(ctx, back);
        for (int i = 0; bv && i < 3; i++) CHECK((isnan(v[i]) && isnan(bv[i])) || bv[i] == (float)v[i]);
        free(bv);
    }
    /* 2-D diag is a view of its input */
    int64_t s34[2] = {3, 4};
    ax_array *m = gen_array(ctx, 0, s34, 2, AX_FLOAT64);
    ax_eval1(ctx, m);
    ax_array *dm = ax_diag(ctx, m, 1);
    CHECK(dm && ax_dim(dm, 0) == 3 && ax_strides(dm)[0] == 5);
    double *dmv = test_to_f64(ctx, dm);
    for (int i = 0; dmv && i < 3; i++) CHECK(dmv[i] == gen(0, i * 4 + i + 1));
    free(dmv);
    ax_array *far = ax_diag(ctx, m, 7);
    CHECK(far && ax_dim(far, 0) == 0);
    /* int dtype kept, empty vector gives (|k|, |k|) zeros */
    int32_t iv[2] = {7, -7};
    int64_t n2 = 2, n0 = 0;
    ax_array *di = ax_diag(ctx, ax_array_from_data(ctx, iv, AX_INT32, &n2, 1), 0);
    const int32_t *did = ax_data(ctx, di);
    CHECK(di && ax_dtype_of(di) == AX_INT32 && did && did[0] == 7 && did[1] == 0 && did[3] == -7);
    ax_array *de = ax_diag(ctx, ax_zeros(ctx, &n0, 1, AX_FLOAT32), 2);
    CHECK(de && ax_dim(de, 0) == 2 && ax_dim(de, 1) == 2);
    CHECK_OK(ctx);
    int64_t s222[3] = {2, 2, 2};
    CHECK(ax_diag(ctx, ax_zeros(ctx, s222, 3, AX_FLOAT32), 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_diag(ctx, ax_scalar(ctx, 1, AX_FLOAT32), 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- shape ops */

static void test_shape_ops(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t s[3] = {2, 12, 3};
    ax_array *a = gen_array(ctx, 0, s, 3, AX_FLOAT64);
    ax_eval1(ctx, a);
    ax_array *u = ax_unflatten(ctx, a, 1, (int64_t[]){3, -1, 2}, 3);
    CHECK(shape_is(u, (int64_t[]){2, 3, 2, 2, 3}, 5));
    CHECK(u && ax_is_contiguous(u)); /* a view of the contiguous input */
    double *uv = test_to_f64(ctx, u), *av = test_to_f64(ctx, a);
    for (int i = 0; uv && av && i < 72; i++) CHECK(uv[i] == av[i]);
    free(uv);
    free(av);
    ax_array *u2 = ax_unflatten(ctx, a, -1, (int64_t[]){3}, 1);
    CHECK(shape_is(u2, s, 3));
    CHECK(ax_unflatten(ctx, a, 1, (int64_t[]){5, -1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_unflatten(ctx, a, 1, (int64_t[]){5, 2}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_unflatten(ctx, a, 1, (int64_t[]){-1, -1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_unflatten(ctx, a, 3, (int64_t[]){2}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_unflatten(ctx, a, 0, (int64_t[]){2}, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_unflatten(ctx, a, 0, (int64_t[]){-2, -1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);

    /* unstack */
    ax_array *parts[12];
    CHECK(ax_unstack(ctx, a, 1, parts) == AX_OK);
    for (int i = 0; i < 12; i++) {
        CHECK(shape_is(parts[i], (int64_t[]){2, 3}, 2));
        double *pv = test_to_f64(ctx, parts[i]);
        for (int r = 0; pv && r < 2; r++)
            for (int c = 0; c < 3; c++) CHECK(pv[r * 3 + c] == gen(0, (r * 12 + i) * 3 + c));
        free(pv);
    }
    CHECK(ax_unstack(ctx, a, -1, parts) == AX_OK);
    CHECK(shape_is(parts[2], (int64_t[]){2, 12}, 2));
    CHECK(ax_unstack(ctx, ax_scalar(ctx, 1, AX_FLOAT32), 0, parts) == AX_ERR_SHAPE);
    ax_error_clear(ctx);
    CHECK(ax_unstack(ctx, a, 5, parts) == AX_ERR_AXIS);
    ax_error_clear(ctx);

    /* atleast */
    ax_array *z = ax_scalar(ctx, 3, AX_FLOAT32);
    int64_t n4 = 4, s23[2] = {2, 3};
    ax_array *v = ax_zeros(ctx, &n4, 1, AX_FLOAT32), *m = ax_zeros(ctx, s23, 2, AX_FLOAT32);
    CHECK(shape_is(ax_atleast_1d(ctx, z), (int64_t[]){1}, 1));
    CHECK(shape_is(ax_atleast_2d(ctx, z), (int64_t[]){1, 1}, 2));
    CHECK(shape_is(ax_atleast_3d(ctx, z), (int64_t[]){1, 1, 1}, 3));
    CHECK(shape_is(ax_atleast_1d(ctx, v), (int64_t[]){4}, 1));
    CHECK(shape_is(ax_atleast_2d(ctx, v), (int64_t[]){1, 4}, 2));
    CHECK(shape_is(ax_atleast_3d(ctx, v), (int64_t[]){1, 4, 1}, 3));
    CHECK(shape_is(ax_atleast_2d(ctx, m), s23, 2));
    CHECK(shape_is(ax_atleast_3d(ctx, m), (int64_t[]){2, 3, 1}, 3));
    CHECK(ax_atleast_3d(ctx, a) == a);
    CHECK(ax_atleast_1d(ctx, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_scope_end(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_windows(ctx);
    test_i0(ctx);
    test_i1(ctx);
    test_kron(ctx);
    test_vecdot(ctx);
    test_diag(ctx);
    test_shape_ops(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_extra_ops");
}
