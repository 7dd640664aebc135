/* ax — an array framework for machine learning. Include this one header. */
#ifndef AX_AX_H
#define AX_AX_H
#include "core.h"
#include "ops.h"
#include "io.h"
#endif
