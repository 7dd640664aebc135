/* Vectorizable float32 math for the elementwise kernels, plus the half-type
 * conversions they use. Each function is branch-free (selects instead of
 * branches) so loops calling it vectorize at -O3. Accuracy targets a few ulp
 * against a float64 reference (tests/test_elementwise.c checks it).
 *
 * exp/expm1/exp2: k = round(x / ln2), r = x - k ln2 (two-part ln2), e^r - 1
 * from its Taylor series to r^8 (|r| <= ln2/2, truncation < 1e-9 relative),
 * then scaled by 2^k in two steps so results near under/overflow are right.
 * log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f),
 * log(1 + f) = f - (f^2/2 - s (f^2/2 + R)) with R = 2z/3 + 2z^2/5 + ... (z = s^2),
 * the atanh series of 2 atanh(s). */
#ifndef AX_EW_MATH_H
#define AX_EW_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ax/core.h"
#if defined(__F16C__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

static inline uint32_t ew_f2u(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}
static inline float ew_u2f(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}

/* 2^k for integer k in [-252, 254] (two exact steps). */
static inline float ew_scale2(float v, int32_t k) {
    int32_t k1 = k / 2, k2 = k - k1;
    return v * ew_u2f((uint32_t)(k1 + 127) << 23) * ew_u2f((uint32_t)(k2 + 127) << 23);
}

/* e^r - 1 on |r| <= ln2/2 (Taylor to r^8). */
static inline float ew_expm1_poly(float r) {
    float p = 1.0f / 40320.0f;
    p = p * r + 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    return r + (r * r) * p;
}

#define EW_LN2_HI 0.693359375f       /* 9 significant bits: k * hi is exact */
#define EW_LN2_LO (-2.12194440e-4f)  /* ln 2 - hi */
#define EW_LOG2E 1.44269504088896341f
#define EW_ROUND_MAGIC 0x1.8p23f     /* x + M - M rounds |x| < 2^22 to an integer */

/* Argument reduction shared by exp and expm1: x (clamped, not NaN) -> k, r. */
static inline float ew_exp_reduce(float x, int32_t *k) {
    float kf = (x * EW_LOG2E + EW_ROUND_MAGIC) - EW_ROUND_MAGIC;
    *k = (int32_t)kf;
    float r = x - kf * EW_LN2_HI;
    return r - kf * EW_LN2_LO;
}

static inline float ew_expf(float x) {
    float xc = x > 89.0f ? 89.0f : x;
    xc = xc >= -104.0f ? xc : -104.0f; /* also maps NaN to a safe value */
    int32_t k;
    float r = ew_exp_reduce(xc, &k);
    float y = ew_scale2(1.0f + ew_expm1_poly(r), k);
    return x != x ? x : y;
}

/* e^x over n floats (y may be x). With AVX-512: the same reduction, then a
 * degree-6 fit 1 + r + r^2 q(r) (q: a least-squares fit of (e^r - 1 - r) / r^2
 * on Chebyshev nodes of [-ln2/2, ln2/2] weighted to relative error, 4e-9) in
 * place of the Taylor series, and vscalefps for the 2^k scaling (rounds once,
 * right into the subnormals): about half the instructions of ew_expf. */
#if defined(__AVX512F__)
static inline __m512 ew_exp16(__m512 x) {
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
    __m512 magic = _mm512_set1_ps(EW_ROUND_MAGIC);
    __m512 kf = _mm512_sub_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(EW_LOG2E), magic), magic);
    __m512 r = _mm512_fnmadd_ps(kf, _mm512_set1_ps(EW_LN2_HI), xc);
    r = _mm512_fnmadd_ps(kf, _mm512_set1_ps(EW_LN2_LO), r);
    __m512 q = _mm512_set1_ps(0x1.687c22p-10f);
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0x1.123b8ep-7f));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0x1.555b58p-5f));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0x1.55548ep-3f));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0x1.fffff8p-2f));
    __m512 p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r), _mm512_set1_ps(1.0f));
    __m512 y = _mm512_scalef_ps(p, kf);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x); /* NaN stays */
}
#endif

static inline void ew_expf_n(const float *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, ew_exp16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, ew_exp16(_mm512_maskz_loadu_ps(m, x + i)));
        i = n;
    }
#endif
    for (; i < n; i++) y[i] = ew_expf(x[i]);
}

static inline float ew_exp2f(float x) {
    float xc = x > 129.0f ? 129.0f : x;
    xc = xc >= -151.0f ? xc : -151.0f;
    float kf = (xc + EW_ROUND_MAGIC) - EW_ROUND_MAGIC;
    float r = (xc - kf) * 0.693147180559945309f; /* xc - kf is exact */
    float y = ew_scale2(1.0f + ew_expm1_poly(r), (int32_t)kf);
    return x != x ? x : y;
}

static inline float ew_expm1f(float x) {
    float xc = x > 89.0f ? 89.0f : x;
    xc = xc >= -20.0f ? xc : -20.0f;
    int32_t k;
    float r = ew_exp_reduce(xc, &k);
    float q = ew_expm1_poly(r);
    /* 2^k (1 + q) - 1 = 2^k q + (2^k - 1); 2^k - 1 is exact for these k */
    float s = ew_scale2(1.0f, k);
    float y = k > 100 ? ew_scale2(1.0f + q, k) : s * q + (s - 1.0f);
    y = k == 0 ? q : y;
    y = x == 0 ? x : y; /* keeps the sign of zero */
    return x != x ? x : y;
}

/* log(1 + f) for f = m - 1, m in [sqrt(1/2), sqrt(2)). */
static inline float ew_log1p_red(float f) {
    float s = f / (2.0f + f), z = s * s;
    float R = 2.0f / 11.0f;
    R = R * z + 2.0f / 9.0f;
    R = R * z + 2.0f / 7.0f;
    R = R * z + 2.0f / 5.0f;
    R = R * z + 2.0f / 3.0f;
    R *= z;
    float hfsq = 0.5f * f * f;
    return f - (hfsq - s * (hfsq + R));
}

/* Split x > 0 (finite) into e and f with x = 2^e (1 + f). */
static inline float ew_log_split(float x, float *ef) {
    int32_t sub = x < 0x1p-126f;
    float xs = sub ? x * 0x1p23f : x;
    uint32_t u = ew_f2u(xs);
    int32_t e = (int32_t)(u >> 23) - 127 - (sub ? 23 : 0);
    float m = ew_u2f((u & 0x7fffffu) | 0x3f800000u);
    int32_t big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    *ef = (float)(e + big);
    return m - 1.0f;
}

/* Results for x <= 0, inf, NaN; `y` otherwise. */
static inline float ew_log_special(float x, float y) {
    y = x == 0.0f ? -INFINITY : y;
    y = x < 0.0f ? NAN : y;
    y = x == INFINITY ? INFINITY : y;
    return x != x ? x : y;
}

static inline float ew_logf(float x) {
    float e, f = ew_log_split(x, &e);
    float l = ew_log1p_red(f);
    return ew_log_special(x, (l + e * EW_LN2_LO) + e * EW_LN2_HI);
}

static inline float ew_log2f(float x) {
    float e, f = ew_log_split(x, &e);
    float l = ew_log1p_red(f);
    return ew_log_special(x, l * 1.44269504088896341f + e);
}

static inline float ew_log10f(float x) {
    float e, f = ew_log_split(x, &e);
    float l = ew_log1p_red(f);
    /* log10 x = e log10(2) + l log10(e), log10(2) split like ln 2 */
    float y = e * 0.30102539062f + (l * 0.434294481903251828f + e * 4.60503898e-6f);
    return ew_log_special(x, y);
}

/* a * b + c rounded once where the target has FMA (it then inlines and
 * vectorizes); else rounded twice. Eager kernels and generated code include
 * this header with the same target flags, so both take the same branch. */
#if defined(__FMA__)
#define EW_FMAF(a, b, c) fmaf(a, b, c)
#else
#define EW_FMAF(a, b, c) ((a) * (b) + (c))
#endif

/* tanh |x| = t / (t + 2) with t = e^z - 1, z = 2 |x| clamped to 20 (where
 * tanh rounds to 1). z = k ln2 + r, k = round(z / ln2) in [0, 29],
 * e^r - 1 = r + r^2 P(r) with P a degree-5 fit of (e^r - 1 - r) / r^2 on
 * [-ln2/2, ln2/2] (least squares on Chebyshev nodes, iteratively reweighted
 * to minimax in the error of e^r - 1 relative to itself: 2.2e-9), then
 * t = 2^k (e^r - 1) + (2^k - 1), exact scaling; k = 0 gives t = e^r - 1
 * unchanged, so small |x| keep full relative accuracy. A NaN runs through
 * the arithmetic and comes out NaN (a test and blend for it cost GELU 6%).
 *
 * The factor 2 of z never appears: the code works with h = r / 2 and
 * (e^r - 1) / 2, P's coefficients scaled by 2^(i+1) (Horner in h), and
 * 2^(k+1) built from k's bits. Every intermediate is the textbook one times a
 * power of two, so the results are bit for bit those of computing z = 2 |x|
 * first (checked over all 2^32 inputs) with one multiply fewer: 21 vector
 * instructions with the division (the Taylor form to r^8 with separate
 * multiplies and adds took about twice as many, and GELU was compute-bound).
 * Max error 2.42 ulp over every float in [0, 10] (the rounding of t + 2 and
 * of the quotient dominate). */
static inline float ew_tanhf(float x) {
    float ax = fabsf(x);
    float m = ax > 10.0f ? 10.0f : ax; /* a NaN stays NaN to the end */
    float kb = EW_FMAF(m, 2.0f * EW_LOG2E, EW_ROUND_MAGIC); /* low mantissa bits: k */
    float kf = kb - EW_ROUND_MAGIC;
    /* float ln 2 is 1.9e-9 off, so e^z is off by k 1.9e-9 relative; tanh
     * divides that by (t + 2) / 2: under 0.05 ulp for every k (a two-part
     * ln 2 cost an instruction for nothing) */
    float h = EW_FMAF(kf, -0x1.62e43p-2f, m); /* r / 2 */
    float w = 0x1.a032bcp-7f;                  /* P's c5 * 2^6 */
    w = EW_FMAF(w, h, 0x1.6d71e6p-5f);         /* c4 * 2^5 */
    w = EW_FMAF(w, h, 0x1.11118ap-3f);         /* c3 * 2^4 */
    w = EW_FMAF(w, h, 0x1.5554b2p-2f);         /* c2 * 2^3 */
    w = EW_FMAF(w, h, 0x1.555554p-1f);         /* c1 * 2^2 */
    w = EW_FMAF(w, h, 1.0f);                   /* c0 * 2: w = 2 P(r) */
    float qh = EW_FMAF(h * h, w, h);           /* (e^r - 1) / 2 */
    float s2 = ew_u2f((ew_f2u(kb) << 23) + 0x40000000u); /* 2^(k+1) */
    float t = EW_FMAF(s2, qh, EW_FMAF(s2, 0.5f, -1.0f));
    return copysignf(t / (t + 2.0f), x); /* odd, -0 included */
}

static inline float ew_sigmoidf(float x) {
    float e = ew_expf(x < 0 ? x : -x); /* e^-|x| in (0, 1] */
    float r = 1.0f / (1.0f + e);
    return x >= 0 ? r : (x != x ? x : e * r);
}

/* erf: |x| < 0.875 from its Taylor series, x * sum_n c_n x^2n with
 * c_n = 2/sqrt(pi) (-1)^n / (n! (2n + 1)) (n <= 9: truncation < 2e-8 rel.);
 * above, 1 - e^-x^2 Q(1/x - m) with Q a degree-11 least-squares fit of
 * erfc(x) e^(x^2) on [0.875, 4] around m = (1/4 + 1/0.875) / 2 (centering
 * keeps the float evaluation free of cancellation). Q was made by this NumPy
 * snippet (Chebyshev nodes in s = 1/x, weights 1/y):
 *   s = m + (1/0.875 - 1/4)/2 * cos(pi*(arange(2000)+.5)/2000)
 *   y = [erfc(1/v) * exp(1/v**2) for v in s]; polyfit(s - m, y, 11, w=1/y) */
static inline float ew_erff(float x) {
    float ax = x < 0 ? -x : x, t = x * x;
    float p = -2.0f / 1.7724538509055160f / (362880.0f * 19.0f);  /* n = 9 */
    p = p * t + 2.0f / 1.7724538509055160f / (40320.0f * 17.0f);
    p = p * t - 2.0f / 1.7724538509055160f / (5040.0f * 15.0f);
    p = p * t + 2.0f / 1.7724538509055160f / (720.0f * 13.0f);
    p = p * t - 2.0f / 1.7724538509055160f / (120.0f * 11.0f);
    p = p * t + 2.0f / 1.7724538509055160f / (24.0f * 9.0f);
    p = p * t - 2.0f / 1.7724538509055160f / (6.0f * 7.0f);
    p = p * t + 2.0f / 1.7724538509055160f / (2.0f * 5.0f);
    p = p * t - 2.0f / 1.7724538509055160f / 3.0f;
    p = p * t + 2.0f / 1.7724538509055160f;
    float small = x * p;
    float xc = ax < 0.875f ? 0.875f : ax < 4.0f ? ax : 4.0f; /* NaN -> 4 */
    float z = 1.0f / xc - 0.6964285714285714f;
    float q = 0.018972248073651513f;
    q = q * z - 0.01777934108469837f;
    q = q * z + 0.0010254423543054013f;
    q = q * z + 0.01028953346328912f;
    q = q * z - 0.021259868340236476f;
    q = q * z + 0.03128816773433954f;
    q = q * z - 0.031109177422380167f;
    q = q * z + 0.009535797373716775f;
    q = q * z + 0.04832819260028288f;
    q = q * z - 0.16245709363595223f;
    q = q * z + 0.35835421133709483f;
    q = q * z + 0.3323958863608376f;
    float big = 1.0f - ew_expf(-(xc * xc)) * q;
    big = ax >= 3.92f ? 1.0f : big;
    big = x < 0 ? -big : big;
    float y = ax < 0.875f ? small : big;
    return x != x ? x : y;
}

/* ---------------------------------------------------------------- half types */

static inline float ew_bf16_to_f32(uint16_t h) { return ew_u2f((uint32_t)h << 16); }
static inline uint16_t ew_f32_to_bf16(float x) {
    uint32_t u = ew_f2u(x);
    uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : r);
}

/* Convert n halves (f16 or bf16) to float / back with correct rounding. */
static inline void ew_half_to_f32(float *dst, const uint16_t *src, int64_t n, ax_dtype t) {
    int64_t i = 0;
    if (t == AX_BFLOAT16) {
        for (; i < n; i++) dst[i] = ew_bf16_to_f32(src[i]);
        return;
    }
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
#endif
    for (; i < n; i++) dst[i] = ax_f16_to_f32(src[i]);
}

static inline void ew_f32_to_half(uint16_t *dst, const float *src, int64_t n, ax_dtype t) {
    int64_t i = 0;
    if (t == AX_BFLOAT16) {
        for (; i < n; i++) dst[i] = ew_f32_to_bf16(src[i]);
        return;
    }
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++) dst[i] = ax_f32_to_f16(src[i]);
}

#endif
