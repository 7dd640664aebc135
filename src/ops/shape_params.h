/* Params of the shape and indexing primitives, shared by the op constructors
 * (src/ops/view.c, shape.c, index.c) and the CPU kernels
 * (src/backend/cpu/shape.c, index.c). Every struct is memset to 0 before it
 * is filled (params are compared bytewise) and holds no pointers; any-rank
 * data sits in a flexible array and the exact size is passed to the node. */
#ifndef AX_SHAPE_PARAMS_H
#define AX_SHAPE_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

/* NumPy's slice normalization for an axis of size n (AX_SLICE_NONE bounds
 * and step allowed; step must be non-zero): the first index, the step and
 * the number of elements selected. */
void ax__slice_norm(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *first,
                    int64_t *len);

/* Views (RESHAPE TRANSPOSE BROADCAST_TO SLICE AS_STRIDED): the layout of the
 * output. dims[0..ndim) shape, dims[ndim..2 ndim) strides (elements);
 * offset from the start of the buffer. Kernel-less: eval shares the buffer. */
typedef struct ax_view_params {
    int64_t ndim;
    int64_t offset;
    int64_t dims[];
} ax_view_params;

/* CONCATENATE: inputs already share the output dtype. */
typedef struct ax_concat_params {
    int64_t axis;
} ax_concat_params;

/* PAD: widths[2 * ndim] = (before, after) per axis. */
typedef struct ax_pad_params {
    int32_t mode; /* ax_pad_mode */
    int32_t ndim;
    double value;
    int64_t widths[];
} ax_pad_params;

/* TRIL / TRIU over the last two axes. */
typedef struct ax_tri_params {
    int64_t k;
} ax_tri_params;

/* SLICE_UPDATE: inputs (a, update) with update already broadcast to the
 * slice's shape and cast to a's dtype. Per axis of a: start, step (a
 * normalized slice; len is update's shape). */
typedef struct ax_slice_update_params {
    int64_t ndim;
    int64_t sl[]; /* start[ndim], step[ndim] */
} ax_slice_update_params;

/* TAKE (a, indices): out = a.shape[:axis] + indices.shape + a.shape[axis+1:].
 * TAKE_ALONG_AXIS (a, indices): both broadcast to out's shape except axis.
 * PUT_ALONG_AXIS (a, indices, values): indices and values broadcast to a
 * common shape B (a's shape is broadcast-compatible with B off the axis). */
typedef struct ax_axis_params {
    int64_t axis;
} ax_axis_params;

/* GATHER (a, idx_0 .. idx_{nidx-1}) with every index array broadcast to the
 * same shape B: out = B + slice_sizes.
 * SCATTER (a, idx_0 .. idx_{nidx-1}, updates): updates has shape
 * B + slice sizes (ndim of a) and a's dtype. */
typedef struct ax_gather_params {
    int32_t nidx;
    int32_t ndim;   /* of a */
    int32_t mode;   /* scatter: ax_scatter_mode */
    int32_t pad_;
    int64_t v[];    /* axes[nidx], then (gather) slice_sizes[ndim] */
} ax_gather_params;

#endif
