/* View ops: reshape, flatten, squeeze, expand_dims, transpose, swapaxes,
 * moveaxis, broadcast_to, flip, diagonal, as_strided, slice, contiguous.
 *
 * A view's layout (shape, strides, offset) is computed here, when it is
 * built, from the input's own layout, which is final at that point (an
 * unevaluated non-view input will get a fresh row-major buffer at offset 0,
 * a view input already carries its layout). Eval then only shares the
 * buffer. */
#include <stdlib.h>

#include "core/internal.h"
#include "ops/shape_params.h"

#define LOCAL_DIMS 16

/* Build a view node with generic layout params (bytewise comparable).
 *
 * A layout is absolute (strides and offset into the buffer), so the node's
 * input is the array that owns the buffer, not an intermediate lazy view:
 * walking up the chain of unevaluated views keeps chains short and makes a
 * view independent of how intermediate views are later used. The owner is either
 * evaluated (the view then shares its buffer at once) or an unevaluated
 * non-view node, whose row-major layout never changes. */
static ax_array *view(ax_ctx *ctx, ax_op op, ax_array *in, const int64_t *shape,
                      const int64_t *strides, int ndim, int64_t offset) {
    /* A traced input (src/transforms) bounds the walk: derivatives are taken
     * with respect to it, so views of it must point at it. */
    while (in->node && (ax__op_info[in->node->op].flags & AX_F_VIEW) && in->node->op != AX_OP_TRACER)
        in = in->node->inputs[0];
    int64_t local[2 + 2 * LOCAL_DIMS];
    size_t n = 2 + 2 * (size_t)ndim;
    int64_t *p = ndim <= LOCAL_DIMS ? local : calloc(n, sizeof(int64_t));
    if (!p) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", ax__op_info[op].name);
    p[0] = ndim;
    p[1] = offset;
    if (ndim) {
        memcpy(p + 2, shape, sizeof(int64_t) * (size_t)ndim);
        memcpy(p + 2 + ndim, strides, sizeof(int64_t) * (size_t)ndim);
    }
    ax_array *out = ax__make_view(ctx, op, in, p, n * sizeof(int64_t), shape, strides, ndim, offset);
    if (p != local) free(p);
    return out;
}

/* Scratch for up to `n` int64 values: the local array or the heap. */
static int64_t *scratch(ax_ctx *ctx, int64_t *local, size_t cap, size_t n) {
    if (n <= cap) return local;
    int64_t *p = malloc(sizeof(int64_t) * n);
    if (!p) ax__error(ctx, AX_ERR_OOM, "out of host memory");
    return p;
}
#define SCRATCH_FREE(p, local) \
    do {                       \
        if ((p) != (local)) free(p); \
    } while (0)

/* ---------------------------------------------------------------- reshape */

/* NumPy's no-copy reshape: split the old and new shapes (size-1 axes
 * dropped from the old) into groups of equal product; each old group must be
 * contiguous in itself, and the new axes of the group take strides from its
 * innermost stride. Returns false when a copy is needed. */
static bool reshape_strides(const ax_array *a, const int64_t *nshape, int nnd, int64_t *nstr) {
    int64_t odims[AX_MAX_NDIM], ostr[AX_MAX_NDIM];
    bool ok = true;
    int ond = 0;
    for (int i = 0; ok && i < a->ndim; i++)
        if (a->shape[i] != 1) {
            odims[ond] = a->shape[i];
            ostr[ond++] = a->strides[i];
        }
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ok && ni < nnd && oi < ond) {
        int64_t np = nshape[ni], op = odims[oi];
        while (np != op) {
            if (np < op) np *= nshape[nj++];
            else op *= odims[oj++];
        }
        for (int k = oi; k < oj - 1 && ok; k++)
            if (ostr[k] != odims[k + 1] * ostr[k + 1]) ok = false;
        if (!ok) break;
        nstr[nj - 1] = ostr[oj - 1];
        for (int k = nj - 1; k > ni; k--) nstr[k - 1] = nstr[k] * nshape[k];
        ni = nj++;
        oi = oj++;
    }
    /* trailing size-1 axes of the new shape */
    for (int k = ni; ok && k < nnd; k++) nstr[k] = k > 0 ? nstr[k - 1] : 1;
    return ok;
}

ax_array *ax_reshape(ax_ctx *ctx, ax_array *a, const int64_t *shape, int ndim) {
    AX_CHECK_IN(ctx, a);
    if (ndim < 0 || (ndim > 0 && !shape))
        return ax__error(ctx, AX_ERR_SHAPE, "reshape: invalid target (ndim %d)", ndim);
    int64_t local[LOCAL_DIMS * 2];
    int64_t *ns = scratch(ctx, local, LOCAL_DIMS * 2, 2 * (size_t)ndim + 1);
    if (!ns) return NULL;
    int64_t *nst = ns + ndim;
    int infer = -1;
    int64_t known = 1;
    bool bad = false, zero = false;
    for (int i = 0; i < ndim; i++) {
        ns[i] = shape[i];
        if (shape[i] == -1 && infer < 0) infer = i;
        else if (shape[i] < 0) bad = true;
        else if (shape[i] == 0) zero = true;
        else if (known > INT64_MAX / shape[i]) bad = true;
        else known *= shape[i];
    }
    if (!bad && infer >= 0) {
        if (zero || a->size % known != 0) bad = true;
        else ns[infer] = a->size / known;
    }
    int64_t size;
    if (bad || !ax__shape_size(ns, ndim, &size) || size != a->size) {
        ax__error(ctx, AX_ERR_SHAPE, "reshape: cannot reshape array of shape %s (size %lld) into shape %s",
                  AX_SHAPE(a), (long long)a->size,
                  ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        SCRATCH_FREE(ns, local);
        return NULL;
    }
    ax_array *out = NULL;
    if (size == 0 || a->contiguous) {
        ax__row_major_strides(ns, ndim, nst);
        out = view(ctx, AX_OP_RESHAPE, a, ns, nst, ndim, a->offset);
    } else if (reshape_strides(a, ns, ndim, nst)) {
        out = view(ctx, AX_OP_RESHAPE, a, ns, nst, ndim, a->offset);
    } else {
        ax_array *c = ax_copy(ctx, a);
        if (c && !c->contiguous) {
            ax__error(ctx, AX_ERR_INTERNAL, "reshape: copy of %s is not contiguous", AX_SHAPE(a));
        } else if (c) {
            ax__row_major_strides(ns, ndim, nst);
            out = view(ctx, AX_OP_RESHAPE, c, ns, nst, ndim, c->offset);
        }
    }
    SCRATCH_FREE(ns, local);
    return out;
}

ax_array *ax_flatten(ax_ctx *ctx, ax_array *a, int start_axis, int end_axis) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim == 0) return ax_reshape(ctx, a, (int64_t[]){1}, 1);
    int s, e;
    if (!ax__norm_axis(ctx, "flatten", start_axis, a->ndim, &s) ||
        !ax__norm_axis(ctx, "flatten", end_axis, a->ndim, &e))
        return NULL;
    if (s > e)
        return ax__error(ctx, AX_ERR_AXIS, "flatten: start axis %d is after end axis %d (ndim %d)",
                         start_axis, end_axis, a->ndim);
    int64_t ns[AX_MAX_NDIM];
    int nd = 0;
    for (int i = 0; i < s; i++) ns[nd++] = a->shape[i];
    int64_t m = 1;
    for (int i = s; i <= e; i++) m *= a->shape[i];
    ns[nd++] = m;
    for (int i = e + 1; i < a->ndim; i++) ns[nd++] = a->shape[i];
    return ax_reshape(ctx, a, ns, nd);
}

/* ---------------------------------------------------------------- squeeze / expand */

ax_array *ax_squeeze(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    bool mask[AX_MAX_NDIM];
    int64_t ns[AX_MAX_NDIM], nst[AX_MAX_NDIM];
    if (!ax__norm_axes(ctx, "squeeze", axes, naxes, a->ndim, mask)) return NULL;
    int nd = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (mask[i] && a->shape[i] == 1) continue;
        if (mask[i] && axes)
            return ax__error(ctx, AX_ERR_SHAPE, "squeeze: axis %d of shape %s has size %lld, not 1",
                             i, AX_SHAPE(a), (long long)a->shape[i]);
        ns[nd] = a->shape[i];
        nst[nd++] = a->strides[i];
    }
    return view(ctx, AX_OP_RESHAPE, a, ns, nst, nd, a->offset);
}

ax_array *ax_expand_dims(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    if (naxes < 0 || (naxes > 0 && !axes))
        return ax__error(ctx, AX_ERR_AXIS, "expand_dims: invalid axes (count %d)", naxes);
    int nd = a->ndim + naxes;
    bool mlocal[LOCAL_DIMS];
    bool *mask = nd <= LOCAL_DIMS ? mlocal : malloc((size_t)nd + 1);
    int64_t local[LOCAL_DIMS * 2];
    int64_t *ns = scratch(ctx, local, LOCAL_DIMS * 2, 2 * (size_t)nd + 1);
    ax_array *out = NULL;
    if (!mask || !ns) {
        if (!mask) ax__error(ctx, AX_ERR_OOM, "expand_dims: out of host memory");
        goto done;
    }
    if (!ax__norm_axes(ctx, "expand_dims", axes, naxes, nd, mask)) goto done;
    int64_t *nst = ns + nd;
    for (int i = nd - 1, j = a->ndim - 1; i >= 0; i--) {
        if (mask[i]) {
            ns[i] = 1;
            nst[i] = i + 1 < nd ? nst[i + 1] * ns[i + 1] : 1;
        } else {
            ns[i] = a->shape[j];
            nst[i] = a->strides[j--];
        }
    }
    out = view(ctx, AX_OP_RESHAPE, a, ns, nst, nd, a->offset);
done:
    if (mask != mlocal) free(mask);
    if (ns) SCRATCH_FREE(ns, local);
    return out;
}

/* ---------------------------------------------------------------- transpose */

ax_array *ax_transpose(ax_ctx *ctx, ax_array *a, const int *perm, int nperm) {
    AX_CHECK_IN(ctx, a);
    int nd = a->ndim;
    if (perm && nperm != nd)
        return ax__error(ctx, AX_ERR_AXIS, "transpose: %d axes given for an array of shape %s",
                         nperm, AX_SHAPE(a));
    bool mlocal[LOCAL_DIMS];
    bool *mask = nd <= LOCAL_DIMS ? mlocal : malloc((size_t)nd + 1);
    int64_t local[LOCAL_DIMS * 2];
    int64_t *ns = scratch(ctx, local, LOCAL_DIMS * 2, 2 * (size_t)nd + 1);
    ax_array *out = NULL;
    if (!mask || !ns) {
        if (!mask) ax__error(ctx, AX_ERR_OOM, "transpose: out of host memory");
        goto done;
    }
    if (!ax__norm_axes(ctx, "transpose", perm, nperm, nd, mask)) goto done;
    int64_t *nst = ns + nd;
    for (int i = 0; i < nd; i++) {
        int p = perm ? (perm[i] < 0 ? perm[i] + nd : perm[i]) : nd - 1 - i;
        ns[i] = a->shape[p];
        nst[i] = a->strides[p];
    }
    out = view(ctx, AX_OP_TRANSPOSE, a, ns, nst, nd, a->offset);
done:
    if (mask != mlocal) free(mask);
    if (ns) SCRATCH_FREE(ns, local);
    return out;
}

ax_array *ax_swapaxes(ax_ctx *ctx, ax_array *a, int axis1, int axis2) {
    AX_CHECK_IN(ctx, a);
    int i, j;
    if (!ax__norm_axis(ctx, "swapaxes", axis1, a->ndim, &i) ||
        !ax__norm_axis(ctx, "swapaxes", axis2, a->ndim, &j))
        return NULL;
    int perm[AX_MAX_NDIM];
    for (int k = 0; k < a->ndim; k++) perm[k] = k;
    perm[i] = j;
    perm[j] = i;
    ax_array *out = ax_transpose(ctx, a, perm, a->ndim);
    return out;
}

ax_array *ax_moveaxis(ax_ctx *ctx, ax_array *a, int source, int destination) {
    AX_CHECK_IN(ctx, a);
    int s, d;
    if (!ax__norm_axis(ctx, "moveaxis", source, a->ndim, &s) ||
        !ax__norm_axis(ctx, "moveaxis", destination, a->ndim, &d))
        return NULL;
    int perm[AX_MAX_NDIM];
    for (int k = 0, j = 0; k < a->ndim; k++) {
        if (k == d) perm[k] = s;
        else {
            if (j == s) j++;
            perm[k] = j++;
        }
    }
    ax_array *out = ax_transpose(ctx, a, perm, a->ndim);
    return out;
}

/* ---------------------------------------------------------------- broadcast */

ax_array *ax_broadcast_to(ax_ctx *ctx, ax_array *a, const int64_t *shape, int ndim) {
    AX_CHECK_IN(ctx, a);
    char buf[AX_SHAPE_STR_CAP];
    if (ndim < 0 || (ndim > 0 && !shape))
        return ax__error(ctx, AX_ERR_SHAPE, "broadcast_to: invalid target (ndim %d)", ndim);
    bool ok = ndim >= a->ndim;
    int lead = ndim - a->ndim;
    for (int i = 0; ok && i < ndim; i++) {
        if (shape[i] < 0) ok = false;
        else if (i >= lead && a->shape[i - lead] != shape[i] && a->shape[i - lead] != 1) ok = false;
    }
    int64_t size;
    if (!ok || !ax__shape_size(shape, ndim, &size))
        return ax__error(ctx, AX_ERR_SHAPE, "broadcast_to: cannot broadcast shape %s to %s",
                         AX_SHAPE(a), ax__shape_str(shape, ndim, buf, sizeof buf));
    int64_t local[LOCAL_DIMS];
    int64_t *st = scratch(ctx, local, LOCAL_DIMS, (size_t)ndim + 1);
    if (!st) return NULL;
    ax__broadcast_strides(a, shape, ndim, st);
    ax_array *out = view(ctx, AX_OP_BROADCAST_TO, a, shape, st, ndim, a->offset);
    SCRATCH_FREE(st, local);
    return out;
}

/* ---------------------------------------------------------------- slices */

void ax__slice_norm(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *first,
                    int64_t *len) {
    if (step > 0) {
        if (start == AX_SLICE_NONE) start = 0;
        else if (start < 0) start = start + n < 0 ? 0 : start + n;
        else if (start > n) start = n;
        if (stop == AX_SLICE_NONE) stop = n;
        else if (stop < 0) stop = stop + n < 0 ? 0 : stop + n;
        else if (stop > n) stop = n;
        *len = stop > start ? (stop - start - 1) / step + 1 : 0;
    } else {
        if (start == AX_SLICE_NONE) start = n - 1;
        else if (start < 0) start = start + n < 0 ? -1 : start + n;
        else if (start >= n) start = n - 1;
        if (stop == AX_SLICE_NONE) stop = -1;
        else if (stop < 0) stop = stop + n < 0 ? -1 : stop + n;
        else if (stop >= n) stop = n - 1;
        /* step > INT64_MIN here, so -step is fine */
        *len = start > stop ? (start - stop - 1) / (-step) + 1 : 0;
    }
    *first = start;
}

ax_array *ax_slice(ax_ctx *ctx, ax_array *a, const int64_t *start, const int64_t *stop,
                   const int64_t *step, int n) {
    AX_CHECK_IN(ctx, a);
    if (n < 0 || n > a->ndim)
        return ax__error(ctx, AX_ERR_INDEX, "slice: %d slices given for an array of shape %s", n,
                         AX_SHAPE(a));
    int64_t local[LOCAL_DIMS * 2];
    int64_t *ns = scratch(ctx, local, LOCAL_DIMS * 2, 2 * (size_t)a->ndim + 1);
    if (!ns) return NULL;
    int64_t *nst = ns + a->ndim;
    int64_t off = a->offset;
    bool empty = false;
    for (int i = 0; i < a->ndim; i++) {
        ns[i] = a->shape[i];
        nst[i] = a->strides[i];
        if (i >= n) continue;
        int64_t st = step ? step[i] : 1;
        if (st == AX_SLICE_NONE) st = 1;
        if (st == 0) {
            SCRATCH_FREE(ns, local);
            return ax__error(ctx, AX_ERR_VALUE, "slice: step 0 on axis %d of shape %s", i,
                             AX_SHAPE(a));
        }
        int64_t first, len;
        ax__slice_norm(a->shape[i], start ? start[i] : AX_SLICE_NONE,
                       stop ? stop[i] : AX_SLICE_NONE, st, &first, &len);
        ns[i] = len;
        if (len > 0) off += first * a->strides[i];
        nst[i] = len > 1 ? a->strides[i] * st : a->strides[i];
        empty |= len == 0;
    }
    if (empty) off = a->offset; /* nothing is read: keep the offset inside the buffer */
    ax_array *out = view(ctx, AX_OP_SLICE, a, ns, nst, a->ndim, off);
    SCRATCH_FREE(ns, local);
    return out;
}

ax_array *ax_slice_axis(ax_ctx *ctx, ax_array *a, int axis, int64_t start, int64_t stop,
                        int64_t step) {
    AX_CHECK_IN(ctx, a);
    int ax;
    if (!ax__norm_axis(ctx, "slice_axis", axis, a->ndim, &ax)) return NULL;
    int64_t local[LOCAL_DIMS * 3];
    int64_t *v = scratch(ctx, local, LOCAL_DIMS * 3, 3 * (size_t)(ax + 1));
    if (!v) return NULL;
    for (int i = 0; i <= ax; i++) {
        v[i] = i == ax ? start : AX_SLICE_NONE;
        v[ax + 1 + i] = i == ax ? stop : AX_SLICE_NONE;
        v[2 * (ax + 1) + i] = i == ax ? step : 1;
    }
    ax_array *out = ax_slice(ctx, a, v, v + ax + 1, v + 2 * (ax + 1), ax + 1);
    SCRATCH_FREE(v, local);
    return out;
}

ax_array *ax_flip(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    bool mlocal[LOCAL_DIMS];
    bool *mask = a->ndim <= LOCAL_DIMS ? mlocal : malloc((size_t)a->ndim + 1);
    int64_t local[LOCAL_DIMS];
    int64_t *nst = scratch(ctx, local, LOCAL_DIMS, (size_t)a->ndim + 1);
    ax_array *out = NULL;
    if (!mask || !nst) {
        if (!mask) ax__error(ctx, AX_ERR_OOM, "flip: out of host memory");
        goto done;
    }
    if (!ax__norm_axes(ctx, "flip", axes, naxes, a->ndim, mask)) goto done;
    int64_t off = a->offset;
    for (int i = 0; i < a->ndim; i++) {
        nst[i] = a->strides[i];
        if (mask[i] && a->shape[i] > 1) {
            off += (a->shape[i] - 1) * a->strides[i];
            nst[i] = -a->strides[i];
        }
    }
    if (a->size == 0) off = a->offset;
    out = view(ctx, AX_OP_SLICE, a, a->shape, nst, a->ndim, off);
done:
    if (mask != mlocal) free(mask);
    if (nst) SCRATCH_FREE(nst, local);
    return out;
}

ax_array *ax_diagonal(ax_ctx *ctx, ax_array *a, int64_t offset, int axis1, int axis2) {
    AX_CHECK_IN(ctx, a);
    if (a->ndim < 2)
        return ax__error(ctx, AX_ERR_SHAPE, "diagonal: array of shape %s has fewer than 2 axes",
                         AX_SHAPE(a));
    int i1, i2;
    if (!ax__norm_axis(ctx, "diagonal", axis1, a->ndim, &i1) ||
        !ax__norm_axis(ctx, "diagonal", axis2, a->ndim, &i2))
        return NULL;
    if (i1 == i2)
        return ax__error(ctx, AX_ERR_AXIS, "diagonal: axis1 and axis2 are the same axis (%d)", i1);
    int64_t n1 = a->shape[i1], n2 = a->shape[i2], len, r0 = 0, c0 = 0;
    if (offset >= 0) {
        c0 = offset;
        len = offset >= n2 ? 0 : (n1 < n2 - offset ? n1 : n2 - offset);
    } else {
        r0 = offset == INT64_MIN ? INT64_MAX : -offset;
        len = r0 >= n1 ? 0 : (n1 - r0 < n2 ? n1 - r0 : n2);
    }
    int64_t local[LOCAL_DIMS * 2];
    int64_t *ns = scratch(ctx, local, LOCAL_DIMS * 2, 2 * (size_t)a->ndim);
    if (!ns) return NULL;
    int64_t *nst = ns + a->ndim - 1;
    int nd = 0;
    for (int i = 0; i < a->ndim; i++)
        if (i != i1 && i != i2) {
            ns[nd] = a->shape[i];
            nst[nd++] = a->strides[i];
        }
    ns[nd] = len;
    nst[nd++] = a->strides[i1] + a->strides[i2];
    int64_t off = a->offset;
    if (len > 0) off += r0 * a->strides[i1] + c0 * a->strides[i2];
    ax_array *out = view(ctx, AX_OP_AS_STRIDED, a, ns, nst, nd, off);
    SCRATCH_FREE(ns, local);
    return out;
}

/* ---------------------------------------------------------------- as_strided */

/* Elements in the buffer that a will have (or has): walk up through lazy views
 * to the array that owns the buffer; an unevaluated owner gets exactly its
 * own extent. */
static int64_t buffer_elems(const ax_array *a) {
    const ax_array *x = a;
    while (x->node && (ax__op_info[x->node->op].flags & AX_F_VIEW)) x = x->node->inputs[0];
    size_t is = ax_dtype_size(a->dtype);
    if (x->buf && !x->node) return (int64_t)(x->buf->nbytes / is);
    return x->size * (int64_t)ax_dtype_size(x->dtype) / (int64_t)is;
}

ax_array *ax_as_strided(ax_ctx *ctx, ax_array *a, const int64_t *shape, const int64_t *strides,
                        int ndim, int64_t offset) {
    AX_CHECK_IN(ctx, a);
    char buf[AX_SHAPE_STR_CAP];
    if (ndim < 0 || (ndim > 0 && (!shape || !strides)))
        return ax__error(ctx, AX_ERR_SHAPE, "as_strided: invalid layout (ndim %d)", ndim);
    int64_t size;
    if (!ax__shape_size(shape, ndim, &size))
        return ax__error(ctx, AX_ERR_SHAPE, "as_strided: invalid shape %s",
                         ax__shape_str(shape, ndim, buf, sizeof buf));
    int64_t base, lo, hi;
    bool ovf = __builtin_add_overflow(a->offset, offset, &base);
    lo = hi = base;
    for (int i = 0; i < ndim && size > 0 && !ovf; i++) {
        int64_t ext;
        ovf |= __builtin_mul_overflow(shape[i] - 1, strides[i], &ext);
        if (ext < 0) ovf |= __builtin_add_overflow(lo, ext, &lo);
        else ovf |= __builtin_add_overflow(hi, ext, &hi);
    }
    int64_t n = buffer_elems(a);
    if (size > 0 && (ovf || lo < 0 || hi >= n))
        return ax__error(ctx, AX_ERR_VALUE,
                         "as_strided: shape %s with offset %lld reaches elements [%lld, %lld] "
                         "outside the %lld elements of the buffer of an array of shape %s",
                         ax__shape_str(shape, ndim, buf, sizeof buf), (long long)offset,
                         (long long)(lo - a->offset), (long long)(hi - a->offset),
                         (long long)n, AX_SHAPE(a));
    if (size == 0) base = a->offset;
    return view(ctx, AX_OP_AS_STRIDED, a, shape, strides, ndim, base);
}

ax_array *ax_contiguous(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    if (a->contiguous) return ax__own(ctx, ax_retain(a));
    return ax_copy(ctx, a);
}
