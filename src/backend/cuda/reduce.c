/* CUDA kernels: reduce family (see cuda.h). SUM, PROD, MAX, MIN, ALL, ANY,
 * ARGMAX, ARGMIN, LOGSUMEXP, SOFTMAX (device code kernels/reduce.cu) and
 * SCAN (kernels/scan.cu); semantics as the CPU's, described in those files.
 *
 * Layout: the launchers take a dense row-major input seen as
 * (outer, R, inner), R the reduced (scanned) extent. A contiguous input
 * whose reduced axes form one block (after dropping size-1 dims) is used as
 * it is. Otherwise a strided gather (kernels/reduce.cu) first makes a dense
 * copy in workspace: in the original axis order when the axes allow the
 * (outer, R, inner) form, else with the kept axes first and the reduced
 * ones last, so the reduction runs over rows (softmax then scatters its
 * result back to the output's layout). Softmaxes and scans over columns
 * (inner > 1) run one thread per column; with fewer than 65536 columns of
 * more than 64 elements they are transposed the same way to run over rows.
 *
 * Declined (the CPU runs them): logsumexp, softmax and logcumsumexp of
 * integer or bool inputs (rare; the CPU's float64 reference handles them);
 * layouts that keep more than AX_CU_MAX_DIMS dims after merging; output
 * dtypes other than the ones the ops build (never expected). complex64 is
 * native for sum, prod, all, any, cumsum and cumprod (the only complex
 * forms the ops accept). */
#include <string.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/reduce.h"
#include "backend/cuda/kernels/scan.h"
#include "ops/reduce_params.h"
#include "ops/scan_sort_params.h"

/* ---------------------------------------------------------------- descriptors */

/* Push dim (sh, st) onto d: size-1 dims dropped, merged with the previous
 * dim when that one steps over exactly this one. False past the rank limit. */
static bool desc_push(ax_cu_array *d, int64_t sh, int64_t st) {
    if (sh == 1) return true;
    int k = d->ndim - 1;
    if (k >= 0 && d->strides[k] == st * sh) {
        d->shape[k] *= sh;
        d->strides[k] = st;
        return true;
    }
    if (d->ndim == AX_CU_MAX_DIMS) return false;
    d->shape[d->ndim] = sh;
    d->strides[d->ndim] = st;
    d->ndim++;
    return true;
}

/* a's dims in the order `order` (n of them), as a gather/scatter descriptor. */
static bool desc_ordered(const ax_array *a, const int *order, int n, ax_cu_array *d) {
    memset(d, 0, sizeof *d);
    d->ptr = ax__dptr(a);
    d->dtype = (int)a->dtype;
    d->size = a->size;
    for (int i = 0; i < n; i++)
        if (!desc_push(d, a->shape[order[i]], a->strides[order[i]])) return false;
    return true;
}

/* A dense copy of a, its dims in `order`, in new workspace (*out). AX__DECLINE
 * when the layout has too many dims. */
static ax_status gather_dense(ax_ctx *ctx, const ax_array *a, const int *order, int n,
                              const char *name, void **out) {
    ax_cu_array d;
    if (!desc_ordered(a, order, n, &d)) return AX__DECLINE;
    size_t es = ax_dtype_size(a->dtype);
    void *p = ax__cuda_malloc(ctx, (size_t)a->size * es, name);
    if (!p) return AX_ERR_OOM;
    ax_status st = ax__cuda_check(ctx, ax_cu_red_gather(p, &d, (int)es, ax__cuda_stream()), name);
    if (st != AX_OK) {
        ax__cuda_free(p);
        return st;
    }
    *out = p;
    return AX_OK;
}

/* ---------------------------------------------------------------- reductions */

static int reduce_code(ax_op op) {
    switch (op) {
    case AX_OP_SUM: return AX_CU_R_SUM;
    case AX_OP_PROD: return AX_CU_R_PROD;
    case AX_OP_MAX: return AX_CU_R_MAX;
    case AX_OP_MIN: return AX_CU_R_MIN;
    case AX_OP_ALL: return AX_CU_R_ALL;
    case AX_OP_ANY: return AX_CU_R_ANY;
    case AX_OP_ARGMAX: return AX_CU_R_ARGMAX;
    case AX_OP_ARGMIN: return AX_CU_R_ARGMIN;
    case AX_OP_LOGSUMEXP: return AX_CU_R_LSE;
    default: return AX_CU_R_SOFTMAX;
    }
}

/* The output dtype each op builds (src/ops/reduce.c) for input dtype t. */
static bool reduce_out_ok(int code, ax_dtype t, ax_dtype ot) {
    switch (code) {
    case AX_CU_R_SUM:
    case AX_CU_R_PROD:
        switch (t) {
        case AX_BOOL: case AX_INT8: case AX_INT16: case AX_INT32: return ot == AX_INT32;
        case AX_UINT8: case AX_UINT16: case AX_UINT32: return ot == AX_UINT32;
        default: return ot == t;
        }
    case AX_CU_R_ALL: case AX_CU_R_ANY: return ot == AX_BOOL;
    case AX_CU_R_ARGMAX: case AX_CU_R_ARGMIN: return ot == AX_INT64;
    default: return ot == t; /* max, min; logsumexp and softmax of floats */
    }
}

static ax_status k_reduce(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_reduce_params *prm = node->params;
    const ax_array *x = node->inputs[0];
    ax_array *y = outs[0];
    const char *name = ax__op_info[node->op].name;
    int code = reduce_code(node->op);
    bool softmax = code == AX_CU_R_SOFTMAX;
    if (prm->ndim != x->ndim || !ax_cu_reduce_supported(code, (int)x->dtype) ||
        !reduce_out_ok(code, x->dtype, y->dtype))
        return AX__DECLINE;
    if (y->size == 0) return AX_OK;

    /* Non-1 dims in order: kept* reduced* kept* is the (outer, R, inner) form. */
    int64_t outer = 1, R = 1, inner = 1;
    int phase = 0; /* 0: before the reduced block, 1: in it, 2: after it */
    bool simple = true;
    int order[AX_MAX_NDIM], nk = 0;
    for (int d = 0; d < x->ndim; d++) {
        if (!prm->mask[d]) order[nk++] = d;
        if (x->shape[d] == 1) continue;
        if (prm->mask[d]) {
            if (phase == 2) simple = false;
            phase = 1;
            R *= x->shape[d];
        } else if (phase == 0) {
            outer *= x->shape[d];
        } else {
            phase = 2;
            inner *= x->shape[d];
        }
    }
    /* Softmax over columns runs one thread per column: with few columns and
     * long ones, rows of a transposed copy are faster. */
    if (softmax && inner > 1 && outer * inner < 65536 && R > 64) simple = false;
    int no = nk;
    for (int d = 0; d < x->ndim; d++)
        if (prm->mask[d]) order[no++] = d;

    const void *src = NULL; /* an empty input is never read */
    void *tmp_in = NULL, *tmp_out = NULL, *ws = NULL;
    ax_status st = AX_OK;
    if (x->size > 0) src = ax__dptr(x);
    if (x->size == 0) { /* empty reductions: identities, nothing read */
        outer = y->size;
        R = 0;
        inner = 1;
        simple = true;
    } else if (!simple || !x->contiguous) {
        int ident[AX_MAX_NDIM];
        for (int d = 0; d < x->ndim; d++) ident[d] = d;
        st = gather_dense(ctx, x, simple ? ident : order, x->ndim, name, &tmp_in);
        if (st != AX_OK) return st;
        src = tmp_in;
        if (!simple) {
            outer = x->size / R;
            inner = 1;
        }
    }
    void *dst = ax__dptr(y);
    ax_cu_array ydesc;
    if (softmax && !simple) { /* rows of the permuted copy, scattered back after */
        if (!desc_ordered(y, order, y->ndim, &ydesc)) {
            st = AX__DECLINE;
            goto done;
        }
        tmp_out = ax__cuda_malloc(ctx, (size_t)y->size * ax_dtype_size(y->dtype), name);
        if (!tmp_out) {
            st = AX_ERR_OOM;
            goto done;
        }
        dst = tmp_out;
    }
    ax_cu_reduce r = {.op = code, .in_dtype = (int)x->dtype, .out_dtype = (int)y->dtype,
                      .x = src, .y = dst, .outer = outer, .R = R, .inner = inner};
    size_t wsb = ax_cu_reduce_workspace(&r);
    if (wsb) {
        ws = ax__cuda_malloc(ctx, wsb, name);
        if (!ws) {
            st = AX_ERR_OOM;
            goto done;
        }
    }
    st = ax__cuda_check(ctx, ax_cu_reduce_run(&r, ws, ax__cuda_stream()), name);
    if (st == AX_OK && tmp_out)
        st = ax__cuda_check(ctx, ax_cu_red_scatter(&ydesc, tmp_out, (int)ax_dtype_size(y->dtype),
                                               ax__cuda_stream()),
                            name);
done:
    if (ws) ax__cuda_free(ws);
    if (tmp_out) ax__cuda_free(tmp_out);
    if (tmp_in) ax__cuda_free(tmp_in);
    return st;
}

/* ---------------------------------------------------------------- scans */

static ax_status k_scan(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_scan_params *p = node->params;
    const ax_array *x = node->inputs[0];
    ax_array *y = outs[0];
    const char *name = ax__op_info[node->op].name;
    if (p->axis < 0 || p->axis >= x->ndim || !ax_cu_scan_supported(p->kind, (int)x->dtype) ||
        y->dtype != ax__scan_dtype((ax_scan_kind)p->kind, x->dtype))
        return AX__DECLINE;
    if (y->size == 0) return AX_OK;
    int64_t outer = 1, inner = 1, n = x->shape[p->axis];
    for (int d = 0; d < p->axis; d++) outer *= x->shape[d];
    for (int d = p->axis + 1; d < x->ndim; d++) inner *= x->shape[d];
    /* Few lines (one thread each) but long ones: scan rows of a transposed copy. */
    bool transpose = inner > 1 && n > 64 && outer * inner < 65536;
    int order[AX_MAX_NDIM], no = 0;
    if (transpose) {
        for (int d = 0; d < x->ndim; d++)
            if (d != p->axis) order[no++] = d;
        order[no++] = p->axis;
    } else {
        for (int d = 0; d < x->ndim; d++) order[no++] = d;
    }
    const void *src = ax__dptr(x);
    void *tmp_in = NULL, *tmp_out = NULL, *ws = NULL;
    ax_status st = AX_OK;
    if (transpose || !x->contiguous) {
        st = gather_dense(ctx, x, order, no, name, &tmp_in);
        if (st != AX_OK) return st;
        src = tmp_in;
    }
    void *dst = ax__dptr(y);
    ax_cu_array ydesc;
    if (transpose) {
        if (!desc_ordered(y, order, no, &ydesc)) {
            st = AX__DECLINE;
            goto done;
        }
        tmp_out = ax__cuda_malloc(ctx, (size_t)y->size * ax_dtype_size(y->dtype), name);
        if (!tmp_out) {
            st = AX_ERR_OOM;
            goto done;
        }
        dst = tmp_out;
        outer *= inner;
        inner = 1;
    }
    ax_cu_scan s = {.kind = p->kind, .in_dtype = (int)x->dtype, .x = src, .y = dst,
                    .outer = outer, .n = n, .inner = inner, .reverse = p->reverse != 0,
                    .inclusive = p->inclusive != 0};
    size_t wsb = ax_cu_scan_workspace(&s);
    if (wsb) {
        ws = ax__cuda_malloc(ctx, wsb, name);
        if (!ws) {
            st = AX_ERR_OOM;
            goto done;
        }
    }
    st = ax__cuda_check(ctx, ax_cu_scan_run(&s, ws, ax__cuda_stream()), name);
    if (st == AX_OK && tmp_out)
        st = ax__cuda_check(ctx, ax_cu_red_scatter(&ydesc, tmp_out, (int)ax_dtype_size(y->dtype),
                                               ax__cuda_stream()),
                            name);
done:
    if (ws) ax__cuda_free(ws);
    if (tmp_out) ax__cuda_free(tmp_out);
    if (tmp_in) ax__cuda_free(tmp_in);
    return st;
}

void ax__cuda_register_reduce(ax_kernel *table) {
    static const ax_op ops[] = {AX_OP_SUM,    AX_OP_PROD,   AX_OP_MAX,       AX_OP_MIN,
                                AX_OP_ALL,    AX_OP_ANY,    AX_OP_ARGMAX,    AX_OP_ARGMIN,
                                AX_OP_LOGSUMEXP, AX_OP_SOFTMAX};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) table[ops[i]] = k_reduce;
    table[AX_OP_SCAN] = k_scan;
}
