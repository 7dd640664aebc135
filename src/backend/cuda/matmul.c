/* CUDA kernels: matmul family (MATMUL, ADDMM) on cuBLASLt; conv.c adds
 * CONV, MAX_POOL and AVG_POOL (registered from here).
 *
 * The problem is the CPU's (src/backend/cpu/matmul.c): batch x (M x K) @
 * (K x N) -> out row-major, a 1-D a is one row (M = 1), a 1-D b one column
 * (N = 1), batch axes broadcast. cuBLASLt is column-major: the row-major
 * D = A B is computed as the column-major D^T = B^T A^T, so cuBLASLt's "A"
 * is our b and its "B" our a. An operand whose matrix is row-major (column
 * stride 1) or transposed (row stride 1) is read in place with the matching
 * transpose flag; any other layout is first copied dense (matmul.cu). Batch
 * axes go to cuBLASLt's strided batch where each operand's batch offsets are
 * one stride (0 for a shared operand); the leading axes that do not collapse
 * that way are looped here. A batch that shares b while a's matrices are
 * stacked rows is folded into one taller product (as the CPU does).
 *
 * Precision: float16/bfloat16 multiply with float32 accumulation and scale,
 * rounded once to the output (the CPU converts to float32, runs sgemm and
 * rounds once); float32 uses full-precision float32 (CUBLAS_COMPUTE_32F,
 * PyTorch's default too) unless the environment variable AX_CUDA_TF32=1
 * selects TF32 tensor cores (CUBLAS_COMPUTE_32F_FAST_TF32: 10-bit mantissa
 * inputs, float32 accumulation; read once per process); float64 uses
 * CUBLAS_COMPUTE_64F; complex64 CUDA_C_32F with float32 compute.
 * Summation order differs from the CPU's BLAS: results agree to float
 * rounding, not bitwise.
 *
 * ADDMM: beta * c + alpha * (a @ b). c is broadcast-copied into the output
 * and cuBLASLt applies beta in place (beta == 0: c is not read; alpha == 0
 * or K == 0: the output is beta * c or zeros, a and b not read, as on the
 * CPU).
 *
 * Declined (the CPU runs them): dtypes other than the five above (the ops
 * only make float/complex products anyway), rank too high to describe
 * (operands or c needing a copy or broadcast with more than AX_CU_MAX_DIMS
 * dims after merging), and problems for which cuBLASLt's heuristic offers
 * no algorithm. The last is found only at the cuBLASLt call, possibly after
 * ADDMM's c was copied into the output or an earlier batch was written:
 * MATMUL, ADDMM and CONV never share their output's buffer with an input
 * (no AX_F_DONATE) and the CPU kernel rewrites the whole output, so such a
 * late decline is still correct.
 *
 * Handles: one cuBLASLt handle per device, created on first use under a
 * lock. Algorithms: the heuristic's first choice, cached per problem
 * (device, dtype, precision, transposes, sizes, leading dims, batch, strides,
 * pointer alignments) in a small hash table shared with fp8.c (ax__cuda_lt_algo).
 * Workspace: AX_CUDA_LT_WORKSPACE bytes from the
 * caching allocator per call (stream-ordered, so reuse is cheap). */
#include <cublasLt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/conv.h"
#include "backend/cuda/kernels/matmul.h"
#include "ops/products.h"

#define MM_MAX_DIM 64
#define MAX_DEVICES 64
/* cuBLASLt batch count per call (kept within grid limits). */
#define MAX_BATCH 65535
#define CACHE_SIZE 256

/* ---------------------------------------------------------------- handles */

static pthread_mutex_t lt_lock = PTHREAD_MUTEX_INITIALIZER;
static cublasLtHandle_t lt_handles[MAX_DEVICES];
static int use_tf32 = -1; /* AX_CUDA_TF32, read once under lt_lock */

static ax_status lt_handle(ax_ctx *ctx, cublasLtHandle_t *h, bool *tf32, const char *op) {
    int dev = ax__cuda_device();
    if (dev < 0 || dev >= MAX_DEVICES) return AX__DECLINE;
    pthread_mutex_lock(&lt_lock);
    if (use_tf32 < 0) {
        const char *e = getenv("AX_CUDA_TF32");
        use_tf32 = e && e[0] == '1' && e[1] == 0;
    }
    *tf32 = use_tf32 == 1;
    cublasStatus_t s = CUBLAS_STATUS_SUCCESS;
    if (!lt_handles[dev]) s = cublasLtCreate(&lt_handles[dev]);
    *h = lt_handles[dev];
    pthread_mutex_unlock(&lt_lock);
    return ax__cuda_lib_check(ctx, (int)s, "cublasLt", op);
}

ax_status ax__cuda_lt_handle(ax_ctx *ctx, void **h, const char *op) {
    bool tf32;
    cublasLtHandle_t lh = NULL;
    ax_status st = lt_handle(ctx, &lh, &tf32, op);
    *h = lh;
    return st;
}

/* ---------------------------------------------------------------- algorithm cache */

typedef struct algo_key {
    int64_t v[AX_CUDA_LT_KEY + 1]; /* family, then the caller's words */
} algo_key;

typedef struct algo_entry {
    bool used;
    algo_key key;
    cublasLtMatmulAlgo_t algo;
} algo_entry;

static algo_entry algo_cache[CACHE_SIZE];

/* Open addressing: a key lives in one of PROBES slots after its hash's. */
#define PROBES 8

static unsigned key_hash(const algo_key *k) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the key's words */
    for (size_t i = 0; i < sizeof k->v / sizeof k->v[0]; i++) {
        h ^= (uint64_t)k->v[i];
        h *= 1099511628211ull;
    }
    return (unsigned)(h ^ (h >> 32));
}

static bool cache_get(const algo_key *k, cublasLtMatmulAlgo_t *algo) {
    bool hit = false;
    unsigned h = key_hash(k);
    pthread_mutex_lock(&lt_lock);
    for (unsigned i = 0; i < PROBES && !hit; i++) {
        const algo_entry *e = &algo_cache[(h + i) % CACHE_SIZE];
        if (e->used && !memcmp(&e->key, k, sizeof *k)) {
            *algo = e->algo;
            hit = true;
        }
    }
    pthread_mutex_unlock(&lt_lock);
    return hit;
}

/* Into the first free slot of the key's window, else over its first slot. */
static void cache_put(const algo_key *k, const cublasLtMatmulAlgo_t *algo) {
    unsigned h = key_hash(k);
    pthread_mutex_lock(&lt_lock);
    algo_entry *e = &algo_cache[h % CACHE_SIZE];
    for (unsigned i = 0; i < PROBES; i++)
        if (!algo_cache[(h + i) % CACHE_SIZE].used) {
            e = &algo_cache[(h + i) % CACHE_SIZE];
            break;
        }
    e->used = true;
    e->key = *k;
    e->algo = *algo;
    pthread_mutex_unlock(&lt_lock);
}

cublasStatus_t ax__cuda_lt_algo(cublasLtHandle_t h, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t lA,
                                cublasLtMatrixLayout_t lB, cublasLtMatrixLayout_t lD, const uint32_t *align,
                                int family, const int64_t *key, int n_key, cublasLtMatmulAlgo_t *algo,
                                bool *found) {
    algo_key k;
    memset(&k, 0, sizeof k);
    k.v[0] = family;
    memcpy(k.v + 1, key, sizeof(int64_t) * (size_t)(n_key < AX_CUDA_LT_KEY ? n_key : AX_CUDA_LT_KEY));
    *found = cache_get(&k, algo);
    if (*found) return CUBLAS_STATUS_SUCCESS;
    cublasLtMatmulPreference_t pref = NULL;
    size_t wsb = AX_CUDA_LT_WORKSPACE;
    cublasStatus_t s = cublasLtMatmulPreferenceCreate(&pref);
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsb, sizeof wsb);
    static const cublasLtMatmulPreferenceAttributes_t align_attr[4] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (int i = 0; i < 4 && align && s == CUBLAS_STATUS_SUCCESS; i++) /* C is D */
        s = cublasLtMatmulPreferenceSetAttribute(pref, align_attr[i], &align[i < 3 ? i : 2], sizeof align[0]);
    cublasLtMatmulHeuristicResult_t res;
    int n = 0;
    if (s == CUBLAS_STATUS_SUCCESS) s = cublasLtMatmulAlgoGetHeuristic(h, desc, lA, lB, lD, lD, pref, 1, &res, &n);
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (s == CUBLAS_STATUS_NOT_SUPPORTED) return CUBLAS_STATUS_SUCCESS; /* none */
    if (s == CUBLAS_STATUS_SUCCESS && n >= 1 && res.state == CUBLAS_STATUS_SUCCESS) {
        *algo = res.algo;
        *found = true;
        cache_put(&k, algo);
    }
    return s;
}

/* ---------------------------------------------------------------- GEMM */

bool ax__cuda_gemm_layout(int64_t R, int64_t C, int64_t rs, int64_t cs, bool *trans, int64_t *ld) {
    int64_t r1 = R > 1 ? R : 1, c1 = C > 1 ? C : 1;
    if (cs == 1 || C == 1) {
        int64_t l = R == 1 ? c1 : rs;
        if (l >= c1) {
            *trans = false;
            *ld = l;
            return true;
        }
    }
    if (rs == 1 || R == 1) {
        int64_t l = C == 1 ? r1 : cs;
        if (l >= r1) {
            *trans = true;
            *ld = l;
            return true;
        }
    }
    return false;
}

/* Largest power of two (<= 256) dividing every value. */
static int64_t alignment(const int64_t *v, int n) {
    uint64_t bits = 256;
    for (int i = 0; i < n; i++) bits |= (uint64_t)v[i];
    return (int64_t)(bits & (~bits + 1));
}

typedef struct lt_types {
    cudaDataType_t data, scale;
    cublasComputeType_t compute;
} lt_types;

static bool lt_types_of(ax_dtype t, bool tf32, lt_types *ty) {
    switch (t) {
    case AX_FLOAT16: *ty = (lt_types){CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F}; return true;
    case AX_BFLOAT16: *ty = (lt_types){CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F}; return true;
    case AX_FLOAT32:
        *ty = (lt_types){CUDA_R_32F, CUDA_R_32F,
                         tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F};
        return true;
    case AX_FLOAT64: *ty = (lt_types){CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F}; return true;
    case AX_COMPLEX64: *ty = (lt_types){CUDA_C_32F, CUDA_C_32F, CUBLAS_COMPUTE_32F}; return true;
    default: return false;
    }
}

/* A column-major layout rows x cols with leading dimension ld, batched. */
static cublasStatus_t make_layout(cublasLtMatrixLayout_t *l, cudaDataType_t t, int64_t rows,
                                  int64_t cols, int64_t ld, int32_t batch, int64_t bstride) {
    cublasStatus_t s = cublasLtMatrixLayoutCreate(l, t, (uint64_t)rows, (uint64_t)cols, ld);
    if (s != CUBLAS_STATUS_SUCCESS || batch <= 1) return s;
    s = cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof batch);
    if (s != CUBLAS_STATUS_SUCCESS) return s;
    return cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                            &bstride, sizeof bstride);
}

/* One cuBLASLt call for up to MAX_BATCH matrices. */
static ax_status gemm_call(ax_ctx *ctx, cublasLtHandle_t h, const ax_cuda_gemm *g, bool tf32,
                           bool ta, int64_t lda, bool tb, int64_t ldb, const char *a,
                           const char *b, char *d, int32_t batch, void *ws, const char *op) {
    lt_types ty = {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    lt_types_of(g->dtype, tf32, &ty);
    int64_t es = (int64_t)ax_dtype_size(g->dtype);
    /* cuBLASLt A = our b (op: T when b is stored transposed), B = our a. */
    cublasOperation_t opA = tb ? CUBLAS_OP_T : CUBLAS_OP_N, opB = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    int64_t arows = tb ? g->K : g->N, acols = tb ? g->N : g->K;
    int64_t brows = ta ? g->M : g->K, bcols = ta ? g->K : g->M;
    int64_t bsA = batch > 1 ? g->b_bs : 0, bsB = batch > 1 ? g->a_bs : 0;
    int64_t bsD = batch > 1 ? g->d_bs : 0;
    cublasLtMatmulDesc_t desc = NULL;
    cublasLtMatrixLayout_t lA = NULL, lB = NULL, lD = NULL;
    cublasStatus_t s = cublasLtMatmulDescCreate(&desc, ty.compute, ty.scale);
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA);
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB);
    if (s == CUBLAS_STATUS_SUCCESS) s = make_layout(&lA, ty.data, arows, acols, ldb, batch, bsA);
    if (s == CUBLAS_STATUS_SUCCESS) s = make_layout(&lB, ty.data, brows, bcols, lda, batch, bsB);
    if (s == CUBLAS_STATUS_SUCCESS) s = make_layout(&lD, ty.data, g->N, g->M, g->d_ld, batch, bsD);

    /* alignment of each operand over every matrix of the batch */
    int64_t va[] = {(int64_t)(uintptr_t)b, bsA * es, ldb * es};
    int64_t vb[] = {(int64_t)(uintptr_t)a, bsB * es, lda * es};
    int64_t vd[] = {(int64_t)(uintptr_t)d, bsD * es, g->d_ld * es};
    uint32_t alA = (uint32_t)alignment(va, 3), alB = (uint32_t)alignment(vb, 3);
    uint32_t alD = (uint32_t)alignment(vd, 3);
    int64_t key[] = {ax__cuda_device(), g->dtype, tf32, ta, tb, g->M, g->N, g->K, lda, ldb,
                     g->d_ld, batch, bsA, bsB, bsD, alA, alB, alD, g->beta != 0};
    const uint32_t align[3] = {alA, alB, alD};
    cublasLtMatmulAlgo_t algo;
    bool found = false;
    if (s == CUBLAS_STATUS_SUCCESS)
        s = ax__cuda_lt_algo(h, desc, lA, lB, lD, align, AX_CUDA_LT_GEMM, key, (int)(sizeof key / sizeof *key),
                             &algo, &found);
    const bool declined = s == CUBLAS_STATUS_SUCCESS && !found; /* the CPU runs it */
    if (s == CUBLAS_STATUS_SUCCESS && !declined) {
        /* scale type: float (float16/bfloat16/float32), double, or complex float */
        float af[2] = {(float)g->alpha, 0}, bf[2] = {(float)g->beta, 0};
        double ad = g->alpha, bd = g->beta;
        bool dbl = ty.scale == CUDA_R_64F;
        s = cublasLtMatmul(h, desc, dbl ? (const void *)&ad : (const void *)af, b, lA, a, lB,
                           dbl ? (const void *)&bd : (const void *)bf, d, lD, d, lD, &algo, ws,
                           AX_CUDA_LT_WORKSPACE, ax__cuda_stream());
    }
    if (lD) cublasLtMatrixLayoutDestroy(lD);
    if (lB) cublasLtMatrixLayoutDestroy(lB);
    if (lA) cublasLtMatrixLayoutDestroy(lA);
    if (desc) cublasLtMatmulDescDestroy(desc);
    if (declined) return AX__DECLINE;
    return ax__cuda_lib_check(ctx, (int)s, "cublasLt", op);
}

ax_status ax__cuda_gemm(ax_ctx *ctx, const ax_cuda_gemm *g, const char *op) {
    bool ta, tb, tf32;
    int64_t lda, ldb;
    lt_types ty;
    if (!lt_types_of(g->dtype, false, &ty)) return AX__DECLINE;
    if (!ax__cuda_gemm_layout(g->M, g->K, g->a_rs, g->a_cs, &ta, &lda) ||
        !ax__cuda_gemm_layout(g->K, g->N, g->b_rs, g->b_cs, &tb, &ldb) || g->d_ld < g->N)
        return AX__DECLINE;
    if (g->M == 0 || g->N == 0 || g->batch == 0) return AX_OK;
    if (g->K == 0) return AX__DECLINE; /* callers fill beta * D themselves */
    cublasLtHandle_t h;
    ax_status st = lt_handle(ctx, &h, &tf32, op);
    if (st != AX_OK) return st;
    void *ws = ax__cuda_malloc(ctx, AX_CUDA_LT_WORKSPACE, op);
    if (!ws) return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    int64_t es = (int64_t)ax_dtype_size(g->dtype);
    for (int64_t t0 = 0; t0 < g->batch && st == AX_OK; t0 += MAX_BATCH) {
        int64_t nb = g->batch - t0 < MAX_BATCH ? g->batch - t0 : MAX_BATCH;
        st = gemm_call(ctx, h, g, tf32, ta, lda, tb, ldb, (const char *)g->a + t0 * g->a_bs * es,
                       (const char *)g->b + t0 * g->b_bs * es, (char *)g->d + t0 * g->d_bs * es,
                       (int32_t)nb, ws, op);
    }
    ax__cuda_free(ws);
    return st;
}

/* ---------------------------------------------------------------- descriptors */

/* A strided view (ptr, shape, strides) as a descriptor with size-1 dims
 * dropped and dims merged where the strides allow; false if more than
 * AX_CU_MAX_DIMS remain. */
static bool strided_desc(void *ptr, ax_dtype t, const int64_t *shape, const int64_t *strides,
                         int ndim, ax_cu_array *d) {
    memset(d, 0, sizeof *d);
    d->ptr = ptr;
    d->dtype = (int)t;
    d->size = 1;
    int n = 0;
    for (int i = 0; i < ndim; i++) {
        d->size *= shape[i];
        if (shape[i] == 1) continue;
        if (n > 0 && d->strides[n - 1] == strides[i] * shape[i]) {
            d->shape[n - 1] *= shape[i];
            d->strides[n - 1] = strides[i];
            continue;
        }
        if (n == AX_CU_MAX_DIMS) return false;
        d->shape[n] = shape[i];
        d->strides[n] = strides[i];
        n++;
    }
    d->ndim = n;
    return true;
}

ax_status ax__cuda_dense_copy(ax_ctx *ctx, const ax_array *x, void **dst, const char *op) {
    ax_cu_array d;
    *dst = NULL;
    if (!strided_desc(ax__dptr(x), x->dtype, x->shape, x->strides, x->ndim, &d)) return AX__DECLINE;
    void *p = ax__cuda_malloc(ctx, (size_t)x->size * ax_dtype_size(x->dtype), op);
    if (!p) return ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
    ax_status st = ax__cuda_check(ctx, ax_cu_mm_copy(&d, p, ax__cuda_stream()), op);
    if (st != AX_OK) {
        ax__cuda_free(p);
        return st;
    }
    *dst = p;
    return AX_OK;
}

/* ---------------------------------------------------------------- MATMUL, ADDMM */

typedef struct mm_mat {
    const char *p;
    int64_t rs, cs;
    int64_t bs[MM_MAX_DIM];
} mm_mat;

typedef struct mm_desc {
    ax_dtype dt;
    int nb;
    int64_t bshape[MM_MAX_DIM];
    int64_t nbatch, M, N, K;
    bool a_mat, b_mat;
    mm_mat a, b;
} mm_desc;

/* x (the operand, or its dense copy at p) as an M x K (or K x N) matrix per batch. */
static void describe_operand(const ax_array *x, const char *p, bool dense, bool is_b,
                             const mm_desc *d, mm_mat *m) {
    int64_t st[MM_MAX_DIM];
    if (dense) {
        int64_t s = 1;
        for (int i = x->ndim - 1; i >= 0; i--) {
            st[i] = s;
            s *= x->shape[i];
        }
    } else {
        memcpy(st, x->strides, sizeof(int64_t) * (size_t)x->ndim);
    }
    m->p = p;
    if (x->ndim == 1) {
        m->rs = is_b ? st[0] : 0;
        m->cs = is_b ? 0 : st[0];
        for (int i = 0; i < d->nb; i++) m->bs[i] = 0;
        return;
    }
    m->rs = st[x->ndim - 2];
    m->cs = st[x->ndim - 1];
    int xb = x->ndim - 2;
    for (int i = 0; i < d->nb; i++) {
        int xi = i - (d->nb - xb);
        m->bs[i] = xi >= 0 && x->shape[xi] != 1 ? st[xi] : 0;
    }
}

/* Do the batch offsets of axes [from, nb) equal t * stride for the combined
 * index t of those axes? */
static bool batch_collapses(const mm_desc *d, const int64_t *bs, int from, int64_t *stride) {
    bool first = true;
    int64_t expect = 0;
    *stride = 0;
    for (int i = d->nb - 1; i >= from; i--) {
        if (d->bshape[i] == 1) continue;
        if (first) {
            *stride = bs[i];
            first = false;
        } else if (bs[i] != expect) {
            return false;
        }
        expect = bs[i] * d->bshape[i];
    }
    return true;
}

static ax_status k_products(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    static const char *names[] = {"matmul", "addmm"};
    bool addmm = node->op == AX_OP_ADDMM;
    const char *op = names[addmm];
    ax_array *out = outs[0];
    int n_in = node->n_inputs;
    ax_array *a = node->inputs[n_in - 2], *b = node->inputs[n_in - 1];
    ax_dtype dt = out->dtype;
    lt_types ty;
    if (!lt_types_of(dt, false, &ty) || a->dtype != dt || b->dtype != dt) return AX__DECLINE;
    if (out->ndim > MM_MAX_DIM) return AX__DECLINE;
    double alpha = 1, beta = 0;
    if (addmm) {
        const ax_addmm_params *p = node->params;
        alpha = p->alpha;
        beta = p->beta;
        if (node->inputs[0]->dtype != dt) return AX__DECLINE;
    }
    mm_desc d;
    memset(&d, 0, sizeof d);
    d.dt = dt;
    d.a_mat = a->ndim >= 2;
    d.b_mat = b->ndim >= 2;
    d.nb = out->ndim - d.a_mat - d.b_mat;
    d.nbatch = 1;
    for (int i = 0; i < d.nb; i++) {
        d.bshape[i] = out->shape[i];
        d.nbatch *= out->shape[i];
    }
    d.K = a->shape[a->ndim - 1];
    d.M = d.a_mat ? a->shape[a->ndim - 2] : 1;
    d.N = d.b_mat ? b->shape[b->ndim - 1] : 1;
    if (out->size == 0) return AX_OK;

    /* c broadcast to the output (ADDMM with beta != 0), described up front so
     * that a declined layout leaves nothing written */
    ax_cu_array cdesc;
    bool has_c = addmm && beta != 0;
    if (has_c) {
        const ax_array *c = node->inputs[0];
        int64_t full[MM_MAX_DIM];
        ax__broadcast_strides(c, out->shape, out->ndim, full);
        if (!strided_desc(ax__dptr(c), dt, out->shape, full, out->ndim, &cdesc)) return AX__DECLINE;
    }
    cudaStream_t stream = ax__cuda_stream();
    if (d.K == 0 || alpha == 0) /* beta * c, or zeros: a and b not read */
        return ax__cuda_check(ctx, ax_cu_mm_scale(has_c ? &cdesc : NULL, beta, ax__dptr(out),
                                                  (int)dt, out->size, stream), op);

    /* operands cuBLASLt cannot read as they are: dense copies */
    void *tmp[2] = {NULL, NULL};
    ax_status st = AX_OK;
    bool ta = false, tb = false;
    int64_t lda = 0, ldb = 0;
    bool ok_a = ax__cuda_gemm_layout(d.M, d.K, d.a_mat ? a->strides[a->ndim - 2] : 0,
                                     d.a_mat ? a->strides[a->ndim - 1] : a->strides[0], &ta, &lda);
    bool ok_b = ax__cuda_gemm_layout(d.K, d.N, d.b_mat ? b->strides[b->ndim - 2] : b->strides[0],
                                     d.b_mat ? b->strides[b->ndim - 1] : 0, &tb, &ldb);
    if (!ok_a && (st = ax__cuda_dense_copy(ctx, a, &tmp[0], op)) != AX_OK) goto done;
    if (!ok_b && (st = ax__cuda_dense_copy(ctx, b, &tmp[1], op)) != AX_OK) goto done;
    describe_operand(a, tmp[0] ? tmp[0] : ax__dptr(a), !ok_a, false, &d, &d.a);
    describe_operand(b, tmp[1] ? tmp[1] : ax__dptr(b), !ok_b, true, &d, &d.b);
    if (!ax__cuda_gemm_layout(d.M, d.K, d.a.rs, d.a.cs, &ta, &lda)) { /* not reached: dense */
        st = AX__DECLINE;
        goto done;
    }

    if (has_c && (st = ax__cuda_check(ctx, ax_cu_mm_copy(&cdesc, ax__dptr(out), stream), op)) != AX_OK)
        goto done;

    ax_cuda_gemm g = {.dtype = dt, .M = d.M, .N = d.N, .K = d.K, .batch = 1,
                      .a_rs = d.a.rs, .a_cs = d.a.cs, .b_rs = d.b.rs, .b_cs = d.b.cs,
                      .d_ld = d.N, .d_bs = d.M * d.N, .alpha = alpha, .beta = has_c ? beta : 0};
    int64_t es = (int64_t)ax_dtype_size(dt);
    char *po = ax__dptr(out);

    /* fold: b shared by the whole batch, a's matrices stacked rows */
    int64_t sa, sb;
    if (d.nbatch > 1 && !ta && batch_collapses(&d, d.b.bs, 0, &sb) && sb == 0 &&
        batch_collapses(&d, d.a.bs, 0, &sa) && sa == lda * d.M) {
        g.M = d.nbatch * d.M;
        g.a_rs = lda; /* rows of the folded matrix (for M == 1 the batch stride) */
        g.a = d.a.p;
        g.b = d.b.p;
        g.d = po;
        st = ax__cuda_gemm(ctx, &g, op);
        goto done;
    }
    /* inner batch axes [s, nb) in one strided-batched call; outer ones looped */
    int s = d.nb;
    while (s > 0 && batch_collapses(&d, d.a.bs, s - 1, &sa) &&
           batch_collapses(&d, d.b.bs, s - 1, &sb))
        s--;
    batch_collapses(&d, d.a.bs, s, &g.a_bs);
    batch_collapses(&d, d.b.bs, s, &g.b_bs);
    int64_t inner = 1, outer = 1;
    for (int i = 0; i < d.nb; i++) *(i < s ? &outer : &inner) *= d.bshape[i];
    g.batch = inner;
    int64_t idx[MM_MAX_DIM] = {0}, oa = 0, ob = 0;
    for (int64_t t = 0; t < outer && st == AX_OK; t++) {
        g.a = d.a.p + oa * es;
        g.b = d.b.p + ob * es;
        g.d = po + t * inner * d.M * d.N * es;
        st = ax__cuda_gemm(ctx, &g, op);
        for (int i = s - 1; i >= 0; i--) { /* odometer over the outer axes */
            oa += d.a.bs[i];
            ob += d.b.bs[i];
            if (++idx[i] < d.bshape[i]) break;
            oa -= d.a.bs[i] * d.bshape[i];
            ob -= d.b.bs[i] * d.bshape[i];
            idx[i] = 0;
        }
    }
done:
    /* stream-ordered: the copies stay valid for the work queued above */
    for (int i = 0; i < 2; i++)
        if (tmp[i]) ax__cuda_free(tmp[i]);
    return st;
}

void ax__cuda_register_matmul(ax_kernel *table) {
    table[AX_OP_MATMUL] = k_products;
    table[AX_OP_ADDMM] = k_products;
    ax__cuda_register_conv(table);
}
