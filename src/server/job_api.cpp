#include "server/job_api.h"

#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>

#include "common/paths.h"
#include "server/tls_check.h"
#include "server/job_events.h"
#include "server/job_json.h"
#include "server/job_routes.h"
#include "server/model_routes.h"
#include "server/swap_route.h"
#include "server/web_routes.h"
#include "telemetry/exposition.h"

namespace facefuse::server {
namespace {

// The models the default swap needs (detector, landmarker, recognizer), bundled with the binary.
constexpr const char* kDefaultModels[] = {"face_detection_yunet_2023mar.onnx", "face_mesh_468.onnx",
                                          "recognizer_512.onnx"};
// A GPU whose readings failed this many times in a row is not healthy.
constexpr int kGpuFailuresNotReady = 3;

// Why the service cannot take jobs now (empty: it can): the queue shut down, the data dir not writable, the store
// not answering, a default model missing, or the GPU not answering.
std::string NotReadyReason(job::JobQueue& queue, const std::filesystem::path& data_dir,
                           const storage::ResultStore& results, const gpu::GpuSampler* sampler) {
  if (!queue.accepting()) return "the job queue is shutting down";
  if (access(data_dir.c_str(), W_OK | X_OK) != 0) {
    return "the data dir " + data_dir.string() + " is not writable: " + std::strerror(errno);
  }
  if (Status store = queue.store().Health(); !store.ok()) return "the job store: " + store.message();
  if (Status store = results.Health(); !store.ok()) return "the result store: " + store.message();
  if (queue.limits().max_queued > 0 && queue.queued() >= queue.limits().max_queued) {
    return "the job queue is full (" + std::to_string(queue.queued()) + " jobs wait)";
  }
  for (const char* model : kDefaultModels) {
    const std::filesystem::path path = BundledModelsDir() / model;
    if (access(path.c_str(), R_OK) != 0) return "the default model " + path.string() + " cannot be read";
  }
  if (sampler != nullptr && sampler->has_source() && sampler->consecutive_failures() >= kGpuFailuresNotReady) {
    return "the GPU has not answered NVML for " + std::to_string(sampler->consecutive_failures()) + " readings";
  }
  return "";
}

// The job id in a /v1/jobs/{id}... path, when it has the form of one (job::CheckJobId); empty otherwise.
std::string JobIdOf(const std::string& path) {
  constexpr std::string_view kJobs = "/v1/jobs/";
  if (path.rfind(kJobs, 0) != 0) return "";
  const std::string id = path.substr(kJobs.size(), path.find('/', kJobs.size()) - kJobs.size());
  return job::CheckJobId(id).ok() ? id : "";
}

// The route a /v1 path went to, with its id as {id}: what the log says of a request's path (a path as sent can
// carry anything a client typed).
std::string RouteTemplate(const std::string& path) {
  constexpr std::string_view kJobs = "/v1/jobs/";
  if (path == "/v1/jobs" || path == "/v1/swap") return path;
  if (path.rfind(kJobs, 0) != 0) return "other";
  const size_t slash = path.find('/', kJobs.size());
  if (slash == std::string::npos) return "/v1/jobs/{id}";
  const std::string rest = path.substr(slash);
  for (const char* known : {"/result", "/events", "/gpu.csv", "/gpu.svg", "/gpu.png"})
    if (rest == known) return "/v1/jobs/{id}" + rest;
  return "other";
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
      decode_budget_(MemoryBudget::Create("cpu", options.decode_memory_bytes)) {
  if (options.tls_cert.empty()) {
    http_ = std::make_unique<httplib::Server>();
  } else {
    http_ = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
  }
}

Result<std::unique_ptr<JobApiServer>> JobApiServer::Start(const JobApiOptions& options, job::JobQueue& queue,
                                                          telemetry::Metrics& metrics,
                                                          const gpu::GpuSampler* sampler) {
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgument("--port must be 0..65535, got " + std::to_string(options.port));
  }
  if (options.data_dir.empty()) return InvalidArgument("the job API needs a data dir");
  if (options.http_threads < 1) return InvalidArgument("the job API needs at least one HTTP thread");
  if (!(options.rate_limit_per_s >= 0) || !(options.rate_limit_burst >= 0)) {
    return InvalidArgument("the rate limit must be 0 (none) or more requests a second");
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return InvalidArgument("TLS needs both a certificate (--tls-cert) and its private key (--tls-key)");
  }
  if (!options.tls_cert.empty()) FF_RETURN_IF_ERROR(CheckTlsPair(options.tls_cert, options.tls_key));
  std::unique_ptr<JobApiServer> server(new JobApiServer(options, queue, metrics, sampler));
  if (!server->options_.results) server->options_.results = storage::NewFolderResultStore(options.data_dir);
  if (!server->http_->is_valid()) {
    return InvalidArgument("cannot use the TLS certificate " + options.tls_cert.string() + " with the key " +
                           options.tls_key.string() + ": missing, unreadable, not PEM or not a pair");
  }
  if (!options.auth.api_keys_file.empty() || !options.auth.jwt_secret_file.empty()) {
    FF_ASSIGN_OR_RETURN(server->auth_, Authenticator::Load(options.auth));
  }
  if (!options.content_gate_model.empty()) {
    FF_ASSIGN_OR_RETURN(server->content_gate_,
                        ContentGate::Open(options.content_gate_model, options.content_gate_threshold));
  }
  if (options.rate_limit_per_s > 0) {
    const double burst = options.rate_limit_burst > 0 ? options.rate_limit_burst : 2 * options.rate_limit_per_s;
    server->rate_limit_ = std::make_unique<RateLimiter>(options.rate_limit_per_s, burst);
  }
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

std::string JobApiServer::url() const {
  return (options_.tls_cert.empty() ? "http://" : "https://") + options_.bind_address + ":" + std::to_string(port_);
}

bool JobApiServer::Refused(const httplib::Request& req, httplib::Response& res) {
  if (req.path.rfind("/v1/", 0) != 0) return false;  // the page, the health checks and /metrics are open
  std::string caller = req.remote_addr;
  if (auth_) {
    Result<std::string> principal = auth_->Authenticate(req.get_header_value("Authorization"));
    if (!principal.ok()) {
      metrics_.CountRejectedRequest("unauthenticated");
      res.set_header("WWW-Authenticate", "Bearer");
      ReplyError(res, principal.status());
      return true;
    }
    caller = *principal;
  }
  int retry_after_s = 1;
  if (rate_limit_ && !rate_limit_->Allow(caller, &retry_after_s)) {
    metrics_.CountRejectedRequest("rate_limited");
    res.set_header("Retry-After", std::to_string(retry_after_s));
    res.set_header("Connection", "close");
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", options_.rate_limit_per_s);
    ReplyError(res, ResourceExhausted(std::string("over the rate limit of ") + limit +
                                      " requests a second: retry after " + std::to_string(retry_after_s) + " s"));
    return true;
  }
  return false;
}

void JobApiServer::AddRoutes() {
  httplib::Server& http = *http_;
  if (options_.log != nullptr) {
    http.set_logger([log = options_.log](const httplib::Request& req, const httplib::Response& res) {
      if (req.path.rfind("/v1/", 0) != 0) return;  // not the page, the health checks or the scrapes
      const telemetry::LogLevel level = res.status >= 500   ? telemetry::LogLevel::kError
                                        : res.status >= 400 ? telemetry::LogLevel::kWarn
                                                            : telemetry::LogLevel::kInfo;
      // No client address, no path as sent: the route's template and a job id only (no personal data in logs).
      nlohmann::json fields = {{"method", req.method}, {"route", RouteTemplate(req.path)}, {"status", res.status}};
      // The id only when the job was found: an unknown "id" is whatever the client typed.
      if (const std::string id = JobIdOf(req.path); !id.empty() && res.status != 404) fields["job_id"] = id;
      log->Write(level, "request", fields);
    });
  }
  // Requests without a body are gated here; the routes that take a body (POST /v1/jobs, /v1/swap) gate once they
  // have the body to read past (JobRouteContext::gate).
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const bool has_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (has_body && (req.path == "/v1/jobs" || req.path == "/v1/swap")) return httplib::Server::HandlerResponse::Unhandled;
    return Refused(req, res) ? httplib::Server::HandlerResponse::Handled : httplib::Server::HandlerResponse::Unhandled;
  });
  // httplib's default sets SO_REUSEPORT too, which lets a second server share the port and take half the requests:
  // only SO_REUSEADDR here, so a port in use is refused.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.new_task_queue = [threads = options_.http_threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options_.max_upload_bytes);
  // httplib writes a response's header and body apart: without this a reused connection's body waits ~40 ms for
  // the client's delayed ACK (GET /v1/jobs went from 44 to 5 ms at p50 under load, docs/benchmarks.md).
  http.set_tcp_nodelay(true);
  http.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, {{"status", "live"}});
  });
  http.Get("/health/ready", [this](const httplib::Request&, httplib::Response& res) {
    const std::string reason = NotReadyReason(queue_, options_.data_dir, *options_.results, sampler_);
    if (!reason.empty()) return ReplyError(res, Unavailable(reason));
    ReplyJson(res, 200, {{"status", "ready"}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(telemetry::RenderMetricsText(metrics_), telemetry::kMetricsContentType);
  });
  JobRouteContext context;
  context.options = &options_;
  context.decode_budget = decode_budget_;
  context.queue = &queue_;
  context.sampler = sampler_;
  context.metrics = &metrics_;
  context.auth = auth_.get();
  context.content_gate = content_gate_.get();
  context.results = options_.results;
  context.gate = [this](const httplib::Request& req, httplib::Response& res) { return Refused(req, res); };
  AddJobRoutes(http, context);
  AddModelRoutes(http);
  AddJobEventsRoute(http, context, stopping_);
  AddWebRoutes(http, options_.web_dir);
  AddSwapRoute(http, context, options_.max_sync_swaps);
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
