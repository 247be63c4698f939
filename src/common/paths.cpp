#include "common/paths.h"

#include <cstdlib>

namespace facefuse {

std::filesystem::path BundledModelsDir() {
  if (const char* env = std::getenv("FACEFUSE_BUNDLED_MODELS_DIR"); env && *env) return env;
  return FACEFUSE_BUNDLED_MODELS_DIR;
}

}  // namespace facefuse
