/* libFuzzer: the einsum subscript parser and path search over arbitrary
 * subscripts and operand shapes. Input layout: byte 0 picks the operand
 * count (1..4); then per operand a rank byte (0..4) and that many dim bytes
 * (0..3); the rest is the subscript string. A call either fails with a
 * recorded message (as einsum_path does) or gives a result that the
 * unoptimized path reproduces. */
#include <math.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ax_ctx *ctx = fuzz_ctx();
    size_t pos = 0;
    int n = data[pos++] % 4 + 1;
    int64_t shapes[4][4];
    int ranks[4];
    for (int i = 0; i < n; i++) {
        ranks[i] = pos < size ? data[pos++] % 5 : 0;
        for (int d = 0; d < ranks[i]; d++) shapes[i][d] = pos < size ? data[pos++] % 4 : 1;
    }
    char subs[128];
    size_t len = size - pos < sizeof subs - 1 ? size - pos : sizeof subs - 1;
    memcpy(subs, data + pos, len);
    subs[len] = 0;

    ax_scope_begin(ctx);
    ax_array *ops[4];
    for (int i = 0; i < n; i++) {
        int64_t count = 1;
        for (int d = 0; d < ranks[i]; d++) count *= shapes[i][d];
        ax_array *flat = ax_arange(ctx, 1, (double)count + 1, 1, AX_FLOAT64);
        ops[i] = ax_reshape(ctx, flat, shapes[i], ranks[i]);
    }
    if (ax_error_code(ctx) != AX_OK) abort(); /* the operands themselves are valid */

    ax_einsum_path_info info;
    char report[512];
    ax_status pst = ax_einsum_path(ctx, subs, ops, n, AX_EINSUM_GREEDY, &info, report, sizeof report);
    if (pst != AX_OK && !ax_error_message(ctx)[0]) abort();
    if (pst == AX_OK && (info.nsteps < 0 || info.nsteps > n)) abort();
    ax_error_clear(ctx);

    ax_array *a = ax_einsum(ctx, subs, ops, n);
    if (!a) {
        if (!ax_error_message(ctx)[0]) abort();
        if (pst == AX_OK) abort(); /* einsum refused what einsum_path accepted */
        ax_error_clear(ctx);
    } else {
        if (pst != AX_OK) abort(); /* einsum accepted what einsum_path refused */
        ax_array *b = ax_einsum_opt(ctx, subs, ops, n, AX_EINSUM_NONE);
        if (!b || ax_eval(ctx, (ax_array *[]){a, b}, 2) != AX_OK) abort();
        if (ax_size(a) != ax_size(b)) abort();
        const double *pa = ax_data(ctx, a), *pb = ax_data(ctx, b);
        for (int64_t i = 0; i < ax_size(a); i++)
            if (fabs(pa[i] - pb[i]) > 1e-9 * (1 + fabs(pb[i]))) abort();
    }
    ax_error_clear(ctx);
    ax_scope_end(ctx);
    return 0;
}
