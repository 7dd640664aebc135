/* CPU kernels: convolution (CONV) and, through pool.c, pooling.
 *
 * Layout (src/ops/conv_params.h): input (N, I..., C_in), weight (C_out,
 * K..., C_in / G), output (N, O..., C_out), all channels-last. Output
 * position o and kernel tap k read the input at dilated coordinate
 *   q = o * stride + k * kdil - pad_lo,
 * which holds input element q / idil when q is a multiple of idil inside the
 * input, and a zero otherwise; with flip the tap uses weight index K-1-k.
 *
 * Reference: a direct loop over every output, tap and channel, loading any
 * strides, accumulating in double, rounded once.
 *
 * Fast: the output is the GEMM out[M x C_out] = cols[M x KV*C_in/G] @
 * W^T per group, with M = N * prod(O) output positions and KV the kernel
 * volume. The columns (im2col) are built by tiles of rows small enough to
 * stay in cache (COLS_BYTES), in parallel over ax's pool, and each tile is
 * multiplied by OpenBLAS (threaded by itself) straight into the output rows.
 * Runs of taps that are contiguous in the input (one group, no dilation)
 * are copied with one memcpy; taps in the padding are zeros. A 1x1
 * convolution with stride 1 and no padding needs no columns: the input
 * already is the (M x C_in) matrix. Depthwise convolutions (C_in / groups
 * == 1) are products of width 1 and run directly (conv_depthwise.c).
 * float16/bfloat16 are converted to float32 once, the product runs in sgemm
 * and the result is rounded once; float64 uses dgemm. float32-computed
 * convolutions with one group and C_out % 16 == 0 (1-D/2-D, 1x1 included:
 * the direct kernel beats sgemm on the 1x1 GEMMs too) use the direct
 * AVX-512 kernel of conv_direct.c instead. */
#include <limits.h>
#include <stdlib.h>

#include "backend/cpu/conv_impl.h"
#include "backend/cpu/gemm_blas.h"
#include "backend/cpu/gemm_convert.h"
/* Target size of one tile of columns (bytes). */
#define COLS_BYTES ((int64_t)1 << 20)

/* ---------------------------------------------------------------- temporaries */

ax_array *ax__conv_temp(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int ndim) {
    ax_array *a = ax__array_new(ctx, t, shape, ndim);
    if (!a) return NULL;
    if (ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    return a;
}

ax_array *ax__conv_dense(ax_ctx *ctx, ax_array *x, ax_dtype t) {
    if (x->dtype == t && x->contiguous) {
        ax_retain(x);
        return x;
    }
    ax_array *d = ax__conv_temp(ctx, t, x->shape, x->ndim);
    if (!d || x->size == 0) return d;
    bool half = x->dtype == AX_FLOAT16 || x->dtype == AX_BFLOAT16;
    if (x->contiguous && half && t == AX_FLOAT32)
        ax__half_to_f32((const uint16_t *)ax__ptr(x), x->dtype, (float *)ax__ptr(d), x->size);
    else
        ax__cpu_copy_strided(x, d);
    return d;
}

/* ---------------------------------------------------------------- reference */

static void conv_reference(const ax_node *node, ax_array *out) {
    conv_geom g;
    ax__conv_geom(node, out, &g);
    const ax_array *x = node->inputs[0], *w = node->inputs[1];
    const ax_conv_params *p = g.p;
    ax_dtype xt = x->dtype, wt = w->dtype, ot = out->dtype;
    size_t xs = ax_dtype_size(xt), ws = ax_dtype_size(wt), os = ax_dtype_size(ot);
    const char *xp = ax__ptr(x), *wp = ax__ptr(w);
    char *op = ax__ptr(out);
    int nsp = g.nsp;
    int64_t opos[SP], tap[SP];
    int64_t total = g.N * g.OV;
    for (int64_t m = 0; m < total; m++) {
        int64_t r = m;
        for (int d = nsp - 1; d >= 0; d--) {
            opos[d] = r % g.O[d];
            r /= g.O[d];
        }
        int64_t n = r;
        for (int64_t co = 0; co < g.cout; co++) {
            int64_t grp = co / g.cout_g;
            double acc = 0;
            for (int64_t t = 0; t < g.KV; t++) {
                int64_t rt = t;
                for (int d = nsp - 1; d >= 0; d--) {
                    tap[d] = rt % g.K[d];
                    rt /= g.K[d];
                }
                int64_t xoff = n * x->strides[0], woff = co * w->strides[0];
                bool valid = true;
                for (int d = 0; d < nsp && valid; d++) {
                    int64_t i = in_index(p, d, opos[d], tap[d], g.I[d]);
                    if (i < 0) valid = false;
                    xoff += i * x->strides[d + 1];
                    int64_t kk = p->flip ? g.K[d] - 1 - tap[d] : tap[d];
                    woff += kk * w->strides[d + 1];
                }
                if (!valid) continue;
                for (int64_t ci = 0; ci < g.cin_g; ci++) {
                    double xv = ax__load_f64(xp + (xoff + (grp * g.cin_g + ci) * x->strides[nsp + 1]) * (int64_t)xs, xt);
                    double wv = ax__load_f64(wp + (woff + ci * w->strides[nsp + 1]) * (int64_t)ws, wt);
                    acc += xv * wv;
                }
            }
            ax__store_f64(op + (m * g.cout + co) * (int64_t)os, ot, acc);
        }
    }
}

/* ---------------------------------------------------------------- im2col + GEMM */

typedef struct im2col_job {
    const conv_geom *g;
    const char *x; /* dense input in compute dtype */
    char *cols;    /* tile: rows x (KV * cin_g) */
    size_t es;
    int64_t m0;   /* first output row of the tile */
    int64_t grp;  /* group whose channels are gathered */
    bool contig_last; /* one group and kdil == idil == 1 in the last spatial dim: a run of
                         taps is one contiguous run of the input */
} im2col_job;

/* Fill rows [begin, end) of the tile. */
static void im2col_rows(void *ud, int64_t begin, int64_t end) {
    const im2col_job *j = ud;
    const conv_geom *g = j->g;
    const ax_conv_params *p = g->p;
    int nsp = g->nsp, last = nsp - 1;
    size_t es = j->es;
    int64_t cg = g->cin_g, kc = g->KV * cg;
    size_t seg = (size_t)cg * es; /* bytes of one tap */
    /* input strides (elements) of the dense (N, I..., C_in) layout */
    int64_t xst[SP + 1];
    xst[nsp] = g->cin;
    for (int d = nsp - 1; d >= 0; d--) xst[d] = xst[d + 1] * g->I[d];
    int64_t nouter = g->KV / g->K[last];
    int64_t Kl = g->K[last];
    for (int64_t row = begin; row < end; row++) {
        int64_t m = j->m0 + row, r = m, opos[SP];
        for (int d = nsp - 1; d >= 0; d--) {
            opos[d] = r % g->O[d];
            r /= g->O[d];
        }
        const char *xn = j->x + ((r * xst[0]) + j->grp * cg) * (int64_t)es;
        char *dst = j->cols + row * kc * (int64_t)es;
        int64_t tap[SP] = {0};
        for (int64_t t = 0; t < nouter; t++) {
            /* outer taps: dims 0 .. last-1 (odometer in tap[]) */
            int64_t off = 0;
            bool valid = true;
            for (int d = 0; d < last; d++) {
                int64_t i = in_index(p, d, opos[d], tap[d], g->I[d]);
                if (i < 0) {
                    valid = false;
                    break;
                }
                off += i * xst[d + 1];
            }
            char *seg_dst = dst + t * Kl * (int64_t)seg;
            if (!valid) {
                memset(seg_dst, 0, (size_t)Kl * seg);
            } else if (j->contig_last) {
                /* taps k read input q0 + k for q0 = o * stride - pad_lo */
                int64_t q0 = opos[last] * p->stride[last] - p->pad_lo[last];
                int64_t k0 = q0 < 0 ? -q0 : 0;
                int64_t k1 = g->I[last] - q0 < Kl ? g->I[last] - q0 : Kl;
                if (k1 < k0) k1 = k0;
                if (k0 > Kl) k0 = k1 = Kl;
                if (k0) memset(seg_dst, 0, (size_t)k0 * seg);
                if (k1 > k0)
                    memcpy(seg_dst + k0 * (int64_t)seg,
                           xn + (off + (q0 + k0) * xst[nsp]) * (int64_t)es, (size_t)(k1 - k0) * seg);
                if (k1 < Kl) memset(seg_dst + k1 * (int64_t)seg, 0, (size_t)(Kl - k1) * seg);
            } else {
                for (int64_t k = 0; k < Kl; k++) {
                    int64_t i = in_index(p, last, opos[last], k, g->I[last]);
                    if (i < 0) memset(seg_dst + k * (int64_t)seg, 0, seg);
                    else memcpy(seg_dst + k * (int64_t)seg, xn + (off + i * xst[nsp]) * (int64_t)es, seg);
                }
            }
            for (int d = last - 1; d >= 0; d--) {
                if (++tap[d] < g->K[d]) break;
                tap[d] = 0;
            }
        }
    }
}

static bool is_pointwise(const conv_geom *g) {
    const ax_conv_params *p = g->p;
    for (int d = 0; d < g->nsp; d++)
        if (g->K[d] != 1 || p->stride[d] != 1 || p->pad_lo[d] != 0 || p->pad_hi[d] != 0 ||
            p->idil[d] != 1)
            return false;
    return true;
}

static ax_status conv_fast(ax_ctx *ctx, const ax_node *node, ax_array *out) {
    conv_geom g;
    ax__conv_geom(node, out, &g);
    ax_dtype dt = out->dtype;
    ax_dtype ct = dt == AX_FLOAT64 ? AX_FLOAT64 : AX_FLOAT32;
    size_t es = ax_dtype_size(ct);
    int64_t M = g.N * g.OV, kc = g.KV * g.cin_g;
    if (out->size == 0) return AX_OK;
    if (kc > INT_MAX || g.cout > INT_MAX || g.cin > INT_MAX) {
        conv_reference(node, out);
        return AX_OK;
    }
    ax_array *xd = NULL, *wd = NULL, *od = NULL, *cols = NULL;
    ax_status st = AX_OK;
    char *optr = ax__ptr(out);
    if (dt != ct) {
        if (!(od = ax__conv_temp(ctx, ct, out->shape, out->ndim))) goto fail;
        optr = ax__ptr(od);
    }
    if (kc == 0) { /* no input channels: zeros */
        memset(optr, 0, (size_t)out->size * es);
        goto finish;
    }
    if (!(xd = ax__conv_dense(ctx, node->inputs[0], ct))) goto fail;
    if (!(wd = ax__conv_dense(ctx, node->inputs[1], ct))) goto fail;
    const char *wptr = ax__ptr(wd);
    if (g.p->flip && g.KV > 1) {
        /* reversing every spatial axis reverses the flattened tap order */
        ax_array *wf = ax__conv_temp(ctx, ct, wd->shape, wd->ndim);
        if (!wf) goto fail;
        size_t seg = (size_t)g.cin_g * es;
        char *dstw = ax__ptr(wf);
        for (int64_t co = 0; co < g.cout; co++)
            for (int64_t t = 0; t < g.KV; t++)
                memcpy(dstw + (co * g.KV + t) * (int64_t)seg,
                       wptr + (co * g.KV + (g.KV - 1 - t)) * (int64_t)seg, seg);
        ax_release(wd);
        wd = wf;
        wptr = dstw;
    }
    const char *xptr = ax__ptr(xd);
    ax__blas_sync_threads();
    int ldc = (int)g.cout;
    if (g.cin_g == 1 && g.G > 1) { /* depthwise: products of width 1, run directly */
        if (!ax__conv_depthwise(ctx, &g, ct, xptr, wptr, optr)) goto fail;
        goto finish;
    }
    if (ax__conv_direct_ok(&g, ct)) {
        if (!ax__conv_direct(ctx, &g, (const float *)xptr, (const float *)wptr, (float *)optr))
            goto fail;
        goto finish;
    }
    if (is_pointwise(&g)) {
        /* the input is the (M x C_in) matrix */
        for (int64_t m0 = 0; m0 < M; m0 += INT_MAX / 2) {
            int64_t mt = M - m0 < INT_MAX / 2 ? M - m0 : INT_MAX / 2;
            for (int64_t grp = 0; grp < g.G; grp++)
                ax__blas_gemm(ct, false, true, (int)mt, (int)g.cout_g, (int)g.cin_g, 1.0,
                              xptr + (m0 * g.cin + grp * g.cin_g) * (int64_t)es, (int)g.cin,
                              wptr + grp * g.cout_g * kc * (int64_t)es, (int)kc, 0.0,
                              optr + (m0 * g.cout + grp * g.cout_g) * (int64_t)es, ldc);
        }
        goto finish;
    }
    {
        int64_t rows = COLS_BYTES / (kc * (int64_t)es);
        if (rows < 64) rows = 64;
        if (rows > M) rows = M;
        if (!(cols = ax__conv_temp(ctx, ct, (int64_t[]){rows * kc}, 1))) goto fail;
        im2col_job job = {.g = &g, .x = xptr, .cols = ax__ptr(cols), .es = es,
                          .contig_last = g.G == 1 && g.p->kdil[g.nsp - 1] == 1 &&
                                         g.p->idil[g.nsp - 1] == 1};
        int64_t grain = 4096 / (kc > 0 ? kc : 1);
        if (grain < 1) grain = 1;
        for (int64_t m0 = 0; m0 < M; m0 += rows) {
            int64_t mt = M - m0 < rows ? M - m0 : rows;
            job.m0 = m0;
            for (int64_t grp = 0; grp < g.G; grp++) {
                job.grp = grp;
                ax__parallel_for(mt, grain, im2col_rows, &job);
                ax__blas_gemm(ct, false, true, (int)mt, (int)g.cout_g, (int)kc, 1.0, job.cols,
                              (int)kc, wptr + grp * g.cout_g * kc * (int64_t)es, (int)kc, 0.0,
                              optr + (m0 * g.cout + grp * g.cout_g) * (int64_t)es, ldc);
            }
        }
    }
finish:
    if (od) ax__f32_to_half((const float *)ax__ptr(od), dt, (uint16_t *)ax__ptr(out), out->size);
    goto done;
fail:
    st = ctx->status != AX_OK ? ctx->status : AX_ERR_OOM;
done:
    ax_release(xd);
    ax_release(wd);
    ax_release(od);
    ax_release(cols);
    return st;
}

static ax_status k_conv(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    if (ax__cpu_use_reference()) {
        conv_reference(node, out[0]);
        return AX_OK;
    }
    return conv_fast(ctx, node, out[0]);
}

void ax__cpu_register_conv(ax_kernel *table) {
    table[AX_OP_CONV] = k_conv;
    ax__cpu_register_pool(table);
}
