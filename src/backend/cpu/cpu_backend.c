/* The CPU kernel table, filled once by each op family. */
#include <pthread.h>
#include <stdlib.h>

#include "backend/cpu/cpu.h"

static ax_kernel table[AX_OP_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int force_reference = -1; /* -1: read the environment once */

static void init_table(void) {
    static const ax_cpu_register_fn families[] = {
        ax__cpu_register_creation, ax__cpu_register_unary, ax__cpu_register_binary,
        ax__cpu_register_reduce,   ax__cpu_register_shape, ax__cpu_register_index,
        ax__cpu_register_matmul,   ax__cpu_register_scan_sort, ax__cpu_register_conv,
        ax__cpu_register_random,   ax__cpu_register_linalg, ax__cpu_register_fft,
        ax__cpu_register_extra,    ax__cpu_register_transforms, ax__cpu_register_fused,
        ax__cpu_register_fp8,
    };
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) families[i](table);
}

ax_kernel ax__cpu_kernel(ax_op op) {
    pthread_once(&once, init_table);
    return (unsigned)op < AX_OP_COUNT ? table[op] : NULL;
}

void ax__cpu_force_reference(bool on) { atomic_store(&force_reference, on ? 1 : 0); }

bool ax__cpu_use_reference(void) {
    int v = atomic_load(&force_reference);
    if (v < 0) {
        const char *e = getenv("AX_REFERENCE_KERNELS");
        v = e && *e && *e != '0';
        atomic_store(&force_reference, v);
    }
    return v == 1;
}
