/* Compiled vs uncompiled on every conformance case (CTest
 * "conformance_compile"): each cell that passes the usual checks is run again
 * through ax_compile (the case's build function as a closure, traced once,
 * simplified, fused, replayed on the same input views) and the result must
 * equal the eager fast-kernel result: same dtype and shape, and bytes equal
 * or, where a non-fused kernel took another path (a view input copied to
 * row-major first), within the case's tolerance. The summary counts cells
 * that were bitwise identical.
 *
 * C compiler runs are slow, so kernels persist in <build>/tests/conformance/
 * kernel-cache (AX_KERNEL_CACHE overrides) and at most AX_COMPILE_JIT_LIMIT
 * (default 40) kernels are compiled per run; further fused DAGs run through
 * the interpreter, which has the same semantics and is checked the same way.
 * Cells of the large variant are skipped (AX_CONF_COMPILE_LARGE=1 runs them):
 * they exercise the same compiled code on more elements and dominate the time. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax/compile.h"
#include "core/internal.h"
#include "families.h"

static long n_checked, n_exact, n_tol, n_skipped;

static ax_status build_fn(ax_ctx *ctx, ax_array *const *in, int n_in, ax_array **out, int n_out,
                          void *payload) {
    const conf_case *c = payload;
    out[0] = c->build(ctx, in, c);
    return out[0] ? AX_OK : ax_error_code(ctx);
}

static bool compile_check(ax_ctx *ctx, const conf_case *c, ax_array *const *inputs,
                          const void *want, ax_dtype dtype, int ndim, const int64_t *shape,
                          char *msg, size_t cap) {
    /* the large variant (shapes for threads and SIMD) is left to the eager
     * run unless AX_CONF_COMPILE_LARGE=1: compiled code paths are the same */
    const char *large = getenv("AX_CONF_COMPILE_LARGE");
    if (!(large && *large == '1'))
        for (int i = 0; i < c->n_in; i++)
            if (ax_size(inputs[i]) > 20000) {
                n_skipped++;
                return true;
            }
    bool ok = false;
    ax_scope_begin(ctx);
    ax_closure *f = ax_closure_new(ctx, build_fn, c->n_in, 1, (void *)c, NULL);
    ax_closure *g = f ? ax_compile(ctx, f, NULL) : NULL;
    ax_array *out = NULL;
    if (g && ax_closure_call(ctx, g, inputs, &out) == AX_OK) ax_eval1(ctx, out);
    if (ax_error_code(ctx) != AX_OK || !out) {
        snprintf(msg, cap, "compiled: %s: %s", ax_status_name(ax_error_code(ctx)), ax_error_message(ctx));
    } else if (ax_dtype_of(out) != dtype || ax_ndim(out) != ndim ||
               memcmp(ax_shape(out), shape, sizeof(int64_t) * (size_t)ndim)) {
        snprintf(msg, cap, "compiled result %s %s, eager %s", ax_dtype_name(ax_dtype_of(out)),
                 AX_SHAPE(out), ax_dtype_name(dtype));
    } else {
        const void *got = ax_data(ctx, out);
        size_t nb = ax_nbytes(out);
        char why[400];
        n_checked++;
        if (!got && nb) {
            snprintf(msg, cap, "compiled: %s", ax_error_message(ctx));
        } else if (!nb || !memcmp(got, want, nb)) {
            n_exact++;
            ok = true;
        } else if (conf_compare_host(dtype, got, want, ax_size(out), c->tol, why, sizeof why)) {
            n_tol++;
            ok = true;
        } else {
            snprintf(msg, cap, "compiled vs eager: %s", why);
        }
    }
    ax_error_clear(ctx);
    ax_scope_end(ctx);
    ax_closure_release(g);
    ax_closure_release(f);
    return ok;
}

int main(int argc, char **argv) {
    if (!getenv("AX_COMPILE_JIT_LIMIT")) setenv("AX_COMPILE_JIT_LIMIT", "40", 1);
    if (!getenv("AX_KERNEL_CACHE") && argc > 0 && strrchr(argv[0], '/')) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s/kernel-cache", (int)(strrchr(argv[0], '/') - argv[0]), argv[0]);
        ax_compile_set_cache_dir(NULL, dir);
    }
    const conf_case *const tables[] = {CONF_TABLES};
    conf_extra_check = compile_check;
    int problems = conf_run_all(tables, (int)(sizeof tables / sizeof *tables), false, stdout);
    ax_compile_stats s;
    ax_compile_stats_get(&s);
    printf("compile conformance: %ld cells compared, %ld bitwise equal, %ld within tolerance, "
           "%ld large cells skipped; "
           "%lld traces, %lld fused DAGs, %lld kernels built, %lld from disk, %lld interpreted\n",
           n_checked, n_exact, n_tol, n_skipped, (long long)s.traces, (long long)s.fused_groups,
           (long long)s.kernels_built, (long long)s.disk_hits, (long long)s.interpreted);
    return problems ? 1 : 0;
}
