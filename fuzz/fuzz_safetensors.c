/* libFuzzer: safetensors from memory (copied) and from a mapped file
 * (zero-copy views), which must agree, through the _ex entry points (dtype
 * names) and the old ones. */
#include "fuzz_common.h"

/* `dt` names every tensor of `d`, in order; an 8-bit float is uint8 codes. */
static void check_dtypes(const ax_dict *d, const ax_strmap *dt) {
    if (ax_strmap_size(dt) != ax_dict_size(d)) abort();
    for (int i = 0; i < ax_dict_size(d); i++) {
        const char *v = ax_strmap_value(dt, i);
        if (strcmp(ax_strmap_key(dt, i), ax_dict_key(d, i)) != 0 || !v[0]) abort();
        if (strncmp(v, "F8_", 3) == 0 && ax_dtype_of(ax_dict_value(d, i)) != AX_UINT8) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ax_ctx *ctx = fuzz_ctx();
    ax_dict *d = ax_dict_new();
    ax_strmap *meta = ax_strmap_new(), *dt = ax_strmap_new();
    ax_status st = ax_load_safetensors_buffer_ex(ctx, data, size, d, meta, dt);
    fuzz_touch_dict(ctx, d);
    if (st != AX_OK && (ax_strmap_size(meta) || ax_strmap_size(dt))) abort();
    check_dtypes(d, dt);
    fuzz_check_status(ctx, st, d);
    ax_dict *old = ax_dict_new(); /* the old entry point agrees */
    ax_status st0 = ax_load_safetensors_buffer(ctx, data, size, old, NULL);
    if (st0 != st || ax_dict_size(old) != ax_dict_size(d)) abort();
    fuzz_check_status(ctx, st0, old);
    ax_dict_free(old);
    if (size <= 1 << 16) {
        const char *path = fuzz_file(data, size, ".safetensors");
        if (path) {
            ax_dict *e = ax_dict_new();
            ax_strmap *dt2 = ax_strmap_new();
            ax_status st2 = ax_load_safetensors_ex(ctx, path, e, NULL, dt2);
            if (st2 != st || ax_dict_size(e) != ax_dict_size(d)) abort();
            check_dtypes(e, dt2);
            for (int i = 0; i < ax_dict_size(e); i++) {
                ax_array *x = ax_dict_value(d, i), *y = ax_dict_value(e, i);
                if (ax_nbytes(x) != ax_nbytes(y) ||
                    (ax_size(x) && memcmp(ax_data(ctx, x), ax_data(ctx, y), ax_nbytes(x)) != 0) ||
                    strcmp(ax_strmap_value(dt, i), ax_strmap_value(dt2, i)) != 0)
                    abort();
            }
            remove(path); /* the mapping outlives the name */
            fuzz_touch_dict(ctx, e);
            fuzz_check_status(ctx, st2, e);
            ax_strmap_free(dt2);
            ax_dict_free(e);
        }
    }
    ax_strmap_free(dt);
    ax_strmap_free(meta);
    ax_dict_free(d);
    return 0;
}
