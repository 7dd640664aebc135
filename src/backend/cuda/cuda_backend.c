/* The CUDA kernel table, filled once by each op family (see cuda.h). */
#include <pthread.h>

#include "backend/cuda/cuda.h"

static ax_kernel table[AX_OP_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_table(void) {
    static const ax_cuda_register_fn families[] = {
        ax__cuda_register_elementwise, ax__cuda_register_reduce, ax__cuda_register_index,
        ax__cuda_register_sort,        ax__cuda_register_matmul, ax__cuda_register_linalg,
        ax__cuda_register_fft,         ax__cuda_register_random, ax__cuda_register_fused,
        ax__cuda_register_fp8,
    };
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) families[i](table);
}

ax_kernel ax__cuda_kernel(ax_op op) {
    pthread_once(&once, init_table);
    return (unsigned)op < AX_OP_COUNT ? table[op] : NULL;
}
