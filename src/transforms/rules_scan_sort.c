/* Derivative rules of the scan and sort family (table[AX_OP_<ID>]; see
 * rules.h). ARGSORT, ARGPARTITION and SEARCHSORTED give int64 outputs (no
 * derivative). topk and median are composites of PARTITION, SORT and
 * differentiable ops, so they are covered by these rules.
 *
 *  - SCAN, kind sum: the tangent is the same scan of the tangent; the
 *    cotangent is the scan of the cotangent in the other direction with the
 *    same inclusivity (out[i] = sum over j <= i (< i) of x[j], so
 *    dx[j] = sum over i >= j (> j) of g[i]).
 *    cumprod, cummax, cummin and logcumsumexp have no rule yet (a
 *    transformation that reaches them reports "no derivative rule").
 *  - SORT / PARTITION: the output is x permuted along the axis by
 *    argsort(x) / argpartition(x, kth) (the same permutation the kernels
 *    apply: stable sort; partition and argpartition select on the same
 *    (key, index) words), so the tangent is take_along_axis(t, perm) and the
 *    cotangent is put_along_axis(zeros, perm, g). Ties get the derivative of
 *    that permutation (as JAX). */
#include "ops/scan_sort_params.h"
#include "transforms/rules.h"

static ax_status scan_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_scan_params *p = node->params;
    if (p->kind != AX_SCAN_SUM)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED, "vjp: no derivative rule for op 'scan' (%s)",
                        p->kind == AX_SCAN_PROD ? "cumprod" : p->kind == AX_SCAN_MAX ? "cummax"
                        : p->kind == AX_SCAN_MIN ? "cummin" : "logcumsumexp");
    grads[0] = ax_cumsum(ctx, cts[0], p->axis, !p->reverse, p->inclusive != 0);
    return ctx->status;
}

static ax_status scan_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_scan_params *p = node->params;
    if (p->kind != AX_SCAN_SUM)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED, "jvp: no derivative rule for op 'scan' (%s)",
                        p->kind == AX_SCAN_PROD ? "cumprod" : p->kind == AX_SCAN_MAX ? "cummax"
                        : p->kind == AX_SCAN_MIN ? "cummin" : "logcumsumexp");
    out_tans[0] = ax_cumsum(ctx, tans[0], p->axis, p->reverse != 0, p->inclusive != 0);
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
