/* einsum: NumPy's subscript grammar, a contraction path (NumPy's greedy or
 * optimal search, or none), and each step lowered to existing primitives.
 *
 * 1. Parsing turns every operand's subscripts into labels: letters 'A'..'Z'
 *    are 0..25, 'a'..'z' 26..51 (ASCII order, which is the implicit output's
 *    order), and the dimensions an ellipsis covers are labels 52.. aligned to
 *    the right across operands (as broadcasting aligns them). A label of size
 *    1 in one operand broadcasts against a larger size elsewhere.
 * 2. The path is chosen on the label sets exactly as numpy.einsum_path does
 *    (same greedy rule, memory limit and FLOP model), so ax_einsum_path
 *    reports what NumPy reports.
 * 3. Each operand is prepared: a label repeated inside one operand becomes a
 *    diagonal view (ax_diagonal), broadcast size-1 axes are squeezed, labels
 *    no other operand and not the output use are summed.
 * 4. Each pairwise contraction of A and B keeping the labels the output or a
 *    remaining operand needs is: batch labels (in both, kept), contracted
 *    labels (in both, not kept), M (only A) and N (only B). Floating and
 *    complex operands with a contraction go through one batched matmul:
 *    A as (batch..., M, K), B as (batch..., K, N) (transposes are views,
 *    which matmul hands to BLAS without copies when a matrix axis is
 *    unit-stride; reshapes merge label groups). Integer and bool operands,
 *    and steps without a contracted label (outer and Hadamard products),
 *    are a broadcast multiply followed by a sum over the contracted axes.
 *    A step of more than two operands (NumPy's path does that when every
 *    label is kept, or as its fallback) runs as a chain of pairs.
 * 5. The last result is transposed (a view) into the output's order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"

#define ES_MAX_OPS AX_EINSUM_MAX_OPERANDS
#define ES_LETTERS 52
#define ES_NLAB (ES_LETTERS + AX_MAX_NDIM)
#define ES_ELL 255 /* the ellipsis in a raw term */

typedef struct lset {
    uint64_t w[2];
} lset;

static inline void ls_add(lset *s, int l) { s->w[l >> 6] |= UINT64_C(1) << (l & 63); }
static inline bool ls_has(lset s, int l) { return (s.w[l >> 6] >> (l & 63)) & 1; }
static inline lset ls_or(lset a, lset b) { return (lset){{a.w[0] | b.w[0], a.w[1] | b.w[1]}}; }
static inline lset ls_and(lset a, lset b) { return (lset){{a.w[0] & b.w[0], a.w[1] & b.w[1]}}; }
static inline lset ls_minus(lset a, lset b) { return (lset){{a.w[0] & ~b.w[0], a.w[1] & ~b.w[1]}}; }
static inline bool ls_empty(lset a) { return !(a.w[0] | a.w[1]); }
static inline bool ls_eq(lset a, lset b) { return a.w[0] == b.w[0] && a.w[1] == b.w[1]; }
static inline int ls_count(lset a) {
    return __builtin_popcountll(a.w[0]) + __builtin_popcountll(a.w[1]);
}

typedef struct es_spec {
    const char *str;
    int n;                           /* operands */
    int nlab[ES_MAX_OPS];            /* labels per operand (= its ndim) */
    uint8_t lab[ES_MAX_OPS][AX_MAX_NDIM];
    int nout;
    uint8_t out[ES_NLAB];
    int nell;                        /* dimensions the widest ellipsis covers */
    int64_t size[ES_NLAB];
    char name[ES_NLAB];              /* printable letter of each label */
    lset in_set[ES_MAX_OPS], out_set;
} es_spec;

static int letter_label(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
    return -1;
}

/* ---------------------------------------------------------------- parsing */

typedef struct raw_term {
    int n;
    uint8_t c[AX_MAX_NDIM + 1]; /* labels, or ES_ELL */
    int pos[AX_MAX_NDIM + 1];   /* position in the string */
    int ell;                    /* index of the ellipsis in c, -1 if none */
    int start;                  /* position of the term in the string */
} raw_term;

/* Parse and check subscripts against the operands' shapes; false with an
 * error recorded. op names the calling function in messages. */
static bool parse(ax_ctx *ctx, const char *op, const char *s, ax_array *const *ops, int n,
                  es_spec *sp) {
    memset(sp, 0, sizeof *sp);
    sp->str = s;
    if (!s) {
        ax__error(ctx, AX_ERR_NULL, "%s: subscripts are NULL", op);
        return false;
    }
    if (n < 1 || n > ES_MAX_OPS) {
        ax__error(ctx, AX_ERR_VALUE, "%s: %d operands given (1 to %d are supported)", op, n,
                  ES_MAX_OPS);
        return false;
    }
    if (!ops) {
        ax__error(ctx, AX_ERR_NULL, "%s: the operand list is NULL", op);
        return false;
    }
    for (int i = 0; i < n; i++)
        if (!ops[i]) {
            ax__null_input(ctx, op);
            return false;
        }
    raw_term terms[ES_MAX_OPS + 1];
    int nterm = 1;
    bool arrow = false;
    memset(&terms[0], 0, sizeof terms[0]);
    terms[0].ell = -1;
    for (int i = 0; s[i]; i++) {
        char c = s[i];
        raw_term *t = &terms[nterm - 1];
        if (c == ' ' || c == '\t' || c == '\n') continue;
        if (letter_label(c) >= 0 || c == '.') {
            bool ell = c == '.';
            if (ell && (s[i + 1] != '.' || s[i + 2] != '.')) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: '.' at position %d of \"%s\" is not part of an ellipsis '...'", op,
                          i, s);
                return false;
            }
            if (ell && t->ell >= 0) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: second ellipsis at position %d of \"%s\" (one per operand)", op, i,
                          s);
                return false;
            }
            if (t->n > AX_MAX_NDIM) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: more than %d subscripts in the term at position %d of \"%s\"", op,
                          AX_MAX_NDIM, t->start, s);
                return false;
            }
            if (ell) t->ell = t->n;
            t->pos[t->n] = i;
            t->c[t->n++] = ell ? ES_ELL : (uint8_t)letter_label(c);
            if (ell) i += 2;
        } else if (c == ',') {
            if (arrow) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: ',' at position %d of \"%s\": the output (after '->') is one term",
                          op, i, s);
                return false;
            }
            if (nterm == ES_MAX_OPS) {
                ax__error(ctx, AX_ERR_VALUE, "%s: more than %d operands in \"%s\"", op,
                          ES_MAX_OPS, s);
                return false;
            }
            memset(&terms[nterm], 0, sizeof terms[nterm]);
            terms[nterm].ell = -1;
            terms[nterm++].start = i + 1;
        } else if (c == '-' || c == '>') {
            if (c == '-' && s[i + 1] != '>') {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: '-' at position %d of \"%s\" is not followed by '>'", op, i, s);
                return false;
            }
            if (c == '>') {
                ax__error(ctx, AX_ERR_VALUE, "%s: '>' at position %d of \"%s\" without '-'", op,
                          i, s);
                return false;
            }
            if (arrow) {
                ax__error(ctx, AX_ERR_VALUE, "%s: second '->' at position %d of \"%s\"", op, i,
                          s);
                return false;
            }
            arrow = true;
            memset(&terms[nterm], 0, sizeof terms[nterm]);
            terms[nterm].ell = -1;
            terms[nterm++].start = i + 2;
            i++;
        } else {
            ax__error(ctx, AX_ERR_VALUE,
                      "%s: invalid character '%c' at position %d of \"%s\" (subscripts are "
                      "letters, ',', '->' and '...')",
                      op, c, i, s);
            return false;
        }
    }
    int nin = arrow ? nterm - 1 : nterm;
    if (nin != n) {
        ax__error(ctx, AX_ERR_VALUE, "%s: subscripts \"%s\" name %d operand%s but %d %s given",
                  op, s, nin, nin == 1 ? "" : "s", n, n == 1 ? "was" : "were");
        return false;
    }
    sp->n = n;
    /* ellipsis widths */
    int ne[ES_MAX_OPS];
    for (int k = 0; k < n; k++) {
        const raw_term *t = &terms[k];
        int letters = t->n - (t->ell >= 0);
        ax_array *a = ops[k];
        if (t->ell < 0 ? a->ndim != letters : a->ndim < letters) {
            ax__error(ctx, AX_ERR_SHAPE,
                      "%s: operand %d has shape %s (%d dimension%s) but its subscripts at "
                      "position %d of \"%s\" name %d%s",
                      op, k, AX_SHAPE(a), a->ndim, a->ndim == 1 ? "" : "s", t->start, s, letters,
                      t->ell >= 0 ? " plus an ellipsis" : "");
            return false;
        }
        ne[k] = t->ell >= 0 ? a->ndim - letters : 0;
        if (ne[k] > sp->nell) sp->nell = ne[k];
    }
    /* labels and sizes (size 1 broadcasts) */
    int first[ES_NLAB];
    for (int l = 0; l < ES_NLAB; l++) {
        sp->size[l] = -1;
        first[l] = -1;
    }
    for (int k = 0; k < n; k++) {
        const raw_term *t = &terms[k];
        ax_array *a = ops[k];
        int d = 0;
        for (int j = 0; j < t->n; j++) {
            if (t->c[j] == ES_ELL) {
                for (int e = 0; e < ne[k]; e++) sp->lab[k][d++] = (uint8_t)(ES_LETTERS + sp->nell - ne[k] + e);
            } else {
                sp->lab[k][d++] = t->c[j];
            }
        }
        sp->nlab[k] = d;
        for (int j = 0; j < d; j++) {
            int l = sp->lab[k][j];
            int64_t dim = a->shape[j];
            ls_add(&sp->in_set[k], l);
            /* a label repeated inside one operand takes a diagonal: equal sizes */
            for (int i = 0; i < j; i++)
                if (sp->lab[k][i] == l && a->shape[i] != dim) {
                    ax__error(ctx, AX_ERR_SHAPE,
                              "%s: operand %d (shape %s) repeats subscript '%c' over axes %d and "
                              "%d of different sizes (%lld and %lld)",
                              op, k, AX_SHAPE(a), l < 26 ? 'A' + l : 'a' + l - 26,
                              i, j, (long long)a->shape[i], (long long)dim);
                    return false;
                }
            if (sp->size[l] < 0 || sp->size[l] == 1) {
                if (sp->size[l] != 1 || dim != 1) first[l] = k;
                sp->size[l] = dim;
            } else if (dim != 1 && dim != sp->size[l]) {
                if (l < ES_LETTERS)
                    ax__error(ctx, AX_ERR_SHAPE,
                              "%s: subscript '%c' has size %lld in operand %d but size %lld in "
                              "operand %d (shapes %s and %s)",
                              op, l < 26 ? 'A' + l : 'a' + l - 26, (long long)sp->size[l], first[l],
                              (long long)dim, k, AX_SHAPE(ops[first[l]]), AX_SHAPE(a));
                else
                    ax__error(ctx, AX_ERR_SHAPE,
                              "%s: the ellipsis dimensions of operands %d and %d (shapes %s and "
                              "%s) cannot be broadcast together",
                              op, first[l], k, AX_SHAPE(ops[first[l]]), AX_SHAPE(a));
                return false;
            }
        }
    }
    lset all = {{0, 0}};
    for (int k = 0; k < n; k++) all = ls_or(all, sp->in_set[k]);
    /* output */
    if (arrow) {
        const raw_term *t = &terms[n];
        lset seen = {{0, 0}};
        for (int j = 0; j < t->n; j++) {
            if (t->c[j] == ES_ELL) {
                for (int e = 0; e < sp->nell; e++) {
                    sp->out[sp->nout++] = (uint8_t)(ES_LETTERS + e);
                    ls_add(&seen, ES_LETTERS + e);
                }
                continue;
            }
            int l = t->c[j];
            if (ls_has(seen, l)) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: output subscript '%c' at position %d of \"%s\" appears more than once",
                          op, s[t->pos[j]], t->pos[j], s);
                return false;
            }
            if (!ls_has(all, l)) {
                ax__error(ctx, AX_ERR_VALUE,
                          "%s: output subscript '%c' at position %d of \"%s\" appears in no input",
                          op, s[t->pos[j]], t->pos[j], s);
                return false;
            }
            ls_add(&seen, l);
            sp->out[sp->nout++] = (uint8_t)l;
        }
        /* without '...' in the output the ellipsis dimensions are summed
         * (as numpy.einsum(optimize=True) and opt_einsum do) */
    } else {
        /* implicit: the ellipsis dimensions, then the letters that occur
         * exactly once, in ASCII order */
        int count[ES_LETTERS] = {0};
        for (int k = 0; k < n; k++)
            for (int j = 0; j < sp->nlab[k]; j++)
                if (sp->lab[k][j] < ES_LETTERS) count[sp->lab[k][j]]++;
        for (int e = 0; e < sp->nell; e++) sp->out[sp->nout++] = (uint8_t)(ES_LETTERS + e);
        for (int l = 0; l < ES_LETTERS; l++)
            if (count[l] == 1) sp->out[sp->nout++] = (uint8_t)l;
    }
    if (sp->nout > AX_MAX_NDIM) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: the output of \"%s\" would have %d dimensions (at most %d)",
                  op, s, sp->nout, AX_MAX_NDIM);
        return false;
    }
    for (int j = 0; j < sp->nout; j++) ls_add(&sp->out_set, sp->out[j]);
    /* printable names: letters as written, ellipsis dimensions take unused
     * letters in ASCII order (as NumPy's einsum_path does) */
    for (int l = 0; l < ES_LETTERS; l++) sp->name[l] = (char)(l < 26 ? 'A' + l : 'a' + l - 26);
    int next = 0;
    for (int e = 0; e < sp->nell; e++) {
        while (next < ES_LETTERS && ls_has(all, next)) next++;
        sp->name[ES_LETTERS + e] = next < ES_LETTERS ? sp->name[next++] : '?';
    }
    return true;
}

/* ---------------------------------------------------------------- path */

static double set_size(lset s, const int64_t *size) {
    double r = 1;
    for (int l = 0; l < ES_NLAB; l++)
        if (ls_has(s, l)) r *= (double)size[l];
    return r;
}

/* NumPy's _flop_count. */
static double flop_count(lset contract, bool inner, int nterms, const int64_t *size) {
    int f = nterms - 1 > 1 ? nterms - 1 : 1;
    if (inner) f++;
    return set_size(contract, size) * f;
}

/* NumPy's _find_contraction for the operands whose bit is set in `pos`. */
static void find_contraction(uint64_t pos, const lset *sets, int n, lset out, lset *result,
                             lset *removed, lset *contract) {
    lset c = {{0, 0}}, remain = out;
    for (int i = 0; i < n; i++) {
        if (pos >> i & 1) c = ls_or(c, sets[i]);
        else remain = ls_or(remain, sets[i]);
    }
    *result = ls_and(remain, c);
    *removed = ls_minus(c, *result);
    *contract = c;
}

typedef struct es_path {
    int nsteps;
    int len[ES_MAX_OPS];
    int pos[ES_MAX_OPS][ES_MAX_OPS]; /* ascending positions in the current list */
} es_path;

static void path_push(es_path *p, const int *pos, int k) {
    p->len[p->nsteps] = k;
    for (int i = 0; i < k; i++) p->pos[p->nsteps][i] = pos[i];
    p->nsteps++;
}

static void path_all(es_path *p, int n) {
    int pos[ES_MAX_OPS];
    for (int i = 0; i < n; i++) pos[i] = i;
    path_push(p, pos, n);
}

typedef struct cand {
    double neg_removed, cost;
    int x, y;
    lset result; /* as computed when the candidate was made (NumPy keeps it) */
} cand;

static bool cand_less(const cand *a, const cand *b) {
    return a->neg_removed < b->neg_removed ||
           (a->neg_removed == b->neg_removed && a->cost < b->cost);
}

/* NumPy's _parse_possible_contraction. */
static bool possible(int x, int y, const lset *sets, int n, lset out, const int64_t *size,
                     double limit, double path_cost, double naive, cand *c) {
    lset res, rem, con;
    find_contraction((UINT64_C(1) << x) | (UINT64_C(1) << y), sets, n, out, &res, &rem, &con);
    double new_size = set_size(res, size);
    if (new_size > limit) return false;
    double removed = set_size(sets[x], size) + set_size(sets[y], size) - new_size;
    double cost = flop_count(con, !ls_empty(rem), 2, size);
    if (path_cost + cost > naive) return false;
    *c = (cand){-removed, cost, x, y, res};
    return true;
}

/* NumPy's _greedy_path, step for step (candidates are kept between steps
 * with their positions renumbered, ties go to the first found). */
static void greedy_path(const lset *in, int n, lset out, const int64_t *size, double limit,
                        es_path *p) {
    lset sets[ES_MAX_OPS];
    memcpy(sets, in, sizeof(lset) * (size_t)n);
    if (n <= 2) {
        path_all(p, n);
        return;
    }
    lset res, rem, con;
    find_contraction((n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1), sets, n, out, &res, &rem,
                     &con);
    double naive = flop_count(con, !ls_empty(rem), n, size), path_cost = 0;
    cand known[ES_MAX_OPS * ES_MAX_OPS];
    int nk = 0, cur = n, newpos = -1;
    for (int it = 0; it < n - 1; it++) {
        for (int x = 0; x < cur; x++)
            for (int y = x + 1; y < cur; y++) {
                if (newpos >= 0 && y != newpos) continue; /* after step 1: pairs with the new one */
                if (ls_empty(ls_and(sets[x], sets[y]))) continue;
                if (possible(x, y, sets, cur, out, size, limit, path_cost, naive, &known[nk]))
                    nk++;
            }
        if (nk == 0) {
            for (int x = 0; x < cur; x++)
                for (int y = x + 1; y < cur; y++)
                    if (possible(x, y, sets, cur, out, size, limit, path_cost, naive, &known[nk]))
                        nk++;
            if (nk == 0) {
                path_all(p, cur);
                return;
            }
        }
        int b = 0;
        for (int i = 1; i < nk; i++)
            if (cand_less(&known[i], &known[b])) b = i;
        cand best = known[b];
        int bx = best.x, by = best.y, m = 0;
        for (int i = 0; i < nk; i++) {
            cand c = known[i];
            if (c.x == bx || c.x == by || c.y == bx || c.y == by) continue;
            c.x -= (c.x > bx) + (c.x > by);
            c.y -= (c.y > bx) + (c.y > by);
            known[m++] = c;
        }
        nk = m;
        /* remove bx < by, append the result */
        int w = 0;
        for (int i = 0; i < cur; i++)
            if (i != bx && i != by) sets[w++] = sets[i];
        sets[w++] = best.result;
        cur = w;
        newpos = cur - 1;
        path_push(p, (int[]){bx, by}, 2);
        path_cost += best.cost;
    }
}

/* Exhaustive search (NumPy's "optimal"): the pairwise path of least total
 * FLOPs whose intermediates fit the memory limit; ties go to the first in
 * NumPy's enumeration order. Depth-first with pruning on the cost so far. */
typedef struct opt_state {
    lset out;
    const int64_t *size;
    double limit, best;
    int depth;
    int cur[ES_MAX_OPS][2], bestpath[ES_MAX_OPS][2];
    bool found;
} opt_state;

static void optimal_rec(opt_state *st, const lset *sets, int n, double cost) {
    if (n == 1) {
        if (!st->found || cost < st->best) {
            st->found = true;
            st->best = cost;
            memcpy(st->bestpath, st->cur, sizeof st->cur);
        }
        return;
    }
    for (int x = 0; x < n; x++)
        for (int y = x + 1; y < n; y++) {
            lset res, rem, con;
            find_contraction((UINT64_C(1) << x) | (UINT64_C(1) << y), sets, n, st->out, &res, &rem,
                             &con);
            if (set_size(res, st->size) > st->limit) continue;
            double c = cost + flop_count(con, !ls_empty(rem), 2, st->size);
            if (st->found && c >= st->best) continue;
            lset next[ES_MAX_OPS];
            int w = 0;
            for (int i = 0; i < n; i++)
                if (i != x && i != y) next[w++] = sets[i];
            next[w++] = res;
            st->cur[st->depth][0] = x;
            st->cur[st->depth][1] = y;
            st->depth++;
            optimal_rec(st, next, w, c);
            st->depth--;
        }
}

#define ES_OPTIMAL_MAX 10

static bool choose_path(ax_ctx *ctx, const char *op, const es_spec *sp, ax_einsum_optimize how,
                        es_path *p) {
    memset(p, 0, sizeof *p);
    int n = sp->n;
    /* NumPy's memory limit: the largest input or output (inputs counted
     * with repeated subscripts) */
    double limit = 1;
    for (int j = 0; j < sp->nout; j++) limit *= (double)sp->size[sp->out[j]];
    for (int k = 0; k < n; k++) {
        double s = 1;
        for (int j = 0; j < sp->nlab[k]; j++) s *= (double)sp->size[sp->lab[k][j]];
        if (s > limit) limit = s;
    }
    lset all = {{0, 0}};
    for (int k = 0; k < n; k++) all = ls_or(all, sp->in_set[k]);
    if (how != AX_EINSUM_GREEDY && how != AX_EINSUM_OPTIMAL && how != AX_EINSUM_NONE) {
        ax__error(ctx, AX_ERR_VALUE, "%s: unknown optimize mode %d", op, (int)how);
        return false;
    }
    if (how == AX_EINSUM_NONE || n <= 2 || ls_eq(all, sp->out_set)) {
        path_all(p, n);
        return true;
    }
    if (how == AX_EINSUM_OPTIMAL) {
        if (n > ES_OPTIMAL_MAX) {
            ax__error(ctx, AX_ERR_VALUE,
                      "%s: the optimal path search takes at most %d operands (got %d); use the "
                      "greedy path",
                      op, ES_OPTIMAL_MAX, n);
            return false;
        }
        opt_state st;
        memset(&st, 0, sizeof st);
        st.out = sp->out_set;
        st.size = sp->size;
        st.limit = limit;
        optimal_rec(&st, sp->in_set, n, 0);
        if (st.found) {
            for (int i = 0; i < n - 1; i++) path_push(p, st.bestpath[i], 2);
            return true;
        }
        /* nothing fits the memory limit: fall back to the greedy rule */
    }
    greedy_path(sp->in_set, n, sp->out_set, sp->size, limit, p);
    return true;
}

/* ---------------------------------------------------------------- report */

/* Labels of s sorted by (size, name) into buf, as NumPy names intermediates. */
static int sorted_names(const es_spec *sp, lset s, char *buf) {
    int labs[ES_NLAB], n = 0;
    for (int l = 0; l < ES_NLAB; l++)
        if (ls_has(s, l)) labs[n++] = l;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int a = labs[j - 1], b = labs[j];
            bool gt = sp->size[a] > sp->size[b] ||
                      (sp->size[a] == sp->size[b] && sp->name[a] > sp->name[b]);
            if (!gt) break;
            labs[j - 1] = b;
            labs[j] = a;
        }
    for (int i = 0; i < n; i++) buf[i] = sp->name[labs[i]];
    buf[n] = 0;
    return n;
}

typedef struct rbuf {
    char *p;
    size_t cap, len;
} rbuf;

static void rb_printf(rbuf *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rb_printf(rbuf *r, const char *fmt, ...) {
    if (!r->p || r->len + 1 >= r->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->p + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (k > 0) r->len = r->len + (size_t)k < r->cap ? r->len + (size_t)k : r->cap - 1;
}

static void fill_info(const es_spec *sp, const es_path *p, ax_einsum_path_info *info, char *report,
                      size_t cap) {
    int n = sp->n;
    lset sets[ES_MAX_OPS];
    char terms[ES_MAX_OPS][ES_NLAB + 1];
    for (int k = 0; k < n; k++) {
        sets[k] = sp->in_set[k];
        for (int j = 0; j < sp->nlab[k]; j++) terms[k][j] = sp->name[sp->lab[k][j]];
        terms[k][sp->nlab[k]] = 0;
    }
    char outs[ES_NLAB + 1];
    for (int j = 0; j < sp->nout; j++) outs[j] = sp->name[sp->out[j]];
    outs[sp->nout] = 0;
    lset all = {{0, 0}};
    int sum_unique = 0;
    for (int k = 0; k < n; k++) {
        all = ls_or(all, sets[k]);
        sum_unique += ls_count(sets[k]);
    }
    double opt = 0, largest = 0;
    int max_scale = 0, cur = n;
    double costs[ES_MAX_OPS];
    int scales[ES_MAX_OPS];
    typedef char step_line[4 * ES_NLAB + 8];
    typedef char remain_line[ES_MAX_OPS * (ES_NLAB + 1) + 8];
    step_line *step_str = calloc(ES_MAX_OPS, sizeof *step_str);
    remain_line *remain_str = calloc(ES_MAX_OPS, sizeof *remain_str);
    if (!step_str || !remain_str) {
        /* the report is optional: without memory for it, give the numbers only */
        free(step_str);
        free(remain_str);
        step_str = NULL;
        remain_str = NULL;
    }
    for (int s = 0; s < p->nsteps; s++) {
        uint64_t mask = 0;
        for (int i = 0; i < p->len[s]; i++) mask |= UINT64_C(1) << p->pos[s][i];
        lset res, rem, con;
        find_contraction(mask, sets, cur, sp->out_set, &res, &rem, &con);
        costs[s] = flop_count(con, !ls_empty(rem), p->len[s], sp->size);
        scales[s] = ls_count(con);
        double sz = set_size(res, sp->size);
        opt += costs[s];
        if (sz > largest) largest = sz;
        if (scales[s] > max_scale) max_scale = scales[s];
        /* the step's string: operands popped from the highest position */
        char dummy[4 * ES_NLAB + 8];
        char *line = step_str ? step_str[s] : dummy;
        rbuf r = {line, sizeof dummy, 0};
        line[0] = 0;
        for (int i = p->len[s] - 1; i >= 0; i--)
            rb_printf(&r, "%s%s", i == p->len[s] - 1 ? "" : ",", terms[p->pos[s][i]]);
        char resn[ES_NLAB + 1];
        if (s == p->nsteps - 1) memcpy(resn, outs, sizeof outs);
        else sorted_names(sp, res, resn);
        rb_printf(&r, "->%s", resn);
        int w = 0;
        for (int i = 0; i < cur; i++) {
            if (mask >> i & 1) continue;
            sets[w] = sets[i];
            memmove(terms[w], terms[i], sizeof terms[i]);
            w++;
        }
        sets[w] = res;
        memcpy(terms[w], resn, sizeof resn);
        cur = w + 1;
        rbuf q = {remain_str ? remain_str[s] : NULL, sizeof(remain_line), 0};
        if (q.p) q.p[0] = 0;
        for (int i = 0; i < cur; i++) rb_printf(&q, "%s%s", i ? "," : "", terms[i]);
        rb_printf(&q, "->%s", outs);
    }
    opt += 1; /* as NumPy */
    bool inner = sum_unique - ls_count(all) > 0;
    double naive = flop_count(all, inner, n, sp->size);
    if (info) {
        memset(info, 0, sizeof *info);
        info->nsteps = p->nsteps;
        for (int s = 0; s < p->nsteps; s++) {
            info->step_len[s] = p->len[s];
            for (int i = 0; i < p->len[s]; i++) info->steps[s][i] = p->pos[s][i];
            info->step_flops[s] = costs[s];
        }
        info->naive_flops = naive;
        info->optimized_flops = opt;
        info->speedup = naive / opt;
        info->largest_intermediate = largest;
        info->naive_scaling = ls_count(all);
        info->optimized_scaling = max_scale;
    }
    if (report && cap && step_str) {
        rbuf r = {report, cap, 0};
        report[0] = 0;
        char full[ES_MAX_OPS * (ES_NLAB + 1) + ES_NLAB + 8];
        rbuf f = {full, sizeof full, 0};
        full[0] = 0;
        for (int k = 0; k < n; k++) {
            char t[ES_NLAB + 1];
            for (int j = 0; j < sp->nlab[k]; j++) t[j] = sp->name[sp->lab[k][j]];
            t[sp->nlab[k]] = 0;
            rb_printf(&f, "%s%s", k ? "," : "", t);
        }
        rb_printf(&f, "->%s", outs);
        rb_printf(&r, "  Complete contraction:  %s\n", full);
        rb_printf(&r, "         Naive scaling:  %d\n", ls_count(all));
        rb_printf(&r, "     Optimized scaling:  %d\n", max_scale);
        rb_printf(&r, "      Naive FLOP count:  %.3e\n", naive);
        rb_printf(&r, "  Optimized FLOP count:  %.3e\n", opt);
        rb_printf(&r, "   Theoretical speedup:  %.3f\n", naive / opt);
        rb_printf(&r, "  Largest intermediate:  %.3e elements\n", largest);
        rb_printf(&r, "--------------------------------------------------------------------------\n");
        rb_printf(&r, "%6s %24s %40s\n", "scaling", "current", "remaining");
        rb_printf(&r, "--------------------------------------------------------------------------");
        for (int s = 0; s < p->nsteps; s++)
            rb_printf(&r, "\n%4d    %24s %40s", scales[s], step_str[s], remain_str[s]);
    } else if (report && cap) {
        report[0] = 0;
    }
    free(step_str);
    free(remain_str);
}

/* ---------------------------------------------------------------- lowering */

typedef struct tensor {
    ax_array *a;
    int n;
    uint8_t lab[AX_MAX_NDIM];
} tensor;

static lset tensor_set(const tensor *t) {
    lset s = {{0, 0}};
    for (int i = 0; i < t->n; i++) ls_add(&s, t->lab[i]);
    return s;
}

/* Sum t over the axes whose labels are in `drop`, keeping the dtype as NumPy
 * does (integers wrap in their own dtype, bool is "any"). */
static bool reduce_labels(ax_ctx *ctx, tensor *t, lset drop) {
    int axes[AX_MAX_NDIM], na = 0, w = 0;
    for (int i = 0; i < t->n; i++) {
        if (ls_has(drop, t->lab[i])) axes[na++] = i;
        else t->lab[w++] = t->lab[i];
    }
    if (!na) return true;
    ax_dtype dt = t->a->dtype;
    ax_array *r = dt == AX_BOOL ? ax_any(ctx, t->a, axes, na, false)
                                : ax_sum(ctx, t->a, axes, na, false);
    if (r && r->dtype != dt) r = ax_astype(ctx, r, dt);
    t->a = r;
    t->n = w;
    return r != NULL;
}

/* Prepare operand k: diagonals for repeated labels, squeeze broadcast size-1
 * axes, sum labels used by nothing else. */
static bool prepare(ax_ctx *ctx, const es_spec *sp, int k, ax_array *a, tensor *t) {
    t->a = a;
    t->n = sp->nlab[k];
    memcpy(t->lab, sp->lab[k], (size_t)t->n);
    for (;;) {
        int p = -1, q = -1;
        for (int j = 0; j < t->n && p < 0; j++)
            for (int i = 0; i < j; i++)
                if (t->lab[i] == t->lab[j]) {
                    p = i;
                    q = j;
                    break;
                }
        if (p < 0) break;
        uint8_t l = t->lab[p];
        if (!(t->a = ax_diagonal(ctx, t->a, 0, p, q))) return false;
        int w = 0;
        for (int i = 0; i < t->n; i++)
            if (i != p && i != q) t->lab[w++] = t->lab[i];
        t->lab[w++] = l;
        t->n = w;
    }
    int sq[AX_MAX_NDIM], nsq = 0, w = 0;
    for (int i = 0; i < t->n; i++) {
        if (t->a->shape[i] == 1 && sp->size[t->lab[i]] != 1) sq[nsq++] = i;
        else t->lab[w++] = t->lab[i];
    }
    if (nsq) {
        if (!(t->a = ax_squeeze(ctx, t->a, sq, nsq))) return false;
        t->n = w;
    }
    /* Two loops, not one with `if (j != k)`: GCC 12.2 at -O3 with AVX2 or
     * AVX-512 vectorizes that conditional OR over the 16-byte sets with
     * masked loads whose mask lanes are one 8-byte word off the data, so
     * some in_set[j] were left out (for k = 0 with 6 or more operands,
     * in_set[1]) and the gaps were filled from stale stack slots: operand 0
     * of an 11-matrix chain lost its shared label and was summed over it
     * (docs/design.md, Known issues). */
    lset others = sp->out_set;
    for (int j = 0; j < k; j++) others = ls_or(others, sp->in_set[j]);
    for (int j = k + 1; j < sp->n; j++) others = ls_or(others, sp->in_set[j]);
    return reduce_labels(ctx, t, ls_minus(tensor_set(t), others));
}

/* Transpose t so that its labels come in `order` (a permutation of them). */
static ax_array *arrange(ax_ctx *ctx, const tensor *t, const uint8_t *order) {
    int perm[AX_MAX_NDIM];
    bool id = true;
    for (int i = 0; i < t->n; i++) {
        for (int j = 0; j < t->n; j++)
            if (t->lab[j] == order[i]) perm[i] = j;
        id = id && perm[i] == i;
    }
    return id ? t->a : ax_transpose(ctx, t->a, perm, t->n);
}

static ax_array *reshape_if(ax_ctx *ctx, ax_array *a, const int64_t *shape, int nd) {
    if (!a) return NULL;
    if (a->ndim == nd) {
        bool same = true;
        for (int i = 0; i < nd; i++) same = same && a->shape[i] == shape[i];
        if (same) return a;
    }
    return ax_reshape(ctx, a, shape, nd);
}

/* Position of label l in list (n entries), or a large value. */
static int rank_in(const uint8_t *list, int n, int l) {
    for (int i = 0; i < n; i++)
        if (list[i] == l) return i;
    return 1 << 20;
}

/* Sort labels by their rank in `pref` (stable: labels not in pref keep
 * their order, after the others). */
static void sort_by(uint8_t *labs, int n, const uint8_t *pref, int np) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && rank_in(pref, np, labs[j - 1]) > rank_in(pref, np, labs[j]); j--) {
            uint8_t t = labs[j];
            labs[j] = labs[j - 1];
            labs[j - 1] = t;
        }
}

/* Elements of a broadcast product above which an integer or bool
 * contraction is summed in slices of its contracted axes, so the
 * intermediate stays bounded (matmul cannot take these dtypes). */
#define ES_PRODUCT_LIMIT (double)(1 << 24)
#define ES_MAX_CHUNKS 1024

/* sum over the trailing nk axes of x * y (broadcast, nd axes) in slices of
 * the flattened contracted axes; integers add in dt (wrapping as one sum
 * would), bool ors. */
static bool chunked_product(ax_ctx *ctx, ax_array *x, ax_array *y, int nd, int nk, double outsz,
                            double ksz, ax_dtype dt, tensor *R) {
    int64_t sx[AX_MAX_NDIM], sy[AX_MAX_NDIM], k = (int64_t)ksz;
    int m = nd - nk;
    for (int i = 0; i < m; i++) {
        sx[i] = x->shape[i];
        sy[i] = y->shape[i];
    }
    sx[m] = sy[m] = k;
    x = ax_reshape(ctx, x, sx, m + 1);
    y = ax_reshape(ctx, y, sy, m + 1);
    if (!x || !y) return false;
    int64_t blk = (int64_t)(ES_PRODUCT_LIMIT / outsz);
    int64_t minblk = (k + ES_MAX_CHUNKS - 1) / ES_MAX_CHUNKS;
    if (blk < minblk) blk = minblk;
    if (blk < 1) blk = 1;
    ax_array *acc = NULL;
    for (int64_t k0 = 0; k0 < k; k0 += blk) {
        int64_t k1 = k0 + blk < k ? k0 + blk : k;
        tensor P = {ax_multiply(ctx, ax_slice_axis(ctx, x, m, k0, k1, 1),
                                ax_slice_axis(ctx, y, m, k0, k1, 1)),
                    m + 1,
                    {0}};
        if (!P.a) return false;
        if (P.a->dtype != dt && !(P.a = ax_astype(ctx, P.a, dt))) return false;
        lset drop = {{0, 0}};
        for (int i = 0; i <= m; i++) P.lab[i] = (uint8_t)i;
        ls_add(&drop, m);
        if (!reduce_labels(ctx, &P, drop)) return false;
        acc = !acc ? P.a : dt == AX_BOOL ? ax_logical_or(ctx, acc, P.a) : ax_add(ctx, acc, P.a);
        if (!acc) return false;
    }
    R->a = acc;
    return true;
}

/* Contract A and B keeping the labels in `keep`; the result's labels come
 * as batch, M, N (ordered by `pref` where it names them). */
static bool contract_pair(ax_ctx *ctx, const es_spec *sp, tensor A, tensor B, lset keep,
                          const uint8_t *pref, int npref, tensor *R) {
    lset sa = tensor_set(&A), sb = tensor_set(&B);
    if (!reduce_labels(ctx, &A, ls_minus(sa, ls_or(sb, keep))) ||
        !reduce_labels(ctx, &B, ls_minus(sb, ls_or(sa, keep))))
        return false;
    sa = tensor_set(&A);
    sb = tensor_set(&B);
    /* put the operand whose kept labels come first in pref on the left */
    if (npref) {
        int ra = 1 << 20, rb = 1 << 20;
        for (int i = 0; i < A.n; i++)
            if (!ls_has(sb, A.lab[i]) && rank_in(pref, npref, A.lab[i]) < ra)
                ra = rank_in(pref, npref, A.lab[i]);
        for (int i = 0; i < B.n; i++)
            if (!ls_has(sa, B.lab[i]) && rank_in(pref, npref, B.lab[i]) < rb)
                rb = rank_in(pref, npref, B.lab[i]);
        if (rb < ra) {
            tensor t = A;
            A = B;
            B = t;
            lset u = sa;
            sa = sb;
            sb = u;
        }
    }
    uint8_t bl[AX_MAX_NDIM], ml[AX_MAX_NDIM], nl[AX_MAX_NDIM], kl[AX_MAX_NDIM];
    int nb = 0, nm = 0, nn = 0, nk = 0;
    for (int i = 0; i < A.n; i++) {
        int l = A.lab[i];
        if (!ls_has(sb, l)) ml[nm++] = (uint8_t)l;
        else if (ls_has(keep, l)) bl[nb++] = (uint8_t)l;
        else kl[nk++] = (uint8_t)l;
    }
    for (int i = 0; i < B.n; i++)
        if (!ls_has(sa, B.lab[i])) nl[nn++] = B.lab[i];
    if (npref) {
        sort_by(bl, nb, pref, npref);
        sort_by(ml, nm, pref, npref);
        sort_by(nl, nn, pref, npref);
    }
    if (nb + nm + nn > AX_MAX_NDIM || nb + nm + nn + nk > AX_MAX_NDIM) {
        ax__error(ctx, AX_ERR_SHAPE, "einsum: an intermediate of \"%s\" has more than %d dimensions",
                  sp->str, AX_MAX_NDIM);
        return false;
    }
    ax_array *ins[2] = {A.a, B.a};
    ax_dtype dt = ax__result_type(ins, 2, NULL);
    uint8_t oa[AX_MAX_NDIM], ob[AX_MAX_NDIM];
    int64_t sha[AX_MAX_NDIM], shb[AX_MAX_NDIM];
    R->n = 0;
    for (int i = 0; i < nb; i++) R->lab[R->n++] = bl[i];
    for (int i = 0; i < nm; i++) R->lab[R->n++] = ml[i];
    for (int i = 0; i < nn; i++) R->lab[R->n++] = nl[i];
    if (!ax_dtype_is_inexact(dt) || nk == 0) {
        /* broadcast multiply: A as (batch, M, 1.., K), B as (batch, 1.., N, K) */
        int d = 0;
        for (int i = 0; i < nb; i++) oa[d++] = bl[i];
        for (int i = 0; i < nm; i++) oa[d++] = ml[i];
        for (int i = 0; i < nk; i++) oa[d++] = kl[i];
        d = 0;
        for (int i = 0; i < nb; i++) ob[d++] = bl[i];
        for (int i = 0; i < nn; i++) ob[d++] = nl[i];
        for (int i = 0; i < nk; i++) ob[d++] = kl[i];
        int nd = 0;
        for (int i = 0; i < nb; i++) sha[nd] = shb[nd] = sp->size[bl[i]], nd++;
        for (int i = 0; i < nm; i++) sha[nd] = sp->size[ml[i]], shb[nd] = 1, nd++;
        for (int i = 0; i < nn; i++) sha[nd] = 1, shb[nd] = sp->size[nl[i]], nd++;
        for (int i = 0; i < nk; i++) sha[nd] = shb[nd] = sp->size[kl[i]], nd++;
        ax_array *x = reshape_if(ctx, arrange(ctx, &A, oa), sha, nd);
        ax_array *y = reshape_if(ctx, arrange(ctx, &B, ob), shb, nd);
        double outsz = 1, ksz = 1;
        for (int i = 0; i < nd - nk; i++) outsz *= (double)(sha[i] > shb[i] ? sha[i] : shb[i]);
        for (int i = nd - nk; i < nd; i++) ksz *= (double)sha[i];
        if (nk && outsz * ksz > ES_PRODUCT_LIMIT && ksz > 1)
            return chunked_product(ctx, x, y, nd, nk, outsz, ksz, dt, R);
        tensor P = {ax_multiply(ctx, x, y), nd, {0}};
        if (!P.a) return false;
        if (P.a->dtype != dt && !(P.a = ax_astype(ctx, P.a, dt))) return false;
        memcpy(P.lab, R->lab, (size_t)R->n);
        memcpy(P.lab + R->n, kl, (size_t)nk);
        lset drop = {{0, 0}};
        for (int i = 0; i < nk; i++) ls_add(&drop, kl[i]);
        if (!reduce_labels(ctx, &P, drop)) return false;
        R->a = P.a;
        return true;
    }
    /* batched matmul: (batch, M, K) @ (batch, K, N) */
    int64_t pm = 1, pn = 1, pk = 1;
    int d = 0;
    for (int i = 0; i < nb; i++) oa[d++] = bl[i];
    for (int i = 0; i < nm; i++) oa[d++] = ml[i], pm *= sp->size[ml[i]];
    for (int i = 0; i < nk; i++) oa[d++] = kl[i], pk *= sp->size[kl[i]];
    d = 0;
    for (int i = 0; i < nb; i++) ob[d++] = bl[i];
    for (int i = 0; i < nk; i++) ob[d++] = kl[i];
    for (int i = 0; i < nn; i++) ob[d++] = nl[i], pn *= sp->size[nl[i]];
    for (int i = 0; i < nb; i++) sha[i] = shb[i] = sp->size[bl[i]];
    sha[nb] = pm;
    sha[nb + 1] = pk;
    shb[nb] = pk;
    shb[nb + 1] = pn;
    ax_array *x = reshape_if(ctx, arrange(ctx, &A, oa), sha, nb + 2);
    ax_array *y = reshape_if(ctx, arrange(ctx, &B, ob), shb, nb + 2);
    ax_array *c = ax_matmul(ctx, x, y);
    int64_t shc[AX_MAX_NDIM];
    int nc = 0;
    for (int i = 0; i < nb; i++) shc[nc++] = sp->size[bl[i]];
    for (int i = 0; i < nm; i++) shc[nc++] = sp->size[ml[i]];
    for (int i = 0; i < nn; i++) shc[nc++] = sp->size[nl[i]];
    R->a = reshape_if(ctx, c, shc, nc);
    return R->a != NULL;
}

/* Run the path. */
static ax_array *execute(ax_ctx *ctx, const es_spec *sp, ax_array *const *ops, const es_path *p) {
    tensor list[ES_MAX_OPS];
    int cur = sp->n;
    for (int k = 0; k < sp->n; k++)
        if (!prepare(ctx, sp, k, ops[k], &list[k])) return NULL;
    for (int s = 0; s < p->nsteps; s++) {
        bool last = s == p->nsteps - 1;
        /* the labels other operands of the list still need */
        lset rest = sp->out_set;
        uint64_t mask = 0;
        for (int i = 0; i < p->len[s]; i++) mask |= UINT64_C(1) << p->pos[s][i];
        for (int i = 0; i < cur; i++)
            if (!(mask >> i & 1)) rest = ls_or(rest, tensor_set(&list[i]));
        tensor acc = list[p->pos[s][0]];
        if (p->len[s] == 1) {
            if (!reduce_labels(ctx, &acc, ls_minus(tensor_set(&acc), rest))) return NULL;
        }
        for (int i = 1; i < p->len[s]; i++) {
            lset keep = rest;
            for (int j = i + 1; j < p->len[s]; j++) keep = ls_or(keep, tensor_set(&list[p->pos[s][j]]));
            bool fin = last && i == p->len[s] - 1;
            tensor r;
            if (!contract_pair(ctx, sp, acc, list[p->pos[s][i]], keep, fin ? sp->out : NULL,
                               fin ? sp->nout : 0, &r))
                return NULL;
            acc = r;
        }
        int w = 0;
        for (int i = 0; i < cur; i++)
            if (!(mask >> i & 1)) list[w++] = list[i];
        list[w++] = acc;
        cur = w;
    }
    tensor *t = &list[0];
    if (!reduce_labels(ctx, t, ls_minus(tensor_set(t), sp->out_set))) return NULL;
    if (t->n != sp->nout)
        return ax__error(ctx, AX_ERR_INTERNAL, "einsum: result of \"%s\" has %d labels, expected %d",
                         sp->str, t->n, sp->nout);
    return arrange(ctx, t, sp->out);
}

/* ---------------------------------------------------------------- public */

ax_array *ax_einsum_opt(ax_ctx *ctx, const char *subscripts, ax_array *const *operands, int n,
                        ax_einsum_optimize optimize) {
    AX_CHECK_CTX(ctx);
    es_spec *sp = ax__malloc(ctx, sizeof *sp);
    es_path *p = ax__malloc(ctx, sizeof *p);
    ax_array *out = NULL;
    if (sp && p && parse(ctx, "einsum", subscripts, operands, n, sp) &&
        choose_path(ctx, "einsum", sp, optimize, p)) {
        out = execute(ctx, sp, operands, p);
        /* a result that is an input itself (e.g. "ij->ij") gets a reference
         * owned by the scope, as every op's result is */
        for (int k = 0; out && k < n; k++)
            if (out == operands[k]) {
                out = ax__own(ctx, ax_retain(out));
                break;
            }
    }
    free(sp);
    free(p);
    return out;
}

ax_array *ax_einsum(ax_ctx *ctx, const char *subscripts, ax_array *const *operands, int n) {
    return ax_einsum_opt(ctx, subscripts, operands, n, AX_EINSUM_GREEDY);
}

ax_status ax_einsum_path(ax_ctx *ctx, const char *subscripts, ax_array *const *operands, int n,
                         ax_einsum_optimize optimize, ax_einsum_path_info *info, char *report,
                         size_t report_cap) {
    if (!ctx) return AX_ERR_NULL;
    es_spec *sp = ax__malloc(ctx, sizeof *sp);
    es_path *p = ax__malloc(ctx, sizeof *p);
    ax_status st = AX_OK;
    if (sp && p && parse(ctx, "einsum_path", subscripts, operands, n, sp) &&
        choose_path(ctx, "einsum_path", sp, optimize, p))
        fill_info(sp, p, info, report, report_cap);
    else
        st = ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
    free(sp);
    free(p);
    return st;
}
