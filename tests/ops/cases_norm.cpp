// BatchNormalization, InstanceNormalization and LayerNormalization cases:
// ranks 2..5, channel counts hitting SIMD tails, constant and runtime
// parameters, broadcast LayerNormalization parameters.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

OpCase BatchNormCase(const std::string& name, const Shape& x, bool constant) {
  const int64_t c = x[1];
  OpCase k{"BatchNormalization/" + name, MakeNode("BatchNormalization", 5, 1),
           {RandomFloat(x, 11), RandomFloat({c}, 12, 0.5f, 1.5f), RandomFloat({c}, 13), RandomFloat({c}, 14),
            RandomFloat({c}, 15, 0.1f, 2.f)},
           {false, constant, constant, constant, constant}};
  SetAttr(k.node, "epsilon", 1e-3f);
  k.opset = 15;
  return k;
}

OpCase InstanceNormCase(const std::string& name, const Shape& x) {
  const int64_t c = x[1];
  OpCase k{"InstanceNormalization/" + name, MakeNode("InstanceNormalization", 3, 1),
           {RandomFloat(x, 21, -2.f, 3.f), RandomFloat({c}, 22), RandomFloat({c}, 23)}, {false, true, true}};
  k.rtol = 1e-4;
  k.atol = 1e-4;
  return k;
}

OpCase LayerNormCase(const std::string& name, const Shape& x, int64_t axis, const Shape& scale, const Shape* bias,
                     size_t outputs) {
  OpCase k{"LayerNormalization/" + name, MakeNode("LayerNormalization", bias ? 3 : 2, outputs),
           {RandomFloat(x, 31, -2.f, 3.f), RandomFloat(scale, 32)}, {false, true, true}};
  if (bias) k.inputs.push_back(RandomFloat(*bias, 33));
  SetAttr(k.node, "axis", axis);
  SetAttr(k.node, "epsilon", 1e-4f);
  k.atol = 1e-4;
  return k;
}

}  // namespace

std::vector<OpCase> NormCases() {
  std::vector<OpCase> cases;
  cases.push_back(BatchNormCase("2d_c65", {3, 65}, true));
  cases.push_back(BatchNormCase("3d_c17", {2, 17, 7}, false));
  cases.push_back(BatchNormCase("4d_c33", {2, 33, 5, 7}, true));
  cases.push_back(BatchNormCase("4d_c1", {1, 1, 9, 9}, false));
  cases.push_back(BatchNormCase("5d_c7", {1, 7, 3, 4, 5}, true));
  cases.push_back(BatchNormCase("6d_c3", {1, 3, 2, 2, 2, 3}, true));

  cases.push_back(InstanceNormCase("3d_c17", {2, 17, 33}));
  cases.push_back(InstanceNormCase("4d_c7", {2, 7, 9, 13}));
  cases.push_back(InstanceNormCase("4d_c1_large", {1, 1, 65, 65}));
  cases.push_back(InstanceNormCase("5d_c3", {1, 3, 2, 5, 7}));

  const Shape b65{65}, b17x7{17, 7}, b1{1}, b7{7};
  cases.push_back(LayerNormCase("last_65", {4, 65}, -1, {65}, &b65, 1));
  cases.push_back(LayerNormCase("axis1_3d", {3, 17, 7}, 1, {17, 7}, &b17x7, 1));
  cases.push_back(LayerNormCase("axis0", {5, 7}, 0, {5, 7}, nullptr, 1));
  cases.push_back(LayerNormCase("bcast_params", {2, 17, 7}, 1, {1, 7}, &b1, 1));
  cases.push_back(LayerNormCase("stats_outputs", {3, 5, 7}, -1, {7}, &b7, 3));
  return cases;
}

}  // namespace facefuse::rt::testing
