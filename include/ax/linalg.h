/* ax/linalg.h — linear algebra through LAPACK, batched over leading axes. */
#ifndef AX_LINALG_H
#define AX_LINALG_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
