// Resize (opsets 10..18) and Upsample (opsets 7, 9): definitions and the
// reference kernel. The geometry (output shape, taps, weights) is in
// resize_plan.cpp and shared with the CPU kernel.
#include <algorithm>
#include <vector>

#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"
#include "runtime/ops/resize_plan.h"

namespace facefuse::rt {
namespace {

// X: float32 for linear/cubic and for tf_crop_and_resize (it extrapolates a
// float value); any 1/2/4/8-byte dtype for nearest.
Status ValidateResizeInput(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ValidateResizeAttrs(ctx.node));
  ResizeAttrs attrs = ReadResizeAttrs(ctx.node);
  if (attrs.mode != ResizeMode::kNearest || attrs.coordinate == CoordinateMode::kTfCropAndResize)
    return ExpectInputType(ctx, 0, {DataType::kFloat32});
  DataType t = ctx.type(0);
  if (t != DataType::kUndefined && !IsNearestCopyable(t))
    return NodeUnsupported(ctx.node, "input 0 has dtype " + DataTypeName(t) + "; nearest supports 1, 2, 4 and "
                                     "8-byte dtypes");
  return Status::Ok();
}

Status ValidateResize(const ValidateContext& ctx) {
  if (ctx.opset <= 10) {
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 2));
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kFloat32}));
  } else {
    // Two inputs would be the opset-10 form; opset 11+ needs scales (input 2) or sizes (input 3).
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 3, 4));
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kFloat32, DataType::kFloat64}));
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 2, {DataType::kFloat32}));
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 3, {DataType::kInt64}));
  }
  return ValidateResizeInput(ctx);
}

Status ValidateUpsample(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 2));
  if (ctx.node.NumInputs() == 1 && ctx.node.GetFloats("scales").empty())
    return NodeError(ctx.node, "needs the scales attribute (opset 7) or a scales input (opset 9)");
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kFloat32}));
  return ValidateResizeInput(ctx);
}

Status InferResize(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (outputs.size() != 1) return NodeError(node, "expects 1 output");
  FF_ASSIGN_OR_RETURN(outputs[0].shape, ResizeOutputShape(node, inputs));
  outputs[0].dtype = inputs[0]->dtype();
  return Status::Ok();
}

// Calls f(output flat index, per-axis output index) for every output element in row-major order.
template <typename F>
void ForEachOutput(const ResizePlan& plan, F&& f) {
  const size_t rank = plan.out_shape.size();
  const int64_t count = NumElements(plan.out_shape);
  const std::vector<int64_t> strides = Strides(plan.out_shape);
  std::vector<int64_t> o(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    for (size_t d = 0; d < rank; ++d) o[d] = flat / strides[d] % plan.out_shape[d];
    f(flat, o);
  }
}

bool IsOutside(const ResizePlan& plan, const std::vector<int64_t>& o) {
  for (size_t d = 0; d < o.size(); ++d)
    if (plan.axes[d].outside[static_cast<size_t>(o[d])]) return true;
  return false;
}

template <typename U>
void NearestReference(const ResizePlan& plan, const std::vector<int64_t>& in_strides, const U* in, U* out) {
  const U fill = ExtrapolationBits<U>(plan);
  ForEachOutput(plan, [&](int64_t flat, const std::vector<int64_t>& o) {
    if (IsOutside(plan, o)) {
      out[flat] = fill;
      return;
    }
    int64_t offset = 0;
    for (size_t d = 0; d < o.size(); ++d) offset += plan.axes[d].index[static_cast<size_t>(o[d])] * in_strides[d];
    out[flat] = in[offset];
  });
}

// Sums weight products over every combination of taps (taps ^ rank terms), in double.
void WeightedReference(const ResizePlan& plan, const std::vector<int64_t>& in_strides, const float* in, float* out) {
  const size_t rank = plan.out_shape.size();
  std::vector<int64_t> t(rank);
  ForEachOutput(plan, [&](int64_t flat, const std::vector<int64_t>& o) {
    if (IsOutside(plan, o)) {
      out[flat] = plan.attrs.extrapolation_value;
      return;
    }
    std::fill(t.begin(), t.end(), 0);
    double acc = 0;
    for (;;) {
      double w = 1;
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d) {
        const ResizeAxis& axis = plan.axes[d];
        size_t k = static_cast<size_t>(o[d] * axis.taps + t[d]);
        w *= axis.weight[k];
        offset += axis.index[k] * in_strides[d];
      }
      acc += w * in[offset];
      size_t d = rank;
      while (d > 0 && ++t[d - 1] == plan.axes[d - 1].taps) t[--d] = 0;
      if (d == 0) break;
    }
    out[flat] = static_cast<float>(acc);
  });
}

Status ReferenceResize(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(ResizePlan plan, MakeResizePlan(node, inputs));
  const Tensor& x = *inputs[0];
  Tensor& y = *outputs[0];
  if (y.shape() != plan.out_shape || y.dtype() != x.dtype())
    return NodeError(node, "output buffer does not match the inferred shape");
  if (y.size() == 0) return Status::Ok();
  std::vector<int64_t> in_strides = Strides(x.shape());
  if (plan.attrs.mode != ResizeMode::kNearest) {
    if (x.dtype() != DataType::kFloat32) return NodeUnsupported(node, "linear and cubic need float32");
    WeightedReference(plan, in_strides, x.data<float>(), y.data<float>());
    return Status::Ok();
  }
  return DispatchElementSize(node, x.dtype(), [&](auto zero) {
    using U = decltype(zero);
    NearestReference<U>(plan, in_strides, x.data<U>(), y.data<U>());
    return Status::Ok();
  });
}

constexpr std::string_view kResizeDtypes = "float32 (linear, cubic); every 1/2/4/8-byte dtype (nearest)";

}  // namespace

void RegisterResizeOps(OpRegistry& r) {
  r.Add(OpDef{.op_type = "Resize",
              .domain = "",
              .validate = ValidateResize,
              .infer = InferResize,
              .reference = ReferenceResize,
              .dtypes = kResizeDtypes,
              .limits = "opset 18 antialias=1, the axes attribute and keep_aspect_ratio_policy other than stretch "
                        "are unsupported; tf_crop_and_resize needs float32 X; roi as float16 is unsupported. "
                        "Opset 10 uses asymmetric coordinates and, for nearest, floor (ceil when downsampling), "
                        "as ONNX Runtime does"});
  r.Add(OpDef{.op_type = "Upsample",
              .domain = "",
              .validate = ValidateUpsample,
              .infer = InferResize,
              .reference = ReferenceResize,
              .dtypes = kResizeDtypes,
              .limits = "modes nearest and linear (asymmetric coordinates; nearest rounds down, as ONNX Runtime "
                        "does)"});
}

}  // namespace facefuse::rt
