/* The process-wide host buffer pool: size-bucketed cache of freed buffers,
 * with active/peak/cache figures and limits. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/internal.h"

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
    if (!p) {
        if (pool.limit && pool.active + c > pool.limit) {
            clear_cache_locked();
            if (pool.active + c > pool.limit) {
                size_t active = pool.active, limit = pool.limit;
                pthread_mutex_unlock(&pool.lock);
                ax__error(ctx, AX_ERR_OOM,
                          "out of memory: allocating %zu bytes with %zu active would pass the "
                          "memory limit of %zu bytes",
                          n, active, limit);
                return NULL;
            }
        }
        p = aligned_alloc(POOL_ALIGN, c);
        if (!p) {
            clear_cache_locked();
            p = aligned_alloc(POOL_ALIGN, c);
        }
        if (!p) {
            pthread_mutex_unlock(&pool.lock);
            ax__error(ctx, AX_ERR_OOM, "out of memory: the system refused %zu bytes", c);
            return NULL;
        }
    }
    pool.active += c;
    if (pool.active > pool.peak) pool.peak = pool.active;
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

ax_buffer *ax__buffer_new(ax_ctx *ctx, size_t nbytes) {
    ax_buffer *b = malloc(sizeof *b);
    if (!b) return ax__error(ctx, AX_ERR_OOM, "out of host memory for a buffer header");
    b->data = pool_alloc(nbytes, &b->pool_size, ctx);
    if (!b->data) {
        free(b);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->nbytes = nbytes;
    b->release = NULL;
    b->user = NULL;
    return b;
}

ax_buffer *ax__buffer_wrap(void *data, size_t nbytes, void (*release)(void *, void *), void *user) {
    ax_buffer *b = malloc(sizeof *b);
    if (!b) return NULL;
    atomic_init(&b->refs, 1);
    b->data = data;
    b->nbytes = nbytes;
    b->pool_size = 0;
    b->release = release;
    b->user = user;
    return b;
}

void ax__buffer_retain(ax_buffer *b) { atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed); }

void ax__buffer_release(ax_buffer *b) {
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    if (b->pool_size) pool_free(b->data, b->pool_size);
    else if (b->release) b->release(b->data, b->user);
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
