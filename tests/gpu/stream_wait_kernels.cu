// Kernels for test_stream_wait.c: work of a chosen length that ends with a
// store the host can read without another CUDA call, and a kernel that
// faults.
#include <cuda_runtime_api.h>

#include "stream_wait_kernels.h"

static __global__ void k_sleep_then_store(volatile unsigned *out, unsigned value, unsigned ns) {
    for (unsigned slept = 0; slept < ns; slept += 1000) __nanosleep(1000);
    __threadfence_system();
    *out = value;
}

static __global__ void k_trap(void) { __trap(); }

extern "C" int tsw_sleep_then_store(cudaStream_t s, unsigned *out_dev, unsigned value, unsigned ns) {
    k_sleep_then_store<<<1, 1, 0, s>>>(out_dev, value, ns);
    return cudaGetLastError() == cudaSuccess ? 0 : -1;
}

extern "C" int tsw_trap(cudaStream_t s) {
    k_trap<<<1, 1, 0, s>>>();
    return cudaGetLastError() == cudaSuccess ? 0 : -1;
}
