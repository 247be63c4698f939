// CUDA runtime errors as facefuse Status values.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "facefuse/status.h"

namespace facefuse::gpu {

// OK for cudaSuccess; otherwise "<what>: <CUDA's description> (<error name>)"
// as Unavailable (no driver or device), OutOfMemory, or Internal. Clears the
// runtime's sticky last error.
inline Status CudaCheck(cudaError_t err, const std::string& what) {
  if (err == cudaSuccess) return Status::Ok();
  (void)cudaGetLastError();
  std::string m = what + ": " + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")";
  switch (err) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInitializationError:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      return Unavailable(std::move(m));
    case cudaErrorMemoryAllocation:
      return OutOfMemory(std::move(m));
    default:
      return Internal(std::move(m));
  }
}

}  // namespace facefuse::gpu
