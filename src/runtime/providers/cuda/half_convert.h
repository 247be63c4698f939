// float32 -> float16 on a CUDA device: the weight conversion the coming CUDA
// provider applies at load (its FP16 path). Internal to the runtime.
//
// Thread safety: safe to call from several threads (each call selects the
// device and owns its device buffers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "facefuse/status.h"

namespace facefuse::rt {

// float32 -> float16 (IEEE binary16 bits, round to nearest even) on device
// `device_index`. `out` must hold `count` values. Errors: Unavailable when
// built without CUDA, when no driver loads or it is older than the runtime, or
// when there is no device (the message carries the reason); OutOfMemory when
// the device buffers cannot be allocated, Internal for a failed launch.
Status ConvertToHalfOnDevice(const float* in, std::uint16_t* out, std::size_t count, int device_index);

}  // namespace facefuse::rt
