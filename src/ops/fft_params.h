/* Params of the FFT primitive, shared by the op constructors (src/ops/fft.c)
 * and the CPU kernels (src/backend/cpu/fft*.c). */
#ifndef AX_OPS_FFT_PARAMS_H
#define AX_OPS_FFT_PARAMS_H

#include <stdint.h>

/* Kinds of 1-D transform along params.axis:
 *  C2C: complex64 -> complex64, output length n (input zero-padded or
 *       truncated to n);
 *  R2C: float32 -> complex64, input length n (padded/truncated), output
 *       n/2 + 1 (the non-negative frequencies);
 *  C2R: complex64 -> float32, input holds n/2 + 1 frequencies (padded or
 *       truncated), output length n; the imaginary parts of frequency 0 (and
 *       of n/2 for even n) are ignored, as NumPy/pocketfft do. */
enum { AX_FFT_KIND_C2C = 0, AX_FFT_KIND_R2C = 1, AX_FFT_KIND_C2R = 2 };

typedef struct ax_fft_params {
    int32_t axis;    /* normalized axis of the input */
    int32_t kind;    /* AX_FFT_KIND_* */
    int32_t inverse; /* C2C: exponent sign +1 (C2R is always +1, R2C always -1) */
    int32_t pad_;    /* zero (params are compared bytewise) */
    int64_t n;       /* logical transform length (>= 1) */
    double scale;    /* every output value is multiplied by this */
} ax_fft_params;

/* Output length along the axis for a transform of kind and length n. */
static inline int64_t ax__fft_out_len(int kind, int64_t n) {
    return kind == AX_FFT_KIND_R2C ? n / 2 + 1 : n;
}
/* Number of input elements the transform reads along the axis. */
static inline int64_t ax__fft_in_len(int kind, int64_t n) {
    return kind == AX_FFT_KIND_C2R ? n / 2 + 1 : n;
}

#endif
