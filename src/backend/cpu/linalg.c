/* CPU kernels: linear algebra through LAPACK (OpenBLAS), batched over the
 * leading axes.
 *
 * Drivers (why): potrf/potri (Cholesky; OpenBLAS has its own blocked,
 * threaded potrf), getrf + getri (inv: fewer flops than getrs against the
 * identity), getrf + getrs (solve), trsm (solve_triangular: row-major CBLAS,
 * no transposes), geqrf + orgqr (qr), gesdd (svd: divide and conquer, several
 * times faster than gesvd's QR iteration when vectors are wanted; NumPy uses
 * it too), syevd (eigh: divide and conquer, the fastest LAPACK driver for
 * all eigenvectors; NumPy's choice), geev (eig), getrf (lu, lu_factor, det,
 * slogdet).
 *
 * Threads: one matrix at a time uses OpenBLAS's threads (synced with ax's
 * pool size). A batch of small matrices (OpenBLAS runs those single-threaded)
 * is spread over ax's pool instead, one matrix per task. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "backend/cpu/gemm_blas.h"
#include "backend/cpu/linalg_impl.h"

#define LK_T float
#define LK_P s
#define LK_S _f32
#include "backend/cpu/linalg_tmpl.h"
#undef LK_T
#undef LK_P
#undef LK_S
#define LK_T double
#define LK_P d
#define LK_S _f64
#include "backend/cpu/linalg_tmpl.h"
#undef LK_T
#undef LK_P
#undef LK_S

bool ax__linalg_all_finite(const void *a, ax_dtype dt, int64_t n) {
    if (dt == AX_FLOAT32) {
        const float *p = a;
        float acc = 0;
        for (int64_t i = 0; i < n; i++) acc += p[i] * 0.0f; /* NaN or Inf makes NaN */
        return acc == 0;
    }
    const double *p = a;
    double acc = 0;
    for (int64_t i = 0; i < n; i++) acc += p[i] * 0.0;
    return acc == 0;
}

bool ax__linalg_tri_finite(const void *a, ax_dtype dt, int n, bool upper) {
    size_t es = ax_dtype_size(dt);
    for (int i = 0; i < n; i++) {
        int lo = upper ? i : 0, hi = upper ? n : i + 1;
        if (!ax__linalg_all_finite((const char *)a + es * ((size_t)i * n + lo), dt, hi - lo))
            return false;
    }
    return true;
}

void ax__linalg_fill_nan(void *a, ax_dtype dt, int64_t n) {
    if (dt == AX_FLOAT64) {
        for (int64_t i = 0; i < n; i++) ((double *)a)[i] = NAN;
    } else {
        int64_t c = dt == AX_COMPLEX64 ? 2 * n : n;
        for (int64_t i = 0; i < c; i++) ((float *)a)[i] = NAN;
    }
}

/* ---------------------------------------------------------------- driver */

static void record_failure(lk_job *j, int64_t b, int info) {
    pthread_mutex_lock(&j->lock);
    if (j->fail_batch < 0 || b < j->fail_batch) {
        j->fail_batch = b;
        j->fail_info = info;
    }
    pthread_mutex_unlock(&j->lock);
}

static void run_chunk(void *ud, int64_t b0, int64_t b1) {
    lk_job *j = ud;
    void *ws = NULL;
    if (j->ws_bytes && !(ws = malloc(j->ws_bytes))) {
        record_failure(j, b0, LK_OOM);
        return;
    }
    for (int64_t b = b0; b < b1; b++) {
        int info = j->one(j, b, ws);
        if (info != 0) {
            record_failure(j, b, info);
            break;
        }
    }
    free(ws);
}

/* The error for a failed item, named after the public op. */
static ax_status report(ax_ctx *ctx, const lk_job *j) {
    if (j->fail_info == LK_OOM)
        return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", ax__op_info[j->op].name);
    return ax__linalg_item_error(ctx, j->op, j->fail_batch, j->fail_info, "LAPACK");
}

/* Describe node into j: matrix sizes, batch count, contiguous inputs (copies
 * in *tmp when strided), output pointers. */
static bool describe(ax_ctx *ctx, const ax_node *node, ax_array *const *out, lk_job *j,
                     void **tmp) {
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    memset(j, 0, sizeof *j);
    j->op = node->op;
    j->p = p;
    j->dt = a->dtype;
    j->m = (int)a->shape[a->ndim - 2];
    j->n = (int)a->shape[a->ndim - 1];
    j->k = j->m < j->n ? j->m : j->n;
    j->nbatch = 1;
    for (int d = 0; d < a->ndim - 2; d++) j->nbatch *= a->shape[d];
    if (node->n_inputs == 2) {
        ax_array *b = node->inputs[1];
        j->k = p->bvec ? 1 : (int)b->shape[b->ndim - 1];
    }
    for (int i = 0; i < node->n_inputs; i++) {
        ax_array *x = node->inputs[i];
        size_t es = ax_dtype_size(x->dtype);
        if (x->contiguous) {
            j->in[i] = ax__ptr(x);
        } else {
            tmp[i] = malloc(es * (size_t)(x->size ? x->size : 1));
            if (!tmp[i]) return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory",
                                         ax__op_info[node->op].name), false;
            ax__cpu_copy_to_contiguous(x, tmp[i]);
            j->in[i] = tmp[i];
        }
        j->in_step[i] = j->nbatch ? (int64_t)es * (x->size / j->nbatch) : 0;
    }
    j->n_out = node->n_outputs;
    for (int i = 0; i < node->n_outputs; i++) {
        j->out[i] = ax__ptr(out[i]);
        j->out_dt[i] = out[i]->dtype;
        j->out_step[i] = j->nbatch ? (int64_t)ax_dtype_size(out[i]->dtype) * (out[i]->size / j->nbatch) : 0;
    }
    j->fail_batch = -1;
    return true;
}

/* Items below this many flops (about n^3) run single-threaded in OpenBLAS, so
 * batches of them go over ax's pool. */
#define LK_SMALL_FLOPS (64.0 * 64.0 * 64.0)

static ax_status k_linalg(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    lk_job j;
    void *tmp[2] = {NULL, NULL};
    ax_status st = AX_OK;
    if (!describe(ctx, node, out, &j, tmp)) {
        st = ctx->status ? ctx->status : AX_ERR_OOM;
        goto done;
    }
    if (j.nbatch == 0) goto done;
    bool ref = ax__cpu_use_reference();
    if (ref) {
        ax__linalg_ref_setup(&j);
    } else {
        bool ok = j.dt == AX_FLOAT32 ? setup_f32(&j) : setup_f64(&j);
        if (!ok) {
            st = ax__fail(ctx, AX_ERR_INTERNAL, "%s: LAPACK workspace query failed",
                          ax__op_info[node->op].name);
            goto done;
        }
    }
    pthread_mutex_init(&j.lock, NULL);
    double mx = j.m > j.n ? j.m : j.n;
    double flops = mx * mx * mx;
    if (!ref) ax__blas_sync_threads();
    if (!ref && j.nbatch > 1 && flops < LK_SMALL_FLOPS) {
        /* a task should hold ~64k flop-equivalents; each LAPACK call costs
         * about 4k on its own (argument checks, workspace, copies) */
        int64_t grain = (int64_t)(65536.0 / (flops + 4096.0));
        ax__parallel_for(j.nbatch, grain < 1 ? 1 : grain, run_chunk, &j);
    } else {
        run_chunk(&j, 0, j.nbatch);
    }
    pthread_mutex_destroy(&j.lock);
    if (j.fail_batch >= 0) st = report(ctx, &j);
done:
    free(tmp[0]);
    free(tmp[1]);
    return st;
}

void ax__cpu_register_linalg(ax_kernel *table) {
    static const ax_op ops[] = {
        AX_OP_LINALG_CHOLESKY, AX_OP_LINALG_CHOLESKY_INV, AX_OP_LINALG_INV,  AX_OP_LINALG_SOLVE,
        AX_OP_LINALG_SOLVE_TRI, AX_OP_LINALG_QR,          AX_OP_LINALG_SVD,  AX_OP_LINALG_EIG,
        AX_OP_LINALG_EIGH,      AX_OP_LINALG_LU,          AX_OP_LINALG_LU_FACTOR, AX_OP_LINALG_DET};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) table[ops[i]] = k_linalg;
}
