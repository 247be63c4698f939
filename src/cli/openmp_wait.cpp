#include "cli/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>

namespace facefuse::cli {

void PreferPassiveOpenMpWait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("OMP_WAIT_POLICY");  // the exec failed: this process keeps libgomp's default, and so do its children
}

}  // namespace facefuse::cli
