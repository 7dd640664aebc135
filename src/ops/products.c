/* Products: matmul and addmm (primitives), inner, outer, tensordot
 * (composites over matmul, transpose and reshape). */
#include "core/internal.h"
#include "ops/products.h"

#define MM_MAX_DIM 64

#define SHAPE_OF(a) AX_SHAPE(a)

/* The promoted dtype of the operands; products need a float or complex one
 * (as MLX: integer and bool products are refused, cast first). */
static bool product_dtype(ax_ctx *ctx, const char *op, ax_array *const *ins, int n, ax_dtype *out) {
    ax_dtype dt = ax__result_type(ins, n, NULL);
    if (ax_dtype_is_inexact(dt)) {
        *out = dt;
        return true;
    }
    if (n == 2)
        ax__error(ctx, AX_ERR_DTYPE,
                  "%s: integer and bool operands are not supported (got %s and %s); cast them to a "
                  "floating dtype first",
                  op, ax_dtype_name(ins[0]->dtype), ax_dtype_name(ins[1]->dtype));
    else
        ax__error(ctx, AX_ERR_DTYPE,
                  "%s: integer and bool operands are not supported (got %s, %s and %s); cast them "
                  "to a floating dtype first",
                  op, ax_dtype_name(ins[0]->dtype), ax_dtype_name(ins[1]->dtype),
                  ax_dtype_name(ins[2]->dtype));
    return false;
}

static ax_array *cast_to(ax_ctx *ctx, ax_array *a, ax_dtype dt) {
    return a->dtype == dt ? a : ax_astype(ctx, a, dt);
}

/* NumPy matmul output shape of a @ b; errors name op and both shapes. */
static bool matmul_shape(ax_ctx *ctx, const char *op, const ax_array *a, const ax_array *b,
                         int64_t *out, int *nout) {
    if (a->ndim == 0 || b->ndim == 0) {
        ax__error(ctx, AX_ERR_SHAPE,
                  "%s: operands must have at least 1 dimension (shapes %s and %s); use multiply "
                  "for scalars",
                  op, SHAPE_OF(a), SHAPE_OF(b));
        return false;
    }
    if (a->ndim > MM_MAX_DIM || b->ndim > MM_MAX_DIM) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: more than %d dimensions (shapes %s and %s)", op,
                  MM_MAX_DIM, SHAPE_OF(a), SHAPE_OF(b));
        return false;
    }
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (ka != kb) {
        ax__error(ctx, AX_ERR_SHAPE,
                  "%s: shapes %s and %s are not aligned: the last dimension of a (%lld) differs "
                  "from the %s dimension of b (%lld)",
                  op, SHAPE_OF(a), SHAPE_OF(b), (long long)ka,
                  b->ndim == 1 ? "only" : "second-to-last", (long long)kb);
        return false;
    }
    int na = a->ndim > 2 ? a->ndim - 2 : 0, nb = b->ndim > 2 ? b->ndim - 2 : 0;
    int n = na > nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int64_t da = i < n - na ? 1 : a->shape[i - (n - na)];
        int64_t db = i < n - nb ? 1 : b->shape[i - (n - nb)];
        if (da != db && da != 1 && db != 1) {
            ax__error(ctx, AX_ERR_SHAPE,
                      "%s: batch dimensions of shapes %s and %s cannot be broadcast together", op,
                      SHAPE_OF(a), SHAPE_OF(b));
            return false;
        }
        out[i] = da == 1 ? db : da;
    }
    if (a->ndim >= 2) out[n++] = a->shape[a->ndim - 2];
    if (b->ndim >= 2) out[n++] = b->shape[b->ndim - 1];
    *nout = n;
    return true;
}

ax_array *ax_matmul(ax_ctx *ctx, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    int64_t shape[MM_MAX_DIM];
    int nd;
    ax_dtype dt;
    if (!matmul_shape(ctx, "matmul", a, b, shape, &nd)) return NULL;
    ax_array *ins[2] = {a, b};
    if (!product_dtype(ctx, "matmul", ins, 2, &dt)) return NULL;
    ins[0] = cast_to(ctx, a, dt);
    ins[1] = cast_to(ctx, b, dt);
    if (!ins[0] || !ins[1]) return NULL;
    return ax__make_op(ctx, AX_OP_MATMUL, ins, 2, NULL, 0, dt, shape, nd);
}

ax_array *ax_addmm(ax_ctx *ctx, ax_array *c, ax_array *a, ax_array *b, double alpha, double beta) {
    AX_CHECK_IN(ctx, c);
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    int64_t shape[MM_MAX_DIM];
    int nd;
    ax_dtype dt;
    if (!matmul_shape(ctx, "addmm", a, b, shape, &nd)) return NULL;
    bool fits = c->ndim <= nd;
    for (int i = 0; fits && i < c->ndim; i++) {
        int64_t dc = c->shape[c->ndim - 1 - i];
        fits = dc == 1 || dc == shape[nd - 1 - i];
    }
    if (!fits)
        return ax__error(ctx, AX_ERR_SHAPE,
                         "addmm: c of shape %s cannot be broadcast to the shape %s of a @ b (a %s, "
                         "b %s)",
                         SHAPE_OF(c),
                         ax__shape_str(shape, nd, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                         SHAPE_OF(a), SHAPE_OF(b));
    ax_array *ins[3] = {c, a, b};
    if (!product_dtype(ctx, "addmm", ins, 3, &dt)) return NULL;
    for (int i = 0; i < 3; i++)
        if (!(ins[i] = cast_to(ctx, ins[i], dt))) return NULL;
    ax_addmm_params p;
    memset(&p, 0, sizeof p);
    p.alpha = alpha;
    p.beta = beta;
    return ax__make_op(ctx, AX_OP_ADDMM, ins, 3, &p, sizeof p, dt, shape, nd);
}

/* ---------------------------------------------------------------- tensordot */

ax_array *ax_tensordot(ax_ctx *ctx, ax_array *a, ax_array *b, const int *axes_a, const int *axes_b,
                       int n) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (n < 0) return ax__error(ctx, AX_ERR_VALUE, "tensordot: negative number of axes %d", n);
    if (n > 0 && (!axes_a || !axes_b))
        return ax__error(ctx, AX_ERR_NULL, "tensordot: axes are NULL but n is %d", n);
    if (a->ndim > MM_MAX_DIM || b->ndim > MM_MAX_DIM)
        return ax__error(ctx, AX_ERR_SHAPE, "tensordot: more than %d dimensions (shapes %s and %s)",
                         MM_MAX_DIM, SHAPE_OF(a), SHAPE_OF(b));
    if (n > a->ndim || n > b->ndim)
        return ax__error(ctx, AX_ERR_AXIS, "tensordot: %d contracted axes but shapes %s and %s", n,
                         SHAPE_OF(a), SHAPE_OF(b));
    ax_dtype dt;
    ax_array *ins[2] = {a, b};
    if (!product_dtype(ctx, "tensordot", ins, 2, &dt)) return NULL;
    bool used_a[MM_MAX_DIM] = {false}, used_b[MM_MAX_DIM] = {false};
    int perm_a[MM_MAX_DIM], perm_b[MM_MAX_DIM];
    int64_t out_shape[2 * MM_MAX_DIM];
    int64_t k = 1, pa = 1, pb = 1;
    for (int i = 0; i < n; i++) {
        int xa, xb;
        if (!ax__norm_axis(ctx, "tensordot", axes_a[i], a->ndim, &xa) ||
            !ax__norm_axis(ctx, "tensordot", axes_b[i], b->ndim, &xb))
            return NULL;
        if (used_a[xa] || used_b[xb])
            return ax__error(ctx, AX_ERR_AXIS, "tensordot: axis %d of a or %d of b is repeated",
                             axes_a[i], axes_b[i]);
        used_a[xa] = used_b[xb] = true;
        if (a->shape[xa] != b->shape[xb])
            return ax__error(ctx, AX_ERR_SHAPE,
                             "tensordot: axis %d of a (size %lld) and axis %d of b (size %lld) "
                             "differ (shapes %s and %s)",
                             axes_a[i], (long long)a->shape[xa], axes_b[i], (long long)b->shape[xb],
                             SHAPE_OF(a), SHAPE_OF(b));
        perm_a[a->ndim - n + i] = xa;
        perm_b[i] = xb;
        k *= a->shape[xa];
    }
    int nout = 0;
    for (int d = 0, j = 0; d < a->ndim; d++)
        if (!used_a[d]) {
            perm_a[j++] = d;
            out_shape[nout++] = a->shape[d];
            pa *= a->shape[d];
        }
    for (int d = 0, j = n; d < b->ndim; d++)
        if (!used_b[d]) {
            perm_b[j++] = d;
            out_shape[nout++] = b->shape[d];
            pb *= b->shape[d];
        }
    ax_array *at = ax_transpose(ctx, a, perm_a, a->ndim);
    ax_array *bt = ax_transpose(ctx, b, perm_b, b->ndim);
    ax_array *a2 = ax_reshape(ctx, at, (int64_t[]){pa, k}, 2);
    ax_array *b2 = ax_reshape(ctx, bt, (int64_t[]){k, pb}, 2);
    return ax_reshape(ctx, ax_matmul(ctx, a2, b2), out_shape, nout);
}

ax_array *ax_tensordot_n(ax_ctx *ctx, ax_array *a, ax_array *b, int n) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (n < 0) return ax__error(ctx, AX_ERR_VALUE, "tensordot: negative number of axes %d", n);
    if (n > a->ndim || n > b->ndim)
        return ax__error(ctx, AX_ERR_AXIS, "tensordot: cannot contract %d axes of shapes %s and %s",
                         n, SHAPE_OF(a), SHAPE_OF(b));
    int axes_a[MM_MAX_DIM], axes_b[MM_MAX_DIM];
    if (n > MM_MAX_DIM)
        return ax__error(ctx, AX_ERR_SHAPE, "tensordot: more than %d dimensions", MM_MAX_DIM);
    for (int i = 0; i < n; i++) {
        axes_a[i] = a->ndim - n + i;
        axes_b[i] = i;
    }
    return ax_tensordot(ctx, a, b, axes_a, axes_b, n);
}

ax_array *ax_inner(ax_ctx *ctx, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    if (a->ndim == 0 || b->ndim == 0) return ax_multiply(ctx, a, b);
    if (a->shape[a->ndim - 1] != b->shape[b->ndim - 1])
        return ax__error(ctx, AX_ERR_SHAPE,
                         "inner: shapes %s and %s have different last dimensions", SHAPE_OF(a),
                         SHAPE_OF(b));
    ax_dtype dt;
    ax_array *ins[2] = {a, b};
    if (!product_dtype(ctx, "inner", ins, 2, &dt)) return NULL;
    return ax_tensordot(ctx, a, b, (int[]){-1}, (int[]){-1}, 1);
}

/* a.ravel()[:, None] * b.ravel()[None, :]: exact, and any dtype (as NumPy). */
ax_array *ax_outer(ax_ctx *ctx, ax_array *a, ax_array *b) {
    AX_CHECK_IN(ctx, a);
    AX_CHECK_IN(ctx, b);
    ax_array *a2 = ax_reshape(ctx, a, (int64_t[]){a->size, 1}, 2);
    ax_array *b2 = ax_reshape(ctx, b, (int64_t[]){1, b->size}, 2);
    return ax_multiply(ctx, a2, b2);
}
