// The runtime's graph IR: what the ONNX loader produces, what passes rewrite,
// and what the session compiles into an execution plan.
//
// Values are named by strings (as in ONNX); an empty input name means an
// absent optional input. Nodes are kept in topological order by the loader and
// by every pass (TopologicalSort() restores it and reports cycles).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse::rt {

struct Attribute {
  using Value = std::variant<int64_t, float, std::string, Tensor, std::vector<int64_t>,
                             std::vector<float>, std::vector<std::string>>;
  Value value;
};

// One static dimension: a size >= 0, or unknown (-1) with an optional symbol.
struct Dim {
  int64_t size = -1;
  std::string symbol;
  bool known() const { return size >= 0; }
};

struct ValueInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::optional<std::vector<Dim>> dims;  // nullopt: rank unknown
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" or "ai.onnx" for the default domain
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;

  bool Has(const std::string& attr) const { return attrs.count(attr) != 0; }
  // Typed attribute getters: the default when absent; the default also when the
  // attribute has another type (Validate functions reject that case first).
  int64_t GetInt(const std::string& attr, int64_t def) const;
  float GetFloat(const std::string& attr, float def) const;
  std::string GetString(const std::string& attr, const std::string& def) const;
  std::vector<int64_t> GetInts(const std::string& attr, std::vector<int64_t> def = {}) const;
  std::vector<float> GetFloats(const std::string& attr, std::vector<float> def = {}) const;
  const Tensor* GetTensor(const std::string& attr) const;

  // Number of present inputs counting only up to the last non-empty name.
  size_t NumInputs() const;
  bool HasInput(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }

  // "Conv 'conv_1'" for messages.
  std::string Describe() const;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;   // graph inputs that are not initializers, in order
  std::vector<ValueInfo> outputs;  // graph outputs, in order
  std::unordered_map<std::string, Tensor> initializers;
  std::unordered_map<std::string, ValueInfo> value_infos;  // inferred or declared types
  int64_t opset = 0;                                       // default-domain opset
  std::string producer;

  bool IsInitializer(const std::string& name) const { return initializers.count(name) != 0; }
  // Dtype of a value if known (input, initializer, or inferred), else kUndefined.
  DataType TypeOf(const std::string& name) const;

  // Sorts nodes so every node comes after the producers of its inputs.
  // Errors: InvalidArgument naming a node on a cycle, or an input no one produces.
  Status TopologicalSort();
};

}  // namespace facefuse::rt
