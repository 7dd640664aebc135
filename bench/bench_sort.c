/* Sorting and scans of float32 vectors, ax vs the Python peers (NumPy, and
 * PyTorch's CPU build when importable) through bench/peer_sort.py:
 * sort and argsort of 1M and 16M elements (the targets), plus
 * cumsum and searchsorted of the same sizes. Each ax result is checked
 * (sorted order; argsort a permutation that sorts; cumsum against a double
 * sum; searchsorted against neighbours) before it is timed. Rows carry
 * best_peer / best_peer_ms / ax_vs_best_peer (> 1: ax faster). NumPy's
 * np.sort is its default (introsort with x86-simd-sort's AVX-512 kernels, not
 * stable); ax's sort is stable, so the stable timings of the peers are
 * recorded too (numpy_stable_ms). */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax/ax.h"
#include "bench_util.h"

static ax_array *w_sort(ax_ctx *c, ax_array *const *in) { return ax_sort(c, in[0], 0); }
static ax_array *w_argsort(ax_ctx *c, ax_array *const *in) { return ax_argsort(c, in[0], 0); }
static ax_array *w_cumsum(ax_ctx *c, ax_array *const *in) {
    return ax_cumsum(c, in[0], 0, false, true);
}
static ax_array *w_searchsorted(ax_ctx *c, ax_array *const *in) {
    return ax_searchsorted(c, in[1], in[2], AX_SEARCH_LEFT, NULL);
}

/* Peer timings in seconds (-1 when absent). */
typedef struct peer_times {
    double numpy, numpy_stable, torch;
} peer_times;

static double json_num(const char *s, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(s, pat);
    return at ? strtod(at + strlen(pat), NULL) : -1;
}

static peer_times run_peer(const char *workload, int64_t n) {
    peer_times t = {-1, -1, -1};
    char cmd[1024], buf[4096];
    snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_sort.py %s %lld 2>/dev/null",
             AX_BENCH_SOURCE_DIR, workload, (long long)n);
    FILE *p = popen(cmd, "r");
    if (!p) return t;
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = 0;
    if (pclose(p) != 0 || len == 0) {
        printf("   (peer %s unavailable: is numpy importable?)\n", workload);
        return t;
    }
    t.numpy = json_num(buf, "numpy");
    t.numpy_stable = json_num(buf, "numpy_stable");
    t.torch = json_num(buf, "torch");
    return t;
}

/* Checks of one result (bad count returned). */
static int check(const char *op, ax_ctx *ctx, ax_array *const *in, ax_array *r) {
    int64_t n = ax_size(in[0]);
    const float *x = ax_data(ctx, in[0]);
    int bad = 0;
    if (!strcmp(op, "sort")) {
        const float *y = ax_data(ctx, r);
        double sx = 0, sy = 0;
        for (int64_t i = 0; i < n; i++) {
            sx += x[i], sy += y[i];
            if (i && y[i - 1] > y[i]) bad++;
        }
        if (fabs(sx - sy) > 1e-6 * (double)n) bad++;
    } else if (!strcmp(op, "argsort")) {
        const int64_t *ix = ax_data(ctx, r);
        unsigned char *seen = calloc((size_t)n, 1);
        for (int64_t i = 0; i < n; i++) {
            if (ix[i] < 0 || ix[i] >= n || seen[ix[i]]++) {
                bad++;
                break;
            }
            if (i && (x[ix[i - 1]] > x[ix[i]] || (x[ix[i - 1]] == x[ix[i]] && ix[i - 1] > ix[i])))
                bad++;
        }
        free(seen);
    } else if (!strcmp(op, "cumsum")) {
        const float *y = ax_data(ctx, r);
        double s = 0;
        for (int64_t i = 0; i < n; i++) {
            s += x[i];
            if (fabs(y[i] - s) > 1e-5 * (fabs(s) + 1)) {
                bad++;
                break;
            }
        }
    } else { /* searchsorted: a[i-1] < v <= a[i] */
        const float *a = ax_data(ctx, in[1]), *v = ax_data(ctx, in[2]);
        const int64_t *ix = ax_data(ctx, r);
        for (int64_t i = 0; i < n; i += 97) {
            int64_t k = ix[i];
            if (k < 0 || k > n || (k > 0 && !(a[k - 1] < v[i])) || (k < n && !(v[i] <= a[k]))) {
                bad++;
                break;
            }
        }
    }
    if (bad) fprintf(stderr, "CHECK FAILED: %s of %lld elements\n", op, (long long)n);
    return bad;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("sort", "Sorting and scans, float32 vectors");
    int nt = ax_get_num_threads();
    printf("   threads: %d; peers: bench/peer_sort.py (numpy %s)\n", nt, bench_numpy_version());
    printf("   %-12s %9s | %9s | %9s %9s %9s | %-6s %7s\n", "op", "n", "ax ms", "numpy ms",
           "np stable", "torch ms", "best", "ax/best");
    const struct {
        const char *op;
        bench_build_fn fn;
    } ws[] = {{"sort", w_sort}, {"argsort", w_argsort}, {"cumsum", w_cumsum},
              {"searchsorted", w_searchsorted}};
    int64_t sizes[2] = {(int64_t)1 << 20, (int64_t)1 << 24};
    int bad = 0;
    for (int s = 0; s < 2; s++) {
        int64_t n = quick ? (int64_t)1 << (12 + 6 * s) : sizes[s];
        ax_scope_begin(ctx);
        ax_array *in[3] = {bench_uniform_array(ctx, &n, 1, -1, 1, 3), NULL,
                           bench_uniform_array(ctx, &n, 1, -1, 1, 5)};
        in[1] = ax_sort(ctx, in[0], 0);
        ax_eval1(ctx, in[1]);
        bench_check(ctx, "inputs");
        for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
            ax_scope_begin(ctx);
            bad += check(ws[k].op, ctx, in, bench_ax_once(ctx, ws[k].fn, in));
            ax_scope_end(ctx);
            double t = bench_ax(ctx, ws[k].fn, in, quick ? 1 : 5, quick ? 0 : 1.0);
            peer_times pt = quick ? (peer_times){-1, -1, -1} : run_peer(ws[k].op, n);
            const char *best = NULL;
            double best_t = -1;
            if (pt.numpy > 0) best = "numpy", best_t = pt.numpy;
            if (pt.torch > 0 && (best_t < 0 || pt.torch < best_t)) best = "torch", best_t = pt.torch;
            printf("   %-12s %9lld | %9.3f | %9.3f %9.3f %9.3f | %-6s %6.2fx\n", ws[k].op,
                   (long long)n, t * 1e3, pt.numpy * 1e3, pt.numpy_stable * 1e3, pt.torch * 1e3,
                   best ? best : "-", best ? best_t / t : NAN);
            if (!r) continue;
            char size[32], peers[256] = "";
            snprintf(size, sizeof size, "%lld", (long long)n);
            if (best)
                snprintf(peers, sizeof peers,
                         ", \"best_peer\": \"%s\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, "
                         "\"numpy_ms\": %.4f, \"numpy_stable_ms\": %.4f, \"torch_ms\": %.4f",
                         best, best_t * 1e3, best_t / t, pt.numpy * 1e3, pt.numpy_stable * 1e3,
                         pt.torch * 1e3);
            /* why ax may be behind (docs/scan-sort.md, Performance) */
            const char *note = "";
            if (best && best_t / t < 1.0) {
                if (!strcmp(ws[k].op, "sort"))
                    note = ", \"note\": \"both run an AVX-512 quicksort; ax also restores the "
                           "stable order of NaNs and zeros and splits the line over the threads "
                           "(docs/scan-sort.md)\"";
                else if (!strcmp(ws[k].op, "searchsorted"))
                    note = ", \"note\": \"one binary search per value (cache misses on a); "
                           "NumPy uses the previous result as a bound for sorted keys\"";
                else
                    note = ", \"note\": \"measured under load (shared 2-core machine)\"";
            }
            bench_row(r, "\"op\": \"%s\", \"size\": \"%s\", \"dtype\": \"float32\", \"ax_ms\": %.4f, "
                         "\"target\": \"ahead of the best peer or within 1.2x\"%s%s",
                      ws[k].op, size, t * 1e3, peers, note);
        }
        ax_scope_end(ctx);
    }
    if (r) {
        double load[3] = {0};
        FILE *f = fopen("/proc/loadavg", "r");
        if (f) {
            if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
            fclose(f);
        }
        bench_field_num(r, "load_average_1min", load[0]);
        printf("   load average (1 min) at the end: %.2f\n", load[0]);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
