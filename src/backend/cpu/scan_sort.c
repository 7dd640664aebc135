/* CPU kernels: scans (this file) and the registration of the sort family
 * (sort_ref.c: reference kernels; sort_simd.c, sort_radix.c, sort_select.c: fast ones).
 *
 * Scan reference kernel: one line at a time through ax__load_* / ax__store_*,
 * accumulating in double (floats), two doubles (complex), 64-bit integers
 * (wrapping) — obvious and stride-generic. Fast kernel: float32, float64,
 * int32 and int64 inputs, made contiguous, seen as (outer, n, inner) and
 * scanned a row of `inner` accumulators at a time (vectorized across inner),
 * lines split over the thread pool. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sort_impl.h"

/* ---------------------------------------------------------------- reference */

typedef enum { SK_FLOAT, SK_COMPLEX, SK_SINT, SK_UINT } scan_vkind;

static scan_vkind scan_kind_of(ax_dtype t) {
    if (t == AX_COMPLEX64) return SK_COMPLEX;
    if (ax_dtype_is_floating(t)) return SK_FLOAT;
    if (ax_dtype_is_signed_integer(t)) return SK_SINT;
    return SK_UINT; /* unsigned and bool */
}

/* Lowest / highest value of an integer dtype as int64 / uint64 bits. */
static void int_limits(ax_dtype t, int64_t *smin, int64_t *smax, uint64_t *umax) {
    int bits = (int)ax_dtype_size(t) * 8;
    *smin = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
    *smax = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
    *umax = t == AX_BOOL ? 1 : bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
}

typedef struct scan_acc {
    int kind;
    scan_vkind k;
    double fa, fb; /* float / complex accumulator */
    uint64_t ua;   /* integer accumulator (sum/prod wrap; max/min: the value's bits) */
} scan_acc;

static void scan_acc_store(const scan_acc *s, char *py, ax_dtype ot) {
    if (s->k == SK_COMPLEX) ax__store_c(py, ot, s->fa, s->fb);
    else if (s->k == SK_FLOAT || s->kind == AX_SCAN_LOGSUMEXP) ax__store_f64(py, ot, s->fa);
    else if (s->k == SK_SINT && (s->kind == AX_SCAN_MAX || s->kind == AX_SCAN_MIN))
        ax__store_i64(py, ot, (int64_t)s->ua);
    else ax__store_u64(py, ot, s->ua);
}

static void scan_acc_combine(scan_acc *s, const char *px, ax_dtype it) {
    int kind = s->kind;
    if (kind == AX_SCAN_LOGSUMEXP) {
        s->fa = scan_logaddexp(s->fa, ax__load_f64(px, it));
    } else if (s->k == SK_COMPLEX) {
        double vr, vi;
        ax__load_c(px, it, &vr, &vi);
        if (kind == AX_SCAN_SUM) {
            s->fa += vr;
            s->fb += vi;
        } else {
            double r = s->fa * vr - s->fb * vi;
            s->fb = s->fa * vi + s->fb * vr;
            s->fa = r;
        }
    } else if (s->k == SK_FLOAT) {
        double v = ax__load_f64(px, it), a = s->fa;
        switch (kind) {
        case AX_SCAN_SUM: s->fa = a + v; break;
        case AX_SCAN_PROD: s->fa = a * v; break;
        case AX_SCAN_MAX: if (!isnan(a) && (isnan(v) || v > a)) s->fa = v; break;
        case AX_SCAN_MIN: if (!isnan(a) && (isnan(v) || v < a)) s->fa = v; break;
        }
    } else if (kind == AX_SCAN_SUM || kind == AX_SCAN_PROD) {
        uint64_t v = (uint64_t)ax__load_i64(px, it);
        s->ua = kind == AX_SCAN_SUM ? s->ua + v : s->ua * v;
    } else if (s->k == SK_SINT) {
        int64_t v = ax__load_i64(px, it), a = (int64_t)s->ua;
        if (kind == AX_SCAN_MAX ? v > a : v < a) s->ua = (uint64_t)v;
    } else {
        uint64_t v = ax__load_u64(px, it);
        if (kind == AX_SCAN_MAX ? v > s->ua : v < s->ua) s->ua = v;
    }
}

static void scan_ref_line(const ax_scan_params *p, const char *x, int64_t xs, ax_dtype it,
                          char *y, int64_t ys, ax_dtype ot, int64_t n) {
    size_t isz = ax_dtype_size(it), osz = ax_dtype_size(ot);
    scan_acc s = {.kind = p->kind, .k = scan_kind_of(it)};
    int64_t smin = 0, smax = 0;
    uint64_t umax = 0;
    if (s.k == SK_SINT || s.k == SK_UINT) int_limits(it, &smin, &smax, &umax);
    switch (p->kind) {
    case AX_SCAN_SUM: s.fa = 0, s.ua = 0; break;
    case AX_SCAN_PROD: s.fa = 1, s.ua = 1; break;
    case AX_SCAN_MAX: s.fa = -INFINITY, s.ua = s.k == SK_SINT ? (uint64_t)smin : 0; break;
    case AX_SCAN_MIN: s.fa = INFINITY, s.ua = s.k == SK_SINT ? (uint64_t)smax : umax; break;
    case AX_SCAN_LOGSUMEXP: s.fa = -INFINITY; break;
    }
    for (int64_t t = 0; t < n; t++) {
        int64_t i = p->reverse ? n - 1 - t : t;
        const char *px = x + i * xs * (int64_t)isz;
        char *py = y + i * ys * (int64_t)osz;
        if (!p->inclusive) scan_acc_store(&s, py, ot);
        scan_acc_combine(&s, px, it);
        if (p->inclusive) scan_acc_store(&s, py, ot);
    }
}

typedef struct scan_ref_job {
    const ax_scan_params *p;
    const ax_array *x;
    ax_array *y;
    sort_lines L;
} scan_ref_job;

static void scan_ref_range(void *ud, int64_t b, int64_t e) {
    scan_ref_job *j = ud;
    const char *x = ax__ptr(j->x);
    char *y = ax__ptr(j->y);
    size_t isz = ax_dtype_size(j->x->dtype), osz = ax_dtype_size(j->y->dtype);
    for (int64_t l = b; l < e; l++) {
        int64_t io, oo;
        sort_line_offsets(&j->L, l, &io, &oo);
        scan_ref_line(j->p, x + io * (int64_t)isz, j->L.istride, j->x->dtype,
                      y + oo * (int64_t)osz, j->L.ostride, j->y->dtype, j->L.n);
    }
}

/* ---------------------------------------------------------------- fast */

#define MAXF(a, b) (((a) >= (b) || (a) != (a)) ? (a) : (b))
#define MINF(a, b) (((a) <= (b) || (a) != (a)) ? (a) : (b))
#define MAXI(a, b) ((a) >= (b) ? (a) : (b))
#define MINI(a, b) ((a) <= (b) ? (a) : (b))
#define SUMOP(a, b) ((a) + (b))
#define PRODOP(a, b) ((a) * (b))

/* One panel: x, y point at row 0 of `w` adjacent columns of an (n, inner)
 * block; acc has w slots. */
#define SCAN_PANEL(NAME, TIN, TACC, TOUT, OP, IDENT)                                      \
    static void NAME(const TIN *x, TOUT *y, int64_t n, int64_t inner, int64_t w, TACC *acc, \
                     bool rev, bool incl) {                                               \
        if (w == 1) {                                                                     \
            TACC a = IDENT;                                                               \
            int64_t step = rev ? -inner : inner;                                          \
            const TIN *px = x + (rev ? (n - 1) * inner : 0);                              \
            TOUT *py = y + (rev ? (n - 1) * inner : 0);                                   \
            if (incl)                                                                     \
                for (int64_t i = 0; i < n; i++, px += step, py += step) {                 \
                    a = OP(a, (TACC)*px);                                                 \
                    *py = (TOUT)a;                                                        \
                }                                                                         \
            else                                                                          \
                for (int64_t i = 0; i < n; i++, px += step, py += step) {                 \
                    TACC v = (TACC)*px;                                                   \
                    *py = (TOUT)a;                                                        \
                    a = OP(a, v);                                                         \
                }                                                                         \
            return;                                                                       \
        }                                                                                 \
        for (int64_t j = 0; j < w; j++) acc[j] = IDENT;                                   \
        for (int64_t t = 0; t < n; t++) {                                                 \
            int64_t i = rev ? n - 1 - t : t;                                              \
            const TIN *xr = x + i * inner;                                                \
            TOUT *yr = y + i * inner;                                                     \
            if (incl)                                                                     \
                for (int64_t j = 0; j < w; j++) {                                         \
                    acc[j] = OP(acc[j], (TACC)xr[j]);                                     \
                    yr[j] = (TOUT)acc[j];                                                 \
                }                                                                         \
            else                                                                          \
                for (int64_t j = 0; j < w; j++) {                                         \
                    TACC v = (TACC)xr[j];                                                 \
                    yr[j] = (TOUT)acc[j];                                                 \
                    acc[j] = OP(acc[j], v);                                               \
                }                                                                         \
        }                                                                                 \
    }

#define LAE(a, b) scan_logaddexp(a, b)
SCAN_PANEL(f32_sum, float, double, float, SUMOP, 0.0)
SCAN_PANEL(f32_prod, float, double, float, PRODOP, 1.0)
SCAN_PANEL(f32_max, float, float, float, MAXF, -INFINITY)
SCAN_PANEL(f32_min, float, float, float, MINF, INFINITY)
SCAN_PANEL(f32_lse, float, double, float, LAE, -INFINITY)
SCAN_PANEL(f64_sum, double, double, double, SUMOP, 0.0)
SCAN_PANEL(f64_prod, double, double, double, PRODOP, 1.0)
SCAN_PANEL(f64_max, double, double, double, MAXF, -INFINITY)
SCAN_PANEL(f64_min, double, double, double, MINF, INFINITY)
SCAN_PANEL(f64_lse, double, double, double, LAE, -INFINITY)
/* integer sums and products wrap: accumulate in uint64 (int64_t) casts are
 * GCC/Clang modulo conversions) */
#define I32U(x) ((uint64_t)(int64_t)(x))
SCAN_PANEL(i32_sum, int32_t, uint64_t, int64_t, SUMOP, 0)
SCAN_PANEL(i32_prod, int32_t, uint64_t, int64_t, PRODOP, 1)
SCAN_PANEL(i32_max, int32_t, int32_t, int32_t, MAXI, INT32_MIN)
SCAN_PANEL(i32_min, int32_t, int32_t, int32_t, MINI, INT32_MAX)
SCAN_PANEL(i64_sum, int64_t, uint64_t, int64_t, SUMOP, 0)
SCAN_PANEL(i64_prod, int64_t, uint64_t, int64_t, PRODOP, 1)
SCAN_PANEL(i64_max, int64_t, int64_t, int64_t, MAXI, INT64_MIN)
SCAN_PANEL(i64_min, int64_t, int64_t, int64_t, MINI, INT64_MAX)

typedef void (*panel_fn)(const void *, void *, int64_t, int64_t, int64_t, void *, bool, bool);

static panel_fn pick_panel(ax_dtype t, int kind, size_t *acc_size) {
#define P(f) ((panel_fn)(void (*)(void))(f))
    static const struct {
        ax_dtype t;
        panel_fn fn[5];
        size_t acc[5];
    } tab[] = {
        {AX_FLOAT32, {P(f32_sum), P(f32_prod), P(f32_max), P(f32_min), P(f32_lse)}, {8, 8, 4, 4, 8}},
        {AX_FLOAT64, {P(f64_sum), P(f64_prod), P(f64_max), P(f64_min), P(f64_lse)}, {8, 8, 8, 8, 8}},
        {AX_INT32, {P(i32_sum), P(i32_prod), P(i32_max), P(i32_min), NULL}, {8, 8, 4, 4, 0}},
        {AX_INT64, {P(i64_sum), P(i64_prod), P(i64_max), P(i64_min), NULL}, {8, 8, 8, 8, 0}},
    };
#undef P
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (tab[i].t == t) {
            *acc_size = tab[i].acc[kind];
            return tab[i].fn[kind];
        }
    return NULL;
}

enum { PANEL_W = 256 };

typedef struct scan_fast_job {
    panel_fn fn;
    const char *x;
    char *y;
    size_t isz, osz, accsz;
    int64_t n, inner, npanels; /* panels per outer index */
    bool rev, incl;
} scan_fast_job;

static void scan_fast_range(void *ud, int64_t b, int64_t e) {
    scan_fast_job *j = ud;
    _Alignas(64) char acc[PANEL_W * 8];
    for (int64_t t = b; t < e; t++) {
        int64_t o = t / j->npanels, c0 = (t % j->npanels) * PANEL_W;
        int64_t w = j->inner - c0 < PANEL_W ? j->inner - c0 : PANEL_W;
        int64_t off = o * j->n * j->inner + c0;
        j->fn(j->x + off * (int64_t)j->isz, j->y + off * (int64_t)j->osz, j->n, j->inner, w, acc,
              j->rev, j->incl);
    }
}

ax_status ax__cpu_scan(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    const ax_scan_params *p = node->params;
    const ax_array *x = node->inputs[0];
    ax_array *y = out[0];
    if (y->size == 0) return AX_OK;
    size_t accsz = 0;
    panel_fn fn = ax__cpu_use_reference() ? NULL : pick_panel(x->dtype, p->kind, &accsz);
    if (!fn) {
        scan_ref_job j = {.p = p, .x = x, .y = y};
        sort_lines_init(&j.L, x, y, p->axis);
        int64_t grain = j.L.n >= 4096 ? 1 : 4096 / (j.L.n ? j.L.n : 1);
        ax__parallel_for(j.L.count, grain, scan_ref_range, &j);
        return AX_OK;
    }
    const char *xd = ax__ptr(x);
    void *tmp = NULL;
    if (!x->contiguous) {
        tmp = ax__malloc(ctx, (size_t)x->size * ax_dtype_size(x->dtype));
        if (!tmp) return AX_ERR_OOM;
        ax__cpu_copy_to_contiguous(x, tmp);
        xd = tmp;
    }
    int64_t outer = 1, inner = 1, n = x->shape[p->axis];
    for (int d = 0; d < p->axis; d++) outer *= x->shape[d];
    for (int d = p->axis + 1; d < x->ndim; d++) inner *= x->shape[d];
    scan_fast_job j = {.fn = fn, .x = xd, .y = ax__ptr(y), .isz = ax_dtype_size(x->dtype),
                       .osz = ax_dtype_size(y->dtype), .accsz = accsz, .n = n, .inner = inner,
                       .npanels = (inner + PANEL_W - 1) / PANEL_W, .rev = p->reverse,
                       .incl = p->inclusive};
    int64_t tasks = outer * j.npanels, per = n * (inner < PANEL_W ? inner : PANEL_W);
    ax__parallel_for(tasks, per >= 16384 ? 1 : 16384 / (per ? per : 1), scan_fast_range, &j);
    free(tmp);
    return AX_OK;
}

/* ---------------------------------------------------------------- sort family */

static ax_status k_sort(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    ax_status st = AX_OK;
    if (!ax__cpu_use_reference() &&
        (ax__cpu_sort_simd(ctx, node, out, &st) || ax__cpu_sort_fast(ctx, node, out, &st)))
        return st;
    return ax__cpu_sort_ref(ctx, node, out);
}

static ax_status k_partition(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    ax_status st = AX_OK;
    if (!ax__cpu_use_reference() && ax__cpu_partition_fast(ctx, node, out, &st)) return st;
    return ax__cpu_sort_ref(ctx, node, out); /* a sorted line is a valid partition */
}

static ax_status k_searchsorted(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    ax_status st = AX_OK;
    if (!ax__cpu_use_reference() && ax__cpu_searchsorted_fast(ctx, node, out, &st)) return st;
    return ax__cpu_searchsorted_ref(ctx, node, out);
}

void ax__cpu_register_scan_sort(ax_kernel *table) {
    table[AX_OP_SCAN] = ax__cpu_scan;
    table[AX_OP_SORT] = k_sort;
    table[AX_OP_ARGSORT] = k_sort;
    table[AX_OP_PARTITION] = k_partition;
    table[AX_OP_ARGPARTITION] = k_partition;
    table[AX_OP_SEARCHSORTED] = k_searchsorted;
}
