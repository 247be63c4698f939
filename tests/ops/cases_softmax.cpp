// Softmax and LogSoftmax cases over every axis, SIMD-tail sizes and opsets
// before and after the opset-13 change of semantics.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {

std::vector<OpCase> SoftmaxCases() {
  std::vector<OpCase> cases;
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    auto add = [&](const std::string& name, const Shape& shape, int64_t axis, int64_t opset, float scale) {
      OpCase c{std::string(op) + "/" + name, MakeNode(op, 1, 1), {RandomFloat(shape, 7, -scale, scale)}, {false}};
      SetAttr(c.node, "axis", axis);
      c.opset = opset;
      cases.push_back(std::move(c));
    };
    add("last_65", {3, 65}, -1, 13, 5.f);
    add("axis0_17", {17, 7}, 0, 13, 5.f);
    add("middle_axis", {2, 33, 7}, 1, 13, 5.f);
    add("first_of_4d", {5, 3, 4, 1}, 0, 13, 5.f);
    add("size1_axis", {7, 1, 3}, 1, 13, 5.f);
    add("large_values", {4, 17}, 1, 13, 1000.f);
    add("rank1", {33}, 0, 13, 3.f);
    // Short innermost rows (the CPU provider's own path for n <= 16): a detector's [1, anchors, 2] scores, and 16.
    add("short_rows_2", {1, 1037, 2}, -1, 13, 8.f);
    add("short_rows_16_large", {3, 5, 16}, 2, 13, 300.f);
    add("short_rows_opset11", {9, 3}, 1, 11, 5.f);
    // Opset < 13 coerces to 2-D at axis; on these shapes the semantics agree with the reference kernel's.
    add("opset11_2d", {7, 33}, 1, 11, 5.f);
    add("opset11_last", {2, 3, 17}, 2, 11, 5.f);
    add("opset11_negative", {2, 3, 17}, -1, 11, 5.f);
  }
  return cases;
}

}  // namespace facefuse::rt::testing
