/* Descriptors passed from the CUDA backend's C files to its .cu launchers.
 * Plain C structs, valid in C11 and CUDA C++ alike: no ax_node, no atomics.
 * dtype values are ax_dtype's (ax/core.h), repeated here as AX_CU_* so .cu
 * files need not include the public headers. */
#ifndef AX_CU_ABI_H
#define AX_CU_ABI_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AX_CU_BOOL = 0,
    AX_CU_INT8,
    AX_CU_INT16,
    AX_CU_INT32,
    AX_CU_INT64,
    AX_CU_UINT8,
    AX_CU_UINT16,
    AX_CU_UINT32,
    AX_CU_UINT64,
    AX_CU_FLOAT16,
    AX_CU_BFLOAT16,
    AX_CU_FLOAT32,
    AX_CU_FLOAT64,
    AX_CU_COMPLEX64
};

/* Rank limit of a descriptor, after coalescing. Arrays of higher rank are
 * first copied row-major (the C side does that, or declines). */
#define AX_CU_MAX_DIMS 12

typedef struct ax_cu_array {
    void *ptr;   /* device pointer to the first element */
    int dtype;   /* AX_CU_* */
    int ndim;
    int64_t size; /* elements */
    int64_t shape[AX_CU_MAX_DIMS];
    int64_t strides[AX_CU_MAX_DIMS]; /* in elements; 0 on broadcast dims */
} ax_cu_array;

/* An elementwise launch: operand 0 is the output (row-major), operands
 * 1..n_in the inputs; one shared, coalesced shape. `contiguous` is true when
 * every operand is dense in that order (strides row-major), so kernels may
 * use flat indexing and 16-byte vectors. */
#define AX_CU_EW_MAX_OPS 8
typedef struct ax_cu_ew {
    int n_ops;
    int ndim;
    bool contiguous;
    int64_t size;
    int64_t shape[AX_CU_MAX_DIMS];
    void *ptr[AX_CU_EW_MAX_OPS];
    int dtype[AX_CU_EW_MAX_OPS];
    int64_t strides[AX_CU_EW_MAX_OPS][AX_CU_MAX_DIMS]; /* elements */
} ax_cu_ew;

#ifdef __cplusplus
}
#endif
#endif
