// Softmax and LogSoftmax (opsets 7..18).
#include "runtime/ops/softmax.h"

#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {

Result<SoftmaxExtents> ComputeSoftmaxExtents(const Node& node, int64_t opset, const Shape& shape) {
  const bool per_axis = opset >= 13;
  const auto rank = static_cast<int64_t>(shape.size());
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", per_axis ? -1 : 1), rank));
  SoftmaxExtents e;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = shape[static_cast<size_t>(d)];
    if (d < axis) e.outer *= size;
    else if (d == axis || !per_axis) e.n *= size;
    else e.inner *= size;
  }
  return e;
}

namespace {

Status ValidateSoftmax(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  return ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64});
}

Status InferSoftmax(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  if (x.rank() == 0) return NodeError(node, "input must have rank >= 1");
  outputs[0] = {x.dtype(), x.shape()};
  return Status::Ok();
}

// The reference kernel has no opset, so it uses the opset >= 13 semantics; the
// CPU provider applies the model's opset (see limits).
template <bool kLog>
Status ReferenceSoftmax(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(SoftmaxExtents e, ComputeSoftmaxExtents(node, 13, x.shape()));
  if (x.size() == 0) return Status::Ok();
  if (x.dtype() == DataType::kFloat64) SoftmaxLines(x.data<double>(), outputs[0]->data<double>(), e, kLog);
  else SoftmaxLines(x.data<float>(), outputs[0]->data<float>(), e, kLog);
  return Status::Ok();
}

constexpr std::string_view kLimits =
    "Opset < 13 (2-D coercion at axis) is applied by the CPU provider; the reference kernel alone always normalises "
    "along one axis (opset >= 13 semantics).";

}  // namespace

void RegisterSoftmaxOps(OpRegistry& r) {
  r.Add({"Softmax", "", ValidateSoftmax, InferSoftmax, ReferenceSoftmax<false>, "float32, float64", kLimits});
  r.Add({"LogSoftmax", "", ValidateSoftmax, InferSoftmax, ReferenceSoftmax<true>, "float32, float64", kLimits});
}

}  // namespace facefuse::rt
