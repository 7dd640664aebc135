/* I/O plumbing: byte swapping, read-only file mappings, stdio sinks. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
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

ax_status ax__open_read(ax_ctx *ctx, const char *op, const char *path, int *fd, size_t *size) {
    *fd = -1;
    if (!path) return ax__fail(ctx, AX_ERR_NULL, "%s: path is NULL", op);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return ax__fail(ctx, AX_ERR_IO, "%s: cannot open '%s': %s", op, path, strerror(errno));
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return ax__fail(ctx, AX_ERR_IO, "%s: cannot stat '%s': %s", op, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        return ax__fail(ctx, AX_ERR_IO, "%s: '%s' is not a regular file", op, path);
    }
    if ((uint64_t)st.st_size > SIZE_MAX / 2) {
        close(f);
        return ax__fail(ctx, AX_ERR_IO, "%s: '%s' is too large", op, path);
    }
    *fd = f;
    *size = (size_t)st.st_size;
    return AX_OK;
}

ax_status ax__pread_all(ax_ctx *ctx, const char *op, const char *path, int fd, void *dst, size_t n,
                        size_t off) {
    uint8_t *p = dst;
    while (n) {
        ssize_t k = pread(fd, p, n < ((size_t)1 << 30) ? n : ((size_t)1 << 30), (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return ax__fail(ctx, k ? AX_ERR_IO : AX_ERR_FORMAT, "%s: cannot read '%s': %s", op, path,
                            k ? strerror(errno) : "the file shrank while reading");
        p += k;
        n -= (size_t)k;
        off += (size_t)k;
    }
    return AX_OK;
}

ax_status ax__map_file(ax_ctx *ctx, const char *op, const char *path, ax__mapping *m) {
    m->data = NULL;
    m->size = 0;
    int fd;
    size_t size = 0;
    ax_status st = ax__open_read(ctx, op, path, &fd, &size);
    if (st != AX_OK) return st;
    if (size > 0) {
        void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return ax__fail(ctx, e == ENOMEM ? AX_ERR_OOM : AX_ERR_IO, "%s: cannot map '%s': %s",
                            op, path, strerror(e));
        }
        m->data = p;
        m->size = size;
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

/* Create a new temporary file next to target (mode 0666 & ~umask, as fopen). */
static FILE *open_temp(const char *target, char **tmp_out, const struct stat *old) {
    static atomic_uint counter;
    size_t n = strlen(target) + 48;
    char *tmp = malloc(n);
    if (!tmp) return NULL;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(tmp, n, "%s.tmp%ld.%u", target, (long)getpid(), atomic_fetch_add(&counter, 1));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            if (old) (void)fchmod(fd, old->st_mode & 07777); /* keep the replaced file's mode */
            FILE *f = fdopen(fd, "wb");
            if (!f) {
                close(fd);
                unlink(tmp);
                break;
            }
            *tmp_out = tmp;
            return f;
        }
        if (errno != EEXIST) break;
    }
    free(tmp);
    return NULL;
}

ax_status ax__file_sink_open(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s) {
    memset(s, 0, sizeof *s);
    s->base.write = file_write;
    if (!path) return ax__fail(ctx, AX_ERR_NULL, "%s: path is NULL", op);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists || S_ISREG(st.st_mode)) {
        char *real = exists ? realpath(path, NULL) : NULL; /* replace a symlink's target */
        s->target = real ? real : strdup(path);
        if (s->target) s->f = open_temp(s->target, &s->tmp, exists ? &st : NULL);
        s->replacing = exists;
        if (!s->f) { /* e.g. a directory we may not create files in: write in place */
            free(s->target);
            s->target = NULL;
        }
    }
    if (!s->f) s->f = fopen(path, "wb");
    if (!s->f)
        return ax__fail(ctx, AX_ERR_IO, "%s: cannot open '%s' for writing: %s", op, path,
                        strerror(errno));
    return AX_OK;
}

ax_status ax__file_sink_close(ax_ctx *ctx, const char *op, const char *path, ax__file_sink *s,
                              bool ok) {
    if (s->f) {
        if (fflush(s->f) != 0 && !s->err) s->err = errno ? errno : EIO;
        /* Replacing a file: make the data durable before the rename, so a crash
         * cannot leave an empty file where the old one was. */
        if (ok && !s->err && s->tmp && s->replacing && fsync(fileno(s->f)) != 0)
            s->err = errno ? errno : EIO;
        if (fclose(s->f) != 0 && !s->err) s->err = errno ? errno : EIO;
        s->f = NULL;
        if (ok && !s->err && s->tmp && rename(s->tmp, s->target) != 0) s->err = errno ? errno : EIO;
        if ((!ok || s->err) && s->tmp) unlink(s->tmp); /* never remove what we did not create */
    }
    free(s->tmp);
    free(s->target);
    s->tmp = s->target = NULL;
    if (ok && !s->err) return AX_OK;
    if (s->err) return ax__fail(ctx, AX_ERR_IO, "%s: cannot write '%s': %s", op, path, strerror(s->err));
    return ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
}
