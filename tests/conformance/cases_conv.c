/* Conformance cases for the convolution family (CONV, MAX_POOL, AVG_POOL)
 * through every public entry point: conv_general, conv1d/2d/3d,
 * conv_transpose1d/2d/3d, max_pool1d/2d/3d, avg_pool1d/2d/3d.
 *
 * Each case's parameters live in the cfgs[] table below (ip[0] picks one).
 * The fast kernels (im2col + BLAS, 1x1 GEMM, vectorized pooling) run against
 * the direct double-precision reference kernels; expect() is a third,
 * independent float64 evaluation written from the textbook definitions:
 *  - forward convolution: the input is materialized dilated and padded
 *    (negative padding crops), then correlated with the kernel;
 *  - transposed convolution: PyTorch's scatter definition, every input
 *    element adds x * w into out[j * stride - padding + k * dilation]
 *    (not the flip-and-dilate rewrite the op uses);
 *  - pooling: the window loop with -inf / zero padding.
 * Variants: PERMUTED and STRIDED feed non-contiguous inputs (the fast path
 * copies them dense), EMPTY sets N = 0 and C_out = 0, LARGE reaches the
 * tiled im2col and the threaded paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { K_GENERAL, K_CONV, K_CONVT, K_MAXP, K_AVGP };

typedef struct cfg {
    int kind, nsp;
    int64_t stride[3], lo[3], hi[3], kdil[3], idil[3], opad[3], groups;
    int flip, include_pad;
} cfg;

/* For K_CONV/K_CONVT: lo is the symmetric padding, kdil the dilation.
 * For pools: lo = padding, opad[] = kernel. */
static const cfg cfgs[] = {
    /* 0 conv1d basic */ {K_CONV, 1, {1}, {1}, {1}, {1}, {1}, {0}, 1, 0, 0},
    /* 1 conv1d stride 2, pad 2, dilation 2, groups 3 */ {K_CONV, 1, {2}, {2}, {2}, {2}, {1}, {0}, 3, 0, 0},
    /* 2 conv2d 3x3 pad 1 */ {K_CONV, 2, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0}, 1, 0, 0},
    /* 3 general: stride (2,3), asymmetric padding, kernel dilation */
    {K_GENERAL, 2, {2, 3}, {1, 0}, {2, 1}, {1, 2}, {1, 1}, {0}, 1, 0, 0},
    /* 4 conv2d 1x1 */ {K_CONV, 2, {1, 1}, {0, 0}, {0, 0}, {1, 1}, {1, 1}, {0}, 1, 0, 0},
    /* 5 conv2d 1x1 groups 2 */ {K_CONV, 2, {1, 1}, {0, 0}, {0, 0}, {1, 1}, {1, 1}, {0}, 2, 0, 0},
    /* 6 depthwise 3x3 stride 2 pad 1 groups 6 */ {K_CONV, 2, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0}, 6, 0, 0},
    /* 7 stem 7x7 stride 2 pad 3 */ {K_CONV, 2, {2, 2}, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {0}, 1, 0, 0},
    /* 8 general: input dilation (2,3), asymmetric padding, flip */
    {K_GENERAL, 2, {1, 1}, {1, 2}, {0, 1}, {1, 1}, {2, 3}, {0}, 1, 1, 0},
    /* 9 general 1-d: negative padding (crop), stride 2 */
    {K_GENERAL, 1, {2}, {-2}, {-1}, {1}, {1}, {0}, 1, 0, 0},
    /* 10 conv3d pad 1 stride (1,2,1) */ {K_CONV, 3, {1, 2, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0}, 1, 0, 0},
    /* 11 conv3d dilation 2 groups 2 */ {K_CONV, 3, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {2, 2, 2}, {1, 1, 1}, {0}, 2, 0, 0},
    /* 12 conv_transpose1d stride 2 pad 1 output_padding 1 */
    {K_CONVT, 1, {2}, {1}, {1}, {1}, {1}, {1}, 1, 0, 0},
    /* 13 conv_transpose2d stride (2,3) pad (1,0) dil (1,2) out_pad (1,2) groups 2 */
    {K_CONVT, 2, {2, 3}, {1, 0}, {1, 0}, {1, 2}, {1, 1}, {1, 2}, 2, 0, 0},
    /* 14 conv_transpose3d stride 2 pad (0,1,0) out_pad (1,0,0) */
    {K_CONVT, 3, {2, 2, 2}, {0, 1, 0}, {0, 1, 0}, {1, 1, 1}, {1, 1, 1}, {1, 0, 0}, 1, 0, 0},
    /* 15 conv_transpose2d padding 3 > dilation * (K - 1): cropping */
    {K_CONVT, 2, {2, 2}, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, 1, 0, 0},
    /* 16 max_pool1d k3 s2 p1 */ {K_MAXP, 1, {2}, {1}, {0}, {0}, {0}, {3}, 0, 0, 0},
    /* 17 max_pool2d k3 s2 p1 */ {K_MAXP, 2, {2, 2}, {1, 1}, {0}, {0}, {0}, {3, 3}, 0, 0, 0},
    /* 18 max_pool3d k (2,3,2) s (2,1,2) p (1,1,0) */ {K_MAXP, 3, {2, 1, 2}, {1, 1, 0}, {0}, {0}, {0}, {2, 3, 2}, 0, 0, 0},
    /* 19 avg_pool1d k4 s1 p2 include pad */ {K_AVGP, 1, {1}, {2}, {0}, {0}, {0}, {4}, 0, 0, 1},
    /* 20 avg_pool2d k3 s2 p1 exclude pad */ {K_AVGP, 2, {2, 2}, {1, 1}, {0}, {0}, {0}, {3, 3}, 0, 0, 0},
    /* 21 avg_pool2d k (2,3) s (2,3) p (1,1) include pad */ {K_AVGP, 2, {2, 3}, {1, 1}, {0}, {0}, {0}, {2, 3}, 0, 0, 1},
    /* 22 avg_pool3d k2 s2 p1 exclude pad */ {K_AVGP, 3, {2, 2, 2}, {1, 1, 1}, {0}, {0}, {0}, {2, 2, 2}, 0, 0, 0},
    /* 23 conv2d 3x3 stride 2 pad 1 */ {K_CONV, 2, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0}, 1, 0, 0},
    /* 24 general: stride (1,2), asymmetric padding, dilation (2,1), flip (direct AVX-512 path
     * when C_out % 16 == 0) */
    {K_GENERAL, 2, {1, 2}, {1, 2}, {0, 1}, {2, 1}, {1, 1}, {0}, 1, 1, 0},
    /* 25 conv1d stride 3 pad 2 */ {K_CONV, 1, {3}, {2}, {2}, {1}, {1}, {0}, 1, 0, 0},
};

static ax_array *b_conv(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    const cfg *f = &cfgs[c->ip[0]];
    switch (f->kind) {
    case K_GENERAL:
        return ax_conv_general(ctx, in[0], in[1], f->stride, f->lo, f->hi, f->kdil, f->idil,
                               f->groups, f->flip);
    case K_CONV:
        if (f->nsp == 1) return ax_conv1d(ctx, in[0], in[1], f->stride[0], f->lo[0], f->kdil[0], f->groups);
        if (f->nsp == 2) return ax_conv2d(ctx, in[0], in[1], f->stride, f->lo, f->kdil, f->groups);
        return ax_conv3d(ctx, in[0], in[1], f->stride, f->lo, f->kdil, f->groups);
    case K_CONVT:
        if (f->nsp == 1)
            return ax_conv_transpose1d(ctx, in[0], in[1], f->stride[0], f->lo[0], f->kdil[0],
                                       f->opad[0], f->groups);
        if (f->nsp == 2)
            return ax_conv_transpose2d(ctx, in[0], in[1], f->stride, f->lo, f->kdil, f->opad, f->groups);
        return ax_conv_transpose3d(ctx, in[0], in[1], f->stride, f->lo, f->kdil, f->opad, f->groups);
    case K_MAXP:
        if (f->nsp == 1) return ax_max_pool1d(ctx, in[0], f->opad[0], f->stride[0], f->lo[0]);
        if (f->nsp == 2) return ax_max_pool2d(ctx, in[0], f->opad, f->stride, f->lo);
        return ax_max_pool3d(ctx, in[0], f->opad, f->stride, f->lo);
    default:
        if (f->nsp == 1)
            return ax_avg_pool1d(ctx, in[0], f->opad[0], f->stride[0], f->lo[0], f->include_pad);
        if (f->nsp == 2) return ax_avg_pool2d(ctx, in[0], f->opad, f->stride, f->lo, f->include_pad);
        return ax_avg_pool3d(ctx, in[0], f->opad, f->stride, f->lo, f->include_pad);
    }
}

/* Row-major offset of (n, pos[0..nsp), c) in a channels-last array. */
static int64_t off_cl(int64_t n, const int64_t *pos, int64_t c, const int64_t *sp, int nsp,
                      int64_t C) {
    int64_t o = n;
    for (int d = 0; d < nsp; d++) o = o * sp[d] + pos[d];
    return o * C + c;
}

/* Advance a multi-index over dims[0..n); false after the last. */
static bool next_index(int64_t *idx, const int64_t *dims, int n) {
    for (int d = n - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) return true;
        idx[d] = 0;
    }
    return false;
}

static int64_t prod(const int64_t *v, int n) {
    int64_t p = 1;
    for (int d = 0; d < n; d++) p *= v[d];
    return p;
}

/* Forward convolution through a materialized dilated + padded input. */
static bool expect_forward(const cfg *f, const double *x, const int64_t *xs, const double *w,
                           const int64_t *wsh, double *out, int64_t n_out) {
    int nsp = f->nsp;
    int64_t N = xs[0], C = xs[nsp + 1], Co = wsh[0], G = f->groups, cg = C / G, og = Co / G;
    int64_t I[3], K[3], span[3], O[3], lo[3], hi[3], kd[3], id[3], st[3];
    for (int d = 0; d < nsp; d++) {
        I[d] = xs[d + 1];
        K[d] = wsh[d + 1];
        st[d] = f->stride[d];
        lo[d] = f->lo[d];
        hi[d] = f->kind == K_GENERAL ? f->hi[d] : f->lo[d];
        kd[d] = f->kdil[d];
        id[d] = f->kind == K_GENERAL ? f->idil[d] : 1;
        span[d] = (I[d] - 1) * id[d] + 1 + lo[d] + hi[d];
        O[d] = (span[d] - ((K[d] - 1) * kd[d] + 1)) / st[d] + 1;
    }
    if (N * prod(O, nsp) * Co != n_out) return false;
    int64_t psize = N * prod(span, nsp) * C;
    double *xp = calloc((size_t)(psize ? psize : 1), sizeof(double));
    if (!xp) return false;
    int64_t pos[3] = {0}, u[3];
    for (int64_t n = 0; n < N; n++) {
        memset(pos, 0, sizeof pos);
        do {
            bool in = true;
            for (int d = 0; d < nsp; d++) {
                u[d] = pos[d] * id[d] + lo[d];
                if (u[d] < 0 || u[d] >= span[d]) in = false;
            }
            if (in)
                for (int64_t c = 0; c < C; c++)
                    xp[off_cl(n, u, c, span, nsp, C)] = x[off_cl(n, pos, c, I, nsp, C)];
        } while (next_index(pos, I, nsp));
    }
    int64_t o[3], k[3], q[3], kk[3];
    for (int64_t n = 0; n < N; n++) {
        memset(o, 0, sizeof o);
        do {
            for (int64_t co = 0; co < Co; co++) {
                int64_t grp = co / og;
                double acc = 0;
                memset(k, 0, sizeof k);
                do {
                    for (int d = 0; d < nsp; d++) {
                        q[d] = o[d] * st[d] + k[d] * kd[d];
                        kk[d] = f->flip ? K[d] - 1 - k[d] : k[d];
                    }
                    for (int64_t ci = 0; ci < cg; ci++)
                        acc += xp[off_cl(n, q, grp * cg + ci, span, nsp, C)] *
                               w[off_cl(co, kk, ci, K, nsp, cg)];
                } while (next_index(k, K, nsp));
                out[off_cl(n, o, co, O, nsp, Co)] = acc;
            }
        } while (next_index(o, O, nsp));
    }
    free(xp);
    return true;
}

/* Transposed convolution by PyTorch's scatter definition. */
static bool expect_transpose(const cfg *f, const double *x, const int64_t *xs, const double *w,
                             const int64_t *wsh, double *out, int64_t n_out) {
    int nsp = f->nsp;
    int64_t N = xs[0], C = xs[nsp + 1], Co = wsh[0], G = f->groups, cg = C / G, og = Co / G;
    int64_t I[3], K[3], O[3];
    for (int d = 0; d < nsp; d++) {
        I[d] = xs[d + 1];
        K[d] = wsh[d + 1];
        O[d] = (I[d] - 1) * f->stride[d] - 2 * f->lo[d] + f->kdil[d] * (K[d] - 1) + f->opad[d] + 1;
    }
    if (N * prod(O, nsp) * Co != n_out) return false;
    for (int64_t i = 0; i < n_out; i++) out[i] = 0;
    int64_t j[3], k[3], y[3];
    for (int64_t n = 0; n < N; n++) {
        memset(j, 0, sizeof j);
        do {
            memset(k, 0, sizeof k);
            do {
                bool in = true;
                for (int d = 0; d < nsp; d++) {
                    y[d] = j[d] * f->stride[d] - f->lo[d] + k[d] * f->kdil[d];
                    if (y[d] < 0 || y[d] >= O[d]) in = false;
                }
                if (!in) continue;
                for (int64_t co = 0; co < Co; co++) {
                    int64_t grp = co / og;
                    double acc = 0;
                    for (int64_t ci = 0; ci < cg; ci++)
                        acc += x[off_cl(n, j, grp * cg + ci, I, nsp, C)] * w[off_cl(co, k, ci, K, nsp, cg)];
                    out[off_cl(n, y, co, O, nsp, Co)] += acc;
                }
            } while (next_index(k, K, nsp));
        } while (next_index(j, I, nsp));
    }
    return true;
}

static bool expect_pool(const cfg *f, const double *x, const int64_t *xs, double *out, int64_t n_out) {
    int nsp = f->nsp;
    int64_t N = xs[0], C = xs[nsp + 1], I[3], K[3], O[3];
    for (int d = 0; d < nsp; d++) {
        I[d] = xs[d + 1];
        K[d] = f->opad[d];
        O[d] = (I[d] + 2 * f->lo[d] - K[d]) / f->stride[d] + 1;
    }
    if (N * prod(O, nsp) * C != n_out) return false;
    int64_t o[3], k[3], q[3];
    for (int64_t n = 0; n < N; n++) {
        memset(o, 0, sizeof o);
        do {
            for (int64_t c = 0; c < C; c++) {
                double acc = f->kind == K_MAXP ? -INFINITY : 0;
                int64_t cnt = 0;
                memset(k, 0, sizeof k);
                do {
                    bool in = true;
                    for (int d = 0; d < nsp; d++) {
                        q[d] = o[d] * f->stride[d] + k[d] - f->lo[d];
                        if (q[d] < 0 || q[d] >= I[d]) in = false;
                    }
                    if (!in) continue;
                    double v = x[off_cl(n, q, c, I, nsp, C)];
                    acc = f->kind == K_MAXP ? fmax(acc, v) : acc + v;
                    cnt++;
                } while (next_index(k, K, nsp));
                if (f->kind == K_AVGP) acc /= (double)(f->include_pad ? prod(K, nsp) : cnt);
                out[off_cl(n, o, c, O, nsp, C)] = acc;
            }
        } while (next_index(o, O, nsp));
    }
    return true;
}

static bool e_conv(const conf_case *c, const double *const *in, const int64_t *const *shapes,
                   const int *ndims, double *out, int64_t n) {
    const cfg *f = &cfgs[c->ip[0]];
    if (ndims[0] != f->nsp + 2) return false;
    switch (f->kind) {
    case K_GENERAL: case K_CONV: return expect_forward(f, in[0], shapes[0], in[1], shapes[1], out, n);
    case K_CONVT: return expect_transpose(f, in[0], shapes[0], in[1], shapes[1], out, n);
    default: return expect_pool(f, in[0], shapes[0], out, n);
    }
}

#define V_ALL (CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_EMPTY | CONF_LARGE)
#define V_SMALL (CONF_CONTIG | CONF_PERMUTED | CONF_STRIDED | CONF_EMPTY)

#define CONV_CASE(NAME, COVERS, CFG, VAR, ND, XS, WS, XL, WL)                                   \
    {.name = NAME, .covers = COVERS, .dtypes = CONF_FLOATS, .variants = VAR, .n_in = 2,        \
     .ndim = {ND, ND}, .shape = {XS, WS}, .large = {XL, WL}, .lo = -1, .hi = 1,                \
     .build = b_conv, .expect = e_conv, .ip = {CFG}}
#define POOL_CASE(NAME, COVERS, CFG, VAR, ND, XS, XL)                                           \
    {.name = NAME, .covers = COVERS, .dtypes = CONF_FLOATS, .variants = VAR, .n_in = 1,        \
     .ndim = {ND}, .shape = {XS}, .large = {XL}, .lo = -1, .hi = 1, .build = b_conv,          \
     .expect = e_conv, .ip = {CFG}}
#define S(...) {__VA_ARGS__}

const conf_case conf_cases_conv[] = {
    CONV_CASE("conv1d/basic", "conv", 0, V_ALL, 3, S(2, 11, 5), S(4, 3, 5), S(4, 8192, 4), S(8, 3, 4)),
    CONV_CASE("conv1d/stride_dilation_groups", "conv", 1, V_SMALL, 3, S(2, 17, 6), S(9, 3, 2), S(0), S(0)),
    CONV_CASE("conv2d/3x3", "conv", 2, V_ALL, 4, S(2, 9, 8, 5), S(7, 3, 3, 5), S(2, 64, 64, 16),
              S(16, 3, 3, 16)),
    CONV_CASE("conv2d/3x3_stride2", "conv", 23, V_ALL, 4, S(2, 10, 9, 6), S(5, 3, 3, 6),
              S(2, 64, 64, 32), S(16, 3, 3, 32)),
    CONV_CASE("conv_general/asym_pad_stride_dilation", "conv", 3, V_SMALL, 4, S(1, 10, 9, 4),
              S(6, 3, 2, 4), S(0), S(0)),
    CONV_CASE("conv2d/1x1", "conv", 4, V_ALL, 4, S(2, 7, 6, 8), S(5, 1, 1, 8), S(4, 64, 64, 8),
              S(16, 1, 1, 8)),
    CONV_CASE("conv2d/1x1_groups", "conv", 5, V_SMALL, 4, S(2, 5, 6, 4), S(6, 1, 1, 2), S(0), S(0)),
    CONV_CASE("conv2d/depthwise", "conv", 6, V_ALL, 4, S(2, 8, 8, 6), S(6, 3, 3, 1),
              S(2, 128, 128, 6), S(6, 3, 3, 1)),
    CONV_CASE("conv2d/stem7x7", "conv", 7, V_ALL, 4, S(1, 20, 20, 3), S(8, 7, 7, 3),
              S(1, 224, 224, 3), S(4, 7, 7, 3)),
    CONV_CASE("conv_general/input_dilation_flip", "conv", 8, V_SMALL, 4, S(2, 5, 6, 3),
              S(4, 3, 3, 3), S(0), S(0)),
    CONV_CASE("conv_general/negative_padding", "conv", 9, V_SMALL, 3, S(1, 12, 3), S(2, 3, 3),
              S(0), S(0)),
    CONV_CASE("conv3d/pad_stride", "conv", 10, V_ALL, 5, S(2, 6, 5, 7, 3), S(4, 3, 2, 3, 3),
              S(2, 16, 32, 64, 2), S(4, 3, 3, 3, 2)),
    CONV_CASE("conv3d/dilation_groups", "conv", 11, V_SMALL, 5, S(1, 7, 7, 7, 4),
              S(6, 2, 2, 2, 2), S(0), S(0)),
    CONV_CASE("conv_transpose1d/stride_outpad", "conv", 12, V_ALL, 3, S(2, 7, 4), S(3, 3, 4),
              S(4, 8192, 4), S(4, 3, 4)),
    CONV_CASE("conv_transpose2d/groups_dilation", "conv", 13, V_SMALL, 4, S(2, 5, 4, 6),
              S(4, 3, 3, 3), S(0), S(0)),
    CONV_CASE("conv_transpose3d/stride", "conv", 14, V_SMALL, 5, S(1, 3, 4, 3, 2),
              S(3, 2, 3, 2, 2), S(0), S(0)),
    CONV_CASE("conv_transpose2d/crop", "conv", 15, V_ALL, 4, S(1, 8, 8, 2), S(2, 3, 3, 2),
              S(2, 128, 128, 4), S(4, 3, 3, 4)),
    /* C_out 80 = channel blocks of 64 + 16, widths not multiples of 6 */
    CONV_CASE("conv_general/direct_blocks", "conv", 24, V_ALL, 4, S(2, 9, 13, 5), S(80, 3, 3, 5),
              S(2, 48, 48, 32), S(48, 3, 3, 32)),
    CONV_CASE("conv1d/direct", "conv", 25, V_ALL, 3, S(2, 20, 3), S(48, 4, 3), S(4, 4096, 8),
              S(32, 4, 8)),
    POOL_CASE("max_pool1d/k3s2p1", "max_pool", 16, V_ALL, 3, S(2, 13, 5), S(4, 8192, 4)),
    POOL_CASE("max_pool2d/k3s2p1", "max_pool", 17, V_ALL, 4, S(2, 9, 10, 4), S(2, 128, 128, 8)),
    POOL_CASE("max_pool3d/mixed", "max_pool", 18, V_ALL, 5, S(1, 6, 7, 5, 3), S(2, 16, 32, 32, 4)),
    POOL_CASE("avg_pool1d/include_pad", "avg_pool", 19, V_ALL, 3, S(2, 13, 5), S(4, 8192, 4)),
    POOL_CASE("avg_pool2d/exclude_pad", "avg_pool", 20, V_ALL, 4, S(2, 9, 10, 4), S(2, 128, 128, 8)),
    POOL_CASE("avg_pool2d/include_pad", "avg_pool", 21, V_SMALL, 4, S(2, 7, 9, 3), S(0)),
    POOL_CASE("avg_pool3d/exclude_pad", "avg_pool", 22, V_ALL, 5, S(1, 5, 6, 7, 3), S(2, 16, 32, 32, 4)),
    {.name = NULL},
};
