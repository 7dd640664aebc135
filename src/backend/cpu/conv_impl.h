/* Internal to the CPU convolution/pooling kernels (conv.c, conv_*.c, pool.c). */
#ifndef AX_CPU_CONV_IMPL_H
#define AX_CPU_CONV_IMPL_H

#include "backend/cpu/cpu.h"
#include "ops/conv_params.h"

#define SP AX_CONV_MAX_SP

/* Geometry of a CONV node. */

typedef struct conv_geom {
    int nsp;
    int64_t N, cin, cout, G, cin_g, cout_g;
    int64_t I[SP], K[SP], O[SP];
    int64_t KV, OV; /* kernel volume, output positions per image */
    const ax_conv_params *p;
} conv_geom;

static inline void ax__conv_geom(const ax_node *node, const ax_array *out, conv_geom *g) {
    const ax_conv_params *p = node->params;
    const ax_array *x = node->inputs[0], *w = node->inputs[1];
    g->p = p;
    g->nsp = p->nsp;
    g->N = x->shape[0];
    g->cin = x->shape[x->ndim - 1];
    g->cout = w->shape[0];
    g->G = p->groups;
    g->cin_g = g->cin / g->G;
    g->cout_g = g->cout / g->G;
    g->KV = 1;
    g->OV = 1;
    for (int d = 0; d < g->nsp; d++) {
        g->I[d] = x->shape[d + 1];
        g->K[d] = w->shape[d + 1];
        g->O[d] = out->shape[d + 1];
        g->KV *= g->K[d];
        g->OV *= g->O[d];
    }
}

/* Input index along dim d for output o and tap k, or -1 for a zero (padding
 * or a hole of the input dilation). */
static inline int64_t in_index(const ax_conv_params *p, int d, int64_t o, int64_t k, int64_t I) {
    int64_t q = o * p->stride[d] + k * p->kdil[d] - p->pad_lo[d];
    if (q < 0) return -1;
    int64_t dl = p->idil[d];
    if (dl > 1) {
        if (q % dl) return -1;
        q /= dl;
    }
    return q < I ? q : -1;
}


/* Pooling kernels (pool.c); conv.c's ax__cpu_register_conv calls it. */
void ax__cpu_register_pool(ax_kernel *table);

/* A temporary row-major array of dtype t and the given shape with a pool
 * buffer; NULL on OOM (error recorded). Release with ax_release. */
ax_array *ax__conv_temp(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int ndim);
/* x as a row-major array of dtype t: x itself (a new reference) when it
 * already is, else a converted copy. NULL on OOM. */
ax_array *ax__conv_dense(ax_ctx *ctx, ax_array *x, ax_dtype t);

/* Depthwise convolution (C_in / groups == 1) in the compute dtype ct
 * (float32 or float64): x dense (N, I..., C_in), w dense (C_out, K...) with
 * the flip already applied, out dense (N, O..., C_out). Channels are the
 * vectorized inner loop; parallel over output positions. Returns false on
 * OOM (error recorded). */
bool ax__conv_depthwise(ax_ctx *ctx, const conv_geom *g, ax_dtype ct, const char *x,
                        const char *w, char *out);

/* Direct AVX-512 float32 convolution (conv_direct.c): usable when
 * ax__conv_direct_ok (one group, 1 or 2 spatial dims, no input dilation,
 * padding >= 0, C_out % 16 == 0, AVX-512 built in). x dense (N, I..., C_in),
 * w dense (C_out, K..., C_in) flip applied, out dense. false on OOM. */
bool ax__conv_direct_ok(const conv_geom *g, ax_dtype ct);
bool ax__conv_direct(ax_ctx *ctx, const conv_geom *g, const float *x, const float *w, float *out);

#endif
