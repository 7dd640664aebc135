// Convolution kernels (see conv.h): im2col for the GEMM path and a direct
// kernel for narrow groups (depthwise).
#include "backend/cuda/kernels/conv.h"
#include "backend/cuda/kernels/cu_common.cuh"

namespace {

// Input offset (elements, from the image's first channel) that flattened
// weight tap t of output position opos reads; false for a zero (padding or
// a hole of the input dilation). *woff gets the weight's tap offset.
// Taps are 32-bit (the C side declines KV * cin_g > INT_MAX): cheaper
// divisions in the per-element decomposition.
__device__ __forceinline__ bool tap_offset(const ax_cu_conv &g, const int64_t *opos, int t,
                                           int64_t *xoff, int64_t *woff) {
    int64_t off = 0, wo = 0;
    bool valid = true;
#pragma unroll
    for (int d = AX_CU_CONV_MAX_SP - 1; d >= 0; d--) {
        if (d >= g.nsp) continue; // unrolled: opos stays in registers
        int K = (int)g.K[d];
        int kk = t % K;
        t /= K;
        int k = g.flip ? K - 1 - kk : kk; // data tap met by weight index kk
        int64_t q = opos[d] * g.stride[d] + (int64_t)k * g.kdil[d] - g.pad_lo[d];
        if (q < 0) {
            valid = false;
        } else {
            if (g.idil[d] > 1) {
                if (q % g.idil[d]) valid = false;
                q /= g.idil[d];
            }
            if (q >= g.I[d]) valid = false;
        }
        off += q * g.xs[d + 1];
        wo += kk * g.ws[d + 1];
    }
    *xoff = off;
    *woff = wo;
    return valid;
}

// Image index of output row m; its output position in opos.
__device__ __forceinline__ int64_t out_pos(const ax_cu_conv &g, int64_t m, int64_t *opos) {
#pragma unroll
    for (int d = AX_CU_CONV_MAX_SP - 1; d >= 0; d--) {
        if (d >= g.nsp) continue;
        opos[d] = m % g.O[d];
        m /= g.O[d];
    }
    return m;
}

// im2col is a pure gather: elements move as raw bits (zero bits are 0.0),
// as vectors of several channels where the layout allows (see below).
template <typename U>
__global__ void im2col_kernel(const U *__restrict__ x, U *__restrict__ cols, ax_cu_conv g,
                              int64_t m0, int64_t mt) {
    int64_t kc = g.KV * g.cin_g, pairs = g.G * mt, xc = g.xs[g.nsp + 1];
    for (int64_t pr = blockIdx.x * (int64_t)blockDim.y + threadIdx.y; pr < pairs;
         pr += (int64_t)gridDim.x * blockDim.y) {
        int64_t grp = pr / mt, row = pr - grp * mt;
        int64_t opos[AX_CU_CONV_MAX_SP];
        int64_t n = out_pos(g, m0 + row, opos);
        const U *xn = x + n * g.xs[0] + grp * g.cin_g * xc;
        U *dst = cols + pr * kc;
        int cg = (int)g.cin_g;
        for (int j = threadIdx.x; j < (int)kc; j += blockDim.x) {
            int t = j / cg, ci = j - t * cg;
            int64_t off, wo;
            bool valid = tap_offset(g, opos, t, &off, &wo);
            dst[j] = valid ? xn[off + ci * xc] : U{};
        }
    }
}

__device__ __forceinline__ float to_acc(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_acc(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_acc(float v) { return v; }
__device__ __forceinline__ double to_acc(double v) { return v; }
__device__ __forceinline__ void store(__half *p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void store(__nv_bfloat16 *p, float v) { *p = __float2bfloat16_rn(v); }
__device__ __forceinline__ void store(float *p, float v) { *p = v; }
__device__ __forceinline__ void store(double *p, double v) { *p = v; }

template <typename T> struct acc_of { typedef float type; };
template <> struct acc_of<double> { typedef double type; };

template <typename T>
__global__ void direct_kernel(const T *__restrict__ x, const T *__restrict__ w, T *__restrict__ out,
                              ax_cu_conv g) {
    typedef typename acc_of<T>::type A;
    int64_t total = g.N * g.OV * g.cout, xc = g.xs[g.nsp + 1], wc = g.ws[g.nsp + 1];
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t co = i % g.cout, grp = co / g.cout_g;
        int64_t opos[AX_CU_CONV_MAX_SP];
        int64_t n = out_pos(g, i / g.cout, opos);
        const T *xn = x + n * g.xs[0] + grp * g.cin_g * xc;
        const T *wn = w + co * g.ws[0];
        A acc = 0;
        for (int t = 0; t < (int)g.KV; t++) {
            int64_t off, wo;
            if (!tap_offset(g, opos, t, &off, &wo)) continue;
            for (int64_t ci = 0; ci < g.cin_g; ci++)
                acc += to_acc(xn[off + ci * xc]) * to_acc(wn[wo + ci * wc]);
        }
        store(out + i, acc);
    }
}

template <typename U>
cudaError_t launch_im2col(const ax_cu_conv *g, const void *x, void *cols, int64_t m0, int64_t mt,
                          cudaStream_t stream) {
    int64_t kc = g->KV * g->cin_g, pairs = g->G * mt;
    unsigned tx = 32;
    while (tx < 256 && (int64_t)tx < kc) tx *= 2;
    unsigned ty = 256 / tx;
    int64_t blocks = (pairs + ty - 1) / ty;
    if (blocks > 65535LL * 32) blocks = 65535LL * 32;
    im2col_kernel<U><<<(unsigned)blocks, dim3(tx, ty), 0, stream>>>((const U *)x, (U *)cols, *g,
                                                                     m0, mt);
    return cudaGetLastError();
}

} // namespace

// Can im2col move `bytes`-wide vectors of channels? The channels must be
// contiguous, a group's channels a whole number of vectors, and x's pointer
// and other strides vector-aligned. Then the geometry is rewritten in units
// of vectors: the columns have the same bytes either way.
static bool vector_geom(const ax_cu_conv *g, const void *x, int es, int bytes, ax_cu_conv *v) {
    int64_t n = bytes / es;
    if (bytes <= es || n * es != bytes) return false;
    if (g->xs[g->nsp + 1] != 1 || g->cin_g % n || (uintptr_t)x % (uintptr_t)bytes) return false;
    for (int d = 0; d <= g->nsp; d++)
        if (g->xs[d] % n) return false;
    *v = *g;
    v->cin_g = g->cin_g / n;
    v->cin = g->cin / n;
    for (int d = 0; d <= g->nsp; d++) v->xs[d] = g->xs[d] / n;
    return true;
}

extern "C" cudaError_t ax_cu_conv_im2col(const ax_cu_conv *g, int dtype, const void *x, void *cols,
                                         int64_t m0, int64_t mt, cudaStream_t stream) {
    if (mt == 0 || g->G == 0 || g->KV * g->cin_g == 0) return cudaSuccess;
    int es;
    switch (dtype) {
    case AX_CU_FLOAT16: case AX_CU_BFLOAT16: es = 2; break;
    case AX_CU_FLOAT32: es = 4; break;
    case AX_CU_FLOAT64: es = 8; break;
    default: return cudaErrorInvalidValue;
    }
    ax_cu_conv v; // cols comes from the allocator: 256-byte aligned
    if (vector_geom(g, x, es, 16, &v)) return launch_im2col<uint4>(&v, x, cols, m0, mt, stream);
    if (vector_geom(g, x, es, 8, &v)) return launch_im2col<uint2>(&v, x, cols, m0, mt, stream);
    if (vector_geom(g, x, es, 4, &v)) return launch_im2col<uint32_t>(&v, x, cols, m0, mt, stream);
    switch (es) {
    case 2: return launch_im2col<uint16_t>(g, x, cols, m0, mt, stream);
    case 4: return launch_im2col<uint32_t>(g, x, cols, m0, mt, stream);
    default: return launch_im2col<uint64_t>(g, x, cols, m0, mt, stream);
    }
}

extern "C" cudaError_t ax_cu_conv_direct(const ax_cu_conv *g, int dtype, const void *x,
                                         const void *w, void *out, cudaStream_t stream) {
    int64_t total = g->N * g->OV * g->cout;
    if (total == 0) return cudaSuccess;
    unsigned blocks = ax_cu_blocks(total, 1);
    switch (dtype) {
    case AX_CU_FLOAT16:
        direct_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const __half *)x, (const __half *)w,
                                                            (__half *)out, *g);
        break;
    case AX_CU_BFLOAT16:
        direct_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>(
            (const __nv_bfloat16 *)x, (const __nv_bfloat16 *)w, (__nv_bfloat16 *)out, *g);
        break;
    case AX_CU_FLOAT32:
        direct_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const float *)x, (const float *)w,
                                                            (float *)out, *g);
        break;
    case AX_CU_FLOAT64:
        direct_kernel<<<blocks, AX_CU_THREADS, 0, stream>>>((const double *)x, (const double *)w,
                                                            (double *)out, *g);
        break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}
