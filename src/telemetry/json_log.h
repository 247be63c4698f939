// Structured logs: one JSON object a line, for a log shipper (promtail, Loki) to read off stderr:
//
//   {"time":"2026-12-03T20:41:07.123Z","level":"info","msg":"job finished","job_id":"job-Ab12Cd","kind":"swap_image",
//    "state":"succeeded","duration_s":1.42}
//
// Fields used across the service: job_id, kind, stage, duration_s, state, error, method, route, status.
// No personal data: no client address, no file names as uploaded, no credentials; job ids only.
// Thread safety: Write may be called from any thread at once; each line is written whole.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>

namespace facefuse::telemetry {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
std::string_view LogLevelName(LogLevel level);

class JsonLog {
 public:
  // Writes to `sink` (not owned; must outlive the log) the lines at `min_level` and above.
  explicit JsonLog(std::FILE* sink, LogLevel min_level = LogLevel::kInfo) : sink_(sink), min_level_(min_level) {}

  // One line: time (UTC, milliseconds), level, msg, then `fields` (an object; other JSON is put under "fields").
  // Text that is not UTF-8 is written with U+FFFD in its place. Never throws.
  void Write(LogLevel level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

 private:
  std::mutex mu_;
  std::FILE* sink_;
  LogLevel min_level_;
};

}  // namespace facefuse::telemetry
