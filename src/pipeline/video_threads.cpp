#include "pipeline/video_threads.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace facefuse::pipeline {

int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

VideoThreads ShareVideoThreads(int budget) {
  const int total = budget > 0 ? budget : AvailableCpus();
  VideoThreads threads;
  threads.kernels = std::max(1, total / 2);
  threads.encode = std::max(1, total - threads.kernels + 1);
  threads.decode = std::max(1, total / 8);
  return threads;
}

}  // namespace facefuse::pipeline
