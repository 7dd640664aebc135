/* Derivative rules of the scan and sort family (table[AX_OP_<ID>]; see
 * rules.h). ARGSORT, ARGPARTITION and SEARCHSORTED give int64 outputs (no
 * derivative). topk and median are composites of PARTITION, SORT and
 * differentiable ops, so they are covered by these rules.
 *
 *  - SCAN, kind sum: the tangent is the same scan of the tangent; the
 *    cotangent is the scan of the cotangent in the other direction with the
 *    same inclusivity (out[i] = sum over j <= i (< i) of x[j], so
 *    dx[j] = sum over i >= j (> j) of g[i]).
 *  - SCAN, kinds prod, max, min, logsumexp (helpers below): the exclusive
 *    scan is the inclusive one shifted by one; cumprod and logcumsumexp
 *    derivatives are linear recurrences evaluated by recursive doubling
 *    (O(n log n), no division, exact with zeros); cummax / cummin route the
 *    derivative to the running arg-max / arg-min (ties: the earliest in
 *    scan order). See docs/transforms.md, "Scans".
 *  - SORT / PARTITION: the output is x permuted along the axis by
 *    argsort(x) / argpartition(x, kth) (the same permutation the kernels
 *    apply: stable sort; partition and argpartition select on the same
 *    (key, index) words), so the tangent is take_along_axis(t, perm) and the
 *    cotangent is put_along_axis(zeros, perm, g). Ties get the derivative of
 *    that permutation (as JAX). */
#include <math.h>

#include "ops/scan_sort_params.h"
#include "transforms/rules.h"

/* ---------------------------------------------------------------- scans
 *
 * Every helper works along `axis` in scan order: "previous" means the
 * element before in the direction of the scan (i - 1, or i + 1 with
 * `rev`). */

/* out[i] = v[i - d] (rev: v[i + d]) along axis, zero where that is outside. */
static ax_array *shift(ax_ctx *ctx, ax_array *v, int axis, int64_t d, bool rev) {
    if (!v) return NULL; /* an earlier op failed; its error is recorded */
    int64_t n = v->shape[axis];
    if (d >= n) return ax__rule_zeros_like(ctx, v);
    int64_t pw[2 * AX_MAX_NDIM] = {0};
    pw[2 * axis + (rev ? 1 : 0)] = d;
    ax_array *p = ax_pad(ctx, v, pw, AX_PAD_CONSTANT, 0);
    return rev ? ax_slice_axis(ctx, p, axis, d, n + d, 1) : ax_slice_axis(ctx, p, axis, 0, n, 1);
}

/* The linear recurrence s[i] = a[i] * s[prev] + b[i] (s before the first
 * element is 0), by recursive doubling (Hillis-Steele on the affine maps
 * s -> a s + b): ceil(log2 n) steps of shifts, products and sums, so
 * O(n log n) work, no division (exact with zeros in a), and every step a
 * differentiable op (derivatives of any order). a must be finite. */
static ax_array *lin_scan(ax_ctx *ctx, ax_array *a, ax_array *b, int axis, bool rev) {
    if (!a || !b) return NULL;
    int64_t n = b->shape[axis];
    ax_array *A = a, *B = b;
    for (int64_t d = 1; d < n && B; d *= 2) {
        B = ax_add(ctx, B, ax_multiply(ctx, A, shift(ctx, B, axis, d, rev)));
        if (2 * d < n) A = ax_multiply(ctx, A, shift(ctx, A, axis, d, rev));
    }
    return B;
}

/* Position along axis as int64, shaped to broadcast against x. */
static ax_array *iota_along(ax_ctx *ctx, const ax_array *x, int axis) {
    int64_t sh[AX_MAX_NDIM];
    for (int d = 0; d < x->ndim; d++) sh[d] = d == axis ? x->shape[d] : 1;
    return ax_reshape(ctx, ax_arange(ctx, 0, (double)x->shape[axis], 1, AX_INT64), sh, x->ndim);
}

/* True at the first element of the scan (index 0, or n - 1 with rev). */
static ax_array *first_mask(ax_ctx *ctx, const ax_array *x, int axis, bool rev) {
    return ax_equal(ctx, iota_along(ctx, x, axis),
                    ax_scalar(ctx, rev ? (double)(x->shape[axis] - 1) : 0, AX_INT64));
}

/* Index along axis of the element an inclusive cummax (cummin with `min`)
 * output takes its value from: the latest "record" in scan order at or
 * before each position, where a record is the first element, an element
 * strictly greater (less) than everything before it, or a NaN (which the
 * output then carries). Ties keep the earlier element in scan order. */
static ax_array *running_arg(ax_ctx *ctx, ax_array *x, int axis, bool rev, bool min) {
    ax_array *before = min ? ax_cummin(ctx, x, axis, rev, false) : ax_cummax(ctx, x, axis, rev, false);
    ax_array *rec = min ? ax_less(ctx, x, before) : ax_greater(ctx, x, before);
    rec = ax_logical_or(ctx, ax_logical_or(ctx, rec, ax_isnan(ctx, x)), first_mask(ctx, x, axis, rev));
    ax_array *cand = ax_where(ctx, rec, iota_along(ctx, x, axis),
                              ax_scalar(ctx, rev ? (double)x->shape[axis] : -1, AX_INT64));
    return rev ? ax_cummin(ctx, cand, axis, true, true) : ax_cummax(ctx, cand, axis, false, true);
}

/* Zeros shaped like x with v (x's shape) added at idx along axis: the
 * transpose of take_along_axis(., idx, axis). */
static ax_array *scatter_add_along(ax_ctx *ctx, const ax_array *x, ax_array *idx, int axis,
                                   ax_array *v) {
    int nd = x->ndim;
    ax_array *coords[AX_MAX_NDIM];
    int axes[AX_MAX_NDIM];
    int64_t ush[2 * AX_MAX_NDIM];
    for (int d = 0; d < nd; d++) {
        axes[d] = d;
        coords[d] = d == axis ? idx : iota_along(ctx, x, d);
        ush[d] = x->shape[d];
        ush[nd + d] = 1;
    }
    return ax_scatter(ctx, ax_zeros_like(ctx, v), coords, nd, ax_reshape(ctx, v, ush, 2 * nd),
                      axes, AX_SCATTER_ADD);
}

/* exp(a - b) where mask is false, 0 where it is true; the difference is
 * replaced before exp (double where) so masked NaN / inf never reach a
 * derivative, at any order. */
static ax_array *masked_exp_diff(ax_ctx *ctx, ax_array *mask, ax_array *a, ax_array *b) {
    ax_array *z = ax__rule_scalar(ctx, 0, b);
    return ax_where(ctx, mask, z, ax_exp(ctx, ax_where(ctx, mask, z, ax_subtract(ctx, a, b))));
}

/* The multiplier exp(y[prev] - y[i]) in [0, 1] of logcumsumexp's tangent
 * recurrence (y inclusive, non-decreasing in scan order); 0 at the first
 * element (where it multiplies nothing) and where y is -inf (every input so
 * far is -inf: zero derivative there, not NaN). */
static ax_array *lse_decay(ax_ctx *ctx, ax_array *y, int axis, bool rev) {
    if (!y) return NULL;
    ax_array *mask = ax_logical_or(ctx, first_mask(ctx, y, axis, rev),
                                   ax_equal(ctx, y, ax__rule_scalar(ctx, -INFINITY, y)));
    return masked_exp_diff(ctx, mask, shift(ctx, y, axis, 1, rev), y);
}

/* Tangent (fwd) or cotangent (!fwd) of an INCLUSIVE scan y of x (kind
 * prod, max, min or logsumexp) for the tangent / cotangent d. */
static ax_array *scan_incl_deriv(ax_ctx *ctx, const ax_scan_params *p, ax_array *x, ax_array *y,
                                 ax_array *d, bool fwd) {
    int axis = p->axis;
    bool rev = p->reverse != 0;
    if (p->kind == AX_SCAN_MAX || p->kind == AX_SCAN_MIN) {
        ax_array *m = running_arg(ctx, x, axis, rev, p->kind == AX_SCAN_MIN);
        return fwd ? ax_take_along_axis(ctx, d, m, axis) : scatter_add_along(ctx, x, m, axis, d);
    }
    /* prod: dy[j] = sum_{i<=j} E[i] dx[i] prod_{i<k<=j} x[k] with E the
     *   exclusive cumprod: s[j] = x[j] s[prev] + E[j] dx[j].
     * logsumexp: dy[j] = sum_{i<=j} exp(x[i] - y[j]) dx[i]
     *   = sum_{i<=j} exp(x[i] - y[i]) dx[i] exp(y[i] - y[j]):
     *   s[j] = exp(y[prev] - y[j]) s[prev] + exp(x[j] - y[j]) dx[j], every
     *   factor <= 1.
     * The cotangent is the transposed recurrence run the other way:
     * c[i] = ct[i] + a[next] c[next], then times the same weight. */
    ax_array *a, *w;
    if (p->kind == AX_SCAN_PROD) {
        a = x;
        w = ax_cumprod(ctx, x, axis, rev, false);
    } else {
        a = lse_decay(ctx, y, axis, rev);
        /* weight 0 for -inf inputs (also where y is -inf) */
        w = masked_exp_diff(ctx, ax_equal(ctx, x, ax__rule_scalar(ctx, -INFINITY, x)), x, y);
    }
    if (fwd) return lin_scan(ctx, a, ax_multiply(ctx, w, d), axis, rev);
    return ax_multiply(ctx, w, lin_scan(ctx, shift(ctx, a, axis, 1, !rev), d, axis, !rev));
}

/* Any scan kind but sum: the exclusive scan is the inclusive one shifted
 * by one in scan order (its first output, the identity, is constant), so
 * its tangent is the shifted inclusive tangent and its cotangent feeds the
 * inclusive rule the cotangent shifted back. */
static ax_array *scan_deriv(ax_ctx *ctx, const ax_node *node, ax_array *out, ax_array *d,
                            bool fwd) {
    const ax_scan_params *p = node->params;
    ax_array *x = node->inputs[0];
    bool rev = p->reverse != 0;
    if (p->inclusive) return scan_incl_deriv(ctx, p, x, out, d, fwd);
    ax_array *y = NULL;
    switch (p->kind) {
    case AX_SCAN_PROD: y = ax_cumprod(ctx, x, p->axis, rev, true); break;
    case AX_SCAN_MAX: y = ax_cummax(ctx, x, p->axis, rev, true); break;
    case AX_SCAN_MIN: y = ax_cummin(ctx, x, p->axis, rev, true); break;
    default: y = ax_logcumsumexp(ctx, x, p->axis, rev, true); break;
    }
    if (!y) return NULL;
    if (fwd) return shift(ctx, scan_incl_deriv(ctx, p, x, y, d, true), p->axis, 1, rev);
    return scan_incl_deriv(ctx, p, x, y, shift(ctx, d, p->axis, 1, !rev), false);
}

static ax_status scan_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_scan_params *p = node->params;
    if (p->kind == AX_SCAN_SUM)
        grads[0] = ax_cumsum(ctx, cts[0], p->axis, !p->reverse, p->inclusive != 0);
    else
        grads[0] = scan_deriv(ctx, node, outs[0], cts[0], false);
    return ctx->status;
}

static ax_status scan_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    const ax_scan_params *p = node->params;
    if (p->kind == AX_SCAN_SUM)
        out_tans[0] = ax_cumsum(ctx, tans[0], p->axis, p->reverse != 0, p->inclusive != 0);
    else
        out_tans[0] = scan_deriv(ctx, node, outs[0], tans[0], true);
    return ctx->status;
}

/* The permutation a SORT / PARTITION node applies along its axis. */
static ax_array *perm_of(ax_ctx *ctx, const ax_node *node) {
    const ax_sort_params *p = node->params;
    ax_array *x = node->inputs[0];
    return node->op == AX_OP_SORT ? ax_argsort(ctx, x, p->axis)
                                  : ax_argpartition(ctx, x, p->kth, p->axis);
}

static ax_status perm_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_sort_params *p = node->params;
    ax_array *x = node->inputs[0];
    grads[0] = ax_put_along_axis(ctx, ax__rule_zeros_like(ctx, x), perm_of(ctx, node), cts[0],
                                 p->axis);
    return ctx->status;
}

static ax_status perm_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_sort_params *p = node->params;
    out_tans[0] = ax_take_along_axis(ctx, tans[0], perm_of(ctx, node), p->axis);
    return ctx->status;
}

void ax__rules_register_scan_sort(ax_rule *table) {
    table[AX_OP_SCAN] = (ax_rule){scan_vjp, scan_jvp, NULL, 0};
    table[AX_OP_SORT] = (ax_rule){perm_vjp, perm_jvp, NULL, 0};
    table[AX_OP_PARTITION] = (ax_rule){perm_vjp, perm_jvp, NULL, 0};
}
