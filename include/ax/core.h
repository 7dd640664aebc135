/* ax/core.h — context, errors, dtypes, arrays, scopes, evaluation, memory.
 *
 * The contract (see docs/design.md):
 *  - Every function that can fail takes an `ax_ctx *` and records the first
 *    error in it. Functions returning `ax_array *` return NULL on error; a
 *    function given a NULL array returns NULL and leaves the first error in
 *    place, so one check after a whole computation suffices.
 *  - Arrays are lazy and refcounted. Every array an op returns is owned by the
 *    innermost open scope of its context; `ax_scope_end` drops those
 *    references. `ax_retain`/`ax_release` manage extra references held by the
 *    caller, `ax_keep` hands a reference to the enclosing scope.
 *  - Nothing aborts on user input: bad shapes, bad files and failed
 *    allocations are error values.
 */
#ifndef AX_CORE_H
#define AX_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define AX_API
#else
#define AX_API __attribute__((visibility("default")))
#endif

#define AX_VERSION_MAJOR 0
#define AX_VERSION_MINOR 1
#define AX_VERSION_PATCH 0
/* The library's version as "MAJOR.MINOR.PATCH". */
AX_API const char *ax_version(void);

/* ---------------------------------------------------------------- status */

/* Error codes. AX_OK is zero; every other value is an error. */
typedef enum ax_status {
    AX_OK = 0,
    AX_ERR_SHAPE,       /* incompatible or invalid shapes */
    AX_ERR_DTYPE,       /* unsupported dtype or dtype combination */
    AX_ERR_AXIS,        /* axis out of range or repeated */
    AX_ERR_INDEX,       /* index out of range (see docs/indexing.md) */
    AX_ERR_VALUE,       /* invalid argument value */
    AX_ERR_OOM,         /* allocation failed or memory limit reached */
    AX_ERR_IO,          /* file could not be opened, read or written */
    AX_ERR_FORMAT,      /* malformed or truncated file */
    AX_ERR_UNSUPPORTED, /* operation not supported (by this backend) */
    AX_ERR_NULL,        /* a NULL argument where an object was required */
    AX_ERR_INTERNAL     /* a bug in ax: please report */
} ax_status;

/* A static string naming the status ("AX_ERR_SHAPE", ...). */
AX_API const char *ax_status_name(ax_status s);

/* ---------------------------------------------------------------- dtypes */

typedef enum ax_dtype {
    AX_BOOL = 0,
    AX_INT8,
    AX_INT16,
    AX_INT32,
    AX_INT64,
    AX_UINT8,
    AX_UINT16,
    AX_UINT32,
    AX_UINT64,
    AX_FLOAT16,
    AX_BFLOAT16,
    AX_FLOAT32,
    AX_FLOAT64,
    AX_COMPLEX64,
    AX_DTYPE_COUNT
} ax_dtype;

AX_API const char *ax_dtype_name(ax_dtype t); /* "float32", ...; "?" if invalid */
AX_API size_t ax_dtype_size(ax_dtype t);      /* bytes per element; 0 if invalid */
AX_API bool ax_dtype_is_valid(ax_dtype t);
AX_API bool ax_dtype_is_integer(ax_dtype t);  /* signed or unsigned, not bool */
AX_API bool ax_dtype_is_signed_integer(ax_dtype t);
AX_API bool ax_dtype_is_unsigned(ax_dtype t);
AX_API bool ax_dtype_is_floating(ax_dtype t); /* f16, bf16, f32, f64 */
AX_API bool ax_dtype_is_complex(ax_dtype t);
AX_API bool ax_dtype_is_inexact(ax_dtype t);  /* floating or complex */

/* The JAX/MLX promotion of two (strong) dtypes; see docs/promotion.md for
 * the full table. */
AX_API ax_dtype ax_promote_types(ax_dtype a, ax_dtype b);

/* Scalar conversions with round-to-nearest-even, NaN and overflow handled as
 * IEEE 754 does (overflow rounds to infinity). */
AX_API uint16_t ax_f32_to_f16(float x);
AX_API uint16_t ax_f64_to_f16(double x); /* rounded once, not via float */
AX_API float ax_f16_to_f32(uint16_t h);
AX_API uint16_t ax_f32_to_bf16(float x);
AX_API uint16_t ax_f64_to_bf16(double x); /* rounded once, not via float */
AX_API float ax_bf16_to_f32(uint16_t h);

/* ---------------------------------------------------------------- context */

typedef struct ax_ctx ax_ctx;
typedef struct ax_array ax_array;

/* A new context with the CPU as default device and an open root scope.
 * Returns NULL only if memory for the context itself cannot be had. */
AX_API ax_ctx *ax_ctx_new(void);
/* Frees the context and drops every reference its scopes still own. */
AX_API void ax_ctx_free(ax_ctx *ctx);

/* The first error recorded since the last ax_error_clear (AX_OK if none). */
AX_API ax_status ax_error_code(const ax_ctx *ctx);
/* Its message, naming the op and the shapes involved; "" if none. */
AX_API const char *ax_error_message(const ax_ctx *ctx);
AX_API void ax_error_clear(ax_ctx *ctx);

/* Number of worker threads used by CPU kernels (default: online cores). */
AX_API void ax_set_num_threads(int n);
AX_API int ax_get_num_threads(void);

/* ---------------------------------------------------------------- scopes */

/* Open a scope: arrays created until the matching ax_scope_end are owned by
 * it. Scopes nest. */
AX_API void ax_scope_begin(ax_ctx *ctx);
/* Close the innermost scope, dropping the references it owns. The root scope
 * (open from ax_ctx_new) is never closed by this call. */
AX_API void ax_scope_end(ax_ctx *ctx);
/* Add a reference the caller owns; returns a (NULL-safe). */
AX_API ax_array *ax_retain(ax_array *a);
/* Drop a reference taken with ax_retain (NULL-safe). */
AX_API void ax_release(ax_array *a);
/* Give the enclosing scope (the parent of the innermost one) a reference to
 * `a`, so it survives the next ax_scope_end; returns a (NULL-safe). */
AX_API ax_array *ax_keep(ax_ctx *ctx, ax_array *a);

/* ---------------------------------------------------------------- arrays */

/* Arrays have at most this many dimensions (NumPy's limit); more is AX_ERR_SHAPE. */
#define AX_MAX_NDIM 64

AX_API int ax_ndim(const ax_array *a);
AX_API const int64_t *ax_shape(const ax_array *a);
/* Strides in elements (may be zero or negative for views). */
AX_API const int64_t *ax_strides(const ax_array *a);
/* Size of dimension `axis` (negative counts from the end); -1 if invalid. */
AX_API int64_t ax_dim(const ax_array *a, int axis);
AX_API int64_t ax_size(const ax_array *a);
AX_API ax_dtype ax_dtype_of(const ax_array *a);
AX_API size_t ax_nbytes(const ax_array *a); /* size * itemsize */
/* True once the array's data exists (after eval). */
AX_API bool ax_is_evaluated(const ax_array *a);
/* True for a row-major contiguous layout. */
AX_API bool ax_is_contiguous(const ax_array *a);

/* A new array holding a copy of `data` (row-major, `ndim` dims). */
AX_API ax_array *ax_array_from_data(ax_ctx *ctx, const void *data, ax_dtype dtype,
                                    const int64_t *shape, int ndim);
/* Wrap caller memory without a copy; `release(data, user)` runs when the
 * last view of it is gone (may be NULL). The memory must stay valid and
 * unchanged until then. */
AX_API ax_array *ax_array_wrap(ax_ctx *ctx, void *data, ax_dtype dtype, const int64_t *shape,
                               int ndim, void (*release)(void *data, void *user), void *user);
/* A 0-d array of the given dtype holding `value` (converted). */
AX_API ax_array *ax_scalar(ax_ctx *ctx, double value, ax_dtype dtype);
/* Weakly typed scalars, as Python scalars in JAX/MLX: they take the dtype of
 * the array they meet (ax_weak_float gives float32 next to integers). */
AX_API ax_array *ax_weak_float(ax_ctx *ctx, double value);
AX_API ax_array *ax_weak_int(ax_ctx *ctx, int64_t value);
/* True for a weakly typed array. */
AX_API bool ax_is_weak(const ax_array *a);

/* ---------------------------------------------------------------- eval */

/* Evaluate arrays (and everything they depend on). Blocks until done. */
AX_API ax_status ax_eval(ax_ctx *ctx, ax_array *const *arrays, int n);
AX_API ax_status ax_eval1(ax_ctx *ctx, ax_array *a);
/* Start evaluating on the context's worker thread and return at once. Any
 * later access to the data (ax_eval, ax_data, printing, ...) waits for it;
 * ax_wait waits explicitly and returns the status of the run. While a run is
 * in flight, build new ops freely but do not ax_release the arrays passed. */
AX_API ax_status ax_eval_async(ax_ctx *ctx, ax_array *const *arrays, int n);
AX_API ax_status ax_wait(ax_ctx *ctx);

/* Evaluate and return a pointer to the data, row-major contiguous (for a
 * strided view, a row-major copy kept with the array). Valid while `a` lives. */
AX_API const void *ax_data(ax_ctx *ctx, ax_array *a);
/* Evaluate and copy the data row-major into `dst` (dst_bytes >= nbytes). */
AX_API ax_status ax_copy_to(ax_ctx *ctx, ax_array *a, void *dst, size_t dst_bytes);
/* The value of a one-element array, converted. */
AX_API ax_status ax_item_f64(ax_ctx *ctx, ax_array *a, double *out);
AX_API ax_status ax_item_i64(ax_ctx *ctx, ax_array *a, int64_t *out);

/* ---------------------------------------------------------------- printing */

/* Render an array as NumPy prints it ("array([[1., 2.],\n       [3., 4.]], dtype=float32)"
 * is repr; str is the bare "[[1. 2.]\n [3. 4.]]"). The returned string is
 * malloc'd: free it with free(). NULL on error. */
AX_API char *ax_to_string(ax_ctx *ctx, ax_array *a);
AX_API char *ax_repr(ax_ctx *ctx, ax_array *a);
AX_API ax_status ax_print(ax_ctx *ctx, ax_array *a, FILE *f);
/* NumPy's printoptions: digits after the point (default 8), threshold of
 * elements beyond which the output is summarized with "..." (default 1000),
 * edge items kept when summarizing (default 3), suppress small numbers. */
typedef struct ax_print_options {
    int precision;
    int64_t threshold;
    int edgeitems;
    bool suppress;
    int linewidth;
} ax_print_options;
AX_API void ax_set_print_options(ax_ctx *ctx, const ax_print_options *opts);
AX_API ax_print_options ax_get_print_options(const ax_ctx *ctx);

/* ---------------------------------------------------------------- memory */

/* Figures of the process-wide buffer pool, in bytes. `active` is held by live
 * buffers, `peak` the highest active since start or the last reset, `cache`
 * freed buffers kept for reuse. */
AX_API size_t ax_memory_active(void);
AX_API size_t ax_memory_peak(void);
AX_API size_t ax_memory_cache(void);
AX_API void ax_memory_reset_peak(void);
/* Limit on active bytes (0 = no limit). An allocation over it first empties
 * the cache, then fails with AX_ERR_OOM. Returns the previous limit. */
AX_API size_t ax_set_memory_limit(size_t bytes);
/* Limit on cached bytes (default: 1/4 of physical memory). Returns the previous. */
AX_API size_t ax_set_cache_limit(size_t bytes);
AX_API void ax_memory_clear_cache(void);

#ifdef __cplusplus
}
#endif
#endif
