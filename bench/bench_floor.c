/* The machine's measured floors: copy and read bandwidth and float32 FMA peak,
 * with 1 thread and with ax's thread count. The other benchmarks compare
 * their results with these figures. */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    int nt = ax_get_num_threads();
    bench_results *r = quick ? NULL : bench_begin("floor", "Machine floors (measured)");
    printf("   %-26s %8s %12s\n", "measure", "threads", "value");
    int ths[2] = {1, nt};
    for (int i = 0; i < (nt > 1 ? 2 : 1); i++) {
        int t = ths[i];
        double copy = bench_copy_bandwidth(t), read = bench_read_bandwidth(t);
        double fma = bench_fma_peak(t);
        printf("   %-26s %8d %9.1f GB/s\n", "copy (rd+wr, best of 2)", t, copy / 1e9);
        printf("   %-26s %8d %9.1f GB/s\n", "read (vector sum)", t, read / 1e9);
        printf("   %-26s %8d %9.1f GFLOP/s\n", "fp32 FMA peak", t, fma / 1e9);
        if (r)
            bench_row(r,
                      "\"threads\": %d, \"copy_gbs\": %.3f, \"read_gbs\": %.3f, "
                      "\"fma_gflops\": %.3f",
                      t, copy / 1e9, read / 1e9, fma / 1e9);
    }
    return r ? bench_finish(r) : 0;
}
