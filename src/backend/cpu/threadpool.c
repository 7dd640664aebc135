/* A small persistent thread pool for parallel_for. Workers sleep on a
 * condition variable between jobs; the caller takes part in every job. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/cpu/cpu.h"

#define MAX_THREADS 64

typedef struct job {
    void (*fn)(void *, int64_t, int64_t);
    void *ud;
    int64_t n, chunk;
    atomic_llong next;     /* next chunk start */
    atomic_int remaining;  /* workers still busy with this job */
} job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pthread_once_t once;
    int nthreads; /* including the caller */
    int started;  /* worker threads running */
    unsigned long generation;
    job *current;
    pthread_mutex_t submit; /* one job at a time */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_ONCE_INIT, 0, 0, 0, NULL, PTHREAD_MUTEX_INITIALIZER};

static _Thread_local bool in_parallel;

static void run_chunks(job *j) {
    for (;;) {
        int64_t b = atomic_fetch_add(&j->next, j->chunk);
        if (b >= j->n) break;
        int64_t e = b + j->chunk < j->n ? b + j->chunk : j->n;
        j->fn(j->ud, b, e);
    }
}

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg; /* workers with id >= nthreads - 1 sit jobs out */
    in_parallel = true;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.generation;
        job *j = pool.current;
        bool take_part = id < pool.nthreads - 1;
        pthread_mutex_unlock(&pool.lock);
        if (j && take_part) run_chunks(j);
        pthread_mutex_lock(&pool.lock);
        if (j && atomic_fetch_sub(&j->remaining, 1) == 1) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

static void init_pool(void) {
    if (pool.nthreads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        const char *env = getenv("AX_NUM_THREADS");
        if (env && atoi(env) > 0) n = atoi(env);
        pool.nthreads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
    }
}

/* Start workers up to nthreads - 1 (lock held). */
static void ensure_workers(void) {
    while (pool.started < pool.nthreads - 1) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, worker, (void *)(intptr_t)pool.started);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            pool.nthreads = pool.started + 1; /* run with what we have */
            break;
        }
        pool.started++;
    }
}

int ax__num_threads(void) {
    pthread_once(&pool.once, init_pool);
    return pool.nthreads;
}

void ax_set_num_threads(int n) {
    pthread_once(&pool.once, init_pool);
    pthread_mutex_lock(&pool.submit);
    pthread_mutex_lock(&pool.lock);
    /* Workers already started stay; only the number taking part changes. */
    pool.nthreads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.submit);
}

int ax_get_num_threads(void) { return ax__num_threads(); }

void ax__parallel_for(int64_t n, int64_t grain, void (*fn)(void *, int64_t, int64_t), void *ud) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int nt = ax__num_threads();
    if (nt <= 1 || in_parallel || n < 2 * grain) {
        fn(ud, 0, n);
        return;
    }
    pthread_mutex_lock(&pool.submit);
    pthread_mutex_lock(&pool.lock);
    ensure_workers();
    int workers = pool.nthreads - 1 < pool.started ? pool.nthreads - 1 : pool.started;
    if (workers <= 0) {
        pthread_mutex_unlock(&pool.lock);
        pthread_mutex_unlock(&pool.submit);
        fn(ud, 0, n);
        return;
    }
    /* A few chunks per thread balance uneven work without much overhead. */
    int64_t chunks = (int64_t)(workers + 1) * 4;
    int64_t chunk = (n + chunks - 1) / chunks;
    if (chunk < grain) chunk = grain;
    job j = {.fn = fn, .ud = ud, .n = n, .chunk = chunk};
    atomic_init(&j.next, 0);
    atomic_init(&j.remaining, pool.started);
    pool.current = &j;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    in_parallel = true;
    run_chunks(&j);
    in_parallel = false;

    pthread_mutex_lock(&pool.lock);
    while (atomic_load(&j.remaining) > 0) pthread_cond_wait(&pool.done, &pool.lock);
    pool.current = NULL;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.submit);
}
