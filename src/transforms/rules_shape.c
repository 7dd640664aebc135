/* Derivative rules of views, data movement and indexing.
 *
 * Views. A view node stores an ABSOLUTE layout (shape, strides, offset into
 * the buffer) over the array that owns the buffer (src/ops/view.c walks up
 * chains of lazy views), not the op's logical arguments. In a traced graph
 * that owner is always row-major contiguous: an unevaluated non-view node, or
 * a tracer (made contiguous), since views stop at tracers. So every view is
 * exactly "as_strided" over the owner's row-major elements: out[i] =
 * owner_flat[off + sum_k i_k * s_k]. The rules work from that:
 *  - jvp: the same layout applied to the owner's tangent (a view of it);
 *  - vjp: axes with stride 0 (broadcast) are summed; the remaining axes are
 *    matched to distinct axes of the owner (stride = step * row-major stride,
 *    first index decoded from the offset), which covers reshape, squeeze,
 *    expand_dims, transpose, slice and flip: the cotangent is transposed and
 *    reshaped into the owner's axis order and, for a strict sub-box, written
 *    into zeros with slice_update. Layouts that match no box (diagonal, user
 *    as_strided, overlapping windows) take the general path: a scatter-add of
 *    the cotangent at the flat positions (duplicates add up).
 * All of these results are ordinary ops, so they differentiate again. */
#include <stdlib.h>

#include "ops/shape_params.h"
#include "transforms/rules.h"

static ax_array *zeros_of(ax_ctx *ctx, const int64_t *shape, int nd, ax_dtype dt) {
    return ax_zeros(ctx, shape, nd, dt);
}

/* ---------------------------------------------------------------- views */

typedef struct layout {
    int nd;
    int64_t off;
    const int64_t *shape, *strides;
} layout;

static bool view_layout(ax_ctx *ctx, const ax_array *in, const ax_array *out, layout *L) {
    if (!in->contiguous) {
        ax__error(ctx, AX_ERR_INTERNAL,
                  "vjp: view of a non-contiguous array of shape %s inside a traced graph",
                  AX_SHAPE(in));
        return false;
    }
    L->nd = out->ndim;
    L->off = out->offset - in->offset;
    L->shape = out->shape;
    L->strides = out->strides;
    if (out->size == 0) return true;
    int64_t lo = L->off, hi = L->off;
    for (int k = 0; k < L->nd; k++) {
        int64_t ext = (L->shape[k] - 1) * L->strides[k];
        if (ext < 0) lo += ext;
        else hi += ext;
    }
    if (lo < 0 || hi >= in->size) {
        ax__error(ctx, AX_ERR_UNSUPPORTED,
                  "%s: a view reaching elements [%lld, %lld] outside the %lld elements of the "
                  "array of shape %s it views has no derivative",
                  ax__op_info[out->node ? out->node->op : AX_OP_AS_STRIDED].name, (long long)lo,
                  (long long)hi, (long long)in->size, AX_SHAPE(in));
        return false;
    }
    return true;
}

/* Flat positions off + sum_k i_k s_k as an int64 array of the view's shape. */
static ax_array *positions(ax_ctx *ctx, const layout *L) {
    ax_array *p = ax_scalar(ctx, (double)L->off, AX_INT64);
    for (int k = 0; k < L->nd && p; k++) {
        if (L->shape[k] == 1 || L->strides[k] == 0) continue;
        int64_t sh[AX_MAX_NDIM];
        for (int q = 0; q < L->nd; q++) sh[q] = q == k ? L->shape[k] : 1;
        ax_array *r = ax_arange(ctx, 0, (double)L->shape[k], 1, AX_INT64);
        r = ax_reshape(ctx, r, sh, L->nd);
        r = ax_multiply(ctx, r, ax_scalar(ctx, (double)L->strides[k], AX_INT64));
        p = ax_add(ctx, p, r);
    }
    if (p && p->ndim != L->nd) p = ax_broadcast_to(ctx, p, L->shape, L->nd);
    else if (p) {
        bool same = true;
        for (int k = 0; k < L->nd; k++) same &= p->shape[k] == L->shape[k];
        if (!same) p = ax_broadcast_to(ctx, p, L->shape, L->nd);
    }
    return p;
}

/* The general vjp: scatter-add g at the flat positions of the view. */
static ax_array *view_vjp_scatter(ax_ctx *ctx, const ax_array *in, const layout *L, ax_array *g) {
    ax_array *pos = positions(ctx, L);
    int64_t ush[AX_MAX_NDIM + 1];
    for (int k = 0; k < L->nd; k++) ush[k] = L->shape[k];
    ush[L->nd] = 1;
    ax_array *upd = ax_reshape(ctx, g, ush, L->nd + 1);
    ax_array *flat = zeros_of(ctx, (int64_t[]){in->size}, 1, in->dtype);
    int axis0 = 0;
    ax_array *r = ax_scatter(ctx, flat, &pos, 1, upd, &axis0, AX_SCATTER_ADD);
    return ax_reshape(ctx, r, in->shape, in->ndim);
}

typedef struct box {
    int nk;                    /* kept view axes */
    int kaxis[AX_MAX_NDIM];    /* view axis of each kept axis */
    int assign[AX_MAX_NDIM];   /* owner axis of each kept axis */
    int64_t step[AX_MAX_NDIM]; /* per kept axis */
    int64_t first[AX_MAX_NDIM];
    int64_t rm[AX_MAX_NDIM];
    bool used[AX_MAX_NDIM];
} box;

static bool match(box *b, const ax_array *in, const layout *L, int k) {
    if (k == b->nk) return true;
    int64_t s = L->strides[b->kaxis[k]], len = L->shape[b->kaxis[k]];
    for (int d = 0; d < in->ndim; d++) {
        int64_t n = in->shape[d];
        if (b->used[d] || n <= 1 || b->rm[d] == 0 || s % b->rm[d] != 0) continue;
        int64_t step = s / b->rm[d];
        int64_t last = b->first[d] + (len - 1) * step;
        if (last < 0 || last >= n) continue;
        b->used[d] = true;
        b->assign[k] = d;
        b->step[k] = step;
        if (match(b, in, L, k + 1)) return true;
        b->used[d] = false;
    }
    return false;
}

static ax_array *view_vjp(ax_ctx *ctx, const ax_array *in, const layout *L, ax_array *g) {
    if (in->size == 0 || g->size == 0) return NULL;
    if (L->off < 0 || L->off >= in->size) return view_vjp_scatter(ctx, in, L, g);
    /* 1. sum broadcast axes, drop size-1 axes */
    int sum_axes[AX_MAX_NDIM], ns = 0;
    box b;
    memset(&b, 0, sizeof b);
    int64_t kshape[AX_MAX_NDIM];
    for (int k = 0; k < L->nd; k++) {
        if (L->shape[k] == 1) continue;
        if (L->strides[k] == 0) sum_axes[ns++] = k;
        else {
            kshape[b.nk] = L->shape[k];
            b.kaxis[b.nk++] = k;
        }
    }
    ax__row_major_strides(in->shape, in->ndim, b.rm);
    for (int d = 0; d < in->ndim; d++)
        b.first[d] = in->shape[d] > 1 ? (L->off / b.rm[d]) % in->shape[d] : 0;
    if (!match(&b, in, L, 0)) return view_vjp_scatter(ctx, in, L, g);
    ax_array *g1 = ns ? ax_sum(ctx, g, sum_axes, ns, false) : g;
    g1 = ax_reshape(ctx, g1, kshape, b.nk);
    /* 2. kept axes into the owner's axis order */
    int perm[AX_MAX_NDIM];
    bool ident = true;
    for (int k = 0; k < b.nk; k++) perm[k] = k;
    for (int i = 1; i < b.nk; i++) /* insertion sort by owner axis */
        for (int j = i; j > 0 && b.assign[perm[j - 1]] > b.assign[perm[j]]; j--) {
            int t = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = t;
        }
    for (int k = 0; k < b.nk; k++) ident &= perm[k] == k;
    if (!ident) g1 = ax_transpose(ctx, g1, perm, b.nk);
    /* 3. the box */
    int64_t bshape[AX_MAX_NDIM], start[AX_MAX_NDIM], stop[AX_MAX_NDIM], step[AX_MAX_NDIM];
    bool full = true;
    for (int d = 0; d < in->ndim; d++) {
        bshape[d] = 1;
        start[d] = b.first[d];
        step[d] = 1;
    }
    for (int k = 0; k < b.nk; k++) {
        int d = b.assign[k];
        bshape[d] = L->shape[b.kaxis[k]];
        step[d] = b.step[k];
    }
    for (int d = 0; d < in->ndim; d++) {
        int64_t e = start[d] + bshape[d] * step[d];
        stop[d] = e < 0 ? AX_SLICE_NONE : e;
        if (!(bshape[d] == in->shape[d] && step[d] == 1 && start[d] == 0)) full = false;
    }
    g1 = ax_reshape(ctx, g1, bshape, in->ndim);
    if (full) return g1;
    return ax_slice_update(ctx, zeros_of(ctx, in->shape, in->ndim, in->dtype), g1, start, stop,
                           step, in->ndim);
}

static ax_status view_rule_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                               ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    ax_array *in = node->inputs[0];
    if (node->op == AX_OP_RESHAPE && in->size == outs[0]->size && in->contiguous &&
        outs[0]->contiguous && outs[0]->offset == in->offset) {
        grads[0] = ax_reshape(ctx, cts[0], in->shape, in->ndim);
        return ctx->status;
    }
    layout L;
    if (!view_layout(ctx, in, outs[0], &L)) return ctx->status;
    grads[0] = view_vjp(ctx, in, &L, cts[0]);
    return ctx->status;
}

static ax_status view_rule_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                               ax_array *const *tans, ax_array **out_tans) {
    ax_array *in = node->inputs[0], *out = outs[0];
    if (node->op == AX_OP_RESHAPE && in->size == out->size && in->contiguous && out->contiguous &&
        out->offset == in->offset) {
        out_tans[0] = ax_reshape(ctx, tans[0], out->shape, out->ndim);
        return ctx->status;
    }
    layout L;
    if (!view_layout(ctx, in, out, &L)) return ctx->status;
    if (out->size == 0) return ctx->status;
    ax_array *t = ax_contiguous(ctx, tans[0]);
    out_tans[0] = ax_as_strided(ctx, t, L.shape, L.strides, L.nd, L.off);
    return ctx->status;
}

/* ---------------------------------------------------------------- concatenate */

static ax_status concat_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    const ax_concat_params *p = node->params;
    int axis = (int)p->axis;
    int64_t off = 0;
    for (int i = 0; i < node->n_inputs; i++) {
        int64_t len = node->inputs[i]->shape[axis];
        if (need[i]) grads[i] = ax_slice_axis(ctx, cts[0], axis, off, off + len, 1);
        off += len;
    }
    return ctx->status;
}

static ax_status concat_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    const ax_concat_params *p = node->params;
    int n = node->n_inputs;
    ax_array **ts = malloc(sizeof *ts * (size_t)n);
    if (!ts) return ax__fail(ctx, AX_ERR_OOM, "jvp: out of host memory");
    for (int i = 0; i < n; i++) {
        ax_array *x = node->inputs[i];
        ts[i] = tans[i] ? tans[i] : zeros_of(ctx, x->shape, x->ndim, outs[0]->dtype);
    }
    out_tans[0] = ax_concatenate(ctx, ts, n, (int)p->axis);
    free(ts);
    return ctx->status;
}

/* ---------------------------------------------------------------- pad */

/* The input position each output position of axis d reads (edge/reflect). */
static ax_array *pad_index(ax_ctx *ctx, const ax_pad_params *p, const ax_array *x, int d) {
    ax_array *r = ax_arange(ctx, 0, (double)x->shape[d], 1, AX_INT64);
    int64_t w[2] = {p->widths[2 * d], p->widths[2 * d + 1]};
    return ax_pad(ctx, r, w, (ax_pad_mode)p->mode, 0);
}

static ax_status pad_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_pad_params *p = node->params;
    ax_array *x = node->inputs[0], *g = cts[0];
    int nd = x->ndim;
    if (p->mode == AX_PAD_CONSTANT) {
        int64_t start[AX_MAX_NDIM], stop[AX_MAX_NDIM];
        for (int d = 0; d < nd; d++) {
            start[d] = p->widths[2 * d];
            stop[d] = start[d] + x->shape[d];
        }
        grads[0] = ax_slice(ctx, g, start, stop, NULL, nd);
        return ctx->status;
    }
    /* edge / reflect: per axis, add the cotangent of each output position
     * into the input position it reads */
    for (int d = 0; d < nd && g; d++) {
        if (!p->widths[2 * d] && !p->widths[2 * d + 1]) continue;
        ax_array *idx = pad_index(ctx, p, x, d);
        int64_t zsh[AX_MAX_NDIM];
        for (int q = 0; q < nd; q++) zsh[q] = q == d ? x->shape[d] : g->shape[q];
        ax_array *u = ax_moveaxis(ctx, g, d, 0); /* (out_d, rest...) */
        int at = d + 1;
        u = ax_expand_dims(ctx, u, &at, 1); /* (out_d, ..., 1 at d, ...) */
        g = ax_scatter(ctx, zeros_of(ctx, zsh, nd, g->dtype), &idx, 1, u, &d, AX_SCATTER_ADD);
    }
    grads[0] = g;
    return ctx->status;
}

static ax_status pad_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_pad_params *p = node->params;
    ax_array *x = node->inputs[0], *t = tans[0];
    if (p->mode == AX_PAD_CONSTANT) {
        out_tans[0] = ax_pad(ctx, t, p->widths, AX_PAD_CONSTANT, 0.0);
        return ctx->status;
    }
    for (int d = 0; d < x->ndim && t; d++) {
        if (!p->widths[2 * d] && !p->widths[2 * d + 1]) continue;
        t = ax_take(ctx, t, pad_index(ctx, p, x, d), d);
    }
    out_tans[0] = t;
    return ctx->status;
}

/* ---------------------------------------------------------------- tril / triu */

static ax_array *tri_apply(ax_ctx *ctx, const ax_node *node, ax_array *v) {
    const ax_tri_params *p = node->params;
    return node->op == AX_OP_TRIL ? ax_tril(ctx, v, p->k) : ax_triu(ctx, v, p->k);
}

static ax_status tri_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    grads[0] = tri_apply(ctx, node, cts[0]);
    return ctx->status;
}

static ax_status tri_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    out_tans[0] = tri_apply(ctx, node, tans[0]);
    return ctx->status;
}

/* ---------------------------------------------------------------- slice_update */

static void su_bounds(const ax_node *node, int64_t *start, int64_t *stop, int64_t *step) {
    const ax_slice_update_params *p = node->params;
    const ax_array *u = node->inputs[1];
    int nd = (int)p->ndim;
    for (int d = 0; d < nd; d++) {
        start[d] = p->sl[d];
        step[d] = p->sl[nd + d];
        int64_t e = start[d] + u->shape[d] * step[d];
        stop[d] = u->shape[d] == 0 ? start[d] : (e < 0 ? AX_SLICE_NONE : e);
    }
}

static ax_status su_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    int64_t start[AX_MAX_NDIM], stop[AX_MAX_NDIM], step[AX_MAX_NDIM];
    su_bounds(node, start, stop, step);
    ax_array *a = node->inputs[0], *u = node->inputs[1], *g = cts[0];
    if (need[0])
        grads[0] = ax_slice_update(ctx, g, zeros_of(ctx, u->shape, u->ndim, g->dtype), start, stop,
                                   step, a->ndim);
    if (need[1]) grads[1] = ax_slice(ctx, g, start, stop, step, a->ndim);
    return ctx->status;
}

static ax_status su_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *tans, ax_array **out_tans) {
    int64_t start[AX_MAX_NDIM], stop[AX_MAX_NDIM], step[AX_MAX_NDIM];
    su_bounds(node, start, stop, step);
    ax_array *a = node->inputs[0], *u = node->inputs[1];
    ax_dtype dt = outs[0]->dtype;
    ax_array *ta = tans[0] ? tans[0] : zeros_of(ctx, a->shape, a->ndim, dt);
    ax_array *tu = tans[1] ? tans[1] : zeros_of(ctx, u->shape, u->ndim, dt);
    out_tans[0] = ax_slice_update(ctx, ta, tu, start, stop, step, a->ndim);
    return ctx->status;
}

/* ---------------------------------------------------------------- take */

static ax_status take_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_axis_params *p = node->params;
    ax_array *a = node->inputs[0], *idx = node->inputs[1], *g = cts[0];
    int axis = (int)p->axis, ni = idx->ndim, nd = g->ndim;
    int perm[AX_MAX_NDIM] = {0}, k = 0;
    for (int i = 0; i < ni; i++) perm[k++] = axis + i;
    for (int i = 0; i < nd; i++)
        if (i < axis || i >= axis + ni) perm[k++] = i;
    ax_array *u = ax_transpose(ctx, g, perm, nd);
    int64_t ush[2 * AX_MAX_NDIM];
    int un = 0;
    for (int i = 0; i < ni; i++) ush[un++] = idx->shape[i];
    for (int d = 0; d < a->ndim; d++) ush[un++] = d == axis ? 1 : a->shape[d];
    u = ax_reshape(ctx, u, ush, un);
    grads[0] = ax_scatter(ctx, zeros_of(ctx, a->shape, a->ndim, g->dtype), &idx, 1, u, &axis,
                          AX_SCATTER_ADD);
    return ctx->status;
}

static ax_status take_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_axis_params *p = node->params;
    out_tans[0] = ax_take(ctx, tans[0], node->inputs[1], (int)p->axis);
    return ctx->status;
}

/* Full coordinates for scatter: idx on `axis`, the position on the others
 * (0 where the array has size 1 there). */
static bool along_coords(ax_ctx *ctx, const ax_array *a, ax_array *idx, int axis,
                         ax_array **coords, int *axes) {
    int nd = a->ndim;
    for (int d = 0; d < nd; d++) {
        axes[d] = d;
        if (d == axis) {
            coords[d] = idx;
            continue;
        }
        int64_t sh[AX_MAX_NDIM];
        for (int q = 0; q < nd; q++) sh[q] = q == d ? idx->shape[d] : 1;
        ax_array *r = a->shape[d] == idx->shape[d]
                          ? ax_arange(ctx, 0, (double)idx->shape[d], 1, AX_INT64)
                          : ax_zeros(ctx, (int64_t[]){idx->shape[d]}, 1, AX_INT64);
        coords[d] = ax_reshape(ctx, r, sh, nd);
        if (!coords[d]) return false;
    }
    return true;
}

/* Scatter-add v (shape of idx) into zeros shaped like a, along axis. */
static ax_array *scatter_add_along(ax_ctx *ctx, const ax_array *a, ax_array *idx, int axis,
                                   ax_array *v) {
    ax_array *coords[AX_MAX_NDIM];
    int axes[AX_MAX_NDIM];
    if (!along_coords(ctx, a, idx, axis, coords, axes)) return NULL;
    int64_t ush[2 * AX_MAX_NDIM];
    int nd = a->ndim;
    for (int d = 0; d < nd; d++) {
        ush[d] = v->shape[d];
        ush[nd + d] = 1;
    }
    ax_array *u = ax_reshape(ctx, v, ush, 2 * nd);
    return ax_scatter(ctx, zeros_of(ctx, a->shape, nd, v->dtype), coords, nd, u, axes,
                      AX_SCATTER_ADD);
}

static ax_status tal_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_axis_params *p = node->params;
    grads[0] = scatter_add_along(ctx, node->inputs[0], node->inputs[1], (int)p->axis, cts[0]);
    return ctx->status;
}

static ax_status tal_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_axis_params *p = node->params;
    out_tans[0] = ax_take_along_axis(ctx, tans[0], node->inputs[1], (int)p->axis);
    return ctx->status;
}

/* int64 ids 0, 1, ... in the shape of x. */
static ax_array *ids_like(ax_ctx *ctx, const ax_array *x) {
    ax_array *r = ax_arange(ctx, 0, (double)x->size, 1, AX_INT64);
    return ax_reshape(ctx, r, x->shape, x->ndim);
}

/* put_along_axis(a, idx, v): overwritten positions take v's cotangent. With
 * repeated indices only the write that won gets it: the winners are found by
 * putting the ids of the values with the same op (same order of writes). */
static ax_status pal_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    const ax_axis_params *p = node->params;
    ax_array *a = node->inputs[0], *idx = node->inputs[1], *v = node->inputs[2], *g = cts[0];
    int axis = (int)p->axis;
    if (need[0])
        grads[0] = ax_put_along_axis(ctx, g, idx, zeros_of(ctx, v->shape, v->ndim, g->dtype), axis);
    if (need[2]) {
        ax_array *ids = ids_like(ctx, v);
        ax_array *won = ax_put_along_axis(ctx, ax_full(ctx, a->shape, a->ndim, -1, AX_INT64), idx,
                                          ids, axis);
        ax_array *mask = ax_equal(ctx, ax_take_along_axis(ctx, won, idx, axis), ids);
        ax_array *gv = ax_take_along_axis(ctx, g, idx, axis);
        grads[2] = ax_where(ctx, mask, gv, ax__rule_scalar(ctx, 0.0, g));
    }
    return ctx->status;
}

static ax_status pal_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    const ax_axis_params *p = node->params;
    ax_array *a = node->inputs[0], *idx = node->inputs[1], *v = node->inputs[2];
    ax_dtype dt = outs[0]->dtype;
    ax_array *ta = tans[0] ? tans[0] : zeros_of(ctx, a->shape, a->ndim, dt);
    ax_array *tv = tans[2] ? tans[2] : zeros_of(ctx, v->shape, v->ndim, dt);
    out_tans[0] = ax_put_along_axis(ctx, ta, idx, tv, (int)p->axis);
    return ctx->status;
}

/* ---------------------------------------------------------------- gather / scatter */

static void gather_axes(const ax_gather_params *p, int *axes) {
    for (int i = 0; i < p->nidx; i++) axes[i] = (int)p->v[i];
}

static ax_status gather_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs, (void)need;
    const ax_gather_params *p = node->params;
    ax_array *a = node->inputs[0];
    int axes[AX_MAX_NDIM + 1];
    gather_axes(p, axes);
    grads[0] = ax_scatter(ctx, zeros_of(ctx, a->shape, a->ndim, cts[0]->dtype),
                          (ax_array *const *)node->inputs + 1, p->nidx, cts[0], axes,
                          AX_SCATTER_ADD);
    return ctx->status;
}

static ax_status gather_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_gather_params *p = node->params;
    int axes[AX_MAX_NDIM + 1];
    gather_axes(p, axes);
    out_tans[0] = ax_gather(ctx, tans[0], (ax_array *const *)node->inputs + 1, p->nidx, axes,
                            p->v + p->nidx);
    return ctx->status;
}

typedef struct scat {
    const ax_gather_params *p;
    ax_array *a, *u, *const *idx;
    int axes[AX_MAX_NDIM + 1];
    int64_t ss[AX_MAX_NDIM]; /* slice sizes: u's trailing ndim(a) dims */
} scat;

static void scat_info(const ax_node *node, scat *s) {
    s->p = node->params;
    s->a = node->inputs[0];
    s->u = node->inputs[node->n_inputs - 1];
    s->idx = (ax_array *const *)node->inputs + 1;
    gather_axes(s->p, s->axes);
    int lead = s->u->ndim - s->a->ndim;
    for (int d = 0; d < s->a->ndim; d++) s->ss[d] = s->u->shape[lead + d];
}

static ax_array *scat_gather(ax_ctx *ctx, const scat *s, ax_array *v) {
    return ax_gather(ctx, v, s->idx, s->p->nidx, s->axes, s->ss);
}

static ax_array *scat_op(ax_ctx *ctx, const scat *s, ax_array *base, ax_array *upd,
                         ax_scatter_mode mode) {
    return ax_scatter(ctx, base, s->idx, s->p->nidx, upd, s->axes, mode);
}

/* For max/min: which of a and u reached y, and how many tie per position. */
static void scat_ties(ax_ctx *ctx, const scat *s, ax_array *y, ax_array **ma, ax_array **mu,
                      ax_array **count) {
    ax_dtype dt = y->dtype;
    *ma = ax_astype(ctx, ax_equal(ctx, s->a, y), dt);
    *mu = ax_astype(ctx, ax_equal(ctx, s->u, scat_gather(ctx, s, y)), dt);
    *count = ax_add(ctx, *ma, scat_op(ctx, s, ax_zeros_like(ctx, y), *mu, AX_SCATTER_ADD));
}

static ax_status scatter_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                             ax_array *const *cts, const bool *need, ax_array **grads) {
    scat s;
    scat_info(node, &s);
    ax_array *g = cts[0], *y = outs[0];
    int iu = node->n_inputs - 1;
    switch ((ax_scatter_mode)s.p->mode) {
    case AX_SCATTER_ASSIGN:
        if (need[0])
            grads[0] = scat_op(ctx, &s, g, zeros_of(ctx, s.u->shape, s.u->ndim, g->dtype),
                               AX_SCATTER_ASSIGN);
        if (need[iu]) {
            /* only the update that won a position (repeated indices) */
            ax_array *ids = ids_like(ctx, s.u);
            ax_array *won = scat_op(ctx, &s, ax_full(ctx, s.a->shape, s.a->ndim, -1, AX_INT64),
                                    ids, AX_SCATTER_ASSIGN);
            ax_array *mask = ax_equal(ctx, scat_gather(ctx, &s, won), ids);
            grads[iu] = ax_where(ctx, mask, scat_gather(ctx, &s, g), ax__rule_scalar(ctx, 0.0, g));
        }
        break;
    case AX_SCATTER_ADD:
        if (need[0]) grads[0] = g;
        if (need[iu]) grads[iu] = scat_gather(ctx, &s, g);
        break;
    case AX_SCATTER_PROD: {
        /* y = a * P with P the product of the updates hitting a position */
        ax_array *P = scat_op(ctx, &s, ax_ones_like(ctx, y), s.u, AX_SCATTER_PROD);
        if (need[0]) grads[0] = ax_multiply(ctx, g, P);
        if (need[iu])
            grads[iu] = ax_divide(ctx, scat_gather(ctx, &s, ax_multiply(ctx, g, y)), s.u);
        break;
    }
    case AX_SCATTER_MAX:
    case AX_SCATTER_MIN: {
        ax_array *ma, *mu, *count;
        scat_ties(ctx, &s, y, &ma, &mu, &count);
        ax_array *gc = ax_divide(ctx, g, count);
        if (need[0]) grads[0] = ax_multiply(ctx, gc, ma);
        if (need[iu]) grads[iu] = ax_multiply(ctx, scat_gather(ctx, &s, gc), mu);
        break;
    }
    }
    return ctx->status;
}

static ax_status scatter_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                             ax_array *const *tans, ax_array **out_tans) {
    scat s;
    scat_info(node, &s);
    ax_array *y = outs[0];
    int iu = node->n_inputs - 1;
    ax_dtype dt = y->dtype;
    ax_array *ta = tans[0] ? tans[0] : zeros_of(ctx, s.a->shape, s.a->ndim, dt);
    ax_array *tu = tans[iu] ? tans[iu] : zeros_of(ctx, s.u->shape, s.u->ndim, dt);
    switch ((ax_scatter_mode)s.p->mode) {
    case AX_SCATTER_ASSIGN:
    case AX_SCATTER_ADD: out_tans[0] = scat_op(ctx, &s, ta, tu, (ax_scatter_mode)s.p->mode); break;
    case AX_SCATTER_PROD: {
        ax_array *P = scat_op(ctx, &s, ax_ones_like(ctx, y), s.u, AX_SCATTER_PROD);
        ax_array *rel = scat_op(ctx, &s, ax_zeros_like(ctx, y), ax_divide(ctx, tu, s.u),
                                AX_SCATTER_ADD);
        out_tans[0] = ax_add(ctx, ax_multiply(ctx, ta, P), ax_multiply(ctx, y, rel));
        break;
    }
    case AX_SCATTER_MAX:
    case AX_SCATTER_MIN: {
        ax_array *ma, *mu, *count;
        scat_ties(ctx, &s, y, &ma, &mu, &count);
        ax_array *sum = ax_add(ctx, ax_multiply(ctx, ta, ma),
                               scat_op(ctx, &s, ax_zeros_like(ctx, y), ax_multiply(ctx, tu, mu),
                                       AX_SCATTER_ADD));
        out_tans[0] = ax_divide(ctx, sum, count);
        break;
    }
    }
    return ctx->status;
}

void ax__rules_register_shape(ax_rule *t) {
    const ax_rule view = {view_rule_vjp, view_rule_jvp, NULL, 0};
    t[AX_OP_RESHAPE] = view;
    t[AX_OP_TRANSPOSE] = view;
    t[AX_OP_BROADCAST_TO] = view;
    t[AX_OP_SLICE] = view;
    t[AX_OP_AS_STRIDED] = view;
    t[AX_OP_CONCATENATE] = (ax_rule){concat_vjp, concat_jvp, NULL, 0};
    t[AX_OP_PAD] = (ax_rule){pad_vjp, pad_jvp, NULL, 0};
    t[AX_OP_TRIL] = (ax_rule){tri_vjp, tri_jvp, NULL, 0};
    t[AX_OP_TRIU] = (ax_rule){tri_vjp, tri_jvp, NULL, 0};
    t[AX_OP_SLICE_UPDATE] = (ax_rule){su_vjp, su_jvp, NULL, 0};
    t[AX_OP_TAKE] = (ax_rule){take_vjp, take_jvp, NULL, 0};
    t[AX_OP_TAKE_ALONG_AXIS] = (ax_rule){tal_vjp, tal_jvp, NULL, 0};
    t[AX_OP_PUT_ALONG_AXIS] = (ax_rule){pal_vjp, pal_jvp, NULL, 0};
    t[AX_OP_GATHER] = (ax_rule){gather_vjp, gather_jvp, NULL, 0};
    t[AX_OP_SCATTER] = (ax_rule){scatter_vjp, scatter_jvp, NULL, 0};
}
