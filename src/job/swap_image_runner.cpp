#include "job/swap_image_runner.h"

#include "job/swap_stages.h"
#include "media/image_io.h"
#include "pipeline/source_frame.h"

namespace facefuse::job {
namespace {

// The runner's one use of the swap engine (sources -> identity -> swapped
// target). `sources` holds the decoded images, an empty image for a video source.
Result<cv::Mat> SwapWithEngine(const SwapImageSpec& spec, std::vector<cv::Mat> sources, const cv::Mat& target,
                               Job& job, JobContext& context) {
  FF_ASSIGN_OR_RETURN(PreparedSwap prepared, PrepareSwap(spec.config, spec.sources, std::move(sources), {}, job, context));
  StageScope stage("swap", job, context);
  return prepared.engine->Swap(target, prepared.identity, &job.swap_image_result.faces_swapped, spec.target.string());
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
