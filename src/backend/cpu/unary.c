/* CPU kernels: unary elementwise ops, copy and astype.
 *
 * Reference path: one element at a time through float64 / complex double /
 * int64 / uint64 (ref_inner). Fast path: a loop per (op, compute dtype) over
 * contiguous data (vectorizable; float32 exp/log/tanh/sigmoid/erf use ew_math.h),
 * applied directly to contiguous runs and through a scratch chunk otherwise
 * (strided inputs, float16/bfloat16 computed in float32 and rounded once). */
/* Lets loops over floor/ceil/selects vectorize (no FP exceptions are observed). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("-fno-math-errno", "-fno-trapping-math")
#endif
#include <complex.h>

#include "backend/cpu/ew_common.h"
#include "backend/cpu/ew_stream.h"

/* ---------------------------------------------------------------- reference */

/* erf^-1 in float64: a rough start refined by Newton steps on erf. */
static double erfinv_f64(double y) {
    if (isnan(y) || y < -1 || y > 1) return NAN;
    if (y == 1) return INFINITY;
    if (y == -1) return -INFINITY;
    if (y == 0) return y;
    /* start: invert erf(x) ~ sign(x) sqrt(1 - exp(-x^2 (4/pi + a x^2) / (1 + a x^2))) */
    double a = 0.147, l = log1p(-y * y), t = 2 / (M_PI * a) + l / 2;
    double x = copysign(sqrt(sqrt(t * t - l / a) - t), y);
    for (int i = 0; i < 4; i++) {
        double err = erf(x) - y;
        if (fabs(y) > 0.9) err = -(erfc(fabs(x)) - (1 - fabs(y))) * (y < 0 ? -1 : 1);
        double step = err / (2 / sqrt(M_PI) * exp(-x * x));
        if (!isfinite(step)) break;
        x -= step;
    }
    return x;
}

static double sigmoid_f64(double x) {
    double e = exp(-fabs(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

static double ref_f64(ax_op op, double x) {
    switch (op) {
    case AX_OP_ABS: return fabs(x);
    case AX_OP_NEGATIVE: return -x;
    case AX_OP_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x;
    case AX_OP_SQUARE: return x * x;
    case AX_OP_SQRT: return sqrt(x);
    case AX_OP_RSQRT: return 1 / sqrt(x);
    case AX_OP_RECIPROCAL: return 1 / x;
    case AX_OP_EXP: return exp(x);
    case AX_OP_EXP2: return exp2(x);
    case AX_OP_EXPM1: return expm1(x);
    case AX_OP_LOG: return log(x);
    case AX_OP_LOG2: return log2(x);
    case AX_OP_LOG10: return log10(x);
    case AX_OP_LOG1P: return log1p(x);
    case AX_OP_SIN: return sin(x);
    case AX_OP_COS: return cos(x);
    case AX_OP_TAN: return tan(x);
    case AX_OP_ARCSIN: return asin(x);
    case AX_OP_ARCCOS: return acos(x);
    case AX_OP_ARCTAN: return atan(x);
    case AX_OP_SINH: return sinh(x);
    case AX_OP_COSH: return cosh(x);
    case AX_OP_TANH: return tanh(x);
    case AX_OP_ARCSINH: return asinh(x);
    case AX_OP_ARCCOSH: return acosh(x);
    case AX_OP_ARCTANH: return atanh(x);
    case AX_OP_FLOOR: return floor(x);
    case AX_OP_CEIL: return ceil(x);
    case AX_OP_ROUND: return nearbyint(x); /* default rounding: half to even */
    case AX_OP_TRUNC: return trunc(x);
    case AX_OP_ERF: return erf(x);
    case AX_OP_ERFINV: return erfinv_f64(x);
    case AX_OP_SIGMOID: return sigmoid_f64(x);
    case AX_OP_DEGREES: return x * (180 / M_PI);
    case AX_OP_RADIANS: return x * (M_PI / 180);
    case AX_OP_IMAG: return 0;
    default: return x; /* conjugate, real */
    }
}

static double complex ref_c(ax_op op, double complex z) {
    switch (op) {
    case AX_OP_NEGATIVE: return -z;
    case AX_OP_SIGN: return z == 0 ? 0 : z / cabs(z);
    case AX_OP_SQUARE: return z * z;
    case AX_OP_SQRT: return csqrt(z);
    case AX_OP_RSQRT: return 1 / csqrt(z);
    case AX_OP_RECIPROCAL: return 1 / z;
    case AX_OP_EXP: return cexp(z);
    case AX_OP_EXP2: return cexp(z * M_LN2);
    case AX_OP_EXPM1: return cexp(z) - 1;
    case AX_OP_LOG: return clog(z);
    case AX_OP_LOG2: return clog(z) / M_LN2;
    case AX_OP_LOG10: return clog(z) / M_LN10;
    case AX_OP_LOG1P: return clog(1 + z);
    case AX_OP_SIN: return csin(z);
    case AX_OP_COS: return ccos(z);
    case AX_OP_TAN: return ctan(z);
    case AX_OP_ARCSIN: return casin(z);
    case AX_OP_ARCCOS: return cacos(z);
    case AX_OP_ARCTAN: return catan(z);
    case AX_OP_SINH: return csinh(z);
    case AX_OP_COSH: return ccosh(z);
    case AX_OP_TANH: return ctanh(z);
    case AX_OP_ARCSINH: return casinh(z);
    case AX_OP_ARCCOSH: return cacosh(z);
    case AX_OP_ARCTANH: return catanh(z);
    case AX_OP_CONJUGATE: return conj(z);
    case AX_OP_ABS: return cabs(z);
    case AX_OP_REAL: return creal(z);
    case AX_OP_IMAG: return cimag(z);
    default: return NAN;
    }
}

/* Integer ops wrap (computed on uint64). */
static int64_t ref_i64(ax_op op, int64_t x) {
    switch (op) {
    case AX_OP_ABS: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
    case AX_OP_NEGATIVE: return (int64_t)(0 - (uint64_t)x);
    case AX_OP_SIGN: return (x > 0) - (x < 0);
    case AX_OP_SQUARE: return (int64_t)((uint64_t)x * (uint64_t)x);
    case AX_OP_BITWISE_INVERT: return ~x;
    case AX_OP_IMAG: return 0;
    default: return x; /* rounding ops, conjugate, real */
    }
}
static uint64_t ref_u64(ax_op op, uint64_t x) {
    switch (op) {
    case AX_OP_NEGATIVE: return 0 - x;
    case AX_OP_SIGN: return x > 0;
    case AX_OP_SQUARE: return x * x;
    case AX_OP_BITWISE_INVERT: return ~x;
    case AX_OP_IMAG: return 0;
    default: return x;
    }
}

static bool ref_pred(ax_op op, double re, double im) {
    switch (op) {
    case AX_OP_ISNAN: return isnan(re) || isnan(im);
    case AX_OP_ISINF: return isinf(re) || isinf(im);
    case AX_OP_ISFINITE: return isfinite(re) && isfinite(im);
    case AX_OP_ISPOSINF: return re == INFINITY;
    case AX_OP_ISNEGINF: return re == -INFINITY;
    default: return re == 0 && im == 0; /* logical_not */
    }
}

static bool is_pred(ax_op op) {
    return op == AX_OP_LOGICAL_NOT || (op >= AX_OP_ISNAN && op <= AX_OP_ISNEGINF);
}

typedef struct uref {
    ax_op op;
    ax_dtype it, ot;
} uref;

static void ref_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const uref *u = ud;
    ax_op op = u->op;
    for (int64_t i = 0; i < n; i++) {
        char *o = p[0] + i * bs[0];
        const char *x = p[1] + i * bs[1];
        if (is_pred(op)) {
            double re, im;
            ax__load_c(x, u->it, &re, &im);
            *(uint8_t *)o = ref_pred(op, re, im);
        } else if (u->it == AX_COMPLEX64) {
            double re, im;
            ax__load_c(x, u->it, &re, &im);
            double complex z = ref_c(op, ew_cmplx(re, im));
            ax__store_c(o, u->ot, creal(z), cimag(z));
        } else if (ax_dtype_is_inexact(u->it)) {
            ax__store_f64(o, u->ot, ref_f64(op, ax__load_f64(x, u->it)));
        } else if (u->it == AX_BOOL && op == AX_OP_BITWISE_INVERT) {
            *(uint8_t *)o = !*(const uint8_t *)x;
        } else if (ax_dtype_is_unsigned(u->it)) {
            ax__store_u64(o, u->ot, ref_u64(op, ax__load_u64(x, u->it)));
        } else {
            ax__store_i64(o, u->ot, ref_i64(op, ax__load_i64(x, u->it)));
        }
    }
}

/* ---------------------------------------------------------------- fast loops */

typedef void (*uvec_fn)(void *o, const void *a, int64_t n);

#define UVEC(NAME, TO, TI, EXPR)                                              \
    static void NAME(void *o_, const void *a_, int64_t n) {                   \
        TO *o = o_;                                                           \
        const TI *a = a_;                                                     \
        for (int64_t i = 0; i < n; i++) {                                     \
            TI x = a[i];                                                      \
            o[i] = (EXPR);                                                    \
        }                                                                     \
    }

/* Per float type: the math functions (float32 uses ew_math.h where it has one). */
#define EXP_f32 ew_expf
#define EXP2_f32 ew_exp2f
#define EXPM1_f32 ew_expm1f
#define LOG_f32 ew_logf
#define LOG2_f32 ew_log2f
#define LOG10_f32 ew_log10f
#define TANH_f32 ew_tanhf
#define SIGMOID_f32 ew_sigmoidf
#define ERF_f32 ew_erff
#define ERFINV_f32(x) (float)erfinv_f64(x)
#define EXP_f64 exp
#define EXP2_f64 exp2
#define EXPM1_f64 expm1
#define LOG_f64 log
#define LOG2_f64 log2
#define LOG10_f64 log10
#define TANH_f64 tanh
#define SIGMOID_f64 sigmoid_f64
#define ERF_f64 erf
#define ERFINV_f64 erfinv_f64

/* X(op id, expression in x of type T); F is the libm suffix (f or empty). */
#define FLOAT_UNARY_OPS(X, T, S, F)                                           \
    X(ABS, fabs##F(x))                                                        \
    X(NEGATIVE, -x)                                                           \
    X(SIGN, x > 0 ? (T)1 : x < 0 ? (T)-1 : x == 0 ? (T)0 : x)                 \
    X(SQUARE, x * x)                                                          \
    X(SQRT, sqrt##F(x))                                                       \
    X(RSQRT, (T)1 / sqrt##F(x))                                               \
    X(RECIPROCAL, (T)1 / x)                                                   \
    X(EXP, EXP_##S(x))                                                        \
    X(EXP2, EXP2_##S(x))                                                      \
    X(EXPM1, EXPM1_##S(x))                                                    \
    X(LOG, LOG_##S(x))                                                        \
    X(LOG2, LOG2_##S(x))                                                      \
    X(LOG10, LOG10_##S(x))                                                    \
    X(LOG1P, log1p##F(x))                                                     \
    X(SIN, sin##F(x))                                                         \
    X(COS, cos##F(x))                                                         \
    X(TAN, tan##F(x))                                                         \
    X(ARCSIN, asin##F(x))                                                     \
    X(ARCCOS, acos##F(x))                                                     \
    X(ARCTAN, atan##F(x))                                                     \
    X(SINH, sinh##F(x))                                                       \
    X(COSH, cosh##F(x))                                                       \
    X(TANH, TANH_##S(x))                                                      \
    X(ARCSINH, asinh##F(x))                                                   \
    X(ARCCOSH, acosh##F(x))                                                   \
    X(ARCTANH, atanh##F(x))                                                   \
    X(FLOOR, floor##F(x))                                                     \
    X(CEIL, ceil##F(x))                                                       \
    X(ROUND, nearbyint##F(x)) /* half to even */                                       \
    X(TRUNC, trunc##F(x))                                                     \
    X(ERF, ERF_##S(x))                                                         \
    X(ERFINV, ERFINV_##S(x))                                                  \
    X(SIGMOID, SIGMOID_##S(x))                                                \
    X(DEGREES, x * (T)(180 / M_PI))                                           \
    X(RADIANS, x * (T)(M_PI / 180))                                           \
    X(CONJUGATE, x)                                                           \
    X(IMAG, ((void)x, (T)0))

#define FLOAT_PRED_OPS(X, T)                                                  \
    X(ISNAN, x != x)                                                          \
    X(ISINF, x == (T)INFINITY || x == -(T)INFINITY)                           \
    X(ISFINITE, x - x == x - x)                                               \
    X(ISPOSINF, x == (T)INFINITY)                                             \
    X(ISNEGINF, x == -(T)INFINITY)                                            \
    X(LOGICAL_NOT, x == 0)

/* Full-width vectors for the float math where the machine has AVX-512
 * (GCC prefers 256-bit ones by default; exp runs 1.4x faster at 512). */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("prefer-vector-width=512")
#endif
#define DEF_F32(ID, EXPR) UVEC(u_##ID##_f32, float, float, EXPR)
#define DEF_F64(ID, EXPR) UVEC(u_##ID##_f64, double, double, EXPR)
FLOAT_UNARY_OPS(DEF_F32, float, f32, f)
FLOAT_UNARY_OPS(DEF_F64, double, f64, )
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#define DEF_P32(ID, EXPR) UVEC(u_##ID##_p32, uint8_t, float, EXPR)
#define DEF_P64(ID, EXPR) UVEC(u_##ID##_p64, uint8_t, double, EXPR)
FLOAT_PRED_OPS(DEF_P32, float)
FLOAT_PRED_OPS(DEF_P64, double)

/* Integer types: X(dtype, C type, wide unsigned type, suffix, signed?) */
#define INT_TYPES(X)                                                          \
    X(AX_INT8, int8_t, uint32_t, i8, 1)                                       \
    X(AX_INT16, int16_t, uint32_t, i16, 1)                                    \
    X(AX_INT32, int32_t, uint32_t, i32, 1)                                    \
    X(AX_INT64, int64_t, uint64_t, i64, 1)                                    \
    X(AX_UINT8, uint8_t, uint32_t, u8, 0)                                     \
    X(AX_UINT16, uint16_t, uint32_t, u16, 0)                                  \
    X(AX_UINT32, uint32_t, uint32_t, u32, 0)                                  \
    X(AX_UINT64, uint64_t, uint64_t, u64, 0)

#define IS_NEG_1(x) ((x) < 0)
#define IS_NEG_0(x) 0
#define DEF_INT(DT, T, WU, SFX, SGN)                                          \
    UVEC(u_ABS_##SFX, T, T, IS_NEG_##SGN(x) ? (T)(0 - (WU)x) : x)             \
    UVEC(u_NEGATIVE_##SFX, T, T, (T)(0 - (WU)x))                              \
    UVEC(u_SIGN_##SFX, T, T, (T)((x > 0) - IS_NEG_##SGN(x)))                  \
    UVEC(u_SQUARE_##SFX, T, T, (T)((WU)x * (WU)x))                            \
    UVEC(u_BITWISE_INVERT_##SFX, T, T, (T)~x)                                 \
    UVEC(u_LOGICAL_NOT_##SFX, uint8_t, T, x == 0)
INT_TYPES(DEF_INT)
UVEC(u_LOGICAL_NOT_b, uint8_t, uint8_t, x == 0)
UVEC(u_NEGATIVE_c, ax_c64, ax_c64, ((ax_c64){-x.re, -x.im}))
UVEC(u_CONJUGATE_c, ax_c64, ax_c64, ((ax_c64){x.re, -x.im}))
UVEC(u_BITWISE_INVERT_b, uint8_t, uint8_t, x == 0)

/* sqrt through intrinsics: with errno semantics GCC keeps a scalar libm
 * call per element, and the build does not pass -fno-math-errno. */
#if defined(__AVX__)
#include <immintrin.h>
#define SQRT_VEC(NAME, T, V, LOAD, STORE, SQRT, SET1, DIV, W, RECIP)           \
    static void NAME(void *o_, const void *a_, int64_t n) {                   \
        T *o = o_;                                                            \
        const T *a = a_;                                                      \
        int64_t i = 0;                                                        \
        for (; i + W <= n; i += W) {                                          \
            V r = SQRT(LOAD(a + i));                                          \
            STORE(o + i, RECIP ? DIV(SET1(1), r) : r);                        \
        }                                                                     \
        for (; i < n; i++) o[i] = RECIP ? (T)1 / (T)sqrt(a[i]) : (T)sqrt(a[i]); \
    }
SQRT_VEC(v_sqrt_f32, float, __m256, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_sqrt_ps,
         _mm256_set1_ps, _mm256_div_ps, 8, 0)
SQRT_VEC(v_rsqrt_f32, float, __m256, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_sqrt_ps,
         _mm256_set1_ps, _mm256_div_ps, 8, 1)
SQRT_VEC(v_sqrt_f64, double, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_sqrt_pd,
         _mm256_set1_pd, _mm256_div_pd, 4, 0)
SQRT_VEC(v_rsqrt_f64, double, __m256d, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_sqrt_pd,
         _mm256_set1_pd, _mm256_div_pd, 4, 1)
#endif

#if defined(__AVX512F__)
/* exp in explicit 512-bit vectors (ew_math.h): half the work of ew_expf. */
static void v_exp_f32(void *o, const void *a, int64_t n) { ew_expf_n(a, o, n); }
#endif

/* fast[op][input dtype], filled at registration; special[op][dtype] marks
 * ops that are the identity (SP_COPY) or give zeros (SP_ZERO) on a dtype. */
static uvec_fn fast[AX_OP_COUNT][AX_DTYPE_COUNT];
enum { SP_NONE, SP_COPY, SP_ZERO };
static unsigned char special[AX_OP_COUNT][AX_DTYPE_COUNT];

static void fill_fast(void) {
#define REG_F(ID, EXPR)                                                       \
    fast[AX_OP_##ID][AX_FLOAT32] = u_##ID##_f32;                              \
    fast[AX_OP_##ID][AX_FLOAT16] = u_##ID##_f32;                              \
    fast[AX_OP_##ID][AX_BFLOAT16] = u_##ID##_f32;
#define REG_D(ID, EXPR) fast[AX_OP_##ID][AX_FLOAT64] = u_##ID##_f64;
    FLOAT_UNARY_OPS(REG_F, float, f32, f)
    FLOAT_UNARY_OPS(REG_D, double, f64, )
#undef REG_F
#undef REG_D
#define REG_P(ID, EXPR)                                                       \
    fast[AX_OP_##ID][AX_FLOAT32] = u_##ID##_p32;                              \
    fast[AX_OP_##ID][AX_FLOAT16] = u_##ID##_p32;                              \
    fast[AX_OP_##ID][AX_BFLOAT16] = u_##ID##_p32;                             \
    fast[AX_OP_##ID][AX_FLOAT64] = u_##ID##_p64;
    FLOAT_PRED_OPS(REG_P, float)
#undef REG_P
#if defined(__AVX__)
    fast[AX_OP_SQRT][AX_FLOAT32] = fast[AX_OP_SQRT][AX_FLOAT16] = fast[AX_OP_SQRT][AX_BFLOAT16] = v_sqrt_f32;
    fast[AX_OP_RSQRT][AX_FLOAT32] = fast[AX_OP_RSQRT][AX_FLOAT16] = fast[AX_OP_RSQRT][AX_BFLOAT16] = v_rsqrt_f32;
    fast[AX_OP_SQRT][AX_FLOAT64] = v_sqrt_f64;
    fast[AX_OP_RSQRT][AX_FLOAT64] = v_rsqrt_f64;
#endif
#if defined(__AVX512F__)
    fast[AX_OP_EXP][AX_FLOAT32] = fast[AX_OP_EXP][AX_FLOAT16] = fast[AX_OP_EXP][AX_BFLOAT16] = v_exp_f32;
#endif
#define REG_I(DT, T, WU, SFX, SGN)                                            \
    fast[AX_OP_ABS][DT] = u_ABS_##SFX;                                        \
    fast[AX_OP_NEGATIVE][DT] = u_NEGATIVE_##SFX;                              \
    fast[AX_OP_SIGN][DT] = u_SIGN_##SFX;                                      \
    fast[AX_OP_SQUARE][DT] = u_SQUARE_##SFX;                                  \
    fast[AX_OP_BITWISE_INVERT][DT] = u_BITWISE_INVERT_##SFX;                  \
    fast[AX_OP_LOGICAL_NOT][DT] = u_LOGICAL_NOT_##SFX;
    INT_TYPES(REG_I)
#undef REG_I
    fast[AX_OP_LOGICAL_NOT][AX_BOOL] = u_LOGICAL_NOT_b;
    fast[AX_OP_NEGATIVE][AX_COMPLEX64] = u_NEGATIVE_c;
    fast[AX_OP_CONJUGATE][AX_COMPLEX64] = u_CONJUGATE_c;
    fast[AX_OP_BITWISE_INVERT][AX_BOOL] = u_BITWISE_INVERT_b;
    static const ax_op ident[] = {AX_OP_FLOOR, AX_OP_CEIL,      AX_OP_ROUND, AX_OP_TRUNC,
                                  AX_OP_CONJUGATE, AX_OP_REAL};
    for (int t = AX_BOOL; t <= AX_UINT64; t++) {
        for (size_t i = 0; i < sizeof ident / sizeof *ident; i++) special[ident[i]][t] = SP_COPY;
        special[AX_OP_IMAG][t] = SP_ZERO;
        if (t == AX_BOOL)
            special[AX_OP_ABS][t] = special[AX_OP_SIGN][t] = special[AX_OP_SQUARE][t] = SP_COPY;
    }
}

typedef struct ufast {
    uvec_fn fn;
    int sp;
    ax_dtype it, ot, ct, cot; /* input/output dtypes and the loop's (compute) dtypes */
    bool stream; /* the output reaches EW_STREAM_BYTES (ew_stream.h) */
} ufast;

static void fast_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const ufast *u = ud;
    int64_t isz = (int64_t)ax_dtype_size(u->it), osz = (int64_t)ax_dtype_size(u->ot);
    if (u->sp == SP_ZERO) {
        for (int64_t i = 0; i < n; i++) memset(p[0] + i * bs[0], 0, (size_t)osz);
        return;
    }
    if (u->sp == SP_COPY) {
        if (bs[0] == osz && bs[1] == isz) memmove(p[0], p[1], (size_t)(n * osz));
        else
            for (int64_t i = 0; i < n; i++) memcpy(p[0] + i * bs[0], p[1] + i * bs[1], (size_t)osz);
        return;
    }
    if (u->it == u->ct && u->ot == u->cot && bs[0] == osz && bs[1] == isz) {
        _Alignas(64) char blk[EW_STREAM_BLOCK * 8];
        const int64_t bl = u->stream ? EW_STREAM_BLOCK : EW_BLOCK;
        const int64_t ahead = u->stream ? EW_STREAM_AHEAD : EW_PREFETCH_AHEAD;
        for (int64_t off = 0; off < n; off += bl) {
            int64_t m = n - off < bl ? n - off : bl;
            if (n > 4 * EW_BLOCK) ew_prefetch(p[1] + off * isz, m * isz, ahead);
            char *o = u->stream ? blk : p[0] + off * osz;
            u->fn(o, p[1] + off * isz, m);
            if (u->stream) ew_stream_store(p[0] + off * osz, blk, m * osz);
        }
        return;
    }
    _Alignas(64) char tin[EW_CHUNK * 8], tout[EW_CHUNK * 8];
    for (int64_t off = 0; off < n; off += EW_CHUNK) {
        int64_t m = n - off < EW_CHUNK ? n - off : EW_CHUNK;
        ew_load(tin, u->ct, p[1] + off * bs[1], bs[1], u->it, m);
        u->fn(tout, tin, m);
        ew_store(p[0] + off * bs[0], bs[0], u->ot, tout, u->cot, m);
    }
}

static ax_status unary_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    ax_array *in = node->inputs[0];
    ax_dtype it = in->dtype, ot = out[0]->dtype;
    uvec_fn fn = fast[node->op][it];
    int sp = special[node->op][it];
    if (!ax__cpu_use_reference() && (fn || sp)) {
        ax_dtype ct = ew_compute_type(it);
        ufast u = {fn, sp, it, ot, ct, ot == AX_BOOL ? AX_BOOL : ct,
                   ax_nbytes(out[0]) >= (size_t)EW_STREAM_BYTES};
        ax__cpu_ew_loop(out[0], &in, 1, fast_inner, &u, true);
        if (u.stream) ew_stream_end();
    } else {
        uref u = {node->op, it, ot};
        ax__cpu_ew_loop(out[0], &in, 1, ref_inner, &u, true);
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- copy / astype */

typedef struct conv_ud {
    ax_dtype dt, st;
} conv_ud;

static void conv_ref_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const conv_ud *c = ud;
    for (int64_t i = 0; i < n; i++) ax__convert(p[0] + i * bs[0], c->dt, p[1] + i * bs[1], c->st, 1);
}

/* Fast: typed conversion loops over contiguous runs, scratch chunks for
 * strided ones (ew_load / ew_store). */
static void conv_fast_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const conv_ud *c = ud;
    int64_t dsz = (int64_t)ax_dtype_size(c->dt);
    if (bs[0] == dsz) {
        ew_load(p[0], c->dt, p[1], bs[1], c->st, n);
        return;
    }
    _Alignas(64) char tmp[EW_CHUNK * 8];
    for (int64_t off = 0; off < n; off += EW_CHUNK) {
        int64_t m = n - off < EW_CHUNK ? n - off : EW_CHUNK;
        ew_load(tmp, c->dt, p[1] + off * bs[1], bs[1], c->st, m);
        ew_store(p[0] + off * bs[0], bs[0], c->dt, tmp, c->dt, m);
    }
}

static ax_status convert_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    ax_array *in = node->inputs[0];
    conv_ud c = {out[0]->dtype, in->dtype};
    ax__cpu_ew_loop(out[0], &in, 1, ax__cpu_use_reference() ? conv_ref_inner : conv_fast_inner,
                    &c, true);
    return AX_OK;
}

void ax__cpu_register_unary(ax_kernel *table) {
    fill_fast();
    ax__ew_convert_init();
    table[AX_OP_COPY] = convert_kernel;
    table[AX_OP_ASTYPE] = convert_kernel;
    for (int op = AX_OP_ABS; op <= AX_OP_IMAG; op++) table[op] = unary_kernel;
}
