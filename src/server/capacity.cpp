#include "server/capacity.h"

#include <algorithm>

namespace facefuse::server {

int WorkersFor(int cpus, uint64_t free_memory_bytes) {
  int workers = std::max(1, cpus / kCpusPerWorker);
  if (free_memory_bytes > 0) workers = std::min<int64_t>(workers, static_cast<int64_t>(free_memory_bytes / kBytesPerWorker));
  return std::clamp(workers, 1, 16);
}

}  // namespace facefuse::server
