/* Closures and automatic differentiation in ax.
 *
 *   build/examples/closures
 *
 * 1. a closure: a C function over arrays with a payload;
 * 2. its gradient (ax_grad), and the gradient of the gradient;
 * 3. value_and_grad of a small least-squares loss with respect to two of its
 *    inputs, with an auxiliary output, used for a few steps of gradient
 *    descent;
 * 4. a Jacobian-vector product (ax_jvp) and a vector-Jacobian product (ax_vjp);
 * 5. stop_gradient, checkpoint and a custom derivative.
 * Exits non-zero if a result is not what the mathematics says. */
#include <ax/ax.h>
#include <math.h>
#include <stdio.h>

static int failures = 0;

static void expect_near(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) {
        fprintf(stderr, "%s: got %.17g, expected %.17g\n", what, got, want);
        failures++;
    }
}

static double item(ax_ctx *ctx, ax_array *a) {
    double v = NAN;
    if (ax_item_f64(ctx, a, &v) != AX_OK) {
        fprintf(stderr, "error: %s\n", ax_error_message(ctx));
        failures++;
    }
    return v;
}

/* ---------------------------------------------------------------- 1. a closure */

/* f(x) = sum(sin(x) * scale): the payload carries the scale. A closure
 * returns arrays as ops return them (owned by the current scope) and the
 * recorded error status if an op failed. */
static ax_status scaled_sin_sum(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                                int n_out, void *payload) {
    (void)n_in, (void)n_out;
    double scale = *(const double *)payload;
    out[0] = ax_sum(ctx, ax_multiply(ctx, ax_sin(ctx, in[0]), ax_weak_float(ctx, scale)), NULL, 0,
                    false);
    return ax_error_code(ctx);
}

/* x -> sum(g(x)) for the closure g in the payload (to take a gradient of a
 * gradient, which is not a scalar). */
static ax_status sum_of(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *payload) {
    (void)n_in, (void)n_out;
    ax_array *y = NULL;
    ax_status st = ax_closure_call(ctx, payload, in, &y);
    if (st != AX_OK) return st;
    out[0] = ax_sum(ctx, y, NULL, 0, false);
    return ax_error_code(ctx);
}

/* ---------------------------------------------------------------- 3. a loss */

/* loss(w, b, x, y) = mean((x w + b - y)^2); aux output: the residuals */
static ax_status least_squares(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                               int n_out, void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    ax_array *r = ax_subtract(ctx, ax_add(ctx, ax_matmul(ctx, in[2], in[0]), in[1]), in[3]);
    out[0] = ax_mean(ctx, ax_square(ctx, r), NULL, 0, false);
    out[1] = r;
    return ax_error_code(ctx);
}

/* ---------------------------------------------------------------- 5. custom derivative */

static ax_status plain_exp(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    out[0] = ax_exp(ctx, in[0]);
    return ax_error_code(ctx);
}

/* vjp of exp, written by hand: inputs (x, y = exp(x), cotangent) */
static ax_status exp_vjp(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    out[0] = ax_multiply(ctx, in[2], in[1]);
    return ax_error_code(ctx);
}

static ax_status stopped(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    /* x * stop_gradient(x): the derivative sees the second factor as a constant */
    out[0] = ax_sum(ctx, ax_multiply(ctx, in[0], ax_stop_gradient(ctx, in[0])), NULL, 0, false);
    return ax_error_code(ctx);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();

    /* 1. call a closure */
    double scale = 2.0;
    ax_closure *f = ax_closure_new(ctx, scaled_sin_sum, 1, 1, &scale, NULL);
    ax_array *x = ax_scalar(ctx, 0.5, AX_FLOAT64), *y = NULL;
    ax_closure_call(ctx, f, &x, &y);
    printf("f(0.5) = 2 sin(0.5) = %.6f\n", item(ctx, y));
    expect_near(item(ctx, y), 2 * sin(0.5), 1e-15, "f");

    /* 2. gradients: df/dx = 2 cos(x), d2f/dx2 = -2 sin(x) */
    ax_closure *df = ax_grad(ctx, f, NULL, 0, false);
    ax_closure *sdf = ax_closure_new(ctx, sum_of, 1, 1, df, NULL);
    ax_closure *d2f = ax_grad(ctx, sdf, NULL, 0, false);
    ax_array *g1 = NULL, *g2 = NULL;
    ax_closure_call(ctx, df, &x, &g1);
    ax_closure_call(ctx, d2f, &x, &g2);
    printf("f'(0.5) = %.6f, f''(0.5) = %.6f\n", item(ctx, g1), item(ctx, g2));
    expect_near(item(ctx, g1), 2 * cos(0.5), 1e-15, "f'");
    expect_near(item(ctx, g2), -2 * sin(0.5), 1e-15, "f''");

    /* 3. gradient descent on a least-squares fit of y = 3 x0 - 2 x1 + 1 */
    double xs[8] = {0, 1, 1, 0, 1, 1, 2, -1}, ys[4];
    for (int i = 0; i < 4; i++) ys[i] = 3 * xs[2 * i] - 2 * xs[2 * i + 1] + 1;
    ax_array *X = ax_array_from_data(ctx, xs, AX_FLOAT64, (int64_t[]){4, 2}, 2);
    ax_array *Y = ax_array_from_data(ctx, ys, AX_FLOAT64, (int64_t[]){4}, 1);
    ax_array *w = ax_zeros(ctx, (int64_t[]){2}, 1, AX_FLOAT64);
    ax_array *b = ax_scalar(ctx, 0.0, AX_FLOAT64);
    ax_closure *loss = ax_closure_new(ctx, least_squares, 4, 2, NULL, NULL);
    int wrt[2] = {0, 1};
    /* outputs: loss, residuals (aux), dloss/dw, dloss/db */
    ax_closure *step = ax_value_and_grad(ctx, loss, wrt, 2, true);
    double first = 0, last = 0;
    for (int it = 0; it < 1500; it++) {
        ax_scope_begin(ctx);
        ax_array *in[4] = {w, b, X, Y}, *o[4];
        if (ax_closure_call(ctx, step, in, o) != AX_OK) break;
        ax_array *nw = ax_subtract(ctx, w, ax_multiply(ctx, o[2], ax_weak_float(ctx, 0.2)));
        ax_array *nb = ax_subtract(ctx, b, ax_multiply(ctx, o[3], ax_weak_float(ctx, 0.2)));
        ax_array *keep[3] = {o[0], nw, nb};
        ax_eval(ctx, keep, 3); /* evaluate each step: the graph stays small */
        if (it == 0) first = item(ctx, o[0]);
        last = item(ctx, o[0]);
        w = ax_keep(ctx, nw);
        b = ax_keep(ctx, nb);
        ax_scope_end(ctx);
    }
    double wv[2] = {0, 0};
    ax_copy_to(ctx, w, wv, sizeof wv);
    printf("least squares: loss %.3g -> %.3g, w = (%.4f, %.4f), b = %.4f\n", first, last, wv[0],
           wv[1], item(ctx, b));
    expect_near(wv[0], 3, 1e-3, "w0");
    expect_near(wv[1], -2, 1e-3, "w1");
    expect_near(item(ctx, b), 1, 1e-3, "b");

    /* 4. jvp and vjp of the elementwise sin (through f's building blocks) */
    ax_array *xv = ax_array_from_data(ctx, (double[]){0.0, 1.0, 2.0}, AX_FLOAT64, (int64_t[]){3}, 1);
    ax_array *t = ax_ones_like(ctx, xv), *fx, *jt, *jtv;
    ax_jvp(ctx, f, &xv, &t, &fx, &jt); /* sum_i 2 cos(x_i) */
    expect_near(item(ctx, jt), 2 * (cos(0.0) + cos(1.0) + cos(2.0)), 1e-14, "jvp");
    ax_array *ct = ax_scalar(ctx, 0.5, AX_FLOAT64);
    ax_vjp(ctx, f, &xv, &ct, &fx, &jtv); /* 0.5 * 2 cos(x) */
    double v[3];
    ax_copy_to(ctx, jtv, v, sizeof v);
    printf("jvp = %.6f, vjp = (%.4f, %.4f, %.4f)\n", item(ctx, jt), v[0], v[1], v[2]);
    for (int i = 0; i < 3; i++) expect_near(v[i], cos((double)i), 1e-15, "vjp");

    /* 5. stop_gradient, checkpoint, custom derivative */
    ax_closure *s = ax_closure_new(ctx, stopped, 1, 1, NULL, NULL);
    ax_closure *ds = ax_grad(ctx, s, NULL, 0, false);
    ax_array *gs = NULL;
    ax_closure_call(ctx, ds, &x, &gs);
    expect_near(item(ctx, gs), 0.5, 0, "stop_gradient"); /* not 2 x = 1 */
    ax_closure *ck = ax_checkpoint(ctx, f); /* same values and gradients, recomputed */
    ax_closure *dck = ax_grad(ctx, ck, NULL, 0, false);
    ax_array *gck = NULL;
    ax_closure_call(ctx, dck, &x, &gck);
    expect_near(item(ctx, gck), 2 * cos(0.5), 1e-15, "checkpoint");
    ax_closure *e = ax_closure_new(ctx, plain_exp, 1, 1, NULL, NULL);
    ax_closure *ev = ax_closure_new(ctx, exp_vjp, 3, 1, NULL, NULL);
    ax_closure *ce = ax_custom_function(ctx, e, ev, NULL);
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT64), *ey, *eg;
    ax_vjp(ctx, ce, &x, &one, &ey, &eg);
    printf("custom exp: value %.6f, derivative %.6f\n", item(ctx, ey), item(ctx, eg));
    expect_near(item(ctx, eg), exp(0.5), 1e-15, "custom vjp");

    /* 6. vmap: f' = 2 cos(x) at every point of a batch, in one graph */
    ax_closure *vdf = ax_vmap(ctx, df, NULL, NULL); /* batch along axis 0 */
    double pts[4] = {0.0, 0.5, 1.0, 2.0};
    ax_array *xb = ax_array_from_data(ctx, pts, AX_FLOAT64, (int64_t[]){4}, 1), *gv = NULL;
    ax_closure_call(ctx, vdf, &xb, &gv);
    double gvv[4] = {0};
    if (gv) ax_copy_to(ctx, gv, gvv, sizeof gvv);
    printf("vmap(grad f) at (0, 0.5, 1, 2) = (%.4f, %.4f, %.4f, %.4f)\n", gvv[0], gvv[1], gvv[2],
           gvv[3]);
    for (int i = 0; i < 4; i++) expect_near(gvv[i], 2 * cos(pts[i]), 1e-15, "vmap of grad");
    ax_closure_release(vdf);

    if (ax_error_code(ctx) != AX_OK) {
        fprintf(stderr, "error: %s\n", ax_error_message(ctx));
        failures++;
    }
    ax_closure *all[] = {f, df, sdf, d2f, loss, step, s, ds, ck, dck, e, ev, ce};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ax_closure_release(all[i]);
    ax_ctx_free(ctx);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
