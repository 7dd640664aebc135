/* fp8 codes (include/ax/fp8.h): the TO_FP8, FROM_FP8 and FP8_MATMUL
 * primitives. The codec is src/backend/fp8_codec.h. */
#include <string.h>

#include "ax/fp8.h"
#include "backend/fp8_codec.h"
#include "core/internal.h"
#include "ops/fp8_params.h"

static bool format_ok(ax_ctx *ctx, const char *op, ax_fp8_format f) {
    if (f == AX_FP8_E4M3 || f == AX_FP8_E5M2) return true;
    ax__error(ctx, AX_ERR_VALUE, "%s: unknown fp8 format %d (AX_FP8_E4M3 or AX_FP8_E5M2)", op, (int)f);
    return false;
}

static bool codes_ok(ax_ctx *ctx, const char *op, const char *what, const ax_array *c) {
    if (c->dtype == AX_UINT8) return true;
    ax__error(ctx, AX_ERR_DTYPE, "%s: %s must be uint8 fp8 codes (got %s)", op, what, ax_dtype_name(c->dtype));
    return false;
}

static bool float_out_ok(ax_ctx *ctx, const char *op, ax_dtype t) {
    if (ax_dtype_is_valid(t) && ax_dtype_is_floating(t)) return true;
    ax__error(ctx, AX_ERR_DTYPE, "%s: the output dtype must be float16, bfloat16, float32 or float64 (got %s)", op,
              ax_dtype_name(t));
    return false;
}

ax_array *ax_to_fp8(ax_ctx *ctx, ax_array *x, ax_fp8_format fmt) {
    AX_CHECK_IN(ctx, x);
    if (!format_ok(ctx, "to_fp8", fmt)) return NULL;
    if (ax_dtype_is_complex(x->dtype))
        return ax__error(ctx, AX_ERR_DTYPE, "to_fp8: complex input (%s) is not supported", ax_dtype_name(x->dtype));
    ax_fp8_params p = {.fmt = (int32_t)fmt};
    return ax__make_op(ctx, AX_OP_TO_FP8, &x, 1, &p, sizeof p, AX_UINT8, x->shape, x->ndim);
}

ax_array *ax_from_fp8(ax_ctx *ctx, ax_array *codes, ax_fp8_format fmt, ax_dtype dtype) {
    AX_CHECK_IN(ctx, codes);
    if (!format_ok(ctx, "from_fp8", fmt) || !codes_ok(ctx, "from_fp8", "the input", codes) ||
        !float_out_ok(ctx, "from_fp8", dtype))
        return NULL;
    ax_fp8_params p = {.fmt = (int32_t)fmt};
    return ax__make_op(ctx, AX_OP_FROM_FP8, &codes, 1, &p, sizeof p, dtype, codes->shape, codes->ndim);
}

/* A scale as the primitive takes it: NULL gives float32 1; one element is
 * per-tensor (0-d); n elements shaped (n,), or (n, 1) for `a` / (1, n) for `b`,
 * are per-row of a / per-column of b, as (n, 1) / (1, n). */
static ax_array *scale_of(ax_ctx *ctx, ax_array *s, const char *name, int64_t n, bool rows) {
    if (!s) return ax_scalar(ctx, 1.0, AX_FLOAT32);
    if (s->dtype != AX_FLOAT32 && s->dtype != AX_FLOAT64)
        return ax__error(ctx, AX_ERR_DTYPE, "fp8_matmul: %s must be float32 or float64 (got %s)", name,
                         ax_dtype_name(s->dtype));
    if (s->size == 1) return ax_reshape(ctx, s, NULL, 0);
    const int64_t vec[2] = {rows ? n : 1, rows ? 1 : n};
    bool ok = (s->ndim == 1 && s->shape[0] == n) ||
              (s->ndim == 2 && s->shape[0] == vec[0] && s->shape[1] == vec[1]);
    if (!ok)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "fp8_matmul: %s must hold one element or one per %s: shape (), (1), (%lld) or %s (got %s)",
                         name, rows ? "row of a" : "column of b", (long long)n,
                         rows ? "(M, 1)" : "(1, N)", AX_SHAPE(s));
    return ax_reshape(ctx, s, vec, 2);
}

ax_array *ax_fp8_matmul(ax_ctx *ctx, ax_array *a, ax_array *b, ax_fp8_format fa, ax_fp8_format fb,
                        ax_array *scale_a, ax_array *scale_b, ax_dtype out_dtype) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (!format_ok(ctx, "fp8_matmul", fa) || !format_ok(ctx, "fp8_matmul", fb) ||
        !codes_ok(ctx, "fp8_matmul", "a", a) || !codes_ok(ctx, "fp8_matmul", "b", b) ||
        !float_out_ok(ctx, "fp8_matmul", out_dtype))
        return NULL;
    if (a->ndim != 2 || b->ndim != 2 || a->shape[1] != b->shape[0])
        return ax__error(ctx, AX_ERR_SHAPE,
                         "fp8_matmul: a and b must be matrices (M, K) and (K, N) (got %s and %s)", AX_SHAPE(a),
                         AX_SHAPE(b));
    const int64_t M = a->shape[0], N = b->shape[1];
    ax_array *ins[4] = {a, b, scale_of(ctx, scale_a, "scale_a", M, true), scale_of(ctx, scale_b, "scale_b", N, false)};
    if (!ins[2] || !ins[3]) return NULL;
    /* Row-wise scaling has both scales as vectors (the tensor cores' outer
     * vector mode): a per-tensor scale beside a vector is broadcast. */
    if (ins[2]->ndim != ins[3]->ndim) {
        const int64_t va[2] = {M, 1}, vb[2] = {1, N};
        if (ins[2]->ndim == 0) ins[2] = ax_contiguous(ctx, ax_broadcast_to(ctx, ins[2], va, 2));
        else ins[3] = ax_contiguous(ctx, ax_broadcast_to(ctx, ins[3], vb, 2));
        if (!ins[2] || !ins[3]) return NULL;
    }
    ax_fp8_params p = {.fmt = (int32_t)fa, .fmt_b = (int32_t)fb};
    int64_t shape[2] = {M, N};
    return ax__make_op(ctx, AX_OP_FP8_MATMUL, ins, 4, &p, sizeof p, out_dtype, shape, 2);
}
