// IEEE 754 binary16 (float16) <-> float32, the one conversion every part of
// facefuse uses: the Cast kernel, the float16 lowering pass, tensor printing
// and the face models' feeds.
#pragma once

#include <cstdint>

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse {

// Exact: every float16 value (subnormals, infinities, NaN payloads) is a float32.
float HalfToFloat(uint16_t bits);

// Round to nearest even; magnitudes from 65520 up (and infinity) give
// infinity, NaN stays a (quiet) NaN, the sign is kept.
uint16_t FloatToHalf(float f);

// A new float32 tensor with the values of the float16 tensor `t`.
// Errors: InvalidArgument when `t` is not float16; OutOfMemory.
Result<Tensor> Float16ToFloat32(const Tensor& t);

// A new float16 tensor with the values of the float32 tensor `t` rounded as
// FloatToHalf does. Errors: InvalidArgument when `t` is not float32;
// OutOfMemory.
Result<Tensor> Float32ToFloat16(const Tensor& t);

}  // namespace facefuse
