/* Scans: NumPy references (tests/numpy_ref/scan_sort_refs.h) for cumsum,
 * cumprod, cummax, cummin and logcumsumexp over axes, flattened, reverse,
 * exclusive, every dtype rule (NumPy's accumulation dtypes), integer wrap,
 * NaN / inf propagation; fast kernels against the reference kernels on long
 * lines and wide inner dimensions; views; errors. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "numpy_ref/scan_sort_refs.h"
#include "testutil.h"

typedef ax_array *(*scan_fn)(ax_ctx *, ax_array *, int, bool, bool);

static scan_fn scan_of(const char *op) {
    if (!strcmp(op, "cumsum")) return ax_cumsum;
    if (!strcmp(op, "cumprod")) return ax_cumprod;
    if (!strcmp(op, "cummax")) return ax_cummax;
    if (!strcmp(op, "cummin")) return ax_cummin;
    if (!strcmp(op, "logcumsumexp")) return ax_logcumsumexp;
    return NULL;
}

/* Tolerance relative to max(|want|, 1): ax accumulates floats in float64 and
 * rounds each output once, NumPy accumulates in the dtype (rounding every
 * step), so results may differ by a few units in the last place of the
 * dtype (float16 sums of 9 terms: up to ~2 ulp of 4 = 4e-3). */
static double tol_of(ax_dtype t) {
    switch (t) {
    case AX_FLOAT64: return 1e-13;
    case AX_FLOAT32: return 1e-6;
    case AX_FLOAT16: return 4e-3;
    default: return 0;
    }
}

static void run_ref(ax_ctx *ctx, const ssr_case *c) {
    scan_fn fn = scan_of(c->op);
    if (!fn) return;
    ax_array *x = test_from_f64(ctx, c->in, (ax_dtype)c->dtype, c->shape, c->ndim);
    ax_array *r = fn(ctx, x, c->axis, c->p1 != 0, c->p2 != 0);
    bool ok = r && ax_ndim(r) == c->out_ndim && ax_dtype_of(r) == (ax_dtype)c->out_dtype;
    for (int d = 0; ok && d < c->out_ndim; d++) ok = ax_shape(r)[d] == c->out_shape[d];
    CHECK_MSG(ok, "%s: dtype/shape: got %s %s, want %s (%s)", c->name,
              r ? ax_dtype_name(ax_dtype_of(r)) : "NULL", r ? AX_SHAPE(r) : "",
              ax_dtype_name((ax_dtype)c->out_dtype), ax_error_message(ctx));
    if (!ok) {
        ax_error_clear(ctx);
        return;
    }
    double *y = test_to_f64(ctx, r);
    CHECK_OK(ctx);
    if (!y) return;
    double tol = tol_of((ax_dtype)c->out_dtype);
    int bad = 0;
    for (int64_t i = 0; i < c->out_size && bad < 3; i++) {
        double w = c->out[i], g = y[i];
        if (!ax_dtype_is_floating((ax_dtype)c->out_dtype)) {
            /* integers: exact (uint64/int64 values of the refs fit a double) */
            ok = g == w;
        } else if (isnan(w) || isinf(w)) {
            ok = isnan(w) ? isnan(g) : g == w;
        } else {
            ok = fabs(g - w) <= tol * fmax(fabs(w), 1.0);
        }
        if (!ok) {
            CHECK_MSG(false, "%s: element %lld is %.17g, NumPy %.17g", c->name, (long long)i, g, w);
            bad++;
        }
    }
    test_checks++;
    free(y);
}

static void test_numpy_refs(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int pass = 0; pass < 2; pass++) {
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

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double urand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/* Fast kernels against the reference kernels: every kind, both directions,
 * inclusive and exclusive, axis last (inner = 1) and not (inner > 1, wider
 * than one panel), the dtypes with fast paths. float sums/products agree to
 * rounding (both accumulate in double in the same order: bitwise equal). */
static void test_fast_vs_reference(void) {
    ax_ctx *ctx = ax_ctx_new();
    const ax_dtype ts[] = {AX_FLOAT32, AX_FLOAT64, AX_INT32, AX_INT64};
    const int64_t shape[3] = {3, 200, 300};
    double *v = malloc(sizeof(double) * 3 * 200 * 300);
    for (int i = 0; i < 3 * 200 * 300; i++) {
        v[i] = floor(urand() * 9) - 4 + (urand() < 0.5 ? 0.25 : 0);
        if (urand() < 0.001) v[i] = NAN;
    }
    scan_fn fns[5] = {ax_cumsum, ax_cumprod, ax_cummax, ax_cummin, ax_logcumsumexp};
    for (size_t k = 0; k < 4; k++) {
        ax_array *x = test_from_f64(ctx, v, ts[k], shape, 3);
        for (int f = 0; f < 5; f++)
            for (int ax = 0; ax < 3; ax++)
                for (int mode = 0; mode < 4; mode++) {
                    ax_scope_begin(ctx);
                    bool rev = mode & 1, incl = mode & 2;
                    ax_array *a = fns[f](ctx, x, ax, rev, incl);
                    ax_eval1(ctx, a);
                    ax__cpu_force_reference(true);
                    ax_array *b = fns[f](ctx, x, ax, rev, incl);
                    ax_eval1(ctx, b);
                    ax__cpu_force_reference(false);
                    CHECK_OK(ctx);
                    const void *pa = ax_data(ctx, a), *pb = ax_data(ctx, b);
                    CHECK_MSG(pa && pb && !memcmp(pa, pb, ax_nbytes(a)),
                              "%s fn %d axis %d mode %d: fast != reference", ax_dtype_name(ts[k]),
                              f, ax, mode);
                    ax_scope_end(ctx);
                }
    }
    free(v);
    ax_ctx_free(ctx);
}

/* A strided (transposed, stepped) input scans like its copy. */
static void test_views(void) {
    ax_ctx *ctx = ax_ctx_new();
    double v[60];
    for (int i = 0; i < 60; i++) v[i] = (double)((i * 7) % 11) - 5;
    ax_array *x = test_from_f64(ctx, v, AX_FLOAT32, (int64_t[]){6, 10}, 2);
    ax_array *s = ax_slice_axis(ctx, ax_transpose(ctx, x, NULL, 0), 0, 1, 10, 3);
    ax_array *c = ax_copy(ctx, s);
    for (int ax = 0; ax < 2; ax++) {
        const void *a = ax_data(ctx, ax_cumsum(ctx, s, ax, ax == 1, true));
        const void *b = ax_data(ctx, ax_cumsum(ctx, c, ax, ax == 1, true));
        CHECK(a && b && !memcmp(a, b, 18 * 4));
    }
    /* cumsum over everything: the last element is the sum */
    ax_array *t = ax_cumsum(ctx, x, AX_AXIS_NONE, false, true);
    double last = 0, sum = 0;
    CHECK(ax_ndim(t) == 1 && ax_shape(t)[0] == 60);
    ax_item_f64(ctx, ax_slice_axis(ctx, t, 0, 59, 60, 1), &last);
    ax_item_f64(ctx, ax_sum(ctx, x, NULL, 0, false), &sum);
    CHECK(last == sum);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

static void test_errors(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *x = ax_zeros(ctx, (int64_t[]){2, 3}, 2, AX_FLOAT32);
    CHECK(ax_cumsum(ctx, x, 2, false, true) == NULL);
    CHECK(strstr(ax_error_message(ctx), "cumsum: axis 2 is out of bounds") != NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_cummax(ctx, x, -3, false, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    CHECK(ax_cumprod(ctx, ax_scalar(ctx, 1, AX_FLOAT32), 0, false, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_AXIS);
    ax_array *c = ax_zeros(ctx, (int64_t[]){3}, 1, AX_COMPLEX64);
    CHECK(ax_cummax(ctx, c, 0, false, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    CHECK(ax_logcumsumexp(ctx, c, 0, false, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_DTYPE);
    ax_array *cs = ax_cumsum(ctx, c, 0, false, true); /* complex sums are supported */
    CHECK(cs && ax_dtype_of(cs) == AX_COMPLEX64 && ax_eval1(ctx, cs) == AX_OK);
    CHECK(ax_cumsum(ctx, NULL, 0, false, true) == NULL);
    CHECK_ERR(ctx, AX_ERR_NULL);
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_numpy_refs();
    test_fast_vs_reference();
    test_views();
    test_errors();
    return test_summary("test_scan");
}
