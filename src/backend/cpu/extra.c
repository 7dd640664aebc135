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

#include "backend/cpu/cpu.h"
#include "ops/extra_params.h"

/* ---------------------------------------------------------------- i0 */

static const double I0_A[30] = {
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15,  -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12,  -1.72682629144155570723E-11,
    9.67580903537323691224E-11,  -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8,  6.04699502254191894932E-8,   -2.67079385394061173391E-7,
    1.11738753912010371815E-6,   -4.41673835845875056359E-6,  1.64484480707288970893E-5,
    -5.75419501008210370398E-5,  1.88502885095841655729E-4,   -5.76375574538582365885E-4,
    1.63947561694133579842E-3,   -4.32430999505057594430E-3,  1.05464603945949983183E-2,
    -2.37374148058994688156E-2,  4.93052842396707084878E-2,   -9.49010970480476444210E-2,
    1.71620901522208775349E-1,   -3.04682672343198398683E-1,  6.76795274409476084995E-1};

static const double I0_B[25] = {
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17,  -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15,  3.81168066935262242075E-15,  -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14,  3.85277838274214270114E-13,
    7.18012445138366623367E-13,  -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11,  4.94060238822496958910E-10,
    3.39623202570838634515E-9,   2.26666899049817806459E-8,   2.04891858946906374183E-7,
    2.89137052083475648297E-6,   6.88975834691682398426E-5,   3.36911647825569408990E-3,
    8.04490411014108831608E-1};

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

static const double I1_A[29] = {
    2.77791411276104639959E-18,  -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15,  -5.04218550472791168711E-14,
    3.22379336594557470981E-13,  -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10,  -1.88724975172282928790E-9,
    9.38153738649577178388E-9,   -4.44505912879632808065E-8,  2.00329475355213526229E-7,
    -8.56872026469545474066E-7,  3.47025130813767847674E-6,   -1.32731636560394358279E-5,
    4.78156510755005422638E-5,   -1.61760815825896745588E-4,  5.12285956168575772895E-4,
    -1.51357245063125314899E-3,  4.15642294431288815669E-3,   -1.05640848946261981558E-2,
    2.47264490306265168283E-2,   -5.29459812080949914269E-2,  1.02643658689847095384E-1,
    -1.76416518357834055153E-1,  2.52587186443633654823E-1};

static const double I1_B[25] = {
    7.51729631084210481353E-18,  4.41434832307170791151E-18,  -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16,  3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14,  -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12,  1.41258074366137813316E-11,
    3.25260358301548823856E-11,  -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9,  -2.63146884688951950684E-8,  -2.51223623787020892529E-7,
    -3.88256480887769039346E-6,  -1.10588938762623716291E-4,  -9.76109749136146840777E-3,
    7.78576235018280120474E-1};

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
