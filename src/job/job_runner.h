// Runners: the code that does one kind of job, and the one way every job is
// run (RunJob): state transitions, retry of transient errors, the job metrics
// and the exception firewall.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "facefuse/status.h"
#include "job/job.h"
#include "telemetry/metrics.h"

namespace facefuse::job {

// What a runner may use besides the job record. Every member may be empty/null.
struct JobContext {
  telemetry::Metrics* metrics = nullptr;  // not owned
  // Called on the job's thread as each stage begins (e.g. a GPU reading).
  std::function<void(const std::string& stage)> on_stage;
  // Called on the job's thread with the record after each item and stage
  // change and after each state change (e.g. to publish it to a JobStore).
  std::function<void(const Job&)> on_update;
  // Set to true (from any thread) to stop the job: a runner that can stop
  // midway (swap_video) ends it with Cancelled. Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

// Does the work of one job kind. Implementations are stateless (or
// internally locked): one runner may serve jobs on several threads.
class JobRunner {
 public:
  virtual ~JobRunner() = default;
  // Runs `job` (state running) on the calling thread: records its stages,
  // progress, frames and per-kind result in the record and the kind's own
  // metrics (stages, frames, faces, errors of items) through `context`.
  // Returns the job's outcome: OK, or the first error. May throw (RunJob
  // catches it); should not.
  virtual Status Run(Job& job, JobContext& context) const = 0;
};

// The runner of each kind.
using JobRunners = std::map<JobKind, std::shared_ptr<const JobRunner>>;

// The runner of every kind: detect, swap_image and swap_video.
JobRunners DefaultJobRunners();

// True for errors worth another attempt (the resource may come back): Unavailable, IoError.
bool IsTransient(const Status& status);

// Runs a queued `job` to a final state on the calling thread with the runner
// for its kind: queued -> running -> succeeded | failed | cancelled (FinalStateFor). A transient outcome
// (IsTransient) is run again from a clean record (Job::ResetRun), up to
// `max_attempts` in all, each retry counted in the metrics; when context.cancel
// is set by then, the job ends Cancelled instead. The exception
// firewall: a runner that throws fails the job with Internal("the job threw:
// <what()>"). A kind without a runner fails with Unsupported. Records the job's
// duration and outcome (and a thrown or missing runner's error) in the metrics.
// Never throws, except from context.on_update.
// Errors (returned, the job untouched): FailedPrecondition when `job` is not queued.
Status RunJob(Job& job, const JobRunners& runners, JobContext& context, int max_attempts = 1);

// Times one stage of a running job: opens it as current (progress.stage,
// context.on_stage, on_update) and, when destroyed, appends its span to
// job.stages and its duration to the metrics (model_load by model name).
class StageScope {
 public:
  StageScope(std::string stage, Job& job, JobContext& context);
  ~StageScope();
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;
  // For model_load: the model's name in the metrics.
  void set_model(std::string model) { model_ = std::move(model); }
  // A span on the record only, not a stage metric: a pipelined phase whose own stages are observed per frame.
  void set_unobserved() { observed_ = false; }

 private:
  std::string stage_;
  Job& job_;
  JobContext& context_;
  Clock::time_point start_;
  std::string model_;
  bool observed_ = true;
};

// The job metrics of one run (one attempt) of a job of `kind`: its duration and
// outcome. No-op with null `metrics`. Every job records its duration here.
void ObserveJobRun(JobKind kind, const Status& outcome, double seconds, telemetry::Metrics* metrics);

// The output metrics of a swap-image job that got through: its frames (one per
// swap of the target) and the faces swapped in each. No-op with null `metrics`.
void CountSwapImageOutput(const Job& job, telemetry::Metrics* metrics);

// Records an item's error on the job: the job's first error, and the errors
// metric. Returns `status`.
Status CountJobError(const Status& status, JobContext& context);

}  // namespace facefuse::job
