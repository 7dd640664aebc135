/* safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * ({"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}),
 * then the tensors' bytes.
 *
 * Validation follows the reference implementation: the header is at most
 * 100 MiB and starts with '{'; names are unique; every dtype is known; each
 * tensor's data_offsets span exactly size * itemsize bytes; sorted by offset,
 * the tensors tile the data section with no gap or overlap and end exactly at
 * the end of the file. Unknown keys inside a tensor entry are ignored.
 *
 * ax_load_safetensors maps the file: arrays whose data is aligned to their
 * element size are zero-copy views of the mapping, which is unmapped when the
 * last of them is freed (others, and bool tensors holding bytes other than
 * 0/1, are copied). ax_load_safetensors_buffer always copies, so the caller's
 * buffer may be freed as soon as it returns. Loaded arrays are owned by `out`
 * alone; `out` and `metadata` are filled only when the whole file is valid. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/internal.h"
#include "io/io_internal.h"

/* The safetensors dtypes ax reads and writes. The 8-bit floats load as uint8
 * arrays of their codes; they come after U8, so a uint8 array is written as
 * U8 unless the caller names one of them (ax_save_safetensors_ex). */
static const struct {
    const char *name;
    ax_dtype dtype;
} st_dtypes[] = {
    {"BOOL", AX_BOOL},   {"U8", AX_UINT8},       {"I8", AX_INT8},        {"I16", AX_INT16},
    {"U16", AX_UINT16},  {"F16", AX_FLOAT16},    {"BF16", AX_BFLOAT16},  {"I32", AX_INT32},
    {"U32", AX_UINT32},  {"F32", AX_FLOAT32},    {"F64", AX_FLOAT64},    {"I64", AX_INT64},
    {"U64", AX_UINT64},  {"C64", AX_COMPLEX64},
    {"F8_E4M3", AX_UINT8}, {"F8_E5M2", AX_UINT8}, {"F8_E8M0", AX_UINT8},
};
#define N_ST_DTYPES (sizeof st_dtypes / sizeof *st_dtypes)
/* Valid safetensors dtypes that ax has no type for. */
static const char *const st_unsupported[] = {"F6_E2M3", "F6_E3M2", "F4", "C128"};

/* The index in st_dtypes of a safetensors dtype name, or -1. */
static int st_find(const char *name) {
    for (size_t k = 0; k < N_ST_DTYPES; k++)
        if (strcmp(st_dtypes[k].name, name) == 0) return (int)k;
    return -1;
}

#define MAX_EXACT 9007199254740992.0 /* 2^53: integers a double holds exactly */

typedef struct st_mapping {
    atomic_long refs;
    ax__mapping m;
} st_mapping;

static void mapping_release(void *data, void *user) {
    (void)data;
    st_mapping *sm = user;
    if (atomic_fetch_sub(&sm->refs, 1) == 1) {
        ax__unmap(&sm->m);
        free(sm);
    }
}

typedef struct st_entry {
    const char *name, *st_dtype; /* st_dtype: the name in st_dtypes */
    ax_dtype dtype;
    int ndim;
    int64_t *shape; /* points into the entry table's shape pool */
    uint64_t begin, end;
} st_entry;

typedef struct st_parse {
    ax_ctx *ctx;
    const char *op, *what;
} st_parse;

#define PFAIL(ps, code, ...) ax__fail((ps)->ctx, code, __VA_ARGS__)

/* A JSON number that is an exact non-negative integer below 2^53. */
static bool json_uint(const cJSON *j, uint64_t *v) {
    if (!cJSON_IsNumber(j)) return false;
    double d = j->valuedouble;
    if (!(d >= 0 && d <= MAX_EXACT) || d != (double)(uint64_t)d) return false;
    *v = (uint64_t)d;
    return true;
}

static ax_status parse_tensor(st_parse *ps, const cJSON *t, st_entry *e, int64_t **pool,
                              int64_t *pool_left) {
    const char *name = t->string;
    if (!cJSON_IsObject(t))
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' is not a JSON object", ps->op, ps->what, name);
    const cJSON *dtype = NULL, *shape = NULL, *offs = NULL;
    for (const cJSON *f = t->child; f; f = f->next) {
        const cJSON **slot = strcmp(f->string, "dtype") == 0          ? &dtype
                             : strcmp(f->string, "shape") == 0        ? &shape
                             : strcmp(f->string, "data_offsets") == 0 ? &offs
                                                                      : NULL;
        if (!slot) continue;
        if (*slot)
            return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' repeats the key '%s'", ps->op,
                         ps->what, name, f->string);
        *slot = f;
    }
    if (!dtype || !shape || !offs)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' lacks '%s'", ps->op, ps->what, name,
                     !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (!cJSON_IsString(dtype))
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s': dtype is not a string", ps->op, ps->what, name);
    int k = st_find(dtype->valuestring);
    if (k < 0) {
        for (size_t u = 0; u < sizeof st_unsupported / sizeof *st_unsupported; u++)
            if (strcmp(st_unsupported[u], dtype->valuestring) == 0)
                return PFAIL(ps, AX_ERR_DTYPE, "%s: %s: tensor '%s': dtype %s is not supported by ax",
                             ps->op, ps->what, name, dtype->valuestring);
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s': unknown dtype '%.32s'", ps->op,
                     ps->what, name, dtype->valuestring);
    }
    e->dtype = st_dtypes[k].dtype;
    e->st_dtype = st_dtypes[k].name;
    if (!cJSON_IsArray(shape))
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s': shape is not an array", ps->op, ps->what, name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > *pool_left)
        return PFAIL(ps, AX_ERR_INTERNAL, "%s: %s: shape pool exhausted", ps->op, ps->what);
    e->ndim = ndim;
    e->shape = *pool;
    int d = 0;
    for (const cJSON *s = shape->child; s; s = s->next, d++) {
        uint64_t v;
        if (!json_uint(s, &v))
            return PFAIL(ps, AX_ERR_FORMAT,
                         "%s: %s: tensor '%s': shape holds a value that is not a non-negative integer below 2^53",
                         ps->op, ps->what, name);
        e->shape[d] = (int64_t)v;
    }
    *pool += ndim;
    *pool_left -= ndim;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !json_uint(offs->child, &e->begin) ||
        !json_uint(offs->child->next, &e->end) || e->begin > e->end)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s': data_offsets is not [begin, end] with begin <= end",
                     ps->op, ps->what, name);
    int64_t size;
    size_t w = ax_dtype_size(e->dtype);
    if (!ax__shape_size(e->shape, ndim, &size) || (uint64_t)size > (uint64_t)(INT64_MAX / 16))
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s': shape %s is too large", ps->op,
                     ps->what, name, ax__shape_str(e->shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    if (e->end - e->begin != (uint64_t)size * w)
        return PFAIL(ps, AX_ERR_FORMAT,
                     "%s: %s: tensor '%s': data_offsets [%llu, %llu] span %llu bytes but %s %s needs %llu",
                     ps->op, ps->what, name, (unsigned long long)e->begin, (unsigned long long)e->end,
                     (unsigned long long)(e->end - e->begin), dtype->valuestring,
                     ax__shape_str(e->shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                     (unsigned long long)size * w);
    e->name = name;
    return AX_OK;
}

static int cmp_offsets(const void *a, const void *b) {
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp((*(const st_entry *const *)a)->name, (*(const st_entry *const *)b)->name);
}

/* The array for one tensor: a view of the mapping when possible, else a copy. */
static ax_array *make_array(ax_ctx *ctx, const st_entry *e, const uint8_t *src, st_mapping *sm) {
    size_t w = ax_dtype_size(e->dtype), nbytes = (size_t)(e->end - e->begin);
    bool wrap = sm && nbytes && ax__host_le() && (uintptr_t)src % w == 0;
    if (wrap && e->dtype == AX_BOOL)
        for (size_t i = 0; i < nbytes && wrap; i++) wrap = src[i] <= 1;
    if (wrap) {
        atomic_fetch_add(&sm->refs, 1);
        ax_array *a = ax_array_wrap(ctx, (void *)(uintptr_t)src, e->dtype, e->shape, e->ndim,
                                    mapping_release, sm);
        if (!a) atomic_fetch_sub(&sm->refs, 1); /* the loader still holds one */
        return a;
    }
    ax_array *a = ax__array_new(ctx, e->dtype, e->shape, e->ndim);
    if (!a) return NULL;
    if (ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    uint8_t *dst = a->buf->data;
    if (nbytes) memcpy(dst, src, nbytes);
    if (!ax__host_le()) ax__byteswap_dtype(dst, nbytes / w, e->dtype);
    if (e->dtype == AX_BOOL)
        for (size_t i = 0; i < nbytes; i++) dst[i] = dst[i] != 0;
    return ax__own(ctx, a);
}

static ax_status load_all(st_parse *ps, const uint8_t *p, size_t size, st_mapping *sm,
                          ax_dict *out, ax_strmap *metadata, ax_strmap *dtypes) {
    ax_ctx *ctx = ps->ctx;
    const char *op = ps->op, *what = ps->what;
    if (size < 8)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: %zu bytes is too short for a safetensors file", op, what, size);
    uint64_t hlen = ax__rd64(p);
    if (hlen > AX_ST_MAX_HEADER)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: header of %llu bytes exceeds the limit of %u", op,
                     what, (unsigned long long)hlen, AX_ST_MAX_HEADER);
    if (hlen > size - 8)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: header of %llu bytes runs past the end of the file (%zu bytes)",
                     op, what, (unsigned long long)hlen, size);
    const char *hdr = (const char *)p + 8;
    if (hlen < 2 || hdr[0] != '{')
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: header is not a JSON object", op, what);
    if (memchr(hdr, 0, (size_t)hlen))
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: header contains a NUL byte", op, what);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root)
        return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: header is not valid JSON (error near byte %lld)",
                     op, what, end ? (long long)(end - hdr) : -1LL);
    for (const char *c = end; c < hdr + hlen; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r') {
            cJSON_Delete(root);
            return PFAIL(ps, AX_ERR_FORMAT, "%s: %s: unexpected text after the header JSON", op, what);
        }

    ax_status st = AX_OK;
    int n = 0, dims = 0;
    const cJSON *meta = NULL;
    for (const cJSON *c = root->child; c; c = c->next) {
        if (strcmp(c->string, "__metadata__") == 0) {
            if (meta) st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: __metadata__ appears twice", op, what);
            meta = c;
            continue;
        }
        n++;
        if (cJSON_IsObject(c))
            for (const cJSON *f = c->child; f; f = f->next)
                if (strcmp(f->string, "shape") == 0 && cJSON_IsArray(f)) dims += cJSON_GetArraySize(f);
    }
    if (st == AX_OK && meta) {
        if (!cJSON_IsObject(meta)) st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: __metadata__ is not an object", op, what);
        for (const cJSON *m = meta->child; m && st == AX_OK; m = m->next)
            if (!cJSON_IsString(m))
                st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: __metadata__ value '%s' is not a string", op, what, m->string);
    }
    st_entry *es = NULL, **sorted = NULL;
    int64_t *pool = NULL;
    if (st == AX_OK && n) {
        es = ax__calloc(ctx, (size_t)n, sizeof *es);
        sorted = ax__calloc(ctx, (size_t)n, sizeof *sorted);
        pool = ax__calloc(ctx, (size_t)dims + 1, sizeof *pool);
        if (!es || !sorted || !pool) st = ctx->status;
    }
    int k = 0;
    int64_t *next = pool, left = dims;
    for (const cJSON *c = root->child; c && st == AX_OK; c = c->next) {
        if (c == meta) continue;
        sorted[k] = &es[k];
        st = parse_tensor(ps, c, &es[k++], &next, &left);
    }
    if (st == AX_OK && n > 1) {
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_names);
        for (int i = 1; i < n && st == AX_OK; i++)
            if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
                st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' appears twice", op, what, sorted[i]->name);
    }
    uint64_t data_len = size - 8 - hlen, pos = 0;
    if (st == AX_OK && n) {
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_offsets);
        for (int i = 0; i < n && st == AX_OK; i++) {
            const st_entry *e = sorted[i];
            if (e->begin != pos)
                st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' starts at data offset %llu; expected %llu (%s)",
                           op, what, e->name, (unsigned long long)e->begin, (unsigned long long)pos,
                           e->begin < pos ? "overlap" : "gap");
            else if (e->end > data_len)
                st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: tensor '%s' ends at data offset %llu, past the end of the file (%llu data bytes)",
                           op, what, e->name, (unsigned long long)e->end, (unsigned long long)data_len);
            pos = e->end;
        }
    }
    if (st == AX_OK && pos != data_len)
        st = PFAIL(ps, AX_ERR_FORMAT, "%s: %s: %llu data bytes follow the tensors' data", op, what,
                   (unsigned long long)(data_len - pos));

    ax_dict *tmp = st == AX_OK ? ax_dict_new() : NULL;
    if (st == AX_OK && !tmp) st = PFAIL(ps, AX_ERR_OOM, "%s: out of host memory", op);
    ax_scope_begin(ctx); /* the dict alone keeps what we load */
    const uint8_t *data = p + 8 + hlen;
    for (int i = 0; i < n && st == AX_OK; i++) {
        ax_array *a = make_array(ctx, &es[i], data + es[i].begin, sm);
        if (!a) st = ctx->status != AX_OK ? ctx->status : AX_ERR_INTERNAL;
        else if ((st = ax_dict_set(tmp, es[i].name, a)) != AX_OK) PFAIL(ps, st, "%s: out of host memory", op);
    }
    ax_scope_end(ctx);
    for (int i = 0; i < n && st == AX_OK; i++)
        if ((st = ax_dict_set(out, ax_dict_key(tmp, i), ax_dict_value(tmp, i))) != AX_OK)
            PFAIL(ps, st, "%s: out of host memory", op);
    if (st == AX_OK && meta && metadata)
        for (const cJSON *m = meta->child; m && st == AX_OK; m = m->next)
            if ((st = ax_strmap_set(metadata, m->string, m->valuestring)) != AX_OK)
                PFAIL(ps, st, "%s: out of host memory", op);
    for (int i = 0; i < n && st == AX_OK && dtypes; i++)
        if ((st = ax_strmap_set(dtypes, es[i].name, es[i].st_dtype)) != AX_OK)
            PFAIL(ps, st, "%s: out of host memory", op);
    ax_dict_free(tmp);
    free(es);
    free(sorted);
    free(pool);
    cJSON_Delete(root);
    return st;
}

ax_status ax_load_safetensors_ex(ax_ctx *ctx, const char *path, ax_dict *out, ax_strmap *metadata,
                                 ax_strmap *dtypes) {
    if (!ctx) return AX_ERR_NULL;
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "load_safetensors: output dict is NULL");
    st_mapping *sm = ax__calloc(ctx, 1, sizeof *sm);
    if (!sm) return ctx->status;
    atomic_init(&sm->refs, 1);
    ax_status st = ax__map_file(ctx, "load_safetensors", path, &sm->m);
    if (st != AX_OK) {
        free(sm);
        return st;
    }
    size_t qn = strlen(path) + 3;
    char *what = ax__malloc(ctx, qn);
    if (what) {
        snprintf(what, qn, "'%s'", path);
        st_parse ps = {ctx, "load_safetensors", what};
        st = load_all(&ps, sm->m.data ? sm->m.data : (const void *)"", sm->m.size, sm, out, metadata, dtypes);
        free(what);
    } else {
        st = ctx->status;
    }
    mapping_release(NULL, sm); /* arrays that view the file keep it mapped */
    return st;
}

ax_status ax_load_safetensors_buffer_ex(ax_ctx *ctx, const void *data, size_t size, ax_dict *out,
                                        ax_strmap *metadata, ax_strmap *dtypes) {
    if (!ctx) return AX_ERR_NULL;
    if (!out) return ax__fail(ctx, AX_ERR_NULL, "load_safetensors_buffer: output dict is NULL");
    if (!data && size) return ax__fail(ctx, AX_ERR_NULL, "load_safetensors_buffer: data is NULL");
    st_parse ps = {ctx, "load_safetensors_buffer", "buffer"};
    return load_all(&ps, data ? data : (const void *)"", size, NULL, out, metadata, dtypes);
}

ax_status ax_load_safetensors(ax_ctx *ctx, const char *path, ax_dict *out, ax_strmap *metadata) {
    return ax_load_safetensors_ex(ctx, path, out, metadata, NULL);
}

ax_status ax_load_safetensors_buffer(ax_ctx *ctx, const void *data, size_t size, ax_dict *out,
                                     ax_strmap *metadata) {
    return ax_load_safetensors_buffer_ex(ctx, data, size, out, metadata, NULL);
}

/* ---------------------------------------------------------------- save */

/* "[a,b,...]" as a raw JSON item (exact integers, unlike cJSON's doubles). */
static cJSON *raw_ints(const int64_t *v, int n) {
    size_t cap = 3 + 21 * (size_t)n, len = 1;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '[';
    for (int i = 0; i < n; i++) len += (size_t)snprintf(s + len, cap - len, i ? ",%lld" : "%lld", (long long)v[i]);
    snprintf(s + len, cap - len, "]");
    cJSON *j = cJSON_CreateRaw(s);
    free(s);
    return j;
}

/* The safetensors name of an ax dtype (its first in st_dtypes), or NULL. */
static const char *st_name(ax_dtype t) {
    for (size_t k = 0; k < N_ST_DTYPES; k++)
        if (st_dtypes[k].dtype == t) return st_dtypes[k].name;
    return NULL;
}

/* The header JSON padded with spaces so the data starts 8-byte aligned. */
static char *build_header(ax_ctx *ctx, const char *op, const ax_dict *arrays,
                          const ax_strmap *metadata, const ax_strmap *dtypes, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    if (ok && ax_strmap_size(metadata)) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        ok = m != NULL;
        for (int i = 0; ok && i < ax_strmap_size(metadata); i++)
            ok = cJSON_AddStringToObject(m, ax_strmap_key(metadata, i), ax_strmap_value(metadata, i)) != NULL;
    }
    int64_t off = 0;
    for (int i = 0; ok && i < ax_dict_size(arrays); i++) {
        ax_array *a = ax_dict_value(arrays, i);
        int64_t offs[2] = {off, off + (int64_t)ax_nbytes(a)};
        off = offs[1];
        const char *key = ax_dict_key(arrays, i), *dt = ax_strmap_get(dtypes, key); /* checked by the caller */
        cJSON *t = cJSON_AddObjectToObject(root, key);
        cJSON *shape = raw_ints(a->shape, a->ndim), *span = raw_ints(offs, 2);
        ok = t && shape && span && cJSON_AddStringToObject(t, "dtype", dt ? dt : st_name(a->dtype));
        if (ok) cJSON_AddItemToObject(t, "shape", shape), shape = NULL;
        if (ok) cJSON_AddItemToObject(t, "data_offsets", span), span = NULL;
        cJSON_Delete(shape);
        cJSON_Delete(span);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory for the header", op);
    size_t n = strlen(text), padded = (8 + n + 7) / 8 * 8 - 8;
    char *h = realloc(text, padded + 1);
    if (!h) {
        free(text);
        return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory for the header", op);
    }
    memset(h + n, ' ', padded - n);
    h[padded] = 0;
    *len = padded;
    return h;
}

ax_status ax_save_safetensors_ex(ax_ctx *ctx, const char *path, const ax_dict *arrays,
                                 const ax_strmap *metadata, const ax_strmap *dtypes) {
    const char *op = "save_safetensors";
    if (!ctx) return AX_ERR_NULL;
    if (!arrays) return ax__fail(ctx, AX_ERR_NULL, "%s: dict is NULL", op);
    int n = ax_dict_size(arrays);
    for (int i = 0; i < n; i++) {
        ax_array *a = ax_dict_value(arrays, i);
        if (strcmp(ax_dict_key(arrays, i), "__metadata__") == 0)
            return ax__fail(ctx, AX_ERR_VALUE, "%s: '__metadata__' cannot name a tensor", op);
        if (!st_name(a->dtype))
            return ax__fail(ctx, AX_ERR_DTYPE, "%s: tensor '%s' has dtype %s, which safetensors cannot hold",
                            op, ax_dict_key(arrays, i), ax_dtype_name(a->dtype));
    }
    for (int i = 0; i < ax_strmap_size(dtypes); i++) {
        const char *key = ax_strmap_key(dtypes, i), *name = ax_strmap_value(dtypes, i);
        ax_array *a = ax_dict_get(arrays, key);
        if (!a) return ax__fail(ctx, AX_ERR_VALUE, "%s: dtypes names tensor '%s', which is not in the dict", op, key);
        int k = st_find(name);
        if (k < 0)
            return ax__fail(ctx, AX_ERR_DTYPE, "%s: tensor '%s': '%.32s' is not a safetensors dtype ax writes",
                            op, key, name);
        if (st_dtypes[k].dtype != a->dtype)
            return ax__fail(ctx, AX_ERR_DTYPE, "%s: tensor '%s' is %s, but dtype %s holds %s", op, key,
                            ax_dtype_name(a->dtype), name, ax_dtype_name(st_dtypes[k].dtype));
    }
    ax_array **list = n ? ax__malloc(ctx, (size_t)n * sizeof *list) : NULL;
    if (n && !list) return ctx->status;
    for (int i = 0; i < n; i++) list[i] = ax_dict_value(arrays, i);
    ax_status st = n ? ax_eval(ctx, list, n) : AX_OK; /* before touching the file */
    free(list);
    if (st != AX_OK) return st;
    size_t hlen = 0;
    char *header = build_header(ctx, op, arrays, metadata, dtypes, &hlen);
    if (!header) return ctx->status;

    ax__file_sink fs;
    if ((st = ax__file_sink_open(ctx, op, path, &fs)) != AX_OK) {
        free(header);
        return st;
    }
    uint8_t len8[8];
    ax__wr64(len8, hlen);
    bool ok = fs.base.write(&fs.base, len8, 8) && fs.base.write(&fs.base, header, hlen);
    free(header);
    for (int i = 0; i < n && ok; i++) {
        ax_array *a = ax_dict_value(arrays, i);
        if (!a->size) continue;
        const void *data = ax_data(ctx, a);
        ok = data && ax__sink_write_le(&fs.base, data, (size_t)a->size, a->dtype);
    }
    return ax__file_sink_close(ctx, op, path, &fs, ok);
}

ax_status ax_save_safetensors(ax_ctx *ctx, const char *path, const ax_dict *arrays,
                              const ax_strmap *metadata) {
    return ax_save_safetensors_ex(ctx, path, arrays, metadata, NULL);
}
