#include "runtime/passes/pass_util.h"

#include <algorithm>
#include <vector>

namespace facefuse::rt {

ValueUses::ValueUses(const Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& in : g.nodes[i].inputs)
      if (!in.empty()) {
        ++consumers_[in];
        last_consumer_[in] = static_cast<int>(i);
      }
  for (const auto& out : g.outputs) graph_outputs_.insert(out.name);
}

int ValueUses::Consumers(const std::string& name) const {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? 0 : it->second;
}

int ValueUses::SoleConsumer(const std::string& name) const {
  if (!IsPrivate(name)) return -1;
  return last_consumer_.at(name);
}

const Tensor* FloatInitializer(const Graph& g, const std::string& name) {
  auto it = g.initializers.find(name);
  return it != g.initializers.end() && it->second.dtype() == DataType::kFloat32 ? &it->second : nullptr;
}

bool IsOnnxOp(const Node& n, const char* op_type) {
  return (n.domain.empty() || n.domain == "ai.onnx") && n.op_type == op_type;
}

bool IsConvolution(const Node& n) {
  return IsOnnxOp(n, "Conv") || (n.domain == "facefuse" && n.op_type == "FusedConv");
}

std::string FreshValueName(const Graph& g, const std::string& base) {
  auto taken = [&g](const std::string& name) {
    if (g.initializers.count(name) || g.value_infos.count(name)) return true;
    for (const auto& in : g.inputs)
      if (in.name == name) return true;
    for (const auto& n : g.nodes)
      for (const auto& o : n.outputs)
        if (o == name) return true;
    return false;
  };
  std::string name = base;
  for (int i = 1; taken(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

Result<Tensor> FoldShape(const Node& node, const Shape& dims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(node.GetInt("start", 0)), end = clamp(node.GetInt("end", rank));
  std::vector<int64_t> values(dims.begin() + start, dims.begin() + std::max(start, end));
  return Tensor::FromVector(values, {static_cast<int64_t>(values.size())});
}

}  // namespace facefuse::rt
