/* FFT op constructors: the 1-D transforms build one FFT node each (params in
 * ops/fft_params.h); the n-d transforms chain 1-D nodes in NumPy's order;
 * fftshift/ifftshift are rolls; fftfreq/rfftfreq are computed on the host.
 * Semantics and dtype rules: include/ax/fft.h and docs/fft.md. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/internal.h"
#include "ops/fft_params.h"

typedef enum { M_FFT, M_IFFT, M_RFFT, M_IRFFT } fft_mode;

static bool norm_ok(ax_ctx *ctx, const char *name, ax_fft_norm norm) {
    if (norm == AX_FFT_NORM_BACKWARD || norm == AX_FFT_NORM_ORTHO || norm == AX_FFT_NORM_FORWARD)
        return true;
    ax__error(ctx, AX_ERR_VALUE,
              "%s: invalid norm %d (expected AX_FFT_NORM_BACKWARD, _ORTHO or _FORWARD)", name,
              (int)norm);
    return false;
}

/* The factor applied by one 1-D transform of length n. */
static double norm_scale(ax_fft_norm norm, bool inverse, int64_t n) {
    if (norm == AX_FFT_NORM_ORTHO) return 1.0 / sqrt((double)n);
    if ((norm == AX_FFT_NORM_BACKWARD) == inverse) return 1.0 / (double)n;
    return 1.0;
}

/* One 1-D transform node along a normalized axis with a resolved n >= 1. */
static ax_array *fft1(ax_ctx *ctx, const char *name, ax_array *a, fft_mode mode, int64_t n,
                      int axis, ax_fft_norm norm) {
    int kind = mode == M_RFFT ? AX_FFT_KIND_R2C : mode == M_IRFFT ? AX_FFT_KIND_C2R
                                                                   : AX_FFT_KIND_C2C;
    bool inverse = mode == M_IFFT || mode == M_IRFFT;
    ax_dtype want = kind == AX_FFT_KIND_R2C ? AX_FLOAT32 : AX_COMPLEX64;
    if (kind == AX_FFT_KIND_R2C && a->dtype == AX_COMPLEX64)
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: input of shape %s is complex64; a real input is required (use fft)",
                         name, AX_SHAPE(a));
    if (a->dtype != want) {
        a = ax_astype(ctx, a, want);
        if (!a) return NULL;
    }
    int64_t shape[AX_MAX_NDIM];
    for (int d = 0; d < a->ndim; d++) shape[d] = a->shape[d];
    shape[axis] = ax__fft_out_len(kind, n);
    ax_fft_params p = {.axis = axis, .kind = kind, .inverse = inverse, .pad_ = 0, .n = n,
                       .scale = norm_scale(norm, inverse, n)};
    return ax__make_op(ctx, AX_OP_FFT, &a, 1, &p, sizeof p,
                       kind == AX_FFT_KIND_C2R ? AX_FLOAT32 : AX_COMPLEX64, shape, a->ndim);
}

static int64_t default_len(const ax_array *a, fft_mode mode, int axis) {
    int64_t m = a->shape[axis];
    return mode == M_IRFFT ? 2 * (m - 1) : m;
}

static bool check_len(ax_ctx *ctx, const char *name, const ax_array *a, int64_t n, int axis) {
    if (n >= 1) return true;
    ax__error(ctx, AX_ERR_VALUE,
              "%s: invalid number of data points (%lld) along axis %d of an input of shape %s",
              name, (long long)n, axis, AX_SHAPE(a));
    return false;
}

static ax_array *fft_1d(ax_ctx *ctx, const char *name, ax_array *a, fft_mode mode, int64_t n,
                        int axis, ax_fft_norm norm) {
    int ax;
    if (!norm_ok(ctx, name, norm) || !ax__norm_axis(ctx, name, axis, a->ndim, &ax)) return NULL;
    if (n == AX_FFT_N_DEFAULT) n = default_len(a, mode, ax);
    if (!check_len(ctx, name, a, n, ax)) return NULL;
    return fft1(ctx, name, a, mode, n, ax, norm);
}

ax_array *ax_fft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_1d(ctx, "fft", a, M_FFT, n, axis, norm);
}
ax_array *ax_ifft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_1d(ctx, "ifft", a, M_IFFT, n, axis, norm);
}
ax_array *ax_rfft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_1d(ctx, "rfft", a, M_RFFT, n, axis, norm);
}
ax_array *ax_irfft(ax_ctx *ctx, ax_array *a, int64_t n, int axis, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_1d(ctx, "irfft", a, M_IRFFT, n, axis, norm);
}

/* ---------------------------------------------------------------- n-d */

/* Resolve (s, axes) as numpy.fft._cook_nd_args does, into ax[] / len[]
 * (count *k). The last axis of a real transform takes the irfft default. */
static bool cook_nd(ax_ctx *ctx, const char *name, const ax_array *a, fft_mode mode,
                    const int64_t *s, int ns, const int *axes, int naxes, int *ax, int64_t *len,
                    int *k) {
    int nd = a->ndim;
    if (s && ns < 0) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: negative number of lengths in s (%d)", name, ns);
        return false;
    }
    if (axes && naxes < 0) {
        ax__error(ctx, AX_ERR_AXIS, "%s: negative number of axes %d", name, naxes);
        return false;
    }
    int cnt;
    if (axes) {
        if (s && ns != naxes) {
            ax__error(ctx, AX_ERR_SHAPE, "%s: s has %d entries but axes has %d", name, ns, naxes);
            return false;
        }
        cnt = naxes;
        bool seen[AX_MAX_NDIM] = {false};
        for (int i = 0; i < cnt; i++) {
            if (!ax__norm_axis(ctx, name, axes[i], nd, &ax[i])) return false;
            if (seen[ax[i]]) {
                ax__error(ctx, AX_ERR_AXIS, "%s: axis %d is repeated (input of shape %s)", name,
                          axes[i], AX_SHAPE(a));
                return false;
            }
            seen[ax[i]] = true;
        }
    } else if (s) {
        if (ns > nd) {
            ax__error(ctx, AX_ERR_SHAPE, "%s: s has %d entries but the input of shape %s has %d "
                      "dimensions", name, ns, AX_SHAPE(a), nd);
            return false;
        }
        cnt = ns;
        for (int i = 0; i < cnt; i++) ax[i] = nd - cnt + i;
    } else {
        cnt = nd;
        for (int i = 0; i < cnt; i++) ax[i] = i;
    }
    bool real = mode == M_RFFT || mode == M_IRFFT;
    if (real && cnt == 0) {
        ax__error(ctx, AX_ERR_AXIS, "%s: at least one axis is required (input of shape %s)", name,
                  AX_SHAPE(a));
        return false;
    }
    for (int i = 0; i < cnt; i++) {
        int64_t v = s ? s[i] : -1;
        if (v == -1 || v == AX_FFT_N_DEFAULT)
            v = (mode == M_IRFFT && i == cnt - 1) ? default_len(a, M_IRFFT, ax[i])
                                                  : a->shape[ax[i]];
        if (!check_len(ctx, name, a, v, ax[i])) return false;
        len[i] = v;
    }
    *k = cnt;
    return true;
}

static ax_array *fft_nd(ax_ctx *ctx, const char *name, ax_array *a, fft_mode mode,
                        const int64_t *s, int ns, const int *axes, int naxes, ax_fft_norm norm) {
    int ax[AX_MAX_NDIM] = {0}, k = 0;
    int64_t len[AX_MAX_NDIM] = {0};
    if (!norm_ok(ctx, name, norm) || !cook_nd(ctx, name, a, mode, s, ns, axes, naxes, ax, len, &k))
        return NULL;
    ax_array *r = a;
    switch (mode) {
    case M_FFT:
    case M_IFFT:
        if (k == 0) return ax_astype(ctx, a, AX_COMPLEX64);
        for (int i = k - 1; i >= 0 && r; i--) r = fft1(ctx, name, r, mode, len[i], ax[i], norm);
        return r;
    case M_RFFT:
        r = fft1(ctx, name, r, M_RFFT, len[k - 1], ax[k - 1], norm);
        for (int i = 0; i < k - 1 && r; i++) r = fft1(ctx, name, r, M_FFT, len[i], ax[i], norm);
        return r;
    case M_IRFFT:
        for (int i = 0; i < k - 1 && r; i++) r = fft1(ctx, name, r, M_IFFT, len[i], ax[i], norm);
        return r ? fft1(ctx, name, r, M_IRFFT, len[k - 1], ax[k - 1], norm) : NULL;
    }
    return NULL;
}

ax_array *ax_fftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes, int naxes,
                  ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "fftn", a, M_FFT, s, ns, axes, naxes, norm);
}
ax_array *ax_ifftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes, int naxes,
                   ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "ifftn", a, M_IFFT, s, ns, axes, naxes, norm);
}
ax_array *ax_rfftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes, int naxes,
                   ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "rfftn", a, M_RFFT, s, ns, axes, naxes, norm);
}
ax_array *ax_irfftn(ax_ctx *ctx, ax_array *a, const int64_t *s, int ns, const int *axes,
                    int naxes, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "irfftn", a, M_IRFFT, s, ns, axes, naxes, norm);
}

static const int k_axes2[2] = {-2, -1};

ax_array *ax_fft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "fft2", a, M_FFT, s, 2, axes ? axes : k_axes2, 2, norm);
}
ax_array *ax_ifft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "ifft2", a, M_IFFT, s, 2, axes ? axes : k_axes2, 2, norm);
}
ax_array *ax_rfft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes, ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "rfft2", a, M_RFFT, s, 2, axes ? axes : k_axes2, 2, norm);
}
ax_array *ax_irfft2(ax_ctx *ctx, ax_array *a, const int64_t *s, const int *axes,
                    ax_fft_norm norm) {
    AX_CHECK_IN(ctx, a);
    return fft_nd(ctx, "irfft2", a, M_IRFFT, s, 2, axes ? axes : k_axes2, 2, norm);
}

/* ---------------------------------------------------------------- helpers */

static ax_array *shift_common(ax_ctx *ctx, const char *name, ax_array *a, const int *axes,
                              int naxes, bool inverse) {
    bool mask[AX_MAX_NDIM];
    if (!ax__norm_axes(ctx, name, axes, naxes, a->ndim, mask)) return NULL;
    int ax[AX_MAX_NDIM], k = 0;
    int64_t sh[AX_MAX_NDIM];
    for (int d = 0; d < a->ndim; d++)
        if (mask[d]) {
            ax[k] = d;
            sh[k] = inverse ? -(a->shape[d] / 2) : a->shape[d] / 2;
            k++;
        }
    if (k == 0) return ax_copy(ctx, a);
    return ax_roll(ctx, a, sh, ax, k);
}

ax_array *ax_fftshift(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    return shift_common(ctx, "fftshift", a, axes, naxes, false);
}
ax_array *ax_ifftshift(ax_ctx *ctx, ax_array *a, const int *axes, int naxes) {
    AX_CHECK_IN(ctx, a);
    return shift_common(ctx, "ifftshift", a, axes, naxes, true);
}

static ax_array *freq_common(ax_ctx *ctx, const char *name, int64_t n, double d, ax_dtype dtype,
                             bool half) {
    AX_CHECK_CTX(ctx);
    if (n < 1)
        return ax__error(ctx, AX_ERR_VALUE, "%s: n must be at least 1, got %lld", name,
                         (long long)n);
    if (!ax_dtype_is_floating(dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "%s: dtype %s is not a floating dtype", name,
                         ax_dtype_name(dtype));
    int64_t len = half ? n / 2 + 1 : n;
    if ((uint64_t)len > SIZE_MAX / 16)
        return ax__error(ctx, AX_ERR_OOM, "%s: %lld frequencies do not fit in memory", name,
                         (long long)len);
    double *v = malloc(sizeof(double) * (size_t)len);
    if (!v) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    double val = 1.0 / ((double)n * d);
    int64_t npos = half ? len : (n - 1) / 2 + 1;
    for (int64_t i = 0; i < npos; i++) v[i] = (double)i * val;
    for (int64_t i = npos; i < len; i++) v[i] = (double)(i - n) * val; /* -(n/2) ... -1 */
    ax_array *out;
    if (dtype == AX_FLOAT64) {
        out = ax_array_from_data(ctx, v, AX_FLOAT64, &len, 1);
    } else {
        void *buf = malloc(ax_dtype_size(dtype) * (size_t)len);
        if (!buf) {
            free(v);
            return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
        }
        ax__convert(buf, dtype, v, AX_FLOAT64, len);
        out = ax_array_from_data(ctx, buf, dtype, &len, 1);
        free(buf);
    }
    free(v);
    return out;
}

ax_array *ax_fftfreq(ax_ctx *ctx, int64_t n, double d, ax_dtype dtype) {
    return freq_common(ctx, "fftfreq", n, d, dtype, false);
}
ax_array *ax_rfftfreq(ax_ctx *ctx, int64_t n, double d, ax_dtype dtype) {
    return freq_common(ctx, "rfftfreq", n, d, dtype, true);
}
