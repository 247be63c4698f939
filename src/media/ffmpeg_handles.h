// Owning handles for FFmpeg's C objects (each freed by its own free function),
// FFmpeg's error codes as text, and the one switch that keeps FFmpeg's own
// logging off stderr. Internal to media/: nothing outside the video files
// includes FFmpeg's headers.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <filesystem>
#include <memory>
#include <string>

namespace facefuse::media {

struct InputFormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// An output context: its file closed (when the muxer opened one), then the context freed.
struct OutputFormatFreer {
  void operator()(AVFormatContext* c) const {
    if (c->pb != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFreer {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
struct SwrFreer {
  void operator()(SwrContext* c) const { swr_free(&c); }
};

// A demuxer opened by avformat_open_input (closed with avformat_close_input).
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatCloser>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatFreer>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

// `path` in single quotes, as error messages name files.
inline std::string QuotedPath(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// FFmpeg's text for an AVERROR code ("Invalid data found when processing input").
std::string AvErrorText(int error);

// Lowers FFmpeg's log level to errors only, once per process, so its warnings
// about damaged input do not reach the user's terminal (the Status carries
// what matters). Thread-safe.
void QuietFfmpegLogging();

}  // namespace facefuse::media
