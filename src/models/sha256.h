// SHA-256 of files, for verifying model downloads and installed models.
#pragma once

#include <filesystem>
#include <string>

#include "common/env.h"
#include "facefuse/status.h"

namespace facefuse::models {

// The SHA-256 of the file at `path` as 64 lower-case hex digits. Reads the file
// in 1 MiB blocks (no size limit, constant memory).
// Errors: NotFound when the file does not exist, IoError when it cannot be read,
// Internal when OpenSSL fails. The file is read through `env`. Thread-safe.
Result<std::string> Sha256OfFile(const std::filesystem::path& path, Env* env = Env::Default());

}  // namespace facefuse::models
