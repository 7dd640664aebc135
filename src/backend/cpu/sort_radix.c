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

enum { SMALL_N = 48, PAR_N = 1 << 17, MAX_TASKS = 16, MSD_MIN_N = 1 << 16 };

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

/* MSD + LSD for long arrays of 32-bit keys (W = uint32_t, ks = 0) or
 * (key << 32 | index) words (W = uint64_t, ks = 32): one parallel pass
 * scatters by the top 11 key bits into buckets, then every bucket is sorted
 * by its low 21 key bits with two LSD passes (11 + 10 bits) while it sits
 * in cache, buckets spread over the tasks in groups of similar size. Two
 * passes over memory instead of four, and cache-resident work after the
 * first. Returns the buffer with the result (tmp), or NULL when one bucket
 * holds more than half the elements (skewed keys: the caller uses plain LSD). */
typedef struct sort_scratch {
    void *a, *b;       /* 8 * n bytes each */
    int64_t *ia, *ib;  /* n each (64-bit keys, index path) */
} sort_scratch;

static void insertion32(uint32_t *k, int64_t n);
enum { MSD_B = 11, MSD_N = 1 << MSD_B, LOW_BITS = 21, MAX_GROUPS = 8 * MAX_TASKS };
#define MSD_FN(NAME, W)                                                                      \
    typedef struct NAME##_job {                                                               \
        W *a, *tmp;                                                                           \
        int64_t n, chunk;                                                                     \
        int ks;                                                                               \
        int64_t *cnt;          /* [tasks][MSD_N]: counts, then write offsets */               \
        int64_t start[MSD_N + 1];                                                             \
        int group_first[MAX_GROUPS + 1];                                                      \
    } NAME##_job;                                                                             \
    static void NAME##_count(void *ud, int64_t b, int64_t e) {                                \
        NAME##_job *j = ud;                                                                   \
        int sh = j->ks + LOW_BITS;                                                            \
        for (int64_t t = b; t < e; t++) {                                                     \
            int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;      \
            int64_t *c = j->cnt + t * MSD_N;                                                  \
            memset(c, 0, MSD_N * sizeof *c);                                                  \
            for (int64_t i = lo; i < hi; i++) c[(j->a[i] >> sh) & (MSD_N - 1)]++;             \
        }                                                                                     \
    }                                                                                         \
    static void NAME##_scatter(void *ud, int64_t b, int64_t e) {                              \
        NAME##_job *j = ud;                                                                   \
        int sh = j->ks + LOW_BITS;                                                            \
        for (int64_t t = b; t < e; t++) {                                                     \
            int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;      \
            int64_t *off = j->cnt + t * MSD_N;                                                \
            for (int64_t i = lo; i < hi; i++) {                                               \
                W v = j->a[i];                                                                \
                j->tmp[off[(v >> sh) & (MSD_N - 1)]++] = v;                                   \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    /* Sort x[0, len) by key bits [ks, ks + 21) (stable); y: scratch. Result in x. */         \
    static void NAME##_low(W *x, W *y, int64_t len, int ks) {                                 \
        if (len < 32) {                                                                       \
            for (int64_t i = 1; i < len; i++) {                                               \
                W v = x[i];                                                                   \
                int64_t k = i;                                                                \
                while (k > 0 && x[k - 1] > v) x[k] = x[k - 1], k--;                           \
                x[k] = v;                                                                     \
            }                                                                                 \
            return;                                                                           \
        }                                                                                     \
        uint32_t c0[2048], c1[1024];                                                          \
        memset(c0, 0, sizeof c0);                                                             \
        memset(c1, 0, sizeof c1);                                                             \
        for (int64_t i = 0; i < len; i++) {                                                   \
            W v = x[i] >> ks;                                                                 \
            c0[v & 2047]++;                                                                   \
            c1[(v >> 11) & 1023]++;                                                           \
        }                                                                                     \
        uint32_t s0 = 0, s1 = 0;                                                              \
        for (int d = 0; d < 2048; d++) {                                                      \
            uint32_t c = c0[d];                                                               \
            c0[d] = s0;                                                                       \
            s0 += c;                                                                          \
        }                                                                                     \
        for (int d = 0; d < 1024; d++) {                                                      \
            uint32_t c = c1[d];                                                               \
            c1[d] = s1;                                                                       \
            s1 += c;                                                                          \
        }                                                                                     \
        for (int64_t i = 0; i < len; i++) {                                                   \
            W v = x[i];                                                                       \
            y[c0[(v >> ks) & 2047]++] = v;                                                    \
        }                                                                                     \
        for (int64_t i = 0; i < len; i++) {                                                   \
            W v = y[i];                                                                       \
            x[c1[(v >> (ks + 11)) & 1023]++] = v;                                             \
        }                                                                                     \
    }                                                                                         \
    static void NAME##_buckets(void *ud, int64_t b, int64_t e) {                              \
        NAME##_job *j = ud;                                                                   \
        for (int64_t g = b; g < e; g++)                                                       \
            for (int d = j->group_first[g]; d < j->group_first[g + 1]; d++) {                 \
                int64_t s = j->start[d], len = j->start[d + 1] - s;                           \
                if (len > 1) NAME##_low(j->tmp + s, j->a + s, len, j->ks);                    \
            }                                                                                 \
    }                                                                                         \
    static W *NAME(W *a, W *tmp, int64_t n, int ks, int tasks) {                              \
        NAME##_job *j = malloc(sizeof *j);                                                    \
        int64_t *cnt = malloc(sizeof(int64_t) * MSD_N * (size_t)tasks);                       \
        if (!j || !cnt) {                                                                     \
            free(j), free(cnt);                                                               \
            return NULL;                                                                      \
        }                                                                                     \
        j->a = a, j->tmp = tmp, j->n = n, j->chunk = (n + tasks - 1) / tasks, j->ks = ks;     \
        j->cnt = cnt;                                                                         \
        ax__parallel_for(tasks, 1, NAME##_count, j);                                          \
        int64_t s = 0, biggest = 0;                                                           \
        for (int d = 0; d < MSD_N; d++) {                                                     \
            j->start[d] = s;                                                                  \
            int64_t tot = 0;                                                                  \
            for (int t = 0; t < tasks; t++) {                                                 \
                int64_t c = cnt[t * MSD_N + d];                                               \
                cnt[t * MSD_N + d] = s + tot;                                                 \
                tot += c;                                                                     \
            }                                                                                 \
            if (tot > biggest) biggest = tot;                                                 \
            s += tot;                                                                         \
        }                                                                                     \
        j->start[MSD_N] = n;                                                                  \
        W *res = NULL;                                                                        \
        if (biggest <= n / 2) {                                                               \
            ax__parallel_for(tasks, 1, NAME##_scatter, j);                                    \
            /* groups of buckets holding about n / groups elements each */                    \
            int groups = tasks > 1 ? 8 * tasks : 1, g = 0;                                    \
            if (groups > MAX_GROUPS) groups = MAX_GROUPS;                                     \
            j->group_first[0] = 0;                                                            \
            for (int d = 0; d < MSD_N && g < groups - 1; d++)                                 \
                if (j->start[d + 1] >= (g + 1) * (n / groups)) j->group_first[++g] = d + 1;   \
            while (g < groups) j->group_first[++g] = MSD_N;                                   \
            ax__parallel_for(groups, 1, NAME##_buckets, j);                                   \
            res = tmp;                                                                        \
        }                                                                                     \
        free(cnt);                                                                            \
        free(j);                                                                              \
        return res;                                                                           \
    }
MSD_FN(msd32, uint32_t)
MSD_FN(msd64, uint64_t)

/* float32 values, contiguous input and output: the MSD + LSD sort above with
 * the key transform fused into the counting and scattering passes and the
 * inverse transform into the last LSD pass (two fewer passes over memory).
 * Returns false (nothing written) if the line holds NaN or -0.0, or its keys
 * are skewed; the caller then takes the general path. */
/* The top-bits digit is wider for long lines (14 bits from 4M elements) so
 * that buckets stay cache-sized; the low bits take two LSD passes. */
enum { F32_MAX_B = 14 };
typedef struct f32_job {
    const uint32_t *x;
    uint32_t *tmp, *scr, *y;
    int64_t n, chunk;
    int64_t *cnt;
    int nb, low, l0; /* top bits, low bits, bits of the first low pass */
    int64_t start[(1 << F32_MAX_B) + 1];
    int group_first[MAX_GROUPS + 1];
    atomic_int special;
} f32_job;

static void f32_count(void *ud, int64_t b, int64_t e) {
    f32_job *j = ud;
    int64_t nbuck = (int64_t)1 << j->nb;
    for (int64_t t = b; t < e; t++) {
        int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
        int64_t *c = j->cnt + t * nbuck;
        memset(c, 0, (size_t)nbuck * sizeof *c);
        uint32_t special = 0;
        int sh = j->low;
        for (int64_t i = lo; i < hi; i++) {
            uint32_t v = j->x[i];
            special |= ((v & 0x7fffffffu) > 0x7f800000u) | (v == 0x80000000u);
            c[key_f32(v) >> sh]++;
        }
        if (special) atomic_store(&j->special, 1);
    }
}
static void f32_scatter(void *ud, int64_t b, int64_t e) {
    f32_job *j = ud;
    int64_t nbuck = (int64_t)1 << j->nb;
    int sh = j->low;
    for (int64_t t = b; t < e; t++) {
        int64_t lo = t * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
        int64_t *off = j->cnt + t * nbuck;
        for (int64_t i = lo; i < hi; i++) {
            uint32_t k = key_f32(j->x[i]);
            j->tmp[off[k >> sh]++] = k;
        }
    }
}
static void f32_buckets(void *ud, int64_t b, int64_t e) {
    f32_job *j = ud;
    int l0 = j->l0, l1 = j->low - j->l0;
    uint32_t m0 = (1u << l0) - 1, m1 = (1u << l1) - 1;
    for (int64_t g = b; g < e; g++)
        for (int d = j->group_first[g]; d < j->group_first[g + 1]; d++) {
            int64_t s = j->start[d], len = j->start[d + 1] - s;
            uint32_t *x = j->tmp + s, *w = j->scr + s, *y = j->y + s;
            if (len < 32) {
                if (len > 1) insertion32(x, len);
                for (int64_t i = 0; i < len; i++) y[i] = unkey_f32(x[i]);
                continue;
            }
            uint32_t c0[2048], c1[2048], s0 = 0, s1 = 0;
            memset(c0, 0, sizeof(uint32_t) * (m0 + 1));
            memset(c1, 0, sizeof(uint32_t) * (m1 + 1));
            for (int64_t i = 0; i < len; i++) {
                uint32_t v = x[i];
                c0[v & m0]++;
                c1[(v >> l0) & m1]++;
            }
            for (uint32_t q = 0; q <= m0; q++) {
                uint32_t c = c0[q];
                c0[q] = s0;
                s0 += c;
            }
            for (uint32_t q = 0; q <= m1; q++) {
                uint32_t c = c1[q];
                c1[q] = s1;
                s1 += c;
            }
            for (int64_t i = 0; i < len; i++) {
                uint32_t v = x[i];
                w[c0[v & m0]++] = v;
            }
            for (int64_t i = 0; i < len; i++) {
                uint32_t v = w[i];
                y[c1[(v >> l0) & m1]++] = unkey_f32(v);
            }
        }
}

static bool sort_f32_fused(const uint32_t *x, uint32_t *y, int64_t n, sort_scratch *s, int tasks) {
    f32_job *j = malloc(sizeof *j);
    int nb = n >= ((int64_t)1 << 22) ? F32_MAX_B : MSD_B;
    int64_t nbuck = (int64_t)1 << nb;
    int64_t *cnt = malloc(sizeof(int64_t) * (size_t)nbuck * (size_t)tasks);
    bool ok = false;
    if (!j || !cnt) goto done;
    j->x = x, j->tmp = s->a, j->scr = s->b, j->y = y, j->n = n, j->cnt = cnt;
    j->nb = nb, j->low = 32 - nb, j->l0 = (32 - nb + 1) / 2;
    j->chunk = (n + tasks - 1) / tasks;
    atomic_init(&j->special, 0);
    ax__parallel_for(tasks, 1, f32_count, j);
    if (atomic_load(&j->special)) goto done;
    int64_t sum = 0, biggest = 0;
    for (int64_t d = 0; d < nbuck; d++) {
        j->start[d] = sum;
        int64_t tot = 0;
        for (int t = 0; t < tasks; t++) {
            int64_t c = cnt[t * nbuck + d];
            cnt[t * nbuck + d] = sum + tot;
            tot += c;
        }
        if (tot > biggest) biggest = tot;
        sum += tot;
    }
    j->start[nbuck] = n;
    if (biggest > n / 2) goto done;
    ax__parallel_for(tasks, 1, f32_scatter, j);
    int groups = tasks > 1 ? 8 * tasks : 1, g = 0;
    if (groups > MAX_GROUPS) groups = MAX_GROUPS;
    j->group_first[0] = 0;
    for (int d = 0; d < nbuck && g < groups - 1; d++)
        if (j->start[d + 1] >= (g + 1) * (n / groups)) j->group_first[++g] = d + 1;
    while (g < groups) j->group_first[++g] = (int)nbuck;
    ax__parallel_for(groups, 1, f32_buckets, j);
    ok = true;
done:
    free(cnt);
    free(j);
    return ok;
}

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
        uint64_t *r = NULL;
        if (n < SMALL_N) insertion64(w, NULL, n);
        else if (n >= MSD_MIN_N && (r = msd64(w, s->b, n, 32, tasks)) != NULL) w = r;
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
        if (t == AX_FLOAT32 && xs == 1 && ys == 1 && n >= MSD_MIN_N && n < ((int64_t)1 << 32) &&
            sort_f32_fused((const uint32_t *)x, (uint32_t *)y, n, s, tasks))
            return;
        uint32_t *k = s->a;
        if (!line_keys32_inv(x, xs, t, n, k)) {
            line_argsort(x, xs, t, n, s, NULL, y, ys, tasks);
            return;
        }
        int bytes = ax_dtype_size(t) == 1 ? 1 : ax_dtype_size(t) == 2 ? 2 : 4;
        uint32_t *r = NULL;
        if (n < SMALL_N) insertion32(k, n);
        else if (bytes == 4 && n >= MSD_MIN_N && (r = msd32(k, s->b, n, 0, tasks)) != NULL) k = r;
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
    int slots;
    sort_scratch *scratch; /* one per slot */
} sort_job;

/* Scratch from ax's buffer pool (no page faults once warm): a and b of 8n
 * bytes; ia and ib too where the key and index arrays path can run. */
typedef struct scratch_bufs {
    ax_buffer *buf[4];
} scratch_bufs;

static bool scratch_alloc(ax_ctx *ctx, sort_scratch *s, scratch_bufs *bufs, int64_t n, ax_dtype t) {
    size_t m = 8 * (size_t)(n ? n : 1);
    bool idx = sort_wide_key(t) || n >= ((int64_t)1 << 32);
    memset(bufs, 0, sizeof *bufs);
    memset(s, 0, sizeof *s);
    for (int i = 0; i < (idx ? 4 : 2); i++)
        if (!(bufs->buf[i] = ax__buffer_new(ctx, m))) return false;
    s->a = bufs->buf[0]->data;
    s->b = bufs->buf[1]->data;
    if (idx) s->ia = bufs->buf[2]->data, s->ib = bufs->buf[3]->data;
    return true;
}
static void scratch_free(scratch_bufs *bufs) {
    for (int i = 0; i < 4; i++)
        if (bufs->buf[i]) ax__buffer_release(bufs->buf[i]);
}

static void sort_slot(void *ud, int64_t b, int64_t e) {
    sort_job *j = ud;
    ax_dtype t = j->x->dtype;
    size_t sz = ax_dtype_size(t);
    for (int64_t slot = b; slot < e; slot++) {
        sort_scratch *s = &j->scratch[slot];
        int64_t l0 = j->L.count * slot / j->slots, l1 = j->L.count * (slot + 1) / j->slots;
        for (int64_t l = l0; l < l1; l++) {
            int64_t io, oo;
            sort_line_offsets(&j->L, l, &io, &oo);
            const char *xl = ax__ptr(j->x) + io * (int64_t)sz;
            if (j->values)
                line_sort_values(xl, j->L.istride, t, j->L.n, s, ax__ptr(j->y) + oo * (int64_t)sz,
                                 j->L.ostride, 1);
            else
                line_argsort(xl, j->L.istride, t, j->L.n, s, (int64_t *)ax__ptr(j->y) + oo, NULL,
                             j->L.ostride, 1);
        }
    }
}

bool ax__cpu_sort_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st) {
    const ax_sort_params *p = node->params;
    sort_job j = {.x = node->inputs[0], .y = out[0], .values = node->op == AX_OP_SORT};
    if (j.x->dtype == AX_COMPLEX64) return false;
    *st = AX_OK;
    if (j.x->size == 0) return true;
    sort_lines_init(&j.L, j.x, j.y, p->axis);
    int nt = ax__num_threads();
    if (nt > MAX_TASKS) nt = MAX_TASKS;
    /* one long line: parallel passes; else lines split into `slots` runs */
    bool one = nt > 1 && j.L.count < nt && j.L.n >= PAR_N;
    int64_t work = j.L.count * j.L.n;
    j.slots = one ? 1 : (int)(j.L.count < nt ? j.L.count : nt);
    if (work < 16384) j.slots = 1;
    sort_scratch s[MAX_TASKS];
    scratch_bufs bufs[MAX_TASKS];
    memset(bufs, 0, sizeof bufs);
    j.scratch = s;
    for (int i = 0; i < j.slots; i++)
        if (!scratch_alloc(ctx, &s[i], &bufs[i], j.L.n, j.x->dtype)) {
            for (int k = 0; k <= i; k++) scratch_free(&bufs[k]);
            *st = AX_ERR_OOM;
            return true;
        }
    if (one) {
        ax_dtype t = j.x->dtype;
        size_t sz = ax_dtype_size(t);
        for (int64_t l = 0; l < j.L.count; l++) {
            int64_t io, oo;
            sort_line_offsets(&j.L, l, &io, &oo);
            const char *xl = ax__ptr(j.x) + io * (int64_t)sz;
            if (j.values)
                line_sort_values(xl, j.L.istride, t, j.L.n, &s[0], ax__ptr(j.y) + oo * (int64_t)sz,
                                 j.L.ostride, nt);
            else
                line_argsort(xl, j.L.istride, t, j.L.n, &s[0], (int64_t *)ax__ptr(j.y) + oo, NULL,
                             j.L.ostride, nt);
        }
    } else {
        ax__parallel_for(j.slots, 1, sort_slot, &j);
    }
    for (int i = 0; i < j.slots; i++) scratch_free(&bufs[i]);
    return true;
}
