/* ax_compile on elementwise chains, compiled vs uncompiled vs NumPy
 * (bench/peer_compile.py), float32:
 *   gelu       0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))       x: (N,)
 *   layernorm  (x - mean) * rsqrt(var + eps) * g + b     x: (R, 1024); mean, var: (R, 1)
 *              (given: the normalization chain, broadcasting); g, b: (1024,)
 * for N = 2^24 .. 2^26 elements. bw_fraction: bytes a one-pass kernel must
 * move (read x, write the result; the broadcast operands are small) over the
 * fastest compiled call, divided by the best copy bandwidth measured so far
 * (at the start and again beside each row: the VM is shared, and one
 * measurement at the start may catch a busy or a quiet moment; copy_gbs in
 * the row). Both sides are best-of, as in STREAM; bw_fraction_median uses
 * the median call, which ax_ms reports. Also the cost of compiling: the
 * trace (+ simplification and fusion), the code generation + C compiler run
 * with an empty disk cache (cold), and a new compiled closure whose kernel
 * comes from the disk cache after the memory cache was cleared.
 *
 * Each chain also gets an arithmetic floor: the compiled kernel's cost per
 * element with its data in L2 (the slope between two in-cache sizes, so the
 * per-call overhead cancels), times the row's size. A row's floor is the
 * larger of that and the copy time, and floor_fraction says how close the
 * row comes to it: on few cores a chain with much arithmetic per element
 * (GELU's tanh) is bound by the cores, not by memory, and no one-pass kernel
 * of the same arithmetic can reach the copy bandwidth there. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ax/compile.h"
#include "bench_util.h"

static ax_status gelu_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                         void *p) {
    ax_array *x = in[0];
    ax_array *x3 = ax_multiply(c, ax_multiply(c, x, x), x);
    ax_array *u = ax_multiply(c, ax_weak_float(c, 0.7978845608028654),
                              ax_add(c, x, ax_multiply(c, ax_weak_float(c, 0.044715), x3)));
    out[0] = ax_multiply(c, ax_multiply(c, ax_weak_float(c, 0.5), x),
                         ax_add(c, ax_weak_float(c, 1.0), ax_tanh(c, u)));
    return ax_error_code(c);
}

static ax_status ln_fn(ax_ctx *c, ax_array *const *in, int n_in, ax_array **out, int n_out,
                       void *p) {
    ax_array *r = ax_rsqrt(c, ax_add(c, in[2], ax_weak_float(c, 1e-5)));
    out[0] = ax_add(c, ax_multiply(c, ax_multiply(c, ax_subtract(c, in[0], in[1]), r), in[3]), in[4]);
    return ax_error_code(c);
}

static ax_closure *current;
static ax_array *call_closure(ax_ctx *ctx, ax_array *const *in) {
    ax_array *out = NULL;
    ax_closure_call(ctx, current, in, &out);
    return out;
}

/* inputs of chain w (0 gelu, 1 layernorm) with n elements; returns their count */
static int make_inputs(ax_ctx *ctx, int w, int64_t n, ax_array **in) {
    if (w == 0) {
        in[0] = bench_uniform_array(ctx, (int64_t[]){n}, 1, -4, 4, 1);
        return 1;
    }
    int64_t cols = 1024, rows = n / cols;
    in[0] = bench_uniform_array(ctx, (int64_t[]){rows, cols}, 2, -4, 4, 1);
    in[1] = bench_uniform_array(ctx, (int64_t[]){rows, 1}, 2, -0.1f, 0.1f, 2);
    in[2] = bench_uniform_array(ctx, (int64_t[]){rows, 1}, 2, 4, 6, 3);
    in[3] = bench_uniform_array(ctx, (int64_t[]){cols}, 1, 0.5f, 1.5f, 4);
    in[4] = bench_uniform_array(ctx, (int64_t[]){cols}, 1, -1, 1, 5);
    return 5;
}

/* Seconds per element of closure g on chain w's inputs with the data in
 * L2, on one thread, divided by nt (the best the cores can do if they split
 * the work perfectly): the slope between the best calls at 2^14 and 2^15
 * elements (input and output, 128 and 256 KiB), so the per-call overhead
 * cancels. One thread, because the pool splits arrays of this size unevenly
 * or not at all, and with more threads the output buffers spill out of L2. */
static double in_cache_seconds_per_element(ax_ctx *ctx, ax_closure *g, int w, int nt) {
    double t[2];
    int64_t n[2];
    ax_set_num_threads(1);
    for (int k = 0; k < 2; k++) {
        n[k] = (int64_t)1 << (14 + k);
        ax_scope_begin(ctx);
        ax_array *in[5];
        make_inputs(ctx, w, n[k], in);
        current = g;
        bench_ax_best(ctx, call_closure, in, 20, 0.3, &t[k]); /* the best call: a floor */
        ax_scope_end(ctx);
    }
    ax_set_num_threads(nt);
    return (t[1] - t[0]) / (double)(n[1] - n[0]) / nt;
}

static double json_num(const char *s, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(s, pat);
    return p ? atof(p + strlen(pat)) : -1;
}

static double peer(const char *args) {
    char cmd[512], buf[1024] = "";
    snprintf(cmd, sizeof cmd, "python3 %s/bench/peer_compile.py %s 2>/dev/null", AX_BENCH_SOURCE_DIR, args);
    FILE *p = popen(cmd, "r");
    if (p) {
        size_t n = fread(buf, 1, sizeof buf - 1, p);
        buf[n] = 0;
        pclose(p);
    }
    return json_num(buf, "seconds");
}

/* max |a - b| / max |b| over the two outputs */
static double rel_diff(ax_ctx *ctx, ax_array *a, ax_array *b) {
    const float *x = ax_data(ctx, a), *y = ax_data(ctx, b);
    bench_check(ctx, "data");
    double md = 0, mb = 0;
    for (int64_t i = 0; i < ax_size(a); i++) {
        md = fmax(md, fabs((double)x[i] - y[i]));
        mb = fmax(mb, fabs((double)y[i]));
    }
    return md / (mb > 0 ? mb : 1);
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    /* the smoke test stays fast: fused kernels run through the interpreter
     * (tests/test_compile.c covers the compiler path) */
    if (quick) setenv("AX_COMPILE_INTERPRET", "1", 1);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("compile", "ax_compile: fused elementwise chains, float32");
    int nt = ax_get_num_threads();
    double copy_bw = bench_report_copy_bandwidth(r, nt);
    /* a fresh disk cache, so the first build is cold */
    char dir[] = "/tmp/ax-bench-kcache-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot create a temporary directory\n");
        return 1;
    }
    ax_compile_set_cache_dir(ctx, dir);
    printf("   %-10s %-14s | %9s %9s %9s | %7s %7s | %6s\n", "op", "size", "compiled", "eager",
           "numpy", "vs eager", "vs numpy", "bw");
    int bad = 0;
    for (int w = 0; w < 2; w++) {
        const char *op = w == 0 ? "gelu" : "layernorm";
        ax_closure *f = ax_closure_new(ctx, w == 0 ? gelu_fn : ln_fn, w == 0 ? 1 : 5, 1, NULL, NULL);
        ax_closure *g = ax_compile(ctx, f, NULL);
        bench_check(ctx, "compile");
        /* the arithmetic floor, twice (the VM is shared): the smaller is kept */
        double spe = 0;
        if (!quick) {
            double a = in_cache_seconds_per_element(ctx, g, w, nt);
            double b = in_cache_seconds_per_element(ctx, g, w, nt);
            spe = fmax(0, fmin(a, b));
            printf("   %-10s arithmetic with the data in L2: %.3f ns per element and core\n", op, spe * nt * 1e9);
        }
        for (int e = 24; e <= 26; e++) {
            int64_t n = quick ? (int64_t)1 << (10 + e - 24) : (int64_t)1 << e;
            int64_t cols = 1024, rows = n / cols;
            ax_scope_begin(ctx);
            ax_array *in[5];
            make_inputs(ctx, w, n, in);
            ax_compile_stats s0;
            ax_compile_stats_get(&s0);
            current = g;
            ax_array *oc = bench_ax_once(ctx, call_closure, in);
            ax_compile_stats s1;
            ax_compile_stats_get(&s1);
            current = f;
            ax_array *oe = bench_ax_once(ctx, call_closure, in);
            double d = rel_diff(ctx, oc, oe);
            if (d != 0) { /* the fused formulas are the eager ones: bitwise equal */
                fprintf(stderr, "%s: compiled and eager results differ (relative %.3g)\n", op, d);
                bad++;
            }
            current = g;
            double tc_best; /* the bandwidth fractions use the best call, as the copy floor does */
            double tc = bench_ax_best(ctx, call_closure, in, quick ? 1 : 5, quick ? 0 : 1.0, &tc_best);
            current = f;
            double te = bench_ax(ctx, call_closure, in, quick ? 1 : 3, quick ? 0 : 1.0);
            double tn = -1;
            if (!quick) {
                char args[64];
                if (w == 0) snprintf(args, sizeof args, "gelu %lld", (long long)n);
                else snprintf(args, sizeof args, "layernorm %lld %lld", (long long)rows, (long long)cols);
                tn = peer(args);
            }
            /* the machine is shared: measure the copy again beside each row and
             * divide by the best copy seen so far (a conservative fraction) */
            if (!quick) {
                double c = bench_copy_bandwidth(nt);
                if (c > copy_bw) copy_bw = c;
            }
            double bytes = 8.0 * (double)n, bw = bytes / tc_best / copy_bw, bw_median = bytes / tc / copy_bw;
            double arith_s = spe * (double)n, floor_s = fmax(bytes / copy_bw, arith_s);
            const char *bound = arith_s > bytes / copy_bw ? "arithmetic" : "memory";
            char size[32];
            if (w == 0) snprintf(size, sizeof size, "2^%d", quick ? 10 + e - 24 : e);
            else snprintf(size, sizeof size, "(%lld, %lld)", (long long)rows, (long long)cols);
            printf("   %-10s %-14s | %8.2fms %8.2fms %8.2fms | %6.2fx %6.2fx | %5.0f%% of %.1f GB/s (median %.0f%%)",
                   op, size, tc * 1e3, te * 1e3, tn * 1e3, te / tc, tn > 0 ? tn / tc : NAN, 100 * bw,
                   copy_bw / 1e9, 100 * bw_median);
            if (!quick)
                printf(" | %4.0f%% of the %s floor (%.2f ms; arithmetic %.2f ms)", 100 * floor_s / tc_best, bound,
                       floor_s * 1e3, arith_s * 1e3);
            printf("%s\n", s1.traces > s0.traces ? "  (first call traced)" : "");
            if (r) {
                char note[200] = "";
                double load = 0;
                FILE *lf = fopen("/proc/loadavg", "r");
                if (lf) {
                    if (fscanf(lf, "%lf", &load) != 1) load = 0;
                    fclose(lf);
                }
                if (te / tc < 2 || bw < 0.85)
                    snprintf(note, sizeof note, "%s%s%s", te / tc < 2 ? "below 2x uncompiled; " : "",
                             bw < 0.85 ? "below 85% of copy bandwidth" : "",
                             load > nt ? " (measured with load average above the core count)" : "");
                char peer_fields[160] = "";
                if (tn > 0)
                    snprintf(peer_fields, sizeof peer_fields,
                             "\"best_peer\": \"numpy\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, ", tn * 1e3,
                             tn / tc);
                bench_row(r,
                          "\"op\": \"%s\", \"size\": \"%s\", \"ax_ms\": %.4f, \"ax_best_ms\": %.4f, \"uncompiled_ms\": %.4f, "
                          "%s\"vs_uncompiled\": %.3f, \"bw_fraction\": %.3f, \"bw_fraction_median\": %.3f, "
                          "\"copy_gbs\": %.2f, \"target\": \"compiled >= 2x uncompiled and >= 85%% of copy bandwidth\", "
                          "\"arith_ms\": %.4f, \"floor_ms\": %.4f, \"floor_fraction\": %.3f, \"bound\": \"%s\", "
                          "\"note\": \"%s%s\", \"threads\": %d",
                          op, size, tc * 1e3, tc_best * 1e3, te * 1e3, peer_fields, te / tc, bw, bw_median,
                          copy_bw / 1e9, arith_s * 1e3, floor_s * 1e3, floor_s / tc_best, bound,
                          tn > 0 ? "" : "numpy not importable; ", note, nt);
            }
            ax_scope_end(ctx);
        }
        ax_closure_release(g);
        if (quick) {
            ax_closure_release(f);
            continue;
        }

        /* compile cost: trace (+ simplify + fuse), build cold, build from disk */
        ax_scope_begin(ctx);
        ax_array *small[5];
        for (int k = 0; k < 5; k++) small[k] = bench_uniform_array(ctx, (int64_t[]){16, 1024}, 2, 1, 2, 9);
        small[1] = bench_uniform_array(ctx, (int64_t[]){16, 1}, 2, 0, 1, 9);
        small[2] = bench_uniform_array(ctx, (int64_t[]){16, 1}, 2, 1, 2, 9);
        small[3] = small[4] = bench_uniform_array(ctx, (int64_t[]){1024}, 1, 1, 2, 9);
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", dir, op);
        ax_compile_set_cache_dir(ctx, sub); /* empty: cold */
        ax_compile_cache_clear();
        double times[2], trace_s[2], build_s[2];
        long long kernels[2];
        for (int pass = 0; pass < 2; pass++) {
            ax_compile_stats a, b;
            ax_compile_stats_get(&a);
            ax_closure *h = ax_compile(ctx, f, NULL);
            double t0 = bench_now();
            ax_array *o = NULL;
            ax_closure_call(ctx, h, small, &o);
            times[pass] = bench_now() - t0;
            ax_eval1(ctx, o);
            bench_check(ctx, "compile cost");
            ax_compile_stats_get(&b);
            trace_s[pass] = b.trace_seconds - a.trace_seconds;
            build_s[pass] = b.build_seconds - a.build_seconds;
            if (pass == 0 && b.kernels_built == a.kernels_built)
                printf("   note: the cold pass built no kernel (no C compiler?)\n");
            if (pass == 1 && (b.disk_hits == a.disk_hits || b.kernels_built != a.kernels_built))
                printf("   note: the second pass did not load its kernels from disk\n");
            kernels[pass] = pass ? b.disk_hits - a.disk_hits : b.kernels_built - a.kernels_built;
            ax_closure_release(h);
            ax_compile_cache_clear(); /* next pass: memory empty, disk warm */
        }
        printf("   %s: first call %.2f ms cold (trace %.2f ms, codegen + cc of %lld kernel(s) %.1f ms), "
               "%.2f ms with the disk cache (trace %.2f ms, %lld kernel(s) loaded in %.2f ms)\n",
               op, times[0] * 1e3, trace_s[0] * 1e3, kernels[0], build_s[0] * 1e3, times[1] * 1e3,
               trace_s[1] * 1e3, kernels[1], build_s[1] * 1e3);
        if (r) {
            bench_row(r, "\"op\": \"%s_trace\", \"size\": \"any\", \"ax_ms\": %.4f, \"note\": \"trace, "
                         "simplify, fuse (no build)\"", op, trace_s[0] * 1e3);
            bench_row(r, "\"op\": \"%s_compile_cold\", \"size\": \"any\", \"ax_ms\": %.4f, \"note\": "
                         "\"first call, empty disk cache: trace + codegen + cc + dlopen of %lld kernel(s) (build %.1f ms)\"",
                      op, times[0] * 1e3, kernels[0], build_s[0] * 1e3);
            bench_row(r, "\"op\": \"%s_compile_disk\", \"size\": \"any\", \"ax_ms\": %.4f, \"note\": "
                         "\"first call of a new compiled closure, kernel from the disk cache\"",
                      op, times[1] * 1e3);
        }
        ax_compile_set_cache_dir(ctx, dir);
        ax_scope_end(ctx);
        ax_closure_release(f);
    }
    ax_compile_cache_clear();
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
