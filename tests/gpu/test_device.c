/* The device model (include/ax/device.h): selecting devices, unified memory
 * (residency and transfers), reading results back, GPU and CPU ops mixed,
 * donation, streams, device memory figures and limits, and the CPU fallback
 * for ops without a GPU kernel.
 *
 * The no-device part runs everywhere (CI has no GPU): selecting a GPU that
 * does not exist is AX_ERR_UNSUPPORTED and leaves the context working on the
 * CPU. Without a CUDA device the program then prints "skipped: no CUDA
 * device" and exits 77 (CTest SKIP_RETURN_CODE), or 1 if a no-device check
 * failed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ax/device.h"
#include "testutil.h"

#define N_BIG ((int64_t)1 << 22) /* 4M float32 = 16 MiB */

static const ax_device CPU = {AX_DEVICE_CPU, 0};

static ax_array *ramp(ax_ctx *ctx, int64_t n, float scale) {
    float *v = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = scale * (float)((i % 1000) - 500) / 500.0f;
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
    free(v);
    return a;
}

static float ramp_at(int64_t i, float scale) { return scale * (float)((i % 1000) - 500) / 500.0f; }

static bool has_text(const char *s, const char *needle) { return s && strstr(s, needle) != NULL; }

/* ---------------------------------------------------------------- everywhere */

static void test_devices_basic(void) {
    ax_ctx *ctx = ax_ctx_new();
    char buf[32];
    CHECK(!strcmp(ax_device_str(ax_cpu(), buf, sizeof buf), "cpu"));
    CHECK(!strcmp(ax_device_str(ax_gpu(3), buf, sizeof buf), "gpu:3"));
    CHECK(ax_device_equal(ax_cpu(), CPU));
    CHECK(!ax_device_equal(ax_cpu(), ax_gpu(0)));
    CHECK(ax_device_equal(ax_get_default_device(ctx), ax_cpu()));
    CHECK(ax_get_default_stream(ctx).index == 0);
    CHECK(ax_gpu_count() >= 0);
    if (!ax_cuda_built()) CHECK(ax_gpu_count() == 0);
    /* no such GPU, whatever the machine */
    CHECK(ax_set_default_device(ctx, ax_gpu(4096)) == AX_ERR_UNSUPPORTED);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_set_default_device(ctx, ax_gpu(-1)) == AX_ERR_UNSUPPORTED);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_set_default_device(ctx, (ax_device){AX_DEVICE_CPU, 1}) == AX_ERR_VALUE);
    CHECK_ERR(ctx, AX_ERR_VALUE);
    CHECK(ax_device_equal(ax_get_default_device(ctx), ax_cpu()));
    CHECK(ax_gpu_name(4096) == NULL);
    /* the CPU: one stream, synchronize is a no-op, memory figures are ax_memory_* */
    ax_stream s = ax_new_stream(ctx, ax_cpu());
    CHECK(s.index == -1);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_synchronize(ctx, ax_cpu()) == AX_OK);
    CHECK(ax_set_default_stream(ctx, (ax_stream){ax_cpu(), 0}) == AX_OK);
    CHECK(ax_device_memory_active(ax_cpu()) == ax_memory_active());
    CHECK(ax_device_memory_cache(ax_cpu()) == ax_memory_cache());
    /* unknown op names are never "supported" */
    CHECK(!ax_gpu_supports("no_such_op"));
    CHECK(!ax_gpu_supports(NULL));
    /* fallback flag: process-wide, returns the previous value (default on) */
    CHECK(ax_set_gpu_fallback(false) == true);
    CHECK(ax_set_gpu_fallback(true) == false);
    ax_ctx_free(ctx);
}

static void test_no_device(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_ERR_UNSUPPORTED);
    CHECK_MSG(has_text(ax_error_message(ctx), "gpu:0"), "message: %s", ax_error_message(ctx));
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_device_equal(ax_get_default_device(ctx), ax_cpu()));
    CHECK(ax_set_default_stream(ctx, (ax_stream){ax_gpu(0), 0}) == AX_ERR_UNSUPPORTED);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    ax_stream s = ax_new_stream(ctx, ax_gpu(0));
    CHECK(s.index == -1);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_synchronize(ctx, ax_gpu(0)) == AX_ERR_UNSUPPORTED);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    CHECK(ax_gpu_name(0) == NULL);
    CHECK(ax_device_memory_active(ax_gpu(0)) == 0);
    CHECK(ax_device_memory_peak(ax_gpu(0)) == 0);
    CHECK(ax_device_memory_cache(ax_gpu(0)) == 0);
    CHECK(ax_device_set_memory_limit(ax_gpu(0), 1 << 20) == 0);
    ax_device_memory_clear_cache(ax_gpu(0));
    ax_device_memory_reset_peak(ax_gpu(0));
    size_t td = 1, th = 1;
    ax_device_transfer_stats(ax_gpu(0), &td, &th);
    CHECK(td == 0 && th == 0);
    if (!ax_cuda_built()) CHECK(!ax_gpu_supports("add"));
    /* the context still works on the CPU */
    ax_array *x = ramp(ctx, 1000, 1.0f);
    ax_array *y = ax_add(ctx, x, x);
    const float *d = ax_data(ctx, y);
    CHECK_OK(ctx);
    CHECK(d && d[0] == 2 * ramp_at(0, 1.0f) && d[999] == 2 * ramp_at(999, 1.0f));
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- with a GPU */

static void transfers(size_t *to_dev, size_t *to_host) { ax_device_transfer_stats(ax_gpu(0), to_dev, to_host); }

/* A CPU-made array used by GPU ops moves to the device once; results stay
 * there until read. */
static void test_residency(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *x = ramp(ctx, N_BIG, 2.0f);
    const size_t nb = ax_nbytes(x);
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT32), *two = ax_scalar(ctx, 2.0, AX_FLOAT32);
    CHECK(ax_eval1(ctx, x) == AX_OK && ax_eval1(ctx, one) == AX_OK && ax_eval1(ctx, two) == AX_OK);
    size_t d0, h0, d1, h1, d2, h2;
    transfers(&d0, &h0);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    CHECK(ax_device_equal(ax_get_default_device(ctx), ax_gpu(0)));
    ax_array *a = ax_add(ctx, x, one);
    CHECK(ax_eval1(ctx, a) == AX_OK);
    ax_array *b = ax_multiply(ctx, x, two); /* a second eval: x is already there */
    CHECK(ax_eval1(ctx, b) == AX_OK);
    CHECK(ax_synchronize(ctx, ax_gpu(0)) == AX_OK);
    transfers(&d1, &h1);
    CHECK_MSG(d1 - d0 >= nb && d1 - d0 <= nb + 64, "moved %zu bytes to the device, want %zu (+ 2 scalars)",
              d1 - d0, nb);
    CHECK_MSG(h1 == h0, "%zu bytes came back before anything was read", h1 - h0);
    /* reading brings the values back, once */
    const float *pa = ax_data(ctx, a);
    CHECK_OK(ctx);
    transfers(&d2, &h2);
    CHECK_MSG(h2 - h1 == nb, "read back %zu bytes, want %zu", h2 - h1, nb);
    const float *pa2 = ax_data(ctx, a);
    size_t d3, h3;
    transfers(&d3, &h3);
    CHECK(pa2 == pa && h3 == h2 && d3 == d2);
    int bad = 0;
    for (int64_t i = 0; pa && i < N_BIG; i++) bad += pa[i] != ramp_at(i, 2.0f) + 1.0f;
    CHECK_MSG(pa && bad == 0, "%d wrong elements of x + 1", bad);
    /* ax_copy_to and ax_item read back too */
    float *pb = malloc((size_t)nb);
    CHECK(ax_copy_to(ctx, b, pb, nb) == AX_OK);
    bad = 0;
    for (int64_t i = 0; i < N_BIG; i++) bad += pb[i] != ramp_at(i, 2.0f) * 2.0f;
    CHECK_MSG(bad == 0, "%d wrong elements of x * 2", bad);
    free(pb);
    int64_t idx = 123456;
    ax_array *e = ax_take(ctx, b, ax_scalar(ctx, (double)idx, AX_INT64), 0);
    double v = 0;
    CHECK(ax_item_f64(ctx, e, &v) == AX_OK);
    CHECK(v == (double)(ramp_at(idx, 2.0f) * 2.0f));
    CHECK_OK(ctx);
    ax_set_default_device(ctx, ax_cpu());
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

/* An op evaluated on the GPU, then a CPU op that consumes its output. */
static void test_gpu_then_cpu(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *x = ramp(ctx, N_BIG, 3.0f);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_array *y = ax_exp(ctx, x);
    CHECK(ax_eval1(ctx, y) == AX_OK);
    size_t d0, h0, d1, h1;
    transfers(&d0, &h0);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    ax_array *z = ax_add(ctx, y, ax_scalar(ctx, 1.0, AX_FLOAT32));
    CHECK(ax_eval1(ctx, z) == AX_OK);
    transfers(&d1, &h1);
    CHECK_MSG(h1 - h0 == ax_nbytes(y), "the CPU op brought %zu bytes back, want %zu", h1 - h0,
              ax_nbytes(y));
    const float *pz = ax_data(ctx, z);
    CHECK_OK(ctx);
    double worst = 0;
    for (int64_t i = 0; pz && i < N_BIG; i++) {
        double want = exp((double)ramp_at(i, 3.0f)) + 1.0;
        worst = fmax(worst, fabs(pz[i] - want) / want);
    }
    CHECK_MSG(pz && worst < 4e-7, "exp(x) + 1: relative error %.3g", worst);
    /* and back: a GPU op over the CPU result moves it up again */
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    double s = 0;
    CHECK(ax_item_f64(ctx, ax_sum(ctx, z, NULL, 0, false), &s) == AX_OK);
    double want = 0;
    for (int64_t i = 0; pz && i < N_BIG; i++) want += pz[i];
    CHECK_MSG(fabs(s - want) <= 1e-5 * fabs(want), "sum %.9g, want %.9g", s, want);
    ax_set_default_device(ctx, ax_cpu());
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

/* Donation on the GPU: an op whose input is a device-only intermediate that
 * nothing else holds writes over it instead of taking a new buffer. (A
 * CPU-made input is never donated on the GPU: its host copy is current too.) */
static void test_donation(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_array *y;
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_scope_begin(ctx);
    ax_array *x = ramp(ctx, N_BIG, 1.0f);
    {
        ax_scope_begin(ctx);
        ax_array *t = ax_negative(ctx, x);
        CHECK(ax_eval1(ctx, t) == AX_OK); /* t: current on the device only */
        y = ax_retain(ax_exp(ctx, ax_abs(ctx, t)));
        ax_scope_end(ctx);
    }
    /* t is held by the abs node only: abs writes over t, exp over abs's result */
    CHECK(ax_synchronize(ctx, ax_gpu(0)) == AX_OK);
    ax_device_memory_reset_peak(ax_gpu(0));
    const size_t before = ax_device_memory_active(ax_gpu(0));
    CHECK(ax_eval1(ctx, y) == AX_OK);
    const size_t peak = ax_device_memory_peak(ax_gpu(0));
    CHECK_MSG(peak == before, "device peak grew by %zu bytes: the chain took a new buffer instead of "
              "donated ones", peak - before);
    const float *d = ax_data(ctx, y);
    CHECK_OK(ctx);
    double worst = 0;
    for (int64_t i = 0; d && i < N_BIG; i++) {
        double want = exp(fabs((double)ramp_at(i, 1.0f)));
        worst = fmax(worst, fabs(d[i] - want) / want);
    }
    CHECK_MSG(d && worst < 4e-7, "exp(|-x|): relative error %.3g", worst);
    ax_release(y);
    ax_scope_end(ctx);
    ax_set_default_device(ctx, ax_cpu());
    ax_ctx_free(ctx);
}

/* Two streams and a consumer that reads both. */
static void test_streams(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    ax_array *x = ramp(ctx, N_BIG, 1.0f);
    ax_stream s1 = ax_new_stream(ctx, ax_gpu(0));
    CHECK_OK(ctx);
    CHECK(s1.index > 0 && ax_device_equal(s1.device, ax_gpu(0)));
    ax_stream s2 = ax_new_stream(ctx, ax_gpu(0));
    CHECK(s2.index > 0 && s2.index != s1.index);
    CHECK(ax_set_default_stream(ctx, (ax_stream){ax_gpu(0), 0}) == AX_OK);
    ax_array *a = ax_exp(ctx, x);
    CHECK(ax_set_default_stream(ctx, s1) == AX_OK);
    CHECK(ax_get_default_stream(ctx).index == s1.index);
    ax_array *b = ax_sin(ctx, x);
    ax_array *b2 = ax_multiply(ctx, b, b); /* more work queued on s1 */
    CHECK(ax_set_default_stream(ctx, s2) == AX_OK);
    ax_array *c = ax_add(ctx, a, b2); /* reads stream 0's and s1's results */
    CHECK(ax_eval1(ctx, c) == AX_OK);
    /* a consumer on another stream of an array evaluated earlier */
    CHECK(ax_set_default_stream(ctx, s1) == AX_OK);
    ax_array *e = ax_subtract(ctx, c, a);
    const float *pc = ax_data(ctx, c), *pe = ax_data(ctx, e);
    CHECK_OK(ctx);
    double worst_c = 0, worst_e = 0;
    for (int64_t i = 0; pc && pe && i < N_BIG; i++) {
        double xi = ramp_at(i, 1.0f), sb = sin(xi);
        double wc = exp(xi) + sb * sb;
        worst_c = fmax(worst_c, fabs(pc[i] - wc) / wc);
        worst_e = fmax(worst_e, fabs(pe[i] - sb * sb) / fmax(wc, 1.0));
    }
    CHECK_MSG(pc && worst_c < 1e-6, "exp(x) + sin(x)^2 across streams: relative error %.3g", worst_c);
    CHECK_MSG(pe && worst_e < 1e-6, "(c - a) across streams: error %.3g", worst_e);
    CHECK(ax_synchronize(ctx, ax_gpu(0)) == AX_OK);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    CHECK(ax_get_default_stream(ctx).index == 0);
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

/* Active rises and falls with live arrays; peak; cache; limit. */
static void test_memory(void) {
    const ax_device g = ax_gpu(0);
    ax_ctx *ctx = ax_ctx_new();
    CHECK(ax_synchronize(ctx, g) == AX_OK);
    ax_device_memory_clear_cache(g);
    CHECK(ax_device_memory_cache(g) == 0);
    const size_t base = ax_device_memory_active(g), nb = (size_t)N_BIG * sizeof(float);
    ax_device_memory_reset_peak(g);
    CHECK(ax_device_memory_peak(g) == base);
    ax_scope_begin(ctx);
    {
        ax_array *x = ramp(ctx, N_BIG, 1.0f);
        CHECK(ax_set_default_device(ctx, g) == AX_OK);
        ax_array *y = ax_exp(ctx, x);
        CHECK(ax_eval1(ctx, y) == AX_OK);
        const size_t with_y = ax_device_memory_active(g);
        /* x's device copy and y (unless y took x's copy by donation) */
        CHECK_MSG(with_y >= base + nb, "active %zu, base %zu", with_y, base);
        CHECK(ax_device_memory_peak(g) >= with_y);
        ax_set_default_device(ctx, ax_cpu());
    }
    ax_scope_end(ctx);
    CHECK(ax_synchronize(ctx, g) == AX_OK);
    const size_t after = ax_device_memory_active(g);
    CHECK_MSG(after == base, "active %zu after every array was freed, %zu before", after, base);
    CHECK_MSG(ax_device_memory_cache(g) >= nb, "cache %zu after freeing %zu bytes", ax_device_memory_cache(g), nb);
    CHECK(ax_device_memory_peak(g) >= base + nb);
    ax_device_memory_clear_cache(g);
    CHECK(ax_device_memory_cache(g) == 0);
    ax_device_memory_reset_peak(g);
    CHECK(ax_device_memory_peak(g) == ax_device_memory_active(g));

    /* Over the limit: AX_ERR_OOM naming the op; the process goes on. The op
     * must run on the GPU to allocate there, so take one with a kernel. */
    if (!ax_gpu_supports("add")) {
        printf("note: add has no GPU kernel; the memory-limit check is skipped\n");
    } else {
        ax_scope_begin(ctx);
        ax_array *x = ramp(ctx, N_BIG, 1.0f);
        CHECK(ax_eval1(ctx, x) == AX_OK);
        const size_t limit = ax_device_memory_active(g) + (1u << 20);
        const size_t old = ax_device_set_memory_limit(g, limit);
        CHECK(ax_set_default_device(ctx, g) == AX_OK);
        ax_array *y = ax_add(ctx, x, x);
        CHECK(ax_eval1(ctx, y) == AX_ERR_OOM);
        CHECK_MSG(has_text(ax_error_message(ctx), "add"), "message: %s", ax_error_message(ctx));
        CHECK_ERR(ctx, AX_ERR_OOM);
        CHECK(ax_device_set_memory_limit(g, old) == limit); /* returns the previous limit */
        ax_array *y2 = ax_add(ctx, x, x);
        const float *p = ax_data(ctx, y2);
        CHECK_OK(ctx);
        CHECK(p && p[7] == 2 * ramp_at(7, 1.0f) && p[N_BIG - 1] == 2 * ramp_at(N_BIG - 1, 1.0f));
        ax_set_default_device(ctx, ax_cpu());
        ax_scope_end(ctx);
        CHECK(ax_synchronize(ctx, g) == AX_OK);
        CHECK_MSG(ax_device_memory_active(g) == base, "active %zu after the OOM test, %zu before",
                  ax_device_memory_active(g), base);
    }
    ax_ctx_free(ctx);
}

/* A custom function (op "custom": no GPU kernel; its CPU kernel hands on
 * the outputs its closure computed) of y = 2x. */
static ax_status twice_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *payload) {
    (void)n_in;
    (void)n_out;
    (void)payload;
    out[0] = ax_multiply(ctx, in[0], ax_weak_float(ctx, 2.0));
    return out[0] ? AX_OK : ax_error_code(ctx);
}
static ax_array *custom_twice(ax_ctx *ctx, ax_array *x) {
    ax_closure *f = ax_closure_new(ctx, twice_fn, 1, 1, NULL, NULL);
    ax_closure *cf = f ? ax_custom_function(ctx, f, NULL, NULL) : NULL;
    ax_array *y = NULL;
    if (cf && ax_closure_call(ctx, cf, &x, &y) != AX_OK) y = NULL;
    ax_closure_release(cf);
    ax_closure_release(f);
    return y;
}
static double twice(double x) { return 2 * x; }

/* Ops without a GPU kernel; the test uses the first one (the backend may
 * have grown kernels for the later ones). Inputs in (-0.5, 0.5). */
typedef ax_array *(*unary_fn)(ax_ctx *, ax_array *);
static const struct {
    const char *op;
    unary_fn fn;
    double (*ref)(double);
} fallback_candidates[] = {
    {"custom", custom_twice, twice}, {"i1", ax_i1, NULL}, {"i0", ax_i0, NULL}, {"erfinv", ax_erfinv, NULL},
    {"arctanh", ax_arctanh, atanh}, {"arcsinh", ax_arcsinh, asinh}, {"erf", ax_erf, erf},
    {"expm1", ax_expm1, expm1}, {"log1p", ax_log1p, log1p}, {"tan", ax_tan, tan},
};

static void test_fallback(void) {
    int pick = -1;
    for (size_t i = 0; i < sizeof fallback_candidates / sizeof *fallback_candidates && pick < 0; i++)
        if (!ax_gpu_supports(fallback_candidates[i].op)) pick = (int)i;
    if (pick < 0) {
        printf("note: every fallback candidate op has a GPU kernel; fallback is not exercised here "
               "(conformance_gpu covers it for any op without one)\n");
        return;
    }
    const char *name = fallback_candidates[pick].op;
    printf("fallback checked with op %s (no GPU kernel)\n", name);
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    const int64_t n = 4096;
    ax_array *x = ramp(ctx, n, 0.499f);
    ax_array *want = fallback_candidates[pick].fn(ctx, x); /* on the CPU */
    CHECK(ax_eval1(ctx, want) == AX_OK);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    bool old = ax_set_gpu_fallback(false);
    ax_array *y = fallback_candidates[pick].fn(ctx, x);
    CHECK(y == NULL || ax_eval1(ctx, y) == AX_ERR_UNSUPPORTED);
    CHECK_MSG(has_text(ax_error_message(ctx), name), "message: %s", ax_error_message(ctx));
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    ax_set_gpu_fallback(true);
    ax_array *y2 = fallback_candidates[pick].fn(ctx, x);
    CHECK(ax_eval1(ctx, y2) == AX_OK);
    const float *g = ax_data(ctx, y2), *w = ax_data(ctx, want);
    CHECK_OK(ctx);
    int bad = 0;
    for (int64_t i = 0; g && w && i < n; i++) bad += memcmp(&g[i], &w[i], sizeof(float)) != 0;
    CHECK_MSG(g && w && bad == 0, "%d elements differ from the CPU's (fallback runs the CPU kernel)", bad);
    if (fallback_candidates[pick].ref && g)
        CHECK_NEAR(g[100], fallback_candidates[pick].ref(ramp_at(100, 0.499f)), 1e-6);
    /* a GPU op consuming the fallback result */
    ax_array *z = ax_add(ctx, y2, y2);
    const float *pz = ax_data(ctx, z);
    CHECK_OK(ctx);
    CHECK(pz && w && pz[5] == 2 * w[5]);
    ax_set_gpu_fallback(old);
    ax_set_default_device(ctx, ax_cpu());
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

/* A GPU kernel that declines a case (here: 13 dimensions that no merging
 * brings down to the 12 the elementwise descriptors hold) leaves it to the
 * CPU: with the fallback the result is right; without it the op is
 * AX_ERR_UNSUPPORTED naming the op, unless the kernel handled the case. */
static void test_decline(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_scope_begin(ctx);
    enum { ND = 13 };
    int64_t shape[ND];
    int perm[ND];
    for (int i = 0; i < ND; i++) {
        shape[i] = 2;
        perm[i] = (i * 5) % ND; /* no two axes stay adjacent in order */
    }
    const int64_t n = (int64_t)1 << ND;
    float *v = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = ramp_at(i, 1.0f);
    ax_array *base = ax_array_from_data(ctx, v, AX_FLOAT32, shape, ND);
    ax_array *x = ax_transpose(ctx, base, perm, ND);
    ax_array *want = ax_negative(ctx, ax_exp(ctx, x)); /* on the CPU */
    CHECK(ax_eval1(ctx, want) == AX_OK);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    bool old = ax_set_gpu_fallback(false);
    ax_array *y = ax_negative(ctx, ax_exp(ctx, x));
    ax_status st = ax_eval1(ctx, y);
    if (st == AX_OK) {
        printf("note: exp/negative handled a 13-d transposed input on the GPU (no decline)\n");
    } else {
        CHECK_MSG(st == AX_ERR_UNSUPPORTED && (has_text(ax_error_message(ctx), "exp") ||
                                               has_text(ax_error_message(ctx), "negative")),
                  "%s: %s", ax_status_name(st), ax_error_message(ctx));
        ax_error_clear(ctx);
    }
    ax_set_gpu_fallback(true);
    ax_array *y2 = ax_negative(ctx, ax_exp(ctx, x));
    const float *g = ax_data(ctx, y2), *w = ax_data(ctx, want);
    CHECK_OK(ctx);
    double worst = 0;
    for (int64_t i = 0; g && w && i < n; i++) worst = fmax(worst, fabs((double)g[i] - w[i]) / fabs((double)w[i]));
    CHECK_MSG(g && w && worst < 4e-7, "13-d exp/negative: relative error %.3g", worst);
    ax_set_gpu_fallback(old);
    ax_set_default_device(ctx, ax_cpu());
    free(v);
    ax_scope_end(ctx);
    ax_ctx_free(ctx);
}

int main(void) {
    test_devices_basic();
    const int ngpu = ax_gpu_count();
    if (ngpu == 0) {
        test_no_device();
        if (test_failures) return test_summary("test_device");
        test_summary("test_device (no-device checks)");
        printf("skipped: no CUDA device%s\n", ax_cuda_built() ? "" : " (ax was built without CUDA)");
        return 77;
    }
    printf("gpu:0 = %s (%d GPU(s))\n", ax_gpu_name(0) ? ax_gpu_name(0) : "?", ngpu);
    CHECK(ax_cuda_built());
    CHECK(ax_gpu_name(0) != NULL);
    test_residency();
    test_gpu_then_cpu();
    test_donation();
    test_streams();
    test_memory();
    test_fallback();
    test_decline();
    return test_summary("test_device");
}
