#include "gpu/gpu_classes.h"

namespace facefuse::gpu {

const std::vector<GpuClass>& GpuClasses() {
  static const std::vector<GpuClass> classes = {
      {8, "RTX 4060, RTX 3070"},         {12, "RTX 3060, RTX 4070"},   {16, "T4, RTX 4080, A4000"},
      {24, "L4, A10, RTX 4090"},         {40, "A100 40GB"},            {48, "L40S, RTX 6000 Ada, A6000"},
      {80, "A100 80GB, H100 80GB"},      {141, "H200"},                {192, "B200, MI300X"},
  };
  return classes;
}

double GpuClassBytes(const GpuClass& c) { return c.memory_gb * 1073741824.0; }

std::optional<GpuClass> SmallestGpuClassFor(std::uint64_t peak_bytes) {
  const double needed = static_cast<double>(peak_bytes) * kRightSizingHeadroom;
  for (const auto& c : GpuClasses()) {
    if (needed <= GpuClassBytes(c)) return c;
  }
  return std::nullopt;
}

}  // namespace facefuse::gpu
