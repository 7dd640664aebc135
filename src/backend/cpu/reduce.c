/* CPU kernels: reduce family. The plan (reduce_impl.h), the reference
 * kernels (stride-generic, accumulating in double / 64-bit integers), and
 * the dispatch to the fast kernels of reduce_fast.c. */
#include <math.h>
#include <stdlib.h>

#include "backend/cpu/reduce_impl.h"

/* ---------------------------------------------------------------- plan */

static void dims_push(red_dims *d, int64_t sh, int64_t ist, int64_t ost) {
    if (sh == 1) return;
    if (d->n > 0) {
        int k = d->n - 1;
        if (d->ist[k] == ist * sh && d->ost[k] == ost * sh) {
            d->sh[k] *= sh;
            d->ist[k] = ist;
            d->ost[k] = ost;
            return;
        }
    }
    d->sh[d->n] = sh;
    d->ist[d->n] = ist;
    d->ost[d->n] = ost;
    d->n++;
}

/* Split (shape, istr) by mask into kept and reduced dims. Output strides
 * come from out: for a same-shape output (softmax) dim d maps to out dim d;
 * otherwise kept dims map to out dims in order (keepdims: to the same d). */
static void build_plan(const int64_t *shape, const int64_t *istr, int ndim, const uint8_t *mask,
                       const ax_array *out, bool keepdims, bool same_shape, red_plan *p) {
    p->kept.n = p->red.n = 0;
    int j = 0;
    for (int d = 0; d < ndim; d++) {
        if (mask[d]) {
            dims_push(&p->red, shape[d], istr[d], same_shape ? out->strides[d] : 0);
            if (keepdims || same_shape) j++;
        } else {
            dims_push(&p->kept, shape[d], istr[d], out->strides[j++]);
        }
    }
    p->kept.count = p->red.count = 1;
    for (int k = 0; k < p->kept.n; k++) p->kept.count *= p->kept.sh[k];
    for (int k = 0; k < p->red.n; k++) p->red.count *= p->red.sh[k];
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0) (mask[d] ? &p->red : &p->kept)->count = 0;
}

/* ---------------------------------------------------------------- reference */

typedef enum { VK_FLOAT, VK_SINT, VK_UINT, VK_COMPLEX } vkind;

static vkind kind_of(ax_dtype t) {
    if (t == AX_COMPLEX64) return VK_COMPLEX;
    if (ax_dtype_is_floating(t)) return VK_FLOAT;
    if (ax_dtype_is_signed_integer(t)) return VK_SINT;
    return VK_UINT; /* unsigned and bool */
}

static bool nonzero(const char *p, ax_dtype t) {
    double re, im;
    if (t == AX_COMPLEX64) {
        ax__load_c(p, t, &re, &im);
        return re != 0 || im != 0;
    }
    return ax__load_f64(p, t) != 0; /* NaN counts as true, as NumPy */
}

/* "a beats b" for max (sign > 0) or min (sign < 0), NaN winning over numbers. */
#define BEATS(a, b, sign) ((sign) > 0 ? (a) > (b) : (a) < (b))

typedef struct ref_args {
    ax_op op;
    const char *x;
    char *y;
    ax_dtype it, ot;
    size_t is, os;
} ref_args;

/* One output element: reduce the elements of p->red starting at x. */
static void ref_reduce_one(const ref_args *a, const red_dims *r, const char *x, char *y) {
    red_iter it;
    int64_t n = r->count;
    ax_op op = a->op;
    vkind k = kind_of(a->it);
    red_iter_start(&it, r, 0);
#define EACH(...)                                                                 \
    for (int64_t i = 0; i < n; i++, red_iter_next(&it, r)) {                      \
        const char *px = x + it.ioff * (int64_t)a->is;                            \
        __VA_ARGS__                                                               \
    }
    if (op == AX_OP_SUM || op == AX_OP_PROD) {
        bool sum = op == AX_OP_SUM;
        if (k == VK_COMPLEX) {
            double re = sum ? 0 : 1, im = 0;
            EACH({
                double vr, vi;
                ax__load_c(px, a->it, &vr, &vi);
                if (sum) {
                    re += vr;
                    im += vi;
                } else {
                    double t = re * vr - im * vi;
                    im = re * vi + im * vr;
                    re = t;
                }
            })
            ax__store_c(y, a->ot, re, im);
        } else if (k == VK_FLOAT) {
            double acc = sum ? 0 : 1;
            EACH({ acc = sum ? acc + ax__load_f64(px, a->it) : acc * ax__load_f64(px, a->it); })
            ax__store_f64(y, a->ot, acc);
        } else { /* integers wrap modulo 2^64, then modulo the output's width */
            uint64_t acc = sum ? 0 : 1;
            EACH({
                uint64_t v = (uint64_t)ax__load_i64(px, a->it);
                acc = sum ? acc + v : acc * v;
            })
            ax__store_u64(y, a->ot, acc);
        }
    } else if (op == AX_OP_ALL || op == AX_OP_ANY) {
        bool all = op == AX_OP_ALL, acc = all;
        EACH({
            bool v = nonzero(px, a->it);
            acc = all ? acc && v : acc || v;
        })
        *(uint8_t *)y = acc;
    } else if (op == AX_OP_MAX || op == AX_OP_MIN || op == AX_OP_ARGMAX || op == AX_OP_ARGMIN) {
        int sign = op == AX_OP_MAX || op == AX_OP_ARGMAX ? 1 : -1;
        int64_t best = 0;
        if (k == VK_FLOAT) {
            double m = 0;
            EACH({
                double v = ax__load_f64(px, a->it);
                if (i == 0 || (!isnan(m) && (isnan(v) || BEATS(v, m, sign)))) {
                    m = v;
                    best = i;
                }
            })
            if (op == AX_OP_MAX || op == AX_OP_MIN) ax__store_f64(y, a->ot, m);
        } else if (k == VK_SINT) {
            int64_t m = 0;
            EACH({
                int64_t v = ax__load_i64(px, a->it);
                if (i == 0 || BEATS(v, m, sign)) {
                    m = v;
                    best = i;
                }
            })
            if (op == AX_OP_MAX || op == AX_OP_MIN) ax__store_i64(y, a->ot, m);
        } else {
            uint64_t m = 0;
            EACH({
                uint64_t v = ax__load_u64(px, a->it);
                if (i == 0 || BEATS(v, m, sign)) {
                    m = v;
                    best = i;
                }
            })
            if (op == AX_OP_MAX || op == AX_OP_MIN) ax__store_u64(y, a->ot, m);
        }
        if (op == AX_OP_ARGMAX || op == AX_OP_ARGMIN) *(int64_t *)y = best;
    } else if (op == AX_OP_LOGSUMEXP) {
        double m = -INFINITY, s = 0;
        EACH({
            double v = ax__load_f64(px, a->it);
            if (isnan(v) || v > m || isnan(m)) m = isnan(m) ? m : v;
        })
        if (isfinite(m)) {
            red_iter_start(&it, r, 0);
            EACH({ s += exp(ax__load_f64(px, a->it) - m); })
            m += log(s);
        } /* else: all -inf (or empty) -> -inf; any +inf -> +inf; NaN -> NaN */
        ax__store_f64(y, a->ot, m);
    }
#undef EACH
}

/* Softmax of one group: y[j] = exp(x[j] - max) / sum(exp(x - max)). */
static void ref_softmax_one(const ref_args *a, const red_dims *r, const char *x, char *y) {
    red_iter it;
    int64_t n = r->count;
    double m = -INFINITY, s = 0;
    red_iter_start(&it, r, 0);
    for (int64_t i = 0; i < n; i++, red_iter_next(&it, r)) {
        double v = ax__load_f64(x + it.ioff * (int64_t)a->is, a->it);
        if (isnan(v) || isnan(m) || v > m) m = isnan(m) ? m : v;
    }
    red_iter_start(&it, r, 0);
    for (int64_t i = 0; i < n; i++, red_iter_next(&it, r))
        s += exp(ax__load_f64(x + it.ioff * (int64_t)a->is, a->it) - m);
    red_iter_start(&it, r, 0);
    for (int64_t i = 0; i < n; i++, red_iter_next(&it, r)) {
        double e = exp(ax__load_f64(x + it.ioff * (int64_t)a->is, a->it) - m);
        ax__store_f64(y + it.ooff * (int64_t)a->os, a->ot, e / s);
    }
}

static void reference(const ref_args *a, const red_plan *p) {
    red_iter it;
    red_iter_start(&it, &p->kept, 0);
    for (int64_t o = 0; o < p->kept.count; o++, red_iter_next(&it, &p->kept)) {
        const char *x = a->x + it.ioff * (int64_t)a->is;
        char *y = a->y + it.ooff * (int64_t)a->os;
        if (a->op == AX_OP_SOFTMAX) ref_softmax_one(a, &p->red, x, y);
        else ref_reduce_one(a, &p->red, x, y);
    }
}

/* ---------------------------------------------------------------- dispatch */

/* Can the fast kernels walk this plan directly? Rows need the innermost
 * reduced dim contiguous; columns need the innermost kept dim contiguous in
 * both input and output. */
static bool plan_is_fast(const red_plan *p, bool softmax) {
    const red_dims *r = &p->red, *k = &p->kept;
    bool row = r->n > 0 && r->ist[r->n - 1] == 1 && (!softmax || r->ost[r->n - 1] == 1);
    bool col = !softmax && k->n > 0 && k->ist[k->n - 1] == 1 && k->ost[k->n - 1] == 1;
    return row || col;
}

/* The plan of the same reduction over a packed copy: one row of red.count
 * elements per output, rows in output order. Reductions keep the real
 * output strides; softmax writes packed rows too (unpacked afterwards). */
static void packed_plan(const red_plan *p, bool softmax, red_plan *q) {
    q->kept = p->kept;
    int64_t st = p->red.count;
    for (int k = p->kept.n - 1; k >= 0; k--) {
        q->kept.ist[k] = st;
        if (softmax) q->kept.ost[k] = st;
        st *= p->kept.sh[k];
    }
    q->red.n = 1;
    q->red.count = q->red.sh[0] = p->red.count;
    q->red.ist[0] = 1;
    q->red.ost[0] = softmax ? 1 : 0;
}

typedef struct pack_args {
    const red_plan *p;
    const char *src;
    char *dst;
    size_t sz;
    bool unpack; /* packed src -> dst at the plan's output offsets */
} pack_args;

/* Outputs [b, e): copy their elements (kept, then reduced, row-major). */
static void pack_task(void *ud, int64_t b, int64_t e) {
    const pack_args *a = ud;
    const red_dims *r = &a->p->red;
    int64_t n = r->count, sz = (int64_t)a->sz;
    for (int64_t o = b; o < e; o++) {
        int64_t io, oo;
        red_offsets(&a->p->kept, o, &io, &oo);
        int64_t base = a->unpack ? oo : io;
        const char *src = a->unpack ? a->src + o * n * sz : a->src;
        char *dst = a->unpack ? a->dst : a->dst + o * n * sz;
        red_iter it;
        red_iter_start(&it, r, 0);
        for (int64_t i = 0; i < n; i++, red_iter_next(&it, r)) {
            int64_t off = (base + (a->unpack ? it.ooff : it.ioff)) * sz;
            if (a->unpack) memcpy(dst + off, src + i * sz, a->sz);
            else memcpy(dst + i * sz, src + off, a->sz);
        }
    }
}

static void pack(const red_plan *p, const char *src, char *dst, size_t sz, bool unpack) {
    pack_args a = {p, src, dst, sz, unpack};
    int64_t grain = (1 << 15) / (p->red.count ? p->red.count : 1);
    ax__parallel_for(p->kept.count, grain < 1 ? 1 : grain, pack_task, &a);
}

/* Strided layouts (and ops without a column kernel): reduce a packed copy
 * whose rows are the reduced elements of each output. */
static ax_status run_packed(ax_ctx *ctx, ax_op op, const ref_args *a, const red_plan *p,
                            bool *done) {
    bool softmax = op == AX_OP_SOFTMAX;
    size_t in_bytes = (size_t)(p->kept.count * p->red.count) * a->is;
    size_t out_bytes = softmax ? (size_t)(p->kept.count * p->red.count) * a->os : 0;
    char *tmp = malloc(in_bytes + out_bytes);
    if (!tmp) return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory for %zu bytes",
                              ax__op_info[op].name, in_bytes + out_bytes);
    red_plan q;
    packed_plan(p, softmax, &q);
    pack(p, a->x, tmp, a->is, false);
    if (softmax) {
        *done = ax__softmax_fast(tmp, a->it, tmp + in_bytes, a->ot, &q);
        if (*done) pack(p, tmp + in_bytes, a->y, a->os, true);
    } else {
        *done = ax__reduce_fast(op, tmp, a->it, a->y, a->ot, &q);
    }
    free(tmp);
    return AX_OK;
}

static ax_status reduce_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_reduce_params *prm = node->params;
    const ax_array *in = node->inputs[0];
    ax_array *y = out[0];
    bool softmax = node->op == AX_OP_SOFTMAX;
    if (in->ndim > RED_MAX_DIMS)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: input of %d dimensions (at most %d supported)",
                        ax__op_info[node->op].name, in->ndim, RED_MAX_DIMS);
    red_plan p;
    build_plan(in->shape, in->strides, in->ndim, prm->mask, y, prm->keepdims, softmax, &p);
    if (p.kept.count == 0) return AX_OK; /* nothing to write */
    ref_args a = {node->op, ax__ptr(in), ax__ptr(y), in->dtype, y->dtype,
                  ax_dtype_size(in->dtype), ax_dtype_size(y->dtype)};
    if (!ax__cpu_use_reference() && p.red.count > 0) {
        bool done = plan_is_fast(&p, softmax) &&
                    (softmax ? ax__softmax_fast(a.x, a.it, a.y, a.ot, &p)
                             : ax__reduce_fast(node->op, a.x, a.it, a.y, a.ot, &p));
        if (!done && p.red.count > 1 && ax__reduce_fast_has(node->op, a.it)) {
            ax_status st = run_packed(ctx, node->op, &a, &p, &done);
            if (st != AX_OK) return st;
        }
        if (done) return AX_OK;
    }
    reference(&a, &p);
    return AX_OK;
}

void ax__cpu_register_reduce(ax_kernel *table) {
    static const ax_op ops[] = {AX_OP_SUM,    AX_OP_PROD,   AX_OP_MAX,       AX_OP_MIN,
                                AX_OP_ALL,    AX_OP_ANY,    AX_OP_ARGMAX,    AX_OP_ARGMIN,
                                AX_OP_LOGSUMEXP, AX_OP_SOFTMAX};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) table[ops[i]] = reduce_kernel;
}
