/* CUDA kernels: random family (see cuda.h). */
#include "backend/cuda/cuda.h"

void ax__cuda_register_random(ax_kernel *table) { (void)table; }
