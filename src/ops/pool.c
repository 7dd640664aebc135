/* Pooling ops: MAX_POOL and AVG_POOL primitives over the spatial dims of a
 * channels-last input (N, spatial..., C). Semantics in include/ax/conv.h. */
#include <string.h>

#include "core/internal.h"
#include "ops/conv_params.h"

static ax_array *pool_make(ax_ctx *ctx, const char *name, ax_op op, int nsp, ax_array *x,
                           const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                           bool count_include_pad) {
    if (x->ndim != nsp + 2)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: input must have %d dimensions (N, %s, C), got shape %s",
                         name, nsp + 2, nsp == 1 ? "W" : nsp == 2 ? "H, W" : "D, H, W", AX_SHAPE(x));
    if (!kernel)
        return ax__error(ctx, AX_ERR_VALUE, "%s: kernel size is required (got NULL)", name);
    ax_dtype t = x->dtype;
    if (!ax_dtype_is_inexact(t) || ax_dtype_is_complex(t))
        return ax__error(ctx, AX_ERR_DTYPE,
                         "%s: input must be floating point (float16, bfloat16, float32 or float64), got %s",
                         name, ax_dtype_name(t));
    ax_pool_params p;
    memset(&p, 0, sizeof p);
    p.nsp = nsp;
    p.count_include_pad = count_include_pad;
    int64_t shape[AX_CONV_MAX_SP + 2];
    shape[0] = x->shape[0];
    shape[nsp + 1] = x->shape[nsp + 1];
    for (int d = 0; d < nsp; d++) {
        int64_t k = kernel[d], s = stride ? stride[d] : k, pad = padding ? padding[d] : 0;
        if (k < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: kernel size must be >= 1, got %lld in spatial dim %d",
                             name, (long long)k, d);
        if (s < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: stride must be >= 1, got %lld in spatial dim %d",
                             name, (long long)s, d);
        if (pad < 0 || pad > k / 2)
            return ax__error(ctx, AX_ERR_VALUE,
                             "%s: padding must be between 0 and kernel / 2 = %lld, got %lld in spatial dim %d",
                             name, (long long)(k / 2), (long long)pad, d);
        int64_t in = x->shape[d + 1];
        int64_t o = ax__conv_out_size(in, k, s, pad, pad, 1, 1);
        if (in < 1 || o < 1)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "%s: kernel of size %lld is larger than the padded input of size %lld in "
                             "spatial dim %d (input shape %s, padding %lld): output size would be <= 0",
                             name, (long long)k, (long long)(in + 2 * pad), d, AX_SHAPE(x), (long long)pad);
        p.kernel[d] = k;
        p.stride[d] = s;
        p.pad[d] = pad;
        shape[d + 1] = o;
    }
    return ax__make_op(ctx, op, &x, 1, &p, sizeof p, t, shape, nsp + 2);
}

ax_array *ax_max_pool1d(ax_ctx *ctx, ax_array *input, int64_t kernel, int64_t stride,
                        int64_t padding) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "max_pool1d", AX_OP_MAX_POOL, 1, input, &kernel, &stride, &padding, false);
}
ax_array *ax_max_pool2d(ax_ctx *ctx, ax_array *input, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "max_pool2d", AX_OP_MAX_POOL, 2, input, kernel, stride, padding, false);
}
ax_array *ax_max_pool3d(ax_ctx *ctx, ax_array *input, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "max_pool3d", AX_OP_MAX_POOL, 3, input, kernel, stride, padding, false);
}
ax_array *ax_avg_pool1d(ax_ctx *ctx, ax_array *input, int64_t kernel, int64_t stride,
                        int64_t padding, bool count_include_pad) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "avg_pool1d", AX_OP_AVG_POOL, 1, input, &kernel, &stride, &padding,
                     count_include_pad);
}
ax_array *ax_avg_pool2d(ax_ctx *ctx, ax_array *input, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding, bool count_include_pad) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "avg_pool2d", AX_OP_AVG_POOL, 2, input, kernel, stride, padding,
                     count_include_pad);
}
ax_array *ax_avg_pool3d(ax_ctx *ctx, ax_array *input, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding, bool count_include_pad) {
    AX_CHECK_IN(ctx, input);
    return pool_make(ctx, "avg_pool3d", AX_OP_AVG_POOL, 3, input, kernel, stride, padding,
                     count_include_pad);
}
