/* Params of the convolution family (CONV, MAX_POOL, AVG_POOL), shared by the
 * op constructors (src/ops/conv.c, src/ops/pool.c) and the CPU kernels
 * (src/backend/cpu/conv*.c, pool.c). Layout is channels-last (docs/conv.md):
 * input (N, spatial..., C_in), weight (C_out, kernel spatial..., C_in/groups),
 * output (N, spatial..., C_out). Unused trailing entries are zero so params
 * compare bytewise. */
#ifndef AX_OPS_CONV_PARAMS_H
#define AX_OPS_CONV_PARAMS_H

#include <stdint.h>

#include "ax/core.h"

/* Most spatial dimensions a convolution or pooling may have. */
#define AX_CONV_MAX_SP 8

typedef struct ax_conv_params {
    int32_t nsp;    /* spatial dims: input rank - 2 */
    int32_t flip;   /* 1: correlate with the spatially reversed kernel (true convolution) */
    int64_t groups; /* C_in and C_out split into this many independent groups */
    int64_t stride[AX_CONV_MAX_SP];
    int64_t pad_lo[AX_CONV_MAX_SP]; /* may be negative (crops the input) */
    int64_t pad_hi[AX_CONV_MAX_SP];
    int64_t kdil[AX_CONV_MAX_SP]; /* kernel dilation: taps kdil apart */
    int64_t idil[AX_CONV_MAX_SP]; /* input dilation: idil - 1 zeros between inputs */
} ax_conv_params;

typedef struct ax_pool_params {
    int32_t nsp;
    int32_t count_include_pad; /* avg_pool: divide by the kernel volume */
    int64_t kernel[AX_CONV_MAX_SP];
    int64_t stride[AX_CONV_MAX_SP];
    int64_t pad[AX_CONV_MAX_SP]; /* symmetric; max_pool pads with -inf */
} ax_pool_params;

/* Output extent of one spatial dim of a convolution: the input (size in,
 * dilated by idil) padded by lo and hi, the kernel (size k dilated by kdil),
 * stride s. Returns <= 0 when the kernel does not fit. */
static inline int64_t ax__conv_out_size(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi,
                                        int64_t kdil, int64_t idil) {
    int64_t span = (in - 1) * idil + 1 + lo + hi;
    int64_t keff = (k - 1) * kdil + 1;
    if (span < keff) return 0;
    return (span - keff) / s + 1;
}

#endif
