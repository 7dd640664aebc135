/* Launchers of the extra family's CUDA kernels (kernels/extra.cu): WINDOW,
 * I0, I1; called from src/backend/cuda/random.c. Plain C. */
#ifndef AX_CU_EXTRA_H
#define AX_CU_EXTRA_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = window value i of length m (kind: AX__WINDOW_*), computed in
 * double and rounded once to out_dtype (a float dtype). i0beta: I0(beta)
 * from the host (kaiser's denominator, the CPU's value exactly). */
cudaError_t ax_cu_window(void *out, int out_dtype, int64_t m, int kind, double beta, double i0beta,
                         cudaStream_t stream);

/* out = I0(x) (order 0) or I1(x) (order 1), elementwise over an ew layout
 * (operand 0 out, 1 x; one float dtype), in double, rounded once. */
cudaError_t ax_cu_bessel(const ax_cu_ew *l, int order, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
