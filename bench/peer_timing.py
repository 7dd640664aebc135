"""The timing loop of every Python peer, the same as bench_time() on the C
side: `warmup` untimed calls, then timed calls until at least `min_reps`
calls and `min_seconds` have passed (never more than `max_reps`). Returns
the median seconds per call."""
import statistics
import time


def median_seconds(fn, min_reps=5, max_reps=200, min_seconds=1.0, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < min_seconds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
