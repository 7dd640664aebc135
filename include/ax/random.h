/* ax/random.h — counter-based random numbers: keys, split, distributions.
 *
 * ax's generator is Threefry-2x32 (20 rounds), the counter-based hash of JAX
 * and MLX. A key is a uint32 array of shape (2,). Every random op takes a key
 * and is a pure function of it: the same key gives the same numbers, on any
 * thread count and (by construction) on any backend, because the bits of
 * output element i depend only on (key, i). The bits equal JAX's
 * (jax.random.PRNGKey / split / bits with the default "threefry2x32"
 * implementation and jax_threefry_partitionable = True, JAX's default since
 * 0.5); uniform, randint, bernoulli, permutation and gumbel follow jax.random's
 * formulas and match its values (docs/random.md says which are bit-exact).
 *
 * A key passed as NULL draws from a process-wide default key, as MLX does:
 * the op splits the default key in two, keeps the first half as the new
 * default and uses the second (thread-safe). ax_random_seed sets the default
 * key; unseeded, it starts from the time.
 *
 * Shapes are given as (shape, ndim) with ndim = 0 for a scalar. Errors:
 * AX_ERR_VALUE for bad parameters (low >= high, p outside [0, 1], a negative
 * count), AX_ERR_SHAPE for bad shapes, AX_ERR_DTYPE for an unsupported dtype
 * or a key that is not uint32, AX_ERR_SHAPE for a key whose shape is not (2,).
 */
#ifndef AX_RANDOM_H
#define AX_RANDOM_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- keys */

/* A key from a seed: (seed >> 32, seed & 0xffffffff) as uint32 (2,), like
 * jax.random.PRNGKey (with 64-bit seeds) and mlx.core.random.key. */
AX_API ax_array *ax_random_key(ax_ctx *ctx, uint64_t seed);
/* `num` new keys, shape (num, 2): row j is threefry(key, counter j), as
 * jax.random.split. num >= 0. Take a row with ax_random_key_at. */
AX_API ax_array *ax_random_split(ax_ctx *ctx, ax_array *key, int64_t num);
/* Row i of a (num, 2) array of keys as a (2,) key (a view). */
AX_API ax_array *ax_random_key_at(ax_ctx *ctx, ax_array *keys, int64_t i);
/* Set the process-wide default key to ax_random_key(seed) (thread-safe). */
AX_API void ax_random_seed(uint64_t seed);
/* The key an op given key = NULL would use: splits the default key, keeps
 * the first half as the new default, returns the second. */
AX_API ax_array *ax_random_next_key(ax_ctx *ctx);

/* ---------------------------------------------------------------- bits */

/* Random bits of a uint8/16/32/64 dtype, as jax.random.bits: element i is
 * y0 ^ y1 of threefry(key, i) (low 8 or 16 bits for the narrow dtypes), or
 * (y0 << 32) | y1 for uint64. */
AX_API ax_array *ax_random_bits(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                                ax_array *key);

/* ---------------------------------------------------------------- distributions */

/* Uniform in [low, high) of a float dtype (float16, bfloat16, float32,
 * float64): u in [0, 1) from the top mantissa bits of random_bits (JAX's
 * mantissa trick), then max(low, u * (high - low) + low) in the dtype (one
 * fused rounding, as XLA), equal to jax.random.uniform bit for bit; a value
 * that rounds up to high becomes the float below it (JAX would return high).
 * low >= high or a non-finite bound is AX_ERR_VALUE. */
AX_API ax_array *ax_random_uniform(ax_ctx *ctx, double low, double high, const int64_t *shape,
                                   int ndim, ax_dtype dtype, ax_array *key);
/* Normal with mean loc and standard deviation scale (finite, >= 0): loc +
 * scale * sqrt(2) erfinv(u), u uniform in (-1, 1), as jax.random.normal /
 * MLX (erfinv: Giles' float32 polynomial as XLA; float64 refined to full
 * precision). */
AX_API ax_array *ax_random_normal(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                                  double loc, double scale, ax_array *key);
/* Standard normal truncated to (lower, upper): sqrt(2) erfinv(u) with u
 * uniform in [erf(lower/sqrt 2), erf(upper/sqrt 2)), clipped into the open
 * interval, as jax.random.truncated_normal. lower < upper (either may be
 * infinite). */
AX_API ax_array *ax_random_truncated_normal(ax_ctx *ctx, double lower, double upper,
                                            const int64_t *shape, int ndim, ax_dtype dtype,
                                            ax_array *key);
/* Integers in [low, high) of an integer dtype, as jax.random.randint: two
 * random words per element reduced modulo high - low, so the probability of
 * each value differs from 1 / (high - low) by less than
 * (high - low) / 2^(2 * bits) relatively (bits: the dtype's width). low <
 * high, both representable (high may be the dtype's maximum + 1). */
AX_API ax_array *ax_random_randint(ax_ctx *ctx, int64_t low, int64_t high, const int64_t *shape,
                                   int ndim, ax_dtype dtype, ax_array *key);
/* bool: true with probability p (0 <= p <= 1): u < p with u uniform float32
 * in [0, 1), as jax.random.bernoulli. */
AX_API ax_array *ax_random_bernoulli(ax_ctx *ctx, double p, const int64_t *shape, int ndim,
                                     ax_array *key);
/* Bernoulli with an array of probabilities p (float dtype; integer p is
 * taken as float32), broadcast to shape (shape NULL: p's shape); u is drawn
 * in p's dtype. A p outside [0, 1] or NaN is found by the kernel: AX_ERR_VALUE
 * from the eval that runs it. */
AX_API ax_array *ax_random_bernoulli_p(ax_ctx *ctx, ax_array *p, const int64_t *shape, int ndim,
                                       ax_array *key);
/* Samples of the categorical distributions given by logits (unnormalized
 * log-probabilities along `axis`), by the Gumbel-max trick: argmax(logits +
 * gumbel) along axis, as jax.random.categorical. num_samples == 0 gives one
 * sample per distribution (shape: logits' without axis); num_samples > 0
 * adds a last axis of that many independent samples (as MLX). int64 indices. */
AX_API ax_array *ax_random_categorical(ax_ctx *ctx, ax_array *logits, int axis,
                                       int64_t num_samples, ax_array *key);
/* Standard Gumbel: -log(-log(u)), u uniform in [tiny, 1), as jax.random.gumbel. */
AX_API ax_array *ax_random_gumbel(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                                  ax_array *key);
/* Laplace with location loc and scale (finite, >= 0): loc + scale * sign(u)
 * log1p(-|u|), u uniform in (-1, 1), as jax.random.laplace (loc 0, scale 1)
 * and MLX. */
AX_API ax_array *ax_random_laplace(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                                   double loc, double scale, ax_array *key);
/* A random permutation of 0 .. n-1 (int64), as jax.random.permutation(key,
 * n): stable sorts by random 32-bit keys (enough rounds that ties are
 * negligible). n >= 0. */
AX_API ax_array *ax_random_permutation(ax_ctx *ctx, int64_t n, ax_array *key);
/* `a` with its slices along axis shuffled by ax_random_permutation(n =
 * a.shape[axis]) (jax.random.permutation(key, a, axis)). */
AX_API ax_array *ax_random_permutation_array(ax_ctx *ctx, ax_array *a, int axis, ax_array *key);
/* Samples of N(mean, cov): mean (..., n), cov (..., n, n) symmetric positive
 * definite; result shape `shape` + (n,) (shape NULL: the broadcast of mean's
 * and cov's batch shapes), dtype a float32 or float64. mean + L z with L the
 * lower Cholesky factor of cov and z standard normal of that shape, as
 * jax.random.multivariate_normal(method="cholesky"). */
AX_API ax_array *ax_random_multivariate_normal(ax_ctx *ctx, ax_array *mean, ax_array *cov,
                                               const int64_t *shape, int ndim, ax_dtype dtype,
                                               ax_array *key);

#ifdef __cplusplus
}
#endif
#endif
