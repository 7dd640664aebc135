/* Internals of vmap shared by src/transforms/vmap.c and rules_vmap.c.
 *
 * The walker (vmap.c) calls a node's vmap rule (rules.h) with in_axes[i]
 * either 0 (inputs[i] is batched, batch axis first) or -1 (inputs[i] is the
 * node's own, unbatched input); the rule writes outs[j] with out_axes[j]
 * (0 preferred; -1 = unbatched, the walker broadcasts it; any other axis is
 * moved to 0). A node whose op has no vmap rule takes ax__vmap_fallback. */
#ifndef AX_TRANSFORMS_VMAP_INTERNAL_H
#define AX_TRANSFORMS_VMAP_INTERNAL_H

#include "transforms/rules.h"

/* Batch size of a rule call (the first batched input's batch axis). */
int64_t ax__vmap_batch_size(const ax_node *node, ax_array *const *inputs, const int *in_axes);
/* An unbatched x broadcast to (B, *x.shape). */
ax_array *ax__vmap_broadcast(ax_ctx *ctx, ax_array *x, int64_t B);
/* The generic rule: rebuild the node per batch element and stack. */
ax_status ax__vmap_fallback(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                            const int *in_axes, ax_array **outs, int *out_axes);

/* Helpers shared by the rule files. */
/* node->outputs[0] into *o (an error if that output was freed). */
ax_status ax__vmap_need_out(ax_ctx *ctx, const ax_node *node, ax_array **o);
/* (B, *o.shape) into sh. */
void ax__vmap_batched_shape(int64_t B, const ax_array *o, int64_t *sh);
/* An error if o's rank plus a batch axis exceeds AX_MAX_NDIM. */
ax_status ax__vmap_rank_check(ax_ctx *ctx, const ax_node *node, const ax_array *o);
/* The rules of rules_vmap_ops.c (called by ax__rules_register_vmap). */
void ax__rules_register_vmap_ops(ax_rule *table);

#endif
