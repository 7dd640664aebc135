/* Direct float32 convolution with AVX-512 register blocking, for the common
 * 1-D/2-D case (one group, no input dilation, padding >= 0, C_out a
 * multiple of 16): no column matrix at all.
 *
 * Layouts: the input is read in place; the weight is packed per block of up
 * to 64 output channels as [tap][C_in][64] (16x16 register transposes).
 * Padding costs no copy when C_in >= 32: a block of pixels whose taps all
 * fall inside the input reads at fixed offsets from each pixel; a block at
 * the border gets a table of one pointer per (tap, pixel), pointing at a
 * row of zeros for taps in the padding. With fewer input channels building
 * those tables costs more than the FMAs they feed (the 7x7 stem with
 * C_in = 3: 20% slower), so the input is copied into a zero-padded buffer
 * (in parallel, before the units) and every block reads it in place.
 *
 * Micro-kernel: up to 6 output pixels x up to 64 channels in 24 zmm
 * accumulators; per input channel it loads the block's weight vectors once
 * and broadcasts each pixel's input value into 4 FMAs (6 broadcasts + 4
 * loads per 24 FMAs, so the FMA units, not the loads, bound it). It walks a
 * list of runs: steps consecutive in both the input and the packed weights
 * (part of one tap's channels, or a kernel row of taps when there is no
 * dilation along it). The 6 pixels are consecutive in the flattened (image,
 * row, column) order and may straddle rows and images, so narrow images
 * (14 or 7 columns) keep full blocks.
 *
 * Work: a unit is (channel block, range of output pixels). The taps x input
 * channels are taken in chunks of 32 KiB of weights that every pixel of the
 * range uses while they are in L1 (later chunks add to the output); a range
 * is sized so its input and output stay in L2. Ranges may span images, so a
 * batch of small images shares each weight chunk. With many channel blocks
 * and few pixels each block has one range, and its unit packs each chunk
 * itself just before using it (self_pack) instead of the whole block up
 * front.
 *
 * Threads: the weight packing, the padding copy and the units are one job
 * on ax's pool: each thread takes the next part from a shared counter,
 * preparation parts first; a unit waits (spins, then yields) until every
 * preparation part is done. Every preparation part has been taken by a
 * running thread before any unit is, so the wait always ends. One job means
 * one wake-up of the pool per call.
 *
 * Without AVX-512 the path is not taken (ax__conv_direct_ok is false). */
#include "backend/cpu/conv_impl.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#include <sched.h>
#include <stdatomic.h>

#define PB 6 /* output pixels per micro-kernel call */
#define CB 4 /* zmm vectors (16 channels each) per channel block */

/* Input-channel steps (taps x C_in) per chunk: 128 x 64 floats = 32 KiB of
 * weights per channel block, which stay in L1 while the range's pixels use
 * them. */
#define DC_CHUNK_STEPS 128
/* Bytes of input and output a unit's pixel range may touch (L2 is 2 MiB
 * per core on the machines measured; a fifth leaves room for the weights;
 * self_pack allows 4 times this, its weights taking no L2). */
#define DC_RANGE_BYTES ((int64_t)384 << 10)

typedef struct dc_job {
    const conv_geom *g;
    const float *xsrc; /* input (N, H, W, C) */
    const float *wsrc; /* weights (C_out, KV * C) */
    const float *zeros; /* C zeros: the input row of a tap in the padding */
    const float *xorig; /* with a padded copy: the original input (xsrc is the copy) */
    float *xpad;        /* the padded copy (C_in < 32 with padding), else NULL */
    bool border;        /* blocks may have taps in the padding */
    bool self_pack;     /* one range per block: each unit packs its chunks of weights */
    int64_t oH, oW, olo_h, olo_w; /* the original input's size and padding */
    int64_t npad, pad_rows;       /* padding parts, padded rows per part */
    float *w;          /* packed weights: per channel block [KV * C][nb * 16] (not self_pack) */
    float *out;        /* (N, Ho, Wo, C_out) */
    int64_t H, W, lo_h, lo_w;
    int64_t Ho, Wo, KH, KW, sh, sw, dh, dw, C, Cout, ncb, KC, M;
    int64_t range_px, nranges; /* output pixels per unit, number of ranges */
    bool cb_major;             /* units ordered channel block first */
    bool stream;               /* one chunk per unit, large aligned output: streaming stores */
    int64_t npack, qpack;      /* packing parts (qpack per channel block) */
    int64_t nprep, nunits;
    const int64_t *toff;       /* input offset of each tap (floats) */
    const int64_t *tdy, *tdx;  /* each tap's row and column offset */
    atomic_llong next;         /* next part to take */
    atomic_llong prep_done;    /* preparation parts finished */
} dc_job;

/* A run of steps that are consecutive in both the input (from each pixel's
 * base) and the packed weights: part of one tap's channels, or whole taps of
 * one kernel row when there is no dilation along the row. */
typedef struct dc_run {
    int64_t xo, wo, n; /* input offset (floats), weight offset (floats), steps */
} dc_run;

static inline __attribute__((always_inline)) void dc_kernel(const float *const *xb,
                                                            const float *const *ptab,
                                                            const dc_run *runs, int64_t nruns,
                                                            const float *w, float *o,
                                                            int64_t ostride, bool first,
                                                            bool stream, const bool BORDER,
                                                            const int P, const int NB) {
    __m512 acc[PB][CB];
    for (int p = 0; p < P; p++)
        for (int b = 0; b < NB; b++)
            acc[p][b] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(o + p * ostride + b * 16);
    const int64_t wstep = (int64_t)NB * 16;
    for (int64_t r = 0; r < nruns; r++) {
        const float *xr[PB];
        /* border blocks: one pointer per run (tap) and pixel, zeros in the padding */
        if (BORDER)
            for (int p = 0; p < P; p++) xr[p] = ptab[r * PB + p];
        else
            for (int p = 0; p < P; p++) xr[p] = xb[p] + runs[r].xo;
        const float *wr = w + runs[r].wo;
        for (int64_t ci = 0, ce = runs[r].n; ci < ce; ci++) {
            __m512 wv[CB];
            for (int b = 0; b < NB; b++) wv[b] = _mm512_loadu_ps(wr + ci * wstep + b * 16);
            for (int p = 0; p < P; p++) {
                __m512 xv = _mm512_set1_ps(xr[p][ci]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_fmadd_ps(xv, wv[b], acc[p][b]);
            }
        }
    }
    if (stream) /* final values of an output too large for cache: skip the line reads */
        for (int p = 0; p < P; p++)
            for (int b = 0; b < NB; b++) _mm512_stream_ps(o + p * ostride + b * 16, acc[p][b]);
    else
        for (int p = 0; p < P; p++)
            for (int b = 0; b < NB; b++) _mm512_storeu_ps(o + p * ostride + b * 16, acc[p][b]);
}

#define DC_CASE_NB(P, NB)                                                                       \
    case NB:                                                                                    \
        if (ptab) dc_kernel(xb, ptab, runs, nruns, w, o, ostride, first, stream, true, P, NB);  \
        else dc_kernel(xb, ptab, runs, nruns, w, o, ostride, first, stream, false, P, NB);      \
        break;
#define DC_CASE_P(P)                                                                        \
    case P:                                                                                 \
        switch (nb) { DC_CASE_NB(P, 1) DC_CASE_NB(P, 2) DC_CASE_NB(P, 3) DC_CASE_NB(P, 4) } \
        break;

static void dc_call(const float *const *xb, const float *const *ptab, const dc_run *runs,
                    int64_t nruns, const float *w, float *o, int64_t ostride, bool first,
                    bool stream, int p, int nb) {
    switch (p) { DC_CASE_P(1) DC_CASE_P(2) DC_CASE_P(3) DC_CASE_P(4) DC_CASE_P(5) DC_CASE_P(6) }
}

/* 16 rows of 16 floats (row r at src + r * ld, the first n columns valid)
 * transposed: column i goes to dst + i * dld, for i < n. */
static inline void dc_transpose16(const float *src, int64_t ld, int n, float *dst, int64_t dld) {
    __mmask16 m = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_maskz_loadu_ps(m, src + i * ld);
    /* 2x2 blocks of single floats, then pairs, then 4x4 blocks of 128-bit lanes */
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    /* r[4a + b] holds, in each 128-bit lane l, column 4l + b of rows 4a..4a+3 */
    for (int b = 0; b < 4; b++) {
        __m512 a0 = r[b], a1 = r[4 + b], a2 = r[8 + b], a3 = r[12 + b];
        __m512 u0 = _mm512_shuffle_f32x4(a0, a1, 0x88); /* lanes 0,2 of a0, lanes 0,2 of a1 */
        __m512 u1 = _mm512_shuffle_f32x4(a0, a1, 0xdd); /* lanes 1,3 */
        __m512 u2 = _mm512_shuffle_f32x4(a2, a3, 0x88);
        __m512 u3 = _mm512_shuffle_f32x4(a2, a3, 0xdd);
        t[b] = _mm512_shuffle_f32x4(u0, u2, 0x88);      /* lane 0 of each: column b */
        t[8 + b] = _mm512_shuffle_f32x4(u0, u2, 0xdd);  /* lane 2: column 8 + b */
        t[4 + b] = _mm512_shuffle_f32x4(u1, u3, 0x88);  /* lane 1: column 4 + b */
        t[12 + b] = _mm512_shuffle_f32x4(u1, u3, 0xdd); /* lane 3: column 12 + b */
    }
    for (int i = 0; i < n; i++) _mm512_storeu_ps(dst + i * dld, t[i]);
}

/* One unit: channel block cb, flat output pixels [m0, m1). */
static void dc_unit(const dc_job *j, int64_t cb, int64_t m0, int64_t m1) {
    int64_t co0 = cb * CB * 16, KV = j->KH * j->KW, C = j->C;
    int nb = (int)((j->Cout - co0) / 16 < CB ? (j->Cout - co0) / 16 : CB);
    const float *w = j->self_pack ? NULL : j->w + co0 * j->KC;
    int64_t wstep = (int64_t)nb * 16;
    /* with self_pack: this chunk's packed weights, 32 KiB, kept in L1 */
    _Alignas(64) float wl[DC_CHUNK_STEPS * CB * 16];
    /* chunks of whole taps when C_in is small, else of part of one tap's channels */
    int64_t tchunk = C >= DC_CHUNK_STEPS ? 1 : DC_CHUNK_STEPS / C;
    int64_t cchunk = C >= DC_CHUNK_STEPS ? DC_CHUNK_STEPS : C;
    int64_t HW = j->Ho * j->Wo;
    /* taps of one kernel row merge into one run when they read consecutive
     * channels (whole channel range per tap, no dilation along the row) */
    bool merge = j->dw == 1 && cchunk == C;
    dc_run runs[DC_CHUNK_STEPS], truns[DC_CHUNK_STEPS]; /* merged; one per tap */
    const float *ptab[DC_CHUNK_STEPS * PB];
    /* last first-tap row and column whose taps all fall inside the input */
    const int64_t ylast = j->H - 1 - j->tdy[KV - 1], xlast = j->W - 1 - j->tdx[KV - 1];
    for (int64_t t0 = 0; t0 < KV; t0 += tchunk) {
        int64_t t1 = t0 + tchunk < KV ? t0 + tchunk : KV;
        for (int64_t c0 = 0; c0 < C; c0 += cchunk) {
            int64_t c1 = c0 + cchunk < C ? c0 + cchunk : C;
            bool first = t0 == 0 && c0 == 0;
            int64_t nruns = 0, ntruns = t1 - t0;
            if (j->self_pack) { /* pack this chunk into wl, [tap][channel][nb * 16] */
                for (int64_t k = 0; k < wstep; k += 16)
                    for (int64_t t = t0; t < t1; t++)
                        for (int64_t c = c0; c < c1; c += 16)
                            dc_transpose16(j->wsrc + (co0 + k) * j->KC + t * C + c, j->KC,
                                           (int)(c1 - c < 16 ? c1 - c : 16),
                                           wl + ((t - t0) * (c1 - c0) + c - c0) * wstep + k, wstep);
                w = wl;
            }
            for (int64_t t = t0; t < t1; t++) {
                int64_t wo = j->self_pack ? (t - t0) * (c1 - c0) * wstep : (t * C + c0) * wstep;
                dc_run r = {j->toff[t] + c0, wo, c1 - c0};
                truns[t - t0] = r;
                if (merge && nruns && t % j->KW) runs[nruns - 1].n += r.n;
                else runs[nruns++] = r;
            }
            /* odometer over (image, row, column) of the flat pixel index */
            int64_t n = m0 / HW, oy = m0 % HW / j->Wo, ox = m0 % j->Wo;
            for (int64_t m = m0; m < m1; m += PB) {
                int p = (int)(m1 - m < PB ? m1 - m : PB);
                const float *xb[PB];
                int64_t off[PB], iy0[PB], ix0[PB];
                bool inside = true;
                for (int q = 0; q < p; q++) {
                    iy0[q] = oy * j->sh - j->lo_h;
                    ix0[q] = ox * j->sw - j->lo_w;
                    off[q] = ((n * j->H + iy0[q]) * j->W + ix0[q]) * C;
                    bool in = !j->border ||
                              (iy0[q] >= 0 && iy0[q] <= ylast && ix0[q] >= 0 && ix0[q] <= xlast);
                    inside = inside && in;
                    xb[q] = in ? j->xsrc + off[q] : j->zeros;
                    if (++ox == j->Wo) {
                        ox = 0;
                        if (++oy == j->Ho) oy = 0, n++;
                    }
                }
                float *o = j->out + m * j->Cout + co0;
                bool stream = first && j->stream;
                if (inside) {
                    dc_call(xb, NULL, runs, nruns, w, o, j->Cout, first, stream, p, nb);
                    continue;
                }
                /* border block: a pointer per tap and pixel (zeros in the padding) */
                for (int64_t t = t0; t < t1; t++)
                    for (int q = 0; q < p; q++) {
                        int64_t iy = iy0[q] + j->tdy[t], ix = ix0[q] + j->tdx[t];
                        ptab[(t - t0) * PB + q] = iy >= 0 && iy < j->H && ix >= 0 && ix < j->W
                                                      ? j->xsrc + (off[q] + j->toff[t] + c0)
                                                      : j->zeros;
                    }
                dc_call(xb, ptab, truns, ntruns, w, o, j->Cout, first, stream, p, nb);
            }
        }
    }
}

/* Packing part: channel block cb, piece q of its KC taps x channels:
 * (C_out, KC) -> [KC][nbw] by 16x16 tiles. */
static void dc_pack_part(const dc_job *j, int64_t part) {
    int64_t cb = part / j->qpack, q = part % j->qpack, co0 = cb * CB * 16;
    int64_t nbw = j->Cout - co0 < CB * 16 ? j->Cout - co0 : CB * 16;
    int64_t steps = (j->KC + 15) / 16;
    int64_t s0 = steps * q / j->qpack * 16, s1 = steps * (q + 1) / j->qpack * 16;
    if (s1 > j->KC) s1 = j->KC;
    float *blk = j->w + co0 * j->KC;
    /* 16 source rows at a time, each read sequentially (few streams for the
     * prefetcher); the piece's destination (64 KiB or so) stays in cache */
    for (int64_t k = 0; k < nbw; k += 16)
        for (int64_t tc0 = s0; tc0 < s1; tc0 += 16) {
            int n = (int)(s1 - tc0 < 16 ? s1 - tc0 : 16);
            dc_transpose16(j->wsrc + (co0 + k) * j->KC + tc0, j->KC, n, blk + tc0 * nbw + k, nbw);
        }
}

/* Padding part: padded rows [part * pad_rows, ...) of the flat (N * H) rows
 * of the padded copy (H, W its size). */
static void dc_pad_part(const dc_job *j, int64_t part) {
    int64_t r0 = part * j->pad_rows, r1 = r0 + j->pad_rows, total = j->g->N * j->H;
    if (r1 > total) r1 = total;
    size_t rowf = (size_t)(j->W * j->C);
    for (int64_t r = r0; r < r1; r++) {
        int64_t n = r / j->H, y = r % j->H - j->olo_h;
        float *d = j->xpad + r * (int64_t)rowf;
        if (y < 0 || y >= j->oH) {
            memset(d, 0, sizeof(float) * rowf);
            continue;
        }
        size_t lo = (size_t)(j->olo_w * j->C), mid = (size_t)(j->oW * j->C);
        memset(d, 0, sizeof(float) * lo);
        memcpy(d + lo, j->xorig + (n * j->oH + y) * (int64_t)mid, sizeof(float) * mid);
        memset(d + lo + mid, 0, sizeof(float) * (rowf - lo - mid));
    }
}

static void dc_wait_prep(dc_job *j) {
    for (int spins = 0; atomic_load_explicit(&j->prep_done, memory_order_acquire) < j->nprep;)
        if (++spins < 2000) _mm_pause();
        else sched_yield();
}

static void dc_worker(void *ud, int64_t begin, int64_t end) {
    (void)begin, (void)end;
    dc_job *j = ud;
    for (;;) {
        int64_t i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (i >= j->nprep + j->nunits) break;
        if (i < j->nprep) {
            if (i < j->npack) dc_pack_part(j, i);
            else dc_pad_part(j, i - j->npack);
            atomic_fetch_add_explicit(&j->prep_done, 1, memory_order_release);
            continue;
        }
        int64_t u = i - j->nprep, cb, r;
        if (j->cb_major) cb = u / j->nranges, r = u % j->nranges;
        else r = u / j->ncb, cb = u % j->ncb;
        dc_wait_prep(j);
        int64_t m0 = r * j->range_px, m1 = m0 + j->range_px < j->M ? m0 + j->range_px : j->M;
        dc_unit(j, cb, m0, m1);
        if (j->stream) _mm_sfence();
    }
}

bool ax__conv_direct_ok(const conv_geom *g, ax_dtype ct) {
    const ax_conv_params *p = g->p;
    /* Any C_in: with the weights packed per chunk by the unit that uses them
     * (self_pack), wide inputs on few pixels beat im2col + sgemm too (one
     * core: 7x7x512 -> 512 1.7 ms against 2.2-2.5, 3x3x512 -> 512 0.66
     * against 1.2, 14x14x512 -> 64 0.75 against 1.23). */
    if (ct != AX_FLOAT32 || g->G != 1 || g->nsp > 2 || g->cout % 16 != 0 || g->cin < 1)
        return false;
    for (int d = 0; d < g->nsp; d++)
        if (p->idil[d] != 1 || p->pad_lo[d] < 0 || p->pad_hi[d] < 0) return false;
    return true;
}

bool ax__conv_direct(ax_ctx *ctx, const conv_geom *g, const float *x, const float *w, float *out) {
    const ax_conv_params *p = g->p;
    bool two = g->nsp == 2;
    int64_t H = two ? g->I[0] : 1, W = g->I[g->nsp - 1], C = g->cin;
    int64_t lo_h = two ? p->pad_lo[0] : 0, hi_h = two ? p->pad_hi[0] : 0;
    int64_t lo_w = p->pad_lo[g->nsp - 1], hi_w = p->pad_hi[g->nsp - 1];
    dc_job j = {.g = g, .xsrc = x, .wsrc = w, .out = out, .C = C, .Cout = g->cout,
                .H = H, .W = W, .lo_h = lo_h, .lo_w = lo_w,
                .Ho = two ? g->O[0] : 1, .Wo = g->O[g->nsp - 1],
                .KH = two ? g->K[0] : 1, .KW = g->K[g->nsp - 1],
                .sh = two ? p->stride[0] : 1, .sw = p->stride[g->nsp - 1],
                .dh = two ? p->kdil[0] : 1, .dw = p->kdil[g->nsp - 1]};
    int64_t KV = j.KH * j.KW;
    j.KC = KV * C;
    j.M = g->N * j.Ho * j.Wo;
    j.ncb = (g->cout + CB * 16 - 1) / (CB * 16);
    int nt = ax__num_threads();
    ax_array *wp = NULL, *tp = NULL, *xp = NULL;
    if (C < 32 && (lo_h || hi_h || lo_w || hi_w)) {
        /* read a zero-padded copy (filled by the padding parts) as an unpadded input */
        int64_t Hp = H + lo_h + hi_h, Wp = W + lo_w + hi_w;
        if (!(xp = ax__conv_temp(ctx, AX_FLOAT32, (int64_t[]){g->N, Hp, Wp, C}, 4))) return false;
        j.xorig = x, j.oH = H, j.oW = W, j.olo_h = lo_h, j.olo_w = lo_w;
        j.xpad = (float *)ax__ptr(xp);
        j.xsrc = j.xpad, j.H = H = Hp, j.W = W = Wp, j.lo_h = j.lo_w = 0;
        /* parts of about 64 KiB, at least 2 per thread */
        int64_t rows = g->N * Hp, rowb = Wp * C * (int64_t)sizeof(float);
        int64_t parts = rows * rowb / ((int64_t)64 << 10);
        if (parts < 2 * nt) parts = 2 * nt;
        if (parts > rows) parts = rows;
        j.pad_rows = (rows + parts - 1) / parts;
        j.npad = (rows + j.pad_rows - 1) / j.pad_rows;
    }
    /* packing pieces of at least 64 KiB of weights, at least 2 per thread */
    int64_t steps = (j.KC + 15) / 16, blkb = j.KC * CB * 16 * (int64_t)sizeof(float);
    j.qpack = blkb / ((int64_t)64 << 10);
    if (j.qpack * j.ncb < 2 * nt) j.qpack = (2 * nt + j.ncb - 1) / j.ncb;
    if (j.qpack > steps) j.qpack = steps;
    if (j.qpack < 1) j.qpack = 1;
    j.npack = j.ncb * j.qpack;
    j.border = j.lo_h || j.lo_w || (H - 1 - (j.KH - 1) * j.dh) < (j.Ho - 1) * j.sh ||
               (W - 1 - (j.KW - 1) * j.dw) < (j.Wo - 1) * j.sw;
    /* pixel ranges: input and output of a range stay in L2; at least 4 units
     * per thread; a multiple of PB pixels */
    int64_t px_bytes = (int64_t)sizeof(float) * (CB * 16 + j.sh * j.sw * C);
    int64_t range = DC_RANGE_BYTES / px_bytes;
    int64_t want = 4 * (int64_t)nt;
    int64_t nr = (j.M + range - 1) / (range > 0 ? range : 1);
    /* many channel blocks and few pixels (14x14x256 -> 256 at batch 1,
     * 7x7x512 -> 512 at batch 8): one range of all pixels (up to 4 times the
     * budget, which still fits L2), so each unit alone uses its block's
     * weights: it packs each chunk itself into a buffer that stays in L1
     * just before using it (no shared packing, no barrier, and no packed
     * block competing with the input for L2) */
    j.self_pack = j.ncb >= 2 * nt && j.M <= 4 * range;
    if (j.self_pack) nr = 1;
    else if (nr * j.ncb < want) nr = (want + j.ncb - 1) / j.ncb;
    if (nr > (j.M + PB - 1) / PB) nr = (j.M + PB - 1) / PB;
    range = (j.M + nr - 1) / nr;
    range = (range + PB - 1) / PB * PB;
    j.range_px = range;
    j.nranges = (j.M + range - 1) / range;
    j.nunits = j.ncb * j.nranges;
    /* channel block outermost when a block's weights outweigh a range's
     * input (they then stay in L2 across the ranges), else the range */
    j.cb_major = blkb > range * (int64_t)sizeof(float) * j.sh * j.sw * C;
    if (j.self_pack) j.npack = 0; /* no shared packing parts */
    j.nprep = j.npack + j.npad;
    /* streaming stores when every unit writes its output once (one chunk)
     * and the output exceeds one core's L2 (2 MiB): the stores then skip
     * reading the lines first, which at 2 threads was the bound of the 1x1
     * 56x56x64 -> 256 layer (0.39 -> 0.30 ms) */
    j.stream = ((uintptr_t)out % 64) == 0 && (C >= DC_CHUNK_STEPS ? C == DC_CHUNK_STEPS && KV == 1
                                                                   : KV <= DC_CHUNK_STEPS / C) &&
               j.M * j.Cout * (int64_t)sizeof(float) > ((int64_t)2 << 20);
    /* the packed weights (none with self_pack), tap tables (offset, row and
     * column offset) and a row of C zeros */
    if (!(wp = ax__conv_temp(ctx, AX_FLOAT32, (int64_t[]){j.self_pack ? 1 : g->cout * j.KC}, 1)) ||
        !(tp = ax__conv_temp(ctx, AX_INT64, (int64_t[]){3 * KV + (C + 1) / 2}, 1))) {
        ax_release(wp);
        ax_release(xp);
        return false;
    }
    j.w = (float *)ax__ptr(wp);
    int64_t *toff = (int64_t *)ax__ptr(tp), *tdy = toff + KV, *tdx = tdy + KV;
    for (int64_t t = 0; t < KV; t++) {
        tdy[t] = t / j.KW * j.dh;
        tdx[t] = t % j.KW * j.dw;
        toff[t] = (tdy[t] * W + tdx[t]) * C;
    }
    float *zeros = (float *)(tdx + KV);
    memset(zeros, 0, sizeof(float) * (size_t)C);
    j.toff = toff, j.tdy = tdy, j.tdx = tdx, j.zeros = zeros;
    atomic_init(&j.next, 0);
    atomic_init(&j.prep_done, 0);
    ax__parallel_for(nt, 1, dc_worker, &j);
    ax_release(wp);
    ax_release(tp);
    ax_release(xp);
    return true;
}

#else

bool ax__conv_direct_ok(const conv_geom *g, ax_dtype ct) {
    (void)g, (void)ct;
    return false;
}
bool ax__conv_direct(ax_ctx *ctx, const conv_geom *g, const float *x, const float *w, float *out) {
    (void)ctx, (void)g, (void)x, (void)w, (void)out;
    return false;
}

#endif
