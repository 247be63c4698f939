// Carrying the audio (and subtitles and metadata) of a source file into a
// VideoWriter's output: each audio stream stream-copied when the container
// takes its codec, else re-encoded (AudioTranscoder); only the packets of
// the kept span, moved to start at 0, and only as far as the video has been
// written, so nothing is buffered beyond the muxer's interleaving.
// Internal to media/. Not thread-safe (the writer's thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "facefuse/status.h"
#include "media/audio_transcode.h"
#include "media/ffmpeg_handles.h"
#include "media/video_writer.h"

namespace facefuse::media {

class AudioCarry {
 public:
  // Opens `source.path` and adds its streams to `output` (before its header
  // is written), with the source's container metadata. Appends to
  // `warnings` what is re-encoded or dropped. Errors: InvalidArgument naming
  // the source when it cannot be opened or an encoder does not open.
  static Result<std::unique_ptr<AudioCarry>> Open(const AudioSource& source, AVFormatContext* output,
                                                  std::vector<std::string>* warnings);
  ~AudioCarry();

  // Writes the kept packets shown before `until_s` (seconds of output time).
  // Errors: IoError when the output cannot be written; the encoders' errors.
  Status WriteUntil(double until_s);
  // WriteUntil(until_s), then drains the audio encoders.
  Status Finish(double until_s);

 private:
  struct Carried {
    int output_index = -1;
    std::unique_ptr<AudioTranscoder> transcoder;  // null: stream copy
  };
  AudioCarry() = default;
  Status Carry(AVPacket* packet, const Carried& carried);
  Status WriteOut(AVPacket* packet, AVRational from, int output_index);

  InputFormatPtr input_;
  AVFormatContext* output_ = nullptr;  // not owned: the writer's
  std::vector<Carried> by_input_;      // per input stream; output_index -1: not carried
  PacketPtr pending_;                  // read but not yet due
  bool has_pending_ = false;
  bool input_ended_ = false;
  bool carries_any_ = false;  // some stream of the source goes to the output
  double zero_s_ = 0;  // input seconds that become output 0
  double span_s_ = -1;  // seconds kept from zero_s_ (< 0: to the end)
};

}  // namespace facefuse::media
