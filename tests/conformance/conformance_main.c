/* The op-conformance test (CTest "conformance"): runs every case table,
 * prints the support matrix and fails on any failed cell or uncovered op.
 * Built a second time with CONF_GPU_MAIN as "conformance_gpu": every cell on
 * GPU 0 against the CPU reference kernels (harness.h, GPU mode); it exits 77
 * (CTest: skipped) without a CUDA device. AX_CONF_DEVICE=gpu does the same
 * for this program.
 * Tables are weak references so the runner links while families are being
 * written; a missing table shows up as uncovered ops. */
#include <stdio.h>

#include "families.h"

#ifndef CONF_GPU_MAIN
#define CONF_GPU_MAIN 0
#endif

int main(void) {
    int rc = conf_device_setup(CONF_GPU_MAIN, stdout);
    if (rc) return rc;
    const conf_case *const tables[] = {CONF_TABLES};
    const char *const names[] = {CONF_NAMES};
    int n = (int)(sizeof tables / sizeof *tables);
    for (int i = 0; i < n; i++)
        if (!tables[i]) printf("note: no case table for family %s (cases_%s.c)\n", names[i], names[i]);
    int problems = conf_run_all(tables, n, true, stdout);
    return problems ? 1 : 0;
}
