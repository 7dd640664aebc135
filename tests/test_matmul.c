/* Products: matmul (NumPy shape rules, every float dtype, BLAS fast paths vs
 * the reference kernel and vs an explicit double loop here), addmm,
 * tensordot/tensordot_n/inner/outer, zero sizes and errors.
 *
 * Error bounds: for c_ij = sum_k a_ik b_kj with S_ij = sum_k |a_ik b_kj|,
 * accumulating K products in a type with unit roundoff u_acc and rounding
 * once to the output type (u_out) gives |err| <= (K u_acc + u_out) S_ij (up
 * to second-order terms; complex products add two more roundings). The
 * checks below use exactly that bound, with u_acc the float32 roundoff for
 * float16/bfloat16/float32/complex64 (BLAS accumulates in float) and float64's
 * for float64. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/gemm_convert.h"
#include "testutil.h"

static const ax_dtype FLOATS[] = {AX_FLOAT16, AX_BFLOAT16, AX_FLOAT32, AX_FLOAT64, AX_COMPLEX64};
#define NFLOATS 5

static uint64_t rng_state = 12345;
static double urand(void) { /* uniform in [-1, 1) */
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

/* Random array of dtype t (complex: random real and imaginary parts). */
static ax_array *rand_array(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int ndim) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    size_t is = ax_dtype_size(t);
    char *buf = malloc(is * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        if (t == AX_COMPLEX64) {
            ((float *)buf)[2 * i] = (float)urand();
            ((float *)buf)[2 * i + 1] = (float)urand();
        } else {
            double v = urand();
            switch (t) {
            case AX_FLOAT16: *(uint16_t *)(buf + i * 2) = ax_f64_to_f16(v); break;
            case AX_BFLOAT16: *(uint16_t *)(buf + i * 2) = ax_f64_to_bf16(v); break;
            case AX_FLOAT32: ((float *)buf)[i] = (float)v; break;
            default: ((double *)buf)[i] = v; break;
            }
        }
    }
    ax_array *a = ax_array_from_data(ctx, buf, t, shape, ndim);
    free(buf);
    return a;
}

/* A view of a's data, any layout, as (re, im) doubles: element with index
 * idx (ndim coordinates) of a non-evaluated-or-evaluated array. */
typedef struct host {
    int ndim;
    int64_t shape[8], strides[8]; /* row-major strides of the copy */
    double *re, *im;
} host;

static host to_host(ax_ctx *ctx, ax_array *a) {
    host h;
    memset(&h, 0, sizeof h);
    const char *p = ax_data(ctx, a);
    h.ndim = ax_ndim(a);
    int64_t n = ax_size(a);
    for (int i = h.ndim - 1, s = 1; i >= 0; i--) {
        h.shape[i] = ax_dim(a, i);
        h.strides[i] = s;
        s *= (int)h.shape[i];
    }
    h.re = calloc((size_t)(n ? n : 1), sizeof(double));
    h.im = calloc((size_t)(n ? n : 1), sizeof(double));
    size_t is = ax_dtype_size(ax_dtype_of(a));
    for (int64_t i = 0; p && i < n; i++)
        ax__load_c(p + i * (int64_t)is, ax_dtype_of(a), &h.re[i], &h.im[i]);
    return h;
}

static void host_free(host *h) {
    free(h->re);
    free(h->im);
}

static double u_out(ax_dtype t) {
    switch (t) {
    case AX_FLOAT16: return 0x1p-11;
    case AX_BFLOAT16: return 0x1p-8;
    case AX_FLOAT64: return 0x1p-53;
    default: return 0x1p-24;
    }
}
static double u_acc(ax_dtype t) { return t == AX_FLOAT64 ? 0x1p-53 : 0x1p-24; }

/* Element offset of batch coordinate `bi` (row-major over out batch shape
 * ob[0..nb)) in a host array with batch dims aligned right (broadcast). */
static int64_t host_batch_off(const host *h, int hb, const int64_t *ob, int nb, int64_t bi) {
    int64_t off = 0;
    for (int d = nb - 1; d >= 0; d--) {
        int64_t c = bi % ob[d];
        bi /= ob[d];
        int hd = d - (nb - hb);
        if (hd >= 0 && h->shape[hd] != 1) off += c * h->strides[hd];
    }
    return off;
}

/* Check got = beta * c + alpha * (a @ b) (c may be NULL) against a double
 * loop over the host copies, with the bound in the header comment. */
static void check_product(ax_ctx *ctx, ax_array *got, ax_array *c, ax_array *a, ax_array *b,
                          double alpha, double beta, const char *what) {
    if (!got || !a || !b) {
        CHECK_MSG(0, "%s: NULL (%s)", what, ax_error_message(ctx));
        ax_error_clear(ctx);
        return;
    }
    ax_dtype t = ax_dtype_of(got);
    host ha = to_host(ctx, a), hb = to_host(ctx, b), hg = to_host(ctx, got);
    host hc = c ? to_host(ctx, c) : (host){0};
    int an = ha.ndim, bn = hb.ndim;
    int64_t K = ha.shape[an - 1];
    int64_t M = an >= 2 ? ha.shape[an - 2] : 1, N = bn >= 2 ? hb.shape[bn - 1] : 1;
    int nb = hg.ndim - (an >= 2) - (bn >= 2);
    int64_t nbatch = 1;
    for (int d = 0; d < nb; d++) nbatch *= hg.shape[d];
    int64_t ars = an >= 2 ? ha.strides[an - 2] : 0, brs = bn >= 2 ? hb.strides[bn - 2] : 1;
    int64_t bcs = bn >= 2 ? 1 : 0;
    bool cplx = ax_dtype_is_complex(t);
    int64_t bad = 0;
    double worst = 0;
    for (int64_t bi = 0; bi < nbatch; bi++) {
        int64_t oa = host_batch_off(&ha, an >= 2 ? an - 2 : 0, hg.shape, nb, bi);
        int64_t ob = host_batch_off(&hb, bn >= 2 ? bn - 2 : 0, hg.shape, nb, bi);
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double re = 0, im = 0, s = 0;
                for (int64_t k = 0; k < K; k++) {
                    int64_t ia = oa + i * ars + k, ib = ob + k * brs + j * bcs;
                    double xr = ha.re[ia], xi = ha.im[ia], yr = hb.re[ib], yi = hb.im[ib];
                    re += xr * yr - xi * yi;
                    im += xr * yi + xi * yr;
                    s += (fabs(xr) + fabs(xi)) * (fabs(yr) + fabs(yi));
                }
                /* a zero factor drops its term (documented addmm semantics) */
                re = alpha == 0 ? 0 : re * alpha;
                im = alpha == 0 ? 0 : im * alpha;
                s = alpha == 0 ? 0 : s * fabs(alpha);
                int64_t oi = (bi * M + i) * N + j;
                if (c) {
                    /* c broadcast to the output shape: index by the output's coordinates */
                    int64_t ci = 0, rem = oi;
                    for (int d = hg.ndim - 1; d >= 0; d--) {
                        int64_t co = rem % hg.shape[d];
                        rem /= hg.shape[d];
                        int cd = d - (hg.ndim - hc.ndim);
                        if (cd >= 0 && hc.shape[cd] != 1) ci += co * hc.strides[cd];
                    }
                    re += beta * hc.re[ci];
                    im += beta * hc.im[ci];
                    s += fabs(beta) * (fabs(hc.re[ci]) + fabs(hc.im[ci]));
                }
                double tol = ((double)(K + 2) * u_acc(t) * (cplx ? 2 : 1) + u_out(t)) * s + 1e-300;
                double err = fabs(hg.re[oi] - re) + fabs(hg.im[oi] - im);
                if (!(err <= tol)) bad++;
                if (err / tol > worst) worst = err / tol;
            }
    }
    CHECK_MSG(bad == 0, "%s (%s): %lld elements beyond the bound (worst %.3g x bound)", what,
              ax_dtype_name(t), (long long)bad, worst);
    host_free(&ha);
    host_free(&hb);
    host_free(&hg);
    if (c) host_free(&hc);
}

/* matmul with the fast kernels, then the reference kernel; both checked. */
static void check_matmul(ax_ctx *ctx, ax_array *a, ax_array *b, const int64_t *want_shape,
                         int want_ndim, const char *what) {
    ax_array *r = ax_matmul(ctx, a, b);
    CHECK_MSG(r && ax_ndim(r) == want_ndim, "%s: ndim %d, want %d (%s)", what, r ? ax_ndim(r) : -1,
              want_ndim, ax_error_message(ctx));
    for (int i = 0; r && i < want_ndim && i < ax_ndim(r); i++)
        CHECK_MSG(ax_dim(r, i) == want_shape[i], "%s: dim %d is %lld, want %lld", what, i,
                  (long long)ax_dim(r, i), (long long)want_shape[i]);
    check_product(ctx, r, NULL, a, b, 1, 0, what);
    ax__cpu_force_reference(true);
    ax_array *rr = ax_matmul(ctx, a, b);
    ax_eval1(ctx, rr);
    ax__cpu_force_reference(false);
    check_product(ctx, rr, NULL, a, b, 1, 0, what);
}

#define SH(...) (int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static void test_shapes(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ti = 0; ti < NFLOATS; ti++) {
        ax_dtype t = FLOATS[ti];
        ax_scope_begin(ctx);
        check_matmul(ctx, rand_array(ctx, t, SH(3, 4)), rand_array(ctx, t, SH(4, 5)), SH(3, 5),
                     "2-D");
        check_matmul(ctx, rand_array(ctx, t, SH(7)), rand_array(ctx, t, SH(7)), NULL, 0,
                     "1-D x 1-D");
        check_matmul(ctx, rand_array(ctx, t, SH(4)), rand_array(ctx, t, SH(2, 4, 3)), SH(2, 3),
                     "1-D x 3-D");
        check_matmul(ctx, rand_array(ctx, t, SH(2, 3, 4)), rand_array(ctx, t, SH(4)), SH(2, 3),
                     "3-D x 1-D");
        check_matmul(ctx, rand_array(ctx, t, SH(4)), rand_array(ctx, t, SH(4, 6)), SH(6),
                     "1-D x 2-D");
        check_matmul(ctx, rand_array(ctx, t, SH(6, 4)), rand_array(ctx, t, SH(4)), SH(6),
                     "2-D x 1-D");
        check_matmul(ctx, rand_array(ctx, t, SH(2, 1, 3, 4)), rand_array(ctx, t, SH(5, 4, 2)),
                     SH(2, 5, 3, 2), "batch broadcast");
        check_matmul(ctx, rand_array(ctx, t, SH(3, 1, 6, 4)), rand_array(ctx, t, SH(2, 4, 5)),
                     SH(3, 2, 6, 5), "batch broadcast both ways");
        /* transposed operands: views with the last two axes swapped */
        ax_array *at = ax_transpose(ctx, rand_array(ctx, t, SH(9, 6)), NULL, 0); /* (6, 9) */
        ax_array *bt = ax_transpose(ctx, rand_array(ctx, t, SH(5, 9)), NULL, 0); /* (9, 5) */
        check_matmul(ctx, at, bt, SH(6, 5), "both transposed");
        check_matmul(ctx, at, rand_array(ctx, t, SH(9, 5)), SH(6, 5), "a transposed");
        ax_array *a3 = ax_swapaxes(ctx, rand_array(ctx, t, SH(3, 9, 6)), 1, 2); /* (3, 6, 9) */
        ax_array *b3 = ax_swapaxes(ctx, rand_array(ctx, t, SH(3, 4, 9)), 1, 2); /* (3, 9, 4) */
        check_matmul(ctx, a3, b3, SH(3, 6, 4), "batched transposed");
        /* batch axis permuted (not the matrix axes): batch strides are odd */
        ax_array *ap = ax_transpose(ctx, rand_array(ctx, t, SH(6, 2, 9)), (int[]){1, 0, 2}, 3);
        check_matmul(ctx, ap, rand_array(ctx, t, SH(2, 9, 3)), SH(2, 6, 3), "permuted batch");
        /* strided (neither row- nor column-contiguous): step-2 slices */
        ax_array *as = ax_slice(ctx, rand_array(ctx, t, SH(5, 14)), (int64_t[]){0, 0},
                                (int64_t[]){5, 14}, (int64_t[]){1, 2}, 2); /* (5, 7) */
        ax_array *bs = ax_slice(ctx, rand_array(ctx, t, SH(14, 3)), (int64_t[]){1, 0},
                                (int64_t[]){14, 3}, (int64_t[]){2, 1}, 2); /* (7, 3) */
        check_matmul(ctx, as, bs, SH(5, 3), "strided");
        /* vector operands with strides (gemv incx) */
        ax_array *vs = ax_slice(ctx, rand_array(ctx, t, SH(18)), (int64_t[]){0}, (int64_t[]){18},
                                (int64_t[]){2}, 1); /* (9,) */
        check_matmul(ctx, rand_array(ctx, t, SH(4, 9)), vs, SH(4), "matrix x strided vector");
        check_matmul(ctx, vs, rand_array(ctx, t, SH(9, 4)), SH(4), "strided vector x matrix");
        check_matmul(ctx, vs, bt, SH(5), "vector x transposed matrix");
        check_matmul(ctx, at, vs, SH(6), "transposed matrix x vector");
        /* negative strides (flipped views) */
        ax_array *af = ax_flip(ctx, rand_array(ctx, t, SH(4, 9)), NULL, 0);
        ax_array *vf = ax_flip(ctx, rand_array(ctx, t, SH(9)), NULL, 0);
        check_matmul(ctx, af, vf, SH(4), "flipped matrix x flipped vector");
        check_matmul(ctx, vf, bt, SH(5), "flipped vector x transposed");
        check_matmul(ctx, af, bt, SH(4, 5), "flipped x transposed");
        /* broadcast (stride-0) matrix operand */
        ax_array *bb = ax_broadcast_to(ctx, rand_array(ctx, t, SH(1, 5)), SH(9, 5));
        check_matmul(ctx, rand_array(ctx, t, SH(2, 9)), bb, SH(2, 5), "broadcast rows");
        ax_array *vb = ax_broadcast_to(ctx, rand_array(ctx, t, SH(1)), SH(9));
        check_matmul(ctx, rand_array(ctx, t, SH(3, 9)), vb, SH(3), "broadcast vector");
        check_matmul(ctx, vb, bt, SH(5), "broadcast vector x transposed");
        ax_scope_end(ctx);
        CHECK_OK(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_zero_size(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ti = 0; ti < NFLOATS; ti++) {
        ax_dtype t = FLOATS[ti];
        for (int ref = 0; ref < 2; ref++) {
            ax__cpu_force_reference(ref);
            /* k = 0: zeros */
            ax_array *r =
                ax_matmul(ctx, rand_array(ctx, t, SH(3, 0)), rand_array(ctx, t, SH(0, 4)));
            host h = to_host(ctx, r);
            CHECK(r && ax_size(r) == 12);
            for (int i = 0; r && i < 12; i++) CHECK(h.re[i] == 0 && h.im[i] == 0);
            host_free(&h);
            r = ax_matmul(ctx, rand_array(ctx, t, SH(0)), rand_array(ctx, t, SH(0)));
            double x = -1;
            CHECK(r && ax_ndim(r) == 0 && ax_item_f64(ctx, r, &x) == AX_OK && x == 0);
            /* m = 0, n = 0, batch 0 */
            r = ax_matmul(ctx, rand_array(ctx, t, SH(0, 3)), rand_array(ctx, t, SH(3, 4)));
            CHECK(r && ax_dim(r, 0) == 0 && ax_dim(r, 1) == 4 && ax_eval1(ctx, r) == AX_OK);
            r = ax_matmul(ctx, rand_array(ctx, t, SH(2, 3)), rand_array(ctx, t, SH(3, 0)));
            CHECK(r && ax_size(r) == 0 && ax_eval1(ctx, r) == AX_OK);
            r = ax_matmul(ctx, rand_array(ctx, t, SH(0, 2, 3)), rand_array(ctx, t, SH(3, 4)));
            CHECK(r && ax_ndim(r) == 3 && ax_size(r) == 0 && ax_eval1(ctx, r) == AX_OK);
            /* addmm with k = 0: beta * c */
            ax_array *c = rand_array(ctx, t, SH(4));
            r = ax_addmm(ctx, c, rand_array(ctx, t, SH(3, 0)), rand_array(ctx, t, SH(0, 4)), 2,
                         0.5);
            check_product(ctx, r, c, rand_array(ctx, t, SH(3, 0)), rand_array(ctx, t, SH(0, 4)), 2,
                          0.5, "addmm k=0");
            ax__cpu_force_reference(false);
        }
        CHECK_OK(ctx);
    }
    ax_ctx_free(ctx);
}

/* Sizes that exercise BLAS paths: large, folded batch, small batches over
 * the pool, gemv both ways. */
static void test_large(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ti = 0; ti < NFLOATS; ti++) {
        ax_dtype t = FLOATS[ti];
        ax_scope_begin(ctx);
        check_matmul(ctx, rand_array(ctx, t, SH(130, 257)), rand_array(ctx, t, SH(257, 96)),
                     SH(130, 96), "large");
        check_matmul(ctx, rand_array(ctx, t, SH(6, 20, 64)), rand_array(ctx, t, SH(64, 33)),
                     SH(6, 20, 33), "folded batch");
        check_matmul(ctx, rand_array(ctx, t, SH(64, 8, 8)), rand_array(ctx, t, SH(64, 8, 8)),
                     SH(64, 8, 8), "many small");
        /* enough small products to be spread over the pool */
        check_matmul(ctx, rand_array(ctx, t, SH(160, 40, 40)), rand_array(ctx, t, SH(160, 40, 40)),
                     SH(160, 40, 40), "many small, threaded");
        check_matmul(ctx, rand_array(ctx, t, SH(5, 40, 300)), rand_array(ctx, t, SH(300)),
                     SH(5, 40), "batched gemv");
        check_matmul(ctx, rand_array(ctx, t, SH(300)), rand_array(ctx, t, SH(300, 170)), SH(170),
                     "vector x matrix");
        /* batches of products OpenBLAS would thread (>= 262144 multiply-adds
         * each): whole products per pool thread, the remainder threaded */
        check_matmul(ctx, rand_array(ctx, t, SH(3, 70, 80)), rand_array(ctx, t, SH(3, 80, 60)),
                     SH(3, 70, 60), "batch split, odd count");
        check_matmul(ctx, rand_array(ctx, t, SH(4, 1, 67, 81)), rand_array(ctx, t, SH(3, 81, 61)),
                     SH(4, 3, 67, 61), "batch split, broadcast batch");
        ax_array *ap = ax_transpose(ctx, rand_array(ctx, t, SH(5, 81, 2, 67)), (int[]){2, 0, 3, 1}, 4);
        ax_array *bp = ax_transpose(ctx, rand_array(ctx, t, SH(61, 5, 81)), (int[]){1, 2, 0}, 3);
        check_matmul(ctx, ap, bp, SH(2, 5, 67, 61), "batch split, permuted batch, transposed");
        check_matmul(ctx, rand_array(ctx, t, SH(5, 1, 300)), rand_array(ctx, t, SH(5, 300, 900)),
                     SH(5, 1, 900), "batch split, gemv");
        ax_array *bt = ax_transpose(ctx, rand_array(ctx, t, SH(170, 300)), NULL, 0);
        check_matmul(ctx, rand_array(ctx, t, SH(300)), bt, SH(170), "vector x transposed");
        check_matmul(ctx, rand_array(ctx, t, SH(3, 1, 300)), bt, SH(3, 1, 170),
                     "rows x transposed");
        ax_scope_end(ctx);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* The unpacked kernel for a narrow b (float32, row-major a and b, 16 <= N <=
 * 64, K >= 32, over 10^6 multiply-adds; AVX-512 builds): N at both ends and
 * around a vector's 16 lanes (and outside, through BLAS), fewer rows than a
 * tile, K over one block (1024), strided rows of a and b, a NaN in a. Other
 * builds run the same cases through BLAS. */
static void test_skinny(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_dtype t = AX_FLOAT32;
    ax_scope_begin(ctx);
    int64_t ns[] = {4, 5, 15, 16, 17, 31, 48, 63, 64, 65};
    for (int i = 0; i < (int)(sizeof ns / sizeof *ns); i++) {
        int64_t k = 1100000 / (40 * ns[i]) + 1; /* just over 10^6 multiply-adds */
        check_matmul(ctx, rand_array(ctx, t, (int64_t[]){40, k}, 2),
                     rand_array(ctx, t, (int64_t[]){k, ns[i]}, 2), (int64_t[]){40, ns[i]}, 2,
                     "skinny, N");
    }
    check_matmul(ctx, rand_array(ctx, t, SH(5, 4000)), rand_array(ctx, t, SH(4000, 64)), SH(5, 64),
                 "skinny, one partial tile");
    check_matmul(ctx, rand_array(ctx, t, SH(2, 41, 1100)), rand_array(ctx, t, SH(2, 1100, 24)),
                 SH(2, 41, 24), "skinny, K over a block");
    check_matmul(ctx, rand_array(ctx, t, SH(2, 100, 2100)), rand_array(ctx, t, SH(2100, 40)),
                 SH(2, 100, 40), "skinny, two row blocks and K blocks, shared b");
    ax_array *as = ax_slice(ctx, rand_array(ctx, t, SH(200, 400)), (int64_t[]){0, 3},
                            (int64_t[]){200, 303}, NULL, 2);
    ax_array *bs = ax_slice(ctx, rand_array(ctx, t, SH(300, 80)), (int64_t[]){0, 10},
                            (int64_t[]){300, 42}, NULL, 2);
    check_matmul(ctx, as, bs, SH(200, 32), "skinny, strided rows");
    /* a NaN in row 7 of a: that row of the product is NaN, the others not */
    enum { NM = 60, NK = 1000, NN = 20 };
    float *av = malloc(sizeof(float) * NM * NK), *bv = malloc(sizeof(float) * NK * NN);
    for (int i = 0; i < NM * NK; i++) av[i] = (float)urand();
    for (int i = 0; i < NK * NN; i++) bv[i] = (float)urand();
    av[7 * NK + 11] = NAN;
    ax_array *r = ax_matmul(ctx, ax_array_from_data(ctx, av, t, SH(NM, NK)),
                            ax_array_from_data(ctx, bv, t, SH(NK, NN)));
    const float *rv = ax_data(ctx, r);
    int wrong = 0;
    for (int i = 0; rv && i < NM * NN; i++) wrong += (i / NN == 7) != (rv[i] != rv[i]);
    CHECK_MSG(rv && wrong == 0, "skinny, NaN: %d elements wrong", wrong);
    free(av);
    free(bv);
    ax_scope_end(ctx);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_addmm(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ti = 0; ti < NFLOATS; ti++) {
        ax_dtype t = FLOATS[ti];
        ax_scope_begin(ctx);
        struct {
            int64_t cs[3];
            int cn;
        } cshapes[] = {{{5}, 1}, {{3, 5}, 2}, {{3, 1}, 2}, {{0}, 0}};
        for (int ref = 0; ref < 2; ref++) {
            ax__cpu_force_reference(ref);
            for (size_t s = 0; s < sizeof cshapes / sizeof *cshapes; s++) {
                ax_array *a = rand_array(ctx, t, SH(3, 40)), *b = rand_array(ctx, t, SH(40, 5));
                ax_array *c = rand_array(ctx, t, cshapes[s].cs, cshapes[s].cn);
                check_product(ctx, ax_addmm(ctx, c, a, b, 0.5, -2), c, a, b, 0.5, -2, "addmm");
                check_product(ctx, ax_addmm(ctx, c, a, b, 1, 1), c, a, b, 1, 1, "addmm 1 1");
            }
            /* batched, transposed b, vector b */
            ax_array *a = rand_array(ctx, t, SH(4, 3, 30));
            ax_array *b = ax_transpose(ctx, rand_array(ctx, t, SH(6, 30)), NULL, 0);
            ax_array *c = rand_array(ctx, t, SH(3, 6));
            check_product(ctx, ax_addmm(ctx, c, a, b, -1.5, 0.25), c, a, b, -1.5, 0.25,
                          "addmm batched");
            ax_array *v = rand_array(ctx, t, SH(30));
            ax_array *cv = rand_array(ctx, t, SH(4, 3));
            check_product(ctx, ax_addmm(ctx, cv, a, v, 2, 3), cv, a, v, 2, 3, "addmm gemv");
            /* beta == 0: c is not read (NaN does not propagate) */
            double nanv[2] = {NAN, NAN};
            ax_array *cn = test_from_f64(ctx, nanv, t, SH(2));
            ax_array *x = rand_array(ctx, t, SH(3, 7)), *y = rand_array(ctx, t, SH(7, 2));
            ax_array *r = ax_addmm(ctx, cn, x, y, 1, 0);
            check_product(ctx, r, NULL, x, y, 1, 0, "addmm beta=0");
            /* alpha == 0: a @ b is not evaluated (Inf and NaN in a vanish) */
            double infv[6] = {INFINITY, 1, 2, 3, NAN, 5};
            ax_array *ai = test_from_f64(ctx, infv, t, SH(2, 3));
            ax_array *cc = rand_array(ctx, t, SH(2, 2)), *bi = rand_array(ctx, t, SH(3, 2));
            check_product(ctx, ax_addmm(ctx, cc, ai, bi, 0, 1.5), cc, ai, bi, 0, 1.5, "addmm alpha=0");
            ax_array *vi = test_from_f64(ctx, infv, t, SH(3));
            ax_array *cv2 = rand_array(ctx, t, SH(2));
            check_product(ctx, ax_addmm(ctx, cv2, ai, vi, 0, -1), cv2, ai, vi, 0, -1,
                          "addmm alpha=0 gemv");
            ax__cpu_force_reference(false);
        }
        ax_scope_end(ctx);
        CHECK_OK(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_dtypes_and_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    /* promotion: float32 @ float64 -> float64, int32 @ float32 -> float32 */
    ax_array *a = rand_array(ctx, AX_FLOAT32, SH(3, 4));
    ax_array *r = ax_matmul(ctx, a, rand_array(ctx, AX_FLOAT64, SH(4, 2)));
    CHECK(r && ax_dtype_of(r) == AX_FLOAT64);
    double iv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ax_array *ia = test_from_f64(ctx, iv, AX_INT32, SH(4, 2));
    r = ax_matmul(ctx, a, ia);
    CHECK(r && ax_dtype_of(r) == AX_FLOAT32);
    if (r) check_product(ctx, r, NULL, a, ax_astype(ctx, ia, AX_FLOAT32), 1, 0, "int32 promoted");
    ax_error_clear(ctx);
    /* integers and bool are refused */
    ax_array *ib = test_from_f64(ctx, iv, AX_INT32, SH(2, 4));
    CHECK(ax_matmul(ctx, ia, ib) == NULL);
    CHECK(strstr(ax_error_message(ctx), "matmul") && strstr(ax_error_message(ctx), "int32"));
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *bo = test_from_f64(ctx, iv, AX_BOOL, SH(2, 4));
    CHECK(ax_matmul(ctx, ia, bo) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_addmm(ctx, test_from_f64(ctx, iv, AX_INT32, SH(4)), ia, ib, 1, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* shapes */
    CHECK(ax_matmul(ctx, rand_array(ctx, AX_FLOAT32, SH(2, 3)),
                    rand_array(ctx, AX_FLOAT32, SH(4, 5))) == NULL);
    CHECK(strstr(ax_error_message(ctx), "(2, 3)") && strstr(ax_error_message(ctx), "(4, 5)"));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_matmul(ctx, rand_array(ctx, AX_FLOAT32, SH(3)), rand_array(ctx, AX_FLOAT32, SH(4))) ==
          NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_matmul(ctx, rand_array(ctx, AX_FLOAT32, SH(2, 3, 4)),
                    rand_array(ctx, AX_FLOAT32, SH(3, 4, 5))) == NULL);
    CHECK(strstr(ax_error_message(ctx), "batch") != NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_matmul(ctx, ax_scalar(ctx, 2, AX_FLOAT32), rand_array(ctx, AX_FLOAT32, SH(3))) ==
          NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_addmm(ctx, rand_array(ctx, AX_FLOAT32, SH(4)), rand_array(ctx, AX_FLOAT32, SH(2, 3)),
                   rand_array(ctx, AX_FLOAT32, SH(3, 5)), 1, 1) == NULL);
    CHECK(strstr(ax_error_message(ctx), "addmm") && strstr(ax_error_message(ctx), "(4,)"));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_addmm(ctx, rand_array(ctx, AX_FLOAT32, SH(2, 2, 5)),
                   rand_array(ctx, AX_FLOAT32, SH(2, 3)), rand_array(ctx, AX_FLOAT32, SH(3, 5)), 1,
                   1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    /* NULL propagation keeps the first error */
    CHECK(ax_matmul(ctx, NULL, a) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_ctx_free(ctx);
}

/* tensordot against an explicit loop over the contracted indices. */
static void test_tensordot(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ti = 0; ti < NFLOATS; ti++) {
        ax_dtype t = FLOATS[ti];
        ax_scope_begin(ctx);
        /* a (4, 3, 5), b (5, 6, 4): contract a0-b2 and a2-b0 -> (3, 6) */
        ax_array *a = rand_array(ctx, t, SH(4, 3, 5)), *b = rand_array(ctx, t, SH(5, 6, 4));
        ax_array *r = ax_tensordot(ctx, a, b, (int[]){0, -1}, (int[]){2, 0}, 2);
        CHECK(r && ax_ndim(r) == 2 && ax_dim(r, 0) == 3 && ax_dim(r, 1) == 6);
        if (r) {
            host ha = to_host(ctx, a), hb = to_host(ctx, b), hr = to_host(ctx, r);
            int bad = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 6; j++) {
                    double re = 0, im = 0, s = 0;
                    for (int p = 0; p < 4; p++)
                        for (int q = 0; q < 5; q++) {
                            int64_t x = p * 15 + i * 5 + q, y = q * 24 + j * 4 + p;
                            re += ha.re[x] * hb.re[y] - ha.im[x] * hb.im[y];
                            im += ha.re[x] * hb.im[y] + ha.im[x] * hb.re[y];
                            s += (fabs(ha.re[x]) + fabs(ha.im[x])) *
                                 (fabs(hb.re[y]) + fabs(hb.im[y]));
                        }
                    double tol = (22 * u_acc(t) * 2 + u_out(t)) * s;
                    bad += !(fabs(hr.re[i * 6 + j] - re) + fabs(hr.im[i * 6 + j] - im) <= tol);
                }
            CHECK_MSG(bad == 0, "tensordot %s: %d bad", ax_dtype_name(t), bad);
            host_free(&ha);
            host_free(&hb);
            host_free(&hr);
        }
        /* tensordot_n: last 2 of a with first 2 of b == matmul of the reshapes */
        ax_array *x = rand_array(ctx, t, SH(2, 3, 4, 5)), *y = rand_array(ctx, t, SH(4, 5, 6));
        r = ax_tensordot_n(ctx, x, y, 2);
        CHECK(r && ax_ndim(r) == 3 && ax_dim(r, 0) == 2 && ax_dim(r, 1) == 3 && ax_dim(r, 2) == 6);
        check_product(ctx, ax_reshape(ctx, r, SH(6, 6)), NULL, ax_reshape(ctx, x, SH(6, 20)),
                      ax_reshape(ctx, y, SH(20, 6)), 1, 0, "tensordot_n");
        /* n = 0: outer product of all elements */
        r = ax_tensordot_n(ctx, rand_array(ctx, t, SH(2, 3)), rand_array(ctx, t, SH(4)), 0);
        CHECK(r && ax_ndim(r) == 3 && ax_dim(r, 2) == 4);
        /* inner: contract the last axes */
        ax_array *u = rand_array(ctx, t, SH(2, 7)), *v = rand_array(ctx, t, SH(3, 7));
        r = ax_inner(ctx, u, v);
        CHECK(r && ax_ndim(r) == 2 && ax_dim(r, 0) == 2 && ax_dim(r, 1) == 3);
        check_product(ctx, r, NULL, u, ax_transpose(ctx, v, NULL, 0), 1, 0, "inner");
        ax_scope_end(ctx);
        CHECK_OK(ctx);
    }
    /* outer works for any dtype (exact products) */
    double av[3] = {1, -2, 3}, bv[2] = {4, 5};
    ax_array *o = ax_outer(ctx, test_from_f64(ctx, av, AX_INT32, SH(3)),
                           test_from_f64(ctx, bv, AX_INT32, SH(2)));
    const int32_t *ov = ax_data(ctx, o);
    CHECK(o && ax_ndim(o) == 2 && ax_dim(o, 0) == 3 && ax_dim(o, 1) == 2);
    CHECK(ov && ov[0] == 4 && ov[1] == 5 && ov[2] == -8 && ov[3] == -10 && ov[4] == 12 &&
          ov[5] == 15);
    CHECK_OK(ctx);
    /* errors */
    ax_array *a = rand_array(ctx, AX_FLOAT32, SH(3, 4)), *b = rand_array(ctx, AX_FLOAT32, SH(5, 3));
    CHECK(ax_tensordot(ctx, a, b, (int[]){1}, (int[]){0}, 1) == NULL);
    CHECK(strstr(ax_error_message(ctx), "tensordot") && strstr(ax_error_message(ctx), "(3, 4)"));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_tensordot(ctx, a, b, (int[]){2}, (int[]){0}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_tensordot(ctx, a, a, (int[]){0, 0}, (int[]){0, 1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_tensordot_n(ctx, a, b, 3) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_tensordot_n(ctx, a, b, -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_inner(ctx, a, b) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_ctx_free(ctx);
}

/* The half-precision path's bulk conversions agree bit for bit with the
 * scalar ax_f16/bf16 conversions (NaN payloads aside): every 16-bit pattern to float32, and
 * float32 patterns (random bits, ties, subnormals, overflow, NaN) back. */
static void test_half_conversions(void) {
    enum { N = 65536 };
    uint16_t *h = malloc(sizeof(uint16_t) * N), *back = malloc(sizeof(uint16_t) * N);
    float *f = malloc(sizeof(float) * N);
    for (int i = 0; i < N; i++) h[i] = (uint16_t)i;
    const ax_dtype ts[2] = {AX_FLOAT16, AX_BFLOAT16};
    for (int q = 0; q < 2; q++) {
        ax__half_to_f32(h, ts[q], f, N);
        int bad = 0;
        for (int i = 0; i < N; i++) {
            float want = ts[q] == AX_FLOAT16 ? ax_f16_to_f32(h[i]) : ax_bf16_to_f32(h[i]);
            /* signaling NaNs may come back quieted (F16C does so) */
            bool both_nan = isnan(want) && isnan(f[i]) && signbit(want) == signbit(f[i]);
            bad += !both_nan && memcmp(&want, &f[i], 4) != 0;
        }
        CHECK_MSG(bad == 0, "%s -> float32: %d patterns differ", ax_dtype_name(ts[q]), bad);
        /* float32 -> half: random patterns, plus ties and edge cases */
        for (int i = 0; i < N; i++) {
            uint32_t u = (uint32_t)(urand() * 2147483648.0) * 2u + (uint32_t)(i & 1);
            if (i % 7 == 0) u = (u & 0xffff0000u) | 0x8000u; /* bf16 tie */
            if (i % 11 == 0) u = (u & 0xffffe000u) | 0x1000u; /* f16 tie */
            memcpy(&f[i], &u, 4);
        }
        const float edge[] = {0.0f,    -0.0f, 65504.0f, 65520.0f,  65519.99f, 6.1e-5f, 5.9e-8f,
                              2.9e-8f, 3e-8f, INFINITY, -INFINITY, NAN,       3.4e38f, 1e-45f};
        memcpy(f, edge, sizeof edge);
        ax__f32_to_half(f, ts[q], back, N);
        bad = 0;
        for (int i = 0; i < N; i++)
            bad += back[i] != (ts[q] == AX_FLOAT16 ? ax_f32_to_f16(f[i]) : ax_f32_to_bf16(f[i]));
        CHECK_MSG(bad == 0, "float32 -> %s: %d values differ", ax_dtype_name(ts[q]), bad);
    }
    free(h);
    free(back);
    free(f);
}

/* OpenBLAS follows ax's thread count (so BLAS and ax's pool never
 * oversubscribe the cores), and results do not depend on it. */
int openblas_get_num_threads(void);

static void test_threads(void) {
    ax_ctx *ctx = ax_ctx_new();
    int old = ax_get_num_threads();
    ax_array *a = rand_array(ctx, AX_FLOAT32, SH(200, 300)),
             *b = rand_array(ctx, AX_FLOAT32, SH(300, 100));
    for (int nt = 1; nt <= 2; nt++) {
        ax_set_num_threads(nt);
        ax_array *r = ax_matmul(ctx, a, b);
        CHECK(ax_eval1(ctx, r) == AX_OK);
        CHECK_MSG(openblas_get_num_threads() == nt, "OpenBLAS runs %d threads, ax %d",
                  openblas_get_num_threads(), nt);
        check_product(ctx, r, NULL, a, b, 1, 0, "threads");
    }
    /* products spread over the pool (float32: the skinny kernel's row
     * blocks; float64: whole BLAS products per thread): fewer, as many and
     * more products than threads (the pool starts as many as asked, whatever
     * the machine); OpenBLAS is back to ax's count afterwards */
    for (int dt = 0; dt < 2; dt++) {
        ax_dtype t = dt ? AX_FLOAT64 : AX_FLOAT32;
        ax_array *ba = rand_array(ctx, t, SH(7, 100, 210)), *bb = rand_array(ctx, t, SH(7, 210, 50));
        for (int nt = 1; nt <= 8; nt = nt < 3 ? nt + 1 : nt + 5) { /* 1, 2, 3, 8 */
            ax_set_num_threads(nt);
            for (int64_t nb = 1; nb <= 7; nb = nb * 2 + 1) { /* 1, 3, 7 */
                ax_array *x = ax_slice(ctx, ba, (int64_t[]){0, 0, 0}, (int64_t[]){nb, 100, 210}, NULL, 3);
                ax_array *y = ax_slice(ctx, bb, (int64_t[]){0, 0, 0}, (int64_t[]){nb, 210, 50}, NULL, 3);
                ax_array *r = ax_matmul(ctx, x, y);
                CHECK(ax_eval1(ctx, r) == AX_OK);
                CHECK_MSG(openblas_get_num_threads() == nt,
                          "after a batch of %lld: OpenBLAS runs %d threads, ax %d", (long long)nb,
                          openblas_get_num_threads(), nt);
                check_product(ctx, r, NULL, x, y, 1, 0, "batch split, threads");
            }
        }
    }
    ax_set_num_threads(old);
    ax_ctx_free(ctx);
}

int main(void) {
    test_threads();
    test_half_conversions();
    test_shapes();
    test_zero_size();
    test_large();
    test_skinny();
    test_addmm();
    test_dtypes_and_errors();
    test_tensordot();
    return test_summary("test_matmul");
}
