#include "telemetry/exposition.h"

#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <sstream>

namespace facefuse::telemetry {

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
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(where, 2);
    for (const auto& c : metrics.collectables()) endpoint->exposer_->RegisterCollectable(c);
    const auto ports = endpoint->exposer_->GetListeningPorts();
    if (ports.empty()) return Unavailable("metrics endpoint: not listening on " + where);
    endpoint->port_ = ports.front();
  } catch (const std::exception& e) {  // civetweb reports bind failures as exceptions
    return Unavailable("metrics endpoint: cannot listen on " + where + ": " + e.what());
  }
  endpoint->address_ = bind_address;
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

std::string MetricsEndpoint::url() const {
  return "http://" + address_ + ":" + std::to_string(port_) + "/metrics";
}

}  // namespace facefuse::telemetry
