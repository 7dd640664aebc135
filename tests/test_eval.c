/* Lazy evaluation: scheduling, detaching, donation, async eval, deep graphs. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

static ax_array *vec(ax_ctx *ctx, int64_t n, float start) {
    float *v = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = start + (float)i;
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
    free(v);
    return a;
}

static void test_lazy_and_detach(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *a = vec(ctx, 4, 1), *b = vec(ctx, 4, 10);
    ax_array *c = ax_add(ctx, ax_multiply(ctx, a, b), a);
    CHECK(c && !ax_is_evaluated(c));
    CHECK(c->node != NULL);
    CHECK(ax_eval1(ctx, c) == AX_OK);
    CHECK(ax_is_evaluated(c));
    CHECK(c->node == NULL); /* detached: the graph no longer pins inputs */
    const float *d = ax_data(ctx, c);
    CHECK(d && d[0] == 1 * 10 + 1 && d[3] == 4 * 13 + 4);
    /* evaluating again is a no-op */
    CHECK(ax_eval1(ctx, c) == AX_OK);
    ax_scope_end(ctx);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_graph_freed_after_eval(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_memory_clear_cache();
    size_t base = ax_memory_active();
    ax_array *keep;
    ax_scope_begin(ctx);
    {
        ax_scope_begin(ctx);
        ax_array *x = vec(ctx, 1 << 18, 0);
        ax_array *y = ax_exp(ctx, ax_negative(ctx, ax_sqrt(ctx, x)));
        keep = ax_retain(y);
        ax_scope_end(ctx); /* the scope drops x and the intermediates: only the graph holds them */
    }
    CHECK(ax_eval1(ctx, keep) == AX_OK);
    /* Only keep's buffer is alive now: intermediates were released as the
     * graph was detached (and donation may have reused one of them). */
    CHECK(ax_memory_active() - base <= ((size_t)1 << 20) + 64);
    ax_release(keep);
    ax_scope_end(ctx);
    CHECK(ax_memory_active() == base);
    ax_ctx_free(ctx);
}

static void test_donation(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_memory_clear_cache();
    ax_array *y;
    ax_scope_begin(ctx);
    {
        ax_scope_begin(ctx);
        ax_array *x = vec(ctx, 1 << 20, 1);
        ax_array *t = ax_negative(ctx, x);
        y = ax_retain(ax_abs(ctx, t));
        ax_scope_end(ctx);
    }
    /* x is held by the scope-less graph only; negative can write over x, abs over t */
    ax_memory_reset_peak();
    size_t before = ax_memory_active();
    CHECK(ax_eval1(ctx, y) == AX_OK);
    CHECK(ax_memory_peak() == before); /* no new buffer was needed */
    const float *d = ax_data(ctx, y);
    CHECK(d && d[0] == 1.0f && d[(1 << 20) - 1] == (float)(1 << 20));
    ax_release(y);
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

static void test_deep_chain(void) {
    /* 200k nodes deep: neither eval nor release may recurse per node. */
    ax_ctx *ctx = ax_ctx_new();
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT32); /* root scope: lives to ax_ctx_free */
    ax_scope_begin(ctx);
    ax_array *x = vec(ctx, 1, 0);
    ax_array *y = x;
    for (int i = 0; i < 200000; i++) y = ax_add(ctx, y, one);
    double v;
    CHECK(ax_item_f64(ctx, y, &v) == AX_OK && v == 200000.0);
    ax_scope_end(ctx);
    /* and a deep chain freed without evaluation */
    ax_scope_begin(ctx);
    ax_array *z = vec(ctx, 1, 0);
    ax_array *r = NULL;
    ax_scope_begin(ctx);
    for (int i = 0; i < 200000; i++) z = ax_add(ctx, z, one);
    r = ax_retain(z);
    ax_scope_end(ctx);
    ax_release(r); /* frees the whole chain iteratively */
    ax_scope_end(ctx);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_async(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *x = vec(ctx, 1 << 20, 0);
    ax_array *y = ax_sqrt(ctx, ax_multiply(ctx, x, x));
    CHECK(ax_eval_async(ctx, &y, 1) == AX_OK);
    /* build more graph while it runs */
    ax_array *z = ax_add(ctx, y, ax_scalar(ctx, 1.0, AX_FLOAT32));
    CHECK(ax_wait(ctx) == AX_OK);
    CHECK(ax_is_evaluated(y));
    const float *d = ax_data(ctx, z);
    CHECK(d && d[3] == 4.0f && d[1000] == 1001.0f);
    /* an error inside an async run is reported by ax_wait and recorded */
    ax_array *idx = ax_array_from_data(ctx, (int64_t[]){0, 99}, AX_INT64, (int64_t[]){2}, 1);
    ax_array *t = ax_take(ctx, vec(ctx, 4, 0), idx, 0);
    CHECK(ax_eval_async(ctx, &t, 1) == AX_OK);
    CHECK(ax_wait(ctx) == AX_ERR_INDEX);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

static void test_errors_in_graph(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *a = vec(ctx, 3, 0), *b = vec(ctx, 4, 0);
    ax_array *c = ax_add(ctx, a, b);
    CHECK(c == NULL);
    CHECK(strstr(ax_error_message(ctx), "add") && strstr(ax_error_message(ctx), "(3,)") &&
          strstr(ax_error_message(ctx), "(4,)"));
    /* NULL flows through without replacing the first message */
    char first[256];
    snprintf(first, sizeof first, "%s", ax_error_message(ctx));
    ax_array *d = ax_exp(ctx, ax_multiply(ctx, c, a));
    CHECK(d == NULL);
    CHECK(strcmp(first, ax_error_message(ctx)) == 0);
    CHECK(ax_eval1(ctx, d) != AX_OK);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

static void test_max_rank(void) {
    /* 64 dimensions (the limit) through the strided loops, with a transpose */
    ax_ctx *ctx = ax_ctx_new();
    int64_t shape[AX_MAX_NDIM];
    for (int i = 0; i < AX_MAX_NDIM; i++) shape[i] = i == 0 || i == AX_MAX_NDIM - 1 ? 2 : 1;
    float v[4] = {1, 2, 3, 4};
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, shape, AX_MAX_NDIM);
    ax_array *s = ax_add(ctx, a, ax_transpose(ctx, a, NULL, 0));
    float out[4];
    CHECK(ax_copy_to(ctx, s, out, sizeof out) == AX_OK);
    CHECK(out[0] == 2 && out[1] == 5 && out[2] == 5 && out[3] == 8);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_max_rank();
    test_lazy_and_detach();
    test_graph_freed_after_eval();
    test_donation();
    test_deep_chain();
    test_async();
    test_errors_in_graph();
    return test_summary("test_eval");
}
