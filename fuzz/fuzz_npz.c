/* libFuzzer: .npz archives from memory and, for small inputs, from a file
 * (the mapped path of ax_load_npz). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ax_ctx *ctx = fuzz_ctx();
    ax_dict *d = ax_dict_new();
    ax_status st = ax__load_npz_buffer(ctx, "buffer", data, size, d);
    fuzz_touch_dict(ctx, d);
    fuzz_check_status(ctx, st, d);
    ax_dict_free(d);
    if (size <= 1 << 16) {
        const char *path = fuzz_file(data, size, ".npz");
        if (path) {
            ax_dict *e = ax_dict_new();
            ax_status st2 = ax_load_npz(ctx, path, e);
            if (st2 != st) abort(); /* same bytes, same verdict */
            fuzz_touch_dict(ctx, e);
            fuzz_check_status(ctx, st2, e);
            ax_dict_free(e);
            remove(path);
        }
    }
    return 0;
}
