// Helper kernels of the matmul family (see matmul.h): strided/broadcast
// copies that make operands cuBLASLt can read, and beta * c for products
// with nothing to multiply (K == 0 or alpha == 0).
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/matmul.h"

namespace {

struct mm_strided {
    int ndim;
    int64_t shape[AX_CU_MAX_DIMS];
    int64_t strides[AX_CU_MAX_DIMS];
};

template <typename T>
__global__ void copy_kernel(const T *__restrict__ src, T *__restrict__ dst, int64_t n,
                            mm_strided s) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        dst[i] = src[ax_cu_offset(i, s.ndim, s.shape, s.strides)];
}

__device__ __forceinline__ void store_f64(void *p, int dtype, double v) {
    switch (dtype) {
    case AX_CU_FLOAT16: *(__half *)p = __double2half(v); break;
    case AX_CU_BFLOAT16: *(__nv_bfloat16 *)p = __double2bfloat16(v); break;
    case AX_CU_FLOAT32: *(float *)p = (float)v; break;
    case AX_CU_FLOAT64: *(double *)p = v; break;
    default: break;
    }
}

__global__ void scale_kernel(const char *__restrict__ c, double beta, char *__restrict__ dst,
                             int dtype, int64_t n, mm_strided s) {
    size_t es = ax_cu_dtype_size(dtype);
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        if (dtype == AX_CU_COMPLEX64) {
            float re = 0.0f, im = 0.0f;
            if (c) {
                const float *p = (const float *)(c + ax_cu_offset(i, s.ndim, s.shape, s.strides) * 8);
                re = (float)(beta * (double)p[0]);
                im = (float)(beta * (double)p[1]);
            }
            float *o = (float *)(dst + i * 8);
            o[0] = re;
            o[1] = im;
        } else {
            double v = 0.0;
            if (c) v = beta * ax_cu_load_f64(c + ax_cu_offset(i, s.ndim, s.shape, s.strides) * (int64_t)es, dtype);
            store_f64(dst + i * (int64_t)es, dtype, v);
        }
    }
}

size_t host_dtype_size(int dtype) {
    switch (dtype) {
    case AX_CU_BOOL: case AX_CU_INT8: case AX_CU_UINT8: return 1;
    case AX_CU_INT16: case AX_CU_UINT16: case AX_CU_FLOAT16: case AX_CU_BFLOAT16: return 2;
    case AX_CU_INT32: case AX_CU_UINT32: case AX_CU_FLOAT32: return 4;
    default: return 8;
    }
}

mm_strided strided_of(const ax_cu_array *a) {
    mm_strided s;
    s.ndim = a->ndim;
    for (int d = 0; d < a->ndim; d++) {
        s.shape[d] = a->shape[d];
        s.strides[d] = a->strides[d];
    }
    return s;
}

} // namespace

extern "C" cudaError_t ax_cu_mm_copy(const ax_cu_array *src, void *dst, cudaStream_t stream) {
    int64_t n = src->size;
    if (n == 0) return cudaSuccess;
    mm_strided s = strided_of(src);
    unsigned blocks = ax_cu_blocks(n, 4);
    switch (host_dtype_size(src->dtype)) {
    case 1: copy_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const uint8_t *)src->ptr, (uint8_t *)dst, n, s); break;
    case 2: copy_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const uint16_t *)src->ptr, (uint16_t *)dst, n, s); break;
    case 4: copy_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const uint32_t *)src->ptr, (uint32_t *)dst, n, s); break;
    default: copy_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const uint64_t *)src->ptr, (uint64_t *)dst, n, s); break;
    }
    return cudaGetLastError();
}

extern "C" cudaError_t ax_cu_mm_scale(const ax_cu_array *c, double beta, void *dst, int dtype,
                                      int64_t n, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    mm_strided s;
    s.ndim = 0;
    if (c) s = strided_of(c);
    scale_kernel<<<ax_cu_blocks(n, 4), AX_CU_THREADS, 0, stream>>>(
        c ? (const char *)c->ptr : nullptr, beta, (char *)dst, dtype, n, s);
    return cudaGetLastError();
}
