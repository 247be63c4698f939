#include "job/job_queue.h"

#include <algorithm>
#include <cstdio>

#include "common/current_exception.h"

namespace facefuse::job {
namespace {

void Warn(const std::string& what) { std::fprintf(stderr, "facefuse: job queue: %s\n", what.c_str()); }

}  // namespace

JobQueue::JobQueue(telemetry::Metrics* metrics, int max_attempts, JobRunners runners, std::shared_ptr<JobStore> store)
    : metrics_(metrics),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      runners_(runners.empty() ? DefaultJobRunners() : std::move(runners)),
      store_(store ? std::move(store) : std::make_shared<MemoryJobStore>()),
      worker_([this] { Loop(); }) {}

JobQueue::~JobQueue() { Shutdown(); }

Result<std::string> JobQueue::Submit(Job job, Done done) {
  std::lock_guard lock(mu_);
  if (stopping_) return FailedPrecondition("job queue is shut down");
  FF_ASSIGN_OR_RETURN(std::string id, store_->Create(std::move(job)));
  queue_.emplace_back(id, std::move(done));
  UpdateGauges();
  cv_.notify_all();
  return id;
}

Status JobQueue::Cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  FF_ASSIGN_OR_RETURN(Job job, store_->Get(id));
  auto queued = std::find_if(queue_.begin(), queue_.end(), [&id](const auto& item) { return item.first == id; });
  if (queued == queue_.end())
    return FailedPrecondition("job " + id + " is " + std::string(JobStateName(job.state)) +
                              ": only a queued job can be cancelled");
  job.status = Cancelled("cancelled before it ran");
  FF_RETURN_IF_ERROR(job.TransitionTo(JobState::kCancelled));
  FF_RETURN_IF_ERROR(store_->Update(job));
  queue_.erase(queued);
  UpdateGauges();
  cv_.notify_all();
  return Status::Ok();
}

bool JobQueue::accepting() const {
  std::lock_guard lock(mu_);
  return !stopping_;
}

void JobQueue::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (queue_.empty() && running_ == 0) || stopping_; });
}

void JobQueue::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& [id, done] : queue_) {
      Result<Job> job = store_->Get(id);
      if (!job.ok()) continue;
      job->status = FailedPrecondition("cancelled: the job queue shut down before the job ran");
      if (job->TransitionTo(JobState::kCancelled).ok()) (void)store_->Update(*job);
    }
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

void JobQueue::RunOne(const std::string& id, const Done& done) {
  Result<Job> job = Status(StatusCode::kInternal, "not run");
  try {  // the runner's exceptions are RunJob's to catch; these would be the store's
    job = store_->Get(id);
    if (!job.ok()) return Warn(job.status().ToString());
    JobContext context;
    context.metrics = metrics_;
    context.on_update = [this](const Job& record) {
      if (Status st = store_->Update(record); !st.ok()) Warn(st.ToString());
    };
    if (Status st = RunJob(*job, runners_, context, max_attempts_); !st.ok()) return Warn(st.ToString());
  } catch (...) {
    return Warn("job " + id + " could not be run: " + CurrentExceptionMessage());
  }
  if (!done) return;
  try {
    done(*job);
  } catch (...) {
    Warn("the job's completion callback threw: " + CurrentExceptionMessage());
  }
}

void JobQueue::Loop() {
  for (;;) {
    std::pair<std::string, Done> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      running_ = 1;
      UpdateGauges();
    }
    RunOne(item.first, item.second);
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
