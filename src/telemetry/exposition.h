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
//
// Idle or slow clients cannot starve a scrape: each connection holds one of
// kMetricsEndpointWorkers threads for at most one request (no keep-alive), and
// a client that does not finish sending its request (or reading the answer)
// within kMetricsRequestTimeoutMs is dropped. So up to kMetricsEndpointWorkers-1
// stalled connections leave /metrics answering at once; more delay it by at
// most kMetricsRequestTimeoutMs per full set of stalled workers.
inline constexpr int kMetricsEndpointWorkers = 16;
inline constexpr int kMetricsRequestTimeoutMs = 5000;

class MetricsEndpoint {
 public:
  // port 0 picks a free port (see port()). Errors: InvalidArgument for a port
  // outside 0..65535; Unavailable when the address cannot be bound, with the
  // address, the port and the system's reason ("cannot listen on
  // 127.0.0.1:9464: Address already in use").
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
