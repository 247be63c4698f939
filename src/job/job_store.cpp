#include "job/job_store.h"

#include <charconv>

namespace facefuse::job {
namespace {

constexpr std::string_view kIdPrefix = "job-";

// The sequence number in "job-<n>"; 0 for anything else.
std::uint64_t SequenceOf(const std::string& id) {
  if (id.compare(0, kIdPrefix.size(), kIdPrefix) != 0) return 0;
  std::uint64_t n = 0;
  const char* first = id.data() + kIdPrefix.size();
  const char* last = id.data() + id.size();
  const auto [end, ec] = std::from_chars(first, last, n);
  return ec == std::errc() && end == last ? n : 0;
}

Status UnknownJob(const std::string& id) { return NotFound("no job " + id); }

}  // namespace

Result<std::string> MemoryJobStore::Create(Job job) {
  if (job.state != JobState::kQueued) {
    return InvalidArgument("a new job must be queued, not " + std::string(JobStateName(job.state)));
  }
  std::lock_guard lock(mu_);
  const std::uint64_t n = next_++;
  job.id = std::string(kIdPrefix) + std::to_string(n);
  std::string id = job.id;
  jobs_.emplace(n, std::move(job));
  return id;
}

Result<Job> MemoryJobStore::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = jobs_.find(SequenceOf(id));
  if (it == jobs_.end()) return UnknownJob(id);
  return it->second;
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
  const auto it = jobs_.find(SequenceOf(job.id));
  if (it == jobs_.end()) return UnknownJob(job.id);
  if (job.state != it->second.state) FF_RETURN_IF_ERROR(CheckTransition(job.id, it->second.state, job.state));
  it->second = job;
  return Status::Ok();
}

}  // namespace facefuse::job
