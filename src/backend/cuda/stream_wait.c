/* Waiting for a stream (see cuda.h, ax__cuda_stream_wait).
 *
 * cudaStreamSynchronize returns once the driver has seen the stream's own
 * completion notice. A short eval is dominated by that wait, so instead the
 * stream is given one more operation, a cuStreamWriteValue32 of a sequence
 * number into mapped host memory, and the host spins on that word. On H100
 * hosts that made a synchronous one-element add 0.9 us faster (docs/cuda.md,
 * "Synchronization").
 *
 * A kernel that faults keeps the write from ever happening, so while
 * spinning the host asks the stream for its state every POLL_NS and reports
 * an error as cudaStreamSynchronize would. Waits longer than SPIN_NS are
 * handed to cudaStreamSynchronize, so a long kernel does not keep a core
 * spinning longer than the driver itself would. Without the driver entry
 * point or mapped memory, or with AX_CUDA_SYNC=stream in the environment,
 * every wait is cudaStreamSynchronize. */
#include <cuda.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "backend/cuda/cuda.h"

#define POLL_NS 20000       /* stream state checked every 20 us of spinning */
#define SPIN_NS 200000      /* after 200 us, block in cudaStreamSynchronize */

typedef CUresult (*write_value_fn)(CUstream, CUdeviceptr, cuuint32_t, unsigned int);
static write_value_fn write_value; /* NULL: every wait is cudaStreamSynchronize */
static pthread_once_t write_value_once = PTHREAD_ONCE_INIT;

static void find_write_value(void) {
    const char *mode = getenv("AX_CUDA_SYNC");
    if (mode && strcmp(mode, "stream") == 0) return;
    enum cudaDriverEntryPointQueryResult found;
    void *fn = NULL;
    if (cudaGetDriverEntryPointByVersion("cuStreamWriteValue32", &fn, 12000, cudaEnableDefault, &found) ==
            cudaSuccess &&
        found == cudaDriverEntryPointSuccess)
        write_value = (write_value_fn)fn;
    (void)cudaGetLastError();
}

typedef struct wait_slots {
    unsigned *host; /* AX_CUDA_MAX_STREAMS words of mapped host memory, one per stream */
    unsigned *dev;  /* the same words as the device addresses them */
    unsigned seq[AX_CUDA_MAX_STREAMS];
    int state; /* 0 not tried, 1 ready, -1 unavailable */
} wait_slots;

static wait_slots slots[AX_CUDA_MAX_DEVICES];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Mapped words for device dev (selected), made at first use; NULL if the
 * device cannot map host memory. */
static wait_slots *slots_of(int dev) {
    if (dev < 0 || dev >= AX_CUDA_MAX_DEVICES) return NULL;
    wait_slots *w = &slots[dev];
    int state = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
    if (state) return state > 0 ? w : NULL;
    pthread_mutex_lock(&slots_lock);
    if (!w->state) {
        void *host = NULL, *devp = NULL;
        int made = -1;
        if (cudaHostAlloc(&host, AX_CUDA_MAX_STREAMS * sizeof(unsigned), cudaHostAllocMapped) == cudaSuccess) {
            if (cudaHostGetDevicePointer(&devp, host, 0) == cudaSuccess) {
                memset(host, 0, AX_CUDA_MAX_STREAMS * sizeof(unsigned));
                w->host = host;
                w->dev = devp;
                made = 1;
            } else {
                cudaFreeHost(host);
            }
        }
        (void)cudaGetLastError(); /* a failure here only means: no fast wait */
        __atomic_store_n(&w->state, made, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&slots_lock);
    return w->state > 0 ? w : NULL;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

const char *ax__cuda_stream_wait_kind(void) {
    pthread_once(&write_value_once, find_write_value);
    return write_value ? "cuStreamWriteValue32 to mapped memory" : "cudaStreamSynchronize";
}

ax_status ax__cuda_stream_wait(ax_ctx *ctx, int dev, cudaStream_t s, int index, const char *op) {
    pthread_once(&write_value_once, find_write_value);
    wait_slots *w = write_value && index >= 0 && index < AX_CUDA_MAX_STREAMS ? slots_of(dev) : NULL;
    if (!w) return ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    unsigned seq = __atomic_add_fetch(&w->seq[index], 1, __ATOMIC_RELAXED);
    /* Flags 0: the write waits for the work before it and follows its
     * memory writes. */
    if (write_value((CUstream)s, (CUdeviceptr)(w->dev + index), seq, 0) != CUDA_SUCCESS)
        return ax__cuda_check(ctx, cudaStreamSynchronize(s), op);
    const unsigned *flag = w->host + index;
    int64_t start = now_ns(), last_poll = start;
    for (unsigned k = 1;; k++) {
        /* Signed difference: a later sequence number (another thread's
         * wait on this stream) also means done. */
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
