#include "job/job_runner.h"

#include "common/current_exception.h"
#include "job/detect_runner.h"
#include "job/swap_image_runner.h"
#include "job/swap_video_runner.h"

namespace facefuse::job {
namespace {

void Publish(const Job& job, JobContext& context) {
  if (context.on_update) context.on_update(job);
}

// One attempt behind the exception firewall: never throws.
Status RunOnce(const JobRunner* runner, Job& job, JobContext& context) {
  if (runner == nullptr) {
    return CountJobError(Unsupported("no runner for " + std::string(JobKindName(job.kind)) + " jobs"), context);
  }
  try {
    return runner->Run(job, context);
  } catch (...) {
    return CountJobError(Internal("the job threw: " + CurrentExceptionMessage()), context);
  }
}

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

JobRunners DefaultJobRunners() {
  return {{JobKind::kDetect, std::make_shared<DetectRunner>()},
          {JobKind::kSwapImage, std::make_shared<SwapImageRunner>()},
          {JobKind::kSwapVideo, std::make_shared<SwapVideoRunner>()}};
}

bool IsTransient(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kIoError;
}

Status RunJob(Job& job, const JobRunners& runners, JobContext& context, int max_attempts) {
  FF_RETURN_IF_ERROR(job.TransitionTo(JobState::kRunning));
  Publish(job, context);
  const auto found = runners.find(job.kind);
  const JobRunner* runner = found == runners.end() ? nullptr : found->second.get();
  telemetry::Metrics* metrics = context.metrics;
  for (int attempt = 1;; ++attempt) {
    const auto attempt_start = Clock::now();
    const Status outcome = RunOnce(runner, job, context);
    // Each attempt is one observation of the job duration, as each run of the job always was.
    ObserveJobRun(job.kind, outcome, SecondsSince(attempt_start), metrics);
    const bool stop_asked = context.cancel != nullptr && context.cancel->load();
    if (attempt >= max_attempts || !IsTransient(outcome) || stop_asked) {
      job.status = stop_asked && IsTransient(outcome) ? Cancelled("the job was cancelled") : outcome;
      break;
    }
    if (metrics) metrics->CountRetry(outcome);
    job.ResetRun();
  }
  // running -> succeeded | failed | cancelled is always legal.
  FF_RETURN_IF_ERROR(job.TransitionTo(FinalStateFor(job.status)));
  Publish(job, context);
  return Status::Ok();
}

StageScope::StageScope(std::string stage, Job& job, JobContext& context)
    : stage_(std::move(stage)), job_(job), context_(context) {
  job_.progress.stage = stage_;
  if (context_.on_stage) context_.on_stage(stage_);
  Publish(job_, context_);
  start_ = Clock::now();
}

StageScope::~StageScope() {
  const auto end = Clock::now();
  job_.stages.push_back({stage_, start_, end});
  telemetry::Metrics* metrics = context_.metrics;
  if (!metrics || !observed_) return;
  const double seconds = std::chrono::duration<double>(end - start_).count();
  if (stage_ == "model_load") {
    metrics->ObserveModelLoad(model_, seconds);
  } else {
    metrics->ObserveStage(stage_, seconds);
  }
}

void ObserveJobRun(JobKind kind, const Status& outcome, double seconds, telemetry::Metrics* metrics) {
  if (!metrics) return;
  metrics->ObserveJob(MetricsKind(kind), outcome.ok() ? telemetry::kOutcomeSuccess : telemetry::kOutcomeFailure,
                      seconds);
}

void CountSwapImageOutput(const Job& job, telemetry::Metrics* metrics) {
  if (!metrics) return;
  metrics->AddFrames(MetricsKind(job.kind), job.frames);
  metrics->AddFacesSwapped(static_cast<double>(job.swap_image_result.faces_swapped) * job.frames);
}

Status CountJobError(const Status& status, JobContext& context) {
  if (context.metrics) context.metrics->CountError(status);
  return status;
}

}  // namespace facefuse::job
