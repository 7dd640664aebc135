/* The device layer as the core sees it (never installed).
 *
 * The core knows one optional GPU backend through a table of functions; the
 * CUDA backend (src/backend/cuda/) fills it when ax is built with CUDA, and
 * ax__gpu() is NULL otherwise. The core never includes CUDA headers.
 *
 * Residency: every ax_buffer says which of its copies are current (`where`).
 * eval makes a node's inputs current on the node's device before its kernel
 * runs and marks its outputs current there only; readers make the host copy
 * current. A GPU kernel that cannot handle a case (a dtype, say) returns
 * AX__DECLINE without recording an error; eval then runs the CPU kernel
 * (fallback on) or records AX_ERR_UNSUPPORTED naming the op (fallback off). */
#ifndef AX_DEVICE_INTERNAL_H
#define AX_DEVICE_INTERNAL_H

#include "core/internal.h"

/* Returned by a GPU kernel that leaves the node to the CPU (nothing recorded). */
#define AX__DECLINE ((ax_status)0x100)

typedef struct ax_gpu_backend {
    int (*device_count)(void);
    const char *(*device_name)(int dev);
    /* Compute capability as 10 * major + minor (90: sm_90), -1 if unknown. */
    int (*compute_capability)(int dev);
    /* The kernel table (NULL entries: no native kernel). */
    ax_kernel (*kernel)(ax_op op);
    /* Make b's device copy current on GPU dev, ordered on `stream` (queues
     * the host-to-device copy; waits for the event of another stream's
     * write). Allocates the device storage if needed. */
    ax_status (*to_device)(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op);
    /* Make b's host copy current: wait for the writer, copy device to host.
     * b->data is already allocated (the core does that). */
    ax_status (*to_host)(ax_ctx *ctx, ax_buffer *b, const char *op);
    /* Give an output buffer device storage for nbytes on (dev, stream). */
    ax_status (*alloc)(ax_ctx *ctx, ax_buffer *b, int dev, int stream, const char *op);
    /* Return b's device storage to the allocator (stream-ordered). */
    void (*release)(ax_buffer *b);
    /* Around a GPU kernel: select the device and the stream kernels launch
     * on; after it, record the write (event) on every output buffer. */
    void (*begin_node)(int dev, int stream);
    ax_status (*end_node)(ax_ctx *ctx, ax_buffer *const *outs, int n, const char *op);
    /* Wait for a stream (stream < 0: every stream of dev). */
    ax_status (*synchronize)(ax_ctx *ctx, int dev, int stream);
    /* A new stream on dev: its index (> 0), or -1 with the error recorded. */
    int (*new_stream)(ax_ctx *ctx, int dev);
    /* Memory figures and limits of device dev (see ax/device.h). */
    size_t (*mem_active)(int dev);
    size_t (*mem_peak)(int dev);
    size_t (*mem_cache)(int dev);
    void (*mem_reset_peak)(int dev);
    size_t (*mem_set_limit)(int dev, size_t bytes);
    size_t (*mem_set_cache_limit)(int dev, size_t bytes);
    void (*mem_clear_cache)(int dev);
    void (*transfer_stats)(int dev, size_t *to_device, size_t *to_host);
    /* CUDA graphs (src/transforms/gpu_graph.c). Between capture_begin and
     * capture_end the work queued on (dev, stream) by this thread is
     * recorded, not run; device memory taken meanwhile belongs to the graph
     * (freed with it), host data moves to the device at once (becoming a
     * constant of the graph) and reading values back is an error.
     * capture_end always ends the capture; with ok false it only discards. */
    ax_status (*capture_begin)(ax_ctx *ctx, int dev, int stream);
    ax_status (*capture_end)(ax_ctx *ctx, bool ok, void **graph);
    ax_status (*graph_launch)(ax_ctx *ctx, void *graph);
    void (*graph_free)(void *graph);
    /* Copy nbytes of src's device copy (current on dev) into dst's, queued
     * on (dev, stream); dst becomes current on the device only. */
    ax_status (*copy_device)(ax_ctx *ctx, ax_buffer *dst, ax_buffer *src, size_t nbytes, int dev,
                             int stream);
} ax_gpu_backend;

/* The GPU backend, or NULL when ax was built without CUDA. */
const ax_gpu_backend *ax__gpu(void);
/* Whether ops without a GPU kernel may run on the CPU (ax_set_gpu_fallback). */
bool ax__gpu_fallback(void);

static inline bool ax__stream_is_gpu(ax_stream s) { return s.device.type == AX_DEVICE_GPU; }

#endif
