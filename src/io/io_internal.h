/* Shared pieces of the I/O layer (never installed): little-endian helpers,
 * read-only file mappings, output sinks, the .npy header codec and the zip
 * container used by .npz. */
#ifndef AX_IO_INTERNAL_H
#define AX_IO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ax/io.h"

/* Limits applied to untrusted files. */
#define AX_NPY_MAX_HEADER (1u << 20)       /* bytes of .npy header text */
#define AX_NPY_MAX_NDIM 64                 /* as NumPy 2 */
#define AX_ST_MAX_HEADER (100u << 20)      /* bytes of safetensors JSON, as HF */

/* ---------------------------------------------------------------- bytes */

static inline uint16_t ax__rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ax__rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ax__rd64(const uint8_t *p) {
    return (uint64_t)ax__rd32(p) | (uint64_t)ax__rd32(p + 4) << 32;
}
static inline void ax__wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void ax__wr32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ax__wr64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline bool ax__host_le(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}
/* Reverse the bytes of each of n elements of `width` bytes, in place. */
void ax__byteswap(void *data, size_t n, size_t width);
/* Byte-swap n elements of dtype t (complex: each float separately). */
void ax__byteswap_dtype(void *data, size_t n, ax_dtype t);

/* ---------------------------------------------------------------- files */

/* Open a regular file for reading and get its size; records AX_ERR_IO. */
ax_status ax__open_read(ax_ctx *ctx, const char *op, const char *path, int *fd, size_t *size);
/* Read exactly n bytes at off (AX_ERR_IO, or AX_ERR_FORMAT if the file ends). */
ax_status ax__pread_all(ax_ctx *ctx, const char *op, const char *path, int fd, void *dst, size_t n,
                        size_t off);
/* A whole file mapped read-only (data NULL for an empty file). */
typedef struct ax__mapping {
    void *data;
    size_t size;
} ax__mapping;
/* Map `path`; on failure records AX_ERR_IO "<op>: cannot open '<path>': ..." */
ax_status ax__map_file(ax_ctx *ctx, const char *op, const char *path, ax__mapping *m);
void ax__unmap(ax__mapping *m);

/* An output stream: write() returns false on failure (error recorded by the
 * sink itself or by its caller through `failed`). */
typedef struct ax__sink {
    bool (*write)(struct ax__sink *s, const void *p, size_t n);
} ax__sink;
/* Write n elements of dtype t from host memory as little-endian bytes. */
bool ax__sink_write_le(ax__sink *s, const void *data, size_t n, ax_dtype t);

/* A file sink over stdio. A regular file (or a new one) is written to a
 * temporary file beside it and renamed over it on success: a failed save
 * leaves the old file intact, and arrays still mapped from the old file
 * (safetensors) keep their data. Devices and FIFOs are written directly. */
typedef struct ax__file_sink {
    ax__sink base;
    FILE *f;
    int err;      /* errno of the first failure */
    char *target; /* the file to replace (symlinks resolved); NULL: direct */
    char *tmp;    /* the temporary file being written */
    bool replacing; /* target existed: fsync before the rename */
} ax__file_sink;
/* Open `path` for writing; records AX_ERR_IO on failure. */
ax_status ax__file_sink_open(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s);
/* Flush, sync and close; on success rename into place, otherwise remove what
 * was written. Returns the error recorded (AX_ERR_IO) or AX_OK. */
ax_status ax__file_sink_close(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s,
                              bool ok);

/* ---------------------------------------------------------------- npy */

typedef struct ax__npy_info {
    ax_dtype dtype;
    bool swap;    /* stored with the other byte order */
    bool fortran; /* column-major data */
    int ndim;
    int64_t shape[AX_NPY_MAX_NDIM];
    int64_t size;      /* elements */
    size_t header_len; /* bytes before the data (magic .. padding) */
    size_t nbytes;     /* data bytes */
} ax__npy_info;

/* Length of the preamble (magic + version + header length field): 10 for
 * version 1, 12 for 2 and 3, 0 if `avail` (>= 8) bytes do not start with a
 * known magic/version. */
size_t ax__npy_preamble_len(const uint8_t *p, size_t avail);
/* Parse the header at p (`avail` bytes, which must hold the whole header to
 * succeed). Fills info; on failure records AX_ERR_FORMAT/AX_ERR_DTYPE as
 * "<op>: <what>: <problem>". */
ax_status ax__npy_parse(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                        size_t avail, ax__npy_info *info);
/* An unowned array with an allocated buffer of info->nbytes for the file's
 * data; fill it with the raw bytes, then call ax__npy_finish. */
ax_array *ax__npy_alloc(ax_ctx *ctx, const ax__npy_info *info);
/* Fix byte order, bool values and Fortran order in place; hands the array to
 * the scope on success, releases it on failure. */
ax_array *ax__npy_finish(ax_ctx *ctx, const ax__npy_info *info, ax_array *a);
/* Write a as .npy (header + row-major data) to s. Evaluates a. `op` names the
 * caller in errors; a sink failure returns AX_ERR_IO without a message. */
ax_status ax__npy_write(ax_ctx *ctx, const char *op, ax_array *a, ax__sink *s);
/* Exact byte count ax__npy_write will produce for a (after checking dtype). */
ax_status ax__npy_size(ax_ctx *ctx, const char *op, ax_array *a, uint64_t *size);

/* ---------------------------------------------------------------- zip */

/* One member of a zip archive held in memory (sizes from the central
 * directory, ZIP64 extra fields applied). */
typedef struct ax__zip_entry {
    char *name; /* malloc'd, NUL-terminated */
    uint16_t method; /* 0 stored, 8 deflated */
    uint32_t crc;
    uint64_t csize, usize;
    const uint8_t *data; /* csize compressed bytes inside the archive */
} ax__zip_entry;

/* Parse and validate the central directory and local headers of the zip at
 * p (size bytes). Errors are AX_ERR_FORMAT "<op>: <what>: ...". */
ax_status ax__zip_open(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                       size_t size, ax__zip_entry **entries, size_t *n);
void ax__zip_free(ax__zip_entry *entries, size_t n);

/* Streaming decompression of one member: read exactly n bytes at a time,
 * then ax__zip_reader_end checks that the member ends there and its CRC. */
typedef struct ax__zip_reader {
    const ax__zip_entry *e;
    const char *op, *what;
    void *z; /* z_stream for deflated members */
    uint64_t in_off, produced;
    uint32_t crc;
    bool ended;
} ax__zip_reader;
ax_status ax__zip_reader_init(ax_ctx *ctx, ax__zip_reader *r, const ax__zip_entry *e,
                              const char *op, const char *what);
ax_status ax__zip_read(ax_ctx *ctx, ax__zip_reader *r, void *dst, size_t n);
ax_status ax__zip_reader_end(ax_ctx *ctx, ax__zip_reader *r);
void ax__zip_reader_free(ax__zip_reader *r);

/* Writing: members are streamed through a sink; headers are patched after. */
typedef struct ax__zip_writer ax__zip_writer;
ax__zip_writer *ax__zip_writer_new(ax_ctx *ctx, const char *op, const char *path, FILE *f);
/* Start a member; the returned sink is valid until ax__zip_end_member. */
ax__sink *ax__zip_begin_member(ax_ctx *ctx, ax__zip_writer *w, const char *name, bool deflate);
ax_status ax__zip_end_member(ax_ctx *ctx, ax__zip_writer *w);
/* Write the central directory; frees w in every case. */
ax_status ax__zip_writer_finish(ax_ctx *ctx, ax__zip_writer *w, bool ok);

/* ---------------------------------------------------------------- npz */

/* Parse an .npz held in memory into out (all or nothing). */
ax_status ax__load_npz_buffer(ax_ctx *ctx, const char *what, const void *data, size_t size,
                              ax_dict *out);

#endif
