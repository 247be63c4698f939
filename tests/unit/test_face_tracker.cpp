// Face tracking through video frames: the One-Euro filter, track identity
// and selection, gap bridging, and the steadiness of the keypoints a video
// swap pastes with, measured on a real photo moved by a known slow zoom/pan.
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>

#include "face/detect/detector.h"
#include "face/landmark/landmarker.h"
#include "face/track/face_tracker.h"
#include "fixtures_dir.h"
#include "media/image_io.h"

namespace facefuse::face {
namespace {

DetectedFace Box(float x, float y, float side) {
  DetectedFace f;
  f.x1 = x;
  f.y1 = y;
  f.x2 = x + side;
  f.y2 = y + side;
  f.score = 0.9f;
  for (int k = 0; k < 5; ++k) f.keypoints.push_back({x + side * (0.3f + 0.1f * k), y + side * 0.5f});
  return f;
}

TEST(OneEuroFilter, CalmsNoiseOnAStillSignalAndFollowsARamp) {
  OneEuroFilter still;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 1);
  double raw_step = 0, filtered_step = 0, previous_raw = 100, previous_filtered = 100;
  for (int i = 0; i < 300; ++i) {
    const double raw = 100 + noise(rng);
    const double filtered = still.Filter(raw, i / 30.0, 100);
    if (i > 30) {
      raw_step += std::abs(raw - previous_raw);
      filtered_step += std::abs(filtered - previous_filtered);
    }
    previous_raw = raw;
    previous_filtered = filtered;
  }
  EXPECT_LT(filtered_step, raw_step / 4) << "the still signal should tremble far less after filtering";

  OneEuroFilter ramp;  // 60 px a second, a quick move for a 100 px face
  double value = 0;
  for (int i = 0; i < 90; ++i) value = ramp.Filter(2.0 * i, i / 30.0, 100);
  EXPECT_NEAR(value, 2.0 * 89, 12.0) << "the filter should follow a steady move with little lag";
}

TEST(OneEuroFilter, TheFirstSampleAndATimeGoingBackPassThrough) {
  OneEuroFilter f;
  EXPECT_EQ(f.Filter(5, 1.0), 5);
  EXPECT_EQ(f.Filter(9, 1.0), 9);  // no time has passed: restart
  EXPECT_EQ(f.Filter(3, 0.5), 3);  // time went back: restart
}

TEST(FaceTracker, KeepsEachFaceOnItsTrackAsTheyMove) {
  FaceTracker tracker;
  std::vector<TrackedFace> out;
  for (int i = 0; i < 10; ++i) {
    const std::vector<DetectedFace> faces = {Box(300 - 2.f * i, 50, 80), Box(10 + 3.f * i, 40, 100)};
    out = tracker.Update(faces, {0, 1}, i / 25.0);
    ASSERT_EQ(out.size(), 2u);
  }
  EXPECT_EQ(out[0].track_id, 1);
  EXPECT_EQ(out[1].track_id, 2);
  EXPECT_NEAR(out[1].face.x1, 10 + 3.f * 9, 3.f);
  EXPECT_EQ(tracker.live_tracks(), 2u);
}

TEST(FaceTracker, BridgesAShortGapAndEndsTheTrackAfterALongOne) {
  TrackerOptions options;
  options.max_gap_frames = 3;
  FaceTracker tracker(options);
  const DetectedFace face = Box(100, 100, 90);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(tracker.Update({face}, {0}, i / 25.0).size(), 1u);
  for (int i = 5; i < 8; ++i) {
    const std::vector<TrackedFace> out = tracker.Update({}, {}, i / 25.0);
    ASSERT_EQ(out.size(), 1u) << "frame " << i << ": a missed detection is bridged";
    EXPECT_FALSE(out[0].detected);
    EXPECT_EQ(out[0].track_id, 1);
    EXPECT_NEAR(out[0].face.x1, 100, 0.5);
  }
  EXPECT_TRUE(tracker.Update({}, {}, 8 / 25.0).empty()) << "the fourth missed frame ends the track";
  EXPECT_EQ(tracker.live_tracks(), 0u);
  const std::vector<TrackedFace> back = tracker.Update({face}, {0}, 9 / 25.0);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].track_id, 2) << "a face seen again after its track ended starts a new one";
}

TEST(FaceTracker, TheOneSelectedFaceStaysTheSamePerson) {
  TrackerOptions options;
  options.max_selected = 1;
  FaceTracker tracker(options);
  // Face A is chosen first; later face B grows larger and a per-frame "largest face" choice would switch to it.
  for (int i = 0; i < 20; ++i) {
    const float b_side = 60 + 4.f * i;
    const std::vector<DetectedFace> faces = {Box(20, 20, 100), Box(300, 20, b_side)};
    const size_t largest = b_side > 100 ? 1 : 0;
    const std::vector<TrackedFace> out = tracker.Update(faces, {largest}, i / 25.0);
    ASSERT_EQ(out.size(), 1u) << "frame " << i;
    EXPECT_EQ(out[0].track_id, 1) << "frame " << i << ": the swap must stay on the face chosen first";
  }
}

TEST(FaceTracker, ManySelectsEveryFaceAndIgnoresBadIndices) {
  FaceTracker tracker;
  const std::vector<TrackedFace> out = tracker.Update({Box(0, 0, 50), Box(200, 0, 50)}, {1, 0, 7}, 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].track_id, 2) << "the per-frame order is kept";
  EXPECT_EQ(out[1].track_id, 1);
}

// A still photo under a slow zoom and pan, made here with a known transform per frame, run through the bundled
// detector: the tracked keypoints must move as the picture does, frame to frame, to within half a pixel on
// average (the acceptance bound for the pasted face), and closer than the raw detections.
TEST(FaceTracker, TrackedKeypointsFollowAKnownZoomAndPanWithinHalfAPixel) {
  const std::filesystem::path photo = test_fixtures::FixturesDir() / "media" / "images" / "obama.jpg";
  FF_REQUIRE_FIXTURES(photo);
  Result<cv::Mat> image = media::LoadImageBgr(photo);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  DetectorOptions detector_options;
  detector_options.threads = 2;
  auto detector = OpenDetector("yunet", "", detector_options);
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();

  LandmarkerOptions landmarker_options;
  landmarker_options.threads = 2;
  auto mesh = OpenLandmarker("face_mesh", "", landmarker_options);
  ASSERT_TRUE(mesh.ok()) << mesh.status().ToString();
  const cv::Size frame_size(640, 480);
  const int frames = 40;
  const double fps = 25;
  // Frame t shows the photo scaled by s(t) = 0.55 (1 + 0.004 t) and shifted by (0.6 t, 0.3 t) pixels.
  auto transform = [&](int t) {
    const double s = 0.55 * (1 + 0.004 * t);
    return cv::Matx23d(s, 0, 20 + 0.6 * t, 0, s, 10 + 0.3 * t);
  };
  // The keypoints in photo coordinates: the detection on the first frame mapped back.
  FaceTracker smoothed;
  TrackerOptions raw_options;
  raw_options.smooth = false;
  FaceTracker raw(raw_options);
  std::vector<Point2> reference;
  std::vector<std::vector<Point2>> tracked_points, raw_points;
  for (int t = 0; t < frames; ++t) {
    cv::Mat frame;
    cv::warpAffine(*image, frame, transform(t), frame_size, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    auto faces = (*detector)->Detect(frame);
    ASSERT_TRUE(faces.ok()) << faces.status().ToString();
    ASSERT_FALSE(faces->empty()) << "frame " << t;
    std::vector<size_t> largest = {0};
    for (size_t i = 1; i < faces->size(); ++i)
      if ((*faces)[i].area() > (*faces)[largest[0]].area()) largest[0] = i;
    // The video path aligns on Face Mesh's 5 points (steadier than the detector's own), as the engine does with a
    // landmarker.
    auto landmarks = (*mesh)->Detect(frame, (*faces)[largest[0]]);
    ASSERT_TRUE(landmarks.ok()) << landmarks.status().ToString();
    auto five = Mesh468To5(landmarks->points);
    ASSERT_TRUE(five.ok()) << five.status().ToString();
    (*faces)[largest[0]].keypoints = *five;
    const auto s = smoothed.Update(*faces, largest, t / fps);
    const auto r = raw.Update(*faces, largest, t / fps);
    ASSERT_EQ(s.size(), 1u);
    ASSERT_EQ(r.size(), 1u);
    tracked_points.push_back(s[0].face.keypoints);
    raw_points.push_back(r[0].face.keypoints);
    if (t == 0) {
      const cv::Matx23d m = transform(0);
      for (const Point2& p : r[0].face.keypoints)
        reference.push_back({static_cast<float>((p.x - m(0, 2)) / m(0, 0)), static_cast<float>((p.y - m(1, 2)) / m(1, 1))});
    }
  }
  auto truth = [&](int t, size_t k) {
    const cv::Matx23d m = transform(t);
    return cv::Point2d(m(0, 0) * reference[k].x + m(0, 2), m(1, 1) * reference[k].y + m(1, 2));
  };
  auto mean_step_error = [&](const std::vector<std::vector<Point2>>& points) {
    double sum = 0;
    int n = 0;
    for (int t = 1; t < frames; ++t)
      for (size_t k = 0; k < reference.size(); ++k) {
        const cv::Point2d moved(points[t][k].x - points[t - 1][k].x, points[t][k].y - points[t - 1][k].y);
        const cv::Point2d expected = truth(t, k) - truth(t - 1, k);
        sum += std::hypot(moved.x - expected.x, moved.y - expected.y);
        ++n;
      }
    return sum / n;
  };
  const double tracked_error = mean_step_error(tracked_points);
  const double raw_error = mean_step_error(raw_points);
  RecordProperty("tracked_step_error_px", std::to_string(tracked_error));
  RecordProperty("raw_step_error_px", std::to_string(raw_error));
  EXPECT_LE(tracked_error, 0.5) << "raw detections: " << raw_error << " px";
  EXPECT_LT(tracked_error, raw_error) << "smoothing should steady the detections";
}

}  // namespace
}  // namespace facefuse::face
