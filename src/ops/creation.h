/* Params of the creation primitives (shared by the op constructors in
 * src/ops/creation.c and the kernels in src/backend/cpu/creation.c). The
 * output's shape and dtype live in the array; params hold only the values. */
#ifndef AX_OPS_CREATION_H
#define AX_OPS_CREATION_H

#include <stdint.h>

/* ARANGE: element i is start + i * delta, computed as NumPy fills (see the
 * kernel). `stop` is kept only for reporting; the length is the shape. */
typedef struct ax_arange_params {
    double start, step;
} ax_arange_params;

/* LINSPACE: NumPy's linspace (float64 math, last element = stop when
 * endpoint and num > 1, integers floored). num is the output length. */
typedef struct ax_linspace_params {
    double start, stop;
    int32_t endpoint;
    int32_t pad_;
} ax_linspace_params;

/* FULL: every element is value (converted to the dtype). */
typedef struct ax_full_params {
    double value;
} ax_full_params;

/* EYE / TRI: output (n, m); EYE puts ones where j - i == k, TRI where j - i <= k. */
typedef struct ax_diag_params {
    int64_t k;
} ax_diag_params;

#endif
