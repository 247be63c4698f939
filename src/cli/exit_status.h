// How a subcommand reports a failure and chooses its exit code: through the
// one Status -> exit code table (common/status_map.h), never a number of its
// own.
#pragma once

#include <string_view>

#include "common/status_map.h"
#include "facefuse/status.h"

namespace facefuse::cli {

// Returns `status`, marking `*origin` a usage error when it is InvalidArgument:
// for checks of the command line (an option value, an output path) made before
// any work, whose refusal exits 2 like the parser's own.
Status AsUsage(Status status, ErrorOrigin* origin);

// Prints "COMMAND: <status.ToString()>" on stderr and returns the exit code
// for `status` (kExitFailure for a runtime failure, kExitUsage for a usage
// error). Precondition: !status.ok().
int Exit(std::string_view command, const Status& status, ErrorOrigin origin = ErrorOrigin::kRuntime);

// As Exit, but prints the message alone: "COMMAND: <status.message()>".
int ExitWithMessage(std::string_view command, const Status& status, ErrorOrigin origin = ErrorOrigin::kRuntime);

}  // namespace facefuse::cli
