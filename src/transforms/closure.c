/* Closures: a function over arrays with a payload, refcounted. */
#include <stdlib.h>

#include "transforms/transforms_internal.h"

ax_closure *ax_closure_new(ax_ctx *ctx, ax_fn fn, int n_in, int n_out, void *payload,
                           void (*destroy)(void *payload)) {
    if (!ctx) return NULL;
    if (!fn) return ax__error(ctx, AX_ERR_VALUE, "closure_new: fn is NULL");
    if (n_in < 0 || n_out < 1)
        return ax__error(ctx, AX_ERR_VALUE,
                         "closure_new: %d inputs and %d outputs (need n_in >= 0, n_out >= 1)",
                         n_in, n_out);
    ax_closure *f = malloc(sizeof *f);
    if (!f) return ax__error(ctx, AX_ERR_OOM, "closure_new: out of host memory");
    atomic_init(&f->refs, 1);
    f->fn = fn;
    f->n_in = n_in;
    f->n_out = n_out;
    f->payload = payload;
    f->destroy = destroy;
    return f;
}

ax_closure *ax_closure_retain(ax_closure *f) {
    if (f) atomic_fetch_add(&f->refs, 1);
    return f;
}

void ax_closure_release(ax_closure *f) {
    if (!f || atomic_fetch_sub(&f->refs, 1) != 1) return;
    if (f->destroy) f->destroy(f->payload);
    free(f);
}

int ax_closure_n_in(const ax_closure *f) { return f ? f->n_in : -1; }
int ax_closure_n_out(const ax_closure *f) { return f ? f->n_out : -1; }

ax_status ax_closure_call(ax_ctx *ctx, const ax_closure *f, ax_array *const *in, ax_array **out) {
    if (!ctx) return AX_ERR_NULL;
    if (!f) return ax__fail(ctx, AX_ERR_NULL, "closure_call: closure is NULL");
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "closure_call: output array list is NULL");
    for (int j = 0; j < f->n_out; j++) out[j] = NULL;
    if (f->n_in > 0 && !in) return ax__fail(ctx, AX_ERR_NULL, "closure_call: input list is NULL");
    for (int i = 0; i < f->n_in; i++)
        if (!in[i]) {
            /* a failed op upstream keeps its own message */
            if (ctx->status == AX_OK)
                ax__fail(ctx, AX_ERR_NULL, "closure_call: input %d of %d is NULL", i, f->n_in);
            return ctx->status;
        }
    ax_status st = f->fn(ctx, in, f->n_in, out, f->n_out, f->payload);
    if (st == AX_OK)
        for (int j = 0; j < f->n_out; j++)
            if (!out[j]) {
                st = ctx->status != AX_OK
                         ? ctx->status
                         : ax__fail(ctx, AX_ERR_VALUE,
                                    "closure_call: the closure left output %d of %d NULL", j,
                                    f->n_out);
                break;
            }
    if (st != AX_OK) {
        if (ctx->status == AX_OK) ax__fail(ctx, st, "closure_call: the closure failed (%s)", ax_status_name(st));
        for (int j = 0; j < f->n_out; j++) out[j] = NULL;
        return ctx->status;
    }
    return AX_OK;
}
