// Where job records live while (and after) they run: the queue writes them,
// the CLI, the metrics and the future HTTP job API read them. An interface:
// in memory now (MemoryJobStore); a SQLite store comes with the service.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "facefuse/status.h"
#include "job/job.h"

namespace facefuse::job {

// Thread safety: every implementation may be called from any thread at once;
// each call is atomic. Records go in and come out as copies.
class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores `job` as a new record under a fresh id (unique in this store),
  // which it returns and sets in the stored record. Errors: InvalidArgument
  // when `job` is not queued.
  virtual Result<std::string> Create(Job job) = 0;
  // A copy of the record. Errors: NotFound naming the id.
  virtual Result<Job> Get(const std::string& id) const = 0;
  // Copies of every record, oldest first.
  virtual std::vector<Job> List() const = 0;
  // Replaces the record with `job.id`. The state may stay or make a legal
  // transition (IsLegalTransition) from the stored one. Errors: NotFound
  // naming the id; FailedPrecondition for any other state change (the stored
  // record is left as it was).
  virtual Status Update(const Job& job) = 0;
};

// Records in memory, for the life of the store.
class MemoryJobStore : public JobStore {
 public:
  Result<std::string> Create(Job job) override;
  Result<Job> Get(const std::string& id) const override;
  std::vector<Job> List() const override;
  Status Update(const Job& job) override;

 private:
  mutable std::mutex mu_;
  std::map<std::uint64_t, Job> jobs_;  // by sequence number: ids are "job-<n>"
  std::uint64_t next_ = 1;
};

}  // namespace facefuse::job
