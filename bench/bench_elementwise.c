/* Large float32 elementwise ops (add, mul, exp) in GB/s, ax vs NumPy, and as a
 * fraction of the machine's measured copy bandwidth.
 * Bytes counted as STREAM does: each input read once, the output written once
 * (add/mul: 12 bytes per element, exp: 8). NumPy's "natural" figure is the
 * expression users write (a + b, which allocates its result); "out=" writes
 * into a preallocated array. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

static ax_array *build_add(ax_ctx *ctx, ax_array *const *in) { return ax_add(ctx, in[0], in[1]); }
static ax_array *build_mul(ax_ctx *ctx, ax_array *const *in) {
    return ax_multiply(ctx, in[0], in[1]);
}
static ax_array *build_exp(ax_ctx *ctx, ax_array *const *in) { return ax_exp(ctx, in[0]); }

typedef struct workload {
    const char *name;
    bench_build_fn build;
    int arity;
} workload;

/* A few elements of the result against C's own arithmetic. */
static int spot_check(ax_ctx *ctx, const workload *w, ax_array *const *in, int64_t n) {
    ax_scope_begin(ctx);
    ax_array *out = bench_ax_once(ctx, w->build, in);
    const float *o = ax_data(ctx, out), *a = ax_data(ctx, in[0]), *b = ax_data(ctx, in[1]);
    int bad = 0;
    int64_t idx[4] = {0, 1, n / 2 + 3, n - 1};
    for (int k = 0; k < 4; k++) {
        int64_t i = idx[k];
        double ref = w->build == build_add   ? (double)(a[i] + b[i])
                     : w->build == build_mul ? (double)(a[i] * b[i])
                                             : exp((double)a[i]);
        bad += bench_expect_close(w->name, o[i], ref, w->build == build_exp ? 4e-7 : 0);
    }
    ax_scope_end(ctx);
    return bad;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("elementwise", "Elementwise float32 (GB/s)");
    int nt = ax_get_num_threads();
    double copy_bw = bench_report_copy_bandwidth(r, nt);
    printf("   %-4s %9s | %8s %7s | %8s %7s %9s | %7s %7s\n", "op", "n", "ax ms", "GB/s",
           "np ms", "GB/s", "out= GB/s", "ax/np", "ax/copy");
    const workload ws[] = {{"add", build_add, 2}, {"mul", build_mul, 2}, {"exp", build_exp, 1}};
    int log2n[3] = {24, 25, 26};
    int bad = 0;
    for (int s = 0; s < 3; s++) {
        int64_t n = quick ? (int64_t)1 << (14 + s) : (int64_t)1 << log2n[s];
        ax_scope_begin(ctx);
        ax_array *in[2] = {bench_uniform_array(ctx, &n, 1, -1, 1, 1),
                           bench_uniform_array(ctx, &n, 1, -1, 1, 2)};
        for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
            const workload *w = &ws[k];
            bad += spot_check(ctx, w, in, n);
            double t = bench_ax(ctx, w->build, in, quick ? 1 : 10, quick ? 0 : 1.0);
            double bytes = 4.0 * (double)n * (w->arity + 1);
            double tn = -1, tno = -1;
            if (!quick) {
                char args[32];
                snprintf(args, sizeof args, "%lld", (long long)n);
                tn = bench_numpy(w->name, args, "seconds");
                tno = bench_numpy(w->name, args, "seconds_out");
            }
            double gbs = bytes / t / 1e9, ngbs = tn > 0 ? bytes / tn / 1e9 : NAN;
            double ngbs_out = tno > 0 ? bytes / tno / 1e9 : NAN;
            printf("   %-4s %9lld | %8.3f %7.1f | %8.3f %7.1f %9.1f | %6.2fx %6.0f%%\n", w->name,
                   (long long)n, t * 1e3, gbs, tn * 1e3, ngbs, ngbs_out, tn / t,
                   100 * gbs * 1e9 / copy_bw);
            if (r)
                bench_row(r,
                          "\"op\": \"%s\", \"n\": %lld, \"dtype\": \"float32\", "
                          "\"bytes\": %.0f, \"ax_seconds\": %.6g, \"ax_gbs\": %.3f, "
                          "\"numpy_seconds\": %.6g, \"numpy_gbs\": %.3f, "
                          "\"numpy_out_seconds\": %.6g, \"numpy_out_gbs\": %.3f, "
                          "\"ax_vs_numpy\": %.3f, \"ax_vs_numpy_out\": %.3f, "
                          "\"ax_vs_copy_bandwidth\": %.3f",
                          w->name, (long long)n, bytes, t, gbs, tn, ngbs, tno, ngbs_out, tn / t,
                          tno / t, gbs * 1e9 / copy_bw);
        }
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
