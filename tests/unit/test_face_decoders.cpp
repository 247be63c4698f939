// Detector decoding and options without (or beside) the real models: the
// YOLO-face decoder on a synthetic output, the RetinaFace decoder on the ONNX
// Runtime reference outputs, rotated-pass geometry with a stand-in detector,
// and option errors.
#include <opencv2/core.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "face/detect/detector_decode.h"
#include "face_fixtures.h"
#include "runtime/loader/onnx_loader.h"

namespace facefuse {
namespace {

using testing::FixtureModel;

// A [1,20,N] YOLO-face output with candidate i set to box (cx, cy, w, h),
// `score` and keypoints (cx + 2k, cy - k) with visibility 0.7.
void SetYoloCandidate(Tensor& t, int64_t i, float cx, float cy, float w, float h, float score) {
  const int64_t n = t.dim(2);
  float* v = t.data<float>();
  v[0 * n + i] = cx;
  v[1 * n + i] = cy;
  v[2 * n + i] = w;
  v[3 * n + i] = h;
  v[4 * n + i] = score;
  for (int k = 0; k < 5; ++k) {
    v[(5 + 3 * k) * n + i] = cx + 2.f * k;
    v[(6 + 3 * k) * n + i] = cy - static_cast<float>(k);
    v[(7 + 3 * k) * n + i] = 0.7f;
  }
}

TEST(YoloFaceDecode, KeepsCandidatesAtOrAboveTheScoreAsCornerBoxesAndKeypoints) {
  FF_ASSERT_OK_AND_ASSIGN(Tensor out, Tensor::Allocate(DataType::kFloat32, {1, 20, 8400}));
  std::fill(out.data<float>(), out.data<float>() + out.size(), 0.f);
  SetYoloCandidate(out, 17, 100, 120, 40, 60, 0.9f);
  SetYoloCandidate(out, 8399, 300, 310, 20, 30, 0.5f);
  SetYoloCandidate(out, 4000, 500, 500, 50, 50, 0.49f);
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, face::DecodeYoloFace(out, 0.5f));
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_FLOAT_EQ(faces[0].score, 0.9f);
  EXPECT_FLOAT_EQ(faces[0].x1, 80);
  EXPECT_FLOAT_EQ(faces[0].y1, 90);
  EXPECT_FLOAT_EQ(faces[0].x2, 120);
  EXPECT_FLOAT_EQ(faces[0].y2, 150);
  ASSERT_EQ(faces[0].keypoints.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    EXPECT_FLOAT_EQ(faces[0].keypoints[k].x, 100 + 2.f * k);
    EXPECT_FLOAT_EQ(faces[0].keypoints[k].y, 120 - static_cast<float>(k));
  }
  EXPECT_FLOAT_EQ(faces[1].x1, 290);
  EXPECT_FLOAT_EQ(faces[1].y2, 325);
}

TEST(YoloFaceDecode, AcceptsAnUnbatchedOutputAndRejectsOtherLayouts) {
  FF_ASSERT_OK_AND_ASSIGN(Tensor flat, Tensor::Allocate(DataType::kFloat32, {20, 2100}));
  std::fill(flat.data<float>(), flat.data<float>() + flat.size(), 0.f);
  EXPECT_TRUE(face::DecodeYoloFace(flat, 0.5f).ok());
  FF_ASSERT_OK_AND_ASSIGN(Tensor transposed, Tensor::Allocate(DataType::kFloat32, {1, 8400, 20}));
  EXPECT_EQ(face::DecodeYoloFace(transposed, 0.5f).status().code(), StatusCode::kInvalidArgument);
  FF_ASSERT_OK_AND_ASSIGN(Tensor ints, Tensor::Allocate(DataType::kInt32, {1, 20, 8400}));
  EXPECT_EQ(face::DecodeYoloFace(ints, 0.5f).status().code(), StatusCode::kInvalidArgument);
}

// meta.json of retinaface_mnet025, set 0 (two_people.jpg, letterbox scale
// 0.567322): the ORT outputs decoded at score >= 0.6, image pixels, 0.1 px.
constexpr float kRetinaScale = 0.567322f;
constexpr float kRetinaReference[2][15] = {
    {0.9994f, 790.5f, 44.2f, 942.4f, 254.6f, 848.5f, 123.0f, 913.5f, 137.3f, 881.6f, 169.6f, 838.2f, 194.5f, 896.3f,
     206.3f},
    {0.9993f, 235.5f, 25.3f, 386.3f, 224.2f, 288.3f, 95.6f, 356.8f, 102.4f, 329.8f, 128.6f, 287.3f, 165.6f, 347.4f,
     171.4f},
};

void ExpectMatchesRetinaReference(std::vector<DetectedFace> faces, float tolerance) {
  for (auto& f : faces) {
    f.x1 /= kRetinaScale;
    f.y1 /= kRetinaScale;
    f.x2 /= kRetinaScale;
    f.y2 /= kRetinaScale;
    for (auto& p : f.keypoints) {
      p.x /= kRetinaScale;
      p.y /= kRetinaScale;
    }
  }
  ASSERT_EQ(faces.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const float* r = kRetinaReference[i];
    const DetectedFace& f = faces[i];
    EXPECT_NEAR(f.score, r[0], 0.0006f);
    EXPECT_NEAR(f.x1, r[1], tolerance);
    EXPECT_NEAR(f.y1, r[2], tolerance);
    EXPECT_NEAR(f.x2, r[3], tolerance);
    EXPECT_NEAR(f.y2, r[4], tolerance);
    for (int k = 0; k < 5; ++k) {
      EXPECT_NEAR(f.keypoints[k].x, r[5 + 2 * k], tolerance) << "face " << i << " keypoint " << k;
      EXPECT_NEAR(f.keypoints[k].y, r[6 + 2 * k], tolerance) << "face " << i << " keypoint " << k;
    }
  }
}

TEST(RetinaFaceDecode, OrtReferenceOutputsDecodeToTheReferenceFaces) {
  const auto set = FixtureModel("retinaface_mnet025").parent_path() / "test_data_set_0";
  FF_REQUIRE_FIXTURES(set / "output_0.pb", set / "output_1.pb", set / "output_2.pb");
  EXPECT_EQ(face::RetinaFacePriorCount(640, 640), 16800);
  FF_ASSERT_OK_AND_ASSIGN(Tensor loc, rt::ReadTensorProtoFile(set / "output_0.pb"));
  FF_ASSERT_OK_AND_ASSIGN(Tensor conf, rt::ReadTensorProtoFile(set / "output_1.pb"));
  FF_ASSERT_OK_AND_ASSIGN(Tensor landms, rt::ReadTensorProtoFile(set / "output_2.pb"));
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, face::DecodeRetinaFace(loc, conf, landms, 640, 640, 0.6f));
  ExpectMatchesRetinaReference(NonMaxSuppression(std::move(faces), 0.4f), 0.06f);
  EXPECT_EQ(face::DecodeRetinaFace(loc, conf, landms, 320, 320, 0.6f).status().code(), StatusCode::kInvalidArgument);
}

TEST(RetinaFaceDecode, OurRuntimeOnTheReferenceInputGivesTheReferenceFaces) {
  const auto model = FixtureModel("retinaface_mnet025");
  const auto input = model.parent_path() / "test_data_set_0" / "input_0.pb";
  FF_REQUIRE_FIXTURES(model, input);
  SessionOptions so;
  so.threads = testing::kFixtureThreads;
  FF_ASSERT_OK_AND_ASSIGN(auto session, Session::Open(model, so));
  FF_ASSERT_OK_AND_ASSIGN(Tensor in, rt::ReadTensorProtoFile(input));
  FF_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, session->Run(std::vector<Tensor>{in}));
  ASSERT_EQ(out.size(), 3u);
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces,
                          face::DecodeRetinaFace(out[0], out[1], out[2], 640, 640, 0.6f));
  ExpectMatchesRetinaReference(NonMaxSuppression(std::move(faces), 0.4f), 0.1f);
}

// Stands in for a model: one "face" around the brightest pixel (u, v), box
// (u-2, v-3)-(u+2, v+3), keypoint k at (u, v) for every k.
class BrightestPixelDetector final : public face::FaceDetector {
 public:
  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) override {
    std::vector<cv::Mat> planes;
    cv::split(bgr, planes);
    cv::Point at;
    cv::minMaxLoc(planes[0], nullptr, nullptr, nullptr, &at);
    DetectedFace f;
    const float u = static_cast<float>(at.x), v = static_cast<float>(at.y);
    f.x1 = u - 2;
    f.y1 = v - 3;
    f.x2 = u + 2;
    f.y2 = v + 3;
    f.score = 0.9f;
    f.keypoints.assign(5, {u, v});
    return std::vector<DetectedFace>{f};
  }
};

TEST(RotatedDetection, EveryAngleMapsTheFaceBackOntoTheOriginalImage) {
  cv::Mat image = cv::Mat::zeros(40, 60, CV_8UC3);         // W 60, H 40
  image.at<cv::Vec3b>(11, 23) = cv::Vec3b(255, 255, 255);  // (x 23, y 11)
  BrightestPixelDetector detector;
  for (int angle : {0, 90, 180, 270}) {
    SCOPED_TRACE(angle);
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, face::DetectAtAngles(detector, image, {angle}));
    ASSERT_EQ(faces.size(), 1u);
    EXPECT_FLOAT_EQ(faces[0].keypoints[0].x, 23);
    EXPECT_FLOAT_EQ(faces[0].keypoints[0].y, 11);
    const bool sideways = angle == 90 || angle == 270;  // the 4x6 box comes back 6x4
    EXPECT_FLOAT_EQ(faces[0].width(), sideways ? 6.f : 4.f);
    EXPECT_FLOAT_EQ(faces[0].height(), sideways ? 4.f : 6.f);
    EXPECT_FLOAT_EQ((faces[0].x1 + faces[0].x2) / 2, 23);
    EXPECT_FLOAT_EQ((faces[0].y1 + faces[0].y2) / 2, 11);
  }
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> merged, face::DetectAtAngles(detector, image, {0, 180}));
  EXPECT_EQ(merged.size(), 1u) << "the same face found upright and upside down is merged";
}

TEST(RotatedDetection, MergeIoUAndAngleErrorsFollowTheContract) {
  EXPECT_FLOAT_EQ(face::MergeIoUForAngles(1), 0.4f);
  EXPECT_FLOAT_EQ(face::MergeIoUForAngles(2), 0.3f);
  EXPECT_FLOAT_EQ(face::MergeIoUForAngles(3), 0.2f);
  EXPECT_FLOAT_EQ(face::MergeIoUForAngles(4), 0.1f);
  EXPECT_EQ(face::ValidateAngles({}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::ValidateAngles({45}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::ValidateAngles({90, 90}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(face::ValidateAngles({270, 0}).ok());
}

TEST(DetectorOptions, BadFamiliesSizesAndAnglesAreClearErrors) {
  face::DetectorOptions o;
  EXPECT_EQ(face::OpenDetector("mtcnn", "", o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::OpenDetector("retinaface", "", o).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(face::OpenDetector("yoloface", "", o).status().code(), StatusCode::kNotFound);
  o.angles = {0, 45};
  EXPECT_EQ(face::OpenDetector("yunet", "", o).status().code(), StatusCode::kInvalidArgument);
  o.angles = {0};
  o.input_size = 100;
  EXPECT_EQ(face::OpenDetector("yunet", "", o).status().code(), StatusCode::kInvalidArgument);
  o.input_size = 320;  // the bundled YuNet is a fixed 640x640 export
  auto fixed = face::OpenDetector("yunet", "", o);
  ASSERT_FALSE(fixed.ok());
  EXPECT_EQ(fixed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(fixed.status().message().find("640x640"), std::string::npos) << fixed.status().ToString();
}

}  // namespace
}  // namespace facefuse
