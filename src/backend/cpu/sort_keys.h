/* Sort keys: every real dtype maps to an unsigned integer whose order is
 * NumPy's sort order (sort_impl.h), so one radix sort / selection / binary
 * search serves them all. 8-, 16- and 32-bit dtypes give uint32 keys,
 * 64-bit dtypes uint64 keys.
 *  - canonical keys: NaN -> all ones (after +inf), -0.0 -> the key of +0.0;
 *    equal values get equal keys (argsort, partition, searchsorted);
 *  - invertible keys: the bijective bit flip (floats: negative -> ~bits,
 *    positive -> bits | sign). Used to sort values when a line has no NaN and
 *    no -0.0 (then the two kinds agree and the keys convert back). */
#ifndef AX_CPU_SORT_KEYS_H
#define AX_CPU_SORT_KEYS_H

#include <stdint.h>
#include <string.h>

#include "backend/cpu/sort_impl.h"

static inline bool sort_wide_key(ax_dtype t) {
    return t == AX_INT64 || t == AX_UINT64 || t == AX_FLOAT64;
}

static inline uint32_t key_f32(uint32_t b) {
    return b ^ ((uint32_t)((int32_t)b >> 31) | 0x80000000u);
}
static inline uint32_t unkey_f32(uint32_t k) { return k ^ (((k >> 31) - 1) | 0x80000000u); }
static inline uint64_t key_f64(uint64_t b) {
    return b ^ ((uint64_t)((int64_t)b >> 63) | 0x8000000000000000ull);
}
static inline uint64_t unkey_f64(uint64_t k) {
    return k ^ (((k >> 63) - 1) | 0x8000000000000000ull);
}
static inline uint32_t key_f16(uint32_t b) { /* b: 16 bits */
    return (b ^ ((b & 0x8000u) ? 0xFFFFu : 0x8000u)) & 0xFFFFu;
}
static inline uint32_t unkey_f16(uint32_t k) {
    return (k ^ ((k & 0x8000u) ? 0x8000u : 0xFFFFu)) & 0xFFFFu;
}

/* Canonical key of the element at p (dtype t, not 64-bit). */
static inline uint32_t key32_canon(const char *p, ax_dtype t) {
    switch (t) {
    case AX_BOOL: case AX_UINT8: return *(const uint8_t *)p;
    case AX_UINT16: return *(const uint16_t *)p;
    case AX_UINT32: return *(const uint32_t *)p;
    case AX_INT8: return (uint32_t)*(const uint8_t *)p ^ 0x80u;
    case AX_INT16: return (uint32_t)*(const uint16_t *)p ^ 0x8000u;
    case AX_INT32: return (uint32_t)*(const int32_t *)p ^ 0x80000000u;
    case AX_FLOAT16: case AX_BFLOAT16: {
        uint32_t b = *(const uint16_t *)p, inf = t == AX_FLOAT16 ? 0x7c00u : 0x7f80u;
        if ((b & 0x7fffu) > inf) return 0xFFFFu;
        if (b == 0x8000u) b = 0;
        return key_f16(b);
    }
    case AX_FLOAT32: {
        uint32_t b;
        memcpy(&b, p, 4);
        if ((b & 0x7fffffffu) > 0x7f800000u) return 0xFFFFFFFFu;
        if (b == 0x80000000u) b = 0;
        return key_f32(b);
    }
    default: return 0;
    }
}

static inline uint64_t key64_canon(const char *p, ax_dtype t) {
    uint64_t b;
    memcpy(&b, p, 8);
    switch (t) {
    case AX_INT64: return b ^ 0x8000000000000000ull;
    case AX_FLOAT64:
        if ((b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) return ~0ull;
        if (b == 0x8000000000000000ull) b = 0;
        return key_f64(b);
    default: return b;
    }
}

#endif
