/* Benchmark helpers: see bench_util.h. */
#define _GNU_SOURCE
#include "bench_util.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#ifndef AX_BENCH_SOURCE_DIR
#define AX_BENCH_SOURCE_DIR "."
#endif

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_time(bench_fn fn, void *arg, int warmup, int min_reps, int max_reps,
                  double min_seconds) {
    return bench_time_best(fn, arg, warmup, min_reps, max_reps, min_seconds, NULL);
}

double bench_time_best(bench_fn fn, void *arg, int warmup, int min_reps, int max_reps,
                       double min_seconds, double *best) {
    for (int i = 0; i < warmup; i++) fn(arg);
    double *t = malloc(sizeof(double) * (size_t)max_reps);
    if (!t) return -1;
    int n = 0;
    double start = bench_now();
    while (n < max_reps && (n < min_reps || bench_now() - start < min_seconds)) {
        double t0 = bench_now();
        fn(arg);
        t[n++] = bench_now() - t0;
    }
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    if (best) *best = t[0];
    double med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
    return med;
}

/* ---------------------------------------------------------------- floors */

typedef struct floor_job {
    int kind; /* 0 copy (memcpy), 1 read, 2 fma, 3 copy (streaming stores), 4 read (prefetched) */
    char *dst;
    const char *src;
    size_t bytes;
    long iters;
    double result; /* read: sum (kept so the loop is not removed); fma: checksum */
    pthread_barrier_t *barrier;
} floor_job;

typedef float v16f __attribute__((vector_size(64)));

/* A copy whose stores bypass the cache (no read for ownership) and whose
 * loads are prefetched 2 KB ahead, as ax's streaming kernels do; glibc's
 * memcpy is slower on some hosts (25 vs 43 GB/s on the 2-core VM with
 * 2 MiB pages), so the copy floor is the better of the two. Written here,
 * not taken from ax's ew_stream.h, so the floor does not depend on the code
 * it is used to judge. */
static void stream_copy(char *dst, const char *src, size_t bytes) {
    size_t i = 0;
#if defined(__AVX512F__) || defined(__AVX__)
    for (; i + 256 <= bytes; i += 256) {
        for (int k = 0; k < 256; k += 64) __builtin_prefetch(src + i + 2048 + k, 0, 3);
#if defined(__AVX512F__)
        for (int k = 0; k < 256; k += 64)
            _mm512_stream_si512((void *)(dst + i + k), _mm512_loadu_si512((const void *)(src + i + k)));
#else
        for (int k = 0; k < 256; k += 32)
            _mm256_stream_si256((__m256i *)(dst + i + k), _mm256_loadu_si256((const __m256i *)(src + i + k)));
#endif
    }
    _mm_sfence();
#endif
    memcpy(dst + i, src + i, bytes - i);
}

static void *floor_worker(void *p) {
    floor_job *j = p;
    pthread_barrier_wait(j->barrier);
    if (j->kind == 0) {
        memcpy(j->dst, j->src, j->bytes);
    } else if (j->kind == 3) {
        stream_copy(j->dst, j->src, j->bytes);
    } else if (j->kind == 1 || j->kind == 4) {
        /* kind 4 also asks for each line 3 KB ahead: the L2 streamer stops
         * at every 4 KB page, and on the 2-core VM ax's reductions (which
         * prefetch) read faster than the plain loop (35-38 against 32 GB/s) */
        const float *x = (const float *)j->src;
        size_t n = j->bytes / sizeof(float);
        v16f acc[4] = {{0}};
        size_t i = 0;
        for (; i + 64 <= n; i += 64)
            for (int k = 0; k < 4; k++) {
                if (j->kind == 4) __builtin_prefetch(x + i + 16 * k + 768, 0, 3);
                v16f v;
                memcpy(&v, x + i + 16 * k, sizeof v);
                acc[k] += v;
            }
        float s = 0;
        for (int k = 0; k < 4; k++)
            for (int l = 0; l < 16; l++) s += acc[k][l];
        j->result = s;
    } else {
        /* 12 independent FMA chains hide the FMA latency on two ports. */
        enum { NACC = 12 };
        v16f acc[NACC], m, c;
        for (int l = 0; l < 16; l++) {
            m[l] = 0.999999f;
            c[l] = 1e-7f * (float)l;
        }
        for (int k = 0; k < NACC; k++) acc[k] = m * (float)(k + 1);
        for (long it = 0; it < j->iters; it++) {
            for (int k = 0; k < NACC; k++) acc[k] = acc[k] * m + c; /* contracted to FMA */
        }
        float s = 0;
        for (int k = 0; k < NACC; k++)
            for (int l = 0; l < 16; l++) s += acc[k][l];
        j->result = s;
    }
    return NULL;
}

/* Time one parallel pass of `kind` over `bytes` split across `threads`. */
static double floor_pass(int kind, char *dst, const char *src, size_t bytes, long iters,
                         int threads) {
    pthread_t tid[64];
    floor_job jobs[64];
    if (threads > 64) threads = 64;
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
    size_t chunk = bytes / (size_t)threads / 4096 * 4096;
    for (int t = 0; t < threads; t++) {
        size_t off = (size_t)t * chunk;
        size_t len = t == threads - 1 ? bytes - off : chunk;
        jobs[t] = (floor_job){kind, dst ? dst + off : NULL, src ? src + off : NULL, len, iters,
                              0, &barrier};
        pthread_create(&tid[t], NULL, floor_worker, &jobs[t]);
    }
    double t0 = bench_now();
    pthread_barrier_wait(&barrier);
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double dt = bench_now() - t0;
    pthread_barrier_destroy(&barrier);
    volatile double sink = 0;
    for (int t = 0; t < threads; t++) sink += jobs[t].result;
    (void)sink;
    return dt;
}

static double best_of(int kind, char *dst, const char *src, size_t bytes, long iters,
                      int threads, int reps) {
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double dt = floor_pass(kind, dst, src, bytes, iters, threads);
        if (dt < best) best = dt;
    }
    return best;
}

/* 256 MiB buffers defeat the caches; --quick runs use 8 MiB and fewer reps. */
static int quick_mode;
#define FLOOR_BYTES (quick_mode ? (size_t)8 << 20 : (size_t)256 << 20)
#define FLOOR_REPS (quick_mode ? 1 : 7)

int bench_parse_args(int argc, char **argv) {
    quick_mode = argc > 1 && strcmp(argv[1], "--quick") == 0;
    return quick_mode;
}

/* Floor buffers get what ax's own large buffers get (src/core/memory.c):
 * 2 MiB alignment and transparent huge pages, so the floor is not lowered
 * by page walks the measured kernels do not pay. */
static void *floor_alloc(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0) return NULL;
#if defined(MADV_HUGEPAGE)
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

double bench_copy_bandwidth(int threads) {
    char *a = floor_alloc(FLOOR_BYTES), *b = floor_alloc(FLOOR_BYTES);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    memset(a, 1, FLOOR_BYTES);
    memset(b, 2, FLOOR_BYTES);
    double dt = best_of(0, b, a, FLOOR_BYTES, 0, threads, FLOOR_REPS);
    double ds = best_of(3, b, a, FLOOR_BYTES, 0, threads, FLOOR_REPS);
    free(a);
    free(b);
    return 2.0 * (double)FLOOR_BYTES / (ds < dt ? ds : dt); /* read + write */
}

double bench_read_bandwidth(int threads) {
    float *a = floor_alloc(FLOOR_BYTES);
    if (!a) return -1;
    bench_fill_uniform(a, FLOOR_BYTES / sizeof(float), 0, 1, 1);
    double dt = best_of(1, NULL, (const char *)a, FLOOR_BYTES, 0, threads, FLOOR_REPS);
    double dp = best_of(4, NULL, (const char *)a, FLOOR_BYTES, 0, threads, FLOOR_REPS);
    free(a);
    return (double)FLOOR_BYTES / (dp < dt ? dp : dt); /* the faster of the two loops */
}

double bench_fma_peak(int threads) {
    long iters = quick_mode ? 100000 : 20000000;
    double dt = best_of(2, NULL, NULL, (size_t)threads * 4096, iters, threads, quick_mode ? 1 : 3);
    return (double)threads * (double)iters * 12.0 * 16.0 * 2.0 / dt;
}

/* ---------------------------------------------------------------- numpy peer */

static char *run_capture(const char *cmd) {
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else {
                buf = nb;
            }
        }
    }
    int rc = pclose(p);
    if (!buf) return NULL;
    buf[len] = 0;
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

double bench_numpy(const char *workload, const char *args, const char *key) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s/bench/numpy_peer.py %s %s", AX_BENCH_SOURCE_DIR,
             workload, args ? args : "");
    char *out = run_capture(cmd);
    if (!out) return -1;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key ? key : "seconds");
    char *at = strstr(out, pat);
    double v = at ? strtod(at + strlen(pat), NULL) : -1;
    free(out);
    return v;
}

const char *bench_numpy_version(void) {
    static char ver[64];
    if (ver[0]) return ver;
    char *out = run_capture("python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null");
    snprintf(ver, sizeof ver, "%s", out && out[0] ? out : "unavailable");
    ver[strcspn(ver, "\n")] = 0;
    free(out);
    return ver;
}

void bench_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = lo + (hi - lo) * (float)(s >> 40) * (1.0f / 16777216.0f);
    }
}

/* ---------------------------------------------------------------- results */

struct bench_results {
    char name[64];
    char *fields; /* top-level ", \"k\": v" text */
    char *rows;   /* ",\n    {...}" text */
};

static char *append(char *s, const char *t) {
    size_t a = s ? strlen(s) : 0, b = strlen(t);
    char *r = realloc(s, a + b + 1);
    if (!r) return s;
    memcpy(r + a, t, b + 1);
    return r;
}

static void json_escape(char *dst, size_t cap, const char *src) {
    size_t j = 0;
    for (size_t i = 0; src[i] && j + 7 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '"' || c == '\\') {
            dst[j++] = '\\';
            dst[j++] = (char)c;
        } else if (c < 0x20) {
            j += (size_t)snprintf(dst + j, cap - j, "\\u%04x", c);
        } else {
            dst[j++] = (char)c;
        }
    }
    dst[j] = 0;
}

static void cpu_model(char *buf, size_t cap) {
    snprintf(buf, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = 0;
                snprintf(buf, cap, "%s", v);
            }
            break;
        }
    }
    fclose(f);
}

/* SIMD features that matter for the kernels, from /proc/cpuinfo's flags. */
static void cpu_features(char *buf, size_t cap) {
    static const char *want[] = {"avx2", "fma", "avx512f", "avx512bw", "avx512_bf16",
                                 "avx512_fp16", "amx_tile"};
    buf[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0) continue;
        size_t n = 0;
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
            char pat[40];
            snprintf(pat, sizeof pat, " %s ", want[i]);
            line[strcspn(line, "\n")] = ' ';
            if (strstr(line, pat) && n + strlen(want[i]) + 2 < cap)
                n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", want[i]);
        }
        break;
    }
    fclose(f);
}

static void host_name(char *buf, size_t cap) {
    const char *env = getenv("AX_BENCH_HOST");
    if (env && *env) {
        snprintf(buf, cap, "%s", env);
        return;
    }
    if (gethostname(buf, cap) != 0) snprintf(buf, cap, "unknown");
    buf[cap - 1] = 0;
    for (char *p = buf; *p; p++)
        if (*p == '/' || *p == ' ') *p = '_';
}

void bench_field(bench_results *r, const char *key, const char *json_value) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, ",\n  \"%s\": %s", key, json_value);
    r->fields = append(r->fields, tmp);
}

void bench_field_num(bench_results *r, const char *key, double value) {
    if (!r) return;
    char v[32];
    snprintf(v, sizeof v, "%.3f", value);
    bench_field(r, key, v);
}

double bench_report_copy_bandwidth(bench_results *r, int threads) {
    double bw = bench_copy_bandwidth(threads);
    printf("   measured copy bandwidth (%d threads): %.1f GB/s\n", threads, bw / 1e9);
    bench_field_num(r, "copy_bandwidth_gbs", bw / 1e9);
    return bw;
}

static void field_str(bench_results *r, const char *key, const char *value) {
    char esc[512], q[520];
    json_escape(esc, sizeof esc, value);
    snprintf(q, sizeof q, "\"%s\"", esc);
    bench_field(r, key, q);
}

bench_results *bench_begin(const char *name, const char *title) {
    bench_results *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    snprintf(r->name, sizeof r->name, "%s", name);
    char buf[512], cmd[600];
    time_t now = time(NULL);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    field_str(r, "date", buf);
    snprintf(cmd, sizeof cmd,
             "git -C %s rev-parse --short=12 HEAD 2>/dev/null && "
             "(git -C %s diff --quiet HEAD -- src include 2>/dev/null || echo dirty)",
             AX_BENCH_SOURCE_DIR, AX_BENCH_SOURCE_DIR);
    const char *env_commit = getenv("AX_BENCH_COMMIT"); /* for trees without .git */
    char *c = env_commit && *env_commit ? NULL : run_capture(cmd);
    if (env_commit && *env_commit) {
        snprintf(buf, sizeof buf, "%s", env_commit);
    } else if (c) {
        char *nl = strchr(c, '\n');
        if (nl) *nl = 0;
        bool dirty = nl && strstr(nl + 1, "dirty");
        snprintf(buf, sizeof buf, "%s%s", c, dirty ? " (src/include modified)" : "");
    } else {
        snprintf(buf, sizeof buf, "unknown");
    }
    free(c);
    field_str(r, "commit", buf);
    host_name(buf, sizeof buf);
    field_str(r, "host", buf);
    cpu_model(buf, sizeof buf);
    field_str(r, "cpu", buf);
    cpu_features(buf, sizeof buf);
    field_str(r, "cpu_features", buf);
    snprintf(buf, sizeof buf, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    bench_field(r, "cores", buf);
    snprintf(buf, sizeof buf, "%d", ax_get_num_threads());
    bench_field(r, "ax_threads", buf);
    snprintf(buf, sizeof buf, "%.1f",
             (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / (1 << 30));
    bench_field(r, "memory_gib", buf);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s %s", u.sysname, u.release, u.machine);
        field_str(r, "os", buf);
    }
    FILE *la = fopen("/proc/loadavg", "r");
    double l1 = -1;
    if (la) {
        if (fscanf(la, "%lf", &l1) != 1) l1 = -1;
        fclose(la);
    }
    snprintf(buf, sizeof buf, "%.2f", l1);
    bench_field(r, "loadavg_1min_at_start", buf);
    field_str(r, "ax_version", ax_version());
    field_str(r, "numpy_version", bench_numpy_version());
#ifdef __VERSION__
    field_str(r, "compiler", __VERSION__);
#endif
    char hostbuf[256];
    host_name(hostbuf, sizeof hostbuf);
    cpu_model(buf, sizeof buf);
    printf("== %s\n", title);
    printf("   host %s, %s, %ld cores, ax %s (%d threads), numpy %s, load %.2f\n", hostbuf, buf,
           sysconf(_SC_NPROCESSORS_ONLN), ax_version(), ax_get_num_threads(),
           bench_numpy_version(), l1);
    return r;
}

void bench_row(bench_results *r, const char *fmt, ...) {
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    char tmp[2100];
    snprintf(tmp, sizeof tmp, "%s\n    {%s}", r->rows ? "," : "", body);
    r->rows = append(r->rows, tmp);
}

int bench_finish(bench_results *r) {
    if (!r) return 1;
    FILE *la = fopen("/proc/loadavg", "r");
    double l1 = -1;
    if (la) {
        if (fscanf(la, "%lf", &l1) != 1) l1 = -1;
        fclose(la);
    }
    char lv[32];
    snprintf(lv, sizeof lv, "%.2f", l1);
    bench_field(r, "loadavg_1min_at_end", lv);
    const char *dir = getenv("AX_BENCH_RESULTS");
    char path[1024], host[256];
    host_name(host, sizeof host);
    if (dir && *dir)
        snprintf(path, sizeof path, "%s/%s-%s.json", dir, r->name, host);
    else
        snprintf(path, sizeof path, "%s/bench/results/%s-%s.json", AX_BENCH_SOURCE_DIR, r->name,
                 host);
    int rc = 1;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "{\n  \"benchmark\": \"%s\"%s,\n  \"rows\": [%s\n  ]\n}\n", r->name,
                r->fields ? r->fields : "", r->rows ? r->rows : "");
        rc = fclose(f) != 0;
        printf("   results: %s\n\n", path);
    } else {
        fprintf(stderr, "cannot write %s\n", path);
    }
    free(r->fields);
    free(r->rows);
    free(r);
    return rc;
}

void bench_check(ax_ctx *ctx, const char *what) {
    if (ax_error_code(ctx) == AX_OK) return;
    fprintf(stderr, "%s: %s: %s\n", what, ax_status_name(ax_error_code(ctx)),
            ax_error_message(ctx));
    exit(1);
}

/* ---------------------------------------------------------------- ax timing */

typedef struct ax_job {
    ax_ctx *ctx;
    bench_build_fn build;
    ax_array *const *in;
} ax_job;

static void ax_job_run(void *p) {
    ax_job *j = p;
    ax_scope_begin(j->ctx);
    ax_array *out = j->build(j->ctx, j->in);
    ax_eval1(j->ctx, out);
    ax_scope_end(j->ctx);
}

ax_array *bench_ax_once(ax_ctx *ctx, bench_build_fn build, ax_array *const *in) {
    ax_array *out = build(ctx, in);
    ax_eval1(ctx, out);
    bench_check(ctx, "bench_ax_once");
    return out;
}

double bench_ax(ax_ctx *ctx, bench_build_fn build, ax_array *const *in, int min_reps,
                double min_seconds) {
    return bench_ax_best(ctx, build, in, min_reps, min_seconds, NULL);
}

double bench_ax_best(ax_ctx *ctx, bench_build_fn build, ax_array *const *in, int min_reps,
                     double min_seconds, double *best) {
    ax_job j = {ctx, build, in};
    ax_job_run(&j);
    bench_check(ctx, "benchmark workload");
    return bench_time_best(ax_job_run, &j, 1, min_reps, 200, min_seconds, best);
}

ax_array *bench_uniform_array(ax_ctx *ctx, const int64_t *shape, int ndim, float lo, float hi,
                              uint64_t seed) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    float *buf = malloc(sizeof(float) * (size_t)(n ? n : 1));
    if (!buf) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    bench_fill_uniform(buf, (size_t)n, lo, hi, seed);
    ax_array *a = ax_array_from_data(ctx, buf, AX_FLOAT32, shape, ndim);
    free(buf);
    bench_check(ctx, "bench_uniform_array");
    return a;
}

int bench_expect_close(const char *what, double x, double ref, double tol) {
    double den = fabs(ref) > 1e-30 ? fabs(ref) : 1e-30;
    if (fabs(x - ref) / den <= tol) return 0;
    fprintf(stderr, "CHECK FAILED: %s: ax gives %.9g, expected %.9g\n", what, x, ref);
    return 1;
}
