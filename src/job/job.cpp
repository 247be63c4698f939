#include "job/job.h"

namespace facefuse::job {

std::string_view JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kDetect: return "detect";
    case JobKind::kSwapImage: return "swap_image";
    case JobKind::kSwapVideo: return "swap_video";
  }
  return "unknown";
}

std::string_view MetricsKind(JobKind kind) { return kind == JobKind::kDetect ? "detect" : "swap"; }

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

JobState FinalStateFor(const Status& outcome) {
  if (outcome.ok()) return JobState::kSucceeded;
  return outcome.code() == StatusCode::kCancelled ? JobState::kCancelled : JobState::kFailed;
}

bool IsFinal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed || state == JobState::kCancelled;
}

bool IsLegalTransition(JobState from, JobState to) {
  switch (from) {
    case JobState::kQueued: return to == JobState::kRunning || to == JobState::kCancelled;
    case JobState::kRunning: return IsFinal(to);
    default: return false;
  }
}

Status CheckTransition(std::string_view id, JobState from, JobState to) {
  if (IsLegalTransition(from, to)) return Status::Ok();
  return FailedPrecondition("job " + std::string(id) + ": cannot go from " + std::string(JobStateName(from)) + " to " +
                            std::string(JobStateName(to)));
}

Status Job::TransitionTo(JobState next, Clock::time_point now) {
  FF_RETURN_IF_ERROR(CheckTransition(id, state, next));
  if (next == JobState::kRunning) timeline.started = now;
  if (IsFinal(next)) {
    if (state == JobState::kQueued) timeline.started = now;  // cancelled before it ran: it took no time
    timeline.finished = now;
  }
  state = next;
  return Status::Ok();
}

void Job::ResetRun() {
  progress = {};
  stages.clear();
  stage_load.clear();
  status = Status::Ok();
  frames = 0;
  detect_result = {};
  swap_image_result = {};
  swap_video_result = {};
}

namespace {

Job NewJob(JobKind kind) {
  Job job;
  job.kind = kind;
  job.timeline.created = Clock::now();
  return job;
}

}  // namespace

Job NewDetectJob(DetectSpec spec) {
  Job job = NewJob(JobKind::kDetect);
  job.detect = std::move(spec);
  return job;
}

Job NewSwapImageJob(SwapImageSpec spec) {
  Job job = NewJob(JobKind::kSwapImage);
  job.swap_image = std::move(spec);
  return job;
}

Job NewSwapVideoJob(SwapVideoSpec spec) {
  Job job = NewJob(JobKind::kSwapVideo);
  job.swap_video = std::move(spec);
  return job;
}

}  // namespace facefuse::job
