/* dtypes: names, sizes, promotion, and correctly rounded scalar conversions. */
#include <math.h>

#include "core/internal.h"

static const struct {
    const char *name;
    size_t size;
} dtype_table[AX_DTYPE_COUNT] = {
    [AX_BOOL] = {"bool", 1},         [AX_INT8] = {"int8", 1},
    [AX_INT16] = {"int16", 2},       [AX_INT32] = {"int32", 4},
    [AX_INT64] = {"int64", 8},       [AX_UINT8] = {"uint8", 1},
    [AX_UINT16] = {"uint16", 2},     [AX_UINT32] = {"uint32", 4},
    [AX_UINT64] = {"uint64", 8},     [AX_FLOAT16] = {"float16", 2},
    [AX_BFLOAT16] = {"bfloat16", 2}, [AX_FLOAT32] = {"float32", 4},
    [AX_FLOAT64] = {"float64", 8},   [AX_COMPLEX64] = {"complex64", 8},
};

bool ax_dtype_is_valid(ax_dtype t) { return (unsigned)t < AX_DTYPE_COUNT; }
const char *ax_dtype_name(ax_dtype t) { return ax_dtype_is_valid(t) ? dtype_table[t].name : "?"; }
size_t ax_dtype_size(ax_dtype t) { return ax_dtype_is_valid(t) ? dtype_table[t].size : 0; }
bool ax_dtype_is_signed_integer(ax_dtype t) { return t >= AX_INT8 && t <= AX_INT64; }
bool ax_dtype_is_unsigned(ax_dtype t) { return t >= AX_UINT8 && t <= AX_UINT64; }
bool ax_dtype_is_integer(ax_dtype t) { return t >= AX_INT8 && t <= AX_UINT64; }
bool ax_dtype_is_floating(ax_dtype t) { return t >= AX_FLOAT16 && t <= AX_FLOAT64; }
bool ax_dtype_is_complex(ax_dtype t) { return t == AX_COMPLEX64; }
bool ax_dtype_is_inexact(ax_dtype t) { return t >= AX_FLOAT16 && t <= AX_COMPLEX64; }

/* Bits of an integer dtype. */
static int int_bits(ax_dtype t) { return (int)ax_dtype_size(t) * 8; }
static ax_dtype signed_of_bits(int bits) {
    return bits <= 8 ? AX_INT8 : bits <= 16 ? AX_INT16 : bits <= 32 ? AX_INT32 : AX_INT64;
}

/* The JAX/MLX lattice (docs/promotion.md). */
ax_dtype ax_promote_types(ax_dtype a, ax_dtype b) {
    if (!ax_dtype_is_valid(a) || !ax_dtype_is_valid(b)) return AX_DTYPE_COUNT;
    if (a == b) return a;
    if (a == AX_BOOL) return b;
    if (b == AX_BOOL) return a;
    if (a == AX_COMPLEX64 || b == AX_COMPLEX64) return AX_COMPLEX64;
    if (ax_dtype_is_floating(a) && ax_dtype_is_floating(b)) {
        if ((a == AX_FLOAT16 && b == AX_BFLOAT16) || (a == AX_BFLOAT16 && b == AX_FLOAT16))
            return AX_FLOAT32;
        return a > b ? a : b; /* f16/bf16 < f32 < f64 */
    }
    if (ax_dtype_is_floating(a)) return a; /* integer meets float: the float */
    if (ax_dtype_is_floating(b)) return b;
    bool sa = ax_dtype_is_signed_integer(a), sb = ax_dtype_is_signed_integer(b);
    if (sa == sb) return int_bits(a) >= int_bits(b) ? a : b;
    ax_dtype s = sa ? a : b, u = sa ? b : a;
    if (int_bits(u) < int_bits(s)) return s;
    if (u == AX_UINT64) return AX_FLOAT32; /* no signed type holds both */
    return signed_of_bits(int_bits(u) * 2);
}

ax_dtype ax__result_type(ax_array *const *arrays, int n, bool *weak) {
    ax_dtype strong = AX_DTYPE_COUNT;
    bool weak_int = false, weak_float = false, weak_complex = false;
    for (int i = 0; i < n; i++) {
        ax_array *a = arrays[i];
        if (a->weak) {
            if (ax_dtype_is_complex(a->dtype)) weak_complex = true;
            else if (ax_dtype_is_inexact(a->dtype)) weak_float = true;
            else weak_int = true;
        } else {
            strong = strong == AX_DTYPE_COUNT ? a->dtype : ax_promote_types(strong, a->dtype);
        }
    }
    if (weak) *weak = strong == AX_DTYPE_COUNT;
    ax_dtype r = strong;
    if (r == AX_DTYPE_COUNT) r = weak_complex ? AX_COMPLEX64 : weak_float ? AX_FLOAT32 : AX_INT32;
    if (weak_int && r == AX_BOOL) r = AX_INT32;
    if (weak_float && !ax_dtype_is_inexact(r)) r = AX_FLOAT32;
    if (weak_complex) r = AX_COMPLEX64;
    return r;
}

/* ---------------------------------------------------------------- half types */

uint16_t ax_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu)); /* NaN */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to >= 65520: inf */
    if (ax < 0x38800000u) {                                   /* below 2^-14: subnormal */
        if (ax < 0x33000000u) return (uint16_t)sign;           /* below 2^-25: zero */
        uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        int shift = 126 - (int)(ax >> 23); /* m x 2^(E-150) in units of 2^-24 */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u); /* round to nearest even */
    return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
}

float ax_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
    if (e == 0x1f) x = sign | 0x7f800000u | (m << 13);
    else if (e) x = sign | ((e + 112) << 23) | (m << 13);
    else if (!m) x = sign;
    else {
        float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}

uint16_t ax_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float ax_bf16_to_f32(uint16_t h) {
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

/* Round a double to `bits` significant bits (RNE) with the given minimum
 * normal exponent (subnormal quantum 2^(emin - bits + 1)); the result is
 * exactly representable as a float, so the f32 conversion that follows is exact. */
static double round_sig(double x, int bits, int emin) {
    if (x == 0 || !isfinite(x)) return x;
    int e;
    frexp(x, &e); /* |x| in [2^(e-1), 2^e) */
    e -= 1;
    if (e < emin) e = emin;
    double q = ldexp(1.0, e - bits + 1);
    return nearbyint(x / q) * q;
}

uint16_t ax_f64_to_f16(double x) {
    if (isnan(x)) return ax_f32_to_f16((float)x);
    double r = round_sig(x, 11, -14);
    if (fabs(r) >= 65520.0 || isinf(r)) return signbit(x) ? 0xfc00u : 0x7c00u;
    return ax_f32_to_f16((float)r);
}

uint16_t ax_f64_to_bf16(double x) {
    if (isnan(x)) return ax_f32_to_bf16((float)x);
    double r = round_sig(x, 8, -126);
    if (fabs(r) > 0x1.fep127 || isinf(r)) return signbit(x) ? 0xff80u : 0x7f80u;
    return ax_f32_to_bf16((float)r);
}

/* Integers to double rounded to odd, so a later rounding to f16/bf16 is correct. */
static double u64_to_f64_odd(uint64_t u) {
    if (u < (1ull << 53)) return (double)u;
    int drop = 11 - __builtin_clzll(u);
    uint64_t hi = u >> drop;
    if (u & ((1ull << drop) - 1)) hi |= 1;
    return ldexp((double)hi, drop);
}
static double i64_to_f64_odd(int64_t i) {
    return i < 0 ? -u64_to_f64_odd(0 - (uint64_t)i) : u64_to_f64_odd((uint64_t)i);
}

/* ---------------------------------------------------------------- scalar load/store */

double ax__load_f64(const void *p, ax_dtype t) {
    switch (t) {
    case AX_BOOL: return *(const uint8_t *)p ? 1.0 : 0.0;
    case AX_INT8: return *(const int8_t *)p;
    case AX_INT16: return *(const int16_t *)p;
    case AX_INT32: return *(const int32_t *)p;
    case AX_INT64: return (double)*(const int64_t *)p;
    case AX_UINT8: return *(const uint8_t *)p;
    case AX_UINT16: return *(const uint16_t *)p;
    case AX_UINT32: return *(const uint32_t *)p;
    case AX_UINT64: return (double)*(const uint64_t *)p;
    case AX_FLOAT16: return ax_f16_to_f32(*(const uint16_t *)p);
    case AX_BFLOAT16: return ax_bf16_to_f32(*(const uint16_t *)p);
    case AX_FLOAT32: return *(const float *)p;
    case AX_FLOAT64: return *(const double *)p;
    case AX_COMPLEX64: return ((const float *)p)[0];
    default: return 0;
    }
}

void ax__load_c(const void *p, ax_dtype t, double *re, double *im) {
    if (t == AX_COMPLEX64) {
        *re = ((const float *)p)[0];
        *im = ((const float *)p)[1];
    } else {
        *re = ax__load_f64(p, t);
        *im = 0;
    }
}

/* Float to an integer of `bits` bits: truncate toward zero, saturate to the
 * target's range (as XLA's convert), NaN -> 0. */
static int64_t f64_to_sint(double v, int bits) {
    if (isnan(v)) return 0;
    double hi = ldexp(1.0, bits - 1);
    if (v >= hi) return (int64_t)((UINT64_C(1) << (bits - 1)) - 1);
    if (v <= -hi) return bits == 64 ? INT64_MIN : -(INT64_C(1) << (bits - 1));
    return (int64_t)v;
}
static uint64_t f64_to_uint(double v, int bits) {
    if (isnan(v) || v <= 0) return 0;
    if (v >= ldexp(1.0, bits)) return bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    return (uint64_t)v;
}

int64_t ax__load_i64(const void *p, ax_dtype t) {
    switch (t) {
    case AX_BOOL: return *(const uint8_t *)p != 0;
    case AX_INT8: return *(const int8_t *)p;
    case AX_INT16: return *(const int16_t *)p;
    case AX_INT32: return *(const int32_t *)p;
    case AX_INT64: return *(const int64_t *)p;
    case AX_UINT8: return *(const uint8_t *)p;
    case AX_UINT16: return *(const uint16_t *)p;
    case AX_UINT32: return *(const uint32_t *)p;
    case AX_UINT64: return (int64_t)*(const uint64_t *)p;
    default: return f64_to_sint(ax__load_f64(p, t), 64);
    }
}

uint64_t ax__load_u64(const void *p, ax_dtype t) {
    if (t == AX_UINT64) return *(const uint64_t *)p;
    if (ax_dtype_is_inexact(t)) return f64_to_uint(ax__load_f64(p, t), 64);
    return (uint64_t)ax__load_i64(p, t);
}

void ax__store_f64(void *p, ax_dtype t, double v) {
    switch (t) {
    case AX_BOOL: *(uint8_t *)p = v != 0; break;
    case AX_INT8: *(int8_t *)p = (int8_t)f64_to_sint(v, 8); break;
    case AX_INT16: *(int16_t *)p = (int16_t)f64_to_sint(v, 16); break;
    case AX_INT32: *(int32_t *)p = (int32_t)f64_to_sint(v, 32); break;
    case AX_INT64: *(int64_t *)p = f64_to_sint(v, 64); break;
    case AX_UINT8: *(uint8_t *)p = (uint8_t)f64_to_uint(v, 8); break;
    case AX_UINT16: *(uint16_t *)p = (uint16_t)f64_to_uint(v, 16); break;
    case AX_UINT32: *(uint32_t *)p = (uint32_t)f64_to_uint(v, 32); break;
    case AX_UINT64: *(uint64_t *)p = f64_to_uint(v, 64); break;
    case AX_FLOAT16: *(uint16_t *)p = ax_f64_to_f16(v); break;
    case AX_BFLOAT16: *(uint16_t *)p = ax_f64_to_bf16(v); break;
    case AX_FLOAT32: *(float *)p = (float)v; break;
    case AX_FLOAT64: *(double *)p = v; break;
    case AX_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    default: break;
    }
}

void ax__store_i64(void *p, ax_dtype t, int64_t v) {
    switch (t) {
    case AX_BOOL: *(uint8_t *)p = v != 0; break;
    case AX_INT8: *(int8_t *)p = (int8_t)v; break;
    case AX_INT16: *(int16_t *)p = (int16_t)v; break;
    case AX_INT32: *(int32_t *)p = (int32_t)v; break;
    case AX_INT64: *(int64_t *)p = v; break;
    case AX_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case AX_UINT16: *(uint16_t *)p = (uint16_t)v; break;
    case AX_UINT32: *(uint32_t *)p = (uint32_t)v; break;
    case AX_UINT64: *(uint64_t *)p = (uint64_t)v; break;
    case AX_FLOAT16: *(uint16_t *)p = ax_f64_to_f16(i64_to_f64_odd(v)); break;
    case AX_BFLOAT16: *(uint16_t *)p = ax_f64_to_bf16(i64_to_f64_odd(v)); break;
    case AX_FLOAT32: *(float *)p = (float)v; break;
    case AX_FLOAT64: *(double *)p = (double)v; break;
    case AX_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    default: break;
    }
}

void ax__store_u64(void *p, ax_dtype t, uint64_t v) {
    switch (t) {
    case AX_FLOAT16: *(uint16_t *)p = ax_f64_to_f16(u64_to_f64_odd(v)); break;
    case AX_BFLOAT16: *(uint16_t *)p = ax_f64_to_bf16(u64_to_f64_odd(v)); break;
    case AX_FLOAT32: *(float *)p = (float)v; break;
    case AX_FLOAT64: *(double *)p = (double)v; break;
    case AX_COMPLEX64: ((float *)p)[0] = (float)v; ((float *)p)[1] = 0; break;
    default: ax__store_i64(p, t, (int64_t)v); break;
    }
}

void ax__store_c(void *p, ax_dtype t, double re, double im) {
    if (t == AX_COMPLEX64) {
        ((float *)p)[0] = (float)re;
        ((float *)p)[1] = (float)im;
    } else {
        ax__store_f64(p, t, re); /* the imaginary part is discarded, as NumPy */
    }
}

/* Copy one element converting st -> dt exactly as the scalar rules say. */
static void convert_one(char *d, ax_dtype dt, const char *s, ax_dtype st) {
    if (st == AX_COMPLEX64 || dt == AX_COMPLEX64) {
        double re, im;
        ax__load_c(s, st, &re, &im);
        if (dt == AX_COMPLEX64) ax__store_c(d, dt, re, im);
        else if (ax_dtype_is_integer(dt) || dt == AX_BOOL)
            dt == AX_BOOL ? (void)(*(uint8_t *)d = (re != 0 || im != 0)) : ax__store_f64(d, dt, re);
        else ax__store_f64(d, dt, re);
    } else if (st == AX_UINT64) {
        ax__store_u64(d, dt, *(const uint64_t *)s);
    } else if (!ax_dtype_is_inexact(st)) {
        ax__store_i64(d, dt, ax__load_i64(s, st));
    } else if (dt == AX_BOOL) {
        *(uint8_t *)d = ax__load_f64(s, st) != 0;
    } else if (st == AX_FLOAT32 && dt == AX_FLOAT16) {
        *(uint16_t *)d = ax_f32_to_f16(*(const float *)s); /* direct: no double rounding */
    } else if (st == AX_FLOAT32 && dt == AX_BFLOAT16) {
        *(uint16_t *)d = ax_f32_to_bf16(*(const float *)s);
    } else {
        ax__store_f64(d, dt, ax__load_f64(s, st)); /* exact widening, one rounding */
    }
}

void ax__convert(void *dst, ax_dtype dt, const void *src, ax_dtype st, int64_t n) {
    size_t ds = ax_dtype_size(dt), ss = ax_dtype_size(st);
    if (dt == st) {
        memcpy(dst, src, (size_t)n * ds);
        return;
    }
    char *d = dst;
    const char *s = src;
    if (st == AX_FLOAT32 && dt == AX_FLOAT64) {
        for (int64_t i = 0; i < n; i++) ((double *)dst)[i] = ((const float *)src)[i];
        return;
    }
    if (st == AX_FLOAT64 && dt == AX_FLOAT32) {
        for (int64_t i = 0; i < n; i++) ((float *)dst)[i] = (float)((const double *)src)[i];
        return;
    }
    for (int64_t i = 0; i < n; i++) convert_one(d + i * (int64_t)ds, dt, s + i * (int64_t)ss, st);
}
