/* einsum: NumPy-made results and einsum_path reports for ~50 subscripts
 * (tests/numpy_ref/extra_refs.h), a randomized comparison against a
 * brute-force evaluator in this file (every label assignment enumerated) for
 * every path strategy, dtypes (float32, float16, complex64, int32, bool),
 * views, and the error messages.
 *
 * The NumPy inputs are multiples of 1/8 with small magnitude, so every
 * product and partial sum is exact in float64: ax must agree to rounding of
 * the final values (1e-12 relative to the largest magnitude). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numpy_ref/extra_refs.h"
#include "testutil.h"

static double gen(int k, int64_t i) { return (double)((7 * i + 13 * k) % 19 - 9) / 8.0; }

static ax_array *gen_array(ax_ctx *ctx, int k, const int64_t *shape, int nd, ax_dtype t) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = t == AX_INT32 ? gen(k, i) * 8 : gen(k, i);
    ax_array *a = test_from_f64(ctx, v, t, shape, nd);
    free(v);
    return a;
}

/* max |x - y| <= tol * max(1, max |y|) */
static bool close_all(const double *x, const double *y, int64_t n, double tol) {
    double mag = 1, err = 0;
    for (int64_t i = 0; i < n; i++) {
        if (fabs(y[i]) > mag) mag = fabs(y[i]);
        double e = fabs(x[i] - y[i]);
        if (!(e <= err)) err = e;
    }
    return err <= tol * mag;
}

static void test_numpy_refs(ax_ctx *ctx) {
    for (int c = 0; c < N_EINSUM_REFS; c++) {
        const einsum_ref *r = &einsum_refs[c];
        ax_scope_begin(ctx);
        ax_array *ops[5];
        ax_dtype t = r->is_int ? AX_INT32 : AX_FLOAT64;
        for (int k = 0; k < r->n; k++) ops[k] = gen_array(ctx, k, r->shape[k], r->ndim[k], t);
        static const ax_einsum_optimize modes[3] = {AX_EINSUM_GREEDY, AX_EINSUM_OPTIMAL,
                                                    AX_EINSUM_NONE};
        for (int m = 0; m < 3; m++) {
            ax_array *out = ax_einsum_opt(ctx, r->subs, ops, r->n, modes[m]);
            CHECK_MSG(out != NULL, "%s (mode %d): %s", r->subs, m, ax_error_message(ctx));
            if (!out) {
                ax_error_clear(ctx);
                continue;
            }
            CHECK_MSG(ax_dtype_of(out) == t, "%s: dtype %s", r->subs, ax_dtype_name(ax_dtype_of(out)));
            bool shape_ok = ax_ndim(out) == r->out_ndim;
            for (int i = 0; shape_ok && i < r->out_ndim; i++)
                shape_ok = ax_dim(out, i) == r->out_shape[i];
            CHECK_MSG(shape_ok, "%s (mode %d): wrong shape (ndim %d)", r->subs, m, ax_ndim(out));
            double *got = test_to_f64(ctx, out);
            CHECK_OK(ctx);
            if (shape_ok && got)
                CHECK_MSG(close_all(got, einsum_ref_values + r->out_off, r->out_size,
                                    r->is_int ? 0 : 1e-12),
                          "%s (mode %d): values differ from NumPy", r->subs, m);
            free(got);
        }
        /* the greedy path and its FLOP counts, as numpy.einsum_path reports
         * them (NumPy prints the counts to 4 significant digits) */
        ax_einsum_path_info info;
        char rep[4096];
        CHECK(ax_einsum_path(ctx, r->subs, ops, r->n, AX_EINSUM_GREEDY, &info, rep, sizeof rep) ==
              AX_OK);
        CHECK_MSG(info.nsteps == r->nsteps, "%s: %d steps, NumPy %d", r->subs, info.nsteps,
                  r->nsteps);
        for (int s = 0; s < info.nsteps && s < r->nsteps; s++) {
            bool same = info.step_len[s] == r->step_len[s];
            for (int i = 0; same && i < r->step_len[s]; i++) same = info.steps[s][i] == r->steps[s][i];
            CHECK_MSG(same, "%s: step %d differs from NumPy's path", r->subs, s);
        }
        CHECK_MSG(fabs(info.naive_flops - r->naive_flops) <= 5e-4 * r->naive_flops,
                  "%s: naive FLOPs %g, NumPy %g", r->subs, info.naive_flops, r->naive_flops);
        CHECK_MSG(fabs(info.optimized_flops - r->opt_flops) <= 5e-4 * r->opt_flops,
                  "%s: optimized FLOPs %g, NumPy %g", r->subs, info.optimized_flops, r->opt_flops);
        CHECK_MSG(info.optimized_scaling == r->opt_scaling, "%s: scaling %d, NumPy %d", r->subs,
                  info.optimized_scaling, r->opt_scaling);
        CHECK_MSG(fabs(info.largest_intermediate - r->largest) <= 5e-4 * r->largest,
                  "%s: largest intermediate %g, NumPy %g", r->subs, info.largest_intermediate,
                  r->largest);
        CHECK(strstr(rep, "Complete contraction:") != NULL);
        if (r->opt_nsteps) {
            CHECK(ax_einsum_path(ctx, r->subs, ops, r->n, AX_EINSUM_OPTIMAL, &info, NULL, 0) ==
                  AX_OK);
            bool same = info.nsteps == r->opt_nsteps;
            for (int s = 0; same && s < r->opt_nsteps; s++)
                for (int i = 0; same && i < r->opt_step_len[s]; i++)
                    same = info.step_len[s] == r->opt_step_len[s] &&
                           info.steps[s][i] == r->opt_steps[s][i];
            CHECK_MSG(same, "%s: optimal path differs from NumPy's", r->subs);
        }
        ax_scope_end(ctx);
    }
}

/* ---------------------------------------------------------------- brute force */

static uint64_t rng = 0x1234567;
static double urand(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}
static int irand(int n) { return (int)((urand() + 1) / 2 * n) % n; }

/* Brute-force einsum over explicit subscripts (letters only, "->" given):
 * re/im of each operand row-major with the given shapes; out zeroed by the
 * caller, row-major over the output letters. */
static void brute(const char *subs, int n, double *const *re, double *const *im,
                  const int64_t (*shapes)[6], const int *ndims, double *ore, double *oim) {
    char terms[6][8], out[8];
    int nt = 0, len = 0;
    const char *p = subs;
    memset(terms, 0, sizeof terms);
    for (; *p && *p != '-'; p++) {
        if (*p == ',') {
            terms[nt++][len] = 0;
            len = 0;
        } else {
            terms[nt][len++] = *p;
        }
    }
    terms[nt][len] = 0;
    strcpy(out, p + 2);
    (void)n;
    int64_t size[128] = {0};
    char labs[32];
    int nl = 0;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < ndims[k]; j++) {
            int c = terms[k][j];
            if (!size[c]) labs[nl++] = (char)c;
            if (shapes[k][j] != 1 || !size[c]) size[c] = shapes[k][j];
        }
    int64_t val[128] = {0};
    for (;;) {
        double pr = 1, pi = 0;
        for (int k = 0; k < n; k++) {
            int64_t off = 0;
            for (int j = 0; j < ndims[k]; j++) {
                int64_t idx = shapes[k][j] == 1 ? 0 : val[(int)terms[k][j]];
                off = off * shapes[k][j] + idx;
            }
            double ar = re[k][off], ai = im ? im[k][off] : 0;
            double nr = pr * ar - pi * ai, ni = pr * ai + pi * ar;
            pr = nr;
            pi = ni;
        }
        int64_t o = 0;
        for (int j = 0; out[j]; j++) o = o * size[(int)out[j]] + val[(int)out[j]];
        ore[o] += pr;
        if (oim) oim[o] += pi;
        int d = nl - 1;
        for (; d >= 0; d--) {
            if (++val[(int)labs[d]] < size[(int)labs[d]]) break;
            val[(int)labs[d]] = 0;
        }
        if (d < 0) break;
    }
}

/* Random explicit subscripts over letters a..f (repeats within a term and
 * broadcast size-1 axes now and then), 1 to 4 operands. */
static void random_case(char *subs, int *n, int64_t (*shapes)[6], int *ndims) {
    int64_t size[6];
    for (int l = 0; l < 6; l++) size[l] = 1 + irand(4);
    *n = 1 + irand(4);
    bool used[6] = {false};
    char *p = subs;
    for (int k = 0; k < *n; k++) {
        if (k) *p++ = ',';
        ndims[k] = irand(4);
        for (int j = 0; j < ndims[k]; j++) {
            int l = irand(6);
            *p++ = (char)('a' + l);
            used[l] = true;
            shapes[k][j] = irand(8) == 0 ? 1 : size[l];
        }
        /* a repeated label needs equal sizes on that operand */
        for (int j = 0; j < ndims[k]; j++)
            for (int i = 0; i < j; i++)
                if (p[-ndims[k] + i] == p[-ndims[k] + j]) shapes[k][j] = shapes[k][i];
    }
    *p++ = '-';
    *p++ = '>';
    int order[6] = {0, 1, 2, 3, 4, 5};
    for (int i = 5; i > 0; i--) {
        int j = irand(i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < 6; i++)
        if (used[order[i]] && irand(2)) *p++ = (char)('a' + order[i]);
    *p = 0;
}

static void test_random(ax_ctx *ctx) {
    int bad = 0;
    for (int trial = 0; trial < 400; trial++) {
        char subs[64];
        int n, ndims[6];
        int64_t shapes[6][6];
        random_case(subs, &n, shapes, ndims);
        bool cplx = trial % 5 == 4;
        ax_scope_begin(ctx);
        double *re[6], *im[6];
        ax_array *ops[6];
        for (int k = 0; k < n; k++) {
            int64_t sz = 1;
            for (int j = 0; j < ndims[k]; j++) sz *= shapes[k][j];
            re[k] = malloc(sizeof(double) * (size_t)sz);
            im[k] = calloc((size_t)sz, sizeof(double));
            float *cbuf = malloc(sizeof(float) * 2 * (size_t)sz);
            for (int64_t i = 0; i < sz; i++) {
                /* float-representable values so complex64 inputs are exact */
                re[k][i] = (float)urand();
                if (cplx) im[k][i] = (float)urand();
                cbuf[2 * i] = (float)re[k][i];
                cbuf[2 * i + 1] = (float)im[k][i];
            }
            ops[k] = cplx ? ax_array_from_data(ctx, cbuf, AX_COMPLEX64, shapes[k], ndims[k])
                          : test_from_f64(ctx, re[k], AX_FLOAT64, shapes[k], ndims[k]);
            free(cbuf);
        }
        const char *arrow = strstr(subs, "->");
        int64_t osz = 1;
        int64_t lsize[128] = {0};
        /* sizes of the output letters */
        {
            const char *p = subs;
            int k = 0, j = 0;
            for (; p < arrow; p++) {
                if (*p == ',') {
                    k++;
                    j = 0;
                    continue;
                }
                if (shapes[k][j] != 1 || !lsize[(int)*p]) lsize[(int)*p] = shapes[k][j];
                j++;
            }
            for (p = arrow + 2; *p; p++) osz *= lsize[(int)*p];
        }
        double *wre = calloc((size_t)(osz ? osz : 1), sizeof(double));
        double *wim = calloc((size_t)(osz ? osz : 1), sizeof(double));
        brute(subs, n, re, im, (const int64_t(*)[6])shapes, ndims, wre, wim);
        static const ax_einsum_optimize modes[3] = {AX_EINSUM_GREEDY, AX_EINSUM_OPTIMAL,
                                                    AX_EINSUM_NONE};
        for (int m = 0; m < 3; m++) {
            ax_array *out = ax_einsum_opt(ctx, subs, ops, n, modes[m]);
            if (!out) {
                CHECK_MSG(out != NULL, "%s: %s", subs, ax_error_message(ctx));
                ax_error_clear(ctx);
                bad++;
                continue;
            }
            CHECK(ax_size(out) == osz);
            const void *d = ax_data(ctx, out);
            double tol = cplx ? 1e-5 : 1e-12, mag = 1, err = 0;
            for (int64_t i = 0; d && i < osz && ax_size(out) == osz; i++) {
                double gr, gi = 0;
                if (cplx) {
                    gr = ((const float *)d)[2 * i];
                    gi = ((const float *)d)[2 * i + 1];
                } else {
                    gr = ((const double *)d)[i];
                }
                mag = fmax(mag, fabs(wre[i]) + fabs(wim[i]));
                err = fmax(err, fabs(gr - wre[i]) + fabs(gi - wim[i]));
            }
            if (!(err <= tol * mag)) bad++;
            CHECK_MSG(err <= tol * mag, "%s (%s, mode %d): error %g of %g", subs,
                      cplx ? "complex64" : "float64", m, err, mag);
        }
        free(wre);
        free(wim);
        for (int k = 0; k < n; k++) {
            free(re[k]);
            free(im[k]);
        }
        ax_scope_end(ctx);
        if (bad > 10) break;
    }
}

/* ---------------------------------------------------------------- dtypes */

static void test_dtypes(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    /* float32 attention-like contraction against float64 */
    int64_t sq[4] = {2, 3, 5, 8}, sk[4] = {2, 3, 7, 8};
    ax_array *q = gen_array(ctx, 0, sq, 4, AX_FLOAT64), *k = gen_array(ctx, 1, sk, 4, AX_FLOAT64);
    ax_array *ref = ax_einsum(ctx, "bhqd,bhkd->bhqk", (ax_array *[]){q, k}, 2);
    ax_array *f32 = ax_einsum(ctx, "bhqd,bhkd->bhqk",
                              (ax_array *[]){ax_astype(ctx, q, AX_FLOAT32), ax_astype(ctx, k, AX_FLOAT32)}, 2);
    ax_array *f16 = ax_einsum(ctx, "bhqd,bhkd->bhqk",
                              (ax_array *[]){ax_astype(ctx, q, AX_FLOAT16), ax_astype(ctx, k, AX_FLOAT16)}, 2);
    CHECK(ax_dtype_of(f32) == AX_FLOAT32 && ax_dtype_of(f16) == AX_FLOAT16);
    double *r = test_to_f64(ctx, ref), *g = test_to_f64(ctx, f32), *h = test_to_f64(ctx, f16);
    CHECK_OK(ctx);
    /* inputs are exact in float16; 8-term sums accumulate in float32 and
     * round once: float32 within 2^-24 relative of the largest value, float16
     * within one half-ulp (2^-11) */
    if (r && g && h) {
        CHECK(close_all(g, r, ax_size(ref), 1e-6));
        CHECK(close_all(h, r, ax_size(ref), 1.0 / 1024));
    }
    free(r);
    free(g);
    free(h);
    /* mixed dtypes promote: int32 with float32 gives float32 */
    int64_t s2[2] = {3, 4}, s3[2] = {4, 2};
    ax_array *ai = gen_array(ctx, 0, s2, 2, AX_INT32), *bf = gen_array(ctx, 1, s3, 2, AX_FLOAT32);
    ax_array *mix = ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){ai, bf}, 2);
    CHECK(mix && ax_dtype_of(mix) == AX_FLOAT32);
    /* integers wrap in their dtype, as NumPy: int8 100 * 3 + ... */
    int8_t i8a[3] = {100, 100, 100}, i8b[3] = {1, 1, 1};
    ax_array *x8 = ax_array_from_data(ctx, i8a, AX_INT8, (int64_t[]){3}, 1);
    ax_array *y8 = ax_array_from_data(ctx, i8b, AX_INT8, (int64_t[]){3}, 1);
    ax_array *d8 = ax_einsum(ctx, "i,i->", (ax_array *[]){x8, y8}, 2);
    int64_t v8 = 0;
    CHECK(d8 && ax_dtype_of(d8) == AX_INT8);
    CHECK(ax_item_i64(ctx, d8, &v8) == AX_OK && v8 == 44); /* 300 mod 256 */
    /* bool: logical and, then or */
    uint8_t ba[4] = {1, 0, 1, 0}, bb[4] = {0, 0, 1, 1};
    ax_array *xb = ax_array_from_data(ctx, ba, AX_BOOL, (int64_t[]){4}, 1);
    ax_array *yb = ax_array_from_data(ctx, bb, AX_BOOL, (int64_t[]){4}, 1);
    ax_array *db = ax_einsum(ctx, "i,i->", (ax_array *[]){xb, yb}, 2);
    ax_array *ob = ax_einsum(ctx, "i,j->ij", (ax_array *[]){xb, yb}, 2);
    int64_t vb = -1;
    CHECK(db && ax_dtype_of(db) == AX_BOOL && ax_item_i64(ctx, db, &vb) == AX_OK && vb == 1);
    const uint8_t *obd = ax_data(ctx, ob);
    CHECK(obd && ax_dtype_of(ob) == AX_BOOL);
    for (int i = 0; obd && i < 16; i++) CHECK(obd[i] == (ba[i / 4] & bb[i % 4]));
    CHECK_OK(ctx);
    /* integer and bool contractions too large for one broadcast product are
     * summed in slices of K (300^3 > 2^24 products): same answers as one
     * float64 matmul of the same small integers (exact), int8 wrapping as
     * the int64 result converted to int8 */
    int64_t s300[2] = {300, 300};
    ax_array *i1 = gen_array(ctx, 0, s300, 2, AX_INT32), *i2 = gen_array(ctx, 1, s300, 2, AX_INT32);
    ax_array *ij = ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){i1, i2}, 2);
    ax_array *fj = ax_einsum(ctx, "ij,jk->ik",
                             (ax_array *[]){ax_astype(ctx, i1, AX_FLOAT64), ax_astype(ctx, i2, AX_FLOAT64)}, 2);
    double *iv = test_to_f64(ctx, ij), *fv = test_to_f64(ctx, fj);
    CHECK(ij && ax_dtype_of(ij) == AX_INT32);
    CHECK(iv && fv && close_all(iv, fv, 300 * 300, 0));
    free(iv);
    free(fv);
    ax_array *w8 = ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){ax_astype(ctx, i1, AX_INT8), ax_astype(ctx, i2, AX_INT8)}, 2);
    ax_array *w64 = ax_astype(ctx, ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){ax_astype(ctx, i1, AX_INT64), ax_astype(ctx, i2, AX_INT64)}, 2), AX_INT8);
    bool same = false;
    CHECK(ax_allclose(ctx, w8, w64, 0, 0, false, &same) == AX_OK && same);
    ax_array *b1 = ax_greater(ctx, i1, ax_scalar(ctx, 5, AX_INT32));
    ax_array *b2 = ax_greater(ctx, i2, ax_scalar(ctx, 7, AX_INT32));
    ax_array *bj = ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){b1, b2}, 2);
    ax_array *bfl = ax_greater(ctx, ax_einsum(ctx, "ij,jk->ik", (ax_array *[]){ax_astype(ctx, b1, AX_FLOAT32), ax_astype(ctx, b2, AX_FLOAT32)}, 2), ax_scalar(ctx, 0.5, AX_FLOAT32));
    CHECK(bj && ax_dtype_of(bj) == AX_BOOL);
    CHECK(ax_allclose(ctx, ax_astype(ctx, bj, AX_FLOAT32), ax_astype(ctx, bfl, AX_FLOAT32), 0, 0, false, &same) == AX_OK && same);
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- batched */

/* Attention-shaped contractions whose batched matmul has products large
 * enough (> 10^6 multiply-adds) for the float32 skinny kernel (N = d = 64)
 * or to be split over the thread pool whole (N = k = 128, and float64), with
 * transposed and permuted operands and a batch label only one side has.
 * Inputs are multiples of 1/8 below 2 in magnitude and each output sums at
 * most 256 products, so every result is exact in float32: it must equal the
 * brute-force sum. */
static void test_batched(ax_ctx *ctx) {
    static const char *subs[] = {"bhqk,bhkd->bhqd", "bhkq,bhkd->bhqd", "hbqk,bhkd->bhqd",
                                 "bhqd,bhkd->bhqk", "bhqk,hkd->bhqd", "bqk,bkd->bqd"};
    int64_t size[128] = {0};
    size['b'] = 3, size['h'] = 2, size['q'] = 128, size['k'] = 128, size['d'] = 64;
    int old = ax_get_num_threads();
    for (int nt = 1; nt <= 4; nt += 3) { /* 1 thread, and more threads than some batches */
        ax_set_num_threads(nt);
        for (size_t c = 0; c < sizeof subs / sizeof *subs; c++) {
            ax_scope_begin(ctx);
            int64_t shapes[2][6];
            int ndims[2] = {0, 0};
            const char *p = subs[c];
            for (int k = 0; k < 2; p++) {
                if (*p == ',' || *p == '-') k++;
                else shapes[k][ndims[k]++] = size[(int)*p];
            }
            int64_t osh[6], on = 1;
            int ond = 0;
            for (p = strchr(subs[c], '>') + 1; *p; p++) on *= osh[ond++] = size[(int)*p];
            ax_array *ops[2];
            double *re[2];
            for (int k = 0; k < 2; k++) {
                ops[k] = gen_array(ctx, k, shapes[k], ndims[k], AX_FLOAT32);
                re[k] = test_to_f64(ctx, ops[k]);
            }
            double *want = calloc((size_t)on, sizeof(double));
            brute(subs[c], 2, re, NULL, (const int64_t(*)[6])shapes, ndims, want, NULL);
            for (int dt = 0; dt < 2; dt++) {
                ax_dtype t = dt ? AX_FLOAT64 : AX_FLOAT32;
                ax_array *x[2] = {ax_astype(ctx, ops[0], t), ax_astype(ctx, ops[1], t)};
                ax_array *r = ax_einsum(ctx, subs[c], x, 2);
                double *got = test_to_f64(ctx, r);
                CHECK_MSG(got && ax_size(r) == on && close_all(got, want, on, 0),
                          "%s (%s, %d threads): not the exact sum", subs[c], ax_dtype_name(t), nt);
                free(got);
            }
            for (int k = 0; k < 2; k++) free(re[k]);
            free(want);
            CHECK_OK(ctx);
            ax_scope_end(ctx);
        }
    }
    ax_set_num_threads(old);
}

/* ---------------------------------------------------------------- views */

static void test_views(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t s[2] = {3, 4}, sq[2] = {4, 4};
    ax_array *a = gen_array(ctx, 0, s, 2, AX_FLOAT64), *m = gen_array(ctx, 0, sq, 2, AX_FLOAT64);
    ax_eval1(ctx, a);
    ax_eval1(ctx, m);
    ax_array *t = ax_einsum(ctx, "ij->ji", &a, 1);
    CHECK(t && ax_dim(t, 0) == 4 && ax_dim(t, 1) == 3 && !ax_is_contiguous(t));
    CHECK(ax_strides(t)[0] == 1 && ax_strides(t)[1] == 4);
    ax_array *d = ax_einsum(ctx, "ii->i", &m, 1);
    CHECK(d && ax_ndim(d) == 1 && ax_strides(d)[0] == 5);
    /* an explicit output without "..." sums the ellipsis axes (as
     * numpy.einsum(optimize=True)) */
    int64_t s234[3] = {2, 3, 4};
    ax_array *e = gen_array(ctx, 0, s234, 3, AX_FLOAT64);
    ax_array *es = ax_einsum(ctx, "...j->j", &e, 1);
    ax_array *ws = ax_sum(ctx, e, (int[]){0, 1}, 2, false);
    bool eq = false;
    CHECK(es && ax_ndim(es) == 1 && ax_allclose(ctx, es, ws, 1e-15, 0, false, &eq) == AX_OK && eq);
    ax_array *same = ax_einsum(ctx, "ij", &a, 1);
    CHECK(same == a); /* the identity contraction is the operand itself */
    CHECK_OK(ctx);
    ax_scope_end(ctx);
    /* the reference handed back above belonged to the scope: a is still alive */
}

/* ---------------------------------------------------------------- errors */

static void expect_err(ax_ctx *ctx, const char *subs, ax_array *const *ops, int n, ax_status code,
                       const char *needle) {
    ax_array *r = ax_einsum(ctx, subs, ops, n);
    CHECK_MSG(r == NULL, "\"%s\" should fail", subs);
    CHECK_MSG(ax_error_code(ctx) == code, "\"%s\": %s: %s", subs, ax_status_name(ax_error_code(ctx)),
              ax_error_message(ctx));
    CHECK_MSG(strstr(ax_error_message(ctx), needle) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
              subs, ax_error_message(ctx), needle);
    CHECK_MSG(strncmp(ax_error_message(ctx), "einsum", 6) == 0, "message \"%s\"", ax_error_message(ctx));
    ax_error_clear(ctx);
}

static void test_errors(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    int64_t s34[2] = {3, 4}, s45[2] = {4, 5}, s55[2] = {5, 5}, s23[2] = {2, 3};
    ax_array *a = gen_array(ctx, 0, s34, 2, AX_FLOAT32), *b = gen_array(ctx, 1, s45, 2, AX_FLOAT32);
    ax_array *c = gen_array(ctx, 2, s55, 2, AX_FLOAT32), *d = gen_array(ctx, 3, s23, 2, AX_FLOAT32);
    ax_array *ab[2] = {a, b}, *ac[2] = {a, c};
    expect_err(ctx, "ij,j1->ik", ab, 2, AX_ERR_VALUE, "'1' at position 4");
    expect_err(ctx, "ij,jk-ik", ab, 2, AX_ERR_VALUE, "'-' at position 5");
    expect_err(ctx, "ij,jk>ik", ab, 2, AX_ERR_VALUE, "'>' at position 5");
    expect_err(ctx, "ij,jk->ik->i", ab, 2, AX_ERR_VALUE, "second '->'");
    expect_err(ctx, "ij,jk->i,k", ab, 2, AX_ERR_VALUE, "',' at position 8");
    expect_err(ctx, "i..j,jk", ab, 2, AX_ERR_VALUE, "'.' at position 1");
    expect_err(ctx, "...i...,jk", ab, 2, AX_ERR_VALUE, "second ellipsis at position 4");
    expect_err(ctx, "ij,jk->ikk", ab, 2, AX_ERR_VALUE, "'k' at position 9 of \"ij,jk->ikk\" appears more than once");
    expect_err(ctx, "ij,jk->iz", ab, 2, AX_ERR_VALUE, "'z' at position 8");
    expect_err(ctx, "ij,jk,kl", ab, 2, AX_ERR_VALUE, "name 3 operands but 2 were given");
    expect_err(ctx, "ij", ab, 2, AX_ERR_VALUE, "name 1 operand but 2 were given");
    expect_err(ctx, "ijk,jk", ab, 2, AX_ERR_SHAPE, "operand 0 has shape (3, 4)");
    expect_err(ctx, "ij,jk", ac, 2, AX_ERR_SHAPE, "subscript 'j' has size 4 in operand 0 but size 5 in operand 1");
    expect_err(ctx, "ii", &a, 1, AX_ERR_SHAPE, "repeats subscript 'i'");
    expect_err(ctx, "ij,ij", (ax_array *[]){a, d}, 2, AX_ERR_SHAPE,
               "subscript 'i' has size 3 in operand 0 but size 2 in operand 1");
    expect_err(ctx, "ij,jk", (ax_array *[]){a, NULL}, 2, AX_ERR_NULL, "einsum");
    expect_err(ctx, "", NULL, 0, AX_ERR_VALUE, "0 operands");
    CHECK(ax_einsum(ctx, NULL, ab, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    /* ellipses that do not broadcast */
    int64_t s253[3] = {2, 5, 3}, s43[2] = {4, 3};
    ax_array *e = gen_array(ctx, 0, s253, 3, AX_FLOAT32), *f = gen_array(ctx, 1, s43, 2, AX_FLOAT32);
    expect_err(ctx, "...i,...i", (ax_array *[]){e, f}, 2, AX_ERR_SHAPE, "cannot be broadcast");
    CHECK(ax_einsum_opt(ctx, "ij,jk", ab, 2, (ax_einsum_optimize)7) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* einsum_path reports errors under its own name */
    CHECK(ax_einsum_path(ctx, "ij,jk->q", ab, 2, AX_EINSUM_GREEDY, NULL, NULL, 0) == AX_ERR_VALUE);
    CHECK(strncmp(ax_error_message(ctx), "einsum_path:", 12) == 0);
    ax_error_clear(ctx);
    ax_scope_end(ctx);
}

/* An 11-operand chain with OPTIMAL is refused (the search is exponential). */
static void test_optimal_limit(ax_ctx *ctx) {
    ax_scope_begin(ctx);
    ax_array *ops[11];
    int64_t s[2] = {2, 2};
    char subs[64], *p = subs;
    for (int i = 0; i < 11; i++) {
        ops[i] = gen_array(ctx, i, s, 2, AX_FLOAT64);
        if (i) *p++ = ',';
        *p++ = (char)('a' + i);
        *p++ = (char)('a' + i + 1);
    }
    strcpy(p, "->al");
    CHECK(ax_einsum_opt(ctx, subs, ops, 11, AX_EINSUM_OPTIMAL) == NULL);
    CHECK_MSG(ax_error_code(ctx) == AX_ERR_VALUE && strstr(ax_error_message(ctx), "at most 10"),
              "%s", ax_error_message(ctx));
    ax_error_clear(ctx);
    /* greedy handles it and agrees with the plain left-to-right chain, and
     * both with the product computed here (the two paths once agreed on a
     * wrong value: docs/design.md, Known issues) */
    ax_array *g = ax_einsum(ctx, subs, ops, 11), *nn = ax_einsum_opt(ctx, subs, ops, 11, AX_EINSUM_NONE);
    double *x = test_to_f64(ctx, g), *y = test_to_f64(ctx, nn);
    CHECK(x && y && close_all(x, y, 4, 1e-12));
    double prod[4] = {gen(0, 0), gen(0, 1), gen(0, 2), gen(0, 3)};
    for (int k = 1; k < 11; k++) {
        double b[4] = {gen(k, 0), gen(k, 1), gen(k, 2), gen(k, 3)};
        double t[4] = {prod[0] * b[0] + prod[1] * b[2], prod[0] * b[1] + prod[1] * b[3],
                       prod[2] * b[0] + prod[3] * b[2], prod[2] * b[1] + prod[3] * b[3]};
        memcpy(prod, t, sizeof t);
    }
    CHECK(x && close_all(x, prod, 4, 1e-12));
    CHECK(y && close_all(y, prod, 4, 1e-12));
    free(x);
    free(y);
    ax_einsum_path_info info;
    char rep[8192];
    CHECK(ax_einsum_path(ctx, subs, ops, 11, AX_EINSUM_GREEDY, &info, rep, sizeof rep) == AX_OK);
    CHECK(info.nsteps == 10);
    CHECK(strstr(rep, "ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl->al") != NULL);
    /* a short report buffer is truncated, not overrun */
    char small[16];
    memset(small, 'x', sizeof small);
    CHECK(ax_einsum_path(ctx, subs, ops, 11, AX_EINSUM_GREEDY, NULL, small, 10) == AX_OK);
    CHECK(strlen(small) == 9 && small[10] == 'x');
    CHECK_OK(ctx);
    ax_scope_end(ctx);
}

/* ---------------------------------------------------------------- many operands */

/* Entries -1, 0, 1: every product and sum below is an exact integer. */
static double small_int(int k, int i) { return (double)((7 * i + 13 * k + 1) % 3 - 1); }

/* Letter of label l (0..51): a..z, then A..Z. */
static char chain_letter(int l) { return (char)(l < 26 ? 'a' + l : 'A' + l - 26); }

/* Run subs on the n operands with the first nmodes of: no path, greedy,
 * optimal (exponential: few operands only); compare with want (nw values). */
static void check_paths(ax_ctx *ctx, const char *subs, ax_array **ops, int n, const double *want,
                        int nw, int nmodes) {
    static const ax_einsum_optimize modes[3] = {AX_EINSUM_NONE, AX_EINSUM_GREEDY,
                                                AX_EINSUM_OPTIMAL};
    for (int m = 0; m < nmodes; m++) {
        ax_array *r = ax_einsum_opt(ctx, subs, ops, n, modes[m]);
        double *got = r ? test_to_f64(ctx, r) : NULL;
        bool same = got && ax_size(r) == nw;
        for (int i = 0; same && i < nw; i++) same = got[i] == want[i];
        CHECK_MSG(same, "%s (mode %d): %g ... differs from the product %g ...", subs, (int)modes[m],
                  got ? got[0] : 0.0, want[0]);
        free(got);
    }
}

/* Chains "ab,bc,...->a?" of n 2x2 float64 matrices for every n up to the
 * operand limit, against the product computed here. */
static void test_long_chains(ax_ctx *ctx) {
    int64_t s[2] = {2, 2};
    for (int n = 2; n <= AX_EINSUM_MAX_OPERANDS; n++) {
        ax_scope_begin(ctx);
        ax_array *ops[AX_EINSUM_MAX_OPERANDS];
        double mats[AX_EINSUM_MAX_OPERANDS][4];
        char subs[3 * AX_EINSUM_MAX_OPERANDS + 8], *p = subs;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < 4; i++) mats[k][i] = small_int(k, i);
            ops[k] = test_from_f64(ctx, mats[k], AX_FLOAT64, s, 2);
            if (k) *p++ = ',';
            *p++ = chain_letter(k);
            *p++ = chain_letter(k + 1);
        }
        sprintf(p, "->%c%c", chain_letter(0), chain_letter(n));
        double prod[4] = {mats[0][0], mats[0][1], mats[0][2], mats[0][3]};
        for (int k = 1; k < n; k++) {
            const double *b = mats[k];
            double t[4] = {prod[0] * b[0] + prod[1] * b[2], prod[0] * b[1] + prod[1] * b[3],
                           prod[2] * b[0] + prod[3] * b[2], prod[2] * b[1] + prod[3] * b[3]};
            memcpy(prod, t, sizeof t);
        }
        check_paths(ctx, subs, ops, n, prod, 4, n <= 6 ? 3 : 2);
        CHECK_OK(ctx);
        ax_scope_end(ctx);
    }
}

/* Preparing operand k must see the labels of every other operand j: GCC
 * 12.2 once vectorized that search wrongly, so that operand 0 of 6 or more
 * lost the label it shares with operand 1 and was summed over it
 * (docs/design.md, Known issues). For every n and every pair k < j, some
 * einsum below has k and j share a label (vectors [1, -1], whose dot
 * product is 2 but whose sums are 0) while every other operand has a label
 * of its own ([1, 0], summed to 1): the result is 2^pairs. The pairs
 * (k, k + d mod n) of one step d form cycles; alternate edges of each cycle
 * go to two or three matchings, each one einsum (the plain left-to-right
 * path: at most d labels are open at a time). */
static void test_all_pairs(ax_ctx *ctx) {
    int64_t two = 2;
    for (int n = 2; n <= AX_EINSUM_MAX_OPERANDS; n++)
        for (int d = 1; d <= n / 2; d++) {
            ax_scope_begin(ctx);
            ax_array *u = test_from_f64(ctx, (double[]){1, -1}, AX_FLOAT64, &two, 1);
            ax_array *v = test_from_f64(ctx, (double[]){1, 0}, AX_FLOAT64, &two, 1);
            /* which matching each edge (k, k + d) goes to; -1: none (the
             * second edge of a 2-cycle is the first again) */
            int which[AX_EINSUM_MAX_OPERANDS];
            bool seen[AX_EINSUM_MAX_OPERANDS] = {false};
            for (int c = 0; c < n; c++) {
                if (seen[c]) continue;
                int len = 0;
                for (int k = c; !seen[k]; k = (k + d) % n) seen[k] = true, len++;
                for (int i = 0, k = c; i < len; i++, k = (k + d) % n)
                    which[k] = len == 2 && i == 1 ? -1 : len % 2 && i == len - 1 ? 2 : i % 2;
            }
            for (int m = 0; m < 3; m++) {
                int partner[AX_EINSUM_MAX_OPERANDS], pairs = 0;
                for (int k = 0; k < n; k++) partner[k] = -1;
                for (int k = 0; k < n; k++)
                    if (which[k] == m) {
                        partner[k] = (k + d) % n;
                        partner[(k + d) % n] = k;
                        pairs++;
                    }
                if (!pairs) continue;
                ax_array *ops[AX_EINSUM_MAX_OPERANDS];
                char subs[2 * AX_EINSUM_MAX_OPERANDS + 4], *p = subs;
                for (int k = 0; k < n; k++) {
                    if (k) *p++ = ',';
                    ops[k] = partner[k] >= 0 ? u : v;
                    *p++ = chain_letter(partner[k] >= 0 && partner[k] < k ? partner[k] : k);
                }
                strcpy(p, "->");
                double want = (double)(1u << pairs);
                check_paths(ctx, subs, ops, n, &want, 1, n <= 8 ? 2 : 1);
            }
            CHECK_OK(ctx);
            ax_scope_end(ctx);
        }
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_numpy_refs(ctx);
    test_random(ctx);
    test_dtypes(ctx);
    test_batched(ctx);
    test_views(ctx);
    test_errors(ctx);
    test_optimal_limit(ctx);
    test_long_chains(ctx);
    test_all_pairs(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_einsum");
}
