#include "cli/exit_status.h"

#include <cstdio>

namespace facefuse::cli {

Status AsUsage(Status status, ErrorOrigin* origin) {
  if (status.code() == StatusCode::kInvalidArgument) *origin = ErrorOrigin::kUsage;
  return status;
}

int Exit(std::string_view command, const Status& status, ErrorOrigin origin) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(command.size()), command.data(), status.ToString().c_str());
  return ExitCodeFor(status, origin);
}

int ExitWithMessage(std::string_view command, const Status& status, ErrorOrigin origin) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(command.size()), command.data(), status.message().c_str());
  return ExitCodeFor(status, origin);
}

}  // namespace facefuse::cli
