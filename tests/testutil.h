/* Minimal test helpers: CHECK records a failure with file:line and goes on;
 * a test program returns test_summary() from main. */
#ifndef AX_TESTUTIL_H
#define AX_TESTUTIL_H

#include <math.h>
#include <stdio.h>

#include "ax/ax.h"

extern int test_failures, test_checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        test_checks++;                                                                \
        if (!(cond)) {                                                                \
            test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        test_checks++;                                                                \
        if (!(cond)) {                                                                \
            test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)

/* The context holds no error (prints it if it does). */
#define CHECK_OK(ctx) CHECK_MSG(ax_error_code(ctx) == AX_OK, "%s", ax_error_message(ctx))

/* An error with this code was recorded; clears it. */
#define CHECK_ERR(ctx, code)                                                          \
    do {                                                                              \
        CHECK_MSG(ax_error_code(ctx) == (code), "expected %s, got %s: %s",            \
                  ax_status_name(code), ax_status_name(ax_error_code(ctx)),           \
                  ax_error_message(ctx));                                             \
        ax_error_clear(ctx);                                                          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%.17g vs %.17g", (double)(a), (double)(b))

/* Float64 copy of an evaluated array's data (row-major); caller frees. */
double *test_to_f64(ax_ctx *ctx, ax_array *a);
/* Array from float64 values converted to dtype. */
ax_array *test_from_f64(ax_ctx *ctx, const double *v, ax_dtype t, const int64_t *shape, int ndim);
/* The float64 data of result r after checking that it exists (else its
 * error is reported and cleared) and has shape (nd dims); NULL if any of
 * that fails. `what` names the result in failure messages. Caller frees. */
double *test_result_f64(ax_ctx *ctx, ax_array *r, const int64_t *shape, int nd, const char *what);
/* Print the summary and return the exit code. */
int test_summary(const char *name);

#endif
