// The ways the CPU provider computes one convolution for one input shape:
// oneDNN primitives in several layouts (dnnl_conv_plan.h) and its own
// depthwise kernel (depthwise_conv_plan.h). The Conv kernel times the plans
// that apply and keeps the fastest.
#pragma once

#include <cstdint>

#include "runtime/ops/conv_common.h"

namespace facefuse::rt::cpu {

// FusedConv's epilogue; default: plain Conv / ConvTranspose.
struct ConvEpilogue {
  bool sum = false;            // Y += Sum before the activation
  FusedActivation activation;  // kind "" for none
  int64_t slope_size = 0;      // PRelu: 1 (one slope) or out_channels
};

// Pointers of one call; bias, sum, slope nullptr when absent. w is ignored
// when the plan prepacked constant weights. sum may be y itself (Y += Y's
// old contents); otherwise no two overlap.
struct ConvArgs {
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  const float* sum = nullptr;
  const float* slope = nullptr;
  float* y = nullptr;
};

class ConvPlan {
 public:
  virtual ~ConvPlan() = default;
  // Computes y from the arguments; oneDNN plans may throw dnnl::error.
  virtual void Execute(const ConvArgs& args) = 0;
  // The plan's name in a plan cache: a ConvLayoutName, or "own-depthwise".
  virtual const char* name() const = 0;
};

}  // namespace facefuse::rt::cpu
