/* The graph walk shared by the transformations: a pointer map, and the
 * collection of the nodes between a trace's tracers and the outputs. */
#include <stdlib.h>

#include "transforms/transforms_internal.h"

/* ---------------------------------------------------------------- pointer map */

static size_t phash(const void *p, size_t cap) {
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return (size_t)x & (cap - 1);
}

void *ax__pmap_get(const ax_pmap *m, const void *k) {
    if (!m->cap) return NULL;
    for (size_t i = phash(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k) return m->vals[i];
        if (!m->keys[i]) return NULL;
    }
}

bool ax__pmap_put(ax_pmap *m, void *k, void *v) {
    if ((m->len + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        void **keys = calloc(cap, sizeof(void *)), **vals = calloc(cap, sizeof(void *));
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = phash(m->keys[i], cap);
                while (keys[j]) j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = phash(k, m->cap);
    while (m->keys[i] && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->len++;
    m->keys[i] = k;
    m->vals[i] = v;
    return true;
}

void ax__pmap_free(ax_pmap *m) {
    free(m->keys);
    free(m->vals);
    *m = (ax_pmap){0};
}

/* ---------------------------------------------------------------- graph collection */

int ax__visible_inputs(const ax_node *node) {
    if (node->op == AX_OP_CUSTOM) return ((const ax_custom_params *)node->params)->n_in;
    return node->n_inputs;
}

bool ax__trace_graph_dep(const ax_trace_graph *g, const ax_array *a) {
    if (ax__pmap_get(&g->tracers, a)) return true;
    if (!a->node) return false;
    return (uintptr_t)ax__pmap_get(&g->state, a->node) == 3;
}

typedef struct walk_frame {
    ax_node *node;
    int next;
} walk_frame;

ax_status ax__trace_graph_collect(ax_ctx *ctx, const char *name, ax_trace_graph *g, ax_array *const *roots, int n) {
    walk_frame *stack = NULL;
    size_t len = 0, cap = 0;
    ax_status st = AX_OK;
#define PUSH(nd)                                                                                   \
    do {                                                                                           \
        if (len == cap) {                                                                          \
            size_t nc = cap ? cap * 2 : 64;                                                        \
            walk_frame *s2 = realloc(stack, nc * sizeof *s2);                                           \
            if (!s2) goto oom;                                                                     \
            stack = s2;                                                                            \
            cap = nc;                                                                              \
        }                                                                                          \
        if (!ax__pmap_put(&g->state, (nd), (void *)(uintptr_t)1)) goto oom;                            \
        stack[len++] = (walk_frame){(nd), 0};                                                           \
    } while (0)
    for (int r = 0; r < n; r++) {
        ax_array *a = roots[r];
        if (!a || ax__pmap_get(&g->tracers, a) || !a->node || ax__pmap_get(&g->state, a->node)) continue;
        PUSH(a->node);
        while (len) {
            walk_frame *f = &stack[len - 1];
            if (f->next < ax__visible_inputs(f->node)) {
                ax_array *in = f->node->inputs[f->next++];
                if (ax__pmap_get(&g->tracers, in) || !in->node || ax__pmap_get(&g->state, in->node))
                    continue;
                PUSH(in->node);
                continue;
            }
            ax_node *node = f->node;
            len--;
            bool dep = false;
            for (int i = 0; i < ax__visible_inputs(node) && !dep; i++) dep = ax__trace_graph_dep(g, node->inputs[i]);
            if (!ax__pmap_put(&g->state, node, (void *)(uintptr_t)(dep ? 3 : 2))) goto oom;
            if (dep) {
                if (g->n == g->cap) {
                    size_t nc = g->cap ? g->cap * 2 : 64;
                    ax_node **n2 = realloc(g->nodes, nc * sizeof *n2);
                    if (!n2) goto oom;
                    g->nodes = n2;
                    g->cap = nc;
                }
                g->nodes[g->n++] = node;
            }
        }
    }
#undef PUSH
    free(stack);
    return st;
oom:
    free(stack);
    return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory walking the graph", name);
}

void ax__trace_graph_free(ax_trace_graph *g) {
    free(g->nodes);
    ax__pmap_free(&g->state);
    ax__pmap_free(&g->tracers);
}
