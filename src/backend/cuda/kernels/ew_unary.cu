// Unary elementwise ops (ABS..IMAG), mirroring src/backend/cpu/unary.c's
// fast paths: float16/bfloat16 computed in float32 and rounded once, float64
// in double, integers with wrapping arithmetic, complex64 for the ops below.
// Math uses the IEEE CUDA functions (expf, not __expf); results may differ
// from the CPU's own float32 exp/log/tanh/erf polynomials by an ulp or so.
// Identity and constant cases (rounding ops on integers, imag of reals,
// isnan of integers, ...) are handled by the C side with copies and fills.
#include "backend/cuda/kernels/ew_complex.cuh"
#include "backend/cuda/kernels/ew_kernel.cuh"

#define EW_PI 3.14159265358979323846

// float/double overloads of the libm functions used.
#define EW_M1(NAME, F32, F64)                                                   \
    __device__ __forceinline__ float ew_##NAME(float x) { return F32(x); }      \
    __device__ __forceinline__ double ew_##NAME(double x) { return F64(x); }
EW_M1(fabs, fabsf, fabs)
EW_M1(sqrt, sqrtf, sqrt)
EW_M1(exp, expf, exp)
EW_M1(exp2, exp2f, exp2)
EW_M1(expm1, expm1f, expm1)
EW_M1(log, logf, log)
EW_M1(log2, log2f, log2)
EW_M1(log10, log10f, log10)
EW_M1(log1p, log1pf, log1p)
EW_M1(sin, sinf, sin)
EW_M1(cos, cosf, cos)
EW_M1(tan, tanf, tan)
EW_M1(asin, asinf, asin)
EW_M1(acos, acosf, acos)
EW_M1(atan, atanf, atan)
EW_M1(sinh, sinhf, sinh)
EW_M1(cosh, coshf, cosh)
EW_M1(tanh, tanhf, tanh)
EW_M1(asinh, asinhf, asinh)
EW_M1(acosh, acoshf, acosh)
EW_M1(atanh, atanhf, atanh)
EW_M1(floor, floorf, floor)
EW_M1(ceil, ceilf, ceil)
EW_M1(rint, rintf, rint)
EW_M1(trunc, truncf, trunc)
EW_M1(erf, erff, erf)
#undef EW_M1

// erfinv: float32 through float64 and rounded, as the CPU.
__device__ __forceinline__ float ew_erfinv(float x) { return (float)erfinv((double)x); }
__device__ __forceinline__ double ew_erfinv(double x) { return erfinv(x); }

// sigmoid as ew_sigmoidf (float) and sigmoid_f64 (double) of the CPU. The
// float quotient 1 / (1 + e) has 1 + e in [1, 2] (or NaN): the hardware
// reciprocal refined by one Newton step is within an ulp of the IEEE
// quotient, without the division's slow-path branch (about 10 instructions
// and a branch fewer an element).
__device__ __forceinline__ float ew_rcp_1to2(float d) {
    float r;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(d));
    return __fmaf_rn(__fmaf_rn(-d, r, 1.0f), r, r);
}
__device__ __forceinline__ float ew_sigmoid(float x) {
    const float e = expf(x < 0 ? x : -x);
    const float r = ew_rcp_1to2(1.0f + e), q = __fmul_rn(e, r);
    return x != x ? x : x >= 0 ? r : q; // selects (the nested form compiled to branches)
}
__device__ __forceinline__ double ew_sigmoid(double x) {
    double e = exp(-fabs(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// The float ops, in compute type C.
template <int OP, typename C> __device__ __forceinline__ C ew_ufloat(C x) {
    if constexpr (OP == AXCU_ABS) return ew_fabs(x);
    else if constexpr (OP == AXCU_NEGATIVE) return -x;
    else if constexpr (OP == AXCU_SIGN) return x > 0 ? (C)1 : x < 0 ? (C)-1 : x == 0 ? (C)0 : x;
    else if constexpr (OP == AXCU_SQUARE) return x * x;
    else if constexpr (OP == AXCU_SQRT) return ew_sqrt(x);
    else if constexpr (OP == AXCU_RSQRT) return (C)1 / ew_sqrt(x); // two roundings, as the CPU
    else if constexpr (OP == AXCU_RECIPROCAL) return (C)1 / x;
    else if constexpr (OP == AXCU_EXP) return ew_exp(x);
    else if constexpr (OP == AXCU_EXP2) return ew_exp2(x);
    else if constexpr (OP == AXCU_EXPM1) return ew_expm1(x);
    else if constexpr (OP == AXCU_LOG) return ew_log(x);
    else if constexpr (OP == AXCU_LOG2) return ew_log2(x);
    else if constexpr (OP == AXCU_LOG10) return ew_log10(x);
    else if constexpr (OP == AXCU_LOG1P) return ew_log1p(x);
    else if constexpr (OP == AXCU_SIN) return ew_sin(x);
    else if constexpr (OP == AXCU_COS) return ew_cos(x);
    else if constexpr (OP == AXCU_TAN) return ew_tan(x);
    else if constexpr (OP == AXCU_ARCSIN) return ew_asin(x);
    else if constexpr (OP == AXCU_ARCCOS) return ew_acos(x);
    else if constexpr (OP == AXCU_ARCTAN) return ew_atan(x);
    else if constexpr (OP == AXCU_SINH) return ew_sinh(x);
    else if constexpr (OP == AXCU_COSH) return ew_cosh(x);
    else if constexpr (OP == AXCU_TANH) return ew_tanh(x);
    else if constexpr (OP == AXCU_ARCSINH) return ew_asinh(x);
    else if constexpr (OP == AXCU_ARCCOSH) return ew_acosh(x);
    else if constexpr (OP == AXCU_ARCTANH) return ew_atanh(x);
    else if constexpr (OP == AXCU_FLOOR) return ew_floor(x);
    else if constexpr (OP == AXCU_CEIL) return ew_ceil(x);
    else if constexpr (OP == AXCU_ROUND) return ew_rint(x); // half to even
    else if constexpr (OP == AXCU_TRUNC) return ew_trunc(x);
    else if constexpr (OP == AXCU_ERF) return ew_erf(x);
    else if constexpr (OP == AXCU_ERFINV) return ew_erfinv(x);
    else if constexpr (OP == AXCU_SIGMOID) return ew_sigmoid(x);
    else if constexpr (OP == AXCU_DEGREES) return x * (C)(180 / EW_PI);
    else if constexpr (OP == AXCU_RADIANS) return x * (C)(EW_PI / 180);
    else if constexpr (OP == AXCU_CONJUGATE) return x;
    else return (C)0; // imag
}

#define EW_UFLOAT_OPS(X)                                                                    \
    X(ABS) X(NEGATIVE) X(SIGN) X(SQUARE) X(SQRT) X(RSQRT) X(RECIPROCAL) X(EXP) X(EXP2)      \
    X(EXPM1) X(LOG) X(LOG2) X(LOG10) X(LOG1P) X(SIN) X(COS) X(TAN) X(ARCSIN) X(ARCCOS)      \
    X(ARCTAN) X(SINH) X(COSH) X(TANH) X(ARCSINH) X(ARCCOSH) X(ARCTANH) X(FLOOR) X(CEIL)     \
    X(ROUND) X(TRUNC) X(ERF) X(ERFINV) X(SIGMOID) X(DEGREES) X(RADIANS) X(CONJUGATE) X(IMAG)

// The transcendental ops are called out of line: one body per (op, compute
// type) instead of one per unrolled vector lane and kernel, which keeps the
// compile time of this file bounded (their math outweighs the call). The
// exceptions are the short branch-free float32 ones common in networks
// (exp, exp2, log, tanh, erf, sigmoid: 10-30 instructions): inline, so the
// contiguous kernel unrolls them over several vectors (ew_unroll) without
// calls; a call per element there cost as much as the math.
constexpr bool ew_heavy(int op) {
    return (op >= AXCU_EXP && op <= AXCU_ARCTANH) || op == AXCU_ERF || op == AXCU_ERFINV ||
           op == AXCU_SIGMOID;
}
constexpr bool ew_inline_f32(int op) {
    return op == AXCU_EXP || op == AXCU_EXP2 || op == AXCU_LOG || op == AXCU_TANH || op == AXCU_ERF ||
           op == AXCU_SIGMOID;
}
template <int OP, typename C> constexpr bool ew_out_of_line() {
    return ew_heavy(OP) && !(std::is_same<C, float>::value && ew_inline_f32(OP));
}
template <int OP, typename C> __device__ __noinline__ C ew_ufloat_call(C x) { return ew_ufloat<OP, C>(x); }

template <int OP, typename S> struct ew_uf {
    bool bf;
    __device__ __forceinline__ S operator()(S x) const {
        typedef typename ew_ct<S>::type C;
        if constexpr (ew_out_of_line<OP, C>()) return ew_st<S>(ew_ufloat_call<OP, C>(ew_ld(x, bf)), bf);
        else return ew_st<S>(ew_ufloat<OP, C>(ew_ld(x, bf)), bf);
    }
};
// One vector a thread for the out-of-line ones (see ew_unroll).
template <int OP, typename S> struct ew_unroll<ew_uf<OP, S>> {
    static constexpr int value = ew_out_of_line<OP, typename ew_ct<S>::type>() ? 1 : 4;
};

// Predicates of floats -> bool.
template <int OP, typename S> struct ew_upred {
    bool bf;
    __device__ __forceinline__ uint8_t operator()(S xs) const {
        typedef typename ew_ct<S>::type C;
        C x = ew_ld(xs, bf);
        if constexpr (OP == AXCU_ISNAN) return x != x;
        else if constexpr (OP == AXCU_ISINF) return isinf(x);
        else if constexpr (OP == AXCU_ISFINITE) return isfinite(x);
        else if constexpr (OP == AXCU_ISPOSINF) return x == (C)INFINITY;
        else if constexpr (OP == AXCU_ISNEGINF) return x == -(C)INFINITY;
        else return x == 0; // logical_not
    }
};
#define EW_UPRED_OPS(X) X(ISNAN) X(ISINF) X(ISFINITE) X(ISPOSINF) X(ISNEGINF) X(LOGICAL_NOT)

// Integers on 64 bits (see ew_kernel.cuh); logical_not -> bool.
template <int OP, bool SGN> struct ew_uint {
    typedef typename ew_wide<SGN>::type W;
    __device__ __forceinline__ auto operator()(W v) const {
        if constexpr (OP == AXCU_LOGICAL_NOT) return (uint8_t)(v == 0);
        else if constexpr (OP == AXCU_ABS) return SGN && v < 0 ? (W)(0 - (uint64_t)v) : v;
        else if constexpr (OP == AXCU_NEGATIVE) return (W)(0 - (uint64_t)v);
        else if constexpr (OP == AXCU_SIGN) return (W)((v > 0) - (SGN && v < 0));
        else if constexpr (OP == AXCU_SQUARE) return (W)((uint64_t)v * (uint64_t)v);
        else return (W)~v; // bitwise_invert
    }
};
#define EW_UINT_OPS(X) X(ABS) X(NEGATIVE) X(SIGN) X(SQUARE) X(BITWISE_INVERT) X(LOGICAL_NOT)

// bitwise_invert and logical_not of bool: x == 0.
struct ew_unot {
    __device__ __forceinline__ uint8_t operator()(uint8_t x) const { return x == 0; }
};

// complex64: negative, conjugate (-> complex64), abs, real, imag (-> float32),
// isnan, isinf, isfinite, logical_not (-> bool), and the math below
// (ew_complex.cuh: in double, as the CPU's C complex functions).
template <int OP> struct ew_uc {
    __device__ __forceinline__ ew_c64 operator()(ew_c64 z) const {
        if constexpr (OP == AXCU_NEGATIVE) return ew_c64{-z.re, -z.im};
        else return ew_c64{z.re, -z.im};
    }
};
#define EW_UCMATH_OPS(X)                                                                            \
    X(SIGN) X(SQUARE) X(SQRT) X(RSQRT) X(RECIPROCAL) X(EXP) X(EXP2) X(EXPM1) X(LOG) X(LOG2) X(LOG10) \
    X(LOG1P) X(SIN) X(COS) X(TAN) X(ARCSIN) X(ARCCOS) X(ARCTAN) X(SINH) X(COSH) X(TANH) X(ARCSINH)  \
    X(ARCCOSH) X(ARCTANH)
template <int OP> struct ew_ucm {
    __device__ __forceinline__ ew_c64 operator()(ew_c64 zf) const {
        const ew_cd z = cd_of(zf), one = {1.0, 0.0};
        const double ln2 = 0.69314718055994531, ln10 = 2.3025850929940457;
        ew_cd r;
        if constexpr (OP == AXCU_SIGN) {
            double a = hypot(z.re, z.im);
            r = a == 0 ? ew_cd{0.0, 0.0} : ew_cd{z.re / a, z.im / a};
        } else if constexpr (OP == AXCU_SQUARE) r = cd_mul(z, z);
        else if constexpr (OP == AXCU_SQRT) r = cd_sqrt(z);
        else if constexpr (OP == AXCU_RSQRT) r = cd_div(one, cd_sqrt(z));
        else if constexpr (OP == AXCU_RECIPROCAL) r = cd_div(one, z);
        else if constexpr (OP == AXCU_EXP) r = cd_exp(z);
        else if constexpr (OP == AXCU_EXP2) r = cd_exp(cd_scale(z, ln2));
        else if constexpr (OP == AXCU_EXPM1) r = cd_sub(cd_exp(z), one);
        else if constexpr (OP == AXCU_LOG) r = cd_log(z);
        else if constexpr (OP == AXCU_LOG2 || OP == AXCU_LOG10) {
            ew_cd l = cd_log(z);
            const double d = OP == AXCU_LOG2 ? ln2 : ln10;
            r = ew_cd{l.re / d, l.im / d};
        } else if constexpr (OP == AXCU_LOG1P) r = cd_log(cd_add(one, z));
        else if constexpr (OP == AXCU_SIN) r = cd_sin(z);
        else if constexpr (OP == AXCU_COS) r = cd_cos(z);
        else if constexpr (OP == AXCU_TAN) r = cd_tan(z);
        else if constexpr (OP == AXCU_ARCSIN) r = cd_asin(z);
        else if constexpr (OP == AXCU_ARCCOS) r = cd_acos(z);
        else if constexpr (OP == AXCU_ARCTAN) r = cd_atan(z);
        else if constexpr (OP == AXCU_SINH) r = cd_sinh(z);
        else if constexpr (OP == AXCU_COSH) r = cd_cosh(z);
        else if constexpr (OP == AXCU_TANH) r = cd_tanh(z);
        else if constexpr (OP == AXCU_ARCSINH) r = cd_asinh(z);
        else if constexpr (OP == AXCU_ARCCOSH) r = cd_acosh(z);
        else r = cd_atanh(z);
        return c64_of(r);
    }
};
template <int OP> struct ew_ucr {
    __device__ __forceinline__ float operator()(ew_c64 z) const {
        if constexpr (OP == AXCU_ABS) return (float)hypot((double)z.re, (double)z.im);
        else if constexpr (OP == AXCU_REAL) return z.re;
        else return z.im;
    }
};
template <int OP> struct ew_ucp {
    __device__ __forceinline__ uint8_t operator()(ew_c64 z) const {
        if constexpr (OP == AXCU_ISNAN) return isnan(z.re) || isnan(z.im);
        else if constexpr (OP == AXCU_ISINF) return isinf(z.re) || isinf(z.im);
        else if constexpr (OP == AXCU_ISFINITE) return isfinite(z.re) && isfinite(z.im);
        else return z.re == 0 && z.im == 0;
    }
};

template <typename S>
static cudaError_t unary_float(int op, int it, int ot, const ax_cu_ew *l, cudaStream_t s) {
    bool bf = it == AX_CU_BFLOAT16;
    if (ot == AX_CU_BOOL) {
        switch (op) {
#define EW_CASE(ID)                                                                     \
    case AXCU_##ID:                                                                     \
        return ew_launch<ew_upred<AXCU_##ID, S>, uint8_t, S, S, 1>(l, s, ew_upred<AXCU_##ID, S>{bf});
            EW_UPRED_OPS(EW_CASE)
#undef EW_CASE
        }
        return cudaErrorNotSupported;
    }
    if (ot != it) return cudaErrorNotSupported;
    switch (op) {
#define EW_CASE(ID) \
    case AXCU_##ID: return ew_launch<ew_uf<AXCU_##ID, S>, S, S, S, 1>(l, s, ew_uf<AXCU_##ID, S>{bf});
        EW_UFLOAT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

// Typed kernels for int32, int64 and uint8; the other widths run ew_k_dyn.
template <typename T> static cudaError_t unary_int_typed(int op, const ax_cu_ew *l, cudaStream_t s) {
    constexpr bool SGN = (T)-1 < (T)0;
    switch (op) {
#define EW_CASE(ID)                                                                     \
    case AXCU_##ID: {                                                                   \
        typedef ew_uint<AXCU_##ID, SGN> F;                                              \
        typedef typename std::conditional<AXCU_##ID == AXCU_LOGICAL_NOT, uint8_t, T>::type TO; \
        return ew_launch<ew_typed_int<F, T, TO>, TO, T, T, 1>(l, s);                    \
    }
        EW_UINT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

template <bool SGN> static cudaError_t unary_int_dyn(int op, int isz, int osz, const ax_cu_ew *l, cudaStream_t s) {
    switch (op) {
#define EW_CASE(ID) \
    case AXCU_##ID: return ew_launch_dyn<ew_uint<AXCU_##ID, SGN>, SGN, 1>(l, isz, osz, s);
        EW_UINT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

static int ew_int_size(int t) {
    switch (t) {
    case AX_CU_INT8: case AX_CU_UINT8: return 1;
    case AX_CU_INT16: case AX_CU_UINT16: return 2;
    case AX_CU_INT32: case AX_CU_UINT32: return 4;
    default: return 8;
    }
}

static cudaError_t unary_complex(int op, int ot, const ax_cu_ew *l, cudaStream_t s) {
    switch (op) {
    case AXCU_NEGATIVE:
        if (ot == AX_CU_COMPLEX64) return ew_launch<ew_uc<AXCU_NEGATIVE>, ew_c64, ew_c64, ew_c64, 1>(l, s);
        break;
    case AXCU_CONJUGATE:
        if (ot == AX_CU_COMPLEX64) return ew_launch<ew_uc<AXCU_CONJUGATE>, ew_c64, ew_c64, ew_c64, 1>(l, s);
        break;
#define EW_CASE(ID)                                                                         \
    case AXCU_##ID:                                                                         \
        if (ot == AX_CU_COMPLEX64) return ew_launch<ew_ucm<AXCU_##ID>, ew_c64, ew_c64, ew_c64, 1>(l, s); \
        break;
        EW_UCMATH_OPS(EW_CASE)
#undef EW_CASE
#define EW_CASE(ID, F, OT, TO)                                                              \
    case AXCU_##ID:                                                                          \
        if (ot == OT) return ew_launch<F<AXCU_##ID>, TO, ew_c64, ew_c64, 1>(l, s);          \
        break;
        EW_CASE(ABS, ew_ucr, AX_CU_FLOAT32, float)
        EW_CASE(REAL, ew_ucr, AX_CU_FLOAT32, float)
        EW_CASE(IMAG, ew_ucr, AX_CU_FLOAT32, float)
        EW_CASE(ISNAN, ew_ucp, AX_CU_BOOL, uint8_t)
        EW_CASE(ISINF, ew_ucp, AX_CU_BOOL, uint8_t)
        EW_CASE(ISFINITE, ew_ucp, AX_CU_BOOL, uint8_t)
        EW_CASE(LOGICAL_NOT, ew_ucp, AX_CU_BOOL, uint8_t)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

extern "C" cudaError_t ax_cu_unary(int op, const ax_cu_ew *l, cudaStream_t s) {
    int it = l->dtype[1], ot = l->dtype[0];
    switch (it) {
    case AX_CU_FLOAT32: return unary_float<float>(op, it, ot, l, s);
    case AX_CU_FLOAT64: return unary_float<double>(op, it, ot, l, s);
    case AX_CU_FLOAT16: case AX_CU_BFLOAT16: return unary_float<ew_half>(op, it, ot, l, s);
    case AX_CU_BOOL:
        if ((op == AXCU_LOGICAL_NOT || op == AXCU_BITWISE_INVERT) && ot == AX_CU_BOOL)
            return ew_launch<ew_unot, uint8_t, uint8_t, uint8_t, 1>(l, s);
        return cudaErrorNotSupported;
    case AX_CU_COMPLEX64: return unary_complex(op, ot, l, s);
    }
    // integers: the output is the input's dtype, or bool for logical_not
    if (op == AXCU_LOGICAL_NOT ? ot != AX_CU_BOOL : ot != it) return cudaErrorNotSupported;
    switch (it) {
    case AX_CU_INT32: return unary_int_typed<int32_t>(op, l, s);
    case AX_CU_INT64: return unary_int_typed<int64_t>(op, l, s);
    case AX_CU_UINT8: return unary_int_typed<uint8_t>(op, l, s);
    case AX_CU_INT8: case AX_CU_INT16:
        return unary_int_dyn<true>(op, ew_int_size(it), op == AXCU_LOGICAL_NOT ? 1 : ew_int_size(it), l, s);
    case AX_CU_UINT16: case AX_CU_UINT32: case AX_CU_UINT64:
        return unary_int_dyn<false>(op, ew_int_size(it), op == AXCU_LOGICAL_NOT ? 1 : ew_int_size(it), l, s);
    }
    return cudaErrorNotSupported;
}
