/* Conformance cases for the elementwise family: COPY, ASTYPE, every unary op
 * (ABS .. IMAG), every binary op (ADD .. RIGHT_SHIFT) and WHERE.
 *
 * Unary cases: one input of shape (7, 13) (large: (512, 300)) and one 3-d
 * input (2, 3, 5). Binary cases: equal shapes (7, 13); the broadcasting pair
 * (3, 1, 4) with (5, 4) (large: (64, 1, 300) with (8, 300)); an array with a
 * 0-d scalar on either side. ip[0] indexes the op tables below; ip[1] is the
 * target dtype of astype. expect() evaluates the NumPy definition in float64
 * from the inputs; the harness rounds it into the result dtype, which also
 * gives integer wraparound (e.g. int8 128 -> -128). Where an op's integer
 * and float semantics differ (division by zero, shifts past the width) the
 * input ranges keep away from the difference; nextafter has no expect (its
 * answer depends on the format). Complex results are checked fast vs
 * reference only (the harness skips expect for them). */
#include <math.h>

#include "harness.h"

#define F CONF_FLOATS
#define I CONF_INTS
#define B CONF_BOOL
#define C CONF_COMPLEX
#define ALL CONF_ALL_DTYPES

/* ---------------------------------------------------------------- helpers */

/* All values integral: the inputs came from an integer or bool dtype (random
 * float inputs are never all integral). */
static bool all_integral(const double *x, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (x[i] != trunc(x[i])) return false;
    return true;
}

/* v modulo 2^bits into the range of a signed or unsigned integer of that
 * width (integer arithmetic wraps; the harness's rounding of expect()
 * saturates, so wrapped results are computed here). False if not exact. */
static bool wrap_int(double *v, int bits, bool is_signed) {
    if (bits >= 64) return *v >= (is_signed ? -0x1p63 : 0) && *v < (is_signed ? 0x1p63 : 0x1p64);
    double m = ldexp(1, bits), r = fmod(*v, m);
    if (r < 0) r += m;
    if (is_signed && r >= m / 2) r -= m;
    *v = r;
    return true;
}

/* Per-dtype cases of ops that wrap on unsigned types keep the width in ip[2]. */
static bool wrap_results(const conf_case *c, double *out, int64_t n) {
    for (int64_t i = 0; c->ip[2] && i < n; i++)
        if (!wrap_int(&out[i], (int)c->ip[2], false)) return false;
    return true;
}

/* ---------------------------------------------------------------- unary */

typedef ax_array *(*un_fn)(ax_ctx *, ax_array *);

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : x; }
/* erf^-1: bisection on erf to bracket the root, then Newton steps. */
static double erfinv_ref(double y) {
    if (y <= -1) return y == -1 ? -INFINITY : NAN;
    if (y >= 1) return y == 1 ? INFINITY : NAN;
    double lo = -6, hi = 6;
    for (int i = 0; i < 16; i++) {
        double mid = (lo + hi) / 2;
        if (erf(mid) < y) lo = mid;
        else hi = mid;
    }
    double x = (lo + hi) / 2;
    for (int i = 0; i < 4; i++) x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
    return x;
}

/* X(name, function, dtypes, lo, hi, expression in x) */
#define UNARY_OPS(X)                                                                   \
    X(abs, ax_abs, ALL, -9, 9, fabs(x))                                                \
    X(negative, ax_negative, F | CONF_SINTS | C, -9, 9, -x)                                     \
    X(sign, ax_sign, ALL, -3, 3, sign(x))                                              \
    X(square, ax_square, ALL, -11, 11, x * x)                                          \
    X(sqrt, ax_sqrt, ALL, 0, 100, sqrt(x))                                             \
    X(rsqrt, ax_rsqrt, F | C, 0.05, 100, 1 / sqrt(x))                                  \
    X(reciprocal, ax_reciprocal, F | C, 0.1, 10, 1 / x)                                \
    X(exp, ax_exp, ALL, -10, 10, exp(x))                                               \
    X(exp2, ax_exp2, F | I | B | C, -12, 12, exp2(x))                                  \
    X(expm1, ax_expm1, F | C, -2, 2, expm1(x))                                         \
    X(log, ax_log, F | I | C, 0.01, 100, log(x))                                       \
    X(log2, ax_log2, F | I | C, 0.01, 100, log2(x))                                    \
    X(log10, ax_log10, F | I | C, 0.01, 100, log10(x))                                 \
    X(log1p, ax_log1p, F | I | C, -0.9, 10, log1p(x))                                  \
    X(sin, ax_sin, F | I | C, -6, 6, sin(x))                                           \
    X(cos, ax_cos, F | I | C, -6, 6, cos(x))                                           \
    X(tan, ax_tan, F | C, -1.2, 1.2, tan(x))                                           \
    X(arcsin, ax_arcsin, F | C, -1, 1, asin(x))                                        \
    X(arccos, ax_arccos, F | C, -1, 1, acos(x))                                        \
    X(arctan, ax_arctan, F | I | C, -10, 10, atan(x))                                  \
    X(sinh, ax_sinh, F | C, -4, 4, sinh(x))                                            \
    X(cosh, ax_cosh, F | C, -4, 4, cosh(x))                                            \
    X(tanh, ax_tanh, F | I | C, -5, 5, tanh(x))                                        \
    X(arcsinh, ax_arcsinh, F | C, -10, 10, asinh(x))                                   \
    X(arccosh, ax_arccosh, F | C, 1, 10, acosh(x))                                     \
    X(arctanh, ax_arctanh, F | C, -0.95, 0.95, atanh(x))                               \
    X(floor, ax_floor, F | I | B, -10, 10, floor(x))                                   \
    X(ceil, ax_ceil, F | I | B, -10, 10, ceil(x))                                      \
    X(round, ax_round, F | I | B, -10, 10, nearbyint(x))                               \
    X(trunc, ax_trunc, F | I | B, -10, 10, trunc(x))                                   \
    X(erf, ax_erf, F | I | B, -3, 3, erf(x))                                           \
    X(erfinv, ax_erfinv, F, -0.99, 0.99, erfinv_ref(x))                             \
    X(sigmoid, ax_sigmoid, F | I | B, -12, 12, sigmoid(x))                             \
    X(degrees, ax_degrees, F | I, -7, 7, x * (180 / 3.14159265358979323846))           \
    X(radians, ax_radians, F | I, -400, 400, x * (3.14159265358979323846 / 180))       \
    X(logical_not, ax_logical_not, ALL, -2, 2, x == 0)                                 \
    X(bitwise_invert, ax_bitwise_invert, CONF_SINTS, -100, 100, (double)~(int64_t)x)            \
    X(isnan, ax_isnan, ALL, -2, 2, isnan(x))                                           \
    X(isinf, ax_isinf, ALL, -2, 2, isinf(x))                                           \
    X(isfinite, ax_isfinite, ALL, -2, 2, isfinite(x))                                  \
    X(isposinf, ax_isposinf, F | I | B, -2, 2, x == INFINITY)                          \
    X(isneginf, ax_isneginf, F | I | B, -2, 2, x == -INFINITY)                         \
    X(conjugate, ax_conjugate, ALL, -5, 5, x)                                          \
    X(real, ax_real, ALL, -5, 5, x)                                                    \
    X(imag, ax_imag, ALL, -5, 5, 0 * x)

enum {
#define U_ENUM(name, fn, dt, lo, hi, expr) U_##name,
    UNARY_OPS(U_ENUM)
};

static const un_fn un_fns[] = {
#define U_FN(name, fn, dt, lo, hi, expr) fn,
    UNARY_OPS(U_FN)};

static double un_ref(int64_t k, double x) {
    switch (k) {
#define U_REF(name, fn, dt, lo, hi, expr)                                              \
    case U_##name: return (expr);
        UNARY_OPS(U_REF)
    default: return NAN;
    }
}

static ax_array *b_unary(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return un_fns[c->ip[0]](ctx, in[0]);
}

static bool e_unary(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                    const int *ndims, double *out, int64_t n) {
    (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = un_ref(c->ip[0], in[0][i]);
    return wrap_results(c, out, n);
}

/* bool bitwise_invert is logical not */
static bool e_not(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                  const int *ndims, double *out, int64_t n) {
    (void)c, (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i] == 0;
    return true;
}

/* ---------------------------------------------------------------- binary */

typedef ax_array *(*bin_fn)(ax_ctx *, ax_array *, ax_array *);

/* NumPy's floor division and remainder of floats (divisors here are nonzero). */
static double py_fdiv(double a, double b) { return floor(a / b); }
static double py_frem(double a, double b) {
    double r = fmod(a, b);
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
static double logaddexp(double a, double b) {
    double m = fmax(a, b);
    return m + log(exp(a - m) + exp(b - m));
}
static double shl(double a, double b) { return b < 0 ? 0 : a * exp2(b); }
static double shr(double a, double b) { return b < 0 ? (a < 0 ? -1 : 0) : floor(a / exp2(b)); }
static double maxnan(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmax(a, b); }
static double minnan(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmin(a, b); }

/* X(name, function, dtypes, lo, hi, expression in x, y; NAN = no expect) */
#define BINARY_OPS(X)                                                                  \
    X(add, ax_add, ALL, -50, 50, x + y)                                                \
    X(subtract, ax_subtract, F | CONF_SINTS | C, -50, 50, x - y)                                \
    X(multiply, ax_multiply, ALL, -11, 11, x * y)                                      \
    X(divide, ax_divide, ALL, -20, 20, x / y)                                          \
    X(floor_divide, ax_floor_divide, F | I, 1, 60, py_fdiv(x, y))                         \
    X(remainder, ax_remainder, F | I, 1, 60, py_frem(x, y))                               \
    X(power, ax_power, F | I | C, 0, 3, pow(x, y))                                     \
    X(maximum, ax_maximum, F | I | B, -50, 50, maxnan(x, y))                           \
    X(minimum, ax_minimum, F | I | B, -50, 50, minnan(x, y))                           \
    X(equal, ax_equal, ALL, -3, 3, x == y)                                             \
    X(not_equal, ax_not_equal, ALL, -3, 3, x != y)                                     \
    X(less, ax_less, F | I | B, -3, 3, x < y)                                          \
    X(less_equal, ax_less_equal, F | I | B, -3, 3, x <= y)                             \
    X(greater, ax_greater, F | I | B, -3, 3, x > y)                                    \
    X(greater_equal, ax_greater_equal, F | I | B, -3, 3, x >= y)                       \
    X(logical_and, ax_logical_and, ALL, -1.4, 1.4, (x != 0) && (y != 0))               \
    X(logical_or, ax_logical_or, ALL, -1.4, 1.4, (x != 0) || (y != 0))                 \
    X(logical_xor, ax_logical_xor, ALL, -1.4, 1.4, (x != 0) != (y != 0))               \
    X(logaddexp, ax_logaddexp, F | I | B, -20, 20, logaddexp(x, y))                    \
    X(arctan2, ax_arctan2, F | I | B, -5, 5, atan2(x, y))                              \
    X(hypot, ax_hypot, F | I | B, -5, 5, hypot(x, y))                                  \
    X(copysign, ax_copysign, F | I | B, -5, 5, copysign(x, y))                         \
    X(nextafter, ax_nextafter, F, -5, 5, NAN)                                          \
    X(bitwise_and, ax_bitwise_and, I | B, -100, 100, (double)((int64_t)x & (int64_t)y)) \
    X(bitwise_or, ax_bitwise_or, I | B, -100, 100, (double)((int64_t)x | (int64_t)y))  \
    X(bitwise_xor, ax_bitwise_xor, I | B, -100, 100, (double)((int64_t)x ^ (int64_t)y)) \
    X(left_shift, ax_left_shift, I, -3, 3, shl(x, y))                                  \
    X(right_shift, ax_right_shift, I, -7, 7, shr(x, y))

enum {
#define B_ENUM(name, fn, dt, lo, hi, expr) B_##name,
    BINARY_OPS(B_ENUM)
};

static const bin_fn bin_fns[] = {
#define B_FN(name, fn, dt, lo, hi, expr) fn,
    BINARY_OPS(B_FN)};

static double bin_ref(int64_t k, double x, double y) {
    switch (k) {
#define B_REF(name, fn, dt, lo, hi, expr)                                              \
    case B_##name: return (expr);
        BINARY_OPS(B_REF)
    default: return NAN;
    }
}

static ax_array *b_binary(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return bin_fns[c->ip[0]](ctx, in[0], in[1]);
}

/* Offsets of output element `o` (row-major over the broadcast shape) into
 * each input; false if the shapes do not broadcast. */
static bool bcast_shape(int n_in, const int64_t *const *shapes, const int *ndims, int64_t *out,
                        int *nd) {
    *nd = 0;
    for (int i = 0; i < n_in; i++) *nd = ndims[i] > *nd ? ndims[i] : *nd;
    for (int d = 0; d < *nd; d++) {
        out[d] = 1;
        for (int i = 0; i < n_in; i++) {
            int k = d - (*nd - ndims[i]);
            int64_t s = k < 0 ? 1 : shapes[i][k];
            if (s != 1 && out[d] != 1 && s != out[d]) return false;
            if (s != 1) out[d] = s;
        }
    }
    return true;
}

static void bcast_offsets(int n_in, const int64_t *const *shapes, const int *ndims,
                          const int64_t *oshape, int nd, int64_t o, int64_t *off) {
    int64_t idx[CONF_MAX_DIM + 2];
    for (int d = nd - 1; d >= 0; d--) {
        idx[d] = o % oshape[d];
        o /= oshape[d];
    }
    for (int i = 0; i < n_in; i++) {
        int64_t r = 0;
        for (int k = 0; k < ndims[i]; k++) {
            int d = k + nd - ndims[i];
            r = r * shapes[i][k] + (shapes[i][k] == 1 ? 0 : idx[d]);
        }
        off[i] = r;
    }
}

static bool e_binary(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    int64_t oshape[CONF_MAX_DIM + 2], total = 1;
    int nd;
    if (isnan(bin_ref(c->ip[0], 1, 1)) && c->ip[0] == B_nextafter) return false;
    if (!bcast_shape(2, shapes, ndims, oshape, &nd)) return false;
    for (int d = 0; d < nd; d++) total *= oshape[d];
    if (total != n) return false;
    for (int64_t o = 0; o < n; o++) {
        int64_t off[2];
        bcast_offsets(2, shapes, ndims, oshape, nd, o, off);
        out[o] = bin_ref(c->ip[0], in[0][off[0]], in[1][off[1]]);
    }
    return wrap_results(c, out, n);
}

/* ---------------------------------------------------------------- where, casts */

static ax_array *b_where(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_where(ctx, in[0], in[1], in[2]);
}

static bool e_where(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                    const int *ndims, double *out, int64_t n) {
    (void)c;
    int64_t oshape[CONF_MAX_DIM + 2], total = 1;
    int nd;
    if (!bcast_shape(3, shapes, ndims, oshape, &nd)) return false;
    for (int d = 0; d < nd; d++) total *= oshape[d];
    if (total != n) return false;
    for (int64_t o = 0; o < n; o++) {
        int64_t off[3];
        bcast_offsets(3, shapes, ndims, oshape, nd, o, off);
        out[o] = in[0][off[0]] != 0 ? in[1][off[1]] : in[2][off[2]];
    }
    return true;
}

static ax_array *b_astype(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_astype(ctx, in[0], (ax_dtype)c->ip[1]);
}
static ax_array *b_copy(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_copy(ctx, in[0]);
}
/* A cast keeps the value; the harness's rounding into the result dtype is
 * the conversion under test (truncation toward zero for integers). */
static bool e_cast(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    (void)shapes, (void)ndims;
    ax_dtype t = (ax_dtype)c->ip[1];
    bool to_int = ax_dtype_is_integer(t), from_int = all_integral(in[0], n);
    for (int64_t i = 0; i < n; i++) {
        out[i] = to_int ? trunc(in[0][i]) : in[0][i]; /* floats saturate (the harness rounds) */
        if (to_int && from_int && !wrap_int(&out[i], (int)ax_dtype_size(t) * 8,
                                            ax_dtype_is_signed_integer(t)))
            return false; /* integers wrap */
    }
    return true;
}

/* Clip composes maximum and minimum. */
static ax_array *b_clip(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    return ax_clip_scalar(ctx, in[0], -2.5, 3.5);
}
static bool e_clip(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    (void)c, (void)shapes, (void)ndims;
    bool ints = all_integral(in[0], n); /* integer dtypes round the bounds inward */
    for (int64_t i = 0; i < n; i++) {
        double x = in[0][i], lo = ints ? -2 : -2.5, hi = ints ? 3 : 3.5;
        out[i] = x < lo ? lo : x > hi ? hi : x;
    }
    return true;
}

/* ---------------------------------------------------------------- the table */

#define V CONF_ALL_VARIANTS

#define U_CASES(NM, FN, DT, LO, HI, EXPR)                                            \
    {.name = #NM, .covers = #NM, .dtypes = DT, .variants = V, .n_in = 1, .ndim = {2}, \
     .shape = {{7, 13}}, .large = {{512, 300}}, .lo = LO, .hi = HI, .build = b_unary,   \
     .expect = e_unary, .ip = {U_##NM}},                                             \
    {.name = #NM "/3d", .covers = #NM, .dtypes = DT, .variants = V, .n_in = 1,      \
     .ndim = {3}, .shape = {{2, 3, 5}}, .large = {{4, 128, 300}}, .lo = LO, .hi = HI,   \
     .build = b_unary, .expect = e_unary, .ip = {U_##NM}},

#define B_CASES(NM, FN, DT, LO, HI, EXPR)                                            \
    {.name = #NM, .covers = #NM, .dtypes = DT, .variants = V, .n_in = 2,            \
     .ndim = {2, 2}, .shape = {{7, 13}, {7, 13}}, .large = {{512, 300}, {512, 300}},    \
     .lo = LO, .hi = HI, .build = b_binary, .expect = e_binary, .ip = {B_##NM}},      \
    {.name = #NM "/broadcast", .covers = #NM, .dtypes = DT, .variants = V, .n_in = 2, \
     .ndim = {3, 2}, .shape = {{3, 1, 4}, {5, 4}}, .large = {{64, 1, 300}, {8, 300}},    \
     .lo = LO, .hi = HI, .build = b_binary, .expect = e_binary, .ip = {B_##NM}},      \
    {.name = #NM "/array_scalar", .covers = #NM, .dtypes = DT, .variants = V,       \
     .n_in = 2, .ndim = {2, 0}, .shape = {{6, 11}, {0}}, .large = {{512, 300}, {0}},     \
     .lo = LO, .hi = HI, .build = b_binary, .expect = e_binary, .ip = {B_##NM}},      \
    {.name = #NM "/scalar_array", .covers = #NM, .dtypes = DT, .variants = V,       \
     .n_in = 2, .ndim = {0, 1}, .shape = {{0}, {17}}, .large = {{0}, {140000}},          \
     .lo = LO, .hi = HI, .build = b_binary, .expect = e_binary, .ip = {B_##NM}},

/* Unsigned wraparound cases, one per width (ip[2] = bits). */
#define UNSIGNED_CASES(X, ...)                                                         \
    X(UINT8, 8, __VA_ARGS__) X(UINT16, 16, __VA_ARGS__) X(UINT32, 32, __VA_ARGS__)        \
    X(UINT64, 64, __VA_ARGS__)
#define U_WRAP(T, BITS, OP, LO, HI)                                                    \
    {.name = #OP "/wrap_" #T, .covers = #OP, .dtypes = CONF_DT(AX_##T), .variants = V,   \
     .n_in = 1, .ndim = {2}, .shape = {{7, 13}}, .large = {{512, 300}}, .lo = LO,       \
     .hi = HI, .build = b_unary, .expect = e_unary, .ip = {U_##OP, 0, BITS}},
#define B_WRAP(T, BITS, OP, LO, HI)                                                    \
    {.name = #OP "/wrap_" #T, .covers = #OP, .dtypes = CONF_DT(AX_##T), .variants = V,   \
     .n_in = 2, .ndim = {2, 3}, .shape = {{5, 4}, {3, 1, 4}}, .large = {{8, 300}, {64, 1, 300}}, \
     .lo = LO, .hi = HI, .build = b_binary, .expect = e_binary, .ip = {B_##OP, 0, BITS}},

#define CAST_CASE(target)                                                              \
    {.name = "astype/to_" #target, .covers = "astype", .dtypes = ALL, .variants = V,   \
     .n_in = 1, .ndim = {2}, .shape = {{7, 13}}, .large = {{512, 300}}, .lo = -130,     \
     .hi = 130, .build = b_astype, .expect = e_cast, .ip = {0, AX_##target}},

const conf_case conf_cases_elementwise[] = {
    UNARY_OPS(U_CASES)
    {.name = "bitwise_invert/bool", .covers = "bitwise_invert", .dtypes = B, .variants = V,
     .n_in = 1, .ndim = {2}, .shape = {{7, 13}}, .large = {{512, 300}}, .lo = 0, .hi = 1,
     .build = b_unary, .expect = e_not, .ip = {U_bitwise_invert}},
    BINARY_OPS(B_CASES)
    UNSIGNED_CASES(U_WRAP, negative, 0, 100)
    UNSIGNED_CASES(U_WRAP, bitwise_invert, 0, 100)
    UNSIGNED_CASES(B_WRAP, subtract, 0, 100)
    {.name = "floor_divide/negative", .covers = "floor_divide remainder", .dtypes = F | CONF_SINTS,
     .variants = V, .n_in = 2, .ndim = {2, 2}, .shape = {{7, 13}, {1, 13}},
     .large = {{512, 300}, {1, 300}}, .lo = -60, .hi = -1, .build = b_binary,
     .expect = e_binary, .ip = {B_floor_divide}},
    {.name = "remainder/negative", .covers = "remainder", .dtypes = F | CONF_SINTS,
     .variants = V, .n_in = 2, .ndim = {2, 2}, .shape = {{7, 13}, {1, 13}},
     .large = {{512, 300}, {1, 300}}, .lo = -60, .hi = -1, .build = b_binary,
     .expect = e_binary, .ip = {B_remainder}},
    {.name = "where", .covers = "where", .dtypes = ALL, .variants = V, .n_in = 3,
     .ndim = {2, 2, 2}, .shape = {{7, 13}, {7, 13}, {7, 13}},
     .large = {{512, 300}, {512, 300}, {512, 300}}, .lo = -50, .hi = 50, .bool_mask = 1,
     .build = b_where, .expect = e_where},
    {.name = "where/broadcast", .covers = "where", .dtypes = ALL, .variants = V, .n_in = 3,
     .ndim = {3, 3, 0}, .shape = {{3, 1, 4}, {1, 5, 4}, {0}},
     .large = {{64, 1, 300}, {1, 8, 300}, {0}},
     .lo = -50, .hi = 50, .bool_mask = 1, .build = b_where, .expect = e_where},
    {.name = "copy", .covers = "copy", .dtypes = ALL, .variants = V, .n_in = 1, .ndim = {2},
     .shape = {{7, 13}}, .large = {{512, 300}}, .lo = -50, .hi = 50, .build = b_copy,
     .expect = e_cast, .ip = {0, AX_FLOAT64}},
    CAST_CASE(BOOL) CAST_CASE(INT8) CAST_CASE(INT16) CAST_CASE(INT32) CAST_CASE(INT64)
    CAST_CASE(UINT8) CAST_CASE(UINT16) CAST_CASE(UINT32) CAST_CASE(UINT64)
    CAST_CASE(FLOAT16) CAST_CASE(BFLOAT16) CAST_CASE(FLOAT32) CAST_CASE(FLOAT64)
    CAST_CASE(COMPLEX64)
    {.name = "clip_scalar", .covers = "maximum minimum", .dtypes = F | I, .variants = V,
     .n_in = 1, .ndim = {2}, .shape = {{7, 13}}, .large = {{512, 300}}, .lo = -6, .hi = 6,
     .build = b_clip, .expect = e_clip},
    {0},
};
