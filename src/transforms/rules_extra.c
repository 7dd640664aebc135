/* Derivative rules of the extra family (src/ops/ops_extra.def).
 *
 *  i0: I0'(x) = I1(x)                         (the I1 primitive);
 *  i1: I1'(x) = I0(x) - I1(x) / x, 1/2 at x = 0 (the limit), built with the
 *      "double where" so that neither the value nor any higher derivative
 *      divides by zero at x = 0 (the x == 0 lanes read a safe x = 1).
 * Both are built from ax_i0 / ax_i1 / elementwise ops, so derivatives of any
 * order work. WINDOW is a creation op (no inputs): nothing to differentiate. */
#include "transforms/rules.h"

/* dI/dx of the node's function at x */
static ax_array *bessel_slope(ax_ctx *ctx, const ax_node *node) {
    ax_array *x = node->inputs[0];
    if (node->op == AX_OP_I0) return ax_i1(ctx, x);
    ax_array *zero = ax_equal(ctx, x, ax__rule_scalar(ctx, 0, x));
    ax_array *xs = ax_where(ctx, zero, ax__rule_scalar(ctx, 1, x), x);
    ax_array *v = ax_subtract(ctx, ax_i0(ctx, x), ax_divide(ctx, ax_i1(ctx, xs), xs));
    return ax_where(ctx, zero, ax__rule_scalar(ctx, 0.5, x), v);
}

static ax_status bessel_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    grads[0] = ax_multiply(ctx, cts[0], bessel_slope(ctx, node));
    return ctx->status;
}

static ax_status bessel_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    out_tans[0] = ax_multiply(ctx, tans[0], bessel_slope(ctx, node));
    return ctx->status;
}

void ax__rules_register_extra(ax_rule *t) {
    t[AX_OP_I0] = (ax_rule){bessel_vjp, bessel_jvp, NULL, 0};
    t[AX_OP_I1] = (ax_rule){bessel_vjp, bessel_jvp, NULL, 0};
}
