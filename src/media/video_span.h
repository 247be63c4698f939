// Trim positions as users write them (--trim-start/--trim-end): a frame
// number ("150") or a time ("2.5s", "1:02.5", "00:01:02.5"), turned into
// seconds once the video's frame rate is known. Thread-safe (pure functions).
#pragma once

#include <string_view>

#include "facefuse/status.h"
#include "media/video_info.h"

namespace facefuse::media {

struct VideoPosition {
  bool is_frame = false;  // a frame number; else a time
  double value = 0;       // the frame number (an integer >= 0) or seconds (>= 0)
};

// Errors: InvalidArgument naming `text` for anything else (negative, empty,
// "1:75", a frame number with a fraction, a unit other than s).
Result<VideoPosition> ParseVideoPosition(std::string_view text);

// Seconds from the first frame: frame N starts at N / frame rate.
// Precondition: a frame position needs frame_rate.value() > 0.
double PositionSeconds(const VideoPosition& position, Rational frame_rate);

}  // namespace facefuse::media
