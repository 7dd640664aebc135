/* Launcher of the completion-signal kernel (kernels/signal.cu), used by the
 * stream wait (src/backend/cuda/stream_wait.c). Plain C. */
#ifndef AX_CU_SIGNAL_H
#define AX_CU_SIGNAL_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Queue on `stream` a one-thread kernel that stores seq into *flag, a word of
 * mapped host memory (its device address), once the work queued before it
 * has run. */
cudaError_t ax_cu_signal(unsigned *flag, unsigned seq, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
#endif
