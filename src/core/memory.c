/* The process-wide host buffer pool: size-bucketed cache of freed buffers,
 * with active/peak/cache figures and limits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/device.h"
#include "core/internal.h"
#include "core/memory_debug.h"

#define POOL_ALIGN 64
#define SMALL_CLASSES 21 /* power-of-two classes 64 B .. 64 MiB */

typedef struct free_block {
    struct free_block *next;
    void *data;
    size_t size;
} free_block;

static struct {
    pthread_mutex_t lock;
    size_t active, peak, cache, limit, cache_limit;
    bool cache_limit_set;
    free_block *small[SMALL_CLASSES]; /* exact power-of-two sizes */
    free_block *large;                /* sizes above, 1 MiB multiples, best fit */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Size class: powers of two up to 64 MiB, then multiples of 1 MiB. */
static size_t size_class(size_t n) {
    if (n <= POOL_ALIGN) return POOL_ALIGN;
    if (n <= ((size_t)POOL_ALIGN << (SMALL_CLASSES - 1))) {
        size_t c = POOL_ALIGN;
        while (c < n) c <<= 1;
        return c;
    }
    const size_t mb = (size_t)1 << 20;
    if (n > SIZE_MAX - mb) return 0;
    return (n + mb - 1) / mb * mb;
}

static int small_index(size_t c) {
    int i = 0;
    while (((size_t)POOL_ALIGN << i) < c) i++;
    return i;
}

static bool is_small(size_t c) { return c <= ((size_t)POOL_ALIGN << (SMALL_CLASSES - 1)); }

static size_t default_cache_limit(void) {
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psize <= 0) return (size_t)1 << 30;
    return (size_t)pages * (size_t)psize / 4;
}

/* Free every cached block (lock held). */
static void clear_cache_locked(void) {
    for (int i = 0; i < SMALL_CLASSES; i++) {
        for (free_block *b = pool.small[i], *n; b; b = n) {
            n = b->next;
            free(b->data);
            free(b);
        }
        pool.small[i] = NULL;
    }
    for (free_block *b = pool.large, *n; b; b = n) {
        n = b->next;
        free(b->data);
        free(b);
    }
    pool.large = NULL;
    pool.cache = 0;
}

/* Take a cached block of small class c, or NULL (lock held). */
static void *take_small(size_t c) {
    free_block **pp = &pool.small[small_index(c)];
    free_block *b = *pp;
    if (!b) return NULL;
    *pp = b->next;
    void *data = b->data;
    pool.cache -= b->size;
    free(b);
    return data;
}

/* Buffers of HUGE_MIN bytes and more are aligned to 2 MiB and offered to
 * transparent huge pages (THP in "madvise" mode, the common default, gives
 * them only on request): a streaming kernel over a 256 MiB array then takes
 * 128 page faults instead of 65,536 and misses the TLB 512 times less. */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20)

static void *host_alloc(size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (size >= HUGE_MIN) {
        void *p = NULL;
        if (posix_memalign(&p, HUGE_PAGE, size) != 0) return NULL;
        (void)madvise(p, size, MADV_HUGEPAGE); /* advice only: refusal is harmless */
        return p;
    }
#endif
    return aligned_alloc(POOL_ALIGN, size);
}

/* A fresh block of `size` bytes from the system (lock held; released on
 * failure): checks the limit, empties the cache and retries before giving up,
 * and counts the block as active. `request` is what the caller asked for. */
static void *system_alloc_locked(ax_ctx *ctx, size_t request, size_t size) {
    if (pool.limit && pool.active + size > pool.limit) {
        clear_cache_locked();
        if (pool.active + size > pool.limit) {
            size_t active = pool.active, limit = pool.limit;
            pthread_mutex_unlock(&pool.lock);
            ax__error(ctx, AX_ERR_OOM,
                      "out of memory: allocating %zu bytes with %zu active would pass the "
                      "memory limit of %zu bytes",
                      request, active, limit);
            return NULL;
        }
    }
    void *p = host_alloc(size);
    if (!p) {
        clear_cache_locked();
        p = host_alloc(size);
    }
    if (!p) {
        pthread_mutex_unlock(&pool.lock);
        ax__error(ctx, AX_ERR_OOM, "out of memory: the system refused %zu bytes", size);
        return NULL;
    }
    pool.active += size;
    if (pool.active > pool.peak) pool.peak = pool.active;
    return p;
}

static void *pool_alloc(size_t n, size_t *out_class, ax_ctx *ctx) {
    size_t c = size_class(n);
    if (!c) {
        ax__error(ctx, AX_ERR_OOM, "cannot allocate %zu bytes: size too large", n);
        return NULL;
    }
    pthread_mutex_lock(&pool.lock);
    void *p = NULL;
    size_t taken = c; /* a reused large block may be bigger than c */
    if (!is_small(c)) {
        free_block **best = NULL;
        for (free_block **pp = &pool.large; *pp; pp = &(*pp)->next)
            if ((*pp)->size >= c && (*pp)->size <= c + c / 4 &&
                (!best || (*pp)->size < (*best)->size))
                best = pp;
        if (best && (!pool.limit || pool.active + (*best)->size <= pool.limit)) {
            free_block *b = *best;
            *best = b->next;
            p = b->data;
            taken = b->size;
            pool.cache -= b->size;
            free(b);
        }
    } else if (!pool.limit || pool.active + c <= pool.limit) {
        p = take_small(c);
    }
    c = taken;
    if (p) {
        pool.active += c;
        if (pool.active > pool.peak) pool.peak = pool.active;
    } else if (!(p = system_alloc_locked(ctx, n, c))) {
        return NULL;
    }
    pthread_mutex_unlock(&pool.lock);
    *out_class = c;
    return p;
}

static void pool_free(void *p, size_t c) {
    pthread_mutex_lock(&pool.lock);
    pool.active -= c;
    if (!pool.cache_limit_set) {
        pool.cache_limit = default_cache_limit();
        pool.cache_limit_set = true;
    }
    free_block *b = NULL;
    if (pool.cache + c <= pool.cache_limit) b = malloc(sizeof *b);
    if (b) {
        b->data = p;
        b->size = c;
        free_block **head = is_small(c) ? &pool.small[small_index(c)] : &pool.large;
        b->next = *head;
        *head = b;
        pool.cache += c;
    } else {
        free(p);
    }
    pthread_mutex_unlock(&pool.lock);
}

/* ---------------------------------------------------------------- guard mode */

static atomic_int guard_mode = -1; /* -1: read AX_DEBUG_GUARDS once */
static atomic_long guard_failures;
static char guard_tag; /* b->user of guarded pool buffers (release stays NULL) */

bool ax__memory_guards(void) {
    int v = atomic_load(&guard_mode);
    if (v < 0) {
        const char *e = getenv("AX_DEBUG_GUARDS");
        v = e && *e && *e != '0';
        atomic_store(&guard_mode, v);
    }
    return v == 1;
}

bool ax__memory_set_guards(bool on) {
    bool old = ax__memory_guards();
    atomic_store(&guard_mode, on ? 1 : 0);
    return old;
}

long ax__memory_guard_failures(void) { return atomic_load(&guard_failures); }

bool ax__buffer_is_guarded(const ax_buffer *b) {
    return b && b->pool_size && b->user == &guard_tag;
}

/* Pattern byte i of a guard region: varies with position so that a stray
 * fill with any constant is caught. */
static unsigned char guard_byte(size_t i) { return (unsigned char)(0x5Bu ^ (i * 37u)); }

/* Bytes of the trailing guard: up to a 64-byte boundary, then AX_GUARD_BYTES. */
static size_t tail_bytes(size_t nbytes) {
    return (POOL_ALIGN - nbytes % POOL_ALIGN) % POOL_ALIGN + AX_GUARD_BYTES;
}

static void fill_guard(unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = guard_byte(i);
}

/* Index of the first corrupted byte of a guard region, or n if intact. */
static size_t check_guard(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != guard_byte(i)) return i;
    return n;
}

bool ax__buffer_guards_ok(const ax_buffer *b) {
    if (!ax__buffer_is_guarded(b)) return true;
    const unsigned char *data = b->data;
    size_t tail = tail_bytes(b->nbytes);
    return check_guard(data - AX_GUARD_BYTES, AX_GUARD_BYTES) == AX_GUARD_BYTES &&
           check_guard(data + b->nbytes, tail) == tail;
}

/* Allocate b's data with guards, bypassing the cache; sets pool_size to the
 * whole block (what active counts). */
static bool guarded_alloc(ax_ctx *ctx, ax_buffer *b, size_t nbytes) {
    size_t tail = tail_bytes(nbytes);
    if (nbytes > SIZE_MAX - AX_GUARD_BYTES - tail) {
        ax__error(ctx, AX_ERR_OOM, "cannot allocate %zu bytes: size too large", nbytes);
        return false;
    }
    size_t total = AX_GUARD_BYTES + nbytes + tail; /* a multiple of POOL_ALIGN */
    pthread_mutex_lock(&pool.lock);
    unsigned char *base = system_alloc_locked(ctx, nbytes, total);
    if (!base) return false;
    pthread_mutex_unlock(&pool.lock);
    fill_guard(base, AX_GUARD_BYTES);
    memset(base + AX_GUARD_BYTES, AX_GUARD_POISON, nbytes);
    fill_guard(base + AX_GUARD_BYTES + nbytes, tail);
    b->data = base + AX_GUARD_BYTES;
    b->pool_size = total;
    b->user = &guard_tag;
    return true;
}

static void guarded_free(ax_buffer *b) {
    unsigned char *data = b->data, *base = data - AX_GUARD_BYTES;
    size_t tail = tail_bytes(b->nbytes);
    size_t head = check_guard(base, AX_GUARD_BYTES), after = check_guard(data + b->nbytes, tail);
    if (head != AX_GUARD_BYTES || after != tail) {
        atomic_fetch_add(&guard_failures, 1);
        if (head != AX_GUARD_BYTES)
            fprintf(stderr, "ax: guard corrupted at byte %zu before a buffer of %zu bytes at %p\n",
                    AX_GUARD_BYTES - head, b->nbytes, (void *)data);
        if (after != tail)
            fprintf(stderr, "ax: guard corrupted at byte %zu past the end of a buffer of %zu bytes at %p\n",
                    after, b->nbytes, (void *)data);
    }
    pthread_mutex_lock(&pool.lock);
    pool.active -= b->pool_size;
    pthread_mutex_unlock(&pool.lock);
    free(base);
}

/* A header with no storage, valid on no side yet. */
static ax_buffer *header_new(ax_ctx *ctx, size_t nbytes) {
    ax_buffer *b = calloc(1, sizeof *b);
    if (!b) return ax__error(ctx, AX_ERR_OOM, "out of host memory for a buffer header");
    atomic_init(&b->refs, 1);
    b->nbytes = nbytes;
    b->dev_index = -1;
    return b;
}

/* Give b host storage for b->nbytes from the pool (or guarded). */
static bool host_storage(ax_ctx *ctx, ax_buffer *b) {
    if (ax__memory_guards()) return guarded_alloc(ctx, b, b->nbytes);
    b->data = pool_alloc(b->nbytes, &b->pool_size, ctx);
    return b->data != NULL;
}

ax_buffer *ax__buffer_new(ax_ctx *ctx, size_t nbytes) {
    ax_buffer *b = header_new(ctx, nbytes);
    if (!b) return NULL;
    if (!host_storage(ctx, b)) {
        free(b);
        return NULL;
    }
    b->where = AX_WHERE_HOST;
    return b;
}

ax_buffer *ax__buffer_new_empty(ax_ctx *ctx, size_t nbytes) { return header_new(ctx, nbytes); }

ax_status ax__buffer_host_storage(ax_ctx *ctx, ax_buffer *b) {
    if (b->data || host_storage(ctx, b)) return AX_OK;
    return ctx->status ? ctx->status : AX_ERR_OOM;
}

ax_buffer *ax__buffer_wrap(void *data, size_t nbytes, void (*release)(void *, void *), void *user) {
    ax_buffer *b = header_new(NULL, nbytes);
    if (!b) return NULL;
    b->data = data;
    b->release = release;
    b->user = user;
    b->where = AX_WHERE_HOST;
    return b;
}

void ax__buffer_retain(ax_buffer *b) { atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed); }

/* Drop the host storage of b (it stays valid on the device). */
static void free_host(ax_buffer *b) {
    if (!b->data) return;
    if (ax__buffer_is_guarded(b)) guarded_free(b);
    else if (b->pool_size) pool_free(b->data, b->pool_size);
    else if (b->release) b->release(b->data, b->user);
    b->data = NULL;
    b->pool_size = 0;
}

void ax__buffer_release(ax_buffer *b) {
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    if (b->dev) {
        const ax_gpu_backend *g = ax__gpu();
        if (g) g->release(b);
    }
    free_host(b);
    free(b);
}

size_t ax_memory_active(void) {
    pthread_mutex_lock(&pool.lock);
    size_t v = pool.active;
    pthread_mutex_unlock(&pool.lock);
    return v;
}
size_t ax_memory_peak(void) {
    pthread_mutex_lock(&pool.lock);
    size_t v = pool.peak;
    pthread_mutex_unlock(&pool.lock);
    return v;
}
size_t ax_memory_cache(void) {
    pthread_mutex_lock(&pool.lock);
    size_t v = pool.cache;
    pthread_mutex_unlock(&pool.lock);
    return v;
}
void ax_memory_reset_peak(void) {
    pthread_mutex_lock(&pool.lock);
    pool.peak = pool.active;
    pthread_mutex_unlock(&pool.lock);
}
size_t ax_set_memory_limit(size_t bytes) {
    pthread_mutex_lock(&pool.lock);
    size_t old = pool.limit;
    pool.limit = bytes;
    pthread_mutex_unlock(&pool.lock);
    return old;
}
size_t ax_set_cache_limit(size_t bytes) {
    pthread_mutex_lock(&pool.lock);
    size_t old = pool.cache_limit_set ? pool.cache_limit : default_cache_limit();
    pool.cache_limit = bytes;
    pool.cache_limit_set = true;
    if (pool.cache > bytes) clear_cache_locked();
    pthread_mutex_unlock(&pool.lock);
    return old;
}
void ax_memory_clear_cache(void) {
    pthread_mutex_lock(&pool.lock);
    clear_cache_locked();
    pthread_mutex_unlock(&pool.lock);
}
