#include "media/video_reader.h"

#include <opencv2/core.hpp>

#include <cmath>
#include <string>

#include "media/video_demux.h"

namespace facefuse::media {
namespace fs = std::filesystem;

struct VideoReader::State {
  fs::path path;
  VideoReadOptions options;
  OpenedVideo video;
  AVStream* stream = nullptr;
  CodecContextPtr decoder;
  PacketPtr packet;
  FramePtr decoded;
  SwsPtr scaler;
  cv::Mat stored;            // the picture as coded, before rotation (only when rotated)
  int64_t start_ticks = 0;   // the stream's first presentation time, in its time base
  double frame_period_s = 0;  // 1 / frame rate
  double last_time_s = -1;   // of the last frame returned, from the start of the span
  int64_t next_index = 0;
  bool input_ended = false;  // the demuxer has nothing more (or the file is cut short)
  bool done = false;         // the decoder is drained or the span is over

  void FeedDecoder();
  Result<bool> DecodeNext();
  Status ConvertToBgr(cv::Mat& bgr);
};

namespace {

Result<CodecContextPtr> OpenDecoder(const fs::path& path, const AVStream& stream, int threads) {
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  CodecContextPtr decoder(avcodec_alloc_context3(codec));
  if (decoder == nullptr) return OutOfMemory("cannot allocate a video decoder for " + QuotedPath(path));
  int error = avcodec_parameters_to_context(decoder.get(), stream.codecpar);
  if (error >= 0) {
    decoder->thread_count = threads;
    decoder->pkt_timebase = stream.time_base;
    error = avcodec_open2(decoder.get(), codec, nullptr);
  }
  if (error < 0) {
    return InvalidArgument(QuotedPath(path) + ": cannot open its " + codec->name + " decoder (" + AvErrorText(error) +
                           ")");
  }
  return decoder;
}

// Moves the demuxer to the keyframe at or before `start_s`; frames before the start are dropped as they decode.
void SeekToSpanStart(AVFormatContext* format, const AVStream& stream, int64_t start_ticks,
                     double start_s) {
  if (start_s <= 0) return;
  const int64_t target = start_ticks + static_cast<int64_t>(std::floor(start_s / av_q2d(stream.time_base)));
  // A failed seek leaves the demuxer at the start: reading on and dropping frames still gives the span.
  (void)av_seek_frame(format, stream.index, target, AVSEEK_FLAG_BACKWARD);
}

}  // namespace

Result<std::unique_ptr<VideoReader>> VideoReader::Open(const fs::path& path, const VideoReadOptions& options) {
  auto state = std::make_unique<State>();
  state->path = path;
  state->options = options;
  FF_ASSIGN_OR_RETURN(state->video, OpenVideoFile(path, options.limits));
  state->stream = state->video.format->streams[state->video.stream_index];
  FF_ASSIGN_OR_RETURN(state->decoder, OpenDecoder(path, *state->stream, options.threads));
  state->packet.reset(av_packet_alloc());
  state->decoded.reset(av_frame_alloc());
  if (state->packet == nullptr || state->decoded == nullptr) return OutOfMemory("cannot allocate a video frame");
  state->start_ticks = StreamStartTicks(*state->stream);
  const double rate = state->video.info.frame_rate.value();
  state->frame_period_s = rate > 0 ? 1.0 / rate : 0.04;
  SeekToSpanStart(state->video.format.get(), *state->stream, state->start_ticks, options.start_s);
  return std::unique_ptr<VideoReader>(new VideoReader(std::move(state)));
}

VideoReader::VideoReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return state_->video.info; }

// Feeds the decoder the next packet of the video stream; at the end of the input (or a read error: a file cut
// short) sends the drain signal instead. A packet the decoder rejects as damaged is skipped.
void VideoReader::State::FeedDecoder() {
  State& s = *this;
  while (!s.input_ended) {
    const int error = av_read_frame(s.video.format.get(), s.packet.get());
    if (error < 0) {
      s.input_ended = true;
      avcodec_send_packet(s.decoder.get(), nullptr);
      return;
    }
    const bool ours = s.packet->stream_index == s.video.stream_index;
    if (ours) (void)avcodec_send_packet(s.decoder.get(), s.packet.get());
    av_packet_unref(s.packet.get());
    if (ours) return;
  }
}

// The next decoded picture into s.decoded: true with one, false once the decoder is drained.
Result<bool> VideoReader::State::DecodeNext() {
  State& s = *this;
  for (;;) {
    const int error = avcodec_receive_frame(s.decoder.get(), s.decoded.get());
    if (error >= 0) return true;
    // Past the end of the input, a damaged last packet is a file cut short mid-frame: the clip ends there.
    if (error == AVERROR_EOF || (error != AVERROR(EAGAIN) && s.input_ended)) return false;
    if (error != AVERROR(EAGAIN)) {
      return InvalidArgument(QuotedPath(s.path) + ": cannot decode frame " + std::to_string(s.next_index) + " (" +
                             AvErrorText(error) + ")");
    }
    FeedDecoder();
  }
}

// sws_scale of s.decoded into `bgr` (stored width x height, 8-bit BGR).
Status VideoReader::State::ConvertToBgr(cv::Mat& bgr) {
  State& s = *this;
  const AVFrame& f = *s.decoded;
  const AVCodecParameters& par = *s.stream->codecpar;
  s.scaler.reset(sws_getCachedContext(s.scaler.release(), f.width, f.height, static_cast<AVPixelFormat>(f.format),
                                      par.width, par.height, AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr,
                                      nullptr));
  if (s.scaler == nullptr) {
    return InvalidArgument(QuotedPath(s.path) + ": cannot convert frame " + std::to_string(s.next_index) + " to BGR");
  }
  bgr.create(par.height, par.width, CV_8UC3);
  uint8_t* planes[4] = {bgr.data, nullptr, nullptr, nullptr};
  const int strides[4] = {static_cast<int>(bgr.step[0]), 0, 0, 0};
  sws_scale(s.scaler.get(), f.data, f.linesize, 0, f.height, planes, strides);
  return Status::Ok();
}

namespace {

// `frame->bgr` ready to be written: released first when another Mat shares its pixels.
void PrepareOutput(VideoFrame* frame) {
  if (frame->bgr.u != nullptr && frame->bgr.u->refcount > 1) frame->bgr.release();
}

}  // namespace

Result<bool> VideoReader::Read(VideoFrame* frame) {
  State& s = *state_;
  const double tick_s = av_q2d(s.stream->time_base);
  while (!s.done) {
    FF_ASSIGN_OR_RETURN(const bool decoded, s.DecodeNext());
    if (!decoded) break;
    const int64_t ticks = s.decoded->best_effort_timestamp;
    double time_s = ticks == AV_NOPTS_VALUE ? s.last_time_s + s.frame_period_s
                                            : static_cast<double>(ticks - s.start_ticks) * tick_s -
                                                  s.options.start_s;
    if (ticks != AV_NOPTS_VALUE && time_s < -1e-6) continue;  // before the span (decoded from the keyframe)
    if (s.options.end_s >= 0 && time_s + s.options.start_s >= s.options.end_s - 1e-6) break;
    time_s = std::max(time_s, 0.0);
    if (s.next_index > 0 && time_s <= s.last_time_s) time_s = s.last_time_s + s.frame_period_s / 2;
    PrepareOutput(frame);
    const int rotation = s.video.info.rotation;
    FF_RETURN_IF_ERROR(s.ConvertToBgr(rotation == 0 ? frame->bgr : s.stored));
    if (rotation != 0) {
      const int code = rotation == 90 ? cv::ROTATE_90_CLOCKWISE
                                      : rotation == 180 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE;
      cv::rotate(s.stored, frame->bgr, code);
    }
    const int64_t packet_ticks = s.decoded->pkt_duration;
    frame->duration_s = packet_ticks > 0 ? static_cast<double>(packet_ticks) * tick_s : s.frame_period_s;
    frame->time_s = time_s;
    frame->index = s.next_index++;
    s.last_time_s = time_s;
    av_frame_unref(s.decoded.get());
    return true;
  }
  s.done = true;
  return false;
}

}  // namespace facefuse::media
