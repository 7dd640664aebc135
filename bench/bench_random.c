/* Random numbers: float32 uniform and normal (and uint32 bits) of 2^24
 * elements, ax (Threefry-2x32, counter-based, both cores) vs NumPy's
 * default_rng (PCG64, one core) and JAX on CPU (threefry, jit) when
 * installed, through bench/peer_random.py in the same run. Each draw is
 * spot-checked (mean / variance within 6 standard errors, range). The
 * results go to bench/results/random-<host>.json; the throughput in GB/s
 * written is compared with the machine's copy bandwidth. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static int64_t g_n;

static ax_array *w_uniform(ax_ctx *c, ax_array *const *in) {
    return ax_random_uniform(c, 0, 1, &g_n, 1, AX_FLOAT32, in[0]);
}
static ax_array *w_normal(ax_ctx *c, ax_array *const *in) {
    return ax_random_normal(c, &g_n, 1, AX_FLOAT32, 0, 1, in[0]);
}
static ax_array *w_bits(ax_ctx *c, ax_array *const *in) {
    return ax_random_bits(c, &g_n, 1, AX_UINT32, in[0]);
}

/* The peer's answer: numpy_seconds, jax_seconds (-1 when absent). */
static void run_peer(const char *workload, int64_t n, double *np_s, double *np_out_s, double *jax_s) {
    *np_s = *np_out_s = *jax_s = -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_random.py %s %lld 2>/dev/null", AX_BENCH_SOURCE_DIR,
             workload, (long long)n);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = 0;
    if (pclose(p) != 0) return;
    const char *keys[3] = {"\"numpy_seconds\":", "\"numpy_out_seconds\":", "\"jax_seconds\":"};
    double *dst[3] = {np_s, np_out_s, jax_s};
    for (int k = 0; k < 3; k++) {
        char *at = strstr(buf, keys[k]);
        if (at) {
            char *end;
            double v = strtod(at + strlen(keys[k]), &end);
            if (end != at + strlen(keys[k])) *dst[k] = v; /* "null" leaves -1 */
        }
    }
}

/* Mean / variance of the draw against the distribution's (6 standard errors). */
static int spot_check(ax_ctx *ctx, const char *name, ax_array *a, int kind) {
    ax_scope_begin(ctx);
    const void *d = ax_data(ctx, a);
    bench_check(ctx, name);
    int64_t n = ax_size(a);
    double s = 0, s2 = 0;
    int bad_range = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = kind == 2 ? ((const uint32_t *)d)[i] / 4294967296.0 : ((const float *)d)[i];
        if (kind != 1 && !(x >= 0 && x < 1)) bad_range++;
        s += x, s2 += x * x;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    double want_mean = kind == 1 ? 0 : 0.5, want_var = kind == 1 ? 1 : 1.0 / 12;
    double se_mean = sqrt(want_var / n), se_var = want_var * sqrt((kind == 1 ? 2.0 : 0.8) / n);
    int bad = bad_range > 0 || fabs(mean - want_mean) > 6 * se_mean || fabs(var - want_var) > 6 * se_var;
    if (bad)
        fprintf(stderr, "CHECK FAILED: %s: mean %.6f var %.6f, %d out of range\n", name, mean, var, bad_range);
    ax_scope_end(ctx);
    return bad;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("random", "Random numbers, float32 (ms)");
    int nt = ax_get_num_threads();
    double copy_bw = bench_report_copy_bandwidth(r, nt);
    g_n = quick ? (int64_t)1 << 16 : (int64_t)1 << 24;
    const struct {
        const char *name, *peer;
        bench_build_fn fn;
        int kind;
    } ws[] = {{"uniform_f32", "uniform", w_uniform, 0},
              {"normal_f32", "normal", w_normal, 1},
              {"bits_u32", "bits", w_bits, 2}};
    printf("   %-12s %9s | %8s %8s %7s | %8s %8s %8s | %-6s %7s\n", "op", "n", "ax ms", "ax 1thr",
           "GB/s", "np ms", "np out", "jax ms", "best", "ax/best");
    int bad = 0;
    ax_scope_begin(ctx);
    ax_array *key = ax_random_key(ctx, 0);
    for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
        ax_scope_begin(ctx);
        bad += spot_check(ctx, ws[k].name, bench_ax_once(ctx, ws[k].fn, &key), ws[k].kind);
        ax_scope_end(ctx);
        double t = bench_ax(ctx, ws[k].fn, &key, quick ? 1 : 10, quick ? 0 : 1.0);
        /* per core: the same on one thread (NumPy's generator is single-threaded) */
        ax_set_num_threads(1);
        double t1 = bench_ax(ctx, ws[k].fn, &key, quick ? 1 : 5, quick ? 0 : 0.5);
        ax_set_num_threads(nt);
        double np_s = -1, np_out = -1, jax_s = -1;
        if (!quick) run_peer(ws[k].peer, g_n, &np_s, &np_out, &jax_s);
        /* best peer: the fastest available, NumPy's allocating call as ax allocates */
        const char *best = NULL;
        double best_s = -1;
        if (np_s > 0) best = "numpy", best_s = np_s;
        if (jax_s > 0 && (best_s < 0 || jax_s < best_s)) best = "jax", best_s = jax_s;
        double gbs = 4.0 * (double)g_n / t / 1e9;
        printf("   %-12s %9lld | %8.3f %8.3f %7.2f | %8.3f %8.3f %8.3f | %-6s %6.2fx\n", ws[k].name,
               (long long)g_n, t * 1e3, t1 * 1e3, gbs, np_s * 1e3, np_out * 1e3, jax_s * 1e3,
               best ? best : "-", best ? best_s / t : NAN);
        if (!r) continue;
        if (best)
            bench_row(r,
                      "\"op\": \"%s\", \"size\": \"%lld\", \"dtype\": \"%s\", \"ax_ms\": %.4f, "
                      "\"ax_gbs\": %.3f, \"ax_vs_copy_bandwidth\": %.3f, \"best_peer\": \"%s\", "
                      "\"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, \"numpy_ms\": %.4f, "
                      "\"numpy_out_ms\": %.4f, \"jax_ms\": %.4f, \"threads\": %d, \"target\": 1.0, "
                      "\"ax_1thread_ms\": %.4f, \"ax_1thread_vs_best_peer\": %.3f",
                      ws[k].name, (long long)g_n, ws[k].kind == 2 ? "uint32" : "float32", t * 1e3,
                      gbs, gbs * 1e9 / copy_bw, best, best_s * 1e3, best_s / t, np_s * 1e3,
                      np_out * 1e3, jax_s > 0 ? jax_s * 1e3 : -1.0, nt, t1 * 1e3, best_s / t1);
        else
            bench_row(r,
                      "\"op\": \"%s\", \"size\": \"%lld\", \"dtype\": \"%s\", \"ax_ms\": %.4f, "
                      "\"ax_gbs\": %.3f, \"threads\": %d, \"ax_1thread_ms\": %.4f",
                      ws[k].name, (long long)g_n, ws[k].kind == 2 ? "uint32" : "float32", t * 1e3,
                      gbs, nt, t1 * 1e3);
    }
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
