/* Batching (vmap) rules of the indexing, scan/sort, fft, linalg and
 * convolution primitives (the elementwise, view, reduction, product, data
 * movement and custom-function rules are in rules_vmap.c; conventions in
 * vmap_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "ops/shape_params.h"
#include "transforms/vmap_internal.h"

/* ---------------------------------------------------------------- axis-parameter ops
 *
 * Ops whose kernels loop over every axis but the one(s) their params name,
 * or over leading batch axes (linalg): the node is rebuilt once on the
 * batched inputs with the axis field shifted by one. */

/* Rebuild node on ins (all batch-first) with params p, every output batched. */
static ax_status rebuild(ax_ctx *ctx, const ax_node *node, ax_array *const *ins, int n_in,
                         const void *p, size_t psize, int64_t B, ax_array **outs, int *out_axes) {
    int n_out = node->n_outputs;
    ax_dtype dts[8];
    int64_t shp[8][AX_MAX_NDIM];
    const int64_t *shapes[8];
    int nds[8];
    if (n_out > 8) return ax__fail(ctx, AX_ERR_INTERNAL, "vmap: too many outputs");
    for (int j = 0; j < n_out; j++) {
        ax_array *o = node->outputs[j];
        const int64_t *sh;
        int nd;
        if (o) {
            dts[j] = o->dtype;
            sh = o->shape;
            nd = o->ndim;
        } else if (node->out_specs) {
            dts[j] = node->out_specs[j].dtype;
            sh = node->out_specs[j].shape;
            nd = node->out_specs[j].ndim;
        } else {
            return ax__fail(ctx, AX_ERR_INTERNAL, "vmap: output %d of '%s' has no description", j,
                            ax__op_info[node->op].name);
        }
        if (nd + 1 > AX_MAX_NDIM)
            return ax__fail(ctx, AX_ERR_UNSUPPORTED, "vmap: '%s' output of rank %d plus a batch axis",
                            ax__op_info[node->op].name, nd);
        shp[j][0] = B;
        for (int d = 0; d < nd; d++) shp[j][d + 1] = sh[d];
        shapes[j] = shp[j];
        nds[j] = nd + 1;
    }
    if (n_out == 1 && !node->out_specs) {
        outs[0] = ax__make_op(ctx, node->op, ins, n_in, p, psize, dts[0], shapes[0], nds[0]);
        if (!outs[0]) return ctx->status;
        if (node->outputs[0]) outs[0]->weak = node->outputs[0]->weak;
    } else {
        ax_status st = ax__make_op_multi(ctx, node->op, ins, n_in, p, psize, n_out, dts, shapes,
                                         nds, outs);
        if (st != AX_OK) return st;
    }
    for (int j = 0; j < n_out; j++) out_axes[j] = 0;
    return AX_OK;
}

/* The inputs, every one batch-first (unbatched ones broadcast and, with
 * dense, made contiguous). */
static bool all_batched(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                        const int *in_axes, bool dense, ax_array **ins, int64_t *B) {
    *B = ax__vmap_batch_size(node, inputs, in_axes);
    for (int i = 0; i < node->n_inputs; i++) {
        ins[i] = inputs[i];
        if (in_axes[i] < 0) {
            ins[i] = ax__vmap_broadcast(ctx, inputs[i], *B);
            if (ins[i] && dense) ins[i] = ax_contiguous(ctx, ins[i]);
        }
        if (!ins[i]) return false;
    }
    return true;
}

/* Shift an int32 (size 4) or int64 (size 8) axis field at byte offset off. */
static ax_status shift_axis_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                 const int *in_axes, ax_array **outs, int *out_axes, size_t off,
                                 size_t size, bool bcast) {
    if (node->n_inputs > 8 || node->params_size < off + size || node->params_size > 256)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    unsigned char p[256];
    memcpy(p, node->params, node->params_size);
    if (size == 4) {
        int32_t a;
        memcpy(&a, p + off, 4);
        a++;
        memcpy(p + off, &a, 4);
    } else {
        int64_t a;
        memcpy(&a, p + off, 8);
        a++;
        memcpy(p + off, &a, 8);
    }
    ax_array *ins[8];
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    if (!bcast) memcpy(ins, inputs, sizeof *ins * (size_t)node->n_inputs);
    else if (!all_batched(ctx, node, inputs, in_axes, false, ins, &B)) return ctx->status;
    return rebuild(ctx, node, ins, node->n_inputs, p, node->params_size, B, outs, out_axes);
}

#include <stddef.h>

#include "ops/fft_params.h"
#include "ops/scan_sort_params.h"

static ax_status scan_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    return shift_axis_vmap(ctx, node, inputs, in_axes, outs, out_axes,
                           offsetof(ax_scan_params, axis), 4, true);
}

static ax_status sort_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    return shift_axis_vmap(ctx, node, inputs, in_axes, outs, out_axes,
                           offsetof(ax_sort_params, axis), 4, true);
}

static ax_status fft_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                          const int *in_axes, ax_array **outs, int *out_axes) {
    return shift_axis_vmap(ctx, node, inputs, in_axes, outs, out_axes,
                           offsetof(ax_fft_params, axis), 4, true);
}

/* take(a, idx, axis): a batched, idx not: the axis moves by one. Batched
 * indices: a gather with an arange over the batch axis. */
static ax_status take_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    if (in_axes[1] >= 0) {
        /* batched indices: a gather over (batch, axis) with an arange for
         * the batch, out (B, I..., 1, pre..., 1, post...) -> squeeze ->
         * (B, pre..., I..., post...) */
        const ax_axis_params *p = node->params;
        const ax_array *a0 = node->inputs[0], *i0 = node->inputs[1];
        int ax = (int)p->axis, ni = i0->ndim, na = a0->ndim;
        if (ni + na + 1 > AX_MAX_NDIM)
            return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
        int64_t B = inputs[1]->shape[0];
        ax_array *a = in_axes[0] >= 0 ? inputs[0] : ax__vmap_broadcast(ctx, inputs[0], B);
        int64_t rs[AX_MAX_NDIM], ish[AX_MAX_NDIM], sl[AX_MAX_NDIM];
        rs[0] = ish[0] = B;
        for (int d = 0; d < ni; d++) {
            rs[d + 1] = 1;
            ish[d + 1] = i0->shape[d];
        }
        ax_array *iota = ax_arange(ctx, 0, (double)B, 1, i0->dtype);
        iota = iota ? ax_broadcast_to(ctx, ax_reshape(ctx, iota, rs, ni + 1), ish, ni + 1) : NULL;
        sl[0] = 1;
        for (int d = 0; d < na; d++) sl[d + 1] = d == ax ? 1 : a0->shape[d];
        ax_array *idx[2] = {iota, inputs[1]};
        int axes[2] = {0, ax + 1};
        ax_array *y = a && iota ? ax_gather(ctx, a, idx, 2, axes, sl) : NULL;
        int sq[2] = {ni + 1, ni + 2 + ax};
        y = y ? ax_squeeze(ctx, y, sq, 2) : NULL; /* (B, I..., pre..., post...) */
        int perm[AX_MAX_NDIM], k = 0;
        perm[k++] = 0;
        for (int d = 0; d < ax; d++) perm[k++] = 1 + ni + d;       /* pre */
        for (int d = 0; d < ni; d++) perm[k++] = 1 + d;            /* I */
        for (int d = ax + 1; d < na; d++) perm[k++] = ni + d;      /* post */
        outs[0] = y ? ax_transpose(ctx, y, perm, k) : NULL;
        out_axes[0] = 0;
        return outs[0] ? AX_OK : ctx->status;
    }
    return shift_axis_vmap(ctx, node, inputs, in_axes, outs, out_axes,
                           offsetof(ax_axis_params, axis), 8, false);
}

/* take_along_axis / put_along_axis: operands of equal rank, every one
 * batched (unbatched ones broadcast), axis + 1. */
static ax_status along_axis_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                 const int *in_axes, ax_array **outs, int *out_axes) {
    for (int i = 1; i < node->n_inputs; i++)
        if (node->inputs[i]->ndim != node->inputs[0]->ndim)
            return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    return shift_axis_vmap(ctx, node, inputs, in_axes, outs, out_axes,
                           offsetof(ax_axis_params, axis), 8, true);
}

/* linalg: the kernels batch over leading axes; operands are made batched
 * (unbatched ones broadcast and copied) with the same params. */
static ax_status linalg_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *ins[8];
    int64_t B;
    if (node->n_inputs > 8) return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    if (!all_batched(ctx, node, inputs, in_axes, true, ins, &B)) return ctx->status;
    return rebuild(ctx, node, ins, node->n_inputs, node->params, node->params_size, B, outs,
                   out_axes);
}

/* slice_update(a, update): a (0, B, 1) slice of the batch axis; both
 * operands batched (unbatched ones broadcast and copied). */
static ax_status slice_update_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                   const int *in_axes, ax_array **outs, int *out_axes) {
    const ax_slice_update_params *p = node->params;
    if (node->params_size != sizeof *p + sizeof(int64_t) * 2 * (size_t)p->ndim ||
        p->ndim + 1 > AX_MAX_NDIM)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    int64_t nd = p->ndim;
    size_t ps = sizeof *p + sizeof(int64_t) * 2 * (size_t)(nd + 1);
    ax_slice_update_params *q = calloc(1, ps);
    if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    q->ndim = nd + 1;
    q->sl[0] = 0;          /* start of the batch axis */
    q->sl[nd + 1] = 1;     /* its step */
    for (int64_t d = 0; d < nd; d++) {
        q->sl[d + 1] = p->sl[d];
        q->sl[nd + 1 + d + 1] = p->sl[nd + d];
    }
    ax_array *ins[2];
    int64_t B;
    ax_status st = all_batched(ctx, node, inputs, in_axes, true, ins, &B) ? AX_OK : ctx->status;
    if (st == AX_OK) st = rebuild(ctx, node, ins, 2, q, ps, B, outs, out_axes);
    free(q);
    return st;
}

/* searchsorted(a, v): an unbatched sorted a with batched values: the same
 * op on (B, *v.shape). A batched a takes the fallback. */
static ax_status searchsorted_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                   const int *in_axes, ax_array **outs, int *out_axes) {
    if (in_axes[0] >= 0) return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    ax_array *ins[2] = {inputs[0], inputs[1]};
    return rebuild(ctx, node, ins, 2, node->params, node->params_size, inputs[1]->shape[0], outs,
                   out_axes);
}

/* gather(a, idx...): out = B_idx + slice_sizes (one size per axis of a).
 * Indices unbatched: the batch axis of a is one more sliced axis (slice size
 * B), which lands after B_idx and is moved to the front. Some indices
 * batched: every index is batched (unbatched ones broadcast) and an arange
 * over the batch indexes a's batch axis (slice size 1, squeezed) — JAX's
 * rule. */
static ax_status gather_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_gather_params *p = node->params;
    int nidx = p->nidx, nd = p->ndim;
    if (nidx < 1 || nidx + 1 > 16 || nd + 1 > AX_MAX_NDIM || node->n_inputs != nidx + 1 ||
        node->params_size != sizeof *p + sizeof(int64_t) * (size_t)(nidx + nd))
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    int nb = o->ndim - nd; /* rank of the broadcast index shape */
    bool idx_batched = false;
    for (int k = 1; k <= nidx; k++) idx_batched |= in_axes[k] >= 0;
    ax_array *ins[18];
    if (!idx_batched) {
        size_t ps = sizeof *p + sizeof(int64_t) * (size_t)(nidx + nd + 1);
        ax_gather_params *q = calloc(1, ps);
        if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
        *q = *p;
        q->ndim = nd + 1;
        for (int k = 0; k < nidx; k++) q->v[k] = p->v[k] + 1;
        q->v[nidx] = B;
        for (int d = 0; d < nd; d++) q->v[nidx + 1 + d] = p->v[nidx + d];
        int64_t sh[AX_MAX_NDIM];
        for (int d = 0; d < nb; d++) sh[d] = o->shape[d];
        sh[nb] = B;
        for (int d = nb; d < o->ndim; d++) sh[d + 1] = o->shape[d];
        for (int i = 0; i <= nidx; i++) ins[i] = inputs[i];
        ax_array *y = ax__make_op(ctx, node->op, ins, nidx + 1, q, ps, o->dtype, sh, o->ndim + 1);
        free(q);
        outs[0] = y ? ax_moveaxis(ctx, y, nb, 0) : NULL;
        out_axes[0] = 0;
        return outs[0] ? AX_OK : ctx->status;
    }
    /* batched indices: an arange indexes the batch axis */
    size_t ps = sizeof *p + sizeof(int64_t) * (size_t)(nidx + 1 + nd + 1);
    ax_gather_params *q = calloc(1, ps);
    if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    *q = *p;
    q->nidx = nidx + 1;
    q->ndim = nd + 1;
    q->v[0] = 0;
    for (int k = 0; k < nidx; k++) q->v[k + 1] = p->v[k] + 1;
    q->v[nidx + 1] = 1;
    for (int d = 0; d < nd; d++) q->v[nidx + 2 + d] = p->v[nidx + d];
    ins[0] = in_axes[0] >= 0 ? inputs[0] : ax__vmap_broadcast(ctx, inputs[0], B);
    for (int k = 1; k <= nidx && ins[0]; k++) {
        ins[k + 1] = in_axes[k] >= 0 ? inputs[k] : ax__vmap_broadcast(ctx, inputs[k], B);
        if (!ins[k + 1]) st = ctx->status;
    }
    int64_t ish[AX_MAX_NDIM];
    ish[0] = B;
    for (int d = 0; d < nb; d++) ish[d + 1] = o->shape[d];
    ax_array *iota = ax_arange(ctx, 0, (double)B, 1, node->inputs[1]->dtype);
    if (iota) {
        int64_t rs[AX_MAX_NDIM];
        rs[0] = B;
        for (int d = 0; d < nb; d++) rs[d + 1] = 1;
        iota = ax_broadcast_to(ctx, ax_reshape(ctx, iota, rs, nb + 1), ish, nb + 1);
    }
    ins[1] = iota;
    if (!ins[0] || !iota) st = ctx->status;
    ax_array *y = NULL;
    if (st == AX_OK) {
        int64_t sh[AX_MAX_NDIM];
        sh[0] = B;
        for (int d = 0; d < nb; d++) sh[d + 1] = o->shape[d];
        sh[nb + 1] = 1;
        for (int d = nb; d < o->ndim; d++) sh[d + 2] = o->shape[d];
        if (o->ndim + 2 > AX_MAX_NDIM) st = ax__fail(ctx, AX_ERR_UNSUPPORTED, "vmap: gather of rank %d", o->ndim);
        else y = ax__make_op(ctx, node->op, ins, nidx + 2, q, ps, o->dtype, sh, o->ndim + 2);
        if (!y && st == AX_OK) st = ctx->status;
    }
    free(q);
    if (st != AX_OK) return st;
    int ax = nb + 1;
    outs[0] = ax_squeeze(ctx, y, &ax, 1);
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

/* scatter(a, idx..., updates): updates = B_idx + (a slice per axis of a).
 * a is batched (an unbatched a is broadcast and copied: scatter writes into
 * a copy of it). Indices unbatched: the batch axis of a is one more full
 * slice axis, so the batch axis of updates moves after B_idx. Some indices
 * batched: every index batched plus an arange over a's batch axis, updates
 * get a size-1 slice axis for it. */
static ax_status scatter_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                              const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_gather_params *p = node->params;
    int nidx = p->nidx, nd = p->ndim;
    if (nidx < 1 || nidx + 2 > 16 || nd + 2 > AX_MAX_NDIM || node->n_inputs != nidx + 2 ||
        node->params_size != sizeof *p + sizeof(int64_t) * (size_t)nidx)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    const ax_array *upd0 = node->inputs[nidx + 1];
    int nb = upd0->ndim - nd;
    if (nb < 0 || upd0->ndim + 2 > AX_MAX_NDIM)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    bool idx_batched = false;
    for (int k = 1; k <= nidx; k++) idx_batched |= in_axes[k] >= 0;
    ax_array *ins[18];
    ins[0] = in_axes[0] >= 0 ? inputs[0] : ax_contiguous(ctx, ax__vmap_broadcast(ctx, inputs[0], B));
    ax_array *u = in_axes[nidx + 1] >= 0 ? inputs[nidx + 1]
                                         : ax__vmap_broadcast(ctx, inputs[nidx + 1], B);
    if (!ins[0] || !u) return ctx->status;
    size_t ps = sizeof *p + sizeof(int64_t) * (size_t)(nidx + 1);
    ax_gather_params *q = calloc(1, ps);
    if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    *q = *p;
    q->ndim = nd + 1;
    int n_in;
    if (!idx_batched) {
        for (int k = 0; k < nidx; k++) q->v[k] = p->v[k] + 1;
        for (int k = 1; k <= nidx; k++) ins[k] = inputs[k];
        ins[nidx + 1] = ax_moveaxis(ctx, u, 0, nb); /* B_idx, B, slice... */
        n_in = nidx + 2;
        ps = sizeof *p + sizeof(int64_t) * (size_t)nidx;
    } else {
        q->nidx = nidx + 1;
        q->v[0] = 0;
        for (int k = 0; k < nidx; k++) q->v[k + 1] = p->v[k] + 1;
        for (int k = 1; k <= nidx && st == AX_OK; k++) {
            ins[k + 1] = in_axes[k] >= 0 ? inputs[k] : ax__vmap_broadcast(ctx, inputs[k], B);
            if (!ins[k + 1]) st = ctx->status;
        }
        int64_t ish[AX_MAX_NDIM], rs[AX_MAX_NDIM];
        ish[0] = rs[0] = B;
        for (int d = 0; d < nb; d++) {
            ish[d + 1] = upd0->shape[d];
            rs[d + 1] = 1;
        }
        ax_array *iota = ax_arange(ctx, 0, (double)B, 1, node->inputs[1]->dtype);
        ins[1] = iota ? ax_broadcast_to(ctx, ax_reshape(ctx, iota, rs, nb + 1), ish, nb + 1) : NULL;
        int at = 1 + nb;
        ins[nidx + 2] = ax_expand_dims(ctx, u, &at, 1); /* B, B_idx, 1, slice... */
        n_in = nidx + 3;
    }
    if (st == AX_OK && (!ins[1] || !ins[n_in - 1])) st = ctx->status;
    if (st == AX_OK) {
        int64_t sh[AX_MAX_NDIM];
        ax__vmap_batched_shape(B, o, sh);
        outs[0] = ax__make_op(ctx, node->op, ins, n_in, q, ps, o->dtype, sh, o->ndim + 1);
        if (!outs[0]) st = ctx->status;
    }
    free(q);
    out_axes[0] = 0;
    return st;
}

/* ---------------------------------------------------------------- convolution and pooling
 *
 * Channels-last (docs/conv.md): x (N, spatial..., C), w (C_out, k..., C/g).
 * An unbatched weight: the batch folds into N, x (B*N, ...). A batched
 * weight: the batch folds into the groups (JAX's rule): x (N, sp..., B*C),
 * w (B*C_out, k..., C/g), groups B*g, output channels (b, c_out) unfolded
 * and moved to the front. Pooling folds the batch into N. */

#include "ops/conv_params.h"

static ax_array *fold_front(ax_ctx *ctx, ax_array *x) {
    /* (B, N, rest...) -> (B*N, rest...) */
    int64_t sh[AX_MAX_NDIM];
    sh[0] = x->shape[0] * x->shape[1];
    for (int d = 2; d < x->ndim; d++) sh[d - 1] = x->shape[d];
    return ax_reshape(ctx, ax_contiguous(ctx, x), sh, x->ndim - 1);
}

static ax_array *unfold_front(ax_ctx *ctx, ax_array *y, int64_t B) {
    int64_t sh[AX_MAX_NDIM];
    sh[0] = B;
    sh[1] = y->shape[0] / (B ? B : 1);
    for (int d = 1; d < y->ndim; d++) sh[d + 1] = y->shape[d];
    return ax_reshape(ctx, y, sh, y->ndim + 1);
}

static ax_status pool_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    int64_t B = inputs[0]->shape[0];
    if (B == 0 || node->n_outputs != 1)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    ax_array *x = fold_front(ctx, inputs[0]);
    if (!x) return ctx->status;
    int64_t sh[AX_MAX_NDIM];
    sh[0] = B * o->shape[0];
    for (int d = 1; d < o->ndim; d++) sh[d] = o->shape[d];
    ax_array *y = ax__make_op(ctx, node->op, &x, 1, node->params, node->params_size, o->dtype, sh,
                              o->ndim);
    outs[0] = y ? unfold_front(ctx, y, B) : NULL;
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

static ax_status conv_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    const ax_conv_params *p = node->params;
    if (B == 0 || node->params_size != sizeof *p)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    int nd = o->ndim; /* N, spatial..., C_out */
    if (in_axes[1] < 0) {
        ax_array *x = fold_front(ctx, inputs[0]);
        if (!x) return ctx->status;
        int64_t sh[AX_MAX_NDIM];
        sh[0] = B * o->shape[0];
        for (int d = 1; d < nd; d++) sh[d] = o->shape[d];
        ax_array *ins[2] = {x, inputs[1]};
        ax_array *y = ax__make_op(ctx, node->op, ins, 2, p, sizeof *p, o->dtype, sh, nd);
        outs[0] = y ? unfold_front(ctx, y, B) : NULL;
        out_axes[0] = 0;
        return outs[0] ? AX_OK : ctx->status;
    }
    /* batched weight: fold the batch into the groups */
    ax_array *x = in_axes[0] >= 0 ? inputs[0] : ax__vmap_broadcast(ctx, inputs[0], B);
    if (!x) return ctx->status;
    int xr = x->ndim; /* B, N, sp..., C */
    int perm[AX_MAX_NDIM];
    for (int d = 0; d < xr - 2; d++) perm[d] = d + 1; /* N, sp... */
    perm[xr - 2] = 0;                                 /* B */
    perm[xr - 1] = xr - 1;                            /* C */
    x = ax_transpose(ctx, x, perm, xr);
    int64_t xs[AX_MAX_NDIM];
    for (int d = 0; d < xr - 2; d++) xs[d] = x ? x->shape[d] : 0;
    xs[xr - 2] = B * node->inputs[0]->shape[xr - 2];
    x = x ? ax_reshape(ctx, ax_contiguous(ctx, x), xs, xr - 1) : NULL;
    ax_array *w = fold_front(ctx, inputs[1]); /* (B*C_out, k..., C/g) */
    if (!x || !w) return ctx->status;
    ax_conv_params q = *p;
    q.groups = p->groups * B;
    int64_t sh[AX_MAX_NDIM];
    for (int d = 0; d < nd - 1; d++) sh[d] = o->shape[d];
    sh[nd - 1] = B * o->shape[nd - 1];
    ax_array *ins[2] = {x, w};
    ax_array *y = ax__make_op(ctx, node->op, ins, 2, &q, sizeof q, o->dtype, sh, nd);
    if (!y) return ctx->status;
    /* (N, sp..., B*C_out) -> (N, sp..., B, C_out) -> (B, N, sp..., C_out) */
    int64_t us[AX_MAX_NDIM];
    for (int d = 0; d < nd - 1; d++) us[d] = o->shape[d];
    us[nd - 1] = B;
    us[nd] = o->shape[nd - 1];
    y = ax_reshape(ctx, y, us, nd + 1);
    outs[0] = y ? ax_moveaxis(ctx, y, nd - 1, 0) : NULL;
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

void ax__rules_register_vmap_ops(ax_rule *table) {
    table[AX_OP_TAKE].vmap = take_vmap;
    table[AX_OP_TAKE_ALONG_AXIS].vmap = along_axis_vmap;
    table[AX_OP_PUT_ALONG_AXIS].vmap = along_axis_vmap;
    table[AX_OP_SLICE_UPDATE].vmap = slice_update_vmap;
    table[AX_OP_SEARCHSORTED].vmap = searchsorted_vmap;
    table[AX_OP_GATHER].vmap = gather_vmap;
    table[AX_OP_SCATTER].vmap = scatter_vmap;
    table[AX_OP_CONV].vmap = conv_vmap;
    table[AX_OP_MAX_POOL].vmap = pool_vmap;
    table[AX_OP_AVG_POOL].vmap = pool_vmap;
    table[AX_OP_SCAN].vmap = scan_vmap;
    table[AX_OP_SORT].vmap = sort_vmap;
    table[AX_OP_ARGSORT].vmap = sort_vmap;
    table[AX_OP_PARTITION].vmap = sort_vmap;
    table[AX_OP_ARGPARTITION].vmap = sort_vmap;
    table[AX_OP_FFT].vmap = fft_vmap;
    static const ax_op linalg_ops[] = {
        AX_OP_LINALG_CHOLESKY, AX_OP_LINALG_CHOLESKY_INV, AX_OP_LINALG_INV, AX_OP_LINALG_SOLVE,
        AX_OP_LINALG_SOLVE_TRI, AX_OP_LINALG_QR, AX_OP_LINALG_SVD, AX_OP_LINALG_EIG,
        AX_OP_LINALG_EIGH, AX_OP_LINALG_LU, AX_OP_LINALG_LU_FACTOR, AX_OP_LINALG_DET};
    for (size_t k = 0; k < sizeof linalg_ops / sizeof linalg_ops[0]; k++)
        table[linalg_ops[k]].vmap = linalg_vmap;
}
