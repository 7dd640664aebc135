/* Core contract: contexts, errors, scopes, refcounts, leaves, memory. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    CHECK(ax_error_code(ctx) == AX_OK);
    CHECK(strcmp(ax_error_message(ctx), "") == 0);
    int64_t shape[2] = {2, -3};
    CHECK(ax_array_from_data(ctx, NULL, AX_FLOAT32, shape, 2) == NULL);
    CHECK(strstr(ax_error_message(ctx), "(2, -3)") != NULL);
    ax_error_clear(ctx);
    /* NULL propagation keeps the first error */
    ax__error(ctx, AX_ERR_SHAPE, "first");
    CHECK(ax_array_from_data(ctx, NULL, AX_FLOAT32, (int64_t[]){3}, 1) == NULL);
    CHECK(strcmp(ax_error_message(ctx), "first") == 0);
    ax_error_clear(ctx);
    CHECK(ax_array_from_data(ctx, NULL, (ax_dtype)99, NULL, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(strcmp(ax_status_name(AX_ERR_OOM), "AX_ERR_OOM") == 0);
    /* NumPy's rank limit: 64 dimensions are fine, 65 are an error */
    int64_t ones[AX_MAX_NDIM + 1];
    for (int i = 0; i <= AX_MAX_NDIM; i++) ones[i] = 1;
    float one = 1;
    ax_array *deep = ax_array_from_data(ctx, &one, AX_FLOAT32, ones, AX_MAX_NDIM);
    CHECK(deep && ax_ndim(deep) == AX_MAX_NDIM);
    CHECK_OK(ctx);
    CHECK(ax_array_from_data(ctx, &one, AX_FLOAT32, ones, AX_MAX_NDIM + 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_ctx_free(ctx);
}

static void test_scopes(void) {
    ax_ctx *ctx = ax_ctx_new();
    float v[6] = {1, 2, 3, 4, 5, 6};
    ax_array *kept;
    ax_array *retained;
    ax_scope_begin(ctx);
    {
        ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){2, 3}, 2);
        CHECK(a && ax_ndim(a) == 2 && ax_size(a) == 6 && ax_dim(a, -1) == 3);
        CHECK(ax_is_evaluated(a));
        ax_scope_begin(ctx);
        ax_array *b = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){6}, 1);
        kept = ax_keep(ctx, b);
        ax_scope_end(ctx);
        /* b survived the inner scope end */
        CHECK(ax_size(kept) == 6);
        retained = ax_retain(a);
    }
    ax_scope_end(ctx);
    CHECK(ax_size(retained) == 6);
    CHECK(((const float *)ax_data(ctx, retained))[5] == 6.0f);
    ax_release(retained);
    ax_scope_end(ctx); /* closing the root is a no-op */
    ax_ctx_free(ctx);
}

static void wrap_release(void *data, void *user) {
    (void)data;
    (*(int *)user)++;
}

static void test_wrap_and_scalars(void) {
    ax_ctx *ctx = ax_ctx_new();
    int released = 0;
    double d[4] = {1, 2, 3, 4};
    ax_scope_begin(ctx);
    ax_array *w = ax_array_wrap(ctx, d, AX_FLOAT64, (int64_t[]){4}, 1, wrap_release, &released);
    CHECK(ax_data(ctx, w) == d);
    ax_scope_end(ctx);
    CHECK(released == 1);
    ax_array *s = ax_scalar(ctx, 2.5, AX_BFLOAT16);
    double x;
    CHECK(ax_item_f64(ctx, s, &x) == AX_OK && x == 2.5);
    CHECK(ax_ndim(s) == 0 && ax_size(s) == 1);
    ax_array *wf = ax_weak_float(ctx, 0.5);
    CHECK(ax_is_weak(wf));
    int64_t i;
    CHECK(ax_item_i64(ctx, ax_weak_int(ctx, -7), &i) == AX_OK && i == -7);
    ax_ctx_free(ctx);
}

static void test_memory(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_memory_clear_cache();
    size_t base = ax_memory_active();
    ax_scope_begin(ctx);
    float *big = calloc(1 << 20, sizeof(float));
    ax_array *a = ax_array_from_data(ctx, big, AX_FLOAT32, (int64_t[]){1 << 20}, 1);
    CHECK(a != NULL);
    CHECK(ax_memory_active() >= base + (4u << 20));
    CHECK(ax_memory_peak() >= ax_memory_active());
    ax_scope_end(ctx);
    CHECK(ax_memory_active() == base);
    CHECK(ax_memory_cache() >= (4u << 20)); /* kept for reuse */
    /* a limit turns allocation failure into an error value */
    size_t old = ax_set_memory_limit(base + (1u << 20));
    ax_array *b = ax_array_from_data(ctx, big, AX_FLOAT32, (int64_t[]){1 << 20}, 1);
    CHECK(b == NULL);
    CHECK(ax_error_code(ctx) == AX_ERR_OOM);
    CHECK(strstr(ax_error_message(ctx), "memory limit") != NULL);
    ax_error_clear(ctx);
    CHECK(ax_memory_cache() == 0); /* the cache was released before failing */
    ax_set_memory_limit(old);
    ax_memory_clear_cache();
    CHECK(ax_memory_cache() == 0);
    free(big);
    ax_ctx_free(ctx);
}

int main(void) {
    test_errors();
    test_scopes();
    test_wrap_and_scalars();
    test_memory();
    return test_summary("test_core");
}
