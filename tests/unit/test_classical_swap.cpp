// Acceptance of the classical swapper on real photos: the swapped face must
// move towards the source identity (recognizer_512 through the full pipeline:
// YuNet -> 5 keypoints -> ArcFace alignment -> embedding), keep the image's
// faces where they were, and leave everything outside the face alone.
//
// Before/after pictures are written to $FACEFUSE_SWAP_OUTPUT_DIR (default: a
// facefuse_classical_swap folder in the test temp dir):
//   FACEFUSE_SWAP_OUTPUT_DIR=docs/images build/tests/test-unit --gtest_filter='ClassicalSwap.*'
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/paths.h"
#include "face/detect/detector.h"
#include "face/recognizer.h"
#include "face/swap/classical/classical_swapper.h"
#include "media/image_io.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::face {
namespace {

namespace fs = std::filesystem;

const fs::path kImages = test_fixtures::FixturesDir() / "media" / "images";

fs::path OutputDir() {
  const char* env = std::getenv("FACEFUSE_SWAP_OUTPUT_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(testing::TempDir()) / "facefuse_classical_swap";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

cv::Mat Strip(const std::vector<cv::Mat>& images, int height) {
  std::vector<cv::Mat> row;
  for (const cv::Mat& m : images) {
    cv::Mat scaled;
    cv::resize(m, scaled, cv::Size(m.cols * height / m.rows, height), 0, 0, m.rows > height ? cv::INTER_AREA : cv::INTER_CUBIC);
    row.push_back(scaled);
  }
  cv::Mat strip;
  cv::hconcat(row, strip);
  return strip;
}

// The face box grown by half its size each way, inside the image.
cv::Rect AroundFace(const DetectedFace& f, const cv::Mat& image) {
  const int w = static_cast<int>(f.width()), h = static_cast<int>(f.height());
  return cv::Rect(static_cast<int>(f.x1) - w / 2, static_cast<int>(f.y1) - h / 2, 2 * w, 2 * h) &
         cv::Rect(0, 0, image.cols, image.rows);
}

// <name>_before_after.png: source | target | result at 512 px high;
// <name>_closeup.png: the two faces and the result's face at 384 px high.
void SaveBeforeAfter(const std::string& name, const cv::Mat& source, const DetectedFace& source_face,
                     const cv::Mat& target, const DetectedFace& target_face, const cv::Mat& result) {
  const fs::path dir = OutputDir();
  cv::imwrite((dir / (name + "_before_after.png")).string(), Strip({source, target, result}, 512));
  const cv::Rect t = AroundFace(target_face, target);
  cv::imwrite((dir / (name + "_closeup.png")).string(),
              Strip({source(AroundFace(source_face, source)), target(t), result(t)}, 384));
  std::printf("wrote %s and %s_closeup.png\n", (dir / (name + "_before_after.png")).string().c_str(), name.c_str());
}

const DetectedFace& Largest(const std::vector<DetectedFace>& faces) {
  return *std::max_element(faces.begin(), faces.end(),
                           [](const DetectedFace& a, const DetectedFace& b) { return a.area() < b.area(); });
}

class ClassicalSwap : public testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(kImages);
    auto detector = OpenDetector("yunet", "", {});
    ASSERT_TRUE(detector.ok()) << detector.status().ToString();
    detector_ = std::move(detector).value();
    auto swapper = ClassicalSwapper::Open({});
    ASSERT_TRUE(swapper.ok()) << swapper.status().ToString();
    swapper_ = std::move(swapper).value();
    auto recognizer = Recognizer::Open(BundledModelsDir() / "recognizer_512.onnx", {});
    ASSERT_TRUE(recognizer.ok()) << recognizer.status().ToString();
    recognizer_ = std::move(recognizer).value();
  }

  cv::Mat Load(const std::string& name) {
    auto image = media::LoadImageBgr(kImages / name);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    return image.ok() ? *image : cv::Mat();
  }

  // As the engine swaps: the largest face the detector finds in `source`
  // onto every face it finds in `target`.
  Result<cv::Mat> SwapLargestOntoAll(const cv::Mat& source, const cv::Mat& target) {
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> source_faces, detector_->Detect(source));
    if (source_faces.empty()) return NotFound("no face found in the source image");
    FF_ASSIGN_OR_RETURN(SourceFace prepared, swapper_->PrepareSource(source, Largest(source_faces)));
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> target_faces, detector_->Detect(target));
    return swapper_->Swap(prepared, target, target_faces);
  }

  // The embedding of the largest face the detector finds.
  std::vector<float> Embed(const cv::Mat& image) {
    auto faces = detector_->Detect(image);
    EXPECT_TRUE(faces.ok() && !faces->empty());
    if (!faces.ok() || faces->empty()) return {};
    auto e = recognizer_->Embed(image, Largest(*faces).keypoints);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::vector<float>{};
  }

  void CheckSwap(const std::string& source_name, const std::string& target_name, const std::string& label) {
    const cv::Mat source = Load(source_name), target = Load(target_name);
    ASSERT_FALSE(source.empty() || target.empty());
    const cv::Mat target_copy = target.clone();
    const auto start = std::chrono::steady_clock::now();
    auto result = SwapLargestOntoAll(source, target);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: Swap (detect both, 2 meshes, swap) took %.0f ms\n", label.c_str(), ms);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->size(), target.size());
    EXPECT_EQ(cv::norm(target, target_copy, cv::NORM_INF), 0) << "the target image was modified";

    const std::vector<float> e_source = Embed(source), e_target = Embed(target), e_result = Embed(*result);
    const float before = CosineSimilarity(e_target, e_source), after = CosineSimilarity(e_result, e_source);
    std::printf("%s: cos(target, source) = %.3f, cos(result, source) = %.3f, gain %.3f, cos(result, target) = %.3f\n",
                label.c_str(), before, after, after - before, CosineSimilarity(e_result, e_target));
    RecordProperty(label + "_cos_target_source", std::to_string(before));
    RecordProperty(label + "_cos_result_source", std::to_string(after));
    EXPECT_GE(after - before, 0.15f) << label;

    // The same faces, where they were.
    auto faces_before = detector_->Detect(target);
    auto faces_after = detector_->Detect(*result);
    ASSERT_TRUE(faces_before.ok() && faces_after.ok());
    ASSERT_EQ(faces_after->size(), faces_before->size()) << label;
    auto source_faces = detector_->Detect(source);
    ASSERT_TRUE(source_faces.ok() && !source_faces->empty());
    SaveBeforeAfter(label, source, Largest(*source_faces), target, Largest(*faces_before), *result);
    for (const DetectedFace& f : *faces_before) {
      float best = 0;
      for (const DetectedFace& g : *faces_after) best = std::max(best, IoU(f, g));
      EXPECT_GT(best, 0.7f) << label << ": a face moved or vanished";
    }

    // Nothing changes outside the target face's mesh hull.
    auto mesh = swapper_->mesh().Detect(target, Largest(*faces_before));
    ASSERT_TRUE(mesh.ok());
    std::vector<cv::Point> points;
    for (const Point2& p : mesh->points) points.emplace_back(cvRound(p.x), cvRound(p.y));
    std::vector<cv::Point> hull;
    cv::convexHull(points, hull);
    cv::Mat inside(target.size(), CV_8UC1, cv::Scalar(0));
    cv::fillConvexPoly(inside, hull, cv::Scalar(255));
    cv::dilate(inside, inside, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
    cv::Mat diff;
    cv::absdiff(*result, target, diff);
    cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
    diff.setTo(0, inside);
    EXPECT_EQ(cv::countNonZero(diff), 0) << label << ": pixels outside the face changed";
    cv::Mat changed;
    cv::absdiff(*result, target, changed);
    EXPECT_GT(cv::norm(changed, cv::NORM_L1), 0) << label << ": nothing was swapped";
  }

  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<ClassicalSwapper> swapper_;
  std::unique_ptr<Recognizer> recognizer_;
};

TEST_F(ClassicalSwap, ObamaOntoBiden) { CheckSwap("obama.jpg", "biden.jpg", "obama_to_biden"); }

TEST_F(ClassicalSwap, AstronautOntoPexelsFace) {
  CheckSwap("astronaut.png", "pexels-dinielle-de-veyra-4195444.jpg", "astronaut_to_pexels");
}

TEST_F(ClassicalSwap, SourceWithoutAFaceIsAnError) {
  const cv::Mat target = Load("biden.jpg");
  const cv::Mat blank(480, 640, CV_8UC3, cv::Scalar(128, 128, 128));
  auto r = SwapLargestOntoAll(blank, target);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_NE(r.status().message().find("source"), std::string::npos);
  EXPECT_EQ(SwapLargestOntoAll(cv::Mat(), target).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SwapLargestOntoAll(target, cv::Mat()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SwapLargestOntoAll(target, blank).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SwapLargestOntoAll(cv::Mat(64, 64, CV_8UC1), target).status().code(), StatusCode::kInvalidArgument);
  // The swapper itself refuses bad images and an empty face list.
  auto faces = detector_->Detect(target);
  ASSERT_TRUE(faces.ok() && !faces->empty());
  EXPECT_EQ(swapper_->PrepareSource(cv::Mat(), faces->front()).status().code(), StatusCode::kInvalidArgument);
  auto source = swapper_->PrepareSource(target, faces->front());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(swapper_->Swap(*source, cv::Mat(), *faces).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(swapper_->Swap(*source, target, {}).status().code(), StatusCode::kNotFound);
}

TEST_F(ClassicalSwap, BadMeshesAndOptionsAreErrors) {
  const cv::Mat image = Load("obama.jpg");
  auto faces = detector_->Detect(image);
  ASSERT_TRUE(faces.ok() && !faces->empty());
  auto source = swapper_->PrepareSource(image, Largest(*faces));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  FaceLandmarks short_mesh;
  short_mesh.points.resize(68);
  ClassicalSwapOptions o;
  EXPECT_EQ(SwapFaceClassical(image, short_mesh, image, source->mesh, o).status().code(), StatusCode::kInvalidArgument);
  FaceLandmarks far = source->mesh;
  for (Point2& p : far.points) p.x += 100000;  // entirely right of the image
  EXPECT_EQ(SwapFaceClassical(image, source->mesh, image, far, o).status().code(), StatusCode::kInvalidArgument);
  o.shape_transfer = 2;
  EXPECT_EQ(SwapFaceClassical(image, source->mesh, image, source->mesh, o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.poisson_max_side = -1;
  EXPECT_EQ(SwapFaceClassical(image, source->mesh, image, source->mesh, o).status().code(), StatusCode::kInvalidArgument);
  // Swapping a face onto itself with the feathered blend changes little.
  ClassicalSwapOptions feather;
  feather.blend = ClassicalSwapOptions::Blend::kFeather;
  auto self = SwapFaceClassical(image, source->mesh, image, source->mesh, feather);
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  cv::Mat diff;
  cv::absdiff(*self, image, diff);
  EXPECT_LT(cv::mean(diff)[0], 2.0);
}

// The Poisson blend of a large face is solved on a smaller copy (poisson_max_side): the result stays close to the
// full-size solve: the two differ by a smooth shading of a few grey levels (the solve's edge lies on a coarser grid).
TEST_F(ClassicalSwap, ReducedPoissonSolveStaysCloseToTheFullSizeOne) {
  const cv::Mat source = Load("biden.jpg"), target = Load("pexels-tim-douglas-6567248.jpg");
  ASSERT_FALSE(source.empty() || target.empty());
  auto source_faces = detector_->Detect(source);
  auto target_faces = detector_->Detect(target);
  ASSERT_TRUE(source_faces.ok() && !source_faces->empty() && target_faces.ok() && !target_faces->empty());
  auto source_mesh = swapper_->mesh().Detect(source, Largest(*source_faces));
  auto target_mesh = swapper_->mesh().Detect(target, Largest(*target_faces));
  ASSERT_TRUE(source_mesh.ok() && target_mesh.ok());
  ASSERT_GT(Largest(*target_faces).height(), 300.f) << "the test needs a face larger than the reduced side";
  ClassicalSwapOptions full, reduced;
  full.poisson_max_side = 0;
  reduced.poisson_max_side = 192;
  auto a = SwapFaceClassical(source, *source_mesh, target, *target_mesh, full);
  auto b = SwapFaceClassical(source, *source_mesh, target, *target_mesh, reduced);
  ASSERT_TRUE(a.ok() && b.ok());
  cv::Mat changed, diff;
  cv::absdiff(*a, target, changed);
  cv::cvtColor(changed, changed, cv::COLOR_BGR2GRAY);
  const cv::Mat face = changed > 0;
  ASSERT_GT(cv::countNonZero(face), 50000);
  cv::absdiff(*a, *b, diff);
  cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
  const double mean_inside = cv::mean(diff, face)[0];
  std::printf("reduced vs full Poisson solve: mean |difference| %.2f grey levels over %d face pixels\n", mean_inside,
              cv::countNonZero(face));
  EXPECT_GT(mean_inside, 0.0) << "the reduced solve did not run";
  EXPECT_LT(mean_inside, 8.0);
}

}  // namespace
}  // namespace facefuse::face
