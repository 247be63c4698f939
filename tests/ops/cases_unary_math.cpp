// Unary math cases: odd sizes for SIMD tails, one > 64K elements for the
// parallel path, each op's domain, and the integer/bool dtypes it supports.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

const std::vector<Shape> kShapes = {{}, {1, 7}, {2, 3, 17}, {1, 33, 47, 47}};

std::string ShapeName(const Shape& s) { return s.empty() ? "scalar" : ShapeToString(s); }

}  // namespace

std::vector<OpCase> UnaryMathCases() {
  struct Domain { const char* op; float lo, hi; };
  std::vector<OpCase> cases;
  for (Domain d : {Domain{"Sqrt", 0.f, 50.f}, Domain{"Exp", -20.f, 20.f}, Domain{"Log", 1e-3f, 100.f},
                   Domain{"Abs", -5.f, 5.f}, Domain{"Neg", -5.f, 5.f}, Domain{"Reciprocal", 0.1f, 10.f},
                   Domain{"Reciprocal", -10.f, -0.1f}, Domain{"Erf", -6.f, 6.f}, Domain{"Erf", -0.01f, 0.01f}}) {
    uint32_t seed = 1;
    for (const Shape& s : kShapes) {
      std::string name = std::string(d.op) + "/" + std::to_string(d.lo) + "_" + std::to_string(d.hi) + "/" +
                         ShapeName(s);
      cases.push_back(OpCase{name, MakeNode(d.op, 1, 1), {RandomFloat(s, seed++, d.lo, d.hi)}, {}});
    }
  }
  for (const char* op : {"Abs", "Neg"})
    cases.push_back(OpCase{std::string(op) + "/int64", MakeNode(op, 1, 1), {RandomInt64({5, 13}, 3, -1000, 1000)}, {}});
  cases.push_back(OpCase{"Abs/int8", MakeNode("Abs", 1, 1),
                         {Tensor::FromVector<int8_t>({-128, -1, 0, 1, 127}, {5}).value()}, {}});
  cases.push_back(OpCase{"Not/3d", MakeNode("Not", 1, 1), {RandomBool({3, 4, 5}, 7)}, {}});
  return cases;
}

}  // namespace facefuse::rt::testing
