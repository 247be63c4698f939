#include "media/video_demux.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <cmath>
#include <string>
#include <system_error>

namespace facefuse::media {
namespace fs = std::filesystem;

namespace {

// NotFound / InvalidArgument for what cannot be a media file at all.
Status CheckIsReadableFile(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return NotFound("no such file: " + QuotedPath(path));
  if (fs::is_directory(status)) return InvalidArgument(QuotedPath(path) + " is a folder, not a video or image");
  if (fs::file_size(path, ec) == 0 && !ec) return InvalidArgument(QuotedPath(path) + " is empty");
  return Status::Ok();
}

// Size limits on a width and height as stored (before rotation).
Status CheckSize(const fs::path& path, int64_t width, int64_t height, const VideoLimits& limits) {
  if (width <= 0 || height <= 0) {
    return InvalidArgument(QuotedPath(path) + ": the video has no picture size (" + std::to_string(width) + "x" +
                           std::to_string(height) + ")");
  }
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    return InvalidArgument(QuotedPath(path) + ": the video is " + std::to_string(width) + "x" + std::to_string(height) +
                           ", over the limit of " + std::to_string(limits.max_side) + " pixels a side and " +
                           std::to_string(limits.max_pixels) + " pixels a frame");
  }
  return Status::Ok();
}

// Before the decoders open: the size the container declares, where it declares one.
Status CheckDeclaredSizes(const fs::path& path, const AVFormatContext& format, const VideoLimits& limits) {
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVCodecParameters& par = *format.streams[i]->codecpar;
    if (par.codec_type != AVMEDIA_TYPE_VIDEO || (par.width == 0 && par.height == 0)) continue;
    FF_RETURN_IF_ERROR(CheckSize(path, par.width, par.height, limits));
  }
  return Status::Ok();
}

// Degrees clockwise that turn the stored picture upright, from the display matrix (0 when none).
int StreamRotation(const AVStream& stream) {
  const uint8_t* matrix = av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (matrix == nullptr) return 0;
  const double counterclockwise = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(counterclockwise)) return 0;
  const int quarter_turns = static_cast<int>(std::lround(-counterclockwise / 90.0));
  return ((quarter_turns % 4) + 4) % 4 * 90;
}

Rational ToRational(AVRational r) { return {r.num, r.den}; }

bool IsValidRate(AVRational r) { return r.num > 0 && r.den > 0; }

VideoInfo DescribeVideo(const AVFormatContext& format, const AVStream& stream) {
  const AVCodecParameters& par = *stream.codecpar;
  VideoInfo info;
  info.rotation = StreamRotation(stream);
  const bool swapped = info.rotation == 90 || info.rotation == 270;
  info.width = swapped ? par.height : par.width;
  info.height = swapped ? par.width : par.height;
  info.time_base = ToRational(stream.time_base);
  if (stream.duration != AV_NOPTS_VALUE && stream.duration > 0) {
    info.duration_s = static_cast<double>(stream.duration) * av_q2d(stream.time_base);
  } else if (format.duration != AV_NOPTS_VALUE && format.duration > 0) {
    info.duration_s = static_cast<double>(format.duration) / AV_TIME_BASE;
  }
  const AVRational average = stream.avg_frame_rate;
  const AVRational base = stream.r_frame_rate;
  info.frame_rate = ToRational(IsValidRate(average) ? average : base);
  // Evenly spaced timestamps give an average rate equal to the base rate; a variable-rate clip's average is lower.
  if (IsValidRate(average) && IsValidRate(base)) {
    info.variable_frame_rate = std::abs(av_q2d(average) - av_q2d(base)) > 0.01 * av_q2d(base);
  }
  if (stream.nb_frames > 0) {
    info.frame_count = stream.nb_frames;
  } else if (info.duration_s > 0 && info.frame_rate.value() > 0) {
    info.frame_count = std::llround(info.duration_s * info.frame_rate.value());
  }
  info.container = format.iformat->name;
  info.codec = avcodec_get_name(par.codec_id);
  const char* pixel_format = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par.format));
  info.pixel_format = pixel_format == nullptr ? "" : pixel_format;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVMediaType type = format.streams[i]->codecpar->codec_type;
    if (type == AVMEDIA_TYPE_AUDIO) ++info.audio_streams;
    if (type == AVMEDIA_TYPE_SUBTITLE) ++info.subtitle_streams;
  }
  return info;
}

}  // namespace

Result<InputFormatPtr> OpenMediaFile(const fs::path& path,
                                     Status (*check_before_decoding)(const fs::path&, const AVFormatContext&,
                                                                     const VideoLimits&),
                                     const VideoLimits& limits) {
  QuietFfmpegLogging();
  FF_RETURN_IF_ERROR(CheckIsReadableFile(path));
  AVFormatContext* raw = nullptr;
  int error = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (error < 0) {
    return InvalidArgument(QuotedPath(path) + " is not a video FFmpeg can read (" + AvErrorText(error) + ")");
  }
  InputFormatPtr format(raw);
  if (check_before_decoding != nullptr) FF_RETURN_IF_ERROR(check_before_decoding(path, *format, limits));
  error = avformat_find_stream_info(format.get(), nullptr);
  if (error < 0) {
    return InvalidArgument(QuotedPath(path) + ": cannot read its streams (" + AvErrorText(error) + ")");
  }
  return format;
}

Result<OpenedVideo> OpenVideoFile(const fs::path& path, const VideoLimits& limits) {
  OpenedVideo video;
  FF_ASSIGN_OR_RETURN(video.format, OpenMediaFile(path, &CheckDeclaredSizes, limits));
  const int index = av_find_best_stream(video.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) return InvalidArgument(QuotedPath(path) + " has no video stream");
  const AVStream& stream = *video.format->streams[index];
  FF_RETURN_IF_ERROR(CheckSize(path, stream.codecpar->width, stream.codecpar->height, limits));
  if (avcodec_find_decoder(stream.codecpar->codec_id) == nullptr) {
    return Unsupported(QuotedPath(path) + ": no decoder for its video codec " +
                       avcodec_get_name(stream.codecpar->codec_id));
  }
  video.stream_index = index;
  video.info = DescribeVideo(*video.format, stream);
  return video;
}

int64_t StreamStartTicks(const AVStream& stream) {
  return stream.start_time == AV_NOPTS_VALUE ? 0 : stream.start_time;
}

}  // namespace facefuse::media
