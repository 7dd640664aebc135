/* Shared helpers for the libFuzzer targets: one context for the process, a
 * per-input scope, and a walk over every loaded byte so ASan checks it. */
#ifndef AX_FUZZ_COMMON_H
#define AX_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/io_internal.h"

static inline ax_ctx *fuzz_ctx(void) {
    static ax_ctx *ctx;
    if (!ctx) {
        ctx = ax_ctx_new();
        ax_set_cache_limit(0); /* free buffers at once, so ASan sees misuse */
        ax_set_num_threads(1);
    }
    return ctx;
}

/* Read every byte of an array and check its size bookkeeping. */
static inline void fuzz_touch(ax_ctx *ctx, ax_array *a) {
    if (!a) return;
    if (ax_nbytes(a) != (size_t)ax_size(a) * ax_dtype_size(ax_dtype_of(a))) abort();
    if (!ax_size(a)) return;
    const volatile uint8_t *p = ax_data(ctx, a);
    if (!p) abort();
    uint8_t acc = 0;
    for (size_t i = 0; i < ax_nbytes(a); i++) acc ^= p[i];
    (void)acc;
}

static inline void fuzz_touch_dict(ax_ctx *ctx, ax_dict *d) {
    for (int i = 0; i < ax_dict_size(d); i++) {
        if (!ax_dict_key(d, i)) abort();
        fuzz_touch(ctx, ax_dict_value(d, i));
    }
}

/* A failed load leaves an error message and nothing else. */
static inline void fuzz_check_status(ax_ctx *ctx, ax_status st, ax_dict *d) {
    if (st != AX_OK && (ax_error_code(ctx) != st || !ax_error_message(ctx)[0] || ax_dict_size(d)))
        abort();
    ax_error_clear(ctx);
}

/* A file holding the input, for the path entry points (a per-process name). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *ext) {
    static char path[256];
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/ax_fuzz_%d%s", dir, (int)getpid(), ext);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    size_t n = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || n != size) return NULL;
    return path;
}

#endif
