/* CUDA kernels: index family (see cuda.h): CONCATENATE, PAD, TRIL, TRIU,
 * SLICE_UPDATE, TAKE, TAKE_ALONG_AXIS, PUT_ALONG_AXIS, GATHER, SCATTER.
 * The views (RESHAPE, TRANSPOSE, BROADCAST_TO, SLICE, AS_STRIDED) have no
 * kernel: eval shares the buffer.
 *
 * Semantics are the CPU's (src/backend/cpu/shape.c, index.c), bit for bit:
 * the ops move items (every dtype, by item size), and scatter combines
 * updates in the CPU's order or by order-free operations (kernels/index.h),
 * so every dtype and mode gives the CPU's bits, deterministically. A long
 * run of float updates onto one target folds on one thread (sequential, as
 * the CPU's rounding order requires).
 *
 * Index errors: the CPU fails with AX_ERR_INDEX naming the first bad index
 * in its order. The GPU kernels record the smallest bad position in a device
 * word; the C side reads it back after the launch (cudaMemcpyAsync +
 * cudaStreamSynchronize on the node's stream), reads that index element and
 * fails with the CPU's message. So every op that takes index arrays waits
 * for its stream once. On a failure an output may be partly written; it is
 * released by eval (a donated input is unreachable by then).
 *
 * Declines (the CPU runs the node): a layout needing more than
 * AX_CU_MAX_DIMS dims after merging dims (PAD: more than AX_CU_MAX_DIMS
 * dims; it does not merge), more than AX_CU_IDX_MAX_ARRAYS
 * index arrays in a gather / scatter, and gather / scatter error keys that
 * would not fit in 63 bits (more than ~2^58 index positions). */
#include <string.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/index.h"
#include "ops/shape_params.h"

#define MAXD AX_CU_IDX_DIMS
#define RAWD (2 * AX_MAX_NDIM + 2) /* dims before merging (e.g. B + slice) */

/* ---------------------------------------------------------------- helpers */

/* Merge adjacent dims (row-major order) wherever every stride array allows,
 * and drop size-1 dims. Returns the new count. */
static int coalesce(int nd, int64_t *shape, int nstr, int64_t *const *str) {
    int k = 0;
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1) continue;
        bool merge = k > 0;
        for (int s = 0; merge && s < nstr; s++) merge = str[s][k - 1] == str[s][d] * shape[d];
        if (merge) {
            shape[k - 1] *= shape[d];
            for (int s = 0; s < nstr; s++) str[s][k - 1] = str[s][d];
        } else {
            shape[k] = shape[d];
            for (int s = 0; s < nstr; s++) str[s][k] = str[s][d];
            k++;
        }
    }
    return k;
}

/* Row-major linear position `lin` of shape, dotted with strides. */
static int64_t pos_offset(int64_t lin, int nd, const int64_t *shape, const int64_t *strides) {
    int64_t off = 0;
    for (int d = nd - 1; d >= 0; d--) {
        off += (lin % shape[d]) * strides[d];
        lin /= shape[d];
    }
    return off;
}

/* Largest widening w (items of w * is bytes, at most 16) that keeps the
 * contiguous last dim (stride 1 in every array) whole and every other
 * stride and every pointer aligned. 1 if none. */
static int64_t widen_factor(int nd, const int64_t *shape, int nstr, int64_t *const *str,
                            int nptr, const void *const *ptr, int64_t extra_stride, int is) {
    if (nd == 0 || is >= 16) return 1;
    for (int s = 0; s < nstr; s++)
        if (str[s][nd - 1] != 1) return 1;
    for (int64_t w = 16 / is; w > 1; w /= 2) {
        bool ok = shape[nd - 1] % w == 0 && extra_stride % w == 0;
        for (int i = 0; ok && i < nptr; i++) ok = (uintptr_t)ptr[i] % (uintptr_t)(w * is) == 0;
        for (int s = 0; ok && s < nstr; s++)
            for (int d = 0; ok && d < nd - 1; d++) ok = str[s][d] % w == 0;
        if (ok) return w;
    }
    return 1;
}

static void apply_widen(int64_t w, int nd, int64_t *shape, int nstr, int64_t *const *str) {
    shape[nd - 1] /= w;
    for (int s = 0; s < nstr; s++)
        for (int d = 0; d < nd - 1; d++) str[s][d] /= w;
}

static int64_t gcd64(int64_t a, int64_t b) {
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A copy of `shape` items between strided layouts: merged, widened. False
 * when the layout needs more than MAXD dims. */
static bool copy_desc(ax_cu_copy *c, void *dst, const int64_t *dst_str, const void *src,
                      const int64_t *src_str, const int64_t *shape, int nd, int is) {
    if (nd > RAWD) return false;
    memset(c, 0, sizeof *c);
    int64_t sh[RAWD], ds[RAWD], ss[RAWD], size = 1;
    for (int d = 0; d < nd; d++) {
        sh[d] = shape[d];
        ds[d] = dst_str[d];
        ss[d] = src_str[d];
        size *= shape[d];
    }
    int64_t *strs[2] = {ds, ss};
    nd = coalesce(nd, sh, 2, strs);
    if (nd > MAXD) return false;
    const void *ptrs[2] = {dst, src};
    int64_t w = widen_factor(nd, sh, 2, strs, 2, ptrs, 0, is);
    if (w > 1) apply_widen(w, nd, sh, 2, strs);
    c->dst = dst;
    c->src = src;
    c->ndim = nd;
    c->itemsize = (int)(is * w);
    c->size = size / w;
    memcpy(c->shape, sh, sizeof(int64_t) * (size_t)nd);
    memcpy(c->dst_str, ds, sizeof(int64_t) * (size_t)nd);
    memcpy(c->src_str, ss, sizeof(int64_t) * (size_t)nd);
    return true;
}

/* out := in (same shape), unless out already is in (a donated buffer). */
static bool copy_input_desc(ax_cu_copy *c, const ax_array *out, const ax_array *in, bool *skip) {
    *skip = out->size == 0 || ax__dptr(out) == ax__dptr(in);
    if (*skip) return true;
    return copy_desc(c, ax__dptr(out), out->strides, ax__dptr(in), in->strides, in->shape,
                     in->ndim, (int)ax_dtype_size(in->dtype));
}

static ax_status run_copy(ax_ctx *ctx, const ax_cu_copy *c, const char *op) {
    return ax__cuda_check(ctx, ax_cu_index_copy(c, ax__cuda_stream()), op);
}

/* The error word: a device uint64 set to all ones, lowered by the kernels. */
static ax_status bad_new(ax_ctx *ctx, const char *op, unsigned long long **out) {
    unsigned long long *b = ax__cuda_malloc(ctx, sizeof *b, op);
    if (!b) return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    ax_status st =
        ax__cuda_check(ctx, cudaMemsetAsync(b, 0xff, sizeof *b, ax__cuda_stream()), op);
    if (st != AX_OK) {
        ax__cuda_free(b);
        return st;
    }
    *out = b;
    return AX_OK;
}

/* Read the error word back (waits for the stream) and free it. */
static ax_status bad_read(ax_ctx *ctx, unsigned long long *b, unsigned long long *v,
                          const char *op) {
    cudaStream_t s = ax__cuda_stream();
    ax_status st = ax__cuda_check(ctx, cudaMemcpyAsync(v, b, sizeof *v, cudaMemcpyDeviceToHost, s), op);
    if (st == AX_OK) st = ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    ax__cuda_free(b);
    return st;
}

/* Element `off` (in items) of index array idx, read from the device and
 * loaded as the CPU's ax__shp_load_index does. */
static ax_status read_index(ax_ctx *ctx, const ax_array *idx, int64_t off, int64_t *v,
                            const char *op) {
    unsigned char item[8] = {0};
    size_t is = ax_dtype_size(idx->dtype);
    cudaStream_t s = ax__cuda_stream();
    ax_status st = ax__cuda_check(
        ctx, cudaMemcpyAsync(item, ax__dptr(idx) + off * (int64_t)is, is, cudaMemcpyDeviceToHost, s), op);
    if (st == AX_OK) st = ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    if (st != AX_OK) return st;
    if (idx->dtype == AX_UINT64) {
        uint64_t u;
        memcpy(&u, item, 8);
        *v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    } else {
        *v = ax__load_i64(item, idx->dtype);
    }
    return AX_OK;
}

static ax_status bad_index(ax_ctx *ctx, const char *op, int64_t v, int axis, int64_t n) {
    return ax__fail(ctx, AX_ERR_INDEX, "%s: index %lld is out of bounds for axis %d with size %lld",
                    op, (long long)v, axis, (long long)n);
}

/* ---------------------------------------------------------------- concatenate */

static ax_status k_concatenate(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_concat_params *p = node->params;
    ax_array *o = outs[0];
    int is = (int)ax_dtype_size(o->dtype);
    ax_cu_copy c;
    /* pass 0 checks every layout (a decline must come before any write) */
    for (int pass = 0; pass < 2; pass++) {
        int64_t at = 0;
        for (int i = 0; i < node->n_inputs; i++) {
            const ax_array *in = node->inputs[i];
            if (in->size) {
                char *dst = ax__dptr(o) + at * o->strides[p->axis] * (int64_t)is;
                if (!copy_desc(&c, dst, o->strides, ax__dptr(in), in->strides, in->shape, in->ndim, is))
                    return AX__DECLINE;
                if (pass == 1) {
                    ax_status st = run_copy(ctx, &c, "concatenate");
                    if (st != AX_OK) return st;
                }
            }
            at += in->shape[p->axis];
        }
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- pad */

static ax_status k_pad(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_pad_params *p = node->params;
    const ax_array *a = node->inputs[0];
    ax_array *o = outs[0];
    int is = (int)ax_dtype_size(o->dtype);
    bool none = true;
    for (int i = 0; i < 2 * o->ndim; i++) none &= p->widths[i] == 0;
    if (none) { /* nothing padded (or 0-d): a copy */
        ax_cu_copy c;
        if (!copy_desc(&c, ax__dptr(o), o->strides, ax__dptr(a), a->strides, a->shape, a->ndim, is))
            return AX__DECLINE;
        return run_copy(ctx, &c, "pad");
    }
    if (o->ndim > MAXD) return AX__DECLINE;
    ax_cu_pad d;
    memset(&d, 0, sizeof d);
    d.out = ax__dptr(o);
    d.in = ax__dptr(a);
    d.ndim = o->ndim;
    d.itemsize = is;
    d.mode = p->mode;
    d.size = o->size;
    unsigned char item[8] = {0};
    if (ax_dtype_is_complex(o->dtype)) ax__store_c(item, o->dtype, p->value, 0.0);
    else ax__store_f64(item, o->dtype, p->value);
    memcpy(&d.value, item, 8);
    for (int i = 0; i < o->ndim; i++) {
        d.oshape[i] = o->shape[i];
        d.ishape[i] = a->shape[i];
        d.istr[i] = a->strides[i];
        d.lo[i] = p->widths[2 * i];
    }
    return ax__cuda_check(ctx, ax_cu_index_pad(&d, ax__cuda_stream()), "pad");
}

/* ---------------------------------------------------------------- tril / triu */

static ax_status k_tri(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, bool upper) {
    const ax_tri_params *p = node->params;
    const ax_array *a = node->inputs[0];
    ax_array *o = outs[0];
    int nd = o->ndim;
    if (nd < 2 || nd > RAWD) return AX__DECLINE;
    ax_cu_tri t;
    memset(&t, 0, sizeof t);
    t.n = o->shape[nd - 2];
    t.m = o->shape[nd - 1];
    t.k = p->k; /* clamped as the CPU does; the kept set is the same */
    if (t.k > t.m) t.k = t.m;
    if (t.k < -t.n - 1) t.k = -t.n - 1;
    int64_t sh[RAWD], st[RAWD];
    for (int d = 0; d < nd; d++) {
        sh[d] = o->shape[d];
        st[d] = a->strides[d];
    }
    int64_t *strs[1] = {st};
    nd = coalesce(nd, sh, 1, strs);
    if (nd > MAXD) return AX__DECLINE;
    t.out = ax__dptr(o);
    t.in = ax__dptr(a);
    t.ndim = nd;
    t.itemsize = (int)ax_dtype_size(o->dtype);
    t.upper = upper;
    t.size = o->size;
    memcpy(t.shape, sh, sizeof(int64_t) * (size_t)nd);
    memcpy(t.istr, st, sizeof(int64_t) * (size_t)nd);
    return ax__cuda_check(ctx, ax_cu_index_tri(&t, ax__cuda_stream()), upper ? "triu" : "tril");
}

static ax_status k_tril(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    return k_tri(ctx, node, outs, false);
}
static ax_status k_triu(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    return k_tri(ctx, node, outs, true);
}

/* ---------------------------------------------------------------- slice_update */

static ax_status k_slice_update(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_slice_update_params *p = node->params;
    const ax_array *a = node->inputs[0], *u = node->inputs[1];
    ax_array *o = outs[0];
    int nd = o->ndim, is = (int)ax_dtype_size(o->dtype);
    if (nd > RAWD) return AX__DECLINE;
    ax_cu_copy ca, cu;
    bool skip;
    if (!copy_input_desc(&ca, o, a, &skip)) return AX__DECLINE;
    if (u->size) {
        int64_t off = 0, st[RAWD];
        for (int d = 0; d < nd; d++) {
            off += p->sl[d] * o->strides[d];
            st[d] = o->strides[d] * p->sl[nd + d];
        }
        if (!copy_desc(&cu, ax__dptr(o) + off * is, st, ax__dptr(u), u->strides, u->shape, nd, is))
            return AX__DECLINE;
    }
    ax_status s = skip ? AX_OK : run_copy(ctx, &ca, "slice_update");
    if (s == AX_OK && u->size) s = run_copy(ctx, &cu, "slice_update");
    return s;
}

/* ---------------------------------------------------------------- take, take_along_axis */

/* Run a take descriptor whose raw dims are sh/as/is (nd of them), then
 * report the first bad index as the CPU does (the smallest output position
 * holds the first bad index in the CPU's order for both ops). */
static ax_status run_take(ax_ctx *ctx, const char *op, ax_array *o, const ax_array *a,
                          const ax_array *idx, int ax, int nd, int64_t *sh, int64_t *as,
                          int64_t *ist) {
    ax_cu_take t;
    memset(&t, 0, sizeof t);
    int64_t *strs[2] = {as, ist};
    nd = coalesce(nd, sh, 2, strs);
    if (nd > MAXD) return AX__DECLINE;
    int is = (int)ax_dtype_size(o->dtype);
    t.ax_str = a->strides[ax];
    t.n = a->shape[ax];
    /* widen over the contiguous tail of a (not indexed: stride 0 in idx) */
    int64_t w = 1;
    if (nd > 0 && ist[nd - 1] == 0) {
        const void *ptrs[2] = {ax__dptr(o), ax__dptr(a)};
        w = widen_factor(nd, sh, 1, strs, 2, ptrs, t.ax_str, is);
        if (w > 1) {
            apply_widen(w, nd, sh, 1, strs);
            t.ax_str /= w;
        }
    }
    t.out = ax__dptr(o);
    t.a = ax__dptr(a);
    t.idx = ax__dptr(idx);
    t.ndim = nd;
    t.itemsize = (int)(is * w);
    t.idx_dtype = idx->dtype;
    t.size = o->size / w;
    memcpy(t.shape, sh, sizeof(int64_t) * (size_t)nd);
    memcpy(t.astr, as, sizeof(int64_t) * (size_t)nd);
    memcpy(t.istr, ist, sizeof(int64_t) * (size_t)nd);
    ax_status st = bad_new(ctx, op, &t.bad);
    if (st != AX_OK) return st;
    st = ax__cuda_check(ctx, ax_cu_index_take(&t, ax__cuda_stream()), op);
    unsigned long long bad = ~0ull;
    ax_status rs = bad_read(ctx, t.bad, &bad, op);
    if (st != AX_OK) return st;
    if (rs != AX_OK) return rs;
    if (bad == ~0ull) return AX_OK;
    int64_t v;
    st = read_index(ctx, idx, pos_offset((int64_t)bad, nd, t.shape, t.istr), &v, op);
    if (st != AX_OK) return st;
    return bad_index(ctx, op, v, ax, t.n);
}

static ax_status k_take(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1];
    int ax = (int)p->axis, nd = 0;
    int64_t sh[RAWD], as[RAWD], ist[RAWD];
    if (a->ndim - 1 + idx->ndim > RAWD) return AX__DECLINE;
    /* out = a[:ax] + idx + a[ax+1:], each dim striding a or idx */
    for (int d = 0; d < ax; d++, nd++) {
        sh[nd] = a->shape[d];
        as[nd] = a->strides[d];
        ist[nd] = 0;
    }
    for (int d = 0; d < idx->ndim; d++, nd++) {
        sh[nd] = idx->shape[d];
        as[nd] = 0;
        ist[nd] = idx->strides[d];
    }
    for (int d = ax + 1; d < a->ndim; d++, nd++) {
        sh[nd] = a->shape[d];
        as[nd] = a->strides[d];
        ist[nd] = 0;
    }
    return run_take(ctx, "take", outs[0], a, idx, ax, nd, sh, as, ist);
}

static ax_status k_take_along_axis(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1];
    ax_array *o = outs[0];
    int ax = (int)p->axis, nd = o->ndim;
    if (nd > RAWD) return AX__DECLINE;
    int64_t sh[RAWD], as[RAWD], ist[RAWD];
    for (int d = 0; d < nd; d++) {
        sh[d] = o->shape[d];
        as[d] = d == ax ? 0 : a->strides[d];
        ist[d] = idx->strides[d];
    }
    return run_take(ctx, "take_along_axis", o, a, idx, ax, nd, sh, as, ist);
}

/* ---------------------------------------------------------------- gather */

/* Decode an error key (2 i + kind) * nb + b and fail as the CPU does. */
static ax_status report_key(ax_ctx *ctx, const char *op, unsigned long long key, int64_t nb,
                            const ax_node *node, const int64_t *sizes) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0];
    int64_t q = (int64_t)(key / (unsigned long long)nb), b = (int64_t)(key % (unsigned long long)nb);
    int i = (int)(q / 2), kind = (int)(q % 2);
    int axis = (int)p->v[i];
    int64_t n = a->shape[axis], v;
    const ax_array *idx = node->inputs[1 + i];
    ax_status st = read_index(ctx, idx, pos_offset(b, idx->ndim, idx->shape, idx->strides), &v, op);
    if (st != AX_OK) return st;
    if (kind == 0) return bad_index(ctx, op, v, axis, n);
    if (v < 0) v += n;
    return ax__fail(ctx, AX_ERR_INDEX, "%s: slice of size %lld at index %lld exceeds axis %d with size %lld",
                    op, (long long)sizes[axis], (long long)v, axis, (long long)n);
}

/* Index arrays 1..nidx of the node, over B (bnd dims, shape bshape), merged
 * into bshape / istr; false if they need more than MAXD dims. */
static bool index_dims(const ax_node *node, int nidx, const int64_t *bshape, int bnd,
                       int64_t *sh, int64_t (*istr)[AX_CU_IDX_DIMS], int *out_nd) {
    int64_t raw[AX_CU_IDX_MAX_ARRAYS][RAWD];
    int64_t *strs[AX_CU_IDX_MAX_ARRAYS] = {0};
    for (int d = 0; d < bnd; d++) sh[d] = bshape[d];
    for (int i = 0; i < nidx; i++) {
        const ax_array *idx = node->inputs[1 + i];
        for (int d = 0; d < bnd; d++) raw[i][d] = idx->strides[d];
        strs[i] = raw[i];
    }
    int nd = coalesce(bnd, sh, nidx, strs);
    if (nd > MAXD) return false;
    for (int i = 0; i < nidx; i++) memcpy(istr[i], raw[i], sizeof(int64_t) * (size_t)nd);
    *out_nd = nd;
    return true;
}

static ax_status k_gather(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0];
    ax_array *o = outs[0];
    int nd = p->ndim, nidx = p->nidx, bnd = o->ndim - nd;
    const int64_t *sizes = p->v + nidx;
    int64_t slice = 1;
    for (int d = 0; d < nd; d++) slice *= sizes[d];
    if (slice == 0 || o->size == 0) return AX_OK; /* the CPU checks nothing either */
    if (nidx > AX_CU_IDX_MAX_ARRAYS || nd > RAWD || bnd > RAWD) return AX__DECLINE;
    int64_t nb = o->size / slice;
    if (nb > (INT64_MAX - nb) / (2 * nidx + 1)) return AX__DECLINE;
    ax_cu_gather g;
    memset(&g, 0, sizeof g);
    int64_t sh[RAWD], st[RAWD];
    for (int d = 0; d < nd; d++) {
        sh[d] = sizes[d];
        st[d] = a->strides[d];
    }
    int64_t *strs[1] = {st};
    int end = coalesce(nd, sh, 1, strs);
    if (end > MAXD) return AX__DECLINE;
    g.endim = end;
    memcpy(g.eshape, sh, sizeof(int64_t) * (size_t)end);
    memcpy(g.estr, st, sizeof(int64_t) * (size_t)end);
    if (!index_dims(node, nidx, o->shape, bnd, sh, g.istr, &g.bndim)) return AX__DECLINE;
    memcpy(g.bshape, sh, sizeof(int64_t) * (size_t)g.bndim);
    for (int i = 0; i < nidx; i++) {
        int axis = (int)p->v[i];
        g.idx[i] = ax__dptr(node->inputs[1 + i]);
        g.idx_dtype[i] = node->inputs[1 + i]->dtype;
        g.ax_n[i] = a->shape[axis];
        g.ax_str[i] = a->strides[axis];
        g.ax_lim[i] = sizes[axis];
    }
    g.out = ax__dptr(o);
    g.a = ax__dptr(a);
    g.itemsize = (int)ax_dtype_size(o->dtype);
    g.nidx = nidx;
    g.size = o->size;
    g.slice = slice;
    g.nb = nb;
    /* widen the contiguous tail of the slices when every start keeps the
     * alignment (an indexed last axis, stride 1, never does) */
    int64_t gs = 0;
    for (int i = 0; i < nidx; i++) gs = gcd64(gs, g.ax_str[i] < 0 ? -g.ax_str[i] : g.ax_str[i]);
    if (g.endim > 0) {
        int64_t *es[1] = {g.estr};
        const void *ptrs[2] = {g.out, g.a};
        int64_t w = widen_factor(g.endim, g.eshape, 1, es, 2, ptrs, gs, g.itemsize);
        if (w > 1) {
            apply_widen(w, g.endim, g.eshape, 1, es);
            for (int i = 0; i < nidx; i++) g.ax_str[i] /= w;
            g.slice /= w;
            g.size /= w;
            g.itemsize *= (int)w;
        }
    }
    ax_status s = bad_new(ctx, "gather", &g.bad);
    if (s != AX_OK) return s;
    s = ax__cuda_check(ctx, ax_cu_index_gather(&g, ax__cuda_stream()), "gather");
    unsigned long long bad = ~0ull;
    ax_status rs = bad_read(ctx, g.bad, &bad, "gather");
    if (s != AX_OK) return s;
    if (rs != AX_OK) return rs;
    if (bad == ~0ull) return AX_OK;
    return report_key(ctx, "gather", bad, nb, node, sizes);
}

/* ---------------------------------------------------------------- scatter, put_along_axis */

/* The shared tail of SCATTER and PUT_ALONG_AXIS: merge s's raw dims (sh,
 * ost, ust and the index strides raw_istr), then run `init` (a into out,
 * unless NULL) and the scatter. *bad gets the smallest error key (all ones
 * if none). Declines only before anything is queued. */
static ax_status run_scatter(ax_ctx *ctx, const char *op, ax_cu_scatter *s, int nd, int64_t *sh,
                             int64_t *ost, int64_t *ust, int64_t (*raw_istr)[RAWD],
                             const ax_cu_copy *init, unsigned long long *bad) {
    *bad = ~0ull;
    int64_t *strs[2 + AX_CU_IDX_MAX_ARRAYS] = {ost, ust};
    for (int i = 0; i < s->nidx; i++) strs[2 + i] = raw_istr[i];
    nd = coalesce(nd, sh, 2 + s->nidx, strs);
    if (nd > MAXD) return AX__DECLINE;
    s->ndim = nd;
    memcpy(s->shape, sh, sizeof(int64_t) * (size_t)nd);
    memcpy(s->ostr, ost, sizeof(int64_t) * (size_t)nd);
    memcpy(s->ustr, ust, sizeof(int64_t) * (size_t)nd);
    for (int i = 0; i < s->nidx; i++) memcpy(s->istr[i], raw_istr[i], sizeof(int64_t) * (size_t)nd);
    if (s->n == 0) return init ? run_copy(ctx, init, op) : AX_OK;
    size_t ws = ax_cu_index_scatter_workspace(s);
    if (ws == 0) return ax__fail(ctx, AX_ERR_INTERNAL, "%s: sort workspace query failed", op);
    void *work = ax__cuda_malloc(ctx, ws, op);
    if (!work) return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    ax_status st = bad_new(ctx, op, &s->bad);
    if (st != AX_OK) {
        ax__cuda_free(work);
        return st;
    }
    if (init) st = run_copy(ctx, init, op);
    if (st == AX_OK) st = ax__cuda_check(ctx, ax_cu_index_scatter(s, work, ws, ax__cuda_stream()), op);
    ax_status rs = bad_read(ctx, s->bad, bad, op);
    ax__cuda_free(work);
    return st != AX_OK ? st : rs;
}

/* PUT_ALONG_AXIS (a, idx, values), idx and values over B: update p of B goes
 * to out[p with p[ax] = idx[p], 0 where a has size 1]; the last wins. */
static ax_status k_put_along_axis(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_axis_params *p = node->params;
    const ax_array *a = node->inputs[0], *idx = node->inputs[1], *v = node->inputs[2];
    ax_array *o = outs[0];
    int nd = o->ndim, ax = (int)p->axis;
    if (nd > RAWD) return AX__DECLINE;
    ax_cu_copy init;
    bool skip;
    if (!copy_input_desc(&init, o, a, &skip)) return AX__DECLINE;
    ax_cu_scatter s;
    memset(&s, 0, sizeof s);
    int64_t sh[RAWD], ost[RAWD], ust[RAWD], ist[1][RAWD];
    for (int d = 0; d < nd; d++) {
        sh[d] = idx->shape[d];
        ost[d] = d != ax && o->shape[d] != 1 ? o->strides[d] : 0;
        ust[d] = v->strides[d];
        ist[0][d] = idx->strides[d];
    }
    s.out = ax__dptr(o);
    s.u = ax__dptr(v);
    s.dtype = o->dtype;
    s.mode = AX_SCATTER_ASSIGN;
    s.nidx = 1;
    s.n = idx->size;
    s.slice = 1;
    s.nb = idx->size;
    s.out_size = o->size;
    s.idx[0] = ax__dptr(idx);
    s.idx_dtype[0] = idx->dtype;
    s.ax_n[0] = a->shape[ax];
    s.ax_str[0] = o->strides[ax];
    s.ax_lim[0] = 1; /* a valid start never runs past the axis */
    unsigned long long bad;
    ax_status st = run_scatter(ctx, "put_along_axis", &s, nd, sh, ost, ust, ist,
                               skip ? NULL : &init, &bad);
    if (st != AX_OK || bad == ~0ull) return st;
    int64_t val;
    st = read_index(ctx, idx, pos_offset((int64_t)bad, idx->ndim, idx->shape, idx->strides), &val,
                    "put_along_axis");
    if (st != AX_OK) return st;
    return bad_index(ctx, "put_along_axis", val, ax, a->shape[ax]);
}

/* SCATTER (a, idx_0..idx_{k-1}, updates): updates over B + slice; update
 * (b, e) combines into out[start_b + e]. */
static ax_status k_scatter(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_gather_params *p = node->params;
    const ax_array *a = node->inputs[0], *u = node->inputs[node->n_inputs - 1];
    ax_array *o = outs[0];
    int nd = p->ndim, nidx = p->nidx, und = u->ndim, bnd = und - nd;
    const int64_t *sizes = u->shape + bnd;
    if (nidx > AX_CU_IDX_MAX_ARRAYS || und > RAWD) return AX__DECLINE;
    int64_t slice = 1, nb = 1;
    for (int d = 0; d < nd; d++) slice *= sizes[d];
    for (int d = 0; d < bnd; d++) nb *= u->shape[d];
    if (nb > (INT64_MAX - nb) / (2 * nidx + 1)) return AX__DECLINE;
    ax_cu_copy init;
    bool skip;
    if (!copy_input_desc(&init, o, a, &skip)) return AX__DECLINE;
    ax_cu_scatter s;
    memset(&s, 0, sizeof s);
    int64_t sh[RAWD], ost[RAWD], ust[RAWD], ist[AX_CU_IDX_MAX_ARRAYS][RAWD];
    for (int d = 0; d < und; d++) {
        sh[d] = u->shape[d];
        ost[d] = d < bnd ? 0 : o->strides[d - bnd];
        ust[d] = u->strides[d];
        for (int i = 0; i < nidx; i++) ist[i][d] = d < bnd ? node->inputs[1 + i]->strides[d] : 0;
    }
    s.out = ax__dptr(o);
    s.u = ax__dptr(u);
    s.dtype = o->dtype;
    s.mode = p->mode;
    s.nidx = nidx;
    s.n = slice && nb ? slice * nb : 0; /* the CPU validates nothing then */
    s.slice = slice ? slice : 1;
    s.nb = nb;
    s.out_size = o->size;
    for (int i = 0; i < nidx; i++) {
        int axis = (int)p->v[i];
        s.idx[i] = ax__dptr(node->inputs[1 + i]);
        s.idx_dtype[i] = node->inputs[1 + i]->dtype;
        s.ax_n[i] = a->shape[axis];
        s.ax_str[i] = o->strides[axis];
        s.ax_lim[i] = sizes[axis];
    }
    unsigned long long bad;
    ax_status st = run_scatter(ctx, "scatter", &s, und, sh, ost, ust, ist, skip ? NULL : &init, &bad);
    if (st != AX_OK || bad == ~0ull) return st;
    return report_key(ctx, "scatter", bad, nb, node, sizes);
}

void ax__cuda_register_index(ax_kernel *table) {
    table[AX_OP_CONCATENATE] = k_concatenate;
    table[AX_OP_PAD] = k_pad;
    table[AX_OP_TRIL] = k_tril;
    table[AX_OP_TRIU] = k_triu;
    table[AX_OP_SLICE_UPDATE] = k_slice_update;
    table[AX_OP_TAKE] = k_take;
    table[AX_OP_TAKE_ALONG_AXIS] = k_take_along_axis;
    table[AX_OP_PUT_ALONG_AXIS] = k_put_along_axis;
    table[AX_OP_GATHER] = k_gather;
    table[AX_OP_SCATTER] = k_scatter;
}
