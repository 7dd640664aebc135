/* Host-side dtype constants of the random family, shared by the CPU kernels
 * (src/backend/cpu/random.c) and the CUDA launch setup
 * (src/backend/cuda/random.c), so both derive every bound and count alike. */
#ifndef AX_RANDOM_DTYPE_H
#define AX_RANDOM_DTYPE_H

#include <math.h>

#include "core/internal.h"

/* x rounded to dtype t (t's arithmetic: one rounding per operation). */
static inline double rnd_t(ax_dtype t, double x) {
    switch (t) {
    case AX_FLOAT32: return (float)x;
    case AX_FLOAT16: return ax_f16_to_f32(ax_f64_to_f16(x));
    case AX_BFLOAT16: return ax_bf16_to_f32(ax_f64_to_bf16(x));
    default: return x;
    }
}

/* Bits that make the uniform of dtype t (JAX: 8 for bfloat16). */
static inline int uniform_bits(ax_dtype t) {
    switch (t) {
    case AX_FLOAT64: return 64;
    case AX_FLOAT32: return 32;
    case AX_FLOAT16: return 16;
    default: return 8;
    }
}

/* The next representable value of dtype t after x towards dir (+1 / -1). */
static inline double next_t(ax_dtype t, double x, int dir) {
    switch (t) {
    case AX_FLOAT64: return nextafter(x, dir > 0 ? INFINITY : -INFINITY);
    case AX_FLOAT32: return nextafterf((float)x, dir > 0 ? INFINITY : -INFINITY);
    default: {
        /* halves: step the 16-bit pattern (sign-magnitude) */
        uint16_t h = t == AX_FLOAT16 ? ax_f64_to_f16(x) : ax_f64_to_bf16(x);
        uint16_t inf = t == AX_FLOAT16 ? 0x7c00u : 0x7f80u;
        bool neg = (h & 0x8000u) != 0, zero = (h & 0x7fffu) == 0;
        if (zero) h = dir > 0 ? 1 : 0x8001u;
        else if ((h & 0x7fffu) == inf && neg == (dir < 0)) { /* stays infinite */ }
        else if (neg == (dir > 0)) h = (uint16_t)(h - 1);
        else h = (uint16_t)(h + 1);
        return t == AX_FLOAT16 ? ax_f16_to_f32(h) : ax_bf16_to_f32(h);
    }
    }
}

static inline double tiny_t(ax_dtype t) {
    return t == AX_FLOAT64 ? 2.2250738585072014e-308 : t == AX_FLOAT16 ? 6.103515625e-05 : 1.1754943508222875e-38;
}
static inline double epsneg_t(ax_dtype t) {
    return t == AX_FLOAT64 ? 0x1p-53 : t == AX_FLOAT32 ? 0x1p-24 : t == AX_FLOAT16 ? 0x1p-11 : 0x1p-8;
}

#endif
