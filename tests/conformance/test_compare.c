/* Self-test of the conformance harness: the comparison catches mismatches,
 * misplaced NaNs and infinities; guard mode catches out-of-bounds writes;
 * a cell fails on a wrong expectation, a guard corruption, a modified input,
 * a leak, an error or fast/reference disagreement; the runner catches
 * unknown, uncovered and duplicate cases. Cases here are private (built from
 * identity builds), not part of the families' tables. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "core/memory_debug.h"
#include "harness.h"
#include "testutil.h"

/* ---------------------------------------------------------------- compare */

static bool cmp_f64(ax_dtype t, const double *got, const double *want, int n, double tol) {
    size_t isz = ax_dtype_size(t);
    char *g = malloc(isz * (size_t)n), *w = malloc(isz * (size_t)n);
    for (int i = 0; i < n; i++) {
        ax__store_f64(g + i * (int)isz, t, got[i]);
        ax__store_f64(w + i * (int)isz, t, want[i]);
    }
    char msg[256];
    bool ok = conf_compare_host(t, g, w, n, tol, msg, sizeof msg);
    free(g);
    free(w);
    return ok;
}

static void test_compare(void) {
    const double a[4] = {1, -2, 3, 4};
    CHECK(cmp_f64(AX_FLOAT32, a, a, 4, 0));
    /* within and beyond float32's bound (1e-5 of max |want| = 4) */
    double b[4] = {1, -2, 3, 4 + 4 * 2e-6};
    CHECK(cmp_f64(AX_FLOAT32, b, a, 4, 0));
    b[3] = 4 + 4 * 5e-5;
    CHECK(!cmp_f64(AX_FLOAT32, b, a, 4, 0));
    CHECK(cmp_f64(AX_FLOAT32, b, a, 4, 10)); /* case->tol multiplies the bound */
    /* float64 is much tighter */
    b[3] = 4 + 4 * 1e-10;
    CHECK(!cmp_f64(AX_FLOAT64, b, a, 4, 0));
    /* NaN in one only; NaN in both at the same place */
    double n1[4] = {1, NAN, 3, 4}, n2[4] = {1, -2, NAN, 4}, n3[4] = {1, NAN, 3, 4};
    CHECK(!cmp_f64(AX_FLOAT32, n1, a, 4, 0));
    CHECK(!cmp_f64(AX_FLOAT32, a, n1, 4, 0));
    CHECK(!cmp_f64(AX_FLOAT32, n1, n2, 4, 0));
    CHECK(cmp_f64(AX_FLOAT32, n1, n3, 4, 0));
    /* infinities: equal passes, sign or finite mismatch fails */
    double i1[2] = {INFINITY, 1}, i2[2] = {-INFINITY, 1}, i3[2] = {3e38, 1};
    CHECK(cmp_f64(AX_FLOAT64, i1, i1, 2, 0));
    CHECK(!cmp_f64(AX_FLOAT64, i1, i2, 2, 0));
    CHECK(!cmp_f64(AX_FLOAT64, i3, i1, 2, 0));
    /* float16: one ulp near the max is within 2e-3 */
    double h1[2] = {1000, 1}, h2[2] = {1000.5, 1};
    CHECK(cmp_f64(AX_FLOAT16, h2, h1, 2, 0));
    double h3[2] = {1010, 1};
    CHECK(!cmp_f64(AX_FLOAT16, h3, h1, 2, 0));
    /* integers are exact, whatever tol says */
    double k1[3] = {5, 6, 7}, k2[3] = {5, 6, 8};
    CHECK(cmp_f64(AX_INT32, k1, k1, 3, 0));
    CHECK(!cmp_f64(AX_INT32, k2, k1, 3, 1000));
    CHECK(!cmp_f64(AX_UINT64, k2, k1, 3, 0));
    /* bool compares bytes: 2 is not a valid true */
    unsigned char t1[3] = {0, 1, 1}, t2[3] = {0, 1, 2};
    char msg[256] = "";
    CHECK(conf_compare_host(AX_BOOL, t1, t1, 3, 0, msg, sizeof msg));
    CHECK(!conf_compare_host(AX_BOOL, t2, t1, 3, 0, msg, sizeof msg));
    CHECK(strstr(msg, "element 2") != NULL);
    /* complex: an imaginary mismatch alone is caught */
    float c1[4] = {1, 2, 3, 4}, c2[4] = {1, 2, 3, 4.5f};
    CHECK(conf_compare_host(AX_COMPLEX64, c1, c1, 2, 0, msg, sizeof msg));
    CHECK(!conf_compare_host(AX_COMPLEX64, c2, c1, 2, 0, msg, sizeof msg));
    CHECK(strstr(msg, "element 1") != NULL);
    /* empty: nothing to differ */
    CHECK(conf_compare_host(AX_FLOAT32, c1, c2, 0, 0, msg, sizeof msg));
}

/* ---------------------------------------------------------------- guards */

static void test_guards(ax_ctx *ctx) {
    bool old = ax__memory_set_guards(false);
    ax_buffer *plain = ax__buffer_new(ctx, 100); /* freed later in guard mode */
    CHECK(plain && !ax__buffer_is_guarded(plain));
    ax__memory_set_guards(true);
    CHECK(ax__memory_guards());
    const size_t active0 = ax_memory_active();
    const long f0 = ax__memory_guard_failures();

    /* fresh data is poisoned; writes inside the buffer are fine */
    ax_buffer *b = ax__buffer_new(ctx, 10);
    CHECK(b && ax__buffer_is_guarded(b));
    CHECK(((uintptr_t)b->data % 64) == 0);
    bool poisoned = true;
    for (int i = 0; i < 10; i++) poisoned &= ((unsigned char *)b->data)[i] == AX_GUARD_POISON;
    CHECK(poisoned);
    CHECK(ax_memory_active() > active0);
    memset(b->data, 0, 10);
    CHECK(ax__buffer_guards_ok(b));
    ax__buffer_release(b);
    CHECK(ax__memory_guard_failures() == f0);

    /* one byte past the end (even inside the 64-byte rounding) */
    b = ax__buffer_new(ctx, 10);
    ((unsigned char *)b->data)[10] ^= 0xff;
    CHECK(!ax__buffer_guards_ok(b));
    ax__buffer_release(b);
    CHECK(ax__memory_guard_failures() == f0 + 1);

    /* one byte before the start */
    b = ax__buffer_new(ctx, 128);
    ((unsigned char *)b->data)[-1] ^= 0x01;
    ax__buffer_release(b);
    CHECK(ax__memory_guard_failures() == f0 + 2);

    /* far past the end of a 64-multiple buffer */
    b = ax__buffer_new(ctx, 64);
    ((unsigned char *)b->data)[64 + 63] = 0;
    ax__buffer_release(b);
    CHECK(ax__memory_guard_failures() == f0 + 3);

    /* a zero-byte buffer still has both guards */
    b = ax__buffer_new(ctx, 0);
    CHECK(b && ax__buffer_guards_ok(b));
    ax__buffer_release(b);
    CHECK(ax__memory_guard_failures() == f0 + 3);

    CHECK(ax_memory_active() == active0);
    /* a buffer from before guard mode is freed as a pool buffer, not checked */
    ax__buffer_release(plain);
    CHECK(ax__memory_guard_failures() == f0 + 3);
    ax__memory_set_guards(old);
}

/* ---------------------------------------------------------------- cells */

static ax_array *leaked; /* released by the test after the leak check */

static ax_array *build_identity(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return in[0];
}
static bool expect_identity(const conf_case *c, const double *const *in, const int64_t *const *shp,
                            const int *nd, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i];
    return true;
}
static bool expect_plus_one(const conf_case *c, const double *const *in, const int64_t *const *shp,
                            const int *nd, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = in[0][i] + 1;
    return true;
}
static bool expect_shapes(const conf_case *c, const double *const *in, const int64_t *const *shp,
                          const int *nd, double *out, int64_t n) {
    /* the harness passes the cell's input shapes */
    bool same = nd[0] == c->ndim[0];
    for (int k = 0; same && k < nd[0]; k++) same = shp[0][k] == c->shape[0][k];
    for (int64_t i = 0; i < n; i++) out[i] = same ? in[0][i] : NAN;
    return true;
}
static ax_array *build_second(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return in[1];
}
static bool expect_index_range(const conf_case *c, const double *const *in,
                               const int64_t *const *shp, const int *nd, double *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double v = in[1][i];
        if (v < (double)c->idx_lo || v > (double)c->idx_hi || v != floor(v)) out[i] = NAN;
        else out[i] = v;
    }
    return true;
}
static ax_array *build_overflow(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_buffer *b = ax__buffer_new(ctx, 12);
    if (b) {
        ((char *)b->data)[12] = 0; /* one past the end */
        ax__buffer_release(b);
    }
    return in[0];
}
static ax_array *build_scribble(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    ax_array *x = in[0]; /* a leaf in the contig variant */
    if (ax_size(x) && !ax__cpu_use_reference())
        ((char *)x->buf->data)[x->offset * (int64_t)ax_dtype_size(x->dtype)] ^= 1;
    return x;
}
static ax_array *build_leak(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    if (!leaked) {
        int64_t shape[1] = {16};
        float zeros[16] = {0};
        leaked = ax_retain(ax_array_from_data(ctx, zeros, AX_FLOAT32, shape, 1));
    }
    return in[0];
}
static ax_array *build_unwritten(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    /* a fresh buffer that nothing writes: holds the poison in guard mode */
    ax_array *a = ax__array_new(ctx, ax_dtype_of(in[0]), ax_shape(in[0]), ax_ndim(in[0]));
    if (a && ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    return a ? ax__own(ctx, a) : NULL;
}
static ax_array *build_unsupported(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax__error(ctx, AX_ERR_UNSUPPORTED, "selftest: not supported");
}
static ax_array *build_value_error(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax__error(ctx, AX_ERR_VALUE, "selftest: bad value");
}
static ax_array *build_differs(ax_ctx *ctx, ax_array *const *in, const conf_case *c) {
    return ax__cpu_use_reference() ? in[1] : in[0];
}

#define ONE_INPUT(nd_, ...) .n_in = 1, .ndim = {nd_}, .shape = {{__VA_ARGS__}}
static const conf_case identity = {
    .name = "selftest/identity", .covers = "copy", .dtypes = CONF_ALL_DTYPES,
    .variants = CONF_ALL_VARIANTS, ONE_INPUT(3, 3, 4, 5), .large = {{7, 33, 65}},
    .lo = -3, .hi = 7, .build = build_identity, .expect = expect_identity};

static conf_outcome run(ax_ctx *ctx, const conf_case *c, ax_dtype t, unsigned v, char *msg) {
    return conf_run_cell(ctx, c, t, v, conf_seed(c, t, v), msg, 1024);
}

static void test_cells(ax_ctx *ctx) {
    char msg[1024];
    /* identity over every dtype and variant: inputs read back as generated */
    for (int t = 0; t < AX_DTYPE_COUNT; t++)
        for (unsigned v = CONF_CONTIG; v <= CONF_LARGE; v <<= 1) {
            conf_outcome o = run(ctx, &identity, (ax_dtype)t, v, msg);
            CHECK_MSG(o == CONF_PASS, "%s/%s: %s", ax_dtype_name((ax_dtype)t), conf_variant_name(v), msg);
        }
    CHECK(ax_error_code(ctx) == AX_OK);

    /* seeds: deterministic, distinct per dtype and variant */
    CHECK(conf_seed(&identity, AX_FLOAT32, CONF_CONTIG) == conf_seed(&identity, AX_FLOAT32, CONF_CONTIG));
    CHECK(conf_seed(&identity, AX_FLOAT32, CONF_CONTIG) != conf_seed(&identity, AX_FLOAT64, CONF_CONTIG));
    CHECK(conf_seed(&identity, AX_FLOAT32, CONF_CONTIG) != conf_seed(&identity, AX_FLOAT32, CONF_STRIDED));

    /* a wrong expectation fails, in every variant but the empty one */
    conf_case c = identity;
    c.expect = expect_plus_one;
    for (unsigned v = CONF_CONTIG; v <= CONF_LARGE; v <<= 1) {
        conf_outcome o = run(ctx, &c, AX_FLOAT32, v, msg);
        CHECK_MSG(o == (v == CONF_EMPTY ? CONF_PASS : CONF_FAIL), "%s: %s", conf_variant_name(v), msg);
    }
    CHECK(run(ctx, &c, AX_INT16, CONF_STRIDED, msg) == CONF_FAIL);
    CHECK(strstr(msg, "expect") != NULL);
    c.expect = expect_shapes; /* shapes handed to expect are the cell's */
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_PERMUTED, msg) == CONF_PASS);

    /* index inputs stay in [idx_lo, idx_hi] and are int64; bool inputs are 0/1 */
    conf_case ix = identity;
    ix.name = "selftest/index";
    ix.n_in = 2;
    ix.ndim[1] = 2;
    ix.shape[1][0] = 40;
    ix.shape[1][1] = 50;
    ix.large[1][0] = 300;
    ix.large[1][1] = 301;
    ix.index_mask = 2;
    ix.idx_lo = -5;
    ix.idx_hi = 3;
    ix.build = build_second;
    ix.expect = expect_index_range;
    CHECK(conf_input_dtype(&ix, 1, AX_FLOAT16) == AX_INT64);
    CHECK(conf_input_dtype(&ix, 0, AX_FLOAT16) == AX_FLOAT16);
    for (unsigned v = CONF_CONTIG; v <= CONF_LARGE; v <<= 1)
        CHECK_MSG(run(ctx, &ix, AX_FLOAT32, v, msg) == CONF_PASS, "%s", msg);

    /* a guard corruption fails the cell, with the other checks passing */
    c = identity;
    c.build = build_overflow;
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "guard") != NULL);

    /* writing into an input fails */
    c = identity;
    c.build = build_scribble;
    c.expect = NULL;
    CHECK(run(ctx, &c, AX_INT32, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "modified") != NULL);

    /* pool memory still held after the cell fails it */
    c = identity;
    c.build = build_leak;
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "leak") != NULL);
    ax_release(leaked);
    leaked = NULL;

    /* an output nobody wrote shows (fast and reference alike) */
    c = identity;
    c.build = build_unwritten;
    c.expect = NULL;
    CHECK(run(ctx, &c, AX_FLOAT64, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "never written") != NULL);
    CHECK(run(ctx, &c, AX_COMPLEX64, CONF_LARGE, msg) == CONF_FAIL);

    /* unsupported is reported, not failed; other errors fail */
    c = identity;
    c.build = build_unsupported;
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_CONTIG, msg) == CONF_UNSUPPORTED);
    c.build = build_value_error;
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "bad value") != NULL);
    CHECK(ax_error_code(ctx) == AX_OK);

    /* fast and reference kernels disagreeing fails, also with NaN-free ints */
    c = identity;
    c.n_in = 2;
    c.ndim[1] = 3;
    memcpy(c.shape[1], c.shape[0], sizeof c.shape[0]);
    c.build = build_differs;
    c.expect = NULL;
    CHECK(run(ctx, &c, AX_FLOAT64, CONF_CONTIG, msg) == CONF_FAIL);
    CHECK(strstr(msg, "fast vs reference") != NULL);
    CHECK(run(ctx, &c, AX_UINT8, CONF_STRIDED, msg) == CONF_FAIL);

    /* CONF_LARGE without large shapes is a bad case */
    c = identity;
    memset(c.large, 0, sizeof c.large);
    CHECK(run(ctx, &c, AX_FLOAT32, CONF_LARGE, msg) == CONF_FAIL);
}

/* ---------------------------------------------------------------- runner */

static char *run_all_capture(const conf_case *table, bool coverage, int *problems) {
    FILE *f = tmpfile();
    if (!f) return NULL;
    const conf_case *tables[2] = {table, NULL};
    *problems = conf_run_all(tables, 2, coverage, f);
    long n = ftell(f);
    char *text = calloc(1, (size_t)n + 1);
    rewind(f);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) text[0] = 0;
    fclose(f);
    return text;
}

static void test_runner(void) {
    int problems = -1;
    const conf_case good[] = {
        {.name = "selftest/a", .covers = "copy astype", .dtypes = CONF_DT(AX_FLOAT32) | CONF_DT(AX_INT8),
         .variants = CONF_PERMUTED, ONE_INPUT(2, 3, 4), .lo = -1, .hi = 1, .build = build_identity,
         .expect = expect_identity},
        {.name = NULL},
    };
    char *out = run_all_capture(good, false, &problems);
    CHECK(problems == 0);
    CHECK(out && strstr(out, "support matrix"));
    CHECK(out && strstr(out, "conformance: 1 cases (1 run, 1 with expect())"));
    free(out);
    /* the same table fails the coverage check */
    out = run_all_capture(good, true, &problems);
    CHECK(problems == AX_OP_COUNT - 2);
    CHECK(out && strstr(out, "without a case:") && strstr(out, " matmul"));
    free(out);

    const conf_case bad[] = {
        {.name = "selftest/a", .covers = "copy bogus_op", .dtypes = CONF_DT(AX_FLOAT32), ONE_INPUT(1, 3),
         .build = build_identity},
        {.name = "selftest/a", .covers = "copy", .dtypes = CONF_DT(AX_FLOAT32), ONE_INPUT(1, 3),
         .build = build_identity},
        {.name = "selftest/c", .covers = "", .dtypes = CONF_DT(AX_FLOAT32), ONE_INPUT(1, 3),
         .build = build_identity},
        {.name = "selftest/d", .covers = "copy", .dtypes = CONF_DT(AX_FLOAT32), ONE_INPUT(1, 3),
         .lo = 0, .hi = 1, .build = build_identity, .expect = expect_plus_one},
        {.name = NULL},
    };
    out = run_all_capture(bad, false, &problems);
    CHECK(problems == 4); /* unknown op, duplicate, no op, failed cell */
    CHECK(out && strstr(out, "bogus_op"));
    CHECK(out && strstr(out, "used twice"));
    CHECK(out && strstr(out, "covers no op"));
    CHECK(out && strstr(out, "FAIL selftest/d/float32/contig seed=0x"));
    free(out);
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    test_compare();
    test_guards(ctx);
    test_cells(ctx);
    test_runner();
    ax_ctx_free(ctx);
    return test_summary("conformance_selftest");
}
