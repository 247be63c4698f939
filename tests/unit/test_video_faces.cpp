// The faces a video swap pastes with (pipeline::VideoFaceFinder): the
// detector on every N-th frame and on a lost face, the landmarker following
// the faces between, through a clip written and read back with the project's
// own video writer and reader (x264), of a real photo under a known slow
// zoom/pan: the keypoints must follow the true motion within half a pixel
// from frame to frame.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <functional>

#include "fixtures_dir.h"
#include "media/image_io.h"
#include "media/video_reader.h"
#include "media/video_writer.h"
#include "pipeline/face_swap_engine.h"
#include "pipeline/video_faces.h"

namespace facefuse::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr int kFrames = 30;
constexpr double kFps = 25;
const cv::Size kFrameSize(640, 480);

// Frame t shows the photo scaled by s(t) = 0.55 (1 + 0.004 t) and shifted by (20 + 0.6 t, 10 + 0.3 t) pixels.
cv::Matx23d Motion(int t) {
  const double s = 0.55 * (1 + 0.004 * t);
  return cv::Matx23d(s, 0, 20 + 0.6 * t, 0, s, 10 + 0.3 * t);
}

class VideoFaces : public testing::Test {
 protected:
  void SetUp() override {
    const fs::path photo = test_fixtures::FixturesDir() / "media" / "images" / "obama.jpg";
    FF_REQUIRE_FIXTURES(photo);
    Result<cv::Mat> image = media::LoadImageBgr(photo);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    photo_ = *image;
    Result<cv::Mat> other = media::LoadImageBgr(photo.parent_path() / "biden.jpg");
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    other_ = *other;
    dir_ = fs::path(testing::TempDir()) / ("facefuse_video_faces_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::unique_ptr<FaceSwapEngine> OpenEngine(const std::string& landmarker) {
    FaceSwapConfig config;
    config.landmarker = landmarker;
    config.selector = face::SelectionMode::kOne;
    config.threads = 2;
    auto engine = FaceSwapEngine::Open(config);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  cv::Mat Frame(int t, const cv::Mat& photo) const {
    cv::Mat frame;
    cv::warpAffine(photo, frame, Motion(t), kFrameSize, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    return frame;
  }
  cv::Mat Frame(int t) const { return Frame(t, photo_); }

  // The clip of the moving photo, at a high quality, with frames in `blank` left black.
  fs::path WriteClip(const std::vector<int>& blank = {}) const {
    return WriteClip([&](int t) {
      const bool is_blank = std::find(blank.begin(), blank.end(), t) != blank.end();
      return is_blank ? cv::Mat(kFrameSize, CV_8UC3, cv::Scalar::all(0)) : Frame(t);
    });
  }

  // A clip of kFrames frames, frame t being frame_of(t).
  fs::path WriteClip(const std::function<cv::Mat(int)>& frame_of) const {
    const fs::path clip = dir_ / "moving_photo.mp4";
    media::VideoOutput format;
    format.width = kFrameSize.width;
    format.height = kFrameSize.height;
    format.frame_rate = {static_cast<int>(kFps), 1};
    media::VideoEncodeOptions encode;
    encode.quality = 90;
    auto writer = media::VideoWriter::Open(clip, format, encode, {});
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!writer.ok()) return {};
    for (int t = 0; t < kFrames; ++t) EXPECT_TRUE((*writer)->Write(frame_of(t), t / kFps).ok());
    EXPECT_TRUE((*writer)->Finish().ok());
    return clip;
  }

  // Every frame of `clip` through `finder`: the faces it gives, frame by frame.
  static std::vector<std::vector<DetectedFace>> Run(const fs::path& clip, VideoFaceFinder& finder) {
    std::vector<std::vector<DetectedFace>> out;
    auto reader = media::VideoReader::Open(clip, {});
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    media::VideoFrame frame;
    while (true) {
      Result<bool> more = (*reader)->Read(&frame);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      Result<std::vector<DetectedFace>> faces = finder.Next(frame.bgr, frame.time_s);
      EXPECT_TRUE(faces.ok()) << faces.status().ToString();
      out.push_back(faces.ok() ? *faces : std::vector<DetectedFace>{});
    }
    return out;
  }

  cv::Mat photo_, other_;  // obama.jpg, biden.jpg
  fs::path dir_;
};

TEST_F(VideoFaces, DetectsEveryTenthFrameAndTheFollowedKeypointsMoveWithThePhotoWithinHalfAPixel) {
  auto engine = OpenEngine("face_mesh");
  ASSERT_NE(engine, nullptr);
  const fs::path clip = WriteClip();
  VideoFaceFinder finder(*engine, {10, {}});
  const auto faces = Run(clip, finder);
  ASSERT_EQ(faces.size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(finder.frames_detected(), 3);  // frames 0, 10, 20
  EXPECT_EQ(finder.frames_followed(), kFrames - 3);
  for (const auto& frame : faces) {
    ASSERT_EQ(frame.size(), 1u) << "the one selected face on every frame";
    EXPECT_EQ(frame[0].landmarks.size(), 468u) << "the Face Mesh travels with the face for the classical swap";
  }
  // Truth: the first frame's keypoints mapped back into the photo and moved by each frame's motion.
  std::vector<cv::Point2d> reference;
  const cv::Matx23d m0 = Motion(0);
  for (const Point2& p : faces[0][0].keypoints) reference.push_back({(p.x - m0(0, 2)) / m0(0, 0), (p.y - m0(1, 2)) / m0(1, 1)});
  auto truth = [&](int t, size_t k) {
    const cv::Matx23d m = Motion(t);
    return cv::Point2d(m(0, 0) * reference[k].x + m(0, 2), m(1, 1) * reference[k].y + m(1, 2));
  };
  double sum = 0;
  int n = 0;
  for (int t = 1; t < kFrames; ++t)
    for (size_t k = 0; k < reference.size(); ++k) {
      const Point2& a = faces[t - 1][0].keypoints[k];
      const Point2& b = faces[t][0].keypoints[k];
      const cv::Point2d expected = truth(t, k) - truth(t - 1, k);
      sum += std::hypot(b.x - a.x - expected.x, b.y - a.y - expected.y);
      ++n;
    }
  const double mean_error = sum / n;
  RecordProperty("step_error_px", std::to_string(mean_error));
  EXPECT_LE(mean_error, 0.5);
}

TEST_F(VideoFaces, ALostFaceIsDetectedAgainOnTheSameFrameAndNothingIsPastedWhereItWas) {
  auto engine = OpenEngine("face_mesh");
  ASSERT_NE(engine, nullptr);
  const fs::path clip = WriteClip({5});  // frame 5 is black: the landmarker loses the face there
  VideoFaceFinder finder(*engine, {10, {}});
  const auto faces = Run(clip, finder);
  ASSERT_EQ(faces.size(), static_cast<size_t>(kFrames));
  // Frame 0; frame 5, where the face is lost (the detector finds none either); frame 6, where it is back; then
  // ten frames after that: 16 and 26.
  EXPECT_EQ(finder.frames_detected(), 5);
  EXPECT_TRUE(faces[5].empty()) << "no face is pasted on a frame without one";
  EXPECT_EQ(faces[6].size(), 1u) << "the same person is swapped again when back";
  EXPECT_EQ(faces[29].size(), 1u);
}

// With "one", the person first chosen is the one swapped: a cut to someone else in the same place ends the
// selection at once (nothing is pasted on them), and the first person is swapped again when the clip cuts back.
TEST_F(VideoFaces, ACutToAnotherPersonIsNotSwappedAndTheFirstIsSwappedAgainOnTheirReturn) {
  auto engine = OpenEngine("face_mesh");
  ASSERT_NE(engine, nullptr);
  const fs::path clip = WriteClip([&](int t) { return t >= 10 && t < 20 ? Frame(t, other_) : Frame(t); });
  for (int detect_every : {1, 10}) {
    VideoFaceFinder finder(*engine, {detect_every, {}});
    const auto faces = Run(clip, finder);
    ASSERT_EQ(faces.size(), static_cast<size_t>(kFrames));
    for (int t = 0; t < kFrames; ++t) {
      // After the cut at frame 10 the landmarker may follow the new face until the next detection (frame 10
      // itself is one with either setting here).
      const size_t expected = t >= 10 && t < 20 ? 0u : 1u;
      EXPECT_EQ(faces[t].size(), expected) << "frame " << t << ", --detect-every " << detect_every;
    }
  }
}

TEST_F(VideoFaces, WithoutALandmarkerEveryFrameIsDetected) {
  auto engine = OpenEngine("");
  ASSERT_NE(engine, nullptr);
  EXPECT_FALSE(engine->can_follow());
  EXPECT_EQ(engine->FollowFaces(Frame(0), {}).status().code(), StatusCode::kFailedPrecondition);
  const fs::path clip = WriteClip();
  VideoFaceFinder finder(*engine, {10, {}});
  const auto faces = Run(clip, finder);
  ASSERT_EQ(faces.size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(finder.frames_detected(), kFrames);
  EXPECT_EQ(finder.frames_followed(), 0);
}

}  // namespace
}  // namespace facefuse::pipeline
