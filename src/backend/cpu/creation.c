/* CPU kernels: creation family (arange, linspace, full, eye, tri).
 *
 * Outputs are fresh row-major buffers. The reference kernels compute every
 * element as a double (or int64) and store it with ax__store_*; the fast
 * kernels fill typed memory (element pattern replicated, memset for zeros)
 * over the thread pool. Both follow the same value rules. */
#include <math.h>

#include "backend/cpu/cpu.h"
#include "ops/creation.h"

#define FILL_GRAIN (1 << 15) /* elements per parallel chunk at least */

/* ---------------------------------------------------------------- fill */

typedef struct fill_ud {
    char *dst;
    size_t itemsize;
    unsigned char elem[16];
} fill_ud;

/* Replicate the element pattern over [b, e). */
static void fill_task(void *p, int64_t b, int64_t e) {
    const fill_ud *u = p;
    int64_t n = e - b;
    switch (u->itemsize) {
#define FILL_T(T)                                                                                  \
    {                                                                                              \
        T v;                                                                                       \
        memcpy(&v, u->elem, sizeof v);                                                             \
        T *d = (T *)u->dst + b;                                                                    \
        for (int64_t i = 0; i < n; i++) d[i] = v;                                                  \
        return;                                                                                    \
    }
    case 1: memset(u->dst + b, u->elem[0], (size_t)n); return;
    case 2: FILL_T(uint16_t)
    case 4: FILL_T(uint32_t)
    case 8: FILL_T(uint64_t)
#undef FILL_T
    default:
        for (int64_t i = b; i < e; i++)
            memcpy(u->dst + i * (int64_t)u->itemsize, u->elem, u->itemsize);
    }
}

static void fill_pattern(char *dst, int64_t n, ax_dtype t, double value) {
    fill_ud u = {.dst = dst, .itemsize = ax_dtype_size(t)};
    memset(u.elem, 0, sizeof u.elem);
    ax__store_f64(u.elem, t, value);
    ax__parallel_for(n, FILL_GRAIN, fill_task, &u);
}

static ax_status k_full(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_full_params *p = node->params;
    ax_array *o = out[0];
    char *d = ax__ptr(o);
    if (ax__cpu_use_reference()) {
        size_t is = ax_dtype_size(o->dtype);
        for (int64_t i = 0; i < o->size; i++)
            ax__store_f64(d + i * (int64_t)is, o->dtype, p->value);
        return AX_OK;
    }
    fill_pattern(d, o->size, o->dtype, p->value);
    return AX_OK;
}

/* ---------------------------------------------------------------- arange */

/* NumPy's fill: elements 0 and 1 are start and start + step converted to the
 * dtype; element i >= 2 is x0 + i * (x1 - x0), computed in the dtype's
 * arithmetic: int64 for integers, float for float32/float16/bfloat16/complex64
 * (the half types as NumPy's float16 does: through float), double for
 * float64. bool takes (start + i * step) != 0. */
typedef enum { AR_INT, AR_F32, AR_F64, AR_BOOL } arange_kind;

static arange_kind arange_kind_of(ax_dtype t) {
    if (t == AX_BOOL) return AR_BOOL;
    if (ax_dtype_is_integer(t)) return AR_INT;
    if (t == AX_FLOAT64) return AR_F64;
    return AR_F32;
}

/* Round a double to the dtype and return it as a float (float-class dtypes). */
static float round_to(ax_dtype t, double v) {
    switch (t) {
    case AX_FLOAT16: return ax_f16_to_f32(ax_f64_to_f16(v));
    case AX_BFLOAT16: return ax_bf16_to_f32(ax_f64_to_bf16(v));
    default: return (float)v;
    }
}

static ax_status k_arange(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_arange_params *p = node->params;
    ax_array *o = out[0];
    ax_dtype t = o->dtype;
    int64_t n = o->size;
    size_t is = ax_dtype_size(t);
    char *d = ax__ptr(o);
    bool ref = ax__cpu_use_reference();
    switch (arange_kind_of(t)) {
    case AR_INT: {
        int64_t x0 = ax__load_i64(&(double){p->start}, AX_FLOAT64);
        int64_t x1 = ax__load_i64(&(double){p->start + p->step}, AX_FLOAT64);
        uint64_t delta = (uint64_t)x1 - (uint64_t)x0; /* wrapping, as C on int64 would */
        if (!ref && t == AX_INT64) {
            for (int64_t i = 0; i < n; i++)
                ((int64_t *)d)[i] = (int64_t)((uint64_t)x0 + (uint64_t)i * delta);
        } else if (!ref && t == AX_INT32) {
            for (int64_t i = 0; i < n; i++)
                ((int32_t *)d)[i] = (int32_t)((uint64_t)x0 + (uint64_t)i * delta);
        } else {
            for (int64_t i = 0; i < n; i++)
                ax__store_i64(d + i * (int64_t)is, t,
                              (int64_t)((uint64_t)x0 + (uint64_t)i * delta));
        }
        break;
    }
    case AR_F64: {
        double x0 = p->start, x1 = p->start + p->step, delta = x1 - x0;
        double *q = (double *)d;
        for (int64_t i = 0; i < n; i++) q[i] = i == 1 ? x1 : x0 + (double)i * delta;
        break;
    }
    case AR_F32: {
        float x0 = round_to(t, p->start), x1 = round_to(t, p->start + p->step), delta = x1 - x0;
        if (!ref && t == AX_FLOAT32) {
            float *q = (float *)d;
            for (int64_t i = 0; i < n; i++) q[i] = i == 1 ? x1 : x0 + (float)i * delta;
        } else {
            for (int64_t i = 0; i < n; i++)
                ax__store_f64(d + i * (int64_t)is, t, i == 1 ? x1 : x0 + (float)i * delta);
        }
        break;
    }
    case AR_BOOL:
        for (int64_t i = 0; i < n; i++) d[i] = p->start + (double)i * p->step != 0;
        break;
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- linspace */

/* NumPy's linspace in float64: step = (stop - start) / div with div = num - 1
 * (endpoint) or num; x_i = i * step + start (i / div * delta + start when the
 * step underflows to 0); the last element is stop itself when endpoint and
 * num > 1; integer dtypes take floor(x_i). */
static ax_status k_linspace(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_linspace_params *p = node->params;
    ax_array *o = out[0];
    int64_t num = o->size;
    ax_dtype t = o->dtype;
    size_t is = ax_dtype_size(t);
    char *d = ax__ptr(o);
    int64_t div = p->endpoint ? num - 1 : num;
    double delta = p->stop - p->start;
    double step = div > 0 ? delta / (double)div : NAN;
    bool integer = ax_dtype_is_integer(t);
    for (int64_t i = 0; i < num; i++) {
        double x;
        if (div <= 0)
            x = (double)i * delta + p->start;
        else if (step == 0)
            x = (double)i / (double)div * delta + p->start;
        else
            x = (double)i * step + p->start;
        if (p->endpoint && num > 1 && i == num - 1) x = p->stop;
        if (integer) x = floor(x);
        ax__store_f64(d + i * (int64_t)is, t, x);
    }
    return AX_OK;
}

/* ---------------------------------------------------------------- eye, tri */

typedef struct diag_ud {
    char *dst;
    int64_t n, m, k;
    ax_dtype t;
    bool tri;
} diag_ud;

/* Rows [b, e) of an eye/tri output, already zeroed: write the ones. */
static void diag_rows(void *p, int64_t b, int64_t e) {
    const diag_ud *u = p;
    size_t is = ax_dtype_size(u->t);
    unsigned char one[16] = {0};
    ax__store_f64(one, u->t, 1.0);
    for (int64_t i = b; i < e; i++) {
        char *row = u->dst + i * u->m * (int64_t)is;
        /* columns j with j - i == k (eye) or j - i <= k (tri). j - i lies in
         * [-(n - 1), m - 1], so clamping k to [-n, m] changes nothing and
         * keeps i + k from overflowing (n, m < 2^62). */
        int64_t kc = u->k > u->m ? u->m : u->k < -u->n ? -u->n : u->k;
        int64_t j = i + kc; /* the diagonal's column; tri fills up to it */
        if (u->tri) {
            int64_t ncols = j + 1 < 0 ? 0 : j + 1 > u->m ? u->m : j + 1;
            fill_ud f = {.dst = row, .itemsize = is};
            memcpy(f.elem, one, sizeof one);
            fill_task(&f, 0, ncols);
        } else if (j >= 0 && j < u->m) {
            memcpy(row + j * (int64_t)is, one, is);
        }
    }
}

static ax_status k_diag(ax_ctx *ctx, const ax_node *node, ax_array *const *out, bool tri) {
    (void)ctx;
    const ax_diag_params *p = node->params;
    ax_array *o = out[0];
    int64_t n = o->shape[0], m = o->shape[1];
    char *d = ax__ptr(o);
    size_t is = ax_dtype_size(o->dtype);
    if (ax__cpu_use_reference()) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++) {
                /* j - i cannot overflow: both are in [0, 2^62) */
                bool on = tri ? j - i <= p->k : j - i == p->k;
                ax__store_f64(d + (i * m + j) * (int64_t)is, o->dtype, on ? 1.0 : 0.0);
            }
        return AX_OK;
    }
    memset(d, 0, (size_t)o->size * is);
    diag_ud u = {.dst = d, .n = n, .m = m, .k = p->k, .t = o->dtype, .tri = tri};
    int64_t grain = FILL_GRAIN / (m > 0 ? m : 1);
    ax__parallel_for(n, grain < 1 ? 1 : grain, diag_rows, &u);
    return AX_OK;
}

static ax_status k_eye(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    return k_diag(ctx, node, out, false);
}

static ax_status k_tri(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    return k_diag(ctx, node, out, true);
}

void ax__cpu_register_creation(ax_kernel *table) {
    table[AX_OP_ARANGE] = k_arange;
    table[AX_OP_LINSPACE] = k_linspace;
    table[AX_OP_FULL] = k_full;
    table[AX_OP_EYE] = k_eye;
    table[AX_OP_TRI] = k_tri;
}
