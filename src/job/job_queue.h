// A FIFO of jobs run one at a time on a worker thread, with queue-depth,
// in-flight and retry metrics. The future HTTP job API submits here.
//
// The worker thread is an exception boundary: a job (or a `done` callback)
// that throws fails that job with the exception's message; the queue, the
// process and the next job go on.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "job/detect_job.h"
#include "telemetry/metrics.h"

namespace facefuse::job {

// True for errors worth another attempt (the resource may come back): Unavailable, IoError.
bool IsTransient(const Status& status);

class JobQueue {
 public:
  using Done = std::function<void(const JobResult&)>;
  // Runs one job on the worker thread (RunDetectJob by default; tests inject others). May throw.
  using Runner = std::function<JobResult(const DetectJobOptions&, telemetry::Metrics*)>;

  // `metrics` may be null and must outlive the queue. A job whose result is
  // transient (IsTransient) is run again, up to `max_attempts` in all.
  // An empty `runner` means RunDetectJob.
  JobQueue(telemetry::Metrics* metrics, int max_attempts = 2, Runner runner = {});
  ~JobQueue();  // Shutdown()
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues a job; `done` runs on the worker thread with its final result: a
  // job that threw has status Internal("the job threw: <what()>"). An
  // exception from `done` is reported on stderr and otherwise ignored.
  // Errors: FailedPrecondition after Shutdown().
  Status Submit(DetectJobOptions options, Done done);
  // Blocks until the queue is empty and no job runs.
  void WaitIdle();
  // Finishes the running job, drops the queued ones, joins the worker; idempotent.
  void Shutdown();
  int completed() const;

 private:
  void Loop();
  // runner_ once, with the exception boundary: never throws.
  JobResult RunOnce(const DetectJobOptions& options);
  void UpdateGauges();  // with mu_ held

  telemetry::Metrics* metrics_;
  int max_attempts_;
  Runner runner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<DetectJobOptions, Done>> queue_;
  int running_ = 0;
  int completed_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace facefuse::job
