#include "storage/result_key.h"

namespace facefuse::storage {

bool IsPlainName(std::string_view text, bool slashes) {
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == '-' || (slashes && c == '/');
    if (!plain) return false;
  }
  return true;
}

Status CheckResultKey(std::string_view key) {
  const size_t slash = key.find('/');
  const bool two_parts = slash != std::string_view::npos && key.find('/', slash + 1) == std::string_view::npos;
  const std::string_view folder = key.substr(0, slash), name = two_parts ? key.substr(slash + 1) : "";
  const auto part_ok = [](std::string_view part) { return !part.empty() && part != "." && part != ".." && IsPlainName(part); };
  if (two_parts && part_ok(folder) && part_ok(name)) return Status::Ok();
  return InvalidArgument("'" + std::string(key.substr(0, 80)) + "' is not a result key (JOB_FOLDER/FILE_NAME)");
}

}  // namespace facefuse::storage
