/* NumPy .npz: a zip archive of .npy members named "<key>.npy".
 *
 * Loading accepts stored and deflated members (np.savez and
 * np.savez_compressed), checks every member's CRC-32, and rejects members
 * that are not .npy files, duplicate names and anything malformed; it is all
 * or nothing: `out` gains entries only when every member loaded. The loaded
 * arrays are owned by `out` alone (no scope holds them). Deflated members
 * are inflated straight into the array's buffer. */
#include <stdlib.h>

#include "core/internal.h"
#include "io/io_internal.h"

/* One .npy member into a new array (owned by the current scope). */
static ax_array *load_member(ax_ctx *ctx, const char *op, const char *what,
                             const ax__zip_entry *e) {
    ax__zip_reader r;
    if (ax__zip_reader_init(ctx, &r, e, op, what) != AX_OK) return NULL;
    ax_array *a = NULL;
    uint8_t *head = NULL;
    uint8_t pre[12];
    ax__npy_info info;
    if (e->usize < 10) {
        ax__error(ctx, AX_ERR_FORMAT, "%s: %s: not a .npy file (%llu bytes)", op, what,
                  (unsigned long long)e->usize);
        goto done;
    }
    if (ax__zip_read(ctx, &r, pre, 8) != AX_OK) goto done;
    size_t plen = ax__npy_preamble_len(pre, 8);
    if (!plen) {
        ax__npy_parse(ctx, op, what, pre, 8, &info); /* records why */
        goto done;
    }
    if (ax__zip_read(ctx, &r, pre + 8, plen - 8) != AX_OK) goto done;
    size_t hlen = plen == 10 ? ax__rd16(pre + 8) : ax__rd32(pre + 8);
    if (hlen > AX_NPY_MAX_HEADER || hlen > e->usize - plen) {
        ax__npy_parse(ctx, op, what, pre, plen, &info); /* reports size or truncation */
        if (ax_error_code(ctx) == AX_OK)
            ax__error(ctx, AX_ERR_FORMAT, "%s: %s: truncated header", op, what);
        goto done;
    }
    if (!(head = ax__malloc(ctx, plen + hlen))) goto done;
    memcpy(head, pre, plen);
    if (ax__zip_read(ctx, &r, head + plen, hlen) != AX_OK) goto done;
    if (ax__npy_parse(ctx, op, what, head, plen + hlen, &info) != AX_OK) goto done;
    if (info.nbytes != e->usize - info.header_len) {
        ax__error(ctx, AX_ERR_FORMAT,
                  "%s: %s: member holds %llu bytes of data but its header needs %zu", op, what,
                  (unsigned long long)(e->usize - info.header_len), info.nbytes);
        goto done;
    }
    if (!(a = ax__npy_alloc(ctx, &info))) goto done;
    if (ax__zip_read(ctx, &r, a->buf->data, info.nbytes) != AX_OK ||
        ax__zip_reader_end(ctx, &r) != AX_OK) {
        ax_release(a);
        a = NULL;
        goto done;
    }
    a = ax__npy_finish(ctx, &info, a);
done:
    free(head);
    ax__zip_reader_free(&r);
    return a;
}

ax_status ax__load_npz_buffer(ax_ctx *ctx, const char *what, const void *data, size_t size,
                              ax_dict *out) {
    const char *op = "load_npz";
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "%s: output dict is NULL", op);
    ax__zip_entry *es;
    size_t n;
    ax_status st = ax__zip_open(ctx, op, what, data, size, &es, &n);
    if (st != AX_OK) return st;
    ax_dict *tmp = ax_dict_new();
    if (!tmp) {
        ax__zip_free(es, n);
        return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory", op);
    }
    ax_scope_begin(ctx); /* the dict alone keeps what we load */
    for (size_t i = 0; i < n && st == AX_OK; i++) {
        const char *name = es[i].name;
        size_t len = strlen(name);
        if (len < 4 || strcmp(name + len - 4, ".npy") != 0) {
            st = ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: member '%s' is not a .npy file", op, what, name);
            break;
        }
        es[i].name[len - 4] = 0; /* the key */
        if (ax_dict_get(tmp, name)) {
            st = ax__fail(ctx, AX_ERR_FORMAT, "%s: %s: member '%s.npy' appears twice", op, what, name);
            break;
        }
        size_t wn = strlen(what) + len + 32;
        char *mwhat = ax__malloc(ctx, wn);
        if (!mwhat) {
            st = ctx->status;
            break;
        }
        snprintf(mwhat, wn, "%s member '%s.npy'", what, name);
        ax_array *a = load_member(ctx, op, mwhat, &es[i]);
        free(mwhat);
        if (!a) st = ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
        else if ((st = ax_dict_set(tmp, name, a)) != AX_OK) ax__fail(ctx, st, "%s: out of host memory", op);
    }
    ax_scope_end(ctx);
    for (int i = 0; i < ax_dict_size(tmp) && st == AX_OK; i++)
        if ((st = ax_dict_set(out, ax_dict_key(tmp, i), ax_dict_value(tmp, i))) != AX_OK)
            ax__fail(ctx, st, "%s: out of host memory", op);
    ax_dict_free(tmp);
    ax__zip_free(es, n);
    return st;
}

ax_status ax_load_npz(ax_ctx *ctx, const char *path, ax_dict *out) {
    if (!ctx) return AX_ERR_NULL;
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "load_npz: output dict is NULL");
    ax__mapping m;
    ax_status st = ax__map_file(ctx, "load_npz", path, &m);
    if (st != AX_OK) return st;
    size_t qn = strlen(path) + 3;
    char *what = ax__malloc(ctx, qn);
    if (what) {
        snprintf(what, qn, "'%s'", path);
        st = ax__load_npz_buffer(ctx, what, m.data ? m.data : (const void *)"", m.size, out);
        free(what);
    } else {
        st = ctx->status;
    }
    ax__unmap(&m);
    return st;
}

ax_status ax_save_npz(ax_ctx *ctx, const char *path, const ax_dict *arrays, bool compressed) {
    const char *op = compressed ? "save_npz(compressed)" : "save_npz";
    if (!ctx) return AX_ERR_NULL;
    if (!arrays) return ax__fail(ctx, AX_ERR_NULL, "%s: dict is NULL", op);
    int n = ax_dict_size(arrays);
    ax_array **list = n ? ax__malloc(ctx, (size_t)n * sizeof *list) : NULL;
    if (n && !list) return ctx->status;
    ax_status st = AX_OK;
    uint64_t total = 22; /* stored archives: known exactly, check before writing */
    for (int i = 0; i < n && st == AX_OK; i++) {
        uint64_t size;
        list[i] = ax_dict_value(arrays, i);
        st = ax__npy_size(ctx, op, list[i], &size);
        total += size + 30 + 46 + 2 * (strlen(ax_dict_key(arrays, i)) + 4);
        if (st == AX_OK && size > 0xFFFFFFFFu)
            st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                          "%s: array '%s' needs %llu bytes; members over 4 GiB need ZIP64, which is not supported",
                          op, ax_dict_key(arrays, i), (unsigned long long)size);
    }
    if (st == AX_OK && (n > 65535 || (!compressed && total > 0xFFFFFFFFu)))
        st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                      "%s: %d arrays in %llu bytes exceed the zip limits (65535 members, 4 GiB); ZIP64 writing is not supported",
                      op, n, (unsigned long long)total);
    if (st == AX_OK && n) st = ax_eval(ctx, list, n); /* before touching the file */
    free(list);
    if (st != AX_OK) return st;

    ax__file_sink fs;
    if ((st = ax__file_sink_open(ctx, op, path, &fs)) != AX_OK) return st;
    ax__zip_writer *w = ax__zip_writer_new(ctx, op, path, fs.f);
    if (!w) return ax__file_sink_close(ctx, op, path, &fs, false);
    for (int i = 0; i < n && st == AX_OK; i++) {
        const char *key = ax_dict_key(arrays, i);
        size_t kn = strlen(key) + 5;
        char *name = ax__malloc(ctx, kn);
        if (!name) {
            st = ctx->status;
            break;
        }
        snprintf(name, kn, "%s.npy", key);
        ax__sink *s = ax__zip_begin_member(ctx, w, name, compressed);
        free(name);
        if (!s) st = ctx->status;
        else if ((st = ax__npy_write(ctx, op, ax_dict_value(arrays, i), s)) == AX_OK)
            st = ax__zip_end_member(ctx, w);
    }
    st = ax__zip_writer_finish(ctx, w, st == AX_OK);
    return ax__file_sink_close(ctx, op, path, &fs, st == AX_OK);
}
