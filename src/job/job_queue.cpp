#include "job/job_queue.h"

#include <cstdio>

#include "common/current_exception.h"

namespace facefuse::job {

bool IsTransient(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kIoError;
}

JobQueue::JobQueue(telemetry::Metrics* metrics, int max_attempts, Runner runner)
    : metrics_(metrics),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      runner_(runner ? std::move(runner) : Runner(&RunDetectJob)),
      worker_([this] { Loop(); }) {}

JobQueue::~JobQueue() { Shutdown(); }

Status JobQueue::Submit(DetectJobOptions options, Done done) {
  std::lock_guard lock(mu_);
  if (stopping_) return FailedPrecondition("job queue is shut down");
  queue_.emplace_back(std::move(options), std::move(done));
  UpdateGauges();
  cv_.notify_all();
  return Status::Ok();
}

void JobQueue::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (queue_.empty() && running_ == 0) || stopping_; });
}

void JobQueue::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
    UpdateGauges();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int JobQueue::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

void JobQueue::UpdateGauges() {
  if (!metrics_) return;
  metrics_->SetQueueDepth(static_cast<double>(queue_.size()));
  metrics_->SetJobsInFlight(running_);
}

JobResult JobQueue::RunOnce(const DetectJobOptions& options) {
  const auto start = report::Clock::now();
  try {
    return runner_(options, metrics_);
  } catch (...) {
    JobResult failed;
    failed.start = start;
    failed.end = report::Clock::now();
    failed.status = Internal("the job threw: " + CurrentExceptionMessage());
    if (metrics_) {  // what the runner would have recorded for a failed job
      metrics_->CountError(failed.status);
      metrics_->ObserveJob(failed.kind, telemetry::kOutcomeFailure, failed.seconds());
    }
    return failed;
  }
}

void JobQueue::Loop() {
  for (;;) {
    std::pair<DetectJobOptions, Done> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      running_ = 1;
      UpdateGauges();
    }
    JobResult result = RunOnce(item.first);
    for (int attempt = 1; attempt < max_attempts_ && IsTransient(result.status); ++attempt) {
      if (metrics_) metrics_->CountRetry(result.status);
      result = RunOnce(item.first);
    }
    if (item.second) {
      try {
        item.second(result);
      } catch (...) {
        std::fprintf(stderr, "facefuse: job queue: the job's completion callback threw: %s\n",
                     CurrentExceptionMessage().c_str());
      }
    }
    {
      std::lock_guard lock(mu_);
      running_ = 0;
      ++completed_;
      UpdateGauges();
    }
    cv_.notify_all();
  }
}

}  // namespace facefuse::job
