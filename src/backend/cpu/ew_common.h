/* Shared plumbing of the elementwise CPU kernels (unary.c, binary.c):
 * scalar helpers with NumPy's integer and float semantics, and chunked
 * load/store between strided memory of any dtype and a contiguous scratch
 * buffer in the dtype a fast loop computes in. */
#ifndef AX_EW_COMMON_H
#define AX_EW_COMMON_H

#include <math.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/ew_math.h"

/* Elements per scratch chunk (fits L1 with a few buffers of 8-byte items). */
#define EW_CHUNK 256

/* ---------------------------------------------------------------- integer semantics */

/* floor division / remainder with the sign of the divisor; x / 0 -> 0. */
static inline int64_t ew_fdiv_s(int64_t x, int64_t y) {
    if (y == 0) return 0;
    if (y == -1) return (int64_t)(0 - (uint64_t)x); /* INT64_MIN / -1 wraps */
    int64_t q = x / y;
    if (x % y != 0 && ((x < 0) != (y < 0))) q--;
    return q;
}
static inline int64_t ew_rem_s(int64_t x, int64_t y) {
    if (y == 0 || y == -1) return 0;
    int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return r;
}
static inline uint64_t ew_fdiv_u(uint64_t x, uint64_t y) { return y ? x / y : 0; }
static inline uint64_t ew_rem_u(uint64_t x, uint64_t y) { return y ? x % y : 0; }

static inline uint64_t ew_pow_u(uint64_t x, uint64_t y) {
    uint64_t r = 1;
    while (y) {
        if (y & 1) r *= x;
        x *= x;
        y >>= 1;
    }
    return r;
}
/* Negative exponents give the truncated 1 / x^|y| (see src/ops/elementwise.c). */
static inline int64_t ew_pow_s(int64_t x, int64_t y) {
    if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
    return (int64_t)ew_pow_u((uint64_t)x, (uint64_t)y);
}

/* Shifts of a `bits`-wide value; out-of-range amounts as NumPy. */
static inline int64_t ew_shl_s(int64_t x, int64_t y, int bits) {
    return (y < 0 || y >= bits) ? 0 : (int64_t)((uint64_t)x << y);
}
static inline int64_t ew_shr_s(int64_t x, int64_t y, int bits) {
    return (y < 0 || y >= bits) ? (x < 0 ? -1 : 0) : x >> y;
}
static inline uint64_t ew_shl_u(uint64_t x, uint64_t y, int bits) {
    return y >= (uint64_t)bits ? 0 : x << y;
}
static inline uint64_t ew_shr_u(uint64_t x, uint64_t y, int bits) {
    return y >= (uint64_t)bits ? 0 : x >> y;
}

/* ---------------------------------------------------------------- float semantics */

/* NumPy's divmod for floats: floor quotient and remainder with the sign of
 * the divisor; division by zero gives x / 0 and NaN. */
#define EW_DEF_DIVMOD(T, SFX)                                                   \
    static inline T ew_divmod_##SFX(T a, T b, T *modulus) {                     \
        T mod = fmod(a, b);                                                     \
        if (b == 0) {                                                           \
            *modulus = mod;                                                     \
            return a / b;                                                       \
        }                                                                       \
        T div = (a - mod) / b;                                                  \
        if (mod != 0) {                                                         \
            if ((b < 0) != (mod < 0)) {                                         \
                mod += b;                                                       \
                div -= 1;                                                       \
            }                                                                   \
        } else {                                                                \
            mod = copysign((T)0, b);                                            \
        }                                                                       \
        T fl;                                                                   \
        if (div != 0) {                                                         \
            fl = floor(div);                                                    \
            if (div - fl > (T)0.5) fl += 1;                                     \
        } else {                                                                \
            fl = copysign((T)0, a / b);                                         \
        }                                                                       \
        *modulus = mod;                                                         \
        return fl;                                                              \
    }                                                                           \
    static inline T ew_ffdiv_##SFX(T a, T b) {                                  \
        T m;                                                                    \
        return ew_divmod_##SFX(a, b, &m);                                       \
    }                                                                           \
    static inline T ew_frem_##SFX(T a, T b) {                                   \
        T m;                                                                    \
        ew_divmod_##SFX(a, b, &m);                                              \
        return m;                                                               \
    }

/* ---------------------------------------------------------------- chunks */

/* Load m elements of dtype st (byte stride ss) into dst as dtype dt
 * (contiguous). */
static inline void ew_load(void *dst, ax_dtype dt, const char *src, int64_t ss, ax_dtype st,
                           int64_t m) {
    size_t dsz = ax_dtype_size(dt);
    if (ss == (int64_t)ax_dtype_size(st)) {
        if ((st == AX_FLOAT16 || st == AX_BFLOAT16) && dt == AX_FLOAT32)
            ew_half_to_f32(dst, (const uint16_t *)src, m, st);
        else ax__convert(dst, dt, src, st, m);
        return;
    }
    char *d = dst;
    if (st == dt) {
        for (int64_t i = 0; i < m; i++) memcpy(d + i * (int64_t)dsz, src + i * ss, dsz);
        return;
    }
    for (int64_t i = 0; i < m; i++) ax__convert(d + i * (int64_t)dsz, dt, src + i * ss, st, 1);
}

/* Store m contiguous elements of dtype st into dst (dtype dt, byte stride ds). */
static inline void ew_store(char *dst, int64_t ds, ax_dtype dt, const void *src, ax_dtype st,
                            int64_t m) {
    size_t ssz = ax_dtype_size(st);
    if (ds == (int64_t)ax_dtype_size(dt)) {
        if ((dt == AX_FLOAT16 || dt == AX_BFLOAT16) && st == AX_FLOAT32)
            ew_f32_to_half((uint16_t *)dst, src, m, dt);
        else ax__convert(dst, dt, src, st, m);
        return;
    }
    const char *s = src;
    if (st == dt) {
        for (int64_t i = 0; i < m; i++) memcpy(dst + i * ds, s + i * (int64_t)ssz, ssz);
        return;
    }
    for (int64_t i = 0; i < m; i++) ax__convert(dst + i * ds, dt, s + i * (int64_t)ssz, st, 1);
}

/* The dtype a fast loop computes a dtype in (halves in float32). */
static inline ax_dtype ew_compute_type(ax_dtype t) {
    return (t == AX_FLOAT16 || t == AX_BFLOAT16) ? AX_FLOAT32 : t;
}

#endif
