/* Fixed cost of one tiny op: ax_add of two 0-d float32 arrays and ax_eval of
 * the result inside a scope, repeated; microseconds per op. Also the cost of
 * building the op alone (no eval), and NumPy's a + b on 0-d arrays. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

typedef struct loop {
    ax_ctx *ctx;
    ax_array *a, *b;
    long reps;
    int eval;
} loop;

static void run(void *p) {
    loop *l = p;
    for (long i = 0; i < l->reps; i++) {
        ax_scope_begin(l->ctx);
        ax_array *c = ax_add(l->ctx, l->a, l->b);
        if (l->eval) ax_eval1(l->ctx, c);
        ax_scope_end(l->ctx);
    }
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("overhead", "Fixed cost of a one-element op");
    long reps = quick ? 1000 : 100000;
    loop l = {ctx, ax_scalar(ctx, 1.5, AX_FLOAT32), ax_scalar(ctx, 2.5, AX_FLOAT32), reps, 1};
    /* correctness: 1.5 + 2.5 */
    ax_scope_begin(ctx);
    double v = 0;
    ax_item_f64(ctx, ax_add(ctx, l.a, l.b), &v);
    bench_check(ctx, "add");
    ax_scope_end(ctx);
    int bad = bench_expect_close("0-d add", v, 4.0, 0);

    double t_eval = bench_time(run, &l, 1, quick ? 1 : 5, 50, 0) / (double)reps;
    l.eval = 0;
    double t_build = bench_time(run, &l, 1, quick ? 1 : 5, 50, 0) / (double)reps;
    bench_check(ctx, "overhead loop");
    double tn = -1;
    if (!quick) {
        char args[32];
        snprintf(args, sizeof args, "%ld", reps);
        tn = bench_numpy("scalar_add", args, "seconds");
    }
    printf("   %-34s %10s\n", "per op", "us");
    printf("   %-34s %10.3f\n", "ax: add + eval of 0-d, in a scope", t_eval * 1e6);
    printf("   %-34s %10.3f\n", "ax: add only (graph node), scope", t_build * 1e6);
    printf("   %-34s %10.3f\n", "numpy: a + b of 0-d float32", tn * 1e6);
    if (r) {
        bench_row(r, "\"op\": \"add+eval 0-d float32 in scope\", \"reps\": %ld, \"ax_us\": %.4f, "
                     "\"numpy_us\": %.4f, \"ax_vs_numpy\": %.3f",
                  reps, t_eval * 1e6, tn * 1e6, tn / t_eval);
        bench_row(r, "\"op\": \"add (build only) 0-d float32 in scope\", \"reps\": %ld, "
                     "\"ax_us\": %.4f",
                  reps, t_build * 1e6);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    return rc || bad;
}
