// Random family on the GPU: RANDOM_BITS and RANDOM_PERMUTATION.
//
// Element i's value is a function of threefry2x32(key, i) only (see
// src/ops/random_params.h), so a thread computes any element on its own and
// the result is the CPU's bit for bit. The conversions mirror the CPU's
// scalar formulas (value_at in src/backend/cpu/random.c): the value is
// carried in double and rounded to the dtype after every operation. nvcc
// contracts a * b + c into fma by default while the CPU (ISO C11) never
// does, so every such expression here uses explicit _rn intrinsics.
// Bit-identical to the CPU: bits, split, randint, bernoulli, uniform (every
// dtype), and float32 normal / gumbel / laplace (the CPU's fast kernel uses
// its own float32 log, ported below). The rest call CUDA's IEEE libm where
// the CPU calls glibc (float32 truncated_normal: log1pf; float64 normal /
// truncated_normal / gumbel / laplace: log, log1p, erf, erfc, exp; float16 /
// bfloat16: logf, log1pf before rounding to the half type): both are within
// an ulp or two of exact, so those match to rounding (halves almost always
// bit for bit).
#include <cub/device/device_radix_sort.cuh>
#include <math_constants.h>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/random.h"

// ax_random_kind (src/ops/random_params.h; not included: it is C-only)
enum { RND_BITS = 0, RND_SPLIT, RND_UNIFORM, RND_NORMAL, RND_TRUNC_NORMAL, RND_RANDINT,
       RND_BERNOULLI, RND_GUMBEL, RND_LAPLACE };

#define TF_PARITY 0x1BD11BDAu

__device__ __forceinline__ uint32_t tf_rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Threefry-2x32, 20 rounds (the same schedule as ax__threefry2x32).
__device__ __forceinline__ void tf2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                                       uint32_t *y0, uint32_t *y1) {
    const uint32_t k2 = k0 ^ k1 ^ TF_PARITY;
    uint32_t x0 = c0 + k0, x1 = c1 + k1;
#define TF_R(r) x0 += x1, x1 = tf_rotl(x1, r), x1 ^= x0
#define TF_G(a, b, c, d) TF_R(a), TF_R(b), TF_R(c), TF_R(d)
    TF_G(13, 15, 26, 6);
    x0 += k1, x1 += k2 + 1u;
    TF_G(17, 29, 16, 24);
    x0 += k2, x1 += k0 + 2u;
    TF_G(13, 15, 26, 6);
    x0 += k0, x1 += k1 + 3u;
    TF_G(17, 29, 16, 24);
    x0 += k1, x1 += k2 + 4u;
    TF_G(13, 15, 26, 6);
    x0 += k2, x1 += k0 + 5u;
#undef TF_G
#undef TF_R
    *y0 = x0;
    *y1 = x1;
}

// Counter i is the 64-bit index split (hi, lo).
__device__ __forceinline__ void tf_at(uint32_t k0, uint32_t k1, uint64_t i, uint32_t *y0, uint32_t *y1) {
    tf2x32(k0, k1, (uint32_t)(i >> 32), (uint32_t)i, y0, y1);
}

__device__ __forceinline__ uint64_t fold_bits(uint32_t y0, uint32_t y1, int nbits) {
    if (nbits == 64) return ((uint64_t)y0 << 32) | y1;
    uint32_t x = y0 ^ y1;
    return nbits == 32 ? x : nbits == 16 ? (x & 0xffffu) : (x & 0xffu);
}

__device__ __forceinline__ uint64_t bits_at(uint32_t k0, uint32_t k1, uint64_t i, int nbits) {
    uint32_t y0, y1;
    tf_at(k0, k1, i, &y0, &y1);
    return fold_bits(y0, y1, nbits);
}

// x rounded to dtype t once (t's arithmetic).
__device__ __forceinline__ double rnd_t(int t, double x) {
    switch (t) {
    case AX_CU_FLOAT32: return (double)__double2float_rn(x);
    case AX_CU_FLOAT16: return (double)__half2float(__double2half(x));
    case AX_CU_BFLOAT16: return (double)__bfloat162float(__double2bfloat16(x));
    default: return x;
    }
}

// [0, 1) of dtype t from its random bits (mantissa under the exponent of 1).
__device__ __forceinline__ double u01_of_bits(int t, uint64_t b) {
    switch (t) {
    case AX_CU_FLOAT64: return __longlong_as_double((long long)((b >> 12) | 0x3ff0000000000000ull)) - 1.0;
    case AX_CU_FLOAT32: return (double)(__uint_as_float(((uint32_t)b >> 9) | 0x3f800000u) - 1.0f);
    case AX_CU_FLOAT16:
        return (double)__half2float(__ushort_as_half((unsigned short)(((uint16_t)b >> 6) | 0x3c00u))) - 1.0;
    default:
        return (double)__bfloat162float(__ushort_as_bfloat16((unsigned short)(((uint16_t)b >> 1) | 0x3f80u))) - 1.0;
    }
}

// Giles' single-precision erfinv (the CPU's erfinv_giles_w), uncontracted.
__device__ __forceinline__ float erfinv_giles_w(float x, float w, float sw) {
    float wa = w - 2.5f, wb = sw - 3.0f;
    float p1 = 2.81022636e-08f, p2 = -0.000200214257f;
#define STEP(c1, c2) p1 = __fadd_rn(c1, __fmul_rn(p1, wa)), p2 = __fadd_rn(c2, __fmul_rn(p2, wb))
    STEP(3.43273939e-07f, 0.000100950558f);
    STEP(-3.5233877e-06f, 0.00134934322f);
    STEP(-4.39150654e-06f, -0.00367342844f);
    STEP(0.00021858087f, 0.00573950773f);
    STEP(-0.00125372503f, -0.0076224613f);
    STEP(-0.00417768164f, 0.00943887047f);
    STEP(0.246640727f, 1.00167406f);
    STEP(1.50140941f, 2.83297682f);
#undef STEP
    float r = __fmul_rn(w < 5.0f ? p1 : p2, x);
    return fabsf(x) == 1.0f ? x * INFINITY : r;
}

__device__ __forceinline__ float erfinv_giles(float x, float lp) { return erfinv_giles_w(x, -lp, sqrtf(-lp)); }

// erfinv in double: Giles' estimate and Newton steps on erf / erfc.
__device__ double erfinv_f64(double x) {
    if (x != x) return x;
    double ax = fabs(x);
    if (ax >= 1) return ax == 1 ? x * INFINITY : CUDART_NAN;
    float fa = (float)ax;
    double y = erfinv_giles(fa, log1pf(__fmul_rn(-fa, fa)));
    if (!isfinite(y)) y = 6;
    const double k = 1.1283791670955126; // 2 / sqrt(pi)
    for (int it = 0; it < 4; it++) {
        double d = __dmul_rn(k, exp(__dmul_rn(-y, y)));
        double f = ax < 0.5 ? __dsub_rn(erf(y), ax) : __dsub_rn(1 - ax, erfc(y));
        double step = __ddiv_rn(f, d);
        y = __dsub_rn(y, step);
        if (fabs(step) <= __dmul_rn(1e-17, y)) break;
    }
    return x < 0 ? -y : y;
}

__device__ __forceinline__ double erfinv_t(int t, double u) {
    if (t == AX_CU_FLOAT64) return erfinv_f64(u);
    float x = (float)u;
    return erfinv_giles(x, log1pf(__fmul_rn(-x, x)));
}

// The CPU's vectorized float32 log (ew_logf in src/backend/cpu/ew_math.h:
// atanh series after splitting x = 2^e (1 + f)), which its fast kernel uses
// for float32 normal / gumbel / laplace; every operation uncontracted, so the
// bits are the CPU's.
__device__ __forceinline__ float ew_log1p_red(float f) {
    float s = __fdiv_rn(f, __fadd_rn(2.0f, f)), z = __fmul_rn(s, s);
    float R = 2.0f / 11.0f;
    R = __fadd_rn(__fmul_rn(R, z), 2.0f / 9.0f);
    R = __fadd_rn(__fmul_rn(R, z), 2.0f / 7.0f);
    R = __fadd_rn(__fmul_rn(R, z), 2.0f / 5.0f);
    R = __fadd_rn(__fmul_rn(R, z), 2.0f / 3.0f);
    R = __fmul_rn(R, z);
    float hfsq = __fmul_rn(__fmul_rn(0.5f, f), f);
    return __fsub_rn(f, __fsub_rn(hfsq, __fmul_rn(s, __fadd_rn(hfsq, R))));
}

__device__ __forceinline__ float ew_logf(float x) {
    int sub = x < 0x1p-126f;
    float xs = sub ? x * 0x1p23f : x;
    uint32_t u = __float_as_uint(xs);
    int e = (int)(u >> 23) - 127 - (sub ? 23 : 0);
    float m = __uint_as_float((u & 0x7fffffu) | 0x3f800000u);
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    float ef = (float)(e + big), f = m - 1.0f;
    float l = ew_log1p_red(f);
    float y = __fadd_rn(__fadd_rn(l, __fmul_rn(ef, -2.12194440e-4f)), __fmul_rn(ef, 0.693359375f));
    y = x == 0.0f ? -CUDART_INF_F : y;
    y = x < 0.0f ? CUDART_NAN_F : y;
    y = x == CUDART_INF_F ? CUDART_INF_F : y;
    return x != x ? x : y;
}

// log1p(v) for v in (-1, 0] as the CPU's fast kernel: log of 1 + v plus the
// rounding correction of 1 + v.
__device__ __forceinline__ float log1p_neg(float v) {
    float m = __fadd_rn(1.0f, v);
    return __fadd_rn(ew_logf(m), __fdiv_rn(__fsub_rn(v, __fsub_rn(m, 1.0f)), m));
}

// a * b + c as the CPU's fmadd: fused for float64/float32/float16, two
// roundings for bfloat16.
__device__ __forceinline__ double fmadd(int t, double a, double b, double c) {
    switch (t) {
    case AX_CU_FLOAT64: return fma(a, b, c);
    case AX_CU_BFLOAT16: return rnd_t(t, __dadd_rn(rnd_t(t, __dmul_rn(a, b)), c));
    default: return rnd_t(t, (double)fmaf((float)a, (float)b, (float)c));
    }
}

__device__ __forceinline__ void store_bits(void *out, int dtype, int64_t i, uint64_t v) {
    switch (ax_cu_dtype_size(dtype)) {
    case 1: ((uint8_t *)out)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)out)[i] = (uint16_t)v; break;
    case 4: ((uint32_t *)out)[i] = (uint32_t)v; break;
    default: ((uint64_t *)out)[i] = v; break;
    }
}

// v is already a value of the float dtype (or rounds once to it).
__device__ __forceinline__ void store_float(void *out, int dtype, int64_t i, double v) {
    switch (dtype) {
    case AX_CU_FLOAT64: ((double *)out)[i] = v; break;
    case AX_CU_FLOAT32: ((float *)out)[i] = __double2float_rn(v); break;
    case AX_CU_FLOAT16: ((__half *)out)[i] = __double2half(v); break;
    default: ((__nv_bfloat16 *)out)[i] = __double2bfloat16(v); break;
    }
}

__device__ __forceinline__ uint64_t randint_offset(const ax_cu_rnd &r, uint64_t hb, uint64_t lb) {
    uint64_t s = r.ispan, mk = r.imask;
    uint64_t h = s ? hb % s : hb, l = s ? lb % s : lb;
    uint64_t v = ((h * r.imult) + l) & mk;
    return s ? v % s : v;
}

__global__ void __launch_bounds__(AX_CU_THREADS) k_random_bits(const ax_cu_rnd r) {
    const uint32_t k0 = r.key[0], k1 = r.key[r.key_stride];
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int t = r.t;
    switch (r.kind) {
    case RND_BITS:
        for (; i < r.n; i += stride) store_bits(r.out, r.out_dtype, i, bits_at(k0, k1, (uint64_t)i, r.nbits));
        return;
    case RND_SPLIT:
        for (; i < r.n; i += stride) {
            uint32_t y0, y1;
            tf_at(k0, k1, (uint64_t)i >> 1, &y0, &y1);
            ((uint32_t *)r.out)[i] = (i & 1) ? y1 : y0;
        }
        return;
    case RND_RANDINT: {
        uint32_t a0, a1, b0, b1; // split(key): the high and low words' keys
        tf_at(k0, k1, 0, &a0, &a1);
        tf_at(k0, k1, 1, &b0, &b1);
        for (; i < r.n; i += stride) {
            uint64_t hb = bits_at(a0, a1, (uint64_t)i, r.nbits), lb = bits_at(b0, b1, (uint64_t)i, r.nbits);
            store_bits(r.out, r.out_dtype, i, (uint64_t)r.ilo + randint_offset(r, hb, lb));
        }
        return;
    }
    case RND_BERNOULLI:
        for (; i < r.n; i += stride) {
            double p = r.p;
            if (r.has_p) {
                int64_t off = ax_cu_offset(i, r.parr.ndim, r.parr.shape, r.parr.strides);
                p = ax_cu_load_f64((const char *)r.parr.ptr + off * (int64_t)ax_cu_dtype_size(r.parr.dtype),
                                   r.parr.dtype);
                if (!(p >= 0 && p <= 1)) atomicMin(r.bad, (unsigned long long)i);
            }
            double u = u01_of_bits(t, bits_at(k0, k1, (uint64_t)i, r.nbits));
            ((uint8_t *)r.out)[i] = u < p;
        }
        return;
    default: break;
    }
    const bool f64 = t == AX_CU_FLOAT64;
    if (t == AX_CU_FLOAT32 && (r.kind == RND_NORMAL || r.kind == RND_GUMBEL || r.kind == RND_LAPLACE)) {
        // the CPU's fast float32 kernel (convert_block): the same values as
        // the formulas below but with its own log, so follow it exactly
        const float lo = (float)r.lo, span = (float)r.span, loc = (float)r.loc, scale = (float)r.scale,
                    s2 = (float)r.sqrt2;
        for (; i < r.n; i += stride) {
            uint32_t y0, y1;
            tf_at(k0, k1, (uint64_t)i, &y0, &y1);
            float u = fmaf(__uint_as_float(((y0 ^ y1) >> 9) | 0x3f800000u) - 1.0f, span, lo);
            u = u < lo ? lo : u;
            float v;
            if (r.kind == RND_NORMAL) {
                float w = -log1p_neg(-__fmul_rn(u, u));
                v = fmaf(scale, __fmul_rn(s2, erfinv_giles_w(u, w, sqrtf(w))), loc);
            } else if (r.kind == RND_GUMBEL) {
                v = -ew_logf(-ew_logf(u));
            } else {
                float l = log1p_neg(-fabsf(u));
                v = fmaf(scale, u > 0 ? l : u < 0 ? -l : 0.0f, loc);
            }
            ((float *)r.out)[i] = v;
        }
        return;
    }
    for (; i < r.n; i += stride) {
        double u = fmadd(t, u01_of_bits(t, bits_at(k0, k1, (uint64_t)i, r.nbits)), r.span, r.lo);
        u = u < r.lo ? r.lo : u;
        double v = u;
        switch (r.kind) {
        case RND_UNIFORM:
            v = rnd_t(t, u);
            v = v > r.chi ? r.chi : v;
            break;
        case RND_NORMAL:
            v = rnd_t(t, __dmul_rn(r.sqrt2, rnd_t(t, erfinv_t(t, u))));
            v = fmadd(t, r.scale, v, r.loc);
            break;
        case RND_TRUNC_NORMAL:
            v = rnd_t(t, __dmul_rn(r.sqrt2, rnd_t(t, erfinv_t(t, u))));
            v = v < r.clo ? r.clo : v > r.chi ? r.chi : v;
            break;
        case RND_GUMBEL:
            v = f64 ? -log(-log(u)) : rnd_t(t, -logf((float)rnd_t(t, -logf((float)u))));
            break;
        case RND_LAPLACE: {
            double l = f64 ? log1p(-fabs(u)) : rnd_t(t, log1pf(-fabsf((float)u)));
            v = u > 0 ? l : u < 0 ? -l : 0.0 * l;
            v = fmadd(t, r.scale, v, r.loc);
            break;
        }
        default: break;
        }
        store_float(r.out, r.out_dtype, i, v);
    }
}

extern "C" cudaError_t ax_cu_random_bits(const ax_cu_rnd *r, cudaStream_t stream) {
    if (r->n <= 0) return cudaSuccess;
    k_random_bits<<<ax_cu_blocks(r->n, 1), AX_CU_THREADS, 0, stream>>>(*r);
    return cudaGetLastError();
}

// ---------------------------------------------------------------- permutation

__global__ void k_perm_iota(int64_t *out, int64_t n) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        out[i] = i;
}

// Sort keys of round `round`: the key chain key_{r+1} = threefry(key_r, 0),
// sub_r = threefry(key_r, 1) (the CPU's split per round), then element i's
// 32 random bits under sub_r.
__global__ void k_perm_keys(const uint32_t *key, int64_t key_stride, int round, uint32_t *sk, int64_t n) {
    uint32_t k0 = key[0], k1 = key[key_stride], s0 = 0, s1 = 0;
    for (int r = 0; r <= round; r++) {
        uint32_t n0, n1;
        tf_at(k0, k1, 1, &s0, &s1);
        tf_at(k0, k1, 0, &n0, &n1);
        k0 = n0, k1 = n1;
    }
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        uint32_t y0, y1;
        tf_at(s0, s1, (uint64_t)i, &y0, &y1);
        sk[i] = y0 ^ y1;
    }
}

static size_t perm_align(size_t b) { return (b + 255) & ~(size_t)255; }

static size_t perm_cub_bytes(int64_t n) {
    size_t bytes = 0;
    cub::DeviceRadixSort::SortPairs(nullptr, bytes, (const uint32_t *)nullptr, (uint32_t *)nullptr,
                                    (const int64_t *)nullptr, (int64_t *)nullptr, n, 0, 32);
    return bytes;
}

// Workspace: two key arrays, one value array, CUB's temporary storage.
extern "C" size_t ax_cu_random_perm_workspace(int64_t n) {
    return 2 * perm_align(4 * (size_t)n) + perm_align(8 * (size_t)n) + perm_cub_bytes(n);
}

extern "C" cudaError_t ax_cu_random_perm(const uint32_t *key, int64_t key_stride, int64_t *out, int64_t n,
                                         int rounds, void *ws, size_t ws_bytes, cudaStream_t stream) {
    if (n <= 0) return cudaSuccess;
    k_perm_iota<<<ax_cu_blocks(n, 4), AX_CU_THREADS, 0, stream>>>(out, n);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess || rounds <= 0) return err;
    char *w = (char *)ws;
    uint32_t *ka = (uint32_t *)w, *kb = (uint32_t *)(w + perm_align(4 * (size_t)n));
    int64_t *vb = (int64_t *)(w + 2 * perm_align(4 * (size_t)n));
    void *tmp = w + 2 * perm_align(4 * (size_t)n) + perm_align(8 * (size_t)n);
    size_t tmp_bytes = ws_bytes - (size_t)((char *)tmp - w);
    int64_t *va = out;
    for (int r = 0; r < rounds; r++) {
        k_perm_keys<<<ax_cu_blocks(n, 1), AX_CU_THREADS, 0, stream>>>(key, key_stride, r, ka, n);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
        // LSD radix sort: stable, so equal keys keep their positions (the CPU's order)
        err = cub::DeviceRadixSort::SortPairs(tmp, tmp_bytes, ka, kb, va, vb, n, 0, 32, stream);
        if (err != cudaSuccess) return err;
        int64_t *tv = va;
        va = vb, vb = tv;
    }
    if (va != out) err = cudaMemcpyAsync(out, va, 8 * (size_t)n, cudaMemcpyDeviceToDevice, stream);
    return err;
}
