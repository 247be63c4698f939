// MaxPool, AveragePool and global pooling cases: 1-D/2-D/3-D, strides, pads,
// every auto_pad, dilations, ceil_mode (including windows past the padding),
// count_include_pad, int8/uint8 max pooling, and the Indices output.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

struct PoolAttrs {
  std::vector<int64_t> kernel = {}, strides = {}, pads = {}, dilations = {};
  std::string auto_pad = {};
  int64_t ceil_mode = 0, count_include_pad = 0, storage_order = 0;
};

OpCase PoolCase(const std::string& op, const std::string& name, const Shape& x, const PoolAttrs& a,
                size_t outputs = 1) {
  OpCase c{op + "/" + name, MakeNode(op, 1, outputs), {RandomFloat(x, 41, -3.f, 3.f)}, {false}};
  if (!a.kernel.empty()) SetAttr(c.node, "kernel_shape", a.kernel);
  if (!a.strides.empty()) SetAttr(c.node, "strides", a.strides);
  if (!a.pads.empty()) SetAttr(c.node, "pads", a.pads);
  if (!a.dilations.empty()) SetAttr(c.node, "dilations", a.dilations);
  if (!a.auto_pad.empty()) SetAttr(c.node, "auto_pad", a.auto_pad);
  if (a.ceil_mode) SetAttr(c.node, "ceil_mode", a.ceil_mode);
  if (a.count_include_pad) SetAttr(c.node, "count_include_pad", a.count_include_pad);
  if (a.storage_order) SetAttr(c.node, "storage_order", a.storage_order);
  return c;
}

// The case's input converted to int8 or uint8 values in [-100, 100] or [0, 200].
OpCase WithIntegerInput(OpCase c, DataType dtype) {
  const Tensor& f = c.inputs[0];
  Tensor t = Tensor::Allocate(dtype, f.shape()).value();
  for (int64_t i = 0; i < f.size(); ++i) {
    auto v = static_cast<int>(f.data<float>()[i] * 33);
    if (dtype == DataType::kInt8) t.data<int8_t>()[i] = static_cast<int8_t>(v);
    else t.data<uint8_t>()[i] = static_cast<uint8_t>(v + 100);
  }
  c.inputs[0] = t;
  c.name += dtype == DataType::kInt8 ? "_int8" : "_uint8";
  return c;
}

}  // namespace

std::vector<OpCase> PoolCases() {
  std::vector<OpCase> cases;
  for (const std::string op : {"MaxPool", "AveragePool"}) {
    cases.push_back(PoolCase(op, "1d_k3", {2, 17, 33}, {{3}, {1}}));
    cases.push_back(PoolCase(op, "1d_s2_pad", {1, 7, 65}, {{4}, {2}, {1, 2}}));
    cases.push_back(PoolCase(op, "2d_k3s2", {2, 7, 17, 17}, {{3, 3}, {2, 2}}));
    cases.push_back(PoolCase(op, "2d_pads", {1, 17, 9, 11}, {{3, 3}, {1, 1}, {1, 2, 2, 1}}));
    cases.push_back(PoolCase(op, "2d_same_upper", {1, 3, 17, 16}, {{3, 2}, {2, 3}, {}, {}, "SAME_UPPER"}));
    cases.push_back(PoolCase(op, "2d_same_lower", {1, 3, 17, 16}, {{3, 2}, {2, 3}, {}, {}, "SAME_LOWER"}));
    cases.push_back(PoolCase(op, "2d_valid", {1, 3, 17, 16}, {{3, 3}, {2, 2}, {}, {}, "VALID"}));
    cases.push_back(PoolCase(op, "2d_ceil", {1, 5, 17, 17}, {{3, 3}, {2, 2}, {}, {}, "", 1}));
    cases.push_back(PoolCase(op, "2d_ceil_pads", {1, 5, 16, 17}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {}, "", 1}));
    cases.push_back(PoolCase(op, "2d_ceil_drop_last", {1, 2, 5, 5}, {{2, 2}, {2, 2}, {1, 1, 1, 1}, {}, "", 1}));
    cases.push_back(PoolCase(op, "3d_k2", {1, 3, 7, 9, 5}, {{2, 3, 2}, {2, 1, 2}, {1, 0, 1, 0, 1, 1}}));
    cases.push_back(PoolCase(op, "4d_reference_only", {1, 2, 3, 4, 3, 4}, {{2, 2, 2, 2}, {1, 1, 1, 1}}));
  }
  for (int64_t include : {0, 1}) {
    std::string tag = include ? "_incl" : "_excl";
    cases.push_back(PoolCase("AveragePool", "pads" + tag, {2, 7, 9, 9}, {{3, 3}, {2, 2}, {1, 1, 2, 2}, {}, "", 0,
                                                                         include}));
    cases.push_back(PoolCase("AveragePool", "ceil_pads" + tag, {1, 3, 10, 10},
                             {{3, 3}, {2, 2}, {1, 1, 1, 1}, {}, "", 1, include}));
    cases.push_back(PoolCase("AveragePool", "1d_ceil_past_pad" + tag, {1, 3, 8}, {{3}, {2}, {0, 0}, {}, "", 1,
                                                                                  include}));
    cases.push_back(PoolCase("AveragePool", "same_upper" + tag, {1, 3, 7, 7}, {{4, 4}, {1, 1}, {}, {}, "SAME_UPPER", 0,
                                                                              include}));
  }
  // The CPU provider's own 2-D pooling: its 2x2/2 path (odd width, last column dropped), the same with
  // ceil_mode (a last window of one column), one-row windows (no row combining) and the global form.
  cases.push_back(PoolCase("MaxPool", "2d_k2s2_odd_width", {1, 19, 20, 37}, {{2, 2}, {2, 2}}));
  cases.push_back(PoolCase("AveragePool", "2d_k2s2_odd_width", {1, 19, 21, 37}, {{2, 2}, {2, 2}}));
  cases.push_back(PoolCase("MaxPool", "2d_k2s2_ceil", {2, 3, 9, 9}, {{2, 2}, {2, 2}, {}, {}, "", 1}));
  cases.push_back(PoolCase("MaxPool", "2d_k1x3_s1", {1, 5, 6, 21}, {{1, 3}, {1, 1}, {0, 1, 0, 1}}));
  cases.push_back(PoolCase("MaxPool", "2d_dilations", {1, 3, 17, 17}, {{3, 3}, {1, 2}, {}, {2, 3}}));
  cases.push_back(PoolCase("MaxPool", "2d_dilations_ceil", {1, 3, 16, 16}, {{2, 2}, {3, 3}, {1, 1, 1, 1}, {2, 2}, "",
                                                                          1}));
  cases.push_back(WithIntegerInput(PoolCase("MaxPool", "2d", {1, 7, 9, 9}, {{3, 3}, {2, 2}, {1, 1, 1, 1}}),
                                   DataType::kInt8));
  cases.push_back(WithIntegerInput(PoolCase("MaxPool", "2d", {1, 7, 9, 9}, {{3, 3}, {2, 2}}), DataType::kUInt8));
  cases.push_back(PoolCase("MaxPool", "indices", {2, 3, 7, 9}, {{3, 3}, {2, 2}, {1, 1, 1, 1}}, 2));
  PoolAttrs column_major{{2, 3}, {2, 2}};
  column_major.storage_order = 1;
  cases.push_back(PoolCase("MaxPool", "indices_col_major", {1, 3, 7, 9}, column_major, 2));

  for (const std::string op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    cases.push_back(PoolCase(op, "1d", {2, 17, 65}, {}));
    cases.push_back(PoolCase(op, "2d_c33", {2, 33, 7, 7}, {}));
    cases.push_back(PoolCase(op, "2d_1x1", {1, 65, 1, 1}, {}));
    cases.push_back(PoolCase(op, "3d", {1, 7, 3, 5, 4}, {}));
  }
  cases.push_back(WithIntegerInput(PoolCase("GlobalMaxPool", "2d", {1, 7, 9, 9}, {}), DataType::kUInt8));
  return cases;
}

}  // namespace facefuse::rt::testing
