// The CPU provider's own depthwise 2-D convolution on plain NCHW tensors
// (group = in channels = out channels, no dilation): a direct stencil per
// channel plane, vectorised along output rows, with the FusedConv epilogue
// (bias, residual sum, activation or PReLU) applied per plane while it is in
// cache. oneDNN's fast depthwise kernels want channels-last or blocked data,
// so on plain tensors they pay a reorder in and out; this plan does not.
#pragma once

#include "runtime/providers/cpu/conv_plan.h"

namespace facefuse::rt::cpu {

// True when DepthwiseConvPlan computes `g`.
bool DepthwiseConvApplies(const ConvGeometry& g);

class DepthwiseConvPlan final : public ConvPlan {
 public:
  // Precondition: DepthwiseConvApplies(g); the epilogue's activation is one
  // ApplyActivation knows, or PRelu with 1 or C slopes.
  DepthwiseConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue);
  void Execute(const ConvArgs& args) override;
  const char* name() const override { return "own-depthwise"; }

 private:
  ConvGeometry g_;
  ConvEpilogue epilogue_;
};

}  // namespace facefuse::rt::cpu
