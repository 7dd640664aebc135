/* CUDA kernels: convolution (CONV) and pooling (MAX_POOL, AVG_POOL).
 *
 * Semantics are the CPU's (src/backend/cpu/conv.c, pool.c, docs/conv.md):
 * channels-last N-d convolution with stride, padding (asymmetric, negative),
 * kernel and input dilation, groups and flip. Two paths:
 *   - GEMM: out[M x C_out] = cols[M x KV*C_in/G] @ W^T per group, M = N *
 *     prod(O) output positions, KV the kernel volume. The columns come from
 *     an im2col kernel (kernels/conv.cu) that honours every parameter (flip
 *     by pairing weight tap t with the reversed data tap, so the weight is
 *     used in place); they are built for at most COLS_BYTES per chunk of
 *     output rows, so memory stays bounded. Each group is one cuBLASLt
 *     product (ax__cuda_gemm, matmul.c) per chunk, writing its block of
 *     output columns (not one strided batch: the groups' output blocks
 *     interleave within rows). A 1x1
 *     convolution with stride 1, no padding and no dilation whose input rows
 *     are one strided matrix skips the columns. float16/bfloat16 multiply
 *     with float32 accumulation, rounded once; float32 is full precision
 *     unless AX_CUDA_TF32=1 (see matmul.c).
 *   - Direct (kernels/conv.cu), one thread per output element: used when a
 *     group has at most DIRECT_MAX_WIDTH input or output channels
 *     (depthwise convolutions and the like), where a GEMM would be a
 *     product of width 1 or 2.
 * Pooling: one thread per output element (kernels/pool.cu), in float32
 * (float64 for float64) in tap order, as the CPU's fast kernel.
 *
 * Declined (the CPU runs them): dtypes other than float16, bfloat16,
 * float32 and float64 (the ops produce no others), KV * C_in/G > INT_MAX,
 * and products cuBLASLt has no algorithm for (see matmul.c). */
#include <limits.h>
#include <string.h>

#include "backend/cuda/conv.h"
#include "backend/cuda/kernels/conv.h"
#include "backend/cuda/kernels/pool.h"
#include "ops/conv_params.h"

#define COLS_BYTES ((int64_t)256 << 20)
#define DIRECT_MAX_WIDTH 2

_Static_assert(AX_CU_CONV_MAX_SP == AX_CONV_MAX_SP, "conv descriptor rank");
_Static_assert(AX_CU_POOL_MAX_SP == AX_CONV_MAX_SP, "pool descriptor rank");

static bool float_dtype(ax_dtype t) {
    return t == AX_FLOAT16 || t == AX_BFLOAT16 || t == AX_FLOAT32 || t == AX_FLOAT64;
}

/* Is the dim range [from, to) of a row-major dense block (stride 1 at the
 * end; size-1 dims ignored)? */
static bool dense_block(const ax_array *a, int from, int to) {
    int64_t expect = 1;
    for (int d = to - 1; d >= from; d--) {
        if (a->shape[d] == 1) continue;
        if (a->strides[d] != expect) return false;
        expect *= a->shape[d];
    }
    return true;
}

/* Do dims [0, to) of x collapse to one stride (*rs) over their combined
 * index? */
static bool rows_collapse(const ax_array *x, int to, int64_t *rs) {
    bool first = true;
    int64_t expect = 0;
    *rs = 0;
    for (int d = to - 1; d >= 0; d--) {
        if (x->shape[d] == 1) continue;
        if (first) {
            *rs = x->strides[d];
            first = false;
        } else if (x->strides[d] != expect) {
            return false;
        }
        expect = x->strides[d] * x->shape[d];
    }
    return true;
}

static ax_status k_conv(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const char *op = "conv";
    const ax_conv_params *p = node->params;
    ax_array *out = outs[0], *x = node->inputs[0], *w = node->inputs[1];
    ax_dtype dt = out->dtype;
    if (!float_dtype(dt) || x->dtype != dt || w->dtype != dt) return AX__DECLINE;
    int nsp = p->nsp;
    if (nsp < 1 || nsp > AX_CONV_MAX_SP || x->ndim != nsp + 2 || w->ndim != nsp + 2) return AX__DECLINE;
    if (out->size == 0) return AX_OK;

    ax_cu_conv g;
    memset(&g, 0, sizeof g);
    g.nsp = nsp;
    g.flip = p->flip != 0;
    g.N = x->shape[0];
    g.cin = x->shape[nsp + 1];
    g.cout = w->shape[0];
    g.G = p->groups;
    g.cin_g = g.cin / g.G;
    g.cout_g = g.cout / g.G;
    g.KV = g.OV = 1;
    for (int d = 0; d < nsp; d++) {
        g.I[d] = x->shape[d + 1];
        g.K[d] = w->shape[d + 1];
        g.O[d] = out->shape[d + 1];
        g.stride[d] = p->stride[d];
        g.pad_lo[d] = p->pad_lo[d];
        g.kdil[d] = p->kdil[d];
        g.idil[d] = p->idil[d];
        g.KV *= g.K[d];
        g.OV *= g.O[d];
    }
    for (int d = 0; d < nsp + 2; d++) {
        g.xs[d] = x->strides[d];
        g.ws[d] = w->strides[d];
    }
    cudaStream_t stream = ax__cuda_stream();
    size_t es = ax_dtype_size(dt);
    int64_t kc = g.KV * g.cin_g, M = g.N * g.OV;
    if (kc > INT_MAX) return AX__DECLINE; /* the kernels index taps in 32 bits */
    if (kc == 0) /* no input channels: zeros */
        return ax__cuda_check(ctx, cudaMemsetAsync(ax__dptr(out), 0, (size_t)out->size * es, stream), op);

    if (g.cin_g <= DIRECT_MAX_WIDTH || g.cout_g <= DIRECT_MAX_WIDTH)
        return ax__cuda_check(ctx, ax_cu_conv_direct(&g, (int)dt, ax__dptr(x), ax__dptr(w),
                                                     ax__dptr(out), stream), op);

    /* the weight as the (C_out x kc) matrix, rows w_rs apart */
    void *wtmp = NULL, *cols = NULL;
    const char *wp = ax__dptr(w);
    int64_t w_rs = w->strides[0];
    ax_status st = AX_OK;
    if (!dense_block(w, 1, nsp + 2) || (g.cout > 1 && w_rs < kc)) {
        if ((st = ax__cuda_dense_copy(ctx, w, &wtmp, op)) != AX_OK) return st;
        wp = wtmp;
        w_rs = kc;
    }
    /* one product per group: B = W_g^T (kc x cout_g), D = the group's
     * columns of the output rows (row stride C_out) */
    ax_cuda_gemm gm = {.dtype = dt, .N = g.cout_g, .K = kc, .batch = 1, .b_rs = 1, .b_cs = w_rs,
                       .d_ld = g.cout, .alpha = 1, .beta = 0};

    bool pointwise = true;
    for (int d = 0; d < nsp; d++)
        if (g.K[d] != 1 || g.stride[d] != 1 || g.pad_lo[d] != 0 || p->pad_hi[d] != 0 ||
            g.idil[d] != 1)
            pointwise = false;
    int64_t x_rs;
    if (pointwise && (g.cin == 1 || g.xs[nsp + 1] == 1) && rows_collapse(x, nsp + 1, &x_rs) &&
        (M == 1 || x_rs >= g.cin)) {
        /* the input is the (M x C_in) matrix */
        gm.M = M;
        gm.a_rs = M == 1 ? g.cin : x_rs;
        gm.a_cs = 1;
        for (int64_t grp = 0; grp < g.G && st == AX_OK; grp++) {
            gm.a = ax__dptr(x) + grp * g.cin_g * (int64_t)es;
            gm.b = wp + grp * g.cout_g * w_rs * (int64_t)es;
            gm.d = ax__dptr(out) + grp * g.cout_g * (int64_t)es;
            st = ax__cuda_gemm(ctx, &gm, op);
        }
        goto done;
    }
    {
        int64_t row_bytes = g.G * kc * (int64_t)es;
        int64_t rows = COLS_BYTES / row_bytes;
        if (rows < 1) rows = 1;
        if (rows > M) rows = M;
        cols = ax__cuda_malloc(ctx, (size_t)(rows * row_bytes), op);
        if (!cols) {
            st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
            goto done;
        }
        for (int64_t m0 = 0; m0 < M && st == AX_OK; m0 += rows) {
            int64_t mt = M - m0 < rows ? M - m0 : rows;
            st = ax__cuda_check(ctx, ax_cu_conv_im2col(&g, (int)dt, ax__dptr(x), cols, m0, mt, stream), op);
            if (st != AX_OK) break;
            gm.M = mt;
            gm.a_rs = kc;
            gm.a_cs = 1;
            for (int64_t grp = 0; grp < g.G && st == AX_OK; grp++) {
                gm.a = (char *)cols + grp * mt * kc * (int64_t)es;
                gm.b = wp + grp * g.cout_g * w_rs * (int64_t)es;
                gm.d = ax__dptr(out) + (m0 * g.cout + grp * g.cout_g) * (int64_t)es;
                st = ax__cuda_gemm(ctx, &gm, op);
            }
        }
    }
done:
    /* stream-ordered frees: valid for the work queued above */
    if (cols) ax__cuda_free(cols);
    if (wtmp) ax__cuda_free(wtmp);
    return st;
}

static ax_status k_pool(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_pool_params *p = node->params;
    ax_array *out = outs[0], *x = node->inputs[0];
    ax_dtype dt = out->dtype;
    const char *op = node->op == AX_OP_MAX_POOL ? "max_pool" : "avg_pool";
    int nsp = p->nsp;
    if (!float_dtype(dt) || x->dtype != dt) return AX__DECLINE;
    if (nsp < 1 || nsp > AX_CONV_MAX_SP || x->ndim != nsp + 2) return AX__DECLINE;
    if (out->size == 0) return AX_OK;
    ax_cu_pool g;
    memset(&g, 0, sizeof g);
    g.nsp = nsp;
    g.is_max = node->op == AX_OP_MAX_POOL;
    g.count_include_pad = p->count_include_pad != 0;
    g.N = x->shape[0];
    g.C = x->shape[nsp + 1];
    g.KV = g.OV = 1;
    for (int d = 0; d < nsp; d++) {
        g.I[d] = x->shape[d + 1];
        g.K[d] = p->kernel[d];
        g.O[d] = out->shape[d + 1];
        g.stride[d] = p->stride[d];
        g.pad[d] = p->pad[d];
        g.KV *= g.K[d];
        g.OV *= g.O[d];
    }
    for (int d = 0; d < nsp + 2; d++) g.xs[d] = x->strides[d];
    return ax__cuda_check(ctx, ax_cu_pool_run(&g, (int)dt, ax__dptr(x), ax__dptr(out), ax__cuda_stream()), op);
}

void ax__cuda_register_conv(ax_kernel *table) {
    table[AX_OP_CONV] = k_conv;
    table[AX_OP_MAX_POOL] = k_pool;
    table[AX_OP_AVG_POOL] = k_pool;
}
