// Opening a media file with FFmpeg's demuxers, shared by the probe, the
// reader and the writer's audio source: the errors name the file, and the
// size limits of a video are checked before any decoder is opened.
// Internal to media/. Thread-safe (each call opens the file on its own).
#pragma once

#include <filesystem>

#include "facefuse/status.h"
#include "media/ffmpeg_handles.h"
#include "media/video_info.h"

namespace facefuse::media {

// Opens `path` and reads its stream headers (avformat_find_stream_info).
// `check_before_decoding`, when given, runs on the opened file before the
// stream headers are read (that step opens decoders). Errors: NotFound (no
// such file); InvalidArgument naming the file for a folder, an empty file or
// content FFmpeg does not recognise; the errors of `check_before_decoding`.
Result<InputFormatPtr> OpenMediaFile(const std::filesystem::path& path,
                                     Status (*check_before_decoding)(const std::filesystem::path&,
                                                                     const AVFormatContext&,
                                                                     const VideoLimits&) = nullptr,
                                     const VideoLimits& limits = {});

// An opened file with its chosen video stream described.
struct OpenedVideo {
  InputFormatPtr format;
  int stream_index = -1;
  VideoInfo info;
};

// OpenMediaFile, then the best video stream described and checked against
// `limits`. Errors: those of ProbeVideo (video_info.h).
Result<OpenedVideo> OpenVideoFile(const std::filesystem::path& path, const VideoLimits& limits);

// Presentation time zero of `stream`: its start time, else 0 (in its time base).
int64_t StreamStartTicks(const AVStream& stream);

}  // namespace facefuse::media
