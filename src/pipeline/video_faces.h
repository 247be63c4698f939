// The faces to swap in each frame of a video. The detector runs on the first
// frame, then every `detect_every` frames and whenever a face is lost; on the
// frames between, the landmarker alone follows the selected faces from where
// they were (FaceSwapEngine::FollowFaces), which costs a fraction of a
// detection. Every frame's faces go through one FaceTracker (smoothing,
// bridged gaps, a selection that stays the same people).
//
// Not thread-safe: one finder per video, used from one thread, with an
// engine no other thread analyses with meanwhile.
#pragma once

#include <cstdint>
#include <vector>

#include "face/track/face_tracker.h"
#include "facefuse/status.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::pipeline {

struct VideoFacesOptions {
  // Full detection at least every this many frames (1: every frame). Faces
  // that enter the picture are found at the next detection. Without a
  // landmarker the detector runs on every frame whatever this says.
  int detect_every = 10;
  face::TrackerOptions tracking;
};

class VideoFaceFinder {
 public:
  // `engine` is not owned and must outlive the finder. Its selector's "one"
  // caps the tracker's selection at one face.
  VideoFaceFinder(FaceSwapEngine& engine, VideoFacesOptions options);

  // The faces to swap in `frame`, shown at `time_s` (increasing from call to
  // call), smoothed, in the selection's order; empty when none is selected.
  // Errors: the engine's (Analyse, FollowFaces).
  Result<std::vector<DetectedFace>> Next(const cv::Mat& frame, double time_s);

  int64_t frames_detected() const { return frames_detected_; }  // frames the detector ran on
  int64_t frames_followed() const { return frames_followed_; }  // frames the landmarker alone covered

 private:
  // The selected faces followed into `frame`; nullopt when one is lost or
  // there is none to follow (the caller detects).
  Result<std::optional<std::vector<DetectedFace>>> Follow(const cv::Mat& frame);

  FaceSwapEngine& engine_;
  VideoFacesOptions options_;
  face::FaceTracker tracker_;
  int frames_since_detection_ = 0;
  int64_t frames_detected_ = 0;
  int64_t frames_followed_ = 0;
};

}  // namespace facefuse::pipeline
