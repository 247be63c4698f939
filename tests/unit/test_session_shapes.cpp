// The session reuses a step's output shapes for the same input shapes, except
// where they depend on values: outputs sized from data (NonZero) and steps
// reading a shape-like (rank 0 or 1) input that is not a constant. These
// models run twice with equal input shapes and different values; the second
// run must get the shapes its values make.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "facefuse/runtime.h"
#include "tests/unit/model_builder.h"

namespace facefuse {
namespace {

using namespace facefuse::testing;  // NOLINT: the model builders

std::unique_ptr<Session> OpenModel(const onnx::ModelProto& m) {
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  SessionOptions o;
  o.threads = 1;
  auto s = Session::OpenFromBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), ".", o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Tensor Floats(const std::vector<float>& v, const Shape& shape) { return Tensor::FromVector(v, shape).value(); }

TEST(SessionShapes, NonZeroSizesItsOutputOnEveryRun) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3});
  AddNode(m, "NonZero", "nz", {"X"}, {"I"});
  AddNode(m, "Transpose", "t", {"I"}, {"Y"});  // a shape-following step after it
  AddOutput(m, "Y", {-1, 2}, onnx::TensorProto::INT64);
  auto session = OpenModel(m);
  ASSERT_TRUE(session);
  auto a = session->Run({Floats({1, 0, 0, 0, 2, 0}, {2, 3})});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)[0].shape(), (Shape{2, 2}));
  auto b = session->Run({Floats({1, 1, 1, 0, 2, 3}, {2, 3})});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)[0].shape(), (Shape{5, 2}));
  EXPECT_EQ((*b)[0].data<int64_t>()[8], 1);  // the last non-zero is at [1, 2]
  EXPECT_EQ((*b)[0].data<int64_t>()[9], 2);
}

TEST(SessionShapes, ReshapeToAShapeInputFollowsItsValues) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {12});
  AddInput(m, "S", {2}, onnx::TensorProto::INT64);
  AddNode(m, "Reshape", "r", {"X", "S"}, {"R"});
  AddNode(m, "Relu", "relu", {"R"}, {"Y"});
  AddOutput(m, "Y", {-1, -1});
  auto session = OpenModel(m);
  ASSERT_TRUE(session);
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 5.f;
  for (const Shape& want : {Shape{3, 4}, Shape{2, 6}, Shape{12, 1}}) {
    auto out = session->Run({Floats(x, {12}), Tensor::FromVector(std::vector<int64_t>(want), Shape{2}).value()});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), want);
    EXPECT_EQ((*out)[0].data<float>()[11], 6.f);
    EXPECT_EQ((*out)[0].data<float>()[0], 0.f);
  }
}

TEST(SessionShapes, ShapesFollowTheInputShapeOfADynamicModel) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {-1, 3});
  AddNode(m, "Relu", "relu", {"X"}, {"R"});
  AddNode(m, "Transpose", "t", {"R"}, {"Y"});
  AddOutput(m, "Y", {3, -1});
  auto session = OpenModel(m);
  ASSERT_TRUE(session);
  for (int64_t n : {2, 5, 2, 1}) {
    std::vector<float> x(static_cast<size_t>(n * 3), -1.f);
    x.back() = 7.f;
    auto out = session->Run({Floats(x, {n, 3})});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), (Shape{3, n}));
    EXPECT_EQ((*out)[0].data<float>()[3 * n - 1], 7.f);
  }
}

// The loader frees each large initializer's proto data once it is a tensor (and Session::Open frees the file's
// bytes before the kernels are built): weights in raw_data, float_data and int64_data over that threshold, and a
// small Reshape shape ONNX's type inference reads, must all reach the kernels intact, opened from a file.
TEST(SessionShapes, LargeInitializersInEveryStorageReachTheKernels) {
  constexpr int64_t n = 20000;  // 80 KB float32, 160 KB int64: above the loader's 64 KiB
  std::vector<float> add(n), mul(n);
  for (int64_t i = 0; i < n; ++i) add[i] = static_cast<float>(i % 97) * 0.5f, mul[i] = 1.f + static_cast<float>(i % 13);
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, n});
  SetRawFloats(AddInitializer(m, "A", {1, n}), add);
  onnx::TensorProto* w = AddInitializer(m, "M", {1, n});
  for (float v : mul) w->add_float_data(v);
  onnx::TensorProto* index = AddInitializer(m, "I", {n}, onnx::TensorProto::INT64);
  for (int64_t i = 0; i < n; ++i) index->add_int64_data(n - 1 - i);  // reversed
  onnx::TensorProto* shape = AddInitializer(m, "S", {1}, onnx::TensorProto::INT64);
  shape->add_int64_data(n);
  AddNode(m, "Add", "add", {"X", "A"}, {"XA"});
  AddNode(m, "Mul", "mul", {"XA", "M"}, {"XM"});
  AddNode(m, "Reshape", "flat", {"XM", "S"}, {"F"});
  AddNode(m, "Gather", "reverse", {"F", "I"}, {"Y"});
  AddOutput(m, "Y", {n});
  const std::filesystem::path file = std::filesystem::path(::testing::TempDir()) / "large_initializers.onnx";
  {
    std::ofstream f(file, std::ios::binary);
    ASSERT_TRUE(m.SerializeToOstream(&f));
  }
  SessionOptions o;
  o.threads = 1;
  auto session = Session::Open(file, o);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 7) - 3.f;
  auto out = (*session)->Run({Floats(x, {1, n})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ((*out)[0].shape(), (Shape{n}));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = n - 1 - i;
    ASSERT_FLOAT_EQ((*out)[0].data<float>()[i], (x[j] + add[j]) * mul[j]) << i;
  }
  std::filesystem::remove(file);
}

// A Transpose that moves only axes of size 1 is X's bytes with a new shape (no copy); one that moves longer axes
// copies. Each Transpose feeds a Relu that may run in place: the caller's X must stay as it was.
TEST(SessionShapes, TransposeOfUnitAxesAliasesItsInputAndLeavesTheFeedAlone) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 4, 1, 3});
  auto set_perm = [](onnx::NodeProto* node, std::initializer_list<int64_t> perm) {
    auto* a = node->add_attribute();
    a->set_name("perm");
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t p : perm) a->add_ints(p);
  };
  set_perm(AddNode(m, "Transpose", "unit_axes", {"X"}, {"T"}), {2, 0, 1, 3});  // [1,1,4,3]: same memory order
  AddNode(m, "Relu", "relu", {"T"}, {"Y"});
  set_perm(AddNode(m, "Transpose", "real", {"X"}, {"U"}), {0, 3, 2, 1});  // [1,3,1,4]: a real permutation
  AddNode(m, "Relu", "relu2", {"U"}, {"Z"});
  AddOutput(m, "Y", {1, 1, 4, 3});
  AddOutput(m, "Z", {1, 3, 1, 4});
  auto session = OpenModel(m);
  ASSERT_TRUE(session);
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 5.5f;
  const Tensor feed = Floats(x, {1, 4, 1, 3});
  for (int run = 0; run < 2; ++run) {  // the recording run, then the replayed layout
    auto out = session->Run({feed});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ((*out)[0].shape(), (Shape{1, 1, 4, 3}));
    ASSERT_EQ((*out)[1].shape(), (Shape{1, 3, 1, 4}));
    for (int64_t c = 0; c < 4; ++c) {
      for (int64_t w = 0; w < 3; ++w) {
        const float v = x[static_cast<size_t>(c * 3 + w)];
        EXPECT_EQ((*out)[0].data<float>()[c * 3 + w], std::max(v, 0.f));
        EXPECT_EQ((*out)[1].data<float>()[w * 4 + c], std::max(v, 0.f));
      }
    }
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(feed.data<float>()[i], x[i]) << "the feed changed at " << i;
  }
}

// A dynamic model computes its flatten's target from Shape (Shape -> Gather -> Unsqueeze -> Concat -> Reshape);
// those values follow from the input shape, so later runs of the same shape reuse them, and a run of another
// shape computes its own. Shape's value as a graph output is the caller's: writing into it changes nothing later.
TEST(SessionShapes, ShapeArithmeticIsKeptPerInputShapeAndGraphOutputsStayTheCallers) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {-1, 3, -1});
  AddNode(m, "Relu", "relu", {"X"}, {"R"});
  AddNode(m, "Shape", "shape", {"R"}, {"S"});
  auto* zero = AddInitializer(m, "zero", {}, onnx::TensorProto::INT64);
  zero->add_int64_data(0);
  auto* axes = AddInitializer(m, "axes", {1}, onnx::TensorProto::INT64);
  axes->add_int64_data(0);
  auto* rest = AddInitializer(m, "rest", {1}, onnx::TensorProto::INT64);
  rest->add_int64_data(-1);
  AddNode(m, "Gather", "batch", {"S", "zero"}, {"B"});
  AddNode(m, "Unsqueeze", "batch1", {"B", "axes"}, {"B1"});
  auto* concat = AddNode(m, "Concat", "target", {"B1", "rest"}, {"T"});
  auto* axis = concat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  AddNode(m, "Reshape", "flatten", {"R", "T"}, {"Y"});
  AddOutput(m, "Y", {-1, -1});
  AddOutput(m, "S", {3}, onnx::TensorProto::INT64);
  auto session = OpenModel(m);
  ASSERT_TRUE(session);
  for (const Shape& shape : {Shape{2, 3, 5}, Shape{2, 3, 5}, Shape{4, 3, 1}, Shape{2, 3, 5}, Shape{4, 3, 1}}) {
    SCOPED_TRACE(ShapeToString(shape));
    std::vector<float> x(static_cast<size_t>(NumElements(shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) - 2.f;
    auto out = session->Run({Floats(x, shape)});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ((*out)[0].shape(), (Shape{shape[0], shape[1] * shape[2]}));
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ((*out)[0].data<float>()[i], std::max(x[i], 0.f)) << i;
    ASSERT_EQ((*out)[1].shape(), (Shape{3}));
    for (size_t d = 0; d < 3; ++d) ASSERT_EQ((*out)[1].data<int64_t>()[d], shape[d]);
    (*out)[1].data<int64_t>()[0] = -7;  // the caller's tensor: the next run must not see this
  }
}

}  // namespace
}  // namespace facefuse
