/* libFuzzer: safetensors from memory (copied) and from a mapped file
 * (zero-copy views), which must agree. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ax_ctx *ctx = fuzz_ctx();
    ax_dict *d = ax_dict_new();
    ax_strmap *meta = ax_strmap_new();
    ax_status st = ax_load_safetensors_buffer(ctx, data, size, d, meta);
    fuzz_touch_dict(ctx, d);
    if (st != AX_OK && ax_strmap_size(meta)) abort();
    fuzz_check_status(ctx, st, d);
    if (size <= 1 << 16) {
        const char *path = fuzz_file(data, size, ".safetensors");
        if (path) {
            ax_dict *e = ax_dict_new();
            ax_status st2 = ax_load_safetensors(ctx, path, e, NULL);
            if (st2 != st || ax_dict_size(e) != ax_dict_size(d)) abort();
            for (int i = 0; i < ax_dict_size(e); i++) {
                ax_array *x = ax_dict_value(d, i), *y = ax_dict_value(e, i);
                if (ax_nbytes(x) != ax_nbytes(y) ||
                    (ax_size(x) && memcmp(ax_data(ctx, x), ax_data(ctx, y), ax_nbytes(x)) != 0))
                    abort();
            }
            remove(path); /* the mapping outlives the name */
            fuzz_touch_dict(ctx, e);
            fuzz_check_status(ctx, st2, e);
            ax_dict_free(e);
        }
    }
    ax_strmap_free(meta);
    ax_dict_free(d);
    return 0;
}
