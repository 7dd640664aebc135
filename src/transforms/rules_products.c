/* Derivative rules of matmul and addmm.
 *
 * C = A @ B (batch axes broadcast): dA = dC @ B^T, dB = A^T @ dC, summed
 * over the batch axes an operand was broadcast along (the walker does that);
 * a 1-D operand is treated as a row (A) or a column (B) and the added axis
 * removed again. jvp: dA @ B + A @ dB. addmm(c, a, b, alpha, beta):
 * dc = beta * g, da = alpha * g @ b^T, db = alpha * a^T @ g; a term whose
 * factor is 0 is not read (no derivative flows into it). */
#include "ops/products.h"
#include "transforms/rules.h"

static ax_array *mT(ax_ctx *ctx, ax_array *x) { return ax_swapaxes(ctx, x, -1, -2); }

/* a and b as at least 2-D, and g with the removed axes restored. */
typedef struct mm {
    ax_array *a, *b, *g;
    bool a1, b1;
} mm;

static void mm_prep(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *g, mm *m) {
    m->a1 = a->ndim == 1;
    m->b1 = b->ndim == 1;
    int ax0 = 0, axl = -1;
    m->a = m->a1 ? ax_expand_dims(ctx, a, &ax0, 1) : a;
    m->b = m->b1 ? ax_expand_dims(ctx, b, &axl, 1) : b;
    m->g = g;
    if (g && m->a1) {
        int at = g->ndim - (m->b1 ? 0 : 1); /* the M axis before N (or at the end) */
        m->g = ax_expand_dims(ctx, m->g, &at, 1);
    }
    if (g && m->b1) m->g = ax_expand_dims(ctx, m->g, &axl, 1);
}

/* dA (for a) and dB (for b) of A @ B with cotangent g, shaped like a / b up
 * to broadcast batch axes. */
static ax_array *mm_grad_a(ax_ctx *ctx, const mm *m, const ax_array *a) {
    ax_array *r = ax_matmul(ctx, m->g, mT(ctx, m->b));
    if (r && m->a1) { /* (..., 1, K) -> (..., K) */
        int ax = -2;
        r = ax_squeeze(ctx, r, &ax, 1);
    }
    return ax__rule_unbroadcast(ctx, r, a);
}

static ax_array *mm_grad_b(ax_ctx *ctx, const mm *m, const ax_array *b) {
    ax_array *r = ax_matmul(ctx, mT(ctx, m->a), m->g);
    if (r && m->b1) { /* (..., K, 1) -> (..., K) */
        int ax = -1;
        r = ax_squeeze(ctx, r, &ax, 1);
    }
    return ax__rule_unbroadcast(ctx, r, b);
}

static ax_status matmul_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    ax_array *a = node->inputs[0], *b = node->inputs[1];
    mm m;
    mm_prep(ctx, a, b, cts[0], &m);
    if (need[0]) grads[0] = mm_grad_a(ctx, &m, a);
    if (need[1]) grads[1] = mm_grad_b(ctx, &m, b);
    return ctx->status;
}

static ax_status matmul_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    ax_array *a = node->inputs[0], *b = node->inputs[1], *t = NULL;
    if (tans[0]) t = ax_matmul(ctx, tans[0], b);
    if (tans[1]) t = ax__rule_add(ctx, t, ax_matmul(ctx, a, tans[1]));
    out_tans[0] = t;
    return ctx->status;
}

static ax_status addmm_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    const ax_addmm_params *p = node->params;
    ax_array *a = node->inputs[1], *b = node->inputs[2], *g = cts[0];
    if (need[0] && p->beta != 0)
        grads[0] = p->beta == 1 ? g : ax_multiply(ctx, g, ax_weak_float(ctx, p->beta));
    if (p->alpha != 0 && (need[1] || need[2])) {
        ax_array *ga = p->alpha == 1 ? g : ax_multiply(ctx, g, ax_weak_float(ctx, p->alpha));
        mm m;
        mm_prep(ctx, a, b, ga, &m);
        if (need[1]) grads[1] = mm_grad_a(ctx, &m, a);
        if (need[2]) grads[2] = mm_grad_b(ctx, &m, b);
    }
    return ctx->status;
}

static ax_status addmm_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_addmm_params *p = node->params;
    ax_array *a = node->inputs[1], *b = node->inputs[2], *t = NULL, *tp = NULL;
    if (tans[0] && p->beta != 0) t = ax_multiply(ctx, tans[0], ax_weak_float(ctx, p->beta));
    if (p->alpha != 0) {
        if (tans[1]) tp = ax_matmul(ctx, tans[1], b);
        if (tans[2]) tp = ax__rule_add(ctx, tp, ax_matmul(ctx, a, tans[2]));
        if (tp) t = ax__rule_add(ctx, t, ax_multiply(ctx, tp, ax_weak_float(ctx, p->alpha)));
    }
    out_tans[0] = t;
    return ctx->status;
}

void ax__rules_register_products(ax_rule *t) {
    t[AX_OP_MATMUL] = (ax_rule){matmul_vjp, matmul_jvp, NULL, 0};
    t[AX_OP_ADDMM] = (ax_rule){addmm_vjp, addmm_jvp, NULL, 0};
}
