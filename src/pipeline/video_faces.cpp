#include "pipeline/video_faces.h"

#include <algorithm>

#include "face/selection.h"

namespace facefuse::pipeline {
namespace {

face::TrackerOptions TrackingFor(const FaceSwapEngine& engine, face::TrackerOptions tracking) {
  if (engine.config().selector == face::SelectionMode::kOne) tracking.max_selected = 1;
  return tracking;
}

}  // namespace

VideoFaceFinder::VideoFaceFinder(FaceSwapEngine& engine, VideoFacesOptions options)
    : engine_(engine),
      options_(options),
      tracker_(TrackingFor(engine, options.tracking)),
      same_person_(engine.config().selector == face::SelectionMode::kOne) {}

Result<std::optional<std::vector<DetectedFace>>> VideoFaceFinder::Follow(const cv::Mat& frame) {
  const std::vector<face::TrackedFace> selected = tracker_.Selected();
  if (selected.empty()) return std::optional<std::vector<DetectedFace>>();
  std::vector<DetectedFace> previous;
  for (const face::TrackedFace& t : selected) {
    // Bridged over a detector miss: the detector looks again on every frame until it finds the face or gives up.
    if (!t.detected || detector_misses_.count(t.track_id) > 0) return std::optional<std::vector<DetectedFace>>();
    previous.push_back(t.face);
  }
  FF_ASSIGN_OR_RETURN(std::vector<std::optional<DetectedFace>> followed, engine_.FollowFaces(frame, previous));
  std::vector<DetectedFace> faces;
  for (std::optional<DetectedFace>& f : followed) {
    if (!f) return std::optional<std::vector<DetectedFace>>();  // lost: detect again
    faces.push_back(std::move(*f));
  }
  return std::optional<std::vector<DetectedFace>>(std::move(faces));
}

Status VideoFaceFinder::KeepOnlySwappable(const cv::Mat& frame, FaceSwapEngine::Analysis& analysis) {
  const size_t n = analysis.faces.size();
  std::vector<size_t> kept;  // indices into analysis.faces, in the selection's order
  if (engine_.config().selector == face::SelectionMode::kReference) {
    kept = analysis.chosen;  // the faces that match the reference
  } else if (same_person_ && !person_.empty()) {
    float best_distance = engine_.config().reference_distance;
    for (size_t i = 0; i < n; ++i) {
      FF_ASSIGN_OR_RETURN(std::vector<float> embedding, engine_.Embed(frame, analysis.faces[i]));
      const float distance = face::FaceDistance(person_, embedding);
      if (distance < best_distance) {
        best_distance = distance;
        kept.assign(1, i);
      }
    }
  } else {
    return Status::Ok();
  }
  std::vector<bool> keep(n, false);
  for (size_t i : kept)
    if (i < n) keep[i] = true;
  for (const face::TrackedFace& t : tracker_.Selected())
    for (size_t i = 0; i < n; ++i)
      if (!keep[i] && IoU(t.face, analysis.faces[i]) >= options_.tracking.match_iou) {
        tracker_.Drop(t.track_id);  // someone else stands where the selected face was
        detector_misses_.erase(t.track_id);
        break;
      }
  FaceSwapEngine::Analysis swappable;
  for (size_t i : kept) {
    if (i >= n) continue;
    swappable.chosen.push_back(swappable.faces.size());
    swappable.faces.push_back(std::move(analysis.faces[i]));
  }
  analysis = std::move(swappable);
  return Status::Ok();
}

const std::vector<float>* VideoFaceFinder::IdentityToKeep() const {
  if (engine_.config().selector == face::SelectionMode::kReference) return &engine_.reference();
  if (same_person_ && !person_.empty()) return &person_;
  return nullptr;
}

Status VideoFaceFinder::BridgeMissed(const cv::Mat& frame, FaceSwapEngine::Analysis& analysis) {
  std::vector<face::TrackedFace> missed;
  for (const face::TrackedFace& t : tracker_.Selected()) {
    bool found = false;
    for (const DetectedFace& f : analysis.faces) found = found || IoU(t.face, f) >= options_.tracking.match_iou;
    if (found) {
      detector_misses_.erase(t.track_id);
    } else {
      missed.push_back(t);
    }
  }
  if (missed.empty()) return Status::Ok();
  std::vector<DetectedFace> previous;
  for (const face::TrackedFace& t : missed) previous.push_back(t.face);
  FF_ASSIGN_OR_RETURN(std::vector<std::optional<DetectedFace>> followed, engine_.FollowFaces(frame, previous));
  const std::vector<float>* identity = IdentityToKeep();
  for (size_t i = 0; i < missed.size(); ++i) {
    const int id = missed[i].track_id;
    if (followed[i] && identity != nullptr) {  // still the same person there?
      FF_ASSIGN_OR_RETURN(std::vector<float> embedding, engine_.Embed(frame, *followed[i]));
      if (!(face::FaceDistance(*identity, embedding) < engine_.config().reference_distance)) followed[i].reset();
    }
    if (followed[i] && ++detector_misses_[id] <= options_.tracking.max_gap_frames) {
      analysis.faces.push_back(std::move(*followed[i]));  // continues its track (by overlap); not a new choice
    } else {
      tracker_.Drop(id);  // gone (a cut, the edge of the picture) or missed too long: no face is pasted over it
      detector_misses_.erase(id);
    }
  }
  return Status::Ok();
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
    FF_RETURN_IF_ERROR(KeepOnlySwappable(frame, analysis));
    if (engine_.can_follow()) FF_RETURN_IF_ERROR(BridgeMissed(frame, analysis));
    tracked = tracker_.Update(analysis.faces, analysis.chosen, time_s);
    if (same_person_ && person_.empty() && !tracked.empty()) {
      FF_ASSIGN_OR_RETURN(person_, engine_.Embed(frame, tracked[0].face));
    }
    frames_since_detection_ = 0;
    ++frames_detected_;
  }
  std::vector<DetectedFace> faces;
  for (face::TrackedFace& t : tracked) faces.push_back(std::move(t.face));
  return faces;
}

}  // namespace facefuse::pipeline
