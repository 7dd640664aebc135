/* Conformance cases for the index family (SLICE_UPDATE TAKE TAKE_ALONG_AXIS
 * PUT_ALONG_AXIS GATHER SCATTER). Index inputs are int64 arrays with random
 * values in [idx_lo, idx_hi] = [-n, n - 1] for the indexed axis of size n
 * (negative indices included); that axis keeps its size in the large
 * variant. Duplicated indices are the norm with random values: scatter
 * accumulates them (assign: the last in row-major order wins), which the
 * fast and reference kernels must agree on. Expectations recompute take and
 * the add-scatter from their definitions. */
#include "harness.h"

#define NONE AX_SLICE_NONE
#define NO_EMPTY (CONF_ALL_VARIANTS & ~CONF_EMPTY)
#define ALL CONF_ALL_DTYPES
#define REAL (CONF_NUMERIC | CONF_BOOL)
#define V CONF_ALL_VARIANTS
#define IP(...) .ip = {__VA_ARGS__}

static int64_t norm(double v, int64_t n) {
    int64_t i = (int64_t)v;
    return i < 0 ? i + n : i;
}

/* ---------------------------------------------------------------- take */

static ax_array *b_take(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_take(ctx, in[0], in[1], (int)c->ip[0]);
}
/* out[pre, j, post] = a[pre, idx[j], post] (AX_AXIS_NONE: a flattened) */
static bool e_take(const conf_case *c, const double *const *in, const int64_t *const *sh,
                   const int *nd, double *out, int64_t n) {
    int ax = (int)c->ip[0], d = nd[0];
    int64_t outer = 1, inner = 1, len, nidx = 1;
    if (ax == AX_AXIS_NONE) {
        len = 1;
        for (int k = 0; k < d; k++) len *= sh[0][k];
    } else {
        if (ax < 0) ax += d;
        for (int k = 0; k < ax; k++) outer *= sh[0][k];
        for (int k = ax + 1; k < d; k++) inner *= sh[0][k];
        len = sh[0][ax];
    }
    for (int k = 0; k < nd[1]; k++) nidx *= sh[1][k];
    if (outer * nidx * inner != n) return false;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < nidx; j++) {
            int64_t r = norm(in[1][j], len);
            for (int64_t i = 0; i < inner; i++)
                out[(o * nidx + j) * inner + i] = in[0][(o * len + r) * inner + i];
        }
    return true;
}

/* ---------------------------------------------------------------- along axis */

static ax_array *b_take_along(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_take_along_axis(ctx, in[0], in[1], (int)c->ip[0]);
}
static ax_array *b_put_along(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_put_along_axis(ctx, in[0], in[1], in[2], (int)c->ip[0]);
}

/* ---------------------------------------------------------------- gather */

/* ip[0]: which build. 0: a[i0, :, i1] over axes (0, 2) with the indices
 * broadcast ((k,) against (m, 1)); 1: a take along axis 1 as a gather. */
static ax_array *b_gather(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    const int64_t *s = ax_shape(in[0]);
    if (c->ip[0] == 0)
        return ax_gather(ctx, in[0], in + 1, 2, (int[]){0, 2}, (int64_t[]){1, s[1], 1});
    return ax_gather(ctx, in[0], in + 1, 1, (int[]){1}, (int64_t[]){s[0], 1, s[2]});
}

/* ---------------------------------------------------------------- scatter */

/* ip[0]: mode; ip[1]: number of index arrays (axes 0.. in order). */
static ax_array *b_scatter(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    int nidx = (int)c->ip[1];
    return ax_scatter(ctx, in[0], in + 1, nidx, in[1 + nidx], (int[]){0, 1},
                      (ax_scatter_mode)c->ip[0]);
}
/* Add-scatter over axis 0 of a 2-D a: out = a; out[idx[j], :] += u[j, 0, :]. */
static bool e_scatter_add(const conf_case *c, const double *const *in, const int64_t *const *sh,
                          const int *nd, double *out, int64_t n) {
    (void)nd;
    if (c->ip[0] != AX_SCATTER_ADD || c->ip[1] != 1 || n != sh[0][0] * sh[0][1]) return false;
    int64_t rows = sh[0][0], cols = sh[0][1], k = sh[1][0];
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i];
    for (int64_t j = 0; j < k; j++) {
        int64_t r = norm(in[1][j], rows);
        for (int64_t i = 0; i < cols; i++) out[r * cols + i] += in[2][j * cols + i];
    }
    return true;
}

/* ---------------------------------------------------------------- slice_update */

/* a[::-1, 1::2, ::-1] = update (the update has the slice's shape or
 * broadcasts to it). */
static ax_array *b_slice_update(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_slice_update(ctx, in[0], in[1], (int64_t[]){NONE, 1, NONE},
                           (int64_t[]){NONE, NONE, NONE}, (int64_t[]){-1, 2, -1}, 3);
}
static bool e_slice_update(const conf_case *c, const double *const *in, const int64_t *const *sh,
                           const int *nd, double *out, int64_t n) {
    (void)c, (void)nd;
    int64_t n0 = sh[0][0], n1 = sh[0][1], n2 = sh[0][2];
    if (n != n0 * n1 * n2) return false;
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i];
    for (int64_t i = 0; i < n0; i++)
        for (int64_t j = 0; 1 + 2 * j < n1; j++)
            for (int64_t k = 0; k < n2; k++) {
                /* update element (i, j, k), broadcast over its size-1 axes */
                int64_t ui = sh[1][0] == 1 ? 0 : i, uj = sh[1][1] == 1 ? 0 : j,
                        uk = sh[1][2] == 1 ? 0 : k;
                out[((n0 - 1 - i) * n1 + 1 + 2 * j) * n2 + (n2 - 1 - k)] =
                    in[1][(ui * sh[1][1] + uj) * sh[1][2] + uk];
            }
    return true;
}

const conf_case conf_cases_index[] = {
    {.name = "take/axis0", .covers = "take", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {2, 2}, .shape = {{6, 5}, {4, 3}}, .large = {{6, 5000}, {40, 30}}, .lo = -9, .hi = 9,
     .index_mask = 2, .idx_lo = -6, .idx_hi = 5, .build = b_take, .expect = e_take, IP(0)},
    {.name = "take/axis1", .covers = "take", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {3, 2}, .shape = {{5, 7, 3}, {2, 4}}, .large = {{50, 7, 130}, {20, 30}}, .lo = -9,
     .hi = 9, .index_mask = 2, .idx_lo = -7, .idx_hi = 6, .build = b_take, .expect = e_take,
     IP(1)},
    {.name = "take/last", .covers = "take", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {2, 1}, .shape = {{4, 9}, {5}}, .large = {{20000, 9}, {30}}, .lo = -9, .hi = 9,
     .index_mask = 2, .idx_lo = -9, .idx_hi = 8, .build = b_take, .expect = e_take, IP(-1)},
    {.name = "take/flat", .covers = "take reshape", .dtypes = ALL,
     .variants = V & ~CONF_LARGE, .n_in = 2, .ndim = {2, 1}, .shape = {{4, 5}, {8}}, .lo = -9,
     .hi = 9, .index_mask = 2, .idx_lo = -20, .idx_hi = 19, .build = b_take, .expect = e_take,
     IP(AX_AXIS_NONE)},
    {.name = "take_along_axis/axis1", .covers = "take_along_axis", .dtypes = ALL, .variants = V,
     .n_in = 2, .ndim = {3, 3}, .shape = {{4, 6, 5}, {4, 3, 5}},
     .large = {{64, 6, 500}, {64, 9, 500}}, .lo = -9, .hi = 9, .index_mask = 2, .idx_lo = -6,
     .idx_hi = 5, .build = b_take_along, IP(1)},
    {.name = "take_along_axis/broadcast", .covers = "take_along_axis broadcast_to", .dtypes = ALL,
     .variants = V, .n_in = 2, .ndim = {2, 2}, .shape = {{6, 5}, {3, 1}},
     .large = {{6, 5000}, {300, 1}}, .lo = -9, .hi = 9, .index_mask = 2, .idx_lo = -6,
     .idx_hi = 5, .build = b_take_along, IP(0)},
    {.name = "put_along_axis/axis1", .covers = "put_along_axis", .dtypes = ALL, .variants = V,
     .n_in = 3, .ndim = {3, 3, 3}, .shape = {{4, 6, 5}, {4, 3, 5}, {4, 3, 5}},
     .large = {{64, 6, 500}, {64, 9, 500}, {64, 9, 500}}, .lo = -9, .hi = 9, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_put_along, IP(1)},
    /* values (5,) broadcast: the empty variant would empty them too */
    {.name = "put_along_axis/bcast_values", .covers = "put_along_axis", .dtypes = ALL,
     .variants = NO_EMPTY, .n_in = 3, .ndim = {2, 2, 1}, .shape = {{6, 5}, {3, 5}, {5}},
     .large = {{6, 5000}, {30, 5000}, {5000}}, .lo = -9, .hi = 9, .index_mask = 2, .idx_lo = -6,
     .idx_hi = 5, .build = b_put_along, IP(0)},
    /* slices of size 1 on axis 0 cannot come from an emptied axis 0: no empty variant */
    {.name = "gather/two_axes", .covers = "gather", .dtypes = ALL, .variants = NO_EMPTY, .n_in = 3,
     .ndim = {3, 1, 2}, .shape = {{6, 7, 6}, {4}, {3, 1}},
     .large = {{6, 3000, 6}, {40}, {30, 1}}, .lo = -9, .hi = 9, .index_mask = 6, .idx_lo = -6,
     .idx_hi = 5, .build = b_gather, IP(0)},
    {.name = "gather/take_like", .covers = "gather", .dtypes = ALL, .variants = V, .n_in = 2,
     .ndim = {3, 2}, .shape = {{5, 8, 6}, {3, 4}}, .large = {{50, 8, 600}, {10, 4}}, .lo = -9,
     .hi = 9, .index_mask = 2, .idx_lo = -8, .idx_hi = 7, .build = b_gather, IP(1)},
    /* scatter: the empty variant would empty a's indexed axis under a
     * non-empty slice, so it is left out; zero_width covers empty slices */
    {.name = "scatter/add", .covers = "scatter", .dtypes = ALL, .variants = NO_EMPTY, .n_in = 3,
     .ndim = {2, 1, 3}, .shape = {{6, 5}, {4}, {4, 1, 5}},
     .large = {{6, 20000}, {50}, {50, 1, 20000}}, .lo = -3, .hi = 3, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_scatter, .expect = e_scatter_add,
     IP(AX_SCATTER_ADD, 1)},
    {.name = "scatter/prod", .covers = "scatter", .dtypes = ALL, .variants = NO_EMPTY, .n_in = 3,
     .ndim = {2, 1, 3}, .shape = {{6, 5}, {4}, {4, 1, 5}},
     .large = {{6, 20000}, {12}, {12, 1, 20000}}, .lo = -2, .hi = 2, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_PROD, 1)},
    {.name = "scatter/max", .covers = "scatter", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 3,
     .ndim = {2, 1, 3}, .shape = {{6, 5}, {7}, {7, 1, 5}},
     .large = {{6, 20000}, {50}, {50, 1, 20000}}, .lo = -9, .hi = 9, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_MAX, 1)},
    {.name = "scatter/min", .covers = "scatter", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 3,
     .ndim = {2, 1, 3}, .shape = {{6, 5}, {7}, {7, 1, 5}},
     .large = {{6, 20000}, {50}, {50, 1, 20000}}, .lo = -9, .hi = 9, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_MIN, 1)},
    {.name = "scatter/assign", .covers = "scatter", .dtypes = ALL, .variants = NO_EMPTY,
     .n_in = 3, .ndim = {2, 1, 3}, .shape = {{6, 5}, {9}, {9, 1, 5}},
     .large = {{6, 20000}, {50}, {50, 1, 20000}}, .lo = -9, .hi = 9, .index_mask = 2,
     .idx_lo = -6, .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_ASSIGN, 1)},
    {.name = "scatter/two_axes_add", .covers = "scatter", .dtypes = ALL, .variants = NO_EMPTY,
     .n_in = 4, .ndim = {3, 1, 1, 4}, .shape = {{6, 6, 3}, {5}, {5}, {5, 1, 1, 3}},
     .large = {{6, 6, 30000}, {40}, {40}, {40, 1, 1, 30000}}, .lo = -3, .hi = 3,
     .index_mask = 6, .idx_lo = -6, .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_ADD, 2)},
    {.name = "scatter/zero_width", .covers = "scatter", .dtypes = ALL,
     .variants = CONF_CONTIG | CONF_PERMUTED, .n_in = 3, .ndim = {2, 1, 3},
     .shape = {{6, 0}, {4}, {4, 1, 0}}, .lo = -3, .hi = 3, .index_mask = 2, .idx_lo = -6,
     .idx_hi = 5, .build = b_scatter, IP(AX_SCATTER_ADD, 1)},
    {.name = "slice_update/full", .covers = "slice_update", .dtypes = ALL, .variants = V,
     .n_in = 2, .ndim = {3, 3}, .shape = {{4, 7, 5}, {4, 3, 5}},
     .large = {{300, 7, 500}, {300, 3, 500}}, .lo = -9, .hi = 9, .build = b_slice_update,
     .expect = e_slice_update},
    {.name = "slice_update/broadcast", .covers = "slice_update", .dtypes = ALL, .variants = V,
     .n_in = 2, .ndim = {3, 3}, .shape = {{4, 7, 5}, {1, 3, 1}},
     .large = {{300, 7, 500}, {1, 3, 1}}, .lo = -9, .hi = 9, .build = b_slice_update,
     .expect = e_slice_update},
    {.name = NULL},
};
