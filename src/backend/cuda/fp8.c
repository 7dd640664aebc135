/* CUDA kernels: fp8 codes (TO_FP8, FROM_FP8, FP8_MATMUL; include/ax/fp8.h).
 *
 * TO_FP8 / FROM_FP8 run the CPU's codec on the device (kernels/fp8.cu): the
 * same bits. FP8_MATMUL runs on the fp8 tensor cores through cuBLASLt, on
 * devices of compute capability 8.9 and later, with float32 accumulation
 * (cuBLASLt's default, not its fast-accumulation mode) and the scales read
 * from device memory: per-tensor, or row-wise in cuBLASLt's outer-vector
 * mode (where the library lacks it, a unit-scale float32 product and a
 * scaling pass, k_fp8_scale_outer). cuBLASLt's fp8 rules, as ours: it computes
 * the column-major D^T = B^T A^T (cuBLASLt's "A" is our b), wants its A
 * transposed and its B not ("TN"), i.e. our b K-contiguous (the transpose of
 * an (N, K) row-major weight) and our a row-major; other layouts are copied
 * (b transposed by ax_cu_transpose_u8) first. Declined (the CPU runs them):
 * both operands E5M2 (no such tensor-core product), a float64 output or
 * scale, M, N
 * or K not a multiple of 16 (or 0), leading dimensions not a multiple of 16,
 * devices before 8.9, and problems cuBLASLt offers no algorithm for.
 * Accumulation order differs from the CPU's BLAS: results agree to float
 * rounding (and the output's), not bitwise. */
#include <cublasLt.h>
#include <stdlib.h>
#include <string.h>

#include "ax/device.h"
#include "backend/cuda/conv.h"
#include "backend/cuda/kernels/fp8.h"
#include "backend/fp8_codec.h"
#include "ops/fp8_params.h"

/* TO_FP8 and FROM_FP8: operand 1 coded into, or decoded from, operand 0. */
static ax_status k_codec(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_fp8_params *p = node->params;
    ax_array *x = node->inputs[0];
    ax_cu_ew l;
    if (!ax__cu_ew_layout(outs[0], &x, 1, &l)) return AX__DECLINE;
    const bool enc = node->op == AX_OP_TO_FP8;
    cudaStream_t st = ax__cuda_stream();
    cudaError_t e = enc ? ax_cu_fp8_encode(&l, p->fmt, st) : ax_cu_fp8_decode(&l, p->fmt, st);
    return ax__cuda_check(ctx, e, enc ? "to_fp8" : "from_fp8");
}

/* ---------------------------------------------------------------- products */

static cudaDataType_t lt_fp8(int fmt) { return fmt == AX__FP8_E4M3 ? CUDA_R_8F_E4M3 : CUDA_R_8F_E5M2; }

/* How lt_fp8_call scales: sa and sb each one float32 (per-tensor), vectors
 * of M and N float32 (cuBLASLt's outer-vector mode), or no scales (1). */
typedef enum { SCALE_TENSOR, SCALE_OUTER, SCALE_NONE } scale_mode;

/* One cuBLASLt fp8 product: row-major d (M x N) = sa * sb * a @ b, a
 * row-major (row stride lda), b K-contiguous (column stride ldb). */
static ax_status lt_fp8_call(ax_ctx *ctx, const ax_fp8_params *p, int64_t M, int64_t N, int64_t K, const void *a,
                             int64_t lda, const void *b, int64_t ldb, void *d, ax_dtype out, scale_mode mode,
                             const void *sa, const void *sb) {
    void *hv = NULL;
    ax_status st = ax__cuda_lt_handle(ctx, &hv, "fp8_matmul");
    if (st != AX_OK) return st;
    cublasLtHandle_t h = hv;
    cudaDataType_t dt = out == AX_FLOAT32 ? CUDA_R_32F : out == AX_BFLOAT16 ? CUDA_R_16BF : CUDA_R_16F;
    cublasOperation_t opA = CUBLAS_OP_T, opB = CUBLAS_OP_N;
    cublasLtMatmulDesc_t desc = NULL;
    cublasLtMatrixLayout_t lA = NULL, lB = NULL, lD = NULL;
    bool declined_early = false;
    cublasStatus_t s = cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA);
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB);
    /* cuBLASLt's A is our b, its B our a: their scales swap too (its M is
     * our N, so its A's outer vector is our column scales) */
    if (s == CUBLAS_STATUS_SUCCESS && mode != SCALE_NONE)
        s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &sb, sizeof sb);
    if (s == CUBLAS_STATUS_SUCCESS && mode != SCALE_NONE)
        s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &sa, sizeof sa);
    if (s == CUBLAS_STATUS_SUCCESS && mode == SCALE_OUTER) {
        const int32_t outer = CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F;
        s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &outer, sizeof outer);
        if (s == CUBLAS_STATUS_SUCCESS)
            s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &outer, sizeof outer);
        /* an older cuBLASLt without the mode: the two-step path instead */
        if (s == CUBLAS_STATUS_INVALID_VALUE || s == CUBLAS_STATUS_NOT_SUPPORTED) declined_early = true;
    }
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatrixLayoutCreate(&lA, lt_fp8(p->fmt_b), (uint64_t)K, (uint64_t)N, ldb);
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatrixLayoutCreate(&lB, lt_fp8(p->fmt), (uint64_t)K, (uint64_t)M, lda);
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatrixLayoutCreate(&lD, dt, (uint64_t)N, (uint64_t)M, N);
    const int64_t key[] = {ax__cuda_device(), p->fmt, p->fmt_b, M, N, K, lda, ldb, out,
                           ((uintptr_t)a | (uintptr_t)b | (uintptr_t)d) % 256, mode};
    cublasLtMatmulAlgo_t algo;
    bool found = false;
    if (s == CUBLAS_STATUS_SUCCESS && !declined_early)
        s = ax__cuda_lt_algo(h, desc, lA, lB, lD, NULL, AX_CUDA_LT_FP8, key, (int)(sizeof key / sizeof *key), &algo,
                             &found);
    const bool declined = declined_early || (s == CUBLAS_STATUS_SUCCESS && !found);
    if (declined) s = CUBLAS_STATUS_SUCCESS;
    void *ws = NULL;
    if (s == CUBLAS_STATUS_SUCCESS && !declined) {
        ws = ax__cuda_malloc(ctx, AX_CUDA_LT_WORKSPACE, "fp8_matmul");
        if (!ws) st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    }
    if (s == CUBLAS_STATUS_SUCCESS && !declined && ws) {
        const float one = 1.0f, zero = 0.0f;
        s = cublasLtMatmul(h, desc, &one, b, lA, a, lB, &zero, d, lD, d, lD, &algo, ws, AX_CUDA_LT_WORKSPACE, ax__cuda_stream());
    }
    if (ws) ax__cuda_free(ws);
    if (lD) cublasLtMatrixLayoutDestroy(lD);
    if (lB) cublasLtMatrixLayoutDestroy(lB);
    if (lA) cublasLtMatrixLayoutDestroy(lA);
    if (desc) cublasLtMatmulDescDestroy(desc);
    if (declined) return AX__DECLINE;
    if (st != AX_OK) return st;
    return ax__cuda_lib_check(ctx, (int)s, "cublasLt", "fp8_matmul");
}

/* A scale vector's float32 values, dense on the device: the array's own
 * memory, or a copy (*copy, freed by the caller). */
static ax_status dense_vector(ax_ctx *ctx, const ax_array *v, const float **ptr, void **copy) {
    const int64_t stride = v->shape[0] > 1 ? v->strides[0] : v->strides[1];
    *copy = NULL;
    if (v->size <= 1 || stride == 1) {
        *ptr = (const float *)ax__dptr(v);
        return AX_OK;
    }
    ax_status st = ax__cuda_dense_copy(ctx, v, copy, "fp8_matmul");
    *ptr = *copy;
    return st;
}

/* Row-wise scales: cuBLASLt's outer-vector mode where it has one (not with
 * AX_CUDA_FP8_OUTER_VEC=0, which tests use to reach the other path), else a
 * unit-scale float32 product and a scaling pass (k_fp8_scale_outer). */
static ax_status rowwise(ax_ctx *ctx, const ax_fp8_params *p, int64_t M, int64_t N, int64_t K, const void *a,
                         int64_t lda, const void *b, int64_t ldb, ax_array *o, const ax_array *va, const ax_array *vb) {
    const float *sa = NULL, *sb = NULL;
    void *ca = NULL, *cb = NULL, *tmp = NULL;
    ax_status st = dense_vector(ctx, va, &sa, &ca);
    if (st == AX_OK) st = dense_vector(ctx, vb, &sb, &cb);
    const char *env = getenv("AX_CUDA_FP8_OUTER_VEC");
    bool outer = !(env && strcmp(env, "0") == 0);
    if (st == AX_OK && outer) {
        st = lt_fp8_call(ctx, p, M, N, K, a, lda, b, ldb, ax__dptr(o), o->dtype, SCALE_OUTER, sa, sb);
        outer = st != AX__DECLINE;
        if (st == AX__DECLINE) st = AX_OK;
    }
    if (st == AX_OK && !outer) {
        tmp = ax__cuda_malloc(ctx, (size_t)(M * N) * sizeof(float), "fp8_matmul");
        if (!tmp) st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
        if (st == AX_OK) st = lt_fp8_call(ctx, p, M, N, K, a, lda, b, ldb, tmp, AX_FLOAT32, SCALE_NONE, NULL, NULL);
        if (st == AX_OK)
            st = ax__cuda_check(ctx, ax_cu_fp8_scale_outer(ax__dptr(o), (int)o->dtype, tmp, sa, sb, M, N,
                                                           ax__cuda_stream()),
                                "fp8_matmul");
    }
    if (tmp) ax__cuda_free(tmp);
    if (ca) ax__cuda_free(ca);
    if (cb) ax__cuda_free(cb);
    return st;
}

static bool has_fp8_cores(void) { return ax_gpu_compute_capability(ax__cuda_device()) >= 89; }

static ax_status k_fp8_matmul(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_fp8_params *p = node->params;
    const ax_array *a = node->inputs[0], *b = node->inputs[1];
    ax_array *o = outs[0];
    const int64_t M = a->shape[0], K = a->shape[1], N = b->shape[1];
    if ((p->fmt == AX__FP8_E5M2 && p->fmt_b == AX__FP8_E5M2) || o->dtype == AX_FLOAT64 ||
        node->inputs[2]->dtype != AX_FLOAT32 || node->inputs[3]->dtype != AX_FLOAT32 || M <= 0 || N <= 0 ||
        K <= 0 || M % 16 || N % 16 || K % 16 || !has_fp8_cores())
        return AX__DECLINE;
    /* a row-major, b K-contiguous, each with a leading dimension of 16k bytes
     * and 16-byte aligned; else a dense copy (b: transposed) */
    const char *pa = ax__dptr(a), *pb = ax__dptr(b);
    int64_t lda = a->strides[0], ldb = b->strides[1];
    void *ca = NULL, *cb = NULL;
    ax_status st = AX_OK;
    if (a->strides[1] != 1 || lda < K || lda % 16 || (uintptr_t)pa % 16) {
        st = ax__cuda_dense_copy(ctx, a, &ca, "fp8_matmul");
        pa = ca, lda = K;
    }
    if (st == AX_OK && (b->strides[0] != 1 || ldb < K || ldb % 16 || (uintptr_t)pb % 16)) {
        const uint8_t *src = (const uint8_t *)pb;
        int64_t sld = b->strides[0];
        void *dense = NULL;
        if (b->strides[1] != 1 || sld < N) { /* neither layout: a dense row-major copy first */
            st = ax__cuda_dense_copy(ctx, b, &dense, "fp8_matmul");
            src = dense, sld = N;
        }
        if (st == AX_OK) cb = ax__cuda_malloc(ctx, (size_t)(K * N), "fp8_matmul");
        if (st == AX_OK && !cb) st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
        if (st == AX_OK) {
            cudaError_t e = ax_cu_transpose_u8(cb, src, K, N, sld, ax__cuda_stream());
            st = e == cudaErrorNotSupported ? AX__DECLINE : ax__cuda_check(ctx, e, "fp8_matmul");
        }
        if (dense) ax__cuda_free(dense);
        pb = cb, ldb = K;
    }
    if (st == AX_OK && node->inputs[2]->ndim == 0)
        st = lt_fp8_call(ctx, p, M, N, K, pa, lda, pb, ldb, ax__dptr(o), o->dtype, SCALE_TENSOR,
                         ax__dptr(node->inputs[2]), ax__dptr(node->inputs[3]));
    else if (st == AX_OK)
        st = rowwise(ctx, p, M, N, K, pa, lda, pb, ldb, o, node->inputs[2], node->inputs[3]);
    if (ca) ax__cuda_free(ca);
    if (cb) ax__cuda_free(cb);
    return st;
}

void ax__cuda_register_fp8(ax_kernel *table) {
    table[AX_OP_TO_FP8] = k_codec;
    table[AX_OP_FROM_FP8] = k_codec;
    table[AX_OP_FP8_MATMUL] = k_fp8_matmul;
}
