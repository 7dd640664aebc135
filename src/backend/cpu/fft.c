/* CPU kernels: the FFT primitive (a 1-D transform along one axis; params in
 * ops/fft_params.h).
 *
 * Reference kernel: the DFT by its definition, O(n^2) per line, in double,
 * angles reduced exactly in integers (j * k mod n).
 * Fast kernel: the plans of fft_plan.c. Lines along the axis are gathered
 * into contiguous buffers (zero-padded or truncated), transformed, scaled
 * and scattered; a line that is already contiguous in and out is
 * transformed in place of the copies. When the axis is not the last one,
 * up to FFT_BLOCK neighbouring lines are gathered together so the copies
 * read and write whole cache lines. Blocks of lines are spread over the
 * thread pool; a single long line instead splits each pass of its plan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/fft_impl.h"
#include "ops/fft_params.h"

/* Geometry of one kernel call. */
typedef struct fft_geo {
    const ax_fft_params *p;
    const ax_array *in;
    ax_array *out;
    int axis, ndim;
    int64_t n, in_need, out_len, use; /* use = elements read per line */
    int64_t outer, inner;             /* lines = outer * inner */
    int64_t in_step;                  /* input stride along the axis (elements) */
} fft_geo;

static void geo_init(fft_geo *g, const ax_node *node, ax_array *out) {
    const ax_fft_params *p = node->params;
    const ax_array *in = node->inputs[0];
    g->p = p;
    g->in = in;
    g->out = out;
    g->axis = p->axis;
    g->ndim = in->ndim;
    g->n = p->n;
    g->in_need = ax__fft_in_len(p->kind, p->n);
    g->out_len = ax__fft_out_len(p->kind, p->n);
    int64_t len = in->shape[p->axis];
    g->use = len < g->in_need ? len : g->in_need;
    g->outer = 1;
    g->inner = 1;
    for (int d = 0; d < p->axis; d++) g->outer *= in->shape[d];
    for (int d = p->axis + 1; d < in->ndim; d++) g->inner *= in->shape[d];
    g->in_step = in->strides[p->axis];
}

/* Input offset (elements, from the array's first element) of line (o, q). */
static int64_t in_line_off(const fft_geo *g, int64_t o, int64_t q) {
    const ax_array *a = g->in;
    int64_t off = 0;
    for (int d = g->ndim - 1; d > g->axis; d--) {
        off += (q % a->shape[d]) * a->strides[d];
        q /= a->shape[d];
    }
    for (int d = g->axis - 1; d >= 0; d--) {
        off += (o % a->shape[d]) * a->strides[d];
        o /= a->shape[d];
    }
    return off;
}

/* ---------------------------------------------------------------- reference */

static ax_status fft_reference(ax_ctx *ctx, const fft_geo *g) {
    int64_t n = g->n;
    const ax_fft_params *p = g->p;
    double *cs = malloc(sizeof(double) * 2 * (size_t)n);
    double *xr = malloc(sizeof(double) * 2 * (size_t)g->in_need);
    if (!cs || !xr) {
        free(cs);
        free(xr);
        return ax__fail(ctx, AX_ERR_OOM, "fft: out of host memory for a transform of length %lld",
                        (long long)n);
    }
    double *xi = xr + g->in_need;
    int sign = p->kind == AX_FFT_KIND_R2C ? -1 : p->kind == AX_FFT_KIND_C2R ? 1
                                                  : (p->inverse ? 1 : -1);
    for (int64_t q = 0; q < n; q++) {
        double ang = 2.0 * M_PI * (double)q / (double)n;
        cs[2 * q] = cos(ang);
        cs[2 * q + 1] = sign * sin(ang);
    }
    size_t isz = ax_dtype_size(g->in->dtype), osz = ax_dtype_size(g->out->dtype);
    const char *ib = ax__ptr(g->in);
    char *ob = ax__ptr(g->out);
    for (int64_t o = 0; o < g->outer; o++)
        for (int64_t q = 0; q < g->inner; q++) {
            int64_t ioff = in_line_off(g, o, q);
            for (int64_t j = 0; j < g->in_need; j++) {
                xr[j] = xi[j] = 0;
                if (j < g->use)
                    ax__load_c(ib + (ioff + j * g->in_step) * (int64_t)isz, g->in->dtype, &xr[j],
                               &xi[j]);
            }
            char *line = ob + (o * g->out_len * g->inner + q) * (int64_t)osz;
            for (int64_t k = 0; k < g->out_len; k++) {
                double re = 0, im = 0;
                if (p->kind == AX_FFT_KIND_C2R) {
                    /* x_k = Re X0 + 2 sum Re(X_j e^{+i..}) + Re X_{n/2} (-1)^k */
                    re = xr[0];
                    int64_t top = (n + 1) / 2; /* j < top pair with n - j */
                    for (int64_t j = 1, t = k % n; j < top; j++) { /* t = j * k mod n */
                        re += 2 * (xr[j] * cs[2 * t] - xi[j] * cs[2 * t + 1]);
                        t += k;
                        if (t >= n) t -= n;
                    }
                    if (n % 2 == 0) re += (k % 2 ? -1 : 1) * xr[n / 2];
                    ax__store_f64(line + k * g->inner * (int64_t)osz, g->out->dtype,
                                  re * p->scale);
                    continue;
                }
                for (int64_t j = 0, t = 0; j < n; j++) { /* t = j * k mod n */
                    double c = cs[2 * t], s = cs[2 * t + 1];
                    re += xr[j] * c - xi[j] * s;
                    im += xr[j] * s + xi[j] * c;
                    t += k;
                    if (t >= n) t -= n;
                }
                ax__store_c(line + k * g->inner * (int64_t)osz, g->out->dtype, re * p->scale,
                            im * p->scale);
            }
        }
    free(cs);
    free(xr);
    return AX_OK;
}

/* ---------------------------------------------------------------- fast */

#define FFT_BLOCK 16
/* Lines per block on the element-major (SIMD across lines) path: wide
 * blocks read and write long runs of each far-apart row. */
#define FFT_COLS_BLOCK 64
/* Rows ahead to prefetch when gathering / scattering a block of a non-last axis. */
#define FFT_PREFETCH 8
/* Work memory up to this size stays cached per thread (no page faults on
 * every call); larger transforms allocate and free theirs. */
#define FFT_TL_MAX ((size_t)8 << 20)

static _Thread_local char *tl_mem;
static _Thread_local size_t tl_cap;

static char *work_mem(size_t bytes, bool *owned) {
    bytes = (bytes + 63) / 64 * 64;
    if (bytes > FFT_TL_MAX) {
        *owned = true;
        return aligned_alloc(64, bytes);
    }
    *owned = false;
    if (tl_cap < bytes) {
        free(tl_mem);
        tl_mem = aligned_alloc(64, bytes);
        tl_cap = tl_mem ? bytes : 0;
    }
    return tl_mem;
}

typedef struct fft_job {
    const fft_geo *g;
    const ax_fft_plan *plan;
    int64_t qblocks; /* blocks per outer index */
    int64_t block;   /* lines per block */
    bool par_inner;  /* split the passes of each transform (few long lines) */
    bool cols;       /* full blocks of a non-last axis run element-major, SIMD across lines */
    atomic_int failed;
} fft_job;

static void exec_line(const fft_job *j, const void *src, void *dst, ax_c64 *work) {
    const ax_fft_params *p = j->g->p;
    bool par = j->par_inner;
    if (p->kind == AX_FFT_KIND_C2C) ax__fft_exec(j->plan, src, dst, work, par);
    else if (p->kind == AX_FFT_KIND_R2C) ax__fft_exec_r2c(j->plan, src, dst, work, par);
    else ax__fft_exec_c2r(j->plan, src, dst, work, par);
}

static void fft_task(void *ud, int64_t b, int64_t e) {
    fft_job *j = ud;
    const fft_geo *g = j->g;
    const ax_fft_params *p = g->p;
    bool real_in = p->kind == AX_FFT_KIND_R2C, real_out = p->kind == AX_FFT_KIND_C2R;
    size_t isz = real_in ? sizeof(float) : sizeof(ax_c64);
    size_t osz = real_out ? sizeof(float) : sizeof(ax_c64);
    int64_t B = j->block;
    size_t in_bytes = (size_t)g->in_need * isz, out_bytes = (size_t)g->out_len * osz;
    /* line buffers 64-byte aligned, one cache line apart beyond their size
     * so the B lines of a block do not all map to the same cache set */
    size_t in_al = (in_bytes + 63) / 64 * 64 + 64, out_al = (out_bytes + 63) / 64 * 64 + 64;
    size_t work_bytes = j->plan->scratch * sizeof(ax_c64);
    size_t mem_bytes = (size_t)B * (in_al + out_al) + work_bytes + 64;
    size_t col_bytes = 3 * (size_t)(g->n * B) * sizeof(ax_c64);
    if (j->cols && col_bytes > mem_bytes) mem_bytes = col_bytes;
    bool owned;
    char *mem = work_mem(mem_bytes, &owned);
    if (!mem) {
        atomic_store(&j->failed, 1);
        return;
    }
    char *ibuf = mem, *obuf = mem + (size_t)B * in_al;
    ax_c64 *work = (ax_c64 *)(obuf + (size_t)B * out_al);
    const char *ib = ax__ptr(g->in);
    char *ob = ax__ptr(g->out);
    float scale = (float)p->scale;
    int64_t inner = g->inner, step = g->in_step;
    for (int64_t u = b; u < e; u++) {
        int64_t o = u / j->qblocks, q0 = (u % j->qblocks) * B;
        int64_t nb = inner - q0 < B ? inner - q0 : B;
        char *out0 = ob + (o * g->out_len * inner + q0) * (int64_t)osz;
        if (inner == 1 && step == 1 && g->use == g->in_need) {
            /* contiguous line: transform straight from the input to the output */
            exec_line(j, ib + in_line_off(g, o, 0) * (int64_t)isz, out0, work);
            if (scale != 1.f) {
                float *f = (float *)out0;
                int64_t cnt = g->out_len * (real_out ? 1 : 2);
                for (int64_t i = 0; i < cnt; i++) f[i] *= scale;
            }
            continue;
        }
        /* gather nb lines, position-major so neighbouring lines share cache lines */
        int64_t offs[FFT_COLS_BLOCK];
        for (int64_t l = 0; l < nb; l++) offs[l] = in_line_off(g, o, q0 + l);
        if (j->cols && nb == B) {
            /* element-major block: row i of the block holds element i of the B lines */
            ax_c64 *A = (ax_c64 *)mem, *Y = A + g->n * B, *Wk = Y + g->n * B;
            const ax_c64 *s = (const ax_c64 *)ib;
            bool unit = true; /* the B lines are neighbours in the input too */
            for (int64_t l = 1; l < B; l++) unit = unit && offs[l] == offs[0] + l;
            for (int64_t i = 0; i < g->use; i++) {
                if (i + FFT_PREFETCH < g->use) { /* rows are far apart: fetch ahead */
                    const char *pf = (const char *)(s + offs[0] + (i + FFT_PREFETCH) * step);
                    for (int64_t bb = 0; bb < B * (int64_t)sizeof(ax_c64); bb += 64)
                        __builtin_prefetch(pf + bb);
                }
                if (unit)
                    memcpy(A + i * B, s + offs[0] + i * step, sizeof(ax_c64) * (size_t)B);
                else
                    for (int64_t l = 0; l < B; l++) A[i * B + l] = s[offs[l] + i * step];
            }
            memset(A + g->use * B, 0, sizeof(ax_c64) * (size_t)((g->n - g->use) * B));
            ax__fft_exec_cols(j->plan, A, Y, Wk, (int)(B / ax__fft_simd_width()));
            ax_c64 *d = (ax_c64 *)out0;
            for (int64_t k = 0; k < g->out_len; k++) {
                if (k + FFT_PREFETCH < g->out_len) {
                    char *pf = (char *)(d + (k + FFT_PREFETCH) * inner);
                    for (int64_t bb = 0; bb < B * (int64_t)sizeof(ax_c64); bb += 64)
                        __builtin_prefetch(pf + bb, 1);
                }
                for (int64_t l = 0; l < B; l++) {
                    ax_c64 v = Y[k * B + l];
                    d[k * inner + l] = (ax_c64){v.re * scale, v.im * scale};
                }
            }
            continue;
        }
        if (real_in) {
            const float *s = (const float *)ib;
            for (int64_t i = 0; i < g->use; i++)
                for (int64_t l = 0; l < nb; l++)
                    ((float *)(ibuf + (size_t)l * in_al))[i] = s[offs[l] + i * step];
            for (int64_t l = 0; l < nb; l++)
                for (int64_t i = g->use; i < g->in_need; i++)
                    ((float *)(ibuf + (size_t)l * in_al))[i] = 0.f;
        } else if (nb == 1 && step == 1) {
            memcpy(ibuf, (const ax_c64 *)ib + offs[0], sizeof(ax_c64) * (size_t)g->use);
        } else {
            const ax_c64 *s = (const ax_c64 *)ib;
            for (int64_t i = 0; i < g->use; i++)
                for (int64_t l = 0; l < nb; l++)
                    ((ax_c64 *)(ibuf + (size_t)l * in_al))[i] = s[offs[l] + i * step];
        }
        if (!real_in)
            for (int64_t l = 0; l < nb; l++)
                for (int64_t i = g->use; i < g->in_need; i++)
                    ((ax_c64 *)(ibuf + (size_t)l * in_al))[i] = (ax_c64){0.f, 0.f};
        for (int64_t l = 0; l < nb; l++)
            exec_line(j, ibuf + (size_t)l * in_al, obuf + (size_t)l * out_al, work);
        /* scatter with the scale: element k of line l goes to out0[k * inner + l] */
        if (real_out) {
            float *d = (float *)out0;
            for (int64_t k = 0; k < g->out_len; k++)
                for (int64_t l = 0; l < nb; l++)
                    d[k * inner + l] = ((const float *)(obuf + (size_t)l * out_al))[k] * scale;
        } else {
            ax_c64 *d = (ax_c64 *)out0;
            for (int64_t k = 0; k < g->out_len; k++)
                for (int64_t l = 0; l < nb; l++) {
                    ax_c64 v = ((const ax_c64 *)(obuf + (size_t)l * out_al))[k];
                    d[k * inner + l] = (ax_c64){v.re * scale, v.im * scale};
                }
        }
    }
    if (owned) free(mem);
}

static ax_status fft_fast(ax_ctx *ctx, const fft_geo *g) {
    const ax_fft_params *p = g->p;
    const ax_fft_plan *plan = p->kind == AX_FFT_KIND_C2C ? ax__fft_plan(p->n, p->inverse ? 1 : -1)
                                                         : ax__fft_rplan(p->n);
    if (!plan)
        return ax__fail(ctx, AX_ERR_OOM, "fft: out of host memory for a plan of length %lld",
                        (long long)p->n);
    fft_job j = {.g = g, .plan = plan};
    atomic_init(&j.failed, 0);
    /* Lines of a non-last axis travel in blocks; short lines in bigger ones. */
    int64_t B = 1;
    if (g->inner > 1) {
        B = FFT_BLOCK;
        if (g->n * B > (1 << 20)) B = (1 << 20) / g->n;
        if (B < 1) B = 1;
        if (B > g->inner) B = g->inner;
    }
    int w = ax__fft_simd_width();
    if (p->kind == AX_FFT_KIND_C2C && plan->kind == AX_FFT_PLAN_STOCKHAM && g->inner >= w) {
        /* three block buffers of n * Bc values within about 8 MiB */
        int64_t bc = ((int64_t)8 << 20) / (24 * g->n);
        if (bc > FFT_COLS_BLOCK) bc = FFT_COLS_BLOCK;
        if (bc > g->inner) bc = g->inner;
        bc -= bc % w;
        if (bc >= w) {
            j.cols = true;
            B = bc;
        }
    }
    j.block = B;
    j.qblocks = (g->inner + B - 1) / B;
    int64_t units = g->outer * j.qblocks;
    int nt = ax__num_threads();
    if (units < 2 * nt && g->n >= AX_FFT_PAR_MIN && nt > 1) {
        j.par_inner = true;
        fft_task(&j, 0, units);
    } else {
        int64_t per = g->n * B; /* elements per unit */
        int64_t grain = 32768 / (per ? per : 1);
        ax__parallel_for(units, grain < 1 ? 1 : grain, fft_task, &j);
    }
    if (atomic_load(&j.failed))
        return ax__fail(ctx, AX_ERR_OOM, "fft: out of host memory for work buffers (length %lld)",
                        (long long)p->n);
    return AX_OK;
}

static ax_status k_fft(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    fft_geo g;
    geo_init(&g, node, out[0]);
    if (out[0]->size == 0) return AX_OK;
    if (ax__cpu_use_reference()) return fft_reference(ctx, &g);
    return fft_fast(ctx, &g);
}

void ax__cpu_register_fft(ax_kernel *table) { table[AX_OP_FFT] = k_fft; }
