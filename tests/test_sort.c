/* Sorting and selection: NumPy references (tests/numpy_ref/scan_sort_refs.h,
 * made by make_scan_sort_refs.py) for sort, argsort, partition,
 * argpartition, topk, median and searchsorted in many dtypes, NaN / -0.0 /
 * inf placement, stability; the fast kernels against the reference kernels
 * on long lines (radix passes, the parallel single-line path, lines with
 * NaN and -0.0, every dtype), thread-count independence, lazy and strided
 * inputs, and the errors (bad axis, kth out of range, k > n, mismatched
 * dtypes, non-1-D sorted array, complex input). */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "numpy_ref/scan_sort_refs.h"
#include "testutil.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool lt_np(double a, double b) { return a < b || (isnan(b) && !isnan(a)); }
static bool same(double a, double b) { /* equal values, NaN == NaN, zero signs equal */
    return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
}

static double item(ax_ctx *ctx, ax_array *a) {
    double v = NAN;
    if (ax_item_f64(ctx, a, &v) != AX_OK) return NAN;
    return v;
}

static ax_array *ref_input(ax_ctx *ctx, const ssr_case *c) {
    return test_from_f64(ctx, c->in, (ax_dtype)c->dtype, c->shape, c->ndim);
}

static bool check_shape(ax_array *r, const ssr_case *c) {
    bool ok = r && ax_ndim(r) == c->out_ndim && ax_dtype_of(r) == (ax_dtype)c->out_dtype;
    for (int d = 0; ok && d < c->out_ndim; d++) ok = ax_shape(r)[d] == c->out_shape[d];
    CHECK_MSG(ok, "%s: shape/dtype: got %s %s, want %s ndim %d", c->name,
              r ? ax_dtype_name(ax_dtype_of(r)) : "NULL", r ? AX_SHAPE(r) : "",
              ax_dtype_name((ax_dtype)c->out_dtype), c->out_ndim);
    return ok;
}

/* Partition property of line values y (n, stride st) at kth, and NumPy's
 * kth value. */
static void check_partition_line(const ssr_case *c, const double *y, int64_t n, int64_t st,
                                 int64_t kth, double want_kth) {
    double k = y[kth * st];
    CHECK_MSG(same(k, want_kth) || (k == want_kth), "%s: kth value %g, NumPy %g", c->name, k,
              want_kth);
    for (int64_t i = 0; i < n; i++) {
        if (i < kth) CHECK_MSG(!lt_np(k, y[i * st]), "%s: element %lld before kth is greater", c->name, (long long)i);
        if (i > kth) CHECK_MSG(!lt_np(y[i * st], k), "%s: element %lld after kth is smaller", c->name, (long long)i);
    }
}

static void run_partition_ref(ax_ctx *ctx, const ssr_case *c) {
    ax_array *x = ref_input(ctx, c);
    bool arg = !strcmp(c->op, "argpartition");
    ax_array *r = arg ? ax_argpartition(ctx, x, c->p1, c->axis) : ax_partition(ctx, x, c->p1, c->axis);
    if (!check_shape(r, c)) {
        ax_error_clear(ctx);
        return;
    }
    int axis = c->axis == AX_AXIS_NONE ? 0 : c->axis;
    ax_array *xv = c->axis == AX_AXIS_NONE ? ax_flatten(ctx, x, 0, -1) : x;
    ax_array *vals = arg ? ax_take_along_axis(ctx, xv, r, axis) : r;
    /* the same multiset: sorted result == sorted input */
    double *a = test_to_f64(ctx, ax_sort(ctx, vals, axis)), *b = test_to_f64(ctx, ax_sort(ctx, xv, axis));
    double *y = test_to_f64(ctx, vals);
    CHECK_OK(ctx);
    if (!a || !b || !y) goto done;
    for (int64_t i = 0; i < c->out_size; i++)
        CHECK_MSG(same(a[i], b[i]) || a[i] == b[i], "%s: not a permutation of the input", c->name);
    if (arg) { /* indices: a permutation of 0..n-1 along the axis */
        double *s = test_to_f64(ctx, ax_sort(ctx, r, axis));
        int ax_ = axis < 0 ? axis + ax_ndim(r) : axis;
        int64_t inner = 1;
        for (int d = ax_ + 1; d < ax_ndim(r); d++) inner *= ax_shape(r)[d];
        for (int64_t i = 0; s && i < c->out_size; i++)
            CHECK_MSG(s[i] == (double)((i / inner) % ax_shape(r)[ax_]), "%s: indices not a permutation", c->name);
        free(s);
    }
    /* the property along every line, NumPy's kth value (from its own partition) */
    {
        int nd = ax_ndim(vals), ax_ = axis < 0 ? axis + nd : axis;
        int64_t n = ax_shape(vals)[ax_], inner = 1, outer = 1;
        for (int d = 0; d < nd; d++) {
            if (d < ax_) outer *= ax_shape(vals)[d];
            if (d > ax_) inner *= ax_shape(vals)[d];
        }
        int64_t kth = c->p1 < 0 ? c->p1 + n : c->p1;
        double *want = NULL;
        if (arg) { /* NumPy's kth value: x at NumPy's kth index */
            double *xs = test_to_f64(ctx, xv);
            want = malloc(sizeof(double) * (size_t)c->out_size);
            for (int64_t o = 0; o < outer; o++)
                for (int64_t j = 0; j < inner; j++)
                    for (int64_t i = 0; i < n; i++) {
                        int64_t at = (o * n + i) * inner + j;
                        want[at] = xs[(o * n + (int64_t)c->out[at]) * inner + j];
                    }
            free(xs);
        }
        for (int64_t o = 0; o < outer; o++)
            for (int64_t j = 0; j < inner; j++) {
                int64_t base = o * n * inner + j;
                const double *w = want ? want : c->out;
                check_partition_line(c, y + base, n, inner, kth, w[base + kth * inner]);
            }
        free(want);
    }
done:
    free(a), free(b), free(y);
}

static void run_ref(ax_ctx *ctx, const ssr_case *c) {
    if (!strcmp(c->op, "partition") || !strcmp(c->op, "argpartition")) {
        run_partition_ref(ctx, c);
        return;
    }
    ax_array *x = ref_input(ctx, c), *r = NULL;
    if (!strcmp(c->op, "sort")) r = ax_sort(ctx, x, c->axis);
    else if (!strcmp(c->op, "argsort")) r = ax_argsort(ctx, x, c->axis);
    else if (!strcmp(c->op, "topk")) r = ax_topk(ctx, x, c->p1, c->axis);
    else if (!strcmp(c->op, "median")) {
        int axes[2] = {c->axis, 0}, na = 1;
        if (c->axis >= 100) axes[0] = (c->axis - 100) / 10, axes[1] = c->axis % 10, na = 2;
        r = ax_median(ctx, x, c->axis == AX_AXIS_NONE ? NULL : axes, na, c->p1 != 0);
    } else if (!strcmp(c->op, "searchsorted")) {
        ax_array *v = test_from_f64(ctx, c->v, (ax_dtype)c->dtype, c->v_shape, c->v_ndim);
        ax_array *s = c->sorter ? ax_array_from_data(ctx, c->sorter, AX_INT64, c->shape, 1) : NULL;
        r = ax_searchsorted(ctx, x, v, c->p1 ? AX_SEARCH_RIGHT : AX_SEARCH_LEFT, s);
    } else {
        return; /* scans: tests/test_scan.c */
    }
    if (!check_shape(r, c)) {
        ax_error_clear(ctx);
        return;
    }
    double *y = test_to_f64(ctx, r);
    CHECK_OK(ctx);
    if (!y) return;
    bool half = c->out_dtype == AX_FLOAT16;
    int bad = 0;
    for (int64_t i = 0; i < c->out_size && bad < 3; i++) {
        double w = c->out[i];
        /* median of integers: NumPy's float64 mean, ax's float32 */
        if (c->out_dtype == AX_FLOAT32) w = (double)(float)w;
        if (half) { /* NumPy's float16 median rounds the same mean */
            ax_array *h = ax_scalar(ctx, w, AX_FLOAT16);
            w = item(ctx, h);
        }
        bool ok = !strcmp(c->op, "median") ? (isnan(w) ? isnan(y[i]) : y[i] == w) : same(y[i], w);
        if (!ok) {
            CHECK_MSG(false, "%s: element %lld is %.17g, NumPy %.17g", c->name, (long long)i, y[i], w);
            bad++;
        }
    }
    test_checks++;
    free(y);
}

static void test_numpy_refs(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int pass = 0; pass < 2; pass++) { /* fast kernels, then reference kernels */
        ax__cpu_force_reference(pass == 1);
        for (int i = 0; i < SSR_NCASES; i++) {
            ax_scope_begin(ctx);
            run_ref(ctx, &ssr_cases[i]);
            ax_scope_end(ctx);
        }
    }
    ax__cpu_force_reference(false);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- fast vs reference */

/* Random data of dtype t with ties, NaN, +-0, inf (floats) in n elements. */
static ax_array *messy(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, int range) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    double *v = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        double x = (double)(int64_t)(r % (uint64_t)(2 * range + 1)) - range;
        if (ax_dtype_is_floating(t)) {
            switch ((r >> 32) % 64) {
            case 0: x = NAN; break;
            case 1: x = -NAN; break;
            case 2: x = -0.0; break;
            case 3: x = 0.0; break;
            case 4: x = INFINITY; break;
            case 5: x = -INFINITY; break;
            default: x += (double)((r >> 40) % 8) / 8; break;
            }
        } else if (!ax_dtype_is_signed_integer(t)) {
            x = fabs(x);
        }
        v[i] = t == AX_BOOL ? (double)(r & 1) : x;
    }
    ax_array *a = test_from_f64(ctx, v, t, shape, nd);
    free(v);
    return a;
}

/* Bytes of an evaluated array (row-major). */
static bool same_bytes(ax_ctx *ctx, ax_array *a, ax_array *b) {
    const void *pa = ax_data(ctx, a), *pb = ax_data(ctx, b);
    return pa && pb && ax_nbytes(a) == ax_nbytes(b) && !memcmp(pa, pb, ax_nbytes(a));
}

typedef ax_array *(*op_fn)(ax_ctx *, ax_array *, int);
static ax_array *op_sort(ax_ctx *c, ax_array *a, int ax) { return ax_sort(c, a, ax); }
static ax_array *op_argsort(ax_ctx *c, ax_array *a, int ax) { return ax_argsort(c, a, ax); }

/* ax_sort/ax_argsort: fast kernels give the reference kernels' bytes
 * (NaN payloads and zero signs in stable order included). */
static void test_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype ts[] = {AX_FLOAT32, AX_FLOAT64, AX_FLOAT16, AX_BFLOAT16, AX_INT8, AX_INT16,
                           AX_INT32, AX_INT64, AX_UINT8, AX_UINT16, AX_UINT32, AX_UINT64, AX_BOOL};
    const int64_t shapes[][3] = {{1, 1, 300000}, {3, 1000, 7}, {50, 1, 40}, {2, 2, 5000}};
    const int axes[] = {2, 1, 2, 0};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (size_t k = 0; k < sizeof ts / sizeof *ts; k++) {
            if (s == 0 && k > 3 && k != 6) continue; /* the long line: a few dtypes */
            ax_scope_begin(ctx);
            ax_array *x = messy(ctx, ts[k], shapes[s], 3, k % 2 ? 50 : 100000);
            op_fn ops[2] = {op_sort, op_argsort};
            for (int o = 0; o < 2; o++) {
                ax_array *f = ops[o](ctx, x, axes[s]);
                ax_eval1(ctx, f);
                ax__cpu_force_reference(true);
                ax_array *r = ops[o](ctx, x, axes[s]);
                ax_eval1(ctx, r);
                ax__cpu_force_reference(false);
                CHECK_OK(ctx);
                CHECK_MSG(same_bytes(ctx, f, r), "%s %s shape %d: fast != reference",
                          o ? "argsort" : "sort", ax_dtype_name(ts[k]), (int)s);
                /* partition: the kth element (sorted place) of the fast kernel */
                int64_t n = shapes[s][axes[s]], kth = n / 3;
                ax_array *p = ax_partition(ctx, x, kth, axes[s]);
                ax_array *pk = ax_slice_axis(ctx, p, axes[s], kth, kth + 1, 1);
                ax_array *sk = ax_slice_axis(ctx, f, axes[s], kth, kth + 1, 1);
                if (o == 0) {
                    double *a = test_to_f64(ctx, pk), *b = test_to_f64(ctx, sk);
                    for (int64_t i = 0; a && b && i < ax_size(pk); i++)
                        CHECK_MSG(same(a[i], b[i]) || a[i] == b[i], "partition %s: kth differs",
                                  ax_dtype_name(ts[k]));
                    free(a), free(b);
                }
            }
            ax_scope_end(ctx);
        }
    ax_ctx_free(ctx);
}

/* The result does not depend on the number of threads. */
static void test_threads(void) {
    ax_ctx *ctx = ax_ctx_new();
    int nt = ax_get_num_threads();
    ax_array *x = messy(ctx, AX_FLOAT32, (int64_t[]){400000}, 1, 1000);
    ax_array *r[2][2];
    for (int t = 0; t < 2; t++) {
        ax_set_num_threads(t ? 3 : 1);
        r[t][0] = ax_sort(ctx, x, 0);
        r[t][1] = ax_argsort(ctx, x, 0);
        ax_eval(ctx, r[t], 2);
    }
    ax_set_num_threads(nt);
    CHECK(same_bytes(ctx, r[0][0], r[1][0]));
    CHECK(same_bytes(ctx, r[0][1], r[1][1]));
    /* and the argsort is the stable order */
    const float *xv = ax_data(ctx, x);
    const int64_t *ix = ax_data(ctx, r[1][1]);
    int bad = 0;
    for (int64_t i = 1; i < 400000 && bad < 3; i++) {
        float a = xv[ix[i - 1]], b = xv[ix[i]];
        bool ok = lt_np(a, b) || (!lt_np(b, a) && ix[i - 1] < ix[i]);
        if (!ok) bad++;
    }
    CHECK_MSG(bad == 0, "argsort of 400000 is not the stable NaN-last order");
    /* float32 without NaN or -0.0 (the fused float32 path), and skewed keys
     * (all in [1, 2): one top-bits bucket, the plain LSD fallback): fast ==
     * reference on 1 and 3 threads */
    for (int skew = 0; skew < 2; skew++) {
        int64_t n = 300001;
        double *v = malloc(sizeof(double) * (size_t)n);
        for (int64_t i = 0; i < n; i++)
            v[i] = skew ? 1.0 + (double)(rnd() % 100000) / 100000.0
                        : (double)((int64_t)(rnd() % 2000001) - 1000000) / 1024.0;
        ax_array *y = test_from_f64(ctx, v, AX_FLOAT32, &n, 1);
        free(v);
        ax__cpu_force_reference(true);
        ax_array *want = ax_sort(ctx, y, 0), *wanti = ax_argsort(ctx, y, 0);
        ax_eval1(ctx, want);
        ax_eval1(ctx, wanti);
        ax__cpu_force_reference(false);
        for (int t = 0; t < 2; t++) {
            ax_set_num_threads(t ? 3 : 1);
            CHECK_MSG(same_bytes(ctx, ax_sort(ctx, y, 0), want), "sort float32 skew %d threads %d", skew, t);
            CHECK_MSG(same_bytes(ctx, ax_argsort(ctx, y, 0), wanti), "argsort float32 skew %d threads %d", skew, t);
        }
        ax_set_num_threads(nt);
    }
    /* a float32 line of 4M elements (the wider top-bits digit): sorted,
     * equal to x gathered by its (stable) argsort */
    {
        int64_t n = ((int64_t)1 << 22) + 3;
        float *v = malloc(sizeof(float) * (size_t)n);
        for (int64_t i = 0; i < n; i++) v[i] = (float)((int64_t)(rnd() % 4000001) - 2000000) / 64.0f;
        ax_array *y = ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
        ax_array *srt = ax_sort(ctx, y, 0), *ixa = ax_argsort(ctx, y, 0);
        const float *sv = ax_data(ctx, srt);
        const int64_t *iv = ax_data(ctx, ixa);
        int bad4 = 0;
        for (int64_t i = 0; sv && iv && i < n && bad4 < 3; i++) {
            bool ok = sv[i] == v[iv[i]] && (i == 0 || sv[i - 1] < sv[i] ||
                                           (sv[i - 1] == sv[i] && iv[i - 1] < iv[i]));
            if (!ok) bad4++;
        }
        CHECK_MSG(bad4 == 0 && sv && iv, "4M float32 sort/argsort disagree or are not sorted");
        free(v);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Strided and lazy inputs: a transposed, sliced view sorts like its copy. */
static void test_views(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x = messy(ctx, AX_FLOAT64, (int64_t[]){30, 40}, 2, 20);
    ax_array *v = ax_slice_axis(ctx, ax_transpose(ctx, x, NULL, 0), 1, 1, 30, 2);
    ax_array *c = ax_copy(ctx, v);
    for (int ax = 0; ax < 2; ax++) {
        CHECK(same_bytes(ctx, ax_sort(ctx, v, ax), ax_sort(ctx, c, ax)));
        CHECK(same_bytes(ctx, ax_argsort(ctx, v, ax), ax_argsort(ctx, c, ax)));
        ax_array *sv = ax_take_along_axis(ctx, v, ax_argsort(ctx, v, ax), ax);
        CHECK(same_bytes(ctx, sv, ax_sort(ctx, c, ax)));
        CHECK(same_bytes(ctx, ax_topk(ctx, v, 3, ax), ax_topk(ctx, c, 3, ax)));
        CHECK(same_bytes(ctx, ax_median(ctx, v, &ax, 1, false), ax_median(ctx, c, &ax, 1, false)));
    }
    /* searchsorted on a strided (reversed) sorted view */
    ax_array *s = ax_sort(ctx, ax_flatten(ctx, x, 0, -1), 0);
    ax_array *rev = ax_flip(ctx, ax_negative(ctx, s), (int[]){0}, 1); /* still ascending */
    ax_array *q = messy(ctx, AX_FLOAT64, (int64_t[]){50}, 1, 25);
    ax_array *qn = ax_negative(ctx, q);
    CHECK(same_bytes(ctx, ax_searchsorted(ctx, rev, qn, AX_SEARCH_LEFT, NULL),
                     ax_searchsorted(ctx, ax_copy(ctx, rev), qn, AX_SEARCH_LEFT, NULL)));
    /* ascending, descending and repeated values (the narrowed searches) */
    ax_array *qs[3] = {ax_sort(ctx, q, 0), ax_flip(ctx, ax_sort(ctx, q, 0), (int[]){0}, 1),
                       ax_full(ctx, (int64_t[]){9}, 1, 3.0, AX_FLOAT64)};
    for (int i = 0; i < 3; i++)
        for (int side = 0; side < 2; side++) {
            ax_array *f = ax_searchsorted(ctx, s, qs[i], (ax_search_side)side, NULL);
            ax_eval1(ctx, f);
            ax__cpu_force_reference(true);
            ax_array *r = ax_searchsorted(ctx, s, qs[i], (ax_search_side)side, NULL);
            ax_eval1(ctx, r);
            ax__cpu_force_reference(false);
            CHECK_MSG(same_bytes(ctx, f, r), "searchsorted values %d side %d: fast != reference", i, side);
        }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x = messy(ctx, AX_FLOAT32, (int64_t[]){3, 4}, 2, 5);
    CHECK(ax_sort(ctx, x, 2) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_argsort(ctx, x, -3) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_partition(ctx, x, 4, 1) == NULL);
    CHECK(strstr(ax_error_message(ctx), "partition: kth 4 is out of bounds") != NULL);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    CHECK(ax_argpartition(ctx, x, -5, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    CHECK(ax_partition(ctx, x, -4, 1) != NULL); /* -n is fine */
    CHECK_OK(ctx);
    CHECK(ax_partition(ctx, ax_zeros(ctx, (int64_t[]){2, 0}, 2, AX_FLOAT32), 0, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    CHECK(ax_topk(ctx, x, 5, 1) == NULL);
    CHECK(strstr(ax_error_message(ctx), "topk: k = 5") != NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_topk(ctx, x, -1, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_median(ctx, x, (int[]){0, 0}, 2, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_median(ctx, x, (int[]){5}, 1, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    ax_array *c = ax_astype(ctx, x, AX_COMPLEX64);
    CHECK(ax_sort(ctx, c, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_median(ctx, c, NULL, 0, false) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *a = ax_sort(ctx, ax_flatten(ctx, x, 0, -1), 0);
    ax_array *vi = ax_astype(ctx, x, AX_INT32);
    CHECK(ax_searchsorted(ctx, a, vi, AX_SEARCH_LEFT, NULL) == NULL);
    CHECK(strstr(ax_error_message(ctx), "same dtype") != NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_searchsorted(ctx, x, x, AX_SEARCH_LEFT, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    CHECK(ax_searchsorted(ctx, a, x, (ax_search_side)7, NULL) == NULL);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_searchsorted(ctx, a, x, AX_SEARCH_LEFT, ax_astype(ctx, a, AX_INT32)) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_searchsorted(ctx, a, x, AX_SEARCH_LEFT, ax_zeros(ctx, (int64_t[]){3}, 1, AX_INT64)) == NULL);
    CHECK_ERR(ctx, AX_ERR_SHAPE);
    /* a sorter index out of range is found at evaluation */
    ax_array *bad = ax_full(ctx, (int64_t[]){12}, 1, 40, AX_INT64);
    ax_array *r = ax_searchsorted(ctx, a, x, AX_SEARCH_LEFT, bad);
    CHECK(r != NULL);
    CHECK(ax_eval1(ctx, r) != AX_OK);
    CHECK_ERR(ctx, AX_ERR_INDEX);
    /* NULL inputs propagate without a new error */
    CHECK(ax_sort(ctx, NULL, 0) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    ax_ctx_free(ctx);
}

/* Empty arrays and length-1 axes. */
static void test_edges(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *e = ax_zeros(ctx, (int64_t[]){0, 3}, 2, AX_FLOAT32);
    ax_array *r = ax_sort(ctx, e, 0);
    CHECK(r && ax_eval1(ctx, r) == AX_OK && ax_size(r) == 0);
    r = ax_argsort(ctx, e, 1);
    CHECK(r && ax_eval1(ctx, r) == AX_OK && ax_size(r) == 0);
    r = ax_median(ctx, e, (int[]){0}, 1, false); /* NumPy: nan (with a warning) */
    double *m = r ? test_to_f64(ctx, r) : NULL;
    CHECK(m && ax_size(r) == 3 && isnan(m[0]) && isnan(m[2]));
    free(m);
    ax_array *one = ax_scalar(ctx, 2.5, AX_FLOAT64);
    r = ax_sort(ctx, one, AX_AXIS_NONE);
    CHECK(r && ax_ndim(r) == 1 && item(ctx, r) == 2.5);
    CHECK(ax_sort(ctx, one, 0) == NULL); /* a 0-d array has no axis 0 */
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* Pattern `p` of n values for the value-sort tests (floats / ints). */
static double *sort_pattern(int p, int64_t n, bool isf) {
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        double x;
        switch (p) {
        case 0: x = (double)(int64_t)(r % 2000000001ull) - 1000000000.0; break; /* random */
        case 1: x = (double)i - 7; break;                                      /* sorted */
        case 2: x = (double)(n - i); break;                                    /* reverse */
        case 3: x = 5; break;                                                  /* all equal */
        case 4: x = (double)(r % 4); break;                                    /* few distinct */
        case 6: /* specials without NaN: zeros of both signs in a float line */
            if (isf) {
                const double sp[] = {INFINITY, -INFINITY, -0.0, 0.0, 1.5, -2.0, 0.0, -0.0};
                x = r % 3 ? (double)(int64_t)(r % 2001) - 1000.0 : sp[(r >> 8) % 8];
            } else {
                x = r % 3 ? (double)(int64_t)(r % 2001) - 1000.0 : 0;
            }
            break;
        default: /* specials */
            if (isf) {
                const double sp[] = {NAN, -NAN, INFINITY, -INFINITY, -0.0, 0.0, 1.5, -2.0};
                x = sp[r % 8];
            } else {
                const double sp[] = {INT32_MIN, INT32_MAX, 0, -1, 1, 7};
                x = sp[r % 6];
            }
            break;
        }
        if (isf && p == 0) x /= 1024;
        v[i] = x;
    }
    return v;
}

/* ax_sort of float32 / int32 / float64 / int64 (the AVX-512 quicksort where built, else the
 * radix sort) equals the stable reference bytewise (NaNs last in input
 * order, -0.0 / 0.0 in input order): every length 0..300 (the in-register
 * networks and the first partitions), 513 and 1000 (the out-of-place first
 * partition), 131075 and 1M (the bucket pass over the threads), the patterns
 * above (pattern 6: -0.0 without NaN, which stays on the out-of-place
 * path), non-contiguous lines (axis 0), batched lines, 1 to 3 threads. */
static void check_sort_vs_ref(ax_ctx *ctx, ax_array *x, int axis, const char *what, int p,
                              int64_t n) {
    ax_array *f = ax_sort(ctx, x, axis);
    ax_eval1(ctx, f);
    ax__cpu_force_reference(true);
    ax_array *r = ax_sort(ctx, x, axis);
    ax_eval1(ctx, r);
    ax__cpu_force_reference(false);
    CHECK_MSG(same_bytes(ctx, f, r), "%s pattern %d n %lld: fast != reference", what, p,
              (long long)n);
}

static void test_value_sort_patterns(void) {
    ax_ctx *ctx = ax_ctx_new();
    int nt = ax_get_num_threads();
    const ax_dtype ts[] = {AX_FLOAT32, AX_INT32, AX_FLOAT64, AX_INT64};
    for (int k = 0; k < 4; k++) {
        bool isf = ts[k] == AX_FLOAT32 || ts[k] == AX_FLOAT64;
        for (int64_t n = 0; n <= 300; n++)
            for (int p = 0; p < 7; p++) {
                ax_scope_begin(ctx);
                double *v = sort_pattern(p, n, isf);
                ax_array *x = test_from_f64(ctx, v, ts[k], &n, 1);
                free(v);
                check_sort_vs_ref(ctx, x, 0, ax_dtype_name(ts[k]), p, n);
                ax_scope_end(ctx);
            }
        for (int th = 1; th <= 3; th++) {
            ax_set_num_threads(th);
            const int64_t lens[] = {513, 1000, 4097, 131075, 1 << 20};
            for (int li = 0; li < 5; li++)
                for (int p = 0; p < 7; p++) {
                    int64_t n = lens[li];
                    if (li >= 3 && p != 0 && p != 5 && p != 6) continue; /* long: three patterns */
                    ax_scope_begin(ctx);
                    double *v = sort_pattern(p, n, isf);
                    ax_array *x = test_from_f64(ctx, v, ts[k], &n, 1);
                    check_sort_vs_ref(ctx, x, 0, ax_dtype_name(ts[k]), p, n);
                    /* the same values as columns of a (n/8, 8) array: strided
                     * lines; and as 8 contiguous rows (batched lines) */
                    int64_t sh[2] = {n / 8, 8}, sh2[2] = {8, n / 8};
                    ax_array *c = test_from_f64(ctx, v, ts[k], sh, 2);
                    check_sort_vs_ref(ctx, c, 0, "columns", p, n);
                    if (li < 3) {
                        ax_array *rows = test_from_f64(ctx, v, ts[k], sh2, 2);
                        check_sort_vs_ref(ctx, rows, 1, "rows", p, n);
                    }
                    free(v);
                    ax_scope_end(ctx);
                }
        }
        ax_set_num_threads(nt);
    }
    /* sortedness and the multiset on 1M random float32 with NaN / -0.0:
     * independent of the reference kernel */
    {
        int64_t n = 1 << 20;
        float *v = malloc(sizeof(float) * (size_t)n);
        int64_t nan_in = 0, negz_in = 0;
        for (int64_t i = 0; i < n; i++) {
            uint64_t r = rnd();
            v[i] = r % 97 == 0 ? NAN : r % 89 == 0 ? -0.0f : (float)((int64_t)(r >> 20) % 100001 - 50000) / 8.0f;
            nan_in += isnan(v[i]);
            negz_in += v[i] == 0 && signbit(v[i]);
        }
        ax_array *x = ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
        const float *sv = ax_data(ctx, ax_sort(ctx, x, 0));
        int64_t nan_out = 0, negz_out = 0, bad = 0;
        double sum_in = 0, sum_out = 0;
        for (int64_t i = 0; sv && i < n; i++) {
            nan_out += isnan(sv[i]);
            negz_out += sv[i] == 0 && signbit(sv[i]);
            if (!isnan(v[i])) sum_in += v[i];
            if (!isnan(sv[i])) sum_out += sv[i];
            if (i && lt_np(sv[i], sv[i - 1])) bad++;
        }
        CHECK_MSG(sv && bad == 0 && nan_in == nan_out && negz_in == negz_out && sum_in == sum_out,
                  "1M float32: %lld out of order, NaN %lld/%lld, -0.0 %lld/%lld", (long long)bad,
                  (long long)nan_out, (long long)nan_in, (long long)negz_out, (long long)negz_in);
        free(v);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* searchsorted's batched branchless search (sort_select.c) against the
 * reference binary search: sorted arrays of lengths around powers of two
 * and the batch width, value counts that leave partial batches, both
 * sides, each key type (float32/64, int32/64 and the generic ones), with
 * repeats, NaN, -0.0 and values outside the array's range. */
static void test_searchsorted_batches(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype types[] = {AX_FLOAT32, AX_FLOAT64, AX_INT32, AX_INT64, AX_FLOAT16, AX_UINT8, AX_UINT64};
    const int64_t lens[] = {0, 1, 2, 3, 15, 16, 17, 1000, 4097};
    const int64_t counts[] = {1, 15, 16, 17, 100};
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
            for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
                ax_scope_begin(ctx);
                int range = lens[li] > 40 ? 60 : 8; /* repeats in every array */
                ax_array *a = ax_sort(ctx, messy(ctx, types[ti], (int64_t[]){lens[li]}, 1, range), 0);
                ax_array *v = messy(ctx, types[ti], (int64_t[]){counts[ci]}, 1, range + 3);
                for (int side = 0; side < 2; side++) {
                    ax_array *f = ax_searchsorted(ctx, a, v, (ax_search_side)side, NULL);
                    ax_eval1(ctx, f);
                    ax__cpu_force_reference(true);
                    ax_array *r = ax_searchsorted(ctx, a, v, (ax_search_side)side, NULL);
                    ax_eval1(ctx, r);
                    ax__cpu_force_reference(false);
                    CHECK_MSG(same_bytes(ctx, f, r), "searchsorted %s n=%lld m=%lld side %d: fast != reference",
                              ax_dtype_name(types[ti]), (long long)lens[li], (long long)counts[ci], side);
                }
                CHECK_OK(ctx);
                ax_scope_end(ctx);
            }
    ax_ctx_free(ctx);
}

int main(void) {
    test_numpy_refs();
    test_fast_vs_reference();
    test_threads();
    test_value_sort_patterns();
    test_views();
    test_errors();
    test_edges();
    test_searchsorted_batches();
    return test_summary("test_sort");
}
