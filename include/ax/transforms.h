/* ax/transforms.h — function transformations: closures, grad, vjp, jvp, vmap, checkpoint, custom functions. */
#ifndef AX_TRANSFORMS_H
#define AX_TRANSFORMS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
