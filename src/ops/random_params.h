/* Params of the random primitives (RANDOM_BITS, RANDOM_PERMUTATION), shared
 * by the op constructors (src/ops/random.c) and the CPU kernels
 * (src/backend/cpu/random*.c), plus the scalar Threefry-2x32 hash that
 * defines every random bit ax produces.
 *
 * The bits of output element i (row-major flat index) are a pure function of
 * (key, i) and, for a few kinds, the dtype: the counter of element i is the
 * 64-bit integer i split into (hi, lo) 32-bit words, as JAX's partitionable
 * threefry (jax_threefry_partitionable = True, the default since JAX 0.5).
 * So a kernel may split the index space any way it likes (threads, SIMD
 * lanes, a GPU grid) and produce the same bits. */
#ifndef AX_OPS_RANDOM_PARAMS_H
#define AX_OPS_RANDOM_PARAMS_H

#include <stdint.h>

/* What RANDOM_BITS turns the hash of element i into (docs/random.md gives
 * each formula; all follow jax.random). */
typedef enum ax_random_kind {
    AX_RND_BITS = 0,      /* uint8/16/32/64: JAX's random_bits of that width */
    AX_RND_SPLIT,         /* uint32 (num, 2): row j = threefry(key, j) */
    AX_RND_UNIFORM,       /* float: [a, b) from the mantissa trick */
    AX_RND_NORMAL,        /* float: a + b * sqrt(2) erfinv(u), u in (-1, 1) */
    AX_RND_TRUNC_NORMAL,  /* float: standard normal truncated to (a, b) */
    AX_RND_RANDINT,       /* integer: [ilo, ihi), JAX's two-word remainder */
    AX_RND_BERNOULLI,     /* bool: u < p (p = a, or input 1 broadcast) */
    AX_RND_GUMBEL,        /* float: -log(-log(u)), u in [tiny, 1) */
    AX_RND_LAPLACE,       /* float: a + b * sign(u) log1p(-|u|), u in (-1, 1) */
    AX_RND_KIND_COUNT
} ax_random_kind;

/* RANDOM_BITS: input 0 is the key (uint32, shape (2,), any strides); for
 * AX_RND_BERNOULLI with has_p, input 1 is p (float dtype, broadcastable to
 * the output). The output's shape and dtype live in the array. Zero-filled
 * before use (params are compared bytewise). */
typedef struct ax_random_params {
    int32_t kind;
    int32_t has_p;  /* bernoulli: p is input 1 */
    double a, b;    /* uniform low/high, normal & laplace loc/scale,
                       truncated_normal lower/upper, bernoulli scalar p */
    int64_t ilo, ihi; /* randint [ilo, ihi) */
} ax_random_params;

/* RANDOM_PERMUTATION: input 0 the key; output int64 (n,), JAX's shuffle of
 * arange(n): ceil(3 ln n / ln(2^32 - 1)) rounds, each splitting the key and
 * stably sorting by 32-bit random keys. */
typedef struct ax_random_perm_params {
    int64_t n;
} ax_random_perm_params;

/* ---------------------------------------------------------------- threefry */

#define AX_THREEFRY_PARITY 0x1BD11BDAu

static inline uint32_t ax__rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* Threefry-2x32 with 20 rounds (Salmon et al. 2011; Random123's constants),
 * exactly as jax.random's threefry2x32 primitive. */
static inline void ax__threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                                    uint32_t *y0, uint32_t *y1) {
    static const int R[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ AX_THREEFRY_PARITY};
    uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
    for (int g = 0; g < 5; g++) { /* 5 groups of 4 rounds, a key injection after each */
        for (int r = 0; r < 4; r++) {
            x0 += x1;
            x1 = ax__rotl32(x1, R[(g & 1) * 4 + r]);
            x1 ^= x0;
        }
        x0 += ks[(g + 1) % 3];
        x1 += ks[(g + 2) % 3] + (uint32_t)(g + 1);
    }
    *y0 = x0;
    *y1 = x1;
}

/* The hash of counter i (64-bit, split hi/lo) under key (k0, k1). */
static inline void ax__threefry_at(const uint32_t key[2], uint64_t i, uint32_t *y0, uint32_t *y1) {
    ax__threefry2x32(key[0], key[1], (uint32_t)(i >> 32), (uint32_t)i, y0, y1);
}

#endif
