/* libFuzzer: ax_load_npy_buffer over arbitrary bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ax_ctx *ctx = fuzz_ctx();
    ax_scope_begin(ctx);
    ax_array *a = ax_load_npy_buffer(ctx, data, size);
    if (a) fuzz_touch(ctx, a);
    else if (!ax_error_message(ctx)[0]) abort();
    ax_error_clear(ctx);
    ax_scope_end(ctx);
    return 0;
}
