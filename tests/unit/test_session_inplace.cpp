// A convolution's output takes its residual Sum's memory when the convolution
// is the last to read it (Kernel::OutputMayReuseInput): no copy of Sum into Y,
// one buffer fewer in the arena. The outputs must stay those of the reference
// provider on the recording run (where the cpu kernel times its plans, reading
// Sum many times) and on the runs that replay the arena layout.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "facefuse/runtime.h"
#include "tests/unit/model_builder.h"

namespace facefuse {
namespace {

using namespace facefuse::testing;  // NOLINT: the model builders

constexpr int64_t kChannels = 8, kSide = 16;
constexpr size_t kMapBytes = kChannels * kSide * kSide * sizeof(float);

std::vector<float> RandomFloats(size_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// a = Conv(x); b = Conv(a); c = Conv(b) + a; d = Conv(c); e = Conv(d) + c; y = e * e.
// After fusion: c and e are FusedConvs whose Sum (a, then c) they read last.
// `height`: the declared height, -1 for an open one.
std::string ResidualChain(int64_t height = kSide) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "x", {1, kChannels, height, kSide});
  const std::vector<std::pair<std::string, std::string>> convs = {
      {"x", "a"}, {"a", "b"}, {"b", "tb"}, {"c", "d"}, {"d", "td"}};
  uint32_t seed = 1;
  for (const auto& [in, out] : convs) {
    const std::string w = "w_" + out;
    SetRawFloats(AddInitializer(m, w, {kChannels, kChannels, 3, 3}),
                 RandomFloats(static_cast<size_t>(kChannels * kChannels * 9), seed++, 0.25f));  // keeps |values| near 1
    auto* conv = AddNode(m, "Conv", "conv_" + out, {in, w}, {out});
    auto* pads = conv->add_attribute();
    pads->set_name("pads");
    pads->set_type(onnx::AttributeProto::INTS);
    for (int i = 0; i < 4; ++i) pads->add_ints(1);
  }
  AddNode(m, "Add", "residual_c", {"tb", "a"}, {"c"});
  AddNode(m, "Add", "residual_e", {"td", "c"}, {"e"});
  AddNode(m, "Mul", "square", {"e", "e"}, {"y"});
  AddOutput(m, "y", {1, kChannels, height, kSide});
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  return bytes;
}

std::unique_ptr<Session> Open(const std::string& bytes, const std::string& provider, bool channels_last) {
  SessionOptions o;
  o.threads = 1;
  o.provider = provider;
  o.channels_last = channels_last;
  auto s = Session::OpenFromBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), ".", o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Runs both sessions on x; the first outputs must have one shape and agree within 1e-4.
void ExpectSameOutput(Session& reference, Session& session, const Tensor& x) {
  auto want = reference.Run({x});
  auto got = session.Run({x});
  ASSERT_TRUE(want.ok() && got.ok()) << got.status().ToString();
  ASSERT_EQ((*got)[0].shape(), (*want)[0].shape());
  const float* w = (*want)[0].data<float>();
  const float* g = (*got)[0].data<float>();
  for (int64_t i = 0; i < (*want)[0].size(); ++i)
    ASSERT_NEAR(g[i], w[i], 1e-4f + 1e-4f * std::fabs(w[i])) << "element " << i;
}

// Opens `model` on the reference provider, and on the cpu provider with NCHW and then channels-last activations;
// calls body(reference, session, channels_last) for each of the two.
template <typename Body>
void ForEachLayout(const std::string& model, Body body) {
  auto reference = Open(model, "reference", false);
  ASSERT_TRUE(reference);
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "channels-last" : "NCHW");
    auto session = Open(model, "cpu", channels_last);
    ASSERT_TRUE(session);
    body(*reference, *session, channels_last);
  }
}

// Three runs on random [1, kChannels, kSide, kSide] inputs (seeds from `seed`): the recording run, then two on the
// recorded layout; each must match the reference.
void ExpectSameOutputOverRuns(Session& reference, Session& session, uint32_t seed) {
  for (uint32_t run = 0; run < 3; ++run) {
    Tensor x = Tensor::FromVector(RandomFloats(kMapBytes / sizeof(float), seed + run),
                                  Shape{1, kChannels, kSide, kSide}).value();
    SCOPED_TRACE("run " + std::to_string(run));
    ASSERT_NO_FATAL_FAILURE(ExpectSameOutput(reference, session, x));
  }
}

TEST(SessionInPlace, ResidualConvolutionsTakeTheirSumsMemoryAndMatchTheReference) {
  ForEachLayout(ResidualChain(), [](Session& reference, Session& session, bool channels_last) {
    ASSERT_NO_FATAL_FAILURE(ExpectSameOutputOverRuns(reference, session, 100));
    if (!channels_last) {
      // a, c and e share one buffer, b and d another; without the reuse a, b and c are live at once.
      EXPECT_EQ(session.stats().peak_activation_bytes, 2 * kMapBytes);
    }
  });
}

// With an open height the convolutions see the shapes change from run to run: a call with the last call's shapes
// takes that plan at once, another goes through the plans by shape. Every run must match the reference provider.
TEST(SessionInPlace, ResidualConvolutionsMatchTheReferenceAsTheShapeChanges) {
  ForEachLayout(ResidualChain(-1), [](Session& reference, Session& session, bool) {
    uint32_t seed = 200;
    for (int64_t height : {16, 16, 12, 16, 12, 12, 9}) {
      SCOPED_TRACE("height " + std::to_string(height));
      const Shape shape{1, kChannels, height, kSide};
      Tensor x = Tensor::FromVector(RandomFloats(static_cast<size_t>(NumElements(shape)), seed++), shape).value();
      ASSERT_NO_FATAL_FAILURE(ExpectSameOutput(reference, session, x));
    }
  });
}

// Z = -(Conv1x1(X, w = 2) + Reshape(ConstantOfShape(Shape(X), 1), SH)): the ones follow from X's shape and are kept
// for later runs of that shape, and Reshape's view of them (its target SH is fed, so it is not kept) is the fused
// convolution's Sum, which the convolution may otherwise write over. Every run must give -(2X + 1).
TEST(SessionInPlace, AConvolutionDoesNotWriteOverAKeptValueThroughAView) {
  onnx::ModelProto m = NewModel();
  AddInput(m, "X", {1, 1, -1, 8});
  AddInput(m, "SH", {4}, onnx::TensorProto::INT64);
  SetRawFloats(AddInitializer(m, "W", {1, 1, 1, 1}), {2.f});
  AddNode(m, "Shape", "shape", {"X"}, {"S"});
  auto* ones = AddNode(m, "ConstantOfShape", "ones", {"S"}, {"CS"});
  auto* value = ones->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(1);
  value->mutable_t()->add_float_data(1.f);
  AddNode(m, "Reshape", "view", {"CS", "SH"}, {"D"});
  AddNode(m, "Conv", "conv", {"X", "W"}, {"C"});
  AddNode(m, "Add", "residual", {"C", "D"}, {"Y"});
  // An attribute Neg does not have: ONNX's shape inference gives up, so the declared shapes below stay and the
  // fusion sees that C and D have one shape.
  auto* neg = AddNode(m, "Neg", "neg", {"Y"}, {"Z"});
  auto* odd = neg->add_attribute();
  odd->set_name("blocksize");
  odd->set_type(onnx::AttributeProto::INT);
  odd->set_i(0);
  for (const char* name : {"C", "D", "Y"})
    SetTensorType(m.mutable_graph()->add_value_info(), name, onnx::TensorProto::FLOAT, {1, 1, -1, 8});
  AddOutput(m, "Z", {1, 1, -1, 8});
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "NHWC" : "NCHW");
    auto session = Open(bytes, "cpu", channels_last);
    ASSERT_TRUE(session);
    constexpr int64_t kRows = 4;
    std::vector<float> x(kRows * 8);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5);
    const Tensor sh = Tensor::FromVector(std::vector<int64_t>{1, 1, kRows, 8}, {4}).value();
    for (int run = 0; run < 4; ++run) {
      auto out = session->Run({Tensor::FromVector(x, {1, 1, kRows, 8}).value(), sh});
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ((*out)[0].data<float>()[i], -(2.f * x[i] + 1.f)) << run << " " << i;
    }
  }
}

// a = Conv(x); p = PRelu(a, slope); q = Add(p, bias); r = Max(q, x, floor); y = Mul(r, r), slope, bias and floor
// constants of one value per channel. Each elementwise op takes its first input's memory (Kernel::
// OutputMayReuseInput): a, p, q and r share one buffer. Mul reads r twice, so it gets its own (y, a graph output).
std::string ElementwiseChain() {
  onnx::ModelProto m = NewModel();
  AddInput(m, "x", {1, kChannels, kSide, kSide});
  SetRawFloats(AddInitializer(m, "w", {kChannels, kChannels, 1, 1}),
               RandomFloats(static_cast<size_t>(kChannels * kChannels), 7, 0.5f));
  AddNode(m, "Conv", "conv", {"x", "w"}, {"a"});
  uint32_t seed = 8;
  for (const char* name : {"slope", "bias", "floor"})
    SetRawFloats(AddInitializer(m, name, {kChannels, 1, 1}), RandomFloats(kChannels, seed++));
  AddNode(m, "PRelu", "prelu", {"a", "slope"}, {"p"});
  AddNode(m, "Add", "add", {"p", "bias"}, {"q"});
  AddNode(m, "Max", "max", {"q", "x", "floor"}, {"r"});
  AddNode(m, "Mul", "square", {"r", "r"}, {"y"});
  AddOutput(m, "y", {1, kChannels, kSide, kSide});
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  return bytes;
}

TEST(SessionInPlace, ElementwiseOpsTakeTheirFirstInputsMemoryAndMatchTheReference) {
  ForEachLayout(ElementwiseChain(), [](Session& reference, Session& session, bool channels_last) {
    ASSERT_NO_FATAL_FAILURE(ExpectSameOutputOverRuns(reference, session, 300));
    if (!channels_last) {
      EXPECT_EQ(session.stats().peak_activation_bytes, kMapBytes);  // a, p, q, r: one buffer
    }
  });
}

}  // namespace
}  // namespace facefuse
