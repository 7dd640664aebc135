/* ax/sort.h — sorting and selection (sort, argsort, partition, topk, median, searchsorted). */
#ifndef AX_SORT_H
#define AX_SORT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
