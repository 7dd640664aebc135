/* einsum, float32: attention-like contractions and matrix chains, ax vs
 * numpy.einsum(optimize=True) and torch.einsum (bench/peer_einsum.py, same
 * run, same shapes). Also the chain with a skewed shape evaluated with and
 * without path optimization, to show what the path is worth.
 *
 * Each workload's result is checked at a few elements against a float64
 * evaluation of the subscripts here. */
#define _GNU_SOURCE /* popen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

typedef struct workload {
    const char *name, *subs;
    int n;
    int ndim[3];
    int64_t shape[3][4];
    ax_einsum_optimize how;
} workload;

static const workload *cur;

static ax_array *run_einsum(ax_ctx *ctx, ax_array *const *in) {
    return ax_einsum_opt(ctx, cur->subs, in, cur->n, cur->how);
}

/* One output element in float64: enumerate the summed labels. */
static double ref_element(const workload *w, const float *const *data, const int64_t *out_idx) {
    char terms[3][8], outl[8];
    int nt = 0, len = 0;
    const char *s = w->subs;
    for (; *s != '-'; s++) {
        if (*s == ',') {
            terms[nt++][len] = 0;
            len = 0;
        } else {
            terms[nt][len++] = *s;
        }
    }
    terms[nt][len] = 0;
    strcpy(outl, s + 2);
    int64_t size[128] = {0}, val[128] = {0};
    for (int k = 0; k < w->n; k++)
        for (int j = 0; j < w->ndim[k]; j++) size[(int)terms[k][j]] = w->shape[k][j];
    for (int j = 0; outl[j]; j++) val[(int)outl[j]] = out_idx[j];
    char summed[16];
    int ns = 0;
    for (int c = 'a'; c <= 'z'; c++)
        if (size[c] && !strchr(outl, c)) summed[ns++] = (char)c;
    double acc = 0;
    for (;;) {
        double p = 1;
        for (int k = 0; k < w->n; k++) {
            int64_t off = 0;
            for (int j = 0; j < w->ndim[k]; j++) off = off * w->shape[k][j] + val[(int)terms[k][j]];
            p *= data[k][off];
        }
        acc += p;
        int d = ns - 1;
        for (; d >= 0; d--) {
            if (++val[(int)summed[d]] < size[(int)summed[d]]) break;
            val[(int)summed[d]] = 0;
        }
        if (d < 0) return acc;
    }
}

/* Runs the peer script; fills numpy/torch seconds (-1 when unavailable). */
static void run_peer(const workload *w, double *np_s, double *torch_s, char *torch_ver, size_t cap) {
    char cmd[1024];
    int k = snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_einsum.py '%s'", AX_BENCH_SOURCE_DIR,
                     w->subs);
    for (int i = 0; i < w->n; i++) {
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " ");
        for (int j = 0; j < w->ndim[i]; j++)
            k += snprintf(cmd + k, sizeof cmd - (size_t)k, "%s%lld", j ? "," : "",
                          (long long)w->shape[i][j]);
    }
    *np_s = *torch_s = -1;
    snprintf(torch_ver, cap, "unavailable");
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char buf[4096];
    size_t got = fread(buf, 1, sizeof buf - 1, p);
    buf[got] = 0;
    if (pclose(p) != 0) return;
    char *at = strstr(buf, "\"numpy_seconds\":");
    if (at) *np_s = strtod(at + 16, NULL);
    at = strstr(buf, "\"torch_seconds\":");
    if (at && strncmp(at + 17, "null", 4) != 0) *torch_s = strtod(at + 16, NULL);
    at = strstr(buf, "\"torch\": \"");
    if (at) {
        const char *e = strchr(at + 10, '"');
        if (e) snprintf(torch_ver, cap, "%.*s", (int)(e - (at + 10)), at + 10);
    }
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("einsum", "einsum float32 vs numpy.einsum(optimize=True) and torch.einsum");
    /* b = 8, h = 16, q = k = 512, d = 64 (quick: tiny) */
    int64_t B = quick ? 2 : 8, H = quick ? 2 : 16, Q = quick ? 16 : 512, D = quick ? 8 : 64;
    int64_t N = quick ? 32 : 1024, S = quick ? 4 : 16;
    const workload ws[] = {
        {"attention_scores", "bhqd,bhkd->bhqk", 2, {4, 4}, {{B, H, Q, D}, {B, H, Q, D}}, AX_EINSUM_GREEDY},
        {"attention_output", "bhqk,bhkd->bhqd", 2, {4, 4}, {{B, H, Q, Q}, {B, H, Q, D}}, AX_EINSUM_GREEDY},
        {"chain3", "ij,jk,kl->il", 3, {2, 2, 2}, {{N, N}, {N, N}, {N, N}}, AX_EINSUM_GREEDY},
        {"chain3_skewed", "ij,jk,kl->il", 3, {2, 2, 2}, {{N, S}, {S, N}, {N, N}}, AX_EINSUM_GREEDY},
        {"chain3_skewed_no_path", "ij,jk,kl->il", 3, {2, 2, 2}, {{N, S}, {S, N}, {N, N}}, AX_EINSUM_NONE},
    };
    int nw = (int)(sizeof ws / sizeof *ws), bad = 0;
    printf("   %-22s %-18s | %9s | %9s %9s | %7s\n", "workload", "subscripts", "ax ms", "numpy ms",
           "torch ms", "best/ax");
    for (int wi = 0; wi < nw; wi++) {
        const workload *w = cur = &ws[wi];
        ax_scope_begin(ctx);
        ax_array *in[3];
        for (int i = 0; i < w->n; i++)
            in[i] = bench_uniform_array(ctx, w->shape[i], w->ndim[i], -1, 1, 11 + (uint64_t)i);
        ax_array *out = bench_ax_once(ctx, run_einsum, in);
        const float *o = ax_data(ctx, out);
        const float *data[3];
        for (int i = 0; i < w->n; i++) data[i] = ax_data(ctx, in[i]);
        /* check the first, a middle and the last element */
        int64_t idx[4], sz = ax_size(out);
        int nd = ax_ndim(out);
        int64_t picks[3] = {0, sz / 2 + 7 < sz ? sz / 2 + 7 : 0, sz - 1};
        for (int pk = 0; pk < 3; pk++) {
            int64_t rem = picks[pk];
            for (int d = nd - 1; d >= 0; d--) {
                idx[d] = rem % ax_dim(out, d);
                rem /= ax_dim(out, d);
            }
            char what[96];
            snprintf(what, sizeof what, "%s element %lld", w->name, (long long)picks[pk]);
            double ref = ref_element(w, data, idx);
            /* float32 sums of up to 2 x 1024 products: 2e-4 relative, 1e-3 absolute floor */
            if (fabs(o[picks[pk]] - ref) > 2e-4 * fabs(ref) + 1e-3) {
                bench_expect_close(what, o[picks[pk]], ref, 2e-4);
                bad++;
            }
        }
        double t = bench_ax(ctx, run_einsum, in, quick ? 1 : 5, quick ? 0 : 1.0);
        double tn = -1, tt = -1;
        char tver[64];
        if (!quick) run_peer(w, &tn, &tt, tver, sizeof tver);
        ax_einsum_path_info info;
        ax_einsum_path(ctx, w->subs, in, w->n, w->how, &info, NULL, 0);
        bench_check(ctx, "einsum_path");
        const char *best = tt > 0 && (tn <= 0 || tt < tn) ? "torch" : "numpy";
        double tb = tt > 0 && (tn <= 0 || tt < tn) ? tt : tn;
        printf("   %-22s %-18s | %9.3f | %9.3f %9.3f | %6.2fx  (%.3g GFLOP/s)\n", w->name, w->subs,
               t * 1e3, tn * 1e3, tt * 1e3, tb > 0 ? tb / t : NAN,
               info.optimized_flops / t / 1e9);
        if (r) {
            char size[96];
            int k = 0;
            for (int i = 0; i < w->n; i++) {
                k += snprintf(size + k, sizeof size - (size_t)k, "%s(", i ? "," : "");
                for (int j = 0; j < w->ndim[i]; j++)
                    k += snprintf(size + k, sizeof size - (size_t)k, "%s%lld", j ? "x" : "",
                                  (long long)w->shape[i][j]);
                k += snprintf(size + k, sizeof size - (size_t)k, ")");
            }
            if (wi == 4) /* an ax-only comparison: what the path is worth */
                bench_row(r,
                          "\"op\": \"einsum %s (no path optimization)\", \"workload\": \"%s\", "
                          "\"size\": \"%s\", \"dtype\": \"float32\", \"ax_ms\": %.4f, "
                          "\"path_flops\": %.6g, \"note\": \"AX_EINSUM_NONE (left to right), to "
                          "compare with chain3_skewed (greedy path)\"",
                          w->subs, w->name, size, t * 1e3, info.optimized_flops);
            else if (tb > 0)
                bench_row(r,
                          "\"op\": \"einsum %s\", \"workload\": \"%s\", \"size\": \"%s\", "
                          "\"dtype\": \"float32\", \"ax_ms\": %.4f, \"best_peer\": \"%s\", "
                          "\"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, \"numpy_ms\": %.4f, "
                          "\"torch_ms\": %.4f, \"torch_version\": \"%s\", \"path_flops\": %.6g, "
                          "\"note\": \"\"",
                          w->subs, w->name, size, t * 1e3, best, tb * 1e3, tb / t, tn * 1e3,
                          tt * 1e3, tver, info.optimized_flops);
            else
                bench_row(r,
                          "\"op\": \"einsum %s\", \"workload\": \"%s\", \"size\": \"%s\", "
                          "\"dtype\": \"float32\", \"ax_ms\": %.4f, \"path_flops\": %.6g, "
                          "\"note\": \"no peer available\"",
                          w->subs, w->name, size, t * 1e3, info.optimized_flops);
        }
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
