/* Shared between the reduction kernels: the iteration plan.
 *
 * A reduction over input `in` with mask[] is split into two index spaces:
 * the kept dims (one per output element, row-major = output order) and the
 * reduced dims (row-major over the reduced axes in their original order, so
 * that a flat position in it is what argmax returns). Each list is
 * coalesced on its own (size-1 dims dropped, adjacent dims merged where both
 * the input and output strides allow). Strides are in elements; for
 * reductions the reduced dims have output stride 0, for softmax (same-shape
 * output) they carry the output's strides. */
#ifndef AX_CPU_REDUCE_IMPL_H
#define AX_CPU_REDUCE_IMPL_H

#include "backend/cpu/cpu.h"
#include "ops/reduce_params.h"

#define RED_MAX_DIMS 64

typedef struct red_dims {
    int n;
    int64_t count; /* product of sh */
    int64_t sh[RED_MAX_DIMS], ist[RED_MAX_DIMS], ost[RED_MAX_DIMS];
} red_dims;

typedef struct red_plan {
    red_dims kept, red;
} red_plan;

/* Input and output offsets (elements) of flat position `flat` in dims. */
static inline void red_offsets(const red_dims *d, int64_t flat, int64_t *ioff, int64_t *ooff) {
    int64_t io = 0, oo = 0;
    for (int k = d->n - 1; k >= 0; k--) {
        int64_t i = flat % d->sh[k];
        flat /= d->sh[k];
        io += i * d->ist[k];
        oo += i * d->ost[k];
    }
    *ioff = io;
    *ooff = oo;
}

/* An odometer over a red_dims space tracking input/output offsets. */
typedef struct red_iter {
    int64_t idx[RED_MAX_DIMS];
    int64_t ioff, ooff;
} red_iter;

static inline void red_iter_start(red_iter *it, const red_dims *d, int64_t flat) {
    it->ioff = it->ooff = 0;
    if (d->count == 0) return; /* an empty space: nothing will be visited */
    int64_t f = flat;
    for (int k = d->n - 1; k >= 0; k--) {
        it->idx[k] = f % d->sh[k];
        f /= d->sh[k];
    }
    red_offsets(d, flat, &it->ioff, &it->ooff);
}

static inline void red_iter_next(red_iter *it, const red_dims *d) {
    for (int k = d->n - 1; k >= 0; k--) {
        it->ioff += d->ist[k];
        it->ooff += d->ost[k];
        if (++it->idx[k] < d->sh[k]) return;
        it->ioff -= d->ist[k] * d->sh[k];
        it->ooff -= d->ost[k] * d->sh[k];
        it->idx[k] = 0;
    }
}

/* Fast kernels (reduce_fast.c). Return true when they handled the node;
 * false leaves it to the reference kernel. `x` may be a contiguous copy of
 * the input (dtype it); y is the output (dtype ot); offsets are in p. */
bool ax__reduce_fast(ax_op op, const char *x, ax_dtype it, char *y, ax_dtype ot,
                     const red_plan *p);
bool ax__softmax_fast(const char *x, ax_dtype it, char *y, ax_dtype ot, const red_plan *p);
/* Is there a fast kernel for op over input dtype it (in some layout)? */
bool ax__reduce_fast_has(ax_op op, ax_dtype it);

/* A vectorized float exp (|rel err| < 2 ulp; NaN and +-inf behave as
 * expf). Shared with tests. */
void ax__exp_f32_n(const float *x, float *y, int64_t n);

#endif
