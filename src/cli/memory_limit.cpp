#include "cli/memory_limit.h"

namespace facefuse::cli {

Result<std::shared_ptr<MemoryBudget>> MakeMemoryBudget(const std::string& spec) {
  if (spec.empty()) return std::shared_ptr<MemoryBudget>();
  FF_ASSIGN_OR_RETURN(MemoryLimitSpec limit, ParseMemoryLimit(spec));
  if (!limit.automatic) return MemoryBudget::Create("cpu", limit.bytes);
  FF_ASSIGN_OR_RETURN(DeviceMemoryInfo host, HostMemoryInfo());
  const std::uint64_t bytes = AutoMemoryLimit(host.free_bytes, host.total_bytes);
  if (bytes == 0)
    return OutOfMemory("--memory-limit auto: only " + FormatBytes(host.free_bytes) + " of " +
                       FormatBytes(host.total_bytes) + " is free");
  return MemoryBudget::Create("cpu", bytes);
}

}  // namespace facefuse::cli
