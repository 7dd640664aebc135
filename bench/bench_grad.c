/* Cost of a gradient relative to its forward pass: value_and_grad of a 2-layer
 * MLP loss, mean((tanh(x W1 + b1) W2 + b2)^2), with respect to W1, b1, W2, b2
 * (float32, batch 256, 1024 -> 4096 -> 1024), against evaluating the loss
 * alone. Target: gradient <= 3x the forward pass (the backward pass is two
 * matmuls per layer to the forward's one). A torch CPU peer
 * (bench/peer_grad.py) is timed in the same run when importable.
 * The gradient is checked against finite differences of the loss in
 * float64 (on a small copy of the network) before timing. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

/* in: x, W1, b1, W2, b2 -> loss */
static ax_status mlp_loss(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *p) {
    (void)n_in, (void)n_out, (void)p;
    ax_array *h = ax_tanh(c, ax_add(c, ax_matmul(c, in[0], in[1]), in[2]));
    ax_array *y = ax_add(c, ax_matmul(c, h, in[3]), in[4]);
    out[0] = ax_mean(c, ax_square(c, y), NULL, 0, false);
    return ax_error_code(c);
}

typedef struct job {
    ax_ctx *ctx;
    ax_closure *f;
    ax_array **in;
    int n_out;
} job;

static void run(void *p) {
    job *j = p;
    ax_scope_begin(j->ctx);
    ax_array *out[8] = {0};
    if (ax_closure_call(j->ctx, j->f, j->in, out) == AX_OK) ax_eval(j->ctx, out, j->n_out);
    bench_check(j->ctx, "mlp");
    ax_scope_end(j->ctx);
}

static ax_array *uniform(ax_ctx *ctx, int64_t r, int64_t c, float scale, uint64_t seed) {
    ax_array *a = bench_uniform_array(ctx, (int64_t[]){r, c}, c ? 2 : 1, -scale, scale, seed);
    if (c == 0) a = bench_uniform_array(ctx, (int64_t[]){r}, 1, -scale, scale, seed);
    return a;
}

/* Directional derivative check in float64 on a small network. */
static int check_gradient(ax_ctx *ctx, ax_closure *vg) {
    ax_scope_begin(ctx);
    int64_t B = 4, I = 5, H = 7, O = 3;
    ax_array *in[5] = {uniform(ctx, B, I, 1, 1), uniform(ctx, I, H, 0.5f, 2),
                       uniform(ctx, H, 0, 0.5f, 3), uniform(ctx, H, O, 0.5f, 4),
                       uniform(ctx, O, 0, 0.5f, 5)};
    for (int i = 0; i < 5; i++) in[i] = ax_astype(ctx, in[i], AX_FLOAT64);
    ax_array *out[5];
    int bad = 0;
    if (ax_closure_call(ctx, vg, in, out) != AX_OK) bench_check(ctx, "grad check");
    for (int k = 1; k < 5; k++) {
        ax_array *dir = ax_astype(ctx, ax_sin(ctx, ax_arange(ctx, 0, (double)ax_size(in[k]), 1,
                                                             AX_FLOAT64)), AX_FLOAT64);
        dir = ax_reshape(ctx, dir, ax_shape(in[k]), ax_ndim(in[k]));
        double h = 1e-6, lp, lm, want;
        ax_array *xp[5], *xm[5], *lo;
        memcpy(xp, in, sizeof xp);
        memcpy(xm, in, sizeof xm);
        xp[k] = ax_add(ctx, in[k], ax_multiply(ctx, dir, ax_weak_float(ctx, h)));
        xm[k] = ax_subtract(ctx, in[k], ax_multiply(ctx, dir, ax_weak_float(ctx, h)));
        ax_closure *f = ax_closure_new(ctx, mlp_loss, 5, 1, NULL, NULL);
        ax_closure_call(ctx, f, xp, &lo);
        ax_item_f64(ctx, lo, &lp);
        ax_closure_call(ctx, f, xm, &lo);
        ax_item_f64(ctx, lo, &lm);
        ax_item_f64(ctx, ax_sum(ctx, ax_multiply(ctx, out[k], dir), NULL, 0, false), &want);
        ax_closure_release(f);
        bench_check(ctx, "grad check");
        bad += bench_expect_close("mlp gradient (directional)", want, (lp - lm) / (2 * h), 1e-6);
    }
    ax_scope_end(ctx);
    return bad;
}

static double json_num(const char *s, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(s, pat);
    return p ? atof(p + strlen(pat)) : -1;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("grad", "Gradient of a 2-layer MLP vs its forward pass");
    int64_t B = quick ? 16 : 256, I = quick ? 32 : 1024, H = quick ? 64 : 4096, O = quick ? 32 : 1024;
    int nt = ax_get_num_threads();
    ax_closure *f = ax_closure_new(ctx, mlp_loss, 5, 1, NULL, NULL);
    int argnums[4] = {1, 2, 3, 4};
    ax_closure *vg = ax_value_and_grad(ctx, f, argnums, 4, false);
    bench_check(ctx, "closures");
    int bad = check_gradient(ctx, vg);

    ax_scope_begin(ctx);
    ax_array *in[5] = {uniform(ctx, B, I, 1, 11), uniform(ctx, I, H, 1.0f / sqrtf((float)I), 12),
                       uniform(ctx, H, 0, 0.01f, 13), uniform(ctx, H, O, 1.0f / sqrtf((float)H), 14),
                       uniform(ctx, O, 0, 0.01f, 15)};
    /* the value from value_and_grad equals the plain forward pass */
    ax_array *lo = NULL, *vo[5];
    ax_closure_call(ctx, f, in, &lo);
    ax_closure_call(ctx, vg, in, vo);
    double l0 = 0, l1 = 0;
    ax_item_f64(ctx, lo, &l0);
    ax_item_f64(ctx, vo[0], &l1);
    bench_check(ctx, "mlp");
    bad += bench_expect_close("value_and_grad value", l1, l0, 1e-6);

    job jf = {ctx, f, in, 1}, jg = {ctx, vg, in, 5};
    /* peak of live memory (above what is live now) of one run of each */
    size_t base = ax_memory_active();
    ax_memory_reset_peak();
    run(&jf);
    double mf = (double)(ax_memory_peak() - base) / 1048576.0;
    ax_memory_reset_peak();
    run(&jg);
    double mg = (double)(ax_memory_peak() - base) / 1048576.0;
    double tf = bench_time(run, &jf, 1, quick ? 1 : 5, 200, quick ? 0 : 1.0);
    double tg = bench_time(run, &jg, 1, quick ? 1 : 5, 200, quick ? 0 : 1.0);
    double ratio = tg / tf;
    double flops = 2.0 * (double)B * ((double)I * H + (double)H * O);
    char size[64];
    snprintf(size, sizeof size, "%lldx%lld-%lld-%lld", (long long)B, (long long)I, (long long)H,
             (long long)O);
    printf("   MLP %s float32, %d threads\n", size, nt);
    printf("   forward %.3f ms (%.1f GFLOP/s), value_and_grad %.3f ms: %.2fx the forward pass "
           "(target <= 3x)\n",
           tf * 1e3, flops / tf / 1e9, tg * 1e3, ratio);
    printf("   peak live memory: forward %.1f MiB, value_and_grad %.1f MiB\n", mf, mg);
    double pf = -1, pg = -1;
    if (!quick) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_grad.py %lld %lld %lld %lld %d 2>/dev/null",
                 AX_BENCH_SOURCE_DIR, (long long)B, (long long)I, (long long)H, (long long)O, nt);
        FILE *p = popen(cmd, "r");
        char buf[1024] = "";
        if (p) {
            size_t n = fread(buf, 1, sizeof buf - 1, p);
            buf[n] = 0;
            pclose(p);
        }
        pf = json_num(buf, "forward_seconds");
        pg = json_num(buf, "grad_seconds");
        if (pg > 0)
            printf("   torch: forward %.3f ms, grad %.3f ms (%.2fx); ax grad vs torch grad: %.2fx\n",
                   pf * 1e3, pg * 1e3, pg / pf, pg / tg);
        else
            printf("   torch not importable: no peer\n");
    }
    if (r) {
        if (pg > 0)
            bench_row(r,
                      "\"op\": \"value_and_grad_mlp\", \"size\": \"%s\", \"dtype\": \"float32\", "
                      "\"ax_ms\": %.4f, \"forward_ms\": %.4f, \"ratio\": %.3f, \"target\": 3, "
                      "\"best_peer\": \"torch\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, "
                      "\"peer_forward_ms\": %.4f, \"peer_ratio\": %.3f, \"threads\": %d, "
                      "\"forward_peak_mib\": %.1f, \"grad_peak_mib\": %.1f",
                      size, tg * 1e3, tf * 1e3, ratio, pg * 1e3, pg / tg, pf * 1e3, pg / pf, nt, mf,
                      mg);
        else
            bench_row(r,
                      "\"op\": \"value_and_grad_mlp\", \"size\": \"%s\", \"dtype\": \"float32\", "
                      "\"ax_ms\": %.4f, \"forward_ms\": %.4f, \"ratio\": %.3f, \"target\": 3, "
                      "\"threads\": %d, \"forward_peak_mib\": %.1f, \"grad_peak_mib\": %.1f",
                      size, tg * 1e3, tf * 1e3, ratio, nt, mf, mg);
    }
    ax_scope_end(ctx);
    ax_closure_release(vg);
    ax_closure_release(f);
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d check(s) failed\n", bad);
    return rc || bad;
}
