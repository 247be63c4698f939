// Encoding BGR frames into a video file with FFmpeg's libraries, with the
// audio of another file (the target, or a replacement) carried over in sync.
//
// The file is written under a temporary name beside the requested one and
// renamed onto it by Finish: until Finish succeeds nothing exists under the
// requested name, and a writer destroyed without Finish (an error, a
// cancelled job) removes its temporary file.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/status.h"
#include "media/video_info.h"

namespace facefuse::media {

// The video encoders facefuse offers, by FFmpeg name.
// libx264 (default), libx265, libvpx-vp9, h264_nvenc, hevc_nvenc.
bool IsKnownVideoEncoder(const std::string& name);

// OK when the extension of `path` names a video container FFmpeg writes
// (what VideoWriter::Open checks first), so a front end can refuse a wrong
// output name before any work. Errors: InvalidArgument naming the path and
// the extensions to use.
Status CheckVideoExtension(const std::filesystem::path& path);

// The encoder for `path` when none is asked for: libvpx-vp9 for .webm (which holds no H.264), libx264 otherwise.
std::string DefaultVideoEncoderFor(const std::filesystem::path& path);

// OK when the container of `path` can hold the video `encoder` (IsKnownVideoEncoder) writes, so that a front end
// refuses "-o out.webm --encoder libx264" before any work. An encoder this FFmpeg build lacks passes (opening it
// says so, or an NVENC one falls back). Errors: CheckVideoExtension's; InvalidArgument naming the container, the
// codec and the encoders that fit.
Status CheckVideoEncoderFits(const std::filesystem::path& path, const std::string& encoder);

// The CRF for a quality 0..100, as FaceFusion maps it: round(51 - 0.51 q) for
// libx264/libx265 (q 100 -> 0, q 80 -> 10, q 0 -> 51), round(63 - 0.63 q)
// for libvpx-vp9. The NVENC encoders take the same number as their constant
// quality (-cq). Precondition: 0 <= quality <= 100.
int QualityToCrf(const std::string& encoder, int quality);

struct VideoEncodeOptions {
  // An encoder of IsKnownVideoEncoder. An NVENC encoder that cannot open
  // (no NVIDIA driver, a GPU without NVENC) falls back to the software
  // encoder of the same codec (libx264, libx265), with a warning.
  std::string encoder = "libx264";
  int quality = 80;      // 0..100, see QualityToCrf
  std::string preset;    // the encoder's own preset name ("medium", "p4"); empty: the encoder's default
  // The output pixel format: empty keeps the source's (`VideoInfo::pixel_format`) when the encoder takes
  // it, else the encoder's nearest 8-bit one (yuv420p).
  std::string pixel_format;
  int threads = 0;  // encoder threads; 0: FFmpeg's choice
};

// The audio (and subtitle and metadata) the output carries.
struct AudioSource {
  // The file whose audio streams are kept: every one of them, stream-copied
  // when the output container takes the codec, else re-encoded to the
  // container's default audio codec (AAC for MP4/MOV/MKV, Opus for WebM).
  // Subtitle streams the container takes and the container's metadata are
  // copied too. Empty: no audio.
  std::filesystem::path path;
  // The span of `path` that is kept, in seconds (end_s < 0: to its end),
  // moved so that it starts at 0 in the output, as the video's span does.
  double start_s = 0;
  double end_s = -1;
};

struct VideoOutput {
  int width = 0;   // of every frame written; even sizes are not required
  int height = 0;
  Rational frame_rate;  // the nominal rate written to the container
  std::string source_pixel_format;  // VideoInfo::pixel_format of the source ("" when none)
};

// Writes one video file. Not thread-safe: one thread at a time (a
// pipeline's encode stage).
class VideoWriter {
 public:
  // Chooses the container from the extension of `path` (.mp4, .mov, .mkv,
  // .webm, .avi, ...), opens the encoder and the audio source and creates
  // the temporary file beside `path`. Errors: InvalidArgument for an
  // extension FFmpeg has no muxer for, an unknown encoder, a quality outside
  // 0..100, a size of zero, an encoder the container cannot hold (libx265 in
  // WebM), an audio source that cannot be opened (naming it); IoError when
  // the folder of `path` cannot be written; Unsupported for an encoder this
  // FFmpeg build lacks.
  static Result<std::unique_ptr<VideoWriter>> Open(const std::filesystem::path& path, const VideoOutput& output,
                                                   const VideoEncodeOptions& options = {},
                                                   const AudioSource& audio = {});
  ~VideoWriter();  // removes the temporary file unless Finish succeeded
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // Encodes one frame shown at `time_s` (seconds from the start, increasing
  // from frame to frame), interleaving the audio up to that time. Errors:
  // InvalidArgument for a frame that is not 8-bit BGR of the output size or
  // a time not after the previous frame's; IoError when the disk is full or
  // the file cannot be written; the encoder's errors.
  Status Write(const cv::Mat& bgr, double time_s);

  // Drains the encoder, writes the rest of the audio (up to the end of the
  // last frame), closes the file and renames it onto the requested path.
  // Errors: those of Write; IoError when the rename fails (the temporary
  // file is removed).
  Status Finish();

  // The encoder in use (after an NVENC fallback, the software one).
  const std::string& encoder() const;
  // What the user should know: an encoder fallback, an audio stream
  // re-encoded or dropped, a subtitle stream the container cannot hold.
  const std::vector<std::string>& warnings() const;

 private:
  struct State;
  explicit VideoWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace facefuse::media
