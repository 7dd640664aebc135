/* Derivative rules of the linear-algebra primitives (src/ops/ops_linalg.def).
 *
 * Every rule works on the last two axes and batches over the leading ones,
 * and is built from public, differentiable ax ops (matmul, solve,
 * solve_triangular, tril/triu, swapaxes, ...), so the graph it builds can be
 * differentiated again (grad of grad). Formulas: Giles 2008, "Collected matrix
 * derivative results for forward and reverse mode AD"; conventions follow
 * JAX's linalg rules except where noted. Notation: X^T = swap of the last two
 * axes, tri(X) the triangle a kernel reads, F o X the elementwise product.
 *
 *  inv:      B = A^-1;  dB = -B dA B;  cA = -B^T cB B^T.
 *  solve:    x = A^-1 b;  dx = A^-1 (db - dA x);  cb = A^-T cx, cA = -cb x^T
 *            (a vector b is handled as an (n, 1) column).
 *  solve_triangular (upper/lower, unit, trans): the same with A replaced by
 *            the triangle the kernel reads (strict when unit: the diagonal is
 *            not read and has zero derivative), transposed when trans.
 *  cholesky: the kernel reads one triangle of A (the lower one, or the upper
 *            one with upper=true), so the derivative is that of the symmetric
 *            matrix S built from that triangle: dS = tri(dA) + tri_strict(dA)^T.
 *            With A = L L^T: dL = L phi(L^-1 dS L^-T), phi = lower triangle
 *            with the diagonal halved; the vjp is its transpose. (JAX
 *            symmetrizes dA instead; both agree for symmetric tangents, ours is
 *            the exact derivative of what the kernel computes.)
 *  cholesky_inv: B = L^-T L^-1 from the factor's triangle:
 *            dB = -(K + K^T), K = B dL L^-1.
 *  qr (m >= n): with C = Q^T dA R^-1, O = tril(C, -1) - tril(C, -1)^T:
 *            dQ = Q (O - C) + dA R^-1, dR = (C - O) R. Wide (m < n):
 *            A = [X | Y] with X square, the square rule on X and
 *            R2 = Q^T Y: dR2 = dQ^T Y + Q^T dY (JAX has no wide rule).
 *            Complete QR of a tall matrix (Q's extra columns are not
 *            unique): AX_ERR_UNSUPPORTED, as JAX.
 *  svd:      A = U diag(s) Vh (reduced; full_matrices only when m == n, as
 *            JAX). K = U^T dA V: ds = diag(K);
 *            dU = U (F o (K S + S K^T)) [+ (I - U U^T) dA V S^-1 when m > n],
 *            dV = V (F o (S K + K^T S)) [+ (I - V V^T) dA^T U S^-1 when n > m],
 *            F_ij = 1 / (s_j^2 - s_i^2) (0 on the diagonal). The singular
 *            vectors' derivatives need distinct, nonzero singular values (as
 *            JAX: equal ones give inf/NaN); the values' derivative needs none.
 *            svdvals recomputes U and V for its rule.
 *  eigh:     the symmetric S read from one triangle (as cholesky);
 *            K = V^T dS V: dw = diag(K), dV = V (F o K), F_ij = 1 / (w_j - w_i)
 *            (0 on the diagonal): eigenvectors need distinct eigenvalues.
 *  eig:      complex outputs: the autodiff walkers refuse them with
 *            AX_ERR_UNSUPPORTED ("derivatives through complex64 arrays are not
 *            supported"), so no rule is registered.
 *  lu / lu_factor: A = P L U with the pivots (P) held fixed (they have zero
 *            derivative, as JAX). With L and U padded to square unit-lower Lp
 *            (m x m) and upper Up (n x n): X = Lp^-1 P^T dA Up^-1,
 *            dL = (Lp tril(X, -1))[:, :k], dU = (triu(X) Up)[:k, :]; lu_factor's
 *            packed LU gets tril(., -1) + triu(.) of the two. The rules
 *            recompute P, L, U with ax_linalg_lu (lu_factor holds only pivots).
 *  det:      d det = det tr(A^-1 dA), c A = c det A^-T; slogdet:
 *            d logabsdet = tr(A^-1 dA), the sign has zero derivative.
 *            Singular A gives inf/NaN (JAX has the same limitation for its
 *            default rule). */
#include "ops/linalg_params.h"
#include "transforms/rules.h"

/* ---------------------------------------------------------------- helpers */

static ax_array *mT(ax_ctx *ctx, ax_array *x) { return ax_swapaxes(ctx, x, -1, -2); }
static ax_array *mm(ax_ctx *ctx, ax_array *a, ax_array *b) { return ax_matmul(ctx, a, b); }
static ax_array *tri(ax_ctx *ctx, ax_array *x, bool upper, int64_t k) {
    return upper ? ax_triu(ctx, x, k) : ax_tril(ctx, x, k);
}
static ax_array *trisolve(ax_ctx *ctx, ax_array *a, ax_array *b, bool upper, bool unit, bool trans) {
    return ax_linalg_solve_triangular(ctx, a, b, upper, unit, trans);
}
static ax_array *scal(ax_ctx *ctx, double v, const ax_array *like) { return ax__rule_scalar(ctx, v, like); }
static int64_t rows(const ax_array *a) { return a->shape[a->ndim - 2]; }
static int64_t cols(const ax_array *a) { return a->shape[a->ndim - 1]; }
static ax_array *eye(ax_ctx *ctx, int64_t n, const ax_array *like) {
    return ax_eye(ctx, n, n, 0, like->dtype);
}
/* diagonal of the last two axes (..., n, n) -> (..., n) */
static ax_array *diag_of(ax_ctx *ctx, ax_array *x) {
    int last = -1;
    return ax_sum(ctx, ax_multiply(ctx, x, eye(ctx, cols(x), x)), &last, 1, false);
}
/* (..., n) -> (..., n, n) diagonal matrices */
static ax_array *diag_embed(ax_ctx *ctx, ax_array *v) {
    int ax = -2;
    return ax_multiply(ctx, eye(ctx, cols(v) /* n */, v), ax_expand_dims(ctx, v, &ax, 1));
}
static ax_array *row_of(ax_ctx *ctx, ax_array *v) { /* (..., k) -> (..., 1, k) */
    int ax = -2;
    return ax_expand_dims(ctx, v, &ax, 1);
}
static ax_array *col_of(ax_ctx *ctx, ax_array *v) { /* (..., k) -> (..., k, 1) */
    int ax = -1;
    return ax_expand_dims(ctx, v, &ax, 1);
}
static ax_array *squeeze_last(ax_ctx *ctx, ax_array *v) {
    int ax = -1;
    return ax_squeeze(ctx, v, &ax, 1);
}
/* The symmetric matrix read from one triangle, applied to a tangent, and its
 * transpose (applied to a cotangent). */
static ax_array *sym_tri(ax_ctx *ctx, ax_array *d, bool upper) {
    return ax_add(ctx, tri(ctx, d, upper, 0), mT(ctx, tri(ctx, d, upper, upper ? 1 : -1)));
}
static ax_array *sym_tri_t(ax_ctx *ctx, ax_array *c, bool upper) {
    return ax_add(ctx, tri(ctx, c, upper, 0), tri(ctx, mT(ctx, c), upper, upper ? 1 : -1));
}
/* x A^-1 for triangular A (upper/lower, the kernel's triangle) */
static ax_array *rsolve_tri(ax_ctx *ctx, ax_array *x, ax_array *a, bool upper, bool unit, bool trans) {
    return mT(ctx, trisolve(ctx, a, mT(ctx, x), upper, unit, !trans));
}
/* Pad the last two axes of x with zeros: (before/after rows, before/after cols). */
static ax_array *pad2(ax_ctx *ctx, ax_array *x, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    if (!x || (!r0 && !r1 && !c0 && !c1)) return x;
    int64_t pw[2 * AX_MAX_NDIM] = {0};
    int nd = x->ndim;
    pw[2 * (nd - 2)] = r0, pw[2 * (nd - 2) + 1] = r1;
    pw[2 * (nd - 1)] = c0, pw[2 * (nd - 1) + 1] = c1;
    return ax_pad(ctx, x, pw, AX_PAD_CONSTANT, 0.0);
}
static ax_status unsupported(ax_ctx *ctx, const char *msg) {
    return ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s", msg);
}

/* ---------------------------------------------------------------- cholesky */

/* L^-1 x (tl = false) or L^-T x (tl = true) where L = out (lower) or out^T
 * (upper: out is U = L^T, its upper triangle read). */
static ax_array *linv(ax_ctx *ctx, ax_array *f, bool upper, ax_array *x, bool tl) {
    return trisolve(ctx, f, x, upper, false, upper != tl);
}

static ax_status cholesky_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    bool up = p->upper;
    ax_array *f = outs[0], *L = up ? mT(ctx, f) : f;
    ax_array *S = sym_tri(ctx, tans[0], up);
    ax_array *W = linv(ctx, f, up, S, false);                    /* L^-1 S */
    ax_array *X = mT(ctx, linv(ctx, f, up, mT(ctx, W), false));  /* L^-1 S L^-T */
    ax_array *Y = ax_multiply(ctx, ax_add(ctx, ax_tril(ctx, X, 0), ax_tril(ctx, X, -1)), scal(ctx, 0.5, X));
    ax_array *dL = mm(ctx, L, Y);
    out_tans[0] = up ? mT(ctx, dL) : dL;
    return ctx->status;
}

static ax_status cholesky_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_linalg_params *p = node->params;
    bool up = p->upper;
    ax_array *f = outs[0], *L = up ? mT(ctx, f) : f;
    ax_array *cL = up ? mT(ctx, cts[0]) : cts[0];
    ax_array *cY = mm(ctx, mT(ctx, L), cL);
    ax_array *cX = ax_multiply(ctx, ax_add(ctx, ax_tril(ctx, cY, 0), ax_tril(ctx, cY, -1)), scal(ctx, 0.5, cY));
    ax_array *W = linv(ctx, f, up, cX, true);                    /* L^-T cX */
    ax_array *cS = mT(ctx, linv(ctx, f, up, mT(ctx, W), true));  /* L^-T cX L^-1 */
    grads[0] = sym_tri_t(ctx, cS, up);
    return ctx->status;
}

/* cholesky_inv: B = L^-T L^-1 with L the factor's triangle (transposed when upper). */
static ax_status cholesky_inv_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                                  ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    bool up = p->upper;
    ax_array *f = node->inputs[0], *B = outs[0];
    ax_array *t = tri(ctx, tans[0], up, 0);
    ax_array *dL = up ? mT(ctx, t) : t;
    ax_array *dLLi = mT(ctx, linv(ctx, f, up, mT(ctx, dL), true)); /* dL L^-1 */
    ax_array *K = mm(ctx, B, dLLi);
    out_tans[0] = ax_negative(ctx, ax_add(ctx, K, mT(ctx, K)));
    return ctx->status;
}

static ax_status cholesky_inv_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                                  ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_linalg_params *p = node->params;
    bool up = p->upper;
    ax_array *f = node->inputs[0], *B = outs[0];
    ax_array *S = ax_add(ctx, cts[0], mT(ctx, cts[0]));
    ax_array *cL = ax_negative(ctx, mT(ctx, linv(ctx, f, up, mm(ctx, S, B), false))); /* -(L^-1 S B)^T */
    grads[0] = up ? ax_triu(ctx, mT(ctx, cL), 0) : ax_tril(ctx, cL, 0);
    return ctx->status;
}

/* ---------------------------------------------------------------- inv, solve */

static ax_status inv_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    (void)node;
    ax_array *B = outs[0];
    out_tans[0] = ax_negative(ctx, mm(ctx, mm(ctx, B, tans[0]), B));
    return ctx->status;
}

static ax_status inv_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)node, (void)need;
    ax_array *Bt = mT(ctx, outs[0]);
    grads[0] = ax_negative(ctx, mm(ctx, mm(ctx, Bt, cts[0]), Bt));
    return ctx->status;
}

/* b and x as (..., n, k) matrices (a vector b is a column) and back. */
static ax_array *as_mat(ax_ctx *ctx, ax_array *v, bool vec) { return vec && v ? col_of(ctx, v) : v; }
static ax_array *from_mat(ax_ctx *ctx, ax_array *v, bool vec) { return vec && v ? squeeze_last(ctx, v) : v; }

/* the matrix solve and solve_triangular apply: op(tri(A)) (A for solve) */
static ax_array *solve_mask(ax_ctx *ctx, const ax_node *node, ax_array *d) {
    const ax_linalg_params *p = node->params;
    if (node->op == AX_OP_LINALG_SOLVE) return d;
    return tri(ctx, d, p->upper, p->upper ? (p->unit ? 1 : 0) : (p->unit ? -1 : 0));
}
static ax_array *solve_with(ax_ctx *ctx, const ax_node *node, ax_array *b, bool transpose) {
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    if (node->op == AX_OP_LINALG_SOLVE) return ax_linalg_solve(ctx, transpose ? mT(ctx, a) : a, b);
    return trisolve(ctx, a, b, p->upper, p->unit, (p->trans != 0) != transpose);
}

static ax_status solve_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    bool vec = p->bvec;
    ax_array *rhs = as_mat(ctx, tans[1], vec);
    if (tans[0]) {
        ax_array *dA = solve_mask(ctx, node, tans[0]);
        if (node->op == AX_OP_LINALG_SOLVE_TRI && p->trans) dA = mT(ctx, dA);
        ax_array *t = mm(ctx, dA, as_mat(ctx, outs[0], vec));
        rhs = rhs ? ax_subtract(ctx, rhs, t) : ax_negative(ctx, t);
    }
    out_tans[0] = from_mat(ctx, solve_with(ctx, node, rhs, false), vec);
    return ctx->status;
}

static ax_status solve_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                           ax_array *const *cts, const bool *need, ax_array **grads) {
    const ax_linalg_params *p = node->params;
    bool vec = p->bvec;
    ax_array *cb = solve_with(ctx, node, as_mat(ctx, cts[0], vec), true);
    if (need[1]) grads[1] = from_mat(ctx, cb, vec);
    if (need[0]) {
        ax_array *c = ax_negative(ctx, mm(ctx, cb, mT(ctx, as_mat(ctx, outs[0], vec))));
        if (node->op == AX_OP_LINALG_SOLVE_TRI && p->trans) c = mT(ctx, c);
        grads[0] = solve_mask(ctx, node, c);
    }
    return ctx->status;
}

/* ---------------------------------------------------------------- qr */

/* Q, R (recomputed if freed); m < n is handled by the caller as
 * A = [X | Y] with X square. */
static ax_status qr_factors(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, ax_array **q,
                            ax_array **r) {
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    if (p->full && rows(a) > cols(a))
        return unsupported(ctx, "qr: derivatives of complete QR of a tall (m > n) matrix are not "
                                "defined (the extra columns of Q are not unique); use the reduced "
                                "QR, as in JAX");
    *q = outs[0], *r = outs[1];
    if (!*q || !*r) return ax_linalg_qr(ctx, a, p->full, q, r);
    return ctx->status;
}

/* columns [c0, c1) of the last axis */
static ax_array *cols_of(ax_ctx *ctx, ax_array *x, int64_t c0, int64_t c1) {
    return x ? ax_slice_axis(ctx, x, x->ndim - 1, c0, c1, 1) : NULL;
}

/* jvp of A = QR for m >= n (R square) */
static void qr_sq_jvp(ax_ctx *ctx, ax_array *Q, ax_array *R, ax_array *dA, ax_array **dQ, ax_array **dR) {
    ax_array *Z = rsolve_tri(ctx, dA, R, true, false, false); /* dA R^-1 */
    ax_array *C = mm(ctx, mT(ctx, Q), Z);
    ax_array *lo = ax_tril(ctx, C, -1), *O = ax_subtract(ctx, lo, mT(ctx, lo));
    *dQ = ax_add(ctx, mm(ctx, Q, ax_subtract(ctx, O, C)), Z);
    *dR = mm(ctx, ax_subtract(ctx, C, O), R);
}

/* its transpose: (cQ, cR) -> cA (either may be NULL) */
static ax_array *qr_sq_vjp(ax_ctx *ctx, ax_array *Q, ax_array *R, ax_array *cQ, ax_array *cR) {
    ax_array *D = NULL; /* c(C - O) - c(O - C) before the skew part */
    if (cR) D = mm(ctx, cR, mT(ctx, R));
    if (cQ) {
        ax_array *g2 = mm(ctx, mT(ctx, Q), cQ);
        D = D ? ax_subtract(ctx, D, g2) : ax_negative(ctx, g2);
    }
    if (!D) return NULL;
    ax_array *cC = ax_add(ctx, D, ax_tril(ctx, ax_subtract(ctx, mT(ctx, D), D), -1));
    ax_array *cZ = ax__rule_add(ctx, cQ, mm(ctx, Q, cC));
    return mT(ctx, trisolve(ctx, R, mT(ctx, cZ), true, false, false)); /* cZ R^-T */
}

/* Wide A (m < n) = [X | Y], X m x m: Q R1 = X, R2 = Q^T Y, so
 * dR2 = dQ^T Y + Q^T dY and the rest is the square rule on X. */
static ax_status qr_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *tans, ax_array **out_tans) {
    ax_array *Q, *R, *a = node->inputs[0], *dA = tans[0];
    if (qr_factors(ctx, node, outs, &Q, &R) != AX_OK) return ctx->status;
    int64_t m = rows(a), n = cols(a);
    if (m >= n) {
        qr_sq_jvp(ctx, Q, R, dA, &out_tans[0], &out_tans[1]);
        return ctx->status;
    }
    ax_array *dQ, *dR1;
    qr_sq_jvp(ctx, Q, cols_of(ctx, R, 0, m), cols_of(ctx, dA, 0, m), &dQ, &dR1);
    ax_array *dR2 = ax_add(ctx, mm(ctx, mT(ctx, dQ), cols_of(ctx, a, m, n)),
                           mm(ctx, mT(ctx, Q), cols_of(ctx, dA, m, n)));
    ax_array *parts[2] = {dR1, dR2};
    out_tans[0] = dQ;
    out_tans[1] = dR1 && dR2 ? ax_concatenate(ctx, parts, 2, -1) : NULL;
    return ctx->status;
}

static ax_status qr_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    ax_array *Q, *R, *a = node->inputs[0];
    if (qr_factors(ctx, node, outs, &Q, &R) != AX_OK) return ctx->status;
    int64_t m = rows(a), n = cols(a);
    if (m >= n) {
        grads[0] = qr_sq_vjp(ctx, Q, R, cts[0], cts[1]);
        return ctx->status;
    }
    ax_array *cR1 = cols_of(ctx, cts[1], 0, m), *cR2 = cols_of(ctx, cts[1], m, n);
    ax_array *cQ = cts[0], *cY;
    if (cR2) {
        cQ = ax__rule_add(ctx, cQ, mm(ctx, cols_of(ctx, a, m, n), mT(ctx, cR2)));
        cY = mm(ctx, Q, cR2);
    } else { /* only Q's cotangent: Y does not reach Q */
        int64_t shape[AX_MAX_NDIM];
        for (int d = 0; d < a->ndim; d++) shape[d] = a->shape[d];
        shape[a->ndim - 1] = n - m;
        cY = ax_zeros(ctx, shape, a->ndim, a->dtype);
    }
    ax_array *cX = qr_sq_vjp(ctx, Q, cols_of(ctx, R, 0, m), cQ, cR1);
    if (!cX) cX = ax__rule_zeros_like(ctx, cols_of(ctx, a, 0, m));
    ax_array *parts[2] = {cX, cY};
    grads[0] = cX && cY ? ax_concatenate(ctx, parts, 2, -1) : NULL;
    return ctx->status;
}

/* ---------------------------------------------------------------- svd */

typedef struct svd_f {
    ax_array *U, *s, *Vh, *V, *srow, *scol, *F;
} svd_f;

static ax_status svd_factors(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, svd_f *f) {
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    if (p->vectors && p->full && rows(a) != cols(a))
        return unsupported(ctx, "svd: derivatives of full_matrices=true singular vectors of a "
                                "non-square matrix are not defined (the extra columns are not "
                                "unique); use full_matrices=false, as in JAX");
    if (p->vectors && outs[0] && outs[1] && outs[2]) {
        f->U = outs[0], f->s = outs[1], f->Vh = outs[2];
    } else if (ax_linalg_svd(ctx, a, false, true, &f->U, &f->s, &f->Vh) != AX_OK) {
        return ctx->status;
    }
    f->V = mT(ctx, f->Vh);
    f->srow = row_of(ctx, f->s);
    f->scol = col_of(ctx, f->s);
    if (p->vectors) {
        /* F_ij = 1 / (s_j^2 - s_i^2), 0 where the difference is 0 (the diagonal) */
        ax_array *diff = ax_multiply(ctx, ax_add(ctx, f->srow, f->scol), ax_subtract(ctx, f->srow, f->scol));
        ax_array *z = ax_astype(ctx, ax_equal(ctx, diff, scal(ctx, 0, diff)), a->dtype);
        f->F = ax_subtract(ctx, ax_reciprocal(ctx, ax_add(ctx, diff, z)), z);
    }
    return ctx->status;
}

static ax_status svd_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    ax_array *dA = tans[0], *a = node->inputs[0];
    svd_f f;
    if (svd_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *K = mm(ctx, mm(ctx, mT(ctx, f.U), dA), f.V);
    ax_array *ds = diag_of(ctx, K);
    if (!p->vectors) {
        out_tans[0] = ds;
        return ctx->status;
    }
    ax_array *KS = ax_multiply(ctx, K, f.srow), *SK = ax_multiply(ctx, f.scol, K);
    ax_array *dU = mm(ctx, f.U, ax_multiply(ctx, f.F, ax_add(ctx, KS, mT(ctx, KS))));
    ax_array *dV = mm(ctx, f.V, ax_multiply(ctx, f.F, ax_add(ctx, SK, mT(ctx, SK))));
    if (rows(a) > cols(a)) {
        ax_array *dAV = mm(ctx, dA, f.V);
        ax_array *proj = ax_subtract(ctx, dAV, mm(ctx, f.U, mm(ctx, mT(ctx, f.U), dAV)));
        dU = ax_add(ctx, dU, ax_divide(ctx, proj, f.srow));
    }
    if (cols(a) > rows(a)) {
        ax_array *dAU = mm(ctx, mT(ctx, dA), f.U);
        ax_array *proj = ax_subtract(ctx, dAU, mm(ctx, f.V, mm(ctx, f.Vh, dAU)));
        dV = ax_add(ctx, dV, ax_divide(ctx, proj, f.srow));
    }
    out_tans[0] = dU;
    out_tans[1] = ds;
    out_tans[2] = mT(ctx, dV);
    return ctx->status;
}

static ax_status svd_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    svd_f f;
    if (svd_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *cs = p->vectors ? cts[1] : cts[0];
    ax_array *cU = p->vectors ? cts[0] : NULL, *cVh = p->vectors ? cts[2] : NULL;
    ax_array *cK = cs ? diag_embed(ctx, cs) : NULL, *cA = NULL;
    if (cU) {
        ax_array *cY = ax_multiply(ctx, f.F, mm(ctx, mT(ctx, f.U), cU));
        cK = ax__rule_add(ctx, cK, ax_multiply(ctx, ax_add(ctx, cY, mT(ctx, cY)), f.srow));
    }
    ax_array *cV = cVh ? mT(ctx, cVh) : NULL;
    if (cV) {
        ax_array *cY = ax_multiply(ctx, f.F, mm(ctx, f.Vh, cV));
        cK = ax__rule_add(ctx, cK, ax_multiply(ctx, f.scol, ax_add(ctx, cY, mT(ctx, cY))));
    }
    if (cK) cA = mm(ctx, mm(ctx, f.U, cK), f.Vh);
    if (cU && rows(a) > cols(a)) {
        ax_array *proj = ax_subtract(ctx, cU, mm(ctx, f.U, mm(ctx, mT(ctx, f.U), cU)));
        cA = ax__rule_add(ctx, cA, mm(ctx, ax_divide(ctx, proj, f.srow), f.Vh));
    }
    if (cV && cols(a) > rows(a)) {
        ax_array *proj = ax_subtract(ctx, cV, mm(ctx, f.V, mm(ctx, f.Vh, cV)));
        cA = ax__rule_add(ctx, cA, mm(ctx, f.U, mT(ctx, ax_divide(ctx, proj, f.srow))));
    }
    grads[0] = cA;
    return ctx->status;
}

/* ---------------------------------------------------------------- eigh */

typedef struct eigh_f {
    ax_array *w, *V, *F;
} eigh_f;

static ax_status eigh_factors(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, eigh_f *f) {
    const ax_linalg_params *p = node->params;
    ax_array *a = node->inputs[0];
    if (p->vectors && outs[0] && outs[1]) {
        f->w = outs[0], f->V = outs[1];
    } else if (ax_linalg_eigh(ctx, a, p->upper, &f->w, &f->V) != AX_OK) {
        return ctx->status;
    }
    /* F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (JAX's construction) */
    ax_array *I = eye(ctx, cols(a), a);
    ax_array *diff = ax_subtract(ctx, row_of(ctx, f->w), col_of(ctx, f->w));
    f->F = ax_subtract(ctx, ax_reciprocal(ctx, ax_add(ctx, diff, I)), I);
    return ctx->status;
}

static ax_status eigh_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    eigh_f f;
    if (eigh_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *K = mm(ctx, mm(ctx, mT(ctx, f.V), sym_tri(ctx, tans[0], p->upper)), f.V);
    out_tans[0] = diag_of(ctx, K);
    if (p->vectors) out_tans[1] = mm(ctx, f.V, ax_multiply(ctx, f.F, K));
    return ctx->status;
}

static ax_status eigh_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                          ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_linalg_params *p = node->params;
    eigh_f f;
    if (eigh_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *cK = cts[0] ? diag_embed(ctx, cts[0]) : NULL;
    if (p->vectors && cts[1])
        cK = ax__rule_add(ctx, cK, ax_multiply(ctx, f.F, mm(ctx, mT(ctx, f.V), cts[1])));
    ax_array *cS = mm(ctx, mm(ctx, f.V, cK), mT(ctx, f.V));
    grads[0] = sym_tri_t(ctx, cS, p->upper);
    return ctx->status;
}

/* ---------------------------------------------------------------- lu, lu_factor */

typedef struct lu_f {
    ax_array *P, *Lp, *Up; /* P (m x m), unit lower Lp (m x m), upper Up (n x n) */
    int64_t m, n, k;
} lu_f;

static ax_status lu_factors(ax_ctx *ctx, const ax_node *node, ax_array *const *outs, lu_f *f) {
    ax_array *a = node->inputs[0], *P, *L, *U;
    f->m = rows(a), f->n = cols(a), f->k = f->m < f->n ? f->m : f->n;
    if (node->op == AX_OP_LINALG_LU && outs[0] && outs[1] && outs[2]) {
        P = outs[0], L = outs[1], U = outs[2];
    } else if (ax_linalg_lu(ctx, a, &P, &L, &U) != AX_OK) {
        return ctx->status;
    }
    int64_t m = f->m, n = f->n, k = f->k;
    f->P = P;
    f->Lp = L, f->Up = U;
    if (m > k) /* [L | (0; I)] */
        f->Lp = ax_add(ctx, pad2(ctx, L, 0, 0, 0, m - k), pad2(ctx, eye(ctx, m - k, a), k, 0, k, 0));
    if (n > k) /* [U; (0 I)] */
        f->Up = ax_add(ctx, pad2(ctx, U, 0, n - k, 0, 0), pad2(ctx, eye(ctx, n - k, a), k, 0, k, 0));
    return ctx->status;
}

/* dA -> (ld, ud), both m x n: ld = Lp tril(X, -1), ud = triu(X) Up with
 * X = Lp^-1 P^T dA Up^-1. */
static void lu_core_jvp(ax_ctx *ctx, const lu_f *f, ax_array *dA, ax_array **ld, ax_array **ud) {
    ax_array *W = trisolve(ctx, f->Lp, mm(ctx, mT(ctx, f->P), dA), false, true, false);
    ax_array *X = rsolve_tri(ctx, W, f->Up, true, false, false);
    *ld = mm(ctx, f->Lp, ax_tril(ctx, X, -1));
    *ud = mm(ctx, ax_triu(ctx, X, 0), f->Up);
}

/* transpose: (cld, cud) -> cA */
static ax_array *lu_core_vjp(ax_ctx *ctx, const lu_f *f, ax_array *cld, ax_array *cud) {
    ax_array *cX = NULL;
    if (cld) cX = ax_tril(ctx, mm(ctx, mT(ctx, f->Lp), cld), -1);
    if (cud) cX = ax__rule_add(ctx, cX, ax_triu(ctx, mm(ctx, cud, mT(ctx, f->Up)), 0));
    if (!cX) return NULL;
    ax_array *cW = mT(ctx, trisolve(ctx, f->Up, mT(ctx, cX), true, false, false)); /* cX Up^-T */
    ax_array *cG = trisolve(ctx, f->Lp, cW, false, true, true);                      /* Lp^-T cW */
    return mm(ctx, f->P, cG);
}

static ax_status lu_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *tans, ax_array **out_tans) {
    lu_f f;
    if (lu_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *ld, *ud;
    lu_core_jvp(ctx, &f, tans[0], &ld, &ud);
    ax_array *dl = ax_tril(ctx, ld, -1), *du = ax_triu(ctx, ud, 0);
    if (node->op == AX_OP_LINALG_LU_FACTOR) {
        out_tans[0] = ax_add(ctx, dl, du);
    } else { /* P has zero derivative */
        out_tans[1] = f.n > f.k ? ax_slice_axis(ctx, dl, dl ? dl->ndim - 1 : 0, 0, f.k, 1) : dl;
        out_tans[2] = f.m > f.k ? ax_slice_axis(ctx, du, du ? du->ndim - 2 : 0, 0, f.k, 1) : du;
    }
    return ctx->status;
}

static ax_status lu_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                        ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    lu_f f;
    if (lu_factors(ctx, node, outs, &f) != AX_OK) return ctx->status;
    ax_array *cld, *cud;
    if (node->op == AX_OP_LINALG_LU_FACTOR) {
        cld = cud = cts[0];
    } else { /* the cotangent of P is ignored (zero derivative) */
        cld = cts[1] ? pad2(ctx, cts[1], 0, 0, 0, f.n - f.k) : NULL;
        cud = cts[2] ? pad2(ctx, cts[2], 0, f.m - f.k, 0, 0) : NULL;
    }
    grads[0] = lu_core_vjp(ctx, &f, cld, cud);
    return ctx->status;
}

/* ---------------------------------------------------------------- det, slogdet */

/* tr(A^-1 dA) over the last two axes */
static ax_array *tr_solve(ax_ctx *ctx, ax_array *a, ax_array *d) {
    int last = -1;
    return ax_sum(ctx, diag_of(ctx, ax_linalg_solve(ctx, a, d)), &last, 1, false);
}

static ax_status det_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *tans, ax_array **out_tans) {
    const ax_linalg_params *p = node->params;
    ax_array *t = tr_solve(ctx, node->inputs[0], tans[0]);
    if (p->vectors) out_tans[1] = t; /* slogdet: the sign has zero derivative */
    else out_tans[0] = ax_multiply(ctx, outs[0], t);
    return ctx->status;
}

static ax_status det_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                         ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)need;
    const ax_linalg_params *p = node->params;
    ax_array *c = p->vectors ? cts[1] : ax_multiply(ctx, cts[0], outs[0]);
    if (!c) return ctx->status; /* only the sign's cotangent: zero */
    int ax2[2] = {-1, -1};
    ax_array *c2 = ax_expand_dims(ctx, ax_expand_dims(ctx, c, &ax2[0], 1), &ax2[1], 1);
    grads[0] = ax_multiply(ctx, c2, mT(ctx, ax_linalg_inv(ctx, node->inputs[0])));
    return ctx->status;
}

void ax__rules_register_linalg(ax_rule *t) {
    t[AX_OP_LINALG_CHOLESKY] = (ax_rule){cholesky_vjp, cholesky_jvp, NULL, 0};
    t[AX_OP_LINALG_CHOLESKY_INV] = (ax_rule){cholesky_inv_vjp, cholesky_inv_jvp, NULL, 0};
    t[AX_OP_LINALG_INV] = (ax_rule){inv_vjp, inv_jvp, NULL, 0};
    t[AX_OP_LINALG_SOLVE] = (ax_rule){solve_vjp, solve_jvp, NULL, 0};
    t[AX_OP_LINALG_SOLVE_TRI] = (ax_rule){solve_vjp, solve_jvp, NULL, 0};
    t[AX_OP_LINALG_QR] = (ax_rule){qr_vjp, qr_jvp, NULL, 0};
    t[AX_OP_LINALG_SVD] = (ax_rule){svd_vjp, svd_jvp, NULL, 0};
    t[AX_OP_LINALG_EIGH] = (ax_rule){eigh_vjp, eigh_jvp, NULL, 0};
    t[AX_OP_LINALG_LU] = (ax_rule){lu_vjp, lu_jvp, NULL, 0};
    t[AX_OP_LINALG_LU_FACTOR] = (ax_rule){lu_vjp, lu_jvp, NULL, 0};
    t[AX_OP_LINALG_DET] = (ax_rule){det_vjp, det_jvp, NULL, 0};
}
