/* CPU kernels: index family (SLICE_UPDATE, TAKE, TAKE_ALONG_AXIS,
 * PUT_ALONG_AXIS, GATHER, SCATTER). Indices are validated before anything is
 * written; an index outside [-n, n) fails the kernel with AX_ERR_INDEX naming
 * the op, the index, the axis and its size (docs/indexing.md). The updating
 * ops may run in place on a donated input 0 (out aliases it exactly). */
#include <math.h>
#include <stdlib.h>

#include "backend/cpu/shape_util.h"
#include "ops/shape_params.h"

#define LOCAL_DIMS 16

static ax_status bad_index(ax_ctx *ctx, const char *op, int64_t v, int axis, int64_t n) {
    return ax__fail(ctx, AX_ERR_INDEX, "%s: index %lld is out of bounds for axis %d with size %lld",
                    op, (long long)v, axis, (long long)n);
}

/* Load every element of idx (any layout) row-major into dst, normalized for
 * an axis of size n; on a bad index, fail. */
static ax_status load_indices(ax_ctx *ctx, const char *op, const ax_array *idx, int axis,
                              int64_t n, int64_t *dst) {
    if (idx->size == 0) return AX_OK;
    int64_t local[LOCAL_DIMS];
    int64_t *pos = idx->ndim <= LOCAL_DIMS ? local : malloc(sizeof(int64_t) * (size_t)idx->ndim);
    if (!pos) return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", op);
    memset(pos, 0, sizeof(int64_t) * (size_t)idx->ndim);
    size_t is = ax_dtype_size(idx->dtype);
    const char *base = ax__ptr(idx);
    int64_t k = 0;
    ax_status st = AX_OK;
    do {
        int64_t off = 0;
        for (int d = 0; d < idx->ndim; d++) off += pos[d] * idx->strides[d];
        int64_t v = ax__shp_load_index(base + off * (int64_t)is, idx->dtype);
        if (!ax__shp_norm_index(v, n, &dst[k++])) {
            st = bad_index(ctx, op, v, axis, n);
            break;
        }
    } while (ax__shp_next(pos, idx->shape, idx->ndim));
    if (pos != local) free(pos);
    return st;
}

static int64_t *alloc_i64(ax_ctx *ctx, const char *op, int64_t n) {
    int64_t *p = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
    if (!p) ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", op);
    return p;
}

/* ---------------------------------------------------------------- slice_update */

static ax_status k_slice_update(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_slice_update_params *p = node->params;
    const ax_array *a = node->inputs[0], *u = node->inputs[1];
    ax_array *o = out[0];
    ax__shp_copy_input(o, a);
    if (u->size == 0) return AX_OK;
    int nd = o->ndim;
    int64_t local[LOCAL_DIMS];
    int64_t *st = nd <= LOCAL_DIMS ? local : alloc_i64(ctx, "slice_update", nd);
    if (!st) return AX_ERR_OOM;
    int64_t off = 0;
    for (int d = 0; d < nd; d++) {
        off += p->sl[d] * o->strides[d];
        st[d] = o->strides[d] * p->sl[nd + d];
    }
    size_t is = ax_dtype_size(o->dtype);
    ax__shp_copy(ax__ptr(o) + off * (int64_t)is, st, ax__ptr(u), u->strides, u->shape, nd, is, true);
    if (st != local) free(st);
    return AX_OK;
}

/* ---------------------------------------------------------------- take */

typedef struct take_job {
    const ax_array *a;
    ax_array *o;
    const int64_t *idx; /* normalized, row-major */
    int64_t nidx, inner;
    int ax;
    bool ref;
} take_job;

/* Row r of the output = (outer position r / nidx, index r % nidx): one block
 * a[pre, idx, ...] of shape a.shape[ax+1:]. */
static void take_rows(void *ud, int64_t begin, int64_t end) {
    const take_job *j = ud;
    const ax_array *a = j->a;
    size_t is = ax_dtype_size(a->dtype);
    int tail = a->ndim - j->ax - 1;
    const int64_t *tshape = a->shape + j->ax + 1;
    int64_t rm_local[LOCAL_DIMS];
    int64_t *rm = tail <= LOCAL_DIMS ? rm_local : malloc(sizeof(int64_t) * (size_t)tail);
    if (!rm) return;
    ax__row_major_strides(tshape, tail, rm);
    bool dense = ax__is_row_major(tshape, a->strides + j->ax + 1, tail);
    for (int64_t r = begin; r < end; r++) {
        int64_t pre = r / j->nidx, so = j->idx[r % j->nidx] * a->strides[j->ax];
        for (int d = j->ax - 1; d >= 0; d--) {
            so += (pre % a->shape[d]) * a->strides[d];
            pre /= a->shape[d];
        }
        const char *src = ax__ptr(a) + so * (int64_t)is;
        char *dst = ax__ptr(j->o) + r * j->inner * (int64_t)is;
        if (j->ref) ax__shp_copy_ref(dst, rm, src, a->strides + j->ax + 1, tshape, tail, is);
        else if (dense) memcpy(dst, src, (size_t)j->inner * is);
        else ax__shp_copy_fast(dst, rm, src, a->strides + j->ax + 1, tshape, tail, is, false);
    }
    if (rm != rm_local) free(rm);
}

static ax_status k_take(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1];
    int ax = (int)p->axis;
    int64_t *iv = alloc_i64(ctx, "take", idx->size);
    if (!iv) return AX_ERR_OOM;
    ax_status st = load_indices(ctx, "take", idx, ax, a->shape[ax], iv);
    if (st == AX_OK) {
        int64_t inner = 1, outer = 1;
        for (int d = ax + 1; d < a->ndim; d++) inner *= a->shape[d];
        for (int d = 0; d < ax; d++) outer *= a->shape[d];
        take_job j = {.a = a, .o = out[0], .idx = iv, .nidx = idx->size, .inner = inner, .ax = ax,
                      .ref = ax__cpu_use_reference()};
        int64_t rows = outer * idx->size;
        if (j.ref) take_rows(&j, 0, rows);
        else ax__parallel_for(rows, inner >= 1024 ? 1 : 1024 / inner, take_rows, &j);
    }
    free(iv);
    return st;
}

/* ---------------------------------------------------------------- along axis */

/* Stride of dims [from, to) of a layout seen as one dim, or false when they
 * do not merge (size-1 dims ignored; broadcast dims merge with stride 0). */
static bool merged_stride(const int64_t *shape, const int64_t *st, int from, int to,
                          int64_t *stride) {
    bool have = false;
    int64_t s = 0, next = 0;
    for (int d = to - 1; d >= from; d--) {
        if (shape[d] == 1) continue;
        if (have && st[d] != next) return false;
        if (!have) s = st[d];
        have = true;
        next = st[d] * shape[d];
    }
    *stride = s;
    return true;
}

/* Fast TAKE_ALONG_AXIS when the axes before and after `ax` each merge into
 * one dim for a and idx: out is (pre, L, post) row-major, split over `pre`
 * between threads. A bad index stops its (pre, l) row; the first bad row (in
 * row-major order) is rescanned afterwards for the message, so the report
 * does not depend on threading. */
typedef struct tal_job {
    const char *ab0, *ib0;
    char *ob0;
    size_t is, ids;
    ax_dtype it;
    int64_t L, post, n, sa_pre, sa_ax, sa_post, si_pre, si_ax, si_post;
    atomic_llong bad_row;
} tal_job;

/* Record row r as bad (keeping the smallest). */
static void tal_bad(tal_job *j, int64_t r) {
    long long cur = atomic_load(&j->bad_row);
    while (r < cur && !atomic_compare_exchange_weak(&j->bad_row, &cur, (long long)r)) {}
}

/* int64 indices, typed items: the common case, kept tight. */
#define TAL_TYPED(T)                                                                    \
    for (int64_t l = 0; l < j->L; l++) {                                                \
        const int64_t *ib = (const int64_t *)j->ib0 + pre * j->si_pre + l * j->si_ax;   \
        T *ob = (T *)j->ob0 + (pre * j->L + l) * j->post;                               \
        const T *ab = (const T *)j->ab0 + pre * j->sa_pre;                              \
        for (int64_t i = 0; i < j->post; i++) {                                         \
            int64_t v = ib[i * j->si_post];                                             \
            if (v < 0) v += j->n;                                                       \
            if ((uint64_t)v >= (uint64_t)j->n) {                                        \
                tal_bad(j, pre * j->L + l);                                             \
                break;                                                                  \
            }                                                                           \
            ob[i] = ab[v * j->sa_ax + i * j->sa_post];                                  \
        }                                                                               \
    }

static void tal_rows(void *ud, int64_t begin, int64_t end) {
    tal_job *j = ud;
    const size_t is = j->is, ids = j->ids;
    for (int64_t pre = begin; pre < end; pre++) {
        if (j->it == AX_INT64) {
            switch (is) {
            case 1: TAL_TYPED(uint8_t) continue;
            case 2: TAL_TYPED(uint16_t) continue;
            case 4: TAL_TYPED(uint32_t) continue;
            default: TAL_TYPED(uint64_t) continue;
            }
        }
        const char *ab = j->ab0 + pre * j->sa_pre * (int64_t)is;
        for (int64_t l = 0; l < j->L; l++) {
            int64_t r = pre * j->L + l;
            const char *ib = j->ib0 + (pre * j->si_pre + l * j->si_ax) * (int64_t)ids;
            char *ob = j->ob0 + r * j->post * (int64_t)is;
            for (int64_t i = 0; i < j->post; i++) {
                int64_t v = ax__shp_load_index(ib + i * j->si_post * (int64_t)ids, j->it), k;
                if (!ax__shp_norm_index(v, j->n, &k)) {
                    tal_bad(j, r);
                    break;
                }
                ax__shp_item(ob + i * (int64_t)is,
                             ab + (k * j->sa_ax + i * j->sa_post) * (int64_t)is, is);
            }
        }
    }
}
#undef TAL_TYPED

static bool tal_fast(ax_ctx *ctx, const ax_array *a, const ax_array *idx, ax_array *o, int ax,
                     ax_status *st) {
    int nd = o->ndim;
    tal_job j = {.ab0 = ax__ptr(a), .ib0 = ax__ptr(idx), .ob0 = ax__ptr(o),
                 .is = ax_dtype_size(o->dtype), .ids = ax_dtype_size(idx->dtype), .it = idx->dtype,
                 .L = o->shape[ax], .post = 1, .n = a->shape[ax],
                 .sa_ax = a->strides[ax], .si_ax = idx->strides[ax]};
    if (!merged_stride(a->shape, a->strides, 0, ax, &j.sa_pre) ||
        !merged_stride(a->shape, a->strides, ax + 1, nd, &j.sa_post) ||
        !merged_stride(idx->shape, idx->strides, 0, ax, &j.si_pre) ||
        !merged_stride(idx->shape, idx->strides, ax + 1, nd, &j.si_post))
        return false;
    int64_t pre = 1;
    for (int d = 0; d < ax; d++) pre *= o->shape[d];
    for (int d = ax + 1; d < nd; d++) j.post *= o->shape[d];
    atomic_init(&j.bad_row, INT64_MAX);
    int64_t row = j.L * j.post;
    ax__parallel_for(pre, row >= 4096 ? 1 : 4096 / (row ? row : 1), tal_rows, &j);
    *st = AX_OK;
    int64_t r = atomic_load(&j.bad_row);
    if (r != INT64_MAX) {
        int64_t pr = r / j.L, l = r % j.L;
        size_t ids = ax_dtype_size(idx->dtype);
        for (int64_t i = 0; i < j.post; i++) {
            int64_t v = ax__shp_load_index(ax__ptr(idx) + (pr * j.si_pre + l * j.si_ax + i * j.si_post) * (int64_t)ids, idx->dtype), k;
            if (!ax__shp_norm_index(v, j.n, &k)) {
                *st = bad_index(ctx, "take_along_axis", v, ax, j.n);
                break;
            }
        }
    }
    return true;
}

/* TAKE_ALONG_AXIS: a (broadcast to out's shape off the axis) and idx (out's
 * shape); out[p] = a[p with p[ax] = idx[p]]. The reference walks out
 * row-major with a multi-index. */
static ax_status k_take_along_axis(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1];
    ax_array *o = out[0];
    int nd = o->ndim, ax = (int)p->axis;
    ax_status fst;
    if (!ax__cpu_use_reference() && tal_fast(ctx, a, idx, o, ax, &fst)) return fst;
    int64_t n = a->shape[ax];
    size_t is = ax_dtype_size(o->dtype), ids = ax_dtype_size(idx->dtype);
    int64_t *pos = calloc((size_t)nd, sizeof(int64_t));
    if (!pos) return ax__fail(ctx, AX_ERR_OOM, "take_along_axis: out of host memory");
    char *dst = ax__ptr(o);
    int64_t k = 0;
    ax_status st = AX_OK;
    do {
        int64_t io = 0, so = 0;
        for (int d = 0; d < nd; d++) {
            io += pos[d] * idx->strides[d];
            if (d != ax) so += pos[d] * a->strides[d];
        }
        int64_t v = ax__shp_load_index(ax__ptr(idx) + io * (int64_t)ids, idx->dtype), i;
        if (!ax__shp_norm_index(v, n, &i)) {
            st = bad_index(ctx, "take_along_axis", v, ax, n);
            break;
        }
        so += i * a->strides[ax];
        ax__shp_item(dst + k++ * (int64_t)is, ax__ptr(a) + so * (int64_t)is, is);
    } while (ax__shp_next(pos, o->shape, nd));
    free(pos);
    return st;
}

/* PUT_ALONG_AXIS (a, idx, values), idx and values of shape B: out = a with
 * out[p'] = values[p], p' = p with p'[ax] = idx[p] and 0 on axes where a has
 * size 1. Row-major order over B: the last write wins. */
static ax_status k_put_along_axis(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1], *v = node->inputs[2];
    ax_array *o = out[0];
    int nd = o->ndim, ax = (int)p->axis;
    int64_t *iv = alloc_i64(ctx, "put_along_axis", idx->size);
    if (!iv) return AX_ERR_OOM;
    ax_status st = load_indices(ctx, "put_along_axis", idx, ax, a->shape[ax], iv);
    int64_t *pos = st == AX_OK ? calloc((size_t)nd + 1, sizeof(int64_t)) : NULL;
    if (st == AX_OK && !pos) st = ax__fail(ctx, AX_ERR_OOM, "put_along_axis: out of host memory");
    if (st == AX_OK) {
        ax__shp_copy_input(o, a);
        size_t is = ax_dtype_size(o->dtype);
        int64_t k = 0;
        if (idx->size) do {
            int64_t oo = iv[k++] * o->strides[ax], vo = 0;
            for (int d = 0; d < nd; d++) {
                vo += pos[d] * v->strides[d];
                if (d != ax && o->shape[d] != 1) oo += pos[d] * o->strides[d];
            }
            ax__shp_item(ax__ptr(o) + oo * (int64_t)is, ax__ptr(v) + vo * (int64_t)is, is);
        } while (ax__shp_next(pos, idx->shape, nd));
    }
    free(pos);
    free(iv);
    return st;
}

/* ---------------------------------------------------------------- gather / scatter */

/* Start positions in a for every point of B: starts[b * ndim + d]; indexed
 * axes from the index arrays (inputs 1..nidx), others 0. The slice sizes must
 * fit: start + size <= n. */
static ax_status gather_starts(ax_ctx *ctx, const char *op, const ax_node *node,
                               const int64_t *sizes, int64_t nb, int64_t **out_starts) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0];
    int nd = p->ndim;
    int64_t *starts = calloc((size_t)(nb > 0 ? nb : 1) * (size_t)(nd > 0 ? nd : 1), sizeof(int64_t));
    int64_t *tmp = alloc_i64(ctx, op, nb);
    if (!starts || !tmp) {
        free(starts);
        free(tmp);
        return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", op);
    }
    ax_status st = AX_OK;
    for (int i = 0; i < p->nidx && st == AX_OK; i++) {
        int axis = (int)p->v[i];
        int64_t n = a->shape[axis];
        st = load_indices(ctx, op, node->inputs[1 + i], axis, n, tmp);
        for (int64_t b = 0; st == AX_OK && b < nb; b++) {
            if (tmp[b] + sizes[axis] > n) {
                st = ax__fail(ctx, AX_ERR_INDEX, "%s: slice of size %lld at index %lld exceeds axis %d with size %lld",
                              op, (long long)sizes[axis], (long long)tmp[b], axis, (long long)n);
                break;
            }
            starts[b * nd + axis] = tmp[b];
        }
    }
    free(tmp);
    if (st != AX_OK) free(starts);
    else *out_starts = starts;
    return st;
}

typedef struct gather_job {
    const ax_array *a;
    ax_array *o;
    const int64_t *starts, *sizes, *rm;
    int64_t slice;
    int nd;
    bool ref, dense; /* dense: each slice is one contiguous run of a */
} gather_job;

static void gather_rows(void *ud, int64_t begin, int64_t end) {
    const gather_job *j = ud;
    const ax_array *a = j->a;
    size_t is = ax_dtype_size(a->dtype);
    for (int64_t b = begin; b < end; b++) {
        int64_t so = 0;
        for (int d = 0; d < j->nd; d++) so += j->starts[b * j->nd + d] * a->strides[d];
        const char *src = ax__ptr(a) + so * (int64_t)is;
        char *dst = ax__ptr(j->o) + b * j->slice * (int64_t)is;
        if (j->ref) ax__shp_copy_ref(dst, j->rm, src, a->strides, j->sizes, j->nd, is);
        else if (j->dense) memcpy(dst, src, (size_t)j->slice * is);
        else ax__shp_copy_fast(dst, j->rm, src, a->strides, j->sizes, j->nd, is, false);
    }
}

static ax_status k_gather(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0];
    ax_array *o = out[0];
    int nd = p->ndim;
    const int64_t *sizes = p->v + p->nidx;
    int64_t slice = 1;
    for (int d = 0; d < nd; d++) slice *= sizes[d];
    if (slice == 0) return AX_OK;
    int64_t nb = o->size / slice;
    int64_t *starts = NULL;
    ax_status st = gather_starts(ctx, "gather", node, sizes, nb, &starts);
    if (st != AX_OK) return st;
    int64_t *rm = alloc_i64(ctx, "gather", nd);
    if (!rm) {
        free(starts);
        return AX_ERR_OOM;
    }
    ax__row_major_strides(sizes, nd, rm);
    gather_job j = {.a = a, .o = o, .starts = starts, .sizes = sizes, .rm = rm, .slice = slice,
                    .nd = nd, .ref = ax__cpu_use_reference(),
                    .dense = ax__is_row_major(sizes, a->strides, nd)};
    if (j.ref) gather_rows(&j, 0, nb);
    else ax__parallel_for(nb, slice >= 1024 ? 1 : 1024 / slice, gather_rows, &j);
    free(rm);
    free(starts);
    return AX_OK;
}

/* Combine n items: dst[i] = f(dst[i], src[i]) for a scatter mode, per dtype.
 * Signed integers wrap (computed unsigned); floats propagate NaN in max/min
 * as NumPy's maximum/minimum; float16/bfloat16 round after each step; bool
 * add/max are OR, prod/min are AND. */
typedef struct combine_ud {
    ax_dtype t;
    int mode;
} combine_ud;

#define CMB_LOOP(T, EXPR)                                                  \
    for (int64_t i = 0; i < n; i++) {                                      \
        T *dp = (T *)(d + i * bs[0]);                                      \
        T x = *dp, y = *(const T *)(s + i * bs[1]);                        \
        (void)x;                                                           \
        *dp = (EXPR);                                                      \
    }
#define CMB_INT(T, U)                                                      \
    switch (mode) {                                                        \
    case AX_SCATTER_ADD: CMB_LOOP(T, (T)((U)x + (U)y)) break;              \
    case AX_SCATTER_PROD: CMB_LOOP(T, (T)((U)x * (U)y)) break;             \
    case AX_SCATTER_MAX: CMB_LOOP(T, y > x ? y : x) break;                 \
    case AX_SCATTER_MIN: CMB_LOOP(T, y < x ? y : x) break;                 \
    default: CMB_LOOP(T, y) break;                                         \
    }
#define CMB_FLOAT(T)                                                       \
    switch (mode) {                                                        \
    case AX_SCATTER_ADD: CMB_LOOP(T, x + y) break;                         \
    case AX_SCATTER_PROD: CMB_LOOP(T, x * y) break;                        \
    case AX_SCATTER_MAX: CMB_LOOP(T, (x != x || x > y) ? x : y) break;     \
    case AX_SCATTER_MIN: CMB_LOOP(T, (x != x || x < y) ? x : y) break;     \
    default: CMB_LOOP(T, y) break;                                         \
    }

static float cmb_f(float x, float y, int mode) {
    switch (mode) {
    case AX_SCATTER_ADD: return x + y;
    case AX_SCATTER_PROD: return x * y;
    case AX_SCATTER_MAX: return (x != x || x > y) ? x : y;
    case AX_SCATTER_MIN: return (x != x || x < y) ? x : y;
    default: return y;
    }
}

static void combine_run(char **p, const int64_t *bs, int64_t n, void *ud) {
    const combine_ud *c = ud;
    int mode = c->mode;
    char *d = p[0];
    const char *s = p[1];
    switch (c->t) {
    case AX_BOOL:
        switch (mode) {
        case AX_SCATTER_ADD:
        case AX_SCATTER_MAX: CMB_LOOP(uint8_t, (uint8_t)(x | y)) break;
        case AX_SCATTER_PROD:
        case AX_SCATTER_MIN: CMB_LOOP(uint8_t, (uint8_t)(x & y)) break;
        default: CMB_LOOP(uint8_t, y) break;
        }
        break;
    case AX_INT8: CMB_INT(int8_t, uint32_t) break;
    case AX_INT16: CMB_INT(int16_t, uint32_t) break;
    case AX_INT32: CMB_INT(int32_t, uint32_t) break;
    case AX_INT64: CMB_INT(int64_t, uint64_t) break;
    case AX_UINT8: CMB_INT(uint8_t, uint32_t) break;
    case AX_UINT16: CMB_INT(uint16_t, uint32_t) break;
    case AX_UINT32: CMB_INT(uint32_t, uint32_t) break;
    case AX_UINT64: CMB_INT(uint64_t, uint64_t) break;
    case AX_FLOAT32: CMB_FLOAT(float) break;
    case AX_FLOAT64: CMB_FLOAT(double) break;
    case AX_FLOAT16:
        CMB_LOOP(uint16_t, ax_f32_to_f16(cmb_f(ax_f16_to_f32(x), ax_f16_to_f32(y), mode)))
        break;
    case AX_BFLOAT16:
        CMB_LOOP(uint16_t, ax_f32_to_bf16(cmb_f(ax_bf16_to_f32(x), ax_bf16_to_f32(y), mode)))
        break;
    case AX_COMPLEX64:
        for (int64_t i = 0; i < n; i++) {
            ax_c64 *dp = (ax_c64 *)(d + i * bs[0]);
            ax_c64 x = *dp, y = *(const ax_c64 *)(s + i * bs[1]);
            if (mode == AX_SCATTER_ADD) *dp = (ax_c64){x.re + y.re, x.im + y.im};
            else if (mode == AX_SCATTER_PROD)
                *dp = (ax_c64){x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re};
            else *dp = y; /* max/min rejected when the op is built */
        }
        break;
    default: break;
    }
}
#undef CMB_LOOP
#undef CMB_INT
#undef CMB_FLOAT

/* SCATTER (a, idx_0..idx_{k-1}, updates): sequential over B in row-major
 * order, so duplicates accumulate (add/prod/max/min) or the last wins
 * (assign), deterministically. */
static ax_status k_scatter(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0], *u = node->inputs[node->n_inputs - 1];
    ax_array *o = out[0];
    int nd = p->ndim, und = u->ndim, bnd = und - nd;
    const int64_t *sizes = u->shape + bnd;
    int64_t slice = 1, nb = 1;
    for (int d = 0; d < nd; d++) slice *= sizes[d];
    for (int d = 0; d < bnd; d++) nb *= u->shape[d];
    int64_t *starts = NULL;
    ax_status st = AX_OK;
    if (slice && nb) st = gather_starts(ctx, "scatter", node, sizes, nb, &starts);
    if (st != AX_OK) return st;
    ax__shp_copy_input(o, a);
    if (!starts) return AX_OK;
    int64_t *bpos = calloc((size_t)bnd + 1, sizeof(int64_t));
    if (!bpos) {
        free(starts);
        return ax__fail(ctx, AX_ERR_OOM, "scatter: out of host memory");
    }
    bool ref = ax__cpu_use_reference();
    size_t is = ax_dtype_size(o->dtype);
    combine_ud c = {o->dtype, p->mode};
    char *base[2];
    const int64_t *strides[2] = {o->strides, u->strides + bnd};
    size_t items[2] = {is, is};
    int64_t *epos = ref ? calloc((size_t)nd + 1, sizeof(int64_t)) : NULL;
    if (ref && !epos) st = ax__fail(ctx, AX_ERR_OOM, "scatter: out of host memory");
    for (int64_t b = 0; st == AX_OK && b < nb; b++) {
        int64_t oo = 0, uo = 0;
        for (int d = 0; d < nd; d++) oo += starts[b * nd + d] * o->strides[d];
        for (int d = 0; d < bnd; d++) uo += bpos[d] * u->strides[d];
        base[0] = ax__ptr(o) + oo * (int64_t)is;
        base[1] = ax__ptr(u) + uo * (int64_t)is;
        if (!ref) {
            ax__cpu_loop(2, base, strides, items, sizes, nd, combine_run, &c, false);
        } else {
            /* one element at a time, walking the slice with a multi-index */
            memset(epos, 0, sizeof(int64_t) * ((size_t)nd + 1));
            const int64_t one[2] = {(int64_t)is, (int64_t)is};
            do {
                int64_t eo = 0, eu = 0;
                for (int d = 0; d < nd; d++) {
                    eo += epos[d] * o->strides[d];
                    eu += epos[d] * u->strides[bnd + d];
                }
                char *ptr[2] = {base[0] + eo * (int64_t)is, base[1] + eu * (int64_t)is};
                combine_run(ptr, one, 1, &c);
            } while (ax__shp_next(epos, sizes, nd));
        }
        ax__shp_next(bpos, u->shape, bnd);
    }
    free(epos);
    free(bpos);
    free(starts);
    return st;
}

void ax__cpu_register_index(ax_kernel *table) {
    table[AX_OP_SLICE_UPDATE] = k_slice_update;
    table[AX_OP_TAKE] = k_take;
    table[AX_OP_TAKE_ALONG_AXIS] = k_take_along_axis;
    table[AX_OP_PUT_ALONG_AXIS] = k_put_along_axis;
    table[AX_OP_GATHER] = k_gather;
    table[AX_OP_SCATTER] = k_scatter;
}
