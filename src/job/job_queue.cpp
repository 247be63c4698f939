#include "job/job_queue.h"

#include <algorithm>
#include <cstdio>

#include "common/current_exception.h"

namespace facefuse::job {
namespace {

void Warn(const std::string& what) { std::fprintf(stderr, "facefuse: job queue: %s\n", what.c_str()); }

}  // namespace

JobQueue::JobQueue(telemetry::Metrics* metrics, int max_attempts, JobRunners runners, std::shared_ptr<JobStore> store,
                   JobQueueLimits limits, std::shared_ptr<JobDispatch> dispatch)
    : metrics_(metrics),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      runners_(runners.empty() ? DefaultJobRunners() : std::move(runners)),
      store_(store ? std::move(store) : std::make_shared<MemoryJobStore>()),
      limits_(limits),
      dispatch_(std::move(dispatch)) {
  limits_.workers = std::max(1, limits_.workers);
  if (!dispatch_) {  // a shared dispatch holds the queued ids itself
    for (const Job& job : store_->List())
      if (job.state == JobState::kQueued) queue_.push_back({job.id, job.kind, {}});
  }
  UpdateGauges();
  for (int i = 0; i < limits_.workers; ++i) workers_.emplace_back([this] { Loop(); });
}

JobQueue::~JobQueue() { Shutdown(); }

Result<std::string> JobQueue::Submit(Job job, Done done) {
  std::lock_guard lock(mu_);
  if (stopping_) return FailedPrecondition("job queue is shut down");
  size_t waiting = queue_.size();
  if (dispatch_) {
    FF_ASSIGN_OR_RETURN(waiting, dispatch_->Depth());
  }
  if (limits_.max_queued > 0 && waiting >= limits_.max_queued) {
    return Unavailable("the job queue is full (" + std::to_string(waiting) + " jobs wait): retry later");
  }
  const JobKind kind = job.kind;
  FF_ASSIGN_OR_RETURN(std::string id, store_->Create(std::move(job)));
  if (dispatch_) {
    if (Status pushed = dispatch_->Push(id); !pushed.ok()) {  // the record must not wait for ever
      if (Result<Job> stored = store_->Get(id); stored.ok()) {
        stored->status = pushed;
        if (stored->TransitionTo(JobState::kCancelled).ok()) (void)store_->Update(*stored);
      }
      return pushed;
    }
    dispatch_depth_ = waiting + 1;
    UpdateGauges();
    return id;
  }
  queue_.push_back({id, kind, std::move(done)});
  UpdateGauges();
  cv_.notify_all();
  return id;
}

Status JobQueue::Cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  FF_ASSIGN_OR_RETURN(Job job, store_->Get(id));
  auto queued = std::find_if(queue_.begin(), queue_.end(), [&id](const Waiting& item) { return item.id == id; });
  if (const auto running = cancels_.find(id); running != cancels_.end()) {  // running here: ask it to stop
    running->second->store(true);
    return Status::Ok();
  }
  bool withdrawn = queued != queue_.end();
  if (dispatch_ && job.state == JobState::kQueued) {
    FF_ASSIGN_OR_RETURN(withdrawn, dispatch_->Withdraw(id));
  }
  if (!withdrawn)
    return FailedPrecondition("job " + id + " is " + std::string(JobStateName(job.state)) +
                              (job.state == JobState::kRunning ? " on another replica: it cannot be cancelled here"
                                                               : ": only a queued or running job can be cancelled"));
  job.status = Cancelled("cancelled before it ran");
  FF_RETURN_IF_ERROR(job.TransitionTo(JobState::kCancelled));
  FF_RETURN_IF_ERROR(store_->Update(job));
  if (queued != queue_.end()) queue_.erase(queued);
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
  cv_.wait(lock, [this] { return (queue_.empty() && Running() == 0) || stopping_; });
}

void JobQueue::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // A persistent store keeps its queued jobs queued: the next process runs them.
    if (store_->persistent()) queue_.clear();
    for (const Waiting& waiting : queue_) {
      Result<Job> job = store_->Get(waiting.id);
      if (!job.ok()) continue;
      job->status = FailedPrecondition("cancelled: the job queue shut down before the job ran");
      if (job->TransitionTo(JobState::kCancelled).ok()) (void)store_->Update(*job);
    }
    queue_.clear();
    UpdateGauges();
  }
  cv_.notify_all();
  for (std::thread& worker : workers_)
    if (worker.joinable()) worker.join();
}

int JobQueue::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

size_t JobQueue::queued() const {
  std::lock_guard lock(mu_);
  return dispatch_ ? dispatch_depth_ : queue_.size();
}

int JobQueue::Running() const {
  int running = 0;
  for (const auto& [kind, count] : running_) running += count;
  return running;
}

void JobQueue::UpdateGauges() {
  if (!metrics_) return;
  std::map<std::string_view, std::pair<int, int>> by_kind;  // metrics kind -> (waiting, running)
  for (JobKind kind : {JobKind::kDetect, JobKind::kSwapImage, JobKind::kSwapVideo}) by_kind[MetricsKind(kind)];
  for (const Waiting& waiting : queue_) ++by_kind[MetricsKind(waiting.kind)].first;
  if (dispatch_) by_kind[MetricsKind(JobKind::kSwapImage)].first = static_cast<int>(dispatch_depth_);
  for (const auto& [kind, count] : running_) by_kind[MetricsKind(kind)].second += count;
  for (const auto& [kind, counts] : by_kind) {
    metrics_->SetQueueDepth(kind, counts.first);
    metrics_->SetJobsInFlight(kind, counts.second);
  }
}

void JobQueue::RunOne(const std::string& id, const Done& done) {
  Result<Job> job = Status(StatusCode::kInternal, "not run");
  try {  // the runner's exceptions are RunJob's to catch; these would be the store's
    job = store_->GetToRun(id);
    if (!job.ok()) return Warn(job.status().ToString());
    if (!limits_.worker_name.empty()) job->ran_on = limits_.worker_name;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard lock(mu_);
      cancels_[id] = cancel;
    }
    struct Forget {  // the flag goes when the run ends, however it ends
      JobQueue* queue;
      const std::string& id;
      ~Forget() {
        std::lock_guard lock(queue->mu_);
        queue->cancels_.erase(id);
      }
    } forget{this, id};
    JobContext context;
    context.metrics = metrics_;
    context.cancel = cancel.get();
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

bool JobQueue::TakeFromDispatch(Waiting* item) {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
    }
    Result<std::optional<std::string>> taken = dispatch_->Pop(std::chrono::seconds(1));
    if (!taken.ok()) {  // the shared queue is out of reach: say so, wait, try again
      Warn(taken.status().ToString());
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
      continue;
    }
    Result<size_t> depth = dispatch_->Depth();
    Result<Job> job = taken->has_value() ? store_->Get(**taken) : Result<Job>(NotFound("none"));
    std::lock_guard lock(mu_);
    if (depth.ok()) dispatch_depth_ = *depth;
    if (taken->has_value()) {
      item->id = **taken;
      item->kind = job.ok() ? job->kind : JobKind::kSwapImage;
      ++running_[item->kind];
      UpdateGauges();
      return true;
    }
    UpdateGauges();
  }
}

void JobQueue::Loop() {
  for (;;) {
    Waiting item;
    if (dispatch_) {
      if (!TakeFromDispatch(&item)) return;
    } else {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      ++running_[item.kind];
      UpdateGauges();
    }
    RunOne(item.id, item.done);
    if (dispatch_) {
      if (Status st = dispatch_->Finish(item.id); !st.ok()) Warn(st.ToString());
    }
    {
      std::lock_guard lock(mu_);
      --running_[item.kind];
      ++completed_;
      UpdateGauges();
    }
    cv_.notify_all();
  }
}

}  // namespace facefuse::job
