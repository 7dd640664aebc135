/* Force-included first into the fuzz build by scripts/test.sh.
 * fuzz/clang_compat.h includes <complex.h>, whose `I` macro breaks
 * identifiers named I in ax's sources (src/backend/cpu/ew_convert.c) under
 * the fuzz build only. ax itself never uses `I`, so include <complex.h> here
 * first and drop the macro; clang_compat.h's include is then a no-op.
 * Remove once fuzz/clang_compat.h no longer includes <complex.h>. */
#include <complex.h>
#undef I
