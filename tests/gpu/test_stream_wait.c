/* The stream wait behind eval's synchronization (src/backend/cuda/
 * stream_wait.c): it returns only once the stream's work has run, for
 * short waits (the write to mapped memory), long ones (handed to
 * cudaStreamSynchronize) and stream numbers beyond the mapped words; with
 * two threads waiting on one stream; and it reports a kernel that faults,
 * promptly, instead of waiting for a write that never comes.
 *
 * Each kernel stores a fresh value into mapped host memory as its last act,
 * and the host reads that word right after the wait returns, with no CUDA
 * call in between: a wait that returned early would read an older value.
 * Without a CUDA device: "skipped: no CUDA device", exit 77. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/cuda/cuda.h"
#include "stream_wait_kernels.h"
#include "testutil.h"

static volatile unsigned *result_host;
static unsigned *result_dev;
static cudaStream_t stream;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Queue work of about ns, wait through stream slot `index`, check it ran. */
static bool wait_checked(ax_ctx *ctx, unsigned value, unsigned ns, int index) {
    if (tsw_sleep_then_store(stream, result_dev, value, ns) != 0) return false;
    ax_status st = ax__cuda_stream_wait(ctx, 0, stream, index, "test_wait");
    return st == AX_OK && *result_host == value;
}

static void test_short_and_long(void) {
    ax_ctx *ctx = ax_ctx_new();
    int wrong = 0;
    unsigned value = 1;
    /* 0-63 us of work: the spin on mapped memory (it hands over at 200 us). */
    for (int r = 0; r < 3000; r++) wrong += !wait_checked(ctx, ++value, (unsigned)(r % 64) * 1000u, 0);
    CHECK_MSG(wrong == 0, "%d of 3000 short waits returned before the work ran", wrong);
    CHECK_OK(ctx);
    /* Past the spin limit: cudaStreamSynchronize finishes the wait. */
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        CHECK(wait_checked(ctx, ++value, 3000000u, 0));
        CHECK_MSG(now_s() - t0 >= 2.5e-3, "a 3 ms kernel waited for %.3g ms", 1e3 * (now_s() - t0));
    }
    /* A stream number without a mapped word waits the plain way. */
    CHECK(wait_checked(ctx, ++value, 20000u, 1000));
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

typedef struct waiter {
    ax_status st;
} waiter;

static void *wait_thread(void *p) {
    waiter *w = p;
    ax_ctx *ctx = ax_ctx_new();
    w->st = ax__cuda_stream_wait(ctx, 0, stream, 0, "test_wait");
    ax_ctx_free(ctx);
    return NULL;
}

/* Two threads wait on one stream while its work runs: both return after it. */
static void test_two_waiters(void) {
    int wrong = 0;
    for (unsigned r = 0; r < 200; r++) {
        unsigned value = 100000 + r;
        if (tsw_sleep_then_store(stream, result_dev, value, 50000u) != 0) {
            wrong++;
            continue;
        }
        waiter w[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, wait_thread, &w[i]);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        wrong += w[0].st != AX_OK || w[1].st != AX_OK || *result_host != value;
    }
    CHECK_MSG(wrong == 0, "%d of 200 two-thread waits went wrong", wrong);
}

/* Last: a kernel that traps leaves the context unusable for this process. */
static void test_fault(void) {
    ax_ctx *ctx = ax_ctx_new();
    CHECK(tsw_trap(stream) == 0);
    double t0 = now_s();
    ax_status st = ax__cuda_stream_wait(ctx, 0, stream, 0, "test_wait");
    double sec = now_s() - t0;
    CHECK_MSG(st == AX_ERR_INTERNAL, "a trapping kernel gave %s", ax_status_name(st));
    const char *msg = ax_error_message(ctx);
    CHECK_MSG(msg && strstr(msg, "test_wait: CUDA error"), "message: %s", msg ? msg : "(none)");
    CHECK_MSG(sec < 1.0, "the fault was reported after %.3g s", sec);
    ax_ctx_free(ctx);
}

int main(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
    void *host = NULL, *dev = NULL;
    if (cudaSetDevice(0) != cudaSuccess || cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess ||
        cudaHostAlloc(&host, 64, cudaHostAllocMapped) != cudaSuccess || cudaHostGetDevicePointer(&dev, host, 0) != cudaSuccess) {
        fprintf(stderr, "test_stream_wait: CUDA set-up failed\n");
        return 1;
    }
    printf("waits by %s\n", ax__cuda_stream_wait_kind());
    result_host = host;
    result_dev = dev;
    *result_host = 0;
    test_short_and_long();
    test_two_waiters();
    test_fault();
    return test_summary("test_stream_wait");
}
