#include "job/redis_job_store.h"

#include "job/job_record_json.h"

namespace facefuse::job {
namespace {

constexpr auto kProgressWriteInterval = std::chrono::seconds(1);
constexpr auto kReclaimInterval = std::chrono::seconds(1);

int64_t CreatedMicros(const Job& job) {
  return std::chrono::duration_cast<std::chrono::microseconds>(job.timeline.created.time_since_epoch()).count();
}

}  // namespace

// --- RedisJobStore ---

Status RedisJobStore::Write(const Job& job) {
  FF_RETURN_IF_ERROR(
      redis_->Command({"HSET", Key("job:" + job.id), "request", job.request, "record", RecordJson(job)}).status());
  std::lock_guard lock(mu_);
  written_[job.id] = std::chrono::steady_clock::now();
  return Status::Ok();
}

Result<std::string> RedisJobStore::Create(Job job) {
  if (job.state != JobState::kQueued) {
    return InvalidArgument("a new job must be queued, not " + std::string(JobStateName(job.state)));
  }
  FF_RETURN_IF_ERROR(CheckJobId(job.id));  // the submitter names it (a shared store has no sequence to draw from)
  FF_ASSIGN_OR_RETURN(RedisReply fresh, redis_->Command({"HSETNX", Key("job:" + job.id), "request", job.request}));
  if (fresh.integer == 0) return FailedPrecondition("job " + job.id + " exists already");
  FF_RETURN_IF_ERROR(Write(job));
  FF_RETURN_IF_ERROR(redis_->Command({"ZADD", Key("jobs"), std::to_string(CreatedMicros(job)), job.id}).status());
  return job.id;
}

Result<Job> RedisJobStore::Get(const std::string& id) const {
  FF_ASSIGN_OR_RETURN(RedisReply fields, redis_->Command({"HMGET", Key("job:" + id), "request", "record"}));
  if (fields.items.size() != 2 || fields.items[1].empty()) return NotFound("no job " + id.substr(0, 80));
  Job job;
  job.id = id;
  job.request = fields.items[0];
  FF_RETURN_IF_ERROR(ApplyRecordJson(fields.items[1], job).WithContext("job " + id));
  return job;
}

std::vector<Job> RedisJobStore::List() const {
  std::vector<Job> jobs;
  Result<RedisReply> ids = redis_->Command({"ZRANGE", Key("jobs"), "0", "-1"});
  if (!ids.ok()) return jobs;
  for (const std::string& id : ids->items) {
    Result<Job> job = Get(id);
    if (job.ok()) jobs.push_back(std::move(job).value());
  }
  return jobs;
}

Status RedisJobStore::Update(const Job& job) {
  FF_ASSIGN_OR_RETURN(Job stored, Get(job.id));
  if (job.state != stored.state) FF_RETURN_IF_ERROR(CheckTransition(job.id, stored.state, job.state));
  bool due = true;
  {
    std::lock_guard lock(mu_);
    const auto last = written_.find(job.id);
    due = last == written_.end() || std::chrono::steady_clock::now() - last->second >= kProgressWriteInterval;
  }
  if (job.state == stored.state && !IsFinal(job.state) && !due) return Status::Ok();
  return Write(job);
}

Status RedisJobStore::Remove(const std::string& id) {
  FF_ASSIGN_OR_RETURN(Job stored, Get(id));
  if (!IsFinal(stored.state)) {
    return FailedPrecondition("job " + id + " is " + std::string(JobStateName(stored.state)) +
                              ": only a final job can be removed");
  }
  FF_RETURN_IF_ERROR(redis_->Command({"DEL", Key("job:" + id)}).status());
  FF_RETURN_IF_ERROR(redis_->Command({"ZREM", Key("jobs"), id}).status());
  std::lock_guard lock(mu_);
  written_.erase(id);
  return Status::Ok();
}

Status RedisJobStore::Health() const {
  FF_ASSIGN_OR_RETURN(RedisReply pong, redis_->Command({"PING"}));
  if (pong.text != "PONG") return Unavailable("Redis at " + redis_->address() + " answered PING with " + pong.text);
  return Status::Ok();
}

Result<Job> RedisJobStore::GetToRun(const std::string& id) {
  FF_ASSIGN_OR_RETURN(Job job, Get(id));
  if (job.state == JobState::kRunning) {  // claimed by a replica that died: run again once, or fail
    SettleInterrupted(job);
    FF_RETURN_IF_ERROR(Write(job));
  }
  if (job.state != JobState::kQueued || !rebuild_) return job;
  if (Status st = rebuild_(job); !st.ok()) {
    job.state = JobState::kFailed;
    job.status = st.WithContext("the job could not be resumed");
    job.timeline.finished = Clock::now();
    FF_RETURN_IF_ERROR(Write(job));
  }
  return job;
}

// --- RedisJobDispatch ---

RedisJobDispatch::RedisJobDispatch(std::shared_ptr<RedisClient> commands, std::shared_ptr<RedisClient> blocking,
                                   std::string prefix, std::string name, std::chrono::milliseconds ttl)
    : commands_(std::move(commands)), blocking_(std::move(blocking)), prefix_(std::move(prefix)),
      name_(std::move(name)), ttl_(ttl) {}

Result<std::unique_ptr<RedisJobDispatch>> RedisJobDispatch::Start(const std::string& host, int port, std::string prefix,
                                                                  std::string name,
                                                                  std::chrono::milliseconds heartbeat_ttl) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> commands, RedisClient::Connect(host, port));
  // The blocking connection waits up to a second for work; its reply timeout leaves room for that.
  FF_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> blocking,
                      RedisClient::Connect(host, port, std::chrono::seconds(10)));
  std::unique_ptr<RedisJobDispatch> dispatch(new RedisJobDispatch(std::move(commands), std::move(blocking),
                                                                  std::move(prefix), std::move(name), heartbeat_ttl));
  FF_RETURN_IF_ERROR(dispatch->Beat());
  FF_RETURN_IF_ERROR(dispatch->commands_->Command({"SADD", dispatch->Key("replicas"), dispatch->name_}).status());
  RedisJobDispatch* self = dispatch.get();
  dispatch->heartbeat_ = std::thread([self] {
    std::unique_lock lock(self->mu_);
    while (!self->cv_.wait_for(lock, self->ttl_ / 3, [self] { return self->stopping_; })) {
      lock.unlock();
      (void)self->Beat();  // a missed beat is retried at the next; a long outage lets the others take over
      lock.lock();
    }
  });
  return dispatch;
}

RedisJobDispatch::~RedisJobDispatch() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  (void)commands_->Command({"DEL", Key("alive:" + name_)});
}

Status RedisJobDispatch::Beat() {
  FF_RETURN_IF_ERROR(commands_->Command({"SET", Key("alive:" + name_), "1", "PX", std::to_string(ttl_.count())}).status());
  // Said again at every beat: a Redis that lost its data (restarted without persistence) learns the replica back.
  return commands_->Command({"SADD", Key("replicas"), name_}).status();
}

Status RedisJobDispatch::Push(const std::string& id) { return commands_->Command({"LPUSH", Key("queue"), id}).status(); }

Status RedisJobDispatch::ReclaimFromDeadReplicas() {
  FF_ASSIGN_OR_RETURN(RedisReply replicas, commands_->Command({"SMEMBERS", Key("replicas")}));
  for (const std::string& replica : replicas.items) {
    if (replica == name_) continue;
    FF_ASSIGN_OR_RETURN(RedisReply alive, commands_->Command({"EXISTS", Key("alive:" + replica)}));
    if (alive.integer != 0) continue;
    for (;;) {  // one id at a time, atomically: two replicas reclaiming at once never both move one id
      FF_ASSIGN_OR_RETURN(RedisReply moved,
                          commands_->Command({"LMOVE", Key("claimed:" + replica), Key("queue"), "RIGHT", "RIGHT"}));
      if (moved.nil) break;
    }
    FF_RETURN_IF_ERROR(commands_->Command({"SREM", Key("replicas"), replica}).status());
  }
  return Status::Ok();
}

Result<std::optional<std::string>> RedisJobDispatch::Pop(std::chrono::milliseconds wait) {
  const auto now = std::chrono::steady_clock::now();
  bool reclaim = false;
  {
    std::lock_guard lock(mu_);
    if (now - last_reclaim_ >= kReclaimInterval) {
      last_reclaim_ = now;
      reclaim = true;
    }
  }
  if (reclaim) FF_RETURN_IF_ERROR(ReclaimFromDeadReplicas());
  const double seconds = std::max(0.01, std::chrono::duration<double>(wait).count());
  FF_ASSIGN_OR_RETURN(RedisReply taken, blocking_->Command({"BLMOVE", Key("queue"), Key("claimed:" + name_), "RIGHT",
                                                             "LEFT", std::to_string(seconds)}));
  if (taken.nil) return std::optional<std::string>();
  return std::optional<std::string>(taken.text);
}

Status RedisJobDispatch::Finish(const std::string& id) {
  return commands_->Command({"LREM", Key("claimed:" + name_), "1", id}).status();
}

Result<bool> RedisJobDispatch::Withdraw(const std::string& id) {
  FF_ASSIGN_OR_RETURN(RedisReply removed, commands_->Command({"LREM", Key("queue"), "1", id}));
  return removed.integer > 0;
}

Result<size_t> RedisJobDispatch::Depth() {
  FF_ASSIGN_OR_RETURN(RedisReply length, commands_->Command({"LLEN", Key("queue")}));
  return static_cast<size_t>(length.integer);
}

}  // namespace facefuse::job
