/* Helpers shared by tests/test_shape.c and tests/test_index.c: build
 * arange inputs in any dtype (evaluated, or lazy behind a graph node), and
 * compare a result with a NumPy reference from index_refs.h, including the
 * view check (same buffer, same strides) where NumPy returns a view. */
#ifndef AX_REF_CHECK_H
#define AX_REF_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "index_refs.h"
#include "../testutil.h"

/* arange(prod(shape)) reshaped, in dtype t; `lazy` puts it behind an
 * unevaluated node (a zero-width pad), so views must take the lazy path. */
static ax_array *rc_arange(ax_ctx *ctx, ax_dtype t, bool lazy, int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = (double)i;
    ax_array *a = test_from_f64(ctx, v, t, shape, ndim);
    free(v);
    if (lazy && a) {
        int64_t zeros[16] = {0};
        a = ax_pad(ctx, a, zeros, AX_PAD_CONSTANT, 0.0);
    }
    return a;
}
#define RC_A(ctx, t, lazy, ...) \
    rc_arange(ctx, t, lazy, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})

/* An input array emitted by the script (emit_in), in dtype t. */
static ax_array *rc_input(ax_ctx *ctx, ax_dtype t, bool lazy, const double *v,
                          const int64_t *shape, int ndim) {
    ax_array *a = test_from_f64(ctx, v, t, shape, ndim);
    if (lazy && a) {
        int64_t zeros[16] = {0};
        a = ax_pad(ctx, a, zeros, AX_PAD_CONSTANT, 0.0);
    }
    return a;
}
#define RC_IN(ctx, t, lazy, name) \
    rc_input(ctx, t, lazy, ref_in_##name##_v, ref_in_##name##_shape, ref_in_##name##_ndim)

/* An int64 index array from a reference's index list. */
#define RC_IDX(ctx, name) \
    ax_array_from_data(ctx, ref_##name##_i, AX_INT64, ref_##name##_ishape, ref_##name##_indim)

/* Values of a (evaluated) as float64, without changing a's layout. */
static double *rc_values(ax_ctx *ctx, ax_array *a) {
    size_t nb = ax_nbytes(a), is = ax_dtype_size(ax_dtype_of(a));
    char *raw = malloc(nb ? nb : 1);
    double *v = malloc(sizeof(double) * (size_t)(ax_size(a) ? ax_size(a) : 1));
    if (ax_copy_to(ctx, a, raw, nb) != AX_OK) {
        free(raw);
        free(v);
        return NULL;
    }
    for (int64_t i = 0; i < ax_size(a); i++) v[i] = ax__load_f64(raw + i * (int64_t)is, ax_dtype_of(a));
    free(raw);
    return v;
}

/* Compare r with ref. If `base` is given and NumPy made a view, r must be a
 * view of base's buffer with NumPy's strides (on axes longer than 1). */
static void rc_check(ax_ctx *ctx, ax_array *r, const ref_result *ref, ax_array *base,
                     const char *what) {
    CHECK_MSG(r != NULL, "%s: %s", what, ax_error_message(ctx));
    if (!r) {
        ax_error_clear(ctx);
        return;
    }
    bool shape_ok = ax_ndim(r) == ref->ndim;
    for (int d = 0; shape_ok && d < ref->ndim; d++) shape_ok = ax_shape(r)[d] == ref->shape[d];
    CHECK_MSG(shape_ok, "%s: shape %s, expected ndim %d", what, AX_SHAPE(r), ref->ndim);
    if (!shape_ok) return;
    CHECK_MSG(ax_eval1(ctx, r) == AX_OK, "%s: %s", what, ax_error_message(ctx));
    if (base && ref->is_view) {
        CHECK_MSG(r->buf == base->buf, "%s: not a view of its input", what);
        for (int d = 0; d < ref->ndim; d++)
            if (ref->shape[d] > 1)
                CHECK_MSG(ax_strides(r)[d] == ref->strides[d], "%s: stride %d is %lld, NumPy %lld",
                          what, d, (long long)ax_strides(r)[d], (long long)ref->strides[d]);
    }
    double *v = rc_values(ctx, r);
    CHECK_MSG(v != NULL, "%s: %s", what, ax_error_message(ctx));
    if (!v) return;
    int bad = 0;
    for (int64_t i = 0; i < ref->size && bad < 3; i++)
        if (!(v[i] == ref->v[i] || (isnan(v[i]) && isnan(ref->v[i])))) {
            CHECK_MSG(false, "%s: element %lld is %g, NumPy %g", what, (long long)i, v[i], ref->v[i]);
            bad++;
        }
    test_checks++;
    free(v);
}

/* An error of this code was recorded and its message contains `needle`. */
#define CHECK_ERR_MSG(ctx, code, needle)                                                 \
    do {                                                                                 \
        CHECK_MSG(ax_error_code(ctx) == (code) && strstr(ax_error_message(ctx), needle), \
                  "expected %s containing '%s', got %s: %s", ax_status_name(code), needle,   \
                  ax_status_name(ax_error_code(ctx)), ax_error_message(ctx));            \
        ax_error_clear(ctx);                                                             \
    } while (0)

#endif
