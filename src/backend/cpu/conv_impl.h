/* Internal to the CPU convolution/pooling kernels (conv.c, conv_*.c, pool.c). */
#ifndef AX_CPU_CONV_IMPL_H
#define AX_CPU_CONV_IMPL_H

#include "backend/cpu/cpu.h"

/* Pooling kernels (pool.c); conv.c's ax__cpu_register_conv calls it. */
void ax__cpu_register_pool(ax_kernel *table);

/* A temporary row-major array of dtype t and the given shape with a pool
 * buffer; NULL on OOM (error recorded). Release with ax_release. */
ax_array *ax__conv_temp(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int ndim);
/* x as a row-major array of dtype t: x itself (a new reference) when it
 * already is, else a converted copy. NULL on OOM. */
ax_array *ax__conv_dense(ax_ctx *ctx, ax_array *x, ax_dtype t);

#endif
