/* The two 8-bit float formats of fp8 (OCP 8-bit floating point, as NVIDIA
 * Hopper's tensor cores read them), shared by the CPU kernels and the CUDA
 * kernels (compiled by nvcc as host and device code), so both give the same
 * bits:
 *
 *   E4M3 ("e4m3fn"): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no
 *     infinities; S.1111.111 is NaN; largest finite 448 (0x7e), smallest
 *     subnormal 2^-9.
 *   E5M2: 1 sign, 5 exponent (bias 15), 2 mantissa bits, IEEE-like: infinities
 *     (0x7c), NaNs (exponent 31, mantissa != 0); largest finite 57344 (0x7b),
 *     smallest subnormal 2^-16.
 *
 * Encoding rounds once from double to nearest, ties to even, and saturates:
 * a magnitude that would round above the largest finite value (infinity
 * included) becomes the largest finite value with its sign (CUDA's
 * __NV_SATFINITE; quantized weights and activations want a clamp, not an
 * infinity). NaN becomes the canonical NaN 0x7f (E4M3) or 0x7e (E5M2); a
 * value that rounds to zero keeps its sign. Decoding is exact in float
 * (every fp8 value is a float16, bfloat16 and float32 value too). */
#ifndef AX_BACKEND_FP8_CODEC_H
#define AX_BACKEND_FP8_CODEC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define AX_FP8_HD __host__ __device__ __forceinline__
#else
#define AX_FP8_HD static inline
#endif

/* Formats; the values match ax_fp8_format in include/ax/fp8.h. */
enum { AX__FP8_E4M3 = 0, AX__FP8_E5M2 = 1 };

/* Mantissa bits, exponent bias, largest finite magnitude code and the
 * canonical NaN of each format. */
AX_FP8_HD int ax__fp8_mbits(int fmt) { return fmt == AX__FP8_E4M3 ? 3 : 2; }
AX_FP8_HD int ax__fp8_bias(int fmt) { return fmt == AX__FP8_E4M3 ? 7 : 15; }
AX_FP8_HD uint8_t ax__fp8_max_code(int fmt) { return fmt == AX__FP8_E4M3 ? 0x7e : 0x7b; }
AX_FP8_HD float ax__fp8_max(int fmt) { return fmt == AX__FP8_E4M3 ? 448.0f : 57344.0f; } /* its value */
AX_FP8_HD uint8_t ax__fp8_nan_code(int fmt) { return fmt == AX__FP8_E4M3 ? 0x7f : 0x7e; }

/* The value of a code (float: exact). */
AX_FP8_HD float ax__fp8_decode(uint8_t c, int fmt) {
    const int mb = ax__fp8_mbits(fmt), bias = ax__fp8_bias(fmt);
    const int e = (c & 0x7f) >> mb, m = c & ((1 << mb) - 1), emax = fmt == AX__FP8_E4M3 ? 15 : 31;
    float v;
    if (fmt == AX__FP8_E4M3 && e == emax && m == (1 << mb) - 1) v = NAN;
    else if (fmt == AX__FP8_E5M2 && e == emax) v = m ? NAN : INFINITY;
    else if (e == 0) v = ldexpf((float)m, 1 - bias - mb); /* subnormal */
    else v = ldexpf((float)(m + (1 << mb)), e - bias - mb);
    return (c & 0x80) ? -v : v;
}

/* The code of x: round to nearest even once, saturate (see above). */
AX_FP8_HD uint8_t ax__fp8_encode(double x, int fmt) {
    const int mb = ax__fp8_mbits(fmt), bias = ax__fp8_bias(fmt);
    const uint8_t sign = signbit(x) ? 0x80 : 0, maxc = ax__fp8_max_code(fmt);
    if (isnan(x)) return ax__fp8_nan_code(fmt);
    double a = fabs(x);
    if (a >= (double)ax__fp8_max(fmt)) return (uint8_t)(sign | maxc); /* infinities too */
    if (a == 0) return sign;
    int e = 0;
    (void)frexp(a, &e);
    e -= 1;                            /* a in [2^e, 2^(e+1)) */
    if (e < 1 - bias) e = 1 - bias;    /* subnormals: the spacing of the smallest normals */
    double q = ldexp(a, mb - e);       /* a in units of the spacing at e: exact */
    double r = floor(q), f = q - r;    /* exact too */
    if (f > 0.5 || (f == 0.5 && ((int)r & 1))) r += 1;
    int mant = (int)r;                 /* 0 .. 2^(mb+1) */
    if (mant == 2 << mb) {             /* rounded up to the next binade */
        mant = 1 << mb;
        e += 1;
    }
    int code = mant < (1 << mb) ? mant : ((e + bias) << mb) | (mant - (1 << mb));
    if (code > maxc) code = maxc; /* rounded past the largest finite value */
    return (uint8_t)(sign | code);
}

/* The same code for a float32 x, with integer arithmetic on its bits (the
 * CPU's fast path; equal to ax__fp8_encode((double)x, fmt) for every x). */
AX_FP8_HD uint8_t ax__fp8_encode_f32(float x, int fmt) {
    const int mb = ax__fp8_mbits(fmt), bias = ax__fp8_bias(fmt), emin = 1 - bias;
    const uint8_t maxc = ax__fp8_max_code(fmt);
    uint32_t u;
    memcpy(&u, &x, 4);
    const uint8_t sign = (uint8_t)((u >> 24) & 0x80);
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return ax__fp8_nan_code(fmt);
    const float mx = ax__fp8_max(fmt);
    uint32_t maxbits;
    memcpy(&maxbits, &mx, 4);
    if (a >= maxbits) return (uint8_t)(sign | maxc); /* positive floats order as their bits */
    const int e = (int)(a >> 23) - 127; /* float32 subnormals: far below half the smallest code */
    int shift = 23 - mb + (e < emin ? emin - e : 0);
    if (shift > 24) return sign; /* below half the smallest subnormal (or exactly half: even, 0) */
    const uint32_t m = (a & 0x7fffffu) | 0x800000u, half = 1u << (shift - 1);
    uint32_t q = m >> shift, rem = m & ((half << 1) - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    /* normal: the implicit bit in q carries into the exponent field (also
     * when rounding reached the next binade); subnormal: q is the code */
    int code = e >= emin ? ((e + bias - 1) << mb) + (int)q : (int)q;
    if (code > maxc) code = maxc;
    return (uint8_t)(sign | code);
}

#endif
