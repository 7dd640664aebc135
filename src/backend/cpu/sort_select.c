/* Fast PARTITION / ARGPARTITION and SEARCHSORTED on sort keys (sort_keys.h).
 *
 * Partition: per line, words (canonical key, index) — one uint64
 * (key << 32 | index) for 32-bit keys, a pair for 64-bit keys — all distinct,
 * so introselect (median-of-3 quickselect; heapsort of the remaining range
 * after 2 log2(n) rounds, so the worst case is O(n log n)) puts the kth word
 * in place with smaller words before it. The output takes the indices, or
 * the input values at them (bytes copied, so NaN payloads and zero signs
 * survive). Lines are split over the thread pool.
 *
 * Searchsorted: binary search on keys computed from a's elements on the fly
 * (O(log n) per value, no pass over a), narrowed by the previous result when
 * the values ascend (as NumPy), values split over the thread pool. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_keys.h"

typedef struct kpair {
    uint64_t k, i;
} kpair;

#define LT_W(a, b) ((a) < (b))
#define LT_P(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).i < (b).i))

#define SELECT_FN(NAME, T, LT)                                                        \
    static void NAME##_sift(T *a, int64_t start, int64_t end) {                        \
        int64_t root = start;                                                          \
        while (2 * root + 1 < end) {                                                   \
            int64_t c = 2 * root + 1;                                                  \
            if (c + 1 < end && LT(a[c], a[c + 1])) c++;                                \
            if (!LT(a[root], a[c])) return;                                            \
            T t = a[root];                                                             \
            a[root] = a[c];                                                            \
            a[c] = t;                                                                  \
            root = c;                                                                  \
        }                                                                              \
    }                                                                                  \
    static void NAME##_heapsort(T *a, int64_t n) {                                     \
        for (int64_t s = n / 2 - 1; s >= 0; s--) NAME##_sift(a, s, n);                 \
        for (int64_t e = n - 1; e > 0; e--) {                                          \
            T t = a[0];                                                                \
            a[0] = a[e];                                                               \
            a[e] = t;                                                                  \
            NAME##_sift(a, 0, e);                                                      \
        }                                                                              \
    }                                                                                  \
    static void NAME(T *a, int64_t n, int64_t kth) {                                   \
        int64_t lo = 0, hi = n - 1;                                                    \
        int depth = 2;                                                                 \
        for (int64_t m = n; m > 1; m >>= 1) depth += 2;                                \
        while (hi - lo > 16) {                                                         \
            if (depth-- == 0) {                                                        \
                NAME##_heapsort(a + lo, hi - lo + 1);                                  \
                return;                                                                \
            }                                                                          \
            int64_t mid = lo + (hi - lo) / 2;                                          \
            /* median of three to a[lo] ... order a[lo], a[mid], a[hi] */             \
            T t;                                                                       \
            if (LT(a[mid], a[lo])) t = a[mid], a[mid] = a[lo], a[lo] = t;              \
            if (LT(a[hi], a[lo])) t = a[hi], a[hi] = a[lo], a[lo] = t;                 \
            if (LT(a[hi], a[mid])) t = a[hi], a[hi] = a[mid], a[mid] = t;              \
            T piv = a[mid];                                                            \
            int64_t i = lo, j = hi;                                                    \
            while (i <= j) {                                                           \
                while (LT(a[i], piv)) i++;                                             \
                while (LT(piv, a[j])) j--;                                             \
                if (i <= j) {                                                          \
                    t = a[i], a[i] = a[j], a[j] = t;                                   \
                    i++, j--;                                                          \
                }                                                                      \
            }                                                                          \
            /* now [lo, j] <= piv <= [i, hi], and j < i */                             \
            if (kth <= j) hi = j;                                                      \
            else if (kth >= i) lo = i;                                                 \
            else return;                                                               \
        }                                                                              \
        for (int64_t x = lo + 1; x <= hi; x++) {                                       \
            T v = a[x];                                                                \
            int64_t y = x;                                                             \
            while (y > lo && LT(v, a[y - 1])) a[y] = a[y - 1], y--;                    \
            a[y] = v;                                                                  \
        }                                                                              \
    }
SELECT_FN(select_w, uint64_t, LT_W)
SELECT_FN(select_p, kpair, LT_P)

typedef struct part_job {
    const ax_array *x;
    ax_array *y;
    bool values;
    int64_t kth;
    sort_lines L;
    atomic_int failed;
} part_job;

static void part_range(void *ud, int64_t b, int64_t e) {
    part_job *j = ud;
    ax_dtype t = j->x->dtype;
    size_t sz = ax_dtype_size(t);
    int64_t n = j->L.n;
    bool wide = sort_wide_key(t) || n >= ((int64_t)1 << 32);
    void *buf = malloc((wide ? sizeof(kpair) : 8) * (size_t)n);
    if (!buf) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (int64_t l = b; l < e; l++) {
        int64_t io, oo;
        sort_line_offsets(&j->L, l, &io, &oo);
        const char *x = ax__ptr(j->x) + io * (int64_t)sz;
        int64_t xs = j->L.istride, ys = j->L.ostride;
        char *y = ax__ptr(j->y);
        if (!wide) {
            uint64_t *w = buf;
            for (int64_t i = 0; i < n; i++)
                w[i] = (uint64_t)key32_canon(x + i * xs * (int64_t)sz, t) << 32 | (uint64_t)i;
            select_w(w, n, j->kth);
            for (int64_t i = 0; i < n; i++) {
                int64_t src = (int64_t)(w[i] & 0xffffffffu);
                if (j->values) memcpy(y + (oo + i * ys) * (int64_t)sz, x + src * xs * (int64_t)sz, sz);
                else ((int64_t *)y)[oo + i * ys] = src;
            }
        } else {
            kpair *w = buf;
            for (int64_t i = 0; i < n; i++) {
                const char *p = x + i * xs * (int64_t)sz;
                w[i].k = sort_wide_key(t) ? key64_canon(p, t) : key32_canon(p, t);
                w[i].i = (uint64_t)i;
            }
            select_p(w, n, j->kth);
            for (int64_t i = 0; i < n; i++) {
                int64_t src = (int64_t)w[i].i;
                if (j->values) memcpy(y + (oo + i * ys) * (int64_t)sz, x + src * xs * (int64_t)sz, sz);
                else ((int64_t *)y)[oo + i * ys] = src;
            }
        }
    }
    free(buf);
}

bool ax__cpu_partition_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out,
                            ax_status *st) {
    const ax_sort_params *p = node->params;
    part_job j = {.x = node->inputs[0], .y = out[0], .values = node->op == AX_OP_PARTITION,
                  .kth = p->kth};
    if (j.x->dtype == AX_COMPLEX64) return false;
    *st = AX_OK;
    if (j.x->size == 0) return true;
    sort_lines_init(&j.L, j.x, j.y, p->axis);
    atomic_init(&j.failed, 0);
    int64_t grain = j.L.n >= 8192 ? 1 : 8192 / j.L.n;
    ax__parallel_for(j.L.count, grain, part_range, &j);
    if (atomic_load(&j.failed))
        *st = ax__fail(ctx, AX_ERR_OOM, "%s: out of memory for lines of %lld elements",
                       ax__op_info[node->op].name, (long long)j.L.n);
    return true;
}

/* ---------------------------------------------------------------- searchsorted */

typedef struct ss_job {
    const char *a, *v;
    int64_t n, as;
    ax_dtype t;
    bool right;
    int64_t *out;
} ss_job;

/* Branchless lower (left) / upper (right) bounds of SS_G values in
 * lockstep: the range halves each step whatever the comparison says, so
 * every value of a batch takes the same ceil(log2 n) steps and SS_G
 * independent loads of `a` are in flight per step, where a plain binary
 * search waits on one load and mispredicts half its branches (5-10x slower
 * once `a` is far larger than the caches). Invariant: key(a[i]) is below
 * the value's key (or at most it, right) for i < lo, and a[lo + len], where
 * it exists, is not. One body per key type, the dtype fixed where it can be
 * (key*_canon's switch then folds away). */
#define SS_G 16
#define SS_BATCH(NAME, K, KEY)                                                              \
    static void NAME(const ss_job *j, int64_t b, int64_t e) {                               \
        const ax_dtype t = j->t;                                                           \
        const int64_t n = j->n, vs = (int64_t)ax_dtype_size(t), as = j->as * vs;            \
        const bool right = j->right;                                                       \
        (void)t;                                                                           \
        for (int64_t q0 = b; q0 < e; q0 += SS_G) {                                          \
            const int g_n = e - q0 < SS_G ? (int)(e - q0) : SS_G;                          \
            K kv[SS_G];                                                                    \
            int64_t lo[SS_G];                                                              \
            for (int g = 0; g < g_n; g++) kv[g] = KEY(j->v + (q0 + g) * vs), lo[g] = 0;    \
            for (int64_t len = n; len > 1;) {                                              \
                const int64_t half = len >> 1;                                             \
                for (int g = 0; g < g_n; g++) {                                            \
                    K ka = KEY(j->a + (lo[g] + half) * as);                                \
                    lo[g] += (right ? ka <= kv[g] : ka < kv[g]) ? half : 0;                \
                }                                                                          \
                len -= half;                                                               \
            }                                                                              \
            for (int g = 0; g < g_n; g++) {                                                \
                int64_t r = lo[g];                                                         \
                if (n > 0) {                                                               \
                    K ka = KEY(j->a + r * as);                                             \
                    r += right ? ka <= kv[g] : ka < kv[g];                                 \
                }                                                                          \
                j->out[q0 + g] = r;                                                        \
            }                                                                              \
        }                                                                                  \
    }
#define SS_KEY_F32(p) key32_canon(p, AX_FLOAT32)
#define SS_KEY_I32(p) key32_canon(p, AX_INT32)
#define SS_KEY_F64(p) key64_canon(p, AX_FLOAT64)
#define SS_KEY_I64(p) key64_canon(p, AX_INT64)
#define SS_KEY_ANY32(p) key32_canon(p, t)
#define SS_KEY_ANY64(p) key64_canon(p, t)
SS_BATCH(ss_f32, uint32_t, SS_KEY_F32)
SS_BATCH(ss_i32, uint32_t, SS_KEY_I32)
SS_BATCH(ss_f64, uint64_t, SS_KEY_F64)
SS_BATCH(ss_i64, uint64_t, SS_KEY_I64)
SS_BATCH(ss_any32, uint32_t, SS_KEY_ANY32)
SS_BATCH(ss_any64, uint64_t, SS_KEY_ANY64)

static void ss_range(void *ud, int64_t b, int64_t e) {
    const ss_job *j = ud;
    switch (j->t) {
    case AX_FLOAT32: ss_f32(j, b, e); break;
    case AX_INT32: ss_i32(j, b, e); break;
    case AX_FLOAT64: ss_f64(j, b, e); break;
    case AX_INT64: ss_i64(j, b, e); break;
    default:
        if (sort_wide_key(j->t)) ss_any64(j, b, e);
        else ss_any32(j, b, e);
    }
}

bool ax__cpu_searchsorted_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out,
                               ax_status *st) {
    const ax_searchsorted_params *p = node->params;
    const ax_array *a = node->inputs[0], *v = node->inputs[1];
    *st = AX_OK;
    if (v->size == 0) return true;
    void *tmp = NULL;
    const char *vd = ax__ptr(v);
    if (!v->contiguous) {
        tmp = ax__malloc(ctx, (size_t)v->size * ax_dtype_size(v->dtype));
        if (!tmp) {
            *st = AX_ERR_OOM;
            return true;
        }
        ax__cpu_copy_to_contiguous(v, tmp);
        vd = tmp;
    }
    ss_job j = {.a = ax__ptr(a), .v = vd, .n = a->shape[0], .as = a->strides[0], .t = a->dtype,
                .right = p->right, .out = (int64_t *)ax__ptr(out[0])};
    ax__parallel_for(v->size, 4096, ss_range, &j);
    free(tmp);
    return true;
}
