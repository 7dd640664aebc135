/* Shared by the linear-algebra kernels (linalg.c: LAPACK fast paths and the
 * batch driver; linalg_ref.c: unblocked reference algorithms in double).
 *
 * Layout: ax arrays are row-major; LAPACK is column-major. A row-major m x n
 * matrix is, read column-major, its n x m transpose. Each kernel uses that to
 * avoid copies where the maths allows (det(A^T) = det(A), inv(A^T) = inv(A)^T,
 * svd(A^T) swaps U and V, symmetric matrices swap triangles) and transposes
 * explicitly otherwise (QR, LU, eig). */
#ifndef AX_CPU_LINALG_IMPL_H
#define AX_CPU_LINALG_IMPL_H

#include <pthread.h>
#include <stddef.h>

#include "backend/cpu/cpu.h"
#include "ops/linalg_params.h"

/* ---------------------------------------------------------------- LAPACK
 * Fortran LAPACK symbols from the linked OpenBLAS (which carries LAPACK):
 * LP64 integers, character arguments followed by their hidden lengths. */
typedef size_t lk_flen;
#define LK_PROTO(T, P)                                                                        \
    void P##potrf_(const char *, const int *, T *, const int *, int *, lk_flen);             \
    void P##potri_(const char *, const int *, T *, const int *, int *, lk_flen);             \
    void P##getrf_(const int *, const int *, T *, const int *, int *, int *);                \
    void P##getri_(const int *, T *, const int *, const int *, T *, const int *, int *);     \
    void P##getrs_(const char *, const int *, const int *, const T *, const int *,            \
                   const int *, T *, const int *, int *, lk_flen);                           \
    void P##geqrf_(const int *, const int *, T *, const int *, T *, T *, const int *, int *); \
    void P##orgqr_(const int *, const int *, const int *, T *, const int *, const T *, T *,   \
                   const int *, int *);                                                      \
    void P##gesdd_(const char *, const int *, const int *, T *, const int *, T *, T *,        \
                   const int *, T *, const int *, T *, const int *, int *, int *, lk_flen);  \
    void P##syevd_(const char *, const char *, const int *, T *, const int *, T *, T *,       \
                   const int *, int *, const int *, int *, lk_flen, lk_flen);                \
    void P##geev_(const char *, const char *, const int *, T *, const int *, T *, T *, T *,   \
                  const int *, T *, const int *, T *, const int *, int *, lk_flen, lk_flen);
LK_PROTO(float, s)
LK_PROTO(double, d)
#undef LK_PROTO

/* ---------------------------------------------------------------- batch job */

/* Failure codes besides LAPACK's info > 0. */
enum { LK_OOM = -1000, LK_BAD_ARG = -1001 };

typedef struct lk_job lk_job;
/* Compute batch item b; ws is this thread's workspace (ws_bytes). Returns 0,
 * LAPACK's info > 0 (singular, not positive definite, no convergence) or an
 * LK_* code. */
typedef int (*lk_one_fn)(lk_job *j, int64_t b, void *ws);

struct lk_job {
    ax_op op;
    const ax_linalg_params *p;
    ax_dtype dt;          /* compute dtype of the inputs: float32 or float64 */
    int m, n, k;          /* input 0 is m x n; k = columns of b (solve), else min(m, n) */
    int64_t nbatch;
    const char *in[2];    /* row-major contiguous inputs */
    int64_t in_step[2];   /* bytes per batch item */
    int n_out;
    char *out[3];
    ax_dtype out_dt[3];
    int64_t out_step[3];  /* bytes per batch item */
    int lwork, liwork;    /* workspace query results (fast kernels) */
    size_t ws_bytes;
    lk_one_fn one;
    pthread_mutex_t lock; /* guards the first failure */
    int64_t fail_batch;   /* first failing item, or -1 */
    int fail_info;
};

/* Reference kernels: fill j->one / j->ws_bytes for j->op (linalg_ref.c). */
void ax__linalg_ref_setup(lk_job *j);
/* Row-major matrices with every element finite? (n elements of dt) */
bool ax__linalg_all_finite(const void *a, ax_dtype dt, int64_t n);
/* The triangle of an n x n row-major matrix that eigh reads is finite? */
bool ax__linalg_tri_finite(const void *a, ax_dtype dt, int n, bool upper);
/* Fill n elements of dt with NaN (complex: both parts). */
void ax__linalg_fill_nan(void *a, ax_dtype dt, int64_t n);

#endif
