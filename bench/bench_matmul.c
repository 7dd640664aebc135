/* float32 (n, n) @ (n, n) in GFLOP/s (2 n^3 / time), ax vs NumPy's @, and as a
 * fraction of the measured FMA peak of this machine. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

static ax_array *mm(ax_ctx *c, ax_array *const *in) { return ax_matmul(c, in[0], in[1]); }

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("matmul", "Matmul float32 (GFLOP/s)");
    int nt = ax_get_num_threads();
    double peak = quick ? 0 : bench_fma_peak(nt);
    printf("   measured fp32 FMA peak (%d threads): %.1f GFLOP/s\n", nt, peak / 1e9);
    bench_field_num(r, "fma_peak_gflops", peak / 1e9);
    printf("   %6s | %9s %8s | %9s %8s | %7s %7s\n", "n", "ax ms", "GFLOP/s", "np ms", "GFLOP/s",
           "ax/np", "ax/peak");
    int sizes[5] = {256, 512, 1024, 2048, 4096};
    int bad = 0;
    for (int s = 0; s < (quick ? 2 : 5); s++) {
        int64_t n = quick ? 32 << s : sizes[s];
        ax_scope_begin(ctx);
        ax_array *in[2] = {bench_uniform_array(ctx, (int64_t[]){n, n}, 2, -1, 1, 7),
                           bench_uniform_array(ctx, (int64_t[]){n, n}, 2, -1, 1, 8)};
        const float *c = ax_data(ctx, bench_ax_once(ctx, mm, in));
        const float *a = ax_data(ctx, in[0]), *b = ax_data(ctx, in[1]);
        int64_t ij[3][2] = {{0, 0}, {n / 2, n / 3}, {n - 1, n - 1}};
        for (int k = 0; k < 3; k++) {
            double ref = 0, mag = 0;
            for (int64_t l = 0; l < n; l++) {
                double p = (double)a[ij[k][0] * n + l] * b[l * n + ij[k][1]];
                ref += p;
                mag += fabs(p);
            }
            double x = c[ij[k][0] * n + ij[k][1]];
            if (fabs(x - ref) > 1e-5 * mag) {
                fprintf(stderr, "CHECK FAILED: matmul %lld: C[%lld,%lld] = %.9g, expected %.9g\n",
                        (long long)n, (long long)ij[k][0], (long long)ij[k][1], x, ref);
                bad++;
            }
        }
        double t = bench_ax(ctx, mm, in, quick ? 1 : 5, quick ? 0 : 1.0);
        double flops = 2.0 * (double)n * (double)n * (double)n, tn = -1;
        if (!quick) {
            char args[32];
            snprintf(args, sizeof args, "%lld", (long long)n);
            tn = bench_numpy("matmul", args, "seconds");
        }
        double gf = flops / t / 1e9, ngf = tn > 0 ? flops / tn / 1e9 : NAN;
        printf("   %6lld | %9.3f %8.1f | %9.3f %8.1f | %6.2fx %6.0f%%\n", (long long)n, t * 1e3, gf,
               tn * 1e3, ngf, tn / t, peak > 0 ? 100 * gf * 1e9 / peak : NAN);
        if (r)
            bench_row(r,
                      "\"op\": \"matmul\", \"n\": %lld, \"dtype\": \"float32\", \"flops\": %.0f, "
                      "\"ax_seconds\": %.6g, \"ax_gflops\": %.3f, \"numpy_seconds\": %.6g, "
                      "\"numpy_gflops\": %.3f, \"ax_vs_numpy\": %.3f, \"ax_vs_fma_peak\": %.3f",
                      (long long)n, flops, t, gf, tn, ngf, tn / t, gf * 1e9 / peak);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
