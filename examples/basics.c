/* A tour of ax: contexts, lazy ops, evaluation, printing, errors, scopes,
 * memory figures, and saving/loading .npy and .safetensors files.
 *
 *   build/examples/basics [output-directory]
 *
 * Files are written to the directory given (default: a fresh one under /tmp,
 * removed at the end). Nothing is downloaded. Exits non-zero if any step
 * does not give the expected result. */
#define _POSIX_C_SOURCE 200809L
#include <ax/ax.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

/* Print an error recorded in ctx (if any) and clear it. */
static int report(ax_ctx *ctx, const char *what) {
    if (ax_error_code(ctx) == AX_OK) return 0;
    fprintf(stderr, "%s failed: %s: %s\n", what, ax_status_name(ax_error_code(ctx)),
            ax_error_message(ctx));
    ax_error_clear(ctx);
    failures++;
    return 1;
}

static void expect(int cond, const char *what) {
    if (!cond) {
        fprintf(stderr, "unexpected result: %s\n", what);
        failures++;
    }
}

static void show(ax_ctx *ctx, const char *label, ax_array *a) {
    printf("%s =\n", label);
    ax_print(ctx, a, stdout); /* evaluates `a` if needed; str(a) and a newline */
    printf("\n");
}

/* str(a) with every line indented. */
static void show_indented(ax_ctx *ctx, const char *indent, ax_array *a) {
    char *s = ax_to_string(ctx, a);
    if (!s) return;
    printf("%s", indent);
    for (const char *p = s; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1]) printf("%s", indent);
    }
    printf("\n");
    free(s);
}

int main(int argc, char **argv) {
    ax_ctx *ctx = ax_ctx_new();
    if (!ctx) return 1;
    printf("ax %s, %d CPU threads\n\n", ax_version(), ax_get_num_threads());

    /* ---- 1. Arrays from data and creation ops. */
    float xv[6] = {1, 2, 3, 4, 5, 6};
    ax_array *x = ax_array_from_data(ctx, xv, AX_FLOAT32, (int64_t[]){2, 3}, 2);
    ax_array *r = ax_reshape(ctx, ax_arange(ctx, 0, 6, 1, AX_FLOAT32), (int64_t[]){2, 3}, 2);
    show(ctx, "x", x);
    show(ctx, "r = arange(6).reshape(2, 3)", r);

    /* ---- 2. Ops are lazy: they build a graph; nothing runs until eval. */
    ax_array *y = ax_add(ctx, ax_multiply(ctx, x, r), ax_weak_float(ctx, 1.0)); /* x*r + 1 */
    ax_array *z = ax_exp(ctx, ax_negative(ctx, y));
    printf("y evaluated before ax_eval: %s\n", ax_is_evaluated(y) ? "yes" : "no");
    ax_array *outs[2] = {y, z};
    ax_eval(ctx, outs, 2); /* runs both graphs once, sharing y */
    printf("y evaluated after ax_eval:  %s\n\n", ax_is_evaluated(y) ? "yes" : "no");
    report(ctx, "building and evaluating y, z");
    show(ctx, "y = x * r + 1", y);
    show(ctx, "z = exp(-y)", z);

    /* Reductions, broadcasting, matmul, softmax. */
    int axis1[1] = {1};
    ax_array *rowsum = ax_sum(ctx, y, axis1, 1, false);
    ax_array *total = ax_sum(ctx, y, NULL, 0, false);
    ax_array *col = ax_reshape(ctx, ax_arange(ctx, 1, 3, 1, AX_FLOAT32), (int64_t[]){2, 1}, 2);
    ax_array *bc = ax_multiply(ctx, x, col); /* (2, 3) * (2, 1) broadcasts */
    ax_array *prod = ax_matmul(ctx, x, ax_transpose(ctx, r, NULL, 0)); /* (2,3) @ (3,2) */
    ax_array *sm = ax_softmax(ctx, x, axis1, 1);
    show(ctx, "sum(y, axis=1)", rowsum);
    show(ctx, "x * [[1], [2]]", bc);
    show(ctx, "x @ r.T", prod);
    show(ctx, "softmax(x, axis=1)", sm);
    double t = 0;
    ax_item_f64(ctx, total, &t);
    report(ctx, "reductions, matmul, softmax");
    /* y = x*r + 1 = [1, 3, 7, 13, 21, 31] sums to 76. */
    printf("sum(y) = %g\n\n", t);
    expect(t == 76.0, "sum(y) == 76");

    /* repr shows dtype, as NumPy's repr does. */
    char *s = ax_repr(ctx, ax_astype(ctx, rowsum, AX_INT32));
    if (s) printf("repr(sum(y, axis=1).astype(int32)) = %s\n\n", s);
    free(s);

    /* ---- 3. Errors are values: a bad op returns NULL and records why; ops
     * given NULL pass it on, so one check at the end suffices. */
    ax_array *bad = ax_add(ctx, x, ax_ones(ctx, (int64_t[]){4}, 1, AX_FLOAT32));
    ax_array *worse = ax_exp(ctx, ax_sum(ctx, bad, NULL, 0, false));
    printf("shape error: result %s, %s: %s\n\n", worse ? "non-NULL" : "NULL",
           ax_status_name(ax_error_code(ctx)), ax_error_message(ctx));
    expect(worse == NULL && ax_error_code(ctx) == AX_ERR_SHAPE, "add (2,3) + (4,) is AX_ERR_SHAPE");
    ax_error_clear(ctx);

    /* ---- 4. Scopes free temporaries; ax_keep hands a result to the parent. */
    size_t before = ax_memory_active();
    ax_array *kept = NULL;
    ax_scope_begin(ctx);
    {
        int64_t big[2] = {512, 512};
        ax_array *a = ax_ones(ctx, big, 2, AX_FLOAT32);
        ax_array *b = ax_full(ctx, big, 2, 0.5, AX_FLOAT32);
        ax_array *c = ax_matmul(ctx, a, b); /* every entry is 512 * 0.5 = 256 */
        kept = ax_keep(ctx, ax_mean(ctx, c, NULL, 0, false));
        ax_eval1(ctx, kept);
        printf("inside the scope: %zu bytes active, peak %zu\n", ax_memory_active(),
               ax_memory_peak());
    }
    ax_scope_end(ctx); /* frees a, b, c; `kept` lives on in the root scope */
    double m = 0;
    ax_item_f64(ctx, kept, &m);
    report(ctx, "scoped matmul");
    printf("after the scope:  %zu bytes active (%zu before), %zu cached; mean = %g\n\n",
           ax_memory_active(), before, ax_memory_cache(), m);
    expect(m == 256.0, "mean(ones @ 0.5) == 256");

    /* ---- 5. Save and load: .npy and .safetensors (read back with mmap). */
    char dir[256];
    int own_dir = argc < 2;
    if (own_dir) {
        strcpy(dir, "/tmp/ax-basics-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    } else {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    }
    char npy[300], st[300];
    snprintf(npy, sizeof npy, "%s/y.npy", dir);
    snprintf(st, sizeof st, "%s/tensors.safetensors", dir);

    ax_save_npy(ctx, npy, y);
    ax_array *y2 = ax_load_npy(ctx, npy);
    bool same = false;
    ax_allclose(ctx, y, y2, 0, 0, false, &same);
    report(ctx, "npy round trip");
    printf("saved %s and read it back: %s\n", npy, same ? "identical" : "DIFFERENT");
    expect(same, "npy round trip is exact");

    ax_dict *d = ax_dict_new();
    ax_strmap *meta = ax_strmap_new();
    ax_dict_set(d, "weight", r);
    ax_dict_set(d, "bias", ax_astype(ctx, rowsum, AX_FLOAT16));
    ax_strmap_set(meta, "format", "pt");
    ax_save_safetensors(ctx, st, d, meta);
    ax_dict *loaded = ax_dict_new();
    ax_strmap *meta2 = ax_strmap_new();
    ax_load_safetensors(ctx, st, loaded, meta2);
    report(ctx, "safetensors round trip");
    printf("saved %s: %d tensors, metadata format=%s\n", st, ax_dict_size(loaded),
           ax_strmap_get(meta2, "format") ? ax_strmap_get(meta2, "format") : "(none)");
    for (int i = 0; i < ax_dict_size(loaded); i++) {
        ax_array *v = ax_dict_value(loaded, i);
        printf("  %s: %s, %d-d, mapped from the file\n", ax_dict_key(loaded, i),
               ax_dtype_name(ax_dtype_of(v)), ax_ndim(v));
        show_indented(ctx, "    ", v);
    }
    ax_array *w = ax_dict_get(loaded, "weight");
    same = false;
    if (w) ax_allclose(ctx, w, r, 0, 0, false, &same);
    expect(ax_dict_size(loaded) == 2 && same, "safetensors round trip");
    report(ctx, "reading back safetensors");
    ax_dict_free(loaded);
    ax_strmap_free(meta2);
    ax_dict_free(d);
    ax_strmap_free(meta);

    /* A file that is not what it claims is an error, not a crash: cut the
     * .npy written above short, so its header promises more data than follows. */
    ax_save_npy(ctx, npy, y);
    FILE *f = fopen(npy, "r+b");
    if (f) {
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fclose(f);
        if (truncate(npy, len - 8) != 0) perror("truncate");
    }
    ax_array *junk = ax_load_npy(ctx, npy);
    printf("\nloading a truncated .npy: %s, %s: %s\n", junk ? "non-NULL" : "NULL",
           ax_status_name(ax_error_code(ctx)), ax_error_message(ctx));
    expect(junk == NULL && ax_error_code(ctx) == AX_ERR_FORMAT, "truncated npy is AX_ERR_FORMAT");
    ax_error_clear(ctx);

    if (own_dir) {
        remove(npy);
        remove(st);
        rmdir(dir);
    }
    ax_ctx_free(ctx); /* drops everything the root scope still owns */
    if (failures) fprintf(stderr, "\n%d step(s) failed\n", failures);
    else printf("\nall steps ok\n");
    return failures ? 1 : 0;
}
