// SessionOptions::profile: per-node kernel times on a real model (PFLD-68).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "facefuse/runtime.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/face_fixtures.h"

namespace facefuse {
namespace {

using testing::FixtureModel;

class SessionProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(FixtureModel("pfld_68"));
    auto in = rt::ReadTensorProtoFile(FixtureModel("pfld_68").parent_path() / "test_data_set_0" / "input_0.pb");
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    input_ = *in;
  }
  std::unique_ptr<Session> Open(bool profile) {
    SessionOptions o;
    o.threads = testing::kFixtureThreads;
    o.profile = profile;
    auto s = Session::Open(FixtureModel("pfld_68"), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  Tensor input_;
};

TEST_F(SessionProfileTest, TimesEveryNodeAndTheKernelsFitInTheRuns) {
  auto session = Open(true);
  ASSERT_TRUE(session);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(session->Run({input_}).ok());
  const SessionProfile p = session->profile();
  EXPECT_EQ(p.runs, 3u);
  ASSERT_EQ(p.nodes.size(), session->stats().nodes);
  double kernels = 0;
  std::set<std::string> ops;
  for (const auto& n : p.nodes) {
    EXPECT_GE(n.seconds, 0.0) << n.node;
    EXPECT_FALSE(n.op_type.empty());
    EXPECT_FALSE(n.provider.empty());
    kernels += n.seconds;
    ops.insert(n.op_type);
  }
  EXPECT_GT(kernels, 0.0);
  EXPECT_LE(kernels, p.run_seconds);
  // PFLD is convolutions: they are there, their time is counted, and their shapes are the last run's.
  bool conv_seen = false;
  for (const auto& n : p.nodes) {
    if (n.op_type.find("Conv") == std::string::npos) continue;
    conv_seen = true;
    EXPECT_GT(n.seconds, 0.0) << n.node;
    EXPECT_EQ(n.shapes.rfind("[", 0), 0u) << n.shapes;
  }
  EXPECT_TRUE(conv_seen);
  EXPECT_EQ(p.nodes.front().shapes.rfind("[1,3,112,112]", 0), 0u) << p.nodes.front().shapes;
}

TEST_F(SessionProfileTest, ResetStartsAgainAndOutputsAreUnchanged) {
  auto profiled = Open(true);
  auto plain = Open(false);
  ASSERT_TRUE(profiled && plain);
  auto a = profiled->Run({input_});
  auto b = plain->Run({input_});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  // Equal up to float rounding: each session picks its convolutions' layouts by timing them.
  for (size_t i = 0; i < a->size(); ++i) {
    ASSERT_EQ((*a)[i].shape(), (*b)[i].shape());
    for (int64_t k = 0; k < (*a)[i].size(); ++k) {
      const float x = (*a)[i].data<float>()[k], y = (*b)[i].data<float>()[k];
      ASSERT_NEAR(x, y, 1e-4f * (1 + std::fabs(y))) << "output " << i << " element " << k;
    }
  }
  profiled->ResetProfile();
  const SessionProfile reset = profiled->profile();
  EXPECT_EQ(reset.runs, 0u);
  EXPECT_EQ(reset.run_seconds, 0.0);
  for (const auto& n : reset.nodes) EXPECT_EQ(n.seconds, 0.0) << n.node;
  ASSERT_TRUE(profiled->Run({input_}).ok());
  EXPECT_EQ(profiled->profile().runs, 1u);
  // Without the option nothing is recorded.
  EXPECT_EQ(plain->profile().runs, 0u);
  EXPECT_TRUE(plain->profile().nodes.empty());
}

}  // namespace
}  // namespace facefuse
