// SwapRequest -> plan (pipeline/swap_plan.h) and the public FaceSwapper over it: which swapper "auto" picks in
// a models dir, the recognizer's normalisation, the warnings for options the swapper ignores, and the errors
// that name the option at fault.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/paths.h"
#include "facefuse/face_swap.h"
#include "media/image_io.h"
#include "pipeline/swap_plan.h"
#include "tests/unit/fixtures_dir.h"
#include "tools/standins/standins.h"

namespace facefuse::pipeline {
namespace {

namespace fs = std::filesystem;

// An empty models dir for one test, removed after it.
class SwapPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("facefuse-swap-plan-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Puts a file of `bytes` bytes named `file_name` into the models dir.
  void Install(const std::string& file_name, size_t bytes) {
    std::ofstream(dir_ / file_name, std::ios::binary) << std::string(bytes, 'x');
  }
  SwapRequest Request() const {
    SwapRequest r;
    r.models_dir = dir_.string();
    return r;
  }

  fs::path dir_;
};

TEST_F(SwapPlanTest, AutoIsClassicalWithoutInstalledSwappers) {
  const SwapRequest r = Request();
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "classical");
  std::vector<std::string> warnings;
  auto plan = ResolveSwapPlan(r, &warnings);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->config.swapper, "classical");
  EXPECT_TRUE(plan->config.recognizer_model.empty()) << "classical: the bundled recognizer";
  EXPECT_TRUE(warnings.empty());
}

TEST_F(SwapPlanTest, AutoTakesTheFirstInstalledPreferredSwapper) {
  Install("inswapper_128.onnx", 16);  // the catalog pins no size for it: present means usable
  SwapRequest r = Request();
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "inswapper_128");
  // The neural swappers' recognizer is ArcFace w600k_r50 with mean = std = 127.5.
  r.recognizer_model = (dir_ / "arcface.onnx").string();
  auto plan = ResolveSwapPlan(r, nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->config.swapper, "inswapper_128");
  EXPECT_EQ(plan->config.swapper_model, dir_ / "inswapper_128.onnx");
  EXPECT_EQ(plan->config.recognizer_options.mean, 127.5f);
  EXPECT_EQ(plan->config.recognizer_options.std, 127.5f);
  // Given values win over the model's.
  r.recognizer_mean = 100;
  r.recognizer_std = 50;
  plan = ResolveSwapPlan(r, nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->config.recognizer_options.mean, 100.f);
  EXPECT_EQ(plan->config.recognizer_options.std, 50.f);
}

TEST_F(SwapPlanTest, AutoChoosesABrokenPreferredFileSoItsErrorNamesIt) {
  Install("inswapper_128.onnx", 16);
  Install("hyperswap_1a_256.onnx", 10);  // truncated: the catalog pins its size
  const SwapRequest r = Request();
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "hyperswap_1a_256");
  auto plan = ResolveSwapPlan(r, nullptr);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("hyperswap_1a_256.onnx"), std::string::npos) << plan.status().ToString();
  EXPECT_NE(plan.status().message().find("facefuse models download hyperswap_1a_256"), std::string::npos);
}

TEST_F(SwapPlanTest, AnExplicitChoiceOrModelFileDecides) {
  SwapRequest r = Request();
  r.swapper_model = "my_swapper.onnx";
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "inswapper_128");
  r.swapper = "classical";
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "classical");
  r.swapper = "simswap_256";
  EXPECT_EQ(ChooseSwapper(r, models::ResolveModelsDir(r.models_dir)), "simswap_256");
}

TEST_F(SwapPlanTest, WarnsAboutTheOptionsTheSwapperIgnores) {
  SwapRequest r = Request();
  r.explicitly_set = {"--pixel-boost", "--swapper-weight", "--enhancer-blend", "--target"};
  std::vector<std::string> warnings;
  ASSERT_TRUE(ResolveSwapPlan(r, &warnings).ok());
  EXPECT_EQ(warnings, (std::vector<std::string>{"the classical swapper ignores --pixel-boost",
                                                "the classical swapper ignores --swapper-weight",
                                                "--enhancer-blend is ignored without --enhancer"}));
  // Neural: --regions needs --region-mask. The warnings come back even when the resolution then fails.
  r.swapper = "inswapper_128";
  r.explicitly_set = {"--regions", "--reference"};
  auto plan = ResolveSwapPlan(r, &warnings);
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound) << "inswapper_128 is not installed";
  EXPECT_EQ(warnings, (std::vector<std::string>{"--regions is ignored without --region-mask",
                                                "--reference is ignored unless --selector reference"}));
}

TEST_F(SwapPlanTest, ErrorsNameTheOption) {
  SwapRequest r = Request();
  r.mask_padding = "1,2,3";
  EXPECT_EQ(ResolveSwapPlan(r, nullptr).status().ToString(),
            "InvalidArgument: --mask-padding: takes 1 or 4 numbers (top,right,bottom,left)");
  r = Request();
  r.selector = "reference";
  EXPECT_EQ(ResolveSwapPlan(r, nullptr).status().ToString(),
            "InvalidArgument: --selector reference needs --reference IMAGE");
  r = Request();
  r.memory_limit = "lots";
  EXPECT_EQ(ResolveSwapPlan(r, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SwapPlanTest, UnknownNamesAreRefusedNamingTheOption) {
  auto refusal = [this](void (*set)(SwapRequest&)) {
    SwapRequest r = Request();
    set(r);
    return ResolveSwapPlan(r, nullptr).status();
  };
  const struct {
    void (*set)(SwapRequest&);
    const char* prefix;
  } cases[] = {
      {[](SwapRequest& r) { r.order = "sideways"; }, "--order: unknown face order 'sideways' (left-right"},
      {[](SwapRequest& r) { r.selector = "all"; }, "--selector: unknown face selection mode 'all'"},
      {[](SwapRequest& r) { r.detector = "foo"; }, "--detector: unknown detector 'foo'"},
      {[](SwapRequest& r) { r.landmarker = "foo"; }, "--landmarker: unknown landmarker 'foo'"},
      {[](SwapRequest& r) { r.enhancer = "foo"; }, "--enhancer: no enhancer contract named 'foo'"},
      {[](SwapRequest& r) { r.swapper.clear(); }, "--swapper: the name is empty"},
  };
  for (const auto& c : cases) {
    const Status s = refusal(c.set);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_EQ(s.message().rfind(c.prefix, 0), 0u) << s.ToString();
  }
  // A neural swapper this build does not know may be one of a later version: NotFound, naming --swapper.
  const Status unknown = refusal([](SwapRequest& r) { r.swapper = "deepfake9000"; });
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound) << unknown.ToString();
  EXPECT_EQ(unknown.message().rfind("--swapper: ", 0), 0u) << unknown.ToString();
  // The warnings are collected before a name is refused.
  SwapRequest r = Request();
  r.order = "sideways";
  r.explicitly_set = {"--pixel-boost"};
  std::vector<std::string> warnings;
  EXPECT_FALSE(ResolveSwapPlan(r, &warnings).ok());
  EXPECT_EQ(warnings, std::vector<std::string>{"the classical swapper ignores --pixel-boost"});
}

TEST(MaskPadding, OneValueOrFour) {
  auto one = ParseMaskPadding("5");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (std::array<float, 4>{5, 5, 5, 5}));
  auto four = ParseMaskPadding("1,2,3,4");
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, (std::array<float, 4>{1, 2, 3, 4}));
  EXPECT_EQ(ParseMaskPadding("x").status().message(), "'x' is not a number");
  EXPECT_EQ(ParseMaskPadding("101").status().message(), "101 is outside 0..100 (percent of the crop)");
}

TEST_F(SwapPlanTest, FaceSwapperSwapsDecodedImages) {
  const fs::path images = test_fixtures::FixturesDir() / "media" / "images";
  FF_REQUIRE_FIXTURES(images / "biden.jpg", images / "two_people.jpg");
  // An identity stand-in swapper (tools/standins) and the bundled recognizer: no download needed.
  standins::StandInSpec spec;
  spec.model = "inswapper_128";
  spec.kind = standins::StandInKind::kIdentity;
  const fs::path swapper_model = dir_ / standins::StandInFileName(spec);
  ASSERT_TRUE(standins::WriteStandIn(spec, swapper_model).ok());
  SwapRequest r = Request();
  r.sources = {"biden.jpg"};
  r.target = "two_people.jpg";
  r.swapper_model = swapper_model.string();
  r.recognizer_model = (BundledModelsDir() / "recognizer_512.onnx").string();
  r.threads = 2;
  auto swapper = FaceSwapper::Open(r);
  ASSERT_TRUE(swapper.ok()) << swapper.status().ToString();
  EXPECT_EQ((*swapper)->swapper(), "inswapper_128");
  EXPECT_TRUE((*swapper)->warnings().empty());
  auto source = media::LoadImageBgr(images / "biden.jpg");
  auto target = media::LoadImageBgr(images / "two_people.jpg");
  ASSERT_TRUE(source.ok() && target.ok());
  auto out = (*swapper)->Swap({{*source}, *target, {}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->faces_swapped, 2);
  EXPECT_EQ(out->image.size(), target->size());
  // A faceless target is named by its request name.
  auto faceless = (*swapper)->Swap({{*source}, cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0)), {}});
  ASSERT_FALSE(faceless.ok());
  EXPECT_EQ(faceless.status().message(), "no face found in the target image two_people.jpg");
}

}  // namespace
}  // namespace facefuse::pipeline
