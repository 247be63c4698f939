#include "common/float16.h"

#include <bit>
#include <cmath>

namespace facefuse {

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float
    float f = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -f : f;
  }
  uint32_t bits = exp == 31 ? sign | 0x7F800000u | (mant << 13) : sign | ((exp + 112) << 23) | (mant << 13);
  return std::bit_cast<float>(bits);
}

uint16_t FloatToHalf(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return sign | 0x7E00;               // NaN
  if (abs >= 0x477FF000u) return sign | 0x7C00;              // >= 65520 (and inf) rounds to inf
  if (abs < 0x38800000u) {                                   // below 2^-14: a half subnormal (or the smallest normal)
    float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // units of 2^-24, exact
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t rounded = abs + 0xFFFu + ((abs >> 13) & 1u);
  return sign | static_cast<uint16_t>((rounded - 0x38000000u) >> 13);
}

Result<Tensor> Float16ToFloat32(const Tensor& t) {
  if (t.dtype() != DataType::kFloat16)
    return InvalidArgument("expected a float16 tensor, got " + DataTypeName(t.dtype()));
  FF_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(DataType::kFloat32, t.shape()));
  const uint16_t* in = t.data<uint16_t>();
  float* o = out.data<float>();
  for (int64_t i = 0, n = t.size(); i < n; ++i) o[i] = HalfToFloat(in[i]);
  return out;
}

Result<Tensor> Float32ToFloat16(const Tensor& t) {
  if (t.dtype() != DataType::kFloat32)
    return InvalidArgument("expected a float32 tensor, got " + DataTypeName(t.dtype()));
  FF_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(DataType::kFloat16, t.shape()));
  const float* in = t.data<float>();
  uint16_t* o = out.data<uint16_t>();
  for (int64_t i = 0, n = t.size(); i < n; ++i) o[i] = FloatToHalf(in[i]);
  return out;
}

}  // namespace facefuse
