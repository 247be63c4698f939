// Helpers shared by the graph pass tests (test_passes.cpp, test_merge_convs.cpp): small graphs, the
// reference kernels run node by node, and a pass run that checks the outputs did not change.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt::pass_test {

using Feeds = std::map<std::string, Tensor>;

inline Tensor Random(const Shape& shape, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t = Tensor::Allocate(DataType::kFloat32, shape).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (float& x : t.span<float>()) x = d(rng);
  return t;
}

inline ValueInfo Info(const std::string& name, const Shape& shape) {
  ValueInfo v{name, DataType::kFloat32, std::vector<Dim>{}};
  for (int64_t d : shape) v.dims->push_back(Dim{d, ""});
  return v;
}

inline Node MakeOp(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs) {
  Node n;
  n.op_type = op;
  n.name = outputs.empty() ? op : outputs[0] + "_node";
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

// Runs the graph in node order with the OpDef reference kernels; returns the graph outputs.
inline std::vector<Tensor> RunReference(const Graph& g, const Feeds& feeds) {
  std::map<std::string, Tensor> values(feeds.begin(), feeds.end());
  for (const auto& [name, t] : g.initializers) values[name] = t;
  for (const Node& node : g.nodes) {
    const OpDef* def = OpRegistry::Global().Find(node.domain, node.op_type);
    EXPECT_NE(def, nullptr) << node.op_type;
    if (def == nullptr) return {};
    std::vector<const Tensor*> in;
    for (const auto& name : node.inputs) in.push_back(name.empty() ? nullptr : &values.at(name));
    std::vector<OutputSpec> specs(node.outputs.size());
    Status s = def->infer(node, in, specs);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<Tensor> out(specs.size());
    std::vector<Tensor*> out_ptrs;
    for (size_t j = 0; j < specs.size(); ++j) {
      out[j] = specs[j].alias_of >= 0 ? in[static_cast<size_t>(specs[j].alias_of)]->Reshaped(specs[j].shape).value()
                                      : Tensor::Allocate(specs[j].dtype, specs[j].shape).value();
      out_ptrs.push_back(&out[j]);
    }
    s = def->reference(node, in, out_ptrs);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (size_t j = 0; j < specs.size(); ++j) values[node.outputs[j]] = out[j];
  }
  std::vector<Tensor> result;
  for (const auto& o : g.outputs) result.push_back(values.at(o.name));
  return result;
}

inline void ExpectClose(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t j = 0; j < a.size(); ++j) {
    ASSERT_EQ(a[j].shape(), b[j].shape());
    ASSERT_EQ(a[j].dtype(), DataType::kFloat32);
    for (int64_t i = 0; i < a[j].size(); ++i) {
      float x = a[j].data<float>()[i], y = b[j].data<float>()[i];
      ASSERT_LE(std::fabs(x - y), 1e-5f + 1e-4f * std::fabs(x)) << "output " << j << " [" << i << "]";
    }
  }
}

// Runs `pass` on a copy of g, checks the outputs did not change, and returns the new graph and its log.
inline Graph RunPass(Status (*pass)(Graph&, const PassContext&), const Graph& g, const Feeds& feeds,
              std::vector<std::string>* log = nullptr) {
  Graph after = g;
  PassContext ctx{OpRegistry::Global(), [log](std::string_view line) {
                    if (log) log->emplace_back(line);
                  }};
  Status s = pass(after, ctx);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(after.TopologicalSort().ok());
  ExpectClose(RunReference(g, feeds), RunReference(after, feeds));
  return after;
}

inline std::vector<std::string> OpTypes(const Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

inline bool Logged(const std::vector<std::string>& log, const std::string& text) {
  for (const auto& line : log)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

// x [1,3,6,5] -> Conv 3x3 pad 1 (4 channels, W and B constant) -> "conv".
inline Graph ConvGraph() {
  Graph g;
  g.opset = 17;
  g.inputs = {Info("x", {1, 3, 6, 5})};
  g.initializers["w"] = Random({4, 3, 3, 3}, 1);
  g.initializers["b"] = Random({4}, 2);
  Node conv = MakeOp("Conv", {"x", "w", "b"}, {"conv"});
  conv.attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
  g.nodes.push_back(conv);
  g.value_infos["conv"] = Info("conv", {1, 4, 6, 5});
  return g;
}

}  // namespace facefuse::rt::pass_test
