#include "face/track/face_tracker.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace facefuse::face {

std::vector<int> FaceTracker::Match(const std::vector<DetectedFace>& faces) const {
  std::vector<std::tuple<float, size_t, size_t>> pairs;  // (IoU, face, track)
  for (size_t f = 0; f < faces.size(); ++f)
    for (size_t t = 0; t < tracks_.size(); ++t) {
      const float overlap = IoU(faces[f], tracks_[t].last);
      if (overlap >= options_.match_iou) pairs.emplace_back(overlap, f, t);
    }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<int> track_of(faces.size(), -1);
  std::vector<bool> track_taken(tracks_.size(), false);
  for (const auto& [overlap, f, t] : pairs) {
    if (track_of[f] >= 0 || track_taken[t]) continue;
    track_of[f] = static_cast<int>(t);
    track_taken[t] = true;
  }
  return track_of;
}

namespace {

// Where a face's keypoints are: their centre, size (root mean square distance
// from the centre) and roll (the angle of the line from the first keypoint to
// the second: the eyes).
struct Pose {
  double cx = 0, cy = 0, size = 0, roll = 0;
};

Pose PoseOf(const std::vector<Point2>& keypoints) {
  Pose pose;
  for (const Point2& p : keypoints) {
    pose.cx += p.x;
    pose.cy += p.y;
  }
  pose.cx /= static_cast<double>(keypoints.size());
  pose.cy /= static_cast<double>(keypoints.size());
  double squares = 0;
  for (const Point2& p : keypoints) squares += (p.x - pose.cx) * (p.x - pose.cx) + (p.y - pose.cy) * (p.y - pose.cy);
  pose.size = std::sqrt(squares / static_cast<double>(keypoints.size()));
  pose.roll = std::atan2(keypoints[1].y - keypoints[0].y, keypoints[1].x - keypoints[0].x);
  return pose;
}

// Image pixels -> face units (centre 0, size 1, roll 0) and back.
Point2 ToFace(const Pose& pose, const Point2& p) {
  const double dx = p.x - pose.cx, dy = p.y - pose.cy, c = std::cos(pose.roll), s = std::sin(pose.roll);
  return {static_cast<float>((c * dx + s * dy) / pose.size), static_cast<float>((-s * dx + c * dy) / pose.size)};
}

Point2 FromFace(const Pose& pose, const Point2& q) {
  const double c = std::cos(pose.roll), s = std::sin(pose.roll);
  return {static_cast<float>(pose.cx + pose.size * (c * q.x - s * q.y)),
          static_cast<float>(pose.cy + pose.size * (s * q.x + c * q.y))};
}

}  // namespace

DetectedFace FaceTracker::Smooth(TrackState& track, const DetectedFace& face, double time_s) const {
  if (!options_.smooth || face.keypoints.size() < 2) return face;
  const Pose raw = PoseOf(face.keypoints);
  if (!(raw.size > 0) || !std::isfinite(raw.size)) return face;
  std::vector<Point2> local;
  for (const Point2& p : face.keypoints) local.push_back(ToFace(raw, p));
  local.push_back(ToFace(raw, {face.x1, face.y1}));
  local.push_back(ToFace(raw, {face.x2, face.y2}));
  Smoother& smoother = track.smoother;
  double roll = raw.roll;
  if (smoother.shape.size() != local.size()) {  // a new track (or a detector with another point count)
    smoother = Smoother{OneEuroFilter(options_.filter), OneEuroFilter(options_.filter), OneEuroFilter(options_.filter),
                        OneEuroFilter(options_.filter), local, raw.roll};
  } else {
    const float rate = std::clamp(options_.shape_rate, 0.0f, 1.0f);
    for (size_t i = 0; i < local.size(); ++i) {
      smoother.shape[i].x += rate * (local[i].x - smoother.shape[i].x);
      smoother.shape[i].y += rate * (local[i].y - smoother.shape[i].y);
    }
    constexpr double kTurn = 2 * 3.14159265358979323846;
    roll += kTurn * std::round((smoother.last_roll - roll) / kTurn);  // no jump where the angle wraps
  }
  Pose pose;
  pose.cx = smoother.x.Filter(raw.cx, time_s, raw.size);
  pose.cy = smoother.y.Filter(raw.cy, time_s, raw.size);
  pose.size = smoother.size.Filter(raw.size, time_s, raw.size);
  pose.roll = smoother.last_roll = smoother.roll.Filter(roll, time_s);
  DetectedFace out = face;
  for (size_t k = 0; k < out.keypoints.size(); ++k) out.keypoints[k] = FromFace(pose, smoother.shape[k]);
  // Dense landmarks keep this frame's shape (an expression changes them) and move with the smoothed pose.
  for (Point2& p : out.landmarks) p = FromFace(pose, ToFace(raw, p));
  const Point2 a = FromFace(pose, smoother.shape[out.keypoints.size()]);
  const Point2 b = FromFace(pose, smoother.shape[out.keypoints.size() + 1]);
  out.x1 = std::min(a.x, b.x);
  out.y1 = std::min(a.y, b.y);
  out.x2 = std::max(a.x, b.x);
  out.y2 = std::max(a.y, b.y);
  return out;
}

std::vector<TrackedFace> FaceTracker::Selected() const {
  std::vector<TrackedFace> out;
  for (const TrackState& t : tracks_)
    if (t.selected) out.push_back({t.id, t.last, t.missed == 0});
  return out;
}

void FaceTracker::Drop(int track_id) {
  std::erase_if(tracks_, [track_id](const TrackState& t) { return t.id == track_id; });
}

size_t FaceTracker::SelectedCount() const {
  return static_cast<size_t>(std::count_if(tracks_.begin(), tracks_.end(), [](const TrackState& t) { return t.selected; }));
}

std::vector<TrackedFace> FaceTracker::Update(const std::vector<DetectedFace>& faces, const std::vector<size_t>& chosen,
                                             double time_s) {
  const std::vector<int> track_of = Match(faces);
  std::vector<bool> updated(tracks_.size(), false);
  std::vector<int> face_track(faces.size(), -1);  // index into tracks_ after new tracks are added
  for (size_t f = 0; f < faces.size(); ++f) {
    if (track_of[f] < 0) {
      TrackState track;
      track.id = next_id_++;
      tracks_.push_back(std::move(track));
      updated.push_back(false);
      face_track[f] = static_cast<int>(tracks_.size()) - 1;
    } else {
      face_track[f] = track_of[f];
    }
    TrackState& track = tracks_[static_cast<size_t>(face_track[f])];
    track.last = Smooth(track, faces[f], time_s);
    track.missed = 0;
    updated[static_cast<size_t>(face_track[f])] = true;
  }
  // The per-frame choice selects a track for good, up to the limit.
  for (size_t c : chosen) {
    if (c >= faces.size()) continue;
    TrackState& track = tracks_[static_cast<size_t>(face_track[c])];
    if (!track.selected && (options_.max_selected == 0 || SelectedCount() < options_.max_selected)) track.selected = true;
  }
  std::vector<TrackedFace> out;
  for (size_t c : chosen) {
    if (c >= faces.size()) continue;
    const TrackState& track = tracks_[static_cast<size_t>(face_track[c])];
    if (track.selected) out.push_back({track.id, track.last, true});
  }
  for (size_t f = 0; f < faces.size(); ++f) {  // selected tracks the per-frame choice passed over this time
    const TrackState& track = tracks_[static_cast<size_t>(face_track[f])];
    if (track.selected && std::find(chosen.begin(), chosen.end(), f) == chosen.end()) out.push_back({track.id, track.last, true});
  }
  for (size_t t = 0; t < tracks_.size(); ++t) {  // bridge the selected tracks not seen in this frame
    if (updated[t]) continue;
    ++tracks_[t].missed;
    if (tracks_[t].selected && tracks_[t].missed <= options_.max_gap_frames)
      out.push_back({tracks_[t].id, tracks_[t].last, false});
  }
  std::erase_if(tracks_, [&](const TrackState& t) { return t.missed > options_.max_gap_frames; });
  return out;
}

}  // namespace facefuse::face
