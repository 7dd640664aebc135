/* Launchers of the pooling kernels (pool.cu), used by ../conv.c.
 * Channels-last x (N, I..., C) -> out (N, O..., C) row-major. */
#ifndef AX_CU_POOL_H
#define AX_CU_POOL_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AX_CU_POOL_MAX_SP 8 /* AX_CONV_MAX_SP */

/* Window tap k of output o reads input o * stride + k - pad when inside the
 * input. max: taps in the padding are ignored, a NaN in the window wins;
 * avg: sum of the valid taps times 1 / (count_include_pad ? KV : valid
 * taps). Accumulation in float32 (float64 for float64) in tap order, as the
 * CPU's fast kernel. */
typedef struct ax_cu_pool {
    int nsp, is_max, count_include_pad;
    int64_t N, C, KV, OV;
    int64_t I[AX_CU_POOL_MAX_SP], K[AX_CU_POOL_MAX_SP], O[AX_CU_POOL_MAX_SP];
    int64_t stride[AX_CU_POOL_MAX_SP], pad[AX_CU_POOL_MAX_SP];
    int64_t xs[AX_CU_POOL_MAX_SP + 2]; /* x strides (elements): batch, spatial..., channel */
} ax_cu_pool;

/* dtype: float16, bfloat16, float32 or float64. */
cudaError_t ax_cu_pool_run(const ax_cu_pool *g, int dtype, const void *x, void *out,
                           cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
