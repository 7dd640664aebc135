/* CUDA kernels: sort family (see cuda.h). SORT, ARGSORT, PARTITION,
 * ARGPARTITION (a stable sort: a sorted line is a valid partition, as the
 * CPU's reference kernel uses) and SEARCHSORTED, for every real dtype; the
 * device code is kernels/sort.cu (CUB radix sorts on the CPU's canonical
 * keys, so results equal the CPU's stable ones bit for bit).
 * Declined (the CPU runs them): complex64 (the ops reject it anyway), lines
 * longer than INT32_MAX elements, arrays of more than AX_CU_MAX_DIMS dims. */
#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/sort.h"
#include "ops/scan_sort_params.h"

/* Input descriptor with the axis moved last: size-1 dims dropped and
 * neighbouring other dims merged where their strides allow. */
static bool sort_desc(const ax_array *x, int axis, ax_cu_array *d) {
    ax_cu_array full;
    if (!ax__cu_array(x, &full)) return false;
    *d = full;
    int nd = 0;
    for (int k = 0; k < full.ndim; k++) {
        if (k == axis || full.shape[k] == 1) continue;
        if (nd > 0 && d->strides[nd - 1] == full.strides[k] * full.shape[k]) {
            d->shape[nd - 1] *= full.shape[k];
            d->strides[nd - 1] = full.strides[k];
            continue;
        }
        d->shape[nd] = full.shape[k];
        d->strides[nd] = full.strides[k];
        nd++;
    }
    d->shape[nd] = full.shape[axis];
    d->strides[nd] = full.strides[axis];
    d->ndim = nd + 1;
    return true;
}

static ax_status k_sort(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_sort_params *p = node->params;
    const ax_array *x = node->inputs[0];
    ax_array *y = outs[0];
    const char *name = ax__op_info[node->op].name;
    if (x->dtype == AX_COMPLEX64 || p->axis < 0 || p->axis >= x->ndim) return AX__DECLINE;
    if (x->size == 0) return AX_OK;
    int64_t n = x->shape[p->axis], inner = 1;
    if (n > INT32_MAX) return AX__DECLINE;
    for (int d = p->axis + 1; d < x->ndim; d++) inner *= x->shape[d];
    ax_cu_sort s = {.out = ax__dptr(y),
                    .arg = node->op == AX_OP_ARGSORT || node->op == AX_OP_ARGPARTITION,
                    .rows = x->size / n,
                    .n = n,
                    .inner = inner};
    if (!sort_desc(x, p->axis, &s.in)) return AX__DECLINE;
    size_t bytes = 0;
    ax_status st = ax__cuda_check(ctx, ax_cu_sort_workspace(&s, &bytes), name);
    if (st != AX_OK) return st;
    void *ws = ax__cuda_malloc(ctx, bytes, name);
    if (!ws) return AX_ERR_OOM;
    st = ax__cuda_check(ctx, ax_cu_sort_run(&s, ws, bytes, ax__cuda_stream()), name);
    ax__cuda_free(ws);
    return st;
}

static ax_status k_searchsorted(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_searchsorted_params *p = node->params;
    const ax_array *a = node->inputs[0], *v = node->inputs[1];
    ax_array *y = outs[0];
    if (a->dtype == AX_COMPLEX64 || a->dtype != v->dtype || a->ndim != 1) return AX__DECLINE;
    if (v->size == 0) return AX_OK;
    if (a->size == 0) /* every value goes to index 0 */
        return ax__cuda_check(ctx, cudaMemsetAsync(ax__dptr(y), 0, (size_t)v->size * 8,
                                                   ax__cuda_stream()), "searchsorted");
    ax_cu_array da, dv;
    if (!ax__cu_array(a, &da) || !ax__cu_array(v, &dv)) return AX__DECLINE;
    return ax__cuda_check(ctx, ax_cu_searchsorted(&da, &dv, p->right, (int64_t *)ax__dptr(y),
                                                  ax__cuda_stream()),
                          "searchsorted");
}

void ax__cuda_register_sort(ax_kernel *table) {
    table[AX_OP_SORT] = k_sort;
    table[AX_OP_ARGSORT] = k_sort;
    table[AX_OP_PARTITION] = k_sort;
    table[AX_OP_ARGPARTITION] = k_sort;
    table[AX_OP_SEARCHSORTED] = k_searchsorted;
}
