/* GPU benchmark rows of issue 5, ax side (bench/gpu/peer_torch.py is the
 * PyTorch side, bench/gpu/summarize_gpu.py the ratio table; both use the
 * row names and byte/FLOP counts below).
 *
 *   bench_gpu [--quick] [--cpu] [row ...]   rows: copy add sum softmax gemm_bf16
 *                                      gemm_tf32 gemm_fp8 gemm_fp8_rowwise chain chain_compiled latency
 * (--cpu runs the same rows on the CPU: a check of this program on a machine
 * without a GPU, not a benchmark.)
 *
 * Prints one JSON line per row (plus a first "meta" line) on stdout:
 *   {"impl": "ax", "row": "add", "desc": ..., "size": ..., "seconds": median,
 *    "metric": "GB/s" | "TFLOP/s" | "us", "value": ..., "check": "ok" | why}
 *
 * Timing: CUDA events are not reachable from C without cudart, so each
 * repetition is timed on the host (clock_gettime) around build + ax_eval +
 * ax_synchronize(gpu:0), inside a scope (the result returns to the device
 * cache as in a loop). The median of the timed repetitions after warm-up is
 * reported. A repetition of the bandwidth and GEMM rows builds `batch`
 * independent ops (8; 2 for the eager chain and the GEMMs), one per input
 * set, and evaluates them in one ax_eval: the kernels queue back to back and
 * the host's launch and synchronize latency (about 10 us on the H100 hosts,
 * 5% of the 200 us softmax, 1.4% of the 700 us copy) is paid once per
 * repetition, as in a steady loop, and the row reports the time per op.
 * The latency row is one op per repetition: that latency is what it
 * measures. ax_eval blocks until the GPU work it queued is done, so the
 * latency row times build + eval alone. PyTorch is timed the same way
 * (perf_counter around `batch` calls and torch.cuda.synchronize()). Inputs
 * below 256 MiB are rotated among several copies so a repetition does not
 * find them in L2.
 *
 * Rows (N = 2^28 elements unless --quick):
 *   copy            y = copy(x), float32 [N]; bytes = 2 * 4N
 *   add             c = a + b, float32 [N]; bytes = 3 * 4N
 *   sum             s = sum(x), float32 [N]; bytes = 4N
 *   softmax         softmax over the last axis, bfloat16 [4096, 32768]; bytes = 2 * 2 * 4096 * 32768
 *   gemm_bf16       bfloat16 [8192, 8192] @ [8192, 8192]; flops = 2 * 8192^3
 *   gemm_tf32       float32 matmul with TF32 tensor cores (AX_CUDA_TF32=1, run in
 *                   a child process since ax reads it once); flops = 2 * 8192^3
 *   gemm_fp8        ax_fp8_matmul of E4M3 codes [8192, 8192] @ [8192, 8192] (b the
 *                   transpose of a row-major weight, K-contiguous) with float32
 *                   per-tensor scales, bfloat16 output (PyTorch: torch._scaled_mm,
 *                   same layouts); flops = 2 * 8192^3
 *   gemm_fp8_rowwise the same with row-wise scales: scale_a (8192, 1), scale_b
 *                   (1, 8192), float32 (PyTorch: torch._scaled_mm's row-wise mode)
 *   chain           y = gelu_tanh(x) * sigmoid(x), float32 [N], eager ops, where
 *                   gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 *                   and sigmoid(x) = 1 / (1 + exp(-x)); bytes = 2 * 4N (the
 *                   floor of one fused pass: read x, write y)
 *   chain_compiled  the same through ax_compile (one fused kernel); same bytes
 *   latency         c = a + b on float32 [1] arrays resident on the GPU: build
 *                   the op and ax_eval it (which returns once the GPU is done);
 *                   microseconds per call. With it, in CUDA builds, the row
 *                   latency_floor: the same add as a bare CUDA kernel launch
 *                   + cudaStreamSynchronize (launch_floor.cu), the floor of
 *                   any synchronous GPU op on this host */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ax/ax.h"
#include "ax/compile.h"
#include "ax/device.h"
#include "ax/fp8.h"
#include "ax/transforms.h"

static int quick;
static ax_device DEV = {AX_DEVICE_GPU, 0}; /* --cpu: the CPU (to test this program without a GPU) */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(ax_ctx *ctx, const char *what) {
    fprintf(stderr, "bench_gpu: %s: %s: %s\n", what, ax_status_name(ax_error_code(ctx)),
            ax_error_message(ctx));
    exit(1);
}

/* ---------------------------------------------------------------- inputs */

static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Uniform [lo, hi) values of element i under seed (a pure function, so a
 * check can recompute any element). */
static float val(uint64_t seed, int64_t i, float lo, float hi) {
    return lo + (hi - lo) * (float)((double)(mix(seed * 0x9e3779b97f4a7c15ull + (uint64_t)i) >> 11) * 0x1p-53);
}

/* A float32 or bfloat16 array of the given shape, made on the host. */
static ax_array *make(ax_ctx *ctx, ax_dtype t, const int64_t *shape, int nd, uint64_t seed, float lo, float hi) {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    size_t isz = ax_dtype_size(t);
    char *buf = malloc((size_t)n * isz + 1);
    if (!buf) {
        fprintf(stderr, "bench_gpu: out of host memory\n");
        exit(1);
    }
    for (int64_t i = 0; i < n; i++) {
        float v = val(seed, i, lo, hi);
        if (t == AX_BFLOAT16) ((uint16_t *)buf)[i] = ax_f32_to_bf16(v);
        else ((float *)buf)[i] = v;
    }
    ax_array *a = ax_array_from_data(ctx, buf, t, shape, nd);
    free(buf);
    if (!a) die(ctx, "input");
    return a;
}

#ifdef AX_BENCH_LAUNCH_FLOOR
#include "launch_floor.h"
#endif

/* ---------------------------------------------------------------- timing */

typedef ax_array *(*build_fn)(ax_ctx *ctx, ax_array *const *in, void *arg);

/* Whether time_gpu calls ax_synchronize after each eval. A blocking ax_eval
 * already returns after the GPU work it queued; the explicit synchronize
 * only guards the large rows against that ever changing, and is left out of
 * the latency row, where its microsecond would be measured. */
static bool sync_each = true;

/* Ops built and evaluated together per timed repetition (see the header). */
#define MAX_BATCH 8
static int batch = 1;

/* Median seconds per op of build + eval (+ synchronize) of `batch` ops over
 * rotating input sets (sets[k * n_in + i]): `warmup` repetitions untimed,
 * then at least min_reps and min_seconds (at most max_reps). */
static double time_gpu(ax_ctx *ctx, build_fn f, void *arg, ax_array **sets, int nsets, int n_in,
                       int warmup, int min_reps, int max_reps, double min_seconds) {
    double *t = malloc(sizeof(double) * (size_t)max_reps);
    int n = 0;
    double start = 0;
    for (int r = 0; n < max_reps; r++) {
        if (r == warmup) start = now_s();
        if (r >= warmup && n >= min_reps && now_s() - start >= min_seconds) break;
        ax_scope_begin(ctx);
        ax_array *ys[MAX_BATCH];
        double t0 = now_s();
        for (int j = 0; j < batch; j++)
            if (!(ys[j] = f(ctx, sets + ((r * batch + j) % nsets) * n_in, arg))) die(ctx, "timed run");
        if (ax_eval(ctx, ys, batch) != AX_OK || (sync_each && ax_synchronize(ctx, DEV) != AX_OK))
            die(ctx, "timed run");
        double t1 = now_s();
        ax_scope_end(ctx);
        if (r >= warmup) t[n++] = (t1 - t0) / batch;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    double med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
    return med;
}

/* Input sets so that each repetition reads inputs not touched by the
 * previous one from L2 (H100: 50 MB): enough copies to pass 256 MiB, at most 8. */
static int n_sets_for(size_t bytes_per_set) {
    int k = 1;
    while (k < 8 && (size_t)k * bytes_per_set < ((size_t)256 << 20)) k++;
    return k;
}

static char device_name[256] = "?";

static void emit(const char *row, const char *desc, const char *size, double seconds,
                 const char *metric, double value, double work, const char *check) {
    printf("{\"impl\": \"ax\", \"row\": \"%s\", \"desc\": \"%s\", \"size\": \"%s\", "
           "\"seconds\": %.9g, \"metric\": \"%s\", \"value\": %.6g, \"%s\": %.6g, "
           "\"batch\": %d, \"device\": \"%s\", \"check\": \"%s\"}\n",
           row, desc, size, seconds, metric, value, strcmp(metric, "TFLOP/s") ? "bytes" : "flops",
           work, batch, device_name, check);
    fflush(stdout);
}

/* ---------------------------------------------------------------- checks */

/* Values of y at a few positions (flat indices), read through a take on the GPU. */
static void sample(ax_ctx *ctx, ax_array *y, const int64_t *pos, int k, double *out) {
    int64_t sz = ax_size(y);
    ax_array *flat = ax_reshape(ctx, y, &sz, 1);
    int64_t kk = k;
    ax_array *idx = ax_array_from_data(ctx, pos, AX_INT64, &kk, 1);
    ax_array *v = ax_astype(ctx, ax_take(ctx, flat, idx, 0), AX_FLOAT64);
    if (!v || ax_copy_to(ctx, v, out, sizeof(double) * (size_t)k) != AX_OK) die(ctx, "check");
}

static void positions(int64_t n, int64_t *pos, int k) {
    for (int i = 0; i < k; i++) pos[i] = (int64_t)(mix(0x5eed + (uint64_t)i) % (uint64_t)n);
    pos[0] = 0;
    pos[k - 1] = n - 1;
}

/* |got - want| <= tol * max(|want|, floor); the first failure is kept in why. */
static void check_rel(char *why, size_t cap, const char *what, double got, double want, double tol,
                      double floor) {
    if (!*why && !(fabs(got - want) <= tol * fmax(fabs(want), floor)))
        snprintf(why, cap, "%s: got %.9g, want %.9g", what, got, want);
}

/* ---------------------------------------------------------------- builds */

static ax_array *b_copy(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return ax_copy(ctx, in[0]);
}
static ax_array *b_add(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return ax_add(ctx, in[0], in[1]);
}
static ax_array *b_sum(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return ax_sum(ctx, in[0], NULL, 0, false);
}
static ax_array *b_softmax(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    int axis = -1;
    return ax_softmax(ctx, in[0], &axis, 1);
}
static ax_array *b_matmul(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return ax_matmul(ctx, in[0], in[1]);
}

/* y = gelu_tanh(x) * sigmoid(x) (see the header). */
static ax_array *chain(ax_ctx *ctx, ax_array *x) {
    ax_array *x3 = ax_multiply(ctx, ax_multiply(ctx, x, x), x);
    ax_array *inner = ax_multiply(ctx, ax_weak_float(ctx, 0.7978845608028654),
                                  ax_add(ctx, x, ax_multiply(ctx, ax_weak_float(ctx, 0.044715), x3)));
    ax_array *g = ax_multiply(ctx, ax_multiply(ctx, ax_weak_float(ctx, 0.5), x),
                              ax_add(ctx, ax_weak_float(ctx, 1.0), ax_tanh(ctx, inner)));
    return ax_multiply(ctx, g, ax_sigmoid(ctx, x));
}
static double chain_ref(double x) {
    double g = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    return g / (1 + exp(-x));
}
static ax_array *b_chain(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return chain(ctx, in[0]);
}
static ax_status chain_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out, void *p) {
    (void)n_in;
    (void)n_out;
    (void)p;
    out[0] = chain(ctx, in[0]);
    return out[0] ? AX_OK : ax_error_code(ctx);
}
static ax_array *b_compiled(ax_ctx *ctx, ax_array *const *in, void *arg) {
    ax_array *y = NULL;
    return ax_closure_call(ctx, (ax_closure *)arg, in, &y) == AX_OK ? y : NULL;
}

/* ---------------------------------------------------------------- rows */

static int64_t N_EW;

static void row_elementwise(ax_ctx *ctx, const char *row) {
    const int n_in = !strcmp(row, "add") ? 2 : 1;
    const int64_t n = N_EW;
    const size_t nb = (size_t)n * 4;
    const int nsets = n_sets_for(nb * (size_t)n_in);
    ax_array *sets[16];
    for (int k = 0; k < nsets; k++)
        for (int i = 0; i < n_in; i++) sets[k * n_in + i] = make(ctx, AX_FLOAT32, &n, 1, 100 + 10 * (uint64_t)k + (uint64_t)i, -3, 3);
    build_fn f = !strcmp(row, "copy") ? b_copy : !strcmp(row, "add") ? b_add : !strcmp(row, "sum") ? b_sum : b_chain;
    ax_closure *compiled = NULL;
    if (!strcmp(row, "chain_compiled")) {
        ax_closure *fn = ax_closure_new(ctx, chain_fn, 1, 1, NULL, NULL);
        compiled = ax_compile(ctx, fn, NULL);
        ax_closure_release(fn);
        if (!compiled) die(ctx, "ax_compile");
        f = b_compiled;
    }
    batch = !strcmp(row, "chain") ? 2 : MAX_BATCH;
    double sec = time_gpu(ctx, f, compiled, sets, nsets, n_in, 3, 10, 500, quick ? 0.2 : 1.0);
    /* check the result of set 0 */
    char why[256] = "";
    ax_scope_begin(ctx);
    ax_array *y = f(ctx, sets, compiled);
    if (!y || ax_eval1(ctx, y) != AX_OK) die(ctx, row);
    if (!strcmp(row, "sum")) {
        double s = 0, want = 0, mag = 0;
        if (ax_item_f64(ctx, y, &s) != AX_OK) die(ctx, "sum");
        const float *x = ax_data(ctx, sets[0]); /* the host copy is still current */
        for (int64_t i = 0; x && i < n; i++) {
            want += x[i];
            mag += fabs(x[i]);
        }
        check_rel(why, sizeof why, "sum", s, want, 1e-6, mag);
    } else {
        int64_t pos[8];
        double got[8];
        positions(n, pos, 8);
        sample(ctx, y, pos, 8, got);
        for (int k = 0; k < 8; k++) {
            double x0 = val(100, pos[k], -3, 3), x1 = val(101, pos[k], -3, 3);
            double want = !strcmp(row, "copy") ? x0 : !strcmp(row, "add") ? (double)((float)x0 + (float)x1) : chain_ref(x0);
            if (!strcmp(row, "copy") || !strcmp(row, "add")) check_rel(why, sizeof why, row, got[k], want, 0, 0);
            else check_rel(why, sizeof why, row, got[k], want, 1e-5, 1.0);
        }
    }
    ax_scope_end(ctx);
    ax_closure_release(compiled);
    const double bytes = (double)nb * (!strcmp(row, "add") ? 3 : !strcmp(row, "sum") ? 1 : 2);
    char size[64];
    snprintf(size, sizeof size, "2^%d float32", (int)log2((double)n));
    const char *desc = !strcmp(row, "copy") ? "device copy" : !strcmp(row, "add") ? "fp32 add"
                     : !strcmp(row, "sum") ? "fp32 sum" : !strcmp(row, "chain") ? "gelu_tanh(x)*sigmoid(x) eager"
                     : "gelu_tanh(x)*sigmoid(x) compiled";
    emit(row, desc, size, sec, "GB/s", bytes / sec / 1e9, bytes, *why ? why : "ok");
}

static void row_softmax(ax_ctx *ctx) {
    const int64_t shape[2] = {quick ? 256 : 4096, quick ? 2048 : 32768};
    const size_t nb = (size_t)(shape[0] * shape[1]) * 2;
    const int nsets = n_sets_for(nb);
    ax_array *sets[8];
    for (int k = 0; k < nsets; k++) sets[k] = make(ctx, AX_BFLOAT16, shape, 2, 200 + (uint64_t)k, -4, 4);
    batch = MAX_BATCH;
    double sec = time_gpu(ctx, b_softmax, NULL, sets, nsets, 1, 3, 10, 500, quick ? 0.2 : 1.0);
    /* check row 0 and the last row: normalized, and one element against float64 */
    char why[256] = "";
    ax_scope_begin(ctx);
    ax_array *y = b_softmax(ctx, sets, NULL);
    int axis = -1;
    ax_array *rs = ax_astype(ctx, ax_sum(ctx, ax_astype(ctx, y, AX_FLOAT32), &axis, 1, false), AX_FLOAT64);
    double *sums = malloc(sizeof(double) * (size_t)shape[0]);
    if (!rs || ax_copy_to(ctx, rs, sums, sizeof(double) * (size_t)shape[0]) != AX_OK) die(ctx, "softmax check");
    for (int64_t r = 0; r < shape[0]; r++) check_rel(why, sizeof why, "row sum", sums[r], 1.0, 2e-2, 1);
    free(sums);
    double mx = -INFINITY, den = 0;
    for (int64_t c = 0; c < shape[1]; c++) mx = fmax(mx, ax_bf16_to_f32(ax_f32_to_bf16(val(200, c, -4, 4))));
    for (int64_t c = 0; c < shape[1]; c++) den += exp(ax_bf16_to_f32(ax_f32_to_bf16(val(200, c, -4, 4))) - mx);
    int64_t pos[1] = {7};
    double got;
    sample(ctx, y, pos, 1, &got);
    check_rel(why, sizeof why, "softmax[0, 7]", got,
              exp(ax_bf16_to_f32(ax_f32_to_bf16(val(200, 7, -4, 4))) - mx) / den, 1e-2, 0);
    ax_scope_end(ctx);
    char size[64];
    snprintf(size, sizeof size, "%lldx%lld bfloat16", (long long)shape[0], (long long)shape[1]);
    const double bytes = 2.0 * (double)nb;
    emit("softmax", "bf16 softmax (last axis)", size, sec, "GB/s", bytes / sec / 1e9, bytes, *why ? why : "ok");
}

static void row_gemm(ax_ctx *ctx, const char *row) {
    const bool bf16 = !strcmp(row, "gemm_bf16");
    const int64_t n = quick ? 1024 : 8192, shape[2] = {n, n};
    const ax_dtype t = bf16 ? AX_BFLOAT16 : AX_FLOAT32;
    ax_array *in[2] = {make(ctx, t, shape, 2, 300, -1, 1), make(ctx, t, shape, 2, 301, -1, 1)};
    batch = 2;
    double sec = time_gpu(ctx, b_matmul, NULL, in, 1, 2, 3, 10, 200, quick ? 0.2 : 1.0);
    /* check C[i, j] at a few places against a float64 dot product */
    char why[256] = "";
    ax_scope_begin(ctx);
    ax_array *y = b_matmul(ctx, in, NULL);
    int64_t pos[4];
    double got[4];
    positions(n * n, pos, 4);
    sample(ctx, y, pos, 4, got);
    for (int k = 0; k < 4; k++) {
        int64_t i = pos[k] / n, j = pos[k] % n;
        double want = 0, mag = 0;
        for (int64_t p = 0; p < n; p++) {
            double a = val(300, i * n + p, -1, 1), b = val(301, p * n + j, -1, 1);
            if (bf16) {
                a = ax_bf16_to_f32(ax_f32_to_bf16((float)a));
                b = ax_bf16_to_f32(ax_f32_to_bf16((float)b));
            } else {
                a = (float)a;
                b = (float)b;
            }
            want += a * b;
            mag += fabs(a * b);
        }
        /* bf16 output rounding or TF32 inputs: well under 1e-3 of sum |a b| */
        if (!*why && !(fabs(got[k] - want) <= 1e-3 * mag))
            snprintf(why, sizeof why, "C[%lld, %lld]: got %.6g, want %.6g", (long long)i, (long long)j, got[k], want);
    }
    ax_scope_end(ctx);
    char size[64];
    snprintf(size, sizeof size, "%lld^3 %s", (long long)n, bf16 ? "bfloat16" : "float32 (tf32)");
    const double flops = 2.0 * (double)n * (double)n * (double)n;
    emit(row, bf16 ? "bf16 GEMM" : "tf32 GEMM", size, sec, "TFLOP/s", flops / sec / 1e12, flops, *why ? why : "ok");
}

static void row_latency(ax_ctx *ctx) {
    const int64_t one = 1;
    ax_array *sets[16];
    for (int k = 0; k < 8; k++)
        for (int i = 0; i < 2; i++) sets[2 * k + i] = make(ctx, AX_FLOAT32, &one, 1, 400 + (uint64_t)(2 * k + i), 0, 1);
    sync_each = false; /* ax_eval is synchronous: build + eval is the whole call */
    batch = 1;
    double sec = time_gpu(ctx, b_add, NULL, sets, 8, 2, 200, 2000, quick ? 2000 : 20000, quick ? 0.2 : 1.0);
    sync_each = true;
    char why[256] = "";
    ax_scope_begin(ctx);
    double v = 0;
    if (ax_item_f64(ctx, b_add(ctx, sets, NULL), &v) != AX_OK) die(ctx, "latency");
    check_rel(why, sizeof why, "a + b", v, (double)(val(400, 0, 0, 1) + val(401, 0, 0, 1)), 0, 0);
    ax_scope_end(ctx);
    emit("latency", "one-element add: build + eval (synchronous)", "1 float32", sec, "us", sec * 1e6, 0,
         *why ? why : "ok");
#ifdef AX_BENCH_LAUNCH_FLOOR
    if (ax_bench_floor_begin() == 0) {
        const int reps = quick ? 2000 : 20000;
        double *t = malloc(sizeof(double) * (size_t)reps);
        int n = 0;
        for (int r = 0; t && r < 200 + reps; r++) {
            double t0 = now_s();
            if (ax_bench_floor_step() != 0) break;
            if (r >= 200) t[n++] = now_s() - t0;
        }
        ax_bench_floor_end();
        if (n == reps) {
            qsort(t, (size_t)n, sizeof *t, cmp_double);
            double fl = 0.5 * (t[n / 2 - 1] + t[n / 2]);
            emit("latency_floor", "one-element add kernel: CUDA launch + stream synchronize, no ax", "1 float32",
                 fl, "us", fl * 1e6, 0, "ok");
        }
        free(t);
    }
#endif
}

/* E4M3 codes of values uniform in [-1, 1) (never NaN), made on the host. */
static ax_array *make_codes(ax_ctx *ctx, const int64_t *shape, uint64_t seed) {
    ax_array *x = make(ctx, AX_FLOAT32, shape, 2, seed, -1, 1);
    ax_device d = ax_get_default_device(ctx);
    ax_set_default_device(ctx, ax_cpu()); /* encode on the host: the codes then move once */
    ax_array *c = ax_to_fp8(ctx, x, AX_FP8_E4M3);
    if (!c || ax_eval1(ctx, c) != AX_OK) die(ctx, "fp8 input");
    ax_set_default_device(ctx, d);
    return c;
}

static float fp8_scales[2] = {0.5f, 4.0f};

static ax_array *b_fp8_matmul(ax_ctx *ctx, ax_array *const *in, void *arg) {
    (void)arg;
    return ax_fp8_matmul(ctx, in[0], in[1], AX_FP8_E4M3, AX_FP8_E4M3, in[2], in[3], AX_BFLOAT16);
}

/* Row-wise scale k of n: 0.5 to 1.5 (scale_a), 2 to 6 (scale_b). */
static float rowwise_scale(int which, int64_t k) {
    return which == 0 ? 0.5f + (float)(k % 11) / 10.0f : 2.0f + (float)(k % 9) / 2.0f;
}

static void row_gemm_fp8(ax_ctx *ctx, bool rowwise) {
    const int64_t n = quick ? 1024 : 8192, shape[2] = {n, n};
    ax_array *in[4] = {make_codes(ctx, shape, 500), ax_transpose(ctx, make_codes(ctx, shape, 501), NULL, 0),
                       ax_array_from_data(ctx, &fp8_scales[0], AX_FLOAT32, NULL, 0),
                       ax_array_from_data(ctx, &fp8_scales[1], AX_FLOAT32, NULL, 0)};
    if (rowwise) {
        float *v = malloc(sizeof(float) * (size_t)(2 * n));
        if (!v) die(ctx, "fp8 scales");
        for (int64_t k = 0; k < n; k++) v[k] = rowwise_scale(0, k), v[n + k] = rowwise_scale(1, k);
        in[2] = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){n, 1}, 2);
        in[3] = ax_array_from_data(ctx, v + n, AX_FLOAT32, (int64_t[]){1, n}, 2);
        free(v);
    }
    batch = 2;
    double sec = time_gpu(ctx, b_fp8_matmul, NULL, in, 1, 4, 3, 10, 200, quick ? 0.2 : 1.0);
    /* check C[i, j] at a few places against a float64 dot product of the decoded codes */
    char why[256] = "";
    ax_scope_begin(ctx);
    ax_array *y = b_fp8_matmul(ctx, in, NULL);
    int64_t pos[4];
    double got[4];
    positions(n * n, pos, 4);
    sample(ctx, y, pos, 4, got);
    ax_device d = ax_get_default_device(ctx);
    ax_set_default_device(ctx, ax_cpu());
    ax_array *av = ax_from_fp8(ctx, in[0], AX_FP8_E4M3, AX_FLOAT64), *bv = ax_from_fp8(ctx, in[1], AX_FP8_E4M3, AX_FLOAT64);
    const double *A = ax_data(ctx, av), *B = ax_data(ctx, bv); /* row-major copies (b: K x N) */
    ax_set_default_device(ctx, d);
    if (!A || !B) die(ctx, "fp8 check");
    for (int k = 0; k < 4; k++) {
        int64_t i = pos[k] / n, j = pos[k] % n;
        double want = 0, mag = 0;
        for (int64_t p = 0; p < n; p++) want += A[i * n + p] * B[p * n + j], mag += fabs(A[i * n + p] * B[p * n + j]);
        const double scale = rowwise ? (double)rowwise_scale(0, i) * rowwise_scale(1, j)
                                     : (double)fp8_scales[0] * fp8_scales[1];
        want *= scale, mag *= scale;
        /* bf16 output rounding (2^-8 relative) plus float32 accumulation */
        if (!*why && !(fabs(got[k] - want) <= 4e-3 * fabs(want) + 1e-5 * mag))
            snprintf(why, sizeof why, "C[%lld, %lld]: got %.6g, want %.6g", (long long)i, (long long)j, got[k], want);
    }
    ax_scope_end(ctx);
    char size[64];
    snprintf(size, sizeof size, "%lld^3 float8_e4m3 -> bfloat16", (long long)n);
    const double flops = 2.0 * (double)n * (double)n * (double)n;
    emit(rowwise ? "gemm_fp8_rowwise" : "gemm_fp8", rowwise ? "fp8 GEMM (row-wise scales)" : "fp8 GEMM (scaled)", size,
         sec, "TFLOP/s", flops / sec / 1e12, flops, *why ? why : "ok");
}

/* gemm_tf32 in a child process with AX_CUDA_TF32=1 (ax reads it once per
 * process, at its first float32 matmul). Its JSON line goes to our stdout. */
static void row_tf32_child(void) {
    char exe[4096], cmd[4300];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "bench_gpu: gemm_tf32: cannot find this program (/proc/self/exe)\n");
        return;
    }
    exe[n] = 0;
    snprintf(cmd, sizeof cmd, "AX_CUDA_TF32=1 '%s' --child %s %s gemm_tf32", exe, quick ? "--quick" : "",
             DEV.type == AX_DEVICE_CPU ? "--cpu" : "");
    fflush(stdout);
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "bench_gpu: gemm_tf32 child failed (status %d)\n", rc);
}

int main(int argc, char **argv) {
    static const char *const all[] = {"copy", "add", "sum", "softmax", "gemm_bf16", "gemm_tf32", "gemm_fp8", "gemm_fp8_rowwise",
                                      "chain", "chain_compiled", "latency"};
    const char *rows[16];
    int nrows = 0;
    bool child = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--child")) child = true;
        else if (!strcmp(argv[i], "--cpu")) DEV = ax_cpu();
        else if (nrows < 16) rows[nrows++] = argv[i];
    }
    if (!nrows)
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) rows[nrows++] = all[i];
    N_EW = quick ? (int64_t)1 << 20 : (int64_t)1 << 28;
    if (DEV.type == AX_DEVICE_GPU && ax_gpu_count() == 0) {
        printf("{\"impl\": \"ax\", \"meta\": true, \"skipped\": \"no CUDA device\"}\n");
        fprintf(stderr, "bench_gpu: skipped: no CUDA device\n");
        return 77;
    }
    snprintf(device_name, sizeof device_name, "%s",
             DEV.type == AX_DEVICE_CPU ? "cpu" : ax_gpu_name(0) ? ax_gpu_name(0) : "?");
    ax_ctx *ctx = ax_ctx_new();
    if (ax_set_default_device(ctx, DEV) != AX_OK) die(ctx, "select gpu:0");
    const char *tf32 = getenv("AX_CUDA_TF32");
    if (!child)
        printf("{\"impl\": \"ax\", \"meta\": true, \"device\": \"%s\", \"ax_version\": \"%s\", "
               "\"quick\": %s, \"timing\": \"host clock around build + eval + synchronize of a batch of ops, median per op\"}\n",
               device_name, ax_version(), quick ? "true" : "false");
    for (int r = 0; r < nrows; r++) {
        const char *row = rows[r];
        ax_scope_begin(ctx);
        if (!strcmp(row, "copy") || !strcmp(row, "add") || !strcmp(row, "sum") || !strcmp(row, "chain") ||
            !strcmp(row, "chain_compiled"))
            row_elementwise(ctx, row);
        else if (!strcmp(row, "softmax")) row_softmax(ctx);
        else if (!strcmp(row, "gemm_bf16")) row_gemm(ctx, row);
        else if (!strcmp(row, "gemm_fp8")) row_gemm_fp8(ctx, false);
        else if (!strcmp(row, "gemm_fp8_rowwise")) row_gemm_fp8(ctx, true);
        else if (!strcmp(row, "gemm_tf32")) {
            if (tf32 && !strcmp(tf32, "1")) row_gemm(ctx, row);
            else row_tf32_child();
        } else if (!strcmp(row, "latency")) row_latency(ctx);
        else {
            fprintf(stderr, "bench_gpu: unknown row %s\n", row);
            return 2;
        }
        ax_scope_end(ctx);
        ax_synchronize(ctx, DEV);
        ax_device_memory_clear_cache(DEV);
    }
    ax_ctx_free(ctx);
    return 0;
}
