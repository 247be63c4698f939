#include "media/audio_carry.h"

#include <string>

#include "media/video_demux.h"

namespace facefuse::media {
namespace {

std::string StreamName(const AVStream& stream) {
  return "stream #" + std::to_string(stream.index) + " (" + avcodec_get_name(stream.codecpar->codec_id) + ")";
}

bool ContainerTakes(const AVOutputFormat& container, AVCodecID codec) {
  return avformat_query_codec(&container, codec, FF_COMPLIANCE_NORMAL) == 1;
}

// AAC, or Opus for WebM (libopus, else FFmpeg's own).
const AVCodec* AudioEncoderFor(const AVOutputFormat& container) {
  if (std::string(container.name) == "webm") {
    const AVCodec* libopus = avcodec_find_encoder_by_name("libopus");
    return libopus != nullptr ? libopus : avcodec_find_encoder_by_name("opus");
  }
  return avcodec_find_encoder(AV_CODEC_ID_AAC);
}

// The presentation time that is 0: the source's video start when it has video (the video span is measured from
// there), else the container's start.
double SourceZeroSeconds(const AVFormatContext& input) {
  const int video = av_find_best_stream(const_cast<AVFormatContext*>(&input), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video >= 0) {
    const AVStream& stream = *input.streams[video];
    return static_cast<double>(StreamStartTicks(stream)) * av_q2d(stream.time_base);
  }
  return input.start_time == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(input.start_time) / AV_TIME_BASE;
}

}  // namespace

AudioCarry::~AudioCarry() = default;

Result<std::unique_ptr<AudioCarry>> AudioCarry::Open(const AudioSource& source, AVFormatContext* output,
                                                     std::vector<std::string>* warnings) {
  std::unique_ptr<AudioCarry> carry(new AudioCarry());
  auto input = OpenMediaFile(source.path);
  if (!input.ok()) return InvalidArgument("cannot open the audio source: " + input.status().message());
  carry->input_ = std::move(input).value();
  carry->output_ = output;
  carry->pending_.reset(av_packet_alloc());
  if (carry->pending_ == nullptr) return OutOfMemory("cannot allocate an audio packet");
  carry->zero_s_ = SourceZeroSeconds(*carry->input_) + source.start_s;
  carry->span_s_ = source.end_s < 0 ? -1 : source.end_s - source.start_s;
  const AVOutputFormat& container = *output->oformat;
  const bool global_header = (container.flags & AVFMT_GLOBALHEADER) != 0;
  av_dict_copy(&output->metadata, carry->input_->metadata, 0);
  carry->by_input_.resize(carry->input_->nb_streams);
  for (unsigned i = 0; i < carry->input_->nb_streams; ++i) {
    AVStream& in = *carry->input_->streams[i];
    const AVMediaType type = in.codecpar->codec_type;
    in.discard = AVDISCARD_ALL;  // until carried: the demuxer skips the packets of the streams left out
    if (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_SUBTITLE) continue;
    Carried& carried = carry->by_input_[i];
    const bool copy = ContainerTakes(container, in.codecpar->codec_id);
    if (!copy && type == AVMEDIA_TYPE_SUBTITLE) {
      warnings->push_back("subtitle " + StreamName(in) + " dropped: the " + container.name +
                          " container cannot hold it");
      continue;
    }
    if (!copy) {
      const AVCodec* encoder = AudioEncoderFor(container);
      if (encoder == nullptr) {
        warnings->push_back("audio " + StreamName(in) + " dropped: no audio encoder for " + container.name);
        continue;
      }
      auto transcoder = AudioTranscoder::Open(in, *encoder, global_header, carry->zero_s_);
      if (!transcoder.ok()) {
        warnings->push_back("audio " + StreamName(in) + " dropped: " + transcoder.status().message());
        continue;
      }
      carried.transcoder = std::move(transcoder).value();
      warnings->push_back("audio " + StreamName(in) + " re-encoded to " + encoder->name + ": the " +
                          container.name + " container cannot hold it as it is");
    }
    AVStream* out = avformat_new_stream(output, nullptr);
    if (out == nullptr) return OutOfMemory("cannot add an audio stream");
    const int error = carried.transcoder != nullptr
                          ? avcodec_parameters_from_context(out->codecpar, &carried.transcoder->encoder())
                          : avcodec_parameters_copy(out->codecpar, in.codecpar);
    if (error < 0) return OutOfMemory("cannot describe an audio stream");
    if (carried.transcoder == nullptr) out->codecpar->codec_tag = 0;  // the source container's tag may not apply
    out->time_base = carried.transcoder != nullptr ? carried.transcoder->encoder().time_base : in.time_base;
    out->disposition = in.disposition;
    av_dict_copy(&out->metadata, in.metadata, 0);
    carried.output_index = out->index;
    in.discard = AVDISCARD_DEFAULT;
    carry->carries_any_ = true;
  }
  carry->input_ended_ = !carry->carries_any_;  // nothing to read for
  return carry;
}

Status AudioCarry::WriteOut(AVPacket* packet, AVRational from, int output_index) {
  AVStream* out = output_->streams[output_index];
  packet->stream_index = output_index;
  av_packet_rescale_ts(packet, from, out->time_base);
  packet->pos = -1;
  const int error = av_interleaved_write_frame(output_, packet);
  if (error < 0) return IoError("cannot write the audio (" + AvErrorText(error) + ")");
  return Status::Ok();
}

// Copies or re-encodes `packet` (timed in the input) into the output.
Status AudioCarry::Carry(AVPacket* packet, const Carried& carried) {
  const AVRational input_base = input_->streams[packet->stream_index]->time_base;
  if (carried.transcoder != nullptr) {
    const int output_index = carried.output_index;
    const AVRational encoder_base = carried.transcoder->encoder().time_base;
    return carried.transcoder->Push(*packet, [this, output_index, encoder_base](AVPacket* encoded) {
      return WriteOut(encoded, encoder_base, output_index);
    });
  }
  const auto shift = static_cast<int64_t>(zero_s_ / av_q2d(input_base) + 0.5);
  if (packet->pts != AV_NOPTS_VALUE) packet->pts -= shift;
  if (packet->dts != AV_NOPTS_VALUE) packet->dts -= shift;
  return WriteOut(packet, input_base, carried.output_index);
}

Status AudioCarry::WriteUntil(double until_s) {
  for (;;) {
    if (!has_pending_) {
      if (input_ended_ || av_read_frame(input_.get(), pending_.get()) < 0) {
        input_ended_ = true;
        return Status::Ok();
      }
      has_pending_ = true;
    }
    AVPacket* packet = pending_.get();
    const Carried& carried = by_input_[static_cast<size_t>(packet->stream_index)];
    const int64_t ticks = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    const double time_s = ticks == AV_NOPTS_VALUE
                              ? 0.0
                              : static_cast<double>(ticks) * av_q2d(input_->streams[packet->stream_index]->time_base) -
                                    zero_s_;
    if (carried.output_index >= 0 && time_s >= until_s) return Status::Ok();  // due later: keep it pending
    has_pending_ = false;
    // Before the span: dropped, except that a decoder gets half a second of lead-in.
    const double lead_in_s = carried.transcoder != nullptr ? 0.5 : 0.0;
    const bool in_span = time_s >= -lead_in_s && (span_s_ < 0 || time_s < span_s_);
    Status carried_status = carried.output_index >= 0 && in_span ? Carry(packet, carried) : Status::Ok();
    av_packet_unref(packet);
    FF_RETURN_IF_ERROR(carried_status);
  }
}

Status AudioCarry::Finish(double until_s) {
  FF_RETURN_IF_ERROR(WriteUntil(until_s));
  for (const Carried& carried : by_input_) {
    if (carried.transcoder == nullptr) continue;
    const int output_index = carried.output_index;
    const AVRational encoder_base = carried.transcoder->encoder().time_base;
    FF_RETURN_IF_ERROR(carried.transcoder->Drain([this, output_index, encoder_base](AVPacket* encoded) {
      return WriteOut(encoded, encoder_base, output_index);
    }));
  }
  return Status::Ok();
}

}  // namespace facefuse::media
