/* Printing: ax_to_string / ax_repr against the strings NumPy prints for the
 * same arrays (tests/numpy_ref/print_refs.h, made by make_refs.py), plus
 * bfloat16 (NumPy has none), options and error handling. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "numpy_ref/print_refs.h"
#include "testutil.h"

static ax_dtype dtype_by_name(const char *name) {
    for (int t = 0; t < AX_DTYPE_COUNT; t++)
        if (strcmp(ax_dtype_name((ax_dtype)t), name) == 0) return (ax_dtype)t;
    return AX_DTYPE_COUNT;
}

/* The reference's values as an ax array of its dtype (all values are exact
 * in that dtype, so the conversion does not round). */
static ax_array *build(ax_ctx *ctx, const print_ref *r) {
    ax_dtype t = dtype_by_name(r->dtype);
    if (t == AX_DTYPE_COUNT) return NULL;
    size_t isz = ax_dtype_size(t);
    char *buf = calloc((size_t)(r->n ? r->n : 1), isz);
    if (!buf) return NULL;
    for (int64_t i = 0; i < r->n; i++) {
        char *p = buf + i * (int64_t)isz;
        if (t == AX_COMPLEX64) ax__store_c(p, t, r->f[2 * i], r->f[2 * i + 1]);
        else if (r->f) ax__store_f64(p, t, r->f[i]);
        else if (r->u) memcpy(p, &r->u[i], 8);
        else ax__store_i64(p, t, r->i[i]);
    }
    ax_array *a = ax_array_from_data(ctx, buf, t, r->shape, r->ndim);
    free(buf);
    return a;
}

static void check_str(const char *what, const char *name, const char *got, const char *want) {
    CHECK_MSG(got && strcmp(got, want) == 0, "%s %s:\n--- ax\n%s\n--- numpy\n%s", what, name,
              got ? got : "(null)", want);
}

static void test_numpy_refs(void) {
    ax_ctx *ctx = ax_ctx_new();
    int n = (int)(sizeof print_refs / sizeof print_refs[0]);
    for (int k = 0; k < n; k++) {
        const print_ref *r = &print_refs[k];
        ax_scope_begin(ctx);
        ax_set_print_options(ctx, &(ax_print_options){.precision = r->precision,
                                                      .threshold = r->threshold,
                                                      .edgeitems = r->edgeitems,
                                                      .suppress = r->suppress,
                                                      .linewidth = r->linewidth});
        ax_array *a = build(ctx, r);
        CHECK_MSG(a != NULL, "%s: could not build", r->name);
        char *s = ax_to_string(ctx, a), *p = ax_repr(ctx, a);
        check_str("str", r->name, s, r->str);
        check_str("repr", r->name, p, r->repr);
        CHECK_OK(ctx);
        ax_error_clear(ctx);
        free(s);
        free(p);
        ax_scope_end(ctx);
    }
    ax_ctx_free(ctx);
}

/* bfloat16 has no NumPy dtype: it follows the float16 rules with bfloat16's
 * shortest digits and NumPy-style finfo precision 2 (scientific from 100 up).
 * Expected strings derived by hand from those rules. */
static void test_bfloat16(void) {
    ax_ctx *ctx = ax_ctx_new();
    /* 0.1 -> bf16 0.10009765625: shortest digits that read back are "0.1" */
    float v[3] = {1.5f, 0.1f, -2.0f};
    uint16_t h[3];
    for (int i = 0; i < 3; i++) h[i] = ax_f32_to_bf16(v[i]);
    ax_array *a = ax_array_from_data(ctx, h, AX_BFLOAT16, (int64_t[]){3}, 1);
    char *s = ax_repr(ctx, a);
    check_str("repr", "bf16", s, "array([ 1.5,  0.1, -2. ], dtype=bfloat16)");
    free(s);
    /* 300 is a bf16 value (>= 100: scientific); 3 has one digit */
    uint16_t g[2] = {ax_f32_to_bf16(300.0f), ax_f32_to_bf16(3.0f)};
    ax_array *b = ax_array_from_data(ctx, g, AX_BFLOAT16, (int64_t[]){2}, 1);
    s = ax_to_string(ctx, b);
    check_str("str", "bf16 exp", s, "[3.e+02 3.e+00]");
    free(s);
    /* 1/3 in bf16 is 0.333984375: 3 digits "0.334" read back (0.33 and 0.3 do not) */
    uint16_t t = ax_f32_to_bf16(1.0f / 3.0f);
    ax_array *c = ax_array_from_data(ctx, &t, AX_BFLOAT16, NULL, 0);
    s = ax_to_string(ctx, c);
    check_str("str", "bf16 scalar", s, "0.334");
    free(s);
    s = ax_repr(ctx, c);
    check_str("repr", "bf16 scalar", s, "array(0.334, dtype=bfloat16)");
    free(s);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Views and lazy arrays print their values (printing evaluates). */
static void test_views_and_print(void) {
    ax_ctx *ctx = ax_ctx_new();
    double d[6] = {1, 2, 3, 4, 5, 6};
    ax_array *a = ax_array_from_data(ctx, d, AX_FLOAT64, (int64_t[]){2, 3}, 2);
    /* strided views and lazy results print their values */
    char *s = ax_to_string(ctx, ax_transpose(ctx, a, NULL, 0));
    check_str("str", "transposed view", s, "[[1. 4.]\n [2. 5.]\n [3. 6.]]");
    free(s);
    s = ax_to_string(ctx, ax_slice_axis(ctx, a, 1, AX_SLICE_NONE, AX_SLICE_NONE, -2));
    check_str("str", "reversed columns", s, "[[3. 1.]\n [6. 4.]]");
    free(s);
    ax_array *lazy = ax_multiply(ctx, a, ax_weak_float(ctx, 0.5));
    CHECK(lazy && !ax_is_evaluated(lazy));
    s = ax_repr(ctx, lazy);
    check_str("repr", "lazy", s, "array([[0.5, 1. , 1.5],\n       [2. , 2.5, 3. ]])");
    free(s);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        CHECK(ax_print(ctx, a, f) == AX_OK);
        rewind(f);
        char buf[64] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        CHECK(n == strlen("[[1. 2. 3.]\n [4. 5. 6.]]\n"));
        check_str("print", "2x3", buf, "[[1. 2. 3.]\n [4. 5. 6.]]\n");
        fclose(f);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_options_and_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_print_options o = ax_get_print_options(ctx);
    CHECK(o.precision == 8 && o.threshold == 1000 && o.edgeitems == 3 && !o.suppress &&
          o.linewidth == 75);
    ax_set_print_options(ctx, &(ax_print_options){.precision = -1, .threshold = 10,
                                                  .edgeitems = 3, .linewidth = 75});
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_get_print_options(ctx).precision == 8); /* unchanged */
    ax_set_print_options(ctx, NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    o.precision = 2;
    ax_set_print_options(ctx, &o);
    CHECK(ax_get_print_options(ctx).precision == 2);
    CHECK(ax_to_string(ctx, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_repr(NULL, NULL) == NULL);
    double d = 1;
    ax_array *a = ax_array_from_data(ctx, &d, AX_FLOAT64, NULL, 0);
    CHECK(ax_print(ctx, a, NULL) != AX_OK);
    CHECK_ERR(ctx, AX_ERR_NULL);
    /* an earlier error stays first */
    ax__error(ctx, AX_ERR_SHAPE, "first");
    CHECK(ax_to_string(ctx, NULL) == NULL);
    CHECK(strcmp(ax_error_message(ctx), "first") == 0);
    ax_error_clear(ctx);
    ax_ctx_free(ctx);
}

/* Printing a strided view needs a contiguous copy: if memory runs out the
 * error comes back, nothing leaks. */
static void test_print_oom(void) {
    ax_ctx *ctx = ax_ctx_new();
    static double d[64 * 64];
    ax_array *a = ax_array_from_data(ctx, d, AX_FLOAT64, (int64_t[]){64, 64}, 2);
    ax_array *t = ax_transpose(ctx, a, NULL, 0);
    CHECK_OK(ctx);
    ax_memory_clear_cache();
    size_t old = ax_set_memory_limit(ax_memory_active() + 1024);
    char *s = ax_to_string(ctx, t);
    CHECK(s == NULL);
    CHECK_ERR(ctx, AX_ERR_OOM);
    free(s);
    ax_set_memory_limit(old);
    s = ax_repr(ctx, t); /* fine again without the limit */
    CHECK(s && strncmp(s, "array([[0., 0., 0., ..., 0., 0., 0.],", 37) == 0);
    free(s);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_numpy_refs();
    test_bfloat16();
    test_views_and_print();
    test_options_and_errors();
    test_print_oom();
    return test_summary("test_print");
}
