/* ax/io.h — named array maps and file formats (.npy, .npz, .safetensors).
 *
 * Readers never trust a file: a malformed, truncated or oversized header or
 * data past the end is an AX_ERR_FORMAT naming the file and what is wrong
 * (a valid dtype ax has no type for: AX_ERR_DTYPE), and nothing is read out
 * of bounds. */
#ifndef AX_IO_H
#define AX_IO_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- dict */

/* An ordered map from names to arrays. It holds its own reference to each
 * array (so they outlive scopes) and copies of the names. */
typedef struct ax_dict ax_dict;
AX_API ax_dict *ax_dict_new(void);
AX_API void ax_dict_free(ax_dict *d); /* NULL-safe; drops the references */
/* Insert or replace; the dict takes a new reference. AX_ERR_NULL / AX_ERR_OOM. */
AX_API ax_status ax_dict_set(ax_dict *d, const char *name, ax_array *a);
AX_API ax_array *ax_dict_get(const ax_dict *d, const char *name); /* borrowed; NULL if absent */
AX_API int ax_dict_size(const ax_dict *d);
AX_API const char *ax_dict_key(const ax_dict *d, int i);
AX_API ax_array *ax_dict_value(const ax_dict *d, int i); /* borrowed */

/* An ordered map from strings to strings (safetensors metadata). */
typedef struct ax_strmap ax_strmap;
AX_API ax_strmap *ax_strmap_new(void);
AX_API void ax_strmap_free(ax_strmap *m);
AX_API ax_status ax_strmap_set(ax_strmap *m, const char *key, const char *value);
AX_API const char *ax_strmap_get(const ax_strmap *m, const char *key);
AX_API int ax_strmap_size(const ax_strmap *m);
AX_API const char *ax_strmap_key(const ax_strmap *m, int i);
AX_API const char *ax_strmap_value(const ax_strmap *m, int i);

/* ---------------------------------------------------------------- npy / npz */

/* NumPy .npy, format versions 1.0-3.0; C or Fortran order on read, C order on
 * write. bfloat16 has no NumPy dtype: saving one is AX_ERR_DTYPE. Reading
 * byte-swaps big-endian data ('>f4') and reorders Fortran-ordered data, so a
 * loaded array is always row-major in host order; NumPy dtypes ax lacks
 * (complex128, long double, strings, objects, datetimes, structured) are
 * AX_ERR_DTYPE. Saving writes a temporary file beside `path` and renames it
 * into place, so a failed save leaves an existing file untouched. */
AX_API ax_status ax_save_npy(ax_ctx *ctx, const char *path, ax_array *a);
AX_API ax_array *ax_load_npy(ax_ctx *ctx, const char *path);
/* Parse a .npy held in memory (copied). */
AX_API ax_array *ax_load_npy_buffer(ax_ctx *ctx, const void *data, size_t size);

/* .npz: a zip of .npy members named after the dict's keys; `compressed`
 * deflates them (np.savez_compressed). Reading accepts stored and deflated
 * members (ZIP64 records included), checks CRC-32s, and fills `out` (names
 * without the ".npy") only if every member loads; the arrays are then owned
 * by `out` alone. Writing is limited to 4 GiB and 65535 members
 * (AX_ERR_UNSUPPORTED beyond). */
AX_API ax_status ax_save_npz(ax_ctx *ctx, const char *path, const ax_dict *arrays,
                             bool compressed);
AX_API ax_status ax_load_npz(ax_ctx *ctx, const char *path, ax_dict *out);

/* ---------------------------------------------------------------- safetensors */

/* Read with mmap: arrays are views of the mapped file, which stays mapped
 * until the last of them is freed (a tensor whose offset is not a multiple
 * of its element size is copied instead). `metadata` may be NULL. `out` and
 * `metadata` are filled only when the whole file is valid; the arrays are
 * owned by `out` alone. The _buffer variant copies every tensor, so `data`
 * may be freed as soon as it returns. The 8-bit float dtypes F8_E4M3,
 * F8_E5M2 and F8_E8M0 load as uint8 arrays of their codes, like U8 data;
 * F6_E2M3, F6_E3M2, F4 and C128 are AX_ERR_DTYPE. */
AX_API ax_status ax_load_safetensors(ax_ctx *ctx, const char *path, ax_dict *out,
                                     ax_strmap *metadata);
AX_API ax_status ax_load_safetensors_buffer(ax_ctx *ctx, const void *data, size_t size,
                                            ax_dict *out, ax_strmap *metadata);
/* As above; `dtypes` (may be NULL) also receives each tensor's safetensors
 * dtype name as in the file ("F32", "BF16", "F8_E4M3", ...), in the order of
 * `out` and only when `out` is filled: it tells fp8 codes from U8 data.
 * F8_E4M3 / F8_E5M2 codes decode with ax_from_fp8 (AX_FP8_E4M3 /
 * AX_FP8_E5M2). F8_E8M0 codes (MX block scales) are the powers of two
 * 2^(code-127), 0xff NaN; ax does not decode them (ax ops can: ax_exp2 of
 * the codes as float32 minus 127, ax_where for 0xff). */
AX_API ax_status ax_load_safetensors_ex(ax_ctx *ctx, const char *path, ax_dict *out,
                                        ax_strmap *metadata, ax_strmap *dtypes);
AX_API ax_status ax_load_safetensors_buffer_ex(ax_ctx *ctx, const void *data, size_t size,
                                               ax_dict *out, ax_strmap *metadata,
                                               ax_strmap *dtypes);
/* Write every array of the dict (in the dict's order) with optional metadata. */
AX_API ax_status ax_save_safetensors(ax_ctx *ctx, const char *path, const ax_dict *arrays,
                                     const ax_strmap *metadata);
/* As above; `dtypes` (may be NULL) maps array names to the safetensors dtype
 * to write (arrays it omits are written as their own dtype): "F8_E4M3",
 * "F8_E5M2" or "F8_E8M0" for a uint8 array of codes, or the name of the
 * array's own dtype ("U8", "F32", ...). Checked before the file is touched:
 * a key that names no array is AX_ERR_VALUE; an unknown dtype name, or one
 * that does not hold the array's dtype ("F16" or "F8_E4M3" for a float32
 * array), is AX_ERR_DTYPE naming the tensor. */
AX_API ax_status ax_save_safetensors_ex(ax_ctx *ctx, const char *path, const ax_dict *arrays,
                                        const ax_strmap *metadata, const ax_strmap *dtypes);

#ifdef __cplusplus
}
#endif
#endif
