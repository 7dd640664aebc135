/* ax — an array framework for machine learning. Include this one header. */
#ifndef AX_AX_H
#define AX_AX_H
#include "core.h"
#include "ops.h"
#include "io.h"
#include "scan.h"
#include "sort.h"
#include "conv.h"
#include "random.h"
#include "linalg.h"
#include "fft.h"
#include "fp8.h"
#include "transforms.h"
#include "compile.h"
#include "device.h"
#endif
