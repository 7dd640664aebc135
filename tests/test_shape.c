/* Shape ops against NumPy (tests/numpy_ref/index_refs.h, made by
 * make_index_refs.py): values in several dtypes, with evaluated and lazy
 * inputs; views share the input's buffer with NumPy's strides; views of
 * views; negative steps; non-contiguous inputs; zero-size; errors. */
#include "numpy_ref/ref_check.h"

#define NONE AX_SLICE_NONE

typedef ax_array *(*build_fn)(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base);

/* ---------------------------------------------------------------- views */

static ax_array *b_reshape_nocopy(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 6);
    ax_array *s = ax_slice_axis(ctx, *base, 1, NONE, NONE, 2);
    return ax_reshape(ctx, s, (int64_t[]){2, 2, 3}, 3);
}
static ax_array *b_reshape_copy(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_reshape(ctx, ax_transpose(ctx, *base, NULL, 0), (int64_t[]){2, 6}, 2);
}
static ax_array *b_reshape_infer(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4);
    ax_array *r = ax_reshape(ctx, *base, (int64_t[]){-1, 4}, 2);
    r = ax_flip(ctx, r, (int[]){0}, 1);
    return ax_reshape(ctx, r, (int64_t[]){3, -1}, 2);
}
static ax_array *b_reshape_cols(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 6, 4);
    return ax_reshape(ctx, ax_slice_axis(ctx, *base, 1, 1, 3, 1), (int64_t[]){3, 2, 2}, 3);
}
static ax_array *b_reshape_negstep(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 1, 3, 4);
    ax_array *f = ax_slice_axis(ctx, *base, 3, NONE, NONE, -1);
    return ax_reshape(ctx, f, (int64_t[]){2, 3, 2, 2}, 4);
}
static ax_array *b_reshape_flat_strided(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 6);
    return ax_reshape(ctx, ax_slice_axis(ctx, *base, 1, NONE, NONE, 2), (int64_t[]){12}, 1);
}
static ax_array *b_reshape_T_split(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4, 5);
    ax_array *p = ax_transpose(ctx, *base, (int[]){2, 0, 1}, 3);
    return ax_reshape(ctx, p, (int64_t[]){5, 3, 2, 2}, 4);
}
static ax_array *b_reshape_T_merge(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4, 5);
    ax_array *p = ax_transpose(ctx, *base, (int[]){1, 2, 0}, 3);
    return ax_reshape(ctx, p, (int64_t[]){20, 3}, 2);
}
static ax_array *b_reshape_bcast(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    ax_array *e = ax_broadcast_to(ctx, ax_expand_dims(ctx, *base, (int[]){1}, 1),
                                  (int64_t[]){3, 5, 4}, 3);
    return ax_reshape(ctx, e, (int64_t[]){3, 5, 2, 2}, 4);
}
static ax_array *b_transpose_201(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4);
    return ax_transpose(ctx, *base, (int[]){2, 0, -2}, 3);
}
static ax_array *b_moveaxis(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4);
    return ax_moveaxis(ctx, *base, 0, -1);
}
static ax_array *b_swapaxes(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4);
    return ax_swapaxes(ctx, *base, 0, 2);
}
static ax_array *b_transpose_rev(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4);
    return ax_transpose(ctx, *base, NULL, 0);
}
static ax_array *b_broadcast(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 1);
    return ax_broadcast_to(ctx, *base, (int64_t[]){2, 3, 4}, 3);
}
static ax_array *b_slice_neg(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 5, 6);
    return ax_slice(ctx, *base, (int64_t[]){4, NONE}, (int64_t[]){0, NONE}, (int64_t[]){-2, -3}, 2);
}
static ax_array *b_slice_clamp(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 5, 6);
    return ax_slice(ctx, *base, (int64_t[]){-100, 1}, (int64_t[]){100, -1}, (int64_t[]){3, 1}, 2);
}
static ax_array *b_slice_empty(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 7);
    return ax_slice_axis(ctx, *base, 0, 5, 2, 1);
}
static ax_array *b_slice_rev(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 7);
    return ax_slice(ctx, *base, NULL, NULL, (int64_t[]){-1}, 1);
}
static ax_array *b_slice_of_slice(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 5, 6);
    ax_array *s = ax_slice(ctx, *base, (int64_t[]){NONE, 1}, (int64_t[]){NONE, NONE},
                           (int64_t[]){-1, 2}, 2);
    return ax_slice(ctx, s, (int64_t[]){1, NONE}, (int64_t[]){NONE, NONE}, (int64_t[]){1, -1}, 2);
}
static ax_array *b_flip_1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_flip(ctx, *base, (int[]){-1}, 1);
}
static ax_array *b_flip_all(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_flip(ctx, *base, NULL, 0);
}
static ax_array *b_diag_p1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4, 5);
    return ax_diagonal(ctx, *base, 1, 2, 0);
}
static ax_array *b_diag_m1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4, 5);
    return ax_diagonal(ctx, *base, -1, 0, 1);
}
static ax_array *b_diag_big(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4, 5);
    return ax_diagonal(ctx, *base, 7, 0, 1);
}
static ax_array *b_squeeze(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 1, 3, 1, 2);
    return ax_squeeze(ctx, *base, (int[]){0, -2}, 2);
}
static ax_array *b_expand(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 2);
    return ax_expand_dims(ctx, *base, (int[]){0, 3}, 2);
}
static ax_array *b_as_strided(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 10);
    return ax_as_strided(ctx, *base, (int64_t[]){4, 3}, (int64_t[]){2, 1}, 2, 0);
}
static ax_array *b_flatten(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3, 4, 5);
    ax_array *r = ax_reshape(ctx, *base, (int64_t[]){2, 60, 1}, 3);
    r = ax_slice_axis(ctx, r, 1, NONE, NONE, 2);
    return ax_flatten(ctx, r, 1, -1);
}

/* ---------------------------------------------------------------- data movement */

static ax_array *b_tril_k1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_tril(ctx, *base = RC_A(ctx, t, lazy, 3, 4, 5), 1);
}
static ax_array *b_triu_km2(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_triu(ctx, *base = RC_A(ctx, t, lazy, 3, 4, 5), -2);
}
static ax_array *b_tril_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 3);
    return ax_tril(ctx, ax_transpose(ctx, *base, NULL, 0), 0);
}
static ax_array *b_pad_const(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    return ax_pad(ctx, *base, (int64_t[]){1, 2, 0, 3}, AX_PAD_CONSTANT, 7);
}
static ax_array *b_pad_edge(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    return ax_pad(ctx, *base, (int64_t[]){2, 1, 1, 1}, AX_PAD_EDGE, 0);
}
static ax_array *b_pad_reflect_big(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    return ax_pad(ctx, *base, (int64_t[]){5, 4, 7, 6}, AX_PAD_REFLECT, 0);
}
static ax_array *b_pad_reflect_strided(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    ax_array *s = ax_slice_axis(ctx, *base, 1, NONE, NONE, -2);
    return ax_pad(ctx, s, (int64_t[]){2, 2, 1, 3}, AX_PAD_REFLECT, 0);
}
static ax_array *b_pad_reflect_one(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 1, 3);
    return ax_pad(ctx, *base, (int64_t[]){2, 1, 0, 0}, AX_PAD_REFLECT, 0);
}
static ax_array *b_concat_1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    ax_array *parts[3] = {*base, RC_IN(ctx, t, lazy, c100), RC_A(ctx, t, lazy, 2, 0)};
    return ax_concatenate(ctx, parts, 3, -1);
}
static ax_array *b_concat_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 2);
    ax_array *b = RC_A(ctx, t, lazy, 4, 3);
    ax_array *parts[2] = {ax_transpose(ctx, *base, NULL, 0), ax_slice_axis(ctx, b, 0, NONE, NONE, 2)};
    return ax_concatenate(ctx, parts, 2, 0);
}
static ax_array *b_stack_1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    ax_array *parts[2] = {*base, RC_IN(ctx, t, lazy, p10)};
    return ax_stack(ctx, parts, 2, 1);
}
static ax_array *b_stack_last(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 2, 3);
    ax_array *parts[3] = {*base, RC_IN(ctx, t, lazy, p10), RC_IN(ctx, t, lazy, p20)};
    return ax_stack(ctx, parts, 3, -1);
}
static ax_array *b_tile_212(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_tile(ctx, *base = RC_A(ctx, t, lazy, 2, 3), (int64_t[]){2, 1, 2}, 3);
}
static ax_array *b_tile_short(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_tile(ctx, *base = RC_A(ctx, t, lazy, 2, 3), (int64_t[]){3}, 1);
}
static ax_array *b_tile_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 2);
    return ax_tile(ctx, ax_transpose(ctx, *base, NULL, 0), (int64_t[]){2, 2}, 2);
}
static ax_array *b_repeat_ax1(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_repeat(ctx, *base = RC_A(ctx, t, lazy, 2, 3), 2, 1);
}
static ax_array *b_repeat_none(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_repeat(ctx, *base = RC_A(ctx, t, lazy, 2, 3), 3, AX_AXIS_NONE);
}
static ax_array *b_repeat_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 2);
    return ax_repeat(ctx, ax_transpose(ctx, *base, NULL, 0), 2, 0);
}
static ax_array *b_roll_2ax(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_roll(ctx, *base, (int64_t[]){1, -5}, (int[]){0, 1}, 2);
}
static ax_array *b_roll_flat(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    return ax_roll(ctx, *base = RC_A(ctx, t, lazy, 3, 4), (int64_t[]){5}, NULL, 1);
}
static ax_array *b_roll_rep(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 3, 4);
    return ax_roll(ctx, *base, (int64_t[]){2, 3}, (int[]){1, -1}, 2);
}
static ax_array *b_roll_T(ax_ctx *ctx, ax_dtype t, bool lazy, ax_array **base) {
    *base = RC_A(ctx, t, lazy, 4, 3);
    return ax_roll(ctx, ax_transpose(ctx, *base, NULL, 0), (int64_t[]){-1}, (int[]){1}, 1);
}

typedef struct shape_case {
    const char *name;
    build_fn build;
    const ref_result *ref;
} shape_case;

static const shape_case cases[] = {
    {"reshape_nocopy", b_reshape_nocopy, &ref_reshape_nocopy},
    {"reshape_copy", b_reshape_copy, &ref_reshape_copy},
    {"reshape_infer", b_reshape_infer, &ref_reshape_infer},
    {"reshape_cols", b_reshape_cols, &ref_reshape_cols},
    {"reshape_negstep", b_reshape_negstep, &ref_reshape_negstep},
    {"reshape_flat_strided", b_reshape_flat_strided, &ref_reshape_flat_strided},
    {"reshape_T_split", b_reshape_T_split, &ref_reshape_T_split},
    {"reshape_T_merge", b_reshape_T_merge, &ref_reshape_T_merge},
    {"reshape_bcast", b_reshape_bcast, &ref_reshape_bcast},
    {"transpose_201", b_transpose_201, &ref_transpose_201},
    {"moveaxis", b_moveaxis, &ref_moveaxis_0_last},
    {"swapaxes", b_swapaxes, &ref_swapaxes_0_2},
    {"transpose_rev", b_transpose_rev, &ref_transpose_rev},
    {"broadcast", b_broadcast, &ref_broadcast_3x1},
    {"slice_neg", b_slice_neg, &ref_slice_neg},
    {"slice_clamp", b_slice_clamp, &ref_slice_clamp},
    {"slice_empty", b_slice_empty, &ref_slice_empty},
    {"slice_rev", b_slice_rev, &ref_slice_rev},
    {"slice_of_slice", b_slice_of_slice, &ref_slice_of_slice},
    {"flip_1", b_flip_1, &ref_flip_1},
    {"flip_all", b_flip_all, &ref_flip_all},
    {"diag_p1", b_diag_p1, &ref_diag_p1_20},
    {"diag_m1", b_diag_m1, &ref_diag_m1_01},
    {"diag_big", b_diag_big, &ref_diag_big},
    {"squeeze", b_squeeze, &ref_squeeze},
    {"expand", b_expand, &ref_expand},
    {"as_strided", b_as_strided, &ref_as_strided_win},
    {"flatten", b_flatten, &ref_flatten_12},
    {"tril_k1", b_tril_k1, &ref_tril_k1},
    {"triu_km2", b_triu_km2, &ref_triu_km2},
    {"tril_T", b_tril_T, &ref_tril_T},
    {"pad_const", b_pad_const, &ref_pad_const},
    {"pad_edge", b_pad_edge, &ref_pad_edge},
    {"pad_reflect_big", b_pad_reflect_big, &ref_pad_reflect_big},
    {"pad_reflect_strided", b_pad_reflect_strided, &ref_pad_reflect_strided},
    {"pad_reflect_one", b_pad_reflect_one, &ref_pad_reflect_one},
    {"concat_1", b_concat_1, &ref_concat_1},
    {"concat_T", b_concat_T, &ref_concat_T},
    {"stack_1", b_stack_1, &ref_stack_1},
    {"stack_last", b_stack_last, &ref_stack_last},
    {"tile_212", b_tile_212, &ref_tile_212},
    {"tile_short", b_tile_short, &ref_tile_short},
    {"tile_T", b_tile_T, &ref_tile_T},
    {"repeat_ax1", b_repeat_ax1, &ref_repeat_ax1},
    {"repeat_none", b_repeat_none, &ref_repeat_none},
    {"repeat_T", b_repeat_T, &ref_repeat_T},
    {"roll_2ax", b_roll_2ax, &ref_roll_2ax},
    {"roll_flat", b_roll_flat, &ref_roll_flat},
    {"roll_rep", b_roll_rep, &ref_roll_rep},
    {"roll_T", b_roll_T, &ref_roll_T},
};

/* Every case in several dtypes (copies are by item size: 1, 2, 4, 8 bytes),
 * with evaluated and lazy inputs, and with the fast and reference kernels. */
static void test_against_numpy(void) {
    static const ax_dtype dts[] = {AX_FLOAT64, AX_FLOAT32, AX_INT8, AX_UINT16, AX_FLOAT16,
                                   AX_BFLOAT16, AX_INT64, AX_COMPLEX64};
    ax_ctx *ctx = ax_ctx_new();
    char what[160];
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
            for (size_t d = 0; d < sizeof dts / sizeof *dts; d++)
                for (int lazy = 0; lazy < 2; lazy++) {
                    ax_scope_begin(ctx);
                    ax_array *base = NULL;
                    ax_array *r = cases[c].build(ctx, dts[d], lazy, &base);
                    snprintf(what, sizeof what, "%s/%s/%s/%s", cases[c].name, ax_dtype_name(dts[d]),
                             lazy ? "lazy" : "eval", ref ? "ref" : "fast");
                    rc_check(ctx, r, cases[c].ref, base, what);
                    if (r) CHECK_MSG(ax_dtype_of(r) == dts[d], "%s: dtype %s", what,
                                     ax_dtype_name(ax_dtype_of(r)));
                    ax_scope_end(ctx);
                }
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* Views: no copy, the same buffer, strides and offsets from the input's own. */
static void test_views(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, 4, 6);
    /* evaluated input: the view shares the buffer at once */
    ax_array *t = ax_transpose(ctx, a, NULL, 0);
    CHECK(ax_is_evaluated(t) && t->buf == a->buf);
    CHECK(ax_strides(t)[0] == 1 && ax_strides(t)[1] == 6 && !ax_is_contiguous(t));
    /* view of a view of a view: offsets accumulate */
    ax_array *s = ax_slice(ctx, t, (int64_t[]){5, 1}, (int64_t[]){0, 4}, (int64_t[]){-2, 2}, 2);
    CHECK(ax_shape(s)[0] == 3 && ax_shape(s)[1] == 2);
    CHECK(ax_strides(s)[0] == -2 && ax_strides(s)[1] == 12);
    CHECK(s->offset == 5 + 6 && s->buf == a->buf);
    ax_array *f = ax_flip(ctx, s, (int[]){1}, 1);
    CHECK(f->offset == 5 + 6 + 12 && ax_strides(f)[1] == -12);
    float v[6];
    CHECK(ax_copy_to(ctx, f, v, sizeof v) == AX_OK);
    /* s[i][j] = a[1 + 2j][5 - 2i]; f flips j */
    CHECK(v[0] == 23 && v[1] == 11 && v[2] == 21 && v[3] == 9 && v[4] == 19 && v[5] == 7);
    /* reshape of a contiguous slice is a view, of a transposed array a copy */
    ax_array *rows = ax_slice_axis(ctx, a, 0, 1, 3, 1);
    ax_array *rr = ax_reshape(ctx, rows, (int64_t[]){3, 4}, 2);
    CHECK(rr->buf == a->buf && rr->offset == 6 && ax_is_contiguous(rr));
    ax_array *tr = ax_reshape(ctx, t, (int64_t[]){24}, 1);
    CHECK(tr && !ax_is_evaluated(tr));
    CHECK(ax_eval1(ctx, tr) == AX_OK && tr->buf != a->buf);
    /* contiguous() returns the array itself when it is contiguous */
    CHECK(ax_contiguous(ctx, rows) == rows);
    ax_array *ct = ax_contiguous(ctx, t);
    CHECK(ct != t && ax_is_contiguous(ct));
    /* lazy input: the view is lazy and gets the buffer at eval */
    ax_array *lz = RC_A(ctx, AX_FLOAT32, true, 4, 6);
    ax_array *lt = ax_slice_axis(ctx, ax_transpose(ctx, lz, NULL, 0), 0, 1, 3, 1);
    CHECK(!ax_is_evaluated(lt) && lt->offset == 1);
    CHECK(ax_eval1(ctx, lt) == AX_OK && lt->buf == lz->buf);
    /* broadcast strides are 0; expand/squeeze keep the buffer */
    ax_array *b = ax_broadcast_to(ctx, rows, (int64_t[]){5, 2, 6}, 3);
    CHECK(ax_strides(b)[0] == 0 && ax_strides(b)[1] == 6 && b->buf == a->buf);
    ax_array *e = ax_expand_dims(ctx, a, (int[]){-1}, 1);
    CHECK(ax_ndim(e) == 3 && ax_is_contiguous(e) && e->buf == a->buf);
    ax_array *q = ax_squeeze(ctx, e, NULL, 0);
    CHECK(ax_ndim(q) == 2 && q->buf == a->buf);
    /* a lazy view of a lazy view stays right when the middle one is read
     * first (ax_data gives a row-major copy and keeps the view's layout) */
    ax_array *mid = ax_transpose(ctx, RC_A(ctx, AX_FLOAT32, true, 2, 3), NULL, 0);
    ax_array *top = ax_slice_axis(ctx, mid, 0, 1, 3, 1);
    const float *md = ax_data(ctx, mid);
    CHECK(md && md[0] == 0 && md[1] == 3 && md[2] == 1 && !ax_is_contiguous(mid));
    float tv[4];
    CHECK(ax_copy_to(ctx, top, tv, sizeof tv) == AX_OK);
    CHECK(tv[0] == 1 && tv[1] == 4 && tv[2] == 2 && tv[3] == 5);
    /* split pieces are views */
    ax_array *parts[3];
    CHECK(ax_split(ctx, a, 3, 1, parts) == AX_OK);
    CHECK(parts[2]->buf == a->buf && parts[2]->offset == 4 && ax_shape(parts[2])[1] == 2);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_split(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *out[4];
    ax_array *a = RC_A(ctx, AX_INT32, false, 7);
    CHECK(ax_split_at(ctx, a, (int64_t[]){2, 5}, 2, 0, out) == AX_OK);
    rc_check(ctx, out[0], &ref_split_at_0, a, "split_at 0");
    rc_check(ctx, out[1], &ref_split_at_1, a, "split_at 1");
    rc_check(ctx, out[2], &ref_split_at_2, a, "split_at 2");
    ax_array *b = RC_A(ctx, AX_INT32, true, 7, 2);
    CHECK(ax_split_at(ctx, b, (int64_t[]){5, 2, 9}, 3, 0, out) == AX_OK);
    rc_check(ctx, out[0], &ref_split_odd_0, NULL, "split_odd 0");
    rc_check(ctx, out[1], &ref_split_odd_1, NULL, "split_odd 1");
    rc_check(ctx, out[2], &ref_split_odd_2, NULL, "split_odd 2");
    rc_check(ctx, out[3], &ref_split_odd_3, NULL, "split_odd 3");
    ax_array *c = RC_A(ctx, AX_FLOAT16, false, 2, 6);
    CHECK(ax_split(ctx, c, 3, -1, out) == AX_OK);
    rc_check(ctx, out[0], &ref_split3_0, c, "split3 0");
    rc_check(ctx, out[1], &ref_split3_1, c, "split3 1");
    rc_check(ctx, out[2], &ref_split3_2, c, "split3 2");
    /* errors */
    CHECK(ax_split(ctx, c, 4, 1, out) == AX_ERR_VALUE && out[0] == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_VALUE, "equal sections");
    CHECK(ax_split(ctx, c, 0, 1, out) == AX_ERR_VALUE);
    ax_error_clear(ctx);
    CHECK(ax_split(ctx, c, 2, 2, out) == AX_ERR_AXIS);
    ax_error_clear(ctx);
    CHECK(ax_split(ctx, NULL, 2, 0, out) == AX_ERR_NULL);
    ax_error_clear(ctx);
    ax_ctx_free(ctx);
}

static void test_trace(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT64, false, 4, 4);
    rc_check(ctx, ax_trace(ctx, a, 1, 0, 1), &ref_trace_p1, NULL, "trace_p1");
    ax_array *b = RC_A(ctx, AX_FLOAT64, true, 3, 4, 5);
    rc_check(ctx, ax_trace(ctx, b, -2, 2, 1), &ref_trace_m2_3d, NULL, "trace_m2_3d");
    ax_ctx_free(ctx);
}

/* Zero-size arrays go through every op without touching memory. */
static void test_zero_size(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *z = RC_A(ctx, AX_FLOAT32, false, 0, 3);
    ax_array *r = ax_reshape(ctx, z, (int64_t[]){3, -1, 2}, 3);
    CHECK(r && ax_shape(r)[1] == 0);
    CHECK(ax_reshape(ctx, z, (int64_t[]){-1, 0}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_array *t = ax_transpose(ctx, z, NULL, 0);
    ax_array *s = ax_slice_axis(ctx, t, 0, 2, 0, -1);
    ax_array *p = ax_pad(ctx, z, (int64_t[]){1, 1, 0, 0}, AX_PAD_CONSTANT, 3);
    ax_array *c = ax_concatenate(ctx, (ax_array *[]){z, z}, 2, 0);
    ax_array *tl = ax_tril(ctx, z, 0);
    ax_array *tile = ax_tile(ctx, z, (int64_t[]){2, 0}, 2);
    ax_array *rep = ax_repeat(ctx, z, 0, 1);
    ax_array *rl = ax_roll(ctx, z, (int64_t[]){3}, (int[]){0}, 1);
    ax_array *fl = ax_flip(ctx, z, NULL, 0);
    ax_array *all[] = {r, t, s, p, c, tl, tile, rep, rl, fl};
    CHECK(ax_eval(ctx, all, 10) == AX_OK);
    CHECK_OK(ctx);
    CHECK(ax_shape(s)[0] == 2 && ax_shape(s)[1] == 0);
    CHECK(ax_shape(p)[0] == 2 && ax_shape(p)[1] == 3);
    float pv[6];
    CHECK(ax_copy_to(ctx, p, pv, sizeof pv) == AX_OK && pv[0] == 3 && pv[5] == 3);
    CHECK(ax_size(c) == 0 && ax_size(tile) == 0 && ax_size(rep) == 0 && ax_size(rl) == 0);
    /* edge/reflect cannot extend an empty axis */
    CHECK(ax_pad(ctx, z, (int64_t[]){1, 0, 0, 0}, AX_PAD_EDGE, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_VALUE, "size 0");
    CHECK(ax_pad(ctx, z, (int64_t[]){0, 0, 0, 2}, AX_PAD_REFLECT, 0) != NULL);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, 2, 3);
    CHECK(ax_reshape(ctx, a, (int64_t[]){4, 2}, 2) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "(2, 3)");
    CHECK(ax_reshape(ctx, a, (int64_t[]){4, -1}, 2) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "(4, -1)");
    CHECK(ax_reshape(ctx, a, (int64_t[]){-1, -1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_flatten(ctx, a, 1, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_squeeze(ctx, a, (int[]){0}, 1) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "squeeze");
    CHECK(ax_expand_dims(ctx, a, (int[]){0, 0}, 2) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_AXIS, "repeated");
    CHECK(ax_expand_dims(ctx, a, (int[]){3}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_transpose(ctx, a, (int[]){0, 0}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_transpose(ctx, a, (int[]){0}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_swapaxes(ctx, a, 0, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_moveaxis(ctx, a, -3, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_broadcast_to(ctx, a, (int64_t[]){2, 2}, 2) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "(2, 2)");
    CHECK(ax_broadcast_to(ctx, a, (int64_t[]){3}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    ax_array *b = RC_A(ctx, AX_FLOAT32, false, 3, 3);
    CHECK(ax_concatenate(ctx, (ax_array *[]){a, b}, 2, 1) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "(3, 3)");
    CHECK(ax_concatenate(ctx, (ax_array *[]){a, b}, 2, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_concatenate(ctx, NULL, 0, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_concatenate(ctx, (ax_array *[]){ax_scalar(ctx, 1, AX_FLOAT32)}, 1, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_stack(ctx, (ax_array *[]){a, b}, 2, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "stack");
    CHECK(ax_stack(ctx, (ax_array *[]){a, a}, 2, 3) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_tile(ctx, a, (int64_t[]){-1}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_repeat(ctx, a, -2, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_repeat(ctx, a, 2, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_pad(ctx, a, (int64_t[]){0, -1, 0, 0}, AX_PAD_CONSTANT, 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_VALUE, "negative");
    CHECK(ax_pad(ctx, a, (int64_t[]){0, 0, 0, 0}, (ax_pad_mode)7, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_roll(ctx, a, (int64_t[]){1}, (int[]){2}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_roll(ctx, a, (int64_t[]){1, 2}, NULL, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_flip(ctx, a, (int[]){1, -1}, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_diagonal(ctx, a, 0, 1, -1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_diagonal(ctx, RC_A(ctx, AX_FLOAT32, false, 3), 0, 0, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_tril(ctx, RC_A(ctx, AX_FLOAT32, false, 3), 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "tril");
    CHECK(ax_triu(ctx, RC_A(ctx, AX_FLOAT32, false, 3), 0) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_SHAPE, "triu");
    /* as_strided stays inside the buffer: a row of a is a 3-element view of a 6-element buffer */
    ax_array *row = ax_slice_axis(ctx, a, 0, 1, 2, 1);
    CHECK(ax_as_strided(ctx, row, (int64_t[]){3}, (int64_t[]){-1}, 1, 2) != NULL);
    CHECK_OK(ctx);
    CHECK(ax_as_strided(ctx, row, (int64_t[]){7}, (int64_t[]){-1}, 1, 2) == NULL);
    CHECK_ERR_MSG(ctx, AX_ERR_VALUE, "outside");
    CHECK(ax_as_strided(ctx, row, (int64_t[]){2, 2}, (int64_t[]){1, 1}, 2, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_as_strided(ctx, a, (int64_t[]){2}, (int64_t[]){INT64_MAX}, 1, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    /* a lazy input's buffer will be exactly its extent */
    ax_array *lz = ax_slice_axis(ctx, RC_A(ctx, AX_FLOAT32, true, 2, 3), 0, 1, 2, 1);
    CHECK(ax_as_strided(ctx, lz, (int64_t[]){2}, (int64_t[]){1}, 1, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_as_strided(ctx, lz, (int64_t[]){2}, (int64_t[]){-2}, 1, 2) != NULL);
    CHECK_OK(ctx);
    /* NULL in, NULL out, first error kept */
    CHECK(ax_reshape(ctx, NULL, (int64_t[]){1}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK(ax_transpose(ctx, a, (int[]){5, 5}, 2) == NULL);
    CHECK(ax_tile(ctx, ax_flip(ctx, NULL, NULL, 0), (int64_t[]){2}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    ax_ctx_free(ctx);
}

/* Fast and reference kernels agree on large, non-contiguous inputs, and the
 * threaded paths produce what the small cases established. */
static void test_large(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *a = RC_A(ctx, AX_FLOAT32, false, 300, 257);
    ax_array *t = ax_slice(ctx, ax_transpose(ctx, a, NULL, 0), (int64_t[]){NONE, 1},
                           (int64_t[]){NONE, NONE}, (int64_t[]){-1, 2}, 2);
    for (int ref = 0; ref < 2; ref++) {
        ax__cpu_force_reference(ref);
        ax_scope_begin(ctx);
        ax_array *outs[4] = {
            ax_pad(ctx, t, (int64_t[]){3, 4, 300, 2}, AX_PAD_REFLECT, 0),
            ax_concatenate(ctx, (ax_array *[]){t, a, t}, 3, 1) /* shapes differ: error */,
            ax_triu(ctx, t, 5),
            ax_tile(ctx, t, (int64_t[]){2, 1}, 2),
        };
        CHECK(outs[1] == NULL);
        CHECK_ERR(ctx, AX_ERR_SHAPE);
        outs[1] = ax_concatenate(ctx, (ax_array *[]){t, t, t}, 3, 1);
        CHECK(ax_eval(ctx, outs, 4) == AX_OK);
        /* spot checks from first principles: t[i][j] = a[1 + 2j][256 - i] */
        double *p = rc_values(ctx, outs[0]);
        double *c = rc_values(ctx, outs[1]);
        double *u = rc_values(ctx, outs[2]);
        int64_t pw = ax_shape(outs[0])[1], cw = ax_shape(outs[1])[1], tw = ax_shape(t)[1];
        CHECK(pw == 150 + 302 && cw == 450);
        int bad = 0;
        for (int64_t i = 0; i < 257; i++)
            for (int64_t j = 0; j < 150; j++) {
                double tv = (double)((1 + 2 * j) * 257 + (256 - i));
                bad += p[(i + 3) * pw + j + 300] != tv;
                bad += c[i * cw + j + 2 * tw] != tv;
                bad += u[i * tw + j] != (j - i >= 5 ? tv : 0.0);
            }
        /* reflected column: padded j = -1 maps to t column 1 */
        for (int64_t i = 0; i < 257; i++) bad += p[(i + 3) * pw + 299] != (double)(3 * 257 + 256 - i);
        CHECK_MSG(bad == 0, "%d mismatches (%s)", bad, ref ? "ref" : "fast");
        free(p);
        free(c);
        free(u);
        ax_scope_end(ctx);
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

int main(void) {
    test_against_numpy();
    test_views();
    test_split();
    test_trace();
    test_zero_size();
    test_errors();
    test_large();
    return test_summary("test_shape");
}
