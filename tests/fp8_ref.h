/* Test references for fp8 codes (tests/test_fp8.c, tests/conformance/cases_fp8.c),
 * written from the formats' definitions and independent of src/backend/fp8_codec.h:
 * fmt 0 is E4M3 (bias 7, 3 mantissa bits, no infinities, S.1111.111 NaN),
 * fmt 1 is E5M2 (bias 15, 2 mantissa bits, IEEE-like). */
#ifndef AX_TESTS_FP8_REF_H
#define AX_TESTS_FP8_REF_H

#include <math.h>
#include <stdint.h>

/* The value of code c straight from the format's definition. */
static inline double def_value(int c, int fmt) {
    const int mb = fmt ? 2 : 3, eb = fmt ? 5 : 4, bias = fmt ? 15 : 7;
    int s = c >> 7, e = (c >> mb) & ((1 << eb) - 1), m = c & ((1 << mb) - 1);
    double v;
    if (fmt == 0 && e == 15 && m == 7) return NAN;
    if (fmt == 1 && e == 31) v = m ? NAN : INFINITY;
    else if (e == 0) v = m * pow(2.0, 1 - bias - mb);
    else v = (1 + m / (double)(1 << mb)) * pow(2.0, e - bias);
    return s ? -v : v;
}

/* Brute force: the finite code nearest to x (ties: the even code), the
 * largest finite one with x's sign beyond it, NaN's canonical code. */
static inline uint8_t brute_encode(double x, int fmt) {
    if (isnan(x)) return fmt ? 0x7e : 0x7f;
    const uint8_t maxc = fmt ? 0x7b : 0x7e, sign = signbit(x) ? 0x80 : 0;
    double a = fabs(x);
    if (a >= def_value(maxc, fmt)) return (uint8_t)(sign | maxc);
    int best = 0;
    double bd = INFINITY;
    for (int c = 0; c <= maxc; c++) {
        double d = fabs(def_value(c, fmt) - a);
        if (d < bd || (d == bd && (c & 1) == 0)) bd = d, best = c;
    }
    return (uint8_t)(sign | best);
}

#endif
