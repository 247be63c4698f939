#include "telemetry/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "common/env.h"

namespace facefuse::telemetry {
namespace {

constexpr uint64_t kMaxProcFileBytes = 1 << 20;  // /proc files report size 0; these hold a few KiB

// The text of a /proc file, empty when it cannot be read (the parsers below then report what is missing).
std::string ReadProcFile(const char* path) {
  std::string text;
  if (!ReadFileToEnd(Env::Default(), path, kMaxProcFileBytes, &text).ok()) text.clear();
  return text;
}

// Seconds since the Unix epoch at boot ("btime" in /proc/stat).
Result<double> BootTime() {
  std::istringstream in(ReadProcFile("/proc/stat"));
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double t = 0;
      if (in >> t) return t;
      break;
    }
    in.ignore(1 << 20, '\n');
  }
  return IoError("/proc/stat: no btime");
}

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

Result<ProcessStats> ReadProcessStatsOrThrow() {
  const std::string stat = ReadProcFile("/proc/self/stat");
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return IoError("/proc/self/stat: unreadable");
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string s; fields >> s;) f.push_back(s);
  if (f.size() < 22) return IoError("/proc/self/stat: too few fields");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessStats p;
  p.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime (14), stime (15)
  p.threads = std::stod(f[17]);                                    // num_threads (20)
  FF_ASSIGN_OR_RETURN(double boot, BootTime());
  p.start_time_seconds = boot + std::stod(f[19]) / ticks;  // starttime (22)
  p.virtual_bytes = std::stod(f[20]);                        // vsize (23)

  std::istringstream status(ReadProcFile("/proc/self/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) p.resident_bytes = std::stod(line.substr(6)) * 1024;  // "VmRSS:  123 kB"
  }
  if (auto fds = Env::Default()->ListDirectory("/proc/self/fd"); fds.ok())
    p.open_fds = static_cast<double>(fds->size());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) p.max_fds = static_cast<double>(limit.rlim_cur);
  return p;
}

}  // namespace

Result<ProcessStats> ReadProcessStats() {
  try {
    return ReadProcessStatsOrThrow();
  } catch (const std::exception& e) {  // std::stod on a malformed /proc file
    return IoError(std::string("/proc/self: ") + e.what());
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const Result<ProcessStats> r = ReadProcessStats();
  if (!r.ok()) return {};
  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::Counter,
             r->cpu_seconds),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge, r->resident_bytes),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge, r->virtual_bytes),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, r->open_fds),
      Family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, r->max_fds),
      Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
             MetricType::Gauge, r->start_time_seconds),
      Family("process_threads", "Number of OS threads in the process.", MetricType::Gauge, r->threads),
  };
}

}  // namespace facefuse::telemetry
