/* CUDA graphs over closures (ax/device.h: ax_gpu_graph_*): capture once,
 * replay many times, results equal to running the closure eagerly; inputs
 * copied in and outputs copied out on every replay; constants captured;
 * ops that cannot be recorded (a read back to the host) refused with a
 * clear error and the context still working; the graph's memory returned.
 *
 * Without a CUDA device only the refusal of a CPU default device is checked,
 * then "skipped: no CUDA device" and exit 77. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ax/ax.h"
#include "testutil.h"

#define N 4096

static bool has_text_msg(ax_ctx *ctx, const char *needle) {
    return strstr(ax_error_message(ctx), needle) != NULL;
}

/* y = tanh(x * 0.75 + w) * sigmoid(x) - 0.5 * x, with w a captured constant;
 * and z = sum(y) as a second output. */
static ax_status step_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *payload) {
    ax_array *w = payload, *x = in[0];
    ax_array *t = ax_tanh(ctx, ax_add(ctx, ax_multiply(ctx, x, ax_weak_float(ctx, 0.75)), w));
    ax_array *y = ax_subtract(ctx, ax_multiply(ctx, t, ax_sigmoid(ctx, x)),
                              ax_multiply(ctx, ax_weak_float(ctx, 0.5), x));
    out[0] = y;
    out[1] = ax_sum(ctx, y, NULL, 0, false);
    return ax_error_code(ctx);
}

static ax_status reads_back_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                               void *payload) {
    double v = 0;
    ax_array *s = ax_sum(ctx, in[0], NULL, 0, false);
    if (ax_item_f64(ctx, s, &v) != AX_OK) return ax_error_code(ctx); /* a read back: not recordable */
    out[0] = ax_multiply(ctx, in[0], ax_weak_float(ctx, v));
    return ax_error_code(ctx);
}

static ax_array *ramp(ax_ctx *ctx, float scale, float shift) {
    float v[N];
    for (int i = 0; i < N; i++) v[i] = scale * (float)(i % 97 - 48) / 48.0f + shift;
    int64_t n = N;
    return ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
}

/* Eager reference on the CPU. */
static void reference(ax_ctx *ctx, ax_closure *f, ax_array *x, float *y, double *z) {
    ax_device prev = ax_get_default_device(ctx);
    ax_set_default_device(ctx, ax_cpu());
    ax_array *out[2];
    CHECK(ax_closure_call(ctx, f, &x, out) == AX_OK);
    CHECK(ax_copy_to(ctx, out[0], y, sizeof(float) * N) == AX_OK);
    CHECK(ax_item_f64(ctx, out[1], z) == AX_OK);
    ax_set_default_device(ctx, prev);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_capture_replay(void) {
    ax_ctx *ctx = ax_ctx_new();
    size_t active0 = ax_device_memory_active(ax_gpu(0));
    ax_scope_begin(ctx); /* every array of the test, so their device copies go too */
    ax_array *w = ax_retain(ramp(ctx, 0.1f, 0.2f));
    ax_closure *f = ax_closure_new(ctx, step_fn, 1, 2, w, NULL);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_gpu_graph *g = ax_gpu_graph_capture(ctx, f, (ax_array *[]){ramp(ctx, 1, 0)}, 1);
    CHECK_MSG(g != NULL, "%s", ax_error_message(ctx));
    if (!g) return;
    CHECK(ax_gpu_graph_n_outputs(g) == 2);
    ax_array *keep[3][2];
    float y[N], ref[N];
    for (int r = 0; r < 3; r++) {
        ax_array *x = ramp(ctx, 1.0f + (float)r, 0.1f * (float)r);
        CHECK(ax_gpu_graph_replay(ctx, g, &x, 1, keep[r], 2) == AX_OK);
        for (int j = 0; j < 2; j++) keep[r][j] = ax_retain(keep[r][j]);
    }
    /* every replay's results survive the later replays */
    for (int r = 0; r < 3; r++) {
        ax_array *x = ramp(ctx, 1.0f + (float)r, 0.1f * (float)r);
        double zref = 0, z = 0;
        reference(ctx, f, x, ref, &zref);
        CHECK(ax_copy_to(ctx, keep[r][0], y, sizeof y) == AX_OK);
        CHECK(ax_item_f64(ctx, keep[r][1], &z) == AX_OK);
        double err = 0;
        for (int i = 0; i < N; i++) err = fmax(err, fabs((double)y[i] - ref[i]));
        CHECK_MSG(err < 1e-5, "replay %d: max error %g", r, err);
        CHECK_NEAR(z, zref, 1e-3 * (1 + fabs(zref)));
        ax_release(keep[r][0]);
        ax_release(keep[r][1]);
    }
    /* a wrong input shape is refused, the graph stays usable */
    int64_t n2 = 7;
    ax_array *bad = ax_zeros(ctx, &n2, 1, AX_FLOAT32), *outs[2];
    CHECK(ax_gpu_graph_replay(ctx, g, &bad, 1, outs, 2) == AX_ERR_SHAPE);
    CHECK(has_text_msg(ctx, "captured with"));
    ax_error_clear(ctx);

    /* launch cost: the same step eagerly vs one graph launch (printed) */
    ax_array *x = ax_retain(ramp(ctx, 1, 0));
    const int reps = 200;
    double t0 = now_s();
    for (int i = 0; i < reps; i++) {
        ax_scope_begin(ctx);
        ax_array *o[2];
        ax_closure_call(ctx, f, &x, o);
        ax_eval(ctx, o, 2);
        ax_scope_end(ctx);
    }
    double eager = (now_s() - t0) / reps;
    t0 = now_s();
    for (int i = 0; i < reps; i++) {
        ax_scope_begin(ctx);
        ax_array *o[2];
        ax_gpu_graph_replay(ctx, g, &x, 1, o, 2);
        ax_synchronize(ctx, ax_gpu(0));
        ax_scope_end(ctx);
    }
    double replay = (now_s() - t0) / reps;
    CHECK_OK(ctx);
    printf("step of %d-element ops: eager %.1f us, graph replay %.1f us\n", N, eager * 1e6, replay * 1e6);
    ax_release(x);
    ax_gpu_graph_free(g);
    ax_scope_end(ctx);
    ax_closure_release(f);
    ax_release(w);
    size_t active1 = ax_device_memory_active(ax_gpu(0));
    CHECK_MSG(active1 <= active0, "device memory active %zu after freeing the graph and the arrays, %zu before",
              active1, active0);
    ax_ctx_free(ctx);
}

static void test_refused(void) {
    ax_ctx *ctx = ax_ctx_new();
    ax_closure *f = ax_closure_new(ctx, reads_back_fn, 1, 1, NULL, NULL);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_gpu_graph *g = ax_gpu_graph_capture(ctx, f, (ax_array *[]){ramp(ctx, 1, 0)}, 1);
    CHECK(g == NULL);
    CHECK_MSG(has_text_msg(ctx, "CUDA graph"), "%s", ax_error_message(ctx));
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED); /* and clears it */
    /* the context and the stream keep working */
    ax_array *x = ramp(ctx, 1, 0);
    double v = 0;
    CHECK(ax_item_f64(ctx, ax_sum(ctx, ax_multiply(ctx, x, x), NULL, 0, false), &v) == AX_OK);
    CHECK(v > 0);
    CHECK_OK(ctx);
    ax_closure_release(f);
    ax_ctx_free(ctx);
}

int main(void) {
    /* everywhere: a CPU default device cannot be captured */
    ax_ctx *ctx = ax_ctx_new();
    ax_closure *f = ax_closure_new(ctx, step_fn, 1, 2, NULL, NULL);
    CHECK(ax_gpu_graph_capture(ctx, f, (ax_array *[]){ramp(ctx, 1, 0)}, 1) == NULL);
    CHECK_ERR(ctx, AX_ERR_UNSUPPORTED);
    ax_error_clear(ctx);
    CHECK(ax_gpu_graph_replay(ctx, NULL, NULL, 0, NULL, 0) == AX_ERR_NULL);
    ax_closure_release(f);
    ax_ctx_free(ctx);
    if (ax_gpu_count() == 0) {
        if (test_failures) return test_summary("test_gpu_graph");
        test_summary("test_gpu_graph (no-device checks)");
        printf("skipped: no CUDA device\n");
        return 77;
    }
    test_capture_replay();
    test_refused();
    return test_summary("test_gpu_graph");
}
