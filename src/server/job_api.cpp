#include "server/job_api.h"

#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "server/job_events.h"
#include "server/job_json.h"
#include "server/job_routes.h"
#include "server/swap_route.h"
#include "server/web_routes.h"
#include "telemetry/exposition.h"

namespace facefuse::server {
namespace {

// Why the service cannot take jobs now (empty: it can): the queue shut down, or the data dir not writable.
std::string NotReadyReason(job::JobQueue& queue, const std::filesystem::path& data_dir) {
  if (!queue.accepting()) return "the job queue is shutting down";
  if (access(data_dir.c_str(), W_OK | X_OK) != 0) {
    return "the data dir " + data_dir.string() + " is not writable: " + std::strerror(errno);
  }
  return "";
}

// The JSON body of an error httplib answered itself (no route, a body over the limit, a malformed body).
Status StatusForHttpError(const httplib::Request& req, int http_status, uint64_t max_upload_bytes) {
  switch (http_status) {
    case 404: return NotFound("no route " + req.method + " " + req.path);
    case 413: return UploadTooLarge(max_upload_bytes);
    case 500: return Internal("the server failed to answer the request");
    default: return InvalidArgument("malformed request (HTTP " + std::to_string(http_status) + ")");
  }
}

}  // namespace

JobApiServer::JobApiServer(const JobApiOptions& options, job::JobQueue& queue, telemetry::Metrics& metrics,
                           const gpu::GpuSampler* sampler)
    : options_(options),
      queue_(queue),
      metrics_(metrics),
      sampler_(sampler),
      decode_budget_(MemoryBudget::Create("cpu", options.decode_memory_bytes)),
      http_(std::make_unique<httplib::Server>()) {}

Result<std::unique_ptr<JobApiServer>> JobApiServer::Start(const JobApiOptions& options, job::JobQueue& queue,
                                                          telemetry::Metrics& metrics,
                                                          const gpu::GpuSampler* sampler) {
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgument("--port must be 0..65535, got " + std::to_string(options.port));
  }
  if (options.data_dir.empty()) return InvalidArgument("the job API needs a data dir");
  if (options.http_threads < 1) return InvalidArgument("the job API needs at least one HTTP thread");
  std::unique_ptr<JobApiServer> server(new JobApiServer(options, queue, metrics, sampler));
  server->AddRoutes();
  httplib::Server& http = *server->http_;
  errno = 0;
  server->port_ = options.port == 0 ? http.bind_to_any_port(options.bind_address)
                                    : (http.bind_to_port(options.bind_address, options.port) ? options.port : -1);
  if (server->port_ < 0) {
    const std::string reason = errno != 0 ? std::strerror(errno) : "the address cannot be bound";
    return Unavailable("cannot listen on " + options.bind_address + ":" + std::to_string(options.port) + ": " +
                       reason);
  }
  server->listener_ = std::thread([&http] { http.listen_after_bind(); });
  // Until it runs, stop() would not reach it (and the destructor would wait on it for ever).
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return server;
}

JobApiServer::~JobApiServer() {
  stopping_ = true;
  http_->stop();
  if (listener_.joinable()) listener_.join();
}

std::string JobApiServer::url() const { return "http://" + options_.bind_address + ":" + std::to_string(port_); }

void JobApiServer::AddRoutes() {
  httplib::Server& http = *http_;
  http.new_task_queue = [threads = options_.http_threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options_.max_upload_bytes);
  http.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, {{"status", "live"}});
  });
  http.Get("/health/ready", [this](const httplib::Request&, httplib::Response& res) {
    const std::string reason = NotReadyReason(queue_, options_.data_dir);
    if (!reason.empty()) return ReplyError(res, Unavailable(reason));
    ReplyJson(res, 200, {{"status", "ready"}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(telemetry::RenderMetricsText(metrics_), telemetry::kMetricsContentType);
  });
  AddJobRoutes(http, options_, decode_budget_, queue_, sampler_, &metrics_);
  AddJobEventsRoute(http, queue_, sampler_, stopping_);
  AddWebRoutes(http, options_.web_dir);
  AddSwapRoute(http, options_, decode_budget_, metrics_, options_.max_sync_swaps);
  // What httplib answers itself (no route, 413, a malformed body) gets the error shape too; a body a route set stays.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const int http_status = res.status;
    res.set_content(ErrorJson(StatusForHttpError(req, http_status, options_.max_upload_bytes)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
    res.status = http_status;
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    ReplyError(res, Internal("the request failed on the server"));
  });
}

}  // namespace facefuse::server
