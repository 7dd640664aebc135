/* The CUDA runtime side of unified memory: devices, streams, events, moving
 * buffers between host and device, and the ax_gpu_backend table the core
 * calls (src/core/device.h).
 *
 * Each device gets non-blocking streams (stream 0 made at first use, more by
 * ax_new_stream). A buffer remembers the stream that last wrote its device
 * copy; a node on another stream waits for that write through an event, and
 * the streams that read it are remembered so its memory goes back to the
 * allocator only after they are done. A kernel's asynchronous failure is
 * reported by the next synchronization (eval ends with one). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/cuda/cuda.h"

#define MAX_DEVICES 16
#define MAX_STREAMS 32

typedef struct gpu_state {
    pthread_mutex_t lock;
    bool ready;
    struct cudaDeviceProp prop;
    cudaStream_t streams[MAX_STREAMS];
    int n_streams;
    atomic_size_t to_device, to_host;
} gpu_state;

static gpu_state gpus[MAX_DEVICES];
static int n_devices;
static pthread_once_t count_once = PTHREAD_ONCE_INIT;

static _Thread_local int cur_dev;
static _Thread_local cudaStream_t cur_stream;
static _Thread_local int cur_stream_index;

static void count_devices(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) n = 0;
    (void)cudaGetLastError(); /* clear "no device" / "insufficient driver" */
    n_devices = n < MAX_DEVICES ? n : MAX_DEVICES;
    for (int d = 0; d < MAX_DEVICES; d++) pthread_mutex_init(&gpus[d].lock, NULL);
}

static int device_count(void) {
    pthread_once(&count_once, count_devices);
    return n_devices;
}

/* ---------------------------------------------------------------- errors */

ax_status ax__cuda_check(ax_ctx *ctx, cudaError_t err, const char *op) {
    if (err == cudaSuccess) return AX_OK;
    ax_status code = err == cudaErrorMemoryAllocation ? AX_ERR_OOM : AX_ERR_INTERNAL;
    return ax__fail(ctx, code, "%s: CUDA error %s (%s)", op, cudaGetErrorName(err),
                    cudaGetErrorString(err));
}

ax_status ax__cuda_check_launch(ax_ctx *ctx, const char *op) {
    return ax__cuda_check(ctx, cudaGetLastError(), op);
}

ax_status ax__cuda_lib_check(ax_ctx *ctx, int status, const char *lib, const char *op) {
    if (status == 0) return AX_OK;
    return ax__fail(ctx, AX_ERR_INTERNAL, "%s: %s error %d", op, lib, status);
}

/* ---------------------------------------------------------------- devices */

/* Make device dev ready (properties, stream 0); false with the error recorded. */
static bool device_ready(ax_ctx *ctx, int dev, const char *op) {
    if (dev < 0 || dev >= device_count()) {
        ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: no CUDA device %d", op, dev);
        return false;
    }
    gpu_state *g = &gpus[dev];
    if (__atomic_load_n(&g->ready, __ATOMIC_ACQUIRE)) return true;
    pthread_mutex_lock(&g->lock);
    ax_status st = AX_OK;
    if (!g->ready) {
        st = ax__cuda_check(ctx, cudaSetDevice(dev), op);
        if (st == AX_OK) st = ax__cuda_check(ctx, cudaGetDeviceProperties(&g->prop, dev), op);
        if (st == AX_OK)
            st = ax__cuda_check(ctx, cudaStreamCreateWithFlags(&g->streams[0], cudaStreamNonBlocking), op);
        if (st == AX_OK) {
            g->n_streams = 1;
            __atomic_store_n(&g->ready, true, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&g->lock);
    return st == AX_OK;
}

static const char *device_name(int dev) {
    if (!device_ready(NULL, dev, "gpu_name")) return NULL;
    return gpus[dev].prop.name;
}

static cudaStream_t stream_of(int dev, int stream) { return gpus[dev].streams[stream]; }

static int stream_count(int dev) {
    return __atomic_load_n(&gpus[dev].n_streams, __ATOMIC_ACQUIRE);
}

static int new_stream(ax_ctx *ctx, int dev) {
    if (!device_ready(ctx, dev, "new_stream")) return -1;
    gpu_state *g = &gpus[dev];
    pthread_mutex_lock(&g->lock);
    int idx = -1;
    if (g->n_streams >= MAX_STREAMS) {
        ax__fail(ctx, AX_ERR_VALUE, "new_stream: gpu:%d has its maximum of %d streams", dev, MAX_STREAMS);
    } else if (ax__cuda_check(ctx, cudaSetDevice(dev), "new_stream") == AX_OK &&
               ax__cuda_check(ctx, cudaStreamCreateWithFlags(&g->streams[g->n_streams],
                                                             cudaStreamNonBlocking),
                              "new_stream") == AX_OK) {
        idx = g->n_streams;
        __atomic_store_n(&g->n_streams, g->n_streams + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&g->lock);
    return idx;
}

cudaStream_t ax__cuda_stream(void) { return cur_stream; }
int ax__cuda_device(void) { return cur_dev; }
const struct cudaDeviceProp *ax__cuda_props(void) { return &gpus[cur_dev].prop; }

static void begin_node(int dev, int stream) {
    if (cur_dev != dev || !cur_stream) cudaSetDevice(dev);
    cur_dev = dev;
    cur_stream = stream_of(dev, stream);
    cur_stream_index = stream;
}

/* Record on b's event that stream just wrote it (only needed once a device
 * has several streams). */
static ax_status mark_written(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op) {
    b->dev_stream = stream;
    b->dev_readers = 0;
    if (stream_count(dev) < 2) return AX_OK;
    if (!b->dev_event) {
        cudaEvent_t ev;
        ax_status st = ax__cuda_check(ctx, cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), op);
        if (st != AX_OK) return st;
        b->dev_event = ev;
    }
    return ax__cuda_check(ctx, cudaEventRecord((cudaEvent_t)b->dev_event, stream_of(dev, stream)), op);
}

static ax_status end_node(ax_ctx *ctx, ax_buffer *const *outs, int n, const char *op) {
    ax_status st = ax__cuda_check_launch(ctx, op);
    for (int i = 0; i < n && st == AX_OK; i++)
        st = mark_written(ctx, outs[i], cur_dev, cur_stream_index, op);
    return st;
}

/* ---------------------------------------------------------------- buffers */

static ax_status alloc_dev(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op) {
    if (!device_ready(ctx, dev, op)) return ctx->status;
    cudaSetDevice(dev);
    size_t reserved = 0;
    void *p = ax__cuda_alloc_raw(ctx, dev, stream_of(dev, stream), b->nbytes, &reserved, op);
    if (!p) return ctx->status ? ctx->status : AX_ERR_OOM;
    b->dev = p;
    b->dev_size = reserved;
    b->dev_index = dev;
    b->dev_stream = stream;
    b->dev_readers = 0;
    return AX_OK;
}

static void release_dev(ax_buffer *b) {
    if (!b->dev) return;
    int dev = b->dev_index;
    cudaSetDevice(dev);
    cudaStream_t owner = stream_of(dev, b->dev_stream);
    /* Streams that read the buffer must finish before the writer's stream
     * reuses the memory. */
    unsigned readers = b->dev_readers & ~(1u << b->dev_stream);
    for (int s = 0; readers; s++, readers >>= 1) {
        if (!(readers & 1)) continue;
        cudaEvent_t ev;
        if (cudaEventCreateWithFlags(&ev, cudaEventDisableTiming) != cudaSuccess) {
            cudaStreamSynchronize(stream_of(dev, s));
            continue;
        }
        cudaEventRecord(ev, stream_of(dev, s));
        cudaStreamWaitEvent(owner, ev, 0);
        cudaEventDestroy(ev);
    }
    ax__cuda_free_raw(dev, owner, b->dev, b->dev_size);
    if (b->dev_event) cudaEventDestroy((cudaEvent_t)b->dev_event);
    b->dev = NULL;
    b->dev_event = NULL;
    b->dev_size = 0;
    b->where &= ~AX_WHERE_DEV;
}

static ax_status to_device(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op) {
    if (!device_ready(ctx, dev, op)) return ctx->status;
    cudaStream_t s = stream_of(dev, stream);
    if ((b->where & AX_WHERE_DEV) && b->dev_index == dev) {
        if (b->dev_stream != stream) {
            if (b->dev_event) {
                ax_status st = ax__cuda_check(ctx, cudaStreamWaitEvent(s, (cudaEvent_t)b->dev_event, 0), op);
                if (st != AX_OK) return st;
            }
            b->dev_readers |= 1u << stream;
        }
        return AX_OK;
    }
    /* Current only on another GPU: through the host. */
    if (!(b->where & AX_WHERE_HOST)) {
        ax_status st = ax__buffer_to_host(ctx, b, op);
        if (st != AX_OK) return st;
    }
    if (b->dev && b->dev_index != dev) release_dev(b);
    if (!b->dev) {
        ax_status st = alloc_dev(ctx, b, dev, stream, op);
        if (st != AX_OK) return st;
    }
    cudaSetDevice(dev);
    ax_status st = AX_OK;
    if (b->nbytes)
        st = ax__cuda_check(ctx, cudaMemcpyAsync(b->dev, b->data, b->nbytes, cudaMemcpyHostToDevice, s), op);
    if (st == AX_OK) st = mark_written(ctx, b, dev, stream, op);
    if (st != AX_OK) return st;
    atomic_fetch_add(&gpus[dev].to_device, b->nbytes);
    b->where |= AX_WHERE_DEV;
    return AX_OK;
}

static ax_status to_host(ax_ctx *ctx, ax_buffer *b, const char *op) {
    int dev = b->dev_index;
    cudaStream_t s = stream_of(dev, b->dev_stream);
    cudaSetDevice(dev);
    ax_status st = AX_OK;
    if (b->nbytes)
        st = ax__cuda_check(ctx, cudaMemcpyAsync(b->data, b->dev, b->nbytes, cudaMemcpyDeviceToHost, s), op);
    if (st == AX_OK) st = ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    if (st == AX_OK) atomic_fetch_add(&gpus[dev].to_host, b->nbytes);
    return st;
}

static ax_status synchronize(ax_ctx *ctx, int dev, int stream) {
    if (dev < 0 || dev >= device_count() || !gpus[dev].ready) return AX_OK;
    cudaSetDevice(dev);
    int n = stream_count(dev);
    for (int s = stream < 0 ? 0 : stream; s < (stream < 0 ? n : stream + 1); s++) {
        ax_status st = ax__cuda_check(ctx, cudaStreamSynchronize(stream_of(dev, s)), "synchronize");
        if (st != AX_OK) return st;
    }
    return AX_OK;
}

static void transfer_stats(int dev, size_t *to_dev, size_t *to_hst) {
    *to_dev = atomic_load(&gpus[dev].to_device);
    *to_hst = atomic_load(&gpus[dev].to_host);
}

const ax_gpu_backend ax__cuda_backend = {
    .device_count = device_count,
    .device_name = device_name,
    .kernel = ax__cuda_kernel,
    .to_device = to_device,
    .to_host = to_host,
    .alloc = alloc_dev,
    .release = release_dev,
    .begin_node = begin_node,
    .end_node = end_node,
    .synchronize = synchronize,
    .new_stream = new_stream,
    .mem_active = ax__cuda_mem_active,
    .mem_peak = ax__cuda_mem_peak,
    .mem_cache = ax__cuda_mem_cache,
    .mem_reset_peak = ax__cuda_mem_reset_peak,
    .mem_set_limit = ax__cuda_mem_set_limit,
    .mem_set_cache_limit = ax__cuda_mem_set_cache_limit,
    .mem_clear_cache = ax__cuda_mem_clear_cache,
    .transfer_stats = transfer_stats,
};
