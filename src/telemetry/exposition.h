// Prometheus text exposition of facefuse's metrics: a string renderer (for any
// HTTP server, e.g. the future job API mounting GET /metrics) and a small
// standalone endpoint (prometheus-cpp's civetweb Exposer) for `facefuse serve`.
#pragma once

#include <memory>
#include <string>

#include "facefuse/status.h"
#include "telemetry/metrics.h"

namespace prometheus {
class Exposer;
}

namespace facefuse::telemetry {

// The Prometheus text format (version 0.0.4) of every metric in `metrics`,
// process_* included. Never fails; an unreadable /proc only drops process_*.
std::string RenderMetricsText(const Metrics& metrics);

// Content-Type for RenderMetricsText's output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Serves GET /metrics on bind_address:port on its own threads until destroyed.
// `metrics` must outlive the endpoint.
class MetricsEndpoint {
 public:
  // port 0 picks a free port (see port()). Errors: Unavailable when the
  // address cannot be bound (in use, no permission).
  static Result<std::unique_ptr<MetricsEndpoint>> Start(const std::string& bind_address, int port,
                                                        const Metrics& metrics);
  ~MetricsEndpoint();

  int port() const { return port_; }
  // "http://ADDRESS:PORT/metrics"
  std::string url() const;

 private:
  MetricsEndpoint() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string address_;
  int port_ = 0;
};

}  // namespace facefuse::telemetry
