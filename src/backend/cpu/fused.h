/* FUSED: one pass over a DAG of elementwise ops (made by ax_compile).
 *
 * A fused program is a list of values in dependency order: inputs (arrays
 * read with broadcast strides), immediates (scalar constants folded into
 * the code) and elementwise ops over earlier values. Some values are the
 * program's outputs (row-major arrays of the iteration shape). The CPU
 * kernel walks the iteration space with ax__cpu_loop (coalesced dims,
 * threads); each inner run is computed in blocks of FZ_BLOCK elements, each
 * value in a block-sized scratch that stays in L1, so memory sees one read
 * of each input and one write of each output.
 *
 * The op set and the formula of each (op, dtype) are listed once, in
 * backend/fused_ops.h (FZ_*_OPS, shared with the CUDA generator): the
 * interpreter compiles them as code, the code generator writes the same
 * text into the generated source (stringized), and the text
 * is the eager fast kernels' formula (src/backend/cpu/unary.c, binary.c),
 * so fused results equal eager results bit for bit (with the same compiler
 * flags: -std=c11, no FP contraction, -fno-math-errno -fno-trapping-math).
 *
 * Node layout: inputs[0 .. n_in) the arrays, inputs[n_in] a holder array of
 * size 0 whose (wrapped) buffer carries the program and keeps it alive while
 * the node exists (ax_node params have no destructor). */
#ifndef AX_FUSED_H
#define AX_FUSED_H

#include <stdatomic.h>

#include "backend/cpu/ew_stream.h"
#include "core/internal.h"

/* Elements a block (backend/cpu/ew_stream.h says why 128). */
#define FZ_BLOCK EW_STREAM_BLOCK
#define FZ_MAX_VALS 48 /* values of one program (scratch lives on the stack) */
#define FZ_MAX_OPERANDS 8 /* outputs + inputs (AX_LOOP_MAX_OPS) */

enum { FZ_IN, FZ_IMM, FZ_OP };

typedef struct fz_val {
    int kind;       /* FZ_IN, FZ_IMM, FZ_OP */
    ax_dtype dtype; /* float32, float64 or bool */
    ax_op op;       /* FZ_OP */
    int a[3];       /* FZ_OP: operand values; FZ_IN: a[0] = input index */
    double imm;     /* FZ_IMM (exact for every supported dtype) */
} fz_val;

/* A kernel call covers `rows` runs of n elements (operand j of run r at
 * p[j] + r * rs[j], element i of it i * bs[j] further; see
 * ax__cpu_loop_rows). flags: FZ_STREAM: write the contiguous outputs with
 * streaming stores (set when the outputs together reach EW_STREAM_BYTES);
 * FZ_PREFETCH(j): input j has FZ_PREFETCH_MIN bytes or more, and its
 * blocks are prefetched EW_STREAM_AHEAD bytes ahead where it is contiguous
 * along the run (both: backend/cpu/ew_stream.h). Small inputs, such as a
 * layer norm's gain and bias rows, stay in cache and are not prefetched. */
typedef void (*fz_kernel_fn)(char **p, const int64_t *bs, int64_t n, int64_t rows, const int64_t *rs,
                             int flags);
#define FZ_STREAM 1
#define FZ_PREFETCH(j) (2 << (j))
#define FZ_PREFETCH_MIN ((int64_t)1 << 20)

typedef struct ax_fused_prog {
    atomic_long refs;
    int n_vals, n_in, n_out;
    fz_val *vals;
    int *out_vals; /* n_out value indices */
    /* Kernel: generated and loaded, or NULL (the interpreter runs). */
    fz_kernel_fn fn;
    void *kernel_ref; /* the JIT cache entry holding fn's shared object */
    bool interpreted; /* no kernel (why: see ax_compile_stats.interpreted) */
} ax_fused_prog;

/* Is op on these operand dtypes (float32/float64/bool) in the fused set?
 * `out` is the op's output dtype. */
bool ax__fused_supports(ax_op op, const ax_dtype *in, int n_in, ax_dtype out);

/* A new program (refs = 1) taking ownership of vals and out_vals (malloc'd). */
ax_fused_prog *ax__fused_prog_new(fz_val *vals, int n_vals, int n_in, int *out_vals, int n_out);
void ax__fused_prog_retain(ax_fused_prog *p);
void ax__fused_prog_release(ax_fused_prog *p);

/* The holder array for a FUSED node's last input (refs = 1, unowned); it
 * holds a reference to p. NULL with AX_ERR_OOM recorded. */
ax_array *ax__fused_holder(ax_ctx *ctx, ax_fused_prog *p);
/* The program of a FUSED node. */
ax_fused_prog *ax__fused_node_prog(const ax_node *node);

/* One inner run (what the kernel does per ax__cpu_loop call), by the
 * interpreter: p[0..n_out) outputs, then inputs; bs byte strides. */
void ax__fused_interpret(const ax_fused_prog *prog, char **p, const int64_t *bs, int64_t n);

/* C source of the program's kernel (malloc'd, NULL on OOM): defines
 * `void ax_fused_kernel(char **p0, const int64_t *bs, int64_t n, int64_t rows,
 * const int64_t *rs, int flags)` (an fz_kernel_fn)
 * with the interpreter's semantics. Needs backend/cpu/ew_math.h on the include path. */
char *ax__fused_codegen(const ax_fused_prog *prog);

/* Growing text, for the code generators (CPU and CUDA): ax__fz_printf
 * appends; on failure it sets oom and appends nothing more. The caller
 * frees s. */
typedef struct fz_sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} fz_sbuf;
void ax__fz_printf(fz_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Build or load the kernel of prog (in-memory cache, disk cache, compiler);
 * on failure leave prog->fn NULL (the interpreter runs) and say why in
 * `why` (may be NULL). Counts into the stats. */
void ax__fused_jit(ax_fused_prog *prog, char *why, size_t cap);

/* Stats counters shared by compile.c and the JIT (relaxed atomics). */
typedef struct ax_compile_counters {
    atomic_llong traces, cache_hits, nodes_traced, cse_removed, consts_folded, dead_removed,
        fused_groups, fused_nodes, kernels_built, disk_hits, memory_hits, interpreted, evictions;
    atomic_llong trace_ns, build_ns;
} ax_compile_counters;
extern ax_compile_counters ax__compile_counters;

/* Monotonic nanoseconds. */
int64_t ax__compile_now_ns(void);

#endif
