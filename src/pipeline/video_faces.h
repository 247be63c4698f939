// The faces to swap in each frame of a video. The detector runs on the first
// frame, then every `detect_every` frames and whenever a face is lost; on the
// frames between, the landmarker alone follows the selected faces from where
// they were (FaceSwapEngine::FollowFaces), which costs a fraction of a
// detection. Every frame's faces go through one FaceTracker (smoothing,
// bridged gaps, a selection that stays the same people).
//
// A selected face the detector misses on a detection frame is looked for
// with the landmarker: still there, it is kept (and the detector looks again
// on each next frame) for up to max_gap_frames; gone (a cut, the edge of the
// picture) its track ends at once, so no face is pasted over what replaced
// it. Without a landmarker that reports presence the tracker bridges such a
// gap blindly, in place.
//
// The selection stays the same people by identity as well as by place. With
// the "reference" selector only faces that match the reference may continue
// or start a selected track; with "one", the person first chosen is
// remembered (the recognizer's embedding) and on every detection only the
// face closest to them (FaceDistance within the engine's reference_distance)
// may: frames where they are absent are left alone and they are swapped again
// when they come back. Either way a selected track whose place another face
// now holds ends at once.
//
#pragma once

#include <cstdint>
#include <map>
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
  // Keeps in `analysis` only the faces that may be swapped: those matching
  // the reference ("reference"), the one closest to the remembered person
  // ("one"); all otherwise. Ends selected tracks another face now covers.
  Status KeepOnlySwappable(const cv::Mat& frame, FaceSwapEngine::Analysis& analysis);
  // Follows the selected faces the detector missed: adds those still there to
  // `analysis`, ends the others' tracks (see the file comment).
  Status BridgeMissed(const cv::Mat& frame, FaceSwapEngine::Analysis& analysis);
  // The identity a swapped face must have: the reference ("reference"), the
  // remembered person ("one", once chosen); null when any face will do.
  const std::vector<float>* IdentityToKeep() const;

  FaceSwapEngine& engine_;
  VideoFacesOptions options_;
  face::FaceTracker tracker_;
  const bool same_person_;     // the "one" selector
  std::vector<float> person_;  // the embedding of the person chosen first; empty before
  std::map<int, int> detector_misses_;  // selected track id -> detection frames in a row that missed it
  int frames_since_detection_ = 0;
  int64_t frames_detected_ = 0;
  int64_t frames_followed_ = 0;
};

}  // namespace facefuse::pipeline
