/* ax/conv.h — convolution, transposed convolution and pooling. */
#ifndef AX_CONV_H
#define AX_CONV_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
