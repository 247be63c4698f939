// A FIFO of jobs of any kind run on worker threads (one by default), with
// queue-depth, in-flight and retry metrics by kind. Every job is a record in a
// JobStore, updated as it runs (state, progress, stages), so readers see it
// live; the jobs a persistent store holds queued when the queue starts (those
// a previous process left) are run first. The HTTP job API submits here.
//
// The worker thread is an exception boundary: a runner that throws fails
// that job with Internal("the job threw: <what()>") (RunJob's firewall), a
// `done` callback that throws is reported; the queue, the process and the
// next job go on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "job/job_dispatch.h"
#include "job/job_runner.h"
#include "job/job_store.h"
#include "telemetry/metrics.h"

namespace facefuse::job {

struct JobQueueLimits {
  int workers = 1;        // jobs run at once, each on its own thread (at least 1)
  size_t max_queued = 0;  // jobs that may wait; Submit refuses more (0: no limit)
  std::string worker_name;  // set as Job::ran_on in each job run here (a replica's name); empty: none
};

class JobQueue {
 public:
  // Called on the worker thread with the job's final record.
  using Done = std::function<void(const Job&)>;

  // `metrics` may be null and must outlive the queue. A job whose outcome is
  // transient (IsTransient) is run again, up to `max_attempts` in all.
  // Empty `runners`: DefaultJobRunners(). Null `store`: a MemoryJobStore of
  // the queue's own. The store's queued jobs are queued now, oldest first.
  // With `dispatch`, the ids of the jobs to run come from it (shared with other processes: their queued jobs run
  // here too, and the queued jobs of the store are left to it).
  JobQueue(telemetry::Metrics* metrics, int max_attempts = 2, JobRunners runners = {},
           std::shared_ptr<JobStore> store = {}, JobQueueLimits limits = {},
           std::shared_ptr<JobDispatch> dispatch = {});
  ~JobQueue();  // Shutdown()
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Creates the (queued) job in the store and queues it; returns its id.
  // `done` (may be empty) runs on the worker thread with the final record; an
  // exception from it is reported on stderr and otherwise ignored.
  // Errors: FailedPrecondition after Shutdown(); Unavailable when
  // limits.max_queued jobs wait already (retry later); JobStore::Create's.
  Result<std::string> Submit(Job job, Done done);
  // Cancels job `id`: a queued one is taken off the queue (state cancelled in the store, its `done` not called); a
  // running one is asked to stop (JobContext::cancel: a video job stops at its next frame and ends cancelled; a job
  // that cannot stop midway finishes). Errors: NotFound for an id the store lacks; FailedPrecondition for a final
  // job, or one running in another process.
  Status Cancel(const std::string& id);
  // False once Shutdown() has begun: Submit then refuses every job.
  bool accepting() const;
  // Blocks until the queue is empty and no job runs.
  void WaitIdle();
  // Finishes the running jobs, cancels the queued ones (state cancelled in
  // the store, their `done` not called; with a persistent store they stay
  // queued for the next process), joins the workers; idempotent.
  void Shutdown();
  int completed() const;
  // Jobs waiting now.
  size_t queued() const;
  const JobQueueLimits& limits() const { return limits_; }
  // The records of every job submitted here. Thread-safe, as every JobStore.
  JobStore& store() { return *store_; }

 private:
  void Loop();
  // Runs the stored job `id` to its final state and calls `done`; never throws.
  void RunOne(const std::string& id, const Done& done);
  void UpdateGauges();  // with mu_ held
  int Running() const;  // with mu_ held: jobs running now

  struct Waiting {
    std::string id;
    JobKind kind = JobKind::kDetect;
    Done done;
  };
  // The next job from dispatch_ (claimed, counted running); false once Shutdown() began.
  bool TakeFromDispatch(Waiting* item);

  telemetry::Metrics* metrics_;
  int max_attempts_;
  JobRunners runners_;
  std::shared_ptr<JobStore> store_;
  JobQueueLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiting> queue_;
  std::map<JobKind, int> running_;  // by kind
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> cancels_;  // the cancel flag of each job running here
  int completed_ = 0;
  bool stopping_ = false;
  std::shared_ptr<JobDispatch> dispatch_;  // null: the queue is queue_
  size_t dispatch_depth_ = 0;              // dispatch_'s depth when last asked
  std::vector<std::thread> workers_;
};

}  // namespace facefuse::job
