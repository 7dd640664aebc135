/* libFuzzer: ax_load_npy_buffer over arbitrary bytes and, for small inputs,
 * ax_load_npy over the same bytes in a file (which must agree). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ax_ctx *ctx = fuzz_ctx();
    ax_scope_begin(ctx);
    ax_array *a = ax_load_npy_buffer(ctx, data, size);
    ax_status st = ax_error_code(ctx);
    if (a) fuzz_touch(ctx, a);
    else if (!ax_error_message(ctx)[0]) abort();
    ax_error_clear(ctx);
    if (size <= 1 << 16) {
        const char *path = fuzz_file(data, size, ".npy");
        if (path) {
            ax_array *b = ax_load_npy(ctx, path);
            if ((b == NULL) != (a == NULL) || ax_error_code(ctx) != st) abort();
            if (a && ax_size(a) && memcmp(ax_data(ctx, a), ax_data(ctx, b), ax_nbytes(a)) != 0) abort();
            ax_error_clear(ctx);
            remove(path);
        }
    }
    ax_scope_end(ctx);
    return 0;
}
