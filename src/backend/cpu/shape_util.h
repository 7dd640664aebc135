/* Helpers shared by the shape and index CPU kernels (defined in shape.c):
 * dtype-agnostic copies by item size (1, 2, 4 or 8 bytes). */
#ifndef AX_CPU_SHAPE_UTIL_H
#define AX_CPU_SHAPE_UTIL_H

#include "backend/cpu/cpu.h"

/* Copy an n-d block of `shape` between two strided layouts (element strides).
 * The reference version walks every element with a multi-index; the fast one
 * coalesces dims and copies contiguous runs with memcpy (threaded when
 * `parallel` and large). */
void ax__shp_copy_ref(char *dst, const int64_t *dst_str, const char *src, const int64_t *src_str,
                      const int64_t *shape, int ndim, size_t itemsize);
void ax__shp_copy_fast(char *dst, const int64_t *dst_str, const char *src,
                       const int64_t *src_str, const int64_t *shape, int ndim, size_t itemsize,
                       bool parallel);
/* Picks one of the two by ax__cpu_use_reference(). */
void ax__shp_copy(char *dst, const int64_t *dst_str, const char *src, const int64_t *src_str,
                  const int64_t *shape, int ndim, size_t itemsize, bool parallel);
/* out := in (same shape and dtype), unless out already aliases in. */
void ax__shp_copy_input(ax_array *out, const ax_array *in);
/* Copy one item. */
static inline void ax__shp_item(char *dst, const char *src, size_t itemsize) {
    switch (itemsize) {
    case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
    }
}
/* Advance a multi-index over shape (row-major); false after the last one. */
static inline bool ax__shp_next(int64_t *idx, const int64_t *shape, int ndim) {
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) return true;
        idx[d] = 0;
    }
    return false;
}
/* Normalize index value v (already loaded) for an axis of size n: false if
 * it is outside [-n, n). */
static inline bool ax__shp_norm_index(int64_t v, int64_t n, int64_t *out) {
    if (v < 0) v += n;
    if (v < 0 || v >= n) return false;
    *out = v;
    return true;
}
/* Load index element p of integer dtype t; uint64 values above INT64_MAX
 * load as INT64_MAX (always out of range). */
static inline int64_t ax__shp_load_index(const char *p, ax_dtype t) {
    if (t == AX_UINT64) {
        uint64_t u;
        memcpy(&u, p, 8);
        return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    }
    return ax__load_i64(p, t);
}

#endif
