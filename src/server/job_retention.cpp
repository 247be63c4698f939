#include "server/job_retention.h"

#include <algorithm>
#include <fstream>
#include <cstdio>
#include <map>
#include <vector>

#include "server/job_results.h"

namespace facefuse::server {
namespace {

namespace fs = std::filesystem;

uint64_t FolderBytes(const fs::path& folder) {
  uint64_t bytes = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) bytes += size;
    }
  }
  return bytes;
}

bool IsJobFolderName(const fs::path& path) { return path.filename().string().rfind("job-", 0) == 0; }

// Removes the stored result of `job` from `results` (null: nothing to do); false, with a warning, when it cannot now.
bool RemoveStoredResult(storage::ResultStore* results, const job::Job& job) {
  const std::string key = ResultKeyOf(job);
  if (results == nullptr || key.empty() || job.state != job::JobState::kSucceeded) return true;
  const Status removed = results->Remove(key);
  if (!removed.ok()) std::fprintf(stderr, "facefuse: retention: job %s kept: %s\n", job.id.c_str(), removed.ToString().c_str());
  return removed.ok();
}

// Removes `folder` and counts what it freed in `report`.
void RemoveFolder(const fs::path& folder, uint64_t bytes, SweepReport& report) {
  std::error_code error;
  fs::remove_all(folder, error);
  if (error) {
    std::fprintf(stderr, "facefuse: retention: cannot remove %s: %s\n", folder.c_str(), error.message().c_str());
    return;
  }
  report.bytes_freed += bytes;
}

}  // namespace

Status ClaimDataDir(const fs::path& data_dir, const std::string& store) {
  const fs::path marker = data_dir / ".facefuse-store";
  std::error_code error;
  if (fs::exists(marker, error)) {
    std::ifstream in(marker);
    std::string claimed;
    std::getline(in, claimed);
    if (!in && !in.eof()) return IoError("cannot read " + marker.string());
    if (claimed == store) return Status::Ok();
    return FailedPrecondition("the data dir " + data_dir.string() + " holds the jobs of another store (" + claimed +
                              "); this serve keeps its jobs in " + store + ": give it a data dir of its own");
  }
  std::ofstream out(marker);
  out << store << "\n";
  if (!out) return IoError("cannot write " + marker.string());
  return Status::Ok();
}

Result<SweepReport> SweepJobs(job::JobStore& store, storage::ResultStore* results, const fs::path& data_dir,
                              const RetentionPolicy& policy, job::Clock::time_point now) {
  SweepReport report;
  std::error_code error;
  std::map<fs::path, uint64_t> folders;  // job-* folder -> its bytes
  for (fs::directory_iterator it(data_dir, error), end; !error && it != end; it.increment(error)) {
    std::error_code kind_error;
    if (it->is_directory(kind_error) && IsJobFolderName(it->path())) folders[it->path()] = FolderBytes(it->path());
  }
  if (error) return IoError("cannot list the data dir " + data_dir.string() + ": " + error.message());

  std::vector<job::Job> final_jobs;  // oldest finished first
  std::map<fs::path, bool> owned;
  for (job::Job& job : store.List()) {
    if (!job.folder.empty()) owned[job.folder] = true;
    if (job::IsFinal(job.state)) final_jobs.push_back(std::move(job));
  }
  std::stable_sort(final_jobs.begin(), final_jobs.end(), [](const job::Job& a, const job::Job& b) {
    return a.timeline.finished < b.timeline.finished;
  });
  uint64_t total = 0;
  for (const auto& [folder, bytes] : folders) total += bytes;
  for (const job::Job& job : final_jobs) {
    const bool expired = now - job.timeline.finished >= policy.keep;
    const bool over_quota = policy.quota_bytes > 0 && total > policy.quota_bytes;
    if (!expired && !over_quota) continue;
    if (!RemoveStoredResult(results, job) || !store.Remove(job.id).ok()) continue;
    ++report.jobs_removed;
    const auto folder = folders.find(job.folder);
    if (folder == folders.end()) continue;
    RemoveFolder(folder->first, folder->second, report);
    total -= folder->second;
    folders.erase(folder);
  }
  for (auto it = folders.begin(); it != folders.end();) {
    std::error_code time_error;
    const auto written = fs::last_write_time(it->first, time_error);
    const auto age = fs::file_time_type::clock::now() - written;
    if (owned.count(it->first) != 0 || time_error || age < policy.orphan_grace) {
      ++it;
      continue;
    }
    RemoveFolder(it->first, it->second, report);
    ++report.orphans_removed;
    total -= it->second;
    it = folders.erase(it);
  }
  report.bytes_kept = total;
  return report;
}

RetentionSweeper::RetentionSweeper(job::JobStore& store, storage::ResultStore* results, fs::path data_dir,
                                   RetentionPolicy policy, std::chrono::seconds interval)
    : store_(store), results_(results), data_dir_(std::move(data_dir)), policy_(policy), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

RetentionSweeper::~RetentionSweeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void RetentionSweeper::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Result<SweepReport> swept = SweepJobs(store_, results_, data_dir_, policy_);
    if (!swept.ok()) {
      std::fprintf(stderr, "facefuse: retention: %s\n", swept.status().ToString().c_str());
    } else if (swept->jobs_removed + swept->orphans_removed > 0) {
      std::fprintf(stderr, "facefuse: retention: removed %d job(s) and %d orphan folder(s), %.1f MiB\n",
                   swept->jobs_removed, swept->orphans_removed, static_cast<double>(swept->bytes_freed) / (1 << 20));
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace facefuse::server
