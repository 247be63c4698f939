// Resize / Upsample geometry shared by the reference kernel and the CPU
// kernel: the output shape, and per axis, for every output index, the input
// indices ("taps") and weights it reads.
//
// The value of an output element is
//   extrapolation_value                        if any axis marks its index as outside,
//   sum over taps t_d of every axis d of  prod_d weight[d][t_d] * X[index[0][t_0], index[1][t_1], ...]  otherwise.
// Nearest has 1 tap (weight 1), linear 2, cubic 4; every index is clamped to
// [0, in_size - 1], so kernels never need bounds checks.
//
// Which form of the node is meant is read from the node itself (kernels do not
// see the opset): Upsample with one input is opset 7 (scales attribute); a
// Resize with exactly two inputs is opset 10 (X, scales). Both of those use
// the asymmetric transform and "simple" nearest rounding (ceil when
// downsampling an axis, floor otherwise), as ONNX Runtime does.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {

enum class ResizeMode { kNearest, kLinear, kCubic };
enum class CoordinateMode { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn,
                            kTfCropAndResize };
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  CoordinateMode coordinate = CoordinateMode::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.f;
};

struct ResizeAxis {
  int64_t in_size = 0;
  int64_t out_size = 0;
  int taps = 1;
  std::vector<int64_t> index;    // out_size * taps input indices, each in [0, in_size)
  std::vector<float> weight;     // out_size * taps
  std::vector<uint8_t> outside;  // out_size flags; all 0 unless tf_crop_and_resize
  // True when output index i reads exactly input index i with weight 1.
  bool identity = false;
};

struct ResizePlan {
  ResizeAttrs attrs;
  Shape out_shape;
  std::vector<ResizeAxis> axes;  // one per axis; empty when out_shape has no elements
  bool any_outside = false;
};

// Attribute values as the node spells them; the node must have passed
// ValidateResizeAttrs.
ResizeAttrs ReadResizeAttrs(const Node& node);
// Load-time check of mode, coordinate_transformation_mode, nearest_mode,
// exclude_outside and the opset-18 attributes (antialias, axes,
// keep_aspect_ratio_policy), which are unsupported unless at their defaults.
Status ValidateResizeAttrs(const Node& node);

// The output shape only (for infer). inputs as the node receives them.
Result<Shape> ResizeOutputShape(const Node& node, std::span<const Tensor* const> inputs);
// The full plan for X = inputs[0].
Result<ResizePlan> MakeResizePlan(const Node& node, std::span<const Tensor* const> inputs);

// True for the dtypes nearest resizing copies as raw elements (1, 2, 4 or 8 bytes, not string).
bool IsNearestCopyable(DataType dt);

// Calls f(U{}) with U the unsigned integer type of dt's element size: nearest
// resizing copies elements bit for bit. Unsupported for other sizes.
template <typename F>
Status DispatchElementSize(const Node& node, DataType dt, F&& f) {
  if (!IsNearestCopyable(dt)) return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  switch (DataTypeSize(dt)) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    default: return f(uint64_t{});
  }
}

// The extrapolation value as the bits of an element of type U. Only
// tf_crop_and_resize extrapolates, and only for float32, so U is uint32_t
// whenever the value is used.
template <typename U>
U ExtrapolationBits(const ResizePlan& plan) {
  U bits{};
  std::memcpy(&bits, &plan.attrs.extrapolation_value, sizeof(U) < sizeof(float) ? sizeof(U) : sizeof(float));
  return bits;
}

}  // namespace facefuse::rt
