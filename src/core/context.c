/* Contexts and scopes. */
#include <stdlib.h>

#include "core/internal.h"

const char *ax_version(void) { return "0.1.0"; }

ax_ctx *ax_ctx_new(void) {
    ax_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->scopes.mark_cap = 16;
    ctx->scopes.marks = calloc((size_t)ctx->scopes.mark_cap, sizeof(size_t));
    if (!ctx->scopes.marks) {
        free(ctx);
        return NULL;
    }
    ctx->scopes.depth = 1; /* the root scope */
    ctx->print = (ax_print_options){.precision = 8, .threshold = 1000, .edgeitems = 3,
                                    .suppress = false, .linewidth = 75};
    return ctx;
}

void ax_ctx_free(ax_ctx *ctx) {
    if (!ctx) return;
    ax_wait(ctx);
    for (size_t i = ctx->scopes.len; i-- > 0;) ax_release(ctx->scopes.items[i]);
    free(ctx->scopes.items);
    free(ctx->scopes.marks);
    free(ctx);
}

void ax_scope_begin(ax_ctx *ctx) {
    if (!ctx) return;
    ax_ctx_scopes *s = &ctx->scopes;
    if (s->depth == s->mark_cap) {
        size_t *m = realloc(s->marks, sizeof(size_t) * (size_t)s->mark_cap * 2);
        if (!m) {
            /* Nest into the current scope instead; record the failure. */
            ax__error(ctx, AX_ERR_OOM, "scope_begin: out of memory");
            return;
        }
        s->marks = m;
        s->mark_cap *= 2;
    }
    s->marks[s->depth++] = s->len;
}

void ax_scope_end(ax_ctx *ctx) {
    if (!ctx || ctx->scopes.depth <= 1) return;
    ax_ctx_scopes *s = &ctx->scopes;
    size_t start = s->marks[--s->depth];
    /* Release newest first so consumers die before their inputs. */
    while (s->len > start) ax_release(s->items[--s->len]);
}

ax_array *ax__own(ax_ctx *ctx, ax_array *a) {
    if (!a) return NULL;
    ax_ctx_scopes *s = &ctx->scopes;
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        ax_array **items = realloc(s->items, cap * sizeof *items);
        if (!items) {
            ax_release(a);
            return ax__error(ctx, AX_ERR_OOM, "out of memory growing the scope");
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->len++] = a;
    return a;
}

ax_array *ax_keep(ax_ctx *ctx, ax_array *a) {
    if (!ctx || !a) return a;
    ax_ctx_scopes *s = &ctx->scopes;
    if (!ax__own(ctx, ax_retain(a))) return NULL;
    if (s->depth <= 1) return a; /* root scope: nothing encloses it */
    /* Move the new entry to the end of the parent's region: swap it with the
     * first entry of the innermost scope and shift that scope's start. */
    size_t *start = &s->marks[s->depth - 1];
    ax_array *t = s->items[*start];
    s->items[*start] = s->items[s->len - 1];
    s->items[s->len - 1] = t;
    (*start)++;
    return a;
}

ax_array *ax_retain(ax_array *a) {
    if (a) atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
    return a;
}
