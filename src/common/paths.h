// Where facefuse finds its bundled models.
#pragma once

#include <filesystem>

namespace facefuse {

// The folder with the bundled default models: $FACEFUSE_MODELS_DIR when set,
// else the repository's models/ folder this binary was built from.
std::filesystem::path BundledModelsDir();

}  // namespace facefuse
