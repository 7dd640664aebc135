/* Derivative rules of cumprod, cummax, cummin and logcumsumexp
 * (src/transforms/rules_scan_sort.c) against closed forms, for every
 * combination of reverse and inclusive, beyond the finite-difference check
 * of tests/conformance/grad_check.c:
 *  - the full Jacobian of cumprod on inputs with one and two exact zeros
 *    (the derivative at a zero is the product of the others: no division);
 *  - the tie convention of cummax / cummin (the derivative goes to the
 *    earliest element in scan order that attains the running extremum),
 *    which finite differences cannot see;
 *  - logcumsumexp with inputs around +-1000 (the weights exp(x_i - y_j)
 *    stay finite) and the exclusive scan's -inf first output, whose
 *    cotangent contributes nothing, and -inf inputs (masks: weight 0; an
 *    output that is still -inf gets zero derivative, no NaN);
 *  - second order: the Hessian of sum(cumprod(x)) with zeros and of
 *    sum(logcumsumexp(x)) (also with -inf inputs) through jvp of grad.
 * Every Jacobian is taken both ways (jvp columns, vjp rows). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ax/ax.h"
#include "testutil.h"

enum { K_PROD, K_MAX, K_MIN, K_LSE };
static const char *const kname[] = {"cumprod", "cummax", "cummin", "logcumsumexp"};

typedef struct {
    int kind;
    bool rev, incl, sum; /* sum: the closure returns sum(scan(x)) */
} spec;

static ax_status fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                    void *payload) {
    (void)n_in, (void)n_out;
    const spec *s = payload;
    ax_array *y = NULL;
    switch (s->kind) {
    case K_PROD: y = ax_cumprod(ctx, in[0], 0, s->rev, s->incl); break;
    case K_MAX: y = ax_cummax(ctx, in[0], 0, s->rev, s->incl); break;
    case K_MIN: y = ax_cummin(ctx, in[0], 0, s->rev, s->incl); break;
    default: y = ax_logcumsumexp(ctx, in[0], 0, s->rev, s->incl); break;
    }
    out[0] = s->sum ? ax_sum(ctx, y, NULL, 0, false) : y;
    return out[0] ? AX_OK : ax_error_code(ctx);
}

/* Does output j of the scan combine input i? */
static bool covers(int j, int i, const spec *s) {
    if (s->rev) return s->incl ? i >= j : i > j;
    return s->incl ? i <= j : i < j;
}

/* Closed-form d y_j / d x_i. */
static double jac(const double *x, int n, int j, int i, const spec *s) {
    if (!covers(j, i, s)) return 0;
    switch (s->kind) {
    case K_PROD: {
        double p = 1;
        for (int k = 0; k < n; k++)
            if (k != i && covers(j, k, s)) p *= x[k];
        return p;
    }
    case K_MAX:
    case K_MIN: {
        int best = -1; /* earliest in scan order wins ties */
        for (int t = 0; t < n; t++) {
            int k = s->rev ? n - 1 - t : t;
            if (!covers(j, k, s)) continue;
            if (best < 0 || (s->kind == K_MAX ? x[k] > x[best] : x[k] < x[best])) best = k;
        }
        return best == i ? 1 : 0;
    }
    default: {
        double m = -INFINITY, z = 0;
        for (int k = 0; k < n; k++)
            if (covers(j, k, s)) m = fmax(m, x[k]);
        if (m == -INFINITY) return 0; /* every input so far -inf: zero by convention */
        for (int k = 0; k < n; k++)
            if (covers(j, k, s)) z += exp(x[k] - m);
        return exp(x[i] - m) / z;
    }
    }
}

static ax_array *vec(ax_ctx *ctx, const double *v, int n) {
    return ax_array_from_data(ctx, v, AX_FLOAT64, (int64_t[]){n}, 1);
}

static ax_array *unit(ax_ctx *ctx, int n, int k) {
    double v[16] = {0};
    v[k] = 1;
    return vec(ctx, v, n);
}

static void check_jacobian(ax_ctx *ctx, const double *x, int n, spec s, double tol) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &s, NULL);
    ax_array *xa = vec(ctx, x, n);
    for (int k = 0; k < n; k++) {
        ax_array *e = unit(ctx, n, k), *y = NULL, *t = NULL, *g = NULL;
        /* column k (jvp along e_k) and row k (vjp of e_k) */
        CHECK(ax_jvp(ctx, f, &xa, &e, &y, &t) == AX_OK);
        CHECK(ax_vjp(ctx, f, &xa, &e, &y, &g) == AX_OK);
        CHECK_OK(ctx);
        double *th = t ? test_to_f64(ctx, t) : NULL, *gh = g ? test_to_f64(ctx, g) : NULL;
        if (!th || !gh) {
            CHECK_MSG(false, "%s: eval failed: %s", kname[s.kind], ax_error_message(ctx));
            ax_error_clear(ctx);
        } else {
            for (int j = 0; j < n; j++) {
                double want_col = jac(x, n, j, k, &s), want_row = jac(x, n, k, j, &s);
                CHECK_MSG(fabs(th[j] - want_col) <= tol * fmax(1, fabs(want_col)),
                          "%s rev=%d incl=%d: dy[%d]/dx[%d] = %.17g (jvp), want %.17g",
                          kname[s.kind], s.rev, s.incl, j, k, th[j], want_col);
                CHECK_MSG(fabs(gh[j] - want_row) <= tol * fmax(1, fabs(want_row)),
                          "%s rev=%d incl=%d: dy[%d]/dx[%d] = %.17g (vjp), want %.17g",
                          kname[s.kind], s.rev, s.incl, k, j, gh[j], want_row);
            }
        }
        free(th);
        free(gh);
    }
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void test_jacobians(ax_ctx *ctx) {
    const double one_zero[5] = {2, -1.5, 0, 3, 0.5};
    const double two_zeros[6] = {0, 2, -3, 0, 1.5, 4};
    const double ties[7] = {1, 3, 3, -2, 5, 5, 0};
    const double huge[5] = {1000, 1001, -1000, 999, 1000.5};
    const double masked[6] = {-INFINITY, -INFINITY, 1, -INFINITY, 2, -INFINITY};
    for (int r = 0; r < 2; r++)
        for (int in = 0; in < 2; in++) {
            spec s = {K_PROD, r, in, false};
            check_jacobian(ctx, one_zero, 5, s, 1e-14);
            check_jacobian(ctx, two_zeros, 6, s, 1e-14);
            s.kind = K_MAX;
            check_jacobian(ctx, ties, 7, s, 0);
            s.kind = K_MIN;
            check_jacobian(ctx, ties, 7, s, 0);
            s.kind = K_LSE;
            check_jacobian(ctx, huge, 5, s, 1e-13);
            check_jacobian(ctx, one_zero, 5, s, 1e-13);
            check_jacobian(ctx, masked, 6, s, 1e-13);
        }
}

/* The tie convention in one explicit case: cummax([1, 3, 3]) is [1, 3, 3];
 * the gradient of its sum is [1, 2, 0] forward (the first 3 attains both
 * later maxima) and [0, 0, 3] in reverse (the scan meets the last 3 first). */
static void test_tie_convention(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    const double x[3] = {1, 3, 3};
    const double want[2][3] = {{1, 2, 0}, {0, 0, 3}};
    for (int r = 0; r < 2; r++) {
        spec s = {K_MAX, r, true, true};
        ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &s, NULL);
        ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
        ax_array *xa = vec(ctx, x, 3), *gr = NULL;
        CHECK(ax_closure_call(ctx, g, &xa, &gr) == AX_OK);
        double *h = gr ? test_to_f64(ctx, gr) : NULL;
        CHECK(h != NULL);
        for (int i = 0; h && i < 3; i++) CHECK_NEAR(h[i], want[r][i], 0);
        free(h);
        ax_closure_release(g);
        ax_closure_release(f);
    }
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* Exclusive logcumsumexp: out[0] = -inf; a cotangent there contributes
 * nothing (no NaN from exp(x - out)). */
static void test_lse_exclusive_first(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    for (int r = 0; r < 2; r++) {
        spec s = {K_LSE, r, false, false};
        ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &s, NULL);
        const double x[4] = {0.5, -2, 1, 3};
        ax_array *xa = vec(ctx, x, 4), *ct = unit(ctx, 4, r ? 3 : 0), *y = NULL, *g = NULL;
        CHECK(ax_vjp(ctx, f, &xa, &ct, &y, &g) == AX_OK);
        double *h = g ? test_to_f64(ctx, g) : NULL, *yh = y ? test_to_f64(ctx, y) : NULL;
        CHECK(h && yh);
        if (h && yh) {
            CHECK(isinf(yh[r ? 3 : 0]) && yh[r ? 3 : 0] < 0);
            for (int i = 0; i < 4; i++) CHECK_NEAR(h[i], 0, 0);
        }
        free(h);
        free(yh);
        ax_closure_release(f);
    }
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* d2 sum(scan(x)) / dx_i dx_k in closed form. */
static double hess(const double *x, int n, int i, int k, const spec *s) {
    double h = 0;
    for (int j = 0; j < n; j++) {
        if (!covers(j, i, s) || !covers(j, k, s)) continue;
        if (s->kind == K_PROD) {
            if (i == k) continue;
            double p = 1;
            for (int q = 0; q < n; q++)
                if (q != i && q != k && covers(j, q, s)) p *= x[q];
            h += p;
        } else { /* softmax weights w: d w_i / d x_k = w_i (delta_ik - w_k) */
            double wi = jac(x, n, j, i, s), wk = jac(x, n, j, k, s);
            h += wi * ((i == k) - wk);
        }
    }
    return h;
}

static void test_second_order(ax_ctx *ctx, const double *x, int first_kind) {
    for (int kind = first_kind; kind <= K_LSE; kind += K_LSE - K_PROD)
        for (int r = 0; r < 2; r++)
            for (int in = 0; in < 2; in++) {
                ax_scope_begin(ctx);
                spec s = {kind, r, in, true};
                ax_closure *f = ax_closure_new(ctx, fn, 1, 1, &s, NULL);
                ax_closure *g = ax_grad(ctx, f, NULL, 0, false);
                ax_array *xa = vec(ctx, x, 6);
                for (int k = 0; k < 6; k++) {
                    ax_array *e = unit(ctx, 6, k), *gv = NULL, *hv = NULL;
                    CHECK(ax_jvp(ctx, g, &xa, &e, &gv, &hv) == AX_OK);
                    double *h = hv ? test_to_f64(ctx, hv) : NULL;
                    CHECK_MSG(h != NULL, "%s", ax_error_message(ctx));
                    for (int i = 0; h && i < 6; i++) {
                        double want = hess(x, 6, i, k, &s);
                        CHECK_MSG(fabs(h[i] - want) <= 1e-13 * fmax(1, fabs(want)),
                                  "%s rev=%d incl=%d: H[%d][%d] = %.17g, want %.17g",
                                  kname[kind], r, in, i, k, h[i], want);
                    }
                    free(h);
                }
                ax_closure_release(g);
                ax_closure_release(f);
                CHECK_OK(ctx);
                ax_error_clear(ctx);
                ax_scope_end(ctx);
            }
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_jacobians(ctx);
    test_tie_convention(ctx);
    test_lse_exclusive_first(ctx);
    const double zeros[6] = {1.5, 0, -2, 0.5, 0, 3};
    const double masked[6] = {-INFINITY, 0.5, -INFINITY, -1, 2, -INFINITY};
    test_second_order(ctx, zeros, K_PROD);
    test_second_order(ctx, masked, K_LSE);
    ax_ctx_free(ctx);
    return test_summary("test_scan_rules");
}
