/* Fast SORT / ARGSORT: LSD radix sort on sort keys (sort_keys.h), 8-bit
 * digits, histograms of every digit in one read, digits that are equal for
 * the whole line skipped. Values are sorted as invertible keys when the line
 * holds no NaN and no -0.0 (else through the index path, which keeps NumPy's
 * stable order of equal NaNs and zeros); argsort sorts (key << 32 | index)
 * words on the key bytes only (32-bit keys), or key and index arrays side by
 * side (64-bit keys). LSD radix is stable, so the result is exactly the
 * reference's. Lines shorter than SMALL_N use insertion sort.
 *
 * Threads: many lines are split over the pool; a single long line
 * (n >= PAR_N) runs each radix pass in parallel: every task counts the
 * digits of its chunk, prefix sums give each (digit, task) its output run,
 * then every task scatters its chunk. Chunks are fixed by the task index, so
 * the result does not depend on the thread count or timing. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_keys.h"

enum { SMALL_N = 48, PAR_N = 1 << 17, MAX_TASKS = 16 };

/* ---------------------------------------------------------------- radix core */

/* Generic LSD over `W`-byte words (uint32_t or uint64_t), digits
 * [byte_lo, byte_hi), optional companion int64 array. Returns the buffer
 * that holds the result (a or tmp). */
#define RADIX_FN(NAME, W)                                                                   \
    static W *NAME(W *a, W *tmp, int64_t *ia, int64_t *itmp, int64_t n, int byte_lo,          \
                   int byte_hi) {                                                            \
        int64_t cnt[8][256];                                                                 \
        memset(cnt, 0, sizeof cnt);                                                          \
        int nb = byte_hi - byte_lo;                                                          \
        for (int64_t i = 0; i < n; i++) {                                                    \
            W v = a[i] >> (8 * byte_lo);                                                     \
            for (int b = 0; b < nb; b++) cnt[b][(v >> (8 * b)) & 0xff]++;                    \
        }                                                                                    \
        W *src = a, *dst = tmp;                                                              \
        int64_t *isrc = ia, *idst = itmp;                                                    \
        for (int b = 0; b < nb; b++) {                                                       \
            int64_t off[256], s = 0;                                                         \
            bool trivial = false;                                                            \
            for (int d = 0; d < 256; d++) {                                                  \
                if (cnt[b][d] == n) trivial = true;                                          \
                off[d] = s;                                                                  \
                s += cnt[b][d];                                                              \
            }                                                                                \
            if (trivial) continue;                                                           \
            int sh = 8 * (byte_lo + b);                                                      \
            if (isrc) {                                                                      \
                for (int64_t i = 0; i < n; i++) {                                            \
                    W v = src[i];                                                            \
                    int64_t o = off[(v >> sh) & 0xff]++;                                     \
                    dst[o] = v;                                                              \
                    idst[o] = isrc[i];                                                       \
                }                                                                            \
                int64_t *it = isrc;                                                          \
                isrc = idst;                                                                 \
                idst = it;                                                                   \
            } else {                                                                         \
                for (int64_t i = 0; i < n; i++) {                                            \
                    W v = src[i];                                                            \
                    dst[off[(v >> sh) & 0xff]++] = v;                                        \
                }                                                                            \
            }                                                                                \
            W *t = src;                                                                      \
            src = dst;                                                                       \
            dst = t;                                                                         \
        }                                                                                    \
        if (ia && isrc != ia) memcpy(ia, isrc, sizeof(int64_t) * (size_t)n);                 \
        return src;                                                                          \
    }
RADIX_FN(radix32, uint32_t)
RADIX_FN(radix64, uint64_t)

/* Parallel LSD over one long array of words (no companion). */
#define RADIX_PAR_FN(NAME, W)                                                               \
    typedef struct NAME##_job {                                                              \
        W *src, *dst;                                                                        \
        int64_t n, chunk;                                                                    \
        int sh;                                                                              \
        int64_t (*cnt)[256];                                                                 \
    } NAME##_job;                                                                            \
    static void NAME##_count(void *ud, int64_t b, int64_t e) {                               \
        NAME##_job *j = ud;                                                                  \
        for (int64_t t = b; t < e; t++) {                                                    \
            int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;     \
            int64_t *c = j->cnt[t];                                                          \
            memset(c, 0, 256 * sizeof *c);                                                   \
            for (int64_t i = lo; i < hi; i++) c[(j->src[i] >> j->sh) & 0xff]++;              \
        }                                                                                    \
    }                                                                                        \
    static void NAME##_scatter(void *ud, int64_t b, int64_t e) {                             \
        NAME##_job *j = ud;                                                                  \
        for (int64_t t = b; t < e; t++) {                                                    \
            int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;     \
            int64_t *off = j->cnt[t];                                                        \
            for (int64_t i = lo; i < hi; i++) {                                              \
                W v = j->src[i];                                                             \
                j->dst[off[(v >> j->sh) & 0xff]++] = v;                                      \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    static W *NAME(W *a, W *tmp, int64_t n, int byte_lo, int byte_hi, int tasks) {           \
        int64_t cnt[MAX_TASKS][256];                                                         \
        NAME##_job j = {.src = a, .dst = tmp, .n = n, .chunk = (n + tasks - 1) / tasks,      \
                        .cnt = cnt};                                                         \
        for (int b = byte_lo; b < byte_hi; b++) {                                            \
            j.sh = 8 * b;                                                                    \
            ax__parallel_for(tasks, 1, NAME##_count, &j);                                    \
            int64_t s = 0;                                                                   \
            bool trivial = false;                                                            \
            for (int d = 0; d < 256; d++) {                                                  \
                int64_t tot = 0;                                                             \
                for (int t = 0; t < tasks; t++) {                                            \
                    int64_t c = cnt[t][d];                                                   \
                    cnt[t][d] = s + tot;                                                     \
                    tot += c;                                                                \
                }                                                                            \
                if (tot == n) trivial = true;                                                \
                s += tot;                                                                    \
            }                                                                                \
            if (trivial) continue;                                                           \
            ax__parallel_for(tasks, 1, NAME##_scatter, &j);                                  \
            W *t = j.src;                                                                    \
            j.src = j.dst;                                                                   \
            j.dst = t;                                                                       \
        }                                                                                    \
        return j.src;                                                                        \
    }
RADIX_PAR_FN(radix32_par, uint32_t)
RADIX_PAR_FN(radix64_par, uint64_t)

/* ---------------------------------------------------------------- keys of a line */

/* Invertible keys of a line; false if a float line holds NaN or -0.0. */
static bool line_keys32_inv(const char *x, int64_t xs, ax_dtype t, int64_t n, uint32_t *k) {
    if (t == AX_FLOAT32) {
        const uint32_t *p = (const uint32_t *)x;
        uint32_t special = 0;
        if (xs == 1) {
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i];
                special |= ((b & 0x7fffffffu) > 0x7f800000u) | (b == 0x80000000u);
                k[i] = key_f32(b);
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i * xs];
                special |= ((b & 0x7fffffffu) > 0x7f800000u) | (b == 0x80000000u);
                k[i] = key_f32(b);
            }
        }
        return !special;
    }
    if (t == AX_FLOAT16 || t == AX_BFLOAT16) {
        const uint16_t *p = (const uint16_t *)x;
        uint32_t inf = t == AX_FLOAT16 ? 0x7c00u : 0x7f80u, special = 0;
        for (int64_t i = 0; i < n; i++) {
            uint32_t b = p[i * xs];
            special |= ((b & 0x7fffu) > inf) | (b == 0x8000u);
            k[i] = key_f16(b);
        }
        return !special;
    }
    size_t sz = ax_dtype_size(t);
    for (int64_t i = 0; i < n; i++) k[i] = key32_canon(x + i * xs * (int64_t)sz, t);
    return true;
}

static void line_unkeys32(const uint32_t *k, int64_t n, ax_dtype t, char *y, int64_t ys) {
    switch (t) {
    case AX_FLOAT32: {
        uint32_t *o = (uint32_t *)y;
        if (ys == 1)
            for (int64_t i = 0; i < n; i++) o[i] = unkey_f32(k[i]);
        else
            for (int64_t i = 0; i < n; i++) o[i * ys] = unkey_f32(k[i]);
        break;
    }
    case AX_FLOAT16: case AX_BFLOAT16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)y)[i * ys] = (uint16_t)unkey_f16(k[i]);
        break;
    case AX_BOOL: case AX_UINT8:
        for (int64_t i = 0; i < n; i++) ((uint8_t *)y)[i * ys] = (uint8_t)k[i];
        break;
    case AX_UINT16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)y)[i * ys] = (uint16_t)k[i];
        break;
    case AX_UINT32:
        for (int64_t i = 0; i < n; i++) ((uint32_t *)y)[i * ys] = k[i];
        break;
    case AX_INT8:
        for (int64_t i = 0; i < n; i++) ((uint8_t *)y)[i * ys] = (uint8_t)(k[i] ^ 0x80u);
        break;
    case AX_INT16:
        for (int64_t i = 0; i < n; i++)
            ((uint16_t *)y)[i * ys] = (uint16_t)(k[i] ^ 0x8000u);
        break;
    case AX_INT32:
        for (int64_t i = 0; i < n; i++) ((int32_t *)y)[i * ys] = (int32_t)(k[i] ^ 0x80000000u);
        break;
    default: break;
    }
}

static bool line_keys64_inv(const char *x, int64_t xs, ax_dtype t, int64_t n, uint64_t *k) {
    const uint64_t *p = (const uint64_t *)x;
    if (t == AX_FLOAT64) {
        uint64_t special = 0;
        for (int64_t i = 0; i < n; i++) {
            uint64_t b = p[i * xs];
            special |= ((b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) |
                       (b == 0x8000000000000000ull);
            k[i] = key_f64(b);
        }
        return !special;
    }
    uint64_t flip = t == AX_INT64 ? 0x8000000000000000ull : 0;
    for (int64_t i = 0; i < n; i++) k[i] = p[i * xs] ^ flip;
    return true;
}

static void line_unkeys64(const uint64_t *k, int64_t n, ax_dtype t, char *y, int64_t ys) {
    uint64_t *o = (uint64_t *)y;
    if (t == AX_FLOAT64)
        for (int64_t i = 0; i < n; i++) o[i * ys] = unkey_f64(k[i]);
    else {
        uint64_t flip = t == AX_INT64 ? 0x8000000000000000ull : 0;
        for (int64_t i = 0; i < n; i++) o[i * ys] = k[i] ^ flip;
    }
}

/* ---------------------------------------------------------------- one line */

typedef struct sort_scratch {
    void *a, *b;       /* 8 * n bytes each */
    int64_t *ia, *ib;  /* n each (64-bit keys, index path) */
} sort_scratch;

static void insertion32(uint32_t *k, int64_t n) {
    for (int64_t i = 1; i < n; i++) {
        uint32_t v = k[i];
        int64_t j = i;
        while (j > 0 && k[j - 1] > v) k[j] = k[j - 1], j--;
        k[j] = v;
    }
}
static void insertion64(uint64_t *k, int64_t *ix, int64_t n) {
    for (int64_t i = 1; i < n; i++) {
        uint64_t v = k[i];
        int64_t vi = ix ? ix[i] : 0, j = i;
        while (j > 0 && k[j - 1] > v) {
            k[j] = k[j - 1];
            if (ix) ix[j] = ix[j - 1];
            j--;
        }
        k[j] = v;
        if (ix) ix[j] = vi;
    }
}

/* Stable argsort of one line into idx_out (stride ys, int64), or, with
 * vals_out, the values gathered in that order. */
static void line_argsort(const char *x, int64_t xs, ax_dtype t, int64_t n, sort_scratch *s,
                         int64_t *idx_out, char *vals_out, int64_t ys, int tasks) {
    size_t sz = ax_dtype_size(t);
    if (!sort_wide_key(t) && n < ((int64_t)1 << 32)) {
        uint64_t *w = s->a;
        if (t == AX_FLOAT32 && xs == 1) {
            const uint32_t *p = (const uint32_t *)x;
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i];
                uint32_t k = (b & 0x7fffffffu) > 0x7f800000u ? 0xFFFFFFFFu
                             : key_f32(b == 0x80000000u ? 0 : b);
                w[i] = (uint64_t)k << 32 | (uint64_t)i;
            }
        } else {
            for (int64_t i = 0; i < n; i++)
                w[i] = (uint64_t)key32_canon(x + i * xs * (int64_t)sz, t) << 32 | (uint64_t)i;
        }
        if (n < SMALL_N) insertion64(w, NULL, n);
        else if (tasks > 1) w = radix64_par(w, s->b, n, 4, 8, tasks);
        else w = radix64(w, s->b, NULL, NULL, n, 4, 8);
        if (vals_out) {
            for (int64_t i = 0; i < n; i++)
                memcpy(vals_out + i * ys * (int64_t)sz, x + (int64_t)(w[i] & 0xffffffffu) * xs * (int64_t)sz,
                       sz);
        } else if (ys == 1) {
            for (int64_t i = 0; i < n; i++) idx_out[i] = (int64_t)(w[i] & 0xffffffffu);
        } else {
            for (int64_t i = 0; i < n; i++) idx_out[i * ys] = (int64_t)(w[i] & 0xffffffffu);
        }
        return;
    }
    uint64_t *k = s->a;
    int64_t *ix = s->ia;
    for (int64_t i = 0; i < n; i++) {
        k[i] = sort_wide_key(t) ? key64_canon(x + i * xs * (int64_t)sz, t)
                                : key32_canon(x + i * xs * (int64_t)sz, t);
        ix[i] = i;
    }
    if (n < SMALL_N) insertion64(k, ix, n);
    else radix64(k, s->b, ix, s->ib, n, 0, sort_wide_key(t) ? 8 : 4);
    for (int64_t i = 0; i < n; i++) {
        if (vals_out) memcpy(vals_out + i * ys * (int64_t)sz, x + ix[i] * xs * (int64_t)sz, sz);
        else idx_out[i * ys] = ix[i];
    }
}

static void line_sort_values(const char *x, int64_t xs, ax_dtype t, int64_t n, sort_scratch *s,
                             char *y, int64_t ys, int tasks) {
    if (sort_wide_key(t)) {
        uint64_t *k = s->a;
        if (!line_keys64_inv(x, xs, t, n, k)) {
            line_argsort(x, xs, t, n, s, NULL, y, ys, tasks);
            return;
        }
        if (n < SMALL_N) insertion64(k, NULL, n);
        else if (tasks > 1) k = radix64_par(k, s->b, n, 0, 8, tasks);
        else k = radix64(k, s->b, NULL, NULL, n, 0, 8);
        line_unkeys64(k, n, t, y, ys);
    } else {
        uint32_t *k = s->a;
        if (!line_keys32_inv(x, xs, t, n, k)) {
            line_argsort(x, xs, t, n, s, NULL, y, ys, tasks);
            return;
        }
        int bytes = ax_dtype_size(t) == 1 ? 1 : ax_dtype_size(t) == 2 ? 2 : 4;
        if (n < SMALL_N) insertion32(k, n);
        else if (tasks > 1) k = radix32_par(k, s->b, n, 0, bytes, tasks);
        else k = radix32(k, s->b, NULL, NULL, n, 0, bytes);
        line_unkeys32(k, n, t, y, ys);
    }
}

/* ---------------------------------------------------------------- kernel */

typedef struct sort_job {
    const ax_array *x;
    ax_array *y;
    bool values;
    sort_lines L;
    atomic_int failed;
} sort_job;

static bool scratch_alloc(sort_scratch *s, int64_t n) {
    size_t m = (size_t)(n ? n : 1);
    s->a = malloc(8 * m);
    s->b = malloc(8 * m);
    s->ia = malloc(8 * m);
    s->ib = malloc(8 * m);
    return s->a && s->b && s->ia && s->ib;
}
static void scratch_free(sort_scratch *s) { free(s->a), free(s->b), free(s->ia), free(s->ib); }

static void sort_range(void *ud, int64_t b, int64_t e) {
    sort_job *j = ud;
    sort_scratch s;
    if (!scratch_alloc(&s, j->L.n)) {
        scratch_free(&s);
        atomic_store(&j->failed, 1);
        return;
    }
    ax_dtype t = j->x->dtype;
    size_t sz = ax_dtype_size(t);
    for (int64_t l = b; l < e; l++) {
        int64_t io, oo;
        sort_line_offsets(&j->L, l, &io, &oo);
        const char *xl = ax__ptr(j->x) + io * (int64_t)sz;
        if (j->values)
            line_sort_values(xl, j->L.istride, t, j->L.n, &s, ax__ptr(j->y) + oo * (int64_t)sz,
                             j->L.ostride, 1);
        else
            line_argsort(xl, j->L.istride, t, j->L.n, &s, (int64_t *)ax__ptr(j->y) + oo, NULL,
                         j->L.ostride, 1);
    }
    scratch_free(&s);
}

bool ax__cpu_sort_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st) {
    const ax_sort_params *p = node->params;
    sort_job j = {.x = node->inputs[0], .y = out[0], .values = node->op == AX_OP_SORT};
    if (j.x->dtype == AX_COMPLEX64) return false;
    if (j.x->size == 0) {
        *st = AX_OK;
        return true;
    }
    sort_lines_init(&j.L, j.x, j.y, p->axis);
    atomic_init(&j.failed, 0);
    int nt = ax__num_threads();
    if (nt > 1 && j.L.count == 1 && j.L.n >= PAR_N) {
        sort_scratch s;
        if (!scratch_alloc(&s, j.L.n)) {
            scratch_free(&s);
            *st = ax__fail(ctx, AX_ERR_OOM, "%s: out of memory for %lld elements",
                           ax__op_info[node->op].name, (long long)j.L.n);
            return true;
        }
        int tasks = nt < MAX_TASKS ? nt : MAX_TASKS;
        size_t sz = ax_dtype_size(j.x->dtype);
        const char *xl = ax__ptr(j.x);
        if (j.values)
            line_sort_values(xl, j.L.istride, j.x->dtype, j.L.n, &s, ax__ptr(j.y), j.L.ostride,
                             tasks);
        else
            line_argsort(xl, j.L.istride, j.x->dtype, j.L.n, &s, (int64_t *)ax__ptr(j.y), NULL,
                         j.L.ostride, tasks);
        (void)sz;
        scratch_free(&s);
        *st = AX_OK;
        return true;
    }
    int64_t grain = j.L.n >= 8192 ? 1 : 8192 / j.L.n;
    ax__parallel_for(j.L.count, grain, sort_range, &j);
    *st = atomic_load(&j.failed)
              ? ax__fail(ctx, AX_ERR_OOM, "%s: out of memory for lines of %lld elements",
                         ax__op_info[node->op].name, (long long)j.L.n)
              : AX_OK;
    return true;
}
