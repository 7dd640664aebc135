// complex64 math on the GPU, computed in double (as the CPU computes it with
// C's complex double functions, src/backend/cpu/unary.c and binary.c) and
// rounded once per part to float. Principal branches are C99's (Annex G):
// each inverse function is written with the identity that gives them
// (casin(z) = -i log(iz + sqrt(1 - z^2)), ...), and the few that lose
// accuracy to cancellation on one side are taken on the other by symmetry.
// Special values (infinities, NaN, signed zeros on branch cuts) follow the
// formulas, which is not always C99's table: for non-finite input the CPU
// and the GPU may differ.
#ifndef AX_CU_EW_COMPLEX_CUH
#define AX_CU_EW_COMPLEX_CUH

#include "backend/cuda/kernels/ew_kernel.cuh"

struct ew_cd {
    double re, im;
};

__device__ __forceinline__ ew_cd cd_add(ew_cd a, ew_cd b) { return ew_cd{a.re + b.re, a.im + b.im}; }
__device__ __forceinline__ ew_cd cd_sub(ew_cd a, ew_cd b) { return ew_cd{a.re - b.re, a.im - b.im}; }
__device__ __forceinline__ ew_cd cd_mul(ew_cd a, ew_cd b) {
    return ew_cd{a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
__device__ __forceinline__ ew_cd cd_scale(ew_cd a, double s) { return ew_cd{a.re * s, a.im * s}; }
// a / b with Smith's scaling (no overflow of |b|^2 for large b)
__device__ __forceinline__ ew_cd cd_div(ew_cd a, ew_cd b) {
    if (fabs(b.re) >= fabs(b.im)) {
        double r = b.im / b.re, d = b.re + b.im * r;
        return ew_cd{(a.re + a.im * r) / d, (a.im - a.re * r) / d};
    }
    double r = b.re / b.im, d = b.re * r + b.im;
    return ew_cd{(a.re * r + a.im) / d, (a.im * r - a.re) / d};
}
// A zero imaginary part stays exact (a real argument: no inf * 0 = NaN
// when the real part overflows), as in C99.
__device__ __forceinline__ ew_cd cd_exp(ew_cd z) {
    if (z.im == 0) return ew_cd{exp(z.re), z.im};
    double e = exp(z.re), s, c;
    sincos(z.im, &s, &c);
    return ew_cd{e * c, e * s};
}
__device__ __forceinline__ ew_cd cd_log(ew_cd z) { return ew_cd{log(hypot(z.re, z.im)), atan2(z.im, z.re)}; }
// principal square root: real part >= 0, imaginary part with z's sign
__device__ __forceinline__ ew_cd cd_sqrt(ew_cd z) {
    if (z.re == 0 && z.im == 0) return ew_cd{0.0, z.im};
    double t = sqrt((fabs(z.re) + hypot(z.re, z.im)) * 0.5);
    if (z.re >= 0) return ew_cd{t, z.im / (2 * t)};
    return ew_cd{fabs(z.im) / (2 * t), copysign(t, z.im)};
}
__device__ __forceinline__ ew_cd cd_sin(ew_cd z) {
    double s, c;
    sincos(z.re, &s, &c);
    return ew_cd{s * cosh(z.im), c * sinh(z.im)};
}
__device__ __forceinline__ ew_cd cd_cos(ew_cd z) {
    double s, c;
    sincos(z.re, &s, &c);
    return ew_cd{c * cosh(z.im), -s * sinh(z.im)};
}
__device__ __forceinline__ ew_cd cd_sinh(ew_cd z) {
    if (z.im == 0) return ew_cd{sinh(z.re), z.im};
    double s, c;
    sincos(z.im, &s, &c);
    return ew_cd{sinh(z.re) * c, cosh(z.re) * s};
}
__device__ __forceinline__ ew_cd cd_cosh(ew_cd z) {
    if (z.im == 0) return ew_cd{cosh(z.re), z.im * copysign(1.0, z.re)};
    double s, c;
    sincos(z.im, &s, &c);
    return ew_cd{cosh(z.re) * c, sinh(z.re) * s};
}
// tanh(x + iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y); for |x| > 20
// (cosh 2x beyond 1e17) the result is sign(x) + i 4 sin y cos y e^(-2|x|)
__device__ __forceinline__ ew_cd cd_tanh(ew_cd z) {
    if (fabs(z.re) > 20) {
        double s, c;
        sincos(z.im, &s, &c);
        return ew_cd{copysign(1.0, z.re), 4 * s * c * exp(-2 * fabs(z.re))};
    }
    double d = cosh(2 * z.re) + cos(2 * z.im);
    return ew_cd{sinh(2 * z.re) / d, sin(2 * z.im) / d};
}
__device__ __forceinline__ ew_cd cd_tan(ew_cd z) { // tan z = -i tanh(iz)
    ew_cd t = cd_tanh(ew_cd{-z.im, z.re});
    return ew_cd{t.im, -t.re};
}
// On a branch cut (a zero real or imaginary part) C99 gives the limit from
// the side of the zero's sign; the formulas lose that sign on the way, so
// the zero is replaced by a tiny number of its sign first (it vanishes when
// the result is rounded to float).
__device__ __forceinline__ double cd_unzero(double v) { return v == 0 ? copysign(1e-300, v) : v; }

__device__ __forceinline__ ew_cd cd_asinh(ew_cd z) { // log(z + sqrt(z^2 + 1)), odd: taken with Re z >= 0
    z = ew_cd{cd_unzero(z.re), z.im}; // cuts: the imaginary axis beyond +-i
    bool neg = z.re < 0;
    ew_cd w = neg ? ew_cd{-z.re, -z.im} : z;
    ew_cd r = cd_log(cd_add(w, cd_sqrt(cd_add(cd_mul(w, w), ew_cd{1.0, 0.0}))));
    return neg ? ew_cd{-r.re, -r.im} : r;
}
__device__ __forceinline__ ew_cd cd_asin(ew_cd z) { // asin z = -i asinh(iz)
    ew_cd t = cd_asinh(ew_cd{-cd_unzero(z.im), z.re});
    return ew_cd{t.im, -t.re};
}
__device__ __forceinline__ ew_cd cd_acos(ew_cd z) { // pi/2 - asin z
    ew_cd a = cd_asin(z);
    return ew_cd{1.5707963267948966 - a.re, -a.im};
}
__device__ __forceinline__ ew_cd cd_acosh(ew_cd z) { // log(z + sqrt(z + 1) sqrt(z - 1))
    z = ew_cd{z.re, cd_unzero(z.im)}; // cut: the real axis below 1
    ew_cd s = cd_mul(cd_sqrt(cd_add(z, ew_cd{1.0, 0.0})), cd_sqrt(cd_sub(z, ew_cd{1.0, 0.0})));
    return cd_log(cd_add(z, s));
}
__device__ __forceinline__ ew_cd cd_atanh(ew_cd z) { // (log(1 + z) - log(1 - z)) / 2
    z = ew_cd{z.re, cd_unzero(z.im)}; // cuts: the real axis beyond +-1
    ew_cd a = cd_log(ew_cd{1.0 + z.re, z.im}), b = cd_log(ew_cd{1.0 - z.re, -z.im});
    return cd_scale(cd_sub(a, b), 0.5);
}
__device__ __forceinline__ ew_cd cd_atan(ew_cd z) { // atan z = -i atanh(iz)
    ew_cd t = cd_atanh(ew_cd{-z.im, cd_unzero(z.re)});
    return ew_cd{t.im, -t.re};
}

__device__ __forceinline__ ew_cd cd_of(ew_c64 z) { return ew_cd{(double)z.re, (double)z.im}; }
__device__ __forceinline__ ew_c64 c64_of(ew_cd z) { return ew_c64{(float)z.re, (float)z.im}; }

#endif
