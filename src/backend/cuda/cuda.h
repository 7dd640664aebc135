/* The CUDA backend, C side (compiled only with AX_CUDA).
 *
 * Layout of the backend:
 *   runtime.c      devices, streams, events, host<->device movement, the
 *                  ax_gpu_backend table the core calls (src/core/device.h)
 *   allocator.c    caching device allocator over cudaMallocAsync
 *   cuda_backend.c the kernel table: each family registers its kernels
 *   <family>.c     C kernels (ax_kernel): read the node, validate, build
 *                  descriptors (cu_abi.h), call the family's launchers
 *   kernels/<family>.cu  CUDA C: __global__ kernels + extern "C" launchers
 *                  that take only descriptors and a stream (never ax_node)
 *
 * A kernel runs with the node's device selected and its inputs current on
 * the device (ax__dptr gives their device pointers); outputs have fresh
 * device storage (or a donated input's, for AX_F_DONATE ops). Launch on
 * ax__cuda_stream(). A kernel that does not handle a case returns AX__DECLINE
 * before writing anything and without recording an error; the core then
 * runs the CPU kernel or reports AX_ERR_UNSUPPORTED. */
#ifndef AX_CUDA_H
#define AX_CUDA_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"
#include "core/device.h"
#include "core/internal.h"

/* Devices and streams per device the runtime serves (runtime.c; the stream
 * wait keeps one mapped word per stream, stream_wait.c). */
#define AX_CUDA_MAX_DEVICES 16
#define AX_CUDA_MAX_STREAMS 32

/* ---------------------------------------------------------------- kernel table */

typedef void (*ax_cuda_register_fn)(ax_kernel *table);
void ax__cuda_register_elementwise(ax_kernel *table); /* elementwise.c: unary, binary, where, astype, copy, creation */
void ax__cuda_register_reduce(ax_kernel *table);      /* reduce.c: reductions, softmax, logsumexp, scans */
void ax__cuda_register_index(ax_kernel *table);       /* index.c: shape ops, gather/scatter, take, pad, concat */
void ax__cuda_register_sort(ax_kernel *table);        /* sort.c: sort, argsort, partition, searchsorted */
void ax__cuda_register_matmul(ax_kernel *table);      /* matmul.c: cuBLASLt matmul/addmm, conv, pooling */
void ax__cuda_register_linalg(ax_kernel *table);      /* linalg.c: cuSOLVER */
void ax__cuda_register_fft(ax_kernel *table);         /* fft.c: cuFFT */
void ax__cuda_register_random(ax_kernel *table);      /* random.c: threefry bits, permutation; windows, i0/i1 */
void ax__cuda_register_fused(ax_kernel *table);       /* fused.c: NVRTC-compiled fused elementwise kernels */
void ax__cuda_register_fp8(ax_kernel *table);         /* fp8.c: fp8 codes, fp8 products on cuBLASLt */
ax_kernel ax__cuda_kernel(ax_op op);

/* ---------------------------------------------------------------- run state */

/* Stream and device of the node being run (set by the core around each GPU
 * kernel; valid only inside a kernel). */
cudaStream_t ax__cuda_stream(void);
int ax__cuda_device(void);
/* Properties of the current device (multiprocessors, shared memory, ...). */
const struct cudaDeviceProp *ax__cuda_props(void);

/* Device pointer to an evaluated array's first element. */
static inline char *ax__dptr(const ax_array *a) {
    return (char *)a->buf->dev + a->offset * (int64_t)ax_dtype_size(a->dtype);
}

/* ---------------------------------------------------------------- errors */

/* AX_OK if err is cudaSuccess, else records "<op>: CUDA error <name>
 * (<description>)" and returns AX_ERR_INTERNAL (AX_ERR_OOM for
 * cudaErrorMemoryAllocation). */
ax_status ax__cuda_check(ax_ctx *ctx, cudaError_t err, const char *op);
/* After a launch: checks cudaGetLastError(). */
ax_status ax__cuda_check_launch(ax_ctx *ctx, const char *op);
/* The same for the CUDA libraries: a status that is non-zero becomes
 * AX_ERR_INTERNAL with "<op>: <lib> error <code>". */
ax_status ax__cuda_lib_check(ax_ctx *ctx, int status, const char *lib, const char *op);

/* Wait until the work queued so far on stream s (number `index` of device
 * dev, which is selected) has run; its asynchronous errors are reported,
 * naming op (stream_wait.c: a write to mapped memory the host spins on,
 * faster than cudaStreamSynchronize for short waits). */
ax_status ax__cuda_stream_wait(ax_ctx *ctx, int dev, cudaStream_t s, int index, const char *op);
/* How ax__cuda_stream_wait waits in this process, in words. */
const char *ax__cuda_stream_wait_kind(void);

/* ---------------------------------------------------------------- memory */

/* Raw device memory from the caching allocator, stream-ordered on the
 * current stream: valid for work queued after this call, reusable by work
 * queued after ax__cuda_free. NULL (AX_ERR_OOM recorded, naming op) after
 * the cache was emptied and the allocation retried. nbytes 0 gives a valid
 * non-NULL pointer that must not be dereferenced. */
void *ax__cuda_malloc(ax_ctx *ctx, size_t nbytes, const char *op);
void ax__cuda_free(void *p);

/* CUDA graph capture (runtime.c): the capture this thread is recording, or
 * NULL. While one is open the allocator serves fresh memory the graph owns
 * (ax__cuda_capture_own) and never reuses cached blocks. */
typedef struct ax_cuda_capture ax_cuda_capture;
ax_cuda_capture *ax__cuda_capturing(void);
bool ax__cuda_capture_own(ax_cuda_capture *c, void *ptr, size_t size);
/* True if ptr belongs to a live graph (its free is then the graph's). */
bool ax__cuda_graph_owned(void *ptr);
void ax__cuda_graph_memory_free(int dev, void *ptr, size_t size);

/* Allocator entry points used by runtime.c (per device). */
void *ax__cuda_alloc_raw(ax_ctx *ctx, int dev, cudaStream_t stream, size_t nbytes,
                         size_t *reserved, const char *op);
void ax__cuda_free_raw(int dev, cudaStream_t stream, void *p, size_t reserved);
size_t ax__cuda_mem_active(int dev);
size_t ax__cuda_mem_peak(int dev);
size_t ax__cuda_mem_cache(int dev);
void ax__cuda_mem_reset_peak(int dev);
size_t ax__cuda_mem_set_limit(int dev, size_t bytes);
size_t ax__cuda_mem_set_cache_limit(int dev, size_t bytes);
void ax__cuda_mem_clear_cache(int dev);

/* ---------------------------------------------------------------- descriptors */

/* Describe an evaluated array (device pointer, dtype, shape, strides). The
 * rank must be at most AX_CU_MAX_DIMS: false otherwise. */
bool ax__cu_array(const ax_array *a, ax_cu_array *d);
/* Elementwise layout: out and n_in inputs broadcast to out's shape, with
 * dims coalesced where every operand allows (contiguous operands end as one
 * dim). False when more than AX_CU_MAX_DIMS dims remain. */
bool ax__cu_ew_layout(const ax_array *out, ax_array *const *ins, int n_in, ax_cu_ew *l);

#endif
