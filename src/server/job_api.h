// The HTTP job API of `facefuse serve`: a thin adapter over the job queue and
// its store. Requests become swap-image jobs on the queue; job records come
// back as JSON; every error is {"error": {"code", "message"}} with the HTTP
// status of the one Status -> HTTP table (common/status_map.h). Routes and
// shapes: docs/api.md.
//
//   POST   /v1/jobs              multipart: source part(s), target, options -> 202 {"id"}
//   GET    /v1/jobs              the jobs (?state=, ?limit=, ?offset=)
//   GET    /v1/jobs/{id}         one job's state, progress, stage, error
//   GET    /v1/jobs/{id}/result  the output once the job succeeded (Range requests too)
//   GET    /v1/jobs/{id}/events  progress as Server-Sent Events (server/job_events.h)
//   GET    /v1/jobs/{id}/gpu.csv|gpu.svg|gpu.png  the job's GPU report (server/job_gpu_reports.h)
//   DELETE /v1/jobs/{id}         cancels a queued job
//   POST   /v1/swap              the same parts -> the swapped image itself (small images; server/swap_route.h)
//   GET    /v1/models            the catalog's models and whether this server has each (server/model_routes.h)
//   GET    /health/live, /health/ready, /metrics
//   GET    /, /web/NAME          the web page (server/web_routes.h)
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "facefuse/gpu.h"
#include "facefuse/memory_budget.h"
#include "facefuse/status.h"
#include "job/job_queue.h"
#include "server/auth.h"
#include "storage/result_store.h"
#include "server/content_gate.h"
#include "server/rate_limit.h"
#include "telemetry/json_log.h"
#include "telemetry/metrics.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace facefuse::server {

struct JobApiOptions {
  std::string bind_address = "127.0.0.1";  // IPv4, dotted quad
  int port = 0;                             // 0: a free port (see JobApiServer::port())
  std::filesystem::path data_dir;           // one folder per job in it; must exist and be writable
  uint64_t max_upload_bytes = uint64_t{64} << 20;  // per request body; more is answered 413
  double max_video_seconds = 600;  // a longer target video is refused (400)
  double upload_deadline_seconds = 300;  // a job request's whole body must arrive within this (408 after; 0: none)
  // The pixels the uploads' checks decode at once (all requests together); an upload that does not fit is
  // answered 503 (OutOfMemory: retry later).
  uint64_t decode_memory_bytes = uint64_t{2} << 30;
  int max_sync_swaps = 2;  // POST /v1/swap requests running at once; more are answered 503 with Retry-After
  std::filesystem::path web_dir;  // the web page's files; empty: the copy built into the binary (server/web_routes.h)
  // Requests served at once (each open connection holds one while it waits for a request): an event stream, a
  // slow upload or an idle keep-alive connection cannot take them all.
  int http_threads = 256;
  // Bearer authentication of every /v1 request (server/auth.h); no file given: none. The page, /health/* and
  // /metrics stay open.
  AuthOptions auth;
  // Requests a second each caller (principal, or client address without authentication) may make to /v1 on
  // average, up to rate_limit_burst at once; more are answered 429 with Retry-After. 0: no limit.
  double rate_limit_per_s = 0;
  double rate_limit_burst = 0;  // 0: twice rate_limit_per_s (at least 1)
  // Each /v1 request answered is a JSON line here (method, path, status, client); null: none. Not owned.
  telemetry::JsonLog* log = nullptr;
  // The content gate's classifier (server/content_gate.h); empty: no gate. A picture scoring at or above the
  // threshold is refused (403).
  std::filesystem::path content_gate_model;
  float content_gate_threshold = 0.8f;
  // HTTPS with this certificate chain and private key (PEM files); both empty: plain HTTP.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // Where the jobs' results are kept (server/job_results.h); null: the data dir. Its Health() is part of
  // /health/ready.
  std::shared_ptr<storage::ResultStore> results;
};

class JobApiServer {
 public:
  // Listens on options.bind_address:port and serves on its own threads until
  // destroyed. `queue`, `metrics` and `sampler` (may be null: no live GPU figures) must outlive the server. Errors:
  // InvalidArgument for a port outside 0..65535, an empty data_dir, or a TLS certificate or key that is missing,
  // unreadable or not a pair; Authenticator::Load's;
  // Unavailable naming the address and port when they cannot be bound.
  static Result<std::unique_ptr<JobApiServer>> Start(const JobApiOptions& options, job::JobQueue& queue,
                                                     telemetry::Metrics& metrics,
                                                     const gpu::GpuSampler* sampler = nullptr);
  // Stops listening, finishes the requests in progress and joins the threads.
  ~JobApiServer();
  JobApiServer(const JobApiServer&) = delete;
  JobApiServer& operator=(const JobApiServer&) = delete;

  int port() const { return port_; }
  // "http://ADDRESS:PORT", or https:// with TLS.
  std::string url() const;

 private:
  JobApiServer(const JobApiOptions& options, job::JobQueue& queue, telemetry::Metrics& metrics,
               const gpu::GpuSampler* sampler);
  void AddRoutes();
  // The gate every request passes before its route: authentication and the rate limit of /v1. Returns true when
  // it answered `res` itself (401, 429).
  bool Refused(const httplib::Request& req, httplib::Response& res);

  JobApiOptions options_;
  job::JobQueue& queue_;
  telemetry::Metrics& metrics_;
  const gpu::GpuSampler* sampler_;
  std::atomic<bool> stopping_{false};  // ends the event streams, so that the server's threads can be joined
  std::shared_ptr<MemoryBudget> decode_budget_;
  std::unique_ptr<Authenticator> auth_;      // null: no authentication
  std::unique_ptr<RateLimiter> rate_limit_;  // null: no limit
  std::unique_ptr<ContentGate> content_gate_;  // null: no gate
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  int port_ = 0;
};

}  // namespace facefuse::server
