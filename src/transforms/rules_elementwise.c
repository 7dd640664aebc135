/* Derivative rules of the elementwise primitives (copy/astype, unary,
 * binary, where).
 *
 * Each differentiable op has a local derivative: for unary ops d(x, y) with
 * y = f(x), for binary ops the partials da(a, b, y) and db(a, b, y). Then
 * vjp: grad = g * d (summed back to the input's shape by the walker) and
 * jvp: tangent = t * d (sum over inputs). The derivatives are built with
 * public ops, so they are differentiable again.
 *
 * Conventions at non-differentiable points (as JAX): abs'(0) = 0 (sign),
 * maximum/minimum split the cotangent equally on ties, floor, ceil, round,
 * trunc, sign and floor_divide have zero derivative, nextafter(a, b) has
 * d/da = 1 and d/db = 0 (it moves a by one ulp), remainder
 * has d/da = 1 and d/db = -floor_divide(a, b), power's d/db is 0 where
 * a == 0 and its d/da is 0 where b == 0, hypot's partials are 0 at (0, 0).
 * Comparisons, logical and bitwise ops give non-float outputs: no
 * derivative flows through them. complex64 is not differentiated. */
#include <math.h>

#include "transforms/rules.h"

#define W(v) ax_weak_float(ctx, (v))

typedef ax_array *(*unary_d)(ax_ctx *ctx, ax_array *x, ax_array *y);
typedef ax_array *(*binary_d)(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y);

static unary_d unary_table[AX_OP_COUNT];
static binary_d binary_a[AX_OP_COUNT], binary_b[AX_OP_COUNT];

/* ---------------------------------------------------------------- unary derivatives */

static ax_array *d_one(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_ones_like(ctx, x);
}
static ax_array *d_abs(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_sign(ctx, x);
}
static ax_array *d_square(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_multiply(ctx, x, W(2.0));
}
static ax_array *d_sqrt(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_divide(ctx, W(0.5), y);
}
static ax_array *d_rsqrt(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_multiply(ctx, ax_multiply(ctx, ax_square(ctx, y), y), W(-0.5));
}
static ax_array *d_reciprocal(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_negative(ctx, ax_square(ctx, y));
}
static ax_array *d_exp(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return y;
}
static ax_array *d_exp2(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_multiply(ctx, y, W(M_LN2));
}
static ax_array *d_expm1(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_add(ctx, y, W(1.0));
}
static ax_array *d_log(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, x);
}
static ax_array *d_log2(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, ax_multiply(ctx, x, W(M_LN2)));
}
static ax_array *d_log10(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, ax_multiply(ctx, x, W(M_LN10)));
}
static ax_array *d_log1p(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, ax_add(ctx, x, W(1.0)));
}
static ax_array *d_sin(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_cos(ctx, x);
}
static ax_array *d_cos(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_negative(ctx, ax_sin(ctx, x));
}
static ax_array *d_tan(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_add(ctx, ax_square(ctx, y), W(1.0));
}
/* 1 / sqrt(1 - x^2) */
static ax_array *d_arcsin(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_rsqrt(ctx, ax_subtract(ctx, W(1.0), ax_square(ctx, x)));
}
static ax_array *d_arccos(ax_ctx *ctx, ax_array *x, ax_array *y) {
    return ax_negative(ctx, d_arcsin(ctx, x, y));
}
static ax_array *d_arctan(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, ax_add(ctx, ax_square(ctx, x), W(1.0)));
}
static ax_array *d_sinh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_cosh(ctx, x);
}
static ax_array *d_cosh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_sinh(ctx, x);
}
static ax_array *d_tanh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_subtract(ctx, W(1.0), ax_square(ctx, y));
}
static ax_array *d_arcsinh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_rsqrt(ctx, ax_add(ctx, ax_square(ctx, x), W(1.0)));
}
static ax_array *d_arccosh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_rsqrt(ctx, ax_subtract(ctx, ax_square(ctx, x), W(1.0)));
}
static ax_array *d_arctanh(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_reciprocal(ctx, ax_subtract(ctx, W(1.0), ax_square(ctx, x)));
}
static ax_array *d_erf(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_multiply(ctx, ax_exp(ctx, ax_negative(ctx, ax_square(ctx, x))),
                       W(2.0 / sqrt(M_PI)));
}
static ax_array *d_erfinv(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_multiply(ctx, ax_exp(ctx, ax_square(ctx, y)), W(sqrt(M_PI) / 2.0));
}
static ax_array *d_sigmoid(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)x;
    return ax_multiply(ctx, y, ax_subtract(ctx, W(1.0), y));
}
static ax_array *d_degrees(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_full_like(ctx, x, 180.0 / M_PI);
}
static ax_array *d_radians(ax_ctx *ctx, ax_array *x, ax_array *y) {
    (void)y;
    return ax_full_like(ctx, x, M_PI / 180.0);
}

/* ---------------------------------------------------------------- binary partials */

static ax_array *p_one(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)a, (void)b;
    return ax_ones_like(ctx, y);
}
static ax_array *p_neg_one(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)a, (void)b;
    return ax_full_like(ctx, y, -1.0);
}
static ax_array *p_mul_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)a, (void)y;
    return b;
}
static ax_array *p_mul_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)b, (void)y;
    return a;
}
static ax_array *p_div_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)a, (void)y;
    return ax_reciprocal(ctx, b);
}
/* -a / b^2 = -y / b */
static ax_array *p_div_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_negative(ctx, ax_divide(ctx, ax_divide(ctx, a, b), b));
}
static ax_array *p_rem_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_negative(ctx, ax_floor_divide(ctx, a, b));
}
/* b * a^(b-1), 0 where b == 0 */
static ax_array *p_pow_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    ax_array *v = ax_multiply(ctx, b, ax_power(ctx, a, ax_subtract(ctx, b, W(1.0))));
    return ax_where(ctx, ax_equal(ctx, b, W(0.0)), W(0.0), v);
}
/* y * log(a), 0 where a == 0 */
static ax_array *p_pow_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)b;
    ax_array *z = ax_equal(ctx, a, W(0.0));
    ax_array *safe = ax_where(ctx, z, W(1.0), a);
    return ax_where(ctx, z, W(0.0), ax_multiply(ctx, y, ax_log(ctx, safe)));
}
/* maximum: 1 where a > b, 1/2 on ties; minimum with <. */
static ax_array *tie_split(ax_ctx *ctx, ax_array *win, ax_array *tie) {
    return ax_where(ctx, win, W(1.0), ax_where(ctx, tie, W(0.5), W(0.0)));
}
static ax_array *p_max_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    ax_array *r = tie_split(ctx, ax_greater(ctx, a, b), ax_equal(ctx, a, b));
    return r ? ax_astype(ctx, r, y->dtype) : NULL;
}
static ax_array *p_max_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    ax_array *r = tie_split(ctx, ax_greater(ctx, b, a), ax_equal(ctx, a, b));
    return r ? ax_astype(ctx, r, y->dtype) : NULL;
}
static ax_array *p_min_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    ax_array *r = tie_split(ctx, ax_less(ctx, a, b), ax_equal(ctx, a, b));
    return r ? ax_astype(ctx, r, y->dtype) : NULL;
}
static ax_array *p_min_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    ax_array *r = tie_split(ctx, ax_less(ctx, b, a), ax_equal(ctx, a, b));
    return r ? ax_astype(ctx, r, y->dtype) : NULL;
}
/* logaddexp: d/da = exp(a - y) = sigmoid(a - b) */
static ax_array *p_lae_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_sigmoid(ctx, ax_subtract(ctx, a, b));
}
static ax_array *p_lae_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_sigmoid(ctx, ax_subtract(ctx, b, a));
}
/* arctan2(a, b): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2) */
static ax_array *p_atan2_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_divide(ctx, b, ax_add(ctx, ax_square(ctx, a), ax_square(ctx, b)));
}
static ax_array *p_atan2_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_divide(ctx, ax_negative(ctx, a), ax_add(ctx, ax_square(ctx, a), ax_square(ctx, b)));
}
/* hypot: a / y (0 where y == 0) */
static ax_array *safe_over(ax_ctx *ctx, ax_array *num, ax_array *y) {
    ax_array *z = ax_equal(ctx, y, W(0.0));
    return ax_where(ctx, z, W(0.0), ax_divide(ctx, num, ax_where(ctx, z, W(1.0), y)));
}
static ax_array *p_hypot_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)b;
    return safe_over(ctx, a, y);
}
static ax_array *p_hypot_b(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)a;
    return safe_over(ctx, b, y);
}
/* copysign(a, b) = |a| sgn(b): d/da = sign(a) * copysign(1, b) */
static ax_array *p_copysign_a(ax_ctx *ctx, ax_array *a, ax_array *b, ax_array *y) {
    (void)y;
    return ax_multiply(ctx, ax_sign(ctx, a), ax_copysign(ctx, ax_ones_like(ctx, b), b));
}

/* ---------------------------------------------------------------- rules */

static ax_status unary_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    ax_array *d = unary_table[node->op](ctx, node->inputs[0], outs[0]);
    grads[0] = d ? ax_multiply(ctx, cts[0], d) : NULL;
    return ctx->status;
}

static ax_status unary_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *tans, ax_array **out_tans) {
    ax_array *d = unary_table[node->op](ctx, node->inputs[0], outs[0]);
    out_tans[0] = d ? ax_multiply(ctx, tans[0], d) : NULL;
    return ctx->status;
}

/* identity-like: copy, astype (the walker casts), real and conjugate of
 * real arrays */
static ax_status pass_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)node, (void)outs, (void)need;
    grads[0] = cts[0];
    return ctx->status;
}

static ax_status pass_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    (void)node, (void)outs;
    out_tans[0] = tans[0];
    return ctx->status;
}

static ax_status binary_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    ax_array *a = node->inputs[0], *b = node->inputs[1], *y = outs[0];
    if (need[0] && binary_a[node->op]) {
        ax_array *d = binary_a[node->op](ctx, a, b, y);
        grads[0] = d ? ax_multiply(ctx, cts[0], d) : NULL;
    }
    if (need[1] && binary_b[node->op]) {
        ax_array *d = binary_b[node->op](ctx, a, b, y);
        grads[1] = d ? ax_multiply(ctx, cts[0], d) : NULL;
    }
    return ctx->status;
}

static ax_status binary_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    ax_array *a = node->inputs[0], *b = node->inputs[1], *y = outs[0], *t = NULL;
    if (tans[0] && binary_a[node->op])
        t = ax__rule_add(ctx, t, ax_multiply(ctx, tans[0], binary_a[node->op](ctx, a, b, y)));
    if (tans[1] && binary_b[node->op])
        t = ax__rule_add(ctx, t, ax_multiply(ctx, tans[1], binary_b[node->op](ctx, a, b, y)));
    out_tans[0] = t;
    return ctx->status;
}

/* add, subtract, negative: no products with ones */
static ax_status linear_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    ax_array *g = cts[0];
    if (node->op == AX_OP_NEGATIVE) {
        grads[0] = ax_negative(ctx, g);
        return ctx->status;
    }
    if (need[0]) grads[0] = g;
    if (need[1]) grads[1] = node->op == AX_OP_SUBTRACT ? ax_negative(ctx, g) : g;
    return ctx->status;
}

static ax_status linear_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    if (node->op == AX_OP_NEGATIVE) {
        out_tans[0] = ax_negative(ctx, tans[0]);
        return ctx->status;
    }
    ax_array *tb = tans[1];
    if (tb && node->op == AX_OP_SUBTRACT) tb = ax_negative(ctx, tb);
    out_tans[0] = ax__rule_add(ctx, tans[0], tb);
    return ctx->status;
}

/* where(c, x, y) */
static ax_status where_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    ax_array *c = node->inputs[0], *g = cts[0];
    ax_array *zero = ax__rule_scalar(ctx, 0.0, g);
    if (need[1]) grads[1] = ax_where(ctx, c, g, zero);
    if (need[2]) grads[2] = ax_where(ctx, c, zero, g);
    return ctx->status;
}

static ax_status where_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *tans, ax_array **out_tans) {
    ax_array *c = node->inputs[0], *y = outs[0];
    ax_array *tx = tans[1] ? tans[1] : ax__rule_scalar(ctx, 0.0, y);
    ax_array *ty = tans[2] ? tans[2] : ax__rule_scalar(ctx, 0.0, y);
    out_tans[0] = ax_where(ctx, c, tx, ty);
    return ctx->status;
}

void ax__rules_register_elementwise(ax_rule *t) {
    const ax_rule unary = {unary_vjp, unary_jvp, NULL, 0};
    const ax_rule pass = {pass_vjp, pass_jvp, NULL, 0};
    const ax_rule binary = {binary_vjp, binary_jvp, NULL, 0};
    const ax_rule zero = {NULL, NULL, NULL, AX_RULE_ZERO};
    t[AX_OP_COPY] = pass;
    t[AX_OP_ASTYPE] = pass;
    t[AX_OP_REAL] = pass;
    t[AX_OP_CONJUGATE] = pass;
    t[AX_OP_IMAG] = zero;
#define U(OP, fn)                                                                                  \
    do {                                                                                           \
        unary_table[AX_OP_##OP] = fn;                                                              \
        t[AX_OP_##OP] = unary;                                                                     \
    } while (0)
    U(ABS, d_abs);
    U(SQUARE, d_square);
    U(SQRT, d_sqrt);
    U(RSQRT, d_rsqrt);
    U(RECIPROCAL, d_reciprocal);
    U(EXP, d_exp);
    U(EXP2, d_exp2);
    U(EXPM1, d_expm1);
    U(LOG, d_log);
    U(LOG2, d_log2);
    U(LOG10, d_log10);
    U(LOG1P, d_log1p);
    U(SIN, d_sin);
    U(COS, d_cos);
    U(TAN, d_tan);
    U(ARCSIN, d_arcsin);
    U(ARCCOS, d_arccos);
    U(ARCTAN, d_arctan);
    U(SINH, d_sinh);
    U(COSH, d_cosh);
    U(TANH, d_tanh);
    U(ARCSINH, d_arcsinh);
    U(ARCCOSH, d_arccosh);
    U(ARCTANH, d_arctanh);
    U(ERF, d_erf);
    U(ERFINV, d_erfinv);
    U(SIGMOID, d_sigmoid);
    U(DEGREES, d_degrees);
    U(RADIANS, d_radians);
#undef U
    (void)d_one;
    const ax_rule linear = {linear_vjp, linear_jvp, NULL, 0};
    t[AX_OP_NEGATIVE] = linear;
    t[AX_OP_SIGN] = zero;
    t[AX_OP_FLOOR] = zero;
    t[AX_OP_CEIL] = zero;
    t[AX_OP_ROUND] = zero;
    t[AX_OP_TRUNC] = zero;
#define B(OP, fa, fb)                                                                              \
    do {                                                                                           \
        binary_a[AX_OP_##OP] = fa;                                                                 \
        binary_b[AX_OP_##OP] = fb;                                                                 \
        t[AX_OP_##OP] = binary;                                                                    \
    } while (0)
    B(ADD, p_one, p_one);
    B(SUBTRACT, p_one, p_neg_one);
    B(MULTIPLY, p_mul_a, p_mul_b);
    B(DIVIDE, p_div_a, p_div_b);
    B(REMAINDER, p_one, p_rem_b);
    B(POWER, p_pow_a, p_pow_b);
    B(MAXIMUM, p_max_a, p_max_b);
    B(MINIMUM, p_min_a, p_min_b);
    B(LOGADDEXP, p_lae_a, p_lae_b);
    B(ARCTAN2, p_atan2_a, p_atan2_b);
    B(HYPOT, p_hypot_a, p_hypot_b);
    B(COPYSIGN, p_copysign_a, NULL);
    B(NEXTAFTER, p_one, NULL);
#undef B
    t[AX_OP_ADD] = linear;
    t[AX_OP_SUBTRACT] = linear;
    t[AX_OP_FLOOR_DIVIDE] = zero;
    t[AX_OP_WHERE] = (ax_rule){where_vjp, where_jvp, NULL, 0};
}
