// The CUDA entry points of a build without the CUDA toolkit: each says so.
#include "facefuse/cuda.h"

namespace facefuse::gpu {
namespace {
Status NotBuilt() { return Unavailable("facefuse was built without CUDA (no CUDA toolkit at build time)"); }
}  // namespace

bool BuiltWithCuda() { return false; }
std::string CudaVersionString() { return "built without CUDA"; }
Result<std::vector<CudaDeviceInfo>> ListCudaDevices() { return NotBuilt(); }

}  // namespace facefuse::gpu
