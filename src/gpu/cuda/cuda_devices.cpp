// CUDA device queries through the CUDA runtime API (built with CUDA only).
#include <cuda_runtime_api.h>

#include <string>

#include "facefuse/cuda.h"
#include "gpu/cuda/cuda_status.h"

namespace facefuse::gpu {

bool BuiltWithCuda() { return true; }

std::string CudaVersionString() {
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  std::string s = "CUDA runtime " + std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10);
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0)
    s += ", driver " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10);
  else
    s += ", no driver";
  return s;
}

Result<std::vector<CudaDeviceInfo>> ListCudaDevices() {
  int count = 0;
  FF_RETURN_IF_ERROR(CudaCheck(cudaGetDeviceCount(&count), "no usable CUDA device"));
  if (count == 0) return Unavailable("no usable CUDA device: the driver reports none");
  std::vector<CudaDeviceInfo> devices;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    FF_RETURN_IF_ERROR(CudaCheck(cudaGetDeviceProperties(&prop, i), "cannot read CUDA device " + std::to_string(i)));
    CudaDeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.compute_major = prop.major;
    d.compute_minor = prop.minor;
    d.multiprocessors = prop.multiProcessorCount;
    d.memory_total_bytes = prop.totalGlobalMem;
    FF_RETURN_IF_ERROR(CudaCheck(cudaSetDevice(i), "cannot select CUDA device " + std::to_string(i)));
    size_t free_bytes = 0, total_bytes = 0;
    FF_RETURN_IF_ERROR(CudaCheck(cudaMemGetInfo(&free_bytes, &total_bytes), "cannot read CUDA device memory"));
    d.memory_free_bytes = free_bytes;
    devices.push_back(std::move(d));
  }
  return devices;
}

}  // namespace facefuse::gpu
