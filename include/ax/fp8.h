/* ax/fp8.h — 8-bit floats: encode, decode, and scaled fp8 matrix products.
 *
 * fp8 arrays are uint8 arrays of codes in one of two formats (the OCP 8-bit
 * floating point formats, which Hopper's tensor cores multiply):
 *
 *   AX_FP8_E4M3 ("e4m3fn"): 4 exponent bits (bias 7), 3 mantissa bits, no
 *     infinities, largest finite 448, smallest subnormal 2^-9; NaN 0x7f/0xff.
 *   AX_FP8_E5M2: 5 exponent bits (bias 15), 2 mantissa bits, IEEE-like with
 *     infinities, largest finite 57344, smallest subnormal 2^-16.
 *
 * A code array carries no format; the functions take it. fp8 checkpoints
 * store the same bytes with float32 scales; safetensors' F8_E4M3 / F8_E5M2
 * tensors load as these uint8 codes, and ax_load_safetensors_ex says which
 * format each is.
 *
 * Encoding rounds each value once to the nearest code, ties to even, and
 * saturates: magnitudes beyond the largest finite value, infinities
 * included, become the largest finite value with their sign (CUDA's
 * __NV_SATFINITE, what quantization wants). NaN gives the canonical NaN
 * (0x7f E4M3, 0x7e E5M2); values that round to zero keep their sign.
 * Decoding is exact into any float dtype. The CPU and the GPU give the same
 * codes and values (one codec, docs/fp8.md).
 *
 * ax_fp8_matmul multiplies code matrices with per-tensor or row-wise scales:
 * out[i, j] = scale_a[i] * scale_b[j] * (decode(a) @ decode(b))[i, j], with
 * one scale per row of a and per column of b (a per-tensor scale is the same
 * for every i or j), accumulated in float32 (float64 for a float64 output)
 * and rounded once to out_dtype. On a GPU of compute capability 8.9 or more
 * it runs on the fp8 tensor cores through cuBLASLt when the problem fits
 * their rules (docs/fp8.md: dimensions multiples of 16, not both E5M2,
 * out_dtype float32/float16/bfloat16, float32 scales); anything else runs
 * as decode + float32 product, on the CPU or under the GPU's CPU fallback. For the tensor cores
 * b is best K-contiguous, i.e. the transpose of an (N, K) row-major weight
 * (ax_transpose of a Linear layer's weight): other layouts are copied first.
 *
 * Not differentiable in the codes (they are integers); ax_fp8_matmul is
 * differentiable in its scales. Errors: a complex input to ax_to_fp8, codes
 * that are not uint8, a non-float out dtype, scales that are not float32 or
 * float64: AX_ERR_DTYPE; scales of other shapes than those below:
 * AX_ERR_SHAPE; an unknown format: AX_ERR_VALUE; matrices that are not 2-D or whose inner dimensions differ:
 * AX_ERR_SHAPE. */
#ifndef AX_FP8_H
#define AX_FP8_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ax_fp8_format { AX_FP8_E4M3 = 0, AX_FP8_E5M2 = 1 } ax_fp8_format;

/* The fp8 codes (uint8, x's shape) of x (bool, integer or float). */
AX_API ax_array *ax_to_fp8(ax_ctx *ctx, ax_array *x, ax_fp8_format fmt);
/* The values of fp8 codes (uint8) in a float dtype (float16, bfloat16,
 * float32 or float64). */
AX_API ax_array *ax_from_fp8(ax_ctx *ctx, ax_array *codes, ax_fp8_format fmt, ax_dtype dtype);
/* scale_a * scale_b * (a @ b) for code matrices a (M, K) in format fa and b
 * (K, N) in format fb. Scales are float32 or float64, or NULL for 1:
 * per-tensor, one element (any shape); or row-wise, scale_a one per row of
 * a, shape (M,) or (M, 1), and scale_b one per column of b, shape (N,) or
 * (1, N) (a per-tensor scale may go with a row-wise one).
 * out_dtype: float16, bfloat16, float32 or float64. */
AX_API ax_array *ax_fp8_matmul(ax_ctx *ctx, ax_array *a, ax_array *b, ax_fp8_format fa, ax_fp8_format fb,
                               ax_array *scale_a, ax_array *scale_b, ax_dtype out_dtype);

#ifdef __cplusplus
}
#endif
#endif
