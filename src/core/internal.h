/* Internal core definitions shared by every layer of ax (never installed).
 *
 * Object model
 *  - ax_buffer: refcounted memory, from the pool or external (wrapped / mmap).
 *  - ax_array: shape, strides (elements), offset (elements), dtype, buffer,
 *    and until evaluated the node that computes it. Strides are fixed when
 *    the array is built: non-view ops produce row-major outputs, view ops
 *    derive strides from their input.
 *  - ax_node: primitive + params blob + strong refs to inputs + weak refs to
 *    its outputs (several for multi-output primitives). Each output holds a
 *    reference to its node; eval detaches outputs, which frees the node and
 *    with it the references to inputs, so evaluated graphs pin nothing.
 */
#ifndef AX_INTERNAL_H
#define AX_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "ax/ax.h"
#include "ax/device.h"

/* ---------------------------------------------------------------- op table */

enum {
    AX_F_EW = 1u << 0,     /* elementwise over broadcast inputs */
    AX_F_VIEW = 1u << 1,   /* output shares the input's buffer */
    AX_F_RED = 1u << 2,    /* reduction */
    AX_F_CREATE = 1u << 3, /* no array inputs */
    AX_F_DONATE = 1u << 4  /* kernel may write its output over input 0's buffer */
};

typedef enum ax_op {
#define AX_OP(id, name, arity, flags) AX_OP_##id,
#include "ops/ops.def"
    AX_OP_COUNT
} ax_op;

typedef struct ax_op_info {
    const char *name;
    int arity; /* -1: variable */
    unsigned flags;
} ax_op_info;

extern const ax_op_info ax__op_info[AX_OP_COUNT];

/* ---------------------------------------------------------------- objects */

/* Which copies of a buffer hold its current values (ax_buffer.where). */
enum { AX_WHERE_HOST = 1u << 0, AX_WHERE_DEV = 1u << 1 };

typedef struct ax_buffer {
    atomic_long refs;
    void *data;       /* host copy; NULL while only the device holds the values */
    size_t nbytes;    /* usable bytes */
    size_t pool_size; /* size class in the pool; 0 for external memory */
    void (*release)(void *data, void *user);
    void *user;
    /* Unified memory (src/core/device.c): the device copy, when there is one.
     * `where` says which copies are current; writers set it, the movers
     * (ax__buffer_to_host / the GPU backend's to_device) fill the other. */
    unsigned where;
    void *dev;           /* device pointer, or NULL */
    size_t dev_size;     /* bytes reserved on the device (allocator size class) */
    int dev_index;       /* GPU that holds dev */
    int dev_stream;      /* stream whose work last wrote dev */
    unsigned dev_readers; /* streams (bit i: stream i) that read dev since that write */
    void *dev_event;     /* event recorded after that write (cudaEvent_t), or NULL */
} ax_buffer;

typedef struct ax_node {
    atomic_long refs;
    ax_op op;
    int n_inputs;
    int n_outputs;
    ax_array **inputs;  /* strong references */
    ax_array **outputs; /* weak: cleared when the output array is freed */
    void *params;       /* op-specific struct, copied in; compared bytewise */
    size_t params_size;
    unsigned long mark; /* scratch for graph walks (eval epoch) */
    ax_stream stream;   /* where the node runs: the context's default when built */
    /* Multi-output nodes only (else NULL): the dtype and shape of each output,
     * so eval can compute into a scratch array when an output was freed. */
    struct ax_out_spec *out_specs;
} ax_node;

typedef struct ax_out_spec {
    ax_dtype dtype;
    int ndim;
    const int64_t *shape;
} ax_out_spec;

struct ax_array {
    atomic_long refs;
    ax_dtype dtype;
    bool weak;       /* weakly typed scalar (docs/promotion.md) */
    bool contiguous; /* row-major contiguous (offset may be non-zero) */
    int ndim;
    int out_index; /* which output of node */
    int64_t size;
    int64_t offset; /* elements from buf->data */
    int64_t *shape;
    int64_t *strides;
    ax_buffer *buf;  /* NULL until evaluated */
    ax_buffer *dense; /* row-major copy made by ax_data for a strided array */
    ax_node *node;   /* NULL once evaluated, and for leaves */
    int64_t dims[];  /* shape then strides */
};

/* ---------------------------------------------------------------- context */

typedef struct ax_ctx_scopes {
    ax_array **items;
    size_t len, cap;
    size_t *marks; /* start index of each open scope; marks[0] = 0 is the root */
    int depth, mark_cap;
} ax_ctx_scopes;

struct ax_ctx {
    ax_status status;
    char message[1024];
    ax_ctx_scopes scopes;
    ax_print_options print;
    struct ax_async *async; /* in-flight ax_eval_async, or NULL */
    int trace_depth;        /* > 0 while ax_compile traces a closure: eval is an error */
    struct ax_ad_trace *trace; /* innermost autodiff trace (src/transforms/autodiff.c), or NULL */
    ax_stream stream;       /* default stream of new ops (zero: the CPU) */
    bool capturing;         /* a CUDA graph capture is open (src/transforms/gpu_graph.c) */
};

/* ---------------------------------------------------------------- errors */

/* Record an error (if none is recorded yet) and return NULL. The message is
 * printf-formatted and should start with the op name: "add: shapes (2,3) and
 * (4,) cannot be broadcast". */
void *ax__error(ax_ctx *ctx, ax_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ax_status ax__fail(ax_ctx *ctx, ax_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "(2, 3)" into buf (always NUL-terminated, truncated with "..." if long). */
const char *ax__shape_str(const int64_t *shape, int ndim, char *buf, size_t cap);
#define AX_SHAPE_STR_CAP 96
/* Shape of an array as a string in a temporary (one per call site). */
#define AX_SHAPE(a) ax__shape_str((a)->shape, (a)->ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP)

/* Return NULL from an op constructor if the context is NULL or any input is
 * NULL (the first error stays recorded). */
#define AX_CHECK_CTX(ctx)                                                       \
    do {                                                                        \
        if (!(ctx)) return NULL;                                                \
    } while (0)
#define AX_CHECK_IN(ctx, a)                                                     \
    do {                                                                        \
        if (!(ctx)) return NULL;                                                \
        if (!(a)) return ax__null_input((ctx), __func__);                       \
    } while (0)
/* Records AX_ERR_NULL only if nothing else was recorded; returns NULL. */
void *ax__null_input(ax_ctx *ctx, const char *fn);

/* ---------------------------------------------------------------- dtypes */

typedef struct ax_c64 {
    float re, im;
} ax_c64;

/* Load one element of dtype t at p as double / int64 / uint64 (wrapping as C
 * conversion does for integer-to-integer, truncation for float-to-int with
 * out-of-range values saturating and NaN -> 0), and store back with correct
 * rounding for f16/bf16. Complex loads give the real part; use the c64 pair
 * for both parts. */
double ax__load_f64(const void *p, ax_dtype t);
int64_t ax__load_i64(const void *p, ax_dtype t);
uint64_t ax__load_u64(const void *p, ax_dtype t);
void ax__load_c(const void *p, ax_dtype t, double *re, double *im);
void ax__store_f64(void *p, ax_dtype t, double v);
void ax__store_i64(void *p, ax_dtype t, int64_t v);
void ax__store_u64(void *p, ax_dtype t, uint64_t v);
void ax__store_c(void *p, ax_dtype t, double re, double im);
/* Convert n elements between dtypes (contiguous). */
void ax__convert(void *dst, ax_dtype dt, const void *src, ax_dtype st, int64_t n);

/* Result dtype of an elementwise op over arrays, weak scalars included;
 * *weak is set when every input is weak. */
ax_dtype ax__result_type(ax_array *const *arrays, int n, bool *weak);

/* ---------------------------------------------------------------- arrays */

/* A new, unowned array (refs = 1) with row-major strides and no buffer.
 * Returns NULL (AX_ERR_OOM recorded) on failure. */
ax_array *ax__array_new(ax_ctx *ctx, ax_dtype dtype, const int64_t *shape, int ndim);
/* Same, with explicit strides and offset (a view layout). */
ax_array *ax__array_new_strided(ax_ctx *ctx, ax_dtype dtype, const int64_t *shape,
                                const int64_t *strides, int ndim, int64_t offset);
/* Hand an unowned reference to the innermost scope; returns a. */
ax_array *ax__own(ax_ctx *ctx, ax_array *a);
/* Give `a` a fresh pool buffer for its extent. */
ax_status ax__array_alloc(ax_ctx *ctx, ax_array *a);
/* Row-major strides for shape; returns the number of elements. */
int64_t ax__row_major_strides(const int64_t *shape, int ndim, int64_t *strides);
bool ax__is_row_major(const int64_t *shape, const int64_t *strides, int ndim);
/* Pointer to the array's first element (evaluated arrays only). */
static inline char *ax__ptr(const ax_array *a) {
    return (char *)a->buf->data + a->offset * (int64_t)ax_dtype_size(a->dtype);
}

/* Build an op node producing one row-major output of shape/dtype, owned by the
 * scope. `params` (params_size bytes) is copied. */
ax_array *ax__make_op(ax_ctx *ctx, ax_op op, ax_array *const *inputs, int n_inputs,
                      const void *params, size_t params_size, ax_dtype dtype,
                      const int64_t *shape, int ndim);
/* Same with several outputs (n_out shapes and dtypes); fills out[]. */
ax_status ax__make_op_multi(ax_ctx *ctx, ax_op op, ax_array *const *inputs, int n_inputs,
                            const void *params, size_t params_size, int n_out,
                            const ax_dtype *dtypes, const int64_t *const *shapes,
                            const int *ndims, ax_array **out);
/* Build a view node of `in` with the given layout (strides/offset in elements,
 * offset relative to the buffer start, i.e. already including in->offset). */
ax_array *ax__make_view(ax_ctx *ctx, ax_op op, ax_array *in, const void *params,
                        size_t params_size, const int64_t *shape, const int64_t *strides,
                        int ndim, int64_t offset);

/* Normalize axis (negative from the end) into [0, ndim); error names op. */
bool ax__norm_axis(ax_ctx *ctx, const char *op, int axis, int ndim, int *out);
/* Normalize a list of axes, rejecting repeats; axes == NULL selects all
 * (writes 0..ndim-1). `mask[ndim]` gets true for selected axes. Returns
 * false (error recorded) on a bad axis. */
bool ax__norm_axes(ax_ctx *ctx, const char *op, const int *axes, int naxes, int ndim,
                   bool *mask);
/* NumPy broadcasting of two shapes into out (capacity max(na, nb)). */
bool ax__broadcast_shapes(ax_ctx *ctx, const char *op, const int64_t *a, int na,
                          const int64_t *b, int nb, int64_t *out, int *nout);
/* Strides of `a` seen as broadcast to (shape, ndim): 0 on broadcast axes. */
void ax__broadcast_strides(const ax_array *a, const int64_t *shape, int ndim, int64_t *out);

/* Graph plumbing for eval: a new reference to output i of node (NULL if that
 * output was freed); detach an evaluated array from its node. */
ax_array *ax__node_output(ax_node *node, int i);
void ax__node_detach(ax_array *a);
void ax__node_retain(ax_node *node);
void ax__node_release(ax_node *node);

/* ---------------------------------------------------------------- memory */

/* Pool allocation (64-byte aligned); NULL with AX_ERR_OOM recorded on failure. */
ax_buffer *ax__buffer_new(ax_ctx *ctx, size_t nbytes);
ax_buffer *ax__buffer_wrap(void *data, size_t nbytes, void (*release)(void *, void *), void *user);
/* A buffer with no storage yet (the GPU backend gives it device memory). */
ax_buffer *ax__buffer_new_empty(ax_ctx *ctx, size_t nbytes);
/* Give a buffer host storage (pool) if it has none; its contents are not set. */
ax_status ax__buffer_host_storage(ax_ctx *ctx, ax_buffer *b);
void ax__buffer_retain(ax_buffer *b);
void ax__buffer_release(ax_buffer *b);
/* Make the host copy current (allocating it, waiting for and copying from
 * the device when needed). `op` names the caller in errors. */
ax_status ax__buffer_to_host(ax_ctx *ctx, ax_buffer *b, const char *op);
/* The array's host pointer after making its host copy current, or NULL with
 * the error recorded. For readers outside eval (save, compile's constants). */
char *ax__host_ptr(ax_ctx *ctx, ax_array *a, const char *op);

/* ---------------------------------------------------------------- eval */

/* While ctx->trace is set: an error if the nodes about to run include an
 * input of an active autodiff trace (src/transforms/autodiff.c). */
ax_status ax__trace_check_eval(ax_ctx *ctx, ax_node *const *nodes, size_t n);
/* Evaluate synchronously (waits for an async run first). */
ax_status ax__eval(ax_ctx *ctx, ax_array *const *arrays, int n);
/* Kernel: compute node's outputs (buffers already allocated). Reads inputs
 * from node->inputs (evaluated). Returns AX_OK or records an error. */
typedef ax_status (*ax_kernel)(ax_ctx *ctx, const ax_node *node, ax_array *const *outputs);

/* ---------------------------------------------------------------- utils */

void *ax__malloc(ax_ctx *ctx, size_t n); /* records AX_ERR_OOM */
void *ax__calloc(ax_ctx *ctx, size_t n, size_t size);
/* Overflow-checked product of dims; false if it overflows int64. */
bool ax__shape_size(const int64_t *shape, int ndim, int64_t *size);

#endif
