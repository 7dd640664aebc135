/* GPU kernels at the shapes where their dispatch changes, which the
 * conformance cases (small shapes) do not reach: each result on gpu:0
 * against the CPU kernel's, row by row with the conformance harness's
 * bound (max |gpu - cpu| over a row <= the dtype's bound * max |cpu|; an
 * elementwise relative bound would not hold for float16 outputs in the
 * subnormal range, where one unit of the output is larger than it, for
 * any two float computations that round differently), and NaN exactly
 * where the CPU has NaN.
 *
 *   softmax over rows (src/backend/cuda/kernels/reduce.cu): rows held by
 *   one block, fetched by bulk copies (k_softmax_tma: rows of 8 KB and more
 *   on sm_90, two of them in shared memory) or by every thread
 *   (k_softmax_row: shorter rows, and rows of which two do not fit), on both
 *   sides of each limit; 16-bit rows of 32776 and 65536 elements
 *   (k_softmax_reg) and 65544 (k_softmax_loop); few rows, and more rows than
 *   the device holds at once (each block then walks its ring of stages
 *   several times); rows with -inf, +inf, NaN and nothing but -inf.
 *
 *   fp8_matmul on the tensor cores (sm_89+), per-tensor and row-wise scales
 *   (both GPU paths for the latter), with the CPU fallback off, so a
 *   decline is an error: b K-contiguous (read in place) and row-major
 *   (transposed first), E4M3 x E4M3 and E4M3 x E5M2, bfloat16 and float32
 *   outputs, against the CPU's decode + float32 product.
 *
 * Exits 77 (skipped) without a CUDA device. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax/device.h"
#include "ax/fp8.h"
#include "testutil.h"

static double bound_of(ax_dtype t) {
    return t == AX_BFLOAT16 ? 1.6e-2 : t == AX_FLOAT16 ? 2e-3 : t == AX_FLOAT32 ? 1e-5 : 1e-12;
}

/* (rows, R) float32 values, then rounded to dtype t on the CPU: a ramp with
 * a spread of 20 (exps over e^-20..1), row 1 with a -inf, row 2 with a +inf,
 * row 3 all -inf, row 4 with a NaN (rows that exist). */
static ax_array *rows_input(ax_ctx *ctx, int64_t rows, int64_t R, ax_dtype t) {
    float *v = malloc(sizeof(float) * (size_t)(rows * R));
    uint32_t s = 12345u;
    for (int64_t i = 0; i < rows * R; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = 20.0f * (float)(s >> 8) / 16777216.0f - 10.0f;
    }
    if (rows > 1) v[1 * R + 7] = -INFINITY;
    if (rows > 2) v[2 * R + R / 2] = INFINITY;
    if (rows > 3)
        for (int64_t j = 0; j < R; j++) v[3 * R + j] = -INFINITY;
    if (rows > 4) v[4 * R + R - 1] = NAN;
    int64_t shape[2] = {rows, R};
    ax_array *a = ax_astype(ctx, ax_array_from_data(ctx, v, AX_FLOAT32, shape, 2), t);
    free(v);
    return a;
}

static void check_softmax(ax_ctx *ctx, int64_t rows, int64_t R, ax_dtype t) {
    ax_scope_begin(ctx);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    ax_array *x = rows_input(ctx, rows, R, t);
    int axis = -1;
    ax_array *want = ax_astype(ctx, ax_softmax(ctx, x, &axis, 1), AX_FLOAT32);
    CHECK(ax_eval1(ctx, want) == AX_OK);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_array *got = ax_softmax(ctx, x, &axis, 1);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    got = ax_astype(ctx, got, AX_FLOAT32); /* the GPU's values, rounded to t there, read as float32 */
    const float *g = ax_data(ctx, got), *w = ax_data(ctx, want);
    CHECK_OK(ctx);
    if (!g || !w) {
        ax_scope_end(ctx);
        return;
    }
    /* per row: the worst difference against the largest reference value */
    int64_t bad_rows = 0, first = -1;
    double b = bound_of(t), worst = 0;
    for (int64_t r = 0; r < rows; r++) {
        double dmax = 0, wmax = 0;
        bool nan_ok = true;
        for (int64_t j = r * R; j < (r + 1) * R; j++) {
            if (isnan(w[j]) || isnan(g[j])) {
                nan_ok &= isnan(w[j]) && isnan(g[j]);
                continue;
            }
            dmax = fmax(dmax, fabs((double)g[j] - w[j]));
            wmax = fmax(wmax, fabs((double)w[j]));
        }
        double err = dmax / (wmax + 1e-300);
        worst = fmax(worst, err);
        if ((!nan_ok || err > b) && bad_rows++ == 0) first = r;
    }
    CHECK_MSG(bad_rows == 0, "softmax %s (%lld, %lld): %lld rows differ, first row %lld; worst error %.3g (bound %.3g)",
              ax_dtype_name(t), (long long)rows, (long long)R, (long long)bad_rows, (long long)first, worst, b);
    ax_scope_end(ctx);
}

/* How check_fp8_matmul scales: per-tensor; row-wise (M,) and (N,) vectors;
 * row-wise as strided views (a column of an (M, 2) matrix, a row slice with
 * step 2); a per-tensor scale_a with a row-wise scale_b. */
typedef enum { FP8_TENSOR, FP8_ROWWISE, FP8_ROWWISE_STRIDED, FP8_MIXED } fp8_scaling;

static ax_array *scale_vector(ax_ctx *ctx, int64_t n, float base, float step, int period, bool strided) {
    float *v = malloc(sizeof(float) * (size_t)(2 * n));
    for (int64_t i = 0; i < 2 * n; i++) v[i] = base + step * (float)((i / (strided ? 2 : 1)) % period);
    ax_array *r = strided ? ax_reshape(ctx, ax_slice_axis(ctx, ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){n, 2}, 2),
                                                          1, 0, 1, 1), &n, 1)
                          : ax_array_from_data(ctx, v, AX_FLOAT32, &n, 1);
    free(v);
    return r;
}

static void check_fp8_matmul(ax_ctx *ctx, int64_t M, int64_t K, int64_t N, ax_fp8_format fb, bool b_kcontig,
                             ax_dtype out, fp8_scaling scaling) {
    ax_scope_begin(ctx);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    float *v = malloc(sizeof(float) * (size_t)((M + N) * K));
    uint32_t s = 777u;
    for (int64_t i = 0; i < (M + N) * K; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = 4.0f * (float)(s >> 8) / 16777216.0f - 2.0f;
    }
    ax_array *a = ax_to_fp8(ctx, ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){M, K}, 2), AX_FP8_E4M3);
    ax_array *b = b_kcontig ? ax_transpose(ctx, ax_to_fp8(ctx, ax_array_from_data(ctx, v + M * K, AX_FLOAT32, (int64_t[]){N, K}, 2), fb), NULL, 0)
                            : ax_to_fp8(ctx, ax_array_from_data(ctx, v + M * K, AX_FLOAT32, (int64_t[]){K, N}, 2), fb);
    free(v);
    float sc[2] = {0.5f, 3.0f};
    ax_array *sa = ax_array_from_data(ctx, &sc[0], AX_FLOAT32, NULL, 0), *sb = ax_array_from_data(ctx, &sc[1], AX_FLOAT32, NULL, 0);
    const bool strided = scaling == FP8_ROWWISE_STRIDED;
    if (scaling == FP8_ROWWISE || strided) sa = scale_vector(ctx, M, 0.25f, 0.125f, 7, strided);
    if (scaling != FP8_TENSOR) sb = scale_vector(ctx, N, 1.0f, 0.5f, 5, strided);
    ax_array *want = ax_astype(ctx, ax_fp8_matmul(ctx, a, b, AX_FP8_E4M3, fb, sa, sb, AX_FLOAT32), AX_FLOAT64);
    CHECK(ax_eval1(ctx, want) == AX_OK);
    CHECK(ax_set_default_device(ctx, ax_gpu(0)) == AX_OK);
    ax_set_gpu_fallback(false);
    ax_array *got = ax_fp8_matmul(ctx, a, b, AX_FP8_E4M3, fb, sa, sb, out);
    CHECK_MSG(ax_eval1(ctx, got) == AX_OK, "fp8_matmul (%lld, %lld, %lld) scaling %d on the GPU: %s", (long long)M,
              (long long)K, (long long)N, (int)scaling, ax_error_message(ctx));
    ax_error_clear(ctx);
    ax_set_gpu_fallback(true);
    CHECK(ax_set_default_device(ctx, ax_cpu()) == AX_OK);
    const double *g = ax_data(ctx, ax_astype(ctx, got, AX_FLOAT64)), *w = ax_data(ctx, want);
    double worst = 0, wmax = 0;
    for (int64_t i = 0; g && w && i < M * N; i++) worst = fmax(worst, fabs(g[i] - w[i])), wmax = fmax(wmax, fabs(w[i]));
    /* relative to the largest output: the output's rounding (bfloat16 2^-8,
     * float16 2^-11) and the tensor cores' fp8 accumulation, which keeps
     * fewer bits than float32 between its promotions to float32 (measured on
     * an H100: 1.6e-4 at K = 256, 2-3e-4 in the conformance shapes) */
    double bound = out == AX_BFLOAT16 ? 8e-3 : 2e-3;
    CHECK_MSG(g && w && worst <= bound * wmax,
              "fp8_matmul (%lld, %lld, %lld) %s b %s scaling %d: worst error %.3g of max %.3g", (long long)M,
              (long long)K, (long long)N, ax_dtype_name(out), b_kcontig ? "K-contiguous" : "row-major", (int)scaling,
              worst, wmax);
    ax_scope_end(ctx);
}

int main(void) {
    if (ax_gpu_count() == 0) {
        printf("skipped: no CUDA device%s\n", ax_cuda_built() ? "" : " (ax was built without CUDA)");
        return 77;
    }
    ax_ctx *ctx = ax_ctx_new();
    /* lengths per dtype, 0-terminated: row kernel below 8 KB, bulk copies
     * from 8 KB up to rows of which two fit in shared memory, then the row
     * kernel again (float32, float64), k_softmax_reg and k_softmax_loop (16-bit) */
    const struct {
        ax_dtype t;
        int64_t lens[8];
    } cases[] = {
        {AX_BFLOAT16, {4088, 4096, 16384, 32768, 32776, 65536, 65544, 0}},
        {AX_FLOAT16, {4088, 4096, 32768, 32776, 65536, 65544, 0}},
        {AX_FLOAT32, {2044, 2048, 16384, 32768, 32772, 0}},
        {AX_FLOAT64, {1022, 1024, 8192, 16384, 0}},
    };
    const int64_t nrows[] = {5, 1000};
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++)
        for (int li = 0; cases[ci].lens[li]; li++)
            for (int ri = 0; ri < 2; ri++) check_softmax(ctx, nrows[ri], cases[ci].lens[li], cases[ci].t);
    if (ax_gpu_compute_capability(0) >= 89) {
        check_fp8_matmul(ctx, 256, 512, 128, AX_FP8_E4M3, true, AX_BFLOAT16, FP8_TENSOR);
        check_fp8_matmul(ctx, 128, 256, 64, AX_FP8_E5M2, false, AX_FLOAT32, FP8_TENSOR);
        check_fp8_matmul(ctx, 16, 16, 16, AX_FP8_E4M3, false, AX_FLOAT16, FP8_TENSOR);
        /* row-wise: cuBLASLt's outer-vector mode, then (AX_CUDA_FP8_OUTER_VEC=0)
         * the unit-scale product and scaling pass it falls back on */
        for (int pass = 0; pass < 2; pass++) {
            if (pass) setenv("AX_CUDA_FP8_OUTER_VEC", "0", 1);
            check_fp8_matmul(ctx, 256, 512, 128, AX_FP8_E4M3, true, AX_BFLOAT16, FP8_ROWWISE);
            check_fp8_matmul(ctx, 128, 256, 64, AX_FP8_E5M2, false, AX_FLOAT32, FP8_ROWWISE_STRIDED);
            check_fp8_matmul(ctx, 64, 128, 48, AX_FP8_E4M3, true, AX_FLOAT16, FP8_MIXED);
            check_fp8_matmul(ctx, 16, 32, 16, AX_FP8_E4M3, true, AX_FLOAT32, FP8_ROWWISE);
        }
        unsetenv("AX_CUDA_FP8_OUTER_VEC");
    } else {
        printf("fp8_matmul on the tensor cores: skipped (needs compute capability 8.9)\n");
    }
    ax_ctx_free(ctx);
    return test_summary("test_gpu_shapes");
}
