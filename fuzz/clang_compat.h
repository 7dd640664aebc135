/* Force-included into the fuzz build of the library: clang with glibc does
 * not define C11's CMPLX/CMPLXF (glibc gates them on GCC >= 4.7). */
#include <complex.h>
#ifndef CMPLX
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif
#ifndef CMPLXF
#define CMPLXF(x, y) __builtin_complex((float)(x), (float)(y))
#endif
