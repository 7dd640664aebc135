// FFT helper kernels (launchers in fft.h): line gathers and scatters around
// cuFFT plans, and the norm scale, multiplied in float as the CPU does.
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/fft.h"

template <typename T> __device__ __forceinline__ T fz();
template <> __device__ __forceinline__ float fz<float>() { return 0.f; }
template <> __device__ __forceinline__ float2 fz<float2>() { return make_float2(0.f, 0.f); }

template <typename T> __device__ __forceinline__ T fscale(T v, float s);
template <> __device__ __forceinline__ float fscale<float>(float v, float s) { return v * s; }
template <> __device__ __forceinline__ float2 fscale<float2>(float2 v, float s) {
    return make_float2(v.x * s, v.y * s);
}

template <typename T>
__global__ void k_gather(ax_cu_array src, T *dst, int64_t total, int64_t len, int64_t use,
                         int64_t cols, int64_t c2r_n) {
    const T *s = (const T *)src.ptr;
    int nb = src.ndim - 1;
    int64_t step = src.strides[nb], lc = len * cols;
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = t / lc, rem = t - row * lc, i = rem / cols, col = rem - i * cols;
        T v = fz<T>();
        if (i < use) {
            int64_t line = row * cols + col;
            v = s[ax_cu_offset(line, nb, src.shape, src.strides) + i * step];
        }
        dst[t] = v;
    }
    (void)c2r_n;
}

// complex lines for C2R: the imaginary parts of the zero (and Nyquist)
// frequency are dropped, as NumPy / pocketfft and the CPU kernel do
__global__ void k_gather_c2r(ax_cu_array src, float2 *dst, int64_t total, int64_t len,
                             int64_t use, int64_t cols, int64_t c2r_n) {
    const float2 *s = (const float2 *)src.ptr;
    int nb = src.ndim - 1;
    int64_t step = src.strides[nb], lc = len * cols;
    int64_t nyq = c2r_n % 2 == 0 ? c2r_n / 2 : -1;
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = t / lc, rem = t - row * lc, i = rem / cols, col = rem - i * cols;
        float2 v = make_float2(0.f, 0.f);
        if (i < use) {
            int64_t line = row * cols + col;
            v = s[ax_cu_offset(line, nb, src.shape, src.strides) + i * step];
        }
        if (i == 0 || i == nyq) v.y = 0.f;
        dst[t] = v;
    }
}

extern "C" cudaError_t ax_cu_fft_gather(const ax_cu_array *src, void *dst, int real,
                                        int64_t lines, int64_t len, int64_t use, int64_t cols,
                                        int64_t c2r_n, cudaStream_t s) {
    int64_t total = lines * len;
    if (total <= 0) return cudaSuccess;
    unsigned g = ax_cu_blocks(total, 4);
    if (real) k_gather<float><<<g, AX_CU_THREADS, 0, s>>>(*src, (float *)dst, total, len, use, cols, 0);
    else if (c2r_n > 0) k_gather_c2r<<<g, AX_CU_THREADS, 0, s>>>(*src, (float2 *)dst, total, len, use, cols, c2r_n);
    else k_gather<float2><<<g, AX_CU_THREADS, 0, s>>>(*src, (float2 *)dst, total, len, use, cols, 0);
    return cudaGetLastError();
}

template <typename T>
__global__ void k_scatter(const T *src, T *dst, int64_t total, int64_t len, int64_t cols,
                          float scale) {
    int64_t lc = len * cols;
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = t / lc, rem = t - row * lc, i = rem / cols, col = rem - i * cols;
        T v = src[(row * cols + col) * len + i];
        dst[t] = scale == 1.f ? v : fscale<T>(v, scale);
    }
}

extern "C" cudaError_t ax_cu_fft_scatter(const void *src, void *dst, int real, int64_t lines,
                                         int64_t len, int64_t cols, float scale, cudaStream_t s) {
    int64_t total = lines * len;
    if (total <= 0) return cudaSuccess;
    unsigned g = ax_cu_blocks(total, 4);
    if (real) k_scatter<float><<<g, AX_CU_THREADS, 0, s>>>((const float *)src, (float *)dst, total, len, cols, scale);
    else k_scatter<float2><<<g, AX_CU_THREADS, 0, s>>>((const float2 *)src, (float2 *)dst, total, len, cols, scale);
    return cudaGetLastError();
}

__global__ void k_scale(float *p, int64_t count, float scale) {
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < count;
         t += (int64_t)gridDim.x * blockDim.x)
        p[t] *= scale;
}

__global__ void k_scale4(float4 *p, int64_t count4, float scale) {
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < count4;
         t += (int64_t)gridDim.x * blockDim.x) {
        float4 v = p[t];
        v.x *= scale, v.y *= scale, v.z *= scale, v.w *= scale;
        p[t] = v;
    }
}

extern "C" cudaError_t ax_cu_fft_scale(float *p, int64_t count, float scale, cudaStream_t s) {
    if (count <= 0) return cudaSuccess;
    if (((uintptr_t)p & 15) == 0 && count >= 4) {
        int64_t c4 = count / 4;
        k_scale4<<<ax_cu_blocks(c4, 4), AX_CU_THREADS, 0, s>>>((float4 *)p, c4, scale);
        if (count > c4 * 4) k_scale<<<1, AX_CU_THREADS, 0, s>>>(p + c4 * 4, count - c4 * 4, scale);
    } else {
        k_scale<<<ax_cu_blocks(count, 4), AX_CU_THREADS, 0, s>>>(p, count, scale);
    }
    return cudaGetLastError();
}
