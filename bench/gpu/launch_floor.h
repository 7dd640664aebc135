/* bench/gpu/launch_floor.cu: the CUDA runtime's own launch + synchronize time. */
#ifndef AX_BENCH_LAUNCH_FLOOR_H
#define AX_BENCH_LAUNCH_FLOOR_H
#ifdef __cplusplus
extern "C" {
#endif
/* Median seconds of (launch a one-element kernel, cudaStreamSynchronize)
 * over `reps` after `warmup`; -1 when CUDA fails. */
double ax_bench_launch_floor(int warmup, int reps);
#ifdef __cplusplus
}
#endif
#endif
