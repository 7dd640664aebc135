/* The first program of docs/getting-started.md (kept identical to the listing
 * there; scripts/gen_api_docs.py --check compares them). */
#include <ax/ax.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    ax_ctx *ctx = ax_ctx_new(); /* errors, scopes and print options live here */
    if (!ctx) return 1;

    /* A 2x3 float32 array from C data (copied), and a lazy expression. */
    float v[6] = {1, 2, 3, 4, 5, 6};
    ax_array *x = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){2, 3}, 2);
    ax_array *y = ax_subtract(ctx, ax_multiply(ctx, x, x), ax_weak_float(ctx, 1.0));
    int last[1] = {-1};
    ax_array *s = ax_sum(ctx, y, last, 1, false); /* sum over the last axis */

    /* Nothing has run yet; evaluating runs the graph once. */
    if (ax_eval1(ctx, s) != AX_OK) {
        fprintf(stderr, "error: %s\n", ax_error_message(ctx));
        ax_ctx_free(ctx);
        return 1;
    }
    ax_print(ctx, y, stdout); /* str(y) and a newline */
    char *r = ax_repr(ctx, s); /* array([11., 74.], dtype=float32) */
    printf("%s\n", r);
    free(r);

    /* Errors are values: the op returns NULL and the context says why. */
    ax_array *bad = ax_matmul(ctx, x, x); /* (2, 3) @ (2, 3) */
    if (!bad) printf("%s: %s\n", ax_status_name(ax_error_code(ctx)), ax_error_message(ctx));
    ax_error_clear(ctx);

    /* Save, load back, compare. */
    ax_save_npy(ctx, "/tmp/ax_hello_y.npy", y);
    ax_array *back = ax_load_npy(ctx, "/tmp/ax_hello_y.npy");
    bool same = false;
    ax_allclose(ctx, y, back, 0.0, 0.0, false, &same);
    printf("round trip: %s\n", same ? "equal" : "different");
    remove("/tmp/ax_hello_y.npy");

    int rc = ax_error_code(ctx) == AX_OK && same ? 0 : 1;
    ax_ctx_free(ctx); /* frees every array the root scope still holds */
    return rc;
}
