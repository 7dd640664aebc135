/* CPU kernels: convolution and pooling. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_conv(ax_kernel *table) { (void)table; }
