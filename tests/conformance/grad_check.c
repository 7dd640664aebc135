/* Gradient check of every conformance case (CTest "conformance_grad").
 *
 * Each case of every family's table whose dtypes include float64 is run as a
 * closure of its floating inputs (index and bool inputs fixed) at float64,
 * on random inputs in the case's range, and checked three ways:
 *   1. jvp against central finite differences: for random tangents t,
 *      jvp(f, x, t) == (f(x + h t) - f(x - h t)) / 2h, elementwise;
 *   2. vjp against finite differences: for a random cotangent v, every
 *      element of vjp(f, x, v) == d <v, f(x)> / d x_e by central differences
 *      (inputs up to GC_FULL elements; beyond, along 3 random directions);
 *   3. vjp and jvp agree: <v, J t> == <J^T v, t> (to rounding);
 *   4. second order, forward over reverse: jvp of the vjp closure along
 *      (t, 0) against finite differences of the vjp;
 *   5. second order, reverse over reverse: the vjp of the vjp closure agrees
 *      with 4 (<w, D t> == <D^T w, t>).
 * Cases whose output is not floating (comparisons, argmax, integer ops) have
 * no derivative to check and are counted as such. Cases that produce
 * non-finite values for the sampled inputs are skipped (and listed).
 * Every op with a derivative rule must be covered by at least one passing
 * case; ops with a floating output but no rule are listed (a family that adds
 * ops adds their rules in src/transforms/rules_<family>.c).
 * AX_CONF_FILTER / AX_CONF_SKIP restrict the run as in the conformance test.
 *
 * GPU mode (built again with CONF_GPU_MAIN as "conformance_grad_gpu", or
 * AX_CONF_DEVICE=gpu): the forward pass, vjp, jvp and the second-order
 * closures are built with GPU 0 as the default device, and the finite
 * differences they are checked against are computed on the CPU, with the
 * same tolerances. Without a CUDA device it prints "skipped: no CUDA device"
 * and exits 77 (CTest: skipped). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "families.h"
#include "transforms/rules.h"

#define GC_FULL 48  /* inputs up to this many elements: per-element vjp check */
#define GC_H 1e-6   /* finite-difference step (relative to the input scale) */
#define GC_TOL 2e-6 /* relative tolerance of derivative vs finite difference */

static uint64_t rng;

/* GPU mode: derivatives on GPU 0, finite differences on the CPU. on_gpu(ctx,
 * true) selects the device for what is built next (nothing in CPU mode). */
static bool gc_gpu;
static void on_gpu(ax_ctx *ctx, bool gpu) {
    if (gc_gpu) ax_set_default_device(ctx, gpu ? ax_gpu(0) : ax_cpu());
}
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct gc_state {
    const conf_case *c;
    ax_array *in[CONF_MAX_IN]; /* all inputs (float ones replaced by the closure's) */
    int fidx[CONF_MAX_IN];     /* closure input k -> case input */
    int nf;
} gc_state;

static ax_status gc_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *payload) {
    (void)n_out;
    gc_state *s = payload;
    ax_array *args[CONF_MAX_IN];
    memcpy(args, s->in, sizeof args);
    for (int k = 0; k < n_in; k++) args[s->fidx[k]] = in[k];
    out[0] = s->c->build(ctx, args, s->c);
    return out[0] ? AX_OK : ax_error_code(ctx);
}

static int64_t numel(const ax_array *a) { return ax_size(a); }

static double *host(ax_ctx *ctx, ax_array *a) {
    ax_array *d = ax_astype(ctx, a, AX_FLOAT64);
    int64_t n = d ? ax_size(d) : 0;
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (!d || ax_copy_to(ctx, d, v, sizeof(double) * (size_t)n) != AX_OK) {
        free(v);
        return NULL;
    }
    return v;
}

static ax_array *rand_like(ax_ctx *ctx, const ax_array *a, double lo, double hi) {
    int64_t n = ax_size(a);
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = lo + (hi - lo) * urand();
    ax_array *r = ax_array_from_data(ctx, v, AX_FLOAT64, ax_shape(a), ax_ndim(a));
    free(v);
    return r;
}

/* f at x + h * dir (dir may be NULL entries); y as host doubles. */
static double *eval_at(ax_ctx *ctx, const ax_closure *f, ax_array *const *x, ax_array *const *dir,
                       double h, int nf, int64_t *ny) {
    ax_array *xs[CONF_MAX_IN], *y = NULL;
    on_gpu(ctx, false); /* finite differences: always on the CPU */
    for (int k = 0; k < nf; k++)
        xs[k] = dir[k] ? ax_add(ctx, x[k], ax_multiply(ctx, dir[k], ax_scalar(ctx, h, AX_FLOAT64)))
                       : x[k];
    double *r = NULL;
    if (ax_closure_call(ctx, f, xs, &y) == AX_OK) {
        *ny = ax_size(y);
        r = host(ctx, y);
    }
    on_gpu(ctx, true);
    return r;
}

static double dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double maxabs(const double *a, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

typedef enum { GC_PASS, GC_FAIL, GC_NONDIFF, GC_SKIP, GC_NORULE } gc_outcome;

static gc_outcome check_case(ax_ctx *ctx, const conf_case *c, char *msg, size_t cap) {
    gc_state s = {.c = c};
    on_gpu(ctx, true);
    rng = 0x2545F4914F6CDD1Dull;
    for (const char *p = c->name; *p; p++) rng = (rng ^ (uint64_t)(unsigned char)*p) * 0x100000001B3ull;
    if (!rng) rng = 1;
    /* inputs at float64 */
    for (int i = 0; i < c->n_in; i++) {
        ax_dtype t = conf_input_dtype(c, i, AX_FLOAT64);
        int64_t n = 1;
        for (int d = 0; d < c->ndim[i]; d++) n *= c->shape[i][d];
        double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
        for (int64_t e = 0; e < n; e++) {
            if (c->index_mask & (1u << i))
                v[e] = (double)(c->idx_lo + (int64_t)(urand() * (double)(c->idx_hi - c->idx_lo + 1)));
            else if (c->bool_mask & (1u << i)) v[e] = urand() < 0.5;
            else v[e] = c->lo + (c->hi - c->lo) * urand();
        }
        s.in[i] = ax_array_from_data(ctx, v, AX_FLOAT64, c->shape[i], c->ndim[i]);
        if (t != AX_FLOAT64) s.in[i] = ax_astype(ctx, s.in[i], t);
        free(v);
        if (ax_dtype_is_floating(t)) s.fidx[s.nf++] = i;
    }
    if (ax_error_code(ctx) != AX_OK) {
        snprintf(msg, cap, "inputs: %s", ax_error_message(ctx));
        return GC_FAIL;
    }
    if (!s.nf) return GC_NONDIFF;
    ax_closure *f = ax_closure_new(ctx, gc_fn, s.nf, 1, &s, NULL);
    ax_array *x[CONF_MAX_IN], *t[CONF_MAX_IN], *g[CONF_MAX_IN], *y = NULL;
    for (int k = 0; k < s.nf; k++) x[k] = s.in[s.fidx[k]];
    gc_outcome res = GC_PASS;
    double *y0 = NULL, *v_h = NULL, *jt_h = NULL, *fp = NULL, *fm = NULL, *gk = NULL, *tk = NULL;
    if (ax_closure_call(ctx, f, x, &y) != AX_OK) {
        ax_status st = ax_error_code(ctx);
        res = (st == AX_ERR_UNSUPPORTED || st == AX_ERR_DTYPE) ? GC_SKIP : GC_FAIL;
        snprintf(msg, cap, "forward: %s", ax_error_message(ctx));
        goto done;
    }
    if (!ax_dtype_is_floating(ax_dtype_of(y))) {
        res = GC_NONDIFF;
        goto done;
    }
    if (ax_dtype_of(y) != AX_FLOAT64) {
        /* finite differences of a rounded output say nothing */
        res = GC_SKIP;
        snprintf(msg, cap, "output is %s, not float64", ax_dtype_name(ax_dtype_of(y)));
        goto done;
    }
    if (c->covers && strstr(c->covers, "stop_gradient")) {
        /* zero derivative by definition, not by calculus */
        res = GC_NONDIFF;
        goto done;
    }
    int64_t ny = numel(y), n2;
    y0 = host(ctx, y);
    if (!y0) {
        res = GC_FAIL;
        snprintf(msg, cap, "forward eval: %s", ax_error_message(ctx));
        goto done;
    }
    for (int64_t i = 0; i < ny; i++)
        if (!isfinite(y0[i])) {
            res = GC_SKIP;
            snprintf(msg, cap, "non-finite output for the sampled inputs");
            goto done;
        }
    ax_array *v = rand_like(ctx, y, -1, 1);
    for (int k = 0; k < s.nf; k++) t[k] = rand_like(ctx, x[k], -1, 1);
    ax_array *yv = NULL, *yt = NULL, *jt = NULL;
    if (ax_vjp(ctx, f, x, &v, &yv, g) != AX_OK || ax_jvp(ctx, f, x, t, &yt, &jt) != AX_OK) {
        res = ax_error_code(ctx) == AX_ERR_UNSUPPORTED ? GC_NORULE : GC_FAIL;
        snprintf(msg, cap, "transform: %s", ax_error_message(ctx));
        goto done;
    }
    v_h = host(ctx, v);
    jt_h = host(ctx, jt);
    if (!v_h || !jt_h) {
        res = GC_FAIL;
        snprintf(msg, cap, "eval of derivatives: %s", ax_error_message(ctx));
        goto done;
    }
    /* scale of the inputs: the step is relative to it */
    double xs = 1e-3;
    for (int k = 0; k < s.nf; k++) {
        double *xh = host(ctx, x[k]);
        xs = fmax(xs, maxabs(xh, numel(x[k])));
        free(xh);
    }
    double h = GC_H * xs;
    /* 1. jvp vs finite differences */
    fp = eval_at(ctx, f, x, t, h, s.nf, &n2);
    fm = eval_at(ctx, f, x, t, -h, s.nf, &n2);
    if (!fp || !fm) {
        res = GC_FAIL;
        snprintf(msg, cap, "finite differences: %s", ax_error_message(ctx));
        goto done;
    }
    double scale = fmax(maxabs(jt_h, ny), 1e-300);
    double fdscale = 0;
    for (int64_t i = 0; i < ny; i++) fdscale = fmax(fdscale, fabs((fp[i] - fm[i]) / (2 * h)));
    scale = fmax(scale, fdscale);
    scale = fmax(scale, 1e-3 * fmax(maxabs(y0, ny), 1.0));
    for (int64_t i = 0; i < ny; i++) {
        double fd = (fp[i] - fm[i]) / (2 * h);
        if (!(fabs(fd - jt_h[i]) <= GC_TOL * 10 * scale)) {
            res = GC_FAIL;
            snprintf(msg, cap, "jvp element %lld: %.12g, finite difference %.12g", (long long)i,
                     jt_h[i], fd);
            goto done;
        }
    }
    /* 2. vjp vs finite differences of <v, f> */
    double vjt = dot(v_h, jt_h, ny), gt = 0;
    for (int k = 0; k < s.nf && res == GC_PASS; k++) {
        int64_t n = numel(x[k]);
        free(gk);
        free(tk);
        gk = host(ctx, g[k]);
        tk = host(ctx, t[k]);
        if (!gk || !tk) {
            res = GC_FAIL;
            snprintf(msg, cap, "eval of vjp: %s", ax_error_message(ctx));
            break;
        }
        gt += dot(gk, tk, n);
        double gscale = fmax(maxabs(gk, n), 1e-3 * fmax(maxabs(v_h, ny) * fmax(maxabs(y0, ny), 1.0), 1e-12));
        int64_t probes = n <= GC_FULL ? n : 3;
        for (int64_t e = 0; e < probes && res == GC_PASS; e++) {
            ax_array *dir[CONF_MAX_IN] = {0};
            double want;
            if (n <= GC_FULL) {
                double *u = calloc((size_t)n, sizeof(double));
                u[e] = 1;
                dir[k] = ax_array_from_data(ctx, u, AX_FLOAT64, ax_shape(x[k]), ax_ndim(x[k]));
                free(u);
                want = gk[e];
            } else {
                dir[k] = rand_like(ctx, x[k], -1, 1);
                double *dh = host(ctx, dir[k]);
                want = dot(gk, dh, n);
                free(dh);
            }
            int64_t m;
            double *p = eval_at(ctx, f, x, dir, h, s.nf, &m);
            double *q = eval_at(ctx, f, x, dir, -h, s.nf, &m);
            if (!p || !q) {
                res = GC_FAIL;
                snprintf(msg, cap, "finite differences: %s", ax_error_message(ctx));
            } else {
                double fd = (dot(v_h, p, ny) - dot(v_h, q, ny)) / (2 * h);
                double sc = fmax(gscale, fabs(fd));
                if (!(fabs(fd - want) <= GC_TOL * 10 * sc * (n <= GC_FULL ? 1 : sqrt((double)n)))) {
                    res = GC_FAIL;
                    snprintf(msg, cap, "vjp of input %d element %lld: %.12g, finite difference %.12g",
                             s.fidx[k], (long long)e, want, fd);
                }
            }
            free(p);
            free(q);
        }
    }
    /* 3. <v, J t> == <J^T v, t> */
    if (res == GC_PASS && !(fabs(vjt - gt) <= 1e-9 * fmax(fmax(fabs(vjt), fabs(gt)), 1e-12) + 1e-12)) {
        double mag = 0;
        (void)mag;
        res = GC_FAIL;
        snprintf(msg, cap, "<v, J t> = %.15g but <J^T v, t> = %.15g", vjt, gt);
    }
    /* 4. second order: the vjp is itself differentiable. jvp of the vjp
     * closure along (t, 0) against finite differences of the vjp. */
    if (res == GC_PASS) {
        ax_closure *vf = ax_vjp_fn(ctx, f);
        ax_array *pin[CONF_MAX_IN + 1], *tin[CONF_MAX_IN + 1], *po[CONF_MAX_IN + 1],
            *to[CONF_MAX_IN + 1];
        for (int k = 0; k < s.nf; k++) {
            pin[k] = x[k];
            tin[k] = t[k];
        }
        pin[s.nf] = v;
        tin[s.nf] = ax_zeros_like(ctx, v);
        if (ax_jvp(ctx, vf, pin, tin, po, to) != AX_OK) {
            res = ax_error_code(ctx) == AX_ERR_UNSUPPORTED ? GC_NORULE : GC_FAIL;
            snprintf(msg, cap, "jvp of vjp: %s", ax_error_message(ctx));
        }
        for (int k = 0; k < s.nf && res == GC_PASS; k++) {
            ax_array *pp[CONF_MAX_IN + 1], *pm[CONF_MAX_IN + 1], *op[CONF_MAX_IN + 1],
                *om[CONF_MAX_IN + 1];
            on_gpu(ctx, false); /* the finite differences of the vjp on the CPU */
            ax_array *hh = ax_scalar(ctx, h, AX_FLOAT64);
            for (int q = 0; q < s.nf; q++) {
                pp[q] = ax_add(ctx, x[q], ax_multiply(ctx, t[q], hh));
                pm[q] = ax_subtract(ctx, x[q], ax_multiply(ctx, t[q], hh));
            }
            pp[s.nf] = pm[s.nf] = v;
            if (ax_closure_call(ctx, vf, pp, op) != AX_OK || ax_closure_call(ctx, vf, pm, om) != AX_OK) {
                on_gpu(ctx, true);
                res = GC_FAIL;
                snprintf(msg, cap, "vjp at shifted inputs: %s", ax_error_message(ctx));
                break;
            }
            int64_t n = numel(x[k]);
            double *a2 = host(ctx, to[1 + k]), *p2 = host(ctx, op[1 + k]), *m2 = host(ctx, om[1 + k]);
            on_gpu(ctx, true);
            if (!a2 || !p2 || !m2) {
                res = GC_FAIL;
                snprintf(msg, cap, "eval of second order: %s", ax_error_message(ctx));
            } else {
                double sc = maxabs(a2, n);
                for (int64_t e = 0; e < n; e++) sc = fmax(sc, fabs((p2[e] - m2[e]) / (2 * h)));
                double *gh = host(ctx, g[k]); /* first-order gradient of this input */
                sc = fmax(sc, 1e-3 * fmax(gh ? maxabs(gh, n) : 0, 1e-12));
                free(gh);
                for (int64_t e = 0; e < n && res == GC_PASS; e++) {
                    double fd = (p2[e] - m2[e]) / (2 * h);
                    if (!(fabs(fd - a2[e]) <= GC_TOL * 10 * sc)) {
                        res = GC_FAIL;
                        snprintf(msg, cap,
                                 "second order (jvp of vjp), input %d element %lld: %.12g, "
                                 "finite difference %.12g",
                                 s.fidx[k], (long long)e, a2[e], fd);
                    }
                }
            }
            free(a2);
            free(p2);
            free(m2);
        }
        /* 5. reverse over reverse agrees with forward over reverse:
         * <w, d(vjp) t> == <d(vjp)^T w, (t, 0)> for random w on the gradients */
        if (res == GC_PASS) {
            ax_array *w[CONF_MAX_IN + 1], *wo[CONF_MAX_IN + 1], *wi[CONF_MAX_IN + 1];
            w[0] = ax_zeros_like(ctx, y);
            for (int k = 0; k < s.nf; k++) w[1 + k] = rand_like(ctx, x[k], -1, 1);
            double lhs = 0, rhs = 0, mag = 0;
            if (ax_vjp(ctx, vf, pin, w, wo, wi) != AX_OK) {
                res = ax_error_code(ctx) == AX_ERR_UNSUPPORTED ? GC_NORULE : GC_FAIL;
                snprintf(msg, cap, "vjp of vjp: %s", ax_error_message(ctx));
            }
            for (int k = 0; k < s.nf && res == GC_PASS; k++) {
                int64_t n = numel(x[k]);
                double *wk = host(ctx, w[1 + k]), *dk = host(ctx, to[1 + k]);
                double *ck = host(ctx, wi[k]), *tk2 = host(ctx, t[k]);
                if (!wk || !dk || !ck || !tk2) {
                    res = GC_FAIL;
                    snprintf(msg, cap, "eval of vjp of vjp: %s", ax_error_message(ctx));
                } else {
                    lhs += dot(wk, dk, n);
                    rhs += dot(ck, tk2, n);
                    for (int64_t e = 0; e < n; e++) mag += fabs(wk[e] * dk[e]) + fabs(ck[e] * tk2[e]);
                }
                free(wk);
                free(dk);
                free(ck);
                free(tk2);
            }
            if (res == GC_PASS && !(fabs(lhs - rhs) <= 1e-9 * mag + 1e-12)) {
                res = GC_FAIL;
                snprintf(msg, cap, "reverse over reverse: %.15g, forward over reverse: %.15g", rhs,
                         lhs);
            }
        }
        ax_closure_release(vf);
    }
done:
    free(y0);
    free(v_h);
    free(jt_h);
    free(fp);
    free(fm);
    free(gk);
    free(tk);
    ax_closure_release(f);
    ax_error_clear(ctx);
    on_gpu(ctx, false);
    return res;
}


#ifndef CONF_GPU_MAIN
#define CONF_GPU_MAIN 0
#endif

int main(void) {
    int rc = conf_device_setup(CONF_GPU_MAIN, stdout);
    if (rc) return rc;
    gc_gpu = conf_on_gpu;
    const conf_case *const tables[] = {CONF_TABLES};
    const bool filter = conf_filtered();
    const char *vs = getenv("AX_CONF_VERBOSE");
    bool verbose = vs && *vs && *vs != '0';
    ax_ctx *ctx = ax_ctx_new();
    const ax_rule *rules = ax__rules();
    bool passed[AX_OP_COUNT] = {0}, nondiff[AX_OP_COUNT] = {0}, seen[AX_OP_COUNT] = {0};
    int counts[5] = {0}, problems = 0;
    const char *names[5] = {"passed", "FAILED", "no derivative (non-float output)", "skipped",
                            "no rule"};
    for (size_t ti = 0; ti < sizeof tables / sizeof *tables; ti++) {
        if (!tables[ti]) continue;
        for (const conf_case *c = tables[ti]; c->name; c++) {
            if (!conf_selected(c->name)) continue;
            if (!(c->dtypes & CONF_DT(AX_FLOAT64))) continue;
            int ops[16];
            int nops = conf_parse_covers(c, ops, 16, stdout);
            for (int k = 0; k < nops; k++) seen[ops[k]] = true;
            char msg[512] = "";
            if (verbose) {
                printf("case %s\n", c->name);
                fflush(stdout);
            }
            ax_scope_begin(ctx);
            gc_outcome r = check_case(ctx, c, msg, sizeof msg);
            ax_scope_end(ctx);
            counts[r]++;
            for (int k = 0; k < nops; k++) {
                if (r == GC_PASS) passed[ops[k]] = true;
                if (r == GC_NONDIFF) nondiff[ops[k]] = true;
            }
            if (r == GC_FAIL) {
                problems++;
                printf("FAIL %s: %s\n", c->name, msg);
            } else if (r == GC_SKIP || r == GC_NORULE) {
                printf("%s %s: %s\n", r == GC_SKIP ? "skip" : "norule", c->name, msg);
            }
        }
    }
    int with_rule = 0, covered = 0;
    for (int op = 0; op < AX_OP_COUNT; op++) {
        bool has = rules[op].vjp || rules[op].jvp;
        if (!has) {
            if (seen[op] && !nondiff[op] && !(rules[op].flags & AX_RULE_ZERO) && !passed[op])
                printf("note: op '%s' has no derivative rule\n", ax__op_info[op].name);
            continue;
        }
        with_rule++;
        if (passed[op]) covered++;
        else if (!filter) {
            problems++;
            printf("UNCOVERED: op '%s' has a derivative rule but no passing gradient case\n",
                   ax__op_info[op].name);
        }
    }
    for (int i = 0; i < 5; i++) printf("%s: %d cases\n", names[i], counts[i]);
    printf("ops with derivative rules checked%s: %d/%d; %d problem(s)\n",
           gc_gpu ? " (derivatives on gpu:0, finite differences on the CPU)" : "", covered,
           with_rule, problems);
    ax_ctx_free(ctx);
    return problems ? 1 : 0;
}
