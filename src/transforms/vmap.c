/* vmap: vectorizing a closure over a batch axis.
 *
 * ax_vmap(f, in_axes, out_axes) returns a closure that, when called, traces f
 * once on tracers of the UNBATCHED shapes (placeholders, like autodiff's),
 * collects the graph between those tracers and f's outputs, then walks it
 * forward applying each node's batching rule (src/transforms/rules.h,
 * registered in rules_vmap.c) to batched values. Inside the walk every
 * batched value carries its batch axis at position 0 (inputs are moved there
 * first; outputs are moved to out_axes at the end), and arrays the walk never
 * maps (captured constants, unbatched inputs) are unbatched. A node whose op
 * has no rule takes the generic fallback: per batch element, the node is
 * rebuilt with the same primitive and params on the element's slices (their
 * shapes are the traced ones, so the recorded output shapes hold) and the
 * results are stacked: slower, but correct for every op.
 *
 * The result is an ordinary lazy graph of public ops and primitives, so it
 * composes: vmap of vmap (the outer walk sees the inner result's ops), grad /
 * jvp of vmap (their walks see ordinary primitives), vmap of grad (grad's
 * tracers are TRACER views, batched as the identity), and compile. */
#include <stdlib.h>

#include "ax/transforms.h"
#include "transforms/rules.h"
#include "transforms/transforms_internal.h"
#include "transforms/vmap_internal.h"

/* ---------------------------------------------------------------- helpers */

/* Batch size of the first batched input of a rule call. */
int64_t ax__vmap_batch_size(const ax_node *node, ax_array *const *inputs, const int *in_axes) {
    for (int i = 0; i < ax__visible_inputs(node); i++)
        if (in_axes[i] >= 0) return inputs[i]->shape[in_axes[i]];
    return 0;
}

/* x (unbatched, shape S) as batched: broadcast to (B, *S). */
ax_array *ax__vmap_broadcast(ax_ctx *ctx, ax_array *x, int64_t B) {
    int64_t sh[AX_MAX_NDIM];
    if (x->ndim + 1 > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_VALUE, "vmap: an array of rank %d plus a batch axis exceeds %d axes",
                         x->ndim, AX_MAX_NDIM);
    sh[0] = B;
    for (int d = 0; d < x->ndim; d++) sh[d + 1] = x->shape[d];
    return ax_broadcast_to(ctx, x, sh, x->ndim + 1);
}

/* Element b of a batched value (batch axis 0), row-major. */
static ax_array *element(ax_ctx *ctx, ax_array *x, int64_t b) {
    ax_array *s = ax_slice_axis(ctx, x, 0, b, b + 1, 1);
    int ax0 = 0;
    s = ax_squeeze(ctx, s, &ax0, 1);
    return ax_contiguous(ctx, s);
}

/* Output j of node as recorded (dtype, shape), from the live output or the
 * multi-output specs. */
static bool out_desc(const ax_node *node, int j, ax_dtype *dt, const int64_t **shape, int *nd,
                     bool *weak) {
    ax_array *o = node->outputs[j];
    if (o) {
        *dt = o->dtype;
        *shape = o->shape;
        *nd = o->ndim;
        *weak = o->weak;
        return true;
    }
    if (!node->out_specs) return false;
    *dt = node->out_specs[j].dtype;
    *shape = node->out_specs[j].shape;
    *nd = node->out_specs[j].ndim;
    *weak = false;
    return true;
}

/* ---------------------------------------------------------------- generic fallback */

ax_status ax__vmap_fallback(ax_ctx *ctx, const ax_node *node, ax_array *const *inputs,
                            const int *in_axes, ax_array **outs, int *out_axes) {
    const char *opname = ax__op_info[node->op].name;
    int n_in = node->n_inputs, n_out = node->n_outputs;
    int64_t B = ax__vmap_batch_size(node, inputs, in_axes);
    ax_dtype dts[64];
    const int64_t *shapes[64];
    int nds[64];
    bool weak[64];
    if (n_out > 64)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED, "vmap: '%s' has %d outputs (at most 64 batched)",
                        opname, n_out);
    for (int j = 0; j < n_out; j++)
        if (!out_desc(node, j, &dts[j], &shapes[j], &nds[j], &weak[j]))
            return ax__fail(ctx, AX_ERR_INTERNAL, "vmap: output %d of '%s' has no description", j,
                            opname);
    if (ax__op_info[node->op].flags & AX_F_VIEW)
        return ax__fail(ctx, AX_ERR_INTERNAL, "vmap: view '%s' reached the generic fallback", opname);
    if (B == 0) {
        for (int j = 0; j < n_out; j++) {
            int64_t sh[AX_MAX_NDIM];
            sh[0] = 0;
            for (int d = 0; d < nds[j]; d++) sh[d + 1] = shapes[j][d];
            outs[j] = ax_zeros(ctx, sh, nds[j] + 1, dts[j]);
            out_axes[j] = 0;
            if (!outs[j]) return ctx->status;
        }
        return AX_OK;
    }
    ax_array **ins = calloc((size_t)n_in + 1, sizeof *ins);
    ax_array **res = calloc((size_t)(B * n_out), sizeof *res);
    ax_status st = AX_OK;
    if (!ins || !res) {
        st = ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
        goto done;
    }
    for (int64_t b = 0; b < B && st == AX_OK; b++) {
        for (int i = 0; i < n_in; i++) {
            ins[i] = in_axes[i] >= 0 ? element(ctx, inputs[i], b) : inputs[i];
            if (!ins[i]) st = ctx->status;
        }
        if (st != AX_OK) break;
        if (n_out == 1 && !node->out_specs) {
            res[b] = ax__make_op(ctx, node->op, ins, n_in, node->params, node->params_size, dts[0],
                                 shapes[0], nds[0]);
            if (!res[b]) st = ctx->status;
            else res[b]->weak = weak[0];
        } else {
            ax_array *o[64];
            st = ax__make_op_multi(ctx, node->op, ins, n_in, node->params, node->params_size, n_out,
                                   dts, shapes, nds, o);
            for (int j = 0; j < n_out && st == AX_OK; j++) res[(size_t)j * (size_t)B + (size_t)b] = o[j];
        }
    }
    for (int j = 0; j < n_out && st == AX_OK; j++) {
        outs[j] = ax_stack(ctx, res + (size_t)j * (size_t)B, (int)B, 0);
        out_axes[j] = 0;
        if (!outs[j]) st = ctx->status;
    }
done:
    free(ins);
    free(res);
    return st;
}

/* ---------------------------------------------------------------- the walk */

typedef struct vmap_payload {
    ax_closure *f;
    int n_in, n_out;
    int *in_axes;  /* n_in */
    int *out_axes; /* n_out */
} vmap_payload;

static void vmap_destroy(void *p) {
    vmap_payload *v = p;
    ax_closure_release(v->f);
    free(v->in_axes);
    free(v->out_axes);
    free(v);
}

/* vals: traced array -> its batched value (batch axis 0). */
static ax_status walk(ax_ctx *ctx, ax_trace_graph *g, ax_pmap *vals, int64_t B) {
    const ax_rule *rules = ax__rules();
    ax_status st = AX_OK;
    ax_array **ins = NULL, **outs = NULL;
    int *iax = NULL, *oax = NULL;
    size_t cap = 0;
    for (size_t k = 0; k < g->n && st == AX_OK; k++) {
        ax_node *node = g->nodes[k];
        int n_in = ax__visible_inputs(node), n_out = node->n_outputs;
        size_t need = (size_t)(n_in > n_out ? n_in : n_out) + 1;
        if (need > cap) {
            free(ins), free(outs), free(iax), free(oax);
            ins = calloc(need, sizeof *ins);
            outs = calloc(need, sizeof *outs);
            iax = calloc(need, sizeof *iax);
            oax = calloc(need, sizeof *oax);
            cap = need;
            if (!ins || !outs || !iax || !oax) {
                st = ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
                break;
            }
        }
        for (int i = 0; i < n_in; i++) {
            ax_array *in = node->inputs[i];
            ax_array *v = ax__pmap_get(vals, in);
            ins[i] = v ? v : in;
            iax[i] = v ? 0 : -1;
        }
        for (int j = 0; j < n_out; j++) {
            outs[j] = NULL;
            oax[j] = 0;
        }
        const ax_rule *r = &rules[node->op];
        st = r->vmap ? r->vmap(ctx, node, ins, iax, outs, oax)
                     : ax__vmap_fallback(ctx, node, ins, iax, outs, oax);
        if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
        for (int j = 0; j < n_out && st == AX_OK; j++) {
            ax_array *o = ax__node_output(node, j);
            if (!o) continue;
            ax_array *v = outs[j];
            if (!v) {
                st = ctx->status ? ctx->status
                                 : ax__fail(ctx, AX_ERR_INTERNAL,
                                            "vmap: the batching rule of '%s' gave no output %d",
                                            ax__op_info[node->op].name, j);
            } else if (oax[j] < 0) {
                v = ax__vmap_broadcast(ctx, v, B);
            } else if (oax[j] != 0) {
                v = ax_moveaxis(ctx, v, oax[j], 0);
            }
            if (st == AX_OK && v) {
                bool ok = v->ndim == o->ndim + 1 && v->shape[0] == B && v->dtype == o->dtype;
                for (int d = 0; ok && d < o->ndim; d++) ok = v->shape[d + 1] == o->shape[d];
                if (!ok)
                    st = ax__fail(ctx, AX_ERR_INTERNAL,
                                  "vmap: the batching rule of '%s' gave output %d of shape %s and "
                                  "dtype %s for an output of shape %s and dtype %s (batch %lld)",
                                  ax__op_info[node->op].name, j, AX_SHAPE(v),
                                  ax_dtype_name(v->dtype), AX_SHAPE(o), ax_dtype_name(o->dtype),
                                  (long long)B);
                else if (!ax__pmap_put(vals, o, v))
                    st = ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
            } else if (st == AX_OK) {
                st = ctx->status ? ctx->status : AX_ERR_INTERNAL;
            }
            ax_release(o);
        }
    }
    free(ins), free(outs), free(iax), free(oax);
    return st;
}

static ax_status vmap_call(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                           void *payload) {
    vmap_payload *vp = payload;
    int64_t B = -1;
    int first = -1;
    int *ax = calloc((size_t)n_in + 1, sizeof *ax);
    if (!ax) return ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    for (int i = 0; i < n_in; i++) {
        int a = vp->in_axes[i];
        ax[i] = -1;
        if (a == -1) continue;
        if (a < 0 || a >= in[i]->ndim) {
            free(ax);
            return ax__fail(ctx, AX_ERR_VALUE,
                            "vmap: in_axes[%d] = %d is out of range for input %d of shape %s (use "
                            "0 .. %d, or -1 for an unbatched input)",
                            i, a, i, AX_SHAPE(in[i]), in[i]->ndim - 1);
        }
        ax[i] = a;
        if (B < 0) {
            B = in[i]->shape[a];
            first = i;
        } else if (in[i]->shape[a] != B) {
            ax_status st = ax__fail(
                ctx, AX_ERR_SHAPE,
                "vmap: batch sizes differ: input %d has %lld along its axis %d, input %d has %lld "
                "along its axis %d",
                first, (long long)B, vp->in_axes[first], i, (long long)in[i]->shape[a], a);
            free(ax);
            return st;
        }
    }
    if (B < 0) {
        free(ax);
        return ax__fail(ctx, AX_ERR_VALUE,
                        "vmap: no input is batched (every in_axes entry is -1); at least one input "
                        "needs a batch axis");
    }
    ax_array **args = calloc((size_t)n_in + 1, sizeof *args);
    ax_array **o = calloc((size_t)n_out, sizeof *o);
    ax_array **res = calloc((size_t)n_out, sizeof *res);
    ax_trace_graph g = {0};
    ax_pmap vals = {0};
    ax_status st = AX_OK;
    if (!args || !o || !res) {
        st = ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
        goto done;
    }
    ax_scope_begin(ctx);
    ax_ad_trace t;
    ax__trace_push(ctx, &t);
    for (int i = 0; i < n_in && st == AX_OK; i++) {
        if (ax[i] < 0) {
            args[i] = in[i];
            continue;
        }
        ax_array *moved = ax_moveaxis(ctx, in[i], ax[i], 0);
        /* a placeholder of the unbatched shape (lazy, never computed) */
        ax_array *ph = moved ? ax_zeros(ctx, moved->shape + 1, moved->ndim - 1, moved->dtype) : NULL;
        if (ph) ph->weak = in[i]->weak;
        args[i] = ph ? ax__tracer(ctx, &t, ph) : NULL;
        if (!args[i]) st = ctx->status;
        else if (!ax__pmap_put(&g.tracers, args[i], (void *)(uintptr_t)(i + 1)) ||
                 !ax__pmap_put(&vals, args[i], moved))
            st = ax__fail(ctx, AX_ERR_OOM, "vmap: out of host memory");
    }
    if (st == AX_OK) st = ax_closure_call(ctx, vp->f, args, o);
    ax__trace_pop(ctx, &t);
    if (st == AX_OK) st = ax__trace_graph_collect(ctx, "vmap", &g, o, n_out);
    if (st == AX_OK) st = walk(ctx, &g, &vals, B);
    for (int j = 0; j < n_out && st == AX_OK; j++) {
        ax_array *v = ax__pmap_get(&vals, o[j]);
        if (!v) v = ax__vmap_broadcast(ctx, o[j], B); /* does not depend on a batched input */
        int r = o[j]->ndim + 1, a = vp->out_axes[j];
        if (a < -r || a >= r) {
            st = ax__fail(ctx, AX_ERR_VALUE,
                          "vmap: out_axes[%d] = %d is out of range for output %d of shape %s (the "
                          "batched output has %d axes)",
                          j, a, j, AX_SHAPE(o[j]), r);
            break;
        }
        if (a < 0) a += r;
        if (v && a != 0) v = ax_moveaxis(ctx, v, 0, a);
        res[j] = v;
        if (!v) st = ctx->status;
    }
    if (st == AX_OK && ctx->status != AX_OK) st = ctx->status;
    if (st == AX_OK)
        for (int j = 0; j < n_out; j++) ax_keep(ctx, res[j]);
    ax_scope_end(ctx);
    if (st == AX_OK) memcpy(out, res, sizeof *res * (size_t)n_out);
done:
    ax__trace_graph_free(&g);
    ax__pmap_free(&vals);
    free(args);
    free(o);
    free(res);
    free(ax);
    return st;
}

ax_closure *ax_vmap(ax_ctx *ctx, ax_closure *f, const int *in_axes, const int *out_axes) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "vmap: closure is NULL");
    if (f->n_in < 1)
        return ax__error(ctx, AX_ERR_VALUE, "vmap: the function has no inputs to batch");
    vmap_payload *vp = calloc(1, sizeof *vp);
    if (vp) {
        vp->in_axes = calloc((size_t)f->n_in, sizeof(int));
        vp->out_axes = calloc((size_t)f->n_out, sizeof(int));
    }
    if (!vp || !vp->in_axes || !vp->out_axes) {
        if (vp) free(vp->in_axes), free(vp->out_axes);
        free(vp);
        return ax__error(ctx, AX_ERR_OOM, "vmap: out of host memory");
    }
    bool any = false;
    for (int i = 0; i < f->n_in; i++) {
        int a = in_axes ? in_axes[i] : 0;
        if (a < -1 || a >= AX_MAX_NDIM) {
            free(vp->in_axes), free(vp->out_axes), free(vp);
            return ax__error(ctx, AX_ERR_VALUE,
                             "vmap: in_axes[%d] = %d is invalid (an axis 0 .. %d, or -1 for an "
                             "unbatched input)",
                             i, a, AX_MAX_NDIM - 1);
        }
        vp->in_axes[i] = a;
        any |= a >= 0;
    }
    if (!any) {
        free(vp->in_axes), free(vp->out_axes), free(vp);
        return ax__error(ctx, AX_ERR_VALUE,
                         "vmap: no input is batched (every in_axes entry is -1); at least one input "
                         "needs a batch axis");
    }
    for (int j = 0; j < f->n_out; j++) {
        int a = out_axes ? out_axes[j] : 0;
        if (a < -AX_MAX_NDIM || a >= AX_MAX_NDIM) {
            free(vp->in_axes), free(vp->out_axes), free(vp);
            return ax__error(ctx, AX_ERR_VALUE, "vmap: out_axes[%d] = %d is out of range", j, a);
        }
        vp->out_axes[j] = a;
    }
    vp->f = ax_closure_retain(f);
    vp->n_in = f->n_in;
    vp->n_out = f->n_out;
    ax_closure *g = ax_closure_new(ctx, vmap_call, f->n_in, f->n_out, vp, vmap_destroy);
    if (!g) vmap_destroy(vp);
    return g;
}

/* ---------------------------------------------------------------- custom vmap rules */

ax_closure *ax_custom_function_vmap(ax_ctx *ctx, ax_closure *f, ax_closure *vjp, ax_closure *jvp,
                                    ax_closure *vmap_rule) {
    if (!ctx) return NULL;
    if (!f) return ax__error(ctx, AX_ERR_NULL, "custom_function_vmap: closure is NULL");
    if (vmap_rule && (vmap_rule->n_in != f->n_in || vmap_rule->n_out != f->n_out))
        return ax__error(ctx, AX_ERR_VALUE,
                         "custom_function_vmap: the vmap closure has %d inputs and %d outputs; "
                         "for a function of %d inputs and %d outputs it needs %d and %d",
                         vmap_rule->n_in, vmap_rule->n_out, f->n_in, f->n_out, f->n_in, f->n_out);
    ax_closure *g = ax_custom_function(ctx, f, vjp, jvp);
    if (!g) return NULL;
    ax_custom_record *r = g->payload; /* ax_custom_function's payload */
    r->vmap = ax_closure_retain(vmap_rule);
    return g;
}
