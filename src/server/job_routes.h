// The /v1/jobs routes of the job API (server/job_api.h) and the two ways any
// route answers: JSON, or the one error shape with its HTTP status.
//
// Thread safety: the handlers run on the HTTP server's threads at once; they
// share only the queue (thread-safe) and the options (read-only).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "common/status_map.h"
#include "facefuse/gpu.h"
#include "job/job_queue.h"
#include "telemetry/metrics.h"
#include "server/auth.h"
#include "server/content_gate.h"
#include "server/job_api.h"
#include "server/job_upload.h"
#include "storage/result_store.h"

namespace facefuse::server {

// Answers `body` as JSON with HTTP status `http_status`.
void ReplyJson(httplib::Response& res, int http_status, const nlohmann::json& body);
// Answers ErrorJson(status) with HttpStatusFor(status, origin).
void ReplyError(httplib::Response& res, const Status& status, ErrorOrigin origin = ErrorOrigin::kRuntime);

// The error of a request body over `max_upload_bytes` (answered 413).
Status UploadTooLarge(uint64_t max_upload_bytes);

// Reads a multipart job request (`route` names it in messages) into a fresh
// job folder under options.data_dir and fills `files`; with `video_targets` the target may be a video of up to
// options.max_video_seconds. Returns the upload,
// whose folder is removed with it unless kept (JobUpload::Keep). On a bad or
// too large request it has answered `res` (the error shape) and returns null.
std::unique_ptr<JobUpload> ReceiveJobFiles(std::string_view route, const httplib::Request& req,
                                           httplib::Response& res, const httplib::ContentReader& reader,
                                           const JobApiOptions& options,
                                           const std::shared_ptr<MemoryBudget>& decode_budget, JobFiles* files,
                                           bool video_targets = false);

// The Content-Type of an image or video file, by the extension the upload gave it from its content.
std::string ContentTypeFor(const std::filesystem::path& image);

// What the /v1/jobs routes share. Every pointee must outlive the server.
struct JobRouteContext {
  const JobApiOptions* options = nullptr;
  std::shared_ptr<MemoryBudget> decode_budget;  // the uploads' checks decode within it
  job::JobQueue* queue = nullptr;
  const gpu::GpuSampler* sampler = nullptr;  // null: no live GPU figures
  telemetry::Metrics* metrics = nullptr;     // may be null
  const Authenticator* auth = nullptr;       // null: no authentication, and every job is everyone's
  ContentGate* content_gate = nullptr;       // null: no content gate
  std::shared_ptr<storage::ResultStore> results;  // where the jobs' results are (never null)
  // The authentication and rate limit a request with a body passes once its route has it (answering before the
  // body is read would make the client lose the answer): true when it answered `res` itself (401, 429). Empty:
  // none.
  std::function<bool(const httplib::Request&, httplib::Response&)> gate;
};

// Reads past a request's body, discarding it, so that the client gets the answer and the connection stays usable.
void DrainBody(const httplib::Request& req, const httplib::ContentReader& reader);

// True when `files` pass the context's content gate (or there is none); else it has answered `res` (403, or the
// gate's error) and counted the refusal.
bool PassesContentGate(const JobRouteContext& context, const JobFiles& files, httplib::Response& res);

// The principal of an authenticated request (server/auth.h); empty without authentication.
std::string PrincipalOf(const JobRouteContext& context, const httplib::Request& req);

// Job `id` when the request's principal owns it (any job without authentication). Errors: NotFound, the same for
// a job of another principal as for no job.
Result<job::Job> VisibleJob(const JobRouteContext& context, const httplib::Request& req, const std::string& id);

// Registers POST, GET and DELETE under /v1/jobs on `http`, with the result and the GPU report files
// (/v1/jobs/{id}/result, /v1/jobs/{id}/gpu.csv|gpu.svg|gpu.png). A job the queue refuses (full, shutting down) is
// answered 503 with Retry-After. With authentication, a job belongs to the principal that submitted it.
void AddJobRoutes(httplib::Server& http, const JobRouteContext& context);

}  // namespace facefuse::server
