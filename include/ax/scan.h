/* ax/scan.h — cumulative scans (cumsum, cumprod, cummax, cummin, logcumsumexp). */
#ifndef AX_SCAN_H
#define AX_SCAN_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
