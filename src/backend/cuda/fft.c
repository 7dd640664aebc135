/* CUDA kernels: the FFT primitive (a 1-D transform along one axis; params in
 * ops/fft_params.h) through cuFFT. The n-d transforms are chains of these
 * nodes (src/ops/fft.c), so only rank-1 plans are needed.
 *
 * Layout: let `outer` be the lines before the axis and `inner` those after
 * it; the output is [outer][out_len][inner]. A plan transforms `batch` lines
 * with one element stride and one line distance, so:
 *  - inner == 1: one exec over all lines (distance = line length);
 *  - inner > 1, few outer rows: one exec per outer row over its inner lines
 *    (element stride inner, line distance 1), straight into the output;
 *  - inner > 1, many outer rows: lines are gathered contiguous, transformed
 *    into scratch, and scattered back (with the scale).
 * The input is read in place when its lines fit that form (C2C / R2C, no
 * padding, positive strides); otherwise it is gathered first (zero padding,
 * truncation, arbitrary strides, and always for C2R: cuFFT overwrites a C2R
 * input, and the imaginary parts of frequencies 0 and n/2 must be dropped
 * as on the CPU). The norm scale is applied in float after the transform, as
 * the CPU does. Results agree with the CPU to float rounding (cuFFT's error
 * grows like log n, as the CPU engine's).
 *
 * Declines: length-1 transforms (copies; cuFFT's support for n = 1 is not
 * documented), ranks above AX_CU_MAX_DIMS, dtypes the op never makes.
 *
 * Plans are cached per device (a small LRU keyed by the full layout) with
 * auto-allocation off: each exec gets its workspace from ax's allocator on
 * the node's stream. One lock covers the cache and every exec (a plan's
 * stream and work area are set right before its exec). */
#include <pthread.h>
#include <string.h>

#include <cufft.h>

#include "backend/cuda/cuda.h"
#include "backend/cuda/kernels/fft.h"
#include "ops/fft_params.h"

#define FFT_MAX_DEVICES 64
#define FFT_CACHE 16
/* Up to this many outer rows run as separate strided execs (else the
 * gather-transform-scatter route). */
#define FFT_MAX_EXECS 16

typedef struct fft_key {
    int type; /* cufftType */
    int pad_;
    long long n, batch, istride, idist, ostride, odist, inembed, onembed;
} fft_key;

typedef struct fft_entry {
    fft_key key;
    cufftHandle plan;
    size_t ws;
    unsigned long long used; /* LRU clock; 0 = empty */
} fft_entry;

static pthread_mutex_t fft_lock = PTHREAD_MUTEX_INITIALIZER;
static fft_entry fft_cache[FFT_MAX_DEVICES][FFT_CACHE];
static unsigned long long fft_clock;

static ax_status fft_lib(ax_ctx *ctx, cufftResult r) {
    return ax__cuda_lib_check(ctx, (int)r, "cuFFT", "fft");
}

/* A cached plan for key on the current device (lock held). */
static fft_entry *fft_plan(ax_ctx *ctx, const fft_key *key) {
    int dev = ax__cuda_device();
    if (dev < 0 || dev >= FFT_MAX_DEVICES) {
        ax__fail(ctx, AX_ERR_INTERNAL, "fft: device %d out of range", dev);
        return NULL;
    }
    fft_entry *c = fft_cache[dev], *victim = &c[0];
    for (int i = 0; i < FFT_CACHE; i++) {
        if (c[i].used && !memcmp(&c[i].key, key, sizeof *key)) {
            c[i].used = ++fft_clock;
            return &c[i];
        }
        if (c[i].used < victim->used) victim = &c[i];
    }
    if (victim->used) {
        /* queued work may still use the plan's tables */
        if (ax__cuda_check(ctx, cudaDeviceSynchronize(), "fft") != AX_OK) return NULL;
        cufftDestroy(victim->plan);
        victim->used = 0;
    }
    cufftHandle plan;
    if (fft_lib(ctx, cufftCreate(&plan)) != AX_OK) return NULL;
    long long n = key->n, inembed = key->inembed, onembed = key->onembed;
    size_t ws = 0;
    ax_status st = fft_lib(ctx, cufftSetAutoAllocation(plan, 0));
    if (st == AX_OK)
        st = fft_lib(ctx, cufftMakePlanMany64(plan, 1, &n, &inembed, key->istride, key->idist,
                                              &onembed, key->ostride, key->odist,
                                              (cufftType)key->type, key->batch, &ws));
    if (st != AX_OK) {
        cufftDestroy(plan);
        return NULL;
    }
    victim->key = *key;
    victim->plan = plan;
    victim->ws = ws;
    victim->used = ++fft_clock;
    return victim;
}

/* Run the plan on (in, out), bound to the stream with fresh workspace. */
static ax_status fft_exec(ax_ctx *ctx, const fft_entry *e, int kind, bool inverse, void *in,
                          void *out, cudaStream_t s) {
    ax_status st = fft_lib(ctx, cufftSetStream(e->plan, s));
    if (st != AX_OK) return st;
    void *work = ax__cuda_malloc(ctx, e->ws, "fft");
    if (!work) return ctx->status ? ctx->status : AX_ERR_OOM;
    st = fft_lib(ctx, cufftSetWorkArea(e->plan, work));
    if (st == AX_OK) {
        cufftResult r;
        if (kind == AX_FFT_KIND_R2C) r = cufftExecR2C(e->plan, (cufftReal *)in, (cufftComplex *)out);
        else if (kind == AX_FFT_KIND_C2R) r = cufftExecC2R(e->plan, (cufftComplex *)in, (cufftReal *)out);
        else r = cufftExecC2C(e->plan, (cufftComplex *)in, (cufftComplex *)out,
                              inverse ? CUFFT_INVERSE : CUFFT_FORWARD);
        st = fft_lib(ctx, r);
    }
    ax__cuda_free(work);
    return st;
}

/* Strides (elements) of a run of dims [d0, d1) collapsed into one index, or
 * false when they do not collapse (dims of size 1 are skipped). *stride is 0
 * when every dim has size 1. */
static bool collapse(const ax_array *a, int d0, int d1, int64_t *stride) {
    int64_t want = 0;
    bool any = false;
    for (int d = d1 - 1; d >= d0; d--) {
        if (a->shape[d] == 1) continue;
        if (!any) {
            want = a->strides[d];
            *stride = want;
            any = true;
        } else if (a->strides[d] != want) {
            return false;
        }
        want *= a->shape[d];
    }
    if (!any) *stride = 0;
    return true;
}

static ax_status k_fft(ax_ctx *ctx, const ax_node *node, ax_array *const *outs) {
    const ax_fft_params *p = node->params;
    const ax_array *in = node->inputs[0];
    ax_array *out = outs[0];
    int kind = p->kind, axis = p->axis, nd = in->ndim;
    bool real_in = kind == AX_FFT_KIND_R2C, real_out = kind == AX_FFT_KIND_C2R;
    if (in->dtype != (real_in ? AX_FLOAT32 : AX_COMPLEX64)) return AX__DECLINE;
    if (out->dtype != (real_out ? AX_FLOAT32 : AX_COMPLEX64)) return AX__DECLINE;
    if (nd > AX_CU_MAX_DIMS || axis < 0 || axis >= nd) return AX__DECLINE;
    if (out->size == 0) return AX_OK;
    /* length-1 transforms are copies; leave them to the CPU rather than rely
     * on cuFFT accepting n = 1 */
    if (p->n < 2) return AX__DECLINE;
    int64_t n = p->n, need = ax__fft_in_len(kind, n), out_len = ax__fft_out_len(kind, n);
    int64_t len = in->shape[axis], use = len < need ? len : need;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= in->shape[d];
    for (int d = axis + 1; d < nd; d++) inner *= in->shape[d];
    int64_t lines = outer * inner;
    size_t isz = real_in ? sizeof(float) : 2 * sizeof(float);
    size_t osz = real_out ? sizeof(float) : 2 * sizeof(float);
    int type = kind == AX_FFT_KIND_R2C ? CUFFT_R2C : kind == AX_FFT_KIND_C2R ? CUFFT_C2R : CUFFT_C2C;
    bool transpose = inner > 1 && outer > FFT_MAX_EXECS;

    /* the input in place: lines of one stride and, per route, one distance */
    int64_t ostr = 0, istr = 0;
    /* cuFFT refused (CUFFT_INVALID_VALUE) R2C plans reading a strided line
     * in place: real input is read in place only when its lines are dense. */
    bool direct = !real_out && use == need && in->strides[axis] >= 1 && !transpose &&
                  (!real_in || in->strides[axis] == 1) &&
                  collapse(in, 0, axis, &ostr) && collapse(in, axis + 1, nd, &istr) &&
                  (outer == 1 || ostr >= 1) && (inner == 1 || istr >= 1);

    cudaStream_t s = ax__cuda_stream();
    void *gathered = NULL, *scratch = NULL;
    const char *src = in->size ? ax__dptr(in) : NULL;
    /* src layout: element i of line (o, q) at o * s_o + q * s_q + i * s_i */
    int64_t s_o, s_q, s_i;
    ax_status st = AX_OK;
    if (direct) {
        s_o = ostr, s_q = istr, s_i = in->strides[axis];
    } else {
        int64_t cols = transpose ? 1 : inner;
        ax_cu_array d;
        memset(&d, 0, sizeof d);
        d.ptr = (void *)src;
        d.dtype = in->dtype;
        d.ndim = nd;
        d.size = in->size;
        for (int i = 0, j = 0; i < nd; i++)
            if (i != axis) d.shape[j] = in->shape[i], d.strides[j++] = in->strides[i];
        d.shape[nd - 1] = in->shape[axis];
        d.strides[nd - 1] = in->strides[axis];
        gathered = ax__cuda_malloc(ctx, isz * (size_t)(lines * need), "fft");
        if (!gathered) return ctx->status ? ctx->status : AX_ERR_OOM;
        st = ax__cuda_check(ctx, ax_cu_fft_gather(&d, gathered, real_in, lines, need, use, cols,
                                                  real_out ? n : 0, s), "fft");
        src = gathered;
        s_o = need * cols, s_q = 1, s_i = cols;
        if (transpose) s_o = need, s_q = 0; /* one row of `lines` contiguous lines */
    }

    pthread_mutex_lock(&fft_lock);
    float scale = (float)p->scale;
    char *dst = ax__dptr(out);
    if (st == AX_OK && (inner == 1 || transpose)) {
        /* all lines in one exec: distance s_o between lines */
        int64_t batch = lines;
        if (transpose && !(scratch = ax__cuda_malloc(ctx, osz * (size_t)(lines * out_len), "fft")))
            st = ctx->status ? ctx->status : AX_ERR_OOM;
        fft_key key = {.type = type, .n = n, .batch = batch, .istride = s_i,
                       .idist = batch > 1 ? s_o : need * s_i, .ostride = 1, .odist = out_len,
                       .inembed = need, .onembed = out_len};
        const fft_entry *e = st == AX_OK ? fft_plan(ctx, &key) : NULL;
        if (st == AX_OK && !e) st = ctx->status ? ctx->status : AX_ERR_INTERNAL;
        if (st == AX_OK)
            st = fft_exec(ctx, e, kind, p->inverse, (void *)src, transpose ? scratch : dst, s);
        if (st == AX_OK && transpose)
            st = ax__cuda_check(ctx, ax_cu_fft_scatter(scratch, dst, real_out, lines, out_len,
                                                       inner, scale, s), "fft");
    } else if (st == AX_OK) {
        /* per outer row: `inner` lines, element stride s_i, distance s_q */
        fft_key key = {.type = type, .n = n, .batch = inner, .istride = s_i, .idist = s_q,
                       .ostride = inner, .odist = 1, .inembed = need, .onembed = out_len};
        const fft_entry *e = fft_plan(ctx, &key);
        if (!e) st = ctx->status ? ctx->status : AX_ERR_INTERNAL;
        for (int64_t o = 0; st == AX_OK && o < outer; o++)
            st = fft_exec(ctx, e, kind, p->inverse, (void *)(src + (size_t)(o * s_o) * isz),
                          dst + (size_t)(o * out_len * inner) * osz, s);
    }
    pthread_mutex_unlock(&fft_lock);
    if (st == AX_OK && !transpose && scale != 1.f)
        st = ax__cuda_check(ctx, ax_cu_fft_scale((float *)dst, out->size * (real_out ? 1 : 2),
                                                 scale, s), "fft");
    if (gathered) ax__cuda_free(gathered);
    if (scratch) ax__cuda_free(scratch);
    return st;
}

void ax__cuda_register_fft(ax_kernel *table) { table[AX_OP_FFT] = k_fft; }
