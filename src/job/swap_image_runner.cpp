#include "job/swap_image_runner.h"

#include "media/image_io.h"
#include "pipeline/face_swap_engine.h"
#include "pipeline/source_frame.h"

namespace facefuse::job {
namespace {

// The runner's one use of the swap engine (sources -> identity -> swapped
// target), kept in one place so it can move to the pipeline's request layer.
// `sources` holds the decoded images, an empty image for a video source.
Result<cv::Mat> SwapWithEngine(const SwapImageSpec& spec, std::vector<cv::Mat> sources, const cv::Mat& target,
                               Job& job, JobContext& context) {
  std::unique_ptr<pipeline::FaceSwapEngine> engine;
  {
    StageScope stage("model_load", job, context);
    // The swapper's file stem, as the detect job's detector; "classical" for the built-in swapper (no file).
    const auto& swapper_model = spec.config.swapper_model;
    stage.set_model(swapper_model.empty() ? spec.config.swapper : swapper_model.stem().string());
    FF_ASSIGN_OR_RETURN(engine, pipeline::FaceSwapEngine::Open(spec.config));
  }
  std::vector<std::string> names;
  for (const auto& s : spec.sources) names.push_back(s.string());
  pipeline::Identity identity;
  {
    StageScope stage("detect", job, context);
    FF_RETURN_IF_ERROR(pipeline::ResolveVideoSources(*engine, spec.sources, sources));
    FF_ASSIGN_OR_RETURN(identity, engine->LearnIdentity(sources, names, "source"));
  }
  StageScope stage("swap", job, context);
  return engine->Swap(target, identity, &job.swap_image_result.faces_swapped, spec.target.string());
}

Status RunSwapImage(Job& job, JobContext& context) {
  const SwapImageSpec& spec = job.swap_image;
  if (spec.sources.empty()) return InvalidArgument("the swap job has no source images");
  FF_RETURN_IF_ERROR(media::CheckImageExtension(spec.output));
  job.progress.items_total = 1;
  std::vector<cv::Mat> sources;
  cv::Mat target;
  {
    StageScope stage("decode", job, context);
    FF_ASSIGN_OR_RETURN(sources, pipeline::LoadImageSources(spec.sources));
    FF_ASSIGN_OR_RETURN(target, media::LoadImageBgr(spec.target));
  }
  telemetry::Metrics* metrics = context.metrics;
  if (metrics) metrics->ObserveInputPixels(MetricsKind(job.kind), static_cast<double>(target.cols) * target.rows);
  FF_ASSIGN_OR_RETURN(cv::Mat swapped, SwapWithEngine(spec, std::move(sources), target, job, context));
  {
    StageScope stage("write", job, context);
    FF_RETURN_IF_ERROR(media::SaveImage(spec.output, swapped));
  }
  job.swap_image_result.output = spec.output;
  job.frames = 1;
  job.progress.items_done = 1;
  CountSwapImageOutput(job, metrics);
  if (context.on_update) context.on_update(job);
  return Status::Ok();
}

}  // namespace

Status SwapImageRunner::Run(Job& job, JobContext& context) const {
  Status status = RunSwapImage(job, context);
  return status.ok() ? status : CountJobError(status, context);
}

}  // namespace facefuse::job
