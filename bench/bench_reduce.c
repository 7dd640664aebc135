/* float32 reductions in GB/s (bytes read / time), ax vs NumPy, and as a
 * fraction of the measured copy bandwidth (and read bandwidth, the tighter
 * floor for a pure read). sum/max over all elements of a 1-D array; sum over
 * axis 0 and axis 1 and max over axis 1 of an (n / 4096, 4096) array. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

static const int AX0[1] = {0}, AX1[1] = {1};
static ax_array *sum_all(ax_ctx *c, ax_array *const *in) { return ax_sum(c, in[0], NULL, 0, 0); }
static ax_array *max_all(ax_ctx *c, ax_array *const *in) { return ax_max(c, in[0], NULL, 0, 0); }
static ax_array *sum_ax0(ax_ctx *c, ax_array *const *in) { return ax_sum(c, in[1], AX0, 1, 0); }
static ax_array *sum_ax1(ax_ctx *c, ax_array *const *in) { return ax_sum(c, in[1], AX1, 1, 0); }
static ax_array *max_ax1(ax_ctx *c, ax_array *const *in) { return ax_max(c, in[1], AX1, 1, 0); }

enum { COLS = 4096 };

/* Reference value of output element `j` in double: along axis 0 (column j),
 * axis 1 (row j) or all (j ignored). */
static double reference(const float *a, int64_t rows, int kind, int is_max, int64_t j,
                        double *abs_sum) {
    int64_t n = kind == 0 ? rows : kind == 1 ? COLS : rows * COLS;
    int64_t start = kind == 0 ? j : kind == 1 ? j * COLS : 0, step = kind == 0 ? COLS : 1;
    double acc = is_max ? -INFINITY : 0, as = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = a[start + i * step];
        acc = is_max ? fmax(acc, v) : acc + v;
        as += fabs(v);
    }
    *abs_sum = as;
    return acc;
}

typedef struct workload {
    const char *name;
    bench_build_fn build;
    int kind; /* 0 axis 0, 1 axis 1, 2 all */
    int is_max;
} workload;

static int spot_check(ax_ctx *ctx, const workload *w, ax_array *const *in, int64_t rows) {
    ax_scope_begin(ctx);
    const float *o = ax_data(ctx, bench_ax_once(ctx, w->build, in));
    const float *a = ax_data(ctx, in[0]);
    int bad = 0;
    int64_t js[2] = {0, (w->kind == 0 ? COLS : rows) - 1};
    for (int k = 0; k < (w->kind == 2 ? 1 : 2); k++) {
        double as, ref = reference(a, rows, w->kind, w->is_max, js[k], &as);
        double x = o[w->kind == 2 ? 0 : js[k]];
        /* float32 accumulation: allow a relative error of 1e-5 of sum |a|. */
        double tol = w->is_max ? 0 : 1e-5 * as;
        if (fabs(x - ref) > tol) {
            fprintf(stderr, "CHECK FAILED: %s: element %lld is %.9g, expected %.9g\n", w->name,
                    (long long)js[k], x, ref);
            bad++;
        }
    }
    ax_scope_end(ctx);
    return bad;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("reduce", "Reductions float32 (GB/s read)");
    int nt = ax_get_num_threads();
    double copy_bw = bench_copy_bandwidth(nt), read_bw = bench_read_bandwidth(nt);
    printf("   measured bandwidth (%d threads): copy %.1f GB/s, read %.1f GB/s\n", nt,
           copy_bw / 1e9, read_bw / 1e9);
    bench_field_num(r, "copy_bandwidth_gbs", copy_bw / 1e9);
    bench_field_num(r, "read_bandwidth_gbs", read_bw / 1e9);
    printf("   %-9s %9s | %8s %7s | %8s %7s | %7s %7s %7s\n", "op", "n", "ax ms", "GB/s", "np ms",
           "GB/s", "ax/np", "ax/copy", "ax/read");
    const workload ws[] = {{"sum_all", sum_all, 2, 0},
                           {"max_all", max_all, 2, 1},
                           {"sum_axis0", sum_ax0, 0, 0},
                           {"sum_axis1", sum_ax1, 1, 0},
                           {"max_axis1", max_ax1, 1, 1}};
    int log2n[2] = {24, 26};
    int bad = 0;
    for (int s = 0; s < 2; s++) {
        int64_t n = quick ? (int64_t)COLS << (2 + s) : (int64_t)1 << log2n[s];
        int64_t rows = n / COLS;
        ax_scope_begin(ctx);
        ax_array *flat = bench_uniform_array(ctx, &n, 1, -1, 1, 3);
        ax_array *in[2] = {flat, ax_reshape(ctx, flat, (int64_t[]){rows, COLS}, 2)};
        ax_eval1(ctx, in[1]);
        bench_check(ctx, "reshape");
        for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
            const workload *w = &ws[k];
            bad += spot_check(ctx, w, in, rows);
            double t = bench_ax(ctx, w->build, in, quick ? 1 : 10, quick ? 0 : 1.0);
            double bytes = 4.0 * (double)n;
            double tn = -1;
            if (!quick) {
                char args[64];
                if (w->kind == 2)
                    snprintf(args, sizeof args, "%lld", (long long)n);
                else
                    snprintf(args, sizeof args, "%lld %d", (long long)rows, COLS);
                tn = bench_numpy(w->name, args, "seconds");
            }
            double gbs = bytes / t / 1e9, ngbs = tn > 0 ? bytes / tn / 1e9 : NAN;
            printf("   %-9s %9lld | %8.3f %7.1f | %8.3f %7.1f | %6.2fx %6.0f%% %6.0f%%\n",
                   w->name, (long long)n, t * 1e3, gbs, tn * 1e3, ngbs, tn / t,
                   100 * gbs * 1e9 / copy_bw, 100 * gbs * 1e9 / read_bw);
            if (r)
                bench_row(r,
                          "\"op\": \"%s\", \"n\": %lld, \"shape\": \"%s\", \"dtype\": \"float32\", "
                          "\"bytes\": %.0f, \"ax_seconds\": %.6g, \"ax_gbs\": %.3f, "
                          "\"numpy_seconds\": %.6g, \"numpy_gbs\": %.3f, \"ax_vs_numpy\": %.3f, "
                          "\"ax_vs_copy_bandwidth\": %.3f, \"ax_vs_read_bandwidth\": %.3f",
                          w->name, (long long)n, w->kind == 2 ? "(n,)" : "(n/4096, 4096)", bytes, t,
                          gbs, tn, ngbs, tn / t, gbs * 1e9 / copy_bw, gbs * 1e9 / read_bw);
        }
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
