#include "pipeline/video_swap.h"

#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "pipeline/bounded_queue.h"
#include "pipeline/video_faces.h"

namespace facefuse::pipeline {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One frame on its way through the stages, at the time it is shown in the output, with the faces to swap in it
// once the analyse stage found them.
struct StagedFrame {
  cv::Mat bgr;
  double time_s = 0;
  std::vector<DetectedFace> faces;
};

using StageTimeHook = std::function<void(const char* stage, double seconds)>;

// Busy time of one stage, added to from its thread and read from any; each
// timed piece of work also goes to the hook (VideoSwapOptions::on_stage_time).
class BusyClock {
 public:
  BusyClock(const char* stage, const StageTimeHook& hook) : stage_(stage), hook_(hook) {}

  class Scope {
   public:
    explicit Scope(BusyClock& clock) : clock_(clock), start_(SteadyClock::now()) {}
    ~Scope() {
      const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start_).count();
      clock_.nanos_ += nanos;
      if (clock_.hook_) clock_.hook_(clock_.stage_, static_cast<double>(nanos) * 1e-9);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    BusyClock& clock_;
    SteadyClock::time_point start_;
  };
  double seconds() const { return static_cast<double>(nanos_.load()) * 1e-9; }

 private:
  const char* stage_;
  const StageTimeHook& hook_;
  std::atomic<int64_t> nanos_{0};
};

// What the three stages share: the first error, the stop flag and the busy clocks.
class SharedRun {
 public:
  SharedRun(const std::atomic<bool>* cancel, const StageTimeHook& hook)
      : decode("decode", hook), analyse("analyse", hook), swap("swap", hook), encode("encode", hook), cancel_(cancel) {}

  // True once a stage failed or the caller cancelled: every stage stops.
  bool stopping() const { return failed_.load() || (cancel_ != nullptr && cancel_->load()); }

  // Keeps the first error; later ones are consequences of the first.
  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.ok()) first_error_ = std::move(status);
    failed_ = true;
  }

  // The outcome: the first error, else Cancelled when the caller cancelled, else OK.
  Status outcome() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!first_error_.ok()) return first_error_;
    if (cancel_ != nullptr && cancel_->load()) return Cancelled("the video swap was cancelled");
    return Status::Ok();
  }

  StageBusy busy() const { return {decode.seconds(), analyse.seconds(), swap.seconds(), encode.seconds()}; }

  BusyClock decode, analyse, swap, encode;
  std::atomic<int64_t> frames_written{0};  // by the encode stage

 private:
  const std::atomic<bool>* cancel_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  Status first_error_;
};

// Decode stage: reads the span and queues each frame at its output time. With
// a fixed output rate, each output slot k (shown at k / fps) takes the frame
// on screen at that time, so frames are dropped or repeated as the rates differ.
void DecodeStage(media::VideoReader& reader, double fps, BoundedQueue<StagedFrame>& out, SharedRun& run) {
  media::VideoFrame frame;
  int64_t next_slot = 0;
  while (!run.stopping()) {
    Result<bool> more = false;
    {
      BusyClock::Scope busy(run.decode);
      more = reader.Read(&frame);
    }
    if (!more.ok()) {
      run.Fail(more.status());
      break;
    }
    if (!*more) break;
    // The queued frames take the pixels (a repeated frame shares them: later stages only read them), and the
    // reader decodes the next frame into a new buffer.
    cv::Mat pixels = std::move(frame.bgr);
    frame.bgr = cv::Mat();
    if (fps <= 0) {
      if (!out.Push({std::move(pixels), frame.time_s, {}})) break;
      continue;
    }
    const double frame_end = frame.time_s + frame.duration_s;
    bool pushed = true;
    while (pushed && static_cast<double>(next_slot) / fps < frame_end) {
      pushed = out.Push({pixels, static_cast<double>(next_slot) / fps, {}});
      ++next_slot;
    }
    if (!pushed) break;
  }
  out.Close();
}

VideoProgress ProgressOf(int64_t done, int64_t total, SteadyClock::time_point start, const SharedRun& run) {
  VideoProgress p;
  p.frames_done = done;
  p.frames_total = total;
  p.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  p.fps = p.elapsed_s > 0 ? static_cast<double>(done) / p.elapsed_s : 0;
  if (total > 0 && p.fps > 0) p.eta_s = static_cast<double>(std::max<int64_t>(total - done, 0)) / p.fps;
  p.busy = run.busy();
  return p;
}

// Analyse stage: finds the faces to swap in each frame (detector, landmarker, tracker: the engine's analysis side).
void AnalyseStage(FaceSwapEngine& engine, BoundedQueue<StagedFrame>& in, BoundedQueue<StagedFrame>& out,
                  SharedRun& run, const VideoSwapOptions& options, int64_t* frames_detected) {
  VideoFaceFinder finder(engine, {options.detect_every, options.tracking});
  while (std::optional<StagedFrame> frame = in.Pop()) {
    if (run.stopping()) break;
    {
      BusyClock::Scope busy(run.analyse);
      Result<std::vector<DetectedFace>> faces = finder.Next(frame->bgr, frame->time_s);
      if (!faces.ok()) {
        run.Fail(faces.status());
        break;
      }
      frame->faces = std::move(*faces);
    }
    if (!out.Push(std::move(*frame))) break;
  }
  *frames_detected = finder.frames_detected();
  in.Cancel();  // the decoder stops waiting for room
  out.Close();
}

// Swap stage, on the calling thread: swaps the faces the analyse stage found (the engine's swap side). It reports
// progress (options.on_progress) after each frame it hands on, so the callback runs on the caller's thread.
void SwapStage(FaceSwapEngine& engine, const Identity& source, BoundedQueue<StagedFrame>& in,
               BoundedQueue<StagedFrame>& out, SharedRun& run, const VideoSwapOptions& options, int64_t total,
               SteadyClock::time_point start, VideoSwapResult& result) {
  while (std::optional<StagedFrame> frame = in.Pop()) {
    if (run.stopping()) break;
    const std::vector<DetectedFace>& selected = frame->faces;
    if (!selected.empty()) {
      BusyClock::Scope busy(run.swap);
      Result<cv::Mat> swapped = engine.SwapFaces(frame->bgr, source, selected);
      if (!swapped.ok()) {
        run.Fail(swapped.status());
        break;
      }
      frame->bgr = std::move(*swapped);
      ++result.frames_with_faces;
      result.faces_swapped += static_cast<int64_t>(selected.size());
    }
    if (!out.Push(std::move(*frame))) break;
    if (options.on_progress) options.on_progress(ProgressOf(run.frames_written.load(), total, start, run));
  }
  in.Cancel();  // the analyse stage stops waiting for room
  out.Close();
}

// Encode stage: writes frames in order.
void EncodeStage(media::VideoWriter& writer, BoundedQueue<StagedFrame>& in, SharedRun& run) {
  while (std::optional<StagedFrame> frame = in.Pop()) {
    if (run.stopping()) break;
    Status written;
    {
      BusyClock::Scope busy(run.encode);
      written = writer.Write(frame->bgr, frame->time_s);
    }
    if (!written.ok()) {
      run.Fail(written);
      break;
    }
    ++run.frames_written;
  }
  in.Cancel();  // the swap stage stops waiting for room
}

// Frames the span should give: its length times the output rate.
int64_t ExpectedFrames(const media::VideoInfo& info, const media::VideoReadOptions& read, double fps) {
  const double rate = fps > 0 ? fps : info.frame_rate.value();
  if (rate <= 0 || info.duration_s <= 0) return info.frame_count;
  const double end = read.end_s >= 0 ? std::min(read.end_s, info.duration_s) : info.duration_s;
  const double span = std::max(0.0, end - std::max(0.0, read.start_s));
  return static_cast<int64_t>(std::llround(span * rate));
}

media::AudioSource AudioFor(const std::filesystem::path& target, const VideoSwapOptions& options) {
  media::AudioSource audio;
  if (!options.audio.empty()) {
    audio.path = options.audio;  // the replacement, from its start; the writer stops it at the video's end
  } else if (options.keep_audio) {
    audio.path = target;
    audio.start_s = options.read.start_s;
    audio.end_s = options.read.end_s;
  }
  return audio;
}

}  // namespace

Result<VideoSwapResult> SwapVideo(FaceSwapEngine& engine, const Identity& source,
                                  const std::filesystem::path& target, const std::filesystem::path& output,
                                  const VideoSwapOptions& options) {
  if (options.queue_frames < 1) return InvalidArgument("the video pipeline needs queues of at least one frame");
  if (options.detect_every < 1) return InvalidArgument("--detect-every must be 1 or more frames");
  if (options.fps < 0 || !std::isfinite(options.fps)) return InvalidArgument("--fps must be a positive number");
  const auto start = SteadyClock::now();
  FF_ASSIGN_OR_RETURN(std::unique_ptr<media::VideoReader> reader, media::VideoReader::Open(target, options.read));
  VideoSwapResult result;
  result.input = reader->info();
  media::VideoOutput format;
  format.width = result.input.width;
  format.height = result.input.height;
  format.frame_rate = result.input.frame_rate;
  if (options.fps > 0) format.frame_rate = {static_cast<int>(std::lround(options.fps * 1000)), 1000};
  format.source_pixel_format = result.input.pixel_format;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<media::VideoWriter> writer,
                      media::VideoWriter::Open(output, format, options.encode, AudioFor(target, options)));
  const int64_t total = ExpectedFrames(result.input, options.read, options.fps);

  SharedRun run(options.cancel, options.on_stage_time);
  BoundedQueue<StagedFrame> decoded(static_cast<size_t>(options.queue_frames));
  BoundedQueue<StagedFrame> analysed(static_cast<size_t>(options.queue_frames));
  BoundedQueue<StagedFrame> swapped(static_cast<size_t>(options.queue_frames));
  std::thread decoder([&] { DecodeStage(*reader, options.fps, decoded, run); });
  std::thread analyser([&] { AnalyseStage(engine, decoded, analysed, run, options, &result.frames_detected); });
  std::thread encoder([&] { EncodeStage(*writer, swapped, run); });
  SwapStage(engine, source, analysed, swapped, run, options, total, start, result);
  decoder.join();
  analyser.join();
  encoder.join();

  FF_RETURN_IF_ERROR(run.outcome());
  result.frames = run.frames_written.load();
  if (result.frames == 0) {
    return InvalidArgument("no frame of " + target.string() + " lies in the span to swap" +
                           (options.read.start_s > 0 ? " (is --trim-start past the end of the video?)" : ""));
  }
  {
    BusyClock::Scope busy(run.encode);
    FF_RETURN_IF_ERROR(writer->Finish());
  }
  result.encoder = writer->encoder();
  result.warnings = writer->warnings();
  if (result.faces_swapped == 0)
    result.warnings.push_back("no face was swapped in any frame of " + target.string() +
                              " (none was found, or none matched the selection)");
  result.progress = ProgressOf(result.frames, total, start, run);
  if (options.on_progress) options.on_progress(result.progress);
  return result;
}

}  // namespace facefuse::pipeline
