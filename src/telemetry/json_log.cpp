#include "telemetry/json_log.h"

#include <chrono>
#include <ctime>

namespace facefuse::telemetry {
namespace {

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t used = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + used, sizeof text - used, ".%03dZ", static_cast<int>(millis));
  return text;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void JsonLog::Write(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (level < min_level_ || sink_ == nullptr) return;
  try {
    nlohmann::ordered_json line;  // time, level and msg first, as a person reads them
    line["time"] = NowUtc();
    line["level"] = LogLevelName(level);
    line["msg"] = message;
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) line[key] = value;
    } else if (!fields.is_null()) {
      line["fields"] = fields;
    }
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), sink_);
    std::fflush(sink_);
  } catch (...) {  // a log line is never worth a failure
  }
}

}  // namespace facefuse::telemetry
