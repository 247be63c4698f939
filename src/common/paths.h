// Where facefuse finds its bundled models.
#pragma once

#include <filesystem>

namespace facefuse {

// The folder with the bundled default models: $FACEFUSE_BUNDLED_MODELS_DIR when
// set (an installed copy; $FACEFUSE_MODELS_DIR is where downloads go),
// else the repository's models/ folder this binary was built from.
std::filesystem::path BundledModelsDir();

}  // namespace facefuse
