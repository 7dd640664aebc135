/* CUDA graphs over closures (ax/device.h): capture a closure's GPU launches
 * once, replay them with one launch. The recording itself is the backend's
 * (capture_begin/capture_end in src/backend/cuda/runtime.c); this file runs
 * the closure around it and keeps the graph's input and output arrays. */
#include <stdlib.h>

#include "core/device.h"
#include "core/internal.h"

struct ax_gpu_graph {
    ax_stream stream;
    int n_in, n_out;
    ax_array **in;  /* the graph reads these buffers: replay copies inputs in */
    ax_array **out; /* the graph writes these: replay copies them out */
    void *exec;     /* the backend's graph */
};

static const char *const OP = "graph_capture";

void ax_gpu_graph_free(ax_gpu_graph *g) {
    if (!g) return;
    /* outputs first: their memory is the graph's, freed with it */
    for (int i = 0; i < g->n_out; i++) ax_release(g->out[i]);
    for (int i = 0; i < g->n_in; i++) ax_release(g->in[i]);
    if (g->exec) ax__gpu()->graph_free(g->exec);
    free(g->in);
    free(g->out);
    free(g);
}

int ax_gpu_graph_n_outputs(const ax_gpu_graph *g) { return g ? g->n_out : 0; }

/* Evaluated row-major device copies of arrays (one eval). */
static ax_status device_copies(ax_ctx *ctx, ax_array *const *src, int n, ax_array **dst) {
    for (int i = 0; i < n; i++) dst[i] = ax_retain(ax_copy(ctx, src[i]));
    for (int i = 0; i < n; i++)
        if (!dst[i]) return ctx->status ? ctx->status : AX_ERR_NULL;
    return ax_eval(ctx, dst, n);
}

/* Call fn on in and evaluate row-major copies of its outputs into out
 * (references the caller owns). */
static ax_status run_once(ax_ctx *ctx, ax_closure *fn, ax_array **in, ax_array **out, int n_out) {
    ax_scope_begin(ctx);
    ax_array **raw = calloc((size_t)n_out, sizeof *raw);
    ax_status st = raw ? ax_closure_call(ctx, fn, in, raw) : ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", OP);
    if (st == AX_OK) st = device_copies(ctx, raw, n_out, out);
    free(raw);
    ax_scope_end(ctx);
    return st;
}

ax_gpu_graph *ax_gpu_graph_capture(ax_ctx *ctx, ax_closure *fn, ax_array *const *inputs, int n_in) {
    AX_CHECK_CTX(ctx);
    if (!fn) return ax__error(ctx, AX_ERR_NULL, "%s: closure is NULL", OP);
    const ax_gpu_backend *be = ax__gpu();
    if (!be || !ax__stream_is_gpu(ctx->stream))
        return ax__error(ctx, AX_ERR_UNSUPPORTED,
                         "%s: the default device must be a GPU (ax_set_default_device)", OP);
    if (ctx->capturing) return ax__error(ctx, AX_ERR_VALUE, "%s: a capture is already open", OP);
    if (n_in != ax_closure_n_in(fn))
        return ax__error(ctx, AX_ERR_VALUE, "%s: %d inputs given, the closure takes %d", OP, n_in,
                         ax_closure_n_in(fn));
    for (int i = 0; i < n_in; i++)
        if (!inputs || !inputs[i]) return ax__null_input(ctx, OP);
    ax_gpu_graph *g = calloc(1, sizeof *g);
    int n_out = ax_closure_n_out(fn);
    if (g) {
        g->in = calloc((size_t)(n_in ? n_in : 1), sizeof *g->in);
        g->out = calloc((size_t)n_out, sizeof *g->out);
    }
    if (!g || !g->in || !g->out) {
        if (g) free(g->in), free(g->out), free(g);
        return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", OP);
    }
    g->stream = ctx->stream;
    g->n_in = n_in;
    ax_status st = device_copies(ctx, inputs, n_in, g->in);
    /* Warm-up run: whatever happens once (JIT builds, handles, workspaces)
     * happens outside the recording. */
    ax_array **warm = calloc((size_t)n_out, sizeof *warm);
    if (!warm && st == AX_OK) st = ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", OP);
    if (st == AX_OK) st = run_once(ctx, fn, g->in, warm, n_out);
    for (int i = 0; warm && i < n_out; i++) ax_release(warm[i]);
    free(warm);
    if (st == AX_OK) st = ax_synchronize(ctx, ctx->stream.device);
    if (st == AX_OK) st = be->capture_begin(ctx, g->stream.device.index, g->stream.index);
    if (st == AX_OK) {
        ctx->capturing = true;
        st = run_once(ctx, fn, g->in, g->out, n_out);
        ctx->capturing = false;
        if (st == AX_OK) g->n_out = n_out;
        else /* what the failed recording made goes before its memory does */
            for (int i = 0; i < n_out; i++) ax_release(g->out[i]), g->out[i] = NULL;
        ax_status end = be->capture_end(ctx, st == AX_OK, &g->exec);
        if (st == AX_OK) st = end;
    }
    if (st != AX_OK) {
        g->n_out = n_out;
        ax_gpu_graph_free(g);
        return NULL;
    }
    return g;
}

ax_status ax_gpu_graph_replay(ax_ctx *ctx, ax_gpu_graph *g, ax_array *const *inputs, int n_in,
                              ax_array **outputs, int n_out) {
    if (!ctx) return AX_ERR_NULL;
    const char *op = "graph_replay";
    if (!g) return ax__fail(ctx, AX_ERR_NULL, "%s: graph is NULL", op);
    if (n_in != g->n_in || n_out != g->n_out)
        return ax__fail(ctx, AX_ERR_VALUE, "%s: the graph takes %d inputs and gives %d outputs, not %d and %d",
                        op, g->n_in, g->n_out, n_in, n_out);
    const ax_gpu_backend *be = ax__gpu();
    int dev = g->stream.device.index, stream = g->stream.index;
    ax_status st = AX_OK;
    ax_scope_begin(ctx);
    for (int i = 0; i < n_in && st == AX_OK; i++) {
        ax_array *x = inputs ? inputs[i] : NULL, *want = g->in[i];
        if (!x) {
            ax__null_input(ctx, op);
            st = ctx->status;
            break;
        }
        if (x->dtype != want->dtype || x->ndim != want->ndim ||
            memcmp(x->shape, want->shape, sizeof(int64_t) * (size_t)x->ndim) != 0) {
            st = ax__fail(ctx, AX_ERR_SHAPE, "%s: input %d is %s %s; the graph was captured with %s %s", op,
                          i, AX_SHAPE(x), ax_dtype_name(x->dtype), AX_SHAPE(want), ax_dtype_name(want->dtype));
            break;
        }
        st = ax_eval1(ctx, x);
        if (st == AX_OK && (!x->contiguous || x->offset != 0)) {
            x = ax_copy(ctx, x); /* built on the default stream; evaluated there */
            st = x ? ax_eval1(ctx, x) : ctx->status;
        }
        if (st == AX_OK) st = be->to_device(ctx, x->buf, dev, stream, op);
        if (st == AX_OK) st = be->copy_device(ctx, want->buf, x->buf, ax_nbytes(want), dev, stream);
    }
    if (st == AX_OK) st = be->graph_launch(ctx, g->exec);
    for (int i = 0; i < n_out && st == AX_OK; i++) {
        ax_array *src = g->out[i];
        ax_array *r = ax__array_new(ctx, src->dtype, src->shape, src->ndim);
        if (!r) {
            st = ctx->status;
            break;
        }
        r->buf = ax__buffer_new_empty(ctx, ax_nbytes(src));
        st = r->buf ? be->alloc(ctx, r->buf, dev, stream, op) : ctx->status;
        if (st == AX_OK) st = be->copy_device(ctx, r->buf, src->buf, ax_nbytes(src), dev, stream);
        if (st != AX_OK) {
            ax_release(r);
            break;
        }
        outputs[i] = ax_keep(ctx, ax__own(ctx, r));
    }
    ax_scope_end(ctx);
    if (st != AX_OK)
        for (int i = 0; outputs && i < n_out; i++) outputs[i] = NULL;
    return st;
}
