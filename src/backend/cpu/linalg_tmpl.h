/* LAPACK fast paths for one real type, included twice by linalg.c with
 * LK_T (float / double), LK_P (s / d) and LK_S (function suffix) defined.
 * Every lk_one_fn computes one batch item; workspace sizes come from the
 * LAPACK queries in the setup function at the end. */
#define LK_CAT_(a, b) a##b
#define LK_CAT(a, b) LK_CAT_(a, b)
#define LAP(name) LK_CAT(LK_P, name)          /* sgetrf_ / dgetrf_ */
#define FN(name) LK_CAT(name, LK_S)          /* one_inv_f32 ... */
#define CBLAS(name) LK_CAT(cblas_, LK_CAT(LK_P, name))
#define T LK_T

#define IN(j, i, b) ((const T *)((j)->in[i] + (b) * (j)->in_step[i]))
#define OUT(j, i, b) ((void *)((j)->out[i] + (b) * (j)->out_step[i]))

/* dst (column-major, leading dimension ld) = src (row-major r x c). */
static void FN(to_colmajor)(const T *src, int r, int c, T *dst, int ld) {
    for (int i = 0; i < r; i++)
        for (int q = 0; q < c; q++) dst[i + (int64_t)q * ld] = src[(int64_t)i * c + q];
}
/* dst (row-major r x c) = src (column-major, leading dimension ld). */
static void FN(from_colmajor)(const T *src, int ld, int r, int c, T *dst) {
    for (int i = 0; i < r; i++)
        for (int q = 0; q < c; q++) dst[(int64_t)i * c + q] = src[i + (int64_t)q * ld];
}
/* memcpy that accepts n == 0 with NULL pointers (empty matrices) */
static void FN(copy)(T *dst, const T *src, int64_t n) {
    if (n > 0) memcpy(dst, src, sizeof(T) * (size_t)n);
}
static void FN(set_identity)(T *o, int r, int c) {
    if (r > 0 && c > 0) memset(o, 0, sizeof(T) * (size_t)r * (size_t)c);
    for (int i = 0; i < r && i < c; i++) o[(int64_t)i * c + i] = 1;
}

/* cholesky: row-major A is column-major A (symmetric), and a row-major lower
 * factor is a column-major upper one, so the triangle flag flips. */
static int FN(one_cholesky)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    T *o = OUT(j, 0, b);
    FN(copy)(o, IN(j, 0, b), (int64_t)n * (size_t)n);
    bool up = j->p->upper;
    if (n > 0) LAP(potrf_)(up ? "L" : "U", &n, o, &n, &info, 1);
    for (int i = 0; i < n; i++)
        for (int q = 0; q < n; q++)
            if (up ? q < i : q > i) o[(int64_t)i * n + q] = 0;
    return info;
}

/* cholesky_inv: inverse of A = L L^T (or U^T U) from the factor. */
static int FN(one_cholesky_inv)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    T *o = OUT(j, 0, b);
    FN(copy)(o, IN(j, 0, b), (int64_t)n * (size_t)n);
    bool up = j->p->upper;
    if (n > 0) LAP(potri_)(up ? "L" : "U", &n, o, &n, &info, 1);
    /* the row-major lower (upper) triangle holds the result: mirror it */
    for (int i = 0; i < n; i++)
        for (int q = 0; q < i; q++) {
            if (up) o[(int64_t)i * n + q] = o[(int64_t)q * n + i];
            else o[(int64_t)q * n + i] = o[(int64_t)i * n + q];
        }
    return info;
}

/* inv: getrf + getri on A^T gives inv(A^T) column-major = inv(A) row-major. */
static int FN(one_inv)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    if (n == 0) return 0;
    T *o = OUT(j, 0, b), *work = ws;
    int *ipiv = (int *)(work + j->lwork);
    FN(copy)(o, IN(j, 0, b), (int64_t)n * (size_t)n);
    LAP(getrf_)(&n, &n, o, &n, ipiv, &info);
    if (info != 0) return info;
    LAP(getri_)(&n, o, &n, ipiv, work, &j->lwork, &info);
    return info;
}

/* solve: factor A^T (as stored) and solve with trans = 'T'. */
static int FN(one_solve)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, k = j->k, info = 0;
    if (n == 0 || k == 0) return 0;
    T *lu = ws, *bc = lu + (size_t)n * n, *o = OUT(j, 0, b);
    int *ipiv = (int *)(bc + (size_t)n * k);
    FN(copy)(lu, IN(j, 0, b), (int64_t)n * (size_t)n);
    LAP(getrf_)(&n, &n, lu, &n, ipiv, &info);
    if (info != 0) return info;
    const T *rhs = IN(j, 1, b);
    if (k == 1) {
        FN(copy)(o, rhs, (int64_t)n);
        LAP(getrs_)("T", &n, &k, lu, &n, ipiv, o, &n, &info, 1);
    } else {
        FN(to_colmajor)(rhs, n, k, bc, n);
        LAP(getrs_)("T", &n, &k, lu, &n, ipiv, bc, &n, &info, 1);
        FN(from_colmajor)(bc, n, n, k, o);
    }
    return info;
}

/* solve_triangular: CBLAS trsm reads row-major directly. A zero on the
 * diagonal (not unit) is reported as singular, as scipy does. */
static int FN(one_solve_tri)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, k = j->k;
    const T *a = IN(j, 0, b);
    T *o = OUT(j, 0, b);
    FN(copy)(o, IN(j, 1, b), (int64_t)n * (size_t)k);
    if (!j->p->unit)
        for (int i = 0; i < n; i++)
            if (a[(int64_t)i * n + i] == 0) return i + 1;
    if (n == 0 || k == 0) return 0;
    CBLAS(trsm)(CblasRowMajor, CblasLeft, j->p->upper ? CblasUpper : CblasLower,
                j->p->trans ? CblasTrans : CblasNoTrans, j->p->unit ? CblasUnit : CblasNonUnit,
                n, k, (T)1, a, n, o, k);
    return 0;
}

/* qr: Householder QR (geqrf) of the column-major copy, then Q formed by orgqr. */
static int FN(one_qr)(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k, info = 0;
    bool full = j->p->full;
    int qc = full ? m : k, rr = full ? m : k, wc = n > qc ? n : qc;
    T *q = OUT(j, 0, b), *r = OUT(j, 1, b);
    if (k == 0) {
        FN(set_identity)(q, m, qc);
        if (rr > 0 && n > 0) memset(r, 0, sizeof(T) * (size_t)rr * (size_t)n);
        return 0;
    }
    T *w = ws, *tau = w + (size_t)m * wc, *work = tau + k;
    FN(to_colmajor)(IN(j, 0, b), m, n, w, m);
    LAP(geqrf_)(&m, &n, w, &m, tau, work, &j->lwork, &info);
    if (info != 0) return info;
    for (int i = 0; i < rr; i++)
        for (int c = 0; c < n; c++) r[(int64_t)i * n + c] = c >= i ? w[i + (int64_t)c * m] : 0;
    LAP(orgqr_)(&m, &qc, &k, w, &m, tau, work, &j->lwork, &info);
    FN(from_colmajor)(w, m, m, qc, q);
    return info;
}

/* svd: gesdd on the stored A^T (n x m column-major): A^T = U' S V'^T, so the
 * LAPACK U' buffer is Vh row-major and V'^T is U row-major: no transposes. */
static int FN(one_svd)(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k, info = 0;
    bool uv = j->p->vectors, full = j->p->full;
    T *u = uv ? OUT(j, 0, b) : NULL, *s = OUT(j, uv ? 1 : 0, b), *vh = uv ? OUT(j, 2, b) : NULL;
    const T *a = IN(j, 0, b);
    if (k == 0) {
        if (uv) {
            FN(set_identity)(u, m, full ? m : 0);
            FN(set_identity)(vh, full ? n : 0, n);
        }
        return 0;
    }
    if (!ax__linalg_all_finite(a, j->dt, (int64_t)m * n)) { /* documented: NaN outputs */
        ax__linalg_fill_nan(s, j->dt, k);
        if (uv) {
            ax__linalg_fill_nan(u, j->dt, (int64_t)m * (full ? m : k));
            ax__linalg_fill_nan(vh, j->dt, (int64_t)(full ? n : k) * n);
        }
        return 0;
    }
    T *w = ws, *work = w + (size_t)m * n, dummy[1];
    int *iwork = (int *)(work + j->lwork), one = 1, ldvt = full ? m : k;
    FN(copy)(w, a, (int64_t)m * n);
    const char *jobz = !uv ? "N" : full ? "A" : "S";
    LAP(gesdd_)(jobz, &n, &m, w, &n, s, uv ? vh : dummy, uv ? &n : &one, uv ? u : dummy,
                uv ? &ldvt : &one, work, &j->lwork, iwork, &info, 1);
    return info;
}

/* eigh: syevd (divide and conquer). The stored matrix is A^T = A, so the
 * triangle flag flips; eigenvectors come back as columns (column-major). */
static int FN(one_eigh)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    bool vec = j->p->vectors;
    T *wv = OUT(j, 0, b), *v = vec ? OUT(j, 1, b) : NULL;
    const T *a = IN(j, 0, b);
    if (n == 0) return 0;
    if (!ax__linalg_tri_finite(a, j->dt, n, j->p->upper)) {
        ax__linalg_fill_nan(wv, j->dt, n);
        if (vec) ax__linalg_fill_nan(v, j->dt, (int64_t)n * n);
        return 0;
    }
    T *w = ws, *work = w + (size_t)n * n;
    int *iwork = (int *)(work + j->lwork);
    FN(copy)(w, a, (int64_t)n * n);
    LAP(syevd_)(vec ? "V" : "N", j->p->upper ? "L" : "U", &n, w, &n, wv, work, &j->lwork, iwork,
                &j->liwork, &info, 1, 1);
    if (info == 0 && vec) FN(from_colmajor)(w, n, n, n, v);
    return info;
}

/* eig: geev on the column-major copy; complex64 results (conjugate pairs
 * expanded from LAPACK's real storage). */
static int FN(one_eig)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0, one = 1;
    bool vec = j->p->vectors;
    float *wo = OUT(j, 0, b), *vo = vec ? OUT(j, 1, b) : NULL;
    const T *a = IN(j, 0, b);
    if (n == 0) return 0;
    if (!ax__linalg_all_finite(a, j->dt, (int64_t)n * n)) {
        ax__linalg_fill_nan(wo, AX_COMPLEX64, n);
        if (vec) ax__linalg_fill_nan(vo, AX_COMPLEX64, (int64_t)n * n);
        return 0;
    }
    T *w = ws, *wr = w + (size_t)n * n, *wi = wr + n, *vr = wi + n, *work = vr + (size_t)n * n;
    T dummy[1];
    FN(to_colmajor)(a, n, n, w, n);
    LAP(geev_)("N", vec ? "V" : "N", &n, w, &n, wr, wi, dummy, &one, vec ? vr : dummy,
               vec ? &n : &one, work, &j->lwork, &info, 1, 1);
    if (info != 0) return info;
    for (int i = 0; i < n; i++) {
        wo[2 * i] = (float)wr[i];
        wo[2 * i + 1] = (float)wi[i];
    }
    if (!vec) return 0;
    for (int c = 0; c < n; c++) {
        const T *col = vr + (int64_t)c * n;
        if (wi[c] != 0 && c + 1 < n) { /* pair c, c+1: col +- i * next column */
            const T *nx = col + n;
            for (int i = 0; i < n; i++) {
                float *e0 = vo + 2 * ((int64_t)i * n + c);
                e0[0] = (float)col[i], e0[1] = (float)nx[i];
                e0[2] = (float)col[i], e0[3] = -(float)nx[i];
            }
            c++;
        } else {
            for (int i = 0; i < n; i++) {
                float *e = vo + 2 * ((int64_t)i * n + c);
                e[0] = (float)col[i], e[1] = 0;
            }
        }
    }
    return 0;
}

/* LU with partial pivoting (getrf) of the column-major copy; P, L, U as
 * scipy.linalg.lu (A = P L U) or LU packed + 0-based pivots (lu_factor). */
static int FN(one_lu)(lk_job *j, int64_t b, void *ws) {
    int m = j->m, n = j->n, k = j->k, info = 0;
    bool factor = j->op == AX_OP_LINALG_LU_FACTOR;
    T *w = ws;
    int *ipiv = (int *)(w + (size_t)m * n), *perm = ipiv + k;
    FN(to_colmajor)(IN(j, 0, b), m, n, w, m);
    if (k > 0) LAP(getrf_)(&m, &n, w, &m, ipiv, &info); /* info > 0: singular U, still valid */
    if (factor) {
        FN(from_colmajor)(w, m, m, n, OUT(j, 0, b));
        int32_t *piv = OUT(j, 1, b);
        for (int i = 0; i < k; i++) piv[i] = ipiv[i] - 1;
        return 0;
    }
    T *P = OUT(j, 0, b), *L = OUT(j, 1, b), *U = OUT(j, 2, b);
    for (int i = 0; i < m; i++) perm[i] = i;
    for (int i = 0; i < k; i++) {
        int t = perm[i];
        perm[i] = perm[ipiv[i] - 1];
        perm[ipiv[i] - 1] = t;
    }
    if (m > 0) memset(P, 0, sizeof(T) * (size_t)m * m);
    for (int i = 0; i < m; i++) P[(int64_t)perm[i] * m + i] = 1;
    for (int i = 0; i < m; i++)
        for (int c = 0; c < k; c++)
            L[(int64_t)i * k + c] = i > c ? w[i + (int64_t)c * m] : i == c ? 1 : 0;
    for (int i = 0; i < k; i++)
        for (int c = 0; c < n; c++) U[(int64_t)i * n + c] = c >= i ? w[i + (int64_t)c * m] : 0;
    return 0;
}

/* det / slogdet from getrf of the stored A^T (same determinant). */
static int FN(one_det)(lk_job *j, int64_t b, void *ws) {
    int n = j->n, info = 0;
    T *w = ws;
    int *ipiv = (int *)(w + (size_t)n * n);
    FN(copy)(w, IN(j, 0, b), (int64_t)n * n);
    if (n > 0) LAP(getrf_)(&n, &n, w, &n, ipiv, &info); /* info > 0: a zero pivot, det 0 */
    double sign = 1, logabs = 0, prod = 1;
    for (int i = 0; i < n; i++) {
        double d = (double)w[i + (int64_t)i * n];
        if (ipiv[i] != i + 1) sign = -sign, prod = -prod;
        prod *= d;
        if (d < 0) sign = -sign;
        logabs += log(fabs(d));
        if (d == 0) sign = 0; /* logabs is -inf */
        if (d != d) sign = d;
    }
    if (j->p->vectors) {
        *(T *)OUT(j, 0, b) = (T)sign;
        *(T *)OUT(j, 1, b) = (T)logabs;
    } else {
        *(T *)OUT(j, 0, b) = (T)prod;
    }
    return 0;
}

/* Workspace queries (lwork = -1) and the per-item function for j->op. */
static bool FN(setup)(lk_job *j) {
    int m = j->m, n = j->n, k = j->k, info = 0, q = -1, one = 1;
    int m1 = m > 1 ? m : 1, n1 = n > 1 ? n : 1;
    T wq[2] = {0, 0}, dummy[2] = {0, 0};
    int iq = 0;
    size_t ts = sizeof(T), is = sizeof(int);
    j->lwork = 0;
    j->liwork = 0;
    switch (j->op) {
    case AX_OP_LINALG_CHOLESKY: j->one = FN(one_cholesky); break;
    case AX_OP_LINALG_CHOLESKY_INV: j->one = FN(one_cholesky_inv); break;
    case AX_OP_LINALG_INV:
        j->one = FN(one_inv);
        if (n > 0) {
            LAP(getri_)(&n, dummy, &n1, &one, wq, &q, &info);
            j->lwork = (int)wq[0] > n ? (int)wq[0] : n;
        }
        j->ws_bytes = ts * (size_t)j->lwork + is * (size_t)n;
        break;
    case AX_OP_LINALG_SOLVE:
        j->one = FN(one_solve);
        j->ws_bytes = ts * ((size_t)n * n + (size_t)n * k) + is * (size_t)n;
        break;
    case AX_OP_LINALG_SOLVE_TRI: j->one = FN(one_solve_tri); break;
    case AX_OP_LINALG_QR: {
        j->one = FN(one_qr);
        int qc = j->p->full ? m : k, wc = n > qc ? n : qc;
        if (k > 0) {
            LAP(geqrf_)(&m, &n, dummy, &m1, dummy, wq, &q, &info);
            int l1 = (int)wq[0];
            LAP(orgqr_)(&m, &qc, &k, dummy, &m1, dummy, wq, &q, &info);
            int l2 = (int)wq[0];
            j->lwork = l1 > l2 ? l1 : l2;
            if (j->lwork < 1) j->lwork = 1;
        }
        j->ws_bytes = ts * ((size_t)m * wc + (size_t)k + (size_t)j->lwork);
        break;
    }
    case AX_OP_LINALG_SVD: {
        j->one = FN(one_svd);
        if (k > 0) {
            bool uv = j->p->vectors, full = j->p->full;
            int ldvt = full ? m : k;
            const char *jobz = !uv ? "N" : full ? "A" : "S";
            LAP(gesdd_)(jobz, &n, &m, dummy, &n1, dummy, dummy, uv ? &n1 : &one, dummy,
                        uv ? &ldvt : &one, wq, &q, &iq, &info, 1);
            j->lwork = (int)wq[0] < 1 ? 1 : (int)wq[0];
        }
        j->ws_bytes = ts * ((size_t)m * n + (size_t)j->lwork) + is * 8 * (size_t)k;
        break;
    }
    case AX_OP_LINALG_EIGH:
        j->one = FN(one_eigh);
        if (n > 0) {
            LAP(syevd_)(j->p->vectors ? "V" : "N", "U", &n, dummy, &n1, dummy, wq, &q, &iq, &q,
                        &info, 1, 1);
            j->lwork = (int)wq[0] < 1 ? 1 : (int)wq[0];
            j->liwork = iq < 1 ? 1 : iq;
        }
        j->ws_bytes = ts * ((size_t)n * n + (size_t)j->lwork) + is * (size_t)j->liwork;
        break;
    case AX_OP_LINALG_EIG:
        j->one = FN(one_eig);
        if (n > 0) {
            LAP(geev_)("N", j->p->vectors ? "V" : "N", &n, dummy, &n1, dummy, dummy, dummy, &one,
                       dummy, &n1, wq, &q, &info, 1, 1);
            j->lwork = (int)wq[0] < 1 ? 1 : (int)wq[0];
        }
        j->ws_bytes = ts * (2 * (size_t)n * n + 2 * (size_t)n + (size_t)j->lwork);
        break;
    case AX_OP_LINALG_LU:
    case AX_OP_LINALG_LU_FACTOR:
        j->one = FN(one_lu);
        j->ws_bytes = ts * (size_t)m * n + is * ((size_t)k + (size_t)m);
        break;
    case AX_OP_LINALG_DET:
        j->one = FN(one_det);
        j->ws_bytes = ts * (size_t)n * n + is * (size_t)n;
        break;
    default: return false;
    }
    return info == 0;
}

#undef IN
#undef OUT
#undef LAP
#undef FN
#undef CBLAS
#undef T
