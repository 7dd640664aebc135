/* Shared by the scan and sort kernels (scan_sort.c, sort_*.c): walking the
 * lines of an array along one axis, NumPy's sort order, and the entry points
 * of each kernel file. */
#ifndef AX_CPU_SORT_IMPL_H
#define AX_CPU_SORT_IMPL_H

#include <math.h>

#include "backend/cpu/cpu.h"
#include "ops/scan_sort_params.h"

/* The lines of `in` along `axis` and where each lands in the row-major
 * output `out` (same shape, or out == NULL). */
typedef struct sort_lines {
    int nd; /* outer (non-axis) dims, coalesced where possible */
    int64_t shape[AX_MAX_NDIM], ist[AX_MAX_NDIM], ost[AX_MAX_NDIM];
    int64_t count;            /* number of lines */
    int64_t n;                /* line length */
    int64_t istride, ostride; /* along the axis, in elements */
} sort_lines;

static inline void sort_lines_init(sort_lines *L, const ax_array *in, const ax_array *out,
                                   int axis) {
    L->nd = 0;
    L->count = 1;
    L->n = in->shape[axis];
    L->istride = in->strides[axis];
    L->ostride = out ? out->strides[axis] : 0;
    for (int d = 0; d < in->ndim; d++) {
        if (d == axis) continue;
        int64_t sh = in->shape[d], is = in->strides[d], os = out ? out->strides[d] : 0;
        L->count *= sh;
        if (sh == 1) continue;
        int k = L->nd - 1;
        if (k >= 0 && L->ist[k] == is * sh && L->ost[k] == os * sh) {
            L->shape[k] *= sh;
            L->ist[k] = is;
            L->ost[k] = os;
            continue;
        }
        L->shape[L->nd] = sh;
        L->ist[L->nd] = is;
        L->ost[L->nd] = os;
        L->nd++;
    }
}

/* Element offsets (input, output) of the start of line `line`. */
static inline void sort_line_offsets(const sort_lines *L, int64_t line, int64_t *io, int64_t *oo) {
    int64_t i = 0, o = 0;
    for (int d = L->nd - 1; d >= 0; d--) {
        int64_t k = line % L->shape[d];
        line /= L->shape[d];
        i += k * L->ist[d];
        o += k * L->ost[d];
    }
    *io = i;
    *oo = o;
}

/* NumPy's order on doubles: NaN after everything, -0.0 == 0.0. */
static inline bool sort_lt_f64(double a, double b) { return a < b || (b != b && a == a); }

/* logaddexp without overflow; NaN propagates; -inf is the identity. */
static inline double scan_logaddexp(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return a == -INFINITY ? a : a + 0.6931471805599453;
    double m = a > b ? a : b, d = a > b ? b - a : a - b;
    return m + log1p(exp(d));
}

/* Scan kernels (scan_sort.c). */
ax_status ax__cpu_scan(ax_ctx *ctx, const ax_node *node, ax_array *const *out);
/* Reference kernels (sort_ref.c): stable merge sort of indices with a
 * comparator on loaded values; searchsorted by counting. */
ax_status ax__cpu_sort_ref(ax_ctx *ctx, const ax_node *node, ax_array *const *out);
ax_status ax__cpu_searchsorted_ref(ax_ctx *ctx, const ax_node *node, ax_array *const *out);
/* Fast kernels (sort_radix.c, sort_select.c). Return false when they do not
 * handle the case (the caller runs the reference kernel). */
bool ax__cpu_sort_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st);
/* AVX-512 quicksort of float32 / int32 / float64 / int64 values (sort_simd.c); false when the
 * build lacks AVX-512F or the case is not one it handles. */
bool ax__cpu_sort_simd(ax_ctx *ctx, const ax_node *node, ax_array *const *out, ax_status *st);
bool ax__cpu_partition_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out,
                            ax_status *st);
bool ax__cpu_searchsorted_fast(ax_ctx *ctx, const ax_node *node, ax_array *const *out,
                               ax_status *st);

#endif
