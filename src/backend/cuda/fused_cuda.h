/* FUSED on the GPU: the code generator (fused_codegen.c) and the kernel
 * (fused.c) share these. Not installed; CUDA builds only. */
#ifndef AX_FUSED_CUDA_H
#define AX_FUSED_CUDA_H

#include "backend/cpu/fused.h"

/* The launch argument of every generated kernel, passed by value. The same
 * text defines the struct in C (below) and in the generated CUDA source
 * (stringized), so both sides agree on its layout (LP64 host and device).
 * Operands: ptr[0 .. n_out) the outputs (row-major: element i at i), then
 * the inputs; strides in elements over the coalesced shape (0: broadcast).
 * small: every index fits 32 bits (the strided kernel divides in 32 bits). */
#define FZ_CU_ARGS_BODY                                                                 \
    long long n;                                                                        \
    int ndim;                                                                           \
    int small;                                                                          \
    long long shape[12];                                                                \
    long long strides[8][12];                                                           \
    char *ptr[8];

typedef struct fz_cu_args {
    FZ_CU_ARGS_BODY
} fz_cu_args;

/* Names of the three kernels every generated source defines. */
#define FZ_CU_FLAT "ax_fz_flat"       /* contiguous operands, one element a step */
#define FZ_CU_VEC "ax_fz_vec"         /* contiguous, 16-byte aligned: vector I/O */
#define FZ_CU_STRIDED "ax_fz_strided" /* broadcast / strided inputs */

/* Can the GPU generator express every value of prog (the CPU's op set,
 * float32 / float64 / bool)? */
bool ax__fused_cuda_supported(const ax_fused_prog *prog);

/* CUDA C++ source of prog's kernels (malloc'd; NULL on OOM or an op it
 * does not know). *vec: elements per vector of the vector kernel (16 bytes
 * of the widest operand); *unroll: vectors per thread and tile (a block of
 * the vector kernel covers unroll * blockDim vectors a step). For NVRTC: no
 * #include, no host code. */
char *ax__fused_cuda_codegen(const ax_fused_prog *prog, int *vec, int *unroll);

#endif
