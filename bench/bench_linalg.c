/* Linear algebra, ax vs the Python peers (NumPy, and SciPy with each LAPACK
 * driver it offers) through bench/peer_linalg.py: svd and eigh of 512 x 512,
 * solve (one right-hand side), inv and cholesky of 1024 x 1024, float32 and
 * float64. Each ax result is checked (residuals) before it is timed. Rows
 * carry best_peer / best_peer_ms / ax_vs_best_peer (> 1: ax faster) and the
 * SciPy driver that was fastest. ax and the peers all end in LAPACK; both
 * link OpenBLAS (ax the system's, NumPy/SciPy their bundled build), so the
 * differences are the driver choice, the copies around the call and the
 * OpenBLAS version. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax/ax.h"
#include "bench_util.h"

/* in[0]: a (n x n, uniform), in[1]: a + n I, in[2]: symmetric (a + a^T) / 2,
 * in[3]: positive definite a a^T / n + I, in[4]: b (n,) */
static ax_array *w_svd(ax_ctx *c, ax_array *const *in) {
    ax_array *u, *s, *vh;
    if (ax_linalg_svd(c, in[0], false, true, &u, &s, &vh) != AX_OK) return NULL;
    ax_array *all[3] = {u, s, vh};
    return ax_eval(c, all, 3) == AX_OK ? s : NULL;
}
static ax_array *w_eigh(ax_ctx *c, ax_array *const *in) {
    ax_array *w, *v;
    if (ax_linalg_eigh(c, in[2], false, &w, &v) != AX_OK) return NULL;
    ax_array *all[2] = {w, v};
    return ax_eval(c, all, 2) == AX_OK ? w : NULL;
}
static ax_array *w_solve(ax_ctx *c, ax_array *const *in) { return ax_linalg_solve(c, in[1], in[4]); }
static ax_array *w_inv(ax_ctx *c, ax_array *const *in) { return ax_linalg_inv(c, in[1]); }
static ax_array *w_cholesky(ax_ctx *c, ax_array *const *in) { return ax_linalg_cholesky(c, in[3], false); }

typedef struct peer_times {
    double numpy, scipy;
    char driver[32];
} peer_times;

static double json_num(const char *s, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(s, pat);
    return at ? strtod(at + strlen(pat), NULL) : -1;
}

static peer_times run_peer(const char *workload, int64_t n, const char *dt, int threads) {
    peer_times t = {-1, -1, ""};
    char cmd[1024], buf[4096];
    snprintf(cmd, sizeof cmd,
             "OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d python3 %s/bench/peer_linalg.py %s %lld %s 2>/dev/null",
             threads, threads, AX_BENCH_SOURCE_DIR, workload, (long long)n, dt);
    FILE *p = popen(cmd, "r");
    if (!p) return t;
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = 0;
    if (pclose(p) != 0 || len == 0) {
        printf("   (peer %s unavailable: is numpy importable?)\n", workload);
        return t;
    }
    t.numpy = json_num(buf, "numpy");
    t.scipy = json_num(buf, "scipy");
    const char *d = strstr(buf, "\"scipy_driver\": \"");
    if (d) sscanf(d + strlen("\"scipy_driver\": \""), "%31[^\"]", t.driver);
    return t;
}

/* max |x| over an evaluated array (as double) */
static double max_abs(ax_ctx *ctx, ax_array *a) {
    ax_array *m = ax_max(ctx, ax_abs(ctx, ax_astype(ctx, a, AX_FLOAT64)), NULL, 0, false);
    double v = NAN;
    if (!m || ax_item_f64(ctx, m, &v) != AX_OK) return NAN;
    return v;
}

/* Relative residual of the op's defining equation; bad if above tol. */
static int check(ax_ctx *ctx, const char *op, ax_array *const *in, ax_dtype t, int64_t n) {
    ax_scope_begin(ctx);
    double res = NAN, scale = 1;
    if (!strcmp(op, "svd")) {
        ax_array *u, *s, *vh;
        ax_linalg_svd(ctx, in[0], false, true, &u, &s, &vh);
        int m2 = -2;
        ax_array *rec = ax_matmul(ctx, ax_multiply(ctx, u, ax_expand_dims(ctx, s, &m2, 1)), vh);
        res = max_abs(ctx, ax_subtract(ctx, rec, in[0]));
        scale = max_abs(ctx, in[0]);
    } else if (!strcmp(op, "eigh")) {
        ax_array *w, *v;
        ax_linalg_eigh(ctx, in[2], false, &w, &v);
        int m2 = -2;
        ax_array *av = ax_matmul(ctx, in[2], v), *vw = ax_multiply(ctx, v, ax_expand_dims(ctx, w, &m2, 1));
        res = max_abs(ctx, ax_subtract(ctx, av, vw));
        scale = max_abs(ctx, w);
    } else if (!strcmp(op, "solve")) {
        ax_array *x = ax_linalg_solve(ctx, in[1], in[4]);
        res = max_abs(ctx, ax_subtract(ctx, ax_matmul(ctx, in[1], x), in[4]));
        scale = (double)n;
    } else if (!strcmp(op, "inv")) {
        ax_array *x = ax_linalg_inv(ctx, in[1]);
        res = max_abs(ctx, ax_subtract(ctx, ax_matmul(ctx, in[1], x), ax_eye(ctx, n, n, 0, t)));
    } else {
        ax_array *l = ax_linalg_cholesky(ctx, in[3], false);
        res = max_abs(ctx, ax_subtract(ctx, ax_matmul(ctx, l, ax_swapaxes(ctx, l, 0, 1)), in[3]));
        scale = max_abs(ctx, in[3]);
    }
    bench_check(ctx, op);
    ax_scope_end(ctx);
    double rel = res / scale, tol = (t == AX_FLOAT64 ? 1e-13 : 1e-4) * (double)n;
    if (!(rel <= tol)) {
        fprintf(stderr, "CHECK FAILED: %s %s n=%lld: relative residual %.3g > %.3g\n", op,
                ax_dtype_name(t), (long long)n, rel, tol);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    int quick = bench_parse_args(argc, argv);
    ax_ctx *ctx = ax_ctx_new();
    bench_results *r = quick ? NULL : bench_begin("linalg", "Linear algebra (LAPACK) vs NumPy and SciPy");
    int nt_all = ax_get_num_threads();
    printf("   %-9s %-8s %6s %3s | %9s | %9s | %9s %-6s | %7s\n", "op", "dtype", "n", "thr", "ax ms",
           "numpy ms", "scipy ms", "driver", "ax/best");
    const struct {
        const char *op;
        bench_build_fn fn;
        int64_t n;
    } ws[] = {{"svd", w_svd, 512},     {"eigh", w_eigh, 512},         {"solve", w_solve, 1024},
              {"inv", w_inv, 1024},    {"cholesky", w_cholesky, 1024}};
    const ax_dtype dts[2] = {AX_FLOAT32, AX_FLOAT64};
    int bad = 0;
    /* Every workload with all threads, then with one thread on both sides
     * (OPENBLAS_NUM_THREADS=1 for the peers): on a loaded machine OpenBLAS's
     * spinning threads can make the threaded timings of either side swing by
     * 10x, while the single-threaded ones still compare drivers and copies. */
    const int thread_counts[2] = {nt_all, 1};
    for (int ti = 0; ti < (nt_all > 1 && !quick ? 2 : 1); ti++) {
    int nt = thread_counts[ti];
    ax_set_num_threads(nt);
    for (size_t k = 0; k < sizeof ws / sizeof ws[0]; k++)
        for (int di = 0; di < 2; di++) {
            ax_dtype t = dts[di];
            const char *dn = ax_dtype_name(t);
            int64_t n = quick ? 24 : ws[k].n;
            ax_scope_begin(ctx);
            int64_t sh[2] = {n, n};
            ax_array *a = ax_astype(ctx, bench_uniform_array(ctx, sh, 2, -1, 1, 11 + k), t);
            ax_array *nI = ax_multiply(ctx, ax_eye(ctx, n, n, 0, t), ax_scalar(ctx, (double)n, t));
            ax_array *in[5];
            in[0] = a;
            in[1] = ax_add(ctx, a, nI);
            in[2] = ax_multiply(ctx, ax_add(ctx, a, ax_swapaxes(ctx, a, 0, 1)), ax_scalar(ctx, 0.5, t));
            in[3] = ax_add(ctx, ax_divide(ctx, ax_matmul(ctx, a, ax_swapaxes(ctx, a, 0, 1)), ax_scalar(ctx, (double)n, t)),
                           ax_eye(ctx, n, n, 0, t));
            in[4] = ax_astype(ctx, bench_uniform_array(ctx, &n, 1, -1, 1, 99), t);
            for (int i = 0; i < 5; i++) in[i] = ax_contiguous(ctx, in[i]);
            ax_eval(ctx, in, 5);
            bench_check(ctx, "inputs");
            bad += check(ctx, ws[k].op, in, t, n);
            double ta = bench_ax(ctx, ws[k].fn, in, quick ? 1 : 3, quick ? 0 : 1.0);
            peer_times pt = {-1, -1, ""};
            if (!quick) pt = run_peer(ws[k].op, n, dn, nt);
            const char *best = NULL;
            double bt = -1;
            if (pt.numpy > 0) best = "numpy", bt = pt.numpy;
            if (pt.scipy > 0 && (bt < 0 || pt.scipy < bt)) best = "scipy", bt = pt.scipy;
            printf("   %-9s %-8s %6lld %3d | %9.2f | %9.2f | %9.2f %-6s | %6.2fx\n", ws[k].op, dn,
                   (long long)n, nt, ta * 1e3, pt.numpy * 1e3, pt.scipy * 1e3, pt.driver, bt > 0 ? bt / ta : NAN);
            if (r) {
                char size[32];
                snprintf(size, sizeof size, "%lldx%lld %s %dT", (long long)n, (long long)n, dn, nt);
                if (best)
                    bench_row(r,
                              "\"op\": \"%s\", \"size\": \"%s\", \"dtype\": \"%s\", \"threads\": %d, "
                              "\"ax_ms\": %.4f, \"numpy_ms\": %.4f, \"scipy_ms\": %.4f, \"scipy_driver\": \"%s\", "
                              "\"best_peer\": \"%s%s%s\", \"best_peer_ms\": %.4f, \"ax_vs_best_peer\": %.3f, "
                              "\"target\": 0.833%s",
                              ws[k].op, size, dn, nt, ta * 1e3, pt.numpy * 1e3, pt.scipy * 1e3, pt.driver, best,
                              strcmp(best, "scipy") ? "" : " ", strcmp(best, "scipy") ? "" : pt.driver,
                              bt * 1e3, bt / ta,
                              bt / ta < 1 ? ", \"note\": \"same LAPACK driver as the peer (see scipy_driver); "
                                            "the gap is the OpenBLAS build (the system's vs the one "
                                            "NumPy/SciPy bundle) or load\"" : "");
                else
                    bench_row(r, "\"op\": \"%s\", \"size\": \"%s\", \"dtype\": \"%s\", \"ax_ms\": %.4f",
                              ws[k].op, size, dn, ta * 1e3);
            }
            ax_scope_end(ctx);
        }
    }
    ax_set_num_threads(nt_all);
    ax_ctx_free(ctx);
    int rc = r ? bench_finish(r) : 0;
    if (bad) fprintf(stderr, "%d result check(s) failed\n", bad);
    return rc || bad;
}
