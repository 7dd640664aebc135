/* Reference kernels for the linear-algebra primitives: plain unblocked
 * algorithms in double on row-major copies, independent of LAPACK except for
 * eig (see docs/linalg.md). The conformance harness compares them with the
 * LAPACK paths in linalg.c (on quantities that do not depend on a sign or
 * phase convention where the factorization is not unique).
 *   LU: partial pivoting, first largest |pivot| (LAPACK's choice), so P, L
 *       and U match getrf's. Used by inv, solve, det, slogdet, lu, lu_factor.
 *   Cholesky: the column (Cholesky-Banachiewicz) recurrence.
 *   QR: Householder with LAPACK's dlarfg sign convention (same Q and R).
 *   SVD: one-sided Jacobi (Hestenes), basis completed by Gram-Schmidt.
 *   eigh: cyclic Jacobi rotations, eigenvalues sorted ascending.
 *   eig: LAPACK dgeev in double (no independent unsymmetric QR algorithm
 *        here; its properties are checked by tests/test_linalg.c). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/linalg_impl.h"

static double *load(const lk_job *j, int i, int64_t b, int64_t count) {
    double *d = malloc(sizeof(double) * (size_t)(count > 0 ? count : 1));
    if (d && count > 0) ax__convert(d, AX_FLOAT64, j->in[i] + b * j->in_step[i], j->dt, count);
    return d;
}
static void store(const lk_job *j, int i, int64_t b, const double *src, int64_t count) {
    if (count <= 0) return;
    ax__convert(j->out[i] + b * j->out_step[i], j->out_dt[i], src, AX_FLOAT64, count);
}
static void *outp(const lk_job *j, int i, int64_t b) { return j->out[i] + b * j->out_step[i]; }

#define A_(a, i, c, ld) (a)[(int64_t)(i) * (ld) + (c)]

/* In-place LU with partial pivoting of row-major m x n a (getrf semantics:
 * piv[j] is the 0-based row swapped with row j). Returns the first zero pivot
 * (1-based) or 0. */
static int ref_lu(double *a, int m, int n, int *piv) {
    int k = m < n ? m : n, info = 0;
    for (int j = 0; j < k; j++) {
        int p = j;
        double best = fabs(A_(a, j, j, n));
        for (int i = j + 1; i < m; i++)
            if (fabs(A_(a, i, j, n)) > best) best = fabs(A_(a, i, j, n)), p = i;
        piv[j] = p;
        if (p != j)
            for (int c = 0; c < n; c++) {
                double t = A_(a, j, c, n);
                A_(a, j, c, n) = A_(a, p, c, n);
                A_(a, p, c, n) = t;
            }
        double d = A_(a, j, j, n);
        if (d == 0) {
            if (!info) info = j + 1;
            continue;
        }
        for (int i = j + 1; i < m; i++) {
            double l = A_(a, i, j, n) /= d;
            for (int c = j + 1; c < n; c++) A_(a, i, c, n) -= l * A_(a, j, c, n);
        }
    }
    return info;
}

/* Solve (L U) x = P^T b for k right-hand sides (row-major n x k x). */
static void ref_lu_solve(const double *lu, const int *piv, int n, double *x, int k) {
    for (int j = 0; j < n; j++)
        if (piv[j] != j)
            for (int c = 0; c < k; c++) {
                double t = A_(x, j, c, k);
                A_(x, j, c, k) = A_(x, piv[j], c, k);
                A_(x, piv[j], c, k) = t;
            }
    for (int c = 0; c < k; c++) {
        for (int i = 0; i < n; i++)
            for (int q = 0; q < i; q++) A_(x, i, c, k) -= A_(lu, i, q, n) * A_(x, q, c, k);
        for (int i = n - 1; i >= 0; i--) {
            for (int q = i + 1; q < n; q++) A_(x, i, c, k) -= A_(lu, i, q, n) * A_(x, q, c, k);
            A_(x, i, c, k) /= A_(lu, i, i, n);
        }
    }
}

/* Lower Cholesky factor of the symmetric matrix whose lower triangle is
 * sym(i, c) (i >= c), into L (row-major, zero above). */
static int ref_chol(const double *a, bool upper, int n, double *L) {
    memset(L, 0, sizeof(double) * (size_t)n * n);
    for (int c = 0; c < n; c++) {
        for (int i = c; i < n; i++) {
            double s = upper ? A_(a, c, i, n) : A_(a, i, c, n);
            for (int q = 0; q < c; q++) s -= A_(L, i, q, n) * A_(L, c, q, n);
            if (i == c) {
                if (!(s > 0)) return c + 1;
                A_(L, c, c, n) = sqrt(s);
            } else {
                A_(L, i, c, n) = s / A_(L, c, c, n);
            }
        }
    }
    return 0;
}

static int r_cholesky(lk_job *j, int64_t b, void *ws) {
    int n = j->n;
    double *a = load(j, 0, b, (int64_t)n * n), *L = malloc(sizeof(double) * (size_t)(n * n + 1));
    int info = LK_OOM;
    if (a && L) {
        info = ref_chol(a, j->p->upper, n, L);
        if (j->p->upper) /* U = L^T */
            for (int i = 0; i < n; i++)
                for (int c = 0; c < n; c++) A_(a, i, c, n) = A_(L, c, i, n);
        store(j, 0, b, j->p->upper ? a : L, (int64_t)n * n);
    }
    free(a), free(L);
    return info;
}

/* inverse of A = L L^T from L (or U^T U from U): Linv^T Linv. */
static int r_cholesky_inv(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    double *f = load(j, 0, b, (int64_t)n * n), *li = calloc((size_t)n * n + 1, sizeof(double)),
           *o = malloc(sizeof(double) * (size_t)(n * n + 1));
    if (!f || !li || !o) info = LK_OOM;
    for (int c = 0; c < n && !info; c++) { /* column c of inv(L), L lower */
#define LF(i, q) (j->p->upper ? A_(f, q, i, n) : A_(f, i, q, n))
        if (LF(c, c) == 0) {
            info = c + 1;
            break;
        }
        A_(li, c, c, n) = 1 / LF(c, c);
        for (int i = c + 1; i < n; i++) {
            double s = 0;
            for (int q = c; q < i; q++) s += LF(i, q) * A_(li, q, c, n);
            A_(li, i, c, n) = -s / LF(i, i);
        }
#undef LF
    }
    if (!info) {
        for (int i = 0; i < n; i++)
            for (int c = 0; c < n; c++) {
                double s = 0;
                for (int q = i > c ? i : c; q < n; q++) s += A_(li, q, i, n) * A_(li, q, c, n);
                A_(o, i, c, n) = s;
            }
        store(j, 0, b, o, (int64_t)n * n);
    }
    free(f), free(li), free(o);
    return info;
}

static int r_inv(lk_job *j, int64_t b, void *ws) {
    int n = j->n;
    double *a = load(j, 0, b, (int64_t)n * n), *x = calloc((size_t)n * n + 1, sizeof(double));
    int *piv = malloc(sizeof(int) * (size_t)(n + 1)), info = LK_OOM;
    if (a && x && piv) {
        info = ref_lu(a, n, n, piv);
        if (!info) {
            for (int i = 0; i < n; i++) A_(x, i, i, n) = 1;
            ref_lu_solve(a, piv, n, x, n);
            store(j, 0, b, x, (int64_t)n * n);
        }
    }
    free(a), free(x), free(piv);
    return info;
}

static int r_solve(lk_job *j, int64_t b, void *ws) {
    int n = j->n, k = j->k;
    double *a = load(j, 0, b, (int64_t)n * n), *x = load(j, 1, b, (int64_t)n * k);
    int *piv = malloc(sizeof(int) * (size_t)(n + 1)), info = LK_OOM;
    if (a && x && piv) {
        info = ref_lu(a, n, n, piv);
        if (!info) {
            ref_lu_solve(a, piv, n, x, k);
            store(j, 0, b, x, (int64_t)n * k);
        }
    }
    free(a), free(x), free(piv);
    return info;
}

static int r_solve_tri(lk_job *j, int64_t b, void *ws) {
    int n = j->n, k = j->k, info = 0;
    double *a = load(j, 0, b, (int64_t)n * n), *x = load(j, 1, b, (int64_t)n * k);
    if (!a || !x) info = LK_OOM;
    bool unit = j->p->unit, tr = j->p->trans;
    bool up = j->p->upper != tr; /* the triangle of op(A) */
#define M(i, q) (tr ? A_(a, q, i, n) : A_(a, i, q, n))
    for (int i = 0; i < n && !info && !unit; i++)
        if (A_(a, i, i, n) == 0) info = i + 1;
    for (int c = 0; c < k && !info; c++) {
        for (int s = 0; s < n; s++) {
            int i = up ? n - 1 - s : s;
            double v = A_(x, i, c, k);
            if (up)
                for (int q = i + 1; q < n; q++) v -= M(i, q) * A_(x, q, c, k);
            else
                for (int q = 0; q < i; q++) v -= M(i, q) * A_(x, q, c, k);
            A_(x, i, c, k) = unit ? v : v / M(i, i);
        }
    }
#undef M
    if (!info) store(j, 0, b, x, (int64_t)n * k);
    free(a), free(x);
    return info;
}

/* Householder QR with dlarfg's conventions (beta = -sign(alpha) * norm,
 * tau = 0 when the column below the diagonal is zero). */
static int r_qr(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k;
    bool full = j->p->full;
    int qc = full ? m : k, rr = full ? m : k;
    double *a = load(j, 0, b, (int64_t)m * n), *tau = malloc(sizeof(double) * (size_t)(k + 1)),
           *q = calloc((size_t)m * qc + 1, sizeof(double)),
           *r = calloc((size_t)rr * n + 1, sizeof(double));
    int info = 0;
    if (!a || !tau || !q || !r) info = LK_OOM;
    for (int c = 0; c < k && !info; c++) {
        double alpha = A_(a, c, c, n), xn = 0;
        for (int i = c + 1; i < m; i++) xn = hypot(xn, A_(a, i, c, n));
        if (xn == 0) {
            tau[c] = 0;
            continue;
        }
        double beta = -copysign(hypot(alpha, xn), alpha);
        tau[c] = (beta - alpha) / beta;
        for (int i = c + 1; i < m; i++) A_(a, i, c, n) /= alpha - beta;
        A_(a, c, c, n) = beta;
        for (int cc = c + 1; cc < n; cc++) { /* apply H = I - tau v v^T, v = (1, a[c+1:, c]) */
            double w = A_(a, c, cc, n);
            for (int i = c + 1; i < m; i++) w += A_(a, i, c, n) * A_(a, i, cc, n);
            w *= tau[c];
            A_(a, c, cc, n) -= w;
            for (int i = c + 1; i < m; i++) A_(a, i, cc, n) -= w * A_(a, i, c, n);
        }
    }
    if (!info) {
        for (int i = 0; i < rr && i < m; i++)
            for (int c = i; c < n; c++) A_(r, i, c, n) = i < k ? A_(a, i, c, n) : 0;
        for (int i = 0; i < m && i < qc; i++) A_(q, i, i, qc) = 1;
        for (int c = k - 1; c >= 0; c--) /* Q = H_0 ... H_{k-1} I */
            for (int cc = 0; cc < qc; cc++) {
                double w = A_(q, c, cc, qc);
                for (int i = c + 1; i < m; i++) w += A_(a, i, c, n) * A_(q, i, cc, qc);
                w *= tau[c];
                A_(q, c, cc, qc) -= w;
                for (int i = c + 1; i < m; i++) A_(q, i, cc, qc) -= w * A_(a, i, c, n);
            }
        store(j, 0, b, q, (int64_t)m * qc);
        store(j, 1, b, r, (int64_t)rr * n);
    }
    free(a), free(tau), free(q), free(r);
    return info;
}

/* Replace each vector i (of count, length dim, vecs[i * dim ...]) with
 * ok[i] false by a unit vector orthogonal to all the others (Gram-Schmidt
 * twice against the standard basis candidates). */
static void complete_basis(double *vecs, int dim, int count, bool *ok) {
    int cand = 0;
    for (int i = 0; i < count; i++) {
        if (ok[i]) continue;
        double *v = vecs + (int64_t)i * dim;
        for (; cand < dim; cand++) {
            memset(v, 0, sizeof(double) * (size_t)dim);
            v[cand] = 1;
            for (int pass = 0; pass < 2; pass++)
                for (int o = 0; o < count; o++) {
                    if (!ok[o]) continue;
                    const double *u = vecs + (int64_t)o * dim;
                    double d = 0;
                    for (int t = 0; t < dim; t++) d += u[t] * v[t];
                    for (int t = 0; t < dim; t++) v[t] -= d * u[t];
                }
            double nr = 0;
            for (int t = 0; t < dim; t++) nr += v[t] * v[t];
            nr = sqrt(nr);
            if (nr > 0.5) {
                for (int t = 0; t < dim; t++) v[t] /= nr;
                ok[i] = true;
                cand++;
                break;
            }
        }
    }
}

/* One-sided Jacobi SVD. */
static int r_svd(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k;
    bool uv = j->p->vectors, full = j->p->full, tr = m < n;
    int r = tr ? n : m, c = tr ? m : n; /* X (r x c, r >= c) = A or A^T, as columns */
    int ur = full ? m : k, vr = full ? n : k;
    double *a = load(j, 0, b, (int64_t)m * n);
    double *x = malloc(sizeof(double) * ((size_t)r * c + 1)), *v = calloc((size_t)c * c + 1, sizeof(double));
    double *s = malloc(sizeof(double) * (size_t)(c + 1));
    int *ord = malloc(sizeof(int) * (size_t)(c + 1));
    /* U_A columns (m-vectors) and V_A columns (n-vectors), vector-major */
    double *uA = calloc((size_t)ur * m + 1, sizeof(double)), *vA = calloc((size_t)vr * n + 1, sizeof(double));
    bool *oku = calloc((size_t)ur + 1, 1), *okv = calloc((size_t)vr + 1, 1);
    int info = 0;
    if (!a || !x || !v || !s || !ord || !uA || !vA || !oku || !okv) {
        info = LK_OOM;
        goto out;
    }
    if (!ax__linalg_all_finite(a, AX_FLOAT64, (int64_t)m * n)) {
        ax__linalg_fill_nan(outp(j, uv ? 1 : 0, b), j->dt, k);
        if (uv) {
            ax__linalg_fill_nan(outp(j, 0, b), j->dt, (int64_t)m * ur);
            ax__linalg_fill_nan(outp(j, 2, b), j->dt, (int64_t)vr * n);
        }
        goto out;
    }
    /* x stored column-major: column q at x + q * r */
    for (int i = 0; i < r; i++)
        for (int q = 0; q < c; q++) x[(int64_t)q * r + i] = tr ? A_(a, q, i, n) : A_(a, i, q, n);
    for (int q = 0; q < c; q++) v[(int64_t)q * c + q] = 1;
    for (int sweep = 0; sweep < 80; sweep++) {
        bool rotated = false;
        for (int p = 0; p < c; p++)
            for (int q = p + 1; q < c; q++) {
                double *xp = x + (int64_t)p * r, *xq = x + (int64_t)q * r, al = 0, be = 0, ga = 0;
                for (int i = 0; i < r; i++) al += xp[i] * xp[i], be += xq[i] * xq[i], ga += xp[i] * xq[i];
                if (ga == 0 || fabs(ga) <= 1e-15 * sqrt(al * be)) continue;
                rotated = true;
                double zeta = (be - al) / (2 * ga);
                double t = copysign(1.0, zeta) / (fabs(zeta) + sqrt(1 + zeta * zeta));
                double cs = 1 / sqrt(1 + t * t), sn = cs * t;
                for (int i = 0; i < r; i++) {
                    double u0 = xp[i], u1 = xq[i];
                    xp[i] = cs * u0 - sn * u1, xq[i] = sn * u0 + cs * u1;
                }
                double *vp = v + (int64_t)p * c, *vq = v + (int64_t)q * c;
                for (int i = 0; i < c; i++) {
                    double u0 = vp[i], u1 = vq[i];
                    vp[i] = cs * u0 - sn * u1, vq[i] = sn * u0 + cs * u1;
                }
            }
        if (!rotated) break;
    }
    for (int q = 0; q < c; q++) {
        double nr = 0;
        for (int i = 0; i < r; i++) nr += x[(int64_t)q * r + i] * x[(int64_t)q * r + i];
        s[q] = sqrt(nr);
        ord[q] = q;
    }
    for (int p = 1; p < c; p++) /* insertion sort, descending */
        for (int q = p; q > 0 && s[ord[q]] > s[ord[q - 1]]; q--) {
            int t = ord[q];
            ord[q] = ord[q - 1], ord[q - 1] = t;
        }
    double smax = c > 0 ? s[ord[0]] : 0;
    double *so = malloc(sizeof(double) * (size_t)(k + 1));
    if (!so) {
        info = LK_OOM;
        goto out;
    }
    for (int t = 0; t < k; t++) {
        int q = ord[t];
        so[t] = s[q];
        /* left vectors of X: x_q / s; right: v_q. A = X (tr: A^T = X) */
        double *lu = tr ? vA + (int64_t)t * n : uA + (int64_t)t * m;
        double *rv = tr ? uA + (int64_t)t * m : vA + (int64_t)t * n;
        bool *lok = tr ? &okv[t] : &oku[t], *rok = tr ? &oku[t] : &okv[t];
        if (s[q] > smax * 1e-300 && s[q] > 0) {
            for (int i = 0; i < r; i++) lu[i] = x[(int64_t)q * r + i] / s[q];
            *lok = true;
        }
        for (int i = 0; i < c; i++) rv[i] = v[(int64_t)q * c + i];
        *rok = true;
    }
    store(j, uv ? 1 : 0, b, so, k);
    free(so);
    if (uv) {
        complete_basis(uA, m, ur, oku);
        complete_basis(vA, n, vr, okv);
        double *U = malloc(sizeof(double) * ((size_t)m * ur + 1));
        if (!U) {
            info = LK_OOM;
            goto out;
        }
        for (int i = 0; i < m; i++)
            for (int t = 0; t < ur; t++) A_(U, i, t, ur) = uA[(int64_t)t * m + i];
        store(j, 0, b, U, (int64_t)m * ur);
        store(j, 2, b, vA, (int64_t)vr * n); /* Vh rows are the V columns */
        free(U);
    }
out:
    free(a), free(x), free(v), free(s), free(ord), free(uA), free(vA), free(oku), free(okv);
    return info;
}

/* Cyclic Jacobi eigenvalue algorithm for the symmetric matrix read from one
 * triangle. */
static int r_eigh(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    bool vec = j->p->vectors, up = j->p->upper;
    double *a = load(j, 0, b, (int64_t)n * n), *v = calloc((size_t)n * n + 1, sizeof(double));
    double *w = malloc(sizeof(double) * (size_t)(n + 1)), *vs = malloc(sizeof(double) * ((size_t)n * n + 1));
    int *ord = malloc(sizeof(int) * (size_t)(n + 1));
    if (!a || !v || !w || !vs || !ord) {
        info = LK_OOM;
        goto out;
    }
    if (!ax__linalg_tri_finite(a, AX_FLOAT64, n, up)) {
        ax__linalg_fill_nan(outp(j, 0, b), j->dt, n);
        if (vec) ax__linalg_fill_nan(outp(j, 1, b), j->dt, (int64_t)n * n);
        goto out;
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < i; c++) {
            double t = up ? A_(a, c, i, n) : A_(a, i, c, n);
            A_(a, i, c, n) = A_(a, c, i, n) = t;
        }
    for (int i = 0; i < n; i++) A_(v, i, i, n) = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, tot = 0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < n; c++) {
                tot += A_(a, i, c, n) * A_(a, i, c, n);
                if (i != c) off += A_(a, i, c, n) * A_(a, i, c, n);
            }
        if (off <= 1e-32 * tot || off == 0) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = A_(a, p, q, n);
                if (apq == 0) continue;
                double th = (A_(a, q, q, n) - A_(a, p, p, n)) / (2 * apq);
                double t = copysign(1.0, th) / (fabs(th) + sqrt(th * th + 1));
                double cs = 1 / sqrt(t * t + 1), sn = t * cs;
                for (int i = 0; i < n; i++) { /* columns p, q */
                    double x0 = A_(a, i, p, n), x1 = A_(a, i, q, n);
                    A_(a, i, p, n) = cs * x0 - sn * x1, A_(a, i, q, n) = sn * x0 + cs * x1;
                }
                for (int i = 0; i < n; i++) { /* rows p, q */
                    double x0 = A_(a, p, i, n), x1 = A_(a, q, i, n);
                    A_(a, p, i, n) = cs * x0 - sn * x1, A_(a, q, i, n) = sn * x0 + cs * x1;
                }
                for (int i = 0; i < n; i++) {
                    double x0 = A_(v, i, p, n), x1 = A_(v, i, q, n);
                    A_(v, i, p, n) = cs * x0 - sn * x1, A_(v, i, q, n) = sn * x0 + cs * x1;
                }
            }
    }
    for (int i = 0; i < n; i++) ord[i] = i;
    for (int p = 1; p < n; p++)
        for (int q = p; q > 0 && A_(a, ord[q], ord[q], n) < A_(a, ord[q - 1], ord[q - 1], n); q--) {
            int t = ord[q];
            ord[q] = ord[q - 1], ord[q - 1] = t;
        }
    for (int t = 0; t < n; t++) {
        w[t] = A_(a, ord[t], ord[t], n);
        for (int i = 0; i < n; i++) A_(vs, i, t, n) = A_(v, i, ord[t], n);
    }
    store(j, 0, b, w, n);
    if (vec) store(j, 1, b, vs, (int64_t)n * n);
out:
    free(a), free(v), free(w), free(vs), free(ord);
    return info;
}

/* eig: dgeev in double (see the file comment). */
static int r_eig(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0, one = 1;
    bool vec = j->p->vectors;
    float *wo = outp(j, 0, b), *vo = vec ? outp(j, 1, b) : NULL;
    double *a = load(j, 0, b, (int64_t)n * n);
    double *cm = malloc(sizeof(double) * ((size_t)n * n + 1)), *wr = malloc(sizeof(double) * (size_t)(2 * n + 1));
    double *vr = malloc(sizeof(double) * ((size_t)n * n + 1)), wq = 0, dummy = 0;
    double *work = NULL;
    if (!a || !cm || !wr || !vr) {
        info = LK_OOM;
        goto out;
    }
    if (!ax__linalg_all_finite(a, AX_FLOAT64, (int64_t)n * n)) {
        ax__linalg_fill_nan(wo, AX_COMPLEX64, n);
        if (vec) ax__linalg_fill_nan(vo, AX_COMPLEX64, (int64_t)n * n);
        goto out;
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < n; c++) cm[i + (int64_t)c * n] = A_(a, i, c, n);
    double *wi = wr + n;
    int lw = -1;
    dgeev_("N", vec ? "V" : "N", &n, cm, &n, wr, wi, &dummy, &one, vec ? vr : &dummy, vec ? &n : &one,
           &wq, &lw, &info, 1, 1);
    lw = (int)wq < 1 ? 1 : (int)wq;
    if (!(work = malloc(sizeof(double) * (size_t)lw))) {
        info = LK_OOM;
        goto out;
    }
    dgeev_("N", vec ? "V" : "N", &n, cm, &n, wr, wi, &dummy, &one, vec ? vr : &dummy, vec ? &n : &one,
           work, &lw, &info, 1, 1);
    if (info) goto out;
    for (int i = 0; i < n; i++) ax__store_c(wo + 2 * i, AX_COMPLEX64, wr[i], wi[i]);
    for (int c = 0; vec && c < n; c++) {
        const double *col = vr + (int64_t)c * n;
        bool pair = wi[c] != 0 && c + 1 < n;
        for (int i = 0; i < n; i++) {
            ax__store_c(vo + 2 * ((int64_t)i * n + c), AX_COMPLEX64, col[i], pair ? col[i + n] : 0);
            if (pair) ax__store_c(vo + 2 * ((int64_t)i * n + c + 1), AX_COMPLEX64, col[i], -col[i + n]);
        }
        if (pair) c++;
    }
out:
    free(a), free(cm), free(wr), free(vr), free(work);
    return info;
}

static int r_lu(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k;
    double *a = load(j, 0, b, (int64_t)m * n);
    double *P = calloc((size_t)m * m + 1, sizeof(double)), *L = calloc((size_t)m * k + 1, sizeof(double));
    double *U = calloc((size_t)k * n + 1, sizeof(double));
    int *piv = malloc(sizeof(int) * (size_t)(k + 1)), *perm = malloc(sizeof(int) * (size_t)(m + 1));
    int info = 0;
    if (!a || !P || !L || !U || !piv || !perm) {
        info = LK_OOM;
        goto out;
    }
    ref_lu(a, m, n, piv);
    if (j->op == AX_OP_LINALG_LU_FACTOR) {
        store(j, 0, b, a, (int64_t)m * n);
        int32_t *po = outp(j, 1, b);
        for (int i = 0; i < k; i++) po[i] = piv[i];
        goto out;
    }
    for (int i = 0; i < m; i++) perm[i] = i;
    for (int i = 0; i < k; i++) {
        int t = perm[i];
        perm[i] = perm[piv[i]], perm[piv[i]] = t;
    }
    for (int i = 0; i < m; i++) A_(P, perm[i], i, m) = 1;
    for (int i = 0; i < m; i++)
        for (int c = 0; c < k; c++) A_(L, i, c, k) = i > c ? A_(a, i, c, n) : i == c ? 1 : 0;
    for (int i = 0; i < k; i++)
        for (int c = i; c < n; c++) A_(U, i, c, n) = A_(a, i, c, n);
    store(j, 0, b, P, (int64_t)m * m);
    store(j, 1, b, L, (int64_t)m * k);
    store(j, 2, b, U, (int64_t)k * n);
out:
    free(a), free(P), free(L), free(U), free(piv), free(perm);
    return info;
}

static int r_det(lk_job *j, int64_t b, void *ws) {
    int n = j->n;
    double *a = load(j, 0, b, (int64_t)n * n);
    int *piv = malloc(sizeof(int) * (size_t)(n + 1));
    if (!a || !piv) {
        free(a), free(piv);
        return LK_OOM;
    }
    ref_lu(a, n, n, piv);
    double sign = 1, logabs = 0, prod = 1;
    for (int i = 0; i < n; i++) {
        double d = A_(a, i, i, n);
        if (piv[i] != i) sign = -sign, prod = -prod;
        prod *= d;
        if (d < 0) sign = -sign;
        logabs += log(fabs(d));
        if (d == 0) sign = 0;
        if (d != d) sign = d;
    }
    if (j->p->vectors) {
        store(j, 0, b, &sign, 1);
        store(j, 1, b, &logabs, 1);
    } else {
        store(j, 0, b, &prod, 1);
    }
    free(a), free(piv);
    return 0;
}

void ax__linalg_ref_setup(lk_job *j) {
    j->ws_bytes = 0;
    switch (j->op) {
    case AX_OP_LINALG_CHOLESKY: j->one = r_cholesky; break;
    case AX_OP_LINALG_CHOLESKY_INV: j->one = r_cholesky_inv; break;
    case AX_OP_LINALG_INV: j->one = r_inv; break;
    case AX_OP_LINALG_SOLVE: j->one = r_solve; break;
    case AX_OP_LINALG_SOLVE_TRI: j->one = r_solve_tri; break;
    case AX_OP_LINALG_QR: j->one = r_qr; break;
    case AX_OP_LINALG_SVD: j->one = r_svd; break;
    case AX_OP_LINALG_EIGH: j->one = r_eigh; break;
    case AX_OP_LINALG_EIG: j->one = r_eig; break;
    case AX_OP_LINALG_LU:
    case AX_OP_LINALG_LU_FACTOR: j->one = r_lu; break;
    default: j->one = r_det; break;
    }
}
