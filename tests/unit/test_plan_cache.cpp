// PlanCache (runtime/exec/plan_cache.h): timed plan choices on disk. A damaged
// or foreign file is ignored as a whole, a failed write leaves the cache
// usable, a choice that does not apply falls back to timing, and a session
// that finds its convolutions' choices times nothing and computes the same
// outputs (PFLD-68 on NCHW, where every convolution is timed); on NHWC the
// fixture models' convolutions take their plans untimed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "facefuse/runtime.h"
#include "facefuse/tensor_file.h"
#include "runtime/exec/plan_cache.h"
#include "tests/unit/face_fixtures.h"
#include "tests/unit/fault_env.h"

namespace facefuse::rt {
namespace {

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

// The file with every line before the trailer kept, and the trailer recomputed (a valid file with other choices).
std::string Resealed(const std::string& body, size_t entries) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char sum[17];
  std::snprintf(sum, sizeof(sum), "%016llx", static_cast<unsigned long long>(h));
  return body + "end\t" + std::to_string(entries) + "\t" + sum + "\n";
}

class PlanCacheTest : public testing_env::TempDirTest {
 protected:
  PlanCacheTest() : TempDirTest("plan_cache") {}
  std::filesystem::path File() const { return dir_ / "plan-choices.tsv"; }
  void WriteTwoEntries() {
    PlanCache cache(dir_);
    cache.Record("conv a", "blocked");
    cache.Record("conv b", "channels-last");
    ASSERT_TRUE(cache.SaveIfChanged().ok());
  }
};

TEST_F(PlanCacheTest, ChoicesSurviveAReload) {
  WriteTwoEntries();
  PlanCache again(dir_);
  EXPECT_TRUE(again.loaded());
  EXPECT_EQ(again.Find("conv a"), "blocked");
  EXPECT_EQ(again.Find("conv b"), "channels-last");
  EXPECT_EQ(again.Find("conv c"), std::nullopt);
  EXPECT_EQ(again.hits(), 0u);  // a hit is a choice used, which only the kernel knows
  again.CountHit();
  EXPECT_EQ(again.hits(), 1u);
  EXPECT_EQ(again.recorded(), 0u);
}

TEST_F(PlanCacheTest, KeysWithTabsOrNewlinesAreNotRecorded) {
  PlanCache cache(dir_);
  cache.Record("conv\tx", "blocked");
  cache.Record("conv y", "bad\nchoice");
  cache.Record("", "blocked");
  EXPECT_EQ(cache.recorded(), 0u);
  EXPECT_TRUE(cache.SaveIfChanged().ok());
  EXPECT_FALSE(std::filesystem::exists(File()));  // nothing changed, nothing written
}

TEST_F(PlanCacheTest, ADamagedOrForeignFileIsIgnoredWhole) {
  WriteTwoEntries();
  const std::string good = ReadText(File());
  std::string flipped = good;
  flipped[flipped.find("blocked")] = 'B';  // one byte changed: the checksum no longer matches
  std::string foreign = good;
  foreign.replace(0, std::string("facefuse-plan-cache 1").size(), "facefuse-plan-cache 9");
  const std::string body = good.substr(0, good.rfind("end\t"));
  const std::string trailing_text = good.substr(0, good.size() - 1) + " trailing junk\n";
  for (const std::string& text : {flipped, good.substr(0, good.size() / 2), foreign, std::string("garbage\n"),
                                  Resealed(body, 3), Resealed(body + "no tab here\n", 3), std::string(), trailing_text,
                                  good + "conv c\tblocked\n", good.substr(0, good.size() - 1)}) {
    WriteText(File(), text);
    PlanCache cache(dir_);
    EXPECT_FALSE(cache.loaded()) << text;
    EXPECT_EQ(cache.Find("conv a"), std::nullopt) << text;
  }
  WriteText(File(), Resealed(body, 2));  // the same content resealed is valid again: the test's checksum is right
  EXPECT_TRUE(PlanCache(dir_).loaded());
}

TEST_F(PlanCacheTest, WithoutAFolderChoicesStayInMemory) {
  PlanCache cache("");
  EXPECT_FALSE(cache.loaded());
  cache.Record("conv a", "blocked");
  EXPECT_EQ(cache.Find("conv a"), "blocked");
  EXPECT_TRUE(cache.SaveIfChanged().ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(PlanCacheTest, SavingCreatesTheFolder) {
  PlanCache cache(dir_ / "a" / "b");
  cache.Record("conv a", "blocked");
  ASSERT_TRUE(cache.SaveIfChanged().ok());
  EXPECT_EQ(PlanCache(dir_ / "a" / "b").Find("conv a"), "blocked");
}

// Two processes sharing a folder: each save takes in what the other saved since, and keeps its own choice for a
// key both recorded.
TEST_F(PlanCacheTest, ASaveKeepsWhatAnotherCacheSavedSince) {
  PlanCache first(dir_), second(dir_);
  first.Record("conv a", "blocked");
  first.Record("conv shared", "plain");
  ASSERT_TRUE(first.SaveIfChanged().ok());
  second.Record("conv b", "channels-last");
  second.Record("conv shared", "winograd");
  ASSERT_TRUE(second.SaveIfChanged().ok());
  PlanCache reread(dir_);
  ASSERT_TRUE(reread.loaded());
  EXPECT_EQ(reread.Find("conv a"), "blocked");
  EXPECT_EQ(reread.Find("conv b"), "channels-last");
  EXPECT_EQ(reread.Find("conv shared"), "winograd");
  WriteText(File(), "garbage\n");  // a damaged file contributes nothing and is replaced
  second.Record("conv c", "blocked");
  ASSERT_TRUE(second.SaveIfChanged().ok());
  PlanCache after_damage(dir_);
  ASSERT_TRUE(after_damage.loaded());
  EXPECT_EQ(after_damage.Find("conv c"), "blocked");
}

TEST_F(PlanCacheTest, AFolderWhereTheFileGoesIsNamedAsSuch) {
  std::filesystem::create_directories(File());
  PlanCache cache(dir_);
  cache.Record("conv a", "blocked");
  Status s = cache.SaveIfChanged();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("a folder has the cache file's name"), std::string::npos) << s.ToString();
  EXPECT_EQ(cache.Find("conv a"), "blocked");
}

TEST_F(PlanCacheTest, AFailedWriteKeepsTheChoicesAndTheOldFile) {
  WriteTwoEntries();
  const std::string before = ReadText(File());
  testing_env::FaultEnv env;
  PlanCache cache(dir_, &env);
  cache.Record("conv c", "plain");
  env.FailRenames();
  EXPECT_EQ(cache.last_save_error(), "");
  EXPECT_FALSE(cache.SaveIfChanged().ok());
  EXPECT_NE(cache.last_save_error(), "");  // reported (SessionStats::plan_cache_error; bench-model warns)
  EXPECT_EQ(ReadText(File()), before);
  EXPECT_EQ(cache.Find("conv c"), "plain");
  env.FailRenames(0);
  EXPECT_TRUE(cache.SaveIfChanged().ok());  // still dirty: written now
  EXPECT_EQ(cache.last_save_error(), "");
  EXPECT_EQ(PlanCache(dir_).Find("conv c"), "plain");
}

class PlanCacheSessionTest : public PlanCacheTest {
 protected:
  void SetUp() override {
    PlanCacheTest::SetUp();
    FF_REQUIRE_FIXTURES(testing::FixtureModel("pfld_68"));
    auto in =
        facefuse::ReadTensorFile(testing::FixtureModel("pfld_68").parent_path() / "test_data_set_0" / "input_0.pb");
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    input_ = *in;
  }
  // Opens PFLD-68 on NCHW with the cache, runs it once; returns the outputs and the session's stats.
  std::pair<std::vector<Tensor>, SessionStats> RunOnce(bool time_plans = true) {
    SessionOptions o;
    o.threads = 1;
    o.channels_last = false;
    o.plan_cache_dir = dir_;
    o.time_plans = time_plans;
    auto s = Session::Open(testing::FixtureModel("pfld_68"), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return {};
    auto out = (*s)->Run({input_});
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return {out.ok() ? *out : std::vector<Tensor>{}, (*s)->stats()};
  }
  static void ExpectNear(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].shape(), b[i].shape());
      for (int64_t k = 0; k < a[i].size(); ++k)
        ASSERT_NEAR(a[i].data<float>()[k], b[i].data<float>()[k], 1e-4f * (1 + std::fabs(b[i].data<float>()[k])));
    }
  }
  Tensor input_;
};

TEST_F(PlanCacheSessionTest, ASecondSessionTakesTheChoicesAndTimesNothing) {
  auto [first, cold] = RunOnce();
  EXPECT_GT(cold.plans_timed, 10u);
  ASSERT_TRUE(std::filesystem::exists(File()));
  auto [second, warm] = RunOnce();
  EXPECT_EQ(warm.plans_timed, 0u);
  EXPECT_GE(warm.plan_cache_hits, cold.plans_timed);
  ExpectNear(second, first);
}

TEST_F(PlanCacheSessionTest, WithoutTimingNothingIsTimedReadOrWritten) {
  auto [untimed, plain] = RunOnce(/*time_plans=*/false);
  EXPECT_EQ(plain.plans_timed, 0u);
  EXPECT_EQ(plain.plan_cache_hits, 0u);
  EXPECT_FALSE(std::filesystem::exists(File()));
  auto [timed, cold] = RunOnce();
  ASSERT_GT(cold.plans_timed, 10u);
  ExpectNear(untimed, timed);
  auto [again, warm_unused] = RunOnce(/*time_plans=*/false);  // the folder now has choices: not read
  EXPECT_EQ(warm_unused.plan_cache_hits, 0u);
  EXPECT_EQ(warm_unused.plans_timed, 0u);
  ExpectNear(again, timed);
}

// The cache file with entry k's choice replaced by choice(k), resealed.
void RenameChoices(const std::filesystem::path& file, const std::function<std::string(size_t)>& choice) {
  std::string text = ReadText(file);
  std::string body = text.substr(0, text.rfind("end\t")), renamed;
  std::istringstream lines(body);
  std::string line;
  size_t entries = 0, n = 0;
  while (std::getline(lines, line)) {
    if (n++ == 0) {
      renamed += line + "\n";  // the header
      continue;
    }
    renamed += line.substr(0, line.find('\t')) + "\t" + choice(entries) + "\n";
    ++entries;
  }
  WriteText(file, Resealed(renamed, entries));
}

TEST_F(PlanCacheSessionTest, ChoicesThatDoNotApplyAreTimedAgain) {
  auto [first, cold] = RunOnce();
  ASSERT_GT(cold.plans_timed, 0u);
  // Every choice renamed to a plan no convolution has, or to the own depthwise plan (only depthwise ones have it).
  RenameChoices(File(), [](size_t k) { return k % 2 ? "no-such-plan" : "own-depthwise"; });
  ASSERT_TRUE(PlanCache(dir_).loaded());
  auto [second, again] = RunOnce();
  EXPECT_GT(again.plans_timed, 0u);
  ExpectNear(second, first);
}

// A choice no kernel can build is no hit: the session times the plans as a cold one does, and counts the same hits
// (later nodes of a shape taking the choice just timed).
TEST_F(PlanCacheSessionTest, ChoicesThatCannotBeBuiltAreNoHits) {
  auto [first, cold] = RunOnce();
  ASSERT_GT(cold.plans_timed, 0u);
  RenameChoices(File(), [](size_t) { return "no-such-plan"; });
  auto [second, again] = RunOnce();
  EXPECT_EQ(again.plans_timed, cold.plans_timed);
  EXPECT_EQ(again.plan_cache_hits, cold.plan_cache_hits);
  ExpectNear(second, first);
}

// On NHWC every convolution of these models is below 1 GFLOP and takes its plan by rule (Winograd, the narrow
// kernel, or oneDNN's channels-last kernel generated for this CPU), so nothing is timed and the first run is short.
// Fails where oneDNN names its channels-last kernel in a way the rule does not know (its brgemm kernels on
// AVX-512 were timed against every layout: SCRFD 500M's first run 87 -> 146-161 ms).
TEST(PlanCacheChannelsLast, FixtureModelsTimeNoPlan) {
  FF_REQUIRE_FIXTURES(testing::FixtureModel("pfld_68"), testing::FixtureModel("scrfd_500m"),
                      testing::FixtureModel("yunet_2023mar"));
  for (const char* name : {"pfld_68", "scrfd_500m", "yunet_2023mar"}) {
    SCOPED_TRACE(name);
    const std::filesystem::path model = testing::FixtureModel(name);
    auto in = facefuse::ReadTensorFile(model.parent_path() / "test_data_set_0" / "input_0.pb");
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    SessionOptions o;
    o.threads = 1;
    auto s = Session::Open(model, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto out = (*s)->Run({*in});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ((*s)->stats().plans_timed, 0u);
  }
}

}  // namespace
}  // namespace facefuse::rt
