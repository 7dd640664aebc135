/* Waiting for a stream (see cuda.h, ax__cuda_stream_wait).
 *
 * cudaStreamSynchronize returns once the driver has seen the stream's
 * completion notice, about 1.5-2 us after the last kernel ends on an H100
 * host (docs/cuda.md, "Synchronization"). A short eval is dominated by that
 * wait, so instead a one-thread kernel queued after the work stores a
 * sequence number into mapped host memory and the host spins on that word,
 * which it sees as soon as the store crosses PCIe.
 *
 * A kernel that faults never lets the signal run, so while spinning the host
 * asks the stream for its state every POLL_NS: an error is reported as
 * cudaStreamSynchronize would report it. Waits longer than SPIN_NS hand over
 * to cudaStreamSynchronize, so a long kernel does not keep a core spinning
 * beyond what the driver itself would. Without mapped memory (or if the
 * signal cannot be queued) the wait is cudaStreamSynchronize. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/signal.h"

#define MAX_WAIT_DEVICES 16
#define MAX_WAIT_STREAMS 32 /* runtime.c's MAX_STREAMS */
#define POLL_NS 20000   /* stream state checked every 20 us of spinning */
#define SPIN_NS 200000  /* after 200 us, block in cudaStreamSynchronize */

typedef struct wait_slots {
    unsigned *host;  /* MAX_WAIT_STREAMS words of mapped host memory, one per stream */
    unsigned *dev;   /* the same words as the device addresses them */
    unsigned seq[MAX_WAIT_STREAMS];
    int state; /* 0 not tried, 1 ready, -1 unavailable */
} wait_slots;

static wait_slots slots[MAX_WAIT_DEVICES];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Mapped words for device dev (selected), made at first use; NULL if the
 * device cannot map host memory. */
static wait_slots *slots_of(int dev) {
    if (dev < 0 || dev >= MAX_WAIT_DEVICES) return NULL;
    wait_slots *w = &slots[dev];
    int state = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
    if (state) return state > 0 ? w : NULL;
    pthread_mutex_lock(&slots_lock);
    if (!w->state) {
        void *host = NULL, *devp = NULL;
        int state_new = -1;
        if (cudaHostAlloc(&host, MAX_WAIT_STREAMS * sizeof(unsigned), cudaHostAllocMapped) == cudaSuccess) {
            if (cudaHostGetDevicePointer(&devp, host, 0) == cudaSuccess) {
                for (int i = 0; i < MAX_WAIT_STREAMS; i++) ((volatile unsigned *)host)[i] = 0;
                w->host = host;
                w->dev = devp;
                state_new = 1;
            } else {
                cudaFreeHost(host);
            }
        }
        (void)cudaGetLastError(); /* a failure here only means: no fast wait */
        __atomic_store_n(&w->state, state_new, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&slots_lock);
    return w->state > 0 ? w : NULL;
}

static bool fast_wait_enabled(void) {
    static int enabled = -1;
    int e = __atomic_load_n(&enabled, __ATOMIC_RELAXED);
    if (e < 0) {
        const char *v = getenv("AX_CUDA_SYNC");
        e = !(v && strcmp(v, "stream") == 0);
        __atomic_store_n(&enabled, e, __ATOMIC_RELAXED);
    }
    return e;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

ax_status ax__cuda_stream_wait(ax_ctx *ctx, int dev, cudaStream_t s, int index, const char *op) {
    wait_slots *w = index >= 0 && index < MAX_WAIT_STREAMS && fast_wait_enabled() ? slots_of(dev) : NULL;
    if (!w) return ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    unsigned seq = __atomic_add_fetch(&w->seq[index], 1, __ATOMIC_RELAXED);
    if (ax_cu_signal(w->dev + index, seq, s) != cudaSuccess) {
        (void)cudaGetLastError();
        return ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    }
    const unsigned *flag = w->host + index;
    int64_t start = now_ns(), last_poll = start;
    for (unsigned k = 1;; k++) {
        /* Signed difference: another thread's later signal also means done. */
        if ((int)(__atomic_load_n(flag, __ATOMIC_ACQUIRE) - seq) >= 0) return AX_OK;
        if ((k & 63) == 0) {
            int64_t t = now_ns();
            if (t - start > SPIN_NS) return ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
            if (t - last_poll > POLL_NS) {
                last_poll = t;
                cudaError_t e = cudaStreamQuery(s);
                if (e == cudaSuccess) return AX_OK;
                if (e != cudaErrorNotReady) return ax__cuda_check(ctx, e, op);
            }
        }
        cpu_relax();
    }
}
