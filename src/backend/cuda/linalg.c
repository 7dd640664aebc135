/* CUDA kernels: the linear-algebra primitives (src/ops/ops_linalg.def)
 * through cuSOLVER (and cuBLAS trsm for solve_triangular), batched over the
 * leading axes. Mirrors src/backend/cpu/linalg_tmpl.h step by step: the same
 * layout tricks (a row-major matrix read column-major is its transpose), the
 * same triangles, pivots, NaN handling and error messages.
 *
 * Drivers: potrf / potrfBatched (cholesky), potri (cholesky_inv), getrf +
 * getrs against the identity (inv; cuSOLVER has no getri), getrf + getrs
 * (solve), cuBLAS trsm / trsmBatched (solve_triangular), geqrf + orgqr (qr),
 * gesvdj / gesvdjBatched for m, n <= 32 (svd: Jacobi, singular values sorted
 * descending), syevd / syevjBatched for n <= 32 (eigh, ascending), Xgeev (eig),
 * getrf (lu, lu_factor, det, slogdet). Batches of small square matrices
 * (n <= 32) take cuBLAS's batched LU instead (getrfBatched, then getriBatched
 * for inv and getrsBatched for solve): one launch instead of one per item.
 *
 * Conventions that differ from LAPACK only where the CPU's result is not
 * unique: SVD and eigh vectors may differ from the CPU's by signs (and
 * rotations within repeated values); the conformance cases compare those
 * through convention-free products. QR (Householder, LAPACK signs), LU
 * (partial pivoting, first largest pivot) and Cholesky are unique and match.
 *
 * Numerical failures (singular, not positive definite, no convergence) are
 * found by reading cuSOLVER's info array back (a synchronous copy on the
 * stream) and give the CPU's AX_ERR_VALUE message naming the first failing
 * batch item. Ops whose info only reports bad arguments (qr, lu, det) are
 * not synchronised.
 *
 * Declines (the CPU runs them): dtypes other than float32/float64 (the op
 * constructors never make them), ranks above AX_CU_MAX_DIMS, batches over
 * INT_MAX items (the batched APIs count in int), and eig when cuSOLVER's
 * Xgeev refuses the configuration (workspace query fails).
 *
 * cuSOLVER and cuBLAS handles are per device, created on first use and bound
 * to the node's stream on every call; one lock serialises the kernels of this
 * file (handles are not thread-safe and the info read-back is blocking). */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>
#include <cusolverDn.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/linalg.h"
#include "ops/linalg_params.h"

#define LK_MAX_DEVICES 64
/* Batches of matrices up to this size use the batched (Jacobi / Cholesky)
 * drivers; larger ones loop over the items with the blocked drivers. */
#define LK_BATCHED_MAX 32

static pthread_mutex_t lk_lock = PTHREAD_MUTEX_INITIALIZER;
static cusolverDnHandle_t lk_solver[LK_MAX_DEVICES];
static cublasHandle_t lk_blas[LK_MAX_DEVICES];

/* State of one kernel call. */
typedef struct lk {
    ax_ctx *ctx;
    const ax_node *node;
    const ax_linalg_params *p;
    const char *name;
    int fp64;
    size_t es;     /* element size */
    int m, n, k;   /* input 0 is m x n; k = columns of b (solve), else min(m, n) */
    int64_t nbatch;
    cudaStream_t s;
    cusolverDnHandle_t h;
    ax_cu_array in[2];
    void **pw;     /* set by lk_getrf when it used cuBLAS's batched LU: item pointers */
    void *tmp[10];
    int ntmp;
} lk;

/* ---------------------------------------------------------------- plumbing */

static ax_status lk_cuda(lk *L, cudaError_t e) { return ax__cuda_check(L->ctx, e, L->name); }
static ax_status lk_sol(lk *L, cusolverStatus_t st) {
    return ax__cuda_lib_check(L->ctx, (int)st, "cuSOLVER", L->name);
}
static ax_status lk_blas_st(lk *L, cublasStatus_t st) {
    return ax__cuda_lib_check(L->ctx, (int)st, "cuBLAS", L->name);
}

/* Device scratch, freed (stream-ordered) when the kernel ends. */
static void *lk_alloc(lk *L, size_t bytes) {
    if (L->ntmp == (int)(sizeof L->tmp / sizeof L->tmp[0])) {
        ax__fail(L->ctx, AX_ERR_INTERNAL, "%s: too many scratch buffers", L->name);
        return NULL;
    }
    void *p = ax__cuda_malloc(L->ctx, bytes, L->name);
    if (p) L->tmp[L->ntmp++] = p;
    return p;
}
static void lk_free_all(lk *L) {
    for (int i = 0; i < L->ntmp; i++) ax__cuda_free(L->tmp[i]);
    L->ntmp = 0;
}

/* Device pointer of an output, NULL when it is empty (never dereferenced). */
static void *odp(const ax_array *a) { return a->size ? ax__dptr(a) : NULL; }

/* Descriptor of an input; an empty one gets no pointer. */
static bool lk_desc(const ax_array *a, ax_cu_array *d) {
    if (a->size) return ax__cu_array(a, d);
    if (a->ndim > AX_CU_MAX_DIMS) return false;
    memset(d, 0, sizeof *d);
    d->dtype = (int)a->dtype;
    d->ndim = a->ndim;
    for (int i = 0; i < a->ndim; i++) d->shape[i] = a->shape[i], d->strides[i] = a->strides[i];
    return true;
}

static void *lk_item(void *base, int64_t b, int64_t elems, size_t es) {
    return (char *)base + (size_t)b * (size_t)elems * es;
}

static ax_status lk_solver_handle(lk *L) {
    int dev = ax__cuda_device();
    if (dev < 0 || dev >= LK_MAX_DEVICES)
        return ax__fail(L->ctx, AX_ERR_INTERNAL, "%s: device %d out of range", L->name, dev);
    if (!lk_solver[dev]) {
        ax_status st = lk_sol(L, cusolverDnCreate(&lk_solver[dev]));
        if (st != AX_OK) return lk_solver[dev] = NULL, st;
    }
    L->h = lk_solver[dev];
    return lk_sol(L, cusolverDnSetStream(L->h, L->s));
}

static ax_status lk_blas_handle(lk *L, cublasHandle_t *out) {
    int dev = ax__cuda_device();
    if (dev < 0 || dev >= LK_MAX_DEVICES)
        return ax__fail(L->ctx, AX_ERR_INTERNAL, "%s: device %d out of range", L->name, dev);
    if (!lk_blas[dev]) {
        ax_status st = lk_blas_st(L, cublasCreate(&lk_blas[dev]));
        if (st != AX_OK) return lk_blas[dev] = NULL, st;
    }
    *out = lk_blas[dev];
    ax_status st = lk_blas_st(L, cublasSetStream(*out, L->s));
    if (st == AX_OK) st = lk_blas_st(L, cublasSetPointerMode(*out, CUBLAS_POINTER_MODE_HOST));
    return st;
}

/* The error of failed item `item` (the CPU's wording, src/ops/linalg.c). */
static ax_status lk_report(lk *L, int64_t item, int info) {
    return ax__linalg_item_error(L->ctx, L->node->op, item, info, "cuSOLVER");
}

/* Wait for the stream and check the info arrays (count items each; first
 * may be NULL): item b fails with first[b] when that is non-zero, else with
 * second[b]; the lowest failing item is reported, as on the CPU. */
static ax_status lk_check_info(lk *L, const int *first, const int *second, int64_t count) {
    if (count <= 0) return AX_OK;
    int narr = (first ? 1 : 0) + (second ? 1 : 0);
    int *h = malloc(sizeof(int) * (size_t)count * (size_t)narr);
    if (!h) return ax__fail(L->ctx, AX_ERR_OOM, "%s: out of host memory", L->name);
    int *h1 = first ? h : NULL, *h2 = second ? h + (first ? count : 0) : NULL;
    ax_status st = AX_OK;
    if (h1) st = lk_cuda(L, cudaMemcpyAsync(h1, first, sizeof(int) * (size_t)count,
                                            cudaMemcpyDeviceToHost, L->s));
    if (st == AX_OK && h2)
        st = lk_cuda(L, cudaMemcpyAsync(h2, second, sizeof(int) * (size_t)count,
                                        cudaMemcpyDeviceToHost, L->s));
    if (st == AX_OK) st = lk_cuda(L, cudaStreamSynchronize(L->s));
    for (int64_t b = 0; st == AX_OK && b < count; b++) {
        int info = h1 && h1[b] ? h1[b] : h2 ? h2[b] : 0;
        if (info != 0) st = lk_report(L, b, info);
    }
    free(h);
    return st;
}

/* Pack input i (its last two dims r x c, or r x 1 for a vector b) into dense
 * items of dst: column-major with leading dimension ld, or row-major. */
static ax_status lk_pack(lk *L, int i, void *dst, int r, int c, int colmajor, int64_t ld,
                         int64_t dstride) {
    return lk_cuda(L, ax_cu_linalg_pack(&L->in[i], dst, L->fp64, L->nbatch, r, c, colmajor, ld,
                                        dstride, L->s));
}

#define LK_TRY(expr)                                                                          \
    do {                                                                                      \
        ax_status st_ = (expr);                                                               \
        if (st_ != AX_OK) return st_;                                                         \
    } while (0)

/* Item pointers of a dense batch (cuBLAS batched APIs). */
static void **lk_ptrs(lk *L, void *base, int64_t elems) {
    void **p = lk_alloc(L, sizeof(void *) * (size_t)L->nbatch);
    if (p && lk_cuda(L, ax_cu_linalg_ptrs(p, base, (int64_t)((size_t)elems * L->es), L->nbatch,
                                          L->s)) != AX_OK)
        return NULL;
    return p;
}

/* S/D dispatch of the legacy cuSOLVER API (buffers are void *). */
#define DN(L, fn, ...) ((L)->fp64 ? cusolverDnD##fn(__VA_ARGS__) : cusolverDnS##fn(__VA_ARGS__))

static cublasFillMode_t fill(bool upper) { return upper ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER; }

/* ---------------------------------------------------------------- ops */

/* cholesky: row-major A packed densely is column-major A^T = A; a row-major
 * lower factor is a column-major upper one, so the triangle flips. */
static ax_status op_cholesky(lk *L, ax_array *const *out) {
    int n = L->n;
    bool up = L->p->upper;
    if (n == 0) return AX_OK;
    void *o = odp(out[0]);
    int64_t nn = (int64_t)n * n;
    int *info = lk_alloc(L, sizeof(int) * (size_t)L->nbatch);
    if (!info) return L->ctx->status;
    LK_TRY(lk_pack(L, 0, o, n, n, 0, n, nn));
    cublasFillMode_t uplo = fill(!up);
    if (L->nbatch > 1 && n <= LK_BATCHED_MAX) {
        void **ptrs = lk_ptrs(L, o, nn);
        if (!ptrs) return L->ctx->status;
        LK_TRY(lk_sol(L, L->fp64 ? cusolverDnDpotrfBatched(L->h, uplo, n, (double **)ptrs, n, info,
                                                           (int)L->nbatch)
                                 : cusolverDnSpotrfBatched(L->h, uplo, n, (float **)ptrs, n, info,
                                                           (int)L->nbatch)));
    } else {
        int lwork = 0;
        LK_TRY(lk_sol(L, DN(L, potrf_bufferSize, L->h, uplo, n, o, n, &lwork)));
        void *work = lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1));
        if (!work) return L->ctx->status;
        for (int64_t b = 0; b < L->nbatch; b++)
            LK_TRY(lk_sol(L, DN(L, potrf, L->h, uplo, n, lk_item(o, b, nn, L->es), n, work, lwork,
                                info + b)));
    }
    /* LAPACK reports a NaN pivot as not positive definite */
    LK_TRY(lk_cuda(L, ax_cu_linalg_chol_nan_info(o, L->fp64, L->nbatch, n, info, L->s)));
    /* zero the other triangle (in place: each element maps to itself) */
    LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(o, nn, n, 1, o, L->fp64, L->nbatch, n, n,
                                          up ? AX_CU_TRI_UPPER : AX_CU_TRI_LOWER, L->s)));
    return lk_check_info(L, info, NULL, L->nbatch);
}

/* cholesky_inv: potri on the factor (triangle flipped as in cholesky); a
 * zero on the factor's diagonal is found first, as LAPACK's trtri does. */
static ax_status op_cholesky_inv(lk *L, ax_array *const *out) {
    int n = L->n;
    bool up = L->p->upper;
    if (n == 0) return AX_OK;
    int64_t nn = (int64_t)n * n;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    if (!w || !info) return L->ctx->status;
    LK_TRY(lk_pack(L, 0, w, n, n, 0, n, nn));
    LK_TRY(lk_cuda(L, ax_cu_linalg_zero_diag(w, L->fp64, L->nbatch, n, info, L->s)));
    cublasFillMode_t uplo = fill(!up);
    int lwork = 0;
    LK_TRY(lk_sol(L, DN(L, potri_bufferSize, L->h, uplo, n, w, n, &lwork)));
    void *work = lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1));
    if (!work) return L->ctx->status;
    for (int64_t b = 0; b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, potri, L->h, uplo, n, lk_item(w, b, nn, L->es), n, work, lwork,
                            info + L->nbatch + b)));
    /* the row-major upper (lower) triangle holds the result: mirror it */
    LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(w, nn, n, 1, odp(out[0]), L->fp64, L->nbatch, n, n,
                                          up ? AX_CU_TRI_SYM_UPPER : AX_CU_TRI_SYM_LOWER, L->s)));
    return lk_check_info(L, info, info + L->nbatch, L->nbatch);
}

/* getrf of every item of w (r x c column-major, dense); ipiv k per item.
 * Batches of small square matrices use cuBLAS's batched LU (partial
 * pivoting, LAPACK-style 1-based pivots; L->pw is set), others loop. */
static ax_status lk_getrf(lk *L, void *w, int r, int c, int *ipiv, int *info) {
    int kk = r < c ? r : c;
    if (kk == 0) return AX_OK;
    int lwork = 0;
    int64_t rc = (int64_t)r * c;
    if (r == c && L->nbatch > 1 && r <= LK_BATCHED_MAX) {
        cublasHandle_t bh = NULL;
        LK_TRY(lk_blas_handle(L, &bh));
        void **pw = lk_ptrs(L, w, rc);
        if (!pw) return L->ctx->status;
        LK_TRY(lk_blas_st(L, L->fp64 ? cublasDgetrfBatched(bh, r, (double *const *)pw, r, ipiv,
                                                           info, (int)L->nbatch)
                                     : cublasSgetrfBatched(bh, r, (float *const *)pw, r, ipiv,
                                                           info, (int)L->nbatch)));
        L->pw = pw;
        return AX_OK;
    }
    LK_TRY(lk_sol(L, DN(L, getrf_bufferSize, L->h, r, c, w, r, &lwork)));
    void *work = lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1));
    if (!work) return L->ctx->status;
    for (int64_t b = 0; b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, getrf, L->h, r, c, lk_item(w, b, rc, L->es), r, work,
                            ipiv + b * kk, info + b)));
    return AX_OK;
}

/* inv: getrf of the stored A^T, then getrs against the identity gives
 * inv(A^T) column-major = inv(A) row-major. */
static ax_status op_inv(lk *L, ax_array *const *out) {
    int n = L->n;
    if (n == 0) return AX_OK;
    int64_t nn = (int64_t)n * n;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    int *ipiv = lk_alloc(L, sizeof(int) * (size_t)(n * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    if (!w || !ipiv || !info) return L->ctx->status;
    void *o = odp(out[0]);
    LK_TRY(lk_pack(L, 0, w, n, n, 0, n, nn));
    LK_TRY(lk_getrf(L, w, n, n, ipiv, info));
    if (L->pw) { /* cuBLAS batched inverse from the batched LU */
        cublasHandle_t bh = NULL;
        LK_TRY(lk_blas_handle(L, &bh));
        void **po = lk_ptrs(L, o, nn);
        if (!po) return L->ctx->status;
        LK_TRY(lk_blas_st(L, L->fp64 ? cublasDgetriBatched(bh, n, (const double *const *)L->pw, n,
                                                           ipiv, (double *const *)po, n,
                                                           info + L->nbatch, (int)L->nbatch)
                                     : cublasSgetriBatched(bh, n, (const float *const *)L->pw, n,
                                                           ipiv, (float *const *)po, n,
                                                           info + L->nbatch, (int)L->nbatch)));
        return lk_check_info(L, info, NULL, L->nbatch);
    }
    LK_TRY(lk_cuda(L, ax_cu_linalg_identity(o, L->fp64, L->nbatch, n, n, nn, L->s)));
    for (int64_t b = 0; b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, getrs, L->h, CUBLAS_OP_N, n, n, lk_item(w, b, nn, L->es), n,
                            ipiv + b * n, lk_item(o, b, nn, L->es), n, info + L->nbatch + b)));
    return lk_check_info(L, info, info + L->nbatch, L->nbatch);
}

/* solve: getrf of the stored A^T and getrs('T'); b is transposed only when it
 * has several columns. */
static ax_status op_solve(lk *L, ax_array *const *out) {
    int n = L->n, k = L->k;
    if (n == 0 || k == 0) return AX_OK;
    int64_t nn = (int64_t)n * n, nk = (int64_t)n * k;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    int *ipiv = lk_alloc(L, sizeof(int) * (size_t)(n * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    if (!w || !ipiv || !info) return L->ctx->status;
    void *o = odp(out[0]), *bc = o;
    LK_TRY(lk_pack(L, 0, w, n, n, 0, n, nn));
    if (k > 1) {
        if (!(bc = lk_alloc(L, L->es * (size_t)(nk * L->nbatch)))) return L->ctx->status;
        LK_TRY(lk_pack(L, 1, bc, n, k, 1, n, nk));
    } else {
        LK_TRY(lk_pack(L, 1, o, n, 1, 0, 1, n));
    }
    LK_TRY(lk_getrf(L, w, n, n, ipiv, info));
    if (L->pw) {
        cublasHandle_t bh = NULL;
        LK_TRY(lk_blas_handle(L, &bh));
        void **pb = lk_ptrs(L, bc, nk);
        if (!pb) return L->ctx->status;
        int hinfo = 0; /* argument checks only */
        LK_TRY(lk_blas_st(L, L->fp64 ? cublasDgetrsBatched(bh, CUBLAS_OP_T, n, k,
                                                           (const double *const *)L->pw, n, ipiv,
                                                           (double *const *)pb, n, &hinfo,
                                                           (int)L->nbatch)
                                     : cublasSgetrsBatched(bh, CUBLAS_OP_T, n, k,
                                                           (const float *const *)L->pw, n, ipiv,
                                                           (float *const *)pb, n, &hinfo,
                                                           (int)L->nbatch)));
        if (hinfo != 0) return lk_report(L, 0, hinfo);
    }
    for (int64_t b = 0; !L->pw && b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, getrs, L->h, CUBLAS_OP_T, n, k, lk_item(w, b, nn, L->es), n,
                            ipiv + b * n, lk_item(bc, b, nk, L->es), n, info + L->nbatch + b)));
    if (k > 1)
        LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(bc, nk, 1, n, o, L->fp64, L->nbatch, n, k,
                                              AX_CU_TRI_FULL, L->s)));
    return lk_check_info(L, info, L->pw ? NULL : info + L->nbatch, L->nbatch);
}

/* solve_triangular: row-major A X = B is column-major X' A' = B' with
 * A' = A^T, X' = X^T, B' = B^T: a right-side trsm with the triangle flipped
 * and the same transpose flag, in place on the output (ld k). A zero on the
 * diagonal (not unit) is reported as singular, checked before the solve as
 * on the CPU (even when b is empty). */
static ax_status op_solve_tri(lk *L, ax_array *const *out) {
    int n = L->n, k = L->k;
    const ax_linalg_params *p = L->p;
    if (n == 0) return AX_OK;
    int64_t nn = (int64_t)n * n, nk = (int64_t)n * k;
    void *a = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    if (!a) return L->ctx->status;
    LK_TRY(lk_pack(L, 0, a, n, n, 0, n, nn));
    int *info = NULL;
    if (!p->unit) {
        if (!(info = lk_alloc(L, sizeof(int) * (size_t)L->nbatch))) return L->ctx->status;
        LK_TRY(lk_cuda(L, ax_cu_linalg_zero_diag(a, L->fp64, L->nbatch, n, info, L->s)));
    }
    if (k > 0) {
        void *o = odp(out[0]);
        LK_TRY(lk_pack(L, 1, o, n, k, 0, k, nk));
        cublasHandle_t bh = NULL;
        LK_TRY(lk_blas_handle(L, &bh));
        cublasFillMode_t uplo = fill(!p->upper);
        cublasOperation_t tr = p->trans ? CUBLAS_OP_T : CUBLAS_OP_N;
        cublasDiagType_t dg = p->unit ? CUBLAS_DIAG_UNIT : CUBLAS_DIAG_NON_UNIT;
        float one_f = 1;
        double one_d = 1;
        if (L->nbatch == 1) {
            LK_TRY(lk_blas_st(L, L->fp64 ? cublasDtrsm(bh, CUBLAS_SIDE_RIGHT, uplo, tr, dg, k, n,
                                                       &one_d, (const double *)a, n, (double *)o, k)
                                         : cublasStrsm(bh, CUBLAS_SIDE_RIGHT, uplo, tr, dg, k, n,
                                                       &one_f, (const float *)a, n, (float *)o, k)));
        } else {
            void **pa = lk_ptrs(L, a, nn), **pb = pa ? lk_ptrs(L, o, nk) : NULL;
            if (!pb) return L->ctx->status;
            LK_TRY(lk_blas_st(
                L, L->fp64 ? cublasDtrsmBatched(bh, CUBLAS_SIDE_RIGHT, uplo, tr, dg, k, n, &one_d,
                                                (const double *const *)pa, n, (double *const *)pb,
                                                k, (int)L->nbatch)
                           : cublasStrsmBatched(bh, CUBLAS_SIDE_RIGHT, uplo, tr, dg, k, n, &one_f,
                                                (const float *const *)pa, n, (float *const *)pb, k,
                                                (int)L->nbatch)));
        }
    }
    return info ? lk_check_info(L, info, NULL, L->nbatch) : AX_OK;
}

/* qr: geqrf of the column-major copy (m x max(n, qc), extra columns set to
 * the identity's for orgqr), R from its upper part, then Q by orgqr. */
static ax_status op_qr(lk *L, ax_array *const *out) {
    int m = L->m, n = L->n, k = L->k;
    bool full = L->p->full;
    int qc = full ? m : k, rr = full ? m : k, wc = n > qc ? n : qc;
    void *q = odp(out[0]), *r = odp(out[1]);
    if (k == 0) /* Q is the identity; R is empty */
        return lk_cuda(L, ax_cu_linalg_identity(q, L->fp64, L->nbatch, m, qc, (int64_t)m * qc, L->s));
    int64_t mw = (int64_t)m * wc;
    void *w = lk_alloc(L, L->es * (size_t)(mw * L->nbatch));
    void *tau = lk_alloc(L, L->es * (size_t)(k * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * (size_t)L->nbatch);
    if (!w || !tau || !info) return L->ctx->status;
    if (wc > n) /* column-major m x wc identity: rows of wc x m row-major */
        LK_TRY(lk_cuda(L, ax_cu_linalg_identity(w, L->fp64, L->nbatch, wc, m, mw, L->s)));
    LK_TRY(lk_pack(L, 0, w, m, n, 1, m, mw));
    int l1 = 0, l2 = 0;
    LK_TRY(lk_sol(L, DN(L, geqrf_bufferSize, L->h, m, n, w, m, &l1)));
    LK_TRY(lk_sol(L, DN(L, orgqr_bufferSize, L->h, m, qc, k, w, m, tau, &l2)));
    int lwork = l1 > l2 ? l1 : l2;
    void *work = lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1));
    if (!work) return L->ctx->status;
    for (int64_t b = 0; b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, geqrf, L->h, m, n, lk_item(w, b, mw, L->es), m,
                            lk_item(tau, b, k, L->es), work, lwork, info + b)));
    LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(w, mw, 1, m, r, L->fp64, L->nbatch, rr, n,
                                          AX_CU_TRI_UPPER, L->s)));
    for (int64_t b = 0; b < L->nbatch; b++)
        LK_TRY(lk_sol(L, DN(L, orgqr, L->h, m, qc, k, lk_item(w, b, mw, L->es), m,
                            lk_item(tau, b, k, L->es), work, lwork, info + b)));
    return lk_cuda(L, ax_cu_linalg_unpack(w, mw, 1, m, q, L->fp64, L->nbatch, m, qc,
                                          AX_CU_TRI_FULL, L->s));
}

/* svd: Jacobi on the stored A^T (n x m column-major): A^T = Ux S Vx^T, so
 * U = Vx (column-major m x .., transposed out) and Vh = Ux^T (Ux's columns
 * are Vh's rows). Non-finite items give NaN outputs, as on the CPU. */
static ax_status op_svd(lk *L, ax_array *const *out) {
    int m = L->m, n = L->n, k = L->k;
    bool uv = L->p->vectors, full = L->p->full;
    void *u = uv ? odp(out[0]) : NULL, *s = odp(out[uv ? 1 : 0]);
    void *vh = uv ? odp(out[2]) : NULL;
    int ur = full ? m : k, vr = full ? n : k;
    if (k == 0) {
        if (uv && full) {
            LK_TRY(lk_cuda(L, ax_cu_linalg_identity(u, L->fp64, L->nbatch, m, m, (int64_t)m * m, L->s)));
            LK_TRY(lk_cuda(L, ax_cu_linalg_identity(vh, L->fp64, L->nbatch, n, n, (int64_t)n * n, L->s)));
        }
        return AX_OK;
    }
    int64_t mn = (int64_t)m * n;
    bool batched = L->nbatch > 1 && m <= LK_BATCHED_MAX && n <= LK_BATCHED_MAX;
    int ucols = batched || full ? n : k, vcols = batched || full ? m : k;
    int64_t usz = (int64_t)n * ucols, vsz = (int64_t)m * vcols;
    void *w = lk_alloc(L, L->es * (size_t)(mn * L->nbatch));
    int *flags = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    /* U and V storage even for singular values only: gesvdj was seen to
     * write them (illegal address with NULL) whatever jobz says. */
    void *ux = lk_alloc(L, L->es * (size_t)(usz * L->nbatch));
    void *vx = lk_alloc(L, L->es * (size_t)(vsz * L->nbatch));
    if (!w || !flags || !ux || !vx) return L->ctx->status;
    int *info = flags + L->nbatch;
    LK_TRY(lk_pack(L, 0, w, m, n, 0, n, mn));
    LK_TRY(lk_cuda(L, ax_cu_linalg_nonfinite(w, L->fp64, L->nbatch, m, n, AX_CU_TRI_FULL, flags, L->s)));
    gesvdjInfo_t prm = NULL;
    LK_TRY(lk_sol(L, cusolverDnCreateGesvdjInfo(&prm)));
    ax_status st = lk_sol(L, cusolverDnXgesvdjSetSortEig(prm, 1));
    cusolverEigMode_t jobz = uv ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
    int lwork = 0;
    if (st == AX_OK && batched)
        st = lk_sol(L, DN(L, gesvdjBatched_bufferSize, L->h, jobz, n, m, w, n, s, ux, n, vx, m,
                          &lwork, prm, (int)L->nbatch));
    else if (st == AX_OK)
        st = lk_sol(L, DN(L, gesvdj_bufferSize, L->h, jobz, full ? 0 : 1, n, m, w, n, s, ux, n, vx,
                          m, &lwork, prm));
    void *work = st == AX_OK ? lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1)) : NULL;
    if (st == AX_OK && !work) st = L->ctx->status;
    if (st == AX_OK && batched)
        st = lk_sol(L, DN(L, gesvdjBatched, L->h, jobz, n, m, w, n, s, ux, n, vx, m, work, lwork,
                          info, prm, (int)L->nbatch));
    for (int64_t b = 0; st == AX_OK && !batched && b < L->nbatch; b++)
        st = lk_sol(L, DN(L, gesvdj, L->h, jobz, full ? 0 : 1, n, m, lk_item(w, b, mn, L->es), n,
                          lk_item(s, b, k, L->es), lk_item(ux, b, usz, L->es), n,
                          lk_item(vx, b, vsz, L->es), m, work, lwork, info + b, prm));
    if (st == AX_OK && uv) {
        st = lk_cuda(L, ax_cu_linalg_unpack(vx, vsz, 1, m, u, L->fp64, L->nbatch, m, ur,
                                            AX_CU_TRI_FULL, L->s));
        if (st == AX_OK)
            st = lk_cuda(L, ax_cu_linalg_unpack(ux, usz, n, 1, vh, L->fp64, L->nbatch, vr, n,
                                                AX_CU_TRI_FULL, L->s));
    }
    if (st == AX_OK) st = lk_cuda(L, ax_cu_linalg_nan_fill(s, L->fp64, 0, L->nbatch, k, flags, L->s));
    if (st == AX_OK && uv) {
        st = lk_cuda(L, ax_cu_linalg_nan_fill(u, L->fp64, 0, L->nbatch, (int64_t)m * ur, flags, L->s));
        if (st == AX_OK)
            st = lk_cuda(L, ax_cu_linalg_nan_fill(vh, L->fp64, 0, L->nbatch, (int64_t)vr * n, flags, L->s));
    }
    if (st == AX_OK) st = lk_check_info(L, NULL, info, L->nbatch); /* also waits for the solver */
    else cudaStreamSynchronize(L->s); /* the solver may still use prm */
    cusolverDnDestroyGesvdjInfo(prm);
    return st;
}

/* eigh: the stored A^T = A with the triangle flipped; syevd (or Jacobi for
 * batches of small matrices), eigenvalues ascending, eigenvectors as columns
 * (column-major, transposed out). */
static ax_status op_eigh(lk *L, ax_array *const *out) {
    int n = L->n;
    bool vec = L->p->vectors, up = L->p->upper;
    if (n == 0) return AX_OK;
    void *wv = odp(out[0]), *v = vec ? odp(out[1]) : NULL;
    int64_t nn = (int64_t)n * n;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    int *flags = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    if (!w || !flags) return L->ctx->status;
    int *info = flags + L->nbatch;
    LK_TRY(lk_pack(L, 0, w, n, n, 0, n, nn));
    LK_TRY(lk_cuda(L, ax_cu_linalg_nonfinite(w, L->fp64, L->nbatch, n, n,
                                             up ? AX_CU_TRI_UPPER : AX_CU_TRI_LOWER, flags, L->s)));
    cublasFillMode_t uplo = fill(!up);
    cusolverEigMode_t jobz = vec ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
    bool batched = L->nbatch > 1 && n <= LK_BATCHED_MAX;
    syevjInfo_t prm = NULL;
    ax_status st = AX_OK;
    int lwork = 0;
    if (batched) {
        LK_TRY(lk_sol(L, cusolverDnCreateSyevjInfo(&prm)));
        st = lk_sol(L, cusolverDnXsyevjSetSortEig(prm, 1));
        if (st == AX_OK)
            st = lk_sol(L, DN(L, syevjBatched_bufferSize, L->h, jobz, uplo, n, w, n, wv, &lwork,
                              prm, (int)L->nbatch));
    } else {
        st = lk_sol(L, DN(L, syevd_bufferSize, L->h, jobz, uplo, n, w, n, wv, &lwork));
    }
    void *work = st == AX_OK ? lk_alloc(L, L->es * (size_t)(lwork > 0 ? lwork : 1)) : NULL;
    if (st == AX_OK && !work) st = L->ctx->status;
    if (st == AX_OK && batched)
        st = lk_sol(L, DN(L, syevjBatched, L->h, jobz, uplo, n, w, n, wv, work, lwork, info, prm,
                          (int)L->nbatch));
    for (int64_t b = 0; st == AX_OK && !batched && b < L->nbatch; b++)
        st = lk_sol(L, DN(L, syevd, L->h, jobz, uplo, n, lk_item(w, b, nn, L->es), n,
                          lk_item(wv, b, n, L->es), work, lwork, info + b));
    if (st == AX_OK && vec)
        st = lk_cuda(L, ax_cu_linalg_unpack(w, nn, 1, n, v, L->fp64, L->nbatch, n, n,
                                            AX_CU_TRI_FULL, L->s));
    if (st == AX_OK) st = lk_cuda(L, ax_cu_linalg_nan_fill(wv, L->fp64, 0, L->nbatch, n, flags, L->s));
    if (st == AX_OK && vec)
        st = lk_cuda(L, ax_cu_linalg_nan_fill(v, L->fp64, 0, L->nbatch, nn, flags, L->s));
    if (st == AX_OK) st = lk_check_info(L, NULL, info, L->nbatch);
    else if (prm) cudaStreamSynchronize(L->s); /* the solver may still use prm */
    if (prm) cusolverDnDestroySyevjInfo(prm);
    return st;
}

/* eig: Xgeev on the column-major copy with real W (wr then wi) and real VR
 * in LAPACK's packing, expanded to complex64 as on the CPU. */
static ax_status op_eig(lk *L, ax_array *const *out) {
    int n = L->n;
    bool vec = L->p->vectors;
    if (n == 0) return AX_OK;
    void *wo = odp(out[0]), *vo = vec ? odp(out[1]) : NULL;
    int64_t nn = (int64_t)n * n;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    void *wri = lk_alloc(L, L->es * (size_t)(2 * n * L->nbatch));
    void *vr = vec ? lk_alloc(L, L->es * (size_t)(nn * L->nbatch)) : NULL;
    int *flags = lk_alloc(L, sizeof(int) * 2 * (size_t)L->nbatch);
    if (!w || !wri || (vec && !vr) || !flags) return L->ctx->status;
    int *info = flags + L->nbatch;
    LK_TRY(lk_pack(L, 0, w, n, n, 1, n, nn));
    LK_TRY(lk_cuda(L, ax_cu_linalg_nonfinite(w, L->fp64, L->nbatch, n, n, AX_CU_TRI_FULL, flags, L->s)));
    /* Xgeev is recent: a configuration it refuses goes to the CPU (no output
     * has been written yet) */
    cusolverDnParams_t prm = NULL;
    if (cusolverDnCreateParams(&prm) != CUSOLVER_STATUS_SUCCESS) return AX__DECLINE;
    cudaDataType dt = L->fp64 ? CUDA_R_64F : CUDA_R_32F;
    cusolverEigMode_t jobvr = vec ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
    size_t dbytes = 0, hbytes = 0;
    if (cusolverDnXgeev_bufferSize(L->h, prm, CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, dt, w, n, dt,
                                   wri, dt, NULL, n, dt, vr, n, dt, &dbytes,
                                   &hbytes) != CUSOLVER_STATUS_SUCCESS) {
        cusolverDnDestroyParams(prm);
        return AX__DECLINE;
    }
    ax_status st = AX_OK;
    void *dwork = lk_alloc(L, dbytes ? dbytes : 1);
    void *hwork = st == AX_OK && hbytes ? malloc(hbytes) : NULL;
    if (st == AX_OK && !dwork) st = L->ctx->status;
    if (st == AX_OK && hbytes && !hwork)
        st = ax__fail(L->ctx, AX_ERR_OOM, "%s: out of host memory", L->name);
    for (int64_t b = 0; st == AX_OK && b < L->nbatch; b++)
        st = lk_sol(L, cusolverDnXgeev(L->h, prm, CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, dt,
                                       lk_item(w, b, nn, L->es), n, dt,
                                       lk_item(wri, b, 2 * (int64_t)n, L->es), dt, NULL, n, dt,
                                       vec ? lk_item(vr, b, nn, L->es) : NULL, n, dt, dwork,
                                       dbytes, hwork, hbytes, info + b));
    if (st == AX_OK)
        st = lk_cuda(L, ax_cu_linalg_eig_expand(wri, vr, L->fp64, L->nbatch, n, wo, vo, L->s));
    if (st == AX_OK) st = lk_cuda(L, ax_cu_linalg_nan_fill(wo, 0, 1, L->nbatch, n, flags, L->s));
    if (st == AX_OK && vec) st = lk_cuda(L, ax_cu_linalg_nan_fill(vo, 0, 1, L->nbatch, nn, flags, L->s));
    if (st == AX_OK) st = lk_check_info(L, NULL, info, L->nbatch); /* also before hwork is freed */
    else cudaStreamSynchronize(L->s);
    free(hwork);
    cusolverDnDestroyParams(prm);
    return st;
}

/* lu / lu_factor: getrf of the column-major copy; P, L, U as scipy.linalg.lu
 * or LU packed + 0-based pivots (lu_factor). A singular U is not an error. */
static ax_status op_lu(lk *L, ax_array *const *out) {
    int m = L->m, n = L->n, k = L->k;
    bool factor = L->node->op == AX_OP_LINALG_LU_FACTOR;
    int64_t mn = (int64_t)m * n;
    void *w = lk_alloc(L, L->es * (size_t)(mn * L->nbatch));
    int *ipiv = lk_alloc(L, sizeof(int) * (size_t)(k * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * (size_t)L->nbatch);
    if (!w || !ipiv || !info) return L->ctx->status;
    LK_TRY(lk_pack(L, 0, w, m, n, 1, m, mn));
    LK_TRY(lk_getrf(L, w, m, n, ipiv, info));
    if (factor) {
        LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(w, mn, 1, m, odp(out[0]), L->fp64, L->nbatch,
                                              m, n, AX_CU_TRI_FULL, L->s)));
        return lk_cuda(L, ax_cu_linalg_piv0(ipiv, (int32_t *)odp(out[1]), L->nbatch, k, L->s));
    }
    int *perm = lk_alloc(L, sizeof(int) * (size_t)(m * L->nbatch));
    if (!perm) return L->ctx->status;
    LK_TRY(lk_cuda(L, ax_cu_linalg_perm_matrix(ipiv, perm, odp(out[0]), L->fp64, L->nbatch, m,
                                               k, L->s)));
    LK_TRY(lk_cuda(L, ax_cu_linalg_unpack(w, mn, 1, m, odp(out[1]), L->fp64, L->nbatch, m, k,
                                          AX_CU_TRI_UNIT_LOWER, L->s)));
    return lk_cuda(L, ax_cu_linalg_unpack(w, mn, 1, m, odp(out[2]), L->fp64, L->nbatch, k, n,
                                          AX_CU_TRI_UPPER, L->s));
}

/* det / slogdet from getrf of the stored A^T (same determinant). */
static ax_status op_det(lk *L, ax_array *const *out) {
    int n = L->n;
    int64_t nn = (int64_t)n * n;
    void *w = lk_alloc(L, L->es * (size_t)(nn * L->nbatch));
    int *ipiv = lk_alloc(L, sizeof(int) * (size_t)(n * L->nbatch));
    int *info = lk_alloc(L, sizeof(int) * (size_t)L->nbatch);
    if (!w || !ipiv || !info) return L->ctx->status;
    LK_TRY(lk_pack(L, 0, w, n, n, 0, n, nn));
    LK_TRY(lk_getrf(L, w, n, n, ipiv, info));
    bool slog = L->p->vectors;
    return lk_cuda(L, ax_cu_linalg_det(w, ipiv, L->fp64, L->nbatch, n, slog, odp(out[0]),
                                       slog ? odp(out[1]) : NULL, L->s));
}

/* ---------------------------------------------------------------- entry */

static ax_status k_linalg(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    ax_array *a = node->inputs[0];
    if (a->dtype != AX_FLOAT32 && a->dtype != AX_FLOAT64) return AX__DECLINE;
    if (a->ndim < 2 || node->n_inputs > 2) return AX__DECLINE;
    lk L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.node = node;
    L.p = node->params;
    L.name = ax__op_info[node->op].name;
    L.fp64 = a->dtype == AX_FLOAT64;
    L.es = ax_dtype_size(a->dtype);
    L.m = (int)a->shape[a->ndim - 2];
    L.n = (int)a->shape[a->ndim - 1];
    L.k = L.m < L.n ? L.m : L.n;
    L.nbatch = 1;
    for (int d = 0; d < a->ndim - 2; d++) L.nbatch *= a->shape[d];
    if (L.nbatch > INT_MAX) return AX__DECLINE; /* the batched APIs take int counts */
    for (int i = 0; i < node->n_inputs; i++) {
        if (node->inputs[i]->dtype != a->dtype) return AX__DECLINE;
        if (!lk_desc(node->inputs[i], &L.in[i])) return AX__DECLINE;
    }
    if (node->n_inputs == 2) {
        ax_array *b = node->inputs[1];
        L.k = L.p->bvec ? 1 : (int)b->shape[b->ndim - 1];
    }
    if (L.nbatch == 0) return AX_OK;
    L.s = ax__cuda_stream();
    pthread_mutex_lock(&lk_lock);
    ax_status st = lk_solver_handle(&L);
    if (st == AX_OK) {
        switch (node->op) {
        case AX_OP_LINALG_CHOLESKY: st = op_cholesky(&L, out); break;
        case AX_OP_LINALG_CHOLESKY_INV: st = op_cholesky_inv(&L, out); break;
        case AX_OP_LINALG_INV: st = op_inv(&L, out); break;
        case AX_OP_LINALG_SOLVE: st = op_solve(&L, out); break;
        case AX_OP_LINALG_SOLVE_TRI: st = op_solve_tri(&L, out); break;
        case AX_OP_LINALG_QR: st = op_qr(&L, out); break;
        case AX_OP_LINALG_SVD: st = op_svd(&L, out); break;
        case AX_OP_LINALG_EIGH: st = op_eigh(&L, out); break;
        case AX_OP_LINALG_EIG: st = op_eig(&L, out); break;
        case AX_OP_LINALG_LU:
        case AX_OP_LINALG_LU_FACTOR: st = op_lu(&L, out); break;
        case AX_OP_LINALG_DET: st = op_det(&L, out); break;
        default: st = ax__fail(ctx, AX_ERR_INTERNAL, "%s: not a linalg op", L.name); break;
        }
    }
    lk_free_all(&L);
    pthread_mutex_unlock(&lk_lock);
    if (st != AX_OK && st != AX__DECLINE && ctx->status == AX_OK)
        st = ax__fail(ctx, st, "%s: failed", L.name);
    return st;
}

void ax__cuda_register_linalg(ax_kernel *table) {
    static const ax_op ops[] = {
        AX_OP_LINALG_CHOLESKY,  AX_OP_LINALG_CHOLESKY_INV, AX_OP_LINALG_INV,  AX_OP_LINALG_SOLVE,
        AX_OP_LINALG_SOLVE_TRI, AX_OP_LINALG_QR,           AX_OP_LINALG_SVD,  AX_OP_LINALG_EIG,
        AX_OP_LINALG_EIGH,      AX_OP_LINALG_LU,           AX_OP_LINALG_LU_FACTOR, AX_OP_LINALG_DET};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) table[ops[i]] = k_linalg;
}
