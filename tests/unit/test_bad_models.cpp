// Malformed models, files and inputs must give a clear error (the right StatusCode and a message naming the thing
// at fault) through the public Session API, never a crash. Models are built in code with libonnx's protobuf classes.
//
// Every operator these models use is implemented: a model that fails to open because an operator is missing is a
// failure, never a skip. The tests on fixture models need ../shared/fixtures (FF_REQUIRE_FIXTURES: a failure under
// CI=true, a skip elsewhere).
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/allocation_faults.h"
#include "tests/unit/allocation_count.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/fixtures_dir.h"
#include "tests/unit/model_builder.h"

namespace facefuse {
namespace {

namespace fs = std::filesystem;
using namespace facefuse::testing;  // NOLINT: the model builders
using SessionResult = Result<std::unique_ptr<Session>>;

const fs::path kFixtureModels = test_fixtures::FixturesDir() / "models";

// ---------------------------------------------------------------------------------------------------------------
// Models (helpers in model_builder.h).

// X[1,3] -> Relu -> Y[1,3] (or [N,3] when dynamic).
onnx::ModelProto ReluModel(bool dynamic_batch = false) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {dynamic_batch ? -1 : 1, 3});
  AddNode(m, "Relu", "relu_1", {"X"}, {"Y"});
  AddOutput(m, "Y", {dynamic_batch ? -1 : 1, 3});
  return m;
}

// Y[2,3] = X[2,3] + W[2,3], W an initializer the caller fills in.
onnx::ModelProto AddWeightModel(onnx::TensorProto** weight) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3});
  *weight = AddInitializer(m, "W", {2, 3});
  AddNode(m, "Add", "add_w", {"X", "W"}, {"Y"});
  AddOutput(m, "Y", {2, 3});
  return m;
}

// Y = A + B, both [1,3].
onnx::ModelProto TwoInputAddModel() {
  onnx::ModelProto m = NewModel();
  AddInput(m, "A", {1, 3});
  AddInput(m, "B", {1, 3});
  AddNode(m, "Add", "add_ab", {"A", "B"}, {"Y"});
  AddOutput(m, "Y", {1, 3});
  return m;
}

std::string Serialize(const onnx::ModelProto& m) {
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  return bytes;
}

std::span<const uint8_t> AsSpan(const std::string& bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

SessionOptions TestOptions() {
  SessionOptions o;
  o.threads = 1;
  return o;
}

SessionResult OpenBytes(const std::string& bytes, const fs::path& base_dir = {}) {
  return Session::OpenFromBytes(AsSpan(bytes), base_dir, TestOptions());
}

SessionResult OpenModel(const onnx::ModelProto& m, const fs::path& base_dir = {}) {
  return OpenBytes(Serialize(m), base_dir);
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out) << "cannot create " << path;
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out) << "cannot write " << path;
}

Tensor Floats(const std::vector<float>& values, const Shape& shape) {
  auto t = Tensor::FromVector(values, shape);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Tensor();
}

// ---------------------------------------------------------------------------------------------------------------
// Assertion helpers.

// Passes when `s` has code `code` and its message contains every one of `parts`.
::testing::AssertionResult IsError(const Status& s, StatusCode code, std::initializer_list<std::string_view> parts) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got OK";
  if (s.code() != code)
    return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got " << s.ToString();
  for (std::string_view p : parts)
    if (s.message().find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << p << "\": " << s.ToString();
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult IsError(const Result<T>& r, StatusCode code, std::initializer_list<std::string_view> parts) {
  return IsError(r.status(), code, parts);
}

// A fresh folder per test, removed afterwards.
class BadModelFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("facefuse_bad_models_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    ASSERT_TRUE(fs::create_directories(dir_));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------------------------
// Files that are not models.

TEST_F(BadModelFiles, MissingFileIsNotFound) {
  fs::path path = dir_ / "no_such_model.onnx";
  EXPECT_TRUE(IsError(Session::Open(path, TestOptions()), StatusCode::kNotFound, {"no_such_model.onnx"}));
}

TEST_F(BadModelFiles, DirectoryIsInvalidArgument) {
  EXPECT_TRUE(IsError(Session::Open(dir_, TestOptions()), StatusCode::kInvalidArgument,
                      {dir_.string(), "is a directory"}));
}

TEST_F(BadModelFiles, EmptyFileIsInvalidArgument) {
  fs::path path = dir_ / "empty.onnx";
  WriteFile(path, "");
  EXPECT_TRUE(IsError(Session::Open(path, TestOptions()), StatusCode::kInvalidArgument,
                      {"empty.onnx", "not a valid ONNX model"}));
  EXPECT_TRUE(IsError(OpenBytes(""), StatusCode::kInvalidArgument, {"not a valid ONNX model"}));
}

TEST_F(BadModelFiles, GarbageFileIsInvalidArgument) {
  // 0xff bytes make an endless varint tag: no protobuf parser accepts them.
  std::string garbage(64, '\xff');
  fs::path path = dir_ / "garbage.onnx";
  WriteFile(path, garbage);
  EXPECT_TRUE(IsError(Session::Open(path, TestOptions()), StatusCode::kInvalidArgument,
                      {"garbage.onnx", "protobuf parse failed"}));
  // Text is not a model either (wire type 6 does not exist).
  EXPECT_TRUE(IsError(OpenBytes("this is not an onnx model, just text"), StatusCode::kInvalidArgument,
                      {"not a valid ONNX model"}));
}

TEST(BadModels, EveryTruncationOfASmallModelIsInvalidArgument) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3});
  SetRawFloats(AddInitializer(m, "W", {2, 3}), {1, 2, 3, 4, 5, 6});
  AddNode(m, "Add", "add_w", {"X", "W"}, {"Y"});
  AddOutput(m, "Y", {2, 3});
  const std::string bytes = Serialize(m);
  // Each strict prefix either cuts a field (parse failure) or ends before the graph or the opset import, both
  // required: never a model that opens, never another code.
  for (size_t len = 0; len < bytes.size(); ++len) {
    SessionResult s = OpenBytes(bytes.substr(0, len));
    EXPECT_TRUE(IsError(s, StatusCode::kInvalidArgument, {})) << "prefix of " << len << " of " << bytes.size();
  }
}

TEST(BadModels, ThreadCountsOutsideZeroToFourTimesTheCoresAreRefused) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3});
  AddNode(m, "Relu", "relu", {"X"}, {"Y"});
  AddOutput(m, "Y", {2, 3});
  const std::string bytes = Serialize(m);
  auto open = [&](int threads) {
    SessionOptions o;
    o.threads = threads;
    return Session::OpenFromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ".", o);
  };
  for (int threads : {-1, 100000}) {
    EXPECT_TRUE(IsError(open(threads), StatusCode::kInvalidArgument, {"SessionOptions::threads", std::to_string(threads)}))
        << threads;
  }
  EXPECT_TRUE(open(0).ok());
  EXPECT_TRUE(open(1).ok());
}

TEST_F(BadModelFiles, TruncatedRealModelIsInvalidArgument) {
  fs::path real = kFixtureModels / "scrfd_500m" / "model.onnx";
  FF_REQUIRE_FIXTURES(real);
  auto bytes = rt::ReadFileBytes(real);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  ASSERT_GT(bytes->size(), 1000u);
  for (size_t len : {bytes->size() / 4, bytes->size() / 2, bytes->size() - 1}) {
    fs::path cut = dir_ / ("scrfd_cut_" + std::to_string(len) + ".onnx");
    WriteFile(cut, std::string_view(*bytes).substr(0, len));
    EXPECT_TRUE(IsError(Session::Open(cut, TestOptions()), StatusCode::kInvalidArgument,
                        {cut.filename().string(), "protobuf parse failed"}))
        << "cut at " << len;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Broken graphs.

TEST(BadModels, CycleIsInvalidArgumentNamingANode) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddNode(m, "Relu", "loop_a", {"B"}, {"A"});
  AddNode(m, "Relu", "loop_b", {"A"}, {"B"});
  AddOutput(m, "B", {1, 3});
  SessionResult s = OpenModel(m);
  EXPECT_TRUE(IsError(s, StatusCode::kInvalidArgument, {"cycle", "Relu 'loop_"}));
}

TEST(BadModels, SelfLoopIsInvalidArgument) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddNode(m, "Add", "self_add", {"X", "S"}, {"S"});
  AddOutput(m, "S", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"cycle", "Add 'self_add'"}));
}

TEST(BadModels, ReadingAValueNobodyProducesIsInvalidArgument) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddNode(m, "Add", "add_ghost", {"X", "ghost_value"}, {"Y"});
  AddOutput(m, "Y", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"Add 'add_ghost'", "'ghost_value'"}));
}

TEST(BadModels, ValueProducedTwiceIsInvalidArgument) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddNode(m, "Relu", "first", {"X"}, {"Y"});
  AddNode(m, "Relu", "second", {"X"}, {"Y"});
  AddOutput(m, "Y", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"'Y'", "Relu 'first'", "Relu 'second'"}));
}

// Found by the loader fuzzer: a constant Softmax without outputs reached constant folding, whose shape inference
// wrote its first output. A node without its first output is refused at load, before any pass.
TEST(BadModels, NodeWithoutAnOutputIsInvalidArgument) {
  for (bool empty_name : {false, true}) {
    onnx::ModelProto m = NewModel();
    AddInput(m, "X", {1, 3});
    onnx::TensorProto* c = AddInitializer(m, "C", {1, 3});
    for (float v : {1.f, 2.f, 3.f}) c->add_float_data(v);
    if (empty_name) {
      AddNode(m, "Softmax", "softmax_c", {"C"}, {""});
    } else {
      AddNode(m, "Softmax", "softmax_c", {"C"}, {});
    }
    AddNode(m, "Relu", "relu_x", {"X"}, {"Y"});
    AddOutput(m, "Y", {1, 3});
    EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"Softmax 'softmax_c'", "has no output"}));
  }
}

TEST(BadModels, GraphOutputNobodyProducesIsInvalidArgument) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddOutput(m, "Z", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"graph output 'Z'"}));
}

TEST(BadModels, ModelWithoutGraphOrOpsetIsInvalidArgument) {
  onnx::ModelProto no_graph;
  no_graph.set_ir_version(8);
  no_graph.add_opset_import()->set_version(13);
  EXPECT_TRUE(IsError(OpenModel(no_graph), StatusCode::kInvalidArgument, {"no graph"}));

  onnx::ModelProto no_opset = ReluModel();
  no_opset.clear_opset_import();
  EXPECT_TRUE(IsError(OpenModel(no_opset), StatusCode::kInvalidArgument, {"opset"}));
}

// ---------------------------------------------------------------------------------------------------------------
// Unsupported features are reported at open time, naming the node.

TEST(BadModels, UnsupportedOpNamesNodeAndOp) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  AddNode(m, "FrobnicateTensor", "frob_node", {"X"}, {"Y"});
  AddOutput(m, "Y", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kUnsupported, {"frob_node", "FrobnicateTensor"}));

  // A custom domain is named too, so "com.example.Relu" is not mistaken for the ONNX Relu.
  onnx::ModelProto custom = NewModel();
  auto* op = custom.add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  AddInput(custom, "X", {1, 3});
  AddNode(custom, "Relu", "custom_relu", {"X"}, {"Y"})->set_domain("com.example");
  AddOutput(custom, "Y", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(custom), StatusCode::kUnsupported, {"custom_relu", "com.example.Relu"}));
}

// A zero stride or dilation (ONNX's Conv/pool shape functions divide by them)
// is refused by the Conv's own validation, naming the node; ONNX shape
// inference never sees it. Found by fuzzing: strides [1,0] raised SIGFPE. X is
// an initializer so that its shape is known to ONNX's shape functions (graph
// input shapes are withheld from them).
TEST(BadModels, ZeroStrideOrDilationIsInvalidArgumentNotACrash) {
  for (const char* attr : {"strides", "dilations", "kernel_shape"}) {
    onnx::ModelProto m = NewModel();
    SetRawFloats(AddInitializer(m, "X", {1, 1, 8, 8}), std::vector<float>(64, 1.f));
    SetRawFloats(AddInitializer(m, "W", {1, 1, 3, 3}), std::vector<float>(9, 1.f));
    onnx::NodeProto* conv = AddNode(m, "Conv", "conv_zero", {"X", "W"}, {"Y"});
    onnx::AttributeProto* a = conv->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::INTS);
    a->add_ints(1);
    a->add_ints(0);
    AddOutput(m, "Y", {1, 1, 6, 6});
    auto s = OpenModel(m);
    ASSERT_FALSE(s.ok()) << attr;
    EXPECT_NE(s.status().message().find("conv_zero"), std::string::npos) << attr << ": " << s.status().ToString();
  }
  onnx::ModelProto pool = NewModel();
  SetRawFloats(AddInitializer(pool, "X", {1, 1, 8, 8}), std::vector<float>(64, 1.f));
  onnx::NodeProto* mp = AddNode(pool, "MaxPool", "pool_zero", {"X"}, {"Y"});
  onnx::AttributeProto* k = mp->add_attribute();
  k->set_name("kernel_shape");
  k->set_type(onnx::AttributeProto::INTS);
  k->add_ints(2);
  k->add_ints(2);
  onnx::AttributeProto* st = mp->add_attribute();
  st->set_name("strides");
  st->set_type(onnx::AttributeProto::INTS);
  st->add_ints(0);
  st->add_ints(2);
  AddOutput(pool, "Y", {1, 1, 4, 4});
  auto s = OpenModel(pool);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("pool_zero"), std::string::npos) << s.status().ToString();
}

TEST(BadModels, GraphAttributeIsUnsupportedNamingNodeAndAttribute) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 3});
  auto* node = AddNode(m, "Relu", "relu_with_graph", {"X"}, {"Y"});
  auto* attr = node->add_attribute();
  attr->set_name("body");
  attr->set_type(onnx::AttributeProto::GRAPH);
  attr->mutable_g()->set_name("subgraph");
  AddOutput(m, "Y", {1, 3});
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kUnsupported, {"relu_with_graph", "'body'", "GRAPH"}));
}

// ---------------------------------------------------------------------------------------------------------------
// Bad initializers.

TEST(BadModels, RawDataSizeNotMatchingDimsIsInvalidArgument) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  SetRawFloats(w, {1, 2, 3, 4, 5});  // 20 bytes, dims [2,3] need 24
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"'W'", "20 bytes", "[2,3]", "24"}));
}

TEST(BadModels, TypedFieldCountNotMatchingDimsIsInvalidArgument) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  for (float v : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f}) w->add_float_data(v);
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"'W'", "float_data", "7", "6"}));
}

TEST(BadModels, NegativeOrHugeInitializerDimsAreInvalidArgument) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto negative = AddWeightModel(&w);
  w->set_dims(0, -2);
  EXPECT_TRUE(IsError(OpenModel(negative), StatusCode::kInvalidArgument, {"'W'", "negative"}));

  onnx::ModelProto huge = AddWeightModel(&w);
  w->set_dims(0, int64_t{1} << 40);
  w->set_dims(1, int64_t{1} << 40);
  EXPECT_TRUE(IsError(OpenModel(huge), StatusCode::kInvalidArgument, {"'W'", "large"}));
}

// A Softmax that meets a type oneDNN's float kernel does not take (bool, behind a value_info that says float)
// fails naming the node: it used to run the float32 kernel, which wrote 4 bytes an element into a
// 1-byte-an-element output (heap corruption the model-loader fuzzer found; ASan does not see oneDNN's writes).
TEST(BadModels, SoftmaxOverBoolFailsInsteadOfWritingPastItsOutput) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3}, onnx::TensorProto::BOOL);
  onnx::NodeProto* transpose = AddNode(m, "Transpose", "transpose_bool", {"X"}, {"T"});
  onnx::AttributeProto* perm = transpose->add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  perm->add_ints(1);
  perm->add_ints(0);
  SetTensorType(m.mutable_graph()->add_value_info(), "T", onnx::TensorProto::FLOAT, {3, 2});  // a wrong claim
  AddNode(m, "Softmax", "softmax_bool", {"T"}, {"Y"});
  AddOutput(m, "Y", {3, 2}, onnx::TensorProto::BOOL);
  SessionResult s = OpenModel(m);
  if (!s.ok()) {
    EXPECT_NE(s.status().message().find("_bool"), std::string::npos) << s.status().ToString();
    return;
  }
  auto x = Tensor::Allocate(DataType::kBool, {2, 3});
  ASSERT_TRUE(x.ok());
  auto out = (*s)->Run({*x});
  ASSERT_FALSE(out.ok()) << "a bool Softmax ran";
  EXPECT_NE(out.status().message().find("softmax_bool"), std::string::npos) << out.status().ToString();
}

TEST(BadModels, FloatDataInitializerLoadsAndComputes) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  for (float v : {10.f, 20.f, 30.f, -1.f, -2.f, -3.f}) w->add_float_data(v);
  SessionResult s = OpenModel(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Floats({1, 2, 3, 4, 5, 6}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 3}));
  ASSERT_EQ((*out)[0].dtype(), DataType::kFloat32);
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{11, 22, 33, 3, 3, 3}));
}

TEST(BadModels, Int64DataInitializerLoadsAndComputes) {
  // Reshape's target shape comes from an int64_data initializer.
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {2, 3});
  auto* shape = AddInitializer(m, "new_shape", {2}, onnx::TensorProto::INT64);
  shape->add_int64_data(3);
  shape->add_int64_data(2);
  AddNode(m, "Reshape", "reshape_1", {"X", "new_shape"}, {"Y"});
  AddOutput(m, "Y", {3, 2});
  SessionResult s = OpenModel(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Floats({1, 2, 3, 4, 5, 6}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 2}));
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(BadModels, GraphInputThatIsAlsoAnInitializerIsAConstant) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  SetRawFloats(w, {1, 1, 1, 2, 2, 2});
  AddInput(m, "W", {2, 3});  // declared as an input too: a default value, not a feed
  SessionResult s = OpenModel(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ((*s)->inputs().size(), 1u);
  EXPECT_EQ((*s)->inputs()[0].name, "X");

  auto out = (*s)->Run({Floats({0, 1, 2, 3, 4, 5}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{1, 2, 3, 5, 6, 7}));

  // It cannot be fed by name either.
  std::vector<std::pair<std::string, Tensor>> named = {{"X", Floats({0, 0, 0, 0, 0, 0}, {2, 3})},
                                                       {"W", Floats({0, 0, 0, 0, 0, 0}, {2, 3})}};
  EXPECT_TRUE(IsError((*s)->Run(named), StatusCode::kInvalidArgument, {"no input named 'W'"}));
}

// ---------------------------------------------------------------------------------------------------------------
// External data.

// offset and length are written as given; an empty string leaves the key out.
void MakeExternal(onnx::TensorProto* t, const std::string& location, const std::string& offset,
                  const std::string& length) {
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = t->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  if (!offset.empty()) add("offset", offset);
  if (!length.empty()) add("length", length);
}

// 8 bytes of header, then the 6 floats of W.
std::string WeightsFile(const std::vector<float>& w) {
  std::string bytes = "HEADER!!";
  bytes.append(reinterpret_cast<const char*>(w.data()), w.size() * sizeof(float));
  return bytes;
}

TEST_F(BadModelFiles, ExternalDataLoadsAndRuns) {
  WriteFile(dir_ / "weights.bin", WeightsFile({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f}));
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  MakeExternal(w, "weights.bin", "8", "24");
  WriteFile(dir_ / "model.onnx", Serialize(m));

  SessionResult s = Session::Open(dir_ / "model.onnx", TestOptions());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Floats({1, 1, 1, 1, 1, 1}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{1.5f, 2.5f, 3.5f, 0.5f, -0.5f, -1.5f}));

  // From bytes, the data resolves against base_dir; without one it is an error.
  SessionResult from_bytes = OpenModel(m, dir_);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().ToString();
  EXPECT_TRUE(IsError(OpenModel(m), StatusCode::kInvalidArgument, {"'W'", "weights.bin", "no folder"}));
}

TEST_F(BadModelFiles, ExternalDataMissingFileIsNotFound) {
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  MakeExternal(w, "missing_weights.bin", "", "");
  WriteFile(dir_ / "model.onnx", Serialize(m));
  EXPECT_TRUE(IsError(Session::Open(dir_ / "model.onnx", TestOptions()), StatusCode::kNotFound,
                      {"'W'", "missing_weights.bin"}));
}

TEST_F(BadModelFiles, ExternalDataFileTooShortIsInvalidArgument) {
  WriteFile(dir_ / "short.bin", WeightsFile({1, 2, 3, 4, 5}));  // 8 + 20 bytes, W needs 8 + 24
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  MakeExternal(w, "short.bin", "8", "");
  WriteFile(dir_ / "model.onnx", Serialize(m));
  EXPECT_TRUE(IsError(Session::Open(dir_ / "model.onnx", TestOptions()), StatusCode::kInvalidArgument,
                      {"'W'", "short.bin", "too short"}));
}

TEST_F(BadModelFiles, ExternalDataLengthNotMatchingDimsIsInvalidArgument) {
  WriteFile(dir_ / "weights.bin", WeightsFile({1, 2, 3, 4, 5, 6}));
  onnx::TensorProto* w = nullptr;
  onnx::ModelProto m = AddWeightModel(&w);
  MakeExternal(w, "weights.bin", "8", "20");
  WriteFile(dir_ / "model.onnx", Serialize(m));
  EXPECT_TRUE(IsError(Session::Open(dir_ / "model.onnx", TestOptions()), StatusCode::kInvalidArgument,
                      {"'W'", "length 20", "24"}));
}

TEST_F(BadModelFiles, ExternalDataHugeOffsetIsTooShort) {
  WriteFile(dir_ / "weights.bin", WeightsFile({1, 2, 3, 4, 5, 6}));
  // offset + size would overflow int64 for these.
  for (int64_t offset : {std::numeric_limits<int64_t>::max() - 4, std::numeric_limits<int64_t>::max()}) {
    onnx::TensorProto* w = nullptr;
    onnx::ModelProto m = AddWeightModel(&w);
    MakeExternal(w, "weights.bin", std::to_string(offset), "");
    EXPECT_TRUE(IsError(OpenModel(m, dir_), StatusCode::kInvalidArgument, {"'W'", "weights.bin", "too short"}))
        << "offset " << offset;
  }
}

TEST_F(BadModelFiles, ExternalDataMalformedOffsetOrLengthIsInvalidArgument) {
  WriteFile(dir_ / "weights.bin", WeightsFile({1, 2, 3, 4, 5, 6}));
  for (const char* bad : {"-8", "abc", "8x", "99999999999999999999", " 8"}) {
    onnx::TensorProto* w = nullptr;
    onnx::ModelProto as_offset = AddWeightModel(&w);
    MakeExternal(w, "weights.bin", bad, "24");
    EXPECT_TRUE(IsError(OpenModel(as_offset, dir_), StatusCode::kInvalidArgument, {"'W'", "offset", bad}));
    onnx::ModelProto as_length = AddWeightModel(&w);
    MakeExternal(w, "weights.bin", "8", bad);
    EXPECT_TRUE(IsError(OpenModel(as_length, dir_), StatusCode::kInvalidArgument, {"'W'", "length", bad}));
  }
}

TEST_F(BadModelFiles, ExternalDataOutsideTheModelFolderIsRejected) {
  // A real file exists at each location, so only the location rule can reject them.
  fs::create_directories(dir_ / "models");
  WriteFile(dir_ / "outside.bin", WeightsFile({1, 2, 3, 4, 5, 6}));
  const fs::path absolute = fs::absolute(dir_ / "outside.bin");
  for (const std::string& location :
       {absolute.string(), std::string("../outside.bin"), std::string("sub/../../outside.bin")}) {
    onnx::TensorProto* w = nullptr;
    onnx::ModelProto m = AddWeightModel(&w);
    MakeExternal(w, location, "8", "24");
    WriteFile(dir_ / "models" / "model.onnx", Serialize(m));
    EXPECT_TRUE(IsError(Session::Open(dir_ / "models" / "model.onnx", TestOptions()), StatusCode::kInvalidArgument,
                        {"'W'", location, "relative path inside the model folder"}))
        << location;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bad feeds to Run.

TEST(BadInputs, WrongInputNameIsInvalidArgumentListingTheInputs) {
  SessionResult s = OpenModel(ReluModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<std::pair<std::string, Tensor>> named = {{"not_x", Floats({1, 2, 3}, {1, 3})}};
  EXPECT_TRUE(IsError((*s)->Run(named), StatusCode::kInvalidArgument, {"no input named 'not_x'", "X"}));
}

TEST(BadInputs, WrongShapeIsInvalidArgumentNamingInputAndShapes) {
  SessionResult s = OpenModel(ReluModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(IsError((*s)->Run({Floats({1, 2, 3, 4}, {1, 4})}), StatusCode::kInvalidArgument,
                      {"input 'X'", "[1,3]", "[1,4]"}));
  EXPECT_TRUE(IsError((*s)->Run({Floats({1, 2, 3}, {3})}), StatusCode::kInvalidArgument, {"input 'X'", "[3]"}));
  EXPECT_TRUE(IsError((*s)->Run({Floats({1, 2, 3}, {1, 1, 3})}), StatusCode::kInvalidArgument,
                      {"input 'X'", "[1,1,3]"}));
}

TEST(BadInputs, DynamicDimAcceptsAnySizeButNotAnotherRank) {
  SessionResult s = OpenModel(ReluModel(/*dynamic_batch=*/true));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ((*s)->inputs().size(), 1u);
  EXPECT_EQ((*s)->inputs()[0].dims, (std::vector<int64_t>{-1, 3}));
  auto out = (*s)->Run({Floats({-1, 2, -3, 4, -5, 6}, {2, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 3}));
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{0, 2, 0, 4, 0, 6}));
  EXPECT_TRUE(IsError((*s)->Run({Floats({1, 2}, {1, 2})}), StatusCode::kInvalidArgument, {"input 'X'", "[?,3]"}));
}

TEST(BadInputs, WrongDtypeIsInvalidArgumentNamingBothTypes) {
  SessionResult s = OpenModel(ReluModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto ints = Tensor::FromVector<int64_t>({1, 2, 3}, {1, 3});
  ASSERT_TRUE(ints.ok());
  EXPECT_TRUE(IsError((*s)->Run({*ints}), StatusCode::kInvalidArgument, {"input 'X'", "float32", "int64"}));
}

TEST(BadInputs, MissingInputIsInvalidArgument) {
  SessionResult s = OpenModel(TwoInputAddModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Tensor a = Floats({1, 2, 3}, {1, 3});
  // By name: B is never given.
  std::vector<std::pair<std::string, Tensor>> named = {{"A", a}};
  EXPECT_TRUE(IsError((*s)->Run(named), StatusCode::kInvalidArgument, {"input 'B' is missing"}));
  // By position: too few, or an empty tensor in a slot.
  EXPECT_TRUE(IsError((*s)->Run(std::vector<Tensor>{a}), StatusCode::kInvalidArgument, {"2 inputs, got 1"}));
  EXPECT_TRUE(IsError((*s)->Run(std::vector<Tensor>{Tensor(), a}), StatusCode::kInvalidArgument,
                      {"input 'A' is missing"}));
  // Given both, it works.
  auto out = (*s)->Run(std::vector<Tensor>{a, Floats({10, 20, 30}, {1, 3})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> got((*out)[0].span<float>().begin(), (*out)[0].span<float>().end());
  EXPECT_EQ(got, (std::vector<float>{11, 22, 33}));
}

TEST(BadInputs, TooManyInputsIsInvalidArgument) {
  SessionResult s = OpenModel(TwoInputAddModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Tensor a = Floats({1, 2, 3}, {1, 3});
  EXPECT_TRUE(IsError((*s)->Run(std::vector<Tensor>{a, a, a}), StatusCode::kInvalidArgument, {"2 inputs, got 3"}));
}

// ---------------------------------------------------------------------------------------------------------------
// Allocation failures: every failing allocation in open + run of a real model is OutOfMemory, never a crash.

TEST(AllocationFailure, OpenAndRunPfldIsOkOrOutOfMemoryAtEveryAllocation) {
  const fs::path model_dir = kFixtureModels / "pfld_68";
  FF_REQUIRE_FIXTURES(model_dir / "model.onnx", model_dir / "test_data_set_0" / "input_0.pb");
  auto input = rt::ReadTensorProtoFile(model_dir / "test_data_set_0" / "input_0.pb");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  const fs::path model = model_dir / "model.onnx";
  {
    SessionResult s = Session::Open(model, TestOptions());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto out = (*s)->Run({*input});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
  }

  const int64_t total = CountAllocations([&] {
    SessionResult s = Session::Open(model, TestOptions());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->Run({*input}).ok());
  });
  ASSERT_GT(total, 0) << "open + run made no Tensor allocation: the sweep would test nothing";

  int64_t out_of_memory = 0;
  for (int64_t n = 1; n <= total; ++n) {
    FailNthAllocationForTesting(n);
    Status status;
    SessionResult s = Session::Open(model, TestOptions());
    if (!s.ok()) {
      status = s.status();
    } else {
      auto out = (*s)->Run({*input});
      if (!out.ok()) status = out.status();
      else EXPECT_EQ(out->size(), 1u);
    }
    FailNthAllocationForTesting(0);
    if (!status.ok()) {
      EXPECT_EQ(status.code(), StatusCode::kOutOfMemory) << "allocation " << n << ": " << status.ToString();
      ++out_of_memory;
    }
  }
  // The injected failure reached the caller for at least some allocations (most are not optional).
  EXPECT_GT(out_of_memory, 0) << "of " << total << " allocations";
  RecordProperty("allocations", std::to_string(total));
  RecordProperty("out_of_memory", std::to_string(out_of_memory));
}


// A node whose inferred output is over SessionOptions::max_tensor_bytes fails the run with OutOfMemory before a
// kernel (or a kernel's plan) sees the shape: here Resize scales a [1,1,2,2] input by 1e9 per spatial axis.
TEST(BadInputs, OutputOverTheTensorLimitIsOutOfMemoryNamingTheNode) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 1, 2, 2});
  AddInitializer(m, "roi", {0});
  SetRawFloats(AddInitializer(m, "scales", {4}), {1.f, 1.f, 1e9f, 1e9f});
  AddNode(m, "Resize", "huge_resize", {"X", "roi", "scales"}, {"Y"});
  AddOutput(m, "Y", {1, 1, -1, -1});
  SessionResult s = OpenModel(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(IsError((*s)->Run({Floats({1, 2, 3, 4}, {1, 1, 2, 2})}), StatusCode::kOutOfMemory,
                      {"huge_resize", "limit"}));

  // The same graph under a limit that fits the output runs.
  SetRawFloats(m.mutable_graph()->mutable_initializer(1), {1.f, 1.f, 2.f, 2.f});
  SessionOptions options = TestOptions();
  options.max_tensor_bytes = 64;  // [1,1,4,4] floats
  auto fits = Session::OpenFromBytes(AsSpan(Serialize(m)), {}, options);
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  auto out = (*fits)->Run({Floats({1, 2, 3, 4}, {1, 1, 2, 2})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 4, 4}));
  options.max_tensor_bytes = 63;
  auto tight = Session::OpenFromBytes(AsSpan(Serialize(m)), {}, options);
  ASSERT_TRUE(tight.ok()) << tight.status().ToString();
  EXPECT_TRUE(IsError((*tight)->Run({Floats({1, 2, 3, 4}, {1, 1, 2, 2})}), StatusCode::kOutOfMemory, {"huge_resize"}));
}

// An empty output may still have a huge axis; nothing is planned or allocated along it.
TEST(BadInputs, EmptyResizeOutputWithAHugeAxisRuns) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 1, 2, 2});
  AddInitializer(m, "roi", {0});
  SetRawFloats(AddInitializer(m, "scales", {4}), {0.1f, 1.f, 1e9f, 1.f});
  AddNode(m, "Resize", "empty_resize", {"X", "roi", "scales"}, {"Y"});
  AddOutput(m, "Y", {-1, 1, -1, 2});
  SessionResult s = OpenModel(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Floats({1, 2, 3, 4}, {1, 1, 2, 2})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{0, 1, 2000000000, 2}));
  EXPECT_EQ((*out)[0].size(), 0);
}

// ONNX wants a shape (ConstantOfShape, Expand) or the repeats (Tile) as a 1-D tensor. Fed as [1,2] they are an
// error naming the node, on every run: a shape read from a rank-2 value would have been taken for zeros where the
// static-shapes pass stands in for such values, and then folded.
TEST(BadInputs, ARank2ShapeInputIsAnErrorNotZeros) {
  for (const char* op : {"ConstantOfShape", "Expand", "Tile"}) {
    SCOPED_TRACE(op);
    onnx::ModelProto m = NewModel();
    AddInput(m, "X", {1, 1});
    AddInput(m, "T", {1, 2}, onnx::TensorProto::INT64);
    if (std::string(op) == "ConstantOfShape") {
      AddNode(m, op, "make", {"T"}, {"Y"});
    } else {
      AddNode(m, op, "make", {"X", "T"}, {"Y"});
    }
    AddNode(m, "Shape", "shape", {"Y"}, {"S"});
    AddOutput(m, "S", {2}, onnx::TensorProto::INT64);
    SessionResult s = OpenModel(m);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const Tensor t = Tensor::FromVector(std::vector<int64_t>{2, 3}, {1, 2}).value();
    for (int run = 0; run < 2; ++run) {
      auto out = (*s)->Run({Floats({1}, {1, 1}), t});
      ASSERT_FALSE(out.ok()) << "run " << run << " gave shape " << ShapeToString((*out)[0].shape());
      EXPECT_NE(out.status().message().find("must be a 1-D tensor"), std::string::npos) << out.status().ToString();
      EXPECT_NE(out.status().message().find("make"), std::string::npos) << out.status().ToString();
    }
  }
}

}  // namespace
}  // namespace facefuse
