/* Error recording: the first error wins until ax_error_clear. */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"

static const char *const status_names[] = {
    "AX_OK",           "AX_ERR_SHAPE", "AX_ERR_DTYPE",       "AX_ERR_AXIS",
    "AX_ERR_INDEX",    "AX_ERR_VALUE", "AX_ERR_OOM",         "AX_ERR_IO",
    "AX_ERR_FORMAT",   "AX_ERR_UNSUPPORTED", "AX_ERR_NULL",  "AX_ERR_INTERNAL",
};

const char *ax_status_name(ax_status s) {
    if ((unsigned)s < sizeof status_names / sizeof *status_names) return status_names[s];
    return "AX_ERR_UNKNOWN";
}

static void record(ax_ctx *ctx, ax_status code, const char *fmt, va_list ap) {
    if (!ctx || ctx->status != AX_OK) return;
    ctx->status = code;
    vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
}

void *ax__error(ax_ctx *ctx, ax_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    record(ctx, code, fmt, ap);
    va_end(ap);
    return NULL;
}

ax_status ax__fail(ax_ctx *ctx, ax_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    record(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

void *ax__null_input(ax_ctx *ctx, const char *fn) {
    /* A NULL input normally means an earlier op failed: keep its error. */
    if (ctx->status == AX_OK) {
        const char *name = fn;
        if (strncmp(name, "ax_", 3) == 0) name += 3;
        ax__error(ctx, AX_ERR_NULL, "%s: an input array is NULL", name);
    }
    return NULL;
}

ax_status ax_error_code(const ax_ctx *ctx) { return ctx ? ctx->status : AX_ERR_NULL; }
const char *ax_error_message(const ax_ctx *ctx) { return ctx ? ctx->message : "no context"; }
void ax_error_clear(ax_ctx *ctx) {
    if (!ctx) return;
    ctx->status = AX_OK;
    ctx->message[0] = 0;
}

const char *ax__shape_str(const int64_t *shape, int ndim, char *buf, size_t cap) {
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n, "(");
    for (int i = 0; i < ndim && n < cap; i++) {
        if (n > cap - 24) {
            snprintf(buf + n, cap - n, "...");
            n = cap;
            break;
        }
        n += (size_t)snprintf(buf + n, cap - n, i ? ", %lld" : "%lld", (long long)shape[i]);
    }
    if (n < cap) snprintf(buf + n, cap - n, ndim == 1 ? ",)" : ")");
    buf[cap - 1] = 0;
    return buf;
}

void *ax__malloc(ax_ctx *ctx, size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) ax__error(ctx, AX_ERR_OOM, "out of host memory allocating %zu bytes", n);
    return p;
}

void *ax__calloc(ax_ctx *ctx, size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) ax__error(ctx, AX_ERR_OOM, "out of host memory allocating %zu x %zu bytes", n, size);
    return p;
}
