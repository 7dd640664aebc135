/* Creation ops: arange (NumPy length and fill rules), linspace, full/zeros/
 * ones (+ _like), eye/identity/tri, meshgrid; every dtype, fast kernels vs
 * reference kernels, errors. Expected values are worked out here from the
 * NumPy rules (quoted per test), not taken from ax. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "testutil.h"

static const ax_dtype ALL[] = {AX_BOOL,     AX_INT8,    AX_INT16,   AX_INT32,    AX_INT64,
                               AX_UINT8,    AX_UINT16,  AX_UINT32,  AX_UINT64,   AX_FLOAT16,
                               AX_BFLOAT16, AX_FLOAT32, AX_FLOAT64, AX_COMPLEX64};
#define NALL ((int)(sizeof ALL / sizeof *ALL))

/* Evaluate with the fast kernels and with the reference kernels; both must
 * agree bit for bit (creation is exact). Returns a malloc'd copy of the data. */
static void *data_both(ax_ctx *ctx, ax_array *(*make)(ax_ctx *, const void *), const void *arg,
                       ax_array **out) {
    ax_array *a = make(ctx, arg);
    ax__cpu_force_reference(true);
    ax_array *r = make(ctx, arg);
    const void *pr = r ? ax_data(ctx, r) : NULL;
    ax__cpu_force_reference(false);
    const void *pa = a ? ax_data(ctx, a) : NULL;
    *out = a;
    if (!pa || !pr) return NULL;
    size_t nb = ax_nbytes(a);
    CHECK_MSG(memcmp(pa, pr, nb) == 0, "fast and reference kernels differ (%s)",
              ax_dtype_name(ax_dtype_of(a)));
    void *copy = malloc(nb ? nb : 1);
    memcpy(copy, pa, nb);
    return copy;
}

/* ---------------------------------------------------------------- arange */

static void test_arange_lengths(void) {
    ax_ctx *ctx = ax_ctx_new();
    /* NumPy: len = ceil((stop - start) / step), at least 0 */
    struct {
        double start, stop, step;
        int64_t len;
    } cases[] = {
        {0, 1, 0.1, 10},        {1, 0, -0.25, 4}, {0, 10, 3, 4},    {10, 0, -3, 4},
        {0, 10, 1, 10},         {1, 0, 1, 0},     {0, 0, 1, 0},     {0, 1, 2, 1},
        {-5, 5, 2.5, 4},        {0, 1e-9, 1, 1},  {0.5, 5, 1.5, 3}, {0, 2, 0.3, 7},
        {3, 3.0000001, 0.5, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ax_array *a = ax_arange(ctx, cases[i].start, cases[i].stop, cases[i].step, AX_FLOAT64);
        CHECK_MSG(a && ax_ndim(a) == 1 && ax_size(a) == cases[i].len,
                  "arange(%g, %g, %g): length %lld, want %lld", cases[i].start, cases[i].stop,
                  cases[i].step, a ? (long long)ax_size(a) : -1LL, (long long)cases[i].len);
        CHECK(!ax_is_evaluated(a)); /* lazy until read */
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

typedef struct arange_arg {
    double start, stop, step;
    ax_dtype t;
} arange_arg;

static ax_array *make_arange(ax_ctx *ctx, const void *p) {
    const arange_arg *a = p;
    return ax_arange(ctx, a->start, a->stop, a->step, a->t);
}

static void test_arange_values(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a;
    /* float64: x0 + i * ((x0 + step) - x0), so element 3 of arange(0, 1, 0.1)
     * is 3 * 0.1 = 0.30000000000000004 as in NumPy */
    double *d = data_both(ctx, make_arange, &(arange_arg){0, 1, 0.1, AX_FLOAT64}, &a);
    CHECK(d && ax_size(a) == 10);
    if (d) {
        for (int i = 0; i < 10; i++) CHECK(d[i] == (double)i * 0.1);
        CHECK(d[3] == 0.30000000000000004);
        CHECK(d[9] < 1.0);
    }
    free(d);
    d = data_both(ctx, make_arange, &(arange_arg){1, 0, -0.25, AX_FLOAT64}, &a);
    CHECK(d && ax_size(a) == 4 && d[0] == 1 && d[1] == 0.75 && d[2] == 0.5 && d[3] == 0.25);
    free(d);
    /* float32: computed in float: x0 = 0f, delta = (float)0.1 */
    float *f = data_both(ctx, make_arange, &(arange_arg){0, 1, 0.1, AX_FLOAT32}, &a);
    CHECK(f && ax_size(a) == 10);
    if (f) {
        for (int i = 0; i < 10; i++) CHECK(f[i] == (float)i * 0.1f);
        CHECK((double)f[3] == 0.30000001192092896); /* 3 * 0.1f in float */
    }
    free(f);
    /* float16 through float: delta = half(0.3) = 1229 * 2^-12 */
    uint16_t *h = data_both(ctx, make_arange, &(arange_arg){0, 2, 0.3, AX_FLOAT16}, &a);
    CHECK(h && ax_size(a) == 7);
    if (h) {
        double step = 1229.0 / 4096.0;
        CHECK(ax_f16_to_f32(h[1]) == (float)step);
        for (int i = 0; i < 7; i++) CHECK(h[i] == ax_f32_to_f16((float)i * (float)step));
        CHECK(ax_f16_to_f32(h[5]) == 1.5f);
    }
    free(h);
    /* integers: x0 = trunc(start), x1 = trunc(start + step): NumPy gives all
     * zeros for arange(0, 5, 0.5, dtype=int) and [0, 2, 4] for (0.5, 5, 1.5) */
    int64_t *q = data_both(ctx, make_arange, &(arange_arg){0, 5, 0.5, AX_INT64}, &a);
    CHECK(q && ax_size(a) == 10);
    for (int i = 0; q && i < 10; i++) CHECK(q[i] == 0);
    free(q);
    q = data_both(ctx, make_arange, &(arange_arg){0.5, 5, 1.5, AX_INT64}, &a);
    CHECK(q && ax_size(a) == 3 && q[0] == 0 && q[1] == 2 && q[2] == 4);
    free(q);
    /* integer math in int64: exact beyond 2^53 */
    double big = 9007199254740992.0; /* 2^53 */
    q = data_both(ctx, make_arange, &(arange_arg){big, big + 8, 2, AX_INT64}, &a);
    CHECK(q && ax_size(a) == 4);
    for (int i = 0; q && i < 4; i++) CHECK(q[i] == (INT64_C(1) << 53) + 2 * i);
    free(q);
    /* narrow integers wrap (documented) */
    int8_t *s8 = data_both(ctx, make_arange, &(arange_arg){120, 140, 5, AX_INT8}, &a);
    CHECK(s8 && ax_size(a) == 4 && s8[0] == 120 && s8[1] == 125 && s8[2] == -126 && s8[3] == -121);
    free(s8);
    int32_t *s32 = data_both(ctx, make_arange, &(arange_arg){10, 0, -3, AX_INT32}, &a);
    CHECK(s32 && ax_size(a) == 4 && s32[0] == 10 && s32[1] == 7 && s32[2] == 4 && s32[3] == 1);
    free(s32);
    /* every dtype: arange(0, 6, 1) is 0..5 (bool: 0, 1, 1, ...) */
    for (int t = 0; t < NALL; t++) {
        char *p = data_both(ctx, make_arange, &(arange_arg){0, 6, 1, ALL[t]}, &a);
        CHECK(p && ax_size(a) == 6 && ax_dtype_of(a) == ALL[t]);
        size_t is = ax_dtype_size(ALL[t]);
        for (int i = 0; p && i < 6; i++) {
            double re, im;
            ax__load_c(p + i * is, ALL[t], &re, &im);
            double want = ALL[t] == AX_BOOL ? (i != 0) : i;
            CHECK_MSG(re == want && im == 0, "%s element %d: %g%+gi", ax_dtype_name(ALL[t]), i, re,
                      im);
        }
        free(p);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_arange_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    CHECK(ax_arange(ctx, 0, 1, 0, AX_FLOAT32) == NULL);
    CHECK(strstr(ax_error_message(ctx), "arange") && strstr(ax_error_message(ctx), "step"));
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_arange(ctx, 0, NAN, 1, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_arange(ctx, 0, INFINITY, 1, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_arange(ctx, 0, 1e300, 1e-300, AX_FLOAT32) == NULL); /* length overflows */
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_arange(ctx, 0, 1, 1, (ax_dtype)77) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_arange(NULL, 0, 1, 1, AX_FLOAT32) == NULL);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- linspace */

typedef struct lin_arg {
    double start, stop;
    int64_t num;
    bool endpoint;
    ax_dtype t;
} lin_arg;

static ax_array *make_lin(ax_ctx *ctx, const void *p) {
    const lin_arg *a = p;
    return ax_linspace(ctx, a->start, a->stop, a->num, a->endpoint, a->t);
}

static void test_linspace(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a;
    double *d = data_both(ctx, make_lin, &(lin_arg){0, 1, 5, true, AX_FLOAT64}, &a);
    CHECK(d && ax_size(a) == 5 && d[0] == 0 && d[1] == 0.25 && d[2] == 0.5 && d[3] == 0.75 &&
          d[4] == 1);
    free(d);
    /* endpoint=False: step = 1 / 5, x_i = i * step + start */
    d = data_both(ctx, make_lin, &(lin_arg){0, 1, 5, false, AX_FLOAT64}, &a);
    CHECK(d && ax_size(a) == 5);
    for (int i = 0; d && i < 5; i++) CHECK(d[i] == (double)i * 0.2);
    free(d);
    /* the last element is stop itself */
    d = data_both(ctx, make_lin, &(lin_arg){0, 0.3, 4, true, AX_FLOAT64}, &a);
    CHECK(d && d[3] == 0.3 && d[1] == 0.3 / 3.0 && d[2] == 2.0 * (0.3 / 3.0));
    free(d);
    d = data_both(ctx, make_lin, &(lin_arg){2, 3, 1, true, AX_FLOAT64}, &a);
    CHECK(d && ax_size(a) == 1 && d[0] == 2);
    free(d);
    d = data_both(ctx, make_lin, &(lin_arg){2, 3, 0, true, AX_FLOAT64}, &a);
    CHECK(a && ax_size(a) == 0);
    free(d);
    /* integers are floored (NumPy 2): [-1, 2.67, 6.33, 10] -> [-1, 2, 6, 10] */
    int64_t *q = data_both(ctx, make_lin, &(lin_arg){-1, 10, 4, true, AX_INT64}, &a);
    CHECK(q && q[0] == -1 && q[1] == 2 && q[2] == 6 && q[3] == 10);
    free(q);
    q = data_both(ctx, make_lin, &(lin_arg){0, -3, 4, false, AX_INT64}, &a); /* 0 -.75 -1.5 -2.25 */
    CHECK(q && q[0] == 0 && q[1] == -1 && q[2] == -2 && q[3] == -3);
    free(q);
    for (int t = 0; t < NALL; t++) {
        char *p = data_both(ctx, make_lin, &(lin_arg){0, 4, 5, true, ALL[t]}, &a);
        CHECK(p && ax_dtype_of(a) == ALL[t]);
        for (int i = 0; p && i < 5; i++) {
            double re, im;
            ax__load_c(p + i * ax_dtype_size(ALL[t]), ALL[t], &re, &im);
            CHECK(re == (ALL[t] == AX_BOOL ? (i != 0) : i) && im == 0);
        }
        free(p);
    }
    CHECK(ax_linspace(ctx, 0, 1, -1, true, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_linspace(ctx, 0, 1, INT64_MAX, true, AX_FLOAT32) == NULL);
    CHECK(strstr(ax_error_message(ctx), "linspace") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_linspace(ctx, 0, 1, 3, true, AX_DTYPE_COUNT) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- full */

typedef struct full_arg {
    const int64_t *shape;
    int ndim;
    double value;
    ax_dtype t;
} full_arg;

static ax_array *make_full(ax_ctx *ctx, const void *p) {
    const full_arg *a = p;
    return ax_full(ctx, a->shape, a->ndim, a->value, a->t);
}

static void test_full(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a;
    const int64_t sh[3] = {3, 1, 70001}; /* large enough for the threaded fill */
    for (int t = 0; t < NALL; t++) {
        double v = ALL[t] == AX_BOOL ? 1 : ax_dtype_is_unsigned(ALL[t]) ? 7 : -2.5;
        char *p = data_both(ctx, make_full, &(full_arg){sh, 3, v, ALL[t]}, &a);
        CHECK(p && ax_size(a) == 3 * 70001 && ax_ndim(a) == 3 && ax_dtype_of(a) == ALL[t]);
        /* the value converted as a store of v would: -2.5 -> -2 for integers */
        double want = ALL[t] == AX_BOOL ? 1 : ax_dtype_is_integer(ALL[t]) ? trunc(v) : v;
        size_t is = ax_dtype_size(ALL[t]);
        int64_t bad = 0;
        for (int64_t i = 0; p && i < ax_size(a); i++) {
            double re, im;
            ax__load_c(p + i * (int64_t)is, ALL[t], &re, &im);
            bad += re != want || im != 0;
        }
        CHECK_MSG(bad == 0, "full %s: %lld wrong elements", ax_dtype_name(ALL[t]), (long long)bad);
        free(p);
    }
    /* 0-d and zero-size */
    ax_array *s = ax_full(ctx, NULL, 0, 4.0, AX_FLOAT32);
    double x;
    CHECK(s && ax_ndim(s) == 0 && ax_item_f64(ctx, s, &x) == AX_OK && x == 4.0);
    ax_array *e = ax_zeros(ctx, (int64_t[]){0, 3}, 2, AX_FLOAT32);
    CHECK(e && ax_size(e) == 0 && ax_dim(e, 1) == 3 && ax_eval1(ctx, e) == AX_OK);
    /* zeros / ones: bit patterns of 0 and 1 in the half types */
    const uint16_t *z = ax_data(ctx, ax_zeros(ctx, (int64_t[]){4}, 1, AX_BFLOAT16));
    const uint16_t *o = ax_data(ctx, ax_ones(ctx, (int64_t[]){4}, 1, AX_FLOAT16));
    const uint16_t *ob = ax_data(ctx, ax_ones(ctx, (int64_t[]){4}, 1, AX_BFLOAT16));
    CHECK(z && z[3] == 0 && o && o[2] == 0x3c00 && ob && ob[1] == 0x3f80);
    /* _like keeps shape and dtype */
    ax_array *src = ax_arange(ctx, 0, 6, 1, AX_INT16);
    ax_array *like = ax_full_like(ctx, src, 3);
    CHECK(like && ax_dtype_of(like) == AX_INT16 && ax_ndim(like) == 1 && ax_dim(like, 0) == 6);
    const int16_t *lv = ax_data(ctx, like);
    CHECK(lv && lv[0] == 3 && lv[5] == 3);
    ax_array *zl = ax_zeros_like(ctx, ax_full(ctx, (int64_t[]){2, 3, 4}, 3, 1, AX_COMPLEX64));
    ax_array *ol = ax_ones_like(ctx, zl);
    CHECK(zl && ax_dtype_of(zl) == AX_COMPLEX64 && ax_ndim(zl) == 3 && ax_dim(zl, 2) == 4);
    const float *zv = ax_data(ctx, zl), *ov = ax_data(ctx, ol);
    CHECK(zv && zv[0] == 0 && zv[47] == 0 && ov && ov[46] == 1 && ov[47] == 0);
    CHECK_OK(ctx);
    /* errors */
    CHECK(ax_full(ctx, (int64_t[]){2, -3}, 2, 1, AX_FLOAT32) == NULL);
    CHECK(strstr(ax_error_message(ctx), "full") && strstr(ax_error_message(ctx), "-3"));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_zeros(ctx, (int64_t[]){2}, -1, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_ones(ctx, NULL, 2, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_ones(ctx, (int64_t[]){INT64_MAX, 4}, 2, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_full(ctx, (int64_t[]){2}, 1, 1, (ax_dtype)-1) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_zeros_like(ctx, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- eye, tri */

typedef struct diag_arg {
    int64_t n, m, k;
    ax_dtype t;
    bool tri;
} diag_arg;

static ax_array *make_diag(ax_ctx *ctx, const void *p) {
    const diag_arg *a = p;
    return a->tri ? ax_tri(ctx, a->n, a->m, a->k, a->t) : ax_eye(ctx, a->n, a->m, a->k, a->t);
}

static void test_eye_tri(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a;
    const int64_t ks[] = {0, 1, -1, 3, -4, 7, -9, INT64_MAX, INT64_MIN};
    for (int tri = 0; tri < 2; tri++)
        for (int t = 0; t < NALL; t++)
            for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
                int64_t n = 5, m = 7, k = ks[ki];
                char *p = data_both(ctx, make_diag, &(diag_arg){n, m, k, ALL[t], tri}, &a);
                CHECK(p && ax_dim(a, 0) == n && ax_dim(a, 1) == m);
                int bad = 0;
                for (int64_t i = 0; p && i < n; i++)
                    for (int64_t j = 0; j < m; j++) {
                        /* NumPy: eye has ones where j - i == k, tri where j - i <= k */
                        bool one = tri ? (k >= j - i) : (k == j - i);
                        double re, im;
                        ax__load_c(p + (i * m + j) * (int64_t)ax_dtype_size(ALL[t]), ALL[t], &re,
                                   &im);
                        bad += re != (one ? 1.0 : 0.0) || im != 0;
                    }
                CHECK_MSG(bad == 0, "%s %s k=%lld: %d wrong", tri ? "tri" : "eye",
                          ax_dtype_name(ALL[t]), (long long)k, bad);
                free(p);
            }
    /* tall and large (threaded rows) */
    for (int tri = 0; tri < 2; tri++) {
        int64_t n = 1200, m = 300, k = -2;
        float *p = data_both(ctx, make_diag, &(diag_arg){n, m, k, AX_FLOAT32, tri}, &a);
        int64_t bad = 0;
        for (int64_t i = 0; p && i < n; i++)
            for (int64_t j = 0; j < m; j++)
                bad += p[i * m + j] != ((tri ? j - i <= k : j - i == k) ? 1.0f : 0.0f);
        CHECK(p && bad == 0);
        free(p);
    }
    const double *id = ax_data(ctx, ax_identity(ctx, 3, AX_FLOAT64));
    CHECK(id && id[0] == 1 && id[1] == 0 && id[4] == 1 && id[8] == 1 && id[7] == 0);
    ax_array *empty = ax_eye(ctx, 0, 4, 0, AX_FLOAT32);
    CHECK(empty && ax_size(empty) == 0 && ax_eval1(ctx, empty) == AX_OK);
    CHECK_OK(ctx);
    CHECK(ax_eye(ctx, -1, 3, 0, AX_FLOAT32) == NULL);
    CHECK(strstr(ax_error_message(ctx), "eye") != NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_tri(ctx, 3, -2, 0, AX_FLOAT32) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_identity(ctx, 3, (ax_dtype)99) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- meshgrid */

static void test_meshgrid(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x = ax_arange(ctx, 0, 3, 1, AX_FLOAT32); /* 0 1 2 */
    ax_array *y = ax_arange(ctx, 0, 40, 10, AX_INT32); /* 0 10 20 30 */
    ax_array *z = ax_arange(ctx, 5, 7, 1, AX_FLOAT64); /* 5 6 */
    ax_array *in[3] = {x, y, z}, *out[3];
    for (int ij = 0; ij < 2; ij++) {
        /* NumPy: xy gives shape (len(y), len(x), len(z)) with X[i, j, k] = x[j],
         * Y = y[i]; ij gives (len(x), len(y), len(z)) with X = x[i], Y = y[j] */
        CHECK(ax_meshgrid(ctx, in, 3, ij, out) == AX_OK);
        int64_t d0 = ij ? 3 : 4, d1 = ij ? 4 : 3;
        for (int o = 0; o < 3; o++)
            CHECK(out[o] && ax_ndim(out[o]) == 3 && ax_dim(out[o], 0) == d0 &&
                  ax_dim(out[o], 1) == d1 && ax_dim(out[o], 2) == 2 &&
                  ax_dtype_of(out[o]) == ax_dtype_of(in[o]));
        double *X = test_to_f64(ctx, out[0]), *Y = test_to_f64(ctx, out[1]),
               *Z = test_to_f64(ctx, out[2]);
        int bad = 0;
        for (int i = 0; X && Y && Z && i < d0; i++)
            for (int j = 0; j < d1; j++)
                for (int k = 0; k < 2; k++) {
                    int64_t e = (i * d1 + j) * 2 + k;
                    bad += X[e] != (ij ? i : j) || Y[e] != 10.0 * (ij ? j : i) || Z[e] != 5 + k;
                }
        CHECK(X && Y && Z && bad == 0);
        free(X), free(Y), free(Z);
    }
    /* one input: itself (flattened); 2-D inputs are flattened */
    CHECK(ax_meshgrid(ctx, &x, 1, false, out) == AX_OK && ax_ndim(out[0]) == 1 &&
          ax_dim(out[0], 0) == 3);
    ax_array *m = ax_zeros(ctx, (int64_t[]){2, 2}, 2, AX_FLOAT32);
    ax_array *in2[2] = {m, x};
    CHECK(ax_meshgrid(ctx, in2, 2, false, out) == AX_OK && ax_dim(out[0], 0) == 3 &&
          ax_dim(out[0], 1) == 4);
    CHECK(ax_meshgrid(ctx, in, 0, true, out) == AX_OK);
    CHECK_OK(ctx);
    ax_array *bad_in[2] = {x, NULL};
    out[0] = x;
    CHECK(ax_meshgrid(ctx, bad_in, 2, true, out) == AX_ERR_NULL && out[0] == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_meshgrid(ctx, in, -1, true, out) == AX_ERR_VALUE);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_ctx_free(ctx);
}

int main(void) {
    test_arange_lengths();
    test_arange_values();
    test_arange_errors();
    test_linspace();
    test_full();
    test_eye_tri();
    test_meshgrid();
    return test_summary("test_creation");
}
