/* Batching (vmap) rules of the primitives (see src/transforms/vmap.c and
 * vmap_internal.h for the calling convention: batched inputs carry their
 * batch axis first, unbatched ones are the node's own inputs). The rules of
 * the indexing, scan/sort, fft, linalg and convolution primitives are in
 * rules_vmap_ops.c; this file has the others:
 *
 *  - elementwise (every AX_F_EW op: unary, binary, where, astype, copy,
 *    stop_gradient): batched inputs get size-1 axes after the batch axis up
 *    to the output's rank, unbatched inputs broadcast from the left as they
 *    are; the node is rebuilt once on (B, *out_shape);
 *  - views (reshape, transpose, broadcast_to, slice, as_strided): a view
 *    stores an absolute layout over its row-major owner (rules_shape.c), so
 *    the batched view is as_strided over the batched owner made contiguous,
 *    with the owner's size as the batch stride;
 *  - tracer (a nested transformation's placeholder): the identity;
 *  - reductions, argmax/argmin, logsumexp, softmax: the axis mask shifted by
 *    one;
 *  - matmul: batched operands get size-1 axes after the batch axis up to a
 *    common rank (1-D operands made 2-D and squeezed back); addmm: matmul,
 *    then alpha and beta terms with public ops (beta == 0 does not read c);
 *  - concatenate (axis + 1, unbatched operands broadcast), pad (a (0, 0)
 *    width for the batch axis), tril/triu (they act on the last two axes);
 *  - custom functions: the user's vmap rule (ax_custom_function_vmap), else
 *    the custom function per batch element (its vjp/jvp rules stay);
 *  - everything else: the generic fallback (vmap.c), which rebuilds the
 *    node per batch element and stacks. docs/transforms.md lists those ops. */
#include <stdlib.h>
#include <string.h>

#include "ax/transforms.h"
#include "ops/reduce_params.h"
#include "ops/shape_params.h"
#include "transforms/transforms_internal.h"
#include "transforms/vmap_internal.h"

ax_status ax__vmap_need_out(ax_ctx *ctx, const ax_node *node, ax_array **o) {
    *o = node->outputs[0];
    if (!*o)
        return ax__fail(ctx, AX_ERR_INTERNAL, "vmap: output of '%s' was freed",
                        ax__op_info[node->op].name);
    return AX_OK;
}

void ax__vmap_batched_shape(int64_t B, const ax_array *o, int64_t *sh) {
    sh[0] = B;
    for (int d = 0; d < o->ndim; d++) sh[d + 1] = o->shape[d];
}

/* x (batch axis 0, traced rank r) with size-1 axes after the batch axis up
 * to traced rank `rank`. */
static ax_array *pad_rank(ax_ctx *ctx, ax_array *x, int r, int rank) {
    if (rank <= r) return x;
    int axes[AX_MAX_NDIM];
    for (int k = 0; k < rank - r; k++) axes[k] = 1 + k;
    return ax_expand_dims(ctx, x, axes, rank - r);
}

ax_status ax__vmap_rank_check(ax_ctx *ctx, const ax_node *node, const ax_array *o) {
    if (o->ndim + 1 > AX_MAX_NDIM)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                        "vmap: '%s' has an output of rank %d; with the batch axis it exceeds %d "
                        "axes",
                        ax__op_info[node->op].name, o->ndim, AX_MAX_NDIM);
    return AX_OK;
}

/* ---------------------------------------------------------------- elementwise */

static ax_status ew_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                         const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    int n = node->n_inputs;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    ax_array *ins[8];
    if (n > 8) return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    for (int i = 0; i < n; i++) {
        ins[i] = in_axes[i] >= 0 ? pad_rank(ctx, inputs[i], node->inputs[i]->ndim, o->ndim)
                                 : inputs[i];
        if (!ins[i]) return ctx->status;
    }
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(B, o, sh);
    outs[0] = ax__make_op(ctx, node->op, ins, n, node->params, node->params_size, o->dtype, sh,
                          o->ndim + 1);
    if (!outs[0]) return ctx->status;
    outs[0]->weak = o->weak;
    out_axes[0] = 0;
    return AX_OK;
}

/* ---------------------------------------------------------------- views */

static ax_status tracer_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    (void)ctx, (void)node;
    outs[0] = inputs[0];
    out_axes[0] = in_axes[0];
    return AX_OK;
}

static ax_status view_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                           const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o, *owner = node->inputs[0];
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    if (in_axes[0] < 0 || !owner->contiguous)
        return ax__fail(ctx, AX_ERR_INTERNAL,
                        "vmap: view '%s' of a non-contiguous or unbatched array in a traced graph",
                        ax__op_info[node->op].name);
    int64_t B = inputs[0]->shape[0];
    ax_array *x = ax_contiguous(ctx, inputs[0]);
    if (!x) return ctx->status;
    int64_t sh[AX_MAX_NDIM], strides[AX_MAX_NDIM];
    ax__vmap_batched_shape(B, o, sh);
    strides[0] = owner->size;
    for (int d = 0; d < o->ndim; d++) strides[d + 1] = o->strides[d];
    outs[0] = ax_as_strided(ctx, x, sh, strides, o->ndim + 1, o->offset - owner->offset);
    if (!outs[0]) return ctx->status;
    outs[0]->weak = o->weak;
    out_axes[0] = 0;
    return AX_OK;
}

/* ---------------------------------------------------------------- reductions */

static ax_status reduce_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_reduce_params *p = node->params;
    if (!p || node->params_size < sizeof *p + (size_t)p->ndim)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    size_t ps = sizeof *p + (size_t)p->ndim + 1;
    ax_reduce_params *q = calloc(1, ps);
    if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    q->ndim = p->ndim + 1;
    q->keepdims = p->keepdims;
    for (int d = 0; d < p->ndim; d++) q->mask[d + 1] = p->mask[d];
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(inputs[0]->shape[0], o, sh);
    ax_array *x = inputs[0];
    outs[0] = ax__make_op(ctx, node->op, &x, 1, q, ps, o->dtype, sh, o->ndim + 1);
    free(q);
    if (!outs[0]) return ctx->status;
    outs[0]->weak = o->weak;
    out_axes[0] = 0;
    return AX_OK;
}

/* ---------------------------------------------------------------- products */

/* a @ b with a, b batched (axis 0) or not; traced ranks ra, rb. */
static ax_array *batched_matmul(ax_ctx *ctx, ax_array *a, bool ba, int ra, ax_array *b, bool bb,
                                int rb) {
    bool pa = false, pb = false;
    if (ba && ra == 1) {
        int ax = 1;
        a = ax_expand_dims(ctx, a, &ax, 1); /* (B, 1, K) */
        ra = 2;
        pa = true;
    }
    if (bb && rb == 1) {
        int ax = -1;
        b = ax_expand_dims(ctx, b, &ax, 1); /* (B, K, 1) */
        rb = 2;
        pb = true;
    }
    int r = ra > rb ? ra : rb;
    if (ba) a = pad_rank(ctx, a, ra, r);
    if (bb) b = pad_rank(ctx, b, rb, r);
    /* an unbatched 1-D operand stays a vector: matmul drops its axis */
    bool b_vec = !bb && rb == 1;
    ax_array *y = ax_matmul(ctx, a, b);
    if (y && pb) {
        int ax = -1;
        y = ax_squeeze(ctx, y, &ax, 1);
    }
    if (y && pa) {
        int ax = (pb || b_vec) ? -1 : -2;
        y = ax_squeeze(ctx, y, &ax, 1);
    }
    return y;
}

static ax_status matmul_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    if (node->inputs[0]->ndim + 1 >= AX_MAX_NDIM || node->inputs[1]->ndim + 1 >= AX_MAX_NDIM)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    outs[0] = batched_matmul(ctx, inputs[0], in_axes[0] >= 0, node->inputs[0]->ndim, inputs[1],
                             in_axes[1] >= 0, node->inputs[1]->ndim);
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

#include "ops/products.h"

static ax_status addmm_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                            const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_addmm_params *p = node->params;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(B, o, sh);
    ax_array *y;
    if (p->alpha == 0) {
        y = ax_zeros(ctx, sh, o->ndim + 1, o->dtype);
    } else {
        if (in_axes[1] < 0 && in_axes[2] < 0) {
            y = ax_matmul(ctx, inputs[1], inputs[2]);
        } else {
            y = batched_matmul(ctx, inputs[1], in_axes[1] >= 0, node->inputs[1]->ndim, inputs[2],
                               in_axes[2] >= 0, node->inputs[2]->ndim);
        }
        if (y && p->alpha != 1) y = ax_multiply(ctx, y, ax_scalar(ctx, p->alpha, o->dtype));
    }
    if (y && p->beta != 0) {
        ax_array *c = in_axes[0] >= 0 ? pad_rank(ctx, inputs[0], node->inputs[0]->ndim, o->ndim)
                                      : inputs[0];
        if (p->beta != 1) c = ax_multiply(ctx, c, ax_scalar(ctx, p->beta, o->dtype));
        y = ax_add(ctx, c, y);
    }
    if (y && (y->ndim != o->ndim + 1 || y->shape[0] != B)) y = ax_broadcast_to(ctx, y, sh, o->ndim + 1);
    if (y && y->dtype != o->dtype) y = ax_astype(ctx, y, o->dtype);
    outs[0] = y;
    out_axes[0] = 0;
    return y ? AX_OK : ctx->status;
}

/* ---------------------------------------------------------------- data movement */

static ax_status same_params_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                  const int *in_axes, ax_array **outs, int *out_axes) {
    /* tril / triu (act on the last two axes, leading axes batch), i0 */
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    (void)in_axes;
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(inputs[0]->shape[0], o, sh);
    ax_array *x = inputs[0];
    outs[0] = ax__make_op(ctx, node->op, &x, 1, node->params, node->params_size, o->dtype, sh,
                          o->ndim + 1);
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

static ax_status concat_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_concat_params *p = node->params;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    int n = node->n_inputs;
    ax_array **ins = calloc((size_t)n + 1, sizeof *ins);
    if (!ins) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    for (int i = 0; i < n && st == AX_OK; i++) {
        ins[i] = in_axes[i] >= 0 ? inputs[i] : ax__vmap_broadcast(ctx, inputs[i], B);
        if (!ins[i]) st = ctx->status;
    }
    ax_concat_params q = *p;
    q.axis = p->axis + 1;
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(B, o, sh);
    if (st == AX_OK) {
        outs[0] = ax__make_op(ctx, node->op, ins, n, &q, sizeof q, o->dtype, sh, o->ndim + 1);
        if (!outs[0]) st = ctx->status;
    }
    free(ins);
    out_axes[0] = 0;
    return st;
}

static ax_status pad_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                          const int *in_axes, ax_array **outs, int *out_axes) {
    ax_array *o;
    ax_status st = ax__vmap_need_out(ctx, node, &o);
    if (st == AX_OK) st = ax__vmap_rank_check(ctx, node, o);
    if (st != AX_OK) return st;
    const ax_pad_params *p = node->params;
    if (node->params_size != sizeof *p + sizeof(int64_t) * 2 * (size_t)p->ndim)
        return ax__vmap_fallback(ctx, node, inputs, in_axes, outs, out_axes);
    size_t ps = sizeof *p + sizeof(int64_t) * 2 * (size_t)(p->ndim + 1);
    ax_pad_params *q = calloc(1, ps);
    if (!q) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    q->mode = p->mode;
    q->ndim = p->ndim + 1;
    q->value = p->value;
    for (int k = 0; k < 2 * p->ndim; k++) q->widths[k + 2] = p->widths[k];
    int64_t sh[AX_MAX_NDIM];
    ax__vmap_batched_shape(inputs[0]->shape[0], o, sh);
    ax_array *x = inputs[0];
    outs[0] = ax__make_op(ctx, node->op, &x, 1, q, ps, o->dtype, sh, o->ndim + 1);
    free(q);
    out_axes[0] = 0;
    return outs[0] ? AX_OK : ctx->status;
}

/* ---------------------------------------------------------------- custom functions */

static ax_status custom_vmap(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                             const int *in_axes, ax_array **outs, int *out_axes) {
    const ax_custom_params *p = node->params;
    ax_custom_record *r = p->rec;
    int n_in = p->n_in, n_out = p->n_out;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    ax_status st = AX_OK;
    ax_array **buf = calloc((size_t)(n_in + n_out) + 1, sizeof *buf);
    if (!buf) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    if (r->vmap) {
        /* the user's rule: every input batched along axis 0 */
        for (int i = 0; i < n_in && st == AX_OK; i++) {
            buf[i] = in_axes[i] >= 0 ? inputs[i] : ax__vmap_broadcast(ctx, inputs[i], B);
            if (!buf[i]) st = ctx->status;
        }
        if (st == AX_OK) st = ax_closure_call(ctx, r->vmap, buf, buf + n_in);
        for (int j = 0; j < n_out && st == AX_OK; j++) {
            ax_array *y = buf[n_in + j], *want = node->inputs[n_in + j];
            bool ok = y->ndim == want->ndim + 1 && y->shape[0] == B;
            for (int d = 0; ok && d < want->ndim; d++) ok = y->shape[d + 1] == want->shape[d];
            if (!ok) {
                st = ax__fail(ctx, AX_ERR_SHAPE,
                              "vmap: the custom function's vmap rule returned output %d of shape "
                              "%s; the batched output must have shape (%lld, %s)",
                              j, AX_SHAPE(y), (long long)B, AX_SHAPE(want));
                break;
            }
            outs[j] = y->dtype == want->dtype ? y : ax_astype(ctx, y, want->dtype);
            out_axes[j] = 0;
            if (!outs[j]) st = ctx->status;
        }
        free(buf);
        return st;
    }
    /* per batch element, through the custom function itself (its derivative
     * rules stay attached to each element) */
    ax_closure *g = ax_custom_function(ctx, r->f, r->vjp, r->jvp);
    ax_array **res = calloc((size_t)(B * n_out) + 1, sizeof *res);
    if (!g || !res) {
        st = ctx->status ? ctx->status : ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
        goto done;
    }
    for (int64_t b = 0; b < B && st == AX_OK; b++) {
        for (int i = 0; i < n_in && st == AX_OK; i++) {
            if (in_axes[i] < 0) {
                buf[i] = inputs[i];
                continue;
            }
            ax_array *s = ax_slice_axis(ctx, inputs[i], 0, b, b + 1, 1);
            int ax0 = 0;
            buf[i] = ax_squeeze(ctx, s, &ax0, 1);
            if (!buf[i]) st = ctx->status;
        }
        if (st == AX_OK) st = ax_closure_call(ctx, g, buf, buf + n_in);
        for (int j = 0; j < n_out && st == AX_OK; j++) res[(size_t)j * (size_t)B + (size_t)b] = buf[n_in + j];
    }
    for (int j = 0; j < n_out && st == AX_OK; j++) {
        if (B == 0) {
            ax_array *want = node->inputs[n_in + j];
            int64_t sh[AX_MAX_NDIM];
            ax__vmap_batched_shape(0, want, sh);
            outs[j] = ax_zeros(ctx, sh, want->ndim + 1, want->dtype);
        } else {
            outs[j] = ax_stack(ctx, res + (size_t)j * (size_t)B, (int)B, 0);
        }
        out_axes[j] = 0;
        if (!outs[j]) st = ctx->status;
    }
done:
    ax_closure_release(g);
    free(res);
    free(buf);
    return st;
}

/* ---------------------------------------------------------------- registration */

void ax__rules_register_vmap(ax_rule *table) {
    for (int op = 0; op < AX_OP_COUNT; op++) {
        unsigned f = ax__op_info[op].flags;
        if (f & AX_F_EW) table[op].vmap = ew_vmap;
        else if (f & AX_F_VIEW) table[op].vmap = view_vmap;
    }
    table[AX_OP_TRACER].vmap = tracer_vmap;
    static const ax_op reduce_ops[] = {AX_OP_SUM,    AX_OP_PROD,   AX_OP_MAX,       AX_OP_MIN,
                                       AX_OP_ALL,    AX_OP_ANY,    AX_OP_ARGMAX,    AX_OP_ARGMIN,
                                       AX_OP_LOGSUMEXP, AX_OP_SOFTMAX};
    for (size_t k = 0; k < sizeof reduce_ops / sizeof reduce_ops[0]; k++)
        table[reduce_ops[k]].vmap = reduce_vmap;
    table[AX_OP_MATMUL].vmap = matmul_vmap;
    table[AX_OP_ADDMM].vmap = addmm_vmap;
    table[AX_OP_TRIL].vmap = same_params_vmap;
    table[AX_OP_TRIU].vmap = same_params_vmap;
    table[AX_OP_I0].vmap = same_params_vmap; /* elementwise, no params */
    table[AX_OP_TO_FP8].vmap = same_params_vmap;   /* elementwise */
    table[AX_OP_FROM_FP8].vmap = same_params_vmap; /* elementwise */
    table[AX_OP_CONCATENATE].vmap = concat_vmap;
    table[AX_OP_PAD].vmap = pad_vmap;
    table[AX_OP_CUSTOM].vmap = custom_vmap;
    ax__rules_register_vmap_ops(table); /* rules_vmap_ops.c */
}
