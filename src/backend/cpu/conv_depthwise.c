/* Depthwise convolution (every group reads one input channel: C_in / groups
 * == 1, any channel multiplier C_out / groups). As GEMMs these are one
 * product of width 1 per channel, so they run directly instead: per output
 * position, for each valid tap, out[c] += x_tap[c / mult] * w[t][c], the
 * channels contiguous (vectorized) with the weight transposed once to
 * (taps, C_out). Parallel over output positions. */
#include "backend/cpu/conv_impl.h"

typedef struct dw_job {
    const conv_geom *g;
    const char *x, *wt; /* wt: (KV, C_out) */
    char *out;
    bool f64;
} dw_job;

#define DW_ROWS(T, NAME)                                                                     \
    static void NAME(const dw_job *j, int64_t begin, int64_t end) {                          \
        const conv_geom *g = j->g;                                                           \
        const ax_conv_params *p = g->p;                                                      \
        const T *x = (const T *)j->x, *wt = (const T *)j->wt;                                \
        int nsp = g->nsp;                                                                    \
        int64_t C = g->cout, mult = g->cout_g, xst[SP + 1], opos[SP], tap[SP];               \
        xst[nsp] = g->cin;                                                                   \
        for (int d = nsp - 1; d >= 0; d--) xst[d] = xst[d + 1] * g->I[d];                    \
        for (int64_t m = begin; m < end; m++) {                                              \
            int64_t r = m;                                                                   \
            for (int d = nsp - 1; d >= 0; d--) {                                             \
                opos[d] = r % g->O[d];                                                       \
                r /= g->O[d];                                                                \
            }                                                                                \
            T *o = (T *)j->out + m * C;                                                      \
            for (int64_t c = 0; c < C; c++) o[c] = 0;                                        \
            for (int d = 0; d < nsp; d++) tap[d] = 0;                                        \
            for (int64_t t = 0; t < g->KV; t++) {                                            \
                int64_t off = r * xst[0];                                                    \
                bool valid = true;                                                           \
                for (int d = 0; d < nsp; d++) {                                              \
                    int64_t i = in_index(p, d, opos[d], tap[d], g->I[d]);                    \
                    if (i < 0) {                                                             \
                        valid = false;                                                       \
                        break;                                                               \
                    }                                                                        \
                    off += i * xst[d + 1];                                                   \
                }                                                                            \
                if (valid) {                                                                 \
                    const T *xs = x + off, *ws = wt + t * C;                                 \
                    if (mult == 1)                                                           \
                        for (int64_t c = 0; c < C; c++) o[c] += xs[c] * ws[c];               \
                    else                                                                     \
                        for (int64_t gi = 0; gi < g->G; gi++) {                              \
                            T xv = xs[gi];                                                   \
                            for (int64_t q = 0; q < mult; q++)                               \
                                o[gi * mult + q] += xv * ws[gi * mult + q];                  \
                        }                                                                    \
                }                                                                            \
                for (int d = nsp - 1; d >= 0; d--) {                                         \
                    if (++tap[d] < g->K[d]) break;                                           \
                    tap[d] = 0;                                                              \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }
DW_ROWS(float, dw_rows_f32)
DW_ROWS(double, dw_rows_f64)

static void dw_rows(void *ud, int64_t begin, int64_t end) {
    const dw_job *j = ud;
    if (j->f64) dw_rows_f64(j, begin, end);
    else dw_rows_f32(j, begin, end);
}

bool ax__conv_depthwise(ax_ctx *ctx, const conv_geom *g, ax_dtype ct, const char *x,
                        const char *w, char *out) {
    ax_array *wt = ax__conv_temp(ctx, ct, (int64_t[]){g->KV, g->cout}, 2);
    if (!wt) return false;
    size_t es = ax_dtype_size(ct);
    char *wp = ax__ptr(wt);
    for (int64_t co = 0; co < g->cout; co++)
        for (int64_t t = 0; t < g->KV; t++)
            memcpy(wp + (t * g->cout + co) * (int64_t)es, w + (co * g->KV + t) * (int64_t)es, es);
    dw_job j = {.g = g, .x = x, .wt = wp, .out = out, .f64 = ct == AX_FLOAT64};
    int64_t work = g->KV * g->cout;
    int64_t grain = 32768 / (work > 0 ? work : 1);
    ax__parallel_for(g->N * g->OV, grain < 1 ? 1 : grain, dw_rows, &j);
    ax_release(wt);
    return true;
}
