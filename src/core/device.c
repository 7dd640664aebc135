/* Devices and streams (ax/device.h) and unified memory's host side: making a
 * buffer's host copy current. The GPU itself lives behind ax__gpu(). */
#include <stdio.h>
#include <stdlib.h>

#include "core/device.h"

#ifdef AX_HAVE_CUDA
extern const ax_gpu_backend ax__cuda_backend;
const ax_gpu_backend *ax__gpu(void) { return &ax__cuda_backend; }
#else
const ax_gpu_backend *ax__gpu(void) { return NULL; }
#endif

static atomic_bool gpu_fallback = true;

bool ax_set_gpu_fallback(bool on) { return atomic_exchange(&gpu_fallback, on); }
bool ax__gpu_fallback(void) { return atomic_load(&gpu_fallback); }

bool ax_gpu_supports(const char *op_name) {
    const ax_gpu_backend *g = ax__gpu();
    if (!g || !op_name) return false;
    for (int op = 0; op < AX_OP_COUNT; op++)
        if (!strcmp(ax__op_info[op].name, op_name))
            return (ax__op_info[op].flags & AX_F_VIEW) || g->kernel((ax_op)op) != NULL;
    return false;
}

ax_device ax_cpu(void) { return (ax_device){AX_DEVICE_CPU, 0}; }
ax_device ax_gpu(int index) { return (ax_device){AX_DEVICE_GPU, index}; }
bool ax_device_equal(ax_device a, ax_device b) { return a.type == b.type && a.index == b.index; }

const char *ax_device_str(ax_device d, char *buf, size_t cap) {
    if (!buf || !cap) return buf;
    if (d.type == AX_DEVICE_GPU) snprintf(buf, cap, "gpu:%d", d.index);
    else snprintf(buf, cap, "cpu");
    return buf;
}

bool ax_cuda_built(void) { return ax__gpu() != NULL; }

int ax_gpu_count(void) {
    const ax_gpu_backend *g = ax__gpu();
    return g ? g->device_count() : 0;
}

const char *ax_gpu_name(int index) {
    const ax_gpu_backend *g = ax__gpu();
    return g && index >= 0 && index < g->device_count() ? g->device_name(index) : NULL;
}

int ax_gpu_compute_capability(int index) {
    const ax_gpu_backend *g = ax__gpu();
    int cc = g && index >= 0 && index < g->device_count() ? g->compute_capability(index) : -1;
    return cc < 0 ? 0 : cc;
}

/* AX_OK if d names a device this process can use, else records why. */
static ax_status check_device(ax_ctx *ctx, ax_device d, const char *op) {
    if (d.type == AX_DEVICE_CPU) {
        if (d.index != 0) return ax__fail(ctx, AX_ERR_VALUE, "%s: the CPU is device 0, not %d", op, d.index);
        return AX_OK;
    }
    if (d.type != AX_DEVICE_GPU) return ax__fail(ctx, AX_ERR_VALUE, "%s: unknown device type %d", op, (int)d.type);
    if (!ax__gpu())
        return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                        "%s: gpu:%d requested, but ax was built without CUDA (-DAX_CUDA=ON)", op, d.index);
    int n = ax_gpu_count();
    if (d.index < 0 || d.index >= n)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: gpu:%d requested, but %s", op, d.index,
                        n == 0 ? "no CUDA device is available" : "there are fewer GPUs");
    return AX_OK;
}

ax_status ax_set_default_device(ax_ctx *ctx, ax_device d) {
    if (!ctx) return AX_ERR_NULL;
    ax_status st = check_device(ctx, d, "set_default_device");
    if (st == AX_OK) ctx->stream = (ax_stream){d, 0};
    return st;
}

ax_device ax_get_default_device(const ax_ctx *ctx) { return ctx ? ctx->stream.device : ax_cpu(); }

ax_status ax_set_default_stream(ax_ctx *ctx, ax_stream s) {
    if (!ctx) return AX_ERR_NULL;
    ax_status st = check_device(ctx, s.device, "set_default_stream");
    if (st != AX_OK) return st;
    if (s.index < 0 || (s.device.type == AX_DEVICE_CPU && s.index != 0))
        return ax__fail(ctx, AX_ERR_VALUE, "set_default_stream: no stream %d on %s", s.index,
                        s.device.type == AX_DEVICE_CPU ? "the CPU" : "this GPU");
    ctx->stream = s;
    return AX_OK;
}

ax_stream ax_get_default_stream(const ax_ctx *ctx) {
    return ctx ? ctx->stream : (ax_stream){ax_cpu(), 0};
}

ax_stream ax_new_stream(ax_ctx *ctx, ax_device d) {
    ax_stream bad = {d, -1};
    if (!ctx || check_device(ctx, d, "new_stream") != AX_OK) return bad;
    if (d.type == AX_DEVICE_CPU) {
        ax__fail(ctx, AX_ERR_UNSUPPORTED, "new_stream: the CPU has one stream (0)");
        return bad;
    }
    int idx = ax__gpu()->new_stream(ctx, d.index);
    return (ax_stream){d, idx};
}

ax_status ax_synchronize(ax_ctx *ctx, ax_device d) {
    if (!ctx) return AX_ERR_NULL;
    ax_status st = ax_wait(ctx);
    if (st != AX_OK) return st;
    if (d.type == AX_DEVICE_CPU) return AX_OK;
    if ((st = check_device(ctx, d, "synchronize")) != AX_OK) return st;
    return ax__gpu()->synchronize(ctx, d.index, -1);
}

/* ---------------------------------------------------------------- memory */

static const ax_gpu_backend *gpu_for(ax_device d) {
    const ax_gpu_backend *g = ax__gpu();
    if (d.type != AX_DEVICE_GPU || !g || d.index < 0 || d.index >= g->device_count()) return NULL;
    return g;
}

size_t ax_device_memory_active(ax_device d) {
    const ax_gpu_backend *g = gpu_for(d);
    return d.type == AX_DEVICE_CPU ? ax_memory_active() : g ? g->mem_active(d.index) : 0;
}
size_t ax_device_memory_peak(ax_device d) {
    const ax_gpu_backend *g = gpu_for(d);
    return d.type == AX_DEVICE_CPU ? ax_memory_peak() : g ? g->mem_peak(d.index) : 0;
}
size_t ax_device_memory_cache(ax_device d) {
    const ax_gpu_backend *g = gpu_for(d);
    return d.type == AX_DEVICE_CPU ? ax_memory_cache() : g ? g->mem_cache(d.index) : 0;
}
void ax_device_memory_reset_peak(ax_device d) {
    const ax_gpu_backend *g = gpu_for(d);
    if (d.type == AX_DEVICE_CPU) ax_memory_reset_peak();
    else if (g) g->mem_reset_peak(d.index);
}
size_t ax_device_set_memory_limit(ax_device d, size_t bytes) {
    const ax_gpu_backend *g = gpu_for(d);
    return d.type == AX_DEVICE_CPU ? ax_set_memory_limit(bytes) : g ? g->mem_set_limit(d.index, bytes) : 0;
}
size_t ax_device_set_cache_limit(ax_device d, size_t bytes) {
    const ax_gpu_backend *g = gpu_for(d);
    return d.type == AX_DEVICE_CPU ? ax_set_cache_limit(bytes)
                                   : g ? g->mem_set_cache_limit(d.index, bytes) : 0;
}
void ax_device_memory_clear_cache(ax_device d) {
    const ax_gpu_backend *g = gpu_for(d);
    if (d.type == AX_DEVICE_CPU) ax_memory_clear_cache();
    else if (g) g->mem_clear_cache(d.index);
}
void ax_device_transfer_stats(ax_device d, size_t *to_device, size_t *to_host) {
    size_t a = 0, b = 0;
    const ax_gpu_backend *g = gpu_for(d);
    if (g) g->transfer_stats(d.index, &a, &b);
    if (to_device) *to_device = a;
    if (to_host) *to_host = b;
}

/* ---------------------------------------------------------------- host copies */

ax_status ax__buffer_to_host(ax_ctx *ctx, ax_buffer *b, const char *op) {
    if (!b || (b->where & AX_WHERE_HOST)) return AX_OK;
    const ax_gpu_backend *g = ax__gpu();
    if (!g || !(b->where & AX_WHERE_DEV))
        return ax__fail(ctx, AX_ERR_INTERNAL, "%s: buffer has no current copy", op);
    if (ax__buffer_host_storage(ctx, b) != AX_OK) return ctx->status;
    ax_status st = g->to_host(ctx, b, op);
    if (st == AX_OK) b->where |= AX_WHERE_HOST;
    return st;
}

char *ax__host_ptr(ax_ctx *ctx, ax_array *a, const char *op) {
    if (!a || !a->buf) {
        ax__fail(ctx, AX_ERR_INTERNAL, "%s: array is not evaluated", op);
        return NULL;
    }
    if (ax__buffer_to_host(ctx, a->buf, op) != AX_OK) return NULL;
    return ax__ptr(a);
}
