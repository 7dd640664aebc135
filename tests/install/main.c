/* A downstream program built against an installed ax (tests/install/run.sh):
 * it includes <ax/ax.h>, links libax and checks one small computation. */
#include <ax/ax.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    if (strcmp(ax_version(), AX_EXPECTED_VERSION) != 0) {
        fprintf(stderr, "version %s, expected %s\n", ax_version(), AX_EXPECTED_VERSION);
        return 1;
    }
    ax_ctx *ctx = ax_ctx_new();
    if (!ctx) return 1;
    float v[6] = {1, 2, 3, 4, 5, 6};
    ax_array *a = ax_array_from_data(ctx, v, AX_FLOAT32, (int64_t[]){2, 3}, 2);
    ax_array *total = ax_sum(ctx, ax_add(ctx, a, a), NULL, 0, false);
    double x = 0;
    int ok = ax_item_f64(ctx, total, &x) == AX_OK && x == 42.0;
    if (!ok) fprintf(stderr, "sum(a + a) = %g (%s)\n", x, ax_error_message(ctx));
    ax_ctx_free(ctx);
    if (ok) printf("install test ok: ax %s, sum(a + a) = %g\n", ax_version(), x);
    return ok ? 0 : 1;
}
