// Device helpers shared by reduce.cu and scan.cu (CUDA C++, nvcc only).
#ifndef AX_CU_REDUCE_COMMON_CUH
#define AX_CU_REDUCE_COMMON_CUH

#include <limits.h>
#include <stdint.h>

#include "backend/cuda/kernels/cu_common.cuh"

#define FULL_MASK 0xffffffffu

namespace axr {

// ---------------------------------------------------------------- value traits

// V: the type an element is compared / computed in (float for the half floats).
template <typename T> struct Tr {
    typedef T V;
    static const bool fl = false;
    static __device__ __forceinline__ V val(T x) { return x; }
};
template <> struct Tr<float> {
    typedef float V;
    static const bool fl = true;
    static __device__ __forceinline__ float val(float x) { return x; }
};
template <> struct Tr<double> {
    typedef double V;
    static const bool fl = true;
    static __device__ __forceinline__ double val(double x) { return x; }
};
template <> struct Tr<__half> {
    typedef float V;
    static const bool fl = true;
    static __device__ __forceinline__ float val(__half x) { return __half2float(x); }
};
template <> struct Tr<__nv_bfloat16> {
    typedef float V;
    static const bool fl = true;
    static __device__ __forceinline__ float val(__nv_bfloat16 x) { return __bfloat162float(x); }
};

template <typename V> __device__ __forceinline__ V lowest_of();
template <typename V> __device__ __forceinline__ V highest_of();
#define LIMITS(V, LO, HI)                                                  \
    template <> __device__ __forceinline__ V lowest_of<V>() { return LO; }  \
    template <> __device__ __forceinline__ V highest_of<V>() { return HI; }
LIMITS(bool, false, true)
LIMITS(float, -INFINITY, INFINITY)
LIMITS(double, -INFINITY, INFINITY)
LIMITS(int8_t, INT8_MIN, INT8_MAX)
LIMITS(int16_t, INT16_MIN, INT16_MAX)
LIMITS(int32_t, INT32_MIN, INT32_MAX)
LIMITS(long long, LLONG_MIN, LLONG_MAX)
LIMITS(uint8_t, 0, UINT8_MAX)
LIMITS(uint16_t, 0, UINT16_MAX)
LIMITS(uint32_t, 0, UINT32_MAX)
LIMITS(unsigned long long, 0, ULLONG_MAX)
#undef LIMITS

// complex64 storage and its double-precision accumulator.
struct __align__(8) c64 {
    float re, im;
};
struct cd {
    double re, im;
};
__device__ __forceinline__ cd cd_of(c64 x) {
    cd r;
    r.re = x.re;
    r.im = x.im;
    return r;
}
__device__ __forceinline__ cd cd_add(cd a, cd b) {
    cd r;
    r.re = a.re + b.re;
    r.im = a.im + b.im;
    return r;
}
// As the CPU's reference: (a.re b.re - a.im b.im, a.re b.im + a.im b.re).
__device__ __forceinline__ cd cd_mul(cd a, cd b) {
    cd r;
    r.re = a.re * b.re - a.im * b.im;
    r.im = a.re * b.im + a.im * b.re;
    return r;
}
__device__ __forceinline__ c64 c64_of(cd a) {
    c64 r;
    r.re = (float)a.re;
    r.im = (float)a.im;
    return r;
}

// ---------------------------------------------------------------- shuffles of any state

template <typename S> __device__ __forceinline__ S shfl_down_any(S v, int d) {
    union U {
        S s;
        unsigned w[(sizeof(S) + 3) / 4];
    } u;
    u.s = v;
#pragma unroll
    for (int k = 0; k < (int)((sizeof(S) + 3) / 4); k++) u.w[k] = __shfl_down_sync(FULL_MASK, u.w[k], d);
    return u.s;
}
template <typename S> __device__ __forceinline__ S shfl_any(S v, int lane) {
    union U {
        S s;
        unsigned w[(sizeof(S) + 3) / 4];
    } u;
    u.s = v;
#pragma unroll
    for (int k = 0; k < (int)((sizeof(S) + 3) / 4); k++) u.w[k] = __shfl_sync(FULL_MASK, u.w[k], lane);
    return u.s;
}

} // namespace axr

#endif
