/* I/O plumbing: byte swapping, read-only file mappings, stdio sinks. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/io_internal.h"

void ax__byteswap(void *data, size_t n, size_t width) {
    uint8_t *p = data;
    if (width < 2) return;
    for (size_t i = 0; i < n; i++, p += width)
        for (size_t a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

void ax__byteswap_dtype(void *data, size_t n, ax_dtype t) {
    if (t == AX_COMPLEX64) ax__byteswap(data, n * 2, 4);
    else ax__byteswap(data, n, ax_dtype_size(t));
}

ax_status ax__map_file(ax_ctx *ctx, const char *op, const char *path, ax__mapping *m) {
    m->data = NULL;
    m->size = 0;
    if (!path) return ax__fail(ctx, AX_ERR_NULL, "%s: path is NULL", op);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ax__fail(ctx, AX_ERR_IO, "%s: cannot open '%s': %s", op, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ax__fail(ctx, AX_ERR_IO, "%s: cannot stat '%s': %s", op, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return ax__fail(ctx, AX_ERR_IO, "%s: '%s' is not a regular file", op, path);
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return ax__fail(ctx, AX_ERR_IO, "%s: '%s' is too large to map", op, path);
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return ax__fail(ctx, e == ENOMEM ? AX_ERR_OOM : AX_ERR_IO, "%s: cannot map '%s': %s",
                            op, path, strerror(e));
        }
        m->data = p;
        m->size = (size_t)st.st_size;
    }
    close(fd);
    return AX_OK;
}

void ax__unmap(ax__mapping *m) {
    if (m->data) munmap(m->data, m->size);
    m->data = NULL;
    m->size = 0;
}

bool ax__sink_write_le(ax__sink *s, const void *data, size_t n, ax_dtype t) {
    size_t w = ax_dtype_size(t);
    if (ax__host_le() || w == 1) return s->write(s, data, n * w);
    /* Big-endian host: swap through a small buffer. */
    uint8_t tmp[4096];
    size_t per = sizeof tmp / w;
    const uint8_t *p = data;
    while (n) {
        size_t k = n < per ? n : per;
        memcpy(tmp, p, k * w);
        ax__byteswap_dtype(tmp, k, t);
        if (!s->write(s, tmp, k * w)) return false;
        p += k * w;
        n -= k;
    }
    return true;
}

static bool file_write(ax__sink *base, const void *p, size_t n) {
    ax__file_sink *s = (ax__file_sink *)base;
    if (s->err) return false;
    if (n && fwrite(p, 1, n, s->f) != n) {
        s->err = errno ? errno : EIO;
        return false;
    }
    return true;
}

ax_status ax__file_sink_open(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s) {
    memset(s, 0, sizeof *s);
    s->base.write = file_write;
    if (!path) return ax__fail(ctx, AX_ERR_NULL, "%s: path is NULL", op);
    s->f = fopen(path, "wb");
    if (!s->f)
        return ax__fail(ctx, AX_ERR_IO, "%s: cannot open '%s' for writing: %s", op, path,
                        strerror(errno));
    return AX_OK;
}

ax_status ax__file_sink_close(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s,
                              bool ok) {
    if (!s->f) return ok ? AX_OK : ctx->status;
    if (fflush(s->f) != 0 && !s->err) s->err = errno ? errno : EIO;
    if (fclose(s->f) != 0 && !s->err) s->err = errno ? errno : EIO;
    s->f = NULL;
    if (ok && !s->err) return AX_OK;
    remove(path);
    if (s->err) return ax__fail(ctx, AX_ERR_IO, "%s: cannot write '%s': %s", op, path, strerror(s->err));
    return ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
}
