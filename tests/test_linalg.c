/* Linear algebra (include/ax/linalg.h): NumPy/SciPy references
 * (tests/numpy_ref/linalg_refs.h), properties of every factorization on
 * random matrices of several sizes, batches and 0-size matrices, float32 and
 * float64 (plus converted dtypes), broadcasting of solve, errors (shapes,
 * singular, not positive definite, dtypes), NaN input, outputs of
 * multi-output ops released before evaluation, and batched results equal to
 * one-at-a-time results (the batch runs on the thread pool). */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numpy_ref/linalg_refs.h"
#include "testutil.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static double urand(void) { /* uniform [-1, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}
static double *rnd(int64_t n) {
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = urand();
    return v;
}
static int64_t prod(const int64_t *s, int nd) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= s[i];
    return n;
}
static ax_array *arr(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, const double *v) {
    return test_from_f64(ctx, v, t, shape, nd);
}
static ax_array *from_ref(ax_ctx *ctx, ax_dtype t, const lref *r) {
    return test_from_f64(ctx, r->v, t, r->shape, r->ndim);
}
/* tolerance for values of magnitude ~1 computed in dtype t */
static double tol_of(ax_dtype t) { return t == AX_FLOAT64 ? 1e-10 : 2e-4; }

/* r matches ref (shape and values within tol * max(1, |ref|)). */
static void expect_ref(ax_ctx *ctx, ax_array *r, const lref *ref, double tol, const char *what) {
    double *g = test_result_f64(ctx, r, ref->shape, ref->ndim, what);
    if (!g) return;
    for (int64_t i = 0; i < ref->size; i++) {
        double w = ref->v[i];
        bool ok = isnan(w) ? isnan(g[i]) : isinf(w) ? g[i] == w : fabs(g[i] - w) <= tol * fmax(1, fabs(w));
        CHECK_MSG(ok, "%s: element %lld is %.17g, want %.17g", what, (long long)i, g[i], w);
    }
    free(g);
}

/* c (m x n) = a (m x k) b (k x n), row-major doubles; ta/tb: use the transpose
 * of the stored a (k x m) / b (n x k). */
static void mm(const double *a, const double *b, double *c, int m, int k, int n, bool ta, bool tb) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int q = 0; q < k; q++)
                s += (ta ? a[(int64_t)q * m + i] : a[(int64_t)i * k + q]) *
                     (tb ? b[(int64_t)j * k + q] : b[(int64_t)q * n + j]);
            c[(int64_t)i * n + j] = s;
        }
}
static double maxabs_diff(const double *a, const double *b, int64_t n) {
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(a[i] - b[i]));
    return n ? d : 0;
}
static double maxabs(const double *a, int64_t n) {
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(a[i]));
    return d;
}
/* |q^T q - I| for q (rows x cols) */
static double orth_err(const double *q, int rows, int cols) {
    double e = 0;
    for (int i = 0; i < cols; i++)
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += q[(int64_t)r * cols + i] * q[(int64_t)r * cols + j];
            e = fmax(e, fabs(s - (i == j)));
        }
    return e;
}
static void check_shape(ax_array *a, int nd, const int64_t *shape, const char *what) {
    CHECK_MSG(a && ax_ndim(a) == nd, "%s: ndim %d want %d", what, a ? ax_ndim(a) : -1, nd);
    if (!a || ax_ndim(a) != nd) return;
    for (int d = 0; d < nd; d++)
        CHECK_MSG(ax_shape(a)[d] == shape[d], "%s: dim %d is %lld want %lld", what, d,
                  (long long)ax_shape(a)[d], (long long)shape[d]);
}

/* ---------------------------------------------------------------- references */

static void test_refs(ax_ctx *ctx) {
    ax_dtype dts[2] = {AX_FLOAT64, AX_FLOAT32};
    for (int di = 0; di < 2; di++) {
        ax_dtype t = dts[di];
        double tol = t == AX_FLOAT64 ? 1e-11 : 5e-4;
        ax_array *A4 = from_ref(ctx, t, &lref_A4), *Ab = from_ref(ctx, t, &lref_Ab);
        ax_array *A53 = from_ref(ctx, t, &lref_A53), *A35 = from_ref(ctx, t, &lref_A35);
        ax_array *SPD = from_ref(ctx, t, &lref_SPD4), *SING = from_ref(ctx, t, &lref_SING);
        ax_array *R53 = from_ref(ctx, t, &lref_R53);
        expect_ref(ctx, ax_linalg_det(ctx, A4), &lref_det_A4, tol, "det A4");
        expect_ref(ctx, ax_linalg_det(ctx, Ab), &lref_det_Ab, tol, "det Ab");
        expect_ref(ctx, ax_linalg_det(ctx, SING), &lref_det_SING, 0, "det singular");
        ax_array *sg, *lg;
        CHECK(ax_linalg_slogdet(ctx, A4, &sg, &lg) == AX_OK);
        expect_ref(ctx, sg, &lref_slogdet_A4_sign, 0, "slogdet sign");
        expect_ref(ctx, lg, &lref_slogdet_A4_log, tol, "slogdet log");
        CHECK(ax_linalg_slogdet(ctx, Ab, &sg, &lg) == AX_OK);
        expect_ref(ctx, sg, &lref_slogdet_Ab_sign, 0, "slogdet sign batch");
        expect_ref(ctx, lg, &lref_slogdet_Ab_log, tol, "slogdet log batch");
        CHECK(ax_linalg_slogdet(ctx, SING, &sg, &lg) == AX_OK);
        expect_ref(ctx, sg, &lref_slogdet_SING_sign, 0, "slogdet sign singular");
        expect_ref(ctx, lg, &lref_slogdet_SING_log, 0, "slogdet log singular");
        expect_ref(ctx, ax_linalg_inv(ctx, A4), &lref_inv_A4, tol * 10, "inv A4");
        expect_ref(ctx, ax_linalg_inv(ctx, Ab), &lref_inv_Ab, tol * 10, "inv Ab");
        expect_ref(ctx, ax_linalg_solve(ctx, A4, from_ref(ctx, t, &lref_b4)), &lref_solve_A4_b4,
                   tol * 10, "solve vector");
        expect_ref(ctx, ax_linalg_solve(ctx, A4, from_ref(ctx, t, &lref_B42)), &lref_solve_A4_B42,
                   tol * 10, "solve matrix");
        expect_ref(ctx, ax_linalg_solve(ctx, Ab, from_ref(ctx, t, &lref_Bb)), &lref_solve_Ab_Bb,
                   tol * 10, "solve broadcast");
        expect_ref(ctx, ax_linalg_cholesky(ctx, SPD, false), &lref_cholesky_SPD4, tol, "cholesky");
        expect_ref(ctx, ax_linalg_cholesky(ctx, SPD, true), &lref_cholesky_SPD4_upper, tol,
                   "cholesky upper");
        expect_ref(ctx, ax_linalg_cholesky_inv(ctx, ax_linalg_cholesky(ctx, SPD, false), false),
                   &lref_cholesky_inv_SPD4, tol, "cholesky_inv");
        expect_ref(ctx, ax_linalg_cholesky_inv(ctx, ax_linalg_cholesky(ctx, SPD, true), true),
                   &lref_cholesky_inv_SPD4, tol, "cholesky_inv upper");
        ax_array *q, *r;
        CHECK(ax_linalg_qr(ctx, A53, false, &q, &r) == AX_OK);
        expect_ref(ctx, q, &lref_qr_A53_q, tol, "qr q");
        expect_ref(ctx, r, &lref_qr_A53_r, tol, "qr r");
        CHECK(ax_linalg_qr(ctx, A53, true, &q, &r) == AX_OK);
        expect_ref(ctx, q, &lref_qr_A53_qc, tol, "qr complete q");
        expect_ref(ctx, r, &lref_qr_A53_rc, tol, "qr complete r");
        CHECK(ax_linalg_qr(ctx, A35, false, &q, &r) == AX_OK);
        expect_ref(ctx, q, &lref_qr_A35_q, tol, "qr wide q");
        expect_ref(ctx, r, &lref_qr_A35_r, tol, "qr wide r");
        expect_ref(ctx, ax_linalg_svdvals(ctx, A53), &lref_svdvals_A53, tol, "svdvals tall");
        expect_ref(ctx, ax_linalg_svdvals(ctx, A35), &lref_svdvals_A35, tol, "svdvals wide");
        expect_ref(ctx, ax_linalg_svdvals(ctx, R53), &lref_svdvals_R53, tol * 10, "svdvals rank 2");
        expect_ref(ctx, ax_linalg_eigvalsh(ctx, SPD, false), &lref_eigvalsh_SPD4, tol * 10, "eigvalsh");
        expect_ref(ctx, ax_linalg_eigvalsh(ctx, A4, true), &lref_eigvalsh_A4_U, tol, "eigvalsh U");
        expect_ref(ctx, ax_linalg_eigvalsh(ctx, A4, false), &lref_eigvalsh_A4_L, tol, "eigvalsh L");
        expect_ref(ctx, ax_linalg_pinv(ctx, A53, -1), &lref_pinv_A53, tol * 10, "pinv");
        expect_ref(ctx, ax_linalg_pinv(ctx, R53, -1), &lref_pinv_R53, tol * 100, "pinv rank 2");
        expect_ref(ctx, ax_linalg_pinv(ctx, A35, -1), &lref_pinv_A35, tol * 10, "pinv wide");
        /* eigvals: sort by (real, imag) as the reference */
        ax_array *w = ax_linalg_eigvals(ctx, A4);
        const float *wd = w ? ax_data(ctx, w) : NULL;
        CHECK_OK(ctx);
        if (wd) {
            double re[4], im[4];
            int ord[4] = {0, 1, 2, 3};
            for (int i = 0; i < 4; i++) re[i] = wd[2 * i], im[i] = wd[2 * i + 1];
            for (int i = 1; i < 4; i++)
                for (int j = i; j > 0 && (re[ord[j]] < re[ord[j - 1]] - 1e-6 ||
                                          (fabs(re[ord[j]] - re[ord[j - 1]]) <= 1e-6 &&
                                           im[ord[j]] < im[ord[j - 1]]));
                     j--) {
                    int s = ord[j];
                    ord[j] = ord[j - 1], ord[j - 1] = s;
                }
            for (int i = 0; i < 4; i++) {
                CHECK_NEAR(re[ord[i]], lref_eigvals_A4_re_v[i], 1e-5 * fmax(1, fabs(lref_eigvals_A4_re_v[i])));
                CHECK_NEAR(im[ord[i]], lref_eigvals_A4_im_v[i], 1e-5 * fmax(1, fabs(lref_eigvals_A4_im_v[i])));
            }
        }
#if LREF_HAVE_SCIPY
        struct {
            ax_array *a;
            const lref *p, *l, *u;
        } lus[] = {{A4, &lref_lu_A4_p, &lref_lu_A4_l, &lref_lu_A4_u},
                   {A53, &lref_lu_A53_p, &lref_lu_A53_l, &lref_lu_A53_u},
                   {A35, &lref_lu_A35_p, &lref_lu_A35_l, &lref_lu_A35_u},
                   {SING, &lref_lu_SING_p, &lref_lu_SING_l, &lref_lu_SING_u}};
        for (int i = 0; i < 4; i++) {
            ax_array *P, *L, *U;
            CHECK(ax_linalg_lu(ctx, lus[i].a, &P, &L, &U) == AX_OK);
            expect_ref(ctx, P, lus[i].p, 0, "lu P");
            expect_ref(ctx, L, lus[i].l, tol, "lu L");
            expect_ref(ctx, U, lus[i].u, tol, "lu U");
        }
        ax_array *LU, *piv;
        CHECK(ax_linalg_lu_factor(ctx, A4, &LU, &piv) == AX_OK);
        expect_ref(ctx, LU, &lref_lu_factor_A4_lu, tol, "lu_factor lu");
        expect_ref(ctx, piv, &lref_lu_factor_A4_piv, 0, "lu_factor piv");
        CHECK(piv && ax_dtype_of(piv) == AX_INT32);
        const lref *trs[8] = {&lref_trsv_000, &lref_trsv_001, &lref_trsv_010, &lref_trsv_011,
                              &lref_trsv_100, &lref_trsv_101, &lref_trsv_110, &lref_trsv_111};
        ax_array *A4d = ax_add(ctx, A4, ax_multiply(ctx, ax_eye(ctx, 4, 4, 0, t), ax_scalar(ctx, 4, t)));
        for (int c = 0; c < 8; c++) {
            bool lower = c & 4, unit = c & 2, tr = c & 1;
            expect_ref(ctx, ax_linalg_solve_triangular(ctx, A4d, from_ref(ctx, t, &lref_B42), !lower, unit, tr),
                       trs[c], tol * 10, "solve_triangular");
        }
#endif
        /* norms */
        ax_array *x7 = from_ref(ctx, t, &lref_x7), *T = from_ref(ctx, t, &lref_T234);
        struct {
            ax_norm_kind k;
            double p;
            const lref *ref;
        } vn[] = {{AX_NORM_DEFAULT, 0, &lref_norm_x7_none}, {AX_NORM_P, 2, &lref_norm_x7_2},
                  {AX_NORM_P, 1, &lref_norm_x7_1},          {AX_NORM_P, INFINITY, &lref_norm_x7_inf},
                  {AX_NORM_P, -INFINITY, &lref_norm_x7_ninf}, {AX_NORM_P, 0, &lref_norm_x7_0},
                  {AX_NORM_P, 3, &lref_norm_x7_3},          {AX_NORM_P, 0.5, &lref_norm_x7_half},
                  {AX_NORM_P, -1, &lref_norm_x7_m1}};
        for (size_t i = 0; i < sizeof vn / sizeof vn[0]; i++)
            expect_ref(ctx, ax_linalg_norm(ctx, x7, vn[i].k, vn[i].p, NULL, 0, false), vn[i].ref, tol,
                       "vector norm");
        struct {
            ax_norm_kind k;
            double p;
            const lref *ref;
        } mn[] = {{AX_NORM_DEFAULT, 0, &lref_norm_A4_none}, {AX_NORM_FRO, 0, &lref_norm_A4_fro},
                  {AX_NORM_NUC, 0, &lref_norm_A4_nuc},      {AX_NORM_P, 1, &lref_norm_A4_1},
                  {AX_NORM_P, -1, &lref_norm_A4_m1},        {AX_NORM_P, 2, &lref_norm_A4_2},
                  {AX_NORM_P, -2, &lref_norm_A4_m2},        {AX_NORM_P, INFINITY, &lref_norm_A4_inf},
                  {AX_NORM_P, -INFINITY, &lref_norm_A4_ninf}};
        for (size_t i = 0; i < sizeof mn / sizeof mn[0]; i++)
            expect_ref(ctx, ax_linalg_norm(ctx, A4, mn[i].k, mn[i].p, NULL, 0, false), mn[i].ref, tol,
                       "matrix norm");
        int a02[2] = {0, 2}, a20[2] = {2, 0}, a12[2] = {1, 2}, a1 = 1, am1 = -1, a01[2] = {0, 1};
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_DEFAULT, 0, NULL, 0, false), &lref_norm_T234_none, tol, "norm 3-D");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_FRO, 0, a02, 2, false), &lref_norm_T234_ax02_fro, tol, "norm fro axes");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_P, 1, a20, 2, true), &lref_norm_T234_ax20_1_keep, tol, "norm 1 keepdims");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_NUC, 0, a12, 2, false), &lref_norm_T234_ax12_nuc, tol, "norm nuc batch");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_P, 3, &a1, 1, false), &lref_norm_T234_ax1_3, tol, "norm p=3 axis");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_P, INFINITY, &am1, 1, true), &lref_norm_T234_axm1_inf_keep, tol, "norm inf keep");
        expect_ref(ctx, ax_linalg_norm(ctx, T, AX_NORM_P, -2, a01, 2, false), &lref_norm_T234_ax01_m2, tol, "norm -2 axes");
        /* cross */
        expect_ref(ctx, ax_linalg_cross(ctx, from_ref(ctx, t, &lref_c43a), from_ref(ctx, t, &lref_c43b), -1),
                   &lref_cross_43, tol, "cross 3x3");
        expect_ref(ctx, ax_linalg_cross(ctx, from_ref(ctx, t, &lref_c2a), from_ref(ctx, t, &lref_c3b), -1),
                   &lref_cross_2_3, tol, "cross 2x3");
        expect_ref(ctx, ax_linalg_cross(ctx, from_ref(ctx, t, &lref_c3b), from_ref(ctx, t, &lref_c2a), -1),
                   &lref_cross_3_2, tol, "cross 3x2");
        expect_ref(ctx, ax_linalg_cross(ctx, from_ref(ctx, t, &lref_c34a), from_ref(ctx, t, &lref_c34b), 0),
                   &lref_cross_34_ax0, tol, "cross axis 0");
        expect_ref(ctx, ax_linalg_cross(ctx, from_ref(ctx, t, &lref_c2a), from_ref(ctx, t, &lref_c2b), -1),
                   &lref_cross_22, tol, "cross 2x2");
        CHECK_OK(ctx);
    }
}

/* ---------------------------------------------------------------- properties */

/* Random (batch..., m, n) matrices in dtype t; returns the rounded values. */
static ax_array *rand_mat(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, double **vals) {
    int64_t n = prod(shape, nd);
    double *v = rnd(n);
    ax_array *a = arr(ctx, t, shape, nd, v);
    free(v);
    *vals = test_to_f64(ctx, a);
    return a;
}

static void prop_qr_svd_lu(ax_ctx *ctx, ax_dtype t, int64_t nb, int m, int n) {
    int64_t shape[3] = {nb, m, n};
    double *av;
    ax_array *a = rand_mat(ctx, t, shape, 3, &av);
    int k = m < n ? m : n;
    double tol = tol_of(t) * (m + n + 1);
    char what[96];
    for (int complete = 0; complete < 2; complete++) {
        snprintf(what, sizeof what, "qr %s %lldx%dx%d %s", complete ? "complete" : "reduced",
                 (long long)nb, m, n, ax_dtype_name(t));
        ax_array *q, *r;
        CHECK(ax_linalg_qr(ctx, a, complete, &q, &r) == AX_OK);
        int qc = complete ? m : k;
        check_shape(q, 3, (int64_t[]){nb, m, qc}, what);
        check_shape(r, 3, (int64_t[]){nb, qc, n}, what);
        double *qv = q ? test_to_f64(ctx, q) : NULL, *rv = r ? test_to_f64(ctx, r) : NULL;
        CHECK_OK(ctx);
        if (!qv || !rv) continue;
        double *qr = malloc(sizeof(double) * (size_t)(m * n + 1));
        for (int64_t b = 0; b < nb; b++) {
            const double *qb = qv + b * m * qc, *rb = rv + b * qc * n;
            CHECK_MSG(orth_err(qb, m, qc) <= tol, "%s: Q^T Q != I (%g)", what, orth_err(qb, m, qc));
            mm(qb, rb, qr, m, qc, n, false, false);
            double e = maxabs_diff(qr, av + b * m * n, (int64_t)m * n);
            CHECK_MSG(e <= tol, "%s: QR != A (%g)", what, e);
            for (int i = 0; i < qc; i++)
                for (int j = 0; j < i && j < n; j++) CHECK(rb[(int64_t)i * n + j] == 0);
        }
        free(qr), free(qv), free(rv);
    }
    for (int full = 0; full < 2; full++) {
        snprintf(what, sizeof what, "svd %s %lldx%dx%d %s", full ? "full" : "reduced", (long long)nb, m,
                 n, ax_dtype_name(t));
        ax_array *u, *s, *vh;
        CHECK(ax_linalg_svd(ctx, a, full, true, &u, &s, &vh) == AX_OK);
        int ur = full ? m : k, vr = full ? n : k;
        check_shape(u, 3, (int64_t[]){nb, m, ur}, what);
        check_shape(s, 2, (int64_t[]){nb, k}, what);
        check_shape(vh, 3, (int64_t[]){nb, vr, n}, what);
        double *uv = u ? test_to_f64(ctx, u) : NULL, *sv = s ? test_to_f64(ctx, s) : NULL,
               *vv = vh ? test_to_f64(ctx, vh) : NULL;
        CHECK_OK(ctx);
        if (!uv || !sv || !vv) continue;
        double *us = malloc(sizeof(double) * (size_t)(m * k + 1)), *rec = malloc(sizeof(double) * (size_t)(m * n + 1));
        double *vt = malloc(sizeof(double) * (size_t)(n * vr + 1));
        for (int64_t b = 0; b < nb; b++) {
            const double *ub = uv + b * m * ur, *sb = sv + b * k, *vb = vv + b * vr * n;
            CHECK_MSG(orth_err(ub, m, ur) <= tol, "%s: U^T U != I", what);
            for (int i = 0; i < n; i++) /* V = Vh^T: rows of Vh orthonormal */
                for (int j = 0; j < vr; j++) vt[(int64_t)i * vr + j] = vb[(int64_t)j * n + i];
            CHECK_MSG(orth_err(vt, n, vr) <= tol, "%s: Vh Vh^T != I", what);
            for (int i = 0; i < k; i++) {
                CHECK(sb[i] >= 0);
                if (i) CHECK(sb[i] <= sb[i - 1]);
            }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < k; j++) us[(int64_t)i * k + j] = ub[(int64_t)i * ur + j] * sb[j];
            mm(us, vb, rec, m, k, n, false, false);
            double e = maxabs_diff(rec, av + b * m * n, (int64_t)m * n);
            CHECK_MSG(e <= tol, "%s: U S Vh != A (%g)", what, e);
        }
        /* singular values alone agree with the ones from the full SVD */
        ax_array *s2 = ax_linalg_svdvals(ctx, a);
        double *s2v = s2 ? test_to_f64(ctx, s2) : NULL;
        if (s2v) CHECK_MSG(maxabs_diff(s2v, sv, nb * k) <= tol, "%s: svdvals", what);
        free(s2v), free(us), free(rec), free(vt), free(uv), free(sv), free(vv);
    }
    {
        snprintf(what, sizeof what, "lu %lldx%dx%d %s", (long long)nb, m, n, ax_dtype_name(t));
        ax_array *P, *L, *U, *LU, *piv;
        CHECK(ax_linalg_lu(ctx, a, &P, &L, &U) == AX_OK);
        CHECK(ax_linalg_lu_factor(ctx, a, &LU, &piv) == AX_OK);
        double *pv = P ? test_to_f64(ctx, P) : NULL, *lv = L ? test_to_f64(ctx, L) : NULL,
               *uv = U ? test_to_f64(ctx, U) : NULL, *luv = LU ? test_to_f64(ctx, LU) : NULL,
               *piv_v = piv ? test_to_f64(ctx, piv) : NULL;
        CHECK_OK(ctx);
        if (pv && lv && uv && luv && piv_v) {
            double *lu_ = malloc(sizeof(double) * (size_t)(m * n + 1)), *plu = malloc(sizeof(double) * (size_t)(m * n + 1));
            for (int64_t b = 0; b < nb; b++) {
                const double *pb = pv + b * m * m, *lb = lv + b * m * k, *ub = uv + b * k * n;
                mm(lb, ub, lu_, m, k, n, false, false);
                mm(pb, lu_, plu, m, m, n, false, false);
                double e = maxabs_diff(plu, av + b * m * n, (int64_t)m * n);
                CHECK_MSG(e <= tol, "%s: P L U != A (%g)", what, e);
                for (int i = 0; i < m; i++) {
                    double rs = 0;
                    for (int j = 0; j < m; j++) rs += pb[(int64_t)i * m + j];
                    CHECK(rs == 1); /* a permutation: one 1 per row */
                }
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < k; j++) {
                        double l = lb[(int64_t)i * k + j];
                        if (i == j) CHECK(l == 1);
                        else if (j > i) CHECK(l == 0);
                        else CHECK(fabs(l) <= 1 + 1e-12); /* partial pivoting */
                    }
                /* lu_factor packs the same L and U; pivots rebuild P */
                const double *fb = luv + b * m * n, *vb = piv_v + b * k;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < n; j++)
                        if (j >= i) CHECK(fb[(int64_t)i * n + j] == ub[(int64_t)i * n + j]);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < i && j < k; j++) CHECK(fb[(int64_t)i * n + j] == lb[(int64_t)i * k + j]);
                int perm[64];
                for (int i = 0; i < m; i++) perm[i] = i;
                for (int i = 0; i < k; i++) {
                    int p = (int)vb[i], s = perm[i];
                    CHECK(p >= i && p < m);
                    perm[i] = perm[p], perm[p] = s;
                }
                for (int i = 0; i < m; i++) CHECK(pb[(int64_t)perm[i] * m + i] == 1);
            }
            free(lu_), free(plu);
        }
        free(pv), free(lv), free(uv), free(luv), free(piv_v);
    }
    free(av);
}

/* Symmetric positive definite batch: A = M M^T + n I. */
static ax_array *spd(ax_ctx *ctx, ax_dtype t, int64_t nb, int n, double **vals) {
    double *m = rnd(nb * n * n), *a = malloc(sizeof(double) * (size_t)(nb * n * n + 1));
    for (int64_t b = 0; b < nb; b++) {
        mm(m + b * n * n, m + b * n * n, a + b * n * n, n, n, n, false, true);
        for (int i = 0; i < n; i++) a[b * n * n + (int64_t)i * n + i] += n;
    }
    int64_t shape[3] = {nb, n, n};
    ax_array *r = arr(ctx, t, shape, 3, a);
    free(m), free(a);
    *vals = test_to_f64(ctx, r);
    return r;
}

static void prop_square(ax_ctx *ctx, ax_dtype t, int64_t nb, int n) {
    double tol = tol_of(t) * (n + 1) * 4;
    char what[96];
    snprintf(what, sizeof what, "%lldx%dx%d %s", (long long)nb, n, n, ax_dtype_name(t));
    int64_t nn = (int64_t)n * n;
    double *sv;
    ax_array *s = spd(ctx, t, nb, n, &sv);
    double *tmp = malloc(sizeof(double) * (size_t)(nn + 3 * n + 1)), *tmp2 = malloc(sizeof(double) * (size_t)(nn + 1));
    for (int up = 0; up < 2; up++) { /* cholesky: L L^T = A, U^T U = A */
        ax_array *f = ax_linalg_cholesky(ctx, s, up);
        double *fv = f ? test_to_f64(ctx, f) : NULL;
        CHECK_OK(ctx);
        if (!fv) continue;
        for (int64_t b = 0; b < nb; b++) {
            const double *fb = fv + b * nn;
            if (up) mm(fb, fb, tmp, n, n, n, true, false);
            else mm(fb, fb, tmp, n, n, n, false, true);
            double e = maxabs_diff(tmp, sv + b * nn, nn) / fmax(1, maxabs(sv + b * nn, nn));
            CHECK_MSG(e <= tol, "cholesky %s upper=%d: %g", what, up, e);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (up ? j < i : j > i) CHECK(fb[(int64_t)i * n + j] == 0);
        }
        /* cholesky_inv(factor) A = I */
        ax_array *ci = ax_linalg_cholesky_inv(ctx, f, up);
        double *cv = ci ? test_to_f64(ctx, ci) : NULL;
        CHECK_OK(ctx);
        for (int64_t b = 0; cv && b < nb; b++) {
            mm(cv + b * nn, sv + b * nn, tmp, n, n, n, false, false);
            for (int i = 0; i < n; i++) tmp[(int64_t)i * n + i] -= 1;
            CHECK_MSG(maxabs(tmp, nn) <= tol, "cholesky_inv %s: %g", what, maxabs(tmp, nn));
        }
        free(fv), free(cv);
    }
    { /* eigh: A V = V diag(w), V^T V = I, ascending; eigvalsh equal */
        ax_array *w, *v;
        CHECK(ax_linalg_eigh(ctx, s, false, &w, &v) == AX_OK);
        ax_array *w2 = ax_linalg_eigvalsh(ctx, s, true);
        double *wv = w ? test_to_f64(ctx, w) : NULL, *vv = v ? test_to_f64(ctx, v) : NULL,
               *w2v = w2 ? test_to_f64(ctx, w2) : NULL;
        CHECK_OK(ctx);
        for (int64_t b = 0; wv && vv && w2v && b < nb; b++) {
            const double *vb = vv + b * nn, *wb = wv + b * n;
            double scale = fmax(1, maxabs(sv + b * nn, nn));
            CHECK_MSG(orth_err(vb, n, n) <= tol, "eigh %s: V^T V", what);
            mm(sv + b * nn, vb, tmp, n, n, n, false, false);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) tmp[(int64_t)i * n + j] -= vb[(int64_t)i * n + j] * wb[j];
            CHECK_MSG(maxabs(tmp, nn) <= tol * scale, "eigh %s: A V != V w (%g)", what, maxabs(tmp, nn));
            for (int i = 1; i < n; i++) CHECK(wb[i] >= wb[i - 1]);
            CHECK(maxabs_diff(wb, w2v + b * n, n) <= tol * scale);
        }
        free(wv), free(vv), free(w2v);
    }
    /* general matrices: inv, solve, det vs slogdet, eig */
    int64_t shape[3] = {nb, n, n};
    double *av;
    ax_array *a = rand_mat(ctx, t, shape, 3, &av);
    /* make them well conditioned: add n to the diagonal */
    for (int64_t b = 0; b < nb; b++)
        for (int i = 0; i < n; i++) av[b * nn + (int64_t)i * n + i] += n;
    a = arr(ctx, t, shape, 3, av);
    free(av);
    av = test_to_f64(ctx, a);
    ax_array *ia = ax_linalg_inv(ctx, a);
    double *iv = ia ? test_to_f64(ctx, ia) : NULL;
    CHECK_OK(ctx);
    for (int64_t b = 0; iv && b < nb; b++) {
        mm(av + b * nn, iv + b * nn, tmp, n, n, n, false, false);
        for (int i = 0; i < n; i++) tmp[(int64_t)i * n + i] -= 1;
        CHECK_MSG(maxabs(tmp, nn) <= tol, "inv %s: A inv(A) != I (%g)", what, maxabs(tmp, nn));
    }
    free(iv);
    int64_t bs[3] = {nb, n, 3};
    double *bv;
    ax_array *bm = rand_mat(ctx, t, bs, 3, &bv);
    ax_array *x = ax_linalg_solve(ctx, a, bm);
    double *xv = x ? test_to_f64(ctx, x) : NULL;
    CHECK_OK(ctx);
    for (int64_t b = 0; xv && b < nb; b++) {
        mm(av + b * nn, xv + b * n * 3, tmp, n, n, 3, false, false);
        CHECK_MSG(maxabs_diff(tmp, bv + b * n * 3, (int64_t)n * 3) <= tol, "solve %s", what);
    }
    free(xv), free(bv);
    ax_array *d = ax_linalg_det(ctx, a), *sg, *lg;
    CHECK(ax_linalg_slogdet(ctx, a, &sg, &lg) == AX_OK);
    double *dv = d ? test_to_f64(ctx, d) : NULL, *sgv = sg ? test_to_f64(ctx, sg) : NULL,
           *lgv = lg ? test_to_f64(ctx, lg) : NULL;
    CHECK_OK(ctx);
    for (int64_t b = 0; dv && sgv && lgv && b < nb; b++)
        CHECK_MSG(fabs(dv[b] - sgv[b] * exp(lgv[b])) <= tol * fabs(dv[b]) + 1e-300, "det %s: %g vs %g", what,
                  dv[b], sgv[b] * exp(lgv[b]));
    free(dv), free(sgv), free(lgv);
    { /* eig: A V = V diag(w) in complex arithmetic, unit columns */
        ax_array *w, *v;
        CHECK(ax_linalg_eig(ctx, a, &w, &v) == AX_OK);
        const float *wd = w ? ax_data(ctx, w) : NULL, *vd = v ? ax_data(ctx, v) : NULL;
        CHECK_OK(ctx);
        CHECK(w && ax_dtype_of(w) == AX_COMPLEX64 && v && ax_dtype_of(v) == AX_COMPLEX64);
        double etol = 2e-4 * (n + 1) * 4;
        for (int64_t b = 0; wd && vd && b < nb; b++) {
            const double *ab = av + b * nn;
            double scale = fmax(1, maxabs(ab, nn)), err = 0;
            for (int c = 0; c < n; c++) {
                double wr = wd[2 * (b * n + c)], wi = wd[2 * (b * n + c) + 1], nr = 0;
                for (int i = 0; i < n; i++) {
                    double sr = 0, si = 0;
                    for (int q = 0; q < n; q++) {
                        const float *e = vd + 2 * (b * nn + (int64_t)q * n + c);
                        sr += ab[(int64_t)i * n + q] * e[0];
                        si += ab[(int64_t)i * n + q] * e[1];
                    }
                    const float *e = vd + 2 * (b * nn + (int64_t)i * n + c);
                    nr += (double)e[0] * e[0] + (double)e[1] * e[1];
                    err = fmax(err, fabs(sr - (wr * e[0] - wi * e[1])));
                    err = fmax(err, fabs(si - (wr * e[1] + wi * e[0])));
                }
                CHECK_NEAR(nr, 1, 1e-4);
            }
            CHECK_MSG(err <= etol * scale, "eig %s: A V != V w (%g)", what, err);
        }
    }
    free(tmp), free(tmp2), free(sv), free(av);
}

static void test_properties(ax_ctx *ctx) {
    ax_dtype dts[2] = {AX_FLOAT32, AX_FLOAT64};
    static const int shapes[][2] = {{1, 1}, {4, 4}, {7, 3}, {3, 7}, {17, 17}, {40, 33}};
    for (int di = 0; di < 2; di++) {
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            prop_qr_svd_lu(ctx, dts[di], i % 2 ? 3 : 1, shapes[i][0], shapes[i][1]);
        static const int sq[] = {1, 2, 5, 16, 48};
        for (size_t i = 0; i < sizeof sq / sizeof sq[0]; i++) prop_square(ctx, dts[di], i % 2 ? 1 : 6, sq[i]);
    }
    /* a big batch of small matrices runs on the pool: same answers as one by one */
    int64_t shape[3] = {64, 5, 5};
    double *av;
    ax_array *a = rand_mat(ctx, AX_FLOAT64, shape, 3, &av);
    ax_array *ib = ax_linalg_inv(ctx, a), *db = ax_linalg_det(ctx, a);
    double *ibv = test_to_f64(ctx, ib), *dbv = test_to_f64(ctx, db);
    CHECK_OK(ctx);
    for (int b = 0; ibv && dbv && b < 64; b += 7) {
        ax_array *one = arr(ctx, AX_FLOAT64, shape + 1, 2, av + b * 25);
        double *iv = test_to_f64(ctx, ax_linalg_inv(ctx, one)), *dv = test_to_f64(ctx, ax_linalg_det(ctx, one));
        CHECK_OK(ctx);
        if (iv) CHECK(memcmp(iv, ibv + b * 25, 25 * sizeof(double)) == 0);
        if (dv) CHECK(dv[0] == dbv[b]);
        free(iv), free(dv);
    }
    free(ibv), free(dbv), free(av);
}

/* ---------------------------------------------------------------- edge cases */

static void test_empty(ax_ctx *ctx) {
    int64_t s00[3] = {2, 0, 0}, s30[2] = {3, 0}, s03[2] = {0, 3};
    ax_array *e = ax_zeros(ctx, s00, 3, AX_FLOAT64);
    ax_array *d = ax_linalg_det(ctx, e);
    double *dv = test_to_f64(ctx, d);
    CHECK_OK(ctx);
    check_shape(d, 1, (int64_t[]){2}, "det 0x0");
    if (dv) CHECK(dv[0] == 1 && dv[1] == 1);
    free(dv);
    ax_array *sg, *lg;
    CHECK(ax_linalg_slogdet(ctx, e, &sg, &lg) == AX_OK);
    double *sgv = test_to_f64(ctx, sg), *lgv = test_to_f64(ctx, lg);
    if (sgv && lgv) CHECK(sgv[0] == 1 && lgv[0] == 0);
    free(sgv), free(lgv);
    ax_array *i = ax_linalg_inv(ctx, e), *c = ax_linalg_cholesky(ctx, e, false);
    CHECK(ax_eval1(ctx, i) == AX_OK && ax_eval1(ctx, c) == AX_OK);
    check_shape(i, 3, s00, "inv 0x0");
    ax_array *w, *v;
    CHECK(ax_linalg_eigh(ctx, e, false, &w, &v) == AX_OK);
    check_shape(w, 2, (int64_t[]){2, 0}, "eigh 0x0");
    CHECK(ax_eval1(ctx, v) == AX_OK);
    for (int which = 0; which < 2; which++) { /* (3, 0) and (0, 3) */
        const int64_t *sh = which ? s03 : s30;
        int64_t m = sh[0], n = sh[1];
        ax_array *z = ax_zeros(ctx, sh, 2, AX_FLOAT32);
        ax_array *u, *s, *vh, *q, *r, *P, *L, *U;
        CHECK(ax_linalg_svd(ctx, z, true, true, &u, &s, &vh) == AX_OK);
        check_shape(u, 2, (int64_t[]){m, m}, "svd full empty U");
        check_shape(s, 1, (int64_t[]){0}, "svd empty S");
        check_shape(vh, 2, (int64_t[]){n, n}, "svd full empty Vh");
        double *uv = test_to_f64(ctx, u), *vv = test_to_f64(ctx, vh);
        CHECK_OK(ctx);
        if (uv) CHECK(orth_err(uv, (int)m, (int)m) == 0);
        if (vv) CHECK(orth_err(vv, (int)n, (int)n) == 0);
        free(uv), free(vv);
        CHECK(ax_linalg_qr(ctx, z, true, &q, &r) == AX_OK);
        double *qv = test_to_f64(ctx, q);
        check_shape(r, 2, (int64_t[]){m, n}, "qr complete empty R");
        if (qv) CHECK(orth_err(qv, (int)m, (int)m) == 0);
        free(qv);
        CHECK(ax_linalg_lu(ctx, z, &P, &L, &U) == AX_OK);
        double *pv = test_to_f64(ctx, P);
        if (pv) CHECK(orth_err(pv, (int)m, (int)m) == 0);
        free(pv);
        check_shape(L, 2, (int64_t[]){m, 0}, "lu empty L");
        ax_array *pi = ax_linalg_pinv(ctx, z, -1);
        check_shape(pi, 2, (int64_t[]){n, m}, "pinv empty");
        CHECK_OK(ctx);
    }
    /* solve with k = 0 right-hand sides and an empty batch */
    int64_t a3[2] = {3, 3}, b30[2] = {3, 0}, a033[3] = {0, 3, 3};
    ax_array *x = ax_linalg_solve(ctx, ax_eye(ctx, 3, 3, 0, AX_FLOAT32), ax_zeros(ctx, b30, 2, AX_FLOAT32));
    CHECK(ax_eval1(ctx, x) == AX_OK);
    check_shape(x, 2, b30, "solve k=0");
    x = ax_linalg_inv(ctx, ax_zeros(ctx, a033, 3, AX_FLOAT32));
    CHECK(ax_eval1(ctx, x) == AX_OK);
    check_shape(x, 3, a033, "inv empty batch");
    (void)a3;
    CHECK_OK(ctx);
}

static void expect_eval_err(ax_ctx *ctx, ax_array *r, ax_status code, const char *needle) {
    CHECK_MSG(r != NULL, "built: %s", ax_error_message(ctx));
    if (r) CHECK(ax_eval1(ctx, r) == code);
    CHECK_MSG(strstr(ax_error_message(ctx), needle) != NULL, "message '%s' lacks '%s'",
              ax_error_message(ctx), needle);
    CHECK_ERR(ctx, code);
}

static void test_errors(ax_ctx *ctx) {
    double sing[4] = {1, 2, 2, 4}, npd[4] = {1, 2, 2, 1}, v3[3] = {1, 2, 3};
    int64_t s22[2] = {2, 2}, s23[2] = {2, 3}, s3[1] = {3}, s222[3] = {2, 2, 2};
    ax_array *S = arr(ctx, AX_FLOAT64, s22, 2, sing);
    expect_eval_err(ctx, ax_linalg_inv(ctx, S), AX_ERR_VALUE, "inv: singular matrix");
    expect_eval_err(ctx, ax_linalg_solve(ctx, S, arr(ctx, AX_FLOAT64, (int64_t[]){2}, 1, v3)), AX_ERR_VALUE,
                    "solve: singular matrix");
    expect_eval_err(ctx, ax_linalg_cholesky(ctx, arr(ctx, AX_FLOAT32, s22, 2, npd), false), AX_ERR_VALUE,
                    "cholesky: matrix is not positive definite");
    double zd[4] = {0, 0, 3, 0};
    expect_eval_err(ctx, ax_linalg_solve_triangular(ctx, arr(ctx, AX_FLOAT64, s22, 2, zd),
                                                    arr(ctx, AX_FLOAT64, (int64_t[]){2}, 1, v3), false, false, false),
                    AX_ERR_VALUE, "solve_triangular: singular matrix (diagonal element 0");
    /* the failing batch item is named */
    double bat[8] = {2, 0, 0, 2, 1, 2, 2, 4};
    expect_eval_err(ctx, ax_linalg_inv(ctx, arr(ctx, AX_FLOAT32, s222, 3, bat)), AX_ERR_VALUE, "batch item 1");
    /* unit diagonal: zeros on the diagonal are not read */
    double z[4] = {0, 0, 3, 0}, rhs[2] = {1, 2};
    ax_array *xt = ax_linalg_solve_triangular(ctx, arr(ctx, AX_FLOAT64, s22, 2, z), arr(ctx, AX_FLOAT64, (int64_t[]){2}, 1, rhs),
                                              false, true, false);
    double *xv = test_to_f64(ctx, xt);
    CHECK_OK(ctx);
    if (xv) CHECK(xv[0] == 1 && xv[1] == -1);
    free(xv);
    /* det of a singular matrix is 0, not an error */
    double *dv = test_to_f64(ctx, ax_linalg_det(ctx, S));
    CHECK_OK(ctx);
    if (dv) CHECK(dv[0] == 0);
    free(dv);
    /* shapes and dtypes, at build time */
    ax_array *R = arr(ctx, AX_FLOAT64, s23, 2, (double[]){1, 2, 3, 4, 5, 6});
    CHECK(ax_linalg_inv(ctx, R) == NULL);
    CHECK_MSG(strstr(ax_error_message(ctx), "inv: last 2 dimensions must be square") != NULL, "%s", ax_error_message(ctx));
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_linalg_det(ctx, arr(ctx, AX_FLOAT64, s3, 1, v3)) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_array *w, *v, *q, *r;
    CHECK(ax_linalg_eigh(ctx, R, false, &w, &v) == AX_ERR_SHAPE && w == NULL && v == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_linalg_solve(ctx, ax_eye(ctx, 3, 3, 0, AX_FLOAT32), ax_ones(ctx, s23, 2, AX_FLOAT32)) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    int64_t b1[3] = {2, 3, 3}, b2[3] = {3, 3, 1};
    CHECK(ax_linalg_solve(ctx, ax_ones(ctx, b1, 3, AX_FLOAT32), ax_ones(ctx, b2, 3, AX_FLOAT32)) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE); /* batch (2,) vs (3,) */
    CHECK(ax_linalg_inv(ctx, ax_ones(ctx, s22, 2, AX_COMPLEX64)) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_linalg_qr(ctx, NULL, false, &q, &r) != AX_OK && q == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_linalg_norm(ctx, arr(ctx, AX_FLOAT32, s3, 1, v3), AX_NORM_FRO, 0, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_linalg_norm(ctx, R, AX_NORM_P, 3, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_linalg_cross(ctx, R, R, 0) != NULL); /* 2-vectors along axis 0: z components */
    CHECK_OK(ctx);
    CHECK(ax_linalg_cross(ctx, ax_ones(ctx, (int64_t[]){4}, 1, AX_FLOAT32), ax_ones(ctx, s3, 1, AX_FLOAT32), -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
}

/* NaN input: documented results, never a crash. */
static void test_nan(ax_ctx *ctx) {
    double a[4] = {1, NAN, 2, 3};
    int64_t s22[2] = {2, 2};
    for (int di = 0; di < 2; di++) {
        ax_dtype t = di ? AX_FLOAT32 : AX_FLOAT64;
        ax_array *A = arr(ctx, t, s22, 2, a);
        ax_array *u, *s, *vh, *w, *v;
        CHECK(ax_linalg_svd(ctx, A, false, true, &u, &s, &vh) == AX_OK);
        double *sv = test_to_f64(ctx, s), *uv = test_to_f64(ctx, u);
        CHECK_OK(ctx);
        if (sv && uv) CHECK(isnan(sv[0]) && isnan(sv[1]) && isnan(uv[0]));
        free(sv), free(uv);
        CHECK(ax_linalg_eigh(ctx, A, true, &w, &v) == AX_OK); /* upper triangle has the NaN */
        double *wv = test_to_f64(ctx, w);
        CHECK_OK(ctx);
        if (wv) CHECK(isnan(wv[0]) && isnan(wv[1]));
        free(wv);
        wv = test_to_f64(ctx, ax_linalg_eigvalsh(ctx, A, false)); /* lower triangle is finite */
        CHECK_OK(ctx);
        if (wv) CHECK(!isnan(wv[0]) && !isnan(wv[1]));
        free(wv);
        const float *ev = ax_data(ctx, ax_linalg_eigvals(ctx, A));
        CHECK_OK(ctx);
        if (ev) CHECK(isnan(ev[0]) && isnan(ev[1]));
        double *dv = test_to_f64(ctx, ax_linalg_det(ctx, A));
        CHECK_OK(ctx);
        if (dv) CHECK(isnan(dv[0]));
        free(dv);
        ax_error_clear(ctx);
    }
}

/* Outputs of a multi-output op released before eval: the others are right
 * (eval computes the freed ones into scratch arrays). */
static void test_freed_outputs(ax_ctx *ctx) {
    int64_t shape[3] = {3, 6, 4};
    double *av;
    ax_scope_begin(ctx);
    ax_array *a = rand_mat(ctx, AX_FLOAT64, shape, 3, &av);
    ax_array *u, *s, *vh;
    CHECK(ax_linalg_svd(ctx, a, false, true, &u, &s, &vh) == AX_OK);
    ax_keep(ctx, s);
    ax_array *want = ax_linalg_svdvals(ctx, a);
    ax_keep(ctx, want);
    ax_array *q, *r, *P, *L, *U, *w, *v, *sg, *lg;
    CHECK(ax_linalg_qr(ctx, a, false, &q, &r) == AX_OK);
    ax_keep(ctx, r);
    CHECK(ax_linalg_lu(ctx, a, &P, &L, &U) == AX_OK);
    ax_keep(ctx, U);
    int64_t sq[3] = {3, 4, 4};
    double *sv;
    ax_array *sp = spd(ctx, AX_FLOAT64, 3, 4, &sv);
    CHECK(ax_linalg_eigh(ctx, sp, false, &w, &v) == AX_OK);
    ax_keep(ctx, w);
    CHECK(ax_linalg_slogdet(ctx, sp, &sg, &lg) == AX_OK);
    ax_keep(ctx, lg);
    ax_array *wv = ax_linalg_eigvalsh(ctx, sp, false);
    ax_keep(ctx, wv);
    ax_scope_end(ctx); /* frees U, Vh, Q, P, L, V, sign: unevaluated siblings */
    (void)sq;
    ax_array *evs[5] = {s, r, U, w, lg};
    CHECK(ax_eval(ctx, evs, 5) == AX_OK);
    CHECK_OK(ctx);
    double *s1 = test_to_f64(ctx, s), *s2 = test_to_f64(ctx, want);
    if (s1 && s2) CHECK(maxabs_diff(s1, s2, 12) <= 1e-12);
    double *w1 = test_to_f64(ctx, w), *w2 = test_to_f64(ctx, wv);
    if (w1 && w2) CHECK(maxabs_diff(w1, w2, 12) <= 1e-12);
    /* R: |diag| products give |det(A^T A)|^(1/2)-like invariants: check R^T R = A^T A */
    double *rv = test_to_f64(ctx, r), *uv = test_to_f64(ctx, U), *lgv = test_to_f64(ctx, lg);
    double ata[16], rtr[16];
    for (int b = 0; rv && b < 3; b++) {
        mm(av + b * 24, av + b * 24, ata, 4, 6, 4, true, false);
        mm(rv + b * 16, rv + b * 16, rtr, 4, 4, 4, true, false);
        CHECK(maxabs_diff(ata, rtr, 16) <= 1e-12 * 10);
    }
    for (int b = 0; uv && b < 3; b++) /* U upper with |U[0][0]| = max |column 0| (partial pivoting) */
        CHECK(fabs(uv[b * 16]) == fmax(fmax(fabs(av[b * 24]), fabs(av[b * 24 + 4])),
                                       fmax(fmax(fabs(av[b * 24 + 8]), fabs(av[b * 24 + 12])),
                                            fmax(fabs(av[b * 24 + 16]), fabs(av[b * 24 + 20])))));
    for (int b = 0; lgv && w1 && b < 3; b++) { /* log det = sum log eigenvalues (SPD) */
        double sl = 0;
        for (int i = 0; i < 4; i++) sl += log(w1[b * 4 + i]);
        CHECK_NEAR(lgv[b], sl, 1e-10);
    }
    free(s1), free(s2), free(w1), free(w2), free(rv), free(uv), free(lgv), free(av), free(sv);
}

/* dtypes: halves and integers compute in float32; float32 stays float32. */
static void test_dtypes(ax_ctx *ctx) {
    double a[4] = {4, 1, 1, 3};
    int64_t s22[2] = {2, 2};
    ax_dtype ins[4] = {AX_FLOAT16, AX_BFLOAT16, AX_INT32, AX_BOOL};
    for (int i = 0; i < 4; i++) {
        double *v = i == 3 ? (double[]){1, 0, 0, 1} : a;
        ax_array *A = arr(ctx, ins[i], s22, 2, v);
        ax_array *d = ax_linalg_det(ctx, A), *c = ax_linalg_cholesky(ctx, A, false);
        CHECK(d && ax_dtype_of(d) == AX_FLOAT32 && c && ax_dtype_of(c) == AX_FLOAT32);
        double *dv = test_to_f64(ctx, d);
        CHECK_OK(ctx);
        if (dv) CHECK_NEAR(dv[0], i == 3 ? 1 : 11, 1e-5);
        free(dv);
        ax_array *n = ax_linalg_norm(ctx, A, AX_NORM_FRO, 0, NULL, 0, false);
        CHECK(n && ax_dtype_of(n) == AX_FLOAT32);
    }
    /* solve promotes: float32 a with float64 b gives float64 */
    ax_array *x = ax_linalg_solve(ctx, arr(ctx, AX_FLOAT32, s22, 2, a), arr(ctx, AX_FLOAT64, (int64_t[]){2}, 1, a));
    CHECK(x && ax_dtype_of(x) == AX_FLOAT64);
    /* cross keeps integers */
    ax_array *ci = ax_linalg_cross(ctx, arr(ctx, AX_INT32, (int64_t[]){3}, 1, (double[]){1, 0, 0}),
                                   arr(ctx, AX_INT32, (int64_t[]){3}, 1, (double[]){0, 1, 0}), -1);
    CHECK(ci && ax_dtype_of(ci) == AX_INT32);
    double *cv = test_to_f64(ctx, ci);
    if (cv) CHECK(cv[0] == 0 && cv[1] == 0 && cv[2] == 1);
    free(cv);
    CHECK_OK(ctx);
}

/* Strided and transposed inputs give the same answers as contiguous ones. */
static void test_layouts(ax_ctx *ctx) {
    int64_t shape[3] = {2, 5, 5};
    double *av;
    ax_array *a = rand_mat(ctx, AX_FLOAT64, shape, 3, &av);
    ax_array *at = ax_swapaxes(ctx, a, -1, -2);
    ax_array *atc = ax_contiguous(ctx, at);
    double *d1 = test_to_f64(ctx, ax_linalg_svdvals(ctx, at)), *d2 = test_to_f64(ctx, ax_linalg_svdvals(ctx, atc));
    double *i1 = test_to_f64(ctx, ax_linalg_inv(ctx, at)), *i2 = test_to_f64(ctx, ax_linalg_inv(ctx, atc));
    CHECK_OK(ctx);
    if (d1 && d2) CHECK(memcmp(d1, d2, 10 * sizeof(double)) == 0);
    if (i1 && i2) CHECK(memcmp(i1, i2, 50 * sizeof(double)) == 0);
    free(d1), free(d2), free(i1), free(i2), free(av);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_refs(ctx);
    test_properties(ctx);
    test_empty(ctx);
    test_errors(ctx);
    test_nan(ctx);
    test_freed_outputs(ctx);
    test_dtypes(ctx);
    test_layouts(ctx);
    ax_ctx_free(ctx);
    return test_summary("test_linalg");
}
