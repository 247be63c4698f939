// The runtime's limits as one machine-checkable table: `facefuse ops` prints it into docs/ops.md ("What
// check-model counts as unsupported") and `facefuse check-model` matches every Unsupported error against it. A
// limit that is not in the table makes the case FAIL, so docs/ops.md, the op registry and check-model's verdicts
// cannot drift apart (tests/cli/failable.cmake diffs `facefuse ops` against docs/ops.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "facefuse/status.h"

namespace facefuse::cli {

// The listed limit an Unsupported error message is, worded for check-model's UNSUPPORTED line (e.g. "op Trilu is
// not in the operator table"); nullopt when docs/ops.md does not list it. `message` is Status::message(), context
// prefixes (file paths) included. Thread-safe.
std::optional<std::string> ListedLimit(std::string_view message);

// The Markdown section of docs/ops.md that lists every limit ListedLimit accepts. InvalidArgument when the table
// names an op the registry does not have (the table and the registry would disagree).
Result<std::string> ListedLimitsMarkdown();

}  // namespace facefuse::cli
