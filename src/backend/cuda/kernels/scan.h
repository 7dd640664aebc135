/* Launchers of the scans (scan.cu): cumsum, cumprod, cummax, cummin,
 * logcumsumexp, forward or reverse, inclusive or exclusive. C-compatible. */
#ifndef AX_CU_SCAN_H
#define AX_CU_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kind: ax_scan_kind's values (src/ops/scan_sort_params.h). */
enum { AX_CU_SCAN_SUM = 0, AX_CU_SCAN_PROD, AX_CU_SCAN_MAX, AX_CU_SCAN_MIN, AX_CU_SCAN_LSE };

/* A scan of a dense row-major input seen as (outer, n, inner) along the
 * middle axis, into a dense output of the same shape whose dtype is
 * ax__scan_dtype(kind, in_dtype). */
typedef struct ax_cu_scan {
    int kind;
    int in_dtype; /* AX_CU_* */
    const void *x;
    void *y;
    int64_t outer, n, inner;
    bool reverse, inclusive;
} ax_cu_scan;

/* Whether (kind, in_dtype) is handled: complex64 only for cumsum and
 * cumprod; logcumsumexp only for floating inputs. */
bool ax_cu_scan_supported(int kind, int in_dtype);
size_t ax_cu_scan_workspace(const ax_cu_scan *d);
cudaError_t ax_cu_scan_run(const ax_cu_scan *d, void *ws, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
