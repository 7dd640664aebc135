/* CPU kernels of the transformation primitives (src/ops/ops_transforms.def):
 * STOP_GRADIENT copies its input (nothing when eval gave the output the
 * input's buffer), CUSTOM copies the wrapped closure's outputs to its own.
 * TRACER is a view (no kernel). */
#include "backend/cpu/cpu.h"
#include "transforms/transforms_internal.h"

static ax_status stop_gradient_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    (void)ctx;
    ax_array *in = node->inputs[0], *out = outs[0];
    if (in->buf == out->buf && in->offset == out->offset) return AX_OK; /* donated */
    ax__cpu_copy_strided(in, out);
    return AX_OK;
}

static ax_status custom_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    (void)ctx;
    const ax_custom_params *p = node->params;
    for (int j = 0; j < p->n_out; j++) {
        ax_array *y = node->inputs[p->n_in + j];
        if (outs[j]->size) ax__cpu_copy_strided(y, outs[j]);
    }
    return AX_OK;
}

void ax__cpu_register_transforms(ax_kernel *table) {
    table[AX_OP_STOP_GRADIENT] = stop_gradient_kernel;
    table[AX_OP_CUSTOM] = custom_kernel;
}
