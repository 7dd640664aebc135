/* ax/ops.h — array operations.
 *
 * Every op is lazy: it validates its arguments, works out the result's shape
 * and dtype, and returns a new array owned by the innermost scope. Nothing is
 * computed until the result is evaluated. On bad input an op records an
 * error naming itself and the shapes involved and returns NULL; given a NULL
 * input it returns NULL without touching the recorded error.
 *
 * Axes may be negative (counted from the end). Binary ops broadcast as NumPy
 * does and promote dtypes as JAX/MLX do (docs/promotion.md).
 */
#ifndef AX_OPS_H
#define AX_OPS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "No axis": flatten first (argmax, take, repeat, roll with this axis). */
#define AX_AXIS_NONE INT32_MIN
/* An omitted slice bound, like an empty position in Python's a[::-1]. */
#define AX_SLICE_NONE INT64_MIN

/* ---------------------------------------------------------------- creation */

/* Values start, start+step, ... below stop: ceil((stop - start) / step)
 * elements, as NumPy. step == 0 or a non-finite bound is AX_ERR_VALUE. The
 * values follow NumPy's fill: x0 = start and x1 = start + step converted to
 * the dtype, then x0 + i * (x1 - x0) computed in int64 for integer dtypes
 * (so arange(0, 5, 0.5) of an integer dtype is all zeros; narrow integers
 * wrap), in float for float32/float16/bfloat16/complex64, in double for
 * float64; bool elements are start + i * step != 0. */
AX_API ax_array *ax_arange(ax_ctx *ctx, double start, double stop, double step, ax_dtype dtype);
/* `num` evenly spaced values from start to stop (stop included if endpoint),
 * computed in float64 as NumPy (the last value is stop itself); integer
 * dtypes take the floor (NumPy 2). num < 0 is AX_ERR_VALUE. */
AX_API ax_array *ax_linspace(ax_ctx *ctx, double start, double stop, int64_t num, bool endpoint,
                             ax_dtype dtype);
/* `value` converted to the dtype (out-of-range values saturate for integers,
 * as float-to-int conversions do). Negative dims are AX_ERR_SHAPE. The _like
 * forms take a's shape and dtype. */
AX_API ax_array *ax_full(ax_ctx *ctx, const int64_t *shape, int ndim, double value, ax_dtype dtype);
AX_API ax_array *ax_zeros(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype);
AX_API ax_array *ax_ones(ax_ctx *ctx, const int64_t *shape, int ndim, ax_dtype dtype);
AX_API ax_array *ax_full_like(ax_ctx *ctx, ax_array *a, double value);
AX_API ax_array *ax_zeros_like(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_ones_like(ax_ctx *ctx, ax_array *a);
/* n x m with ones on diagonal k (k > 0 above the main diagonal). */
AX_API ax_array *ax_eye(ax_ctx *ctx, int64_t n, int64_t m, int64_t k, ax_dtype dtype);
AX_API ax_array *ax_identity(ax_ctx *ctx, int64_t n, ax_dtype dtype);
/* n x m with ones at and below diagonal k. */
AX_API ax_array *ax_tri(ax_ctx *ctx, int64_t n, int64_t m, int64_t k, ax_dtype dtype);
/* Coordinate grids from n arrays (each flattened) into out[0..n-1]; `ij`
 * selects matrix indexing (else Cartesian "xy", NumPy's default, which swaps
 * the first two output axes). Each output keeps its input's dtype and is a
 * broadcast view (no copy). On error every out[i] is NULL. */
AX_API ax_status ax_meshgrid(ax_ctx *ctx, ax_array *const *xs, int n, bool ij, ax_array **out);

/* ---------------------------------------------------------------- cast */

AX_API ax_array *ax_astype(ax_ctx *ctx, ax_array *a, ax_dtype dtype);
/* A copy with its own buffer (row-major). */
AX_API ax_array *ax_copy(ax_ctx *ctx, ax_array *a);

/* ---------------------------------------------------------------- unary */
/* abs/negative/sign/square and floor/ceil/round/trunc keep the dtype (the
 * rounding ops are the identity on integers); transcendental ops, sqrt,
 * rsqrt and reciprocal turn bool/integer inputs into float32. complex64:
 * abs (-> float32), negative, sign (z / |z|), square, sqrt, rsqrt,
 * reciprocal, exp, exp2, expm1, the logs, trig and hyperbolic functions and
 * their inverses, conjugate, real/imag (-> float32), isnan/isinf/isfinite,
 * logical_not; the others give AX_ERR_DTYPE. real of a real array is the
 * array, imag of it zeros. */

AX_API ax_array *ax_abs(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_negative(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_sign(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_square(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_sqrt(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_rsqrt(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_reciprocal(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_exp(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_exp2(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_expm1(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_log(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_log2(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_log10(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_log1p(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_sin(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_cos(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_tan(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arcsin(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arccos(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arctan(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_sinh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_cosh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_tanh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arcsinh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arccosh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_arctanh(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_floor(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_ceil(ax_ctx *ctx, ax_array *a);
/* Round half to even, as NumPy. */
AX_API ax_array *ax_round(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_trunc(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_erf(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_erfinv(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_sigmoid(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_degrees(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_radians(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_logical_not(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_bitwise_invert(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_isnan(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_isinf(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_isfinite(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_isposinf(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_isneginf(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_conjugate(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_real(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_imag(ax_ctx *ctx, ax_array *a);

/* ---------------------------------------------------------------- binary */
/* bool: add is logical or, multiply logical and, subtract an error.
 * complex64: add, subtract, multiply, divide, power, equal, not_equal and
 * the logical ops; ordering comparisons, maximum/minimum and the rest give
 * AX_ERR_DTYPE. maximum/minimum propagate NaN. Comparisons and logical ops
 * return bool. */

AX_API ax_array *ax_add(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_subtract(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_multiply(ax_ctx *ctx, ax_array *a, ax_array *b);
/* True division: integers promote to float32 (as JAX/MLX). */
AX_API ax_array *ax_divide(ax_ctx *ctx, ax_array *a, ax_array *b);
/* NumPy's floor_divide and remainder (sign of the divisor). Integer division
 * by zero gives 0, as NumPy does. */
AX_API ax_array *ax_floor_divide(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_remainder(ax_ctx *ctx, ax_array *a, ax_array *b);
/* Integer power with a negative exponent gives the truncated 1 / a^|b|: 1 for
 * a == 1, +-1 for a == -1 (by the parity of b), 0 otherwise (a == 0 included);
 * no error. Integer results wrap. */
AX_API ax_array *ax_power(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_maximum(ax_ctx *ctx, ax_array *a, ax_array *b); /* NaN propagates */
AX_API ax_array *ax_minimum(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_equal(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_not_equal(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_less(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_less_equal(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_greater(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_greater_equal(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_logical_and(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_logical_or(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_logical_xor(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_logaddexp(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_arctan2(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_hypot(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_copysign(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_nextafter(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_bitwise_and(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_bitwise_or(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_bitwise_xor(ax_ctx *ctx, ax_array *a, ax_array *b);
/* Shifts by a negative amount or by >= the bit width give 0 (or -1 for a
 * right shift of a negative signed value), as NumPy does. */
AX_API ax_array *ax_left_shift(ax_ctx *ctx, ax_array *a, ax_array *b);
AX_API ax_array *ax_right_shift(ax_ctx *ctx, ax_array *a, ax_array *b);
/* |a - b| <= atol + rtol * |b|, elementwise (NaN never close unless equal_nan). */
AX_API ax_array *ax_isclose(ax_ctx *ctx, ax_array *a, ax_array *b, double rtol, double atol,
                            bool equal_nan);
AX_API ax_status ax_allclose(ax_ctx *ctx, ax_array *a, ax_array *b, double rtol, double atol,
                             bool equal_nan, bool *result);

/* ---------------------------------------------------------------- ternary */

/* cond ? x : y, broadcast over all three; cond is cast to bool. */
AX_API ax_array *ax_where(ax_ctx *ctx, ax_array *cond, ax_array *x, ax_array *y);
/* Elementwise min(max(a, lo), hi); the result has a's dtype promoted with lo/hi. */
AX_API ax_array *ax_clip(ax_ctx *ctx, ax_array *a, ax_array *lo, ax_array *hi);
/* Scalar bounds; pass -INFINITY / INFINITY for no bound. Keeps a's dtype. */
AX_API ax_array *ax_clip_scalar(ax_ctx *ctx, ax_array *a, double lo, double hi);

/* ---------------------------------------------------------------- reductions */
/* `axes == NULL` reduces over all axes; otherwise the `naxes` listed axes (an
 * empty list reduces nothing, but the dtype rule still applies). Axes may be
 * negative; an axis out of range or listed twice is AX_ERR_AXIS.
 *
 * Result dtypes (MLX's rules):
 *  - sum, prod: bool, int8, int16, int32 -> int32; uint8, uint16, uint32 ->
 *    uint32; int64, uint64, floats and complex64 keep their dtype. Integer
 *    results wrap modulo 2^bits of the result dtype (int32 sum of
 *    [INT32_MAX, 1] is INT32_MIN). float16/bfloat16 accumulate in float32 or
 *    wider; float32 sums use blocked accumulation (error like NumPy's
 *    pairwise sum or smaller). Empty reductions give 0 (sum) and 1 (prod).
 *  - max, min: the input dtype; NaN propagates. An empty reduction is
 *    AX_ERR_VALUE ("zero-size array to reduction operation max which has no
 *    identity"). complex64: AX_ERR_DTYPE.
 *  - mean, var, std: integers and bool -> float32, floats and complex64 (mean
 *    only) keep their dtype; var = sum(|x - mean|^2) / max(n - ddof, 0),
 *    std = sqrt(var). Integers and half floats are computed in float32.
 *  - all, any: bool (NaN counts as true). Empty: all -> true, any -> false.
 *  - logsumexp: integers and bool -> float32; computed as m + log(sum(exp(x -
 *    m))) with m the max, so rows of -inf give -inf, any +inf gives +inf,
 *    NaN gives NaN, an empty reduction -inf. complex64: AX_ERR_DTYPE.
 *  - argmax, argmin: int64 (below); softmax: as logsumexp. */

AX_API ax_array *ax_sum(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_prod(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_max(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_min(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_mean(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_var(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims,
                        int ddof);
AX_API ax_array *ax_std(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims,
                        int ddof);
AX_API ax_array *ax_all(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_any(ax_ctx *ctx, ax_array *a, const int *axes, int naxes, bool keepdims);
AX_API ax_array *ax_logsumexp(ax_ctx *ctx, ax_array *a, const int *axes, int naxes,
                              bool keepdims);
/* int64 index of the first max/min along `axis` (NaN counts as the max and
 * the min, as NumPy), or of the flattened array for AX_AXIS_NONE. */
AX_API ax_array *ax_argmax(ax_ctx *ctx, ax_array *a, int axis, bool keepdims);
AX_API ax_array *ax_argmin(ax_ctx *ctx, ax_array *a, int axis, bool keepdims);
/* exp(a - max) / sum(exp(a - max)) over the axes (NULL: all); same shape as
 * a. A group holding +inf or only -inf gives NaN, as the formula does. */
AX_API ax_array *ax_softmax(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);

/* ---------------------------------------------------------------- shape */

/* One entry of `shape` may be -1 (inferred). A view when the strides allow. */
AX_API ax_array *ax_reshape(ax_ctx *ctx, ax_array *a, const int64_t *shape, int ndim);
AX_API ax_array *ax_flatten(ax_ctx *ctx, ax_array *a, int start_axis, int end_axis);
/* axes == NULL squeezes every size-1 axis. */
AX_API ax_array *ax_squeeze(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);
AX_API ax_array *ax_expand_dims(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);
/* perm == NULL reverses the axes. */
AX_API ax_array *ax_transpose(ax_ctx *ctx, ax_array *a, const int *perm, int nperm);
AX_API ax_array *ax_swapaxes(ax_ctx *ctx, ax_array *a, int axis1, int axis2);
AX_API ax_array *ax_moveaxis(ax_ctx *ctx, ax_array *a, int source, int destination);
AX_API ax_array *ax_broadcast_to(ax_ctx *ctx, ax_array *a, const int64_t *shape, int ndim);
AX_API ax_array *ax_concatenate(ax_ctx *ctx, ax_array *const *arrays, int n, int axis);
AX_API ax_array *ax_stack(ax_ctx *ctx, ax_array *const *arrays, int n, int axis);
/* Split into `sections` equal parts along axis, written to out[0..sections-1]. */
AX_API ax_status ax_split(ax_ctx *ctx, ax_array *a, int sections, int axis, ax_array **out);
/* Split before each of the n sorted indices: out gets n + 1 arrays. */
AX_API ax_status ax_split_at(ax_ctx *ctx, ax_array *a, const int64_t *indices, int n, int axis,
                             ax_array **out);
AX_API ax_array *ax_tile(ax_ctx *ctx, ax_array *a, const int64_t *reps, int nreps);
AX_API ax_array *ax_repeat(ax_ctx *ctx, ax_array *a, int64_t repeats, int axis);

typedef enum ax_pad_mode { AX_PAD_CONSTANT, AX_PAD_EDGE, AX_PAD_REFLECT } ax_pad_mode;
/* pad_width holds (before, after) for each of a's axes: 2 * ndim values. */
AX_API ax_array *ax_pad(ax_ctx *ctx, ax_array *a, const int64_t *pad_width, ax_pad_mode mode,
                        double value);
/* Roll by shifts[i] along axes[i]; axes == NULL rolls the flattened array by shifts[0]. */
AX_API ax_array *ax_roll(ax_ctx *ctx, ax_array *a, const int64_t *shifts, const int *axes, int n);
/* axes == NULL flips every axis. A view. */
AX_API ax_array *ax_flip(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);
/* A view of the diagonal `offset` of axes (axis1, axis2), moved to the end. */
AX_API ax_array *ax_diagonal(ax_ctx *ctx, ax_array *a, int64_t offset, int axis1, int axis2);
AX_API ax_array *ax_trace(ax_ctx *ctx, ax_array *a, int64_t offset, int axis1, int axis2);
AX_API ax_array *ax_tril(ax_ctx *ctx, ax_array *a, int64_t k);
AX_API ax_array *ax_triu(ax_ctx *ctx, ax_array *a, int64_t k);
/* A view with explicit shape and strides (elements) starting `offset`
 * elements past a's first element. The extent must stay inside a's buffer. */
AX_API ax_array *ax_as_strided(ax_ctx *ctx, ax_array *a, const int64_t *shape,
                               const int64_t *strides, int ndim, int64_t offset);
/* Row-major copy if a is not contiguous (else a itself, with a new reference). */
AX_API ax_array *ax_contiguous(ax_ctx *ctx, ax_array *a);

/* ---------------------------------------------------------------- indexing */
/* Index policy (docs/indexing.md): negative indices count from the end;
 * indices outside [-n, n) are an error (AX_ERR_INDEX), reported when the
 * indices are known, which for lazy index arrays is at evaluation. */

/* a[start:stop:step, ...] for the first n axes, NumPy's clamping rules; use
 * AX_SLICE_NONE for an omitted bound; step != 0. A view. */
AX_API ax_array *ax_slice(ax_ctx *ctx, ax_array *a, const int64_t *start, const int64_t *stop,
                          const int64_t *step, int n);
AX_API ax_array *ax_slice_axis(ax_ctx *ctx, ax_array *a, int axis, int64_t start, int64_t stop,
                               int64_t step);
/* A copy of a with a[start:stop:step] replaced by update (broadcast to the slice). */
AX_API ax_array *ax_slice_update(ax_ctx *ctx, ax_array *a, ax_array *update,
                                 const int64_t *start, const int64_t *stop, const int64_t *step,
                                 int n);
/* np.take: select along axis with integer indices (AX_AXIS_NONE flattens). */
AX_API ax_array *ax_take(ax_ctx *ctx, ax_array *a, ax_array *indices, int axis);
AX_API ax_array *ax_take_along_axis(ax_ctx *ctx, ax_array *a, ax_array *indices, int axis);
/* A copy of a with values put at indices along axis (np.put_along_axis). */
AX_API ax_array *ax_put_along_axis(ax_ctx *ctx, ax_array *a, ax_array *indices, ax_array *values,
                                   int axis);
/* General gather (as MLX): indices[i] index axis axes[i] of a; the indices are
 * broadcast together to shape B; from each indexed position a slice of size
 * slice_sizes (one per axis of a, 1 on the indexed axes) is taken. Result
 * shape: B + slice_sizes. */
AX_API ax_array *ax_gather(ax_ctx *ctx, ax_array *a, ax_array *const *indices, int nidx,
                           const int *axes, const int64_t *slice_sizes);

typedef enum ax_scatter_mode {
    AX_SCATTER_ASSIGN, /* last write wins (order unspecified for duplicates) */
    AX_SCATTER_ADD,
    AX_SCATTER_PROD,
    AX_SCATTER_MAX,
    AX_SCATTER_MIN
} ax_scatter_mode;
/* The inverse of gather: a copy of a where the slices at the indexed positions
 * are combined with `updates` (shape: broadcast(indices) + one slice of ndim(a)
 * dims). */
AX_API ax_array *ax_scatter(ax_ctx *ctx, ax_array *a, ax_array *const *indices, int nidx,
                            ax_array *updates, const int *axes, ax_scatter_mode mode);

/* ---------------------------------------------------------------- products */

/* NumPy matmul: 1-D operands are promoted (a to a row, b to a column) and
 * the added axis removed; batch axes broadcast; inner dimensions must match
 * (AX_ERR_SHAPE naming both shapes); 0-d operands are AX_ERR_SHAPE (use
 * multiply). The operands' promoted dtype must be inexact: float16, bfloat16,
 * float32, float64 or complex64; integer and bool products are AX_ERR_DTYPE,
 * as in MLX (cast first; int32 @ float32 promotes to float32 and is fine).
 * float16/bfloat16 accumulate in (at least) float32 and round once. */
AX_API ax_array *ax_matmul(ax_ctx *ctx, ax_array *a, ax_array *b);
/* beta * c + alpha * (a @ b), c broadcast to the product's shape; dtypes as
 * matmul (c takes part in the promotion). As in BLAS and PyTorch, a term
 * with a zero factor is not evaluated: with beta == 0, c is not read (NaN or
 * Inf in it do not propagate), with alpha == 0, neither is a @ b. */
AX_API ax_array *ax_addmm(ax_ctx *ctx, ax_array *c, ax_array *a, ax_array *b, double alpha,
                          double beta);
/* NumPy inner: contracts the last axes (0-d operands: multiply). */
AX_API ax_array *ax_inner(ax_ctx *ctx, ax_array *a, ax_array *b);
/* NumPy outer: a flattened (m,) times b flattened (n,) -> (m, n); any dtype
 * (it is an elementwise multiply). */
AX_API ax_array *ax_outer(ax_ctx *ctx, ax_array *a, ax_array *b);
/* Contract a's axes_a[i] with b's axes_b[i], i < n (sizes must match). The
 * result has a's free axes then b's, in order. Float dtypes as matmul. */
AX_API ax_array *ax_tensordot(ax_ctx *ctx, ax_array *a, ax_array *b, const int *axes_a,
                              const int *axes_b, int n);
/* Contract the last n axes of a with the first n of b. */
AX_API ax_array *ax_tensordot_n(ax_ctx *ctx, ax_array *a, ax_array *b, int n);

/* ---------------------------------------------------------------- einsum, kron, vecdot */
/* docs/einsum.md describes these ops, their conventions and performance. */

/* At most this many operands in one einsum. */
#define AX_EINSUM_MAX_OPERANDS 32

/* How einsum picks the order of pairwise contractions (numpy's optimize=):
 * GREEDY is numpy's 'greedy' (also what optimize=True means): repeatedly
 * contract the pair that removes the most elements, then the cheapest one,
 * with intermediates no larger than the largest input or output. OPTIMAL
 * searches every pairwise order for the fewest FLOPs (numpy's 'optimal';
 * at most 10 operands). NONE contracts the operands left to right. */
typedef enum ax_einsum_optimize {
    AX_EINSUM_GREEDY = 0,
    AX_EINSUM_OPTIMAL = 1,
    AX_EINSUM_NONE = 2
} ax_einsum_optimize;

/* Einstein summation with NumPy's subscript grammar: one term of letters
 * (a-z, A-Z) per operand separated by commas, optionally "->" and the
 * output's letters; spaces are ignored. "..." in a term stands for the
 * axes its subscripts do not name, aligned from the right and broadcast
 * across operands. Without "->" the output is the ellipsis axes followed by
 * the letters used exactly once, in ASCII order (uppercase first). A letter
 * repeated within one term takes the diagonal; a letter absent from the
 * output is summed; an explicit output without "..." sums the ellipsis axes
 * (as numpy.einsum(optimize=True) does). A size-1 axis broadcasts against
 * the same letter's size elsewhere. The result has the operands' promoted
 * dtype; integers wrap in that dtype and bool products are logical and/or,
 * as NumPy. Contractions follow the greedy path (ax_einsum_path shows it),
 * each lowered to one batched matmul (float and complex) or a broadcast
 * multiply and sum. Malformed subscripts are AX_ERR_VALUE with the position
 * in the message; operands whose ranks or sizes do not fit them
 * AX_ERR_SHAPE. 1 to AX_EINSUM_MAX_OPERANDS operands. */
AX_API ax_array *ax_einsum(ax_ctx *ctx, const char *subscripts, ax_array *const *operands, int n);
/* The same with an explicit path strategy. */
AX_API ax_array *ax_einsum_opt(ax_ctx *ctx, const char *subscripts, ax_array *const *operands,
                               int n, ax_einsum_optimize optimize);

/* A contraction path as numpy.einsum_path reports it. Step i contracts the
 * step_len[i] operands at positions steps[i][0..] (ascending) of the current
 * list, whose result is appended at its end. FLOPs follow NumPy's model
 * (size of the step's index space times the number of terms minus one,
 * plus one if an index is summed); optimized_flops is their sum plus one,
 * as NumPy prints it. */
typedef struct ax_einsum_path_info {
    int nsteps;
    int step_len[AX_EINSUM_MAX_OPERANDS];
    int steps[AX_EINSUM_MAX_OPERANDS][AX_EINSUM_MAX_OPERANDS];
    double step_flops[AX_EINSUM_MAX_OPERANDS];
    double naive_flops, optimized_flops, speedup;
    double largest_intermediate; /* elements */
    int naive_scaling, optimized_scaling;
} ax_einsum_path_info;

/* The path einsum would take for these subscripts and operand shapes (no
 * array is computed): fills info (if not NULL) and writes NumPy's printed
 * report into report (if not NULL; truncated to report_cap bytes, always
 * NUL-terminated). Errors as ax_einsum (messages start with "einsum_path"). */
AX_API ax_status ax_einsum_path(ax_ctx *ctx, const char *subscripts, ax_array *const *operands,
                                int n, ax_einsum_optimize optimize, ax_einsum_path_info *info,
                                char *report, size_t report_cap);

/* NumPy kron: the Kronecker product; the operand of lower rank gets leading
 * axes of size 1, then out[i * nb + j] = a[i] * b[j] along every axis (shape
 * a_i * b_i). Any dtype (an elementwise multiply; bool is logical and). */
AX_API ax_array *ax_kron(ax_ctx *ctx, ax_array *a, ax_array *b);
/* Dot products of vectors along `axis` (numpy.vecdot / the array API):
 * sum(conj(a) * b) over the axis, the other axes broadcast. The axis counts
 * in the broadcast shape (negative from the end) and must be an axis of both
 * operands with equal lengths, else AX_ERR_AXIS / AX_ERR_SHAPE. The result
 * has the promoted dtype (integers wrap, bool is any(a and b)); float16 and
 * bfloat16 accumulate in float32. */
AX_API ax_array *ax_vecdot(ax_ctx *ctx, ax_array *a, ax_array *b, int axis);

/* ---------------------------------------------------------------- more creation and shape ops */

/* NumPy diag: a 1-D a gives the square matrix with a on diagonal k (size
 * len(a) + |k|, zeros elsewhere; NaN and Inf stay on the diagonal); a 2-D a
 * gives its diagonal k as a view (ax_diagonal). Other ranks: AX_ERR_SHAPE. */
AX_API ax_array *ax_diag(ax_ctx *ctx, ax_array *a, int64_t k);
/* Split axis `axis` into the `ndim` sizes of `shape` (torch.unflatten); one
 * size may be -1 (inferred). The sizes must multiply to the axis' size
 * (AX_ERR_SHAPE). A view when reshape can make one. */
AX_API ax_array *ax_unflatten(ax_ctx *ctx, ax_array *a, int axis, const int64_t *shape, int ndim);
/* The slices of a along axis, without that axis (views), into
 * out[0 .. shape[axis] - 1]: the caller sizes out, as for ax_split. A 0-d
 * array is AX_ERR_SHAPE. On error every out[i] written is NULL. */
AX_API ax_status ax_unstack(ax_ctx *ctx, ax_array *a, int axis, ax_array **out);
/* NumPy atleast_1d/2d/3d for one array: a with size-1 axes added as NumPy
 * adds them (0-d -> (1,), (1, 1), (1, 1, 1); (n,) -> (1, n), (1, n, 1);
 * (m, n) -> (m, n, 1)); arrays already of that rank come back as they are
 * (a new reference). Views. */
AX_API ax_array *ax_atleast_1d(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_atleast_2d(ax_ctx *ctx, ax_array *a);
AX_API ax_array *ax_atleast_3d(ax_ctx *ctx, ax_array *a);

/* Window functions of length m (NumPy's formulas, computed in float64 and
 * rounded once to dtype, which must be float16, bfloat16, float32 or
 * float64; NumPy returns float64). m < 1 gives an empty window and m == 1
 * the window [1]. The windows are symmetric, with n = 1 - m, 3 - m, ..,
 * m - 1: hanning 0.5 + 0.5 cos(pi n / (m - 1)); hamming 0.54 + 0.46 cos(..);
 * blackman 0.42 + 0.5 cos(pi n / (m - 1)) + 0.08 cos(2 pi n / (m - 1));
 * bartlett 1 - |n| / (m - 1); kaiser i0(beta sqrt(1 - ((i - a) / a)^2)) /
 * i0(beta) with i = 0 .. m - 1 and a = (m - 1) / 2 (beta must be finite). */
typedef enum ax_window_kind {
    AX_WINDOW_HANNING,
    AX_WINDOW_HAMMING,
    AX_WINDOW_BLACKMAN,
    AX_WINDOW_BARTLETT,
    AX_WINDOW_KAISER
} ax_window_kind;
AX_API ax_array *ax_window(ax_ctx *ctx, ax_window_kind kind, int64_t m, double beta,
                           ax_dtype dtype);
AX_API ax_array *ax_hanning(ax_ctx *ctx, int64_t m, ax_dtype dtype);
AX_API ax_array *ax_hamming(ax_ctx *ctx, int64_t m, ax_dtype dtype);
AX_API ax_array *ax_blackman(ax_ctx *ctx, int64_t m, ax_dtype dtype);
AX_API ax_array *ax_bartlett(ax_ctx *ctx, int64_t m, ax_dtype dtype);
AX_API ax_array *ax_kaiser(ax_ctx *ctx, int64_t m, double beta, ax_dtype dtype);
/* Modified Bessel function of the first kind, order 0, elementwise (NumPy's
 * i0: Cephes' Chebyshev expansions, even in x, inf at +-inf, NaN for NaN).
 * Float dtypes are kept, integers and bool give float32; complex64 is
 * AX_ERR_DTYPE (as NumPy refuses it). */
AX_API ax_array *ax_i0(ax_ctx *ctx, ax_array *a);
/* Modified Bessel function of the first kind, order 1, elementwise
 * (scipy.special.i1: Cephes' Chebyshev expansions, odd in x, +-inf at +-inf,
 * NaN for NaN); I1 is the derivative of I0. Dtypes as ax_i0. */
AX_API ax_array *ax_i1(ax_ctx *ctx, ax_array *a);

#ifdef __cplusplus
}
#endif
#endif
