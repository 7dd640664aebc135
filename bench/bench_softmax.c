/* Softmax over the last axis of a float32 (4096, 4096) array: ax_softmax vs
 * NumPy's usual formulation (exp(a - max) / sum). GB/s counts one read and
 * one write of the array, the least any implementation must move. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static const int LAST[1] = {-1};
static ax_array *softmax(ax_ctx *c, ax_array *const *in) { return ax_softmax(c, in[0], LAST, 1); }

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("softmax", "Softmax over the last axis, float32");
    int nt = ax_get_num_threads();
    double copy_bw = bench_report_copy_bandwidth(r, nt);
    printf("   %-12s | %8s %7s | %8s %7s | %7s %7s\n", "shape", "ax ms", "GB/s", "np ms", "GB/s",
           "ax/np", "ax/copy");
    int64_t shapes[2][2] = {{1024, 4096}, {4096, 4096}};
    int bad = 0;
    for (int s = 0; s < 2; s++) {
        int64_t rows = quick ? 16 << s : shapes[s][0], cols = quick ? 256 : shapes[s][1];
        ax_scope_begin(ctx);
        ax_array *in[1] = {bench_uniform_array(ctx, (int64_t[]){rows, cols}, 2, -4, 4, 5)};
        /* check rows 0 and rows-1 against a double-precision softmax */
        const float *o = ax_data(ctx, bench_ax_once(ctx, softmax, in));
        const float *a = ax_data(ctx, in[0]);
        for (int64_t row = 0; row < rows; row += rows - 1) {
            const float *x = a + row * cols;
            double mx = -INFINITY, sum = 0;
            for (int64_t j = 0; j < cols; j++) mx = fmax(mx, x[j]);
            for (int64_t j = 0; j < cols; j++) sum += exp(x[j] - mx);
            for (int64_t j = 0; j < cols; j += cols / 8)
                bad += bench_expect_close("softmax", o[row * cols + j], exp(x[j] - mx) / sum, 1e-5);
        }
        double t = bench_ax(ctx, softmax, in, quick ? 1 : 10, quick ? 0 : 1.0);
        double bytes = 2.0 * 4.0 * (double)(rows * cols), tn = -1;
        if (!quick) {
            char args[64];
            snprintf(args, sizeof args, "%lld %lld", (long long)rows, (long long)cols);
            tn = bench_numpy("softmax", args, "seconds");
        }
        double gbs = bytes / t / 1e9, ngbs = tn > 0 ? bytes / tn / 1e9 : NAN;
        char shp[32];
        snprintf(shp, sizeof shp, "(%lld, %lld)", (long long)rows, (long long)cols);
        printf("   %-12s | %8.3f %7.1f | %8.3f %7.1f | %6.2fx %6.0f%%\n", shp, t * 1e3, gbs,
               tn * 1e3, ngbs, tn / t, 100 * gbs * 1e9 / copy_bw);
        if (r)
            bench_row(r,
                      "\"op\": \"softmax\", \"shape\": \"%s\", \"axis\": -1, \"dtype\": \"float32\", "
                      "\"bytes\": %.0f, \"ax_seconds\": %.6g, \"ax_gbs\": %.3f, "
                      "\"numpy_seconds\": %.6g, \"numpy_gbs\": %.3f, \"ax_vs_numpy\": %.3f, "
                      "\"ax_vs_copy_bandwidth\": %.3f",
                      shp, bytes, t, gbs, tn, ngbs, tn / t, gbs * 1e9 / copy_bw);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
