/* CPU kernels: binary family. */
#include "backend/cpu/cpu.h"

void ax__cpu_register_binary(ax_kernel *table) { (void)table; }
