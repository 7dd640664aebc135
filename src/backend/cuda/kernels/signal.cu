// Completion signal (see signal.h): one store to mapped host memory, which
// the host sees over PCIe as soon as the kernel runs, before the stream's own
// completion notice.
#include "backend/cuda/kernels/signal.h"

__global__ void k_signal(volatile unsigned *flag, unsigned seq) {
    __threadfence_system();
    *flag = seq;
}

extern "C" cudaError_t ax_cu_signal(unsigned *flag, unsigned seq, cudaStream_t stream) {
    k_signal<<<1, 1, 0, stream>>>(flag, seq);
    return cudaGetLastError();
}
