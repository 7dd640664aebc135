// The floor of bench_gpu's latency row: one launch of a one-element add
// kernel on a non-blocking stream plus cudaStreamSynchronize, through the
// CUDA runtime alone (no ax). bench_gpu times it as it times ax's add; what a
// synchronous one-element op costs above this is ax's own overhead.
#include <cuda_runtime_api.h>

#include "launch_floor.h"

static __global__ void floor_add(float *o, const float *a, const float *b) { o[0] = a[0] + b[0]; }

static float *buf;
static cudaStream_t stream;

extern "C" int ax_bench_floor_begin(void) {
    if (cudaMalloc((void **)&buf, 3 * sizeof(float)) == cudaSuccess &&
        cudaMemset(buf, 0, 3 * sizeof(float)) == cudaSuccess &&
        cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess)
        return 0;
    ax_bench_floor_end();
    return -1;
}

extern "C" int ax_bench_floor_step(void) {
    floor_add<<<1, 32, 0, stream>>>(buf, buf + 1, buf + 2);
    return cudaStreamSynchronize(stream) == cudaSuccess ? 0 : -1;
}

extern "C" void ax_bench_floor_end(void) {
    (void)cudaGetLastError();
    if (stream) cudaStreamDestroy(stream);
    if (buf) cudaFree(buf);
    stream = NULL;
    buf = NULL;
}
