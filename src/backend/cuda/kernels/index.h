/* Launchers of the index family (kernels/index.cu), called by
 * src/backend/cuda/index.c. Descriptors are plain C; strides and offsets
 * are in items of `itemsize` bytes (1, 2, 4, 8 or 16: the C side may widen
 * contiguous runs into larger items). Outputs are row-major unless a
 * descriptor gives their strides. Every launcher returns the launch error. */
#ifndef AX_CU_INDEX_H
#define AX_CU_INDEX_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AX_CU_IDX_DIMS AX_CU_MAX_DIMS
#define AX_CU_IDX_MAX_ARRAYS 8 /* index arrays of one gather / scatter */

/* dst[pos] = src[pos] for every pos of shape. */
typedef struct ax_cu_copy {
    void *dst;
    const void *src;
    int ndim, itemsize;
    int64_t size;
    int64_t shape[AX_CU_IDX_DIMS];
    int64_t dst_str[AX_CU_IDX_DIMS], src_str[AX_CU_IDX_DIMS];
} ax_cu_copy;
cudaError_t ax_cu_index_copy(const ax_cu_copy *c, cudaStream_t stream);

/* PAD (out row-major of oshape): out[p] = in[src(p)] or the constant, with
 * src per axis as the CPU's pad_src (mode: ax_pad_mode). */
typedef struct ax_cu_pad {
    void *out;
    const void *in;
    int ndim, itemsize, mode;
    int64_t size;
    uint64_t value; /* the constant's bytes (low itemsize bytes) */
    int64_t oshape[AX_CU_IDX_DIMS], ishape[AX_CU_IDX_DIMS], istr[AX_CU_IDX_DIMS];
    int64_t lo[AX_CU_IDX_DIMS];
} ax_cu_pad;
cudaError_t ax_cu_index_pad(const ax_cu_pad *p, cudaStream_t stream);

/* TRIL / TRIU (out row-major, last two dims rows x cols = n x m): keep
 * out[..., i, c] = in[...] where c - i <= k (tril) or >= k (triu), else 0.
 * shape/istr describe `in` in out's row-major order (may be coalesced). */
typedef struct ax_cu_tri {
    void *out;
    const void *in;
    int ndim, itemsize, upper;
    int64_t size, n, m, k;
    int64_t shape[AX_CU_IDX_DIMS], istr[AX_CU_IDX_DIMS];
} ax_cu_tri;
cudaError_t ax_cu_index_tri(const ax_cu_tri *t, cudaStream_t stream);

/* One index array along one axis (TAKE, TAKE_ALONG_AXIS): for every pos of
 * out (row-major, `shape`): v = idx[pos . istr] normalized for an axis of
 * size n; out[pos] = a[pos . astr + v * ax_str]. A bad v writes nothing and
 * atomically lowers *bad to pos's linear index. */
typedef struct ax_cu_take {
    void *out;
    const void *a;
    const void *idx;
    int ndim, itemsize, idx_dtype;
    int64_t size, n, ax_str;
    int64_t shape[AX_CU_IDX_DIMS], astr[AX_CU_IDX_DIMS], istr[AX_CU_IDX_DIMS];
    unsigned long long *bad;
} ax_cu_take;
cudaError_t ax_cu_index_take(const ax_cu_take *t, cudaStream_t stream);

/* GATHER: out (row-major) = B x slice. For output position (b, e): start on
 * indexed axis i = normalized idx_i[b]; out = a[sum over indexed i of
 * start_i * ax_str[i] + e . estr]. Errors as the CPU's order: the smallest
 * key (2 i + kind) * nb + b, kind 0 for an index outside [-n, n), 1 for a
 * slice running past the axis, goes to *bad. */
typedef struct ax_cu_gather {
    void *out;
    const void *a;
    int itemsize, nidx, endim, bndim;
    int64_t size, slice, nb;
    int64_t eshape[AX_CU_IDX_DIMS], estr[AX_CU_IDX_DIMS]; /* slice dims, strides in a */
    int64_t bshape[AX_CU_IDX_DIMS];
    const void *idx[AX_CU_IDX_MAX_ARRAYS];
    int idx_dtype[AX_CU_IDX_MAX_ARRAYS];
    int64_t istr[AX_CU_IDX_MAX_ARRAYS][AX_CU_IDX_DIMS]; /* over bshape */
    int64_t ax_n[AX_CU_IDX_MAX_ARRAYS], ax_str[AX_CU_IDX_MAX_ARRAYS], ax_lim[AX_CU_IDX_MAX_ARRAYS];
    unsigned long long *bad;
} ax_cu_gather;
cudaError_t ax_cu_index_gather(const ax_cu_gather *g, cudaStream_t stream);

/* The updating ops (SCATTER, PUT_ALONG_AXIS) as an ordered list of n
 * updates: update k (row-major over `shape`) combines u[k . ustr] into
 * out[target], target = k . ostr + sum over index arrays i of
 * start_i * ax_str[i] (start_i = normalized idx_i[k . istr[i]]; start + ax_lim
 * must not pass ax_n). Errors as for gather, with b = k / slice. Results
 * are the CPU's bit for bit and deterministic: 32/64-bit integer add, max and
 * min use atomics (order-free operations); assign keeps, per target, the
 * largest update number (the CPU's last write) when out is at most 16x the
 * updates; everything else sorts the updates stably by target and folds
 * each target's run in the CPU's order (one thread per run). */
typedef struct ax_cu_scatter {
    void *out; /* row-major, already holding the input array */
    const void *u;
    int dtype, mode, ndim, nidx;
    int64_t n, slice, nb, out_size;
    int64_t shape[AX_CU_IDX_DIMS], ostr[AX_CU_IDX_DIMS], ustr[AX_CU_IDX_DIMS];
    const void *idx[AX_CU_IDX_MAX_ARRAYS];
    int idx_dtype[AX_CU_IDX_MAX_ARRAYS];
    int64_t istr[AX_CU_IDX_MAX_ARRAYS][AX_CU_IDX_DIMS];
    int64_t ax_n[AX_CU_IDX_MAX_ARRAYS], ax_str[AX_CU_IDX_MAX_ARRAYS], ax_lim[AX_CU_IDX_MAX_ARRAYS];
    unsigned long long *bad;
} ax_cu_scatter;
/* Device workspace bytes the scatter of s needs (0 on a library error). */
size_t ax_cu_index_scatter_workspace(const ax_cu_scatter *s);
cudaError_t ax_cu_index_scatter(const ax_cu_scatter *s, void *work, size_t work_bytes,
                                cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
