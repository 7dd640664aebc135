// WINDOW, I0, I1 on the GPU: the CPU's formulas (src/backend/cpu/extra.c) in
// double, rounded once to the output dtype. The Chebyshev recurrences and the
// window sums use explicit _rn intrinsics so nvcc does not contract them into
// fma (the CPU never does); exp/cos/sqrt are CUDA's IEEE double functions
// (cos, exp within 2 ulp of glibc), so float32/16 results match the CPU and
// float64 results match to a few ulp.
#include <math_constants.h>

#include "backend/bessel_coefs.h"
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/extra.h"

// AX__WINDOW_* (src/ops/extra_params.h)
enum { WIN_HANNING = 0, WIN_HAMMING = 1, WIN_BLACKMAN = 2, WIN_BARTLETT = 3, WIN_KAISER = 4 };

__constant__ double I0_A[30] = AX_BESSEL_I0_A;

__constant__ double I0_B[25] = AX_BESSEL_I0_B;

__constant__ double I1_A[29] = AX_BESSEL_I1_A;

__constant__ double I1_B[25] = AX_BESSEL_I1_B;

// Clenshaw's recurrence (Cephes' chbevl), uncontracted as on the CPU.
__device__ __forceinline__ double chbevl(double x, const double *c, int n) {
    double b0 = c[0], b1 = 0, b2 = 0;
    for (int i = 1; i < n; i++) {
        b2 = b1;
        b1 = b0;
        b0 = __dadd_rn(__dsub_rn(__dmul_rn(x, b1), b2), c[i]);
    }
    return __dmul_rn(0.5, __dsub_rn(b0, b2));
}

__device__ double bessel_i0(double x) {
    x = fabs(x);
    if (isnan(x)) return x;
    if (x <= 8.0) return exp(x) * chbevl(__dsub_rn(x / 2.0, 2.0), I0_A, 30);
    if (isinf(x)) return CUDART_INF;
    return exp(x) * chbevl(__dsub_rn(32.0 / x, 2.0), I0_B, 25) / sqrt(x);
}

__device__ double bessel_i1(double x) {
    double z = fabs(x), r;
    if (isnan(x)) return x;
    if (z <= 8.0) r = chbevl(__dsub_rn(z / 2.0, 2.0), I1_A, 29) * z * exp(z);
    else if (isinf(z)) r = CUDART_INF;
    else r = exp(z) * chbevl(__dsub_rn(32.0 / z, 2.0), I1_B, 25) / sqrt(z);
    return x < 0 ? -r : r;
}

__device__ __forceinline__ void store_f(void *out, int dtype, int64_t i, double v) {
    switch (dtype) {
    case AX_CU_FLOAT64: ((double *)out)[i] = v; break;
    case AX_CU_FLOAT32: ((float *)out)[i] = __double2float_rn(v); break;
    case AX_CU_FLOAT16: ((__half *)out)[i] = __double2half(v); break;
    default: ((__nv_bfloat16 *)out)[i] = __double2bfloat16(v); break;
    }
}

__device__ double window_value(int kind, double beta, double i0beta, int64_t i, int64_t m) {
    if (m == 1) return 1.0;
    const double M = (double)m, pi = 3.14159265358979323846;
    if (kind == WIN_KAISER) {
        double alpha = (M - 1) / 2.0, r = ((double)i - alpha) / alpha;
        return bessel_i0(beta * sqrt(__dsub_rn(1.0, __dmul_rn(r, r)))) / i0beta;
    }
    double n = __dadd_rn(1 - M, __dmul_rn(2.0, (double)i)); // arange(1 - M, M, 2)
    switch (kind) {
    case WIN_HANNING: return __dadd_rn(0.5, __dmul_rn(0.5, cos(pi * n / (M - 1))));
    case WIN_HAMMING: return __dadd_rn(0.54, __dmul_rn(0.46, cos(pi * n / (M - 1))));
    case WIN_BLACKMAN:
        return __dadd_rn(__dadd_rn(0.42, __dmul_rn(0.5, cos(pi * n / (M - 1)))),
                         __dmul_rn(0.08, cos(2.0 * pi * n / (M - 1))));
    default: return n <= 0 ? 1 + n / (M - 1) : 1 - n / (M - 1);
    }
}

__global__ void k_window(void *out, int dtype, int64_t m, int kind, double beta, double i0beta) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += (int64_t)gridDim.x * blockDim.x)
        store_f(out, dtype, i, window_value(kind, beta, i0beta, i, m));
}

extern "C" cudaError_t ax_cu_window(void *out, int out_dtype, int64_t m, int kind, double beta, double i0beta,
                                    cudaStream_t stream) {
    if (m <= 0) return cudaSuccess;
    k_window<<<ax_cu_blocks(m, 1), AX_CU_THREADS, 0, stream>>>(out, out_dtype, m, kind, beta, i0beta);
    return cudaGetLastError();
}

__global__ void k_bessel(const ax_cu_ew l, int order) {
    const int t = l.dtype[0];
    const size_t isz = ax_cu_dtype_size(t);
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t oo = i, xo = i;
        if (!l.contiguous) {
            oo = ax_cu_offset(i, l.ndim, l.shape, l.strides[0]);
            xo = ax_cu_offset(i, l.ndim, l.shape, l.strides[1]);
        }
        double x = ax_cu_load_f64((const char *)l.ptr[1] + xo * (int64_t)isz, t);
        store_f(l.ptr[0], t, oo, order ? bessel_i1(x) : bessel_i0(x));
    }
}

extern "C" cudaError_t ax_cu_bessel(const ax_cu_ew *l, int order, cudaStream_t stream) {
    if (l->size <= 0) return cudaSuccess;
    k_bessel<<<ax_cu_blocks(l->size, 1), AX_CU_THREADS, 0, stream>>>(*l, order);
    return cudaGetLastError();
}
