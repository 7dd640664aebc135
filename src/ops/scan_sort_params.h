/* Params of the scan and sort families (SCAN, SORT, ARGSORT, PARTITION,
 * ARGPARTITION, SEARCHSORTED), shared by the op constructors
 * (src/ops/scan.c, src/ops/sort.c) and the CPU kernels. */
#ifndef AX_OPS_SCAN_SORT_PARAMS_H
#define AX_OPS_SCAN_SORT_PARAMS_H

#include <stdint.h>

#include "ax/core.h"

typedef enum ax_scan_kind {
    AX_SCAN_SUM = 0,
    AX_SCAN_PROD = 1,
    AX_SCAN_MAX = 2,
    AX_SCAN_MIN = 3,
    AX_SCAN_LOGSUMEXP = 4
} ax_scan_kind;

typedef struct ax_scan_params {
    int32_t kind;      /* ax_scan_kind */
    int32_t axis;      /* normalized, in [0, ndim) */
    int32_t reverse;   /* scan from the end of the axis */
    int32_t inclusive; /* out[i] includes x[i] (else the identity shifts in) */
} ax_scan_params;

/* SORT, ARGSORT (kth unused, 0), PARTITION, ARGPARTITION. */
typedef struct ax_sort_params {
    int32_t axis; /* normalized, in [0, ndim) */
    int32_t pad;
    int64_t kth;  /* normalized, in [0, n) (partition only) */
} ax_sort_params;

typedef struct ax_searchsorted_params {
    int32_t right; /* side="right": first index i with v < a[i] */
} ax_searchsorted_params;

/* The dtype a scan of `t` produces: NumPy's accumulation dtype for cumsum
 * and cumprod (bool and signed integers narrower than 64 bits -> int64,
 * unsigned -> uint64), the input dtype for cummax/cummin, and float32 for
 * integer logcumsumexp (as logsumexp). */
static inline ax_dtype ax__scan_dtype(ax_scan_kind k, ax_dtype t) {
    switch (k) {
    case AX_SCAN_SUM:
    case AX_SCAN_PROD:
        switch (t) {
        case AX_BOOL: case AX_INT8: case AX_INT16: case AX_INT32: return AX_INT64;
        case AX_UINT8: case AX_UINT16: case AX_UINT32: return AX_UINT64;
        default: return t;
        }
    case AX_SCAN_LOGSUMEXP: return ax_dtype_is_inexact(t) ? t : AX_FLOAT32;
    default: return t;
    }
}

#endif
