#include "cli/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>

namespace facefuse::cli {

void LimitOpenMpSpinning(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("GOMP_SPINCOUNT", "10000", /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GOMP_SPINCOUNT");  // the exec failed: this process keeps libgomp's default, and so do its children
}

}  // namespace facefuse::cli
