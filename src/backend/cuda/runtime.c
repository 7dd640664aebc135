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

#define MAX_DEVICES AX_CUDA_MAX_DEVICES
#define MAX_STREAMS AX_CUDA_MAX_STREAMS

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
/* The device this thread last selected through use_device (-1: none yet):
 * cudaSetDevice is skipped when it would change nothing, since every node,
 * transfer and synchronization selects its device. */
static _Thread_local int selected_dev = -1;

static void use_device(int dev) {
    if (selected_dev != dev) {
        cudaSetDevice(dev);
        selected_dev = dev;
    }
}

static _Thread_local cudaStream_t cur_stream;
static _Thread_local int cur_stream_index;

/* ---------------------------------------------------------------- graph capture */

/* An open capture and, once ended, the graph it made: the device memory it
 * owns lives as long as the graph. Open captures and live graphs are listed
 * so the allocator can tell their memory apart. */
typedef struct owned_block {
    void *ptr;
    size_t size;
} owned_block;

struct ax_cuda_capture {
    struct ax_cuda_capture *next;
    int dev, stream;
    owned_block *mem;
    size_t n, cap;
    cudaGraphExec_t exec;
    /* Buffers the graph's kernels read: held until the graph goes. Those
     * that got their device copy during the capture (a constant's host data,
     * in graph memory) then lose that copy; their host copy stays current. */
    ax_buffer **held;
    size_t n_held, cap_held;
};

static _Thread_local ax_cuda_capture *cur_capture;
static ax_cuda_capture *owners;
static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;

ax_cuda_capture *ax__cuda_capturing(void) { return cur_capture; }

bool ax__cuda_capture_own(ax_cuda_capture *c, void *ptr, size_t size) {
    pthread_mutex_lock(&owners_lock);
    bool ok = true;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        owned_block *m = realloc(c->mem, cap * sizeof *m);
        if (m) c->mem = m, c->cap = cap;
        else ok = false;
    }
    if (ok) c->mem[c->n++] = (owned_block){ptr, size};
    pthread_mutex_unlock(&owners_lock);
    return ok;
}

bool ax__cuda_graph_owned(void *ptr) {
    pthread_mutex_lock(&owners_lock);
    bool found = false;
    for (ax_cuda_capture *c = owners; c && !found; c = c->next)
        for (size_t i = 0; i < c->n && !found; i++) found = c->mem[i].ptr == ptr;
    pthread_mutex_unlock(&owners_lock);
    return found;
}

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
        selected_dev = st == AX_OK ? dev : -1;
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

static int compute_capability(int dev) {
    if (!device_ready(NULL, dev, "gpu_compute_capability")) return -1;
    return 10 * gpus[dev].prop.major + gpus[dev].prop.minor;
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
    } else {
        use_device(dev);
        if (ax__cuda_check(ctx, cudaStreamCreateWithFlags(&g->streams[g->n_streams],
                                                          cudaStreamNonBlocking),
                           "new_stream") == AX_OK) {
            idx = g->n_streams;
            __atomic_store_n(&g->n_streams, g->n_streams + 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&g->lock);
    return idx;
}

cudaStream_t ax__cuda_stream(void) { return cur_stream; }
int ax__cuda_device(void) { return cur_dev; }
const struct cudaDeviceProp *ax__cuda_props(void) { return &gpus[cur_dev].prop; }

static void begin_node(int dev, int stream) {
    use_device(dev);
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
    use_device(dev);
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
    use_device(dev);
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

/* While capturing: the graph holds every buffer its kernels read, so their
 * device memory cannot be reused while it lives. */
static ax_status hold(ax_ctx *ctx, ax_cuda_capture *c, ax_buffer *b, const char *op) {
    for (size_t i = 0; i < c->n_held; i++)
        if (c->held[i] == b) return AX_OK;
    if (c->n_held == c->cap_held) {
        size_t cap = c->cap_held ? 2 * c->cap_held : 16;
        ax_buffer **h = realloc(c->held, cap * sizeof *h);
        if (!h) return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", op);
        c->held = h;
        c->cap_held = cap;
    }
    ax__buffer_retain(b);
    c->held[c->n_held++] = b;
    return AX_OK;
}

static ax_status to_device(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op) {
    if (!device_ready(ctx, dev, op)) return ctx->status;
    if (cur_capture) {
        ax_status st = hold(ctx, cur_capture, b, op);
        if (st != AX_OK) return st;
    }
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
    use_device(dev);
    ax_status st = AX_OK;
    /* While capturing, host data becomes a constant of the graph: copied now
     * (a copy from pageable memory cannot be part of a graph). */
    if (b->nbytes && cur_capture)
        st = ax__cuda_check(ctx, cudaMemcpy(b->dev, b->data, b->nbytes, cudaMemcpyHostToDevice), op);
    else if (b->nbytes)
        st = ax__cuda_check(ctx, cudaMemcpyAsync(b->dev, b->data, b->nbytes, cudaMemcpyHostToDevice, s), op);
    if (st == AX_OK) st = mark_written(ctx, b, dev, stream, op);
    if (st != AX_OK) return st;
    atomic_fetch_add(&gpus[dev].to_device, b->nbytes);
    b->where |= AX_WHERE_DEV;
    return AX_OK;
}

static ax_status to_host(ax_ctx *ctx, ax_buffer *b, const char *op) {
    if (cur_capture)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                        "%s: reads GPU values back while a CUDA graph is being captured", op);
    int dev = b->dev_index;
    cudaStream_t s = stream_of(dev, b->dev_stream);
    use_device(dev);
    ax_status st = AX_OK;
    if (b->nbytes)
        st = ax__cuda_check(ctx, cudaMemcpyAsync(b->data, b->dev, b->nbytes, cudaMemcpyDeviceToHost, s), op);
    if (st == AX_OK) st = ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    if (st == AX_OK) atomic_fetch_add(&gpus[dev].to_host, b->nbytes);
    return st;
}

static ax_status synchronize(ax_ctx *ctx, int dev, int stream) {
    if (cur_capture)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                        "synchronize: not allowed while a CUDA graph is being captured");
    if (dev < 0 || dev >= device_count() || !gpus[dev].ready) return AX_OK;
    use_device(dev);
    int n = stream_count(dev);
    for (int s = stream < 0 ? 0 : stream; s < (stream < 0 ? n : stream + 1); s++) {
        /* Of several streams, those already idle need no wait queued. */
        if (stream < 0 && n > 1 && cudaStreamQuery(stream_of(dev, s)) == cudaSuccess) continue;
        ax_status st = ax__cuda_stream_wait(ctx, dev, stream_of(dev, s), s, "synchronize");
        if (st != AX_OK) return st;
    }
    return AX_OK;
}

static void transfer_stats(int dev, size_t *to_dev, size_t *to_hst) {
    *to_dev = atomic_load(&gpus[dev].to_device);
    *to_hst = atomic_load(&gpus[dev].to_host);
}

static ax_status capture_begin(ax_ctx *ctx, int dev, int stream) {
    if (!device_ready(ctx, dev, "graph_capture")) return ctx->status;
    if (cur_capture)
        return ax__fail(ctx, AX_ERR_VALUE, "graph_capture: a capture is already open on this thread");
    ax_cuda_capture *c = calloc(1, sizeof *c);
    if (!c) return ax__fail(ctx, AX_ERR_OOM, "graph_capture: out of host memory");
    c->dev = dev;
    c->stream = stream;
    use_device(dev);
    /* Relaxed: the allocator's cudaMalloc and the constants' cudaMemcpy run
     * at capture time, outside the graph. */
    ax_status st = ax__cuda_check(ctx, cudaStreamBeginCapture(stream_of(dev, stream),
                                                              cudaStreamCaptureModeRelaxed),
                                  "graph_capture");
    if (st != AX_OK) {
        free(c);
        return st;
    }
    pthread_mutex_lock(&owners_lock);
    c->next = owners;
    owners = c;
    pthread_mutex_unlock(&owners_lock);
    cur_capture = c;
    return AX_OK;
}

static void graph_free(void *graph) {
    ax_cuda_capture *c = graph;
    if (!c) return;
    use_device(c->dev);
    if (c->exec) {
        cudaStreamSynchronize(stream_of(c->dev, c->stream)); /* no replay still running */
        cudaGraphExecDestroy(c->exec);
    }
    pthread_mutex_lock(&owners_lock);
    for (ax_cuda_capture **pp = &owners; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    pthread_mutex_unlock(&owners_lock);
    for (size_t i = 0; i < c->n_held; i++) {
        ax_buffer *b = c->held[i];
        for (size_t j = 0; j < c->n; j++)
            if (b->dev == c->mem[j].ptr) { /* still the graph's copy: drop it */
                if (b->dev_event) cudaEventDestroy((cudaEvent_t)b->dev_event);
                b->dev = NULL;
                b->dev_event = NULL;
                b->dev_size = 0;
                b->where &= ~AX_WHERE_DEV;
                break;
            }
        ax__buffer_release(b);
    }
    free(c->held);
    for (size_t i = 0; i < c->n; i++) ax__cuda_graph_memory_free(c->dev, c->mem[i].ptr, c->mem[i].size);
    free(c->mem);
    free(c);
}

static ax_status capture_end(ax_ctx *ctx, bool ok, void **graph) {
    ax_cuda_capture *c = cur_capture;
    *graph = NULL;
    if (!c) return ax__fail(ctx, AX_ERR_INTERNAL, "graph_capture: no capture is open");
    cur_capture = NULL;
    use_device(c->dev);
    cudaGraph_t g = NULL;
    cudaError_t err = cudaStreamEndCapture(stream_of(c->dev, c->stream), &g);
    ax_status st = ok ? ax__cuda_check(ctx, err, "graph_capture") : AX_OK;
    if (ok && st == AX_OK) st = ax__cuda_check(ctx, cudaGraphInstantiate(&c->exec, g, 0), "graph_capture");
    if (g) cudaGraphDestroy(g);
    (void)cudaGetLastError(); /* an invalidated capture is not a sticky error */
    if (!ok || st != AX_OK) {
        c->exec = NULL;
        /* memory the failed capture took may still be referenced by kernels
         * that never ran: nothing ran, so it can go now */
        graph_free(c);
        return ok ? st : AX_OK;
    }
    *graph = c;
    return AX_OK;
}

static ax_status graph_launch(ax_ctx *ctx, void *graph) {
    ax_cuda_capture *c = graph;
    use_device(c->dev);
    return ax__cuda_check(ctx, cudaGraphLaunch(c->exec, stream_of(c->dev, c->stream)), "graph_replay");
}

static ax_status copy_device(ax_ctx *ctx, ax_buffer *dst, ax_buffer *src, size_t nbytes, int dev,
                             int stream) {
    use_device(dev);
    ax_status st = AX_OK;
    if (nbytes)
        st = ax__cuda_check(ctx, cudaMemcpyAsync(dst->dev, src->dev, nbytes, cudaMemcpyDeviceToDevice,
                                                 stream_of(dev, stream)),
                            "copy");
    if (st == AX_OK) st = mark_written(ctx, dst, dev, stream, "copy");
    if (st == AX_OK) dst->where = AX_WHERE_DEV;
    return st;
}

const ax_gpu_backend ax__cuda_backend = {
    .device_count = device_count,
    .device_name = device_name,
    .compute_capability = compute_capability,
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
    .capture_begin = capture_begin,
    .capture_end = capture_end,
    .graph_launch = graph_launch,
    .graph_free = graph_free,
    .copy_device = copy_device,
};
