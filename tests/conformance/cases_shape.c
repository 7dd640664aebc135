/* Conformance cases for the shape family (RESHAPE TRANSPOSE BROADCAST_TO
 * SLICE AS_STRIDED CONCATENATE PAD TRIL TRIU) and the composites built on
 * them (flatten, squeeze, expand_dims, swapaxes, moveaxis, flip, diagonal,
 * stack, tile, repeat, roll). Copies are dtype-agnostic, so every case runs
 * every dtype. Builds derive their parameters from the input's shape, so the
 * same case works for the small, large and empty variants. Expectations
 * (expect) recompute pad, tril/triu and concatenate from their definitions. */
#include "harness.h"

#define NONE AX_SLICE_NONE
#define NO_EMPTY (CONF_ALL_VARIANTS & ~CONF_EMPTY)
#define S1(a) .ndim = {1}, .shape = {{a}}
#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define L1(a) .large = {{a}}
#define L2(a, b) .large = {{a, b}}
#define L3(a, b, c) .large = {{a, b, c}}
#define IP(...) .ip = {__VA_ARGS__}

static const int64_t *shp(ax_array *a) { return ax_shape(a); }

/* ---------------------------------------------------------------- views */

static ax_array *b_reshape_merge(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    const int64_t *s = shp(in[0]);
    return ax_reshape(ctx, in[0], (int64_t[]){-1, s[1] * s[2]}, 2);
}
static ax_array *b_reshape_split(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    const int64_t *s = shp(in[0]);
    return ax_reshape(ctx, in[0], (int64_t[]){s[0], 2, s[1] / 2, 1}, 4);
}
static ax_array *b_flatten(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_flatten(ctx, in[0], 0, -1);
}
static ax_array *b_squeeze_expand(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    ax_array *e = ax_expand_dims(ctx, in[0], (int[]){0, -1, 2}, 3);
    e = ax_moveaxis(ctx, e, 1, -1);
    return ax_squeeze(ctx, e, (int[]){0, 3}, 2);
}
static ax_array *b_transpose(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_transpose(ctx, in[0], (int[]){2, 0, 1}, 3);
}
static ax_array *b_swap_contig(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_contiguous(ctx, ax_swapaxes(ctx, in[0], 0, -1));
}
static ax_array *b_broadcast(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    const int64_t *s = shp(in[0]);
    return ax_broadcast_to(ctx, in[0], (int64_t[]){2, s[0], 4, s[2]}, 4);
}
static ax_array *b_slice(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_slice(ctx, in[0], (int64_t[]){1, NONE, -2}, (int64_t[]){NONE, 0, NONE},
                    (int64_t[]){2, -1, 1}, 3);
}
static ax_array *b_slice_of_slice(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    ax_array *s = ax_slice(ctx, in[0], NULL, NULL, (int64_t[]){-1, 3}, 2);
    s = ax_flip(ctx, s, (int[]){1}, 1);
    return ax_slice_axis(ctx, s, 0, -100, 100, 2);
}
static ax_array *b_flip(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_flip(ctx, in[0], NULL, 0);
}
static ax_array *b_diagonal(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_diagonal(ctx, in[0], c->ip[0], 2, 1);
}
static ax_array *b_windows(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    int64_t n = shp(in[0])[0], w = n >= 3 ? n - 2 : 0;
    const int64_t st = ax_strides(in[0])[0];
    return ax_as_strided(ctx, in[0], (int64_t[]){w, 3}, (int64_t[]){st, st}, 2, 0);
}

/* ---------------------------------------------------------------- concatenate */

static ax_array *b_concat(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_concatenate(ctx, in, c->n_in, (int)c->ip[0]);
}
/* out = inputs joined along axis ip[0] (all inputs share the other dims) */
static bool e_concat(const conf_case *c, const double *const *in, const int64_t *const *sh,
                     const int *nd, double *out, int64_t n) {
    int ax = (int)c->ip[0], d = nd[0];
    if (ax < 0) ax += d;
    int64_t outer = 1, inner = 1, total = 0;
    for (int k = 0; k < ax; k++) outer *= sh[0][k];
    for (int k = ax + 1; k < d; k++) inner *= sh[0][k];
    for (int i = 0; i < c->n_in; i++) total += sh[i][ax];
    if (outer * total * inner != n) return false;
    for (int64_t o = 0; o < outer; o++) {
        int64_t at = 0;
        for (int i = 0; i < c->n_in; i++) {
            int64_t blk = sh[i][ax] * inner;
            for (int64_t j = 0; j < blk; j++) out[(o * total + at) * inner + j] = in[i][o * blk + j];
            at += sh[i][ax];
        }
    }
    return true;
}
static ax_array *b_stack(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_stack(ctx, in, c->n_in, (int)c->ip[0]);
}
static ax_array *b_tile(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_tile(ctx, in[0], (int64_t[]){2, 1, 3}, 3);
}
static ax_array *b_repeat(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_repeat(ctx, in[0], 3, (int)c->ip[0]);
}
static ax_array *b_roll(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_roll(ctx, in[0], (int64_t[]){-7, 2}, (int[]){1, 0}, 2);
}

/* ---------------------------------------------------------------- pad */

static ax_array *b_pad(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    /* widths (ip[1], ip[2]) on every axis but the first (ip[3] there) */
    int nd = ax_ndim(in[0]);
    int64_t w[2 * CONF_MAX_DIM];
    for (int k = 0; k < nd; k++) {
        w[2 * k] = k ? c->ip[1] : c->ip[3];
        w[2 * k + 1] = k ? c->ip[2] : c->ip[3];
    }
    return ax_pad(ctx, in[0], w, (ax_pad_mode)c->ip[0], c->fp[0]);
}
/* Padded position i -> source position (or -1: the constant). Reflect is
 * written as a walk that bounces between the ends, the definition NumPy's
 * repeated reflection amounts to. */
static int64_t e_pad_src(int64_t i, int64_t n, int mode) {
    if (i >= 0 && i < n) return i;
    if (mode == AX_PAD_CONSTANT) return -1;
    if (mode == AX_PAD_EDGE || n == 1) return i < 0 ? 0 : n - 1;
    int64_t p = i < 0 ? 0 : n - 1, dir = i < 0 ? 1 : -1, steps = i < 0 ? -i : i - (n - 1);
    while (steps--) {
        if (p + dir < 0 || p + dir >= n) dir = -dir;
        p += dir;
    }
    return p;
}
static bool e_pad(const conf_case *c, const double *const *in, const int64_t *const *sh,
                  const int *nd, double *out, int64_t n) {
    int d = nd[0];
    int64_t osh[CONF_MAX_DIM], lo[CONF_MAX_DIM], total = 1, idx[CONF_MAX_DIM] = {0};
    for (int k = 0; k < d; k++) {
        lo[k] = k ? c->ip[1] : c->ip[3];
        osh[k] = sh[0][k] + lo[k] + (k ? c->ip[2] : c->ip[3]);
        total *= osh[k];
    }
    if (total != n) return false;
    for (int64_t j = 0; j < n; j++) {
        int64_t src = 0;
        bool inside = true;
        for (int k = 0; k < d; k++) {
            int64_t s = e_pad_src(idx[k] - lo[k], sh[0][k], (int)c->ip[0]);
            if (s < 0) inside = false;
            src = src * sh[0][k] + (s < 0 ? 0 : s);
        }
        out[j] = inside ? in[0][src] : c->fp[0];
        for (int k = d - 1; k >= 0 && ++idx[k] == osh[k]; k--) idx[k] = 0;
    }
    return true;
}

/* ---------------------------------------------------------------- tril / triu */

static ax_array *b_tril(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_tril(ctx, in[0], c->ip[0]);
}
static ax_array *b_triu(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_triu(ctx, in[0], c->ip[0]);
}
static bool e_tri(const conf_case *c, const double *const *in, const int64_t *const *sh,
                  const int *nd, double *out, int64_t n, bool upper) {
    int64_t r = sh[0][nd[0] - 2], m = sh[0][nd[0] - 1];
    for (int64_t j = 0; j < n; j++) {
        int64_t col = j % m, row = (j / m) % r, diff = col - row;
        out[j] = (upper ? diff >= c->ip[0] : diff <= c->ip[0]) ? in[0][j] : 0.0;
    }
    return true;
}
static bool e_tril(const conf_case *c, const double *const *in, const int64_t *const *sh,
                   const int *nd, double *out, int64_t n) {
    return e_tri(c, in, sh, nd, out, n, false);
}
static bool e_triu(const conf_case *c, const double *const *in, const int64_t *const *sh,
                   const int *nd, double *out, int64_t n) {
    return e_tri(c, in, sh, nd, out, n, true);
}

#define ALL CONF_ALL_DTYPES
#define V CONF_ALL_VARIANTS

const conf_case conf_cases_shape[] = {
    {.name = "reshape/merge", .covers = "reshape", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(4, 6, 5), L3(70, 60, 50), .lo = -9, .hi = 9, .build = b_reshape_merge},
    {.name = "reshape/split", .covers = "reshape", .dtypes = ALL, .variants = V, .n_in = 1,
     S2(5, 8), L2(300, 1000), .lo = -9, .hi = 9, .build = b_reshape_split},
    {.name = "reshape/flatten", .covers = "reshape", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(3, 4, 5), L3(40, 50, 60), .lo = -9, .hi = 9, .build = b_flatten},
    {.name = "reshape/squeeze_expand", .covers = "reshape transpose", .dtypes = ALL, .variants = V,
     .n_in = 1, S2(3, 4), L2(300, 400), .lo = -9, .hi = 9, .build = b_squeeze_expand},
    {.name = "transpose/201", .covers = "transpose", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(2, 3, 4), L3(30, 40, 50), .lo = -9, .hi = 9, .build = b_transpose},
    {.name = "transpose/swap_contiguous", .covers = "transpose", .dtypes = ALL, .variants = V,
     .n_in = 1, S3(5, 3, 4), L3(64, 30, 100), .lo = -9, .hi = 9, .build = b_swap_contig},
    {.name = "broadcast_to/4d", .covers = "broadcast_to", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(3, 1, 5), L3(30, 1, 700), .lo = -9, .hi = 9, .build = b_broadcast},
    {.name = "slice/neg_steps", .covers = "slice", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(5, 4, 6), L3(60, 50, 70), .lo = -9, .hi = 9, .build = b_slice},
    {.name = "slice/of_slice", .covers = "slice", .dtypes = ALL, .variants = V, .n_in = 1,
     S2(7, 10), L2(300, 1000), .lo = -9, .hi = 9, .build = b_slice_of_slice},
    {.name = "slice/flip", .covers = "slice", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(2, 3, 4), L3(20, 30, 400), .lo = -9, .hi = 9, .build = b_flip},
    {.name = "as_strided/diagonal", .covers = "as_strided", .dtypes = ALL, .variants = V,
     .n_in = 1, S3(3, 4, 5), L3(30, 400, 300), .lo = -9, .hi = 9, .build = b_diagonal, IP(1)},
    {.name = "as_strided/diagonal_neg", .covers = "as_strided", .dtypes = ALL, .variants = V,
     .n_in = 1, S3(3, 5, 4), L3(30, 300, 400), .lo = -9, .hi = 9, .build = b_diagonal, IP(-2)},
    {.name = "as_strided/windows", .covers = "as_strided", .dtypes = ALL, .variants = V,
     .n_in = 1, S1(9), L1(100000), .lo = -9, .hi = 9, .build = b_windows},
    {.name = "concatenate/axis1", .covers = "concatenate", .dtypes = ALL, .variants = V, .n_in = 3,
     .ndim = {3, 3, 3}, .shape = {{2, 3, 4}, {2, 5, 4}, {2, 1, 4}},
     .large = {{20, 300, 40}, {20, 500, 40}, {20, 100, 40}}, .lo = -9, .hi = 9,
     .build = b_concat, .expect = e_concat, IP(1)},
    {.name = "concatenate/axis0", .covers = "concatenate", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {2, 2}, .shape = {{3, 4}, {2, 4}}, .large = {{3000, 100}, {2000, 100}}, .lo = -9,
     .hi = 9, .build = b_concat, .expect = e_concat, IP(0)},
    {.name = "concatenate/last", .covers = "concatenate", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {2, 2}, .shape = {{3, 1}, {3, 4}}, .large = {{5000, 3}, {5000, 17}}, .lo = -9,
     .hi = 9, .build = b_concat, .expect = e_concat, IP(-1)},
    {.name = "concatenate/stack", .covers = "concatenate reshape", .dtypes = ALL, .variants = V,
     .n_in = 3, .ndim = {2, 2, 2}, .shape = {{3, 4}, {3, 4}, {3, 4}},
     .large = {{300, 400}, {300, 400}, {300, 400}}, .lo = -9, .hi = 9, .build = b_stack, IP(1)},
    {.name = "concatenate/roll", .covers = "concatenate slice", .dtypes = ALL, .variants = V,
     .n_in = 1, S2(5, 9), L2(500, 900), .lo = -9, .hi = 9, .build = b_roll},
    {.name = "broadcast_to/tile", .covers = "broadcast_to reshape", .dtypes = ALL, .variants = V,
     .n_in = 1, S2(3, 4), L2(300, 400), .lo = -9, .hi = 9, .build = b_tile},
    {.name = "broadcast_to/repeat", .covers = "broadcast_to reshape", .dtypes = ALL, .variants = V,
     .n_in = 1, S2(3, 4), L2(300, 400), .lo = -9, .hi = 9, .build = b_repeat, IP(1)},
    {.name = "broadcast_to/repeat_flat", .covers = "broadcast_to reshape", .dtypes = ALL,
     .variants = V, .n_in = 1, S2(3, 4), L2(300, 400), .lo = -9, .hi = 9, .build = b_repeat,
     IP(AX_AXIS_NONE)},
    {.name = "pad/constant", .covers = "pad", .dtypes = ALL, .variants = V, .n_in = 1,
     S3(3, 4, 5), L3(20, 300, 200), .lo = -9, .hi = 9, .build = b_pad, .expect = e_pad,
     IP(AX_PAD_CONSTANT, 2, 3, 1), .fp = {-2.5}},
    {.name = "pad/edge", .covers = "pad", .dtypes = ALL, .variants = V, .n_in = 1, S3(3, 4, 5),
     L3(20, 300, 200), .lo = -9, .hi = 9, .build = b_pad, .expect = e_pad,
     IP(AX_PAD_EDGE, 3, 1, 0)},
    {.name = "pad/reflect", .covers = "pad", .dtypes = ALL, .variants = V, .n_in = 1, S3(3, 4, 5),
     L3(20, 300, 200), .lo = -9, .hi = 9, .build = b_pad, .expect = e_pad,
     IP(AX_PAD_REFLECT, 3, 2, 0)},
    /* pads longer than the axis: the reflection repeats */
    {.name = "pad/reflect_long", .covers = "pad", .dtypes = ALL, .variants = NO_EMPTY, .n_in = 1,
     S2(3, 4), L2(300, 5), .lo = -9, .hi = 9, .build = b_pad, .expect = e_pad,
     IP(AX_PAD_REFLECT, 11, 7, 5)},
    {.name = "pad/edge_long", .covers = "pad", .dtypes = ALL, .variants = NO_EMPTY, .n_in = 1,
     S2(3, 1), L2(300, 2), .lo = -9, .hi = 9, .build = b_pad, .expect = e_pad,
     IP(AX_PAD_EDGE, 6, 4, 2)},
    {.name = "tril/k1", .covers = "tril", .dtypes = ALL, .variants = V, .n_in = 1, S3(3, 5, 7),
     L3(8, 300, 500), .lo = -9, .hi = 9, .build = b_tril, .expect = e_tril, IP(1)},
    {.name = "tril/k-3", .covers = "tril", .dtypes = ALL, .variants = V, .n_in = 1, S2(6, 4),
     L2(700, 300), .lo = -9, .hi = 9, .build = b_tril, .expect = e_tril, IP(-3)},
    {.name = "triu/k-2", .covers = "triu", .dtypes = ALL, .variants = V, .n_in = 1, S3(3, 5, 7),
     L3(8, 300, 500), .lo = -9, .hi = 9, .build = b_triu, .expect = e_triu, IP(-2)},
    {.name = "triu/k4", .covers = "triu", .dtypes = ALL, .variants = V, .n_in = 1, S2(4, 6),
     L2(300, 700), .lo = -9, .hi = 9, .build = b_triu, .expect = e_triu, IP(4)},
    {.name = NULL},
};
