// Cast (every supported pair with float32 on one side, integer narrowing,
// float16 round trips), Identity and Dropout (aliases, inference mask).
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

OpCase CastCase(const std::string& name, Tensor x, DataType to) {
  OpCase c{"Cast/" + name, MakeNode("Cast", 1, 1), {std::move(x)}, {}};
  SetAttr(c.node, "to", static_cast<int64_t>(to));
  return c;
}

}  // namespace

std::vector<OpCase> CastCases() {
  std::vector<OpCase> cases;
  // Includes values that saturate, halfway cases and half subnormals.
  Tensor special = Floats({0.f, -0.f, 1.5f, -2.5f, 300.f, -300.f, 65504.f, 65520.f, 1e-6f, 6e-8f, 1e10f, -1e10f,
                           0.33333f, 127.9f, 255.5f},
                          {15});
  for (DataType to : {DataType::kFloat32, DataType::kFloat64, DataType::kFloat16, DataType::kInt64, DataType::kInt32,
                      DataType::kInt16, DataType::kInt8, DataType::kUInt8, DataType::kBool}) {
    cases.push_back(CastCase("float32_to_" + DataTypeName(to), RandomFloat({3, 17}, 2, -200.f, 200.f), to));
    cases.push_back(CastCase("float32_special_to_" + DataTypeName(to), special, to));
  }
  for (DataType to : {DataType::kFloat32, DataType::kInt32, DataType::kInt8, DataType::kBool})
    cases.push_back(CastCase("int64_to_" + DataTypeName(to), RandomInt64({2, 9}, 4, -300, 300), to));
  cases.push_back(CastCase("bool_to_float32", RandomBool({11}, 5), DataType::kFloat32));
  cases.push_back(CastCase("float64_to_float16", Tensor::FromVector<double>({0.1, -65504.0, 1e-7, 3.0}, {4}).value(),
                           DataType::kFloat16));

  cases.push_back(OpCase{"Identity/float32", MakeNode("Identity", 1, 1), {RandomFloat({2, 5, 7}, 6)}, {}});
  cases.push_back(OpCase{"Identity/int64", MakeNode("Identity", 1, 1), {RandomInt64({9}, 7, -5, 5)}, {}});

  cases.push_back(OpCase{"Dropout/opset7", MakeNode("Dropout", 1, 1), {RandomFloat({3, 7}, 8)}, {}, 7});
  cases.push_back(OpCase{"Dropout/opset12_mask", MakeNode("Dropout", 1, 2), {RandomFloat({3, 7}, 9)}, {}, 12});
  cases.push_back(OpCase{"Dropout/opset13_ratio_training_false", MakeNode("Dropout", 3, 2),
                         {RandomFloat({2, 65}, 10), Floats({0.3f}, {}), Tensor::FromVector<bool>({false}, {}).value()},
                         {false, true, true}, 13});
  return cases;
}

}  // namespace facefuse::rt::testing
