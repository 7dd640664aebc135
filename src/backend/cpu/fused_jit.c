/* Run-time compilation of fused kernels: C source from ax__fused_codegen,
 * compiled by the system C compiler into a shared object, loaded with
 * dlopen; cached in memory (LRU, bounded, entries in use are never dropped)
 * and on disk (one .so per key, written under a temporary name and renamed,
 * so concurrent processes share the directory safely).
 *
 * Key: a 128-bit hash of the source, the compiler command and its
 * `--version` banner, the flags and the text of the headers the source
 * includes (ew_math.h, ax/core.h), so a change to any of them builds anew.
 *
 * Finding the headers: the generated source includes backend/cpu/ew_math.h
 * (the eager kernels' math, so results match). The compiler gets -I for the
 * source tree this library was built from (its path is known at build time
 * through __FILE__), or for $AX_COMPILE_SRC_DIR (a directory holding src/
 * and include/ of the same version) when set. Without them, or without a
 * working compiler, programs run through the interpreter (same results,
 * slower), counted in ax_compile_stats.interpreted.
 *
 * Environment: CC (compiler, default cc; may hold words such as "ccache
 * gcc"), AX_KERNEL_CACHE (directory; "off" disables the disk cache),
 * AX_COMPILE_INTERPRET=1 (never compile), AX_COMPILE_VERBOSE=1 (say on stderr
 * why a kernel is interpreted), AX_COMPILE_KEEP_SOURCE=1 (keep ax-<key>.c beside
 * each new .so), AX_COMPILE_JIT_LIMIT=n (at most n
 * compiler runs in this process; later kernels are interpreted — the
 * conformance run uses it to bound its time). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ax/compile.h"
#include "backend/cpu/fused.h"

extern char **environ;

#define JIT_FLAGS_COMMON "-O3 -std=c11 -fno-math-errno -fno-trapping-math -fPIC -shared"
#if defined(__AVX512F__)
#define JIT_FLAGS JIT_FLAGS_COMMON " -march=native -mprefer-vector-width=512"
#elif defined(__x86_64__) || defined(__aarch64__)
#define JIT_FLAGS JIT_FLAGS_COMMON " -march=native"
#else
#define JIT_FLAGS JIT_FLAGS_COMMON
#endif

typedef struct jit_entry {
    uint64_t key[2];
    void *handle;
    fz_kernel_fn fn;
    long refs;          /* programs using it */
    unsigned long used; /* LRU clock */
    struct jit_entry *next;
} jit_entry;

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;
static jit_entry *entries;
static int n_entries, max_entries = 256;
static unsigned long lru_clock;
static char cache_dir[4096];
static bool cache_dir_set; /* set by ax_compile_set_cache_dir */
static bool compiler_broken;
static char compiler_why[512];
static long jit_runs;
/* keys whose build failed (not retried in this process) */
#define MAX_FAILED 256
static uint64_t failed_keys[MAX_FAILED][2];
static int n_failed;

static bool env_on(const char *name) {
    const char *e = getenv(name);
    return e && *e && *e != '0';
}

/* ---------------------------------------------------------------- hashing */

static void fnv(uint64_t h[2], const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h[0] = (h[0] ^ p[i]) * 0x100000001b3ull;
        h[1] = (h[1] ^ p[i]) * 0x100000001b3ull ^ (h[1] >> 29);
    }
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap + 1);
    while (s) {
        size_t k = fread(s + n, 1, cap - n, f);
        n += k;
        if (n < cap) break;
        char *t = realloc(s, cap * 2 + 1);
        if (!t) {
            free(s);
            s = NULL;
            break;
        }
        s = t;
        cap *= 2;
    }
    fclose(f);
    if (s) s[n] = 0;
    if (len) *len = n;
    return s;
}

/* ---------------------------------------------------------------- directories */

/* The source tree root (holding src/ and include/), or "" if unknown. */
static const char *src_root(void) {
    static char root[4096];
    static bool done;
    if (done) return root;
    done = true;
    const char *e = getenv("AX_COMPILE_SRC_DIR");
    if (e && *e) {
        snprintf(root, sizeof root, "%s", e);
    } else {
        const char *f = __FILE__, *tail = strstr(f, "src/backend/cpu/fused_jit.c");
        if (tail && f[0] == '/') snprintf(root, sizeof root, "%.*s", (int)(tail - f), f);
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/src/backend/cpu/ew_math.h", root);
    if (!*root || access(probe, R_OK) != 0) root[0] = 0;
    return root;
}

static void default_cache_dir(char *out, size_t cap) {
    const char *e = getenv("AX_KERNEL_CACHE");
    if (e && *e) {
        snprintf(out, cap, "%s", e);
        return;
    }
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && *x) {
        snprintf(out, cap, "%s/ax", x);
        return;
    }
    const char *h = getenv("HOME");
    if (h && *h) snprintf(out, cap, "%s/.cache/ax", h);
    else out[0] = 0;
}

static const char *current_dir_locked(void) {
    if (!cache_dir_set) default_cache_dir(cache_dir, sizeof cache_dir);
    return strcmp(cache_dir, "off") == 0 ? "" : cache_dir;
}

static bool mkdir_p(const char *dir) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

ax_status ax_compile_set_cache_dir(ax_ctx *ctx, const char *dir) {
    if (dir && strlen(dir) >= sizeof cache_dir - 64)
        return ctx ? ax__fail(ctx, AX_ERR_VALUE, "compile_set_cache_dir: path of %zu bytes is too long",
                              strlen(dir))
                   : AX_ERR_VALUE;
    pthread_mutex_lock(&jit_lock);
    if (dir && *dir) {
        snprintf(cache_dir, sizeof cache_dir, "%s", dir);
        cache_dir_set = true;
    } else {
        cache_dir_set = false;
    }
    pthread_mutex_unlock(&jit_lock);
    return AX_OK;
}

const char *ax_compile_cache_dir(void) {
    static char copy[4096];
    pthread_mutex_lock(&jit_lock);
    snprintf(copy, sizeof copy, "%s", current_dir_locked());
    pthread_mutex_unlock(&jit_lock);
    return copy;
}

/* ---------------------------------------------------------------- compiler */

/* Split $CC into argv words (at most 16). */
static int compiler_words(char *buf, size_t cap, char **argv) {
    const char *cc = getenv("CC");
    snprintf(buf, cap, "%s", cc && *cc ? cc : "cc");
    int n = 0;
    for (char *p = strtok(buf, " \t"); p && n < 16; p = strtok(NULL, " \t")) argv[n++] = p;
    return n;
}

/* Run argv with stdout+stderr into log (NULL: discarded); exit status or -1. */
static int run(char *const *argv, const char *log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Hash of everything besides the source that decides the object code. */
static bool toolchain_hash(uint64_t out[2]) {
    static uint64_t h[2];
    static int state; /* 0 unknown, 1 ok, 2 unusable */
    if (state) {
        memcpy(out, h, sizeof h);
        return state == 1;
    }
    state = 2;
    h[0] = 0xcbf29ce484222325ull;
    h[1] = 0x84222325cbf29ce4ull;
    const char *root = src_root();
    if (!*root) {
        snprintf(compiler_why, sizeof compiler_why,
                 "the ax source tree (for ew_math.h) is not found; set AX_COMPILE_SRC_DIR");
        return false;
    }
    char words[1024], *argv[20];
    int n = compiler_words(words, sizeof words, argv);
    if (n == 0) {
        snprintf(compiler_why, sizeof compiler_why, "CC is empty");
        return false;
    }
    char log[] = "/tmp/ax-cc-version-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0) {
        snprintf(compiler_why, sizeof compiler_why, "cannot create a temporary file");
        return false;
    }
    close(fd);
    argv[n] = "--version";
    argv[n + 1] = NULL;
    int rc = run(argv, log);
    size_t len = 0;
    char *banner = read_file(log, &len);
    unlink(log);
    if (rc != 0 || !banner) {
        snprintf(compiler_why, sizeof compiler_why, "no working C compiler ('%.200s --version' failed)",
                 argv[0]);
        free(banner);
        return false;
    }
    for (int i = 0; i < n; i++) fnv(h, argv[i], strlen(argv[i]) + 1);
    fnv(h, banner, len);
    free(banner);
    fnv(h, JIT_FLAGS, sizeof JIT_FLAGS);
    static const char *const headers[] = {"src/backend/cpu/ew_math.h", "src/backend/cpu/ew_stream.h",
                                           "include/ax/core.h"};
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", root, headers[i]);
        size_t hl = 0;
        char *text = read_file(path, &hl);
        if (!text) {
            snprintf(compiler_why, sizeof compiler_why, "cannot read %.200s", headers[i]);
            return false;
        }
        fnv(h, text, hl);
        free(text);
    }
    state = 1;
    memcpy(out, h, sizeof h);
    return true;
}

/* Compile src into so_path (via a temporary name). false with why set. */
static bool build_so(const char *src, const char *dir, const char *stem, const char *so_path,
                     char *why, size_t cap) {
    static atomic_long seq;
    char c_path[4200], tmp_so[4200], log[4200];
    long s = atomic_fetch_add(&seq, 1);
    snprintf(c_path, sizeof c_path, "%s/%s.%ld.%ld.c", dir, stem, (long)getpid(), s);
    snprintf(tmp_so, sizeof tmp_so, "%s/%s.%ld.%ld.so.tmp", dir, stem, (long)getpid(), s);
    snprintf(log, sizeof log, "%s/%s.%ld.%ld.log", dir, stem, (long)getpid(), s);
    FILE *f = fopen(c_path, "w");
    if (!f || fputs(src, f) < 0) {
        if (f) fclose(f);
        snprintf(why, cap, "cannot write %s", c_path);
        return false;
    }
    fclose(f);
    const char *root = src_root();
    char inc1[4200], inc2[4200], words[1024], flags[] = JIT_FLAGS;
    snprintf(inc1, sizeof inc1, "-I%s/src", root);
    snprintf(inc2, sizeof inc2, "-I%s/include", root);
    char *argv[64];
    int n = compiler_words(words, sizeof words, argv);
    for (char *p = strtok(flags, " "); p && n < 50; p = strtok(NULL, " ")) argv[n++] = p;
    argv[n++] = inc1;
    argv[n++] = inc2;
    argv[n++] = "-o";
    argv[n++] = tmp_so;
    argv[n++] = c_path;
    argv[n++] = "-lm";
    argv[n] = NULL;
    int rc = run(argv, log);
    bool ok = rc == 0 && rename(tmp_so, so_path) == 0;
    if (!ok) {
        char *text = read_file(log, NULL);
        snprintf(why, cap, "the C compiler failed (status %d; source and log kept in %s): %.300s", rc,
                 log, text ? text : "");
        free(text);
        if (rc == -1) {
            compiler_broken = true;
            snprintf(compiler_why, sizeof compiler_why, "cannot run the C compiler '%.200s'", argv[0]);
        }
        unlink(tmp_so);
        return false; /* keep the source and the log to look at */
    }
    if (env_on("AX_COMPILE_KEEP_SOURCE")) {
        char kept[4300];
        snprintf(kept, sizeof kept, "%s/%s.c", dir, stem);
        rename(c_path, kept);
    }
    unlink(c_path);
    unlink(log);
    return ok;
}

/* ---------------------------------------------------------------- cache */

static void evict_locked(int limit) {
    while (n_entries > limit) {
        jit_entry **victim = NULL;
        for (jit_entry **e = &entries; *e; e = &(*e)->next)
            if ((*e)->refs == 0 && (!victim || (*e)->used < (*victim)->used)) victim = e;
        if (!victim) return; /* everything is in use */
        jit_entry *dead = *victim;
        *victim = dead->next;
        dlclose(dead->handle);
        free(dead);
        n_entries--;
        atomic_fetch_add(&ax__compile_counters.evictions, 1);
    }
}

void ax_compile_cache_clear(void) {
    pthread_mutex_lock(&jit_lock);
    evict_locked(0);
    pthread_mutex_unlock(&jit_lock);
}

void ax_compile_set_cache_limit(int max_kernels) {
    pthread_mutex_lock(&jit_lock);
    max_entries = max_kernels < 1 ? 1 : max_kernels;
    evict_locked(max_entries);
    pthread_mutex_unlock(&jit_lock);
}

void ax__fused_jit_release(void *kernel_ref) {
    pthread_mutex_lock(&jit_lock);
    jit_entry *e = kernel_ref;
    e->refs--;
    evict_locked(max_entries);
    pthread_mutex_unlock(&jit_lock);
}

static jit_entry *load(const char *so_path, const uint64_t key[2], char *why, size_t cap) {
    void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *err = dlerror();
        snprintf(why, cap, "dlopen failed: %s", err ? err : "?");
        return NULL;
    }
    fz_kernel_fn fn;
    void *sym = dlsym(h, "ax_fused_kernel");
    memcpy(&fn, &sym, sizeof fn);
    jit_entry *e = sym ? calloc(1, sizeof *e) : NULL;
    if (!e) {
        snprintf(why, cap, sym ? "out of host memory" : "ax_fused_kernel missing from %s", so_path);
        dlclose(h);
        return NULL;
    }
    memcpy(e->key, key, sizeof e->key);
    e->handle = h;
    e->fn = fn;
    return e;
}

void ax__fused_jit(ax_fused_prog *prog, char *why, size_t cap) {
    char dummy[600];
    if (!why) {
        why = dummy;
        cap = sizeof dummy;
    }
    why[0] = 0;
    prog->fn = NULL;
    prog->interpreted = true;
    if (env_on("AX_COMPILE_INTERPRET")) {
        snprintf(why, cap, "AX_COMPILE_INTERPRET is set");
        atomic_fetch_add(&ax__compile_counters.interpreted, 1);
        return;
    }
    char *src = ax__fused_codegen(prog);
    if (!src) {
        snprintf(why, cap, "out of host memory generating code");
        atomic_fetch_add(&ax__compile_counters.interpreted, 1);
        return;
    }
    const int64_t t0 = ax__compile_now_ns();
    pthread_mutex_lock(&jit_lock);
    uint64_t key[2];
    jit_entry *e = NULL;
    if (!toolchain_hash(key) || compiler_broken) {
        snprintf(why, cap, "%s", compiler_why);
        goto out;
    }
    fnv(key, src, strlen(src));
    for (e = entries; e; e = e->next)
        if (e->key[0] == key[0] && e->key[1] == key[1]) break;
    if (e) {
        atomic_fetch_add(&ax__compile_counters.memory_hits, 1);
        goto out;
    }
    for (int i = 0; i < n_failed; i++)
        if (failed_keys[i][0] == key[0] && failed_keys[i][1] == key[1]) {
            snprintf(why, cap, "an earlier build of this kernel failed");
            goto out;
        }
    char stem[64], so_path[4200], tmpdir[64] = "";
    snprintf(stem, sizeof stem, "ax-%016llx%016llx", (unsigned long long)key[0],
             (unsigned long long)key[1]);
    const char *dir = current_dir_locked();
    if (*dir && !mkdir_p(dir)) dir = ""; /* unusable: build in a temporary directory */
    if (*dir) {
        snprintf(so_path, sizeof so_path, "%s/%s.so", dir, stem);
        if (access(so_path, R_OK) == 0 && (e = load(so_path, key, why, cap))) {
            atomic_fetch_add(&ax__compile_counters.disk_hits, 1);
            goto insert;
        }
    }
    const char *lim = getenv("AX_COMPILE_JIT_LIMIT");
    if (lim && *lim && jit_runs >= atol(lim)) {
        snprintf(why, cap, "AX_COMPILE_JIT_LIMIT=%s compiler runs reached", lim);
        goto out;
    }
    if (!*dir) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/ax-jit-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            snprintf(why, cap, "no kernel cache directory and no temporary directory");
            goto out;
        }
        dir = tmpdir;
        snprintf(so_path, sizeof so_path, "%s/%s.so", dir, stem);
    }
    jit_runs++;
    if (build_so(src, dir, stem, so_path, why, cap)) {
        e = load(so_path, key, why, cap);
        if (e) atomic_fetch_add(&ax__compile_counters.kernels_built, 1);
    }
    if (!e && n_failed < MAX_FAILED) {
        failed_keys[n_failed][0] = key[0];
        failed_keys[n_failed][1] = key[1];
        n_failed++;
    }
    if (*tmpdir) {
        unlink(so_path); /* the mapping stays valid */
        rmdir(tmpdir);
    }
    if (!e) goto out;
insert:
    e->next = entries;
    entries = e;
    n_entries++;
out:
    if (e) {
        e->refs++;
        e->used = ++lru_clock;
        prog->fn = e->fn;
        prog->kernel_ref = e;
        prog->interpreted = false;
        evict_locked(max_entries);
    } else {
        atomic_fetch_add(&ax__compile_counters.interpreted, 1);
        if (env_on("AX_COMPILE_VERBOSE")) fprintf(stderr, "ax_compile: interpreting a fused kernel: %s\n", why);
    }
    pthread_mutex_unlock(&jit_lock);
    atomic_fetch_add(&ax__compile_counters.build_ns, ax__compile_now_ns() - t0);
    free(src);
}
