/* ax/device.h — devices, streams and per-device memory.
 *
 * Arrays have no location. An op runs on the device of the context's default
 * stream at the time the op is built (recorded in its graph node); its inputs
 * are moved to that device when it runs, and any reader (ax_data, ax_item_*,
 * printing, saving) brings the values back to the host. User code never
 * copies between devices.
 *
 *     ax_set_default_device(ctx, ax_gpu(0));   // ops built from here run on GPU 0
 *     ax_array *y = ax_matmul(ctx, x, w);      // x, w may have been made on the CPU
 *     const float *p = ax_data(ctx, y);        // evaluates on the GPU, copies back
 *
 * A build without CUDA (or a machine without an NVIDIA GPU) reports
 * ax_gpu_count() == 0, and selecting a GPU is AX_ERR_UNSUPPORTED. */
#ifndef AX_DEVICE_H
#define AX_DEVICE_H

#include "ax/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ax_device_type { AX_DEVICE_CPU = 0, AX_DEVICE_GPU = 1 } ax_device_type;

typedef struct ax_device {
    ax_device_type type;
    int index; /* GPU ordinal; 0 for the CPU */
} ax_device;

/* A stream orders work on one device. Stream 0 of each device is its default
 * stream; more come from ax_new_stream. Work on different streams may overlap;
 * a node that reads an array made on another stream waits for it (events). */
typedef struct ax_stream {
    ax_device device;
    int index;
} ax_stream;

AX_API ax_device ax_cpu(void);
AX_API ax_device ax_gpu(int index);
AX_API bool ax_device_equal(ax_device a, ax_device b);
/* "cpu" or "gpu:0" into buf (always NUL-terminated); returns buf. */
AX_API const char *ax_device_str(ax_device d, char *buf, size_t cap);

/* True when ax was built with CUDA. */
AX_API bool ax_cuda_built(void);
/* Number of usable NVIDIA GPUs (0 without CUDA, driver or device). */
AX_API int ax_gpu_count(void);
/* Name of GPU index ("NVIDIA H100 80GB HBM3"), or NULL. */
AX_API const char *ax_gpu_name(int index);
/* Compute capability of GPU index as 10 * major + minor (90 for an H100,
 * 89 for an L40S: fp8 tensor cores from 89), or 0 if there is no such GPU. */
AX_API int ax_gpu_compute_capability(int index);

/* The device and stream ops are built for. Selecting a GPU that does not
 * exist is AX_ERR_UNSUPPORTED (recorded, default unchanged). */
AX_API ax_status ax_set_default_device(ax_ctx *ctx, ax_device d);
AX_API ax_device ax_get_default_device(const ax_ctx *ctx);
AX_API ax_status ax_set_default_stream(ax_ctx *ctx, ax_stream s);
AX_API ax_stream ax_get_default_stream(const ax_ctx *ctx);
/* A new stream on device d (index > 0); the CPU has only stream 0. On error
 * the returned stream has index -1 and the error is recorded. */
AX_API ax_stream ax_new_stream(ax_ctx *ctx, ax_device d);
/* Wait until all work queued on device d (every stream) has finished. */
AX_API ax_status ax_synchronize(ax_ctx *ctx, ax_device d);

/* When a GPU has no kernel for an op (or for its dtypes), run it on the CPU
 * over host copies of its inputs (default: on). With this off, such an op is
 * AX_ERR_UNSUPPORTED naming the op and dtype. Process-wide; returns the
 * previous setting. ax_gpu_supports tells whether a native kernel exists. */
AX_API bool ax_set_gpu_fallback(bool on);
AX_API bool ax_gpu_supports(const char *op_name);

/* Memory of one device, as ax_memory_* (core.h) reports for the CPU: bytes
 * held by live arrays, the peak since the last reset, bytes kept in the
 * allocator's cache, and limits. An allocation over the limit, or one the
 * device refuses, first empties the cache and retries, then fails with
 * AX_ERR_OOM naming the op. For the CPU these equal the ax_memory_* calls. */
AX_API size_t ax_device_memory_active(ax_device d);
AX_API size_t ax_device_memory_peak(ax_device d);
AX_API size_t ax_device_memory_cache(ax_device d);
AX_API void ax_device_memory_reset_peak(ax_device d);
AX_API size_t ax_device_set_memory_limit(ax_device d, size_t bytes);
AX_API size_t ax_device_set_cache_limit(ax_device d, size_t bytes);
AX_API void ax_device_memory_clear_cache(ax_device d);
/* Bytes copied host to device and device to host since the process began
 * (for tests and tuning: shows lazy movement at work). */
AX_API void ax_device_transfer_stats(ax_device d, size_t *to_device, size_t *to_host);

/* ---------------------------------------------------------------- CUDA graphs */

/* A closure's GPU work recorded once and replayed with one launch
 * (cudaGraphLaunch), for loops that run the same small ops many times, where
 * launches cost more than the work (a decoding step, say).
 *
 * ax_gpu_graph_capture runs fn once on copies of `inputs` (to warm up: JIT
 * builds, library handles, workspaces), then again while recording on the
 * context's default stream, which must be a GPU's. Arrays fn reads besides
 * its inputs become constants of the graph (their values at capture). Every
 * op must have a GPU kernel for its dtypes, and none may read values back to
 * the host: otherwise AX_ERR_UNSUPPORTED naming the op, and NULL.
 *
 *     ax_gpu_graph *g = ax_gpu_graph_capture(ctx, step, (ax_array *[]){x}, 1);
 *     for (...) ax_gpu_graph_replay(ctx, g, (ax_array *[]){x}, 1, &y, 1);
 *     ax_gpu_graph_free(g);
 *
 * ax_gpu_graph_replay copies `inputs` (same shapes and dtypes as at capture)
 * into the graph's input buffers, launches it, and returns copies of its
 * outputs (evaluated, owned by the innermost scope), so results of one
 * replay are not overwritten by the next. The graph owns the device memory
 * of its intermediates until ax_gpu_graph_free. */
typedef struct ax_closure ax_closure;
typedef struct ax_gpu_graph ax_gpu_graph;
AX_API ax_gpu_graph *ax_gpu_graph_capture(ax_ctx *ctx, ax_closure *fn, ax_array *const *inputs,
                                          int n_in);
AX_API ax_status ax_gpu_graph_replay(ax_ctx *ctx, ax_gpu_graph *g, ax_array *const *inputs,
                                     int n_in, ax_array **outputs, int n_out);
AX_API int ax_gpu_graph_n_outputs(const ax_gpu_graph *g);
AX_API void ax_gpu_graph_free(ax_gpu_graph *g);

#ifdef __cplusplus
}
#endif
#endif
