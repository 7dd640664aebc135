/* ax/compile.h — compile: trace a closure, simplify, fuse, generate kernels, cache.
 *
 * ax_compile(ctx, f, opt) returns a closure computing what f computes. The
 * first call with a given input signature (each input's dtype, weak flag and
 * shape; in shapeless mode dtype, weak flag and rank only) traces f on
 * placeholder arrays (no data), captures the lazy graph of its outputs and
 * simplifies it: constant folding (subgraphs that depend on no input are
 * evaluated once, at compile time), common-subexpression elimination (same
 * primitive, same params bytes, same inputs) and dead-code elimination.
 * Chains and DAGs of elementwise nodes of one shape (inputs read with
 * broadcast strides) become one FUSED node whose kernel is C code generated
 * for that DAG, compiled with the system C compiler into a shared object,
 * loaded with dlopen and cached in memory (LRU, bounded) and on disk. Later
 * calls with the same signature rebuild the simplified graph on the real
 * inputs (lazy, like any op: the outputs are evaluated when used).
 *
 * Captured arrays (those f reads but does not receive as inputs) are
 * constants of the compiled function: they are referenced, not copied.
 * Evaluating inside f (ax_eval, ax_data, ax_item_*, printing) is an error
 * while it is traced. See docs/compile.md for what shapeless mode supports,
 * the fused op set and the kernel cache.
 */
#ifndef AX_COMPILE_H
#define AX_COMPILE_H

#include "core.h"
#include "transforms.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- compile */

typedef struct ax_compile_options {
    /* Key traces on dtypes, weak flags and ranks only, and re-derive shapes
     * on each call (elementwise/broadcast chains and reductions; other
     * primitives are AX_ERR_UNSUPPORTED at the first call). */
    bool shapeless;
    /* Keep every elementwise node separate (simplification still runs). */
    bool disable_fusion;
    /* Skip constant folding / common-subexpression elimination. */
    bool disable_constant_folding;
    bool disable_cse;
    /* Traces kept per compiled closure (least recently used dropped first);
     * 0 means 64. */
    int cache_size;
} ax_compile_options;

/* The defaults: shape-keyed traces, fusion and simplification on, 64 traces. */
AX_API ax_compile_options ax_compile_default_options(void);

/* A closure with f's inputs and outputs that traces, simplifies, fuses and
 * caches as described above. opt may be NULL (the defaults). The new closure
 * holds a reference to f. Returns NULL with AX_ERR_NULL (f NULL) or
 * AX_ERR_VALUE (cache_size < 0) recorded. Errors of f during a trace
 * propagate from the call of the compiled closure unchanged. */
AX_API ax_closure *ax_compile(ax_ctx *ctx, ax_closure *f, const ax_compile_options *opt);

/* ---------------------------------------------------------------- kernel cache */

/* Process-wide counters since start (or the last ax_compile_stats_reset). */
typedef struct ax_compile_stats {
    int64_t traces;          /* closures traced (signature cache misses) */
    int64_t cache_hits;      /* calls served by an existing trace */
    int64_t nodes_traced;    /* nodes captured from traces */
    int64_t cse_removed;     /* nodes merged by common-subexpression elimination */
    int64_t consts_folded;   /* nodes evaluated at compile time */
    int64_t dead_removed;    /* nodes built by f that no output needs */
    int64_t fused_groups;    /* FUSED nodes made (one per fused DAG) */
    int64_t fused_nodes;     /* elementwise nodes replaced by them */
    int64_t kernels_built;   /* shared objects compiled with the C compiler */
    int64_t disk_hits;       /* kernels loaded from the disk cache */
    int64_t memory_hits;     /* kernels found in the in-memory cache */
    int64_t interpreted;     /* fused DAGs run by the interpreter (no compiler,
                                AX_COMPILE_INTERPRET=1, or a failed build) */
    int64_t evictions;       /* in-memory kernels dropped by the LRU bound */
    double trace_seconds;    /* time spent tracing and simplifying */
    double build_seconds;    /* time spent generating code and running the compiler */
} ax_compile_stats;

AX_API void ax_compile_stats_get(ax_compile_stats *out);
AX_API void ax_compile_stats_reset(void);

/* Drop every kernel of the in-memory cache that no compiled closure still
 * uses (the disk cache stays; its files are reloaded on the next use). */
AX_API void ax_compile_cache_clear(void);
/* Bound on kernels kept in memory (default 256; at least 1). */
AX_API void ax_compile_set_cache_limit(int max_kernels);

/* Directory of the disk cache of compiled kernels. Default: the environment
 * variable AX_KERNEL_CACHE, else $XDG_CACHE_HOME/ax, else ~/.cache/ax. An
 * empty string or NULL returns to the default; "off" disables the disk
 * cache. Created on first use. Returns AX_ERR_VALUE for a path too long. */
AX_API ax_status ax_compile_set_cache_dir(ax_ctx *ctx, const char *dir);
/* The directory in use (after defaults), "" when the disk cache is off. */
AX_API const char *ax_compile_cache_dir(void);

/* Write a description of the simplified, fused graph that the compiled
 * closure g runs for these inputs (tracing it if needed) to `out`: one line
 * per node, e.g. "%3 = fused[multiply add tanh] (%0, %1) -> float32 (8, 4)".
 * Returns AX_OK, or the trace's error. */
AX_API ax_status ax_compile_describe(ax_ctx *ctx, const ax_closure *g, ax_array *const *in,
                                     char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
