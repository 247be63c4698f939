// Constant folding: a node whose inputs are all initializers (or that has no
// inputs, like Constant) is evaluated once with its OpDef's infer + reference
// kernel and replaced by initializers. A Shape of a graph input whose declared
// dims are all static folds too. A node is left alone (for the session to run
// or to report) when validate, infer or the kernel fails, or when an output
// would exceed kMaxFoldedBytes.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/ops/op_util.h"
#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

// Declared dims of graph inputs whose every dim is static.
std::unordered_map<std::string, Shape> StaticInputShapes(const Graph& g) {
  std::unordered_map<std::string, Shape> shapes;
  for (const auto& in : g.inputs) {
    if (!in.dims) continue;
    Shape s;
    for (const auto& d : *in.dims) s.push_back(d.size);
    if (std::all_of(in.dims->begin(), in.dims->end(), [](const Dim& d) { return d.known(); })) shapes[in.name] = s;
  }
  return shapes;
}

// Evaluates a node whose non-empty inputs are all initializers; an error means "do not fold" (OutOfMemory:
// an output is too large to keep as an initializer).
Result<std::vector<Tensor>> Evaluate(const Graph& g, const PassContext& ctx, const Node& node) {
  const OpDef* def = ctx.ops.Find(node.domain, node.op_type);
  if (def == nullptr || def->infer == nullptr || def->reference == nullptr) return Unsupported("no reference kernel");
  std::vector<const Tensor*> inputs;
  std::vector<DataType> types;
  for (const auto& in : node.inputs) {
    const Tensor* t = in.empty() ? nullptr : &g.initializers.at(in);
    inputs.push_back(t);
    types.push_back(t ? t->dtype() : DataType::kUndefined);
  }
  if (def->validate) FF_RETURN_IF_ERROR(def->validate(ValidateContext{node, g.opset, types, inputs}));
  std::vector<OutputSpec> specs(node.outputs.size());
  FF_RETURN_IF_ERROR(def->infer(node, inputs, specs));
  std::vector<Tensor> outputs(specs.size());
  std::vector<Tensor*> out_ptrs;
  for (size_t j = 0; j < specs.size(); ++j) {
    FF_RETURN_IF_ERROR(CheckOutputSize(node, j, specs[j], kMaxFoldedBytes));
    if (specs[j].alias_of >= 0) {
      size_t a = static_cast<size_t>(specs[j].alias_of);
      if (a >= inputs.size() || inputs[a] == nullptr) return Internal("bad alias");
      // A copy, so later in-place rewrites of either initializer cannot affect the other.
      FF_ASSIGN_OR_RETURN(Tensor view, inputs[a]->Reshaped(specs[j].shape));
      FF_ASSIGN_OR_RETURN(outputs[j], view.Clone());
    } else {
      FF_ASSIGN_OR_RETURN(outputs[j], Tensor::Allocate(specs[j].dtype, specs[j].shape));
    }
  }
  bool any_compute = false;
  for (size_t j = 0; j < specs.size(); ++j) {
    out_ptrs.push_back(&outputs[j]);
    any_compute |= specs[j].alias_of < 0;
  }
  if (any_compute) FF_RETURN_IF_ERROR(def->reference(node, inputs, out_ptrs));
  return outputs;
}

bool AllInputsConstant(const Graph& g, const Node& node) {
  return std::all_of(node.inputs.begin(), node.inputs.end(),
                     [&g](const std::string& in) { return in.empty() || g.IsInitializer(in); });
}

}  // namespace

Status FoldConstants(Graph& g, const PassContext& ctx) {
  const std::unordered_map<std::string, Shape> static_inputs = StaticInputShapes(g);
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  size_t folded = 0;
  for (Node& node : g.nodes) {
    Result<std::vector<Tensor>> values = Unsupported("not constant");
    if (IsOnnxOp(node, "Shape") && node.NumInputs() == 1 && static_inputs.count(node.inputs[0])) {
      auto shape = FoldShape(node, static_inputs.at(node.inputs[0]));
      if (shape.ok()) values = std::vector<Tensor>{std::move(shape).value()};
    } else if (AllInputsConstant(g, node)) {
      values = Evaluate(g, ctx, node);
      if (values.status().code() == StatusCode::kOutOfMemory)
        ctx.Log("fold: keep " + node.Describe() + " (" + values.status().message() + ")");
    }
    if (!values.ok() || values->size() != node.outputs.size()) {
      kept.push_back(std::move(node));
      continue;
    }
    std::string made;
    for (size_t j = 0; j < node.outputs.size(); ++j) {
      if (node.outputs[j].empty()) continue;
      made += (made.empty() ? "'" : ", '") + node.outputs[j] + "' " + ShapeToString((*values)[j].shape());
      g.initializers[node.outputs[j]] = std::move((*values)[j]);
    }
    ctx.Log("fold: " + node.Describe() + " -> initializer " + made);
    ++folded;
  }
  g.nodes = std::move(kept);
  ctx.Log("constant folding: " + std::to_string(folded) + " node(s) folded into initializers");
  return Status::Ok();
}

}  // namespace facefuse::rt
