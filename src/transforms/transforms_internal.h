/* Internals shared by the transformations (src/transforms). */
#ifndef AX_TRANSFORMS_INTERNAL_H
#define AX_TRANSFORMS_INTERNAL_H

#include "core/internal.h"

struct ax_closure {
    atomic_long refs;
    ax_fn fn;
    int n_in, n_out;
    void *payload;
    void (*destroy)(void *payload);
};

/* One active trace: the closure is being called on tracers built under it.
 * Traces nest (ctx->trace is the innermost). */
typedef struct ax_ad_trace {
    struct ax_ad_trace *parent;
    uint64_t id;
} ax_ad_trace;

/* TRACER params: the trace the tracer belongs to. */
typedef struct ax_tracer_params {
    uint64_t trace_id;
} ax_tracer_params;

void ax__trace_push(ax_ctx *ctx, ax_ad_trace *t);
void ax__trace_pop(ax_ctx *ctx, ax_ad_trace *t);
/* A tracer for x under trace t: a TRACER node (always lazy) with x's layout
 * (x made contiguous first if it is not). */
ax_array *ax__tracer(ax_ctx *ctx, const ax_ad_trace *t, ax_array *x);

/* CUSTOM node params. The record is anchored by the node's last input (an
 * array wrapping it, whose release frees it). */
typedef struct ax_custom_record {
    ax_closure *f, *vjp, *jvp;
    int n_in, n_out;
    ax_closure *vmap; /* user batching rule (ax_custom_function_vmap), or NULL */
} ax_custom_record;
typedef struct ax_custom_params {
    ax_custom_record *rec;
    int32_t n_in, n_out;
} ax_custom_params;

/* ---------------------------------------------------------------- graph walks (trace_graph.c) */

/* An open-addressing map from pointers to pointers (NULL keys not allowed). */
typedef struct ax_pmap {
    void **keys;
    void **vals;
    size_t cap, len; /* cap a power of two (or 0) */
} ax_pmap;
void *ax__pmap_get(const ax_pmap *m, const void *k); /* NULL if absent */
bool ax__pmap_put(ax_pmap *m, void *k, void *v);     /* false: out of memory */
void ax__pmap_free(ax_pmap *m);

/* The nodes of a traced graph that depend on its tracers, inputs before
 * consumers. Fill `tracers` (tracer array -> (void *)(index + 1)), then
 * collect from the outputs; the walk is iterative (no recursion). */
typedef struct ax_trace_graph {
    ax_node **nodes;
    size_t n, cap;
    ax_pmap state;   /* node -> 1 visiting, 2 done (independent), 3 done (dependent) */
    ax_pmap tracers; /* tracer array -> (void *)(index + 1) */
} ax_trace_graph;
/* Inputs a rule sees (CUSTOM nodes hide the wrapped closure's outputs and
 * the record anchor). */
int ax__visible_inputs(const ax_node *node);
/* Does array a depend on the tracers (a tracer, or the output of a collected node)? */
bool ax__trace_graph_dep(const ax_trace_graph *g, const ax_array *a);
/* AX_ERR_OOM (message prefixed by name) if memory runs out. */
ax_status ax__trace_graph_collect(ax_ctx *ctx, const char *name, ax_trace_graph *g,
                                  ax_array *const *roots, int n);
void ax__trace_graph_free(ax_trace_graph *g);

/* Reverse and forward mode on closures. want[i] (NULL: all) selects the
 * primals to differentiate (others get a NULL input cotangent and are not
 * traced). cts[j] NULL is a zero cotangent (internal callers only); tans[i]
 * NULL is a zero tangent. `name` prefixes error messages. */
ax_status ax__vjp(ax_ctx *ctx, const char *name, const ax_closure *f, ax_array *const *primals,
                  ax_array *const *cts, const bool *want, ax_array **outs, ax_array **grads);
ax_status ax__jvp(ax_ctx *ctx, const char *name, const ax_closure *f, ax_array *const *primals,
                  ax_array *const *tans, ax_array **outs, ax_array **out_tans);

#endif
