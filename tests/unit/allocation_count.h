// Counting the host allocations a piece of code makes, for the tests that then fail each one in turn
// (FailNthAllocationForTesting) and expect OutOfMemory, never a crash or another error.
#pragma once

#include <cstdint>

#include "common/allocation_faults.h"
#include "facefuse/tensor.h"

namespace facefuse {

// Allocations made by `fn`, counted by arming the fault injector far ahead and probing how much of it is left.
template <typename Fn>
int64_t CountAllocations(Fn fn) {
  constexpr int64_t kArmed = 1'000'000;
  FailNthAllocationForTesting(kArmed);
  fn();
  int64_t probes = 0;
  while (probes < kArmed) {
    ++probes;
    if (!Tensor::Allocate(DataType::kUInt8, {1}).ok()) break;
  }
  FailNthAllocationForTesting(0);
  return kArmed - probes;
}

}  // namespace facefuse
