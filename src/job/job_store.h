// Where job records live while (and after) they run: the queue writes them,
// the CLI, the metrics and the HTTP job API read them. An interface: in memory
// (MemoryJobStore) or in a SQLite file that outlives the process
// (job/sqlite_job_store.h).
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

  // Stores `job` as a new record under its id when it has one, else under a
  // fresh one ("job-<n>"); returns the id. Errors: InvalidArgument when `job`
  // is not queued or its id is not [A-Za-z0-9_-]{1,64}; FailedPrecondition
  // when the id is taken.
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
  // Forgets the final job `id` (its files are the caller's to remove).
  // Errors: NotFound naming the id; FailedPrecondition for a job not final.
  virtual Status Remove(const std::string& id) = 0;
  // The record of job `id` with its spec, for a worker about to run it (a store shared by several processes builds
  // the spec again here, and settles a job whose worker died: SettleInterrupted). Errors: Get's; the rebuild's.
  virtual Result<Job> GetToRun(const std::string& id) { return Get(id); }
  // True when the records outlive the process (a queued job then waits for the next one rather than being
  // cancelled when the queue shuts down).
  virtual bool persistent() const { return false; }
  // OK while the store can be read and written (a shared store's server answers). Errors: why not.
  virtual Status Health() const { return Status::Ok(); }
};

// What a store makes of a job it finds running that no process runs any more (the one that did was killed): queued
// again for a clean run the first time (interruptions 1), failed with Unavailable ("interrupted twice") after.
void SettleInterrupted(Job& job);

// OK for an id a store keeps as given: 1 to 64 of [A-Za-z0-9_-]. Errors: InvalidArgument naming it.
Status CheckJobId(const std::string& id);

// Records in memory, for the life of the store.
class MemoryJobStore : public JobStore {
 public:
  Result<std::string> Create(Job job) override;
  Result<Job> Get(const std::string& id) const override;
  std::vector<Job> List() const override;
  Status Update(const Job& job) override;
  Status Remove(const std::string& id) override;
  // Adds `job` as it is, in any state, under its id (a persistent store loading its records). Errors: as Create's
  // for the id.
  Status Restore(Job job);

 private:
  mutable std::mutex mu_;
  std::map<std::uint64_t, Job> jobs_;     // in the order they came
  std::map<std::string, std::uint64_t> by_id_;
  std::uint64_t next_ = 1;
};

}  // namespace facefuse::job
