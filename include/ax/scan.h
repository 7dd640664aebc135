/* ax/scan.h — cumulative scans (cumsum, cumprod, cummax, cummin, logcumsumexp). */
#ifndef AX_SCAN_H
#define AX_SCAN_H

#include "core.h"
#include "ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- scans */
/* Common contract of the five scans. `axis` may be negative; AX_AXIS_NONE
 * scans the flattened array (NumPy's axis=None) and returns a 1-D result.
 * With `reverse` the scan runs from the end of the axis (out[i] combines
 * x[i:], like flip(scan(flip(x)))). With `inclusive` out[i] includes x[i]
 * (NumPy's behaviour); exclusive scans shift the identity in: out[0] is 0
 * (cumsum), 1 (cumprod), the dtype's lowest value or -inf (cummax), its
 * highest value or +inf (cummin), -inf (logcumsumexp), and out[i] combines
 * x[:i] (reverse: x[i+1:]). The result has the input's shape. Errors: bad
 * axis (AX_ERR_AXIS); complex input to cummax, cummin, logcumsumexp
 * (AX_ERR_DTYPE). */

/* Running sum. Dtype as NumPy's np.cumsum: bool and int8/16/32 accumulate in
 * int64, uint8/16/32 in uint64 (integers wrap modulo 2^64); 64-bit integers,
 * floating types and complex64 keep their dtype. Floating sums accumulate in
 * float64 and round each output once. (MLX keeps small integer dtypes.) */
AX_API ax_array *ax_cumsum(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive);
/* Running product; dtype rule and accumulation as ax_cumsum. */
AX_API ax_array *ax_cumprod(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive);
/* Running maximum (np.maximum.accumulate): keeps the dtype; a NaN propagates
 * to every later output. */
AX_API ax_array *ax_cummax(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive);
/* Running minimum (np.minimum.accumulate); as ax_cummax. */
AX_API ax_array *ax_cummin(ax_ctx *ctx, ax_array *a, int axis, bool reverse, bool inclusive);
/* Running log(sum(exp(x))) (np.logaddexp.accumulate), computed stably in
 * float64; integer and bool inputs give float32 (as ax_logsumexp), floating
 * inputs keep their dtype. -inf entries contribute nothing; NaN propagates. */
AX_API ax_array *ax_logcumsumexp(ax_ctx *ctx, ax_array *a, int axis, bool reverse,
                                 bool inclusive);

#ifdef __cplusplus
}
#endif
#endif
