// facefuse: CUDA devices as the CUDA runtime sees them, and their memory
// budgets. This is what GPU execution builds on; a binary built without CUDA,
// or run without a driver or a GPU, answers Unavailable with the reason and
// never aborts.
//
// Thread safety: every function is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/memory_budget.h"
#include "facefuse/status.h"

namespace facefuse::gpu {

struct CudaDeviceInfo {
  int index = 0;  // CUDA runtime ordinal (CUDA_VISIBLE_DEVICES applies)
  std::string name;
  int compute_major = 0;  // compute capability, e.g. 9.0 for an H100
  int compute_minor = 0;
  int multiprocessors = 0;
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_free_bytes = 0;  // when listed
};

// True when this binary was built with the CUDA toolkit.
bool BuiltWithCuda();

// "CUDA runtime 13.0, driver 13.0" (the driver part only when one loads), or
// "built without CUDA".
std::string CudaVersionString();

// Every CUDA device. Errors: Unavailable when built without CUDA, when no
// driver loads or it is older than the runtime, or when there is no device;
// the message carries the CUDA runtime's reason.
Result<std::vector<CudaDeviceInfo>> ListCudaDevices();

// A budget ("cuda:<index>") for one device's memory: the spec's bytes, or for
// "auto" AutoMemoryLimit of what the device has free now. Errors: as
// ListCudaDevices, NotFound for an index without a device, OutOfMemory when
// "auto" leaves nothing.
Result<std::shared_ptr<MemoryBudget>> MakeVramBudget(const MemoryLimitSpec& spec, int device_index);

}  // namespace facefuse::gpu
