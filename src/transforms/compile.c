/* ax_compile: trace a closure once per input signature, simplify the
 * captured graph (constant folding, CSE, DCE), fuse elementwise DAGs into
 * FUSED nodes (src/backend/cpu/fused.h) and replay the result on real
 * inputs. docs/compile.md describes the design.
 *
 * IR: the trace is captured into a list of nodes in dependency order: the
 * closure's inputs (one node each), constants (arrays the closure read that
 * are no input; held by reference) and ops (primitive, params bytes, input
 * references, and per output its dtype, weak flag, shape and, for views,
 * strides and offset relative to the view's input). Replay rebuilds each
 * op with ax__make_op / ax__make_op_multi / ax__make_view. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "ax/compile.h"
#include "backend/cpu/fused.h"
#include "core/internal.h"

enum { IR_INPUT, IR_CONST, IR_OP };

typedef struct ir_ref {
    int node, out;
} ir_ref;

typedef struct ir_out {
    ax_dtype dtype;
    bool weak;
    int ndim;
    int64_t shape[AX_MAX_NDIM];
    int64_t strides[AX_MAX_NDIM]; /* views */
    int64_t off_delta;            /* views: offset - input's offset */
} ir_out;

typedef struct ir_node {
    int kind;
    ax_op op;
    int input;      /* IR_INPUT */
    ax_array *cst;  /* IR_CONST (a reference) */
    void *params;
    size_t params_size;
    int n_in, n_out;
    ir_ref *in;
    ir_out *outs;
    /* analysis */
    int alias;  /* CSE: this node is a duplicate of node `alias` (else -1) */
    bool live;
    int group;  /* fusion group (else -1) */
} ir_node;

typedef struct fgroup {
    int n_members, *members; /* node ids in dependency order */
    int n_ext;
    ir_ref *ext;   /* program inputs */
    int n_out;
    int *out_node; /* member whose value is output k */
    ax_fused_prog *prog;
} fgroup;

/* One schedule step: a node (>= 0) or a group (-1 - g). */
typedef struct trace {
    int64_t *key;
    size_t key_len;
    int n_nodes;
    ir_node *nodes;
    int n_in, n_out;
    ir_ref *outs;
    int n_groups;
    fgroup *groups;
    int n_sched;
    int *sched;
    /* consumers of each node (live op nodes reading it), for fusion */
    int *cons_off, *cons;
    bool *is_out;
    unsigned long used;
    struct trace *next;
} trace;

typedef struct compiled {
    ax_closure *f;
    const ax_closure *self;
    ax_compile_options opt;
    int n_in, n_out;
    pthread_mutex_t lock;
    trace *traces;
    int n_traces;
    unsigned long clock;
    struct compiled *next_live;
} compiled;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static compiled *registry;

/* ---------------------------------------------------------------- stats */

void ax_compile_stats_get(ax_compile_stats *out) {
    if (!out) return;
    ax_compile_counters *c = &ax__compile_counters;
    out->traces = atomic_load(&c->traces);
    out->cache_hits = atomic_load(&c->cache_hits);
    out->nodes_traced = atomic_load(&c->nodes_traced);
    out->cse_removed = atomic_load(&c->cse_removed);
    out->consts_folded = atomic_load(&c->consts_folded);
    out->dead_removed = atomic_load(&c->dead_removed);
    out->fused_groups = atomic_load(&c->fused_groups);
    out->fused_nodes = atomic_load(&c->fused_nodes);
    out->kernels_built = atomic_load(&c->kernels_built);
    out->disk_hits = atomic_load(&c->disk_hits);
    out->memory_hits = atomic_load(&c->memory_hits);
    out->interpreted = atomic_load(&c->interpreted);
    out->evictions = atomic_load(&c->evictions);
    out->trace_seconds = 1e-9 * (double)atomic_load(&c->trace_ns);
    out->build_seconds = 1e-9 * (double)atomic_load(&c->build_ns);
}

void ax_compile_stats_reset(void) {
    ax_compile_counters *c = &ax__compile_counters;
    atomic_llong *all[] = {&c->traces,        &c->cache_hits,   &c->nodes_traced, &c->cse_removed,
                           &c->consts_folded, &c->dead_removed, &c->fused_groups, &c->fused_nodes,
                           &c->kernels_built, &c->disk_hits,    &c->memory_hits,  &c->interpreted,
                           &c->evictions,     &c->trace_ns,     &c->build_ns};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) atomic_store(all[i], 0);
}

#define COUNT(field, n) atomic_fetch_add(&ax__compile_counters.field, (long long)(n))

ax_compile_options ax_compile_default_options(void) {
    ax_compile_options o;
    memset(&o, 0, sizeof o);
    o.cache_size = 64;
    return o;
}

/* ---------------------------------------------------------------- traces */

static void trace_free(trace *t) {
    if (!t) return;
    for (int i = 0; i < t->n_nodes; i++) {
        ir_node *n = &t->nodes[i];
        ax_release(n->cst);
        free(n->params);
        free(n->in);
        free(n->outs);
    }
    for (int g = 0; g < t->n_groups; g++) {
        free(t->groups[g].members);
        free(t->groups[g].ext);
        free(t->groups[g].out_node);
        ax__fused_prog_release(t->groups[g].prog);
    }
    free(t->groups);
    free(t->cons_off);
    free(t->cons);
    free(t->is_out);
    free(t->nodes);
    free(t->outs);
    free(t->sched);
    free(t->key);
    free(t);
}

/* Signature of the inputs: per input dtype, weak, ndim, then the shape. */
static int64_t *make_key(const compiled *c, ax_array *const *in, size_t *len) {
    size_t n = 0;
    for (int i = 0; i < c->n_in; i++) n += 3 + (c->opt.shapeless ? 0 : (size_t)in[i]->ndim);
    int64_t *k = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!k) return NULL;
    size_t j = 0;
    for (int i = 0; i < c->n_in; i++) {
        k[j++] = in[i]->dtype;
        k[j++] = in[i]->weak;
        k[j++] = in[i]->ndim;
        if (!c->opt.shapeless)
            for (int d = 0; d < in[i]->ndim; d++) k[j++] = in[i]->shape[d];
    }
    *len = n;
    return k;
}

/* ---------------------------------------------------------------- pointer map */

typedef struct pmap {
    const void **keys;
    int *vals;
    size_t cap, len;
} pmap;

static size_t phash(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

static bool pmap_put(pmap *m, const void *k, int v) {
    if ((m->len + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const void **keys = calloc(cap, sizeof *keys);
        int *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t h = phash(m->keys[i], cap);
            while (keys[h]) h = (h + 1) & (cap - 1);
            keys[h] = m->keys[i];
            vals[h] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t h = phash(k, m->cap);
    while (m->keys[h] && m->keys[h] != k) h = (h + 1) & (m->cap - 1);
    if (!m->keys[h]) m->len++;
    m->keys[h] = k;
    m->vals[h] = v;
    return true;
}

static int pmap_get(const pmap *m, const void *k) {
    if (!m->cap) return -1;
    size_t h = phash(k, m->cap);
    while (m->keys[h]) {
        if (m->keys[h] == k) return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    return -1;
}

static void pmap_free(pmap *m) {
    free(m->keys);
    free(m->vals);
}

/* ---------------------------------------------------------------- capture */

typedef struct builder {
    ax_ctx *ctx;
    trace *t;
    int cap;
    pmap node_of;  /* ax_node* -> IR node */
    pmap const_of; /* ax_array* (constant) -> IR node */
    ax_array *const *ph;
    int n_ph;
} builder;

static int add_node(builder *b) {
    trace *t = b->t;
    if (t->n_nodes == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        ir_node *nodes = realloc(t->nodes, sizeof *nodes * (size_t)cap);
        if (!nodes) return -1;
        t->nodes = nodes;
        b->cap = cap;
    }
    ir_node *n = &t->nodes[t->n_nodes];
    memset(n, 0, sizeof *n);
    n->alias = -1;
    n->group = -1;
    return t->n_nodes++;
}

static void set_out(ir_out *o, const ax_array *a) {
    o->dtype = a->dtype;
    o->weak = a->weak;
    o->ndim = a->ndim;
    memcpy(o->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    memcpy(o->strides, a->strides, sizeof(int64_t) * (size_t)a->ndim);
    o->off_delta = a->offset;
}

/* The IR reference of array a (its node already captured); -1 node on error. */
static ir_ref ref_of(builder *b, ax_array *a) {
    for (int k = 0; k < b->n_ph; k++)
        if (a == b->ph[k]) return (ir_ref){k, 0};
    if (a->node) return (ir_ref){pmap_get(&b->node_of, a->node), a->out_index};
    int c = pmap_get(&b->const_of, a);
    if (c >= 0) return (ir_ref){c, 0};
    if (!a->buf) {
        ax__fail(b->ctx, AX_ERR_VALUE,
                 "compile: the closure uses an array %s %s that has no data and is no input of "
                 "this trace (a traced value of an enclosing transformation?)",
                 AX_SHAPE(a), ax_dtype_name(a->dtype));
        return (ir_ref){-1, 0};
    }
    int id = add_node(b);
    ir_node *n = id >= 0 ? &b->t->nodes[id] : NULL;
    ir_out *o = n ? calloc(1, sizeof *o) : NULL;
    if (!o || !pmap_put(&b->const_of, a, id)) {
        free(o);
        if (n) b->t->n_nodes--;
        ax__fail(b->ctx, AX_ERR_OOM, "compile: out of host memory");
        return (ir_ref){-1, 0};
    }
    n->kind = IR_CONST;
    n->cst = ax_retain(a);
    n->n_out = 1;
    n->outs = o;
    set_out(o, a);
    return (ir_ref){id, 0};
}

static bool capture_node(builder *b, ax_node *node) {
    int id = add_node(b);
    if (id < 0) goto oom;
    ir_node *n = &b->t->nodes[id];
    n->kind = IR_OP;
    n->op = node->op;
    n->n_in = node->n_inputs;
    n->n_out = node->n_outputs;
    n->in = calloc((size_t)(n->n_in ? n->n_in : 1), sizeof *n->in);
    n->outs = calloc((size_t)n->n_out, sizeof *n->outs);
    if (node->params_size) n->params = malloc(node->params_size);
    if (!n->in || !n->outs || (node->params_size && !n->params)) goto oom;
    n->params_size = node->params_size;
    if (node->params_size) memcpy(n->params, node->params, node->params_size);
    if (!pmap_put(&b->node_of, node, id)) goto oom;
    for (int i = 0; i < node->n_inputs; i++) {
        ir_ref r = ref_of(b, node->inputs[i]);
        if (r.node < 0) return false;
        n = &b->t->nodes[id]; /* ref_of may grow the node list */
        n->in[i] = r;
    }
    const bool view = ax__op_info[node->op].flags & AX_F_VIEW;
    for (int i = 0; i < node->n_outputs; i++) {
        ir_out *o = &n->outs[i];
        ax_array *a = node->outputs[i];
        if (a) {
            set_out(o, a);
            o->off_delta = view ? a->offset - node->inputs[0]->offset : 0;
        } else if (node->out_specs) {
            o->dtype = node->out_specs[i].dtype;
            o->ndim = node->out_specs[i].ndim;
            memcpy(o->shape, node->out_specs[i].shape, sizeof(int64_t) * (size_t)o->ndim);
            ax__row_major_strides(o->shape, o->ndim, o->strides);
        } else {
            ax__fail(b->ctx, AX_ERR_INTERNAL, "compile: output %d of %s has no description", i,
                     ax__op_info[node->op].name);
            return false;
        }
    }
    return true;
oom:
    ax__fail(b->ctx, AX_ERR_OOM, "compile: out of host memory");
    return false;
}

/* Post-order walk from the outputs (explicit stack). A node may sit on the
 * stack more than once; it is expanded once (state 1) and captured once
 * (state 2), after all its inputs, however the paths to it interleave. */
static bool capture(builder *b, ax_array *const *outs, int n_out) {
    size_t cap = 64, len = 0;
    uintptr_t *stack = malloc(sizeof *stack * cap);
    if (!stack) return ax__fail(b->ctx, AX_ERR_OOM, "compile: out of host memory"), false;
    pmap state = {0};
    bool ok = true;
    for (int k = 0; k <= n_out && ok; k++) {
        while (ok && len) {
            uintptr_t top = stack[len - 1];
            ax_node *node = (ax_node *)(top & ~(uintptr_t)1);
            int st = pmap_get(&state, node);
            if (top & 1) {
                len--;
                if (st != 2) ok = pmap_put(&state, node, 2) && capture_node(b, node);
                continue;
            }
            if (st == 2) {
                len--;
                continue;
            }
            stack[len - 1] = top | 1;
            ok = pmap_put(&state, node, 1);
            for (int i = node->n_inputs - 1; i >= 0 && ok; i--) {
                ax_node *in = node->inputs[i]->node;
                if (!in || pmap_get(&state, in) >= 0) continue;
                if (len == cap) {
                    uintptr_t *s2 = realloc(stack, sizeof *stack * cap * 2);
                    if (!s2) {
                        ok = false;
                        break;
                    }
                    stack = s2;
                    cap *= 2;
                }
                stack[len++] = (uintptr_t)in;
            }
        }
        if (k == n_out || !ok) break;
        ax_node *root = outs[k]->node;
        if (root && pmap_get(&state, root) < 0) stack[len++] = (uintptr_t)root;
    }
    if (!ok && b->ctx->status == AX_OK) ax__fail(b->ctx, AX_ERR_OOM, "compile: out of host memory");
    free(stack);
    pmap_free(&state);
    return ok;
}

/* ---------------------------------------------------------------- replay */

static bool same_layout(const ax_array *a, const ir_out *o) {
    return a->ndim == o->ndim && !memcmp(a->strides, o->strides, sizeof(int64_t) * (size_t)a->ndim);
}

typedef struct vals {
    ax_array **v; /* per node output: base[node] + out */
    int *base;
} vals;

static ax_array *val(const vals *V, ir_ref r) { return V->v[V->base[r.node] + r.out]; }

/* Shape of an elementwise result over ins (NumPy broadcasting). */
static bool ew_shape(ax_ctx *ctx, const char *name, ax_array *const *ins, int n, int64_t *shape,
                     int *nd) {
    *nd = 0;
    for (int i = 0; i < n; i++) {
        int64_t tmp[AX_MAX_NDIM];
        int ntmp;
        if (!ax__broadcast_shapes(ctx, name, shape, *nd, ins[i]->shape, ins[i]->ndim, tmp, &ntmp))
            return false;
        memcpy(shape, tmp, sizeof(int64_t) * (size_t)ntmp);
        *nd = ntmp;
    }
    return true;
}

static ax_status replay_node(ax_ctx *ctx, const compiled *c, const trace *t, int id, vals *V) {
    const ir_node *n = &t->nodes[id];
    ax_array *ins[64];
    ax_array **heap = NULL, **in = ins;
    if (n->n_in > 64) {
        heap = malloc(sizeof *heap * (size_t)n->n_in);
        if (!heap) return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        in = heap;
    }
    for (int i = 0; i < n->n_in; i++) in[i] = val(V, n->in[i]);
    ax_array **out = V->v + V->base[id];
    const ax_op_info *info = &ax__op_info[n->op];
    ax_status st = AX_OK;
    if (info->flags & AX_F_VIEW) {
        const ir_out *o = &n->outs[0];
        out[0] = ax__make_view(ctx, n->op, in[0], n->params, n->params_size, o->shape, o->strides,
                               o->ndim, in[0]->offset + o->off_delta);
        if (out[0]) out[0]->weak = o->weak;
    } else if (n->n_out == 1) {
        const ir_out *o = &n->outs[0];
        int64_t shape[AX_MAX_NDIM];
        int nd = o->ndim;
        memcpy(shape, o->shape, sizeof(int64_t) * (size_t)nd);
        if (c->opt.shapeless && n->n_in > 0 && !ew_shape(ctx, info->name, in, n->n_in, shape, &nd))
            st = ctx->status;
        if (st == AX_OK) {
            out[0] = ax__make_op(ctx, n->op, in, n->n_in, n->params, n->params_size, o->dtype, shape, nd);
            if (out[0]) out[0]->weak = o->weak;
        }
    } else {
        ax_dtype dts[16];
        const int64_t *shapes[16];
        int nds[16];
        if (n->n_out > 16) {
            st = ax__fail(ctx, AX_ERR_INTERNAL, "compile: %s has %d outputs", info->name, n->n_out);
        } else {
            for (int k = 0; k < n->n_out; k++) {
                dts[k] = n->outs[k].dtype;
                shapes[k] = n->outs[k].shape;
                nds[k] = n->outs[k].ndim;
            }
            st = ax__make_op_multi(ctx, n->op, in, n->n_in, n->params, n->params_size, n->n_out,
                                   dts, shapes, nds, out);
            for (int k = 0; st == AX_OK && k < n->n_out; k++) out[k]->weak = n->outs[k].weak;
        }
    }
    free(heap);
    if (st == AX_OK && !out[0]) st = ctx->status ? ctx->status : AX_ERR_INTERNAL;
    return st;
}

static ax_status replay_group(ax_ctx *ctx, const compiled *c, const trace *t, const fgroup *g,
                              vals *V) {
    ax_array *ins[FZ_MAX_OPERANDS + 1];
    for (int i = 0; i < g->n_ext; i++) ins[i] = val(V, g->ext[i]);
    int64_t shape[AX_MAX_NDIM];
    int nd = t->nodes[g->out_node[0]].outs[0].ndim;
    memcpy(shape, t->nodes[g->out_node[0]].outs[0].shape, sizeof(int64_t) * (size_t)nd);
    if (c->opt.shapeless) {
        /* every output must have the iteration shape (the broadcast of all
         * inputs); otherwise run the members one by one */
        bool ok = ew_shape(ctx, "fused", ins, g->n_ext, shape, &nd);
        if (!ok) return ctx->status;
        /* member shapes, in order */
        for (int k = 0; k < g->n_members && ok; k++) {
            int id = g->members[k];
            ax_status st = replay_node(ctx, c, t, id, V);
            if (st != AX_OK) return st;
        }
        bool full = true;
        for (int k = 0; k < g->n_out; k++) {
            ax_array *a = V->v[V->base[g->out_node[k]]];
            full &= a->ndim == nd && !memcmp(a->shape, shape, sizeof(int64_t) * (size_t)nd);
        }
        if (!full) return AX_OK; /* keep the unfused nodes just built */
        /* drop them (lazy, never evaluated) and build the fused node instead */
        for (int k = 0; k < g->n_members; k++) V->v[V->base[g->members[k]]] = NULL;
    }
    ax_array *holder = ax__fused_holder(ctx, g->prog);
    if (!holder) return ctx->status;
    ins[g->n_ext] = ax__own(ctx, holder);
    if (!ins[g->n_ext]) return ctx->status;
    ax_array *outs[FZ_MAX_OPERANDS];
    ax_status st = AX_OK;
    if (g->n_out == 1) {
        outs[0] = ax__make_op(ctx, AX_OP_FUSED, ins, g->n_ext + 1, NULL, 0,
                              t->nodes[g->out_node[0]].outs[0].dtype, shape, nd);
        if (!outs[0]) st = ctx->status;
    } else {
        ax_dtype dts[FZ_MAX_OPERANDS];
        const int64_t *shapes[FZ_MAX_OPERANDS];
        int nds[FZ_MAX_OPERANDS];
        for (int k = 0; k < g->n_out; k++) {
            dts[k] = t->nodes[g->out_node[k]].outs[0].dtype;
            shapes[k] = shape;
            nds[k] = nd;
        }
        st = ax__make_op_multi(ctx, AX_OP_FUSED, ins, g->n_ext + 1, NULL, 0, g->n_out, dts, shapes,
                               nds, outs);
    }
    if (st != AX_OK) return st;
    for (int k = 0; k < g->n_out; k++) {
        outs[k]->weak = t->nodes[g->out_node[k]].outs[0].weak;
        V->v[V->base[g->out_node[k]]] = outs[k];
    }
    return AX_OK;
}

/* Replay nodes (all, or only those with keep[id]) on inputs `in`; arrays go
 * to the innermost scope. */
static ax_status replay(ax_ctx *ctx, const compiled *c, const trace *t, ax_array *const *in,
                        vals *V) {
    int total = 0;
    V->base = malloc(sizeof(int) * (size_t)(t->n_nodes + 1));
    if (!V->base) return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    for (int i = 0; i < t->n_nodes; i++) {
        V->base[i] = total;
        total += t->nodes[i].n_out;
    }
    V->v = calloc((size_t)(total ? total : 1), sizeof *V->v);
    if (!V->v) return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    for (int i = 0; i < t->n_nodes; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind == IR_INPUT) {
            ax_array *a = in[n->input];
            /* views were recorded on a row-major placeholder */
            if (n->live && !c->opt.shapeless && !same_layout(a, &n->outs[0])) {
                bool feeds_view = false;
                for (int j = i + 1; j < t->n_nodes && !feeds_view; j++) {
                    const ir_node *m = &t->nodes[j];
                    if (m->kind == IR_OP && m->live && m->alias < 0 && m->group < 0 &&
                        (ax__op_info[m->op].flags & AX_F_VIEW) && m->in[0].node == i)
                        feeds_view = true;
                }
                if (feeds_view) {
                    a = ax_copy(ctx, a);
                    if (!a) return ctx->status;
                }
            }
            V->v[V->base[i]] = a;
        } else if (n->kind == IR_CONST) {
            V->v[V->base[i]] = n->cst;
        }
    }
    for (int s = 0; s < t->n_sched; s++) {
        int step = t->sched[s];
        ax_status st = step >= 0 ? replay_node(ctx, c, t, step, V)
                                 : replay_group(ctx, c, t, &t->groups[-1 - step], V);
        if (st != AX_OK) return st;
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- simplify */

static ir_ref resolve(const trace *t, ir_ref r) {
    while (t->nodes[r.node].alias >= 0) r.node = t->nodes[r.node].alias;
    return r;
}

static bool same_outs(const ir_node *a, const ir_node *b) {
    if (a->n_out != b->n_out) return false;
    for (int k = 0; k < a->n_out; k++) {
        const ir_out *x = &a->outs[k], *y = &b->outs[k];
        if (x->dtype != y->dtype || x->weak != y->weak || x->ndim != y->ndim ||
            x->off_delta != y->off_delta ||
            memcmp(x->shape, y->shape, sizeof(int64_t) * (size_t)x->ndim) ||
            memcmp(x->strides, y->strides, sizeof(int64_t) * (size_t)x->ndim))
            return false;
    }
    return true;
}

/* Small evaluated constants with equal bytes are the same value. */
static bool same_const(const ir_node *a, const ir_node *b) {
    if (a->cst == b->cst) return true;
    const ax_array *x = a->cst, *y = b->cst;
    if (x->size > 16 || x->node || y->node || !x->buf || !y->buf || !x->contiguous ||
        !(x->buf->where & AX_WHERE_HOST) || !(y->buf->where & AX_WHERE_HOST) ||
        !y->contiguous || !same_outs(a, b) || x->size != y->size)
        return false;
    return !memcmp(ax__ptr(x), ax__ptr(y), (size_t)x->size * ax_dtype_size(x->dtype));
}

static uint64_t node_hash(const ir_node *n) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)n->op;
    const unsigned char *p = n->params;
    for (size_t i = 0; i < n->params_size; i++) h = (h ^ p[i]) * 1099511628211ull;
    for (int i = 0; i < n->n_in; i++)
        h = (h ^ (uint64_t)(n->in[i].node * 31 + n->in[i].out)) * 1099511628211ull;
    return h;
}

static int cse(trace *t) {
    int removed = 0;
    uint64_t *hash = malloc(sizeof *hash * (size_t)(t->n_nodes ? t->n_nodes : 1));
    if (!hash) return 0;
    for (int i = 0; i < t->n_nodes; i++) {
        ir_node *n = &t->nodes[i];
        for (int k = 0; k < n->n_in; k++) n->in[k] = resolve(t, n->in[k]);
        hash[i] = n->kind == IR_OP ? node_hash(n) : 0;
        if (n->kind == IR_INPUT || n->alias >= 0) continue;
        for (int j = 0; j < i; j++) {
            const ir_node *m = &t->nodes[j];
            if (m->alias >= 0 || m->kind != n->kind) continue;
            if (n->kind == IR_CONST) {
                if (!same_const(n, m)) continue;
            } else {
                if (hash[j] != hash[i] || m->op != n->op || m->n_in != n->n_in ||
                    m->params_size != n->params_size ||
                    (n->params_size && memcmp(m->params, n->params, n->params_size)) ||
                    memcmp(m->in, n->in, sizeof(ir_ref) * (size_t)n->n_in) || !same_outs(m, n))
                    continue;
                removed++;
            }
            n->alias = j;
            break;
        }
    }
    for (int k = 0; k < t->n_out; k++) t->outs[k] = resolve(t, t->outs[k]);
    free(hash);
    return removed;
}

static void mark_live(trace *t) {
    for (int i = 0; i < t->n_nodes; i++) t->nodes[i].live = false;
    for (int k = 0; k < t->n_out; k++) t->nodes[t->outs[k].node].live = true;
    for (int i = t->n_nodes - 1; i >= 0; i--) {
        ir_node *n = &t->nodes[i];
        if (!n->live || n->alias >= 0) continue;
        for (int k = 0; k < n->n_in; k++) t->nodes[n->in[k].node].live = true;
    }
}

/* Evaluate op nodes that depend on no input; they become constants. */
static ax_status fold_constants(ax_ctx *ctx, const compiled *c, trace *t, int *folded) {
    *folded = 0;
    const int N = t->n_nodes;
    bool *is_const = calloc((size_t)(N ? N : 1), sizeof *is_const);
    bool *keep = calloc((size_t)(N ? N : 1), sizeof *keep);
    if (!is_const || !keep) {
        free(is_const);
        free(keep);
        return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    }
    int n_fold = 0;
    /* constants come after their first reader in the node list (they are
     * captured when it is): mark them first */
    for (int i = 0; i < N; i++) is_const[i] = t->nodes[i].kind == IR_CONST;
    for (int i = 0; i < N; i++) {
        ir_node *n = &t->nodes[i];
        if (n->alias >= 0 || !n->live) continue;
        if (n->kind != IR_OP || n->op == AX_OP_FUSED) continue;
        bool all = true;
        for (int k = 0; k < n->n_in && all; k++) all = is_const[n->in[k].node];
        is_const[i] = all;
    }
    /* boundary: constant op nodes read by a non-constant node or an output */
    for (int i = 0; i < N; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->alias >= 0 || !n->live || is_const[i]) continue;
        for (int k = 0; k < n->n_in; k++)
            if (is_const[n->in[k].node] && t->nodes[n->in[k].node].kind == IR_OP)
                keep[n->in[k].node] = true;
    }
    for (int k = 0; k < t->n_out; k++)
        if (is_const[t->outs[k].node] && t->nodes[t->outs[k].node].kind == IR_OP)
            keep[t->outs[k].node] = true;
    for (int i = 0; i < N; i++) n_fold += is_const[i] && t->nodes[i].kind == IR_OP;
    if (!n_fold) {
        free(is_const);
        free(keep);
        return AX_OK;
    }
    /* replay the constant part in its own trace view: schedule = constant ops */
    trace sub = *t;
    sub.n_groups = 0;
    sub.sched = malloc(sizeof(int) * (size_t)N);
    ax_status st = sub.sched ? AX_OK : ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    sub.n_sched = 0;
    for (int i = 0; st == AX_OK && i < N; i++)
        if (is_const[i] && t->nodes[i].kind == IR_OP) sub.sched[sub.n_sched++] = i;
    compiled fixed = *c;
    fixed.opt.shapeless = false;
    ax_scope_begin(ctx);
    vals V = {0};
    ax_array *const *no_inputs = NULL;
    /* inputs are never read by constant nodes: give the IR_INPUT slots NULL */
    if (st == AX_OK) {
        ax_array **dummy = calloc((size_t)(t->n_in ? t->n_in : 1), sizeof *dummy);
        if (!dummy) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        else {
            for (int i = 0; i < N; i++) t->nodes[i].live = t->nodes[i].live && t->nodes[i].kind != IR_INPUT;
            no_inputs = dummy;
            st = replay(ctx, &fixed, &sub, no_inputs, &V);
            free(dummy);
        }
    }
    ax_array *targets[256];
    int nt = 0;
    for (int i = 0; st == AX_OK && i < N; i++) {
        if (!keep[i]) continue;
        for (int k = 0; k < t->nodes[i].n_out; k++) {
            ax_array *a = V.v[V.base[i] + k];
            if (!a) continue;
            targets[nt++] = a;
            if (nt == 256) {
                st = ax_eval(ctx, targets, nt);
                nt = 0;
            }
        }
    }
    if (st == AX_OK && nt) st = ax_eval(ctx, targets, nt);
    for (int i = 0; st == AX_OK && i < N; i++) {
        ir_node *n = &t->nodes[i];
        if (!is_const[i] || n->kind != IR_OP) continue;
        if (keep[i] && n->n_out == 1) {
            n->kind = IR_CONST;
            n->cst = ax_retain(V.v[V.base[i]]);
            set_out(&n->outs[0], n->cst);
            free(n->params);
            n->params = NULL;
            n->params_size = 0;
            free(n->in);
            n->in = NULL;
            n->n_in = 0;
            (*folded)++;
        } else if (!keep[i]) {
            (*folded)++; /* interior: dead once its consumers are constants */
        }
    }
    ax_scope_end(ctx);
    free(V.v);
    free(V.base);
    free(sub.sched);
    free(is_const);
    free(keep);
    mark_live(t);
    return st;
}

/* ---------------------------------------------------------------- fusion */

static bool fusable(const trace *t, const ir_node *n) {
    if (n->kind != IR_OP || !n->live || n->alias >= 0 || n->n_out != 1 || n->n_in > 3 ||
        !(ax__op_info[n->op].flags & AX_F_EW) || n->params_size)
        return false;
    ax_dtype dts[3];
    for (int k = 0; k < n->n_in; k++) dts[k] = t->nodes[n->in[k].node].outs[n->in[k].out].dtype;
    return ax__fused_supports(n->op, dts, n->n_in, n->outs[0].dtype);
}

static bool same_shape(const ir_out *a, const ir_out *b) {
    return a->ndim == b->ndim && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim);
}

/* Does node `from` reach any node of group g through inputs (outside g)? */
static bool reaches(const trace *t, int from, int g, char *seen) {
    /* depth-first over inputs; seen[] is scratch (cleared by the caller) */
    int *stack = malloc(sizeof(int) * (size_t)t->n_nodes);
    if (!stack) return true; /* be safe: refuse the merge */
    int len = 0;
    stack[len++] = from;
    seen[from] = 1;
    bool hit = false;
    while (len && !hit) {
        int id = stack[--len];
        const ir_node *n = &t->nodes[id];
        for (int k = 0; k < n->n_in && !hit; k++) {
            int m = n->in[k].node;
            if (t->nodes[m].group == g) hit = true;
            else if (!seen[m]) {
                seen[m] = 1;
                stack[len++] = m;
            }
        }
    }
    free(stack);
    return hit;
}

/* Is group g acyclic with respect to the rest (no path leaves g and comes back)? */
static bool group_ok(const trace *t, int g, char *seen) {
    memset(seen, 0, (size_t)t->n_nodes);
    for (int i = 0; i < t->n_nodes; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->group != g) continue;
        for (int k = 0; k < n->n_in; k++) {
            int m = n->in[k].node;
            if (t->nodes[m].group == g || seen[m]) continue;
            if (reaches(t, m, g, seen)) return false;
        }
    }
    return true;
}

static bool is_imm(const trace *t, ir_ref r) {
    const ir_node *n = &t->nodes[r.node];
    if (n->kind != IR_CONST) return false;
    const ax_array *a = n->cst;
    /* Only values already on the host become immediates (no device reads here). */
    return a->size == 1 && a->buf && !a->node && (a->buf->where & AX_WHERE_HOST) &&
           (a->dtype == AX_FLOAT32 || a->dtype == AX_FLOAT64 || a->dtype == AX_BOOL);
}

/* Consumer lists (CSR) of the live graph. */
static bool build_consumers(trace *t) {
    const size_t N = t->n_nodes > 0 ? (size_t)t->n_nodes : 0;
    free(t->cons_off);
    free(t->cons);
    free(t->is_out);
    t->cons_off = calloc(N + 1, sizeof(int));
    t->is_out = calloc(N ? N : 1, sizeof(bool));
    size_t total = 0;
    for (size_t i = 0; i < N; i++)
        if (t->nodes[i].kind == IR_OP && t->nodes[i].live && t->nodes[i].alias < 0)
            total += (size_t)t->nodes[i].n_in;
    t->cons = malloc(sizeof(int) * (total ? total : 1));
    int *fill = calloc(N + 1, sizeof(int));
    if (!t->cons_off || !t->is_out || !t->cons || !fill) {
        free(fill);
        return false;
    }
    for (size_t i = 0; i < N; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind != IR_OP || !n->live || n->alias >= 0) continue;
        for (int k = 0; k < n->n_in; k++) t->cons_off[n->in[k].node + 1]++;
    }
    for (size_t i = 0; i < N; i++) t->cons_off[i + 1] += t->cons_off[i];
    for (int i = 0; i < (int)N; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind != IR_OP || !n->live || n->alias >= 0) continue;
        for (int k = 0; k < n->n_in; k++) {
            int m = n->in[k].node;
            t->cons[t->cons_off[m] + fill[m]++] = i;
        }
    }
    for (int k = 0; k < t->n_out; k++) t->is_out[t->outs[k].node] = true;
    free(fill);
    return true;
}

/* Is member i of group g read outside g (or an output)? */
static bool read_outside(const trace *t, int i, int g) {
    if (t->is_out[i]) return true;
    for (int c = t->cons_off[i]; c < t->cons_off[i + 1]; c++)
        if (t->nodes[t->cons[c]].group != g) return true;
    return false;
}

/* Count a group's members, distinct external inputs (not immediates) and
 * outputs (members read outside the group or by the closure's outputs). */
static void group_counts(const trace *t, int g, int *members, int *ext, int *outs, int *consts) {
    *members = *ext = *outs = *consts = 0;
    ir_ref seen[64];
    int ns = 0;
    for (int i = 0; i < t->n_nodes; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->group != g) continue;
        (*members)++;
        for (int k = 0; k < n->n_in; k++) {
            ir_ref r = n->in[k];
            if (t->nodes[r.node].group == g) continue;
            bool dup = false;
            for (int s = 0; s < ns; s++) dup |= seen[s].node == r.node && seen[s].out == r.out;
            if (dup) continue;
            if (ns < 64) seen[ns++] = r;
            if (is_imm(t, r)) (*consts)++;
            else (*ext)++;
        }
        *outs += read_outside(t, i, g);
    }
}

static bool group_fits(const trace *t, int g) {
    int mem, ext, outs, consts;
    group_counts(t, g, &mem, &ext, &outs, &consts);
    return ext + outs <= FZ_MAX_OPERANDS && mem + ext + consts <= FZ_MAX_VALS;
}

/* Assign fusion groups; returns the number of groups (ids 0..n-1, some may
 * end up with one member, which are dissolved). */
static int form_groups(trace *t) {
    const int N = t->n_nodes;
    char *seen = malloc((size_t)(N ? N : 1));
    int *moved_list = malloc(sizeof(int) * (size_t)(N ? N : 1));
    if (!seen || !moved_list) {
        free(seen);
        free(moved_list);
        return 0;
    }
    int n_groups = 0;
    for (int i = 0; i < N; i++) {
        ir_node *n = &t->nodes[i];
        if (!fusable(t, n)) continue;
        int g = -1;
        for (int k = 0; k < n->n_in; k++) {
            const ir_node *p = &t->nodes[n->in[k].node];
            if (p->group < 0 || !same_shape(&p->outs[0], &n->outs[0])) continue;
            if (g < 0) {
                n->group = p->group;
                if (group_ok(t, n->group, seen) && group_fits(t, n->group)) {
                    g = n->group;
                } else {
                    n->group = -1;
                }
            } else if (p->group != g) {
                /* merge p's group into g if the union stays acyclic and fits */
                int other = p->group, moved = 0;
                for (int j = 0; j < i; j++)
                    if (t->nodes[j].group == other) {
                        t->nodes[j].group = g;
                        moved_list[moved++] = j;
                    }
                if (!group_ok(t, g, seen) || !group_fits(t, g))
                    for (int q = 0; q < moved; q++) t->nodes[moved_list[q]].group = other;
            }
        }
        if (g < 0) n->group = n_groups++;
    }
    free(seen);
    free(moved_list);
    return n_groups;
}

static ax_status build_groups(ax_ctx *ctx, trace *t, int n_groups) {
    /* members per group; singletons dissolve */
    int *count = calloc((size_t)(n_groups ? n_groups : 1), sizeof(int));
    int *remap = malloc(sizeof(int) * (size_t)(n_groups ? n_groups : 1));
    if (!count || !remap) {
        free(count);
        free(remap);
        return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    }
    for (int i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].group >= 0) count[t->nodes[i].group]++;
    int ng = 0;
    for (int g = 0; g < n_groups; g++) remap[g] = count[g] >= 2 ? ng++ : -1;
    for (int i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].group >= 0) t->nodes[i].group = remap[t->nodes[i].group];
    free(count);
    free(remap);
    t->groups = calloc((size_t)(ng ? ng : 1), sizeof *t->groups);
    if (!t->groups) return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    t->n_groups = ng;
    for (int g = 0; g < ng; g++) {
        fgroup *G = &t->groups[g];
        int mem, ext, outs, consts;
        group_counts(t, g, &mem, &ext, &outs, &consts);
        G->members = malloc(sizeof(int) * (size_t)mem);
        G->ext = malloc(sizeof(ir_ref) * (size_t)(ext + 1));
        G->out_node = malloc(sizeof(int) * (size_t)(outs + 1));
        fz_val *fv = calloc((size_t)(mem + ext + consts), sizeof *fv);
        int *out_vals = malloc(sizeof(int) * (size_t)(outs + 1));
        int *val_of = malloc(sizeof(int) * (size_t)t->n_nodes); /* node -> value (single out) */
        ir_ref *src_of = malloc(sizeof(ir_ref) * (size_t)(mem + ext + consts));
        if (!G->members || !G->ext || !G->out_node || !fv || !out_vals || !val_of || !src_of) {
            free(fv);
            free(out_vals);
            free(val_of);
            free(src_of);
            return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        }
        int nv = 0;
        G->n_members = G->n_ext = G->n_out = 0;
        for (int i = 0; i < t->n_nodes; i++) val_of[i] = -1;
        for (int i = 0; i < t->n_nodes; i++) {
            ir_node *n = &t->nodes[i];
            if (n->group != g) continue;
            G->members[G->n_members++] = i;
            fz_val *v = NULL;
            int ops[3] = {-1, -1, -1};
            for (int k = 0; k < n->n_in; k++) {
                ir_ref r = n->in[k];
                int found = -1;
                if (t->nodes[r.node].group == g) {
                    found = val_of[r.node];
                } else {
                    for (int s = 0; s < nv; s++)
                        if (fv[s].kind != FZ_OP && src_of[s].node == r.node && src_of[s].out == r.out)
                            found = s;
                    if (found < 0) {
                        const ir_out *o = &t->nodes[r.node].outs[r.out];
                        found = nv++;
                        src_of[found] = r;
                        fv[found].dtype = o->dtype;
                        fv[found].a[0] = fv[found].a[1] = fv[found].a[2] = -1;
                        if (is_imm(t, r)) {
                            fv[found].kind = FZ_IMM;
                            fv[found].imm = ax__load_f64(ax__ptr(t->nodes[r.node].cst), o->dtype);
                        } else {
                            fv[found].kind = FZ_IN;
                            fv[found].a[0] = G->n_ext;
                            G->ext[G->n_ext++] = r;
                        }
                    }
                }
                ops[k] = found;
            }
            int me = nv++;
            v = &fv[me];
            v->kind = FZ_OP;
            v->op = n->op;
            v->dtype = n->outs[0].dtype;
            memcpy(v->a, ops, sizeof ops);
            src_of[me] = (ir_ref){i, 0};
            val_of[i] = me;
        }
        /* outputs */
        for (int k = 0; k < G->n_members; k++) {
            int i = G->members[k];
            if (read_outside(t, i, g)) {
                out_vals[G->n_out] = val_of[i];
                G->out_node[G->n_out++] = i;
            }
        }
        free(val_of);
        free(src_of);
        G->prog = ax__fused_prog_new(fv, nv, G->n_ext, out_vals, G->n_out);
        if (!G->prog) {
            free(fv);
            free(out_vals);
            return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        }
        ax__fused_jit(G->prog, NULL, 0);
        COUNT(fused_groups, 1);
        COUNT(fused_nodes, G->n_members);
    }
    return AX_OK;
}

/* Schedule: live op nodes outside groups and groups, dependencies first
 * (Kahn's algorithm over the condensed graph). */
static ax_status schedule(ax_ctx *ctx, trace *t) {
    const int N = t->n_nodes, G = t->n_groups, S = N + G;
    int *indeg = calloc((size_t)S, sizeof(int));
    int *order = malloc(sizeof(int) * (size_t)S);
    int *queue = malloc(sizeof(int) * (size_t)S);
    t->sched = malloc(sizeof(int) * (size_t)(S ? S : 1));
    if (!indeg || !order || !queue || !t->sched) {
        free(indeg);
        free(order);
        free(queue);
        return ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    }
#define SUPER(i) (t->nodes[i].group >= 0 ? N + t->nodes[i].group : (i))
    bool *active = calloc((size_t)S, sizeof(bool));
    for (int i = 0; active && i < N; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind != IR_OP || !n->live || n->alias >= 0) continue;
        active[SUPER(i)] = true;
        for (int k = 0; k < n->n_in; k++) {
            int m = n->in[k].node;
            if (t->nodes[m].kind != IR_OP) continue;
            if (SUPER(m) != SUPER(i)) indeg[SUPER(i)]++;
        }
    }
    int qh = 0, qt = 0, no = 0;
    for (int s = 0; active && s < S; s++)
        if (active[s] && indeg[s] == 0) queue[qt++] = s;
    while (qh < qt) {
        int s = queue[qh++];
        order[no++] = s;
        /* release consumers of s */
        for (int i = 0; i < N; i++) {
            const ir_node *n = &t->nodes[i];
            if (n->kind != IR_OP || !n->live || n->alias >= 0 || SUPER(i) == s) continue;
            for (int k = 0; k < n->n_in; k++) {
                int m = n->in[k].node;
                if (t->nodes[m].kind == IR_OP && SUPER(m) == s && --indeg[SUPER(i)] == 0)
                    queue[qt++] = SUPER(i);
            }
        }
    }
    int n_active = 0;
    for (int s = 0; active && s < S; s++) n_active += active[s];
#undef SUPER
    ax_status st = AX_OK;
    if (!active) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    else if (no != n_active)
        st = ax__fail(ctx, AX_ERR_INTERNAL, "compile: the fused graph has a cycle (%d of %d scheduled)",
                      no, n_active);
    t->n_sched = 0;
    for (int k = 0; st == AX_OK && k < no; k++)
        t->sched[t->n_sched++] = order[k] >= N ? -1 - (order[k] - N) : order[k];
    free(active);
    free(indeg);
    free(order);
    free(queue);
    return st;
}

/* ---------------------------------------------------------------- tracing */

static ax_status shapeless_check(ax_ctx *ctx, const trace *t) {
    for (int i = 0; i < t->n_nodes; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind != IR_OP || !n->live || n->alias >= 0) continue;
        if (!(ax__op_info[n->op].flags & AX_F_EW) || n->n_out != 1)
            return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                            "compile: shapeless mode supports elementwise and broadcasting ops only; "
                            "'%s' needs fixed shapes (compile without shapeless)",
                            ax__op_info[n->op].name);
    }
    return AX_OK;
}

static trace *trace_closure(ax_ctx *ctx, compiled *c, ax_array *const *in) {
    const int64_t t0 = ax__compile_now_ns();
    const long long b0 = atomic_load(&ax__compile_counters.build_ns);
    trace *t = calloc(1, sizeof *t);
    ax_array **ph = calloc((size_t)(c->n_in ? c->n_in : 1), sizeof *ph);
    ax_array **outs = calloc((size_t)c->n_out, sizeof *outs);
    if (!t || !ph || !outs) {
        free(t);
        free(ph);
        free(outs);
        return ax__error(ctx, AX_ERR_OOM, "compile: out of host memory");
    }
    t->n_in = c->n_in;
    t->n_out = c->n_out;
    builder b = {.ctx = ctx, .t = t, .ph = ph, .n_ph = c->n_in};
    ax_status st = AX_OK;
    for (int k = 0; k < c->n_in && st == AX_OK; k++) {
        ph[k] = ax__array_new(ctx, in[k]->dtype, in[k]->shape, in[k]->ndim);
        if (!ph[k]) st = ctx->status;
        else ph[k]->weak = in[k]->weak;
        int id = st == AX_OK ? add_node(&b) : -1;
        if (st == AX_OK && id < 0) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        if (st != AX_OK) break;
        ir_node *n = &t->nodes[id];
        n->kind = IR_INPUT;
        n->input = k;
        n->n_out = 1;
        n->outs = calloc(1, sizeof *n->outs);
        if (!n->outs) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        else set_out(n->outs, ph[k]);
    }
    int dead = 0;
    if (st == AX_OK) {
        ax_scope_begin(ctx);
        const size_t mark = ctx->scopes.len;
        ctx->trace_depth++;
        st = ax_closure_call(ctx, c->f, ph, outs);
        ctx->trace_depth--;
        if (st == AX_OK) {
            t->outs = calloc((size_t)c->n_out, sizeof *t->outs);
            if (!t->outs) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
        }
        if (st == AX_OK && capture(&b, outs, c->n_out)) {
            for (int k = 0; k < c->n_out && st == AX_OK; k++) {
                t->outs[k] = ref_of(&b, outs[k]);
                if (t->outs[k].node < 0) st = ctx->status;
            }
            /* nodes the closure built that no output reads */
            pmap counted = {0};
            for (size_t i = mark; i < ctx->scopes.len; i++) {
                ax_array *a = ctx->scopes.items[i];
                if (a && a->node && pmap_get(&b.node_of, a->node) < 0 &&
                    pmap_get(&counted, a->node) < 0 && pmap_put(&counted, a->node, 1))
                    dead++;
            }
            pmap_free(&counted);
        } else if (st == AX_OK) {
            st = ctx->status;
        }
        ax_scope_end(ctx);
    }
    for (int k = 0; k < c->n_in; k++) ax_release(ph[k]);
    free(ph);
    free(outs);
    pmap_free(&b.node_of);
    pmap_free(&b.const_of);
    if (st != AX_OK) {
        trace_free(t);
        return NULL;
    }
    COUNT(traces, 1);
    int n_ops = 0;
    for (int i = 0; i < t->n_nodes; i++) n_ops += t->nodes[i].kind == IR_OP;
    COUNT(nodes_traced, n_ops);
    /* simplify */
    int removed = c->opt.disable_cse ? 0 : cse(t);
    mark_live(t);
    /* before folding: a creation op (zeros_like(x)) would otherwise become
     * a constant of the traced shape */
    if (c->opt.shapeless) st = shapeless_check(ctx, t);
    int folded = 0;
    if (st == AX_OK && !c->opt.disable_constant_folding) st = fold_constants(ctx, c, t, &folded);
    if (st == AX_OK && !c->opt.disable_cse) removed += cse(t);
    mark_live(t);
    int live_ops = 0;
    for (int i = 0; i < t->n_nodes; i++)
        live_ops += t->nodes[i].kind == IR_OP && t->nodes[i].live && t->nodes[i].alias < 0;
    COUNT(cse_removed, removed);
    COUNT(consts_folded, folded);
    /* dead: built but unused by the closure, plus nodes left over after
     * simplification that are neither merged nor folded */
    int leftover = n_ops - live_ops - removed - folded;
    COUNT(dead_removed, dead + (leftover > 0 ? leftover : 0));
    int n_groups = 0;
    if (st == AX_OK && !build_consumers(t)) st = ax__fail(ctx, AX_ERR_OOM, "compile: out of host memory");
    if (st == AX_OK && !c->opt.disable_fusion) n_groups = form_groups(t);
    if (st == AX_OK) st = build_groups(ctx, t, n_groups);
    if (st == AX_OK) st = schedule(ctx, t);
    COUNT(trace_ns, ax__compile_now_ns() - t0 - (atomic_load(&ax__compile_counters.build_ns) - b0));
    if (st != AX_OK) {
        trace_free(t);
        return NULL;
    }
    return t;
}

/* ---------------------------------------------------------------- the closure */

static trace *lookup(ax_ctx *ctx, compiled *c, ax_array *const *in) {
    size_t len;
    int64_t *key = make_key(c, in, &len);
    if (!key) return ax__error(ctx, AX_ERR_OOM, "compile: out of host memory");
    pthread_mutex_lock(&c->lock);
    trace *t = c->traces;
    for (; t; t = t->next)
        if (t->key_len == len && !memcmp(t->key, key, sizeof(int64_t) * len)) break;
    if (t) {
        t->used = ++c->clock;
        COUNT(cache_hits, 1);
        free(key);
        return t; /* the lock stays held while the trace is replayed */
    }
    t = trace_closure(ctx, c, in);
    if (!t) {
        free(key);
        pthread_mutex_unlock(&c->lock);
        return NULL;
    }
    t->key = key;
    t->key_len = len;
    t->used = ++c->clock;
    t->next = c->traces;
    c->traces = t;
    c->n_traces++;
    while (c->n_traces > c->opt.cache_size) { /* drop the least recently used */
        trace **victim = NULL;
        for (trace **p = &c->traces; *p; p = &(*p)->next)
            if (*p != t && (!victim || (*p)->used < (*victim)->used)) victim = p;
        if (!victim) break;
        trace *dead = *victim;
        *victim = dead->next;
        trace_free(dead);
        c->n_traces--;
    }
    return t;
}

static ax_status check_inputs(ax_ctx *ctx, const compiled *c, ax_array *const *in) {
    for (int k = 0; k < c->n_in; k++)
        if (!in[k]) return ax__fail(ctx, AX_ERR_NULL, "compile: input %d of %d is NULL", k, c->n_in);
    return AX_OK;
}

static ax_status compiled_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                               int n_out, void *payload) {
    compiled *c = payload;
    ax_status st = check_inputs(ctx, c, in);
    if (st != AX_OK) return st;
    /* inside a compile trace, or under an autodiff transformation (whose
     * rules work on the primitive graph, and FUSED has none): run f itself */
    if (ctx->trace_depth > 0 || ctx->trace) return ax_closure_call(ctx, c->f, in, out);
    trace *t = lookup(ctx, c, in);
    if (!t) return ctx->status ? ctx->status : AX_ERR_INTERNAL;
    ax_scope_begin(ctx);
    vals V = {0};
    st = replay(ctx, c, t, in, &V);
    for (int k = 0; k < n_out; k++) out[k] = NULL;
    if (st == AX_OK)
        for (int k = 0; k < n_out; k++) {
            ax_array *a = val(&V, t->outs[k]);
            out[k] = a;
        }
    /* outputs survive the scope (handed to the caller's); temporaries go */
    for (int k = 0; st == AX_OK && k < n_out; k++)
        if (!ax_keep(ctx, out[k])) st = ctx->status ? ctx->status : AX_ERR_OOM;
    ax_scope_end(ctx);
    pthread_mutex_unlock(&c->lock);
    free(V.v);
    free(V.base);
    (void)n_in;
    if (st != AX_OK)
        for (int k = 0; k < n_out; k++) out[k] = NULL;
    return st;
}

static void compiled_destroy(void *payload) {
    compiled *c = payload;
    pthread_mutex_lock(&registry_lock);
    for (compiled **p = &registry; *p; p = &(*p)->next_live)
        if (*p == c) {
            *p = c->next_live;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    while (c->traces) {
        trace *t = c->traces;
        c->traces = t->next;
        trace_free(t);
    }
    ax_closure_release(c->f);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

ax_closure *ax_compile(ax_ctx *ctx, ax_closure *f, const ax_compile_options *opt) {
    AX_CHECK_CTX(ctx);
    if (!f) return ax__error(ctx, AX_ERR_NULL, "compile: the closure is NULL");
    ax_compile_options o = opt ? *opt : ax_compile_default_options();
    if (o.cache_size < 0)
        return ax__error(ctx, AX_ERR_VALUE, "compile: cache_size %d must be >= 0", o.cache_size);
    if (o.cache_size == 0) o.cache_size = 64;
    compiled *c = calloc(1, sizeof *c);
    if (!c) return ax__error(ctx, AX_ERR_OOM, "compile: out of host memory");
    c->f = ax_closure_retain(f);
    c->opt = o;
    c->n_in = ax_closure_n_in(f);
    c->n_out = ax_closure_n_out(f);
    pthread_mutex_init(&c->lock, NULL);
    ax_closure *g = ax_closure_new(ctx, compiled_call, c->n_in, c->n_out, c, compiled_destroy);
    if (!g) {
        compiled_destroy(c);
        return NULL;
    }
    c->self = g;
    pthread_mutex_lock(&registry_lock);
    c->next_live = registry;
    registry = c;
    pthread_mutex_unlock(&registry_lock);
    return g;
}

/* ---------------------------------------------------------------- describe */

ax_status ax_compile_describe(ax_ctx *ctx, const ax_closure *g, ax_array *const *in, char *out,
                              size_t cap) {
    if (!ctx) return AX_ERR_NULL;
    if (!g || !out) return ax__fail(ctx, AX_ERR_NULL, "compile_describe: closure or buffer is NULL");
    pthread_mutex_lock(&registry_lock);
    compiled *c = registry;
    while (c && c->self != g) c = c->next_live;
    pthread_mutex_unlock(&registry_lock);
    if (!c) return ax__fail(ctx, AX_ERR_VALUE, "compile_describe: the closure is not from ax_compile");
    ax_status st = check_inputs(ctx, c, in);
    if (st != AX_OK) return st;
    trace *t = lookup(ctx, c, in);
    if (!t) return ctx->status;
    size_t len = 0;
    out[0] = 0;
#define EMIT(...)                                                                             \
    do {                                                                                      \
        if (len < cap) {                                                                      \
            int k_ = snprintf(out + len, cap - len, __VA_ARGS__);                             \
            if (k_ > 0) len += (size_t)k_;                                                    \
        }                                                                                     \
    } while (0)
    for (int i = 0; i < t->n_nodes; i++) {
        const ir_node *n = &t->nodes[i];
        if (n->kind == IR_INPUT)
            EMIT("%%%d = input %d -> %s %s\n", i, n->input, ax_dtype_name(n->outs[0].dtype),
                 ax__shape_str(n->outs[0].shape, n->outs[0].ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        else if (n->kind == IR_CONST && n->live && n->alias < 0)
            EMIT("%%%d = constant -> %s %s\n", i, ax_dtype_name(n->outs[0].dtype),
                 ax__shape_str(n->outs[0].shape, n->outs[0].ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    }
    for (int s = 0; s < t->n_sched; s++) {
        int step = t->sched[s];
        if (step >= 0) {
            const ir_node *n = &t->nodes[step];
            EMIT("%%%d = %s (", step, ax__op_info[n->op].name);
            for (int k = 0; k < n->n_in; k++) EMIT("%s%%%d", k ? ", " : "", n->in[k].node);
            EMIT(") -> %s %s\n", ax_dtype_name(n->outs[0].dtype),
                 ax__shape_str(n->outs[0].shape, n->outs[0].ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        } else {
            const fgroup *G = &t->groups[-1 - step];
            EMIT("%%%d", G->out_node[0]);
            for (int k = 1; k < G->n_out; k++) EMIT(", %%%d", G->out_node[k]);
            EMIT(" = fused[");
            for (int k = 0; k < G->n_members; k++)
                EMIT("%s%s", k ? " " : "", ax__op_info[t->nodes[G->members[k]].op].name);
            EMIT("] (");
            for (int k = 0; k < G->n_ext; k++) EMIT("%s%%%d", k ? ", " : "", G->ext[k].node);
            const ir_out *o = &t->nodes[G->out_node[0]].outs[0];
            EMIT(") -> %s %s%s\n", ax_dtype_name(o->dtype),
                 ax__shape_str(o->shape, o->ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                 G->prog->fn ? " [compiled]" : " [interpreted]");
        }
    }
    EMIT("outputs:");
    for (int k = 0; k < t->n_out; k++) EMIT(" %%%d", t->outs[k].node);
    EMIT("\n");
#undef EMIT
    pthread_mutex_unlock(&c->lock);
    return AX_OK;
}
