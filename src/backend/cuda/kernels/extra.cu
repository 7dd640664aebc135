// WINDOW, I0, I1 on the GPU: the CPU's formulas (src/backend/cpu/extra.c) in
// double, rounded once to the output dtype. The Chebyshev recurrences and the
// window sums use explicit _rn intrinsics so nvcc does not contract them into
// fma (the CPU never does); exp/cos/sqrt are CUDA's IEEE double functions
// (cos, exp within 2 ulp of glibc), so float32/16 results match the CPU and
// float64 results match to a few ulp.
#include <math_constants.h>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/extra.h"

// AX__WINDOW_* (src/ops/extra_params.h)
enum { WIN_HANNING = 0, WIN_HAMMING = 1, WIN_BLACKMAN = 2, WIN_BARTLETT = 3, WIN_KAISER = 4 };

__constant__ double I0_A[30] = {
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15,  -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12,  -1.72682629144155570723E-11,
    9.67580903537323691224E-11,  -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8,  6.04699502254191894932E-8,   -2.67079385394061173391E-7,
    1.11738753912010371815E-6,   -4.41673835845875056359E-6,  1.64484480707288970893E-5,
    -5.75419501008210370398E-5,  1.88502885095841655729E-4,   -5.76375574538582365885E-4,
    1.63947561694133579842E-3,   -4.32430999505057594430E-3,  1.05464603945949983183E-2,
    -2.37374148058994688156E-2,  4.93052842396707084878E-2,   -9.49010970480476444210E-2,
    1.71620901522208775349E-1,   -3.04682672343198398683E-1,  6.76795274409476084995E-1};

__constant__ double I0_B[25] = {
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17,  -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15,  3.81168066935262242075E-15,  -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14,  3.85277838274214270114E-13,
    7.18012445138366623367E-13,  -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11,  4.94060238822496958910E-10,
    3.39623202570838634515E-9,   2.26666899049817806459E-8,   2.04891858946906374183E-7,
    2.89137052083475648297E-6,   6.88975834691682398426E-5,   3.36911647825569408990E-3,
    8.04490411014108831608E-1};

__constant__ double I1_A[29] = {
    2.77791411276104639959E-18,  -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15,  -5.04218550472791168711E-14,
    3.22379336594557470981E-13,  -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10,  -1.88724975172282928790E-9,
    9.38153738649577178388E-9,   -4.44505912879632808065E-8,  2.00329475355213526229E-7,
    -8.56872026469545474066E-7,  3.47025130813767847674E-6,   -1.32731636560394358279E-5,
    4.78156510755005422638E-5,   -1.61760815825896745588E-4,  5.12285956168575772895E-4,
    -1.51357245063125314899E-3,  4.15642294431288815669E-3,   -1.05640848946261981558E-2,
    2.47264490306265168283E-2,   -5.29459812080949914269E-2,  1.02643658689847095384E-1,
    -1.76416518357834055153E-1,  2.52587186443633654823E-1};

__constant__ double I1_B[25] = {
    7.51729631084210481353E-18,  4.41434832307170791151E-18,  -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16,  3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14,  -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12,  1.41258074366137813316E-11,
    3.25260358301548823856E-11,  -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9,  -2.63146884688951950684E-8,  -2.51223623787020892529E-7,
    -3.88256480887769039346E-6,  -1.10588938762623716291E-4,  -9.76109749136146840777E-3,
    7.78576235018280120474E-1};

// Clenshaw's recurrence (Cephes' chbevl), uncontracted as on the CPU.
__device__ __forceinline__ double chbevl(double x, const double *c, int n) {
    double b0 = c[0], b1 = 0, b2 = 0;
    for (int i = 1; i < n; i++) {
        b2 = b1;
        b1 = b0;
        b0 = __dadd_rn(__dsub_rn(__dmul_rn(x, b1), b2), c[i]);
    }
    return __dmul_rn(0.5, __dsub_rn(b0, b2));
}

__device__ double bessel_i0(double x) {
    x = fabs(x);
    if (isnan(x)) return x;
    if (x <= 8.0) return exp(x) * chbevl(__dsub_rn(x / 2.0, 2.0), I0_A, 30);
    if (isinf(x)) return CUDART_INF;
    return exp(x) * chbevl(__dsub_rn(32.0 / x, 2.0), I0_B, 25) / sqrt(x);
}

__device__ double bessel_i1(double x) {
    double z = fabs(x), r;
    if (isnan(x)) return x;
    if (z <= 8.0) r = chbevl(__dsub_rn(z / 2.0, 2.0), I1_A, 29) * z * exp(z);
    else if (isinf(z)) r = CUDART_INF;
    else r = exp(z) * chbevl(__dsub_rn(32.0 / z, 2.0), I1_B, 25) / sqrt(z);
    return x < 0 ? -r : r;
}

__device__ __forceinline__ void store_f(void *out, int dtype, int64_t i, double v) {
    switch (dtype) {
    case AX_CU_FLOAT64: ((double *)out)[i] = v; break;
    case AX_CU_FLOAT32: ((float *)out)[i] = __double2float_rn(v); break;
    case AX_CU_FLOAT16: ((__half *)out)[i] = __double2half(v); break;
    default: ((__nv_bfloat16 *)out)[i] = __double2bfloat16(v); break;
    }
}

__device__ double window_value(int kind, double beta, double i0beta, int64_t i, int64_t m) {
    if (m == 1) return 1.0;
    const double M = (double)m, pi = 3.14159265358979323846;
    if (kind == WIN_KAISER) {
        double alpha = (M - 1) / 2.0, r = ((double)i - alpha) / alpha;
        return bessel_i0(beta * sqrt(__dsub_rn(1.0, __dmul_rn(r, r)))) / i0beta;
    }
    double n = __dadd_rn(1 - M, __dmul_rn(2.0, (double)i)); // arange(1 - M, M, 2)
    switch (kind) {
    case WIN_HANNING: return __dadd_rn(0.5, __dmul_rn(0.5, cos(pi * n / (M - 1))));
    case WIN_HAMMING: return __dadd_rn(0.54, __dmul_rn(0.46, cos(pi * n / (M - 1))));
    case WIN_BLACKMAN:
        return __dadd_rn(__dadd_rn(0.42, __dmul_rn(0.5, cos(pi * n / (M - 1)))),
                         __dmul_rn(0.08, cos(2.0 * pi * n / (M - 1))));
    default: return n <= 0 ? 1 + n / (M - 1) : 1 - n / (M - 1);
    }
}

__global__ void k_window(void *out, int dtype, int64_t m, int kind, double beta, double i0beta) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += (int64_t)gridDim.x * blockDim.x)
        store_f(out, dtype, i, window_value(kind, beta, i0beta, i, m));
}

extern "C" cudaError_t ax_cu_window(void *out, int out_dtype, int64_t m, int kind, double beta, double i0beta,
                                    cudaStream_t stream) {
    if (m <= 0) return cudaSuccess;
    k_window<<<ax_cu_blocks(m, 1), AX_CU_THREADS, 0, stream>>>(out, out_dtype, m, kind, beta, i0beta);
    return cudaGetLastError();
}

__global__ void k_bessel(const ax_cu_ew l, int order) {
    const int t = l.dtype[0];
    const size_t isz = ax_cu_dtype_size(t);
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < l.size; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t oo = i, xo = i;
        if (!l.contiguous) {
            oo = ax_cu_offset(i, l.ndim, l.shape, l.strides[0]);
            xo = ax_cu_offset(i, l.ndim, l.shape, l.strides[1]);
        }
        double x = ax_cu_load_f64((const char *)l.ptr[1] + xo * (int64_t)isz, t);
        store_f(l.ptr[0], t, oo, order ? bessel_i1(x) : bessel_i0(x));
    }
}

extern "C" cudaError_t ax_cu_bessel(const ax_cu_ew *l, int order, cudaStream_t stream) {
    if (l->size <= 0) return cudaSuccess;
    k_bessel<<<ax_cu_blocks(l->size, 1), AX_CU_THREADS, 0, stream>>>(*l, order);
    return cudaGetLastError();
}
