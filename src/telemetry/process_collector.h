// The standard process_* metrics (prometheus-cpp has no collector for them),
// read from /proc/self/stat, /proc/self/status and /proc/self/fd at scrape time.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <vector>

#include "facefuse/status.h"

namespace facefuse::telemetry {

struct ProcessStats {
  double cpu_seconds = 0;           // user + system
  double resident_bytes = 0;        // VmRSS
  double virtual_bytes = 0;         // vsize
  double open_fds = 0;
  double max_fds = 0;               // soft RLIMIT_NOFILE
  double start_time_seconds = 0;    // since the Unix epoch
  double threads = 0;
};

// This process's stats now. Errors: IoError when /proc cannot be read.
Result<ProcessStats> ReadProcessStats();

class ProcessCollector final : public prometheus::Collectable {
 public:
  // process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
  // process_open_fds, process_max_fds, process_start_time_seconds. Empty when /proc is unreadable.
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace facefuse::telemetry
