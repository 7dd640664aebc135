/* Params of the linear-algebra primitives (src/ops/ops_linalg.def), shared by
 * the op constructors (src/ops/linalg.c) and the CPU kernels
 * (src/backend/cpu/linalg*.c). One struct for every primitive; fields an op
 * does not use stay 0 (params are compared bytewise). */
#ifndef AX_OPS_LINALG_PARAMS_H
#define AX_OPS_LINALG_PARAMS_H

#include <stdint.h>

#include "core/internal.h"

typedef struct ax_linalg_params {
    int32_t upper;   /* cholesky/cholesky_inv: upper factor; solve_triangular: A is
                        upper; eigh: read the upper triangle (UPLO='U') */
    int32_t unit;    /* solve_triangular: unit diagonal (not read) */
    int32_t trans;   /* solve_triangular: solve A^T x = b */
    int32_t full;    /* qr: complete Q (m x m); svd: full_matrices */
    int32_t vectors; /* svd: compute U and Vh; eig/eigh: eigenvectors; det: 1 = slogdet */
    int32_t bvec;    /* solve/solve_triangular: b is a vector (..., n) */
} ax_linalg_params;

/* The error of a kernel whose solver failed on batch item `item` with
 * LAPACK-style `info` (> 0: the matrix; < 0: argument -info was rejected by
 * `lib`, a bug). One wording for every backend (src/ops/linalg.c). */
ax_status ax__linalg_item_error(ax_ctx *ctx, ax_op op, int64_t item, int info, const char *lib);

#endif
