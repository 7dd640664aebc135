/* Direct float32 convolution with AVX-512 register blocking, for the common
 * 1-D/2-D case (one group, no input dilation, padding >= 0, C_out a
 * multiple of 16; see ax__conv_direct_ok for the C_in rule): no column
 * matrix at all. The input is copied once into a
 * zero-padded (N, Hp, Wp, C_in) buffer so the inner loops have no bounds
 * checks; the weight is packed per block of up to 64 output channels as
 * [tap][C_in][64]. Each call of the micro-kernel computes up to 6 adjacent
 * output pixels x up to 64 channels in 24 zmm accumulators: per input
 * channel of each tap it loads the block's weight vectors once and
 * broadcasts each pixel's input value into 4 FMAs (6 broadcasts + 4 loads
 * per 24 FMAs, so the FMA units, not the loads, bound it). The taps x
 * input channels are taken in chunks of 32 KiB of weights that every pixel
 * of a band of rows uses while they are in L1 (later chunks add to the
 * output), so layers with many input channels do not stream their weight
 * block from L2 for every 6 pixels. Work is split over (image, channel
 * block, band of rows) on ax's pool. Without AVX-512 the path is not taken
 * (ax__conv_direct_ok is false). */
#include "backend/cpu/conv_impl.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define PB 6 /* output pixels per micro-kernel call */
#define CB 4 /* zmm vectors (16 channels each) per channel block */

typedef struct dc_job {
    const conv_geom *g;
    const float *x; /* padded input (N, Hp, Wp, C) */
    const float *w; /* packed weights: per channel block [tap][C][nb * 16] */
    float *out;     /* (N, Ho, Wo, C_out) */
    int64_t Hp, Wp, Ho, Wo, KH, KW, sh, sw, dh, dw, C, Cout, ncb;
    int64_t band_rows, nbands; /* output rows per work unit */
} dc_job;

/* Input-channel steps (taps x C_in) per chunk: 128 x 64 floats = 32 KiB of
 * weights per channel block, which stay in L1 while the band's pixels use
 * them. */
#define DC_CHUNK_STEPS 128

static inline __attribute__((always_inline)) void dc_kernel(const dc_job *j, const float *x0,
                                                            const float *w, float *o, int64_t t0,
                                                            int64_t t1, int64_t c0, int64_t c1,
                                                            const int P, const int NB) {
    __m512 acc[PB][CB];
    for (int p = 0; p < P; p++)
        for (int b = 0; b < NB; b++)
            acc[p][b] = t0 || c0 ? _mm512_loadu_ps(o + p * j->Cout + b * 16) : _mm512_setzero_ps();
    const int64_t C = j->C, xps = j->sw * C, wstep = (int64_t)NB * 16;
    for (int64_t t = t0; t < t1; t++) {
        int64_t ky = t / j->KW, kx = t % j->KW;
        const float *xr = x0 + (ky * j->dh * j->Wp + kx * j->dw) * C;
        const float *wr = w + t * C * wstep;
        for (int64_t ci = c0; ci < c1; ci++) {
            __m512 wv[CB];
            for (int b = 0; b < NB; b++) wv[b] = _mm512_loadu_ps(wr + ci * wstep + b * 16);
            for (int p = 0; p < P; p++) {
                __m512 xb = _mm512_set1_ps(xr[p * xps + ci]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_fmadd_ps(xb, wv[b], acc[p][b]);
            }
        }
    }
    for (int p = 0; p < P; p++)
        for (int b = 0; b < NB; b++) _mm512_storeu_ps(o + p * j->Cout + b * 16, acc[p][b]);
}

#define DC_CASE_NB(P, NB)                                                                   \
    case NB: dc_kernel(j, x0, w, o, t0, t1, c0, c1, P, NB); break;
#define DC_CASE_P(P)                                                                        \
    case P:                                                                                 \
        switch (nb) { DC_CASE_NB(P, 1) DC_CASE_NB(P, 2) DC_CASE_NB(P, 3) DC_CASE_NB(P, 4) } \
        break;

static void dc_call(const dc_job *j, const float *x0, const float *w, float *o, int64_t t0,
                    int64_t t1, int64_t c0, int64_t c1, int p, int nb) {
    switch (p) { DC_CASE_P(1) DC_CASE_P(2) DC_CASE_P(3) DC_CASE_P(4) DC_CASE_P(5) DC_CASE_P(6) }
}

/* One unit: image n, channel block cb, output rows [r0, r1). The taps are
 * taken in chunks whose weights (chunk x C_in x 64 floats) stay in cache
 * while every pixel of the rows uses them; later chunks add to the output. */
static void dc_unit(const dc_job *j, int64_t n, int64_t cb, int64_t r0, int64_t r1) {
    int64_t co0 = cb * CB * 16, KV = j->KH * j->KW;
    int nb = (int)((j->Cout - co0) / 16 < CB ? (j->Cout - co0) / 16 : CB);
    const float *w = j->w + co0 * KV * j->C;
    /* chunks of whole taps when C_in is small, else of part of one tap's channels */
    int64_t tchunk = j->C >= DC_CHUNK_STEPS ? 1 : DC_CHUNK_STEPS / j->C;
    int64_t cchunk = j->C >= DC_CHUNK_STEPS ? DC_CHUNK_STEPS : j->C;
    for (int64_t t0 = 0; t0 < KV; t0 += tchunk) {
        int64_t t1 = t0 + tchunk < KV ? t0 + tchunk : KV;
        for (int64_t c0 = 0; c0 < j->C; c0 += cchunk) {
            int64_t c1 = c0 + cchunk < j->C ? c0 + cchunk : j->C;
            for (int64_t oy = r0; oy < r1; oy++) {
                const float *xrow = j->x + ((n * j->Hp + oy * j->sh) * j->Wp) * j->C;
                float *orow = j->out + ((n * j->Ho + oy) * j->Wo) * j->Cout + co0;
                for (int64_t ox = 0; ox < j->Wo; ox += PB) {
                    int p = (int)(j->Wo - ox < PB ? j->Wo - ox : PB);
                    dc_call(j, xrow + ox * j->sw * j->C, w, orow + ox * j->Cout, t0, t1, c0, c1, p, nb);
                }
            }
        }
    }
}

/* Units: (image, channel block, band of rows). */
static void dc_units(void *ud, int64_t begin, int64_t end) {
    const dc_job *j = ud;
    for (int64_t u = begin; u < end; u++) {
        int64_t band = u % j->nbands, rest = u / j->nbands;
        int64_t cb = rest % j->ncb, n = rest / j->ncb;
        int64_t r0 = band * j->band_rows, r1 = r0 + j->band_rows < j->Ho ? r0 + j->band_rows : j->Ho;
        dc_unit(j, n, cb, r0, r1);
    }
}

/* Weight packing: (C_out, KV * C) -> per block of 64 channels [KV * C][64],
 * transposed by tiles of 16 steps so reads and writes stay in L1. Parts:
 * block b, quarter q of its taps x channels. */
typedef struct dc_pack {
    const float *w;
    float *pw;
    int64_t cout, kc;
} dc_pack;

static void dc_pack_part(void *ud, int64_t begin, int64_t end) {
    const dc_pack *pk = ud;
    for (int64_t part = begin; part < end; part++) {
        int64_t cb = part / 4, q = part % 4, co0 = cb * CB * 16;
        int64_t nbw = pk->cout - co0 < CB * 16 ? pk->cout - co0 : CB * 16;
        int64_t tc_begin = pk->kc * q / 4, tc_end = pk->kc * (q + 1) / 4;
        float *blk = pk->pw + co0 * pk->kc;
        for (int64_t tc0 = tc_begin; tc0 < tc_end; tc0 += 16) {
            int64_t n = tc_end - tc0 < 16 ? tc_end - tc0 : 16;
            for (int64_t k = 0; k < nbw; k++) {
                const float *src = pk->w + (co0 + k) * pk->kc + tc0;
                for (int64_t i = 0; i < n; i++) blk[(tc0 + i) * nbw + k] = src[i];
            }
        }
    }
}

bool ax__conv_direct_ok(const conv_geom *g, ax_dtype ct) {
    const ax_conv_params *p = g->p;
    /* Measured (one core, AVX-512, best of 20): 150-172 GFLOP/s for 3x3
     * convs with C_in <= 128, 130-160 for 1x1, 125-138 with C_in = 256,
     * 167 at 28x28x320 -> 64, against 100-120 for im2col (or the plain GEMM
     * of a 1x1) + sgemm. Wide inputs on small images lose: every channel
     * block streams its whole weight block (9.4 MB at 7x7x512 -> 512) for
     * few pixels (25 GFLOP/s there, 88 with im2col + sgemm; a tie at 14x14
     * with C_in = 512), so C_in > 256 takes this path only with at least
     * 256 output pixels per image. */
    if (ct != AX_FLOAT32 || g->G != 1 || g->nsp > 2 || g->cout % 16 != 0 || g->cin < 1 ||
        (g->cin > 256 && g->OV < 256))
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
    dc_job j = {.g = g, .out = out, .C = C, .Cout = g->cout,
                .Hp = H + lo_h + hi_h, .Wp = W + lo_w + hi_w,
                .Ho = two ? g->O[0] : 1, .Wo = g->O[g->nsp - 1],
                .KH = two ? g->K[0] : 1, .KW = g->K[g->nsp - 1],
                .sh = two ? p->stride[0] : 1, .sw = p->stride[g->nsp - 1],
                .dh = two ? p->kdil[0] : 1, .dw = p->kdil[g->nsp - 1]};
    j.ncb = (g->cout + CB * 16 - 1) / (CB * 16);
    ax_array *xp = NULL, *wp = NULL;
    bool padded = lo_h || hi_h || lo_w || hi_w;
    if (padded) {
        if (!(xp = ax__conv_temp(ctx, AX_FLOAT32, (int64_t[]){g->N, j.Hp, j.Wp, C}, 4))) return false;
        float *d = (float *)ax__ptr(xp);
        memset(d, 0, sizeof(float) * (size_t)(g->N * j.Hp * j.Wp * C));
        for (int64_t n = 0; n < g->N; n++)
            for (int64_t y = 0; y < H; y++)
                memcpy(d + ((n * j.Hp + y + lo_h) * j.Wp + lo_w) * C, x + (n * H + y) * W * C,
                       sizeof(float) * (size_t)(W * C));
        j.x = d;
    } else {
        j.x = x;
    }
    int64_t KV = j.KH * j.KW;
    if (!(wp = ax__conv_temp(ctx, AX_FLOAT32, (int64_t[]){g->cout * KV * C}, 1))) {
        ax_release(xp);
        return false;
    }
    float *pw = (float *)ax__ptr(wp);
    dc_pack pk = {.w = w, .pw = pw, .cout = g->cout, .kc = KV * C};
    ax__parallel_for(j.ncb * 4, 1, dc_pack_part, &pk);
    j.w = pw;
    /* bands of rows: enough units for the pool, and small enough that a
     * band's output and input rows (about 192 KiB) stay in L2 while each
     * weight chunk passes over them */
    int64_t want = 4 * (int64_t)ax__num_threads(), per_img = g->N * j.ncb;
    int64_t nbands = per_img >= want ? 1 : (want + per_img - 1) / per_img;
    int64_t row_bytes = (int64_t)sizeof(float) * (j.Wo * CB * 16 + j.sh * j.Wp * C);
    int64_t rows_fit = ((int64_t)192 << 10) / (row_bytes > 0 ? row_bytes : 1);
    if (rows_fit < 1) rows_fit = 1;
    if (nbands < (j.Ho + rows_fit - 1) / rows_fit) nbands = (j.Ho + rows_fit - 1) / rows_fit;
    if (nbands > j.Ho) nbands = j.Ho;
    j.band_rows = (j.Ho + nbands - 1) / nbands;
    j.nbands = (j.Ho + j.band_rows - 1) / j.band_rows;
    int64_t units = per_img * j.nbands;
    int64_t grain = 1;
    ax__parallel_for(units, grain, dc_units, &j);
    ax_release(xp);
    ax_release(wp);
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
