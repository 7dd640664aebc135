// Binary elementwise ops (ADD..RIGHT_SHIFT), mirroring the fast paths of
// src/backend/cpu/binary.c: both inputs of one dtype (the constructor cast
// them); float16/bfloat16 computed in float32 and rounded once (nextafter
// steps in the 16-bit format itself), float64 in double, integers on 64
// bits with the CPU's conventions (x // 0 = x % 0 = 0, floor signs, power
// with negative exponents, out-of-range shifts), bool add/multiply as
// or/and, complex64 add/subtract/multiply (products in float64), divide and
// power (in double, ew_complex.cuh) and the equality and logical ops. Float math: IEEE CUDA functions (powf, atan2f,
// hypotf: within an ulp or two of the CPU's libm).
#include "backend/cuda/kernels/ew_complex.cuh"
#include "backend/cuda/kernels/ew_kernel.cuh"

#define EW_LN2 0.693147180559945309417232121458176568

// ---------------------------------------------------------------- floats

#define EW_M2(NAME, F32, F64)                                                              \
    __device__ __forceinline__ float ew_##NAME(float x, float y) { return F32(x, y); }     \
    __device__ __forceinline__ double ew_##NAME(double x, double y) { return F64(x, y); }
EW_M2(fmod, fmodf, fmod)
EW_M2(pow, powf, pow)
EW_M2(atan2, atan2f, atan2)
EW_M2(hypot, hypotf, hypot)
EW_M2(copysign, copysignf, copysign)
EW_M2(nextafter, nextafterf, nextafter)
#undef EW_M2
__device__ __forceinline__ float ew_floor2(float x) { return floorf(x); }
__device__ __forceinline__ double ew_floor2(double x) { return floor(x); }

// NumPy's divmod (EW_DEF_DIVMOD of the CPU): floor quotient, remainder with
// the divisor's sign; division by zero gives a / 0 and fmod's NaN.
template <typename T> __device__ __forceinline__ T ew_divmod(T a, T b, T *modulus) {
    T mod = ew_fmod(a, b);
    if (b == 0) {
        *modulus = mod;
        return a / b;
    }
    T div = (a - mod) / b;
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) {
            mod += b;
            div -= 1;
        }
    } else {
        mod = ew_copysign((T)0, b);
    }
    T fl;
    if (div != 0) {
        fl = ew_floor2(div);
        if (div - fl > (T)0.5) fl += 1;
    } else {
        fl = ew_copysign((T)0, a / b);
    }
    *modulus = mod;
    return fl;
}

// logaddexp in float64 (the CPU computes float32's in float64 too).
__device__ __forceinline__ double ew_logaddexp(double x, double y) {
    if (x == y) return x + EW_LN2; // also -inf with -inf
    double d = x - y;
    if (d > 0) return x + log1p(exp(-d));
    if (d <= 0) return y + log1p(exp(d));
    return d; // NaN
}

template <int OP, typename C> __device__ __forceinline__ C ew_bfloat(C x, C y) {
    if constexpr (OP == AXCU_ADD) return x + y;
    else if constexpr (OP == AXCU_SUBTRACT) return x - y;
    else if constexpr (OP == AXCU_MULTIPLY) return x * y;
    else if constexpr (OP == AXCU_DIVIDE) return x / y;
    else if constexpr (OP == AXCU_FLOOR_DIVIDE) {
        C m;
        return ew_divmod(x, y, &m);
    } else if constexpr (OP == AXCU_REMAINDER) {
        C m;
        ew_divmod(x, y, &m);
        return m;
    } else if constexpr (OP == AXCU_POWER) return ew_pow(x, y);
    else if constexpr (OP == AXCU_MAXIMUM) return (x >= y || x != x) ? x : y;
    else if constexpr (OP == AXCU_MINIMUM) return (x <= y || x != x) ? x : y;
    else if constexpr (OP == AXCU_LOGADDEXP) return (C)ew_logaddexp((double)x, (double)y);
    else if constexpr (OP == AXCU_ARCTAN2) return ew_atan2(x, y);
    else if constexpr (OP == AXCU_HYPOT) return ew_hypot(x, y);
    else if constexpr (OP == AXCU_COPYSIGN) return ew_copysign(x, y);
    else return ew_nextafter(x, y);
}

// Out of line for the ops with long math (one body per op and compute type).
constexpr bool ew_bheavy(int op) {
    return op == AXCU_FLOOR_DIVIDE || op == AXCU_REMAINDER || op == AXCU_POWER ||
           op == AXCU_LOGADDEXP || op == AXCU_ARCTAN2 || op == AXCU_HYPOT;
}
template <int OP, typename C> __device__ __noinline__ C ew_bfloat_call(C x, C y) {
    return ew_bfloat<OP, C>(x, y);
}

// nextafter of halves on their bits (nextafter_half of the CPU).
__device__ __forceinline__ ew_half ew_nextafter_half(ew_half xs, ew_half ys, bool bf) {
    float x = ew_ld(xs, bf), y = ew_ld(ys, bf);
    if (x != x || y != y) return ew_half{(uint16_t)(bf ? 0x7fc0u : 0x7e00u)};
    if (x == y) return ys;
    if (x == 0) return ew_half{(uint16_t)(y > 0 ? 1u : 0x8001u)};
    bool away = (x < y) == (x > 0);
    return ew_half{(uint16_t)(away ? xs.b + 1 : xs.b - 1)};
}

#define EW_BFLOAT_OPS(X)                                                                    \
    X(ADD) X(SUBTRACT) X(MULTIPLY) X(DIVIDE) X(FLOOR_DIVIDE) X(REMAINDER) X(POWER)          \
    X(MAXIMUM) X(MINIMUM) X(LOGADDEXP) X(ARCTAN2) X(HYPOT) X(COPYSIGN) X(NEXTAFTER)

template <int OP, typename S> struct ew_bf {
    bool bf;
    __device__ __forceinline__ S operator()(S xs, S ys) const {
        typedef typename ew_ct<S>::type C;
        if constexpr (OP == AXCU_NEXTAFTER && std::is_same<S, ew_half>::value)
            return ew_nextafter_half(xs, ys, bf);
        else if constexpr (ew_bheavy(OP))
            return ew_st<S>(ew_bfloat_call<OP, C>(ew_ld(xs, bf), ew_ld(ys, bf)), bf);
        else return ew_st<S>(ew_bfloat<OP, C>(ew_ld(xs, bf), ew_ld(ys, bf)), bf);
    }
};

// Comparisons and logical ops on a real compute type -> bool.
template <int OP, typename C> __device__ __forceinline__ uint8_t ew_cmp(C x, C y) {
    if constexpr (OP == AXCU_EQUAL) return x == y;
    else if constexpr (OP == AXCU_NOT_EQUAL) return x != y;
    else if constexpr (OP == AXCU_LESS) return x < y;
    else if constexpr (OP == AXCU_LESS_EQUAL) return x <= y;
    else if constexpr (OP == AXCU_GREATER) return x > y;
    else if constexpr (OP == AXCU_GREATER_EQUAL) return x >= y;
    else if constexpr (OP == AXCU_LOGICAL_AND) return (x != 0) & (y != 0);
    else if constexpr (OP == AXCU_LOGICAL_OR) return (x != 0) | (y != 0);
    else return (x != 0) ^ (y != 0);
}
#define EW_CMP_OPS(X)                                                                       \
    X(EQUAL) X(NOT_EQUAL) X(LESS) X(LESS_EQUAL) X(GREATER) X(GREATER_EQUAL) X(LOGICAL_AND)  \
    X(LOGICAL_OR) X(LOGICAL_XOR)

template <int OP, typename S> struct ew_bcmp {
    bool bf;
    __device__ __forceinline__ uint8_t operator()(S x, S y) const {
        return ew_cmp<OP>(ew_ld(x, bf), ew_ld(y, bf));
    }
};

// ---------------------------------------------------------------- integers

// Semantics of src/backend/cpu/ew_common.h on 64-bit values; `bits` is the
// storage width (shifts).
template <int OP, bool SGN> struct ew_bint {
    typedef typename ew_wide<SGN>::type W;
    int bits;
    __device__ __forceinline__ auto operator()(W x, W y) const {
        if constexpr (OP >= AXCU_EQUAL && OP <= AXCU_LOGICAL_XOR) return ew_cmp<OP>(x, y);
        else if constexpr (OP == AXCU_ADD) return (W)((uint64_t)x + (uint64_t)y);
        else if constexpr (OP == AXCU_SUBTRACT) return (W)((uint64_t)x - (uint64_t)y);
        else if constexpr (OP == AXCU_MULTIPLY) return (W)((uint64_t)x * (uint64_t)y);
        else if constexpr (OP == AXCU_FLOOR_DIVIDE) {
            if (y == 0) return (W)0;
            if constexpr (SGN) {
                if (y == -1) return (W)(0 - (uint64_t)x); // INT64_MIN / -1 wraps
                W q = x / y;
                if (x % y != 0 && ((x < 0) != (y < 0))) q--;
                return q;
            } else {
                return x / y;
            }
        } else if constexpr (OP == AXCU_REMAINDER) {
            if constexpr (SGN) {
                if (y == 0 || y == -1) return (W)0;
                W r = x % y;
                if (r != 0 && ((r < 0) != (y < 0))) r += y;
                return r;
            } else {
                return y ? x % y : (W)0;
            }
        } else if constexpr (OP == AXCU_POWER) {
            if constexpr (SGN) {
                if (y < 0) return (W)(x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0);
            }
            uint64_t r = 1, b = (uint64_t)x, e = (uint64_t)y;
            while (e) {
                if (e & 1) r *= b;
                b *= b;
                e >>= 1;
            }
            return (W)r;
        } else if constexpr (OP == AXCU_MAXIMUM) return x > y ? x : y;
        else if constexpr (OP == AXCU_MINIMUM) return x < y ? x : y;
        else if constexpr (OP == AXCU_BITWISE_AND) return (W)(x & y);
        else if constexpr (OP == AXCU_BITWISE_OR) return (W)(x | y);
        else if constexpr (OP == AXCU_BITWISE_XOR) return (W)(x ^ y);
        else if constexpr (OP == AXCU_LEFT_SHIFT) {
            if constexpr (SGN) return (y < 0 || y >= bits) ? (W)0 : (W)((uint64_t)x << y);
            else return y >= (uint64_t)bits ? (W)0 : (W)(x << y);
        } else { // right_shift
            if constexpr (SGN) return (y < 0 || y >= bits) ? (W)(x < 0 ? -1 : 0) : (W)(x >> y);
            else return y >= (uint64_t)bits ? (W)0 : (W)(x >> y);
        }
    }
};
#define EW_BINT_OPS(X)                                                                      \
    EW_CMP_OPS(X) X(ADD) X(SUBTRACT) X(MULTIPLY) X(FLOOR_DIVIDE) X(REMAINDER) X(POWER)      \
    X(MAXIMUM) X(MINIMUM) X(BITWISE_AND) X(BITWISE_OR) X(BITWISE_XOR) X(LEFT_SHIFT)         \
    X(RIGHT_SHIFT)

// bool add / multiply: logical or / and (the other bool ops are uint8's).
template <int OP> struct ew_bbool {
    __device__ __forceinline__ uint8_t operator()(uint8_t x, uint8_t y) const {
        return OP == AXCU_ADD ? (uint8_t)(x | y) : (uint8_t)(x & y);
    }
};

// ---------------------------------------------------------------- complex64

template <int OP> struct ew_bc {
    __device__ __forceinline__ ew_c64 operator()(ew_c64 x, ew_c64 y) const {
        if constexpr (OP == AXCU_ADD) return ew_c64{x.re + y.re, x.im + y.im};
        else if constexpr (OP == AXCU_SUBTRACT) return ew_c64{x.re - y.re, x.im - y.im};
        else // products of floats are exact in float64: one rounding each part
            return ew_c64{(float)__dsub_rn(__dmul_rn(x.re, y.re), __dmul_rn(x.im, y.im)),
                          (float)__dadd_rn(__dmul_rn(x.re, y.im), __dmul_rn(x.im, y.re))};
    }
};
// divide and power in double, as the CPU's C complex x / y and
// (y == 0 ? 1 : cpow(x, y)) = exp(y log x) (ew_complex.cuh)
template <int OP> struct ew_bcm {
    __device__ __forceinline__ ew_c64 operator()(ew_c64 xf, ew_c64 yf) const {
        const ew_cd x = cd_of(xf), y = cd_of(yf);
        if constexpr (OP == AXCU_DIVIDE) return c64_of(cd_div(x, y));
        else return y.re == 0 && y.im == 0 ? ew_c64{1.0f, 0.0f} : c64_of(cd_exp(cd_mul(y, cd_log(x))));
    }
};
template <int OP> struct ew_bccmp {
    __device__ __forceinline__ uint8_t operator()(ew_c64 x, ew_c64 y) const {
        bool xt = x.re != 0 || x.im != 0, yt = y.re != 0 || y.im != 0;
        if constexpr (OP == AXCU_EQUAL) return x.re == y.re && x.im == y.im;
        else if constexpr (OP == AXCU_NOT_EQUAL) return x.re != y.re || x.im != y.im;
        else if constexpr (OP == AXCU_LOGICAL_AND) return xt && yt;
        else if constexpr (OP == AXCU_LOGICAL_OR) return xt || yt;
        else return xt != yt;
    }
};

// ---------------------------------------------------------------- dispatch

constexpr bool ew_is_cmp_c(int op) { return op >= AXCU_EQUAL && op <= AXCU_LOGICAL_XOR; }
static bool ew_is_cmp(int op) { return ew_is_cmp_c(op); }

template <typename S> static cudaError_t binary_float(int op, bool bf, const ax_cu_ew *l, cudaStream_t s) {
    switch (op) {
#define EW_CASE(ID) \
    case AXCU_##ID: return ew_launch<ew_bcmp<AXCU_##ID, S>, uint8_t, S, S, 2>(l, s, ew_bcmp<AXCU_##ID, S>{bf});
        EW_CMP_OPS(EW_CASE)
#undef EW_CASE
#define EW_CASE(ID) \
    case AXCU_##ID: return ew_launch<ew_bf<AXCU_##ID, S>, S, S, S, 2>(l, s, ew_bf<AXCU_##ID, S>{bf});
        EW_BFLOAT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

template <typename T> static cudaError_t binary_int_typed(int op, const ax_cu_ew *l, cudaStream_t s) {
    constexpr bool SGN = (T)-1 < (T)0;
    switch (op) {
#define EW_CASE(ID)                                                                         \
    case AXCU_##ID: {                                                                       \
        typedef ew_bint<AXCU_##ID, SGN> F;                                                  \
        typedef typename std::conditional<ew_is_cmp_c(AXCU_##ID), uint8_t, T>::type TO;    \
        return ew_launch<ew_typed_int<F, T, TO>, TO, T, T, 2>(                              \
            l, s, ew_typed_int<F, T, TO>{F{(int)sizeof(T) * 8}});                           \
    }
        EW_BINT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

template <bool SGN>
static cudaError_t binary_int_dyn(int op, int isz, const ax_cu_ew *l, cudaStream_t s) {
    int osz = ew_is_cmp(op) ? 1 : isz;
    switch (op) {
#define EW_CASE(ID)                                                                         \
    case AXCU_##ID:                                                                         \
        return ew_launch_dyn<ew_bint<AXCU_##ID, SGN>, SGN, 2>(l, isz, osz, s,               \
                                                             ew_bint<AXCU_##ID, SGN>{isz * 8});
        EW_BINT_OPS(EW_CASE)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

static cudaError_t binary_complex(int op, const ax_cu_ew *l, cudaStream_t s) {
    switch (op) {
#define EW_CASE(ID, F, TO) \
    case AXCU_##ID: return ew_launch<F<AXCU_##ID>, TO, ew_c64, ew_c64, 2>(l, s);
        EW_CASE(ADD, ew_bc, ew_c64)
        EW_CASE(SUBTRACT, ew_bc, ew_c64)
        EW_CASE(MULTIPLY, ew_bc, ew_c64)
        EW_CASE(DIVIDE, ew_bcm, ew_c64)
        EW_CASE(POWER, ew_bcm, ew_c64)
        EW_CASE(EQUAL, ew_bccmp, uint8_t)
        EW_CASE(NOT_EQUAL, ew_bccmp, uint8_t)
        EW_CASE(LOGICAL_AND, ew_bccmp, uint8_t)
        EW_CASE(LOGICAL_OR, ew_bccmp, uint8_t)
        EW_CASE(LOGICAL_XOR, ew_bccmp, uint8_t)
#undef EW_CASE
    }
    return cudaErrorNotSupported;
}

extern "C" cudaError_t ax_cu_binary(int op, const ax_cu_ew *l, cudaStream_t s) {
    int t = l->dtype[1], ot = l->dtype[0];
    if (l->dtype[2] != t || op < AXCU_ADD || op > AXCU_RIGHT_SHIFT) return cudaErrorNotSupported;
    if (ew_is_cmp(op) ? ot != AX_CU_BOOL : ot != t) return cudaErrorNotSupported;
    switch (t) {
    case AX_CU_FLOAT32: return binary_float<float>(op, false, l, s);
    case AX_CU_FLOAT64: return binary_float<double>(op, false, l, s);
    case AX_CU_FLOAT16: return binary_float<ew_half>(op, false, l, s);
    case AX_CU_BFLOAT16: return binary_float<ew_half>(op, true, l, s);
    case AX_CU_COMPLEX64: return binary_complex(op, l, s);
    case AX_CU_BOOL:
        if (op == AXCU_ADD) return ew_launch<ew_bbool<AXCU_ADD>, uint8_t, uint8_t, uint8_t, 2>(l, s);
        if (op == AXCU_MULTIPLY) return ew_launch<ew_bbool<AXCU_MULTIPLY>, uint8_t, uint8_t, uint8_t, 2>(l, s);
        // comparisons, maximum/minimum (or/and on 0/1) and the bitwise ops
        // are uint8's; the rest is rejected for bool by the constructor
        if (ew_is_cmp(op) || op == AXCU_MAXIMUM || op == AXCU_MINIMUM ||
            (op >= AXCU_BITWISE_AND && op <= AXCU_BITWISE_XOR))
            return binary_int_typed<uint8_t>(op, l, s);
        return cudaErrorNotSupported;
    case AX_CU_INT32: return binary_int_typed<int32_t>(op, l, s);
    case AX_CU_INT64: return binary_int_typed<int64_t>(op, l, s);
    case AX_CU_UINT8: return binary_int_typed<uint8_t>(op, l, s);
    case AX_CU_INT8: return binary_int_dyn<true>(op, 1, l, s);
    case AX_CU_INT16: return binary_int_dyn<true>(op, 2, l, s);
    case AX_CU_UINT16: return binary_int_dyn<false>(op, 2, l, s);
    case AX_CU_UINT32: return binary_int_dyn<false>(op, 4, l, s);
    case AX_CU_UINT64: return binary_int_dyn<false>(op, 8, l, s);
    }
    return cudaErrorNotSupported;
}
