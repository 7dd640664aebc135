/* CPU kernels: shape family (CONCATENATE, PAD, TRIL, TRIU) and the strided
 * copy helpers the shape and index kernels share. Views (RESHAPE, TRANSPOSE,
 * BROADCAST_TO, SLICE, AS_STRIDED) have no kernel: eval shares the buffer.
 * All copies are dtype-agnostic (by item size). */
#include <stdlib.h>

#include "backend/cpu/shape_util.h"
#include "ops/shape_params.h"

#define LOCAL_DIMS 16

/* ---------------------------------------------------------------- copies */

void ax__shp_copy_ref(char *dst, const int64_t *dst_str, const char *src, const int64_t *src_str,
                      const int64_t *shape, int ndim, size_t itemsize) {
    int64_t total = 1;
    for (int d = 0; d < ndim; d++) total *= shape[d];
    if (total == 0) return;
    int64_t local[LOCAL_DIMS];
    int64_t *idx = ndim <= LOCAL_DIMS ? local : calloc((size_t)ndim, sizeof(int64_t));
    if (!idx) return;
    memset(idx, 0, sizeof(int64_t) * (size_t)ndim);
    const int64_t is = (int64_t)itemsize;
    do {
        int64_t so = 0, doff = 0;
        for (int d = 0; d < ndim; d++) {
            so += idx[d] * src_str[d];
            doff += idx[d] * dst_str[d];
        }
        ax__shp_item(dst + doff * is, src + so * is, itemsize);
    } while (ax__shp_next(idx, shape, ndim));
    if (idx != local) free(idx);
}

static void copy_run(char **p, const int64_t *bs, int64_t n, void *ud) {
    size_t is = *(const size_t *)ud;
    char *d = p[0];
    const char *s = p[1];
    if (bs[0] == (int64_t)is && bs[1] == (int64_t)is) {
        memcpy(d, s, (size_t)n * is);
        return;
    }
    switch (is) {
#define RUN(T)                                                                               \
    for (int64_t i = 0; i < n; i++) *(T *)(d + i * bs[0]) = *(const T *)(s + i * bs[1]); \
    break;
    case 1: RUN(uint8_t)
    case 2: RUN(uint16_t)
    case 4: RUN(uint32_t)
    default: RUN(uint64_t)
#undef RUN
    }
}

/* Transposing copies (dst contiguous along axis kd, where src jumps, and src
 * contiguous along another axis ks) go tile by tile so that both sides stay
 * in cache: TILE x TILE blocks of (ks, kd), over every position of the other
 * axes. */
#define TILE 32

typedef struct tile_job {
    char *dst;
    const char *src;
    const int64_t *dst_str, *src_str, *shape;
    int ndim, kd, ks;
    size_t is;
    int64_t ntiles; /* tiles along ks */
} tile_job;

static void tile_rows(void *ud, int64_t begin, int64_t end) {
    const tile_job *j = ud;
    const int64_t nk = j->shape[j->kd], dk = j->dst_str[j->kd], sk = j->src_str[j->kd];
    const int64_t ds = j->dst_str[j->ks], ss = j->src_str[j->ks];
    for (int64_t r = begin; r < end; r++) {
        int64_t o = r / j->ntiles, t = r % j->ntiles, doff = 0, soff = 0;
        for (int d = j->ndim - 1; d >= 0; d--) {
            if (d == j->kd || d == j->ks) continue;
            int64_t i = o % j->shape[d];
            o /= j->shape[d];
            doff += i * j->dst_str[d];
            soff += i * j->src_str[d];
        }
        int64_t s0 = t * TILE, s1 = s0 + TILE < j->shape[j->ks] ? s0 + TILE : j->shape[j->ks];
        for (int64_t k0 = 0; k0 < nk; k0 += TILE) {
            int64_t k1 = k0 + TILE < nk ? k0 + TILE : nk;
            switch (j->is) {
#define TILE_COPY(T)                                                                      \
    for (int64_t s = s0; s < s1; s++) {                                                   \
        T *dp = (T *)j->dst + doff + s * ds;                                              \
        const T *sp = (const T *)j->src + soff + s * ss;                                  \
        for (int64_t k = k0; k < k1; k++) dp[k * dk] = sp[k * sk];                        \
    }                                                                                     \
    break;
            case 1: TILE_COPY(uint8_t)
            case 2: TILE_COPY(uint16_t)
            case 4: TILE_COPY(uint32_t)
            default: TILE_COPY(uint64_t)
#undef TILE_COPY
            }
        }
    }
}

/* Pick (kd, ks) for a tiled copy, or return false. */
static bool tile_axes(const int64_t *dst_str, const int64_t *src_str, const int64_t *shape,
                      int ndim, int *kd, int *ks) {
    *kd = *ks = -1;
    for (int d = ndim - 1; d >= 0; d--)
        if (shape[d] > 1) {
            if (dst_str[d] == 1 && src_str[d] != 1 && src_str[d] != -1) *kd = d;
            break;
        }
    if (*kd < 0 || shape[*kd] < TILE / 2) return false;
    for (int d = ndim - 1; d >= 0; d--)
        if (d != *kd && shape[d] >= TILE / 2 && (src_str[d] == 1 || src_str[d] == -1) &&
            dst_str[d] != 1) {
            *ks = d;
            return true;
        }
    return false;
}

void ax__shp_copy_fast(char *dst, const int64_t *dst_str, const char *src,
                       const int64_t *src_str, const int64_t *shape, int ndim, size_t itemsize,
                       bool parallel) {
    int kd, ks;
    if (tile_axes(dst_str, src_str, shape, ndim, &kd, &ks)) {
        int64_t outer = 1;
        for (int d = 0; d < ndim; d++)
            if (d != kd && d != ks) outer *= shape[d];
        if (outer == 0) return;
        tile_job j = {.dst = dst, .src = src, .dst_str = dst_str, .src_str = src_str,
                      .shape = shape, .ndim = ndim, .kd = kd, .ks = ks, .is = itemsize,
                      .ntiles = (shape[ks] + TILE - 1) / TILE};
        int64_t rows = outer * j.ntiles;
        if (parallel) ax__parallel_for(rows, 1 + 16384 / (TILE * (shape[kd] + 1)), tile_rows, &j);
        else tile_rows(&j, 0, rows);
        return;
    }
    char *base[2] = {dst, (char *)src};
    const int64_t *strides[2] = {dst_str, src_str};
    size_t items[2] = {itemsize, itemsize};
    ax__cpu_loop(2, base, strides, items, shape, ndim, copy_run, &itemsize, parallel);
}

void ax__shp_copy(char *dst, const int64_t *dst_str, const char *src, const int64_t *src_str,
                  const int64_t *shape, int ndim, size_t itemsize, bool parallel) {
    if (ax__cpu_use_reference())
        ax__shp_copy_ref(dst, dst_str, src, src_str, shape, ndim, itemsize);
    else
        ax__shp_copy_fast(dst, dst_str, src, src_str, shape, ndim, itemsize, parallel);
}

void ax__shp_copy_input(ax_array *out, const ax_array *in) {
    if (out->size == 0 || ax__ptr(out) == ax__ptr(in)) return;
    ax__shp_copy(ax__ptr(out), out->strides, ax__ptr(in), in->strides, in->shape, in->ndim,
                 ax_dtype_size(in->dtype), true);
}

/* ---------------------------------------------------------------- concatenate */

static ax_status k_concatenate(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_concat_params *p = node->params;
    ax_array *o = out[0];
    size_t is = ax_dtype_size(o->dtype);
    int64_t at = 0;
    for (int i = 0; i < node->n_inputs; i++) {
        const ax_array *in = node->inputs[i];
        if (in->size)
            ax__shp_copy(ax__ptr(o) + at * o->strides[p->axis] * (int64_t)is, o->strides,
                         ax__ptr(in), in->strides, in->shape, in->ndim, is, true);
        at += in->shape[p->axis];
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- pad */

/* Source position of padded position i (in [-lo, n + hi)) along an axis of
 * size n; -1 for constant padding. Reflect repeats the reflection (period
 * 2(n-1)), as NumPy. */
static int64_t pad_src(int64_t i, int64_t n, int mode) {
    if (i >= 0 && i < n) return i;
    if (mode == AX_PAD_CONSTANT) return -1;
    if (mode == AX_PAD_EDGE || n == 1) return i < 0 ? 0 : n - 1;
    int64_t period = 2 * (n - 1), m = i % period;
    if (m < 0) m += period;
    return m >= n ? period - m : m;
}

/* The constant as one item of dtype t. */
static void pad_value(const ax_pad_params *p, ax_dtype t, char *item) {
    memset(item, 0, 8);
    if (ax_dtype_is_complex(t)) ax__store_c(item, t, p->value, 0.0);
    else ax__store_f64(item, t, p->value);
}

static void fill_items(char *dst, int64_t stride_b, int64_t n, const char *item, size_t is) {
    for (int64_t i = 0; i < n; i++) ax__shp_item(dst + i * stride_b, item, is);
}

static ax_status k_pad_ref(const ax_pad_params *p, const ax_array *a, ax_array *o) {
    int nd = o->ndim;
    size_t is = ax_dtype_size(o->dtype);
    char value[8];
    pad_value(p, o->dtype, value);
    int64_t *idx = calloc((size_t)nd + 1, sizeof(int64_t));
    if (!idx) return AX_ERR_OOM;
    char *op = ax__ptr(o);
    const char *ap = ax__ptr(a);
    int64_t k = 0;
    do {
        int64_t so = 0;
        bool inside = true;
        for (int d = 0; d < nd && inside; d++) {
            int64_t s = pad_src(idx[d] - p->widths[2 * d], a->shape[d], p->mode);
            if (s < 0) inside = false;
            else so += s * a->strides[d];
        }
        ax__shp_item(op + k++ * (int64_t)is, inside ? ap + so * (int64_t)is : value, is);
    } while (ax__shp_next(idx, o->shape, nd));
    free(idx);
    return AX_OK;
}

typedef struct pad_job {
    const ax_pad_params *p;
    const ax_array *a;
    ax_array *o;
    char value[8];
} pad_job;

/* Rows of the output (all axes but the last): the middle of each row is one
 * strided copy, the two ends follow pad_src. */
static void pad_rows(void *ud, int64_t begin, int64_t end) {
    const pad_job *j = ud;
    const ax_pad_params *p = j->p;
    const ax_array *a = j->a;
    ax_array *o = j->o;
    int nd = o->ndim, L = nd - 1;
    size_t is = ax_dtype_size(o->dtype);
    int64_t n = a->shape[L], lo = p->widths[2 * L], w = o->shape[L];
    int64_t sa = a->strides[L] * (int64_t)is;
    for (int64_t r = begin; r < end; r++) {
        char *dst = ax__ptr(o) + r * w * (int64_t)is;
        int64_t rem = r, so = 0;
        bool inside = true;
        for (int d = L - 1; d >= 0; d--) {
            int64_t i = rem % o->shape[d];
            rem /= o->shape[d];
            int64_t s = pad_src(i - p->widths[2 * d], a->shape[d], p->mode);
            if (s < 0) inside = false;
            else so += s * a->strides[d];
        }
        if (!inside) {
            fill_items(dst, (int64_t)is, w, j->value, is);
            continue;
        }
        const char *row = ax__ptr(a) + so * (int64_t)is;
        for (int64_t c = 0; c < lo; c++) {
            int64_t s = pad_src(c - lo, n, p->mode);
            ax__shp_item(dst + c * (int64_t)is, s < 0 ? j->value : row + s * sa, is);
        }
        if (sa == (int64_t)is) memcpy(dst + lo * (int64_t)is, row, (size_t)n * is);
        else
            for (int64_t c = 0; c < n; c++) ax__shp_item(dst + (lo + c) * (int64_t)is, row + c * sa, is);
        for (int64_t c = lo + n; c < w; c++) {
            int64_t s = pad_src(c - lo, n, p->mode);
            ax__shp_item(dst + c * (int64_t)is, s < 0 ? j->value : row + s * sa, is);
        }
    }
}

static ax_status k_pad(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_pad_params *p = node->params;
    const ax_array *a = node->inputs[0];
    ax_array *o = out[0];
    size_t is = ax_dtype_size(o->dtype);
    if (o->ndim == 0) {
        ax__shp_item(ax__ptr(o), ax__ptr(a), is);
        return AX_OK;
    }
    if (ax__cpu_use_reference()) {
        if (k_pad_ref(p, a, o) != AX_OK) return ax__fail(ctx, AX_ERR_OOM, "pad: out of host memory");
        return AX_OK;
    }
    pad_job j = {.p = p, .a = a, .o = o};
    pad_value(p, o->dtype, j.value);
    int64_t w = o->shape[o->ndim - 1], rows = w ? o->size / w : 0;
    int64_t grain = w > 4096 ? 1 : 4096 / (w ? w : 1);
    ax__parallel_for(rows, grain, pad_rows, &j);
    return AX_OK;
}

/* ---------------------------------------------------------------- tril / triu */

typedef struct tri_job {
    const ax_array *a;
    ax_array *o;
    int64_t k;
    bool upper;
} tri_job;

/* Columns kept in row i of an n x m matrix: [*c0, *c1). */
static void tri_keep(int64_t i, int64_t m, int64_t k, bool upper, int64_t *c0, int64_t *c1) {
    if (upper) {
        int64_t s = i + k; /* k is clamped, no overflow */
        *c0 = s < 0 ? 0 : s > m ? m : s;
        *c1 = m;
    } else {
        int64_t e = i + k + 1;
        *c0 = 0;
        *c1 = e < 0 ? 0 : e > m ? m : e;
    }
}

static void tri_rows(void *ud, int64_t begin, int64_t end) {
    const tri_job *j = ud;
    const ax_array *a = j->a;
    ax_array *o = j->o;
    int nd = o->ndim;
    size_t is = ax_dtype_size(o->dtype);
    int64_t n = o->shape[nd - 2], m = o->shape[nd - 1];
    int64_t sa = a->strides[nd - 1] * (int64_t)is;
    for (int64_t r = begin; r < end; r++) {
        int64_t rem = r, so = 0;
        for (int d = nd - 2; d >= 0; d--) {
            int64_t i = rem % o->shape[d];
            rem /= o->shape[d];
            so += i * a->strides[d];
        }
        int64_t c0, c1;
        tri_keep(r % n, m, j->k, j->upper, &c0, &c1);
        char *dst = ax__ptr(o) + r * m * (int64_t)is;
        const char *src = ax__ptr(a) + so * (int64_t)is;
        memset(dst, 0, (size_t)c0 * is);
        if (sa == (int64_t)is) memcpy(dst + c0 * (int64_t)is, src + c0 * sa, (size_t)(c1 - c0) * is);
        else
            for (int64_t c = c0; c < c1; c++) ax__shp_item(dst + c * (int64_t)is, src + c * sa, is);
        memset(dst + c1 * (int64_t)is, 0, (size_t)(m - c1) * is);
    }
}

static ax_status k_tri(ax_ctx *ctx, const ax_node *node, ax_array *const *out, bool upper) {
    const ax_tri_params *p = node->params;
    tri_job j = {.a = node->inputs[0], .o = out[0], .k = p->k, .upper = upper};
    ax_array *o = out[0];
    int nd = o->ndim;
    int64_t n = o->shape[nd - 2], m = o->shape[nd - 1];
    /* clamp k so i + k + 1 cannot overflow; beyond these bounds nothing changes */
    if (j.k > m) j.k = m;
    if (j.k < -n - 1) j.k = -n - 1;
    if (ax__cpu_use_reference()) {
        int64_t *idx = calloc((size_t)nd, sizeof(int64_t));
        if (!idx) return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", upper ? "triu" : "tril");
        size_t is = ax_dtype_size(o->dtype);
        const ax_array *a = j.a;
        int64_t k = 0;
        do {
            int64_t so = 0;
            for (int d = 0; d < nd; d++) so += idx[d] * a->strides[d];
            int64_t diff = idx[nd - 1] - idx[nd - 2];
            bool keep = upper ? diff >= j.k : diff <= j.k;
            char *dst = ax__ptr(o) + k++ * (int64_t)is;
            if (keep) ax__shp_item(dst, ax__ptr(a) + so * (int64_t)is, is);
            else memset(dst, 0, is);
        } while (ax__shp_next(idx, o->shape, nd));
        free(idx);
        return AX_OK;
    }
    int64_t rows = m ? o->size / m : 0;
    ax__parallel_for(rows, m > 4096 ? 1 : 4096 / (m ? m : 1), tri_rows, &j);
    return AX_OK;
}

static ax_status k_tril(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    return k_tri(ctx, node, out, false);
}
static ax_status k_triu(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    return k_tri(ctx, node, out, true);
}

void ax__cpu_register_shape(ax_kernel *table) {
    table[AX_OP_CONCATENATE] = k_concatenate;
    table[AX_OP_PAD] = k_pad;
    table[AX_OP_TRIL] = k_tril;
    table[AX_OP_TRIU] = k_triu;
}
