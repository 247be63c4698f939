// Re-encoding one audio stream for a VideoWriter whose container does not
// take its codec: decode, resample (libswresample) and encode, a frame at a
// time through a small sample FIFO. Internal to media/. Not thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "facefuse/status.h"
#include "media/ffmpeg_handles.h"

extern "C" {
#include <libavutil/audio_fifo.h>
}

namespace facefuse::media {

struct AudioFifoFreer {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

class AudioTranscoder {
 public:
  // Receives each encoded packet, timed in encoder()->time_base.
  using PacketSink = std::function<Status(AVPacket*)>;

  // Opens a decoder for `input` and `encoder` at the nearest rate, layout
  // and sample format it takes. `zero_s`: the input time (seconds) that
  // becomes 0; decoded audio before it is dropped. Errors: Unsupported when
  // there is no decoder for the stream; InvalidArgument when a codec does
  // not open.
  static Result<std::unique_ptr<AudioTranscoder>> Open(const AVStream& input, const AVCodec& encoder,
                                                       bool global_header, double zero_s);
  ~AudioTranscoder();

  // Opened; its parameters describe the output stream.
  const AVCodecContext& encoder() const { return *encoder_; }

  // Decodes `packet`, encodes the samples from zero_s on, hands the packets to `sink`.
  Status Push(const AVPacket& packet, const PacketSink& sink);
  // Encodes what is left (resampler delay, FIFO, encoder delay).
  Status Drain(const PacketSink& sink);

 private:
  AudioTranscoder() = default;
  Status Resample(const AVFrame* decoded);  // nullptr: flush the resampler
  Status EncodeFifo(bool final_frame, const PacketSink& sink);
  Status SendToEncoder(const AVFrame* frame, const PacketSink& sink);

  CodecContextPtr decoder_;
  CodecContextPtr encoder_;
  SwrPtr resampler_;
  std::unique_ptr<AVAudioFifo, AudioFifoFreer> fifo_;
  FramePtr decoded_;
  FramePtr resampled_;
  PacketPtr encoded_;
  AVRational input_time_base_{1, 1};
  double zero_s_ = 0;
  int64_t next_pts_ = 0;  // samples handed to the encoder so far
};

}  // namespace facefuse::media
