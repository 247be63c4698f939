// Choosing and opening the video encoder of a VideoWriter: the NVENC
// fallback, the CRF and preset, the pixel format (odd sizes included) and the
// time base. Internal to media/. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "facefuse/status.h"
#include "media/ffmpeg_handles.h"
#include "media/video_writer.h"

namespace facefuse::media {

struct OpenedEncoder {
  CodecContextPtr context;  // opened; time_base set, frames are width x height of `pixel_format`
  std::string name;         // the encoder in use (after a fallback, the software one)
  std::vector<std::string> warnings;
};

// Opens the encoder `options` names for `output` in `container`. Errors: those
// VideoWriter::Open lists for the encoder (unknown, missing from this build,
// not held by the container, a preset or pixel format it refuses).
Result<OpenedEncoder> OpenVideoEncoder(const VideoOutput& output, const VideoEncodeOptions& options,
                                       const AVOutputFormat& container);

}  // namespace facefuse::media
