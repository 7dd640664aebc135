/* CPU kernels: reduce family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_reduce(ax_kernel *table) { (void)table; }
