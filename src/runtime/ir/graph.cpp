#include "runtime/ir/graph.h"

#include <deque>
#include <unordered_set>

namespace facefuse::rt {

int64_t Node::GetInt(const std::string& attr, int64_t def) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return def;
  if (auto* v = std::get_if<int64_t>(&it->second.value)) return *v;
  return def;
}

float Node::GetFloat(const std::string& attr, float def) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return def;
  if (auto* v = std::get_if<float>(&it->second.value)) return *v;
  return def;
}

std::string Node::GetString(const std::string& attr, const std::string& def) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return def;
  if (auto* v = std::get_if<std::string>(&it->second.value)) return *v;
  return def;
}

std::vector<int64_t> Node::GetInts(const std::string& attr, std::vector<int64_t> def) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return def;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second.value)) return *v;
  return def;
}

std::vector<float> Node::GetFloats(const std::string& attr, std::vector<float> def) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return def;
  if (auto* v = std::get_if<std::vector<float>>(&it->second.value)) return *v;
  return def;
}

const Tensor* Node::GetTensor(const std::string& attr) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) return nullptr;
  return std::get_if<Tensor>(&it->second.value);
}

size_t Node::NumInputs() const {
  size_t n = inputs.size();
  while (n > 0 && inputs[n - 1].empty()) --n;
  return n;
}

std::string Node::Describe() const {
  std::string s = op_type;
  s += " '";
  s += name.empty() ? (outputs.empty() ? std::string("?") : outputs[0]) : name;
  s += "'";
  return s;
}

DataType Graph::TypeOf(const std::string& name) const {
  if (auto it = initializers.find(name); it != initializers.end()) return it->second.dtype();
  for (const auto& in : inputs)
    if (in.name == name) return in.dtype;
  if (auto it = value_infos.find(name); it != value_infos.end()) return it->second.dtype;
  return DataType::kUndefined;
}

Status Graph::TopologicalSort() {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (!o.empty()) {
        if (producer.count(o))
          return InvalidArgument("value '" + o + "' is produced by two nodes: " +
                                 nodes[producer[o]].Describe() + " and " + nodes[i].Describe());
        producer[o] = i;
      }
  std::unordered_set<std::string> available;
  for (const auto& in : inputs) available.insert(in.name);
  for (const auto& [name, t] : initializers) available.insert(name);

  std::vector<size_t> pending(nodes.size(), 0);
  std::unordered_map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& in : nodes[i].inputs) {
      if (in.empty() || available.count(in)) continue;
      if (!producer.count(in))
        return InvalidArgument(nodes[i].Describe() + " reads '" + in +
                               "', which is neither a graph input, an initializer nor a node output");
      ++pending[i];
      consumers[in].push_back(i);
    }
  }
  std::deque<size_t> ready;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  std::vector<size_t> order;
  order.reserve(nodes.size());
  while (!ready.empty()) {
    size_t i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (const auto& o : nodes[i].outputs) {
      auto it = consumers.find(o);
      if (it == consumers.end()) continue;
      for (size_t c : it->second)
        if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (order.size() != nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (pending[i] != 0)
        return InvalidArgument("the graph has a cycle through " + nodes[i].Describe());
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  return Status::Ok();
}

}  // namespace facefuse::rt
