// Max and average pooling, one thread per output element (see pool.h).
// Consecutive threads take consecutive channels, so loads and stores are
// coalesced on the channels-last layout.
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/pool.h"

namespace {

template <typename T> struct acc_of { typedef float type; };
template <> struct acc_of<double> { typedef double type; };

__device__ __forceinline__ float to_acc(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_acc(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_acc(float v) { return v; }
__device__ __forceinline__ double to_acc(double v) { return v; }

__device__ __forceinline__ void store(__half *p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store(__nv_bfloat16 *p, float v) { *p = __float2bfloat16_rn(v); }
__device__ __forceinline__ void store(float *p, float v) { *p = v; }
__device__ __forceinline__ void store(double *p, double v) { *p = v; }

template <typename T>
__global__ void pool_kernel(const T *__restrict__ x, T *__restrict__ out, ax_cu_pool g) {
    typedef typename acc_of<T>::type A;
    int64_t total = g.N * g.OV * g.C;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t c = i % g.C, m = i / g.C;
        int64_t opos[AX_CU_POOL_MAX_SP];
#pragma unroll
        for (int d = AX_CU_POOL_MAX_SP - 1; d >= 0; d--) { // unrolled: opos in registers
            if (d >= g.nsp) continue;
            opos[d] = m % g.O[d];
            m /= g.O[d];
        }
        const T *xn = x + m * g.xs[0] + c * g.xs[g.nsp + 1];
        A acc = g.is_max ? (A)-INFINITY : (A)0;
        int64_t count = 0;
        for (int64_t t = 0; t < g.KV; t++) {
            int64_t rt = t, off = 0;
            bool valid = true;
#pragma unroll
            for (int d = AX_CU_POOL_MAX_SP - 1; d >= 0; d--) {
                if (d >= g.nsp) continue;
                int64_t k = rt % g.K[d];
                rt /= g.K[d];
                int64_t q = opos[d] * g.stride[d] + k - g.pad[d];
                if (q < 0 || q >= g.I[d]) valid = false;
                off += q * g.xs[d + 1];
            }
            if (!valid) continue;
            A v = to_acc(xn[off]);
            count++;
            if (g.is_max)
                acc = ((v > acc || v != v) && acc == acc) ? v : acc;
            else
                acc += v;
        }
        if (!g.is_max) acc *= (A)1 / (A)(g.count_include_pad ? g.KV : count);
        store(out + i, acc);
    }
}

} // namespace

extern "C" cudaError_t ax_cu_pool_run(const ax_cu_pool *g, int dtype, const void *x, void *out,
                                  cudaStream_t stream) {
    int64_t total = g->N * g->OV * g->C;
    if (total == 0) return cudaSuccess;
    unsigned blocks = ax_cu_blocks(total, 1);
    switch (dtype) {
    case AX_CU_FLOAT16:
        pool_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const __half *)x, (__half *)out, *g);
        break;
    case AX_CU_BFLOAT16:
        pool_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const __nv_bfloat16 *)x,
                                                          (__nv_bfloat16 *)out, *g);
        break;
    case AX_CU_FLOAT32:
        pool_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const float *)x, (float *)out, *g);
        break;
    case AX_CU_FLOAT64:
        pool_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const double *)x, (double *)out, *g);
        break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}
