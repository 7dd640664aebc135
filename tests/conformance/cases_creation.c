/* Conformance cases for the creation family (ARANGE LINSPACE FULL EYE TRI).
 *
 * Creation ops have no inputs (n_in = 0), so the harness cannot hand the
 * build function a dtype: every case is instantiated once per dtype with the
 * dtype in ip[5] and a one-dtype mask (names end in /<dtype>). Parameters:
 * arange: start fp[0], step fp[1], stop ip[0] / ip[1]; linspace: start
 * fp[0], stop fp[1], num ip[0], endpoint ip[1]; full: shape ip[0..ip[3]),
 * value fp[0]; eye/tri: n ip[0], m ip[1], k ip[2]. Each case's expect()
 * evaluates the NumPy definition in float64. */
#include <math.h>

#include "harness.h"

#define P_DTYPE 5

static ax_dtype dt_of(const conf_case *c) { return (ax_dtype)c->ip[P_DTYPE]; }
static double stop_of(const conf_case *c) { return (double)c->ip[0] / (double)(c->ip[1] ? c->ip[1] : 1); }

static ax_array *b_arange(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_arange(ctx, c->fp[0], stop_of(c), c->fp[1], dt_of(c));
}

/* x in the dtype (integers truncate, as NumPy's setitem of a float). */
static double to_dtype(ax_dtype t, double x) {
    switch (t) {
    case AX_FLOAT16: return ax_f16_to_f32(ax_f64_to_f16(x));
    case AX_BFLOAT16: return ax_bf16_to_f32(ax_f64_to_bf16(x));
    case AX_FLOAT32: return (float)x;
    case AX_FLOAT64: case AX_BOOL: return x;
    default: return trunc(x);
    }
}

/* NumPy: length ceil((stop - start) / step); x0 = start and x1 = start +
 * step stored in the dtype, then x0 + i * (x1 - x0) (bool: start + i * step
 * nonzero). The harness rounds the answer to the dtype. */
static bool e_arange(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                     const int *ndims, double *out, int64_t n) {
    (void)in, (void)shapes, (void)ndims;
    if (n != (int64_t)fmax(0, ceil((stop_of(c) - c->fp[0]) / c->fp[1]))) return false;
    double x0 = to_dtype(dt_of(c), c->fp[0]), x1 = to_dtype(dt_of(c), c->fp[0] + c->fp[1]);
    for (int64_t i = 0; i < n; i++) out[i] = i == 1 ? x1 : x0 + (double)i * (x1 - x0);
    return true;
}

static ax_array *b_linspace(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_linspace(ctx, c->fp[0], c->fp[1], c->ip[0], c->ip[1] != 0, dt_of(c));
}

/* start + i * (stop - start) / div, the last one stop when endpoint;
 * integers floored (NumPy 2). */
static bool e_linspace(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                       const int *ndims, double *out, int64_t n) {
    (void)in, (void)shapes, (void)ndims;
    int64_t num = c->ip[0], div = c->ip[1] ? num - 1 : num;
    for (int64_t i = 0; i < n; i++) {
        double x = div > 0 ? c->fp[0] + (double)i * ((c->fp[1] - c->fp[0]) / (double)div) : c->fp[0];
        if (c->ip[1] && num > 1 && i == num - 1) x = c->fp[1];
        out[i] = ax_dtype_is_integer(dt_of(c)) ? floor(x) : x;
    }
    return true;
}

static ax_array *b_full(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_full(ctx, c->ip, (int)c->ip[3], c->fp[0], dt_of(c));
}

static bool e_full(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    (void)in, (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = c->fp[0];
    return true;
}

static ax_array *b_eye(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_eye(ctx, c->ip[0], c->ip[1], c->ip[2], dt_of(c));
}

static ax_array *b_identity(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_identity(ctx, c->ip[0], dt_of(c));
}

static ax_array *b_tri(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)in;
    return ax_tri(ctx, c->ip[0], c->ip[1], c->ip[2], dt_of(c));
}

/* 1 where j - i == k (eye) or j - i <= k (tri); ip[4] = 1 selects tri. */
static bool e_diag(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    (void)in, (void)shapes, (void)ndims;
    int64_t rows = c->ip[0], cols = c->ip[1], k = c->ip[2];
    if (n != rows * cols) return false;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            out[i * cols + j] = (c->ip[4] ? j - i <= k : j - i == k) ? 1 : 0;
    return true;
}

/* One case per dtype. */
#define ONE(nm, cov, bld, exp, i0, i1, i2, i3, i4, f0, f1, T, ab)                              \
    {.name = nm "/" ab, .covers = cov, .dtypes = CONF_DT(T), .variants = CONF_CONTIG,          \
     .n_in = 0, .build = bld, .expect = exp, .ip = {i0, i1, i2, i3, i4, T}, .fp = {f0, f1}}
#define FLOAT_TYPES(...)                                                                       \
    ONE(__VA_ARGS__, AX_FLOAT16, "f16"), ONE(__VA_ARGS__, AX_BFLOAT16, "bf16"),                \
        ONE(__VA_ARGS__, AX_FLOAT32, "f32"), ONE(__VA_ARGS__, AX_FLOAT64, "f64"),              \
        ONE(__VA_ARGS__, AX_COMPLEX64, "c64")
#define INT_TYPES(...)                                                                         \
    ONE(__VA_ARGS__, AX_INT8, "i8"), ONE(__VA_ARGS__, AX_INT16, "i16"),                        \
        ONE(__VA_ARGS__, AX_INT32, "i32"), ONE(__VA_ARGS__, AX_INT64, "i64"),                  \
        ONE(__VA_ARGS__, AX_UINT8, "u8"), ONE(__VA_ARGS__, AX_UINT16, "u16"),                  \
        ONE(__VA_ARGS__, AX_UINT32, "u32"), ONE(__VA_ARGS__, AX_UINT64, "u64")
#define ALL_TYPES(...)                                                                         \
    FLOAT_TYPES(__VA_ARGS__), INT_TYPES(__VA_ARGS__), ONE(__VA_ARGS__, AX_BOOL, "bool")
#define BIG_TYPES(...)                                                                         \
    ONE(__VA_ARGS__, AX_FLOAT32, "f32"), ONE(__VA_ARGS__, AX_FLOAT64, "f64"),                  \
        ONE(__VA_ARGS__, AX_INT32, "i32"), ONE(__VA_ARGS__, AX_INT64, "i64")

const conf_case conf_cases_creation[] = {
    /* arange: fractional steps for inexact dtypes, integer ones elsewhere
     * (values in every integer dtype's range) */
    FLOAT_TYPES("arange/fractional", "arange", b_arange, e_arange, 40, 1, 0, 0, 0, -3.25, 0.3),
    FLOAT_TYPES("arange/negative_step", "arange", b_arange, e_arange, -5, 1, 0, 0, 0, 10, -0.25),
    ALL_TYPES("arange/integer_step", "arange", b_arange, e_arange, 100, 1, 0, 0, 0, 1, 3),
    ALL_TYPES("arange/empty", "arange", b_arange, e_arange, 0, 1, 0, 0, 0, 1, 1),
    INT_TYPES("arange/descending", "arange", b_arange, e_arange, 2, 1, 0, 0, 0, 50, -4),
    BIG_TYPES("arange/large", "arange", b_arange, e_arange, 1 << 20, 1, 0, 0, 0, 0, 1),
    /* linspace */
    ALL_TYPES("linspace/endpoint", "linspace", b_linspace, e_linspace, 33, 1, 0, 0, 0, -2.5, 7),
    ALL_TYPES("linspace/no_endpoint", "linspace", b_linspace, e_linspace, 10, 0, 0, 0, 0, 0, 90),
    ALL_TYPES("linspace/one", "linspace", b_linspace, e_linspace, 1, 1, 0, 0, 0, 3, 9),
    ALL_TYPES("linspace/none", "linspace", b_linspace, e_linspace, 0, 1, 0, 0, 0, 3, 9),
    BIG_TYPES("linspace/large", "linspace", b_linspace, e_linspace, 1 << 20, 1, 0, 0, 0, -1, 1),
    /* full: shape ip[0..ip[3]) */
    ALL_TYPES("full/3d", "full", b_full, e_full, 3, 5, 7, 3, 0, 2, 0),
    FLOAT_TYPES("full/negative", "full", b_full, e_full, 4, 9, 0, 2, 0, -2.5, 0),
    ALL_TYPES("full/scalar", "full", b_full, e_full, 0, 0, 0, 0, 0, 1, 0),
    ALL_TYPES("full/zero_size", "full", b_full, e_full, 0, 4, 0, 2, 0, 1, 0),
    BIG_TYPES("full/large", "full", b_full, e_full, 1000, 1100, 0, 2, 0, 3, 0),
    /* eye / identity / tri: n, m, k; ip[4] = 1 for tri */
    ALL_TYPES("eye/wide", "eye", b_eye, e_diag, 5, 7, 0, 0, 0, 0, 0),
    ALL_TYPES("eye/tall_below", "eye", b_eye, e_diag, 7, 5, -2, 0, 0, 0, 0),
    ALL_TYPES("eye/off_matrix", "eye", b_eye, e_diag, 6, 6, 10, 0, 0, 0, 0),
    ALL_TYPES("eye/identity", "eye", b_identity, e_diag, 9, 9, 0, 0, 0, 0, 0),
    BIG_TYPES("eye/large", "eye", b_eye, e_diag, 1500, 1300, 3, 0, 0, 0, 0),
    ALL_TYPES("tri/wide", "tri", b_tri, e_diag, 5, 7, 0, 0, 1, 0, 0),
    ALL_TYPES("tri/tall_below", "tri", b_tri, e_diag, 8, 4, -3, 0, 1, 0, 0),
    ALL_TYPES("tri/above", "tri", b_tri, e_diag, 4, 6, 2, 0, 1, 0, 0),
    ALL_TYPES("tri/all", "tri", b_tri, e_diag, 4, 6, -20, 0, 1, 0, 0),
    BIG_TYPES("tri/large", "tri", b_tri, e_diag, 1500, 1300, -7, 0, 1, 0, 0),
    {.name = NULL},
};
