/* Derivative rules of the reductions (sum, prod, max, min, logsumexp) and
 * softmax. all/any/argmax/argmin give non-float outputs (no derivative).
 *
 * Conventions (as JAX): max/min share the cotangent equally among the tied
 * maximal (minimal) elements of a group; prod's derivative is exact with
 * zeros in the group (the product of the other elements, not y / x). */
#include "ops/reduce_params.h"
#include "transforms/rules.h"

#define W(v) ax_weak_float(ctx, (v))

/* The reduced axes of a node and the keepdims shape of its output. */
typedef struct red {
    int axes[AX_MAX_NDIM];
    int naxes;
    int64_t kshape[AX_MAX_NDIM]; /* input shape with reduced axes of size 1 */
    int ndim;
    bool keepdims;
} red;

static void red_info(const ax_node *node, red *r) {
    const ax_reduce_params *p = node->params;
    const ax_array *x = node->inputs[0];
    r->ndim = x->ndim;
    r->naxes = 0;
    r->keepdims = p->keepdims != 0;
    for (int d = 0; d < x->ndim; d++) {
        r->kshape[d] = p->mask[d] ? 1 : x->shape[d];
        if (p->mask[d]) r->axes[r->naxes++] = d;
    }
}

/* An output-shaped array (e.g. the cotangent) with the reduced axes kept. */
static ax_array *keep(ax_ctx *ctx, const red *r, ax_array *v) {
    if (!v || r->keepdims) return v;
    return ax_reshape(ctx, v, r->kshape, r->ndim);
}

static ax_array *reduce_sum(ax_ctx *ctx, const red *r, ax_array *v) {
    ax_array *s = ax_sum(ctx, v, r->axes, r->naxes, true);
    if (!s || r->keepdims) return s;
    /* drop the kept axes again */
    int64_t shape[AX_MAX_NDIM];
    int n = 0;
    bool red_ax[AX_MAX_NDIM] = {0};
    for (int k = 0; k < r->naxes; k++) red_ax[r->axes[k]] = true;
    for (int d = 0; d < r->ndim; d++)
        if (!red_ax[d]) shape[n++] = s->shape[d];
    return ax_reshape(ctx, s, shape, n);
}

/* The weight w (input-shaped) of each element in the group's value:
 * d y / d x = w, so vjp = keep(g) * w and jvp = sum(t * w). */
static ax_array *weights(ax_ctx *ctx, const ax_node *node, const red *r, ax_array *y) {
    ax_array *x = node->inputs[0];
    ax_array *yk = keep(ctx, r, y);
    switch (node->op) {
    case AX_OP_SUM: return NULL; /* all ones: handled directly */
    case AX_OP_MAX:
    case AX_OP_MIN: {
        ax_array *m = ax_astype(ctx, ax_equal(ctx, x, yk), x->dtype);
        ax_array *cnt = ax_sum(ctx, m, r->axes, r->naxes, true);
        return ax_divide(ctx, m, cnt);
    }
    case AX_OP_LOGSUMEXP: {
        /* exp(x - y); groups of -inf give 0 */
        ax_array *safe = ax_where(ctx, ax_isneginf(ctx, yk), W(0.0), yk);
        return ax_exp(ctx, ax_subtract(ctx, x, safe));
    }
    case AX_OP_PROD: {
        /* product of the other elements of the group, exact with zeros */
        ax_array *z = ax_equal(ctx, x, W(0.0));
        ax_array *nz = ax_sum(ctx, ax_astype(ctx, z, AX_INT32), r->axes, r->naxes, true);
        ax_array *pnz = ax_prod(ctx, ax_where(ctx, z, W(1.0), x), r->axes, r->naxes, true);
        ax_array *safe_x = ax_where(ctx, z, W(1.0), x);
        ax_array *zero = ax__rule_scalar(ctx, 0.0, x);
        ax_array *at_zero = ax_where(ctx, ax_equal(ctx, nz, ax_weak_int(ctx, 1)), pnz, zero);
        ax_array *at_other =
            ax_where(ctx, ax_equal(ctx, nz, ax_weak_int(ctx, 0)), ax_divide(ctx, pnz, safe_x), zero);
        return ax_where(ctx, z, at_zero, at_other);
    }
    default: return NULL;
    }
}

static ax_status reduce_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    red r;
    red_info(node, &r);
    ax_array *x = node->inputs[0];
    ax_array *g = keep(ctx, &r, cts[0]);
    if (node->op == AX_OP_SUM) {
        grads[0] = ax_broadcast_to(ctx, g, x->shape, x->ndim);
        return ctx->status;
    }
    ax_array *w = weights(ctx, node, &r, outs[0]);
    grads[0] = ax_multiply(ctx, g, w);
    return ctx->status;
}

static ax_status reduce_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    red r;
    red_info(node, &r);
    if (node->op == AX_OP_SUM) {
        out_tans[0] = reduce_sum(ctx, &r, tans[0]);
        return ctx->status;
    }
    ax_array *w = weights(ctx, node, &r, outs[0]);
    out_tans[0] = reduce_sum(ctx, &r, ax_multiply(ctx, tans[0], w));
    return ctx->status;
}

/* softmax: y * (g - sum(g * y)) over the normalized axes */
static ax_status softmax_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                             ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    red r;
    red_info(node, &r);
    ax_array *y = outs[0], *g = cts[0];
    ax_array *s = ax_sum(ctx, ax_multiply(ctx, g, y), r.axes, r.naxes, true);
    grads[0] = ax_multiply(ctx, y, ax_subtract(ctx, g, s));
    return ctx->status;
}

static ax_status softmax_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                             ax_array *const *tans, ax_array **out_tans) {
    red r;
    red_info(node, &r);
    ax_array *y = outs[0], *t = tans[0];
    ax_array *s = ax_sum(ctx, ax_multiply(ctx, t, y), r.axes, r.naxes, true);
    out_tans[0] = ax_multiply(ctx, y, ax_subtract(ctx, t, s));
    return ctx->status;
}

void ax__rules_register_reduce(ax_rule *t) {
    const ax_rule red_rule = {reduce_vjp, reduce_jvp, NULL, 0};
    t[AX_OP_SUM] = red_rule;
    t[AX_OP_PROD] = red_rule;
    t[AX_OP_MAX] = red_rule;
    t[AX_OP_MIN] = red_rule;
    t[AX_OP_LOGSUMEXP] = red_rule;
    t[AX_OP_SOFTMAX] = (ax_rule){softmax_vjp, softmax_jvp, NULL, 0};
}
