/* CPU kernels: binary elementwise ops and where.
 *
 * Inputs arrive in the compute dtype (the constructor cast them) with their
 * own shapes; ax__cpu_ew_loop broadcasts by strides. Reference path: one
 * element at a time in float64 / complex double / int64 / uint64. Fast path:
 * a loop per (op, dtype) taking each input either contiguous or as a scalar
 * (stride 0), which covers the inner runs of most broadcasts; anything else
 * (strided inputs, float16/bfloat16 computed in float32) goes through scratch
 * chunks. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("-fno-math-errno", "-fno-trapping-math")
#endif
#include <complex.h>

#include "backend/cpu/ew_common.h"
#include "backend/cpu/ew_stream.h"

EW_DEF_DIVMOD(double, f64)
EW_DEF_DIVMOD(float, f32)

/* ---------------------------------------------------------------- scalar semantics */

#define EW_DEF_LOGADDEXP(T, SFX, F)                                            \
    static inline T ew_logaddexp_##SFX(T x, T y) {                             \
        if (x == y) return x + (T)M_LN2; /* also -inf with -inf */             \
        T d = x - y;                                                           \
        if (d > 0) return x + log1p##F(exp##F(-d));                            \
        if (d <= 0) return y + log1p##F(exp##F(d));                            \
        return d; /* NaN */                                                    \
    }
EW_DEF_LOGADDEXP(double, f64, )

/* nextafter in a 16-bit float format (f16 or bf16) on its bit pattern. */
static uint16_t nextafter_half(uint16_t xb, double x, double y, ax_dtype t) {
    if (isnan(x) || isnan(y)) return t == AX_FLOAT16 ? 0x7e00 : 0x7fc0;
    if (x == y) return t == AX_FLOAT16 ? ax_f64_to_f16(y) : ax_f64_to_bf16(y);
    if (x == 0) return (uint16_t)(y > 0 ? 1 : 0x8001);
    bool away = (x < y) == (x > 0); /* moving away from zero */
    return (uint16_t)(away ? xb + 1 : xb - 1);
}

static double ref_f64(ax_op op, double x, double y, ax_dtype t) {
    switch (op) {
    case AX_OP_ADD: return x + y;
    case AX_OP_SUBTRACT: return x - y;
    case AX_OP_MULTIPLY: return x * y;
    case AX_OP_DIVIDE: return x / y;
    case AX_OP_FLOOR_DIVIDE: return ew_ffdiv_f64(x, y);
    case AX_OP_REMAINDER: return ew_frem_f64(x, y);
    case AX_OP_POWER: return pow(x, y);
    case AX_OP_MAXIMUM: return (x >= y || isnan(x)) ? x : y;
    case AX_OP_MINIMUM: return (x <= y || isnan(x)) ? x : y;
    case AX_OP_LOGADDEXP: return ew_logaddexp_f64(x, y);
    case AX_OP_ARCTAN2: return atan2(x, y);
    case AX_OP_HYPOT: return hypot(x, y);
    case AX_OP_COPYSIGN: return copysign(x, y);
    case AX_OP_NEXTAFTER:
        if (t == AX_FLOAT32) return nextafterf((float)x, (float)y);
        if (t == AX_FLOAT16 || t == AX_BFLOAT16) {
            uint16_t xb = t == AX_FLOAT16 ? ax_f64_to_f16(x) : ax_f64_to_bf16(x);
            uint16_t r = nextafter_half(xb, x, y, t);
            return t == AX_FLOAT16 ? ax_f16_to_f32(r) : ax_bf16_to_f32(r);
        }
        return nextafter(x, y);
    default: return NAN;
    }
}

static double complex ref_c(ax_op op, double complex x, double complex y) {
    switch (op) {
    case AX_OP_ADD: return x + y;
    case AX_OP_SUBTRACT: return x - y;
    case AX_OP_MULTIPLY: return x * y;
    case AX_OP_DIVIDE: return x / y;
    case AX_OP_POWER: return (y == 0) ? 1 : cpow(x, y);
    default: return NAN;
    }
}

static int64_t ref_i64(ax_op op, int64_t x, int64_t y, int bits) {
    switch (op) {
    case AX_OP_ADD: return (int64_t)((uint64_t)x + (uint64_t)y);
    case AX_OP_SUBTRACT: return (int64_t)((uint64_t)x - (uint64_t)y);
    case AX_OP_MULTIPLY: return (int64_t)((uint64_t)x * (uint64_t)y);
    case AX_OP_FLOOR_DIVIDE: return ew_fdiv_s(x, y);
    case AX_OP_REMAINDER: return ew_rem_s(x, y);
    case AX_OP_POWER: return ew_pow_s(x, y);
    case AX_OP_MAXIMUM: return x > y ? x : y;
    case AX_OP_MINIMUM: return x < y ? x : y;
    case AX_OP_BITWISE_AND: return x & y;
    case AX_OP_BITWISE_OR: return x | y;
    case AX_OP_BITWISE_XOR: return x ^ y;
    case AX_OP_LEFT_SHIFT: return ew_shl_s(x, y, bits);
    case AX_OP_RIGHT_SHIFT: return ew_shr_s(x, y, bits);
    default: return 0;
    }
}

static uint64_t ref_u64(ax_op op, uint64_t x, uint64_t y, int bits) {
    switch (op) {
    case AX_OP_ADD: return x + y;
    case AX_OP_SUBTRACT: return x - y;
    case AX_OP_MULTIPLY: return x * y;
    case AX_OP_FLOOR_DIVIDE: return ew_fdiv_u(x, y);
    case AX_OP_REMAINDER: return ew_rem_u(x, y);
    case AX_OP_POWER: return ew_pow_u(x, y);
    case AX_OP_MAXIMUM: return x > y ? x : y;
    case AX_OP_MINIMUM: return x < y ? x : y;
    case AX_OP_BITWISE_AND: return x & y;
    case AX_OP_BITWISE_OR: return x | y;
    case AX_OP_BITWISE_XOR: return x ^ y;
    case AX_OP_LEFT_SHIFT: return ew_shl_u(x, y, bits);
    case AX_OP_RIGHT_SHIFT: return ew_shr_u(x, y, bits);
    default: return 0;
    }
}

/* Comparisons and logical ops: c < 0, == 0, > 0 from an ordering (NaN:
 * unordered), nonzero tests for the logical ops. */
static bool ref_bool(ax_op op, int ord, bool unordered, bool xt, bool yt) {
    switch (op) {
    case AX_OP_EQUAL: return !unordered && ord == 0;
    case AX_OP_NOT_EQUAL: return unordered || ord != 0;
    case AX_OP_LESS: return !unordered && ord < 0;
    case AX_OP_LESS_EQUAL: return !unordered && ord <= 0;
    case AX_OP_GREATER: return !unordered && ord > 0;
    case AX_OP_GREATER_EQUAL: return !unordered && ord >= 0;
    case AX_OP_LOGICAL_AND: return xt && yt;
    case AX_OP_LOGICAL_OR: return xt || yt;
    default: return xt != yt; /* logical_xor */
    }
}

typedef struct bref {
    ax_op op;
    ax_dtype t, ot;
} bref;

static void ref_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const bref *u = ud;
    ax_op op = u->op;
    ax_dtype t = u->t;
    int bits = (int)ax_dtype_size(t) * 8;
    bool to_bool = u->ot == AX_BOOL && t != AX_BOOL;
    bool is_bool_op = op >= AX_OP_EQUAL && op <= AX_OP_LOGICAL_XOR;
    for (int64_t i = 0; i < n; i++) {
        char *o = p[0] + i * bs[0];
        const char *a = p[1] + i * bs[1], *b = p[2] + i * bs[2];
        if (t == AX_COMPLEX64 || ax_dtype_is_floating(t)) {
            double xr, xi, yr, yi;
            ax__load_c(a, t, &xr, &xi);
            ax__load_c(b, t, &yr, &yi);
            if (is_bool_op) {
                bool un = isnan(xr) || isnan(xi) || isnan(yr) || isnan(yi);
                int ord = xr < yr ? -1 : xr > yr ? 1 : (xi != yi); /* complex: eq / ne only */
                *(uint8_t *)o = ref_bool(op, ord, un, xr != 0 || xi != 0, yr != 0 || yi != 0);
            } else if (t == AX_COMPLEX64) {
                double complex z = ref_c(op, ew_cmplx(xr, xi), ew_cmplx(yr, yi));
                ax__store_c(o, u->ot, creal(z), cimag(z));
            } else {
                ax__store_f64(o, u->ot, ref_f64(op, xr, yr, t));
            }
        } else if (ax_dtype_is_unsigned(t)) {
            uint64_t x = ax__load_u64(a, t), y = ax__load_u64(b, t);
            if (is_bool_op) *(uint8_t *)o = ref_bool(op, (x > y) - (x < y), false, x != 0, y != 0);
            else ax__store_u64(o, u->ot, ref_u64(op, x, y, bits));
        } else {
            int64_t x = ax__load_i64(a, t), y = ax__load_i64(b, t);
            if (is_bool_op || to_bool)
                *(uint8_t *)o = ref_bool(op, (x > y) - (x < y), false, x != 0, y != 0);
            else ax__store_i64(o, u->ot, ref_i64(op, x, y, bits));
        }
    }
}

/* ---------------------------------------------------------------- fast loops */

/* sa, sb: 1 for a contiguous operand, 0 for a scalar (stride 0). */
typedef void (*bvec_fn)(void *o, const void *a, int64_t sa, const void *b, int64_t sb, int64_t n);

#define BVEC(NAME, TO, TI, EXPR)                                                    \
    static void NAME(void *o_, const void *a_, int64_t sa, const void *b_, int64_t sb, \
                     int64_t n) {                                                   \
        TO *o = o_;                                                                 \
        const TI *a = a_, *b = b_;                                                  \
        if (sa && sb) {                                                             \
            for (int64_t i = 0; i < n; i++) {                                       \
                TI x = a[i], y = b[i];                                              \
                o[i] = (EXPR);                                                      \
            }                                                                       \
        } else if (sa) {                                                            \
            TI y = b[0];                                                            \
            for (int64_t i = 0; i < n; i++) {                                       \
                TI x = a[i];                                                        \
                o[i] = (EXPR);                                                      \
            }                                                                       \
        } else if (sb) {                                                            \
            TI x = a[0];                                                            \
            for (int64_t i = 0; i < n; i++) {                                       \
                TI y = b[i];                                                        \
                o[i] = (EXPR);                                                      \
            }                                                                       \
        } else {                                                                    \
            TI x = a[0], y = b[0];                                                  \
            TO r = (EXPR);                                                          \
            for (int64_t i = 0; i < n; i++) o[i] = r;                               \
        }                                                                           \
    }

/* Ops every real dtype has: X(op id, output C type, expression in x, y). */
#define CMP_OPS(X, T)                                                               \
    X(EQUAL, uint8_t, x == y)                                                       \
    X(NOT_EQUAL, uint8_t, x != y)                                                   \
    X(LESS, uint8_t, x < y)                                                         \
    X(LESS_EQUAL, uint8_t, x <= y)                                                  \
    X(GREATER, uint8_t, x > y)                                                      \
    X(GREATER_EQUAL, uint8_t, x >= y)                                               \
    X(LOGICAL_AND, uint8_t, (x != 0) & (y != 0))                                    \
    X(LOGICAL_OR, uint8_t, (x != 0) | (y != 0))                                     \
    X(LOGICAL_XOR, uint8_t, (x != 0) ^ (y != 0))

#define FLOAT_OPS(X, T, S, F)                                                       \
    CMP_OPS(X, T)                                                                   \
    X(ADD, T, x + y)                                                                \
    X(SUBTRACT, T, x - y)                                                           \
    X(MULTIPLY, T, x * y)                                                           \
    X(DIVIDE, T, x / y)                                                             \
    X(FLOOR_DIVIDE, T, ew_ffdiv_##S(x, y))                                          \
    X(REMAINDER, T, ew_frem_##S(x, y))                                              \
    X(POWER, T, pow##F(x, y))                                                       \
    X(MAXIMUM, T, (x >= y || x != x) ? x : y)                                       \
    X(MINIMUM, T, (x <= y || x != x) ? x : y)                                       \
    X(LOGADDEXP, T, (T)ew_logaddexp_f64(x, y)) /* float32 would cancel near 0 */     \
    X(ARCTAN2, T, atan2##F(x, y))                                                   \
    X(HYPOT, T, hypot##F(x, y))                                                     \
    X(COPYSIGN, T, copysign##F(x, y))                                               \
    X(NEXTAFTER, T, nextafter##F(x, y))

#define INT_TYPES(X)                                                                \
    X(AX_INT8, int8_t, uint32_t, i8, s)                                             \
    X(AX_INT16, int16_t, uint32_t, i16, s)                                          \
    X(AX_INT32, int32_t, uint32_t, i32, s)                                          \
    X(AX_INT64, int64_t, uint64_t, i64, s)                                          \
    X(AX_UINT8, uint8_t, uint32_t, u8, u)                                           \
    X(AX_UINT16, uint16_t, uint32_t, u16, u)                                        \
    X(AX_UINT32, uint32_t, uint32_t, u32, u)                                        \
    X(AX_UINT64, uint64_t, uint64_t, u64, u)

/* Integer ops: X(op id, output C type, expression); W is the wide unsigned
 * type for wrapping arithmetic, G picks the signed (s) / unsigned (u) helper. */
#define INT_OPS(X, T, W, G)                                                         \
    CMP_OPS(X, T)                                                                   \
    X(ADD, T, (T)((W)x + (W)y))                                                     \
    X(SUBTRACT, T, (T)((W)x - (W)y))                                                \
    X(MULTIPLY, T, (T)((W)x * (W)y))                                                \
    X(FLOOR_DIVIDE, T, (T)ew_fdiv_##G(x, y))                                        \
    X(REMAINDER, T, (T)ew_rem_##G(x, y))                                            \
    X(POWER, T, (T)ew_pow_##G(x, y))                                                \
    X(MAXIMUM, T, x > y ? x : y)                                                    \
    X(MINIMUM, T, x < y ? x : y)                                                    \
    X(BITWISE_AND, T, (T)(x & y))                                                   \
    X(BITWISE_OR, T, (T)(x | y))                                                    \
    X(BITWISE_XOR, T, (T)(x ^ y))                                                   \
    X(LEFT_SHIFT, T, (T)ew_shl_##G(x, y, (int)sizeof(T) * 8))                       \
    X(RIGHT_SHIFT, T, (T)ew_shr_##G(x, y, (int)sizeof(T) * 8))

#define BOOL_OPS(X, T)                                                              \
    CMP_OPS(X, T)                                                                   \
    X(ADD, T, x | y)                                                                \
    X(MULTIPLY, T, x & y)                                                           \
    X(MAXIMUM, T, x | y)                                                            \
    X(MINIMUM, T, x & y)                                                            \
    X(BITWISE_AND, T, x & y)                                                        \
    X(BITWISE_OR, T, x | y)                                                         \
    X(BITWISE_XOR, T, x ^ y)

#define DEF_F32(ID, TO, EXPR) BVEC(b_##ID##_f32, TO, float, EXPR)
#define DEF_F64(ID, TO, EXPR) BVEC(b_##ID##_f64, TO, double, EXPR)
#define DEF_B(ID, TO, EXPR) BVEC(b_##ID##_b, TO, uint8_t, EXPR)
FLOAT_OPS(DEF_F32, float, f32, f)
FLOAT_OPS(DEF_F64, double, f64, )
BOOL_OPS(DEF_B, uint8_t)
#define DEF_INT(DT, T, W, SFX, G)                                                   \
    INT_OPS(DEF_INT_OP_##SFX, T, W, G)
/* one definer per integer type (the suffix has to be spliced into names) */
#define DEF_INT_OP_i8(ID, TO, EXPR) BVEC(b_##ID##_i8, TO, int8_t, EXPR)
#define DEF_INT_OP_i16(ID, TO, EXPR) BVEC(b_##ID##_i16, TO, int16_t, EXPR)
#define DEF_INT_OP_i32(ID, TO, EXPR) BVEC(b_##ID##_i32, TO, int32_t, EXPR)
#define DEF_INT_OP_i64(ID, TO, EXPR) BVEC(b_##ID##_i64, TO, int64_t, EXPR)
#define DEF_INT_OP_u8(ID, TO, EXPR) BVEC(b_##ID##_u8, TO, uint8_t, EXPR)
#define DEF_INT_OP_u16(ID, TO, EXPR) BVEC(b_##ID##_u16, TO, uint16_t, EXPR)
#define DEF_INT_OP_u32(ID, TO, EXPR) BVEC(b_##ID##_u32, TO, uint32_t, EXPR)
#define DEF_INT_OP_u64(ID, TO, EXPR) BVEC(b_##ID##_u64, TO, uint64_t, EXPR)
INT_TYPES(DEF_INT)

/* complex64: the products in float64, as the reference (finite values) */
#define C64(re, im) ((ax_c64){(re), (im)})
BVEC(b_ADD_c, ax_c64, ax_c64, C64(x.re + y.re, x.im + y.im))
BVEC(b_SUBTRACT_c, ax_c64, ax_c64, C64(x.re - y.re, x.im - y.im))
BVEC(b_MULTIPLY_c, ax_c64, ax_c64,
     C64((float)((double)x.re * y.re - (double)x.im * y.im),
         (float)((double)x.re * y.im + (double)x.im * y.re)))
BVEC(b_EQUAL_c, uint8_t, ax_c64, x.re == y.re && x.im == y.im)
BVEC(b_NOT_EQUAL_c, uint8_t, ax_c64, x.re != y.re || x.im != y.im)

static bvec_fn fast[AX_OP_COUNT][AX_DTYPE_COUNT];

static void fill_fast(void) {
#define REG_F(ID, TO, EXPR)                                                         \
    fast[AX_OP_##ID][AX_FLOAT32] = b_##ID##_f32;                                    \
    fast[AX_OP_##ID][AX_FLOAT16] = b_##ID##_f32;                                    \
    fast[AX_OP_##ID][AX_BFLOAT16] = b_##ID##_f32;
#define REG_D(ID, TO, EXPR) fast[AX_OP_##ID][AX_FLOAT64] = b_##ID##_f64;
#define REG_B(ID, TO, EXPR) fast[AX_OP_##ID][AX_BOOL] = b_##ID##_b;
    FLOAT_OPS(REG_F, float, f32, f)
    FLOAT_OPS(REG_D, double, f64, )
    BOOL_OPS(REG_B, uint8_t)
#define REG_INT(DT, T, W, SFX, G) INT_OPS(REG_INT_OP_##SFX, T, W, G)
#define REG_INT_OP_i8(ID, TO, EXPR) fast[AX_OP_##ID][AX_INT8] = b_##ID##_i8;
#define REG_INT_OP_i16(ID, TO, EXPR) fast[AX_OP_##ID][AX_INT16] = b_##ID##_i16;
#define REG_INT_OP_i32(ID, TO, EXPR) fast[AX_OP_##ID][AX_INT32] = b_##ID##_i32;
#define REG_INT_OP_i64(ID, TO, EXPR) fast[AX_OP_##ID][AX_INT64] = b_##ID##_i64;
#define REG_INT_OP_u8(ID, TO, EXPR) fast[AX_OP_##ID][AX_UINT8] = b_##ID##_u8;
#define REG_INT_OP_u16(ID, TO, EXPR) fast[AX_OP_##ID][AX_UINT16] = b_##ID##_u16;
#define REG_INT_OP_u32(ID, TO, EXPR) fast[AX_OP_##ID][AX_UINT32] = b_##ID##_u32;
#define REG_INT_OP_u64(ID, TO, EXPR) fast[AX_OP_##ID][AX_UINT64] = b_##ID##_u64;
    INT_TYPES(REG_INT)
    fast[AX_OP_ADD][AX_COMPLEX64] = b_ADD_c;
    fast[AX_OP_SUBTRACT][AX_COMPLEX64] = b_SUBTRACT_c;
    fast[AX_OP_MULTIPLY][AX_COMPLEX64] = b_MULTIPLY_c;
    fast[AX_OP_EQUAL][AX_COMPLEX64] = b_EQUAL_c;
    fast[AX_OP_NOT_EQUAL][AX_COMPLEX64] = b_NOT_EQUAL_c;
    /* nextafter steps in the storage format, not in float32 */
    fast[AX_OP_NEXTAFTER][AX_FLOAT16] = fast[AX_OP_NEXTAFTER][AX_BFLOAT16] = NULL;
}

typedef struct bfast {
    bvec_fn fn;
    ax_dtype t, ot, ct, cot; /* input / output dtypes and the loop's */
    bool stream;             /* the output reaches EW_STREAM_BYTES (ew_stream.h) */
} bfast;

static void fast_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    const bfast *u = ud;
    int64_t isz = (int64_t)ax_dtype_size(u->t), osz = (int64_t)ax_dtype_size(u->ot);
    bool ca = bs[1] == isz || bs[1] == 0, cb = bs[2] == isz || bs[2] == 0;
    if (u->t == u->ct && u->ot == u->cot && bs[0] == osz && ca && cb) {
        _Alignas(64) char blk[EW_STREAM_BLOCK * 8];
        const int64_t bl = u->stream ? EW_STREAM_BLOCK : EW_BLOCK;
        const int64_t ahead = u->stream ? EW_STREAM_AHEAD : EW_PREFETCH_AHEAD;
        for (int64_t off = 0; off < n; off += bl) {
            int64_t m = n - off < bl ? n - off : bl;
            if (n > 4 * EW_BLOCK) {
                if (bs[1]) ew_prefetch(p[1] + off * isz, m * isz, ahead);
                if (bs[2]) ew_prefetch(p[2] + off * isz, m * isz, ahead);
            }
            char *o = u->stream ? blk : p[0] + off * osz;
            u->fn(o, p[1] + off * bs[1], bs[1] != 0, p[2] + off * bs[2], bs[2] != 0, m);
            if (u->stream) ew_stream_store(p[0] + off * osz, blk, m * osz);
        }
        return;
    }
    _Alignas(64) char ta[EW_CHUNK * 8], tb[EW_CHUNK * 8], to[EW_CHUNK * 8];
    int64_t sa = bs[1] != 0, sb = bs[2] != 0;
    if (!sa) ew_load(ta, u->ct, p[1], isz, u->t, 1);
    if (!sb) ew_load(tb, u->ct, p[2], isz, u->t, 1);
    for (int64_t off = 0; off < n; off += EW_CHUNK) {
        int64_t m = n - off < EW_CHUNK ? n - off : EW_CHUNK;
        if (sa) ew_load(ta, u->ct, p[1] + off * bs[1], bs[1], u->t, m);
        if (sb) ew_load(tb, u->ct, p[2] + off * bs[2], bs[2], u->t, m);
        u->fn(to, ta, sa, tb, sb, m);
        ew_store(p[0] + off * bs[0], bs[0], u->ot, to, u->cot, m);
    }
}

static ax_status binary_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    ax_array *const *in = node->inputs;
    ax_dtype t = in[0]->dtype, ot = out[0]->dtype;
    bvec_fn fn = in[1]->dtype == t ? fast[node->op][t] : NULL;
    if (!ax__cpu_use_reference() && fn) {
        ax_dtype ct = ew_compute_type(t);
        bfast u = {fn, t, ot, ct, ot == AX_BOOL ? AX_BOOL : ct, ax_nbytes(out[0]) >= (size_t)EW_STREAM_BYTES};
        ax__cpu_ew_loop(out[0], in, 2, fast_inner, &u, true);
        if (u.stream) ew_stream_end();
    } else {
        bref u = {node->op, t, ot};
        ax__cpu_ew_loop(out[0], in, 2, ref_inner, &u, true);
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- where */

static void where_ref_inner(char **p, const int64_t *bs, int64_t n, void *ud) {
    size_t sz = *(const size_t *)ud;
    for (int64_t i = 0; i < n; i++) {
        const char *src = *(const uint8_t *)(p[1] + i * bs[1]) ? p[2] + i * bs[2] : p[3] + i * bs[3];
        memcpy(p[0] + i * bs[0], src, sz);
    }
}

#define WHERE_FN(NAME, T)                                                           \
    static void NAME(char **p, const int64_t *bs, int64_t n, void *ud) {            \
        (void)ud;                                                                   \
        T *o = (T *)p[0];                                                           \
        const uint8_t *c = (const uint8_t *)p[1];                                   \
        const T *x = (const T *)p[2], *y = (const T *)p[3];                         \
        int64_t sc = bs[1], sx = bs[2] / (int64_t)sizeof(T), sy = bs[3] / (int64_t)sizeof(T); \
        if (bs[0] == sizeof(T) && sc == 1 && sx == 1 && sy == 1) {                  \
            for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];              \
            return;                                                                 \
        }                                                                           \
        for (int64_t i = 0; i < n; i++)                                             \
            *(T *)(p[0] + i * bs[0]) = c[i * sc] ? x[i * sx] : y[i * sy];           \
    }
WHERE_FN(where_1, uint8_t)
WHERE_FN(where_2, uint16_t)
WHERE_FN(where_4, uint32_t)
WHERE_FN(where_8, uint64_t)

static ax_status where_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    size_t sz = ax_dtype_size(out[0]->dtype);
    ax_loop_fn fn = where_ref_inner;
    if (!ax__cpu_use_reference())
        fn = sz == 1 ? where_1 : sz == 2 ? where_2 : sz == 4 ? where_4 : sz == 8 ? where_8 : fn;
    ax__cpu_ew_loop(out[0], node->inputs, 3, fn, &sz, true);
    return AX_OK;
}

void ax__cpu_register_binary(ax_kernel *table) {
    fill_fast();
    for (int op = AX_OP_ADD; op <= AX_OP_RIGHT_SHIFT; op++) table[op] = binary_kernel;
    table[AX_OP_WHERE] = where_kernel;
}
