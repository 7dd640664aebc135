/* Conformance cases for the random family (RANDOM_BITS, RANDOM_PERMUTATION).
 *
 * The input is the key: a uint32 array of shape (2,) with random words (the
 * STRIDED and PERMUTED variants hand the kernels a strided key). Output
 * sizes are fixed by the case (ip[1] x ip[2], large enough for the blocked
 * and threaded paths); ip[0] selects the distribution. expect() recomputes
 * each element from first principles with its own Threefry-2x32 (written
 * here from the spec, not the library's) and the documented formulas in
 * float64 (libm erf/log), so the fast and reference kernels are both checked
 * against an independent answer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { K_BITS32, K_BITS8, K_BITS64, K_SPLIT, K_UNIFORM, K_NORMAL, K_NORMAL64, K_TRUNC, K_GUMBEL,
       K_LAPLACE, K_RANDINT, K_RANDINT8, K_BERN, K_BERN_P, K_PERM, K_CAT, K_UNIFORM_BF16 };

static void tf(uint32_t k0, uint32_t k1, uint64_t ctr, uint32_t *o0, uint32_t *o1) {
    static const unsigned rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    uint32_t ks[3] = {k0, k1, 0x1BD11BDAu ^ k0 ^ k1};
    uint32_t x[2] = {(uint32_t)(ctr >> 32) + ks[0], (uint32_t)ctr + ks[1]};
    for (int r = 0; r < 20; r++) {
        x[0] += x[1];
        unsigned s = rot[r % 8];
        x[1] = (x[1] << s) | (x[1] >> (32 - s));
        x[1] ^= x[0];
        if (r % 4 == 3) {
            int g = r / 4 + 1;
            x[0] += ks[g % 3];
            x[1] += ks[(g + 1) % 3] + (uint32_t)g;
        }
    }
    *o0 = x[0], *o1 = x[1];
}

static uint32_t bits32(const uint32_t k[2], uint64_t i) {
    uint32_t a, b;
    tf(k[0], k[1], i, &a, &b);
    return a ^ b;
}

static double u01_f32(uint32_t b) { return (double)(b >> 9) / 8388608.0; }

static ax_array *b_random(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    const int64_t shape[2] = {c->ip[1], c->ip[2]};
    ax_array *k = in[0];
    switch (c->ip[0]) {
    case K_BITS32: return ax_random_bits(ctx, shape, 2, AX_UINT32, k);
    case K_BITS8: return ax_random_bits(ctx, shape, 2, AX_UINT8, k);
    case K_BITS64: return ax_random_bits(ctx, shape, 2, AX_UINT64, k);
    case K_SPLIT: return ax_random_split(ctx, k, c->ip[1]);
    case K_UNIFORM: return ax_random_uniform(ctx, -2, 3, shape, 2, AX_FLOAT32, k);
    case K_UNIFORM_BF16: return ax_random_uniform(ctx, -2, 3, shape, 2, AX_BFLOAT16, k);
    case K_NORMAL: return ax_random_normal(ctx, shape, 2, AX_FLOAT32, 1, 2, k);
    case K_NORMAL64: return ax_random_normal(ctx, shape, 2, AX_FLOAT64, 0, 1, k);
    case K_TRUNC: return ax_random_truncated_normal(ctx, -1, 0.5, shape, 2, AX_FLOAT32, k);
    case K_GUMBEL: return ax_random_gumbel(ctx, shape, 2, AX_FLOAT32, k);
    case K_LAPLACE: return ax_random_laplace(ctx, shape, 2, AX_FLOAT32, 0, 1, k);
    case K_RANDINT: return ax_random_randint(ctx, -7, 1000, shape, 2, AX_INT32, k);
    case K_RANDINT8: return ax_random_randint(ctx, -100, 100, shape, 2, AX_INT8, k);
    case K_BERN: return ax_random_bernoulli(ctx, 0.25, shape, 2, k);
    case K_BERN_P: {
        ax_array *p = ax_linspace(ctx, 0, 1, c->ip[2], true, AX_FLOAT32);
        return ax_random_bernoulli_p(ctx, p, shape, 2, k);
    }
    case K_PERM: return ax_random_permutation(ctx, c->ip[1], k);
    case K_CAT: {
        ax_array *l = ax_reshape(ctx, ax_arange(ctx, 0, 1, 0.125, AX_FLOAT32), (int64_t[]){2, 4}, 2);
        return ax_random_categorical(ctx, l, 1, c->ip[1], k);
    }
    }
    return NULL;
}

/* erfinv in double: bisection on libm's erf to ~1e-8, then Newton steps. */
static double erfinv_ref(double x) {
    double lo = -6, hi = 6;
    for (int i = 0; i < 30; i++) {
        double m = 0.5 * (lo + hi);
        if (erf(m) < x) lo = m;
        else hi = m;
    }
    double y = 0.5 * (lo + hi);
    for (int i = 0; i < 3; i++) y -= (erf(y) - x) / (1.1283791670955126 * exp(-y * y));
    return y;
}

static bool e_random(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    (void)shapes, (void)ndims;
    const uint32_t k[2] = {(uint32_t)in[0][0], (uint32_t)in[0][1]};
    for (int64_t i = 0; i < n; i++) {
        uint32_t b = bits32(k, (uint64_t)i);
        double u = u01_f32(b);
        switch (c->ip[0]) {
        case K_BITS32: out[i] = b; break;
        case K_BITS8: out[i] = b & 0xff; break;
        case K_SPLIT: {
            uint32_t y0, y1;
            tf(k[0], k[1], (uint64_t)i / 2, &y0, &y1);
            out[i] = i % 2 ? y1 : y0;
            break;
        }
        case K_UNIFORM: out[i] = fmin(-2 + 5 * u, nextafterf(3.0f, 0.0f)); break;
        case K_NORMAL: /* u in (-1, 1): max(lo, 2u + lo) in float32, lo = -(1 - 2^-24) */
            out[i] = 1 + 2 * sqrt(2.0) * erfinv_ref(fmax(-1 + 0x1p-24, (float)(2 * u - 1 + 0x1p-24)));
            break;
        case K_TRUNC: {
            double a = erf(-1 / sqrt(2.0)), bb = erf(0.5 / sqrt(2.0));
            out[i] = sqrt(2.0) * erfinv_ref(a + u * (bb - a));
            break;
        }
        case K_GUMBEL: out[i] = -log(-log(fmax(u, 1.1754943508222875e-38))); break;
        case K_LAPLACE: {
            double v = fmax(-1 + 0x1p-24, (float)(2 * u - 1 + 0x1p-24));
            out[i] = v > 0 ? log1p(-v) : -log1p(v);
            break;
        }
        case K_RANDINT: case K_RANDINT8: {
            /* JAX: two 32-bit words from split(key) = (threefry(key, 0), threefry(key, 1)) */
            uint32_t k1[2], k2[2];
            tf(k[0], k[1], 0, &k1[0], &k1[1]);
            tf(k[0], k[1], 1, &k2[0], &k2[1]);
            uint64_t span = c->ip[0] == K_RANDINT ? 1007 : 200;
            uint64_t hb = bits32(k1, (uint64_t)i), lb = bits32(k2, (uint64_t)i);
            uint64_t mult = ((65536 % span) * (65536 % span)) % span;
            uint32_t r = (uint32_t)((hb % span) * mult + lb % span); /* mod 2^32 as JAX */
            out[i] = (c->ip[0] == K_RANDINT ? -7.0 : -100.0) + (double)(r % span);
            break;
        }
        case K_BERN: out[i] = u < 0.25; break;
        case K_BERN_P: {
            int64_t j = i % c->ip[2];
            out[i] = u < (double)(float)((double)j / (double)(c->ip[2] - 1));
            break;
        }
        default: return false; /* checked fast vs reference only */
        }
    }
    return true;
}

#define KEY .n_in = 1, .ndim = {1}, .shape = {{2}}, .large = {{2}}, .lo = 0, .hi = 4294967295.0
#define VARS (CONF_CONTIG | CONF_STRIDED | CONF_PERMUTED)
#define RCASE(nm, cov, kind, a, b, tolv)                                                      \
    {.name = nm, .covers = cov, .dtypes = CONF_DT(AX_UINT32), .variants = VARS, KEY,          \
     .build = b_random, .expect = e_random, .ip = {kind, a, b}, .tol = tolv}

const conf_case conf_cases_random[] = {
    RCASE("random_bits/uint32", "random_bits", K_BITS32, 123, 321, 0),
    RCASE("random_bits/uint8", "random_bits", K_BITS8, 7, 5001, 0),
    RCASE("random_bits/uint64", "random_bits", K_BITS64, 100, 101, 0),
    RCASE("random_bits/split", "random_bits", K_SPLIT, 20001, 2, 0),
    RCASE("random_bits/uniform_f32", "random_bits", K_UNIFORM, 300, 150, 0),
    RCASE("random_bits/uniform_bf16", "random_bits", K_UNIFORM_BF16, 30, 150, 0),
    RCASE("random_bits/normal_f32", "random_bits", K_NORMAL, 120, 150, 1),
    RCASE("random_bits/normal_f64", "random_bits", K_NORMAL64, 30, 150, 0),
    RCASE("random_bits/truncated_normal_f32", "random_bits", K_TRUNC, 120, 150, 1),
    RCASE("random_bits/gumbel_f32", "random_bits", K_GUMBEL, 300, 150, 1),
    RCASE("random_bits/laplace_f32", "random_bits", K_LAPLACE, 300, 150, 1),
    RCASE("random_bits/randint_i32", "random_bits", K_RANDINT, 300, 150, 0),
    RCASE("random_bits/randint_i8", "random_bits", K_RANDINT8, 300, 150, 0),
    RCASE("random_bits/bernoulli", "random_bits", K_BERN, 300, 150, 0),
    RCASE("random_bits/bernoulli_p", "random_bits", K_BERN_P, 200, 101, 0),
    RCASE("random_bits/categorical", "random_bits argmax", K_CAT, 5000, 0, 0),
    RCASE("random_permutation/n", "random_permutation", K_PERM, 20000, 0, 0),
    RCASE("random_permutation/small", "random_permutation", K_PERM, 1000, 0, 0),
    {.name = NULL},
};
