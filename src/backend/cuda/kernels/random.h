/* Launchers of the random family's CUDA kernels (kernels/random.cu), called
 * from src/backend/cuda/random.c. Plain C: cu_abi.h types only. */
#ifndef AX_CU_RANDOM_H
#define AX_CU_RANDOM_H

#include <cuda_runtime_api.h>

#include "backend/cuda/cu_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RANDOM_BITS, as the CPU's rnd_plan (src/backend/cpu/random.c): every
 * dtype-dependent constant is computed on the host; the key stays on the
 * device (read by every thread, so nothing synchronizes). */
typedef struct ax_cu_rnd {
    const uint32_t *key; /* device: key[0], key[key_stride] */
    int64_t key_stride;
    void *out;           /* row-major, n elements of out_dtype */
    int out_dtype;
    int64_t n;
    int kind;            /* ax_random_kind */
    int t;               /* dtype the value is computed in (AX_CU_*) */
    int nbits;           /* bits drawn per element */
    double lo, span, clo, chi, loc, scale, sqrt2;
    uint64_t ispan, imult, imask; /* randint */
    int64_t ilo;
    double p;            /* bernoulli, scalar p */
    bool has_p;          /* bernoulli: p array, broadcast to out's shape */
    ax_cu_array parr;    /* its strides already broadcast (0 on broadcast dims) */
    unsigned long long *bad; /* device: smallest index with p outside [0, 1] */
} ax_cu_rnd;

cudaError_t ax_cu_random_bits(const ax_cu_rnd *r, cudaStream_t stream);

/* RANDOM_PERMUTATION: bytes of workspace for n elements. */
size_t ax_cu_random_perm_workspace(int64_t n);
/* out (int64, n) = JAX's shuffle of arange(n) in `rounds` rounds, each a
 * stable radix sort by 32-bit random keys (workspace from the call above). */
cudaError_t ax_cu_random_perm(const uint32_t *key, int64_t key_stride, int64_t *out, int64_t n,
                              int rounds, void *ws, size_t ws_bytes, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
