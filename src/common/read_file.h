// Reading a whole input file safely: what it is and how big it is are checked
// from the file itself before a byte is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "facefuse/status.h"

namespace facefuse {

// Reads the whole file at `path` into `Bytes` (std::string or
// std::vector<uint8_t>). It is opened without blocking (a FIFO with no writer
// never hangs) and refused before reading when it is not a regular file
// (InvalidArgument "PATH is not a regular file (a device, FIFO or socket)") or
// holds more than `max_bytes` (InvalidArgument "PATH is N bytes, over the limit
// of M bytes"). Errors: NotFound "PATH does not exist"; IoError "cannot open
// PATH: <reason>" / "cannot read PATH: <reason>" with the system's reason
// (Permission denied, Is a directory...). Thread-safe.
template <class Bytes>
Result<Bytes> ReadRegularFile(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace facefuse
