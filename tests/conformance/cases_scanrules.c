/* Conformance cases for the derivative rules of the scans (cumprod,
 * cummax, cummin, logcumsumexp; src/transforms/rules_scan_sort.c): float64
 * cases small enough for tests/conformance/grad_check.c's per-element finite
 * differences and second-order checks, one per kind x direction x
 * inclusivity, plus inputs with exact zeros (cumprod) and ties (cummax,
 * cummin). The scan family's own table covers the forward values.
 *
 * ip[0] = kind (0 cumprod, 1 cummax, 2 cummin, 3 logcumsumexp), ip[1] =
 * reverse, ip[2] = inclusive, ip[3] = axis, ip[4] = 1: multiply the input by
 * a fixed 0/1 mask first (exact zeros; zeros tie in cummax/cummin).
 * Exclusive scans' first output is the identity, +-inf for cummax, cummin
 * and logcumsumexp: those cases map non-finite outputs to 0 (a where), so
 * the finite-difference check sees finite values. */
#include "harness.h"

#define F64 CONF_DT(AX_FLOAT64)
#define C CONF_CONTIG
#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define S3(a, b, c) .ndim = {3}, .shape = {{a, b, c}}
#define IP(...) .ip = {__VA_ARGS__}

/* 1 except at every third element (row-major) */
static ax_array *zero_mask(ax_ctx *ctx, const ax_array *x) {
    int64_t n = ax_size(x);
    ax_array *i = ax_arange(ctx, 0, (double)n, 1, AX_INT64);
    ax_array *m = ax_not_equal(ctx, ax_remainder(ctx, i, ax_scalar(ctx, 3, AX_INT64)),
                               ax_scalar(ctx, 1, AX_INT64));
    return ax_reshape(ctx, ax_astype(ctx, m, ax_dtype_of(x)), ax_shape(x), ax_ndim(x));
}

static ax_array *b_scan(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *x = in[0];
    if (c->ip[4]) x = ax_multiply(ctx, x, zero_mask(ctx, x));
    int axis = (int)c->ip[3];
    bool rev = c->ip[1] != 0, incl = c->ip[2] != 0;
    ax_array *y;
    switch (c->ip[0]) {
    case 0: y = ax_cumprod(ctx, x, axis, rev, incl); break;
    case 1: y = ax_cummax(ctx, x, axis, rev, incl); break;
    case 2: y = ax_cummin(ctx, x, axis, rev, incl); break;
    default: y = ax_logcumsumexp(ctx, x, axis, rev, incl); break;
    }
    if (incl || c->ip[0] == 0) return y;
    return ax_where(ctx, ax_isfinite(ctx, y), y, ax_zeros_like(ctx, y));
}

#define CASE(NAME, KIND, REV, INCL, AXIS, MASK, SHAPE, LO, HI)                                  \
    {.name = "scanrules/" NAME, .covers = "scan", .dtypes = F64, .variants = C, .n_in = 1,     \
     SHAPE, .lo = LO, .hi = HI, .build = b_scan, IP(KIND, REV, INCL, AXIS, MASK)}

const conf_case conf_cases_scanrules[] = {
    /* cumprod: every direction / inclusivity; exact zeros in the input */
    CASE("cumprod/fwd_incl", 0, 0, 1, 1, 0, S2(3, 7), -2, 2),
    CASE("cumprod/rev_incl", 0, 1, 1, 1, 0, S2(3, 7), -2, 2),
    CASE("cumprod/fwd_excl", 0, 0, 0, 0, 0, S2(7, 3), -2, 2),
    CASE("cumprod/rev_excl", 0, 1, 0, 1, 0, S3(2, 6, 3), -2, 2),
    CASE("cumprod/zeros_fwd_incl", 0, 0, 1, 1, 1, S2(3, 8), -2, 2),
    CASE("cumprod/zeros_rev_excl", 0, 1, 0, 1, 1, S2(3, 8), -2, 2),
    CASE("cumprod/long_line", 0, 0, 1, 1, 0, S2(2, 21), 0.7, 1.3),
    /* cummax / cummin: ties from masked zeros among negative (positive) values */
    CASE("cummax/fwd_incl", 1, 0, 1, 1, 0, S2(3, 7), -5, 5),
    CASE("cummax/rev_incl", 1, 1, 1, 0, 0, S2(7, 3), -5, 5),
    CASE("cummax/fwd_excl", 1, 0, 0, 1, 0, S3(2, 6, 3), -5, 5),
    CASE("cummax/rev_excl", 1, 1, 0, 1, 0, S2(3, 7), -5, 5),
    CASE("cummax/ties_fwd_incl", 1, 0, 1, 1, 1, S2(3, 9), -5, -1),
    CASE("cummax/ties_rev_excl", 1, 1, 0, 1, 1, S2(3, 9), -5, -1),
    CASE("cummin/fwd_incl", 2, 0, 1, 1, 0, S2(3, 7), -5, 5),
    CASE("cummin/rev_incl", 2, 1, 1, 1, 0, S2(3, 7), -5, 5),
    CASE("cummin/fwd_excl", 2, 0, 0, 0, 0, S2(7, 3), -5, 5),
    CASE("cummin/rev_excl", 2, 1, 0, 1, 0, S2(3, 7), -5, 5),
    CASE("cummin/ties_rev_incl", 2, 1, 1, 1, 1, S2(3, 9), 1, 5),
    /* logcumsumexp: moderate and wide ranges (the recurrence's factors stay <= 1) */
    CASE("logcumsumexp/fwd_incl", 3, 0, 1, 1, 0, S2(3, 7), -3, 3),
    CASE("logcumsumexp/rev_incl", 3, 1, 1, 1, 0, S2(3, 7), -3, 3),
    CASE("logcumsumexp/fwd_excl", 3, 0, 0, 0, 0, S2(7, 3), -3, 3),
    CASE("logcumsumexp/rev_excl", 3, 1, 0, 1, 0, S3(2, 6, 3), -3, 3),
    CASE("logcumsumexp/wide_fwd_incl", 3, 0, 1, 1, 0, S2(2, 12), -300, 300),
    CASE("logcumsumexp/zeros_rev_incl", 3, 1, 1, 1, 1, S2(3, 8), -3, 3),
    {0}};
