/* vmap: per-example gradient norms of a small MLP (batch 256) through
 * vmap(grad(loss)) against the explicit loop of grad over the examples, and
 * torch.func.vmap(grad(...)) as the peer (bench/peer_vmap.py). Also the trace
 * cost: a vmap of an elementwise chain on a tiny batch (the per-call overhead
 * of tracing and walking the graph).
 *
 * loss(w1, b1, w2, x, y) = (tanh(x @ w1 + b1) @ w2 - y)^2 for one example x
 * (D,), y (); the benchmarked value: ||d loss / d w1||_F per example (B,). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static ax_status loss_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *h = ax_tanh(c, ax_add(c, ax_matmul(c, in[3], in[0]), in[1]));
    ax_array *e = ax_subtract(c, ax_matmul(c, h, in[2]), in[4]);
    out[0] = ax_square(c, e);
    return ax_error_code(c);
}

/* per-example: ||grad_w1||  (through the closure in p = grad(loss)) */
static ax_status norm_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    (void)n_in, (void)n_out;
    ax_array *g;
    ax_status st = ax_closure_call(c, p, in, &g);
    if (st != AX_OK) return st;
    out[0] = ax_sqrt(c, ax_sum(c, ax_square(c, g), NULL, 0, false));
    return ax_error_code(c);
}

typedef struct job {
    ax_ctx *ctx;
    ax_closure *f; /* per-example norm, or its vmap */
    ax_array **in;
    bool loop;
    int64_t B;
    ax_array *last;
} job;

static void run(void *p) {
    job *j = p;
    ax_ctx *ctx = j->ctx;
    ax_scope_begin(ctx);
    ax_array *res = NULL;
    if (!j->loop) {
        if (ax_closure_call(ctx, j->f, j->in, &res) == AX_OK) ax_eval1(ctx, res);
    } else {
        ax_array **parts = malloc(sizeof *parts * (size_t)j->B);
        for (int64_t b = 0; b < j->B; b++) {
            int a0 = 0;
            ax_array *args[5] = {j->in[0], j->in[1], j->in[2],
                                 ax_squeeze(ctx, ax_slice_axis(ctx, j->in[3], 0, b, b + 1, 1), &a0, 1),
                                 ax_squeeze(ctx, ax_slice_axis(ctx, j->in[4], 0, b, b + 1, 1), &a0, 1)};
            if (ax_closure_call(ctx, j->f, args, &parts[b]) != AX_OK) break;
        }
        if (ax_error_code(ctx) == AX_OK) res = ax_stack(ctx, parts, (int)j->B, 0);
        if (res) ax_eval1(ctx, res);
        free(parts);
    }
    bench_check(ctx, "vmap");
    if (j->last) ax_release(j->last);
    j->last = ax_retain(res);
    ax_scope_end(ctx);
}

static double json_num(const char *s, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    return p ? atof(p + strlen(pat)) : -1;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    bench_results *r = quick ? NULL : bench_begin("vmap", "vmap of per-example gradients vs a loop");
    ax_ctx *ctx = ax_ctx_new();
    const int64_t B = quick ? 8 : 256, D = 32, H = 64;
    ax_array *in[5] = {
        bench_uniform_array(ctx, (int64_t[]){D, H}, 2, -0.2f, 0.2f, 1),
        bench_uniform_array(ctx, (int64_t[]){H}, 1, -0.1f, 0.1f, 2),
        bench_uniform_array(ctx, (int64_t[]){H}, 1, -0.2f, 0.2f, 3),
        bench_uniform_array(ctx, (int64_t[]){B, D}, 2, -1, 1, 4),
        bench_uniform_array(ctx, (int64_t[]){B}, 1, -1, 1, 5),
    };
    ax_closure *loss = ax_closure_new(ctx, loss_fn, 5, 1, NULL, NULL);
    ax_closure *g = ax_grad(ctx, loss, NULL, 0, false);
    ax_closure *norm = ax_closure_new(ctx, norm_fn, 5, 1, g, NULL);
    ax_closure *vnorm = ax_vmap(ctx, norm, (int[]){-1, -1, -1, 0, 0}, NULL);
    bench_check(ctx, "closures");
    job jv = {ctx, vnorm, in, false, B, NULL}, jl = {ctx, norm, in, true, B, NULL};
    double tv = bench_time(run, &jv, 1, quick ? 1 : 5, 100, quick ? 0 : 1.0);
    double tl = bench_time(run, &jl, 1, quick ? 1 : 3, 50, quick ? 0 : 1.0);
    /* the two agree */
    int bad = 0;
    {
        ax_scope_begin(ctx);
        ax_array *d = ax_max(ctx, ax_abs(ctx, ax_subtract(ctx, jv.last, jl.last)), NULL, 0, false);
        ax_array *m = ax_max(ctx, ax_abs(ctx, jl.last), NULL, 0, false);
        double dv = NAN, mv = NAN;
        ax_item_f64(ctx, d, &dv);
        ax_item_f64(ctx, m, &mv);
        bench_check(ctx, "compare");
        if (!(dv <= 1e-5 * (mv > 1 ? mv : 1))) {
            fprintf(stderr, "vmap and loop differ: %g (max %g)\n", dv, mv);
            bad++;
        }
        ax_scope_end(ctx);
    }
    char size[64];
    snprintf(size, sizeof size, "B=%lld D=%lld H=%lld", (long long)B, (long long)D, (long long)H);
    printf("per-example grad norms (%s, float32): vmap %.3f ms, loop %.3f ms (%.1fx)\n", size,
           tv * 1e3, tl * 1e3, tl / tv);
    double pt = -1;
    if (!quick) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_vmap.py %lld %lld %lld 2>/dev/null",
                 AX_BENCH_SOURCE_DIR, (long long)B, (long long)D, (long long)H);
        FILE *p = popen(cmd, "r");
        char buf[1024] = "";
        if (p) {
            size_t n = fread(buf, 1, sizeof buf - 1, p);
            buf[n] = 0;
            pclose(p);
        }
        pt = json_num(buf, "seconds");
        if (pt > 0) printf("   torch.func.vmap(grad): %.3f ms (ax vmap vs torch: %.2fx)\n", pt * 1e3, pt / tv);
        else printf("   torch not importable: no peer\n");
    }
    if (r) {
        if (pt > 0)
            bench_row(r,
                      "\"op\": \"vmap_grad_norms_mlp\", \"size\": \"%s\", \"dtype\": \"float32\", "
                      "\"ax_ms\": %.4f, \"loop_ms\": %.4f, \"vmap_vs_loop\": %.2f, "
                      "\"best_peer\": \"torch\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f",
                      size, tv * 1e3, tl * 1e3, tl / tv, pt * 1e3, pt / tv);
        else
            bench_row(r,
                      "\"op\": \"vmap_grad_norms_mlp\", \"size\": \"%s\", \"dtype\": \"float32\", "
                      "\"ax_ms\": %.4f, \"loop_ms\": %.4f, \"vmap_vs_loop\": %.2f",
                      size, tv * 1e3, tl * 1e3, tl / tv);
    }
    if (jv.last) ax_release(jv.last);
    if (jl.last) ax_release(jl.last);
    ax_closure_release(vnorm);
    ax_closure_release(norm);
    ax_closure_release(g);
    ax_closure_release(loss);
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    return rc || bad;
}
