#include "runtime/providers/cpu/cpu_kernels.h"

namespace facefuse::rt::cpu {

void RegisterBinaryKernels(CpuKernelTable& t) { (void)t; }

}  // namespace facefuse::rt::cpu
