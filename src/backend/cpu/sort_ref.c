/* Reference kernels of the sort family: per line, load the values (as
 * double, int64 or uint64 so that 64-bit integers compare exactly), merge-sort
 * the indices with NumPy's order (stable; NaN last; -0.0 == 0.0), then write
 * the values (bytes copied, so NaN payloads and zero signs survive) or the
 * indices. A sorted line is also a valid partition, so PARTITION and
 * ARGPARTITION use the same kernel. searchsorted counts the elements before
 * each value (no binary search), which equals the insertion index for a
 * sorted array. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_impl.h"

typedef enum { RK_F, RK_S, RK_U } ref_kind;

typedef struct ref_vals {
    ref_kind k;
    double *f;
    int64_t *s;
    uint64_t *u;
} ref_vals;

static ref_kind ref_kind_of(ax_dtype t) {
    if (ax_dtype_is_floating(t)) return RK_F;
    if (ax_dtype_is_signed_integer(t)) return RK_S;
    return RK_U;
}

static bool ref_lt(const ref_vals *v, int64_t a, int64_t b) {
    switch (v->k) {
    case RK_F: return sort_lt_f64(v->f[a], v->f[b]);
    case RK_S: return v->s[a] < v->s[b];
    default: return v->u[a] < v->u[b];
    }
}

/* Stable bottom-up merge sort of idx[0, n) (tmp: n slots). */
static void ref_merge_sort(const ref_vals *v, int64_t *idx, int64_t *tmp, int64_t n) {
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) tmp[o++] = ref_lt(v, idx[j], idx[i]) ? idx[j++] : idx[i++];
            while (i < mid) tmp[o++] = idx[i++];
            while (j < hi) tmp[o++] = idx[j++];
        }
        memcpy(idx, tmp, sizeof(int64_t) * (size_t)n);
    }
}

static void ref_load(ref_vals *v, const char *x, int64_t xs, ax_dtype t, int64_t n) {
    size_t sz = ax_dtype_size(t);
    for (int64_t i = 0; i < n; i++) {
        const char *p = x + i * xs * (int64_t)sz;
        switch (v->k) {
        case RK_F: v->f[i] = ax__load_f64(p, t); break;
        case RK_S: v->s[i] = ax__load_i64(p, t); break;
        default: v->u[i] = ax__load_u64(p, t); break;
        }
    }
}

ax_status ax__cpu_sort_ref(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_sort_params *p = node->params;
    const ax_array *x = node->inputs[0];
    ax_array *y = out[0];
    bool values = node->op == AX_OP_SORT || node->op == AX_OP_PARTITION;
    if (x->size == 0) return AX_OK;
    sort_lines L;
    sort_lines_init(&L, x, y, p->axis);
    int64_t n = L.n;
    size_t sz = ax_dtype_size(x->dtype);
    ref_vals v = {.k = ref_kind_of(x->dtype)};
    void *vals = ax__malloc(ctx, 8 * (size_t)n);
    int64_t *idx = ax__malloc(ctx, sizeof(int64_t) * (size_t)n);
    int64_t *tmp = ax__malloc(ctx, sizeof(int64_t) * (size_t)n);
    if (!vals || !idx || !tmp) {
        free(vals), free(idx), free(tmp);
        return AX_ERR_OOM;
    }
    v.f = vals, v.s = vals, v.u = vals;
    const char *xd = ax__ptr(x);
    char *yd = ax__ptr(y);
    for (int64_t l = 0; l < L.count; l++) {
        int64_t io, oo;
        sort_line_offsets(&L, l, &io, &oo);
        const char *xl = xd + io * (int64_t)sz;
        ref_load(&v, xl, L.istride, x->dtype, n);
        for (int64_t i = 0; i < n; i++) idx[i] = i;
        ref_merge_sort(&v, idx, tmp, n);
        for (int64_t i = 0; i < n; i++) {
            if (values)
                memcpy(yd + (oo + i * L.ostride) * (int64_t)sz, xl + idx[i] * L.istride * (int64_t)sz,
                       sz);
            else
                ((int64_t *)yd)[oo + i * L.ostride] = idx[i];
        }
    }
    free(vals), free(idx), free(tmp);
    return AX_OK;
}

ax_status ax__cpu_searchsorted_ref(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_searchsorted_params *p = node->params;
    const ax_array *a = node->inputs[0], *q = node->inputs[1];
    ax_array *y = out[0];
    int64_t n = a->shape[0];
    ax_dtype t = a->dtype;
    ref_vals v = {.k = ref_kind_of(t)};
    void *vals = ax__malloc(ctx, 8 * (size_t)(n + 1));
    if (!vals) return AX_ERR_OOM;
    v.f = vals, v.s = vals, v.u = vals;
    ref_load(&v, ax__ptr(a), a->strides[0], t, n);
    /* the values of q, walked in row-major order, one at a time into slot n */
    int64_t *cnt = (int64_t *)ax__ptr(y);
    size_t sz = ax_dtype_size(t);
    int64_t idx[AX_MAX_NDIM] = {0};
    for (int64_t e = 0; e < q->size; e++) {
        int64_t off = 0;
        for (int d = 0; d < q->ndim; d++) off += idx[d] * q->strides[d];
        ref_load(&v, ax__ptr(q) + off * (int64_t)sz, 1, t, 1);
        /* move the loaded value to slot n */
        switch (v.k) {
        case RK_F: v.f[n] = v.f[0]; break;
        case RK_S: v.s[n] = v.s[0]; break;
        default: v.u[n] = v.u[0]; break;
        }
        if (n > 0) ref_load(&v, ax__ptr(a), 1, t, 1); /* restore slot 0 */
        int64_t c = 0;
        for (int64_t i = 0; i < n; i++)
            c += p->right ? !ref_lt(&v, n, i) : ref_lt(&v, i, n);
        cnt[e] = c;
        for (int d = q->ndim - 1; d >= 0; d--) {
            if (++idx[d] < q->shape[d]) break;
            idx[d] = 0;
        }
    }
    free(vals);
    return AX_OK;
}
