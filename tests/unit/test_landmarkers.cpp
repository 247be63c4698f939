// Landmarkers against the ONNX Runtime reference outputs in the shared fixtures
// (facemesh_468, pfld_68), the 68->5 and 468->5 reductions against YuNet's
// keypoints, and the error paths. Needs the fixtures (FF_REQUIRE_FIXTURES).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "face/detect/detector.h"
#include "face/landmark/landmarker.h"
#include "media/image_io.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::face {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = test_fixtures::FixturesDir();

#define SKIP_WITHOUT_FIXTURES() FF_REQUIRE_FIXTURES(kFixtures / "models", kFixtures / "media" / "images")

nlohmann::json ReadMeta(const std::string& model) {
  std::ifstream in(kFixtures / "models" / model / "meta.json");
  return nlohmann::json::parse(in);
}

cv::Mat LoadFixtureImage(const std::string& name) {
  auto image = media::LoadImageBgr(kFixtures / "media" / "images" / name);
  EXPECT_TRUE(image.ok()) << image.status().ToString();
  return image.ok() ? *image : cv::Mat();
}

DetectedFace BoxFace(const nlohmann::json& box) {
  DetectedFace f;
  f.x1 = box[0].get<float>();
  f.y1 = box[1].get<float>();
  f.x2 = box[2].get<float>();
  f.y2 = box[3].get<float>();
  f.score = 1;
  return f;
}

float Distance(Point2 a, Point2 b) { return std::hypot(a.x - b.x, a.y - b.y); }

struct Errors {
  float mean = 0, max = 0;
};

Errors Compare(const std::vector<Point2>& ours, const std::vector<Point2>& reference) {
  Errors e;
  for (size_t i = 0; i < ours.size(); ++i) {
    const float d = Distance(ours[i], reference[i]);
    e.mean += d / static_cast<float>(ours.size());
    e.max = std::max(e.max, d);
  }
  return e;
}

TEST(FaceMeshLandmarker, CropRuleMatchesTheFixtureCrops) {
  SKIP_WITHOUT_FIXTURES();
  const nlohmann::json meta = ReadMeta("facemesh_468");
  ASSERT_EQ(meta["sets"].size(), 2u);
  for (const auto& set : meta["sets"]) {
    auto crop = FaceMeshCrop(BoxFace(set["crop"]["face_box"]));
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    EXPECT_EQ(crop->x0, set["crop"]["crop_x0y0"][0].get<int>());
    EXPECT_EQ(crop->y0, set["crop"]["crop_x0y0"][1].get<int>());
    EXPECT_EQ(crop->side, set["crop"]["crop_side"].get<int>());
  }
}

TEST(FaceMeshLandmarker, MatchesOnnxRuntimeReference) {
  SKIP_WITHOUT_FIXTURES();
  auto mesh = OpenFaceMesh(kFixtures / "models" / "facemesh_468" / "model.onnx", {});
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  const nlohmann::json meta = ReadMeta("facemesh_468");
  ASSERT_EQ(meta["sets"].size(), 2u);
  for (const auto& set : meta["sets"]) {
    const auto& c = set["crop"];
    cv::Mat image = LoadFixtureImage(c["image"].get<std::string>());
    ASSERT_FALSE(image.empty());
    auto ref = rt::ReadTensorProtoFile(kFixtures / "models" / "facemesh_468" / set["set"].get<std::string>() / "output_0.pb");
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ASSERT_EQ(ref->size(), 1404);
    const float x0 = c["crop_x0y0"][0].get<float>(), y0 = c["crop_x0y0"][1].get<float>();
    const float k = c["crop_side"].get<float>() / 192.f;
    std::vector<Point2> reference;
    for (int i = 0; i < 468; ++i) reference.push_back({x0 + ref->data<float>()[3 * i] * k, y0 + ref->data<float>()[3 * i + 1] * k});

    auto got = (*mesh)->Detect(image, BoxFace(c["face_box"]));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->points.size(), 468u);
    ASSERT_EQ(got->depth.size(), 468u);
    const Errors e = Compare(got->points, reference);
    RecordProperty(set["set"].get<std::string>() + "_mean_px", std::to_string(e.mean));
    RecordProperty(set["set"].get<std::string>() + "_max_px", std::to_string(e.max));
    // The images are decoded again here, so the input differs from the
    // reference input by a few JPEG levels at most: allow ~0.3% of the crop.
    EXPECT_LT(e.mean, 0.003f * c["crop_side"].get<float>()) << set["set"];
    EXPECT_LT(e.max, 0.01f * c["crop_side"].get<float>()) << set["set"];
    EXPECT_GT(got->score, 0.99f);
    for (const auto& [name, xy] : set["landmarks_image_px"].items()) {
      const int index = std::stoi(name.substr(0, name.find('_')));
      EXPECT_LT(Distance(got->points[index], {xy[0].get<float>(), xy[1].get<float>()}), 3.f) << name;
    }
  }
}

TEST(Pfld68Landmarker, CropRuleAndOutputsMatchOnnxRuntimeReference) {
  SKIP_WITHOUT_FIXTURES();
  auto pfld = OpenPfld68(kFixtures / "models" / "pfld_68" / "model.onnx", {});
  ASSERT_TRUE(pfld.ok()) << pfld.status().ToString();
  const nlohmann::json meta = ReadMeta("pfld_68");
  ASSERT_EQ(meta["sets"].size(), 2u);
  for (const auto& set : meta["sets"]) {
    auto ref = rt::ReadTensorProtoFile(kFixtures / "models" / "pfld_68" / set["set"].get<std::string>() / "output_0.pb");
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    int row = 0;
    for (const auto& item : set["batch"]) {
      const auto& c = item["crop"];
      const DetectedFace box = BoxFace(c["face_box_int"]);
      auto crop = Pfld68Crop(box);
      ASSERT_TRUE(crop.ok());
      EXPECT_EQ(crop->x0, c["crop_x0y0"][0].get<int>());
      EXPECT_EQ(crop->y0, c["crop_x0y0"][1].get<int>());
      EXPECT_EQ(crop->side, c["crop_side"].get<int>());

      cv::Mat image = LoadFixtureImage(c["image"].get<std::string>());
      ASSERT_FALSE(image.empty());
      const float side = c["crop_side"].get<float>();
      std::vector<Point2> reference;
      const float* v = ref->data<float>() + row * 136;
      for (int i = 0; i < 68; ++i)
        reference.push_back({c["crop_x0y0"][0].get<float>() + v[2 * i] * side, c["crop_x0y0"][1].get<float>() + v[2 * i + 1] * side});
      auto got = (*pfld)->Detect(image, box);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->points.size(), 68u);
      const Errors e = Compare(got->points, reference);
      RecordProperty(c["image"].get<std::string>() + "_max_px", std::to_string(e.max));
      EXPECT_LT(e.mean, 0.003f * side) << c["image"];
      EXPECT_LT(e.max, 0.01f * side) << c["image"];
      for (const auto& [name, xy] : item["landmarks_image_px"].items()) {
        const int index = std::stoi(name.substr(0, name.find('_')));
        EXPECT_LT(Distance(got->points[index], {xy[0].get<float>(), xy[1].get<float>()}), 3.f) << name;
      }
      ++row;
    }
  }
}

// The 5-point reductions land on the detector's own keypoints, in its order.
TEST(Landmarks, FivePointReductionsAgreeWithYuNetKeypoints) {
  SKIP_WITHOUT_FIXTURES();
  auto detector = OpenDetector("yunet", "", {});
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  auto mesh = OpenLandmarker("face_mesh", "", {});
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  auto pfld = OpenLandmarker("pfld_68", kFixtures / "models" / "pfld_68" / "model.onnx", {});
  ASSERT_TRUE(pfld.ok()) << pfld.status().ToString();
  for (const char* name : {"obama.jpg", "biden.jpg", "astronaut.png", "pexels-dinielle-de-veyra-4195444.jpg",
                           "facelandmark_Test1.jpg", "two_people.jpg"}) {
    cv::Mat image = LoadFixtureImage(name);
    ASSERT_FALSE(image.empty());
    auto faces = (*detector)->Detect(image);
    ASSERT_TRUE(faces.ok()) << faces.status().ToString();
    ASSERT_FALSE(faces->empty()) << name;
    for (const DetectedFace& face : *faces) {
      const float interocular = Distance(face.keypoints[0], face.keypoints[1]);
      auto m = (*mesh)->Detect(image, face);
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      auto m5 = Mesh468To5(m->points);
      auto p = (*pfld)->Detect(image, face);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      auto p5 = Landmarks68To5(p->points);
      ASSERT_TRUE(m5.ok() && p5.ok());
      // Each landmark set puts its points slightly differently (YuNet's mouth
      // corners sit inside a broad smile's), so the bound is on the mean over
      // the 5 points, with a looser bound on any single point.
      float mesh_mean = 0, pfld_mean = 0, mesh_max = 0, pfld_max = 0;
      for (int k = 0; k < 5; ++k) {
        const float dm = Distance((*m5)[k], face.keypoints[k]) / interocular;
        const float dp = Distance((*p5)[k], face.keypoints[k]) / interocular;
        mesh_mean += dm / 5, pfld_mean += dp / 5;
        mesh_max = std::max(mesh_max, dm), pfld_max = std::max(pfld_max, dp);
      }
      std::printf("%-40s 468->5 mean %.3f max %.3f | 68->5 mean %.3f max %.3f (of the inter-ocular distance)\n", name,
                  mesh_mean, mesh_max, pfld_mean, pfld_max);
      EXPECT_LT(mesh_mean, 0.12f) << name;
      EXPECT_LT(pfld_mean, 0.12f) << name;
      EXPECT_LT(mesh_max, 0.3f) << name;
      EXPECT_LT(pfld_max, 0.3f) << name;
      // Image-left first, like the detector: the first eye and mouth corner lie left of the second.
      EXPECT_LT((*m5)[0].x, (*m5)[1].x);
      EXPECT_LT((*m5)[3].x, (*m5)[4].x);
      EXPECT_LT((*p5)[0].x, (*p5)[1].x);
      EXPECT_LT((*p5)[3].x, (*p5)[4].x);
    }
  }
}

TEST(Landmarks, ReductionsRejectWrongPointCounts) {
  EXPECT_EQ(Landmarks68To5(std::vector<Point2>(67)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Mesh468To5(std::vector<Point2>(68)).status().code(), StatusCode::kInvalidArgument);
  std::vector<Point2> p(68);
  for (int i = 36; i < 42; ++i) p[i] = {static_cast<float>(i), 1};
  auto five = Landmarks68To5(p);
  ASSERT_TRUE(five.ok());
  EXPECT_FLOAT_EQ((*five)[0].x, 38.5f);
}

TEST(Landmarks, BadInputsAreErrorsNotCrashes) {
  auto mesh = OpenFaceMesh("", {});
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  DetectedFace face;
  face.x1 = 10, face.y1 = 10, face.x2 = 60, face.y2 = 70;
  cv::Mat image(100, 100, CV_8UC3, cv::Scalar(90, 120, 150));
  EXPECT_EQ((*mesh)->Detect(cv::Mat(), face).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*mesh)->Detect(cv::Mat(100, 100, CV_8UC1), face).status().code(), StatusCode::kInvalidArgument);
  DetectedFace outside = face;
  outside.x1 = 500, outside.x2 = 560;
  EXPECT_EQ((*mesh)->Detect(image, outside).status().code(), StatusCode::kInvalidArgument);
  DetectedFace empty = face;
  empty.x2 = empty.x1;
  EXPECT_EQ((*mesh)->Detect(image, empty).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*mesh)->Detect(image, face).ok());  // a blank face is still a valid call
  EXPECT_EQ(OpenPfld68("", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenFaceMesh("/nonexistent/mesh.onnx", {}).status().code(), StatusCode::kNotFound);
}

TEST(Landmarks, FactoryKnowsTheCliNames) {
  EXPECT_EQ(OpenLandmarker("pfld_68", "", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenLandmarker("2dfan4", "", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenLandmarker("face_mesh", "/nonexistent/mesh.onnx", {}).status().code(), StatusCode::kNotFound);
  auto unknown = OpenLandmarker("dlib_68", "", {});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown landmarker 'dlib_68' (known: 2dfan4, pfld_68, face_mesh)");
}

// DetectAll gives each face the landmarks Detect gives it: PFLD (a dynamic batch) in one run of a [2,3,112,112]
// batch, Face Mesh (batch 1) one face after the other.
TEST(Landmarkers, DetectAllOnAFramesFacesMatchesOneFaceAtATime) {
  SKIP_WITHOUT_FIXTURES();
  auto detector = OpenDetector("yunet", "", {});
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  const cv::Mat image = LoadFixtureImage("two_people.jpg");
  ASSERT_FALSE(image.empty());
  auto faces = (*detector)->Detect(image);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 2u);
  for (const auto& [name, model] : {std::pair<std::string, fs::path>{"pfld_68", kFixtures / "models" / "pfld_68" / "model.onnx"},
                                    std::pair<std::string, fs::path>{"face_mesh", fs::path()}}) {
    auto landmarker = OpenLandmarker(name, model, {});
    ASSERT_TRUE(landmarker.ok()) << landmarker.status().ToString();
    auto all = (*landmarker)->DetectAll(image, *faces);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), 2u) << name;
    for (size_t f = 0; f < faces->size(); ++f) {
      auto one = (*landmarker)->Detect(image, (*faces)[f]);
      ASSERT_TRUE(one.ok()) << one.status().ToString();
      ASSERT_EQ((*all)[f].points.size(), one->points.size()) << name;
      const Errors e = Compare((*all)[f].points, one->points);
      EXPECT_LT(e.max, 1e-3f) << name << " face " << f;
      EXPECT_NEAR((*all)[f].score, one->score, 1e-5f) << name;
    }
    auto none = (*landmarker)->DetectAll(image, {});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
  }
}

}  // namespace
}  // namespace facefuse::face
