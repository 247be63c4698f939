// Jobs shared by several `facefuse serve` replicas through one Redis server: the records (RedisJobStore) and the
// queue they take work from (RedisJobDispatch). The replicas share the data dir's files (a volume every replica
// mounts); Redis holds only records and ids.
//
// Keys, under a prefix (default "facefuse:"):
//   job:<id>         hash {request, record}: the job (Job::request and job_record_json.h's record)
//   jobs             sorted set of ids by creation time
//   queue            list of queued ids: submitted on the left, taken from the right
//   claimed:<name>   list of the ids the replica <name> took and is running
//   alive:<name>     set while the replica <name> lives (a heartbeat refreshes its short expiry)
//   replicas         set of the live replicas' names (each heartbeat adds its own)
// A replica that dies (its alive key expires) leaves its claimed ids; the next replica to look moves them back to
// the queue's end to run next, and the worker that takes one finds it running and settles it (SettleInterrupted:
// run again once, failed the second time).
//
// Thread safety: every member may be called from any thread at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "job/job_dispatch.h"
#include "job/job_store.h"
#include "job/redis_client.h"

namespace facefuse::job {

class RedisJobStore : public JobStore {
 public:
  // Builds a job's spec from its request and folder (as SqliteJobStore::Rebuild).
  using Rebuild = std::function<Status(Job& job)>;

  RedisJobStore(std::shared_ptr<RedisClient> redis, std::string prefix, Rebuild rebuild)
      : redis_(std::move(redis)), prefix_(std::move(prefix)), rebuild_(std::move(rebuild)) {}

  // As JobStore's; Redis's errors are Unavailable (cannot reach it) or Internal. Records are as other replicas left
  // them; a job's spec is built again only by GetToRun.
  Result<std::string> Create(Job job) override;
  Result<Job> Get(const std::string& id) const override;
  std::vector<Job> List() const override;
  Status Update(const Job& job) override;
  Status Remove(const std::string& id) override;
  bool persistent() const override { return true; }
  Status Health() const override;  // a PING answered
  Result<Job> GetToRun(const std::string& id) override;

 private:
  std::string Key(const std::string& suffix) const { return prefix_ + suffix; }
  Status Write(const Job& job);

  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
  Rebuild rebuild_;
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> written_;  // this replica's last write of each job
};

class RedisJobDispatch : public JobDispatch {
 public:
  // `name` tells this replica from the others (unique among them). Starts the heartbeat: the replica is alive for
  // `heartbeat_ttl` after each beat (a beat every third of it). Errors: Redis's.
  static Result<std::unique_ptr<RedisJobDispatch>> Start(const std::string& host, int port, std::string prefix,
                                                         std::string name,
                                                         std::chrono::milliseconds heartbeat_ttl = std::chrono::seconds(6));
  ~RedisJobDispatch() override;  // stops the heartbeat; this replica's alive key goes at once

  Status Push(const std::string& id) override;
  Result<std::optional<std::string>> Pop(std::chrono::milliseconds wait) override;
  Status Finish(const std::string& id) override;
  Result<bool> Withdraw(const std::string& id) override;
  Result<size_t> Depth() override;
  const std::string& name() const { return name_; }

 private:
  RedisJobDispatch(std::shared_ptr<RedisClient> commands, std::shared_ptr<RedisClient> blocking, std::string prefix,
                   std::string name, std::chrono::milliseconds ttl);
  std::string Key(const std::string& suffix) const { return prefix_ + suffix; }
  Status Beat();
  // Moves the claimed ids of dead replicas back to the queue's end (they run next).
  Status ReclaimFromDeadReplicas();

  std::shared_ptr<RedisClient> commands_;
  std::shared_ptr<RedisClient> blocking_;  // BLMOVE holds its connection while it waits
  std::string prefix_;
  std::string name_;
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
  std::chrono::steady_clock::time_point last_reclaim_{};
};

}  // namespace facefuse::job
