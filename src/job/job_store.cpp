#include "job/job_store.h"

#include <algorithm>

namespace facefuse::job {
namespace {

Status UnknownJob(const std::string& id) { return NotFound("no job " + id.substr(0, 80)); }

}  // namespace

void SettleInterrupted(Job& job) {
  ++job.interruptions;
  if (job.interruptions > 1) {
    job.state = JobState::kFailed;
    job.status = Unavailable("the job was interrupted twice (the server stopped while it ran)");
    job.timeline.finished = Clock::now();
    return;
  }
  job.ResetRun();
  job.state = JobState::kQueued;
  job.timeline.started = Clock::time_point{};
}

Status CheckJobId(const std::string& id) {
  const bool fits = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (fits) return Status::Ok();
  return InvalidArgument("a job id is 1 to 64 of A-Z, a-z, 0-9, _ and -, got \"" + id.substr(0, 80) + "\"");
}

Result<std::string> MemoryJobStore::Create(Job job) {
  if (job.state != JobState::kQueued) {
    return InvalidArgument("a new job must be queued, not " + std::string(JobStateName(job.state)));
  }
  if (!job.id.empty()) FF_RETURN_IF_ERROR(CheckJobId(job.id));
  std::lock_guard lock(mu_);
  const std::uint64_t n = next_++;
  if (job.id.empty()) {
    job.id = "job-" + std::to_string(n);
    while (by_id_.count(job.id) != 0) job.id += "x";  // a given id took the name
  } else if (by_id_.count(job.id) != 0) {
    return FailedPrecondition("job " + job.id + " exists already");
  }
  std::string id = job.id;
  by_id_.emplace(id, n);
  jobs_.emplace(n, std::move(job));
  return id;
}

Status MemoryJobStore::Restore(Job job) {
  FF_RETURN_IF_ERROR(CheckJobId(job.id));
  std::lock_guard lock(mu_);
  if (by_id_.count(job.id) != 0) return FailedPrecondition("job " + job.id + " exists already");
  const std::uint64_t n = next_++;
  by_id_.emplace(job.id, n);
  jobs_.emplace(n, std::move(job));
  return Status::Ok();
}

Result<Job> MemoryJobStore::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return UnknownJob(id);
  return jobs_.at(it->second);
}

std::vector<Job> MemoryJobStore::List() const {
  std::lock_guard lock(mu_);
  std::vector<Job> all;
  all.reserve(jobs_.size());
  for (const auto& [n, job] : jobs_) all.push_back(job);
  return all;
}

Status MemoryJobStore::Update(const Job& job) {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(job.id);
  if (it == by_id_.end()) return UnknownJob(job.id);
  Job& stored = jobs_.at(it->second);
  if (job.state != stored.state) FF_RETURN_IF_ERROR(CheckTransition(job.id, stored.state, job.state));
  stored = job;
  return Status::Ok();
}

Status MemoryJobStore::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return UnknownJob(id);
  const Job& stored = jobs_.at(it->second);
  if (!IsFinal(stored.state)) {
    return FailedPrecondition("job " + id + " is " + std::string(JobStateName(stored.state)) + ": only a final job can be removed");
  }
  jobs_.erase(it->second);
  by_id_.erase(it);
  return Status::Ok();
}

}  // namespace facefuse::job
