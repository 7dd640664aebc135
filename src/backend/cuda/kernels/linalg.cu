// Linear-algebra helper kernels around cuSOLVER (launchers in linalg.h).
// Every kernel is a plain grid-stride loop or one block per batch item; they
// move data between ax's row-major strided arrays and the dense column-major
// buffers cuSOLVER works in, and repeat the small host-side steps of the CPU
// kernels (src/backend/cpu/linalg_tmpl.h) on the device.
#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/linalg.h"

#include <math.h>

template <typename T> __device__ __forceinline__ T lk_nan();
template <> __device__ __forceinline__ float lk_nan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double lk_nan<double>() {
    return __longlong_as_double(0x7ff8000000000000LL);
}

#define LK_GRID_STRIDE(t, total)                                                        \
    for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < (total);        \
         t += (int64_t)gridDim.x * blockDim.x)

// Launch helper: grid-stride kernels over `total` items.
#define LK_LAUNCH(kernel, total, s, ...)                                                 \
    do {                                                                                 \
        if ((total) > 0) kernel<<<ax_cu_blocks((total), 4), AX_CU_THREADS, 0, (s)>>>(__VA_ARGS__); \
    } while (0)

// Items per launch of the one-block-per-item kernels (grid.x limit is far
// larger; this keeps the loop in the kernel for huge batches).
#define LK_MAX_ITEM_BLOCKS 65535

// ---------------------------------------------------------------- pack / unpack

template <typename T>
__global__ void k_pack(ax_cu_array src, T *dst, int64_t total, int r, int c, int colmajor,
                       int64_t ld, int64_t dstride) {
    const T *s = (const T *)src.ptr;
    int64_t rc = (int64_t)r * c;
    LK_GRID_STRIDE(t, total) {
        int64_t b = t / rc, rem = t - b * rc, i = rem / c, j = rem - i * c;
        T v = s[ax_cu_offset(t, src.ndim, src.shape, src.strides)];
        dst[b * dstride + (colmajor ? i + j * ld : i * ld + j)] = v;
    }
}

extern "C" cudaError_t ax_cu_linalg_pack(const ax_cu_array *src, void *dst, int fp64,
                                         int64_t nbatch, int r, int c, int colmajor, int64_t ld,
                                         int64_t dstride, cudaStream_t s) {
    int64_t total = nbatch * r * c;
    if (fp64) LK_LAUNCH(k_pack<double>, total, s, *src, (double *)dst, total, r, c, colmajor, ld, dstride);
    else LK_LAUNCH(k_pack<float>, total, s, *src, (float *)dst, total, r, c, colmajor, ld, dstride);
    return cudaGetLastError();
}

template <typename T>
__global__ void k_unpack(const T *src, int64_t sb, int64_t si, int64_t sj, T *dst, int64_t total,
                         int r, int c, int mode) {
    int64_t rc = (int64_t)r * c;
    LK_GRID_STRIDE(t, total) {
        int64_t b = t / rc, rem = t - b * rc, i = rem / c, j = rem - i * c;
        bool keep = mode == AX_CU_TRI_FULL || (mode == AX_CU_TRI_UPPER && j >= i) ||
                    (mode == AX_CU_TRI_LOWER && j <= i) || (mode == AX_CU_TRI_UNIT_LOWER && j < i);
        bool mirror = (mode == AX_CU_TRI_SYM_UPPER && j < i) || (mode == AX_CU_TRI_SYM_LOWER && j > i);
        T v = keep ? src[b * sb + i * si + j * sj] : (T)0;
        if (mode == AX_CU_TRI_SYM_UPPER || mode == AX_CU_TRI_SYM_LOWER)
            v = mirror ? src[b * sb + j * si + i * sj] : src[b * sb + i * si + j * sj];
        if (mode == AX_CU_TRI_UNIT_LOWER && i == j) v = (T)1;
        dst[t] = v;
    }
}

extern "C" cudaError_t ax_cu_linalg_unpack(const void *src, int64_t sb, int64_t si, int64_t sj,
                                           void *dst, int fp64, int64_t nbatch, int r, int c,
                                           int mode, cudaStream_t s) {
    int64_t total = nbatch * r * c;
    if (fp64) LK_LAUNCH(k_unpack<double>, total, s, (const double *)src, sb, si, sj, (double *)dst, total, r, c, mode);
    else LK_LAUNCH(k_unpack<float>, total, s, (const float *)src, sb, si, sj, (float *)dst, total, r, c, mode);
    return cudaGetLastError();
}

template <typename T>
__global__ void k_identity(T *dst, int64_t total, int r, int c, int64_t dstride) {
    int64_t rc = (int64_t)r * c;
    LK_GRID_STRIDE(t, total) {
        int64_t b = t / rc, rem = t - b * rc, i = rem / c, j = rem - i * c;
        dst[b * dstride + rem] = i == j ? (T)1 : (T)0;
    }
}

extern "C" cudaError_t ax_cu_linalg_identity(void *dst, int fp64, int64_t nbatch, int r, int c,
                                             int64_t dstride, cudaStream_t s) {
    int64_t total = nbatch * r * c;
    if (fp64) LK_LAUNCH(k_identity<double>, total, s, (double *)dst, total, r, c, dstride);
    else LK_LAUNCH(k_identity<float>, total, s, (float *)dst, total, r, c, dstride);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- NaN / Inf inputs

template <typename T>
__global__ void k_nonfinite(T *a, int64_t nbatch, int r, int c, int tri, int *flags) {
    int64_t rc = (int64_t)r * c;
    for (int64_t b = blockIdx.x; b < nbatch; b += gridDim.x) {
        T *m = a + b * rc;
        int bad = 0;
        for (int64_t e = threadIdx.x; e < rc; e += blockDim.x) {
            int64_t i = e / c, j = e - i * c;
            bool read = tri == AX_CU_TRI_FULL || (tri == AX_CU_TRI_UPPER && j >= i) ||
                        (tri == AX_CU_TRI_LOWER && j <= i);
            if (read && !isfinite(m[e])) bad = 1;
        }
        bad = __syncthreads_or(bad);
        if (threadIdx.x == 0) flags[b] = bad;
        if (bad)
            for (int64_t e = threadIdx.x; e < rc; e += blockDim.x) m[e] = (T)0;
        __syncthreads();
    }
}

extern "C" cudaError_t ax_cu_linalg_nonfinite(void *a, int fp64, int64_t nbatch, int r, int c,
                                              int tri, int *flags, cudaStream_t s) {
    if (nbatch <= 0) return cudaSuccess;
    unsigned g = (unsigned)(nbatch < LK_MAX_ITEM_BLOCKS ? nbatch : LK_MAX_ITEM_BLOCKS);
    if (fp64) k_nonfinite<double><<<g, AX_CU_THREADS, 0, s>>>((double *)a, nbatch, r, c, tri, flags);
    else k_nonfinite<float><<<g, AX_CU_THREADS, 0, s>>>((float *)a, nbatch, r, c, tri, flags);
    return cudaGetLastError();
}

template <typename T>
__global__ void k_nan_fill(T *dst, int64_t total, int64_t count, const int *flags) {
    LK_GRID_STRIDE(t, total) {
        if (flags[t / count]) dst[t] = lk_nan<T>();
    }
}

extern "C" cudaError_t ax_cu_linalg_nan_fill(void *dst, int fp64, int cplx, int64_t nbatch,
                                             int64_t count, const int *flags, cudaStream_t s) {
    if (cplx) {
        count *= 2;
        fp64 = 0;
    }
    int64_t total = nbatch * count;
    if (fp64) LK_LAUNCH(k_nan_fill<double>, total, s, (double *)dst, total, count, flags);
    else LK_LAUNCH(k_nan_fill<float>, total, s, (float *)dst, total, count, flags);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- info fix-ups

template <typename T>
__global__ void k_chol_nan_info(const T *a, int64_t nbatch, int n, int *info) {
    LK_GRID_STRIDE(b, nbatch) {
        if (info[b] != 0) continue;
        const T *m = a + b * (int64_t)n * n;
        for (int i = 0; i < n; i++)
            if (isnan(m[i + (int64_t)i * n])) {
                info[b] = i + 1;
                break;
            }
    }
}

extern "C" cudaError_t ax_cu_linalg_chol_nan_info(const void *a, int fp64, int64_t nbatch, int n,
                                                  int *info, cudaStream_t s) {
    if (fp64) LK_LAUNCH(k_chol_nan_info<double>, nbatch, s, (const double *)a, nbatch, n, info);
    else LK_LAUNCH(k_chol_nan_info<float>, nbatch, s, (const float *)a, nbatch, n, info);
    return cudaGetLastError();
}

template <typename T> __global__ void k_zero_diag(const T *a, int64_t nbatch, int n, int *info) {
    LK_GRID_STRIDE(b, nbatch) {
        const T *m = a + b * (int64_t)n * n;
        int r = 0;
        for (int i = 0; i < n; i++)
            if (m[(int64_t)i * n + i] == (T)0) {
                r = i + 1;
                break;
            }
        info[b] = r;
    }
}

extern "C" cudaError_t ax_cu_linalg_zero_diag(const void *a, int fp64, int64_t nbatch, int n,
                                              int *info, cudaStream_t s) {
    if (fp64) LK_LAUNCH(k_zero_diag<double>, nbatch, s, (const double *)a, nbatch, n, info);
    else LK_LAUNCH(k_zero_diag<float>, nbatch, s, (const float *)a, nbatch, n, info);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- LU helpers

__global__ void k_piv0(const int *ipiv, int32_t *piv, int64_t total) {
    LK_GRID_STRIDE(t, total) piv[t] = ipiv[t] - 1;
}

extern "C" cudaError_t ax_cu_linalg_piv0(const int *ipiv, int32_t *piv, int64_t nbatch, int k,
                                         cudaStream_t s) {
    int64_t total = nbatch * k;
    LK_LAUNCH(k_piv0, total, s, ipiv, piv, total);
    return cudaGetLastError();
}

// perm as the CPU builds it: the identity, then the row swaps in order.
__global__ void k_perm(const int *ipiv, int *perm, int64_t nbatch, int m, int k) {
    LK_GRID_STRIDE(b, nbatch) {
        int *p = perm + b * m;
        const int *ip = ipiv + b * k;
        for (int i = 0; i < m; i++) p[i] = i;
        for (int i = 0; i < k; i++) {
            int q = ip[i] - 1, t = p[i];
            p[i] = p[q];
            p[q] = t;
        }
    }
}

template <typename T> __global__ void k_perm_matrix(const int *perm, T *P, int64_t total, int m) {
    int64_t mm = (int64_t)m * m;
    LK_GRID_STRIDE(t, total) {
        int64_t b = t / mm, rem = t - b * mm, r = rem / m, c = rem - r * m;
        P[t] = perm[b * m + c] == r ? (T)1 : (T)0; // P[perm[c], c] = 1
    }
}

extern "C" cudaError_t ax_cu_linalg_perm_matrix(const int *ipiv, int *perm, void *P, int fp64,
                                                int64_t nbatch, int m, int k, cudaStream_t s) {
    LK_LAUNCH(k_perm, nbatch, s, ipiv, perm, nbatch, m, k);
    int64_t total = nbatch * m * m;
    if (fp64) LK_LAUNCH(k_perm_matrix<double>, total, s, perm, (double *)P, total, m);
    else LK_LAUNCH(k_perm_matrix<float>, total, s, perm, (float *)P, total, m);
    return cudaGetLastError();
}

template <typename T>
__global__ void k_det(const T *lu, const int *ipiv, int64_t nbatch, int n, int slog, T *out0,
                      T *out1) {
    LK_GRID_STRIDE(b, nbatch) {
        const T *w = lu + b * (int64_t)n * n;
        const int *ip = ipiv + b * n;
        double sign = 1, logabs = 0, prod = 1;
        for (int i = 0; i < n; i++) {
            double d = (double)w[i + (int64_t)i * n];
            if (ip[i] != i + 1) sign = -sign, prod = -prod;
            prod *= d;
            if (d < 0) sign = -sign;
            logabs += log(fabs(d));
            if (d == 0) sign = 0;
            if (d != d) sign = d;
        }
        if (slog) {
            out0[b] = (T)sign;
            out1[b] = (T)logabs;
        } else {
            out0[b] = (T)prod;
        }
    }
}

extern "C" cudaError_t ax_cu_linalg_det(const void *lu, const int *ipiv, int fp64, int64_t nbatch,
                                        int n, int slog, void *out0, void *out1, cudaStream_t s) {
    if (fp64) LK_LAUNCH(k_det<double>, nbatch, s, (const double *)lu, ipiv, nbatch, n, slog, (double *)out0, (double *)out1);
    else LK_LAUNCH(k_det<float>, nbatch, s, (const float *)lu, ipiv, nbatch, n, slog, (float *)out0, (float *)out1);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- eig

// One block per item. Conjugate pairs are found by the same left-to-right
// scan as the CPU (every thread repeats it; it is O(n)).
template <typename T>
__global__ void k_eig_expand(const T *w, const T *vr, int64_t nbatch, int n, float2 *wo,
                             float2 *vo) {
    for (int64_t b = blockIdx.x; b < nbatch; b += gridDim.x) {
        const T *wr = w + b * 2 * (int64_t)n, *wi = wr + n;
        for (int i = threadIdx.x; i < n; i += blockDim.x)
            wo[b * n + i] = make_float2((float)wr[i], (float)wi[i]);
        if (!vr) continue;
        const T *v = vr + b * (int64_t)n * n;
        float2 *o = vo + b * (int64_t)n * n;
        for (int c = 0; c < n; c++) {
            const T *col = v + (int64_t)c * n;
            if (wi[c] != 0 && c + 1 < n) {
                const T *nx = col + n;
                for (int i = threadIdx.x; i < n; i += blockDim.x) {
                    o[(int64_t)i * n + c] = make_float2((float)col[i], (float)nx[i]);
                    o[(int64_t)i * n + c + 1] = make_float2((float)col[i], -(float)nx[i]);
                }
                c++;
            } else {
                for (int i = threadIdx.x; i < n; i += blockDim.x)
                    o[(int64_t)i * n + c] = make_float2((float)col[i], 0.f);
            }
        }
    }
}

extern "C" cudaError_t ax_cu_linalg_eig_expand(const void *w, const void *vr, int fp64,
                                               int64_t nbatch, int n, void *wo, void *vo,
                                               cudaStream_t s) {
    if (nbatch <= 0 || n <= 0) return cudaSuccess;
    unsigned g = (unsigned)(nbatch < LK_MAX_ITEM_BLOCKS ? nbatch : LK_MAX_ITEM_BLOCKS);
    if (fp64) k_eig_expand<double><<<g, 128, 0, s>>>((const double *)w, (const double *)vr, nbatch, n, (float2 *)wo, (float2 *)vo);
    else k_eig_expand<float><<<g, 128, 0, s>>>((const float *)w, (const float *)vr, nbatch, n, (float2 *)wo, (float2 *)vo);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- pointer arrays

__global__ void k_ptrs(void **ptrs, char *base, int64_t stride, int64_t nbatch) {
    LK_GRID_STRIDE(b, nbatch) ptrs[b] = base + b * stride;
}

extern "C" cudaError_t ax_cu_linalg_ptrs(void **ptrs, void *base, int64_t stride_bytes,
                                         int64_t nbatch, cudaStream_t s) {
    LK_LAUNCH(k_ptrs, nbatch, s, ptrs, (char *)base, stride_bytes, nbatch);
    return cudaGetLastError();
}
