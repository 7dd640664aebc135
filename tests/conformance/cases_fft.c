/* Conformance cases for the FFT family (the FFT primitive, reached through
 * every public transform: fft/ifft/rfft/irfft and the n-d composites).
 *
 * Parameters: ip[0] = which function (F_*), ip[1] = n (0: default; for the
 * n-d forms, s[1] with s[0] = ip[4] when ip[4] != 0), ip[2] = axis, ip[3] =
 * norm. The fast kernels (mixed radix, Bluestein, real splits, blocked
 * gathers of non-last axes, threads) are compared with the O(n^2) float64
 * reference kernel in every variant. irfft of a real input also has an
 * independent expectation: the Hermitian inverse sum in float64. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef enum { F_FFT, F_IFFT, F_RFFT, F_IRFFT, F_FFT2, F_IFFTN, F_RFFTN, F_IRFFTN, F_SHIFT } fkind;

static ax_array *b_fft(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    int64_t n = c->ip[1] ? c->ip[1] : AX_FFT_N_DEFAULT;
    int axis = (int)c->ip[2];
    ax_fft_norm norm = (ax_fft_norm)c->ip[3];
    int64_t s[2] = {c->ip[4] ? c->ip[4] : -1, c->ip[1] ? c->ip[1] : -1};
    const int64_t *sp = c->ip[4] || c->ip[1] ? s : NULL;
    switch ((fkind)c->ip[0]) {
    case F_FFT: return ax_fft(ctx, in[0], n, axis, norm);
    case F_IFFT: return ax_ifft(ctx, in[0], n, axis, norm);
    case F_RFFT: return ax_rfft(ctx, in[0], n, axis, norm);
    case F_IRFFT: return ax_irfft(ctx, in[0], n, axis, norm);
    case F_FFT2: return ax_fft2(ctx, in[0], sp, NULL, norm);
    case F_IFFTN: return ax_ifftn(ctx, in[0], sp, 2, (const int[]){0, 1}, 2, norm);
    case F_RFFTN: return ax_rfftn(ctx, in[0], sp, 2, (const int[]){1, 0}, 2, norm);
    case F_IRFFTN: return ax_irfftn(ctx, in[0], sp, sp ? 2 : 0, NULL, 0, norm);
    case F_SHIFT: return ax_fftshift(ctx, ax_fft(ctx, in[0], n, axis, norm), NULL, 0);
    }
    return NULL;
}

/* irfft of a real 2-d input along axis 0 or 1: x_t = scale * (X_0 +
 * 2 sum_{0<k<(n+1)/2} X_k cos(2 pi k t / n) + [n even] X_{n/2} (-1)^t). */
static bool e_irfft(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                    const int *ndims, double *out, int64_t out_size) {
    if (ndims[0] != 2 || c->ip[0] != F_IRFFT) return false;
    int axis = c->ip[2] < 0 ? (int)c->ip[2] + 2 : (int)c->ip[2];
    int64_t r = shapes[0][0], cols = shapes[0][1];
    int64_t m = axis == 0 ? r : cols, batch = axis == 0 ? cols : r;
    int64_t n = c->ip[1] ? c->ip[1] : 2 * (m - 1);
    if (n < 1 || batch * n != out_size) return false;
    double scale = c->ip[3] == AX_FFT_NORM_BACKWARD ? 1.0 / (double)n
                   : c->ip[3] == AX_FFT_NORM_ORTHO ? 1.0 / sqrt((double)n) : 1.0;
    double *cs = malloc(sizeof(double) * (size_t)n);
    if (!cs) return false;
    for (int64_t q = 0; q < n; q++) cs[q] = cos(2 * M_PI * (double)q / (double)n);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < n; t++) {
#define X(k) ((k) < m ? in[0][axis == 0 ? (k) * cols + b : b * cols + (k)] : 0.0)
            double acc = X(0);
            for (int64_t k = 1; k < (n + 1) / 2; k++) acc += 2 * X(k) * cs[(k * t) % n];
            if (n % 2 == 0) acc += (t % 2 ? -1 : 1) * X(n / 2);
#undef X
            out[axis == 0 ? t * batch + b : b * n + t] = acc * scale;
        }
    free(cs);
    return true;
}

#define S2(a, b) .ndim = {2}, .shape = {{a, b}}
#define L2(a, b) .large = {{a, b}}
#define P(...) .ip = {__VA_ARGS__}
#define REALS (CONF_FLOATS | CONF_SINTS | CONF_DT(AX_UINT8) | CONF_BOOL)
#define ANY (REALS | CONF_COMPLEX)
/* an empty axis 0 with its default length is an error (NumPy raises too) */
#define NO_EMPTY (CONF_ALL_VARIANTS & ~CONF_EMPTY)

const conf_case conf_cases_fft[] = {
    /* 1-D along the last axis: power of two, mixed radix, generic odd, Bluestein */
    {.name = "fft/last_pow2", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(3, 16), L2(256, 512), .lo = -2, .hi = 2, .build = b_fft,
     P(F_FFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = "fft/last_mixed_ortho", .covers = "fft", .dtypes = ANY,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(4, 60), L2(200, 660), .lo = -2, .hi = 2,
     .build = b_fft, P(F_FFT, 0, 1, AX_FFT_NORM_ORTHO)},
    {.name = "ifft/last_prime_generic", .covers = "fft", .dtypes = ANY,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(3, 11 * 13), L2(1024, 11 * 13), .lo = -2,
     .hi = 2, .build = b_fft, P(F_IFFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = "fft/last_bluestein_pad", .covers = "fft", .dtypes = CONF_FLOATS | CONF_COMPLEX,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(2, 90), L2(128, 1000), .lo = -2, .hi = 2,
     .build = b_fft, P(F_FFT, 101, -1, AX_FFT_NORM_FORWARD)},
    {.name = "fft/last_bluestein_long", .covers = "fft", .dtypes = CONF_DT(AX_COMPLEX64),
     .variants = CONF_CONTIG | CONF_LARGE, .n_in = 1, S2(2, 4099), L2(4, 4099), .lo = -1,
     .hi = 1, .build = b_fft, P(F_FFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = "fft/single_long_line", .covers = "fft", .dtypes = CONF_DT(AX_COMPLEX64),
     .variants = CONF_CONTIG | CONF_LARGE, .n_in = 1, S2(1, 4096), L2(1, 1 << 13), .lo = -1,
     .hi = 1, .build = b_fft, P(F_IFFT, 0, -1, AX_FFT_NORM_ORTHO)},
    /* non-last axis (blocked gathers), truncation and padding */
    {.name = "fft/axis0_truncate", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(12, 7), L2(600, 300), .lo = -2, .hi = 2, .build = b_fft,
     P(F_FFT, 10, 0, AX_FFT_NORM_BACKWARD)},
    {.name = "ifft/axis0_pad", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(5, 6), L2(500, 300), .lo = -2, .hi = 2, .build = b_fft,
     P(F_IFFT, 8, 0, AX_FFT_NORM_FORWARD)},
    /* real transforms: even (half-length split) and odd lengths */
    {.name = "rfft/last_even", .covers = "fft", .dtypes = REALS, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(3, 32), L2(128, 1024), .lo = -2, .hi = 2, .build = b_fft,
     P(F_RFFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = "rfft/last_odd_pad", .covers = "fft", .dtypes = REALS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(3, 20), L2(128, 1000), .lo = -2, .hi = 2,
     .build = b_fft, P(F_RFFT, 45, -1, AX_FFT_NORM_ORTHO)},
    {.name = "rfft/axis0_mixed", .covers = "fft", .dtypes = REALS, .variants = NO_EMPTY,
     .n_in = 1, S2(30, 5), L2(360, 400), .lo = -2, .hi = 2, .build = b_fft,
     P(F_RFFT, 0, 0, AX_FFT_NORM_FORWARD)},
    {.name = "irfft/last_default", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(3, 17), L2(512, 257), .lo = -2, .hi = 2, .build = b_fft, .expect = e_irfft,
     P(F_IRFFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = "irfft/axis0_odd", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(8, 5), L2(400, 330), .lo = -2, .hi = 2, .build = b_fft, .expect = e_irfft,
     P(F_IRFFT, 15, 0, AX_FFT_NORM_ORTHO)},
    {.name = "irfft/last_long_even", .covers = "fft", .dtypes = CONF_FLOATS | CONF_COMPLEX,
     .variants = CONF_CONTIG | CONF_LARGE, .n_in = 1, S2(2, 1025), L2(4, 2049), .lo = -1,
     .hi = 1, .build = b_fft, .expect = e_irfft, P(F_IRFFT, 0, -1, AX_FFT_NORM_FORWARD)},
    /* n-d composites */
    {.name = "fft2/default", .covers = "fft", .dtypes = ANY, .variants = NO_EMPTY,
     .n_in = 1, S2(6, 10), L2(384, 360), .lo = -2, .hi = 2, .build = b_fft,
     P(F_FFT2, 0, 0, AX_FFT_NORM_BACKWARD)},
    {.name = "ifftn/s_pad", .covers = "fft", .dtypes = ANY, .variants = CONF_ALL_VARIANTS,
     .n_in = 1, S2(5, 7), L2(300, 500), .lo = -2, .hi = 2, .build = b_fft,
     P(F_IFFTN, 9, 0, AX_FFT_NORM_ORTHO, 6)},
    {.name = "rfftn/axes_1_0", .covers = "fft", .dtypes = REALS, .variants = NO_EMPTY,
     .n_in = 1, S2(6, 9), L2(360, 400), .lo = -2, .hi = 2, .build = b_fft,
     P(F_RFFTN, 0, 0, AX_FFT_NORM_BACKWARD)},
    {.name = "irfftn/s", .covers = "fft", .dtypes = CONF_COMPLEX | CONF_FLOATS,
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(6, 5), L2(400, 330), .lo = -2, .hi = 2,
     .build = b_fft, P(F_IRFFTN, 9, 0, AX_FFT_NORM_FORWARD, 6)},
    {.name = "fftshift/of_fft", .covers = "fft", .dtypes = CONF_COMPLEX | CONF_DT(AX_FLOAT32),
     .variants = CONF_ALL_VARIANTS, .n_in = 1, S2(5, 6), L2(300, 450), .lo = -2, .hi = 2,
     .build = b_fft, P(F_SHIFT, 0, -1, AX_FFT_NORM_BACKWARD)},
    {.name = NULL},
};
