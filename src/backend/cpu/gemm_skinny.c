/* float32 C = A B without packing, for narrow B (see gemm_blas.h).
 *
 * With N <= 64 a row of C is at most four AVX-512 vectors, so a tile of 6
 * rows of C stays in 24 registers for a whole block of K while B's rows are
 * read as they are stored (a K-block of B stays in L2) and A's elements are
 * broadcast straight from its rows. BLAS instead packs A first, and for so
 * narrow a B each packed element is used only N times: on 512x512 @ 512x64
 * products the packing took as long as the multiply. The next tile's rows of
 * A are prefetched while this one computes. Each element of C sums its K
 * products in order (in float32), as a plain loop would. */
#include "backend/cpu/gemm_blas.h"

#if defined(__AVX512F__)
#include <immintrin.h>

/* The loops over rows and vectors must unroll fully for the tile to stay in
 * registers: GCC needs telling (else it spills), clang does it unasked (and
 * keeps the tile in memory when told: measured 3-4x slower at N = 20). */
#if defined(__clang__)
#define UNROLL
#else
#define UNROLL _Pragma("GCC unroll 8")
#endif

#define SK_MR 6     /* rows of C per tile */
#define SK_KC 1024  /* K per block: a block of B (<= 256 KiB) stays in L2 */

/* One tile: mr rows x nv vectors of C (the last vector masked by lm), over
 * kc elements of K; `first` starts from zero, else adds to C. pf: the next
 * tile's first row of A at the same k (pf_rows rows), prefetched. */
static inline __attribute__((always_inline)) void tile(const int mr, const int nv, __mmask16 lm,
                                                       const float *a, int64_t lda, const float *b,
                                                       int64_t ldb, float *c, int64_t ldc,
                                                       int64_t kc, bool first, const float *pf,
                                                       int pf_rows) {
    __m512 acc[SK_MR][4];
    UNROLL for (int r = 0; r < mr; r++)
        UNROLL for (int v = 0; v < nv; v++)
            acc[r][v] = first ? _mm512_setzero_ps()
                              : _mm512_maskz_loadu_ps(v == nv - 1 ? lm : 0xffff, c + r * ldc + 16 * v);
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
        /* one cache line of each next row per 16 k */
        for (int r = 0; r < pf_rows; r++) _mm_prefetch((const char *)(pf + r * lda + k0), _MM_HINT_T0);
        int64_t k1 = k0 + 16 < kc ? k0 + 16 : kc;
        for (int64_t k = k0; k < k1; k++) {
            __m512 bv[4];
            UNROLL for (int v = 0; v < nv; v++)
                bv[v] = _mm512_maskz_loadu_ps(v == nv - 1 ? lm : 0xffff, b + k * ldb + 16 * v);
            UNROLL for (int r = 0; r < mr; r++) {
                __m512 x = _mm512_set1_ps(a[r * lda + k]);
                UNROLL for (int v = 0; v < nv; v++)
                    acc[r][v] = _mm512_fmadd_ps(x, bv[v], acc[r][v]);
            }
        }
    }
    UNROLL for (int r = 0; r < mr; r++)
        UNROLL for (int v = 0; v < nv; v++)
            _mm512_mask_storeu_ps(c + r * ldc + 16 * v, v == nv - 1 ? lm : 0xffff, acc[r][v]);
}

typedef void (*tile_fn)(__mmask16, const float *, int64_t, const float *, int64_t, float *, int64_t,
                        int64_t, bool, const float *, int);

#define TILE(mr, nv)                                                                               \
    static void tile_##mr##_##nv(__mmask16 lm, const float *a, int64_t lda, const float *b,        \
                                 int64_t ldb, float *c, int64_t ldc, int64_t kc, bool first,       \
                                 const float *pf, int pf_rows) {                                   \
        tile(mr, nv, lm, a, lda, b, ldb, c, ldc, kc, first, pf, pf_rows);                         \
    }
#define TILES(mr) TILE(mr, 1) TILE(mr, 2) TILE(mr, 3) TILE(mr, 4)
TILES(1)
TILES(2)
TILES(3)
TILES(4)
TILES(5)
TILES(6)
#define ROW(mr) {tile_##mr##_1, tile_##mr##_2, tile_##mr##_3, tile_##mr##_4}
static const tile_fn tiles[SK_MR][4] = {ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6)};

bool ax__gemm_skinny_ok(int64_t M, int64_t N, int64_t K) {
    return N >= AX_GEMM_SKINNY_MIN_N && N <= AX_GEMM_SKINNY_MAX_N && K >= AX_GEMM_SKINNY_MIN_K &&
           (double)M * (double)N * (double)K > AX_GEMM_SKINNY_MIN_MNK;
}

void ax__gemm_skinny_f32(int64_t M, int64_t N, int64_t K, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float *c, int64_t ldc) {
    int nv = (int)((N + 15) / 16);
    __mmask16 lm = (__mmask16)(N % 16 ? (1u << (N % 16)) - 1 : 0xffff);
    for (int64_t k0 = 0; k0 < K; k0 += SK_KC) {
        int64_t kc = K - k0 < SK_KC ? K - k0 : SK_KC;
        for (int64_t i = 0; i < M; i += SK_MR) {
            int mr = (int)(M - i < SK_MR ? M - i : SK_MR);
            int64_t next = M - (i + mr); /* rows after this tile */
            int pf_rows = (int)(next < SK_MR ? next : SK_MR);
            tiles[mr - 1][nv - 1](lm, a + i * lda + k0, lda, b + k0 * ldb, ldb, c + i * ldc, ldc,
                                  kc, k0 == 0, pf_rows ? a + (i + mr) * lda + k0 : a, pf_rows);
        }
    }
}

#else /* no AVX-512: BLAS does these products */

bool ax__gemm_skinny_ok(int64_t M, int64_t N, int64_t K) {
    (void)M;
    (void)N;
    (void)K;
    return false;
}

void ax__gemm_skinny_f32(int64_t M, int64_t N, int64_t K, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float *c, int64_t ldc) {
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++) s += a[i * lda + k] * b[k * ldb + j];
            c[i * ldc + j] = s;
        }
}

#endif
