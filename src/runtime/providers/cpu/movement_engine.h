// The CPU provider's data-movement engine: executes the GatherPlans of
// runtime/ops/movement_plan.h fast.
#pragma once

#include "runtime/ops/movement_plan.h"

namespace facefuse::rt::cpu {

// True when the engine handles elements of `bytes` bytes (1, 2, 4 or 8).
bool EngineSupportsElementSize(size_t bytes);

// Runs `plan` from `in` into `out`: merges axes that are one strided axis,
// then per output row either memcpy's contiguous runs, fills, copies a strided
// row, or (when the innermost output axis is strided and the one before it is
// contiguous in the input, as in NCHW<->NHWC and last-two-dims swaps) runs a
// tiled 2-D transpose. Rows (and transpose tiles) are spread over `threads`
// OpenMP threads for large outputs. Preconditions: the element size is
// supported and `out` holds the plan's elements.
void RunGatherPlan(GatherPlan plan, const Tensor& in, Tensor& out, int threads);

}  // namespace facefuse::rt::cpu
