/* Indexing ops against NumPy (tests/numpy_ref/index_refs.h, made by
 * make_index_refs.py), in several dtypes, evaluated and lazy inputs, fast and
 * reference kernels; donation (in-place updates); the index policy: negative
 * indices, AX_ERR_INDEX at eval, integer index dtypes only. */
#include "numpy_ref/ref_check.h"

#define NONE AX_SLICE_NONE

typedef ax_array *(*build_fn)(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base);

static ax_array *b_take0(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_take(ctx, *base = RC_A(ctx, t, lazy, 4, 3), RC_IDX(ctx, take0), 0);
}
static ax_array *b_take1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_take(ctx, *base = RC_A(ctx, t, lazy, 4, 3), RC_IDX(ctx, take1), -1);
}
static ax_array *b_take_none(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_take(ctx, *base = RC_A(ctx, t, lazy, 4, 3), RC_IDX(ctx, take_none), AX_AXIS_NONE);
}
static ax_array *b_take_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    ax_array *x = ax_flip(ctx, ax_transpose(ctx, *base, NULL, 0), (int[]){0}, 1);
    return ax_take(ctx, x, RC_IDX(ctx, take0), 0);
}
static ax_array *b_tal1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_take_along_axis(ctx, *base = RC_A(ctx, t, lazy, 3, 4), RC_IDX(ctx, tal1), 1);
}
static ax_array *b_tal0b(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_take_along_axis(ctx, *base = RC_A(ctx, t, lazy, 3, 4), RC_IDX(ctx, tal0b), 0);
}
static ax_array *b_pal1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_put_along_axis(ctx, *base, RC_IDX(ctx, pal1), RC_IN(ctx, t, lazy, pv), 1);
}
static ax_array *b_pal0(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_put_along_axis(ctx, *base, RC_IDX(ctx, pal0), ax_scalar(ctx, -5, t), 0);
}
static ax_array *scatter0(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base, ax_scatter_mode m) {
    *base = RC_A(ctx, t, lazy, 5, 3);
    ax_array *idx = RC_IDX(ctx, sc0);
    return ax_scatter(ctx, *base, &idx, 1, RC_IN(ctx, t, lazy, su), (int[]){0}, m);
}
static ax_array *b_sc0_add(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return scatter0(ctx, t, lazy, base, AX_SCATTER_ADD);
}
static ax_array *b_sc0_prod(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return scatter0(ctx, t, lazy, base, AX_SCATTER_PROD);
}
static ax_array *b_sc0_max(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return scatter0(ctx, t, lazy, base, AX_SCATTER_MAX);
}
static ax_array *b_sc0_min(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return scatter0(ctx, t, lazy, base, AX_SCATTER_MIN);
}
static ax_array *b_sc0_assign(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return scatter0(ctx, t, lazy, base, AX_SCATTER_ASSIGN);
}
static ax_array *b_sc2_add(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5);
    ax_array *idx[2] = {RC_IDX(ctx, sc2_i0), RC_IDX(ctx, sc2_i1)};
    ax_array *u = ax_reshape(ctx, RC_IN(ctx, t, lazy, u1234), (int64_t[]){4, 1, 1}, 3);
    return ax_scatter(ctx, *base, idx, 2, u, (int[]){0, 1}, AX_SCATTER_ADD);
}
static ax_array *b_sc2s_add(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5);
    ax_array *idx[2] = {RC_IDX(ctx, sc2s_i1), RC_IDX(ctx, sc2_i0)};
    /* axes listed in the other order: index arrays pair with their axes */
    return ax_scatter(ctx, *base, idx, 2, RC_IN(ctx, t, lazy, u2), (int[]){1, 0}, AX_SCATTER_ADD);
}
static ax_array *b_gather_02(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5, 6);
    ax_array *idx[2] = {RC_IDX(ctx, g_i0), RC_IDX(ctx, g_i2)};
    return ax_gather(ctx, *base, idx, 2, (int[]){0, -1}, (int64_t[]){1, 2, 1});
}
static ax_array *b_gather_take(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5, 6);
    ax_array *idx = RC_IDX(ctx, g_take);
    return ax_gather(ctx, *base, &idx, 1, (int[]){0}, (int64_t[]){1, 5, 6});
}
static ax_array *b_su_neg(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5);
    return ax_slice_update(ctx, *base, RC_IN(ctx, t, lazy, sun), (int64_t[]){1, NONE},
                           (int64_t[]){4, NONE}, (int64_t[]){2, -2}, 2);
}
static ax_array *b_su_bcast(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5);
    return ax_slice_update(ctx, *base, RC_IN(ctx, t, lazy, su78), (int64_t[]){-2, 1},
                           (int64_t[]){NONE, 3}, NULL, 2);
}
static ax_array *b_su_empty(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 5);
    return ax_slice_update(ctx, *base, ax_scalar(ctx, 5, t), (int64_t[]){3}, (int64_t[]){1},
                           (int64_t[]){1}, 1);
}

typedef struct index_case {
    const char *name;
    build_fn build;
    const ref_result *ref;
    bool small_values; /* results fit int8 (else run the wider dtypes only) */
} index_case;

static const index_case cases[] = {
    {"take0", b_take0, &ref_take0, true},
    {"take1", b_take1, &ref_take1, true},
    {"take_none", b_take_none, &ref_take_none, true},
    {"take_T", b_take_T, &ref_take_T, true},
    {"tal1", b_tal1, &ref_tal1, true},
    {"tal0b", b_tal0b, &ref_tal0b, true},
    {"pal1", b_pal1, &ref_pal1, true},
    {"pal0", b_pal0, &ref_pal0, true},
    {"sc0_add", b_sc0_add, &ref_sc0_add, true},
    {"sc0_prod", b_sc0_prod, &ref_sc0_prod, false},
    {"sc0_max", b_sc0_max, &ref_sc0_max, true},
    {"sc0_min", b_sc0_min, &ref_sc0_min, true},
    {"sc0_assign", b_sc0_assign, &ref_sc0_assign, true},
    {"sc2_add", b_sc2_add, &ref_sc2_add, true},
    {"sc2s_add", b_sc2s_add, &ref_sc2s_add, false},
    {"gather_02", b_gather_02, &ref_gather_02, true},
    {"gather_take", b_gather_take, &ref_gather_take, true},
    {"su_neg", b_su_neg, &ref_su_neg, true},
    {"su_bcast", b_su_bcast, &ref_su_bcast, true},
    {"su_empty", b_su_empty, &ref_su_empty, true},
};

static void test_against_numpy(void) {
    static const ax_dtype dts[] = {AX_FLOAT64, AX_FLOAT32, AX_INT64, AX_INT32, AX_COMPLEX64,
                                   AX_INT8, AX_INT16, AX_FLOAT16, AX_BFLOAT16};
    ax_ctx *ctx = ax_ctx_new();
    char what[160];
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
            for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
                /* int8 and the 16-bit floats hold every value up to 127 / 256 exactly */
                if (!cases[c].small_values && d >= 5) continue;
                if (dts[d] == AX_COMPLEX64 &&
                    (cases[c].build == b_sc0_max || cases[c].build == b_sc0_min))
                    continue; /* max/min are not defined for complex */
                for (int lazy = 0; lazy < 2; lazy++) {
                    ax_scope_begin(ctx);
                    ax_array *base = NULL;
                    ax_array *r = cases[c].build(ctx, dts[d], lazy, &base);
                    snprintf(what, sizeof what, "%s/%s/%s/%s", cases[c].name,
                             ax_dtype_name(dts[d]), lazy ? "lazy" : "eval", ref ? "ref" : "fast");
                    rc_check(ctx, r, cases[c].ref, NULL, what);
                    ax_scope_end(ctx);
                }
            }
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* Updating ops run in place when their input's buffer is theirs to take. */
static void test_donation(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int op = 0; op < 3; op++) {
        ax_scope_begin(ctx);
        ax_array *a = RC_A(ctx, AX_FLOAT64, false, 5, 3);
        void *data = a->buf->data;
        ax_array *r;
        const ref_result *want;
        if (op == 0) {
            ax_array *idx = RC_IDX(ctx, sc0);
            r = ax_scatter(ctx, a, &idx, 1, RC_IN(ctx, AX_FLOAT64, false, su), (int[]){0},
                           AX_SCATTER_ADD);
            want = &ref_sc0_add;
        } else if (op == 1) {
            a = ax_reshape(ctx, a, (int64_t[]){3, 5}, 2);
            r = ax_put_along_axis(ctx, ax_slice_axis(ctx, a, 1, 0, 4, 1), RC_IDX(ctx, pal1),
                                  RC_IN(ctx, AX_FLOAT64, false, pv), 1);
            want = &ref_pal1; /* on a (3, 4) slice: a view, so no donation */
            data = NULL;
        } else {
            a = ax_reshape(ctx, a, (int64_t[]){15}, 1);
            r = ax_slice_update(ctx, a, ax_scalar(ctx, -1, AX_FLOAT64), (int64_t[]){2},
                                (int64_t[]){NONE}, (int64_t[]){5}, 1);
            want = NULL;
        }
        ax_keep(ctx, r);
        ax_scope_end(ctx); /* now only r's node holds a */
        CHECK(ax_eval1(ctx, r) == AX_OK);
        if (data) CHECK_MSG(r->buf->data == data, "op %d did not reuse its input's buffer", op);
        else CHECK(r->buf->data != NULL);
        if (want && op == 0) rc_check(ctx, r, want, NULL, "donated scatter");
        if (op == 1) {
            /* a was a (5, 3) arange seen as (3, 5); the (3, 4) slice holds NumPy's A(3, 4)
             * only in its first row: check the written positions directly */
            double *v = rc_values(ctx, r);
            CHECK(v && v[0] == 101 && v[1] == 1 && v[7] == 103 && v[9] == 104 && v[10] == 105);
            free(v);
        }
        if (op == 2) {
            double *v = rc_values(ctx, r);
            for (int i = 0; i < 15; i++) CHECK(v[i] == ((i >= 2 && (i - 2) % 5 == 0) ? -1 : i));
            free(v);
        }
    }
    ax_ctx_free(ctx);
}

static void test_index_dtypes(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, 6);
    static const ax_dtype its[] = {AX_INT8, AX_UINT8, AX_INT16, AX_UINT16, AX_INT32,
                                   AX_UINT32, AX_INT64, AX_UINT64};
    for (size_t i = 0; i < sizeof its / sizeof *its; i++) {
        double iv[3] = {5, 0, ax_dtype_is_unsigned(its[i]) ? 2 : -1};
        ax_array *idx = test_from_f64(ctx, iv, its[i], (int64_t[]){3}, 1);
        for (int op = 0; op < 3; op++) {
            ax_array *r = op == 0   ? ax_take(ctx, a, idx, 0)
                          : op == 1 ? ax_take_along_axis(ctx, a, idx, 0)
                                    : ax_gather(ctx, a, &idx, 1, (int[]){0}, (int64_t[]){1});
            double *v = rc_values(ctx, r);
            CHECK_MSG(v && v[0] == 5 && v[1] == 0 && v[2] == (iv[2] < 0 ? 5 : 2), "%s op %d",
                      ax_dtype_name(its[i]), op);
            free(v);
        }
        /* and out of range in that dtype */
        double bad[1] = {ax_dtype_is_unsigned(its[i]) ? 6 : -7};
        ax_array *bi = test_from_f64(ctx, bad, its[i], (int64_t[]){1}, 1);
        CHECK(ax_eval1(ctx, ax_take_along_axis(ctx, a, bi, 0)) == AX_ERR_INDEX);
        ax_error_clear(ctx);
    }
    CHECK_OK(ctx);
    /* non-integer index arrays */
    ax_array *fi = test_from_f64(ctx, (double[]){1}, AX_FLOAT32, (int64_t[]){1}, 1);
    ax_array *bi = test_from_f64(ctx, (double[]){1}, AX_BOOL, (int64_t[]){1}, 1);
    CHECK(ax_take(ctx, a, fi, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_DTYPE, "float32");
    CHECK(ax_take(ctx, a, bi, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_DTYPE, "bool");
    CHECK(ax_take_along_axis(ctx, a, fi, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_put_along_axis(ctx, a, fi, a, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_gather(ctx, a, &fi, 1, (int[]){0}, (int64_t[]){1}) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_scatter(ctx, a, &bi, 1, a, (int[]){0}, AX_SCATTER_ADD) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    /* a uint64 index beyond INT64_MAX is out of range, not negative */
    uint64_t huge = UINT64_MAX;
    ax_array *hi = ax_array_from_data(ctx, &huge, AX_UINT64, (int64_t[]){1}, 1);
    CHECK(ax_eval1(ctx, ax_take(ctx, a, hi, 0)) == AX_ERR_INDEX);
    ax_error_clear(ctx);
    ax_ctx_free(ctx);
}

/* Out-of-range indices fail at eval with the op, index, axis and size named,
 * for both kernel flavours; the inputs are left untouched. */
static void test_index_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        ax_array *a = RC_A(ctx, AX_FLOAT32, false, 4, 3);
        ax_array *bad = ax_array_from_data(ctx, (int64_t[]){0, 3}, AX_INT64, (int64_t[]){2}, 1);
        ax_array *neg = ax_array_from_data(ctx, (int64_t[]){-5, 1}, AX_INT64, (int64_t[]){1, 2}, 2);
        ax_array *r = ax_take(ctx, a, bad, 1);
        CHECK(r != NULL); /* indices unknown until eval */
        CHECK(ax_eval1(ctx, r) == AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "take: index 3 is out of bounds for axis 1 with size 3");
        CHECK(ax_eval1(ctx, ax_take(ctx, a, neg, 0)) == AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "index -5 is out of bounds for axis 0 with size 4");
        CHECK(ax_eval1(ctx, ax_take_along_axis(ctx, ax_slice_axis(ctx, a, 0, 0, 1, 1), neg, 1)) ==
              AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "take_along_axis: index -5");
        CHECK(ax_eval1(ctx, ax_put_along_axis(ctx, ax_slice_axis(ctx, a, 0, 0, 1, 1), neg,
                                              ax_scalar(ctx, 9, AX_FLOAT32), 1)) == AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "put_along_axis: index -5");
        CHECK(ax_eval1(ctx, ax_gather(ctx, a, &bad, 1, (int[]){1}, (int64_t[]){4, 1})) ==
              AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "gather: index 3");
        /* a slice that runs past the end */
        ax_array *two = ax_array_from_data(ctx, (int64_t[]){2}, AX_INT64, (int64_t[]){1}, 1);
        CHECK(ax_eval1(ctx, ax_gather(ctx, a, &two, 1, (int[]){1}, (int64_t[]){1, 2})) ==
              AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "exceeds axis 1");
        ax_array *u = RC_A(ctx, AX_FLOAT32, false, 2, 4, 1);
        ax_array *sc = ax_scatter(ctx, a, &bad, 1, u, (int[]){1}, AX_SCATTER_ADD);
        CHECK(ax_eval1(ctx, sc) == AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "scatter: index 3");
        double *v = rc_values(ctx, a);
        bool same = v != NULL;
        for (int i = 0; same && i < 12; i++) same = v[i] == i;
        CHECK(same);
        free(v);
        /* an empty axis accepts no index; an empty result reads nothing; an
         * empty index list is fine */
        ax_array *e = RC_A(ctx, AX_FLOAT32, false, 0, 3);
        CHECK(ax_eval1(ctx, ax_take(ctx, e, two, 1)) == AX_OK);
        ax_array *zero = ax_array_from_data(ctx, (int64_t[]){0}, AX_INT64, (int64_t[]){1}, 1);
        CHECK(ax_eval1(ctx, ax_take(ctx, ax_transpose(ctx, e, NULL, 0), zero, 1)) == AX_ERR_INDEX);
        CHECK_ERR_MSG(ctx, AX_ERR_INDEX, "index 0 is out of bounds for axis 1 with size 0");
        ax_array *none = ax_array_from_data(ctx, NULL, AX_INT64, (int64_t[]){0}, 1);
        ax_array *tn = ax_take(ctx, a, none, 0);
        CHECK(tn && ax_shape(tn)[0] == 0 && ax_eval1(ctx, tn) == AX_OK);
        CHECK_OK(ctx);
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

static void test_build_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, 4, 3);
    ax_array *i1 = ax_array_from_data(ctx, (int64_t[]){0, 1}, AX_INT64, (int64_t[]){2}, 1);
    CHECK(ax_slice(ctx, a, (int64_t[]){0}, (int64_t[]){2}, (int64_t[]){0}, 1) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_VALUE, "step 0");
    CHECK(ax_slice(ctx, a, NULL, NULL, NULL, 3) == NULL);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    CHECK(ax_slice_axis(ctx, a, 2, 0, 1, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_slice_update(ctx, a, RC_A(ctx, AX_FLOAT32, false, 2), (int64_t[]){0},
                          (int64_t[]){2}, NULL, 1) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "(2, 3)");
    CHECK(ax_slice_update(ctx, a, a, NULL, NULL, (int64_t[]){0}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_take(ctx, a, i1, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_take_along_axis(ctx, a, i1, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "dimensions");
    ax_array *i23 = ax_array_from_data(ctx, (int64_t[]){0, 0, 0, 0, 0, 0}, AX_INT64,
                                       (int64_t[]){2, 3}, 2);
    CHECK(ax_take_along_axis(ctx, RC_A(ctx, AX_FLOAT32, false, 4, 2), i23, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "broadcast");
    CHECK(ax_put_along_axis(ctx, a, i23, RC_A(ctx, AX_FLOAT32, false, 4), 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "values");
    CHECK(ax_gather(ctx, a, (ax_array *[]){i1, i1}, 2, (int[]){0, -2}, (int64_t[]){1, 1}) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_gather(ctx, a, &i1, 1, (int[]){0}, (int64_t[]){1, 4}) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "slice size 4");
    CHECK(ax_gather(ctx, a, (ax_array *[]){i1, i23}, 2, (int[]){0, 1}, (int64_t[]){1, 1}) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_scatter(ctx, a, &i1, 1, RC_A(ctx, AX_FLOAT32, false, 3, 1, 3), (int[]){0},
                     AX_SCATTER_ADD) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "updates");
    CHECK(ax_scatter(ctx, a, &i1, 1, RC_A(ctx, AX_FLOAT32, false, 2, 1, 4), (int[]){0},
                     AX_SCATTER_ADD) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_array *c = RC_A(ctx, AX_COMPLEX64, false, 4, 3);
    CHECK(ax_scatter(ctx, c, &i1, 1, RC_A(ctx, AX_COMPLEX64, false, 2, 1, 3), (int[]){0},
                     AX_SCATTER_MAX) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_scatter(ctx, a, &i1, 1, a, (int[]){0}, (ax_scatter_mode)9) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_take(ctx, a, NULL, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_ctx_free(ctx);
}

/* NumPy slice rules at the int64 limits: no overflow, the right counts. */
static void test_slice_limits(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_INT16, false, 7);
    struct { int64_t start, stop, step, len, first; } c[] = {
        {INT64_MIN + 1, INT64_MAX, INT64_MAX, 1, 0},
        {NONE, NONE, INT64_MIN + 1, 1, 6},
        {INT64_MAX, INT64_MIN + 1, -3, 3, 6},
        {-3, NONE, NONE, 3, 4},
        {NONE, -8, 1, 0, 0},
        {2, 2, 1, 0, 0},
        {-1, -8, -1, 7, 6},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        ax_array *s = ax_slice_axis(ctx, a, 0, c[i].start, c[i].stop, c[i].step);
        CHECK_MSG(s && ax_shape(s)[0] == c[i].len, "case %zu", i);
        if (s && c[i].len) {
            double *v = rc_values(ctx, s);
            CHECK_MSG(v[0] == (double)c[i].first, "case %zu: first %g", i, v[0]);
            free(v);
        }
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Large inputs: fast and reference kernels agree with first principles. */
static void test_large(void) {
    ax_ctx *ctx = ax_ctx_new();
    const int64_t n = 2000, m = 96, k = 3000;
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, n, m);
    int64_t *iv = malloc(sizeof(int64_t) * (size_t)k);
    for (int64_t i = 0; i < k; i++) iv[i] = (i * 7919) % (2 * n) - n;
    ax_array *idx = ax_array_from_data(ctx, iv, AX_INT64, (int64_t[]){k}, 1);
    double *zv = calloc((size_t)(n * m), sizeof(double));
    ax_array *zeros = test_from_f64(ctx, zv, AX_FLOAT32, (int64_t[]){n, m}, 2);
    free(zv);
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        ax_scope_begin(ctx);
        ax_array *tk = ax_take(ctx, a, idx, 0);
        ax_array *g = ax_gather(ctx, a, &idx, 1, (int[]){0}, (int64_t[]){1, m});
        ax_array *upd = ax_broadcast_to(ctx, ax_scalar(ctx, 1, AX_FLOAT32), (int64_t[]){k, 1, m}, 3);
        ax_array *sc = ax_scatter(ctx, zeros, &idx, 1, upd, (int[]){0}, AX_SCATTER_ADD);
        double *vt = rc_values(ctx, tk), *vg = rc_values(ctx, g), *vs = rc_values(ctx, sc);
        CHECK(vt && vg && vs);
        int bad = 0;
        int64_t *count = calloc((size_t)n, sizeof(int64_t));
        for (int64_t i = 0; vt && vg && i < k; i++) {
            int64_t r = iv[i] < 0 ? iv[i] + n : iv[i];
            count[r]++;
            for (int64_t j = 0; j < m; j += 7) {
                bad += vt[i * m + j] != (double)(r * m + j);
                bad += vg[i * m + j] != (double)(r * m + j);
            }
        }
        for (int64_t r = 0; vs && r < n; r++) bad += vs[r * m + 5] != (double)count[r];
        CHECK_MSG(bad == 0, "%d mismatches (%s)", bad, ref ? "ref" : "fast");
        free(count);
        free(vt);
        free(vg);
        free(vs);
        ax_scope_end(ctx);
    }
    ax__cpu_force_reference(false);
    free(iv);
    ax_ctx_free(ctx);
}

int main(void) {
    test_against_numpy();
    test_donation();
    test_index_dtypes();
    test_index_errors();
    test_build_errors();
    test_slice_limits();
    test_large();
    return test_summary("test_index");
}
