/* dtypes: the promotion table cell by cell (docs/promotion.md, generated with
 * NumPy's own table by tests/numpy_ref/make_refs.py), weak scalars, and the
 * scalar conversions against NumPy and against first-principles rounding. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "numpy_ref/dtype_refs.h"
#include "testutil.h"

/* ---------------------------------------------------------------- promotion */

static void test_promotion_table(void) {
    int agree = 0;
    for (int a = 0; a < AX_DTYPE_COUNT; a++) {
        for (int b = 0; b < AX_DTYPE_COUNT; b++) {
            ax_dtype r = ax_promote_types((ax_dtype)a, (ax_dtype)b);
            CHECK_MSG((int)r == ref_promote[a][b], "promote(%s, %s) = %s, documented %s",
                      ax_dtype_name((ax_dtype)a), ax_dtype_name((ax_dtype)b), ax_dtype_name(r),
                      ax_dtype_name((ax_dtype)ref_promote[a][b]));
            /* where the documented table agrees with NumPy, so does ax */
            if (ref_numpy_promote[a][b] == ref_promote[a][b]) {
                CHECK((int)r == ref_numpy_promote[a][b]);
                agree++;
            }
        }
    }
    /* 196 cells; bfloat16 has no NumPy cell (27), 38 differ (docs/promotion.md) */
    CHECK_MSG(agree == 196 - 27 - 38, "%d cells agree with NumPy", agree);
    CHECK(ax_promote_types((ax_dtype)99, AX_INT8) == AX_DTYPE_COUNT);
    CHECK(ax_promote_types(AX_INT8, (ax_dtype)-1) == AX_DTYPE_COUNT);
}

/* ax__result_type over scalars: strong dtypes, weak int/float/complex. */
static ax_array *weak_of_kind(ax_ctx *ctx, int kind) {
    if (kind == 0) return ax_weak_int(ctx, 2);
    if (kind == 1) return ax_weak_float(ctx, 0.5);
    ax_array *c = ax_scalar(ctx, 1.0, AX_COMPLEX64);
    if (c) c->weak = true; /* no public constructor for a weak complex yet */
    return c;
}

static void test_weak_scalars(void) {
    ax_ctx *ctx = ax_ctx_new();
    for (int t = 0; t < AX_DTYPE_COUNT; t++) {
        ax_array *s = ax_scalar(ctx, 1.0, (ax_dtype)t);
        CHECK(s && !ax_is_weak(s));
        for (int k = 0; k < 3; k++) {
            ax_array *w = weak_of_kind(ctx, k);
            bool weak = true;
            ax_dtype r = ax__result_type((ax_array *[]){s, w}, 2, &weak);
            CHECK_MSG((int)r == ref_weak[t][k] && !weak, "%s with weak kind %d: %s",
                      ax_dtype_name((ax_dtype)t), k, ax_dtype_name(r));
            /* order and repetition do not matter */
            r = ax__result_type((ax_array *[]){w, s, w}, 3, &weak);
            CHECK((int)r == ref_weak[t][k] && !weak);
        }
        /* two strong arrays and a weak int: the strong join, then the weak rule */
        for (int u = 0; u < AX_DTYPE_COUNT; u++) {
            ax_array *s2 = ax_scalar(ctx, 1.0, (ax_dtype)u);
            ax_dtype r = ax__result_type((ax_array *[]){s, ax_weak_int(ctx, 1), s2}, 3, NULL);
            int j = ref_promote[t][u];
            CHECK((int)r == ref_weak[j][0]);
        }
    }
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            bool weak = false;
            ax_dtype r = ax__result_type((ax_array *[]){weak_of_kind(ctx, a), weak_of_kind(ctx, b)},
                                         2, &weak);
            CHECK_MSG((int)r == ref_weak_weak[a][b] && weak, "weak %d + weak %d: %s", a, b,
                      ax_dtype_name(r));
        }
    }
    /* one weak scalar alone takes the default dtype of its kind and stays weak */
    for (int k = 0; k < 3; k++) {
        bool weak = false;
        ax_dtype r = ax__result_type((ax_array *[]){weak_of_kind(ctx, k)}, 1, &weak);
        CHECK((int)r == ref_weak_weak[k][k] && weak);
    }
    CHECK_OK(ctx);
    ax_ctx_free(ctx);
}

/* ---------------------------------------------------------------- first principles */

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The value of a binary16/bfloat16 pattern computed from its fields. */
static double half_value(uint16_t h, int mbits, int bias) {
    int emax = (1 << (15 - mbits)) - 1;
    int e = (h >> mbits) & emax, m = h & ((1 << mbits) - 1);
    double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (e == emax) return m ? NAN : sign * INFINITY;
    if (e == 0) return sign * ldexp(m, 1 - bias - mbits);
    return sign * ldexp(m + (1 << mbits), e - bias - mbits);
}

/* Round x (any double) to a binary format with `mbits` stored mantissa bits
 * and exponent bias `bias`, half to even, and encode it; computed in double
 * (scaling by powers of two is exact), independent of the code under test. */
static uint16_t round_to_half(double x, int mbits, int bias) {
    int emax = (1 << (15 - mbits)) - 1;
    uint16_t sign = signbit(x) ? 0x8000 : 0;
    if (isnan(x)) return (uint16_t)(sign | (emax << mbits) | (1 << (mbits - 1)));
    double a = fabs(x);
    if (a == 0) return sign;
    int e;
    frexp(a, &e);
    e -= 1;                                 /* a in [2^e, 2^(e+1)) */
    int emin = 1 - bias;                    /* smallest normal exponent */
    double q = ldexp(1.0, (e < emin ? emin : e) - mbits); /* quantum */
    double n = nearbyint(a / q);            /* default rounding: to nearest even */
    double v = n * q;
    if (v == 0) return sign;
    if (isinf(v)) return (uint16_t)(sign | (emax << mbits));
    frexp(v, &e);
    e -= 1;
    if (e < emin) return (uint16_t)(sign | (uint16_t)(v / ldexp(1.0, emin - mbits)));
    if (e + bias >= emax) return (uint16_t)(sign | (emax << mbits)); /* overflow */
    uint16_t m = (uint16_t)(v / ldexp(1.0, e - mbits)) - (uint16_t)(1 << mbits);
    return (uint16_t)(sign | ((e + bias) << mbits) | m);
}
#define RT_F16(x) round_to_half((x), 10, 15)
#define RT_BF16(x) round_to_half((x), 7, 127)

static bool is_half_nan(uint16_t h, int mbits) {
    int emax = (1 << (15 - mbits)) - 1;
    return ((h >> mbits) & emax) == emax && (h & ((1 << mbits) - 1));
}

/* Same result, NaNs compared as "NaN with the same sign". */
static bool same_half(uint16_t got, uint16_t want, int mbits) {
    if (is_half_nan(want, mbits)) return is_half_nan(got, mbits) && (got & 0x8000) == (want & 0x8000);
    return got == want;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---------------------------------------------------------------- conversions */

static void test_f16_to_f32_exhaustive(void) {
    uint64_t h = 0xcbf29ce484222325ull;
    int bad = 0;
    for (uint32_t i = 0; i < 65536; i++) {
        uint32_t u = f32_bits(ax_f16_to_f32((uint16_t)i));
        for (int k = 0; k < 4; k++) h = (h ^ ((u >> (8 * k)) & 0xff)) * 0x100000001b3ull;
        if (i % 64 == 0 && u != ref_f16_to_f32_every64[i / 64]) bad++;
        /* and from the fields */
        double v = half_value((uint16_t)i, 10, 15);
        float f = ax_f16_to_f32((uint16_t)i);
        if (isnan(v) ? !isnan(f) || !signbit(f) != !(i & 0x8000) : (double)f != v ||
                                                                         !signbit(f) != !signbit(v))
            bad++;
        /* bfloat16 widening is exact too */
        double bv = half_value((uint16_t)i, 7, 127);
        float bf = ax_bf16_to_f32((uint16_t)i);
        if (isnan(bv) ? !isnan(bf) : (double)bf != bv) {
            if (bad++ < 3) fprintf(stderr, "bf16 %04x: %a vs %a\n", i, (double)bf, bv);
        }
    }
    CHECK_MSG(h == ref_f16_to_f32_fnv, "float16 -> float32 checksum %016llx vs NumPy %016llx",
              (unsigned long long)h, (unsigned long long)ref_f16_to_f32_fnv);
    CHECK_MSG(bad == 0, "%d float16/bfloat16 -> float32 mismatches", bad);
}

/* Check one float32 input against the first-principles rounding (and that
 * widening back is consistent with the rounding). Returns mismatches. */
static int printed;
static int check_f32_narrow(float x) {
    int bad = 0;
    uint16_t h = ax_f32_to_f16(x), e = RT_F16((double)x);
    if (!same_half(h, e, 10)) {
        if (bad++ == 0 && printed++ < 5)
            fprintf(stderr, "f32_to_f16(%a) = %04x, expected %04x\n", (double)x, h, e);
    }
    uint16_t b = ax_f32_to_bf16(x), eb = RT_BF16((double)x);
    if (!same_half(b, eb, 7)) {
        if (bad++ == 0 && printed++ < 5)
            fprintf(stderr, "f32_to_bf16(%a) = %04x, expected %04x\n", (double)x, b, eb);
    }
    return bad;
}

static void test_f32_to_half(void) {
    int bad = 0;
    long checked = 0;
    /* random bit patterns (all exponents, NaN, inf, subnormals) */
    for (int i = 0; i < 1000000; i++, checked++) bad += check_f32_narrow(bits_f32((uint32_t)rnd()));
    /* random values concentrated on the float16 range and just outside it */
    for (int i = 0; i < 2000000; i++, checked++) {
        uint64_t r = rnd();
        int ex = (int)(r % 50) - 34; /* 2^-34 .. 2^15 */
        uint32_t u = ((uint32_t)(ex + 127) << 23) | (uint32_t)((r >> 8) & 0x7fffff) |
                     (uint32_t)((r >> 40) & 1) << 31;
        bad += check_f32_narrow(bits_f32(u));
    }
    /* every halfway point between neighbouring float16 and bfloat16 values,
     * and the floats on either side of it */
    for (uint32_t hb = 0; hb < 0x7c00; hb++) {
        for (int s = 0; s < 2; s++) {
            double lo = half_value((uint16_t)hb, 10, 15), hi = half_value((uint16_t)(hb + 1), 10, 15);
            float mid = (float)((lo + hi) / 2); /* exact: 12 significant bits */
            if (s) mid = -mid;
            bad += check_f32_narrow(mid) + check_f32_narrow(nextafterf(mid, INFINITY)) +
                   check_f32_narrow(nextafterf(mid, -INFINITY));
            checked += 3;
        }
    }
    for (uint32_t hb = 0; hb < 0x7f80; hb++) {
        double lo = half_value((uint16_t)hb, 7, 127), hi = half_value((uint16_t)(hb + 1), 7, 127);
        float mid = (float)((lo + hi) / 2);
        if (hi == INFINITY) mid = bits_f32(0x7f7f8000u); /* halfway to the next binade */
        bad += check_f32_narrow(mid) + check_f32_narrow(nextafterf(mid, INFINITY)) +
               check_f32_narrow(nextafterf(mid, -INFINITY));
        checked += 3;
    }
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 65504.0f, 65519.996f,
                              65520.0f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x1p-26f, 0x1p-14f,
                              0x1.ffcp-15f, FLT_MAX, FLT_MIN, 0x1p-149f, 0x1.fep127f, 0x1.ff8p127f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++, checked++)
        bad += check_f32_narrow(specials[i]);
    CHECK_MSG(bad == 0, "%d of %ld float32 -> float16/bfloat16 conversions wrong", bad, checked);
    /* NaN stays NaN with its sign, quiet */
    CHECK(is_half_nan(ax_f32_to_f16(bits_f32(0x7f800001u)), 10));
    CHECK(is_half_nan(ax_f32_to_bf16(bits_f32(0xff800001u)), 7));
    CHECK(ax_f32_to_bf16(bits_f32(0xff800001u)) & 0x8000);
    /* NumPy's own float32 -> float16 on a seeded sample with halfway cases */
    int nbad = 0, n = (int)(sizeof ref_f32_to_f16 / sizeof ref_f32_to_f16[0]);
    for (int i = 0; i < n; i++) {
        uint16_t h = ax_f32_to_f16(bits_f32(ref_f32_to_f16[i][0]));
        if (!same_half(h, (uint16_t)ref_f32_to_f16[i][1], 10) && nbad++ < 5)
            fprintf(stderr, "f32_to_f16(%08x) = %04x, NumPy %04x\n", ref_f32_to_f16[i][0], h,
                    ref_f32_to_f16[i][1]);
    }
    CHECK_MSG(nbad == 0, "%d of %d differ from NumPy", nbad, n);
}

/* Doubles next to halfway points, where rounding through float first would
 * round twice and go wrong. */
static void test_f64_to_half(void) {
    int bad = 0, twice_wrong = 0;
    for (uint32_t hb = 0; hb < 0x7bff; hb++) { /* 0x7bff..inf: the overflow checks below */
        double lo = half_value((uint16_t)hb, 10, 15), hi = half_value((uint16_t)(hb + 1), 10, 15);
        double mid = (lo + hi) / 2;
        double xs[5] = {mid, nextafter(mid, INFINITY), nextafter(mid, -INFINITY),
                        mid + ldexp(mid, -40), -nextafter(mid, INFINITY)};
        for (int k = 0; k < 5; k++) {
            uint16_t want = RT_F16(xs[k]);
            if (ax_f64_to_f16(xs[k]) != want) bad++;
            if (ax_f32_to_f16((float)xs[k]) != want) twice_wrong++;
        }
        /* above/below halfway rounds away from/toward lo, whatever the parity */
        if (ax_f64_to_f16(nextafter(mid, INFINITY)) != hb + 1) bad++;
        if (ax_f64_to_f16(nextafter(mid, -INFINITY)) != hb) bad++;
    }
    for (uint32_t hb = 0; hb < 0x7f7f; hb++) {
        double lo = half_value((uint16_t)hb, 7, 127), hi = half_value((uint16_t)(hb + 1), 7, 127);
        double mid = (lo + hi) / 2;
        double xs[3] = {mid, nextafter(mid, INFINITY), nextafter(mid, -INFINITY)};
        for (int k = 0; k < 3; k++)
            if (ax_f64_to_bf16(xs[k]) != RT_BF16(xs[k])) bad++;
        if (ax_f64_to_bf16(nextafter(mid, INFINITY)) != hb + 1) bad++;
    }
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = rnd();
        double x;
        memcpy(&x, &r, 8);
        if (i & 1) x = ldexp((double)(r >> 11) / 0x1p53, (int)(rnd() % 300) - 150);
        if (!same_half(ax_f64_to_f16(x), RT_F16(x), 10)) bad++;
        if (!same_half(ax_f64_to_bf16(x), RT_BF16(x), 7)) bad++;
    }
    CHECK_MSG(bad == 0, "%d float64 -> float16/bfloat16 conversions wrong", bad);
    CHECK(twice_wrong > 0); /* the cases really do catch rounding via float */
    CHECK(ax_f64_to_f16(65520.0) == 0x7c00 && ax_f64_to_f16(nextafter(65520.0, 0)) == 0x7bff);
    CHECK(ax_f64_to_f16(-1e300) == 0xfc00 && ax_f64_to_bf16(1e300) == 0x7f80);
    CHECK(ax_f64_to_f16(1e-300) == 0 && ax_f64_to_f16(-1e-300) == 0x8000);
    CHECK(is_half_nan(ax_f64_to_f16(NAN), 10) && is_half_nan(ax_f64_to_bf16(-NAN), 7));
}

/* Integers rounded to `sig` significant bits, half to even, in integer
 * arithmetic; returns the value as a double (exact: <= 24 bits). */
static double int_round(uint64_t u, int sig) {
    if (u == 0) return 0;
    int top = 63 - __builtin_clzll(u);
    int drop = top + 1 - sig;
    if (drop <= 0) return (double)u;
    uint64_t q = u >> drop, rem = u & ((UINT64_C(1) << drop) - 1), half = UINT64_C(1) << (drop - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return ldexp((double)q, drop);
}

static void check_int_to_float(int64_t v, bool is_unsigned, int *bad) {
    uint64_t u = is_unsigned ? (uint64_t)v : v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    double sign = !is_unsigned && v < 0 ? -1 : 1;
    uint16_t h, b;
    float f;
    if (is_unsigned) {
        ax__store_u64(&h, AX_FLOAT16, (uint64_t)v);
        ax__store_u64(&b, AX_BFLOAT16, (uint64_t)v);
        ax__store_u64(&f, AX_FLOAT32, (uint64_t)v);
    } else {
        ax__store_i64(&h, AX_FLOAT16, v);
        ax__store_i64(&b, AX_BFLOAT16, v);
        ax__store_i64(&f, AX_FLOAT32, v);
    }
    double eh = sign * int_round(u, 11), eb = sign * int_round(u, 8), ef = sign * int_round(u, 24);
    if (fabs(eh) >= 65536.0) eh = sign * INFINITY; /* past 65504 rounds to 65536: overflow */
    if ((double)ax_f16_to_f32(h) != eh || (double)ax_bf16_to_f32(b) != eb || (double)f != ef) {
        if ((*bad)++ < 5)
            fprintf(stderr, "int %s%llu: f16 %g (want %g) bf16 %g (want %g) f32 %.9g (want %.9g)\n",
                    sign < 0 ? "-" : "", (unsigned long long)u, (double)ax_f16_to_f32(h), eh,
                    (double)ax_bf16_to_f32(b), eb, (double)f, ef);
    }
}

static void test_int_to_float(void) {
    int bad = 0;
    const int64_t fixed[] = {0, 1, -1, 2047, 2049, 2051, 4097, 65504, 65519, 65520, 65535,
                             INT64_MAX, INT64_MIN, INT64_MIN + 1, (INT64_C(1) << 53) + 1,
                             (INT64_C(1) << 60) + (INT64_C(1) << 52) + 1, /* double rounding trap */
                             (INT64_C(1) << 62) + (INT64_C(1) << 38) + 1,
                             -((INT64_C(1) << 60) + (INT64_C(1) << 52) + 1), 16777217, 16777219};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) check_int_to_float(fixed[i], false, &bad);
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rnd();
        int shift = (int)(rnd() % 64);
        check_int_to_float((int64_t)(r >> shift), false, &bad);
        check_int_to_float((int64_t)(r >> shift), true, &bad);
        /* just above / at a bfloat16 halfway point: top bits, then 1 0 0 ... 0 1 */
        int top = 10 + (int)(rnd() % 52);
        uint64_t base = (UINT64_C(1) << top) | ((r & 0x7f) << (top - 7));
        check_int_to_float((int64_t)(base | (UINT64_C(1) << (top - 8)) | 1), false, &bad);
        check_int_to_float((int64_t)(base | (UINT64_C(1) << (top - 8))), false, &bad);
    }
    check_int_to_float((int64_t)UINT64_MAX, true, &bad);
    check_int_to_float((int64_t)((UINT64_C(1) << 63) + (UINT64_C(1) << 55) + 1), true, &bad);
    CHECK_MSG(bad == 0, "%d integer -> float conversions wrong", bad);
    /* whole-buffer conversion takes the same path */
    int64_t src[3] = {(INT64_C(1) << 60) + (INT64_C(1) << 52) + 1, 65519, -65520};
    uint16_t dst[3];
    ax__convert(dst, AX_BFLOAT16, src, AX_INT64, 1);
    CHECK(ax_bf16_to_f32(dst[0]) == (float)int_round((uint64_t)src[0], 8));
    ax__convert(dst, AX_FLOAT16, src, AX_INT64, 3);
    CHECK(dst[1] == 0x7bff && dst[2] == 0xfc00);
}

static void test_float_to_int(void) {
    struct {
        double v;
        ax_dtype t;
        int64_t want;
    } cases[] = {
        {2.9, AX_INT8, 2},           {-2.9, AX_INT8, -2},          {300.0, AX_INT8, 127},
        {-300.0, AX_INT8, -128},     {-128.9, AX_INT8, -128},      {127.9, AX_INT8, 127},
        {NAN, AX_INT8, 0},           {INFINITY, AX_INT16, 32767},  {-INFINITY, AX_INT16, -32768},
        {1e10, AX_INT32, INT32_MAX}, {-1e10, AX_INT32, INT32_MIN}, {NAN, AX_INT32, 0},
        {0x1p63, AX_INT64, INT64_MAX}, {-0x1p63, AX_INT64, INT64_MIN}, {-1e300, AX_INT64, INT64_MIN},
        {NAN, AX_INT64, 0},          {9007199254740993.0, AX_INT64, 9007199254740992},
        {-1.5, AX_UINT8, 0},         {256.0, AX_UINT8, 255},       {255.9, AX_UINT8, 255},
        {-0.5, AX_UINT16, 0},        {1e6, AX_UINT16, 65535},      {NAN, AX_UINT32, 0},
        {4294967296.0, AX_UINT32, 4294967295LL}, {1.0, AX_BOOL, 1}, {NAN, AX_BOOL, 1},
        {-0.0, AX_BOOL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[8] = {0};
        ax__store_f64(buf, cases[i].t, cases[i].v);
        int64_t got = ax__load_i64(buf, cases[i].t);
        CHECK_MSG(got == cases[i].want, "%g -> %s: %lld, want %lld", cases[i].v,
                  ax_dtype_name(cases[i].t), (long long)got, (long long)cases[i].want);
    }
    uint64_t u;
    ax__store_f64(&u, AX_UINT64, 1e30);
    CHECK(u == UINT64_MAX);
    ax__store_f64(&u, AX_UINT64, -1e30);
    CHECK(u == 0);
    ax__store_f64(&u, AX_UINT64, 18446744073709549568.0); /* largest double below 2^64 */
    CHECK(u == UINT64_C(18446744073709549568));
    /* loads from floats follow the same rules */
    float f = -7.5f;
    CHECK(ax__load_i64(&f, AX_FLOAT32) == -7 && ax__load_u64(&f, AX_FLOAT32) == 0);
    f = NAN;
    CHECK(ax__load_i64(&f, AX_FLOAT32) == 0 && ax__load_u64(&f, AX_FLOAT32) == 0);
    uint16_t h = 0x7c00; /* +inf */
    CHECK(ax__load_i64(&h, AX_FLOAT16) == INT64_MAX);
    /* bulk conversion */
    double src[4] = {NAN, -1e20, 1e20, -3.7};
    int16_t dst[4];
    ax__convert(dst, AX_INT16, src, AX_FLOAT64, 4);
    CHECK(dst[0] == 0 && dst[1] == INT16_MIN && dst[2] == INT16_MAX && dst[3] == -3);
    /* integer to integer wraps */
    int64_t big = 300;
    int8_t w;
    ax__convert(&w, AX_INT8, &big, AX_INT64, 1);
    CHECK(w == 44);
}

static void test_names(void) {
    CHECK(strcmp(ax_dtype_name(AX_BFLOAT16), "bfloat16") == 0);
    CHECK(strcmp(ax_dtype_name((ax_dtype)77), "?") == 0);
    CHECK(ax_dtype_size(AX_COMPLEX64) == 8 && ax_dtype_size(AX_BOOL) == 1 &&
          ax_dtype_size((ax_dtype)77) == 0);
    CHECK(ax_dtype_is_inexact(AX_BFLOAT16) && !ax_dtype_is_integer(AX_BOOL) &&
          ax_dtype_is_unsigned(AX_UINT64) && ax_dtype_is_signed_integer(AX_INT8) &&
          ax_dtype_is_complex(AX_COMPLEX64) && !ax_dtype_is_floating(AX_COMPLEX64));
}

int main(void) {
    test_names();
    test_promotion_table();
    test_weak_scalars();
    test_f16_to_f32_exhaustive();
    test_f32_to_half();
    test_f64_to_half();
    test_int_to_float();
    test_float_to_int();
    return test_summary("test_dtype");
}
