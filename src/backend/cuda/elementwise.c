/* CUDA kernels: elementwise family (see cuda.h) — unary ops, binary ops,
 * where, astype/copy/stop_gradient and the creation ops. Semantics are the
 * CPU kernels' (src/backend/cpu/unary.c, binary.c, creation.c); the .cu
 * launchers (kernels/elementwise.h) pick a kernel per op and dtype.
 *
 * complex64 math (sqrt, exp, log, trig and hyperbolic functions and their
 * inverses, divide, power, ...) runs in double with C99's principal
 * branches (kernels/ew_complex.cuh), as the CPU's C complex functions; for
 * non-finite input the two may differ.
 *
 * Declined to the CPU (AX__DECLINE, nothing written):
 *  - unary, binary and where over layouts with more than AX_CU_MAX_DIMS
 *    dims after coalescing (copies of any rank run natively);
 *  - any op/dtype combination the constructors never build. */
#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/elementwise.h"
#include "ops/creation.h"

/* The launchers' op ids are ax_op's (both come from ops.def). */
_Static_assert((int)AXCU_ABS == (int)AX_OP_ABS && (int)AXCU_IMAG == (int)AX_OP_IMAG &&
                   (int)AXCU_ADD == (int)AX_OP_ADD &&
                   (int)AXCU_RIGHT_SHIFT == (int)AX_OP_RIGHT_SHIFT &&
                   (int)AXCU_OP_COUNT == (int)AX_OP_COUNT,
               "elementwise.h op ids must match ax_op");
_Static_assert((int)AX_CU_COMPLEX64 == (int)AX_COMPLEX64 && (int)AX_CU_BFLOAT16 == (int)AX_BFLOAT16,
               "AX_CU_* dtypes must match ax_dtype");

/* A launcher's result: cudaErrorNotSupported means it launched nothing. */
static ax_status ew_result(ax_ctx *ctx, cudaError_t err, ax_op op) {
    if (err == cudaErrorNotSupported) return AX__DECLINE;
    return ax__cuda_check(ctx, err, ax__op_info[op].name);
}

static bool is_exact(ax_dtype t) { return t == AX_BOOL || ax_dtype_is_integer(t); }

/* Fill a row-major output with `value` as its dtype stores it. */
static ax_status fill_value(ax_ctx *ctx, ax_array *out, double value, ax_op op) {
    unsigned char elem[16] = {0};
    ax__store_f64(elem, out->dtype, value);
    return ew_result(ctx,
                     ax_cu_fill(ax__dptr(out), (int)ax_dtype_size(out->dtype), out->size, elem,
                                ax__cuda_stream()),
                     op);
}

/* out <- in converted (any layout of in, any rank). */
static ax_status convert_into(ax_ctx *ctx, ax_array *out, ax_array *in, ax_op op) {
    if (out->size == 0) return AX_OK;
    ax_cu_ew l;
    if (ax__cu_ew_layout(out, &in, 1, &l)) return ew_result(ctx, ax_cu_convert(&l, ax__cuda_stream()), op);
    /* More than AX_CU_MAX_DIMS dims remain: the whole layout goes by value. */
    ax_cu_big_copy c;
    memset(&c, 0, sizeof c);
    c.dst = ax__dptr(out);
    c.src = ax__dptr(in);
    c.dst_dtype = (int)out->dtype;
    c.src_dtype = (int)in->dtype;
    c.size = out->size;
    int64_t st[AX_MAX_NDIM];
    ax__broadcast_strides(in, out->shape, out->ndim, st);
    for (int d = 0; d < out->ndim; d++) {
        if (out->shape[d] == 1) continue;
        if (c.ndim == AX_CU_BIG_DIMS) return AX__DECLINE;
        c.shape[c.ndim] = out->shape[d];
        c.src_strides[c.ndim] = st[d];
        c.ndim++;
    }
    return ew_result(ctx, ax_cu_convert_big(&c, ax__cuda_stream()), op);
}

/* ---------------------------------------------------------------- unary */

static ax_status k_unary(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    ax_array *in = node->inputs[0], *out = outs[0];
    ax_op op = node->op;
    ax_dtype it = in->dtype;
    if (out->size == 0) return AX_OK;
    if (is_exact(it) || (it != AX_COMPLEX64 && op == AX_OP_REAL)) {
        /* identities and constants of bool/integers (the CPU's SP_COPY /
         * SP_ZERO and its reference results for the float predicates) */
        bool ident = op == AX_OP_FLOOR || op == AX_OP_CEIL || op == AX_OP_ROUND ||
                     op == AX_OP_TRUNC || op == AX_OP_CONJUGATE || op == AX_OP_REAL ||
                     (it == AX_BOOL && (op == AX_OP_ABS || op == AX_OP_SIGN || op == AX_OP_SQUARE));
        if (ident) {
            if (out->dtype != it) return AX__DECLINE;
            if (in->buf == out->buf && in->offset == out->offset && in->contiguous) return AX_OK;
            return convert_into(ctx, out, in, op);
        }
        if (op == AX_OP_IMAG) return fill_value(ctx, out, 0.0, op);
        if (op == AX_OP_ISNAN || op == AX_OP_ISINF || op == AX_OP_ISPOSINF || op == AX_OP_ISNEGINF)
            return fill_value(ctx, out, 0.0, op);
        if (op == AX_OP_ISFINITE) return fill_value(ctx, out, 1.0, op);
    }
    ax_cu_ew l;
    if (!ax__cu_ew_layout(out, &in, 1, &l)) return AX__DECLINE;
    return ew_result(ctx, ax_cu_unary((int)op, &l, ax__cuda_stream()), op);
}

/* ---------------------------------------------------------------- binary, where */

static ax_status k_binary(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    if (outs[0]->size == 0) return AX_OK;
    if (node->inputs[0]->dtype != node->inputs[1]->dtype) return AX__DECLINE;
    ax_cu_ew l;
    if (!ax__cu_ew_layout(outs[0], node->inputs, 2, &l)) return AX__DECLINE;
    return ew_result(ctx, ax_cu_binary((int)node->op, &l, ax__cuda_stream()), node->op);
}

static ax_status k_where(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    if (outs[0]->size == 0) return AX_OK;
    ax_cu_ew l;
    if (!ax__cu_ew_layout(outs[0], node->inputs, 3, &l)) return AX__DECLINE;
    return ew_result(ctx, ax_cu_where(&l, ax__cuda_stream()), node->op);
}

/* ---------------------------------------------------------------- copies */

/* copy, astype: out <- in converted. stop_gradient: the same, nothing when
 * eval gave the output the input's buffer. */
static ax_status k_convert(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    ax_array *in = node->inputs[0], *out = outs[0];
    if (node->op == AX_OP_STOP_GRADIENT && in->buf == out->buf && in->offset == out->offset)
        return AX_OK;
    return convert_into(ctx, out, in, node->op);
}

/* ---------------------------------------------------------------- creation */

static ax_status k_full(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_full_params *p = node->params;
    if (outs[0]->size == 0) return AX_OK;
    return fill_value(ctx, outs[0], p->value, node->op);
}

/* A double rounded to a float-class dtype, as a float (round_to of the CPU). */
static float round_to(ax_dtype t, double v) {
    switch (t) {
    case AX_FLOAT16: return ax_f16_to_f32(ax_f64_to_f16(v));
    case AX_BFLOAT16: return ax_bf16_to_f32(ax_f64_to_bf16(v));
    default: return (float)v;
    }
}

static ax_status k_arange(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_arange_params *p = node->params;
    ax_array *o = outs[0];
    ax_dtype t = o->dtype;
    if (o->size == 0) return AX_OK;
    ax_cu_arange a;
    memset(&a, 0, sizeof a);
    a.dst = ax__dptr(o);
    a.dtype = (int)t;
    a.n = o->size;
    if (t == AX_BOOL) {
        a.kind = 3;
        a.d_x0 = p->start;
        a.d_delta = p->step;
    } else if (ax_dtype_is_integer(t)) {
        double s0 = p->start, s1 = p->start + p->step;
        int64_t x0 = ax__load_i64(&s0, AX_FLOAT64), x1 = ax__load_i64(&s1, AX_FLOAT64);
        a.kind = 0;
        a.i_x0 = x0;
        a.i_delta = (uint64_t)x1 - (uint64_t)x0;
    } else if (t == AX_FLOAT64) {
        a.kind = 2;
        a.d_x0 = p->start;
        a.d_x1 = p->start + p->step;
        a.d_delta = a.d_x1 - a.d_x0;
    } else {
        a.kind = 1;
        a.f_x0 = round_to(t, p->start);
        a.f_x1 = round_to(t, p->start + p->step);
        a.f_delta = a.f_x1 - a.f_x0;
    }
    return ew_result(ctx, ax_cu_arange_fill(&a, ax__cuda_stream()), node->op);
}

static ax_status k_linspace(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_linspace_params *p = node->params;
    ax_array *o = outs[0];
    if (o->size == 0) return AX_OK;
    return ew_result(ctx,
                     ax_cu_linspace(ax__dptr(o), (int)o->dtype, o->size, p->start, p->stop,
                                    p->endpoint != 0, ax__cuda_stream()),
                     node->op);
}

static ax_status k_diag(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_diag_params *p = node->params;
    ax_array *o = outs[0];
    if (o->size == 0) return AX_OK;
    if (o->ndim != 2) return AX__DECLINE;
    unsigned char one[16] = {0};
    ax__store_f64(one, o->dtype, 1.0);
    return ew_result(ctx,
                     ax_cu_diag(ax__dptr(o), (int)ax_dtype_size(o->dtype), o->shape[0], o->shape[1],
                                p->k, node->op == AX_OP_TRI, one, ax__cuda_stream()),
                     node->op);
}

void ax__cuda_register_elementwise(ax_kernel *table) {
    for (int op = AX_OP_ABS; op <= AX_OP_IMAG; op++) table[op] = k_unary;
    for (int op = AX_OP_ADD; op <= AX_OP_RIGHT_SHIFT; op++) table[op] = k_binary;
    table[AX_OP_WHERE] = k_where;
    table[AX_OP_COPY] = k_convert;
    table[AX_OP_ASTYPE] = k_convert;
    table[AX_OP_STOP_GRADIENT] = k_convert;
    table[AX_OP_FULL] = k_full;
    table[AX_OP_ARANGE] = k_arange;
    table[AX_OP_LINSPACE] = k_linspace;
    table[AX_OP_EYE] = k_diag;
    table[AX_OP_TRI] = k_diag;
}
