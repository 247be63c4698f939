// How long a finished job's files stay: results and GPU reports are kept for a retention period and within a disk
// quota, then removed with their records; folders no job owns (an upload cut short by a crash) go too. serve runs
// a sweep at start and then every minute (RetentionSweeper).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "facefuse/status.h"
#include "job/job_store.h"
#include "storage/result_store.h"

namespace facefuse::server {

struct RetentionPolicy {
  std::chrono::seconds keep{std::chrono::hours(24 * 7)};  // a final job goes this long after it finished
  uint64_t quota_bytes = 0;  // the job folders together; over it the oldest final jobs go first (0: no quota)
  // A job-* folder no job owns goes once it is this old (an upload still arriving is younger).
  std::chrono::seconds orphan_grace{std::chrono::hours(1)};
};

struct SweepReport {
  int jobs_removed = 0;
  int orphans_removed = 0;
  uint64_t bytes_freed = 0;
  uint64_t bytes_kept = 0;  // the job folders left
};

// Claims `data_dir` for the job store described by `store` ("sqlite", "redis HOST:PORT PREFIX"): a file
// .facefuse-store in it names the store whose jobs the folders are; a data dir another store claimed is refused, so
// that one store's retention never takes the other's folders for orphans. Errors: FailedPrecondition naming both
// stores; IoError when the file cannot be read or written.
Status ClaimDataDir(const std::filesystem::path& data_dir, const std::string& store);

// One sweep of `data_dir` at time `now`: final jobs past policy.keep, then the oldest final jobs while the folders
// are over policy.quota_bytes (records from `store`, folders from disk), then orphan folders. A job's stored
// result goes from `results` (may be null) before its record; a result the store cannot remove now keeps the job
// for the next sweep. Only folders named job-* directly in `data_dir` are touched. Errors: IoError when `data_dir`
// cannot be listed (what was removed before stays removed).
Result<SweepReport> SweepJobs(job::JobStore& store, storage::ResultStore* results, const std::filesystem::path& data_dir,
                              const RetentionPolicy& policy, job::Clock::time_point now = job::Clock::now());

// Runs SweepJobs at once and then every `interval` on its own thread, until destroyed; a sweep's error is a
// warning on stderr. `store` and `results` (may be null) must outlive the sweeper.
class RetentionSweeper {
 public:
  RetentionSweeper(job::JobStore& store, storage::ResultStore* results, std::filesystem::path data_dir,
                   RetentionPolicy policy, std::chrono::seconds interval = std::chrono::seconds(60));
  ~RetentionSweeper();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

 private:
  void Loop();

  job::JobStore& store_;
  storage::ResultStore* results_;
  std::filesystem::path data_dir_;
  RetentionPolicy policy_;
  std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace facefuse::server
