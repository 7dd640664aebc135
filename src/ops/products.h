/* Params of the product primitives (shared by src/ops/products.c and the
 * kernels in src/backend/cpu/matmul.c).
 *
 * MATMUL(a, b): a and b have the output's dtype (float16, bfloat16, float32,
 * float64 or complex64). Either may be 1-D (NumPy: a vector is a row for a,
 * a column for b, and that axis is absent from the output); otherwise a is
 * (..., M, K) and b (..., K, N) with batch axes broadcast. The output is
 * batch + (M,) + (N,) minus the axes of 1-D operands. No params.
 * ADDMM(c, a, b): beta * c + alpha * (a @ b), c broadcast to the output's
 * shape and of its dtype; with beta == 0, c is not read, with alpha == 0,
 * neither are a and b (NaN there does not propagate, as BLAS and PyTorch). */
#ifndef AX_OPS_PRODUCTS_H
#define AX_OPS_PRODUCTS_H

typedef struct ax_addmm_params {
    double alpha, beta;
} ax_addmm_params;

#endif
