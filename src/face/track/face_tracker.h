// Faces followed through the frames of a video, so the swap is steady: each
// detection continues the track it overlaps most (IoU), its keypoints and box
// are smoothed over time, a face the detector misses for a few frames keeps
// its last place (the gap is bridged), and the faces chosen for the swap stay
// the same people for the whole clip: a track once selected stays selected
// while it lives, even on frames where a per-frame selection (a profile view
// far from the reference, a second face grown larger) would have picked
// otherwise.
//
// Smoothing treats a face as a rigid shape that moves: the keypoints' centre,
// size and roll (the eye line's angle) are filtered with One-Euro filters, and
// the shape (the points relative to those) is a slow running mean, so the
// noise of single points averages out while the motion of the whole face is
// followed without lag. A face's dense landmarks (DetectedFace::landmarks)
// keep their own frame's shape and move with the smoothed pose. Not thread-safe (one tracker per video, one thread).
#pragma once

#include <cstddef>
#include <vector>

#include "face/track/one_euro_filter.h"
#include "facefuse/face.h"

namespace facefuse::face {

struct TrackerOptions {
  float match_iou = 0.3f;  // a detection continues a track when their boxes overlap at least this much
  int max_gap_frames = 5;  // frames a track may go undetected before it ends (its face kept in place meanwhile)
  // At most this many tracks are selected at once (1 for the "one" selector); 0: no limit.
  size_t max_selected = 0;
  bool smooth = true;  // false: the detections as they are (tracking and selection only)
  OneEuroOptions filter{0.5, 2.0, 1.0};  // on the centre and size (beta in face sizes per second) and the roll
  float shape_rate = 0.05f;  // how fast the shape follows a changed expression (0..1 per frame)
};

struct TrackedFace {
  int track_id = 0;       // the same number on every frame of one face, from 1 up
  DetectedFace face;      // smoothed (or as detected with smooth = false)
  bool detected = true;   // false: bridged over a missed detection
};

class FaceTracker {
 public:
  explicit FaceTracker(TrackerOptions options = {}) : options_(options) {}

  // Takes the faces detected in one frame shown at `time_s` (increasing from
  // call to call) and `chosen`, the indices into `faces` that a per-frame
  // selection picked, in its order. Returns the faces to swap in this frame:
  // the selected tracks alive in it, detected ones in the order of `chosen`
  // first, then the bridged ones. Indices in `chosen` outside `faces` are
  // ignored.
  std::vector<TrackedFace> Update(const std::vector<DetectedFace>& faces, const std::vector<size_t>& chosen,
                                  double time_s);

  // Tracks alive (seen within max_gap_frames), selected or not.
  size_t live_tracks() const { return tracks_.size(); }

  // The selected tracks alive now, each with its last face (smoothed), in
  // the order they were first selected: what a caller follows into the next
  // frame instead of detecting again.
  std::vector<TrackedFace> Selected() const;

  // Ends the track now (no bridging): its face is gone, e.g. another person
  // holds its place after a cut. An unknown id is ignored.
  void Drop(int track_id);

 private:
  struct Smoother {
    OneEuroFilter x, y, size, roll;
    std::vector<Point2> shape;  // the keypoints, then the box corners, in face units (centre 0, size 1, roll 0)
    double last_roll = 0;       // radians, unwrapped
  };
  struct TrackState {
    int id = 0;
    DetectedFace last;  // the last face output (smoothed)
    Smoother smoother;
    int missed = 0;     // frames since the last detection
    bool selected = false;
  };
  // Assigns each detection to a live track (or none): greedy by IoU, best pairs first.
  std::vector<int> Match(const std::vector<DetectedFace>& faces) const;
  DetectedFace Smooth(TrackState& track, const DetectedFace& face, double time_s) const;
  size_t SelectedCount() const;

  TrackerOptions options_;
  std::vector<TrackState> tracks_;
  int next_id_ = 1;
};

}  // namespace facefuse::face
