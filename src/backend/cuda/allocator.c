/* The caching device allocator: size classes over cudaMallocAsync.
 *
 * Freed blocks stay in a per-device cache, tagged with the stream whose work
 * last used them, and are handed out again only for that stream, so reuse is
 * ordered after every kernel that touched the block without a
 * synchronization. Small sizes round up to powers of two (from 512 bytes),
 * sizes above 1 MiB to multiples of 2 MiB. When the device refuses an
 * allocation or the limit would be passed, the cache is emptied (and the
 * driver's pool trimmed) and the allocation retried once. */
#include <pthread.h>
#include <stdlib.h>

#include "backend/cuda/cuda.h"

#define MAX_DEVICES 16
#define MIN_BLOCK 512
#define SMALL_MAX ((size_t)1 << 20)
#define LARGE_STEP ((size_t)2 << 20)

typedef struct block {
    struct block *next;
    void *ptr;
    size_t size;
    cudaStream_t stream;
} block;

typedef struct dev_pool {
    pthread_mutex_t lock;
    size_t active, peak, cache, limit, cache_limit;
    bool cache_limit_set;
    block *free; /* cached blocks, any size (few distinct sizes in practice) */
} dev_pool;

static dev_pool pools[MAX_DEVICES];
static pthread_once_t pools_once = PTHREAD_ONCE_INIT;

static void init_pools(void) {
    for (int d = 0; d < MAX_DEVICES; d++) pthread_mutex_init(&pools[d].lock, NULL);
}

static dev_pool *pool_of(int dev) {
    pthread_once(&pools_once, init_pools);
    return dev >= 0 && dev < MAX_DEVICES ? &pools[dev] : NULL;
}

static size_t size_class(size_t n) {
    if (n <= MIN_BLOCK) return MIN_BLOCK;
    if (n <= SMALL_MAX) {
        size_t c = MIN_BLOCK;
        while (c < n) c <<= 1;
        return c;
    }
    if (n > SIZE_MAX - LARGE_STEP) return 0;
    return (n + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
}

/* Default cache limit: half of the device's memory. */
static size_t default_cache_limit(int dev) {
    size_t free_b = 0, total = 0;
    int prev = 0;
    cudaGetDevice(&prev);
    cudaSetDevice(dev);
    if (cudaMemGetInfo(&free_b, &total) != cudaSuccess) total = (size_t)8 << 30;
    cudaSetDevice(prev);
    return total / 2;
}

/* Free every cached block (lock held). */
static void clear_locked(int dev, dev_pool *p) {
    for (block *b = p->free, *n; b; b = n) {
        n = b->next;
        cudaFreeAsync(b->ptr, b->stream);
        free(b);
    }
    p->free = NULL;
    p->cache = 0;
    cudaMemPool_t mp;
    if (cudaDeviceGetDefaultMemPool(&mp, dev) == cudaSuccess) {
        cudaDeviceSynchronize();
        cudaMemPoolTrimTo(mp, 0);
    }
}

void *ax__cuda_alloc_raw(ax_ctx *ctx, int dev, cudaStream_t stream, size_t nbytes,
                         size_t *reserved, const char *op) {
    dev_pool *p = pool_of(dev);
    size_t size = size_class(nbytes);
    if (!p || !size) {
        ax__fail(ctx, AX_ERR_OOM, "%s: cannot allocate %zu bytes on gpu:%d", op, nbytes, dev);
        return NULL;
    }
    ax_cuda_capture *cap = ax__cuda_capturing();
    if (cap) { /* graph-owned: fresh memory, outside the cache and the stream order */
        void *ptr = NULL;
        cudaError_t err = cudaMalloc(&ptr, size);
        if (err != cudaSuccess || !ax__cuda_capture_own(cap, ptr, size)) {
            (void)cudaGetLastError();
            if (ptr) cudaFree(ptr);
            ax__fail(ctx, AX_ERR_OOM, "%s: out of GPU memory: %zu bytes for a CUDA graph on gpu:%d",
                     op, nbytes, dev);
            return NULL;
        }
        pthread_mutex_lock(&p->lock);
        p->active += size;
        if (p->active > p->peak) p->peak = p->active;
        pthread_mutex_unlock(&p->lock);
        *reserved = size;
        return ptr;
    }
    pthread_mutex_lock(&p->lock);
    if (!p->cache_limit_set) {
        p->cache_limit = default_cache_limit(dev);
        p->cache_limit_set = true;
    }
    for (block **pp = &p->free, *b; (b = *pp); pp = &b->next) {
        if (b->size == size && b->stream == stream) {
            *pp = b->next;
            void *ptr = b->ptr;
            free(b);
            p->cache -= size;
            p->active += size;
            if (p->active > p->peak) p->peak = p->active;
            pthread_mutex_unlock(&p->lock);
            *reserved = size;
            return ptr;
        }
    }
    void *ptr = NULL;
    cudaError_t err = cudaErrorMemoryAllocation;
    for (int attempt = 0; attempt < 2 && !ptr; attempt++) {
        if (attempt) clear_locked(dev, p);
        if (p->limit && p->active + size > p->limit) continue;
        err = cudaMallocAsync(&ptr, size, stream);
        if (err != cudaSuccess) {
            ptr = NULL;
            (void)cudaGetLastError(); /* an allocation failure is not sticky */
        }
    }
    if (!ptr) {
        size_t active = p->active, limit = p->limit;
        pthread_mutex_unlock(&p->lock);
        size_t free_b = 0, total = 0;
        cudaMemGetInfo(&free_b, &total);
        if (limit && active + size > limit)
            ax__fail(ctx, AX_ERR_OOM,
                     "%s: out of GPU memory: %zu bytes requested on gpu:%d would pass its limit of "
                     "%zu bytes (%zu active)", op, nbytes, dev, limit, active);
        else
            ax__fail(ctx, AX_ERR_OOM,
                     "%s: out of GPU memory: %zu bytes requested on gpu:%d (%zu active, %zu free of "
                     "%zu; %s)", op, nbytes, dev, active, free_b, total, cudaGetErrorName(err));
        return NULL;
    }
    p->active += size;
    if (p->active > p->peak) p->peak = p->active;
    pthread_mutex_unlock(&p->lock);
    *reserved = size;
    return ptr;
}

void ax__cuda_free_raw(int dev, cudaStream_t stream, void *ptr, size_t reserved) {
    dev_pool *p = pool_of(dev);
    if (!p || !ptr || ax__cuda_graph_owned(ptr)) return; /* the graph frees its own */
    pthread_mutex_lock(&p->lock);
    p->active -= reserved;
    block *b = p->cache + reserved <= p->cache_limit ? malloc(sizeof *b) : NULL;
    if (b) {
        *b = (block){p->free, ptr, reserved, stream};
        p->free = b;
        p->cache += reserved;
    } else {
        cudaFreeAsync(ptr, stream);
    }
    pthread_mutex_unlock(&p->lock);
}

/* ---------------------------------------------------------------- scratch */

/* Live scratch allocations: pointer -> size and stream (few at a time). */
typedef struct scratch {
    struct scratch *next;
    void *ptr;
    size_t size;
    int dev;
    cudaStream_t stream;
} scratch;

static scratch *live_scratch;
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;

void *ax__cuda_malloc(ax_ctx *ctx, size_t nbytes, const char *op) {
    scratch *s = malloc(sizeof *s);
    if (!s) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", op);
    int dev = ax__cuda_device();
    cudaStream_t stream = ax__cuda_stream();
    void *ptr = ax__cuda_alloc_raw(ctx, dev, stream, nbytes, &s->size, op);
    if (!ptr) {
        free(s);
        return NULL;
    }
    s->ptr = ptr;
    s->dev = dev;
    s->stream = stream;
    pthread_mutex_lock(&scratch_lock);
    s->next = live_scratch;
    live_scratch = s;
    pthread_mutex_unlock(&scratch_lock);
    return ptr;
}

void ax__cuda_free(void *ptr) {
    if (!ptr) return;
    pthread_mutex_lock(&scratch_lock);
    scratch *found = NULL;
    for (scratch **pp = &live_scratch; *pp; pp = &(*pp)->next)
        if ((*pp)->ptr == ptr) {
            found = *pp;
            *pp = found->next;
            break;
        }
    pthread_mutex_unlock(&scratch_lock);
    if (!found) return;
    ax__cuda_free_raw(found->dev, found->stream, found->ptr, found->size);
    free(found);
}

/* Memory a freed graph owned: back to the device, out of the figures. */
void ax__cuda_graph_memory_free(int dev, void *ptr, size_t size) {
    dev_pool *p = pool_of(dev);
    if (!p) return;
    cudaFree(ptr);
    pthread_mutex_lock(&p->lock);
    p->active -= size;
    pthread_mutex_unlock(&p->lock);
}

/* ---------------------------------------------------------------- figures */

#define FIGURE(name, expr)                                                                  \
    size_t name(int dev) {                                                                  \
        dev_pool *p = pool_of(dev);                                                         \
        if (!p) return 0;                                                                   \
        pthread_mutex_lock(&p->lock);                                                       \
        size_t v = (expr);                                                                  \
        pthread_mutex_unlock(&p->lock);                                                     \
        return v;                                                                           \
    }
FIGURE(ax__cuda_mem_active, p->active)
FIGURE(ax__cuda_mem_peak, p->peak)
FIGURE(ax__cuda_mem_cache, p->cache)
#undef FIGURE

void ax__cuda_mem_reset_peak(int dev) {
    dev_pool *p = pool_of(dev);
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->peak = p->active;
    pthread_mutex_unlock(&p->lock);
}

size_t ax__cuda_mem_set_limit(int dev, size_t bytes) {
    dev_pool *p = pool_of(dev);
    if (!p) return 0;
    pthread_mutex_lock(&p->lock);
    size_t prev = p->limit;
    p->limit = bytes;
    pthread_mutex_unlock(&p->lock);
    return prev;
}

size_t ax__cuda_mem_set_cache_limit(int dev, size_t bytes) {
    dev_pool *p = pool_of(dev);
    if (!p) return 0;
    pthread_mutex_lock(&p->lock);
    size_t prev = p->cache_limit_set ? p->cache_limit : 0;
    p->cache_limit = bytes;
    p->cache_limit_set = true;
    if (p->cache > bytes) clear_locked(dev, p);
    pthread_mutex_unlock(&p->lock);
    return prev;
}

void ax__cuda_mem_clear_cache(int dev) {
    dev_pool *p = pool_of(dev);
    if (!p || dev >= ax_gpu_count()) return;
    pthread_mutex_lock(&p->lock);
    clear_locked(dev, p);
    pthread_mutex_unlock(&p->lock);
}
