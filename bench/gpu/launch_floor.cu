// The floor of bench_gpu's latency row, measured in the same process: one
// launch of a one-element add kernel on a non-blocking stream plus
// cudaStreamSynchronize, through the CUDA runtime alone (no ax). What a
// synchronous one-element op costs above this is ax's own overhead.
#include <cuda_runtime_api.h>
#include <stdlib.h>
#include <time.h>

#include "launch_floor.h"

static __global__ void floor_add(float *o, const float *a, const float *b) { o[0] = a[0] + b[0]; }

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

extern "C" double ax_bench_launch_floor(int warmup, int reps) {
    float *d = NULL;
    cudaStream_t s = NULL;
    double *t = (double *)malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
    double med = -1;
    if (!t || reps <= 0 || cudaMalloc((void **)&d, 3 * sizeof(float)) != cudaSuccess ||
        cudaMemset(d, 0, 3 * sizeof(float)) != cudaSuccess ||
        cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess)
        goto done;
    for (int r = 0; r < warmup + reps; r++) {
        double t0 = now_s();
        floor_add<<<1, 32, 0, s>>>(d, d + 1, d + 2);
        if (cudaStreamSynchronize(s) != cudaSuccess) goto done;
        if (r >= warmup) t[r - warmup] = now_s() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
done:
    (void)cudaGetLastError();
    if (s) cudaStreamDestroy(s);
    if (d) cudaFree(d);
    free(t);
    return med;
}
