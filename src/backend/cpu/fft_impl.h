/* The FFT engine of the CPU backend (single precision, interleaved complex).
 *
 *  - fft_plan.c: plans (factorization, twiddles made in double), the
 *    thread-safe plan cache keyed by (length, direction, kind), execution of
 *    complex plans (Stockham passes or Bluestein) and real plans (even n: a
 *    half-length complex transform plus a twiddled split; odd n: a full
 *    complex transform).
 *  - fft_pass.c: the radix passes (2, 3, 4, 5, 7, 8 and generic odd primes),
 *    written once for a SIMD vector of complex values (GCC vector
 *    extensions: AVX-512/AVX2/SSE widths, portable elsewhere) and once for a
 *    single complex value, split over the thread pool for long transforms.
 *  - fft.c: the kernel of the FFT primitive (lines along an axis, padding,
 *    scaling, batching over threads) and the O(n^2) reference kernel.
 *
 * Pass layout (Swarztrauber/pocketfft ordering): a plan of length n with
 * factors p_0, p_1, ... runs pass s with l1 = p_0 * ... * p_{s-1} and
 * ido = n / (l1 * p_s), reading cc[i + ido * (j + p * k)] and writing
 * ch[i + ido * (k + l1 * m)] (i < ido, j, m < p, k < l1); outputs m >= 1
 * are multiplied by tw[(m - 1) * ido + i] = exp(sign 2 pi i m l1 i / n).
 */
#ifndef AX_CPU_FFT_IMPL_H
#define AX_CPU_FFT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

#define AX_FFT_MAX_PASSES 64

typedef struct ax_fft_pass {
    int p;          /* radix: 2, 3, 4, 5, 7, 8 or an odd prime */
    int64_t ido, l1;
    ax_c64 *tw;     /* (p - 1) * ido twiddles, NULL when ido == 1 */
    float *gcos;    /* generic radix: cos(2 pi t / p), t < p */
    float *gsin;    /* generic radix: sign * sin(2 pi t / p) */
} ax_fft_pass;

enum { AX_FFT_PLAN_STOCKHAM = 0, AX_FFT_PLAN_BLUESTEIN = 1, AX_FFT_PLAN_REAL = 2 };

typedef struct ax_fft_plan {
    int64_t n;
    int sign; /* -1 forward, +1 inverse (real plans: 0, they hold both) */
    int kind; /* AX_FFT_PLAN_* */
    /* Stockham */
    int npass;
    ax_fft_pass pass[AX_FFT_MAX_PASSES];
    /* Bluestein: length m >= 2n - 1 (7-smooth) */
    int64_t m;
    const struct ax_fft_plan *sub_f, *sub_b; /* Bluestein: length m; real: n/2 (even) or n */
    ax_c64 *chirp; /* exp(sign pi i j^2 / n), j < n */
    ax_c64 *bk;    /* FFT_m of the conjugated chirp, divided by m */
    /* Real (even n): rtw[k] = exp(-2 pi i k / n), k < n / 2 */
    ax_c64 *rtw;
    size_t scratch; /* complex elements of work memory exec needs */
    struct ax_fft_plan *next; /* cache list */
} ax_fft_plan;

/* The cached complex plan for length n >= 1 and sign -1/+1; NULL if out of
 * memory. Plans live until the process ends. Thread-safe. */
const ax_fft_plan *ax__fft_plan(int64_t n, int sign);
/* The cached real plan (both directions) for length n >= 1. */
const ax_fft_plan *ax__fft_rplan(int64_t n);

/* out = DFT(in) with the plan's sign, unnormalized; in and out must not
 * overlap; work holds plan->scratch complex values. With `par` a long
 * transform splits each pass over the thread pool. */
void ax__fft_exec(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work, bool par);
/* Real forward: in (n floats) -> out (n/2 + 1), unnormalized. */
void ax__fft_exec_r2c(const ax_fft_plan *p, const float *in, ax_c64 *out, ax_c64 *work, bool par);
/* Real inverse: in (n/2 + 1 values; imaginary parts of 0 and n/2 ignored)
 * -> out (n floats) = sum over the Hermitian spectrum, unnormalized. */
void ax__fft_exec_c2r(const ax_fft_plan *p, const ax_c64 *in, float *out, ax_c64 *work, bool par);

/* One Stockham pass (fft_pass.c). */
void ax__fft_run_pass(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch, bool par);
/* A pass over a block of transforms stored element-major, nv SIMD vectors
 * (nv * ax__fft_simd_width() columns) per element (fft_pass.c). */
void ax__fft_run_pass_cols(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch,
                           int nv);
/* Stockham plans only: transform such a block of n elements; in, out and
 * work each hold n * nv * width complex values; in is left unchanged. */
void ax__fft_exec_cols(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work,
                       int nv);
/* The SIMD width in complex values (for plans and docs). */
int ax__fft_simd_width(void);

/* Transforms at least this long split their passes over the thread pool. */
#define AX_FFT_PAR_MIN 32768

#endif
