// A channels-last convolution with very few output channels (1 to 4: a
// generator's last layer to RGB, a mask or heatmap head), own AVX2 kernel.
//
// oneDNN 2.6 vectorises a convolution over output channels, so with 3 of them
// most of each vector is idle: inswapper's final [134,134,128] x [3,128,7,7]
// ran at 14 GFLOP/s. This plan vectorises over input channels instead: for 3
// or 4 neighbouring output pixels of a row it keeps pixels x output channels
// sums of 8 input channels in registers, walks the kernel window (for one tap
// row, the window's input channels of all its columns are contiguous in NHWC,
// and so are the packed weights), and adds each sum's 8 lanes at the end. Pixels
// whose window crosses the image's edge take the same loop over the taps inside.
#pragma once

#include <vector>

#include "runtime/providers/cpu/conv_plan.h"

namespace facefuse::rt::cpu {

class NarrowConvPlan final : public ConvPlan {
 public:
  static constexpr const char* kName = "narrow";
  static constexpr int64_t kMaxOutChannels = 4;

  // True for what this plan computes: a build with AVX2 and FMA; 2-D, not transposed, group 1, dilation 1,
  // 1 to kMaxOutChannels output channels, C_in a multiple of 8, constant weights, no activation or one of Relu,
  // LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, Elu (applied to each output as the reference kernel does).
  static bool Applies(const ConvGeometry& g, const ConvEpilogue& epilogue, bool constant_weights);
  // True when this build has the plan's kernel (AVX2 and FMA at compile time).
  static bool Available();

  // Packs the constant weights `w` ([C_out, C_in, kh, kw]). Preconditions: Applies(g, epilogue, true).
  NarrowConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float* w);

  // X, Sum and Y are NHWC; Sum may be Y itself (each Y element is written after its own Sum element is read, and
  // no other). Uses the calling thread's OpenMP threads.
  void Execute(const ConvArgs& args) override;
  const char* name() const override { return kName; }

 private:
  ConvGeometry g_;
  ConvEpilogue epilogue_;
  std::vector<float> w_;  // [kh][kw][C_in / 8][C_out][8]
};

}  // namespace facefuse::rt::cpu
