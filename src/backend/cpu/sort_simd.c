/* Fast SORT (values) of float32, int32, float64 and int64 on AVX-512: an
 * in-place vectorized quicksort (16 int32 or 8 int64 lanes). Written for ax from the published ideas (no code
 * taken from other projects):
 *  - partition: 16 lanes compared with the pivot, the lanes of each side
 *    written with compress-stores to the left / right write fronts; the first
 *    and last vectors are held in registers so the fronts never overrun
 *    unread data (the side with less free room is read next);
 *  - pivot: median of 16 evenly spaced samples (of 256 for the split that
 *    feeds the threads); a range whose pivot is its minimum is split into
 *    (== pivot) and (> pivot), so runs of equal values end the recursion;
 *  - blocks of <= 256 (32-bit) / 128 (64-bit) elements: bitonic sorting
 *    network over up to 16 registers, padded with the largest key;
 *  - recursion depth above 2 log2(n) + 4: heapsort (worst case n log n).
 * float32 / float64 are sorted as int32 / int64 keys (b ^ (sign ? 0x7fff.. : 0): the integer
 * order of the keys is the float order, -0.0 just below +0.0). To give
 * exactly the stable reference result (NumPy's order: NaN last, -0.0 == 0.0,
 * equal elements in input order), NaNs are moved to the end in input order
 * before the sort, and when the line holds a -0.0 the run of zeros is
 * rewritten afterwards with the zeros in input order. So the output equals
 * the reference bit for bit although the quicksort is not stable.
 *
 * Threads: many lines are spread over the pool; one long line
 * (n >= SIMD_PAR_N) is first split by partitions (pivot: median of 256
 * samples) into one range per task, then the ranges are sorted on the pool.
 * Built only when the compiler targets AVX-512F (-march=native on such a
 * machine); elsewhere ax__cpu_sort_simd returns false and the radix sort
 * (sort_radix.c) runs. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_impl.h"

#if defined(__AVX512F__)
#include <immintrin.h>

enum { SIMD_SMALL = 256, SIMD_PAR_N = 1 << 17, SIMD_MAX_TASKS = 64 };

/* ---------------------------------------------------------------- networks */

/* Lanes with bit j of the lane index set. */
static inline __mmask16 lanes_with_bit(int j) {
    return (__mmask16)(j == 1 ? 0xAAAAu : j == 2 ? 0xCCCCu : j == 4 ? 0xF0F0u : j == 8 ? 0xFF00u : 0u);
}

/* Compare-exchange of lane i with lane i ^ j; lanes in `maxmask` keep the max. */
static inline __m512i cx_lanes(__m512i v, int j, __mmask16 maxmask) {
    const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m512i p = _mm512_permutexvar_epi32(_mm512_xor_si512(iota, _mm512_set1_epi32(j)), v);
    return _mm512_mask_blend_epi32(maxmask, _mm512_min_epi32(v, p), _mm512_max_epi32(v, p));
}

/* Bitonic sort of the 16 * nv keys in v[0, nv) (nv a power of two <= 16),
 * ascending in lane-major order. */
static void bitonic_i32(__m512i *v, int nv) {
    int total = 16 * nv;
    for (int k = 2; k <= total; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            if (j >= 16) {
                int jv = j >> 4;
                for (int a = 0; a < nv; a++) {
                    if (a & jv) continue;
                    int b = a | jv;
                    __m512i mn = _mm512_min_epi32(v[a], v[b]), mx = _mm512_max_epi32(v[a], v[b]);
                    bool desc = ((a * 16) & k) != 0;
                    v[a] = desc ? mx : mn;
                    v[b] = desc ? mn : mx;
                }
            } else {
                for (int a = 0; a < nv; a++) {
                    /* ascending lanes: the upper lane of each pair keeps the max */
                    __mmask16 m = lanes_with_bit(j);
                    if (k < 16) m ^= lanes_with_bit(k);
                    else if ((a * 16) & k) m ^= 0xFFFFu;
                    v[a] = cx_lanes(v[a], j, m);
                }
            }
        }
    }
}

/* Sort a[0, n), n <= SIMD_SMALL, in registers. */
static void small_i32(int32_t *a, int64_t n) {
    if (n <= 1) return;
    int nv = 1;
    while (16 * nv < n) nv <<= 1;
    __m512i v[16];
    const __m512i pad = _mm512_set1_epi32(INT32_MAX);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - 16 * i;
        __mmask16 m = r >= 16 ? (__mmask16)0xFFFFu : r > 0 ? (__mmask16)((1u << r) - 1) : 0;
        v[i] = _mm512_mask_loadu_epi32(pad, m, a + 16 * i);
    }
    bitonic_i32(v, nv);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - 16 * i;
        __mmask16 m = r >= 16 ? (__mmask16)0xFFFFu : r > 0 ? (__mmask16)((1u << r) - 1) : 0;
        _mm512_mask_storeu_epi32(a + 16 * i, m, v[i]);
    }
}

/* ---------------------------------------------------------------- partition */

/* Reorder a[0, n) (n >= 32) so that the elements with x < piv (le = 0) or
 * x <= piv (le = 1) come first; returns their count. */
static inline __attribute__((always_inline)) int64_t part_i32(int32_t *a, int64_t n, int32_t piv,
                                                              const int le) {
    const __m512i pv = _mm512_set1_epi32(piv);
#define PART_PRED(v) (le ? _mm512_cmple_epi32_mask(v, pv) : _mm512_cmplt_epi32_mask(v, pv))
    __m512i vl = _mm512_loadu_si512(a), vr = _mm512_loadu_si512(a + n - 16);
    int64_t lw = 0, rw = n, lr = 16, rr = n - 16;
    while (rr - lr >= 16) {
        __m512i v;
        if (lr - lw <= rw - rr) {
            v = _mm512_loadu_si512(a + lr);
            lr += 16;
        } else {
            rr -= 16;
            v = _mm512_loadu_si512(a + rr);
        }
        __mmask16 m = PART_PRED(v);
        int c = __builtin_popcount((unsigned)m);
        _mm512_mask_compressstoreu_epi32(a + lw, m, v);
        lw += c;
        rw -= 16 - c;
        _mm512_mask_compressstoreu_epi32(a + rw, (__mmask16)~m, v);
    }
    /* everything is read now: [lw, rw) is free and exactly fits the rest */
    __mmask16 tail = (__mmask16)((1u << (rr - lr)) - 1);
    __m512i vt = _mm512_maskz_loadu_epi32(tail, a + lr);
    __m512i rest[3] = {vt, vl, vr};
    __mmask16 valid[3] = {tail, 0xFFFFu, 0xFFFFu};
    for (int i = 0; i < 3; i++) {
        __mmask16 m = PART_PRED(rest[i]) & valid[i], o = (__mmask16)(~m & valid[i]);
        _mm512_mask_compressstoreu_epi32(a + lw, m, rest[i]);
        lw += __builtin_popcount((unsigned)m);
        rw -= __builtin_popcount((unsigned)o);
        _mm512_mask_compressstoreu_epi32(a + rw, o, rest[i]);
    }
#undef PART_PRED
    return lw;
}
static int64_t part_lt_i32(int32_t *a, int64_t n, int32_t piv) { return part_i32(a, n, piv, 0); }
static int64_t part_le_i32(int32_t *a, int64_t n, int32_t piv) { return part_i32(a, n, piv, 1); }

/* Median of `s` (16 or 256) evenly spaced samples of a[0, n), n >= s. */
static int32_t pivot_i32(const int32_t *a, int64_t n, int s) {
    int32_t t[256];
    for (int i = 0; i < s; i++) t[i] = a[(int64_t)i * (n / s) + (n / s) / 2];
    small_i32(t, s);
    return t[s / 2];
}

/* ---------------------------------------------------------------- quicksort */

static void sift_i32(int32_t *a, int64_t i, int64_t n) {
    int32_t v = a[i];
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1] > a[c]) c++;
        if (a[c] <= v) break;
        a[i] = a[c];
        i = c;
    }
    a[i] = v;
}
static void heap_i32(int32_t *a, int64_t n) {
    for (int64_t i = n / 2 - 1; i >= 0; i--) sift_i32(a, i, n);
    for (int64_t e = n - 1; e > 0; e--) {
        int32_t t = a[0];
        a[0] = a[e];
        a[e] = t;
        sift_i32(a, 0, e);
    }
}

static int depth_limit(int64_t n) {
    int d = 4;
    while (n > 1) n >>= 1, d += 2;
    return d;
}

static void qsort_i32(int32_t *a, int64_t n, int depth) {
    while (n > SIMD_SMALL) {
        if (depth-- <= 0) {
            heap_i32(a, n);
            return;
        }
        int32_t piv = pivot_i32(a, n, 16);
        int64_t m = part_lt_i32(a, n, piv);
        if (m == 0) { /* piv is the minimum: [0, m2) all equal piv */
            int64_t m2 = part_le_i32(a, n, piv);
            a += m2;
            n -= m2;
            continue;
        }
        if (m < n - m) {
            qsort_i32(a, m, depth);
            a += m;
            n -= m;
        } else {
            qsort_i32(a + m, n - m, depth);
            n = m;
        }
    }
    small_i32(a, n);
}

/* One long array over `tasks` threads: split into ranges by partitions,
 * then sort the ranges on the pool. */
typedef struct par_job {
    int32_t *a;
    int64_t lo[SIMD_MAX_TASKS], hi[SIMD_MAX_TASKS];
} par_job;

static void par_range(void *ud, int64_t b, int64_t e) {
    par_job *j = ud;
    for (int64_t i = b; i < e; i++) {
        int64_t n = j->hi[i] - j->lo[i];
        qsort_i32(j->a + j->lo[i], n, depth_limit(n));
    }
}

static void sort_i32(int32_t *a, int64_t n, int tasks) {
    if (tasks < 2 || n < SIMD_PAR_N) {
        qsort_i32(a, n, depth_limit(n));
        return;
    }
    if (tasks > SIMD_MAX_TASKS) tasks = SIMD_MAX_TASKS;
    par_job j = {.a = a};
    int cnt = 1;
    j.lo[0] = 0;
    j.hi[0] = n;
    while (cnt < tasks) {
        int big = 0; /* split the largest range */
        for (int i = 1; i < cnt; i++)
            if (j.hi[i] - j.lo[i] > j.hi[big] - j.lo[big]) big = i;
        int64_t lo = j.lo[big], len = j.hi[big] - lo;
        if (len < SIMD_PAR_N / 2) break;
        int32_t piv = pivot_i32(a + lo, len, 256);
        int64_t m = part_lt_i32(a + lo, len, piv);
        if (m == 0) { /* drop the run equal to the minimum */
            j.lo[big] = lo + part_le_i32(a + lo, len, piv);
            continue;
        }
        j.lo[cnt] = lo + m;
        j.hi[cnt] = j.hi[big];
        j.hi[big] = lo + m;
        cnt++;
    }
    ax__parallel_for(cnt, 1, par_range, &j);
}

/* ---------------------------------------------------------------- 64-bit keys */

/* The same quicksort on 8 lanes of int64 (float64 as int64 keys). */
static inline __mmask8 lanes_with_bit8(int j) {
    return (__mmask8)(j == 1 ? 0xAAu : j == 2 ? 0xCCu : j == 4 ? 0xF0u : 0u);
}

static inline __m512i cx_lanes64(__m512i v, int j, __mmask8 maxmask) {
    const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    __m512i p = _mm512_permutexvar_epi64(_mm512_xor_si512(iota, _mm512_set1_epi64(j)), v);
    return _mm512_mask_blend_epi64(maxmask, _mm512_min_epi64(v, p), _mm512_max_epi64(v, p));
}

static void bitonic_i64(__m512i *v, int nv) {
    int total = 8 * nv;
    for (int k = 2; k <= total; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            if (j >= 8) {
                int jv = j >> 3;
                for (int a = 0; a < nv; a++) {
                    if (a & jv) continue;
                    int b = a | jv;
                    __m512i mn = _mm512_min_epi64(v[a], v[b]), mx = _mm512_max_epi64(v[a], v[b]);
                    bool desc = ((a * 8) & k) != 0;
                    v[a] = desc ? mx : mn;
                    v[b] = desc ? mn : mx;
                }
            } else {
                for (int a = 0; a < nv; a++) {
                    __mmask8 m = lanes_with_bit8(j);
                    if (k < 8) m ^= lanes_with_bit8(k);
                    else if ((a * 8) & k) m ^= 0xFFu;
                    v[a] = cx_lanes64(v[a], j, m);
                }
            }
        }
    }
}

enum { SIMD_SMALL64 = 128 };

static void small_i64(int64_t *a, int64_t n) {
    if (n <= 1) return;
    int nv = 1;
    while (8 * nv < n) nv <<= 1;
    __m512i v[16];
    const __m512i pad = _mm512_set1_epi64(INT64_MAX);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - 8 * i;
        __mmask8 m = r >= 8 ? (__mmask8)0xFFu : r > 0 ? (__mmask8)((1u << r) - 1) : 0;
        v[i] = _mm512_mask_loadu_epi64(pad, m, a + 8 * i);
    }
    bitonic_i64(v, nv);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - 8 * i;
        __mmask8 m = r >= 8 ? (__mmask8)0xFFu : r > 0 ? (__mmask8)((1u << r) - 1) : 0;
        _mm512_mask_storeu_epi64(a + 8 * i, m, v[i]);
    }
}

static inline __attribute__((always_inline)) int64_t part_i64(int64_t *a, int64_t n, int64_t piv,
                                                              const int le) {
    const __m512i pv = _mm512_set1_epi64(piv);
#define PART_PRED64(v) (le ? _mm512_cmple_epi64_mask(v, pv) : _mm512_cmplt_epi64_mask(v, pv))
    __m512i vl = _mm512_loadu_si512(a), vr = _mm512_loadu_si512(a + n - 8);
    int64_t lw = 0, rw = n, lr = 8, rr = n - 8;
    while (rr - lr >= 8) {
        __m512i v;
        if (lr - lw <= rw - rr) {
            v = _mm512_loadu_si512(a + lr);
            lr += 8;
        } else {
            rr -= 8;
            v = _mm512_loadu_si512(a + rr);
        }
        __mmask8 m = PART_PRED64(v);
        int c = __builtin_popcount((unsigned)m);
        _mm512_mask_compressstoreu_epi64(a + lw, m, v);
        lw += c;
        rw -= 8 - c;
        _mm512_mask_compressstoreu_epi64(a + rw, (__mmask8)~m, v);
    }
    __mmask8 tail = (__mmask8)((1u << (rr - lr)) - 1);
    __m512i vt = _mm512_maskz_loadu_epi64(tail, a + lr);
    __m512i rest[3] = {vt, vl, vr};
    __mmask8 valid[3] = {tail, 0xFFu, 0xFFu};
    for (int i = 0; i < 3; i++) {
        __mmask8 m = PART_PRED64(rest[i]) & valid[i], o = (__mmask8)(~m & valid[i]);
        _mm512_mask_compressstoreu_epi64(a + lw, m, rest[i]);
        lw += __builtin_popcount((unsigned)m);
        rw -= __builtin_popcount((unsigned)o);
        _mm512_mask_compressstoreu_epi64(a + rw, o, rest[i]);
    }
#undef PART_PRED64
    return lw;
}
static int64_t part_lt_i64(int64_t *a, int64_t n, int64_t piv) { return part_i64(a, n, piv, 0); }
static int64_t part_le_i64(int64_t *a, int64_t n, int64_t piv) { return part_i64(a, n, piv, 1); }

static int64_t pivot_i64(const int64_t *a, int64_t n, int s) {
    int64_t t[128];
    for (int i = 0; i < s; i++) t[i] = a[(int64_t)i * (n / s) + (n / s) / 2];
    small_i64(t, s);
    return t[s / 2];
}

static void sift_i64(int64_t *a, int64_t i, int64_t n) {
    int64_t v = a[i];
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1] > a[c]) c++;
        if (a[c] <= v) break;
        a[i] = a[c];
        i = c;
    }
    a[i] = v;
}
static void heap_i64(int64_t *a, int64_t n) {
    for (int64_t i = n / 2 - 1; i >= 0; i--) sift_i64(a, i, n);
    for (int64_t e = n - 1; e > 0; e--) {
        int64_t t = a[0];
        a[0] = a[e];
        a[e] = t;
        sift_i64(a, 0, e);
    }
}

static void qsort_i64(int64_t *a, int64_t n, int depth) {
    while (n > SIMD_SMALL64) {
        if (depth-- <= 0) {
            heap_i64(a, n);
            return;
        }
        int64_t piv = pivot_i64(a, n, 16);
        int64_t m = part_lt_i64(a, n, piv);
        if (m == 0) {
            int64_t m2 = part_le_i64(a, n, piv);
            a += m2;
            n -= m2;
            continue;
        }
        if (m < n - m) {
            qsort_i64(a, m, depth);
            a += m;
            n -= m;
        } else {
            qsort_i64(a + m, n - m, depth);
            n = m;
        }
    }
    small_i64(a, n);
}

typedef struct par_job64 {
    int64_t *a;
    int64_t lo[SIMD_MAX_TASKS], hi[SIMD_MAX_TASKS];
} par_job64;

static void par_range64(void *ud, int64_t b, int64_t e) {
    par_job64 *j = ud;
    for (int64_t i = b; i < e; i++) {
        int64_t n = j->hi[i] - j->lo[i];
        qsort_i64(j->a + j->lo[i], n, depth_limit(n));
    }
}

static void sort_i64(int64_t *a, int64_t n, int tasks) {
    if (tasks < 2 || n < SIMD_PAR_N) {
        qsort_i64(a, n, depth_limit(n));
        return;
    }
    if (tasks > SIMD_MAX_TASKS) tasks = SIMD_MAX_TASKS;
    par_job64 j = {.a = a};
    int cnt = 1;
    j.lo[0] = 0;
    j.hi[0] = n;
    while (cnt < tasks) {
        int big = 0;
        for (int i = 1; i < cnt; i++)
            if (j.hi[i] - j.lo[i] > j.hi[big] - j.lo[big]) big = i;
        int64_t lo = j.lo[big], len = j.hi[big] - lo;
        if (len < SIMD_PAR_N / 2) break;
        int64_t piv = pivot_i64(a + lo, len, 128);
        int64_t m = part_lt_i64(a + lo, len, piv);
        if (m == 0) {
            j.lo[big] = lo + part_le_i64(a + lo, len, piv);
            continue;
        }
        j.lo[cnt] = lo + m;
        j.hi[cnt] = j.hi[big];
        j.hi[big] = lo + m;
        cnt++;
    }
    ax__parallel_for(cnt, 1, par_range64, &j);
}

static inline int64_t f64_key(uint64_t b) {
    return (int64_t)(b ^ ((uint64_t)((int64_t)b >> 63) & 0x7fffffffffffffffull));
}
static inline bool f64_bits_nan(uint64_t b) {
    return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

static void line_i64(const char *x, int64_t xs, char *y, int64_t ys, int64_t n, bool isf,
                     int64_t *buf, int tasks) {
    const uint64_t *p = (const uint64_t *)x;
    int64_t *k = ys == 1 ? (int64_t *)y : buf;
    int64_t m = n;
    bool negz = false;
    if (isf) {
        uint64_t nan = 0, nz = 0;
        for (int64_t i = 0; i < n; i++) {
            uint64_t b = p[i * xs];
            nan |= f64_bits_nan(b);
            nz |= b == 0x8000000000000000ull;
            k[i] = f64_key(b);
        }
        negz = nz != 0;
        if (nan) {
            m = 0;
            for (int64_t i = 0; i < n; i++)
                if (!f64_bits_nan((uint64_t)f64_key((uint64_t)k[i]))) k[m++] = k[i];
            int64_t t = m;
            for (int64_t i = 0; i < n; i++)
                if (f64_bits_nan(p[i * xs])) k[t++] = f64_key(p[i * xs]);
        }
    } else {
        for (int64_t i = 0; i < n; i++) k[i] = (int64_t)p[i * xs];
    }
    sort_i64(k, m, tasks);
    if (negz) {
        int64_t lo = 0, hi = m;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (k[mid] < -1) lo = mid + 1;
            else hi = mid;
        }
        for (int64_t i = 0; i < n; i++) {
            uint64_t b = p[i * xs];
            if ((b & 0x7fffffffffffffffull) == 0) k[lo++] = f64_key(b);
        }
    }
    if (isf) {
        if (ys == 1)
            for (int64_t i = 0; i < n; i++) k[i] = f64_key((uint64_t)k[i]);
        else
            for (int64_t i = 0; i < n; i++) ((int64_t *)y)[i * ys] = f64_key((uint64_t)k[i]);
    } else if (ys != 1) {
        for (int64_t i = 0; i < n; i++) ((int64_t *)y)[i * ys] = k[i];
    }
}

/* ---------------------------------------------------------------- lines */

/* float32 bits <-> int32 keys (an involution). */
static inline int32_t f32_key(uint32_t b) {
    return (int32_t)(b ^ ((uint32_t)((int32_t)b >> 31) & 0x7fffffffu));
}
static inline bool key_is_nan(int32_t k) { return k > 0x7f800000 || k < (int32_t)0x807fffffu; }

/* Sort one line of n elements (x: stride xs; y: stride ys); buf: n int32
 * of scratch, used when ys != 1. */
static void line_i32(const char *x, int64_t xs, char *y, int64_t ys, int64_t n, bool isf,
                     int32_t *buf, int tasks) {
    const uint32_t *p = (const uint32_t *)x;
    int32_t *k = ys == 1 ? (int32_t *)y : buf;
    int64_t m = n;
    bool negz = false;
    if (isf) {
        uint32_t nan = 0, nz = 0;
        if (xs == 1) {
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i];
                nan |= (b & 0x7fffffffu) > 0x7f800000u;
                nz |= b == 0x80000000u;
                k[i] = f32_key(b);
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i * xs];
                nan |= (b & 0x7fffffffu) > 0x7f800000u;
                nz |= b == 0x80000000u;
                k[i] = f32_key(b);
            }
        }
        negz = nz != 0;
        if (nan) { /* non-NaN keys first, then the NaNs in input order */
            m = 0;
            for (int64_t i = 0; i < n; i++)
                if (!key_is_nan(k[i])) k[m++] = k[i];
            int64_t t = m;
            for (int64_t i = 0; i < n; i++) {
                uint32_t b = p[i * xs];
                if ((b & 0x7fffffffu) > 0x7f800000u) k[t++] = f32_key(b);
            }
        }
    } else if (xs == 1) {
        memcpy(k, x, 4 * (size_t)n);
    } else {
        for (int64_t i = 0; i < n; i++) k[i] = (int32_t)p[i * xs];
    }
    sort_i32(k, m, tasks);
    if (negz) { /* zeros (keys -1 and 0) back in input order */
        int64_t lo = 0, hi = m;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (k[mid] < -1) lo = mid + 1;
            else hi = mid;
        }
        for (int64_t i = 0; i < n; i++) {
            uint32_t b = p[i * xs];
            if ((b & 0x7fffffffu) == 0) k[lo++] = f32_key(b);
        }
    }
    if (isf) {
        if (ys == 1)
            for (int64_t i = 0; i < n; i++) k[i] = f32_key((uint32_t)k[i]);
        else
            for (int64_t i = 0; i < n; i++) ((int32_t *)y)[i * ys] = f32_key((uint32_t)k[i]);
    } else if (ys != 1) {
        for (int64_t i = 0; i < n; i++) ((int32_t *)y)[i * ys] = k[i];
    }
}

typedef struct simd_job {
    const ax_array *x;
    ax_array *y;
    sort_lines L;
    int slots;
    void **buf; /* one per slot (NULL when the output lines are contiguous) */
} simd_job;

static void simd_line(const simd_job *j, int64_t io, int64_t oo, void *buf, int tasks) {
    ax_dtype t = j->x->dtype;
    if (t == AX_FLOAT64 || t == AX_INT64)
        line_i64(ax__ptr(j->x) + 8 * io, j->L.istride, ax__ptr(j->y) + 8 * oo, j->L.ostride,
                 j->L.n, t == AX_FLOAT64, buf, tasks);
    else
        line_i32(ax__ptr(j->x) + 4 * io, j->L.istride, ax__ptr(j->y) + 4 * oo, j->L.ostride,
                 j->L.n, t == AX_FLOAT32, buf, tasks);
}

static void simd_slot(void *ud, int64_t b, int64_t e) {
    simd_job *j = ud;
    for (int64_t slot = b; slot < e; slot++) {
        int64_t l0 = j->L.count * slot / j->slots, l1 = j->L.count * (slot + 1) / j->slots;
        for (int64_t l = l0; l < l1; l++) {
            int64_t io, oo;
            sort_line_offsets(&j->L, l, &io, &oo);
            simd_line(j, io, oo, j->buf[slot], 1);
        }
    }
}

bool ax__cpu_sort_simd(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st) {
    (void)ctx;
    if (node->op != AX_OP_SORT) return false;
    const ax_sort_params *p = node->params;
    simd_job j = {.x = node->inputs[0], .y = out[0]};
    ax_dtype t = j.x->dtype;
    if (t != AX_FLOAT32 && t != AX_INT32 && t != AX_FLOAT64 && t != AX_INT64) return false;
    *st = AX_OK;
    if (j.x->size == 0) return true;
    if (j.x->buf == j.y->buf) return false; /* the line passes read the input twice */
    sort_lines_init(&j.L, j.x, j.y, p->axis);
    int nt = ax__num_threads();
    if (nt > SIMD_MAX_TASKS) nt = SIMD_MAX_TASKS;
    bool one = nt > 1 && j.L.count < nt && j.L.n >= SIMD_PAR_N;
    j.slots = one ? 1 : (int)(j.L.count < nt ? j.L.count : nt);
    if (j.L.count * j.L.n < 16384) j.slots = 1;
    void *bufs[SIMD_MAX_TASKS] = {0};
    j.buf = bufs;
    if (j.L.ostride != 1)
        for (int i = 0; i < j.slots; i++)
            if (!(bufs[i] = malloc(ax_dtype_size(t) * (size_t)j.L.n))) {
                for (int k = 0; k < i; k++) free(bufs[k]);
                *st = AX_ERR_OOM;
                return true;
            }
    if (one) {
        for (int64_t l = 0; l < j.L.count; l++) {
            int64_t io, oo;
            sort_line_offsets(&j.L, l, &io, &oo);
            simd_line(&j, io, oo, bufs[0], nt);
        }
    } else {
        ax__parallel_for(j.slots, 1, simd_slot, &j);
    }
    for (int i = 0; i < j.slots; i++) free(bufs[i]);
    return true;
}

#else

bool ax__cpu_sort_simd(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st) {
    (void)ctx, (void)node, (void)out, (void)st;
    return false;
}

#endif
