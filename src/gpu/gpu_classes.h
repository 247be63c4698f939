// Right-sizing: the smallest GPU class (by memory) that would have run a job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace facefuse::gpu {

struct GpuClass {
  int memory_gb;         // marketed memory size; cards are sized in GiB (a "24 GB" card holds 24 x 2^30 bytes)
  std::string examples;  // typical cards of that size
};

// The classes in ascending memory order: 8, 12, 16, 24, 40, 48, 80, 141, 192 GB.
const std::vector<GpuClass>& GpuClasses();

// The class's memory in bytes: memory_gb GiB (24 -> 25.77e9).
double GpuClassBytes(const GpuClass& c);

// Headroom kept on top of the peak: allocator fragmentation and the CUDA context.
constexpr double kRightSizingHeadroom = 1.10;

// The smallest class whose memory (GpuClassBytes) holds peak_bytes * kRightSizingHeadroom;
// empty when even the largest is too small.
std::optional<GpuClass> SmallestGpuClassFor(std::uint64_t peak_bytes);

}  // namespace facefuse::gpu
