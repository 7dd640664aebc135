/* Evaluation: walk the graph once (dependencies first), allocate or donate
 * output buffers, run each node's kernel, detach evaluated nodes. Also the
 * data-access entry points that evaluate implicitly, and ax_eval_async. */
#include <pthread.h>
#include <stdlib.h>

#include "backend/cpu/cpu.h"
#include "core/device.h"
#include "core/internal.h"

static atomic_ulong eval_epoch = 1;

typedef struct node_list {
    ax_node **items;
    size_t len, cap;
} node_list;

static bool list_push(node_list *l, void *p) {
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *items = realloc(l->items, cap * sizeof(void *));
        if (!items) return false;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = p;
    return true;
}

/* Topological order of the nodes the targets depend on (post-order DFS with
 * an explicit stack, so deep graphs do not overflow the C stack). Each node
 * in `order` carries a reference. */
static ax_status topo_sort(ax_ctx *ctx, ax_array *const *targets, int n, node_list *order) {
    unsigned long epoch = atomic_fetch_add(&eval_epoch, 1);
    node_list stack = {0}; /* entries: node pointer, low bit = expanded */
    ax_status st = AX_OK;
    for (int t = 0; t < n && st == AX_OK; t++) {
        ax_node *root = targets[t] ? targets[t]->node : NULL;
        if (!root || root->mark == epoch) continue;
        if (!list_push(&stack, root)) st = AX_ERR_OOM;
        while (st == AX_OK && stack.len) {
            uintptr_t top = (uintptr_t)stack.items[stack.len - 1];
            ax_node *node = (ax_node *)(top & ~(uintptr_t)1);
            if (top & 1) {
                stack.len--;
                ax__node_retain(node);
                if (!list_push(order, node)) {
                    ax__node_release(node);
                    st = AX_ERR_OOM;
                }
                continue;
            }
            /* A node is marked when it is expanded, not when it is pushed: a
             * node pushed twice (an input of two nodes on the stack) is
             * expanded at its upper entry, so it is emitted before every
             * consumer; its lower entry is then skipped. */
            if (node->mark == epoch) {
                stack.len--;
                continue;
            }
            node->mark = epoch;
            stack.items[stack.len - 1] = (ax_node *)(top | 1);
            for (int i = node->n_inputs - 1; i >= 0; i--) {
                ax_node *in = node->inputs[i]->node;
                if (in && in->mark != epoch) {
                    if (!list_push(&stack, in)) {
                        st = AX_ERR_OOM;
                        break;
                    }
                }
            }
        }
    }
    free(stack.items);
    if (st != AX_OK) return ax__fail(ctx, st, "eval: out of host memory sorting the graph");
    return AX_OK;
}

/* May out take over input `in`'s buffer? Only when nothing else can see it
 * and its only current copy is on the side the kernel runs (a GPU kernel on
 * GPU dev, or the CPU: dev < 0). */
static bool can_donate(const ax_array *in, const ax_array *out, int dev) {
    if (!in->buf || in->node || atomic_load(&in->refs) != 1 || atomic_load(&in->buf->refs) != 1 ||
        !in->contiguous || in->offset != 0 || in->size != out->size || in->ndim != out->ndim ||
        ax_dtype_size(in->dtype) != ax_dtype_size(out->dtype) ||
        memcmp(in->shape, out->shape, sizeof(int64_t) * (size_t)out->ndim) != 0)
        return false;
    const ax_buffer *b = in->buf;
    if (dev < 0) return b->where == AX_WHERE_HOST && b->pool_size;
    return b->where == AX_WHERE_DEV && b->dev && b->dev_index == dev;
}

/* Run kernel k for node on the CPU (stream NULL) or on the node's GPU stream:
 * make the inputs current there, give the outputs storage there (or a
 * donated input's), run, and mark the outputs current there only. On
 * failure the outputs are left without buffers. */
static ax_status launch(ax_ctx *ctx, ax_node *node, ax_array **outs, int n_out, ax_kernel k,
                        const ax_stream *gpu) {
    const ax_op_info *info = &ax__op_info[node->op];
    const ax_gpu_backend *g = gpu ? ax__gpu() : NULL;
    int dev = gpu ? gpu->device.index : -1;
    ax_status st = AX_OK;
    for (int j = 0; j < node->n_inputs && st == AX_OK; j++) {
        ax_buffer *b = node->inputs[j]->buf;
        st = gpu ? g->to_device(ctx, b, dev, gpu->index, info->name)
                 : ax__buffer_to_host(ctx, b, info->name);
    }
    bool all_empty = true;
    for (int i = 0; i < n_out && st == AX_OK; i++) {
        ax_array *o = outs[i];
        all_empty &= o->size == 0;
        if (i == 0 && n_out == 1 && (info->flags & AX_F_DONATE)) {
            int cands = (info->flags & AX_F_EW) ? node->n_inputs : 1;
            for (int j = 0; j < cands; j++) {
                ax_array *in = node->inputs[j];
                if (can_donate(in, o, dev)) {
                    o->buf = in->buf;
                    ax__buffer_retain(in->buf);
                    o->offset = 0;
                    break;
                }
            }
        }
        if (o->buf) continue;
        if (!gpu) {
            st = ax__array_alloc(ctx, o);
            continue;
        }
        o->offset = 0;
        o->buf = ax__buffer_new_empty(ctx, (size_t)o->size * ax_dtype_size(o->dtype));
        if (!o->buf) st = ctx->status ? ctx->status : AX_ERR_OOM;
        else st = g->alloc(ctx, o->buf, dev, gpu->index, info->name);
    }
    if (st == AX_OK && !all_empty) {
        if (gpu) g->begin_node(dev, gpu->index);
        st = k(ctx, node, outs);
        if (gpu && st == AX_OK) {
            ax_buffer *bufs[16];
            for (int i = 0; i < n_out; i++) bufs[i] = outs[i]->buf;
            st = g->end_node(ctx, bufs, n_out, info->name);
        }
    }
    if (st != AX_OK) {
        for (int i = 0; i < n_out; i++) {
            ax__buffer_release(outs[i]->buf);
            outs[i]->buf = NULL;
        }
        if (st != AX__DECLINE && ctx->status == AX_OK)
            ax__fail(ctx, st, "%s: kernel failed", info->name);
        return st;
    }
    for (int i = 0; i < n_out; i++) outs[i]->buf->where = gpu ? AX_WHERE_DEV : AX_WHERE_HOST;
    return AX_OK;
}

/* The first input dtype, for messages. */
static const char *node_dtype(const ax_node *node) {
    return node->n_inputs ? ax_dtype_name(node->inputs[0]->dtype) : "(no inputs)";
}

static ax_status run_node(ax_ctx *ctx, ax_node *node, unsigned long long *gpus_used) {
    const ax_op_info *info = &ax__op_info[node->op];
    ax_array *outs[16];
    int n_out = node->n_outputs, live = 0;
    if (n_out > 16) return ax__fail(ctx, AX_ERR_INTERNAL, "%s: too many outputs", info->name);
    for (int i = 0; i < n_out; i++) {
        outs[i] = ax__node_output(node, i);
        live += outs[i] != NULL;
    }
    ax_status st = AX_OK;
    if (!live) goto done; /* every output was freed meanwhile */
    /* A freed output of a multi-output node is computed into a scratch array
     * (the kernel writes every output) and dropped afterwards. */
    for (int i = 0; i < n_out && st == AX_OK; i++) {
        if (outs[i]) continue;
        const ax_out_spec *sp = node->out_specs ? &node->out_specs[i] : NULL;
        if (!sp || !(outs[i] = ax__array_new(ctx, sp->dtype, sp->shape, sp->ndim)))
            st = ctx->status ? ctx->status
                             : ax__fail(ctx, AX_ERR_INTERNAL, "%s: output %d has no spec",
                                        info->name, i);
    }
    if (st != AX_OK) goto done;
    if (info->flags & AX_F_VIEW) {
        ax_array *in = node->inputs[0];
        outs[0]->buf = in->buf;
        ax__buffer_retain(in->buf);
    } else {
        const ax_stream *gpu = ax__stream_is_gpu(node->stream) && ax__gpu() ? &node->stream : NULL;
        ax_kernel cpu = ax__cpu_kernel(node->op);
        ax_kernel k = gpu ? ax__gpu()->kernel(node->op) : cpu;
        if (gpu && k) {
            st = launch(ctx, node, outs, n_out, k, gpu);
            *gpus_used |= 1ull << (gpu->device.index & 63);
        } else {
            st = gpu ? AX__DECLINE : AX_OK;
        }
        if (ctx->capturing && (!gpu || st == AX__DECLINE)) {
            /* a CPU kernel would run now, once, and not on replay */
            st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                          "%s: runs on the CPU (%s input), so it cannot be part of a CUDA graph",
                          info->name, node_dtype(node));
            goto done;
        }
        if (st == AX__DECLINE) {
            if (!ax__gpu_fallback()) {
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED,
                              "%s: no GPU kernel for %s input on gpu:%d (ax_set_gpu_fallback "
                              "lets such ops run on the CPU)",
                              info->name, node_dtype(node), gpu->device.index);
                goto done;
            }
            gpu = NULL;
            k = cpu;
            st = AX_OK;
        }
        if (!gpu && st == AX_OK) {
            if (!k) {
                st = ax__fail(ctx, AX_ERR_UNSUPPORTED, "%s: not supported on the CPU backend",
                              info->name);
                goto done;
            }
            st = launch(ctx, node, outs, n_out, k, NULL);
        }
        if (st != AX_OK) goto done;
    }
    for (int i = 0; i < n_out; i++) ax__node_detach(outs[i]);
done:
    for (int i = 0; i < n_out; i++) ax_release(outs[i]);
    return st;
}

static ax_status eval_now(ax_ctx *ctx, ax_array *const *arrays, int n) {
    for (int i = 0; i < n; i++)
        if (!arrays[i]) {
            if (ctx->status == AX_OK)
                ax__fail(ctx, AX_ERR_NULL, "eval: array %d of %d is NULL", i, n);
            return ctx->status;
        }
    node_list order = {0};
    ax_status st = topo_sort(ctx, arrays, n, &order);
    if (st == AX_OK && ctx->trace) st = ax__trace_check_eval(ctx, order.items, order.len);
    size_t i = 0;
    unsigned long long gpus_used = 0;
    for (; st == AX_OK && i < order.len; i++) {
        st = run_node(ctx, order.items[i], &gpus_used);
        ax__node_release(order.items[i]);
    }
    for (; i < order.len; i++) ax__node_release(order.items[i]);
    free(order.items);
    /* Blocking eval: wait for the GPUs it queued work on (this also surfaces
     * asynchronous kernel errors here, not at a later read). */
    if (ctx->capturing) gpus_used = 0; /* recorded, not run: nothing to wait for */
    for (int d = 0; gpus_used; d++, gpus_used >>= 1) {
        if (!(gpus_used & 1)) continue;
        ax_status s2 = ax__gpu()->synchronize(ctx, d, -1);
        if (st == AX_OK) st = s2;
    }
    return st;
}

/* ---------------------------------------------------------------- async */

struct ax_async {
    pthread_t thread;
    ax_ctx errors; /* the worker records errors here, not in the user's context */
    ax_array **arrays;
    int n;
    ax_status status;
};

static void *async_main(void *p) {
    struct ax_async *job = p;
    job->status = eval_now(&job->errors, job->arrays, job->n);
    return NULL;
}

ax_status ax_wait(ax_ctx *ctx) {
    if (!ctx) return AX_ERR_NULL;
    struct ax_async *job = ctx->async;
    if (!job) return AX_OK;
    pthread_join(job->thread, NULL);
    ctx->async = NULL;
    ax_status st = job->status;
    if (st != AX_OK) ax__fail(ctx, job->errors.status, "%s", job->errors.message);
    for (int i = 0; i < job->n; i++) ax_release(job->arrays[i]);
    free(job->arrays);
    free(job);
    return st;
}

ax_status ax_eval_async(ax_ctx *ctx, ax_array *const *arrays, int n) {
    if (!ctx) return AX_ERR_NULL;
    if (ctx->trace_depth > 0 || ctx->trace) return ax__eval(ctx, arrays, n); /* records the error */
    ax_wait(ctx);
    for (int i = 0; i < n; i++)
        if (!arrays[i]) return ax__eval(ctx, arrays, n); /* records the NULL error */
    struct ax_async *job = calloc(1, sizeof *job);
    ax_array **copy = malloc(sizeof *copy * (size_t)(n ? n : 1));
    if (!job || !copy) {
        free(job);
        free(copy);
        return ax__eval(ctx, arrays, n); /* no memory to go async: run now */
    }
    for (int i = 0; i < n; i++) copy[i] = ax_retain(arrays[i]);
    job->arrays = copy;
    job->n = n;
    if (pthread_create(&job->thread, NULL, async_main, job) != 0) {
        for (int i = 0; i < n; i++) ax_release(copy[i]);
        free(copy);
        free(job);
        return ax__eval(ctx, arrays, n);
    }
    ctx->async = job;
    return AX_OK;
}

/* ---------------------------------------------------------------- sync entry points */

ax_status ax__eval(ax_ctx *ctx, ax_array *const *arrays, int n) {
    if (!ctx) return AX_ERR_NULL;
    if (ctx->trace_depth > 0)
        return ax__fail(ctx, AX_ERR_VALUE,
                        "eval: cannot evaluate inside a closure that ax_compile is tracing "
                        "(its arrays have no data yet)");
    ax_status st = ax_wait(ctx);
    if (st != AX_OK) return st;
    return eval_now(ctx, arrays, n);
}

ax_status ax_eval(ax_ctx *ctx, ax_array *const *arrays, int n) { return ax__eval(ctx, arrays, n); }
ax_status ax_eval1(ax_ctx *ctx, ax_array *a) { return ax__eval(ctx, &a, 1); }

const void *ax_data(ax_ctx *ctx, ax_array *a) {
    if (!ctx) return NULL;
    if (!a) return ax__null_input(ctx, "data");
    if (ax__eval(ctx, &a, 1) != AX_OK) return NULL;
    if (ax__buffer_to_host(ctx, a->buf, "data") != AX_OK) return NULL;
    if (a->contiguous) return ax__ptr(a);
    /* A strided array keeps its layout (lazy views may depend on it); the
     * row-major copy lives beside it until the array is freed. */
    if (!a->dense) {
        ax_buffer *buf = ax__buffer_new(ctx, ax_nbytes(a));
        if (!buf) return NULL;
        ax__cpu_copy_to_contiguous(a, buf->data);
        a->dense = buf;
    }
    return a->dense->data;
}

ax_status ax_copy_to(ax_ctx *ctx, ax_array *a, void *dst, size_t dst_bytes) {
    if (!ctx) return AX_ERR_NULL;
    if (!a) return ax__null_input(ctx, "copy_to"), ctx->status;
    if (dst_bytes < ax_nbytes(a))
        return ax__fail(ctx, AX_ERR_VALUE, "copy_to: destination holds %zu bytes, array %s %s needs %zu",
                        dst_bytes, AX_SHAPE(a), ax_dtype_name(a->dtype), ax_nbytes(a));
    if (a->size && !dst) return ax__fail(ctx, AX_ERR_NULL, "copy_to: destination is NULL");
    ax_status st = ax__eval(ctx, &a, 1);
    if (st == AX_OK) st = ax__buffer_to_host(ctx, a->buf, "copy_to");
    if (st != AX_OK) return st;
    ax__cpu_copy_to_contiguous(a, dst);
    return AX_OK;
}

static ax_status item_ptr(ax_ctx *ctx, ax_array *a, const char *op, const void **p) {
    if (!ctx) return AX_ERR_NULL;
    if (!a) return ax__null_input(ctx, op), ctx->status;
    if (a->size != 1)
        return ax__fail(ctx, AX_ERR_SHAPE, "%s: array of shape %s has %lld elements, not one", op,
                        AX_SHAPE(a), (long long)a->size);
    ax_status st = ax__eval(ctx, &a, 1);
    if (st == AX_OK) st = ax__buffer_to_host(ctx, a->buf, op);
    if (st != AX_OK) return st;
    *p = ax__ptr(a);
    return AX_OK;
}

ax_status ax_item_f64(ax_ctx *ctx, ax_array *a, double *out) {
    const void *p = NULL;
    ax_status st = item_ptr(ctx, a, "item_f64", &p);
    if (st == AX_OK) *out = ax__load_f64(p, a->dtype);
    return st;
}

ax_status ax_item_i64(ax_ctx *ctx, ax_array *a, int64_t *out) {
    const void *p = NULL;
    ax_status st = item_ptr(ctx, a, "item_i64", &p);
    if (st == AX_OK) *out = ax__load_i64(p, a->dtype);
    return st;
}
