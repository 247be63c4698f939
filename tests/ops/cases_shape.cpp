// Reshape, Squeeze, Unsqueeze, Flatten, Shape, Size, Expand, ConstantOfShape, Constant, Range.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

template <typename T>
Tensor Scalar(T v) {
  return Tensor::FromVector(std::vector<T>{v}, {}).value();
}

void AddViewCases(std::vector<OpCase>& cases) {
  const Tensor x = RandomFloat({2, 3, 1, 5}, 1);
  cases.push_back(MakeCase("Reshape/zero_copies_and_minus_one", MakeNode("Reshape", 2, 1), {x, Int64s({0, -1, 5})}));
  Node allow_zero = MakeNode("Reshape", 2, 1);
  SetAttr(allow_zero, "allowzero", int64_t{1});
  cases.push_back(MakeCase("Reshape/allowzero_empty", allow_zero, {RandomFloat({0, 4}, 2), Int64s({4, 0})}));
  cases.push_back(MakeCase("Reshape/to_scalar", MakeNode("Reshape", 2, 1), {RandomInt64({1, 1}, 3, -9, 9), Int64s({})}));

  cases.push_back(MakeCase("Squeeze/axes_input", MakeNode("Squeeze", 2, 1), {x, Int64s({-2})}));
  cases.push_back(MakeCase("Squeeze/all_unit_dims", MakeNode("Squeeze", 1, 1), {RandomFloat({1, 3, 1}, 4)}));
  Node squeeze11 = MakeNode("Squeeze", 1, 1);
  SetAttr(squeeze11, "axes", std::vector<int64_t>{0, 2});
  cases.push_back(MakeCase("Squeeze/opset11_attr", squeeze11, {RandomFloat({1, 3, 1}, 5)}, 11));

  cases.push_back(MakeCase("Unsqueeze/axes_input", MakeNode("Unsqueeze", 2, 1), {x, Int64s({-1, 0})}));
  Node unsqueeze11 = MakeNode("Unsqueeze", 1, 1);
  SetAttr(unsqueeze11, "axes", std::vector<int64_t>{0, -1});
  cases.push_back(MakeCase("Unsqueeze/opset11_attr_scalar", unsqueeze11, {Scalar<float>(2.5f)}, 11));

  for (int64_t axis : {0, 2, -1}) {
    Node flatten = MakeNode("Flatten", 1, 1);
    SetAttr(flatten, "axis", axis);
    cases.push_back(MakeCase("Flatten/axis" + std::to_string(axis), flatten, {x}));
  }
}

void AddShapeCases(std::vector<OpCase>& cases) {
  const Tensor x = RandomFloat({2, 3, 4, 5}, 6);
  cases.push_back(MakeCase("Shape/all", MakeNode("Shape", 1, 1), {x}));
  Node sliced = MakeNode("Shape", 1, 1);
  SetAttr(sliced, "start", int64_t{-3});
  SetAttr(sliced, "end", int64_t{100});
  cases.push_back(MakeCase("Shape/start_end", sliced, {x}));
  Node empty = MakeNode("Shape", 1, 1);
  SetAttr(empty, "start", int64_t{3});
  SetAttr(empty, "end", int64_t{1});
  cases.push_back(MakeCase("Shape/start_after_end", empty, {x}));
  cases.push_back(MakeCase("Size/4d", MakeNode("Size", 1, 1), {x}));
  cases.push_back(MakeCase("Size/scalar", MakeNode("Size", 1, 1), {Scalar<int64_t>(7)}));
}

void AddExpandCases(std::vector<OpCase>& cases) {
  cases.push_back(MakeCase("Expand/bidirectional", MakeNode("Expand", 2, 1), {RandomFloat({3, 1}, 7), Int64s({2, 1, 5})}));
  cases.push_back(MakeCase("Expand/channel_bias_large", MakeNode("Expand", 2, 1),
                       {RandomFloat({1, 65, 1, 1}, 8), Int64s({2, 65, 33, 40})}));
  cases.push_back(
      MakeCase("Expand/int64_rows", MakeNode("Expand", 2, 1), {RandomInt64({1, 17}, 9, -5, 5), Int64s({7, 1})}));
  cases.push_back(MakeCase("Expand/bool_to_empty", MakeNode("Expand", 2, 1), {RandomBool({1, 3}, 10), Int64s({0, 3})}));
}

void AddConstantCases(std::vector<OpCase>& cases) {
  cases.push_back(MakeCase("ConstantOfShape/default_float_zero", MakeNode("ConstantOfShape", 1, 1), {Int64s({2, 3})}));
  Node ints = MakeNode("ConstantOfShape", 1, 1);
  SetAttr(ints, "value", Tensor::FromVector(std::vector<int64_t>{-7}, {1}).value());
  cases.push_back(MakeCase("ConstantOfShape/int64_value", ints, {Int64s({4, 1, 3})}));
  cases.push_back(MakeCase("ConstantOfShape/scalar", ints, {Int64s({})}));

  Node tensor = MakeNode("Constant", 0, 1);
  SetAttr(tensor, "value", RandomFloat({2, 7}, 11));
  cases.push_back(MakeCase("Constant/value_tensor", tensor, {}));
  Node floats = MakeNode("Constant", 0, 1);
  SetAttr(floats, "value_floats", std::vector<float>{1.f, -2.f, 3.5f});
  cases.push_back(MakeCase("Constant/value_floats", floats, {}));
  Node one_int = MakeNode("Constant", 0, 1);
  SetAttr(one_int, "value_int", int64_t{42});
  cases.push_back(MakeCase("Constant/value_int", one_int, {}));
}

void AddRangeCases(std::vector<OpCase>& cases) {
  cases.push_back(MakeCase("Range/float", MakeNode("Range", 3, 1), {Scalar(1.f), Scalar(9.3f), Scalar(0.7f)}));
  cases.push_back(MakeCase("Range/int32_negative_delta", MakeNode("Range", 3, 1),
                       {Scalar<int32_t>(10), Scalar<int32_t>(-7), Scalar<int32_t>(-3)}));
  cases.push_back(
      MakeCase("Range/int64_empty", MakeNode("Range", 3, 1), {Scalar<int64_t>(5), Scalar<int64_t>(1), Scalar<int64_t>(2)}));
  cases.push_back(MakeCase("Range/double", MakeNode("Range", 3, 1), {Scalar(0.0), Scalar(1.0), Scalar(0.125)}));
}

}  // namespace

std::vector<OpCase> ShapeCases() {
  std::vector<OpCase> cases;
  AddViewCases(cases);
  AddShapeCases(cases);
  AddExpandCases(cases);
  AddConstantCases(cases);
  AddRangeCases(cases);
  return cases;
}

}  // namespace facefuse::rt::testing
