#include "pipeline/memory_limit.h"

namespace facefuse::pipeline {

Result<std::shared_ptr<MemoryBudget>> MakeMemoryBudget(const std::string& spec) {
  if (spec.empty()) return std::shared_ptr<MemoryBudget>();
  FF_ASSIGN_OR_RETURN(MemoryLimitSpec limit, ParseMemoryLimit(spec));
  DeviceMemoryInfo host;
  if (limit.automatic) {
    FF_ASSIGN_OR_RETURN(host, HostMemoryInfo());
  }
  FF_ASSIGN_OR_RETURN(std::uint64_t bytes, ResolveMemoryLimit(limit, host, "cpu"));
  return MemoryBudget::Create("cpu", bytes);
}

}  // namespace facefuse::pipeline
