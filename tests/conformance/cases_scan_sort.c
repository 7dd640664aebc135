/* Conformance cases for scans and sorting (SCAN SORT ARGSORT PARTITION
 * ARGPARTITION SEARCHSORTED, and the composites topk and median).
 *
 * Parameters: ip[0] = axis (AX_AXIS_NONE: flattened), ip[1] = reverse
 * (scans) / kth (partition) / k (topk) / side (searchsorted), ip[2] =
 * inclusive (scans) / keepdims (median). Every expect() evaluates NumPy's
 * definition in float64 straight from the input values: lines along the
 * axis of the row-major input, a running accumulator for scans, a stable
 * insertion sort with NaN last for the sorts. Partition results are made
 * canonical in the build (both sides of kth sorted), which a correct
 * partition turns into the sorted line, so fast and reference kernels (which
 * may order the sides differently) compare equal and expect() is the sorted
 * line. Small integer input ranges make ties, so stability is checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef enum { E_CUMSUM, E_CUMPROD, E_CUMMAX, E_CUMMIN, E_LCSE } scan_op;

/* ---------------------------------------------------------------- builds */

static int axis_of(const conf_case *c) { return (int)c->ip[0]; }

#define BUILD_SCAN(NAME, FN)                                                              \
    static ax_array *NAME(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {         \
        return FN(ctx, in[0], axis_of(c), c->ip[1] != 0, c->ip[2] != 0);                  \
    }
BUILD_SCAN(b_cumsum, ax_cumsum)
BUILD_SCAN(b_cumprod, ax_cumprod)
BUILD_SCAN(b_cummax, ax_cummax)
BUILD_SCAN(b_cummin, ax_cummin)
BUILD_SCAN(b_lcse, ax_logcumsumexp)

static ax_array *b_sort(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_sort(ctx, in[0], axis_of(c));
}
static ax_array *b_argsort(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_argsort(ctx, in[0], axis_of(c));
}

/* sort(p[:kth]) ++ p[kth] ++ sort(p[kth+1:]) along the axis */
static ax_array *canonical(ax_ctx *ctx, ax_array *p, int axis, int64_t kth) {
    if (!p) return NULL;
    int ax = axis < 0 ? axis + ax_ndim(p) : axis;
    int64_t n = ax_shape(p)[ax];
    int64_t k = kth < 0 ? kth + n : kth;
    ax_array *parts[3] = {ax_sort(ctx, ax_slice_axis(ctx, p, ax, 0, k, 1), ax),
                          ax_slice_axis(ctx, p, ax, k, k + 1, 1),
                          ax_sort(ctx, ax_slice_axis(ctx, p, ax, k + 1, n, 1), ax)};
    return ax_concatenate(ctx, parts, 3, ax);
}
static ax_array *b_partition(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return canonical(ctx, ax_partition(ctx, in[0], c->ip[1], axis_of(c)), axis_of(c), c->ip[1]);
}
static ax_array *b_argpartition(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *i = ax_argpartition(ctx, in[0], c->ip[1], axis_of(c));
    return canonical(ctx, ax_take_along_axis(ctx, in[0], i, axis_of(c)), axis_of(c), c->ip[1]);
}
static ax_array *b_topk(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_topk(ctx, in[0], c->ip[1], axis_of(c));
}
static ax_array *b_median(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    int ax = axis_of(c);
    return ax_median(ctx, in[0], ax == AX_AXIS_NONE ? NULL : &ax, 1, c->ip[2] != 0);
}
static ax_array *b_searchsorted(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_searchsorted(ctx, ax_sort(ctx, in[0], 0), in[1], (ax_search_side)c->ip[1], NULL);
}
static ax_array *b_searchsorted_sorter(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_searchsorted(ctx, in[0], in[1], (ax_search_side)c->ip[1],
                           ax_argsort(ctx, in[0], 0));
}

/* ---------------------------------------------------------------- expect */

/* Lines of a row-major (shape, nd) array along axis (AX_AXIS_NONE: one line
 * of everything): line l element i is at base(l) + i * inner. */
typedef struct lines {
    int64_t outer, n, inner;
} lines;

static lines lines_of(const int64_t *sh, int nd, int axis) {
    lines L = {1, 1, 1};
    if (axis == AX_AXIS_NONE) {
        for (int d = 0; d < nd; d++) L.n *= sh[d];
        return L;
    }
    int ax = axis < 0 ? axis + nd : axis;
    for (int d = 0; d < nd; d++) {
        if (d < ax) L.outer *= sh[d];
        else if (d == ax) L.n = sh[d];
        else L.inner *= sh[d];
    }
    return L;
}
static int64_t line_base(const lines *L, int64_t l) {
    return (l / L->inner) * L->n * L->inner + l % L->inner;
}

static bool lt_numpy(double a, double b) { return a < b || (isnan(b) && !isnan(a)); }

static bool expect_scan(scan_op op, const conf_case *c, const double *x, const int64_t *sh, int nd,
                        double *out, int64_t size) {
    lines L = lines_of(sh, nd, axis_of(c));
    if (L.outer * L.n * L.inner != size) return false;
    bool rev = c->ip[1] != 0, incl = c->ip[2] != 0;
    for (int64_t l = 0; l < L.outer * L.inner; l++) {
        int64_t b = line_base(&L, l);
        double acc = op == E_CUMSUM ? 0 : op == E_CUMPROD ? 1 : op == E_CUMMAX ? -INFINITY
                     : op == E_CUMMIN ? INFINITY : -INFINITY;
        double lse_sum = 0; /* E_LCSE: sum of exp(x - shift) */
        double shift = -INFINITY;
        for (int64_t t = 0; t < L.n; t++) {
            int64_t i = rev ? L.n - 1 - t : t, at = b + i * L.inner;
            double v = x[at];
            if (!incl) out[at] = acc;
            switch (op) {
            case E_CUMSUM: acc += v; break;
            case E_CUMPROD: acc *= v; break;
            case E_CUMMAX: acc = isnan(acc) || isnan(v) ? NAN : fmax(acc, v); break;
            case E_CUMMIN: acc = isnan(acc) || isnan(v) ? NAN : fmin(acc, v); break;
            case E_LCSE:
                if (v > shift) {
                    lse_sum = lse_sum * exp(shift - v) + 1;
                    shift = v;
                } else {
                    lse_sum += exp(v - shift);
                }
                acc = shift + log(lse_sum);
                break;
            }
            if (incl) out[at] = acc;
        }
    }
    return true;
}

#define EXPECT_SCAN(NAME, OP)                                                                 \
    static bool NAME(const conf_case *c, const double *const *in, const int64_t *const *sh,  \
                     const int *nd, double *out, int64_t n) {                                 \
        return expect_scan(OP, c, in[0], sh[0], nd[0], out, n);                               \
    }
EXPECT_SCAN(e_cumsum, E_CUMSUM)
EXPECT_SCAN(e_cumprod, E_CUMPROD)
EXPECT_SCAN(e_cummax, E_CUMMAX)
EXPECT_SCAN(e_cummin, E_CUMMIN)
EXPECT_SCAN(e_lcse, E_LCSE)

/* Stable argsort of x[b + i * inner], i < n, into idx (top-down merge sort
 * with NaN last; tmp has n slots). */
static void merge_rec(const double *x, int64_t b, int64_t inner, int64_t *idx, int64_t *tmp,
                      int64_t lo, int64_t hi) {
    if (hi - lo < 2) return;
    int64_t mid = lo + (hi - lo) / 2;
    merge_rec(x, b, inner, idx, tmp, lo, mid);
    merge_rec(x, b, inner, idx, tmp, mid, hi);
    int64_t i = lo, j = mid, o = lo;
    while (i < mid && j < hi)
        tmp[o++] = lt_numpy(x[b + idx[j] * inner], x[b + idx[i] * inner]) ? idx[j++] : idx[i++];
    while (i < mid) tmp[o++] = idx[i++];
    while (j < hi) tmp[o++] = idx[j++];
    memcpy(idx + lo, tmp + lo, sizeof(int64_t) * (size_t)(hi - lo));
}
static void argsort_line(const double *x, int64_t b, int64_t inner, int64_t n, int64_t *idx) {
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    int64_t *tmp = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!tmp) abort();
    merge_rec(x, b, inner, idx, tmp, 0, n);
    free(tmp);
}

/* mode 0: sorted values, 1: argsort indices, 2: topk (k = ip[1]) */
static bool expect_sorted(int mode, const conf_case *c, const double *x, const int64_t *sh, int nd,
                          double *out, int64_t size) {
    lines L = lines_of(sh, nd, axis_of(c));
    int64_t k = mode == 2 ? c->ip[1] : L.n;
    if (L.outer * k * L.inner != size) return false;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(L.n ? L.n : 1));
    if (!idx) return false;
    for (int64_t l = 0; l < L.outer * L.inner; l++) {
        int64_t b = line_base(&L, l);
        argsort_line(x, b, L.inner, L.n, idx);
        int64_t ob = (l / L.inner) * k * L.inner + l % L.inner;
        for (int64_t i = 0; i < k; i++) {
            double *o = &out[ob + i * L.inner];
            if (mode == 0) *o = x[b + idx[i] * L.inner];
            else if (mode == 1) *o = (double)idx[i];
            else *o = x[b + idx[L.n - 1 - i] * L.inner];
        }
    }
    free(idx);
    return true;
}
static bool e_sort(const conf_case *c, const double *const *in, const int64_t *const *sh,
                   const int *nd, double *out, int64_t n) {
    return expect_sorted(0, c, in[0], sh[0], nd[0], out, n);
}
static bool e_argsort(const conf_case *c, const double *const *in, const int64_t *const *sh,
                      const int *nd, double *out, int64_t n) {
    return expect_sorted(1, c, in[0], sh[0], nd[0], out, n);
}
static bool e_topk(const conf_case *c, const double *const *in, const int64_t *const *sh,
                   const int *nd, double *out, int64_t n) {
    return expect_sorted(2, c, in[0], sh[0], nd[0], out, n);
}

/* median along one axis (or all): middle of the sorted line, NaN if any. */
static bool e_median(const conf_case *c, const double *const *in, const int64_t *const *sh,
                     const int *nd, double *out, int64_t size) {
    lines L = lines_of(sh[0], nd[0], axis_of(c));
    if (L.outer * L.inner != size) return false;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(L.n ? L.n : 1));
    if (!idx) return false;
    const double *x = in[0];
    for (int64_t l = 0; l < L.outer * L.inner; l++) {
        int64_t b = line_base(&L, l);
        argsort_line(x, b, L.inner, L.n, idx);
        double hi = x[b + idx[L.n / 2] * L.inner], lo = x[b + idx[(L.n - 1) / 2] * L.inner];
        double last = x[b + idx[L.n - 1] * L.inner];
        out[l] = L.n == 0 || isnan(last) ? NAN : (lo + hi) * 0.5;
    }
    free(idx);
    return true;
}

static bool e_searchsorted(const conf_case *c, const double *const *in, const int64_t *const *sh,
                           const int *nd, double *out, int64_t size) {
    int64_t n = sh[0][0], m = 1;
    for (int d = 0; d < nd[1]; d++) m *= sh[1][d];
    if (m != size) return false;
    for (int64_t q = 0; q < m; q++) {
        int64_t cnt = 0;
        for (int64_t i = 0; i < n; i++)
            cnt += c->ip[1] ? !lt_numpy(in[1][q], in[0][i]) : lt_numpy(in[0][i], in[1][q]);
        out[q] = (double)cnt;
    }
    return true;
}

/* partition / argpartition: the canonical form is the sorted line */
#define e_partition e_sort

/* ---------------------------------------------------------------- table */

#define REAL (CONF_NUMERIC | CONF_BOOL)
#define NO_EMPTY (CONF_ALL_VARIANTS & ~CONF_EMPTY)
#define S1(a) .ndim = {1}, .shape = {{a}}
#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define L1(a) .large = {{a}}
#define L2(a, b) .large = {{a, b}}
#define L3(a, b, c) .large = {{a, b, c}}
#define P(...) .ip = {__VA_ARGS__}
#define NONE AX_AXIS_NONE

const conf_case conf_cases_scan_sort[] = {
    /* cumsum: axes last / first / middle / flattened, reverse, exclusive */
    {.name = "cumsum/last", .covers = "scan", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(5, 9), L2(300, 1000), .lo = -3, .hi = 3,
     .build = b_cumsum, .expect = e_cumsum, P(-1, 0, 1)},
    {.name = "cumsum/axis0_reverse", .covers = "scan", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(6, 4, 3), L3(200, 30, 50), .lo = -3, .hi = 3,
     .build = b_cumsum, .expect = e_cumsum, P(0, 1, 1)},
    {.name = "cumsum/middle_exclusive", .covers = "scan", .dtypes = CONF_NUMERIC,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(3, 7, 4), L3(20, 300, 300), .lo = -3, .hi = 3,
     .build = b_cumsum, .expect = e_cumsum, P(1, 0, 0)},
    {.name = "cumsum/flat_reverse_exclusive", .covers = "scan", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(4, 5), L2(500, 500), .lo = -3, .hi = 3,
     .build = b_cumsum, .expect = e_cumsum, P(NONE, 1, 0)},
    /* cumprod: short scanned axes so integers do not wrap and floats stay finite */
    {.name = "cumprod/last", .covers = "scan", .dtypes = CONF_ALL_DTYPES,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(5, 6), L2(20000, 6), .lo = -2, .hi = 2,
     .build = b_cumprod, .expect = e_cumprod, P(1, 0, 1)},
    {.name = "cumprod/axis0_reverse_exclusive", .covers = "scan", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 5), L2(6, 20000), .lo = -2, .hi = 2,
     .build = b_cumprod, .expect = e_cumprod, P(0, 1, 0)},
    /* cummax / cummin */
    {.name = "cummax/last", .covers = "scan", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(5, 9), L2(300, 1000), .lo = -100, .hi = 100, .build = b_cummax,
     .expect = e_cummax, P(1, 0, 1)},
    {.name = "cummax/axis0_reverse_exclusive", .covers = "scan", .dtypes = CONF_NUMERIC,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S3(7, 3, 4), L3(300, 20, 50), .lo = -100,
     .hi = 100, .build = b_cummax, .expect = e_cummax, P(0, 1, 0)},
    {.name = "cummin/middle", .covers = "scan", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(3, 8, 5), L3(16, 1000, 30), .lo = -100, .hi = 100, .build = b_cummin,
     .expect = e_cummin, P(1, 0, 1)},
    {.name = "cummin/flat_reverse", .covers = "scan", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(4, 6), L2(400, 700), .lo = -100, .hi = 100,
     .build = b_cummin, .expect = e_cummin, P(NONE, 1, 1)},
    /* logcumsumexp */
    {.name = "logcumsumexp/last", .covers = "scan", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(5, 9), L2(300, 1000), .lo = -20, .hi = 20,
     .build = b_lcse, .expect = e_lcse, P(-1, 0, 1)},
    {.name = "logcumsumexp/axis0_reverse_exclusive", .covers = "scan", .dtypes = CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(8, 5), L2(1000, 300), .lo = -50, .hi = 50,
     .build = b_lcse, .expect = e_lcse, P(0, 1, 0)},
    /* sort / argsort: ties from small integer ranges check stability */
    {.name = "sort/last", .covers = "sort", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(6, 40), L2(32, 5000), .lo = -20, .hi = 20, .build = b_sort, .expect = e_sort,
     P(-1)},
    {.name = "sort/axis0", .covers = "sort", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(50, 3, 4), L3(3000, 4, 10), .lo = -1000, .hi = 1000, .build = b_sort,
     .expect = e_sort, P(0)},
    {.name = "sort/flat_long", .covers = "sort", .dtypes = REAL, .variants = NO_EMPTY, .n_in = 1,
     S2(6, 9), L2(400, 400), .lo = -1e4, .hi = 1e4, .build = b_sort, .expect = e_sort,
     P(NONE)},
    {.name = "argsort/last", .covers = "argsort", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(6, 40), L2(32, 5000), .lo = -5, .hi = 5, .build = b_argsort,
     .expect = e_argsort, P(1)},
    {.name = "argsort/axis0", .covers = "argsort", .dtypes = REAL, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S3(60, 2, 3), L3(2000, 5, 20), .lo = -50, .hi = 50, .build = b_argsort,
     .expect = e_argsort, P(0)},
    {.name = "argsort/flat", .covers = "argsort", .dtypes = REAL, .variants = NO_EMPTY,
     .n_in = 1, S3(4, 5, 6), L3(40, 50, 100), .lo = -100, .hi = 100, .build = b_argsort,
     .expect = e_argsort, P(NONE)},
    /* partition / argpartition (kth negative and positive) */
    {.name = "partition/last", .covers = "partition sort concatenate", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(7, 30), L2(100, 3000), .lo = -10, .hi = 10,
     .build = b_partition, .expect = e_partition, P(-1, 5)},
    {.name = "partition/axis0_negative_kth", .covers = "partition sort concatenate",
     .dtypes = CONF_NUMERIC, .variants = NO_EMPTY, .n_in = 1, S2(40, 6), L2(3000, 40),
     .lo = -100, .hi = 100, .build = b_partition, .expect = e_partition, P(0, -3)},
    {.name = "argpartition/last", .covers = "argpartition take_along_axis sort concatenate",
     .dtypes = REAL, .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(7, 30), L2(100, 3000),
     .lo = -10, .hi = 10, .build = b_argpartition, .expect = e_partition, P(1, 17)},
    {.name = "argpartition/axis0", .covers = "argpartition take_along_axis sort concatenate",
     .dtypes = CONF_NUMERIC, .variants = NO_EMPTY, .n_in = 1, S3(25, 3, 2), L3(2500, 6, 5),
     .lo = -100, .hi = 100, .build = b_argpartition, .expect = e_partition, P(0, 0)},
    /* topk (composite) */
    {.name = "topk/last", .covers = "partition sort", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 30), L2(100, 3000), .lo = -50, .hi = 50,
     .build = b_topk, .expect = e_topk, P(-1, 4)},
    {.name = "topk/axis0_all", .covers = "sort", .dtypes = CONF_NUMERIC, .variants = NO_EMPTY,
     .n_in = 1, S2(9, 5), L2(9, 5000), .lo = -50, .hi = 50, .build = b_topk, .expect = e_topk,
     P(0, 9)},
    /* median (composite) */
    {.name = "median/last", .covers = "partition max", .dtypes = CONF_NUMERIC,
     .variants = NO_EMPTY, .n_in = 1, S2(6, 10), L2(200, 2000), .lo = -50, .hi = 50,
     .build = b_median, .expect = e_median, P(-1, 0, 0)},
    {.name = "median/axis0_odd_keepdims", .covers = "partition max", .dtypes = CONF_NUMERIC,
     .variants = NO_EMPTY, .n_in = 1, S3(7, 3, 4), L3(1001, 20, 20), .lo = -50, .hi = 50,
     .build = b_median, .expect = e_median, P(0, 0, 1)},
    {.name = "median/all", .covers = "partition max", .dtypes = CONF_FLOATS | CONF_SINTS,
     .variants = NO_EMPTY, .n_in = 1, S2(5, 8), L2(300, 300), .lo = -50, .hi = 50,
     .build = b_median, .expect = e_median, P(NONE, 0, 0)},
    /* searchsorted: a (sorted by the build) and values from the same small range */
    {.name = "searchsorted/left", .covers = "searchsorted sort", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 2, .ndim = {1, 2}, .shape = {{30}, {4, 6}},
     .large = {{3000}, {50, 100}}, .lo = -10, .hi = 10, .build = b_searchsorted,
     .expect = e_searchsorted, P(0, 0)},
    {.name = "searchsorted/right", .covers = "searchsorted sort", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 2, .ndim = {1, 1}, .shape = {{25}, {40}},
     .large = {{2000}, {5000}}, .lo = -10, .hi = 10, .build = b_searchsorted,
     .expect = e_searchsorted, P(0, 1)},
    {.name = "searchsorted/sorter", .covers = "searchsorted argsort take", .dtypes = REAL,
     .variants = CONF_ALL_VARIANTS, .n_in = 2, .ndim = {1, 2}, .shape = {{20}, {3, 5}},
     .large = {{1500}, {40, 100}}, .lo = -8, .hi = 8, .build = b_searchsorted_sorter,
     .expect = e_searchsorted, P(0, 1)},
    {.name = NULL},
};
