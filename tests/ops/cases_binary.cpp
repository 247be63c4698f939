// test-ops cases for the binary/broadcast ops: every broadcast corner (same
// shape, scalar, rank-0, leading-1 dims, per-channel, both sides broadcast),
// SIMD tails (1, 7, 17, 33, 65 inner elements), a size large enough to run in
// parallel, and every supported dtype.
#include <cmath>

#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

struct ShapePair {
  const char* name;
  Shape a, b;
};

const std::vector<ShapePair>& ShapePairs() {
  static const std::vector<ShapePair> pairs = {
      {"same65", {65}, {65}},
      {"same_2x3x17", {2, 3, 17}, {2, 3, 17}},
      {"one", {1}, {1}},
      {"rank0_rhs", {7, 33}, {}},
      {"rank0_lhs", {}, {7, 33}},
      {"rank0_both", {}, {}},
      {"size1_rhs", {33}, {1}},
      {"channel_c11", {2, 17, 5, 7}, {17, 1, 1}},
      {"channel_1c11", {2, 17, 5, 7}, {1, 17, 1, 1}},
      {"channel_lhs", {1, 17, 1, 1}, {2, 17, 3, 5}},
      {"leading1", {1, 3, 1, 65}, {3, 1, 1}},
      {"lastdim", {4, 5, 33}, {33}},
      {"both_sides", {4, 1, 33}, {1, 5, 1}},
      {"outer_product", {7, 1}, {1, 17}},
      {"middle", {3, 1, 5}, {3, 4, 5}},
      {"parallel_channel", {2, 64, 32, 33}, {64, 1, 1}},
      {"parallel_same", {70001}, {70001}},
  };
  return pairs;
}

// A copy of float tensor `t` converted to dtype (float64, int32 or int64; truncating).
Tensor Converted(const Tensor& t, DataType dtype) {
  Tensor out = Tensor::Allocate(dtype, t.shape()).value();
  const float* src = t.data<float>();
  for (int64_t i = 0; i < t.size(); ++i) {
    switch (dtype) {
      case DataType::kFloat64:
        out.data<double>()[i] = src[i];
        break;
      case DataType::kInt32:
        out.data<int32_t>()[i] = static_cast<int32_t>(src[i]);
        break;
      case DataType::kInt64:
        out.data<int64_t>()[i] = static_cast<int64_t>(src[i]);
        break;
      default:
        out.data<float>()[i] = src[i];
        break;
    }
  }
  return out;
}

// Operand ranges per op: keep Div and Pow finite and meaningful.
void Range(const std::string& op, bool rhs, float& lo, float& hi) {
  lo = -20.f, hi = 20.f;
  if (op == "Div" && rhs) lo = 0.5f, hi = 9.f;
  if (op == "Pow") rhs ? (lo = -3.f, hi = 3.f) : (lo = 0.25f, hi = 3.f);
}

OpCase Binary(const std::string& op, const std::string& tag, std::vector<Tensor> inputs, int64_t opset = 17) {
  OpCase c;
  c.name = op + "/" + tag;
  c.node = MakeNode(op, inputs.size(), 1);
  c.inputs = std::move(inputs);
  c.opset = opset;
  return c;
}

const char* Short(DataType t) {
  switch (t) {
    case DataType::kFloat64:
      return "f64";
    case DataType::kInt32:
      return "i32";
    case DataType::kInt64:
      return "i64";
    default:
      return "f32";
  }
}

void AddArithmetic(std::vector<OpCase>& cases) {
  uint32_t seed = 1;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Greater", "Less", "Equal"}) {
    for (const auto& p : ShapePairs()) {
      float lo, hi;
      Range(op, false, lo, hi);
      Tensor a = RandomFloat(p.a, seed++, lo, hi);
      Range(op, true, lo, hi);
      Tensor b = RandomFloat(p.b, seed++, lo, hi);
      if (std::string(op) == "Equal") a = Converted(a, DataType::kInt64), b = Converted(b, DataType::kInt64);
      for (DataType t : {DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64}) {
        // Every shape in float32; the other dtypes on a few shapes.
        bool few = p.name == std::string("channel_c11") || p.name == std::string("both_sides") ||
                   p.name == std::string("rank0_rhs");
        if (t != DataType::kFloat32 && !few) continue;
        cases.push_back(Binary(op, std::string(p.name) + "_" + Short(t), {Converted(a, t), Converted(b, t)}));
      }
    }
  }
  // Pow with mixed base and exponent dtypes; integer exponents and bases.
  Tensor base = RandomFloat({3, 17}, 90, 0.25f, 3.f), exponent = RandomFloat({17}, 91, -3.f, 4.f);
  for (DataType bt : {DataType::kFloat32, DataType::kInt64, DataType::kInt32})
    for (DataType et : {DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64})
      cases.push_back(Binary("Pow", std::string("mixed_") + Short(bt) + "_" + Short(et),
                             {Converted(base, bt), Converted(exponent, et)}));
  // Integer Div: negative operands truncate toward zero, zero divisors give 0.
  Tensor num = Converted(RandomFloat({65}, 92, -50.f, 50.f), DataType::kInt64);
  Tensor den = Converted(RandomFloat({65}, 93, -6.f, 6.f), DataType::kInt64);
  cases.push_back(Binary("Div", "int_trunc_zero", {num, den}));
  // Opset < 7 legacy broadcast: B lines up with A from `axis`.
  for (int64_t axis : {0, 1, 2}) {
    OpCase legacy =
        Binary("Add", "legacy_axis" + std::to_string(axis),
               {RandomFloat({3, 3, 3, 17}, 94), RandomFloat(axis == 2 ? Shape{3, 17} : Shape{3, 3}, 95)}, 6);
    SetAttr(legacy.node, "broadcast", int64_t{1});
    SetAttr(legacy.node, "axis", axis);
    cases.push_back(std::move(legacy));
  }
}

void AddVariadic(std::vector<OpCase>& cases) {
  for (const char* op : {"Min", "Max"}) {
    cases.push_back(Binary(op, "one_input", {RandomFloat({7, 17}, 10)}));
    cases.push_back(
        Binary(op, "three_bcast", {RandomFloat({2, 1, 17}, 11), RandomFloat({3, 1}, 12), RandomFloat({1}, 13)}));
    cases.push_back(Binary(op, "four_same_i64",
                           {RandomInt64({33}, 14, -9, 9), RandomInt64({33}, 15, -9, 9), RandomInt64({33}, 16, -9, 9),
                            RandomInt64({}, 17, -9, 9)}));
    cases.push_back(Binary(op, "opset8", {RandomFloat({5, 7}, 18), RandomFloat({7}, 19)}, 8));
  }
}

void AddLogical(std::vector<OpCase>& cases) {
  uint32_t seed = 200;
  for (const auto& p : ShapePairs()) {
    cases.push_back(Binary("And", p.name, {RandomBool(p.a, seed++), RandomBool(p.b, seed++)}));
    if (p.name == std::string("channel_c11"))
      cases.push_back(
          Binary("Equal", std::string(p.name) + "_bool", {RandomBool(p.a, seed++), RandomBool(p.b, seed++)}));
  }
  const struct {
    const char* name;
    Shape c, x, y;
  } where[] = {
      {"same", {65}, {65}, {65}},
      {"scalars", {2, 1, 17}, {}, {1}},
      {"three_way", {2, 1, 17}, {3, 17}, {2, 3, 1}},
      {"rank0_cond", {}, {4, 33}, {4, 33}},
      {"parallel", {2, 64, 1, 33}, {64, 32, 1}, {1}},
  };
  for (const auto& w : where) {
    cases.push_back(Binary("Where", std::string(w.name) + "_f32",
                           {RandomBool(w.c, seed++), RandomFloat(w.x, seed++), RandomFloat(w.y, seed++)}));
    cases.push_back(
        Binary("Where", std::string(w.name) + "_i64",
               {RandomBool(w.c, seed++), RandomInt64(w.x, seed++, -99, 99), RandomInt64(w.y, seed++, -99, 99)}));
  }
  cases.push_back(
      Binary("Where", "bool_xy", {RandomBool({7, 7}, seed++), RandomBool({7}, seed++), RandomBool({7, 1}, seed++)}));
}

void AddPRelu(std::vector<OpCase>& cases) {
  const struct {
    const char* name;
    Shape x, slope;
  } shapes[] = {
      {"channel_c11", {2, 17, 5, 7}, {17, 1, 1}},
      {"channel_1c11", {1, 33, 3, 3}, {1, 33, 1, 1}},
      {"scalar", {3, 65}, {1}},
      {"rank0", {3, 65}, {}},
      {"lastdim", {2, 3, 7}, {7}},
      {"same", {2, 3, 7}, {2, 3, 7}},
      {"parallel", {1, 64, 40, 40}, {64, 1, 1}},
      {"legacy_channel", {2, 17, 5, 7}, {17}},  // the opset < 7 per-channel slope
  };
  uint32_t seed = 300;
  for (const auto& s : shapes) {
    cases.push_back(Binary("PRelu", std::string(s.name), {RandomFloat(s.x, seed++), RandomFloat(s.slope, seed++)}));
    cases.push_back(
        Binary("PRelu", std::string(s.name) + "_opset7", {RandomFloat(s.x, seed++), RandomFloat(s.slope, seed++)}, 7));
  }
  cases.push_back(Binary("PRelu", "i64", {RandomInt64({4, 9}, seed++, -9, 9), RandomInt64({9}, seed++, -3, 3)}));
}

}  // namespace

std::vector<OpCase> BinaryCases() {
  std::vector<OpCase> cases;
  AddArithmetic(cases);
  AddVariadic(cases);
  AddLogical(cases);
  AddPRelu(cases);
  return cases;
}

}  // namespace facefuse::rt::testing
