/* Ordered string-keyed maps: ax_dict (name -> array, holds a reference to
 * each array) and ax_strmap (string -> string). Both are one generic map:
 * entries in insertion order plus an open-addressing hash index. */
#include <stdlib.h>

#include "core/internal.h"
#include "io/io_internal.h"

typedef struct omap {
    char **keys;
    void **vals;
    uint64_t *hashes;
    int len, cap;
    int *index; /* slots: -1 empty, else entry number; nslots is a power of 2 */
    size_t nslots;
    void (*drop)(void *); /* releases a value */
} omap;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int omap_find(const omap *m, const char *key, uint64_t h) {
    if (!m->nslots) return -1;
    for (size_t i = h & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
        int e = m->index[i];
        if (e < 0) return -1;
        if (m->hashes[e] == h && strcmp(m->keys[e], key) == 0) return e;
    }
}

static bool omap_reindex(omap *m, size_t nslots) {
    int *index = malloc(nslots * sizeof *index);
    if (!index) return false;
    for (size_t i = 0; i < nslots; i++) index[i] = -1;
    for (int e = 0; e < m->len; e++) {
        size_t i = m->hashes[e] & (nslots - 1);
        while (index[i] >= 0) i = (i + 1) & (nslots - 1);
        index[i] = e;
    }
    free(m->index);
    m->index = index;
    m->nslots = nslots;
    return true;
}

/* Insert or replace; takes ownership of val on success. */
static ax_status omap_set(omap *m, const char *key, void *val) {
    uint64_t h = hash_str(key);
    int e = omap_find(m, key, h);
    if (e >= 0) {
        void *old = m->vals[e];
        m->vals[e] = val;
        m->drop(old);
        return AX_OK;
    }
    if (m->len == INT32_MAX - 1) return AX_ERR_OOM;
    if (m->len == m->cap) {
        int cap = m->cap ? (m->cap > INT32_MAX / 4 ? INT32_MAX - 1 : m->cap * 2) : 8;
        char **keys = realloc(m->keys, (size_t)cap * sizeof *keys);
        if (!keys) return AX_ERR_OOM;
        m->keys = keys;
        void **vals = realloc(m->vals, (size_t)cap * sizeof *vals);
        if (!vals) return AX_ERR_OOM;
        m->vals = vals;
        uint64_t *hashes = realloc(m->hashes, (size_t)cap * sizeof *hashes);
        if (!hashes) return AX_ERR_OOM;
        m->hashes = hashes;
        m->cap = cap;
    }
    if ((size_t)(m->len + 1) * 2 > m->nslots && !omap_reindex(m, m->nslots ? m->nslots * 2 : 16))
        return AX_ERR_OOM;
    char *k = strdup(key);
    if (!k) return AX_ERR_OOM;
    e = m->len++;
    m->keys[e] = k;
    m->vals[e] = val;
    m->hashes[e] = h;
    size_t i = h & (m->nslots - 1);
    while (m->index[i] >= 0) i = (i + 1) & (m->nslots - 1);
    m->index[i] = e;
    return AX_OK;
}

static void omap_clear(omap *m) {
    for (int e = 0; e < m->len; e++) {
        free(m->keys[e]);
        m->drop(m->vals[e]);
    }
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    free(m->index);
}

/* ---------------------------------------------------------------- ax_dict */

struct ax_dict {
    omap m;
};

static void drop_array(void *p) { ax_release(p); }

ax_dict *ax_dict_new(void) {
    ax_dict *d = calloc(1, sizeof *d);
    if (d) d->m.drop = drop_array;
    return d;
}

void ax_dict_free(ax_dict *d) {
    if (!d) return;
    omap_clear(&d->m);
    free(d);
}

ax_status ax_dict_set(ax_dict *d, const char *name, ax_array *a) {
    if (!d || !name || !a) return AX_ERR_NULL;
    ax_retain(a);
    ax_status st = omap_set(&d->m, name, a);
    if (st != AX_OK) ax_release(a);
    return st;
}

ax_array *ax_dict_get(const ax_dict *d, const char *name) {
    if (!d || !name) return NULL;
    int e = omap_find(&d->m, name, hash_str(name));
    return e >= 0 ? d->m.vals[e] : NULL;
}

int ax_dict_size(const ax_dict *d) { return d ? d->m.len : 0; }

const char *ax_dict_key(const ax_dict *d, int i) {
    return d && i >= 0 && i < d->m.len ? d->m.keys[i] : NULL;
}

ax_array *ax_dict_value(const ax_dict *d, int i) {
    return d && i >= 0 && i < d->m.len ? d->m.vals[i] : NULL;
}

/* ---------------------------------------------------------------- ax_strmap */

struct ax_strmap {
    omap m;
};

static void drop_str(void *p) { free(p); }

ax_strmap *ax_strmap_new(void) {
    ax_strmap *m = calloc(1, sizeof *m);
    if (m) m->m.drop = drop_str;
    return m;
}

void ax_strmap_free(ax_strmap *m) {
    if (!m) return;
    omap_clear(&m->m);
    free(m);
}

ax_status ax_strmap_set(ax_strmap *m, const char *key, const char *value) {
    if (!m || !key || !value) return AX_ERR_NULL;
    char *v = strdup(value);
    if (!v) return AX_ERR_OOM;
    ax_status st = omap_set(&m->m, key, v);
    if (st != AX_OK) free(v);
    return st;
}

const char *ax_strmap_get(const ax_strmap *m, const char *key) {
    if (!m || !key) return NULL;
    int e = omap_find(&m->m, key, hash_str(key));
    return e >= 0 ? m->m.vals[e] : NULL;
}

int ax_strmap_size(const ax_strmap *m) { return m ? m->m.len : 0; }

const char *ax_strmap_key(const ax_strmap *m, int i) {
    return m && i >= 0 && i < m->m.len ? m->m.keys[i] : NULL;
}

const char *ax_strmap_value(const ax_strmap *m, int i) {
    return m && i >= 0 && i < m->m.len ? m->m.vals[i] : NULL;
}
