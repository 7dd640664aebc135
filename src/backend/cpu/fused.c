/* The FUSED primitive on the CPU: programs, the op set with its formulas,
 * the interpreter and the kernel (generated code, or the interpreter when no
 * kernel could be built or the reference kernels are forced). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("-fno-math-errno", "-fno-trapping-math")
#endif
#include "backend/cpu/fused.h"
#include "backend/fused_ops.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/ew_math.h"
#include "backend/cpu/ew_stream.h"

ax_compile_counters ax__compile_counters;

int64_t ax__compile_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------------------------------------------------------------- the op set
 * Formulas as in unary.c / binary.c (same text, same rounding). x, y are the
 * operands in the op's dtype; float32 exp is computed over whole blocks with
 * ew_expf_n, as the eager kernel does. */

/* The tables with the CPU's spellings: the ew_ float32 functions and
 * INFINITY (see fused_ops.h). */
#define FZ_CPU_UNARY_OPS(X) FZ_UNARY_OPS(X, ew_, ew_)
#define FZ_CPU_PRED_OPS(X) FZ_PRED_OPS(X, , INITY)

static bool is_float(ax_dtype t) { return t == AX_FLOAT32 || t == AX_FLOAT64; }
static bool fz_dtype(ax_dtype t) { return is_float(t) || t == AX_BOOL; }

typedef enum { K_NONE, K_UNARY, K_PRED, K_BINARY, K_CMP, K_BOOL, K_WHERE, K_CONVERT } fz_class;

static fz_class op_class(ax_op op, ax_dtype t0) {
    switch (op) {
#define C_U(ID, A, B) case AX_OP_##ID:
        FZ_CPU_UNARY_OPS(C_U) return is_float(t0) ? K_UNARY : K_NONE;
#define C_P(ID, E) case AX_OP_##ID:
        FZ_CPU_PRED_OPS(C_P) return K_PRED;
#define C_C(ID, E) case AX_OP_##ID:
        FZ_CMP_OPS(C_C) return K_CMP;
    case AX_OP_WHERE: return K_WHERE;
    case AX_OP_COPY: case AX_OP_ASTYPE: return K_CONVERT;
    default: break;
    }
    /* binary float ops; add/multiply/maximum/minimum of bools */
    switch (op) {
#define C_B(ID, A, B) case AX_OP_##ID:
        FZ_BINARY_OPS(C_B)
        if (is_float(t0)) return K_BINARY;
        if (t0 == AX_BOOL && (op == AX_OP_ADD || op == AX_OP_MULTIPLY || op == AX_OP_MAXIMUM ||
                              op == AX_OP_MINIMUM))
            return K_BOOL;
        return K_NONE;
    default: return K_NONE;
    }
#undef C_U
#undef C_P
#undef C_C
#undef C_B
}

bool ax__fused_supports(ax_op op, const ax_dtype *in, int n_in, ax_dtype out) {
    if (!fz_dtype(out)) return false;
    for (int i = 0; i < n_in; i++)
        if (!fz_dtype(in[i])) return false;
    if (n_in < 1) return false;
    switch (op_class(op, in[0])) {
    case K_UNARY: return n_in == 1 && out == in[0];
    case K_PRED: return n_in == 1 && out == AX_BOOL;
    case K_BINARY: return n_in == 2 && in[1] == in[0] && out == in[0];
    case K_CMP: return n_in == 2 && in[1] == in[0] && out == AX_BOOL;
    case K_BOOL: return n_in == 2 && in[1] == AX_BOOL && out == AX_BOOL;
    case K_WHERE: return n_in == 3 && in[0] == AX_BOOL && in[1] == in[2] && out == in[1];
    case K_CONVERT: /* float <-> float, bool -> float, same dtype */
        return n_in == 1 && (in[0] == out || (is_float(out) && in[0] != out));
    default: return false;
    }
}

/* ---------------------------------------------------------------- programs */

ax_fused_prog *ax__fused_prog_new(fz_val *vals, int n_vals, int n_in, int *out_vals, int n_out) {
    ax_fused_prog *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    atomic_init(&p->refs, 1);
    p->vals = vals;
    p->n_vals = n_vals;
    p->n_in = n_in;
    p->out_vals = out_vals;
    p->n_out = n_out;
    return p;
}

void ax__fused_prog_retain(ax_fused_prog *p) {
    if (p) atomic_fetch_add(&p->refs, 1);
}

void ax__fused_jit_release(void *kernel_ref); /* fused_jit.c */

void ax__fused_prog_release(ax_fused_prog *p) {
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    if (p->kernel_ref) ax__fused_jit_release(p->kernel_ref);
    free(p->vals);
    free(p->out_vals);
    free(p);
}

static void holder_release(void *data, void *user) {
    (void)user;
    ax__fused_prog_release(data);
}

ax_array *ax__fused_holder(ax_ctx *ctx, ax_fused_prog *p) {
    int64_t zero = 0;
    ax_array *h = ax__array_new(ctx, AX_UINT8, &zero, 1);
    if (!h) return NULL;
    ax_buffer *b = ax__buffer_wrap(p, 0, holder_release, NULL);
    if (!b) {
        ax_release(h);
        return ax__error(ctx, AX_ERR_OOM, "compile: out of host memory");
    }
    ax__fused_prog_retain(p);
    h->buf = b;
    return h;
}

ax_fused_prog *ax__fused_node_prog(const ax_node *node) {
    return node->inputs[node->n_inputs - 1]->buf->data;
}

/* ---------------------------------------------------------------- interpreter */

static void interp_op(const fz_val *v, const fz_val *vals, void *const *blk, void *out, int64_t m) {
    const ax_dtype t0 = vals[v->a[0]].dtype;
    const void *A = blk[v->a[0]];
    const void *B = v->a[1] >= 0 ? blk[v->a[1]] : NULL;
    const void *C = v->a[2] >= 0 ? blk[v->a[2]] : NULL;
    if (v->op == AX_OP_EXP && t0 == AX_FLOAT32) {
        ew_expf_n(A, out, m);
        return;
    }
    switch (op_class(v->op, t0)) {
    case K_UNARY:
        switch (v->op) {
#define I_U(ID, E32, E64)                                                               \
    case AX_OP_##ID:                                                                    \
        if (t0 == AX_FLOAT32)                                                           \
            for (int64_t i = 0; i < m; i++) {                                           \
                const float x = ((const float *)A)[i];                                  \
                ((float *)out)[i] = (E32);                                              \
            }                                                                           \
        else                                                                            \
            for (int64_t i = 0; i < m; i++) {                                           \
                const double x = ((const double *)A)[i];                                \
                ((double *)out)[i] = (E64);                                             \
            }                                                                           \
        return;
            FZ_CPU_UNARY_OPS(I_U)
#undef I_U
        default: return;
        }
    case K_PRED:
        switch (v->op) {
#define I_P(ID, E)                                                                      \
    case AX_OP_##ID:                                                                    \
        if (t0 == AX_FLOAT32)                                                           \
            for (int64_t i = 0; i < m; i++) {                                           \
                const float x = ((const float *)A)[i];                                  \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        else if (t0 == AX_FLOAT64)                                                      \
            for (int64_t i = 0; i < m; i++) {                                           \
                const double x = ((const double *)A)[i];                                \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        else                                                                            \
            for (int64_t i = 0; i < m; i++) {                                           \
                const uint8_t x = ((const uint8_t *)A)[i];                              \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        return;
            FZ_CPU_PRED_OPS(I_P)
#undef I_P
        default: return;
        }
    case K_BINARY:
        switch (v->op) {
#define I_B(ID, E32, E64)                                                               \
    case AX_OP_##ID:                                                                    \
        if (t0 == AX_FLOAT32)                                                           \
            for (int64_t i = 0; i < m; i++) {                                           \
                const float x = ((const float *)A)[i], y = ((const float *)B)[i];       \
                ((float *)out)[i] = (E32);                                              \
            }                                                                           \
        else                                                                            \
            for (int64_t i = 0; i < m; i++) {                                           \
                const double x = ((const double *)A)[i], y = ((const double *)B)[i];    \
                ((double *)out)[i] = (E64);                                             \
            }                                                                           \
        return;
            FZ_BINARY_OPS(I_B)
#undef I_B
        default: return;
        }
    case K_CMP:
        switch (v->op) {
#define I_C(ID, E)                                                                      \
    case AX_OP_##ID:                                                                    \
        if (t0 == AX_FLOAT32)                                                           \
            for (int64_t i = 0; i < m; i++) {                                           \
                const float x = ((const float *)A)[i], y = ((const float *)B)[i];       \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        else if (t0 == AX_FLOAT64)                                                      \
            for (int64_t i = 0; i < m; i++) {                                           \
                const double x = ((const double *)A)[i], y = ((const double *)B)[i];    \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        else                                                                            \
            for (int64_t i = 0; i < m; i++) {                                           \
                const uint8_t x = ((const uint8_t *)A)[i], y = ((const uint8_t *)B)[i]; \
                ((uint8_t *)out)[i] = (E);                                              \
            }                                                                           \
        return;
            FZ_CMP_OPS(I_C)
#undef I_C
        default: return;
        }
    case K_BOOL:
        switch (v->op) {
#define I_L(ID, E)                                                                      \
    case AX_OP_##ID:                                                                    \
        for (int64_t i = 0; i < m; i++) {                                               \
            const uint8_t x = ((const uint8_t *)A)[i], y = ((const uint8_t *)B)[i];     \
            ((uint8_t *)out)[i] = (uint8_t)(E);                                         \
        }                                                                               \
        return;
            FZ_BOOL_OPS(I_L)
#undef I_L
        default: return;
        }
    case K_WHERE: {
        const uint8_t *c = A;
        const ax_dtype t = v->dtype;
        if (t == AX_FLOAT32)
            for (int64_t i = 0; i < m; i++)
                ((float *)out)[i] = c[i] ? ((const float *)B)[i] : ((const float *)C)[i];
        else if (t == AX_FLOAT64)
            for (int64_t i = 0; i < m; i++)
                ((double *)out)[i] = c[i] ? ((const double *)B)[i] : ((const double *)C)[i];
        else
            for (int64_t i = 0; i < m; i++)
                ((uint8_t *)out)[i] = c[i] ? ((const uint8_t *)B)[i] : ((const uint8_t *)C)[i];
        return;
    }
    case K_CONVERT: {
        const ax_dtype t = v->dtype;
        if (t == t0) {
            memcpy(out, A, (size_t)m * ax_dtype_size(t));
        } else if (t == AX_FLOAT32) {
            for (int64_t i = 0; i < m; i++)
                ((float *)out)[i] = t0 == AX_FLOAT64 ? (float)((const double *)A)[i]
                                                     : (float)((const uint8_t *)A)[i];
        } else {
            for (int64_t i = 0; i < m; i++)
                ((double *)out)[i] = t0 == AX_FLOAT32 ? (double)((const float *)A)[i]
                                                      : (double)((const uint8_t *)A)[i];
        }
        return;
    }
    default: return;
    }
}

static void fill_imm(void *blk, ax_dtype t, double v, int64_t m) {
    if (t == AX_FLOAT32)
        for (int64_t i = 0; i < m; i++) ((float *)blk)[i] = (float)v;
    else if (t == AX_FLOAT64)
        for (int64_t i = 0; i < m; i++) ((double *)blk)[i] = v;
    else
        memset(blk, v != 0, (size_t)m);
}

void ax__fused_interpret(const ax_fused_prog *prog, char **p, const int64_t *bs, int64_t n) {
    const int nv = prog->n_vals, n_out = prog->n_out;
    /* one block per value (8 bytes an element covers every dtype) */
    _Alignas(64) char scratch[FZ_MAX_VALS * FZ_BLOCK * 8];
    void *blk[FZ_MAX_VALS];
    int out_of[FZ_MAX_VALS];
    for (int v = 0; v < nv; v++) out_of[v] = -1;
    for (int o = 0; o < n_out; o++) out_of[prog->out_vals[o]] = o;
    bool filled = false;
    for (int64_t off = 0; off < n; off += FZ_BLOCK) {
        const int64_t m = n - off < FZ_BLOCK ? n - off : FZ_BLOCK;
        for (int v = 0; v < nv; v++) {
            const fz_val *val = &prog->vals[v];
            const int64_t sz = (int64_t)ax_dtype_size(val->dtype);
            char *mine = scratch + (size_t)v * FZ_BLOCK * 8;
            if (val->kind == FZ_IMM) {
                if (!filled) fill_imm(mine, val->dtype, val->imm, FZ_BLOCK);
                blk[v] = mine;
            } else if (val->kind == FZ_IN) {
                const int j = n_out + val->a[0];
                const char *src = p[j] + off * bs[j];
                if (bs[j] == sz) {
                    blk[v] = (void *)src;
                } else if (bs[j] == 0) { /* one value for the whole run: filled once */
                    if (!filled)
                        for (int64_t i = 0; i < FZ_BLOCK && i < n; i++) memcpy(mine + i * sz, src, (size_t)sz);
                    blk[v] = mine;
                } else {
                    for (int64_t i = 0; i < m; i++) memcpy(mine + i * sz, src + i * bs[j], (size_t)sz);
                    blk[v] = mine;
                }
            } else {
                const int o = out_of[v];
                void *dst = o >= 0 && bs[o] == sz ? p[o] + off * sz : mine;
                interp_op(val, prog->vals, blk, dst, m);
                blk[v] = dst;
            }
        }
        filled = true;
        for (int o = 0; o < n_out; o++) {
            const int v = prog->out_vals[o];
            const int64_t sz = (int64_t)ax_dtype_size(prog->vals[v].dtype);
            char *dst = p[o] + off * bs[o];
            if (blk[v] == dst) continue;
            for (int64_t i = 0; i < m; i++)
                memcpy(dst + i * bs[o], (const char *)blk[v] + i * sz, (size_t)sz);
        }
    }
}

/* ---------------------------------------------------------------- code generation */

static const char *ctype(ax_dtype t) {
    return t == AX_FLOAT32 ? "float" : t == AX_FLOAT64 ? "double" : "uint8_t";
}

/* The formula text of v (x, y in the operand dtype). */
static const char *formula(const fz_val *v, ax_dtype t0) {
    switch (op_class(v->op, t0)) {
    case K_UNARY:
        switch (v->op) {
#define S_U(ID, E32, E64) case AX_OP_##ID: return t0 == AX_FLOAT32 ? #E32 : #E64;
            FZ_CPU_UNARY_OPS(S_U)
#undef S_U
        default: return NULL;
        }
    case K_PRED:
        switch (v->op) {
#define S_P(ID, E) case AX_OP_##ID: return #E;
            FZ_CPU_PRED_OPS(S_P)
#undef S_P
        default: return NULL;
        }
    case K_BINARY:
        switch (v->op) {
#define S_B(ID, E32, E64) case AX_OP_##ID: return t0 == AX_FLOAT32 ? #E32 : #E64;
            FZ_BINARY_OPS(S_B)
#undef S_B
        default: return NULL;
        }
    case K_CMP:
        switch (v->op) {
#define S_C(ID, E) case AX_OP_##ID: return #E;
            FZ_CMP_OPS(S_C)
#undef S_C
        default: return NULL;
        }
    case K_BOOL:
        switch (v->op) {
#define S_L(ID, E) case AX_OP_##ID: return #E;
            FZ_BOOL_OPS(S_L)
#undef S_L
        default: return NULL;
        }
    case K_WHERE: return "c ? x : y";
    case K_CONVERT: return "x";
    default: return NULL;
    }
}

void ax__fz_printf(fz_sbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* Code shape: the values are split into segments at each float32 exp
 * (computed over the whole block by ew_expf_n, as the eager kernel does).
 * Inside a segment one element loop computes every value into a register
 * (`tK`); a value is also stored into its block scratch (`vK[i]`) when a
 * later segment reads it or it is an output. Inputs are read in place when
 * contiguous, else gathered into their block first. */
static bool is_block_op(const ax_fused_prog *prog, const fz_val *v) {
    return v->kind == FZ_OP && v->op == AX_OP_EXP && prog->vals[v->a[0]].dtype == AX_FLOAT32;
}

/* Operand text of value a read from segment seg. */
static void operand(fz_sbuf *b, const ax_fused_prog *prog, const int *seg_of, int a, int seg) {
    const fz_val *v = &prog->vals[a];
    if (v->kind == FZ_IMM) ax__fz_printf(b, "c%d", a);
    else if (v->kind == FZ_OP && seg_of[a] == seg && !is_block_op(prog, v)) ax__fz_printf(b, "t%d", a);
    else ax__fz_printf(b, "v%d[i]", a);
}

char *ax__fused_codegen(const ax_fused_prog *prog) {
    fz_sbuf b = {0};
    const int n_out = prog->n_out, nv = prog->n_vals;
    int seg_of[FZ_MAX_VALS], out_of[FZ_MAX_VALS];
    bool stored[FZ_MAX_VALS];
    if (nv > FZ_MAX_VALS) return NULL;
    int seg = 0;
    for (int v = 0; v < nv; v++) {
        out_of[v] = -1;
        stored[v] = false;
        if (is_block_op(prog, &prog->vals[v])) {
            seg_of[v] = ++seg; /* its own segment */
            seg++;
        } else {
            seg_of[v] = seg;
        }
    }
    for (int o = 0; o < n_out; o++) {
        out_of[prog->out_vals[o]] = o;
        stored[prog->out_vals[o]] = true;
    }
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        if (val->kind != FZ_OP) continue;
        for (int k = 0; k < 3 && val->a[k] >= 0; k++) {
            int a = val->a[k];
            if (prog->vals[a].kind == FZ_OP && (seg_of[a] != seg_of[v] || is_block_op(prog, &prog->vals[a]) ||
                                                 is_block_op(prog, val)))
                stored[a] = true;
        }
    }
    ax__fz_printf(&b,
                  "/* generated by ax_compile: one pass over a fused elementwise DAG */\n"
                  "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n"
                  "#include \"backend/cpu/ew_math.h\"\n"
                  "#include \"backend/cpu/ew_stream.h\"\n"
                  "#define B %d\n"
                  "void ax_fused_kernel(char **p0, const int64_t *bs, int64_t n, int64_t rows,\n"
                  "                     const int64_t *rs, int flags) {\n"
                  "    const int stream = flags & %d;\n",
                  FZ_BLOCK, FZ_STREAM);
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        const char *T = ctype(val->dtype);
        if (val->kind == FZ_IMM) {
            const double x = val->dtype == AX_FLOAT32 ? (double)(float)val->imm : val->imm;
            char lit[64];
            if (x != x) snprintf(lit, sizeof lit, "NAN");
            else if (isinf(x)) snprintf(lit, sizeof lit, "%sINFINITY", x < 0 ? "-" : "");
            else snprintf(lit, sizeof lit, "%a", x);
            if (val->dtype == AX_BOOL) ax__fz_printf(&b, "    const uint8_t c%d = %d;\n", v, val->imm != 0);
            else ax__fz_printf(&b, "    const %s c%d = (%s)%s;\n", T, v, T, lit);
        } else if (val->kind == FZ_IN || stored[v]) {
            ax__fz_printf(&b, "    _Alignas(64) %s s%d[B];\n", T, v);
        }
    }
    /* rows: run r of operand j starts at p0[j] + r * rs[j] */
    ax__fz_printf(&b,
                  "    for (int64_t r = 0; r < rows; r++) {\n"
                  "    char *p[%d];\n"
                  "    for (int j = 0; j < %d; j++) p[j] = p0[j] + r * rs[j];\n",
                  n_out + prog->n_in, n_out + prog->n_in);
    /* a broadcast input (stride 0 along the run) is one value for the whole
     * run: its block is filled once here instead of gathered per block, and
     * again for each row only where it changes from row to row */
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        if (val->kind != FZ_IN) continue;
        int j = n_out + val->a[0];
        ax__fz_printf(&b,
                      "    if (bs[%d] == 0 && (r == 0 || rs[%d] != 0)) {\n"
                      "        %s c; memcpy(&c, p[%d], sizeof c);\n"
                      "        for (int64_t i = 0; i < (n < B ? n : B); i++) s%d[i] = c;\n"
                      "    }\n",
                      j, j, ctype(val->dtype), j, v);
    }
    ax__fz_printf(&b, "    for (int64_t off = 0; off < n; off += B) {\n"
                      "        const int64_t m = n - off < B ? n - off : B;\n");
    /* inputs: large ones prefetched EW_STREAM_AHEAD bytes ahead (fused.h),
     * then the block's pointer (in place, the broadcast block, or gathered) */
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        if (val->kind != FZ_IN) continue;
        const char *T = ctype(val->dtype);
        const size_t sz = ax_dtype_size(val->dtype);
        int j = n_out + val->a[0];
        ax__fz_printf(&b,
                      "        if ((flags & %d) && bs[%d] == %zu) {\n"
                      "            const uintptr_t q = (uintptr_t)p[%d] + (uintptr_t)off * %zu + %d;\n"
                      "            for (int k = 0; k < B * %zu; k += 64) __builtin_prefetch((const void *)(q + k), 0, 3);\n"
                      "        }\n",
                      FZ_PREFETCH(val->a[0]), j, sz, j, sz, EW_STREAM_AHEAD, sz);
        ax__fz_printf(&b,
                      "        const %s *v%d;\n"
                      "        if (bs[%d] == %zu) v%d = (const %s *)(p[%d] + off * %zu);\n"
                      "        else if (bs[%d] == 0) v%d = s%d;\n"
                      "        else {\n"
                      "            const char *q = p[%d] + off * bs[%d];\n"
                      "            for (int64_t i = 0; i < m; i++) memcpy(&s%d[i], q + i * bs[%d], %zu);\n"
                      "            v%d = s%d;\n"
                      "        }\n",
                      T, v, j, sz, v, T, j, sz, j, v, v, j, j, v, j, sz, v, v);
    }
    /* stored values: block pointers (outputs written in place when contiguous) */
    for (int v = 0; v < nv; v++) {
        const fz_val *val = &prog->vals[v];
        if (val->kind != FZ_OP || !stored[v]) continue;
        const char *T = ctype(val->dtype);
        const size_t sz = ax_dtype_size(val->dtype);
        int o = out_of[v];
        if (o >= 0)
            ax__fz_printf(&b, "        %s *v%d = bs[%d] == %zu && !stream ? (%s *)(p[%d] + off * %zu) : s%d;\n",
                          T, v, o, sz, T, o, sz, v);
        else
            ax__fz_printf(&b, "        %s *v%d = s%d;\n", T, v, v);
    }
    /* segments */
    int v = 0;
    while (v < nv) {
        const fz_val *val = &prog->vals[v];
        if (val->kind != FZ_OP) {
            v++;
            continue;
        }
        if (is_block_op(prog, val)) {
            int a = val->a[0];
            if (prog->vals[a].kind == FZ_IMM)
                ax__fz_printf(&b, "        { float t[B]; for (int64_t i = 0; i < m; i++) t[i] = c%d; ew_expf_n(t, v%d, m); }\n", a, v);
            else
                ax__fz_printf(&b, "        ew_expf_n(v%d, v%d, m);\n", a, v);
            v++;
            continue;
        }
        const int sg = seg_of[v];
        ax__fz_printf(&b, "        for (int64_t i = 0; i < m; i++) {\n");
        for (; v < nv && seg_of[v] == sg; v++) {
            val = &prog->vals[v];
            if (val->kind != FZ_OP) continue;
            const ax_dtype t0 = prog->vals[val->a[0]].dtype;
            const char *T = ctype(val->dtype), *f = formula(val, t0);
            if (!f) {
                free(b.s);
                return NULL;
            }
            ax__fz_printf(&b, "            %s t%d;\n            {\n", T, v);
            if (val->op == AX_OP_WHERE) {
                ax__fz_printf(&b, "                const uint8_t c = ");
                operand(&b, prog, seg_of, val->a[0], sg);
                ax__fz_printf(&b, ";\n                const %s x = ", T);
                operand(&b, prog, seg_of, val->a[1], sg);
                ax__fz_printf(&b, ", y = ");
                operand(&b, prog, seg_of, val->a[2], sg);
                ax__fz_printf(&b, ";\n");
            } else {
                ax__fz_printf(&b, "                const %s x = ", ctype(t0));
                operand(&b, prog, seg_of, val->a[0], sg);
                if (val->a[1] >= 0) {
                    ax__fz_printf(&b, ", y = ");
                    operand(&b, prog, seg_of, val->a[1], sg);
                }
                ax__fz_printf(&b, ";\n");
            }
            ax__fz_printf(&b, "                t%d = (%s)(%s);\n            }\n", v, T, f);
            if (stored[v]) ax__fz_printf(&b, "            v%d[i] = t%d;\n", v, v);
        }
        ax__fz_printf(&b, "        }\n");
    }
    for (int o = 0; o < n_out; o++) {
        int w = prog->out_vals[o];
        const fz_val *val = &prog->vals[w];
        size_t sz = ax_dtype_size(val->dtype);
        if (val->kind == FZ_OP)
            ax__fz_printf(&b,
                          "        if (bs[%d] == %zu) {\n"
                          "            if (stream) ew_stream_store(p[%d] + off * %zu, v%d, m * %zu);\n"
                          "        } else\n"
                          "            for (int64_t i = 0; i < m; i++) memcpy(p[%d] + (off + i) * bs[%d], &v%d[i], %zu);\n",
                          o, sz, o, sz, w, sz, o, o, w, sz);
    }
    ax__fz_printf(&b, "    }\n    }\n}\n");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---------------------------------------------------------------- kernel */

typedef struct fused_call {
    const ax_fused_prog *prog;
    int flags; /* FZ_STREAM, FZ_PREFETCH(j) */
} fused_call;

static void interpret_run(char **p, const int64_t *bs, int64_t n, void *prog) {
    ax__fused_interpret(prog, p, bs, n);
}

static void fused_rows(char **p, const int64_t *bs, int64_t n, int64_t rows, const int64_t *rs,
                       void *ud) {
    const fused_call *c = ud;
    if (c->prog->fn && !ax__cpu_use_reference())
        c->prog->fn(p, bs, n, rows, rs, c->flags);
    else
        ax__cpu_each_row(c->prog->n_out + c->prog->n_in, p, bs, n, rows, rs, interpret_run,
                         (void *)c->prog);
}

static ax_status fused_kernel(ax_ctx *ctx, const ax_node *node, ax_array *const *out) {
    ax_fused_prog *prog = ax__fused_node_prog(node);
    const int n_out = node->n_outputs, n_in = node->n_inputs - 1;
    if (n_out != prog->n_out || n_in != prog->n_in || n_out + n_in > FZ_MAX_OPERANDS)
        return ax__fail(ctx, AX_ERR_INTERNAL, "fused: node and program disagree (%d+%d operands)",
                        n_out, n_in);
    ax_array *o0 = out[0];
    const int nd = o0->ndim;
    char *base[FZ_MAX_OPERANDS];
    const int64_t *strides[FZ_MAX_OPERANDS];
    size_t items[FZ_MAX_OPERANDS];
    int64_t st[FZ_MAX_OPERANDS][AX_MAX_NDIM];
    int64_t out_bytes = 0;
    for (int o = 0; o < n_out; o++) {
        base[o] = ax__ptr(out[o]);
        strides[o] = out[o]->strides;
        items[o] = ax_dtype_size(out[o]->dtype);
        out_bytes += out[o]->size * (int64_t)items[o];
    }
    for (int i = 0; i < n_in; i++) {
        ax_array *a = node->inputs[i];
        ax__broadcast_strides(a, o0->shape, nd, st[i]);
        base[n_out + i] = a->size ? ax__ptr(a) : NULL;
        strides[n_out + i] = st[i];
        items[n_out + i] = ax_dtype_size(a->dtype);
    }
    fused_call call = {prog, out_bytes >= EW_STREAM_BYTES ? FZ_STREAM : 0};
    for (int i = 0; i < n_in && call.flags; i++)
        if (node->inputs[i]->size * (int64_t)items[n_out + i] >= FZ_PREFETCH_MIN) call.flags |= FZ_PREFETCH(i);
    ax__cpu_loop_rows(n_out + n_in, base, strides, items, o0->shape, nd, fused_rows, &call, true);
    if (call.flags & FZ_STREAM) ew_stream_end();
    return AX_OK;
}

void ax__cpu_register_fused(ax_kernel *table) { table[AX_OP_FUSED] = fused_kernel; }
