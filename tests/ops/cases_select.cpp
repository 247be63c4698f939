// TopK and NonZero.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

Node TopK(int64_t axis, int64_t largest) {
  Node n = MakeNode("TopK", 2, 2);
  SetAttr(n, "axis", axis);
  SetAttr(n, "largest", largest);
  return n;
}

}  // namespace

std::vector<OpCase> SelectCases() {
  std::vector<OpCase> cases;
  cases.push_back(MakeCase("TopK/largest_last_axis", TopK(-1, 1), {RandomFloat({3, 17}, 1), Int64s({5})}));
  cases.push_back(MakeCase("TopK/smallest_axis0", TopK(0, 0), {RandomFloat({33, 4, 3}, 2), Int64s({7})}));
  cases.push_back(MakeCase("TopK/ties_lower_index_first", TopK(1, 1), {RandomInt64({4, 40}, 3, 0, 3), Int64s({11})}));
  cases.push_back(MakeCase("TopK/k_zero", TopK(1, 1), {RandomFloat({2, 5}, 4), Int64s({0})}));
  cases.push_back(MakeCase("TopK/k_equals_dim", TopK(1, 0), {RandomInt64({2, 9}, 5, -2, 2), Int64s({9})}));
  Node opset9 = MakeNode("TopK", 1, 2);
  SetAttr(opset9, "k", int64_t{3});
  cases.push_back(MakeCase("TopK/opset9_k_attr", opset9, {RandomFloat({2, 6, 5}, 6)}, 9));

  cases.push_back(MakeCase("NonZero/float", MakeNode("NonZero", 1, 1), {RandomInt64({3, 4, 5}, 7, 0, 2)}));
  cases.push_back(MakeCase("NonZero/bool", MakeNode("NonZero", 1, 1), {RandomBool({17, 3}, 8)}));
  cases.push_back(MakeCase("NonZero/scalar", MakeNode("NonZero", 1, 1), {Floats({2.f}, {})}));
  cases.push_back(MakeCase("NonZero/all_zero", MakeNode("NonZero", 1, 1), {Floats({0.f, 0.f}, {2})}));
  return cases;
}

}  // namespace facefuse::rt::testing
