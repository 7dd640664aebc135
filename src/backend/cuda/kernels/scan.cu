// Scans along the middle axis of a dense (outer, n, inner) input (scan.h).
//
// Semantics follow the CPU (src/backend/cpu/scan_sort.c): float cumsum,
// cumprod and logcumsumexp accumulate in double (complex64: both parts) and
// round each output once;
// integer sums and products wrap in 64 bits (the output is int64 / uint64);
// cummax/cummin keep the input dtype, propagate NaN, and on ties keep the
// earlier value; logcumsumexp combines as the CPU's scan_logaddexp. The
// exclusive form shifts the identity in (0, 1, the dtype's lowest / highest
// value or -inf/+inf, -inf).
//
// Kernels:
//  - rows (inner == 1, n > 64): a block scans a segment of a row tile by tile
//    (256 threads x 8 items, staged in shared memory, a fixed-order block
//    scan). Long rows with few of them are cut into segments: pass 1 writes
//    each segment's total, pass 2 turns those into exclusive carries (one
//    thread per row, in order), pass 3 rescans every segment from its carry.
//  - columns (inner > 1, or short rows): one thread per (outer, inner) line,
//    walking it in order; adjacent threads read adjacent addresses (the C
//    side transposes few long columns into rows first).
// Every combination happens in an order fixed by the shape: deterministic.
#include <math.h>
#include <type_traits>

#include "backend/cuda/kernels/reduce_common.cuh"
#include "backend/cuda/kernels/scan.h"

namespace {
using namespace axr;

#define MAX_GRID (1LL << 20)
#define SCAN_TPB 256
#define SCAN_ITEMS 8
#define SCAN_TILE (SCAN_TPB * SCAN_ITEMS)

// Policy of (T, K): A accumulator, O output element, ident, load, comb(a, b)
// with a's elements before b's.
template <typename T, int K> struct Sc;

template <typename T, int K> struct ScSumProd {
    static const bool F = Tr<T>::fl;
    typedef typename std::conditional<F, double, unsigned long long>::type A;
    typedef typename std::conditional<F, T, unsigned long long>::type O; // int64/uint64 bits
    static __device__ __forceinline__ A ident() { return K == AX_CU_SCAN_SUM ? (A)0 : (A)1; }
    static __device__ __forceinline__ A load(T x) {
        if constexpr (F) return (double)Tr<T>::val(x);
        else return (unsigned long long)(long long)x;
    }
    static __device__ __forceinline__ A comb(A a, A b) { return K == AX_CU_SCAN_SUM ? a + b : a * b; }
};
template <typename T> struct Sc<T, AX_CU_SCAN_SUM> : ScSumProd<T, AX_CU_SCAN_SUM> {};
template <typename T> struct Sc<T, AX_CU_SCAN_PROD> : ScSumProd<T, AX_CU_SCAN_PROD> {};

template <int K> struct ScCplx { // complex64 cumsum / cumprod, in double
    typedef cd A;
    typedef c64 O;
    static __device__ __forceinline__ A ident() {
        A a;
        a.re = K == AX_CU_SCAN_SUM ? 0.0 : 1.0;
        a.im = 0;
        return a;
    }
    static __device__ __forceinline__ A load(c64 x) { return cd_of(x); }
    static __device__ __forceinline__ A comb(A a, A b) { return K == AX_CU_SCAN_SUM ? cd_add(a, b) : cd_mul(a, b); }
};
template <> struct Sc<c64, AX_CU_SCAN_SUM> : ScCplx<AX_CU_SCAN_SUM> {};
template <> struct Sc<c64, AX_CU_SCAN_PROD> : ScCplx<AX_CU_SCAN_PROD> {};

template <typename T, bool MAX> struct ScMaxMin {
    typedef typename Tr<T>::V A;
    typedef T O;
    static __device__ __forceinline__ A ident() { return MAX ? lowest_of<A>() : highest_of<A>(); }
    static __device__ __forceinline__ A load(T x) { return Tr<T>::val(x); }
    // a unless b is strictly better; a NaN in a stays, one in b wins.
    static __device__ __forceinline__ A comb(A a, A b) {
        return ((MAX ? a >= b : a <= b) || a != a) ? a : b;
    }
};
template <typename T> struct Sc<T, AX_CU_SCAN_MAX> : ScMaxMin<T, true> {};
template <typename T> struct Sc<T, AX_CU_SCAN_MIN> : ScMaxMin<T, false> {};

template <typename T> struct Sc<T, AX_CU_SCAN_LSE> { // floating T only
    typedef double A;
    typedef T O;
    static __device__ __forceinline__ A ident() { return -INFINITY; }
    static __device__ __forceinline__ A load(T x) { return (double)Tr<T>::val(x); }
    static __device__ __forceinline__ A comb(A a, A b) {
        if (a != a || b != b) return a + b;
        if (a == b) return a == -INFINITY ? a : a + 0.6931471805599453;
        double m = a > b ? a : b, d = a > b ? b - a : a - b;
        return m + log1p(exp(d));
    }
};

template <typename O, typename A> __device__ __forceinline__ O to_out(A a) {
    if constexpr (std::is_same<O, __half>::value) {
        if constexpr (std::is_same<A, double>::value) return __double2half(a);
        else return __float2half(a);
    } else if constexpr (std::is_same<O, __nv_bfloat16>::value) {
        if constexpr (std::is_same<A, double>::value) return __double2bfloat16(a);
        else return __float2bfloat16(a);
    } else if constexpr (std::is_same<O, c64>::value) {
        return c64_of(a);
    } else {
        return (O)a;
    }
}

__device__ __forceinline__ int spad(int i) { return i + (i >> 5); } // fewer bank conflicts

template <typename A> __device__ __forceinline__ A shfl_up_any(A v, int d) {
    union U {
        A s;
        unsigned w[(sizeof(A) + 3) / 4];
    } u;
    u.s = v;
#pragma unroll
    for (int k = 0; k < (int)((sizeof(A) + 3) / 4); k++) u.w[k] = __shfl_up_sync(FULL_MASK, u.w[k], d);
    return u.s;
}

// Block-wide exclusive scan of one value per thread (fixed order); *total
// gets the block's combination. Ends with a barrier.
template <class P, typename A> __device__ __forceinline__ A block_excl(A v, A *total) {
    __shared__ __align__(16) unsigned char raw[32 * sizeof(A)];
    A *ws = (A *)raw;
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    A inc = v;
#pragma unroll
    for (int d = 1; d < 32; d <<= 1) {
        A o = shfl_up_any(inc, d);
        if (lane >= d) inc = P::comb(o, inc);
    }
    A ex = shfl_up_any(inc, 1);
    if (lane == 0) ex = P::ident();
    if (lane == 31) ws[w] = inc;
    __syncthreads();
    if (w == 0) {
        A t = lane < nw ? ws[lane] : P::ident();
#pragma unroll
        for (int d = 1; d < 32; d <<= 1) {
            A o = shfl_up_any(t, d);
            if (lane >= d) t = P::comb(o, t);
        }
        __syncwarp();
        if (lane < nw) ws[lane] = t; // inclusive over warps
    }
    __syncthreads();
    A pre = w == 0 ? P::ident() : ws[w - 1];
    *total = ws[nw - 1];
    __syncthreads();
    return P::comb(pre, ex);
}

// mode 0: scan segments, starting from carry[b] when nseg > 1.
// mode 1: only write each segment's total to carry[b].
template <typename T, int K>
__global__ void __launch_bounds__(SCAN_TPB) k_scan_rows(const T *__restrict__ x, typename Sc<T, K>::O *y,
                                                         typename Sc<T, K>::A *carry, long long outer,
                                                         long long n, long long L, long long nseg, bool rev,
                                                         bool incl, int mode) {
    typedef Sc<T, K> P;
    typedef typename P::A A;
    __shared__ __align__(16) unsigned char raw[(SCAN_TILE + SCAN_TILE / 32) * sizeof(A)];
    A *sh = (A *)raw;
    const int tid = threadIdx.x;
    for (long long b = blockIdx.x; b < outer * nseg; b += gridDim.x) {
        long long o = b / nseg, t0 = (b % nseg) * L, t1 = n - t0 < L ? n : t0 + L;
        const T *xr = x + o * n;
        A run = mode == 0 && nseg > 1 ? carry[b] : P::ident();
        for (long long tile = t0; tile < t1; tile += SCAN_TILE) {
            int cnt = (int)(t1 - tile < SCAN_TILE ? t1 - tile : SCAN_TILE);
#pragma unroll
            for (int k = 0; k < SCAN_ITEMS; k++) {
                int idx = k * SCAN_TPB + tid;
                A v = P::ident();
                if (idx < cnt) {
                    long long t = tile + idx;
                    v = P::load(xr[rev ? n - 1 - t : t]);
                }
                sh[spad(idx)] = v;
            }
            __syncthreads();
            A loc = P::ident();
#pragma unroll
            for (int k = 0; k < SCAN_ITEMS; k++) loc = P::comb(loc, sh[spad(tid * SCAN_ITEMS + k)]);
            A total;
            A ex = block_excl<P>(loc, &total);
            if (mode == 0) {
                A a = P::comb(run, ex);
#pragma unroll
                for (int k = 0; k < SCAN_ITEMS; k++) {
                    int j = spad(tid * SCAN_ITEMS + k);
                    A e = sh[j];
                    if (incl) {
                        a = P::comb(a, e);
                        sh[j] = a;
                    } else {
                        sh[j] = a;
                        a = P::comb(a, e);
                    }
                }
                __syncthreads();
                typename P::O *yr = y + o * n;
#pragma unroll
                for (int k = 0; k < SCAN_ITEMS; k++) {
                    int idx = k * SCAN_TPB + tid;
                    if (idx < cnt) {
                        long long t = tile + idx;
                        yr[rev ? n - 1 - t : t] = to_out<typename P::O>(sh[spad(idx)]);
                    }
                }
            }
            run = P::comb(run, total);
            __syncthreads();
        }
        if (mode == 1 && tid == 0) carry[b] = run;
    }
}

// Segment totals -> exclusive carries, one thread per row, in order.
template <typename T, int K>
__global__ void k_scan_carries(typename Sc<T, K>::A *carry, long long outer, long long nseg) {
    typedef Sc<T, K> P;
    typedef typename P::A A;
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < outer;
         o += (long long)gridDim.x * blockDim.x) {
        A run = P::ident();
        for (long long s = 0; s < nseg; s++) {
            A t = carry[o * nseg + s];
            carry[o * nseg + s] = run;
            run = P::comb(run, t);
        }
    }
}

// One thread per (outer, inner) line.
template <typename T, int K>
__global__ void __launch_bounds__(256) k_scan_cols(const T *__restrict__ x, typename Sc<T, K>::O *__restrict__ y,
                                                    long long outer, long long n, long long inner, bool rev,
                                                    bool incl) {
    typedef Sc<T, K> P;
    typedef typename P::A A;
    long long lines = outer * inner;
    for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < lines;
         c += (long long)gridDim.x * blockDim.x) {
        long long o = c / inner, j = c % inner;
        long long base = o * n * inner + j, step = rev ? -inner : inner;
        long long off = base + (rev ? (n - 1) * inner : 0);
        A a = P::ident();
        for (long long t = 0; t < n; t++, off += step) {
            A v = P::load(x[off]);
            if (incl) {
                a = P::comb(a, v);
                y[off] = to_out<typename P::O>(a);
            } else {
                y[off] = to_out<typename P::O>(a);
                a = P::comb(a, v);
            }
        }
    }
}

static unsigned grid_of(long long blocks) {
    if (blocks < 1) blocks = 1;
    return (unsigned)(blocks < MAX_GRID ? blocks : MAX_GRID);
}

struct ScanPlan {
    bool rows;
    long long nseg, L;
};

static ScanPlan scan_plan(const ax_cu_scan *d) {
    ScanPlan p;
    p.rows = d->inner == 1 && d->n > 64;
    p.nseg = 1;
    p.L = d->n;
    if (p.rows && d->outer < 264) {
        long long want = (1024 + d->outer - 1) / d->outer;
        long long L = (d->n + want - 1) / want;
        L = (L + SCAN_TILE - 1) / SCAN_TILE * SCAN_TILE;
        if (L < 4 * SCAN_TILE) L = 4 * SCAN_TILE;
        if (L < d->n) {
            p.L = L;
            p.nseg = (d->n + L - 1) / L;
        }
    }
    return p;
}

template <typename T, int K> static size_t scan_ws_of(const ax_cu_scan *d) {
    ScanPlan p = scan_plan(d);
    return p.nseg > 1 ? sizeof(typename Sc<T, K>::A) * (size_t)(d->outer * p.nseg) : 0;
}

template <typename T, int K> static cudaError_t scan_run_of(const ax_cu_scan *d, void *ws, cudaStream_t st) {
    typedef Sc<T, K> P;
    typedef typename P::A A;
    typedef typename P::O O;
    ScanPlan p = scan_plan(d);
    const T *x = (const T *)d->x;
    O *y = (O *)d->y;
    if (!p.rows) {
        k_scan_cols<T, K><<<grid_of((d->outer * d->inner + 255) / 256), 256, 0, st>>>(
            x, y, d->outer, d->n, d->inner, d->reverse, d->inclusive);
        return cudaGetLastError();
    }
    A *carry = (A *)ws;
    unsigned g = grid_of(d->outer * p.nseg);
    if (p.nseg > 1) {
        k_scan_rows<T, K><<<g, SCAN_TPB, 0, st>>>(x, y, carry, d->outer, d->n, p.L, p.nseg, d->reverse,
                                                  d->inclusive, 1);
        k_scan_carries<T, K><<<grid_of((d->outer + 255) / 256), 256, 0, st>>>(carry, d->outer, p.nseg);
    }
    k_scan_rows<T, K><<<g, SCAN_TPB, 0, st>>>(x, y, carry, d->outer, d->n, p.L, p.nseg, d->reverse,
                                              d->inclusive, 0);
    return cudaGetLastError();
}

static bool scan_is_float(int dt) {
    return dt == AX_CU_FLOAT16 || dt == AX_CU_BFLOAT16 || dt == AX_CU_FLOAT32 || dt == AX_CU_FLOAT64;
}

// Calls CALL with T the storage type of DT.
#define SCAN_TYPES(DT, CALL)                                                    \
    switch (DT) {                                                               \
    case AX_CU_BOOL: { typedef bool T; CALL; } break;                           \
    case AX_CU_UINT8: { typedef uint8_t T; CALL; } break;                       \
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
#define SCAN_FLOATS(DT, CALL)                                                   \
    switch (DT) {                                                               \
    case AX_CU_FLOAT16: { typedef __half T; CALL; } break;                      \
    case AX_CU_BFLOAT16: { typedef __nv_bfloat16 T; CALL; } break;              \
    case AX_CU_FLOAT32: { typedef float T; CALL; } break;                       \
    case AX_CU_FLOAT64: { typedef double T; CALL; } break;                      \
    default: break;                                                             \
    }

} // namespace

extern "C" bool ax_cu_scan_supported(int kind, int dt) {
    if (dt == AX_CU_COMPLEX64) return kind == AX_CU_SCAN_SUM || kind == AX_CU_SCAN_PROD;
    if (dt < AX_CU_BOOL || dt > AX_CU_FLOAT64) return false;
    if (kind == AX_CU_SCAN_LSE) return scan_is_float(dt);
    return kind >= AX_CU_SCAN_SUM && kind <= AX_CU_SCAN_MIN;
}

extern "C" size_t ax_cu_scan_workspace(const ax_cu_scan *d) {
    size_t r = 0;
    if (d->in_dtype == AX_CU_COMPLEX64)
        return d->kind == AX_CU_SCAN_SUM ? scan_ws_of<c64, AX_CU_SCAN_SUM>(d) : scan_ws_of<c64, AX_CU_SCAN_PROD>(d);
    switch (d->kind) {
    case AX_CU_SCAN_SUM: SCAN_TYPES(d->in_dtype, (r = scan_ws_of<T, AX_CU_SCAN_SUM>(d))); break;
    case AX_CU_SCAN_PROD: SCAN_TYPES(d->in_dtype, (r = scan_ws_of<T, AX_CU_SCAN_PROD>(d))); break;
    case AX_CU_SCAN_MAX: SCAN_TYPES(d->in_dtype, (r = scan_ws_of<T, AX_CU_SCAN_MAX>(d))); break;
    case AX_CU_SCAN_MIN: SCAN_TYPES(d->in_dtype, (r = scan_ws_of<T, AX_CU_SCAN_MIN>(d))); break;
    case AX_CU_SCAN_LSE: SCAN_FLOATS(d->in_dtype, (r = scan_ws_of<T, AX_CU_SCAN_LSE>(d))); break;
    default: break;
    }
    return r;
}

extern "C" cudaError_t ax_cu_scan_run(const ax_cu_scan *d, void *ws, cudaStream_t st) {
    if (!ax_cu_scan_supported(d->kind, d->in_dtype)) return cudaErrorInvalidValue;
    if (d->outer == 0 || d->n == 0 || d->inner == 0) return cudaSuccess;
    cudaError_t e = cudaErrorInvalidValue;
    if (d->in_dtype == AX_CU_COMPLEX64)
        return d->kind == AX_CU_SCAN_SUM ? scan_run_of<c64, AX_CU_SCAN_SUM>(d, ws, st)
                                         : scan_run_of<c64, AX_CU_SCAN_PROD>(d, ws, st);
    switch (d->kind) {
    case AX_CU_SCAN_SUM: SCAN_TYPES(d->in_dtype, (e = scan_run_of<T, AX_CU_SCAN_SUM>(d, ws, st))); break;
    case AX_CU_SCAN_PROD: SCAN_TYPES(d->in_dtype, (e = scan_run_of<T, AX_CU_SCAN_PROD>(d, ws, st))); break;
    case AX_CU_SCAN_MAX: SCAN_TYPES(d->in_dtype, (e = scan_run_of<T, AX_CU_SCAN_MAX>(d, ws, st))); break;
    case AX_CU_SCAN_MIN: SCAN_TYPES(d->in_dtype, (e = scan_run_of<T, AX_CU_SCAN_MIN>(d, ws, st))); break;
    case AX_CU_SCAN_LSE: SCAN_FLOATS(d->in_dtype, (e = scan_run_of<T, AX_CU_SCAN_LSE>(d, ws, st))); break;
    default: break;
    }
    return e;
}
