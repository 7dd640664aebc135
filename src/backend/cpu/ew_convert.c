/* Typed dtype conversions for the elementwise kernels: one loop per (source,
 * destination) pair of bool, the integers, float32 and float64, with the
 * rules of ax__convert (integers wrap; floats to integers truncate,
 * saturate to the target's range, NaN -> 0; anything to bool is != 0).
 * float16/bfloat16 go through float32 where that is exact; the rest falls
 * back to ax__convert. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("-fno-trapping-math")
#endif
#include "backend/cpu/ew_common.h"

typedef void (*conv_fn)(void *d, const void *s, int64_t n);

/* X(dtype, C type, kind): kinds B bool, I signed, U unsigned, F float. The
 * list is written twice because a macro cannot expand itself when nested: A
 * walks the sources, B the destinations. */
#define CONV_TYPES_A(X, ...)                                                        \
    X(AX_BOOL, uint8_t, B, __VA_ARGS__) X(AX_INT8, int8_t, I, __VA_ARGS__)          \
    X(AX_INT16, int16_t, I, __VA_ARGS__) X(AX_INT32, int32_t, I, __VA_ARGS__)       \
    X(AX_INT64, int64_t, I, __VA_ARGS__) X(AX_UINT8, uint8_t, U, __VA_ARGS__)       \
    X(AX_UINT16, uint16_t, U, __VA_ARGS__) X(AX_UINT32, uint32_t, U, __VA_ARGS__)   \
    X(AX_UINT64, uint64_t, U, __VA_ARGS__) X(AX_FLOAT32, float, F, __VA_ARGS__)     \
    X(AX_FLOAT64, double, F, __VA_ARGS__)
#define CONV_TYPES_B(X, ...)                                                        \
    X(AX_BOOL, uint8_t, B, __VA_ARGS__) X(AX_INT8, int8_t, I, __VA_ARGS__)          \
    X(AX_INT16, int16_t, I, __VA_ARGS__) X(AX_INT32, int32_t, I, __VA_ARGS__)       \
    X(AX_INT64, int64_t, I, __VA_ARGS__) X(AX_UINT8, uint8_t, U, __VA_ARGS__)       \
    X(AX_UINT16, uint16_t, U, __VA_ARGS__) X(AX_UINT32, uint32_t, U, __VA_ARGS__)   \
    X(AX_UINT64, uint64_t, U, __VA_ARGS__) X(AX_FLOAT32, float, F, __VA_ARGS__)     \
    X(AX_FLOAT64, double, F, __VA_ARGS__)

/* 2^(bits - 1) and 2^bits of an integer type, as doubles (exact). */
#define HALF_RANGE(T) ((double)((uint64_t)1 << (sizeof(T) * 8 - 1)))
#define FULL_RANGE(T) (2.0 * HALF_RANGE(T))
#define SMAX(T) ((T)(((uint64_t)1 << (sizeof(T) * 8 - 1)) - 1))
#define SMIN(T) ((T)(-SMAX(T) - 1))

/* The converted value of x (source kind SK) as T (destination kind DK). */
#define CV(SK, DK, T, x) CV_##SK##DK(T, x)
#define CV_BB(T, x) (T)((x) != 0)
#define CV_IB(T, x) (T)((x) != 0)
#define CV_UB(T, x) (T)((x) != 0)
#define CV_FB(T, x) (T)((x) != 0)
#define CV_BI(T, x) (T)(x)
#define CV_II(T, x) (T)(x)
#define CV_UI(T, x) (T)(x)
#define CV_BU(T, x) (T)(x)
#define CV_IU(T, x) (T)(x)
#define CV_UU(T, x) (T)(x)
#define CV_BF(T, x) (T)(x)
#define CV_IF(T, x) (T)(x)
#define CV_UF(T, x) (T)(x)
#define CV_FF(T, x) (T)(x)
#define CV_FI(T, x)                                                                 \
    ((x) != (x) ? (T)0                                                              \
     : (double)(x) >= HALF_RANGE(T) ? SMAX(T)                                       \
     : (double)(x) <= -HALF_RANGE(T) ? SMIN(T)                                      \
                                     : (T)(x))
#define CV_FU(T, x)                                                                 \
    (!((x) > 0) ? (T)0 : (double)(x) >= FULL_RANGE(T) ? (T)~(T)0 : (T)(x))

#define DEF_CONV_TO(DDT, DT_, DK, SDT, ST, SK)                                      \
    static void conv_##SDT##_##DDT(void *d_, const void *s_, int64_t n) {           \
        DT_ *d = d_;                                                                \
        const ST *s = s_;                                                           \
        for (int64_t i = 0; i < n; i++) d[i] = CV(SK, DK, DT_, s[i]);               \
    }
#define DEF_CONV_FROM(SDT, ST, SK, unused) CONV_TYPES_B(DEF_CONV_TO, SDT, ST, SK)
CONV_TYPES_A(DEF_CONV_FROM, 0)

static conv_fn table[AX_DTYPE_COUNT][AX_DTYPE_COUNT];

static void fill_table(void) {
#define REG_TO(DDT, DT_, DK, SDT, ST, SK) table[SDT][DDT] = conv_##SDT##_##DDT;
#define REG_FROM(SDT, ST, SK, unused) CONV_TYPES_B(REG_TO, SDT, ST, SK)
    CONV_TYPES_A(REG_FROM, 0)
}

void ax__ew_convert_init(void) { fill_table(); }

static bool is_half(ax_dtype t) { return t == AX_FLOAT16 || t == AX_BFLOAT16; }

void ax__ew_convert(void *dst, ax_dtype dt, const void *src, ax_dtype st, int64_t n) {
    if (dt == st) {
        memmove(dst, src, (size_t)n * ax_dtype_size(dt));
        return;
    }
    conv_fn f = table[st][dt];
    if (f) {
        f(dst, src, n);
        return;
    }
    /* halves: exact through float32 (f16/bf16 -> anything float32 converts
     * to; float32 -> f16/bf16 rounds once) */
    if (is_half(st) && (dt == AX_FLOAT32 || table[AX_FLOAT32][dt])) {
        _Alignas(64) float tmp[EW_CHUNK];
        size_t dsz = ax_dtype_size(dt);
        for (int64_t off = 0; off < n; off += EW_CHUNK) {
            int64_t m = n - off < EW_CHUNK ? n - off : EW_CHUNK;
            if (dt == AX_FLOAT32) {
                ew_half_to_f32((float *)dst + off, (const uint16_t *)src + off, m, st);
                continue;
            }
            ew_half_to_f32(tmp, (const uint16_t *)src + off, m, st);
            table[AX_FLOAT32][dt]((char *)dst + off * (int64_t)dsz, tmp, m);
        }
        return;
    }
    if (st == AX_FLOAT32 && is_half(dt)) {
        ew_f32_to_half(dst, src, n, dt);
        return;
    }
    ax__convert(dst, dt, src, st, n);
}
