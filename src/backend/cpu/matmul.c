/* CPU kernels: matmul family (MATMUL, ADDMM).
 *
 * Both see the problem as batch x (M x K) @ (K x N) -> out row-major, with a
 * 1-D a as one row (M = 1) and a 1-D b as one column (N = 1). Every operand
 * is described by a base pointer, a row and a column stride and per-batch
 * strides (0 where it broadcasts), so any layout works.
 *
 * Reference: a plain triple loop accumulating in double (complex: two
 * doubles), rounded once. Fast: CBLAS. Operands whose matrices are row-major
 * or transposed-contiguous are handed to BLAS as they are (CblasTrans for the
 * latter); others are copied contiguous once. float16/bfloat16 are converted
 * to float32, multiplied by sgemm and rounded once. float32 products with a
 * narrow row-major b (16 <= N <= 64; ax__gemm_skinny_ok has the exact rule)
 * and row-major a skip BLAS: an unpacked AVX-512 kernel (gemm_skinny.c) runs
 * blocks of rows, spread over ax's pool.
 * A batch of matrices that shares one b is folded into a single taller
 * product when a's batch is contiguous; other batches run one gemm each,
 * spread over ax's pool: products too small for OpenBLAS to thread itself
 * when there are enough of them, larger ones whole per pool thread with
 * OpenBLAS single-threaded inside. N == 1 or M == 1 uses gemv. ADDMM copies
 * the broadcast c into the output first and passes beta. */
#include <limits.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/gemm_blas.h"
#include "backend/cpu/gemm_convert.h"
#include "ops/products.h"

#define MM_MAX_DIM 64
/* Multiply-adds of a whole batch of small products below which it runs on
 * one thread. */
#define BATCH_PARALLEL_MIN (double)(1 << 23)

typedef struct mm_mat {
    char *p; /* first element */
    int64_t rs, cs; /* row, column strides (elements) */
    int64_t bs[MM_MAX_DIM]; /* batch strides (elements), 0 on broadcast axes */
} mm_mat;

typedef struct mm_desc {
    ax_dtype dt;
    size_t is;
    int nb; /* batch axes */
    int64_t bshape[MM_MAX_DIM];
    int64_t nbatch, M, N, K;
    bool a_mat, b_mat; /* a / b had >= 2 dims (else a vector) */
    mm_mat a, b, c;
    bool has_c; /* ADDMM with beta != 0 */
    double alpha, beta;
    char *out; /* row-major, batch stride M * N */
} mm_desc;

/* Batch strides of x (x_batch leading axes) aligned right against the batch shape. */
static void batch_strides(const ax_array *x, int x_batch, const mm_desc *d, int64_t *bs) {
    for (int i = 0; i < d->nb; i++) {
        int xi = i - (d->nb - x_batch);
        bs[i] = xi >= 0 && x->shape[xi] != 1 ? x->strides[xi] : 0;
    }
}

/* Describe operand x as a (is_b ? K x N : M x K) matrix per batch. */
static void describe_operand(const ax_array *x, bool is_b, const mm_desc *d, mm_mat *m) {
    m->p = ax__ptr(x);
    if (x->ndim == 1) {
        m->rs = is_b ? x->strides[0] : 0;
        m->cs = is_b ? 0 : x->strides[0];
        for (int i = 0; i < d->nb; i++) m->bs[i] = 0;
        return;
    }
    m->rs = x->strides[x->ndim - 2];
    m->cs = x->strides[x->ndim - 1];
    batch_strides(x, x->ndim - 2, d, m->bs);
}

/* c broadcast to the output: strides of its batch, row and column. */
static void describe_c(const ax_array *c, const ax_array *out, const mm_desc *d, mm_mat *m) {
    int64_t full[MM_MAX_DIM + 2];
    ax__broadcast_strides(c, out->shape, out->ndim, full);
    m->p = ax__ptr(c);
    for (int i = 0; i < d->nb; i++) m->bs[i] = full[i];
    m->rs = d->a_mat ? full[d->nb] : 0;
    m->cs = d->b_mat ? full[d->nb + d->a_mat] : 0;
}

static void describe(const ax_node *node, ax_array *out, ax_array *a, ax_array *b, mm_desc *d) {
    memset(d, 0, sizeof *d);
    d->dt = out->dtype;
    d->is = ax_dtype_size(out->dtype);
    d->a_mat = a->ndim >= 2;
    d->b_mat = b->ndim >= 2;
    d->nb = out->ndim - d->a_mat - d->b_mat;
    d->nbatch = 1;
    for (int i = 0; i < d->nb; i++) {
        d->bshape[i] = out->shape[i];
        d->nbatch *= out->shape[i];
    }
    d->K = a->shape[a->ndim - 1];
    d->M = d->a_mat ? a->shape[a->ndim - 2] : 1;
    d->N = d->b_mat ? b->shape[b->ndim - 1] : 1;
    describe_operand(a, false, d, &d->a);
    describe_operand(b, true, d, &d->b);
    d->alpha = 1;
    d->beta = 0;
    if (node->op == AX_OP_ADDMM) {
        const ax_addmm_params *p = node->params;
        d->alpha = p->alpha;
        d->beta = p->beta;
        d->has_c = p->beta != 0;
        describe_c(node->inputs[0], out, d, &d->c);
    }
    d->out = ax__ptr(out);
}

/* Element offset of batch t in a matrix with batch strides bs. */
static int64_t batch_offset(const mm_desc *d, const int64_t *bs, int64_t t) {
    int64_t off = 0;
    for (int i = d->nb - 1; i >= 0; i--) {
        off += (t % d->bshape[i]) * bs[i];
        t /= d->bshape[i];
    }
    return off;
}

/* ---------------------------------------------------------------- reference */

static void reference(const mm_desc *d) {
    ax_dtype t = d->dt;
    int64_t is = (int64_t)d->is;
    bool cplx = ax_dtype_is_complex(t);
    for (int64_t bt = 0; bt < d->nbatch; bt++) {
        const char *pa = d->a.p + batch_offset(d, d->a.bs, bt) * is;
        const char *pb = d->b.p + batch_offset(d, d->b.bs, bt) * is;
        const char *pc = d->has_c ? d->c.p + batch_offset(d, d->c.bs, bt) * is : NULL;
        char *po = d->out + bt * d->M * d->N * is;
        for (int64_t i = 0; i < d->M; i++)
            for (int64_t j = 0; j < d->N; j++) {
                double re = 0, im = 0;
                /* alpha == 0: a @ b is not read (as BLAS: Inf/NaN in it vanish) */
                for (int64_t k = 0; d->alpha != 0 && k < d->K; k++) {
                    const char *x = pa + (i * d->a.rs + k * d->a.cs) * is;
                    const char *y = pb + (k * d->b.rs + j * d->b.cs) * is;
                    if (cplx) {
                        double xr, xi, yr, yi;
                        ax__load_c(x, t, &xr, &xi);
                        ax__load_c(y, t, &yr, &yi);
                        re += xr * yr - xi * yi;
                        im += xr * yi + xi * yr;
                    } else {
                        re += ax__load_f64(x, t) * ax__load_f64(y, t);
                    }
                }
                re *= d->alpha;
                im *= d->alpha;
                if (pc) {
                    double cr, ci;
                    ax__load_c(pc + (i * d->c.rs + j * d->c.cs) * is, t, &cr, &ci);
                    re += d->beta * cr;
                    im += d->beta * ci;
                }
                char *o = po + (i * d->N + j) * is;
                if (cplx)
                    ax__store_c(o, t, re, im);
                else
                    ax__store_f64(o, t, re);
            }
    }
}

/* ---------------------------------------------------------------- BLAS */

/* Can BLAS read this R x C matrix as it is? Row-major (cs == 1) with ld =
 * rs, or transposed (rs == 1) with ld = cs; strides of length-1 axes do not
 * matter. */
static bool blas_layout(int64_t R, int64_t C, int64_t rs, int64_t cs, bool *trans, int64_t *ld) {
    int64_t r1 = R > 1 ? R : 1, c1 = C > 1 ? C : 1;
    if (cs == 1 || C == 1) {
        int64_t l = R == 1 ? c1 : rs;
        if (l >= c1 && l <= INT_MAX) {
            *trans = false;
            *ld = l;
            return true;
        }
    }
    if (rs == 1 || R == 1) {
        int64_t l = C == 1 ? r1 : cs;
        if (l >= r1 && l <= INT_MAX) {
            *trans = true;
            *ld = l;
            return true;
        }
    }
    return false;
}

/* A temporary row-major array of dtype t holding x (converted); NULL on OOM
 * (error recorded). */
static ax_array *temp_copy(ax_ctx *ctx, const ax_array *x, ax_dtype t) {
    ax_array *tmp = ax__array_new(ctx, t, x->shape, x->ndim);
    if (!tmp) return NULL;
    if (ax__array_alloc(ctx, tmp) != AX_OK) {
        ax_release(tmp);
        return NULL;
    }
    if (x->size) ax__cpu_copy_strided(x, tmp);
    return tmp;
}

/* A temporary row-major float32 copy of a float16/bfloat16 array. */
static ax_array *temp_f32(ax_ctx *ctx, const ax_array *x) {
    ax_array *tmp = ax__array_new(ctx, AX_FLOAT32, x->shape, x->ndim), *stage = NULL;
    if (!tmp || ax__array_alloc(ctx, tmp) != AX_OK) goto fail;
    const ax_array *src = x;
    if (!x->contiguous && x->size) {
        if (!(stage = temp_copy(ctx, x, x->dtype))) goto fail;
        src = stage;
    }
    if (x->size)
        ax__half_to_f32((const uint16_t *)ax__ptr(src), x->dtype, (float *)ax__ptr(tmp), x->size);
    ax_release(stage);
    return tmp;
fail:
    ax_release(tmp);
    return NULL;
}

typedef struct blas_plan {
    const mm_desc *d;
    ax_dtype ct;
    size_t cis; /* compute item size */
    bool ta, tb;
    int64_t lda, ldb;
    char *out; /* compute-dtype output, row-major */
} blas_plan;

/* One product out[M x N] (+)= op(A) op(B) for batch matrices at pa, pb. */
static void blas_one(const blas_plan *pl, const char *pa, const char *pb, char *po, int64_t M) {
    const mm_desc *d = pl->d;
    double beta = d->has_c ? d->beta : 0;
    int N = (int)d->N, K = (int)d->K, m = (int)M, lda = (int)pl->lda, ldb = (int)pl->ldb;
    if (d->N == 1 && (d->K == 1 || (d->b.rs >= 1 && d->b.rs <= INT_MAX))) {
        /* y(M) = op(A) x, x a column of b; A is stored M x K, or K x M if ta */
        int incx = d->K == 1 ? 1 : (int)d->b.rs;
        ax__blas_gemv(pl->ct, pl->ta, pl->ta ? K : m, pl->ta ? m : K, d->alpha, pa, lda, pb, incx,
                      beta, po, 1);
    } else if (M == 1 && (d->K == 1 || (d->a.cs >= 1 && d->a.cs <= INT_MAX))) {
        /* y(N) = op(B)^T x, x the row of a; B is stored K x N, or N x K if tb */
        int incx = d->K == 1 ? 1 : (int)d->a.cs;
        ax__blas_gemv(pl->ct, !pl->tb, pl->tb ? N : K, pl->tb ? K : N, d->alpha, pb, ldb, pa, incx,
                      beta, po, 1);
    } else {
        ax__blas_gemm(pl->ct, pl->ta, pl->tb, m, N, K, d->alpha, pa, lda, pb, ldb, beta, po, N);
    }
}

static void blas_batches(void *ud, int64_t begin, int64_t end) {
    const blas_plan *pl = ud;
    const mm_desc *d = pl->d;
    int64_t cis = (int64_t)pl->cis, mn = d->M * d->N * cis;
    /* batch coordinates of `begin`, then an odometer: no divisions per product */
    int64_t idx[MM_MAX_DIM], r = begin;
    for (int i = d->nb - 1; i >= 0; i--) {
        idx[i] = r % d->bshape[i];
        r /= d->bshape[i];
    }
    int64_t oa = batch_offset(d, d->a.bs, begin), ob = batch_offset(d, d->b.bs, begin);
    for (int64_t t = begin; t < end; t++) {
        blas_one(pl, d->a.p + oa * cis, d->b.p + ob * cis, pl->out + t * mn, d->M);
        for (int i = d->nb - 1; i >= 0; i--) {
            oa += d->a.bs[i];
            ob += d->b.bs[i];
            if (++idx[i] < d->bshape[i]) break;
            oa -= d->a.bs[i] * d->bshape[i];
            ob -= d->b.bs[i] * d->bshape[i];
            idx[i] = 0;
        }
    }
}

/* Does a's batch continue its rows (so batch x M rows form one matrix) while
 * b is the same for every batch? */
static bool can_fold(const mm_desc *d, bool ta, int64_t lda) {
    if (d->nbatch <= 1 || ta) return false;
    int64_t expect = lda * d->M;
    for (int i = d->nb - 1; i >= 0; i--) {
        if (d->b.bs[i] != 0 && d->bshape[i] != 1) return false;
        if (d->bshape[i] == 1) continue;
        if (d->a.bs[i] != expect) return false;
        expect *= d->bshape[i];
    }
    return d->nbatch * d->M <= INT_MAX;
}

/* Rows of C per task of the skinny kernel. */
#define SKINNY_ROWS 96

/* Tasks of up to SKINNY_ROWS rows of one product for the skinny kernel
 * (float32, row-major a and b, alpha 1, no c). */
static void skinny_tasks(void *ud, int64_t begin, int64_t end) {
    const blas_plan *pl = ud;
    const mm_desc *d = pl->d;
    int64_t per = (d->M + SKINNY_ROWS - 1) / SKINNY_ROWS;
    for (int64_t t = begin; t < end; t++) {
        int64_t bt = t / per, r0 = t % per * SKINNY_ROWS;
        int64_t rows = d->M - r0 < SKINNY_ROWS ? d->M - r0 : SKINNY_ROWS;
        const float *pa = (const float *)d->a.p + batch_offset(d, d->a.bs, bt) + r0 * pl->lda;
        const float *pb = (const float *)d->b.p + batch_offset(d, d->b.bs, bt);
        float *po = (float *)pl->out + (bt * d->M + r0) * d->N;
        ax__gemm_skinny_f32(rows, d->N, d->K, pa, pl->lda, pb, pl->ldb, po, d->N);
    }
}

/* Products of at most this many multiply-adds run in the reference loop. */
#define TINY_MNK 4096

static ax_status fast(ax_ctx *ctx, const ax_node *node, ax_array *out, ax_array *a, ax_array *b) {
    ax_dtype dt = out->dtype;
    bool half = dt == AX_FLOAT16 || dt == AX_BFLOAT16;
    ax_dtype ct = half ? AX_FLOAT32 : dt;
    mm_desc d;
    describe(node, out, a, b, &d);
    if (d.M * d.N * d.K <= TINY_MNK || d.K == 0 || d.alpha == 0 || d.M > INT_MAX ||
        d.N > INT_MAX || d.K > INT_MAX) {
        /* K == 0 or alpha == 0: beta * c or zeros, no products to compute
         * (OpenBLAS's small-matrix kernels would still multiply by alpha).
         * Tiny products: the plain loop costs less than a BLAS call. */
        reference(&d);
        return AX_OK;
    }
    ax_array *tmp[3] = {NULL, NULL, NULL}; /* a, b, out copies */
    ax_status st = AX_OK;
    blas_plan pl = {.d = &d, .ct = ct, .cis = ax_dtype_size(ct), .out = d.out};
    bool ok_a = !half && blas_layout(d.M, d.K, d.a.rs, d.a.cs, &pl.ta, &pl.lda);
    bool ok_b = !half && blas_layout(d.K, d.N, d.b.rs, d.b.cs, &pl.tb, &pl.ldb);
    /* Copy what BLAS cannot read (the operand itself, not its broadcast). */
    if (!ok_a || !ok_b || half) {
        if (!ok_a && !(tmp[0] = half ? temp_f32(ctx, a) : temp_copy(ctx, a, ct))) goto fail;
        if (!ok_b && !(tmp[1] = half ? temp_f32(ctx, b) : temp_copy(ctx, b, ct))) goto fail;
        mm_desc d2;
        describe(node, out, tmp[0] ? tmp[0] : a, tmp[1] ? tmp[1] : b, &d2);
        d.a = d2.a;
        d.b = d2.b;
        if (!ok_a) blas_layout(d.M, d.K, d.a.rs, d.a.cs, &pl.ta, &pl.lda);
        if (!ok_b) blas_layout(d.K, d.N, d.b.rs, d.b.cs, &pl.tb, &pl.ldb);
    }
    if (half) {
        tmp[2] = ax__array_new(ctx, ct, out->shape, out->ndim);
        if (!tmp[2] || ax__array_alloc(ctx, tmp[2]) != AX_OK) goto fail;
        pl.out = ax__ptr(tmp[2]);
    }
    if (d.has_c) ax__cpu_copy_strided(node->inputs[0], tmp[2] ? tmp[2] : out);
    else if (d.M == 1 || d.N == 1) /* gemv scales y by beta = 0: give it zeros, not garbage */
        memset(pl.out, 0, (size_t)out->size * pl.cis);
    ax__blas_sync_threads();
    if (ct == AX_FLOAT32 && !pl.ta && !pl.tb && d.alpha == 1 && !d.has_c && d.M > 1 &&
        ax__gemm_skinny_ok(d.M, d.N, d.K)) {
        /* narrow b: the unpacked kernel, row blocks spread over ax's pool
         * (chunks of at least 2^21 multiply-adds) */
        int64_t per = (d.M + SKINNY_ROWS - 1) / SKINNY_ROWS;
        int64_t grain = ((int64_t)1 << 21) / (SKINNY_ROWS * d.N * d.K) + 1;
        ax__parallel_for(d.nbatch * per, grain, skinny_tasks, &pl);
    } else if (can_fold(&d, pl.ta, pl.lda)) {
        blas_one(&pl, d.a.p, d.b.p, pl.out, d.nbatch * d.M);
    } else {
        /* OpenBLAS runs a product single-threaded below its thresholds; only
         * then spread the batch over ax's pool (else the two would compete),
         * and only when the whole batch is worth waking the pool for
         * (measured: 512 x 32^3 gains 1.6x on 2 cores, 1024 x 16^3 nothing). */
        int64_t mnk = d.M * d.N * d.K;
        bool gemv = d.M == 1 || d.N == 1;
        bool small = d.nbatch > 1 && mnk < (gemv ? AX_BLAS_SMALL_MN_GEMV : AX_BLAS_SMALL_MNK) &&
                     (double)mnk * (double)d.nbatch >= BATCH_PARALLEL_MIN;
        int nt = ax__num_threads();
        if (small) {
            int64_t grain = (int64_t)(BATCH_PARALLEL_MIN / 8) / (mnk > 0 ? mnk : 1);
            ax__parallel_for(d.nbatch, grain < 1 ? 1 : grain, blas_batches, &pl);
        } else if (nt > 1 && d.nbatch >= nt) {
            /* Products OpenBLAS would thread: whole products per pool thread
             * with OpenBLAS single-threaded inside, for the largest multiple
             * of the thread count (no thread idles); the few left over run
             * one by one with OpenBLAS threaded (OpenBLAS's own split of
             * one product cost its threads ~20% in sched_yield and sync on 2
             * cores: perf, 128 products 512x512 @ 512x64). */
            int64_t whole = d.nbatch - d.nbatch % nt;
            ax__blas_set_threads(1);
            ax__parallel_for(whole, 1, blas_batches, &pl);
            ax__blas_set_threads(nt);
            if (whole < d.nbatch) blas_batches(&pl, whole, d.nbatch);
        } else {
            blas_batches(&pl, 0, d.nbatch);
        }
    }
    if (half) ax__f32_to_half((const float *)pl.out, dt, (uint16_t *)d.out, out->size);
    goto done;
fail:
    st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
done:
    for (int i = 0; i < 3; i++) ax_release(tmp[i]);
    return st;
}

static ax_status k_products(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    int n = node->n_inputs;
    ax_array *a = node->inputs[n - 2], *b = node->inputs[n - 1];
    if (ax__cpu_use_reference()) {
        mm_desc d;
        describe(node, out[0], a, b, &d);
        reference(&d);
        return AX_OK;
    }
    return fast(ctx, node, out[0], a, b);
}

void ax__cpu_register_matmul(ax_kernel *table) {
    table[AX_OP_MATMUL] = k_products;
    table[AX_OP_ADDMM] = k_products;
}
