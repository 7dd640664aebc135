// Shared device helpers for the .cu kernel files (CUDA C++, included only
// by nvcc). Kernels are written C-style: plain functions and structs.
#ifndef AX_CU_COMMON_CUH
#define AX_CU_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdint.h>

#include "backend/cuda/cu_abi.h"

// Threads per block for simple 1-d launches.
#define AX_CU_THREADS 256

// Blocks for n items at `per_thread` items per thread, capped so a
// grid-stride loop covers the rest (the cap keeps launches cheap).
static inline unsigned ax_cu_blocks(int64_t n, int per_thread) {
    int64_t b = (n + (int64_t)AX_CU_THREADS * per_thread - 1) / ((int64_t)AX_CU_THREADS * per_thread);
    if (b < 1) b = 1;
    if (b > 65535LL * 32) b = 65535LL * 32;
    return (unsigned)b;
}

// Element offset of row-major linear index i in a strided layout.
__device__ __forceinline__ int64_t ax_cu_offset(int64_t i, int ndim, const int64_t *shape,
                                                const int64_t *strides) {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        int64_t n = shape[d];
        int64_t q = i / n;
        off += (i - q * n) * strides[d];
        i = q;
    }
    return off;
}

// Any dtype <-> double / int64, as the CPU's ax__load_f64 / ax__store_f64
// do (float-to-int truncates and saturates, NaN gives 0; complex: real part).
__device__ __forceinline__ double ax_cu_load_f64(const void *p, int dtype) {
    switch (dtype) {
    case AX_CU_BOOL: return *(const uint8_t *)p ? 1.0 : 0.0;
    case AX_CU_INT8: return *(const int8_t *)p;
    case AX_CU_INT16: return *(const int16_t *)p;
    case AX_CU_INT32: return *(const int32_t *)p;
    case AX_CU_INT64: return (double)*(const int64_t *)p;
    case AX_CU_UINT8: return *(const uint8_t *)p;
    case AX_CU_UINT16: return *(const uint16_t *)p;
    case AX_CU_UINT32: return *(const uint32_t *)p;
    case AX_CU_UINT64: return (double)*(const uint64_t *)p;
    case AX_CU_FLOAT16: return __half2float(*(const __half *)p);
    case AX_CU_BFLOAT16: return __bfloat162float(*(const __nv_bfloat16 *)p);
    case AX_CU_FLOAT32: return *(const float *)p;
    case AX_CU_FLOAT64: return *(const double *)p;
    case AX_CU_COMPLEX64: return *(const float *)p;
    }
    return 0.0;
}

__device__ __forceinline__ size_t ax_cu_dtype_size(int dtype) {
    switch (dtype) {
    case AX_CU_BOOL: case AX_CU_INT8: case AX_CU_UINT8: return 1;
    case AX_CU_INT16: case AX_CU_UINT16: case AX_CU_FLOAT16: case AX_CU_BFLOAT16: return 2;
    case AX_CU_INT32: case AX_CU_UINT32: case AX_CU_FLOAT32: return 4;
    default: return 8;
    }
}

#endif
