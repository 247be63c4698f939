// The CUDA provider's helpers in a build without the CUDA toolkit.
#include "runtime/providers/cuda/half_convert.h"

namespace facefuse::rt {

Status ConvertToHalfOnDevice(const float*, std::uint16_t*, std::size_t, int) {
  return Unavailable("facefuse was built without CUDA (no CUDA toolkit at build time)");
}

}  // namespace facefuse::rt
