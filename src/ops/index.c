/* Indexing ops: slice_update, take, take_along_axis, put_along_axis, gather,
 * scatter (slice and slice_axis are views, in view.c). Index policy in
 * docs/indexing.md: index arrays are integer arrays; values are checked by
 * the kernels at eval (AX_ERR_INDEX naming op, index, axis and size). */
#include <stdlib.h>

#include "core/internal.h"
#include "ops/shape_params.h"

#define LOCAL_DIMS 16

static bool check_index_dtype(ax_ctx *ctx, const char *op, const ax_array *idx) {
    if (ax_dtype_is_integer(idx->dtype)) return true;
    ax__error(ctx, AX_ERR_DTYPE, "%s: indices must be an integer array, got %s of shape %s", op,
              ax_dtype_name(idx->dtype), AX_SHAPE(idx));
    return false;
}

/* x cast to dtype t (no node when it already is). */
static ax_array *as_dtype(ax_ctx *ctx, ax_array *x, ax_dtype t) {
    return x->dtype == t ? x : ax_astype(ctx, x, t);
}

/* Can `from` broadcast (NumPy rules, one-directional) to shape? */
static bool broadcastable(const int64_t *from, int nf, const int64_t *shape, int nd) {
    if (nf > nd) return false;
    for (int i = 0; i < nf; i++) {
        int64_t f = from[i], t = shape[nd - nf + i];
        if (f != t && f != 1) return false;
    }
    return true;
}

/* ---------------------------------------------------------------- slice_update */

ax_array *ax_slice_update(ax_ctx *ctx, ax_array *a, ax_array *update, const int64_t *start,
                          const int64_t *stop, const int64_t *step, int n) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, update);
    if (n < 0 || n > a->ndim)
        return ax__error(ctx, AX_ERR_INDEX, "slice_update: %d slices given for an array of shape %s",
                         n, AX_SHAPE(a));
    int nd = a->ndim;
    size_t psize = sizeof(ax_slice_update_params) + sizeof(int64_t) * 2 * (size_t)nd;
    ax_slice_update_params *p = calloc(1, psize);
    int64_t *shape = malloc(sizeof(int64_t) * ((size_t)nd + 1));
    ax_array *out = NULL;
    if (!p || !shape) {
        ax__error(ctx, AX_ERR_OOM, "slice_update: out of host memory");
        goto done;
    }
    p->ndim = nd;
    for (int i = 0; i < nd; i++) {
        int64_t st = i < n && step ? step[i] : 1;
        if (st == AX_SLICE_NONE) st = 1;
        if (st == 0) {
            ax__error(ctx, AX_ERR_VALUE, "slice_update: step 0 on axis %d of shape %s", i,
                      AX_SHAPE(a));
            goto done;
        }
        int64_t first, len;
        ax__slice_norm(a->shape[i], i < n && start ? start[i] : AX_SLICE_NONE,
                       i < n && stop ? stop[i] : AX_SLICE_NONE, st, &first, &len);
        shape[i] = len;
        p->sl[i] = len ? first : 0;
        p->sl[nd + i] = st;
    }
    if (!broadcastable(update->shape, update->ndim, shape, nd)) {
        ax__error(ctx, AX_ERR_SHAPE,
                  "slice_update: update of shape %s cannot be broadcast to the slice shape %s of "
                  "an array of shape %s",
                  AX_SHAPE(update), ax__shape_str(shape, nd, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                  AX_SHAPE(a));
        goto done;
    }
    ax_array *u = ax_broadcast_to(ctx, as_dtype(ctx, update, a->dtype), shape, nd);
    if (!u) goto done;
    ax_array *ins[2] = {a, u};
    out = ax__make_op(ctx, AX_OP_SLICE_UPDATE, ins, 2, p, psize, a->dtype, a->shape, nd);
done:
    free(p);
    free(shape);
    return out;
}

/* ---------------------------------------------------------------- take */

ax_array *ax_take(ax_ctx *ctx, ax_array *a, ax_array *indices, int axis) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, indices);
    if (!check_index_dtype(ctx, "take", indices)) return NULL;
    if (axis == AX_AXIS_NONE) {
        a = ax_reshape(ctx, a, (int64_t[]){-1}, 1);
        if (!a) return NULL;
        axis = 0;
    }
    int ax;
    if (!ax__norm_axis(ctx, "take", axis, a->ndim, &ax)) return NULL;
    int nd = a->ndim - 1 + indices->ndim;
    int64_t local[LOCAL_DIMS];
    int64_t *shape = nd <= LOCAL_DIMS ? local : malloc(sizeof(int64_t) * (size_t)nd);
    if (!shape) return ax__error(ctx, AX_ERR_OOM, "take: out of host memory");
    int k = 0;
    for (int i = 0; i < ax; i++) shape[k++] = a->shape[i];
    for (int i = 0; i < indices->ndim; i++) shape[k++] = indices->shape[i];
    for (int i = ax + 1; i < a->ndim; i++) shape[k++] = a->shape[i];
    ax_axis_params p;
    memset(&p, 0, sizeof p);
    p.axis = ax;
    ax_array *ins[2] = {a, indices};
    ax_array *out = ax__make_op(ctx, AX_OP_TAKE, ins, 2, &p, sizeof p, a->dtype, shape, nd);
    if (shape != local) free(shape);
    return out;
}

/* Shape B for take/put_along_axis: a's and indices' shapes broadcast on
 * every axis but `ax`, where B takes the indices' size. */
static bool along_shape(ax_ctx *ctx, const char *op, const ax_array *a, const ax_array *idx,
                        int ax, int64_t *b) {
    if (idx->ndim != a->ndim) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: indices of shape %s must have as many dimensions as "
                  "the array of shape %s", op, AX_SHAPE(idx), AX_SHAPE(a));
        return false;
    }
    for (int d = 0; d < a->ndim; d++) {
        int64_t x = a->shape[d], y = idx->shape[d];
        if (d == ax) b[d] = y;
        else if (x == y || y == 1) b[d] = x;
        else if (x == 1) b[d] = y;
        else {
            ax__error(ctx, AX_ERR_SHAPE, "%s: indices of shape %s do not broadcast with the array "
                      "of shape %s off axis %d", op, AX_SHAPE(idx), AX_SHAPE(a), ax);
            return false;
        }
    }
    return true;
}

ax_array *ax_take_along_axis(ax_ctx *ctx, ax_array *a, ax_array *indices, int axis) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, indices);
    if (!check_index_dtype(ctx, "take_along_axis", indices)) return NULL;
    if (axis == AX_AXIS_NONE) {
        if (indices->ndim != 1)
            return ax__error(ctx, AX_ERR_SHAPE, "take_along_axis: without an axis the indices must "
                             "be 1-D, got shape %s", AX_SHAPE(indices));
        a = ax_reshape(ctx, a, (int64_t[]){-1}, 1);
        if (!a) return NULL;
        axis = 0;
    }
    int ax;
    if (!ax__norm_axis(ctx, "take_along_axis", axis, a->ndim, &ax)) return NULL;
    int nd = a->ndim;
    int64_t local[LOCAL_DIMS];
    int64_t *b = nd <= LOCAL_DIMS ? local : malloc(sizeof(int64_t) * (size_t)nd);
    if (!b) return ax__error(ctx, AX_ERR_OOM, "take_along_axis: out of host memory");
    ax_array *out = NULL;
    if (along_shape(ctx, "take_along_axis", a, indices, ax, b)) {
        ax_array *ib = ax_broadcast_to(ctx, indices, b, nd);
        b[ax] = a->shape[ax];
        ax_array *ab = ax_broadcast_to(ctx, a, b, nd);
        if (ab && ib) {
            ax_axis_params p;
            memset(&p, 0, sizeof p);
            p.axis = ax;
            ax_array *ins[2] = {ab, ib};
            out = ax__make_op(ctx, AX_OP_TAKE_ALONG_AXIS, ins, 2, &p, sizeof p, a->dtype,
                              ib->shape, nd);
        }
    }
    if (b != local) free(b);
    return out;
}

ax_array *ax_put_along_axis(ax_ctx *ctx, ax_array *a, ax_array *indices, ax_array *values,
                            int axis) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, indices);
    AX_CHECK_IN(ctx, values);
    if (!check_index_dtype(ctx, "put_along_axis", indices)) return NULL;
    if (axis == AX_AXIS_NONE) {
        if (indices->ndim != 1)
            return ax__error(ctx, AX_ERR_SHAPE, "put_along_axis: without an axis the indices must "
                             "be 1-D, got shape %s", AX_SHAPE(indices));
        ax_array *f = ax_reshape(ctx, a, (int64_t[]){-1}, 1);
        if (!f) return NULL;
        return ax_reshape(ctx, ax_put_along_axis(ctx, f, indices, values, 0), a->shape, a->ndim);
    }
    int ax;
    if (!ax__norm_axis(ctx, "put_along_axis", axis, a->ndim, &ax)) return NULL;
    int nd = a->ndim;
    int64_t local[LOCAL_DIMS];
    int64_t *b = nd <= LOCAL_DIMS ? local : malloc(sizeof(int64_t) * (size_t)nd);
    if (!b) return ax__error(ctx, AX_ERR_OOM, "put_along_axis: out of host memory");
    ax_array *out = NULL;
    if (!along_shape(ctx, "put_along_axis", a, indices, ax, b)) goto done;
    if (!broadcastable(values->shape, values->ndim, b, nd)) {
        ax__error(ctx, AX_ERR_SHAPE, "put_along_axis: values of shape %s cannot be broadcast to "
                  "the indices' shape %s", AX_SHAPE(values),
                  ax__shape_str(b, nd, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        goto done;
    }
    ax_array *ib = ax_broadcast_to(ctx, indices, b, nd);
    ax_array *vb = ax_broadcast_to(ctx, as_dtype(ctx, values, a->dtype), b, nd);
    if (ib && vb) {
        ax_axis_params p;
        memset(&p, 0, sizeof p);
        p.axis = ax;
        ax_array *ins[3] = {a, ib, vb};
        out = ax__make_op(ctx, AX_OP_PUT_ALONG_AXIS, ins, 3, &p, sizeof p, a->dtype, a->shape, nd);
    }
done:
    if (b != local) free(b);
    return out;
}

/* ---------------------------------------------------------------- gather / scatter */

/* Validate index arrays and axes, broadcast the indices to their common shape
 * (written to *bshape / *bnd, malloc'd) and fill ins[1..nidx] and p->v[0..nidx). */
static bool index_set(ax_ctx *ctx, const char *op, const ax_array *a, ax_array *const *indices,
                      int nidx, const int *axes, ax_array **ins, ax_gather_params *p,
                      int64_t **bshape, int *bnd) {
    *bshape = NULL;
    if (nidx < 0 || (nidx > 0 && (!indices || !axes))) {
        ax__error(ctx, AX_ERR_VALUE, "%s: invalid index list (count %d)", op, nidx);
        return false;
    }
    if (nidx > a->ndim) {
        ax__error(ctx, AX_ERR_INDEX, "%s: %d index arrays for an array of shape %s", op, nidx,
                  AX_SHAPE(a));
        return false;
    }
    bool mlocal[LOCAL_DIMS];
    bool *mask = a->ndim <= LOCAL_DIMS ? mlocal : malloc((size_t)a->ndim + 1);
    if (!mask) {
        ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", op);
        return false;
    }
    bool ok = ax__norm_axes(ctx, op, axes, nidx, a->ndim, mask);
    if (mask != mlocal) free(mask);
    if (!ok) return false;
    int nd = 0;
    for (int i = 0; i < nidx; i++) {
        if (!indices[i]) {
            ax__null_input(ctx, op);
            return false;
        }
        if (!check_index_dtype(ctx, op, indices[i])) return false;
        if (indices[i]->ndim > nd) nd = indices[i]->ndim;
        p->v[i] = axes[i] < 0 ? axes[i] + a->ndim : axes[i];
    }
    int64_t *b = malloc(sizeof(int64_t) * ((size_t)nd + 1));
    if (!b) {
        ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", op);
        return false;
    }
    for (int d = 0; d < nd; d++) b[d] = 1;
    for (int i = 0; i < nidx; i++) {
        int n;
        if (!ax__broadcast_shapes(ctx, op, b, nd, indices[i]->shape, indices[i]->ndim, b, &n)) {
            free(b);
            return false;
        }
    }
    for (int i = 0; i < nidx; i++)
        if (!(ins[1 + i] = ax_broadcast_to(ctx, indices[i], b, nd))) {
            free(b);
            return false;
        }
    *bshape = b;
    *bnd = nd;
    return true;
}

ax_array *ax_gather(ax_ctx *ctx, ax_array *a, ax_array *const *indices, int nidx,
                    const int *axes, const int64_t *slice_sizes) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim > 0 && !slice_sizes)
        return ax__error(ctx, AX_ERR_NULL, "gather: slice_sizes is NULL");
    for (int d = 0; d < a->ndim; d++)
        if (slice_sizes[d] < 0 || slice_sizes[d] > a->shape[d])
            return ax__error(ctx, AX_ERR_SHAPE, "gather: slice size %lld on axis %d is outside [0, %lld] "
                             "for an array of shape %s", (long long)slice_sizes[d], d,
                             (long long)a->shape[d], AX_SHAPE(a));
    int nin = 1 + (nidx > 0 ? nidx : 0);
    size_t psize = sizeof(ax_gather_params) + sizeof(int64_t) * ((size_t)(nin - 1) + (size_t)a->ndim);
    ax_gather_params *p = calloc(1, psize);
    ax_array **ins = malloc(sizeof *ins * (size_t)nin);
    int64_t *b = NULL, *shape = NULL;
    int bnd = 0;
    ax_array *out = NULL;
    if (!p || !ins) {
        ax__error(ctx, AX_ERR_OOM, "gather: out of host memory");
        goto done;
    }
    ins[0] = a;
    if (!index_set(ctx, "gather", a, indices, nidx, axes, ins, p, &b, &bnd)) goto done;
    p->nidx = nidx;
    p->ndim = a->ndim;
    shape = malloc(sizeof(int64_t) * ((size_t)bnd + (size_t)a->ndim + 1));
    if (!shape) {
        ax__error(ctx, AX_ERR_OOM, "gather: out of host memory");
        goto done;
    }
    memcpy(shape, b, sizeof(int64_t) * (size_t)bnd);
    for (int d = 0; d < a->ndim; d++) shape[bnd + d] = p->v[nidx + d] = slice_sizes[d];
    int64_t size;
    if (!ax__shape_size(shape, bnd + a->ndim, &size)) {
        ax__error(ctx, AX_ERR_SHAPE, "gather: result is too large");
        goto done;
    }
    out = ax__make_op(ctx, AX_OP_GATHER, ins, nin, p, psize, a->dtype, shape, bnd + a->ndim);
done:
    free(p);
    free(ins);
    free(b);
    free(shape);
    return out;
}

ax_array *ax_scatter(ax_ctx *ctx, ax_array *a, ax_array *const *indices, int nidx,
                     ax_array *updates, const int *axes, ax_scatter_mode mode) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, updates);
    if ((unsigned)mode > AX_SCATTER_MIN)
        return ax__error(ctx, AX_ERR_VALUE, "scatter: unknown mode %d", (int)mode);
    if (ax_dtype_is_complex(a->dtype) && (mode == AX_SCATTER_MAX || mode == AX_SCATTER_MIN))
        return ax__error(ctx, AX_ERR_DTYPE, "scatter: max/min are not defined for %s",
                         ax_dtype_name(a->dtype));
    int nin = 2 + (nidx > 0 ? nidx : 0);
    size_t psize = sizeof(ax_gather_params) + sizeof(int64_t) * (size_t)(nin - 2);
    ax_gather_params *p = calloc(1, psize);
    ax_array **ins = malloc(sizeof *ins * (size_t)nin);
    int64_t *b = NULL, *ushape = NULL;
    int bnd = 0;
    ax_array *out = NULL;
    if (!p || !ins) {
        ax__error(ctx, AX_ERR_OOM, "scatter: out of host memory");
        goto done;
    }
    ins[0] = a;
    if (!index_set(ctx, "scatter", a, indices, nidx, axes, ins, p, &b, &bnd)) goto done;
    p->nidx = nidx;
    p->ndim = a->ndim;
    p->mode = (int32_t)mode;
    int und = bnd + a->ndim;
    ushape = malloc(sizeof(int64_t) * ((size_t)und + 1));
    if (!ushape) {
        ax__error(ctx, AX_ERR_OOM, "scatter: out of host memory");
        goto done;
    }
    /* updates: (B + slice), its leading part broadcast to B */
    bool ok = updates->ndim >= a->ndim && updates->ndim <= und;
    int lead = ok ? updates->ndim - a->ndim : 0;
    for (int d = 0; ok && d < a->ndim; d++) {
        int64_t s = updates->shape[lead + d];
        ok = s <= a->shape[d];
        ushape[bnd + d] = s;
    }
    ok = ok && broadcastable(updates->shape, lead, b, bnd);
    if (!ok) {
        ax__error(ctx, AX_ERR_SHAPE,
                  "scatter: updates of shape %s do not match the indices' shape %s followed by a "
                  "slice of the array of shape %s",
                  AX_SHAPE(updates), ax__shape_str(b, bnd, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                  AX_SHAPE(a));
        goto done;
    }
    memcpy(ushape, b, sizeof(int64_t) * (size_t)bnd);
    ins[nin - 1] = ax_broadcast_to(ctx, as_dtype(ctx, updates, a->dtype), ushape, und);
    if (!ins[nin - 1]) goto done;
    out = ax__make_op(ctx, AX_OP_SCATTER, ins, nin, p, psize, a->dtype, a->shape, a->ndim);
done:
    free(p);
    free(ins);
    free(b);
    free(ushape);
    return out;
}
