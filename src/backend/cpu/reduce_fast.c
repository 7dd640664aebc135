/* Fast reduction kernels for contiguous layouts.
 *
 * Two drivers walk a plan (reduce_impl.h):
 *  - rows: the innermost reduced dim is contiguous. Each row is cut into
 *    fixed chunks of CHUNK elements; a chunk folds into a partial state
 *    (with several accumulators the compiler vectorizes) and partials merge
 *    in order. Chunk boundaries do not depend on the thread count, so the
 *    result is the same however the work is split: over outputs when there
 *    are many, over all chunks (partials in a buffer) when there are few.
 *  - columns: the innermost kept dim is contiguous. A block of output
 *    columns keeps a vector of states and every reduced row folds into it.
 * Each (op, dtype) supplies a small vtable: chunk, merge, col, store. */
#include <math.h>
#include <stdlib.h>

#include "backend/cpu/ew_math.h"
#include "backend/cpu/reduce_impl.h"

#define CHUNK 4096      /* elements per row chunk (partials are per chunk) */
#define LANES 32        /* independent accumulators in a chunk */
/* Output columns per column task: 4 KB of each float32 row. Column sums of
 * 2^26 float32 as (16384, 4096) on the 2-core VM: 28 -> 30 GB/s against 2048
 * (and 2^24: 41 -> 45-47); 512 and 4096 were slower at 2^26. */
#define COL_BLOCK 1024
#define PAR_WORK (1 << 15) /* elements of work per parallel task, at least */
#define STATE_MAX 16    /* bytes of the largest state */

/* Compute-bound loops (exp, column sums): where AVX-512 exists, let GCC use
 * full-width vectors (it defaults to 256-bit ones on such machines). */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
#define WIDE_VECTORS __attribute__((noinline, target("prefer-vector-width=512")))
#else
#define WIDE_VECTORS
#endif

typedef struct red_vt {
    size_t ssize;
    /* The partial state of x[0..n) (n >= 1); i0 = reduced index of x[0]. */
    void (*chunk)(void *st, const char *x, int64_t n, int64_t i0);
    /* a = a (+) b, b holding later elements. */
    void (*merge)(void *a, const void *b);
    /* K states (+)= x[0..K) of reduced row r (first: assign). NULL: no column path. */
    void (*col)(void *st, const char *x, int64_t K, int64_t r, bool first);
    /* Write n states to y[0..n) (contiguous) as dtype ot. */
    void (*store)(char *y, ax_dtype ot, const void *st, int64_t n);
} red_vt;

/* ---------------------------------------------------------------- loads */

static inline float bf16_load(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
/* Exact float16 -> float32 without branches (vectorizable): the 15 magnitude
 * bits shifted into a float's place read as 2^-112 times the value (also for
 * subnormals); inf and NaN get the float's all-ones exponent. */
static inline float f16_load(uint16_t h) {
    uint32_t em = h & 0x7fffu, u = em << 13, s = (uint32_t)(h & 0x8000u) << 16;
    float f;
    memcpy(&f, &u, 4);
    f *= 0x1p112f;
    uint32_t r;
    memcpy(&r, &f, 4);
    r = em >= 0x7c00u ? u | 0x7f800000u : r;
    r |= s;
    memcpy(&f, &r, 4);
    return f;
}
#define LD_ID(v) (v)
#define LD_F16(v) f16_load(v)
#define LD_BF16(v) bf16_load(v)

/* ---------------------------------------------------------------- stores */

static void store_f64s(char *y, ax_dtype ot, const void *s, int64_t n) {
    const double *st = s;
    if (ot == AX_FLOAT32)
        for (int64_t i = 0; i < n; i++) ((float *)y)[i] = (float)st[i];
    else if (ot == AX_FLOAT64)
        memcpy(y, st, sizeof(double) * (size_t)n);
    else
        for (int64_t i = 0; i < n; i++) ax__store_f64(y + i * (int64_t)ax_dtype_size(ot), ot, st[i]);
}

static void store_u64s(char *y, ax_dtype ot, const void *s, int64_t n) {
    const uint64_t *st = s;
    switch (ot) {
    case AX_INT32: case AX_UINT32:
        for (int64_t i = 0; i < n; i++) ((uint32_t *)y)[i] = (uint32_t)st[i];
        break;
    case AX_INT64: case AX_UINT64: memcpy(y, st, sizeof(uint64_t) * (size_t)n); break;
    default:
        for (int64_t i = 0; i < n; i++) ax__store_u64(y + i * (int64_t)ax_dtype_size(ot), ot, st[i]);
    }
}

static void merge_add_f64(void *a, const void *b) { *(double *)a += *(const double *)b; }
static void merge_mul_f64(void *a, const void *b) { *(double *)a *= *(const double *)b; }
static void merge_add_u64(void *a, const void *b) { *(uint64_t *)a += *(const uint64_t *)b; }
static void merge_mul_u64(void *a, const void *b) { *(uint64_t *)a *= *(const uint64_t *)b; }

/* Rows end on page boundaries, where the hardware prefetcher stops: ask for
 * every line of the next LANES elements 3 KB ahead (past the row's end too:
 * a prefetch never faults). On the 2-core VM over 2^26 float32 (2 threads,
 * two runs): max_all 30 -> 34.5 GB/s, max_axis1 31 -> 37, sum_axis1 36 -> 39,
 * sum_all 34 -> 34.5-37, against one line per 128 bytes 2 KB ahead (4 KB
 * ahead: 1-3 GB/s less than 3 KB). */
#define PREFETCH_AHEAD(p, bytes)                                                            \
    do {                                                                                    \
        for (int pf_ = 0; pf_ < (int)(bytes); pf_ += 64)                                    \
            __builtin_prefetch((const void *)((uintptr_t)(p) + 3072 + (uintptr_t)pf_));     \
    } while (0)

/* ---------------------------------------------------------------- sum, prod */

/* Lane-wise fold of a chunk; LT is the lane type (float for 32-bit and
 * smaller floats: the chunk is short, its total goes to double), ST the state. */
#define DEF_SUMPROD(NAME, T, LT, ST, LOAD, OPER, IDENT)                                 \
    static void NAME##_chunk(void *st, const char *xp, int64_t n, int64_t i0) {         \
        (void)i0;                                                                       \
        const T *x = (const T *)xp;                                                     \
        if (n < LANES) { /* short rows: no lanes to set up and fold */                  \
            LT a = (LT)LOAD(x[0]);                                                      \
            for (int64_t i = 1; i < n; i++) a = a OPER (LT)LOAD(x[i]);                  \
            *(ST *)st = (ST)a;                                                          \
            return;                                                                     \
        }                                                                               \
        LT l[LANES];                                                                    \
        for (int j = 0; j < LANES; j++) l[j] = IDENT;                                   \
        int64_t i = 0;                                                                  \
        for (; i + LANES <= n; i += LANES) {                                            \
            PREFETCH_AHEAD(x + i, LANES * sizeof(T));                                   \
            for (int j = 0; j < LANES; j++) l[j] = l[j] OPER (LT)LOAD(x[i + j]);        \
        }                                                                               \
        for (; i < n; i++) l[0] = l[0] OPER (LT)LOAD(x[i]);                             \
        for (int w = LANES / 2; w > 0; w /= 2)                                          \
            for (int j = 0; j < w; j++) l[j] = l[j] OPER l[j + w];                      \
        *(ST *)st = (ST)l[0];                                                           \
    }                                                                                   \
    static void NAME##_col(void *sp, const char *xp, int64_t K, int64_t r, bool first) { \
        (void)r;                                                                        \
        ST *st = sp;                                                                    \
        const T *x = (const T *)xp;                                                     \
        if (first)                                                                      \
            for (int64_t k = 0; k < K; k++) st[k] = (ST)LOAD(x[k]);                     \
        else                                                                            \
            for (int64_t k = 0; k < K; k++) st[k] = st[k] OPER (ST)LOAD(x[k]);          \
    }

#define SUMPROD_FLOATS(X)                                              \
    X(sum_f32, float, float, double, LD_ID, +, 0)                      \
    X(sum_f64, double, double, double, LD_ID, +, 0)                    \
    X(sum_f16, uint16_t, float, double, LD_F16, +, 0)                  \
    X(sum_bf16, uint16_t, float, double, LD_BF16, +, 0)                \
    X(prod_f32, float, double, double, LD_ID, *, 1)                    \
    X(prod_f64, double, double, double, LD_ID, *, 1)                   \
    X(prod_f16, uint16_t, double, double, LD_F16, *, 1)                \
    X(prod_bf16, uint16_t, double, double, LD_BF16, *, 1)
/* Integers wrap modulo 2^64 (then the output width), as the reference. */
#define U64_S(v) ((uint64_t)(int64_t)(v))
#define SUMPROD_INTS(X)                                                \
    X(sum_b, uint8_t, uint64_t, uint64_t, U64_S, +, 0)                 \
    X(sum_i8, int8_t, uint64_t, uint64_t, U64_S, +, 0)                 \
    X(sum_i16, int16_t, uint64_t, uint64_t, U64_S, +, 0)               \
    X(sum_i32, int32_t, uint64_t, uint64_t, U64_S, +, 0)               \
    X(sum_i64, int64_t, uint64_t, uint64_t, U64_S, +, 0)               \
    X(sum_u8, uint8_t, uint64_t, uint64_t, U64_S, +, 0)                \
    X(sum_u16, uint16_t, uint64_t, uint64_t, U64_S, +, 0)              \
    X(sum_u32, uint32_t, uint64_t, uint64_t, U64_S, +, 0)              \
    X(sum_u64, uint64_t, uint64_t, uint64_t, LD_ID, +, 0)              \
    X(prod_b, uint8_t, uint64_t, uint64_t, U64_S, *, 1)                \
    X(prod_i8, int8_t, uint64_t, uint64_t, U64_S, *, 1)                \
    X(prod_i16, int16_t, uint64_t, uint64_t, U64_S, *, 1)              \
    X(prod_i32, int32_t, uint64_t, uint64_t, U64_S, *, 1)              \
    X(prod_i64, int64_t, uint64_t, uint64_t, U64_S, *, 1)              \
    X(prod_u8, uint8_t, uint64_t, uint64_t, U64_S, *, 1)               \
    X(prod_u16, uint16_t, uint64_t, uint64_t, U64_S, *, 1)             \
    X(prod_u32, uint32_t, uint64_t, uint64_t, U64_S, *, 1)             \
    X(prod_u64, uint64_t, uint64_t, uint64_t, LD_ID, *, 1)
SUMPROD_FLOATS(DEF_SUMPROD)
SUMPROD_INTS(DEF_SUMPROD)

/* ---------------------------------------------------------------- max, min */

/* NaN-propagating "v replaces m": bigger (smaller), or NaN. For integers
 * v != v is false and folds away. */
#define TAKE_MAX(v, m) ((v) > (m) || (v) != (v))
#define TAKE_MIN(v, m) ((v) < (m) || (v) != (v))

/* CT: compare type (the state); floats below 64 bits compare as float. */
#define DEF_MAXMIN(NAME, T, CT, LOAD, TAKE, BETTER)                                           \
    static void NAME##_chunk(void *st, const char *xp, int64_t n, int64_t i0) {         \
        (void)i0;                                                                       \
        const T *x = (const T *)xp;                                                     \
        if (n < LANES) {                                                                \
            CT m = (CT)LOAD(x[0]);                                                      \
            for (int64_t i = 1; i < n; i++) {                                           \
                CT v = (CT)LOAD(x[i]);                                                  \
                m = TAKE(v, m) ? v : m;                                                 \
            }                                                                           \
            *(CT *)st = m;                                                              \
            return;                                                                     \
        }                                                                               \
        /* Plain max lanes (vmaxps); for floats also a running sum per lane, \
         * which turns NaN if a NaN went by (or inf - inf: then a rescan tells). */ \
        const bool fl = (CT)0.5 != 0;                                                   \
        CT l[LANES], q[LANES];                                                          \
        for (int j = 0; j < LANES; j++) l[j] = (CT)LOAD(x[0]), q[j] = 0;                \
        int64_t i = 0;                                                                  \
        for (; i + LANES <= n; i += LANES) {                                            \
            PREFETCH_AHEAD(x + i, LANES * sizeof(T));                                   \
            for (int j = 0; j < LANES; j++) {                                           \
                CT v = (CT)LOAD(x[i + j]);                                              \
                l[j] = BETTER(v, l[j]) ? v : l[j];                                      \
                if (fl) q[j] += v;                                                      \
            }                                                                           \
        }                                                                               \
        for (; i < n; i++) {                                                            \
            CT v = (CT)LOAD(x[i]);                                                      \
            l[0] = TAKE(v, l[0]) ? v : l[0];                                            \
        }                                                                               \
        for (int j = 1; j < LANES; j++) l[0] = TAKE(l[j], l[0]) ? l[j] : l[0];          \
        if (fl) {                                                                       \
            CT t = 0;                                                                   \
            for (int j = 0; j < LANES; j++) t += q[j];                                  \
            for (i = 0; t != t && i < n; i++) {                                         \
                CT v = (CT)LOAD(x[i]);                                                  \
                if (v != v) {                                                           \
                    l[0] = v;                                                           \
                    break;                                                              \
                }                                                                       \
            }                                                                           \
        }                                                                               \
        *(CT *)st = l[0];                                                               \
    }                                                                                   \
    static void NAME##_merge(void *a, const void *b) {                                  \
        CT v = *(const CT *)b, *m = a;                                                  \
        if (TAKE(v, *m)) *m = v;                                                        \
    }                                                                                   \
    static void NAME##_col(void *sp, const char *xp, int64_t K, int64_t r, bool first) { \
        (void)r;                                                                        \
        CT *st = sp;                                                                    \
        const T *x = (const T *)xp;                                                     \
        if (first)                                                                      \
            for (int64_t k = 0; k < K; k++) st[k] = (CT)LOAD(x[k]);                     \
        else                                                                            \
            for (int64_t k = 0; k < K; k++) {                                           \
                CT v = (CT)LOAD(x[k]);                                                  \
                st[k] = TAKE(v, st[k]) ? v : st[k];                                     \
            }                                                                           \
    }                                                                                   \
    static void NAME##_store(char *y, ax_dtype ot, const void *sp, int64_t n) {         \
        const CT *st = sp;                                                              \
        for (int64_t i = 0; i < n; i++) {                                               \
            if (ot == AX_FLOAT16) ((uint16_t *)y)[i] = ax_f32_to_f16((float)st[i]);     \
            else if (ot == AX_BFLOAT16) ((uint16_t *)y)[i] = ax_f32_to_bf16((float)st[i]); \
            else ((T *)y)[i] = (T)st[i];                                                \
        }                                                                               \
    }

#define MAXMIN_TYPES(X, OP, TAKE, BETTER)                        \
    X(OP##_f32, float, float, LD_ID, TAKE, BETTER)               \
    X(OP##_f64, double, double, LD_ID, TAKE, BETTER)             \
    X(OP##_f16, uint16_t, float, LD_F16, TAKE, BETTER)           \
    X(OP##_bf16, uint16_t, float, LD_BF16, TAKE, BETTER)         \
    X(OP##_b, uint8_t, uint8_t, LD_ID, TAKE, BETTER)             \
    X(OP##_i8, int8_t, int8_t, LD_ID, TAKE, BETTER)              \
    X(OP##_i16, int16_t, int16_t, LD_ID, TAKE, BETTER)           \
    X(OP##_i32, int32_t, int32_t, LD_ID, TAKE, BETTER)           \
    X(OP##_i64, int64_t, int64_t, LD_ID, TAKE, BETTER)           \
    X(OP##_u8, uint8_t, uint8_t, LD_ID, TAKE, BETTER)            \
    X(OP##_u16, uint16_t, uint16_t, LD_ID, TAKE, BETTER)         \
    X(OP##_u32, uint32_t, uint32_t, LD_ID, TAKE, BETTER)         \
    X(OP##_u64, uint64_t, uint64_t, LD_ID, TAKE, BETTER)
#define BETTER_MAX(v, m) ((v) > (m))
#define BETTER_MIN(v, m) ((v) < (m))
MAXMIN_TYPES(DEF_MAXMIN, max, TAKE_MAX, BETTER_MAX)
MAXMIN_TYPES(DEF_MAXMIN, min, TAKE_MIN, BETTER_MIN)

/* ---------------------------------------------------------------- argmax, argmin */

/* State: best value (compare type) and its reduced index; the first
 * occurrence wins, and the first NaN beats everything. */
#define DEF_ARG(NAME, T, CT, LOAD, TAKE)                                                \
    typedef struct {                                                                    \
        CT v;                                                                           \
        int64_t i;                                                                      \
    } NAME##_st;                                                                        \
    static void NAME##_chunk(void *st, const char *xp, int64_t n, int64_t i0) {         \
        const T *x = (const T *)xp;                                                     \
        CT m;                                                                           \
        NAME##_inner(&m, xp, n, 0);                                                     \
        int64_t i = 0;                                                                  \
        if (m != m) {                                                                   \
            while (LOAD(x[i]) == LOAD(x[i])) i++;                                       \
        } else {                                                                        \
            while ((CT)LOAD(x[i]) != m) i++;                                            \
        }                                                                               \
        *(NAME##_st *)st = (NAME##_st){m, i0 + i};                                      \
    }                                                                                   \
    static void NAME##_merge(void *ap, const void *bp) {                                \
        NAME##_st *a = ap;                                                              \
        const NAME##_st *b = bp;                                                        \
        if (a->v == a->v && TAKE(b->v, a->v)) *a = *b;                                  \
    }                                                                                   \
    static void NAME##_col(void *sp, const char *xp, int64_t K, int64_t r, bool first) { \
        NAME##_st *st = sp;                                                             \
        const T *x = (const T *)xp;                                                     \
        if (first)                                                                      \
            for (int64_t k = 0; k < K; k++) st[k] = (NAME##_st){(CT)LOAD(x[k]), r};     \
        else                                                                            \
            for (int64_t k = 0; k < K; k++) {                                           \
                CT v = (CT)LOAD(x[k]);                                                  \
                if (st[k].v == st[k].v && TAKE(v, st[k].v)) st[k] = (NAME##_st){v, r};  \
            }                                                                           \
    }                                                                                   \
    static void NAME##_store(char *y, ax_dtype ot, const void *sp, int64_t n) {         \
        (void)ot;                                                                       \
        const NAME##_st *st = sp;                                                       \
        for (int64_t i = 0; i < n; i++) ((int64_t *)y)[i] = st[i].i;                    \
    }

/* argmax of a chunk is found from max's chunk fold, then a scan for it. */
#define ARG_TYPES(X, OP, BASE, TAKE)                                 \
    X(OP##_f32, float, float, LD_ID, TAKE, BASE##_f32)               \
    X(OP##_f64, double, double, LD_ID, TAKE, BASE##_f64)             \
    X(OP##_f16, uint16_t, float, LD_F16, TAKE, BASE##_f16)           \
    X(OP##_bf16, uint16_t, float, LD_BF16, TAKE, BASE##_bf16)        \
    X(OP##_b, uint8_t, uint8_t, LD_ID, TAKE, BASE##_b)               \
    X(OP##_i8, int8_t, int8_t, LD_ID, TAKE, BASE##_i8)               \
    X(OP##_i16, int16_t, int16_t, LD_ID, TAKE, BASE##_i16)           \
    X(OP##_i32, int32_t, int32_t, LD_ID, TAKE, BASE##_i32)           \
    X(OP##_i64, int64_t, int64_t, LD_ID, TAKE, BASE##_i64)           \
    X(OP##_u8, uint8_t, uint8_t, LD_ID, TAKE, BASE##_u8)             \
    X(OP##_u16, uint16_t, uint16_t, LD_ID, TAKE, BASE##_u16)         \
    X(OP##_u32, uint32_t, uint32_t, LD_ID, TAKE, BASE##_u32)         \
    X(OP##_u64, uint64_t, uint64_t, LD_ID, TAKE, BASE##_u64)
#define DEF_ARG_X(NAME, T, CT, LOAD, TAKE, BASE)                         \
    static void NAME##_inner(void *st, const char *x, int64_t n, int64_t i0) { \
        BASE##_chunk(st, x, n, i0);                                      \
    }                                                                    \
    DEF_ARG(NAME, T, CT, LOAD, TAKE)
ARG_TYPES(DEF_ARG_X, argmax, max, TAKE_MAX)
ARG_TYPES(DEF_ARG_X, argmin, min, TAKE_MIN)

/* ---------------------------------------------------------------- all, any */

#define NZ_F16(v) (((v) & 0x7fff) != 0) /* bits: +-0 are the only zeros */
#define NZ_ID(v) ((v) != 0)
#define DEF_ALLANY(NAME, T, NZ, OPER, IDENT)                                            \
    static void NAME##_chunk(void *st, const char *xp, int64_t n, int64_t i0) {         \
        (void)i0;                                                                       \
        const T *x = (const T *)xp;                                                     \
        uint8_t l[LANES];                                                               \
        for (int j = 0; j < LANES; j++) l[j] = IDENT;                                   \
        int64_t i = 0;                                                                  \
        for (; i + LANES <= n; i += LANES)                                              \
            for (int j = 0; j < LANES; j++) l[j] = l[j] OPER (uint8_t)NZ(x[i + j]);     \
        for (; i < n; i++) l[0] = l[0] OPER (uint8_t)NZ(x[i]);                          \
        for (int j = 1; j < LANES; j++) l[0] = l[0] OPER l[j];                          \
        *(uint8_t *)st = l[0];                                                          \
    }                                                                                   \
    static void NAME##_col(void *sp, const char *xp, int64_t K, int64_t r, bool first) { \
        (void)r;                                                                        \
        uint8_t *st = sp;                                                               \
        const T *x = (const T *)xp;                                                     \
        if (first)                                                                      \
            for (int64_t k = 0; k < K; k++) st[k] = (uint8_t)NZ(x[k]);                  \
        else                                                                            \
            for (int64_t k = 0; k < K; k++) st[k] = st[k] OPER (uint8_t)NZ(x[k]);       \
    }
#define ALLANY_TYPES(X, OP, OPER, IDENT)                                 \
    X(OP##_f32, float, NZ_ID, OPER, IDENT)                               \
    X(OP##_f64, double, NZ_ID, OPER, IDENT)                              \
    X(OP##_f16, uint16_t, NZ_F16, OPER, IDENT)                           \
    X(OP##_bf16, uint16_t, NZ_F16, OPER, IDENT)                          \
    X(OP##_b, uint8_t, NZ_ID, OPER, IDENT)                               \
    X(OP##_i8, int8_t, NZ_ID, OPER, IDENT)                               \
    X(OP##_i16, int16_t, NZ_ID, OPER, IDENT)                             \
    X(OP##_i32, int32_t, NZ_ID, OPER, IDENT)                             \
    X(OP##_i64, int64_t, NZ_ID, OPER, IDENT)                             \
    X(OP##_u8, uint8_t, NZ_ID, OPER, IDENT)                              \
    X(OP##_u16, uint16_t, NZ_ID, OPER, IDENT)                            \
    X(OP##_u32, uint32_t, NZ_ID, OPER, IDENT)                            \
    X(OP##_u64, uint64_t, NZ_ID, OPER, IDENT)
ALLANY_TYPES(DEF_ALLANY, all, &, 1)
ALLANY_TYPES(DEF_ALLANY, any, |, 0)
static void merge_and(void *a, const void *b) { *(uint8_t *)a &= *(const uint8_t *)b; }
static void merge_or(void *a, const void *b) { *(uint8_t *)a |= *(const uint8_t *)b; }
static void store_bools(char *y, ax_dtype ot, const void *st, int64_t n) {
    (void)ot;
    memcpy(y, st, (size_t)n);
}

/* ---------------------------------------------------------------- exp */

/* exp_f32: the elementwise family's vectorizable float32 exp (ew_math.h). */
#define exp_f32 ew_expf


WIDE_VECTORS void ax__exp_f32_n(const float *x, float *y, int64_t n) { ew_expf_n(x, y, n); }

/* ---------------------------------------------------------------- logsumexp */

/* State: m = max of the elements, s = sum exp(x - m) (meaningful only when m
 * is finite: m = -inf means all -inf, +inf or NaN is the answer itself). */
typedef struct lse_st {
    double m, s;
} lse_st;

static void lse_merge(void *ap, const void *bp) {
    lse_st *a = ap;
    const lse_st *b = bp;
    if (isnan(a->m) || isnan(b->m)) {
        a->m = NAN;
        return;
    }
    double m = a->m > b->m ? a->m : b->m;
    if (isinf(m)) {
        a->m = m;
        a->s = 0;
        return;
    }
    double s = 0;
    if (a->m != -INFINITY) s += a->s * exp(a->m - m);
    if (b->m != -INFINITY) s += b->s * exp(b->m - m);
    a->m = m;
    a->s = s;
}

static void lse_store(char *y, ax_dtype ot, const void *sp, int64_t n) {
    const lse_st *st = sp;
    for (int64_t i = 0; i < n; i++) {
        double v = isfinite(st[i].m) ? st[i].m + log(st[i].s) : st[i].m;
        ax__store_f64(y + i * (int64_t)ax_dtype_size(ot), ot, v);
    }
}

/* float inputs: exp in float over blocks, sums per block into double. */
#define DEF_LSE(NAME, T, LOAD, MAXCHUNK)                                                \
    static void NAME##_chunk(void *sp, const char *xp, int64_t n, int64_t i0) {         \
        const T *x = (const T *)xp;                                                     \
        float m;                                                                        \
        MAXCHUNK(&m, xp, n, i0);                                                        \
        lse_st *st = sp;                                                                \
        st->m = m;                                                                      \
        st->s = 0;                                                                      \
        if (!isfinite(m)) return;                                                       \
        float buf[256];                                                                 \
        for (int64_t b = 0; b < n; b += 256) {                                          \
            int64_t nb = n - b < 256 ? n - b : 256;                                     \
            for (int64_t i = 0; i < nb; i++) buf[i] = (float)LOAD(x[b + i]) - m;        \
            ax__exp_f32_n(buf, buf, nb);                                                \
            float l[16] = {0};                                                          \
            int64_t i = 0;                                                              \
            for (; i + 16 <= nb; i += 16)                                               \
                for (int j = 0; j < 16; j++) l[j] += buf[i + j];                        \
            for (; i < nb; i++) l[0] += buf[i];                                         \
            for (int j = 1; j < 16; j++) l[0] += l[j];                                  \
            st->s += l[0];                                                              \
        }                                                                               \
    }
DEF_LSE(lse_f32, float, LD_ID, max_f32_chunk)
DEF_LSE(lse_f16, uint16_t, LD_F16, max_f16_chunk)
DEF_LSE(lse_bf16, uint16_t, LD_BF16, max_bf16_chunk)

static void lse_f64_chunk(void *sp, const char *xp, int64_t n, int64_t i0) {
    const double *x = (const double *)xp;
    lse_st *st = sp;
    max_f64_chunk(&st->m, xp, n, i0);
    st->s = 0;
    if (!isfinite(st->m)) return;
    for (int64_t i = 0; i < n; i++) st->s += exp(x[i] - st->m);
}

/* ---------------------------------------------------------------- tables */

/* Index of a dtype in the per-op tables below (-1: no fast kernel). */
static int dt_index(ax_dtype t) {
    switch (t) {
    case AX_FLOAT32: return 0;
    case AX_FLOAT64: return 1;
    case AX_FLOAT16: return 2;
    case AX_BFLOAT16: return 3;
    case AX_BOOL: return 4;
    case AX_INT8: return 5;
    case AX_INT16: return 6;
    case AX_INT32: return 7;
    case AX_INT64: return 8;
    case AX_UINT8: return 9;
    case AX_UINT16: return 10;
    case AX_UINT32: return 11;
    case AX_UINT64: return 12;
    default: return -1;
    }
}

#define VT_ROW(OP, SUF, SS, MERGE, STORE) \
    {SS, OP##_##SUF##_chunk, MERGE, OP##_##SUF##_col, STORE}
#define VT_13(OP, SS_F, SS_I, MF, MI, SF, SI)                                        \
    {VT_ROW(OP, f32, SS_F, MF, SF), VT_ROW(OP, f64, SS_F, MF, SF),                   \
     VT_ROW(OP, f16, SS_F, MF, SF), VT_ROW(OP, bf16, SS_F, MF, SF),                  \
     VT_ROW(OP, b, SS_I, MI, SI),   VT_ROW(OP, i8, SS_I, MI, SI),                    \
     VT_ROW(OP, i16, SS_I, MI, SI), VT_ROW(OP, i32, SS_I, MI, SI),                   \
     VT_ROW(OP, i64, SS_I, MI, SI), VT_ROW(OP, u8, SS_I, MI, SI),                    \
     VT_ROW(OP, u16, SS_I, MI, SI), VT_ROW(OP, u32, SS_I, MI, SI),                   \
     VT_ROW(OP, u64, SS_I, MI, SI)}

static const red_vt vt_sum[13] = VT_13(sum, 8, 8, merge_add_f64, merge_add_u64, store_f64s, store_u64s);
static const red_vt vt_prod[13] = VT_13(prod, 8, 8, merge_mul_f64, merge_mul_u64, store_f64s, store_u64s);
static const red_vt vt_all[13] = VT_13(all, 1, 1, merge_and, merge_and, store_bools, store_bools);
static const red_vt vt_any[13] = VT_13(any, 1, 1, merge_or, merge_or, store_bools, store_bools);

#define VT_SELF(OP, SUF, T) {sizeof(T), OP##_##SUF##_chunk, OP##_##SUF##_merge, OP##_##SUF##_col, OP##_##SUF##_store}
#define VT_SELF_13(OP, S)                                                                 \
    {VT_SELF(OP, f32, S(float)),     VT_SELF(OP, f64, S(double)),                        \
     VT_SELF(OP, f16, S(float)),     VT_SELF(OP, bf16, S(float)),                        \
     VT_SELF(OP, b, S(uint8_t)),     VT_SELF(OP, i8, S(int8_t)),                         \
     VT_SELF(OP, i16, S(int16_t)),   VT_SELF(OP, i32, S(int32_t)),                       \
     VT_SELF(OP, i64, S(int64_t)),   VT_SELF(OP, u8, S(uint8_t)),                        \
     VT_SELF(OP, u16, S(uint16_t)),  VT_SELF(OP, u32, S(uint32_t)),                      \
     VT_SELF(OP, u64, S(uint64_t))}
#define S_PLAIN(T) T
#define S_ARG(T) struct { T v; int64_t i; }
static const red_vt vt_max[13] = VT_SELF_13(max, S_PLAIN);
static const red_vt vt_min[13] = VT_SELF_13(min, S_PLAIN);
static const red_vt vt_argmax[13] = VT_SELF_13(argmax, S_ARG);
static const red_vt vt_argmin[13] = VT_SELF_13(argmin, S_ARG);
static const red_vt vt_lse[4] = {
    {sizeof(lse_st), lse_f32_chunk, lse_merge, NULL, lse_store},
    {sizeof(lse_st), lse_f64_chunk, lse_merge, NULL, lse_store},
    {sizeof(lse_st), lse_f16_chunk, lse_merge, NULL, lse_store},
    {sizeof(lse_st), lse_bf16_chunk, lse_merge, NULL, lse_store},
};

static const red_vt *find_vt(ax_op op, ax_dtype it) {
    int i = dt_index(it);
    if (i < 0) return NULL;
    switch (op) {
    case AX_OP_SUM: return &vt_sum[i];
    case AX_OP_PROD: return &vt_prod[i];
    case AX_OP_MAX: return &vt_max[i];
    case AX_OP_MIN: return &vt_min[i];
    case AX_OP_ALL: return &vt_all[i];
    case AX_OP_ANY: return &vt_any[i];
    case AX_OP_ARGMAX: return &vt_argmax[i];
    case AX_OP_ARGMIN: return &vt_argmin[i];
    case AX_OP_LOGSUMEXP: return i < 4 ? &vt_lse[i] : NULL;
    default: return NULL;
    }
}

/* ---------------------------------------------------------------- drivers */

typedef struct drv {
    const red_vt *vt;
    const char *x;
    char *y;
    size_t is, os;
    ax_dtype ot;
    const red_plan *p;
    red_dims outer;   /* reduced dims without the innermost (rows) or kept outer dims (cols) */
    int64_t len;      /* row length (rows) or columns (cols) */
    int64_t nseg_row; /* chunks per row */
    int64_t nseg;     /* segments per output: outer.count * nseg_row */
    char *partials;   /* rows: nout * nseg states, or NULL */
    int64_t nblk;     /* cols: column blocks per outer kept index */
    int64_t npieces;  /* cols: pieces the reduced rows are cut into */
} drv;

/* Partial state of segment s of the output whose input starts at x0. */
static void row_segment(const drv *d, const char *x0, int64_t s, void *st) {
    int64_t ro = s / d->nseg_row, c = s % d->nseg_row, io, oo;
    red_offsets(&d->outer, ro, &io, &oo);
    int64_t start = c * CHUNK, n = d->len - start < CHUNK ? d->len - start : CHUNK;
    d->vt->chunk(st, x0 + (io + start) * (int64_t)d->is, n, ro * d->len + start);
}

static void rows_by_output(void *ud, int64_t b, int64_t e) {
    const drv *d = ud;
    const red_dims *k = &d->p->kept;
    unsigned char acc[STATE_MAX], tmp[STATE_MAX];
    for (int64_t o = b; o < e; o++) {
        int64_t io, oo;
        red_offsets(k, o, &io, &oo);
        const char *x0 = d->x + io * (int64_t)d->is;
        row_segment(d, x0, 0, acc);
        for (int64_t s = 1; s < d->nseg; s++) {
            row_segment(d, x0, s, tmp);
            d->vt->merge(acc, tmp);
        }
        d->vt->store(d->y + oo * (int64_t)d->os, d->ot, acc, 1);
    }
}

static void rows_by_segment(void *ud, int64_t b, int64_t e) {
    const drv *d = ud;
    for (int64_t g = b; g < e; g++) {
        int64_t o = g / d->nseg, io, oo;
        red_offsets(&d->p->kept, o, &io, &oo);
        row_segment(d, d->x + io * (int64_t)d->is, g % d->nseg, d->partials + g * (int64_t)d->vt->ssize);
    }
}

static bool run_rows(drv *d) {
    const red_plan *p = d->p;
    const red_dims *r = &p->red;
    d->len = r->sh[r->n - 1];
    d->outer = *r;
    d->outer.n--;
    d->outer.count = r->count / d->len;
    d->nseg_row = (d->len + CHUNK - 1) / CHUNK;
    d->nseg = d->outer.count * d->nseg_row;
    int64_t nout = p->kept.count, nt = ax__num_threads();
    if (nout >= 4 * nt || nout * r->count < 2 * PAR_WORK || d->nseg == 1) {
        int64_t grain = PAR_WORK / r->count;
        ax__parallel_for(nout, grain < 1 ? 1 : grain, rows_by_output, d);
        return true;
    }
    size_t ss = d->vt->ssize;
    d->partials = malloc(ss * (size_t)(nout * d->nseg));
    if (!d->partials) { /* no room for partials: same result, one thread per output */
        ax__parallel_for(nout, 1, rows_by_output, d);
        return true;
    }
    ax__parallel_for(nout * d->nseg, PAR_WORK / CHUNK, rows_by_segment, d);
    for (int64_t o = 0; o < nout; o++) {
        char *acc = d->partials + o * d->nseg * (int64_t)ss;
        for (int64_t s = 1; s < d->nseg; s++) d->vt->merge(acc, acc + s * (int64_t)ss);
        int64_t io, oo;
        red_offsets(&p->kept, o, &io, &oo);
        d->vt->store(d->y + oo * (int64_t)d->os, d->ot, acc, 1);
    }
    free(d->partials);
    return true;
}

/* float32 column sums: a block of nr <= COL_ROWS rows (rs bytes apart) adds
 * up in float, 64 columns at a time in registers, and only the block's total
 * goes into the double state: one conversion and one state update per
 * COL_ROWS elements instead of per element. A block's float error is at
 * most (COL_ROWS - 1) ulp of its magnitude, and blocks do not compound. */
#define COL_ROWS 8
WIDE_VECTORS static void sum_f32_rows(double *st, const char *x, int64_t rs, int nr, int64_t K,
                                      bool first) {
    int64_t k = 0;
    for (; k + 64 <= K; k += 64) {
        float a[64];
        const float *p = (const float *)x + k;
        for (int c = 0; c < 64; c++) a[c] = p[c];
        for (int j = 1; j < nr; j++) {
            const float *q = (const float *)(x + j * rs) + k;
            for (int c = 0; c < 64; c++) a[c] += q[c];
        }
        if (first)
            for (int c = 0; c < 64; c++) st[k + c] = a[c];
        else
            for (int c = 0; c < 64; c++) st[k + c] += a[c];
    }
    for (; k < K; k++) {
        float a = ((const float *)x)[k];
        for (int j = 1; j < nr; j++) a += ((const float *)(x + j * rs))[k];
        st[k] = first ? a : st[k] + a;
    }
}

/* Fold reduced rows [r0, r1) of column task t into st (kn states). */
static void cols_fold(const drv *d, int64_t t, int64_t r0, int64_t r1, void *st, int64_t *kn_out,
                      int64_t *oo_out) {
    const red_dims *r = &d->p->red;
    int64_t ko = t / d->nblk, k0 = (t % d->nblk) * COL_BLOCK, io, oo;
    int64_t kn = d->len - k0 < COL_BLOCK ? d->len - k0 : COL_BLOCK;
    red_offsets(&d->outer, ko, &io, &oo);
    const char *x0 = d->x + (io + k0) * (int64_t)d->is;
    red_iter it;
    red_iter_start(&it, r, r0);
    if (d->vt == &vt_sum[0]) { /* float32 sum: blocks of evenly spaced rows */
        bool first = true;
        for (int64_t ri = r0; ri < r1; first = false) {
            const char *p0 = x0 + it.ioff * 4;
            int64_t rs = 0;
            int nr = 1;
            red_iter_next(&it, r);
            for (ri++; nr < COL_ROWS && ri < r1; ri++, nr++, red_iter_next(&it, r)) {
                const char *p = x0 + it.ioff * 4;
                if (nr == 1) rs = p - p0;
                else if (p - p0 != nr * rs) break;
            }
            sum_f32_rows(st, p0, rs, nr, kn, first);
        }
    } else
        for (int64_t ri = r0; ri < r1; ri++, red_iter_next(&it, r))
            d->vt->col(st, x0 + it.ioff * (int64_t)d->is, kn, ri, ri == r0);
    *kn_out = kn;
    *oo_out = oo + k0;
}

static void cols_task(void *ud, int64_t b, int64_t e) {
    const drv *d = ud;
    unsigned char st[COL_BLOCK * STATE_MAX];
    for (int64_t t = b; t < e; t++) {
        int64_t kn, oo;
        cols_fold(d, t, 0, d->p->red.count, st, &kn, &oo);
        d->vt->store(d->y + oo * (int64_t)d->os, d->ot, st, kn);
    }
}

/* Item g = (task, piece): fold one piece of the reduced rows into its partials. */
static void cols_piece_task(void *ud, int64_t b, int64_t e) {
    const drv *d = ud;
    int64_t R = d->p->red.count, per = (R + d->npieces - 1) / d->npieces;
    for (int64_t g = b; g < e; g++) {
        int64_t t = g / d->npieces, pc = g % d->npieces, kn, oo;
        int64_t r0 = pc * per, r1 = r0 + per < R ? r0 + per : R;
        if (r0 < r1)
            cols_fold(d, t, r0, r1, d->partials + g * COL_BLOCK * (int64_t)d->vt->ssize, &kn, &oo);
    }
}

static bool run_cols(drv *d) {
    const red_plan *p = d->p;
    if (!d->vt->col) return false;
    d->len = p->kept.sh[p->kept.n - 1];
    d->outer = p->kept;
    d->outer.n--;
    d->outer.count = p->kept.count / d->len;
    d->nblk = (d->len + COL_BLOCK - 1) / COL_BLOCK;
    int64_t tasks = d->outer.count * d->nblk, R = p->red.count;
    int64_t work = (d->len < COL_BLOCK ? d->len : COL_BLOCK) * R;
    /* Few column tasks over many rows: cut the rows into pieces (a number
     * fixed by the shape, not the thread count) and merge their partials in
     * order. */
    d->npieces = 1;
    if (tasks < 16) {
        int64_t np = work / (4 * PAR_WORK), cap = 256 / tasks;
        d->npieces = np < 1 ? 1 : np > cap ? cap : np;
        if (d->npieces > R) d->npieces = R;
    }
    if (d->npieces > 1) {
        size_t ss = d->vt->ssize;
        d->partials = malloc(ss * COL_BLOCK * (size_t)(tasks * d->npieces));
        if (d->partials) {
            ax__parallel_for(tasks * d->npieces, 1, cols_piece_task, d);
            int64_t per = (R + d->npieces - 1) / d->npieces;
            for (int64_t t = 0; t < tasks; t++) {
                int64_t k0 = (t % d->nblk) * COL_BLOCK, io, oo;
                int64_t kn = d->len - k0 < COL_BLOCK ? d->len - k0 : COL_BLOCK;
                char *acc = d->partials + t * d->npieces * COL_BLOCK * (int64_t)ss;
                for (int64_t pc = 1; pc < d->npieces && pc * per < R; pc++) {
                    const char *q = acc + pc * COL_BLOCK * (int64_t)ss;
                    for (int64_t k = 0; k < kn; k++) d->vt->merge(acc + k * (int64_t)ss, q + k * (int64_t)ss);
                }
                red_offsets(&d->outer, t / d->nblk, &io, &oo);
                d->vt->store(d->y + (oo + k0) * (int64_t)d->os, d->ot, acc, kn);
            }
            free(d->partials);
            return true;
        }
    }
    int64_t grain = PAR_WORK / (work ? work : 1);
    ax__parallel_for(tasks, grain < 1 ? 1 : grain, cols_task, d);
    return true;
}

bool ax__reduce_fast_has(ax_op op, ax_dtype it) {
    return op == AX_OP_SOFTMAX ? it != AX_COMPLEX64 : find_vt(op, it) != NULL;
}

bool ax__reduce_fast(ax_op op, const char *x, ax_dtype it, char *y, ax_dtype ot,
                     const red_plan *p) {
    const red_vt *vt = find_vt(op, it);
    if (!vt) return false;
    drv d = {.vt = vt, .x = x, .y = y, .is = ax_dtype_size(it), .os = ax_dtype_size(ot),
             .ot = ot, .p = p};
    const red_dims *r = &p->red, *k = &p->kept;
    bool row = r->n > 0 && r->ist[r->n - 1] == 1;
    bool col = k->n > 0 && k->ist[k->n - 1] == 1 && k->ost[k->n - 1] == 1;
    /* Short rows beside long contiguous columns: the column walk is better. */
    if (row && (!col || r->sh[r->n - 1] >= 16 || !vt->col)) return run_rows(&d);
    if (col) return run_cols(&d);
    return false;
}

/* ---------------------------------------------------------------- softmax */

typedef struct sm_args {
    const char *x;
    char *y;
    ax_dtype it, ot;
    int64_t len;
    const red_plan *p;
} sm_args;

#if defined(__AVX512F__)
/* One fused pass after the max: y = e^(x - m) and its sum (16 float lanes per
 * 1024 elements, then double), then y *= 1/sum. The next row (x + n and
 * y + n, when rows are back to back) is fetched meanwhile, so the memory is
 * busy while this row computes. */
static void softmax_row_f32(const float *x, float *y, int64_t n) {
    float m;
    max_f32_chunk(&m, (const char *)x, n, 0);
    __m512 vm = _mm512_set1_ps(m);
    double s = 0;
    for (int64_t b = 0; b < n; b += 1024) {
        int64_t nb = n - b < 1024 ? n - b : 1024, i = 0;
        const float *xb = x + b;
        float *yb = y + b;
        __m512 acc = _mm512_setzero_ps();
        for (; i + 16 <= nb; i += 16) {
            __builtin_prefetch(xb + n + i, 0, 3);
            __builtin_prefetch(yb + n + i, 1, 3); /* its output lines too, for writing */
            __m512 e = ew_exp16(_mm512_sub_ps(_mm512_loadu_ps(xb + i), vm));
            _mm512_storeu_ps(yb + i, e);
            acc = _mm512_add_ps(acc, e);
        }
        if (i < nb) {
            __mmask16 k = (__mmask16)((1u << (nb - i)) - 1);
            __m512 e = ew_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, xb + i), vm));
            _mm512_mask_storeu_ps(yb + i, k, e);
            acc = _mm512_add_ps(acc, _mm512_maskz_mov_ps(k, e));
        }
        s += _mm512_reduce_add_ps(acc);
    }
    __m512 inv = _mm512_set1_ps((float)(1.0 / s));
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), inv));
    for (; i < n; i++) y[i] *= (float)(1.0 / s);
}
#else
static void softmax_row_f32(const float *x, float *y, int64_t n) {
    float m;
    max_f32_chunk(&m, (const char *)x, n, 0);
    double s = 0;
    for (int64_t b = 0; b < n; b += 1024) {
        int64_t nb = n - b < 1024 ? n - b : 1024;
        float *yb = y + b;
        if (nb < 128) { /* short rows: inline, no call */
            for (int64_t i = 0; i < nb; i++) yb[i] = exp_f32(x[b + i] - m);
        } else {
            for (int64_t i = 0; i < nb; i++) yb[i] = x[b + i] - m;
            ax__exp_f32_n(yb, yb, nb);
        }
        float l[16] = {0};
        int64_t i = 0;
        for (; i + 16 <= nb; i += 16)
            for (int j = 0; j < 16; j++) l[j] += yb[i + j];
        for (; i < nb; i++) l[0] += yb[i];
        for (int j = 1; j < 16; j++) l[0] += l[j];
        s += l[0];
    }
    float inv = (float)(1.0 / s);
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
}
#endif

static void softmax_row_f64(const double *x, double *y, int64_t n) {
    double m, s = 0;
    max_f64_chunk(&m, (const char *)x, n, 0);
    for (int64_t i = 0; i < n; i++) s += y[i] = exp(x[i] - m);
    for (int64_t i = 0; i < n; i++) y[i] /= s;
}

/* Other dtypes (half floats; integers -> float32) in float, 1024 elements
 * at a time: max, sum of exp, then exp again scaled and converted out. */
static void softmax_row_conv(const char *x, ax_dtype it, char *y, ax_dtype ot, int64_t n) {
    enum { B = 1024 };
    size_t is = ax_dtype_size(it), os = ax_dtype_size(ot);
    float buf[B], m = 0;
    double s = 0;
    for (int64_t b = 0; b < n; b += B) {
        int64_t nb = n - b < B ? n - b : B;
        float cm;
        ax__convert(buf, AX_FLOAT32, x + b * (int64_t)is, it, nb);
        max_f32_chunk(&cm, (const char *)buf, nb, 0);
        m = b == 0 || TAKE_MAX(cm, m) ? cm : m;
    }
    for (int pass = 0; pass < 2; pass++) {
        float inv = (float)(1.0 / s);
        for (int64_t b = 0; b < n; b += B) {
            int64_t nb = n - b < B ? n - b : B;
            ax__convert(buf, AX_FLOAT32, x + b * (int64_t)is, it, nb);
            for (int64_t i = 0; i < nb; i++) buf[i] -= m;
            ax__exp_f32_n(buf, buf, nb);
            if (pass == 0) {
                float l[16] = {0};
                int64_t i = 0;
                for (; i + 16 <= nb; i += 16)
                    for (int j = 0; j < 16; j++) l[j] += buf[i + j];
                for (; i < nb; i++) l[0] += buf[i];
                for (int j = 1; j < 16; j++) l[0] += l[j];
                s += l[0];
            } else {
                for (int64_t i = 0; i < nb; i++) buf[i] *= inv;
                ax__convert(y + b * (int64_t)os, ot, buf, AX_FLOAT32, nb);
            }
        }
    }
}

static void softmax_task(void *ud, int64_t b, int64_t e) {
    const sm_args *a = ud;
    size_t is = ax_dtype_size(a->it), os = ax_dtype_size(a->ot);
    for (int64_t o = b; o < e; o++) {
        int64_t io, oo;
        red_offsets(&a->p->kept, o, &io, &oo);
        const char *x = a->x + io * (int64_t)is;
        char *y = a->y + oo * (int64_t)os;
        if (a->it == AX_FLOAT32 && a->ot == AX_FLOAT32)
            softmax_row_f32((const float *)x, (float *)y, a->len);
        else if (a->it == AX_FLOAT64 && a->ot == AX_FLOAT64)
            softmax_row_f64((const double *)x, (double *)y, a->len);
        else
            softmax_row_conv(x, a->it, y, a->ot, a->len);
    }
}

bool ax__softmax_fast(const char *x, ax_dtype it, char *y, ax_dtype ot, const red_plan *p) {
    const red_dims *r = &p->red;
    /* One contiguous normalized run per output row, in and out. */
    if (r->n != 1 || r->ist[0] != 1 || r->ost[0] != 1 || it == AX_COMPLEX64 ||
        (it != ot && ot != AX_FLOAT32))
        return false;
    sm_args a = {x, y, it, ot, r->sh[0], p};
    int64_t grain = PAR_WORK / a.len;
    ax__parallel_for(p->kept.count, grain < 1 ? 1 : grain, softmax_task, &a);
    return true;
}
