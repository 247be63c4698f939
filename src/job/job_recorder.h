// Keeps the record of a job whose work runs outside RunJob (the swap command's
// own loop: --repeat N on warm models, a reference identity, a memory budget)
// the way RunJob and its runners keep it: queued -> running -> succeeded |
// failed through the legal transitions, the stages and the progress as the
// work runs, the final status, and the same job metrics.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "facefuse/status.h"
#include "job/job.h"
#include "job/job_runner.h"

namespace facefuse::job {

// Not thread-safe: the job's thread uses it. Holds `job` and `context`, which must outlive it.
class JobRecorder {
 public:
  // Moves the queued `job` to running now (its timeline's start) and publishes
  // it (context.on_update). Errors: FailedPrecondition when `job` is not queued
  // (the job is left as it was).
  static Result<JobRecorder> Begin(Job& job, JobContext& context);

  // Closes the open stage (if any) and opens `stage` now: the record's
  // progress.stage, context.on_stage, context.on_update.
  void BeginStage(std::string stage);
  // Ends the open stage now as consecutive parts timed by the engine
  // (SplitLastStage); without an open stage, does nothing.
  void SplitStage(const std::vector<std::pair<std::string, double>>& parts_ms);

  // Closes the open stage, sets the job's final status to `outcome` and moves
  // it to succeeded (OK) or failed now; records its duration and outcome in
  // context.metrics as RunJob does (and an error as CountJobError does), and
  // publishes it. Returns `outcome`. Once the job is final (ended already), only
  // returns `outcome`.
  Status End(Status outcome);

 private:
  JobRecorder(Job& job, JobContext& context) : job_(&job), context_(&context) {}
  void CloseStage();

  Job* job_;
  JobContext* context_;
  bool stage_open_ = false;
};

}  // namespace facefuse::job
