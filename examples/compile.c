/* ax_compile: one fused kernel for an elementwise chain.
 *
 *   build/examples/compile
 *
 * 1. compile a GELU closure, print the graph that runs (one fused node), and
 *    check that compiled and uncompiled results are the same bits;
 * 2. time both on 2^22 floats (printed, not checked: machines differ);
 * 3. traces: one per input signature, or one per rank in shapeless mode;
 * 4. compile composes with grad: the compiled derivative equals the plain one;
 * 5. evaluating inside a closure that is being traced is an error, reported
 *    by the call and not an abort.
 * Exits non-zero if a result is not what it should be. The first run builds
 * the kernels with the system C compiler (a fraction of a second each); later
 * runs load them from the disk cache (docs/compile.md). */
#define _POSIX_C_SOURCE 200809L
#include <ax/ax.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "check failed: %s\n", what);
        failures++;
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), op by op */
static ax_status gelu(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                      void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    ax_array *x = in[0];
    ax_array *x3 = ax_multiply(c, ax_multiply(c, x, x), x);
    ax_array *u = ax_multiply(c, ax_weak_float(c, 0.7978845608028654),
                              ax_add(c, x, ax_multiply(c, ax_weak_float(c, 0.044715), x3)));
    out[0] = ax_multiply(c, ax_multiply(c, ax_weak_float(c, 0.5), x),
                         ax_add(c, ax_weak_float(c, 1.0), ax_tanh(c, u)));
    return ax_error_code(c);
}

/* sum(gelu(x)): a scalar, to differentiate */
static ax_status gelu_sum(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *payload) {
    ax_array *y = NULL;
    ax_status st = gelu(c, in, n_in, &y, n_out, payload);
    if (st != AX_OK) return st;
    out[0] = ax_sum(c, y, NULL, 0, false);
    return ax_error_code(c);
}

/* a closure that evaluates while it runs: fine when called, an error when traced */
static ax_status peeks(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *payload) {
    (void)n_in, (void)n_out, (void)payload;
    double first;
    ax_status st = ax_item_f64(c, ax_sum(c, in[0], NULL, 0, false), &first);
    if (st != AX_OK) return st;
    out[0] = ax_multiply(c, in[0], ax_weak_float(c, first));
    return ax_error_code(c);
}

/* the results of f and g on x, copied out, compared bit for bit */
static int same_bits(ax_ctx *ctx, ax_closure *f, ax_closure *g, ax_array *x) {
    int64_t n = ax_size(x);
    float *a = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n);
    ax_array *ya = NULL, *yb = NULL;
    int ok = a && b && ax_closure_call(ctx, f, &x, &ya) == AX_OK &&
             ax_closure_call(ctx, g, &x, &yb) == AX_OK &&
             ax_copy_to(ctx, ya, a, sizeof(float) * (size_t)n) == AX_OK &&
             ax_copy_to(ctx, yb, b, sizeof(float) * (size_t)n) == AX_OK &&
             memcmp(a, b, sizeof(float) * (size_t)n) == 0;
    free(a);
    free(b);
    return ok;
}

/* best of `reps` calls of f on x, each evaluated, in seconds */
static double best_time(ax_ctx *ctx, ax_closure *f, ax_array *x, int reps) {
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        ax_scope_begin(ctx);
        double t0 = now();
        ax_array *y = NULL;
        if (ax_closure_call(ctx, f, &x, &y) == AX_OK) ax_eval1(ctx, y);
        double t = now() - t0;
        ax_scope_end(ctx);
        if (t < best) best = t;
    }
    return best;
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();

    /* 1. compile, describe, compare */
    ax_closure *f = ax_closure_new(ctx, gelu, 1, 1, NULL, NULL);
    ax_closure *g = ax_compile(ctx, f, NULL); /* NULL: default options */
    int64_t n = (int64_t)1 << 22;
    ax_array *x = ax_linspace(ctx, -6, 6, n, true, AX_FLOAT32);
    char graph[2048];
    if (ax_compile_describe(ctx, g, &x, graph, sizeof graph) == AX_OK) printf("%s", graph);
    check(strstr(graph, "fused[") != NULL, "the chain is one fused node");
    check(same_bits(ctx, f, g, x), "compiled and uncompiled GELU give the same bits");

    /* 2. time: uncompiled makes one pass per op, compiled one pass */
    double te = best_time(ctx, f, x, 5), tc = best_time(ctx, g, x, 20);
    printf("GELU over 2^22 floats: uncompiled %.2f ms, compiled %.2f ms (%.1fx)\n", te * 1e3,
           tc * 1e3, te / tc);

    /* 3. one trace per signature; shapeless: one per rank */
    ax_compile_stats s0, s1;
    ax_compile_stats_get(&s0);
    ax_array *small = ax_linspace(ctx, -1, 1, 1000, true, AX_FLOAT32), *y = NULL;
    ax_closure_call(ctx, g, &small, &y); /* new shape: traced */
    ax_closure_call(ctx, g, &small, &y); /* same shape: cached */
    ax_compile_stats_get(&s1);
    printf("shape-keyed: %lld trace(s), %lld cache hit(s) for two calls on a new shape\n",
           (long long)(s1.traces - s0.traces), (long long)(s1.cache_hits - s0.cache_hits));
    check(s1.traces - s0.traces == 1 && s1.cache_hits - s0.cache_hits == 1, "shape-keyed traces");
    ax_compile_options opt = ax_compile_default_options();
    opt.shapeless = true;
    ax_closure *gs = ax_compile(ctx, f, &opt);
    ax_compile_stats_get(&s0);
    check(same_bits(ctx, f, gs, x) && same_bits(ctx, f, gs, small), "shapeless results");
    ax_compile_stats_get(&s1);
    printf("shapeless: %lld trace(s) for two shapes of one rank\n",
           (long long)(s1.traces - s0.traces));
    check(s1.traces - s0.traces == 1, "one shapeless trace");

    /* 4. compile of a gradient: d/dx sum(gelu(x)) elementwise, compiled */
    ax_closure *fs = ax_closure_new(ctx, gelu_sum, 1, 1, NULL, NULL);
    ax_closure *dg = ax_grad(ctx, fs, NULL, 0, false);
    ax_closure *cdg = ax_compile(ctx, dg, NULL);
    check(same_bits(ctx, dg, cdg, small), "compiled and uncompiled gradients give the same bits");
    ax_array *d = NULL, *one = ax_scalar(ctx, 1.0, AX_FLOAT32);
    ax_closure_call(ctx, cdg, &one, &d);
    double d1 = NAN;
    ax_item_f64(ctx, d, &d1);
    /* gelu'(1) with u = c (x + k x^3): 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) c (1 + 3 k x^2) */
    double c = 0.7978845608028654, k = 0.044715, u = c * (1 + k), th = tanh(u);
    double want = 0.5 * (1 + th) + 0.5 * (1 - th * th) * c * (1 + 3 * k);
    printf("gelu'(1) = %.6f (closed form %.6f)\n", d1, want);
    check(fabs(d1 - want) < 1e-6, "gelu'(1)");

    /* 5. an eval inside a traced closure: an error from the call */
    ax_closure *p = ax_closure_new(ctx, peeks, 1, 1, NULL, NULL);
    ax_closure *cp = ax_compile(ctx, p, NULL);
    ax_array *yp = NULL;
    ax_status st = ax_closure_call(ctx, cp, &small, &yp);
    printf("calling a compiled closure that evaluates inside: %s\n",
           st == AX_OK ? "no error" : ax_error_message(ctx));
    check(st != AX_OK, "eval inside a trace is an error");
    ax_error_clear(ctx);

    ax_closure *all[] = {f, g, gs, fs, dg, cdg, p, cp};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ax_closure_release(all[i]);
    ax_ctx_free(ctx);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
