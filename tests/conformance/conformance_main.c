/* The op-conformance test (CTest "conformance"): runs every case table,
 * prints the support matrix and fails on any failed cell or uncovered op.
 * Tables are weak references so the runner links while families are being
 * written; a missing table shows up as uncovered ops. */
#include <stdio.h>

#include "harness.h"

#define CONF_FAMILIES(X) X(elementwise) X(reduce) X(shape) X(index) X(creation) X(matmul) \
    X(scan_sort) X(conv) X(random) X(linalg) X(fft) X(extra) X(compile) X(transforms) X(rules) X(scanrules)

#define CONF_DECLARE(f) extern const conf_case conf_cases_##f[] __attribute__((weak));
CONF_FAMILIES(CONF_DECLARE)

int main(void) {
#define CONF_LIST(f) conf_cases_##f,
    const conf_case *const tables[] = {CONF_FAMILIES(CONF_LIST)};
    const char *const names[] = {
#define CONF_NAME(f) #f,
        CONF_FAMILIES(CONF_NAME)};
    int n = (int)(sizeof tables / sizeof *tables);
    for (int i = 0; i < n; i++)
        if (!tables[i]) printf("note: no case table for family %s (cases_%s.c)\n", names[i], names[i]);
    int problems = conf_run_all(tables, n, true, stdout);
    return problems ? 1 : 0;
}
