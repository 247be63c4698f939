#include "face/track/one_euro_filter.h"

#include <cmath>
#include <numbers>

namespace facefuse::face {
namespace {

// The smoothing factor of a first-order low-pass filter with `cutoff_hz` over a step of `dt` seconds.
double Alpha(double cutoff_hz, double dt) {
  const double tau = 1.0 / (2 * std::numbers::pi * cutoff_hz);
  return 1.0 / (1.0 + tau / dt);
}

}  // namespace

double OneEuroFilter::Filter(double value, double time_s, double scale) {
  const double dt = time_s - last_time_;
  if (!started_ || !(dt > 0)) {
    started_ = true;
    last_time_ = time_s;
    value_ = value;
    speed_ = 0;
    return value;
  }
  last_time_ = time_s;
  const double raw_speed = (value - value_) / dt;
  speed_ += Alpha(options_.derivative_cutoff_hz, dt) * (raw_speed - speed_);
  const double cutoff = options_.min_cutoff_hz + options_.beta * std::abs(speed_) / (scale > 0 ? scale : 1.0);
  value_ += Alpha(cutoff, dt) * (value - value_);
  return value_;
}

}  // namespace facefuse::face
