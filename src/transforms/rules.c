/* The rule table: every family's registration function, called once. */
#include "transforms/rules.h"

#include <pthread.h>

/* Every family has a rules file (an empty registration function until the
 * family's engineer fills it), referenced strongly so static linking pulls
 * them all in. */

static ax_rule table[AX_OP_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fill(void) {
    ax_rules_register_fn families[] = {
        ax__rules_register_elementwise, ax__rules_register_reduce, ax__rules_register_shape,
        ax__rules_register_products,    ax__rules_register_transforms,
        ax__rules_register_scan_sort,   ax__rules_register_conv,   ax__rules_register_random,
        ax__rules_register_linalg,      ax__rules_register_fft,    ax__rules_register_extra,
        ax__rules_register_fp8,
        ax__rules_register_vmap,
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (families[i]) families[i](table);
}

const ax_rule *ax__rules(void) {
    pthread_once(&once, fill);
    return table;
}

/* ---------------------------------------------------------------- helpers */

ax_array *ax__rule_unbroadcast(ax_ctx *ctx, ax_array *g, const ax_array *like) {
    if (!g) return NULL;
    int nd = g->ndim, lead = g->ndim - like->ndim;
    if (lead < 0)
        return ax__error(ctx, AX_ERR_INTERNAL,
                         "vjp: cotangent of shape %s cannot be reduced to shape %s", AX_SHAPE(g),
                         AX_SHAPE(like));
    int axes[AX_MAX_NDIM], n = 0;
    bool same = lead == 0;
    for (int i = 0; i < nd; i++) {
        if (i < lead) {
            axes[n++] = i;
            continue;
        }
        int64_t want = like->shape[i - lead];
        if (want == g->shape[i]) continue;
        if (want != 1)
            return ax__error(ctx, AX_ERR_INTERNAL,
                             "vjp: cotangent of shape %s cannot be reduced to shape %s",
                             AX_SHAPE(g), AX_SHAPE(like));
        axes[n++] = i;
        same = false;
    }
    ax_array *r = g;
    if (n) r = ax_sum(ctx, r, axes, n, false);
    if (r && !same) r = ax_reshape(ctx, r, like->shape, like->ndim);
    if (r && r->dtype != like->dtype) r = ax_astype(ctx, r, like->dtype);
    return r;
}

ax_array *ax__rule_scalar(ax_ctx *ctx, double v, const ax_array *x) {
    if (x->weak) return ax_weak_float(ctx, v);
    return ax_scalar(ctx, v, x->dtype);
}

ax_array *ax__rule_zeros_like(ax_ctx *ctx, const ax_array *x) {
    return ax_zeros(ctx, x->shape, x->ndim, x->dtype);
}

ax_array *ax__rule_add(ax_ctx *ctx, ax_array *a, ax_array *b) {
    if (!a) return b;
    if (!b) return a;
    return ax_add(ctx, a, b);
}
