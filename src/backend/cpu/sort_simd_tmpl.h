/* The AVX-512 quicksort of sort_simd.c for one key width, included once per
 * width with these defined (and undefined here at the end):
 *   T, UT        the key type and its unsigned twin (int32_t / int64_t)
 *   SFX(name)    name with the width's suffix (name_i32 / name_i64)
 *   LANES        keys per 512-bit vector (16 / 8); MASK its __mmask type,
 *                FULL_MASK all lanes; LANES_WITH_BIT(j) the lanes whose
 *                index has bit j set; V_IOTA the vector 0, 1, .., LANES - 1
 *   V_SET1, V_MIN, V_MAX, V_BLEND, V_PERMX, V_MASK_LOADU, V_MASK_STOREU,
 *   V_MASKZ_LOADU, V_CMPLT, V_CMPLE, V_COMPRESS   the width's intrinsics
 *   T_MAX        padding key of the sorting networks
 *   SMALL_N      ranges up to this size go to the network (16 registers)
 *   PAR_SAMPLES  samples for the pivots that split a line over the threads
 *   SIGN_BITS, ABS_BITS, INF_BITS   the float format of the same width
 * It defines SFX(sort) (a key array over `tasks` threads) and SFX(line) (one
 * strided line of floats or integers, NaN / -0.0 order restored). */

/* ---------------------------------------------------------------- networks */

/* Lanes with bit j of the lane index set. */
static inline MASK SFX(lanes_with_bit)(int j) { return (MASK)LANES_WITH_BIT(j); }

/* Compare-exchange of lane i with lane i ^ j; lanes in `maxmask` keep the max. */
static inline __m512i SFX(cx_lanes)(__m512i v, int j, MASK maxmask) {
    const __m512i iota = V_IOTA;
    __m512i p = V_PERMX(_mm512_xor_si512(iota, V_SET1(j)), v);
    return V_BLEND(maxmask, V_MIN(v, p), V_MAX(v, p));
}

/* Bitonic sort of the LANES * nv keys in v[0, nv) (nv a power of two <= 16),
 * ascending in lane-major order. */
static void SFX(bitonic)(__m512i *v, int nv) {
    int total = LANES * nv;
    for (int k = 2; k <= total; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            if (j >= LANES) {
                int jv = j / LANES;
                for (int a = 0; a < nv; a++) {
                    if (a & jv) continue;
                    int b = a | jv;
                    __m512i mn = V_MIN(v[a], v[b]), mx = V_MAX(v[a], v[b]);
                    bool desc = ((a * LANES) & k) != 0;
                    v[a] = desc ? mx : mn;
                    v[b] = desc ? mn : mx;
                }
            } else {
                for (int a = 0; a < nv; a++) {
                    /* ascending lanes: the upper lane of each pair keeps the max */
                    MASK m = SFX(lanes_with_bit)(j);
                    if (k < LANES) m ^= SFX(lanes_with_bit)(k);
                    else if ((a * LANES) & k) m ^= FULL_MASK;
                    v[a] = SFX(cx_lanes)(v[a], j, m);
                }
            }
        }
    }
}

/* Sort a[0, n), n <= SMALL_N, in registers. */
static void SFX(small)(T *a, int64_t n) {
    if (n <= 1) return;
    int nv = 1;
    while (LANES * nv < n) nv <<= 1;
    __m512i v[16];
    const __m512i pad = V_SET1(T_MAX);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - LANES * i;
        MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;
        v[i] = V_MASK_LOADU(pad, m, a + LANES * i);
    }
    SFX(bitonic)(v, nv);
    for (int i = 0; i < nv; i++) {
        int64_t r = n - LANES * i;
        MASK m = r >= LANES ? (MASK)FULL_MASK : r > 0 ? (MASK)((1u << r) - 1) : 0;
        V_MASK_STOREU(a + LANES * i, m, v[i]);
    }
}

/* ---------------------------------------------------------------- partition */

/* Reorder a[0, n) (n >= 32) so that the elements with x < piv (le = 0) or
 * x <= piv (le = 1) come first; returns their count. */
static inline __attribute__((always_inline)) int64_t SFX(part)(T *a, int64_t n, T piv,
                                                              const int le) {
    const __m512i pv = V_SET1(piv);
#define PART_PRED(v) (le ? V_CMPLE(v, pv) : V_CMPLT(v, pv))
    __m512i vl = _mm512_loadu_si512(a), vr = _mm512_loadu_si512(a + n - LANES);
    int64_t lw = 0, rw = n, lr = LANES, rr = n - LANES;
    while (rr - lr >= LANES) {
        __m512i v;
        if (lr - lw <= rw - rr) {
            v = _mm512_loadu_si512(a + lr);
            lr += LANES;
        } else {
            rr -= LANES;
            v = _mm512_loadu_si512(a + rr);
        }
        MASK m = PART_PRED(v);
        int c = __builtin_popcount((unsigned)m);
        V_COMPRESS(a + lw, m, v);
        lw += c;
        rw -= LANES - c;
        V_COMPRESS(a + rw, (MASK)~m, v);
    }
    /* everything is read now: [lw, rw) is free and exactly fits the rest */
    MASK tail = (MASK)((1u << (rr - lr)) - 1);
    __m512i vt = V_MASKZ_LOADU(tail, a + lr);
    __m512i rest[3] = {vt, vl, vr};
    MASK valid[3] = {tail, FULL_MASK, FULL_MASK};
    for (int i = 0; i < 3; i++) {
        MASK m = PART_PRED(rest[i]) & valid[i], o = (MASK)(~m & valid[i]);
        V_COMPRESS(a + lw, m, rest[i]);
        lw += __builtin_popcount((unsigned)m);
        rw -= __builtin_popcount((unsigned)o);
        V_COMPRESS(a + rw, o, rest[i]);
    }
#undef PART_PRED
    return lw;
}
static int64_t SFX(part_lt)(T *a, int64_t n, T piv) { return SFX(part)(a, n, piv, 0); }
static int64_t SFX(part_le)(T *a, int64_t n, T piv) { return SFX(part)(a, n, piv, 1); }

/* Median of `s` (16 or PAR_SAMPLES) evenly spaced samples of a[0, n), n >= s. */
static T SFX(pivot)(const T *a, int64_t n, int s) {
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

/* One long array over `tasks` threads: split into ranges by partitions,
 * then sort the ranges on the pool. */
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

/* ---------------------------------------------------------------- lines */

/* float bits <-> integer keys of the same width (an involution). */
static inline T SFX(float_key)(UT b) {
    return (T)(b ^ ((UT)((T)b >> (8 * sizeof(T) - 1)) & ABS_BITS));
}
static inline bool SFX(key_is_nan)(T k) {
    return k > (T)INF_BITS || k < (T)(SIGN_BITS | (ABS_BITS ^ INF_BITS));
}

/* Sort one line of n elements (x: stride xs; y: stride ys); buf: n keys
 * of scratch, used when ys != 1. */
static void SFX(line)(const char *x, int64_t xs, char *y, int64_t ys, int64_t n, bool isf,
                     T *buf, int tasks) {
    const UT *p = (const UT *)x;
    T *k = ys == 1 ? (T *)y : buf;
    int64_t m = n;
    bool negz = false;
    if (isf) {
        UT nan = 0, nz = 0;
        if (xs == 1) {
            for (int64_t i = 0; i < n; i++) {
                UT b = p[i];
                nan |= (b & ABS_BITS) > INF_BITS;
                nz |= b == SIGN_BITS;
                k[i] = SFX(float_key)(b);
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                UT b = p[i * xs];
                nan |= (b & ABS_BITS) > INF_BITS;
                nz |= b == SIGN_BITS;
                k[i] = SFX(float_key)(b);
            }
        }
        negz = nz != 0;
        if (nan) { /* non-NaN keys first, then the NaNs in input order */
            m = 0;
            for (int64_t i = 0; i < n; i++)
                if (!SFX(key_is_nan)(k[i])) k[m++] = k[i];
            int64_t t = m;
            for (int64_t i = 0; i < n; i++) {
                UT b = p[i * xs];
                if ((b & ABS_BITS) > INF_BITS) k[t++] = SFX(float_key)(b);
            }
        }
    } else if (xs == 1) {
        memcpy(k, x, sizeof(T) * (size_t)n);
    } else {
        for (int64_t i = 0; i < n; i++) k[i] = (T)p[i * xs];
    }
    SFX(sort)(k, m, tasks);
    if (negz) { /* zeros (keys -1 and 0) back in input order */
        int64_t lo = 0, hi = m;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (k[mid] < -1) lo = mid + 1;
            else hi = mid;
        }
        for (int64_t i = 0; i < n; i++) {
            UT b = p[i * xs];
            if ((b & ABS_BITS) == 0) k[lo++] = SFX(float_key)(b);
        }
    }
    if (isf) {
        if (ys == 1)
            for (int64_t i = 0; i < n; i++) k[i] = SFX(float_key)((UT)k[i]);
        else
            for (int64_t i = 0; i < n; i++) ((T *)y)[i * ys] = SFX(float_key)((UT)k[i]);
    } else if (ys != 1) {
        for (int64_t i = 0; i < n; i++) ((T *)y)[i * ys] = k[i];
    }
}

#undef T
#undef UT
#undef SFX
#undef LANES
#undef MASK
#undef FULL_MASK
#undef LANES_WITH_BIT
#undef V_IOTA
#undef V_SET1
#undef V_MIN
#undef V_MAX
#undef V_BLEND
#undef V_PERMX
#undef V_MASK_LOADU
#undef V_MASK_STOREU
#undef V_MASKZ_LOADU
#undef V_CMPLT
#undef V_CMPLE
#undef V_COMPRESS
#undef T_MAX
#undef SMALL_N
#undef PAR_SAMPLES
#undef SIGN_BITS
#undef ABS_BITS
#undef INF_BITS
