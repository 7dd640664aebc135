/* ax/compile.h — compile: trace a closure, simplify, fuse, generate kernels, cache. */
#ifndef AX_COMPILE_H
#define AX_COMPILE_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
