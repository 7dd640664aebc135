/* Derivative (and batching) rules of the primitives, one table indexed by op.
 *
 * The transformations in src/transforms trace a closure into ax's lazy graph
 * (every op on a tracer builds a node) and then walk that graph: ax_vjp
 * backwards with each node's vjp rule, ax_jvp forwards with its jvp rule
 * (vmap, later, with the vmap rule). A rule sees the node (op, params,
 * inputs) and builds its result with the PUBLIC, lazy, differentiable ops of
 * ax (ax_multiply, ax_sum, ax_matmul, ...), never with kernels, so that the
 * graph a rule builds can itself be differentiated (grad of grad, jvp of vjp).
 *
 * Registering rules for a new op family (same pattern as the CPU kernel
 * families in src/backend/cpu/cpu_backend.c):
 *   - write src/transforms/rules_<family>.c defining
 *       void ax__rules_register_<family>(ax_rule *table)
 *     which fills table[AX_OP_<ID>] for the family's ops;
 *   - the function is already declared below and called from the one list in
 *     src/transforms/rules.c; every family listed there has a file (an empty
 *     registration function until filled), so static links pull them all in.
 *     A new family adds its declaration here and one entry to that list.
 * An op with no rule is an error when a transformation reaches it
 * ("vjp: no derivative rule for op 'qr'"); an op whose outputs are not
 * inexact (bool, integer) needs no rule: the walkers never propagate
 * cotangents or tangents through non-float arrays.
 *
 * What the walkers do for every rule (so rules need not):
 *  - cotangents / tangents are NULL for "zero" (symbolic zeros); a rule gets
 *    at least one non-NULL one and may return NULL for an input (vjp) or an
 *    output (jvp) whose derivative is zero;
 *  - a vjp result is summed over broadcast axes down to the input's shape
 *    (elementwise inputs are broadcast-compatible, not broadcast) and cast to
 *    the input's dtype; a jvp result is broadcast to the output's shape and
 *    cast to its dtype. So a rule may return e.g. g * b for input a of a
 *    broadcasting multiply;
 *  - cotangents are only asked for inputs with need[i] true (those that
 *    depend on the traced inputs and are inexact);
 *  - every array a rule returns is owned by the current scope (as ops return
 *    them); the walker opens and closes scopes around rules.
 */
#ifndef AX_TRANSFORMS_RULES_H
#define AX_TRANSFORMS_RULES_H

#include "core/internal.h"

/* The node being differentiated, as rules see it: node->op, node->params
 * (the op's params struct, see the op family's params header),
 * node->inputs[0 .. node->n_inputs) (the primal inputs).
 * `outs[j]` is the primal output j (a reference valid during the call; NULL
 * for a freed output of a multi-output node: recompute it if needed). */

/* Reverse mode: cts[j] is the cotangent of output j (NULL = zero); write the
 * cotangent of each input i with need[i] into grads[i] (NULL = zero). grads
 * is zero-filled on entry. Return AX_OK or the recorded error. */
typedef ax_status (*ax_vjp_rule)(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                                 ax_array *const *cts, const bool *need, ax_array **grads);

/* Forward mode: tans[i] is the tangent of input i (NULL = zero); write the
 * tangent of each output j into out_tans[j] (NULL = zero). out_tans is
 * zero-filled on entry. */
typedef ax_status (*ax_jvp_rule)(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                                 ax_array *const *tans, ax_array **out_tans);

/* Batching (vmap; src/transforms/vmap.c, rules in rules_vmap.c): inputs[i]
 * is the batched input i with its batch axis at in_axes[i] (-1: not
 * batched; the walker passes 0 or -1); write outputs with the batch axis at
 * out_axes[j] (out_axes is 0-filled on entry; -1: unbatched). NULL: the
 * generic per-element fallback (vmap_internal.h). */
typedef ax_status (*ax_vmap_rule)(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                                  const int *in_axes, ax_array **outs, int *out_axes);

enum {
    /* The op's outputs have zero derivative everywhere (floor, sign, ...):
     * no vjp/jvp needed, the walkers give zero. */
    AX_RULE_ZERO = 1u << 0,
};

typedef struct ax_rule {
    ax_vjp_rule vjp;
    ax_jvp_rule jvp;
    ax_vmap_rule vmap;
    unsigned flags; /* AX_RULE_* */
} ax_rule;

/* The table (filled once, on first use). */
const ax_rule *ax__rules(void);

/* One registration function per family; add a line here and to the list in
 * rules.c for a new family. */
typedef void (*ax_rules_register_fn)(ax_rule *table);
void ax__rules_register_elementwise(ax_rule *table); /* rules_elementwise.c */
void ax__rules_register_reduce(ax_rule *table);      /* rules_reduce.c */
void ax__rules_register_shape(ax_rule *table);       /* rules_shape.c: views, data movement, indexing */
void ax__rules_register_products(ax_rule *table);    /* rules_products.c */
void ax__rules_register_transforms(ax_rule *table);  /* stop_gradient, tracers, custom functions */
void ax__rules_register_scan_sort(ax_rule *table);
void ax__rules_register_conv(ax_rule *table);
void ax__rules_register_random(ax_rule *table);
void ax__rules_register_linalg(ax_rule *table);
void ax__rules_register_fft(ax_rule *table);
void ax__rules_register_extra(ax_rule *table);
void ax__rules_register_fp8(ax_rule *table);
void ax__rules_register_vmap(ax_rule *table); /* vmap rules for the existing ops */

/* ---------------------------------------------------------------- helpers for rules */

/* `g` summed over the axes along which `like` was broadcast to g's shape,
 * reshaped to like's shape and cast to like's dtype (NULL-safe). */
ax_array *ax__rule_unbroadcast(ax_ctx *ctx, ax_array *g, const ax_array *like);
/* A 0-d scalar of x's dtype (weak if x is weak). */
ax_array *ax__rule_scalar(ax_ctx *ctx, double v, const ax_array *x);
/* Zeros of x's shape and dtype. */
ax_array *ax__rule_zeros_like(ax_ctx *ctx, const ax_array *x);
/* a + b where either may be NULL (= zero). */
ax_array *ax__rule_add(ax_ctx *ctx, ax_array *a, ax_array *b);

#endif
