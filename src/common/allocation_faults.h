// Fault injection for tests: the host allocator (HostAllocator(), behind
// Tensor::Allocate) fails on demand so tests can prove that every allocation
// failure returns OutOfMemory cleanly.
//
// Thread safety: both functions are safe to call concurrently with allocations.
#pragma once

#include <cstdint>

namespace facefuse {

// When n > 0, the n-th host allocation from now on fails with OutOfMemory
// (and later ones succeed). 0 disables it.
void FailNthAllocationForTesting(int64_t n);

// Counts one allocation against the armed countdown; true when this one must
// fail. For allocators only.
bool ShouldFailAllocation();

}  // namespace facefuse
