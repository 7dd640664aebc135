/* The op set of compile's FUSED primitive and the formula of each (op,
 * dtype), shared by the CPU backend (cpu/fused.c: interpreter and C code
 * generator) and the CUDA code generator (cuda/fused_codegen.c). Plain
 * preprocessor X-macro tables, no includes.
 *
 * The formulas are stringized (#) into generated source, so the tokens a
 * backend spells differently are table parameters pasted (##) onto fixed
 * text: a pasted argument is never macro-expanded, and `#` sees exactly the
 * backend's spelling (INFINITY, for one, is a macro on the CPU side).
 *
 *   FZ_UNARY_OPS(X, M, S): M prefixes the float32 functions a backend may
 *     replace (expf exp2f expm1f logf log2f log10f tanhf erff), S prefixes
 *     sigmoidf. CPU: M = S = ew_ (backend/cpu/ew_math.h, the eager kernels'
 *     versions); CUDA: M empty (the IEEE functions), S = fz_ (defined in the
 *     generated source).
 *   FZ_PRED_OPS(X, P, Q): infinity is P##INF##Q. CPU: P empty, Q = INITY
 *     (INFINITY); CUDA: P = FZ_, Q empty (FZ_INF, defined in the generated
 *     source).
 *
 * x, y are the operands in the op's dtype. */
#ifndef AX_FUSED_OPS_H
#define AX_FUSED_OPS_H

/* X(op, float32 expression, float64 expression): float -> same dtype */
#define FZ_UNARY_OPS(X, M, S)                                                           \
    X(ABS, fabsf(x), fabs(x))                                                           \
    X(NEGATIVE, -x, -x)                                                                 \
    X(SIGN, x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x,                           \
      x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x)                                    \
    X(SQUARE, x * x, x * x)                                                             \
    X(SQRT, sqrtf(x), sqrt(x))                                                          \
    X(RSQRT, 1.0f / sqrtf(x), 1.0 / sqrt(x))                                            \
    X(RECIPROCAL, 1.0f / x, 1.0 / x)                                                    \
    X(EXP, M##expf(x), exp(x))                                                          \
    X(EXP2, M##exp2f(x), exp2(x))                                                       \
    X(EXPM1, M##expm1f(x), expm1(x))                                                    \
    X(LOG, M##logf(x), log(x))                                                          \
    X(LOG2, M##log2f(x), log2(x))                                                       \
    X(LOG10, M##log10f(x), log10(x))                                                    \
    X(LOG1P, log1pf(x), log1p(x))                                                       \
    X(SIN, sinf(x), sin(x))                                                             \
    X(COS, cosf(x), cos(x))                                                             \
    X(TAN, tanf(x), tan(x))                                                             \
    X(ARCSIN, asinf(x), asin(x))                                                        \
    X(ARCCOS, acosf(x), acos(x))                                                        \
    X(ARCTAN, atanf(x), atan(x))                                                        \
    X(SINH, sinhf(x), sinh(x))                                                          \
    X(COSH, coshf(x), cosh(x))                                                          \
    X(TANH, M##tanhf(x), tanh(x))                                                       \
    X(ARCSINH, asinhf(x), asinh(x))                                                     \
    X(ARCCOSH, acoshf(x), acosh(x))                                                     \
    X(ARCTANH, atanhf(x), atanh(x))                                                     \
    X(FLOOR, floorf(x), floor(x))                                                       \
    X(CEIL, ceilf(x), ceil(x))                                                          \
    X(ROUND, nearbyintf(x), nearbyint(x))                                               \
    X(TRUNC, truncf(x), trunc(x))                                                       \
    X(ERF, M##erff(x), erf(x))                                                          \
    X(SIGMOID, S##sigmoidf(x),                                                          \
      x >= 0 ? 1 / (1 + exp(-fabs(x))) : exp(-fabs(x)) / (1 + exp(-fabs(x))))           \
    X(DEGREES, x * (float)(180 / 3.14159265358979323846),                               \
      x * (180 / 3.14159265358979323846))                                               \
    X(RADIANS, x * (float)(3.14159265358979323846 / 180),                               \
      x * (3.14159265358979323846 / 180))

/* X(op, expression): float or bool -> bool */
#define FZ_PRED_OPS(X, P, Q)                                                            \
    X(ISNAN, x != x)                                                                    \
    X(ISINF, x == P##INF##Q || x == -P##INF##Q)                                         \
    X(ISFINITE, x - x == x - x)                                                         \
    X(ISPOSINF, x == P##INF##Q)                                                         \
    X(ISNEGINF, x == -P##INF##Q)                                                        \
    X(LOGICAL_NOT, x == 0)

/* X(op, float32 expression, float64 expression): float x float -> same */
#define FZ_BINARY_OPS(X)                                                                \
    X(ADD, x + y, x + y)                                                                \
    X(SUBTRACT, x - y, x - y)                                                           \
    X(MULTIPLY, x * y, x * y)                                                           \
    X(DIVIDE, x / y, x / y)                                                             \
    X(POWER, powf(x, y), pow(x, y))                                                     \
    X(MAXIMUM, (x >= y || x != x) ? x : y, (x >= y || x != x) ? x : y)                  \
    X(MINIMUM, (x <= y || x != x) ? x : y, (x <= y || x != x) ? x : y)                  \
    X(ARCTAN2, atan2f(x, y), atan2(x, y))                                               \
    X(HYPOT, hypotf(x, y), hypot(x, y))                                                 \
    X(COPYSIGN, copysignf(x, y), copysign(x, y))

/* X(op, expression): (float or bool) x same -> bool */
#define FZ_CMP_OPS(X)                                                                   \
    X(EQUAL, x == y)                                                                    \
    X(NOT_EQUAL, x != y)                                                                \
    X(LESS, x < y)                                                                      \
    X(LESS_EQUAL, x <= y)                                                               \
    X(GREATER, x > y)                                                                   \
    X(GREATER_EQUAL, x >= y)                                                            \
    X(LOGICAL_AND, (x != 0) & (y != 0))                                                 \
    X(LOGICAL_OR, (x != 0) | (y != 0))                                                  \
    X(LOGICAL_XOR, (x != 0) ^ (y != 0))

/* X(op, expression): bool x bool -> bool (add is or, multiply is and) */
#define FZ_BOOL_OPS(X)                                                                  \
    X(ADD, x | y)                                                                       \
    X(MULTIPLY, x & y)                                                                  \
    X(MAXIMUM, x | y)                                                                   \
    X(MINIMUM, x & y)

#endif
