/* The op-conformance test (CTest "conformance"): runs every case table,
 * prints the support matrix and fails on any failed cell or uncovered op.
 * Tables are weak references so the runner links while families are being
 * written; a missing table shows up as uncovered ops. */
#include <stdio.h>

#include "families.h"

int main(void) {
    const conf_case *const tables[] = {CONF_TABLES};
    const char *const names[] = {CONF_NAMES};
    int n = (int)(sizeof tables / sizeof *tables);
    for (int i = 0; i < n; i++)
        if (!tables[i]) printf("note: no case table for family %s (cases_%s.c)\n", names[i], names[i]);
    int problems = conf_run_all(tables, n, true, stdout);
    return problems ? 1 : 0;
}
