/* The case-table families, listed once for every runner (conformance,
 * conformance_grad, conformance_vmap, conformance_compile). Each
 * tests/conformance/cases_<family>.c defines conf_cases_<family>; the tables
 * are weak references so a runner links while a family is being written (an
 * absent table is NULL). A new family adds one X(...) here. */
#ifndef AX_CONF_FAMILIES_H
#define AX_CONF_FAMILIES_H

#include "harness.h"

#define CONF_FAMILIES(X)                                                                     \
    X(elementwise) X(reduce) X(shape) X(index) X(creation) X(matmul) X(scan_sort) X(conv)    \
    X(random) X(linalg) X(fft) X(extra) X(fp8) X(compile) X(transforms) X(rules) X(scanrules)

#define CONF_DECLARE_(f) extern const conf_case conf_cases_##f[] __attribute__((weak));
CONF_FAMILIES(CONF_DECLARE_)
#undef CONF_DECLARE_

#define CONF_TABLE_(f) conf_cases_##f,
#define CONF_NAME_(f) #f,
/* Initializers: {CONF_TABLES} of const conf_case *const [], {CONF_NAMES} of const char *const []. */
#define CONF_TABLES CONF_FAMILIES(CONF_TABLE_)
#define CONF_NAMES CONF_FAMILIES(CONF_NAME_)

#endif
