/* Descriptor builders for the .cu launchers (cuda.h): one array, or an
 * elementwise launch over an output and broadcast inputs with dims coalesced
 * the way ax__cpu_loop coalesces them (src/backend/cpu/loops.c). */
#include "backend/cuda/cuda.h"

bool ax__cu_array(const ax_array *a, ax_cu_array *d) {
    if (a->ndim > AX_CU_MAX_DIMS) return false;
    memset(d, 0, sizeof *d);
    d->ptr = ax__dptr(a);
    d->dtype = (int)a->dtype;
    d->ndim = a->ndim;
    d->size = a->size;
    for (int i = 0; i < a->ndim; i++) {
        d->shape[i] = a->shape[i];
        d->strides[i] = a->strides[i];
    }
    return true;
}

bool ax__cu_ew_layout(const ax_array *out, ax_array *const *ins, int n_in, ax_cu_ew *l) {
    int nops = n_in + 1, ndim = out->ndim;
    if (n_in < 0 || nops > AX_CU_EW_MAX_OPS) return false;
    memset(l, 0, sizeof *l);
    l->n_ops = nops;
    l->size = out->size;
    l->ptr[0] = ax__dptr(out);
    l->dtype[0] = (int)out->dtype;
    for (int i = 0; i < n_in; i++) {
        l->ptr[i + 1] = ax__dptr(ins[i]);
        l->dtype[i + 1] = (int)ins[i]->dtype;
    }
    /* Element strides of every operand over out's shape (inputs broadcast). */
    int64_t st[AX_CU_EW_MAX_OPS][AX_MAX_NDIM];
    for (int d = 0; d < ndim; d++) st[0][d] = out->strides[d];
    for (int i = 0; i < n_in; i++) ax__broadcast_strides(ins[i], out->shape, ndim, st[i + 1]);

    /* Drop size-1 dims, then merge a dim into the previous one when every
     * operand allows it (stride[prev] == stride[d] * shape[d]). An empty
     * output keeps one dim of size 0. */
    int nd = 0;
    if (out->size == 0) {
        l->ndim = 1;
        l->shape[0] = 0;
        for (int o = 0; o < nops; o++) l->strides[o][0] = 1;
        l->contiguous = true;
        return true;
    }
    for (int d = 0; d < ndim; d++) {
        int64_t n = out->shape[d];
        if (n == 1) continue;
        if (nd > 0) {
            bool merge = true;
            for (int o = 0; o < nops && merge; o++) merge = l->strides[o][nd - 1] == st[o][d] * n;
            if (merge) {
                l->shape[nd - 1] *= n;
                for (int o = 0; o < nops; o++) l->strides[o][nd - 1] = st[o][d];
                continue;
            }
        }
        if (nd == AX_CU_MAX_DIMS) return false;
        l->shape[nd] = n;
        for (int o = 0; o < nops; o++) l->strides[o][nd] = st[o][d];
        nd++;
    }
    if (nd == 0) { /* a single element */
        l->shape[0] = 1;
        for (int o = 0; o < nops; o++) l->strides[o][0] = 1;
        nd = 1;
    }
    l->ndim = nd;
    bool contiguous = nd == 1;
    for (int o = 0; o < nops && contiguous; o++) contiguous = l->strides[o][0] == 1;
    l->contiguous = contiguous;
    return true;
}
