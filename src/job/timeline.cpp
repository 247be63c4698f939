#include "job/timeline.h"

#include <algorithm>

namespace facefuse::job {

void SplitLastStage(std::vector<StageSpan>& stages, const std::vector<std::pair<std::string, double>>& parts_ms) {
  if (stages.empty()) return;
  double total_ms = 0;
  for (const auto& [stage, ms] : parts_ms) total_ms += std::max(0.0, ms);
  if (total_ms <= 0) return;
  const StageSpan whole = stages.back();
  stages.pop_back();
  const auto span = whole.end - whole.start;
  double done_ms = 0;
  for (const auto& [stage, ms] : parts_ms) {
    if (ms <= 0) continue;
    const auto a = whole.start + std::chrono::duration_cast<Clock::duration>(span * (done_ms / total_ms));
    done_ms += ms;
    const auto b = whole.start + std::chrono::duration_cast<Clock::duration>(span * (done_ms / total_ms));
    stages.push_back({stage, a, b});
  }
}

}  // namespace facefuse::job
