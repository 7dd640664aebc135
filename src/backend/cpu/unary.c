/* CPU kernels: unary family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_unary(ax_kernel *table) { (void)table; }
