// Shared by Conv, ConvTranspose, FusedConv and the CPU provider's oneDNN conv
// kernels: load-time attribute checks, the geometry of one call resolved from
// the actual input shapes (ONNX pads/auto_pad/output_shape rules), and the
// plain-loop reference kernels.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"

namespace facefuse::rt {

// One Conv (transpose = false) or ConvTranspose call. Spatial vectors have
// spatial_rank() entries. For Conv, out = (in + pads_begin + pads_end -
// ((kernel - 1) * dilation + 1)) / stride + 1; for ConvTranspose, out =
// stride * (in - 1) + ((kernel - 1) * dilation + 1) - pads_begin - pads_end
// (output_padding is folded into pads_end, which may then be negative, as may
// both pads when output_shape asks for a larger output).
struct ConvGeometry {
  bool transpose = false;
  int64_t batch = 0;
  int64_t in_channels = 0;   // X's C
  int64_t out_channels = 0;  // Y's C
  int64_t group = 1;
  std::vector<int64_t> in_size, out_size, kernel, strides, dilations, pads_begin, pads_end;
  Shape y_shape;  // [N, out_channels, out_size...]

  int64_t spatial_rank() const { return static_cast<int64_t>(in_size.size()); }
};

// Load-time checks of X/W/B dtypes (float32) and of the Conv attributes
// (auto_pad, group, kernel_shape, strides, dilations, pads and, for
// ConvTranspose, output_padding/output_shape); W's rank when W is constant.
// Does not check the input count (each op has its own).
Status ValidateConvAttributes(const ValidateContext& ctx, bool transpose);

// The geometry for actual shapes. Errors (InvalidArgument naming the node):
// ranks other than 3..5, W inconsistent with X and group, kernel_shape not
// matching W, a bias without out_channels elements, a non-positive output size.
Result<ConvGeometry> ResolveConvGeometry(const Node& node, bool transpose, const Shape& x, const Shape& w,
                                         const Tensor* bias);

// Plain-loop kernels. Preconditions: shapes as resolved in `g`; bias nullptr or
// out_channels values; y holds NumElements(g.y_shape) floats.
void ConvReference(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
void ConvTransposeReference(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);

// FusedConv's epilogue: Y = activation(conv + bias + Sum).
struct FusedActivation {
  std::string kind;           // "" (none), "Relu", "LeakyRelu", ..., "PRelu"
  std::vector<float> params;  // complete: ONNX defaults filled in when the attribute is absent
};

// Reads and checks `activation` / `activation_params`. Errors: Unsupported for
// an unknown activation, InvalidArgument for a wrong parameter count.
Result<FusedActivation> ReadFusedActivation(const Node& node);

// Y = Y < 0 ? slope[c] * Y : Y over an [N, C, spatial] tensor, with `slope`
// holding C values or 1 value for all channels.
void ApplyChannelPRelu(std::span<const float> slope, int64_t channels, int64_t spatial, int64_t batch, float* y);

}  // namespace facefuse::rt
