/* CPU kernels: fp8 codes (TO_FP8, FROM_FP8, FP8_MATMUL; include/ax/fp8.h).
 * The codec is backend/fp8_codec.h, shared with the CUDA kernels. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/gemm_blas.h"
#include "backend/fp8_codec.h"
#include "ops/fp8_params.h"

typedef struct fp8_ud {
    int fmt;
    ax_dtype t;          /* TO_FP8: the input's dtype; FROM_FP8: the output's */
    const float *values; /* FROM_FP8: the 256 decoded values */
} fp8_ud;

static void encode_loop(char **p, const int64_t *bs, int64_t n, void *ud_) {
    const fp8_ud *ud = ud_;
    uint8_t *o = (uint8_t *)p[0];
    const char *x = p[1];
    if (ud->t == AX_FLOAT32) {
        for (int64_t i = 0; i < n; i++, x += bs[1]) o[i * bs[0]] = ax__fp8_encode_f32(*(const float *)x, ud->fmt);
    } else if (ud->t == AX_FLOAT16 || ud->t == AX_BFLOAT16) { /* exact in float32 */
        for (int64_t i = 0; i < n; i++, x += bs[1])
            o[i * bs[0]] = ax__fp8_encode_f32((float)ax__load_f64(x, ud->t), ud->fmt);
    } else {
        for (int64_t i = 0; i < n; i++, x += bs[1]) o[i * bs[0]] = ax__fp8_encode(ax__load_f64(x, ud->t), ud->fmt);
    }
}

static ax_status k_to_fp8(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_fp8_params *prm = node->params;
    ax_array *x = node->inputs[0];
    fp8_ud ud = {prm->fmt, x->dtype, NULL};
    ax__cpu_ew_loop(out[0], &x, 1, encode_loop, &ud, true);
    return AX_OK;
}

static void decode_table(int fmt, float *v) {
    for (int c = 0; c < 256; c++) v[c] = ax__fp8_decode((uint8_t)c, fmt);
}

static void decode_loop(char **p, const int64_t *bs, int64_t n, void *ud_) {
    const fp8_ud *ud = ud_;
    char *o = p[0];
    const uint8_t *c = (const uint8_t *)p[1];
    if (ud->t == AX_FLOAT32) {
        for (int64_t i = 0; i < n; i++, o += bs[0]) *(float *)o = ud->values[c[i * bs[1]]];
    } else {
        for (int64_t i = 0; i < n; i++, o += bs[0]) ax__store_f64(o, ud->t, ud->values[c[i * bs[1]]]);
    }
}

static ax_status k_from_fp8(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_fp8_params *prm = node->params;
    float values[256];
    decode_table(prm->fmt, values);
    ax_array *c = node->inputs[0];
    fp8_ud ud = {prm->fmt, out[0]->dtype, values};
    ax__cpu_ew_loop(out[0], &c, 1, decode_loop, &ud, true);
    return AX_OK;
}

/* The rows x cols codes of m (any strides) decoded into dst (row-major, ct
 * float32 or float64). */
static void decode_matrix(const ax_array *m, int fmt, ax_dtype ct, void *dst) {
    float values[256];
    decode_table(fmt, values);
    const uint8_t *base = (const uint8_t *)ax__ptr(m);
    const int64_t rows = m->shape[0], cols = m->shape[1], rs = m->strides[0], cs = m->strides[1];
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = values[base[i * rs + j * cs]];
            if (ct == AX_FLOAT32) ((float *)dst)[i * cols + j] = v;
            else ((double *)dst)[i * cols + j] = v;
        }
}

/* Element k of a scale: 0-d (per-tensor) or an (M, 1) / (1, N) vector. */
static double scale_at(const ax_array *s, int64_t k) {
    const int64_t stride = s->ndim == 0 ? 0 : s->shape[0] > 1 ? s->strides[0] : s->strides[1];
    return ax__load_f64((const char *)ax__ptr(s) + k * stride * (int64_t)ax_dtype_size(s->dtype), s->dtype);
}

/* out = scale_a * scale_b * decode(a) @ decode(b): float32 products and sums
 * (double for a float64 output), rounded once to the output dtype; the
 * scales' product for each element is formed in double, then rounded to
 * the accumulation type. */
static ax_status k_fp8_matmul(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_fp8_params *prm = node->params;
    const ax_array *a = node->inputs[0], *b = node->inputs[1];
    ax_array *o = out[0];
    const int64_t M = a->shape[0], K = a->shape[1], N = b->shape[1];
    const ax_array *sa = node->inputs[2], *sb = node->inputs[3];
    const ax_dtype ct = o->dtype == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32;
    const size_t es = ax_dtype_size(ct);
    if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX)
        return ax__fail(ctx, AX_ERR_SHAPE, "fp8_matmul: dimensions beyond 2^31 are not supported on the CPU");
    void *da = malloc((size_t)(M * K) * es + 1), *db = malloc((size_t)(K * N) * es + 1),
         *dc = malloc((size_t)(M * N) * es + 1);
    if (!da || !db || !dc) {
        free(da), free(db), free(dc);
        return ax__fail(ctx, AX_ERR_OOM, "fp8_matmul: out of memory for the decoded matrices");
    }
    decode_matrix(a, prm->fmt, ct, da);
    decode_matrix(b, prm->fmt_b, ct, db);
    if (M > 0 && N > 0) {
        if (K > 0) {
            ax__blas_sync_threads();
            ax__blas_gemm(ct, false, false, (int)M, (int)N, (int)K, 1.0, da, (int)K, db, (int)N, 0.0, dc, (int)N);
        } else {
            memset(dc, 0, (size_t)(M * N) * es);
        }
    }
    char *op = ax__ptr(o);
    const size_t os = ax_dtype_size(o->dtype);
    for (int64_t i = 0; i < M; i++) {
        const double si = scale_at(sa, i);
        for (int64_t j = 0; j < N; j++) {
            const int64_t e = i * N + j;
            const double scale = si * scale_at(sb, j);
            double v = ct == AX_FLOAT32 ? (double)((float)scale * ((float *)dc)[e]) : scale * ((double *)dc)[e];
            if (o->dtype == AX_FLOAT32) ((float *)op)[e] = (float)v;
            else ax__store_f64(op + (size_t)e * os, o->dtype, v);
        }
    }
    free(da), free(db), free(dc);
    return AX_OK;
}

void ax__cpu_register_fp8(ax_kernel *table) {
    table[AX_OP_TO_FP8] = k_to_fp8;
    table[AX_OP_FROM_FP8] = k_from_fp8;
    table[AX_OP_FP8_MATMUL] = k_fp8_matmul;
}
