/* Params of the reduction family (SUM ... LOGSUMEXP, ARGMAX/ARGMIN, SOFTMAX),
 * shared by the op constructors (src/ops/reduce.c) and the kernels. */
#ifndef AX_OPS_REDUCE_PARAMS_H
#define AX_OPS_REDUCE_PARAMS_H

#include <stdint.h>

#include "ax/core.h"

/* Flexible size: sizeof(ax_reduce_params) + ndim bytes, zero-filled. */
typedef struct ax_reduce_params {
    int32_t ndim;     /* rank of the input */
    int32_t keepdims; /* reduced axes kept as size 1 in the output */
    uint8_t mask[];   /* mask[d] = 1 for each reduced (softmax: normalized) axis */
} ax_reduce_params;

/* Integers and bool become float32 (MLX's at_least_float); inexact types keep. */
static inline ax_dtype ax__reduce_float_dtype(ax_dtype t) {
    return ax_dtype_is_inexact(t) ? t : AX_FLOAT32;
}

/* Validate axes as the reductions do (errors name `name`) and give the
 * number of elements each output reduces. */
bool ax__reduce_count(ax_ctx *ctx, const char *name, ax_array *a, const int *axes, int naxes,
                      int64_t *n);

#endif
