/* Shared helpers for the benchmarks: timing, the machine's measured floors
 * (copy/read bandwidth, FMA peak), the NumPy peer, and result files.
 *
 * Every benchmark times a workload with bench_time (median of repeated runs
 * after a warm-up), runs the same workload in NumPy in the same run
 * (bench/numpy_peer.py through popen), prints a table row and appends a row
 * to a JSON results file bench/results/<name>-<host>.json. */
#ifndef AX_BENCH_UTIL_H
#define AX_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ax/ax.h"

double bench_now(void); /* monotonic seconds */

/* True for `--quick` (argv[1]): tiny sizes, no NumPy, no results file. Also
 * shrinks the floor measurements. */
int bench_parse_args(int argc, char **argv);

/* Median seconds per call of fn(arg): `warmup` untimed calls, then calls until
 * `min_reps` were made and `min_seconds` passed (at most max_reps). */
typedef void (*bench_fn)(void *arg);
double bench_time(bench_fn fn, void *arg, int warmup, int min_reps, int max_reps,
                  double min_seconds);
/* The same, also storing the fastest call in *best (bandwidth fractions
 * compare it with the floors, which are best-of too: STREAM's convention). */
double bench_time_best(bench_fn fn, void *arg, int warmup, int min_reps, int max_reps,
                       double min_seconds, double *best);

/* Measured floors of this machine, with `threads` threads:
 * copy: between two 256 MiB buffers (2 MiB pages), the faster of memcpy and a
 *       streaming-store copy, bytes read + written per second;
 * read: a vectorized sum over a 256 MiB float array, bytes read per second;
 * fma:  float32 FMA throughput from independent vector accumulators, FLOP/s. */
double bench_copy_bandwidth(int threads);
double bench_read_bandwidth(int threads);
double bench_fma_peak(int threads);

/* Runs `python3 bench/numpy_peer.py <workload> <args>` and returns the median
 * seconds per call it reports, or -1 if NumPy is unavailable or it failed.
 * `key` picks a field of its JSON answer ("seconds" unless given). */
double bench_numpy(const char *workload, const char *args, const char *key);
const char *bench_numpy_version(void); /* "2.1.3", or "unavailable" */

/* Fill with a deterministic uniform [lo, hi) sequence. */
void bench_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed);

/* Results: one JSON file per benchmark and host, written by bench_finish. */
typedef struct bench_results bench_results;
bench_results *bench_begin(const char *name, const char *title);
/* Add a row: `fields` is a JSON object body ("\"op\": \"add\", \"n\": 5"). */
void bench_row(bench_results *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a top-level field (JSON value text). */
void bench_field(bench_results *r, const char *key, const char *json_value);
/* A number field (3 decimals); does nothing when r is NULL (--quick runs). */
void bench_field_num(bench_results *r, const char *key, double value);
/* Measure the copy bandwidth, print it and record it as copy_bandwidth_gbs. */
double bench_report_copy_bandwidth(bench_results *r, int threads);
/* Write the file (path printed) and free. Returns 0 on success. */
int bench_finish(bench_results *r);

/* Abort the benchmark with the context's error if one is recorded. */
void bench_check(ax_ctx *ctx, const char *what);



/* Time building and evaluating `build(ctx, in)` inside a scope (the result is
 * dropped each call, so its buffer returns to ax's cache as in a real loop).
 * Exits with the error if the build or evaluation fails. */
typedef ax_array *(*bench_build_fn)(ax_ctx *ctx, ax_array *const *in);
double bench_ax(ax_ctx *ctx, bench_build_fn build, ax_array *const *in, int min_reps,
                double min_seconds);
double bench_ax_best(ax_ctx *ctx, bench_build_fn build, ax_array *const *in, int min_reps,
                     double min_seconds, double *best);
/* Build and evaluate once; the result is owned by the current scope. */
ax_array *bench_ax_once(ax_ctx *ctx, bench_build_fn build, ax_array *const *in);

/* An evaluated float32 array of the given shape filled by bench_fill_uniform. */
ax_array *bench_uniform_array(ax_ctx *ctx, const int64_t *shape, int ndim, float lo, float hi,
                              uint64_t seed);

/* Relative difference |x - ref| / max(|ref|, tiny); reports and counts a
 * mismatch above tol on stderr. */
int bench_expect_close(const char *what, double x, double ref, double tol);
#endif
