/* conv2d forward, float32, channels-last, on ResNet-50 layer shapes, ax vs
 * PyTorch's CPU convolution (oneDNN; the faster of NCHW and channels_last)
 * and a NumPy im2col + matmul, same thread count (bench/peer_conv.py).
 * GFLOP/s counts 2 * N * Ho * Wo * C_out * K * K * C_in. Every ax result is
 * spot-checked against a direct double-precision sum. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

typedef struct shape {
    const char *name;
    int64_t n, h, w, cin, cout, k, s, p;
} shape;

static const shape SHAPES[] = {
    {"stem_7x7_s2", 1, 224, 224, 3, 64, 7, 2, 3},
    {"stem_7x7_s2", 8, 224, 224, 3, 64, 7, 2, 3},
    {"c2_3x3", 1, 56, 56, 64, 64, 3, 1, 1},
    {"c2_3x3", 8, 56, 56, 64, 64, 3, 1, 1},
    {"c2_1x1_64_256", 1, 56, 56, 64, 256, 1, 1, 0},
    {"c2_1x1_64_256", 8, 56, 56, 64, 256, 1, 1, 0},
    {"c3_3x3", 1, 28, 28, 128, 128, 3, 1, 1},
    {"c3_3x3", 8, 28, 28, 128, 128, 3, 1, 1},
    {"c4_3x3", 1, 14, 14, 256, 256, 3, 1, 1},
    {"c4_3x3", 8, 14, 14, 256, 256, 3, 1, 1},
    {"c5_3x3", 1, 7, 7, 512, 512, 3, 1, 1},
    {"c5_3x3", 8, 7, 7, 512, 512, 3, 1, 1},
};

static int64_t g_stride[2], g_pad[2];
static ax_array *build(ax_ctx *ctx, ax_array *const *in) {
    return ax_conv2d(ctx, in[0], in[1], g_stride, g_pad, NULL, 1);
}

/* One output element in double. */
static double direct(const float *x, const float *w, const shape *s, int64_t ho, int64_t wo,
                     int64_t n, int64_t i, int64_t j, int64_t co) {
    (void)ho, (void)wo;
    double acc = 0;
    for (int64_t a = 0; a < s->k; a++)
        for (int64_t b = 0; b < s->k; b++) {
            int64_t y = i * s->s + a - s->p, z = j * s->s + b - s->p;
            if (y < 0 || z < 0 || y >= s->h || z >= s->w) continue;
            for (int64_t c = 0; c < s->cin; c++)
                acc += (double)x[((n * s->h + y) * s->w + z) * s->cin + c] *
                       w[((co * s->k + a) * s->k + b) * s->cin + c];
        }
    return acc;
}

/* Runs peer_conv.py; fills torch/numpy seconds (-1 when unavailable). */
static void run_peer(const shape *s, int threads, double *t_torch, double *t_np, char *torch_ver,
                     size_t cap) {
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 %s/bench/peer_conv.py %d %lld %lld %lld %lld %lld %lld %lld %lld 2>/dev/null",
             AX_BENCH_SOURCE_DIR, threads, (long long)s->n, (long long)s->h, (long long)s->w,
             (long long)s->cin, (long long)s->cout, (long long)s->k, (long long)s->s,
             (long long)s->p);
    *t_torch = *t_np = -1;
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = 0;
    pclose(p);
    char *at;
    if ((at = strstr(buf, "\"torch_seconds\":"))) *t_torch = strtod(at + 16, NULL);
    if ((at = strstr(buf, "\"numpy_seconds\":"))) *t_np = strtod(at + 16, NULL);
    if ((at = strstr(buf, "\"torch\": \"")) && cap) {
        at += 10;
        size_t k = strcspn(at, "\"");
        snprintf(torch_ver, cap, "%.*s", (int)(k < cap - 1 ? k : cap - 1), at);
    }
}

/* AX_BENCH_CONV_ROWS="c4_3x3:1,c5_3x3" runs only the rows whose name
 * (optionally ":N" for one batch size) is listed; AX_BENCH_CONV_PEER=0 skips
 * the peers. For profiling a few rows; a full run uses neither. */
static int row_skipped(const shape *s) {
    const char *f = getenv("AX_BENCH_CONV_ROWS");
    if (!f || !*f) return 0;
    size_t nl = strlen(s->name);
    for (const char *at = f; (at = strstr(at, s->name)); at += nl) {
        const char *e = at + nl;
        if ((at == f || at[-1] == ',') &&
            (*e == 0 || *e == ',' || (*e == ':' && strtoll(e + 1, NULL, 10) == s->n)))
            return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("conv", "conv2d forward float32, ResNet-50 shapes (NHWC)");
    int nt = ax_get_num_threads();
    char torch_ver[64] = "unavailable";
    printf("   threads %d; GFLOP/s = 2 * N * Ho * Wo * C_out * K^2 * C_in / time\n", nt);
    printf("   %-14s %2s %-17s | %8s %7s | %8s %7s | %8s | %7s\n", "layer", "N", "HxWxC->C_out",
           "ax ms", "GF/s", "torch ms", "GF/s", "numpy ms", "ax/best");
    int bad = 0;
    size_t nshapes = sizeof SHAPES / sizeof *SHAPES;
    for (size_t i = 0; i < nshapes; i++) {
        shape s = SHAPES[i];
        if (row_skipped(&s)) continue;
        if (quick) { /* small stand-ins with the same structure */
            s.n = 1;
            s.h = s.h > 28 ? 28 : s.h;
            s.w = s.h;
            s.cin = s.cin > 32 ? 32 : s.cin;
            s.cout = s.cout > 32 ? 32 : s.cout;
            if (i % 2) continue;
        }
        int64_t ho = (s.h + 2 * s.p - s.k) / s.s + 1, wo = (s.w + 2 * s.p - s.k) / s.s + 1;
        ax_scope_begin(ctx);
        ax_array *x = bench_uniform_array(ctx, (int64_t[]){s.n, s.h, s.w, s.cin}, 4, -1, 1, 11 + i);
        ax_array *w = bench_uniform_array(ctx, (int64_t[]){s.cout, s.k, s.k, s.cin}, 4, -1, 1, 97 + i);
        ax_array *in[2] = {x, w};
        g_stride[0] = g_stride[1] = s.s;
        g_pad[0] = g_pad[1] = s.p;
        /* correctness: a few outputs against a direct sum */
        const float *o = ax_data(ctx, bench_ax_once(ctx, build, in));
        bench_check(ctx, "conv2d");
        const float *xd = ax_data(ctx, x), *wd = ax_data(ctx, w);
        int64_t picks[4][4] = {{0, 0, 0, 0},
                               {s.n - 1, ho - 1, wo - 1, s.cout - 1},
                               {s.n / 2, ho / 2, 0, s.cout / 3},
                               {0, ho - 1, wo / 2, s.cout / 2}};
        for (int q = 0; q < 4; q++) {
            int64_t *pk = picks[q];
            double ref = direct(xd, wd, &s, ho, wo, pk[0], pk[1], pk[2], pk[3]);
            double got = o[((pk[0] * ho + pk[1]) * wo + pk[2]) * s.cout + pk[3]];
            /* float32 sums of K^2 * C_in products of values in [-1, 1) */
            double tol = 1e-5 * (double)(s.k * s.k * s.cin);
            if (fabs(got - ref) > tol) {
                fprintf(stderr, "CHECK FAILED: %s N=%lld output (%lld,%lld,%lld,%lld) = %.7g, want %.7g\n",
                        s.name, (long long)s.n, (long long)pk[0], (long long)pk[1], (long long)pk[2],
                        (long long)pk[3], got, ref);
                bad++;
            }
        }
        double t = bench_ax(ctx, build, in, quick ? 1 : 5, quick ? 0 : 0.5);
        double flops = 2.0 * (double)(s.n * ho * wo * s.cout) * (double)(s.k * s.k * s.cin);
        double tt = -1, tn = -1;
        const char *peer_env = getenv("AX_BENCH_CONV_PEER");
        if (!quick && !(peer_env && !strcmp(peer_env, "0"))) run_peer(&s, nt, &tt, &tn, torch_ver, sizeof torch_ver);
        double best = tt > 0 && (tn <= 0 || tt <= tn) ? tt : tn;
        const char *best_name = best <= 0 ? NULL : best == tt ? "torch" : "numpy";
        char dims[48];
        snprintf(dims, sizeof dims, "%lldx%lldx%lld->%lld", (long long)s.h, (long long)s.w,
                 (long long)s.cin, (long long)s.cout);
        printf("   %-14s %2lld %-17s | %8.3f %7.1f | %8.3f %7.1f | %8.3f | %6.2fx\n", s.name,
               (long long)s.n, dims, t * 1e3, flops / t / 1e9, tt * 1e3, tt > 0 ? flops / tt / 1e9 : NAN,
               tn * 1e3, best > 0 ? best / t : NAN);
        if (r) {
            char size[96];
            snprintf(size, sizeof size, "N=%lld %s k%lld s%lld p%lld", (long long)s.n, dims,
                     (long long)s.k, (long long)s.s, (long long)s.p);
            /* the kernel ax's dispatch picks (src/backend/cpu/conv.c) */
            const char *path = s.cout % 16 == 0
                                   ? "direct AVX-512 kernel (im2col + sgemm without AVX-512)"
                                   : "im2col + OpenBLAS sgemm (C_out not a multiple of 16)";
            if (best_name)
                bench_row(r,
                          "\"op\": \"conv2d_%s\", \"size\": \"%s\", \"dtype\": \"float32\", "
                          "\"ax_ms\": %.4f, \"ax_gflops\": %.2f, \"torch_ms\": %.4f, \"numpy_ms\": %.4f, "
                          "\"best_peer\": \"%s\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, "
                          "\"target\": 0.833, \"path\": \"%s\"%s",
                          s.name, size, t * 1e3, flops / t / 1e9, tt * 1e3, tn * 1e3, best_name,
                          best * 1e3, best / t, path,
                          best / t >= 0.833 ? ""
                                        : ", \"note\": \"see docs/conv.md (timings under load vary run to run)\"");
            else
                bench_row(r,
                          "\"op\": \"conv2d_%s\", \"size\": \"%s\", \"dtype\": \"float32\", "
                          "\"ax_ms\": %.4f, \"ax_gflops\": %.2f",
                          s.name, size, t * 1e3, flops / t / 1e9);
        }
        ax_scope_end(ctx);
    }
    if (r) {
        char v[80];
        snprintf(v, sizeof v, "\"%s\"", torch_ver);
        bench_field(r, "torch_version", v);
        bench_field_num(r, "threads", nt);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
