/* NumPy .npy (format versions 1.0, 2.0, 3.0).
 *
 * Reading accepts C and Fortran order and either byte order: big-endian
 * ('>f4') data is byte-swapped on load, Fortran-ordered data is reordered,
 * so every loaded array is row-major in host order. Bool bytes other than 0
 * and 1 read as true (1). Writing emits version 1.0 (2.0 for headers over
 * 64 KiB), C order, little-endian descriptors, padded to 64 bytes as NumPy
 * does. Unsupported NumPy dtypes (complex128, long double, strings, objects,
 * datetimes, structured) are AX_ERR_DTYPE; malformed headers AX_ERR_FORMAT. */
#include <stdlib.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/io_internal.h"

static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* ---------------------------------------------------------------- descr */

static const struct {
    char kind;
    int size;
    ax_dtype dtype;
} descr_table[] = {
    {'b', 1, AX_BOOL},    {'i', 1, AX_INT8},    {'i', 2, AX_INT16},   {'i', 4, AX_INT32},
    {'i', 8, AX_INT64},   {'u', 1, AX_UINT8},   {'u', 2, AX_UINT16},  {'u', 4, AX_UINT32},
    {'u', 8, AX_UINT64},  {'f', 2, AX_FLOAT16}, {'f', 4, AX_FLOAT32}, {'f', 8, AX_FLOAT64},
    {'c', 8, AX_COMPLEX64},
};

/* The descr NumPy writes for t ("<f4", "|b1"); NULL for bfloat16. */
static const char *descr_of(ax_dtype t, char buf[8]) {
    for (size_t i = 0; i < sizeof descr_table / sizeof *descr_table; i++)
        if (descr_table[i].dtype == t) {
            snprintf(buf, 8, "%c%c%d", descr_table[i].size == 1 ? '|' : '<', descr_table[i].kind,
                     descr_table[i].size);
            return buf;
        }
    return NULL;
}

static ax_status parse_descr(ax_ctx *ctx, const char *op, const char *what, const char *d,
                             ax__npy_info *info) {
    const char *s = d;
    char order = '|';
    if (*s == '<' || *s == '>' || *s == '|' || *s == '=') order = *s++;
    char kind = *s ? *s++ : 0;
    int size = 0;
    bool digits = false;
    while (*s >= '0' && *s <= '9' && size < 1000) size = size * 10 + (*s++ - '0'), digits = true;
    if (kind && strchr("SUaVOMm", kind))
        return ax__fail(ctx, AX_ERR_DTYPE,
                        "%s: %s: dtype '%s' (strings, objects, datetimes, void) is not supported",
                        op, what, d);
    if (*s == 0 && digits) {
        for (size_t i = 0; i < sizeof descr_table / sizeof *descr_table; i++)
            if (descr_table[i].kind == kind && descr_table[i].size == size) {
                info->dtype = descr_table[i].dtype;
                bool big = order == '>' || (order == '=' && !ax__host_le());
                bool little = order == '<' || (order == '=' && ax__host_le());
                info->swap = size > 1 && (ax__host_le() ? big : little);
                return AX_OK;
            }
        if ((kind == 'c' && (size == 16 || size == 32)) || (kind == 'f' && (size == 12 || size == 16)))
            return ax__fail(ctx, AX_ERR_DTYPE, "%s: %s: dtype '%s' (%s%d) is not supported by ax",
                            op, what, d, kind == 'c' ? "complex" : "float", size * 8);
    }
    return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: unknown dtype descr '%s'", op, what, d);
}

/* ---------------------------------------------------------------- header */

/* A cursor over the header text (a Python dict literal). */
typedef struct hcur {
    const char *p, *end;
} hcur;

static void skip_ws(hcur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static bool eat(hcur *c, char ch) {
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A quoted string without escapes into out (cap bytes); false if malformed. */
static bool read_str(hcur *c, char *out, size_t cap) {
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || *c->p == 0 || n + 1 >= cap) return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return false;
    c->p++;
    out[n] = 0;
    return true;
}

static bool read_word(hcur *c, const char *w) {
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return false;
    c->p += n;
    return true;
}

/* Non-negative decimal (Python 2 files may append 'L'); false on overflow. */
static bool read_int(hcur *c, int64_t *v) {
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return false;
    int64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        int dgt = *c->p++ - '0';
        if (x > (INT64_MAX - dgt) / 10) return false;
        x = x * 10 + dgt;
    }
    if (c->p < c->end && *c->p == 'L') c->p++;
    *v = x;
    return true;
}

/* "()", "(3,)", "(2, 3)", "(2, 3,)". */
static const char *read_shape(hcur *c, ax__npy_info *info) {
    if (!eat(c, '(')) return "'shape' is not a tuple";
    info->ndim = 0;
    if (eat(c, ')')) return NULL;
    for (;;) {
        if (info->ndim == AX_NPY_MAX_NDIM) return "'shape' has more than 64 dimensions";
        if (!read_int(c, &info->shape[info->ndim++])) return "'shape' holds a value that is not a non-negative integer";
        if (eat(c, ',')) {
            if (eat(c, ')')) return NULL;
        } else if (eat(c, ')')) {
            return info->ndim == 1 ? "'shape' is not a tuple" : NULL;
        } else {
            return "'shape' is malformed";
        }
    }
}

size_t ax__npy_preamble_len(const uint8_t *p, size_t avail) {
    if (avail < 8 || memcmp(p, npy_magic, 6) != 0 || p[7] != 0) return 0;
    return p[6] == 1 ? 10 : (p[6] == 2 || p[6] == 3) ? 12 : 0;
}

ax_status ax__npy_parse(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                        size_t avail, ax__npy_info *info) {
    memset(info, 0, sizeof *info);
    if (memcmp(p, npy_magic, avail < 6 ? avail : 6) != 0)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: not a .npy file (bad magic)", op, what);
    if (avail < 8)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: truncated .npy file (%zu bytes)", op, what, avail);
    size_t pre = ax__npy_preamble_len(p, avail);
    if (!pre)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: unsupported .npy format version %d.%d", op,
                        what, p[6], p[7]);
    if (avail < pre)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: truncated in the .npy preamble", op, what);
    size_t hlen = pre == 10 ? ax__rd16(p + 8) : ax__rd32(p + 8);
    if (hlen > AX_NPY_MAX_HEADER)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: header of %zu bytes exceeds the limit of %u",
                        op, what, hlen, AX_NPY_MAX_HEADER);
    if (avail - pre < hlen)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: truncated header (%zu bytes declared, %zu present)",
                        op, what, hlen, avail - pre);
    info->header_len = pre + hlen;

    hcur c = {(const char *)p + pre, (const char *)p + pre + hlen};
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    char key[32], descr[64];
    const char *bad = NULL;
    if (!eat(&c, '{')) bad = "header is not a dict";
    while (!bad) {
        if (eat(&c, '}')) break;
        if (!read_str(&c, key, sizeof key) || !eat(&c, ':')) {
            bad = "malformed header dict";
            break;
        }
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            seen_descr = true;
            skip_ws(&c);
            if (c.p < c.end && *c.p == '[')
                return ax__fail(ctx, AX_ERR_DTYPE, "%s: %s: structured dtypes are not supported",
                                op, what);
            if (!read_str(&c, descr, sizeof descr)) bad = "'descr' is not a dtype string";
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran) {
            seen_fortran = true;
            if (read_word(&c, "True")) info->fortran = true;
            else if (read_word(&c, "False")) info->fortran = false;
            else bad = "'fortran_order' is not True or False";
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            seen_shape = true;
            bad = read_shape(&c, info);
        } else {
            return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: unexpected or repeated header key '%s'",
                            op, what, key);
        }
        if (!bad && !eat(&c, ',')) {
            if (!eat(&c, '}')) bad = "malformed header dict";
            break;
        }
    }
    if (!bad && !(seen_descr && seen_fortran && seen_shape))
        bad = "header lacks one of 'descr', 'fortran_order', 'shape'";
    skip_ws(&c);
    if (!bad && c.p != c.end) bad = "unexpected text after the header dict";
    if (bad) return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: %s", op, what, bad);

    ax_status st = parse_descr(ctx, op, what, descr, info);
    if (st != AX_OK) return st;
    size_t w = ax_dtype_size(info->dtype);
    if (!ax__shape_size(info->shape, info->ndim, &info->size) ||
        (uint64_t)info->size > (uint64_t)(INT64_MAX / 16) || (uint64_t)info->size > SIZE_MAX / w)
        return ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: shape %s is too large", op, what,
                        ax__shape_str(info->shape, info->ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    info->nbytes = (size_t)info->size * w;
    if (info->ndim < 2) info->fortran = false; /* same layout either way */
    return AX_OK;
}

/* ---------------------------------------------------------------- decode */

ax_array *ax__npy_alloc(ax_ctx *ctx, const ax__npy_info *info) {
    ax_array *a = ax__array_new(ctx, info->dtype, info->shape, info->ndim);
    if (!a) return NULL;
    if (ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    return a;
}

/* Column-major src -> row-major dst, elements of w bytes. */
static void fortran_to_c(uint8_t *dst, const uint8_t *src, const int64_t *shape, int ndim,
                         size_t w, int64_t size) {
    int64_t idx[AX_NPY_MAX_NDIM] = {0}, fstride[AX_NPY_MAX_NDIM];
    int64_t s = 1;
    for (int d = 0; d < ndim; d++) {
        fstride[d] = s;
        s *= shape[d];
    }
    int64_t off = 0; /* F-order element offset of idx */
    for (int64_t i = 0; i < size; i++) {
        memcpy(dst + (size_t)i * w, src + (size_t)off * w, w);
        for (int d = ndim - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                off += fstride[d];
                break;
            }
            off -= fstride[d] * (shape[d] - 1);
            idx[d] = 0;
        }
    }
}

ax_array *ax__npy_finish(ax_ctx *ctx, const ax__npy_info *info, ax_array *a) {
    uint8_t *data = a->buf->data;
    if (info->size == 0) return ax__own(ctx, a);
    if (info->swap) ax__byteswap_dtype(data, (size_t)info->size, info->dtype);
    if (info->dtype == AX_BOOL)
        for (int64_t i = 0; i < info->size; i++) data[i] = data[i] != 0;
    if (info->fortran) {
        uint8_t *tmp = ax__malloc(ctx, info->nbytes);
        if (!tmp) {
            ax_release(a);
            return NULL;
        }
        memcpy(tmp, data, info->nbytes);
        fortran_to_c(data, tmp, info->shape, info->ndim, ax_dtype_size(info->dtype), info->size);
        free(tmp);
    }
    return ax__own(ctx, a);
}

/* ---------------------------------------------------------------- encode */

/* The full .npy preamble + header for a (malloc'd); AX_ERR_DTYPE for bf16. */
static ax_status build_header(ax_ctx *ctx, const char *op, ax_array *a, uint8_t **out,
                              size_t *len) {
    char dbuf[8];
    const char *descr = descr_of(a->dtype, dbuf);
    if (!descr)
        return ax__fail(ctx, AX_ERR_DTYPE,
                        "%s: %s has no NumPy dtype; convert it (e.g. ax_astype to float32) first",
                        op, ax_dtype_name(a->dtype));
    size_t cap = 128 + 24 * (size_t)a->ndim;
    char *dict = ax__malloc(ctx, cap);
    if (!dict) return ctx->status;
    size_t n = (size_t)snprintf(dict, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int d = 0; d < a->ndim; d++)
        n += (size_t)snprintf(dict + n, cap - n, d ? ", %lld" : "%lld", (long long)a->shape[d]);
    n += (size_t)snprintf(dict + n, cap - n, "%s), }", a->ndim == 1 ? "," : "");
    /* Version 1.0 unless the padded header overflows its 16-bit length. */
    size_t pre = 10, total = (pre + n + 1 + 63) / 64 * 64;
    if (total - pre > 65535) pre = 12, total = (pre + n + 1 + 63) / 64 * 64;
    uint8_t *h = ax__malloc(ctx, total);
    if (!h) {
        free(dict);
        return ctx->status;
    }
    memcpy(h, npy_magic, 6);
    h[6] = pre == 10 ? 1 : 2;
    h[7] = 0;
    if (pre == 10) ax__wr16(h + 8, (uint16_t)(total - pre));
    else ax__wr32(h + 8, (uint32_t)(total - pre));
    memcpy(h + pre, dict, n);
    memset(h + pre + n, ' ', total - pre - n - 1);
    h[total - 1] = '\n';
    free(dict);
    *out = h;
    *len = total;
    return AX_OK;
}

ax_status ax__npy_size(ax_ctx *ctx, const char *op, ax_array *a, uint64_t *size) {
    uint8_t *h;
    size_t len;
    ax_status st = build_header(ctx, op, a, &h, &len);
    if (st != AX_OK) return st;
    free(h);
    *size = (uint64_t)len + ax_nbytes(a);
    return AX_OK;
}

ax_status ax__npy_write(ax_ctx *ctx, const char *op, ax_array *a, ax__sink *s) {
    uint8_t *h;
    size_t len;
    ax_status st = build_header(ctx, op, a, &h, &len);
    if (st != AX_OK) return st;
    const void *data = a->size ? ax_data(ctx, a) : NULL;
    if (a->size && !data) {
        free(h);
        return ctx->status;
    }
    bool ok = s->write(s, h, len) && (!a->size || ax__sink_write_le(s, data, (size_t)a->size, a->dtype));
    free(h);
    return ok ? AX_OK : AX_ERR_IO;
}

/* ---------------------------------------------------------------- public */

ax_status ax_save_npy(ax_ctx *ctx, const char *path, ax_array *a) {
    if (!ctx) return AX_ERR_NULL;
    if (!a) return ax__null_input(ctx, "save_npy"), ctx->status;
    uint64_t size;
    ax_status st = ax__npy_size(ctx, "save_npy", a, &size);
    if (st != AX_OK) return st;
    if ((st = ax_eval1(ctx, a)) != AX_OK) return st; /* before touching the file */
    ax__file_sink fs;
    if ((st = ax__file_sink_open(ctx, "save_npy", path, &fs)) != AX_OK) return st;
    st = ax__npy_write(ctx, "save_npy", a, &fs.base);
    return ax__file_sink_close(ctx, "save_npy", path, &fs, st == AX_OK);
}

static ax_array *load_bytes(ax_ctx *ctx, const char *op, const char *what, const uint8_t *p,
                            size_t size) {
    ax__npy_info info;
    if (ax__npy_parse(ctx, op, what, p, size, &info) != AX_OK) return NULL;
    size_t avail = size - info.header_len;
    if (avail < info.nbytes)
        return ax__error(ctx, AX_ERR_FORMAT, "%s: %s: truncated data (%zu bytes needed, %zu present)",
                         op, what, info.nbytes, avail);
    if (avail > info.nbytes)
        return ax__error(ctx, AX_ERR_FORMAT, "%s: %s: %zu unexpected bytes after the data", op,
                         what, avail - info.nbytes);
    ax_array *a = ax__npy_alloc(ctx, &info);
    if (!a) return NULL;
    if (info.nbytes) memcpy(a->buf->data, p + info.header_len, info.nbytes);
    return ax__npy_finish(ctx, &info, a);
}

/* Files are read with pread straight into the array's buffer (no mapping:
 * one copy, and a file truncated meanwhile is an error, not a SIGBUS). */
static ax_array *load_fd(ax_ctx *ctx, const char *op, const char *path, const char *what, int fd,
                         size_t size) {
    uint8_t pre[12];
    size_t n = size < sizeof pre ? size : sizeof pre;
    if (ax__pread_all(ctx, op, path, fd, pre, n, 0) != AX_OK) return NULL;
    size_t plen = ax__npy_preamble_len(pre, n), need = n;
    if (plen && n >= plen) {
        size_t hlen = plen == 10 ? ax__rd16(pre + 8) : ax__rd32(pre + 8);
        if (hlen <= AX_NPY_MAX_HEADER) need = plen + hlen < size ? plen + hlen : size;
    }
    uint8_t *head = ax__malloc(ctx, need ? need : 1);
    if (!head) return NULL;
    ax__npy_info info;
    ax_array *a = NULL;
    if (ax__pread_all(ctx, op, path, fd, head, need, 0) == AX_OK &&
        ax__npy_parse(ctx, op, what, head, need, &info) == AX_OK) {
        size_t avail = size - info.header_len;
        if (avail < info.nbytes)
            ax__error(ctx, AX_ERR_FORMAT, "%s: %s: truncated data (%zu bytes needed, %zu present)", op,
                      what, info.nbytes, avail);
        else if (avail > info.nbytes)
            ax__error(ctx, AX_ERR_FORMAT, "%s: %s: %zu unexpected bytes after the data", op, what,
                      avail - info.nbytes);
        else if ((a = ax__npy_alloc(ctx, &info)) &&
                 ax__pread_all(ctx, op, path, fd, a->buf->data, info.nbytes, info.header_len) != AX_OK) {
            ax_release(a);
            a = NULL;
        }
        if (a) a = ax__npy_finish(ctx, &info, a);
    }
    free(head);
    return a;
}

ax_array *ax_load_npy(ax_ctx *ctx, const char *path) {
    AX_CHECK_CTX(ctx);
    int fd;
    size_t size = 0;
    if (ax__open_read(ctx, "load_npy", path, &fd, &size) != AX_OK) return NULL;
    size_t qn = strlen(path) + 3;
    char *what = ax__malloc(ctx, qn);
    ax_array *a = NULL;
    if (what) {
        snprintf(what, qn, "'%s'", path);
        a = load_fd(ctx, "load_npy", path, what, fd, size);
        free(what);
    }
    close(fd);
    return a;
}

ax_array *ax_load_npy_buffer(ax_ctx *ctx, const void *data, size_t size) {
    AX_CHECK_CTX(ctx);
    if (!data && size) return ax__error(ctx, AX_ERR_NULL, "load_npy_buffer: data is NULL");
    return load_bytes(ctx, "load_npy_buffer", "buffer", data ? data : (const void *)"", size);
}
