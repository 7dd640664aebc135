/* vmap check of every conformance case (CTest "conformance_vmap").
 *
 * Each case of every family's table is run at one dtype (float64 if the case
 * has it, else float32, int64, int32, bool, complex64 or its first dtype) as
 * a closure of all its inputs, under ax_vmap with a batch of 3, and compared
 * with an explicit loop over the batch (the case's build called on each
 * element, results stacked):
 *   run A: every input batched, along an axis chosen per input (the case
 *          name's hash plus the input's index, modulo rank + 1, so first,
 *          middle and last axes all occur);
 *   run B (cases of two or more inputs): input 0 batched along axis 0, the
 *          others unbatched (in_axes -1: the broadcast paths of the rules).
 * Batched input values are random in the case's range (index inputs in
 * [idx_lo, idx_hi], bool inputs random), different per batch element.
 * Results must have the loop's dtype and shape, and equal values within the
 * case's tolerance (conf_compare_host: NaN at the same places).
 * Cases whose loop reference fails (an op rejecting the dtype, indices out of
 * range for some element) are skipped and listed; cases without inputs
 * (creation ops) need no batching and are counted as such. At the end: the
 * ops covered by a passing case, and the ops batched by the generic
 * per-element fallback (no vmap rule in src/transforms/rules_vmap.c).
 * AX_CONF_FILTER=substring restricts the run as in the conformance test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "families.h"
#include "transforms/rules.h"

#define VC_B 3

static uint64_t rng;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static ax_dtype run_dtype(const conf_case *c) {
    const ax_dtype pref[] = {AX_FLOAT64, AX_FLOAT32, AX_INT64, AX_INT32, AX_BOOL, AX_COMPLEX64};
    for (size_t k = 0; k < sizeof pref / sizeof pref[0]; k++)
        if (c->dtypes & CONF_DT(pref[k])) return pref[k];
    for (int t = 0; t < AX_DTYPE_COUNT; t++)
        if (c->dtypes & CONF_DT(t)) return (ax_dtype)t;
    return AX_FLOAT64;
}

typedef struct vc_state {
    const conf_case *c;
} vc_state;

static ax_status vc_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *payload) {
    (void)n_in, (void)n_out;
    const vc_state *s = payload;
    out[0] = s->c->build(ctx, in, s->c);
    return out[0] ? AX_OK : ax_error_code(ctx);
}

/* Random values for input i of shape (shape, nd) at dtype t. */
static ax_array *make_input(ax_ctx *ctx, const conf_case *c, int i, ax_dtype t,
                            const int64_t *shape, int nd) {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    bool integer = !ax_dtype_is_inexact(t);
    for (int64_t e = 0; e < n; e++) {
        if (c->index_mask & (1u << i))
            v[e] = (double)(c->idx_lo + (int64_t)(urand() * (double)(c->idx_hi - c->idx_lo + 1)));
        else if ((c->bool_mask & (1u << i)) || t == AX_BOOL) v[e] = urand() < 0.5;
        else {
            v[e] = c->lo + (c->hi - c->lo) * urand();
            if (integer) {
                v[e] = floor(v[e] + 0.5);
                if (!ax_dtype_is_signed_integer(t) && v[e] < 0) v[e] = 0;
            }
        }
    }
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT64, shape, nd);
    free(v);
    if (a && t != AX_FLOAT64) a = ax_astype(ctx, a, t);
    return a ? ax_contiguous(ctx, a) : NULL;
}

/* Element b along axis (row-major). */
static ax_array *element(ax_ctx *ctx, ax_array *x, int axis, int64_t b) {
    ax_array *s = ax_slice_axis(ctx, x, axis, b, b + 1, 1);
    return ax_contiguous(ctx, ax_squeeze(ctx, s, &axis, 1));
}

static void *host(ax_ctx *ctx, ax_array *a) {
    size_t nb = (size_t)ax_size(a) * ax_dtype_size(ax_dtype_of(a));
    void *p = malloc(nb ? nb : 1);
    if (ax_copy_to(ctx, a, p, nb) != AX_OK) {
        free(p);
        return NULL;
    }
    return p;
}

typedef enum { VC_PASS, VC_FAIL, VC_SKIP, VC_NOINPUT } vc_outcome;

static vc_outcome run(ax_ctx *ctx, const conf_case *c, ax_dtype dt, const int *axes, char *msg,
                      size_t cap) {
    vc_state s = {c};
    ax_array *in[CONF_MAX_IN];
    for (int i = 0; i < c->n_in; i++) {
        int64_t sh[CONF_MAX_DIM + 1];
        int nd = c->ndim[i];
        if (axes[i] < 0) {
            memcpy(sh, c->shape[i], sizeof(int64_t) * (size_t)nd);
        } else {
            for (int d = 0, k = 0; d <= nd; d++) sh[d] = d == axes[i] ? VC_B : c->shape[i][k++];
            nd++;
        }
        in[i] = make_input(ctx, c, i, conf_input_dtype(c, i, dt), sh, nd);
    }
    if (ax_error_code(ctx) != AX_OK) {
        snprintf(msg, cap, "inputs: %s", ax_error_message(ctx));
        ax_error_clear(ctx);
        return VC_FAIL;
    }
    ax_closure *f = ax_closure_new(ctx, vc_fn, c->n_in, 1, &s, NULL);
    /* the loop */
    ax_array *parts[VC_B], *want = NULL, *got = NULL;
    for (int64_t b = 0; b < VC_B; b++) {
        ax_array *el[CONF_MAX_IN];
        for (int i = 0; i < c->n_in; i++) el[i] = axes[i] < 0 ? in[i] : element(ctx, in[i], axes[i], b);
        if (ax_closure_call(ctx, f, el, &parts[b]) != AX_OK) break;
    }
    if (ax_error_code(ctx) == AX_OK) want = ax_stack(ctx, parts, VC_B, 0);
    if (want) ax_eval1(ctx, want);
    if (ax_error_code(ctx) != AX_OK) {
        snprintf(msg, cap, "loop reference: %s", ax_error_message(ctx));
        ax_error_clear(ctx);
        ax_closure_release(f);
        return VC_SKIP;
    }
    /* vmap */
    vc_outcome r = VC_PASS;
    ax_closure *v = ax_vmap(ctx, f, axes, NULL);
    if (!v || ax_closure_call(ctx, v, in, &got) != AX_OK || ax_eval1(ctx, got) != AX_OK) {
        snprintf(msg, cap, "vmap: %s", ax_error_message(ctx));
        r = VC_FAIL;
    } else if (ax_dtype_of(got) != ax_dtype_of(want) || ax_ndim(got) != ax_ndim(want) ||
               memcmp(ax_shape(got), ax_shape(want), sizeof(int64_t) * (size_t)ax_ndim(want))) {
        snprintf(msg, cap, "vmap gives %s %s, the loop %s %s", ax_dtype_name(ax_dtype_of(got)),
                 AX_SHAPE(got), ax_dtype_name(ax_dtype_of(want)), AX_SHAPE(want));
        r = VC_FAIL;
    } else {
        void *hg = host(ctx, got), *hw = host(ctx, want);
        if (!hg || !hw) {
            snprintf(msg, cap, "copy: %s", ax_error_message(ctx));
            r = VC_FAIL;
        } else if (!conf_compare_host(ax_dtype_of(got), hg, hw, ax_size(got), c->tol > 0 ? c->tol : 1,
                                      msg, cap)) {
            r = VC_FAIL;
        }
        free(hg);
        free(hw);
    }
    ax_error_clear(ctx);
    ax_closure_release(v);
    ax_closure_release(f);
    return r;
}


int main(void) {
    const conf_case *const tables[] = {CONF_TABLES};
    const char *filter = getenv("AX_CONF_FILTER");
    const char *vs = getenv("AX_CONF_VERBOSE");
    bool verbose = vs && *vs && *vs != '0';
    ax_ctx *ctx = ax_ctx_new();
    const ax_rule *rules = ax__rules();
    bool passed[AX_OP_COUNT] = {0}, seen[AX_OP_COUNT] = {0};
    int counts[4] = {0}, problems = 0, runs = 0;
    const char *names[4] = {"passed", "FAILED", "skipped (the loop reference fails)",
                            "no inputs (nothing to batch)"};
    for (size_t ti = 0; ti < sizeof tables / sizeof *tables; ti++) {
        if (!tables[ti]) continue;
        for (const conf_case *c = tables[ti]; c->name; c++) {
            if (filter && !strstr(c->name, filter)) continue;
            int ops[16];
            int nops = conf_parse_covers(c, ops, 16, stdout);
            for (int k = 0; k < nops; k++) seen[ops[k]] = true;
            if (c->n_in == 0) {
                if (verbose) printf("case %s: no inputs\n", c->name);
                counts[VC_NOINPUT]++;
                continue;
            }
            rng = 0x2545F4914F6CDD1Dull;
            uint64_t h = 1469598103934665603ull;
            for (const char *p = c->name; *p; p++) h = (h ^ (uint64_t)(unsigned char)*p) * 0x100000001B3ull;
            rng ^= h;
            if (!rng) rng = 1;
            ax_dtype dt = run_dtype(c);
            int axA[CONF_MAX_IN], axB[CONF_MAX_IN];
            for (int i = 0; i < c->n_in; i++) {
                axA[i] = (int)(((h >> 7) + (uint64_t)i) % (uint64_t)(c->ndim[i] + 1));
                axB[i] = i == 0 ? 0 : -1;
            }
            const int *variants[2] = {axA, axB};
            int nvar = c->n_in >= 2 ? 2 : 1;
            vc_outcome worst = VC_PASS;
            for (int vi = 0; vi < nvar; vi++) {
                char msg[512] = "";
                if (verbose) {
                    printf("case %s run %c\n", c->name, 'A' + vi);
                    fflush(stdout);
                }
                ax_scope_begin(ctx);
                vc_outcome r = run(ctx, c, dt, variants[vi], msg, sizeof msg);
                ax_scope_end(ctx);
                runs++;
                if (r == VC_FAIL) {
                    problems++;
                    printf("FAIL %s (%s, run %c): %s\n", c->name, ax_dtype_name(dt), 'A' + vi, msg);
                } else if (r == VC_SKIP) {
                    printf("skip %s (%s, run %c): %s\n", c->name, ax_dtype_name(dt), 'A' + vi, msg);
                }
                if (r != VC_PASS && worst != VC_FAIL) worst = r;
            }
            counts[worst]++;
            if (worst == VC_PASS)
                for (int k = 0; k < nops; k++) passed[ops[k]] = true;
        }
    }
    printf("\nvmap check: %d runs over ", runs);
    for (int k = 0; k < 4; k++) printf("%s%d %s", k ? ", " : "", counts[k], names[k]);
    printf(" cases\n");
    printf("ops with a vmap rule covered by a passing case:");
    for (int op = 0; op < AX_OP_COUNT; op++)
        if (passed[op] && rules[op].vmap) printf(" %s", ax__op_info[op].name);
    printf("\nops batched by the per-element fallback (no rule; creation ops are never batched), "
           "covered by a passing case:");
    for (int op = 0; op < AX_OP_COUNT; op++)
        if (passed[op] && !rules[op].vmap && !(ax__op_info[op].flags & AX_F_CREATE))
            printf(" %s", ax__op_info[op].name);
    printf("\nops in the cases with no passing case:");
    for (int op = 0; op < AX_OP_COUNT; op++)
        if (seen[op] && !passed[op] && !(ax__op_info[op].flags & AX_F_CREATE))
            printf(" %s", ax__op_info[op].name);
    printf("\n");
    ax_ctx_free(ctx);
    if (problems) printf("%d problems\n", problems);
    return problems ? 1 : 0;
}
