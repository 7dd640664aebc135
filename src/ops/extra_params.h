/* Params of the extra primitives (shared by src/ops/extra.c and the kernels
 * in src/backend/cpu/extra.c), and the scalar functions both use. */
#ifndef AX_OPS_EXTRA_PARAMS_H
#define AX_OPS_EXTRA_PARAMS_H

#include <stdint.h>

/* WINDOW kinds; the values match ax_window_kind in include/ax/ops.h. */
enum {
    AX__WINDOW_HANNING = 0,
    AX__WINDOW_HAMMING = 1,
    AX__WINDOW_BLACKMAN = 2,
    AX__WINDOW_BARTLETT = 3,
    AX__WINDOW_KAISER = 4
};

typedef struct ax_window_params {
    int32_t kind;
    int32_t pad_;
    double beta; /* kaiser only (0 otherwise, so equal windows compare equal) */
} ax_window_params;

/* I0(x) in double: NumPy's i0 (Cephes chbevl over |x| <= 8 and |x| > 8). */
double ax__bessel_i0(double x);
/* I1(x) in double: Cephes' i1 (chbevl over |x| <= 8 and |x| > 8, odd in x). */
double ax__bessel_i1(double x);
/* Element i of a window of length m (m >= 1) in double, NumPy's formula. */
double ax__window_value(int kind, double beta, int64_t i, int64_t m);

#endif
