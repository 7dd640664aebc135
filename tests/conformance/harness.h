/* The op-conformance harness (docs/testing.md).
 *
 * A case names the ops it covers, the input dtypes it runs, input shapes and
 * value ranges, and a build function that applies the op(s) to the inputs.
 * For every case x dtype x variant the harness:
 *   1. makes seeded random inputs (the seed is printed with the case name),
 *   2. builds and evaluates the result with the fast kernels, then again with
 *      the reference kernels (ax__cpu_force_reference), in guard-byte mode so
 *      any write outside a buffer is caught,
 *   3. compares: same shape and dtype, NaN/Inf at the same places, and the
 *      normalized error under the dtype's bound times case->tol,
 *   4. if the case has an `expect` function, also compares with it (a
 *      from-first-principles answer in float64, independent of ax's kernels).
 * Variants: CONF_CONTIG (row-major inputs), CONF_PERMUTED (inputs are
 * transposed views), CONF_STRIDED (inputs are step-2 slices), CONF_EMPTY (the
 * first axis of every input set to 0), CONF_LARGE (case->large shapes, big
 * enough for SIMD and threaded paths). A case whose op returns
 * AX_ERR_UNSUPPORTED or AX_ERR_DTYPE for a dtype is reported as "unsupported"
 * in the support matrix, not failed (the case's dtype mask should exclude
 * dtypes the op rejects by design).
 *
 * Cases live in tests/conformance/cases_<family>.c, each exporting a table
 * `const conf_case conf_cases_<family>[]` ended by an entry with name NULL,
 * listed in families.h. */
#ifndef AX_CONF_HARNESS_H
#define AX_CONF_HARNESS_H

#include "ax/ax.h"

#define CONF_MAX_IN 4
#define CONF_MAX_DIM 6

enum {
    CONF_CONTIG = 1u << 0,
    CONF_PERMUTED = 1u << 1,
    CONF_STRIDED = 1u << 2,
    CONF_EMPTY = 1u << 3,
    CONF_LARGE = 1u << 4,
    CONF_ALL_VARIANTS = 0x1f,
};

/* dtype masks */
#define CONF_DT(t) (1u << (t))
#define CONF_FLOATS (CONF_DT(AX_FLOAT16) | CONF_DT(AX_BFLOAT16) | CONF_DT(AX_FLOAT32) | CONF_DT(AX_FLOAT64))
#define CONF_SINTS (CONF_DT(AX_INT8) | CONF_DT(AX_INT16) | CONF_DT(AX_INT32) | CONF_DT(AX_INT64))
#define CONF_UINTS (CONF_DT(AX_UINT8) | CONF_DT(AX_UINT16) | CONF_DT(AX_UINT32) | CONF_DT(AX_UINT64))
#define CONF_INTS (CONF_SINTS | CONF_UINTS)
#define CONF_COMPLEX CONF_DT(AX_COMPLEX64)
#define CONF_BOOL CONF_DT(AX_BOOL)
#define CONF_NUMERIC (CONF_FLOATS | CONF_INTS)
#define CONF_ALL_DTYPES (CONF_NUMERIC | CONF_COMPLEX | CONF_BOOL)

typedef struct conf_case conf_case;

/* Apply the op(s) under test; in[] are the inputs (dtype and layout per
 * variant). Return the result (NULL on error, left in ctx). */
typedef ax_array *(*conf_build_fn)(ax_ctx *ctx, ax_array *const *in, const conf_case *c);
/* Optional independent expectation: compute the expected output (float64,
 * row-major, out_size elements) from the inputs converted to float64
 * row-major. Return false if the case cannot say (the check is skipped). */
typedef bool (*conf_expect_fn)(const conf_case *c, const double *const *in,
                               const int64_t *const *in_shapes, const int *in_ndims,
                               double *out, int64_t out_size);

struct conf_case {
    const char *name;   /* unique, e.g. "add/broadcast_row" */
    const char *covers; /* space-separated op names from ops.def */
    unsigned dtypes;    /* CONF_DT mask of input dtypes */
    unsigned variants;  /* CONF_* mask (CONF_CONTIG is always run) */
    int n_in;
    int ndim[CONF_MAX_IN];
    int64_t shape[CONF_MAX_IN][CONF_MAX_DIM];
    int64_t large[CONF_MAX_IN][CONF_MAX_DIM]; /* shapes for CONF_LARGE (same ndim) */
    double lo, hi;          /* uniform input range (integers: rounded) */
    unsigned index_mask;    /* bit i: input i is an int64 index array with values
                               in [idx_lo, idx_hi] (negative values allowed) */
    int64_t idx_lo, idx_hi;
    unsigned bool_mask;     /* bit i: input i is a random bool array */
    double tol;             /* multiplier on the dtype's error bound (0 means 1) */
    conf_build_fn build;
    conf_expect_fn expect;
    int64_t ip[6];          /* integer parameters for build/expect */
    double fp[2];           /* float parameters */
};

/* The dtype of input i when the case runs at run_dtype. */
ax_dtype conf_input_dtype(const conf_case *c, int i, ax_dtype run_dtype);

/* ---------------------------------------------------------------- runner
 * (harness.c, runner.c). Environment: AX_CONF_FILTER=substring runs only the
 * cases whose name contains it (coverage is then reported, not enforced);
 * AX_CONF_SEED=n replaces every cell's seed (to reproduce a printed one);
 * AX_CONF_LARGE_ALL=1 runs CONF_LARGE for every dtype of a case instead of
 * only the first of float32, float64, int32, int64, ... that the case has;
 * AX_CONF_VERBOSE=1 prints every cell; AX_CONF_VARIANTS=contig,strided,...
 * runs only the variants named.
 *
 * Inputs: uniform in [lo, hi] (integer dtypes: rounded and clamped to the
 * dtype's range, unsigned ones at 0; bool: random; complex: random real and
 * imaginary parts), index inputs uniform integers in [idx_lo, idx_hi]. In the
 * PERMUTED variant every input is built in reversed axis order and transposed
 * back (ax_transpose); in STRIDED its last axis is built twice as long and
 * ax_slice takes elements 1, 3, 5, ... (unused elements hold NaN, or the
 * dtype's maximum for integers, so a kernel reading them shows).
 *
 * `expect` is called with every input converted to float64 (the values the
 * dtype holds, after rounding); its answer is rounded to the result's dtype
 * before the comparison. It is not called when an input or the result is
 * complex (the fast/reference comparison still runs).
 *
 * A cell also fails if it corrupts a guard byte, changes an input's data, or
 * leaves pool memory allocated once its arrays are gone. */

typedef enum conf_outcome { CONF_PASS, CONF_FAIL, CONF_UNSUPPORTED, CONF_SKIPPED } conf_outcome;

/* Error bound of a dtype for normalized error (0: exact). */
double conf_dtype_bound(ax_dtype t);
/* "contig", "permuted", ... for one CONF_* bit. */
const char *conf_variant_name(unsigned variant);
/* The seed of a cell: a hash of case name, dtype and variant, or AX_CONF_SEED. */
uint64_t conf_seed(const conf_case *c, ax_dtype dtype, unsigned variant);
/* The one dtype CONF_LARGE runs for (AX_DTYPE_COUNT if the case has none). */
ax_dtype conf_large_dtype(const conf_case *c);

/* Compare n elements of dtype t (row-major host data): exact for integers
 * and bool; for inexact dtypes NaN at the same places, infinities equal and
 * max|got - want| / (max|want| + tiny) <= conf_dtype_bound(t) * tol (complex:
 * real and imaginary parts alike). On a mismatch writes why into msg. */
bool conf_compare_host(ax_dtype t, const void *got, const void *want, int64_t n, double tol,
                       char *msg, size_t cap);

/* Run one case x dtype x variant (guard mode on, fast then reference
 * kernels, comparisons as above). On CONF_FAIL or CONF_UNSUPPORTED msg says
 * why. Leaves ctx without error. */
conf_outcome conf_run_cell(ax_ctx *ctx, const conf_case *c, ax_dtype dtype, unsigned variant,
                           uint64_t seed, char *msg, size_t cap);

/* Optional extra check of every cell that passed the checks above, run with
 * the fast kernels on the same input views (NULL: none). `want` is the fast
 * result (row-major, dtype/shape as given). Return false and say why in msg
 * to fail the cell. tests/conformance/compile_conformance.c sets it to run
 * each case through ax_compile. */
typedef bool (*conf_cell_check_fn)(ax_ctx *ctx, const conf_case *c, ax_array *const *inputs,
                                   const void *want, ax_dtype dtype, int ndim,
                                   const int64_t *shape, char *msg, size_t cap);
extern conf_cell_check_fn conf_extra_check;

/* Run every case of the NULL-name-terminated tables (NULL tables skipped),
 * print failures, the support matrix and a summary to out; with
 * check_coverage, every op of ops.def must be covered. Returns the number of
 * problems (failed cells, uncovered or unknown ops, bad cases): 0 is success. */
int conf_run_all(const conf_case *const *tables, int ntables, bool check_coverage, FILE *out);

/* The op ids named by c->covers (at most max kept) into ops. An unknown name
 * or an empty list prints a FAIL line to out and gives -1; else the count. */
int conf_parse_covers(const conf_case *c, int *ops, int max, FILE *out);

/* ---------------------------------------------------------------- GPU mode
 * With conf_on_gpu set, conf_run_cell builds the op under test with GPU 0 as
 * the context's default device (the inputs are still made on the CPU and
 * move when the op runs; ax_copy_to brings the result back) and compares it
 * with the CPU reference kernels, exactly as the CPU fast kernels are
 * compared: same shape and dtype, NaN/Inf at the same places, integers and
 * bool exact, inexact dtypes under conf_dtype_bound x case->tol. A case whose
 * ops all move or select values (conf_exact_case: copies, views, indexing,
 * sorting, where, max/min, ...) must match exactly in every dtype but
 * complex64 (where abs is a rounded hypot). A cell
 * also fails if GPU memory is still held after it, or if the device copy of
 * an input was changed. Ops without a GPU kernel run on the CPU (fallback,
 * ax_set_gpu_fallback) unless AX_CONF_GPU_FALLBACK=0: then a GPU error
 * AX_ERR_UNSUPPORTED makes the cell "unsupported" instead. */
extern bool conf_on_gpu;
/* GPU mode: whether the last cell's result was computed on the GPU (false
 * when its final op ran on the CPU through the fallback, or the cell did not
 * get that far). The support matrix marks cells that passed on the CPU 'c'. */
extern bool conf_last_on_gpu;

/* Exit status of a GPU runner on a machine without a CUDA device (CTest's
 * SKIP_RETURN_CODE). */
#define CONF_EXIT_SKIP 77

/* Pick the device for a runner: GPU mode when force_gpu or the environment
 * says AX_CONF_DEVICE=gpu. Returns 0 to go on, or CONF_EXIT_SKIP after
 * printing "skipped: no CUDA device" to out when GPU mode has no GPU. Also
 * applies AX_CONF_GPU_FALLBACK. */
int conf_device_setup(bool force_gpu, FILE *out);

/* True when every op c covers only moves, selects or compares values, so a
 * GPU result must equal the reference exactly (see above). */
bool conf_exact_case(const conf_case *c);

/* Values equal (NaN at the same places; -0.0 == 0.0), for conf_exact_case. */
bool conf_compare_exact(ax_dtype t, const void *got, const void *want, int64_t n, char *msg,
                        size_t cap);

/* Whether a case runs in this process: AX_CONF_FILTER (comma-separated
 * substrings, any may match; unset: all) and AX_CONF_SKIP (comma-separated
 * substrings, none may match). conf_filtered() is true when either is set. */
bool conf_selected(const char *case_name);
bool conf_filtered(void);

#endif
