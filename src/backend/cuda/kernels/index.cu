// Index family kernels: strided copies (concatenate, slice_update, the
// input copy of the updating ops), pad, tril/triu, take / take_along_axis,
// gather, and the sort-based scatter (scatter, put_along_axis). Every
// kernel walks its output (or its update list) in row-major order with a
// grid-stride loop; positions use 32-bit arithmetic when they fit.
#include <cub/device/device_radix_sort.cuh>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/index.h"

// ---------------------------------------------------------------- helpers

// Index element at byte address p of integer dtype dt, as the CPU's
// ax__shp_load_index: uint64 above INT64_MAX loads as INT64_MAX.
__device__ __forceinline__ int64_t ix_load_index(const char *p, int dt) {
    switch (dt) {
    case AX_CU_BOOL: return *(const uint8_t *)p ? 1 : 0;
    case AX_CU_INT8: return *(const int8_t *)p;
    case AX_CU_INT16: return *(const int16_t *)p;
    case AX_CU_INT32: return *(const int32_t *)p;
    case AX_CU_INT64: return *(const int64_t *)p;
    case AX_CU_UINT8: return *(const uint8_t *)p;
    case AX_CU_UINT16: return *(const uint16_t *)p;
    case AX_CU_UINT32: return *(const uint32_t *)p;
    case AX_CU_UINT64: {
        uint64_t u = *(const uint64_t *)p;
        return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    }
    }
    return 0;
}

__device__ __forceinline__ int64_t ix_at(const void *base, int64_t off, int dt) {
    return ix_load_index((const char *)base + off * (int64_t)ax_cu_dtype_size(dt), dt);
}

// Launch geometry: 256 threads, about 4 items per thread, grid-stride.
static inline unsigned ix_blocks(int64_t n) { return ax_cu_blocks(n, 4); }

// 32-bit positions are used when every linear index (and the grid stride
// added to it) stays below 2^31.
static inline bool ix_small(int64_t n) { return n < ((int64_t)1 << 31) - (int64_t)65535 * 32 * 256; }

#define IX_LOOP(I, n) \
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < (I)(n); i += (I)gridDim.x * blockDim.x)

// ---------------------------------------------------------------- copy

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_copy(const ax_cu_copy c) {
    T *dst = (T *)c.dst;
    const T *src = (const T *)c.src;
    IX_LOOP(I, c.size) {
        int64_t so = 0, dof = 0;
        I r = i;
        for (int d = c.ndim - 1; d >= 0; d--) {
            I n = (I)c.shape[d], q = r / n, x = r - q * n;
            so += (int64_t)x * c.src_str[d];
            dof += (int64_t)x * c.dst_str[d];
            r = q;
        }
        dst[dof] = src[so];
    }
}

template <typename T>
static void launch_copy(const ax_cu_copy *c, cudaStream_t s) {
    if (ix_small(c->size)) k_copy<T, uint32_t><<<ix_blocks(c->size), AX_CU_THREADS, 0, s>>>(*c);
    else k_copy<T, uint64_t><<<ix_blocks(c->size), AX_CU_THREADS, 0, s>>>(*c);
}

extern "C" cudaError_t ax_cu_index_copy(const ax_cu_copy *c, cudaStream_t stream) {
    if (c->size == 0) return cudaSuccess;
    bool flat = c->ndim == 0 || (c->ndim == 1 && c->dst_str[0] == 1 && c->src_str[0] == 1);
    if (flat) {
        if (c->dst == c->src) return cudaSuccess;
        return cudaMemcpyAsync(c->dst, c->src, (size_t)c->size * (size_t)c->itemsize,
                               cudaMemcpyDeviceToDevice, stream);
    }
    switch (c->itemsize) {
    case 1: launch_copy<uint8_t>(c, stream); break;
    case 2: launch_copy<uint16_t>(c, stream); break;
    case 4: launch_copy<uint32_t>(c, stream); break;
    case 8: launch_copy<uint64_t>(c, stream); break;
    case 16: launch_copy<uint4>(c, stream); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- pad

// The CPU's pad_src: source position of padded position i along an axis of
// size n, -1 for the constant. Reflect repeats with period 2(n-1).
__device__ __forceinline__ int64_t ix_pad_src(int64_t i, int64_t n, int mode) {
    if (i >= 0 && i < n) return i;
    if (mode == 0) return -1;               // AX_PAD_CONSTANT
    if (mode == 1 || n == 1) return i < 0 ? 0 : n - 1; // AX_PAD_EDGE
    int64_t period = 2 * (n - 1), m = i % period;
    if (m < 0) m += period;
    return m >= n ? period - m : m;
}

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_pad(const ax_cu_pad p) {
    T *out = (T *)p.out;
    const T *in = (const T *)p.in;
    T value;
    memcpy(&value, &p.value, sizeof(T));
    IX_LOOP(I, p.size) {
        int64_t so = 0;
        bool inside = true;
        I r = i;
        for (int d = p.ndim - 1; d >= 0; d--) {
            I n = (I)p.oshape[d], q = r / n, x = r - q * n;
            r = q;
            int64_t s = ix_pad_src((int64_t)x - p.lo[d], p.ishape[d], p.mode);
            if (s < 0) {
                inside = false;
                break;
            }
            so += s * p.istr[d];
        }
        out[i] = inside ? in[so] : value;
    }
}

template <typename T>
static void launch_pad(const ax_cu_pad *p, cudaStream_t s) {
    if (ix_small(p->size)) k_pad<T, uint32_t><<<ix_blocks(p->size), AX_CU_THREADS, 0, s>>>(*p);
    else k_pad<T, uint64_t><<<ix_blocks(p->size), AX_CU_THREADS, 0, s>>>(*p);
}

extern "C" cudaError_t ax_cu_index_pad(const ax_cu_pad *p, cudaStream_t stream) {
    if (p->size == 0) return cudaSuccess;
    switch (p->itemsize) {
    case 1: launch_pad<uint8_t>(p, stream); break;
    case 2: launch_pad<uint16_t>(p, stream); break;
    case 4: launch_pad<uint32_t>(p, stream); break;
    case 8: launch_pad<uint64_t>(p, stream); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- tril / triu

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_tri(const ax_cu_tri t) {
    T *out = (T *)t.out;
    const T *in = (const T *)t.in;
    const I m = (I)t.m, n = (I)t.n;
    IX_LOOP(I, t.size) {
        I row = i / m, c = i - row * m, r = row % n;
        int64_t diff = (int64_t)c - (int64_t)r;
        bool keep = t.upper ? diff >= t.k : diff <= t.k;
        T v;
        if (keep) {
            int64_t so = 0;
            I q = i;
            for (int d = t.ndim - 1; d >= 0; d--) {
                I s = (I)t.shape[d], qq = q / s;
                so += (int64_t)(q - qq * s) * t.istr[d];
                q = qq;
            }
            v = in[so];
        } else {
            memset(&v, 0, sizeof v);
        }
        out[i] = v;
    }
}

template <typename T>
static void launch_tri(const ax_cu_tri *t, cudaStream_t s) {
    if (ix_small(t->size)) k_tri<T, uint32_t><<<ix_blocks(t->size), AX_CU_THREADS, 0, s>>>(*t);
    else k_tri<T, uint64_t><<<ix_blocks(t->size), AX_CU_THREADS, 0, s>>>(*t);
}

extern "C" cudaError_t ax_cu_index_tri(const ax_cu_tri *t, cudaStream_t stream) {
    if (t->size == 0) return cudaSuccess;
    switch (t->itemsize) {
    case 1: launch_tri<uint8_t>(t, stream); break;
    case 2: launch_tri<uint16_t>(t, stream); break;
    case 4: launch_tri<uint32_t>(t, stream); break;
    case 8: launch_tri<uint64_t>(t, stream); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- take

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_take(const ax_cu_take t) {
    T *out = (T *)t.out;
    const T *a = (const T *)t.a;
    IX_LOOP(I, t.size) {
        int64_t ao = 0, io = 0;
        I r = i;
        for (int d = t.ndim - 1; d >= 0; d--) {
            I n = (I)t.shape[d], q = r / n, x = r - q * n;
            ao += (int64_t)x * t.astr[d];
            io += (int64_t)x * t.istr[d];
            r = q;
        }
        int64_t v = ix_at(t.idx, io, t.idx_dtype);
        if (v < 0) v += t.n;
        if (v < 0 || v >= t.n) {
            atomicMin(t.bad, (unsigned long long)i);
            continue;
        }
        out[i] = a[ao + v * t.ax_str];
    }
}

template <typename T>
static void launch_take(const ax_cu_take *t, cudaStream_t s) {
    if (ix_small(t->size)) k_take<T, uint32_t><<<ix_blocks(t->size), AX_CU_THREADS, 0, s>>>(*t);
    else k_take<T, uint64_t><<<ix_blocks(t->size), AX_CU_THREADS, 0, s>>>(*t);
}

extern "C" cudaError_t ax_cu_index_take(const ax_cu_take *t, cudaStream_t stream) {
    if (t->size == 0) return cudaSuccess;
    switch (t->itemsize) {
    case 1: launch_take<uint8_t>(t, stream); break;
    case 2: launch_take<uint16_t>(t, stream); break;
    case 4: launch_take<uint32_t>(t, stream); break;
    case 8: launch_take<uint64_t>(t, stream); break;
    case 16: launch_take<uint4>(t, stream); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- gather

// Start offsets of index position b: for each index array i, the offset
// into a (start_i * ax_str[i], summed). False, with the error key lowered
// when report, on the first bad array (the CPU's order: array by array,
// range errors before slice errors).
template <typename I, typename D>
__device__ __forceinline__ bool ix_starts(const D &g, I b, bool report, int64_t *aoff) {
    int64_t io[AX_CU_IDX_MAX_ARRAYS];
#pragma unroll
    for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++) io[k] = 0;
    I r = b;
    for (int d = g.bndim - 1; d >= 0; d--) {
        I n = (I)g.bshape[d], q = r / n, x = r - q * n;
        r = q;
#pragma unroll
        for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++)
            if (k < g.nidx) io[k] += (int64_t)x * g.istr[k][d];
    }
#pragma unroll
    for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++) {
        if (k >= g.nidx) break;
        int64_t n = g.ax_n[k], v = ix_at(g.idx[k], io[k], g.idx_dtype[k]);
        if (v < 0) v += n;
        int kind = (v < 0 || v >= n) ? 0 : v + g.ax_lim[k] > n ? 1 : -1;
        if (kind >= 0) {
            if (report)
                atomicMin(g.bad, (unsigned long long)((2 * k + kind) * g.nb + (int64_t)b));
            return false;
        }
        *aoff += v * g.ax_str[k];
    }
    return true;
}

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_gather(const ax_cu_gather g) {
    T *out = (T *)g.out;
    const T *a = (const T *)g.a;
    const I slice = (I)g.slice;
    IX_LOOP(I, g.size) {
        I b = i / slice, e = i - b * slice;
        int64_t ao = 0;
        I r = e;
        for (int d = g.endim - 1; d >= 0; d--) {
            I n = (I)g.eshape[d], q = r / n;
            ao += (int64_t)(r - q * n) * g.estr[d];
            r = q;
        }
        if (ix_starts<I>(g, b, e == 0, &ao)) out[i] = a[ao];
    }
}

template <typename T>
static void launch_gather(const ax_cu_gather *g, cudaStream_t s) {
    if (ix_small(g->size)) k_gather<T, uint32_t><<<ix_blocks(g->size), AX_CU_THREADS, 0, s>>>(*g);
    else k_gather<T, uint64_t><<<ix_blocks(g->size), AX_CU_THREADS, 0, s>>>(*g);
}

extern "C" cudaError_t ax_cu_index_gather(const ax_cu_gather *g, cudaStream_t stream) {
    if (g->size == 0) return cudaSuccess;
    switch (g->itemsize) {
    case 1: launch_gather<uint8_t>(g, stream); break;
    case 2: launch_gather<uint16_t>(g, stream); break;
    case 4: launch_gather<uint32_t>(g, stream); break;
    case 8: launch_gather<uint64_t>(g, stream); break;
    case 16: launch_gather<uint4>(g, stream); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- scatter

// Combining one update into a target as the CPU's combine_run does, per
// dtype. Signed integers wrap (computed unsigned); float max/min keep a NaN
// target, else take y unless x is larger/smaller (NumPy maximum/minimum as
// the CPU writes them); float16/bfloat16 go through float and round after
// each step with the CPU's own conversions; bool add/max are OR, prod/min
// AND. Products and sums use _rn intrinsics so nvcc cannot fuse them.
enum { IX_ASSIGN = 0, IX_ADD, IX_PROD, IX_MAX, IX_MIN };

template <typename T, typename U>
__device__ __forceinline__ T ix_cmb_int(T x, T y, int mode) {
    switch (mode) {
    case IX_ADD: return (T)((U)x + (U)y);
    case IX_PROD: return (T)((U)x * (U)y);
    case IX_MAX: return y > x ? y : x;
    case IX_MIN: return y < x ? y : x;
    default: return y;
    }
}

__device__ __forceinline__ float ix_cmb_f32(float x, float y, int mode) {
    switch (mode) {
    case IX_ADD: return __fadd_rn(x, y);
    case IX_PROD: return __fmul_rn(x, y);
    case IX_MAX: return (x != x || x > y) ? x : y;
    case IX_MIN: return (x != x || x < y) ? x : y;
    default: return y;
    }
}

__device__ __forceinline__ double ix_cmb_f64(double x, double y, int mode) {
    switch (mode) {
    case IX_ADD: return __dadd_rn(x, y);
    case IX_PROD: return __dmul_rn(x, y);
    case IX_MAX: return (x != x || x > y) ? x : y;
    case IX_MIN: return (x != x || x < y) ? x : y;
    default: return y;
    }
}

// The CPU's ax_f32_to_f16 / ax_f16_to_f32 / ax_f32_to_bf16 (bit-exact,
// NaN payloads included).
__device__ __forceinline__ uint16_t ix_f32_to_f16(float f) {
    uint32_t x = __float_as_uint(f);
    uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) {
        if (ax < 0x33000000u) return (uint16_t)sign;
        uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        int shift = 126 - (int)(ax >> 23);
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);
    return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
}

__device__ __forceinline__ float ix_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
    if (e == 0x1f) x = sign | 0x7f800000u | (m << 13);
    else if (e) x = sign | ((e + 112) << 23) | (m << 13);
    else if (!m) x = sign;
    else {
        float v = (float)m * 0x1p-24f; // exact
        return sign ? -v : v;
    }
    return __uint_as_float(x);
}

__device__ __forceinline__ uint16_t ix_f32_to_bf16(float f) {
    uint32_t x = __float_as_uint(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

__device__ __forceinline__ float ix_bf16_to_f32(uint16_t h) {
    return __uint_as_float((uint32_t)h << 16);
}

template <int DT> struct ix_cmb;
#define IX_CMB(DT, T, EXPR)                                                            \
    template <> struct ix_cmb<DT> {                                                    \
        typedef T type;                                                                \
        static __device__ __forceinline__ T f(T x, T y, int mode) { return EXPR; }     \
    };
IX_CMB(AX_CU_BOOL, uint8_t,
       mode == IX_ASSIGN ? y
       : (mode == IX_ADD || mode == IX_MAX) ? (uint8_t)(x | y)
                                            : (uint8_t)(x & y))
IX_CMB(AX_CU_INT8, int8_t, (ix_cmb_int<int8_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_INT16, int16_t, (ix_cmb_int<int16_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_INT32, int32_t, (ix_cmb_int<int32_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_INT64, int64_t, (ix_cmb_int<int64_t, uint64_t>(x, y, mode)))
IX_CMB(AX_CU_UINT8, uint8_t, (ix_cmb_int<uint8_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_UINT16, uint16_t, (ix_cmb_int<uint16_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_UINT32, uint32_t, (ix_cmb_int<uint32_t, uint32_t>(x, y, mode)))
IX_CMB(AX_CU_UINT64, uint64_t, (ix_cmb_int<uint64_t, uint64_t>(x, y, mode)))
IX_CMB(AX_CU_FLOAT32, float, ix_cmb_f32(x, y, mode))
IX_CMB(AX_CU_FLOAT64, double, ix_cmb_f64(x, y, mode))
IX_CMB(AX_CU_FLOAT16, uint16_t,
       mode == IX_ASSIGN ? y : ix_f32_to_f16(ix_cmb_f32(ix_f16_to_f32(x), ix_f16_to_f32(y), mode)))
IX_CMB(AX_CU_BFLOAT16, uint16_t,
       mode == IX_ASSIGN ? y
                         : ix_f32_to_bf16(ix_cmb_f32(ix_bf16_to_f32(x), ix_bf16_to_f32(y), mode)))
IX_CMB(AX_CU_COMPLEX64, float2,
       mode == IX_ADD ? make_float2(__fadd_rn(x.x, y.x), __fadd_rn(x.y, y.y))
       : mode == IX_PROD
           ? make_float2(__fsub_rn(__fmul_rn(x.x, y.x), __fmul_rn(x.y, y.y)),
                         __fadd_rn(__fmul_rn(x.x, y.y), __fmul_rn(x.y, y.x)))
           : y)
#undef IX_CMB

// Update i of s: its target offset in out and its offset in u; false for a
// bad update (the error key lowered when report).
template <typename I>
__device__ __forceinline__ bool ix_target(const ax_cu_scatter &s, I i, bool report, int64_t *oo,
                                          int64_t *uo) {
    int64_t o = 0, u = 0, io[AX_CU_IDX_MAX_ARRAYS];
#pragma unroll
    for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++) io[k] = 0;
    I r = i;
    for (int d = s.ndim - 1; d >= 0; d--) {
        I n = (I)s.shape[d], q = r / n, x = r - q * n;
        r = q;
        o += (int64_t)x * s.ostr[d];
        u += (int64_t)x * s.ustr[d];
#pragma unroll
        for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++)
            if (k < s.nidx) io[k] += (int64_t)x * s.istr[k][d];
    }
    *uo = u;
#pragma unroll
    for (int k = 0; k < AX_CU_IDX_MAX_ARRAYS; k++) {
        if (k >= s.nidx) break;
        int64_t n = s.ax_n[k], v = ix_at(s.idx[k], io[k], s.idx_dtype[k]);
        if (v < 0) v += n;
        int kind = (v < 0 || v >= n) ? 0 : v + s.ax_lim[k] > n ? 1 : -1;
        if (kind >= 0) {
            const I slice = (I)s.slice;
            I b = i / slice;
            if (report && i - b * slice == 0)
                atomicMin(s.bad, (unsigned long long)((2 * k + kind) * s.nb + (int64_t)b));
            return false;
        }
        o += v * s.ax_str[k];
    }
    *oo = o;
    return true;
}

// Keys: target offset in out (row-major), or out_size for a bad update;
// values: the update's offset in u. Generated in update order, so the
// stable radix sort keeps each target's updates in the CPU's order.
template <typename K, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS)
    k_scatter_keys(const ax_cu_scatter s, K *keys, int64_t *vals) {
    IX_LOOP(I, s.n) {
        int64_t oo, uo;
        bool ok = ix_target<I>(s, i, true, &oo, &uo);
        keys[i] = ok ? (K)oo : (K)s.out_size;
        vals[i] = uo;
    }
}

// Integer add/max/min (32- and 64-bit): one atomic per update. Wrapping
// addition, max and min are associative and commutative, so the result is
// the CPU's whatever the order.
__device__ __forceinline__ void ix_atomic(int32_t *p, int32_t v, int mode) {
    if (mode == IX_ADD) atomicAdd((unsigned *)p, (unsigned)v);
    else if (mode == IX_MAX) atomicMax((int *)p, (int)v);
    else atomicMin((int *)p, (int)v);
}
__device__ __forceinline__ void ix_atomic(uint32_t *p, uint32_t v, int mode) {
    if (mode == IX_ADD) atomicAdd((unsigned *)p, (unsigned)v);
    else if (mode == IX_MAX) atomicMax((unsigned *)p, (unsigned)v);
    else atomicMin((unsigned *)p, (unsigned)v);
}
__device__ __forceinline__ void ix_atomic(int64_t *p, int64_t v, int mode) {
    if (mode == IX_ADD) atomicAdd((unsigned long long *)p, (unsigned long long)v);
    else if (mode == IX_MAX) atomicMax((long long *)p, (long long)v);
    else atomicMin((long long *)p, (long long)v);
}
__device__ __forceinline__ void ix_atomic(uint64_t *p, uint64_t v, int mode) {
    if (mode == IX_ADD) atomicAdd((unsigned long long *)p, (unsigned long long)v);
    else if (mode == IX_MAX) atomicMax((unsigned long long *)p, (unsigned long long)v);
    else atomicMin((unsigned long long *)p, (unsigned long long)v);
}

template <typename T, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_scatter_atomic(const ax_cu_scatter s) {
    T *out = (T *)s.out;
    const T *u = (const T *)s.u;
    IX_LOOP(I, s.n) {
        int64_t oo, uo;
        if (ix_target<I>(s, i, true, &oo, &uo)) ix_atomic(out + oo, u[uo], s.mode);
    }
}

// Assign, last writer wins: every target keeps the largest update number
// (+1) aimed at it, then only that update writes.
template <typename W, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS) k_scatter_mark(const ax_cu_scatter s, W *win) {
    IX_LOOP(I, s.n) {
        int64_t oo, uo;
        if (ix_target<I>(s, i, true, &oo, &uo)) atomicMax(win + oo, (W)i + 1);
    }
}

template <typename T, typename W, typename I>
__global__ void __launch_bounds__(AX_CU_THREADS)
    k_scatter_write(const ax_cu_scatter s, const W *win) {
    T *out = (T *)s.out;
    const T *u = (const T *)s.u;
    IX_LOOP(I, s.n) {
        int64_t oo, uo;
        if (ix_target<I>(s, i, false, &oo, &uo) && win[oo] == (W)i + 1) out[oo] = u[uo];
    }
}

#define IX_FOLD_UNROLL 8

// One thread per run of equal keys (found at the run's first element):
// fold the run's updates into the target in order.
template <typename K, int DT>
__global__ void __launch_bounds__(AX_CU_THREADS)
    k_scatter_fold(const K *keys, const int64_t *vals, int64_t n, K sentinel, void *outp,
                   const void *up, int mode) {
    typedef typename ix_cmb<DT>::type T;
    T *out = (T *)outp;
    const T *u = (const T *)up;
    IX_LOOP(int64_t, n) {
        K key = keys[i];
        if (key == sentinel || (i > 0 && keys[i - 1] == key)) continue;
        int64_t j = i;
        if (mode == IX_ASSIGN) {
            while (j + 1 < n && keys[j + 1] == key) j++;
            out[key] = u[vals[j]];
        } else {
            // The fold is sequential (the CPU's rounding order); the loads
            // of a run go IX_FOLD_UNROLL at a time so their latencies overlap.
            T acc = out[key];
            for (bool more = true; more; j += IX_FOLD_UNROLL) {
                bool in[IX_FOLD_UNROLL];
                T v[IX_FOLD_UNROLL];
#pragma unroll
                for (int q = 0; q < IX_FOLD_UNROLL; q++) in[q] = j + q < n && keys[j + q] == key;
#pragma unroll
                for (int q = 0; q < IX_FOLD_UNROLL; q++) {
                    memset(&v[q], 0, sizeof(T));
                    if (in[q]) v[q] = u[vals[j + q]];
                }
#pragma unroll
                for (int q = 0; q < IX_FOLD_UNROLL; q++) {
                    if (in[q]) acc = ix_cmb<DT>::f(acc, v[q], mode); // in[] is a prefix: keys are sorted
                    else more = false;
                }
            }
            out[key] = acc;
        }
    }
}

static int ix_end_bit(int64_t v) {
    int b = 0;
    while (b < 64 && ((uint64_t)v >> b) != 0) b++;
    return b > 0 ? b : 1;
}

static inline size_t ix_align(size_t x) { return (x + 255) & ~(size_t)255; }

// Workspace: keys[2][n], vals[2][n], then cub's temporary storage.
template <typename K>
static size_t scatter_bytes(const ax_cu_scatter *s, size_t *temp) {
    cub::DoubleBuffer<K> kb(NULL, NULL);
    cub::DoubleBuffer<int64_t> vb(NULL, NULL);
    *temp = 0;
    if (cub::DeviceRadixSort::SortPairs(NULL, *temp, kb, vb, s->n, 0, ix_end_bit(s->out_size)) !=
        cudaSuccess)
        return 0;
    return 2 * ix_align((size_t)s->n * sizeof(K)) + 2 * ix_align((size_t)s->n * 8) + *temp;
}

static bool ix_key64(const ax_cu_scatter *s) { return s->out_size >= (int64_t)UINT32_MAX; }

// How a scatter runs: atomics (32/64-bit integer add, max, min), a winner
// array (assign, when out is not much larger than the update list), or
// the sort (everything else: floats, products, small integers).
enum { IX_BY_SORT, IX_BY_ATOMIC, IX_BY_WINNER };

static int ix_strategy(const ax_cu_scatter *s) {
    bool int3264 = s->dtype == AX_CU_INT32 || s->dtype == AX_CU_UINT32 ||
                   s->dtype == AX_CU_INT64 || s->dtype == AX_CU_UINT64;
    if (int3264 && (s->mode == IX_ADD || s->mode == IX_MAX || s->mode == IX_MIN)) return IX_BY_ATOMIC;
    if (s->mode == IX_ASSIGN && s->out_size / 16 <= s->n) return IX_BY_WINNER;
    return IX_BY_SORT;
}

static bool ix_win64(const ax_cu_scatter *s) { return s->n >= (int64_t)UINT32_MAX - 1; }

extern "C" size_t ax_cu_index_scatter_workspace(const ax_cu_scatter *s) {
    size_t temp;
    switch (ix_strategy(s)) {
    case IX_BY_ATOMIC: return 256;
    case IX_BY_WINNER: return ix_align((size_t)s->out_size * (ix_win64(s) ? 8 : 4));
    default: return ix_key64(s) ? scatter_bytes<uint64_t>(s, &temp) : scatter_bytes<uint32_t>(s, &temp);
    }
}

template <typename T, typename I>
static void launch_atomic(const ax_cu_scatter *s, cudaStream_t stream) {
    k_scatter_atomic<T, I><<<ix_blocks(s->n), AX_CU_THREADS, 0, stream>>>(*s);
}

template <typename T, typename I, typename W>
static void launch_winner(const ax_cu_scatter *s, W *win, cudaStream_t stream) {
    k_scatter_mark<W, I><<<ix_blocks(s->n), AX_CU_THREADS, 0, stream>>>(*s, win);
    k_scatter_write<T, W, I><<<ix_blocks(s->n), AX_CU_THREADS, 0, stream>>>(*s, win);
}

template <typename I>
static cudaError_t run_direct(const ax_cu_scatter *s, void *work, size_t work_bytes,
                              cudaStream_t stream) {
    if (ix_strategy(s) == IX_BY_ATOMIC) {
        switch (s->dtype) {
        case AX_CU_INT32: launch_atomic<int32_t, I>(s, stream); break;
        case AX_CU_UINT32: launch_atomic<uint32_t, I>(s, stream); break;
        case AX_CU_INT64: launch_atomic<int64_t, I>(s, stream); break;
        case AX_CU_UINT64: launch_atomic<uint64_t, I>(s, stream); break;
        default: return cudaErrorInvalidValue;
        }
        return cudaGetLastError();
    }
    bool w64 = ix_win64(s);
    size_t wbytes = (size_t)s->out_size * (w64 ? 8 : 4);
    if (work_bytes < wbytes) return cudaErrorInvalidValue;
    cudaError_t err = cudaMemsetAsync(work, 0, wbytes, stream);
    if (err != cudaSuccess) return err;
    int is = s->dtype == AX_CU_BOOL || s->dtype == AX_CU_INT8 || s->dtype == AX_CU_UINT8 ? 1
             : s->dtype == AX_CU_INT16 || s->dtype == AX_CU_UINT16 || s->dtype == AX_CU_FLOAT16 ||
                     s->dtype == AX_CU_BFLOAT16
                 ? 2
             : s->dtype == AX_CU_INT32 || s->dtype == AX_CU_UINT32 || s->dtype == AX_CU_FLOAT32 ? 4
                                                                                              : 8;
    if (w64) {
        unsigned long long *win = (unsigned long long *)work;
        switch (is) {
        case 1: launch_winner<uint8_t, I>(s, win, stream); break;
        case 2: launch_winner<uint16_t, I>(s, win, stream); break;
        case 4: launch_winner<uint32_t, I>(s, win, stream); break;
        default: launch_winner<uint64_t, I>(s, win, stream); break;
        }
    } else {
        unsigned *win = (unsigned *)work;
        switch (is) {
        case 1: launch_winner<uint8_t, I>(s, win, stream); break;
        case 2: launch_winner<uint16_t, I>(s, win, stream); break;
        case 4: launch_winner<uint32_t, I>(s, win, stream); break;
        default: launch_winner<uint64_t, I>(s, win, stream); break;
        }
    }
    return cudaGetLastError();
}

template <typename K>
static cudaError_t run_scatter(const ax_cu_scatter *s, char *work, size_t work_bytes,
                               cudaStream_t stream) {
    size_t temp;
    size_t need = scatter_bytes<K>(s, &temp);
    if (need == 0 || need > work_bytes) return cudaErrorInvalidValue;
    size_t kbytes = ix_align((size_t)s->n * sizeof(K)), vbytes = ix_align((size_t)s->n * 8);
    K *k0 = (K *)work, *k1 = (K *)(work + kbytes);
    int64_t *v0 = (int64_t *)(work + 2 * kbytes), *v1 = (int64_t *)(work + 2 * kbytes + vbytes);
    void *tmp = work + 2 * kbytes + 2 * vbytes;
    unsigned blocks = ix_blocks(s->n);
    if (ix_small(s->n)) k_scatter_keys<K, uint32_t><<<blocks, AX_CU_THREADS, 0, stream>>>(*s, k0, v0);
    else k_scatter_keys<K, uint64_t><<<blocks, AX_CU_THREADS, 0, stream>>>(*s, k0, v0);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) return err;
    cub::DoubleBuffer<K> kb(k0, k1);
    cub::DoubleBuffer<int64_t> vb(v0, v1);
    err = cub::DeviceRadixSort::SortPairs(tmp, temp, kb, vb, s->n, 0, ix_end_bit(s->out_size),
                                          stream);
    if (err != cudaSuccess) return err;
    const K *keys = kb.Current();
    const int64_t *vals = vb.Current();
    K sentinel = (K)s->out_size;
    switch (s->dtype) {
#define FOLD(DT)                                                                                  \
    case DT:                                                                                      \
        k_scatter_fold<K, DT><<<blocks, AX_CU_THREADS, 0, stream>>>(keys, vals, s->n, sentinel,   \
                                                                    s->out, s->u, s->mode);       \
        break;
        FOLD(AX_CU_BOOL)
        FOLD(AX_CU_INT8)
        FOLD(AX_CU_INT16)
        FOLD(AX_CU_INT32)
        FOLD(AX_CU_INT64)
        FOLD(AX_CU_UINT8)
        FOLD(AX_CU_UINT16)
        FOLD(AX_CU_UINT32)
        FOLD(AX_CU_UINT64)
        FOLD(AX_CU_FLOAT16)
        FOLD(AX_CU_BFLOAT16)
        FOLD(AX_CU_FLOAT32)
        FOLD(AX_CU_FLOAT64)
        FOLD(AX_CU_COMPLEX64)
#undef FOLD
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

extern "C" cudaError_t ax_cu_index_scatter(const ax_cu_scatter *s, void *work, size_t work_bytes,
                                           cudaStream_t stream) {
    if (s->n == 0) return cudaSuccess;
    if (ix_strategy(s) != IX_BY_SORT)
        return ix_small(s->n) ? run_direct<uint32_t>(s, work, work_bytes, stream)
                              : run_direct<uint64_t>(s, work, work_bytes, stream);
    return ix_key64(s) ? run_scatter<uint64_t>(s, (char *)work, work_bytes, stream)
                       : run_scatter<uint32_t>(s, (char *)work, work_bytes, stream);
}
