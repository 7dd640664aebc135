/* The conformance runner: every case x dtype x variant, the support matrix
 * (op x dtype) and the coverage check against ops.def. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "harness.h"

/* ---------------------------------------------------------------- crashes
 * A crashing kernel takes the runner down; name the cell first. The handler
 * writes the cell, restores the previous action (default, or a sanitizer's)
 * and returns, so the fault repeats and that action handles it. */

static char current_cell[512];
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_CRASH_SIGNALS ((int)(sizeof crash_signals / sizeof *crash_signals))
static struct sigaction previous[N_CRASH_SIGNALS];

static void on_crash(int sig) {
    static const char head[] = "\nconformance: crashed in ";
    ssize_t r = write(STDERR_FILENO, head, sizeof head - 1);
    r = write(STDERR_FILENO, current_cell, strlen(current_cell));
    r = write(STDERR_FILENO, "\n", 1);
    (void)r;
    for (int i = 0; i < N_CRASH_SIGNALS; i++)
        if (crash_signals[i] == sig) sigaction(sig, &previous[i], NULL);
}

static void catch_crashes(bool on) {
    for (int i = 0; i < N_CRASH_SIGNALS; i++) {
        if (on) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_crash;
            sigemptyset(&sa.sa_mask);
            sigaction(crash_signals[i], &sa, &previous[i]);
        } else {
            sigaction(crash_signals[i], &previous[i], NULL);
        }
    }
}

static const char *const dtype_abbr[AX_DTYPE_COUNT] = {
    "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f16", "bf16", "f32", "f64", "c64",
};

/* Matrix marks in rising precedence ('c': GPU mode, passed but computed on
 * the CPU through the fallback). */
static const char mark_of[] = {[CONF_PASS] = '+', [CONF_FAIL] = 'x', [CONF_UNSUPPORTED] = '-'};
static int rank(char m) { return m == 'x' ? 4 : m == '+' ? 3 : m == 'c' ? 2 : m == '-' ? 1 : 0; }

/* Whether every op the case covers is a view (no kernel on any device). */
static bool views_only(const int *ops, int nops) {
    for (int k = 0; k < nops; k++)
        if (!(ax__op_info[ops[k]].flags & AX_F_VIEW)) return false;
    return nops > 0;
}
static void merge(char *into, char m) {
    if (rank(m) > rank(*into)) *into = m;
}

static int op_by_name(const char *name, size_t len) {
    for (int i = 0; i < AX_OP_COUNT; i++)
        if (strlen(ax__op_info[i].name) == len && !strncmp(ax__op_info[i].name, name, len)) return i;
    return -1;
}

static bool env_on(const char *name) {
    const char *e = getenv(name);
    return e && *e && *e != '0';
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int conf_parse_covers(const conf_case *c, int *ops, int max, FILE *out) {
    int n = 0, bad = 0;
    for (const char *p = c->covers ? c->covers : ""; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (!len) break;
        int op = op_by_name(p, len);
        if (op < 0) {
            fprintf(out, "FAIL case %s covers '%.*s', which is not an op of ops.def\n", c->name,
                    (int)len, p);
            bad++;
        } else if (n < max) {
            ops[n++] = op;
        }
        p += len;
    }
    if (!n && !bad) {
        fprintf(out, "FAIL case %s covers no op\n", c->name);
        bad++;
    }
    return bad ? -1 : n;
}

typedef struct slow_case {
    const char *name;
    double secs;
} slow_case;

static void print_matrix(char (*m)[AX_DTYPE_COUNT], FILE *out) {
    fprintf(out, "\nsupport matrix%s (+ passed, x failed, - unsupported, . no case)%s\n%-18s",
            conf_on_gpu ? " on gpu:0" : "",
            conf_on_gpu ? "\n(c: passed, but every cell of it ran on the CPU through the fallback; "
                          "last column: the op has a GPU kernel (native) or not (cpu))"
                        : "",
            "op");
    for (int t = 0; t < AX_DTYPE_COUNT; t++) fprintf(out, "%5s", dtype_abbr[t]);
    if (conf_on_gpu) fprintf(out, "  gpu");
    fputc('\n', out);
    int native = 0;
    for (int op = 0; op < AX_OP_COUNT; op++) {
        fprintf(out, "%-18s", ax__op_info[op].name);
        for (int t = 0; t < AX_DTYPE_COUNT; t++) fprintf(out, "%5c", m[op][t]);
        if (conf_on_gpu) {
            const bool has = ax_gpu_supports(ax__op_info[op].name);
            native += has;
            fprintf(out, "  %s", has ? "native" : "cpu");
        }
        fputc('\n', out);
    }
    if (conf_on_gpu) fprintf(out, "ops with a GPU kernel: %d/%d\n", native, AX_OP_COUNT);
}

/* Does name contain one of the comma-separated substrings of list? */
static bool matches_any(const char *name, const char *list) {
    while (*list) {
        const char *end = strchr(list, ',');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (n) {
            char item[128];
            if (n >= sizeof item) n = sizeof item - 1;
            memcpy(item, list, n);
            item[n] = 0;
            if (strstr(name, item)) return true;
        }
        if (!end) break;
        list = end + 1;
    }
    return false;
}

bool conf_filtered(void) {
    const char *f = getenv("AX_CONF_FILTER"), *s = getenv("AX_CONF_SKIP");
    return (f && *f) || (s && *s);
}

bool conf_selected(const char *case_name) {
    const char *f = getenv("AX_CONF_FILTER"), *s = getenv("AX_CONF_SKIP");
    if (f && *f && !matches_any(case_name, f)) return false;
    return !(s && *s && matches_any(case_name, s));
}

int conf_run_all(const conf_case *const *tables, int ntables, bool check_coverage, FILE *out) {
    ax_ctx *ctx = ax_ctx_new();
    if (!ctx) {
        fprintf(out, "FAIL cannot create a context\n");
        return 1;
    }
    const bool filter = conf_filtered();
    const bool verbose = env_on("AX_CONF_VERBOSE"), large_all = env_on("AX_CONF_LARGE_ALL");
    unsigned variant_mask = CONF_ALL_VARIANTS; /* AX_CONF_VARIANTS=contig,strided,... */
    const char *vlist = getenv("AX_CONF_VARIANTS");
    if (vlist && *vlist) {
        variant_mask = 0;
        for (unsigned v = 1; v <= CONF_LARGE; v <<= 1)
            if (strstr(vlist, conf_variant_name(v))) variant_mask |= v;
    }
    static char matrix[AX_OP_COUNT][AX_DTYPE_COUNT];
    bool covered[AX_OP_COUNT] = {0};
    memset(matrix, '.', sizeof matrix);
    int problems = 0, ncases = 0, nrun = 0, nexpect = 0;
    long n_fell_back = 0; /* GPU mode: passed cells computed on the CPU */
    long counts[4] = {0};
    slow_case slow[5] = {{0}};
    const double t_start = now_s();
    catch_crashes(true);

    for (int ti = 0; ti < ntables; ti++) {
        if (!tables[ti]) continue;
        for (const conf_case *c = tables[ti]; c->name; c++) {
            ncases++;
            nexpect += c->expect != NULL;
            /* unique names (seeds and reports depend on them) */
            for (int tj = 0; tj <= ti; tj++) {
                if (!tables[tj]) continue;
                for (const conf_case *d = tables[tj]; d->name && d != c; d++)
                    if (!strcmp(d->name, c->name)) {
                        fprintf(out, "FAIL case name %s is used twice\n", c->name);
                        problems++;
                    }
                if (tj == ti) break;
            }
            int ops[AX_OP_COUNT];
            int nops = conf_parse_covers(c, ops, AX_OP_COUNT, out);
            if (nops < 0) {
                problems++;
                continue;
            }
            for (int k = 0; k < nops; k++) covered[ops[k]] = true;
            if (!conf_selected(c->name)) continue;
            nrun++;
            const double t0 = now_s();
            const unsigned variants = (c->variants | CONF_CONTIG) & CONF_ALL_VARIANTS & variant_mask;
            const ax_dtype large_dt = conf_large_dtype(c);
            for (int t = 0; t < AX_DTYPE_COUNT; t++) {
                if (!(c->dtypes & CONF_DT(t))) continue;
                char cell = '.';
                for (unsigned v = 1; v <= CONF_LARGE; v <<= 1) {
                    if (!(variants & v)) continue;
                    if (v == CONF_LARGE && !large_all && (ax_dtype)t != large_dt) continue;
                    const uint64_t seed = conf_seed(c, (ax_dtype)t, v);
                    char msg[1024];
                    snprintf(current_cell, sizeof current_cell, "%s/%s/%s seed=0x%016llx", c->name,
                             ax_dtype_name((ax_dtype)t), conf_variant_name(v),
                             (unsigned long long)seed);
                    const double tc = now_s();
                    conf_outcome o = conf_run_cell(ctx, c, (ax_dtype)t, v, seed, msg, sizeof msg);
                    counts[o]++;
                    const bool on_cpu = conf_on_gpu && o == CONF_PASS && !conf_last_on_gpu &&
                                        !views_only(ops, nops);
                    n_fell_back += on_cpu;
                    if (o == CONF_FAIL || verbose)
                        fprintf(out, "%s %s/%s/%s seed=0x%016llx (%.3f s)%s%s\n",
                                o == CONF_FAIL ? "FAIL" : o == CONF_PASS ? "ok  " : "unsupported",
                                c->name, ax_dtype_name((ax_dtype)t), conf_variant_name(v),
                                (unsigned long long)seed, now_s() - tc, *msg ? ": " : "", msg);
                    merge(&cell, on_cpu ? 'c' : mark_of[o]);
                }
                for (int k = 0; k < nops; k++) merge(&matrix[ops[k]][t], cell);
            }
            /* keep the five slowest cases */
            const double secs = now_s() - t0;
            for (int k = 0; k < 5; k++) {
                if (secs > slow[k].secs) {
                    memmove(&slow[k + 1], &slow[k], sizeof *slow * (size_t)(4 - k));
                    slow[k] = (slow_case){c->name, secs};
                    break;
                }
            }
        }
    }
    catch_crashes(false);
    print_matrix(matrix, out);

    int missing = 0;
    for (int op = 0; op < AX_OP_COUNT; op++)
        if (!covered[op]) {
            if (!missing) fprintf(out, "\nops of ops.def without a case:");
            fprintf(out, " %s", ax__op_info[op].name);
            missing++;
        }
    if (missing) {
        fputc('\n', out);
        if (check_coverage && !filter) {
            fprintf(out, "FAIL %d op(s) have no conformance case\n", missing);
            problems += missing;
        } else {
            fprintf(out, "(coverage not enforced for a filtered run)\n");
        }
    }
    if (slow[0].name) {
        fprintf(out, "slowest cases:");
        for (int k = 0; k < 5 && slow[k].name; k++)
            fprintf(out, " %s %.2fs%s", slow[k].name, slow[k].secs, k < 4 && slow[k + 1].name ? "," : "");
        fputc('\n', out);
    }
    if (conf_on_gpu)
        fprintf(out, "gpu: %ld of %ld passed cells ran on the CPU through the fallback (no GPU kernel, or it "
                "declined)\n", n_fell_back, counts[CONF_PASS]);
    if (counts[CONF_FAIL])
        fprintf(out, "reproduce a failed cell with AX_CONF_FILTER=<case name> AX_CONF_SEED=<its seed>\n");
    fprintf(out,
            "conformance%s: %d cases (%d run, %d with expect()), cells: %ld passed, %ld failed, %ld unsupported; "
            "ops covered %d/%d; %d other problem(s); %.1f s\n",
            conf_on_gpu ? " (gpu:0 vs CPU reference)" : "", ncases, nrun, nexpect, counts[CONF_PASS], counts[CONF_FAIL], counts[CONF_UNSUPPORTED],
            AX_OP_COUNT - missing, AX_OP_COUNT, problems, now_s() - t_start);
    ax_ctx_free(ctx);
    return problems + (int)counts[CONF_FAIL];
}
