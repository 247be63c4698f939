// facefuse.NhwcConv, facefuse.NhwcMaxPool, facefuse.NhwcAveragePool: the
// 2-D FusedConv, MaxPool and AveragePool on channels-last (NHWC) activations,
// created by the layout pass (passes/channels_last.cpp). Attributes, weights,
// bias and slope are the wrapped op's; X, Sum (NhwcConv's input 3) and Y are
// [N, H, W, C]. Each is defined by its NCHW twin: validate and infer are the
// twin's on the NCHW shapes, and the reference kernel relayouts the
// activations, runs the twin's reference and relayouts Y back.
#include <array>
#include <cstring>

#include "runtime/ops/channels_last.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

struct Twin {
  std::string_view nhwc_op, domain, op;
  std::array<bool, 5> activation_input;  // inputs in NHWC, by index
};

constexpr Twin kTwins[] = {
    {"NhwcConv", "facefuse", "FusedConv", {true, false, false, true, false}},
    {"NhwcMaxPool", "", "MaxPool", {true, false, false, false, false}},
    {"NhwcAveragePool", "", "AveragePool", {true, false, false, false, false}},
};

bool IsActivation(const Twin& t, size_t i) { return i < t.activation_input.size() && t.activation_input[i]; }

// The twin's definition, looked up once (infer runs on every step of every run).
template <size_t I>
const OpDef& TwinDef() {
  static const OpDef* const def = OpRegistry::Global().Find(kTwins[I].domain, kTwins[I].op);
  return *def;
}

Node AsTwin(const Twin& t, const Node& node) {
  Node n = node;
  n.op_type = std::string(t.op);
  n.domain = std::string(t.domain);
  return n;
}

template <size_t I>
Status Validate(const ValidateContext& ctx) {
  const Twin& t = kTwins[I];
  if (ctx.node.outputs.size() != 1) return NodeError(ctx.node, "has exactly one output");
  const std::vector<int64_t> kernel = ctx.node.GetInts("kernel_shape");
  if (!kernel.empty() && kernel.size() != 2) return NodeError(ctx.node, "pools and convolves over 2 spatial dims only");
  for (size_t i = 0; i < ctx.input_types.size(); ++i)
    if (IsActivation(t, i) && ctx.type(i) != DataType::kFloat32 && ctx.type(i) != DataType::kUndefined)
      return NodeError(ctx.node, "takes float32 activations only");
  const Node twin = AsTwin(t, ctx.node);
  return TwinDef<I>().validate(ValidateContext{twin, ctx.opset, ctx.input_types, ctx.constant_inputs});
}

// The inputs as the twin sees them: NCHW views over the same data (infer
// reads shapes only) for the activations.
Result<std::vector<Tensor>> ChannelsFirstViews(const Twin& t, const Node& node, std::span<const Tensor* const> inputs) {
  std::vector<Tensor> views(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) continue;
    if (!IsActivation(t, i)) { views[i] = *inputs[i]; continue; }
    if (inputs[i]->rank() != 4)
      return NodeError(node, "input " + std::to_string(i) + " must be 4-D NHWC, got " + ShapeToString(inputs[i]->shape()));
    views[i] = Tensor::View(inputs[i]->dtype(), ToChannelsFirst(inputs[i]->shape()), const_cast<void*>(inputs[i]->raw()));
  }
  return views;
}

std::vector<const Tensor*> Pointers(const std::vector<Tensor>& tensors, std::span<const Tensor* const> original) {
  std::vector<const Tensor*> p(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) p[i] = original[i] == nullptr ? nullptr : &tensors[i];
  return p;
}

template <size_t I>
Status Infer(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Twin& t = kTwins[I];
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> views, ChannelsFirstViews(t, node, inputs));
  FF_RETURN_IF_ERROR(TwinDef<I>().infer(AsTwin(t, node), Pointers(views, inputs), outputs));
  if (outputs[0].shape.size() != 4 || outputs[0].alias_of >= 0) return NodeError(node, "does not make a 4-D output");
  outputs[0].shape = ToChannelsLast(outputs[0].shape);
  return Status::Ok();
}

template <size_t I>
Status Reference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Twin& t = kTwins[I];
  std::vector<Tensor> nchw(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) continue;
    if (!IsActivation(t, i)) { nchw[i] = *inputs[i]; continue; }
    auto copy = CopyToChannelsFirst(*inputs[i]);
    if (!copy.ok()) return NodeError(node, copy.status().message());
    nchw[i] = std::move(copy).value();
  }
  Tensor& y = *outputs[0];
  if (y.rank() != 4) return NodeError(node, "Y must be 4-D NHWC");
  FF_ASSIGN_OR_RETURN(Tensor y_nchw, Tensor::Allocate(y.dtype(), ToChannelsFirst(y.shape())));
  Tensor* y_ptr = &y_nchw;
  FF_RETURN_IF_ERROR(TwinDef<I>().reference(AsTwin(t, node), Pointers(nchw, inputs), std::span<Tensor* const>(&y_ptr, 1)));
  FF_ASSIGN_OR_RETURN(Tensor y_nhwc, CopyToChannelsLast(y_nchw));
  if (y_nhwc.bytes() > 0) std::memcpy(y.raw(), y_nhwc.raw(), y_nhwc.bytes());
  return Status::Ok();
}

template <size_t I>
OpDef MakeDef(std::string_view limits) {
  return OpDef{kTwins[I].nhwc_op, "facefuse", Validate<I>, Infer<I>, Reference<I>, "float32", limits};
}

}  // namespace

void RegisterChannelsLastOps(OpRegistry& r) {
  r.Add(MakeDef<0>("FusedConv's limits, 2-D only; X, Sum and Y are NHWC"));
  r.Add(MakeDef<1>("MaxPool's limits, 2-D only, no Indices output; X and Y are NHWC"));
  r.Add(MakeDef<2>("AveragePool's limits, 2-D only; X and Y are NHWC"));
}

}  // namespace facefuse::rt
