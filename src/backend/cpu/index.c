/* CPU kernels: index family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_index(ax_kernel *table) { (void)table; }
