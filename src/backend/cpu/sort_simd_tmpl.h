/* The AVX-512 quicksort of sort_simd.c for one element type, included once
 * per type with these defined (those of the type, not of the width, are
 * undefined here at the end):
 *   T, UT        the element type (int32_t, float, int64_t, double) and the
 *                unsigned integer of its width
 *   SFX(name)    name with the type's suffix (name_i32, name_f32, ...)
 *   IS_FLOAT     1 for float32 / float64 (NaN and -0.0 handling), else 0
 *   LANES        elements per 512-bit vector (16 / 8); MASK its __mmask type,
 *                FULL_MASK all lanes; LANES_WITH_BIT(j) the lanes whose
 *                index has bit j set
 *   V_SET1       broadcast of a T; V_MIN, V_MAX, V_MASK_MAX (mask_max: the
 *                max in the mask's lanes, src elsewhere), V_CMPLT, V_CMPLE
 *                in T's order (ordered float compares for floats; the sorted
 *                part never holds a NaN)
 *   V_XPERM(v, x) lane i <- lane i ^ x (x a constant)
 *   V_MASK_LOADU, V_MASK_STOREU, V_MASKZ_LOADU, V_MASK_MOV, V_COMPRESS
 *                the width's intrinsics
 *   V_ISNAN(v), V_ISNEGZ(v)   masks of NaN lanes and of -0.0 lanes (floats)
 *   T_MAX        padding of the sorting networks (+inf for floats)
 *   SMALL_N      ranges up to this size go to the network (16 registers)
 *   PAR_SAMPLES  samples for the pivots that split a line over the threads
 *   SIGN_BITS, ABS_BITS, INF_BITS   the float format of the same width
 * It defines SFX(line): one strided line sorted into the output with the
 * stable reference's bytes (NaN / -0.0 order restored). */

/* The networks are fast because they are inlined and fully unrolled (the
 * register indices become constants). Instrumented or unoptimized builds
 * keep plain loops and calls: unrolled under ASan/UBSan, clang took over 10
 * minutes on this file (the CI fuzz build), and GCC at -O0 warns that it
 * ignores the unroll pragma (an error under -Werror in the CI ASan build). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AX_SORT_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define AX_SORT_SANITIZED 1
#endif
#if defined(__OPTIMIZE__) && !defined(AX_SORT_SANITIZED)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")
#else
#define ALWAYS_INLINE static inline
#define UNROLL
#endif

/* ---------------------------------------------------------------- networks */

/* Compare-exchange of lane i with lane i ^ x; lanes with bit j of the index
 * keep the max. For floats, min(v, p) / max(v, p) return p on equal values
 * (±0.0), so the two lanes swap: the multiset of bit patterns is kept. */
ALWAYS_INLINE __m512i SFX(cx)(__m512i v, int x, int j) {
    __m512i p = V_XPERM(v, x);
    return V_MASK_MAX(V_MIN(v, p), (MASK)LANES_WITH_BIT(j), v, p);
}

/* Bitonic sort of one register (ascending lanes): blocks of k lanes are
 * merged by comparing lane i with lane i ^ (k - 1) (the mirror image), then
 * half-cleaners i ^ j. */
ALWAYS_INLINE __m512i SFX(sort_reg)(__m512i v) {
    UNROLL for (int k = 2; k <= LANES; k *= 2) {
        v = SFX(cx)(v, k - 1, k / 2);
        UNROLL for (int j = k / 4; j >= 1; j /= 2) v = SFX(cx)(v, j, j);
    }
    return v;
}

/* Half-cleaners inside one register: a bitonic register becomes sorted. */
ALWAYS_INLINE __m512i SFX(clean_reg)(__m512i v) {
    UNROLL for (int j = LANES / 2; j >= 1; j /= 2) v = SFX(cx)(v, j, j);
    return v;
}

/* Sort the LANES * NV elements of v[0, NV) (NV a power of two, a
 * constant after inlining) in lane-major order. Blocks of 2, 4, .. registers
 * are merged: register a against the mirror image of its partner, then
 * half-cleaners across registers, then inside registers. Equal floats swap
 * (min(a, b) gives b, max(b, a) gives a), so no bit pattern is lost. */
ALWAYS_INLINE void SFX(net)(__m512i *v, const int nv) {
    UNROLL for (int i = 0; i < nv; i++) v[i] = SFX(sort_reg)(v[i]);
    UNROLL for (int blk = 2; blk <= nv; blk *= 2) {
        UNROLL for (int b0 = 0; b0 < nv; b0 += blk) {
            UNROLL for (int a = 0; a < blk / 2; a++) {
                int ra = b0 + a, rb = b0 + blk - 1 - a;
                __m512i r = V_XPERM(v[rb], LANES - 1);
                __m512i lo = V_MIN(v[ra], r), hi = V_MAX(r, v[ra]);
                v[ra] = lo;
                v[rb] = V_XPERM(hi, LANES - 1);
            }
        }
        UNROLL for (int d = blk / 4; d >= 1; d /= 2) {
            UNROLL for (int a = 0; a < nv; a++) {
                if (a & d) continue;
                __m512i lo = V_MIN(v[a], v[a + d]), hi = V_MAX(v[a + d], v[a]);
                v[a] = lo;
                v[a + d] = hi;
            }
        }
        UNROLL for (int i = 0; i < nv; i++) v[i] = SFX(clean_reg)(v[i]);
    }
}

/* Sort a[0, n), LANES * NV / 2 < n <= LANES * NV, in registers (lanes past n
 * padded with T_MAX, which sorts last). */
#define NET_FN(NV)                                                                          \
    static __attribute__((noinline)) void SFX(net##NV)(T * a, int64_t n) {                 \
        __m512i v[NV];                                                                      \
        const __m512i pad = V_SET1(T_MAX);                                                  \
        UNROLL for (int i = 0; i < NV; i++) {                                               \
            int64_t r = n - LANES * i;                                                      \
            MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;      \
            v[i] = V_MASK_LOADU(pad, m, a + LANES * i);                                     \
        }                                                                                   \
        SFX(net)(v, NV);                                                                    \
        UNROLL for (int i = 0; i < NV; i++) {                                               \
            int64_t r = n - LANES * i;                                                      \
            MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;      \
            V_MASK_STOREU(a + LANES * i, m, v[i]);                                          \
        }                                                                                   \
    }
NET_FN(1)
NET_FN(2)
NET_FN(4)
NET_FN(8)

/* 16 registers, in the transposed layout: element i sits in register i % 16,
 * lane i / 16. The comparisons on the low 4 index bits are then between
 * whole registers (min and max, no shuffle), and only the higher bits take
 * in-register shuffles: about two thirds of the operations of the
 * register-major network. Sorted across registers first (every lane column
 * becomes a sorted run of 16), then the bitonic merges, then a transpose
 * back to memory order. */
ALWAYS_INLINE void SFX(cx_regs)(__m512i *v, int a, int b) {
    __m512i lo = V_MIN(v[a], v[b]), hi = V_MAX(v[b], v[a]);
    v[a] = lo;
    v[b] = hi;
}
static __attribute__((noinline)) void SFX(net16)(T *a, int64_t n) {
    __m512i v[16];
    const __m512i pad = V_SET1(T_MAX);
    UNROLL for (int i = 0; i < 16; i++) {
        int64_t r = n - LANES * i;
        MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;
        v[i] = V_MASK_LOADU(pad, m, a + LANES * i);
    }
    UNROLL for (int k = 2; k <= 16; k *= 2) {
        UNROLL for (int r = 0; r < 16; r++)
            if (!(r & (k / 2))) SFX(cx_regs)(v, r, r ^ (k - 1));
        UNROLL for (int d = k / 4; d >= 1; d /= 2)
            UNROLL for (int r = 0; r < 16; r++) if (!(r & d)) SFX(cx_regs)(v, r, (r + d) & 15);
    }
    UNROLL for (int k = 32; k <= 16 * LANES; k *= 2) {
        /* mirror stage: i against i ^ (k - 1): register 15 - r, lane ^ (k / 16 - 1) */
        __m512i w[16];
        UNROLL for (int r = 0; r < 16; r++) {
            __m512i p = V_XPERM(v[15 - r], k / 16 - 1);
            w[r] = V_MASK_MAX(V_MIN(v[r], p), (MASK)LANES_WITH_BIT(k / 32), v[r], p);
        }
        UNROLL for (int r = 0; r < 16; r++) v[r] = w[r];
        UNROLL for (int j = k / 64; j >= 1; j /= 2)
            UNROLL for (int r = 0; r < 16; r++) v[r] = SFX(cx)(v[r], j, j);
        UNROLL for (int d = 8; d >= 1; d /= 2)
            UNROLL for (int r = 0; r < 16; r++) if (!(r & d)) SFX(cx_regs)(v, r, (r + d) & 15);
    }
    /* transpose (16 lanes: one 16 x 16 block; 8 lanes: two 8 x 8 blocks) */
    UNROLL for (int b = LANES / 2; b >= 1; b /= 2)
        UNROLL for (int r = 0; r < 16; r++) {
            if (r & b) continue;
            int rb = (r + b) & 15; /* r + b: the mask keeps GCC's bounds check quiet */
            __m512i lo = v[r], hi = v[rb];
            MASK mb = (MASK)LANES_WITH_BIT(b);
            v[r] = V_MASK_MOV(lo, mb, V_XPERM(hi, b));
            v[rb] = V_MASK_MOV(hi, (MASK)~mb, V_XPERM(lo, b));
        }
    UNROLL for (int q = 0; q < 16; q++) {
        int64_t r = n - LANES * q;
        MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;
        V_MASK_STOREU(a + LANES * q, m, v[(q % (16 / LANES)) * LANES + q / (16 / LANES)]);
    }
}
#undef NET_FN

_Static_assert(SMALL_N <= 16 * LANES && PAR_SAMPLES <= SMALL_N, "the networks hold 16 registers");

/* Sort a[0, n), n <= SMALL_N <= 16 * LANES. */
static void SFX(small)(T *a, int64_t n) {
    if (n <= 1) return;
    if (n <= LANES) SFX(net1)(a, n);
    else if (n <= 2 * LANES) SFX(net2)(a, n);
    else if (n <= 4 * LANES) SFX(net4)(a, n);
    else if (n <= 8 * LANES) SFX(net8)(a, n);
    else SFX(net16)(a, n);
}

/* ---------------------------------------------------------------- partition */

/* Write the lanes of v below the pivot (le: not above it) at the left front
 * and the others below the right front. */
ALWAYS_INLINE void SFX(part_vec)(T *a, int64_t *lw, int64_t *rw, __m512i v, __m512i pv,
                                 const int le, MASK valid) {
    MASK m = (le ? V_CMPLE(v, pv) : V_CMPLT(v, pv)) & valid, o = (MASK)(~m & valid);
    int c = __builtin_popcount((unsigned)m), co = __builtin_popcount((unsigned)o);
    V_COMPRESS(a + *lw, m, v);
    *lw += c;
    *rw -= co;
    V_COMPRESS(a + *rw, o, v);
}

/* Reorder a[0, n) (n >= (2 * U + 1) * LANES) in place so that the elements
 * with x < piv (le = 0) or x <= piv (le = 1) come first; returns their
 * count. U vectors at each end wait in registers; each step reads U vectors
 * from the side with less free room, so the write fronts never overrun
 * unread data. */
ALWAYS_INLINE int64_t SFX(part_u)(T *a, int64_t n, T piv, const int le, const int U) {
    const __m512i pv = V_SET1(piv);
    __m512i hl[8], hr[8];
    UNROLL for (int i = 0; i < U; i++) {
        hl[i] = _mm512_loadu_si512(a + i * LANES);
        hr[i] = _mm512_loadu_si512(a + n - (i + 1) * LANES);
    }
    int64_t lw = 0, rw = n, lr = U * LANES, rr = n - U * LANES;
    while (rr - lr >= U * LANES) {
        __m512i v[8];
        if (lr - lw <= rw - rr) {
            UNROLL for (int i = 0; i < U; i++) v[i] = _mm512_loadu_si512(a + lr + i * LANES);
            lr += U * LANES;
        } else {
            rr -= U * LANES;
            UNROLL for (int i = 0; i < U; i++) v[i] = _mm512_loadu_si512(a + rr + i * LANES);
        }
        UNROLL for (int i = 0; i < U; i++) SFX(part_vec)(a, &lw, &rw, v[i], pv, le, FULL_MASK);
    }
    while (rr - lr >= LANES) {
        __m512i v;
        if (lr - lw <= rw - rr) {
            v = _mm512_loadu_si512(a + lr);
            lr += LANES;
        } else {
            rr -= LANES;
            v = _mm512_loadu_si512(a + rr);
        }
        SFX(part_vec)(a, &lw, &rw, v, pv, le, FULL_MASK);
    }
    /* everything is read now: [lw, rw) is free and exactly fits the rest */
    MASK tail = (MASK)((1u << (rr - lr)) - 1);
    SFX(part_vec)(a, &lw, &rw, V_MASKZ_LOADU(tail, a + lr), pv, le, tail);
    UNROLL for (int i = 0; i < U; i++) {
        SFX(part_vec)(a, &lw, &rw, hl[i], pv, le, FULL_MASK);
        SFX(part_vec)(a, &lw, &rw, hr[i], pv, le, FULL_MASK);
    }
    return lw;
}
/* n >= 3 * LANES: 8 vectors a step where n allows. */
ALWAYS_INLINE int64_t SFX(part)(T *a, int64_t n, T piv, const int le) {
    return n >= 17 * LANES ? SFX(part_u)(a, n, piv, le, 8) : SFX(part_u)(a, n, piv, le, 1);
}
static int64_t SFX(part_lt)(T *a, int64_t n, T piv) { return SFX(part)(a, n, piv, 0); }
static int64_t SFX(part_le)(T *a, int64_t n, T piv) { return SFX(part)(a, n, piv, 1); }

/* Out of place: x[0, n) into y[0, n), the elements below piv first (at y's
 * left front, ascending), the others from y's end down; returns their count.
 * For floats, *special gets bit 0 when x holds a NaN (y is then not a
 * partition) and bit 1 when it holds a -0.0. */
static int64_t SFX(part_copy)(const T *x, T *y, int64_t n, T piv, int *special) {
    const __m512i pv = V_SET1(piv);
    int64_t lw = 0, rw = n, i = 0;
    MASK nan = 0, nz = 0;
    (void)nan, (void)nz;
    for (; i + 4 * LANES <= n; i += 4 * LANES) {
        __m512i v[4];
        UNROLL for (int u = 0; u < 4; u++) v[u] = _mm512_loadu_si512(x + i + u * LANES);
        UNROLL for (int u = 0; u < 4; u++) {
#if IS_FLOAT
            nan |= V_ISNAN(v[u]);
            nz |= V_ISNEGZ(v[u]);
#endif
            SFX(part_vec)(y, &lw, &rw, v[u], pv, 0, FULL_MASK);
        }
    }
    for (; i < n; i += LANES) {
        MASK valid = n - i >= LANES ? (MASK)FULL_MASK : (MASK)((1u << (n - i)) - 1);
        __m512i v = V_MASKZ_LOADU(valid, x + i);
#if IS_FLOAT
        nan |= V_ISNAN(v) & valid;
        nz |= V_ISNEGZ(v) & valid;
#endif
        SFX(part_vec)(y, &lw, &rw, v, pv, 0, valid);
    }
    *special = (nan != 0) | (nz != 0) << 1;
    return lw;
}

/* Median of `s` (16 or PAR_SAMPLES) evenly spaced samples of a[0, n), n >= s. */
static T SFX(pivot)(const T *a, int64_t n, int s) {
#if LANES == 16
    if (s == 16 && n < ((int64_t)1 << 31)) { /* one gather, one register network */
        int32_t st = (int32_t)(n / 16);
        __m512i idx = _mm512_add_epi32(
            _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                               _mm512_set1_epi32(st)),
            _mm512_set1_epi32(st / 2));
        __m512i v = _mm512_i32gather_epi32(idx, (const void *)a, 4);
#if IS_FLOAT
        /* floats as order-preserving int keys (an involution): the network of
         * sort_i32 (integer min / max, latency 1 rather than 4) */
        const __m512i abs = _mm512_set1_epi32(0x7fffffff);
        v = _mm512_xor_si512(v, _mm512_and_si512(_mm512_srai_epi32(v, 31), abs));
        v = sort_reg_i32(v);
        v = _mm512_xor_si512(v, _mm512_and_si512(_mm512_srai_epi32(v, 31), abs));
#else
        v = SFX(sort_reg)(v);
#endif
        T r;
        int32_t b = _mm_cvtsi128_si32(_mm512_castsi512_si128(_mm512_permutexvar_epi32(_mm512_set1_epi32(8), v)));
        memcpy(&r, &b, sizeof r);
        return r;
    }
#endif
    T t[PAR_SAMPLES];
    for (int i = 0; i < s; i++) t[i] = a[(int64_t)i * (n / s) + (n / s) / 2];
    SFX(small)(t, s);
    return t[s / 2];
}

/* ---------------------------------------------------------------- quicksort */

static void SFX(sift)(T *a, int64_t i, int64_t n) {
    T v = a[i];
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
static void SFX(heap)(T *a, int64_t n) {
    for (int64_t i = n / 2 - 1; i >= 0; i--) SFX(sift)(a, i, n);
    for (int64_t e = n - 1; e > 0; e--) {
        T t = a[0];
        a[0] = a[e];
        a[e] = t;
        SFX(sift)(a, 0, e);
    }
}

static void SFX(qsort)(T *a, int64_t n, int depth) {
    while (n > SMALL_N) {
        if (depth-- <= 0) {
            SFX(heap)(a, n);
            return;
        }
        T piv = SFX(pivot)(a, n, 16);
        int64_t m = SFX(part_lt)(a, n, piv);
        if (m == 0) { /* piv is the minimum: [0, m2) all equal piv */
            int64_t m2 = SFX(part_le)(a, n, piv);
            a += m2;
            n -= m2;
            continue;
        }
        if (m < n - m) {
            SFX(qsort)(a, m, depth);
            a += m;
            n -= m;
        } else {
            SFX(qsort)(a + m, n - m, depth);
            n = m;
        }
    }
    SFX(small)(a, n);
}

/* Ranges of one array sorted on the pool, one task per range. */
typedef struct SFX(par_job) {
    T *a;
    int64_t lo[SIMD_MAX_TASKS], hi[SIMD_MAX_TASKS];
} SFX(par_job);

static void SFX(par_range)(void *ud, int64_t b, int64_t e) {
    SFX(par_job) *j = ud;
    for (int64_t i = b; i < e; i++) {
        int64_t n = j->hi[i] - j->lo[i];
        SFX(qsort)(j->a + j->lo[i], n, depth_limit(n));
    }
}

/* In place, over `tasks` threads: split into ranges by partitions (the
 * largest range first), then sort the ranges on the pool. */
static void SFX(sort)(T *a, int64_t n, int tasks) {
    if (tasks < 2 || n < SIMD_PAR_N) {
        SFX(qsort)(a, n, depth_limit(n));
        return;
    }
    if (tasks > SIMD_MAX_TASKS) tasks = SIMD_MAX_TASKS;
    SFX(par_job) j = {.a = a};
    int cnt = 1;
    j.lo[0] = 0;
    j.hi[0] = n;
    while (cnt < tasks) {
        int big = 0; /* split the largest range */
        for (int i = 1; i < cnt; i++)
            if (j.hi[i] - j.lo[i] > j.hi[big] - j.lo[big]) big = i;
        int64_t lo = j.lo[big], len = j.hi[big] - lo;
        if (len < SIMD_PAR_N / 2) break;
        T piv = SFX(pivot)(a + lo, len, PAR_SAMPLES);
        int64_t m = SFX(part_lt)(a + lo, len, piv);
        if (m == 0) { /* drop the run equal to the minimum */
            j.lo[big] = lo + SFX(part_le)(a + lo, len, piv);
            continue;
        }
        j.lo[cnt] = lo + m;
        j.hi[cnt] = j.hi[big];
        j.hi[big] = lo + m;
        cnt++;
    }
    ax__parallel_for(cnt, 1, SFX(par_range), &j);
}

/* Out of place over `tasks` threads (a sample sort's first pass): pivots
 * from 1024 samples cut the values into nb <= SIMD_MAX_BUCKETS
 * buckets; every chunk of x counts its elements per bucket (and NaN / -0.0),
 * then writes them with compress-stores at its own offsets in each bucket
 * of y; the buckets are then sorted on the pool. Chunks are fixed by the
 * task index, so the result does not depend on timing. */
typedef struct SFX(bucket_job) {
    const T *x;
    T *y;
    int64_t n, chunk;
    int nb;
    T piv[SIMD_MAX_BUCKETS - 1];
    int64_t off[SIMD_MAX_TASKS][SIMD_MAX_BUCKETS]; /* counts, then write offsets */
    int special[SIMD_MAX_TASKS];
    int64_t start[SIMD_MAX_BUCKETS + 1];
} SFX(bucket_job);

/* Masks of the lanes of v in each of the nb buckets: bucket b holds
 * piv[b-1] <= v < piv[b]. */
ALWAYS_INLINE void SFX(bucket_masks)(const SFX(bucket_job) * j, __m512i v, MASK valid,
                                     MASK *bm, const int nb) {
    MASK below = 0;
    for (int b = 0; b < nb - 1; b++) {
        MASK lt = V_CMPLT(v, V_SET1(j->piv[b])) & valid;
        bm[b] = (MASK)(lt & ~below);
        below = lt;
    }
    bm[nb - 1] = (MASK)(valid & ~below);
}

/* Chunk c: counts per bucket and NaN / -0.0 (count = 1), or the scatter. */
ALWAYS_INLINE void SFX(bucket_chunk)(SFX(bucket_job) * j, int64_t c, const int nb,
                                     const int count) {
    int64_t lo = c * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
    int64_t off[SIMD_MAX_BUCKETS] = {0};
    if (!count) memcpy(off, j->off[c], sizeof off);
    MASK nan = 0, nz = 0;
    (void)nan, (void)nz;
    for (int64_t i = lo; i < hi; i += LANES) {
        MASK valid = hi - i >= LANES ? (MASK)FULL_MASK : (MASK)((1u << (hi - i)) - 1);
        __m512i v = V_MASKZ_LOADU(valid, j->x + i);
        MASK bm[SIMD_MAX_BUCKETS];
        SFX(bucket_masks)(j, v, valid, bm, nb);
#if IS_FLOAT
        if (count) {
            nan |= V_ISNAN(v) & valid;
            nz |= V_ISNEGZ(v) & valid;
        }
#endif
        for (int k = 0; k < nb; k++) {
            if (!count) V_COMPRESS(j->y + off[k], bm[k], v);
            off[k] += __builtin_popcount((unsigned)bm[k]);
        }
    }
    if (count) {
        for (int k = 0; k < nb; k++) j->off[c][k] = off[k];
        j->special[c] = (nan != 0) | (nz != 0) << 1;
    }
}

static void SFX(bucket_count)(void *ud, int64_t b, int64_t e) {
    SFX(bucket_job) *j = ud;
    for (int64_t c = b; c < e; c++) {
        if (j->nb == 2) SFX(bucket_chunk)(j, c, 2, 1); /* two threads: a tight loop */
        else SFX(bucket_chunk)(j, c, j->nb, 1);
    }
}

static void SFX(bucket_scatter)(void *ud, int64_t b, int64_t e) {
    SFX(bucket_job) *j = ud;
    for (int64_t c = b; c < e; c++) {
        if (j->nb == 2) SFX(bucket_chunk)(j, c, 2, 0);
        else SFX(bucket_chunk)(j, c, j->nb, 0);
    }
}

static void SFX(bucket_sort)(void *ud, int64_t b, int64_t e) {
    SFX(bucket_job) *j = ud;
    for (int64_t k = b; k < e; k++) {
        int64_t n = j->start[k + 1] - j->start[k];
        SFX(qsort)(j->y + j->start[k], n, depth_limit(n));
    }
}

/* Sort x[0, n) (contiguous, n > 2 * SMALL_N) into y[0, n). Floats: returns
 * false when x holds a NaN (y is then garbage); *negz tells whether x holds
 * a -0.0 (the zeros of y are then in no particular order). */
static bool SFX(sort_copy)(const T *x, T *y, int64_t n, int tasks, bool *negz) {
    if (tasks > SIMD_MAX_TASKS) tasks = SIMD_MAX_TASKS;
    if (tasks < 2 || n < SIMD_PAR_N) {
        int special;
        T piv = SFX(pivot)(x, n, 16);
        int64_t m = SFX(part_copy)(x, y, n, piv, &special);
        if (special & 1) return false;
        *negz = (special & 2) != 0;
        SFX(qsort)(y, m, depth_limit(m));
        SFX(qsort)(y + m, n - m, depth_limit(n - m));
        return true;
    }
    SFX(bucket_job) *j = malloc(sizeof *j);
    if (!j) { /* copy and sort in place */
        memcpy(y, x, sizeof(T) * (size_t)n);
        bool nan = false, nz = false;
        for (int64_t i = 0; IS_FLOAT && i < n; i++) {
            UT b;
            memcpy(&b, y + i, sizeof b);
            nan |= (b & ABS_BITS) > INF_BITS;
            nz |= b == SIGN_BITS;
        }
        if (nan) return false;
        *negz = nz;
        SFX(sort)(y, n, tasks);
        return true;
    }
    j->x = x, j->y = y, j->n = n;
    j->nb = tasks < SIMD_MAX_BUCKETS ? tasks : SIMD_MAX_BUCKETS;
    j->chunk = ((n + tasks - 1) / tasks + LANES - 1) / LANES * LANES;
    int chunks = (int)((n + j->chunk - 1) / j->chunk);
    /* 1024 samples (64 evenly spaced runs of 16: 64 cache lines, not 1024
     * misses): bucket sizes within about 1.5% of n / nb (the slowest thread
     * sets the time) */
    enum { NS = 1024, RUN = 16 };
    T s[NS];
    for (int i = 0; i < NS / RUN; i++)
        memcpy(s + i * RUN, x + (int64_t)i * (n / (NS / RUN)), sizeof(T) * RUN);
    SFX(qsort)(s, NS, depth_limit(NS));
    for (int b = 0; b < j->nb - 1; b++) j->piv[b] = s[(b + 1) * NS / j->nb];
    ax__parallel_for(chunks, 1, SFX(bucket_count), j);
    int special = 0;
    for (int c = 0; c < chunks; c++) special |= j->special[c];
    bool ok = !(special & 1);
    if (ok) {
        *negz = (special & 2) != 0;
        int64_t sum = 0;
        for (int k = 0; k < j->nb; k++) {
            j->start[k] = sum;
            for (int c = 0; c < chunks; c++) {
                int64_t cnt = j->off[c][k];
                j->off[c][k] = sum;
                sum += cnt;
            }
        }
        j->start[j->nb] = n;
        ax__parallel_for(chunks, 1, SFX(bucket_scatter), j);
        ax__parallel_for(j->nb, 1, SFX(bucket_sort), j);
    }
    free(j);
    return ok;
}

/* ---------------------------------------------------------------- lines */

/* Sort one line of n elements (x: stride xs; y: stride ys); buf: n elements
 * of scratch, used when ys != 1. The quicksort is not stable, so for floats
 * the stable order of the values that compare equal with different bits is
 * restored: NaNs go to the end in input order before the sort (a line with a
 * NaN leaves the out-of-place path), and when the line holds a -0.0 the run
 * of zeros is rewritten afterwards from the input, in input order. Equal
 * non-zero floats and equal integers have equal bits. */
static void SFX(line)(const char *x, int64_t xs, char *y, int64_t ys, int64_t n, T *buf,
                      int tasks) {
    const UT *p = (const UT *)x;
    T *k = ys == 1 ? (T *)y : buf;
    UT *kb = (UT *)k;
    int64_t m = n;
    bool negz = false;
    if (!(xs == 1 && n > 2 * SMALL_N && SFX(sort_copy)((const T *)x, k, n, tasks, &negz))) {
#if IS_FLOAT
        UT nan = 0, nz = 0;
        for (int64_t i = 0; i < n; i++) {
            UT b = p[i * xs];
            nan |= (b & ABS_BITS) > INF_BITS;
            nz |= b == SIGN_BITS;
            kb[i] = b;
        }
        negz = nz != 0;
        if (nan) { /* the non-NaNs first, then the NaNs in input order */
            m = 0;
            for (int64_t i = 0; i < n; i++)
                if ((kb[i] & ABS_BITS) <= INF_BITS) kb[m++] = kb[i];
            int64_t t = m;
            for (int64_t i = 0; i < n; i++) {
                UT b = p[i * xs];
                if ((b & ABS_BITS) > INF_BITS) kb[t++] = b;
            }
        }
#else
        if (xs == 1) memcpy(k, x, sizeof(T) * (size_t)n);
        else
            for (int64_t i = 0; i < n; i++) kb[i] = p[i * xs];
#endif
        SFX(sort)(k, m, tasks);
    }
#if IS_FLOAT
    if (negz) { /* the zeros back in input order, from the first k >= 0 */
        int64_t lo = 0, hi = m;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (k[mid] < 0) lo = mid + 1;
            else hi = mid;
        }
        for (int64_t i = 0; i < n; i++) {
            UT b = p[i * xs];
            if ((b & ABS_BITS) == 0) kb[lo++] = b;
        }
    }
#endif
    if (ys != 1)
        for (int64_t i = 0; i < n; i++) ((UT *)y)[i * ys] = kb[i];
}

#undef ALWAYS_INLINE
#undef UNROLL
#undef T
#undef SFX
#undef IS_FLOAT
#undef V_SET1
#undef V_MIN
#undef V_MAX
#undef V_MASK_MAX
#undef V_CMPLT
#undef V_CMPLE
#undef V_ISNAN
#undef V_ISNEGZ
#undef T_MAX
