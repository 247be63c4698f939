#include "pipeline/video_faces.h"

#include <algorithm>

namespace facefuse::pipeline {
namespace {

face::TrackerOptions TrackingFor(const FaceSwapEngine& engine, face::TrackerOptions tracking) {
  if (engine.config().selector == face::SelectionMode::kOne) tracking.max_selected = 1;
  return tracking;
}

}  // namespace

VideoFaceFinder::VideoFaceFinder(FaceSwapEngine& engine, VideoFacesOptions options)
    : engine_(engine), options_(options), tracker_(TrackingFor(engine, options.tracking)) {}

Result<std::optional<std::vector<DetectedFace>>> VideoFaceFinder::Follow(const cv::Mat& frame) {
  const std::vector<face::TrackedFace> selected = tracker_.Selected();
  if (selected.empty()) return std::optional<std::vector<DetectedFace>>();
  std::vector<DetectedFace> previous;
  for (const face::TrackedFace& t : selected) previous.push_back(t.face);
  FF_ASSIGN_OR_RETURN(std::vector<std::optional<DetectedFace>> followed, engine_.FollowFaces(frame, previous));
  std::vector<DetectedFace> faces;
  for (std::optional<DetectedFace>& f : followed) {
    if (!f) return std::optional<std::vector<DetectedFace>>();  // lost: detect again
    faces.push_back(std::move(*f));
  }
  return std::optional<std::vector<DetectedFace>>(std::move(faces));
}

Result<std::vector<DetectedFace>> VideoFaceFinder::Next(const cv::Mat& frame, double time_s) {
  std::vector<face::TrackedFace> tracked;
  const bool due = frames_since_detection_ + 1 >= std::max(1, options_.detect_every) || !engine_.can_follow();
  std::optional<std::vector<DetectedFace>> followed;
  if (!due) {
    FF_ASSIGN_OR_RETURN(followed, Follow(frame));
  }
  if (followed) {
    // The followed faces are the selected tracks themselves: no per-frame choice to add.
    tracked = tracker_.Update(*followed, {}, time_s);
    ++frames_since_detection_;
    ++frames_followed_;
  } else {
    FF_ASSIGN_OR_RETURN(FaceSwapEngine::Analysis analysis, engine_.Analyse(frame));
    tracked = tracker_.Update(analysis.faces, analysis.chosen, time_s);
    frames_since_detection_ = 0;
    ++frames_detected_;
  }
  std::vector<DetectedFace> faces;
  for (face::TrackedFace& t : tracked) faces.push_back(std::move(t.face));
  return faces;
}

}  // namespace facefuse::pipeline
