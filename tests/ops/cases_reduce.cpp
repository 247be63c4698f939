// test-ops cases for ReduceMean/ReduceSum/ReduceMax and ArgMax: inner/outer/
// middle/all axes, negative axes, keepdims on and off, axes as attribute
// (old opsets) and as input (ReduceSum from 13, all from 18), empty axes with
// and without noop_with_empty_axes, SIMD tails and a size large enough for
// parallel loops.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

struct AxesCase {
  const char* name;
  Shape shape;
  std::vector<int64_t> axes;  // empty: attribute/input absent
};

const std::vector<AxesCase>& AxesCases() {
  static const std::vector<AxesCase> cases = {
      {"inner65", {3, 65}, {1}},
      {"outer", {17, 33}, {0}},
      {"hw", {2, 17, 7, 5}, {2, 3}},
      {"channel_neg", {2, 33, 3, 3}, {-3}},
      {"first_and_last", {3, 4, 17}, {0, 2}},
      {"all", {2, 3, 7}, {}},
      {"one", {1}, {0}},
      {"size1_axis", {4, 1, 7}, {1}},
      {"rank1_all", {65}, {}},
      {"large", {4, 64, 33, 17}, {1}},
  };
  return cases;
}

OpCase Reduce(const std::string& op, const AxesCase& a, bool keepdims, bool axes_as_input, int64_t opset,
              uint32_t seed) {
  OpCase c;
  c.name = op + "/" + a.name + (keepdims ? "_keep" : "_drop") + "_opset" + std::to_string(opset);
  const bool has_axes_input = axes_as_input && !a.axes.empty();
  c.node = MakeNode(op, has_axes_input ? 2 : 1, 1);
  c.inputs = {RandomFloat(a.shape, seed)};
  if (has_axes_input) {
    c.inputs.push_back(Int64s(a.axes));
    c.constant = {false, true};
  } else if (!a.axes.empty()) {
    SetAttr(c.node, "axes", a.axes);
  }
  SetAttr(c.node, "keepdims", int64_t{keepdims ? 1 : 0});
  c.opset = opset;
  c.rtol = 1e-4;
  c.atol = 1e-4;
  return c;
}

void AddReduce(std::vector<OpCase>& cases) {
  uint32_t seed = 500;
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax"}) {
    const int64_t input_opset = std::string(op) == "ReduceSum" ? 13 : 18;
    for (const auto& a : AxesCases()) {
      for (bool keep : {true, false}) {
        cases.push_back(Reduce(op, a, keep, false, 11, seed++));
        cases.push_back(Reduce(op, a, keep, true, input_opset, seed++));
      }
    }
    // Empty axes input: reduce everything, or pass through with noop_with_empty_axes=1.
    for (int64_t noop : {0, 1}) {
      OpCase c;
      c.name = std::string(op) + "/empty_axes_noop" + std::to_string(noop);
      c.node = MakeNode(op, 2, 1);
      c.inputs = {RandomFloat({3, 17}, seed++), Tensor::Allocate(DataType::kInt64, {0}).value()};
      c.constant = {false, true};
      SetAttr(c.node, "noop_with_empty_axes", noop);
      c.opset = input_opset;
      c.atol = 1e-4;
      cases.push_back(std::move(c));
    }
    // Other dtypes (reference kernel on the CPU provider too).
    OpCase i64 = Reduce(op, AxesCases()[2], true, false, 11, seed++);
    i64.name += "_i64";
    i64.inputs[0] = RandomInt64({2, 17, 7, 5}, seed++, -50, 50);
    cases.push_back(std::move(i64));
  }
}

void AddArgMax(std::vector<OpCase>& cases) {
  const struct {
    const char* name;
    Shape shape;
    int64_t axis;
  } shapes[] = {
      {"last65", {3, 65}, 1},        {"first", {17, 33}, 0}, {"middle", {2, 17, 7}, 1},
      {"neg", {2, 7, 33}, -1},       {"single", {1}, 0},     {"large_channel", {2, 64, 33, 17}, 1},
      {"large_last", {4096, 33}, 1},
  };
  uint32_t seed = 700;
  for (const auto& s : shapes) {
    for (int64_t keep : {0, 1}) {
      for (int64_t last : {0, 1}) {
        OpCase c;
        c.name = std::string("ArgMax/") + s.name + (keep ? "_keep" : "_drop") + (last ? "_last" : "_first");
        c.node = MakeNode("ArgMax", 1, 1);
        // Few distinct values, so ties exercise select_last_index.
        Tensor x = RandomInt64(s.shape, seed++, -3, 3);
        Tensor xf = Tensor::Allocate(DataType::kFloat32, s.shape).value();
        for (int64_t i = 0; i < x.size(); ++i) xf.data<float>()[i] = static_cast<float>(x.data<int64_t>()[i]);
        c.inputs = {last ? xf : RandomFloat(s.shape, seed++)};
        SetAttr(c.node, "axis", s.axis);
        SetAttr(c.node, "keepdims", keep);
        SetAttr(c.node, "select_last_index", last);
        cases.push_back(std::move(c));
      }
    }
  }
  OpCase ties;
  ties.name = "ArgMax/ties_first";
  ties.node = MakeNode("ArgMax", 1, 1);
  ties.inputs = {RandomInt64({5, 33}, seed++, 0, 2)};
  SetAttr(ties.node, "axis", int64_t{0});
  cases.push_back(std::move(ties));
}

}  // namespace

std::vector<OpCase> ReduceCases() {
  std::vector<OpCase> cases;
  AddReduce(cases);
  AddArgMax(cases);
  return cases;
}

}  // namespace facefuse::rt::testing
