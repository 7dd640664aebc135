/* Elementwise op constructors: casts, unary, binary, ternary, isclose.
 *
 * Semantics (NumPy / MLX):
 *  - Binary ops broadcast as NumPy and promote with ax__result_type (weak
 *    scalars take the other operand's dtype). Inputs are cast to the compute
 *    dtype first (an evaluated 0-d input is converted on the spot, no node),
 *    then one node computes the result; its kernel broadcasts by strides.
 *  - Transcendental unary ops, divide, reciprocal, rsqrt and the float-only
 *    binary ops (logaddexp, arctan2, hypot, copysign, nextafter) turn bool
 *    and integer inputs into float32 (as MLX/JAX); float16/bfloat16 stay.
 *  - abs/negative/sign/square and floor/ceil/round/trunc keep the dtype
 *    (the rounding ops are the identity on integers); negative of bool and
 *    subtract of bools are errors, as in NumPy; bool add is logical or,
 *    bool multiply logical and.
 *  - Integer floor_divide/remainder by zero give 0; floats follow NumPy
 *    (inf/nan). Integer power with a negative exponent is defined as the
 *    truncated value of 1 / x^|n|: 1 for x = 1, +-1 for x = -1 (by the
 *    parity of n), 0 otherwise (also for x = 0). No error is raised.
 *  - Shifts: a negative amount or one >= the bit width gives 0, or -1 for a
 *    right shift of a negative signed value. Bitwise ops take bool/integers,
 *    shifts integers only.
 *  - complex64 is supported by: add, subtract, multiply, divide, power,
 *    equal, not_equal, the logical ops (nonzero = either part), abs (->
 *    float32), negative, sign (z/|z|), square, sqrt, rsqrt, reciprocal, exp,
 *    exp2, expm1, log, log2, log10, log1p, the trig and hyperbolic functions
 *    and their inverses, conjugate, real/imag (-> float32), isnan, isinf,
 *    isfinite, logical_not, where, astype, copy. Everything else (ordering
 *    comparisons, maximum/minimum, clip, floor_divide, remainder, rounding,
 *    erf, erfinv, sigmoid, degrees, radians, isposinf, isneginf, the
 *    float-only binary ops, bitwise ops) gives AX_ERR_DTYPE.
 *  - real of a real array is the array itself; imag of it is zeros. */
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"

/* ---------------------------------------------------------------- helpers */

/* An evaluated 0-d array converted to dtype without building a node. */
static ax_array *leaf_convert(ax_ctx *ctx, ax_array *a, ax_dtype dtype) {
    ax_array *r = ax__array_new(ctx, dtype, NULL, 0);
    if (!r) return NULL;
    if (ax__array_alloc(ctx, r) != AX_OK) {
        ax_release(r);
        return NULL;
    }
    const char *src = ax__host_ptr(ctx, a, "astype");
    if (!src) {
        ax_release(r);
        return NULL;
    }
    ax__convert(r->buf->data, dtype, src, a->dtype, 1);
    return ax__own(ctx, r);
}

static bool is_evaluated_scalar(const ax_array *a) {
    return a->ndim == 0 && a->buf && !a->node;
}

/* `a` in dtype (a itself when it already has it). */
static ax_array *to_dtype(ax_ctx *ctx, ax_array *a, ax_dtype dtype) {
    if (a->dtype == dtype) return a;
    if (is_evaluated_scalar(a)) return leaf_convert(ctx, a, dtype);
    return ax_astype(ctx, a, dtype);
}

/* ---------------------------------------------------------------- cast */

ax_array *ax_astype(ax_ctx *ctx, ax_array *a, ax_dtype dtype) {
    AX_CHECK_IN(ctx, a);
    if (!ax_dtype_is_valid(dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "astype: invalid dtype %d for array %s %s", (int)dtype,
                         AX_SHAPE(a), ax_dtype_name(a->dtype));
    if (dtype == a->dtype && !a->weak) return ax__own(ctx, ax_retain(a));
    if (is_evaluated_scalar(a)) return leaf_convert(ctx, a, dtype);
    return ax__make_op(ctx, AX_OP_ASTYPE, &a, 1, NULL, 0, dtype, a->shape, a->ndim);
}

ax_array *ax_copy(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    ax_array *r = ax__make_op(ctx, AX_OP_COPY, &a, 1, NULL, 0, a->dtype, a->shape, a->ndim);
    if (r) r->weak = a->weak;
    return r;
}

/* ---------------------------------------------------------------- unary */

enum {
    U_KEEP,    /* same dtype out (abs of complex: float32) */
    U_FLOAT,   /* bool/int -> float32 first */
    U_ROUND,   /* identity on bool/int */
    U_PRED,    /* -> bool */
    U_LNOT,    /* any -> bool */
    U_INVERT,  /* bool/int only */
    U_CONJ,    /* any; identity unless complex */
    U_REAL,    /* complex -> float32 */
};

typedef struct unary_info {
    unsigned char cls;
    bool complex_ok;
    bool bool_ok; /* for U_KEEP */
} unary_info;

static unary_info unary_rule(ax_op op) {
    switch (op) {
    case AX_OP_ABS: case AX_OP_SIGN: case AX_OP_SQUARE: return (unary_info){U_KEEP, true, true};
    case AX_OP_NEGATIVE: return (unary_info){U_KEEP, true, false};
    case AX_OP_FLOOR: case AX_OP_CEIL: case AX_OP_ROUND: case AX_OP_TRUNC:
        return (unary_info){U_ROUND, false, true};
    case AX_OP_ERF: case AX_OP_ERFINV: case AX_OP_SIGMOID: case AX_OP_DEGREES:
    case AX_OP_RADIANS:
        return (unary_info){U_FLOAT, false, true};
    case AX_OP_ISNAN: case AX_OP_ISINF: case AX_OP_ISFINITE: return (unary_info){U_PRED, true, true};
    case AX_OP_ISPOSINF: case AX_OP_ISNEGINF: return (unary_info){U_PRED, false, true};
    case AX_OP_LOGICAL_NOT: return (unary_info){U_LNOT, true, true};
    case AX_OP_BITWISE_INVERT: return (unary_info){U_INVERT, false, true};
    case AX_OP_CONJUGATE: return (unary_info){U_CONJ, true, true};
    case AX_OP_REAL: case AX_OP_IMAG: return (unary_info){U_REAL, true, true};
    default: return (unary_info){U_FLOAT, true, true}; /* sqrt .. arctanh */
    }
}

static ax_array *unary(ax_ctx *ctx, ax_op op, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    const char *name = ax__op_info[op].name;
    unary_info u = unary_rule(op);
    ax_dtype t = a->dtype, out;
    bool cplx = ax_dtype_is_complex(t), is_bool = t == AX_BOOL, weak = a->weak;
    if ((cplx && !u.complex_ok) || (is_bool && !u.bool_ok) ||
        (u.cls == U_INVERT && !(is_bool || ax_dtype_is_integer(t))))
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for dtype %s (array %s)", name,
                         ax_dtype_name(t), AX_SHAPE(a));
    switch (u.cls) {
    case U_KEEP: out = (op == AX_OP_ABS && cplx) ? AX_FLOAT32 : t; break;
    case U_FLOAT:
        if (!ax_dtype_is_inexact(t)) {
            a = to_dtype(ctx, a, AX_FLOAT32);
            if (!a) return NULL;
        }
        out = a->dtype;
        break;
    case U_PRED: case U_LNOT: out = AX_BOOL; break;
    case U_REAL:
        if (!cplx && op == AX_OP_REAL) return ax__own(ctx, ax_retain(a));
        out = cplx ? AX_FLOAT32 : t;
        break;
    default: out = t; break;
    }
    ax_array *r = ax__make_op(ctx, op, &a, 1, NULL, 0, out, a->shape, a->ndim);
    if (r && out != AX_BOOL) r->weak = weak; /* exp of a Python-like scalar stays weak */
    return r;
}

#define UNARY_FN(fn, id) \
    ax_array *ax_##fn(ax_ctx *ctx, ax_array *a) { return unary(ctx, AX_OP_##id, a); }
UNARY_FN(abs, ABS)
UNARY_FN(negative, NEGATIVE)
UNARY_FN(sign, SIGN)
UNARY_FN(square, SQUARE)
UNARY_FN(sqrt, SQRT)
UNARY_FN(rsqrt, RSQRT)
UNARY_FN(reciprocal, RECIPROCAL)
UNARY_FN(exp, EXP)
UNARY_FN(exp2, EXP2)
UNARY_FN(expm1, EXPM1)
UNARY_FN(log, LOG)
UNARY_FN(log2, LOG2)
UNARY_FN(log10, LOG10)
UNARY_FN(log1p, LOG1P)
UNARY_FN(sin, SIN)
UNARY_FN(cos, COS)
UNARY_FN(tan, TAN)
UNARY_FN(arcsin, ARCSIN)
UNARY_FN(arccos, ARCCOS)
UNARY_FN(arctan, ARCTAN)
UNARY_FN(sinh, SINH)
UNARY_FN(cosh, COSH)
UNARY_FN(tanh, TANH)
UNARY_FN(arcsinh, ARCSINH)
UNARY_FN(arccosh, ARCCOSH)
UNARY_FN(arctanh, ARCTANH)
UNARY_FN(floor, FLOOR)
UNARY_FN(ceil, CEIL)
UNARY_FN(round, ROUND)
UNARY_FN(trunc, TRUNC)
UNARY_FN(erf, ERF)
UNARY_FN(erfinv, ERFINV)
UNARY_FN(sigmoid, SIGMOID)
UNARY_FN(degrees, DEGREES)
UNARY_FN(radians, RADIANS)
UNARY_FN(logical_not, LOGICAL_NOT)
UNARY_FN(bitwise_invert, BITWISE_INVERT)
UNARY_FN(isnan, ISNAN)
UNARY_FN(isinf, ISINF)
UNARY_FN(isfinite, ISFINITE)
UNARY_FN(isposinf, ISPOSINF)
UNARY_FN(isneginf, ISNEGINF)
UNARY_FN(conjugate, CONJUGATE)
UNARY_FN(real, REAL)
UNARY_FN(imag, IMAG)
#undef UNARY_FN

/* ---------------------------------------------------------------- binary */

enum {
    B_ARITH, /* add, subtract, multiply, maximum, minimum */
    B_DIV,   /* ints -> float32 */
    B_FDIV,  /* floor_divide, remainder: no bool, no complex */
    B_POW,   /* no bool */
    B_CMP,   /* -> bool; complex: equal / not_equal only */
    B_LOGIC, /* any -> bool */
    B_FLOAT, /* float-only functions: ints -> float32, no complex */
    B_BITS,  /* bool / ints */
    B_SHIFT, /* ints */
};

static int binary_class(ax_op op) {
    switch (op) {
    case AX_OP_DIVIDE: return B_DIV;
    case AX_OP_FLOOR_DIVIDE: case AX_OP_REMAINDER: return B_FDIV;
    case AX_OP_POWER: return B_POW;
    case AX_OP_EQUAL: case AX_OP_NOT_EQUAL: case AX_OP_LESS: case AX_OP_LESS_EQUAL:
    case AX_OP_GREATER: case AX_OP_GREATER_EQUAL: return B_CMP;
    case AX_OP_LOGICAL_AND: case AX_OP_LOGICAL_OR: case AX_OP_LOGICAL_XOR: return B_LOGIC;
    case AX_OP_LOGADDEXP: case AX_OP_ARCTAN2: case AX_OP_HYPOT: case AX_OP_COPYSIGN:
    case AX_OP_NEXTAFTER: return B_FLOAT;
    case AX_OP_BITWISE_AND: case AX_OP_BITWISE_OR: case AX_OP_BITWISE_XOR: return B_BITS;
    case AX_OP_LEFT_SHIFT: case AX_OP_RIGHT_SHIFT: return B_SHIFT;
    default: return B_ARITH;
    }
}

/* Compute dtype and output dtype of a binary op over dtype t; false if the
 * op rejects t. */
static bool binary_dtypes(ax_op op, ax_dtype t, ax_dtype *compute, ax_dtype *out) {
    bool cplx = ax_dtype_is_complex(t), is_bool = t == AX_BOOL, exact = !ax_dtype_is_inexact(t);
    *compute = *out = t;
    switch (binary_class(op)) {
    case B_ARITH:
        if (is_bool && op == AX_OP_SUBTRACT) return false;
        return !(cplx && (op == AX_OP_MAXIMUM || op == AX_OP_MINIMUM));
    case B_DIV:
        if (exact) *compute = *out = AX_FLOAT32;
        return true;
    case B_FDIV: return !is_bool && !cplx;
    case B_POW: return !is_bool;
    case B_CMP:
        *out = AX_BOOL;
        return !cplx || op == AX_OP_EQUAL || op == AX_OP_NOT_EQUAL;
    case B_LOGIC: *out = AX_BOOL; return true;
    case B_FLOAT:
        if (exact) *compute = *out = AX_FLOAT32;
        return !cplx;
    case B_BITS: return is_bool || ax_dtype_is_integer(t);
    default: return ax_dtype_is_integer(t);
    }
}

#define AX_EW_MAX_DIMS 64

static ax_array *binary(ax_ctx *ctx, ax_op op, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    const char *name = ax__op_info[op].name;
    ax_array *ins[2] = {a, b};
    bool weak;
    ax_dtype t = ax__result_type(ins, 2, &weak), compute, out;
    if (!binary_dtypes(op, t, &compute, &out))
        return ax__error(ctx, AX_ERR_DTYPE, "%s: not supported for dtype %s (operands %s %s and %s %s)",
                         name, ax_dtype_name(t), AX_SHAPE(a), ax_dtype_name(a->dtype), AX_SHAPE(b),
                         ax_dtype_name(b->dtype));
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    if (nd > AX_EW_MAX_DIMS)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: %d dimensions, at most %d supported", name, nd,
                         AX_EW_MAX_DIMS);
    int64_t shape[AX_EW_MAX_DIMS];
    if (!ax__broadcast_shapes(ctx, name, a->shape, a->ndim, b->shape, b->ndim, shape, &nd))
        return NULL;
    ins[0] = to_dtype(ctx, a, compute);
    ins[1] = to_dtype(ctx, b, compute);
    if (!ins[0] || !ins[1]) return NULL;
    ax_array *r = ax__make_op(ctx, op, ins, 2, NULL, 0, out, shape, nd);
    if (r && out != AX_BOOL) r->weak = weak;
    return r;
}

#define BINARY_FN(fn, id)                                                 \
    ax_array *ax_##fn(ax_ctx *ctx, ax_array *a, ax_array *b) {            \
        return binary(ctx, AX_OP_##id, a, b);                             \
    }
BINARY_FN(add, ADD)
BINARY_FN(subtract, SUBTRACT)
BINARY_FN(multiply, MULTIPLY)
BINARY_FN(divide, DIVIDE)
BINARY_FN(floor_divide, FLOOR_DIVIDE)
BINARY_FN(remainder, REMAINDER)
BINARY_FN(power, POWER)
BINARY_FN(maximum, MAXIMUM)
BINARY_FN(minimum, MINIMUM)
BINARY_FN(equal, EQUAL)
BINARY_FN(not_equal, NOT_EQUAL)
BINARY_FN(less, LESS)
BINARY_FN(less_equal, LESS_EQUAL)
BINARY_FN(greater, GREATER)
BINARY_FN(greater_equal, GREATER_EQUAL)
BINARY_FN(logical_and, LOGICAL_AND)
BINARY_FN(logical_or, LOGICAL_OR)
BINARY_FN(logical_xor, LOGICAL_XOR)
BINARY_FN(logaddexp, LOGADDEXP)
BINARY_FN(arctan2, ARCTAN2)
BINARY_FN(hypot, HYPOT)
BINARY_FN(copysign, COPYSIGN)
BINARY_FN(nextafter, NEXTAFTER)
BINARY_FN(bitwise_and, BITWISE_AND)
BINARY_FN(bitwise_or, BITWISE_OR)
BINARY_FN(bitwise_xor, BITWISE_XOR)
BINARY_FN(left_shift, LEFT_SHIFT)
BINARY_FN(right_shift, RIGHT_SHIFT)
#undef BINARY_FN

/* ---------------------------------------------------------------- isclose */

ax_array *ax_isclose(ax_ctx *ctx, ax_array *a, ax_array *b, double rtol, double atol,
                     bool equal_nan) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (!(rtol >= 0) || !(atol >= 0))
        return ax__error(ctx, AX_ERR_VALUE, "isclose: rtol %g and atol %g must be >= 0", rtol,
                         atol);
    ax_array *ins[2] = {a, b};
    ax_dtype t = ax__result_type(ins, 2, NULL);
    /* exact dtypes compare in float64, as NumPy (no overflow in a - b) */
    if (!ax_dtype_is_inexact(t)) t = AX_FLOAT64;
    ax_array *x = to_dtype(ctx, a, t), *y = to_dtype(ctx, b, t);
    if (!x || !y) return NULL;
    ax_array *tol = ax_add(ctx, ax_weak_float(ctx, atol),
                           ax_multiply(ctx, ax_weak_float(ctx, rtol), ax_abs(ctx, y)));
    ax_array *close = ax_less_equal(ctx, ax_abs(ctx, ax_subtract(ctx, x, y)), tol);
    /* the tolerance test holds for finite pairs only; others must be equal */
    close = ax_logical_and(ctx, close,
                           ax_logical_and(ctx, ax_isfinite(ctx, x), ax_isfinite(ctx, y)));
    close = ax_logical_or(ctx, close, ax_equal(ctx, x, y));
    if (equal_nan)
        close = ax_logical_or(ctx, close,
                              ax_logical_and(ctx, ax_isnan(ctx, x), ax_isnan(ctx, y)));
    return close;
}

ax_status ax_allclose(ax_ctx *ctx, ax_array *a, ax_array *b, double rtol, double atol,
                      bool equal_nan, bool *result) {
    if (!ctx) return AX_ERR_NULL;
    if (!result) return ax__fail(ctx, AX_ERR_NULL, "allclose: result pointer is NULL");
    *result = false;
    ax_scope_begin(ctx);
    ax_array *c = ax_isclose(ctx, a, b, rtol, atol, equal_nan);
    const uint8_t *d = c ? ax_data(ctx, c) : NULL;
    ax_status st = ctx->status;
    if (d || (c && c->size == 0 && st == AX_OK)) {
        bool all = true;
        for (int64_t i = 0; i < c->size && all; i++) all = d[i] != 0;
        *result = all;
    }
    ax_scope_end(ctx);
    if (!c && st == AX_OK) st = ctx->status != AX_OK ? ctx->status : AX_ERR_NULL;
    return st;
}

/* ---------------------------------------------------------------- ternary */

ax_array *ax_where(ax_ctx *ctx, ax_array *cond, ax_array *x, ax_array *y) {
    AX_CHECK_IN(ctx, cond);
    AX_CHECK_IN(ctx, x);
    AX_CHECK_IN(ctx, y);
    int nd = cond->ndim;
    if (x->ndim > nd) nd = x->ndim;
    if (y->ndim > nd) nd = y->ndim;
    if (nd > AX_EW_MAX_DIMS)
        return ax__error(ctx, AX_ERR_SHAPE, "where: %d dimensions, at most %d supported", nd,
                         AX_EW_MAX_DIMS);
    int64_t s1[AX_EW_MAX_DIMS], shape[AX_EW_MAX_DIMS];
    int n1;
    if (!ax__broadcast_shapes(ctx, "where", x->shape, x->ndim, y->shape, y->ndim, s1, &n1) ||
        !ax__broadcast_shapes(ctx, "where", cond->shape, cond->ndim, s1, n1, shape, &nd))
        return NULL;
    ax_array *xy[2] = {x, y};
    bool weak;
    ax_dtype t = ax__result_type(xy, 2, &weak);
    ax_array *ins[3] = {to_dtype(ctx, cond, AX_BOOL), to_dtype(ctx, x, t), to_dtype(ctx, y, t)};
    if (!ins[0] || !ins[1] || !ins[2]) return NULL;
    ax_array *r = ax__make_op(ctx, AX_OP_WHERE, ins, 3, NULL, 0, t, shape, nd);
    if (r) r->weak = weak;
    return r;
}

ax_array *ax_clip(ax_ctx *ctx, ax_array *a, ax_array *lo, ax_array *hi) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, lo);
    AX_CHECK_IN(ctx, hi);
    if (ax_dtype_is_complex(a->dtype) || ax_dtype_is_complex(lo->dtype) ||
        ax_dtype_is_complex(hi->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "clip: not supported for complex64 (array %s)",
                         AX_SHAPE(a));
    return ax_minimum(ctx, ax_maximum(ctx, a, lo), hi);
}

ax_array *ax_clip_scalar(ax_ctx *ctx, ax_array *a, double lo, double hi) {
    AX_CHECK_IN(ctx, a);
    ax_dtype t = a->dtype;
    if (ax_dtype_is_complex(t))
        return ax__error(ctx, AX_ERR_DTYPE, "clip: not supported for complex64 (array %s)",
                         AX_SHAPE(a));
    bool exact = !ax_dtype_is_inexact(t);
    ax_array *r = a;
    /* bounds in a's dtype; integer arrays round the bounds inward */
    if (!(lo == -INFINITY)) {
        double v = exact && !isnan(lo) ? ceil(lo) : lo;
        r = ax_maximum(ctx, r, ax_scalar(ctx, v, t));
    }
    if (!(hi == INFINITY)) {
        double v = exact && !isnan(hi) ? floor(hi) : hi;
        r = ax_minimum(ctx, r, ax_scalar(ctx, v, t));
    }
    return r == a ? ax_copy(ctx, a) : r;
}
