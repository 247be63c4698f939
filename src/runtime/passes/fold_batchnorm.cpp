// Conv -> BatchNormalization (inference mode) becomes one Conv:
//   s = scale / sqrt(var + epsilon),  W'[m] = W[m] * s[m],  B' = (B - mean) * s + bn_bias.
// Requires float32 constant W, B (optional) and BN parameters with one value per
// output channel, and a Conv output read only by the BN (not a graph output).
// New weights get fresh initializer names (W may be shared with other nodes);
// the old ones are left to dead-node removal.
#include <cmath>
#include <vector>

#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

// The BN's only live output is Y (the training-mode outputs are absent or unused).
bool OnlyYIsUsed(const Node& bn, const ValueUses& uses) {
  for (size_t j = 1; j < bn.outputs.size(); ++j)
    if (!bn.outputs[j].empty() && (uses.Consumers(bn.outputs[j]) > 0 || uses.IsGraphOutput(bn.outputs[j])))
      return false;
  return true;
}

struct BnParams {
  const Tensor* scale;
  const Tensor* bias;
  const Tensor* mean;
  const Tensor* var;
};

// Folds `bn` into `conv` when every condition holds; false leaves both untouched.
Result<bool> TryFold(Graph& g, const ValueUses& uses, Node& conv, const Node& bn) {
  if (!IsOnnxOp(conv, "Conv") || conv.outputs.size() != 1 || !uses.IsPrivate(conv.outputs[0])) return false;
  if (bn.NumInputs() != 5 || bn.GetInt("training_mode", 0) != 0 || !OnlyYIsUsed(bn, uses)) return false;
  const Tensor* w = conv.HasInput(1) ? FloatInitializer(g, conv.inputs[1]) : nullptr;
  const Tensor* b = conv.HasInput(2) ? FloatInitializer(g, conv.inputs[2]) : nullptr;
  BnParams p{FloatInitializer(g, bn.inputs[1]), FloatInitializer(g, bn.inputs[2]), FloatInitializer(g, bn.inputs[3]),
             FloatInitializer(g, bn.inputs[4])};
  if (w == nullptr || w->rank() < 1 || (conv.HasInput(2) && b == nullptr)) return false;
  const int64_t m = w->dim(0);
  for (const Tensor* t : {p.scale, p.bias, p.mean, p.var})
    if (t == nullptr || t->size() != m) return false;
  if (b != nullptr && b->size() != m) return false;

  const double eps = bn.GetFloat("epsilon", 1e-5f);
  FF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Allocate(DataType::kFloat32, w->shape()));
  FF_ASSIGN_OR_RETURN(Tensor new_b, Tensor::Allocate(DataType::kFloat32, {m}));
  const int64_t per_channel = m == 0 ? 0 : w->size() / m;
  for (int64_t c = 0; c < m; ++c) {
    const double s = p.scale->data<float>()[c] / std::sqrt(static_cast<double>(p.var->data<float>()[c]) + eps);
    for (int64_t k = 0; k < per_channel; ++k)
      new_w.data<float>()[c * per_channel + k] = static_cast<float>(w->data<float>()[c * per_channel + k] * s);
    const double old_b = b ? b->data<float>()[c] : 0.0;
    new_b.data<float>()[c] = static_cast<float>((old_b - p.mean->data<float>()[c]) * s + p.bias->data<float>()[c]);
  }
  const std::string base = conv.name.empty() ? conv.outputs[0] : conv.name;
  const std::string w_name = FreshValueName(g, base + "_bn_folded_W");
  g.initializers[w_name] = std::move(new_w);
  const std::string b_name = FreshValueName(g, base + "_bn_folded_B");
  g.initializers[b_name] = std::move(new_b);
  conv.inputs.resize(3);
  conv.inputs[1] = w_name;
  conv.inputs[2] = b_name;
  conv.outputs[0] = bn.outputs[0];
  return true;
}

}  // namespace

Status FoldBatchNormIntoConv(Graph& g, const PassContext& ctx) {
  const ValueUses uses(g);
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& o : g.nodes[i].outputs)
      if (!o.empty()) producer[o] = i;
  std::vector<bool> removed(g.nodes.size(), false);
  size_t folded = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (!IsOnnxOp(bn, "BatchNormalization") || !bn.HasInput(0) || !producer.count(bn.inputs[0])) continue;
    Node& conv = g.nodes[producer.at(bn.inputs[0])];
    const std::string conv_was = conv.Describe();
    FF_ASSIGN_OR_RETURN(bool done, TryFold(g, uses, conv, bn));
    if (!done) continue;
    ctx.Log("fold: " + bn.Describe() + " into " + conv_was);
    removed[i] = true;
    ++folded;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  ctx.Log("batchnorm folding: " + std::to_string(folded) + " BatchNormalization node(s) folded into Conv");
  return Status::Ok();
}

}  // namespace facefuse::rt
