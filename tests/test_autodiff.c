/* Closures and autodiff: API semantics, composition (grad of grad, jvp of
 * vjp), argnums and aux outputs, stop_gradient, checkpoint (same gradients,
 * fewer live buffers), custom functions, and errors. Per-op derivatives are
 * checked against finite differences by tests/conformance/grad_check.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static ax_ctx *ctx;

static ax_array *vec(const double *v, int64_t n) {
    return ax_array_from_data(ctx, v, AX_FLOAT64, &n, 1);
}

static double item(ax_array *a) {
    double v = NAN;
    if (ax_item_f64(ctx, a, &v) != AX_OK) fprintf(stderr, "item: %s\n", ax_error_message(ctx));
    return v;
}

/* Values of a (float64 copy). */
static void vals(ax_array *a, double *out, int64_t n) {
    ax_array *d = a ? ax_astype(ctx, a, AX_FLOAT64) : NULL;
    if (!d || ax_size(d) != n || ax_copy_to(ctx, d, out, sizeof(double) * (size_t)n) != AX_OK)
        for (int64_t i = 0; i < n; i++) out[i] = NAN;
}

/* ---------------------------------------------------------------- closures used below */

/* sum(sin(x)) */
static ax_status f_sum_sin(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sum(c, ax_sin(c, in[0]), NULL, 0, false);
    return ax_error_code(c);
}

/* sin(x) elementwise */
static ax_status f_sin(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sin(c, in[0]);
    return ax_error_code(c);
}

/* (x * y + sin(x), x - y) */
static ax_status f_two(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_add(c, ax_multiply(c, in[0], in[1]), ax_sin(c, in[0]));
    out[1] = ax_subtract(c, in[0], in[1]);
    return ax_error_code(c);
}

/* value sum(x * y), aux (x + 1, int32 count) */
static ax_status f_aux(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sum(c, ax_multiply(c, in[0], in[1]), NULL, 0, false);
    out[1] = ax_add(c, in[0], ax_weak_float(c, 1.0));
    out[2] = ax_scalar(c, 7, AX_INT32);
    return ax_error_code(c);
}

/* sum(x^3) */
static ax_status f_cube(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sum(c, ax_power(c, in[0], ax_weak_float(c, 3.0)), NULL, 0, false);
    return ax_error_code(c);
}

static ax_status f_fail(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    (void)in, (void)n_in, (void)n_out, (void)p, (void)out;
    /* a real failure of an op inside the closure */
    out[0] = ax_reshape(c, in[0], (int64_t[]){7, 7}, 2);
    return out[0] ? AX_OK : ax_error_code(c);
}

static ax_status f_null_out(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                            void *p) {
    (void)c, (void)in, (void)n_in, (void)n_out, (void)p, (void)out;
    return AX_OK;
}

static ax_status f_eval_inside(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out,
                               int n_out, void *p) {
    (void)n_in, (void)n_out;
    ax_array *y = ax_sin(c, in[0]);
    /* evaluating something independent of the inputs is fine */
    ax_array *k = ax_exp(c, *(ax_array **)p);
    if (ax_eval1(c, k) != AX_OK) return ax_error_code(c);
    /* evaluating y is not */
    ax_status st = ax_eval1(c, y);
    if (st != AX_OK) return st;
    out[0] = ax_sum(c, y, NULL, 0, false);
    return ax_error_code(c);
}

/* real(astype(x, complex64) * 2) */
static ax_status f_complex(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *z = ax_astype(c, in[0], AX_COMPLEX64);
    out[0] = ax_astype(c, ax_real(c, ax_multiply(c, z, z)), AX_FLOAT64);
    return ax_error_code(c);
}

/* sum(as_strided(x, (4,), (1,), offset -2)): reads before x's first element */
static ax_status f_outside(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *v = ax_as_strided(c, in[0], (int64_t[]){4}, (int64_t[]){1}, 1, -2);
    out[0] = ax_sum(c, v, NULL, 0, false);
    return ax_error_code(c);
}

/* ---------------------------------------------------------------- tests */

static void test_closure_basics(void) {
    ax_closure *f = ax_closure_new(ctx, f_two, 2, 2, NULL, NULL);
    CHECK(f && ax_closure_n_in(f) == 2 && ax_closure_n_out(f) == 2);
    CHECK(ax_closure_retain(f) == f);
    ax_closure_release(f);
    double a[2] = {1, 2}, b[2] = {3, 5};
    ax_array *in[2] = {vec(a, 2), vec(b, 2)}, *out[2] = {0};
    CHECK(ax_closure_call(ctx, f, in, out) == AX_OK);
    double o[2];
    vals(out[1], o, 2);
    CHECK(o[0] == -2 && o[1] == -3);
    vals(out[0], o, 2);
    CHECK_NEAR(o[0], 3 + sin(1.0), 1e-15);
    ax_closure_release(f);
    ax_closure_release(NULL);
    CHECK(ax_closure_retain(NULL) == NULL);
    /* bad arguments */
    CHECK(ax_closure_new(ctx, NULL, 1, 1, NULL, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_closure_new(ctx, f_sin, 1, 0, NULL, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* an output left NULL */
    ax_closure *g = ax_closure_new(ctx, f_null_out, 1, 1, NULL, NULL);
    CHECK(ax_closure_call(ctx, g, in, out) == AX_ERR_VALUE && out[0] == NULL);
    CHECK(strstr(ax_error_message(ctx), "output 0") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_closure_release(g);
    /* a NULL input (a failed op upstream) keeps that op's error */
    ax_array *bad = ax_reshape(ctx, in[0], (int64_t[]){3}, 1);
    CHECK(bad == NULL);
    ax_closure *s = ax_closure_new(ctx, f_sin, 1, 1, NULL, NULL);
    CHECK(ax_closure_call(ctx, s, &bad, out) == AX_ERR_SHAPE);
    CHECK(strncmp(ax_error_message(ctx), "reshape", 7) == 0);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure_release(s);
}

/* payload destructor runs once, when the last reference goes */
static int destroyed;
static void count_destroy(void *p) {
    (void)p;
    destroyed++;
}

static void test_closure_lifetime(void) {
    destroyed = 0;
    ax_closure *f = ax_closure_new(ctx, f_sum_sin, 1, 1, &destroyed, count_destroy);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    ax_closure *gg = ax_grad(ctx, g, NULL, 0, false);
    ax_closure_release(f);
    CHECK(destroyed == 0); /* held by g */
    ax_closure_release(g);
    CHECK(destroyed == 0); /* held by gg through g */
    ax_closure_release(gg);
    CHECK(destroyed == 1);
}

/* grad, grad of grad, grad of grad of grad of sin */
static void test_higher_order(void) {
    ax_closure *f = ax_closure_new(ctx, f_sum_sin, 1, 1, NULL, NULL);
    ax_closure *g1 = ax_grad(ctx, f, NULL, 0, false);
    /* grad of an elementwise function: sum the grad to a scalar first */
    ax_closure *sg1 = NULL, *g2 = NULL, *sg2 = NULL, *g3 = NULL;
    (void)sg1, (void)sg2;
    double xs[5] = {-2.0, -0.3, 0.0, 0.7, 2.5};
    ax_array *x = vec(xs, 5), *o1 = NULL;
    CHECK(ax_closure_call(ctx, g1, &x, &o1) == AX_OK);
    double v[5];
    vals(o1, v, 5);
    for (int i = 0; i < 5; i++) CHECK_NEAR(v[i], cos(xs[i]), 1e-15);
    /* d/dx sum(grad) = d/dx sum(cos(x)) = -sin(x): grad of (sum . grad) */
    typedef struct {
        ax_closure *g;
    } wrap;
    (void)sizeof(wrap);
    g2 = NULL;
    /* x -> sum(g1(x)) as a closure, then grad of it */
    extern ax_status sum_of(ax_ctx *, ax_array *const *, int, ax_array **, int, void *);
    ax_closure *s1 = ax_closure_new(ctx, sum_of, 1, 1, g1, NULL);
    g2 = ax_grad(ctx, s1, NULL, 0, false);
    ax_array *o2 = NULL;
    CHECK(ax_closure_call(ctx, g2, &x, &o2) == AX_OK);
    vals(o2, v, 5);
    for (int i = 0; i < 5; i++) CHECK_NEAR(v[i], -sin(xs[i]), 1e-15);
    ax_closure *s2 = ax_closure_new(ctx, sum_of, 1, 1, g2, NULL);
    g3 = ax_grad(ctx, s2, NULL, 0, false);
    ax_array *o3 = NULL;
    CHECK(ax_closure_call(ctx, g3, &x, &o3) == AX_OK);
    vals(o3, v, 5);
    for (int i = 0; i < 5; i++) CHECK_NEAR(v[i], -cos(xs[i]), 1e-15);
    CHECK_OK(ctx);
    ax_closure_release(g3);
    ax_closure_release(s2);
    ax_closure_release(g2);
    ax_closure_release(s1);
    ax_closure_release(g1);
    ax_closure_release(f);
}

/* x -> sum(g(x)) for the closure g in the payload */
ax_status sum_of(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p);
ax_status sum_of(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in, (void)n_out;
    ax_array *y = NULL;
    ax_status st = ax_closure_call(c, p, in, &y);
    if (st != AX_OK) return st;
    out[0] = ax_sum(c, y, NULL, 0, false);
    return ax_error_code(c);
}

static void test_vjp_jvp(void) {
    ax_closure *f = ax_closure_new(ctx, f_two, 2, 2, NULL, NULL);
    double a[3] = {0.5, -1, 2}, b[3] = {3, 0.25, -4}, c0[3] = {1, 2, 3}, c1[3] = {-1, 0.5, 4};
    ax_array *x[2] = {vec(a, 3), vec(b, 3)}, *ct[2] = {vec(c0, 3), vec(c1, 3)};
    ax_array *out[2], *g[2];
    CHECK(ax_vjp(ctx, f, x, ct, out, g) == AX_OK);
    double v[3];
    vals(g[0], v, 3); /* c0 * (y + cos x) + c1 */
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], c0[i] * (b[i] + cos(a[i])) + c1[i], 1e-14);
    vals(g[1], v, 3); /* c0 * x - c1 */
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], c0[i] * a[i] - c1[i], 1e-14);
    vals(out[1], v, 3);
    for (int i = 0; i < 3; i++) CHECK(v[i] == a[i] - b[i]);
    /* jvp with tangents (c0, c1) */
    ax_array *t[2];
    CHECK(ax_jvp(ctx, f, x, ct, out, t) == AX_OK);
    vals(t[0], v, 3);
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(v[i], c0[i] * (b[i] + cos(a[i])) + a[i] * c1[i], 1e-14);
    vals(t[1], v, 3);
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], c0[i] - c1[i], 1e-15);
    /* an input the outputs do not depend on gets zeros; outputs equal to an input */
    CHECK_OK(ctx);
    ax_closure_release(f);
}

/* Hessian-vector product as jvp of grad (forward over reverse) and as vjp
 * of grad (reverse over reverse): f = sum(x^3), H v = 6 x v. */
static void test_hvp(void) {
    ax_closure *f = ax_closure_new(ctx, f_cube, 1, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    double xs[4] = {1, -2, 0.5, 3}, vs[4] = {0.1, 1, -2, 0.5};
    ax_array *x = vec(xs, 4), *v = vec(vs, 4), *gx = NULL, *hv = NULL;
    CHECK(ax_jvp(ctx, g, &x, &v, &gx, &hv) == AX_OK);
    double r[4];
    vals(gx, r, 4);
    for (int i = 0; i < 4; i++) CHECK_NEAR(r[i], 3 * xs[i] * xs[i], 1e-13);
    vals(hv, r, 4);
    for (int i = 0; i < 4; i++) CHECK_NEAR(r[i], 6 * xs[i] * vs[i], 1e-13);
    ax_array *g2 = NULL;
    CHECK(ax_vjp(ctx, g, &x, &v, &gx, &g2) == AX_OK);
    vals(g2, r, 4);
    for (int i = 0; i < 4; i++) CHECK_NEAR(r[i], 6 * xs[i] * vs[i], 1e-13);
    /* jvp of the vjp closure: d/dx of (J^T ct) along v */
    ax_closure *vf = ax_vjp_fn(ctx, f);
    CHECK(ax_closure_n_in(vf) == 2 && ax_closure_n_out(vf) == 2);
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT64), *zero = ax_scalar(ctx, 0.0, AX_FLOAT64);
    ax_array *pin[2] = {x, one}, *tin[2] = {v, zero}, *po[2], *to[2];
    CHECK(ax_jvp(ctx, vf, pin, tin, po, to) == AX_OK);
    vals(to[1], r, 4);
    for (int i = 0; i < 4; i++) CHECK_NEAR(r[i], 6 * xs[i] * vs[i], 1e-13);
    ax_closure *jf = ax_jvp_fn(ctx, f);
    ax_array *jin[2] = {x, v}, *jo[2];
    CHECK(ax_closure_call(ctx, jf, jin, jo) == AX_OK);
    double want = 0;
    for (int i = 0; i < 4; i++) want += 3 * xs[i] * xs[i] * vs[i];
    CHECK_NEAR(item(jo[1]), want, 1e-12);
    CHECK_OK(ctx);
    ax_closure_release(jf);
    ax_closure_release(vf);
    ax_closure_release(g);
    ax_closure_release(f);
}

static void test_argnums_aux(void) {
    ax_closure *f = ax_closure_new(ctx, f_aux, 2, 3, NULL, NULL);
    double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    ax_array *x[2] = {vec(a, 3), vec(b, 3)};
    int arg1 = 1;
    ax_closure *vg = ax_value_and_grad(ctx, f, &arg1, 1, true);
    CHECK(vg && ax_closure_n_out(vg) == 4);
    ax_array *o[4] = {0};
    CHECK(ax_closure_call(ctx, vg, x, o) == AX_OK);
    CHECK_NEAR(item(o[0]), 32, 0);
    double v[3];
    vals(o[1], v, 3);
    CHECK(v[0] == 2 && v[1] == 3 && v[2] == 4);
    CHECK(ax_dtype_of(o[2]) == AX_INT32 && item(o[2]) == 7);
    vals(o[3], v, 3); /* d/dy = x */
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3);
    ax_closure_release(vg);
    /* grad: gradients first, then aux; both argnums, negative index */
    int both[2] = {-1, 0};
    ax_closure *g = ax_grad(ctx, f, both, 2, true);
    CHECK(g && ax_closure_n_out(g) == 4);
    CHECK(ax_closure_call(ctx, g, x, o) == AX_OK);
    vals(o[0], v, 3);
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3);
    vals(o[1], v, 3);
    CHECK(v[0] == 4 && v[1] == 5 && v[2] == 6);
    ax_closure_release(g);
    /* errors at construction */
    int bad = 2;
    CHECK(ax_grad(ctx, f, &bad, 1, true) == NULL);
    CHECK(strstr(ax_error_message(ctx), "out of range") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    int rep[2] = {0, -2};
    CHECK(ax_grad(ctx, f, rep, 2, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_grad(ctx, f, NULL, 0, false) == NULL); /* 3 outputs without has_aux */
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_closure_release(f);
    /* errors at call: non-scalar output, integer input */
    ax_closure *s = ax_closure_new(ctx, f_sin, 1, 1, NULL, NULL);
    ax_closure *gs = ax_grad(ctx, s, NULL, 0, false);
    CHECK(ax_closure_call(ctx, gs, x, o) == AX_ERR_SHAPE && o[0] == NULL);
    CHECK(strstr(ax_error_message(ctx), "scalar") != NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure *gc = ax_grad(ctx, s, NULL, 0, false);
    ax_array *xi = ax_arange(ctx, 0, 3, 1, AX_INT32);
    ax_closure *sumsin = ax_closure_new(ctx, f_sum_sin, 1, 1, NULL, NULL);
    ax_closure *gi = ax_grad(ctx, sumsin, NULL, 0, false);
    CHECK(ax_closure_call(ctx, gi, &xi, o) == AX_ERR_DTYPE);
    CHECK(strstr(ax_error_message(ctx), "int32") != NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_closure_release(gi);
    ax_closure_release(sumsin);
    ax_closure_release(gc);
    ax_closure_release(gs);
    ax_closure_release(s);
}

/* sum(stop_gradient(x) * x): gradient x (not 2x) */
static ax_status f_stop(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sum(c, ax_multiply(c, ax_stop_gradient(c, in[0]), in[0]), NULL, 0, false);
    return ax_error_code(c);
}

static void test_stop_gradient(void) {
    ax_closure *f = ax_closure_new(ctx, f_stop, 1, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    double a[3] = {1, -2, 3};
    ax_array *x = vec(a, 3), *o = NULL;
    CHECK(ax_closure_call(ctx, g, &x, &o) == AX_OK);
    double v[3];
    vals(o, v, 3);
    CHECK(v[0] == 1 && v[1] == -2 && v[2] == 3);
    /* jvp: tangent only through the second factor */
    ax_array *t = vec((double[]){1, 1, 1}, 3), *y, *jt;
    CHECK(ax_jvp(ctx, f, &x, &t, &y, &jt) == AX_OK);
    CHECK_NEAR(item(jt), 2, 0);
    CHECK_NEAR(item(y), 14, 0);
    ax_closure_release(g);
    ax_closure_release(f);
}

/* ---------------------------------------------------------------- checkpoint */

#define LAYERS 6
#define WIDTH 20000

/* one block: tanh(x * 1.5 + 0.1) then sin: two intermediates of x's size */
static ax_status f_block(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *h = ax_tanh(c, ax_add(c, ax_multiply(c, in[0], ax_weak_float(c, 1.5)),
                                    ax_weak_float(c, 0.1)));
    out[0] = ax_sin(c, ax_multiply(c, h, h));
    return ax_error_code(c);
}

static ax_status f_chain(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out;
    ax_closure *block = p;
    ax_array *x = in[0];
    for (int l = 0; l < LAYERS; l++) {
        ax_array *y = NULL;
        ax_status st = ax_closure_call(c, block, &x, &y);
        if (st != AX_OK) return st;
        x = y;
    }
    out[0] = ax_sum(c, x, NULL, 0, false);
    return ax_error_code(c);
}

static void chain_grad(ax_closure *block, double *g_out, size_t *peak) {
    ax_closure *f = ax_closure_new(ctx, f_chain, 1, 1, block, NULL);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    ax_scope_begin(ctx);
    double *xs = malloc(sizeof(double) * WIDTH);
    for (int i = 0; i < WIDTH; i++) xs[i] = sin(i * 0.001) * 0.8;
    ax_array *x = vec(xs, WIDTH), *o = NULL;
    free(xs);
    ax_eval1(ctx, x);
    size_t base = ax_memory_active();
    ax_memory_reset_peak();
    CHECK(ax_closure_call(ctx, g, &x, &o) == AX_OK);
    CHECK(ax_eval1(ctx, o) == AX_OK);
    *peak = ax_memory_peak() - base;
    ax_copy_to(ctx, o, g_out, sizeof(double) * WIDTH);
    ax_scope_end(ctx);
    ax_closure_release(g);
    ax_closure_release(f);
}

static void test_checkpoint(void) {
    ax_closure *block = ax_closure_new(ctx, f_block, 1, 1, NULL, NULL);
    ax_closure *ck = ax_checkpoint(ctx, block);
    double *g_plain = malloc(sizeof(double) * WIDTH), *g_ck = malloc(sizeof(double) * WIDTH);
    size_t peak_plain = 0, peak_ck = 0;
    chain_grad(block, g_plain, &peak_plain);
    chain_grad(ck, g_ck, &peak_ck);
    double maxdiff = 0;
    for (int i = 0; i < WIDTH; i++) maxdiff = fmax(maxdiff, fabs(g_plain[i] - g_ck[i]));
    CHECK_MSG(maxdiff <= 1e-12, "checkpointed gradient differs by %g", maxdiff);
    /* the gradient is not trivially zero */
    CHECK(fabs(g_plain[WIDTH / 2]) > 1e-6);
    /* fewer live buffers at the peak: without checkpointing the backward
     * pass keeps every block's intermediates alive */
    CHECK_MSG(peak_ck < peak_plain * 3 / 4, "peak %zu (checkpoint) vs %zu (plain)", peak_ck,
              peak_plain);
    printf("checkpoint: peak %zu bytes vs %zu without (%d layers of %d float64)\n", peak_ck,
           peak_plain, LAYERS, WIDTH);
    free(g_plain);
    free(g_ck);
    ax_closure_release(ck);
    ax_closure_release(block);
}

/* ---------------------------------------------------------------- custom functions */

static ax_status vjp_twice(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    (void)n_in, (void)n_out, (void)p;
    /* inputs: x, y = f(x), ct; gradient: 2 * ct (deliberately not cos) */
    out[0] = ax_multiply(c, in[2], ax_weak_float(c, 2.0));
    return ax_error_code(c);
}

static ax_status jvp_thrice(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                            void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_multiply(c, in[1], ax_weak_float(c, 3.0));
    return ax_error_code(c);
}

static void test_custom_function(void) {
    ax_closure *f = ax_closure_new(ctx, f_sin, 1, 1, NULL, NULL);
    ax_closure *vj = ax_closure_new(ctx, vjp_twice, 3, 1, NULL, NULL);
    ax_closure *jv = ax_closure_new(ctx, jvp_thrice, 2, 1, NULL, NULL);
    ax_closure *cf = ax_custom_function(ctx, f, vj, jv);
    double a[3] = {0.1, 0.2, 0.3}, c0[3] = {1, -1, 0.5};
    ax_array *x = vec(a, 3), *ct = vec(c0, 3), *y, *g;
    CHECK(ax_vjp(ctx, cf, &x, &ct, &y, &g) == AX_OK);
    double v[3];
    vals(y, v, 3);
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], sin(a[i]), 1e-16);
    vals(g, v, 3);
    for (int i = 0; i < 3; i++) CHECK(v[i] == 2 * c0[i]);
    CHECK(ax_jvp(ctx, cf, &x, &ct, &y, &g) == AX_OK);
    vals(g, v, 3);
    for (int i = 0; i < 3; i++) CHECK(v[i] == 3 * c0[i]);
    /* missing rules fall back to differentiating f */
    ax_closure *cv = ax_custom_function(ctx, f, vj, NULL);
    CHECK(ax_jvp(ctx, cv, &x, &ct, &y, &g) == AX_OK);
    vals(g, v, 3);
    for (int i = 0; i < 3; i++) CHECK_NEAR(v[i], cos(a[i]) * c0[i], 1e-15);
    /* wrong arities */
    CHECK(ax_custom_function(ctx, f, jv, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_custom_function(ctx, f, NULL, vj) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_closure_release(cv);
    ax_closure_release(cf);
    ax_closure_release(jv);
    ax_closure_release(vj);
    ax_closure_release(f);
}

/* ---------------------------------------------------------------- views and layouts */

/* sum(w * transpose(x)[1:, ::-1]) + sum(reshape(x, 6) * r) with x (2, 3) */
static ax_status f_views(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *x = in[0];
    ax_array *t = ax_transpose(c, x, NULL, 0); /* (3, 2) */
    ax_array *s = ax_slice(c, t, (int64_t[]){1, AX_SLICE_NONE}, (int64_t[]){AX_SLICE_NONE,
                           AX_SLICE_NONE}, (int64_t[]){1, -1}, 2); /* (2, 2) */
    double wv[4] = {1, 2, 3, 4}, rv[6] = {10, 20, 30, 40, 50, 60};
    ax_array *w = ax_array_from_data(c, wv, AX_FLOAT64, (int64_t[]){2, 2}, 2);
    ax_array *r = ax_array_from_data(c, rv, AX_FLOAT64, (int64_t[]){6}, 1);
    ax_array *a = ax_sum(c, ax_multiply(c, w, s), NULL, 0, false);
    ax_array *b = ax_sum(c, ax_multiply(c, ax_reshape(c, x, (int64_t[]){6}, 1), r), NULL, 0, false);
    out[0] = ax_add(c, a, b);
    return ax_error_code(c);
}

static void test_views(void) {
    ax_closure *f = ax_closure_new(ctx, f_views, 1, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    double xv[6] = {1, 2, 3, 4, 5, 6};
    /* x[i][j]: t = x^T (3,2); s[a][b] = t[1 + a][1 - b] = x[1 - b][1 + a]
     * so d/dx[1-b][1+a] += w[a][b]: x[1][1] <- w00, x[0][1] <- w01,
     * x[1][2] <- w10, x[0][2] <- w11; plus r. */
    double want[6] = {10, 20 + 2, 30 + 4, 40, 50 + 1, 60 + 3};
    ax_array *x = ax_array_from_data(ctx, xv, AX_FLOAT64, (int64_t[]){2, 3}, 2), *o = NULL;
    CHECK(ax_closure_call(ctx, g, &x, &o) == AX_OK);
    double v[6];
    vals(o, v, 6);
    for (int i = 0; i < 6; i++) CHECK_MSG(v[i] == want[i], "%d: %g vs %g", i, v[i], want[i]);
    /* a non-contiguous primal (a transposed view): gradient of its shape */
    ax_array *xt = ax_transpose(ctx, ax_transpose(ctx, x, NULL, 0), NULL, 0);
    ax_array *xs = ax_slice(ctx, ax_array_from_data(ctx, (double[]){1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0},
                                                     AX_FLOAT64, (int64_t[]){2, 6}, 2),
                            NULL, NULL, (int64_t[]){1, 2}, 2);
    CHECK(!ax_is_contiguous(xs));
    CHECK(ax_closure_call(ctx, g, &xs, &o) == AX_OK);
    vals(o, v, 6);
    for (int i = 0; i < 6; i++) CHECK(v[i] == want[i]);
    CHECK(ax_closure_call(ctx, g, &xt, &o) == AX_OK);
    vals(o, v, 6);
    for (int i = 0; i < 6; i++) CHECK(v[i] == want[i]);
    ax_closure_release(g);
    ax_closure_release(f);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void) {
    /* a failing closure propagates its error (message unchanged) */
    ax_closure *bad = ax_closure_new(ctx, f_fail, 1, 1, NULL, NULL);
    double a[3] = {1, 2, 3};
    ax_array *x = vec(a, 3), *ct = vec(a, 3), *y = (ax_array *)1, *g = (ax_array *)1;
    CHECK(ax_vjp(ctx, bad, &x, &ct, &y, &g) == AX_ERR_SHAPE && y == NULL && g == NULL);
    CHECK(strncmp(ax_error_message(ctx), "reshape:", 8) == 0);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_jvp(ctx, bad, &x, &ct, &y, &g) == AX_ERR_SHAPE && y == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure *gb = ax_value_and_grad(ctx, bad, NULL, 0, false);
    ax_array *o[2];
    CHECK(ax_closure_call(ctx, gb, &x, o) == AX_ERR_SHAPE);
    CHECK(strncmp(ax_error_message(ctx), "reshape:", 8) == 0);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure *ck = ax_checkpoint(ctx, bad);
    CHECK(ax_closure_call(ctx, ck, &x, o) == AX_ERR_SHAPE);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure *cf = ax_custom_function(ctx, bad, NULL, NULL);
    ax_closure *gcf = ax_grad(ctx, cf, NULL, 0, false);
    CHECK(ax_closure_call(ctx, gcf, &x, o) == AX_ERR_SHAPE);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure *vf = ax_vjp_fn(ctx, bad), *jf = ax_jvp_fn(ctx, bad);
    ax_array *in2[2] = {x, ct}, *o2[2];
    CHECK(ax_closure_call(ctx, vf, in2, o2) == AX_ERR_SHAPE);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_closure_call(ctx, jf, in2, o2) == AX_ERR_SHAPE);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_closure_release(jf);
    ax_closure_release(vf);
    ax_closure_release(gcf);
    ax_closure_release(cf);
    ax_closure_release(ck);
    ax_closure_release(gb);
    ax_closure_release(bad);
    /* cotangent / tangent mismatches */
    ax_closure *s = ax_closure_new(ctx, f_sin, 1, 1, NULL, NULL);
    ax_array *ct2 = vec(a, 2);
    CHECK(ax_vjp(ctx, s, &x, &ct2, &y, &g) == AX_ERR_SHAPE);
    CHECK(strstr(ax_error_message(ctx), "cotangent 0") != NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_array *ct32 = ax_astype(ctx, ct, AX_FLOAT32);
    CHECK(ax_vjp(ctx, s, &x, &ct32, &y, &g) == AX_ERR_DTYPE);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_jvp(ctx, s, &x, &ct2, &y, &g) == AX_ERR_SHAPE);
    CHECK(strstr(ax_error_message(ctx), "tangent 0") != NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    /* derivatives through complex arrays are an error, not a silent zero */
    ax_closure *cx = ax_closure_new(ctx, f_complex, 1, 1, NULL, NULL);
    CHECK(ax_vjp(ctx, cx, &x, &ct, &y, &g) == AX_ERR_UNSUPPORTED);
    CHECK(strstr(ax_error_message(ctx), "complex64") != NULL);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_jvp(ctx, cx, &x, &ct, &y, &g) == AX_ERR_UNSUPPORTED);
    CHECK(strstr(ax_error_message(ctx), "complex64") != NULL);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    ax_closure_release(cx);
    /* a view reaching outside the traced array has no derivative */
    ax_array *big = ax_arange(ctx, 0, 8, 1, AX_FLOAT64);
    ax_eval1(ctx, big);
    ax_array *mid = ax_slice_axis(ctx, big, 0, 2, 6, 1);
    ax_closure *fo = ax_closure_new(ctx, f_outside, 1, 1, NULL, NULL);
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT64);
    CHECK(ax_closure_call(ctx, fo, &mid, &y) == AX_OK && item(y) == 0 + 1 + 2 + 3);
    CHECK(ax_vjp(ctx, fo, &mid, &one, &y, &g) == AX_ERR_UNSUPPORTED);
    CHECK(strstr(ax_error_message(ctx), "no derivative") != NULL);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    ax_closure_release(fo);
    /* integer primal */
    ax_array *xi = ax_arange(ctx, 0, 3, 1, AX_INT64);
    CHECK(ax_vjp(ctx, s, &xi, &ct, &y, &g) == AX_ERR_DTYPE);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* eval inside a trace: an error for arrays depending on the inputs only */
    ax_array *k = vec(a, 3);
    ax_closure *ev = ax_closure_new(ctx, f_eval_inside, 1, 1, &k, NULL);
    ax_closure *gev = ax_grad(ctx, ev, NULL, 0, false);
    CHECK(ax_closure_call(ctx, gev, &x, o) == AX_ERR_VALUE);
    CHECK(strstr(ax_error_message(ctx), "being transformed") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* outside a trace the same closure runs */
    CHECK(ax_closure_call(ctx, ev, &x, o) == AX_OK);
    CHECK_NEAR(item(o[0]), sin(1.0) + sin(2.0) + sin(3.0), 1e-15);
    /* the trace is over: evaluating works again */
    CHECK(ax_eval1(ctx, ax_sin(ctx, x)) == AX_OK);
    ax_closure_release(gev);
    ax_closure_release(ev);
    ax_closure_release(s);
    CHECK_OK(ctx);
}

/* x -> sum(x * 0.999 ... (DEPTH times)): deep graphs are walked without
 * recursion */
#define DEPTH 5000
static ax_status f_deep(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *x = in[0];
    for (int i = 0; i < DEPTH; i++) x = ax_multiply(c, x, ax_weak_float(c, 0.999));
    out[0] = ax_sum(c, x, NULL, 0, false);
    return ax_error_code(c);
}

static void test_deep_and_shared(void) {
    ax_closure *f = ax_closure_new(ctx, f_deep, 1, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
    ax_array *x = vec((double[]){1, 2}, 2), *o = NULL;
    CHECK(ax_closure_call(ctx, g, &x, &o) == AX_OK);
    double v[2];
    vals(o, v, 2);
    CHECK_NEAR(v[0], pow(0.999, DEPTH), 1e-12);
    CHECK_NEAR(v[1], pow(0.999, DEPTH), 1e-12);
    ax_closure_release(g);
    ax_closure_release(f);
    /* a node used by two consumers, one of which is also an input of the
     * other (backward graphs are full of these): eval must order them */
    ax_array *e = ax_exp(ctx, x);
    ax_array *r = ax_add(ctx, ax_multiply(ctx, e, ax_weak_float(ctx, 2)), e);
    vals(r, v, 2);
    CHECK_NEAR(v[0], 3 * exp(1.0), 1e-14);
    CHECK_NEAR(v[1], 3 * exp(2.0), 1e-13);
}

/* sum(tanh(x) * w) */
static ax_status f_tanh_w(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *p) {
    (void)n_in, (void)n_out, (void)p;
    out[0] = ax_sum(c, ax_multiply(c, ax_tanh(c, in[0]), in[1]), NULL, 0, false);
    return ax_error_code(c);
}

/* transformations compose with ax_compile: compile(value_and_grad(f)) */
static void test_compile_grad(void) {
    ax_closure *f = ax_closure_new(ctx, f_tanh_w, 2, 1, NULL, NULL);
    int both[2] = {0, 1};
    ax_closure *g = ax_value_and_grad(ctx, f, both, 2, false);
    ax_closure *cg = ax_compile(ctx, g, NULL);
    CHECK(cg != NULL);
    double xs[3] = {0.1, -0.2, 0.3}, ws[3] = {1, 2, 3};
    ax_array *in[2] = {vec(xs, 3), vec(ws, 3)}, *o[3], *oc[3];
    for (int rep = 0; rep < 2; rep++) { /* trace, then the cached trace */
        CHECK(ax_closure_call(ctx, g, in, o) == AX_OK);
        CHECK(ax_closure_call(ctx, cg, in, oc) == AX_OK);
        double a[3], b[3];
        vals(o[1], a, 3);
        vals(oc[1], b, 3);
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR(a[i], ws[i] * (1 - tanh(xs[i]) * tanh(xs[i])), 1e-15);
            CHECK_NEAR(b[i], a[i], 1e-15);
        }
        vals(oc[2], b, 3);
        for (int i = 0; i < 3; i++) CHECK_NEAR(b[i], tanh(xs[i]), 1e-15);
        CHECK_NEAR(item(oc[0]), item(o[0]), 1e-15);
    }
    CHECK_OK(ctx);
    ax_closure_release(cg);
    ax_closure_release(g);
    ax_closure_release(f);
}

int main(void) {
    ctx = ax_ctx_new();
    test_closure_basics();
    test_closure_lifetime();
    test_higher_order();
    test_vjp_jvp();
    test_hvp();
    test_argnums_aux();
    test_stop_gradient();
    test_checkpoint();
    test_custom_function();
    test_views();
    test_errors();
    test_deep_and_shared();
    test_compile_grad();
    ax_ctx_free(ctx);
    return test_summary("autodiff");
}
