/* Derivative rules of the conv family (CONV, MAX_POOL, AVG_POOL), built from
 * public ops (convolutions included), so they differentiate again.
 *
 * conv(x, w) is bilinear: jvp = conv(tx, w) + conv(x, tw). Its vjp are
 * convolutions too (p = stride s, padding lo/hi, kernel dilation d, input
 * dilation D, groups G, flip f; K kernel, I input, O output sizes):
 *  - dx = conv(g, w~) with input dilation s, stride D, kernel dilation d,
 *    padding lo' = d (K - 1) - lo and hi' making the output exactly I, flip
 *    !f, groups G; w~ is w with its two channel axes swapped per group
 *    ((C_out, K, C_in/G) -> (C_in, K, C_out/G)).
 *  - dw, per group: the correlation of x (batch and channels swapped:
 *    (C_in/G, I, N)) with g ((C_out/G, O, N)) as kernel: stride d, kernel
 *    dilation s, input dilation D, padding lo and hi'' making the output
 *    exactly K; flipped back when f.
 * avg_pool is the depthwise convolution with a ones kernel divided by the
 * window count (the kernel volume, or the valid taps: a convolution of ones),
 * so its vjp is dx of that convolution applied to g / count and its jvp is
 * avg_pool(tx). max_pool: the window's taps are extracted as channels by a
 * depthwise convolution with one-hot kernels; the selected tap is the first
 * valid one equal to the maximum (PyTorch's choice on ties); the jvp takes
 * the tangent's tap there, the vjp routes g through the same one-hot
 * convolution's input gradient. */
#include <stdlib.h>
#include <string.h>

#include "ops/conv_params.h"
#include "transforms/rules.h"

static ax_array *conv_p(ax_ctx *ctx, ax_array *x, ax_array *w, const ax_conv_params *p) {
    return ax_conv_general(ctx, x, w, p->stride, p->pad_lo, p->pad_hi, p->kdil, p->idil,
                           p->groups, p->flip != 0);
}

/* (C_out, K..., C_in/G) -> (C_in, K..., C_out/G), channels swapped per group. */
static ax_array *swap_weight(ax_ctx *ctx, ax_array *w, int64_t G) {
    if (!w) return NULL;
    int nd = w->ndim, nsp = nd - 2;
    int64_t s5[AX_CONV_MAX_SP + 3], out[AX_CONV_MAX_SP + 2];
    int perm[AX_CONV_MAX_SP + 3];
    int64_t co = w->shape[0], cig = w->shape[nd - 1];
    s5[0] = G;
    s5[1] = co / G;
    for (int d = 0; d < nsp; d++) s5[2 + d] = w->shape[1 + d];
    s5[2 + nsp] = cig;
    perm[0] = 0;
    perm[1] = nd;
    for (int d = 0; d < nsp; d++) perm[2 + d] = 2 + d;
    perm[nd] = 1;
    out[0] = G * cig;
    for (int d = 0; d < nsp; d++) out[1 + d] = w->shape[1 + d];
    out[nd - 1] = co / G;
    ax_array *r = ax_reshape(ctx, w, s5, nd + 1);
    r = ax_transpose(ctx, r, perm, nd + 1);
    return ax_reshape(ctx, r, out, nd);
}

/* Input gradient of conv with params p: g (N, O..., C_out), w (C_out, K...,
 * C_in/G), input spatial sizes I. */
static ax_array *conv_grad_x(ax_ctx *ctx, ax_array *g, ax_array *w, const ax_conv_params *p,
                             const int64_t *I) {
    if (!g || !w) return NULL;
    ax_conv_params q;
    memset(&q, 0, sizeof q);
    int nsp = p->nsp;
    for (int d = 0; d < nsp; d++) {
        int64_t K = w->shape[1 + d], O = g->shape[1 + d], keff = (K - 1) * p->kdil[d] + 1;
        q.stride[d] = p->idil[d];
        q.idil[d] = p->stride[d];
        q.kdil[d] = p->kdil[d];
        q.pad_lo[d] = (K - 1) * p->kdil[d] - p->pad_lo[d];
        q.pad_hi[d] = (I[d] - 1) * p->idil[d] + keff - (O - 1) * p->stride[d] - 1 - q.pad_lo[d];
    }
    q.nsp = nsp;
    q.groups = p->groups;
    q.flip = !p->flip;
    return conv_p(ctx, g, swap_weight(ctx, w, p->groups), &q);
}

/* Weight gradient of conv with params p: x (N, I..., C_in), g (N, O...,
 * C_out), kernel spatial sizes K. */
static ax_array *conv_grad_w(ax_ctx *ctx, ax_array *x, ax_array *g, const ax_conv_params *p,
                             const int64_t *K) {
    if (!x || !g) return NULL;
    int nsp = p->nsp, nd = nsp + 2;
    int64_t G = p->groups, cig = x->shape[nd - 1] / G, cog = g->shape[nd - 1] / G;
    ax_conv_params q;
    memset(&q, 0, sizeof q);
    for (int d = 0; d < nsp; d++) {
        int64_t I = x->shape[1 + d], O = g->shape[1 + d];
        int64_t keff = (O - 1) * p->stride[d] + 1;
        q.stride[d] = p->kdil[d];
        q.kdil[d] = p->stride[d];
        q.idil[d] = p->idil[d];
        q.pad_lo[d] = p->pad_lo[d];
        q.pad_hi[d] = (K[d] - 1) * p->kdil[d] + keff - (I - 1) * p->idil[d] - 1 - p->pad_lo[d];
    }
    q.nsp = nsp;
    q.groups = 1;
    int perm[AX_CONV_MAX_SP + 2]; /* swap the first and last axes */
    perm[0] = nd - 1;
    for (int d = 0; d < nsp; d++) perm[1 + d] = 1 + d;
    perm[nd - 1] = 0;
    ax_array *parts[64], **pp = G <= 64 ? parts : malloc(sizeof(ax_array *) * (size_t)G);
    if (!pp) return ax__error(ctx, AX_ERR_OOM, "conv vjp: out of host memory");
    ax_array *r = NULL;
    bool ok = true;
    for (int64_t gi = 0; gi < G && ok; gi++) {
        ax_array *xg = G == 1 ? x : ax_slice_axis(ctx, x, nd - 1, gi * cig, (gi + 1) * cig, 1);
        ax_array *gg = G == 1 ? g : ax_slice_axis(ctx, g, nd - 1, gi * cog, (gi + 1) * cog, 1);
        ax_array *c = conv_p(ctx, ax_transpose(ctx, xg, perm, nd), ax_transpose(ctx, gg, perm, nd), &q);
        pp[gi] = ax_transpose(ctx, c, perm, nd); /* (cig, K, cog) -> (cog, K, cig) */
        ok = pp[gi] != NULL;
    }
    if (ok) r = G == 1 ? pp[0] : ax_concatenate(ctx, pp, (int)G, 0);
    if (pp != parts) free(pp);
    if (r && p->flip) {
        int axes[AX_CONV_MAX_SP];
        for (int d = 0; d < nsp; d++) axes[d] = 1 + d;
        r = ax_flip(ctx, r, axes, nsp);
    }
    return r;
}

static ax_status conv_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    const ax_conv_params *p = node->params;
    ax_array *x = node->inputs[0], *w = node->inputs[1];
    if (need[0]) grads[0] = conv_grad_x(ctx, cts[0], w, p, x->shape + 1);
    if (need[1]) grads[1] = conv_grad_w(ctx, x, cts[0], p, w->shape + 1);
    return ctx->status;
}

static ax_status conv_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_conv_params *p = node->params;
    ax_array *t = NULL;
    if (tans[0]) t = conv_p(ctx, tans[0], node->inputs[1], p);
    if (tans[1]) t = ax__rule_add(ctx, t, conv_p(ctx, node->inputs[0], tans[1], p));
    out_tans[0] = t;
    return ctx->status;
}

/* ---------------------------------------------------------------- pooling */

/* The pooling window as depthwise-convolution params (groups = C). */
static void pool_as_conv(const ax_pool_params *pp, int64_t C, ax_conv_params *q) {
    memset(q, 0, sizeof *q);
    q->nsp = pp->nsp;
    q->groups = C;
    for (int d = 0; d < pp->nsp; d++) {
        q->stride[d] = pp->stride[d];
        q->pad_lo[d] = q->pad_hi[d] = pp->pad[d];
        q->kdil[d] = q->idil[d] = 1;
    }
}

/* Number of input elements in each window: (1, O..., 1). */
static ax_array *window_counts(ax_ctx *ctx, const ax_pool_params *pp, const ax_array *x) {
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t xs[AX_CONV_MAX_SP + 2], ks[AX_CONV_MAX_SP + 2];
    xs[0] = ks[0] = 1;
    xs[nd - 1] = ks[nd - 1] = 1;
    for (int d = 0; d < nsp; d++) {
        xs[1 + d] = x->shape[1 + d];
        ks[1 + d] = pp->kernel[d];
    }
    ax_conv_params q;
    pool_as_conv(pp, 1, &q);
    return conv_p(ctx, ax_ones(ctx, xs, nd, x->dtype), ax_ones(ctx, ks, nd, x->dtype), &q);
}

/* Depthwise weight (C * KV, K..., 1): output channel c * KV + t copies tap t
 * of channel c (one-hot kernels), so conv(x, onehot) lists every window's
 * taps as channels. */
static ax_array *onehot_taps(ax_ctx *ctx, const ax_pool_params *pp, int64_t C, ax_dtype t) {
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t KV = 1;
    for (int d = 0; d < nsp; d++) KV *= pp->kernel[d];
    ax_array *eye = ax_eye(ctx, KV, KV, 0, t); /* (KV taps, KV positions) */
    int64_t s[AX_CONV_MAX_SP + 3];
    s[0] = 1;
    s[1] = KV;
    for (int d = 0; d < nsp; d++) s[2 + d] = pp->kernel[d];
    s[2 + nsp] = 1;
    ax_array *e = ax_reshape(ctx, eye, s, nd + 1);
    s[0] = C;
    e = ax_broadcast_to(ctx, e, s, nd + 1);
    int64_t o[AX_CONV_MAX_SP + 2];
    o[0] = C * KV;
    for (int d = 0; d < nsp; d++) o[1 + d] = pp->kernel[d];
    o[nd - 1] = 1;
    return ax_reshape(ctx, ax_contiguous(ctx, e), o, nd);
}

static ax_array *avg_pool_p(ax_ctx *ctx, ax_array *x, const ax_pool_params *pp) {
    bool inc = pp->count_include_pad != 0;
    switch (pp->nsp) {
    case 1: return ax_avg_pool1d(ctx, x, pp->kernel[0], pp->stride[0], pp->pad[0], inc);
    case 2: return ax_avg_pool2d(ctx, x, pp->kernel, pp->stride, pp->pad, inc);
    default: return ax_avg_pool3d(ctx, x, pp->kernel, pp->stride, pp->pad, inc);
    }
}

static ax_status avg_pool_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    if (!need[0]) return ctx->status;
    const ax_pool_params *pp = node->params;
    ax_array *x = node->inputs[0], *g = cts[0];
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t C = x->shape[nd - 1], KV = 1, ks[AX_CONV_MAX_SP + 2];
    for (int d = 0; d < nsp; d++) KV *= pp->kernel[d];
    ks[0] = C;
    for (int d = 0; d < nsp; d++) ks[1 + d] = pp->kernel[d];
    ks[nd - 1] = 1;
    ax_array *scaled = pp->count_include_pad ? ax_divide(ctx, g, ax__rule_scalar(ctx, (double)KV, g))
                                             : ax_divide(ctx, g, window_counts(ctx, pp, x));
    ax_conv_params q;
    pool_as_conv(pp, C, &q);
    grads[0] = conv_grad_x(ctx, scaled, ax_ones(ctx, ks, nd, g ? g->dtype : x->dtype), &q, x->shape + 1);
    return ctx->status;
}

static ax_status avg_pool_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    out_tans[0] = avg_pool_p(ctx, tans[0], node->params);
    return ctx->status;
}

/* One-hot (N, O..., C, KV) of the tap each window selects, in x's dtype. */
static ax_array *max_pool_select(ax_ctx *ctx, const ax_node *node, ax_array *y, ax_array **w1h) {
    const ax_pool_params *pp = node->params;
    ax_array *x = node->inputs[0];
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t C = x->shape[nd - 1], KV = 1;
    for (int d = 0; d < nsp; d++) KV *= pp->kernel[d];
    ax_conv_params q;
    pool_as_conv(pp, C, &q);
    *w1h = onehot_taps(ctx, pp, C, x->dtype);
    ax_array *taps = conv_p(ctx, x, *w1h, &q); /* (N, O..., C * KV) */
    /* taps in the padding hold 0 here, -inf for max_pool: mask them out */
    int64_t ones_s[AX_CONV_MAX_SP + 2];
    ones_s[0] = 1;
    for (int d = 0; d < nsp; d++) ones_s[1 + d] = x->shape[1 + d];
    ones_s[nd - 1] = C;
    ax_array *valid = conv_p(ctx, ax_ones(ctx, ones_s, nd, x->dtype), *w1h, &q);
    if (!taps || !valid || !y) return NULL;
    int64_t s[AX_CONV_MAX_SP + 3];
    for (int d = 0; d < nd - 1; d++) s[d] = taps->shape[d];
    s[nd - 1] = C;
    s[nd] = KV;
    taps = ax_reshape(ctx, taps, s, nd + 1);
    s[0] = 1;
    valid = ax_reshape(ctx, valid, s, nd + 1);
    int last = nd;
    ax_array *ye = ax_expand_dims(ctx, y, &last, 1);
    ax_array *hit = ax_logical_and(ctx, ax_equal(ctx, taps, ye),
                                   ax_not_equal(ctx, valid, ax__rule_scalar(ctx, 0, valid)));
    ax_array *first = ax_argmax(ctx, hit, -1, true); /* first selected tap */
    ax_array *iota = ax_arange(ctx, 0, (double)KV, 1, AX_INT64);
    return ax_astype(ctx, ax_equal(ctx, first, iota), x->dtype);
}

static ax_status max_pool_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *cts, const bool *need, ax_array **grads) {
    if (!need[0]) return ctx->status;
    const ax_pool_params *pp = node->params;
    ax_array *x = node->inputs[0], *g = cts[0], *w1h = NULL;
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t C = x->shape[nd - 1];
    ax_array *sel = max_pool_select(ctx, node, outs[0], &w1h);
    if (!sel || !g) return ctx->status;
    int last = nd;
    ax_array *gt = ax_multiply(ctx, sel, ax_expand_dims(ctx, g, &last, 1)); /* (N, O..., C, KV) */
    int64_t s[AX_CONV_MAX_SP + 2];
    for (int d = 0; d < nd - 1; d++) s[d] = g->shape[d];
    s[nd - 1] = C * sel->shape[nd];
    ax_conv_params q;
    pool_as_conv(pp, C, &q);
    grads[0] = conv_grad_x(ctx, ax_reshape(ctx, gt, s, nd), w1h, &q, x->shape + 1);
    return ctx->status;
}

static ax_status max_pool_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *tans, ax_array **out_tans) {
    const ax_pool_params *pp = node->params;
    ax_array *x = node->inputs[0], *w1h = NULL;
    int nsp = pp->nsp, nd = nsp + 2;
    int64_t C = x->shape[nd - 1];
    ax_array *sel = max_pool_select(ctx, node, outs[0], &w1h);
    if (!sel || !tans[0]) return ctx->status;
    ax_conv_params q;
    pool_as_conv(pp, C, &q);
    ax_array *tt = conv_p(ctx, tans[0], w1h, &q);
    if (!tt) return ctx->status;
    int64_t s[AX_CONV_MAX_SP + 3];
    for (int d = 0; d < nd + 1; d++) s[d] = sel->shape[d];
    tt = ax_reshape(ctx, tt, s, nd + 1);
    int last = nd;
    out_tans[0] = ax_sum(ctx, ax_multiply(ctx, tt, sel), &last, 1, false);
    return ctx->status;
}

void ax__rules_register_conv(ax_rule *table) {
    table[AX_OP_CONV] = (ax_rule){.vjp = conv_vjp, .jvp = conv_jvp};
    table[AX_OP_AVG_POOL] = (ax_rule){.vjp = avg_pool_vjp, .jvp = avg_pool_jvp};
    table[AX_OP_MAX_POOL] = (ax_rule){.vjp = max_pool_vjp, .jvp = max_pool_jvp};
}
