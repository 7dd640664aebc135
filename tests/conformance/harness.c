/* The op-conformance harness: inputs, comparisons and one cell (case x
 * dtype x variant). The contract is described in harness.h. */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/internal.h"
#include "core/memory_debug.h"

ax_dtype conf_input_dtype(const conf_case *c, int i, ax_dtype run_dtype) {
    if (c->index_mask & (1u << i)) return AX_INT64;
    if (c->bool_mask & (1u << i)) return AX_BOOL;
    return run_dtype;
}

double conf_dtype_bound(ax_dtype t) {
    switch (t) {
    case AX_FLOAT64: return 1e-12;
    case AX_FLOAT32: return 1e-5;
    case AX_COMPLEX64: return 1e-5;
    case AX_FLOAT16: return 2e-3;
    case AX_BFLOAT16: return 1.6e-2;
    default: return 0; /* integers and bool: exact */
    }
}

const char *conf_variant_name(unsigned variant) {
    switch (variant) {
    case CONF_CONTIG: return "contig";
    case CONF_PERMUTED: return "permuted";
    case CONF_STRIDED: return "strided";
    case CONF_EMPTY: return "empty";
    case CONF_LARGE: return "large";
    default: return "?";
    }
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t conf_seed(const conf_case *c, ax_dtype dtype, unsigned variant) {
    const char *e = getenv("AX_CONF_SEED");
    if (e && *e) return strtoull(e, NULL, 0);
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the name */
    for (const char *p = c->name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return mix64(h ^ mix64(((uint64_t)dtype << 8) | variant));
}

ax_dtype conf_large_dtype(const conf_case *c) {
    static const ax_dtype pref[] = {AX_FLOAT32, AX_FLOAT64, AX_INT32,  AX_INT64,  AX_FLOAT16,
                                    AX_BFLOAT16, AX_INT16,  AX_INT8,   AX_UINT8,  AX_UINT16,
                                    AX_UINT32,  AX_UINT64,  AX_COMPLEX64, AX_BOOL};
    for (size_t i = 0; i < sizeof pref / sizeof *pref; i++)
        if (c->dtypes & CONF_DT(pref[i])) return pref[i];
    return AX_DTYPE_COUNT;
}

/* ---------------------------------------------------------------- messages */

static void msgf(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *msg, size_t cap, const char *fmt, ...) {
    if (!msg || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- compare */

static bool int_equal(ax_dtype t, const char *a, const char *b) {
    return memcmp(a, b, ax_dtype_size(t)) == 0;
}

static void int_str(ax_dtype t, const void *p, char *buf, size_t cap) {
    if (ax_dtype_is_unsigned(t) || t == AX_BOOL) {
        /* bool is compared bytewise: show the raw byte */
        uint64_t v = t == AX_BOOL ? *(const unsigned char *)p : ax__load_u64(p, t);
        snprintf(buf, cap, "%llu", (unsigned long long)v);
    } else {
        snprintf(buf, cap, "%lld", (long long)ax__load_i64(p, t));
    }
}

bool conf_compare_host(ax_dtype t, const void *got, const void *want, int64_t n, double tol,
                       char *msg, size_t cap) {
    const size_t isz = ax_dtype_size(t);
    const char *g = got, *w = want;
    if (!ax_dtype_is_inexact(t)) {
        for (int64_t i = 0; i < n; i++) {
            if (!int_equal(t, g + i * (int64_t)isz, w + i * (int64_t)isz)) {
                char gs[32], ws[32];
                int_str(t, g + i * (int64_t)isz, gs, sizeof gs);
                int_str(t, w + i * (int64_t)isz, ws, sizeof ws);
                msgf(msg, cap, "element %lld: got %s, want %s (%s must match exactly)",
                     (long long)i, gs, ws, ax_dtype_name(t));
                return false;
            }
        }
        return true;
    }
    const bool cplx = ax_dtype_is_complex(t);
    double max_diff = 0, max_ref = 0;
    int64_t worst = -1;
    for (int64_t i = 0; i < n; i++) {
        double gv[2] = {0, 0}, wv[2] = {0, 0};
        if (cplx) {
            ax__load_c(g + i * (int64_t)isz, t, &gv[0], &gv[1]);
            ax__load_c(w + i * (int64_t)isz, t, &wv[0], &wv[1]);
        } else {
            gv[0] = ax__load_f64(g + i * (int64_t)isz, t);
            wv[0] = ax__load_f64(w + i * (int64_t)isz, t);
        }
        for (int k = 0; k < (cplx ? 2 : 1); k++) {
            const char *part = cplx ? (k ? " (imag)" : " (real)") : "";
            if (isnan(gv[k]) != isnan(wv[k])) {
                msgf(msg, cap, "element %lld%s: got %.17g, want %.17g (NaN in one only)",
                     (long long)i, part, gv[k], wv[k]);
                return false;
            }
            if (isnan(gv[k])) continue;
            if (isinf(gv[k]) || isinf(wv[k])) {
                if (gv[k] != wv[k]) {
                    msgf(msg, cap, "element %lld%s: got %.9g, want %.9g (infinities differ)",
                         (long long)i, part, gv[k], wv[k]);
                    return false;
                }
                continue;
            }
            double d = fabs(gv[k] - wv[k]);
            if (d > max_diff) {
                max_diff = d;
                worst = i;
            }
            if (fabs(wv[k]) > max_ref) max_ref = fabs(wv[k]);
        }
    }
    const double bound = conf_dtype_bound(t) * (tol > 0 ? tol : 1);
    const double err = max_diff / (max_ref + 1e-300);
    if (err > bound) {
        double gv = 0, wv = 0, gi = 0, wi = 0;
        if (cplx) {
            ax__load_c(g + worst * (int64_t)isz, t, &gv, &gi);
            ax__load_c(w + worst * (int64_t)isz, t, &wv, &wi);
        } else {
            gv = ax__load_f64(g + worst * (int64_t)isz, t);
            wv = ax__load_f64(w + worst * (int64_t)isz, t);
        }
        const int prec = t == AX_FLOAT64 ? 17 : 9;
        if (cplx)
            msgf(msg, cap,
                 "normalized error %.3g > bound %.3g (worst element %lld: got %.*g%+.*gj, want "
                 "%.*g%+.*gj; max |want| %.3g)",
                 err, bound, (long long)worst, prec, gv, prec, gi, prec, wv, prec, wi, max_ref);
        else
            msgf(msg, cap,
                 "normalized error %.3g > bound %.3g (worst element %lld: got %.*g, want %.*g; "
                 "max |want| %.3g)",
                 err, bound, (long long)worst, prec, gv, prec, wv, max_ref);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- inputs */

static uint64_t rng_next(uint64_t *s) { return mix64(*s += 0x9e3779b97f4a7c15ull); }
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1p-53; }

/* Range of an integer dtype as doubles (clamping bounds). */
static void int_range(ax_dtype t, double *lo, double *hi) {
    const int bits = (int)ax_dtype_size(t) * 8;
    if (ax_dtype_is_unsigned(t)) {
        *lo = 0;
        *hi = ldexp(1, bits) - 1;
    } else {
        *lo = -ldexp(1, bits - 1);
        *hi = ldexp(1, bits - 1) - 1;
    }
    if (bits == 64) *hi = nextafter(*hi, 0); /* 2^63 - 1 and 2^64 - 1 round up as doubles */
}

/* One random value of input i into p. */
static void gen_value(const conf_case *c, int i, ax_dtype t, uint64_t *s, void *p) {
    if (c->index_mask & (1u << i)) {
        int64_t lo = c->idx_lo, hi = c->idx_hi < c->idx_lo ? c->idx_lo : c->idx_hi;
        uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
        int64_t v = span ? (int64_t)((uint64_t)lo + rng_next(s) % span) : (int64_t)rng_next(s);
        ax__store_i64(p, t, v);
        return;
    }
    if (t == AX_BOOL) {
        ax__store_f64(p, t, (double)(rng_next(s) & 1));
        return;
    }
    double v = c->lo + (c->hi - c->lo) * rng_unit(s);
    if (ax_dtype_is_complex(t)) {
        double im = c->lo + (c->hi - c->lo) * rng_unit(s);
        ax__store_c(p, t, v, im);
    } else if (ax_dtype_is_integer(t)) {
        double lo, hi;
        int_range(t, &lo, &hi);
        v = fmin(fmax(nearbyint(v), lo), hi);
        ax__store_f64(p, t, v);
    } else {
        ax__store_f64(p, t, v);
    }
}

/* Filler for the elements of a STRIDED input's buffer that the view skips. */
static void gen_gap(ax_dtype t, void *p) {
    if (t == AX_BOOL) ax__store_f64(p, t, 1);
    else if (ax_dtype_is_complex(t)) ax__store_c(p, t, NAN, NAN);
    else if (ax_dtype_is_integer(t)) {
        double lo, hi;
        int_range(t, &lo, &hi);
        ax__store_f64(p, t, hi);
    } else ax__store_f64(p, t, NAN);
}

typedef struct conf_input {
    ax_dtype dtype;
    int ndim;
    int64_t shape[CONF_MAX_DIM];
    int64_t size;
    ax_array *leaf;  /* the array built from data (owned by the cell's scope) */
    ax_array *view;  /* what the build gets */
    void *phys;      /* copy of the leaf's data, to check nothing wrote into it */
    size_t phys_bytes;
    double *f64;     /* logical row-major values as float64 (real parts) */
} conf_input;

static void input_free(conf_input *in) {
    free(in->phys);
    free(in->f64);
    in->phys = NULL;
    in->f64 = NULL;
}

/* Make input i for the variant: fills in->leaf/view; false with msg on error. */
static bool make_input(ax_ctx *ctx, const conf_case *c, int i, ax_dtype t, unsigned variant,
                       uint64_t *s, conf_input *in, char *msg, size_t cap) {
    const int nd = c->ndim[i];
    in->dtype = t;
    in->ndim = nd;
    in->size = 1;
    for (int k = 0; k < nd; k++) {
        in->shape[k] = variant == CONF_LARGE ? c->large[i][k] : c->shape[i][k];
        if (variant == CONF_EMPTY && k == 0) in->shape[k] = 0;
        in->size *= in->shape[k];
    }
    /* physical layout: shape P and, per logical axis, its stride in P */
    int64_t P[CONF_MAX_DIM], rs[CONF_MAX_DIM], pstride[CONF_MAX_DIM], base = 0;
    for (int k = 0; k < nd; k++) P[k] = in->shape[variant == CONF_PERMUTED ? nd - 1 - k : k];
    if (variant == CONF_STRIDED && nd > 0) P[nd - 1] *= 2;
    const int64_t psize = ax__row_major_strides(P, nd, rs);
    for (int k = 0; k < nd; k++) pstride[k] = variant == CONF_PERMUTED ? rs[nd - 1 - k] : rs[k];
    if (variant == CONF_STRIDED && nd > 0) {
        pstride[nd - 1] *= 2;
        base = 1;
    }
    const size_t isz = ax_dtype_size(t);
    in->phys_bytes = (size_t)psize * isz;
    in->phys = malloc(in->phys_bytes ? in->phys_bytes : 1);
    in->f64 = malloc(sizeof(double) * (size_t)(in->size ? in->size : 1));
    char *logical = malloc((size_t)in->size * isz + 1);
    if (!in->phys || !in->f64 || !logical) {
        free(logical);
        msgf(msg, cap, "input %d: out of host memory", i);
        return false;
    }
    char *phys = in->phys;
    for (int64_t j = 0; j < psize; j++) gen_gap(t, phys + j * (int64_t)isz);
    int64_t idx[CONF_MAX_DIM] = {0};
    for (int64_t j = 0; j < in->size; j++) {
        int64_t off = base;
        for (int k = 0; k < nd; k++) off += idx[k] * pstride[k];
        char *p = phys + off * (int64_t)isz;
        gen_value(c, i, t, s, p);
        memcpy(logical + j * (int64_t)isz, p, isz);
        in->f64[j] = ax__load_f64(p, t);
        for (int k = nd - 1; k >= 0 && ++idx[k] == in->shape[k]; k--) idx[k] = 0;
    }
    bool ok = false;
    in->leaf = ax_array_from_data(ctx, phys, t, P, nd);
    in->view = in->leaf;
    if (in->leaf && variant == CONF_PERMUTED && nd > 1) {
        int perm[CONF_MAX_DIM];
        for (int k = 0; k < nd; k++) perm[k] = nd - 1 - k;
        in->view = ax_transpose(ctx, in->leaf, perm, nd);
    } else if (in->leaf && variant == CONF_STRIDED && nd > 0) {
        int64_t start[CONF_MAX_DIM], stop[CONF_MAX_DIM], step[CONF_MAX_DIM];
        for (int k = 0; k < nd; k++) {
            start[k] = 0;
            stop[k] = AX_SLICE_NONE;
            step[k] = 1;
        }
        start[nd - 1] = 1;
        step[nd - 1] = 2;
        in->view = ax_slice(ctx, in->leaf, start, stop, step, nd);
    }
    if (!in->view) {
        msgf(msg, cap, "input %d (%s): %s", i, conf_variant_name(variant), ax_error_message(ctx));
        goto done;
    }
    if (ax_ndim(in->view) != nd || memcmp(ax_shape(in->view), in->shape, sizeof(int64_t) * (size_t)nd)) {
        msgf(msg, cap, "input %d (%s): the view has shape %s, expected %s", i,
             conf_variant_name(variant), AX_SHAPE(in->view),
             ax__shape_str(in->shape, nd, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        goto done;
    }
    /* The view must read back as the values generated for it. */
    char *back = malloc((size_t)in->size * isz + 1);
    if (!back) {
        msgf(msg, cap, "input %d: out of host memory", i);
        goto done;
    }
    if (ax_copy_to(ctx, in->view, back, (size_t)in->size * isz) != AX_OK) {
        msgf(msg, cap, "input %d (%s): %s", i, conf_variant_name(variant), ax_error_message(ctx));
    } else if (memcmp(back, logical, (size_t)in->size * isz) != 0) {
        msgf(msg, cap, "input %d (%s): the %s view does not read back the values it was built from",
             i, conf_variant_name(variant), variant == CONF_PERMUTED ? "transposed" : "sliced");
    } else {
        ok = true;
    }
    free(back);
done:
    free(logical);
    return ok;
}

/* ---------------------------------------------------------------- one cell */

typedef struct conf_run_result {
    ax_status status;
    char error[512];
    ax_dtype dtype;
    int ndim;
    int64_t shape[16];
    int64_t size;
    void *data; /* row-major copy (malloc'd) */
    bool on_device; /* GPU mode: the result's values were current on the GPU after eval */
} conf_run_result;

/* Build and evaluate with the fast or the reference kernels; on_gpu: with
 * GPU 0 as the default device while the op is built, evaluated and read. */
static void run_build(ax_ctx *ctx, const conf_case *c, ax_array *const *views, bool reference,
                      bool on_gpu, conf_run_result *r) {
    memset(r, 0, sizeof *r);
    ax__cpu_force_reference(reference);
    if (on_gpu && ax_set_default_device(ctx, ax_gpu(0)) != AX_OK) {
        r->status = ax_error_code(ctx);
        snprintf(r->error, sizeof r->error, "%s: %s", ax_status_name(r->status), ax_error_message(ctx));
        ax_error_clear(ctx);
        return;
    }
    ax_array *out = c->build(ctx, views, c);
    if (out) ax_eval1(ctx, out);
    /* A result made by a GPU kernel is current on the device only until read;
     * one the CPU made (fallback) is on the host. */
    if (on_gpu && out && out->buf) r->on_device = (out->buf->where & AX_WHERE_DEV) != 0;
    if (out && ax_error_code(ctx) == AX_OK) {
        r->dtype = ax_dtype_of(out);
        r->ndim = ax_ndim(out);
        r->size = ax_size(out);
        if (r->ndim > 16) {
            ax__fail(ctx, AX_ERR_INTERNAL, "conformance: result has %d dims", r->ndim);
        } else {
            memcpy(r->shape, ax_shape(out), sizeof(int64_t) * (size_t)r->ndim);
            size_t nb = ax_nbytes(out);
            r->data = malloc(nb ? nb : 1);
            if (!r->data) ax__fail(ctx, AX_ERR_OOM, "conformance: out of host memory");
            else ax_copy_to(ctx, out, r->data, nb);
        }
    } else if (!out && ax_error_code(ctx) == AX_OK) {
        ax__fail(ctx, AX_ERR_INTERNAL, "build returned NULL without recording an error");
    }
    if (on_gpu) ax_set_default_device(ctx, ax_cpu()); /* never fails; keeps an earlier error */
    r->status = ax_error_code(ctx);
    if (r->status != AX_OK) {
        snprintf(r->error, sizeof r->error, "%s: %s", ax_status_name(r->status),
                 ax_error_message(ctx));
        free(r->data);
        r->data = NULL;
    }
    ax_error_clear(ctx);
}

/* Index of the first element still holding the guard-mode poison (never
 * written), or -1. Only for float32/float64/complex64, where the pattern is a
 * value random inputs practically never produce (-2.9e-16, -1e-129). */
static int64_t find_poison(const conf_run_result *r) {
    const size_t isz = ax_dtype_size(r->dtype);
    if (r->dtype != AX_FLOAT32 && r->dtype != AX_FLOAT64 && r->dtype != AX_COMPLEX64) return -1;
    unsigned char pat[8];
    memset(pat, AX_GUARD_POISON, sizeof pat);
    for (int64_t i = 0; i < r->size; i++) {
        const unsigned char *p = (const unsigned char *)r->data + i * (int64_t)isz;
        if (!memcmp(p, pat, isz < 8 ? isz : 8)) return i;
    }
    return -1;
}

static bool is_unsupported(ax_status s) { return s == AX_ERR_UNSUPPORTED || s == AX_ERR_DTYPE; }

/* Compare the result with case->expect; false (msg set) on a mismatch. */
static bool check_expect(const conf_case *c, const conf_input *ins, const conf_run_result *r,
                         char *msg, size_t cap) {
    if (ax_dtype_is_complex(r->dtype)) return true;
    const double *in_f64[CONF_MAX_IN];
    const int64_t *in_shapes[CONF_MAX_IN];
    int in_ndims[CONF_MAX_IN];
    for (int i = 0; i < c->n_in; i++) {
        if (ax_dtype_is_complex(ins[i].dtype)) return true;
        in_f64[i] = ins[i].f64;
        in_shapes[i] = ins[i].shape;
        in_ndims[i] = ins[i].ndim;
    }
    const size_t isz = ax_dtype_size(r->dtype);
    double *want = malloc(sizeof(double) * (size_t)(r->size ? r->size : 1));
    char *want_t = malloc((size_t)r->size * isz + 1);
    bool ok = true;
    if (!want || !want_t) {
        msgf(msg, cap, "expect: out of host memory");
        ok = false;
    } else if (c->expect(c, in_f64, in_shapes, in_ndims, want, r->size)) {
        for (int64_t j = 0; j < r->size; j++) ax__store_f64(want_t + j * (int64_t)isz, r->dtype, want[j]);
        char why[400];
        if (!conf_compare_host(r->dtype, r->data, want_t, r->size, c->tol, why, sizeof why)) {
            msgf(msg, cap, "result differs from expect(): %s", why);
            ok = false;
        }
    }
    free(want);
    free(want_t);
    return ok;
}

conf_cell_check_fn conf_extra_check;

/* ---------------------------------------------------------------- GPU mode */

bool conf_on_gpu;
bool conf_last_on_gpu;
static bool gpu_fallback_on = true;

int conf_device_setup(bool force_gpu, FILE *out) {
    const char *dev = getenv("AX_CONF_DEVICE");
    const bool want_gpu = force_gpu || (dev && !strcmp(dev, "gpu"));
    if (dev && *dev && strcmp(dev, "gpu") && strcmp(dev, "cpu")) {
        fprintf(out, "AX_CONF_DEVICE=%s: expected cpu or gpu\n", dev);
        return 2;
    }
    if (!want_gpu) return 0;
    if (ax_gpu_count() == 0) {
        fprintf(out, "skipped: no CUDA device%s\n",
                ax_cuda_built() ? "" : " (ax was built without CUDA: -DAX_CUDA=ON)");
        return CONF_EXIT_SKIP;
    }
    const char *fb = getenv("AX_CONF_GPU_FALLBACK");
    gpu_fallback_on = !(fb && *fb == '0');
    ax_set_gpu_fallback(gpu_fallback_on);
    conf_on_gpu = true;
    fprintf(out, "device: gpu:0 (%s); CPU fallback for ops without a GPU kernel %s\n",
            ax_gpu_name(0) ? ax_gpu_name(0) : "?", gpu_fallback_on ? "on" : "off");
    return 0;
}

/* Ops whose results are values moved, selected or compared (never computed
 * by rounding arithmetic): on the GPU they must equal the reference exactly.
 * (Checked on the CPU: every case covering only these ops gives the same
 * values with the fast and the reference kernels. random_bits is not here:
 * its cases also cover the distributions built on the bits, whose float
 * math may round differently; the bits themselves are integers, exact.) */
static const char *const exact_ops[] = {
    "copy", "astype", "full", "eye", "tri", "reshape", "transpose", "broadcast_to", "slice",
    "as_strided", "concatenate", "pad", "tril", "triu", "slice_update", "take",
    "take_along_axis", "gather", "sort", "argsort", "partition", "argpartition", "searchsorted",
    "where", "maximum", "minimum", "max", "min", "argmax", "argmin", "abs", "negative", "sign",
    "copysign", "real", "imag", "conjugate", "floor", "ceil", "trunc", "stop_gradient", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "isnan", "isinf", "isfinite",
    "isposinf", "isneginf", "logical_not", "logical_and", "logical_or", "logical_xor",
};

bool conf_exact_case(const conf_case *c) {
    bool any = false;
    for (const char *p = c->covers ? c->covers : ""; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (!len) break;
        bool found = false;
        for (size_t k = 0; k < sizeof exact_ops / sizeof *exact_ops && !found; k++)
            found = strlen(exact_ops[k]) == len && !strncmp(exact_ops[k], p, len);
        if (!found) return false;
        any = true;
        p += len;
    }
    return any;
}

bool conf_compare_exact(ax_dtype t, const void *got, const void *want, int64_t n, char *msg,
                        size_t cap) {
    if (!ax_dtype_is_inexact(t)) return conf_compare_host(t, got, want, n, 1, msg, cap);
    const size_t isz = ax_dtype_size(t);
    const bool cplx = ax_dtype_is_complex(t);
    const char *g = got, *w = want;
    for (int64_t i = 0; i < n; i++) {
        double gv[2] = {0, 0}, wv[2] = {0, 0};
        if (cplx) {
            ax__load_c(g + i * (int64_t)isz, t, &gv[0], &gv[1]);
            ax__load_c(w + i * (int64_t)isz, t, &wv[0], &wv[1]);
        } else {
            gv[0] = ax__load_f64(g + i * (int64_t)isz, t);
            wv[0] = ax__load_f64(w + i * (int64_t)isz, t);
        }
        for (int k = 0; k < (cplx ? 2 : 1); k++) {
            if (isnan(gv[k]) && isnan(wv[k])) continue;
            if (!(gv[k] == wv[k])) {
                msgf(msg, cap, "element %lld%s: got %.17g, want %.17g (the op moves or selects "
                     "values: %s must match exactly)", (long long)i,
                     cplx ? (k ? " (imag)" : " (real)") : "", gv[k], wv[k], ax_dtype_name(t));
                return false;
            }
        }
    }
    return true;
}

conf_outcome conf_run_cell(ax_ctx *ctx, const conf_case *c, ax_dtype dtype, unsigned variant,
                           uint64_t seed, char *msg, size_t cap) {
    msgf(msg, cap, "%s", "");
    conf_last_on_gpu = false;
    if (c->n_in < 0 || c->n_in > CONF_MAX_IN || !c->build) {
        msgf(msg, cap, "bad case: n_in %d (max %d)%s", c->n_in, CONF_MAX_IN,
             c->build ? "" : ", no build function");
        return CONF_FAIL;
    }
    for (int i = 0; i < c->n_in; i++) {
        if (c->ndim[i] < 0 || c->ndim[i] > CONF_MAX_DIM) {
            msgf(msg, cap, "bad case: input %d has ndim %d", i, c->ndim[i]);
            return CONF_FAIL;
        }
    }
    if (variant == CONF_LARGE) {
        bool any = c->n_in == 0;
        for (int i = 0; i < c->n_in; i++)
            for (int k = 0; k < c->ndim[i]; k++) any |= c->large[i][k] != 0;
        if (!any && c->n_in > 0) {
            bool all_scalars = true;
            for (int i = 0; i < c->n_in; i++) all_scalars &= c->ndim[i] == 0;
            if (!all_scalars) {
                msgf(msg, cap, "bad case: CONF_LARGE without large shapes");
                return CONF_FAIL;
            }
        }
    }
    const bool old_guards = ax__memory_set_guards(true);
    const bool old_ref = ax__cpu_use_reference();
    const long guards0 = ax__memory_guard_failures();
    const size_t active0 = ax_memory_active();
    const size_t dev_active0 = conf_on_gpu ? ax_device_memory_active(ax_gpu(0)) : 0;
    ax_error_clear(ctx);
    conf_outcome outcome = CONF_FAIL;
    conf_input ins[CONF_MAX_IN];
    memset(ins, 0, sizeof ins);
    conf_run_result fast = {0}, ref = {0};
    ax_scope_begin(ctx);
    uint64_t s = seed;
    ax_array *views[CONF_MAX_IN] = {0};
    for (int i = 0; i < c->n_in; i++) {
        if (!make_input(ctx, c, i, conf_input_dtype(c, i, dtype), variant, &s, &ins[i], msg, cap)) {
            ax_error_clear(ctx);
            goto end;
        }
        views[i] = ins[i].view;
    }
    /* GPU mode: the "fast" result is the GPU's */
    const char *const fast_name = conf_on_gpu ? "GPU" : "fast";
    run_build(ctx, c, views, false, conf_on_gpu, &fast);
    conf_last_on_gpu = fast.on_device;
    run_build(ctx, c, views, true, false, &ref);
    if (is_unsupported(fast.status) && is_unsupported(ref.status)) {
        msgf(msg, cap, "%s", fast.error);
        outcome = CONF_UNSUPPORTED;
        goto end;
    }
    if (conf_on_gpu && !gpu_fallback_on && fast.status == AX_ERR_UNSUPPORTED && ref.status == AX_OK) {
        msgf(msg, cap, "no GPU kernel (fallback off): %s", fast.error);
        outcome = CONF_UNSUPPORTED;
        goto end;
    }
    if (fast.status != AX_OK || ref.status != AX_OK) {
        msgf(msg, cap, "%s%s", fast.status != AX_OK ? (conf_on_gpu ? "GPU: " : "fast kernels: ")
                                                    : "reference kernels: ",
             fast.status != AX_OK ? fast.error : ref.error);
        goto end;
    }
    if (fast.dtype != ref.dtype || fast.ndim != ref.ndim ||
        memcmp(fast.shape, ref.shape, sizeof(int64_t) * (size_t)fast.ndim)) {
        msgf(msg, cap, "%s result %s %s, reference result %s %s", fast_name, ax_dtype_name(fast.dtype),
             ax__shape_str(fast.shape, fast.ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
             ax_dtype_name(ref.dtype),
             ax__shape_str(ref.shape, ref.ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
        goto end;
    }
    char why[400];
    /* (complex inputs excepted: abs of complex64 is a hypot, rounded) */
    if (conf_on_gpu && conf_exact_case(c) && !ax_dtype_is_complex(dtype)
            ? !conf_compare_exact(ref.dtype, fast.data, ref.data, ref.size, why, sizeof why)
            : !conf_compare_host(ref.dtype, fast.data, ref.data, ref.size, c->tol, why, sizeof why)) {
        msgf(msg, cap, "%s vs reference kernels: %s", fast_name, why);
        goto end;
    }
    int64_t unwritten = find_poison(&fast);
    if (unwritten < 0) unwritten = find_poison(&ref);
    if (unwritten >= 0) {
        msgf(msg, cap, "element %lld of the result was never written (holds the poison pattern)",
             (long long)unwritten);
        goto end;
    }
    if (c->expect && !check_expect(c, ins, &ref, msg, cap)) goto end;
    if (conf_extra_check) {
        ax__cpu_force_reference(false);
        bool ok = conf_extra_check(ctx, c, views, fast.data, fast.dtype, fast.ndim, fast.shape, msg, cap);
        ax_error_clear(ctx);
        if (!ok) goto end;
    }
    /* Nothing may have written into the inputs. On the GPU, check the device
     * copy: mark the host copy stale so ax_data reads the device's back. */
    for (int i = 0; i < c->n_in; i++) {
        ax_buffer *b = ins[i].leaf ? ins[i].leaf->buf : NULL;
        if (conf_on_gpu && b && (b->where & AX_WHERE_DEV)) b->where = AX_WHERE_DEV;
        const void *now = ax_data(ctx, ins[i].leaf);
        if (!now || (ins[i].phys_bytes && memcmp(now, ins[i].phys, ins[i].phys_bytes))) {
            msgf(msg, cap, "input %d was modified by the op", i);
            ax_error_clear(ctx);
            goto end;
        }
    }
    outcome = CONF_PASS;
end:
    ax_scope_end(ctx);
    ax_error_clear(ctx);
    for (int i = 0; i < c->n_in; i++) input_free(&ins[i]);
    free(fast.data);
    free(ref.data);
    ax__cpu_force_reference(old_ref);
    const long corrupted = ax__memory_guard_failures() - guards0;
    const size_t active1 = ax_memory_active();
    const size_t dev_active1 = conf_on_gpu ? ax_device_memory_active(ax_gpu(0)) : 0;
    ax__memory_set_guards(old_guards);
    /* These findings are added to any earlier failure's message. */
    size_t used = msg && cap ? strlen(msg) : 0;
    const char *sep = used ? "; " : "";
    if (corrupted > 0) {
        msgf(msg ? msg + used : NULL, cap - used, "%s%ld buffer(s) had guard bytes overwritten (out-of-bounds write)",
             sep, corrupted);
        outcome = CONF_FAIL;
    } else if (active1 != active0) {
        msgf(msg ? msg + used : NULL, cap - used, "%s%lld bytes of pool memory still allocated after the cell (leak)",
             sep, (long long)active1 - (long long)active0);
        outcome = CONF_FAIL;
    } else if (dev_active1 != dev_active0) {
        msgf(msg ? msg + used : NULL, cap - used, "%s%lld bytes of GPU memory still held after the cell (leak)",
             sep, (long long)dev_active1 - (long long)dev_active0);
        outcome = CONF_FAIL;
    }
    return outcome;
}
