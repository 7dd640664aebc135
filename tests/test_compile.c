/* ax_compile: signature cache, shapeless mode, simplification (CSE,
 * constant folding, dead code) visible in the stats and the description,
 * fusion (compiled kernel and interpreter give the eager results), the disk
 * cache across a cleared memory cache, and errors. Kernels are cached under
 * <dir of this executable>/kernel-cache, so reruns skip the C compiler. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ax/compile.h"
#include "testutil.h"

static ax_ctx *ctx;

static ax_compile_stats stats(void) {
    ax_compile_stats s;
    ax_compile_stats_get(&s);
    return s;
}

/* ---------------------------------------------------------------- closures */

static ax_status gelu_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *x = in[0];
    ax_array *x3 = ax_multiply(c, ax_multiply(c, x, x), x);
    ax_array *inner = ax_multiply(c, ax_weak_float(c, 0.7978845608028654),
                                  ax_add(c, x, ax_multiply(c, ax_weak_float(c, 0.044715), x3)));
    out[0] = ax_multiply(c, ax_multiply(c, ax_weak_float(c, 0.5), x),
                         ax_add(c, ax_weak_float(c, 1.0), ax_tanh(c, inner)));
    return ax_error_code(c);
}

/* (x - mean) * rsqrt(var + eps) * g + b over the last axis */
static ax_status layernorm_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                              void *p) {
    int axis = -1;
    ax_array *x = in[0];
    ax_array *mean = ax_mean(c, x, &axis, 1, true);
    ax_array *d = ax_subtract(c, x, mean);
    ax_array *var = ax_mean(c, ax_square(c, d), &axis, 1, true);
    ax_array *r = ax_rsqrt(c, ax_add(c, var, ax_weak_float(c, 1e-5)));
    out[0] = ax_add(c, ax_multiply(c, ax_multiply(c, d, r), in[1]), in[2]);
    return ax_error_code(c);
}

/* exp(x) + exp(x): one exp after CSE */
static ax_status cse_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    out[0] = ax_add(c, ax_exp(c, in[0]), ax_exp(c, in[0]));
    return ax_error_code(c);
}

/* x + (arange(n) * 2 + 1): the arange chain folds; sin(x) is built and unused */
static ax_status fold_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *k = ax_add(c, ax_multiply(c, ax_arange(c, 0, 8, 1, AX_FLOAT32), ax_weak_float(c, 2)),
                         ax_weak_float(c, 1));
    (void)ax_sin(c, in[0]); /* dead */
    out[0] = ax_add(c, in[0], k);
    return ax_error_code(c);
}

/* two outputs from one fused DAG, plus comparisons and where */
static ax_status multi_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *p) {
    ax_array *a = ax_multiply(c, in[0], in[1]);
    ax_array *b = ax_add(c, a, ax_weak_float(c, 1));
    out[0] = a;
    out[1] = ax_where(c, ax_greater(c, b, in[1]), ax_exp(c, b), ax_negative(c, in[0]));
    return ax_error_code(c);
}

/* a transpose view inside, then elementwise work */
static ax_status view_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    int perm[2] = {1, 0};
    ax_array *t = ax_transpose(c, in[0], perm, 2);
    out[0] = ax_sqrt(c, ax_add(c, ax_abs(c, t), in[1]));
    return ax_error_code(c);
}

/* a unique constant (payload) so each use compiles a kernel nobody cached */
static ax_status unique_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    double k = *(const double *)p;
    out[0] = ax_log1p(c, ax_multiply(c, ax_abs(c, in[0]), ax_weak_float(c, k)));
    return ax_error_code(c);
}

static ax_status failing_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                            void *p) {
    int64_t shape[1] = {5};
    out[0] = ax_add(c, in[0], ax_zeros(c, shape, 1, AX_FLOAT32)); /* (3,) + (5,) fails */
    return ax_error_code(c);
}

static ax_status eval_inside_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out,
                                int n_out, void *p) {
    ax_array *y = ax_exp(c, in[0]);
    if (!ax_data(c, y)) return ax_error_code(c);
    out[0] = y;
    return AX_OK;
}

/* sum(g(x)) where g is a compiled closure (payload) */
static ax_status sum_of_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *p) {
    ax_array *y = NULL;
    ax_status st = ax_closure_call(c, p, in, &y);
    if (st != AX_OK) return st;
    out[0] = ax_sum(c, y, NULL, 0, false);
    return ax_error_code(c);
}

static ax_status zeros_like_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out,
                               int n_out, void *p) {
    out[0] = ax_add(c, in[0], ax_zeros_like(c, in[0]));
    return ax_error_code(c);
}

static ax_status sum_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                        void *p) {
    out[0] = ax_sum(c, ax_exp(c, in[0]), NULL, 0, false);
    return ax_error_code(c);
}

/* ---------------------------------------------------------------- helpers */

static ax_array *ramp(int64_t n0, int64_t n1, double lo, double hi, ax_dtype t) {
    int64_t shape[2] = {n0, n1};
    return ax_reshape(ctx, ax_linspace(ctx, lo, hi, n0 * n1, true, t), shape, 2);
}

/* Call f and g on the same inputs; outputs must match exactly (same dtype,
 * shape and bytes: the fused formulas are the eager ones). */
static void check_same(ax_closure *f, ax_closure *g, ax_array *const *in, const char *what) {
    ax_array *a[4] = {0}, *b[4] = {0};
    int n = ax_closure_n_out(f);
    CHECK_MSG(ax_closure_call(ctx, f, in, a) == AX_OK, "%s: %s", what, ax_error_message(ctx));
    CHECK_MSG(ax_closure_call(ctx, g, in, b) == AX_OK, "%s: %s", what, ax_error_message(ctx));
    for (int k = 0; k < n; k++) {
        if (!a[k] || !b[k]) continue;
        CHECK_MSG(ax_dtype_of(a[k]) == ax_dtype_of(b[k]) && ax_ndim(a[k]) == ax_ndim(b[k]) &&
                      !memcmp(ax_shape(a[k]), ax_shape(b[k]), sizeof(int64_t) * (size_t)ax_ndim(a[k])),
                  "%s: output %d differs in dtype or shape", what, k);
        const void *da = ax_data(ctx, a[k]), *db = ax_data(ctx, b[k]);
        CHECK_OK(ctx);
        if (da && db)
            CHECK_MSG(!memcmp(da, db, ax_nbytes(a[k])), "%s: output %d differs from eager", what, k);
    }
}

/* ---------------------------------------------------------------- tests */

static void test_gelu_and_signature_cache(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, gelu_fn, 1, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    CHECK_OK(ctx);
    ax_compile_stats s0 = stats();
    ax_array *x = ramp(64, 33, -6, 6, AX_FLOAT32);
    check_same(f, g, &x, "gelu f32");
    ax_compile_stats s1 = stats();
    CHECK(s1.traces == s0.traces + 1);
    CHECK(s1.fused_groups == s0.fused_groups + 1); /* the whole chain is one kernel */
    CHECK(s1.fused_nodes - s0.fused_nodes >= 9);
    check_same(f, g, &x, "gelu f32 again");
    ax_compile_stats s2 = stats();
    CHECK(s2.traces == s1.traces);
    CHECK(s2.cache_hits == s1.cache_hits + 1);
    /* another shape, another dtype: new traces */
    ax_array *y = ramp(7, 5, -3, 3, AX_FLOAT32);
    check_same(f, g, &y, "gelu other shape");
    ax_array *z = ramp(7, 5, -3, 3, AX_FLOAT64);
    check_same(f, g, &z, "gelu f64");
    ax_compile_stats s3 = stats();
    CHECK(s3.traces == s2.traces + 2);
    /* the description shows one fused node */
    char buf[2048];
    CHECK(ax_compile_describe(ctx, g, &x, buf, sizeof buf) == AX_OK);
    CHECK_MSG(strstr(buf, "= fused[") && strstr(buf, "tanh"), "%s", buf);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void test_layernorm_broadcast(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, layernorm_fn, 3, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_array *in[3] = {ramp(16, 40, -2, 5, AX_FLOAT32), ramp(1, 40, 0.5, 1.5, AX_FLOAT32),
                       ramp(1, 40, -1, 1, AX_FLOAT32)};
    in[1] = ax_reshape(ctx, in[1], (int64_t[]){40}, 1); /* (40,) gains */
    check_same(f, g, in, "layernorm");
    char buf[4096];
    CHECK(ax_compile_describe(ctx, g, in, buf, sizeof buf) == AX_OK);
    CHECK_MSG(strstr(buf, "sum") && strstr(buf, "fused["), "%s", buf);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void test_simplify(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, cse_fn, 1, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_array *x = ramp(3, 8, -1, 1, AX_FLOAT32);
    ax_compile_stats s0 = stats();
    check_same(f, g, &x, "cse");
    ax_compile_stats s1 = stats();
    CHECK(s1.cse_removed == s0.cse_removed + 1);
    char buf[2048];
    CHECK(ax_compile_describe(ctx, g, &x, buf, sizeof buf) == AX_OK);
    CHECK_MSG(strstr(buf, "fused[exp add]"), "%s", buf);
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, fold_fn, 1, 1, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    s0 = stats();
    check_same(f, g, &x, "fold");
    s1 = stats();
    CHECK_MSG(s1.consts_folded - s0.consts_folded >= 3, "folded %lld", (long long)(s1.consts_folded - s0.consts_folded)); /* arange, multiply, add */
    CHECK(s1.dead_removed - s0.dead_removed >= 1);   /* sin */
    CHECK(ax_compile_describe(ctx, g, &x, buf, sizeof buf) == AX_OK);
    CHECK_MSG(!strstr(buf, "arange") && !strstr(buf, "sin") && strstr(buf, "constant"), "%s", buf);
    ax_closure_release(g);

    /* with the simplifications off the results are the same */
    ax_compile_options o = ax_compile_default_options();
    o.disable_cse = o.disable_constant_folding = o.disable_fusion = true;
    g = ax_compile(ctx, f, &o);
    s0 = stats();
    check_same(f, g, &x, "fold, simplification off");
    s1 = stats();
    CHECK(s1.consts_folded == s0.consts_folded && s1.fused_groups == s0.fused_groups);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void test_multi_output_and_views(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, multi_fn, 2, 2, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_array *in[2] = {ramp(5, 12, -2, 2, AX_FLOAT32), ramp(1, 12, -1, 3, AX_FLOAT32)};
    check_same(f, g, in, "multi-output");
    ax_array *in64[2] = {ramp(5, 12, -2, 2, AX_FLOAT64), ramp(5, 1, -1, 3, AX_FLOAT64)};
    check_same(f, g, in64, "multi-output f64");
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, view_fn, 2, 1, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    ax_array *v[2] = {ramp(6, 4, -3, 3, AX_FLOAT32), ramp(4, 6, 0, 1, AX_FLOAT32)};
    check_same(f, g, v, "view, contiguous input");
    /* same signature, but the input is itself a transposed view */
    int perm[2] = {1, 0};
    ax_array *w[2] = {ax_transpose(ctx, ramp(4, 6, -3, 3, AX_FLOAT32), perm, 2), v[1]};
    check_same(f, g, w, "view, strided input");
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

/* bench/bench_compile.c's normalization: x (R, C), mean and var (R, 1), g, b (C,) */
static ax_status norm_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *r = ax_rsqrt(c, ax_add(c, in[2], ax_weak_float(c, 1e-5)));
    out[0] = ax_add(c, ax_multiply(c, ax_multiply(c, ax_subtract(c, in[0], in[1]), r), in[3]), in[4]);
    return ax_error_code(c);
}

/* Outputs of EW_STREAM_BYTES (8 MiB) and more are written with non-temporal
 * stores; (R, 1) operands are filled once per run. Odd sizes, rows that do
 * not start on a cache line, two outputs, float64, strided inputs, NaN. */
static void test_large_outputs(void) {
    ax_scope_begin(ctx);
    ax_compile_stats s0 = stats();
    ax_closure *f = ax_closure_new(ctx, gelu_fn, 1, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    const int64_t n = ((int64_t)1 << 21) + 37;
    double *v = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = -8 + 16 * (double)((i * 7919) % 100003) / 100003;
    v[5] = NAN;
    v[n - 1] = NAN;
    v[n / 2] = -0.0;
    ax_array *x = test_from_f64(ctx, v, AX_FLOAT32, &n, 1);
    check_same(f, g, &x, "gelu, 2^21 + 37 float32 (streamed)");
    const int64_t n64 = ((int64_t)1 << 20) + 5;
    ax_array *x64 = test_from_f64(ctx, v, AX_FLOAT64, &n64, 1);
    check_same(f, g, &x64, "gelu, 2^20 + 5 float64 (streamed)");
    free(v);
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, norm_fn, 5, 1, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    const int64_t R = 2057, C = 1021; /* rows of 4084 bytes: most start mid-line */
    ax_array *in[5] = {ramp(R, C, -4, 4, AX_FLOAT32), ramp(R, 1, -0.1, 0.1, AX_FLOAT32),
                       ramp(R, 1, 4, 6, AX_FLOAT32), ramp(1, C, 0.5, 1.5, AX_FLOAT32),
                       ramp(1, C, -1, 1, AX_FLOAT32)};
    in[3] = ax_reshape(ctx, in[3], &C, 1);
    in[4] = ax_reshape(ctx, in[4], &C, 1);
    check_same(f, g, in, "normalization (2057, 1021), (R, 1) and (C,) operands (streamed)");
    ax_array *small[5] = {ramp(3, 300, -4, 4, AX_FLOAT32), ramp(3, 1, -0.1, 0.1, AX_FLOAT32),
                          ramp(3, 1, 4, 6, AX_FLOAT32), in[3], in[4]};
    small[3] = ramp(1, 300, 0.5, 1.5, AX_FLOAT32);
    small[4] = ramp(1, 300, -1, 1, AX_FLOAT32);
    check_same(f, g, small, "normalization (3, 300): broadcast runs longer than a block");
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, multi_fn, 2, 2, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    ax_array *m[2] = {ramp(1031, 1033, -2, 2, AX_FLOAT32), ramp(1, 1033, -1, 3, AX_FLOAT32)};
    check_same(f, g, m, "two outputs of 4.3 MB (streamed together)");
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, view_fn, 2, 1, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    int perm[2] = {1, 0};
    ax_array *w[2] = {ax_transpose(ctx, ramp(1447, 1451, -3, 3, AX_FLOAT32), perm, 2),
                      ramp(1447, 1451, 0, 1, AX_FLOAT32)};
    check_same(f, g, w, "transposed input, 8.4 MB output (streamed)");
    ax_closure_release(g);
    ax_closure_release(f);
    /* with a working compiler these ran generated code, not the interpreter */
    ax_compile_stats s1 = stats();
    if (s1.kernels_built + s1.disk_hits > 0 && !getenv("AX_COMPILE_INTERPRET"))
        CHECK_MSG(s1.interpreted == s0.interpreted, "%lld kernel(s) interpreted (AX_COMPILE_VERBOSE=1 says why)",
                  (long long)(s1.interpreted - s0.interpreted));
    ax_scope_end(ctx);
}

/* Kernels take batches of rows (ax__cpu_loop_rows): 3-D iteration spaces
 * whose operands broadcast along different dims (nothing coalesces, so the
 * batches follow the second-innermost dim and restart at each outer index),
 * thread splits that start and end mid-batch, a transposed input, and an
 * (R, 1) operand that changes from row to row while a (1, C) one does not;
 * generated code and the interpreter both against eager, bit for bit. */
static void test_row_batches(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, norm_fn, 5, 1, NULL, NULL);
    for (int interp = 0; interp < 2; interp++) {
        if (interp) setenv("AX_COMPILE_INTERPRET", "1", 1);
        ax_closure *g = ax_compile(ctx, f, NULL);
        const int64_t shapes[][3] = {{4, 5, 300}, {8, 41, 300}, {3, 1, 7}, {2, 700, 3}};
        for (int k = 0; k < 4; k++) {
            const int64_t *sh = shapes[k];
            const int64_t a1[3] = {sh[0], 1, 1}, a2[3] = {1, sh[1], 1}, a3[3] = {1, 1, sh[2]},
                          a4[3] = {sh[0], sh[1], 1};
            ax_array *in[5] = {
                ax_reshape(ctx, ramp(sh[0] * sh[1], sh[2], -4, 4, AX_FLOAT32), sh, 3),
                ax_reshape(ctx, ramp(sh[0], 1, -0.1, 0.1, AX_FLOAT32), a1, 3),
                ax_reshape(ctx, ramp(1, sh[1], 4, 6, AX_FLOAT32), a2, 3),
                ax_reshape(ctx, ramp(1, sh[2], 0.5, 1.5, AX_FLOAT32), a3, 3),
                ax_reshape(ctx, ramp(sh[0] * sh[1], 1, -1, 1, AX_FLOAT32), a4, 3)};
            char what[96];
            snprintf(what, sizeof what, "(%lld, %lld, %lld) broadcasts, %s", (long long)sh[0],
                     (long long)sh[1], (long long)sh[2], interp ? "interpreted" : "compiled");
            check_same(f, g, in, what);
            int perm[3] = {2, 1, 0};
            const int64_t rsh[3] = {sh[2], sh[1], sh[0]};
            in[0] = ax_transpose(ctx, ax_reshape(ctx, ramp(sh[0] * sh[1], sh[2], -4, 4, AX_FLOAT32), rsh, 3),
                                 perm, 3);
            snprintf(what, sizeof what, "(%lld, %lld, %lld) transposed x, %s", (long long)sh[0],
                     (long long)sh[1], (long long)sh[2], interp ? "interpreted" : "compiled");
            if (ax_ndim(in[0]) == 3 && ax_shape(in[0])[2] == sh[2]) check_same(f, g, in, what);
        }
        ax_closure_release(g);
        unsetenv("AX_COMPILE_INTERPRET");
    }
    ax_closure_release(f);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

static void test_shapeless(void) {
    ax_scope_begin(ctx);
    ax_compile_options o = ax_compile_default_options();
    o.shapeless = true;
    ax_closure *f = ax_closure_new(ctx, multi_fn, 2, 2, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, &o);
    ax_compile_stats s0 = stats();
    ax_array *a[2] = {ramp(5, 12, -2, 2, AX_FLOAT32), ramp(1, 12, -1, 3, AX_FLOAT32)};
    check_same(f, g, a, "shapeless (5,12)");
    ax_array *b[2] = {ramp(9, 3, -2, 2, AX_FLOAT32), ramp(9, 1, -1, 3, AX_FLOAT32)};
    check_same(f, g, b, "shapeless (9,3) x (9,1)");
    /* (3,1) with (1,4): the group's iteration shape changes with the inputs */
    ax_array *c[2] = {ramp(3, 1, -2, 2, AX_FLOAT32), ramp(1, 4, -1, 3, AX_FLOAT32)};
    check_same(f, g, c, "shapeless (3,1) x (1,4)");
    ax_compile_stats s1 = stats();
    CHECK(s1.traces == s0.traces + 1); /* one trace for every rank-2 float32 pair */
    /* a rank change is a new signature */
    ax_array *d[2] = {ax_reshape(ctx, a[0], (int64_t[]){60}, 1), ax_reshape(ctx, a[0], (int64_t[]){60}, 1)};
    check_same(f, g, d, "shapeless rank 1");
    CHECK(stats().traces == s1.traces + 1);
    ax_closure_release(g);
    ax_closure_release(f);

    /* a reduction needs fixed shapes */
    f = ax_closure_new(ctx, sum_fn, 1, 1, NULL, NULL);
    g = ax_compile(ctx, f, &o);
    ax_array *out;
    CHECK(ax_closure_call(ctx, g, a, &out) == AX_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(ax_error_message(ctx), "shapeless") && strstr(ax_error_message(ctx), "sum"), "%s",
              ax_error_message(ctx));
    ax_error_clear(ctx);
    ax_closure_release(g);
    ax_closure_release(f);
    /* so does a creation op whose shape came from an input */
    f = ax_closure_new(ctx, zeros_like_fn, 1, 1, NULL, NULL);
    g = ax_compile(ctx, f, &o);
    CHECK(ax_closure_call(ctx, g, a, &out) == AX_ERR_UNSUPPORTED);
    ax_error_clear(ctx);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

static void rm_rf_cache(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_disk_cache_and_interpreter(const char *keep_dir) {
    ax_scope_begin(ctx);
    char dir[] = "/tmp/ax-test-kcache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(ax_compile_set_cache_dir(ctx, dir) == AX_OK);
    CHECK(!strcmp(ax_compile_cache_dir(), dir));
    double k = 1.0 + (double)getpid() * 1e-7; /* a constant nobody compiled */
    ax_closure *f = ax_closure_new(ctx, unique_fn, 1, 1, &k, NULL);
    ax_array *x = ramp(4, 9, -2, 2, AX_FLOAT32);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_compile_stats s0 = stats();
    check_same(f, g, &x, "first build");
    ax_compile_stats s1 = stats();
    bool have_cc = s1.kernels_built == s0.kernels_built + 1;
    if (!have_cc) {
        printf("note: no kernel was built (no C compiler?); interpreted %lld\n",
               (long long)(s1.interpreted - s0.interpreted));
        CHECK(s1.interpreted == s0.interpreted + 1);
    }
    ax_closure_release(g);
    ax_compile_cache_clear(); /* memory cache empty; the .so stays on disk */
    g = ax_compile(ctx, f, NULL);
    check_same(f, g, &x, "from disk");
    ax_compile_stats s2 = stats();
    if (have_cc) {
        CHECK(s2.kernels_built == s1.kernels_built);
        CHECK(s2.disk_hits == s1.disk_hits + 1);
    }
    /* a second compiled closure of the same function finds it in memory */
    ax_closure *h = ax_compile(ctx, f, NULL);
    check_same(f, h, &x, "from memory");
    if (have_cc) CHECK(stats().memory_hits == s2.memory_hits + 1);
    ax_closure_release(h);
    ax_closure_release(g);

    /* forced interpreter: same results, counted */
    setenv("AX_COMPILE_INTERPRET", "1", 1);
    g = ax_compile(ctx, f, NULL);
    ax_compile_stats s3 = stats();
    check_same(f, g, &x, "interpreter");
    ax_array *y = ramp(300, 7, -9, 9, AX_FLOAT32); /* several blocks, with a tail */
    ax_closure *gf = ax_closure_new(ctx, gelu_fn, 1, 1, NULL, NULL);
    ax_closure *gg = ax_compile(ctx, gf, NULL);
    check_same(gf, gg, &y, "interpreted gelu");
    ax_closure *mf = ax_closure_new(ctx, multi_fn, 2, 2, NULL, NULL);
    ax_closure *mg = ax_compile(ctx, mf, NULL);
    ax_array *m[2] = {ramp(5, 12, -2, 2, AX_FLOAT64), ramp(1, 12, -1, 3, AX_FLOAT64)};
    check_same(mf, mg, m, "interpreted multi-output");
    ax_compile_stats s4 = stats();
    CHECK(s4.interpreted == s3.interpreted + 3);
    CHECK(s4.kernels_built == s3.kernels_built);
    unsetenv("AX_COMPILE_INTERPRET");
    ax_closure_release(mg);
    ax_closure_release(mf);
    ax_closure_release(gg);
    ax_closure_release(gf);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_compile_cache_clear();
    rm_rf_cache(dir);
    CHECK(ax_compile_set_cache_dir(ctx, keep_dir) == AX_OK);
    ax_scope_end(ctx);
}

static void test_errors(void) {
    ax_scope_begin(ctx);
    CHECK(ax_compile(ctx, NULL, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_closure *f = ax_closure_new(ctx, failing_fn, 1, 1, NULL, NULL);
    ax_compile_options o = ax_compile_default_options();
    o.cache_size = -1;
    CHECK(ax_compile(ctx, f, &o) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_array *x = ax_zeros(ctx, (int64_t[]){3}, 1, AX_FLOAT32), *out = NULL;
    /* the closure's own error comes out unchanged, every time (no trace cached) */
    for (int i = 0; i < 2; i++) {
        CHECK(ax_closure_call(ctx, g, &x, &out) == AX_ERR_SHAPE);
        CHECK_MSG(strstr(ax_error_message(ctx), "add") && strstr(ax_error_message(ctx), "(5,)"), "%s",
                  ax_error_message(ctx));
        ax_error_clear(ctx);
    }
    ax_closure_release(g);
    ax_closure_release(f);

    f = ax_closure_new(ctx, eval_inside_fn, 1, 1, NULL, NULL);
    g = ax_compile(ctx, f, NULL);
    CHECK(ax_closure_call(ctx, g, &x, &out) == AX_ERR_VALUE);
    CHECK_MSG(strstr(ax_error_message(ctx), "eval") && strstr(ax_error_message(ctx), "tracing"), "%s",
              ax_error_message(ctx));
    ax_error_clear(ctx);
    /* outside a trace the same closure works */
    CHECK(ax_closure_call(ctx, f, &x, &out) == AX_OK);
    ax_closure_release(g);
    ax_closure_release(f);

    /* describe wants a compiled closure */
    f = ax_closure_new(ctx, cse_fn, 1, 1, NULL, NULL);
    char buf[64];
    CHECK(ax_compile_describe(ctx, f, &x, buf, sizeof buf) == AX_ERR_VALUE);
    ax_error_clear(ctx);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

/* grad through a compiled closure (it runs f under the autodiff trace), and
 * compile of a grad closure (the derivative graph is fused) */
static void test_with_grad(void) {
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, gelu_fn, 1, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL);
    ax_closure *sf = ax_closure_new(ctx, sum_of_fn, 1, 1, f, NULL);
    ax_closure *sg = ax_closure_new(ctx, sum_of_fn, 1, 1, g, NULL);
    ax_closure *df = ax_grad(ctx, sf, NULL, 0, false);
    ax_closure *dg = ax_grad(ctx, sg, NULL, 0, false);
    CHECK_OK(ctx);
    ax_array *x = ramp(6, 10, -3, 3, AX_FLOAT32);
    check_same(df, dg, &x, "grad of compiled");
    ax_closure *cdf = ax_compile(ctx, df, NULL);
    ax_compile_stats s0 = stats();
    check_same(df, cdf, &x, "compiled grad");
    CHECK(stats().fused_groups > s0.fused_groups);
    ax_closure_release(cdf);
    ax_closure_release(dg);
    ax_closure_release(df);
    ax_closure_release(sg);
    ax_closure_release(sf);
    ax_closure_release(g);
    ax_closure_release(f);
    ax_scope_end(ctx);
}

int main(int argc, char **argv) {
    ctx = ax_ctx_new();
    /* kernels persist beside the test binary unless AX_KERNEL_CACHE says otherwise */
    char dir[4096] = "";
    const char *env = getenv("AX_KERNEL_CACHE");
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
    } else if (argc > 0 && strrchr(argv[0], '/')) {
        snprintf(dir, sizeof dir, "%.*s/kernel-cache", (int)(strrchr(argv[0], '/') - argv[0]), argv[0]);
        ax_compile_set_cache_dir(ctx, dir);
    }
    test_gelu_and_signature_cache();
    test_layernorm_broadcast();
    test_simplify();
    test_multi_output_and_views();
    test_large_outputs();
    test_row_batches();
    test_shapeless();
    test_with_grad();
    test_disk_cache_and_interpreter(dir);
    test_errors();
    ax_compile_stats s = stats();
    printf("compile stats: %lld traces, %lld hits, %lld kernels built, %lld disk hits, %lld interpreted, "
           "trace %.3f s, build %.3f s\n",
           (long long)s.traces, (long long)s.cache_hits, (long long)s.kernels_built,
           (long long)s.disk_hits, (long long)s.interpreted, s.trace_seconds, s.build_seconds);
    ax_ctx_free(ctx);
    return test_summary("compile");
}
