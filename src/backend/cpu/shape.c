/* CPU kernels: shape family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_shape(ax_kernel *table) { (void)table; }
