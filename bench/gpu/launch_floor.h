/* bench/gpu/launch_floor.cu: the CUDA runtime's own launch + synchronize. */
#ifndef AX_BENCH_LAUNCH_FLOOR_H
#define AX_BENCH_LAUNCH_FLOOR_H
#ifdef __cplusplus
extern "C" {
#endif
int ax_bench_floor_begin(void); /* 0, or -1 when CUDA fails (nothing left held) */
int ax_bench_floor_step(void);  /* launch the one-element add and synchronize; 0 or -1 */
void ax_bench_floor_end(void);
#ifdef __cplusplus
}
#endif
#endif
