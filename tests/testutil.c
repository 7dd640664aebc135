#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

int test_failures, test_checks;

double *test_to_f64(ax_ctx *ctx, ax_array *a) {
    const void *p = ax_data(ctx, a);
    if (!p) return NULL;
    int64_t n = ax_size(a);
    double *out = malloc(sizeof(double) * (size_t)(n ? n : 1));
    size_t is = ax_dtype_size(ax_dtype_of(a));
    for (int64_t i = 0; i < n; i++) out[i] = ax__load_f64((const char *)p + i * (int64_t)is, ax_dtype_of(a));
    return out;
}

ax_array *test_from_f64(ax_ctx *ctx, const double *v, ax_dtype t, const int64_t *shape, int ndim) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    size_t is = ax_dtype_size(t);
    char *buf = malloc(is * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) ax__store_f64(buf + i * (int64_t)is, t, v[i]);
    ax_array *a = ax_array_from_data(ctx, buf, t, shape, ndim);
    free(buf);
    return a;
}

double *test_result_f64(ax_ctx *ctx, ax_array *r, const int64_t *shape, int nd, const char *what) {
    CHECK_MSG(r != NULL, "%s: %s", what, ax_error_message(ctx));
    if (!r) {
        ax_error_clear(ctx);
        return NULL;
    }
    CHECK_MSG(ax_ndim(r) == nd, "%s: ndim %d, want %d", what, ax_ndim(r), nd);
    int64_t n = 1;
    for (int d = 0; d < nd; d++) {
        n *= shape[d];
        if (d < ax_ndim(r))
            CHECK_MSG(ax_shape(r)[d] == shape[d], "%s: dim %d is %lld, want %lld", what, d,
                      (long long)ax_shape(r)[d], (long long)shape[d]);
    }
    if (ax_ndim(r) != nd || ax_size(r) != n) return NULL;
    double *got = test_to_f64(ctx, r);
    CHECK_OK(ctx);
    return got;
}

int test_summary(const char *name) {
    printf("%s: %d checks, %d failures\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}
