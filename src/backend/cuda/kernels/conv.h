/* Launchers of the convolution kernels (conv.cu), used by ../conv.c.
 * Layout channels-last (src/ops/conv_params.h): x (N, I..., C_in), w
 * (C_out, K..., C_in / G), out (N, O..., C_out) row-major. */
#ifndef AX_CU_CONV_H
#define AX_CU_CONV_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AX_CU_CONV_MAX_SP 8 /* AX_CONV_MAX_SP */

/* Geometry of a CONV node. Output position o and kernel tap k (weight index
 * K-1-k with flip) read the input at q = o * stride + k * kdil - pad_lo:
 * element q / idil when q is a multiple of idil inside the input, else 0. */
typedef struct ax_cu_conv {
    int nsp, flip;
    int64_t N, cin, cout, G, cin_g, cout_g;
    int64_t KV, OV; /* kernel volume, output positions per image */
    int64_t I[AX_CU_CONV_MAX_SP], K[AX_CU_CONV_MAX_SP], O[AX_CU_CONV_MAX_SP];
    int64_t stride[AX_CU_CONV_MAX_SP], pad_lo[AX_CU_CONV_MAX_SP];
    int64_t kdil[AX_CU_CONV_MAX_SP], idil[AX_CU_CONV_MAX_SP];
    int64_t xs[AX_CU_CONV_MAX_SP + 2]; /* x strides (elements): batch, spatial..., channel */
    int64_t ws[AX_CU_CONV_MAX_SP + 2]; /* w strides: C_out, kernel spatial..., C_in / G */
} ax_cu_conv;

/* Column matrices of output rows [m0, m0 + mt) (row m = image * OV + output
 * position) for every group: cols[grp][row][t * cin_g + ci] holds the input
 * that weight tap t (flattened, row-major over K) meets for channel
 * grp * cin_g + ci, or 0. cols is dense, G * mt * KV * cin_g elements. dtype:
 * float16, bfloat16, float32 or float64 (x's). */
cudaError_t ax_cu_conv_im2col(const ax_cu_conv *g, int dtype, const void *x, void *cols,
                              int64_t m0, int64_t mt, cudaStream_t stream);

/* Direct convolution, one thread per output element, accumulating in
 * float32 (float64 for float64) and rounding once: for depthwise and other
 * narrow groups where a GEMM would be degenerate. out dense. */
cudaError_t ax_cu_conv_direct(const ax_cu_conv *g, int dtype, const void *x, const void *w,
                              void *out, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
