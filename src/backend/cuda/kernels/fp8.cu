// fp8 codes on the GPU (see fp8.h): the CPU's codec (backend/fp8_codec.h)
// compiled for the device, so both sides give the same bits.
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/fp8.h"
#include "backend/fp8_codec.h"

__global__ void k_fp8_encode(const ax_cu_ew l, int fmt) {
    const int t = l.dtype[1];
    const int64_t isz = (int64_t)ax_cu_dtype_size(t);
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t oo = i, xo = i;
        if (!l.contiguous) {
            oo = ax_cu_offset(i, l.ndim, l.shape, l.strides[0]);
            xo = ax_cu_offset(i, l.ndim, l.shape, l.strides[1]);
        }
        double x = ax_cu_load_f64((const char *)l.ptr[1] + xo * isz, t);
        ((uint8_t *)l.ptr[0])[oo] = ax__fp8_encode(x, fmt);
    }
}

__global__ void k_fp8_decode(const ax_cu_ew l, int fmt) {
    __shared__ float values[256];
    for (int c = threadIdx.x; c < 256; c += blockDim.x) values[c] = ax__fp8_decode((uint8_t)c, fmt);
    __syncthreads();
    const int t = l.dtype[0];
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t oo = i, xo = i;
        if (!l.contiguous) {
            oo = ax_cu_offset(i, l.ndim, l.shape, l.strides[0]);
            xo = ax_cu_offset(i, l.ndim, l.shape, l.strides[1]);
        }
        float v = values[((const uint8_t *)l.ptr[1])[xo]];
        switch (t) { // every fp8 value is exact in each
        case AX_CU_FLOAT64: ((double *)l.ptr[0])[oo] = v; break;
        case AX_CU_FLOAT32: ((float *)l.ptr[0])[oo] = v; break;
        case AX_CU_FLOAT16: ((__half *)l.ptr[0])[oo] = __float2half_rn(v); break;
        default: ((__nv_bfloat16 *)l.ptr[0])[oo] = __float2bfloat16_rn(v); break;
        }
    }
}

extern "C" cudaError_t ax_cu_fp8_encode(const ax_cu_ew *l, int fmt, cudaStream_t stream) {
    if (l->size <= 0) return cudaSuccess;
    k_fp8_encode<<<ax_cu_blocks(l->size, 4), AX_CU_THREADS, 0, stream>>>(*l, fmt);
    return cudaGetLastError();
}

extern "C" cudaError_t ax_cu_fp8_decode(const ax_cu_ew *l, int fmt, cudaStream_t stream) {
    if (l->size <= 0) return cudaSuccess;
    k_fp8_decode<<<ax_cu_blocks(l->size, 4), AX_CU_THREADS, 0, stream>>>(*l, fmt);
    return cudaGetLastError();
}

// 32 x 32 tiles through shared memory (padded against bank conflicts).
__global__ void k_transpose_u8(uint8_t *dst, const uint8_t *src, int64_t rows, int64_t cols, int64_t ld) {
    __shared__ uint8_t tile[32][33];
    const int64_t r0 = (int64_t)blockIdx.y * 32, c0 = (int64_t)blockIdx.x * 32;
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
        int64_t r = r0 + k, c = c0 + threadIdx.x;
        if (r < rows && c < cols) tile[k][threadIdx.x] = src[r * ld + c];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
        int64_t c = c0 + k, r = r0 + threadIdx.x;
        if (r < rows && c < cols) dst[c * rows + r] = tile[threadIdx.x][k];
    }
}

extern "C" cudaError_t ax_cu_transpose_u8(uint8_t *dst, const uint8_t *src, int64_t rows, int64_t cols,
                                          int64_t src_ld, cudaStream_t stream) {
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    if ((rows + 31) / 32 > 65535) return cudaErrorNotSupported;
    dim3 grid((unsigned)((cols + 31) / 32), (unsigned)((rows + 31) / 32)), block(32, 8);
    k_transpose_u8<<<grid, block, 0, stream>>>(dst, src, rows, cols, src_ld);
    return cudaGetLastError();
}

// Row-wise scaling after a unit-scale product: out[i, j] = (float)(sa[i] *
// sb[j] in double) * p[i, j], rounded once to the output dtype (the CPU's
// order of operations).
__global__ void k_fp8_scale_outer(void *out, int odt, const float *p, const float *sa, const float *sb, int64_t M,
                                  int64_t N) {
    const int64_t n = M * N;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t i = e / N, j = e - i * N;
        const float v = (float)((double)sa[i] * (double)sb[j]) * p[e];
        switch (odt) {
        case AX_CU_FLOAT32: ((float *)out)[e] = v; break;
        case AX_CU_FLOAT16: ((__half *)out)[e] = __float2half_rn(v); break;
        default: ((__nv_bfloat16 *)out)[e] = __float2bfloat16_rn(v); break;
        }
    }
}

extern "C" cudaError_t ax_cu_fp8_scale_outer(void *out, int out_dtype, const float *p, const float *sa,
                                             const float *sb, int64_t M, int64_t N, cudaStream_t stream) {
    if (M <= 0 || N <= 0) return cudaSuccess;
    k_fp8_scale_outer<<<ax_cu_blocks(M * N, 4), AX_CU_THREADS, 0, stream>>>(out, out_dtype, p, sa, sb, M, N);
    return cudaGetLastError();
}
