// The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass
// filter whose cutoff rises with the signal's speed, so a still face stops
// trembling while a moving one is followed without lag. Used on the boxes and
// keypoints of faces tracked through a video. Not thread-safe (one filter
// per signal, updated from one thread).
#pragma once

namespace facefuse::face {

struct OneEuroOptions {
  double min_cutoff_hz = 1.0;  // the cutoff at rest: lower smooths more
  // How much the cutoff rises with speed: cutoff = min_cutoff + beta * |speed| / scale. With `scale` the face's
  // size, beta is in face sizes per second, so one setting suits small and large faces.
  double beta = 0.5;
  double derivative_cutoff_hz = 1.0;  // the cutoff of the speed estimate
};

class OneEuroFilter {
 public:
  explicit OneEuroFilter(OneEuroOptions options = {}) : options_(options) {}

  // The filtered value of `value` sampled at `time_s`. The first sample, and
  // a time not after the previous one, pass through unchanged (and restart
  // the speed estimate). `scale` (> 0) divides the speed (see OneEuroOptions::beta).
  double Filter(double value, double time_s, double scale = 1.0);

  bool started() const { return started_; }

 private:
  OneEuroOptions options_;
  bool started_ = false;
  double last_time_ = 0;
  double value_ = 0;  // the last filtered value
  double speed_ = 0;  // the last filtered speed
};

}  // namespace facefuse::face
