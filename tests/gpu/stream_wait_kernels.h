/* Launchers of tests/gpu/stream_wait_kernels.cu (plain C). */
#ifndef AX_TEST_STREAM_WAIT_KERNELS_H
#define AX_TEST_STREAM_WAIT_KERNELS_H

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A one-thread kernel that sleeps about ns nanoseconds, then stores value
 * into *out_dev (mapped host memory's device address). */
int tsw_sleep_then_store(cudaStream_t s, unsigned *out_dev, unsigned value, unsigned ns);
/* A kernel that traps: the context is unusable afterwards. */
int tsw_trap(cudaStream_t s);

#ifdef __cplusplus
}
#endif
#endif
