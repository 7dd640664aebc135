/* Fast SORT (values) of float32, int32, float64 and int64 on AVX-512: a
 * vectorized quicksort (16 32-bit or 8 64-bit lanes), one template
 * (sort_simd_tmpl.h) instantiated per type. Written for ax from the
 * published ideas (no code taken from other projects):
 *  - first pass: the copy into the output is the first partition (out of
 *    place), or with several threads a bucket pass (per-chunk counts, then
 *    compress-store scatter), noting NaN / -0.0 on the way;
 *  - partition (in place): lanes compared with the pivot, each side written
 *    with compress-stores to a left / right write front; 8 vectors at each
 *    end wait in registers so the fronts never overrun unread data (the side
 *    with less free room is read next);
 *  - pivot: median of 16 evenly spaced samples (1024 for the buckets); a
 *    range whose pivot is its minimum is split into (== pivot) and
 *    (> pivot), so runs of equal values end the recursion;
 *  - ranges of <= 256 (32-bit) / 128 (64-bit) elements: bitonic networks in
 *    registers (the 16-register one in a transposed layout);
 *  - recursion depth above 2 log2(n) + 4: heapsort (worst case n log n).
 * Floats are compared as floats. To give exactly the stable reference
 * result (NumPy's order: NaN last, -0.0 == 0.0, equal elements in input
 * order), NaNs are moved to the end in input order before the sort, and when
 * the line holds a -0.0 the run of zeros is rewritten afterwards with the
 * zeros in input order. So the output equals the reference bit for bit
 * although the quicksort is not stable.
 *
 * Built only when the compiler targets AVX-512F (-march=native on such a
 * machine); elsewhere ax__cpu_sort_simd returns false and the radix sort
 * (sort_radix.c) runs. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_impl.h"

#if defined(__AVX512F__)
#include <immintrin.h>

enum { SIMD_PAR_N = 1 << 17, SIMD_MAX_TASKS = 64, SIMD_MAX_BUCKETS = 8 };

static int depth_limit(int64_t n) {
    int d = 4;
    while (n > 1) n >>= 1, d += 2;
    return d;
}

/* Lane i <- lane i ^ x (x a constant after inlining): in-lane shuffles where
 * they reach, else a full permute. */
static inline __attribute__((always_inline)) __m512i xperm32(__m512i v, int x) {
    switch (x) {
    case 1: return _mm512_shuffle_epi32(v, _MM_PERM_CDAB);
    case 2: return _mm512_shuffle_epi32(v, _MM_PERM_BADC);
    case 3: return _mm512_shuffle_epi32(v, _MM_PERM_ABCD);
    case 4: return _mm512_shuffle_i32x4(v, v, 0xB1);
    case 8: return _mm512_shuffle_i32x4(v, v, 0x4E);
    default:
        return _mm512_permutexvar_epi32(
            _mm512_xor_si512(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                             _mm512_set1_epi32(x)),
            v);
    }
}
static inline __attribute__((always_inline)) __m512i xperm64(__m512i v, int x) {
    switch (x) {
    case 1: return _mm512_shuffle_epi32(v, _MM_PERM_BADC);
    case 2: return _mm512_shuffle_i64x2(v, v, 0xB1);
    case 4: return _mm512_shuffle_i64x2(v, v, 0x4E);
    default:
        return _mm512_permutexvar_epi64(
            _mm512_xor_si512(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi64(x)), v);
    }
}

/* Float vector ops on __m512i (casts are free). */
#define PS(v) _mm512_castsi512_ps(v)
#define PD(v) _mm512_castsi512_pd(v)
static inline __m512i min_f32(__m512i a, __m512i b) { return _mm512_castps_si512(_mm512_min_ps(PS(a), PS(b))); }
static inline __m512i max_f32(__m512i a, __m512i b) { return _mm512_castps_si512(_mm512_max_ps(PS(a), PS(b))); }
static inline __m512i mask_max_f32(__m512i s, __mmask16 m, __m512i a, __m512i b) {
    return _mm512_castps_si512(_mm512_mask_max_ps(PS(s), m, PS(a), PS(b)));
}
static inline __mmask16 lt_f32(__m512i a, __m512i b) { return _mm512_cmp_ps_mask(PS(a), PS(b), _CMP_LT_OQ); }
static inline __mmask16 le_f32(__m512i a, __m512i b) { return _mm512_cmp_ps_mask(PS(a), PS(b), _CMP_LE_OQ); }
static inline __mmask16 isnan_f32(__m512i a) { return _mm512_cmp_ps_mask(PS(a), PS(a), _CMP_UNORD_Q); }
static inline __mmask16 isnegz_f32(__m512i a) {
    return _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32((int32_t)0x80000000u));
}
static inline __m512i set1_f32(float x) { return _mm512_castps_si512(_mm512_set1_ps(x)); }
static inline __m512i min_f64(__m512i a, __m512i b) { return _mm512_castpd_si512(_mm512_min_pd(PD(a), PD(b))); }
static inline __m512i max_f64(__m512i a, __m512i b) { return _mm512_castpd_si512(_mm512_max_pd(PD(a), PD(b))); }
static inline __m512i mask_max_f64(__m512i s, __mmask8 m, __m512i a, __m512i b) {
    return _mm512_castpd_si512(_mm512_mask_max_pd(PD(s), m, PD(a), PD(b)));
}
static inline __mmask8 lt_f64(__m512i a, __m512i b) { return _mm512_cmp_pd_mask(PD(a), PD(b), _CMP_LT_OQ); }
static inline __mmask8 le_f64(__m512i a, __m512i b) { return _mm512_cmp_pd_mask(PD(a), PD(b), _CMP_LE_OQ); }
static inline __mmask8 isnan_f64(__m512i a) { return _mm512_cmp_pd_mask(PD(a), PD(a), _CMP_UNORD_Q); }
static inline __mmask8 isnegz_f64(__m512i a) {
    return _mm512_cmpeq_epi64_mask(a, _mm512_set1_epi64((int64_t)0x8000000000000000ull));
}
static inline __m512i set1_f64(double x) { return _mm512_castpd_si512(_mm512_set1_pd(x)); }

/* 32-bit types: 16 lanes. */
#define UT uint32_t
#define LANES 16
#define MASK __mmask16
#define FULL_MASK 0xFFFFu
#define LANES_WITH_BIT(j) ((j) == 1 ? 0xAAAAu : (j) == 2 ? 0xCCCCu : (j) == 4 ? 0xF0F0u : (j) == 8 ? 0xFF00u : 0u)
#define V_XPERM xperm32
#define V_MASK_LOADU _mm512_mask_loadu_epi32
#define V_MASK_STOREU _mm512_mask_storeu_epi32
#define V_MASK_MOV _mm512_mask_mov_epi32
#define V_MASKZ_LOADU _mm512_maskz_loadu_epi32
#define V_COMPRESS _mm512_mask_compressstoreu_epi32
#define SMALL_N 256
#define PAR_SAMPLES 256
#define SIGN_BITS 0x80000000u
#define ABS_BITS 0x7fffffffu
#define INF_BITS 0x7f800000u

#define T int32_t
#define SFX(name) name##_i32
#define IS_FLOAT 0
#define V_SET1 _mm512_set1_epi32
#define V_MIN _mm512_min_epi32
#define V_MAX _mm512_max_epi32
#define V_MASK_MAX _mm512_mask_max_epi32
#define V_CMPLT _mm512_cmplt_epi32_mask
#define V_CMPLE _mm512_cmple_epi32_mask
#define T_MAX INT32_MAX
#include "backend/cpu/sort_simd_tmpl.h"

#define T float
#define SFX(name) name##_f32
#define IS_FLOAT 1
#define V_SET1 set1_f32
#define V_MIN min_f32
#define V_MAX max_f32
#define V_MASK_MAX mask_max_f32
#define V_CMPLT lt_f32
#define V_CMPLE le_f32
#define V_ISNAN isnan_f32
#define V_ISNEGZ isnegz_f32
#define T_MAX INFINITY
#include "backend/cpu/sort_simd_tmpl.h"

#include "backend/cpu/sort_simd_width_end.h"

/* 64-bit types: 8 lanes. */
#define UT uint64_t
#define LANES 8
#define MASK __mmask8
#define FULL_MASK 0xFFu
#define LANES_WITH_BIT(j) ((j) == 1 ? 0xAAu : (j) == 2 ? 0xCCu : (j) == 4 ? 0xF0u : 0u)
#define V_XPERM xperm64
#define V_MASK_LOADU _mm512_mask_loadu_epi64
#define V_MASK_STOREU _mm512_mask_storeu_epi64
#define V_MASK_MOV _mm512_mask_mov_epi64
#define V_MASKZ_LOADU _mm512_maskz_loadu_epi64
#define V_COMPRESS _mm512_mask_compressstoreu_epi64
#define SMALL_N 128
#define PAR_SAMPLES 128
#define SIGN_BITS 0x8000000000000000ull
#define ABS_BITS 0x7fffffffffffffffull
#define INF_BITS 0x7ff0000000000000ull

#define T int64_t
#define SFX(name) name##_i64
#define IS_FLOAT 0
#define V_SET1 _mm512_set1_epi64
#define V_MIN _mm512_min_epi64
#define V_MAX _mm512_max_epi64
#define V_MASK_MAX _mm512_mask_max_epi64
#define V_CMPLT _mm512_cmplt_epi64_mask
#define V_CMPLE _mm512_cmple_epi64_mask
#define T_MAX INT64_MAX
#include "backend/cpu/sort_simd_tmpl.h"

#define T double
#define SFX(name) name##_f64
#define IS_FLOAT 1
#define V_SET1 set1_f64
#define V_MIN min_f64
#define V_MAX max_f64
#define V_MASK_MAX mask_max_f64
#define V_CMPLT lt_f64
#define V_CMPLE le_f64
#define V_ISNAN isnan_f64
#define V_ISNEGZ isnegz_f64
#define T_MAX INFINITY
#include "backend/cpu/sort_simd_tmpl.h"

#include "backend/cpu/sort_simd_width_end.h"
#undef PS
#undef PD

typedef struct simd_job {
    const ax_array *x;
    ax_array *y;
    sort_lines L;
    int slots;
    void **buf; /* one per slot (NULL when the output lines are contiguous) */
} simd_job;

static void simd_line(const simd_job *j, int64_t io, int64_t oo, void *buf, int tasks) {
    const char *x = ax__ptr(j->x);
    char *y = ax__ptr(j->y);
    int64_t n = j->L.n, xs = j->L.istride, ys = j->L.ostride;
    switch (j->x->dtype) {
    case AX_FLOAT32: line_f32(x + 4 * io, xs, y + 4 * oo, ys, n, buf, tasks); break;
    case AX_INT32: line_i32(x + 4 * io, xs, y + 4 * oo, ys, n, buf, tasks); break;
    case AX_FLOAT64: line_f64(x + 8 * io, xs, y + 8 * oo, ys, n, buf, tasks); break;
    default: line_i64(x + 8 * io, xs, y + 8 * oo, ys, n, buf, tasks); break;
    }
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
