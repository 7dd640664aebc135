/* ax_support: the op support matrix of the backends. For every primitive of
 * src/ops/ops.def: whether the CPU has a kernel and whether the GPU has a
 * native one (ax_gpu_supports; view ops share buffers and need none). An op
 * without a GPU kernel runs on the CPU when the GPU fallback is on
 * (ax_set_gpu_fallback), and is AX_ERR_UNSUPPORTED otherwise. A native GPU
 * kernel may still leave some cases (dtypes) to the CPU: the per-dtype
 * picture is the support matrix printed by conformance_gpu.
 *
 *   ax_support            table of every op
 *   ax_support --missing  only the ops without a GPU kernel
 *   ax_support --json     one JSON object: {"cuda_built":..., "ops":[{...}, ...]}
 *
 * It needs no GPU: the kernel tables are static. */
#include <stdio.h>
#include <string.h>

#include "ax/device.h"
#include "backend/cpu/cpu.h"
#include "core/internal.h"

static const char *kind_of(unsigned flags) {
    if (flags & AX_F_VIEW) return "view";
    if (flags & AX_F_CREATE) return "creation";
    if (flags & AX_F_RED) return "reduction";
    if (flags & AX_F_EW) return "elementwise";
    return "other";
}

int main(int argc, char **argv) {
    bool missing_only = false, json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--missing")) missing_only = true;
        else if (!strcmp(argv[i], "--json")) json = true;
        else {
            fprintf(stderr, "usage: %s [--missing] [--json]\n", argv[0]);
            return 2;
        }
    }
    int n_gpu = 0, n_cpu = 0;
    for (int op = 0; op < AX_OP_COUNT; op++) {
        n_gpu += ax_gpu_supports(ax__op_info[op].name);
        n_cpu += (ax__op_info[op].flags & AX_F_VIEW) || ax__cpu_kernel((ax_op)op) != NULL;
    }
    if (json) {
        printf("{\"cuda_built\": %s, \"gpu_count\": %d, \"ops_total\": %d, \"ops_cpu\": %d, "
               "\"ops_gpu_native\": %d, \"ops\": [",
               ax_cuda_built() ? "true" : "false", ax_gpu_count(), AX_OP_COUNT, n_cpu, n_gpu);
        bool first = true;
        for (int op = 0; op < AX_OP_COUNT; op++) {
            const ax_op_info *in = &ax__op_info[op];
            const bool gpu = ax_gpu_supports(in->name);
            if (missing_only && gpu) continue;
            printf("%s\n  {\"op\": \"%s\", \"kind\": \"%s\", \"cpu\": %s, \"gpu\": %s}", first ? "" : ",",
                   in->name, kind_of(in->flags),
                   (in->flags & AX_F_VIEW) || ax__cpu_kernel((ax_op)op) ? "true" : "false",
                   gpu ? "true" : "false");
            first = false;
        }
        printf("\n]}\n");
        return 0;
    }
    printf("ax op support (CUDA %s; %d GPU(s) visible)\n", ax_cuda_built() ? "built" : "not built",
           ax_gpu_count());
    printf("%-20s %-12s %-4s %s\n", "op", "kind", "cpu", "gpu");
    for (int op = 0; op < AX_OP_COUNT; op++) {
        const ax_op_info *in = &ax__op_info[op];
        const bool gpu = ax_gpu_supports(in->name);
        if (missing_only && gpu) continue;
        const bool cpu = (in->flags & AX_F_VIEW) || ax__cpu_kernel((ax_op)op) != NULL;
        printf("%-20s %-12s %-4s %s\n", in->name, kind_of(in->flags), cpu ? "yes" : "-",
               gpu ? "native" : ax_cuda_built() ? "cpu fallback" : "-");
    }
    if (ax_cuda_built())
        printf("ops: %d; CPU kernels: %d; native GPU kernels: %d (%d run on the CPU under fallback)\n",
               AX_OP_COUNT, n_cpu, n_gpu, AX_OP_COUNT - n_gpu);
    else
        printf("ops: %d; CPU kernels: %d; no GPU backend (build with -DAX_CUDA=ON)\n", AX_OP_COUNT, n_cpu);
    return 0;
}
