// A 2-D channels-last convolution of one image split into bands of output
// rows, one per thread, each band a single-threaded oneDNN primitive over the
// input rows it reads (its own pads at the image's edges). The threads then
// share no work queue and no output block: each computes its band start to end.
#pragma once

#include <memory>
#include <vector>

#include "runtime/providers/cpu/dnnl_conv_plan.h"

namespace facefuse::rt::cpu {

class RowSplitConvPlan final : public ConvPlan {
 public:
  static constexpr const char* kName = "row-split";

  // True for geometries this plan takes: one image, 2-D, not transposed, at least 2 output rows per band, and
  // every band reading at least one input row (none lies wholly in the pads).
  static bool Applies(const ConvGeometry& g, int bands);

  // Builds `bands` primitives (may throw dnnl::error) for X, Sum and Y in NHWC. Preconditions: Applies(g, bands).
  RowSplitConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, const float* constant_w,
                   int bands);

  void Execute(const ConvArgs& args) override;
  const char* name() const override { return kName; }

 private:
  struct Band {
    std::unique_ptr<DnnlConvPlan> plan;
    size_t x_offset = 0, y_offset = 0;  // floats from the start of X and of Y (and Sum)
  };
  std::vector<Band> bands_;
};

}  // namespace facefuse::rt::cpu
