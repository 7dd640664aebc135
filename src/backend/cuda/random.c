/* CUDA kernels: random family (threefry bits, permutation) and the extra
 * family's WINDOW, I0, I1 (see cuda.h).
 *
 * RANDOM_BITS: every dtype-dependent constant is computed here exactly as
 * the CPU's make_plan (src/backend/cpu/random.c) does; the key stays on the
 * device, read by each thread, so the launch never synchronizes. The one
 * exception is bernoulli with a p array: p outside [0, 1] is an AX_ERR_VALUE
 * naming the first offending p (as the CPU), so that kernel records the
 * smallest bad index on the device and this waits for it.
 *
 * RANDOM_PERMUTATION: the CPU's algorithm (rounds of split + stable sort by
 * 32-bit random keys, positions breaking ties) with CUB's LSD radix sort of
 * (key, value) pairs, which is stable: bit-identical.
 *
 * Declines: nothing for valid programs (every kind, every dtype the op
 * constructors allow); ranks above AX_CU_MAX_DIMS for a bernoulli p array or
 * I0/I1 layouts that do not coalesce that far go to the CPU. */
#include <math.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/extra.h"
#include "backend/cuda/kernels/random.h"
#include "backend/random_dtype.h"
#include "ops/extra_params.h"
#include "ops/random_params.h"

#define RND_SQRT2 1.41421356237309504880

/* ---------------------------------------------------------------- RANDOM_BITS */

/* The CPU's make_plan, into the launch descriptor. False: decline. */
static bool make_plan(const ax_node *node, const ax_array *out, ax_cu_rnd *r) {
    const ax_random_params *p = node->params;
    const ax_array *key = node->inputs[0];
    ax_dtype t = out->dtype;
    memset(r, 0, sizeof *r);
    r->key = (const uint32_t *)ax__dptr(key);
    r->key_stride = key->ndim ? key->strides[0] : 1;
    r->out = ax__dptr(out);
    r->out_dtype = (int)t;
    r->n = out->size;
    r->kind = p->kind;
    r->t = (int)t;
    r->nbits = ax_dtype_is_floating(t) ? uniform_bits(t) : (int)(8 * ax_dtype_size(t));
    r->sqrt2 = rnd_t(t, RND_SQRT2);
    r->loc = rnd_t(t, p->a);
    r->scale = rnd_t(t, p->b);
    double lo = 0, hi = 1;
    switch (p->kind) {
    case AX_RND_BITS:
        if (t != AX_UINT8 && t != AX_UINT16 && t != AX_UINT32 && t != AX_UINT64) return false;
        break;
    case AX_RND_SPLIT:
        if (t != AX_UINT32) return false;
        break;
    case AX_RND_UNIFORM:
        if (!ax_dtype_is_floating(t)) return false;
        lo = rnd_t(t, p->a), hi = rnd_t(t, p->b);
        r->chi = next_t(t, hi, -1);
        if (r->chi < lo) r->chi = lo;
        break;
    case AX_RND_NORMAL:
        if (!ax_dtype_is_floating(t)) return false;
        lo = next_t(t, -1.0, +1);
        break;
    case AX_RND_LAPLACE:
        if (!ax_dtype_is_floating(t)) return false;
        lo = rnd_t(t, -1.0 + epsneg_t(t));
        break;
    case AX_RND_GUMBEL:
        if (!ax_dtype_is_floating(t)) return false;
        lo = tiny_t(t);
        break;
    case AX_RND_TRUNC_NORMAL: {
        if (!ax_dtype_is_floating(t)) return false;
        double l = rnd_t(t, p->a), h = rnd_t(t, p->b);
        if (t == AX_FLOAT64) lo = erf(l / r->sqrt2), hi = erf(h / r->sqrt2);
        else
            lo = rnd_t(t, erff((float)rnd_t(t, l / r->sqrt2))),
            hi = rnd_t(t, erff((float)rnd_t(t, h / r->sqrt2)));
        r->clo = next_t(t, l, +1);
        r->chi = next_t(t, h, -1);
        break;
    }
    case AX_RND_RANDINT: {
        if (!ax_dtype_is_integer(t) || t == AX_BOOL) return false;
        int nb = r->nbits < 32 ? 32 : r->nbits; /* JAX draws 8/16-bit integers as 32-bit */
        r->nbits = nb;
        uint64_t mask = nb == 64 ? UINT64_MAX : (1ull << nb) - 1;
        uint64_t span = ((uint64_t)p->ihi - (uint64_t)p->ilo) & mask;
        uint64_t m = span ? (1ull << (nb / 2)) % span : (1ull << (nb / 2));
        m = (m * m) & mask;
        if (span) m %= span;
        r->ispan = span;
        r->imult = m;
        r->imask = mask;
        r->ilo = p->ilo;
        break;
    }
    case AX_RND_BERNOULLI:
        if (t != AX_BOOL) return false;
        if (p->has_p) {
            const ax_array *pa = node->inputs[1];
            if (!ax_dtype_is_floating(pa->dtype) || out->ndim > AX_CU_MAX_DIMS) return false;
            r->t = (int)pa->dtype;
            r->nbits = uniform_bits(pa->dtype);
            r->has_p = true;
            r->parr.ptr = ax__dptr(pa);
            r->parr.dtype = (int)pa->dtype;
            r->parr.ndim = out->ndim;
            r->parr.size = out->size;
            int64_t bs[AX_MAX_NDIM];
            ax__broadcast_strides(pa, out->shape, out->ndim, bs);
            for (int d = 0; d < out->ndim; d++) r->parr.shape[d] = out->shape[d], r->parr.strides[d] = bs[d];
        } else {
            r->t = AX_FLOAT32;
            r->nbits = 32;
            r->p = (float)p->a;
        }
        break;
    default: return false;
    }
    if (p->kind != AX_RND_BERNOULLI) {
        r->lo = lo;
        r->span = rnd_t((ax_dtype)r->t, hi - lo);
    }
    return true;
}

/* Bernoulli with a p array: wait for the kernel's smallest bad index and
 * report that p as the CPU does. */
static ax_status bernoulli_check(ax_ctx *ctx, const ax_node *node, const ax_array *out,
                                 unsigned long long *bad) {
    unsigned long long first = ~0ull;
    cudaStream_t s = ax__cuda_stream();
    ax_status st = ax__cuda_check(ctx, cudaMemcpyAsync(&first, bad, sizeof first, cudaMemcpyDeviceToHost, s),
                                  "bernoulli");
    if (st == AX_OK) st = ax__cuda_check(ctx, cudaStreamSynchronize(s), "bernoulli");
    if (st != AX_OK || first == ~0ull) return st;
    const ax_array *pa = node->inputs[1];
    int64_t bs[AX_MAX_NDIM], off = 0, rem = (int64_t)first;
    ax__broadcast_strides(pa, out->shape, out->ndim, bs);
    for (int d = out->ndim - 1; d >= 0; d--) {
        off += (rem % out->shape[d]) * bs[d];
        rem /= out->shape[d];
    }
    size_t isz = ax_dtype_size(pa->dtype);
    char val[8] = {0};
    st = ax__cuda_check(ctx, cudaMemcpy(val, ax__dptr(pa) + off * (int64_t)isz, isz, cudaMemcpyDeviceToHost),
                        "bernoulli");
    if (st != AX_OK) return st;
    return ax__fail(ctx, AX_ERR_VALUE, "bernoulli: p must be in [0, 1], got %g", ax__load_f64(val, pa->dtype));
}

static ax_status k_bits(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    ax_cu_rnd r;
    if (!make_plan(node, outs[0], &r)) return AX__DECLINE;
    if (r.n == 0) return AX_OK;
    if (!r.has_p) return ax__cuda_check(ctx, ax_cu_random_bits(&r, ax__cuda_stream()), "random_bits");
    r.bad = ax__cuda_malloc(ctx, sizeof *r.bad, "bernoulli");
    if (!r.bad) return AX_ERR_OOM;
    ax_status st = ax__cuda_check(ctx, cudaMemsetAsync(r.bad, 0xff, sizeof *r.bad, ax__cuda_stream()), "bernoulli");
    if (st == AX_OK) st = ax__cuda_check(ctx, ax_cu_random_bits(&r, ax__cuda_stream()), "bernoulli");
    if (st == AX_OK) st = bernoulli_check(ctx, node, outs[0], r.bad);
    ax__cuda_free(r.bad);
    return st;
}

/* ---------------------------------------------------------------- RANDOM_PERMUTATION */

static int perm_rounds(int64_t n) {
    if (n <= 1) return 0;
    return (int)ceil(3.0 * log((double)n) / log(4294967295.0));
}

static ax_status k_perm(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_random_perm_params *p = node->params;
    const int64_t n = p->n;
    if (outs[0]->dtype != AX_INT64 || outs[0]->size != n) return AX__DECLINE;
    if (n == 0) return AX_OK;
    const ax_array *key = node->inputs[0];
    const int rounds = perm_rounds(n);
    size_t bytes = rounds ? ax_cu_random_perm_workspace(n) : 0;
    void *ws = NULL;
    if (rounds) {
        ws = ax__cuda_malloc(ctx, bytes, "permutation");
        if (!ws) return AX_ERR_OOM;
    }
    ax_status st = ax__cuda_check(
        ctx,
        ax_cu_random_perm((const uint32_t *)ax__dptr(key), key->ndim ? key->strides[0] : 1,
                          (int64_t *)ax__dptr(outs[0]), n, rounds, ws, bytes, ax__cuda_stream()),
        "permutation");
    if (ws) ax__cuda_free(ws);
    return st;
}

/* ---------------------------------------------------------------- WINDOW, I0, I1 */

static ax_status k_window(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_window_params *p = node->params;
    ax_array *o = outs[0];
    if (!ax_dtype_is_floating(o->dtype)) return AX__DECLINE;
    double i0beta = p->kind == AX__WINDOW_KAISER ? ax__bessel_i0(p->beta) : 1.0;
    return ax__cuda_check(ctx, ax_cu_window(ax__dptr(o), (int)o->dtype, o->size, p->kind, p->beta, i0beta,
                                            ax__cuda_stream()),
                          "window");
}

static ax_status k_bessel(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    ax_array *o = outs[0], *x = node->inputs[0];
    if (!ax_dtype_is_floating(o->dtype) || x->dtype != o->dtype) return AX__DECLINE;
    ax_cu_ew l;
    if (!ax__cu_ew_layout(o, &x, 1, &l)) return AX__DECLINE;
    return ax__cuda_check(ctx, ax_cu_bessel(&l, node->op == AX_OP_I1, ax__cuda_stream()),
                          node->op == AX_OP_I1 ? "i1" : "i0");
}

void ax__cuda_register_random(ax_kernel *table) {
    table[AX_OP_RANDOM_BITS] = k_bits;
    table[AX_OP_RANDOM_PERMUTATION] = k_perm;
    table[AX_OP_WINDOW] = k_window;
    table[AX_OP_I0] = k_bessel;
    table[AX_OP_I1] = k_bessel;
}
