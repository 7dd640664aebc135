/* Conformance cases for the reduction family (SUM PROD MAX MIN ALL ANY
 * ARGMAX ARGMIN LOGSUMEXP SOFTMAX, and the composites mean/var/std).
 *
 * Parameters: ip[0] = number of axes (-1: axes == NULL, all axes; for
 * argmax/argmin -1 is AX_AXIS_NONE), ip[1..3] = the axes, ip[4] = keepdims,
 * ip[5] = ddof (var, std). Every case's expect() evaluates the NumPy
 * definition in float64 straight from the input values (one loop over the
 * input, outputs found by raveling the kept axes), independent of the
 * kernels' plans. Cases that reduce over axis 0 or all axes leave out
 * CONF_EMPTY for max/min/argmax/argmin (NumPy raises there, and so does ax). */
#include <math.h>
#include <stdlib.h>

#include "harness.h"

typedef enum { E_SUM, E_PROD, E_MAX, E_MIN, E_ALL, E_ANY, E_LSE, E_ARGMAX, E_ARGMIN, E_SOFTMAX,
               E_MEAN, E_VAR, E_STD } eop;

static const int *axes_of(const conf_case *c, int *naxes, int axes[3]) {
    *naxes = c->ip[0] < 0 ? 0 : (int)c->ip[0];
    for (int i = 0; i < *naxes; i++) axes[i] = (int)c->ip[1 + i];
    return c->ip[0] < 0 ? NULL : axes;
}

#define BUILD_RED(NAME, CALL)                                                         \
    static ax_array *NAME(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {     \
        int n, ax[3];                                                                 \
        const int *axes = axes_of(c, &n, ax);                                         \
        bool keep = c->ip[4] != 0;                                                    \
        (void)keep;                                                                   \
        return CALL;                                                                  \
    }
BUILD_RED(b_sum, ax_sum(ctx, in[0], axes, n, keep))
BUILD_RED(b_prod, ax_prod(ctx, in[0], axes, n, keep))
BUILD_RED(b_max, ax_max(ctx, in[0], axes, n, keep))
BUILD_RED(b_min, ax_min(ctx, in[0], axes, n, keep))
BUILD_RED(b_all, ax_all(ctx, in[0], axes, n, keep))
BUILD_RED(b_any, ax_any(ctx, in[0], axes, n, keep))
BUILD_RED(b_lse, ax_logsumexp(ctx, in[0], axes, n, keep))
BUILD_RED(b_softmax, ax_softmax(ctx, in[0], axes, n))
BUILD_RED(b_mean, ax_mean(ctx, in[0], axes, n, keep))
BUILD_RED(b_var, ax_var(ctx, in[0], axes, n, keep, (int)c->ip[5]))
BUILD_RED(b_std, ax_std(ctx, in[0], axes, n, keep, (int)c->ip[5]))
BUILD_RED(b_argmax, ax_argmax(ctx, in[0], axes ? axes[0] : AX_AXIS_NONE, keep))
BUILD_RED(b_argmin, ax_argmin(ctx, in[0], axes ? axes[0] : AX_AXIS_NONE, keep))

/* NumPy's definition of each reduction, in float64. */
static bool expect_common(eop op, const conf_case *c, const double *x, const int64_t *shape,
                          int nd, double *out, int64_t out_size) {
    bool mask[CONF_MAX_DIM] = {false};
    int n, ax[3];
    const int *axes = axes_of(c, &n, ax);
    for (int d = 0; d < nd; d++) mask[d] = axes == NULL;
    for (int i = 0; i < n; i++) mask[axes[i] < 0 ? axes[i] + nd : axes[i]] = true;
    int64_t nout = 1, nred = 1, size = 1;
    for (int d = 0; d < nd; d++) {
        size *= shape[d];
        if (mask[d]) nred *= shape[d];
        else nout *= shape[d];
    }
    if ((op == E_SOFTMAX ? size : nout) != out_size) return false;
    double *acc = calloc((size_t)(nout ? nout : 1), sizeof(double));
    double *aux = calloc((size_t)(nout ? nout : 1), sizeof(double));
    int64_t *first = calloc((size_t)(nout ? nout : 1), sizeof(int64_t));
    if (!acc || !aux || !first) {
        free(acc), free(aux), free(first);
        return false;
    }
    /* pass 0: max (lse, softmax) or mean (var, std); pass 1: the rest */
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t i = 0; i < size; i++) {
            int64_t rem = i, o = 0, r = 0, om = 1, rm = 1;
            for (int d = nd - 1; d >= 0; d--) {
                int64_t k = rem % shape[d];
                rem /= shape[d];
                if (mask[d]) r += k * rm, rm *= shape[d];
                else o += k * om, om *= shape[d];
            }
            double v = x[i];
            switch (op) {
            case E_SUM: case E_MEAN: if (pass) acc[o] += v; break;
            case E_PROD: if (pass) acc[o] = r == 0 ? v : acc[o] * v; break;
            case E_ALL: if (pass) acc[o] = (r == 0 || acc[o] != 0) && v != 0; break;
            case E_ANY: if (pass) acc[o] = (r != 0 && acc[o] != 0) || v != 0; break;
            case E_MAX: case E_MIN: case E_ARGMAX: case E_ARGMIN: {
                if (!pass) break;
                bool big = op == E_MAX || op == E_ARGMAX;
                if (r == 0 || (!isnan(acc[o]) && (isnan(v) || (big ? v > acc[o] : v < acc[o])))) {
                    acc[o] = v;
                    first[o] = r;
                }
                break;
            }
            case E_LSE: case E_SOFTMAX:
                if (!pass) acc[o] = r == 0 || v > acc[o] ? v : acc[o];
                else aux[o] += exp(v - acc[o]);
                break;
            case E_VAR: case E_STD:
                if (!pass) acc[o] += v / (double)nred;
                else aux[o] += (v - acc[o]) * (v - acc[o]);
                break;
            }
        }
    }
    if (op == E_SOFTMAX) {
        for (int64_t i = 0; i < size; i++) {
            int64_t rem = i, o = 0, om = 1;
            for (int d = nd - 1; d >= 0; d--) {
                int64_t k = rem % shape[d];
                rem /= shape[d];
                if (!mask[d]) o += k * om, om *= shape[d];
            }
            out[i] = exp(x[i] - acc[o]) / aux[o];
        }
    } else {
        double div = fmax((double)nred - (double)c->ip[5], 0);
        for (int64_t o = 0; o < nout; o++) {
            switch (op) {
            case E_MEAN: out[o] = acc[o] / (double)nred; break;
            case E_ARGMAX: case E_ARGMIN: out[o] = (double)first[o]; break;
            case E_LSE: out[o] = nred == 0 ? -INFINITY : acc[o] + log(aux[o]); break;
            case E_VAR: out[o] = aux[o] / div; break;
            case E_STD: out[o] = sqrt(aux[o] / div); break;
            case E_PROD: out[o] = nred == 0 ? 1 : acc[o]; break;
            case E_ALL: out[o] = nred == 0 ? 1 : acc[o]; break;
            default: out[o] = acc[o]; break;
            }
        }
    }
    free(acc), free(aux), free(first);
    return true;
}

#define EXPECT_FN(NAME, OP)                                                                \
    static bool NAME(const conf_case *c, const double *const *in, const int64_t *const *sh, \
                     const int *nd, double *out, int64_t n) {                              \
        return expect_common(OP, c, in[0], sh[0], nd[0], out, n);                          \
    }
EXPECT_FN(e_sum, E_SUM)
EXPECT_FN(e_prod, E_PROD)
EXPECT_FN(e_max, E_MAX)
EXPECT_FN(e_min, E_MIN)
EXPECT_FN(e_all, E_ALL)
EXPECT_FN(e_any, E_ANY)
EXPECT_FN(e_lse, E_LSE)
EXPECT_FN(e_argmax, E_ARGMAX)
EXPECT_FN(e_argmin, E_ARGMIN)
EXPECT_FN(e_softmax, E_SOFTMAX)
EXPECT_FN(e_mean, E_MEAN)
EXPECT_FN(e_var, E_VAR)
EXPECT_FN(e_std, E_STD)

#define REAL (CONF_NUMERIC | CONF_BOOL)
#define NO_EMPTY (CONF_ALL_VARIANTS & ~CONF_EMPTY)
#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define L2(a, b) .large = {{a, b}}
#define L3(a, b, c) .large = {{a, b, c}}
#define AX(...) .ip = {__VA_ARGS__}

const conf_case conf_cases_reduce[] = {
    /* sum: all, single (incl. negative), several, none; keepdims */
    {.name = "sum/all", .covers = "sum", .dtypes = CONF_ALL_DTYPES, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(3, 4, 5), L3(64, 64, 40), .lo = -3, .hi = 3, .build = b_sum, .expect = e_sum,
     AX(-1)},
    {.name = "sum/last_keepdims", .covers = "sum", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 7), L2(512, 300), .lo = -3, .hi = 3,
     .build = b_sum, .expect = e_sum, AX(1, -1, 0, 0, 1)},
    {.name = "sum/axis0", .covers = "sum", .dtypes = CONF_ALL_DTYPES, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(5, 6, 7), L3(300, 24, 20), .lo = -3, .hi = 3, .build = b_sum, .expect = e_sum,
     AX(1, 0)},
    {.name = "sum/middle", .covers = "sum", .dtypes = CONF_FLOATS | CONF_INTS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(3, 50, 9), L3(8, 1024, 17), .lo = -3, .hi = 3,
     .build = b_sum, .expect = e_sum, AX(1, 1)},
    {.name = "sum/axes_0_2", .covers = "sum", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(4, 5, 6), L3(40, 64, 64), .lo = -3, .hi = 3,
     .build = b_sum, .expect = e_sum, AX(2, 0, 2, 0, 1)},
    {.name = "sum/no_axes", .covers = "sum", .dtypes = CONF_ALL_DTYPES, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(4, 5), L2(512, 256), .lo = -3, .hi = 3, .build = b_sum, .expect = e_sum, AX(0)},
    {.name = "sum/long_rows", .covers = "sum", .dtypes = CONF_FLOATS | CONF_SINTS,
     .variants = CONF_CONTIG | CONF_LARGE, .n_in = 1, S2(3, 10000), L2(3, 200000), .lo = -1,
     .hi = 1, .build = b_sum, .expect = e_sum, AX(1, 1)},
    /* prod: short reduced axes so that integers do not wrap */
    {.name = "prod/axis1", .covers = "prod", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 5), L2(32768, 5), .lo = -2, .hi = 2,
     .build = b_prod, .expect = e_prod, AX(1, 1)},
    {.name = "prod/axis0_keepdims", .covers = "prod", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(4, 7), L2(4, 40000), .lo = -2, .hi = 2,
     .build = b_prod, .expect = e_prod, AX(1, 0, 0, 0, 1)},
    {.name = "prod/all", .covers = "prod", .dtypes = CONF_ALL_DTYPES,
     .variants = NO_EMPTY & ~CONF_LARGE, .n_in = 1, S3(2, 3, 2), .lo = -2, .hi = 2,
     .build = b_prod, .expect = e_prod, AX(-1)},
    /* max / min */
    {.name = "max/all", .covers = "max", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 1,
     S3(3, 4, 5), L3(64, 64, 40), .lo = -100, .hi = 100, .build = b_max, .expect = e_max, AX(-1)},
    {.name = "max/last", .covers = "max", .dtypes = REAL, .variants = CONF_ALL_VARIANTS, .n_in = 1,
     S2(7, 9), L2(512, 300), .lo = -100, .hi = 100, .build = b_max, .expect = e_max, AX(1, -1)},
    {.name = "max/axis0_keepdims", .covers = "max", .dtypes = REAL, .variants = NO_EMPTY,
     .n_in = 1, S3(5, 6, 7), L3(300, 24, 20), .lo = -100, .hi = 100, .build = b_max,
     .expect = e_max, AX(1, 0, 0, 0, 1)},
    {.name = "min/axes_1_2", .covers = "min", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(4, 5, 6), L3(40, 64, 64), .lo = -100, .hi = 100, .build = b_min,
     .expect = e_min, AX(2, -1, 1)},
    {.name = "min/axis0", .covers = "min", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 1,
     S2(9, 4), L2(2048, 64), .lo = -100, .hi = 100, .build = b_min, .expect = e_min, AX(1, 0)},
    /* all / any: short reduced axes give both answers */
    {.name = "all/axis1", .covers = "all", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(7, 3), L2(65536, 3), .lo = 0, .hi = 1.3,
     .build = b_all, .expect = e_all, AX(1, 1)},
    {.name = "all/axis0_keepdims", .covers = "all", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(3, 8), L2(3, 65536), .lo = 0, .hi = 1.3,
     .build = b_all, .expect = e_all, AX(1, 0, 0, 0, 1)},
    {.name = "any/axis1", .covers = "any", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(7, 3), L2(65536, 3), .lo = -0.2, .hi = 0.7,
     .build = b_any, .expect = e_any, AX(1, 1)},
    {.name = "any/all", .covers = "any", .dtypes = CONF_ALL_DTYPES, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(2, 3, 4), L3(64, 64, 40), .lo = -0.2, .hi = 0.7, .build = b_any,
     .expect = e_any, AX(-1)},
    /* argmax / argmin: small integer ranges make ties (the first wins) */
    {.name = "argmax/last", .covers = "argmax", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(7, 9), L2(512, 300), .lo = -4, .hi = 4, .build = b_argmax,
     .expect = e_argmax, AX(1, -1)},
    {.name = "argmax/none", .covers = "argmax", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 1,
     S3(3, 4, 5), L3(64, 64, 40), .lo = -4, .hi = 4, .build = b_argmax, .expect = e_argmax, AX(-1)},
    {.name = "argmin/axis0_keepdims", .covers = "argmin", .dtypes = REAL, .variants = NO_EMPTY,
     .n_in = 1, S3(6, 5, 4), L3(300, 24, 20), .lo = -4, .hi = 4, .build = b_argmin,
     .expect = e_argmin, AX(1, 0, 0, 0, 1)},
    {.name = "argmin/middle", .covers = "argmin", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(3, 8, 5), L3(16, 1024, 9), .lo = -4, .hi = 4, .build = b_argmin,
     .expect = e_argmin, AX(1, 1)},
    /* logsumexp */
    {.name = "logsumexp/last", .covers = "logsumexp", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(5, 8), L2(512, 512), .lo = -20, .hi = 20,
     .build = b_lse, .expect = e_lse, AX(1, -1)},
    {.name = "logsumexp/all", .covers = "logsumexp", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(3, 4, 5), L3(64, 64, 40), .lo = -50, .hi = 50, .build = b_lse,
     .expect = e_lse, AX(-1)},
    {.name = "logsumexp/axis0_keepdims", .covers = "logsumexp", .dtypes = CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 5), L2(1024, 200), .lo = -5, .hi = 5,
     .build = b_lse, .expect = e_lse, AX(1, 0, 0, 0, 1)},
    /* softmax */
    {.name = "softmax/last", .covers = "softmax", .dtypes = CONF_NUMERIC,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 10), L2(256, 1024), .lo = -10, .hi = 10,
     .build = b_softmax, .expect = e_softmax, AX(1, -1)},
    {.name = "softmax/axis0", .covers = "softmax", .dtypes = CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(5, 3, 4), L3(128, 32, 40), .lo = -10, .hi = 10,
     .build = b_softmax, .expect = e_softmax, AX(1, 0)},
    {.name = "softmax/all", .covers = "softmax", .dtypes = CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(4, 6), L2(512, 256), .lo = -10, .hi = 10,
     .build = b_softmax, .expect = e_softmax, AX(-1)},
    {.name = "softmax/axes_0_2", .covers = "softmax", .dtypes = CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(3, 4, 5), L3(64, 32, 64), .lo = -10, .hi = 10,
     .build = b_softmax, .expect = e_softmax, AX(2, 0, 2)},
    /* composites */
    {.name = "mean/axis1", .covers = "sum divide", .dtypes = CONF_NUMERIC | CONF_COMPLEX,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 7), L2(512, 300), .lo = -3, .hi = 3,
     .build = b_mean, .expect = e_mean, AX(1, 1)},
    {.name = "var/axis0_ddof1", .covers = "sum subtract multiply divide", .dtypes = CONF_NUMERIC,
     .variants = NO_EMPTY, .n_in = 1, S2(6, 7), L2(300, 512), .lo = -3, .hi = 3, .build = b_var,
     .expect = e_var, AX(1, 0, 0, 0, 0, 1)},
    {.name = "std/all", .covers = "sum subtract multiply divide sqrt", .dtypes = CONF_FLOATS,
     .variants = NO_EMPTY, .n_in = 1, S3(3, 4, 5), L3(64, 64, 40), .lo = -3, .hi = 3,
     .build = b_std, .expect = e_std, AX(-1, 0, 0, 0, 1)},
    {.name = NULL},
};
