#include "job/job_recorder.h"

namespace facefuse::job {

Result<JobRecorder> JobRecorder::Begin(Job& job, JobContext& context) {
  FF_RETURN_IF_ERROR(job.TransitionTo(JobState::kRunning));
  if (context.on_update) context.on_update(job);
  return JobRecorder(job, context);
}

void JobRecorder::CloseStage() {
  if (stage_open_) job_->stages.back().end = Clock::now();
  stage_open_ = false;
}

void JobRecorder::BeginStage(std::string stage) {
  CloseStage();
  job_->progress.stage = stage;
  if (context_->on_stage) context_->on_stage(stage);
  const auto now = Clock::now();
  job_->stages.push_back({std::move(stage), now, now});
  stage_open_ = true;
  if (context_->on_update) context_->on_update(*job_);
}

void JobRecorder::SplitStage(const std::vector<std::pair<std::string, double>>& parts_ms) {
  if (!stage_open_) return;
  CloseStage();
  SplitLastStage(job_->stages, parts_ms);
}

Status JobRecorder::End(Status outcome) {
  if (IsFinal(job_->state)) return outcome;  // ended already: the record stays as it ended
  CloseStage();
  if (!outcome.ok()) (void)CountJobError(outcome, *context_);
  job_->status = outcome;
  // running -> succeeded | failed | cancelled is always legal.
  if (Status moved = job_->TransitionTo(FinalStateFor(outcome)); !moved.ok()) {
    return moved;
  }
  ObserveJobRun(job_->kind, outcome, job_->seconds(), context_->metrics);
  if (context_->on_update) context_->on_update(*job_);
  return outcome;
}

}  // namespace facefuse::job
