/* ax/fft.h — discrete Fourier transforms of any length.
 *
 * The functions follow numpy.fft: the same names, the same meaning of `n`
 * (transform length: the input is zero-padded or truncated along the axis),
 * `s` and `axes` for the n-d forms, and the same three normalizations. The
 * forward transform is X[k] = sum_j x[j] exp(-2 pi i j k / n); the inverse
 * uses exp(+2 pi i j k / n). Every length >= 1 is supported (mixed radix
 * 2/3/4/5/7/odd, Bluestein for large prime factors; docs/fft.md).
 *
 * dtypes: ax has one complex dtype, complex64, so every complex result is
 * complex64 and every real result (irfft*) float32, computed in single
 * precision with twiddles made in double. NumPy 2 gives complex64 for
 * float32/complex64 input as well; for float64 and integer input NumPy gives
 * complex128, which ax cannot represent (such input is converted to float32
 * or complex64 first). bool, integer and float inputs are promoted as NumPy
 * does otherwise: fft/ifft take any real input as complex; rfft rejects
 * complex input (AX_ERR_DTYPE, NumPy raises TypeError); irfft takes real
 * input as complex.
 *
 * Errors (each message starts with the function's name): a transform length
 * below 1 — an explicit n or s entry < 1, or a default length of 0 (an empty
 * axis, or irfft of a single frequency without n) — is AX_ERR_VALUE; an axis
 * out of range or repeated is AX_ERR_AXIS (NumPy repeats the transform for a
 * repeated axis; ax, like scipy.fft, rejects it); `s` and `axes` of
 * different lengths, or `s` longer than the rank, are AX_ERR_SHAPE; an
 * invalid norm is AX_ERR_VALUE.
 */
#ifndef AX_FFT_H
#define AX_FFT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalization (numpy.fft's `norm`): BACKWARD scales the inverse by 1/n,
 * ORTHO both directions by 1/sqrt(n), FORWARD the forward transform by 1/n.
 * For n-d transforms n is the product of the transformed lengths. */
typedef enum ax_fft_norm {
    AX_FFT_NORM_BACKWARD = 0,
    AX_FFT_NORM_ORTHO = 1,
    AX_FFT_NORM_FORWARD = 2
} ax_fft_norm;

/* `n` omitted: the input's length along the axis (irfft: 2 * (m - 1) for m
 * input frequencies). In an `s` array, -1 means the same for that axis. */
#define AX_FFT_N_DEFAULT INT64_MIN

/* ---------------------------------------------------------------- one axis */

/* Forward complex transform of a along `axis` (negative counts from the
 * end), length n (AX_FFT_N_DEFAULT: a's length). Result complex64 with
 * a's shape except n along the axis. */
AX_API ax_array *ax_fft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm);
/* Inverse complex transform; with the default norm ifft(fft(x)) == x. */
AX_API ax_array *ax_ifft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm);
/* Forward transform of real input (float32; other real dtypes are converted):
 * the n/2 + 1 non-negative frequencies, complex64. */
AX_API ax_array *ax_rfft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm);
/* Inverse of rfft: a holds non-negative frequencies (n/2 + 1 of them are
 * used, zero-padded or truncated); the result is real (float32) of length n
 * (default 2 * (m - 1)). As NumPy, the imaginary parts of frequency 0 and,
 * for even n, of frequency n/2 are ignored; an odd n needs n explicitly. */
AX_API ax_array *ax_irfft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm);

/* ---------------------------------------------------------------- n-d */

/* Transform over several axes. `s` (ns lengths, or NULL) gives the length
 * along each transformed axis (-1: the input's); `axes` (naxes, or NULL)
 * the axes. As NumPy: neither given -> every axis; only s -> the last ns
 * axes; only axes -> their input lengths; both -> ns must equal naxes.
 * fftn with an empty axes list returns a converted to complex64. */
AX_API ax_array *ax_fftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes,
                         int naxes, ax_fft_norm norm);
AX_API ax_array *ax_ifftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes,
                          int naxes, ax_fft_norm norm);
/* Real n-d transforms: rfft along the last of the axes, then fft along the
 * others; irfftn undoes it (ifft along all but the last axis, irfft along
 * the last, whose default length is 2 * (m - 1)). At least one axis. */
AX_API ax_array *ax_rfftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes,
                          int naxes, ax_fft_norm norm);
AX_API ax_array *ax_irfftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes,
                           int naxes, ax_fft_norm norm);
/* The 2-d forms: s and axes are NULL or hold 2 entries; axes default to
 * (-2, -1). */
AX_API ax_array *ax_fft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes,
                         ax_fft_norm norm);
AX_API ax_array *ax_ifft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes,
                          ax_fft_norm norm);
AX_API ax_array *ax_rfft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes,
                          ax_fft_norm norm);
AX_API ax_array *ax_irfft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes,
                           ax_fft_norm norm);

/* ---------------------------------------------------------------- helpers */

/* Move the zero frequency to the centre: roll each of `axes` (NULL: every
 * axis) by floor(len / 2). ifftshift rolls back by -floor(len / 2). Any
 * dtype; the result keeps a's dtype. */
AX_API ax_array *ax_fftshift(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);
AX_API ax_array *ax_ifftshift(ax_ctx *ctx, ax_array *a, const int *axes, int naxes);
/* Sample frequencies of an n-point transform with sample spacing d:
 * [0, 1, ..., ceil(n/2) - 1, -floor(n/2), ..., -1] / (d * n), computed as
 * NumPy does (integers times 1 / (n * d) in float64), then converted to
 * `dtype` (a floating dtype; NumPy gives float64). n < 1 is AX_ERR_VALUE;
 * d == 0 gives NumPy's inf/nan values. */
AX_API ax_array *ax_fftfreq(ax_ctx *ctx, int64_t n, double d, ax_dtype dtype);
/* The n/2 + 1 non-negative frequencies [0, 1, ..., n/2] / (d * n). */
AX_API ax_array *ax_rfftfreq(ax_ctx *ctx, int64_t n, double d, ax_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif
