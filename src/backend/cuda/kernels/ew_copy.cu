// Copies and conversions (copy, astype, stop_gradient, identity unary ops),
// where, and the creation ops (full, arange, linspace, eye, tri).
// Conversions follow ax__convert (src/core/dtype.c): integers wrap, floats
// to integers truncate and saturate (NaN -> 0), anything to bool is != 0,
// float16/bfloat16 round once (integers through float64 rounded to odd),
// complex to real takes the real part. Typed kernels serve same-dtype copies
// and the pairs f32 <-> f16/bf16/f64/i32, i32 <-> i64, bool -> f32; every
// other pair runs one generic kernel that switches on the dtypes.
#include "backend/cuda/kernels/ew_kernel.cuh"

// ---------------------------------------------------------------- scalar rules

__device__ __forceinline__ double ew_any_f64(const void *p, int t) {
    switch (t) {
    case AX_CU_FLOAT16: return ew_f16_to_f32(*(const uint16_t *)p);
    case AX_CU_BFLOAT16: return ew_bf16_to_f32(*(const uint16_t *)p);
    default: return ax_cu_load_f64(p, t);
    }
}

__device__ __forceinline__ int64_t ew_f64_to_sint(double v, int bits) {
    if (isnan(v)) return 0;
    double hi = ldexp(1.0, bits - 1);
    if (v >= hi) return (int64_t)((1ull << (bits - 1)) - 1);
    if (v <= -hi) return bits == 64 ? INT64_MIN : -(int64_t)(1ull << (bits - 1));
    return (int64_t)v;
}
__device__ __forceinline__ uint64_t ew_f64_to_uint(double v, int bits) {
    if (isnan(v) || v <= 0) return 0;
    if (v >= ldexp(1.0, bits)) return bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    return (uint64_t)v;
}

__device__ __forceinline__ int64_t ew_any_i64(const void *p, int t) {
    switch (t) {
    case AX_CU_BOOL: return *(const uint8_t *)p != 0;
    case AX_CU_INT8: return *(const int8_t *)p;
    case AX_CU_INT16: return *(const int16_t *)p;
    case AX_CU_INT32: return *(const int32_t *)p;
    case AX_CU_INT64: return *(const int64_t *)p;
    case AX_CU_UINT8: return *(const uint8_t *)p;
    case AX_CU_UINT16: return *(const uint16_t *)p;
    case AX_CU_UINT32: return *(const uint32_t *)p;
    case AX_CU_UINT64: return (int64_t)*(const uint64_t *)p;
    default: return ew_f64_to_sint(ew_any_f64(p, t), 64);
    }
}

__device__ __forceinline__ void ew_put_f64(void *p, int t, double v) {
    switch (t) {
    case AX_CU_BOOL: *(uint8_t *)p = v != 0; break;
    case AX_CU_INT8: *(int8_t *)p = (int8_t)ew_f64_to_sint(v, 8); break;
    case AX_CU_INT16: *(int16_t *)p = (int16_t)ew_f64_to_sint(v, 16); break;
    case AX_CU_INT32: *(int32_t *)p = (int32_t)ew_f64_to_sint(v, 32); break;
    case AX_CU_INT64: *(int64_t *)p = ew_f64_to_sint(v, 64); break;
    case AX_CU_UINT8: *(uint8_t *)p = (uint8_t)ew_f64_to_uint(v, 8); break;
    case AX_CU_UINT16: *(uint16_t *)p = (uint16_t)ew_f64_to_uint(v, 16); break;
    case AX_CU_UINT32: *(uint32_t *)p = (uint32_t)ew_f64_to_uint(v, 32); break;
    case AX_CU_UINT64: *(uint64_t *)p = ew_f64_to_uint(v, 64); break;
    case AX_CU_FLOAT16: *(uint16_t *)p = ew_f64_to_f16(v); break;
    case AX_CU_BFLOAT16: *(uint16_t *)p = ew_f64_to_bf16(v); break;
    case AX_CU_FLOAT32: *(float *)p = (float)v; break;
    case AX_CU_FLOAT64: *(double *)p = v; break;
    case AX_CU_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    }
}

// Integers to float64 rounded to odd, so a later rounding to f16/bf16 is
// correct (u64_to_f64_odd of the CPU).
__device__ __forceinline__ double ew_u64_odd(uint64_t u) {
    if (u < (1ull << 53)) return (double)u;
    int drop = 11 - __clzll((long long)u);
    uint64_t hi = u >> drop;
    if (u & ((1ull << drop) - 1)) hi |= 1;
    return ldexp((double)hi, drop);
}
__device__ __forceinline__ double ew_i64_odd(int64_t i) {
    return i < 0 ? -ew_u64_odd(0 - (uint64_t)i) : ew_u64_odd((uint64_t)i);
}

__device__ __forceinline__ void ew_put_i64(void *p, int t, int64_t v) {
    switch (t) {
    case AX_CU_BOOL: *(uint8_t *)p = v != 0; break;
    case AX_CU_INT8: case AX_CU_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case AX_CU_INT16: case AX_CU_UINT16: *(uint16_t *)p = (uint16_t)v; break;
    case AX_CU_INT32: case AX_CU_UINT32: *(uint32_t *)p = (uint32_t)v; break;
    case AX_CU_INT64: case AX_CU_UINT64: *(uint64_t *)p = (uint64_t)v; break;
    case AX_CU_FLOAT16: *(uint16_t *)p = ew_f64_to_f16(ew_i64_odd(v)); break;
    case AX_CU_BFLOAT16: *(uint16_t *)p = ew_f64_to_bf16(ew_i64_odd(v)); break;
    case AX_CU_FLOAT32: *(float *)p = (float)v; break;
    case AX_CU_FLOAT64: *(double *)p = (double)v; break;
    case AX_CU_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    }
}

__device__ __forceinline__ void ew_put_u64(void *p, int t, uint64_t v) {
    switch (t) {
    case AX_CU_FLOAT16: *(uint16_t *)p = ew_f64_to_f16(ew_u64_odd(v)); break;
    case AX_CU_BFLOAT16: *(uint16_t *)p = ew_f64_to_bf16(ew_u64_odd(v)); break;
    case AX_CU_FLOAT32: *(float *)p = (float)v; break;
    case AX_CU_FLOAT64: *(double *)p = (double)v; break;
    case AX_CU_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    default: ew_put_i64(p, t, (int64_t)v); break;
    }
}

static __device__ __forceinline__ bool ew_inexact(int t) {
    return t == AX_CU_FLOAT16 || t == AX_CU_BFLOAT16 || t == AX_CU_FLOAT32 || t == AX_CU_FLOAT64 ||
           t == AX_CU_COMPLEX64;
}

// One element st -> dt (convert_one of src/core/dtype.c).
__device__ void ew_convert_one(char *d, int dt, const char *s, int st) {
    if (st == AX_CU_COMPLEX64 || dt == AX_CU_COMPLEX64) {
        double re = ew_any_f64(s, st), im = st == AX_CU_COMPLEX64 ? ((const float *)s)[1] : 0.0;
        if (dt == AX_CU_COMPLEX64) {
            ((float *)d)[0] = (float)re;
            ((float *)d)[1] = (float)im;
        } else if (dt == AX_CU_BOOL) {
            *(uint8_t *)d = re != 0 || im != 0;
        } else {
            ew_put_f64(d, dt, re);
        }
    } else if (st == AX_CU_UINT64) {
        ew_put_u64(d, dt, *(const uint64_t *)s);
    } else if (!ew_inexact(st)) {
        ew_put_i64(d, dt, ew_any_i64(s, st));
    } else if (dt == AX_CU_BOOL) {
        *(uint8_t *)d = ew_any_f64(s, st) != 0;
    } else if (st == AX_CU_FLOAT32 && dt == AX_CU_FLOAT16) {
        *(uint16_t *)d = ew_f32_to_f16(*(const float *)s);
    } else if (st == AX_CU_FLOAT32 && dt == AX_CU_BFLOAT16) {
        *(uint16_t *)d = ew_f32_to_bf16(*(const float *)s);
    } else {
        ew_put_f64(d, dt, ew_any_f64(s, st));
    }
}

// ---------------------------------------------------------------- typed conversions

// Saturating float -> signed integer (CV_FI of src/backend/cpu/ew_convert.c).
template <typename T, typename F> __device__ __forceinline__ T ew_f2s(F x) {
    constexpr double half = (double)(1ull << (sizeof(T) * 8 - 1));
    if (x != x) return 0;
    if ((double)x >= half) return (T)((1ull << (sizeof(T) * 8 - 1)) - 1);
    if ((double)x <= -half) return (T)(-(int64_t)((1ull << (sizeof(T) * 8 - 1)) - 1) - 1);
    return (T)x;
}

// TO <- TI for the fast pairs (bf: the half side is bfloat16).
template <typename TO, typename TI> struct ew_cvt {
    bool bf;
    __device__ __forceinline__ TO operator()(TI x) const {
        if constexpr (std::is_same<TO, TI>::value) return x;
        else if constexpr (std::is_same<TI, ew_half>::value) return (TO)ew_ld(x, bf);
        else if constexpr (std::is_same<TO, ew_half>::value) return ew_st<ew_half>(x, bf);
        else if constexpr (std::is_floating_point<TI>::value && std::is_integral<TO>::value)
            return ew_f2s<TO>(x);
        else return (TO)x;
    }
};

// Every pair, dtypes at run time (contiguous or strided).
__global__ void __launch_bounds__(AX_CU_THREADS) ew_k_convert_any(const __grid_constant__ ax_cu_ew l) {
    const int dt = l.dtype[0], st = l.dtype[1];
    const int64_t ds = (int64_t)ax_cu_dtype_size(dt), ss = (int64_t)ax_cu_dtype_size(st);
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    int64_t off[2];
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += nth) {
        if (l.contiguous) off[0] = off[1] = i;
        else ew_offsets<2>(&l, l.ndim, i, off);
        ew_convert_one((char *)l.ptr[0] + off[0] * ds, dt, (const char *)l.ptr[1] + off[1] * ss, st);
    }
}

template <typename TO, typename TI>
static cudaError_t ew_cvt_launch(const ax_cu_ew *l, bool bf, cudaStream_t s) {
    return ew_launch<ew_cvt<TO, TI>, TO, TI, TI, 1>(l, s, ew_cvt<TO, TI>{bf});
}

extern "C" cudaError_t ax_cu_convert(const ax_cu_ew *l, cudaStream_t s) {
    int dt = l->dtype[0], st = l->dtype[1];
    if (l->size <= 0) return cudaSuccess;
    if (dt == st) {
        switch (ax_cu_dtype_size_host(dt)) {
        case 1: return ew_cvt_launch<uint8_t, uint8_t>(l, false, s);
        case 2: return ew_cvt_launch<uint16_t, uint16_t>(l, false, s);
        case 4: return ew_cvt_launch<uint32_t, uint32_t>(l, false, s);
        default: return ew_cvt_launch<uint64_t, uint64_t>(l, false, s);
        }
    }
    bool half_d = dt == AX_CU_FLOAT16 || dt == AX_CU_BFLOAT16;
    bool half_s = st == AX_CU_FLOAT16 || st == AX_CU_BFLOAT16;
    if (st == AX_CU_FLOAT32 && half_d) return ew_cvt_launch<ew_half, float>(l, dt == AX_CU_BFLOAT16, s);
    if (half_s && dt == AX_CU_FLOAT32) return ew_cvt_launch<float, ew_half>(l, st == AX_CU_BFLOAT16, s);
    if (st == AX_CU_FLOAT32 && dt == AX_CU_FLOAT64) return ew_cvt_launch<double, float>(l, false, s);
    if (st == AX_CU_FLOAT64 && dt == AX_CU_FLOAT32) return ew_cvt_launch<float, double>(l, false, s);
    if (st == AX_CU_FLOAT32 && dt == AX_CU_INT32) return ew_cvt_launch<int32_t, float>(l, false, s);
    if (st == AX_CU_INT32 && dt == AX_CU_FLOAT32) return ew_cvt_launch<float, int32_t>(l, false, s);
    if (st == AX_CU_INT32 && dt == AX_CU_INT64) return ew_cvt_launch<int64_t, int32_t>(l, false, s);
    if (st == AX_CU_INT64 && dt == AX_CU_INT32) return ew_cvt_launch<int32_t, int64_t>(l, false, s);
    if (st == AX_CU_BOOL && dt == AX_CU_FLOAT32) return ew_cvt_launch<float, uint8_t>(l, false, s);
    ew_k_convert_any<<<ax_cu_blocks(l->size, 1), AX_CU_THREADS, 0, s>>>(*l);
    return cudaGetLastError();
}

// Any rank: the descriptor holds up to 64 dims.
__global__ void __launch_bounds__(AX_CU_THREADS) ew_k_convert_big(const __grid_constant__ ax_cu_big_copy c) {
    const int64_t ds = (int64_t)ax_cu_dtype_size(c.dst_dtype), ss = (int64_t)ax_cu_dtype_size(c.src_dtype);
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < c.size; i += nth) {
        int64_t r = i, off = 0;
        for (int d = c.ndim - 1; d >= 0; d--) {
            int64_t q = r / c.shape[d];
            off += (r - q * c.shape[d]) * c.src_strides[d];
            r = q;
        }
        const char *src = (const char *)c.src + off * ss;
        char *dst = (char *)c.dst + i * ds;
        if (c.dst_dtype != c.src_dtype) ew_convert_one(dst, c.dst_dtype, src, c.src_dtype);
        else if (ds == 1) *(uint8_t *)dst = *(const uint8_t *)src;
        else if (ds == 2) *(uint16_t *)dst = *(const uint16_t *)src;
        else if (ds == 4) *(uint32_t *)dst = *(const uint32_t *)src;
        else *(uint64_t *)dst = *(const uint64_t *)src;
    }
}

extern "C" cudaError_t ax_cu_convert_big(const ax_cu_big_copy *c, cudaStream_t s) {
    if (c->size <= 0) return cudaSuccess;
    ew_k_convert_big<<<ax_cu_blocks(c->size, 1), AX_CU_THREADS, 0, s>>>(*c);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- where

template <typename T> struct ew_where {
    __device__ __forceinline__ T operator()(uint8_t c, T x, T y) const { return c ? x : y; }
};

extern "C" cudaError_t ax_cu_where(const ax_cu_ew *l, cudaStream_t s) {
    int t = l->dtype[0];
    if (l->dtype[1] != AX_CU_BOOL || l->dtype[2] != t || l->dtype[3] != t) return cudaErrorNotSupported;
    switch (ax_cu_dtype_size_host(t)) {
    case 1: return ew_launch<ew_where<uint8_t>, uint8_t, uint8_t, uint8_t, 3>(l, s);
    case 2: return ew_launch<ew_where<uint16_t>, uint16_t, uint8_t, uint16_t, 3>(l, s);
    case 4: return ew_launch<ew_where<uint32_t>, uint32_t, uint8_t, uint32_t, 3>(l, s);
    default: return ew_launch<ew_where<uint64_t>, uint64_t, uint8_t, uint64_t, 3>(l, s);
    }
}

// ---------------------------------------------------------------- fill, eye, tri

template <typename T>
__global__ void __launch_bounds__(AX_CU_THREADS) ew_k_fill(T *dst, int64_t n, T v) {
    constexpr int V = 16 / sizeof(T);
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    int64_t done = 0;
    if ((uintptr_t)dst % 16 == 0) {
        ew_vec<T, V> w;
#pragma unroll
        for (int j = 0; j < V; j++) w.v[j] = v;
        for (int64_t i = tid; i < n / V; i += nth) ew_vstore<T, V>(dst, i, w);
        done = n / V * V;
    }
    for (int64_t i = done + tid; i < n; i += nth) dst[i] = v;
}

template <typename T> static cudaError_t ew_fill_t(void *dst, int64_t n, const void *elem, cudaStream_t s) {
    T v;
    memcpy(&v, elem, sizeof v);
    ew_k_fill<T><<<ax_cu_blocks((n + 16 / (int)sizeof(T) - 1) / (16 / (int)sizeof(T)), 1), AX_CU_THREADS, 0, s>>>(
        (T *)dst, n, v);
    return cudaGetLastError();
}

extern "C" cudaError_t ax_cu_fill(void *dst, int itemsize, int64_t n, const void *elem, cudaStream_t s) {
    if (n <= 0) return cudaSuccess;
    switch (itemsize) {
    case 1: return ew_fill_t<uint8_t>(dst, n, elem, s);
    case 2: return ew_fill_t<uint16_t>(dst, n, elem, s);
    case 4: return ew_fill_t<uint32_t>(dst, n, elem, s);
    case 8: return ew_fill_t<uint64_t>(dst, n, elem, s);
    }
    return cudaErrorNotSupported;
}

template <typename T>
__global__ void __launch_bounds__(AX_CU_THREADS)
    ew_k_diag(T *dst, int64_t n, int64_t m, int64_t k, bool tri, T one) {
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n * m; e += nth) {
        int64_t i = e / m, j = e - i * m; // j - i cannot overflow: both in [0, 2^62)
        bool on = tri ? j - i <= k : j - i == k;
        dst[e] = on ? one : (T)0;
    }
}

template <typename T>
static cudaError_t ew_diag_t(void *dst, int64_t n, int64_t m, int64_t k, bool tri, const void *one,
                             cudaStream_t s) {
    T v;
    memcpy(&v, one, sizeof v);
    ew_k_diag<T><<<ax_cu_blocks(n * m, 4), AX_CU_THREADS, 0, s>>>((T *)dst, n, m, k, tri, v);
    return cudaGetLastError();
}

extern "C" cudaError_t ax_cu_diag(void *dst, int itemsize, int64_t n, int64_t m, int64_t k, bool tri,
                                  const void *one, cudaStream_t s) {
    if (n <= 0 || m <= 0) return cudaSuccess;
    switch (itemsize) {
    case 1: return ew_diag_t<uint8_t>(dst, n, m, k, tri, one, s);
    case 2: return ew_diag_t<uint16_t>(dst, n, m, k, tri, one, s);
    case 4: return ew_diag_t<uint32_t>(dst, n, m, k, tri, one, s);
    case 8: return ew_diag_t<uint64_t>(dst, n, m, k, tri, one, s);
    }
    return cudaErrorNotSupported;
}

// ---------------------------------------------------------------- arange, linspace

// k_arange of the CPU; products and sums rounded separately (no FMA), as
// the CPU's C code computes them.
__global__ void __launch_bounds__(AX_CU_THREADS) ew_k_arange(const ax_cu_arange a) {
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    const int64_t is = (int64_t)ax_cu_dtype_size(a.dtype);
    char *d = (char *)a.dst;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < a.n; i += nth) {
        char *p = d + i * is;
        switch (a.kind) {
        case 0: ew_put_i64(p, a.dtype, (int64_t)((uint64_t)a.i_x0 + (uint64_t)i * a.i_delta)); break;
        case 1: {
            float v = i == 1 ? a.f_x1 : __fadd_rn(a.f_x0, __fmul_rn((float)i, a.f_delta));
            if (a.dtype == AX_CU_FLOAT32) *(float *)p = v;
            else ew_put_f64(p, a.dtype, v);
            break;
        }
        case 2:
            *(double *)p = i == 1 ? a.d_x1 : __dadd_rn(a.d_x0, __dmul_rn((double)i, a.d_delta));
            break;
        default: *(uint8_t *)p = __dadd_rn(a.d_x0, __dmul_rn((double)i, a.d_delta)) != 0; break;
        }
    }
}

extern "C" cudaError_t ax_cu_arange_fill(const ax_cu_arange *a, cudaStream_t s) {
    if (a->n <= 0) return cudaSuccess;
    ew_k_arange<<<ax_cu_blocks(a->n, 4), AX_CU_THREADS, 0, s>>>(*a);
    return cudaGetLastError();
}

__global__ void __launch_bounds__(AX_CU_THREADS)
    ew_k_linspace(char *d, int dtype, int64_t num, double start, double stop, bool endpoint) {
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    const int64_t is = (int64_t)ax_cu_dtype_size(dtype);
    const int64_t div = endpoint ? num - 1 : num;
    const double delta = __dsub_rn(stop, start);
    const double step = div > 0 ? __ddiv_rn(delta, (double)div) : NAN;
    const bool integer = dtype >= AX_CU_INT8 && dtype <= AX_CU_UINT64;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < num; i += nth) {
        double x;
        if (div <= 0) x = __dadd_rn(__dmul_rn((double)i, delta), start);
        else if (step == 0) x = __dadd_rn(__dmul_rn(__ddiv_rn((double)i, (double)div), delta), start);
        else x = __dadd_rn(__dmul_rn((double)i, step), start);
        if (endpoint && num > 1 && i == num - 1) x = stop;
        if (integer) x = floor(x);
        ew_put_f64(d + i * is, dtype, x);
    }
}

extern "C" cudaError_t ax_cu_linspace(void *dst, int dtype, int64_t num, double start, double stop,
                                      bool endpoint, cudaStream_t s) {
    if (num <= 0) return cudaSuccess;
    ew_k_linspace<<<ax_cu_blocks(num, 4), AX_CU_THREADS, 0, s>>>((char *)dst, dtype, num, start, stop,
                                                                 endpoint);
    return cudaGetLastError();
}
