#include "runtime/ops/resize_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

// Output sizes above this are rejected before any index table is built.
constexpr double kMaxDim = 1e12;

// Opset 7/9 Upsample or opset 10 Resize: asymmetric transform, simple rounding, no cubic.
bool IsLegacyForm(const Node& node) { return node.op_type == "Upsample" || node.NumInputs() == 2; }

struct AxisTarget {
  int64_t out_size = 0;
  double scale = 1;  // out / in as the coordinate transform uses it
};

// Scales (Upsample attribute, Upsample-9 / Resize-10 input 1, Resize-11+ input 2) or sizes (Resize-11+ input 3).
Result<std::vector<AxisTarget>> ReadTargets(const Node& node, std::span<const Tensor* const> inputs,
                                            const Shape& in_shape) {
  const size_t rank = in_shape.size();
  auto input = [&](size_t i) -> const Tensor* {
    return i < inputs.size() && inputs[i] != nullptr && inputs[i]->size() > 0 ? inputs[i] : nullptr;
  };
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (node.op_type == "Upsample" && node.NumInputs() == 1) {
    scales = node.GetFloats("scales");
  } else if (IsLegacyForm(node)) {
    FF_ASSIGN_OR_RETURN(scales, ReadFloats(node, input(1), "scales"));
  } else {
    if (input(2) != nullptr) { FF_ASSIGN_OR_RETURN(scales, ReadFloats(node, input(2), "scales")); }
    if (input(3) != nullptr) { FF_ASSIGN_OR_RETURN(sizes, ReadInt64s(node, input(3), "sizes")); }
    if (scales.empty() == sizes.empty())
      return NodeError(node, "exactly one of the inputs scales and sizes must be given and non-empty");
  }
  std::vector<AxisTarget> targets(rank);
  if (!sizes.empty()) {
    if (sizes.size() != rank)
      return NodeError(node, "sizes has " + std::to_string(sizes.size()) + " values for an input of rank " +
                                 std::to_string(rank));
    for (size_t d = 0; d < rank; ++d) {
      if (sizes[d] < 0 || static_cast<double>(sizes[d]) > kMaxDim)
        return NodeError(node, "sizes[" + std::to_string(d) + "] = " + std::to_string(sizes[d]) + " is invalid");
      targets[d].out_size = sizes[d];
      targets[d].scale = in_shape[d] > 0 ? static_cast<double>(sizes[d]) / static_cast<double>(in_shape[d]) : 1;
    }
    return targets;
  }
  if (scales.size() != rank)
    return NodeError(node, "scales has " + std::to_string(scales.size()) + " values for an input of rank " +
                               std::to_string(rank));
  for (size_t d = 0; d < rank; ++d) {
    double s = scales[d];
    double out = std::floor(static_cast<double>(in_shape[d]) * s);
    if (!(s > 0) || !std::isfinite(s) || out > kMaxDim)
      return NodeError(node, "scales[" + std::to_string(d) + "] = " + std::to_string(scales[d]) + " is invalid");
    targets[d] = {static_cast<int64_t>(out), s};
  }
  return targets;
}

// The ONNX coordinate_transformation_mode formulas: output index x -> input coordinate. As in the ONNX
// reference, the resized length is in * scale, not rounded to the output size (they differ for scales).
double SourceCoordinate(CoordinateMode mode, double x, double scale, int64_t in, double roi_start, double roi_end) {
  const double in_d = static_cast<double>(in), out_d = in_d * scale;
  switch (mode) {
    case CoordinateMode::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case CoordinateMode::kPytorchHalfPixel: return out_d > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case CoordinateMode::kAlignCorners: return out_d > 1 ? x * (in_d - 1) / (out_d - 1) : 0.0;
    case CoordinateMode::kAsymmetric: return x / scale;
    case CoordinateMode::kTfHalfPixelForNn: return (x + 0.5) / scale;
    case CoordinateMode::kTfCropAndResize:
      return out_d > 1 ? roi_start * (in_d - 1) + x * (roi_end - roi_start) * (in_d - 1) / (out_d - 1)
                     : 0.5 * (roi_start + roi_end) * (in_d - 1);
  }
  return x;
}

int64_t NearestIndex(NearestMode mode, double x, double scale) {
  switch (mode) {
    case NearestMode::kRoundPreferFloor: return static_cast<int64_t>(std::ceil(x - 0.5));
    case NearestMode::kRoundPreferCeil: return static_cast<int64_t>(std::floor(x + 0.5));
    case NearestMode::kFloor: return static_cast<int64_t>(std::floor(x));
    case NearestMode::kCeil: return static_cast<int64_t>(std::ceil(x));
    case NearestMode::kSimple: return static_cast<int64_t>(scale < 1 ? std::ceil(x) : std::floor(x));
  }
  return 0;
}

// Keys's cubic convolution weights for taps at offsets -1, 0, 1, 2 from floor(x); t = x - floor(x).
void CubicWeights(double a, double t, double w[4]) {
  auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 <= d <= 2
  auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // 0 <= d <= 1
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

ResizeAxis MakeAxis(const ResizeAttrs& attrs, int64_t in, const AxisTarget& target, double roi_start,
                    double roi_end) {
  ResizeAxis axis;
  axis.in_size = in;
  axis.out_size = target.out_size;
  axis.taps = attrs.mode == ResizeMode::kNearest ? 1 : attrs.mode == ResizeMode::kLinear ? 2 : 4;
  const size_t n = static_cast<size_t>(axis.out_size), taps = static_cast<size_t>(axis.taps);
  axis.index.resize(n * taps);
  axis.weight.resize(n * taps);
  axis.outside.assign(n, 0);
  axis.identity = in == axis.out_size;
  auto clamp = [in](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  for (size_t o = 0; o < n; ++o) {
    double x = SourceCoordinate(attrs.coordinate, static_cast<double>(o), target.scale, in, roi_start, roi_end);
    if (attrs.coordinate == CoordinateMode::kTfCropAndResize && (x < 0 || x > static_cast<double>(in - 1)))
      axis.outside[o] = 1;
    int64_t* index = &axis.index[o * taps];
    float* weight = &axis.weight[o * taps];
    if (attrs.mode == ResizeMode::kNearest) {
      index[0] = clamp(NearestIndex(attrs.nearest, x, target.scale));
      weight[0] = 1.f;
    } else {
      double x0 = std::floor(x), t = x - x0;
      int64_t base = static_cast<int64_t>(x0);
      double w[4] = {1 - t, t, 0, 0};
      if (attrs.mode == ResizeMode::kCubic) {
        CubicWeights(attrs.cubic_coeff_a, t, w);
        base -= 1;
      }
      double sum = 0;
      for (size_t k = 0; k < taps; ++k) {
        int64_t i = base + static_cast<int64_t>(k);
        if (attrs.exclude_outside && (i < 0 || i >= in)) w[k] = 0;
        sum += w[k];
      }
      for (size_t k = 0; k < taps; ++k) {
        index[k] = clamp(base + static_cast<int64_t>(k));
        weight[k] = static_cast<float>(attrs.exclude_outside && sum != 0 ? w[k] / sum : w[k]);
      }
    }
    // An identity axis reads only source index o, with total weight 1 (a clamped second tap may land on o with
    // weight 0, as linear's last element does).
    float weight_on_o = 0;
    bool reads_elsewhere = false;
    for (size_t k = 0; k < taps; ++k) {
      if (index[k] == static_cast<int64_t>(o)) weight_on_o += weight[k];
      else reads_elsewhere |= weight[k] != 0.f;
    }
    if (axis.outside[o] || reads_elsewhere || weight_on_o != 1.f) axis.identity = false;
  }
  return axis;
}

}  // namespace

bool IsNearestCopyable(DataType dt) {
  size_t size = DataTypeSize(dt);
  return dt != DataType::kString && (size == 1 || size == 2 || size == 4 || size == 8);
}

ResizeAttrs ReadResizeAttrs(const Node& node) {
  ResizeAttrs a;
  std::string mode = node.GetString("mode", "nearest");
  a.mode = mode == "linear" ? ResizeMode::kLinear : mode == "cubic" ? ResizeMode::kCubic : ResizeMode::kNearest;
  if (IsLegacyForm(node)) {
    a.coordinate = CoordinateMode::kAsymmetric;
    a.nearest = NearestMode::kSimple;
    return a;
  }
  std::string coord = node.GetString("coordinate_transformation_mode", "half_pixel");
  a.coordinate = coord == "pytorch_half_pixel"     ? CoordinateMode::kPytorchHalfPixel
                 : coord == "align_corners"        ? CoordinateMode::kAlignCorners
                 : coord == "asymmetric"           ? CoordinateMode::kAsymmetric
                 : coord == "tf_half_pixel_for_nn" ? CoordinateMode::kTfHalfPixelForNn
                 : coord == "tf_crop_and_resize"   ? CoordinateMode::kTfCropAndResize
                                                   : CoordinateMode::kHalfPixel;
  std::string nearest = node.GetString("nearest_mode", "round_prefer_floor");
  a.nearest = nearest == "round_prefer_ceil" ? NearestMode::kRoundPreferCeil
              : nearest == "floor"           ? NearestMode::kFloor
              : nearest == "ceil"            ? NearestMode::kCeil
                                             : NearestMode::kRoundPreferFloor;
  a.cubic_coeff_a = node.GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = node.GetInt("exclude_outside", 0) != 0;
  a.extrapolation_value = node.GetFloat("extrapolation_value", 0.f);
  return a;
}

Status ValidateResizeAttrs(const Node& node) {
  if (IsLegacyForm(node)) {
    FF_RETURN_IF_ERROR(ExpectStringAttr(node, "mode", {"nearest", "linear"}));
  } else {
    FF_RETURN_IF_ERROR(ExpectStringAttr(node, "mode", {"nearest", "linear", "cubic"}));
    FF_RETURN_IF_ERROR(ExpectStringAttr(node, "coordinate_transformation_mode",
                                        {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                         "tf_half_pixel_for_nn", "tf_crop_and_resize"}));
    FF_RETURN_IF_ERROR(
        ExpectStringAttr(node, "nearest_mode", {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}));
    FF_RETURN_IF_ERROR(ExpectStringAttr(node, "keep_aspect_ratio_policy", {"stretch"}));
  }
  int64_t exclude = node.GetInt("exclude_outside", 0);
  if (exclude != 0 && exclude != 1)
    return NodeError(node, "exclude_outside must be 0 or 1, got " + std::to_string(exclude));
  if (node.GetInt("antialias", 0) != 0) return NodeUnsupported(node, "antialias=1 is not supported");
  if (node.Has("axes")) return NodeUnsupported(node, "the axes attribute is not supported");
  return Status::Ok();
}

Result<Shape> ResizeOutputShape(const Node& node, std::span<const Tensor* const> inputs) {
  if (inputs.empty() || inputs[0] == nullptr) return NodeError(node, "missing input X");
  const Shape& in_shape = inputs[0]->shape();
  FF_ASSIGN_OR_RETURN(std::vector<AxisTarget> targets, ReadTargets(node, inputs, in_shape));
  Shape out(in_shape.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (in_shape[d] == 0 && targets[d].out_size > 0)
      return NodeError(node, "cannot resize an empty axis " + std::to_string(d) + " to size " +
                                 std::to_string(targets[d].out_size));
    out[d] = targets[d].out_size;
  }
  return out;
}

Result<ResizePlan> MakeResizePlan(const Node& node, std::span<const Tensor* const> inputs) {
  FF_ASSIGN_OR_RETURN(Shape out_shape, ResizeOutputShape(node, inputs));
  const Shape& in_shape = inputs[0]->shape();
  FF_ASSIGN_OR_RETURN(std::vector<AxisTarget> targets, ReadTargets(node, inputs, in_shape));
  ResizePlan plan;
  plan.attrs = ReadResizeAttrs(node);
  plan.out_shape = out_shape;
  // An empty output needs no axis tables (and one of its axes may be huge while another is 0).
  if (NumElements(out_shape) == 0) return plan;
  const size_t rank = in_shape.size();
  std::vector<float> roi;
  if (plan.attrs.coordinate == CoordinateMode::kTfCropAndResize) {
    const Tensor* roi_tensor = inputs.size() > 1 ? inputs[1] : nullptr;
    FF_ASSIGN_OR_RETURN(roi, ReadFloats(node, roi_tensor, "roi"));
    if (roi.size() != 2 * rank)
      return NodeError(node, "tf_crop_and_resize needs roi with 2 * rank = " + std::to_string(2 * rank) +
                                 " values, got " + std::to_string(roi.size()));
  }
  for (size_t d = 0; d < rank; ++d) {
    double start = roi.empty() ? 0 : roi[d], end = roi.empty() ? 1 : roi[rank + d];
    plan.axes.push_back(MakeAxis(plan.attrs, in_shape[d], targets[d], start, end));
    for (uint8_t o : plan.axes.back().outside) plan.any_outside |= o != 0;
  }
  return plan;
}

}  // namespace facefuse::rt
