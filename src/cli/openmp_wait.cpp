#include "cli/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>
#include <initializer_list>

namespace facefuse::cli {

void LimitOpenMpSpinning(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  // With thread binding asked for, libgomp has already bound this (the initial) thread to its first place as it
  // loaded, and an exec keeps that mask: the new process's libgomp would see one CPU and put every thread on it
  // (PFLD at 2 threads: 4.1 ms instead of 1.9).
  for (const char* binding : {"OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"})
    if (std::getenv(binding) != nullptr) return;
  if (setenv("GOMP_SPINCOUNT", "10000", /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GOMP_SPINCOUNT");  // the exec failed: this process keeps libgomp's default, and so do its children
}

}  // namespace facefuse::cli
