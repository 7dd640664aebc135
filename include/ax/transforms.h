/* ax/transforms.h — function transformations: closures, grad, vjp, jvp, vmap, checkpoint, custom functions.
 *
 * Transformations are MLX-style: a transformation calls the closure on
 * tracer inputs (arrays that stand for its arguments), which builds ax's
 * usual lazy graph, then walks that graph with each primitive's derivative
 * rule, building the derivative as another lazy graph of ordinary ops.
 * Nothing is computed until the results are evaluated, so transformations
 * compose (grad of grad, jvp of a vjp closure) and their results can be
 * compiled. Only floating dtypes (float16, bfloat16, float32, float64) are
 * differentiated. Conventions at non-differentiable points follow JAX (see
 * docs/transforms.md): |x|' = sign(x) (0 at 0), ties of max/min/maximum/
 * minimum share the cotangent equally, floor/round/sign/comparisons have
 * zero derivative.
 *
 * Inside a closure being transformed, evaluating an array that depends on
 * the traced inputs (ax_eval, ax_data, ax_item_*, printing) is an error:
 * tracers stand for every possible argument, not for data. Evaluating arrays
 * that do not depend on them is fine.
 */
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


/* ---------------------------------------------------------------- autodiff */

/* Reverse mode. Calls f on primals[0 .. n_in) and writes its outputs to
 * outputs[0 .. n_out) and, to input_cotangents[0 .. n_in), the vector-
 * Jacobian products: for each input i, sum_j cotangents[j] . d out_j / d in_i.
 * cotangents[j] must have the shape and dtype of output j; primals must be
 * floating. An input the outputs do not depend on gets zeros. Everything is
 * lazy and owned by the current scope. On error every output pointer is
 * NULL and the error is recorded (an error of f propagates unchanged). */
AX_API ax_status ax_vjp(ax_ctx *ctx, const ax_closure *f, ax_array *const *primals,
                        ax_array *const *cotangents, ax_array **outputs,
                        ax_array **input_cotangents);

/* Forward mode. Calls f on primals and writes its outputs and, to
 * output_tangents[0 .. n_out), the Jacobian-vector products sum_i
 * d out_j / d in_i . tangents[i]. tangents[i] must have primal i's shape and
 * dtype. Outputs that are not floating get zero tangents. */
AX_API ax_status ax_jvp(ax_ctx *ctx, const ax_closure *f, ax_array *const *primals,
                        ax_array *const *tangents, ax_array **outputs, ax_array **output_tangents);

/* The same as closures, for composing: ax_vjp_fn(f) takes (primals[n_in],
 * cotangents[n_out]) and returns (outputs[n_out], input_cotangents[n_in]);
 * ax_jvp_fn(f) takes (primals[n_in], tangents[n_in]) and returns
 * (outputs[n_out], output_tangents[n_out]). They hold a reference to f. */
AX_API ax_closure *ax_vjp_fn(ax_ctx *ctx, ax_closure *f);
AX_API ax_closure *ax_jvp_fn(ax_ctx *ctx, ax_closure *f);

/* The gradient of f's first output (a scalar: one element, floating) with
 * respect to the inputs listed in argnums (NULL: input 0; each in [0, n_in),
 * no repeats; those inputs must be floating). The returned closure takes f's
 * inputs and returns the nargnums gradients (each of its input's shape and
 * dtype), then, with has_aux, f's other outputs (auxiliary values, returned
 * as they are and not differentiated). Without has_aux f must have exactly
 * one output. Errors (argnums out of range or repeated, n_out mismatch) are
 * reported here; errors that depend on the inputs (non-scalar output,
 * integer input) when the closure is called. */
AX_API ax_closure *ax_grad(ax_ctx *ctx, ax_closure *f, const int *argnums, int nargnums,
                           bool has_aux);
/* As ax_grad, returning (value, aux..., gradients...): f's first output, its
 * auxiliary outputs with has_aux, then the gradients. */
AX_API ax_closure *ax_value_and_grad(ax_ctx *ctx, ax_closure *f, const int *argnums,
                                     int nargnums, bool has_aux);

/* a itself in value, with a zero derivative: transformations treat it as a
 * constant. A primitive (copies unless a's buffer can be reused). */
AX_API ax_array *ax_stop_gradient(ax_ctx *ctx, ax_array *a);

/* A closure computing what f computes whose derivatives recompute f's
 * forward pass instead of keeping its intermediate arrays: the backward pass
 * of a transformation re-traces f on the same inputs. Trades compute for
 * memory (only f's inputs and outputs stay alive between the forward and the
 * backward pass). Holds a reference to f. */
AX_API ax_closure *ax_checkpoint(ax_ctx *ctx, ax_closure *f);

/* A closure computing what f computes, with user-supplied derivatives:
 *  - vjp (may be NULL): inputs (primals[n_in], outputs[n_out],
 *    cotangents[n_out]), outputs: the n_in input cotangents (each of its
 *    primal's shape; cast to its dtype);
 *  - jvp (may be NULL): inputs (primals[n_in], tangents[n_in]), outputs: the
 *    n_out output tangents.
 * A missing rule falls back to differentiating f itself. Zero cotangents
 * and tangents are passed as arrays of zeros. Holds references to the three
 * closures. AX_ERR_VALUE if vjp or jvp has the wrong arity. */
AX_API ax_closure *ax_custom_function(ax_ctx *ctx, ax_closure *f, ax_closure *vjp,
                                      ax_closure *jvp);


/* ---------------------------------------------------------------- vmap */

/* A closure computing f over a batch: called with the same inputs as f, each
 * carrying an extra batch axis at in_axes[i] (-1: the input is not batched and
 * is passed to every element as it is; in_axes NULL: axis 0 of every input),
 * it returns f's outputs with the batch axis at out_axes[j] (NULL: 0;
 * negative values count from the end of the batched output, -1 = last). The
 * result equals stacking f over the batch elements, as JAX's / MLX's vmap:
 * f is traced once on placeholders of the unbatched shapes and each op of its
 * graph is replaced by its batched form (docs/transforms.md lists the ops
 * batched element by element instead). Outputs that do not depend on a batched
 * input are broadcast along the batch axis. Composes with itself (nesting),
 * grad/vjp/jvp (either order) and compile; holds a reference to f.
 * Errors here: f NULL, no batched input, an axis beyond AX_MAX_NDIM; when the
 * closure is called: an in_axes entry out of range for its input's rank,
 * batch sizes that differ between inputs, an out_axes entry out of range for
 * its output, or an error of f (propagated unchanged). Messages start with
 * "vmap:". */
AX_API ax_closure *ax_vmap(ax_ctx *ctx, ax_closure *f, const int *in_axes, const int *out_axes);

/* ax_custom_function with a batching rule as well: under vmap, the custom
 * function calls vmap_rule (may be NULL: the custom function runs once per
 * batch element) with every input batched along axis 0 (unbatched inputs are
 * broadcast to the batch) and takes its n_out outputs, each of shape
 * (batch, *output shape), as the batched outputs. AX_ERR_VALUE if vmap_rule
 * does not have f's numbers of inputs and outputs. */
AX_API ax_closure *ax_custom_function_vmap(ax_ctx *ctx, ax_closure *f, ax_closure *vjp,
                                           ax_closure *jvp, ax_closure *vmap_rule);

#ifdef __cplusplus
}
#endif
#endif
