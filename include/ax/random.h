/* ax/random.h — counter-based random numbers: keys, split, distributions. */
#ifndef AX_RANDOM_H
#define AX_RANDOM_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
