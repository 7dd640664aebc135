/* Printing arrays as NumPy 2 prints them (str and repr, default floatmode
 * "maxprec", sign "-"); the rules and the few known differences are in
 * docs/printing.md. */
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"

/* ---------------------------------------------------------------- strings */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}
static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_spaces(sbuf *b, int n) {
    for (int i = 0; i < n; i++) sb_putn(b, " ", 1);
}

/* ---------------------------------------------------------------- digits */

/* A finite float as shortest decimal: value = d[0].d[1..n-1] x 10^e, no
 * trailing zeros (zero is "0", e = 0). */
typedef struct dec {
    char d[24];
    int n, e;
} dec;

/* Does the decimal string s read back as x in dtype t? (strtod rounds
 * correctly; a short decimal never lies within double rounding error of an
 * f16/bf16 halfway point unless it is that point, which strtod gets exactly.) */
static bool round_trips(const char *s, double x, ax_dtype t) {
    switch (t) {
    case AX_FLOAT32:
    case AX_COMPLEX64: return strtof(s, NULL) == (float)x;
    case AX_FLOAT16: return ax_f64_to_f16(strtod(s, NULL)) == ax_f64_to_f16(x);
    case AX_BFLOAT16: return ax_f64_to_bf16(strtod(s, NULL)) == ax_f64_to_bf16(x);
    default: return strtod(s, NULL) == x;
    }
}

/* Away from powers of two the round-trip interval is symmetric, so the value
 * rounded to some digit position reads back exactly when the shortest form
 * fits in those digits: one conversion then replaces the shortest search. */
static bool symmetric_interval(double x) {
    int e;
    return x != 0 && frexp(x, &e) != 0.5 && frexp(x, &e) != -0.5;
}

/* The k-digit decimal nearest to x > 0: mantissa (k digits), and in *e the
 * exponent of its leading digit. */
static uint64_t nearest_digits(double x, int k, int *e) {
    char buf[48];
    snprintf(buf, sizeof buf, "%.*e", k - 1, x);
    uint64_t m = 0;
    char *q = buf;
    for (; *q != 'e'; q++)
        if (*q != '.') m = m * 10 + (uint64_t)(*q - '0');
    *e = atoi(q + 1);
    return m;
}

static bool digits_round_trip(uint64_t m, int k, int e, double x, ax_dtype t) {
    char buf[48];
    snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)m, e - k + 1);
    return round_trips(buf, x, t);
}

/* The shortest digit string that reads back as |x| in dtype t; among those of
 * that length the nearest to x. */
static void shortest(double x, ax_dtype t, dec *o) {
    x = fabs(x);
    if (x == 0) {
        *o = (dec){.d = "0", .n = 1, .e = 0};
        return;
    }
    int k = 0, e = 0;
    uint64_t m = 0;
    if (symmetric_interval(x)) {
        /* If the nearest k-digit value reads back, so does the nearest
         * (k+1)-digit one (it is no farther): bisect from the digit count that
         * always suffices for the dtype. */
        int lo = 1, hi = t == AX_FLOAT64 ? 17 : t == AX_FLOAT16 ? 5 : t == AX_BFLOAT16 ? 4 : 9;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            m = nearest_digits(x, mid, &e);
            if (digits_round_trip(m, mid, e, x, t)) hi = mid;
            else lo = mid + 1;
        }
        k = lo;
        m = nearest_digits(x, k, &e);
    } else {
        /* At a power of two the interval below is half as wide: the nearest
         * k-digit value may miss it while its upper neighbour reads back. */
        uint64_t p10 = 1;
        for (k = 1; k <= 17; k++, p10 *= 10) {
            uint64_t near = nearest_digits(x, k, &e);
            const uint64_t cand[3] = {near, near - 1, near + 1};
            int c = 0;
            for (; c < 3; c++)
                if (cand[c] >= p10 && cand[c] < p10 * 10 && digits_round_trip(cand[c], k, e, x, t))
                    break;
            if (c < 3) {
                m = cand[c];
                break;
            }
        }
        if (k > 17) m = nearest_digits(x, k = 17, &e); /* not reached: 17 digits suffice */
    }
    snprintf(o->d, sizeof o->d, "%llu", (unsigned long long)m);
    o->n = k;
    while (o->n > 1 && o->d[o->n - 1] == '0') o->d[--o->n] = 0;
    o->e = e;
}

/* Digits after the point that the shortest form has in positional notation. */
static int dec_frac_pos(const dec *d) { return d->n - 1 - d->e > 0 ? d->n - 1 - d->e : 0; }

/* Positional text of |x| (no sign), at most `prec` digits after the point
 * (prec < 0: no limit), shortest digits when they fit, else the exact value
 * rounded half to even; trailing zeros trimmed, the point kept. */
static void pos_text(double x, ax_dtype t, int prec, char *ip, char *fp, size_t cap) {
    char buf[400];
    bool rounded = false;
    dec d;
    if (prec >= 0 && symmetric_interval(x)) {
        snprintf(buf, sizeof buf, "%.*f", prec, fabs(x));
        rounded = !round_trips(buf, fabs(x), t);
    }
    if (!rounded) {
        shortest(x, t, &d);
        rounded = prec >= 0 && dec_frac_pos(&d) > prec;
        if (rounded) snprintf(buf, sizeof buf, "%.*f", prec, fabs(x));
    }
    if (rounded) {
        char *dot = strchr(buf, '.');
        if (dot) *dot = 0;
        snprintf(ip, cap, "%s", buf);
        const char *f = dot ? dot + 1 : "";
        size_t n = strlen(f);
        while (n > 0 && f[n - 1] == '0') n--;
        snprintf(fp, cap, "%.*s", (int)n, f);
        return;
    }
    size_t a = 0, b = 0;
    if (d.e < 0) {
        ip[a++] = '0';
        for (int i = 0; i < -d.e - 1 && b + 1 < cap; i++) fp[b++] = '0';
        for (int i = 0; i < d.n && b + 1 < cap; i++) fp[b++] = d.d[i];
    } else {
        for (int i = 0; i <= d.e && a + 1 < cap; i++) ip[a++] = i < d.n ? d.d[i] : '0';
        for (int i = d.e + 1; i < d.n && b + 1 < cap; i++) fp[b++] = d.d[i];
    }
    ip[a] = 0;
    fp[b] = 0;
}

/* Scientific text of |x|: mantissa digits after the point in mf (exactly
 * `digits` of them if digits >= 0 and the shortest form has another count,
 * else the shortest, capped at `cap_digits`), leading digit in *lead,
 * exponent in *exp. */
static void sci_text(double x, ax_dtype t, int digits, int cap_digits, char *lead, char *mf,
                     size_t cap, int *exp) {
    char buf[400];
    int p = digits >= 0 ? digits : cap_digits;
    bool rounded = false;
    dec d;
    if (p >= 0 && symmetric_interval(x)) {
        snprintf(buf, sizeof buf, "%.*e", p, fabs(x));
        /* with `digits`, the shortest form is used only when it has exactly
         * that many digits, and then it equals the rounded value */
        rounded = digits >= 0 || !round_trips(buf, fabs(x), t);
    }
    if (!rounded) {
        shortest(x, t, &d);
        int nf = d.n - 1;
        rounded = (digits >= 0 && nf != digits) || (cap_digits >= 0 && nf > cap_digits);
        if (rounded) snprintf(buf, sizeof buf, "%.*e", p, fabs(x));
    }
    if (rounded) {
        *lead = buf[0];
        char *e = strchr(buf, 'e');
        *exp = atoi(e + 1);
        const char *f = buf[1] == '.' ? buf + 2 : buf + 1;
        size_t n = (size_t)(e - f);
        if (digits < 0)
            while (n > 0 && f[n - 1] == '0') n--; /* trim '.' */
        snprintf(mf, cap, "%.*s", (int)n, f);
        return;
    }
    *lead = d.d[0];
    *exp = d.e;
    snprintf(mf, cap, "%s", d.d + 1);
}

/* ---------------------------------------------------------------- formats */

enum { FIELD = 400 };

/* One float column format (NumPy's FloatingFormat). */
typedef struct ffmt {
    ax_dtype t;
    bool plus; /* sign '+' (imaginary parts) */
    bool exp;
    int precision, pad_left, pad_right, exp_size;
} ffmt;

/* NumPy's finfo(dtype).precision. */
static int dtype_decimal_precision(ax_dtype t) {
    switch (t) {
    case AX_FLOAT16: return 3;
    case AX_BFLOAT16: return 2;
    case AX_FLOAT64: return 15;
    default: return 6;
    }
}

/* v rounded to dtype t (the arithmetic of the dtype's own scalars). */
static double to_dtype(double v, ax_dtype t) {
    switch (t) {
    case AX_FLOAT16: return ax_f16_to_f32(ax_f64_to_f16(v));
    case AX_BFLOAT16: return ax_bf16_to_f32(ax_f64_to_bf16(v));
    case AX_FLOAT64: return v;
    default: return (float)v;
    }
}

static int sign_len(double v, bool plus) { return signbit(v) || plus ? 1 : 0; }

static void ffmt_init(ffmt *f, const double *v, int64_t n, ax_dtype t, bool plus,
                      const ax_print_options *o) {
    *f = (ffmt){.t = t, .plus = plus, .precision = o->precision, .exp_size = -1};
    double mx = 0, mn = INFINITY;
    int64_t nfinite = 0;
    bool any_nonfinite = false, neginf = plus;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            any_nonfinite = true;
            if (isinf(v[i]) && v[i] < 0) neginf = true;
            continue;
        }
        nfinite++;
        double a = fabs(v[i]);
        if (a == 0) continue;
        mx = a > mx ? a : mx;
        mn = a < mn ? a : mn;
    }
    if (mx > 0) {
        double cutoff = pow(10.0, dtype_decimal_precision(t) < 8 ? dtype_decimal_precision(t) : 8);
        double ratio;
        if (t == AX_FLOAT64) ratio = mx / mn;
        else ratio = to_dtype((float)mx / (float)mn, t); /* float32 division, as NumPy */
        if (mx >= cutoff || (!o->suppress && (mn < to_dtype(1e-4, t) || ratio > 1000.0)))
            f->exp = true;
    }
    char ip[FIELD], fp[FIELD];
    if (nfinite == 0) {
        f->pad_left = f->pad_right = 0;
    } else if (f->exp) {
        int maxf = 0, maxe = 0;
        for (int64_t i = 0; i < n; i++) {
            if (!isfinite(v[i])) continue;
            char lead;
            int e;
            sci_text(v[i], t, -1, f->precision, &lead, fp, sizeof fp, &e);
            int fl = (int)strlen(fp);
            maxf = fl > maxf ? fl : maxf;
            int el = snprintf(ip, sizeof ip, "%d", abs(e));
            if (el < 2) el = 2;
            maxe = el > maxe ? el : maxe;
            int pl = 1 + sign_len(v[i], plus);
            f->pad_left = pl > f->pad_left ? pl : f->pad_left;
        }
        f->precision = maxf;
        f->exp_size = maxe;
        f->pad_right = f->exp_size + 2 + f->precision;
    } else {
        for (int64_t i = 0; i < n; i++) {
            if (!isfinite(v[i])) continue;
            pos_text(v[i], t, f->precision, ip, fp, sizeof ip);
            int pl = (int)strlen(ip) + sign_len(v[i], plus), pr = (int)strlen(fp);
            f->pad_left = pl > f->pad_left ? pl : f->pad_left;
            f->pad_right = pr > f->pad_right ? pr : f->pad_right;
        }
    }
    if (any_nonfinite) {
        int off = f->pad_right + 1;
        if (3 - off > f->pad_left) f->pad_left = 3 - off;
        if (3 + (int)neginf - off > f->pad_left) f->pad_left = 3 + (int)neginf - off;
    }
}

/* "e+05": the exponent with at least `digits` digits. */
static void put_exp(sbuf *b, int e, int digits) {
    char buf[16];
    snprintf(buf, sizeof buf, "e%c%0*d", e < 0 ? '-' : '+', digits, abs(e));
    sb_puts(b, buf);
}

static void ffmt_put(const ffmt *f, double x, sbuf *b) {
    char ip[FIELD], fp[FIELD];
    const char *sign = signbit(x) ? "-" : f->plus ? "+" : "";
    if (!isfinite(x)) {
        const char *s = isnan(x) ? (f->plus ? "+nan" : "nan") : x < 0 ? "-inf"
                                                            : f->plus ? "+inf" : "inf";
        sb_spaces(b, f->pad_left + f->pad_right + 1 - (int)strlen(s));
        sb_puts(b, s);
        return;
    }
    if (f->exp) {
        char lead;
        int e;
        sci_text(x, f->t, f->precision, -1, &lead, fp, sizeof fp, &e);
        sb_spaces(b, f->pad_left - 1 - (int)strlen(sign));
        sb_puts(b, sign);
        sb_putn(b, &lead, 1);
        sb_puts(b, ".");
        sb_puts(b, fp);
        put_exp(b, e, f->exp_size);
        return;
    }
    pos_text(x, f->t, f->precision, ip, fp, sizeof ip);
    sb_spaces(b, f->pad_left - (int)strlen(ip) - (int)strlen(sign));
    sb_puts(b, sign);
    sb_puts(b, ip);
    sb_puts(b, ".");
    sb_puts(b, fp);
    sb_spaces(b, f->pad_right - (int)strlen(fp));
}

/* The element format of a whole (displayed part of an) array. */
typedef struct efmt {
    ax_dtype t;
    bool zero_d;
    int width;    /* integers */
    ffmt re, im; /* floats; complex uses both */
} efmt;

/* Element i of contiguous data as text. */
static void put_elem(const efmt *f, const char *data, int64_t i, sbuf *b) {
    const char *p = data + i * (int64_t)ax_dtype_size(f->t);
    char buf[64];
    if (f->t == AX_BOOL) {
        sb_puts(b, *(const uint8_t *)p ? (f->zero_d ? "True" : " True") : "False");
    } else if (f->t == AX_UINT64) {
        snprintf(buf, sizeof buf, "%*llu", f->width, (unsigned long long)*(const uint64_t *)p);
        sb_puts(b, buf);
    } else if (ax_dtype_is_integer(f->t)) {
        snprintf(buf, sizeof buf, "%*lld", f->width, (long long)ax__load_i64(p, f->t));
        sb_puts(b, buf);
    } else if (f->t == AX_COMPLEX64) {
        sbuf im = {0};
        ffmt_put(&f->re, ((const float *)p)[0], b);
        ffmt_put(&f->im, ((const float *)p)[1], &im);
        if (im.oom) {
            b->oom = true;
        } else { /* the 'j' goes before the imaginary part's trailing spaces */
            size_t n = im.len;
            while (n > 0 && im.s[n - 1] == ' ') n--;
            sb_putn(b, im.s, n);
            sb_puts(b, "j");
            sb_putn(b, im.s + n, im.len - n);
        }
        free(im.s);
    } else {
        ffmt_put(&f->re, ax__load_f64(p, f->t), b);
    }
}

/* ---------------------------------------------------------------- layout */

typedef struct printer {
    const ax_array *a;
    const char *data; /* row-major */
    const int64_t *rstride; /* row-major strides, elements */
    const efmt *fmt;
    int edge;
    bool summarize;
    const char *sep;
    int line_width;
    bool oom;
} printer;

/* Is axis of length n shown as edge items + "..."? */
static bool elided(const printer *p, int64_t n) { return p->summarize && 2 * (int64_t)p->edge < n; }

static void extend_line(sbuf *s, sbuf *line, const char *word, int width, const char *prefix) {
    size_t plen = strlen(prefix);
    if ((long)(line->len + strlen(word)) > (long)width && line->len > plen) {
        size_t n = line->len;
        while (n > 0 && line->s[n - 1] == ' ') n--;
        sb_putn(s, line->s, n);
        sb_puts(s, "\n");
        line->len = 0;
        sb_puts(line, prefix);
    }
    sb_puts(line, word);
}

/* NumPy's _formatArray recurser: the text of the sub-array at `base`
 * (element offset) from axis `axis`, into out. */
static void recurse(printer *p, int axis, int64_t base, const char *hang, int width, sbuf *out) {
    int nd = p->a->ndim;
    if (axis == nd) {
        put_elem(p->fmt, p->data, base, out);
        return;
    }
    size_t hl = strlen(hang);
    char *next_hang = malloc(hl + 2);
    if (!next_hang) {
        p->oom = true;
        return;
    }
    memcpy(next_hang, hang, hl);
    next_hang[hl] = ' ';
    next_hang[hl + 1] = 0;
    int next_width = width - 1;
    int64_t n = p->a->shape[axis], st = p->rstride[axis];
    bool show = elided(p, n);
    /* NumPy always prints the last item, even with edgeitems = 0 */
    int64_t lead = show ? p->edge : 0, trail = show ? (p->edge ? p->edge : 1) : n;
    int left = nd - axis;
    sbuf s = {0};
    if (left == 1) {
        int ew = width - 1; /* max(len(sep.rstrip()), len(']')) is 1 */
        sbuf line = {0}, word = {0};
        sb_puts(&line, hang);
        for (int64_t k = 0; k < lead + trail; k++) {
            int64_t i = k < lead ? k : n - (lead + trail - k);
            if (k == lead && show) {
                extend_line(&s, &line, "...", ew, hang);
                sb_puts(&line, p->sep);
            }
            word.len = 0;
            sb_puts(&word, "");
            recurse(p, axis + 1, base + i * st, next_hang, next_width, &word);
            extend_line(&s, &line, word.s ? word.s : "", ew, hang);
            if (k + 1 < lead + trail) sb_puts(&line, p->sep);
            p->oom |= word.oom || line.oom;
        }
        sb_putn(&s, line.s ? line.s : "", line.len);
        free(line.s);
        free(word.s);
    } else {
        /* separator stripped of trailing spaces, then a newline per remaining axis - 1 */
        sbuf lsep = {0};
        size_t sl = strlen(p->sep);
        while (sl > 0 && p->sep[sl - 1] == ' ') sl--;
        sb_putn(&lsep, p->sep, sl);
        for (int i = 0; i < left - 1; i++) sb_puts(&lsep, "\n");
        for (int64_t k = 0; k < lead + trail; k++) {
            int64_t i = k < lead ? k : n - (lead + trail - k);
            if (k == lead && show) {
                sb_puts(&s, hang);
                sb_puts(&s, "...");
                sb_puts(&s, lsep.s);
            }
            sb_puts(&s, hang);
            recurse(p, axis + 1, base + i * st, next_hang, next_width, &s);
            if (k + 1 < lead + trail) sb_puts(&s, lsep.s);
        }
        p->oom |= lsep.oom;
        free(lsep.s);
    }
    /* drop the hanging indent of the first line and wrap in [] */
    sb_puts(out, "[");
    if (s.len >= hl) sb_putn(out, s.s + hl, s.len - hl);
    sb_puts(out, "]");
    p->oom |= s.oom || out->oom;
    free(s.s);
    free(next_hang);
}

/* Linear indices (row-major) of the displayed elements, in order. */
static void shown_indices(const printer *p, int axis, int64_t base, int64_t *out, int64_t *n) {
    if (axis == p->a->ndim) {
        out[(*n)++] = base;
        return;
    }
    int64_t len = p->a->shape[axis];
    bool show = elided(p, len) && p->edge > 0; /* NumPy formats all with edgeitems = 0 */
    for (int64_t i = 0; i < len; i++) {
        if (show && i == p->edge) i = len - p->edge;
        shown_indices(p, axis + 1, base + i * p->rstride[axis], out, n);
    }
}

static bool make_format(ax_ctx *ctx, printer *p, efmt *f, const ax_print_options *o) {
    const ax_array *a = p->a;
    *f = (efmt){.t = a->dtype, .zero_d = a->ndim == 0};
    int64_t cnt = 1;
    for (int i = 0; i < a->ndim; i++) {
        int64_t len = a->shape[i];
        cnt *= elided(p, len) && p->edge > 0 ? 2 * (int64_t)p->edge : len;
    }
    int64_t *idx = ax__malloc(ctx, (size_t)(cnt ? cnt : 1) * sizeof *idx);
    if (!idx) return false;
    int64_t n = 0;
    shown_indices(p, 0, 0, idx, &n);
    size_t isz = ax_dtype_size(a->dtype);
    bool ok = true;
    if (ax_dtype_is_integer(a->dtype)) {
        char buf[32];
        for (int64_t i = 0; i < n; i++) {
            const char *q = p->data + idx[i] * (int64_t)isz;
            int w = a->dtype == AX_UINT64
                        ? snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)q)
                        : snprintf(buf, sizeof buf, "%lld", (long long)ax__load_i64(q, a->dtype));
            f->width = w > f->width ? w : f->width;
        }
    } else if (ax_dtype_is_inexact(a->dtype)) {
        bool cplx = a->dtype == AX_COMPLEX64;
        double *v = ax__malloc(ctx, (size_t)(n ? n : 1) * sizeof *v * (cplx ? 2 : 1));
        if (!v) {
            ok = false;
        } else {
            for (int64_t i = 0; i < n; i++) {
                const char *q = p->data + idx[i] * (int64_t)isz;
                if (cplx) {
                    v[i] = ((const float *)q)[0];
                    v[n + i] = ((const float *)q)[1];
                } else {
                    v[i] = ax__load_f64(q, a->dtype);
                }
            }
            ax_dtype pt = cplx ? AX_FLOAT32 : a->dtype;
            ffmt_init(&f->re, v, n, pt, false, o);
            if (cplx) ffmt_init(&f->im, v + n, n, pt, true, o);
            free(v);
        }
    }
    free(idx);
    return ok;
}

/* array2string: "[...]" with the given separator and prefix length, over an
 * array with at least one element. Returns malloc'd text or NULL (error set). */
static char *array_text(ax_ctx *ctx, ax_array *a, const char *data, const char *sep,
                        int prefix_len, int line_width) {
    const ax_print_options *o = &ctx->print;
    int64_t rs[32];
    int64_t *rstride = a->ndim <= 32 ? rs : ax__malloc(ctx, sizeof(int64_t) * (size_t)a->ndim);
    if (!rstride) return NULL;
    ax__row_major_strides(a->shape, a->ndim, rstride);
    efmt fmt;
    printer p = {.a = a, .data = data, .rstride = rstride, .fmt = &fmt, .edge = o->edgeitems,
                 .summarize = a->size > o->threshold, .sep = sep, .line_width = line_width};
    char *res = NULL;
    if (make_format(ctx, &p, &fmt, o)) {
        char *hang = malloc((size_t)prefix_len + 2);
        sbuf out = {0};
        if (hang) {
            memset(hang, ' ', (size_t)prefix_len + 1);
            hang[prefix_len + 1] = 0;
            recurse(&p, 0, 0, hang, line_width, &out);
        }
        if (!hang || p.oom || out.oom || !out.s) {
            free(out.s);
            ax__error(ctx, AX_ERR_OOM, "print: out of memory");
        } else {
            res = out.s;
        }
        free(hang);
    }
    if (rstride != rs) free(rstride);
    return res;
}

/* ---------------------------------------------------------------- scalars */

/* str() of a float scalar as NumPy prints it: shortest digits, positional
 * between 1e-4 and a per-dtype bound, else scientific. `python` drops a
 * trailing ".0" (parts of complex scalars, as Python's complex repr). */
static void scalar_float(double x, ax_dtype t, bool python, sbuf *b) {
    if (isnan(x)) {
        sb_puts(b, "nan");
        return;
    }
    if (signbit(x)) sb_puts(b, "-");
    if (isinf(x)) {
        sb_puts(b, "inf");
        return;
    }
    double ax = fabs(x);
    double hi = t == AX_FLOAT64 ? 1e16 : pow(10.0, dtype_decimal_precision(t));
    char ip[FIELD], fp[FIELD];
    if (ax == 0 || (ax >= 1e-4 && ax < hi)) {
        pos_text(ax, t, -1, ip, fp, sizeof ip);
        sb_puts(b, ip);
        if (!python || fp[0]) {
            sb_puts(b, ".");
            sb_puts(b, fp[0] ? fp : "0");
        }
    } else {
        char lead;
        int e;
        sci_text(ax, t, -1, -1, &lead, fp, sizeof fp, &e);
        sb_putn(b, &lead, 1);
        if (fp[0]) sb_puts(b, ".");
        sb_puts(b, fp);
        put_exp(b, e, 2);
    }
}

static void scalar_str(const ax_array *a, const char *p, sbuf *b) {
    char buf[64];
    switch (a->dtype) {
    case AX_BOOL: sb_puts(b, *(const uint8_t *)p ? "True" : "False"); return;
    case AX_UINT64:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)p);
        sb_puts(b, buf);
        return;
    case AX_COMPLEX64: {
        double re = ((const float *)p)[0], im = ((const float *)p)[1];
        bool bare = re == 0 && !signbit(re);
        if (!bare) {
            sb_puts(b, "(");
            scalar_float(re, AX_FLOAT32, true, b);
            if (!signbit(im) || isnan(im)) sb_puts(b, "+");
        }
        scalar_float(isnan(im) ? fabs(im) : im, AX_FLOAT32, true, b);
        sb_puts(b, bare ? "j" : "j)");
        return;
    }
    default:
        if (ax_dtype_is_integer(a->dtype)) {
            snprintf(buf, sizeof buf, "%lld", (long long)ax__load_i64(p, a->dtype));
            sb_puts(b, buf);
        } else {
            scalar_float(ax__load_f64(p, a->dtype), a->dtype, false, b);
        }
    }
}

/* ---------------------------------------------------------------- API */

static bool dtype_implied(ax_dtype t) { return t == AX_FLOAT64 || t == AX_INT64 || t == AX_BOOL; }

static char *render(ax_ctx *ctx, ax_array *a, bool repr) {
    if (!ctx) return NULL;
    if (!a) return ax__null_input(ctx, repr ? "repr" : "to_string");
    const char *data = NULL;
    if (a->size > 0) {
        data = ax_data(ctx, a);
        if (!data) return NULL;
    }
    sbuf out = {0};
    if (!repr) {
        if (a->ndim == 0) {
            scalar_str(a, data, &out);
        } else if (a->size == 0) {
            sb_puts(&out, "[]");
        } else {
            char *t = array_text(ctx, a, data, " ", 0, ctx->print.linewidth);
            if (!t) return NULL;
            sb_puts(&out, t);
            free(t);
        }
    } else {
        const char *prefix = "array(";
        sb_puts(&out, prefix);
        if (a->size == 0) {
            sb_puts(&out, "[]");
        } else {
            char *t = array_text(ctx, a, data, ", ", (int)strlen(prefix), ctx->print.linewidth - 1);
            if (!t) {
                free(out.s);
                return NULL;
            }
            sb_puts(&out, t);
            free(t);
        }
        sbuf extra = {0};
        if ((a->size == 0 && !(a->ndim == 1)) || a->size > ctx->print.threshold) {
            char shp[AX_SHAPE_STR_CAP];
            sb_puts(&extra, "shape=");
            if (a->ndim == 1) {
                snprintf(shp, sizeof shp, "(%lld,)", (long long)a->shape[0]);
                sb_puts(&extra, shp);
            } else {
                sb_puts(&extra, ax__shape_str(a->shape, a->ndim, shp, sizeof shp));
            }
        }
        if (!dtype_implied(a->dtype) || a->size == 0) {
            if (extra.len) sb_puts(&extra, ", ");
            sb_puts(&extra, "dtype=");
            sb_puts(&extra, ax_dtype_name(a->dtype));
        }
        if (extra.len) {
            sb_puts(&out, ",");
            size_t last = 0;
            for (size_t i = 0; i < out.len; i++)
                if (out.s[i] == '\n') last = i + 1;
            if ((int)(out.len - last + extra.len + 2) > ctx->print.linewidth) {
                sb_puts(&out, "\n");
                sb_spaces(&out, (int)strlen(prefix));
            } else {
                sb_puts(&out, " ");
            }
            sb_putn(&out, extra.s, extra.len);
        }
        out.oom |= extra.oom;
        free(extra.s);
        sb_puts(&out, ")");
    }
    if (out.oom || !out.s) {
        free(out.s);
        return ax__error(ctx, AX_ERR_OOM, "print: out of memory");
    }
    return out.s;
}

char *ax_to_string(ax_ctx *ctx, ax_array *a) { return render(ctx, a, false); }
char *ax_repr(ax_ctx *ctx, ax_array *a) { return render(ctx, a, true); }

ax_status ax_print(ax_ctx *ctx, ax_array *a, FILE *f) {
    if (!ctx) return AX_ERR_NULL;
    if (!f) {
        ax__error(ctx, AX_ERR_NULL, "print: NULL file");
        return ax_error_code(ctx);
    }
    char *s = ax_to_string(ctx, a);
    if (!s) return ax_error_code(ctx) != AX_OK ? ax_error_code(ctx) : AX_ERR_NULL;
    bool ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
    free(s);
    if (!ok) return ax__fail(ctx, AX_ERR_IO, "print: write failed");
    return AX_OK;
}

void ax_set_print_options(ax_ctx *ctx, const ax_print_options *opts) {
    if (!ctx) return;
    if (!opts) {
        ax__error(ctx, AX_ERR_NULL, "set_print_options: NULL options");
        return;
    }
    if (opts->precision < 0 || opts->precision > 100 || opts->threshold < 0 ||
        opts->edgeitems < 0 || opts->linewidth < 1) {
        ax__error(ctx, AX_ERR_VALUE,
                  "set_print_options: invalid options (precision %d must be in [0, 100], "
                  "threshold %lld >= 0, edgeitems %d >= 0, linewidth %d >= 1)",
                  opts->precision, (long long)opts->threshold, opts->edgeitems, opts->linewidth);
        return;
    }
    ctx->print = *opts;
}

ax_print_options ax_get_print_options(const ax_ctx *ctx) {
    if (!ctx)
        return (ax_print_options){.precision = 8, .threshold = 1000, .edgeitems = 3,
                                  .linewidth = 75};
    return ctx->print;
}
