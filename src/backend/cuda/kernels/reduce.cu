// Reductions, logsumexp and softmax over a dense (outer, R, inner) input,
// plus strided gather/scatter copies (see reduce.h).
//
// Semantics follow the CPU kernels (src/backend/cpu/reduce.c, reduce_fast.c):
//  - float sums and products accumulate in double (every float dtype, and
//    both parts of complex64), the result rounded once to the output dtype; integer sums/products wrap
//    modulo 2^64, then the output's width (done in uint64);
//  - max/min propagate NaN (the first NaN met, or any NaN: its payload is not
//    specified); for ties of +0 and -0 which zero comes out is unspecified
//    (as on the CPU's vector path);
//  - argmax/argmin give the first index of the best value, a NaN being best;
//  - logsumexp: max m, then m + log(sum exp(x - m)); non-finite m is the
//    answer itself (all -inf: -inf; +inf: +inf; NaN: NaN); exp is expf for
//    float16/bfloat16/float32 (the CPU's float exp) with double sums;
//  - softmax: y = exp(x - m) * (1 / sum exp(x - m)), float math for the
//    16/32-bit floats (double for float64); rows whose max is not finite
//    come out all NaN, as on the CPU. Rows held on chip (k_softmax_tma,
//    k_softmax_row) take exp(x - m_w) against their warp's max m_w and
//    rescale by exp(m_w - m) (one exp per element): equal up to float rounding.
// Determinism: every tree has a fixed shape given the input shape (no
// atomics), so results repeat run to run.
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <type_traits>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/reduce.h"
#include "backend/cuda/kernels/reduce_common.cuh"

namespace {
using namespace axr;

#define MAX_GRID (1LL << 20) // blocks per launch; kernels loop over the rest

__device__ __forceinline__ float exp_of(float x) { return expf(x); }
__device__ __forceinline__ double exp_of(double x) { return exp(x); }

// NaN-propagating max (a earlier): a unless b is bigger or NaN (a NaN stays).
template <typename V> __device__ __forceinline__ V max_nan(V a, V b) {
    return (a != a || !(b > a || b != b)) ? a : b;
}

// ---------------------------------------------------------------- stores

__device__ __forceinline__ void store_f(void *y, int odt, long long k, double v) {
    switch (odt) {
    case AX_CU_FLOAT16: ((__half *)y)[k] = __double2half(v); break;
    case AX_CU_BFLOAT16: ((__nv_bfloat16 *)y)[k] = __double2bfloat16(v); break;
    case AX_CU_FLOAT32: ((float *)y)[k] = (float)v; break;
    default: ((double *)y)[k] = v; break;
    }
}

// Integer outputs: the low bits of v (wrapping, as the CPU's stores).
__device__ __forceinline__ void store_u(void *y, int odt, long long k, unsigned long long v) {
    switch (odt) {
    case AX_CU_BOOL: ((uint8_t *)y)[k] = v != 0; break;
    case AX_CU_INT8: case AX_CU_UINT8: ((uint8_t *)y)[k] = (uint8_t)v; break;
    case AX_CU_INT16: case AX_CU_UINT16: ((uint16_t *)y)[k] = (uint16_t)v; break;
    case AX_CU_INT32: case AX_CU_UINT32: ((uint32_t *)y)[k] = (uint32_t)v; break;
    default: ((unsigned long long *)y)[k] = v; break;
    }
}

// ---------------------------------------------------------------- op policies

// Each policy: S (state), ident(), fold(s, x, i) with i the element's index
// in [0, R), merge(a, b) (a's elements before b's where order matters; every
// merge here is also correct when it does not: argmax compares indices),
// store(y, odt, k, s).
template <typename T, int OP> struct Op;

template <typename T> struct SumProdBase {
    static const bool F = Tr<T>::fl;
    typedef typename std::conditional<F, double, unsigned long long>::type S;
    static __device__ __forceinline__ S conv(T x) {
        if constexpr (F) return (double)Tr<T>::val(x);
        else return (unsigned long long)(long long)x;
    }
    static __device__ __forceinline__ void store(void *y, int odt, long long k, S s) {
        if constexpr (F) store_f(y, odt, k, s);
        else store_u(y, odt, k, s);
    }
};

template <typename T> struct Op<T, AX_CU_R_SUM> : SumProdBase<T> {
    typedef SumProdBase<T> B;
    typedef typename B::S S;
    static __device__ __forceinline__ S ident() { return (S)0; }
    static __device__ __forceinline__ S fold(S s, T x, long long) { return s + B::conv(x); }
    static __device__ __forceinline__ S merge(S a, S b) { return a + b; }
};

template <typename T> struct Op<T, AX_CU_R_PROD> : SumProdBase<T> {
    typedef SumProdBase<T> B;
    typedef typename B::S S;
    static __device__ __forceinline__ S ident() { return (S)1; }
    static __device__ __forceinline__ S fold(S s, T x, long long) { return s * B::conv(x); }
    static __device__ __forceinline__ S merge(S a, S b) { return a * b; }
};

template <typename T, bool MAX> struct MaxMin {
    typedef typename Tr<T>::V S;
    static __device__ __forceinline__ S ident() { return MAX ? lowest_of<S>() : highest_of<S>(); }
    static __device__ __forceinline__ S merge(S a, S b) {
        bool take = MAX ? b > a : b < a;
        return (a != a || !(take || b != b)) ? a : b;
    }
    static __device__ __forceinline__ S fold(S s, T x, long long) { return merge(s, Tr<T>::val(x)); }
    static __device__ __forceinline__ void store(void *y, int odt, long long k, S s) {
        if constexpr (Tr<T>::fl) store_f(y, odt, k, (double)s);
        else store_u(y, odt, k, (unsigned long long)(long long)s);
    }
};
template <typename T> struct Op<T, AX_CU_R_MAX> : MaxMin<T, true> {};
template <typename T> struct Op<T, AX_CU_R_MIN> : MaxMin<T, false> {};

template <typename T, bool ALL> struct AllAny {
    typedef int S;
    static __device__ __forceinline__ S ident() { return ALL ? 1 : 0; }
    static __device__ __forceinline__ S merge(S a, S b) { return ALL ? (a & b) : (a | b); }
    // NaN counts as true; -0 as false.
    static __device__ __forceinline__ S fold(S s, T x, long long) {
        return merge(s, Tr<T>::val(x) != 0 ? 1 : 0);
    }
    static __device__ __forceinline__ void store(void *y, int, long long k, S s) {
        ((uint8_t *)y)[k] = (uint8_t)s;
    }
};
template <typename T> struct Op<T, AX_CU_R_ALL> : AllAny<T, true> {};
template <typename T> struct Op<T, AX_CU_R_ANY> : AllAny<T, false> {};

template <typename V> struct ArgSt {
    V v;
    long long i; // -1: no element yet
};
template <typename T, bool MAX> struct ArgBest {
    typedef typename Tr<T>::V V;
    typedef ArgSt<V> S;
    static __device__ __forceinline__ S ident() {
        S s;
        s.v = (V)0;
        s.i = -1;
        return s;
    }
    // The better of two candidates: a NaN beats numbers, a bigger (smaller)
    // value beats a smaller (bigger) one, and equal ones go by lower index.
    static __device__ __forceinline__ S merge(S a, S b) {
        if (a.i < 0) return b;
        if (b.i < 0) return a;
        bool an = a.v != a.v, bn = b.v != b.v;
        if (an || bn) return an && bn ? (a.i < b.i ? a : b) : (an ? a : b);
        if (MAX ? b.v > a.v : b.v < a.v) return b;
        if (MAX ? a.v > b.v : a.v < b.v) return a;
        return a.i < b.i ? a : b;
    }
    static __device__ __forceinline__ S fold(S s, T x, long long i) {
        S e;
        e.v = Tr<T>::val(x);
        e.i = i;
        return merge(s, e);
    }
    static __device__ __forceinline__ void store(void *y, int, long long k, S s) {
        ((long long *)y)[k] = s.i;
    }
};
template <typename T> struct Op<T, AX_CU_R_ARGMAX> : ArgBest<T, true> {};
template <typename T> struct Op<T, AX_CU_R_ARGMIN> : ArgBest<T, false> {};

// complex64: sums and products in double, all/any on "re or im nonzero".
template <bool SUM> struct CplxSumProd {
    typedef cd S;
    static __device__ __forceinline__ S ident() {
        S s;
        s.re = SUM ? 0.0 : 1.0;
        s.im = 0;
        return s;
    }
    static __device__ __forceinline__ S merge(S a, S b) { return SUM ? cd_add(a, b) : cd_mul(a, b); }
    static __device__ __forceinline__ S fold(S s, c64 x, long long) { return merge(s, cd_of(x)); }
    static __device__ __forceinline__ void store(void *y, int, long long k, S s) { ((c64 *)y)[k] = c64_of(s); }
};
template <> struct Op<c64, AX_CU_R_SUM> : CplxSumProd<true> {};
template <> struct Op<c64, AX_CU_R_PROD> : CplxSumProd<false> {};
template <bool ALL> struct CplxAllAny {
    typedef int S;
    static __device__ __forceinline__ S ident() { return ALL ? 1 : 0; }
    static __device__ __forceinline__ S merge(S a, S b) { return ALL ? (a & b) : (a | b); }
    static __device__ __forceinline__ S fold(S s, c64 x, long long) {
        return merge(s, x.re != 0 || x.im != 0 ? 1 : 0);
    }
    static __device__ __forceinline__ void store(void *y, int, long long k, S s) {
        ((uint8_t *)y)[k] = (uint8_t)s;
    }
};
template <> struct Op<c64, AX_CU_R_ALL> : CplxAllAny<true> {};
template <> struct Op<c64, AX_CU_R_ANY> : CplxAllAny<false> {};

// logsumexp state: m = max so far (NaN sticky, +inf sticky), s = sum of
// exp(x - m) over the elements (meaningful only while m is finite).
template <typename M> struct LseSt {
    M m;
    double s;
};
template <typename T> struct Op<T, AX_CU_R_LSE> {
    typedef typename Tr<T>::V M; // floating inputs only
    typedef LseSt<M> S;
    static __device__ __forceinline__ S ident() {
        S s;
        s.m = -INFINITY;
        s.s = 0;
        return s;
    }
    static __device__ __forceinline__ S fold(S s, T x, long long) {
        M v = Tr<T>::val(x);
        if (v != v || s.m != s.m) {
            if (s.m == s.m) s.m = v;
        } else if (v > s.m) {
            if (isinf(v)) s.s = 0;
            else s.s = s.s * (double)exp_of(s.m - v) + 1.0; // s.m = -inf: s.s is 0
            s.m = v;
        } else if (v != -INFINITY && s.m != INFINITY) {
            s.s += (double)exp_of(v - s.m);
        }
        return s;
    }
    static __device__ __forceinline__ S merge(S a, S b) {
        if (a.m != a.m) return a;
        if (b.m != b.m) return b;
        S r;
        r.m = a.m > b.m ? a.m : b.m;
        r.s = 0;
        if (isinf(r.m)) return r;
        if (a.m != -INFINITY) r.s += a.s * (double)exp_of(a.m - r.m);
        if (b.m != -INFINITY) r.s += b.s * (double)exp_of(b.m - r.m);
        return r;
    }
    static __device__ __forceinline__ void store(void *y, int odt, long long k, S s) {
        double r = isfinite(s.m) ? (double)s.m + log(s.s) : (double)s.m;
        store_f(y, odt, k, r);
    }
};

// ---------------------------------------------------------------- group reductions

// Fixed-order tree over a full warp; the result is in lane 0.
template <class P, typename S> __device__ __forceinline__ S warp_reduce(S v) {
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) v = P::merge(v, shfl_down_any(v, d));
    return v;
}

// Over the whole block (blockDim a multiple of 32, at most 1024); every
// thread gets the result. Ends with a barrier, so it may be called again.
template <class P, typename S> __device__ __forceinline__ S block_reduce_all(S v) {
    __shared__ __align__(16) unsigned char raw[33 * sizeof(S)];
    S *sh = (S *)raw;
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_reduce<P>(v);
    if (lane == 0) sh[w] = v;
    __syncthreads();
    if (w == 0) {
        S t = lane < nw ? sh[lane] : P::ident();
        t = warp_reduce<P>(t);
        if (lane == 0) sh[32] = t;
    }
    __syncthreads();
    v = sh[32];
    __syncthreads();
    return v;
}

// 16-byte vector of T.
template <typename T> struct __align__(16) Vec {
    T v[16 / sizeof(T)];
};

// Make the compiler forget what v holds (an empty asm that "changes" its
// words), so values derived from it are recomputed, not kept live in
// registers across a block reduction.
template <typename T> __device__ __forceinline__ void launder(Vec<T> &v) {
    union U {
        Vec<T> v;
        unsigned w[4];
    } u;
    u.v = v;
#pragma unroll
    for (int i = 0; i < 4; i++) asm volatile("" : "+r"(u.w[i]));
    v = u.v;
}

// ---------------------------------------------------------------- reduction kernels

// Rows of at most a few hundred elements: a group of g lanes (4, 8, 16 or
// 32) per row, 32 / g rows per warp; with g = 32, 16-byte loads when every
// row starts on a 16-byte boundary (vec).
template <typename T, int OP>
__global__ void __launch_bounds__(256) k_rows_warp(const T *__restrict__ x, void *y, int odt,
                                                    long long outer, long long R, int g, bool vec) {
    typedef Op<T, OP> P;
    typedef typename P::S S;
    const int VEC = 16 / sizeof(T);
    int lane = threadIdx.x & 31, gl = lane & (g - 1), rpw = 32 / g;
    long long warps = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long first = ((long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5)) * rpw; first < outer;
         first += warps * rpw) { // uniform over the warp: every lane shuffles
        long long row = first + lane / g;
        S acc = P::ident();
        if (row < outer) {
            const T *xr = x + row * R;
            long long i = gl;
            if (vec) { // g == 32
                const Vec<T> *xv = (const Vec<T> *)xr;
                for (long long v = gl; v < R / VEC; v += 32) {
                    Vec<T> q = xv[v];
#pragma unroll
                    for (int e = 0; e < VEC; e++) acc = P::fold(acc, q.v[e], v * VEC + e);
                }
                i = R / VEC * VEC + gl;
            }
            for (; i < R; i += g) acc = P::fold(acc, xr[i], i);
        }
        // Fixed-order tree within each group; lanes past a group's end read
        // the next group's values, which only they (not the leader) combine.
        for (int d = g >> 1; d > 0; d >>= 1) acc = P::merge(acc, shfl_down_any(acc, d));
        if (gl == 0 && row < outer) P::store(y, odt, row, acc);
    }
}

// Long rows: block b reduces segment (b % nseg) of row (b / nseg), elements
// [sg * L, min(R, sg * L + L)), with 16-byte loads where aligned. One
// segment per row: the result is stored; otherwise the partial goes to part.
template <typename T, int OP>
__global__ void __launch_bounds__(512) k_rows_block(const T *__restrict__ x, void *y, int odt,
                                                     typename Op<T, OP>::S *part, long long outer,
                                                     long long R, long long L, long long nseg) {
    typedef Op<T, OP> P;
    typedef typename P::S S;
    const int VEC = 16 / sizeof(T);
    const long long bd = blockDim.x;
    for (long long b = blockIdx.x; b < outer * nseg; b += gridDim.x) {
        long long o = b / nseg, r0 = (b % nseg) * L;
        long long n = R - r0 < L ? R - r0 : L;
        const T *p = x + o * R + r0;
        S acc = P::ident();
        long long head = (long long)(((16 - ((uintptr_t)p & 15)) & 15) / sizeof(T));
        if (head > n) head = n;
        if (threadIdx.x < head) acc = P::fold(acc, p[threadIdx.x], r0 + threadIdx.x);
        long long nv = (n - head) / VEC;
        const Vec<T> *pv = (const Vec<T> *)(p + head);
        long long base = r0 + head, v = threadIdx.x;
        for (; v + 3 * bd < nv; v += 4 * bd) { // four loads in flight per thread
            Vec<T> q[4];
#pragma unroll
            for (int u = 0; u < 4; u++) q[u] = pv[v + u * bd];
#pragma unroll
            for (int u = 0; u < 4; u++)
#pragma unroll
                for (int e = 0; e < VEC; e++) acc = P::fold(acc, q[u].v[e], base + (v + u * bd) * VEC + e);
        }
        for (; v < nv; v += bd) {
            Vec<T> q = pv[v];
#pragma unroll
            for (int e = 0; e < VEC; e++) acc = P::fold(acc, q.v[e], base + v * VEC + e);
        }
        for (long long i = head + nv * VEC + threadIdx.x; i < n; i += bd) acc = P::fold(acc, p[i], r0 + i);
        acc = block_reduce_all<P>(acc);
        if (threadIdx.x == 0) {
            if (nseg == 1) P::store(y, odt, o, acc);
            else part[b] = acc;
        }
    }
}

// The nseg partials of each row, in a fixed tree: one block per row.
template <typename T, int OP>
__global__ void __launch_bounds__(256) k_rows_combine(const typename Op<T, OP>::S *part, void *y,
                                                       int odt, long long outer, long long nseg) {
    typedef Op<T, OP> P;
    typedef typename P::S S;
    for (long long o = blockIdx.x; o < outer; o += gridDim.x) {
        S acc = P::ident();
        for (long long s = threadIdx.x; s < nseg; s += blockDim.x) acc = P::merge(acc, part[o * nseg + s]);
        acc = block_reduce_all<P>(acc);
        if (threadIdx.x == 0) P::store(y, odt, o, acc);
    }
}

// Columns (inner > 1): a block of 256 threads is cw columns by ch (a power
// of two) row lanes; it covers columns [jb * cw, +cw) of outer index o and
// rows [sg * L, +L): lane ty walks rows ty, ty + ch, ... so that consecutive
// threads read consecutive addresses. Row lanes merge in a fixed tree.
template <typename T, int OP>
__global__ void __launch_bounds__(256) k_cols(const T *__restrict__ x, void *y, int odt,
                                               typename Op<T, OP>::S *part, long long outer,
                                               long long R, long long inner, int cw, int ch,
                                               long long njb, long long L, long long nseg) {
    typedef Op<T, OP> P;
    typedef typename P::S S;
    __shared__ __align__(16) unsigned char raw[256 * sizeof(S)];
    S *sh = (S *)raw;
    int tx = threadIdx.x % cw, ty = threadIdx.x / cw;
    bool lane_on = ty < ch;
    long long nb = outer * njb * nseg;
    for (long long b = blockIdx.x; b < nb; b += gridDim.x) {
        long long sg = b % nseg, t = b / nseg, jb = t % njb, o = t / njb;
        long long j = jb * cw + tx, r0 = sg * L, r1 = R - r0 < L ? R : r0 + L;
        S acc = P::ident();
        if (lane_on && j < inner) {
            const T *xc = x + o * R * inner + j;
            long long r = r0 + ty;
            for (; r + 3 * ch < r1; r += 4 * ch) { // four loads in flight
                T q[4];
#pragma unroll
                for (int u = 0; u < 4; u++) q[u] = xc[(r + u * ch) * inner];
#pragma unroll
                for (int u = 0; u < 4; u++) acc = P::fold(acc, q[u], r + u * ch);
            }
            for (; r < r1; r += ch) acc = P::fold(acc, xc[r * inner], r);
        }
        if (lane_on) sh[ty * cw + tx] = acc;
        __syncthreads();
        for (int h = ch >> 1; h > 0; h >>= 1) {
            if (ty < h) sh[ty * cw + tx] = P::merge(sh[ty * cw + tx], sh[(ty + h) * cw + tx]);
            __syncthreads();
        }
        if (ty == 0 && j < inner) {
            if (nseg == 1) P::store(y, odt, o * inner + j, sh[tx]);
            else part[(o * nseg + sg) * inner + j] = sh[tx];
        }
        __syncthreads();
    }
}

// The nseg partials of each column, in order: one thread per column.
template <typename T, int OP>
__global__ void __launch_bounds__(256) k_cols_combine(const typename Op<T, OP>::S *part, void *y,
                                                       int odt, long long outer, long long inner,
                                                       long long nseg) {
    typedef Op<T, OP> P;
    typedef typename P::S S;
    long long n = outer * inner;
    for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < n;
         c += (long long)gridDim.x * blockDim.x) {
        long long o = c / inner, j = c % inner;
        S acc = P::ident();
        for (long long s = 0; s < nseg; s++) acc = P::merge(acc, part[(o * nseg + s) * inner + j]);
        P::store(y, odt, c, acc);
    }
}

static unsigned grid_of(long long blocks) {
    if (blocks < 1) blocks = 1;
    return (unsigned)(blocks < MAX_GRID ? blocks : MAX_GRID);
}

// The launch plan of a reduction; depends on the shape only (so the same
// input always reduces in the same order).
struct Plan {
    bool rows, warp;
    long long nseg, L;  // segments per output and their length (elements or rows)
    int cw, ch;         // columns: block shape
    long long njb;      // columns: column blocks per outer index
};

static Plan plan_of(const ax_cu_reduce *d, int elem_size) {
    Plan p = {};
    p.nseg = 1;
    p.L = d->R > 0 ? d->R : 1;
    if (d->inner == 1) {
        p.rows = true;
        p.warp = d->R <= 512;
        if (!p.warp && d->outer < 1024) {
            // Enough blocks for the machine, at least 16K elements each.
            long long want = (4096 + d->outer - 1) / d->outer, most = (d->R + 16383) / 16384;
            long long nseg = want < most ? want : most;
            if (nseg > 1) {
                long long L = (d->R + nseg - 1) / nseg;
                L = (L + 4095) / 4096 * 4096; // keep segments on 16-byte boundaries
                p.L = L;
                p.nseg = (d->R + L - 1) / L;
            }
        }
        return p;
    }
    int wide = elem_size <= 2 ? 64 : 32; // a warp row covers 64 to 128 bytes
    p.cw = (int)(d->inner < wide ? d->inner : wide);
    p.ch = 1;
    while (p.ch * 2 * p.cw <= 256) p.ch *= 2;
    p.njb = (d->inner + p.cw - 1) / p.cw;
    long long base = p.njb * d->outer;
    if (base < 1024 && d->R > 0) {
        long long want = (1024 + base - 1) / base, most = (d->R + p.ch * 32 - 1) / (p.ch * 32);
        long long nseg = want < most ? want : most;
        if (nseg > 1) {
            p.L = (d->R + nseg - 1) / nseg;
            p.nseg = (d->R + p.L - 1) / p.L;
        }
    }
    return p;
}

template <typename T, int OP> static size_t ws_of(const ax_cu_reduce *d) {
    Plan p = plan_of(d, sizeof(T));
    if (p.nseg <= 1) return 0;
    return sizeof(typename Op<T, OP>::S) * (size_t)(d->outer * p.nseg * (p.rows ? 1 : d->inner));
}

template <typename T, int OP> static cudaError_t run_of(const ax_cu_reduce *d, void *ws, cudaStream_t st) {
    typedef typename Op<T, OP>::S S;
    Plan p = plan_of(d, sizeof(T));
    const T *x = (const T *)d->x;
    S *part = (S *)ws;
    if (p.rows && p.warp) {
        int g = d->R <= 8 ? 4 : d->R <= 16 ? 8 : d->R <= 32 ? 16 : 32;
        bool vec = g == 32 && (uintptr_t)x % 16 == 0 && (d->R * (long long)sizeof(T)) % 16 == 0;
        long long rows_per_block = 8 * (32 / g);
        k_rows_warp<T, OP><<<grid_of((d->outer + rows_per_block - 1) / rows_per_block), 256, 0, st>>>(
            x, d->y, d->out_dtype, d->outer, d->R, g, vec);
    } else if (p.rows) {
        k_rows_block<T, OP><<<grid_of(d->outer * p.nseg), 512, 0, st>>>(x, d->y, d->out_dtype, part, d->outer,
                                                                     d->R, p.L, p.nseg);
        if (p.nseg > 1)
            k_rows_combine<T, OP><<<grid_of(d->outer), 256, 0, st>>>(part, d->y, d->out_dtype, d->outer, p.nseg);
    } else {
        k_cols<T, OP><<<grid_of(d->outer * p.njb * p.nseg), 256, 0, st>>>(
            x, d->y, d->out_dtype, part, d->outer, d->R, d->inner, p.cw, p.ch, p.njb, p.L, p.nseg);
        if (p.nseg > 1)
            k_cols_combine<T, OP><<<grid_of((d->outer * d->inner + 255) / 256), 256, 0, st>>>(
                part, d->y, d->out_dtype, d->outer, d->inner, p.nseg);
    }
    return cudaGetLastError();
}

// ---------------------------------------------------------------- softmax

// Rows held on chip (k_softmax_row): per-dtype pieces on 16-byte vectors
// held as uint4. V: the math type; N: elements per vector; MAXV: vectors
// per thread at most (the thread keeps MAXV * N values of V, 128 bytes, in
// registers); vmax(q, m): m and the largest number of q (a NaN may be
// skipped: NaNs reach the result through the sum, see k_softmax_row).
__device__ __forceinline__ unsigned bits_of(__nv_bfloat162 h) {
    unsigned u;
    memcpy(&u, &h, 4);
    return u;
}
__device__ __forceinline__ unsigned bits_of(__half2 h) {
    unsigned u;
    memcpy(&u, &h, 4);
    return u;
}
__device__ __forceinline__ float fmax_of(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double fmax_of(double a, double b) { return fmax(a, b); }
__device__ __forceinline__ float bf16_lo(unsigned w) { return __uint_as_float(w << 16); }
__device__ __forceinline__ float bf16_hi(unsigned w) { return __uint_as_float(w & 0xffff0000u); }
__device__ __forceinline__ float f16_lo(unsigned w) { return __half2float(__ushort_as_half((unsigned short)w)); }
__device__ __forceinline__ float f16_hi(unsigned w) {
    return __half2float(__ushort_as_half((unsigned short)(w >> 16)));
}

template <typename T> struct SmV;
template <> struct SmV<__nv_bfloat16> {
    typedef float V;
    static const int N = 8, MAXV = 4;
    static __device__ __forceinline__ uint4 ninf() { // -inf in every element
        return make_uint4(0xff80ff80u, 0xff80ff80u, 0xff80ff80u, 0xff80ff80u);
    }
    static __device__ __forceinline__ float vmax(uint4 q, float m) {
#if __CUDA_ARCH__ >= 800 // packed max (NaN-skipping) of the raw pairs, then one conversion
        unsigned a, b;
        asm("max.bf16x2 %0, %1, %2;" : "=r"(a) : "r"(q.x), "r"(q.y));
        asm("max.bf16x2 %0, %1, %2;" : "=r"(b) : "r"(q.z), "r"(q.w));
        asm("max.bf16x2 %0, %1, %2;" : "=r"(a) : "r"(a), "r"(b));
        return fmaxf(m, fmaxf(bf16_lo(a), bf16_hi(a)));
#else
        float f[8];
        unpack(q, f);
        for (int j = 0; j < 8; j++) m = fmaxf(m, f[j]);
        return m;
#endif
    }
    static __device__ __forceinline__ void unpack(uint4 q, float *f) {
        unsigned w[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
        for (int i = 0; i < 4; i++) f[2 * i] = bf16_lo(w[i]), f[2 * i + 1] = bf16_hi(w[i]);
    }
    static __device__ __forceinline__ uint4 pack(const float *f) { // round to nearest even
        return make_uint4(bits_of(__floats2bfloat162_rn(f[0], f[1])),
                          bits_of(__floats2bfloat162_rn(f[2], f[3])),
                          bits_of(__floats2bfloat162_rn(f[4], f[5])),
                          bits_of(__floats2bfloat162_rn(f[6], f[7])));
    }
};
template <> struct SmV<__half> {
    typedef float V;
    static const int N = 8, MAXV = 4;
    static __device__ __forceinline__ uint4 ninf() {
        return make_uint4(0xfc00fc00u, 0xfc00fc00u, 0xfc00fc00u, 0xfc00fc00u);
    }
    static __device__ __forceinline__ float vmax(uint4 q, float m) {
#if __CUDA_ARCH__ >= 800
        unsigned a, b;
        asm("max.f16x2 %0, %1, %2;" : "=r"(a) : "r"(q.x), "r"(q.y));
        asm("max.f16x2 %0, %1, %2;" : "=r"(b) : "r"(q.z), "r"(q.w));
        asm("max.f16x2 %0, %1, %2;" : "=r"(a) : "r"(a), "r"(b));
        return fmaxf(m, fmaxf(f16_lo(a), f16_hi(a)));
#else
        float f[8];
        unpack(q, f);
        for (int j = 0; j < 8; j++) m = fmaxf(m, f[j]);
        return m;
#endif
    }
    static __device__ __forceinline__ void unpack(uint4 q, float *f) {
        unsigned w[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
        for (int i = 0; i < 4; i++) f[2 * i] = f16_lo(w[i]), f[2 * i + 1] = f16_hi(w[i]);
    }
    static __device__ __forceinline__ uint4 pack(const float *f) {
        return make_uint4(bits_of(__floats2half2_rn(f[0], f[1])), bits_of(__floats2half2_rn(f[2], f[3])),
                          bits_of(__floats2half2_rn(f[4], f[5])), bits_of(__floats2half2_rn(f[6], f[7])));
    }
};
template <> struct SmV<float> {
    typedef float V;
    static const int N = 4, MAXV = 8;
    static __device__ __forceinline__ uint4 ninf() {
        return make_uint4(0xff800000u, 0xff800000u, 0xff800000u, 0xff800000u);
    }
    static __device__ __forceinline__ float vmax(uint4 q, float m) {
        float a = fmaxf(__uint_as_float(q.x), __uint_as_float(q.y));
        float b = fmaxf(__uint_as_float(q.z), __uint_as_float(q.w));
        return fmaxf(m, fmaxf(a, b));
    }
    static __device__ __forceinline__ void unpack(uint4 q, float *f) {
        f[0] = __uint_as_float(q.x), f[1] = __uint_as_float(q.y);
        f[2] = __uint_as_float(q.z), f[3] = __uint_as_float(q.w);
    }
    static __device__ __forceinline__ uint4 pack(const float *f) {
        return make_uint4(__float_as_uint(f[0]), __float_as_uint(f[1]), __float_as_uint(f[2]),
                          __float_as_uint(f[3]));
    }
};
template <> struct SmV<double> {
    typedef double V;
    static const int N = 2, MAXV = 8;
    static __device__ __forceinline__ uint4 ninf() { return make_uint4(0u, 0xfff00000u, 0u, 0xfff00000u); }
    static __device__ __forceinline__ void unpack(uint4 q, double *f) {
        f[0] = __hiloint2double((int)q.y, (int)q.x);
        f[1] = __hiloint2double((int)q.w, (int)q.z);
    }
    static __device__ __forceinline__ double vmax(uint4 q, double m) {
        double f[2];
        unpack(q, f);
        return fmax(m, fmax(f[0], f[1]));
    }
    static __device__ __forceinline__ uint4 pack(const double *f) {
        return make_uint4((unsigned)__double2loint(f[0]), (unsigned)__double2hiint(f[0]),
                          (unsigned)__double2loint(f[1]), (unsigned)__double2hiint(f[1]));
    }
};

// Shared-memory vectors by 32-bit shared address: an asynchronous 16-byte
// copy global -> shared (no register holds the data in flight), the wait for
// all of this thread's copies, and a 16-byte load. Synchronous before sm_80.
__device__ __forceinline__ void cp_async16(unsigned dst, const uint4 *src) {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src) : "memory");
#else
    uint4 v = *src;
    asm volatile("st.shared.v4.u32 [%0], {%1, %2, %3, %4};\n" ::"r"(dst), "r"(v.x), "r"(v.y), "r"(v.z),
                 "r"(v.w)
                 : "memory");
#endif
}
__device__ __forceinline__ void cp_async_wait_all() {
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}
__device__ __forceinline__ uint4 lds16(unsigned a) {
    uint4 v;
    asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(a)
                 : "memory");
    return v;
}

// exp(d) = 2^(d log2 e) on the SFU (ex2.approx, subnormals kept) for the
// 16-bit floats, d = x - m rounded as the CPU rounds it: the error (about 2
// float ulps, plus the rounding of d log2 e: under 1e-5 relative where the
// result is not below float's normal range) is far below their rounding
// (float16 5e-4, bfloat16 4e-3), and the full-accuracy expf's extra
// instructions cost 2-3% of the kernel's bandwidth at 32768-element bf16
// rows on an H100, where the row kernel is near its issue limit.
#define L2E 1.4426950408889634
__device__ __forceinline__ float exp2_sfu(float x) {
    float r;
    asm("ex2.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

// Softmax of rows held on chip, one row per block at a time: rows of nv
// 16-byte vectors (16-byte aligned), 32 * VPT <= nv <= 1024 * VPT, thread t
// owning vectors t, t + bd, ..., t + (VPT - 1) * bd; blocks loop over rows
// (o += gridDim.x). Each row is read from memory once and written once,
// with one block barrier. Two kernels differ in how rows reach shared
// memory: k_softmax_tma (sm_90 and later) has one thread fetch whole rows
// with bulk copies (TMA) into a ring of stages, two rows ahead;
// k_softmax_row has every thread copy its own vectors (cp.async), one row
// ahead. The math is the same pair of functions (softmax_row_part,
// softmax_row_finish), so the two give the same bits.
//
// Math: warp maximum m_w (shuffles), e = exp(x - m_w) kept in registers (the
// only exp per element), per-warp sums s_w of e; one barrier; every warp
// then folds the (m_w, s_w) pairs the same way: M = max m_w, S = sum s_w *
// exp(m_w - M), and writes y = e * (exp(m_w - M) / S). In float for the
// 16/32-bit floats (double for float64; the 16-bit floats take exp2_sfu);
// against the CPU's exp(x - M) / S this differs by float rounding only. A
// warp whose elements are all -inf takes m_w = 0 for its exps (e = 0) and
// contributes 0. NaN: the maxima
// skip NaNs, but a NaN's e is NaN, so S and then every y of the row are
// NaN; a row whose M is not finite (a +inf, or nothing but -inf and NaN)
// is all NaN: as the CPU. Deterministic: the order of every sum depends only on nv.

// Vectors k < mine of a row are this thread's (t + k * bd < nv); the others
// count as -inf (e = 0) and are neither read nor stored, so the loops do not branch.
template <int VPT> __device__ __forceinline__ int softmax_mine(int nv) {
    int mine = 0;
#pragma unroll
    for (int k = 0; k < VPT; k++) mine += k * (int)blockDim.x + (int)threadIdx.x < nv;
    return mine;
}

// The first half of a row, from this thread's vectors q: m (the warp's max),
// e and the warp's sum, published in pm[t / 32], ps[t / 32]. The caller then
// synchronizes the block before softmax_row_finish.
template <typename T, int VPT>
__device__ __forceinline__ void softmax_row_part(const uint4 *q, typename SmV<T>::V &m, typename SmV<T>::V *e,
                                                 typename SmV<T>::V *pm, typename SmV<T>::V *ps) {
    typedef SmV<T> S;
    typedef typename S::V V;
    const int N = S::N;
    m = -INFINITY;
#pragma unroll
    for (int k = 0; k < VPT; k++) m = S::vmax(q[k], m);
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) m = fmax_of(m, __shfl_xor_sync(FULL_MASK, m, d));
    V mx = m == -INFINITY ? (V)0 : m, s = 0;
#pragma unroll
    for (int k = 0; k < VPT; k++) {
        V f[N];
        S::unpack(q[k], f);
#pragma unroll
        for (int j = 0; j < N; j++) {
            if constexpr (sizeof(T) == 2) e[k * N + j] = exp2_sfu((f[j] - mx) * (V)L2E);
            else e[k * N + j] = exp_of(f[j] - mx);
            s += e[k * N + j];
        }
    }
    // Butterfly sums: a + b == b + a exactly, so every lane gets the same bits.
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) s += __shfl_xor_sync(FULL_MASK, s, d);
    if ((threadIdx.x & 31) == 0) pm[threadIdx.x >> 5] = m, ps[threadIdx.x >> 5] = s;
}

// The second half, after the barrier: fold every warp's (m_w, s_w) and
// store this thread's vectors k < mine of the output row yr (evict-first:
// nothing reads them soon).
template <typename T, int VPT>
__device__ __forceinline__ void softmax_row_finish(typename SmV<T>::V m, const typename SmV<T>::V *e,
                                                   const typename SmV<T>::V *pm, const typename SmV<T>::V *ps,
                                                   uint4 *yr, int mine) {
    typedef SmV<T> S;
    typedef typename S::V V;
    const int N = S::N, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
    V bm = lane < nw ? pm[lane] : (V)-INFINITY, bs = lane < nw ? ps[lane] : (V)0;
    V M = bm;
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) M = fmax_of(M, __shfl_xor_sync(FULL_MASK, M, d));
    V tot = bs * exp_of(bm - M); // lanes past nw: 0 * exp(-inf) = 0 (M finite)
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) tot += __shfl_xor_sync(FULL_MASK, tot, d);
    V c = isfinite(M) ? exp_of(m - M) / tot : (V)NAN;
#pragma unroll
    for (int k = 0; k < VPT; k++) {
        V f[N];
#pragma unroll
        for (int j = 0; j < N; j++) f[j] = e[k * N + j] * c;
        uint4 v = S::pack(f);
        if (k < mine) __stcs(yr + k * blockDim.x, v);
    }
}

// Rows copied by every thread (any sm_80+ GPU; synchronous copies before):
// while a block computes row o, its next row is already being copied
// (cp.async) into the shared slots row o was just read from, so reads stay
// in flight through the compute and the barrier. The slots of a thread are
// read only by that thread (no barrier needed for them; each thread reads
// its vectors into registers before it issues the next copy).
template <typename T, int VPT>
__global__ void __launch_bounds__(1024, 1) k_softmax_row(const uint4 *__restrict__ x, uint4 *__restrict__ y,
                                                          int outer, int nv) {
    typedef SmV<T> S;
    typedef typename S::V V;
    extern __shared__ uint4 slots[]; // VPT * blockDim.x: vector k of thread t at k * bd + t
    __shared__ V pm[2][32], ps[2][32]; // per-warp (m_w, s_w), alternating between rows
    const int t = threadIdx.x, bd = blockDim.x, mine = softmax_mine<VPT>(nv);
    // Shared address of this thread's vector k: sa + k * sstep.
    const unsigned sa = (unsigned)__cvta_generic_to_shared(slots + t), sstep = 16u * bd;
    int o = blockIdx.x;
    if (o >= outer) return;
    // Global vector k of this thread in a row: its vector 0 + k * sstep bytes.
    const char *x0 = (const char *)(x + (long long)o * nv + t);
#pragma unroll
    for (int k = 0; k < VPT; k++)
        if (k < mine) cp_async16(sa + k * sstep, (const uint4 *)(x0 + k * sstep));
    for (int par = 0; o < outer; o += gridDim.x, par ^= 1) { // outer + gridDim.x < 2^31
        cp_async_wait_all(); // row o is in this thread's slots
        uint4 q[VPT];
#pragma unroll
        for (int k = 0; k < VPT; k++) q[k] = k < mine ? lds16(sa + k * sstep) : S::ninf();
        int on = o + gridDim.x; // the slots are free: start the next row
        if (on < outer) {
            const char *xn = (const char *)(x + (long long)on * nv + t);
#pragma unroll
            for (int k = 0; k < VPT; k++)
                if (k < mine) cp_async16(sa + k * sstep, (const uint4 *)(xn + k * sstep));
        }
        V m, e[VPT * S::N];
        softmax_row_part<T, VPT>(q, m, e, pm[par], ps[par]);
        __syncthreads(); // the only barrier: the next row writes the other pm/ps
        softmax_row_finish<T, VPT>(m, e, pm[par], ps[par], y + (long long)o * nv + t, mine);
    }
}

// Bulk copies (TMA) into shared memory, completing on an mbarrier (sm_90).
// mbar_*: a barrier in shared memory at a 32-bit shared address.
#if __CUDA_ARCH__ >= 900
__device__ __forceinline__ void mbar_init(unsigned bar) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(bar) : "memory");
}
// Arrive (the barrier's one arrival per phase) and expect `bytes` of copies.
__device__ __forceinline__ void mbar_expect(unsigned bar, unsigned bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_wait(unsigned bar, unsigned parity) {
    unsigned done;
    do {
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                     " selp.u32 %0, 1, 0, p;\n}"
                     : "=r"(done)
                     : "r"(bar), "r"(parity)
                     : "memory");
    } while (!done);
}
// bytes (a multiple of 16, both addresses 16-byte aligned) from global src
// to shared dst; completes `bytes` of bar's expected count.
__device__ __forceinline__ void bulk_load(unsigned dst, const void *src, unsigned bytes, unsigned bar) {
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(dst),
                 "l"(src), "r"(bytes), "r"(bar)
                 : "memory");
}
#endif

#define SOFTMAX_TMA_STAGES 2

// Rows fetched by bulk copies: thread 0 keeps SOFTMAX_TMA_STAGES rows in
// flight in a ring of shared stages, each with its mbarrier; the row of
// iteration i is in stage i % STAGES, complete at phase parity
// (i / STAGES) & 1. Stage s is refilled (the row STAGES rounds ahead) right after the block barrier of the row it held, which
// every thread passes only once it has read its vectors of that row. One
// instruction per row instead of one copy per vector. Measured with device
// events against k_softmax_row (both storing evict-first), bf16: on an H100
// 2709-2712 against 2647-2702 GB/s at 4096 x 32768 and +1% at 32768 x 4096
// with 2 stages (3 and 4 no better); on an H200 equal within 1% at rows of
// 8 KB and more, 1-4% slower at rows of 1-2 KB. Hence 2 stages, rows of
// 8 KB and more (launch_rows).
template <typename T, int VPT>
__global__ void __launch_bounds__(1024, 1) k_softmax_tma(const uint4 *__restrict__ x, uint4 *__restrict__ y,
                                                          int outer, int nv) {
#if __CUDA_ARCH__ >= 900
    const int stages = SOFTMAX_TMA_STAGES;
    typedef SmV<T> S;
    typedef typename S::V V;
    extern __shared__ __align__(128) uint4 ring[]; // stages * nv vectors, stage s at s * nv
    __shared__ __align__(8) unsigned long long bars[SOFTMAX_TMA_STAGES];
    __shared__ V pm[2][32], ps[2][32];
    const int t = threadIdx.x, mine = softmax_mine<VPT>(nv);
    const unsigned rowb = 16u * (unsigned)nv, base = (unsigned)__cvta_generic_to_shared(ring),
                   bar0 = (unsigned)__cvta_generic_to_shared(bars), sstep = 16u * blockDim.x;
    int o = blockIdx.x;
    if (o >= outer) return;
    if (t == 0) {
        for (int s = 0; s < stages; s++) mbar_init(bar0 + 8 * s);
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory"); // visible to the copies
        for (int s = 0; s < stages; s++) {
            long long r = o + (long long)s * gridDim.x;
            if (r < outer) {
                mbar_expect(bar0 + 8 * s, rowb);
                bulk_load(base + s * rowb, x + r * nv, rowb, bar0 + 8 * s);
            }
        }
    }
    __syncthreads(); // the barriers are initialized
    int s = 0;
    unsigned parity = 0;
    for (int par = 0; o < outer; o += gridDim.x, par ^= 1) { // outer + stages * gridDim.x < 2^31
        mbar_wait(bar0 + 8 * s, parity);
        const unsigned sa = base + s * rowb + 16u * t;
        uint4 q[VPT];
#pragma unroll
        for (int k = 0; k < VPT; k++) q[k] = k < mine ? lds16(sa + k * sstep) : S::ninf();
        V m, e[VPT * S::N];
        softmax_row_part<T, VPT>(q, m, e, pm[par], ps[par]);
        __syncthreads(); // the only barrier: stage s is read, the next row writes the other pm/ps
        if (t == 0) {
            long long r = o + (long long)stages * gridDim.x;
            if (r < outer) {
                mbar_expect(bar0 + 8 * s, rowb);
                bulk_load(base + s * rowb, x + r * nv, rowb, bar0 + 8 * s);
            }
        }
        softmax_row_finish<T, VPT>(m, e, pm[par], ps[par], y + (long long)o * nv + t, mine);
        if (++s == stages) s = 0, parity ^= 1;
    }
#else
    __trap(); // never launched: launch_rows checks the kernel's architecture
#endif
}

// Launches a row kernel for rows of nv vectors with as many blocks as fit on
// the device at once (each then loops over rows): k_softmax_tma where the
// device and this build's code for it are sm_90 or later, rows are 8 KB or
// more and its stages fit in shared memory, else k_softmax_row. False
// (nothing queued, no error left set) when neither fits this device; the
// caller then uses another kernel.
template <typename T, int VPT> static bool launch_rows(const ax_cu_reduce *d, long long nv, cudaStream_t st) {
    int threads = (int)((nv + VPT - 1) / VPT + 31) / 32 * 32;
    int dev = 0, sms = 0, optin = 0, major = 0, per = 0;
    bool ok = cudaGetDevice(&dev) == cudaSuccess &&
              cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess && sms > 0 &&
              cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) == cudaSuccess &&
              cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) == cudaSuccess;
    const size_t rowb = (size_t)nv * 16, spare = 2048; // room for the static shared arrays
    bool tma = false;
    const void *fn = (const void *)k_softmax_tma<T, VPT>;
    if (ok && major >= 9 && rowb >= 8192 && (size_t)optin >= SOFTMAX_TMA_STAGES * rowb + spare) {
        cudaFuncAttributes fa;
        tma = cudaFuncGetAttributes(&fa, fn) == cudaSuccess && fa.binaryVersion >= 90;
        (void)cudaGetLastError();
    }
    if (!tma) fn = (const void *)k_softmax_row<T, VPT>;
    size_t smem = tma ? SOFTMAX_TMA_STAGES * rowb : (size_t)threads * VPT * 16;
    if (ok && smem > 48 * 1024) // above the default: opt in (per device, so on every launch)
        ok = cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem) == cudaSuccess;
    if (ok) ok = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per, fn, threads, smem) == cudaSuccess && per > 0;
    if (!ok) {
        (void)cudaGetLastError(); // clear what a failed query left
        return false;
    }
    long long grid = (long long)per * sms;
    if (grid > d->outer) grid = d->outer;
    if (tma)
        k_softmax_tma<T, VPT><<<(unsigned)grid, threads, smem, st>>>((const uint4 *)d->x, (uint4 *)d->y,
                                                                     (int)d->outer, (int)nv);
    else
        k_softmax_row<T, VPT><<<(unsigned)grid, threads, smem, st>>>((const uint4 *)d->x, (uint4 *)d->y,
                                                                     (int)d->outer, (int)nv);
    return true;
}

// Rows of 16-bit floats longer than k_softmax_row takes (4096 to 8192
// vectors): each thread keeps NV 16-byte vectors of the
// row (raw), the block finds the max, then the sum of exp, then writes.
// Rows must start on 16-byte boundaries and hold a whole number of vectors.
template <typename T, int NV>
__global__ void __launch_bounds__(1024) k_softmax_reg(const T *__restrict__ x, T *__restrict__ y,
                                                       long long outer, long long R) {
    typedef typename Tr<T>::V M;
    typedef MaxMin<T, true> PMax;
    typedef Op<double, AX_CU_R_SUM> PSum;
    const int VEC = 16 / sizeof(T);
    const int nv = (int)(R / VEC), bd = blockDim.x; // nv <= 8192 (see run_softmax)
    for (long long o = blockIdx.x; o < outer; o += gridDim.x) {
        const Vec<T> *xr = (const Vec<T> *)(x + o * R) + threadIdx.x;
        Vec<T> *yr = (Vec<T> *)(y + o * R) + threadIdx.x;
        int mine = nv - (int)threadIdx.x; // vectors k * bd < mine are this thread's
        Vec<T> buf[NV];
        M m = -INFINITY;
#pragma unroll
        for (int k = 0; k < NV; k++)
            if (k * bd < mine) buf[k] = xr[k * bd];
#pragma unroll
        for (int k = 0; k < NV; k++)
            if (k * bd < mine)
#pragma unroll
                for (int e = 0; e < VEC; e++) m = max_nan(m, Tr<T>::val(buf[k].v[e]));
        m = block_reduce_all<PMax>(m);
#pragma unroll
        for (int k = 0; k < NV; k++) launder(buf[k]);
        M s = 0;
#pragma unroll
        for (int k = 0; k < NV; k++)
            if (k * bd < mine)
#pragma unroll
                for (int e = 0; e < VEC; e++) s += exp_of(Tr<T>::val(buf[k].v[e]) - m);
        double tot = block_reduce_all<PSum>((double)s);
#pragma unroll
        for (int k = 0; k < NV; k++) launder(buf[k]);
        M inv = isfinite(m) ? (M)(1.0 / tot) : (M)NAN;
#pragma unroll
        for (int k = 0; k < NV; k++)
            if (k * bd < mine) {
                Vec<T> q;
#pragma unroll
                for (int e = 0; e < VEC; e++) q.v[e] = (T)(exp_of(Tr<T>::val(buf[k].v[e]) - m) * inv);
                yr[k * bd] = q;
            }
    }
}

// Any row: an online pass for (max, sum of exp), then a pass that writes.
// WARP: one warp per row (short rows), else one block per row.
template <typename T, bool WARP>
__global__ void __launch_bounds__(256) k_softmax_loop(const T *__restrict__ x, T *__restrict__ y,
                                                       long long outer, long long R) {
    typedef typename Tr<T>::V M;
    typedef Op<T, AX_CU_R_LSE> P;
    typedef typename P::S S;
    int g = WARP ? 32 : blockDim.x, lane = WARP ? threadIdx.x & 31 : threadIdx.x;
    long long per = WARP ? blockDim.x >> 5 : 1, first = (long long)blockIdx.x * per + (WARP ? threadIdx.x >> 5 : 0);
    for (long long o = first; o < outer; o += (long long)gridDim.x * per) {
        const T *xr = x + o * R;
        T *yr = y + o * R;
        S st = P::ident();
        for (long long i = lane; i < R; i += g) st = P::fold(st, xr[i], i);
        if (WARP) st = shfl_any(warp_reduce<P>(st), 0);
        else st = block_reduce_all<P>(st);
        M inv = isfinite(st.m) ? (M)(1.0 / st.s) : (M)NAN;
        for (long long i = lane; i < R; i += g) yr[i] = (T)(exp_of(Tr<T>::val(xr[i]) - st.m) * inv);
    }
}

// inner > 1: one thread per (outer, column), walking the column twice.
template <typename T>
__global__ void __launch_bounds__(256) k_softmax_cols(const T *__restrict__ x, T *__restrict__ y,
                                                       long long outer, long long R, long long inner) {
    typedef typename Tr<T>::V M;
    typedef Op<T, AX_CU_R_LSE> P;
    typedef typename P::S S;
    long long n = outer * inner;
    for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < n;
         c += (long long)gridDim.x * blockDim.x) {
        long long o = c / inner, j = c % inner;
        const T *xc = x + o * R * inner + j;
        T *yc = y + o * R * inner + j;
        S st = P::ident();
        for (long long r = 0; r < R; r++) st = P::fold(st, xc[r * inner], r);
        M inv = isfinite(st.m) ? (M)(1.0 / st.s) : (M)NAN;
        for (long long r = 0; r < R; r++) yc[r * inner] = (T)(exp_of(Tr<T>::val(xc[r * inner]) - st.m) * inv);
    }
}

template <typename T> static cudaError_t run_softmax(const ax_cu_reduce *d, cudaStream_t st) {
    const T *x = (const T *)d->x;
    T *y = (T *)d->y;
    const int VEC = 16 / sizeof(T);
    if (d->inner > 1) {
        k_softmax_cols<T><<<grid_of((d->outer * d->inner + 255) / 256), 256, 0, st>>>(x, y, d->outer, d->R,
                                                                                     d->inner);
        return cudaGetLastError();
    }
    bool aligned = ((uintptr_t)x % 16) == 0 && ((uintptr_t)y % 16) == 0 && d->R % VEC == 0;
    long long nv = d->R / VEC;
    bool queued = false;
    if (aligned && nv >= 64 && nv <= 1024LL * SmV<T>::MAXV && d->outer <= INT_MAX / 2) {
        // The most vectors per thread (fewest threads, so the per-row
        // shuffles and barrier are shared by the most elements) that still
        // give every thread of a full warp work.
        if (nv >= 32 * 8 && SmV<T>::MAXV >= 8)
            queued = launch_rows<T, (SmV<T>::MAXV >= 8 ? 8 : 4)>(d, nv, st);
        else if (nv >= 32 * 4) queued = launch_rows<T, 4>(d, nv, st);
        else queued = launch_rows<T, 2>(d, nv, st);
    } else if constexpr (sizeof(T) == 2) {
        if (aligned && nv > 1024LL * SmV<T>::MAXV && nv <= 8 * 1024) {
            long long threads = (nv + 7) / 8;
            threads = (threads + 31) / 32 * 32;
            k_softmax_reg<T, 8><<<grid_of(d->outer), (unsigned)threads, 0, st>>>(x, y, d->outer, d->R);
            queued = true;
        }
    }
    if (queued) return cudaGetLastError();
    if (d->R <= 1024)
        k_softmax_loop<T, true><<<grid_of((d->outer + 7) / 8), 256, 0, st>>>(x, y, d->outer, d->R);
    else
        k_softmax_loop<T, false><<<grid_of(d->outer), 256, 0, st>>>(x, y, d->outer, d->R);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- dispatch

// Runs CALL with T the storage type of DT (bool as uint8).
#define FOR_OP_TYPE(DT, CALL)                                              \
    switch (DT) {                                                               \
    case AX_CU_BOOL: case AX_CU_UINT8: { typedef uint8_t T; CALL; } break;      \
    case AX_CU_INT8: { typedef int8_t T; CALL; } break;                         \
    case AX_CU_INT16: { typedef int16_t T; CALL; } break;                       \
    case AX_CU_INT32: { typedef int32_t T; CALL; } break;                       \
    case AX_CU_INT64: { typedef long long T; CALL; } break;                     \
    case AX_CU_UINT16: { typedef uint16_t T; CALL; } break;                     \
    case AX_CU_UINT32: { typedef uint32_t T; CALL; } break;                     \
    case AX_CU_UINT64: { typedef unsigned long long T; CALL; } break;           \
    case AX_CU_FLOAT16: { typedef __half T; CALL; } break;                      \
    case AX_CU_BFLOAT16: { typedef __nv_bfloat16 T; CALL; } break;              \
    case AX_CU_FLOAT32: { typedef float T; CALL; } break;                       \
    case AX_CU_FLOAT64: { typedef double T; CALL; } break;                      \
    default: break;                                                             \
    }

#define FOR_FLOAT_TYPE(DT, CALL)                                                \
    switch (DT) {                                                               \
    case AX_CU_FLOAT16: { typedef __half T; CALL; } break;                      \
    case AX_CU_BFLOAT16: { typedef __nv_bfloat16 T; CALL; } break;              \
    case AX_CU_FLOAT32: { typedef float T; CALL; } break;                       \
    case AX_CU_FLOAT64: { typedef double T; CALL; } break;                      \
    default: break;                                                             \
    }

// all/any of an integer depend only on its bits being zero: one
// instantiation per width.
static int allany_dtype(int dt) {
    switch (dt) {
    case AX_CU_BOOL: case AX_CU_INT8: return AX_CU_UINT8;
    case AX_CU_INT16: return AX_CU_UINT16;
    case AX_CU_INT32: return AX_CU_UINT32;
    case AX_CU_INT64: return AX_CU_UINT64;
    default: return dt;
    }
}

static bool is_float(int dt) {
    return dt == AX_CU_FLOAT16 || dt == AX_CU_BFLOAT16 || dt == AX_CU_FLOAT32 || dt == AX_CU_FLOAT64;
}

template <typename E> __global__ void k_gather(E *dst, const E *src, ax_cu_array d) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < d.size;
         i += (long long)gridDim.x * blockDim.x)
        dst[i] = src[ax_cu_offset(i, d.ndim, d.shape, d.strides)];
}
template <typename E> __global__ void k_scatter(E *dst, const E *src, ax_cu_array d) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < d.size;
         i += (long long)gridDim.x * blockDim.x)
        dst[ax_cu_offset(i, d.ndim, d.shape, d.strides)] = src[i];
}

template <typename E> static cudaError_t copy_of(void *dense, const ax_cu_array *a, bool gather, cudaStream_t st) {
    if (a->size == 0) return cudaSuccess;
    unsigned g = grid_of((a->size + 255) / 256);
    if (gather) k_gather<E><<<g, 256, 0, st>>>((E *)dense, (const E *)a->ptr, *a);
    else k_scatter<E><<<g, 256, 0, st>>>((E *)a->ptr, (const E *)dense, *a);
    return cudaGetLastError();
}

static cudaError_t copy_any(void *dense, const ax_cu_array *a, int elem_size, bool gather, cudaStream_t st) {
    switch (elem_size) {
    case 1: return copy_of<uint8_t>(dense, a, gather, st);
    case 2: return copy_of<uint16_t>(dense, a, gather, st);
    case 4: return copy_of<uint32_t>(dense, a, gather, st);
    case 8: return copy_of<unsigned long long>(dense, a, gather, st);
    default: return cudaErrorInvalidValue;
    }
}

} // namespace

extern "C" bool ax_cu_reduce_supported(int op, int dt) {
    if (dt == AX_CU_COMPLEX64)
        return op == AX_CU_R_SUM || op == AX_CU_R_PROD || op == AX_CU_R_ALL || op == AX_CU_R_ANY;
    if (dt < AX_CU_BOOL || dt > AX_CU_FLOAT64) return false;
    if (op == AX_CU_R_LSE || op == AX_CU_R_SOFTMAX) return is_float(dt);
    return op >= AX_CU_R_SUM && op <= AX_CU_R_ARGMIN;
}

extern "C" size_t ax_cu_reduce_workspace(const ax_cu_reduce *d) {
    size_t r = 0;
    int dt = d->in_dtype;
    if (dt == AX_CU_COMPLEX64) {
        switch (d->op) {
        case AX_CU_R_SUM: return ws_of<c64, AX_CU_R_SUM>(d);
        case AX_CU_R_PROD: return ws_of<c64, AX_CU_R_PROD>(d);
        case AX_CU_R_ALL: return ws_of<c64, AX_CU_R_ALL>(d);
        case AX_CU_R_ANY: return ws_of<c64, AX_CU_R_ANY>(d);
        default: return 0;
        }
    }
    switch (d->op) {
    case AX_CU_R_SUM: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_SUM>(d))); break;
    case AX_CU_R_PROD: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_PROD>(d))); break;
    case AX_CU_R_MAX: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_MAX>(d))); break;
    case AX_CU_R_MIN: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_MIN>(d))); break;
    case AX_CU_R_ALL: FOR_OP_TYPE(allany_dtype(dt), (r = ws_of<T, AX_CU_R_ALL>(d))); break;
    case AX_CU_R_ANY: FOR_OP_TYPE(allany_dtype(dt), (r = ws_of<T, AX_CU_R_ANY>(d))); break;
    case AX_CU_R_ARGMAX: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_ARGMAX>(d))); break;
    case AX_CU_R_ARGMIN: FOR_OP_TYPE(dt, (r = ws_of<T, AX_CU_R_ARGMIN>(d))); break;
    case AX_CU_R_LSE: FOR_FLOAT_TYPE(dt, (r = ws_of<T, AX_CU_R_LSE>(d))); break;
    default: break; // softmax needs none
    }
    return r;
}

extern "C" cudaError_t ax_cu_reduce_run(const ax_cu_reduce *d, void *ws, cudaStream_t st) {
    if (!ax_cu_reduce_supported(d->op, d->in_dtype)) return cudaErrorInvalidValue;
    if (d->outer == 0 || d->inner == 0) return cudaSuccess;
    if (d->op == AX_CU_R_SOFTMAX && d->R == 0) return cudaSuccess;
    cudaError_t e = cudaErrorInvalidValue;
    int dt = d->in_dtype;
    if (dt == AX_CU_COMPLEX64) {
        switch (d->op) {
        case AX_CU_R_SUM: return run_of<c64, AX_CU_R_SUM>(d, ws, st);
        case AX_CU_R_PROD: return run_of<c64, AX_CU_R_PROD>(d, ws, st);
        case AX_CU_R_ALL: return run_of<c64, AX_CU_R_ALL>(d, ws, st);
        case AX_CU_R_ANY: return run_of<c64, AX_CU_R_ANY>(d, ws, st);
        default: return e;
        }
    }
    switch (d->op) {
    case AX_CU_R_SUM: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_SUM>(d, ws, st))); break;
    case AX_CU_R_PROD: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_PROD>(d, ws, st))); break;
    case AX_CU_R_MAX: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_MAX>(d, ws, st))); break;
    case AX_CU_R_MIN: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_MIN>(d, ws, st))); break;
    case AX_CU_R_ALL: FOR_OP_TYPE(allany_dtype(dt), (e = run_of<T, AX_CU_R_ALL>(d, ws, st))); break;
    case AX_CU_R_ANY: FOR_OP_TYPE(allany_dtype(dt), (e = run_of<T, AX_CU_R_ANY>(d, ws, st))); break;
    case AX_CU_R_ARGMAX: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_ARGMAX>(d, ws, st))); break;
    case AX_CU_R_ARGMIN: FOR_OP_TYPE(dt, (e = run_of<T, AX_CU_R_ARGMIN>(d, ws, st))); break;
    case AX_CU_R_LSE: FOR_FLOAT_TYPE(dt, (e = run_of<T, AX_CU_R_LSE>(d, ws, st))); break;
    case AX_CU_R_SOFTMAX: FOR_FLOAT_TYPE(dt, (e = run_softmax<T>(d, st))); break;
    default: break;
    }
    return e;
}

extern "C" cudaError_t ax_cu_red_gather(void *dst, const ax_cu_array *src, int elem_size, cudaStream_t st) {
    return copy_any(dst, src, elem_size, true, st);
}

extern "C" cudaError_t ax_cu_red_scatter(const ax_cu_array *dst, const void *src, int elem_size,
                                     cudaStream_t st) {
    return copy_any((void *)src, dst, elem_size, false, st);
}
