/* Random ops: keys, the process-wide default key, and the distributions.
 *
 * Every distribution is one RANDOM_BITS node whose params say which formula
 * turns the hash of element i into a value (src/ops/random_params.h), so the
 * values are computed in one pass. categorical, permutation of an array and
 * multivariate_normal are composites of those with public ops. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "ax/linalg.h"
#include "ax/random.h"
#include "core/internal.h"
#include "ops/random_params.h"

/* ---------------------------------------------------------------- default key */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t g_key[2];
static bool g_seeded;

void ax_random_seed(uint64_t seed) {
    pthread_mutex_lock(&g_lock);
    g_key[0] = (uint32_t)(seed >> 32);
    g_key[1] = (uint32_t)seed;
    g_seeded = true;
    pthread_mutex_unlock(&g_lock);
}

ax_array *ax_random_next_key(ax_ctx *ctx) {
    AX_CHECK_CTX(ctx);
    uint32_t sub[2];
    pthread_mutex_lock(&g_lock);
    if (!g_seeded) { /* as MLX: seeded from the clock */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t s = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
        g_key[0] = (uint32_t)(s >> 32);
        g_key[1] = (uint32_t)s;
        g_seeded = true;
    }
    uint32_t nk[2];
    ax__threefry_at(g_key, 0, &nk[0], &nk[1]);
    ax__threefry_at(g_key, 1, &sub[0], &sub[1]);
    g_key[0] = nk[0];
    g_key[1] = nk[1];
    pthread_mutex_unlock(&g_lock);
    return ax_array_from_data(ctx, sub, AX_UINT32, (const int64_t[]){2}, 1);
}

/* ---------------------------------------------------------------- checks */

/* The key to use: `key` validated, or the next default key when NULL. */
static ax_array *use_key(ax_ctx *ctx, const char *op, ax_array *key) {
    if (!key) return ax_random_next_key(ctx);
    if (key->dtype != AX_UINT32)
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: key must be a uint32 array of shape (2,), got a %s array of shape %s",
                         op, ax_dtype_name(key->dtype), AX_SHAPE(key));
    if (key->ndim != 1 || key->shape[0] != 2)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: key must be a uint32 array of shape (2,), got shape %s "
                         "(take one key of a split with ax_random_key_at)", op, AX_SHAPE(key));
    return key;
}

static bool check_shape(ax_ctx *ctx, const char *op, const int64_t *shape, int ndim) {
    if (ndim < 0 || ndim > AX_MAX_NDIM) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: ndim %d is outside [0, %d]", op, ndim, AX_MAX_NDIM);
        return false;
    }
    if (ndim > 0 && !shape) {
        ax__error(ctx, AX_ERR_NULL, "%s: shape is NULL with ndim %d", op, ndim);
        return false;
    }
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 0) {
            ax__error(ctx, AX_ERR_SHAPE, "%s: negative dimension %lld in shape %s", op,
                      (long long)shape[d], ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0},
                                                         AX_SHAPE_STR_CAP));
            return false;
        }
    int64_t n;
    if (!ax__shape_size(shape, ndim, &n)) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: shape %s has too many elements", op,
                  ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        return false;
    }
    return true;
}

static bool check_float_dtype(ax_ctx *ctx, const char *op, ax_dtype t) {
    if (ax_dtype_is_floating(t)) return true;
    ax__error(ctx, AX_ERR_DTYPE,
              "%s: dtype must be float16, bfloat16, float32 or float64, got %s", op,
              ax_dtype_name(t));
    return false;
}

/* One RANDOM_BITS node (inputs: key, and p for bernoulli with has_p). */
static ax_array *make_bits(ax_ctx *ctx, const char *op, ax_array *key, ax_array *p,
                           const ax_random_params *prm, const int64_t *shape, int ndim,
                           ax_dtype dtype) {
    if (!check_shape(ctx, op, shape, ndim)) return NULL;
    key = use_key(ctx, op, key);
    if (!key) return NULL;
    ax_array *in[2] = {key, p};
    return ax__make_op(ctx, AX_OP_RANDOM_BITS, in, p ? 2 : 1, prm, sizeof *prm, dtype, shape, ndim);
}

static ax_random_params params_of(ax_random_kind kind) {
    ax_random_params p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    return p;
}

/* ---------------------------------------------------------------- keys */

ax_array *ax_random_key(ax_ctx *ctx, uint64_t seed) {
    AX_CHECK_CTX(ctx);
    uint32_t k[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
    return ax_array_from_data(ctx, k, AX_UINT32, (const int64_t[]){2}, 1);
}

ax_array *ax_random_split(ax_ctx *ctx, ax_array *key, int64_t num) {
    AX_CHECK_CTX(ctx);
    if (num < 0) return ax__error(ctx, AX_ERR_VALUE, "split: num must be >= 0, got %lld", (long long)num);
    ax_random_params p = params_of(AX_RND_SPLIT);
    return make_bits(ctx, "split", key, NULL, &p, (const int64_t[]){num, 2}, 2, AX_UINT32);
}

ax_array *ax_random_key_at(ax_ctx *ctx, ax_array *keys, int64_t i) {
    AX_CHECK_IN(ctx, keys);
    if (keys->dtype != AX_UINT32 || keys->ndim != 2 || keys->shape[1] != 2)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "key_at: keys must be a uint32 array of shape (num, 2), got a %s array of "
                         "shape %s", ax_dtype_name(keys->dtype), AX_SHAPE(keys));
    int64_t n = keys->shape[0];
    if (i < -n || i >= n)
        return ax__error(ctx, AX_ERR_INDEX, "key_at: index %lld is out of range for %lld keys",
                         (long long)i, (long long)n);
    if (i < 0) i += n;
    ax_array *row = ax_slice_axis(ctx, keys, 0, i, i + 1, 1);
    return ax_reshape(ctx, row, (const int64_t[]){2}, 1);
}

/* ---------------------------------------------------------------- bits & floats */

ax_array *ax_random_bits(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                         ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (dtype != AX_UINT8 && dtype != AX_UINT16 && dtype != AX_UINT32 && dtype != AX_UINT64)
        return ax__error(ctx, AX_ERR_DTYPE, "bits: dtype must be uint8, uint16, uint32 or uint64, got %s",
                         ax_dtype_name(dtype));
    ax_random_params p = params_of(AX_RND_BITS);
    return make_bits(ctx, "bits", key, NULL, &p, shape, ndim, dtype);
}

ax_array *ax_random_uniform(ax_ctx *ctx, double low, double high, const int64_t *shape, int ndim,
                            ax_dtype dtype, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!check_float_dtype(ctx, "uniform", dtype)) return NULL;
    if (!isfinite(low) || !isfinite(high) || !(low < high))
        return ax__error(ctx, AX_ERR_VALUE, "uniform: need finite low < high, got low %g, high %g",
                         low, high);
    ax_random_params p = params_of(AX_RND_UNIFORM);
    p.a = low;
    p.b = high;
    return make_bits(ctx, "uniform", key, NULL, &p, shape, ndim, dtype);
}

ax_array *ax_random_normal(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype, double loc,
                           double scale, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!check_float_dtype(ctx, "normal", dtype)) return NULL;
    if (!isfinite(loc) || !isfinite(scale) || scale < 0)
        return ax__error(ctx, AX_ERR_VALUE,
                         "normal: need a finite loc and a finite scale >= 0, got loc %g, scale %g",
                         loc, scale);
    ax_random_params p = params_of(AX_RND_NORMAL);
    p.a = loc;
    p.b = scale;
    return make_bits(ctx, "normal", key, NULL, &p, shape, ndim, dtype);
}

ax_array *ax_random_truncated_normal(ax_ctx *ctx, double lower, double upper, const int64_t *shape,
                                     int ndim, ax_dtype dtype, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!check_float_dtype(ctx, "truncated_normal", dtype)) return NULL;
    if (isnan(lower) || isnan(upper) || !(lower < upper))
        return ax__error(ctx, AX_ERR_VALUE,
                         "truncated_normal: need lower < upper, got lower %g, upper %g", lower,
                         upper);
    ax_random_params p = params_of(AX_RND_TRUNC_NORMAL);
    p.a = lower;
    p.b = upper;
    return make_bits(ctx, "truncated_normal", key, NULL, &p, shape, ndim, dtype);
}

ax_array *ax_random_gumbel(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype,
                           ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!check_float_dtype(ctx, "gumbel", dtype)) return NULL;
    ax_random_params p = params_of(AX_RND_GUMBEL);
    return make_bits(ctx, "gumbel", key, NULL, &p, shape, ndim, dtype);
}

ax_array *ax_random_laplace(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype, double loc,
                            double scale, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!check_float_dtype(ctx, "laplace", dtype)) return NULL;
    if (!isfinite(loc) || !isfinite(scale) || scale < 0)
        return ax__error(ctx, AX_ERR_VALUE,
                         "laplace: need a finite loc and a finite scale >= 0, got loc %g, scale %g",
                         loc, scale);
    ax_random_params p = params_of(AX_RND_LAPLACE);
    p.a = loc;
    p.b = scale;
    return make_bits(ctx, "laplace", key, NULL, &p, shape, ndim, dtype);
}

/* ---------------------------------------------------------------- integers */

static void int_range(ax_dtype t, int64_t *lo, uint64_t *hi) {
    size_t bits = 8 * ax_dtype_size(t);
    if (ax_dtype_is_unsigned(t)) {
        *lo = 0;
        *hi = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    } else {
        *lo = bits == 64 ? INT64_MIN : -(int64_t)(1ull << (bits - 1));
        *hi = (1ull << (bits - 1)) - 1;
    }
}

ax_array *ax_random_randint(ax_ctx *ctx, int64_t low, int64_t high, const int64_t *shape, int ndim,
                            ax_dtype dtype, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!ax_dtype_is_integer(dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "randint: dtype must be an integer dtype, got %s",
                         ax_dtype_name(dtype));
    if (!(low < high))
        return ax__error(ctx, AX_ERR_VALUE, "randint: need low < high, got low %lld, high %lld",
                         (long long)low, (long long)high);
    int64_t dmin;
    uint64_t dmax;
    int_range(dtype, &dmin, &dmax);
    /* high may be dmax + 1 (randint(0, 256) of uint8) */
    bool high_ok = high <= 0 || (uint64_t)high - 1 <= dmax;
    if (low < dmin || !high_ok)
        return ax__error(ctx, AX_ERR_VALUE,
                         "randint: range [%lld, %lld) is not representable in %s", (long long)low,
                         (long long)high, ax_dtype_name(dtype));
    ax_random_params p = params_of(AX_RND_RANDINT);
    p.ilo = low;
    p.ihi = high;
    return make_bits(ctx, "randint", key, NULL, &p, shape, ndim, dtype);
}

/* ---------------------------------------------------------------- bernoulli */

ax_array *ax_random_bernoulli(ax_ctx *ctx, double p, const int64_t *shape, int ndim, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (!(p >= 0 && p <= 1))
        return ax__error(ctx, AX_ERR_VALUE, "bernoulli: p must be in [0, 1], got %g", p);
    ax_random_params prm = params_of(AX_RND_BERNOULLI);
    prm.a = p;
    return make_bits(ctx, "bernoulli", key, NULL, &prm, shape, ndim, AX_BOOL);
}

ax_array *ax_random_bernoulli_p(ax_ctx *ctx, ax_array *p, const int64_t *shape, int ndim,
                                ax_array *key) {
    AX_CHECK_IN(ctx, p);
    if (ax_dtype_is_complex(p->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "bernoulli: p must be real, got %s",
                         ax_dtype_name(p->dtype));
    if (!ax_dtype_is_floating(p->dtype)) {
        p = ax_astype(ctx, p, AX_FLOAT32);
        if (!p) return NULL;
    }
    if (!shape && ndim == 0) {
        shape = p->shape;
        ndim = p->ndim;
    }
    if (!check_shape(ctx, "bernoulli", shape, ndim)) return NULL;
    bool ok = p->ndim <= ndim;
    for (int d = 0; ok && d < p->ndim; d++) {
        int64_t pd = p->shape[p->ndim - 1 - d];
        ok = pd == 1 || pd == shape[ndim - 1 - d];
    }
    if (!ok)
        return ax__error(ctx, AX_ERR_SHAPE, "bernoulli: p of shape %s cannot be broadcast to shape %s",
                         AX_SHAPE(p), ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0},
                                                    AX_SHAPE_STR_CAP));
    ax_random_params prm = params_of(AX_RND_BERNOULLI);
    prm.has_p = 1;
    return make_bits(ctx, "bernoulli", key, p, &prm, shape, ndim, AX_BOOL);
}

/* ---------------------------------------------------------------- categorical */

ax_array *ax_random_categorical(ax_ctx *ctx, ax_array *logits, int axis, int64_t num_samples,
                                ax_array *key) {
    AX_CHECK_IN(ctx, logits);
    if (logits->ndim < 1)
        return ax__error(ctx, AX_ERR_SHAPE, "categorical: logits must have at least one dimension");
    if (ax_dtype_is_complex(logits->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "categorical: logits must be real, got %s",
                         ax_dtype_name(logits->dtype));
    int ax;
    if (!ax__norm_axis(ctx, "categorical", axis, logits->ndim, &ax)) return NULL;
    if (logits->shape[ax] == 0)
        return ax__error(ctx, AX_ERR_SHAPE, "categorical: no categories along axis %d of shape %s",
                         axis, AX_SHAPE(logits));
    if (num_samples < 0)
        return ax__error(ctx, AX_ERR_VALUE, "categorical: num_samples must be >= 0, got %lld",
                         (long long)num_samples);
    if (!ax_dtype_is_floating(logits->dtype)) {
        logits = ax_astype(ctx, logits, AX_FLOAT32);
        if (!logits) return NULL;
    }
    key = use_key(ctx, "categorical", key);
    if (!key) return NULL;
    int nd = logits->ndim;
    if (num_samples == 0) {
        ax_array *g = ax_random_gumbel(ctx, logits->shape, nd, logits->dtype, key);
        return ax_argmax(ctx, ax_add(ctx, g, logits), ax, false);
    }
    /* JAX's shape = (num_samples, *batch): gumbel of (num_samples, *logits.shape),
     * argmax over the shifted axis, then the sample axis moved last (MLX). */
    int64_t gshape[AX_MAX_NDIM + 1];
    gshape[0] = num_samples;
    for (int d = 0; d < nd; d++) gshape[d + 1] = logits->shape[d];
    if (nd + 1 > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_SHAPE, "categorical: logits have too many dimensions (%d)", nd);
    ax_array *g = ax_random_gumbel(ctx, gshape, nd + 1, logits->dtype, key);
    ax_array *l = ax_expand_dims(ctx, logits, (const int[]){0}, 1);
    ax_array *s = ax_argmax(ctx, ax_add(ctx, g, l), ax + 1, false);
    return ax_moveaxis(ctx, s, 0, -1);
}

/* ---------------------------------------------------------------- permutation */

ax_array *ax_random_permutation(ax_ctx *ctx, int64_t n, ax_array *key) {
    AX_CHECK_CTX(ctx);
    if (n < 0 || n > (int64_t)UINT32_MAX)
        return ax__error(ctx, AX_ERR_VALUE, "permutation: n must be in [0, 2^32 - 1], got %lld",
                         (long long)n);
    key = use_key(ctx, "permutation", key);
    if (!key) return NULL;
    ax_random_perm_params p = {.n = n};
    return ax__make_op(ctx, AX_OP_RANDOM_PERMUTATION, &key, 1, &p, sizeof p, AX_INT64,
                       (const int64_t[]){n}, 1);
}

ax_array *ax_random_permutation_array(ax_ctx *ctx, ax_array *a, int axis, ax_array *key) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim < 1)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "permutation: the array must have at least one dimension (use "
                         "ax_random_permutation for an integer n)");
    int ax;
    if (!ax__norm_axis(ctx, "permutation", axis, a->ndim, &ax)) return NULL;
    ax_array *idx = ax_random_permutation(ctx, a->shape[ax], key);
    return ax_take(ctx, a, idx, ax);
}

/* ---------------------------------------------------------------- multivariate normal */

ax_array *ax_random_multivariate_normal(ax_ctx *ctx, ax_array *mean, ax_array *cov,
                                        const int64_t *shape, int ndim, ax_dtype dtype,
                                        ax_array *key) {
    AX_CHECK_IN(ctx, mean);
    AX_CHECK_IN(ctx, cov);
    const char *op = "multivariate_normal";
    if (dtype != AX_FLOAT32 && dtype != AX_FLOAT64)
        return ax__error(ctx, AX_ERR_DTYPE, "%s: dtype must be float32 or float64, got %s", op,
                         ax_dtype_name(dtype));
    if (mean->ndim < 1 || cov->ndim < 2)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: need mean (..., n) and cov (..., n, n), got shapes %s and %s", op,
                         AX_SHAPE(mean), AX_SHAPE(cov));
    int64_t n = mean->shape[mean->ndim - 1];
    if (cov->shape[cov->ndim - 1] != n || cov->shape[cov->ndim - 2] != n)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: cov must have shape (..., %lld, %lld) for mean of shape %s, got %s",
                         op, (long long)n, (long long)n, AX_SHAPE(mean), AX_SHAPE(cov));
    if (ax_dtype_is_complex(mean->dtype) || ax_dtype_is_complex(cov->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "%s: mean and cov must be real", op);
    int64_t batch[AX_MAX_NDIM];
    int nb;
    if (!ax__broadcast_shapes(ctx, op, mean->shape, mean->ndim - 1, cov->shape, cov->ndim - 2, batch,
                              &nb))
        return NULL;
    if (!shape && ndim == 0) {
        shape = batch;
        ndim = nb;
    }
    if (!check_shape(ctx, op, shape, ndim)) return NULL;
    if (ndim + 1 > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: shape has too many dimensions (%d)", op, ndim);
    /* the batch shape must broadcast to `shape` */
    bool ok = nb <= ndim;
    for (int d = 0; ok && d < nb; d++) {
        int64_t bd = batch[nb - 1 - d];
        ok = bd == 1 || bd == shape[ndim - 1 - d];
    }
    if (!ok)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: mean and cov batch shape %s cannot be broadcast to shape %s", op,
                         ax__shape_str(batch, nb, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                         ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    key = use_key(ctx, op, key);
    if (!key) return NULL;
    int64_t zshape[AX_MAX_NDIM];
    for (int d = 0; d < ndim; d++) zshape[d] = shape[d];
    zshape[ndim] = n;
    ax_array *m = ax_astype(ctx, mean, dtype), *c = ax_astype(ctx, cov, dtype);
    ax_array *L = ax_linalg_cholesky(ctx, c, false);
    ax_array *z = ax_random_normal(ctx, zshape, ndim + 1, dtype, 0, 1, key);
    /* L (..., n, n) @ z[..., None] -> (..., n, 1) */
    ax_array *lz = ax_matmul(ctx, L, ax_expand_dims(ctx, z, (const int[]){-1}, 1));
    return ax_add(ctx, m, ax_squeeze(ctx, lz, (const int[]){-1}, 1));
}
