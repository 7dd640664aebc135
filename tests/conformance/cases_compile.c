/* Conformance cases for the FUSED primitive (made by ax_compile): each build
 * compiles a closure over an elementwise DAG and applies it, so the harness
 * compares the fused kernel (generated code, or the interpreter when no
 * compiler is available) with the reference kernels (under which FUSED runs
 * the interpreter and every other node its reference kernel), and expect()
 * with the formula evaluated in float64. Inputs come as contiguous,
 * transposed, sliced and empty views, and large enough for threads. */
#include <math.h>

#include "ax/compile.h"
#include "harness.h"

/* gelu, tanh form */
static ax_status gelu_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *x = in[0];
    ax_array *x3 = ax_multiply(c, ax_multiply(c, x, x), x);
    ax_array *u = ax_multiply(c, ax_weak_float(c, 0.7978845608028654),
                              ax_add(c, x, ax_multiply(c, ax_weak_float(c, 0.044715), x3)));
    out[0] = ax_multiply(c, ax_multiply(c, ax_weak_float(c, 0.5), x),
                         ax_add(c, ax_weak_float(c, 1.0), ax_tanh(c, u)));
    return ax_error_code(c);
}

/* (x - m) * rsqrt(|v| + eps) * g + exp(g) with m, v of shape (R, 1), g of (1, C) */
static ax_status norm_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *r = ax_rsqrt(c, ax_add(c, ax_abs(c, in[2]), ax_weak_float(c, 1e-5)));
    out[0] = ax_add(c, ax_multiply(c, ax_multiply(c, ax_subtract(c, in[0], in[1]), r), in[3]),
                    ax_exp(c, in[3]));
    return ax_error_code(c);
}

/* where(x > y, exp(x) - y, maximum(x, y) / (1 + y^2)) */
static ax_status select_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    ax_array *x = in[0], *y = in[1];
    out[0] = ax_where(c, ax_greater(c, x, y), ax_subtract(c, ax_exp(c, x), y),
                      ax_divide(c, ax_maximum(c, x, y),
                                ax_add(c, ax_weak_float(c, 1), ax_square(c, y))));
    return ax_error_code(c);
}

static ax_array *run_compiled(ax_ctx *ctx, ax_fn fn, int n_in, ax_array *const *in) {
    ax_closure *f = ax_closure_new(ctx, fn, n_in, 1, NULL, NULL);
    ax_closure *g = f ? ax_compile(ctx, f, NULL) : NULL;
    ax_array *out = NULL;
    if (g) ax_closure_call(ctx, g, in, &out);
    ax_closure_release(g);
    ax_closure_release(f);
    return out;
}

static ax_array *b_gelu(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return run_compiled(ctx, gelu_fn, 1, in);
}
static ax_array *b_norm(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return run_compiled(ctx, norm_fn, 4, in);
}
static ax_array *b_select(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return run_compiled(ctx, select_fn, 2, in);
}

/* Index of output element `o` in input i (broadcast, row-major, right-aligned). */
static int64_t bcast_index(int64_t o, const int64_t *oshape, int ond, const int64_t *ishape, int ind) {
    int64_t idx = 0, stride = 1;
    for (int d = ond - 1, e = ind - 1; d >= 0; d--, e--) {
        int64_t coord = o % oshape[d];
        o /= oshape[d];
        if (e >= 0) {
            if (ishape[e] != 1) idx += coord * stride;
            stride *= ishape[e];
        }
    }
    return idx;
}

static bool e_gelu(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *nds, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double x = in[0][i];
        out[i] = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    }
    return true;
}

static bool e_norm(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *nds, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double v[4];
        for (int k = 0; k < 4; k++) v[k] = in[k][bcast_index(i, shapes[0], nds[0], shapes[k], nds[k])];
        out[i] = (v[0] - v[1]) / sqrt(fabs(v[2]) + 1e-5) * v[3] + exp(v[3]);
    }
    return true;
}

static bool e_select(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *nds, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double x = in[0][i], y = in[1][bcast_index(i, shapes[0], nds[0], shapes[1], nds[1])];
        out[i] = x > y ? exp(x) - y : fmax(x, y) / (1 + y * y);
    }
    return true;
}

#define F (CONF_DT(AX_FLOAT32) | CONF_DT(AX_FLOAT64))

const conf_case conf_cases_compile[] = {
    {.name = "fused/gelu", .covers = "fused multiply add tanh", .dtypes = F,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, .ndim = {2}, .shape = {{7, 13}},
     .large = {{512, 300}}, .lo = -6, .hi = 6, .tol = 4, .build = b_gelu, .expect = e_gelu},
    {.name = "fused/norm_broadcast", .covers = "fused subtract multiply rsqrt exp", .dtypes = F,
     .variants = CONF_ALL_VARIANTS, .n_in = 4, .ndim = {2, 2, 2, 2},
     .shape = {{6, 11}, {6, 1}, {6, 1}, {1, 11}}, .large = {{300, 257}, {300, 1}, {300, 1}, {1, 257}},
     .lo = -2, .hi = 2, .tol = 4, .build = b_norm, .expect = e_norm},
    {.name = "fused/select", .covers = "fused where greater maximum divide", .dtypes = F,
     .variants = CONF_ALL_VARIANTS, .n_in = 2, .ndim = {2, 2}, .shape = {{5, 9}, {1, 9}},
     .large = {{400, 333}, {1, 333}}, .lo = -3, .hi = 3, .tol = 4, .build = b_select,
     .expect = e_select},
    {0},
};
