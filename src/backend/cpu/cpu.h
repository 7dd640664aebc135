/* The CPU backend: kernel table, strided loops, thread pool.
 *
 * Kernel families register themselves in cpu_backend.c. A kernel reads its
 * inputs from node->inputs (evaluated; any strides) and writes its outputs
 * (freshly allocated row-major buffers, or a donated input buffer for ops
 * flagged AX_F_DONATE, so kernels must tolerate out aliasing an input). */
#ifndef AX_CPU_H
#define AX_CPU_H

#include "core/internal.h"

/* The kernel for op (NULL = unsupported). */
ax_kernel ax__cpu_kernel(ax_op op);
/* Each family fills its entries of the table. */
typedef void (*ax_cpu_register_fn)(ax_kernel *table);
void ax__cpu_register_creation(ax_kernel *table);
void ax__cpu_register_unary(ax_kernel *table);
void ax__cpu_register_binary(ax_kernel *table);
void ax__cpu_register_reduce(ax_kernel *table);
void ax__cpu_register_shape(ax_kernel *table);
void ax__cpu_register_index(ax_kernel *table);
void ax__cpu_register_matmul(ax_kernel *table);
void ax__cpu_register_scan_sort(ax_kernel *table);
void ax__cpu_register_conv(ax_kernel *table);
void ax__cpu_register_random(ax_kernel *table);
void ax__cpu_register_linalg(ax_kernel *table);
void ax__cpu_register_fft(ax_kernel *table);
void ax__cpu_register_extra(ax_kernel *table);
void ax__cpu_register_fp8(ax_kernel *table);
void ax__cpu_register_transforms(ax_kernel *table);
void ax__cpu_register_fused(ax_kernel *table);

/* Reference kernels (stride-generic, obvious) for ops that also have fast
 * paths; the conformance tests compare the two. Enabled process-wide with
 * ax__cpu_force_reference(true) or AX_REFERENCE_KERNELS=1 in the environment. */
void ax__cpu_force_reference(bool on);
bool ax__cpu_use_reference(void);

/* ---------------------------------------------------------------- loops */

/* An inner loop over n elements: ptrs[i] advances by bstrides[i] bytes. */
typedef void (*ax_loop_fn)(char **ptrs, const int64_t *bstrides, int64_t n, void *ud);

#define AX_LOOP_MAX_OPS 8
/* Run fn over the index space `shape` (ndim dims) for nops operands, each with
 * a base pointer and element strides (per dimension) and item size. Dims are
 * coalesced where every operand allows, so contiguous operands arrive as one
 * long run with bstrides == item sizes. With `parallel`, the work is split
 * over the thread pool when it is large enough. */
void ax__cpu_loop(int nops, char *const *base, const int64_t *const *strides,
                  const size_t *itemsizes, const int64_t *shape, int ndim, ax_loop_fn fn,
                  void *ud, bool parallel);

/* Batches of rows: fn(ptrs, bstrides, n, rows, rstrides, ud) covers `rows`
 * consecutive runs of n elements, run r of operand o starting at ptrs[o] +
 * r * rstrides[o] (one call per run of the second-innermost dim, so a kernel
 * over a (R, C) broadcast pays its setup once per batch, not per row).
 * Coalesced and split over threads as ax__cpu_loop (which is this with one
 * call per row, through ax__cpu_each_row). */
typedef void (*ax_rows_fn)(char **ptrs, const int64_t *bstrides, int64_t n, int64_t rows,
                           const int64_t *rstrides, void *ud);
void ax__cpu_loop_rows(int nops, char *const *base, const int64_t *const *strides,
                       const size_t *itemsizes, const int64_t *shape, int ndim, ax_rows_fn fn,
                       void *ud, bool parallel);

/* Call fn once per run of a batch (the arguments of an ax_rows_fn). */
void ax__cpu_each_row(int nops, char **p, const int64_t *bs, int64_t n, int64_t rows,
                      const int64_t *rs, ax_loop_fn fn, void *ud);

/* Elementwise convenience: out (row-major, shape of out) and n_in inputs
 * broadcast to out's shape. ptrs[0] is the output, ptrs[1..] the inputs. */
void ax__cpu_ew_loop(ax_array *out, ax_array *const *ins, int n_in, ax_loop_fn fn, void *ud,
                     bool parallel);

/* Copy a (any strides) to dst row-major, in a's dtype. */
void ax__cpu_copy_to_contiguous(const ax_array *a, void *dst);
/* Copy src (any strides) into dst (any strides, same shape), converting dtype. */
void ax__cpu_copy_strided(const ax_array *src, ax_array *dst);

/* ---------------------------------------------------------------- threads */

/* fn(ud, begin, end) over [0, n) in chunks of at least `grain`, on the pool
 * and the calling thread. Runs inline when nested or when n < 2 * grain. */
void ax__parallel_for(int64_t n, int64_t grain, void (*fn)(void *ud, int64_t begin, int64_t end),
                      void *ud);
int ax__num_threads(void);

#endif
