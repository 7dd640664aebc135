/* NumPy semantics: broadcasting result shapes (and failures), reductions with
 * axes/keepdims/ddof on seeded float64 data, slicing with negative steps and
 * clamped bounds, take and take_along_axis, all against values NumPy computed
 * (tests/numpy_ref/semantics_refs.h, written by tests/numpy_ref/make_refs.py). */
#include <stdlib.h>
#include <string.h>

#include "numpy_ref/semantics_refs.h"
#include "testutil.h"

#define COUNT(x) ((int)(sizeof(x) / sizeof((x)[0])))

static bool same_shape(ax_array *a, const int64_t *shape, int ndim) {
    if (!a || ax_ndim(a) != ndim) return false;
    for (int i = 0; i < ndim; i++)
        if (ax_shape(a)[i] != shape[i]) return false;
    return true;
}

static const char *shape_str(const int64_t *s, int n, char *buf, size_t cap) {
    size_t k = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, i ? ", %lld" : "%lld", (long long)s[i]);
    if (k < cap) snprintf(buf + k, cap - k, ")");
    return buf;
}
#define SHP(s, n) shape_str((s), (n), (char[64]){0}, 64)

/* Values equal to NumPy's: NaN where NumPy has NaN, infinities exactly,
 * finite values within rtol (summation order may differ). */
static int compare_values(ax_ctx *ctx, ax_array *a, const double *want, int64_t n, double rtol,
                          const char *what) {
    if (!a) return 1;
    double *got = test_to_f64(ctx, a);
    if (!got) return 1;
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        bool ok = isnan(w) ? isnan(g) : isinf(w) ? g == w : fabs(g - w) <= rtol * fmax(1.0, fabs(w));
        if (!ok && bad++ < 3) fprintf(stderr, "%s: [%lld] = %.17g, NumPy %.17g\n", what, (long long)i, g, w);
    }
    free(got);
    return bad;
}

static void test_broadcasting(void) {
    ax_ctx *ctx = ax_ctx_new();
    static float zeros[8 * 7 * 6 * 5];
    for (int k = 0; k < COUNT(bcast_refs); k++) {
        const bcast_ref *r = &bcast_refs[k];
        ax_scope_begin(ctx);
        ax_array *a = ax_array_from_data(ctx, zeros, AX_FLOAT32, r->a, r->na);
        ax_array *b = ax_array_from_data(ctx, zeros, AX_FLOAT32, r->b, r->nb);
        ax_array *c = ax_add(ctx, a, b);
        if (r->nr < 0) {
            CHECK_MSG(c == NULL && ax_error_code(ctx) == AX_ERR_SHAPE, "%s + %s should fail",
                      SHP(r->a, r->na), SHP(r->b, r->nb));
            ax_error_clear(ctx);
            /* broadcast_to a's shape fails too when b cannot stretch to it */
        } else {
            CHECK_MSG(same_shape(c, r->r, r->nr), "%s + %s: NumPy gives %s (%s)", SHP(r->a, r->na),
                      SHP(r->b, r->nb), SHP(r->r, r->nr), ax_error_message(ctx));
            ax_array *ba = ax_broadcast_to(ctx, a, r->r, r->nr);
            ax_array *bb = ax_broadcast_to(ctx, b, r->r, r->nr);
            CHECK_MSG(same_shape(ba, r->r, r->nr) && same_shape(bb, r->r, r->nr),
                      "broadcast_to %s", SHP(r->r, r->nr));
            CHECK_OK(ctx);
            ax_error_clear(ctx);
        }
        ax_scope_end(ctx);
    }
    /* values: a (3,1) + b (4,) = a[i] + b[j] */
    double av[3] = {1, 2, 3}, bv[4] = {10, 20, 30, 40}, want[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) want[i * 4 + j] = av[i] + bv[j];
    ax_array *a = ax_array_from_data(ctx, av, AX_FLOAT64, (int64_t[]){3, 1}, 2);
    ax_array *b = ax_array_from_data(ctx, bv, AX_FLOAT64, (int64_t[]){4}, 1);
    CHECK(compare_values(ctx, ax_add(ctx, a, b), want, 12, 0, "(3,1)+(4,)") == 0);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static ax_array *reduce_op(ax_ctx *ctx, const red_ref *r, ax_array *a) {
    const int *axes = r->all_axes ? NULL : r->axes;
    int naxes = r->all_axes ? 0 : r->naxes;
    int axis = r->all_axes ? AX_AXIS_NONE : r->axes[0];
    if (!strcmp(r->op, "sum")) return ax_sum(ctx, a, axes, naxes, r->keepdims);
    if (!strcmp(r->op, "prod")) return ax_prod(ctx, a, axes, naxes, r->keepdims);
    if (!strcmp(r->op, "mean")) return ax_mean(ctx, a, axes, naxes, r->keepdims);
    if (!strcmp(r->op, "max")) return ax_max(ctx, a, axes, naxes, r->keepdims);
    if (!strcmp(r->op, "min")) return ax_min(ctx, a, axes, naxes, r->keepdims);
    if (!strcmp(r->op, "var")) return ax_var(ctx, a, axes, naxes, r->keepdims, r->ddof);
    if (!strcmp(r->op, "std")) return ax_std(ctx, a, axes, naxes, r->keepdims, r->ddof);
    if (!strcmp(r->op, "argmax")) return ax_argmax(ctx, a, axis, r->keepdims);
    if (!strcmp(r->op, "argmin")) return ax_argmin(ctx, a, axis, r->keepdims);
    return NULL;
}

static void test_reductions(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int k = 0; k < COUNT(red_refs); k++) {
        const red_ref *r = &red_refs[k];
        ax_scope_begin(ctx);
        ax_array *a = ax_array_from_data(ctx, red_data[r->data].v, AX_FLOAT64,
                                         red_data[r->data].shape, red_data[r->data].ndim);
        ax_array *y = reduce_op(ctx, r, a);
        char what[160], ax_s[48] = "None";
        if (!r->all_axes) {
            int64_t ax64[4] = {r->axes[0], r->axes[1], r->axes[2], r->axes[3]};
            shape_str(ax64, r->naxes, ax_s, sizeof ax_s);
        }
        snprintf(what, sizeof what, "%s(data %d %s, axes %s, keepdims %d, ddof %d)", r->op, r->data,
                 SHP(red_data[r->data].shape, red_data[r->data].ndim), ax_s, r->keepdims, r->ddof);
        CHECK_MSG(same_shape(y, r->r, r->nr), "%s: shape, NumPy %s (%s)", what, SHP(r->r, r->nr),
                  ax_error_message(ctx));
        bool arg = !strncmp(r->op, "arg", 3);
        if (y) {
            CHECK_MSG(ax_dtype_of(y) == (arg ? AX_INT64 : AX_FLOAT64), "%s: dtype %s", what,
                      ax_dtype_name(ax_dtype_of(y)));
            CHECK_MSG(compare_values(ctx, y, r->v, r->n, arg ? 0 : 1e-12, what) == 0, "%s", what);
        }
        CHECK_OK(ctx);
        ax_error_clear(ctx);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_slicing(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int k = 0; k < COUNT(slice_refs); k++) {
        const slice_ref *r = &slice_refs[k];
        ax_scope_begin(ctx);
        int64_t n = 1;
        for (int i = 0; i < r->ndim; i++) n *= r->shape[i];
        double *v = malloc((size_t)n * sizeof *v);
        for (int64_t i = 0; i < n; i++) v[i] = (double)i;
        ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT64, r->shape, r->ndim);
        free(v);
        ax_array *s = ax_slice(ctx, a, r->start, r->stop, r->step, r->n);
        CHECK_MSG(same_shape(s, r->r, r->nr), "slice case %d of %s: NumPy shape %s (%s)", k,
                  SHP(r->shape, r->ndim), SHP(r->r, r->nr), ax_error_message(ctx));
        if (s && r->size) CHECK(compare_values(ctx, s, r->v, r->size, 0, "slice") == 0);
        /* slicing axis by axis gives the same */
        ax_array *t = a;
        for (int i = 0; i < r->n; i++)
            t = ax_slice_axis(ctx, t, i, r->start[i], r->stop[i], r->step[i]);
        CHECK_MSG(same_shape(t, r->r, r->nr), "slice_axis case %d", k);
        if (t && r->size) CHECK(compare_values(ctx, t, r->v, r->size, 0, "slice_axis") == 0);
        CHECK_OK(ctx);
        ax_error_clear(ctx);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

static void test_take(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int k = 0; k < COUNT(take_refs); k++) {
        const take_ref *r = &take_refs[k];
        ax_scope_begin(ctx);
        ax_array *a = ax_array_from_data(ctx, r->a, AX_FLOAT64, r->shape, r->ndim);
        ax_array *idx = ax_array_from_data(ctx, r->idx, AX_INT64, r->ishape, r->ni);
        ax_array *y = r->along ? ax_take_along_axis(ctx, a, idx, r->axis) : ax_take(ctx, a, idx, r->axis);
        CHECK_MSG(same_shape(y, r->r, r->nr), "%s case %d: NumPy shape %s (%s)",
                  r->along ? "take_along_axis" : "take", k, SHP(r->r, r->nr), ax_error_message(ctx));
        if (y && r->size) CHECK_MSG(compare_values(ctx, y, r->v, r->size, 0, "take") == 0, "case %d", k);
        CHECK_OK(ctx);
        ax_error_clear(ctx);
        ax_scope_end(ctx);
    }
    /* out-of-range index: an error at evaluation, not a crash */
    double v[3] = {1, 2, 3};
    int64_t bad[1] = {3};
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT64, (int64_t[]){3}, 1);
    ax_array *y = ax_take(ctx, a, ax_array_from_data(ctx, bad, AX_INT64, (int64_t[]){1}, 1), 0);
    CHECK(y == NULL || ax_eval1(ctx, y) != AX_OK);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    ax_ctx_free(ctx);
}

int main(void) {
    test_broadcasting();
    test_reductions();
    test_slicing();
    test_take();
    return test_summary("test_numpy_semantics");
}
