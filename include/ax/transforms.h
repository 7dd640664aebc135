/* ax/transforms.h — function transformations: closures, grad, vjp, jvp, vmap, checkpoint, custom functions. */
#ifndef AX_TRANSFORMS_H
#define AX_TRANSFORMS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- closures */

/* The body of a closure: read n_in inputs, write n_out outputs. Outputs are
 * arrays as ops return them (owned by the innermost scope, so the caller does
 * not release them). Return AX_OK, or the recorded error status. */
typedef ax_status (*ax_fn)(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *payload);

/* A function over arrays with a fixed number of inputs and outputs: a
 * function pointer, a payload it receives, and the payload's destructor
 * (may be NULL), called when the last reference goes. Transformations take
 * closures and return new ones, which hold references to what they wrap.
 * Refcounted; NULL-safe retain/release. Returns NULL with AX_ERR_OOM or
 * AX_ERR_VALUE (n_in < 0, n_out < 1, fn NULL) recorded in ctx. */
typedef struct ax_closure ax_closure;
AX_API ax_closure *ax_closure_new(ax_ctx *ctx, ax_fn fn, int n_in, int n_out, void *payload,
                                  void (*destroy)(void *payload));
AX_API ax_closure *ax_closure_retain(ax_closure *f);
AX_API void ax_closure_release(ax_closure *f);
AX_API int ax_closure_n_in(const ax_closure *f);
AX_API int ax_closure_n_out(const ax_closure *f);
/* Call f: out[0..n_out) receive scope-owned arrays. A closure that fails or
 * leaves an output NULL gives an error (the first recorded one wins). */
AX_API ax_status ax_closure_call(ax_ctx *ctx, const ax_closure *f, ax_array *const *in,
                                 ax_array **out);

#ifdef __cplusplus
}
#endif
#endif
