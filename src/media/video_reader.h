// Decoding a video into BGR frames with FFmpeg's libraries (libavformat,
// libavcodec, libswscale): any container and codec they read, variable frame
// rates, rotation metadata and odd sizes, one frame at a time so memory does
// not grow with the length of the clip.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "facefuse/status.h"
#include "media/video_info.h"

namespace facefuse::media {

struct VideoReadOptions {
  // The span to read, in seconds of the video stream's presentation time
  // measured from its first frame: frames shown at or after `start_s` and
  // before `end_s` (end_s < 0: to the end). A start past the end gives no
  // frames, not an error.
  double start_s = 0;
  double end_s = -1;
  int threads = 0;  // decoder threads; 0: FFmpeg's choice
  VideoLimits limits;
};

struct VideoFrame {
  cv::Mat bgr;          // 8-bit BGR, width x height of VideoInfo (rotation applied); owned by the frame
  int64_t index = 0;    // 0 for the first frame read (after the start of the span), then 1, 2, ...
  double time_s = 0;    // when it is shown, in seconds from the start of the span (>= 0, increasing)
  double duration_s = 0;  // until the next frame (the last: 1 / frame rate)
};

// Reads one video stream front to back. Not thread-safe: one thread at a
// time (a pipeline's decode stage); distinct readers are independent.
class VideoReader {
 public:
  // Opens the file and its decoder. Errors: those of ProbeVideo.
  static Result<std::unique_ptr<VideoReader>> Open(const std::filesystem::path& path,
                                                   const VideoReadOptions& options = {});
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;

  // Decodes the next frame of the span into `*frame` (its pixels are reused
  // when the size matches and nothing else holds them). Returns true with a
  // frame, false once the span or the file has ended. Errors:
  // InvalidArgument naming the file and the frame index when the data is
  // damaged beyond what the decoder can skip (a clip cut short mid-frame
  // ends early instead: false, with the frames before the cut kept);
  // OutOfMemory when a frame buffer cannot be had.
  Result<bool> Read(VideoFrame* frame);

 private:
  struct State;
  explicit VideoReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace facefuse::media
