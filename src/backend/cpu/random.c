/* CPU kernels: random numbers (threefry keys).
 *
 * RANDOM_BITS: element i of the output is a function of threefry(key, i)
 * (src/ops/random_params.h), so the index space is split over the thread
 * pool freely. The reference kernel computes each element on its own with
 * the scalar hash and libm, in double with a rounding to the dtype after
 * every operation (the dtype's own arithmetic). The fast kernel hashes blocks
 * of 64 counters in a loop that the compiler vectorizes (16 lanes with
 * AVX-512, rotations as vprold), then converts the block with vectorizable
 * float32 math (ew_math.h) for float32 uniform/normal/gumbel/laplace,
 * float64 uniform, bits, bernoulli and 32-bit randint; other dtypes and kinds
 * use the scalar formulas (still over the pool).
 *
 * RANDOM_PERMUTATION: JAX's shuffle: rounds of (split the key, 32-bit random
 * sort keys by position, stable sort). Fast: an LSD radix sort; reference:
 * qsort on (sort key, position). */
/* selects in the log / erfinv loops vectorize only without FP-trap semantics
 * (as in unary.c); sqrt goes through intrinsics (sqrt_block) */
#pragma GCC optimize("-fno-math-errno", "-fno-trapping-math")
#if defined(__AVX512F__)
/* full-width vectors: the hash is pure 32-bit integer work (vprold), 1.5x
 * faster with 16 lanes than with GCC's default 8 on this machine */
#pragma GCC target("prefer-vector-width=512")
#endif
#include <math.h>
#include <stdlib.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/ew_math.h"
#if defined(__AVX__)
#include <immintrin.h>
#endif
#include "backend/random_dtype.h"
#include "ops/random_params.h"

#define RND_SQRT2 1.41421356237309504880
#define RND_BLOCK 64
#define RND_GRAIN 8192

/* Random bits of width nbits from (y0, y1), as jax.random.bits. */
static inline uint64_t fold_bits(uint32_t y0, uint32_t y1, int nbits) {
    if (nbits == 64) return ((uint64_t)y0 << 32) | y1;
    uint32_t x = y0 ^ y1;
    return nbits == 32 ? x : nbits == 16 ? (x & 0xffffu) : (x & 0xffu);
}

/* [0, 1) in dtype t from its random bits: the top mantissa bits under the
 * exponent of 1.0, minus 1 (exact). */
static double u01_of_bits(ax_dtype t, uint64_t b) {
    switch (t) {
    case AX_FLOAT64: {
        uint64_t u = (b >> 12) | 0x3ff0000000000000ull;
        double d;
        memcpy(&d, &u, 8);
        return d - 1.0;
    }
    case AX_FLOAT32: return (double)(ew_u2f(((uint32_t)b >> 9) | 0x3f800000u) - 1.0f);
    case AX_FLOAT16: return (double)ax_f16_to_f32((uint16_t)(((uint16_t)b >> 6) | 0x3c00u)) - 1.0;
    default: return (double)ax_bf16_to_f32((uint16_t)(((uint16_t)b >> 1) | 0x3f80u)) - 1.0;
    }
}

/* ---------------------------------------------------------------- erfinv */

/* Giles' single-precision erfinv (as XLA's ErfInv32); lp = log1p(-x * x). */
static inline float erfinv_giles_w(float x, float w, float sw) {
    float wa = w - 2.5f, wb = sw - 3.0f; /* both branches, then a select */
    float p1 = 2.81022636e-08f, p2 = -0.000200214257f;
    p1 = 3.43273939e-07f + p1 * wa, p2 = 0.000100950558f + p2 * wb;
    p1 = -3.5233877e-06f + p1 * wa, p2 = 0.00134934322f + p2 * wb;
    p1 = -4.39150654e-06f + p1 * wa, p2 = -0.00367342844f + p2 * wb;
    p1 = 0.00021858087f + p1 * wa, p2 = 0.00573950773f + p2 * wb;
    p1 = -0.00125372503f + p1 * wa, p2 = -0.0076224613f + p2 * wb;
    p1 = -0.00417768164f + p1 * wa, p2 = 0.00943887047f + p2 * wb;
    p1 = 0.246640727f + p1 * wa, p2 = 1.00167406f + p2 * wb;
    p1 = 1.50140941f + p1 * wa, p2 = 2.83297682f + p2 * wb;
    float r = (w < 5.0f ? p1 : p2) * x;
    return fabsf(x) == 1.0f ? x * INFINITY : r;
}

static inline float erfinv_giles(float x, float lp) { return erfinv_giles_w(x, -lp, sqrtf(-lp)); }

/* y[j] = sqrt(x[j]) for x >= 0: intrinsics, since with errno semantics GCC
 * keeps a scalar libm call per element (as unary.c). */
static void sqrt_block(const float *x, float *y, int n) {
    int j = 0;
#if defined(__AVX__)
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(y + j, _mm256_sqrt_ps(_mm256_loadu_ps(x + j)));
#endif
    for (; j < n; j++) y[j] = sqrtf(x[j]);
}

/* erfinv in double: Giles' estimate refined by Newton steps on erf (erfc in
 * the tails, where 1 - |x| is exact), to full double precision. */
static double erfinv_f64(double x) {
    if (x != x) return x;
    double ax = fabs(x);
    if (ax >= 1) return ax == 1 ? x * INFINITY : NAN;
    double y = erfinv_giles((float)ax, log1pf(-(float)ax * (float)ax));
    if (!isfinite(y)) y = 6;
    const double k = 1.1283791670955126; /* 2 / sqrt(pi) */
    for (int it = 0; it < 4; it++) {
        double d = k * exp(-y * y);
        double f = ax < 0.5 ? erf(y) - ax : (1 - ax) - erfc(y);
        double step = f / d;
        y -= step;
        if (fabs(step) <= 1e-17 * y) break;
    }
    return x < 0 ? -y : y;
}

/* erfinv rounded to dtype t (float32 math for the float types, as XLA). */
static double erfinv_t(ax_dtype t, double u) {
    if (t == AX_FLOAT64) return erfinv_f64(u);
    float x = (float)u;
    return erfinv_giles(x, log1pf(-x * x));
}

/* ---------------------------------------------------------------- plan */

typedef struct rnd_plan {
    int kind;
    ax_dtype t;
    uint32_t key[2], k1[2], k2[2]; /* k1, k2: split(key) for randint */
    int nbits;                     /* bits per element drawn (uniform / bits / randint) */
    double lo, span, clo, chi;     /* uniform in [lo, lo + span); clip bounds */
    double loc, scale;             /* normal / laplace (dtype values) */
    double sqrt2;
    /* randint */
    uint64_t ispan, imult, imask;
    int64_t ilo;
    /* bernoulli */
    double p;
    const ax_array *parr;
    int64_t pstrides[AX_MAX_NDIM];
    const int64_t *shape;
    int ndim;
    char *out;
    size_t isz;
    atomic_bool bad_p; /* set by a task that met p outside [0, 1] */
} rnd_plan;

static void read_key(const ax_array *k, uint32_t key[2]) {
    const uint32_t *p = (const uint32_t *)ax__ptr(k);
    key[0] = p[0];
    key[1] = p[k->strides[0]];
}

/* Arithmetic in the dtype: each operation rounded to it (XLA's CPU code for
 * float16/bfloat16 upcasts each op to float32 and rounds back). */
static inline double rm(const rnd_plan *pl, double x) { return rnd_t(pl->t, x); }

/* a * b + c as XLA computes it: fused (one rounding) for float64, float32
 * and float16, two roundings for bfloat16. */
static inline double fmadd(const rnd_plan *pl, double a, double b, double c) {
    switch (pl->t) {
    case AX_FLOAT64: return fma(a, b, c);
    case AX_BFLOAT16: return rm(pl, rm(pl, a * b) + c);
    default: return rm(pl, fmaf((float)a, (float)b, (float)c));
    }
}

/* Uniform of [lo, lo + span) from u01: max(lo, u * span + lo). */
static inline double scale_u(const rnd_plan *pl, double u) {
    double v = fmadd(pl, u, pl->span, pl->lo);
    return v < pl->lo ? pl->lo : v;
}

static void make_plan(const ax_node *node, ax_array *out, rnd_plan *pl) {
    const ax_random_params *p = node->params;
    ax_dtype t = out->dtype;
    memset(pl, 0, sizeof *pl);
    atomic_init(&pl->bad_p, false);
    pl->kind = p->kind;
    pl->t = t;
    read_key(node->inputs[0], pl->key);
    pl->out = ax__ptr(out);
    pl->isz = ax_dtype_size(t);
    pl->shape = out->shape;
    pl->ndim = out->ndim;
    pl->nbits = ax_dtype_is_floating(t) ? uniform_bits(t) : (int)(8 * ax_dtype_size(t));
    pl->sqrt2 = rnd_t(t, RND_SQRT2);
    pl->loc = rnd_t(t, p->a);
    pl->scale = rnd_t(t, p->b);
    double lo = 0, hi = 1;
    switch (p->kind) {
    case AX_RND_UNIFORM:
        lo = rnd_t(t, p->a), hi = rnd_t(t, p->b);
        pl->chi = next_t(t, hi, -1); /* results stay below high */
        if (pl->chi < lo) pl->chi = lo; /* low and high round to one value of the dtype */
        break;
    case AX_RND_NORMAL: lo = next_t(t, -1.0, +1); break;
    case AX_RND_LAPLACE: lo = rnd_t(t, -1.0 + epsneg_t(t)); break;
    case AX_RND_GUMBEL: lo = tiny_t(t); break;
    case AX_RND_TRUNC_NORMAL: {
        double l = rnd_t(t, p->a), h = rnd_t(t, p->b);
        if (t == AX_FLOAT64) lo = erf(l / pl->sqrt2), hi = erf(h / pl->sqrt2);
        else
            lo = rnd_t(t, erff((float)rnd_t(t, l / pl->sqrt2))),
            hi = rnd_t(t, erff((float)rnd_t(t, h / pl->sqrt2)));
        pl->clo = next_t(t, l, +1);
        pl->chi = next_t(t, h, -1);
        break;
    }
    case AX_RND_RANDINT: {
        ax__threefry_at(pl->key, 0, &pl->k1[0], &pl->k1[1]);
        ax__threefry_at(pl->key, 1, &pl->k2[0], &pl->k2[1]);
        /* JAX draws 8- and 16-bit integers as 32-bit ones, then converts */
        int nb = pl->nbits < 32 ? 32 : pl->nbits;
        pl->nbits = nb;
        uint64_t mask = nb == 64 ? UINT64_MAX : (1ull << nb) - 1;
        uint64_t span = ((uint64_t)p->ihi - (uint64_t)p->ilo) & mask; /* 0: the full range */
        uint64_t m = span ? (1ull << (nb / 2)) % span : (1ull << (nb / 2));
        m = (m * m) & mask;
        if (span) m %= span;
        pl->ispan = span;
        pl->imult = m;
        pl->imask = mask;
        pl->ilo = p->ilo;
        break;
    }
    case AX_RND_BERNOULLI:
        if (p->has_p) {
            pl->parr = node->inputs[1];
            pl->t = pl->parr->dtype; /* u is drawn in p's dtype */
            pl->nbits = uniform_bits(pl->t);
            ax__broadcast_strides(pl->parr, out->shape, out->ndim, pl->pstrides);
        } else {
            pl->t = AX_FLOAT32;
            pl->nbits = 32;
            pl->p = (float)p->a;
        }
        break;
    default: break;
    }
    if (p->kind != AX_RND_BERNOULLI) {
        pl->lo = lo;
        pl->span = rnd_t(pl->t, hi - lo);
    }
}

/* p for output element i (broadcast strides). */
static double p_at(const rnd_plan *pl, int64_t i) {
    int64_t off = 0;
    for (int d = pl->ndim - 1; d >= 0; d--) {
        int64_t n = pl->shape[d];
        off += (i % n) * pl->pstrides[d];
        i /= n;
    }
    return ax__load_f64(ax__ptr(pl->parr) + off * (int64_t)ax_dtype_size(pl->parr->dtype),
                        pl->parr->dtype);
}

/* p of output elements i0 .. i0 + n - 1: unravel i0 once, then step the
 * multi-index (broadcast strides; no division per element). */
static void p_block(const rnd_plan *pl, int64_t i0, int n, double *pv) {
    int64_t idx[AX_MAX_NDIM], off = 0, rem = i0;
    for (int d = pl->ndim - 1; d >= 0; d--) {
        idx[d] = rem % pl->shape[d];
        rem /= pl->shape[d];
        off += idx[d] * pl->pstrides[d];
    }
    const ax_dtype pt = pl->parr->dtype;
    const int64_t isz = (int64_t)ax_dtype_size(pt);
    const char *base = ax__ptr(pl->parr);
    for (int j = 0; j < n; j++) {
        pv[j] = ax__load_f64(base + off * isz, pt);
        for (int d = pl->ndim - 1; d >= 0; d--) {
            off += pl->pstrides[d];
            if (++idx[d] < pl->shape[d]) break;
            off -= idx[d] * pl->pstrides[d];
            idx[d] = 0;
        }
    }
}

static inline uint64_t bits_at(const uint32_t key[2], uint64_t i, int nbits) {
    uint32_t y0, y1;
    ax__threefry_at(key, i, &y0, &y1);
    return fold_bits(y0, y1, nbits);
}

/* randint offset from the two words (JAX's arithmetic modulo 2^nbits; x % 0 = x). */
static inline uint64_t randint_offset(const rnd_plan *pl, uint64_t hb, uint64_t lb) {
    uint64_t s = pl->ispan, mk = pl->imask;
    uint64_t h = s ? hb % s : hb, l = s ? lb % s : lb;
    uint64_t r = ((h * pl->imult) + l) & mk;
    return s ? r % s : r;
}

/* Element i by the scalar formulas, stored at dst. Returns false for a bad p. */
static bool value_at(const rnd_plan *pl, int64_t i, char *dst) {
    ax_dtype t = pl->t;
    switch (pl->kind) {
    case AX_RND_BITS: {
        uint64_t b = bits_at(pl->key, (uint64_t)i, pl->nbits);
        ax__store_u64(dst, t, b);
        return true;
    }
    case AX_RND_SPLIT: {
        uint32_t y[2];
        ax__threefry_at(pl->key, (uint64_t)i >> 1, &y[0], &y[1]);
        memcpy(dst, &y[i & 1], 4);
        return true;
    }
    case AX_RND_RANDINT: {
        uint64_t hb = bits_at(pl->k1, (uint64_t)i, pl->nbits), lb = bits_at(pl->k2, (uint64_t)i, pl->nbits);
        ax__store_u64(dst, t, (uint64_t)pl->ilo + randint_offset(pl, hb, lb));
        return true;
    }
    case AX_RND_BERNOULLI: {
        double p = pl->parr ? p_at(pl, i) : pl->p;
        if (!(p >= 0 && p <= 1)) return false;
        double u = u01_of_bits(t, bits_at(pl->key, (uint64_t)i, pl->nbits));
        *(uint8_t *)dst = u < p;
        return true;
    }
    default: break;
    }
    double u = scale_u(pl, u01_of_bits(t, bits_at(pl->key, (uint64_t)i, pl->nbits)));
    double v = u;
    const bool f64 = t == AX_FLOAT64;
    switch (pl->kind) {
    case AX_RND_UNIFORM:
        v = rnd_t(t, u);
        v = v > pl->chi ? pl->chi : v;
        break;
    case AX_RND_NORMAL:
        v = rm(pl, pl->sqrt2 * rm(pl, erfinv_t(t, u)));
        v = fmadd(pl, pl->scale, v, pl->loc);
        break;
    case AX_RND_TRUNC_NORMAL:
        v = rm(pl, pl->sqrt2 * rm(pl, erfinv_t(t, u)));
        v = v < pl->clo ? pl->clo : v > pl->chi ? pl->chi : v;
        break;
    case AX_RND_GUMBEL:
        v = f64 ? -log(-log(u)) : rm(pl, -logf((float)rm(pl, -logf((float)u))));
        break;
    case AX_RND_LAPLACE: {
        double l = f64 ? log1p(-fabs(u)) : rm(pl, log1pf(-fabsf((float)u)));
        v = u > 0 ? l : u < 0 ? -l : 0.0 * l;
        v = fmadd(pl, pl->scale, v, pl->loc);
        break;
    }
    default: break;
    }
    ax__store_f64(dst, t, v);
    return true;
}

/* ---------------------------------------------------------------- reference */

static ax_status k_bits_ref(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    rnd_plan pl;
    make_plan(node, out[0], &pl);
    for (int64_t i = 0; i < out[0]->size; i++)
        if (!value_at(&pl, i, pl.out + i * (int64_t)pl.isz))
            return ax__fail(ctx, AX_ERR_VALUE, "bernoulli: p must be in [0, 1], got %g",
                            p_at(&pl, i));
    return AX_OK;
}

/* ---------------------------------------------------------------- fast */

/* Threefry of counters i0 .. i0 + RND_BLOCK - 1 (i0 a multiple of RND_BLOCK,
 * so the low word never wraps inside the block). Straight-line per lane:
 * vectorizes across j. */
static void tf_block(const uint32_t key[2], uint64_t i0, uint32_t *restrict o0,
                     uint32_t *restrict o1) {
    const uint32_t k0 = key[0], k1 = key[1], k2 = k0 ^ k1 ^ AX_THREEFRY_PARITY;
    const uint32_t hi = (uint32_t)(i0 >> 32), lo = (uint32_t)i0;
#define TF_R(r) x0 += x1, x1 = (x1 << (r)) | (x1 >> (32 - (r))), x1 ^= x0
#define TF_G(a, b, c, d) TF_R(a), TF_R(b), TF_R(c), TF_R(d)
    for (uint32_t j = 0; j < RND_BLOCK; j++) {
        uint32_t x0 = hi + k0, x1 = lo + j + k1;
        TF_G(13, 15, 26, 6);
        x0 += k1, x1 += k2 + 1;
        TF_G(17, 29, 16, 24);
        x0 += k2, x1 += k0 + 2;
        TF_G(13, 15, 26, 6);
        x0 += k0, x1 += k1 + 3;
        TF_G(17, 29, 16, 24);
        x0 += k1, x1 += k2 + 4;
        TF_G(13, 15, 26, 6);
        x0 += k2, x1 += k0 + 5;
        o0[j] = x0;
        o1[j] = x1;
    }
#undef TF_G
#undef TF_R
}

/* log1p(v) for v in (-1, 0], vectorizable (log of 1 + v plus the rounding
 * correction of 1 + v). */
static inline float log1p_neg(float v) {
    float m = 1.0f + v;
    return ew_logf(m) + (v - (m - 1.0f)) / m;
}

/* Convert one block [i0, i0 + n) (y0/y1 hold its hashes). Returns false on a bad p. */
static bool convert_block(rnd_plan *pl, int64_t i0, int n, const uint32_t *restrict y0,
                          const uint32_t *restrict y1) {
    ax_dtype t = pl->t;
    char *dst = pl->out + i0 * (int64_t)pl->isz;
    switch (pl->kind) {
    case AX_RND_BITS:
        if (pl->nbits == 32) {
            uint32_t *o = (uint32_t *)dst;
            for (int j = 0; j < n; j++) o[j] = y0[j] ^ y1[j];
        } else if (pl->nbits == 64) {
            uint64_t *o = (uint64_t *)dst;
            for (int j = 0; j < n; j++) o[j] = ((uint64_t)y0[j] << 32) | y1[j];
        } else if (pl->nbits == 16) {
            uint16_t *o = (uint16_t *)dst;
            for (int j = 0; j < n; j++) o[j] = (uint16_t)(y0[j] ^ y1[j]);
        } else {
            uint8_t *o = (uint8_t *)dst;
            for (int j = 0; j < n; j++) o[j] = (uint8_t)(y0[j] ^ y1[j]);
        }
        return true;
    case AX_RND_BERNOULLI:
        if (!pl->parr) {
            uint8_t *o = (uint8_t *)dst;
            const float p = (float)pl->p;
            for (int j = 0; j < n; j++) o[j] = ew_u2f(((y0[j] ^ y1[j]) >> 9) | 0x3f800000u) - 1.0f < p;
            return true;
        } else {
            uint8_t *o = (uint8_t *)dst;
            double pv[RND_BLOCK];
            p_block(pl, i0, n, pv);
            for (int j = 0; j < n; j++) {
                if (!(pv[j] >= 0 && pv[j] <= 1)) return false;
                o[j] = u01_of_bits(t, fold_bits(y0[j], y1[j], pl->nbits)) < pv[j];
            }
            return true;
        }
    case AX_RND_UNIFORM: case AX_RND_NORMAL: case AX_RND_GUMBEL: case AX_RND_LAPLACE:
        if (t == AX_FLOAT32) {
            float *o = (float *)dst;
            const float lo = (float)pl->lo, span = (float)pl->span;
            const float loc = (float)pl->loc, scale = (float)pl->scale, s2 = (float)pl->sqrt2;
            const float hi = (float)pl->chi;
            float u[RND_BLOCK];
            for (int j = 0; j < n; j++) {
                float x = ew_u2f(((y0[j] ^ y1[j]) >> 9) | 0x3f800000u) - 1.0f;
                x = fmaf(x, span, lo);
                u[j] = x < lo ? lo : x;
            }
            switch (pl->kind) { /* one straight-line loop per kind: vectorizes */
            case AX_RND_UNIFORM:
                for (int j = 0; j < n; j++) o[j] = u[j] > hi ? hi : u[j];
                break;
            case AX_RND_NORMAL: {
                float w[RND_BLOCK], sw[RND_BLOCK];
                for (int j = 0; j < n; j++) w[j] = -log1p_neg(-u[j] * u[j]);
                sqrt_block(w, sw, n);
                for (int j = 0; j < n; j++) o[j] = fmaf(scale, s2 * erfinv_giles_w(u[j], w[j], sw[j]), loc);
                break;
            }
            case AX_RND_GUMBEL:
                for (int j = 0; j < n; j++) o[j] = -ew_logf(-ew_logf(u[j]));
                break;
            default:
                for (int j = 0; j < n; j++) {
                    float l = log1p_neg(-fabsf(u[j]));
                    o[j] = fmaf(scale, u[j] > 0 ? l : u[j] < 0 ? -l : 0.0f, loc);
                }
            }
            return true;
        }
        if (t == AX_FLOAT64 && pl->kind == AX_RND_UNIFORM) {
            double *o = (double *)dst;
            const double lo = pl->lo, span = pl->span, hi = pl->chi;
            for (int j = 0; j < n; j++) {
                uint64_t b = ((((uint64_t)y0[j] << 32) | y1[j]) >> 12) | 0x3ff0000000000000ull;
                double u;
                memcpy(&u, &b, 8);
                u = fma(u - 1.0, span, lo);
                u = u < lo ? lo : u;
                o[j] = u > hi ? hi : u;
            }
            return true;
        }
        break;
    case AX_RND_RANDINT:
        if (pl->nbits == 32) { /* int8 ... uint32 */
            uint32_t o[RND_BLOCK];
            const uint32_t s = (uint32_t)pl->ispan, m = (uint32_t)pl->imult, lo = (uint32_t)pl->ilo;
            uint32_t h0[RND_BLOCK], h1[RND_BLOCK], l0[RND_BLOCK], l1[RND_BLOCK];
            tf_block(pl->k1, (uint64_t)i0 & ~(uint64_t)(RND_BLOCK - 1), h0, h1);
            tf_block(pl->k2, (uint64_t)i0 & ~(uint64_t)(RND_BLOCK - 1), l0, l1);
            int off = (int)(i0 & (RND_BLOCK - 1));
            for (int j = 0; j < n; j++) {
                uint32_t hb = h0[off + j] ^ h1[off + j], lb = l0[off + j] ^ l1[off + j];
                uint32_t r = s ? (hb % s) * m + lb % s : hb * m + lb;
                o[j] = lo + (s ? r % s : r);
            }
            if (pl->isz == 4) memcpy(dst, o, 4 * (size_t)n);
            else if (pl->isz == 2)
                for (int j = 0; j < n; j++) ((uint16_t *)dst)[j] = (uint16_t)o[j];
            else
                for (int j = 0; j < n; j++) ((uint8_t *)dst)[j] = (uint8_t)o[j];
            return true;
        }
        break;
    default: break;
    }
    for (int j = 0; j < n; j++)
        if (!value_at(pl, i0 + j, dst + (int64_t)j * (int64_t)pl->isz)) return false;
    return true;
}

static void bits_task(void *ud, int64_t b, int64_t e) {
    rnd_plan *pl = ud;
    uint32_t y0[RND_BLOCK], y1[RND_BLOCK];
    const bool hashes = pl->kind != AX_RND_SPLIT && pl->kind != AX_RND_RANDINT;
    for (int64_t i = b; i < e;) {
        int64_t base = i & ~(int64_t)(RND_BLOCK - 1), stop = base + RND_BLOCK < e ? base + RND_BLOCK : e;
        int off = (int)(i - base), n = (int)(stop - i);
        if (hashes) tf_block(pl->key, (uint64_t)base, y0, y1);
        if (!convert_block(pl, i, n, y0 + off, y1 + off)) {
            atomic_store_explicit(&pl->bad_p, true, memory_order_relaxed);
            return;
        }
        i = stop;
    }
}

static ax_status k_bits(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    if (ax__cpu_use_reference()) return k_bits_ref(ctx, node, out);
    rnd_plan pl;
    make_plan(node, out[0], &pl);
    ax__parallel_for(out[0]->size, RND_GRAIN, bits_task, &pl);
    if (atomic_load(&pl.bad_p)) {
        for (int64_t i = 0; i < out[0]->size; i++) {
            double p = p_at(&pl, i);
            if (!(p >= 0 && p <= 1))
                return ax__fail(ctx, AX_ERR_VALUE, "bernoulli: p must be in [0, 1], got %g", p);
        }
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- permutation */

static int perm_rounds(int64_t n) {
    if (n <= 1) return 0;
    return (int)ceil(3.0 * log((double)n) / log(4294967295.0));
}

typedef struct perm_keys {
    uint32_t key[2];
    uint32_t *out;
} perm_keys;

static void perm_keys_task(void *ud, int64_t b, int64_t e) {
    perm_keys *pk = ud;
    uint32_t y0[RND_BLOCK], y1[RND_BLOCK];
    for (int64_t i = b; i < e;) {
        int64_t base = i & ~(int64_t)(RND_BLOCK - 1), stop = base + RND_BLOCK < e ? base + RND_BLOCK : e;
        tf_block(pk->key, (uint64_t)base, y0, y1);
        for (int64_t j = i; j < stop; j++) pk->out[j] = y0[j - base] ^ y1[j - base];
        i = stop;
    }
}

typedef struct perm_item {
    uint32_t k, pos;
    int64_t v;
} perm_item;

static int perm_cmp(const void *a, const void *b) {
    const perm_item *x = a, *y = b;
    if (x->k != y->k) return x->k < y->k ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static ax_status k_perm(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_random_perm_params *p = node->params;
    const int64_t n = p->n;
    int64_t *x = (int64_t *)ax__ptr(out[0]);
    for (int64_t i = 0; i < n; i++) x[i] = i;
    int rounds = perm_rounds(n);
    if (!rounds) return AX_OK;
    uint32_t key[2];
    read_key(node->inputs[0], key);
    const bool ref = ax__cpu_use_reference();
    uint32_t *sk = malloc(sizeof(uint32_t) * 2 * (size_t)n);
    int64_t *tmp = malloc(sizeof(int64_t) * (size_t)n);
    perm_item *items = ref ? malloc(sizeof(perm_item) * (size_t)n) : NULL;
    if (!sk || !tmp || (ref && !items)) {
        free(sk), free(tmp), free(items);
        return ax__fail(ctx, AX_ERR_OOM, "permutation: out of host memory");
    }
    for (int r = 0; r < rounds; r++) {
        uint32_t nk[2], sub[2];
        ax__threefry_at(key, 0, &nk[0], &nk[1]);
        ax__threefry_at(key, 1, &sub[0], &sub[1]);
        key[0] = nk[0], key[1] = nk[1];
        if (ref) {
            for (int64_t i = 0; i < n; i++) {
                uint32_t y0, y1;
                ax__threefry_at(sub, (uint64_t)i, &y0, &y1);
                items[i] = (perm_item){y0 ^ y1, (uint32_t)i, x[i]};
            }
            qsort(items, (size_t)n, sizeof *items, perm_cmp);
            for (int64_t i = 0; i < n; i++) x[i] = items[i].v;
            continue;
        }
        perm_keys pk = {{sub[0], sub[1]}, sk};
        ax__parallel_for(n, RND_GRAIN, perm_keys_task, &pk);
        /* LSD radix sort of (key, value) by key: 11 + 11 + 10 bits, stable */
        uint32_t *ka = sk, *kb = sk + n;
        int64_t *va = x, *vb = tmp;
        static const int shift[3] = {0, 11, 22};
        for (int pass = 0; pass < 3; pass++) {
            int64_t count[2048] = {0};
            const int s = shift[pass];
            for (int64_t i = 0; i < n; i++) count[(ka[i] >> s) & 2047]++;
            int64_t sum = 0;
            for (int d = 0; d < 2048; d++) {
                int64_t c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int64_t i = 0; i < n; i++) {
                int64_t at = count[(ka[i] >> s) & 2047]++;
                kb[at] = ka[i];
                vb[at] = va[i];
            }
            uint32_t *tk = ka;
            ka = kb, kb = tk;
            int64_t *tv = va;
            va = vb, vb = tv;
        }
        if (va != x) memcpy(x, va, sizeof(int64_t) * (size_t)n);
    }
    free(sk), free(tmp), free(items);
    return AX_OK;
}

void ax__cpu_register_random(ax_kernel *table) {
    table[AX_OP_RANDOM_BITS] = k_bits;
    table[AX_OP_RANDOM_PERMUTATION] = k_perm;
}
