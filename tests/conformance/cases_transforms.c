/* Conformance cases of the transformation primitives: stop_gradient (an
 * identity in value), tracer (the outputs of a vjp trace of the identity are
 * tracers of its inputs) and custom (a custom_function / checkpoint call
 * computes what the wrapped closure computes). Their derivatives are checked
 * by the gradient check (grad_check.c) and tests/test_autodiff.c. */
#include <math.h>

#include "harness.h"

#define F CONF_FLOATS
#define V CONF_ALL_VARIANTS

static ax_array *b_stop(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_stop_gradient(ctx, in[0]);
}

static ax_status ident(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *p) {
    (void)ctx, (void)n_in, (void)n_out, (void)p;
    out[0] = in[0];
    return AX_OK;
}

static ax_status sin_mul(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_multiply(ctx, ax_sin(ctx, in[0]), in[1]);
    return out[0] ? AX_OK : ax_error_code(ctx);
}

/* The tracer of in[0] (what ax_vjp returns for the identity). */
static ax_array *b_tracer(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    ax_closure *f = ax_closure_new(ctx, ident, 1, 1, NULL, NULL);
    ax_array *ct = ax_ones_like(ctx, in[0]), *y = NULL, *g = NULL;
    ax_vjp(ctx, f, in, &ct, &y, &g);
    ax_closure_release(f);
    return y;
}

/* sin(a) * b through a custom function (ip[0] = 1: through checkpoint). */
static ax_array *b_custom(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_closure *f = ax_closure_new(ctx, sin_mul, 2, 1, NULL, NULL);
    ax_closure *g = c->ip[0] ? ax_checkpoint(ctx, f) : ax_custom_function(ctx, f, NULL, NULL);
    ax_array *y = NULL;
    if (g) ax_closure_call(ctx, g, in, &y);
    ax_closure_release(g);
    ax_closure_release(f);
    return y;
}

static bool e_ident(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                    const int *nd, double *out, int64_t n) {
    (void)c, (void)shapes, (void)nd;
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i];
    return true;
}

static bool e_sin_mul(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                      const int *nd, double *out, int64_t n) {
    (void)c, (void)shapes, (void)nd;
    for (int64_t i = 0; i < n; i++) out[i] = sin(in[0][i]) * in[1][i % 5];
    return true;
}

const conf_case conf_cases_transforms[] = {
    {.name = "stop_gradient", .covers = "stop_gradient", .dtypes = CONF_ALL_DTYPES, .variants = V,
     .n_in = 1, .ndim = {2}, .shape = {{7, 13}}, .large = {{512, 300}}, .lo = -50, .hi = 50,
     .build = b_stop, .expect = e_ident},
    {.name = "tracer", .covers = "tracer", .dtypes = F, .variants = V, .n_in = 1, .ndim = {2},
     .shape = {{7, 13}}, .large = {{512, 300}}, .lo = -50, .hi = 50, .build = b_tracer,
     .expect = e_ident},
    {.name = "custom/custom_function", .covers = "custom", .dtypes = F, .variants = V, .n_in = 2,
     .ndim = {2, 2}, .shape = {{4, 5}, {1, 5}}, .large = {{300, 5}, {1, 5}}, .lo = -3, .hi = 3,
     .build = b_custom, .expect = e_sin_mul, .tol = 4},
    {.name = "custom/checkpoint", .covers = "custom", .dtypes = F, .variants = V, .n_in = 2,
     .ndim = {2, 2}, .shape = {{4, 5}, {1, 5}}, .large = {{300, 5}, {1, 5}}, .lo = -3, .hi = 3,
     .build = b_custom, .expect = e_sin_mul, .tol = 4, .ip = {1}},
    {.name = NULL},
};
