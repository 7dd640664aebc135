/* Params of the fp8 primitives (src/ops/fp8.c, the CPU and CUDA kernels). */
#ifndef AX_OPS_FP8_PARAMS_H
#define AX_OPS_FP8_PARAMS_H

#include <stdint.h>

typedef struct ax_fp8_params {
    int32_t fmt;   /* AX__FP8_* (backend/fp8_codec.h): TO_FP8 / FROM_FP8, and a's for FP8_MATMUL */
    int32_t fmt_b; /* FP8_MATMUL: b's format (0 otherwise) */
} ax_fp8_params;

#endif
