// Text and JSON views of a session's per-node profile (bench-model --profile).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "facefuse/runtime.h"

namespace facefuse::cli {

// Per-run milliseconds by op type (heaviest first), the `top` heaviest nodes,
// and the time a run spends outside kernels (shape checks, allocation).
// Empty when the profile has no runs.
std::string ProfileText(const SessionProfile& profile, int top);

// {"runs", "run_ms", "kernel_ms", "by_op": [{"op", "provider", "nodes", "ms"}],
//  "nodes": [{"node", "op", "provider", "shapes", "ms"}]}; ms are per run.
nlohmann::json ProfileJson(const SessionProfile& profile);

}  // namespace facefuse::cli
