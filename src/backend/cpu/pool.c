/* CPU kernels: max and average pooling over channels-last inputs
 * (N, I..., C). Window tap k of output o reads input o * stride + k - pad
 * when inside the input; max_pool ignores taps in the padding (they hold
 * -inf), avg_pool counts them as zeros and divides by the kernel volume
 * (count_include_pad) or by the number of taps inside the input.
 *
 * Reference: a direct loop per output element over the window, loading any
 * strides, in double (NaN-propagating max). Fast: the input made dense in
 * the compute dtype (float32 for float16/bfloat16/float32, float64 for
 * float64), one pass per output position over the window's valid taps with
 * the channels as the contiguous, vectorized inner loop, in parallel over
 * output positions. */
#include <math.h>

#include "backend/cpu/conv_impl.h"
#include "backend/cpu/gemm_convert.h"
#include "ops/conv_params.h"

#define SP AX_CONV_MAX_SP

typedef struct pool_geom {
    int nsp;
    int64_t N, C, I[SP], K[SP], O[SP], KV, OV;
    const ax_pool_params *p;
    bool is_max;
} pool_geom;

static void pgeom(const ax_node *node, const ax_array *out, pool_geom *g) {
    const ax_pool_params *p = node->params;
    const ax_array *x = node->inputs[0];
    g->p = p;
    g->nsp = p->nsp;
    g->is_max = node->op == AX_OP_MAX_POOL;
    g->N = x->shape[0];
    g->C = x->shape[x->ndim - 1];
    g->KV = g->OV = 1;
    for (int d = 0; d < g->nsp; d++) {
        g->I[d] = x->shape[d + 1];
        g->K[d] = p->kernel[d];
        g->O[d] = out->shape[d + 1];
        g->KV *= g->K[d];
        g->OV *= g->O[d];
    }
}

/* Decompose output row m into image n (returned) and position opos[]. */
static int64_t out_pos(const pool_geom *g, int64_t m, int64_t *opos) {
    for (int d = g->nsp - 1; d >= 0; d--) {
        opos[d] = m % g->O[d];
        m /= g->O[d];
    }
    return m;
}

/* Window tap t of output opos: input coordinates in ipos; false if in padding. */
static bool tap_pos(const pool_geom *g, const int64_t *opos, int64_t t, int64_t *ipos) {
    const ax_pool_params *p = g->p;
    bool valid = true;
    for (int d = g->nsp - 1; d >= 0; d--) {
        int64_t k = t % g->K[d];
        t /= g->K[d];
        int64_t q = opos[d] * p->stride[d] + k - p->pad[d];
        if (q < 0 || q >= g->I[d]) valid = false;
        ipos[d] = q;
    }
    return valid;
}

static void pool_reference(const ax_node *node, ax_array *out) {
    pool_geom g;
    pgeom(node, out, &g);
    const ax_array *x = node->inputs[0];
    ax_dtype xt = x->dtype;
    int64_t xs = (int64_t)ax_dtype_size(xt), os = (int64_t)ax_dtype_size(out->dtype);
    const char *xp = ax__ptr(x);
    char *op = ax__ptr(out);
    int64_t opos[SP], ipos[SP];
    for (int64_t m = 0; m < g.N * g.OV; m++) {
        int64_t n = out_pos(&g, m, opos);
        for (int64_t c = 0; c < g.C; c++) {
            double acc = g.is_max ? -INFINITY : 0;
            int64_t count = 0;
            for (int64_t t = 0; t < g.KV; t++) {
                if (!tap_pos(&g, opos, t, ipos)) continue;
                int64_t off = n * x->strides[0] + c * x->strides[g.nsp + 1];
                for (int d = 0; d < g.nsp; d++) off += ipos[d] * x->strides[d + 1];
                double v = ax__load_f64(xp + off * xs, xt);
                if (g.is_max) acc = (isnan(acc) || v <= acc) && !isnan(v) ? acc : v;
                else acc += v;
                count++;
            }
            if (!g.is_max) acc /= (double)(g.p->count_include_pad ? g.KV : count);
            ax__store_f64(op + (m * g.C + c) * os, out->dtype, acc);
        }
    }
}

typedef struct pool_job {
    const pool_geom *g;
    const char *x;
    char *out;
    bool f64;
} pool_job;

#define POOL_ROWS(T, NAME)                                                                    \
    static void NAME(const pool_job *j, int64_t begin, int64_t end) {                         \
        const pool_geom *g = j->g;                                                            \
        const T *x = (const T *)j->x;                                                         \
        int64_t C = g->C, opos[SP], ipos[SP], xst[SP + 1];                                    \
        xst[g->nsp] = C;                                                                      \
        for (int d = g->nsp - 1; d >= 0; d--) xst[d] = xst[d + 1] * g->I[d];                  \
        for (int64_t m = begin; m < end; m++) {                                               \
            int64_t n = out_pos(g, m, opos);                                                  \
            T *o = (T *)j->out + m * C;                                                       \
            T init = g->is_max ? (T)-INFINITY : (T)0;                                         \
            for (int64_t c = 0; c < C; c++) o[c] = init;                                      \
            int64_t count = 0;                                                                \
            for (int64_t t = 0; t < g->KV; t++) {                                             \
                if (!tap_pos(g, opos, t, ipos)) continue;                                     \
                const T *src = x + n * xst[0];                                                \
                for (int d = 0; d < g->nsp; d++) src += ipos[d] * xst[d + 1];                 \
                count++;                                                                      \
                if (g->is_max)                                                                \
                    for (int64_t c = 0; c < C; c++) {                                         \
                        T v = src[c], a = o[c];                                               \
                        o[c] = (v > a || v != v) && a == a ? v : a;                           \
                    }                                                                         \
                else                                                                          \
                    for (int64_t c = 0; c < C; c++) o[c] += src[c];                           \
            }                                                                                 \
            if (!g->is_max) {                                                                 \
                T inv = (T)1 / (T)(g->p->count_include_pad ? g->KV : count);                  \
                for (int64_t c = 0; c < C; c++) o[c] *= inv;                                  \
            }                                                                                 \
        }                                                                                     \
    }
POOL_ROWS(float, pool_rows_f32)
POOL_ROWS(double, pool_rows_f64)

static void pool_rows(void *ud, int64_t begin, int64_t end) {
    const pool_job *j = ud;
    if (j->f64) pool_rows_f64(j, begin, end);
    else pool_rows_f32(j, begin, end);
}

static ax_status pool_fast(ax_ctx *ctx, const ax_node *node, ax_array *out) {
    pool_geom g;
    pgeom(node, out, &g);
    if (out->size == 0) return AX_OK;
    ax_dtype dt = out->dtype, ct = dt == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32;
    ax_array *xd = ax__conv_dense(ctx, node->inputs[0], ct), *od = NULL;
    if (!xd) return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    if (dt != ct && !(od = ax__conv_temp(ctx, ct, out->shape, out->ndim))) {
        ax_release(xd);
        return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    }
    pool_job j = {.g = &g, .x = ax__ptr(xd), .out = ax__ptr(od ? od : out), .f64 = ct == AX_FLOAT64};
    int64_t work = g.KV * g.C;
    int64_t grain = 16384 / (work > 0 ? work : 1);
    ax__parallel_for(g.N * g.OV, grain < 1 ? 1 : grain, pool_rows, &j);
    if (od) ax__f32_to_half((const float *)ax__ptr(od), dt, (uint16_t *)ax__ptr(out), out->size);
    ax_release(xd);
    ax_release(od);
    return AX_OK;
}

static ax_status k_pool(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    if (ax__cpu_use_reference()) {
        pool_reference(node, out[0]);
        return AX_OK;
    }
    return pool_fast(ctx, node, out[0]);
}

void ax__cpu_register_pool(ax_kernel *table) {
    table[AX_OP_MAX_POOL] = k_pool;
    table[AX_OP_AVG_POOL] = k_pool;
}
