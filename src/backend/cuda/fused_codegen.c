/* CUDA source for a FUSED program (see fused_cuda.h, backend/cpu/fused.h).
 *
 * The op set is the CPU's (backend/fused_ops.h); each formula is the CPU's with CUDA's
 * IEEE math functions in place of the CPU's vectorized ew_* ones (expf for
 * ew_expf, tanhf for ew_tanhf, erff for ew_erff, ...): results agree with the
 * CPU to float rounding (exactly for arithmetic, comparisons, selects and
 * conversions, since NVRTC runs with --fmad=false like the CPU's -std=c11
 * build without contraction). No fast-math intrinsics; the one cheaper
 * formulation is float32 sigmoid's 1 / (1 + e), a hardware reciprocal
 * refined by a Newton step (within an ulp of the IEEE quotient).
 *
 * Shape of the source: `fz_eval` computes every value of one element in
 * registers (inputs and outputs as arguments), and three kernels call it:
 * flat (contiguous operands), vec (contiguous and aligned: each operand moved
 * as a struct of VEC elements, 16 bytes for the widest dtype, so loads and
 * stores are single vector instructions; UNR vectors per thread loaded
 * before any is computed, for memory parallelism) and strided (input offsets from the
 * coalesced shape, one division per dim shared by all inputs; 32-bit
 * division when every index fits). All are grid-stride loops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/fused_cuda.h"
#include "backend/fused_ops.h"

/* ---------------------------------------------------------------- formulas */

/* The tables with CUDA's spellings: the IEEE float32 functions, fz_sigmoidf
 * and FZ_INF (the last two defined in the generated source; see fused_ops.h). */
#define FZC_UNARY_OPS(X) FZ_UNARY_OPS(X, , fz_)
#define FZC_PRED_OPS(X) FZ_PRED_OPS(X, FZ_, )

static bool is_float(ax_dtype t) { return t == AX_FLOAT32 || t == AX_FLOAT64; }

/* The formula text of op on operand dtype t0 (classification in the CPU's
 * order: unary, predicate, comparison, where, convert, binary, bool), or
 * NULL when the op is not in the set. */
static const char *formula(ax_op op, ax_dtype t0) {
    switch (op) {
#define S_U(ID, E32, E64) case AX_OP_##ID: return !is_float(t0) ? NULL : t0 == AX_FLOAT32 ? #E32 : #E64;
        FZC_UNARY_OPS(S_U)
#undef S_U
#define S_P(ID, E) case AX_OP_##ID: return #E;
        FZC_PRED_OPS(S_P)
#undef S_P
#define S_C(ID, E) case AX_OP_##ID: return #E;
        FZ_CMP_OPS(S_C)
#undef S_C
    case AX_OP_WHERE: return "c ? x : y";
    case AX_OP_COPY: case AX_OP_ASTYPE: return "x";
    default: break;
    }
    if (is_float(t0)) {
        switch (op) {
#define S_B(ID, E32, E64) case AX_OP_##ID: return t0 == AX_FLOAT32 ? #E32 : #E64;
            FZ_BINARY_OPS(S_B)
#undef S_B
        default: return NULL;
        }
    }
    if (t0 == AX_BOOL) {
        switch (op) {
#define S_L(ID, E) case AX_OP_##ID: return #E;
            FZ_BOOL_OPS(S_L)
#undef S_L
        default: return NULL;
        }
    }
    return NULL;
}

static bool dtype_ok(ax_dtype t) { return is_float(t) || t == AX_BOOL; }

bool ax__fused_cuda_supported(const ax_fused_prog *prog) {
    if (prog->n_vals < 1 || prog->n_vals > FZ_MAX_VALS || prog->n_out < 1 ||
        prog->n_out + prog->n_in > FZ_MAX_OPERANDS)
        return false;
    for (int v = 0; v < prog->n_vals; v++) {
        const fz_val *val = &prog->vals[v];
        if (!dtype_ok(val->dtype)) return false;
        switch (val->kind) {
        case FZ_IN:
            if (val->a[0] < 0 || val->a[0] >= prog->n_in) return false;
            break;
        case FZ_IMM: break;
        case FZ_OP: {
            int n_args = 0;
            for (int k = 0; k < 3 && val->a[k] >= 0; k++, n_args++)
                if (val->a[k] >= v) return false; /* dependency order */
            ax_dtype in[3];
            for (int k = 0; k < n_args; k++) in[k] = prog->vals[val->a[k]].dtype;
            if (n_args < 1 || !formula(val->op, in[0]) || !ax__fused_supports(val->op, in, n_args, val->dtype))
                return false;
            break;
        }
        default: return false;
        }
    }
    for (int o = 0; o < prog->n_out; o++)
        if (prog->out_vals[o] < 0 || prog->out_vals[o] >= prog->n_vals) return false;
    return true;
}

/* ---------------------------------------------------------------- source */

static const char *ctype(ax_dtype t) {
    return t == AX_FLOAT32 ? "float" : t == AX_FLOAT64 ? "double" : "fz_u8";
}

/* Vector struct name of dtype t. */
static const char *vtype(ax_dtype t) {
    return t == AX_FLOAT32 ? "fz_vf" : t == AX_FLOAT64 ? "fz_vd" : "fz_vb";
}

#define FZ_STR_(...) #__VA_ARGS__
#define FZ_STR(x) FZ_STR_(x)

/* Operand text of value a inside fz_eval. */
static void operand(fz_sbuf *b, const ax_fused_prog *prog, int a) {
    const fz_val *v = &prog->vals[a];
    if (v->kind == FZ_IN) ax__fz_printf(b, "in%d", v->a[0]);
    else if (v->kind == FZ_IMM) ax__fz_printf(b, "c%d", a);
    else ax__fz_printf(b, "t%d", a);
}

/* The dtype input j is read as (its FZ_IN value's; bool if no value reads it). */
static ax_dtype input_dtype(const ax_fused_prog *prog, int j) {
    for (int v = 0; v < prog->n_vals; v++)
        if (prog->vals[v].kind == FZ_IN && prog->vals[v].a[0] == j) return prog->vals[v].dtype;
    return AX_BOOL;
}

/* Body of a kernel's per-element work: load inputs from expressions made by
 * `in_at(j)` text (printf pattern with %d for the operand index twice), call
 * fz_eval, store outputs at index text `out_at`. */
static void element(fz_sbuf *b, const ax_fused_prog *prog, const char *ind, const char *in_idx_fmt,
                    const char *out_idx) {
    const int n_out = prog->n_out, n_in = prog->n_in;
    for (int j = 0; j < n_in; j++) {
        const char *T = ctype(input_dtype(prog, j));
        char idx[64];
        snprintf(idx, sizeof idx, in_idx_fmt, j);
        ax__fz_printf(b, "%sconst %s in%d = ((const %s *)a.ptr[%d])[%s];\n", ind, T, j, T, n_out + j, idx);
    }
    for (int o = 0; o < n_out; o++)
        ax__fz_printf(b, "%s%s out%d;\n", ind, ctype(prog->vals[prog->out_vals[o]].dtype), o);
    ax__fz_printf(b, "%sfz_eval(", ind);
    for (int j = 0; j < n_in; j++) ax__fz_printf(b, "in%d, ", j);
    for (int o = 0; o < n_out; o++) ax__fz_printf(b, "%sout%d", o ? ", " : "", o);
    ax__fz_printf(b, ");\n");
    for (int o = 0; o < n_out; o++)
        ax__fz_printf(b, "%s((%s *)a.ptr[%d])[%s] = out%d;\n", ind, ctype(prog->vals[prog->out_vals[o]].dtype), o,
                      out_idx, o);
}

char *ax__fused_cuda_codegen(const ax_fused_prog *prog, int *vec_out, int *unroll_out) {
    if (!ax__fused_cuda_supported(prog)) return NULL;
    const int n_out = prog->n_out, n_in = prog->n_in, nv = prog->n_vals;
    size_t widest = 1;
    for (int o = 0; o < n_out; o++) {
        size_t s = ax_dtype_size(prog->vals[prog->out_vals[o]].dtype);
        if (s > widest) widest = s;
    }
    for (int j = 0; j < n_in; j++) {
        size_t s = ax_dtype_size(input_dtype(prog, j));
        if (s > widest) widest = s;
    }
    const int vec = (int)(16 / widest);
    /* Vectors per thread and tile: 4 (64 bytes of each input in flight) for
     * small programs, else 2 (registers). The vector kernel's minimum blocks
     * per SM (__launch_bounds__) matters as much: without it ptxas minimizes
     * registers by sinking each load to its first use, which serializes the
     * UNR loads again; 4 blocks of 256 (64 registers) keeps them together.
     * float64 math (sin's reduction, pow) spilled under that bound. With the
     * vector kernel's grid of many waves (fused.c), the GELU-sigmoid chain
     * over 2^28 floats on an H100 read 2973 GB/s with 4 vectors and 4 blocks,
     * 2975 with 2 and 8, 2766 with 8 and 2; in one wave, 2775-2784 with 8
     * and 2 (the old choice for one input), 2801 with 4 and 2 (same run;
     * copy 2993, torch.compile 2907). */
    bool small_prog = n_in <= 2 && nv <= 32;
    for (int v = 0; v < nv; v++) small_prog &= prog->vals[v].dtype != AX_FLOAT64;
    const int unr = small_prog ? 4 : 2, min_blocks = small_prog ? 4 : 2;
    *vec_out = vec;
    *unroll_out = unr;
    fz_sbuf b = {0};
    ax__fz_printf(&b,
                  "// generated by ax_compile: a fused elementwise DAG for the GPU\n"
                  "typedef unsigned char fz_u8;\n"
                  "typedef long long fz_i64;\n"
                  "#define FZ_INF __int_as_float(0x7f800000)\n"
                  "#define VEC %d\n"
                  "#define UNR %d\n"
                  "#define MINB %d\n"
                  "struct fz_args { %s };\n"
                  "struct __align__(%d) fz_vf { float e[VEC]; };\n"
                  "struct __align__(%d) fz_vd { double e[VEC]; };\n"
                  "struct __align__(%d) fz_vb { fz_u8 e[VEC]; };\n",
                  vec, unr, min_blocks, FZ_STR(FZ_CU_ARGS_BODY), vec * 4 > 16 ? 16 : vec * 4,
                  vec * 8 > 16 ? 16 : vec * 8, vec);
    bool sigmoid32 = false;
    for (int v = 0; v < nv; v++)
        sigmoid32 |= prog->vals[v].kind == FZ_OP && prog->vals[v].op == AX_OP_SIGMOID &&
                     prog->vals[v].dtype == AX_FLOAT32;
    if (sigmoid32) /* the CPU's ew_sigmoidf with expf: e^-|x|, no overflow. 1 / (1 + e)
                    * with 1 + e in [1, 2] (or NaN): the hardware reciprocal and one Newton
                    * step (within an ulp of the IEEE quotient; no slow-path branch, which
                    * also lets the unrolled lanes interleave) */
        ax__fz_printf(&b, "static __device__ __forceinline__ float fz_sigmoidf(float x) {\n"
                          "    const float e = expf(x < 0 ? x : -x), d = 1.0f + e;\n"
                          "    float r;\n"
                          "    asm(\"rcp.approx.ftz.f32 %%0, %%1;\" : \"=f\"(r) : \"f\"(d));\n"
                          "    r = __fmaf_rn(__fmaf_rn(-d, r, 1.0f), r, r);\n"
                          "    return x >= 0 ? r : (x != x ? x : e * r);\n"
                          "}\n");
    /* fz_eval: inputs by value, outputs by reference */
    ax__fz_printf(&b, "static __device__ __forceinline__ void fz_eval(");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "const %s in%d, ", ctype(input_dtype(prog, j)), j);
    for (int o = 0; o < n_out; o++)
        ax__fz_printf(&b, "%s%s &out%d", o ? ", " : "", ctype(prog->vals[prog->out_vals[o]].dtype), o);
    ax__fz_printf(&b, ") {\n");
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        const char *T = ctype(val->dtype);
        if (val->kind == FZ_IMM) {
            if (val->dtype == AX_BOOL) {
                ax__fz_printf(&b, "    const fz_u8 c%d = %d;\n", v, val->imm != 0);
            } else if (val->dtype == AX_FLOAT32) {
                float f = (float)val->imm;
                uint32_t u;
                memcpy(&u, &f, 4);
                ax__fz_printf(&b, "    const float c%d = __int_as_float(0x%08x);\n", v, (unsigned)u);
            } else {
                uint64_t u;
                memcpy(&u, &val->imm, 8);
                ax__fz_printf(&b, "    const double c%d = __longlong_as_double(0x%016llxLL);\n", v,
                                  (unsigned long long)u);
            }
        } else if (val->kind == FZ_OP) {
            const ax_dtype t0 = prog->vals[val->a[0]].dtype;
            const char *f = formula(val->op, t0);
            ax__fz_printf(&b, "    %s t%d;\n    {\n", T, v);
            if (val->op == AX_OP_WHERE) {
                ax__fz_printf(&b, "        const fz_u8 c = ");
                operand(&b, prog, val->a[0]);
                ax__fz_printf(&b, ";\n        const %s x = ", T);
                operand(&b, prog, val->a[1]);
                ax__fz_printf(&b, ", y = ");
                operand(&b, prog, val->a[2]);
                ax__fz_printf(&b, ";\n");
            } else {
                ax__fz_printf(&b, "        const %s x = ", ctype(t0));
                operand(&b, prog, val->a[0]);
                if (val->a[1] >= 0) {
                    ax__fz_printf(&b, ", y = ");
                    operand(&b, prog, val->a[1]);
                }
                ax__fz_printf(&b, ";\n");
            }
            ax__fz_printf(&b, "        t%d = (%s)(%s);\n    }\n", v, T, f);
        }
    }
    for (int o = 0; o < n_out; o++) {
        ax__fz_printf(&b, "    out%d = ", o);
        operand(&b, prog, prog->out_vals[o]);
        ax__fz_printf(&b, ";\n");
    }
    ax__fz_printf(&b, "}\n");

    /* flat: contiguous operands */
    ax__fz_printf(&b, "extern \"C\" __global__ void __launch_bounds__(256) " FZ_CU_FLAT "(const fz_args a) {\n"
                      "    const fz_i64 step = (fz_i64)gridDim.x * blockDim.x;\n"
                      "    for (fz_i64 i = (fz_i64)blockIdx.x * blockDim.x + threadIdx.x; i < a.n; i += step) {\n");
    element(&b, prog, "        ", "i", "i");
    ax__fz_printf(&b, "    }\n}\n");

    /* vec: whole tiles of UNR x blockDim vectors (VEC elements each, moved as
     * aligned structs), a thread loading its UNR vectors of every input
     * before computing any, so UNR 16-byte loads per input are in flight at
     * once; then the vectors after the last whole tile one a thread, then
     * the scalar tail. */
    ax__fz_printf(&b, "extern \"C\" __global__ void __launch_bounds__(256, MINB) " FZ_CU_VEC "(const fz_args a) {\n"
                      "    const fz_i64 nvec = a.n / VEC, tile = (fz_i64)UNR * blockDim.x, ntile = nvec / tile;\n"
                      "    for (fz_i64 t = blockIdx.x; t < ntile; t += gridDim.x) {\n"
                      "        const fz_i64 k0 = t * tile + threadIdx.x;\n");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "        %s vin%d[UNR];\n", vtype(input_dtype(prog, j)), j);
    ax__fz_printf(&b, "#pragma unroll\n"
                      "        for (int u = 0; u < UNR; u++) {\n");
    for (int j = 0; j < n_in; j++) {
        const char *V = vtype(input_dtype(prog, j));
        ax__fz_printf(&b, "            vin%d[u] = ((const %s *)a.ptr[%d])[k0 + u * (fz_i64)blockDim.x];\n", j, V,
                          n_out + j);
    }
    ax__fz_printf(&b, "        }\n"
                      "#pragma unroll\n"
                      "        for (int u = 0; u < UNR; u++) {\n");
    for (int o = 0; o < n_out; o++)
        ax__fz_printf(&b, "            %s vout%d;\n", vtype(prog->vals[prog->out_vals[o]].dtype), o);
    ax__fz_printf(&b, "#pragma unroll\n            for (int e = 0; e < VEC; e++) fz_eval(");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "vin%d[u].e[e], ", j);
    for (int o = 0; o < n_out; o++) ax__fz_printf(&b, "%svout%d.e[e]", o ? ", " : "", o);
    ax__fz_printf(&b, ");\n");
    for (int o = 0; o < n_out; o++) {
        const char *V = vtype(prog->vals[prog->out_vals[o]].dtype);
        ax__fz_printf(&b, "            ((%s *)a.ptr[%d])[k0 + u * (fz_i64)blockDim.x] = vout%d;\n", V, o, o);
    }
    ax__fz_printf(&b, "        }\n"
                      "    }\n"
                      "    const fz_i64 first = (fz_i64)blockIdx.x * blockDim.x + threadIdx.x;\n"
                      "    const fz_i64 step = (fz_i64)gridDim.x * blockDim.x;\n"
                      "    for (fz_i64 k = ntile * tile + first; k < nvec; k += step) {\n");
    for (int j = 0; j < n_in; j++) {
        const char *V = vtype(input_dtype(prog, j));
        ax__fz_printf(&b, "        const %s vin%d = ((const %s *)a.ptr[%d])[k];\n", V, j, V, n_out + j);
    }
    for (int o = 0; o < n_out; o++) ax__fz_printf(&b, "        %s vout%d;\n", vtype(prog->vals[prog->out_vals[o]].dtype), o);
    ax__fz_printf(&b, "#pragma unroll\n        for (int e = 0; e < VEC; e++) fz_eval(");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "vin%d.e[e], ", j);
    for (int o = 0; o < n_out; o++) ax__fz_printf(&b, "%svout%d.e[e]", o ? ", " : "", o);
    ax__fz_printf(&b, ");\n");
    for (int o = 0; o < n_out; o++) {
        const char *V = vtype(prog->vals[prog->out_vals[o]].dtype);
        ax__fz_printf(&b, "        ((%s *)a.ptr[%d])[k] = vout%d;\n", V, o, o);
    }
    ax__fz_printf(&b, "    }\n"
                      "    for (fz_i64 i = nvec * VEC + first; i < a.n; i += step) {\n");
    element(&b, prog, "        ", "i", "i");
    ax__fz_printf(&b, "    }\n}\n");

    /* strided: input offsets from the coalesced shape (outputs are row-major) */
    ax__fz_printf(&b, "extern \"C\" __global__ void __launch_bounds__(256) " FZ_CU_STRIDED "(const fz_args a) {\n"
                      "    const fz_i64 step = (fz_i64)gridDim.x * blockDim.x;\n"
                      "    for (fz_i64 i = (fz_i64)blockIdx.x * blockDim.x + threadIdx.x; i < a.n; i += step) {\n");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "        fz_i64 off%d = 0;\n", j);
    ax__fz_printf(&b, "        if (a.small) {\n"
                      "            unsigned r = (unsigned)i;\n"
                      "            for (int d = a.ndim - 1; d > 0; d--) {\n"
                      "                const unsigned s = (unsigned)a.shape[d], q = r / s, c = r - q * s;\n"
                      "                r = q;\n");
    for (int j = 0; j < n_in; j++)
        ax__fz_printf(&b, "                off%d += (fz_i64)c * a.strides[%d][d];\n", j, n_out + j);
    ax__fz_printf(&b, "            }\n"); /* dim 0: what is left is its index (i < n) */
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "            off%d += (fz_i64)r * a.strides[%d][0];\n", j, n_out + j);
    ax__fz_printf(&b, 
                  "        } else {\n"
                  "            fz_i64 r = i;\n"
                  "            for (int d = a.ndim - 1; d > 0; d--) {\n"
                  "                const fz_i64 s = a.shape[d], q = r / s, c = r - q * s;\n"
                  "                r = q;\n");
    for (int j = 0; j < n_in; j++)
        ax__fz_printf(&b, "                off%d += c * a.strides[%d][d];\n", j, n_out + j);
    ax__fz_printf(&b, "            }\n");
    for (int j = 0; j < n_in; j++) ax__fz_printf(&b, "            off%d += r * a.strides[%d][0];\n", j, n_out + j);
    ax__fz_printf(&b, "        }\n");
    element(&b, prog, "        ", "off%d", "i");
    ax__fz_printf(&b, "    }\n}\n");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
