/* Conformance cases: fp8 codes (include/ax/fp8.h). Expectations come from
 * the formats' definitions (tests/fp8_ref.h), not from ax's codec. On the GPU
 * (conformance_gpu) they compare the device's codes, values and tensor-core
 * products with the CPU's. ip[0]: a's format (AX_FP8_*), ip[1]: b's, ip[2]:
 * the output dtype of from_fp8 / fp8_matmul. */
#include <math.h>
#include <stdlib.h>

#include "../fp8_ref.h"
#include "ax/fp8.h"
#include "harness.h"

static ax_array *b_to_fp8(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_to_fp8(ctx, in[0], (ax_fp8_format)c->ip[0]);
}

static bool e_to_fp8(const conf_case *c, const double *const *in, const int64_t *const *shapes, const int *ndims,
                     double *out, int64_t n) {
    (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = brute_encode(in[0][i], (int)c->ip[0]);
    return true;
}

static ax_array *b_from_fp8(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax_from_fp8(ctx, in[0], (ax_fp8_format)c->ip[0], (ax_dtype)c->ip[2]);
}

static bool e_from_fp8(const conf_case *c, const double *const *in, const int64_t *const *shapes, const int *ndims,
                       double *out, int64_t n) {
    (void)shapes, (void)ndims;
    for (int64_t i = 0; i < n; i++) out[i] = def_value((int)in[0][i], (int)c->ip[0]);
    return true;
}

/* Finite codes of either format: bit 6 (the exponent's top bit) and bit 3 cleared. */
#define FINITE_MASK 0xb7

static ax_array *b_fp8_matmul(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *m = ax_scalar(ctx, FINITE_MASK, AX_UINT8);
    ax_array *sa = ax_scalar(ctx, 0.75, AX_FLOAT32), *sb = ax_scalar(ctx, 3.0, AX_FLOAT32);
    return ax_fp8_matmul(ctx, ax_bitwise_and(ctx, in[0], m), ax_bitwise_and(ctx, in[1], m), (ax_fp8_format)c->ip[0],
                         (ax_fp8_format)c->ip[1], sa, sb, (ax_dtype)c->ip[2]);
}

static bool e_fp8_matmul(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                         const int *ndims, double *out, int64_t n) {
    (void)ndims, (void)n;
    const int64_t M = shapes[0][0], K = shapes[0][1], N = shapes[1][1];
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += def_value((int)in[0][i * K + k] & FINITE_MASK, (int)c->ip[0]) *
                     def_value((int)in[1][k * N + j] & FINITE_MASK, (int)c->ip[1]);
            out[i * N + j] = 2.25 * s;
        }
    return true;
}

/* The scales as the inputs (the codes fixed inside): what the derivative
 * rules act on, at float32 and float64 (the product in the scales' dtype). */
static ax_array *b_fp8_scales(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    (void)c;
    ax_dtype t = ax_dtype_of(in[0]);
    ax_array *a = ax_to_fp8(ctx, ax_reshape(ctx, ax_sin(ctx, ax_arange(ctx, 0, 48, 1, AX_FLOAT32)), (int64_t[]){4, 12}, 2),
                            AX_FP8_E4M3);
    ax_array *b = ax_to_fp8(ctx,
                            ax_reshape(ctx, ax_multiply(ctx, ax_cos(ctx, ax_arange(ctx, 0, 36, 1, AX_FLOAT32)),
                                                        ax_scalar(ctx, 9.0, AX_FLOAT32)),
                                       (int64_t[]){12, 3}, 2),
                            AX_FP8_E5M2);
    return ax_fp8_matmul(ctx, a, b, AX_FP8_E4M3, AX_FP8_E5M2, in[0], in[1], t);
}

/* Row-wise scales: the scale vectors are the inputs (their layouts vary with
 * the variant; grad and vmap act on them), the codes are fixed, a hash of
 * their index (finite: FINITE_MASK), so expect rebuilds them. A vector
 * input's size is M (input 0) or N (input 1); ip[3] is the size of the side
 * whose scale is one element (per-tensor beside a vector). ip[0], ip[1]: the
 * formats; ip[2]: the output dtype (0: the scales' dtype); ip[4]: K; ip[5]:
 * 1 for b row-major (K, N), 0 for b the transpose of an (N, K) weight
 * (K-contiguous, what the tensor cores take without a copy). */
static uint8_t rw_code(int64_t e, uint32_t salt) {
    uint32_t h = (uint32_t)e * 2654435761u + salt * 40503u;
    h ^= h >> 15, h *= 2246822519u, h ^= h >> 13;
    return (uint8_t)((h >> 24) & FINITE_MASK);
}

static void rw_dims(const conf_case *c, int64_t na, int64_t nb, int64_t *M, int64_t *K, int64_t *N) {
    *M = na == 1 ? c->ip[3] : na, *N = nb == 1 ? c->ip[3] : nb, *K = c->ip[4];
}

static ax_array *b_fp8_rowwise(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    int64_t M, K, N;
    rw_dims(c, ax_size(in[0]), ax_size(in[1]), &M, &K, &N);
    uint8_t *ca = malloc((size_t)(M * K) + 1), *cb = malloc((size_t)(K * N) + 1);
    if (!ca || !cb) {
        free(ca), free(cb);
        return NULL;
    }
    for (int64_t i = 0; i < M * K; i++) ca[i] = rw_code(i, 1);
    /* b[k, j] = code (j, k) of the (N, K) weight */
    for (int64_t j = 0; j < N; j++)
        for (int64_t k = 0; k < K; k++) cb[c->ip[5] ? k * N + j : j * K + k] = rw_code(j * K + k, 2);
    ax_array *a = ax_array_from_data(ctx, ca, AX_UINT8, (int64_t[]){M, K}, 2);
    ax_array *b = c->ip[5] ? ax_array_from_data(ctx, cb, AX_UINT8, (int64_t[]){K, N}, 2)
                           : ax_transpose(ctx, ax_array_from_data(ctx, cb, AX_UINT8, (int64_t[]){N, K}, 2), NULL, 0);
    free(ca), free(cb);
    ax_dtype t = c->ip[2] ? (ax_dtype)c->ip[2] : ax_dtype_of(in[0]);
    return ax_fp8_matmul(ctx, a, b, (ax_fp8_format)c->ip[0], (ax_fp8_format)c->ip[1], in[0], in[1], t);
}

static bool e_fp8_rowwise(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                          const int *ndims, double *out, int64_t n) {
    (void)n;
    int64_t na = 1, nb = 1, M, K, N;
    for (int d = 0; d < ndims[0]; d++) na *= shapes[0][d];
    for (int d = 0; d < ndims[1]; d++) nb *= shapes[1][d];
    rw_dims(c, na, nb, &M, &K, &N);
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += def_value(rw_code(i * K + k, 1), (int)c->ip[0]) * def_value(rw_code(j * K + k, 2), (int)c->ip[1]);
            out[i * N + j] = in[0][na == 1 ? 0 : i] * in[1][nb == 1 ? 0 : j] * s;
        }
    return true;
}

#define U8 CONF_DT(AX_UINT8)
#define F32_64 (CONF_DT(AX_FLOAT32) | CONF_DT(AX_FLOAT64))
#define ALLV CONF_ALL_VARIANTS
/* products: no EMPTY (it empties the first axis of both operands, K and M) */
#define MMV (CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_LARGE)

const conf_case conf_cases_fp8[] = {
    /* encode: each real dtype, around and beyond each format's range */
    {.name = "to_fp8/e4m3", .covers = "to_fp8", .dtypes = CONF_FLOATS | CONF_SINTS, .variants = ALLV, .n_in = 1,
     .ndim = {2}, .shape = {{6, 9}}, .large = {{300, 257}}, .lo = -520, .hi = 520, .build = b_to_fp8,
     .expect = e_to_fp8, .ip = {AX_FP8_E4M3}},
    {.name = "to_fp8/e4m3_small", .covers = "to_fp8", .dtypes = CONF_FLOATS, .variants = ALLV, .n_in = 1,
     .ndim = {2}, .shape = {{6, 9}}, .large = {{300, 257}}, .lo = -0.03, .hi = 0.03, .build = b_to_fp8,
     .expect = e_to_fp8, .ip = {AX_FP8_E4M3}},
    {.name = "to_fp8/e5m2", .covers = "to_fp8", .dtypes = CONF_DT(AX_FLOAT32) | CONF_DT(AX_FLOAT64) | CONF_SINTS,
     .variants = ALLV, .n_in = 1, .ndim = {2}, .shape = {{6, 9}}, .large = {{300, 257}}, .lo = -70000,
     .hi = 70000, .build = b_to_fp8, .expect = e_to_fp8, .ip = {AX_FP8_E5M2}},
    /* decode: every code (NaNs and infinities included) into each float dtype */
    {.name = "from_fp8/e4m3_f32", .covers = "from_fp8", .dtypes = U8, .variants = ALLV, .n_in = 1, .ndim = {2},
     .shape = {{16, 16}}, .large = {{512, 300}}, .lo = 0, .hi = 255, .build = b_from_fp8, .expect = e_from_fp8,
     .ip = {AX_FP8_E4M3, 0, AX_FLOAT32}},
    {.name = "from_fp8/e5m2_bf16", .covers = "from_fp8", .dtypes = U8, .variants = ALLV, .n_in = 1, .ndim = {2},
     .shape = {{16, 16}}, .large = {{512, 300}}, .lo = 0, .hi = 255, .build = b_from_fp8, .expect = e_from_fp8,
     .ip = {AX_FP8_E5M2, 0, AX_BFLOAT16}},
    {.name = "from_fp8/e4m3_f16", .covers = "from_fp8", .dtypes = U8, .variants = CONF_CONTIG, .n_in = 1,
     .ndim = {1}, .shape = {{256}}, .lo = 0, .hi = 255, .build = b_from_fp8, .expect = e_from_fp8,
     .ip = {AX_FP8_E4M3, 0, AX_FLOAT16}},
    {.name = "from_fp8/e5m2_f64", .covers = "from_fp8", .dtypes = U8, .variants = CONF_CONTIG, .n_in = 1,
     .ndim = {1}, .shape = {{256}}, .lo = 0, .hi = 255, .build = b_from_fp8, .expect = e_from_fp8,
     .ip = {AX_FP8_E5M2, 0, AX_FLOAT64}},
    /* products: shapes of 16s (the GPU's tensor cores; transposed and
     * strided views copied first), and odd shapes (the GPU declines). A
     * float32 output from the tensor cores carries their fp8 accumulation,
     * which keeps fewer bits than float32 between promotions to float32:
     * 2-3e-4 of the largest output on an H100 here, hence tol 200 (2e-3; the
     * CPU's float32 product is held to 1e-6 in tests/test_fp8.c) */
    {.name = "fp8_matmul/e4m3_f32", .covers = "fp8_matmul bitwise_and", .dtypes = U8, .variants = MMV, .n_in = 2,
     .ndim = {2, 2}, .shape = {{32, 64}, {64, 48}}, .large = {{256, 512}, {512, 128}}, .lo = 0, .hi = 255,
     .tol = 200, .build = b_fp8_matmul, .expect = e_fp8_matmul, .ip = {AX_FP8_E4M3, AX_FP8_E4M3, AX_FLOAT32}},
    {.name = "fp8_matmul/e4m3_e5m2_bf16", .covers = "fp8_matmul bitwise_and", .dtypes = U8, .variants = MMV,
     .n_in = 2, .ndim = {2, 2}, .shape = {{16, 32}, {32, 16}}, .large = {{128, 256}, {256, 64}}, .lo = 0,
     .hi = 255, .build = b_fp8_matmul, .expect = e_fp8_matmul, .ip = {AX_FP8_E4M3, AX_FP8_E5M2, AX_BFLOAT16}},
    {.name = "fp8_matmul/e5m2_e4m3_f16", .covers = "fp8_matmul bitwise_and", .dtypes = U8, .variants = CONF_CONTIG,
     .n_in = 2, .ndim = {2, 2}, .shape = {{16, 16}, {16, 32}}, .lo = 0, .hi = 255, .build = b_fp8_matmul,
     .expect = e_fp8_matmul, .ip = {AX_FP8_E5M2, AX_FP8_E4M3, AX_FLOAT16}},
    {.name = "fp8_matmul/odd_e5m2", .covers = "fp8_matmul bitwise_and", .dtypes = U8, .variants = MMV, .n_in = 2,
     .ndim = {2, 2}, .shape = {{5, 7}, {7, 3}}, .large = {{100, 130}, {130, 70}}, .lo = 0, .hi = 255, .tol = 4,
     .build = b_fp8_matmul, .expect = e_fp8_matmul, .ip = {AX_FP8_E5M2, AX_FP8_E5M2, AX_FLOAT32}},
    /* the scales as inputs (derivatives, vmap over them) */
    {.name = "fp8_matmul/scales", .covers = "fp8_matmul", .dtypes = F32_64, .variants = CONF_CONTIG, .n_in = 2,
     .ndim = {0, 0}, .lo = 0.25, .hi = 2, .tol = 4, .build = b_fp8_scales},
    /* row-wise scales (the scale vectors as inputs): M, N and K multiples
     * of 16 take the tensor cores (cuBLASLt's outer-vector mode, or a
     * unit-scale product and a scaling pass), so a float32 output carries
     * their fp8 accumulation as fp8_matmul/e4m3_f32 does: tol 200, for the
     * same reason; bfloat16 and float16 outputs are within their own bounds.
     * The float64 cases run on the CPU (the GPU declines float64) and are the
     * gradient check's (conformance_grad runs cases with float64). */
    {.name = "fp8_matmul/rowwise_f32", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT32), .variants = MMV,
     .n_in = 2, .ndim = {1, 1}, .shape = {{32}, {64}}, .large = {{256}, {128}}, .lo = -2, .hi = 2, .tol = 200,
     .build = b_fp8_rowwise, .expect = e_fp8_rowwise, .ip = {AX_FP8_E4M3, AX_FP8_E4M3, AX_FLOAT32, 0, 48, 0}},
    {.name = "fp8_matmul/rowwise_e4m3_e5m2_bf16", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT32),
     .variants = MMV, .n_in = 2, .ndim = {2, 2}, .shape = {{32, 1}, {1, 48}}, .large = {{128, 1}, {1, 256}},
     .lo = -2, .hi = 2, .build = b_fp8_rowwise, .expect = e_fp8_rowwise,
     .ip = {AX_FP8_E4M3, AX_FP8_E5M2, AX_BFLOAT16, 0, 64, 1}},
    /* a per-tensor scale beside a vector, each way */
    {.name = "fp8_matmul/rowwise_mixed_f32", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT32), .variants = MMV,
     .n_in = 2, .ndim = {1, 1}, .shape = {{1}, {64}}, .large = {{1}, {256}}, .lo = -2, .hi = 2, .tol = 200,
     .build = b_fp8_rowwise, .expect = e_fp8_rowwise, .ip = {AX_FP8_E5M2, AX_FP8_E4M3, AX_FLOAT32, 32, 48, 0}},
    {.name = "fp8_matmul/rowwise_mixed_f16", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT32),
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED, .n_in = 2, .ndim = {2, 0}, .shape = {{16, 1}},
     .lo = -2, .hi = 2, .build = b_fp8_rowwise, .expect = e_fp8_rowwise,
     .ip = {AX_FP8_E4M3, AX_FP8_E4M3, AX_FLOAT16, 32, 32, 1}},
    {.name = "fp8_matmul/rowwise_f64", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT64), .variants = MMV,
     .n_in = 2, .ndim = {1, 2}, .shape = {{5}, {1, 6}}, .large = {{100}, {1, 70}}, .lo = -2, .hi = 2,
     .build = b_fp8_rowwise, .expect = e_fp8_rowwise, .ip = {AX_FP8_E4M3, AX_FP8_E5M2, 0, 0, 7, 1}},
    {.name = "fp8_matmul/rowwise_mixed_f64", .covers = "fp8_matmul", .dtypes = CONF_DT(AX_FLOAT64),
     .variants = CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED, .n_in = 2, .ndim = {0, 1}, .shape = {{0}, {6}},
     .lo = -2, .hi = 2, .build = b_fp8_rowwise, .expect = e_fp8_rowwise,
     .ip = {AX_FP8_E5M2, AX_FP8_E5M2, 0, 4, 9, 0}},
    {.name = NULL},
};
