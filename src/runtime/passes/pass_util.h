// Helpers shared by the graph optimisation passes: who reads a value, whether
// a value can disappear in a fusion, constant lookups and fresh names.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "runtime/ir/graph.h"

namespace facefuse::rt {

// How the values of a graph are used, as of when it was built.
class ValueUses {
 public:
  explicit ValueUses(const Graph& g);
  // Number of node inputs reading `name` (a node reading it twice counts twice).
  int Consumers(const std::string& name) const;
  bool IsGraphOutput(const std::string& name) const { return graph_outputs_.count(name) != 0; }
  // True when exactly one node input reads the value and it is not a graph output, so a
  // fusion may make it disappear.
  bool IsPrivate(const std::string& name) const { return Consumers(name) == 1 && !IsGraphOutput(name); }
  // Index of the node reading a private value; -1 when there is none.
  int SoleConsumer(const std::string& name) const;

 private:
  std::unordered_map<std::string, int> consumers_;
  std::unordered_map<std::string, int> last_consumer_;
  std::unordered_set<std::string> graph_outputs_;
};

// The float32 initializer called `name`; nullptr when absent or another dtype.
const Tensor* FloatInitializer(const Graph& g, const std::string& name);
// The default-domain op `op_type`.
bool IsOnnxOp(const Node& n, const char* op_type);
// A Conv, or the facefuse.FusedConv the fusion pass makes of one.
bool IsConvolution(const Node& n);
// The value of Shape `node` (opsets 1..19, with start and end) for an input of shape `dims`: int64 [k].
Result<Tensor> FoldShape(const Node& node, const Shape& dims);
// `base` if no value of the graph is called that, else base_1, base_2, ...
std::string FreshValueName(const Graph& g, const std::string& base);

}  // namespace facefuse::rt
