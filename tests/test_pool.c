/* Pooling: PyTorch-made fixtures (tests/numpy_ref/conv_refs.h) in every
 * float dtype with the fast and the reference kernels, hand-computed
 * windows (padding with -inf / zeros, count_include_pad both ways, the
 * default stride), NaN and infinity handling, non-contiguous inputs, and
 * errors for bad input. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "numpy_ref/conv_refs.h"
#include "testutil.h"

#define SH(...) ((const int64_t[]){__VA_ARGS__})

static int64_t numel(const int64_t *s, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= s[i];
    return n;
}

static double bound(ax_dtype t) {
    switch (t) {
    case AX_FLOAT64: return 1e-12;
    case AX_FLOAT32: return 1e-6;
    case AX_FLOAT16: return 1e-3;
    default: return 8e-3;
    }
}

/* r has the shape and each element is within tol relative of want (NaN
 * matches NaN, infinities must be equal). */
static void check_vals(ax_ctx *ctx, ax_array *r, const int64_t *shape, int nd, const double *want,
                       double tol, const char *what) {
    double *got = test_result_f64(ctx, r, shape, nd, what);
    if (!got) return;
    int64_t n = numel(shape, nd);
    for (int64_t i = 0; i < n; i++) {
        bool ok = isnan(want[i]) ? isnan(got[i])
                : isinf(want[i]) ? got[i] == want[i]
                                 : fabs(got[i] - want[i]) <= tol * fmax(1.0, fabs(want[i]));
        CHECK_MSG(ok, "%s: element %lld is %.9g, want %.9g", what, (long long)i, got[i], want[i]);
    }
    free(got);
}

static ax_array *run_ref(ax_ctx *ctx, const conv_ref *c, ax_array *x) {
    bool max = c->kind == REF_MAX_POOL;
    switch (c->nsp) {
    case 1:
        return max ? ax_max_pool1d(ctx, x, c->kernel[0], c->stride[0], c->padding[0])
                   : ax_avg_pool1d(ctx, x, c->kernel[0], c->stride[0], c->padding[0], c->include_pad);
    case 2:
        return max ? ax_max_pool2d(ctx, x, c->kernel, c->stride, c->padding)
                   : ax_avg_pool2d(ctx, x, c->kernel, c->stride, c->padding, c->include_pad);
    default:
        return max ? ax_max_pool3d(ctx, x, c->kernel, c->stride, c->padding)
                   : ax_avg_pool3d(ctx, x, c->kernel, c->stride, c->padding, c->include_pad);
    }
}

static void test_fixtures(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype types[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16};
    int ran = 0;
    for (int i = 0; i < CONV_REFS_COUNT; i++) {
        const conv_ref *c = &conv_refs[i];
        if (c->kind != REF_MAX_POOL && c->kind != REF_AVG_POOL) continue;
        int nd = c->nsp + 2;
        for (int ti = 0; ti < 4; ti++)
            for (int pass = 0; pass < 2; pass++) {
                ax__cpu_force_reference(pass == 1);
                ax_scope_begin(ctx);
                ax_array *x = test_from_f64(ctx, c->x, types[ti], c->x_shape, nd);
                ax_array *r = run_ref(ctx, c, x);
                char what[128];
                snprintf(what, sizeof what, "%s/%s/%s", c->name, ax_dtype_name(types[ti]),
                         pass ? "reference" : "fast");
                if (r) CHECK_MSG(ax_dtype_of(r) == types[ti], "%s: dtype", what);
                /* max: exact (a selected input); avg: one rounding of a mean */
                check_vals(ctx, r, c->out_shape, nd, c->out,
                           c->kind == REF_MAX_POOL ? 0 : bound(types[ti]), what);
                ax_scope_end(ctx);
                ran++;
            }
    }
    ax__cpu_force_reference(false);
    CHECK(ran >= 7 * 8);
    ax_ctx_free(ctx);
}

static ax_array *vec(ax_ctx *ctx, const double *v, int64_t n, ax_dtype t) { /* (1, n, 1) */
    return test_from_f64(ctx, v, t, SH(1, n, 1), 3);
}

static void test_hand_values(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype types[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16};
    for (int ti = 0; ti < 4; ti++)
        for (int pass = 0; pass < 2; pass++) {
            ax__cpu_force_reference(pass == 1);
            ax_dtype t = types[ti];
            double tol = bound(t);
            ax_array *x = vec(ctx, (const double[]){1, 3, 2, 5, 4}, 5, t);
            check_vals(ctx, ax_max_pool1d(ctx, x, 2, 1, 0), SH(1, 4, 1), 3,
                       (const double[]){3, 3, 5, 5}, 0, "max k2 s1");
            /* padding: windows [pad,1,3] [3,2,5] [5,4,pad] */
            check_vals(ctx, ax_max_pool1d(ctx, x, 3, 2, 1), SH(1, 3, 1), 3,
                       (const double[]){3, 5, 5}, 0, "max k3 s2 p1");
            check_vals(ctx, ax_avg_pool1d(ctx, x, 3, 2, 1, true), SH(1, 3, 1), 3,
                       (const double[]){4.0 / 3, 10.0 / 3, 3}, tol, "avg include pad");
            check_vals(ctx, ax_avg_pool1d(ctx, x, 3, 2, 1, false), SH(1, 3, 1), 3,
                       (const double[]){2, 10.0 / 3, 4.5}, tol, "avg exclude pad");
            /* the window past the end is dropped (floor) */
            check_vals(ctx, ax_avg_pool1d(ctx, x, 2, 2, 0, true), SH(1, 2, 1), 3,
                       (const double[]){2, 3.5}, tol, "avg floor");
            /* all-negative values with padding: -inf padding never wins */
            ax_array *neg = vec(ctx, (const double[]){-5, -7, -1, -9}, 4, t);
            check_vals(ctx, ax_max_pool1d(ctx, neg, 3, 3, 1), SH(1, 2, 1), 3,
                       (const double[]){-5, -1}, 0, "max negative");
            /* NaN propagates; infinities pass through */
            ax_array *nanx = vec(ctx, (const double[]){1, NAN, 2, 3, INFINITY, -INFINITY}, 6, t);
            check_vals(ctx, ax_max_pool1d(ctx, nanx, 2, 2, 0), SH(1, 3, 1), 3,
                       (const double[]){NAN, 3, INFINITY}, 0, "max nan/inf");
            check_vals(ctx, ax_avg_pool1d(ctx, nanx, 2, 2, 0, true), SH(1, 3, 1), 3,
                       (const double[]){NAN, 2.5, NAN}, tol, "avg nan/inf");
            ax_array *nanfirst = vec(ctx, (const double[]){NAN, 1, 2, NAN}, 4, t);
            check_vals(ctx, ax_max_pool1d(ctx, nanfirst, 2, 1, 0), SH(1, 3, 1), 3,
                       (const double[]){NAN, 2, NAN}, 0, "max nan first/last");
            /* 2-D: stride NULL = kernel, channels independent */
            double v[2 * 4 * 4];
            for (int i = 0; i < 16; i++) {
                v[2 * i] = i;       /* channel 0: 0..15 */
                v[2 * i + 1] = -i;  /* channel 1: 0..-15 */
            }
            ax_array *x2 = test_from_f64(ctx, v, t, SH(1, 4, 4, 2), 4);
            check_vals(ctx, ax_max_pool2d(ctx, x2, SH(2, 2), NULL, NULL), SH(1, 2, 2, 2), 4,
                       (const double[]){5, 0, 7, -2, 13, -8, 15, -10}, 0, "max2d default stride");
            check_vals(ctx, ax_avg_pool2d(ctx, x2, SH(2, 2), NULL, NULL, true), SH(1, 2, 2, 2), 4,
                       (const double[]){2.5, -2.5, 4.5, -4.5, 10.5, -10.5, 12.5, -12.5}, tol,
                       "avg2d default stride");
            /* 3-D: one window over everything */
            ax_array *x3 = test_from_f64(ctx, (const double[]){1, 2, 3, 4, 5, 6, 7, 8}, t,
                                         SH(1, 2, 2, 2, 1), 5);
            check_vals(ctx, ax_max_pool3d(ctx, x3, SH(2, 2, 2), NULL, NULL), SH(1, 1, 1, 1, 1), 5,
                       (const double[]){8}, 0, "max3d");
            check_vals(ctx, ax_avg_pool3d(ctx, x3, SH(2, 2, 2), NULL, NULL, false), SH(1, 1, 1, 1, 1), 5,
                       (const double[]){4.5}, tol, "avg3d");
            /* padding 1 on a 2x2x2 cube, kernel 2 stride 2: each output window holds one input */
            check_vals(ctx, ax_avg_pool3d(ctx, x3, SH(2, 2, 2), NULL, SH(1, 1, 1), false),
                       SH(1, 2, 2, 2, 1), 5, (const double[]){1, 2, 3, 4, 5, 6, 7, 8}, tol, "avg3d pad exclude");
            check_vals(ctx, ax_avg_pool3d(ctx, x3, SH(2, 2, 2), NULL, SH(1, 1, 1), true),
                       SH(1, 2, 2, 2, 1), 5,
                       (const double[]){1.0 / 8, 2.0 / 8, 3.0 / 8, 4.0 / 8, 5.0 / 8, 6.0 / 8, 7.0 / 8, 1},
                       tol, "avg3d pad include");
        }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* A transposed (non-contiguous) input gives the same result as its copy. */
static void test_strided_input(void) {
    ax_ctx *ctx = ax_ctx_new();
    int64_t n = 2 * 9 * 7 * 5;
    double *v = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = sin((double)i * 0.7);
    ax_array *base = test_from_f64(ctx, v, AX_FLOAT32, SH(2, 7, 9, 5), 4);
    ax_array *view = ax_transpose(ctx, base, (const int[]){0, 2, 1, 3}, 4); /* (2, 9, 7, 5) */
    ax_array *copy = ax_contiguous(ctx, view);
    for (int pass = 0; pass < 2; pass++) {
        ax__cpu_force_reference(pass == 1);
        ax_array *a = ax_max_pool2d(ctx, view, SH(3, 2), SH(2, 1), SH(1, 1));
        ax_array *b = ax_max_pool2d(ctx, copy, SH(3, 2), SH(2, 1), SH(1, 1));
        ax_array *c = ax_avg_pool2d(ctx, view, SH(3, 3), SH(2, 2), SH(1, 0), false);
        ax_array *d = ax_avg_pool2d(ctx, copy, SH(3, 3), SH(2, 2), SH(1, 0), false);
        CHECK_OK(ctx);
        double *va = test_to_f64(ctx, a), *vb = test_to_f64(ctx, b);
        double *vc = test_to_f64(ctx, c), *vd = test_to_f64(ctx, d);
        if (va && vb && vc && vd) {
            int bad = 0;
            for (int64_t i = 0; i < ax_size(a); i++) bad += va[i] != vb[i];
            for (int64_t i = 0; i < ax_size(c); i++) bad += vc[i] != vd[i];
            CHECK_MSG(bad == 0, "%d elements differ between a view and its copy", bad);
        }
        free(va), free(vb), free(vc), free(vd);
    }
    ax__cpu_force_reference(false);
    free(v);
    ax_ctx_free(ctx);
}

#define CHECK_FAILS(ctx, expr, code, op)                                                    \
    do {                                                                                    \
        CHECK((expr) == NULL);                                                              \
        CHECK_MSG(strncmp(ax_error_message(ctx), op ":", strlen(op ":")) == 0,              \
                  "message does not name %s: %s", op, ax_error_message(ctx));              \
        CHECK_ERR(ctx, code);                                                               \
    } while (0)

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x1 = ax_ones(ctx, SH(2, 8, 3), 3, AX_FLOAT32);
    ax_array *x2 = ax_ones(ctx, SH(2, 8, 8, 3), 4, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_max_pool2d(ctx, x1, SH(2, 2), NULL, NULL), AX_ERR_SHAPE, "max_pool2d");
    CHECK_FAILS(ctx, ax_avg_pool1d(ctx, x2, 2, 2, 0, true), AX_ERR_SHAPE, "avg_pool1d");
    CHECK_FAILS(ctx, ax_max_pool3d(ctx, x2, SH(2, 2, 2), NULL, NULL), AX_ERR_SHAPE, "max_pool3d");
    CHECK_FAILS(ctx, ax_max_pool1d(ctx, x1, 0, 1, 0), AX_ERR_VALUE, "max_pool1d");
    CHECK_FAILS(ctx, ax_max_pool1d(ctx, x1, 2, 0, 0), AX_ERR_VALUE, "max_pool1d");
    CHECK_FAILS(ctx, ax_max_pool1d(ctx, x1, 2, -1, 0), AX_ERR_VALUE, "max_pool1d");
    CHECK_FAILS(ctx, ax_avg_pool2d(ctx, x2, SH(3, 3), SH(1, 1), SH(2, 0), true), AX_ERR_VALUE,
                "avg_pool2d"); /* padding > kernel / 2 */
    CHECK_FAILS(ctx, ax_avg_pool2d(ctx, x2, SH(3, 3), SH(1, 1), SH(-1, 0), true), AX_ERR_VALUE,
                "avg_pool2d");
    CHECK_FAILS(ctx, ax_max_pool2d(ctx, x2, SH(9, 2), NULL, NULL), AX_ERR_SHAPE, "max_pool2d");
    CHECK(ax_max_pool2d(ctx, x2, SH(9, 2), NULL, SH(1, 0)) != NULL); /* fits once padded */
    CHECK_OK(ctx);
    CHECK_FAILS(ctx, ax_max_pool2d(ctx, x2, NULL, NULL, NULL), AX_ERR_VALUE, "max_pool2d");
    ax_array *xi = ax_ones(ctx, SH(2, 8, 3), 3, AX_INT32);
    CHECK_FAILS(ctx, ax_max_pool1d(ctx, xi, 2, 2, 0), AX_ERR_DTYPE, "max_pool1d");
    ax_array *x0 = ax_ones(ctx, SH(2, 0, 3), 3, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_avg_pool1d(ctx, x0, 1, 1, 0, true), AX_ERR_SHAPE, "avg_pool1d");
    /* empty batch and empty channels are fine */
    ax_array *xe = ax_ones(ctx, SH(0, 8, 0), 3, AX_FLOAT32);
    ax_array *ye = ax_max_pool1d(ctx, xe, 2, 2, 0);
    CHECK(ye && ax_eval1(ctx, ye) == AX_OK && ax_shape(ye)[1] == 4);
    CHECK(ax_max_pool1d(ctx, NULL, 2, 2, 0) == NULL);
    ax_error_clear(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_fixtures();
    test_hand_values();
    test_strided_input();
    test_errors();
    return test_summary("test_pool");
}
