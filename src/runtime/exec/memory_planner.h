// Liveness-based placement of intermediate tensors in one arena.
//
// A buffer lives from the step that produces it to the last step that reads
// it (inclusive). Two buffers may share bytes only when their lifetimes do not
// overlap. Placement is greedy: largest first, each at the lowest offset that
// does not collide with an already placed, simultaneously live buffer.
#pragma once

#include <cstddef>
#include <vector>

namespace facefuse::rt {

struct BufferLifetime {
  size_t bytes = 0;
  int first_step = 0;
  int last_step = 0;
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // per buffer, 64-byte aligned
  size_t total_bytes = 0;
};

ArenaPlan PlanArena(const std::vector<BufferLifetime>& buffers);

}  // namespace facefuse::rt
