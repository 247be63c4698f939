#include "runtime/exec/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace facefuse::rt {

ArenaPlan PlanArena(const std::vector<BufferLifetime>& buffers) {
  constexpr size_t kAlign = 64;
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });

  struct Placed { size_t offset, end; int first, last; };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const auto& b = buffers[idx];
    size_t size = (b.bytes + kAlign - 1) / kAlign * kAlign;
    std::vector<std::pair<size_t, size_t>> busy;
    for (const auto& p : placed)
      if (p.first <= b.last_step && b.first_step <= p.last) busy.emplace_back(p.offset, p.end);
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [start, end] : busy) {
      if (offset + size <= start) break;
      offset = std::max(offset, end);
    }
    plan.offsets[idx] = offset;
    placed.push_back({offset, offset + size, b.first_step, b.last_step});
    plan.total_bytes = std::max(plan.total_bytes, offset + size);
  }
  return plan;
}

}  // namespace facefuse::rt
