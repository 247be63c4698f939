// Where a JobQueue takes the ids of the jobs to run from when several processes share the work (a Redis list:
// job/redis_job_store.h). Without one, a JobQueue keeps its queue in memory.
//
// Thread safety: every implementation may be called from any thread at once.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "facefuse/status.h"

namespace facefuse::job {

class JobDispatch {
 public:
  virtual ~JobDispatch() = default;
  // Queues job `id` (first in, first out).
  virtual Status Push(const std::string& id) = 0;
  // Takes the next id for this process to run, waiting up to `wait` for one; nothing when none came. The id stays
  // claimed by this process until Finish (a process that dies with it claimed gives it back to the others).
  virtual Result<std::optional<std::string>> Pop(std::chrono::milliseconds wait) = 0;
  // The claimed job `id` has ended.
  virtual Status Finish(const std::string& id) = 0;
  // Takes the queued `id` off the queue: true when it was there (not taken yet).
  virtual Result<bool> Withdraw(const std::string& id) = 0;
  // Ids waiting.
  virtual Result<size_t> Depth() = 0;
};

}  // namespace facefuse::job
