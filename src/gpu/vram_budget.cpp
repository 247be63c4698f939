// MakeVramBudget: a device's memory limit from a spec ("auto" reads it now).
#include "facefuse/cuda.h"

namespace facefuse::gpu {

Result<std::shared_ptr<MemoryBudget>> MakeVramBudget(const MemoryLimitSpec& spec, int device_index) {
  FF_ASSIGN_OR_RETURN(std::vector<CudaDeviceInfo> devices, ListCudaDevices());
  if (device_index < 0 || static_cast<size_t>(device_index) >= devices.size())
    return NotFound("no CUDA device " + std::to_string(device_index) + " (" + std::to_string(devices.size()) +
                    " found)");
  const CudaDeviceInfo& d = devices[static_cast<size_t>(device_index)];
  const std::string name = "cuda:" + std::to_string(device_index);
  FF_ASSIGN_OR_RETURN(std::uint64_t bytes,
                      ResolveMemoryLimit(spec, {d.memory_free_bytes, d.memory_total_bytes}, name));
  return MemoryBudget::Create(name, bytes);
}

}  // namespace facefuse::gpu
