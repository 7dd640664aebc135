/* Launchers around cuFFT for the FFT primitive (fft.cu): gathering lines
 * into the dense layouts the plans read (zero padding, truncation, strided
 * inputs), scattering results with the norm scale, and scaling in place.
 *
 * A line layout [rows][len][cols] puts element i of line l = row * cols + col
 * at (row * len + i) * cols + col: cols = 1 gives contiguous lines, cols =
 * the lines after the axis gives the row-major array itself. */
#ifndef AX_CU_FFT_H
#define AX_CU_FFT_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst ([lines / cols][len][cols], float (real) or float2 elements) from src:
 * a descriptor whose last dim is the transform axis and whose leading dims
 * enumerate the lines in row-major order. Element i < use is copied, the
 * rest of each line is zero. c2r_n > 0: the imaginary parts of element 0
 * and, for even c2r_n, of element c2r_n / 2 are zeroed (C2R ignores them). */
cudaError_t ax_cu_fft_gather(const ax_cu_array *src, void *dst, int real, int64_t lines,
                             int64_t len, int64_t use, int64_t cols, int64_t c2r_n,
                             cudaStream_t s);

/* dst ([lines / cols][len][cols]) = scale * src (contiguous lines [lines][len]). */
cudaError_t ax_cu_fft_scatter(const void *src, void *dst, int real, int64_t lines, int64_t len,
                              int64_t cols, float scale, cudaStream_t s);

/* p[0 .. count) *= scale (floats). */
cudaError_t ax_cu_fft_scale(float *p, int64_t count, float scale, cudaStream_t s);

#ifdef __cplusplus
}
#endif
#endif
