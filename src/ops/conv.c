/* Convolution ops: one CONV primitive (general N-d, channels-last) behind
 * conv_general, conv1d/2d/3d and conv_transpose1d/2d/3d. A transposed
 * convolution is the convolution with the input dilated by the stride, the
 * kernel flipped and padding dilation * (K - 1) - padding (plus
 * output_padding on the high side), as MLX builds it. Semantics and errors
 * are documented in include/ax/conv.h and docs/conv.md. */
#include <string.h>

#include "core/internal.h"
#include "ops/conv_params.h"

/* Common dtype of input and weight (float16/bfloat16/float32/float64), or
 * AX_DTYPE_COUNT with an error recorded. */
static ax_dtype conv_dtype(ax_ctx *ctx, const char *name, ax_array *x, ax_array *w) {
    ax_dtype t = ax_promote_types(x->dtype, w->dtype);
    if (!ax_dtype_is_inexact(t) || ax_dtype_is_complex(t)) {
        ax__error(ctx, AX_ERR_DTYPE,
                  "%s: input (%s) and weight (%s) must be floating point (float16, bfloat16, "
                  "float32 or float64)",
                  name, ax_dtype_name(x->dtype), ax_dtype_name(w->dtype));
        return AX_DTYPE_COUNT;
    }
    return t;
}

/* Validate shapes and params, then build the CONV node. nsp_want: the
 * number of spatial dims the public op takes (0: any, conv_general). */
static ax_array *conv_make(ax_ctx *ctx, const char *name, ax_array *x, ax_array *w, int nsp_want,
                           const ax_conv_params *in_p) {
    if (x->ndim < 3 || x->ndim > AX_CONV_MAX_SP + 2 || (nsp_want && x->ndim != nsp_want + 2)) {
        if (nsp_want)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "%s: input must have %d dimensions (N, %s, C_in), got shape %s", name,
                             nsp_want + 2, nsp_want == 1 ? "W" : nsp_want == 2 ? "H, W" : "D, H, W",
                             AX_SHAPE(x));
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: input must have 3 to %d dimensions (N, spatial..., C_in), got shape %s",
                         name, AX_CONV_MAX_SP + 2, AX_SHAPE(x));
    }
    if (w->ndim != x->ndim)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: weight %s must have the input's rank %d (C_out, kernel..., C_in / "
                         "groups); input shape %s",
                         name, AX_SHAPE(w), x->ndim, AX_SHAPE(x));
    ax_conv_params p = *in_p;
    int nsp = x->ndim - 2;
    p.nsp = nsp;
    int64_t cin = x->shape[x->ndim - 1], cout = w->shape[0], g = p.groups;
    if (g < 1) return ax__error(ctx, AX_ERR_VALUE, "%s: groups must be >= 1, got %lld", name, (long long)g);
    if (cin % g != 0)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: input channels %lld (input shape %s) are not divisible by groups %lld",
                         name, (long long)cin, AX_SHAPE(x), (long long)g);
    if (cout % g != 0)
        return ax__error(ctx, AX_ERR_SHAPE, "%s: output channels %lld (weight shape %s) are not divisible by groups %lld",
                         name, (long long)cout, AX_SHAPE(w), (long long)g);
    if (w->shape[w->ndim - 1] != cin / g)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "%s: weight %s must have C_in / groups = %lld / %lld = %lld input channels "
                         "(last dim); input shape %s",
                         name, AX_SHAPE(w), (long long)cin, (long long)g, (long long)(cin / g), AX_SHAPE(x));
    int64_t shape[AX_CONV_MAX_SP + 2];
    shape[0] = x->shape[0];
    shape[nsp + 1] = cout;
    for (int d = 0; d < nsp; d++) {
        if (p.stride[d] < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: stride must be >= 1, got %lld in spatial dim %d",
                             name, (long long)p.stride[d], d);
        if (p.kdil[d] < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: dilation must be >= 1, got %lld in spatial dim %d",
                             name, (long long)p.kdil[d], d);
        if (p.idil[d] < 1)
            return ax__error(ctx, AX_ERR_VALUE,
                             "%s: input dilation must be >= 1, got %lld in spatial dim %d", name,
                             (long long)p.idil[d], d);
        int64_t in = x->shape[d + 1], k = w->shape[d + 1];
        if (in < 1 || k < 1)
            return ax__error(ctx, AX_ERR_SHAPE, "%s: spatial dim %d has size 0 (input %s, weight %s)",
                             name, d, AX_SHAPE(x), AX_SHAPE(w));
        int64_t o = ax__conv_out_size(in, k, p.stride[d], p.pad_lo[d], p.pad_hi[d], p.kdil[d], p.idil[d]);
        if (o < 1)
            return ax__error(ctx, AX_ERR_SHAPE,
                             "%s: kernel of size %lld (dilation %lld) is larger than the padded input "
                             "of size %lld in spatial dim %d (input %s, weight %s, padding %lld/%lld, "
                             "input dilation %lld): output size would be <= 0",
                             name, (long long)k, (long long)p.kdil[d],
                             (long long)((in - 1) * p.idil[d] + 1 + p.pad_lo[d] + p.pad_hi[d]), d,
                             AX_SHAPE(x), AX_SHAPE(w), (long long)p.pad_lo[d], (long long)p.pad_hi[d],
                             (long long)p.idil[d]);
        shape[d + 1] = o;
    }
    ax_dtype t = conv_dtype(ctx, name, x, w);
    if (t == AX_DTYPE_COUNT) return NULL;
    ax_array *in[2] = {x, w};
    if (x->dtype != t && !(in[0] = ax_astype(ctx, x, t))) return NULL;
    if (w->dtype != t && !(in[1] = ax_astype(ctx, w, t))) return NULL;
    return ax__make_op(ctx, AX_OP_CONV, in, 2, &p, sizeof p, t, shape, nsp + 2);
}

/* Fill per-dim arrays (NULL: def) for nsp dims. */
static void fill(int64_t *dst, const int64_t *src, int nsp, int64_t def) {
    for (int d = 0; d < nsp; d++) dst[d] = src ? src[d] : def;
}

ax_array *ax_conv_general(ax_ctx *ctx, ax_array *input, ax_array *weight, const int64_t *stride,
                          const int64_t *padding_lo, const int64_t *padding_hi,
                          const int64_t *kernel_dilation, const int64_t *input_dilation,
                          int64_t groups, bool flip) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    ax_conv_params p;
    memset(&p, 0, sizeof p);
    int nsp = input->ndim - 2;
    if (nsp >= 1 && nsp <= AX_CONV_MAX_SP) {
        fill(p.stride, stride, nsp, 1);
        fill(p.pad_lo, padding_lo, nsp, 0);
        fill(p.pad_hi, padding_hi, nsp, 0);
        fill(p.kdil, kernel_dilation, nsp, 1);
        fill(p.idil, input_dilation, nsp, 1);
    }
    p.groups = groups;
    p.flip = flip;
    return conv_make(ctx, "conv_general", input, weight, 0, &p);
}

static ax_array *conv_nd(ax_ctx *ctx, const char *name, int nsp, ax_array *x, ax_array *w,
                         const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                         int64_t groups) {
    ax_conv_params p;
    memset(&p, 0, sizeof p);
    fill(p.stride, stride, nsp, 1);
    fill(p.pad_lo, padding, nsp, 0);
    fill(p.pad_hi, padding, nsp, 0);
    fill(p.kdil, dilation, nsp, 1);
    fill(p.idil, NULL, nsp, 1);
    p.groups = groups;
    for (int d = 0; d < nsp; d++)
        if (p.pad_lo[d] < 0)
            return ax__error(ctx, AX_ERR_VALUE, "%s: padding must be >= 0, got %lld in spatial dim %d",
                             name, (long long)p.pad_lo[d], d);
    return conv_make(ctx, name, x, w, nsp, &p);
}

ax_array *ax_conv1d(ax_ctx *ctx, ax_array *input, ax_array *weight, int64_t stride,
                    int64_t padding, int64_t dilation, int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_nd(ctx, "conv1d", 1, input, weight, &stride, &padding, &dilation, groups);
}

ax_array *ax_conv2d(ax_ctx *ctx, ax_array *input, ax_array *weight, const int64_t *stride,
                    const int64_t *padding, const int64_t *dilation, int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_nd(ctx, "conv2d", 2, input, weight, stride, padding, dilation, groups);
}

ax_array *ax_conv3d(ax_ctx *ctx, ax_array *input, ax_array *weight, const int64_t *stride,
                    const int64_t *padding, const int64_t *dilation, int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_nd(ctx, "conv3d", 3, input, weight, stride, padding, dilation, groups);
}

/* conv_transpose as conv_general: input dilation = stride, flipped kernel,
 * padding dilation * (K - 1) - padding (+ output_padding on the high side). */
static ax_array *conv_transpose_nd(ax_ctx *ctx, const char *name, int nsp, ax_array *x,
                                   ax_array *w, const int64_t *stride, const int64_t *padding,
                                   const int64_t *dilation, const int64_t *output_padding,
                                   int64_t groups) {
    if (x->ndim != nsp + 2 || w->ndim != nsp + 2) /* conv_make words the error */
        return conv_make(ctx, name, x, w, nsp, &(ax_conv_params){.groups = groups});
    ax_conv_params p;
    memset(&p, 0, sizeof p);
    for (int d = 0; d < nsp; d++) {
        int64_t s = stride ? stride[d] : 1, pad = padding ? padding[d] : 0;
        int64_t dil = dilation ? dilation[d] : 1, op = output_padding ? output_padding[d] : 0;
        if (s < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: stride must be >= 1, got %lld in spatial dim %d",
                             name, (long long)s, d);
        if (dil < 1)
            return ax__error(ctx, AX_ERR_VALUE, "%s: dilation must be >= 1, got %lld in spatial dim %d",
                             name, (long long)dil, d);
        if (pad < 0)
            return ax__error(ctx, AX_ERR_VALUE, "%s: padding must be >= 0, got %lld in spatial dim %d",
                             name, (long long)pad, d);
        if (op < 0 || (op >= s && op >= dil))
            return ax__error(ctx, AX_ERR_VALUE,
                             "%s: output_padding %lld in spatial dim %d must be >= 0 and smaller than "
                             "stride (%lld) or dilation (%lld)",
                             name, (long long)op, d, (long long)s, (long long)dil);
        int64_t k = w->shape[d + 1];
        p.stride[d] = 1;
        p.idil[d] = s;
        p.kdil[d] = dil;
        p.pad_lo[d] = dil * (k - 1) - pad;
        p.pad_hi[d] = dil * (k - 1) - pad + op;
    }
    p.groups = groups;
    p.flip = 1;
    return conv_make(ctx, name, x, w, nsp, &p);
}

ax_array *ax_conv_transpose1d(ax_ctx *ctx, ax_array *input, ax_array *weight, int64_t stride,
                              int64_t padding, int64_t dilation, int64_t output_padding,
                              int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_transpose_nd(ctx, "conv_transpose1d", 1, input, weight, &stride, &padding,
                             &dilation, &output_padding, groups);
}

ax_array *ax_conv_transpose2d(ax_ctx *ctx, ax_array *input, ax_array *weight,
                              const int64_t *stride, const int64_t *padding,
                              const int64_t *dilation, const int64_t *output_padding,
                              int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_transpose_nd(ctx, "conv_transpose2d", 2, input, weight, stride, padding, dilation,
                             output_padding, groups);
}

ax_array *ax_conv_transpose3d(ax_ctx *ctx, ax_array *input, ax_array *weight,
                              const int64_t *stride, const int64_t *padding,
                              const int64_t *dilation, const int64_t *output_padding,
                              int64_t groups) {
    AX_CHECK_IN(ctx, input);
    AX_CHECK_IN(ctx, weight);
    return conv_transpose_nd(ctx, "conv_transpose3d", 3, input, weight, stride, padding, dilation,
                             output_padding, groups);
}
