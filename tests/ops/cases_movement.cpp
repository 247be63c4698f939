// Transpose, Concat, Split, Slice, Gather, Tile, Pad, DepthToSpace, SpaceToDepth.
// Shapes hit every path of the CPU engine: tiled transposes (NCHW<->NHWC,
// last-two swaps), strided rows, contiguous runs, fills, and tensors large
// enough to be split over threads; dtypes cover element sizes 1, 2, 4 and 8.
#include <climits>
#include <random>

#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

// Random bytes as a tensor of an integer (or raw 16-bit) dtype.
Tensor RandomBytes(DataType dt, const Shape& shape, uint32_t seed) {
  Tensor t = Tensor::Allocate(dt, shape).value();
  std::mt19937 rng(seed);
  auto* p = static_cast<unsigned char*>(t.raw());
  for (size_t i = 0; i < t.bytes(); ++i) p[i] = static_cast<unsigned char>(rng() & 0x7F);
  return t;
}

Tensor Int32s(const std::vector<int32_t>& v) { return Tensor::FromVector(v, {static_cast<int64_t>(v.size())}).value(); }

Node WithInts(Node n, const std::string& attr, std::vector<int64_t> v) {
  SetAttr(n, attr, v);
  return n;
}

Node WithInt(Node n, const std::string& attr, int64_t v) {
  SetAttr(n, attr, v);
  return n;
}

Node WithString(Node n, const std::string& attr, const std::string& v) {
  SetAttr(n, attr, v);
  return n;
}

void AddTransposeCases(std::vector<OpCase>& cases) {
  const Node t = MakeNode("Transpose", 1, 1);
  cases.push_back(
      MakeCase("Transpose/nchw_to_nhwc_large", WithInts(t, "perm", {0, 2, 3, 1}), {RandomFloat({2, 33, 65, 67}, 1)}));
  cases.push_back(MakeCase("Transpose/nhwc_to_nchw", WithInts(t, "perm", {0, 3, 1, 2}), {RandomFloat({1, 40, 41, 17}, 2)}));
  cases.push_back(MakeCase("Transpose/nchw_to_nhwc_uint8_c3", WithInts(t, "perm", {0, 2, 3, 1}),
                       {RandomBytes(DataType::kUInt8, {1, 3, 257, 255}, 3)}));
  cases.push_back(
      MakeCase("Transpose/last_two_int64", WithInts(t, "perm", {0, 2, 1}), {RandomInt64({3, 70, 33}, 4, -99, 99)}));
  cases.push_back(MakeCase("Transpose/generic_perm", WithInts(t, "perm", {3, 1, 0, 2}), {RandomFloat({2, 3, 4, 5}, 5)}));
  cases.push_back(MakeCase("Transpose/default_reverse_float16", t, {RandomBytes(DataType::kFloat16, {7, 1, 9}, 6)}));
  cases.push_back(MakeCase("Transpose/int8_2d", t, {RandomBytes(DataType::kInt8, {65, 17}, 7)}));
  // Narrow output rows (2-4 channels last), with a tail tile: 2 * 37 * 29 = 2146 rows.
  cases.push_back(MakeCase("Transpose/nchw_to_nhwc_c3_tail", WithInts(t, "perm", {0, 2, 3, 1}),
                           {RandomFloat({2, 3, 37, 29}, 8)}));
  cases.push_back(MakeCase("Transpose/nchw_to_nhwc_c4", WithInts(t, "perm", {0, 2, 3, 1}), {RandomFloat({1, 4, 33, 35}, 9)}));
  cases.push_back(MakeCase("Transpose/last_two_int64_c2", WithInts(t, "perm", {1, 0}), {RandomInt64({2, 1500}, 10, -9, 9)}));
}

void AddConcatSplitCases(std::vector<OpCase>& cases) {
  cases.push_back(MakeCase("Concat/axis1_three", WithInt(MakeNode("Concat", 3, 1), "axis", 1),
                       {RandomFloat({2, 3, 5}, 10), RandomFloat({2, 1, 5}, 11), RandomFloat({2, 7, 5}, 12)}));
  cases.push_back(MakeCase("Concat/axis_neg1_int64_with_empty", WithInt(MakeNode("Concat", 2, 1), "axis", -1),
                       {RandomInt64({4, 3}, 13, -9, 9), RandomInt64({4, 0}, 14, -9, 9)}));
  cases.push_back(MakeCase("Concat/channels_large", WithInt(MakeNode("Concat", 2, 1), "axis", 1),
                       {RandomFloat({2, 64, 40, 40}, 15), RandomFloat({2, 33, 40, 40}, 16)}));

  const Tensor x = RandomFloat({4, 12, 5}, 17);
  cases.push_back(MakeCase("Split/equal_axis1", WithInt(MakeNode("Split", 1, 3), "axis", 1), {x}));
  cases.push_back(MakeCase("Split/sizes_input", WithInt(MakeNode("Split", 2, 3), "axis", -2), {x, Int64s({2, 0, 10})}));
  cases.push_back(MakeCase("Split/opset11_attr", WithInts(MakeNode("Split", 1, 2), "split", {1, 3}), {x}, 11));
  cases.push_back(MakeCase("Split/opset18_num_outputs_uneven", WithInt(MakeNode("Split", 1, 3), "num_outputs", 3),
                       {RandomBytes(DataType::kUInt8, {7, 2}, 18)}, 18));
  cases.push_back(MakeCase("Split/large_axis0", MakeNode("Split", 1, 2), {RandomFloat({64, 40, 40}, 19)}));
}

void AddSliceCases(std::vector<OpCase>& cases) {
  const Tensor x = RandomFloat({5, 7, 9}, 20);
  cases.push_back(MakeCase("Slice/basic_axes_steps", MakeNode("Slice", 5, 1),
                       {x, Int64s({1, 2}), Int64s({4, 9}), Int64s({0, 2}), Int64s({1, 3})}));
  cases.push_back(MakeCase("Slice/negative_steps", MakeNode("Slice", 5, 1),
                       {x, Int64s({-1, 8}), Int64s({INT64_MIN, 1}), Int64s({1, -1}), Int64s({-2, -3})}));
  cases.push_back(MakeCase("Slice/huge_bounds_default_axes", MakeNode("Slice", 3, 1),
                       {x, Int64s({-1000, 3}), Int64s({INT64_MAX, 100})}));
  cases.push_back(MakeCase("Slice/empty_result", MakeNode("Slice", 3, 1), {x, Int64s({4}), Int64s({2})}));
  cases.push_back(MakeCase("Slice/int32_inputs_int64_data", MakeNode("Slice", 4, 1),
                       {RandomInt64({6, 10}, 21, -9, 9), Int32s({1}), Int32s({-1}), Int32s({1})}));
  Node opset9 = WithInts(WithInts(WithInts(MakeNode("Slice", 1, 1), "starts", {1}), "ends", {-1}), "axes", {2});
  cases.push_back(MakeCase("Slice/opset9_attrs", opset9, {x}, 9));
  cases.push_back(MakeCase("Slice/inner_crop_large", MakeNode("Slice", 4, 1),
                       {RandomFloat({2, 32, 80, 80}, 22), Int64s({8, 8}), Int64s({72, 72}), Int64s({2, 3})}));
  cases.push_back(MakeCase("Slice/huge_step", MakeNode("Slice", 5, 1),
                       {x, Int64s({2}), Int64s({INT64_MAX}), Int64s({1}), Int64s({INT64_MAX})}));
}

void AddGatherTileCases(std::vector<OpCase>& cases) {
  const Tensor x = RandomFloat({5, 6, 7}, 30);
  cases.push_back(MakeCase("Gather/axis0_2d_indices", MakeNode("Gather", 2, 1),
                       {x, Tensor::FromVector(std::vector<int64_t>{4, 0, -1, 2, 2, -5}, {2, 3}).value()}));
  cases.push_back(MakeCase("Gather/last_axis_int32_negative", WithInt(MakeNode("Gather", 2, 1), "axis", -1),
                       {x, Int32s({-1, 3, 0, 4, 5, 6})}));
  cases.push_back(MakeCase("Gather/scalar_index_uint8", WithInt(MakeNode("Gather", 2, 1), "axis", 1),
                       {RandomBytes(DataType::kUInt8, {3, 4, 5}, 31), Int64Scalar(-2)}));
  cases.push_back(MakeCase("Gather/rows_large", MakeNode("Gather", 2, 1),
                       {RandomFloat({300, 512}, 32), RandomInt64({400}, 33, -300, 299)}));

  cases.push_back(MakeCase("Tile/small", MakeNode("Tile", 2, 1), {RandomFloat({2, 3, 5}, 34), Int64s({2, 1, 3})}));
  cases.push_back(
      MakeCase("Tile/int64_zero_repeat", MakeNode("Tile", 2, 1), {RandomInt64({3, 2}, 35, 0, 9), Int64s({0, 4})}));
  cases.push_back(MakeCase("Tile/large", MakeNode("Tile", 2, 1), {RandomFloat({1, 16, 40, 40}, 36), Int64s({2, 2, 1, 3})}));
}

void AddPadCases(std::vector<OpCase>& cases) {
  const Tensor x = RandomFloat({2, 3, 9, 11}, 40);
  const Tensor pads = Int64s({0, 0, 2, 3, 0, 1, 4, 1});
  cases.push_back(MakeCase("Pad/constant_value", MakeNode("Pad", 3, 1), {x, pads, Floats({1.5f}, {})}));
  cases.push_back(MakeCase("Pad/constant_crop", MakeNode("Pad", 2, 1), {x, Int64s({0, -1, -2, 1, 0, 0, 3, -4})}));
  for (const char* mode : {"reflect", "edge", "wrap"}) {
    cases.push_back(MakeCase(std::string("Pad/") + mode, WithString(MakeNode("Pad", 2, 1), "mode", mode), {x, pads}));
    cases.push_back(MakeCase(std::string("Pad/") + mode + "_large", WithString(MakeNode("Pad", 2, 1), "mode", mode),
                         {RandomFloat({1, 32, 64, 64}, 41), Int64s({0, 0, 3, 3, 0, 0, 3, 3})}));
  }
  cases.push_back(MakeCase("Pad/reflect_beyond_dim", WithString(MakeNode("Pad", 2, 1), "mode", "reflect"),
                       {RandomFloat({3, 4}, 42), Int64s({4, 7, 5, 9})}));
  cases.push_back(MakeCase("Pad/int64_constant", MakeNode("Pad", 3, 1),
                       {RandomInt64({4, 5}, 43, -9, 9), Int64s({1, 2, 3, 4}),
                        Tensor::FromVector(std::vector<int64_t>{-3}, {}).value()}));
  Node opset10 = MakeNode("Pad", 1, 1);
  SetAttr(opset10, "pads", std::vector<int64_t>{1, 0, 2, 3});
  SetAttr(opset10, "value", 2.25f);
  cases.push_back(MakeCase("Pad/opset10_attrs", opset10, {RandomFloat({3, 4}, 44)}, 10));
  cases.push_back(MakeCase("Pad/opset18_axes", WithString(MakeNode("Pad", 4, 1), "mode", "edge"),
                       {x, Int64s({1, 2, 0, 5}), Tensor(), Int64s({-1, 1})}, 18));
}

void AddBlockCases(std::vector<OpCase>& cases) {
  for (const char* mode : {"DCR", "CRD"}) {
    Node n = WithString(WithInt(MakeNode("DepthToSpace", 1, 1), "blocksize", 2), "mode", mode);
    cases.push_back(MakeCase(std::string("DepthToSpace/") + mode, n, {RandomFloat({2, 12, 5, 7}, 50)}));
    cases.push_back(MakeCase(std::string("DepthToSpace/") + mode + "_large", WithInt(n, "blocksize", 4),
                         {RandomFloat({1, 64, 40, 40}, 51)}));
  }
  Node s2d = WithInt(MakeNode("SpaceToDepth", 1, 1), "blocksize", 2);
  cases.push_back(MakeCase("SpaceToDepth/small", s2d, {RandomFloat({2, 3, 6, 8}, 52)}));
  cases.push_back(MakeCase("SpaceToDepth/large_int8", WithInt(s2d, "blocksize", 4),
                       {RandomBytes(DataType::kInt8, {1, 16, 128, 160}, 53)}));
}

}  // namespace

std::vector<OpCase> MovementCases() {
  std::vector<OpCase> cases;
  AddTransposeCases(cases);
  AddConcatSplitCases(cases);
  AddSliceCases(cases);
  AddGatherTileCases(cases);
  AddPadCases(cases);
  AddBlockCases(cases);
  return cases;
}

}  // namespace facefuse::rt::testing
