/* Convolutions: PyTorch-made fixtures (tests/numpy_ref/conv_refs.h) in every
 * float dtype with the fast and the reference kernels, hand-computed values,
 * the adjoint identity <conv(x, w), y> = <x, conv_transpose(y, w^T)>, the
 * tiled im2col path against the reference kernel, dtype promotion, and
 * errors for bad input. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "numpy_ref/conv_refs.h"
#include "testutil.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static double urand(void) { /* uniform [-1, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static int64_t numel(const int64_t *s, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= s[i];
    return n;
}

static ax_array *rand_array(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd) {
    int64_t n = numel(shape, nd);
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = urand();
    ax_array *a = test_from_f64(ctx, v, t, shape, nd);
    free(v);
    return a;
}

/* Error bound for normalized error (max |got - want| / max |want|) of a
 * result rounded once to dtype t from exact-input sums. */
static double bound(ax_dtype t) {
    switch (t) {
    case AX_FLOAT64: return 1e-12;
    case AX_FLOAT32: return 1e-5;
    case AX_FLOAT16: return 2e-3;
    default: return 1.6e-2;
    }
}

/* r has shape (nd dims) and values within bound(t) of want (normalized). */
static void check_close(ax_ctx *ctx, ax_array *r, const int64_t *shape, int nd, const double *want,
                        double tol, const char *what) {
    double *got = test_result_f64(ctx, r, shape, nd, what);
    if (!got) return;
    int64_t n = numel(shape, nd);
    double scale = 0, err = 0;
    int64_t worst = 0;
    for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    for (int64_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]);
        if (!(e <= err)) {
            err = e;
            worst = i;
        }
    }
    CHECK_MSG(err <= tol * (scale > 0 ? scale : 1), "%s: normalized error %.3g > %.3g (element %lld: %.9g, want %.9g)",
              what, err / (scale > 0 ? scale : 1), tol, (long long)worst, got[worst], want[worst]);
    free(got);
}

static ax_array *run_ref(ax_ctx *ctx, const conv_ref *c, ax_array *x, ax_array *w) {
    int nsp = c->nsp;
    switch (c->kind) {
    case REF_CONV:
        if (nsp == 1) return ax_conv1d(ctx, x, w, c->stride[0], c->padding[0], c->dilation[0], c->groups);
        if (nsp == 2) return ax_conv2d(ctx, x, w, c->stride, c->padding, c->dilation, c->groups);
        return ax_conv3d(ctx, x, w, c->stride, c->padding, c->dilation, c->groups);
    case REF_CONV_GENERAL:
        return ax_conv_general(ctx, x, w, c->stride, c->padding, c->pad_hi, c->dilation, NULL,
                               c->groups, false);
    case REF_CONV_TRANSPOSE:
        if (nsp == 1)
            return ax_conv_transpose1d(ctx, x, w, c->stride[0], c->padding[0], c->dilation[0],
                                       c->output_padding[0], c->groups);
        if (nsp == 2)
            return ax_conv_transpose2d(ctx, x, w, c->stride, c->padding, c->dilation,
                                       c->output_padding, c->groups);
        return ax_conv_transpose3d(ctx, x, w, c->stride, c->padding, c->dilation,
                                   c->output_padding, c->groups);
    default: return NULL;
    }
}

static void test_fixtures(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype types[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16};
    int ran = 0;
    for (int i = 0; i < CONV_REFS_COUNT; i++) {
        const conv_ref *c = &conv_refs[i];
        if (c->kind == REF_MAX_POOL || c->kind == REF_AVG_POOL) continue;
        int nd = c->nsp + 2;
        for (int ti = 0; ti < 4; ti++)
            for (int pass = 0; pass < 2; pass++) {
                ax__cpu_force_reference(pass == 1);
                ax_scope_begin(ctx);
                ax_array *x = test_from_f64(ctx, c->x, types[ti], c->x_shape, nd);
                ax_array *w = test_from_f64(ctx, c->w, types[ti], c->w_shape, nd);
                ax_array *r = run_ref(ctx, c, x, w);
                char what[128];
                snprintf(what, sizeof what, "%s/%s/%s", c->name, ax_dtype_name(types[ti]),
                         pass ? "reference" : "fast");
                if (r) CHECK_MSG(ax_dtype_of(r) == types[ti], "%s: dtype", what);
                check_close(ctx, r, c->out_shape, nd, c->out, bound(types[ti]), what);
                ax_scope_end(ctx);
                ran++;
            }
    }
    ax__cpu_force_reference(false);
    CHECK(ran >= 12 * 8);
    ax_ctx_free(ctx);
}

#define SH(...) ((const int64_t[]){__VA_ARGS__})

static ax_array *vec(ax_ctx *ctx, const double *v, int64_t n) { /* (1, n, 1) */
    return test_from_f64(ctx, v, AX_FLOAT32, SH(1, n, 1), 3);
}

static void test_hand_values(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int pass = 0; pass < 2; pass++) {
        ax__cpu_force_reference(pass == 1);
        ax_array *x = vec(ctx, (const double[]){1, 2, 3, 4, 5}, 5);
        ax_array *w = vec(ctx, (const double[]){1, 0, -1}, 3);
        /* out[i] = x[i] - x[i + 2] */
        check_close(ctx, ax_conv1d(ctx, x, w, 1, 0, 1, 1), SH(1, 3, 1), 3,
                    (const double[]){-2, -2, -2}, 0, "conv1d valid");
        /* zero padding 1: out[i] = x[i - 1] - x[i + 1] */
        check_close(ctx, ax_conv1d(ctx, x, w, 1, 1, 1, 1), SH(1, 5, 1), 3,
                    (const double[]){-2, -2, -2, -2, 4}, 0, "conv1d padded");
        /* stride 2 over the padded input: positions 0, 2, 4 */
        check_close(ctx, ax_conv1d(ctx, x, w, 2, 1, 1, 1), SH(1, 3, 1), 3,
                    (const double[]){-2, -2, 4}, 0, "conv1d stride");
        /* dilation 2: out[i] = x[i] - x[i + 4] */
        check_close(ctx, ax_conv1d(ctx, x, w, 1, 0, 2, 1), SH(1, 1, 1), 3, (const double[]){-4},
                    0, "conv1d dilation");
        /* transposed, stride 2: x = [1, 2] scattered by [1, 1, 1] */
        ax_array *x2 = vec(ctx, (const double[]){1, 2}, 2);
        ax_array *ones = vec(ctx, (const double[]){1, 1, 1}, 3);
        check_close(ctx, ax_conv_transpose1d(ctx, x2, ones, 2, 0, 1, 0, 1), SH(1, 5, 1), 3,
                    (const double[]){1, 1, 3, 2, 2}, 0, "conv_transpose1d");
        check_close(ctx, ax_conv_transpose1d(ctx, x2, ones, 2, 1, 1, 1, 1), SH(1, 4, 1), 3,
                    (const double[]){1, 3, 2, 2}, 0, "conv_transpose1d padding/output_padding");
        /* input dilation 2 with a 1-tap kernel: zeros between inputs */
        ax_array *x3 = vec(ctx, (const double[]){1, 2, 3}, 3);
        ax_array *one = vec(ctx, (const double[]){1}, 1);
        check_close(ctx, ax_conv_general(ctx, x3, one, NULL, NULL, NULL, NULL, SH(2), 1, false),
                    SH(1, 5, 1), 3, (const double[]){1, 0, 2, 0, 3}, 0, "input dilation");
        /* flip: correlate with the reversed kernel [2, 1] */
        ax_array *x4 = vec(ctx, (const double[]){1, 2, 3, 4}, 4);
        ax_array *w12 = vec(ctx, (const double[]){1, 2}, 2);
        check_close(ctx, ax_conv_general(ctx, x4, w12, NULL, NULL, NULL, NULL, NULL, 1, true),
                    SH(1, 3, 1), 3, (const double[]){4, 7, 10}, 0, "flip");
        check_close(ctx, ax_conv_general(ctx, x4, w12, NULL, NULL, NULL, NULL, NULL, 1, false),
                    SH(1, 3, 1), 3, (const double[]){5, 8, 11}, 0, "no flip");
        /* asymmetric padding: 2 zeros before, none after; negative padding crops */
        check_close(ctx, ax_conv_general(ctx, x4, w12, NULL, SH(2), SH(0), NULL, NULL, 1, false),
                    SH(1, 5, 1), 3, (const double[]){0, 2, 5, 8, 11}, 0, "padding lo");
        check_close(ctx, ax_conv_general(ctx, x4, w12, NULL, SH(-1), SH(0), NULL, NULL, 1, false),
                    SH(1, 2, 1), 3, (const double[]){8, 11}, 0, "negative padding");
        /* two channels, groups 2: each output channel sees its own input channel */
        ax_array *xc = test_from_f64(ctx, (const double[]){1, 10, 2, 20, 3, 30}, AX_FLOAT32, SH(1, 3, 2), 3);
        ax_array *wc = test_from_f64(ctx, (const double[]){1, 1, -1, 1}, AX_FLOAT32, SH(2, 2, 1), 3);
        check_close(ctx, ax_conv1d(ctx, xc, wc, 1, 0, 1, 2), SH(1, 2, 2), 3,
                    (const double[]){3, 10, 5, 10}, 0, "groups");
        /* groups 1 on the same data: both channels summed */
        ax_array *wc1 = test_from_f64(ctx, (const double[]){1, 1, 1, 1}, AX_FLOAT32, SH(1, 2, 2), 3);
        check_close(ctx, ax_conv1d(ctx, xc, wc1, 1, 0, 1, 1), SH(1, 2, 1), 3,
                    (const double[]){33, 55}, 0, "channels summed");
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* W (Co, K..., Ci/g) -> the transposed-conv weight of the adjoint, (Ci, K...,
 * Co/g): per group, the two channel axes swapped. */
static ax_array *adjoint_weight(ax_ctx *ctx, ax_array *w, int64_t g) {
    int nd = ax_ndim(w), nsp = nd - 2;
    const int64_t *s = ax_shape(w);
    int64_t shp[8], co = s[0], cig = s[nd - 1];
    shp[0] = g;
    shp[1] = co / g;
    for (int d = 0; d < nsp; d++) shp[2 + d] = s[1 + d];
    shp[2 + nsp] = cig;
    ax_array *r = ax_reshape(ctx, w, shp, nd + 1);
    int perm[8];
    perm[0] = 0;
    perm[1] = nd;
    for (int d = 0; d < nsp; d++) perm[2 + d] = 2 + d;
    perm[nd] = 1;
    r = ax_transpose(ctx, r, perm, nd + 1);
    int64_t out[8];
    out[0] = g * cig;
    for (int d = 0; d < nsp; d++) out[1 + d] = s[1 + d];
    out[nd - 1] = co / g;
    return ax_reshape(ctx, r, out, nd);
}

static double dot(ax_ctx *ctx, ax_array *a, ax_array *b) {
    ax_array *s = ax_sum(ctx, ax_multiply(ctx, a, b), NULL, 0, false);
    const double *v = s ? ax_data(ctx, s) : NULL;
    return v ? v[0] : NAN;
}

/* conv_transpose is the adjoint of conv: <conv(x, w), y> = <x, convT(y, w')>. */
static void test_adjoint(void) {
    ax_ctx *ctx = ax_ctx_new();
    struct {
        int nsp;
        int64_t n, in[2], cin, cout, k[2], s[2], p[2], d[2], g;
    } cs[] = {
        {1, 2, {11}, 4, 6, {3}, {2}, {1}, {1}, 2},
        {1, 1, {13}, 3, 2, {4}, {3}, {2}, {2}, 1},
        {2, 2, {7, 9}, 4, 6, {3, 2}, {2, 3}, {1, 0}, {1, 2}, 2},
        {2, 1, {8, 8}, 3, 5, {3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},
        {2, 1, {9, 6}, 6, 6, {3, 3}, {2, 2}, {1, 1}, {1, 1}, 6},
    };
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
        for (int pass = 0; pass < 2; pass++) {
            ax__cpu_force_reference(pass == 1);
            ax_scope_begin(ctx);
            int nsp = cs[i].nsp, nd = nsp + 2;
            int64_t xs[4], ws[4], op[2];
            xs[0] = cs[i].n;
            ws[0] = cs[i].cout;
            for (int d = 0; d < nsp; d++) {
                xs[1 + d] = cs[i].in[d];
                ws[1 + d] = cs[i].k[d];
                int64_t span = cs[i].in[d] + 2 * cs[i].p[d] - cs[i].d[d] * (cs[i].k[d] - 1) - 1;
                op[d] = span % cs[i].s[d];
            }
            xs[nd - 1] = cs[i].cin;
            ws[nd - 1] = cs[i].cin / cs[i].g;
            ax_array *x = rand_array(ctx, AX_FLOAT64, xs, nd), *w = rand_array(ctx, AX_FLOAT64, ws, nd);
            ax_array *y = nsp == 1 ? ax_conv1d(ctx, x, w, cs[i].s[0], cs[i].p[0], cs[i].d[0], cs[i].g)
                                   : ax_conv2d(ctx, x, w, cs[i].s, cs[i].p, cs[i].d, cs[i].g);
            CHECK_OK(ctx);
            if (!y) continue;
            ax_array *u = rand_array(ctx, AX_FLOAT64, ax_shape(y), nd);
            ax_array *wt = adjoint_weight(ctx, w, cs[i].g);
            ax_array *xt = nsp == 1 ? ax_conv_transpose1d(ctx, u, wt, cs[i].s[0], cs[i].p[0], cs[i].d[0],
                                                          op[0], cs[i].g)
                                    : ax_conv_transpose2d(ctx, u, wt, cs[i].s, cs[i].p, cs[i].d, op, cs[i].g);
            CHECK_OK(ctx);
            if (!xt) continue;
            bool same = ax_ndim(xt) == nd;
            for (int d = 0; d < nd && same; d++) same = ax_shape(xt)[d] == xs[d];
            CHECK_MSG(same, "adjoint case %zu: transposed output shape differs from the input's", i);
            if (!same) continue;
            double lhs = dot(ctx, y, u), rhs = dot(ctx, x, xt);
            CHECK_MSG(fabs(lhs - rhs) <= 1e-10 * (1 + fabs(lhs)), "adjoint case %zu (%s): %.15g vs %.15g",
                      i, pass ? "reference" : "fast", lhs, rhs);
            ax_scope_end(ctx);
        }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* Sizes whose im2col takes several tiles, strided and dilated taps, groups,
 * float64 and the half types, non-contiguous inputs: fast vs reference. */
static void test_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    struct {
        ax_dtype t;
        int64_t xs[4], ws[4], s[2], p[2], d[2], g;
        bool transpose_input;
    } cs[] = {
        {AX_FLOAT32, {1, 40, 40, 64}, {32, 3, 3, 64}, {1, 1}, {1, 1}, {1, 1}, 1, false},
        {AX_FLOAT32, {2, 21, 19, 16}, {24, 5, 3, 4}, {2, 1}, {2, 1}, {1, 2}, 4, true},
        {AX_FLOAT64, {1, 30, 30, 32}, {16, 3, 3, 32}, {1, 1}, {0, 0}, {2, 2}, 1, false},
        {AX_FLOAT16, {2, 16, 16, 24}, {12, 3, 3, 12}, {1, 1}, {1, 1}, {1, 1}, 2, false},
        {AX_BFLOAT16, {1, 20, 20, 8}, {8, 1, 1, 8}, {1, 1}, {0, 0}, {1, 1}, 1, true},
        {AX_FLOAT32, {3, 9, 9, 10}, {20, 1, 1, 5}, {2, 2}, {0, 0}, {1, 1}, 2, false},
        /* the direct AVX-512 path: C_out 96 = blocks of 64 + 32, C_in 128 */
        {AX_FLOAT32, {1, 15, 17, 128}, {96, 3, 3, 128}, {2, 1}, {1, 1}, {1, 2}, 1, false},
        /* direct path with C_in > 256 */
        {AX_FLOAT32, {1, 16, 17, 272}, {32, 3, 3, 272}, {1, 1}, {1, 1}, {1, 1}, 1, false},
        /* direct path, pixel blocks of 6 that straddle rows and images (widths 7 and 11),
         * C_in not a multiple of 16 (packing's masked tail), strides and dilation */
        {AX_FLOAT32, {3, 9, 11, 17}, {32, 3, 3, 17}, {2, 1}, {1, 1}, {2, 1}, 1, false},
        {AX_FLOAT32, {2, 13, 7, 5}, {48, 5, 3, 5}, {1, 2}, {2, 1}, {1, 1}, 1, true},
        /* C_in > 256 on small images, batch 6 and 1 (one channel block: shared packing) */
        {AX_FLOAT32, {6, 7, 7, 300}, {48, 3, 3, 300}, {1, 1}, {1, 1}, {1, 1}, 1, false},
        {AX_FLOAT32, {1, 7, 7, 300}, {48, 3, 3, 300}, {1, 1}, {1, 1}, {1, 1}, 1, false},
        /* many channel blocks (528 = 8 x 64 + 16) over few pixels: each unit packs its
         * own chunks of weights (up to 4 threads); C_in = 200: chunks of 128 + 72 channels */
        {AX_FLOAT32, {2, 5, 6, 40}, {528, 3, 3, 40}, {1, 1}, {1, 1}, {1, 1}, 1, false},
        {AX_FLOAT32, {3, 5, 5, 200}, {528, 3, 3, 200}, {2, 1}, {1, 1}, {1, 1}, 1, false},
        /* 1x1 with an output over 2 MiB: the direct kernel's streaming stores
         * (2 x 96 x 96 x 80 floats), C_out 80 = blocks of 64 + 16 */
        {AX_FLOAT32, {2, 96, 96, 32}, {80, 1, 1, 32}, {1, 1}, {0, 0}, {1, 1}, 1, false},
        /* depthwise with channel multiplier 2, and plain depthwise in float64 */
        {AX_FLOAT32, {2, 12, 11, 4}, {8, 3, 3, 1}, {1, 2}, {1, 1}, {2, 1}, 4, true},
        {AX_FLOAT64, {1, 10, 10, 16}, {16, 5, 5, 1}, {2, 2}, {2, 2}, {1, 1}, 16, false},
    };
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        ax_scope_begin(ctx);
        ax_array *x = rand_array(ctx, cs[i].t, cs[i].xs, 4), *w = rand_array(ctx, cs[i].t, cs[i].ws, 4);
        if (cs[i].transpose_input) { /* same logical input, as a transposed view */
            ax_array *xt = ax_contiguous(ctx, ax_transpose(ctx, x, (const int[]){0, 2, 1, 3}, 4));
            x = ax_transpose(ctx, xt, (const int[]){0, 2, 1, 3}, 4);
        }
        double *res[2] = {NULL, NULL};
        int64_t n = 0;
        for (int pass = 0; pass < 2; pass++) {
            ax__cpu_force_reference(pass == 1);
            ax_array *y = ax_conv2d(ctx, x, w, cs[i].s, cs[i].p, cs[i].d, cs[i].g);
            CHECK_OK(ctx);
            if (!y) break;
            n = ax_size(y);
            res[pass] = test_to_f64(ctx, y);
        }
        ax__cpu_force_reference(false);
        if (res[0] && res[1]) {
            double scale = 0, err = 0;
            for (int64_t j = 0; j < n; j++) scale = fmax(scale, fabs(res[1][j]));
            for (int64_t j = 0; j < n; j++) err = fmax(err, fabs(res[0][j] - res[1][j]));
            CHECK_MSG(err <= bound(cs[i].t) * scale, "case %zu (%s): fast vs reference normalized error %.3g",
                      i, ax_dtype_name(cs[i].t), err / scale);
        }
        free(res[0]);
        free(res[1]);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_dtypes(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x16 = rand_array(ctx, AX_FLOAT16, SH(1, 5, 2), 3);
    ax_array *w32 = rand_array(ctx, AX_FLOAT32, SH(3, 2, 2), 3);
    ax_array *y = ax_conv1d(ctx, x16, w32, 1, 0, 1, 1);
    CHECK_OK(ctx);
    CHECK(y && ax_dtype_of(y) == AX_FLOAT32);
    ax_array *wb = rand_array(ctx, AX_BFLOAT16, SH(3, 2, 2), 3);
    ax_array *xb = rand_array(ctx, AX_BFLOAT16, SH(1, 5, 2), 3);
    y = ax_conv1d(ctx, xb, wb, 1, 0, 1, 1);
    CHECK(y && ax_dtype_of(y) == AX_BFLOAT16);
    ax_array *x64 = rand_array(ctx, AX_FLOAT64, SH(1, 5, 2), 3);
    y = ax_conv1d(ctx, x64, w32, 1, 0, 1, 1);
    CHECK(y && ax_dtype_of(y) == AX_FLOAT64);
    CHECK_OK(ctx);
    ax_array *xi = ax_zeros(ctx, SH(1, 5, 2), 3, AX_INT32);
    ax_array *wi = ax_zeros(ctx, SH(3, 2, 2), 3, AX_INT32);
    CHECK(ax_conv1d(ctx, xi, wi, 1, 0, 1, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *xc = ax_zeros(ctx, SH(1, 5, 2), 3, AX_COMPLEX64);
    CHECK(ax_conv1d(ctx, xc, w32, 1, 0, 1, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* NULL input: NULL, no error of its own on top of an existing one */
    CHECK(ax_conv2d(ctx, NULL, w32, NULL, NULL, NULL, 1) == NULL);
    ax_error_clear(ctx);
    /* empty batch: a valid empty result */
    ax_array *xe = ax_zeros(ctx, SH(0, 6, 6, 3), 4, AX_FLOAT32);
    ax_array *we = ax_ones(ctx, SH(4, 3, 3, 3), 4, AX_FLOAT32);
    ax_array *ye = ax_conv2d(ctx, xe, we, NULL, NULL, NULL, 1);
    CHECK(ye && ax_eval1(ctx, ye) == AX_OK && ax_shape(ye)[0] == 0 && ax_shape(ye)[1] == 4 &&
          ax_shape(ye)[3] == 4);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* An error of `code` whose message starts with "op:". */
#define CHECK_FAILS(ctx, expr, code, op)                                                    \
    do {                                                                                    \
        CHECK((expr) == NULL);                                                              \
        CHECK_MSG(strncmp(ax_error_message(ctx), op ":", strlen(op ":")) == 0,              \
                  "message does not name %s: %s", op, ax_error_message(ctx));              \
        CHECK_ERR(ctx, code);                                                               \
    } while (0)

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x = ax_ones(ctx, SH(2, 8, 8, 4), 4, AX_FLOAT32);
    ax_array *w = ax_ones(ctx, SH(6, 3, 3, 4), 4, AX_FLOAT32);
    ax_array *x1 = ax_ones(ctx, SH(2, 8, 4), 3, AX_FLOAT32);
    ax_array *w1 = ax_ones(ctx, SH(6, 3, 4), 3, AX_FLOAT32);
    /* ranks */
    CHECK_FAILS(ctx, ax_conv2d(ctx, x1, w1, NULL, NULL, NULL, 1), AX_ERR_SHAPE, "conv2d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w1, NULL, NULL, NULL, 1), AX_ERR_SHAPE, "conv2d");
    CHECK_FAILS(ctx, ax_conv1d(ctx, x, w, 1, 0, 1, 1), AX_ERR_SHAPE, "conv1d");
    CHECK_FAILS(ctx, ax_conv3d(ctx, x, w, NULL, NULL, NULL, 1), AX_ERR_SHAPE, "conv3d");
    CHECK_FAILS(ctx, ax_conv_general(ctx, ax_ones(ctx, SH(4, 4), 2, AX_FLOAT32), w, NULL, NULL, NULL,
                                     NULL, NULL, 1, false), AX_ERR_SHAPE, "conv_general");
    CHECK_FAILS(ctx, ax_conv_transpose2d(ctx, x1, w1, NULL, NULL, NULL, NULL, 1), AX_ERR_SHAPE,
                "conv_transpose2d");
    /* channels and groups */
    ax_array *w5 = ax_ones(ctx, SH(6, 3, 3, 5), 4, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w5, NULL, NULL, NULL, 1), AX_ERR_SHAPE, "conv2d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, NULL, NULL, 3), AX_ERR_SHAPE, "conv2d"); /* 4 % 3 */
    ax_array *w2 = ax_ones(ctx, SH(6, 3, 3, 2), 4, AX_FLOAT32);
    CHECK(ax_conv2d(ctx, x, w2, NULL, NULL, NULL, 2) != NULL);
    CHECK_OK(ctx);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w2, NULL, NULL, NULL, 4), AX_ERR_SHAPE, "conv2d"); /* 6 % 4 */
    ax_array *w7 = ax_ones(ctx, SH(7, 3, 3, 2), 4, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w7, NULL, NULL, NULL, 2), AX_ERR_SHAPE, "conv2d"); /* 7 % 2 */
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, NULL, NULL, 0), AX_ERR_VALUE, "conv2d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, NULL, NULL, -1), AX_ERR_VALUE, "conv2d");
    /* kernel larger than the padded input */
    ax_array *wbig = ax_ones(ctx, SH(6, 9, 3, 4), 4, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, wbig, NULL, NULL, NULL, 1), AX_ERR_SHAPE, "conv2d");
    CHECK(ax_conv2d(ctx, x, wbig, NULL, SH(1, 0), NULL, 1) != NULL); /* fits once padded */
    CHECK_OK(ctx);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, NULL, SH(4, 1), 1), AX_ERR_SHAPE, "conv2d"); /* 9 > 8 */
    CHECK_FAILS(ctx, ax_conv_general(ctx, x, w, NULL, SH(-3, 0), SH(-3, 0), NULL, NULL, 1, false),
                AX_ERR_SHAPE, "conv_general");
    /* strides, dilations, padding */
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, SH(0, 1), NULL, NULL, 1), AX_ERR_VALUE, "conv2d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, SH(1, -2), NULL, NULL, 1), AX_ERR_VALUE, "conv2d");
    CHECK_FAILS(ctx, ax_conv1d(ctx, x1, w1, 0, 0, 1, 1), AX_ERR_VALUE, "conv1d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, NULL, SH(0, 1), 1), AX_ERR_VALUE, "conv2d");
    CHECK_FAILS(ctx, ax_conv2d(ctx, x, w, NULL, SH(-1, 0), NULL, 1), AX_ERR_VALUE, "conv2d");
    CHECK_FAILS(ctx, ax_conv_general(ctx, x, w, NULL, NULL, NULL, NULL, SH(1, 0), 1, false),
                AX_ERR_VALUE, "conv_general");
    /* zero spatial size */
    ax_array *x0 = ax_ones(ctx, SH(2, 0, 8, 4), 4, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_conv2d(ctx, x0, w, NULL, SH(1, 1), NULL, 1), AX_ERR_SHAPE, "conv2d");
    /* transposed: padding, output_padding, stride */
    CHECK_FAILS(ctx, ax_conv_transpose1d(ctx, x1, w1, 2, 0, 1, 2, 1), AX_ERR_VALUE, "conv_transpose1d");
    CHECK_FAILS(ctx, ax_conv_transpose1d(ctx, x1, w1, 2, 0, 1, -1, 1), AX_ERR_VALUE, "conv_transpose1d");
    CHECK_FAILS(ctx, ax_conv_transpose1d(ctx, x1, w1, 2, -1, 1, 0, 1), AX_ERR_VALUE, "conv_transpose1d");
    CHECK_FAILS(ctx, ax_conv_transpose1d(ctx, x1, w1, 0, 0, 1, 0, 1), AX_ERR_VALUE, "conv_transpose1d");
    CHECK_FAILS(ctx, ax_conv_transpose2d(ctx, x, w, NULL, NULL, NULL, SH(0, 1), 1), AX_ERR_VALUE,
                "conv_transpose2d");
    /* padding that leaves no output */
    ax_array *xs = ax_ones(ctx, SH(1, 1, 4), 3, AX_FLOAT32);
    ax_array *ws = ax_ones(ctx, SH(4, 1, 4), 3, AX_FLOAT32);
    CHECK_FAILS(ctx, ax_conv_transpose1d(ctx, xs, ws, 1, 1, 1, 0, 1), AX_ERR_SHAPE, "conv_transpose1d");
    /* the first error wins; later ops with NULL inputs return NULL */
    ax_array *bad = ax_conv2d(ctx, x, w, SH(0, 0), NULL, NULL, 1);
    CHECK(ax_conv2d(ctx, bad, w, NULL, NULL, NULL, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_ctx_free(ctx);
}

int main(void) {
    test_fixtures();
    test_hand_values();
    test_adjoint();
    test_fast_vs_reference();
    test_dtypes();
    test_errors();
    return test_summary("test_conv");
}
