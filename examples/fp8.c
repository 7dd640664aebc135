/* fp8 in a few lines (docs/fp8.md; kept identical to the listing there):
 * quantize a weight and an activation to E4M3 with per-tensor scales,
 * multiply the codes, and compare with the float32 product. On a GPU of
 * compute capability 8.9+ (ax_set_default_device(ctx, ax_gpu(0))) the same
 * fp8_matmul runs on the fp8 tensor cores. */
#include <ax/ax.h>
#include <math.h>
#include <stdio.h>

/* amax / 448: the scale that maps an array's largest magnitude to E4M3's largest value */
static ax_array *scale_of(ax_ctx *ctx, ax_array *x) {
    return ax_divide(ctx, ax_max(ctx, ax_abs(ctx, x), NULL, 0, false), ax_scalar(ctx, 448.0, AX_FLOAT32));
}

int main(void) {
    ax_ctx *ctx = ax_ctx_new();
    if (!ctx) return 1;

    /* x (64, 256) activations in [0, 2], w (128, 256) a Linear layer's weight in [0.01, 0.11] */
    ax_array *one = ax_scalar(ctx, 1.0, AX_FLOAT32);
    ax_array *x = ax_add(ctx, ax_sin(ctx, ax_arange(ctx, 0, 64 * 256, 1, AX_FLOAT32)), one);
    x = ax_reshape(ctx, x, (int64_t[]){64, 256}, 2);
    ax_array *t = ax_multiply(ctx, ax_arange(ctx, 0, 128 * 256, 1, AX_FLOAT32), ax_scalar(ctx, 0.37, AX_FLOAT32));
    ax_array *w = ax_multiply(ctx, ax_add(ctx, ax_cos(ctx, t), ax_scalar(ctx, 1.2, AX_FLOAT32)),
                              ax_scalar(ctx, 0.05, AX_FLOAT32));
    w = ax_reshape(ctx, w, (int64_t[]){128, 256}, 2);

    ax_array *sx = scale_of(ctx, x), *sw = scale_of(ctx, w);
    ax_array *xq = ax_to_fp8(ctx, ax_divide(ctx, x, sx), AX_FP8_E4M3); /* uint8 codes */
    ax_array *wq = ax_to_fp8(ctx, ax_divide(ctx, w, sw), AX_FP8_E4M3);

    /* y = x @ w^T from the codes; w^T is K-contiguous, as the tensor cores want it */
    ax_array *y8 = ax_fp8_matmul(ctx, xq, ax_transpose(ctx, wq, NULL, 0), AX_FP8_E4M3, AX_FP8_E4M3, sx, sw,
                                 AX_FLOAT32);
    ax_array *y = ax_matmul(ctx, x, ax_transpose(ctx, w, NULL, 0));

    double err = 0, mag = 0;
    ax_item_f64(ctx, ax_max(ctx, ax_abs(ctx, ax_subtract(ctx, y8, y)), NULL, 0, false), &err);
    ax_item_f64(ctx, ax_max(ctx, ax_abs(ctx, y), NULL, 0, false), &mag);
    printf("fp8 product vs float32: max error %.4f of max |y| %.4f (%.2f%%)\n", err, mag, 100 * err / mag);

    /* what encoding does: round to nearest even, saturate, keep NaN and signed zero */
    float v[6] = {0.1f, 1.0f, 300.0f, 1000.0f, -0.0f, NAN};
    ax_array *codes = ax_to_fp8(ctx, ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){6}, 1), AX_FP8_E4M3);
    ax_print(ctx, codes, stdout);
    ax_print(ctx, ax_from_fp8(ctx, codes, AX_FP8_E4M3, AX_FLOAT32), stdout);

    if (ax_error_code(ctx) != AX_OK) {
        fprintf(stderr, "%s\n", ax_error_message(ctx));
        ax_ctx_free(ctx);
        return 1;
    }
    ax_ctx_free(ctx);
    return 0;
}
