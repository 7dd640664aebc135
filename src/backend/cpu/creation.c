/* CPU kernels: creation family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_creation(ax_kernel *table) { (void)table; }
