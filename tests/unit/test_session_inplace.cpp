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
std::string ResidualChain() {
  onnx::ModelProto m = NewModel();
  AddInput(m, "x", {1, kChannels, kSide, kSide});
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
  AddOutput(m, "y", {1, kChannels, kSide, kSide});
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

TEST(SessionInPlace, ResidualConvolutionsTakeTheirSumsMemoryAndMatchTheReference) {
  const std::string model = ResidualChain();
  auto reference = Open(model, "reference", false);
  ASSERT_TRUE(reference);
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "channels-last" : "NCHW");
    auto session = Open(model, "cpu", channels_last);
    ASSERT_TRUE(session);
    for (uint32_t run = 0; run < 3; ++run) {  // recording, then two runs on the recorded layout
      Tensor x = Tensor::FromVector(RandomFloats(kMapBytes / sizeof(float), 100 + run),
                                    Shape{1, kChannels, kSide, kSide}).value();
      auto want = reference->Run({x});
      auto got = session->Run({x});
      ASSERT_TRUE(want.ok() && got.ok()) << got.status().ToString();
      const float* w = (*want)[0].data<float>();
      const float* g = (*got)[0].data<float>();
      for (int64_t i = 0; i < (*want)[0].size(); ++i)
        ASSERT_NEAR(g[i], w[i], 1e-4f + 1e-4f * std::fabs(w[i])) << "run " << run << " element " << i;
    }
    if (!channels_last) {
      // a, c and e share one buffer, b and d another; without the reuse a, b and c are live at once.
      EXPECT_EQ(session->stats().peak_activation_bytes, 2 * kMapBytes);
    }
  }
}

}  // namespace
}  // namespace facefuse
