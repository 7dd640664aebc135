/* Reverse and forward mode over ax's lazy graphs.
 *
 * A transformation calls the closure on tracers (TRACER nodes: lazy views of
 * the primals that later views do not walk through, see src/ops/view.c),
 * collects the nodes between the tracers and the outputs (depth-first, in
 * dependency order), then walks them: backwards with each op's vjp rule
 * (src/transforms/rules.h) accumulating cotangents per array, or forwards
 * with its jvp rule propagating tangents. Rules build their results with
 * public lazy ops, so results are graphs that can be transformed again.
 *
 * Also here: grad / value_and_grad / vjp_fn / jvp_fn closures, stop_gradient,
 * checkpoint and custom functions (CUSTOM nodes), and the eval check. */
#include <stdlib.h>

#include "transforms/rules.h"
#include "transforms/transforms_internal.h"

/* ---------------------------------------------------------------- traces */

static atomic_ullong next_trace_id = 1;

void ax__trace_push(ax_ctx *ctx, ax_ad_trace *t) {
    t->id = atomic_fetch_add(&next_trace_id, 1);
    t->parent = ctx->trace;
    ctx->trace = t;
}

void ax__trace_pop(ax_ctx *ctx, ax_ad_trace *t) {
    ax_ad_trace **p = &ctx->trace;
    while (*p && *p != t) p = &(*p)->parent;
    if (*p) *p = t->parent;
}

ax_status ax__trace_check_eval(ax_ctx *ctx, ax_node *const *nodes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (nodes[i]->op != AX_OP_TRACER) continue;
        const ax_tracer_params *p = nodes[i]->params;
        for (const ax_ad_trace *t = ctx->trace; t; t = t->parent)
            if (t->id == p->trace_id)
                return ax__fail(ctx, AX_ERR_VALUE,
                                "eval: cannot evaluate an array that depends on the inputs of a "
                                "closure being transformed (grad/vjp/jvp trace it on "
                                "placeholders); return the array from the closure instead");
    }
    return AX_OK;
}

ax_array *ax__tracer(ax_ctx *ctx, const ax_ad_trace *t, ax_array *x) {
    if (!x->contiguous && !(x = ax_copy(ctx, x))) return NULL;
    ax_tracer_params p = {t->id};
    const int64_t *shapes[1] = {x->shape};
    ax_array *out = NULL;
    if (ax__make_op_multi(ctx, AX_OP_TRACER, &x, 1, &p, sizeof p, 1, &x->dtype, shapes, &x->ndim,
                          &out) != AX_OK)
        return NULL;
    /* a view of x: same layout over the same buffer */
    if (x->ndim) memcpy(out->strides, x->strides, sizeof(int64_t) * (size_t)x->ndim);
    out->offset = x->offset;
    out->contiguous = x->contiguous;
    out->weak = x->weak;
    return out;
}

/* ---------------------------------------------------------------- fitting rule results */

static bool same_shape(const ax_array *a, const ax_array *b) {
    return a->ndim == b->ndim &&
           (a->ndim == 0 || memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim) == 0);
}

/* A cotangent of x: x's shape (summing broadcast axes) and dtype. */
static ax_array *fit_ct(ax_ctx *ctx, ax_array *g, ax_array *x) {
    if (!g) return NULL;
    if (!same_shape(g, x)) {
        bool reduce = g->ndim > x->ndim;
        for (int i = 0; i < g->ndim && !reduce; i++) {
            int j = i - (g->ndim - x->ndim);
            if (j >= 0 && g->shape[i] != x->shape[j] && x->shape[j] == 1) reduce = true;
        }
        if (reduce) g = ax__rule_unbroadcast(ctx, g, x);
        if (g && !same_shape(g, x)) g = ax_broadcast_to(ctx, g, x->shape, x->ndim);
    }
    if (g && g->dtype != x->dtype) g = ax_astype(ctx, g, x->dtype);
    return g;
}

/* A tangent of y: y's shape (broadcast) and dtype. */
static ax_array *fit_tan(ax_ctx *ctx, ax_array *t, ax_array *y) {
    if (!t) return NULL;
    if (!same_shape(t, y)) t = ax_broadcast_to(ctx, t, y->shape, y->ndim);
    if (t && t->dtype != y->dtype) t = ax_astype(ctx, t, y->dtype);
    return t;
}

static bool is_float(ax_dtype t) { return ax_dtype_is_floating(t); }

/* Scratch arrays for one node's rule call. */
typedef struct scratch {
    ax_array **arr;
    bool *need;
    size_t cap;
} scratch;

static bool scratch_fit(scratch *s, size_t n) {
    if (n <= s->cap) return true;
    ax_array **a = realloc(s->arr, sizeof(ax_array *) * n * 4);
    if (!a) return false;
    s->arr = a;
    bool *b = realloc(s->need, n);
    if (!b) return false;
    s->need = b;
    s->cap = n;
    return true;
}

/* ---------------------------------------------------------------- backward walk */

static ax_status backward(ax_ctx *ctx, const char *name, ax_trace_graph *g, ax_pmap *ct) {
    const ax_rule *rules = ax__rules();
    scratch s = {0};
    ax_status st = AX_OK;
    for (size_t k = g->n; k-- > 0 && st == AX_OK;) {
        ax_node *node = g->nodes[k];
        int n_in = ax__visible_inputs(node), n_out = node->n_outputs;
        if (!scratch_fit(&s, (size_t)(n_in > n_out ? n_in : n_out) + 1)) {
            st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
            break;
        }
        ax_array **outs = s.arr, **cts = s.arr + s.cap, **grads = s.arr + 2 * s.cap;
        bool any = false;
        for (int j = 0; j < n_out; j++) {
            outs[j] = ax__node_output(node, j);
            cts[j] = outs[j] && is_float(outs[j]->dtype) ? ax__pmap_get(ct, outs[j]) : NULL;
            any |= cts[j] != NULL;
        }
        bool needed = false;
        for (int i = 0; i < n_in; i++) {
            ax_array *in = node->inputs[i];
            s.need[i] = is_float(in->dtype) && ax__trace_graph_dep(g, in);
            needed |= s.need[i];
            grads[i] = NULL;
        }
        const ax_rule *r = &rules[node->op];
        for (int i = 0; i < n_in && any && st == AX_OK; i++)
            if (ax_dtype_is_complex(node->inputs[i]->dtype) && ax__trace_graph_dep(g, node->inputs[i]))
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                              "%s: derivatives through complex64 arrays are not supported (input "
                              "%d of '%s')",
                              name, i, ax__op_info[node->op].name);
        if (st == AX_OK && any && needed && !(r->flags & AX_RULE_ZERO)) {
            if (!r->vjp) {
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: no derivative rule for op '%s'", name,
                              ax__op_info[node->op].name);
            } else {
                st = r->vjp(ctx, node, outs, cts, s.need, grads);
                if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
                for (int i = 0; i < n_in && st == AX_OK; i++) {
                    if (!s.need[i] || !grads[i]) continue;
                    ax_array *in = node->inputs[i];
                    ax_array *gi = fit_ct(ctx, grads[i], in);
                    ax_array *acc = gi ? ax__rule_add(ctx, ax__pmap_get(ct, in), gi) : NULL;
                    if (!acc || !ax__pmap_put(ct, in, acc))
                        st = ctx->status ? ctx->status
                                         : ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
                }
            }
        }
        for (int j = 0; j < n_out; j++) ax_release(outs[j]);
    }
    free(s.arr);
    free(s.need);
    return st;
}

/* ---------------------------------------------------------------- forward walk */

static ax_status forward(ax_ctx *ctx, const char *name, ax_trace_graph *g, ax_pmap *tan) {
    const ax_rule *rules = ax__rules();
    scratch s = {0};
    ax_status st = AX_OK;
    for (size_t k = 0; k < g->n && st == AX_OK; k++) {
        ax_node *node = g->nodes[k];
        int n_in = ax__visible_inputs(node), n_out = node->n_outputs;
        if (!scratch_fit(&s, (size_t)(n_in > n_out ? n_in : n_out) + 1)) {
            st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
            break;
        }
        ax_array **outs = s.arr, **tans = s.arr + s.cap, **otans = s.arr + 2 * s.cap;
        bool any = false;
        for (int i = 0; i < n_in; i++) {
            ax_array *in = node->inputs[i];
            tans[i] = is_float(in->dtype) ? ax__pmap_get(tan, in) : NULL;
            any |= tans[i] != NULL;
        }
        bool floats = false;
        for (int j = 0; j < n_out; j++) {
            outs[j] = ax__node_output(node, j);
            otans[j] = NULL;
            floats |= outs[j] && is_float(outs[j]->dtype);
        }
        const ax_rule *r = &rules[node->op];
        for (int j = 0; j < n_out && any && st == AX_OK; j++)
            if (outs[j] && ax_dtype_is_complex(outs[j]->dtype))
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                              "%s: derivatives through complex64 arrays are not supported (output "
                              "%d of '%s')",
                              name, j, ax__op_info[node->op].name);
        if (st == AX_OK && any && floats && !(r->flags & AX_RULE_ZERO)) {
            if (!r->jvp) {
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: no derivative rule for op '%s'", name,
                              ax__op_info[node->op].name);
            } else {
                st = r->jvp(ctx, node, outs, tans, otans);
                if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
                for (int j = 0; j < n_out && st == AX_OK; j++) {
                    if (!outs[j] || !otans[j] || !is_float(outs[j]->dtype)) continue;
                    ax_array *t = fit_tan(ctx, otans[j], outs[j]);
                    if (!t || !ax__pmap_put(tan, outs[j], t))
                        st = ctx->status ? ctx->status
                                         : ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
                }
            }
        }
        for (int j = 0; j < n_out; j++) ax_release(outs[j]);
    }
    free(s.arr);
    free(s.need);
    return st;
}

/* ---------------------------------------------------------------- vjp / jvp */

static ax_status check_primals(ax_ctx *ctx, const char *name, int n, ax_array *const *primals,
                               const bool *want) {
    if (n > 0 && !primals) return ax__fail(ctx, AX_ERR_NULL, "%s: primals list is NULL", name);
    for (int i = 0; i < n; i++) {
        if (!primals[i])
            return ctx->status ? ctx->status
                               : ax__fail(ctx, AX_ERR_NULL, "%s: primal %d is NULL", name, i);
        if ((!want || want[i]) && !is_float(primals[i]->dtype))
            return ax__fail(ctx, AX_ERR_DTYPE,
                            "%s: input %d has dtype %s; only floating inputs (float16, bfloat16, "
                            "float32, float64) can be differentiated",
                            name, i, ax_dtype_name(primals[i]->dtype));
    }
    return AX_OK;
}

/* Trace f: tracers for the wanted primals, f's outputs; the graph between. */
static ax_status trace_call(ax_ctx *ctx, const char *name, const ax_closure *f,
                            ax_array *const *primals, const bool *want, ax_array **tr,
                            ax_array **outs, ax_trace_graph *g) {
    ax_ad_trace t;
    ax__trace_push(ctx, &t);
    ax_status st = AX_OK;
    for (int i = 0; i < f->n_in && st == AX_OK; i++) {
        tr[i] = (!want || want[i]) ? ax__tracer(ctx, &t, primals[i]) : primals[i];
        if (!tr[i]) st = ctx->status;
        else if ((!want || want[i]) && !ax__pmap_put(&g->tracers, tr[i], (void *)(uintptr_t)(i + 1)))
            st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    }
    if (st == AX_OK) st = ax_closure_call(ctx, f, tr, outs);
    ax__trace_pop(ctx, &t);
    if (st == AX_OK) st = ax__trace_graph_collect(ctx, name, g, outs, f->n_out);
    return st;
}

enum { CT_GIVEN = 0, CT_CHECK = 1, CT_SEED = 2 };

static ax_status check_like(ax_ctx *ctx, const char *name, const char *what, int i,
                            const ax_array *v, const char *of, const ax_array *ref) {
    if (!v)
        return ctx->status ? ctx->status : ax__fail(ctx, AX_ERR_NULL, "%s: %s %d is NULL", name, what, i);
    if (!same_shape(v, ref) || v->dtype != ref->dtype)
        return ax__fail(ctx, same_shape(v, ref) ? AX_ERR_DTYPE : AX_ERR_SHAPE,
                        "%s: %s %d has shape %s and dtype %s, but %s %d has shape %s and dtype %s",
                        name, what, i, AX_SHAPE(v), ax_dtype_name(v->dtype), of, i, AX_SHAPE(ref),
                        ax_dtype_name(ref->dtype));
    return AX_OK;
}

/* mode CT_CHECK: cts must match the outputs; CT_SEED: cts is ignored and the
 * first output (a floating scalar) gets a cotangent of one. */
static ax_status vjp_core(ax_ctx *ctx, const char *name, const ax_closure *f,
                          ax_array *const *primals, ax_array *const *cts, int mode,
                          const bool *want, ax_array **outs, ax_array **grads) {
    int n_in = f->n_in, n_out = f->n_out;
    for (int j = 0; j < n_out; j++) outs[j] = NULL;
    for (int i = 0; i < n_in; i++) grads[i] = NULL;
    ax_status st = check_primals(ctx, name, n_in, primals, want);
    if (st != AX_OK) return st;
    ax_array **tr = calloc((size_t)n_in + 1, sizeof *tr);
    ax_array **o = calloc((size_t)n_out, sizeof *o);
    ax_array **gr = calloc((size_t)n_in + 1, sizeof *gr);
    ax_trace_graph g = {0};
    ax_pmap ct = {0};
    if (!tr || !o || !gr) {
        st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
        goto done;
    }
    ax_scope_begin(ctx);
    st = trace_call(ctx, name, f, primals, want, tr, o, &g);
    if (st == AX_OK && mode == CT_SEED) {
        if (o[0]->size != 1 || !is_float(o[0]->dtype))
            st = ax__fail(ctx, o[0]->size != 1 ? AX_ERR_SHAPE : AX_ERR_DTYPE,
                          "%s: the function's first output must be a floating scalar, got shape "
                          "%s and dtype %s",
                          name, AX_SHAPE(o[0]), ax_dtype_name(o[0]->dtype));
        ax_array *one = st == AX_OK ? ax_ones(ctx, o[0]->shape, o[0]->ndim, o[0]->dtype) : NULL;
        if (st == AX_OK && (!one || !ax__pmap_put(&ct, o[0], one)))
            st = ctx->status ? ctx->status : ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    }
    for (int j = 0; j < n_out && st == AX_OK && mode != CT_SEED; j++) {
        if (mode == CT_CHECK) st = check_like(ctx, name, "cotangent", j, cts[j], "output", o[j]);
        if (st != AX_OK || !cts || !cts[j] || !is_float(o[j]->dtype)) continue;
        ax_array *acc = ax__rule_add(ctx, ax__pmap_get(&ct, o[j]), cts[j]);
        if (!acc || !ax__pmap_put(&ct, o[j], acc))
            st = ctx->status ? ctx->status : ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    }
    if (st == AX_OK) st = backward(ctx, name, &g, &ct);
    for (int i = 0; i < n_in && st == AX_OK; i++) {
        if (want && !want[i]) continue;
        ax_array *gi = ax__pmap_get(&ct, tr[i]);
        gr[i] = gi ? gi : ax__rule_zeros_like(ctx, primals[i]);
        if (!gr[i]) st = ctx->status;
    }
    if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
    if (st == AX_OK) {
        for (int j = 0; j < n_out; j++) ax_keep(ctx, o[j]);
        for (int i = 0; i < n_in; i++) ax_keep(ctx, gr[i]);
    }
    ax_scope_end(ctx);
    if (st == AX_OK) {
        memcpy(outs, o, sizeof *o * (size_t)n_out);
        memcpy(grads, gr, sizeof *gr * (size_t)n_in);
    }
done:
    ax__trace_graph_free(&g);
    ax__pmap_free(&ct);
    free(tr);
    free(o);
    free(gr);
    return st;
}

ax_status ax__vjp(ax_ctx *ctx, const char *name, const ax_closure *f, ax_array *const *primals,
                  ax_array *const *cts, const bool *want, ax_array **outs, ax_array **grads) {
    return vjp_core(ctx, name, f, primals, cts, CT_GIVEN, want, outs, grads);
}

ax_status ax__jvp(ax_ctx *ctx, const char *name, const ax_closure *f, ax_array *const *primals,
                  ax_array *const *tans, ax_array **outs, ax_array **out_tans) {
    int n_in = f->n_in, n_out = f->n_out;
    for (int j = 0; j < n_out; j++) outs[j] = out_tans[j] = NULL;
    ax_status st = AX_OK;
    if (n_in > 0 && !primals) return ax__fail(ctx, AX_ERR_NULL, "%s: primals list is NULL", name);
    for (int i = 0; i < n_in; i++)
        if (!primals[i])
            return ctx->status ? ctx->status
                               : ax__fail(ctx, AX_ERR_NULL, "%s: primal %d is NULL", name, i);
    ax_array **tr = calloc((size_t)n_in + 1, sizeof *tr);
    ax_array **o = calloc((size_t)n_out, sizeof *o);
    ax_array **ot = calloc((size_t)n_out, sizeof *ot);
    bool *want = calloc((size_t)n_in + 1, 1);
    ax_trace_graph g = {0};
    ax_pmap tm = {0};
    if (!tr || !o || !ot || !want) {
        st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
        goto done;
    }
    /* only floating inputs are traced (others are constants here) */
    for (int i = 0; i < n_in; i++) want[i] = is_float(primals[i]->dtype);
    ax_scope_begin(ctx);
    st = trace_call(ctx, name, f, primals, want, tr, o, &g);
    for (int i = 0; i < n_in && st == AX_OK; i++)
        if (want[i] && tans && tans[i] && !ax__pmap_put(&tm, tr[i], tans[i]))
            st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    if (st == AX_OK) st = forward(ctx, name, &g, &tm);
    for (int j = 0; j < n_out && st == AX_OK; j++) {
        ax_array *t = ax__pmap_get(&tm, o[j]);
        ot[j] = t ? t : ax__rule_zeros_like(ctx, o[j]);
        if (!ot[j]) st = ctx->status;
    }
    if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
    if (st == AX_OK)
        for (int j = 0; j < n_out; j++) {
            ax_keep(ctx, o[j]);
            ax_keep(ctx, ot[j]);
        }
    ax_scope_end(ctx);
    if (st == AX_OK) {
        memcpy(outs, o, sizeof *o * (size_t)n_out);
        memcpy(out_tans, ot, sizeof *ot * (size_t)n_out);
    }
done:
    ax__trace_graph_free(&g);
    ax__pmap_free(&tm);
    free(tr);
    free(o);
    free(ot);
    free(want);
    return st;
}

ax_status ax_vjp(ax_ctx *ctx, const ax_closure *f, ax_array *const *primals,
                 ax_array *const *cotangents, ax_array **outputs, ax_array **input_cotangents) {
    if (!ctx) return AX_ERR_NULL;
    if (!f || !outputs || !input_cotangents)
        return ax__fail(ctx, AX_ERR_NULL, "vjp: closure or result list is NULL");
    for (int j = 0; j < f->n_out; j++) outputs[j] = NULL;
    for (int i = 0; i < f->n_in; i++) input_cotangents[i] = NULL;
    if (!cotangents) return ax__fail(ctx, AX_ERR_NULL, "vjp: cotangents list is NULL");
    for (int j = 0; j < f->n_out; j++)
        if (!cotangents[j])
            return ctx->status ? ctx->status
                               : ax__fail(ctx, AX_ERR_NULL, "vjp: cotangent %d is NULL", j);
    return vjp_core(ctx, "vjp", f, primals, cotangents, CT_CHECK, NULL, outputs, input_cotangents);
}

ax_status ax_jvp(ax_ctx *ctx, const ax_closure *f, ax_array *const *primals,
                 ax_array *const *tangents, ax_array **outputs, ax_array **output_tangents) {
    if (!ctx) return AX_ERR_NULL;
    if (!f || !outputs || !output_tangents)
        return ax__fail(ctx, AX_ERR_NULL, "jvp: closure or result list is NULL");
    for (int j = 0; j < f->n_out; j++) outputs[j] = output_tangents[j] = NULL;
    if (f->n_in && (!tangents || !primals))
        return ax__fail(ctx, AX_ERR_NULL, "jvp: primals or tangents list is NULL");
    for (int i = 0; i < f->n_in; i++) {
        if (!primals[i])
            return ctx->status ? ctx->status : ax__fail(ctx, AX_ERR_NULL, "jvp: primal %d is NULL", i);
        ax_status st = check_like(ctx, "jvp", "tangent", i, tangents[i], "primal", primals[i]);
        if (st != AX_OK) return st;
    }
    ax_status st = check_primals(ctx, "jvp", f->n_in, primals, NULL);
    if (st != AX_OK) return st;
    return ax__jvp(ctx, "jvp", f, primals, tangents, outputs, output_tangents);
}

/* ---------------------------------------------------------------- closures over transforms */

typedef struct grad_payload {
    ax_closure *f;
    int nargs;
    bool has_aux, with_value;
    int argnums[]; /* nargs */
} grad_payload;

static void grad_destroy(void *p) {
    grad_payload *g = p;
    ax_closure_release(g->f);
    free(g);
}

static ax_status grad_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *payload) {
    grad_payload *gp = payload;
    const ax_closure *f = gp->f;
    const char *name = gp->with_value ? "value_and_grad" : "grad";
    (void)n_out;
    bool *want = calloc((size_t)n_in + 1, 1);
    ax_array **o = calloc((size_t)f->n_out, sizeof *o);
    ax_array **g = calloc((size_t)n_in + 1, sizeof *g);
    ax_status st = AX_OK;
    if (!want || !o || !g) {
        st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", name);
        goto done;
    }
    for (int k = 0; k < gp->nargs; k++) want[gp->argnums[k]] = true;
    st = vjp_core(ctx, name, f, in, NULL, CT_SEED, want, o, g);
    if (st != AX_OK) goto done;
    int k = 0;
    if (gp->with_value) out[k++] = o[0];
    if (!gp->with_value) {
        for (int a = 0; a < gp->nargs; a++) out[k++] = g[gp->argnums[a]];
        if (gp->has_aux)
            for (int j = 1; j < f->n_out; j++) out[k++] = o[j];
    } else {
        if (gp->has_aux)
            for (int j = 1; j < f->n_out; j++) out[k++] = o[j];
        for (int a = 0; a < gp->nargs; a++) out[k++] = g[gp->argnums[a]];
    }
done:
    free(want);
    free(o);
    free(g);
    return st;
}

static ax_closure *make_grad(ax_ctx *ctx, const char *name, ax_closure *f, const int *argnums,
                             int nargnums, bool has_aux, bool with_value) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "%s: closure is NULL", name);
    int def = 0;
    if (!argnums) {
        argnums = &def;
        nargnums = 1;
    }
    if (nargnums < 1)
        return ax__error(ctx, AX_ERR_VALUE, "%s: %d argnums (need at least one)", name, nargnums);
    if (!has_aux && f->n_out != 1)
        return ax__error(ctx, AX_ERR_VALUE,
                         "%s: the function has %d outputs; it must have one (or pass has_aux to "
                         "return the others as auxiliary values)",
                         name, f->n_out);
    grad_payload *gp = malloc(sizeof *gp + sizeof(int) * (size_t)nargnums);
    if (!gp) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", name);
    for (int k = 0; k < nargnums; k++) {
        int a = argnums[k];
        if (a < 0) a += f->n_in;
        if (a < 0 || a >= f->n_in) {
            free(gp);
            return ax__error(ctx, AX_ERR_VALUE,
                             "%s: argnums[%d] = %d is out of range for a function of %d inputs",
                             name, k, argnums[k], f->n_in);
        }
        for (int q = 0; q < k; q++)
            if (gp->argnums[q] == a) {
                free(gp);
                return ax__error(ctx, AX_ERR_VALUE, "%s: argnums lists input %d twice", name, a);
            }
        gp->argnums[k] = a;
    }
    gp->f = ax_closure_retain(f);
    gp->nargs = nargnums;
    gp->has_aux = has_aux;
    gp->with_value = with_value;
    int n_out = nargnums + (has_aux ? f->n_out - 1 : 0) + (with_value ? 1 : 0);
    ax_closure *g = ax_closure_new(ctx, grad_call, f->n_in, n_out, gp, grad_destroy);
    if (!g) grad_destroy(gp);
    return g;
}

ax_closure *ax_grad(ax_ctx *ctx, ax_closure *f, const int *argnums, int nargnums, bool has_aux) {
    return make_grad(ctx, "grad", f, argnums, nargnums, has_aux, false);
}

ax_closure *ax_value_and_grad(ax_ctx *ctx, ax_closure *f, const int *argnums, int nargnums,
                              bool has_aux) {
    return make_grad(ctx, "value_and_grad", f, argnums, nargnums, has_aux, true);
}

static void closure_destroy(void *p) { ax_closure_release(p); }

static ax_status vjp_fn_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                             int n_out, void *payload) {
    const ax_closure *f = payload;
    (void)n_in;
    (void)n_out;
    return ax_vjp(ctx, f, in, in + f->n_in, out, out + f->n_out);
}

static ax_status jvp_fn_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                             int n_out, void *payload) {
    const ax_closure *f = payload;
    (void)n_in;
    (void)n_out;
    return ax_jvp(ctx, f, in, in + f->n_in, out, out + f->n_out);
}

ax_closure *ax_vjp_fn(ax_ctx *ctx, ax_closure *f) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "vjp_fn: closure is NULL");
    ax_closure *g = ax_closure_new(ctx, vjp_fn_call, f->n_in + f->n_out, f->n_out + f->n_in,
                                   ax_closure_retain(f), closure_destroy);
    if (!g) ax_closure_release(f);
    return g;
}

ax_closure *ax_jvp_fn(ax_ctx *ctx, ax_closure *f) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "jvp_fn: closure is NULL");
    ax_closure *g = ax_closure_new(ctx, jvp_fn_call, 2 * f->n_in, 2 * f->n_out,
                                   ax_closure_retain(f), closure_destroy);
    if (!g) ax_closure_release(f);
    return g;
}

/* ---------------------------------------------------------------- stop_gradient */

ax_array *ax_stop_gradient(ax_ctx *ctx, ax_array *a) {
    AX_CHECK_IN(ctx, a);
    ax_array *out =
        ax__make_op(ctx, AX_OP_STOP_GRADIENT, &a, 1, NULL, 0, a->dtype, a->shape, a->ndim);
    if (out) out->weak = a->weak;
    return out;
}

/* ---------------------------------------------------------------- custom functions */

static void record_release(void *data, void *user) {
    (void)user;
    ax_custom_record *r = data;
    ax_closure_release(r->f);
    ax_closure_release(r->vjp);
    ax_closure_release(r->jvp);
    ax_closure_release(r->vmap);
    free(r);
}

static void custom_destroy(void *p) {
    ax_custom_record *r = p;
    record_release(r, NULL);
}

static ax_status custom_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out,
                             int n_out, void *payload) {
    ax_custom_record *tmpl = payload;
    ax_status st = AX_OK;
    ax_array **ins = calloc((size_t)(n_in + n_out + 1), sizeof *ins);
    ax_dtype *dt = calloc((size_t)n_out, sizeof *dt);
    const int64_t **shapes = calloc((size_t)n_out, sizeof *shapes);
    int *nd = calloc((size_t)n_out, sizeof *nd);
    ax_custom_record *rec = malloc(sizeof *rec);
    if (!ins || !dt || !shapes || !nd || !rec) {
        free(rec);
        st = ax__fail(ctx, AX_ERR_OOM, "custom_function: out of host memory");
        goto done;
    }
    st = ax_closure_call(ctx, tmpl->f, in, ins + n_in);
    if (st != AX_OK) {
        free(rec);
        goto done;
    }
    *rec = *tmpl;
    ax_closure_retain(rec->f);
    ax_closure_retain(rec->vjp);
    ax_closure_retain(rec->jvp);
    ax_closure_retain(rec->vmap);
    /* The anchor: its buffer's release frees the record (and the closures). */
    ax_array *anchor = ax_array_wrap(ctx, rec, AX_UINT8, (int64_t[]){(int64_t)sizeof *rec}, 1,
                                     record_release, NULL);
    if (!anchor) {
        record_release(rec, NULL);
        st = ctx->status;
        goto done;
    }
    memcpy(ins, in, sizeof *ins * (size_t)n_in);
    ins[n_in + n_out] = anchor;
    for (int j = 0; j < n_out; j++) {
        ax_array *y = ins[n_in + j];
        dt[j] = y->dtype;
        shapes[j] = y->shape;
        nd[j] = y->ndim;
    }
    ax_custom_params p;
    memset(&p, 0, sizeof p);
    p.rec = rec;
    p.n_in = n_in;
    p.n_out = n_out;
    st = ax__make_op_multi(ctx, AX_OP_CUSTOM, ins, n_in + n_out + 1, &p, sizeof p, n_out, dt,
                           shapes, nd, out);
    for (int j = 0; j < n_out && st == AX_OK; j++) out[j]->weak = ins[n_in + j]->weak;
done:
    free(ins);
    free(dt);
    free(shapes);
    free(nd);
    return st;
}

ax_closure *ax_custom_function(ax_ctx *ctx, ax_closure *f, ax_closure *vjp, ax_closure *jvp) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "custom_function: closure is NULL");
    if (vjp && (vjp->n_in != f->n_in + 2 * f->n_out || vjp->n_out != f->n_in))
        return ax__error(ctx, AX_ERR_VALUE,
                         "custom_function: the vjp closure has %d inputs and %d outputs; for a "
                         "function of %d inputs and %d outputs it needs %d and %d",
                         vjp->n_in, vjp->n_out, f->n_in, f->n_out, f->n_in + 2 * f->n_out,
                         f->n_in);
    if (jvp && (jvp->n_in != 2 * f->n_in || jvp->n_out != f->n_out))
        return ax__error(ctx, AX_ERR_VALUE,
                         "custom_function: the jvp closure has %d inputs and %d outputs; for a "
                         "function of %d inputs and %d outputs it needs %d and %d",
                         jvp->n_in, jvp->n_out, f->n_in, f->n_out, 2 * f->n_in, f->n_out);
    ax_custom_record *r = malloc(sizeof *r);
    if (!r) return ax__error(ctx, AX_ERR_OOM, "custom_function: out of host memory");
    r->f = ax_closure_retain(f);
    r->vjp = ax_closure_retain(vjp);
    r->jvp = ax_closure_retain(jvp);
    r->vmap = NULL;
    r->n_in = f->n_in;
    r->n_out = f->n_out;
    ax_closure *g = ax_closure_new(ctx, custom_call, f->n_in, f->n_out, r, custom_destroy);
    if (!g) custom_destroy(r);
    return g;
}

ax_closure *ax_checkpoint(ax_ctx *ctx, ax_closure *f) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "checkpoint: closure is NULL");
    return ax_custom_function(ctx, f, NULL, NULL);
}

/* ---------------------------------------------------------------- rules of this family */

static ax_status identity_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)ctx, (void)node, (void)outs, (void)need;
    grads[0] = cts[0];
    return AX_OK;
}

static ax_status identity_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                              ax_array *const *tans, ax_array **out_tans) {
    (void)ctx, (void)node, (void)outs;
    out_tans[0] = tans[0];
    return AX_OK;
}

/* Zeros for NULL entries (user closures get arrays). */
static ax_array *or_zeros(ax_ctx *ctx, ax_array *v, const ax_array *like) {
    return v ? v : ax__rule_zeros_like(ctx, like);
}

static ax_status custom_vjp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *cts, const bool *need, ax_array **grads) {
    (void)outs;
    const ax_custom_params *p = node->params;
    ax_custom_record *r = p->rec;
    int n_in = p->n_in, n_out = p->n_out;
    ax_array **buf = calloc((size_t)(2 * n_in + 2 * n_out + 1), sizeof *buf);
    if (!buf) return ax__fail(ctx, AX_ERR_OOM, "custom_function: out of host memory");
    ax_status st = AX_OK;
    if (r->vjp) {
        /* (primals, outputs, cotangents) -> input cotangents */
        for (int i = 0; i < n_in; i++) buf[i] = node->inputs[i];
        for (int j = 0; j < n_out; j++) {
            buf[n_in + j] = node->inputs[n_in + j];
            buf[n_in + n_out + j] = or_zeros(ctx, cts[j], node->inputs[n_in + j]);
            if (!buf[n_in + n_out + j]) st = ctx->status;
        }
        if (st == AX_OK) st = ax_closure_call(ctx, r->vjp, buf, buf + n_in + 2 * n_out);
        for (int i = 0; i < n_in && st == AX_OK; i++)
            if (need[i]) grads[i] = buf[n_in + 2 * n_out + i];
    } else {
        /* re-trace f on the same inputs (checkpoint) */
        bool *want = calloc((size_t)n_in + 1, 1);
        if (!want) st = ax__fail(ctx, AX_ERR_OOM, "custom_function: out of host memory");
        for (int i = 0; i < n_in && st == AX_OK; i++) want[i] = need[i];
        if (st == AX_OK)
            st = ax__vjp(ctx, "vjp", r->f, node->inputs, cts, want, buf, buf + n_out);
        for (int i = 0; i < n_in && st == AX_OK; i++)
            if (need[i]) grads[i] = buf[n_out + i];
        free(want);
    }
    free(buf);
    return st;
}

static ax_status custom_jvp(ax_ctx *ctx, const ax_node *node, ax_array *const *outs,
                            ax_array *const *tans, ax_array **out_tans) {
    (void)outs;
    const ax_custom_params *p = node->params;
    ax_custom_record *r = p->rec;
    int n_in = p->n_in, n_out = p->n_out;
    ax_array **buf = calloc((size_t)(2 * n_in + 2 * n_out + 1), sizeof *buf);
    if (!buf) return ax__fail(ctx, AX_ERR_OOM, "custom_function: out of host memory");
    ax_status st = AX_OK;
    if (r->jvp) {
        for (int i = 0; i < n_in; i++) {
            buf[i] = node->inputs[i];
            buf[n_in + i] = or_zeros(ctx, tans[i], node->inputs[i]);
            if (!buf[n_in + i]) st = ctx->status;
        }
        if (st == AX_OK) st = ax_closure_call(ctx, r->jvp, buf, buf + 2 * n_in);
        for (int j = 0; j < n_out && st == AX_OK; j++) out_tans[j] = buf[2 * n_in + j];
    } else {
        st = ax__jvp(ctx, "jvp", r->f, node->inputs, tans, buf, buf + n_out);
        for (int j = 0; j < n_out && st == AX_OK; j++) out_tans[j] = buf[n_out + j];
    }
    free(buf);
    return st;
}

void ax__rules_register_transforms(ax_rule *t) {
    t[AX_OP_STOP_GRADIENT].flags = AX_RULE_ZERO;
    t[AX_OP_TRACER] = (ax_rule){identity_vjp, identity_jvp, NULL, 0};
    t[AX_OP_CUSTOM] = (ax_rule){custom_vjp, custom_jvp, NULL, 0};
}
