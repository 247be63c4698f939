// One table from a Status to what a front end reports: the CLI's exit code
// and the HTTP status of the service. Every adapter reads this table instead
// of choosing its own numbers.
//
// A failure has an origin as well as a code: a usage error (the command line
// or the request itself is wrong: an option out of range, a missing field)
// exits 2 and answers HTTP 400 whatever its code; a runtime failure (a file
// that does not decode, a missing model, no face found) exits 1 and answers
// the HTTP status of its code.
//
// Thread safety: pure functions over a constant table.
#pragma once

#include <span>

#include "facefuse/status.h"

namespace facefuse {

// The CLI's exit codes.
enum ExitCode : int {
  kExitOk = 0,       // success, --help, --version
  kExitFailure = 1,  // the command ran and failed (runtime failure)
  kExitUsage = 2,    // the command line was wrong; nothing ran
  kExitCancelled = 130,  // stopped by SIGINT/SIGTERM before it finished (128 + SIGINT, as shells report it)
};

// Where a failure comes from (see the file comment).
enum class ErrorOrigin { kRuntime, kUsage };

// One row of the table.
struct StatusMapping {
  StatusCode code;
  int exit_code;    // of a runtime failure with this code
  int http_status;  // of a runtime failure with this code
};

// The table, one row per StatusCode (kOk first).
std::span<const StatusMapping> StatusMappings();

// The exit code for `status`: kExitOk for OK, kExitUsage for a usage error,
// else the row's exit code (kExitFailure).
int ExitCodeFor(const Status& status, ErrorOrigin origin = ErrorOrigin::kRuntime);

// The HTTP status for `status`: 200 for OK, 400 for a usage error, else the
// row's HTTP status (500 for a code the table lacks).
int HttpStatusFor(const Status& status, ErrorOrigin origin = ErrorOrigin::kRuntime);

}  // namespace facefuse
