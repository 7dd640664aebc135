/* CPU kernels: more products, creation and shape ops (WINDOW, I0, I1).
 *
 * WINDOW evaluates NumPy's window formulas in float64 for every element and
 * stores them in the output dtype; the fast kernel splits the elements over
 * the pool and writes float32/float64 directly, the reference kernel is one
 * loop through ax__store_f64. I0 follows NumPy's i0, itself the Cephes
 * implementation (Chebyshev series in exp(-|x|) I0(|x|) on [0, 8] and in
 * exp(-|x|) sqrt(|x|) I0(|x|) beyond); the fast kernel runs typed loops over
 * ax__cpu_loop (coalesced, threaded), the reference kernel walks the
 * coordinates one element at a time. Both compute every value in double and
 * round once. I1 is Cephes' i1 (the same two Chebyshev ranges, for
 * exp(-|x|) I1(|x|) / |x| and exp(-|x|) sqrt(|x|) I1(|x|); odd in x) with the
 * same two kernels. */
#include <math.h>

#include "backend/bessel_coefs.h"
#include "backend/cpu/cpu.h"
#include "ops/extra_params.h"

/* ---------------------------------------------------------------- i0 */

static const double I0_A[30] = AX_BESSEL_I0_A;

static const double I0_B[25] = AX_BESSEL_I0_B;

/* Clenshaw's recurrence for a Chebyshev series, as Cephes' chbevl. */
static double chbevl(double x, const double *c, int n) {
    double b0 = c[0], b1 = 0, b2 = 0;
    for (int i = 1; i < n; i++) {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + c[i];
    }
    return 0.5 * (b0 - b2);
}

double ax__bessel_i0(double x) {
    x = fabs(x);
    if (isnan(x)) return x;
    if (x <= 8.0) return exp(x) * chbevl(x / 2.0 - 2.0, I0_A, 30);
    if (isinf(x)) return INFINITY;
    return exp(x) * chbevl(32.0 / x - 2.0, I0_B, 25) / sqrt(x);
}

static const double I1_A[29] = AX_BESSEL_I1_A;

static const double I1_B[25] = AX_BESSEL_I1_B;

double ax__bessel_i1(double x) {
    double z = fabs(x), r;
    if (isnan(x)) return x;
    if (z <= 8.0) r = chbevl(z / 2.0 - 2.0, I1_A, 29) * z * exp(z);
    else if (isinf(z)) r = INFINITY;
    else r = exp(z) * chbevl(32.0 / z - 2.0, I1_B, 25) / sqrt(z);
    return x < 0 ? -r : r;
}

/* ---------------------------------------------------------------- window */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double ax__window_value(int kind, double beta, int64_t i, int64_t m) {
    if (m == 1) return 1.0;
    double M = (double)m;
    if (kind == AX__WINDOW_KAISER) {
        /* i0(beta * sqrt(1 - ((n - alpha) / alpha)^2)) / i0(beta) */
        double alpha = (M - 1) / 2.0, r = ((double)i - alpha) / alpha;
        return ax__bessel_i0(beta * sqrt(1 - r * r)) / ax__bessel_i0(beta);
    }
    double n = (1 - M) + 2.0 * (double)i; /* arange(1 - M, M, 2) */
    switch (kind) {
    case AX__WINDOW_HANNING: return 0.5 + 0.5 * cos(M_PI * n / (M - 1));
    case AX__WINDOW_HAMMING: return 0.54 + 0.46 * cos(M_PI * n / (M - 1));
    case AX__WINDOW_BLACKMAN:
        return 0.42 + 0.5 * cos(M_PI * n / (M - 1)) + 0.08 * cos(2.0 * M_PI * n / (M - 1));
    default: /* bartlett */ return n <= 0 ? 1 + n / (M - 1) : 1 - n / (M - 1);
    }
}

typedef struct window_ud {
    const ax_window_params *p;
    ax_array *out;
} window_ud;

static void window_task(void *ud, int64_t b, int64_t e) {
    const window_ud *u = ud;
    ax_array *o = u->out;
    char *d = ax__ptr(o);
    if (o->dtype == AX_FLOAT64) {
        for (int64_t i = b; i < e; i++)
            ((double *)d)[i] = ax__window_value(u->p->kind, u->p->beta, i, o->size);
    } else if (o->dtype == AX_FLOAT32) {
        for (int64_t i = b; i < e; i++)
            ((float *)d)[i] = (float)ax__window_value(u->p->kind, u->p->beta, i, o->size);
    } else {
        size_t is = ax_dtype_size(o->dtype);
        for (int64_t i = b; i < e; i++)
            ax__store_f64(d + i * (int64_t)is, o->dtype,
                          ax__window_value(u->p->kind, u->p->beta, i, o->size));
    }
}

static ax_status k_window(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    const ax_window_params *p = node->params;
    ax_array *o = out[0];
    if (ax__cpu_use_reference()) {
        char *d = ax__ptr(o);
        size_t is = ax_dtype_size(o->dtype);
        for (int64_t i = 0; i < o->size; i++)
            ax__store_f64(d + i * (int64_t)is, o->dtype,
                          ax__window_value(p->kind, p->beta, i, o->size));
        return AX_OK;
    }
    window_ud u = {p, o};
    ax__parallel_for(o->size, 4096, window_task, &u);
    return AX_OK;
}

/* ---------------------------------------------------------------- I0 and I1 kernels */

typedef struct bessel_ud {
    ax_dtype t;
    double (*f)(double);
} bessel_ud;

static void bessel_loop(char **ptrs, const int64_t *bs, int64_t n, void *ud) {
    ax_dtype t = ((const bessel_ud *)ud)->t;
    double (*f)(double) = ((const bessel_ud *)ud)->f;
    char *o = ptrs[0], *x = ptrs[1];
    if (t == AX_FLOAT32) {
        for (int64_t i = 0; i < n; i++, o += bs[0], x += bs[1])
            *(float *)o = (float)f(*(const float *)x);
    } else if (t == AX_FLOAT64) {
        for (int64_t i = 0; i < n; i++, o += bs[0], x += bs[1])
            *(double *)o = f(*(const double *)x);
    } else {
        for (int64_t i = 0; i < n; i++, o += bs[0], x += bs[1])
            ax__store_f64(o, t, f(ax__load_f64(x, t)));
    }
}

static ax_status k_bessel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    (void)ctx;
    ax_array *o = out[0], *x = node->inputs[0];
    ax_dtype t = o->dtype;
    double (*f)(double) = node->op == AX_OP_I1 ? ax__bessel_i1 : ax__bessel_i0;
    if (ax__cpu_use_reference()) {
        /* coordinates odometer over x's strides; out is row-major */
        size_t is = ax_dtype_size(t);
        int64_t idx[AX_MAX_NDIM] = {0}, off = 0;
        const char *xb = ax__ptr(x);
        char *ob = ax__ptr(o);
        for (int64_t i = 0; i < o->size; i++) {
            ax__store_f64(ob + i * (int64_t)is, t,
                          f(ax__load_f64(xb + off * (int64_t)is, t)));
            for (int d = x->ndim - 1; d >= 0; d--) {
                off += x->strides[d];
                if (++idx[d] < x->shape[d]) break;
                off -= x->strides[d] * x->shape[d];
                idx[d] = 0;
            }
        }
        return AX_OK;
    }
    bessel_ud u = {t, f};
    ax__cpu_ew_loop(o, &x, 1, bessel_loop, &u, true);
    return AX_OK;
}

void ax__cpu_register_extra(ax_kernel *table) {
    table[AX_OP_WINDOW] = k_window;
    table[AX_OP_I0] = k_bessel;
    table[AX_OP_I1] = k_bessel;
}
