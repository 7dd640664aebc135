// Shared machinery of the elementwise .cu files (ew_unary.cu, ew_binary.cu,
// ew_copy.cu): storage types, conversions that round as the CPU does
// (src/core/dtype.c), and two kernel templates over an ax_cu_ew layout:
//   ew_k_contig   one flat dim, every operand dense or a broadcast scalar:
//                 16-byte vector loads/stores when the pointers are aligned
//                 (ew_unroll<Op> vectors a thread loaded together, for
//                 memory parallelism), a scalar grid-stride loop otherwise;
//   ew_k_strided  coalesced strided/broadcast layouts: long inner rows get
//                 a 2-d grid (row offsets computed once per row), short ones
//                 a flat loop (32-bit index math when the size allows).
// An op is a functor `TO operator()(TA a[, TB b[, TB c]]) const` on storage
// values; the op and dtypes are template parameters, so the hot loops carry
// no switch. Input 0 has type TA, inputs 1.. type TB (where: bool, T, T).
#ifndef AX_EW_KERNEL_CUH
#define AX_EW_KERNEL_CUH

#include <string.h>

#include <type_traits>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/elementwise.h"

static inline int ax_cu_dtype_size_host(int dtype) {
    switch (dtype) {
    case AX_CU_BOOL: case AX_CU_INT8: case AX_CU_UINT8: return 1;
    case AX_CU_INT16: case AX_CU_UINT16: case AX_CU_FLOAT16: case AX_CU_BFLOAT16: return 2;
    case AX_CU_INT32: case AX_CU_UINT32: case AX_CU_FLOAT32: return 4;
    default: return 8;
    }
}

// ---------------------------------------------------------------- storage types

// float16 and bfloat16 share one storage type (their bits); which one it is
// is a runtime flag of the op (`bf`), so each op has one kernel for both.
struct ew_half {
    uint16_t b;
};
struct __align__(8) ew_c64 {
    float re, im;
};

// The type a storage type computes in (halves in float32, as the CPU).
template <typename S> struct ew_ct {
    typedef S type;
};
template <> struct ew_ct<ew_half> {
    typedef float type;
};

// Half <-> float as src/core/dtype.c: hardware round-to-nearest-even, with
// the CPU's NaN bit patterns (payload kept, quiet bit set on the way down).
__device__ __forceinline__ float ew_f16_to_f32(uint16_t h) {
    if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu))
        return __uint_as_float(((uint32_t)(h & 0x8000u) << 16) | 0x7f800000u |
                               ((uint32_t)(h & 0x3ffu) << 13));
    return __half2float(__ushort_as_half(h));
}
__device__ __forceinline__ uint16_t ew_f32_to_f16(float f) {
    uint32_t x = __float_as_uint(f), ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(((x >> 16) & 0x8000u) | 0x7e00u | ((ax >> 13) & 0x3ffu));
    return __half_as_ushort(__float2half_rn(f));
}
__device__ __forceinline__ float ew_bf16_to_f32(uint16_t h) { return __uint_as_float((uint32_t)h << 16); }
__device__ __forceinline__ uint16_t ew_f32_to_bf16(float f) {
    uint32_t x = __float_as_uint(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    return __bfloat16_as_ushort(__float2bfloat16_rn(f));
}

// double -> half with one rounding (ax_f64_to_f16 / ax_f64_to_bf16): round
// to `bits` significant bits at the format's exponent range, then convert
// (exact) through float.
__device__ __forceinline__ double ew_round_sig(double x, int bits, int emin) {
    if (x == 0 || !isfinite(x)) return x;
    int e;
    frexp(x, &e);
    e -= 1;
    if (e < emin) e = emin;
    double q = ldexp(1.0, e - bits + 1);
    return rint(x / q) * q;
}
__device__ __forceinline__ uint16_t ew_f64_to_f16(double x) {
    if (isnan(x)) return ew_f32_to_f16((float)x);
    double r = ew_round_sig(x, 11, -14);
    if (fabs(r) >= 65520.0 || isinf(r)) return signbit(x) ? 0xfc00u : 0x7c00u;
    return ew_f32_to_f16((float)r);
}
__device__ __forceinline__ uint16_t ew_f64_to_bf16(double x) {
    if (isnan(x)) return ew_f32_to_bf16((float)x);
    double r = ew_round_sig(x, 8, -126);
    if (fabs(r) > 0x1.fep127 || isinf(r)) return signbit(x) ? 0xff80u : 0x7f80u;
    return ew_f32_to_bf16((float)r);
}

// Storage -> compute and back (bf: the halves are bfloat16).
template <typename S> __device__ __forceinline__ S ew_ld(S x, bool bf) { return x; }
__device__ __forceinline__ float ew_ld(ew_half x, bool bf) {
    return bf ? ew_bf16_to_f32(x.b) : ew_f16_to_f32(x.b);
}
template <typename S> __device__ __forceinline__ S ew_st(typename ew_ct<S>::type v, bool bf) { return v; }
template <> __device__ __forceinline__ ew_half ew_st<ew_half>(float v, bool bf) {
    return ew_half{bf ? ew_f32_to_bf16(v) : ew_f32_to_f16(v)};
}

// ---------------------------------------------------------------- vectors

template <typename T, int V> struct ew_vec {
    T v[V];
};

// Load/store V consecutive elements (element index i * V) as one access of
// sizeof(T) * V bytes (16 at most). Plain loads: the output may alias input 0.
template <int B> struct ew_word;
template <> struct ew_word<16> { typedef uint4 type; };
template <> struct ew_word<8> { typedef uint2 type; };
template <> struct ew_word<4> { typedef uint32_t type; };
template <> struct ew_word<2> { typedef uint16_t type; };
template <> struct ew_word<1> { typedef uint8_t type; };

template <typename T, int V>
__device__ __forceinline__ ew_vec<T, V> ew_vload(const T *p, int64_t i) {
    typedef typename ew_word<sizeof(T) * V>::type W;
    W w = reinterpret_cast<const W *>(p)[i];
    ew_vec<T, V> r;
    memcpy(&r, &w, sizeof r);
    return r;
}
template <typename T, int V>
__device__ __forceinline__ void ew_vstore(T *p, int64_t i, const ew_vec<T, V> &r) {
    typedef typename ew_word<sizeof(T) * V>::type W;
    W w;
    memcpy(&w, &r, sizeof w);
    reinterpret_cast<W *>(p)[i] = w;
}

constexpr int ew_cmax(int a, int b) { return a > b ? a : b; }

// Elements per vector: 16 bytes of the widest operand.
template <typename TO, typename TA, typename TB, int NIN> struct ew_width {
    static constexpr int widest =
        ew_cmax((int)sizeof(TO), ew_cmax((int)sizeof(TA), NIN > 1 ? (int)sizeof(TB) : 1));
    static constexpr int V = 16 / widest;
};

#define EW_NB(NIN) ((NIN) > 1 ? (NIN) - 1 : 1)

template <class Op, typename TO, typename TA, typename TB, int NIN>
__device__ __forceinline__ TO ew_call(const Op &op, TA a, const TB *b) {
    if constexpr (NIN == 1) return op(a);
    else if constexpr (NIN == 2) return op(a, b[0]);
    else return op(a, b[0], b[1]);
}

// ---------------------------------------------------------------- kernels

template <typename T, int V> __device__ __forceinline__ ew_vec<T, V> ew_splat(T x) {
    ew_vec<T, V> r;
#pragma unroll
    for (int j = 0; j < V; j++) r.v[j] = x;
    return r;
}

// Vectors per thread of ew_k_contig: a block covers tiles of U * blockDim
// vectors, each thread loading its U vectors of every input before computing
// any, so U 16-byte loads per operand are in flight per thread (one load per
// thread of the one-vector loop left H100/H200 short of bytes in flight for
// 1-read-1-write kernels). Ops whose math is an out-of-line call keep 1
// (ew_unary.cu specializes this): values live across calls cost spills.
template <class Op> struct ew_unroll {
    static constexpr int value = 4;
};
// ... and at most 16 elements a thread (halves: 2 vectors, 1-byte dtypes:
// 1), which keeps the unrolled half conversions and integer divisions within
// the 64 registers of EW_CONTIG_MINB (32 elements spilled).
template <class Op, typename TO, typename TA, typename TB, int NIN> struct ew_tile_u {
    static constexpr int V = ew_width<TO, TA, TB, NIN>::V, E = 16 / V > 1 ? 16 / V : 1;
    static constexpr int value = ew_unroll<Op>::value < E ? ew_unroll<Op>::value : E;
};

// Minimum resident blocks per SM for ew_k_contig's __launch_bounds__ (at
// most 64 registers a thread). It is what keeps the U loads together: with
// no minimum, ptxas minimizes registers by sinking each load to its first
// use, which serializes them again.
#define EW_CONTIG_MINB 4

// The parameters of ew_k_contig: the size, the output and input pointers,
// and which inputs are broadcast scalars. About 48 bytes where the whole
// layout (ax_cu_ew) is about 1 KB: a launch's cost grows with its parameter
// block, and one-element ops are nothing but launch.
struct ew_flat_args {
    int64_t size;
    void *ptr[4]; // output, then NIN <= 3 inputs
    unsigned scalar; // bit k: input k has stride 0
};

// One flat dim: the output and every input dense (stride 1), or an input a
// scalar broadcast (stride 0, e.g. x * 2: read with the vectors of each tile,
// an independent cached load rather than one more latency before them).
template <class Op, typename TO, typename TA, typename TB, int NIN>
__global__ void __launch_bounds__(AX_CU_THREADS, EW_CONTIG_MINB)
    ew_k_contig(const ew_flat_args l, const Op op) {
    constexpr int V = ew_width<TO, TA, TB, NIN>::V, NB = EW_NB(NIN),
                  U = ew_tile_u<Op, TO, TA, TB, NIN>::value;
    const int64_t n = l.size;
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    TO *o = (TO *)l.ptr[0];
    const TA *a = (const TA *)l.ptr[1];
    const bool sa = l.scalar & 1u;
    const TB *b[NB];
    bool sb[NB];
#pragma unroll
    for (int k = 0; k < NB; k++) {
        b[k] = NIN > 1 ? (const TB *)l.ptr[k + 2] : nullptr;
        sb[k] = NIN > 1 && (l.scalar >> (k + 1) & 1u);
    }
    bool aligned = (uintptr_t)o % (sizeof(TO) * V) == 0 && (sa || (uintptr_t)a % (sizeof(TA) * V) == 0);
#pragma unroll
    for (int k = 0; k < NIN - 1; k++)
        aligned = aligned && (sb[k] || (uintptr_t)b[k] % (sizeof(TB) * V) == 0);
    int64_t done = 0;
    if (V > 1 && aligned) {
        const int64_t nv = n / V, tile = (int64_t)U * blockDim.x, ntile = nv / tile;
        for (int64_t t = blockIdx.x; t < ntile; t += gridDim.x) {
            const int64_t k0 = t * tile + threadIdx.x;
            const TA as = sa ? a[0] : TA();
            TB bs[NB];
#pragma unroll
            for (int k = 0; k < NIN - 1; k++) bs[k] = sb[k] ? b[k][0] : TB();
            ew_vec<TA, V> va[U];
            ew_vec<TB, V> vb[U][NB];
#pragma unroll
            for (int u = 0; u < U; u++) {
                const int64_t i = k0 + (int64_t)u * blockDim.x;
                va[u] = sa ? ew_splat<TA, V>(as) : ew_vload<TA, V>(a, i);
#pragma unroll
                for (int k = 0; k < NIN - 1; k++)
                    vb[u][k] = sb[k] ? ew_splat<TB, V>(bs[k]) : ew_vload<TB, V>(b[k], i);
            }
#pragma unroll
            for (int u = 0; u < U; u++) {
                ew_vec<TO, V> vo;
#pragma unroll
                for (int j = 0; j < V; j++) {
                    TB bj[NB];
#pragma unroll
                    for (int k = 0; k < NIN - 1; k++) bj[k] = vb[u][k].v[j];
                    vo.v[j] = ew_call<Op, TO, TA, TB, NIN>(op, va[u].v[j], bj);
                }
                ew_vstore<TO, V>(o, k0 + (int64_t)u * blockDim.x, vo);
            }
        }
        // the vectors after the last whole tile, one a thread
        for (int64_t i = ntile * tile + tid; i < nv; i += nth) {
            ew_vec<TA, V> va = sa ? ew_splat<TA, V>(a[0]) : ew_vload<TA, V>(a, i);
            ew_vec<TB, V> vb[NB];
#pragma unroll
            for (int k = 0; k < NIN - 1; k++)
                vb[k] = sb[k] ? ew_splat<TB, V>(b[k][0]) : ew_vload<TB, V>(b[k], i);
            ew_vec<TO, V> vo;
#pragma unroll
            for (int j = 0; j < V; j++) {
                TB bj[NB];
#pragma unroll
                for (int k = 0; k < NIN - 1; k++) bj[k] = vb[k].v[j];
                vo.v[j] = ew_call<Op, TO, TA, TB, NIN>(op, va.v[j], bj);
            }
            ew_vstore<TO, V>(o, i, vo);
        }
        done = nv * V;
    }
    for (int64_t i = done + tid; i < n; i += nth) {
        TB bj[NB];
#pragma unroll
        for (int k = 0; k < NIN - 1; k++) bj[k] = b[k][sb[k] ? 0 : i];
        o[i] = ew_call<Op, TO, TA, TB, NIN>(op, a[sa ? 0 : i], bj);
    }
}

// Whether l is one flat dim with every operand dense or (inputs) stride 0.
static inline bool ew_flat(const ax_cu_ew *l) {
    if (l->contiguous) return true;
    if (l->ndim != 1 || l->strides[0][0] != 1) return false;
    for (int o = 1; o < l->n_ops; o++)
        if (l->strides[o][0] != 0 && l->strides[o][0] != 1) return false;
    return true;
}

// Element offsets of row-major index i over the first nd dims of l, for
// every operand. Out of line (one body per operand count, not per kernel):
// the index math is the same for every op and dtype, and inlining it into
// each strided kernel made this family slow to compile. 32-bit division
// when the index fits.
template <int NOPS>
__device__ __noinline__ void ew_offsets(const ax_cu_ew *l, int nd, int64_t i, int64_t *off) {
#pragma unroll
    for (int o = 0; o < NOPS; o++) off[o] = 0;
    if (i <= 0x7fffffff && l->size <= 0x7fffffff) {
        uint32_t u = (uint32_t)i;
        for (int d = nd - 1; d >= 0; d--) {
            uint32_t n = (uint32_t)l->shape[d], q = u / n;
            int64_t idx = (int64_t)(u - q * n);
#pragma unroll
            for (int o = 0; o < NOPS; o++) off[o] += idx * l->strides[o][d];
            u = q;
        }
        return;
    }
    for (int d = nd - 1; d >= 0; d--) {
        int64_t n = l->shape[d], q = i / n;
        int64_t idx = i - q * n;
#pragma unroll
        for (int o = 0; o < NOPS; o++) off[o] += idx * l->strides[o][d];
        i = q;
    }
}

// Rows at least this long take the 2-d grid.
#define EW_ROW_MIN 256

template <class Op, typename TO, typename TA, typename TB, int NIN>
__device__ __forceinline__ void ew_at(const ax_cu_ew &l, const Op &op, const int64_t *off) {
    constexpr int NB = EW_NB(NIN);
    TB bj[NB];
#pragma unroll
    for (int k = 0; k < NIN - 1; k++) bj[k] = ((const TB *)l.ptr[k + 2])[off[k + 2]];
    ((TO *)l.ptr[0])[off[0]] = ew_call<Op, TO, TA, TB, NIN>(op, ((const TA *)l.ptr[1])[off[1]], bj);
}

template <class Op, typename TO, typename TA, typename TB, int NIN>
__global__ void __launch_bounds__(AX_CU_THREADS)
    ew_k_strided(const __grid_constant__ ax_cu_ew l, const Op op) {
    constexpr int NOPS = NIN + 1;
    const int nd = l.ndim;
    const int64_t inner = l.shape[nd - 1];
    int64_t off[NOPS];
    if (inner >= EW_ROW_MIN) {
        const int64_t rows = l.size / inner;
        for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
            int64_t base[NOPS];
            ew_offsets<NOPS>(&l, nd - 1, r, base);
            for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < inner;
                 c += (int64_t)gridDim.x * blockDim.x) {
#pragma unroll
                for (int o = 0; o < NOPS; o++) off[o] = base[o] + c * l.strides[o][nd - 1];
                ew_at<Op, TO, TA, TB, NIN>(l, op, off);
            }
        }
        return;
    }
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += nth) {
        ew_offsets<NOPS>(&l, nd, i, off);
        ew_at<Op, TO, TA, TB, NIN>(l, op, off);
    }
}

// ---------------------------------------------------------------- integers of any width

// Integer ops are computed on 64 bits (W: int64_t or uint64_t after sign or
// zero extension) and truncated on store, which gives the CPU's wrapping
// results for every width. Typed kernels (ew_launch) serve the common
// widths; ew_k_dyn serves the rest with the width a runtime value.
template <bool SGN> struct ew_wide {
    typedef uint64_t type;
};
template <> struct ew_wide<true> {
    typedef int64_t type;
};

template <bool SGN>
__device__ __forceinline__ typename ew_wide<SGN>::type ew_dyn_ld(const char *p, int sz) {
    if constexpr (SGN) {
        switch (sz) {
        case 1: return *(const int8_t *)p;
        case 2: return *(const int16_t *)p;
        case 4: return *(const int32_t *)p;
        default: return *(const int64_t *)p;
        }
    } else {
        switch (sz) {
        case 1: return *(const uint8_t *)p;
        case 2: return *(const uint16_t *)p;
        case 4: return *(const uint32_t *)p;
        default: return *(const uint64_t *)p;
        }
    }
}
__device__ __forceinline__ void ew_dyn_st(char *p, int sz, uint64_t v) {
    switch (sz) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(uint16_t *)p = (uint16_t)v; break;
    case 4: *(uint32_t *)p = (uint32_t)v; break;
    default: *(uint64_t *)p = v; break;
    }
}

// Op: `R operator()(W a[, W b])` with R W or uint8_t (bool results).
template <class Op, bool SGN, int NIN>
__global__ void __launch_bounds__(AX_CU_THREADS)
    ew_k_dyn(const __grid_constant__ ax_cu_ew l, const Op op, int isz, int osz) {
    typedef typename ew_wide<SGN>::type W;
    const int64_t nth = (int64_t)gridDim.x * blockDim.x;
    int64_t off[NIN + 1];
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += nth) {
        if (l.contiguous) {
#pragma unroll
            for (int o = 0; o <= NIN; o++) off[o] = i;
        } else {
            ew_offsets<NIN + 1>(&l, l.ndim, i, off);
        }
        W a = ew_dyn_ld<SGN>((const char *)l.ptr[1] + off[1] * isz, isz);
        uint64_t r;
        if constexpr (NIN == 1) r = (uint64_t)op(a);
        else r = (uint64_t)op(a, ew_dyn_ld<SGN>((const char *)l.ptr[2] + off[2] * isz, isz));
        ew_dyn_st((char *)l.ptr[0] + off[0] * osz, osz, r);
    }
}

template <class Op, bool SGN, int NIN>
static cudaError_t ew_launch_dyn(const ax_cu_ew *l, int isz, int osz, cudaStream_t s, Op op = Op()) {
    if (l->size <= 0) return cudaSuccess;
    ew_k_dyn<Op, SGN, NIN><<<ax_cu_blocks(l->size, 1), AX_CU_THREADS, 0, s>>>(*l, op, isz, osz);
    return cudaGetLastError();
}

// A 64-bit integer op on typed storage T (output TO: T, or uint8_t for bool).
template <class Op, typename T, typename TO> struct ew_typed_int {
    Op op;
    __device__ __forceinline__ TO operator()(T a) const {
        return (TO)op((typename ew_wide<((T)-1 < (T)0)>::type)a);
    }
    __device__ __forceinline__ TO operator()(T a, T b) const {
        typedef typename ew_wide<((T)-1 < (T)0)>::type W;
        return (TO)op((W)a, (W)b);
    }
};

// Launch Op over layout l (operand dtypes already checked by the caller).
template <class Op, typename TO, typename TA, typename TB, int NIN>
static cudaError_t ew_launch(const ax_cu_ew *l, cudaStream_t s, Op op = Op()) {
    if (l->size <= 0) return cudaSuccess;
    if (ew_flat(l)) {
        constexpr int V = ew_width<TO, TA, TB, NIN>::V;
        int64_t nv = (l->size + V - 1) / V; // a block a tile (grid-stride past 2M blocks)
        constexpr int U = ew_tile_u<Op, TO, TA, TB, NIN>::value;
        ew_flat_args fa = {l->size, {l->ptr[0], l->ptr[1], NIN > 1 ? l->ptr[2] : nullptr,
                                     NIN > 2 ? l->ptr[3] : nullptr}, 0u};
        for (int k = 0; k < NIN; k++)
            if (l->strides[k + 1][0] == 0) fa.scalar |= 1u << k;
        ew_k_contig<Op, TO, TA, TB, NIN><<<ax_cu_blocks(nv, U), AX_CU_THREADS, 0, s>>>(fa, op);
    } else {
        int64_t inner = l->shape[l->ndim - 1];
        dim3 grid;
        if (inner >= EW_ROW_MIN) {
            int64_t rows = l->size / inner;
            grid.x = ax_cu_blocks(inner, 1);
            if (grid.x > 65535) grid.x = 65535;
            grid.y = (unsigned)(rows < 65535 ? rows : 65535);
        } else {
            grid.x = ax_cu_blocks(l->size, 1);
        }
        ew_k_strided<Op, TO, TA, TB, NIN><<<grid, AX_CU_THREADS, 0, s>>>(*l, op);
    }
    return cudaGetLastError();
}

#endif
