// A job's memory budget from its --memory-limit text, for every front end.
#pragma once

#include <memory>
#include <string>

#include "facefuse/memory_budget.h"

namespace facefuse::pipeline {

// A budget for `spec` ("" gives nullptr: no limit). "auto" reads the host's
// available memory. Errors: InvalidArgument for a bad spec, Unavailable when
// "auto" cannot read the free memory, OutOfMemory when "auto" leaves nothing.
Result<std::shared_ptr<MemoryBudget>> MakeMemoryBudget(const std::string& spec);

}  // namespace facefuse::pipeline
