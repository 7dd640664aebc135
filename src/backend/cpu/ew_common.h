/* Shared plumbing of the elementwise CPU kernels (unary.c, binary.c):
 * scalar helpers with NumPy's integer and float semantics, and chunked
 * load/store between strided memory of any dtype and a contiguous scratch
 * buffer in the dtype a fast loop computes in. */
#ifndef AX_EW_COMMON_H
#define AX_EW_COMMON_H

#include <math.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/ew_math.h"

/* Convert n contiguous elements (typed loops where there is one, else
 * ax__convert; same results). ax__ew_convert_init fills its table once. */
void ax__ew_convert(void *dst, ax_dtype dt, const void *src, ax_dtype st, int64_t n);
void ax__ew_convert_init(void);

/* re + i im as a double complex, infinities and NaNs kept (C11 lays a
 * complex out as two reals; CMPLX is not in every compiler's headers). */
#define ew_cmplx(re, im) ew_cmplx_((re), (im))
static inline _Complex double ew_cmplx_(double re, double im) {
    _Complex double z;
    double parts[2] = {re, im};
    memcpy(&z, parts, sizeof z);
    return z;
}

/* Elements per scratch chunk (fits L1 with a few buffers of 8-byte items). */
#define EW_CHUNK 256

/* Long contiguous runs go in blocks, each preceded by software prefetches
 * of the input `ahead` bytes further on: with the compute of exp & co.
 * between loads, the hardware prefetcher alone leaves the memory bus idle
 * part of the time (measured: exp on 2^24 floats, 2 threads, 1.6x faster).
 * Outputs that stay in cache: EW_BLOCK elements a block, EW_PREFETCH_AHEAD
 * bytes ahead; streamed outputs: EW_STREAM_BLOCK and EW_STREAM_AHEAD
 * (ew_stream.h). Prefetches are hints: past the end of a buffer they do
 * nothing. */
#define EW_BLOCK 1024
#define EW_PREFETCH_AHEAD 8192
static inline void ew_prefetch(const char *p, int64_t bytes, int64_t ahead) {
    for (int64_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + ahead + off);
}

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

/* Copy m elements of size sz between byte strides. */
static inline void ew_gather(char *dst, int64_t ds, const char *src, int64_t ss, size_t sz,
                             int64_t m) {
    switch (sz) {
#define EW_GATHER(T)                                                                \
    for (int64_t i = 0; i < m; i++) *(T *)(dst + i * ds) = *(const T *)(src + i * ss); \
    return;
    case 1: EW_GATHER(uint8_t)
    case 2: EW_GATHER(uint16_t)
    case 4: EW_GATHER(uint32_t)
    case 8: EW_GATHER(uint64_t)
#undef EW_GATHER
    default:
        for (int64_t i = 0; i < m; i++) memcpy(dst + i * ds, src + i * ss, sz);
    }
}

/* Load m elements of dtype st (byte stride ss) into dst as dtype dt
 * (contiguous). */
static inline void ew_load(void *dst, ax_dtype dt, const char *src, int64_t ss, ax_dtype st,
                           int64_t m) {
    int64_t ssz = (int64_t)ax_dtype_size(st), dsz = (int64_t)ax_dtype_size(dt);
    if (ss == ssz) {
        ax__ew_convert(dst, dt, src, st, m);
    } else if (st == dt) {
        ew_gather(dst, dsz, src, ss, (size_t)ssz, m);
    } else {
        _Alignas(64) char tmp[EW_CHUNK * 8];
        for (int64_t off = 0; off < m; off += EW_CHUNK) {
            int64_t k = m - off < EW_CHUNK ? m - off : EW_CHUNK;
            ew_gather(tmp, ssz, src + off * ss, ss, (size_t)ssz, k);
            ax__ew_convert((char *)dst + off * dsz, dt, tmp, st, k);
        }
    }
}

/* Store m contiguous elements of dtype st into dst (dtype dt, byte stride ds). */
static inline void ew_store(char *dst, int64_t ds, ax_dtype dt, const void *src, ax_dtype st,
                            int64_t m) {
    int64_t ssz = (int64_t)ax_dtype_size(st), dsz = (int64_t)ax_dtype_size(dt);
    if (ds == dsz) {
        ax__ew_convert(dst, dt, src, st, m);
    } else if (st == dt) {
        ew_gather(dst, ds, src, ssz, (size_t)ssz, m);
    } else {
        _Alignas(64) char tmp[EW_CHUNK * 8];
        for (int64_t off = 0; off < m; off += EW_CHUNK) {
            int64_t k = m - off < EW_CHUNK ? m - off : EW_CHUNK;
            ax__ew_convert(tmp, dt, (const char *)src + off * ssz, st, k);
            ew_gather(dst + off * ds, ds, tmp, dsz, (size_t)dsz, k);
        }
    }
}

/* The dtype a fast loop computes a dtype in (halves in float32). */
static inline ax_dtype ew_compute_type(ax_dtype t) {
    return (t == AX_FLOAT16 || t == AX_BFLOAT16) ? AX_FLOAT32 : t;
}

#endif
