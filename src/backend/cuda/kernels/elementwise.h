/* Launchers of the elementwise family's CUDA kernels (kernels/ew_unary.cu,
 * ew_binary.cu, ew_copy.cu), called from src/backend/cuda/elementwise.c.
 * Plain C: cu_abi.h types only. Each returns cudaErrorNotSupported, having
 * launched nothing, for an op/dtype combination it has no kernel for (the C
 * side then declines to the CPU), else the launch's error. */
#ifndef AX_CU_ELEMENTWISE_H
#define AX_CU_ELEMENTWISE_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Op ids with the values of ax_op (generated from the same list). */
enum {
#define AX_OP(id, name, arity, flags) AXCU_##id,
#include "ops/ops.def"
    AXCU_OP_COUNT
};

/* Unary op (ABS..IMAG) over l: operand 0 the output, 1 the input. */
cudaError_t ax_cu_unary(int op, const ax_cu_ew *l, cudaStream_t s);
/* Binary op (ADD..RIGHT_SHIFT): operands out, a, b (a and b of one dtype). */
cudaError_t ax_cu_binary(int op, const ax_cu_ew *l, cudaStream_t s);
/* where: operands out, cond (bool), x, y (x, y of out's dtype). */
cudaError_t ax_cu_where(const ax_cu_ew *l, cudaStream_t s);
/* Copy with conversion (astype, copy): operands out, in; any dtype pair,
 * with the CPU's ax__convert rules. */
cudaError_t ax_cu_convert(const ax_cu_ew *l, cudaStream_t s);

/* A copy/conversion of any rank (up to 64 dims) into a row-major output,
 * for layouts that stay above AX_CU_MAX_DIMS after coalescing. Passed by
 * value as the kernel's parameter. */
#define AX_CU_BIG_DIMS 64
typedef struct ax_cu_big_copy {
    void *dst;
    const void *src;
    int dst_dtype, src_dtype;
    int ndim;
    int64_t size;
    int64_t shape[AX_CU_BIG_DIMS];
    int64_t src_strides[AX_CU_BIG_DIMS]; /* elements */
} ax_cu_big_copy;
cudaError_t ax_cu_convert_big(const ax_cu_big_copy *c, cudaStream_t s);

/* Fill n elements of itemsize bytes (1, 2, 4, 8) with the pattern elem. */
cudaError_t ax_cu_fill(void *dst, int itemsize, int64_t n, const void *elem, cudaStream_t s);

/* arange as the CPU's k_arange: kind 0 integer (x0 + i * delta wrapping,
 * stored as dtype), 1 float-class (float x0/x1/delta, stored rounded),
 * 2 float64, 3 bool ((start + i * step) != 0). */
typedef struct ax_cu_arange {
    void *dst;
    int dtype;
    int kind;
    int64_t n;
    int64_t i_x0;
    uint64_t i_delta;
    float f_x0, f_x1, f_delta;
    double d_x0, d_x1, d_delta; /* float64; bool: start, step */
} ax_cu_arange;
cudaError_t ax_cu_arange_fill(const ax_cu_arange *a, cudaStream_t s);

/* linspace as the CPU's k_linspace (float64 math, integer dtypes floored). */
cudaError_t ax_cu_linspace(void *dst, int dtype, int64_t num, double start, double stop,
                           bool endpoint, cudaStream_t s);

/* eye (tri false: ones where j - i == k) / tri (ones where j - i <= k) over
 * an (n, m) output; one/zero are the element patterns (itemsize bytes). */
cudaError_t ax_cu_diag(void *dst, int itemsize, int64_t n, int64_t m, int64_t k, bool tri,
                       const void *one, cudaStream_t s);

#ifdef __cplusplus
}
#endif
#endif
