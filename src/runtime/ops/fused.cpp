// facefuse.FusedConv: Y = activation(Conv(X, W, B) + Sum), created by the
// conv-activation fusion pass. Inputs: X, W, B (optional), Sum (optional,
// Y's shape), Slope (optional, PRelu only: C or 1 values in any shape).
// Attributes: every Conv attribute, `activation` and `activation_params`.
#include "runtime/ops/activation.h"
#include "runtime/ops/conv_common.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

constexpr size_t kSumInput = 3;
constexpr size_t kSlopeInput = 4;

const Tensor* InputOrNull(std::span<const Tensor* const> inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : nullptr;
}

Status ValidateFusedConv(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 5));
  FF_RETURN_IF_ERROR(ValidateConvAttributes(ctx, /*transpose=*/false));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, kSumInput, {DataType::kFloat32}));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, kSlopeInput, {DataType::kFloat32}));
  FF_ASSIGN_OR_RETURN(FusedActivation act, ReadFusedActivation(ctx.node));
  if ((act.kind == "PRelu") != ctx.node.HasInput(kSlopeInput))
    return NodeError(ctx.node, "the Slope input must be given exactly when activation is PRelu");
  return Status::Ok();
}

// The conv geometry, after checking Sum and Slope against it.
Result<ConvGeometry> ResolveFused(const Node& node, std::span<const Tensor* const> inputs) {
  if (inputs.size() < 2 || inputs[0] == nullptr || inputs[1] == nullptr) return NodeError(node, "needs X and W");
  FF_ASSIGN_OR_RETURN(ConvGeometry g,
                      ResolveConvGeometry(node, false, inputs[0]->shape(), inputs[1]->shape(), InputOrNull(inputs, 2)));
  const Tensor* sum = InputOrNull(inputs, kSumInput);
  if (sum != nullptr && sum->shape() != g.y_shape)
    return NodeError(node, "Sum " + ShapeToString(sum->shape()) + " must have Y's shape " + ShapeToString(g.y_shape));
  const Tensor* slope = InputOrNull(inputs, kSlopeInput);
  if (slope != nullptr && slope->size() != 1 && slope->size() != g.out_channels)
    return NodeError(node, "Slope " + ShapeToString(slope->shape()) + " must have 1 or " +
                               std::to_string(g.out_channels) + " values");
  if (slope == nullptr && node.GetString("activation", "") == "PRelu")
    return NodeError(node, "activation PRelu needs the Slope input");
  return g;
}

Status InferFusedConv(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(ConvGeometry g, ResolveFused(node, inputs));
  outputs[0] = OutputSpec{DataType::kFloat32, g.y_shape};
  return Status::Ok();
}

Status ReferenceFusedConv(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(ConvGeometry g, ResolveFused(node, inputs));
  FF_ASSIGN_OR_RETURN(FusedActivation act, ReadFusedActivation(node));
  const Tensor* bias = InputOrNull(inputs, 2);
  float* y = outputs[0]->data<float>();
  const int64_t n = outputs[0]->size();
  ConvReference(g, inputs[0]->data<float>(), inputs[1]->data<float>(), bias ? bias->data<float>() : nullptr, y);
  if (const Tensor* sum = InputOrNull(inputs, kSumInput)) {
    const float* s = sum->data<float>();
    for (int64_t i = 0; i < n; ++i) y[i] += s[i];
  }
  if (act.kind == "PRelu") {
    const int64_t spatial = g.batch * g.out_channels == 0 ? 0 : n / (g.batch * g.out_channels);
    ApplyChannelPRelu(InputOrNull(inputs, kSlopeInput)->span<float>(), g.out_channels, spatial, g.batch, y);
  } else if (!act.kind.empty()) {
    FF_RETURN_IF_ERROR(ApplyActivation(act.kind, act.params, y, n));
  }
  return Status::Ok();
}

}  // namespace

void RegisterFusedOps(OpRegistry& r) {
  r.Add(OpDef{"FusedConv", "facefuse", ValidateFusedConv, InferFusedConv, ReferenceFusedConv, "float32",
              "Conv's limits; activation one of Relu, LeakyRelu, Sigmoid, HardSigmoid, Tanh, Clip, Elu, PRelu "
              "(activation_params empty for the ONNX defaults or complete); Sum must have Y's shape (no "
              "broadcasting); Slope must hold 1 or C values."});
}

}  // namespace facefuse::rt
