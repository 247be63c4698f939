// Conv and ConvTranspose: 1-D, 2-D and 3-D, groups, strides, dilations, pads,
// auto_pad, ConvTranspose output_padding / output_shape.
#include "runtime/ops/conv_common.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

template <bool kTranspose>
Status ValidateConv(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 3));
  return ValidateConvAttributes(ctx, kTranspose);
}

template <bool kTranspose>
Status InferConv(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs.size() < 2 || inputs[0] == nullptr || inputs[1] == nullptr) return NodeError(node, "needs X and W");
  const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
  FF_ASSIGN_OR_RETURN(ConvGeometry g,
                      ResolveConvGeometry(node, kTranspose, inputs[0]->shape(), inputs[1]->shape(), bias));
  outputs[0] = OutputSpec{DataType::kFloat32, g.y_shape};
  return Status::Ok();
}

template <bool kTranspose>
Status ReferenceConv(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
  FF_ASSIGN_OR_RETURN(ConvGeometry g,
                      ResolveConvGeometry(node, kTranspose, inputs[0]->shape(), inputs[1]->shape(), bias));
  const float* b = bias ? bias->data<float>() : nullptr;
  if (kTranspose) {
    ConvTransposeReference(g, inputs[0]->data<float>(), inputs[1]->data<float>(), b, outputs[0]->data<float>());
  } else {
    ConvReference(g, inputs[0]->data<float>(), inputs[1]->data<float>(), b, outputs[0]->data<float>());
  }
  return Status::Ok();
}

}  // namespace

void RegisterConvOps(OpRegistry& r) {
  r.Add(OpDef{"Conv", "", ValidateConv<false>, InferConv<false>, ReferenceConv<false>, "float32",
              "1-D, 2-D and 3-D only (X of rank 3..5); float32 only (no float16/float64/int types); "
              "strides and dilations at most 65536, pads at most 2^30."});
  r.Add(OpDef{"ConvTranspose", "", ValidateConv<true>, InferConv<true>, ReferenceConv<true>, "float32",
              "1-D, 2-D and 3-D only (X of rank 3..5); float32 only; strides and dilations at most 65536, pads and "
              "output_padding at most 2^30. output_shape (N and C entries optional) overrides pads, with the odd "
              "unit of padding placed as in the ONNX reference."});
}

}  // namespace facefuse::rt
