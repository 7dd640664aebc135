/* A small zip container for .npz: a reader over an archive in memory (stored
 * and deflated members, ZIP64 extra fields and end records, CRC-32 checked)
 * and a streaming writer (stored or deflated, no ZIP64: archives and members
 * are limited to 4 GiB and 65535 members, which is reported as an error). */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "core/internal.h"
#include "io/io_internal.h"

enum {
    SIG_LOCAL = 0x04034b50,
    SIG_CENTRAL = 0x02014b50,
    SIG_EOCD = 0x06054b50,
    SIG_EOCD64 = 0x06064b50,
    SIG_LOC64 = 0x07064b50,
    LOCAL_LEN = 30,
    CENTRAL_LEN = 46,
    EOCD_LEN = 22,
    EOCD64_LEN = 56,
    LOC64_LEN = 20,
};

/* Deflate cannot expand data by more than 1032:1; a member claiming more is
 * corrupt (and would make us allocate for a zip bomb). */
#define MAX_DEFLATE_RATIO 1032u
#define CHUNK ((size_t)1 << 30) /* zlib counts in 32-bit units */

#define FAIL(...) ax__fail(ctx, AX_ERR_FORMAT, __VA_ARGS__)

void ax__zip_free(ax__zip_entry *entries, size_t n) {
    if (!entries) return;
    for (size_t i = 0; i < n; i++) free(entries[i].name);
    free(entries);
}

/* Apply a ZIP64 extended-information field (id 1) to saturated values. */
static bool apply_zip64(const uint8_t *x, size_t xlen, uint64_t *usize, uint64_t *csize,
                        uint64_t *lho) {
    while (xlen >= 4) {
        uint16_t id = ax__rd16(x), sz = ax__rd16(x + 2);
        if ((size_t)sz > xlen - 4) return false;
        if (id == 1) {
            const uint8_t *f = x + 4;
            size_t left = sz;
            uint64_t *vals[3] = {usize, csize, lho};
            for (int i = 0; i < 3; i++) {
                if (*vals[i] != 0xFFFFFFFFu) continue;
                if (left < 8) return false;
                *vals[i] = ax__rd64(f);
                f += 8;
                left -= 8;
            }
            return true;
        }
        x += 4 + sz;
        xlen -= 4 + (size_t)sz;
    }
    return true;
}

/* Find the end-of-central-directory records; fills the directory extent. */
static ax_status find_directory(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                                size_t size, uint64_t *cd_off, uint64_t *cd_size,
                                uint64_t *count, uint64_t *cd_limit) {
    if (size < EOCD_LEN) return FAIL("%s: %s: not a zip archive (%zu bytes)", op, what, size);
    size_t pos = size - EOCD_LEN, stop = pos > 65535 ? pos - 65535 : 0;
    for (;; pos--) {
        if (ax__rd32(p + pos) == SIG_EOCD && ax__rd16(p + pos + 20) == size - pos - EOCD_LEN) break;
        if (pos == stop)
            return FAIL("%s: %s: not a zip archive (no end of central directory record)", op, what);
    }
    const uint8_t *e = p + pos;
    uint64_t disk = ax__rd16(e + 4), cd_disk = ax__rd16(e + 6), n_disk = ax__rd16(e + 8);
    *count = ax__rd16(e + 10);
    *cd_size = ax__rd32(e + 12);
    *cd_off = ax__rd32(e + 16);
    *cd_limit = pos;
    if (pos >= LOC64_LEN && ax__rd32(e - LOC64_LEN) == SIG_LOC64) {
        const uint8_t *l = e - LOC64_LEN;
        uint64_t off = ax__rd64(l + 8);
        if (ax__rd32(l + 4) != 0 || ax__rd32(l + 16) > 1)
            return FAIL("%s: %s: multi-disk zip archives are not supported", op, what);
        if (off > pos - LOC64_LEN || pos - LOC64_LEN - off < EOCD64_LEN ||
            ax__rd32(p + off) != SIG_EOCD64)
            return FAIL("%s: %s: bad ZIP64 end of central directory record", op, what);
        const uint8_t *z = p + off;
        disk = ax__rd32(z + 16);
        cd_disk = ax__rd32(z + 20);
        n_disk = ax__rd64(z + 24);
        *count = ax__rd64(z + 32);
        *cd_size = ax__rd64(z + 40);
        *cd_off = ax__rd64(z + 48);
        *cd_limit = off;
    }
    if (disk != 0 || cd_disk != 0 || n_disk != *count)
        return FAIL("%s: %s: multi-disk zip archives are not supported", op, what);
    if (*cd_off > *cd_limit || *cd_size > *cd_limit - *cd_off)
        return FAIL("%s: %s: central directory (offset %llu, %llu bytes) lies outside the file",
                    op, what, (unsigned long long)*cd_off, (unsigned long long)*cd_size);
    if (*count > *cd_size / CENTRAL_LEN)
        return FAIL("%s: %s: %llu members cannot fit in a central directory of %llu bytes", op,
                    what, (unsigned long long)*count, (unsigned long long)*cd_size);
    return AX_OK;
}

ax_status ax__zip_open(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                       size_t size, ax__zip_entry **entries, size_t *n) {
    *entries = NULL;
    *n = 0;
    uint64_t cd_off = 0, cd_size = 0, count = 0, cd_limit = 0;
    ax_status st = find_directory(ctx, op, what, p, size, &cd_off, &cd_size, &count, &cd_limit);
    if (st != AX_OK) return st;
    ax__zip_entry *es = count ? ax__calloc(ctx, (size_t)count, sizeof *es) : NULL;
    if (count && !es) return ctx->status;
    const uint8_t *q = p + cd_off, *cd_end = p + cd_off + cd_size;
    size_t i = 0;
    for (; i < count; i++) {
        ax__zip_entry *e = &es[i];
        if ((size_t)(cd_end - q) < CENTRAL_LEN || ax__rd32(q) != SIG_CENTRAL) {
            st = FAIL("%s: %s: central directory entry %zu is malformed", op, what, i);
            break;
        }
        uint16_t flags = ax__rd16(q + 8), nlen = ax__rd16(q + 28), xlen = ax__rd16(q + 30),
                 clen = ax__rd16(q + 32);
        e->method = ax__rd16(q + 10);
        e->crc = ax__rd32(q + 16);
        e->csize = ax__rd32(q + 20);
        e->usize = ax__rd32(q + 24);
        uint64_t lho = ax__rd32(q + 42);
        if ((size_t)(cd_end - q) - CENTRAL_LEN < (size_t)nlen + xlen + clen) {
            st = FAIL("%s: %s: central directory entry %zu runs past the directory", op, what, i);
            break;
        }
        const uint8_t *name = q + CENTRAL_LEN;
        if (memchr(name, 0, nlen)) {
            st = FAIL("%s: %s: member name %zu contains a NUL byte", op, what, i);
            break;
        }
        if (!(e->name = ax__malloc(ctx, (size_t)nlen + 1))) {
            st = ctx->status;
            break;
        }
        memcpy(e->name, name, nlen);
        e->name[nlen] = 0;
        if (!apply_zip64(name + nlen, xlen, &e->usize, &e->csize, &lho)) {
            st = FAIL("%s: %s: member '%s' has a malformed extra field", op, what, e->name);
            break;
        }
        q += CENTRAL_LEN + nlen + xlen + clen;
        if (flags & 0x41) {
            st = FAIL("%s: %s: member '%s' is encrypted", op, what, e->name);
            break;
        }
        if (e->method != 0 && e->method != 8) {
            st = FAIL("%s: %s: member '%s' uses compression method %u (only stored and deflate are supported)",
                      op, what, e->name, e->method);
            break;
        }
        /* The local header must agree and the data must lie before the directory. */
        if (lho > cd_off || cd_off - lho < LOCAL_LEN || ax__rd32(p + lho) != SIG_LOCAL) {
            st = FAIL("%s: %s: member '%s' has no valid local header", op, what, e->name);
            break;
        }
        const uint8_t *l = p + lho;
        uint64_t data = lho + LOCAL_LEN + ax__rd16(l + 26) + ax__rd16(l + 28);
        if (ax__rd16(l + 26) != nlen || data > cd_off || memcmp(l + LOCAL_LEN, name, nlen) != 0 ||
            ax__rd16(l + 8) != e->method) {
            st = FAIL("%s: %s: member '%s': local header does not match the central directory",
                      op, what, e->name);
            break;
        }
        if (e->csize > cd_off - data) {
            st = FAIL("%s: %s: member '%s': %llu bytes of data run past the end of the members",
                      op, what, e->name, (unsigned long long)e->csize);
            break;
        }
        if (e->method == 0 && e->csize != e->usize) {
            st = FAIL("%s: %s: stored member '%s' has different compressed and uncompressed sizes",
                      op, what, e->name);
            break;
        }
        if (e->method == 8 && e->usize / MAX_DEFLATE_RATIO > e->csize) {
            st = FAIL("%s: %s: member '%s' claims an impossible compression ratio (%llu -> %llu bytes)",
                      op, what, e->name, (unsigned long long)e->csize, (unsigned long long)e->usize);
            break;
        }
        e->data = p + data;
    }
    if (st == AX_OK && q != cd_end)
        st = FAIL("%s: %s: central directory size does not match its entries", op, what);
    if (st != AX_OK) {
        ax__zip_free(es, count);
        return st;
    }
    *entries = es;
    *n = (size_t)count;
    return AX_OK;
}

/* ---------------------------------------------------------------- member reader */

ax_status ax__zip_reader_init(ax_ctx *ctx, ax__zip_reader *r, const ax__zip_entry *e,
                              const char *op, const char *what) {
    memset(r, 0, sizeof *r);
    r->e = e;
    r->op = op;
    r->what = what;
    r->crc = (uint32_t)crc32_z(0, NULL, 0);
    if (e->method != 8) return AX_OK;
    z_stream *z = ax__calloc(ctx, 1, sizeof *z);
    if (!z) return ctx->status;
    if (inflateInit2(z, -MAX_WBITS) != Z_OK) {
        free(z);
        return ax__fail(ctx, AX_ERR_OOM, "%s: %s: cannot start inflate", op, what);
    }
    r->z = z;
    return AX_OK;
}

void ax__zip_reader_free(ax__zip_reader *r) {
    if (r->z) {
        inflateEnd(r->z);
        free(r->z);
        r->z = NULL;
    }
}

/* Inflate into dst[0..n); stops early only at the end of the stream. */
static ax_status inflate_into(ax_ctx *ctx, ax__zip_reader *r, uint8_t *dst, size_t n,
                              size_t *got) {
    z_stream *z = r->z;
    const ax__zip_entry *e = r->e;
    *got = 0;
    while (*got < n && !r->ended) {
        if (z->avail_in == 0 && r->in_off < e->csize) {
            uint64_t left = e->csize - r->in_off;
            z->next_in = (Bytef *)(uintptr_t)(e->data + r->in_off);
            z->avail_in = (uInt)(left < CHUNK ? left : CHUNK);
            r->in_off += z->avail_in;
        }
        size_t want = n - *got;
        z->next_out = dst + *got;
        z->avail_out = (uInt)(want < CHUNK ? want : CHUNK);
        uInt before = z->avail_out;
        int ret = inflate(z, Z_NO_FLUSH);
        *got += before - z->avail_out;
        if (ret == Z_STREAM_END) {
            r->ended = true;
        } else if (ret == Z_BUF_ERROR && z->avail_in == 0 && r->in_off == e->csize) {
            return FAIL("%s: %s: compressed data is truncated", r->op, r->what);
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            return ax__fail(ctx, ret == Z_MEM_ERROR ? AX_ERR_OOM : AX_ERR_FORMAT,
                            "%s: %s: corrupt compressed data (%s)", r->op, r->what,
                            z->msg ? z->msg : "inflate failed");
        }
    }
    return AX_OK;
}

ax_status ax__zip_read(ax_ctx *ctx, ax__zip_reader *r, void *dst, size_t n) {
    const ax__zip_entry *e = r->e;
    if (n > e->usize - r->produced)
        return FAIL("%s: %s: member is shorter than its contents require (%llu bytes)", r->op,
                    r->what, (unsigned long long)e->usize);
    if (!n) return AX_OK;
    if (e->method == 0) {
        memcpy(dst, e->data + r->produced, n);
    } else {
        size_t got;
        ax_status st = inflate_into(ctx, r, dst, n, &got);
        if (st != AX_OK) return st;
        if (got < n)
            return FAIL("%s: %s: compressed data ends after %llu of %llu bytes", r->op, r->what,
                        (unsigned long long)(r->produced + got), (unsigned long long)e->usize);
    }
    r->crc = (uint32_t)crc32_z(r->crc, dst, n);
    r->produced += n;
    return AX_OK;
}

ax_status ax__zip_reader_end(ax_ctx *ctx, ax__zip_reader *r) {
    const ax__zip_entry *e = r->e;
    if (r->produced != e->usize)
        return FAIL("%s: %s: %llu unexpected bytes after the array data", r->op, r->what,
                    (unsigned long long)(e->usize - r->produced));
    if (e->method == 8) {
        uint8_t extra;
        size_t got;
        ax_status st = inflate_into(ctx, r, &extra, 1, &got);
        if (st != AX_OK) return st;
        if (got || !r->ended)
            return FAIL("%s: %s: compressed data holds more than %llu bytes", r->op, r->what,
                        (unsigned long long)e->usize);
        z_stream *z = r->z;
        if (z->avail_in || r->in_off != e->csize)
            return FAIL("%s: %s: trailing bytes after the compressed data", r->op, r->what);
    }
    if (r->crc != e->crc)
        return FAIL("%s: %s: CRC-32 mismatch (stored %08x, computed %08x)", r->op, r->what,
                    e->crc, r->crc);
    return AX_OK;
}

/* ---------------------------------------------------------------- writer */

typedef struct zrec {
    char *name;
    uint16_t method, flags;
    uint32_t crc, csize, usize, lho;
} zrec;

struct ax__zip_writer {
    ax__sink sink; /* the current member's sink */
    const char *op, *path;
    FILE *f;
    uint64_t off; /* bytes written so far */
    int err;      /* errno of the first write failure */
    bool too_big; /* a member or the archive crossed 4 GiB */
    zrec *recs;
    size_t n, cap;
    /* current member */
    z_stream z;
    bool deflate, active;
    uint32_t crc;
    uint64_t usize, csize;
    uint8_t buf[1 << 16];
};

static bool raw_write(ax__zip_writer *w, const void *p, size_t n) {
    if (w->err) return false;
    if (n && fwrite(p, 1, n, w->f) != n) {
        w->err = errno ? errno : EIO;
        return false;
    }
    w->off += n;
    return true;
}

static bool drain(ax__zip_writer *w, int flush) {
    int ret;
    do {
        w->z.next_out = w->buf;
        w->z.avail_out = sizeof w->buf;
        ret = deflate(&w->z, flush);
        if (ret == Z_STREAM_ERROR) return false;
        size_t k = sizeof w->buf - w->z.avail_out;
        w->csize += k;
        if (!raw_write(w, w->buf, k)) return false;
    } while (w->z.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
    return true;
}

static bool member_write(ax__sink *s, const void *p, size_t n) {
    ax__zip_writer *w = (ax__zip_writer *)s;
    w->crc = (uint32_t)crc32_z(w->crc, p, n);
    w->usize += n;
    if (!w->deflate) {
        w->csize += n;
        return raw_write(w, p, n);
    }
    const uint8_t *b = p;
    while (n) {
        size_t k = n < CHUNK ? n : CHUNK;
        w->z.next_in = (Bytef *)(uintptr_t)b;
        w->z.avail_in = (uInt)k;
        if (!drain(w, Z_NO_FLUSH)) return false;
        b += k;
        n -= k;
    }
    return true;
}

ax__zip_writer *ax__zip_writer_new(ax_ctx *ctx, const char *op, const char *path, FILE *f) {
    ax__zip_writer *w = ax__calloc(ctx, 1, sizeof *w);
    if (!w) return NULL;
    w->sink.write = member_write;
    w->op = op;
    w->path = path;
    w->f = f;
    return w;
}

static void local_header(uint8_t h[LOCAL_LEN], const zrec *r, size_t nlen) {
    memset(h, 0, LOCAL_LEN);
    ax__wr32(h, SIG_LOCAL);
    ax__wr16(h + 4, r->method ? 20 : 10);
    ax__wr16(h + 6, r->flags);
    ax__wr16(h + 8, r->method);
    ax__wr16(h + 12, 0x21); /* 1980-01-01 00:00, as NumPy: reproducible files */
    ax__wr32(h + 14, r->crc);
    ax__wr32(h + 18, r->csize);
    ax__wr32(h + 22, r->usize);
    ax__wr16(h + 26, (uint16_t)nlen);
}

static ax_status io_error(ax_ctx *ctx, ax__zip_writer *w) {
    if (w->too_big)
        return ax__fail(ctx, AX_ERR_UNSUPPORTED,
                        "%s: '%s': the archive would exceed 4 GiB or 65535 members (ZIP64 writing is not supported)",
                        w->op, w->path);
    return ax__fail(ctx, AX_ERR_IO, "%s: cannot write '%s': %s", w->op, w->path,
                    strerror(w->err ? w->err : EIO));
}

ax__sink *ax__zip_begin_member(ax_ctx *ctx, ax__zip_writer *w, const char *name, bool deflate) {
    size_t nlen = strlen(name);
    if (nlen > 65535)
        return ax__error(ctx, AX_ERR_VALUE, "%s: member name of %zu bytes is too long", w->op, nlen);
    if (w->n == 65535 || w->off > 0xFFFFFFFFu) {
        w->too_big = true;
        io_error(ctx, w);
        return NULL;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        zrec *recs = realloc(w->recs, cap * sizeof *recs);
        if (!recs) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", w->op);
        w->recs = recs;
        w->cap = cap;
    }
    zrec *r = &w->recs[w->n];
    memset(r, 0, sizeof *r);
    if (!(r->name = strdup(name))) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory", w->op);
    w->n++;
    r->method = deflate ? 8 : 0;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c >= 0x80) r->flags = 1u << 11; /* UTF-8 name */
    r->lho = (uint32_t)w->off;
    uint8_t h[LOCAL_LEN];
    local_header(h, r, nlen);
    if (!raw_write(w, h, LOCAL_LEN) || !raw_write(w, name, nlen)) {
        io_error(ctx, w);
        return NULL;
    }
    w->deflate = deflate;
    w->crc = (uint32_t)crc32_z(0, NULL, 0);
    w->usize = w->csize = 0;
    if (deflate) {
        memset(&w->z, 0, sizeof w->z);
        if (deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return ax__error(ctx, AX_ERR_OOM, "%s: cannot start deflate", w->op);
    }
    w->active = true;
    return &w->sink;
}

ax_status ax__zip_end_member(ax_ctx *ctx, ax__zip_writer *w) {
    bool ok = true;
    if (w->deflate) {
        w->z.next_in = NULL;
        w->z.avail_in = 0;
        ok = drain(w, Z_FINISH);
        deflateEnd(&w->z);
    }
    w->active = false;
    if (!ok) return io_error(ctx, w);
    zrec *r = &w->recs[w->n - 1];
    if (w->usize > 0xFFFFFFFFu || w->csize > 0xFFFFFFFFu || w->off > 0xFFFFFFFFu) {
        w->too_big = true;
        return io_error(ctx, w);
    }
    r->crc = w->crc;
    r->csize = (uint32_t)w->csize;
    r->usize = (uint32_t)w->usize;
    /* Patch the local header now that sizes and CRC are known. */
    uint8_t h[LOCAL_LEN];
    local_header(h, r, strlen(r->name));
    if (fseeko(w->f, (off_t)r->lho, SEEK_SET) != 0 || fwrite(h, 1, LOCAL_LEN, w->f) != LOCAL_LEN ||
        fseeko(w->f, (off_t)w->off, SEEK_SET) != 0) {
        w->err = errno ? errno : EIO;
        return io_error(ctx, w);
    }
    return AX_OK;
}

ax_status ax__zip_writer_finish(ax_ctx *ctx, ax__zip_writer *w, bool ok) {
    if (w->active && w->deflate) deflateEnd(&w->z);
    ax_status st = AX_OK;
    if (ok) {
        uint64_t cd_off = w->off;
        for (size_t i = 0; i < w->n && !w->err; i++) {
            const zrec *r = &w->recs[i];
            size_t nlen = strlen(r->name);
            uint8_t h[CENTRAL_LEN] = {0};
            ax__wr32(h, SIG_CENTRAL);
            ax__wr16(h + 4, 3u << 8 | 20); /* made by: Unix, zip 2.0 */
            ax__wr16(h + 6, r->method ? 20 : 10);
            ax__wr16(h + 8, r->flags);
            ax__wr16(h + 10, r->method);
            ax__wr16(h + 14, 0x21);
            ax__wr32(h + 16, r->crc);
            ax__wr32(h + 20, r->csize);
            ax__wr32(h + 24, r->usize);
            ax__wr16(h + 28, (uint16_t)nlen);
            ax__wr32(h + 38, 0100644u << 16); /* regular file, rw-r--r-- */
            ax__wr32(h + 42, r->lho);
            raw_write(w, h, CENTRAL_LEN);
            raw_write(w, r->name, nlen);
        }
        uint64_t cd_size = w->off - cd_off;
        if (cd_off > 0xFFFFFFFFu || cd_size > 0xFFFFFFFFu) w->too_big = true;
        uint8_t e[EOCD_LEN] = {0};
        ax__wr32(e, SIG_EOCD);
        ax__wr16(e + 8, (uint16_t)w->n);
        ax__wr16(e + 10, (uint16_t)w->n);
        ax__wr32(e + 12, (uint32_t)cd_size);
        ax__wr32(e + 16, (uint32_t)cd_off);
        raw_write(w, e, EOCD_LEN);
        if (w->err || w->too_big) st = io_error(ctx, w);
    } else {
        st = ctx->status != AX_OK ? ctx->status : io_error(ctx, w);
    }
    for (size_t i = 0; i < w->n; i++) free(w->recs[i].name);
    free(w->recs);
    free(w);
    return st;
}
