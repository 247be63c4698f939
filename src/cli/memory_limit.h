// --memory-limit for the subcommands that open sessions.
#pragma once

#include "pipeline/memory_limit.h"

namespace facefuse::cli {

// The option's help text, shared by every subcommand (cli/common_flags.h).
inline constexpr const char* kMemoryLimitHelp =
    "Memory budget for model weights and activations: bytes (2GiB, 512MiB, ...) or auto (free memory less a "
    "reserve); runs that do not fit fail cleanly or run in smaller batches";

using pipeline::MakeMemoryBudget;

}  // namespace facefuse::cli
