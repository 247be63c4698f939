// The swap paths that only stand-ins can run here, end to end through the
// engine, with stand-ins whose effect is visible and known (tools/standins,
// kinds "tint" and "blue-blob"; docs/standins.md):
// - the yoloface path: the blue-blob detector finds the blue square of a
//   synthetic image through the real pre-processing (letterbox, BGR, x/255)
//   and decode, so boxes and keypoints land on the square in image pixels;
// - every swapper contract (inswapper_128(_fp16), hyperswap_1a/1b/1c, simswap_256
//   and simswap_unofficial_512 through the crossface_simswap converter): the
//   tint swapper lifts G by 40 levels (R too when the source went through the
//   converter) exactly where the crop aligned on the square's keypoints pastes,
//   and nowhere else;
// - every enhancer contract (GFPGAN, CodeFormer, GPEN 256/512 and their
//   templates): B drops by 40 levels (CodeFormer: 80 x weight) where the
//   enhancer's own template pastes, scaled by --enhancer-blend.
// The images are synthetic and the identity is given, so nothing here needs
// the fixtures (tests/cli/standins.cmake runs the same paths through
// `facefuse swap`, recognizer included).
#include <gtest/gtest.h>
#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "face/align.h"
#include "face/detect/detector.h"
#include "face/enhance/enhancer.h"
#include "face/paste_back.h"
#include "face/swap/neural/swapper_contract.h"
#include "pipeline/face_swap_engine.h"
#include "tools/standins/standins.h"

namespace facefuse::pipeline {
namespace {

namespace fs = std::filesystem;
using standins::StandInKind;

constexpr double kTint = standins::kTintLevels;

class TintPaths : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("facefuse_tint_paths_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  // Writes (once) the stand-in `model` of `kind` and returns its path.
  static fs::path StandIn(const std::string& model, StandInKind kind) {
    standins::StandInSpec spec;
    spec.model = model;
    spec.kind = kind;
    const fs::path p = *dir_ / standins::StandInFileName(spec);
    if (!fs::exists(p)) {
      const Status s = standins::WriteStandIn(spec, p);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return p;
  }
  // The blue-blob detector, a swapper stand-in of `kind` (with the tint converter where the contract has one).
  static FaceSwapConfig Config(const std::string& swapper, StandInKind kind) {
    FaceSwapConfig c;
    c.swapper = swapper;
    c.swapper_model = StandIn(swapper, kind);
    const std::string converter = face::FindSwapperContract(swapper).value()->converter;
    if (!converter.empty()) c.converter_model = StandIn(converter, StandInKind::kTint);
    c.detector = "yoloface";
    c.detector_model = StandIn("yoloface_8n", StandInKind::kBlueBlob);
    c.threads = 2;
    return c;
  }
  static fs::path* dir_;
};
fs::path* TintPaths::dir_ = nullptr;

// The default synthetic image: a grey-blue gradient with the blue square.
cv::Mat BlobImage(const standins::BlueSquare& square = {}) { return standins::BlueBlobImage(cv::Mat(), square).value(); }

// The keypoints the blue-blob detector must give for `square`, in image pixels.
std::vector<Point2> SquareKeypoints(const standins::BlueSquare& q) {
  std::vector<Point2> out;
  for (const auto& [u, v] : standins::BlueBlobKeypointFractions())
    out.push_back({static_cast<float>(q.x + q.side * u), static_cast<float>(q.y + q.side * v)});
  return out;
}

// How strongly a crop of side `side`, aligned on `keypoints` by `tmpl` (in pixels of `tmpl_size`), is pasted into
// each pixel of a frame of `size` under the default box mask: CV_32FC1 in [0,1], PasteBack's own geometry.
cv::Mat PasteAlpha(cv::Size size, const std::vector<Point2>& keypoints, const std::array<Point2, 5>& tmpl,
                   float tmpl_size, int side) {
  const cv::Mat to_crop =
      face::EstimateSimilarity(keypoints, face::ScaleTemplate(tmpl, tmpl_size, side)).value();
  cv::Mat to_frame, alpha;
  cv::invertAffineTransform(to_crop, to_frame);
  cv::warpAffine(face::BoxMask(side, {}).value(), alpha, to_frame, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  return alpha;
}

// Checks that `after` - `before` is `shift` (B, G, R levels) where the paste is full (alpha >= 0.99) on at least
// 90 % of the pixels whose shifted channels stay in [2, 253] (each channel within 6 levels; resampling the
// square's sharp edges accounts for the rest), that the median shift per channel is `shift` within 2 levels, and
// that no pixel changed where nothing is pasted (alpha == 0, 2 px margin).
void ExpectShiftOnlyUnderThePaste(const cv::Mat& before, const cv::Mat& after, const cv::Mat& alpha,
                                  const cv::Vec3d& shift, const std::string& label) {
  SCOPED_TRACE(label);
  ASSERT_EQ(before.size(), after.size());
  cv::Mat support = alpha > 0, near;
  cv::dilate(support, near, cv::Mat(), cv::Point(-1, -1), 2);
  cv::Mat diff, grey;
  cv::absdiff(before, after, diff);
  cv::cvtColor(diff, grey, cv::COLOR_BGR2GRAY);
  grey.setTo(0, near);
  EXPECT_EQ(cv::countNonZero(grey), 0) << "pixels changed where nothing is pasted";
  int core = 0, right = 0;
  std::vector<double> per_channel[3];
  for (int y = 0; y < before.rows; ++y) {
    for (int x = 0; x < before.cols; ++x) {
      if (alpha.at<float>(y, x) < 0.99f) continue;
      const cv::Vec3b b = before.at<cv::Vec3b>(y, x), a = after.at<cv::Vec3b>(y, x);
      bool room = true, ok = true;
      for (int c = 0; c < 3; ++c) {
        const double want = b[c] + shift[c];
        room &= shift[c] == 0 || (want >= 2 && want <= 253);
        ok &= std::fabs(a[c] - want) <= 6;
      }
      if (!room) continue;
      ++core;
      right += ok;
      for (int c = 0; c < 3; ++c) per_channel[c].push_back(double(a[c]) - b[c]);
    }
  }
  ASSERT_GT(core, 1000) << "too few pasted pixels to judge";
  EXPECT_GE(double(right) / core, 0.9) << right << " of " << core << " fully pasted pixels moved by " << shift;
  for (int c = 0; c < 3; ++c) {
    auto& v = per_channel[c];
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    EXPECT_NEAR(v[v.size() / 2], shift[c], 2.0) << "median shift of channel " << "BGR"[c];
  }
}

// A fixed unit identity (a seeded direction, so its first component is small: about 1/sqrt(512)). The engine
// takes it as LearnIdentity would give it; the recognizer's first run (which tunes its kernels for seconds) is
// left to the CLI tests.
Identity FixedIdentity() {
  Identity id;
  id.images = 1;
  id.embedding.resize(512);
  cv::RNG rng(7);
  double norm = 0;
  for (float& x : id.embedding) {
    x = static_cast<float>(rng.gaussian(1.0));
    norm += double(x) * x;
  }
  for (float& x : id.embedding) x = static_cast<float>(x / std::sqrt(norm));
  return id;
}

// Opens the engine and swaps FixedIdentity() into `target`.
Result<cv::Mat> SwapWith(const FaceSwapConfig& config, const cv::Mat& target, int* swapped = nullptr) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaceSwapEngine> engine, FaceSwapEngine::Open(config));
  return engine->Swap(target, FixedIdentity(), swapped);
}

// The yoloface path: the detector's pre-processing (top-left letterbox, BGR, x/255) and decode ([1,20,8400],
// centre/size boxes in canvas pixels, keypoints) put the one face on the blue square in image pixels, for frames
// larger (landscape and portrait) and smaller than the 640 canvas and with the square on a photo-like base.
TEST(YoloFaceStandIn, DecodesTheBlueSquareInImagePixels) {
  const fs::path dir = fs::temp_directory_path() / ("facefuse_yoloface_" + std::to_string(::getpid()));
  standins::StandInSpec spec;
  spec.model = "yoloface_8n";
  spec.kind = StandInKind::kBlueBlob;
  const fs::path model = dir / standins::StandInFileName(spec);
  ASSERT_TRUE(standins::WriteStandIn(spec, model).ok());
  face::DetectorOptions options;
  options.threads = 2;
  auto detector = face::OpenDetector("yoloface", model, options);
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  struct Case {
    cv::Size size;
    standins::BlueSquare square;
  };
  for (const Case& c : {Case{{960, 720}, {380, 220, 200}}, Case{{500, 900}, {120, 610, 150}},
                        Case{{400, 300}, {50, 40, 120}}, Case{{1280, 640}, {1000, 300, 160}}}) {
    const std::string label = std::to_string(c.size.width) + "x" + std::to_string(c.size.height);
    SCOPED_TRACE(label);
    cv::Mat base(c.size, CV_8UC3);
    cv::randu(base, 0, 256);  // noise, some of it bluish: the image's own blue is toned down
    auto image = standins::BlueBlobImage(base, c.square);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    auto faces = (*detector)->Detect(*image);
    ASSERT_TRUE(faces.ok()) << faces.status().ToString();
    ASSERT_EQ(faces->size(), 1u);
    const DetectedFace& f = (*faces)[0];
    // Resampling into the canvas blurs the square's edges by about a canvas pixel: 1 px + 1 % of the side.
    const float tol = 1.0f + 0.01f * c.square.side;
    EXPECT_NEAR(f.x1, c.square.x, tol);
    EXPECT_NEAR(f.y1, c.square.y, tol);
    EXPECT_NEAR(f.x2, c.square.x + c.square.side, tol);
    EXPECT_NEAR(f.y2, c.square.y + c.square.side, tol);
    EXPECT_NEAR(f.score, 0.9f, 1e-4f);
    const std::vector<Point2> want = SquareKeypoints(c.square);
    ASSERT_EQ(f.keypoints.size(), 5u);
    for (size_t k = 0; k < 5; ++k) {
      EXPECT_NEAR(f.keypoints[k].x, want[k].x, tol) << "keypoint " << k;
      EXPECT_NEAR(f.keypoints[k].y, want[k].y, tol) << "keypoint " << k;
    }
  }
  cv::Mat no_square(480, 640, CV_8UC3, cv::Scalar(200, 40, 40));  // blue, but not saturated: no face
  EXPECT_TRUE((*detector)->Detect(no_square).value().empty());
  fs::remove_all(dir);
}

// Every swapper contract through the engine: the tint reaches the frame exactly where the crop aligned (by the
// contract's template) on the detected square pastes, and nowhere else; with pixel boost 2 as well. simswap's R
// lift proves that the source went through the crossface_simswap converter.
TEST_F(TintPaths, EverySwapperShiftsOnlyThePastedFace) {
  const standins::BlueSquare square;
  const cv::Mat image = BlobImage(square);
  struct Case {
    const char* swapper;
    int boost;
  };
  for (const Case& c : {Case{"inswapper_128", 1}, Case{"inswapper_128_fp16", 1}, Case{"hyperswap_1a_256", 1},
                        Case{"hyperswap_1b_256", 1}, Case{"hyperswap_1c_256", 2}, Case{"simswap_256", 1},
                        Case{"simswap_unofficial_512", 1}}) {
    const std::string label = std::string(c.swapper) + " boost " + std::to_string(c.boost);
    FaceSwapConfig config = Config(c.swapper, StandInKind::kTint);
    config.pixel_boost = c.boost;
    int swapped = 0;
    auto result = SwapWith(config, image, &swapped);
    ASSERT_TRUE(result.ok()) << label << ": " << result.status().ToString();
    EXPECT_EQ(swapped, 1) << label;
    const face::SwapperContract& contract = *face::FindSwapperContract(c.swapper).value();
    const cv::Mat alpha = PasteAlpha(image.size(), SquareKeypoints(square), contract.template_points,
                                     contract.template_size, contract.size * c.boost);
    const double red = contract.converter.empty() ? 0 : kTint;  // the converter's e0 source: R + 40
    ExpectShiftOnlyUnderThePaste(image, *result, alpha, cv::Vec3d(0, kTint, red), label);
  }
}

// A converter-fed swapper without its converter is refused and names the download.
TEST_F(TintPaths, SimswapNeedsItsConverter) {
  FaceSwapConfig config = Config("simswap_256", StandInKind::kTint);
  config.converter_model.clear();
  auto engine = FaceSwapEngine::Open(config);
  EXPECT_EQ(engine.status().code(), StatusCode::kNotFound);
  EXPECT_NE(engine.status().ToString().find("facefuse models download crossface_simswap"), std::string::npos)
      << engine.status().ToString();
}

// The enhancer's expected paste: the contract template per model-contracts section 7, written out here rather than
// read from the engine's table, so a wrong template in the engine moves the paste away from this one.
struct EnhancerCase {
  const char* name;
  const std::array<Point2, 5>* tmpl;
  float tmpl_size;
  int size;
};
const EnhancerCase kEnhancers[] = {
    {"gfpgan_1.4", &face::kFfhqTemplate512, 512, 512},
    {"codeformer", &face::kFfhqTemplate512, 512, 512},
    {"gpen_bfr_256", &face::kArcFaceTemplate128, 128, 256},
    {"gpen_bfr_512", &face::kFfhqTemplate512, 512, 512},
};

// Every enhancer contract after an identity swap: B drops by 40 levels where the enhancer's template pastes
// (compared with the same swap without the enhancer), nowhere else; CodeFormer's drop is 80 x its weight, so
// the weight input reaches the model.
TEST_F(TintPaths, EveryEnhancerShiftsOnlyItsPastedCrop) {
  const standins::BlueSquare square;
  const cv::Mat image = BlobImage(square);
  auto plain = SwapWith(Config("inswapper_128", StandInKind::kIdentity), image);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  for (const EnhancerCase& e : kEnhancers) {
    std::vector<double> weights = {0.5};
    if (std::string(e.name) == "codeformer") weights = {0.25, 0.75};
    for (double weight : weights) {
      const std::string label = std::string(e.name) + " weight " + std::to_string(weight);
      FaceSwapConfig config = Config("inswapper_128", StandInKind::kIdentity);
      config.enhancer = e.name;
      config.enhancer_model = StandIn(e.name, StandInKind::kTint);
      config.enhancer_options.blend = 100;
      config.enhancer_options.weight = weight;
      auto result = SwapWith(config, image);
      ASSERT_TRUE(result.ok()) << label << ": " << result.status().ToString();
      const cv::Mat alpha = PasteAlpha(image.size(), SquareKeypoints(square), *e.tmpl, e.tmpl_size, e.size);
      const double drop = std::string(e.name) == "codeformer" ? 2 * kTint * weight : kTint;
      ExpectShiftOnlyUnderThePaste(*plain, *result, alpha, cv::Vec3d(-drop, 0, 0), label);
    }
  }
}

// --enhancer-blend: 0 leaves the swap as it was, 50 gives half the enhancer's shift, 100 all of it.
TEST_F(TintPaths, EnhancerBlendScalesTheShift) {
  const standins::BlueSquare square;
  const cv::Mat image = BlobImage(square);
  auto plain = SwapWith(Config("hyperswap_1b_256", StandInKind::kIdentity), image);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const cv::Mat alpha = PasteAlpha(image.size(), SquareKeypoints(square), face::kArcFaceTemplate128, 128, 256);
  for (int blend : {0, 50, 100}) {
    FaceSwapConfig config = Config("hyperswap_1b_256", StandInKind::kIdentity);
    config.enhancer = "gpen_bfr_256";
    config.enhancer_model = StandIn("gpen_bfr_256", StandInKind::kTint);
    config.enhancer_options.blend = blend;
    auto result = SwapWith(config, image);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    if (blend == 0) {
      EXPECT_EQ(cv::norm(*result, *plain, cv::NORM_INF), 0) << "blend 0 must leave the swap as it was";
      continue;
    }
    ExpectShiftOnlyUnderThePaste(*plain, *result, alpha, cv::Vec3d(-kTint * blend / 100.0, 0, 0),
                                 "blend " + std::to_string(blend));
  }
}

}  // namespace
}  // namespace facefuse::pipeline
