// --memory-limit for the subcommands that open sessions.
#pragma once

#include <memory>
#include <string>

#include "facefuse/memory_budget.h"

namespace facefuse::cli {

// The option's help text, shared by every subcommand.
inline constexpr const char* kMemoryLimitHelp =
    "Memory budget for model weights and activations: bytes (2GiB, 512MiB, ...) or auto (free memory less a "
    "reserve); runs that do not fit fail cleanly or run in smaller batches";

// A budget for `spec` ("" gives nullptr: no limit). "auto" reads the host's
// available memory. Errors: InvalidArgument for a bad spec, Unavailable when
// "auto" cannot read the free memory, OutOfMemory when "auto" leaves nothing.
Result<std::shared_ptr<MemoryBudget>> MakeMemoryBudget(const std::string& spec);

}  // namespace facefuse::cli
