/* Fast contiguous conversions between float16/bfloat16 and float32 for the
 * half-precision matmul path (same rounding as ax_f32_to_f16/ax_f32_to_bf16:
 * round to nearest even), split over the thread pool when large. */
#ifndef AX_CPU_GEMM_CONVERT_H
#define AX_CPU_GEMM_CONVERT_H

#include <stdint.h>

#include "ax/core.h"

/* dst[i] = (float)src[i] for src of dtype t (float16 or bfloat16). */
void ax__half_to_f32(const uint16_t *src, ax_dtype t, float *dst, int64_t n);
/* dst[i] = src[i] rounded to dtype t (float16 or bfloat16). */
void ax__f32_to_half(const float *src, ax_dtype t, uint16_t *dst, int64_t n);

#endif
