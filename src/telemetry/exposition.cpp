#include "telemetry/exposition.h"

#include <CivetServer.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <regex>
#include <sstream>
#include <vector>

namespace facefuse::telemetry {
namespace {

// civetweb says why it could not start (which port, errno) only through its log
// callback, on the thread that starts it; its exception just says "null context".
// While a StartLogCapture lives, the calling thread's civetweb log lines go to it.
thread_local std::vector<std::string>* t_start_log = nullptr;

int CollectStartLog(const mg_connection* /*conn*/, const char* message) {
  if (t_start_log == nullptr) return 0;  // a running server: civetweb's default (no error_log_file: silent)
  t_start_log->emplace_back(message);
  return 1;
}

struct StartLogCapture {
  std::vector<std::string> lines;
  StartLogCapture() { t_start_log = &lines; }
  ~StartLogCapture() { t_start_log = nullptr; }
  StartLogCapture(const StartLogCapture&) = delete;
  StartLogCapture& operator=(const StartLogCapture&) = delete;
};

// The reason to show for a failed start: civetweb's first log line, with
// "cannot bind to ADDR:PORT: 98 (Address already in use)" reduced to its
// strerror text (the caller names ADDR:PORT); `fallback` when nothing was logged.
std::string StartFailureReason(const std::vector<std::string>& log, const std::string& fallback) {
  if (log.empty()) return fallback;
  static const std::regex kBind(R"(cannot bind to .*: -?[0-9]+ \((.*)\)\s*$)");
  std::smatch m;
  if (std::regex_search(log.front(), m, kBind)) return m[1].str();
  return log.front();
}

}  // namespace

std::string RenderMetricsText(const Metrics& metrics) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& weak : metrics.collectables()) {
    if (auto c = weak.lock()) {
      auto f = c->Collect();
      families.insert(families.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const std::string& bind_address, int port,
                                                                const Metrics& metrics) {
  if (port < 0 || port > 65535) return InvalidArgument("metrics port out of range: " + std::to_string(port));
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  const std::string where = bind_address + ":" + std::to_string(port);
  CivetCallbacks callbacks;  // civetweb copies it while starting
  callbacks.log_message = CollectStartLog;
  StartLogCapture start_log;
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", where, "num_threads", std::to_string(kMetricsEndpointWorkers),
                                 "request_timeout_ms", std::to_string(kMetricsRequestTimeoutMs),
                                 "enable_keep_alive", "no"},
        &callbacks);
    for (const auto& c : metrics.collectables()) endpoint->exposer_->RegisterCollectable(c);
    const auto ports = endpoint->exposer_->GetListeningPorts();
    if (ports.empty()) return Unavailable("metrics endpoint: not listening on " + where);
    endpoint->port_ = ports.front();
  } catch (const std::exception& e) {  // civetweb reports bind failures as exceptions
    return Unavailable("metrics endpoint: cannot listen on " + where + ": " +
                       StartFailureReason(start_log.lines, e.what()));
  }
  endpoint->address_ = bind_address;
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

std::string MetricsEndpoint::url() const {
  return "http://" + address_ + ":" + std::to_string(port_) + "/metrics";
}

}  // namespace facefuse::telemetry
