// What a video file is, read by FFmpeg's demuxers from its content (never
// from its extension): whether a file is an image or a video at all
// (DetectMediaKind), and a video's size, rate, length and streams
// (ProbeVideo). Thread-safe (each call opens the file on its own).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "facefuse/status.h"

namespace facefuse::media {

enum class MediaKind { kImage, kVideo };

// "image" or "video".
const char* MediaKindName(MediaKind kind);

// A frame rate or time base as FFmpeg keeps it (num / den).
struct Rational {
  int num = 0;
  int den = 1;
  double value() const { return den == 0 ? 0.0 : static_cast<double>(num) / den; }
};

// Limits a video must respect before any frame is decoded, so a forged
// header cannot make the decoder allocate gigabytes.
struct VideoLimits {
  int64_t max_side = 16384;               // pixels per side (coded or displayed)
  int64_t max_pixels = int64_t{1} << 27;  // per frame
};

struct VideoInfo {
  // The picture as a player shows it: the rotation is applied, so a phone
  // clip filmed upright is taller than wide here even when coded landscape.
  int width = 0;
  int height = 0;
  int rotation = 0;  // degrees clockwise the stored picture is turned to show it: 0, 90, 180 or 270
  Rational frame_rate;  // the average rate (frames per second); for a variable-rate clip, frames / duration
  Rational time_base;   // of the video stream's timestamps
  bool variable_frame_rate = false;  // the timestamps are not evenly spaced at frame_rate
  int64_t frame_count = 0;  // from the container, else duration x rate rounded; 0 when neither is known
  double duration_s = 0;    // of the video stream
  std::string container;    // FFmpeg's demuxer name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")
  std::string codec;        // "h264", "hevc", "vp9", ...
  std::string pixel_format;  // the decoder's output format ("yuv420p", "yuv420p10le", ...)
  int audio_streams = 0;
  int subtitle_streams = 0;
};

// Image or video, from the file's bytes: the image signatures of ProbeImage
// first, then FFmpeg's probe for a container with a video stream (a single
// still picture that FFmpeg reads, such as a GIF of one frame, counts as an
// image only when ProbeImage knows its format). Errors: NotFound for a
// missing file; InvalidArgument naming the file for a folder, an empty file,
// a file with audio only ("has no video stream") and content neither an
// image reader nor FFmpeg recognises.
Result<MediaKind> DetectMediaKind(const std::filesystem::path& path);

// True when `path` ends in a video container's extension (.mp4, .m4v, .mov,
// .mkv, .webm, .avi, .ts, .mts, .flv, .wmv, .mpg, .mpeg, .ogv; any case): the
// file name says a video is meant. Only to choose which error explains a file
// that is neither an image nor a video; kinds come from content.
bool HasVideoContainerName(const std::filesystem::path& path);

// The video stream FFmpeg would pick as the best one, and the file's other
// streams. Errors: NotFound (missing file); InvalidArgument naming the file
// for anything FFmpeg cannot open or whose video stream it cannot read (a
// truncated MP4 without its index, an empty file, audio only), and for a
// size outside `limits` or of zero pixels; Unsupported for a video codec
// this FFmpeg build has no decoder for.
Result<VideoInfo> ProbeVideo(const std::filesystem::path& path, const VideoLimits& limits = {});

}  // namespace facefuse::media
