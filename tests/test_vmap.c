/* vmap: API semantics (in_axes / out_axes, unbatched inputs and outputs),
 * batching rules of each op group against an explicit loop over the batch,
 * the generic fallback, nesting, composition with grad / jvp / compile,
 * custom functions with and without a vmap rule, and errors. Every harness
 * case is also run under vmap by tests/conformance/vmap_check.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static ax_ctx *ctx;

static double urand(void) {
    static uint64_t s = 0x9E3779B97F4A7C15ull;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return (double)(s >> 11) * (1.0 / 9007199254740992.0);
}

static ax_array *rnd(const int64_t *shape, int nd) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = 2 * urand() - 1;
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT64, shape, nd);
    free(v);
    return a;
}

/* Element b of x along axis. */
static ax_array *elem(ax_array *x, int axis, int64_t b) {
    /* row-major, as vmap's placeholders are: as_strided reads its input's
     * buffer, so it sees an element the way a traced function does */
    ax_array *s = ax_slice_axis(ctx, x, axis, b, b + 1, 1);
    return ax_contiguous(ctx, ax_squeeze(ctx, s, &axis, 1));
}

/* The reference: call f per batch element and stack at out_axes. */
static ax_status loop_ref(ax_closure *f, ax_array *const *in, const int *in_axes,
                          const int *out_axes, int64_t B, ax_array **out) {
    int n_in = ax_closure_n_in(f), n_out = ax_closure_n_out(f);
    ax_array *args[8], *res[8][16];
    for (int64_t b = 0; b < B; b++) {
        for (int i = 0; i < n_in; i++) {
            int a = in_axes ? in_axes[i] : 0;
            args[i] = a < 0 ? in[i] : elem(in[i], a, b);
        }
        ax_array *o[8];
        ax_status st = ax_closure_call(ctx, f, args, o);
        if (st != AX_OK) return st;
        for (int j = 0; j < n_out; j++) res[j][b] = o[j];
    }
    for (int j = 0; j < n_out; j++) {
        int a = out_axes ? out_axes[j] : 0;
        if (a < 0) a += ax_ndim(res[j][0]) + 1;
        out[j] = ax_stack(ctx, res[j], (int)B, a);
    }
    return ax_error_code(ctx);
}

/* max |x - y| (shapes and dtypes must match); NAN if they do not. */
static double maxdiff(ax_array *x, ax_array *y) {
    if (!x || !y || ax_ndim(x) != ax_ndim(y) || ax_dtype_of(x) != ax_dtype_of(y)) return NAN;
    for (int d = 0; d < ax_ndim(x); d++)
        if (ax_shape(x)[d] != ax_shape(y)[d]) return NAN;
    double *a = test_to_f64(ctx, x), *b = test_to_f64(ctx, y);
    double m = (a && b) ? 0 : NAN;
    for (int64_t i = 0; a && b && i < ax_size(x); i++) {
        if (isnan(a[i]) && isnan(b[i])) continue;
        double d = fabs(a[i] - b[i]);
        if (!(d <= m)) m = d;
    }
    free(a);
    free(b);
    return m;
}

/* vmap(f) against the loop; tol absolute (float64 values of order 1). */
static void check_vs_loop(const char *what, ax_closure *f, ax_array *const *in, const int *in_axes,
                          const int *out_axes, int64_t B, double tol) {
    ax_scope_begin(ctx);
    int n_out = ax_closure_n_out(f);
    ax_array *got[8] = {0}, *want[8] = {0};
    ax_closure *v = ax_vmap(ctx, f, in_axes, out_axes);
    CHECK_MSG(v != NULL, "%s: %s", what, ax_error_message(ctx));
    if (v && ax_closure_call(ctx, v, in, got) == AX_OK && loop_ref(f, in, in_axes, out_axes, B, want) == AX_OK) {
        for (int j = 0; j < n_out; j++) {
            double d = maxdiff(got[j], want[j]);
            CHECK_MSG(d <= tol, "%s: output %d differs from the loop by %g (shapes %lld-d)", what, j, d,
                      (long long)(got[j] ? ax_ndim(got[j]) : -1));
        }
    } else {
        CHECK_MSG(false, "%s: %s", what, ax_error_message(ctx));
        ax_error_clear(ctx);
    }
    ax_closure_release(v);
    ax_scope_end(ctx);
}

#define FN(name) \
    static ax_status name(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p)
#define UNUSED (void)n_in, (void)n_out, (void)p

/* ---------------------------------------------------------------- functions */

FN(f_ew) { /* sin(x) * y + 2, exp(x) > y */
    UNUSED;
    out[0] = ax_add(c, ax_multiply(c, ax_sin(c, in[0]), in[1]), ax_weak_float(c, 2));
    out[1] = ax_greater(c, ax_exp(c, in[0]), in[1]);
    return ax_error_code(c);
}

FN(f_reduce) { /* sum over axis 1, softmax over -1, argmax over 0, logsumexp, max */
    UNUSED;
    int a1 = 1, am = -1;
    out[0] = ax_sum(c, in[0], &a1, 1, false);
    out[1] = ax_softmax(c, in[0], &am, 1);
    out[2] = ax_argmax(c, in[0], 0, false);
    out[3] = ax_logsumexp(c, in[0], NULL, 0, true);
    out[4] = ax_astype(c, ax_mean(c, in[0], NULL, 0, false), AX_FLOAT32);
    return ax_error_code(c);
}

FN(f_views) { /* reshape, transpose, slice, broadcast_to, as_strided (diagonal) */
    UNUSED;
    ax_array *x = in[0]; /* (3, 4) */
    int64_t sh[2] = {4, 3};
    out[0] = ax_reshape(c, x, sh, 2);
    out[1] = ax_transpose(c, x, NULL, 0);
    out[2] = ax_slice_axis(c, x, 1, 1, 4, 2);
    int64_t bs[3] = {2, 3, 4};
    out[3] = ax_broadcast_to(c, x, bs, 3);
    int64_t dsh[1] = {3}, dst[1] = {5};
    out[4] = ax_multiply(c, ax_as_strided(c, x, dsh, dst, 1, 0), ax_weak_float(c, 3));
    out[5] = ax_sum(c, ax_slice_axis(c, ax_transpose(c, x, NULL, 0), 0, 3, 0, -1), NULL, 0, false);
    return ax_error_code(c);
}

FN(f_matmul) { /* x @ w, v @ x^T, x @ u (1-D) */
    UNUSED;
    out[0] = ax_matmul(c, in[0], in[1]);
    out[1] = ax_matmul(c, in[2], ax_transpose(c, in[0], NULL, 0));
    out[2] = ax_matmul(c, in[0], in[2]);
    out[3] = ax_addmm(c, in[3], in[0], in[1], 0.5, 2.0);
    return ax_error_code(c);
}

FN(f_dot) { /* (K,) @ (K,) */
    UNUSED;
    out[0] = ax_matmul(c, in[0], in[1]);
    return ax_error_code(c);
}

FN(f_move) { /* concatenate, pad, tril, take, sort, cumsum, slice_update */
    UNUSED;
    ax_array *x = in[0]; /* (3, 4) */
    ax_array *pair[2] = {x, in[1]};
    out[0] = ax_concatenate(c, pair, 2, 0);
    int64_t pw[4] = {1, 0, 0, 2};
    out[1] = ax_pad(c, x, pw, AX_PAD_CONSTANT, 0.5);
    out[2] = ax_tril(c, x, 0);
    int64_t idx[3] = {2, 0, 3};
    out[3] = ax_take(c, x, ax_array_from_data(c, idx, AX_INT64, (int64_t[]){3}, 1), 1);
    out[4] = ax_sort(c, x, 1);
    out[5] = ax_cumsum(c, x, 0, false, true);
    out[6] = ax_slice_update(c, x, in[1], (int64_t[]){1, 0}, (int64_t[]){3, 4}, NULL, 2);
    return ax_error_code(c);
}

FN(f_conv) { /* conv1d(x, w, stride 1, pad 1, groups 2) then a max over length */
    UNUSED;
    ax_array *y = ax_conv1d(c, in[0], in[1], 1, 1, 1, 2);
    int a1 = 1;
    out[0] = y;
    out[1] = ax_max(c, y, &a1, 1, false);
    return ax_error_code(c);
}

FN(f_gather) { /* a (4, 5), idx (3,) int64 over axis 1, slices of (4, 1) */
    UNUSED;
    int ax1 = 1;
    out[0] = ax_gather(c, in[0], &in[1], 1, &ax1, (int64_t[]){4, 1});
    return ax_error_code(c);
}

FN(f_scatter) { /* a (4, 5), idx (3,) over axis 1, updates (3, 4, 1): scatter-add */
    UNUSED;
    int ax1 = 1;
    out[0] = ax_scatter(c, in[0], &in[1], 1, in[2], &ax1, AX_SCATTER_ADD);
    return ax_error_code(c);
}

FN(f_take) { /* take(a (3, 4, 2), idx (2, 2), axis 1) */
    UNUSED;
    out[0] = ax_take(c, in[0], in[1], 1);
    return ax_error_code(c);
}

/* a 2-layer MLP loss of one example */
FN(f_mlp_loss) { /* in: w1 (D,H), w2 (H,), x (D,), y () */
    UNUSED;
    ax_array *h = ax_tanh(c, ax_matmul(c, in[2], in[0]));
    ax_array *pred = ax_matmul(c, h, in[1]);
    ax_array *e = ax_subtract(c, pred, in[3]);
    out[0] = ax_multiply(c, e, e);
    return ax_error_code(c);
}

FN(f_fail) { /* a reshape to a wrong size: the closure fails */
    UNUSED;
    out[0] = ax_reshape(c, in[0], (int64_t[]){7}, 1);
    return ax_error_code(c);
}

FN(f_eval_inside) { /* evaluates a traced array: an error */
    UNUSED;
    double v;
    ax_item_f64(c, ax_sum(c, in[0], NULL, 0, false), &v);
    out[0] = in[0];
    return ax_error_code(c);
}

FN(f_const) { /* (x * 2, a constant that does not depend on x) */
    UNUSED;
    out[0] = ax_multiply(c, in[0], ax_weak_float(c, 2));
    out[1] = ax_arange(c, 0, 3, 1, AX_FLOAT64);
    return ax_error_code(c);
}

FN(f_sumsq) { /* sum(x^2 * y) */
    UNUSED;
    out[0] = ax_sum(c, ax_multiply(c, ax_multiply(c, in[0], in[0]), in[1]), NULL, 0, false);
    return ax_error_code(c);
}

/* custom function: f = x * 3; vmap rule counts its calls */
static int vmap_rule_calls;
FN(f_times3) {
    UNUSED;
    out[0] = ax_multiply(c, in[0], ax_weak_float(c, 3));
    return ax_error_code(c);
}
FN(f_times3_vmap) {
    UNUSED;
    vmap_rule_calls++;
    out[0] = ax_multiply(c, in[0], ax_weak_float(c, 3));
    return ax_error_code(c);
}
FN(f_times3_bad_vmap) { /* drops the batch axis */
    UNUSED;
    int a0 = 0;
    out[0] = ax_sum(c, in[0], &a0, 1, false);
    return ax_error_code(c);
}
/* vjp rule that scales by 10 (so it shows whether it was used) */
FN(f_times3_vjp) { /* (x, y, ct) -> ct * 10 */
    UNUSED;
    out[0] = ax_multiply(c, in[2], ax_weak_float(c, 10));
    return ax_error_code(c);
}
FN(f_call_custom) { /* sum(sin(custom(x))) through the closure in p */
    (void)n_in, (void)n_out;
    ax_array *y;
    ax_status st = ax_closure_call(c, p, in, &y);
    if (st != AX_OK) return st;
    out[0] = ax_sum(c, ax_sin(c, y), NULL, 0, false);
    return ax_error_code(c);
}

/* ---------------------------------------------------------------- tests */

static void test_elementwise_axes(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_ew, 2, 2, NULL, NULL);
    ax_array *x = rnd((int64_t[]){3, 4}, 2), *y = rnd((int64_t[]){4}, 1);
    ax_array *in[2] = {x, y};
    check_vs_loop("ew in(0,-1)", f, in, (int[]){0, -1}, NULL, 3, 1e-15);
    ax_array *y3 = rnd((int64_t[]){3}, 1);
    ax_array *in1[2] = {x, y3};
    check_vs_loop("ew in(1,-1)", f, in1, (int[]){1, -1}, NULL, 4, 1e-15);
    check_vs_loop("ew in(1,-1) out(1,-1)", f, in1, (int[]){1, -1}, (int[]){1, -1}, 4, 1e-15);
    ax_array *y2 = rnd((int64_t[]){4, 3}, 2);
    ax_array *in2[2] = {x, y2};
    /* x batched along 0 (3), y along 1 (3): x elements (4,), y elements (4,) */
    check_vs_loop("ew in(0,1)", f, in2, (int[]){0, 1}, NULL, 3, 1e-15);
    /* a batched scalar against a vector */
    ax_array *s = rnd((int64_t[]){5}, 1), *v = rnd((int64_t[]){5, 4}, 2);
    ax_array *in3[2] = {s, v};
    check_vs_loop("ew scalar elements", f, in3, NULL, NULL, 5, 1e-15);
    /* shapes of the result */
    ax_closure *vf = ax_vmap(ctx, f, (int[]){1, -1}, (int[]){1, 0});
    ax_array *o[2];
    CHECK(ax_closure_call(ctx, vf, in1, o) == AX_OK);
    CHECK(o[0] && ax_ndim(o[0]) == 2 && ax_shape(o[0])[0] == 3 && ax_shape(o[0])[1] == 4);
    CHECK(o[1] && ax_dtype_of(o[1]) == AX_BOOL && ax_shape(o[1])[0] == 4);
    ax_closure_release(vf);
    /* an empty batch: outputs of batch size 0 */
    ax_closure *v0 = ax_vmap(ctx, f, (int[]){0, -1}, NULL);
    ax_array *x0 = ax_zeros(ctx, (int64_t[]){0, 4}, 2, AX_FLOAT64), *e[2] = {0};
    CHECK(ax_closure_call(ctx, v0, (ax_array *[]){x0, y}, e) == AX_OK);
    CHECK(e[0] && ax_ndim(e[0]) == 2 && ax_shape(e[0])[0] == 0 && ax_shape(e[0])[1] == 4);
    CHECK(e[1] && ax_eval1(ctx, e[1]) == AX_OK && ax_size(e[1]) == 0);
    ax_closure_release(v0);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_reductions_views(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_reduce, 1, 5, NULL, NULL);
    ax_array *x = rnd((int64_t[]){3, 4, 5}, 3);
    check_vs_loop("reduce in 0", f, &x, NULL, NULL, 3, 1e-14);
    check_vs_loop("reduce in 2", f, &x, (int[]){2}, NULL, 5, 1e-14);
    check_vs_loop("reduce in 1 out -1", f, &x, (int[]){1}, (int[]){-1, -1, -1, -1, -1}, 4, 1e-14);
    ax_closure_release(f);
    f = ax_closure_new(ctx, f_views, 1, 6, NULL, NULL);
    ax_array *y = rnd((int64_t[]){2, 3, 4}, 3), *yt = ax_transpose(ctx, rnd((int64_t[]){3, 4, 2}, 3), (int[]){2, 0, 1}, 3);
    check_vs_loop("views in 0", f, &y, NULL, NULL, 2, 0);
    ax_array *z = rnd((int64_t[]){3, 2, 4}, 3);
    check_vs_loop("views in 1", f, &z, (int[]){1}, NULL, 2, 0);
    check_vs_loop("views of a transposed input", f, &yt, NULL, NULL, 2, 0);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_matmul_move(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_matmul, 4, 4, NULL, NULL);
    ax_array *x = rnd((int64_t[]){3, 2, 4}, 3), *w = rnd((int64_t[]){4, 5}, 2),
             *u = rnd((int64_t[]){4}, 1), *cc = rnd((int64_t[]){2, 5}, 2);
    ax_array *in[4] = {x, w, u, cc};
    check_vs_loop("matmul x batched", f, in, (int[]){0, -1, -1, -1}, NULL, 3, 1e-14);
    ax_array *wb = rnd((int64_t[]){4, 5, 3}, 3), *ub = rnd((int64_t[]){3, 4}, 2), *cb = rnd((int64_t[]){3, 2, 5}, 3);
    ax_array *in2[4] = {x, wb, ub, cb};
    check_vs_loop("matmul all batched", f, in2, (int[]){0, 2, 0, 0}, NULL, 3, 1e-14);
    ax_array *x2 = rnd((int64_t[]){2, 4}, 2);
    ax_array *in3[4] = {x2, wb, u, cc};
    check_vs_loop("matmul w batched", f, in3, (int[]){-1, 2, -1, -1}, NULL, 3, 1e-14);
    ax_closure_release(f);
    f = ax_closure_new(ctx, f_dot, 2, 1, NULL, NULL);
    ax_array *d[2] = {rnd((int64_t[]){3, 4}, 2), rnd((int64_t[]){4}, 1)};
    check_vs_loop("dot a batched", f, d, (int[]){0, -1}, NULL, 3, 1e-14);
    check_vs_loop("dot b batched", f, (ax_array *[]){d[1], d[0]}, (int[]){-1, 0}, NULL, 3, 1e-14);
    ax_array *e[2] = {d[0], rnd((int64_t[]){4, 3}, 2)};
    check_vs_loop("dot both batched", f, e, (int[]){0, 1}, NULL, 3, 1e-14);
    ax_closure_release(f);
    f = ax_closure_new(ctx, f_move, 2, 7, NULL, NULL);
    ax_array *m[2] = {rnd((int64_t[]){3, 4, 2}, 3), rnd((int64_t[]){2, 4}, 2)};
    check_vs_loop("data movement x in 2", f, m, (int[]){2, -1}, NULL, 2, 1e-14);
    ax_array *m2[2] = {rnd((int64_t[]){2, 3, 4}, 3), rnd((int64_t[]){2, 2, 4}, 3)};
    check_vs_loop("data movement both", f, m2, NULL, NULL, 2, 1e-14);
    ax_array *m3[2] = {rnd((int64_t[]){3, 4}, 2), rnd((int64_t[]){2, 4, 2}, 3)};
    check_vs_loop("data movement update batched", f, m3, (int[]){-1, 2}, NULL, 2, 1e-14);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_conv(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_conv, 2, 2, NULL, NULL);
    /* x (N 2, L 5, C 4), w (C_out 6, K 3, C/g 2) */
    ax_array *x = rnd((int64_t[]){2, 5, 4}, 3), *w = rnd((int64_t[]){6, 3, 2}, 3);
    ax_array *xb = rnd((int64_t[]){3, 2, 5, 4}, 4), *wb = rnd((int64_t[]){6, 3, 2, 3}, 4);
    check_vs_loop("conv x batched", f, (ax_array *[]){xb, w}, (int[]){0, -1}, NULL, 3, 1e-14);
    check_vs_loop("conv w batched", f, (ax_array *[]){x, wb}, (int[]){-1, 3}, NULL, 3, 1e-14);
    check_vs_loop("conv both batched", f, (ax_array *[]){xb, wb}, (int[]){0, 3}, (int[]){2, 1}, 3, 1e-14);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_gather(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_gather, 2, 1, NULL, NULL);
    ax_array *a = rnd((int64_t[]){4, 5}, 2), *ab = rnd((int64_t[]){4, 3, 5}, 3);
    int64_t iv[6] = {0, 4, 2, 1, 1, 3}, jv[3] = {3, 0, 4};
    ax_array *ib = ax_array_from_data(ctx, iv, AX_INT64, (int64_t[]){2, 3}, 2);
    ax_array *i1 = ax_array_from_data(ctx, jv, AX_INT64, (int64_t[]){3}, 1);
    check_vs_loop("gather a batched", f, (ax_array *[]){ab, i1}, (int[]){1, -1}, NULL, 3, 0);
    check_vs_loop("gather indices batched", f, (ax_array *[]){a, ib}, (int[]){-1, 0}, NULL, 2, 0);
    ax_closure *ft = ax_closure_new(ctx, f_take, 2, 1, NULL, NULL);
    int64_t tv[12] = {0, -1, 3, 2, 1, 1, -4, 0, 2, 3, 0, -2};
    ax_array *tb = ax_array_from_data(ctx, tv, AX_INT64, (int64_t[]){3, 2, 2}, 3);
    ax_array *ta = rnd((int64_t[]){3, 4, 2}, 3), *tab = rnd((int64_t[]){3, 4, 3, 2}, 4);
    check_vs_loop("take indices batched", ft, (ax_array *[]){ta, tb}, (int[]){-1, 0}, NULL, 3, 0);
    check_vs_loop("take both batched", ft, (ax_array *[]){tab, tb}, (int[]){2, 0}, (int[]){1}, 3, 0);
    ax_closure_release(ft);
    ax_closure *fs = ax_closure_new(ctx, f_scatter, 3, 1, NULL, NULL);
    ax_array *u = rnd((int64_t[]){3, 4, 1}, 3), *ub = rnd((int64_t[]){3, 4, 1, 2}, 4);
    int64_t dv[6] = {1, 1, 3, 0, 4, 0}; /* duplicates add up */
    ax_array *db = ax_array_from_data(ctx, dv, AX_INT64, (int64_t[]){2, 3}, 2);
    check_vs_loop("scatter updates batched", fs, (ax_array *[]){a, i1, ub}, (int[]){-1, -1, 3}, NULL, 2, 1e-15);
    check_vs_loop("scatter indices batched", fs, (ax_array *[]){a, db, u}, (int[]){-1, 0, -1}, NULL, 2, 1e-15);
    check_vs_loop("scatter all batched", fs, (ax_array *[]){ax_slice_axis(ctx, ab, 1, 0, 2, 1), db, ub},
                  (int[]){1, 0, 3}, NULL, 2, 1e-15);
    ax_closure_release(fs);
    check_vs_loop("gather both batched", f, (ax_array *[]){ax_slice_axis(ctx, ab, 1, 0, 2, 1), ib},
                  (int[]){1, 0}, (int[]){-1}, 2, 0);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_nesting_and_constants(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_ew, 2, 2, NULL, NULL);
    ax_closure *inner = ax_vmap(ctx, f, (int[]){0, -1}, NULL);
    /* outer over axis 1 of x; inner over axis 0 of each element */
    ax_array *x = rnd((int64_t[]){3, 2, 4}, 3), *y = rnd((int64_t[]){4}, 1);
    ax_array *in[2] = {x, y};
    check_vs_loop("vmap of vmap", inner, in, (int[]){1, -1}, (int[]){0, 2}, 2, 1e-15);
    ax_closure *outer = ax_vmap(ctx, inner, (int[]){1, -1}, NULL);
    ax_closure *outer2 = ax_vmap(ctx, outer, (int[]){0, -1}, NULL); /* triple */
    ax_array *x4 = rnd((int64_t[]){2, 3, 2, 4}, 4);
    ax_array *in4[2] = {x4, y};
    check_vs_loop("vmap of vmap of vmap", outer, in4, (int[]){0, -1}, NULL, 2, 1e-15);
    ax_array *o[2];
    CHECK(ax_closure_call(ctx, outer2, in4, o) == AX_OK);
    CHECK(o[0] && ax_ndim(o[0]) == 4 && ax_shape(o[0])[0] == 2 && ax_shape(o[0])[1] == 2 &&
          ax_shape(o[0])[2] == 3);
    ax_closure_release(outer2);
    ax_closure_release(outer);
    ax_closure_release(inner);
    ax_closure_release(f);
    /* an output that does not depend on the batch is broadcast */
    f = ax_closure_new(ctx, f_const, 1, 2, NULL, NULL);
    ax_closure *v = ax_vmap(ctx, f, NULL, (int[]){0, 1});
    ax_array *r[2];
    ax_array *xs = rnd((int64_t[]){5, 2}, 2);
    CHECK(ax_closure_call(ctx, v, &xs, r) == AX_OK);
    CHECK(r[1] && ax_ndim(r[1]) == 2 && ax_shape(r[1])[0] == 3 && ax_shape(r[1])[1] == 5);
    double *rv = r[1] ? test_to_f64(ctx, r[1]) : NULL;
    CHECK(rv && rv[0] == 0 && rv[4] == 0 && rv[5] == 1 && rv[14] == 2);
    free(rv);
    check_vs_loop("constant output", f, &xs, NULL, (int[]){0, 1}, 5, 0);
    ax_closure_release(v);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_autodiff_compose(void) {
    ax_scope_begin(ctx);
    const int64_t B = 6, D = 4, H = 5;
    ax_closure *loss = ax_closure_new(ctx, f_mlp_loss, 4, 1, NULL, NULL);
    ax_array *w1 = rnd((int64_t[]){D, H}, 2), *w2 = rnd((int64_t[]){H}, 1);
    ax_array *xs = rnd((int64_t[]){B, D}, 2), *ys = rnd((int64_t[]){B}, 1);
    ax_array *in[4] = {w1, w2, xs, ys};
    /* per-example gradients: vmap of grad against a loop of grad */
    ax_closure *g = ax_grad(ctx, loss, (int[]){0, 1}, 2, false);
    check_vs_loop("vmap of grad", g, in, (int[]){-1, -1, 0, 0}, NULL, B, 1e-13);
    /* vmap of value_and_grad, compiled */
    ax_closure *vg = ax_value_and_grad(ctx, loss, (int[]){0, 1}, 2, false);
    ax_closure *vv = ax_vmap(ctx, vg, (int[]){-1, -1, 0, 0}, NULL);
    ax_closure *cv = getenv("VMAP_NO_COMPILE") ? ax_closure_retain(vv) : ax_compile(ctx, vv, NULL);
    ax_array *a[3] = {0}, *b[3] = {0};
    CHECK(ax_closure_call(ctx, vv, in, a) == AX_OK);
    CHECK(ax_closure_call(ctx, cv, in, b) == AX_OK);
    CHECK(ax_closure_call(ctx, cv, in, b) == AX_OK); /* cached trace */
    for (int j = 0; j < 3; j++)
        CHECK_MSG(maxdiff(a[j], b[j]) <= 1e-13, "compiled vmap output %d: %s", j, ax_error_message(ctx));
    ax_error_clear(ctx);
    ax_closure_release(cv);
    /* vmap of a compiled closure */
    ax_closure *cl = ax_compile(ctx, loss, NULL);
    check_vs_loop("vmap of compile", cl, in, (int[]){-1, -1, 0, 0}, NULL, B, 1e-13);
    ax_closure *cg = ax_compile(ctx, g, NULL);
    check_vs_loop("vmap of compiled grad", cg, in, (int[]){-1, -1, 0, 0}, NULL, B, 1e-13);
    ax_closure_release(cg);
    ax_closure_release(cl);
    ax_closure_release(vv);
    ax_closure_release(vg);
    /* grad of vmap: d/dw1 sum_b loss_b == sum_b d loss_b / dw1 */
    ax_closure *vl = ax_vmap(ctx, loss, (int[]){-1, -1, 0, 0}, NULL);
    ax_array *vo;
    CHECK(ax_closure_call(ctx, vl, in, &vo) == AX_OK);
    /* vjp of vmap with a ones cotangent = sum of per-example grads */
    ax_array *ones = ax_ones(ctx, (int64_t[]){B}, 1, AX_FLOAT64);
    ax_array *outs[1] = {0}, *cts[4] = {0};
    CHECK(ax_vjp(ctx, vl, in, &ones, outs, cts) == AX_OK);
    ax_array *pg[2] = {0};
    CHECK(loop_ref(g, in, (int[]){-1, -1, 0, 0}, NULL, B, pg) == AX_OK);
    int a0 = 0;
    CHECK_MSG(maxdiff(cts[0], ax_sum(ctx, pg[0], &a0, 1, false)) <= 1e-13, "vjp of vmap (w1)");
    CHECK_MSG(maxdiff(cts[1], ax_sum(ctx, pg[1], &a0, 1, false)) <= 1e-13, "vjp of vmap (w2)");
    /* jvp of vmap along a tangent of xs: against a loop of jvp */
    ax_array *tx = rnd((int64_t[]){B, D}, 2);
    ax_array *tans[4] = {ax_zeros_like(ctx, w1), ax_zeros_like(ctx, w2), tx, ax_zeros_like(ctx, ys)};
    ax_array *jo[1] = {0}, *jt[1] = {0};
    CHECK(ax_jvp(ctx, vl, in, tans, jo, jt) == AX_OK);
    double *jv = jt[0] ? test_to_f64(ctx, jt[0]) : NULL;
    for (int64_t e = 0; jv && e < B; e++) {
        ax_array *pin[4] = {w1, w2, elem(xs, 0, e), elem(ys, 0, e)};
        ax_array *ptan[4] = {tans[0], tans[1], elem(tx, 0, e), ax_zeros_like(ctx, pin[3])};
        ax_array *po, *pt;
        CHECK(ax_jvp(ctx, loss, pin, ptan, &po, &pt) == AX_OK);
        double want = NAN;
        ax_item_f64(ctx, pt, &want);
        CHECK_NEAR(jv[e], want, 1e-13);
    }
    CHECK(jv != NULL);
    free(jv);
    /* grad of (sum of vmap) through a closure and vmap of (jvp_fn) */
    ax_closure *jf = ax_jvp_fn(ctx, loss);
    ax_array *jin[8] = {w1, w2, xs, ys, tans[0], tans[1], tx, ax_zeros_like(ctx, ys)};
    check_vs_loop("vmap of jvp_fn", jf, jin, (int[]){-1, -1, 0, 0, -1, -1, 0, 0}, NULL, B, 1e-13);
    ax_closure_release(jf);
    /* grad of grad under vmap: Hessian-vector style f_sumsq */
    ax_closure *sq = ax_closure_new(ctx, f_sumsq, 2, 1, NULL, NULL);
    ax_closure *g1 = ax_grad(ctx, sq, NULL, 0, false);
    ax_array *sx = rnd((int64_t[]){3, 4}, 2), *sy = rnd((int64_t[]){3, 4}, 2);
    check_vs_loop("vmap of grad (elementwise)", g1, (ax_array *[]){sx, sy}, NULL, NULL, 3, 1e-14);
    ax_closure_release(g1);
    ax_closure_release(sq);
    ax_closure_release(vl);
    ax_closure_release(g);
    ax_closure_release(loss);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_custom(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_times3, 1, 1, NULL, NULL);
    ax_closure *rule = ax_closure_new(ctx, f_times3_vmap, 1, 1, NULL, NULL);
    ax_closure *vjp = ax_closure_new(ctx, f_times3_vjp, 3, 1, NULL, NULL);
    ax_closure *cf = ax_custom_function_vmap(ctx, f, vjp, NULL, rule);
    ax_closure *plain = ax_custom_function(ctx, f, vjp, NULL);
    ax_array *x = rnd((int64_t[]){4, 3}, 2);
    vmap_rule_calls = 0;
    check_vs_loop("custom with vmap rule", cf, &x, NULL, NULL, 4, 0);
    CHECK(vmap_rule_calls == 1);
    check_vs_loop("custom without vmap rule", plain, &x, (int[]){1}, NULL, 3, 0);
    /* the custom vjp stays in force under vmap (per element): grad of
     * sum(sin(custom(x))) = cos(3x) * 10 */
    ax_closure *outer = ax_closure_new(ctx, f_call_custom, 1, 1, plain, NULL);
    ax_closure *go = ax_grad(ctx, outer, NULL, 0, false);
    ax_closure *vgo = ax_vmap(ctx, go, NULL, NULL);
    ax_array *gr;
    CHECK(ax_closure_call(ctx, vgo, &x, &gr) == AX_OK);
    ax_array *want = ax_multiply(ctx, ax_cos(ctx, ax_multiply(ctx, x, ax_weak_float(ctx, 3))), ax_weak_float(ctx, 10));
    CHECK_MSG(maxdiff(gr, want) <= 1e-14, "custom vjp under vmap");
    ax_closure_release(vgo);
    ax_closure_release(go);
    ax_closure_release(outer);
    /* a rule returning the wrong shape */
    ax_closure *bad = ax_closure_new(ctx, f_times3_bad_vmap, 1, 1, NULL, NULL);
    ax_closure *cb = ax_custom_function_vmap(ctx, f, NULL, NULL, bad);
    ax_closure *vb = ax_vmap(ctx, cb, NULL, NULL);
    ax_array *o;
    CHECK(ax_closure_call(ctx, vb, &x, &o) == AX_ERR_SHAPE);
    CHECK(strstr(ax_error_message(ctx), "vmap") != NULL);
    ax_error_clear(ctx);
    /* arity of the rule */
    CHECK(ax_custom_function_vmap(ctx, f, NULL, NULL, vjp) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_closure_release(vb);
    ax_closure_release(cb);
    ax_closure_release(bad);
    ax_closure_release(plain);
    ax_closure_release(cf);
    ax_closure_release(vjp);
    ax_closure_release(rule);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_errors(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, f_ew, 2, 2, NULL, NULL);
    ax_array *x = rnd((int64_t[]){3, 4}, 2), *y = rnd((int64_t[]){4}, 1);
    ax_array *in[2] = {x, y}, *o[2];
    CHECK(ax_vmap(ctx, NULL, NULL, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_vmap(ctx, f, (int[]){-1, -1}, NULL) == NULL);
    CHECK(strstr(ax_error_message(ctx), "vmap: no input is batched") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_vmap(ctx, f, (int[]){-2, 0}, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* in_axes out of range for the input's rank */
    ax_closure *v = ax_vmap(ctx, f, (int[]){2, -1}, NULL);
    CHECK(v != NULL);
    CHECK(ax_closure_call(ctx, v, in, o) == AX_ERR_VALUE);
    CHECK(strstr(ax_error_message(ctx), "vmap: in_axes[0] = 2 is out of range") != NULL);
    CHECK(o[0] == NULL && o[1] == NULL);
    ax_error_clear(ctx);
    ax_closure_release(v);
    /* batch sizes differ */
    v = ax_vmap(ctx, f, (int[]){0, 0}, NULL);
    CHECK(ax_closure_call(ctx, v, in, o) == AX_ERR_SHAPE);
    CHECK(strstr(ax_error_message(ctx), "vmap: batch sizes differ") != NULL);
    ax_error_clear(ctx);
    ax_closure_release(v);
    /* out_axes out of range */
    v = ax_vmap(ctx, f, (int[]){0, -1}, (int[]){2, 0});
    CHECK(ax_closure_call(ctx, v, in, o) == AX_ERR_VALUE);
    CHECK(strstr(ax_error_message(ctx), "vmap: out_axes[0] = 2 is out of range") != NULL);
    ax_error_clear(ctx);
    ax_closure_release(v);
    v = ax_vmap(ctx, f, (int[]){0, -1}, (int[]){-3, 0});
    CHECK(ax_closure_call(ctx, v, in, o) == AX_ERR_VALUE);
    ax_error_clear(ctx);
    ax_closure_release(v);
    /* a closure that fails: its error propagates unchanged (through grad too) */
    ax_closure *bad = ax_closure_new(ctx, f_fail, 1, 1, NULL, NULL);
    v = ax_vmap(ctx, bad, NULL, NULL);
    CHECK(ax_closure_call(ctx, v, &x, o) != AX_OK);
    CHECK(strstr(ax_error_message(ctx), "reshape") != NULL);
    ax_error_clear(ctx);
    ax_closure_release(v);
    ax_closure_release(bad);
    /* eval inside the vmapped closure */
    ax_closure *ev = ax_closure_new(ctx, f_eval_inside, 1, 1, NULL, NULL);
    v = ax_vmap(ctx, ev, NULL, NULL);
    CHECK(ax_closure_call(ctx, v, &x, o) == AX_ERR_VALUE);
    CHECK(strstr(ax_error_message(ctx), "eval") != NULL);
    ax_error_clear(ctx);
    ax_closure_release(v);
    ax_closure_release(ev);
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

int main(void) {
    ctx = ax_ctx_new();
    test_elementwise_axes();
    test_reductions_views();
    test_matmul_move();
    test_conv();
    test_gather();
    test_nesting_and_constants();
    test_autodiff_compose();
    test_custom();
    test_errors();
    ax_ctx_free(ctx);
    return test_summary("vmap");
}
