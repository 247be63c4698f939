#include "job/swap_video_runner.h"

#include <algorithm>

#include "job/swap_stages.h"
#include "pipeline/source_frame.h"
#include "pipeline/video_threads.h"

namespace facefuse::job {
namespace {

// Copies the pipeline's progress into the record and publishes it at most
// about four times a second (a store need not see every frame); adds a
// stage-load sample to the record about once a second, and at the end.
class ProgressPublisher {
 public:
  ProgressPublisher(Job& job, JobContext& context) : job_(job), context_(context), load_from_(Clock::now()) {}

  void operator()(const pipeline::VideoProgress& p) {
    const auto now = Clock::now();
    if (now - load_from_ >= std::chrono::seconds(1)) AddLoadSample(p.busy);
    job_.progress.items_done = static_cast<int>(p.frames_done);
    job_.progress.items_total = static_cast<int>(p.frames_total);
    job_.progress.items_per_s = p.fps;
    job_.progress.eta_s = p.eta_s;
    job_.frames = static_cast<int>(p.frames_done);
    job_.swap_video_result.busy = p.busy;
    job_.swap_video_result.fps = p.fps;
    const bool last = p.frames_total > 0 && p.frames_done >= p.frames_total;
    if (context_.on_update && (last || now - last_ >= std::chrono::milliseconds(250))) {
      last_ = now;
      context_.on_update(job_);
    }
  }

  // The stages' busy seconds since the last sample as percent of the wall time since then.
  void AddLoadSample(const pipeline::StageBusy& busy) {
    const auto now = Clock::now();
    const double wall = std::chrono::duration<double>(now - load_from_).count();
    if (!(wall > 0)) return;
    auto percent = [&](double total, double before) { return std::clamp(100 * (total - before) / wall, 0.0, 100.0); };
    job_.stage_load.push_back({now,
                               {{"decode", percent(busy.decode_s, load_busy_.decode_s)},
                                {"analyse", percent(busy.analyse_s, load_busy_.analyse_s)},
                                {"swap", percent(busy.swap_s, load_busy_.swap_s)},
                                {"encode", percent(busy.encode_s, load_busy_.encode_s)}}});
    load_from_ = now;
    load_busy_ = busy;
  }

 private:
  Job& job_;
  JobContext& context_;
  Clock::time_point last_{};
  Clock::time_point load_from_;
  pipeline::StageBusy load_busy_;
};

Status RunSwapVideo(Job& job, JobContext& context) {
  SwapVideoSpec spec = job.swap_video;
  if (spec.sources.empty()) return InvalidArgument("the swap job has no source images");
  const pipeline::VideoThreads threads = pipeline::ShareVideoThreads(spec.threads);
  spec.config.threads = threads.kernels;
  spec.video.read.threads = threads.decode;
  spec.video.encode.threads = threads.encode;
  std::vector<cv::Mat> sources;
  {
    StageScope stage("decode", job, context);
    FF_ASSIGN_OR_RETURN(sources, pipeline::LoadImageSources(spec.sources));
  }
  FF_ASSIGN_OR_RETURN(PreparedSwap prepared,
                      PrepareSwap(spec.config, spec.sources, std::move(sources), spec.reference, job, context));
  pipeline::VideoSwapOptions options = spec.video;
  options.cancel = context.cancel;
  ProgressPublisher publish(job, context);
  options.on_progress = [&publish](const pipeline::VideoProgress& p) { publish(p); };
  if (telemetry::Metrics* metrics = context.metrics)
    options.on_stage_time = [metrics](const char* stage, double seconds) { metrics->ObserveStage(stage, seconds); };
  pipeline::VideoSwapResult result;
  {
    // The pipelined phase on the record; its stages are observed frame by frame (on_stage_time).
    StageScope stage(std::string(kVideoStage), job, context);
    stage.set_unobserved();
    FF_ASSIGN_OR_RETURN(result, pipeline::SwapVideo(*prepared.engine, prepared.identity, spec.target, spec.output, options));
    publish.AddLoadSample(result.progress.busy);
  }
  SwapVideoResult& out = job.swap_video_result;
  out.frames_with_faces = result.frames_with_faces;
  out.faces_swapped = result.faces_swapped;
  out.frames_detected = result.frames_detected;
  out.encoder = result.encoder;
  out.warnings = result.warnings;
  out.busy = result.progress.busy;
  out.fps = result.progress.fps;
  out.output = spec.output;
  job.frames = static_cast<int>(result.frames);
  job.progress.items_done = job.frames;
  if (telemetry::Metrics* metrics = context.metrics) {
    metrics->ObserveInputPixels(MetricsKind(job.kind), static_cast<double>(result.input.width) * result.input.height);
    metrics->AddFrames(MetricsKind(job.kind), static_cast<double>(result.frames));
    metrics->AddFacesSwapped(static_cast<double>(result.faces_swapped));
  }
  if (context.on_update) context.on_update(job);
  return Status::Ok();
}

}  // namespace

Status SwapVideoRunner::Run(Job& job, JobContext& context) const {
  Status status = RunSwapVideo(job, context);
  return status.ok() ? status : CountJobError(status, context);
}

}  // namespace facefuse::job
