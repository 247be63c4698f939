// The ways the CPU provider computes one convolution for one input shape:
// oneDNN primitives in several layouts (dnnl_conv_plan.h) and its own
// depthwise kernel (depthwise_conv_plan.h). The Conv kernel times the plans
// that apply and keeps the fastest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

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
  // The plan's name in a plan cache: a ConvLayoutName, "own-depthwise", "row-split" or "winograd" ("narrow" is
  // taken by rule and never recorded).
  virtual const char* name() const = 0;
};

// Runs `inner`, a plan for one image, on each image of a batch in turn, so that
// one image's activations stay in cache: oneDNN 2.6's kernels sweep the whole
// batch once per block of output channels, and at batch 4 a swapper's
// [4,128,128,256] activations (67 MB, past a 32 MB L3) halved their speed.
class PerImageConvPlan final : public ConvPlan {
 public:
  // `g` with a batch of one: the geometry `inner` is built for.
  static ConvGeometry OneImage(ConvGeometry g) {
    g.batch = 1;
    g.y_shape[0] = 1;
    return g;
  }

  // `g`: the whole batch's geometry.
  PerImageConvPlan(std::unique_ptr<ConvPlan> inner, const ConvGeometry& g)
      : inner_(std::move(inner)),
        images_(g.batch),
        x_image_(static_cast<size_t>(g.in_channels * NumElements(Shape(g.in_size)))),
        y_image_(static_cast<size_t>(NumElements(g.y_shape) / g.batch)) {}

  void Execute(const ConvArgs& args) override {
    ConvArgs one = args;
    for (int64_t i = 0; i < images_; ++i) {
      inner_->Execute(one);
      one.x += x_image_;
      one.y += y_image_;
      if (one.sum != nullptr) one.sum += y_image_;
    }
  }
  const char* name() const override { return inner_->name(); }

 private:
  std::unique_ptr<ConvPlan> inner_;
  int64_t images_;
  size_t x_image_, y_image_;  // floats per image of X and of Y (and of Sum)
};

}  // namespace facefuse::rt::cpu
