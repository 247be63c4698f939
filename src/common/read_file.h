// Reading a whole input file safely: what it is and how big it is are checked
// from the file itself before a byte is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/env.h"
#include "facefuse/status.h"

namespace facefuse {

// Reads the whole file at `path` into `Bytes` (std::string or
// std::vector<uint8_t>) through `env` (Env::ReadFile, which says what is
// refused and the errors: NotFound, InvalidArgument for a device, FIFO, socket
// or a file over `max_bytes`, IoError with the system's reason). Thread-safe
// when `env` is.
template <class Bytes>
Result<Bytes> ReadRegularFile(const std::filesystem::path& path, uint64_t max_bytes, Env* env = Env::Default()) {
  Bytes bytes;
  FF_RETURN_IF_ERROR(env->ReadFile(path, max_bytes, &bytes));
  return bytes;
}

}  // namespace facefuse
