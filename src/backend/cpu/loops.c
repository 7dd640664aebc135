/* Strided n-d loops: coalesce dimensions, then call an inner 1-D loop,
 * optionally split over the thread pool. */
#include <stdlib.h>

#include "backend/cpu/cpu.h"

/* Work below this many elements stays on one thread. */
#define PARALLEL_MIN_ELEMS (1 << 16)

/* Coalesce the index space: drop size-1 dims, then merge a dim into the
 * next when every operand's stride allows (stride[d] == stride[d+1] *
 * shape[d+1]). Fills sh (ndim) and st (byte strides, [dim * nops + op]);
 * returns the number of dims (at least 1), or 0 when the space is empty. */
static int coalesce(int nops, const int64_t *const *strides, const size_t *itemsizes,
                    const int64_t *shape, int ndim, int64_t *sh, int64_t *st) {
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0) return 0;
    int nd = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 1) continue;
        int64_t bs[AX_LOOP_MAX_OPS];
        for (int o = 0; o < nops; o++) bs[o] = strides[o][d] * (int64_t)itemsizes[o];
        if (nd > 0) {
            bool merge = true;
            for (int o = 0; o < nops && merge; o++)
                merge = st[(size_t)(nd - 1) * nops + o] == bs[o] * shape[d];
            if (merge) {
                sh[nd - 1] *= shape[d];
                for (int o = 0; o < nops; o++) st[(size_t)(nd - 1) * nops + o] = bs[o];
                continue;
            }
        }
        sh[nd] = shape[d];
        for (int o = 0; o < nops; o++) st[(size_t)nd * nops + o] = bs[o];
        nd++;
    }
    if (nd == 0) { /* a single element */
        sh[0] = 1;
        for (int o = 0; o < nops; o++) st[o] = (int64_t)itemsizes[o];
        nd = 1;
    }
    return nd;
}

/* ---------------------------------------------------------------- row batches */

typedef struct rows_plan {
    int nops, ndim;
    char *base[AX_LOOP_MAX_OPS];
    const int64_t *shape;    /* ndim, coalesced, innermost last */
    const int64_t *bstrides; /* ndim * nops byte strides, [dim * nops + op] */
    ax_rows_fn fn;
    void *ud;
} rows_plan;

/* Rows [begin, end) of the plan (a row is the innermost dim), passed in
 * batches of consecutive rows along the second-innermost dim. */
static void run_row_batches(const rows_plan *p, int64_t begin, int64_t end) {
    const int nops = p->nops, nd = p->ndim;
    const int64_t inner = p->shape[nd - 1], span = p->shape[nd - 2];
    const int64_t *inner_str = p->bstrides + (size_t)(nd - 1) * nops;
    const int64_t *row_str = p->bstrides + (size_t)(nd - 2) * nops;
    for (int64_t r = begin; r < end;) {
        /* r = outer * span + k: operands at outer's offset plus k rows */
        int64_t k = r % span, outer = r / span, count = span - k;
        if (count > end - r) count = end - r;
        char *ptrs[AX_LOOP_MAX_OPS];
        for (int o = 0; o < nops; o++) ptrs[o] = p->base[o] + k * row_str[o];
        for (int d = nd - 3; d >= 0; d--) {
            int64_t i = outer % p->shape[d];
            outer /= p->shape[d];
            for (int o = 0; o < nops; o++) ptrs[o] += i * p->bstrides[(size_t)d * nops + o];
        }
        p->fn(ptrs, inner_str, inner, count, row_str, p->ud);
        r += count;
    }
}

static void row_batches_task(void *ud, int64_t b, int64_t e) { run_row_batches(ud, b, e); }

/* Elements [b, e) of a 1-D plan: one row (the row strides are unused). */
static void row_span_task(void *ud, int64_t b, int64_t e) {
    const rows_plan *p = ud;
    char *ptrs[AX_LOOP_MAX_OPS];
    for (int o = 0; o < p->nops; o++) ptrs[o] = p->base[o] + b * p->bstrides[o];
    p->fn(ptrs, p->bstrides, e - b, 1, p->bstrides, p->ud);
}

void ax__cpu_loop_rows(int nops, char *const *base, const int64_t *const *strides,
                       const size_t *itemsizes, const int64_t *shape, int ndim, ax_rows_fn fn,
                       void *ud, bool parallel) {
    int64_t sh[AX_MAX_NDIM], st[AX_MAX_NDIM * AX_LOOP_MAX_OPS];
    int nd = coalesce(nops, strides, itemsizes, shape, ndim, sh, st);
    if (nd == 0) return;
    int64_t total = 1;
    for (int d = 0; d < nd; d++) total *= sh[d];
    bool par = parallel && total >= PARALLEL_MIN_ELEMS && ax__num_threads() > 1;
    rows_plan rp = {.nops = nops, .ndim = nd, .shape = sh, .bstrides = st, .fn = fn, .ud = ud};
    for (int o = 0; o < nops; o++) rp.base[o] = base[o];
    if (nd == 1) { /* one run, split along its length */
        if (par) ax__parallel_for(sh[0], PARALLEL_MIN_ELEMS / 4, row_span_task, &rp);
        else fn(rp.base, st, sh[0], 1, st, ud);
        return;
    }
    int64_t rows = total / sh[nd - 1], grain = PARALLEL_MIN_ELEMS / sh[nd - 1];
    if (par && rows > 1) ax__parallel_for(rows, grain < 1 ? 1 : grain, row_batches_task, &rp);
    else run_row_batches(&rp, 0, rows);
}

void ax__cpu_each_row(int nops, char **p, const int64_t *bs, int64_t n, int64_t rows,
                      const int64_t *rs, ax_loop_fn fn, void *ud) {
    if (rows == 1) {
        fn(p, bs, n, ud);
        return;
    }
    char *q[AX_LOOP_MAX_OPS];
    for (int64_t r = 0; r < rows; r++) {
        for (int o = 0; o < nops; o++) q[o] = p[o] + r * rs[o];
        fn(q, bs, n, ud);
    }
}

typedef struct per_row {
    int nops;
    ax_loop_fn fn;
    void *ud;
} per_row;

static void per_row_batch(char **p, const int64_t *bs, int64_t n, int64_t rows, const int64_t *rs,
                          void *ud) {
    const per_row *u = ud;
    ax__cpu_each_row(u->nops, p, bs, n, rows, rs, u->fn, u->ud);
}

void ax__cpu_loop(int nops, char *const *base, const int64_t *const *strides,
                  const size_t *itemsizes, const int64_t *shape, int ndim, ax_loop_fn fn,
                  void *ud, bool parallel) {
    per_row u = {nops, fn, ud};
    ax__cpu_loop_rows(nops, base, strides, itemsizes, shape, ndim, per_row_batch, &u, parallel);
}

void ax__cpu_ew_loop(ax_array *out, ax_array *const *ins, int n_in, ax_loop_fn fn, void *ud,
                     bool parallel) {
    int nd = out->ndim, nops = n_in + 1;
    int64_t st[AX_MAX_NDIM * AX_LOOP_MAX_OPS];
    char *base[AX_LOOP_MAX_OPS];
    const int64_t *strides[AX_LOOP_MAX_OPS];
    size_t items[AX_LOOP_MAX_OPS];
    base[0] = ax__ptr(out);
    strides[0] = out->strides;
    items[0] = ax_dtype_size(out->dtype);
    for (int i = 0; i < n_in; i++) {
        int64_t *s = st + (size_t)i * nd;
        ax__broadcast_strides(ins[i], out->shape, nd, s);
        base[i + 1] = ax__ptr(ins[i]);
        strides[i + 1] = s;
        items[i + 1] = ax_dtype_size(ins[i]->dtype);
    }
    ax__cpu_loop(nops, base, strides, items, out->shape, nd, fn, ud, parallel);
}

/* ---------------------------------------------------------------- copies */

typedef struct convert_ud {
    ax_dtype dst, src;
} convert_ud;

static void copy_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const convert_ud *c = ud;
    size_t ds = ax_dtype_size(c->dst), ss = ax_dtype_size(c->src);
    if (bs[0] == (int64_t)ds && bs[1] == (int64_t)ss) {
        ax__convert(p[0], c->dst, p[1], c->src, n);
        return;
    }
    char *d = p[0];
    const char *s = p[1];
    if (c->dst == c->src) {
        switch (ds) {
#define COPY_N(T)                                                                          \
    for (int64_t i = 0; i < n; i++) *(T *)(d + i * bs[0]) = *(const T *)(s + i * bs[1]); \
    return;
        case 1: COPY_N(uint8_t)
        case 2: COPY_N(uint16_t)
        case 4: COPY_N(uint32_t)
        case 8: COPY_N(uint64_t)
#undef COPY_N
        default: break;
        }
    }
    for (int64_t i = 0; i < n; i++) ax__convert(d + i * bs[0], c->dst, s + i * bs[1], c->src, 1);
}

void ax__cpu_copy_strided(const ax_array *src, ax_array *dst) {
    convert_ud c = {dst->dtype, src->dtype};
    ax_array *in = (ax_array *)src;
    ax__cpu_ew_loop(dst, &in, 1, copy_inner, &c, true);
}

void ax__cpu_copy_to_contiguous(const ax_array *a, void *dst) {
    if (a->size == 0) return;
    if (a->contiguous) {
        memcpy(dst, ax__ptr(a), ax_nbytes(a));
        return;
    }
    int64_t rm[AX_MAX_NDIM];
    ax__row_major_strides(a->shape, a->ndim, rm);
    char *base[2] = {dst, ax__ptr(a)};
    const int64_t *strides[2] = {rm, a->strides};
    size_t items[2] = {ax_dtype_size(a->dtype), ax_dtype_size(a->dtype)};
    convert_ud c = {a->dtype, a->dtype};
    ax__cpu_loop(2, base, strides, items, a->shape, a->ndim, copy_inner, &c, true);
}
