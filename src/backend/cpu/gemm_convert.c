/* Half <-> float32 conversion loops (see gemm_convert.h). float16 uses the
 * F16C instructions when the build targets them (they round to nearest
 * even, as ax_f32_to_f16); bfloat16 is bit arithmetic the compiler
 * vectorizes. */
#include "backend/cpu/gemm_convert.h"

#include <string.h>

#include "backend/cpu/cpu.h"

#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
#define HAVE_F16C 1
#endif

#define CONVERT_GRAIN (1 << 16)

static void f16_to_f32_run(const uint16_t *s, float *d, int64_t n) {
    int64_t i = 0;
#ifdef HAVE_F16C
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
#endif
    for (; i < n; i++) d[i] = ax_f16_to_f32(s[i]);
}

static void f32_to_f16_run(const float *s, uint16_t *d, int64_t n) {
    int64_t i = 0;
#ifdef HAVE_F16C
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(d + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++) d[i] = ax_f32_to_f16(s[i]);
}

static void bf16_to_f32_run(const uint16_t *s, float *d, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)s[i] << 16;
        memcpy(d + i, &u, 4);
    }
}

static void f32_to_bf16_run(const float *s, uint16_t *d, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, s + i, 4);
        bool nan = (u & 0x7fffffffu) > 0x7f800000u;
        /* round to nearest even on the upper 16 bits; NaN stays a quiet NaN */
        uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
        d[i] = nan ? (uint16_t)((u >> 16) | 0x40u) : (uint16_t)r;
    }
}

typedef struct conv_ud {
    const void *src;
    void *dst;
    ax_dtype t;
    bool to_f32;
} conv_ud;

static void conv_task(void *p, int64_t b, int64_t e) {
    const conv_ud *u = p;
    if (u->to_f32) {
        const uint16_t *s = (const uint16_t *)u->src + b;
        float *d = (float *)u->dst + b;
        if (u->t == AX_FLOAT16)
            f16_to_f32_run(s, d, e - b);
        else
            bf16_to_f32_run(s, d, e - b);
    } else {
        const float *s = (const float *)u->src + b;
        uint16_t *d = (uint16_t *)u->dst + b;
        if (u->t == AX_FLOAT16)
            f32_to_f16_run(s, d, e - b);
        else
            f32_to_bf16_run(s, d, e - b);
    }
}

void ax__half_to_f32(const uint16_t *src, ax_dtype t, float *dst, int64_t n) {
    conv_ud u = {src, dst, t, true};
    ax__parallel_for(n, CONVERT_GRAIN, conv_task, &u);
}

void ax__f32_to_half(const float *src, ax_dtype t, uint16_t *dst, int64_t n) {
    conv_ud u = {src, dst, t, false};
    ax__parallel_for(n, CONVERT_GRAIN, conv_task, &u);
}
