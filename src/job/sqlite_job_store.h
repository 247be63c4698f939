// Job records in a SQLite file, so that jobs outlive the process: the service's default store (nothing to install,
// one file in the data dir). Reads come from a copy in memory; every state change is written through at once, a
// running job's progress at most once a second.
//
// Crash safety: the file is a write-ahead log (a process killed at any point leaves the last committed records),
// and Open() settles what a dead process left:
//   - a job still running was interrupted: it is queued again once (Job::interruptions counts it), and failed
//     with Unavailable ("interrupted twice") the second time;
//   - a queued job stays queued (JobQueue runs the store's queued jobs when it starts).
// Jobs without a request (Job::request empty: the CLI's own jobs) are kept in memory only.
//
// One process at a time: the file is locked while the store is open.
// Thread safety: as every JobStore, any thread at once.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "job/job_store.h"

struct sqlite3;

namespace facefuse::job {

class SqliteJobStore : public JobStore {
 public:
  // Builds the spec of a stored job again from its request and folder (Job::request, Job::folder). Errors: why it
  // cannot (the job is then failed with that error, when it was still to run).
  using Rebuild = std::function<Status(Job& job)>;

  // Opens (or creates) the store at `path` and settles the jobs a previous process left (above), calling `rebuild`
  // for each job still to run. Errors: IoError naming the file for one that cannot be opened or is not a job
  // store; Unavailable when another process has it open.
  static Result<std::unique_ptr<SqliteJobStore>> Open(const std::filesystem::path& path, Rebuild rebuild);
  ~SqliteJobStore() override;
  SqliteJobStore(const SqliteJobStore&) = delete;
  SqliteJobStore& operator=(const SqliteJobStore&) = delete;

  Result<std::string> Create(Job job) override;
  Result<Job> Get(const std::string& id) const override;
  std::vector<Job> List() const override;
  // As JobStore::Update; also IoError when the file refuses the write (the copy in memory keeps the new record).
  Status Update(const Job& job) override;
  Status Remove(const std::string& id) override;
  bool persistent() const override { return true; }

  // What Open() found interrupted: jobs queued again, jobs failed (interrupted twice).
  int requeued_at_open() const { return requeued_at_open_; }
  int failed_at_open() const { return failed_at_open_; }

 private:
  explicit SqliteJobStore(sqlite3* db) : db_(db) {}
  Status Load(const Rebuild& rebuild);  // at Open
  Status Write(const Job& job);         // with mu_ held: inserts or replaces the row
  Status Execute(const char* sql);      // with mu_ held (or while opening)

  mutable std::mutex mu_;
  sqlite3* db_;
  MemoryJobStore memory_;  // the records, as readers get them
  std::map<std::string, std::chrono::steady_clock::time_point> written_;  // when each job's row was last written
  int requeued_at_open_ = 0;
  int failed_at_open_ = 0;
};

}  // namespace facefuse::job
