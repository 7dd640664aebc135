// Sort family kernels (see sort.h).
//
// Every real dtype maps to an unsigned key whose order is NumPy's sort order,
// exactly as the CPU's canonical keys (src/backend/cpu/sort_keys.h): signed
// integers flip the sign bit, floats flip to sign-magnitude order, every NaN
// maps to all ones (after +inf) and -0.0 to +0.0's key. 1- and 2-byte dtypes
// give uint16 keys (radix passes limited to the bits used), 4-byte uint32,
// 8-byte uint64. Equal keys mean equal under the sort order, and CUB's radix
// sorts are stable, so sorting (key, payload) pairs gives the stable order:
//  - sort of floats: the payload is the element's own bits, so NaN payloads
//    and zero signs come out in input order, bit for bit as the CPU's stable
//    sort (sort of integers / bool: keys only, converted back: drive_keys);
//  - argsort: the payload is the index in the line as uint32 (lines are at
//    most INT32_MAX long; 4 bytes less per element and radix pass than an
//    int64 payload), widened to int64 by the output pass.
// Pipeline: one pass builds keys (and payloads) in line order (the axis
// moved last; a strided or transposed input is gathered here), one CUB sort
// (DeviceRadixSort per line for long lines, DeviceSegmentedSort for many
// lines), one pass writes the payloads to the output (skipped when CUB can
// write the output directly: axis last and the payload as wide as the
// output element). PARTITION / ARGPARTITION use the same sort (a sorted
// line is a valid partition, as the CPU's reference kernel does).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include "backend/cuda/kernels/cu_common.cuh"
#include "backend/cuda/kernels/sort.h"

namespace {

// ---------------------------------------------------------------- keys

template <int DT> struct sk;
#define AX_SK(DT_, RAW, KEY, BITS)                                                            \
    template <> struct sk<DT_> {                                                              \
        typedef RAW raw;                                                                      \
        typedef KEY key;                                                                      \
        static constexpr int bits = BITS;                                                     \
    };
AX_SK(AX_CU_BOOL, uint8_t, uint16_t, 8)
AX_SK(AX_CU_UINT8, uint8_t, uint16_t, 8)
AX_SK(AX_CU_INT8, uint8_t, uint16_t, 8)
AX_SK(AX_CU_UINT16, uint16_t, uint16_t, 16)
AX_SK(AX_CU_INT16, uint16_t, uint16_t, 16)
AX_SK(AX_CU_FLOAT16, uint16_t, uint16_t, 16)
AX_SK(AX_CU_BFLOAT16, uint16_t, uint16_t, 16)
AX_SK(AX_CU_UINT32, uint32_t, uint32_t, 32)
AX_SK(AX_CU_INT32, uint32_t, uint32_t, 32)
AX_SK(AX_CU_FLOAT32, uint32_t, uint32_t, 32)
AX_SK(AX_CU_UINT64, uint64_t, uint64_t, 64)
AX_SK(AX_CU_INT64, uint64_t, uint64_t, 64)
AX_SK(AX_CU_FLOAT64, uint64_t, uint64_t, 64)
#undef AX_SK

// Canonical key of the raw bits b (sort_keys.h: key32_canon / key64_canon).
template <int DT> __device__ __forceinline__ typename sk<DT>::key key_of(typename sk<DT>::raw b) {
    if constexpr (DT == AX_CU_INT8) {
        return (uint16_t)(b ^ 0x80u);
    } else if constexpr (DT == AX_CU_INT16) {
        return (uint16_t)(b ^ 0x8000u);
    } else if constexpr (DT == AX_CU_INT32) {
        return b ^ 0x80000000u;
    } else if constexpr (DT == AX_CU_INT64) {
        return b ^ 0x8000000000000000ull;
    } else if constexpr (DT == AX_CU_FLOAT16 || DT == AX_CU_BFLOAT16) {
        uint32_t x = b, inf = DT == AX_CU_FLOAT16 ? 0x7c00u : 0x7f80u;
        if ((x & 0x7fffu) > inf) return (uint16_t)0xFFFFu;
        if (x == 0x8000u) x = 0;
        return (uint16_t)((x ^ ((x & 0x8000u) ? 0xFFFFu : 0x8000u)) & 0xFFFFu);
    } else if constexpr (DT == AX_CU_FLOAT32) {
        uint32_t x = b;
        if ((x & 0x7fffffffu) > 0x7f800000u) return 0xFFFFFFFFu;
        if (x == 0x80000000u) x = 0;
        return x ^ ((uint32_t)((int32_t)x >> 31) | 0x80000000u);
    } else if constexpr (DT == AX_CU_FLOAT64) {
        uint64_t x = b;
        if ((x & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) return ~0ull;
        if (x == 0x8000000000000000ull) x = 0;
        return x ^ ((uint64_t)((int64_t)x >> 63) | 0x8000000000000000ull);
    } else {
        return (typename sk<DT>::key)b; // bool, unsigned
    }
}

struct strided {
    int ndim;
    bool contiguous; // row-major dense: offset == linear index
    int64_t shape[AX_CU_MAX_DIMS];
    int64_t strides[AX_CU_MAX_DIMS];
};

static strided strided_of(const ax_cu_array *a) {
    strided s;
    s.ndim = a->ndim;
    int64_t expect = 1;
    s.contiguous = true;
    for (int d = a->ndim - 1; d >= 0; d--) {
        s.shape[d] = a->shape[d];
        s.strides[d] = a->strides[d];
        if (a->shape[d] != 1 && a->strides[d] != expect) s.contiguous = false;
        expect *= a->shape[d];
    }
    return s;
}

#define AX_GRID_LOOP(i, n)                                                                     \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n);                  \
         i += (int64_t)gridDim.x * blockDim.x)

enum { PAY_NONE = 0, PAY_BITS = 1, PAY_INDEX = 2 };

// keys[t] (and vals[t]) for t in line order (line t / n, position t % n).
template <int DT, typename V>
__global__ void load_kernel(const typename sk<DT>::raw *__restrict__ in, strided s,
                            typename sk<DT>::key *__restrict__ keys, V *__restrict__ vals, int64_t N,
                            int64_t n, int pay) {
    AX_GRID_LOOP(t, N) {
        int64_t off = s.contiguous ? t : ax_cu_offset(t, s.ndim, s.shape, s.strides);
        typename sk<DT>::raw b = in[off];
        keys[t] = key_of<DT>(b);
        if (pay == PAY_BITS) vals[t] = (V)b;
        else if (pay == PAY_INDEX) vals[t] = (V)(t % n);
    }
}

// out[u] for u row-major over (outer, n, inner) from vals in line order.
template <typename V, typename E>
__global__ void store_kernel(const V *__restrict__ vals, E *__restrict__ out, int64_t N, int64_t n,
                             int64_t inner) {
    AX_GRID_LOOP(u, N) {
        int64_t t = u;
        if (inner != 1) {
            int64_t ni = n * inner, o = u / ni, rem = u - o * ni, j = rem / inner, i = rem - j * inner;
            t = (o * inner + i) * n + j;
        }
        out[u] = (E)vals[t];
    }
}

// Raw bits of an integer / bool key (the inverse of key_of for those).
template <int DT> __device__ __forceinline__ typename sk<DT>::raw unkey_int(typename sk<DT>::key k) {
    typedef typename sk<DT>::raw R;
    if constexpr (DT == AX_CU_INT8) return (R)(k ^ 0x80u);
    else if constexpr (DT == AX_CU_INT16) return (R)(k ^ 0x8000u);
    else if constexpr (DT == AX_CU_INT32) return k ^ 0x80000000u;
    else if constexpr (DT == AX_CU_INT64) return k ^ 0x8000000000000000ull;
    else return (R)k;
}

// As store_kernel, from sorted integer keys.
template <int DT>
__global__ void store_keys_kernel(const typename sk<DT>::key *__restrict__ keys,
                                  typename sk<DT>::raw *__restrict__ out, int64_t N, int64_t n,
                                  int64_t inner) {
    AX_GRID_LOOP(u, N) {
        int64_t t = u;
        if (inner != 1) {
            int64_t ni = n * inner, o = u / ni, rem = u - o * ni, j = rem / inner, i = rem - j * inner;
            t = (o * inner + i) * n + j;
        }
        out[u] = unkey_int<DT>(keys[t]);
    }
}

__global__ void offsets_kernel(int64_t *offs, int64_t rows, int64_t n) {
    AX_GRID_LOOP(r, rows + 1) offs[r] = r * n;
}

// ---------------------------------------------------------------- driver

static size_t align_up(size_t x) { return (x + 255) & ~(size_t)255; }

// Long lines go one at a time through DeviceRadixSort (onesweep, the whole
// GPU per line: a few launches, ~10 us each, per line); many shorter lines
// through one DeviceSegmentedSort (small and medium segments sorted per warp
// / block, large ones one block each). Thresholds estimated, not yet tuned
// on hardware: a line of >= 1M elements keeps the GPU busy alone; a few
// lines of >= 128K would leave most SMs idle as one block each.
static bool per_line(const ax_cu_sort *s) {
    return s->rows == 1 || s->n >= (1 << 20) || (s->n >= (1 << 17) && s->rows <= 8);
}

template <typename K, typename V>
static cudaError_t cub_sort(const ax_cu_sort *s, int end_bit, void *temp, size_t &temp_bytes,
                            const K *kin, K *kout, const V *vin, V *vout, const int64_t *offs,
                            cudaStream_t st) {
    if (per_line(s)) {
        int n = (int)s->n;
        if (!temp) return cub::DeviceRadixSort::SortPairs(temp, temp_bytes, kin, kout, vin, vout, n,
                                                          0, end_bit, st);
        for (int64_t r = 0; r < s->rows; r++) {
            int64_t o = r * s->n;
            cudaError_t e = cub::DeviceRadixSort::SortPairs(temp, temp_bytes, kin + o, kout + o,
                                                            vin + o, vout + o, n, 0, end_bit, st);
            if (e != cudaSuccess) return e;
        }
        return cudaSuccess;
    }
    return cub::DeviceSegmentedSort::StableSortPairs(temp, temp_bytes, kin, kout, vin, vout,
                                                     s->rows * s->n, s->rows, offs, offs + 1, st);
}

template <typename K>
static cudaError_t cub_sort_keys(const ax_cu_sort *s, int end_bit, void *temp, size_t &temp_bytes,
                                 const K *kin, K *kout, const int64_t *offs, cudaStream_t st) {
    if (per_line(s)) {
        int n = (int)s->n;
        if (!temp) return cub::DeviceRadixSort::SortKeys(temp, temp_bytes, kin, kout, n, 0, end_bit, st);
        for (int64_t r = 0; r < s->rows; r++) {
            int64_t o = r * s->n;
            cudaError_t e = cub::DeviceRadixSort::SortKeys(temp, temp_bytes, kin + o, kout + o, n, 0,
                                                           end_bit, st);
            if (e != cudaSuccess) return e;
        }
        return cudaSuccess;
    }
    return cub::DeviceSegmentedSort::StableSortKeys(temp, temp_bytes, kin, kout, s->rows * s->n,
                                                    s->rows, offs, offs + 1, st);
}

// Value sort of an integer / bool dtype: its keys are a bijection of the
// values (equal keys are equal bits), so the keys alone are sorted and
// converted back; half the traffic of a (key, bits) pair sort. Unsigned
// dtypes as wide as their key are their own keys: sorted straight from the
// input (when dense in line order) into the output (when the axis is last).
template <int DT>
static cudaError_t drive_keys(const ax_cu_sort *s, void *ws, size_t *bytes, cudaStream_t st) {
    typedef typename sk<DT>::key K;
    typedef typename sk<DT>::raw R;
    constexpr bool self_key = sizeof(K) == sizeof(R) && (DT == AX_CU_UINT16 ||
                              DT == AX_CU_UINT32 || DT == AX_CU_UINT64);
    const int64_t N = s->rows * s->n;
    strided in = strided_of(&s->in);
    bool kin_direct = self_key && in.contiguous;
    bool kout_direct = self_key && s->inner == 1;
    bool seg = !per_line(s);

    size_t temp_bytes = 0;
    cudaError_t e = cub_sort_keys<K>(s, sk<DT>::bits, nullptr, temp_bytes, (const K *)nullptr,
                                     (K *)nullptr, (const int64_t *)nullptr, st);
    if (e != cudaSuccess) return e;
    size_t o_keys_in = align_up(temp_bytes);
    size_t o_keys_out = o_keys_in + (kin_direct ? 0 : align_up((size_t)N * sizeof(K)));
    size_t o_offs = o_keys_out + (kout_direct ? 0 : align_up((size_t)N * sizeof(K)));
    size_t total = o_offs + (seg ? align_up((size_t)(s->rows + 1) * sizeof(int64_t)) : 0);
    if (!ws) {
        *bytes = total;
        return cudaSuccess;
    }
    if (*bytes < total) return cudaErrorInvalidValue;

    char *w = (char *)ws;
    K *keys_in = kin_direct ? (K *)s->in.ptr : (K *)(w + o_keys_in);
    K *keys_out = kout_direct ? (K *)s->out : (K *)(w + o_keys_out);
    int64_t *offs = seg ? (int64_t *)(w + o_offs) : nullptr;
    unsigned blocks = ax_cu_blocks(N, 4);
    if (!kin_direct) {
        load_kernel<DT, K><<<blocks, AX_CU_THREADS, 0, st>>>((const R *)s->in.ptr, in, keys_in,
                                                             nullptr, N, s->n, PAY_NONE);
        if ((e = cudaGetLastError()) != cudaSuccess) return e;
    }
    if (seg) {
        offsets_kernel<<<ax_cu_blocks(s->rows + 1, 4), AX_CU_THREADS, 0, st>>>(offs, s->rows, s->n);
        if ((e = cudaGetLastError()) != cudaSuccess) return e;
    }
    e = cub_sort_keys<K>(s, sk<DT>::bits, w, temp_bytes, keys_in, keys_out, offs, st);
    if (e != cudaSuccess || kout_direct) return e;
    store_keys_kernel<DT><<<blocks, AX_CU_THREADS, 0, st>>>(keys_out, (R *)s->out, N, s->n, s->inner);
    return cudaGetLastError();
}

// One sort of dtype DT with payload V (the key type for values, uint32 for
// indices). ws == NULL: *bytes = the workspace needed. Else run in ws.
template <int DT, typename V>
static cudaError_t drive(const ax_cu_sort *s, void *ws, size_t *bytes, cudaStream_t st) {
    typedef typename sk<DT>::key K;
    typedef typename sk<DT>::raw R;
    const int64_t N = s->rows * s->n;
    const size_t esz = s->arg ? sizeof(int64_t) : sizeof(R);
    strided in = strided_of(&s->in);
    // Payload straight from the input / straight into the output.
    bool vin_direct = !s->arg && sizeof(V) == sizeof(R) && in.contiguous && s->n > 1;
    bool vout_direct = s->inner == 1 && sizeof(V) == esz && s->n > 1;
    bool seg = !per_line(s) && s->n > 1;

    size_t temp_bytes = 0;
    if (s->n > 1) {
        cudaError_t e = cub_sort<K, V>(s, sk<DT>::bits, nullptr, temp_bytes, (const K *)nullptr,
                                       (K *)nullptr, (const V *)nullptr, (V *)nullptr,
                                       (const int64_t *)nullptr, st);
        if (e != cudaSuccess) return e;
    }
    size_t o_keys_in = align_up(temp_bytes);
    size_t o_keys_out = o_keys_in + align_up((size_t)N * sizeof(K));
    size_t o_vals_in = o_keys_out + (s->n > 1 ? align_up((size_t)N * sizeof(K)) : 0);
    size_t o_vals_out = o_vals_in + (vin_direct ? 0 : align_up((size_t)N * sizeof(V)));
    size_t o_offs = o_vals_out + (vout_direct || s->n == 1 ? 0 : align_up((size_t)N * sizeof(V)));
    size_t total = o_offs + (seg ? align_up((size_t)(s->rows + 1) * sizeof(int64_t)) : 0);
    if (!ws) {
        *bytes = total;
        return cudaSuccess;
    }
    if (*bytes < total) return cudaErrorInvalidValue;

    char *w = (char *)ws;
    K *keys_in = (K *)(w + o_keys_in), *keys_out = (K *)(w + o_keys_out);
    V *vals_in = vin_direct ? (V *)s->in.ptr : (V *)(w + o_vals_in);
    V *vals_out = vout_direct ? (V *)s->out : (V *)(w + o_vals_out);
    int64_t *offs = seg ? (int64_t *)(w + o_offs) : nullptr;

    int pay = vin_direct ? PAY_NONE : s->arg ? PAY_INDEX : PAY_BITS;
    load_kernel<DT, V><<<ax_cu_blocks(N, 4), AX_CU_THREADS, 0, st>>>(
        (const R *)s->in.ptr, in, keys_in, vin_direct ? nullptr : vals_in, N, s->n, pay);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
    if (s->n == 1) {
        vals_out = vals_in; // one element per line: already in place
    } else {
        if (seg) {
            offsets_kernel<<<ax_cu_blocks(s->rows + 1, 4), AX_CU_THREADS, 0, st>>>(offs, s->rows,
                                                                                   s->n);
            if ((e = cudaGetLastError()) != cudaSuccess) return e;
        }
        e = cub_sort<K, V>(s, sk<DT>::bits, w, temp_bytes, keys_in, keys_out, vals_in, vals_out,
                           offs, st);
        if (e != cudaSuccess) return e;
        if (vout_direct) return cudaSuccess;
    }
    unsigned blocks = ax_cu_blocks(N, 4);
    switch (esz) {
    case 1: store_kernel<V, uint8_t><<<blocks, AX_CU_THREADS, 0, st>>>(vals_out, (uint8_t *)s->out, N, s->n, s->inner); break;
    case 2: store_kernel<V, uint16_t><<<blocks, AX_CU_THREADS, 0, st>>>(vals_out, (uint16_t *)s->out, N, s->n, s->inner); break;
    case 4: store_kernel<V, uint32_t><<<blocks, AX_CU_THREADS, 0, st>>>(vals_out, (uint32_t *)s->out, N, s->n, s->inner); break;
    default: store_kernel<V, uint64_t><<<blocks, AX_CU_THREADS, 0, st>>>(vals_out, (uint64_t *)s->out, N, s->n, s->inner); break;
    }
    return cudaGetLastError();
}

template <int DT>
static cudaError_t drive_dt(const ax_cu_sort *s, void *ws, size_t *bytes, cudaStream_t st) {
    constexpr bool is_float = DT == AX_CU_FLOAT16 || DT == AX_CU_BFLOAT16 ||
                              DT == AX_CU_FLOAT32 || DT == AX_CU_FLOAT64;
    if (s->arg) return drive<DT, uint32_t>(s, ws, bytes, st);
    if constexpr (!is_float) {
        if (s->n > 1) return drive_keys<DT>(s, ws, bytes, st);
    }
    return drive<DT, typename sk<DT>::key>(s, ws, bytes, st);
}

static cudaError_t dispatch(const ax_cu_sort *s, void *ws, size_t *bytes, cudaStream_t st) {
    if (s->rows <= 0 || s->n <= 0 || s->n > INT32_MAX) return cudaErrorInvalidValue;
    switch (s->in.dtype) {
    case AX_CU_BOOL: return drive_dt<AX_CU_BOOL>(s, ws, bytes, st);
    case AX_CU_INT8: return drive_dt<AX_CU_INT8>(s, ws, bytes, st);
    case AX_CU_INT16: return drive_dt<AX_CU_INT16>(s, ws, bytes, st);
    case AX_CU_INT32: return drive_dt<AX_CU_INT32>(s, ws, bytes, st);
    case AX_CU_INT64: return drive_dt<AX_CU_INT64>(s, ws, bytes, st);
    case AX_CU_UINT8: return drive_dt<AX_CU_UINT8>(s, ws, bytes, st);
    case AX_CU_UINT16: return drive_dt<AX_CU_UINT16>(s, ws, bytes, st);
    case AX_CU_UINT32: return drive_dt<AX_CU_UINT32>(s, ws, bytes, st);
    case AX_CU_UINT64: return drive_dt<AX_CU_UINT64>(s, ws, bytes, st);
    case AX_CU_FLOAT16: return drive_dt<AX_CU_FLOAT16>(s, ws, bytes, st);
    case AX_CU_BFLOAT16: return drive_dt<AX_CU_BFLOAT16>(s, ws, bytes, st);
    case AX_CU_FLOAT32: return drive_dt<AX_CU_FLOAT32>(s, ws, bytes, st);
    case AX_CU_FLOAT64: return drive_dt<AX_CU_FLOAT64>(s, ws, bytes, st);
    default: return cudaErrorInvalidValue;
    }
}

// ---------------------------------------------------------------- searchsorted

template <int DT>
__global__ void searchsorted_kernel(const typename sk<DT>::raw *__restrict__ a, int64_t na,
                                    int64_t as, const typename sk<DT>::raw *__restrict__ v,
                                    strided vs, int64_t nv, int right, int64_t *__restrict__ out) {
    typedef typename sk<DT>::key K;
    AX_GRID_LOOP(e, nv) {
        K kv = key_of<DT>(v[vs.contiguous ? e : ax_cu_offset(e, vs.ndim, vs.shape, vs.strides)]);
        int64_t lo = 0, hi = na;
        // first index whose key is >= kv (left) / > kv (right)
        while (lo < hi) {
            int64_t mid = lo + ((hi - lo) >> 1);
            K km = key_of<DT>(a[mid * as]);
            bool before = right ? km <= kv : km < kv;
            if (before) lo = mid + 1;
            else hi = mid;
        }
        out[e] = lo;
    }
}

template <int DT>
static cudaError_t searchsorted_dt(const ax_cu_array *a, const ax_cu_array *v, int right,
                                   int64_t *out, cudaStream_t st) {
    typedef typename sk<DT>::raw R;
    searchsorted_kernel<DT><<<ax_cu_blocks(v->size, 1), AX_CU_THREADS, 0, st>>>(
        (const R *)a->ptr, a->shape[0], a->strides[0], (const R *)v->ptr, strided_of(v), v->size,
        right, out);
    return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ax_cu_sort_workspace(const ax_cu_sort *s, size_t *bytes) {
    *bytes = 0;
    return dispatch(s, nullptr, bytes, 0);
}

extern "C" cudaError_t ax_cu_sort_run(const ax_cu_sort *s, void *ws, size_t ws_bytes,
                                      cudaStream_t stream) {
    if (!ws) return cudaErrorInvalidValue;
    return dispatch(s, ws, &ws_bytes, stream);
}

extern "C" cudaError_t ax_cu_searchsorted(const ax_cu_array *a, const ax_cu_array *v, int right,
                                          int64_t *out, cudaStream_t stream) {
    if (v->size == 0) return cudaSuccess;
    switch (v->dtype) {
    case AX_CU_BOOL: return searchsorted_dt<AX_CU_BOOL>(a, v, right, out, stream);
    case AX_CU_INT8: return searchsorted_dt<AX_CU_INT8>(a, v, right, out, stream);
    case AX_CU_INT16: return searchsorted_dt<AX_CU_INT16>(a, v, right, out, stream);
    case AX_CU_INT32: return searchsorted_dt<AX_CU_INT32>(a, v, right, out, stream);
    case AX_CU_INT64: return searchsorted_dt<AX_CU_INT64>(a, v, right, out, stream);
    case AX_CU_UINT8: return searchsorted_dt<AX_CU_UINT8>(a, v, right, out, stream);
    case AX_CU_UINT16: return searchsorted_dt<AX_CU_UINT16>(a, v, right, out, stream);
    case AX_CU_UINT32: return searchsorted_dt<AX_CU_UINT32>(a, v, right, out, stream);
    case AX_CU_UINT64: return searchsorted_dt<AX_CU_UINT64>(a, v, right, out, stream);
    case AX_CU_FLOAT16: return searchsorted_dt<AX_CU_FLOAT16>(a, v, right, out, stream);
    case AX_CU_BFLOAT16: return searchsorted_dt<AX_CU_BFLOAT16>(a, v, right, out, stream);
    case AX_CU_FLOAT32: return searchsorted_dt<AX_CU_FLOAT32>(a, v, right, out, stream);
    case AX_CU_FLOAT64: return searchsorted_dt<AX_CU_FLOAT64>(a, v, right, out, stream);
    default: return cudaErrorInvalidValue;
    }
}
