// Activation cases: odd sizes for SIMD tails, one > 64K elements for the
// parallel path, every attribute form (defaults, explicit values) and both
// Clip forms (attributes before opset 11, optional inputs from 11).
#include <limits>

#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

const std::vector<Shape> kShapes = {{}, {1, 7}, {2, 3, 17}, {1, 33, 47, 47}};

std::string ShapeName(const Shape& s) { return s.empty() ? "scalar" : ShapeToString(s); }

// One case per shape of `node` on random inputs in [lo, hi].
void AddShapes(std::vector<OpCase>& cases, const std::string& name, const Node& node, float lo, float hi,
               int64_t opset = 17) {
  uint32_t seed = 1;
  for (const Shape& s : kShapes) {
    OpCase c{name + "/" + ShapeName(s), node, {RandomFloat(s, seed++, lo, hi)}, {}, opset};
    cases.push_back(std::move(c));
  }
}

}  // namespace

std::vector<OpCase> ActivationCases() {
  std::vector<OpCase> cases;
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Softplus", "LeakyRelu", "HardSigmoid", "Elu"})
    AddShapes(cases, std::string(op) + "/default", MakeNode(op, 1, 1), -8.f, 8.f);
  AddShapes(cases, "Sigmoid/wide", MakeNode("Sigmoid", 1, 1), -90.f, 90.f);
  AddShapes(cases, "Softplus/wide", MakeNode("Softplus", 1, 1), -90.f, 90.f);
  // NaN among ordinary values (and in a SIMD tail): every activation gives NaN for NaN (ActivationsKeepNaN checks
  // the reference), and every provider must agree.
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Softplus", "LeakyRelu", "HardSigmoid", "Elu", "Clip"}) {
    Tensor x = RandomFloat({3, 37}, 5, -3.f, 3.f);
    for (int64_t i : {0, 9, 36, 54, 110}) x.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
    cases.push_back(OpCase{std::string(op) + "/nan", MakeNode(op, 1, 1), {std::move(x)}, {}, 17});
  }

  Node leaky = MakeNode("LeakyRelu", 1, 1);
  SetAttr(leaky, "alpha", 0.2f);
  AddShapes(cases, "LeakyRelu/alpha0.2", leaky, -4.f, 4.f);
  Node hard = MakeNode("HardSigmoid", 1, 1);
  SetAttr(hard, "alpha", 0.5f);
  SetAttr(hard, "beta", 0.6f);
  AddShapes(cases, "HardSigmoid/alpha0.5_beta0.6", hard, -4.f, 4.f);
  Node elu = MakeNode("Elu", 1, 1);
  SetAttr(elu, "alpha", 0.5f);
  AddShapes(cases, "Elu/alpha0.5", elu, -4.f, 4.f);

  // Clip before opset 11: attributes.
  Node clip6 = MakeNode("Clip", 1, 1);
  SetAttr(clip6, "min", -0.5f);
  SetAttr(clip6, "max", 0.7f);
  AddShapes(cases, "Clip/opset6_attrs", clip6, -2.f, 2.f, 6);
  Node clip6_min = MakeNode("Clip", 1, 1);
  SetAttr(clip6_min, "min", 0.f);
  AddShapes(cases, "Clip/opset6_min_only", clip6_min, -2.f, 2.f, 6);
  AddShapes(cases, "Clip/opset6_default", MakeNode("Clip", 1, 1), -2.f, 2.f, 6);

  // Clip from opset 11: optional inputs, constant or not, either one absent.
  struct Bounds { const char* name; bool has_min, has_max, constant; };
  for (Bounds b : {Bounds{"min_max", true, true, false}, Bounds{"min_max_const", true, true, true},
                   Bounds{"min_only", true, false, true}, Bounds{"max_only", false, true, false},
                   Bounds{"none", false, false, false}}) {
    uint32_t seed = 11;
    for (const Shape& s : kShapes) {
      OpCase c{std::string("Clip/opset13_") + b.name + "/" + ShapeName(s), MakeNode("Clip", 3, 1),
               {RandomFloat(s, seed++, -2.f, 2.f), Floats({-0.3f}, {}), Floats({0.9f}, {})},
               {false, b.constant, b.constant}, 13};
      if (!b.has_min) { c.node.inputs[1].clear(); c.inputs[1] = Tensor(); }
      if (!b.has_max) { c.node.inputs[2].clear(); c.inputs[2] = Tensor(); }
      cases.push_back(std::move(c));
    }
  }
  OpCase clip_int{"Clip/opset13_int64", MakeNode("Clip", 3, 1),
                  {RandomInt64({3, 17}, 5, -100, 100), Tensor::FromVector<int64_t>({-20}, {}).value(),
                   Tensor::FromVector<int64_t>({30}, {}).value()},
                  {}};
  cases.push_back(std::move(clip_int));
  OpCase clip_i32{"Clip/opset13_int32_max_only", MakeNode("Clip", 3, 1),
                  {Tensor::FromVector<int32_t>({-5, 0, 7, 100, -100, 3, 9}, {7}).value(), Tensor(),
                   Tensor::FromVector<int32_t>({4}, {}).value()},
                  {}};
  clip_i32.node.inputs[1].clear();
  cases.push_back(std::move(clip_i32));
  return cases;
}

}  // namespace facefuse::rt::testing
