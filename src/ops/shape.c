/* Data-movement shape ops: concatenate, stack, split, split_at, tile,
 * repeat, pad, roll, trace, tril, triu. Views live in view.c; tile, repeat,
 * roll, stack and split are composites of views and concatenate. */
#include <stdlib.h>

#include "core/internal.h"
#include "ops/shape_params.h"

#define LOCAL_DIMS 16

/* ---------------------------------------------------------------- concatenate */

ax_array *ax_concatenate(ax_ctx *ctx, ax_array *const *arrays, int n, int axis) {
    AX_CHECK_CTX(ctx);
    if (n <= 0 || !arrays)
        return ax__error(ctx, AX_ERR_VALUE, "concatenate: need at least one array (got %d)", n);
    for (int i = 0; i < n; i++)
        if (!arrays[i]) return ax__null_input(ctx, "concatenate");
    const ax_array *a0 = arrays[0];
    if (a0->ndim == 0)
        return ax__error(ctx, AX_ERR_SHAPE, "concatenate: zero-dimensional arrays cannot be concatenated");
    int ax;
    if (!ax__norm_axis(ctx, "concatenate", axis, a0->ndim, &ax)) return NULL;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        const ax_array *b = arrays[i];
        bool ok = b->ndim == a0->ndim;
        for (int d = 0; ok && d < b->ndim; d++) ok = d == ax || b->shape[d] == a0->shape[d];
        if (!ok)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "concatenate: array %d has shape %s, array 0 has shape %s (they must "
                             "match except on axis %d)",
                             i, AX_SHAPE(b), AX_SHAPE(a0), ax);
        if (__builtin_add_overflow(total, b->shape[ax], &total))
            return ax__error(ctx, AX_ERR_SHAPE, "concatenate: result is too large");
    }
    bool weak;
    ax_dtype dt = ax__result_type(arrays, n, &weak);
    ax_array **ins = malloc(sizeof *ins * (size_t)n);
    int64_t local[LOCAL_DIMS];
    int64_t *shape = a0->ndim <= LOCAL_DIMS ? local : malloc(sizeof(int64_t) * (size_t)a0->ndim);
    ax_array *out = NULL;
    if (!ins || !shape) {
        ax__error(ctx, AX_ERR_OOM, "concatenate: out of host memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        ins[i] = arrays[i]->dtype == dt ? arrays[i] : ax_astype(ctx, arrays[i], dt);
        if (!ins[i]) goto done;
    }
    memcpy(shape, a0->shape, sizeof(int64_t) * (size_t)a0->ndim);
    shape[ax] = total;
    ax_concat_params p;
    memset(&p, 0, sizeof p);
    p.axis = ax;
    out = ax__make_op(ctx, AX_OP_CONCATENATE, ins, n, &p, sizeof p, dt, shape, a0->ndim);
done:
    free(ins);
    if (shape != local) free(shape);
    return out;
}

ax_array *ax_stack(ax_ctx *ctx, ax_array *const *arrays, int n, int axis) {
    AX_CHECK_CTX(ctx);
    if (n <= 0 || !arrays)
        return ax__error(ctx, AX_ERR_VALUE, "stack: need at least one array (got %d)", n);
    for (int i = 0; i < n; i++)
        if (!arrays[i]) return ax__null_input(ctx, "stack");
    const ax_array *a0 = arrays[0];
    int ax;
    if (!ax__norm_axis(ctx, "stack", axis, a0->ndim + 1, &ax)) return NULL;
    for (int i = 1; i < n; i++)
        if (arrays[i]->ndim != a0->ndim ||
            memcmp(arrays[i]->shape, a0->shape, sizeof(int64_t) * (size_t)a0->ndim) != 0)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "stack: array %d has shape %s, array 0 has shape %s (all must match)",
                             i, AX_SHAPE(arrays[i]), AX_SHAPE(a0));
    ax_array **ex = malloc(sizeof *ex * (size_t)n);
    if (!ex) return ax__error(ctx, AX_ERR_OOM, "stack: out of host memory");
    ax_array *out = NULL;
    int i = 0;
    for (; i < n; i++)
        if (!(ex[i] = ax_expand_dims(ctx, arrays[i], &ax, 1))) break;
    if (i == n) out = ax_concatenate(ctx, ex, n, ax);
    free(ex);
    return out;
}

/* ---------------------------------------------------------------- split */

static ax_status split_args(ax_ctx *ctx, const char *op, ax_array *a, int axis, ax_array **out,
                            int nout, int *ax) {
    if (!ctx) return AX_ERR_NULL;
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "%s: output array list is NULL", op);
    for (int i = 0; i < nout; i++) out[i] = NULL;
    if (!a) {
        ax__null_input(ctx, op);
        return ctx->status;
    }
    if (!ax__norm_axis(ctx, op, axis, a->ndim, ax)) return ctx->status;
    return AX_OK;
}

ax_status ax_split(ax_ctx *ctx, ax_array *a, int sections, int axis, ax_array **out) {
    int ax;
    ax_status st = split_args(ctx, "split", a, axis, out, sections > 0 ? sections : 0, &ax);
    if (st != AX_OK) return st;
    if (sections <= 0)
        return ax__fail(ctx, AX_ERR_VALUE, "split: number of sections must be positive, got %d",
                        sections);
    int64_t n = a->shape[ax];
    if (n % sections != 0)
        return ax__fail(ctx, AX_ERR_VALUE,
                        "split: axis %d of shape %s (size %lld) does not divide into %d equal sections",
                        ax, AX_SHAPE(a), (long long)n, sections);
    int64_t len = n / sections;
    for (int i = 0; i < sections; i++) {
        out[i] = ax_slice_axis(ctx, a, ax, i * len, (i + 1) * len, 1);
        if (!out[i]) {
            for (int j = 0; j < i; j++) out[j] = NULL; /* the scope frees them */
            return ctx->status;
        }
    }
    return AX_OK;
}

ax_status ax_split_at(ax_ctx *ctx, ax_array *a, const int64_t *indices, int n, int axis,
                      ax_array **out) {
    int ax;
    ax_status st = split_args(ctx, "split_at", a, axis, out, n >= 0 ? n + 1 : 0, &ax);
    if (st != AX_OK) return st;
    if (n < 0 || (n > 0 && !indices))
        return ax__fail(ctx, AX_ERR_VALUE, "split_at: invalid index list (count %d)", n);
    /* piece i is a[indices[i-1]:indices[i]] along axis, with slice semantics
     * (so unsorted or out-of-range indices give empty pieces, as NumPy) */
    for (int i = 0; i <= n; i++) {
        int64_t lo = i == 0 ? 0 : indices[i - 1];
        int64_t hi = i == n ? AX_SLICE_NONE : indices[i];
        out[i] = ax_slice_axis(ctx, a, ax, lo, hi, 1);
        if (!out[i]) {
            for (int j = 0; j < i; j++) out[j] = NULL;
            return ctx->status;
        }
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- tile / repeat */

ax_array *ax_tile(ax_ctx *ctx, ax_array *a, const int64_t *reps, int nreps) {
    AX_CHECK_IN(ctx, a);
    if (nreps < 0 || (nreps > 0 && !reps))
        return ax__error(ctx, AX_ERR_VALUE, "tile: invalid repetitions (count %d)", nreps);
    for (int i = 0; i < nreps; i++)
        if (reps[i] < 0)
            return ax__error(ctx, AX_ERR_VALUE, "tile: negative repetition %lld at %d",
                             (long long)reps[i], i);
    int d = a->ndim > nreps ? a->ndim : nreps;
    int64_t local[LOCAL_DIMS * 5];
    int64_t *v = 5 * (size_t)d <= LOCAL_DIMS * 5 ? local : malloc(sizeof(int64_t) * 5 * (size_t)d + 1);
    if (!v) return ax__error(ctx, AX_ERR_OOM, "tile: out of host memory");
    int64_t *inter = v, *bshape = v + 2 * d, *fin = v + 4 * d;
    for (int i = 0; i < d; i++) {
        int64_t s = i < d - a->ndim ? 1 : a->shape[i - (d - a->ndim)];
        int64_t r = i < d - nreps ? 1 : reps[i - (d - nreps)];
        inter[2 * i] = 1;
        inter[2 * i + 1] = s;
        bshape[2 * i] = r;
        bshape[2 * i + 1] = s;
        fin[i] = r * s;
        if (s && r > INT64_MAX / s) {
            if (v != local) free(v);
            return ax__error(ctx, AX_ERR_SHAPE, "tile: result of tiling %s is too large", AX_SHAPE(a));
        }
    }
    ax_array *x = ax_reshape(ctx, a, inter, 2 * d);
    x = ax_broadcast_to(ctx, x, bshape, 2 * d);
    x = ax_reshape(ctx, x, fin, d);
    if (v != local) free(v);
    return x;
}

ax_array *ax_repeat(ax_ctx *ctx, ax_array *a, int64_t repeats, int axis) {
    AX_CHECK_IN(ctx, a);
    if (repeats < 0)
        return ax__error(ctx, AX_ERR_VALUE, "repeat: negative repeat count %lld", (long long)repeats);
    if (axis == AX_AXIS_NONE) {
        a = ax_reshape(ctx, a, (int64_t[]){-1}, 1);
        if (!a) return NULL;
        axis = 0;
    }
    int ax;
    if (!ax__norm_axis(ctx, "repeat", axis, a->ndim, &ax)) return NULL;
    if (a->shape[ax] && repeats > INT64_MAX / a->shape[ax])
        return ax__error(ctx, AX_ERR_SHAPE, "repeat: result is too large");
    int nd = a->ndim;
    int64_t local[LOCAL_DIMS * 2];
    int64_t *v = nd <= LOCAL_DIMS - 1 ? local : malloc(sizeof(int64_t) * (2 * (size_t)nd + 1));
    if (!v) return ax__error(ctx, AX_ERR_OOM, "repeat: out of host memory");
    int64_t *bshape = v, *fin = v + nd + 1;
    for (int i = 0, j = 0; i < nd; i++) {
        bshape[j++] = a->shape[i];
        if (i == ax) bshape[j++] = repeats;
        fin[i] = i == ax ? a->shape[i] * repeats : a->shape[i];
    }
    int at = ax + 1;
    ax_array *x = ax_expand_dims(ctx, a, &at, 1);
    x = ax_broadcast_to(ctx, x, bshape, nd + 1);
    x = ax_reshape(ctx, x, fin, nd);
    if (v != local) free(v);
    return x;
}

/* ---------------------------------------------------------------- pad */

ax_array *ax_pad(ax_ctx *ctx, ax_array *a, const int64_t *pad_width, ax_pad_mode mode,
                 double value) {
    AX_CHECK_IN(ctx, a);
    static const char *const names[] = {"constant", "edge", "reflect"};
    if ((unsigned)mode > AX_PAD_REFLECT)
        return ax__error(ctx, AX_ERR_VALUE, "pad: unknown mode %d", (int)mode);
    if (a->ndim > 0 && !pad_width) return ax__error(ctx, AX_ERR_NULL, "pad: pad_width is NULL");
    size_t psize = sizeof(ax_pad_params) + sizeof(int64_t) * 2 * (size_t)a->ndim;
    ax_pad_params *p = calloc(1, psize);
    int64_t *shape = malloc(sizeof(int64_t) * ((size_t)a->ndim + 1));
    ax_array *out = NULL;
    if (!p || !shape) {
        ax__error(ctx, AX_ERR_OOM, "pad: out of host memory");
        goto done;
    }
    p->mode = (int32_t)mode;
    p->ndim = a->ndim;
    p->value = mode == AX_PAD_CONSTANT ? value : 0.0;
    for (int i = 0; i < a->ndim; i++) {
        int64_t lo = pad_width[2 * i], hi = pad_width[2 * i + 1];
        if (lo < 0 || hi < 0) {
            ax__error(ctx, AX_ERR_VALUE, "pad: negative pad width (%lld, %lld) on axis %d",
                      (long long)lo, (long long)hi, i);
            goto done;
        }
        if (mode != AX_PAD_CONSTANT && a->shape[i] == 0 && (lo || hi)) {
            ax__error(ctx, AX_ERR_VALUE, "pad: cannot extend axis %d of size 0 of shape %s in %s mode",
                      i, AX_SHAPE(a), names[mode]);
            goto done;
        }
        if (__builtin_add_overflow(a->shape[i], lo, &shape[i]) ||
            __builtin_add_overflow(shape[i], hi, &shape[i])) {
            ax__error(ctx, AX_ERR_SHAPE, "pad: padded axis %d is too large", i);
            goto done;
        }
        p->widths[2 * i] = lo;
        p->widths[2 * i + 1] = hi;
    }
    out = ax__make_op(ctx, AX_OP_PAD, &a, 1, p, psize, a->dtype, shape, a->ndim);
done:
    free(p);
    free(shape);
    return out;
}

/* ---------------------------------------------------------------- roll */

/* Roll along one axis by s (any sign): two slices concatenated. */
static ax_array *roll_axis(ax_ctx *ctx, ax_array *a, int64_t s, int ax) {
    int64_t m = a->shape[ax];
    if (m == 0 || (s %= m) == 0) return ax__own(ctx, ax_retain(a));
    if (s < 0) s += m;
    ax_array *parts[2] = {ax_slice_axis(ctx, a, ax, m - s, AX_SLICE_NONE, 1),
                          ax_slice_axis(ctx, a, ax, 0, m - s, 1)};
    if (!parts[0] || !parts[1]) return NULL;
    return ax_concatenate(ctx, parts, 2, ax);
}

ax_array *ax_roll(ax_ctx *ctx, ax_array *a, const int64_t *shifts, const int *axes, int n) {
    AX_CHECK_IN(ctx, a);
    if (n <= 0 || !shifts)
        return ax__error(ctx, AX_ERR_VALUE, "roll: need at least one shift (got %d)", n);
    if (!axes) {
        if (n != 1)
            return ax__error(ctx, AX_ERR_VALUE, "roll: %d shifts given without axes (need 1)", n);
        ax_array *f = ax_reshape(ctx, a, (int64_t[]){-1}, 1);
        if (!f) return NULL;
        return ax_reshape(ctx, roll_axis(ctx, f, shifts[0], 0), a->shape, a->ndim);
    }
    int64_t local[LOCAL_DIMS];
    int64_t *acc = a->ndim <= LOCAL_DIMS ? local : calloc((size_t)a->ndim, sizeof(int64_t));
    if (!acc) return ax__error(ctx, AX_ERR_OOM, "roll: out of host memory");
    if (acc == local) memset(local, 0, sizeof local);
    ax_array *x = a;
    for (int i = 0; i < n; i++) {
        int ax;
        if (!ax__norm_axis(ctx, "roll", axes[i], a->ndim, &ax)) {
            x = NULL;
            break;
        }
        /* repeated axes add up (NumPy); reduce each shift first so the sum cannot overflow */
        int64_t m = a->shape[ax];
        if (m) acc[ax] = (acc[ax] + shifts[i] % m) % m;
    }
    for (int d = 0; x && d < a->ndim; d++)
        if (acc[d]) x = roll_axis(ctx, x, acc[d], d);
    if (x == a) x = ax__own(ctx, ax_retain(a));
    if (acc != local) free(acc);
    return x;
}

/* ---------------------------------------------------------------- triangles */

ax_array *ax_trace(ax_ctx *ctx, ax_array *a, int64_t offset, int axis1, int axis2) {
    AX_CHECK_IN(ctx, a);
    ax_array *d = ax_diagonal(ctx, a, offset, axis1, axis2);
    if (!d) return NULL;
    int last = -1;
    return ax_sum(ctx, d, &last, 1, false);
}

static ax_array *tri_op(ax_ctx *ctx, ax_op op, ax_array *a, int64_t k) {
    if (a->ndim < 2)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: array of shape %s has fewer than 2 axes",
                         ax__op_info[op].name, AX_SHAPE(a));
    ax_tri_params p;
    memset(&p, 0, sizeof p);
    p.k = k;
    return ax__make_op(ctx, op, &a, 1, &p, sizeof p, a->dtype, a->shape, a->ndim);
}

ax_array *ax_tril(ax_ctx *ctx, ax_array *a, int64_t k) {
    AX_CHECK_IN(ctx, a);
    return tri_op(ctx, AX_OP_TRIL, a, k);
}

ax_array *ax_triu(ax_ctx *ctx, ax_array *a, int64_t k) {
    AX_CHECK_IN(ctx, a);
    return tri_op(ctx, AX_OP_TRIU, a, k);
}
