/* ax/conv.h — convolution, transposed convolution and pooling.
 *
 * Layout is channels-last, as in MLX (docs/conv.md gives the mapping to
 * PyTorch's NCHW/OIHW):
 *   input   (N, spatial..., C_in)
 *   weight  (C_out, kernel spatial..., C_in / groups)
 *   output  (N, out spatial..., C_out)
 * for 1, 2 or 3 spatial dims (conv_general takes any number up to 8). The
 * ops compute cross-correlation as every deep-learning framework does (the
 * kernel is not flipped unless `flip` is set in ax_conv_general).
 *
 * Output size per spatial dim, with the input dilated (idil - 1 zeros
 * inserted between elements) and padded by lo/hi:
 *   span = (in - 1) * idil + 1 + lo + hi,  k_eff = (k - 1) * kdil + 1,
 *   out  = (span - k_eff) / stride + 1   (floor division).
 * The kernel must fit (span >= k_eff), otherwise the op fails with
 * AX_ERR_SHAPE.
 *
 * dtypes: float16, bfloat16, float32, float64. Input and weight are
 * promoted to a common dtype (JAX/MLX rules), which is the result's dtype;
 * integer, bool and complex inputs are AX_ERR_DTYPE. float16/bfloat16 are
 * computed in float32 and rounded once.
 *
 * Errors (the message starts with the op name, e.g. "conv2d: ..."): wrong
 * ranks, a channel count that does not match the weight or is not divisible
 * by groups, a kernel larger than the padded input, a zero spatial size:
 * AX_ERR_SHAPE; stride, dilation or groups < 1, negative padding where it is
 * not allowed, bad output_padding: AX_ERR_VALUE.
 */
#ifndef AX_CONV_H
#define AX_CONV_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- convolution */

/* The general convolution over input->ndim - 2 spatial dims (1 to 8). Each
 * array argument holds one value per spatial dim; NULL selects the default:
 * stride 1, padding 0, dilations 1. Padding may be negative (the input is
 * cropped). kernel_dilation spaces the kernel taps; input_dilation inserts
 * input_dilation - 1 zeros between input elements (a fractionally strided
 * convolution, as JAX's lhs_dilation). groups splits C_in and C_out into
 * independent groups (C_in = groups * weight's last dim; C_out divisible by
 * groups). flip correlates with the spatially reversed kernel. */
AX_API ax_array *ax_conv_general(ax_ctx *ctx, ax_array *input, ax_array *weight,
                                 const int64_t *stride, const int64_t *padding_lo,
                                 const int64_t *padding_hi, const int64_t *kernel_dilation,
                                 const int64_t *input_dilation, int64_t groups, bool flip);
/* 1-D convolution: input (N, W, C_in), weight (C_out, K, C_in / groups),
 * symmetric zero padding. */
AX_API ax_array *ax_conv1d(ax_ctx *ctx, ax_array *input, ax_array *weight, int64_t stride,
                           int64_t padding, int64_t dilation, int64_t groups);
/* 2-D convolution: input (N, H, W, C_in), weight (C_out, KH, KW, C_in /
 * groups). stride, padding (symmetric, per dim) and dilation hold 2 values;
 * NULL gives 1, 0 and 1. */
AX_API ax_array *ax_conv2d(ax_ctx *ctx, ax_array *input, ax_array *weight, const int64_t *stride,
                           const int64_t *padding, const int64_t *dilation, int64_t groups);
/* 3-D convolution: input (N, D, H, W, C_in), weight (C_out, KD, KH, KW,
 * C_in / groups); arrays of 3 values, NULL for the defaults. */
AX_API ax_array *ax_conv3d(ax_ctx *ctx, ax_array *input, ax_array *weight, const int64_t *stride,
                           const int64_t *padding, const int64_t *dilation, int64_t groups);

/* ---------------------------------------------------------------- transposed convolution */

/* Transposed convolution (the gradient of conv with respect to its input),
 * as PyTorch's conv_transpose1d but channels-last: input (N, W, C_in),
 * weight (C_out, K, C_in / groups) — the same layout as conv1d's weight for
 * the forward convolution from C_out back to C_in channels (PyTorch stores
 * it as (C_in, C_out / groups, K); docs/conv.md). Output width
 *   (W - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1.
 * padding >= 0; 0 <= output_padding < max(stride, dilation). */
AX_API ax_array *ax_conv_transpose1d(ax_ctx *ctx, ax_array *input, ax_array *weight,
                                     int64_t stride, int64_t padding, int64_t dilation,
                                     int64_t output_padding, int64_t groups);
/* 2-D transposed convolution: input (N, H, W, C_in), weight (C_out, KH, KW,
 * C_in / groups); arrays of 2 values, NULL for stride 1, padding 0,
 * dilation 1, output_padding 0. */
AX_API ax_array *ax_conv_transpose2d(ax_ctx *ctx, ax_array *input, ax_array *weight,
                                     const int64_t *stride, const int64_t *padding,
                                     const int64_t *dilation, const int64_t *output_padding,
                                     int64_t groups);
/* 3-D transposed convolution: input (N, D, H, W, C_in), weight (C_out, KD,
 * KH, KW, C_in / groups); arrays of 3 values, NULL for the defaults. */
AX_API ax_array *ax_conv_transpose3d(ax_ctx *ctx, ax_array *input, ax_array *weight,
                                     const int64_t *stride, const int64_t *padding,
                                     const int64_t *dilation, const int64_t *output_padding,
                                     int64_t groups);

/* ---------------------------------------------------------------- pooling */

/* Max pooling over the spatial dims of a channels-last input (N, spatial...,
 * C); each channel pools independently. Windows of `kernel` elements move
 * by `stride`; the input is padded by `padding` on both sides with -inf (as
 * PyTorch: 0 <= padding <= kernel / 2, so no window lies in the padding).
 * Output size per dim: (in + 2 * padding - kernel) / stride + 1 (floor).
 * NaN inside a window propagates. Same dtype as the input; float16,
 * bfloat16, float32, float64 (others AX_ERR_DTYPE). */
AX_API ax_array *ax_max_pool1d(ax_ctx *ctx, ax_array *input, int64_t kernel, int64_t stride,
                               int64_t padding);
/* 2-D max pooling of (N, H, W, C): kernel holds 2 values; stride NULL means
 * stride = kernel (PyTorch's default), padding NULL means 0. */
AX_API ax_array *ax_max_pool2d(ax_ctx *ctx, ax_array *input, const int64_t *kernel,
                               const int64_t *stride, const int64_t *padding);
/* 3-D max pooling of (N, D, H, W, C); arrays of 3 values as max_pool2d. */
AX_API ax_array *ax_max_pool3d(ax_ctx *ctx, ax_array *input, const int64_t *kernel,
                               const int64_t *stride, const int64_t *padding);
/* Average pooling, same windows as max pooling but the padding holds
 * zeros. count_include_pad true divides every window by the kernel volume
 * (PyTorch's default); false divides by the number of input elements the
 * window covers (padding excluded; TensorFlow's "SAME" averaging). Sums
 * accumulate in float32 for float16/bfloat16/float32 and float64 for float64. */
AX_API ax_array *ax_avg_pool1d(ax_ctx *ctx, ax_array *input, int64_t kernel, int64_t stride,
                               int64_t padding, bool count_include_pad);
AX_API ax_array *ax_avg_pool2d(ax_ctx *ctx, ax_array *input, const int64_t *kernel,
                               const int64_t *stride, const int64_t *padding,
                               bool count_include_pad);
AX_API ax_array *ax_avg_pool3d(ax_ctx *ctx, ax_array *input, const int64_t *kernel,
                               const int64_t *stride, const int64_t *padding,
                               bool count_include_pad);

#ifdef __cplusplus
}
#endif
#endif
