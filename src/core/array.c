/* Array objects: creation, layout, reference counting, graph nodes. */
#include <pthread.h>
#include <stdlib.h>

#include "core/internal.h"

const ax_op_info ax__op_info[AX_OP_COUNT] = {
#define AX_OP(id, name, arity, flags) [AX_OP_##id] = {name, arity, flags},
#include "ops/ops.def"
};

/* Guards node->outputs (weak back-pointers) against a concurrent async eval. */
static pthread_mutex_t node_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- layout */

int64_t ax__row_major_strides(const int64_t *shape, int ndim, int64_t *strides) {
    int64_t n = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = n;
        n *= shape[i];
    }
    return n;
}

bool ax__is_row_major(const int64_t *shape, const int64_t *strides, int ndim) {
    int64_t n = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        if (shape[i] == 0) return true;
        if (shape[i] != 1 && strides[i] != n) return false;
        n *= shape[i];
    }
    return true;
}

bool ax__shape_size(const int64_t *shape, int ndim, int64_t *size) {
    int64_t n = 1;
    bool zero = false;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return false;
        if (shape[i] == 0) zero = true;
        else if (n > INT64_MAX / shape[i]) return false;
        else n *= shape[i];
    }
    if (zero) n = 0;
    *size = n;
    return true;
}

ax_array *ax__array_new_strided(ax_ctx *ctx, ax_dtype dtype, const int64_t *shape,
                                const int64_t *strides, int ndim, int64_t offset) {
    if (ndim < 0) return ax__error(ctx, AX_ERR_SHAPE, "negative number of dimensions %d", ndim);
    if (ndim > AX_MAX_NDIM)
        return ax__error(ctx, AX_ERR_SHAPE, "%d dimensions: arrays have at most %d", ndim,
                         AX_MAX_NDIM);
    int64_t size;
    if (!ax__shape_size(shape, ndim, &size))
        return ax__error(ctx, AX_ERR_SHAPE, "invalid shape %s (negative or too large)",
                         ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    if ((uint64_t)size > (uint64_t)INT64_MAX / 16)
        return ax__error(ctx, AX_ERR_SHAPE, "shape %s is too large",
                         ax__shape_str(shape, ndim, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
    ax_array *a = malloc(sizeof *a + sizeof(int64_t) * 2 * (size_t)ndim);
    if (!a) return ax__error(ctx, AX_ERR_OOM, "out of host memory for an array header");
    atomic_init(&a->refs, 1);
    a->dtype = dtype;
    a->weak = false;
    a->ndim = ndim;
    a->out_index = 0;
    a->size = size;
    a->offset = offset;
    a->shape = a->dims;
    a->strides = a->dims + ndim;
    a->buf = NULL;
    a->dense = NULL;
    a->node = NULL;
    if (ndim) memcpy(a->shape, shape, sizeof(int64_t) * (size_t)ndim);
    if (strides) {
        if (ndim) memcpy(a->strides, strides, sizeof(int64_t) * (size_t)ndim);
    } else {
        ax__row_major_strides(shape, ndim, a->strides);
    }
    a->contiguous = ax__is_row_major(a->shape, a->strides, ndim);
    return a;
}

ax_array *ax__array_new(ax_ctx *ctx, ax_dtype dtype, const int64_t *shape, int ndim) {
    return ax__array_new_strided(ctx, dtype, shape, NULL, ndim, 0);
}

ax_status ax__array_alloc(ax_ctx *ctx, ax_array *a) {
    size_t n = (size_t)a->size * ax_dtype_size(a->dtype);
    a->buf = ax__buffer_new(ctx, n);
    a->offset = 0;
    return a->buf ? AX_OK : AX_ERR_OOM;
}

/* ---------------------------------------------------------------- release */

typedef struct dead_list {
    ax_array **items;
    size_t len, cap;
    ax_array *local[32];
} dead_list;

static void dead_push(dead_list *l, ax_array *a) {
    if (l->len == l->cap) {
        size_t cap = l->cap * 2;
        ax_array **items = l->items == l->local ? malloc(cap * sizeof *items)
                                                : realloc(l->items, cap * sizeof *items);
        if (!items) {
            /* Cannot grow: leak rather than corrupt. Practically unreachable. */
            return;
        }
        if (l->items == l->local) memcpy(items, l->local, sizeof l->local);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = a;
}

/* Drop one node reference; inputs whose last reference it held go to `dead`. */
static void node_unref(ax_node *node, dead_list *dead) {
    if (atomic_fetch_sub_explicit(&node->refs, 1, memory_order_acq_rel) != 1) return;
    for (int i = 0; i < node->n_inputs; i++) {
        ax_array *in = node->inputs[i];
        if (in && atomic_fetch_sub_explicit(&in->refs, 1, memory_order_acq_rel) == 1)
            dead_push(dead, in);
    }
    free(node->inputs);
    free(node->out_specs);
    free(node);
}

/* Free arrays iteratively so long graphs do not recurse deeply. */
static void free_dead(dead_list *dead) {
    while (dead->len) {
        ax_array *a = dead->items[--dead->len];
        ax_node *node = a->node;
        if (node) {
            pthread_mutex_lock(&node_lock);
            node->outputs[a->out_index] = NULL;
            pthread_mutex_unlock(&node_lock);
            node_unref(node, dead);
        }
        ax__buffer_release(a->buf);
        ax__buffer_release(a->dense);
        free(a);
    }
    if (dead->items != dead->local) free(dead->items);
}

void ax_release(ax_array *a) {
    if (!a || atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1) return;
    dead_list dead = {.items = NULL, .len = 0, .cap = 32};
    dead.items = dead.local;
    dead_push(&dead, a);
    free_dead(&dead);
}

void ax__node_detach(ax_array *a) {
    ax_node *node = a->node;
    if (!node) return;
    pthread_mutex_lock(&node_lock);
    node->outputs[a->out_index] = NULL;
    a->node = NULL;
    pthread_mutex_unlock(&node_lock);
    dead_list dead = {.items = NULL, .len = 0, .cap = 32};
    dead.items = dead.local;
    node_unref(node, &dead);
    free_dead(&dead);
}

ax_array *ax__node_output(ax_node *node, int i) {
    pthread_mutex_lock(&node_lock);
    ax_array *a = ax_retain(node->outputs[i]);
    pthread_mutex_unlock(&node_lock);
    return a;
}

void ax__node_retain(ax_node *node) { atomic_fetch_add(&node->refs, 1); }
void ax__node_release(ax_node *node) {
    dead_list dead = {.items = NULL, .len = 0, .cap = 32};
    dead.items = dead.local;
    node_unref(node, &dead);
    free_dead(&dead);
}

/* ---------------------------------------------------------------- nodes */

static ax_node *node_new(ax_ctx *ctx, ax_op op, ax_array *const *inputs, int n_inputs,
                         const void *params, size_t params_size, int n_out) {
    /* one block: node, params, input and output pointer arrays */
    size_t psz = (params_size + 15) & ~(size_t)15;
    ax_node *node = malloc(sizeof *node + psz);
    ax_array **io = malloc(sizeof(ax_array *) * (size_t)(n_inputs + n_out) + 1);
    if (!node || !io) {
        free(node);
        free(io);
        return ax__error(ctx, AX_ERR_OOM, "%s: out of host memory for a graph node",
                         ax__op_info[op].name);
    }
    atomic_init(&node->refs, 0);
    node->op = op;
    node->n_inputs = n_inputs;
    node->n_outputs = n_out;
    node->inputs = io;
    node->outputs = io + n_inputs;
    node->params = params_size ? (void *)(node + 1) : NULL;
    node->params_size = params_size;
    node->mark = 0;
    node->out_specs = NULL;
    node->stream = ctx->stream;
    if (params_size) memcpy(node->params, params, params_size);
    for (int i = 0; i < n_inputs; i++) node->inputs[i] = ax_retain(inputs[i]);
    return node;
}

ax_status ax__make_op_multi(ax_ctx *ctx, ax_op op, ax_array *const *inputs, int n_inputs,
                            const void *params, size_t params_size, int n_out,
                            const ax_dtype *dtypes, const int64_t *const *shapes,
                            const int *ndims, ax_array **out) {
    ax_array *arrs[16];
    if (n_out > 16) return ax__fail(ctx, AX_ERR_INTERNAL, "too many outputs");
    for (int i = 0; i < n_out; i++) {
        arrs[i] = ax__array_new(ctx, dtypes[i], shapes[i], ndims[i]);
        if (!arrs[i]) {
            for (int j = 0; j < i; j++) ax_release(arrs[j]);
            return ctx->status;
        }
    }
    ax_node *node = node_new(ctx, op, inputs, n_inputs, params, params_size, n_out);
    if (!node) {
        for (int j = 0; j < n_out; j++) ax_release(arrs[j]);
        return ctx->status;
    }
    if (n_out > 1) {
        /* one block: the specs, then every output's shape */
        size_t dims = 0;
        for (int i = 0; i < n_out; i++) dims += (size_t)ndims[i];
        ax_out_spec *spec = malloc(sizeof *spec * (size_t)n_out + sizeof(int64_t) * dims);
        if (!spec) {
            atomic_store(&node->refs, 1); /* no output holds it yet */
            ax__node_release(node);
            for (int j = 0; j < n_out; j++) ax_release(arrs[j]);
            return ax__fail(ctx, AX_ERR_OOM, "%s: out of host memory for a graph node",
                            ax__op_info[op].name);
        }
        int64_t *d = (int64_t *)(spec + n_out);
        for (int i = 0; i < n_out; i++) {
            spec[i] = (ax_out_spec){dtypes[i], ndims[i], d};
            if (ndims[i]) memcpy(d, shapes[i], sizeof(int64_t) * (size_t)ndims[i]);
            d += ndims[i];
        }
        node->out_specs = spec;
    }
    for (int i = 0; i < n_out; i++) {
        arrs[i]->node = node;
        arrs[i]->out_index = i;
        node->outputs[i] = arrs[i];
        atomic_fetch_add(&node->refs, 1);
    }
    for (int i = 0; i < n_out; i++) {
        out[i] = ax__own(ctx, arrs[i]);
        if (!out[i]) {
            for (int j = i + 1; j < n_out; j++) ax_release(arrs[j]);
            return ctx->status;
        }
    }
    return AX_OK;
}

ax_array *ax__make_op(ax_ctx *ctx, ax_op op, ax_array *const *inputs, int n_inputs,
                      const void *params, size_t params_size, ax_dtype dtype,
                      const int64_t *shape, int ndim) {
    ax_array *out = NULL;
    const int64_t *shapes[1] = {shape};
    if (ax__make_op_multi(ctx, op, inputs, n_inputs, params, params_size, 1, &dtype, shapes,
                          &ndim, &out) != AX_OK)
        return NULL;
    return out;
}

ax_array *ax__make_view(ax_ctx *ctx, ax_op op, ax_array *in, const void *params,
                        size_t params_size, const int64_t *shape, const int64_t *strides,
                        int ndim, int64_t offset) {
    ax_array *a = ax__array_new_strided(ctx, in->dtype, shape, strides, ndim, offset);
    if (!a) return NULL;
    a->weak = in->weak;
    if (in->buf && !in->node) {
        /* The input exists already: share its buffer now, no node needed. */
        a->buf = in->buf;
        ax__buffer_retain(in->buf);
        return ax__own(ctx, a);
    }
    ax_node *node = node_new(ctx, op, &in, 1, params, params_size, 1);
    if (!node) {
        ax_release(a);
        return NULL;
    }
    a->node = node;
    node->outputs[0] = a;
    atomic_fetch_add(&node->refs, 1);
    return ax__own(ctx, a);
}

/* ---------------------------------------------------------------- axes, broadcasting */

bool ax__norm_axis(ax_ctx *ctx, const char *op, int axis, int ndim, int *out) {
    int a = axis < 0 ? axis + ndim : axis;
    if (a < 0 || a >= ndim) {
        ax__error(ctx, AX_ERR_AXIS, "%s: axis %d is out of bounds for an array of %d dimensions",
                  op, axis, ndim);
        return false;
    }
    *out = a;
    return true;
}

bool ax__norm_axes(ax_ctx *ctx, const char *op, const int *axes, int naxes, int ndim,
                   bool *mask) {
    for (int i = 0; i < ndim; i++) mask[i] = axes == NULL;
    if (!axes) return true;
    if (naxes < 0) {
        ax__error(ctx, AX_ERR_AXIS, "%s: negative number of axes %d", op, naxes);
        return false;
    }
    for (int i = 0; i < naxes; i++) {
        int a;
        if (!ax__norm_axis(ctx, op, axes[i], ndim, &a)) return false;
        if (mask[a]) {
            ax__error(ctx, AX_ERR_AXIS, "%s: axis %d is repeated", op, axes[i]);
            return false;
        }
        mask[a] = true;
    }
    return true;
}

bool ax__broadcast_shapes(ax_ctx *ctx, const char *op, const int64_t *a, int na,
                          const int64_t *b, int nb, int64_t *out, int *nout) {
    int n = na > nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int64_t da = i < n - na ? 1 : a[i - (n - na)];
        int64_t db = i < n - nb ? 1 : b[i - (n - nb)];
        if (da != db && da != 1 && db != 1) {
            ax__error(ctx, AX_ERR_SHAPE, "%s: shapes %s and %s cannot be broadcast together", op,
                      ax__shape_str(a, na, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP),
                      ax__shape_str(b, nb, (char[AX_SHAPE_STR_CAP]){0}, AX_SHAPE_STR_CAP));
            return false;
        }
        out[i] = da == 1 ? db : da;
    }
    *nout = n;
    return true;
}

void ax__broadcast_strides(const ax_array *a, const int64_t *shape, int ndim, int64_t *out) {
    int lead = ndim - a->ndim;
    for (int i = 0; i < ndim; i++) {
        if (i < lead) out[i] = 0;
        else out[i] = (a->shape[i - lead] == 1 && shape[i] != 1) ? 0 : a->strides[i - lead];
    }
}

/* ---------------------------------------------------------------- public accessors */

int ax_ndim(const ax_array *a) { return a ? a->ndim : -1; }
const int64_t *ax_shape(const ax_array *a) { return a ? a->shape : NULL; }
const int64_t *ax_strides(const ax_array *a) { return a ? a->strides : NULL; }
int64_t ax_dim(const ax_array *a, int axis) {
    if (!a) return -1;
    int i = axis < 0 ? axis + a->ndim : axis;
    return i >= 0 && i < a->ndim ? a->shape[i] : -1;
}
int64_t ax_size(const ax_array *a) { return a ? a->size : 0; }
ax_dtype ax_dtype_of(const ax_array *a) { return a ? a->dtype : AX_DTYPE_COUNT; }
size_t ax_nbytes(const ax_array *a) { return a ? (size_t)a->size * ax_dtype_size(a->dtype) : 0; }
bool ax_is_evaluated(const ax_array *a) { return a && a->buf && !a->node; }
bool ax_is_contiguous(const ax_array *a) { return a && a->contiguous; }
bool ax_is_weak(const ax_array *a) { return a && a->weak; }

/* ---------------------------------------------------------------- leaves */

static bool check_leaf_args(ax_ctx *ctx, const char *op, ax_dtype dtype, const int64_t *shape,
                            int ndim) {
    if (!ax_dtype_is_valid(dtype)) {
        ax__error(ctx, AX_ERR_DTYPE, "%s: invalid dtype %d", op, (int)dtype);
        return false;
    }
    if (ndim < 0 || (ndim > 0 && !shape)) {
        ax__error(ctx, AX_ERR_SHAPE, "%s: invalid shape (ndim %d)", op, ndim);
        return false;
    }
    return true;
}

ax_array *ax_array_from_data(ax_ctx *ctx, const void *data, ax_dtype dtype,
                             const int64_t *shape, int ndim) {
    AX_CHECK_CTX(ctx);
    if (!check_leaf_args(ctx, "array_from_data", dtype, shape, ndim)) return NULL;
    ax_array *a = ax__array_new(ctx, dtype, shape, ndim);
    if (!a) return NULL;
    if (a->size && !data) {
        ax_release(a);
        return ax__error(ctx, AX_ERR_NULL, "array_from_data: data is NULL");
    }
    if (ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    if (a->size) memcpy(a->buf->data, data, ax_nbytes(a));
    return ax__own(ctx, a);
}

ax_array *ax_array_wrap(ax_ctx *ctx, void *data, ax_dtype dtype, const int64_t *shape, int ndim,
                        void (*release)(void *, void *), void *user) {
    AX_CHECK_CTX(ctx);
    if (!check_leaf_args(ctx, "array_wrap", dtype, shape, ndim)) return NULL;
    ax_array *a = ax__array_new(ctx, dtype, shape, ndim);
    if (!a) return NULL;
    if (!data && a->size) {
        ax_release(a);
        return ax__error(ctx, AX_ERR_NULL, "array_wrap: data is NULL");
    }
    a->buf = ax__buffer_wrap(data, ax_nbytes(a), release, user);
    if (!a->buf) {
        ax_release(a);
        return ax__error(ctx, AX_ERR_OOM, "array_wrap: out of host memory");
    }
    return ax__own(ctx, a);
}

static ax_array *scalar_leaf(ax_ctx *ctx, ax_dtype dtype, bool weak) {
    ax_array *a = ax__array_new(ctx, dtype, NULL, 0);
    if (!a) return NULL;
    if (ax__array_alloc(ctx, a) != AX_OK) {
        ax_release(a);
        return NULL;
    }
    a->weak = weak;
    return a;
}

ax_array *ax_scalar(ax_ctx *ctx, double value, ax_dtype dtype) {
    AX_CHECK_CTX(ctx);
    if (!check_leaf_args(ctx, "scalar", dtype, NULL, 0)) return NULL;
    ax_array *a = scalar_leaf(ctx, dtype, false);
    if (!a) return NULL;
    ax__store_f64(a->buf->data, dtype, value);
    return ax__own(ctx, a);
}

ax_array *ax_weak_float(ax_ctx *ctx, double value) {
    AX_CHECK_CTX(ctx);
    ax_array *a = scalar_leaf(ctx, AX_FLOAT64, true);
    if (!a) return NULL;
    *(double *)a->buf->data = value;
    return ax__own(ctx, a);
}

ax_array *ax_weak_int(ax_ctx *ctx, int64_t value) {
    AX_CHECK_CTX(ctx);
    ax_array *a = scalar_leaf(ctx, AX_INT64, true);
    if (!a) return NULL;
    *(int64_t *)a->buf->data = value;
    return ax__own(ctx, a);
}
