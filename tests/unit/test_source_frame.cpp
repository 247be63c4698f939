// A video as the swap's source: the score that picks its best frame (sharp,
// frontal), the pick itself on clips the ffmpeg program makes at test time
// from a fixture photo, blurred in half of the frames, and a swap job with a
// clip as its source.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "job/job.h"
#include "job/job_runner.h"
#include "pipeline/face_swap_engine.h"
#include "pipeline/source_frame.h"
#include "tests/unit/face_fixtures.h"
#include "tests/unit/video_clips.h"

namespace facefuse::pipeline {
namespace {

namespace fs = std::filesystem;
using media::video_test::Shell;

const fs::path kPhoto = testing::FixtureImage("obama_small.jpg");  // 320 x 240, one face

std::unique_ptr<FaceSwapEngine> OpenEngine() {
  FaceSwapConfig config;  // the bundled classical swapper and detector
  config.threads = testing::kFixtureThreads;
  auto engine = FaceSwapEngine::Open(config);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(*engine) : nullptr;
}

class SourceFrameScoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(kPhoto);
    FF_ASSERT_OK_AND_ASSIGN(photo_, media::LoadImageBgr(kPhoto));
    engine_ = OpenEngine();
    ASSERT_NE(engine_, nullptr);
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, engine_->DetectFaces(photo_));
    ASSERT_EQ(faces.size(), 1u);
    face_ = faces[0];
    ASSERT_EQ(face_.keypoints.size(), 5u);
  }
  cv::Mat photo_;
  std::unique_ptr<FaceSwapEngine> engine_;
  DetectedFace face_;
};

TEST_F(SourceFrameScoreTest, SharpBeatsBlurred) {
  cv::Mat blurred;
  cv::GaussianBlur(photo_, blurred, cv::Size(0, 0), 3);
  const double sharp = SourceFrameScore(photo_, face_);
  EXPECT_GT(sharp, 0);
  EXPECT_GT(sharp, 2 * SourceFrameScore(blurred, face_));
}

TEST_F(SourceFrameScoreTest, FrontalBeatsTurnedAndRolled) {
  const double frontal = SourceFrameScore(photo_, face_);
  // Turned: the nose tip most of the way to the left eye, the eyes closer together (a head seen from the side).
  DetectedFace turned = face_;
  const float eye_distance = face_.keypoints[1].x - face_.keypoints[0].x;
  turned.keypoints[1].x = face_.keypoints[0].x + 0.6f * eye_distance;
  turned.keypoints[2].x = face_.keypoints[0].x + 0.1f * eye_distance;
  const double turned_score = SourceFrameScore(photo_, turned);
  EXPECT_LT(turned_score, 0.5 * frontal);
  // A full profile (the nose beyond an eye) scores nothing.
  DetectedFace profile = face_;
  profile.keypoints[2].x = face_.keypoints[0].x - 0.1f * eye_distance;
  EXPECT_EQ(SourceFrameScore(photo_, profile), 0);
  // Rolled: the right eye lifted by the eye distance (45 degrees).
  DetectedFace rolled = face_;
  rolled.keypoints[1].y -= eye_distance;
  EXPECT_LT(SourceFrameScore(photo_, rolled), 0.8 * frontal);
}

TEST_F(SourceFrameScoreTest, NothingToScoreIsZero) {
  EXPECT_EQ(SourceFrameScore(cv::Mat(), face_), 0);
  cv::Mat grey;
  cv::cvtColor(photo_, grey, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(SourceFrameScore(grey, face_), 0);
  DetectedFace outside = face_;
  outside.x1 = photo_.cols + 10.f;
  outside.x2 = photo_.cols + 60.f;
  EXPECT_EQ(SourceFrameScore(photo_, outside), 0);
}

class BestSourceFrameTest : public media::video_test::VideoClipTest {
 protected:
  void SetUp() override {
    VideoClipTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    FF_REQUIRE_FIXTURES(kPhoto);
    engine_ = OpenEngine();
    ASSERT_NE(engine_, nullptr);
  }

  // 20 frames at 25 fps of the fixture photo: frames 0-9 blurred, 10-19 sharp.
  fs::path MakeBlurredThenSharpClip() {
    const fs::path clip = dir_ / "blurred_then_sharp.mp4";
    const std::string still = "-loop 1 -framerate 25 -t 0.4 -i " + Shell(kPhoto) + " ";
    EXPECT_EQ(media::video_test::Run("ffmpeg -nostdin -v error -y " + still + still +
                                     "-filter_complex \"[0:v]boxblur=4[a];[a][1:v]concat=n=2:v=1[v]\" -map \"[v]\" "
                                     "-c:v libx264 -preset ultrafast -pix_fmt yuv420p " + Shell(clip)),
              0);
    return clip;
  }

  // Frame `index` of `clip`, decoded.
  static cv::Mat FrameAt(const fs::path& clip, int index) {
    auto reader = media::VideoReader::Open(clip);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return {};
    media::VideoFrame frame;
    for (int i = 0; i <= index; ++i) {
      auto more = (*reader)->Read(&frame);
      if (!more.ok() || !*more) return {};
    }
    return frame.bgr.clone();
  }

  std::unique_ptr<FaceSwapEngine> engine_;
};

// The chosen frame is one of the sharp ones: nearer to a sharp frame than to a blurred one.
void ExpectSharp(const cv::Mat& best, const cv::Mat& sharp, const cv::Mat& blurred) {
  ASSERT_FALSE(best.empty());
  ASSERT_EQ(best.size(), sharp.size());
  EXPECT_LT(cv::norm(best, sharp, cv::NORM_L1), cv::norm(best, blurred, cv::NORM_L1));
}

TEST_F(BestSourceFrameTest, PicksASharpFrameOfALongerClip) {
  const fs::path clip = MakeBlurredThenSharpClip();
  const cv::Mat blurred = FrameAt(clip, 2), sharp = FrameAt(clip, 15);
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat best, BestSourceFrame(*engine_, clip));  // 16 of 20 frames, by seeking
  ExpectSharp(best, sharp, blurred);
}

TEST_F(BestSourceFrameTest, ReadsEveryFrameOfAShortClip) {
  const fs::path clip = MakeBlurredThenSharpClip();
  const cv::Mat blurred = FrameAt(clip, 2), sharp = FrameAt(clip, 15);
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat best, BestSourceFrame(*engine_, clip, /*samples=*/40));
  ExpectSharp(best, sharp, blurred);
}

TEST_F(BestSourceFrameTest, AClipWithoutFacesIsNotFound) {
  const fs::path clip = MakeClip("pattern.mp4", 1, "320x240", 25, /*audio=*/false);
  const Result<cv::Mat> best = BestSourceFrame(*engine_, clip, 4);
  ASSERT_FALSE(best.ok());
  EXPECT_EQ(best.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(best.status().message(), "no face found in any of the 4 frames sampled from " + clip.string());
}

TEST_F(BestSourceFrameTest, ReaderErrorsAndBadSampleCounts) {
  const fs::path missing = dir_ / "missing.mp4";
  const Result<cv::Mat> best = BestSourceFrame(*engine_, missing);
  ASSERT_FALSE(best.ok());
  EXPECT_EQ(best.status().code(), StatusCode::kNotFound);
  const fs::path clip = MakeClip("pattern.mp4", 0.2, "320x240", 25, /*audio=*/false);
  EXPECT_EQ(BestSourceFrame(*engine_, clip, 0).status().code(), StatusCode::kInvalidArgument);
}

// The swap image job (the runner behind `facefuse job` and the service) learns the identity from the clip's best
// frame; a clip without a face fails the job naming it.
TEST_F(BestSourceFrameTest, ASwapImageJobTakesAVideoSource) {
  job::SwapImageSpec spec;
  spec.sources = {MakeBlurredThenSharpClip()};
  spec.target = kPhoto;
  spec.output = dir_ / "swapped.png";
  spec.config.threads = testing::kFixtureThreads;
  job::JobContext context;
  job::Job swap = job::NewSwapImageJob(spec);
  ASSERT_TRUE(job::RunJob(swap, job::DefaultJobRunners(), context).ok());
  ASSERT_EQ(swap.state, job::JobState::kSucceeded) << swap.status.ToString();
  EXPECT_EQ(swap.swap_image_result.faces_swapped, 1);
  EXPECT_TRUE(fs::is_regular_file(spec.output));

  spec.sources = {MakeClip("pattern.mp4", 1, "320x240", 25, /*audio=*/false)};
  spec.output = dir_ / "none.png";
  job::Job faceless = job::NewSwapImageJob(spec);
  ASSERT_TRUE(job::RunJob(faceless, job::DefaultJobRunners(), context).ok());
  EXPECT_EQ(faceless.state, job::JobState::kFailed);
  EXPECT_EQ(faceless.status.code(), StatusCode::kNotFound);
  EXPECT_NE(faceless.status.message().find("sampled from " + spec.sources[0].string()), std::string::npos)
      << faceless.status.ToString();
  EXPECT_FALSE(fs::exists(spec.output));
}

}  // namespace
}  // namespace facefuse::pipeline
