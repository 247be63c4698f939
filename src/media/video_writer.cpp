#include "media/video_writer.h"

#include <algorithm>

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <system_error>

#include "media/audio_carry.h"
#include "media/ffmpeg_handles.h"
#include "media/video_encoder.h"

namespace facefuse::media {
namespace fs = std::filesystem;

namespace {
constexpr std::array<const char*, 5> kVideoEncoders = {"libx264", "libx265", "libvpx-vp9", "h264_nvenc",
                                                       "hevc_nvenc"};
}  // namespace

bool IsKnownVideoEncoder(const std::string& name) {
  for (const char* known : kVideoEncoders) {
    if (name == known) return true;
  }
  return false;
}

int QualityToCrf(const std::string& encoder, int quality) {
  const double worst = encoder == "libvpx-vp9" ? 63.0 : 51.0;
  return static_cast<int>(std::lround(worst - worst / 100.0 * quality));
}

struct VideoWriter::State {
  fs::path path;
  fs::path temp_path;
  VideoOutput output;
  std::string encoder_name;
  std::vector<std::string> warnings;
  OutputFormatPtr muxer;
  CodecContextPtr encoder;
  AVStream* stream = nullptr;
  std::unique_ptr<AudioCarry> audio;
  SwsPtr scaler;
  FramePtr frame;
  PacketPtr packet;
  int64_t frame_ticks = 1;  // one frame at the nominal rate, in the encoder's time base
  int64_t last_pts = std::numeric_limits<int64_t>::min();
  double last_time_s = -1;
  bool finished = false;

  ~State() {
    if (finished) return;
    encoder.reset();
    muxer.reset();  // closes the temporary file before it is removed
    std::error_code ignored;
    if (!temp_path.empty()) fs::remove(temp_path, ignored);
  }

  Status AddVideoStream();
  Status CreateFile();
  Status WritePackets();
  Status EncodeFrame(const AVFrame* frame);
};

namespace {

// ".<name>.<random hex>.part" beside `path`: hidden, and never taken for the finished file.
fs::path TemporaryPathFor(const fs::path& path) {
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(random()));
  return path.parent_path() / ("." + path.filename().string() + "." + suffix + ".part");
}

Status CheckRequest(const fs::path& path, const VideoOutput& output, const VideoEncodeOptions& options) {
  if (!IsKnownVideoEncoder(options.encoder)) {
    return InvalidArgument("unknown video encoder '" + options.encoder +
                           "' (known: libx264, libx265, libvpx-vp9, h264_nvenc, hevc_nvenc)");
  }
  if (options.quality < 0 || options.quality > 100) {
    return InvalidArgument("video quality " + std::to_string(options.quality) + " is outside 0..100");
  }
  if (output.width <= 0 || output.height <= 0) {
    return InvalidArgument("cannot write " + QuotedPath(path) + " with a frame size of " +
                           std::to_string(output.width) + "x" + std::to_string(output.height));
  }
  return Status::Ok();
}

// The muxer for the extension of `path`; one that writes files of its own (image sequences) is no video file.
Result<const AVOutputFormat*> ContainerFor(const fs::path& path) {
  const AVOutputFormat* container = av_guess_format(nullptr, path.filename().c_str(), nullptr);
  if (container == nullptr || (container->flags & AVFMT_NOFILE) != 0 || container->video_codec == AV_CODEC_ID_NONE) {
    return InvalidArgument("cannot write " + QuotedPath(path) + ": no video container for the extension '" +
                           path.extension().string() + "' (use .mp4, .mov, .mkv, .webm or .avi)");
  }
  return container;
}

}  // namespace

Status CheckVideoExtension(const fs::path& path) { return ContainerFor(path).status(); }

std::string DefaultVideoEncoderFor(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".webm" ? "libvpx-vp9" : "libx264";
}

Status CheckVideoEncoderFits(const fs::path& path, const std::string& encoder) {
  FF_ASSIGN_OR_RETURN(const AVOutputFormat* container, ContainerFor(path));
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder.c_str());
  if (codec == nullptr || avformat_query_codec(container, codec->id, FF_COMPLIANCE_NORMAL) != 0) return Status::Ok();
  std::string fitting;
  for (const char* name : {"libx264", "libx265", "libvpx-vp9"}) {
    const AVCodec* other = avcodec_find_encoder_by_name(name);
    if (other != nullptr && avformat_query_codec(container, other->id, FF_COMPLIANCE_NORMAL) == 1) {
      fitting += (fitting.empty() ? "" : ", ") + std::string(name);
    }
  }
  return InvalidArgument("the " + std::string(container->name) + " container of " + QuotedPath(path) +
                         " cannot hold " + avcodec_get_name(codec->id) + " video (--encoder " + encoder + ")" +
                         (fitting.empty() ? "" : ": use --encoder " + fitting) + " or another container");
}

Status VideoWriter::State::AddVideoStream() {
  State& s = *this;
  s.stream = avformat_new_stream(s.muxer.get(), nullptr);
  if (s.stream == nullptr || avcodec_parameters_from_context(s.stream->codecpar, s.encoder.get()) < 0) {
    return OutOfMemory("cannot add the video stream");
  }
  s.stream->time_base = s.encoder->time_base;
  s.stream->avg_frame_rate = s.encoder->framerate;
  s.stream->r_frame_rate = s.encoder->framerate;
  const double rate = s.output.frame_rate.value();
  s.frame_ticks = rate > 0 ? std::max<int64_t>(1, std::llround(1.0 / rate / av_q2d(s.encoder->time_base))) : 1;
  s.frame.reset(av_frame_alloc());
  s.packet.reset(av_packet_alloc());
  if (s.frame == nullptr || s.packet == nullptr) return OutOfMemory("cannot allocate a video frame");
  s.frame->format = s.encoder->pix_fmt;
  s.frame->width = s.encoder->width;
  s.frame->height = s.encoder->height;
  if (av_frame_get_buffer(s.frame.get(), 0) < 0) return OutOfMemory("cannot allocate a video frame");
  s.scaler.reset(sws_getContext(s.output.width, s.output.height, AV_PIX_FMT_BGR24, s.encoder->width,
                                s.encoder->height, s.encoder->pix_fmt, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (s.scaler == nullptr) return Internal("no conversion from BGR to the encoder's pixel format");
  return Status::Ok();
}

Status VideoWriter::State::CreateFile() {
  State& s = *this;
  const int error = avio_open(&s.muxer->pb, s.temp_path.c_str(), AVIO_FLAG_WRITE);
  if (error < 0) {
    s.temp_path.clear();  // nothing was created
    return IoError("cannot write " + QuotedPath(s.path) + ": cannot create a file in " +
                   QuotedPath(s.path.parent_path()) + " (" + AvErrorText(error) + ")");
  }
  const int header = avformat_write_header(s.muxer.get(), nullptr);
  if (header < 0) {
    return InvalidArgument("cannot write " + QuotedPath(s.path) + ": the " + s.muxer->oformat->name +
                           " container refuses these streams (" + AvErrorText(header) + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<VideoWriter>> VideoWriter::Open(const fs::path& path, const VideoOutput& output,
                                                       const VideoEncodeOptions& options, const AudioSource& audio) {
  QuietFfmpegLogging();
  FF_RETURN_IF_ERROR(CheckRequest(path, output, options));
  FF_ASSIGN_OR_RETURN(const AVOutputFormat* container, ContainerFor(path));
  auto s = std::make_unique<State>();
  s->path = path;
  s->output = output;
  AVFormatContext* muxer = nullptr;
  if (avformat_alloc_output_context2(&muxer, container, nullptr, nullptr) < 0) {
    return OutOfMemory("cannot allocate a muxer");
  }
  s->muxer.reset(muxer);
  FF_ASSIGN_OR_RETURN(OpenedEncoder opened, OpenVideoEncoder(output, options, *container));
  s->encoder = std::move(opened.context);
  s->encoder_name = opened.name;
  s->warnings = std::move(opened.warnings);
  FF_RETURN_IF_ERROR(s->AddVideoStream());
  if (!audio.path.empty()) {
    FF_ASSIGN_OR_RETURN(s->audio, AudioCarry::Open(audio, s->muxer.get(), &s->warnings));
  }
  s->temp_path = TemporaryPathFor(path);
  FF_RETURN_IF_ERROR(s->CreateFile());
  return std::unique_ptr<VideoWriter>(new VideoWriter(std::move(s)));
}

VideoWriter::VideoWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
VideoWriter::~VideoWriter() = default;

const std::string& VideoWriter::encoder() const { return state_->encoder_name; }
const std::vector<std::string>& VideoWriter::warnings() const { return state_->warnings; }

Status VideoWriter::State::WritePackets() {
  int error = 0;
  while ((error = avcodec_receive_packet(encoder.get(), packet.get())) >= 0) {
    if (packet->duration == 0) packet->duration = frame_ticks;
    av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
    packet->stream_index = stream->index;
    const int written = av_interleaved_write_frame(muxer.get(), packet.get());
    if (written < 0) return IoError("cannot write " + QuotedPath(path) + " (" + AvErrorText(written) + ")");
  }
  if (error != AVERROR(EAGAIN) && error != AVERROR_EOF) {
    return InvalidArgument("cannot encode " + QuotedPath(path) + " (" + AvErrorText(error) + ")");
  }
  return Status::Ok();
}

Status VideoWriter::State::EncodeFrame(const AVFrame* picture) {
  const int error = avcodec_send_frame(encoder.get(), picture);
  if (error < 0) return InvalidArgument("cannot encode " + QuotedPath(path) + " (" + AvErrorText(error) + ")");
  return WritePackets();
}

Status VideoWriter::Write(const cv::Mat& bgr, double time_s) {
  State& s = *state_;
  if (s.finished) return FailedPrecondition("the video " + QuotedPath(s.path) + " is already finished");
  if (bgr.type() != CV_8UC3 || bgr.cols != s.output.width || bgr.rows != s.output.height) {
    return InvalidArgument("a frame for " + QuotedPath(s.path) + " must be 8-bit BGR of " +
                           std::to_string(s.output.width) + "x" + std::to_string(s.output.height) + ", not " +
                           std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + " with " +
                           std::to_string(bgr.channels()) + " channels");
  }
  if (!(time_s >= 0) || time_s <= s.last_time_s) {
    return InvalidArgument("frame times must increase: " + std::to_string(time_s) + " s after " +
                           std::to_string(s.last_time_s) + " s");
  }
  if (s.audio != nullptr) FF_RETURN_IF_ERROR(s.audio->WriteUntil(time_s).WithContext(QuotedPath(s.path)));
  if (av_frame_make_writable(s.frame.get()) < 0) return OutOfMemory("cannot allocate a video frame");
  const uint8_t* source[4] = {bgr.data, nullptr, nullptr, nullptr};
  const int strides[4] = {static_cast<int>(bgr.step[0]), 0, 0, 0};
  sws_scale(s.scaler.get(), source, strides, 0, bgr.rows, s.frame->data, s.frame->linesize);
  const int64_t pts = std::llround(time_s / av_q2d(s.encoder->time_base));
  s.frame->pts = std::max(pts, s.last_pts + 1);
  s.last_pts = s.frame->pts;
  s.last_time_s = time_s;
  return s.EncodeFrame(s.frame.get());
}

Status VideoWriter::Finish() {
  State& s = *state_;
  if (s.finished) return FailedPrecondition("the video " + QuotedPath(s.path) + " is already finished");
  const double rate = s.output.frame_rate.value();
  const double end_s = s.last_time_s < 0 ? 0 : s.last_time_s + (rate > 0 ? 1.0 / rate : 0);
  if (s.audio != nullptr) FF_RETURN_IF_ERROR(s.audio->Finish(end_s).WithContext(QuotedPath(s.path)));
  FF_RETURN_IF_ERROR(s.EncodeFrame(nullptr));
  int error = av_write_trailer(s.muxer.get());
  const int closed = avio_closep(&s.muxer->pb);
  if (error >= 0) error = closed;
  if (error < 0) return IoError("cannot write " + QuotedPath(s.path) + " (" + AvErrorText(error) + ")");
  std::error_code ec;
  fs::rename(s.temp_path, s.path, ec);
  if (ec) {
    return IoError("cannot move the finished video onto " + QuotedPath(s.path) + " (" + ec.message() + ")");
  }
  s.finished = true;
  return Status::Ok();
}

}  // namespace facefuse::media
