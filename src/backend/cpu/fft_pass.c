/* FFT radix passes (layout in fft_impl.h). Each pass is written once as a
 * macro over a "complex vector" type: V holds FFT_W complex values (AVX-512
 * / AVX2 / SSE widths through GCC vector extensions; the compiler lowers
 * them on other targets), S holds one. Passes with ido >= FFT_W run vectors
 * along i (contiguous loads and stores, twiddles contiguous); the last pass
 * (ido == 1, no twiddles) runs vectors along k (gathered loads, contiguous
 * stores); what is left over runs with S. Radix 3, 5 and 7 share one body
 * with constant tables that the compiler unrolls; other odd primes use a
 * generic O(p^2) body with tables from the plan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/fft_impl.h"

#if defined(__AVX__)
#define FFT_VB 32
#else
#define FFT_VB 16
#endif
#define FFT_W (FFT_VB / 8)

#define AI static inline __attribute__((always_inline))

typedef float V __attribute__((vector_size(FFT_VB)));
typedef int32_t VI __attribute__((vector_size(FFT_VB)));
typedef float S __attribute__((vector_size(8)));
typedef int32_t SI __attribute__((vector_size(8)));

#if FFT_VB == 32
#define V_SWAP 1, 0, 3, 2, 5, 4, 7, 6
#define V_RE 0, 0, 2, 2, 4, 4, 6, 6
#define V_IM 1, 1, 3, 3, 5, 5, 7, 7
#define V_SGN -1.f, 1.f, -1.f, 1.f, -1.f, 1.f, -1.f, 1.f
#else
#define V_SWAP 1, 0, 3, 2
#define V_RE 0, 0, 2, 2
#define V_IM 1, 1, 3, 3
#define V_SGN -1.f, 1.f, -1.f, 1.f
#endif

/* Lane shuffles with constant indices into the concatenation of a and b:
 * __builtin_shufflevector where the compiler has it (clang, GCC >= 12), else
 * GCC's __builtin_shuffle with a mask vector of type MT. */
#if defined(__clang__) || __GNUC__ >= 12
#define SHUF(MT, a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SHUF(MT, a, b, ...) __builtin_shuffle(a, b, (MT){__VA_ARGS__})
#endif

int ax__fft_simd_width(void) { return FFT_W; }

/* ---------------------------------------------------------------- helpers */

AI V V_ld(const ax_c64 *p) {
    V v;
    memcpy(&v, p, sizeof v);
    return v;
}
AI void V_st(ax_c64 *p, V v) { memcpy(p, &v, sizeof v); }
AI V V_gather(const ax_c64 *p, int64_t stride) {
    ax_c64 t[FFT_W];
    for (int i = 0; i < FFT_W; i++) t[i] = p[i * stride];
    return V_ld(t);
}
AI V V_bc(float x) { return (V){0} + x; }
AI V V_zero(void) { return (V){0}; }
/* a * w (complex) */
AI V V_mul(V a, V w) {
    V wr = SHUF(VI, w, w, V_RE), wi = SHUF(VI, w, w, V_IM);
    return wr * a + wi * SHUF(VI, a, a, V_SWAP) * (V){V_SGN};
}
/* a * (sign * i): sign > 0 gives i * a = (-im, re), sign < 0 gives (im, -re). */
AI V V_rot(V a, int sign) {
    V s = (V){V_SGN};
    return SHUF(VI, a, a, V_SWAP) * (sign > 0 ? s : -s);
}

AI S S_ld(const ax_c64 *p) {
    S v;
    memcpy(&v, p, sizeof v);
    return v;
}
AI void S_st(ax_c64 *p, S v) { memcpy(p, &v, sizeof v); }
AI S S_gather(const ax_c64 *p, int64_t stride) { (void)stride; return S_ld(p); }
AI S S_bc(float x) { return (S){x, x}; }
AI S S_zero(void) { return (S){0, 0}; }
AI S S_mul(S a, S w) {
    return (S){a[0] * w[0] - a[1] * w[1], a[0] * w[1] + a[1] * w[0]};
}
AI S S_rot(S a, int sign) { return sign > 0 ? (S){-a[1], a[0]} : (S){a[1], -a[0]}; }

/* cos / sin of 2 pi t / p for the unrolled odd radices. */
static const float C3[3] = {1.f, -0.5f, -0.5f};
static const float S3[3] = {0.f, 0.86602540378443864676f, -0.86602540378443864676f};
static const float C5[5] = {1.f, 0.30901699437494742410f, -0.80901699437494742410f,
                            -0.80901699437494742410f, 0.30901699437494742410f};
static const float S5[5] = {0.f, 0.95105651629515357212f, 0.58778525229247312917f,
                            -0.58778525229247312917f, -0.95105651629515357212f};
static const float C7[7] = {1.f, 0.62348980185873353053f, -0.22252093395631440429f,
                            -0.90096886790241912624f, -0.90096886790241912624f,
                            -0.22252093395631440429f, 0.62348980185873353053f};
static const float S7[7] = {0.f, 0.78183148246802980871f, 0.97492791218182360702f,
                            0.43388373911755812048f, -0.43388373911755812048f,
                            -0.97492791218182360702f, -0.78183148246802980871f};

/* ---------------------------------------------------------------- butterflies */

/* y = DFT_p(x) with exponent sign `sign`, p in {2, 3, 4, 5, 7, 8} (constant
 * after inlining). x and y may be the same array. */
#define DEFINE_BFLY(T)                                                                 \
    AI void T##_bfly4(int sign, T *x, T *y) {                                          \
        T t0 = x[0] + x[2], t1 = x[0] - x[2], t2 = x[1] + x[3];                        \
        T t3 = T##_rot(x[1] - x[3], sign);                                             \
        y[0] = t0 + t2;                                                                \
        y[2] = t0 - t2;                                                                \
        y[1] = t1 + t3;                                                                \
        y[3] = t1 - t3;                                                                \
    }                                                                                  \
    AI void T##_bfly(int p, int sign, T *x, T *y) {                                    \
        if (p == 2) {                                                                  \
            T a = x[0] + x[1], b = x[0] - x[1];                                        \
            y[0] = a;                                                                  \
            y[1] = b;                                                                  \
            return;                                                                    \
        }                                                                              \
        if (p == 4) {                                                                  \
            T##_bfly4(sign, x, y);                                                     \
            return;                                                                    \
        }                                                                              \
        if (p == 8) { /* two radix-4 halves joined by exp(sign i pi m / 4) */          \
            T e[4] = {x[0], x[2], x[4], x[6]}, o[4] = {x[1], x[3], x[5], x[7]};        \
            T##_bfly4(sign, e, e);                                                     \
            T##_bfly4(sign, o, o);                                                     \
            const float r = 0.70710678118654752440f;                                   \
            T o1 = (o[1] + T##_rot(o[1], sign)) * T##_bc(r);                           \
            T o2 = T##_rot(o[2], sign);                                                \
            T o3 = (T##_rot(o[3], sign) - o[3]) * T##_bc(r);                           \
            y[0] = e[0] + o[0];                                                        \
            y[4] = e[0] - o[0];                                                        \
            y[1] = e[1] + o1;                                                          \
            y[5] = e[1] - o1;                                                          \
            y[2] = e[2] + o2;                                                          \
            y[6] = e[2] - o2;                                                          \
            y[3] = e[3] + o3;                                                          \
            y[7] = e[3] - o3;                                                          \
            return;                                                                    \
        }                                                                              \
        const float *cs = p == 3 ? C3 : p == 5 ? C5 : C7;                              \
        const float *sn = p == 3 ? S3 : p == 5 ? S5 : S7;                              \
        int h = (p - 1) / 2;                                                           \
        T sm[3], df[3], x0 = x[0], y0 = x[0];                                          \
        for (int j = 1; j <= h; j++) {                                                 \
            sm[j - 1] = x[j] + x[p - j];                                               \
            df[j - 1] = x[j] - x[p - j];                                               \
            y0 += sm[j - 1];                                                           \
        }                                                                              \
        for (int m = 1; m <= h; m++) {                                                 \
            T a = x0, b = T##_zero();                                                  \
            for (int j = 1; j <= h; j++) {                                             \
                int t = (j * m) % p;                                                   \
                a += sm[j - 1] * T##_bc(cs[t]);                                        \
                b += df[j - 1] * T##_bc(sn[t]);                                        \
            }                                                                          \
            b = T##_rot(b, sign);                                                      \
            y[m] = a + b;                                                              \
            y[p - m] = a - b;                                                          \
        }                                                                              \
        y[0] = y0;                                                                     \
    }

DEFINE_BFLY(V)
DEFINE_BFLY(S)

/* ---------------------------------------------------------------- passes */

/* Vectors along i: k in [k0, k1), i in [i0, i1) (a multiple of the width). */
#define DEFINE_PASS_I(T, WIDTH)                                                        \
    AI void T##_pass_i(int p, int sign, int64_t ido, int64_t l1, int64_t k0, int64_t k1,  \
                       int64_t i0, int64_t i1, const ax_c64 *cc, ax_c64 *ch,          \
                       const ax_c64 *tw) {                                             \
        for (int64_t k = k0; k < k1; k++)                                              \
            for (int64_t i = i0; i < i1; i += WIDTH) {                                 \
                T x[8];                                                                \
                for (int j = 0; j < p; j++) x[j] = T##_ld(cc + i + ido * (j + p * k));  \
                T##_bfly(p, sign, x, x);                                               \
                T##_st(ch + i + ido * k, x[0]);                                        \
                for (int m = 1; m < p; m++) {                                          \
                    T y = tw ? T##_mul(x[m], T##_ld(tw + (m - 1) * ido + i)) : x[m];    \
                    T##_st(ch + i + ido * (k + l1 * m), y);                            \
                }                                                                      \
            }                                                                          \
    }
DEFINE_PASS_I(V, FFT_W)
DEFINE_PASS_I(S, 1)

#if FFT_VB == 32
/* 4 x 4 transpose of complex values (64-bit lanes) */
typedef double VD __attribute__((vector_size(32)));
typedef long long VL __attribute__((vector_size(32)));
AI void V_tr4(V *a, V *b, V *c, V *d) {
    VD t0 = SHUF(VL, (VD)*a, (VD)*b, 0, 4, 2, 6);
    VD t1 = SHUF(VL, (VD)*a, (VD)*b, 1, 5, 3, 7);
    VD t2 = SHUF(VL, (VD)*c, (VD)*d, 0, 4, 2, 6);
    VD t3 = SHUF(VL, (VD)*c, (VD)*d, 1, 5, 3, 7);
    *a = (V)SHUF(VL, t0, t2, 0, 1, 4, 5);
    *b = (V)SHUF(VL, t1, t3, 0, 1, 4, 5);
    *c = (V)SHUF(VL, t0, t2, 2, 3, 6, 7);
    *d = (V)SHUF(VL, t1, t3, 2, 3, 6, 7);
}
#endif

/* Load x[j] = (cc[j + p * (k + t)])_t for t < FFT_W: contiguous loads and a
 * transpose where the width and radix allow, else a gather. */
AI void V_load_k(int p, const ax_c64 *c, V *x) {
#if FFT_VB == 32
    if (p == 4) {
        for (int r = 0; r < 4; r++) x[r] = V_ld(c + 4 * r);
        V_tr4(&x[0], &x[1], &x[2], &x[3]);
        return;
    }
    if (p == 8) {
        V l[8];
        for (int r = 0; r < 8; r++) l[r] = V_ld(c + 4 * r);
        V_tr4(&l[0], &l[2], &l[4], &l[6]);
        V_tr4(&l[1], &l[3], &l[5], &l[7]);
        x[0] = l[0], x[1] = l[2], x[2] = l[4], x[3] = l[6];
        x[4] = l[1], x[5] = l[3], x[6] = l[5], x[7] = l[7];
        return;
    }
    if (p == 2) {
        VD a = (VD)V_ld(c), b = (VD)V_ld(c + 4);
        x[0] = (V)SHUF(VL, a, b, 0, 2, 4, 6);
        x[1] = (V)SHUF(VL, a, b, 1, 3, 5, 7);
        return;
    }
#endif
    for (int j = 0; j < p; j++) x[j] = V_gather(c + j, p);
}

/* ido == 1: vectors along k in [k0, k1) (a multiple of the width). */
AI void V_pass_k(int p, int sign, int64_t l1, int64_t k0, int64_t k1, const ax_c64 *cc,
                 ax_c64 *ch) {
    for (int64_t k = k0; k < k1; k += FFT_W) {
        V x[8];
        V_load_k(p, cc + p * k, x);
        V_bfly(p, sign, x, x);
        for (int m = 0; m < p; m++) V_st(ch + k + l1 * m, x[m]);
    }
}

/* Generic odd prime p: O(p^2) per butterfly, tables from the plan. */
#define DEFINE_PASS_G(T, WIDTH)                                                        \
    static void T##_pass_g(const ax_fft_pass *ps, int sign, int64_t k0, int64_t k1,    \
                           int64_t i0, int64_t i1, const ax_c64 *cc, ax_c64 *ch,       \
                           T *tmp) {                                                   \
        int p = ps->p, h = (p - 1) / 2;                                                \
        int64_t ido = ps->ido, l1 = ps->l1;                                            \
        T *sm = tmp, *df = tmp + h;                                                    \
        for (int64_t k = k0; k < k1; k++)                                              \
            for (int64_t i = i0; i < i1; i += WIDTH) {                                 \
                T x0 = T##_ld(cc + i + ido * p * k), y0 = x0;                          \
                for (int j = 1; j <= h; j++) {                                         \
                    T a = T##_ld(cc + i + ido * (j + p * k));                          \
                    T b = T##_ld(cc + i + ido * (p - j + p * k));                      \
                    sm[j - 1] = a + b;                                                 \
                    df[j - 1] = a - b;                                                 \
                    y0 += sm[j - 1];                                                   \
                }                                                                      \
                T##_st(ch + i + ido * k, y0);                                          \
                for (int m = 1; m <= h; m++) {                                         \
                    T a = x0, b = T##_zero();                                          \
                    int t = 0;                                                         \
                    for (int j = 1; j <= h; j++) {                                     \
                        t += m;                                                        \
                        if (t >= p) t -= p;                                            \
                        a += sm[j - 1] * T##_bc(ps->gcos[t]);                          \
                        b += df[j - 1] * T##_bc(ps->gsin[t]);                          \
                    }                                                                  \
                    b = T##_rot(b, 1); /* gsin carries the sign */                     \
                    T u = a + b, v = a - b;                                            \
                    if (ps->tw) {                                                      \
                        u = T##_mul(u, T##_ld(ps->tw + (m - 1) * ido + i));            \
                        v = T##_mul(v, T##_ld(ps->tw + (p - m - 1) * ido + i));        \
                    }                                                                  \
                    T##_st(ch + i + ido * (k + l1 * m), u);                            \
                    T##_st(ch + i + ido * (k + l1 * (p - m)), v);                      \
                }                                                                      \
            }                                                                          \
    }
DEFINE_PASS_G(V, FFT_W)
DEFINE_PASS_G(S, 1)

/* ---------------------------------------------------------------- dispatch */

/* Specialize the inlined bodies on (p, sign). */
#define FOR_RADIX(CALL)                                                                \
    do {                                                                               \
        if (sign < 0) {                                                                \
            switch (p) {                                                               \
            case 2: CALL(2, -1); break;                                                \
            case 3: CALL(3, -1); break;                                                \
            case 4: CALL(4, -1); break;                                                \
            case 5: CALL(5, -1); break;                                                \
            case 8: CALL(8, -1); break;                                                \
            default: CALL(7, -1); break;                                               \
            }                                                                          \
        } else {                                                                       \
            switch (p) {                                                               \
            case 2: CALL(2, 1); break;                                                 \
            case 3: CALL(3, 1); break;                                                 \
            case 4: CALL(4, 1); break;                                                 \
            case 5: CALL(5, 1); break;                                                 \
            case 8: CALL(8, 1); break;                                                 \
            default: CALL(7, 1); break;                                                \
            }                                                                          \
        }                                                                              \
    } while (0)

/* The part of a pass for k in [k0, k1) and i in [i0, i1). */
static void pass_range(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch,
                       int64_t k0, int64_t k1, int64_t i0, int64_t i1) {
    int p = ps->p;
    int64_t ido = ps->ido, l1 = ps->l1;
    const ax_c64 *tw = ps->tw;
    if (p == 2 || p == 3 || p == 4 || p == 5 || p == 7 || p == 8) {
        if (ido == 1) {
            int64_t kv = k0 + (k1 - k0) / FFT_W * FFT_W;
#define CALL_K(P, SG)                                                                  \
    V_pass_k(P, SG, l1, k0, kv, cc, ch);                                               \
    S_pass_i(P, SG, 1, l1, kv, k1, 0, 1, cc, ch, NULL)
            FOR_RADIX(CALL_K);
#undef CALL_K
            return;
        }
        int64_t iv = i0 + (i1 - i0) / FFT_W * FFT_W;
#define CALL_I(P, SG)                                                                  \
    V_pass_i(P, SG, ido, l1, k0, k1, i0, iv, cc, ch, tw);                              \
    if (iv < i1) S_pass_i(P, SG, ido, l1, k0, k1, iv, i1, cc, ch, tw)
        FOR_RADIX(CALL_I);
#undef CALL_I
        return;
    }
    /* generic odd prime */
    int h = (p - 1) / 2;
    void *tmp = aligned_alloc(64, ((size_t)(2 * h) * sizeof(V) + 63) / 64 * 64);
    if (!tmp) { /* keep going on the stack, one complex at a time */
        S stmp[2 * 64];
        if (h <= 64) S_pass_g(ps, sign, k0, k1, i0, i1, cc, ch, stmp);
        return;
    }
    int64_t iv = i0 + (i1 - i0) / FFT_W * FFT_W;
    V_pass_g(ps, sign, k0, k1, i0, iv, cc, ch, (V *)tmp);
    if (iv < i1) S_pass_g(ps, sign, k0, k1, iv, i1, cc, ch, (S *)tmp);
    free(tmp);
}

typedef struct pass_job {
    const ax_fft_pass *ps;
    int sign;
    const ax_c64 *cc;
    ax_c64 *ch;
    bool split_k;
    int64_t unit; /* i units are multiples of FFT_W */
} pass_job;

static void pass_task(void *ud, int64_t b, int64_t e) {
    const pass_job *j = ud;
    const ax_fft_pass *ps = j->ps;
    if (j->split_k) {
        pass_range(ps, j->sign, j->cc, j->ch, b * j->unit,
                   e * j->unit < ps->l1 ? e * j->unit : ps->l1, 0, ps->ido);
    } else {
        int64_t i0 = b * j->unit, i1 = e * j->unit;
        pass_range(ps, j->sign, j->cc, j->ch, 0, ps->l1, i0, i1 < ps->ido ? i1 : ps->ido);
    }
}

void ax__fft_run_pass(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch, bool par) {
    int64_t n = ps->ido * ps->l1 * ps->p;
    int nt = par ? ax__num_threads() : 1;
    if (nt <= 1 || n < AX_FFT_PAR_MIN) {
        pass_range(ps, sign, cc, ch, 0, ps->l1, 0, ps->ido);
        return;
    }
    pass_job j = {.ps = ps, .sign = sign, .cc = cc, .ch = ch};
    /* Split along k when there are enough k (or ido is too short for
     * vectors to split), else along i in multiples of the vector width. */
    if (ps->l1 >= 4 * nt || ps->ido < 4 * FFT_W * nt) {
        j.split_k = true;
        j.unit = FFT_W; /* keeps the k-vector path's blocks whole */
        int64_t units = (ps->l1 + FFT_W - 1) / FFT_W;
        int64_t per = n / (ps->l1 ? ps->l1 : 1) * FFT_W; /* elements per unit */
        int64_t grain = 8192 / (per ? per : 1);
        ax__parallel_for(units, grain < 1 ? 1 : grain, pass_task, &j);
    } else {
        j.split_k = false;
        j.unit = FFT_W;
        int64_t units = (ps->ido + FFT_W - 1) / FFT_W;
        int64_t per = ps->l1 * ps->p * FFT_W;
        int64_t grain = 8192 / (per ? per : 1);
        ax__parallel_for(units, grain < 1 ? 1 : grain, pass_task, &j);
    }
}

/* ---------------------------------------------------------------- column blocks */

/* A block of transforms stored element-major: element e of every transform
 * sits in nv consecutive vectors at cc + e * nv * FFT_W (FFT_W * nv
 * neighbouring columns of a non-last axis). Every pass vectorizes across
 * the columns, whatever its ido, with the twiddle broadcast to all lanes. */
AI V V_bcc(ax_c64 w) {
    V v;
    for (int i = 0; i < FFT_W; i++) v[2 * i] = w.re, v[2 * i + 1] = w.im;
    return v;
}

AI void C_pass(int p, int sign, int64_t ido, int64_t l1, const ax_c64 *cc, ax_c64 *ch,
               const ax_c64 *tw, int nv) {
    int64_t es = (int64_t)nv * FFT_W;
    for (int64_t k = 0; k < l1; k++)
        for (int64_t i = 0; i < ido; i++) {
            V wv[8];
            if (tw)
                for (int m = 1; m < p; m++) wv[m] = V_bcc(tw[(m - 1) * ido + i]);
            for (int s = 0; s < nv; s++) {
                V x[8];
                for (int j = 0; j < p; j++) x[j] = V_ld(cc + (i + ido * (j + p * k)) * es + s * FFT_W);
                V_bfly(p, sign, x, x);
                V_st(ch + (i + ido * k) * es + s * FFT_W, x[0]);
                for (int m = 1; m < p; m++)
                    V_st(ch + (i + ido * (k + l1 * m)) * es + s * FFT_W,
                         tw ? V_mul(x[m], wv[m]) : x[m]);
            }
        }
}

static void C_pass_g(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch, int nv,
                     V *tmp) {
    int p = ps->p, h = (p - 1) / 2;
    int64_t ido = ps->ido, l1 = ps->l1, es = (int64_t)nv * FFT_W;
    V *sm = tmp, *df = tmp + h;
    for (int64_t k = 0; k < l1; k++)
        for (int64_t i = 0; i < ido; i++)
            for (int s = 0; s < nv; s++) {
#define AT(j) ((i + ido * ((j) + p * k)) * es + s * FFT_W)
                V x0 = V_ld(cc + AT(0)), y0 = x0;
                for (int j = 1; j <= h; j++) {
                    V a = V_ld(cc + AT(j)), b = V_ld(cc + AT(p - j));
                    sm[j - 1] = a + b;
                    df[j - 1] = a - b;
                    y0 += sm[j - 1];
                }
#undef AT
                V_st(ch + (i + ido * k) * es + s * FFT_W, y0);
                for (int m = 1; m <= h; m++) {
                    V a = x0, b = V_zero();
                    int t = 0;
                    for (int j = 1; j <= h; j++) {
                        t += m;
                        if (t >= p) t -= p;
                        a += sm[j - 1] * V_bc(ps->gcos[t]);
                        b += df[j - 1] * V_bc(ps->gsin[t]);
                    }
                    b = V_rot(b, 1); /* gsin carries the sign */
                    V u = a + b, v = a - b;
                    if (ps->tw) {
                        u = V_mul(u, V_bcc(ps->tw[(m - 1) * ido + i]));
                        v = V_mul(v, V_bcc(ps->tw[(p - m - 1) * ido + i]));
                    }
                    V_st(ch + (i + ido * (k + l1 * m)) * es + s * FFT_W, u);
                    V_st(ch + (i + ido * (k + l1 * (p - m))) * es + s * FFT_W, v);
                }
            }
}

void ax__fft_run_pass_cols(const ax_fft_pass *ps, int sign, const ax_c64 *cc, ax_c64 *ch,
                           int nv) {
    int p = ps->p;
    if (p == 2 || p == 3 || p == 4 || p == 5 || p == 7 || p == 8) {
#define CALL_C(P, SG) C_pass(P, SG, ps->ido, ps->l1, cc, ch, ps->tw, nv)
        FOR_RADIX(CALL_C);
#undef CALL_C
        return;
    }
    int h = (p - 1) / 2;
    V *tmp = aligned_alloc(64, ((size_t)(2 * h) * sizeof(V) + 63) / 64 * 64);
    if (!tmp) return; /* not reached in practice: h vectors */
    C_pass_g(ps, sign, cc, ch, nv, tmp);
    free(tmp);
}
