/* CUDA kernels: fused family (see cuda.h): FUSED nodes made by ax_compile,
 * compiled at run time with NVRTC.
 *
 * fused_codegen.c writes CUDA source for the node's program; NVRTC compiles
 * it for the current device (a cubin for sm_XY, or PTX for the newest
 * architecture NVRTC knows when it does not know the device's, which the
 * driver then compiles); the runtime API loads it (cudaLibraryLoadData, no
 * libcuda link) and cudaLaunchKernel runs the kernel handles.
 *
 * Caches: in memory, a bounded LRU (AX_FZ_CU_MAX entries) of (device,
 * program) with a copy of the program compared bytewise (a launch neither
 * regenerates source nor hashes; the last used entry is found first); on disk, the compiled image under <ax_compile_cache_dir()>/cuda/
 * (the CPU JIT's directory: AX_KERNEL_CACHE, $XDG_CACHE_HOME/ax or
 * ~/.cache/ax; none when the cache is "off"), named by a hash of the source,
 * the architecture, the NVRTC version and the options, written under a
 * temporary name and renamed (safe for concurrent processes).
 *
 * ax_compile_stats' counters are the CPU JIT's (compile time) and are not
 * touched here.
 *
 * Declines (the CPU kernel runs): programs with a step or dtype the
 * generator does not know, node/program mismatches, layouts that do not
 * coalesce to AX_CU_MAX_DIMS dims, AX_COMPILE_INTERPRET=1, and any NVRTC or
 * load failure (remembered per program, said once on stderr when AX_DEBUG
 * is set). */
#include <errno.h>
#include <nvrtc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ax/compile.h"
#include "backend/cuda/cuda.h"
#include "backend/cuda/fused_cuda.h"

_Static_assert(AX_CU_MAX_DIMS == 12 && AX_CU_EW_MAX_OPS == 8 && FZ_MAX_OPERANDS == 8,
               "FZ_CU_ARGS_BODY's array sizes");

#define AX_FZ_CU_MAX 256 /* kernels kept loaded */
#define FZ_THREADS 256

typedef struct fz_entry {
    int dev;
    int n_vals, n_in, n_out; /* copy of the program (its identity) */
    fz_val *vals;
    int *out_vals;
    bool failed;     /* NVRTC or the load failed: decline */
    int vec, unroll; /* the vector kernel's elements per vector, vectors per thread */
    int resident[3]; /* blocks of FZ_THREADS resident per SM: flat, vec, strided */
    void *image;     /* kept for the library's life */
    cudaLibrary_t lib;
    cudaKernel_t k_flat, k_vec, k_strided;
    unsigned long used;
    struct fz_entry *next;
} fz_entry;

static pthread_mutex_t fz_lock = PTHREAD_MUTEX_INITIALIZER;
static fz_entry *fz_entries;
static int fz_n;
static unsigned long fz_clock;

static bool env_on(const char *name) {
    const char *e = getenv(name);
    return e && *e && *e != '0';
}

/* Said once per process (AX_DEBUG only). */
static void debug_once(const char *fmt, const char *detail) {
    static atomic_bool said;
    if (!env_on("AX_DEBUG") || atomic_exchange(&said, true)) return;
    fprintf(stderr, "ax: fused GPU kernel: ");
    fprintf(stderr, fmt, detail ? detail : "");
    fprintf(stderr, " (running FUSED on the CPU; said once)\n");
}

static void fnv(uint64_t h[2], const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h[0] = (h[0] ^ p[i]) * 0x100000001b3ull;
        h[1] = (h[1] ^ p[i]) * 0x100000001b3ull ^ (h[1] >> 29);
    }
}

static void fnv_init(uint64_t h[2]) {
    h[0] = 0xcbf29ce484222325ull;
    h[1] = 0x84222325cbf29ce4ull;
}

/* Is e the entry of prog on dev? fz_val has no padding (int fields, then a
 * double at offset 24), so comparing bytes compares values. */
static bool entry_is(const fz_entry *e, const ax_fused_prog *prog, int dev) {
    return e->dev == dev && e->n_vals == prog->n_vals && e->n_in == prog->n_in && e->n_out == prog->n_out &&
           memcmp(e->vals, prog->vals, sizeof *prog->vals * (size_t)prog->n_vals) == 0 &&
           memcmp(e->out_vals, prog->out_vals, sizeof *prog->out_vals * (size_t)prog->n_out) == 0;
}

_Static_assert(sizeof(fz_val) == 32, "fz_val without padding");

static void entry_free(fz_entry *e) {
    free(e->image);
    free(e->vals);
    free(e->out_vals);
    free(e);
}

/* ---------------------------------------------------------------- disk cache */

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

/* <cache dir>/cuda, created; false when the disk cache is off or unusable. */
static bool disk_dir(char *out, size_t cap) {
    const char *d = ax_compile_cache_dir();
    if (!d || !*d) return false;
    int k = snprintf(out, cap, "%s/cuda", d);
    return k > 0 && (size_t)k < cap && mkdir_p(out);
}

static void *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
            if (fread(s, 1, (size_t)n, f) != (size_t)n) {
                free(s);
                s = NULL;
            } else {
                s[n] = 0; /* PTX is loaded as a C string */
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return s;
}

static void write_atomically(const char *path, const void *data, size_t len) {
    static atomic_long seq;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.%ld.tmp", path, (long)getpid(), atomic_fetch_add(&seq, 1));
    FILE *f = fopen(tmp, "wb");
    if (!f) return;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

/* Waves of the vector kernel's grid. A block that finishes its tile makes
 * room for a new one, whose loads then overlap the others' arithmetic; with
 * one resident wave looping over tiles, each warp's loads wait for its own
 * arithmetic. The GELU-sigmoid chain over 2^28 floats on an H100: 2775-2784
 * GB/s in one wave, 2973 in 64 (same run; copy 2993, torch.compile 2907). */
#define FZ_VEC_WAVES 64

/* ---------------------------------------------------------------- NVRTC */

/* Compile src for compute capability (major, minor): a cubin, or PTX for the
 * newest virtual architecture NVRTC supports when it does not know the
 * device's. The image is malloc'd (PTX NUL-terminated). */
static void *nvrtc_build(const char *src, int major, int minor, size_t *len, bool *is_ptx, char *why,
                         size_t cap) {
    int arch = major * 10 + minor;
    int n_archs = 0, best = 0;
    if (nvrtcGetNumSupportedArchs(&n_archs) == NVRTC_SUCCESS && n_archs > 0) {
        int *archs = malloc(sizeof(int) * (size_t)n_archs);
        if (archs && nvrtcGetSupportedArchs(archs) == NVRTC_SUCCESS)
            for (int i = 0; i < n_archs; i++)
                if (archs[i] <= arch && archs[i] > best) best = archs[i];
        free(archs);
    }
    *is_ptx = best != arch;
    if (!best) {
        snprintf(why, cap, "NVRTC supports no architecture up to sm_%d", arch);
        return NULL;
    }
    char opt_arch[64];
    snprintf(opt_arch, sizeof opt_arch, "--gpu-architecture=%s_%d", *is_ptx ? "compute" : "sm", best);
    const char *opts[] = {opt_arch, "-std=c++17", "--fmad=false", "--device-as-default-execution-space"};
    nvrtcProgram p;
    if (nvrtcCreateProgram(&p, src, "ax_fused.cu", 0, NULL, NULL) != NVRTC_SUCCESS) {
        snprintf(why, cap, "nvrtcCreateProgram failed");
        return NULL;
    }
    nvrtcResult r = nvrtcCompileProgram(p, (int)(sizeof opts / sizeof *opts), opts);
    void *img = NULL;
    if (r != NVRTC_SUCCESS) {
        size_t ln = 0;
        char *log = NULL;
        if (nvrtcGetProgramLogSize(p, &ln) == NVRTC_SUCCESS && ln > 0 && (log = malloc(ln)))
            if (nvrtcGetProgramLog(p, log) != NVRTC_SUCCESS) log[0] = 0;
        snprintf(why, cap, "NVRTC: %s: %.400s", nvrtcGetErrorString(r), log ? log : "");
        free(log);
    } else if (*is_ptx) {
        if (nvrtcGetPTXSize(p, len) == NVRTC_SUCCESS && (img = malloc(*len + 1)) &&
            nvrtcGetPTX(p, img) != NVRTC_SUCCESS) {
            free(img);
            img = NULL;
        }
        if (img) ((char *)img)[*len] = 0;
    } else {
        if (nvrtcGetCUBINSize(p, len) == NVRTC_SUCCESS && *len > 0 && (img = malloc(*len)) &&
            nvrtcGetCUBIN(p, img) != NVRTC_SUCCESS) {
            free(img);
            img = NULL;
        }
    }
    if (r == NVRTC_SUCCESS && !img) snprintf(why, cap, "NVRTC gave no image");
    nvrtcDestroyProgram(&p);
    return img;
}

/* Source key for the disk: source, architecture, NVRTC version, options. */
static void source_key(const char *src, int major, int minor, uint64_t key[2]) {
    fnv_init(key);
    int v[4] = {major, minor, 0, 0};
    nvrtcVersion(&v[2], &v[3]);
    fnv(key, v, sizeof v);
    static const char opts[] = "-std=c++17 --fmad=false --device-as-default-execution-space v1";
    fnv(key, opts, sizeof opts);
    fnv(key, src, strlen(src));
}

/* Load img into e (library and its three kernels). */
static cudaError_t load_image(fz_entry *e, void *img) {
    e->lib = NULL;
    cudaError_t err = cudaLibraryLoadData(&e->lib, img, NULL, NULL, 0, NULL, NULL, 0);
    if (err == cudaSuccess) err = cudaLibraryGetKernel(&e->k_flat, e->lib, FZ_CU_FLAT);
    if (err == cudaSuccess) err = cudaLibraryGetKernel(&e->k_vec, e->lib, FZ_CU_VEC);
    if (err == cudaSuccess) err = cudaLibraryGetKernel(&e->k_strided, e->lib, FZ_CU_STRIDED);
    if (err != cudaSuccess) {
        if (e->lib) cudaLibraryUnload(e->lib);
        e->lib = NULL;
        (void)cudaGetLastError(); /* not sticky: clear it for the next launch check */
        return err;
    }
    e->image = img;
    /* Grids of the flat and strided kernels are one full wave (every block
     * resident at once, grid-stride loops), so no last blocks run alone; the
     * vector kernel's, FZ_VEC_WAVES waves. The count depends on the
     * registers ptxas chose; 8 (the old cap) when the query fails. */
    const cudaKernel_t ks[3] = {e->k_flat, e->k_vec, e->k_strided};
    for (int i = 0; i < 3; i++) {
        int nb = 0;
        cudaError_t q = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&nb, (const void *)ks[i], FZ_THREADS, 0);
        if (q != cudaSuccess || nb < 1) {
            (void)cudaGetLastError();
            nb = 8;
        }
        e->resident[i] = nb;
    }
    return cudaSuccess;
}

/* Fill e: the image from disk (a file that does not load is rebuilt) or
 * NVRTC, loaded, its kernels found; e->failed otherwise. */
static void build_entry(fz_entry *e, const ax_fused_prog *prog) {
    char why[600] = "";
    const struct cudaDeviceProp *pr = ax__cuda_props();
    char *src = ax__fused_cuda_codegen(prog, &e->vec, &e->unroll);
    if (!src) {
        e->failed = true;
        debug_once("%s", "the program has a step the CUDA generator does not know");
        return;
    }
    uint64_t sk[2];
    source_key(src, pr->major, pr->minor, sk);
    char dir[4096], path[4300] = "";
    size_t len = 0;
    if (disk_dir(dir, sizeof dir)) {
        snprintf(path, sizeof path, "%s/ax-%016llx%016llx.img", dir, (unsigned long long)sk[0],
                 (unsigned long long)sk[1]);
        void *img = read_all(path, &len);
        if (img && load_image(e, img) == cudaSuccess) {
            free(src);
            return;
        }
        free(img); /* missing, or stale / truncated: build it again */
    }
    bool is_ptx = false;
    void *img = nvrtc_build(src, pr->major, pr->minor, &len, &is_ptx, why, sizeof why);
    free(src);
    if (!img) {
        e->failed = true;
        debug_once("%s", why);
        return;
    }
    cudaError_t err = load_image(e, img);
    if (err != cudaSuccess) {
        free(img);
        e->failed = true;
        debug_once("loading the compiled kernel failed: %s", cudaGetErrorString(err));
        return;
    }
    if (*path) write_atomically(path, img, is_ptx ? len + 1 : len);
}

/* Drop least recently used entries above the bound. A library may still
 * have kernels queued: wait for its device first (eviction is rare). */
static void evict_locked(void) {
    while (fz_n > AX_FZ_CU_MAX) {
        fz_entry **victim = NULL;
        for (fz_entry **e = &fz_entries; *e; e = &(*e)->next)
            if (!victim || (*e)->used < (*victim)->used) victim = e;
        fz_entry *dead = *victim;
        *victim = dead->next;
        fz_n--;
        if (dead->lib) {
            int cur = -1;
            cudaGetDevice(&cur);
            if (cur != dead->dev) cudaSetDevice(dead->dev);
            cudaDeviceSynchronize();
            cudaLibraryUnload(dead->lib);
            if (cur != dead->dev && cur >= 0) cudaSetDevice(cur);
        }
        entry_free(dead);
    }
}

/* The entry of prog on the current device (built on first use), or NULL
 * when it failed (then or before) or memory ran out. */
static fz_entry *entry_for(const ax_fused_prog *prog) {
    const int dev = ax__cuda_device();
    pthread_mutex_lock(&fz_lock);
    fz_entry **at = &fz_entries, *e = NULL;
    for (; *at; at = &(*at)->next)
        if (entry_is(*at, prog, dev)) break;
    if (*at) {
        e = *at;
        *at = e->next; /* to the front: repeated launches find it first */
    } else if ((e = calloc(1, sizeof *e))) {
        e->dev = dev;
        e->n_vals = prog->n_vals, e->n_in = prog->n_in, e->n_out = prog->n_out;
        e->vals = malloc(sizeof *e->vals * (size_t)prog->n_vals);
        e->out_vals = malloc(sizeof *e->out_vals * (size_t)prog->n_out);
        if (!e->vals || !e->out_vals) {
            entry_free(e);
            pthread_mutex_unlock(&fz_lock);
            return NULL;
        }
        memcpy(e->vals, prog->vals, sizeof *e->vals * (size_t)prog->n_vals);
        memcpy(e->out_vals, prog->out_vals, sizeof *e->out_vals * (size_t)prog->n_out);
        build_entry(e, prog); /* under the lock: one build per program */
        fz_n++;
    }
    if (e) {
        e->next = fz_entries;
        fz_entries = e;
        e->used = ++fz_clock;
    }
    evict_locked(); /* never e: it was just used */
    pthread_mutex_unlock(&fz_lock);
    return e && !e->failed ? e : NULL;
}

/* ---------------------------------------------------------------- kernel */

static bool aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static ax_status k_fused(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    if (env_on("AX_COMPILE_INTERPRET")) return AX__DECLINE;
    const ax_fused_prog *prog = ax__fused_node_prog(node);
    const int n_out = node->n_outputs, n_in = node->n_inputs - 1;
    if (n_out != prog->n_out || n_in != prog->n_in || n_out + n_in > FZ_MAX_OPERANDS ||
        !ax__fused_cuda_supported(prog))
        return AX__DECLINE;
    ax_array *o0 = outs[0];
    for (int o = 0; o < n_out; o++) {
        const ax_array *a = outs[o];
        if (a->dtype != prog->vals[prog->out_vals[o]].dtype || a->ndim != o0->ndim ||
            memcmp(a->shape, o0->shape, sizeof(int64_t) * (size_t)o0->ndim) != 0 ||
            !ax__is_row_major(a->shape, a->strides, a->ndim))
            return AX__DECLINE;
    }
    for (int v = 0; v < prog->n_vals; v++)
        if (prog->vals[v].kind == FZ_IN && node->inputs[prog->vals[v].a[0]]->dtype != prog->vals[v].dtype)
            return AX__DECLINE;
    if (o0->size == 0) return AX_OK;
    ax_cu_ew l;
    if (!ax__cu_ew_layout(o0, node->inputs, n_in, &l)) return AX__DECLINE;
    fz_entry *e = entry_for(prog);
    if (!e) return AX__DECLINE;

    fz_cu_args a;
    memset(&a, 0, sizeof a);
    a.n = l.size;
    a.ndim = l.ndim;
    a.small = l.size <= INT32_MAX;
    for (int d = 0; d < l.ndim; d++) a.shape[d] = l.shape[d];
    for (int o = 0; o < n_out; o++) a.ptr[o] = ax__dptr(outs[o]);
    for (int j = 0; j < n_in; j++) {
        a.ptr[n_out + j] = l.ptr[1 + j];
        for (int d = 0; d < l.ndim; d++) a.strides[n_out + j][d] = l.strides[1 + j][d];
    }
    for (int o = 0; o < n_out; o++) /* outputs are row-major over the same shape as out 0 */
        for (int d = 0; d < l.ndim; d++) a.strides[o][d] = l.strides[0][d];

    cudaKernel_t k = e->k_strided;
    int64_t work = l.size; /* threads wanted */
    int which = 2;         /* index into e->resident */
    if (l.contiguous) {
        bool vec_ok = l.size >= e->vec;
        for (int o = 0; o < n_out && vec_ok; o++)
            vec_ok = aligned(a.ptr[o], (size_t)e->vec * ax_dtype_size(outs[o]->dtype));
        for (int j = 0; j < n_in && vec_ok; j++)
            vec_ok = aligned(a.ptr[n_out + j], (size_t)e->vec * ax_dtype_size(node->inputs[j]->dtype));
        k = vec_ok ? e->k_vec : e->k_flat;
        which = vec_ok ? 1 : 0;
        if (vec_ok) { /* whole tiles of unroll vectors a thread, then single vectors */
            const int64_t nvec = l.size / e->vec, tile = (int64_t)e->unroll * FZ_THREADS;
            work = nvec / tile * FZ_THREADS;
            if (work == 0) work = nvec > 0 ? nvec : l.size;
        }
    }
    const struct cudaDeviceProp *pr = ax__cuda_props();
    int64_t blocks = (work + FZ_THREADS - 1) / FZ_THREADS,
            cap = (int64_t)pr->multiProcessorCount * e->resident[which];
    if (which == 1) cap *= FZ_VEC_WAVES;
    if (blocks > cap) blocks = cap; /* grid-stride beyond */
    if (blocks < 1) blocks = 1;
    void *args[] = {&a};
    dim3 grid = {(unsigned)blocks, 1, 1}, block = {FZ_THREADS, 1, 1};
    return ax__cuda_check(ctx, cudaLaunchKernel((const void *)k, grid, block, args, 0, ax__cuda_stream()),
                          "fused");
}

void ax__cuda_register_fused(ax_kernel *table) { table[AX_OP_FUSED] = k_fused; }
