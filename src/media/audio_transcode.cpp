#include "media/audio_transcode.h"

#include <algorithm>
#include <string>

namespace facefuse::media {
namespace {

bool ListsRate(const int* rates, int rate) {
  for (const int* r = rates; r != nullptr && *r != 0; ++r) {
    if (*r == rate) return true;
  }
  return false;
}

bool ListsLayout(const AVChannelLayout* layouts, const AVChannelLayout& layout) {
  for (const AVChannelLayout* l = layouts; l != nullptr && l->nb_channels != 0; ++l) {
    if (av_channel_layout_compare(l, &layout) == 0) return true;
  }
  return false;
}

Status CodecError(const char* what, const char* codec, int error) {
  return InvalidArgument(std::string("cannot open the audio ") + what + " " + codec + " (" + AvErrorText(error) + ")");
}

// The input's rate, layout and format where `codec` takes them, else the nearest it lists.
void ChooseEncoderFormat(const AVCodec& codec, const AVCodecContext& decoder, AVCodecContext* encoder) {
  encoder->sample_rate = decoder.sample_rate;
  if (codec.supported_samplerates != nullptr && !ListsRate(codec.supported_samplerates, decoder.sample_rate)) {
    encoder->sample_rate = ListsRate(codec.supported_samplerates, 48000) ? 48000 : codec.supported_samplerates[0];
  }
  AVChannelLayout layout{};
  if (decoder.ch_layout.nb_channels > 0 && decoder.ch_layout.order != AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_copy(&layout, &decoder.ch_layout);
  } else {
    av_channel_layout_default(&layout, std::max(decoder.ch_layout.nb_channels, 1));
  }
  if (codec.ch_layouts != nullptr && !ListsLayout(codec.ch_layouts, layout)) {
    av_channel_layout_uninit(&layout);
    layout = AV_CHANNEL_LAYOUT_STEREO;
  }
  av_channel_layout_copy(&encoder->ch_layout, &layout);
  av_channel_layout_uninit(&layout);
  encoder->sample_fmt = codec.sample_fmts != nullptr ? codec.sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  encoder->time_base = {1, encoder->sample_rate};
}

}  // namespace

AudioTranscoder::~AudioTranscoder() = default;

Result<std::unique_ptr<AudioTranscoder>> AudioTranscoder::Open(const AVStream& input, const AVCodec& encoder,
                                                               bool global_header, double zero_s) {
  std::unique_ptr<AudioTranscoder> t(new AudioTranscoder());
  t->input_time_base_ = input.time_base;
  t->zero_s_ = zero_s;
  const AVCodec* decoder = avcodec_find_decoder(input.codecpar->codec_id);
  if (decoder == nullptr) {
    return Unsupported(std::string("no decoder for the audio codec ") + avcodec_get_name(input.codecpar->codec_id));
  }
  t->decoder_.reset(avcodec_alloc_context3(decoder));
  t->encoder_.reset(avcodec_alloc_context3(&encoder));
  t->resampler_.reset(swr_alloc());
  t->decoded_.reset(av_frame_alloc());
  t->resampled_.reset(av_frame_alloc());
  t->encoded_.reset(av_packet_alloc());
  if (!t->decoder_ || !t->encoder_ || !t->resampler_ || !t->decoded_ || !t->resampled_ || !t->encoded_) {
    return OutOfMemory("cannot allocate an audio transcoder");
  }
  int error = avcodec_parameters_to_context(t->decoder_.get(), input.codecpar);
  if (error >= 0) {
    t->decoder_->pkt_timebase = input.time_base;
    error = avcodec_open2(t->decoder_.get(), decoder, nullptr);
  }
  if (error < 0) return CodecError("decoder", decoder->name, error);
  ChooseEncoderFormat(encoder, *t->decoder_, t->encoder_.get());
  if (global_header) t->encoder_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  t->encoder_->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;  // FFmpeg's own Opus encoder is "experimental"
  error = avcodec_open2(t->encoder_.get(), &encoder, nullptr);
  if (error < 0) return CodecError("encoder", encoder.name, error);
  t->fifo_.reset(av_audio_fifo_alloc(t->encoder_->sample_fmt, t->encoder_->ch_layout.nb_channels, 4096));
  if (t->fifo_ == nullptr) return OutOfMemory("cannot allocate an audio buffer");
  return t;
}

Status AudioTranscoder::Resample(const AVFrame* decoded) {
  av_frame_unref(resampled_.get());
  resampled_->format = encoder_->sample_fmt;
  resampled_->sample_rate = encoder_->sample_rate;
  av_channel_layout_copy(&resampled_->ch_layout, &encoder_->ch_layout);
  // A resampler not yet initialised configures itself from the first frame.
  if (decoded == nullptr && swr_is_initialized(resampler_.get()) == 0) return Status::Ok();
  const int error = swr_convert_frame(resampler_.get(), resampled_.get(), decoded);
  if (error < 0) return InvalidArgument("cannot resample the audio (" + AvErrorText(error) + ")");
  if (resampled_->nb_samples > 0 &&
      av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(resampled_->data), resampled_->nb_samples) < 0) {
    return OutOfMemory("cannot buffer the audio");
  }
  return Status::Ok();
}

Status AudioTranscoder::SendToEncoder(const AVFrame* frame, const PacketSink& sink) {
  int error = avcodec_send_frame(encoder_.get(), frame);
  if (error < 0) return InvalidArgument("cannot encode the audio (" + AvErrorText(error) + ")");
  while ((error = avcodec_receive_packet(encoder_.get(), encoded_.get())) >= 0) {
    Status written = sink(encoded_.get());
    av_packet_unref(encoded_.get());
    FF_RETURN_IF_ERROR(written);
  }
  if (error != AVERROR(EAGAIN) && error != AVERROR_EOF) {
    return InvalidArgument("cannot encode the audio (" + AvErrorText(error) + ")");
  }
  return Status::Ok();
}

// Encodes whole encoder frames from the FIFO; with `final_frame`, the shorter remainder too.
Status AudioTranscoder::EncodeFifo(bool final_frame, const PacketSink& sink) {
  const int frame_size = encoder_->frame_size > 0 ? encoder_->frame_size : 1024;
  while (av_audio_fifo_size(fifo_.get()) >= frame_size || (final_frame && av_audio_fifo_size(fifo_.get()) > 0)) {
    FramePtr frame(av_frame_alloc());
    if (frame == nullptr) return OutOfMemory("cannot allocate an audio frame");
    frame->nb_samples = std::min(frame_size, av_audio_fifo_size(fifo_.get()));
    frame->format = encoder_->sample_fmt;
    frame->sample_rate = encoder_->sample_rate;
    av_channel_layout_copy(&frame->ch_layout, &encoder_->ch_layout);
    if (av_frame_get_buffer(frame.get(), 0) < 0) return OutOfMemory("cannot allocate an audio frame");
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(frame->data), frame->nb_samples);
    frame->pts = next_pts_;
    next_pts_ += frame->nb_samples;
    FF_RETURN_IF_ERROR(SendToEncoder(frame.get(), sink));
  }
  return Status::Ok();
}

Status AudioTranscoder::Push(const AVPacket& packet, const PacketSink& sink) {
  // A damaged packet is skipped, as a player would.
  if (avcodec_send_packet(decoder_.get(), &packet) < 0) return Status::Ok();
  while (avcodec_receive_frame(decoder_.get(), decoded_.get()) >= 0) {
    const int64_t ticks = decoded_->best_effort_timestamp;
    const bool before_zero = ticks != AV_NOPTS_VALUE && static_cast<double>(ticks) * av_q2d(input_time_base_) <
                                                            zero_s_ - 1e-3;
    Status resampled = before_zero ? Status::Ok() : Resample(decoded_.get());
    av_frame_unref(decoded_.get());
    FF_RETURN_IF_ERROR(resampled);
  }
  return EncodeFifo(false, sink);
}

Status AudioTranscoder::Drain(const PacketSink& sink) {
  FF_RETURN_IF_ERROR(Resample(nullptr));
  FF_RETURN_IF_ERROR(EncodeFifo(true, sink));
  return SendToEncoder(nullptr, sink);
}

}  // namespace facefuse::media
