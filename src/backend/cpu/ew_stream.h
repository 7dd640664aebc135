/* Non-temporal ("streaming") stores of a contiguous output block, shared by
 * the eager elementwise kernels (unary.c, binary.c) and the code ax_compile
 * generates (fused.c includes this header in its source, fused_jit.c hashes
 * it into the kernel cache key).
 *
 * They write whole lines without reading them first: a plain store's read
 * for ownership adds half the traffic again to a one-input, one-output
 * kernel (a third to a two-input one). Worth it only for outputs too large to
 * stay in cache: callers stream when the whole output reaches
 * EW_STREAM_BYTES. No fence per block (an sfence after each 4 KB row of a
 * broadcast chain cost 10%): each pool worker's handshake with the thread
 * pool is a locked operation, which waits until all its buffered writes,
 * write-combining ones included, have drained (Intel SDM vol. 3,
 * "Strengthening or weakening the memory-ordering model"), and the kernel
 * fences the calling thread once with ew_stream_end. */
#ifndef AX_EW_STREAM_H
#define AX_EW_STREAM_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX__) || defined(__SSE__)
#include <immintrin.h>
#endif

#define EW_STREAM_BYTES ((int64_t)8 << 20)

/* Streaming loops work in blocks of EW_STREAM_BLOCK elements (computed into
 * an L1 block, then stored), each first prefetching its large inputs
 * EW_STREAM_AHEAD bytes ahead. The L2 streamer stops at every 4 KB page,
 * and a compute-heavy block leaves it idle long enough to expose memory
 * latency; a block's prefetches issue together and wait for line-fill
 * buffers the streaming stores also use, so short blocks and a short
 * distance win. On the 2-core VM (2 threads, 2 MiB pages, 2^26 floats):
 * compiled GELU 22 -> 31 GB/s and a cheap fused chain 33 -> 42 GB/s; eager
 * add 30 -> 39 and exp 27 -> 38 GB/s (against 1024-element blocks and 8 KB;
 * 256 elements: GELU 28.5, add 37 GB/s; 512: GELU 20.5; 64 cost a cheap
 * chain a quarter of its speed; 1 KB ahead was as good, 4 KB and more, or
 * prefetching to L2, slower). */
#define EW_STREAM_BLOCK 128
#define EW_STREAM_AHEAD 2048

/* Copy bytes from src (a block in cache) to d with streaming stores where d
 * is 64-byte aligned, plain copies for the unaligned head and the tail. */
static inline void ew_stream_store(char *d, const void *src, int64_t bytes) {
    const char *s = (const char *)src;
#if defined(__AVX512F__) || defined(__AVX__)
    int64_t h = (int64_t)((64 - ((uintptr_t)d & 63)) & 63);
    if (h > bytes) h = bytes;
    memcpy(d, s, (size_t)h);
    int64_t i = h;
#if defined(__AVX512F__)
    for (; i + 64 <= bytes; i += 64)
        _mm512_stream_si512((void *)(d + i), _mm512_loadu_si512((const void *)(s + i)));
#else
    for (; i + 32 <= bytes; i += 32)
        _mm256_stream_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(s + i)));
#endif
    memcpy(d + i, s + i, (size_t)(bytes - i));
#else
    memcpy(d, s, (size_t)bytes);
#endif
}

/* After a kernel that streamed: order the calling thread's streaming stores
 * before whatever reads the output next (see above for the workers). */
static inline void ew_stream_end(void) {
#if defined(__SSE__)
    _mm_sfence();
#endif
}

#endif
