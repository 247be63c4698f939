#include "media/video_encoder.h"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <numeric>

namespace facefuse::media {
namespace {

bool IsNvenc(const std::string& name) { return name == "h264_nvenc" || name == "hevc_nvenc"; }

std::string SoftwareEncoderFor(const std::string& nvenc) { return nvenc == "h264_nvenc" ? "libx264" : "libx265"; }

bool Lists(const AVPixelFormat* formats, AVPixelFormat wanted) {
  for (const AVPixelFormat* f = formats; f != nullptr && *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == wanted) return true;
  }
  return false;
}

// The frame format: the one asked for, else the source's when the encoder takes it, else yuv420p; an odd size in
// a subsampled format becomes yuv444p, since x264 and x265 refuse odd sizes in 4:2:0 and 4:2:2.
Result<AVPixelFormat> ChoosePixelFormat(const AVCodec& codec, const VideoOutput& output,
                                        const VideoEncodeOptions& options, std::vector<std::string>* warnings) {
  AVPixelFormat chosen = AV_PIX_FMT_YUV420P;
  if (!options.pixel_format.empty()) {
    chosen = av_get_pix_fmt(options.pixel_format.c_str());
    if (chosen == AV_PIX_FMT_NONE || (codec.pix_fmts != nullptr && !Lists(codec.pix_fmts, chosen))) {
      return InvalidArgument("the encoder " + std::string(codec.name) + " does not take the pixel format '" +
                             options.pixel_format + "'");
    }
  } else if (!output.source_pixel_format.empty()) {
    const AVPixelFormat source = av_get_pix_fmt(output.source_pixel_format.c_str());
    if (source != AV_PIX_FMT_NONE && Lists(codec.pix_fmts, source)) chosen = source;
  }
  if (codec.pix_fmts != nullptr && !Lists(codec.pix_fmts, chosen)) chosen = codec.pix_fmts[0];
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(chosen);
  const bool odd_cut = (desc->log2_chroma_w > 0 && output.width % 2 != 0) ||
                       (desc->log2_chroma_h > 0 && output.height % 2 != 0);
  if (odd_cut && Lists(codec.pix_fmts, AV_PIX_FMT_YUV444P)) {
    warnings->push_back("the size " + std::to_string(output.width) + "x" + std::to_string(output.height) +
                        " is odd, which " + desc->name + " cannot hold: encoding in yuv444p to keep it exact");
    chosen = AV_PIX_FMT_YUV444P;
  }
  return chosen;
}

// 1/1000 of a frame, so that variable-rate times keep their spacing; 1/90000 s without a frame rate.
AVRational EncoderTimeBase(Rational frame_rate) {
  if (frame_rate.num <= 0 || frame_rate.den <= 0 || frame_rate.num > 2'000'000) return {1, 90000};
  AVRational base{frame_rate.den, frame_rate.num * 1000};
  av_reduce(&base.num, &base.den, base.num, base.den, INT32_MAX);
  return base;
}

Status SetOption(AVCodecContext* context, const char* key, const std::string& value, const std::string& encoder) {
  const int error = av_opt_set(context->priv_data, key, value.c_str(), 0);
  if (error < 0) {
    return InvalidArgument("the encoder " + encoder + " refuses " + key + " '" + value + "' (" + AvErrorText(error) +
                           ")");
  }
  return Status::Ok();
}

// Configures and opens `name`; the error text when it does not open (the caller decides about fallbacks).
Result<CodecContextPtr> TryOpen(const AVCodec& codec, const VideoOutput& output, const VideoEncodeOptions& options,
                                const AVOutputFormat& container, std::vector<std::string>* warnings) {
  const std::string name = codec.name;
  CodecContextPtr context(avcodec_alloc_context3(&codec));
  if (context == nullptr) return OutOfMemory("cannot allocate the encoder " + name);
  FF_ASSIGN_OR_RETURN(context->pix_fmt, ChoosePixelFormat(codec, output, options, warnings));
  context->width = output.width;
  context->height = output.height;
  context->time_base = EncoderTimeBase(output.frame_rate);
  context->framerate = {output.frame_rate.num, output.frame_rate.den};
  context->sample_aspect_ratio = {1, 1};
  context->thread_count = options.threads;
  if ((container.flags & AVFMT_GLOBALHEADER) != 0) context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const std::string crf = std::to_string(QualityToCrf(name, options.quality));
  FF_RETURN_IF_ERROR(SetOption(context.get(), IsNvenc(name) ? "cq" : "crf", crf, name));
  if (name == "libx265") FF_RETURN_IF_ERROR(SetOption(context.get(), "x265-params", "log-level=error", name));
  if (name == "libvpx-vp9") context->bit_rate = 0;  // constant quality: the CRF alone decides
  if (!options.preset.empty()) FF_RETURN_IF_ERROR(SetOption(context.get(), "preset", options.preset, name));
  const int error = avcodec_open2(context.get(), &codec, nullptr);
  if (error < 0) return Unavailable(AvErrorText(error));
  return context;
}

}  // namespace

Result<OpenedEncoder> OpenVideoEncoder(const VideoOutput& output, const VideoEncodeOptions& options,
                                       const AVOutputFormat& container) {
  OpenedEncoder opened;
  opened.name = options.encoder;
  VideoEncodeOptions attempt = options;
  for (;;) {
    const AVCodec* codec = avcodec_find_encoder_by_name(opened.name.c_str());
    if (codec == nullptr) return Unsupported("this FFmpeg build has no encoder " + opened.name);
    if (avformat_query_codec(&container, codec->id, FF_COMPLIANCE_NORMAL) == 0) {
      return InvalidArgument("the " + std::string(container.name) + " container cannot hold " +
                             avcodec_get_name(codec->id) + " video (encoder " + opened.name + ")");
    }
    std::vector<std::string> warnings;
    auto context = TryOpen(*codec, output, attempt, container, &warnings);
    if (context.ok()) {
      opened.context = std::move(context).value();
      opened.warnings.insert(opened.warnings.end(), warnings.begin(), warnings.end());
      return opened;
    }
    if (context.status().code() != StatusCode::kUnavailable) return context.status();
    if (!IsNvenc(opened.name)) {
      return InvalidArgument("cannot open the encoder " + opened.name + " (" + context.status().message() + ")");
    }
    const std::string fallback = SoftwareEncoderFor(opened.name);
    opened.warnings.push_back(opened.name + " is not available here (" + context.status().message() +
                              "): encoding with " + fallback + " instead" +
                              (attempt.preset.empty() ? "" : ", at its default preset"));
    attempt.preset.clear();  // NVENC's presets (p1..p7) are not x264's or x265's
    opened.name = fallback;
  }
}

}  // namespace facefuse::media
