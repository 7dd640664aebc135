/* Derivative rules of the fp8 family (src/ops/ops_fp8.def).
 *
 * TO_FP8 gives integer codes and FROM_FP8 reads them: nothing flows through
 * either (zero rules, for tracers that reach them). FP8_MATMUL is linear in
 * each scale: out = sa * sb * P (broadcast: the scales are 0-d, or (M, 1)
 * and (1, N)) with P the unit-scale product, so
 *   d out = (d sa * sb + sa * d sb) * P,  grad sa = sum_to_sa(g * P * sb),  grad sb = sum_to_sb(g * P * sa),
 * with P rebuilt as fp8_matmul(a, b) (float32, float64 for float64 scales). vmap: TO_FP8 and FROM_FP8
 * act elementwise (rules_vmap.c); FP8_MATMUL takes the per-element fallback. */
#include "ax/fp8.h"
#include "ops/fp8_params.h"
#include "transforms/rules.h"

/* P in float32, or float64 where a scale is float64 (as the scales' products). */
static ax_array *unit_product(ax_ctx *ctx, const ax_node *node) {
    const ax_fp8_params *p = node->params;
    ax_dtype t = node->inputs[2]->dtype == AX_FLOAT64 || node->inputs[3]->dtype == AX_FLOAT64 ? AX_FLOAT64
                                                                                              : AX_FLOAT32;
    return ax_fp8_matmul(ctx, node->inputs[0], node->inputs[1], (ax_fp8_format)p->fmt, (ax_fp8_format)p->fmt_b,
                         NULL, NULL, t);
}

static ax_status fp8_matmul_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, ax_array *const *cts,
                                const bool *need, ax_array **grads) {
    (void)outs;
    ax_array *gp = ax_multiply(ctx, cts[0], unit_product(ctx, node));
    if (need[2]) grads[2] = ax__rule_unbroadcast(ctx, ax_multiply(ctx, gp, node->inputs[3]), node->inputs[2]);
    if (need[3]) grads[3] = ax__rule_unbroadcast(ctx, ax_multiply(ctx, gp, node->inputs[2]), node->inputs[3]);
    return ctx->status;
}

static ax_status fp8_matmul_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, ax_array *const *tans,
                                ax_array **out_tans) {
    (void)outs;
    ax_array *ds = NULL;
    if (tans[2]) ds = ax_multiply(ctx, tans[2], node->inputs[3]);
    if (tans[3]) {
        ax_array *t = ax_multiply(ctx, node->inputs[2], tans[3]);
        ds = ds ? ax_add(ctx, ds, t) : t;
    }
    if (ds) out_tans[0] = ax_multiply(ctx, ds, unit_product(ctx, node));
    return ctx->status;
}

void ax__rules_register_fp8(ax_rule *t) {
    t[AX_OP_TO_FP8] = (ax_rule){NULL, NULL, NULL, AX_RULE_ZERO};
    t[AX_OP_FROM_FP8] = (ax_rule){NULL, NULL, NULL, AX_RULE_ZERO};
    t[AX_OP_FP8_MATMUL] = (ax_rule){fp8_matmul_vjp, fp8_matmul_jvp, NULL, 0};
}
