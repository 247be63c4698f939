// The CUDA entry points of a build without the CUDA toolkit: each says so.
#include "facefuse/cuda.h"

namespace facefuse::gpu {
namespace {
Status NotBuilt() { return Unavailable("facefuse was built without CUDA (no CUDA toolkit at build time)"); }
}  // namespace

bool BuiltWithCuda() { return false; }
std::string CudaVersionString() { return "built without CUDA"; }
Result<std::vector<CudaDeviceInfo>> ListCudaDevices() { return NotBuilt(); }
Status ConvertToHalfOnDevice(const float*, std::uint16_t*, std::size_t, int) { return NotBuilt(); }

}  // namespace facefuse::gpu
