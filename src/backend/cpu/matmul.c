/* CPU kernels: matmul family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_matmul(ax_kernel *table) { (void)table; }
