/* ax/fft.h — discrete Fourier transforms of any length. */
#ifndef AX_FFT_H
#define AX_FFT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
